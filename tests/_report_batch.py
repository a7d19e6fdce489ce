"""Large screening results for the report tests and benchmark, from a real screening.

:func:`tiled` repeats a real result and its hits (the demo's, or a screening of random
footprints) to any number of projects with new ids, so that a paged report or the writer's cost
at 100,000 projects can be measured on tables shaped exactly like the engine's.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd


def tiled(result: gpd.GeoDataFrame, hits: pd.DataFrame, n: int,
          prefix: str = "T") -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """``result`` and ``hits`` repeated to ``n`` projects, ids ``<prefix>000001`` …

    Rows keep their verdicts, evidence and geometry (repeated); ``row`` and ``project_id`` of the
    hits follow the new rows. ``attrs`` are kept.
    """
    k = len(result)
    take = np.arange(n) % k
    big = result.iloc[take].reset_index(drop=True)
    ids = np.array([f"{prefix}{i + 1:06d}" for i in range(n)], dtype=object)
    big["project_id"] = ids
    big = gpd.GeoDataFrame(big, geometry=result.geometry.name, crs=result.crs)
    big.attrs = dict(result.attrs)
    by_row = hits.groupby("row").indices
    parts_idx, parts_row = [], []
    for i in range(k):
        idx = by_row.get(i)
        if idx is None:
            continue
        copies = np.arange(i, n, k)
        parts_idx.append(np.tile(idx, len(copies)))
        parts_row.append(np.repeat(copies, len(idx)))
    if not parts_idx:
        return big, hits.iloc[0:0].copy()
    idx, rows = np.concatenate(parts_idx), np.concatenate(parts_row)
    order = np.argsort(rows, kind="stable")
    out = hits.iloc[idx[order]].reset_index(drop=True)
    out["row"] = rows[order]
    out["project_id"] = ids[rows[order]]
    return big, out
