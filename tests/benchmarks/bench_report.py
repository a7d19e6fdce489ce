"""Benchmark: the screening report writer at 5,000, 25,000 and 100,000 projects.

Not collected by ``make test``. Run with::

    .venv/bin/python tests/benchmarks/bench_report.py            # prints the figures
    .venv/bin/python tests/benchmarks/bench_report.py --sizes 5000
    .venv/bin/python -m pytest tests/benchmarks/bench_report.py -s

The tables are the demo's real screening (``geo.screen`` of the Guiyang demo projects) repeated to
each size with new ids (``tests/_report_batch.tiled``), so they have the engine's exact shape.
Measured in the same run: the paged report without images (wall and CPU time, size, pages) and
the baseline, the CLI's ``screening_hits.csv`` of the same hits
table (:func:`maps.cli.tables.write_csv`): the report's cost is given as a ratio to it. The map
images are a fixed cost (:data:`maps.screening_report.IMAGE_LIMIT` of them at most) and are
measured once, on the demo catalog.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _report_batch import tiled  # noqa: E402

from geo.screen import HIT_COLUMNS, screen  # noqa: E402
from layers.catalog import load_catalog  # noqa: E402
from layers.demo import DEMO_CATALOG, DEMO_PROJECTS  # noqa: E402
from maps.cli.tables import write_csv  # noqa: E402
from maps.screening_report import IMAGE_LIMIT, image_rows, project_images, write_report  # noqa: E402

SIZES = (5_000, 25_000, 100_000)


def _timed(fn, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run(sizes=SIZES) -> list[dict]:
    catalog = load_catalog(DEMO_CATALOG)
    result, hits = screen(DEMO_PROJECTS, catalog, lang="zh")
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in sizes:
            big, big_hits = tiled(result, hits, n)
            _, csv_s, _ = _timed(write_csv, tmp / f"hits{n}.csv", big_hits[list(HIT_COLUMNS)])
            files, wall, cpu = _timed(write_report, big, big_hits, tmp / f"r{n}" / "report.html",
                                      "zh", image_limit=0)
            size = sum(f.stat().st_size for f in files) / 1e6
            figures.append({"projects": n, "hits": len(big_hits), "report_s": wall,
                            "report_cpu_s": cpu, "hits_csv_s": csv_s,
                            "ratio_to_csv": wall / csv_s, "pages": len(files) - 1, "mb": size})
        rows = image_rows(result, IMAGE_LIMIT)
        _, img_s, _ = _timed(project_images, result, catalog, rows, "zh")
        figures.append({"images": len(rows), "images_s": img_s, "per_image_s": img_s / len(rows)})
    return figures


def show(figures: list[dict]) -> None:
    print(f"{'projects':>9} {'hits':>9} {'report s':>9} {'cpu s':>7} "
          f"{'hits.csv s':>10} {'report/csv':>10} {'pages':>6} {'MB':>7}")
    for f in figures:
        if "projects" in f:
            print(f"{f['projects']:>9,} {f['hits']:>9,} {f['report_s']:>9.1f} "
                  f"{f['report_cpu_s']:>7.1f} {f['hits_csv_s']:>10.2f}"
                  f" {f['ratio_to_csv']:>10.1f} {f['pages']:>6} {f['mb']:>7.0f}")
        else:
            print(f"map images: {f['images']} in {f['images_s']:.1f} s "
                  f"({f['per_image_s']:.2f} s each)")


def test_bench_report():
    figures = run((5_000,))
    show(figures)
    assert figures[0]["pages"] == 25


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    show(run(tuple(parser.parse_args().sizes)))
