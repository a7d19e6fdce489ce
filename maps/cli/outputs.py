"""How a command writes its files (contract C6): checked first, staged, then moved into place.

1. :func:`destination` checks ``--out`` before any work is done and refuses (exit code 2) when
   writing there could harm the user's files: ``--out`` is, holds or lies inside an input (the
   project file, a rule set, the catalog and its layers), is the catalog's folder, lies below a
   regular file, or holds files that siting did not write where siting would write.
2. :class:`maps.cli.staging.Staging` gives a fresh temporary folder beside ``--out`` (same file
   system). Each writer writes into it (several at once, here and on forked processes, for large batches);
   a writer that fails is recorded and the others go on, so a late failure (a report, a map)
   never loses what was already written. On exit every finished file is moved into place with
   ``os.replace`` (atomic per file), files the same command wrote last time and did not write
   now are removed, and the folder's manifest is updated.
3. The manifest, :data:`MANIFEST` in the output folder (:mod:`maps.cli.manifest`), lists the
   files siting wrote there and which command wrote them. ``--overwrite`` replaces only those;
   every other file in the folder is left alone, always, also in a folder siting writes into
   (the pages of a paged report): only a file of the user's where siting would write one is in
   the way. A file named as
   ``--out`` (``siting map --out F``, ``siting convert IN F``) is listed too, as
   ``command`` + :data:`NAMED`: ``--overwrite`` replaces it only when siting wrote it and it is
   unchanged since; such entries are nobody's folder outputs.

Failures are written with their tracebacks to :data:`LOG_NAME` in the output folder (a temporary
file when there is none), and the command ends with one line naming the log and exit code 1.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from layers.errors import InputError
from maps.cli.manifest import (
    MANIFEST,
    NAMED,
    changed_since_written,
    read_manifest,
    read_stamps,
    write_manifest,
    write_text_atomic,
)

LOG_NAME = "siting-error.log"
"""Where the tracebacks of a failed run go, in the output folder."""

_running: dict = {}  # the destination of the running command, for main()'s error log
_log = logging.getLogger(__name__)


class OutputFailure(click.ClickException):
    """Some outputs could not be written; the rest were. Exit code 1."""

    exit_code = 1


@dataclass(frozen=True)
class Destination:
    """Where a command writes, checked by :func:`destination`.

    Attributes
    ----------
    folder : Path
        The folder that receives the files (``--out`` itself, or the folder of an output file).
    command : str
        The command writing (recorded in the manifest).
    names : tuple of str
        The files the command may write, relative to ``folder`` (``/``-separated); a name
        ending in ``/`` stands for every file below that folder, a name whose last part holds
        ``*`` for the files of that folder it matches (``report/page-*.html``: the pages of a
        paged report).
    single_file : bool
        True when ``--out`` names a file: that file (and its sidecars) is replaced with
        ``--overwrite`` when siting wrote it (listed in the manifest as ``command`` +
        :data:`NAMED`); nothing else in its folder is stale.
    replaceable : frozenset of str
        Names that existed when ``--out`` was checked and may be replaced.
    """

    folder: Path
    command: str
    names: tuple[str, ...]
    single_file: bool = False
    replaceable: frozenset[str] = frozenset()

    def declares(self, name: str) -> bool:
        """Whether ``name`` is one of :attr:`names`, matches one or lies below a folder among
        them."""
        return name in self.names or any(_covers(n, name) for n in self.names)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def destination(out: Path, command: str, names: Iterable[str], *,
                inputs: Iterable[Path] = (), overwrite: bool = False, single_file: bool = False,
                param_hint: str = "--out",
                when: Mapping[str, tuple[str, str]] | None = None) -> Destination:
    """Check ``--out`` before any work; refuse (exit code 2) when writing there is unsafe.

    Parameters
    ----------
    out : Path
        ``--out``: a folder, or a file when ``single_file``.
    command : str
        The command (``screen``, ``score``, ``map``, ``convert``).
    names : iterable of str
        Every file the command may write, relative to the output folder (for a single file:
        its name and sidecars); for writers whose files are not known in advance, a name
        ending in ``/`` stands for every file below that folder and a name whose last part
        holds ``*`` for the files of its folder that match it (``report/page-*.html``). A
        user's file in such a folder is in the way only where siting could write it.
    inputs : iterable of Path
        Input files and dataset folders: ``--out`` may not be, hold or lie inside any of them
        (so neither the folder of the projects nor the catalog's data folder).
    overwrite : bool
        ``--overwrite``: replace files siting wrote before (listed in :data:`MANIFEST`).
    single_file : bool
        ``out`` names a file rather than a folder.
    param_hint : str
        How the command calls ``out`` in messages.
    when : mapping of str to (str, str), optional
        (zh, en) of when siting writes the files of a declared name that only some runs
        write, for the message naming a file of the user's in their way.

    Returns
    -------
    Destination

    Raises
    ------
    click.BadParameter
        With a message saying why and what to do; nothing has been written or removed.
    """
    out = Path(os.path.abspath(out))
    folder = out.parent if single_file else out
    names = tuple(dict.fromkeys(names))
    try:
        _check_inputs(out, folder, names, single_file, inputs)
        _check_place(out, folder, single_file)
        present = _check_existing(out, folder, names, single_file, overwrite, command,
                                  when or {})
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint=param_hint) from None
    dest = Destination(folder, command, (*names, LOG_NAME), single_file, frozenset(present))
    _running["dest"] = dest
    return dest


def _check_inputs(out: Path, folder: Path, names: tuple[str, ...], single_file: bool,
                  inputs: Iterable[Path]) -> None:
    """Refuse an ``out`` that is, holds or lies inside an input."""
    targets = [_real(folder / n) for n in names] if single_file else [_real(out)]
    zh = "/ 输出位置不能是（或包含）输入文件、输入数据目录"
    for path in inputs:
        real = _real(Path(path))
        for target in targets:
            if real == target or target in real.parents:
                what = "is" if real == target else "holds"
                raise InputError(f"{out} {what} the input {path}; siting never writes where its "
                                 f"inputs are: choose another output (a new folder is fine) {zh}")
            if real.is_dir() and real in target.parents:
                raise InputError(f"{out} lies inside the input dataset {path}; choose an output "
                                 f"outside it {zh}")


def _check_place(out: Path, folder: Path, single_file: bool) -> None:
    """Refuse an ``out`` below a regular file, of the wrong type, or not writable."""
    for parent in reversed(out.parents):
        if parent.exists() and not parent.is_dir():
            raise InputError(f"{out} lies below {parent}, which is a file, not a folder; choose "
                             "an output in a folder / 输出路径位于一个文件之下")
    if single_file and out.is_dir():
        raise InputError(f"{out} is a folder; give a file name / 输出应为文件名")
    if not single_file and out.exists() and not out.is_dir():
        raise InputError(f"{out} is a file; the output must be a folder / 输出应为文件夹")
    existing = next(p for p in [folder, *folder.parents] if p.exists())
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"cannot write in {existing} (permission denied); choose another "
                         "output / 没有写入权限")


def _check_existing(out: Path, folder: Path, names: tuple[str, ...], single_file: bool,
                    overwrite: bool, command: str, when: Mapping) -> list[str]:
    """Refuse to write over anything without ``overwrite``; refuse when a file siting did not
    write lies where siting would write one (also the file named as ``--out``: the user's CSV
    named by mistake is not replaced by a map); return the files present that siting may
    replace."""
    manifest = read_manifest(folder) if folder.is_dir() else {}
    present: dict[str, str] = {}  # each file present: the declared output it falls under
    for n in names:
        for rel in _existing(folder, n):
            present.setdefault(rel, n)
    foreign = [(rel, n) for rel, n in present.items() if rel not in manifest]
    if foreign and single_file:
        raise InputError(
            f"{folder / foreign[0][0]} exists and siting did not write it (it is not listed in "
            f"{MANIFEST} there), so siting does not replace it, even with --overwrite: choose "
            f"another output file, or move or delete that one yourself / {folder / foreign[0][0]}"
            " 已存在且并非本工具写出，即使加 --overwrite 也不会覆盖：请换一个输出文件名，或自行"
            "移走/删除该文件")
    if not overwrite:
        if single_file and present:
            raise InputError(f"{folder / next(iter(present))} exists; pass --overwrite to replace "
                             "it / 输出已存在，如需覆盖请加 --overwrite")
        if not single_file and folder.is_dir() and any(folder.iterdir()):
            raise InputError(
                f"{out} is not empty; pass --overwrite to write into it (siting then replaces "
                f"only the files it wrote there, listed in {MANIFEST}; your other files stay) "
                "/ 输出目录非空，如需写入请加 --overwrite（只替换本工具写出的文件）")
    for n in names:  # a file of the user's where siting needs a folder
        parent = next((p for p in list((folder / n).parents)[:n.count("/")]
                       if p.exists() and not p.is_dir()), None)
        if parent is not None:
            raise InputError(f"{parent} is a file that siting did not write, where siting writes "
                             f"a folder of that name (for {folder / n}): move it away or choose "
                             "another output / 该位置应为本工具的输出目录")
    others = {} if single_file else {rel: c for rel, c in manifest.items()  # still there
                                     if c != command and rel != LOG_NAME
                                     and not c.endswith(NAMED)
                                     and os.path.lexists(folder / rel)}
    if others:  # another command's report and map would be replaced, its tables left beside
        raise InputError(_other_command_message(out, others, command))
    if foreign:
        raise InputError(_foreign_message(folder, *foreign[0], when))
    stamps = read_stamps(folder)
    ours = dict.fromkeys([*present, *(r for r, c in manifest.items() if c == command)])
    edited = [rel for rel in ours if changed_since_written(folder, rel, stamps)]
    if edited:  # replaced, or removed as stale: either would lose the edits
        shown = ", ".join(edited[:3]) + (f" and {len(edited) - 3} more" if len(edited) > 3 else "")
        raise InputError(f"{shown} in {folder} changed after siting wrote them (size or "
                         f"modification time differs from {MANIFEST}): they may hold your edits, "
                         "and siting replaces only files as it wrote them; move or rename them to "
                         "keep them, or delete them, or choose another output (a folder copied "
                         "without its dates, cp -r, shows every file as changed: copy with cp -p) "
                         "/ 这些文件在本工具写出后已被修改，不会被覆盖；请移走、改名或删除")
    return list(present)


def _other_command_message(out: Path, others: Mapping[str, str], command: str) -> str:
    """Why ``command`` does not write into a folder holding another command's outputs
    (``others``: {file: command}) and what to do."""
    by = dict.fromkeys(others.values())
    files = sorted(others, key=lambda rel: (rel.count("/"), rel))  # top-level first
    shown = ", ".join(files[:4]) + (f" … ({len(files)} files)" if len(files) > 4 else "")
    names = ", ".join(f"siting {c}" for c in by)
    return (f"{out} holds the outputs of {names} ({shown}): siting {command} would put its "
            f"own report and map among them (replacing theirs) and leave their other files "
            f"beside them, so the folder would contradict itself; --overwrite replaces only "
            f"this command's own outputs. "
            f"Choose another output folder for siting {command} (or move those files away) / "
            f"该目录存放 {'、'.join(f'siting {c}' for c in by)} 的输出（{shown}）：siting {command} "
            f"会替换其中的报告和地图而留下其他文件，使目录内容互相矛盾；--overwrite 只替换本命令自己的"
            f"输出。请为 siting {command} 另选输出目录（或移走这些文件）")


def _covers(declared: str, name: str) -> bool:
    """Whether the declared output ``declared`` (a file, ``folder/`` or ``folder/glob``) stands
    for the file ``name`` (a glob matches either case: on a file system that ignores case, a
    user's ``Page-0001.html`` is where siting would write ``page-0001.html``)."""
    if declared.endswith("/"):
        return name.startswith(declared)
    if "*" in declared.rsplit("/", 1)[-1]:
        head, _, glob = declared.rpartition("/")
        where, _, base = name.rpartition("/")
        return where == head and fnmatch.fnmatchcase(base.lower(), glob.lower())
    return name == declared


def _existing(folder: Path, declared: str) -> list[str]:
    """The entries below ``folder`` that the declared output ``declared`` stands for (a plain
    file where a declared folder should be counts too)."""
    path = folder / declared
    if declared.endswith("/"):
        if not os.path.lexists(path):
            return []
        below = path.rglob("*") if path.is_dir() else [path]
        return [p.relative_to(folder).as_posix() for p in below if not p.is_dir()]
    if "*" in declared.rsplit("/", 1)[-1]:
        head = path.parent
        return sorted(p.relative_to(folder).as_posix() for p in
                      (head.iterdir() if head.is_dir() else ()) if not p.is_dir()
                      and _covers(declared, p.relative_to(folder).as_posix()))
    return [declared] if os.path.lexists(path) else []


def _foreign_message(folder: Path, rel: str, declared: str,
                     when: Mapping[str, tuple[str, str]]) -> str:
    """What is in the way, why and what to do, for the file ``rel`` that siting did not write,
    found where the declared output ``declared`` goes (``when``: see :func:`destination`)."""
    path, listed = folder / rel, (f"it is not listed in {folder / MANIFEST}" if (
        folder / MANIFEST).is_file() else f"{folder} holds no {MANIFEST}, siting's list of "
        "the files it wrote there")
    never = "siting never replaces files it did not write"
    zh = "/ 该文件不是本工具写出的，不会被覆盖"
    if rel == declared:
        return (f"{path} was not written by siting ({listed}); {never}: move it away or "
                f"choose another output {zh}")
    if declared.endswith("/") and rel == declared.rstrip("/"):
        return (f"{path} is a file that siting did not write, where siting writes a folder "
                f"of that name: move it away or choose another output {zh}")
    if declared.endswith("/"):
        return (f"{path} is in the way: siting writes files of any name in "
                f"{folder / declared} and did not write this one ({listed}); {never}: move it "
                f"out of that folder or choose another output {zh}")
    glob = declared.rsplit("/", 1)[-1]
    zh_when, en_when = when.get(declared, ("", ""))
    case = not fnmatch.fnmatchcase(path.name, glob)  # one of theirs where case is ignored
    return (f"{path} is in the way: siting writes files named {glob} in {path.parent}"
            f"{' ' + en_when if en_when else ''} and did not write this one ({listed}"
            f"{'; its name differs from theirs in letter case only' if case else ''}); {never}: "
            "rename it or move it out of that folder, or choose another output (your files of "
            f"other names there stay as they are) / {zh_when + '；' if zh_when else ''}"
            f"{'文件名仅大小写不同；' if case else ''}{zh[2:]}")


def placed(dest: Destination) -> None:
    """Record that this run's files are in place in ``dest`` (for
    :func:`maps.cli.placing.interrupted`)."""
    _running["placed"] = dest


def running() -> dict:
    """The running command's output state: ``dest`` (checked), ``placed`` (files in place)."""
    return dict(_running)


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line (at most 200 characters of message)."""
    text = " ".join(str(exc).split())
    text = text[:200] + "…" if len(text) > 200 else text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _temp_log(text: str) -> Path:
    fd, name = tempfile.mkstemp(prefix="siting-error-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return Path(name)


def forget_destination() -> None:
    """Start a new command: no output folder known yet (for :func:`write_error_log`,
    :func:`maps.cli.placing.interrupted`)."""
    _running.clear()


def write_error_log(text: str, dest: Destination | None = None) -> Path:
    """Write tracebacks where the user looks; return the path.

    The log goes to the output folder of ``dest`` (default: of the running command) as
    :data:`LOG_NAME`, listed in its manifest, unless a file of that name there is not siting's;
    else, or when there is no output folder, to a temporary file.
    """
    dest = dest or _running.get("dest")
    if dest is not None:
        folder = dest.folder
        try:
            manifest = read_manifest(folder) if folder.is_dir() else {}
            if not os.path.lexists(folder / LOG_NAME) or LOG_NAME in manifest:
                folder.mkdir(parents=True, exist_ok=True)
                write_text_atomic(folder / LOG_NAME, text)
                write_manifest(folder, {**manifest, LOG_NAME: dest.command})
                return folder / LOG_NAME
        except (OSError, InputError):
            pass
    return _temp_log(text)


def catalog_inputs(catalog) -> list[Path]:
    """The files of a catalog, for the ``inputs`` of :func:`destination`: the catalog itself
    and every layer and raster it names."""
    specs = list(catalog.layers) + list(catalog.rasters)
    return [catalog.path] + [Path(s.path) for s in specs if s.path is not None]
