"""Static map images for reports: the web map's colours, a true scale bar and north arrow, the
same bytes for the same input."""

from __future__ import annotations

import hashlib
import io

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS, Proj

from layers.errors import CRSError, InputError
from maps import style as st
from maps.map_marks import north_angle
from maps.static_map import (
    layers_around,
    render_footprint,
    render_footprints,
    render_overview,
)

UTM48 = "EPSG:32648"
ARTIFACTS = __import__("pathlib").Path(__file__).resolve().parent / "artifacts"


def _pixels(png: bytes) -> np.ndarray:
    import matplotlib.image

    return (matplotlib.image.imread(io.BytesIO(png), format="png")[..., :3] * 255).round()


def _rgb(hex_colour: str) -> np.ndarray:
    h = hex_colour.lstrip("#")
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)], dtype=float)


@pytest.fixture(scope="module")
def scene():
    x, y = 600_000.0, 2_950_000.0
    footprint = gpd.GeoDataFrame({"verdict": ["prohibited"]},
                                 geometry=[shapely.box(x, y, x + 400, y + 300)], crs=UTM48)
    red = gpd.GeoDataFrame(geometry=[shapely.box(x - 600, y + 150, x + 200, y + 900)], crs=UTM48)
    road = gpd.GeoDataFrame(geometry=[shapely.LineString([(x - 800, y - 100),
                                                          (x + 1200, y - 100)])], crs=UTM48)
    far = gpd.GeoDataFrame(geometry=[shapely.box(x + 50_000, y, x + 51_000, y + 1000)],
                           crs=UTM48)
    return footprint, {"ecological_red_line": red.to_crs(4326), "road": road,
                       "basic_farmland": far}


def test_footprint_image_colours_and_determinism(scene):
    footprint, layers = scene
    png = render_footprint(footprint, layers, "prohibited", "zh", size_px=(640, 480))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png == render_footprint(footprint, layers, "prohibited", "zh", size_px=(640, 480))
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "static_footprint.png").write_bytes(png)
    px = _pixels(png)
    assert px.shape == (480, 640, 3)
    # the footprint sits in the middle; its lower half is outside the red line: verdict fill
    # (maroon at its opacity) over the background, nothing else there
    style = st.verdict_style("prohibited")
    a = style["fillOpacity"]
    expected = _rgb(style["fillColor"]) * a + _rgb("#f2efe9") * (1 - a)
    assert np.abs(px[300, 320] - expected).max() <= 3
    # red-line fill (at its opacity) left of the footprint, above the road
    rl = st.kind_style("ecological_red_line")
    expected = _rgb(rl["fillColor"]) * rl["fillOpacity"] + _rgb("#f2efe9") * (
        1 - rl["fillOpacity"])
    assert np.abs(px[170, 120] - expected).max() <= 3
    assert (np.abs(px - _rgb("#f2efe9")).max(axis=2) <= 1).mean() > 0.2  # background remains


def test_many_footprints_on_one_figure_are_the_images_drawn_alone(scene):
    """Images drawn one after another on one figure (a report's) are each the bytes of the image
    drawn on its own: nothing of one (layers, legend, limits) stays for the next."""
    footprint, layers = scene
    road = layers["road"].assign(verdict="review")
    items = [(footprint, layers, "prohibited"), (road, {"ecological_red_line": layers[
        "ecological_red_line"]}, "review"), (footprint.buffer(2000).to_frame("geometry"), {}, None),
        (footprint, layers, "prohibited")]
    for fmt in ("png", "svg"):
        alone = [render_footprint(f, lay, v, "en", fmt) for f, lay, v in items]
        assert list(render_footprints(items, "en", fmt)) == alone
        assert len(set(alone)) == 3


def test_svg_has_scale_bar_north_arrow_legend_and_no_date(scene):
    footprint, layers = scene
    svg = render_footprint(footprint, layers, "prohibited", "en", fmt="svg").decode()
    assert svg == render_footprint(footprint, layers, "prohibited", "en", fmt="svg").decode()
    assert "<dc:date>" not in svg
    from xml.etree import ElementTree as ET

    root = ET.fromstring(svg)  # well-formed, text kept as text
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "N" in texts and "200 m" in texts
    # the legend names the verdict and what the frame shows, not the farmland 50 km away
    assert {"Prohibited", "Ecological protection red line", "Road"} <= set(texts)
    assert "Permanent basic farmland" not in texts


def test_scale_bar_length_is_true(scene):
    from maps.map_marks import nice_length

    assert nice_length(1300.0) == 200.0
    assert nice_length(45_000.0) == 10_000.0
    assert nice_length(900.0) == 200.0


@pytest.mark.parametrize("lon", [102.2, 105.0, 107.8])
def test_north_arrow_follows_meridian_convergence(lon):
    """Against pyproj's meridian convergence (the independent oracle): west of UTM 48's central
    meridian (105°E) true north leans right on the map, east of it left."""
    crs = CRS.from_user_input(UTM48)
    x, y = Proj(crs)(lon, 27.0)
    expected = Proj(crs).get_factors(lon, 27.0).meridian_convergence
    assert north_angle(crs, x, y) == pytest.approx(-expected, abs=0.01)


