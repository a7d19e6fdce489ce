"""A progress bar over projects for long screenings on a terminal.

:func:`geo.screen` is vectorised over all projects at once, so it has no per-project step to
report. :func:`screen_with_progress` screens the projects as tiles (:mod:`geo.tiles`) with a tqdm
bar counting projects; the tiles give exactly the tables one call would return.
"""

from __future__ import annotations

import sys
from concurrent.futures import Executor
from pathlib import Path
from typing import TextIO

import geopandas as gpd
import pandas as pd

CHUNK = 2_500
"""Projects per tile when the bar alone asks for tiles (in this process)."""
MIN_PROJECTS = 50
"""Below this many projects the screening takes seconds: no bar."""


def screen_with_progress(projects: gpd.GeoDataFrame, catalog, rules, *, lang: str = "en",
                         show: bool | None = None, file: TextIO | None = None,
                         chunk: int = CHUNK, executor: Executor | None = None,
                         stage_dir: Path | None = None,
                         release=None, screened=None) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
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
        Projects per tile in this process (with an executor the engine chooses).
    executor : concurrent.futures.Executor, optional
        Screen the tiles on it (see :func:`geo.screen`).
    stage_dir, release, screened : optional
        See :func:`geo.screen`.

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
    tiles = -(-n // chunk) if show and executor is None and n > chunk else None
    return screen(projects, catalog, rules, lang=lang, executor=executor, tiles=tiles,
                  progress=file if show else False, stage_dir=stage_dir, release=release,
                  screened=screened)
