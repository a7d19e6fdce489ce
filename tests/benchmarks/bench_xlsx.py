"""Benchmark: writing a hits-like table to XLSX, 5,000 and 100,000 rows; ratios to the old way.

Not collected by ``make test``. Run with::

    .venv/bin/python tests/benchmarks/bench_xlsx.py            # prints the figures
    .venv/bin/python -m pytest tests/benchmarks/bench_xlsx.py -s

Baseline (measured in the same run): ``DataFrame.to_excel`` with openpyxl, as the CLI wrote
``screening.xlsx`` before. Compared: openpyxl's write-only workbook, the CLI's
:func:`maps.cli.workbook.write_xlsx` (xlsxwriter with shared strings, safe cells included),
and the CLI's CSV of the same table (what a table too long for a sheet costs instead). Each
method writes the same table; the XLSX files are checked to read back to it.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from maps.cli.tables import write_csv
from maps.cli.workbook import write_xlsx

ROWS = (5_000, 100_000)


def table(n: int, seed: int = 0) -> pd.DataFrame:
    """A table shaped like ``screening_hits`` (14 columns, Chinese text, floats, blanks)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "project_id": [f"P{i:06d}" for i in range(n)],
        "rule_id": rng.choice(["red_line", "basic_farmland", "water_source_1", "unit_priority"], n),
        "outcome": rng.choice(["prohibited", "review", "admitted"], n),
        "layer_id": "redline", "kind": "ecological_red_line",
        "feature_id": [f"f{i}" for i in rng.integers(0, 200_000, n)],
        "feature_name": "生态保护红线 某某片区",
        "overlap_m2": rng.uniform(0, 1e6, n), "overlap_share": rng.uniform(0, 1, n),
        "distance_m": np.where(rng.uniform(size=n) < 0.3, np.nan, rng.uniform(0, 5000, n)),
        "message": "项目与生态保护红线重叠 1,234 m²（12.3%）: overlaps the ecological red line",
        "confidence": "high", "title": "生态保护红线内禁止开发性、生产性建设活动",
        "source": "《关于加强生态保护红线管理的通知（试行）》 第二条",
    })


def pandas_openpyxl(df: pd.DataFrame, path: Path) -> None:
    df.to_excel(path, sheet_name="hits", index=False, engine="openpyxl")


def openpyxl_write_only(df: pd.DataFrame, path: Path) -> None:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("hits")
    ws.append(list(df.columns))
    for row in df.astype(object).where(df.notna(), None).itertuples(index=False):
        ws.append(list(row))
    wb.save(path)


def siting_xlsxwriter(df: pd.DataFrame, path: Path) -> None:
    write_xlsx(path, [("hits", df, "hits.csv")])


def siting_csv(df: pd.DataFrame, path: Path) -> None:
    """The same table as the CLI's CSV: what a table too long for a sheet costs instead."""
    write_csv(path.with_suffix(".csv"), df)


METHODS = (pandas_openpyxl, openpyxl_write_only, siting_xlsxwriter, siting_csv)


def run(rows: tuple[int, ...] = ROWS) -> list[dict]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in rows:
            df = table(n)
            seconds = {}
            for method in METHODS:
                path = Path(tmp) / f"{method.__name__}.xlsx"
                t0 = time.perf_counter()
                method(df, path)
                seconds[method.__name__] = time.perf_counter() - t0
                if n <= 5_000 and method is not siting_csv:
                    back = pd.read_excel(path, sheet_name="hits")
                    pd.testing.assert_frame_equal(back, df, check_dtype=False)
            base = seconds["pandas_openpyxl"]
            figures.append({"rows": n, **{k: round(base / v, 2) for k, v in seconds.items()}})
    return figures


def test_bench_xlsx():
    for fig in run():
        print(fig)
        assert fig["siting_xlsxwriter"] > 1.5  # faster than the old way by a clear margin


if __name__ == "__main__":
    rows = tuple(int(a) for a in sys.argv[1:]) or ROWS
    print("speed-up over pandas.to_excel(engine='openpyxl'), same run (higher is faster):")
    for fig in run(rows):
        print(fig)
