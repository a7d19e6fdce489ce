"""Benchmark: reading a vertex table from XLSX (5 corner rows per project); ratio to the old way.

Not collected by ``make test``. Run with::

    .venv/bin/python tests/benchmarks/bench_xlsx_read.py [PROJECTS ...]   # default 2,000 20,000

Baseline (measured in the same run): what the reader did before, ``pandas.read_excel`` with
openpyxl and a full openpyxl load of the workbook for its merged cells. Compared: the reader
the CLI uses (:func:`layers.footprints.read_table_cells`: the calamine engine, merged ranges
from the sheet's XML). Both must give the same table (checked on every run).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from layers.footprints import read_table_cells

PROJECTS = (2_000, 20_000)


def vertex_table(n: int, path: Path, seed: int = 0) -> None:
    """A workbook of ``n`` square projects, one row per corner, the id merged over each block
    of rows as many reviewers' sheets have it."""
    rng = np.random.default_rng(seed)
    lon = 106.5 + rng.random(n) * 0.5
    lat = 26.5 + rng.random(n) * 0.5
    wb = openpyxl.Workbook(write_only=False)
    ws = wb.active
    ws.append(["项目编号", "项目名称", "项目类型", "序号", "经度", "纬度"])
    for i in range(n):
        start = ws.max_row + 1
        for k, (dx, dy) in enumerate(((0, 0), (1e-3, 0), (1e-3, 1e-3), (0, 1e-3))):
            ws.append([f"P{i:06d}" if k == 0 else None, f"项目{i}" if k == 0 else None, "光伏",
                       k + 1, round(lon[i] + dx, 6), round(lat[i] + dy, 6)])
        if i % 2:
            ws.merge_cells(f"A{start}:A{start + 3}")
        else:
            for r in range(start + 1, start + 4):
                ws[f"A{r}"] = f"P{i:06d}"
    wb.save(path)


def old_reader(path: Path) -> pd.DataFrame:
    """pandas with openpyxl, then the merged ranges from a full openpyxl load (as before)."""
    df = pd.read_excel(path, dtype=str, engine="openpyxl")
    book = openpyxl.load_workbook(path, read_only=False, data_only=True)
    merged = list(book.worksheets[0].merged_cells.ranges)
    book.close()
    for rng in merged:
        value = df.iat[rng.min_row - 2, rng.min_col - 1]
        for r in range(rng.min_row - 2, rng.max_row - 1):
            df.iat[r, rng.min_col - 1] = value
    return df


def siting_reader(path: Path) -> pd.DataFrame:
    return read_table_cells(path, path.name, None, None, None, None)[0]


def run(projects: tuple[int, ...] = PROJECTS) -> list[dict]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in projects:
            path = Path(tmp) / f"v{n}.xlsx"
            vertex_table(n, path)
            seconds, frames = {}, {}
            for method in (old_reader, siting_reader):
                t0 = time.perf_counter()
                frames[method.__name__] = method(path)
                seconds[method.__name__] = time.perf_counter() - t0
            pd.testing.assert_frame_equal(frames["siting_reader"], frames["old_reader"])
            figures.append({"projects": n, "rows": 4 * n,
                            "speed-up": round(seconds["old_reader"] / seconds["siting_reader"], 2)})
    return figures


if __name__ == "__main__":
    sizes = tuple(int(a) for a in sys.argv[1:]) or PROJECTS
    print("reading a vertex table: speed-up over pandas+openpyxl with a full openpyxl load for "
          "merged cells, same run (higher is faster):")
    for fig in run(sizes):
        print(fig)