def test_overview_marks_every_project():
    x, y = 600_000.0, 2_950_000.0
    verdicts = ["prohibited", "review", "admitted", "error"]
    result = gpd.GeoDataFrame(
        {"verdict": verdicts},
        geometry=[shapely.box(x + i * 9000, y + i * 4000, x + i * 9000 + 50, y + i * 4000 + 50)
                  for i in range(4)], crs=UTM48)
    png = render_overview(result, None, "en", size_px=(800, 600))
    assert png == render_overview(result, None, "en", size_px=(800, 600))
    (ARTIFACTS / "static_overview.png").write_bytes(png)
    px = _pixels(png)
    # each 50 m project is far below a pixel at this scale, yet shows as a marker of its colour
    x0, y0, x1, y1 = result.total_bounds
    for verdict in verdicts:
        colour = _rgb(st.verdict_style(verdict)["fillColor"])
        assert (np.abs(px - colour).max(axis=2) <= 40).sum() >= 20, verdict


def test_a_crowd_of_points_shows_every_verdict_in_its_share():
    """5,000 points: markers shrink to the crowd and the worst verdict is drawn on top, so a
    prohibited minority shows in about its share (it was a review-yellow blot, then, once drawn
    on top with full-size markers, a prohibited-red one)."""
    rng = np.random.default_rng(7)
    n = 5000
    x, y = 600_000.0 + rng.uniform(0, 400_000, n), 2_950_000.0 + rng.uniform(0, 400_000, n)
    verdict = np.where(rng.uniform(size=n) < 0.2, "prohibited", "review")
    result = gpd.GeoDataFrame({"verdict": verdict}, geometry=shapely.points(x, y), crs=UTM48)
    px = _pixels(render_overview(result, None, "en", size_px=(900, 600)))
    seen = {v: int((np.abs(px - _rgb(st.verdict_style(v)["fillColor"])).max(axis=2) <= 40).sum())
            for v in ("prohibited", "review")}
    share = seen["prohibited"] / (seen["prohibited"] + seen["review"])
    assert 0.12 < share < 0.4, seen  # 20 % of the points
    assert seen["review"] > 0 and seen["prohibited"] + seen["review"] < 0.5 * 900 * 600


def test_bad_input_refused(scene):
    footprint, layers = scene
    with pytest.raises(InputError, match="png"):
        render_footprint(footprint, layers, "prohibited", fmt="gif")
    with pytest.raises(CRSError, match="metric"):
        render_footprint(footprint.to_crs(4326), layers)


def test_layers_around_reads_the_frame_only():
    from layers.catalog import load_catalog
    from layers.demo import DEMO_CATALOG, DEMO_PROJECTS

    cat = load_catalog(DEMO_CATALOG)
    p04 = gpd.read_file(DEMO_PROJECTS)
    p04 = p04[p04["project_id"] == "P04"].to_crs(cat.working_crs)
    around = layers_around(cat, p04)
    assert "ecological_red_line" in around
    whole = cat.read("red_lines").gdf
    assert 0 < len(around["ecological_red_line"]) < len(whole)
    png = render_footprint(p04, around, "prohibited", "zh")
    assert hashlib.sha256(png).hexdigest() == hashlib.sha256(
        render_footprint(p04, around, "prohibited", "zh")).hexdigest()


def test_the_legend_is_drawn_over_the_layers_and_the_footprint():
    """A layer drawn above the legend's default level (every kind after cultivated land, and
    the footprint) would tint and hide the legend where it covers the upper left: the legend
    is drawn over everything (a red line covering the whole view leaves it white)."""
    from maps.static_map import _draw_footprint, _figure, _finish, _frame

    x, y = 600_000.0, 2_950_000.0
    footprint = gpd.GeoDataFrame(geometry=[shapely.box(x, y, x + 400, y + 300)], crs=UTM48)
    red = gpd.GeoDataFrame(geometry=[shapely.box(x - 5000, y - 5000, x + 5000, y + 5000)],
                           crs=UTM48)
    layers = {"ecological_red_line": red}
    png = render_footprint(footprint, layers, "review", "en", size_px=(640, 480))
    fig, ax = _figure((640, 480))  # where the legend is: the same drawing, on its own figure
    bounds = _frame(footprint.total_bounds, 0.35, 500.0, 640 / 480)
    entries = _draw_footprint(ax, footprint, layers, "review", "en", shapely.box(*bounds),
                              {k: i for i, k in enumerate(st.DRAW_ORDER)})
    _finish(fig, ax, bounds, footprint.crs, entries, "png")
    box = ax.get_legend().get_window_extent(fig.canvas.get_renderer())
    px = _pixels(png)[480 - int(box.y1) + 3:480 - int(box.y0) - 3, int(box.x0) + 3:int(box.x1) - 3]
    tinted = (px[..., 0] - px[..., 1]) > 40  # red over white: R 241, G 182
    assert px.size and tinted.mean() < 0.1, tinted.mean()
