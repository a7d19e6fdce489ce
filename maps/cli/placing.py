"""Undoing a move into place: what :meth:`maps.cli.staging.Staging._place` changed, put back when
the user stops the run (see :mod:`maps.cli.staging` for why a stop places nothing), and what a
stopped command then says about its output folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
from pathlib import Path

from layers.errors import InputError
from maps.cli.manifest import MANIFEST, read_manifest, write_bytes_atomic
from maps.cli.outputs import running


class Placing:
    """What :meth:`maps.cli.staging.Staging._place` changed in ``folder``, to undo it when the
    run is stopped.

    Files replaced or removed are first moved into ``aside`` (in the staging folder: the same
    file system, so each move is a rename); :meth:`undo` moves them back, removes the new files
    placed, the folders made and restores the manifest; :meth:`discard` forgets the old files.
    """

    def __init__(self, folder: Path, aside: Path):
        self.folder, self.aside = folder, aside
        self.placed: list[str] = []
        self.moved: list[str] = []
        self.made: list[Path] = []
        self.manifest: bytes | None = None

    def make_folder(self, path: Path) -> None:
        """Make ``path`` and its missing parents, remembering those made."""
        missing = [p for p in [path, *path.parents] if not os.path.lexists(p)]
        path.mkdir(parents=True, exist_ok=True)
        self.made.extend(reversed(missing))

    def keep_manifest(self) -> None:
        try:
            self.manifest = (self.folder / MANIFEST).read_bytes()
        except FileNotFoundError:
            self.manifest = None

    def set_aside(self, rel: str) -> None:
        """Move the file ``rel`` out of the folder, to put back on :meth:`undo`."""
        (self.aside / rel).parent.mkdir(parents=True, exist_ok=True)
        os.replace(self.folder / rel, self.aside / rel)
        self.moved.append(rel)

    def replace(self, new: Path, rel: str) -> None:
        """Move ``new`` to ``rel`` in the folder, the file there set aside first."""
        if os.path.lexists(self.folder / rel):
            self.set_aside(rel)
        try:
            os.replace(new, self.folder / rel)
        except BaseException:
            if rel in self.moved:  # not replaced after all: the old file goes back now
                os.replace(self.aside / rel, self.folder / rel)
                self.moved.remove(rel)
            raise
        self.placed.append(rel)

    def undo(self) -> None:
        """Put the folder back as it was before placing; signals wait until it is done."""
        held = {signal.SIGINT, signal.SIGTERM}
        blocking = hasattr(signal, "pthread_sigmask")
        if blocking:
            signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            for rel in reversed(self.placed):
                with contextlib.suppress(OSError):
                    (self.folder / rel).unlink()
            for rel in reversed(self.moved):
                with contextlib.suppress(OSError):
                    (self.folder / rel).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(self.aside / rel, self.folder / rel)
            with contextlib.suppress(OSError):
                if self.manifest is None:
                    (self.folder / MANIFEST).unlink(missing_ok=True)
                elif (self.folder / MANIFEST).read_bytes() != self.manifest:
                    write_bytes_atomic(self.folder / MANIFEST, self.manifest)
            for path in reversed(self.made):
                with contextlib.suppress(OSError):
                    path.rmdir()  # only when empty: a folder made for a file put back stays
        finally:
            if blocking:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, held)

    def discard(self) -> None:
        shutil.rmtree(self.aside, ignore_errors=True)


def interrupted() -> str:
    """What a stopped command says: the state its output folder is in (Chinese first)."""
    state = running()
    dest = state.get("placed") or state.get("dest")
    if dest is None:
        return "已中断 / Interrupted"
    where = dest.folder / dest.names[0] if dest.single_file else dest.folder
    if "placed" in state:
        return (f"已中断：本次输出已全部写入 {where} / Interrupted after this run's outputs were "
                f"all placed in {where}")
    if dest.replaceable or (not dest.single_file and _manifest(dest.folder)):
        return (f"已中断：输出目录保持上一次完整运行的结果，本次未写入任何文件（{where}）/ "
                f"Interrupted: {where} holds the previous complete run; nothing of this run "
                "was written")
    return f"已中断：未写入任何文件（{where}）/ Interrupted: nothing was written to {where}"


def _manifest(folder: Path) -> dict[str, str]:
    """:func:`read_manifest`, empty when it cannot be read."""
    try:
        return read_manifest(folder)
    except (InputError, OSError):
        return {}
