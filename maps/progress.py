"""A progress bar over projects for long screenings on a terminal.

:func:`geo.screen` is vectorised over all projects at once, so it has no per-project step to
report. :func:`screen_with_progress` screens the projects in chunks with a tqdm bar counting
projects, and joins the chunks into exactly the tables one call would return. That is exact
because every project is judged on its own (rules, overlaps, nearest distances are per project)
and because the working CRS is the same for every chunk: chunks are used only when every
project lies inside the catalog's extent, which then alone decides the CRS (see
:func:`geo.screen`); otherwise one call is made, with geo's own bar over rules.
"""

from __future__ import annotations

import sys
from typing import TextIO

import geopandas as gpd
import numpy as np
import pandas as pd

from maps.display import drawable

CHUNK = 250
"""Projects per chunk (the layers are read once and cached by the catalog across chunks)."""
MIN_PROJECTS = 50
"""Below this many projects the screening takes seconds: no bar."""


def _inside_extent(projects: gpd.GeoDataFrame, catalog) -> bool:
    ok = (projects["error"] == "").to_numpy() & drawable(projects.geometry)
    if not ok.any():
        return True
    w, s, e, n = projects.geometry[ok].to_crs(4326).total_bounds
    cw, cs, ce, cn = catalog.extent_lonlat
    return cw <= w and cs <= s and e <= ce and n <= cn


def screen_with_progress(projects: gpd.GeoDataFrame, catalog, rules, *, lang: str = "en",
                         show: bool | None = None, file: TextIO | None = None,
                         chunk: int = CHUNK) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """:func:`geo.screen` with a progress bar over projects.

    Parameters
    ----------
    projects : GeoDataFrame
        Normalised projects (:func:`geo.projects.read_projects`).
    catalog, rules
        As for :func:`geo.screen`.
    lang : {"en", "zh"}
    show : bool, optional
        Show the bar; default: when ``file`` (stderr) is a terminal and there are at least
        :data:`MIN_PROJECTS` projects.
    file : text stream, optional
        Where the bar is drawn (default ``sys.stderr``).
    chunk : int
        Projects per chunk.

    Returns
    -------
    (GeoDataFrame, DataFrame)
        The same tables as ``geo.screen(projects, catalog, rules, lang=lang)``.
    """
    from geo.screen import screen

    file = file or sys.stderr
    n = len(projects)
    if show is None:
        show = file.isatty() and n >= MIN_PROJECTS
    if not show or n <= chunk or not _inside_extent(projects, catalog):
        return screen(projects, catalog, rules, lang=lang, progress=bool(show))
    from tqdm import tqdm

    results, hits = [], []
    desc, unit = ("审查", "个项目") if lang == "zh" else ("screening", "project")
    with tqdm(total=n, unit=unit, desc=desc, file=file) as bar:
        for start in range(0, n, chunk):
            part = projects.iloc[start:start + chunk]
            result, hit = screen(part, catalog, rules, lang=lang)
            hit["row"] = hit["row"].to_numpy(dtype=int) + start
            results.append(result)
            hits.append(hit)
            bar.update(len(part))
    attrs = results[0].attrs
    result = gpd.GeoDataFrame(pd.concat(results, ignore_index=True), crs=results[0].crs)
    result.attrs = attrs
    hit = pd.concat(hits, ignore_index=True)
    hit["row"] = hit["row"].astype(np.int64)
    return result, hit
