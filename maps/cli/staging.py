"""Staging: how a command's files are written, each into a temporary folder, then moved into place.

:class:`Staging` runs each writer (one after the other, or several at once on forked processes:
:meth:`Staging.write_all`) into a fresh folder beside the destination checked by
:func:`maps.cli.outputs.destination`; a writer that fails is recorded and the others go on; on exit
the finished files are moved into place, this command's stale files are removed and the manifest
updated (see :mod:`maps.cli.outputs`). :func:`write_files` is what the commands call.

Two ways a run can end early, handled differently on purpose:

- **A writer fails** (an error in the report, the map, …): the files that were finished are
  placed, essential files first, so a late failure loses nothing that was done; the command
  then names what failed (exit code 1).
- **The user stops the run** (Ctrl-C, SIGTERM): nothing of this run is placed. The user chose
  to cancel, and a half-new folder (new tables beside the previous run's report, or tables
  without a report) reads as a complete result when it is not. So the folder is left exactly
  as the previous complete run left it, manifest included. When the stop comes while files
  are being moved into place, the move is undone: each file being replaced or removed as stale
  was first moved aside (into the staging folder, same file system: a rename), and goes back;
  the new files placed so far are removed, folders this run made are removed, the manifest
  is restored (:class:`maps.cli.placing.Placing`). Signals are held while the move is undone.
"""

from __future__ import annotations

import logging
import os
import pickle
import shutil
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path

from layers.errors import InputError
from maps.cli.manifest import (
    MANIFEST,
    NAMED,
    changed_since_written,
    read_manifest,
    read_stamps,
    stamp,
    write_manifest,
)
from maps.cli.outputs import Destination, OutputFailure, one_line, placed, write_error_log
from maps.cli.placing import Placing

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
        """Run several writers at once: this process and ``processes - 1`` forked ones, each
        taking the next file of ``files`` not yet taken (the first start first: file k on helper
        k, the next one here); as :meth:`write` for each. ``notes`` (the list the writers
        append notes to) receives the notes each writer added in its process.

        Forked processes share the tables of this process without copying them up front. This
        process writes too rather than wait for them: the resident memory of a process tree
        counts the pages the processes share once per process, so one process fewer holding
        the tables keeps the tree's peak lower (at 100,000 projects on two processes, 3.5 instead
        of 4.7 GB). A helper that dies (e.g. killed for want of memory) fails the file it was
        writing; the others go on. Where forking is not available (not Linux) or there is one
        file or process, the writers run here one after the other.
        """
        if processes < 2 or len(files) < 2 or not sys.platform.startswith("linux"):
            for name, writer in files:
                self.write(name, writer)
            return
        import multiprocessing

        from layers.prepared import give_back_memory

        notes = [] if notes is None else notes
        fork = multiprocessing.get_context("fork")
        helpers = min(processes, len(files)) - 1
        following = fork.Value("i", helpers + 1)  # the next file nobody has taken
        results: dict[int, tuple] = {}
        procs, codes = [], []
        try:
            for slot in range(helpers):  # forked now: they see the tables as they are
                mine, theirs = fork.Pipe(duplex=False)
                proc = fork.Process(target=_helper, args=(self.root, self.dest, files, notes,
                                                          slot, following, theirs))
                proc.start()
                theirs.close()
                procs.append((proc, mine))
            index = helpers
            while index is not None:
                name, writer = files[index]
                done, failure, seconds = _write_one(self.root, self.dest, name, writer,
                                                    alone=f".writer-{index}")
                results[index] = (done, failure, seconds, [])  # its notes are in ``notes``
                give_back_memory()
                index = _take(following, len(files))
            _collect(procs, results, codes)
        finally:
            for proc, _ in procs:  # after an interrupt: stopped (nothing of this run is placed)
                if proc.is_alive():
                    proc.terminate()
                proc.join()
        for index, (name, _) in enumerate(files):
            if index not in results:
                lost = RuntimeError(f"the process writing {name} stopped before it finished "
                                    f"(exit code {', '.join(map(str, codes)) or '?'}; e.g. "
                                    "killed for want of memory)")
                results[index] = ([], (lost, one_line(lost)), 0.0, [])
            done, failure, seconds, added = results[index]
            notes.extend(added)
            self._record(name, done, failure, seconds)

    def _record(self, name: str, done: list[str], failure, seconds: float) -> bool:
        if failure is not None:
            self.failures.append((name, *failure))
            return False
        self.done.extend(done)
        _log.info("wrote %s in %.2f s", name, seconds)
        return True

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is not None and not isinstance(exc, Exception):  # Ctrl-C, SIGTERM: place nothing
            shutil.rmtree(self.root, ignore_errors=True)
            return
        if isinstance(exc, Exception):  # a bug between writers: keep what was written
            self.failures.append(("(outputs)", exc, traceback.format_exc()))
        try:
            unplaced = self._place()
        except BaseException:  # stopped while placing: _place put the folder back as it was
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        placed(self.dest)
        if not unplaced:
            shutil.rmtree(self.root, ignore_errors=True)
        if not self.failures:
            return
        text = "".join(f"--- {name}\n{trace or one_line(err)}\n"
                       for name, err, trace in self.failures)
        log = write_error_log(text, self.dest)
        failed = ", ".join(dict.fromkeys(name for name, _, _ in self.failures))
        why = "; ".join(list(dict.fromkeys(one_line(e) for _, e, _ in self.failures))[:3])
        kept = f"; files that could not be moved are in {self.root}" if unplaced else ""
        raise OutputFailure(f"could not write {failed} ({why}); the other outputs are in "
                            f"{self.dest.folder}{kept}; details in {log} / 部分输出写出失败，"
                            "其余已写出，详见日志") from None

    def _place(self) -> list[str]:
        """Move finished files into place, remove this command's stale files, update the
        manifest; return the files that could not be moved. Interrupted, it undoes what it
        did and re-raises (the folder is as before)."""
        dest, folder = self.dest, self.dest.folder
        undo = Placing(folder, self.root / ".siting-replaced")
        try:
            undo.make_folder(folder)
            try:
                manifest = read_manifest(folder)
            except InputError:  # checked before the work; damaged since: start afresh
                manifest = {}
            undo.keep_manifest()
            done, unplaced, stamps = dict.fromkeys(self.done), [], {}
            before = read_stamps(folder)
            for rel in done:
                target = folder / rel
                try:
                    if os.path.lexists(target) and rel not in manifest.keys() | dest.replaceable:
                        raise FileExistsError(f"{target} appeared during the run; left alone")
                    undo.make_folder(target.parent)
                    undo.replace(self.root / rel, rel)
                    stamps[rel] = stamp(target)
                except OSError as err:
                    self.failures.append((rel, err, traceback.format_exc()))
                    unplaced.append(rel)
                    continue
                manifest[rel] = dest.command + (NAMED if dest.single_file else "")
            if dest.single_file:  # nothing else in the folder is this command's to remove
                self._list(folder, manifest, stamps)
                undo.discard()
                return unplaced
            for rel in [r for r, cmd in manifest.items() if cmd == dest.command and r not in done]:
                stale = folder / rel
                try:
                    if changed_since_written(folder, rel, before):  # edited since: the user's now
                        pass
                    elif stale.is_file() and not stale.is_symlink():
                        undo.set_aside(rel)
                    _remove_empty_parents(stale.parent, folder)
                except OSError as err:
                    self.failures.append((rel, err, traceback.format_exc()))
                    continue
                del manifest[rel]
            self._list(folder, manifest, stamps)
        except BaseException:
            undo.undo()
            raise
        undo.discard()
        return unplaced

    def _list(self, folder: Path, manifest: dict, stamps: dict) -> None:
        """Write the manifest; a failure is recorded (the files are in place)."""
        try:
            write_manifest(folder, manifest, stamps)
        except OSError as err:
            self.failures.append((MANIFEST, err, traceback.format_exc()))


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


