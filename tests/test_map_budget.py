"""map.html fits its medium whatever the batch: clustered verdict points for large batches,
layers near the projects within the budget (as an image when vectors cannot fit), offline."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from benchmarks.world import make_world
from browser import open_html, screenshot_nonblank

from geo.projects import read_projects
from geo.screen import screen
from layers.catalog import load_catalog
from maps.base import finish_map
from maps.budget import MAP_BUDGET_BYTES
from maps.screening_map import screening_map

UTM48 = "EPSG:32648"
VERDICTS = np.array(["prohibited", "review", "admitted", "error"], dtype=object)


def synthetic_result(n: int, seed: int = 3) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """A screening result of ``n`` small footprints over a province-sized area (no hits)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(300_000, 900_000, n)
    y = rng.uniform(2_800_000, 3_400_000, n)
    result = gpd.GeoDataFrame({
        "project_id": [f"P{i:06d}" for i in range(n)], "name": [f"项目{i}" for i in range(n)],
        "type": rng.choice(["pv", "wind", "industrial"], n), "industry": "",
        "verdict": VERDICTS[rng.integers(0, 4, n)], "reasons": "[review] r: a reason"},
        geometry=shapely.box(x, y, x + 300, y + 200), crs=UTM48)
    hits = pd.DataFrame({"row": pd.Series(dtype=int), "outcome": pd.Series(dtype=object)})
    return result, hits


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return make_world(tmp_path_factory.mktemp("world"), scale=0.003)


def test_a_province_batch_fits_the_budget(tmp_path):
    result, hits = synthetic_result(120_000)
    out = finish_map(screening_map(result, hits, None, "en"), tmp_path / "map.html")
    size = out.stat().st_size
    assert size < MAP_BUDGET_BYTES
    page = out.read_text(encoding="utf-8")
    assert "L.markerClusterGroup" in page
    assert len(set(re.findall(r'"(P\d{6})"', page))) == 120_000  # every project


def test_beyond_points_projects_are_counted_in_cells(tmp_path):
    result, hits = synthetic_result(20_000)
    out = finish_map(screening_map(result, hits, None, "zh", budget=2_000_000),
                     tmp_path / "map.html")
    assert out.stat().st_size < 2_000_000
    assert "L.markerClusterGroup" not in out.read_text(encoding="utf-8")


@pytest.mark.browser
def test_large_batch_and_image_layer_open_offline(world, browser_page, tmp_path):
    """A batch screened against 600 overlapping red lines with a budget too small for their
    vectors: the red lines become an image, the projects clustered points; no console error."""
    projects, _ = read_projects(world.projects)
    cat = load_catalog(world.catalog)
    result, hits = screen(projects, cat)
    m = screening_map(result, hits, cat, "en", budget=1_750_000)
    import maps.screening_map as sm

    assert len(result) < sm.DETAIL_MAX_PROJECTS
    out = finish_map(m, tmp_path / "map.html")
    page = out.read_text(encoding="utf-8")
    assert out.stat().st_size < 1_750_000
    assert "(red_lines) (as an image:" in page
    errors = open_html(browser_page, out)
    assert errors == []
    browser_page.wait_for_selector(".siting-cluster")
    assert browser_page.locator(".leaflet-image-layer").count() >= 1
    assert screenshot_nonblank(browser_page, "map_budget_clusters")


