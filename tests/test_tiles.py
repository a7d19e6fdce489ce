"""The tiled engine gives exactly what one process gives: in this process, on a process pool,
on a Dask cluster, and through the command line (byte-identical files)."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest
from benchmarks.world import make_world
from click.testing import CliRunner

from geo.job import plan
from geo.projects import read_projects
from geo.rules import load_rules
from geo.screen import screen
from geo.tiles import plan_tiles
from layers import demo
from layers.catalog import load_catalog
from maps.cli import cli
from maps.cli.manifest import MANIFEST


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """200 projects and 400 overlapping red lines (the scale benchmark's world, small)."""
    return make_world(tmp_path_factory.mktemp("world"), scale=0.002)


def same(a, b):
    """Identical tables (values, types, order) and the same attributes."""
    pd.testing.assert_frame_equal(pd.DataFrame(a[0]), pd.DataFrame(b[0]), check_exact=True)
    assert a[0].geometry.geom_equals_exact(b[0].geometry, tolerance=0).all()
    pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
    assert a[0].attrs == b[0].attrs


def test_tiles_are_compact_and_cover_every_project(world):
    projects, _ = read_projects(world.projects)
    cat = load_catalog(world.catalog)
    job = plan(projects, cat, load_rules(), "en", 2000.0)
    tiles = plan_tiles(job, 4)
    rows = sorted(int(r) for t in tiles for r in t)
    assert rows == list(range(len(projects))) and len(tiles) == 4
    spans = [job.take(t).windows()[:, 2].max() - job.take(t).windows()[:, 0].min() for t in tiles]
    whole = job.windows()[:, 2].max() - job.windows()[:, 0].min()
    assert max(spans) < 0.8 * whole  # Hilbert tiles are smaller than the whole region


def test_demo_tiles_match_one_process():
    """Every kind of rule of the demo (distances, outside, accuracy, unknown facts) in tiles."""
    projects, _ = read_projects(demo.DEMO_PROJECTS)
    cat = load_catalog(demo.DEMO_CATALOG)
    one = screen(projects, cat)
    same(one, screen(projects, cat, tiles=4))
    assert set(one[0]["verdict"]) >= {"prohibited", "review", "admitted"}


def test_process_pool_matches_one_process(world):
    """Tiles in spawned workers, each layer validated once in a worker and staged."""
    projects, _ = read_projects(world.projects)
    one = screen(projects, load_catalog(world.catalog))
    context = multiprocessing.get_context("spawn")
    cat = load_catalog(world.catalog)
    with ProcessPoolExecutor(2, mp_context=context) as pool:
        same(one, screen(projects, cat, executor=pool, tiles=3))
    assert all(cat.fast_form(s.id) is not None for s in cat.layers)  # staged


def test_dask_cluster_matches_one_process(world):
    distributed = pytest.importorskip("distributed")
    projects, _ = read_projects(world.projects)
    one = screen(projects, load_catalog(world.catalog))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        tiled = screen(projects, load_catalog(world.catalog), executor=client.get_executor(),
                       tiles=4)
    same(one, tiled)
    assert (one[1]["kind"] == "ecological_red_line").sum() > 50


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_cli_workers_and_scheduler_write_identical_files(world, tmp_path):
    distributed = pytest.importorskip("distributed")
    runner = CliRunner()
    args = ["screen", world.projects, "--catalog", world.catalog, "--lang", "en"]
    outputs = {}
    res = runner.invoke(cli, [*args, "--out", str(tmp_path / "one"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    outputs["one"] = tmp_path / "one"
    res = runner.invoke(cli, [*args, "--out", str(tmp_path / "pool"), "--workers", "2"])
    assert res.exit_code == 0, res.output
    outputs["pool"] = tmp_path / "pool"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        res = runner.invoke(cli, [*args, "--out", str(tmp_path / "dask"), "--scheduler",
                                  cluster.scheduler_address])
    assert res.exit_code == 0, res.output
    outputs["dask"] = tmp_path / "dask"
    names = sorted(p.name for p in outputs["one"].iterdir() if p.name != MANIFEST)
    assert "screening_hits.csv" in names and "map.html" in names
    for other in ("pool", "dask"):  # the manifest records when files were written: not compared
        assert sorted(p.name for p in outputs[other].iterdir() if p.name != MANIFEST) == names
        for name in names:
            assert (outputs[other] / name).read_bytes() == (outputs["one"] / name).read_bytes(), \
                (other, name)


def test_workers_start_while_the_projects_are_read(world, tmp_path):
    """A batch known to need the pool (from the file's metadata) starts its workers before the
    projects are read; an unknown or small one starts none."""
    from layers.footprints import feature_count
    from maps.cli.workers import Workers

    count = feature_count(world.projects)
    assert count == len(read_projects(world.projects)[0])
    (tmp_path / "p.csv").write_text("lon,lat\n120,30\n", encoding="utf-8")
    assert feature_count(tmp_path / "p.csv") is None
    before = set(multiprocessing.active_children())
    for workers, hint in ((Workers(), None), (Workers(), 100), (Workers(1), count)):
        workers.warm(hint)
        assert set(multiprocessing.active_children()) == before
        workers.close()
    pool = Workers(2)
    try:
        pool.warm(count)
        assert len(set(multiprocessing.active_children()) - before) == 2
        assert pool.executor(count).submit(sum, [1, 2]).result() == 3  # the same pool
    finally:
        pool.close()


def test_unreachable_scheduler_is_a_clear_error_well_before_dasks_30_s(world, tmp_path):
    """Nobody listens at the address: the command says so after its own connect timeout
    (CONNECT_TIMEOUT_S, 10 s), not dask's default of 30 s."""
    pytest.importorskip("distributed")
    import socket
    import time

    with socket.socket() as s:  # a port that was free a moment ago: nobody listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.monotonic()
    res = CliRunner().invoke(cli, ["screen", world.projects, "--catalog", world.catalog,
                                   "--out", str(tmp_path / "o"), "--scheduler",
                                   f"tcp://127.0.0.1:{port}"])
    seconds = time.monotonic() - started
    assert res.exit_code == 2, res.output
    assert f"cannot reach the Dask scheduler 'tcp://127.0.0.1:{port}'" in res.output
    assert "check the address and that it runs" in res.output
    assert seconds < 20, f"took {seconds:.1f} s"  # a bound, not a benchmark: dask's default is 30


@pytest.mark.parametrize("args, words", [
    (["--scheduler", ""], ["--scheduler needs the address of a Dask scheduler",
                           "tcp://host:8786", "leave --scheduler out"]),
    (["--scheduler", "  "], ["--scheduler needs the address"]),
    (["--scheduler", "tcp://host:8786", "--workers", "4"],
     ["--workers 4 and --scheduler cannot be used together", "dask worker tcp://host:8786",
      "leave out --workers", "leave out --scheduler"]),
    (["--workers", "1", "--scheduler", "tcp://host:8786"], ["cannot be used together"]),
])
def test_scheduler_without_address_or_with_workers_is_a_usage_error(tmp_path, args, words):
    """Neither runs anywhere the user did not ask for: exit 2 before any work, saying the fix."""
    res = CliRunner().invoke(cli, ["screen", str(tmp_path / "p.gpkg"), "--catalog",
                                   str(tmp_path / "c.toml"), "--out", str(tmp_path / "o"),
                                   *args])
    assert res.exit_code == 2, res.output
    for word in words:
        assert word in res.output
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()


def test_a_scheduler_without_workers_is_a_clear_error(world, tmp_path, monkeypatch):
    """A scheduler no worker has joined would hold the tiles for ever: after a wait the
    command stops and says so (exit 2)."""
    distributed = pytest.importorskip("distributed")
    monkeypatch.setattr("maps.cli.workers.WORKER_WAIT_S", 2.0)
    with distributed.LocalCluster(n_workers=0, processes=False,
                                  dashboard_address=None) as cluster:
        res = CliRunner().invoke(cli, ["screen", world.projects, "--catalog", world.catalog,
                                       "--out", str(tmp_path / "o"), "--scheduler",
                                       cluster.scheduler_address])
    assert res.exit_code == 2, res.output
    assert "has no workers (waited 2 s)" in res.output and "dask worker" in res.output
    assert not (tmp_path / "o").exists()


def _children(pid: int) -> list[int]:
    """Process ids whose parent is ``pid`` (from /proc)."""
    from pathlib import Path

    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.mark.skipif(not __import__("sys").platform.startswith("linux"), reason="/proc")
def test_sigterm_stops_workers_and_removes_temporary_folders(world, tmp_path):
    """``timeout``, cron and CI stop a command with SIGTERM: the workers and writers stop with
    it and its temporary folders (staged layers, outputs not yet in place) are removed."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    stage = tmp_path / "stage"
    stage.mkdir()
    cmd = [sys.executable, "-c", "import sys; from maps.cli import main; sys.argv[0] = 'siting';"
           " main()", "screen", world.projects, "--catalog", world.catalog, "--out",
           str(tmp_path / "out"), "--workers", "2", "--stage-dir", str(stage)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not any(stage.iterdir()) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # the workers are staging the layers: the command is under way
    assert proc.poll() is None, proc.communicate()[0]
    kids = _children(proc.pid)
    assert kids
    proc.send_signal(signal.SIGTERM)
    out = proc.communicate(timeout=120)[0].decode()
    assert proc.returncode == 128 + signal.SIGTERM, out
    assert "Traceback" not in out
    time.sleep(1)
    alive = []
    for pid in kids:
        try:
            os.kill(pid, 0)
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            alive += [pid] if state != "Z" else []
        except (ProcessLookupError, FileNotFoundError):
            pass
    assert not alive
    assert not any(stage.iterdir())
    assert not list(tmp_path.glob(".siting-tmp-*"))


def test_main_leaves_the_sigterm_handler_as_it_was(monkeypatch, capsys):
    """Called from Python (a test, a notebook), the entry point restores the handler it set."""
    import signal
    import sys

    from maps.cli import main

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(sys, "argv", ["siting", "rules"])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 0 and signal.getsignal(signal.SIGTERM) is before

def test_features_that_cannot_be_placed_reach_every_tile(tmp_path):
    """A red-line feature without geometry has no box: every tile and every window read of a
    prepared layer still sees it, so each concerned project gets its review wherever it is."""
    import json
    import shutil

    folder = tmp_path / "demo"
    shutil.copytree(demo.DEMO_CATALOG.parent, folder)
    red = json.loads((folder / "red_lines.geojson").read_text(encoding="utf-8"))
    red["features"].append({"type": "Feature", "geometry": None,
                            "properties": {**red["features"][0]["properties"], "id": "LOST"}})
    (folder / "red_lines.geojson").write_text(json.dumps(red), encoding="utf-8")
    projects, _ = read_projects(demo.DEMO_PROJECTS)
    cat = load_catalog(folder / "catalog.toml")
    one = screen(projects, cat)
    lost = one[1].query("rule_id == 'unplaced_features'")
    assert len(lost) >= 10 and set(lost["feature_id"]) == {"LOST"}
    same(one, screen(projects, cat, tiles=8))
    res = CliRunner().invoke(cli, ["prepare", str(folder / "catalog.toml"), "--out",
                                   str(tmp_path / "fast")])
    assert res.exit_code == 0, res.output
    fast = screen(projects, load_catalog(tmp_path / "fast" / "catalog.toml"), tiles=8)
    pd.testing.assert_frame_equal(one[1], fast[1], check_exact=True)


def test_staging_never_replaces_a_file_in_the_stage_dir(tmp_path):
    """--stage-dir may be a folder of the user's: staged layers go to a new subfolder of it
    (removed afterwards), so a user's file with a staged layer's name stays as it was."""
    from concurrent.futures import ThreadPoolExecutor

    mine = tmp_path / "red_lines.parquet"
    mine.write_bytes(b"the user's own file")
    projects, _ = read_projects(demo.DEMO_PROJECTS)
    cat = load_catalog(demo.DEMO_CATALOG)
    with ThreadPoolExecutor(2) as pool:
        tiled = screen(projects, cat, executor=pool, tiles=3, stage_dir=tmp_path)
    assert mine.read_bytes() == b"the user's own file"
    staged = [p for p in tmp_path.iterdir() if p != mine]
    assert [p.name[:13] for p in staged] == ["siting-stage-"]
    assert (staged[0] / "red_lines.parquet").exists()
    same(screen(projects, load_catalog(demo.DEMO_CATALOG)), tiled)
    del cat
    import gc

    gc.collect()
    assert not staged[0].exists()  # removed with the catalog


def test_assembly_refuses_parts_that_lose_a_project(world):
    """A part lost (or screened twice) by an executor never becomes a table with rows missing
    or shuffled: the assembly stops before any output is written."""
    from geo.job import assemble
    from geo.screen import screen_part
    from geo.tiles import plan_tiles

    projects, _ = read_projects(world.projects)
    cat, rules = load_catalog(world.catalog), load_rules()
    job = plan(projects, cat, rules, "en", 2000.0)
    parts = [(job.rows[t], *screen_part(job.take(t), cat, rules)) for t in plan_tiles(job, 3)]
    assemble(job, cat, rules, parts)  # whole: fine
    for broken in (parts[:2], parts + parts[:1]):
        with pytest.raises(RuntimeError, match="rows for 200 projects"):
            assemble(job, cat, rules, broken)


def test_a_tile_travels_to_a_worker_whole(world):
    """A tile is pickled with its footprints in bulk (WKB arrays) and comes back the same: the
    same geometries to the bit, the set-aside projects without a footprint to screen, the
    footprints still the shown geometries' objects, every other field equal."""
    import pickle

    import numpy as np
    import shapely

    projects, _ = read_projects(world.projects)
    job = plan(projects, load_catalog(world.catalog), load_rules(), "en", 2000.0)
    job.ok[3] = False
    job.fp[3] = None  # as plan sets a far-outside project aside
    part = job.take(np.arange(10))
    back = pickle.loads(pickle.dumps(part))
    assert list(shapely.to_wkb(back.shown)) == list(shapely.to_wkb(part.shown))
    assert back.fp[3] is None and all(back.fp[i] is back.shown[i] for i in range(10) if i != 3)
    for name in ("ok", "rows"):
        assert np.array_equal(getattr(back, name), getattr(part, name))
    pd.testing.assert_frame_equal(back.p, part.p)
    assert (back.crs, back.kinds, back.reach, back.lang) == (part.crs, part.kinds, part.reach,
                                                             part.lang)
    part.shown[0] = part.fp[0] = shapely.LinearRing(part.shown[0].exterior.coords)  # not in WKB
    back = pickle.loads(pickle.dumps(part))
    assert back.fp[0].geom_type == back.shown[0].geom_type == "LinearRing"


def test_packed_texts_unpack_to_the_same_table():
    """A tile's hits go back to the command with their text columns as codes; unpacked, the
    table is the one screened (texts, blanks, numbers, types), equal texts one object."""
    import pickle

    import numpy as np

    from geo.grouping import pack_texts, unpack_texts

    hits = pd.DataFrame({
        "rule_id": pd.Series(["a", "b", "a", "c"], dtype=object),
        "message": pd.Series(["x", None, "x", np.nan], dtype=object),  # blanks stay as they were
        "overlap_m2": [1.0, np.nan, 2.5, 0.0], "row": np.arange(4, dtype=np.int64),
        "mixed": pd.Series(["a", 1, None, "b"], dtype=object),
        # string dtype (a result's reasons and verdicts): packed, and back with its dtype
        "reasons": pd.Series(["r1", "r2", "r1", "r1"], dtype="str"),
        "error": pd.Series(["e", None, "e", None], dtype="str")})
    packed = pack_texts(hits)
    assert isinstance(packed["rule_id"].dtype, pd.CategoricalDtype)
    assert isinstance(packed["reasons"].dtype, pd.CategoricalDtype)
    assert packed["message"].dtype == object and packed["mixed"].dtype == object
    assert packed["error"].dtype == hits["error"].dtype  # blanks: left as it is
    back = unpack_texts(pickle.loads(pickle.dumps(packed)))
    pd.testing.assert_frame_equal(back, hits, check_exact=True)
    assert back["message"][1] is None and back["message"][3] is not None  # NaN kept
    assert back["rule_id"][0] is back["rule_id"][2]


def test_packed_parts_are_joined_as_if_unpacked_first():
    """:func:`geo.grouping.take_rows` stacks packed tiles and takes rows by codes; the table is
    the one unpacking, concatenating and taking would give, also where a column is packed in
    one tile and not in another (blanks there), and with a tile without rows."""
    import numpy as np

    from geo.grouping import pack_texts, take_rows, unpack_texts

    def part(k, blank):
        n = 4
        return pack_texts(pd.DataFrame({
            "rule_id": pd.Series([f"r{(i + k) % 3}" for i in range(n)], dtype=object),
            "message": pd.Series([None if blank and i == 1 else f"m{i % 2}" for i in range(n)],
                                 dtype=object),
            "reasons": pd.Series([f"t{k}" for _ in range(n)], dtype="str"),
            "value": np.arange(n, dtype=float) + k, "row": np.arange(n, dtype=np.int64)}))

    parts = [part(0, False), part(1, True), part(2, False).iloc[:0], part(3, False)]
    assert isinstance(parts[0]["message"].dtype, pd.CategoricalDtype)
    assert parts[1]["message"].dtype == object  # a blank: not packed in this tile
    order = np.random.default_rng(0).permutation(12)
    expected = pd.concat([unpack_texts(p) for p in parts], ignore_index=True).iloc[order] \
        .reset_index(drop=True)
    got = take_rows(parts, order)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got["rule_id"].dtype == object and got["reasons"].dtype == expected["reasons"].dtype
