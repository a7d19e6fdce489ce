"""The progress bar over projects: shown on a terminal, and the chunked screening it needs
returns exactly what one ``geo.screen`` call returns."""

from __future__ import annotations

import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.projects import normalize_projects
from geo.screen import screen
from layers.catalog import load_catalog
from layers.demo import DEMO_CATALOG
from maps.progress import screen_with_progress


@pytest.fixture(scope="module")
def many():
    """180 small PV and industrial footprints spread over the demo region (some on red lines,
    farmland, mines ...), and the demo catalog."""
    cat = load_catalog(DEMO_CATALOG)
    w, s, e, n = cat.extent_lonlat
    rng = np.random.default_rng(11)
    lon = rng.uniform(w + 0.05, e - 0.05, 180)
    lat = rng.uniform(s + 0.05, n - 0.05, 180)
    geoms = [shapely.box(x, y, x + 0.004, y + 0.003) if i % 3 else shapely.Point(x, y)
             for i, (x, y) in enumerate(zip(lon, lat))]
    gdf = gpd.GeoDataFrame({"type": ["pv", "industrial", "wind"] * 60,
                            "industry": ["", "chemical", ""] * 60}, geometry=geoms, crs=4326)
    return normalize_projects(gdf), cat


def test_chunks_give_exactly_one_screening(many):
    projects, cat = many
    one, one_hits = screen(projects, cat, None, lang="zh")
    bar = io.StringIO()
    chunked, hits = screen_with_progress(projects, cat, None, lang="zh", show=True, file=bar,
                                         chunk=50)
    assert "180/180" in bar.getvalue() and "审查" in bar.getvalue()
    assert set(one["verdict"]) >= {"prohibited", "review", "admitted"}
    pd.testing.assert_frame_equal(pd.DataFrame(chunked.drop(columns="geometry")),
                                  pd.DataFrame(one.drop(columns="geometry")))
    assert chunked.crs == one.crs and chunked.geometry.equals(one.geometry)
    pd.testing.assert_frame_equal(hits.drop(columns="details"), one_hits.drop(columns="details"))
    assert chunked.attrs["working_crs"] == one.attrs["working_crs"]


def test_no_bar_off_a_terminal(many):
    projects, cat = many
    quiet = io.StringIO()  # not a terminal
    screen_with_progress(projects.iloc[:60], cat, None, file=quiet)
    assert quiet.getvalue() == ""