@pytest.mark.browser
def test_clustered_points_open_without_errors(browser_page, tmp_path):
    """30,000 projects: the points are clustered in chunks after the map has its first view;
    before, the opening fit broke Leaflet.markercluster (a page error, no projects shown)."""
    result, hits = synthetic_result(30_000)
    out = finish_map(screening_map(result, hits, None, "en"), tmp_path / "map.html")
    errors = open_html(browser_page, out)
    assert errors == []
    browser_page.wait_for_selector(".siting-cluster")
    browser_page.wait_for_timeout(1500)  # every chunk clustered
    assert browser_page.locator(".siting-cluster").count() > 5
    # a cluster is a ring of its verdicts' shares (worst first), edged in its worst verdict's
    # colour: when every cluster took its worst colour, a batch with a third prohibited showed
    # nothing else
    rings = browser_page.eval_on_selector_all(".siting-cluster div", """divs => divs.map(d => [
        d.style.background, d.style.borderColor, Number(d.textContent)])""")
    shares = []
    for background, border, n in rings:
        assert "conic-gradient(" in background and n > 0
        stops = [float(a) for a in re.findall(r"([\d.]+)deg", background)]
        assert stops[0] == 0 and stops[-1] == 360 and stops == sorted(stops)
        assert border == "rgb(142, 26, 26)" or "rgb(142, 26, 26)" not in background
        shares.append(len(stops) // 2)
    assert max(shares) >= 2  # at least one cluster holds two verdicts
    assert screenshot_nonblank(browser_page, "map_clusters_30k")


def test_geojson_dicts_are_the_geometries_interface():
    """The dicts rasterio burns are each geometry's own ``__geo_interface__``, whatever its
    type, holes and parts, in input order: a layer drawn as an image shows every feature."""
    import json

    from maps.budget import geojson

    square = shapely.box(0, 0, 10, 10)
    holed = square.difference(shapely.box(2, 2, 4, 4)).difference(shapely.box(6, 6, 8, 8))
    geoms = np.array([
        holed, shapely.Point(1, 2), shapely.LineString([(0, 0), (1, 1), (2, 0)]),
        shapely.MultiPolygon([holed, shapely.box(20, 0, 21, 1)]), square,
        shapely.MultiPoint([(0, 0), (3, 4)]), shapely.MultiLineString([[(0, 0), (1, 1)],
                                                                      [(5, 5), (6, 7), (8, 8)]]),
        shapely.GeometryCollection([square, shapely.Point(0, 0)]), shapely.Point(3, 4),
        shapely.MultiPolygon([square]), shapely.Polygon([(0, 0), (1, 0), (0, 1)]),
    ], dtype=object)

    def plain(obj):
        return json.loads(json.dumps(obj))

    assert [plain(d) for d in geojson(geoms)] == [plain(g.__geo_interface__) for g in geoms]


def test_an_image_layer_burnt_in_batches_is_the_same_image(monkeypatch):
    """Features are burnt into a layer's image a batch at a time (memory); overlapping features
    in different batches still show as burnt in one go: the last drawn on top, with outlines
    where the feature shown changes."""
    from maps import budget

    rng = np.random.default_rng(5)
    x, y = rng.uniform(500_000, 520_000, 60), rng.uniform(3_000_000, 3_020_000, 60)
    r = rng.uniform(200, 3_000, 60)
    layer = gpd.GeoDataFrame({"id": np.arange(60)}, crs=UTM48,
                             geometry=shapely.buffer(shapely.points(x, y), r))  # overlapping
    whole = budget._image(layer, "ecological_red_line", 256)
    monkeypatch.setattr(budget, "BURN_BATCH", 7)  # batches that cut through the overlaps
    assert budget._image(layer, "ecological_red_line", 256) == whole
    monkeypatch.setattr(budget, "BURN_BATCH", 1)
    assert budget._image(layer, "ecological_red_line", 256) == whole


@pytest.mark.parametrize("crs", ["EPSG:4490", UTM48, "EPSG:3857"])
def test_an_image_layer_moves_its_shapes_as_to_crs_moves_them(crs):
    """The shapes a layer's image burns, moved to Web Mercator from their ragged arrays, are
    those of ``to_crs(3857)`` to the bit, and so are their bounds (GEOS bounds a polygon by its
    exterior ring: a hole outside it does not count), whatever the types, holes and parts."""
    from maps import budget

    x, y = (106.5, 26.5) if crs == "EPSG:4490" else (500_000.0, 3_000_000.0)
    d = 0.01 if crs == "EPSG:4490" else 1_000.0
    square = shapely.box(x, y, x + 10 * d, y + 10 * d)
    holed = square.difference(shapely.box(x + 2 * d, y + 2 * d, x + 4 * d, y + 4 * d))
    outside = shapely.Polygon(square.exterior.coords,  # invalid: a hole beyond the exterior
                              [shapely.box(x + 20 * d, y - 5 * d, x + 21 * d, y - 4 * d)
                               .exterior.coords])
    geoms = np.array([
        holed, shapely.Point(x, y), shapely.LineString([(x, y), (x + d, y + d)]),
        shapely.MultiPolygon([holed, shapely.box(x + 20 * d, y, x + 21 * d, y + d)]), square,
        shapely.MultiPoint([(x, y), (x + 3 * d, y + 4 * d)]), outside,
        shapely.MultiLineString([[(x, y), (x + d, y + d)], [(x + 5 * d, y), (x, y + 6 * d)]]),
    ], dtype=object)
    moved = np.asarray(gpd.GeoSeries(geoms, crs=crs).to_crs(3857).values, dtype=object)
    for drawn, made in ((geoms, moved), (geoms[[4]], moved[[4]]), (geoms[[6]], moved[[6]])):
        shapes, bounds = budget._mercator(drawn, gpd.GeoSeries(drawn, crs=crs).crs)
        assert np.array_equal(bounds, gpd.GeoSeries(made).total_bounds)
        assert shapes(0, 3) + shapes(3, 100) == budget.geojson(made)
