"""Benchmark: `siting screen` end to end on a synthetic province, against one PostGIS query.

Not collected by ``make test``. Run (the full scale takes many minutes and several GB; run it
only on an otherwise idle machine)::

    .venv/bin/python tests/benchmarks/bench_scale.py                     # scales 0.05, 0.25, 1
    .venv/bin/python tests/benchmarks/bench_scale.py --scales 0.05       # 5,000 projects only
    .venv/bin/python tests/benchmarks/bench_scale.py --layer-scale 1     # full layers every time
    .venv/bin/python tests/benchmarks/bench_scale.py --prepared          # `siting prepare` first
    SITING_BENCH_SCALES=0.05 .venv/bin/python -m pytest tests/benchmarks/bench_scale.py -s

For each scale (1 = 100,000 projects × 5 layers, 200,000 red-line polygons with ~17 M vertices;
see ``world.py``) it generates the world once (kept in ``--workdir`` for the next run), runs
``siting -v screen projects.gpkg --catalog catalog.toml --workers N`` in a subprocess for each
worker count of ``--workers`` (default 1 and 2: the speed-up, same run) and measures its wall
time, the peak RSS (sampled every 20 ms) and PSS (every 0.5 s; PSS counts a page shared by
forked processes once) of the whole process tree (the command and its workers) and the time of
each step (reading, screening, each output file, from the command's log). Where PostGIS can run
(``make postgis``), it then loads the red lines and projects, in the working CRS the CLI chose,
into a private cluster with a GiST index and runs
the same red-line overlay as one query (``SUM(ST_Area(ST_Intersection()))`` per project). It
prints wall, RSS and ratios — the CLI against the query, and each scale against the first — and
checks that the red-line overlap per project agrees between ``screening_hits.csv`` and the SQL.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: pgcluster, benchmarks

from benchmarks.world import SEED, make_world  # noqa: E402

from layers.crs import to_crs_dense, working_crs  # noqa: E402

SCALES = (0.05, 0.25, 1.0)
RED_LINE = "ecological_red_line"
SQL = """
SELECT p.project_id, sum(ST_Area(ST_Intersection(p.geom, r.geom))) AS overlap_m2, count(*) AS n
FROM bench.projects p JOIN bench.red_lines r ON ST_Intersects(p.geom, r.geom)
GROUP BY p.project_id"""


def world_at(workdir: Path, scale: float, layer_format: str,
             layer_scale: float | None) -> tuple[dict, float]:
    """The world of this scale, generated unless ``world.json`` says it is already there."""
    layers = f"-layers{layer_scale:g}" if layer_scale is not None else ""
    folder = workdir / f"scale-{scale:g}{layers}-{layer_format}"
    meta = folder / "world.json"
    if meta.exists():
        world = json.loads(meta.read_text(encoding="utf-8"))
        if world["seed"] == SEED and world["scale"] == scale and world.get("layer_scale") == (
                scale if layer_scale is None else layer_scale):
            return world, 0.0
    t0 = time.perf_counter()
    world = make_world(folder, scale, SEED, layer_format, layer_scale).__dict__
    return world, time.perf_counter() - t0


def run_cli(world: dict, out: Path, workers: int = 1) -> dict:
    """``siting -v screen --workers N`` in a child process: wall [s], peak RSS of the whole
    process tree [bytes] (sampled every 20 ms), exit code, and the time of each step (from the
    command's log)."""
    if out.exists():
        shutil.rmtree(out)  # the harness's own output folder of a previous run
    siting = Path(sys.executable).with_name("siting")
    cmd = [str(siting), "-v", "screen", world["projects"], "--catalog", world["catalog"],
           "--out", str(out), "--lang", "en", "--workers", str(workers)]
    log = out.with_suffix(".log")
    load = os.getloadavg()[0]
    with open(log, "wb") as sink:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        peak, pss = tree_peak_memory(proc)
        wall = time.perf_counter() - t0
    text = log.read_text(encoding="utf-8", errors="replace")
    tail = text.strip().splitlines()[-1:]
    steps = {m.group(1): float(m.group(2)) for m in re.finditer(r"wrote (\S+) in ([\d.]+) s", text)}
    screened = re.search(r"in ([\d.]+) s, screened in ([\d.]+) s", text)
    if screened:
        steps = {"read projects": float(screened.group(1)),
                 "screen": float(screened.group(2)), **steps}
    return {"cli_wall_s": wall, "cli_rss_bytes": peak, "cli_pss_bytes": pss,
            "cli_exit": proc.returncode,
            "cli_last_line": tail[0] if tail else "", "workers": workers, "steps": steps,
            "load_before": load, "load_after": os.getloadavg()[0]}


def tree_peak_memory(proc: subprocess.Popen) -> tuple[int, int]:
    """Wait for ``proc``; return the largest sums [bytes] over it and all its descendants of
    their RSS (sampled every 20 ms) and of their PSS (every 0.5 s: reading it walks the page
    tables, holding up the process's page faults meanwhile). PSS, the proportional set size,
    counts a page shared by k processes (e.g. the tables a forked writer reads) 1/k in each, so
    its sum is the memory the tree uses; the RSS sum counts shared pages once per process."""
    import psutil

    root, peak_rss, peak_pss, tick = psutil.Process(proc.pid), 0, 0, 0
    while proc.poll() is None:
        try:
            members = [root, *root.children(recursive=True)]
            rss = pss = 0
            for m in members:
                try:
                    if tick % 25 == 0:
                        info = m.memory_full_info()  # /proc/PID/smaps_rollup
                        rss, pss = rss + info.rss, pss + info.pss
                    else:
                        rss += m.memory_info().rss
                except psutil.Error:
                    pass
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        except psutil.Error:
            pass
        tick += 1
        time.sleep(0.02)
    return peak_rss, peak_pss


def prepared(world: dict) -> tuple[dict, float | None]:
    """The world with its catalog prepared once by ``siting prepare`` (kept beside it), and
    the seconds that took (None when it was there from an earlier run)."""
    folder = Path(world["folder"]) / "prepared"
    catalog = folder / "catalog.toml"
    seconds = None
    meta = Path(world["folder"]) / "world.json"
    if catalog.exists() and catalog.stat().st_mtime < meta.stat().st_mtime:
        shutil.rmtree(folder)  # the harness's own folder, prepared from an older world
    if not catalog.exists():
        siting = Path(sys.executable).with_name("siting")
        t0 = time.perf_counter()
        subprocess.run([str(siting), "prepare", world["catalog"], "--out", str(folder)],
                       check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - t0
    return {**world, "catalog": str(catalog)}, seconds


def cli_overlaps(out: Path) -> pd.Series | None:
    """Red-line overlap per project [m²] from the CLI's hits table (one row per pair)."""
    path = out / "screening_hits.csv"
    if not path.exists():
        return None
    hits = pd.read_csv(path, encoding="utf-8-sig", dtype={"project_id": str, "feature_id": str},
                       usecols=["project_id", "kind", "layer_id", "feature_id", "overlap_m2"])
    pairs = hits[hits["kind"] == RED_LINE].drop_duplicates(["project_id", "layer_id",
                                                            "feature_id"])
    return pairs.groupby("project_id")["overlap_m2"].sum()


def run_postgis(cluster, world: dict, index: int) -> tuple[dict, pd.Series]:
    """Load red lines and projects (working CRS, SRID 0: planar) and run the overlay query."""
    from pgcluster import create_database, load_frame

    crs = working_crs(world["extent_lonlat"])  # what `siting screen` chooses for this world
    db = f"bench{index}"
    create_database(cluster, db)
    t0 = time.perf_counter()
    red = gpd.read_parquet(world["red_lines"]) if world["red_lines"].endswith(".parquet") \
        else gpd.read_file(world["red_lines"])
    projects = gpd.read_file(world["projects"], columns=["project_id"])
    # the same transformation as the CLI's (lon/lat edges densified, layers.crs.to_crs_dense)
    red = red[["id", "geometry"]].set_geometry(to_crs_dense(red.geometry, crs))
    projects = projects.set_geometry(to_crs_dense(projects.geometry, crs))
    with cluster.connect(db) as conn:
        load_frame(conn, red, "bench", "red_lines", srid=0)
        load_frame(conn, projects, "bench", "projects", srid=0)
    load = time.perf_counter() - t0
    del red, projects
    with cluster.connect(db) as conn:
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        t0 = time.perf_counter()
        rows = conn.execute(SQL).fetchall()
        query = time.perf_counter() - t0
        hwm = _vm_hwm(pid)
    with cluster.connect() as conn:
        conn.execute(f'DROP DATABASE "{db}"')
    sums = pd.Series({r[0]: r[1] for r in rows}, name="overlap_m2", dtype=float)
    return {"pg_load_s": load, "pg_query_s": query, "pg_backend_rss_bytes": hwm,
            "pg_pairs": int(sum(r[2] for r in rows))}, sums


def _vm_hwm(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def cli_errors(out: Path) -> set[str]:
    """Projects the CLI did not judge (verdict ``error``: e.g. far outside the control units'
    coverage), which the SQL overlay measures anyway."""
    path = out / "screening.csv"
    if not path.exists():
        return set()
    table = pd.read_csv(path, encoding="utf-8-sig", dtype={"project_id": str},
                        usecols=["project_id", "verdict"])
    return set(table.loc[table["verdict"] == "error", "project_id"])


def compare(cli: pd.Series | None, sql: pd.Series | None, errors: set[str] = frozenset()) -> dict:
    """Totals and per-project agreement of the red-line overlaps [m²], over the projects the CLI
    judged (its ``error`` projects are counted apart)."""
    if cli is None or sql is None:
        return {"agree": None}
    unjudged = sql[sql.index.isin(errors)]
    sql = sql[~sql.index.isin(errors)]
    both = pd.concat([cli.rename("cli"), sql.rename("sql")], axis=1).fillna(0.0)
    total_cli, total_sql = float(both["cli"].sum()), float(both["sql"].sum())
    rel = abs(total_cli - total_sql) / max(total_sql, 1.0)
    worst = float((both["cli"] - both["sql"]).abs().max()) if len(both) else 0.0
    return {"overlap_cli_m2": total_cli, "overlap_sql_m2": total_sql, "overlap_rel_diff": rel,
            "worst_project_diff_m2": worst, "projects_meeting_red_lines_cli": int(len(cli)),
            "projects_meeting_red_lines_sql": int(len(sql)),
            "error_projects_on_red_lines": int(len(unjudged)),
            "error_projects_overlap_sql_m2": float(unjudged.sum()),
            "agree": bool(rel <= 1e-6 and set(cli.index) == set(sql.index))}


def run(scales=SCALES, workdir: Path | None = None, postgis: bool = True,
        layer_format: str = "parquet", layer_scale: float | None = None,
        workers: tuple[int, ...] = (1, 2), prepare: bool = False) -> list[dict]:
    """Every scale in turn (the CLI with each worker count); one dict of figures per scale.
    With ``prepare`` the CLI reads the catalog as ``siting prepare`` wrote it (prepared once
    per world; its time is reported apart as ``prepare_s``)."""
    workdir = Path(workdir or Path(tempfile.gettempdir()) / "siting-bench-scale")
    workdir.mkdir(parents=True, exist_ok=True)
    cluster, why = None, "disabled (--no-postgis)"
    if postgis:
        from pgcluster import postgis_missing, start_cluster

        why = postgis_missing()
        cluster = start_cluster() if why is None else None
    results = []
    try:
        for i, scale in enumerate(scales):
            world, gen = world_at(workdir, scale, layer_format, layer_scale)
            prep = None
            if prepare:
                world, prep = prepared(world)
            fig = {"prepared": prepare, "prepare_s": prep, "scale": scale,
                   **{f"n_{k}": v for k, v in world["counts"].items()},
                   "red_line_vertices": world["vertices"]["red_lines"], "generate_s": gen,
                   "runs": []}
            for n in workers:
                out = workdir / f"out-{Path(world['folder']).name}{'-p' * prepare}-w{n}"
                fig["runs"].append(run_cli(world, out, n))
            first = fig["runs"][0]
            fig |= {k: first[k] for k in ("cli_wall_s", "cli_rss_bytes", "cli_exit",
                                          "cli_last_line")}
            out = workdir / f"out-{Path(world['folder']).name}{'-p' * prepare}-w{workers[0]}"
            cli = cli_overlaps(out)
            sql = None
            if cluster is not None:
                pg, sql = run_postgis(cluster, world, i)
                fig |= pg
            else:
                fig["pg_skipped"] = why
            fig |= compare(cli, sql, cli_errors(out))
            if cli is not None:
                fig["hit_share_cli"] = len(cli) / world["counts"]["projects"]
            results.append(fig)
            report(results)
    finally:
        if cluster is not None:
            cluster.stop()
    (workdir / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return results


def report(results: list[dict]) -> None:
    """Print the table: per scale and worker count, wall and peak RSS of the process tree, the
    ratio to the PostGIS query, to the first scale and to one worker, and the load average."""
    base = {r["workers"]: r for r in results[0]["runs"]}
    print(f"\n{'scale':>6} {'projects':>9} {'red lines':>10} {'workers':>7} {'wall s':>7} "
          f"{'RSS GB':>7} {'PSS GB':>7} {'exit':>4} {'PG q s':>7} {'/PG q':>6} {'/PG l+q':>8} "
          f"{'x scale':>8} "
          f"{'RSS x':>6} {'speedup':>8} {'load':>9} {'agree':>6}")
    for r in results:
        one = r["runs"][0]
        q = r.get("pg_query_s")
        for run_ in r["runs"]:
            w = run_["cli_wall_s"]
            ratio = f"{w / q:6.2f}" if q else f"{'-':>6}"
            ratio2 = f"{w / (q + r['pg_load_s']):8.2f}" if q else f"{'-':>8}"
            b = base.get(run_["workers"], run_)
            print(f"{r['scale']:6g} {r['n_projects']:9,} {r['n_red_lines']:10,} "
                  f"{run_['workers']:7} {w:7.1f} {run_['cli_rss_bytes'] / 2**30:7.2f} "
                  f"{run_.get('cli_pss_bytes', 0) / 2**30:7.2f} "
                  f"{run_['cli_exit']:4} {q if q else float('nan'):7.2f} {ratio} {ratio2} "
                  f"{w / b['cli_wall_s']:8.2f} {run_['cli_rss_bytes'] / b['cli_rss_bytes']:6.2f} "
                  f"{one['cli_wall_s'] / w:8.2f} "
                  f"{run_['load_before']:4.1f}/{run_['load_after']:4.1f} {str(r.get('agree')):>6}")
    for r in results:
        if r.get("prepared"):
            took = f"{r['prepare_s']:.1f} s" if r["prepare_s"] else "kept from an earlier run"
            print(f"  scale {r['scale']:g}: catalog prepared once by `siting prepare` ({took})")
    last = results[-1]
    for run_ in last["runs"]:
        steps = ", ".join(f"{k} {v:.1f}" for k, v in run_["steps"].items())
        print(f"  scale {last['scale']:g}, {run_['workers']} worker(s): {steps}")
        if run_["cli_exit"] != 0:
            print(f"  siting screen failed: {run_['cli_last_line']}")
    if last.get("overlap_sql_m2") is not None:
        print(f"  scale {last['scale']:g}: red-line overlap CLI {last['overlap_cli_m2']:,.1f} m² "
              f"vs SQL {last['overlap_sql_m2']:,.1f} m² (relative difference "
              f"{last['overlap_rel_diff']:.1e}); projects on red lines "
              f"{last['hit_share_cli']:.1%}; {last['error_projects_on_red_lines']} project(s) "
              f"on red lines not judged (error, e.g. outside the control units), "
              f"{last['error_projects_overlap_sql_m2']:,.1f} m² by SQL")
    sys.stdout.flush()


def test_benchmark_scale():
    scales = tuple(float(s) for s in os.environ.get("SITING_BENCH_SCALES", "").split(",") if s) \
        or SCALES
    for r in run(scales):
        assert all(run_["cli_exit"] == 0 for run_ in r["runs"]), r["cli_last_line"]
        assert r["agree"] in (True, None), r


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(f"{s:g}" for s in SCALES),
                        help="comma-separated scale factors (1 = 100,000 projects)")
    parser.add_argument("--workdir", type=Path, help="where worlds and outputs are kept")
    parser.add_argument("--no-postgis", action="store_true", help="skip the PostGIS query")
    parser.add_argument("--layer-format", choices=("parquet", "gpkg"), default="parquet")
    parser.add_argument("--layer-scale", type=float,
                        help="keep the layers at this scale for every project count (e.g. 1: "
                             "200,000 red lines); default: layers scale with the projects")
    parser.add_argument("--prepared", action="store_true",
                        help="screen the catalog as `siting prepare` writes it (prepared once "
                             "per world, timed apart), as a province would for national layers")
    parser.add_argument("--workers", default="1,2",
                        help="comma-separated worker counts, each run at every scale (the "
                             "first is the reference of the speed-up)")
    args = parser.parse_args(argv)
    results = run(tuple(float(s) for s in args.scales.split(",")), args.workdir,
                  not args.no_postgis, args.layer_format, args.layer_scale,
                  tuple(int(w) for w in args.workers.split(",")), args.prepared)
    return 0 if all(all(run_["cli_exit"] == 0 for run_ in r["runs"])
                    and r["agree"] in (True, None) for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