def _take(following, n: int) -> int | None:
    """The next file not yet taken (``following``: a shared counter), or None when all are."""
    with following.get_lock():
        index = following.value
        following.value += 1
    return index if index < n else None


def _helper(root: Path, dest: Destination, files: list, notes: list, index: int, following,
            conn) -> None:
    """A forked process of :meth:`Staging.write_all`: write file ``index``, then each next file
    not taken; send (index, files written, failure, seconds, notes added) for each."""
    from layers.prepared import give_back_memory

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the command, which stops us
    while index is not None:
        before = len(notes)
        name, writer = files[index]
        done, failure, seconds = _write_one(root, dest, name, writer, alone=f".writer-{index}")
        give_back_memory()  # a process going on to its next file holds no freed memory
        if failure is not None:
            try:
                pickle.dumps(failure[0])
            except Exception:  # noqa: BLE001 - an exception that cannot travel goes as its text
                failure = (RuntimeError(one_line(failure[0])), failure[1])
        conn.send((index, done, failure, seconds, list(notes[before:])))
        index = _take(following, len(files))
    conn.close()


def _collect(procs: list, results: dict, codes: list, block: bool = True) -> None:
    """Receive the helpers' results into ``results`` until each has ended (``block``) or while
    some are ready; add the exit codes of those that did not end well to ``codes``."""
    from multiprocessing.connection import wait

    pending = {conn: proc for proc, conn in procs if not conn.closed}
    while pending:
        ready = wait(list(pending), timeout=None if block else 0)
        if not ready:
            return
        for conn in ready:
            try:
                index, *result = conn.recv()
            except EOFError:  # it ended (or died)
                proc = pending.pop(conn)
                conn.close()
                proc.join()
                if proc.exitcode:
                    codes.append(proc.exitcode)
                continue
            results[index] = tuple(result)


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
