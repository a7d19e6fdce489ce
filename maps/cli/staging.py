"""Staging: how a command's files are written, each into a temporary folder, then moved into place.

:class:`Staging` runs each writer (one after the other, or several at once on forked processes:
:meth:`Staging.write_all`) into a fresh folder beside the destination checked by
:func:`maps.cli.outputs.destination`; a writer that fails is recorded and the others go on; on exit
the finished files are moved into place, this command's stale files are removed and the manifest
updated (see :mod:`maps.cli.outputs`). :func:`write_files` is what the commands call.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from layers.errors import InputError
from maps.cli.outputs import (
    MANIFEST,
    Destination,
    OutputFailure,
    changed_since_written,
    one_line,
    read_manifest,
    read_stamps,
    stamp,
    write_error_log,
    write_manifest,
)

_log = logging.getLogger(__name__)


class Staging:
    """A fresh temporary folder beside the destination; finished files move into place on exit.

    Use as a context manager; write each file with :meth:`write` (or several at once with
    :meth:`write_all`), essential files first. On exit the finished files are placed (also after
    a failure or an interrupt), then :class:`OutputFailure` is raised if any writer failed.
    """

    def __init__(self, dest: Destination):
        self.dest = dest
        self.root: Path | None = None
        self.done: list[str] = []
        self.failures: list[tuple[str, BaseException, str]] = []

    def __enter__(self) -> Staging:
        beside = self.dest.folder if self.dest.single_file else self.dest.folder.parent
        beside.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix=".siting-tmp-", dir=beside))
        return self

    def write(self, name: str, writer: Callable[[Path], object]) -> bool:
        """Run ``writer(path)`` for the output ``name``; True when it worked.

        Files the writer adds next to ``path`` (shapefile sidecars, a paged report's pages)
        count as its output. An exception is recorded (with its traceback, for the log) and the
        next writer runs.
        """
        done, failure, seconds = _write_one(self.root, self.dest, name, writer)
        return self._record(name, done, failure, seconds)

    def write_all(self, files: list[tuple[str, Callable[[Path], object]]], processes: int,
                  notes: list | None = None) -> None:
        """Run several writers at once on ``processes`` forked processes, in order of ``files``
        (the first start first); as :meth:`write` for each. ``notes`` (the list the writers
        append notes to) receives the notes each writer added in its process.

        Forked processes share the tables of this process without copying them up front; where
        forking is not available (not Linux) or there is one file or process, the writers run
        here one after the other.
        """
        if processes < 2 or len(files) < 2 or not sys.platform.startswith("linux"):
            for name, writer in files:
                self.write(name, writer)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        notes = [] if notes is None else notes
        _forked.update(root=self.root, dest=self.dest, files=files, notes=notes)
        try:  # fork: the children see the writers and their tables as they are now
            with ProcessPoolExecutor(min(processes, len(files)),
                                     mp_context=multiprocessing.get_context("fork")) as pool:
                futures = [pool.submit(_write_forked, i) for i in range(len(files))]
                for (name, _), future in zip(files, futures):
                    try:
                        done, failure, seconds, added = future.result()
                    except Exception as exc:  # noqa: BLE001 - e.g. a process killed for memory
                        done, failure, seconds, added = [], (exc, traceback.format_exc()), 0, []
                    notes.extend(added)
                    self._record(name, done, failure, seconds)
        finally:
            _forked.clear()

    def _record(self, name: str, done: list[str], failure, seconds: float) -> bool:
        if failure is not None:
            self.failures.append((name, *failure))
            return False
        self.done.extend(done)
        _log.info("wrote %s in %.2f s", name, seconds)
        return True

    def __exit__(self, exc_type, exc, tb) -> None:
        if isinstance(exc, Exception):  # a bug between writers: keep what was written
            self.failures.append(("(outputs)", exc, traceback.format_exc()))
        unplaced = self._place()
        if not unplaced:
            shutil.rmtree(self.root, ignore_errors=True)
        if not self.failures:
            return
        text = "".join(f"--- {name}\n{trace or one_line(err)}\n"
                       for name, err, trace in self.failures)
        log = write_error_log(text, self.dest)
        if exc is None or isinstance(exc, Exception):  # an interrupt goes on as it was
            failed = ", ".join(dict.fromkeys(name for name, _, _ in self.failures))
            why = "; ".join(list(dict.fromkeys(one_line(e) for _, e, _ in self.failures))[:3])
            kept = f"; files that could not be moved are in {self.root}" if unplaced else ""
            raise OutputFailure(f"could not write {failed} ({why}); the other outputs are in "
                                f"{self.dest.folder}{kept}; details in {log} / 部分输出写出失败，"
                                "其余已写出，详见日志") from None

    def _place(self) -> list[str]:
        """Move finished files into place, remove this command's stale files, update the
        manifest; return the files that could not be moved."""
        dest, folder = self.dest, self.dest.folder
        folder.mkdir(parents=True, exist_ok=True)
        try:
            manifest = read_manifest(folder)
        except InputError:  # checked before the work; damaged since: start afresh
            manifest = {}
        done, unplaced, stamps = dict.fromkeys(self.done), [], {}
        before = read_stamps(folder)
        for rel in done:
            target = folder / rel
            try:
                if os.path.lexists(target) and rel not in manifest.keys() | dest.replaceable:
                    raise FileExistsError(f"{target} appeared during the run; left alone")
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.root / rel, target)
                stamps[rel] = stamp(target)
            except OSError as err:
                self.failures.append((rel, err, traceback.format_exc()))
                unplaced.append(rel)
                continue
            manifest[rel] = dest.command
        if dest.single_file:
            return unplaced
        for rel in [r for r, cmd in manifest.items() if cmd == dest.command and r not in done]:
            stale = folder / rel
            try:
                if changed_since_written(folder, rel, before):  # edited since: the user's now
                    pass
                elif stale.is_file() and not stale.is_symlink():
                    stale.unlink()
                _remove_empty_parents(stale.parent, folder)
            except OSError as err:
                self.failures.append((rel, err, traceback.format_exc()))
                continue
            del manifest[rel]
        try:
            write_manifest(folder, manifest, stamps)
        except OSError as err:
            self.failures.append((MANIFEST, err, traceback.format_exc()))
        return unplaced


def write_files(dest: Destination, files: Iterable[tuple[str, Callable]], processes: int = 1,
                notes: list | None = None, then: Iterable[tuple[str, Callable]] = ()) -> None:
    """Write ``(name, writer)`` pairs through a :class:`Staging` of ``dest``: in order, or
    started in order on ``processes`` forked processes (:meth:`Staging.write_all`, whose
    ``notes`` this is); then the pairs of ``then`` in order (writers that read another
    output, e.g. a PDF printed from the HTML report).

    Raises
    ------
    OutputFailure
        After placing everything else, when a writer failed.
    """
    with Staging(dest) as stage:
        stage.write_all(list(files), processes, notes)
        for name, writer in then:
            stage.write(name, writer)


_forked: dict = {}  # what a forked writer process runs (Staging.write_all sets it before forking)


def _write_forked(index: int):
    """Run writer ``index`` of :meth:`Staging.write_all` in a forked process."""
    notes = _forked["notes"]
    before = len(notes)
    name, writer = _forked["files"][index]
    done, failure, seconds = _write_one(_forked["root"], _forked["dest"], name, writer,
                                        alone=f".writer-{index}")
    from layers.prepared import give_back_memory

    give_back_memory()  # a process waiting for its next file holds no freed memory
    if failure is not None:
        try:
            pickle.dumps(failure[0])
        except Exception:  # noqa: BLE001 - an exception that cannot travel goes as its text
            failure = (RuntimeError(one_line(failure[0])), failure[1])
    return done, failure, seconds, list(notes[before:])


def _write_one(root: Path, dest: Destination, name: str, writer: Callable,
               alone: str | None = None):
    """Run ``writer`` for the output ``name`` in ``root``; return (files written, (exception,
    traceback) or None, seconds).

    With ``alone`` (a writer running beside others), it writes in a folder of that name inside
    ``root`` and what it wrote is moved into ``root`` when it is done; else what appeared in
    ``root`` meanwhile is its output. A failed writer leaves no file behind.
    """
    if not dest.declares(name):
        raise ValueError(f"{name!r} is not among the declared outputs {dest.names}")
    own = root / alone if alone else root
    before = set() if alone else set(_files(root))
    path = own / name
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        writer(path)
        done = sorted(set(_files(own)) - before)
        for rel in done if alone else ():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(own / rel, root / rel)
    except Exception as exc:  # noqa: BLE001 - any writer failure is reported, not fatal
        for rel in () if alone else set(_files(root)) - before:
            (root / rel).unlink()
        return [], (exc, traceback.format_exc()), 0.0
    finally:
        if alone:
            shutil.rmtree(own, ignore_errors=True)
    return done, None, time.perf_counter() - started


def _files(folder: Path) -> list[str]:
    return [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]


def _remove_empty_parents(path: Path, folder: Path) -> None:
    while path != folder and folder in path.parents and path.is_dir() and not any(path.iterdir()):
        path.rmdir()
        path = path.parent
