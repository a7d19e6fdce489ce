"""The manifest of an output folder, :data:`MANIFEST`: the files siting wrote there, which
command wrote each, and each file's size and modification time when written (``stamps``), so
that ``--overwrite`` replaces only siting's files, and only as siting left them (see
:mod:`maps.cli.outputs`)."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path, PurePosixPath

from layers.errors import InputError

MANIFEST = ".siting-manifest.json"
"""The file in an output folder that lists what siting wrote there."""
NAMED = ":file"
"""Suffix of a manifest entry's command for a file named as ``--out`` (not a folder output)."""


def read_manifest(folder: Path) -> dict[str, str]:
    """The files siting wrote in ``folder``: {relative path: command}; empty when none.

    Entries that point outside the folder (absolute, ``..``) are ignored: siting never acts on
    them.

    Raises
    ------
    InputError
        The manifest exists but is not siting's JSON.
    """
    path = folder / MANIFEST
    if not path.is_file():
        return {}
    try:
        files = json.loads(path.read_text(encoding="utf-8"))["files"]
        if not isinstance(files, dict):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise InputError(f"{path} is damaged, so siting cannot tell which files it wrote; "
                         "repair or delete it / 输出清单文件已损坏") from None
    return {name: str(cmd) for name, cmd in files.items() if _safe_name(name)}


def read_stamps(folder: Path) -> dict[str, list[int]]:
    """Size [B] and modification time [ns] of each file when siting wrote it, from the
    manifest (none in a manifest written before they were recorded, or a damaged entry)."""
    try:
        stamps = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("stamps", {})
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(stamps, dict):
        return {}
    return {k: v for k, v in stamps.items() if isinstance(v, list) and len(v) == 2
            and all(isinstance(x, int) for x in v)}


def stamp(path: Path) -> list[int]:
    """A file's size [B] and modification time [ns], as the manifest records them."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def changed_since_written(folder: Path, rel: str, stamps: dict[str, list[int]]) -> bool:
    """Whether the file ``rel`` siting wrote differs in size or date from when it wrote it
    (edited by the user since: no longer only siting's to replace or remove)."""
    try:
        return rel in stamps and stamp(folder / rel) != stamps[rel]
    except OSError:
        return False


def _safe_name(name: object) -> bool:
    p = PurePosixPath(str(name))
    return (isinstance(name, str) and bool(name) and not p.is_absolute() and ".." not in p.parts
            and "\\" not in name and name != MANIFEST)


def write_manifest(folder: Path, files: dict[str, str],
                   stamps: dict[str, list[int]] | None = None) -> None:
    """Write the manifest atomically (a temporary file in the folder, then ``os.replace``):
    ``files`` and, of those, the ``stamps`` (:func:`stamp`) of the files just written, the
    others keeping the stamps recorded before."""
    kept = {k: v for k, v in {**read_stamps(folder), **(stamps or {})}.items() if k in files}
    text = json.dumps({"about": "Files written here by siting (siting-toolkit). --overwrite "
                       "replaces only these, and only as siting wrote them (size and "
                       "modification time in stamps); siting never touches other files. / "
                       "本工具在此写出的文件；--overwrite 只替换这些未被修改的文件。",
                       "files": dict(sorted(files.items())), "stamps": dict(sorted(kept.items()))},
                      ensure_ascii=False, indent=1) + "\n"
    write_text_atomic(folder / MANIFEST, text)


def write_text_atomic(path: Path, text: str) -> None:
    """:func:`write_bytes_atomic` of a text in UTF-8."""
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write a new file beside ``path``, then move it over ``path`` (readers never see half)."""
    tmp = path.with_name(f".siting-tmp-{uuid.uuid4().hex}-{path.name}")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
