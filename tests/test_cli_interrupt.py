"""Ctrl-C while a command writes (review 24, finding 2): the folder keeps the previous complete run.

Before, Ctrl-C during ``siting screen --overwrite`` removed the previous run's report, map,
GeoJSON, GPKG and XLSX and left only the new tables, printed ``Aborted.`` (English only) and
exited 1; into a fresh folder it left tables without a report, and a manifest naming two ``.qml``
files that were never written. Now a stopped run places nothing (the move into place is undone
when the stop comes during it), says so in Chinese and English and exits 130.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _screen_helpers import box, projects, write_catalog

from maps.cli.manifest import MANIFEST

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """A small catalog and 300 projects: a complete run takes seconds, of which writing the
    outputs (the report, the map) a few, the time to stop it while it writes."""
    root = tmp_path_factory.mktemp("interrupt")
    cat = write_catalog(root / "data", {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300), "name": "红线"}]),
        "units": ("control_unit", [{"geometry": box(-3000, -3000, 3000, 3000),
                                    "unit_type": "key", "unit_code": "ZH52010220001"}]),
    })
    (root / "projects").mkdir()
    rows = [{"project_id": f"P{i:03d}", "name": f"{i}号", "type": "pv" if i % 2 else "wind",
             "geometry": box(x, y, x + 50, y + 50)}
            for i, (x, y) in enumerate((x, y) for x in range(-2500, 2500, 250)
                                       for y in range(-2000, 2000, 270))]
    projects(rows).to_file(root / "projects" / "projects.gpkg")
    return cat, root / "projects" / "projects.gpkg"


def _hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


def _siting(*args) -> list[str]:
    return [sys.executable, "-c", "import sys; from maps.cli import main; sys.argv[0] = 'siting';"
            " main()", *map(str, args)]


def _foreground() -> None:
    """In the command's process before it starts: Ctrl-C at its default, as a shell gives a
    foreground job (a test run started as a background job has it ignored, and an ignored
    SIGINT is inherited: the command would rightly run on to the end)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            continue
        alive += [pid] if state != "Z" else []
    return alive


def _session(sid: int) -> list[int]:
    """The processes of session ``sid`` (the command and every process it started)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid:
            pids.append(int(stat.parent.name))
    return pids


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc, process groups")
def test_ctrl_c_during_overwrite_keeps_the_previous_run(region, tmp_path):
    """The real command, run completely, then again with --overwrite on two processes and
    stopped with SIGINT (to its process group, as a terminal's Ctrl-C) once it writes: exit 130,
    one bilingual line and no traceback, the folder byte for byte as the first run left it
    (the user's files too), no temporary folder and no process left."""
    cat, proj = region
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run(_siting("screen", proj, "--catalog", cat, "--out", out),
                           capture_output=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr.decode()
    (out / "my_notes.txt").write_text("mine", encoding="utf-8")
    (out / "report").mkdir(exist_ok=True)
    (out / "report" / "my_review.txt").write_text("mine too", encoding="utf-8")
    before = _hashes(out)
    assert {"report.html", "map.html", "screening.csv", "screening.gpkg", MANIFEST} <= set(before)

    proc = subprocess.Popen(_siting("screen", proj, "--catalog", cat, "--out", out,
                                    "--overwrite", "--workers", "2"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            start_new_session=True, preexec_fn=_foreground)
    deadline = time.monotonic() + 240
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.is_file() for t in tmp_path.glob(".siting-tmp-*") for p in t.rglob("*")):
            break  # the first new file is staged: the run is writing its outputs
        time.sleep(0.01)
    assert proc.poll() is None, proc.communicate()
    started = _session(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = (s.decode() for s in proc.communicate(timeout=120))
    assert proc.returncode == 128 + signal.SIGINT, stderr
    assert "Traceback" not in stderr + stdout and "Aborted" not in stderr
    assert ("已中断：输出目录保持上一次完整运行的结果，本次未写入任何文件（" in stderr
            and f"/ Interrupted: {out} holds the previous complete run" in stderr), stderr
    assert _hashes(out) == before
    assert not list(tmp_path.glob(".siting-*")) and not list(out.rglob(".siting-tmp*"))
    deadline = time.monotonic() + 10
    while _alive(started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(started)


def _dest(out: Path, names=("a.txt", "b.txt", "sub/c.txt"), overwrite=False):
    from maps.cli.outputs import destination

    return destination(out, "test", list(names), overwrite=overwrite)


def _writer(text: str):
    def write(path):
        path.write_text(text, encoding="utf-8")
    return write


def _stop(path):
    raise KeyboardInterrupt


def test_an_interrupt_in_a_fresh_folder_writes_nothing(tmp_path):
    """Into a fresh folder, a stopped run leaves no folder, no file and no manifest (before:
    the tables, and a manifest naming files that were not there)."""
    from maps.cli.staging import write_files

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        write_files(_dest(out), [("a.txt", _writer("new")), ("b.txt", _stop),
                                 ("sub/c.txt", _writer("new"))])
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("stop_at", [1, 2, 3, 4, 5])
def test_an_interrupt_while_placing_puts_the_folder_back(tmp_path, monkeypatch, stop_at):
    """Ctrl-C while the files are being moved into place (after the k-th move): the new files
    placed are removed, the old ones moved back, a file that is now stale (``b.txt``, not
    written this time) is back, the manifest is as before, the user's file untouched."""
    import maps.cli.staging as staging
    from maps.cli.staging import write_files

    out = tmp_path / "out"
    write_files(_dest(out), [("a.txt", _writer("old a")), ("b.txt", _writer("old b"))])
    (out / "mine.txt").write_text("mine", encoding="utf-8")
    before = _hashes(out)
    moves = []
    real = os.replace

    def replace(src, dst):
        moves.append(dst)
        if len(moves) == stop_at:
            raise KeyboardInterrupt
        return real(src, dst)

    monkeypatch.setattr(staging.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_files(_dest(out, overwrite=True), [("a.txt", _writer("new a")),
                                                 ("sub/c.txt", _writer("new c"))])
    monkeypatch.setattr(staging.os, "replace", real)
    assert _hashes(out) == before
    assert not (out / "sub").exists() and not list(tmp_path.glob(".siting-*"))


def test_a_writer_error_still_places_the_files_finished(tmp_path):
    """An error in one writer is not a stop: the files finished are placed (essential first),
    as before."""
    import click

    from maps.cli.staging import write_files

    def broken(path):
        raise RuntimeError("boom")

    out = tmp_path / "out"
    with pytest.raises(click.ClickException):
        write_files(_dest(out), [("a.txt", _writer("new")), ("b.txt", broken)])
    assert (out / "a.txt").read_text(encoding="utf-8") == "new" and not (out / "b.txt").exists()
