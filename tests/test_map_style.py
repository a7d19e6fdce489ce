"""Map styles, legends, escaping, basemaps and the GCJ-02 shift (no browser)."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from layers import chinacoords
from layers.errors import CRSError, InputError
from layers.kinds import layer_kinds
from maps import base
from maps import style as st

XSS = "<img src=x onerror=alert(1)>"
UTM48 = "EPSG:32648"  # metric CRS around Guiyang (106.5-107 °E)
POINT = (106.7130, 26.5780)  # lon, lat [°] in Guiyang


def _layer(lon=POINT[0], lat=POINT[1], n=1, name="矿山 A", size_m=200.0):
    """n squares of side size_m [m] whose first one is centred on (lon, lat)."""
    centre = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(UTM48).iloc[0]
    boxes = [shapely.box(centre.x - size_m / 2 + 400 * i, centre.y - size_m / 2,
                         centre.x + size_m / 2 + 400 * i, centre.y + size_m / 2) for i in range(n)]
    return gpd.GeoDataFrame({"id": [f"m{i}" for i in range(n)], "name": [name] * n,
                             "mineral": ["coal"] * n}, geometry=boxes, crs=UTM48)


def _features(m) -> list[dict]:
    """GeoJSON features embedded in the rendered map (folium's L.geoJson data)."""
    out = []
    for layer in m._siting["layers"]:
        if layer["features"] is not None:
            out.extend(layer["layer"].data["features"])
    return out


# -- styles and labels ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", sorted(layer_kinds()))
def test_every_kind_has_a_style_and_bilingual_label(kind):
    style = st.kind_style(kind)
    assert re.fullmatch(r"#[0-9a-f]{6}", style["color"])
    assert 0 <= style["fillOpacity"] <= 1 and style["weight"] > 0
    zh, en = st.kind_label(kind, "zh"), st.kind_label(kind, "en")
    assert zh != en and re.search(r"[\u4e00-\u9fff]", zh) and re.search(r"[A-Za-z]", en)
    if layer_kinds()[kind].geometry == "line":
        assert not style["fill"]


def test_draw_order_covers_every_kind_once():
    assert sorted(st.DRAW_ORDER) == sorted(layer_kinds())
    assert st.DRAW_ORDER[0] == "admin_boundary"


def test_admin_boundary_is_a_light_reference():
    style = st.kind_style("admin_boundary")
    assert not style["fill"] and style["weight"] <= 1 and style["dashArray"]
    assert st.kind_group("admin_boundary") == "reference"


def test_styles_distinguish_kinds_verdicts_and_classes():
    colours = [st.kind_style(k)["color"] for k in layer_kinds()]
    assert len(set(colours)) == len(colours)
    verdicts = [st.verdict_style(v)["color"] for v in st.VERDICT_STYLES]
    assert len(set(verdicts)) == len(verdicts) == 5
    assert len({st.class_style(c)["color"] for c in "ABCD"}) == 4
    with pytest.raises(InputError, match="prohibited"):
        st.verdict_style("forbidden")
    with pytest.raises(InputError, match="ecological_red_line"):
        st.kind_style("red_line")


def test_styles_are_copies():
    st.kind_style("road")["color"] = "#000000"
    assert st.kind_style("road")["color"] != "#000000"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_legend_is_bilingual_and_escaped(lang):
    m, _ = base.new_map((106.6, 26.5, 106.8, 26.7), lang, "none")
    entries = ["kind:ecological_red_line", "verdict:prohibited", "class:A",
               {"label": XSS, "style": st.verdict_style("review"), "shape": "point"}]
    legend = base.add_legend(m, entries, lang)
    text = legend.html_text
    expected = ["生态保护红线", "不予准入", "图例"] if lang == "zh" else \
        ["Ecological protection red line", "Prohibited", "Legend"]
    for word in expected:
        assert word in text
    assert XSS not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    html = m.get_root().render()
    assert XSS not in html


def test_bad_lang_and_basemap_refused():
    with pytest.raises(InputError, match="zh"):
        base.new_map((106.6, 26.5, 106.8, 26.7), "fr")
    with pytest.raises(InputError, match="amap"):
        base.new_map((106.6, 26.5, 106.8, 26.7), "zh", "google")


# -- escaping ---------------------------------------------------------------------------------
def test_popup_tooltip_and_layer_name_never_carry_raw_html():
    gdf = _layer(name=XSS)
    gdf["mineral"] = "<script>alert(2)</script>"
    m, _ = base.new_map((106.6, 26.5, 106.8, 26.7), "en", "none")
    layer = base.add_vector_layer(m, gdf, "abandoned_mine", "en", name=XSS)
    base.add_plugins(m, layer)
    html = m.get_root().render()
    assert XSS not in html and "<script>alert(2)" not in html
    # the values are there, as JSON-escaped data, shown with textContent (never innerHTML)
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in html
    assert "textContent" in html
    popup_js = html[html.index("bindPopup("):html.index("bindPopup(") + 900]
    assert "innerHTML" not in popup_js
    # the layer-control name (Leaflet shows it as HTML) is escaped in Python
    assert layer.layer_name == "Degraded land · &lt;img src=x onerror=alert(1)&gt;"


def test_folium_geojson_popup_is_not_safe():
    """Why maps.elements exists: folium's GeoJsonPopup writes values with innerHTML."""
    import folium

    gdf = _layer(name=XSS).to_crs(4326)
    m = folium.Map()
    folium.GeoJson(gdf, popup=folium.GeoJsonPopup(["name"])).add_to(m)
    html = m.get_root().render()
    assert "div.innerHTML=table" in html.replace(" ", "")


# -- basemaps and the GCJ-02 shift --------------------------------------------------------------
def _drawn_centre(m) -> tuple[float, float]:
    ring = np.array(_features(m)[0]["geometry"]["coordinates"][0])
    return ring[:-1, 0].mean(), ring[:-1, 1].mean()


@pytest.mark.parametrize("basemap", ["osm", "none"])
def test_wgs84_basemaps_do_not_shift(basemap):
    m, shift = base.new_map((106.6, 26.5, 106.8, 26.7), "zh", basemap)
    assert shift is None
    base.add_vector_layer(m, _layer(), "abandoned_mine", "zh", simplify_m=0)
    lon, lat = _drawn_centre(m)
    assert abs(lon - POINT[0]) < 2e-6 and abs(lat - POINT[1]) < 2e-6
    assert "GCJ-02" not in m.get_root().render()


def test_amap_basemap_shifts_every_layer_to_gcj02_and_says_so():
    m, shift = base.new_map((106.6, 26.5, 106.8, 26.7), "zh", "amap")
    assert shift == "gcj02"
    base.add_vector_layer(m, _layer(), "abandoned_mine", "zh", simplify_m=0)
    lon, lat = _drawn_centre(m)
    glon, glat = chinacoords.wgs84_to_gcj02(POINT[0], POINT[1])  # independent of maps.base
    assert abs(lon - float(glon)) < 2e-6 and abs(lat - float(glat)) < 2e-6
    # the shift is a few hundred metres, far more than rounding
    assert abs(lon - POINT[0]) + abs(lat - POINT[1]) > 1e-3
    html = m.get_root().render()
    assert "autonavi.com" in html and "siting-gcj02-note" in html
    notes = [c.html_text for c in m._children.values() if "gcj02-note" in getattr(c, "css_class", "")]
    assert len(notes) == 1 and "偏移至 GCJ-02" in notes[0] and "shifted to GCJ-02" in notes[0]
    assert "--coords gcj02" in notes[0]
    base.add_plugins(m)
    html = m.get_root().render()
    assert "drawn_gcj02.geojson" in html
    # the export carries the GCJ-02 mark, so that screen refuses it without --coords gcj02
    assert '"coordinate_system": "gcj02"' in html


def test_osm_basemap_export_is_unmarked():
    m, shift = base.new_map((106.6, 26.5, 106.8, 26.7), "zh", "osm")
    assert shift is None
    base.add_plugins(m)
    html = m.get_root().render()
    assert "drawn.geojson" in html and "coordinate_system" not in html


def test_tianditu_needs_a_key():
    with pytest.raises(InputError, match="key"):
        base.new_map((106.6, 26.5, 106.8, 26.7), "zh", "tianditu")
    with pytest.raises(InputError, match="not a key"):
        base.new_map((106.6, 26.5, 106.8, 26.7), "zh", "tianditu", "abc'); alert(1); //")
    m, shift = base.new_map((106.6, 26.5, 106.8, 26.7), "zh", "tianditu", "0123abcd" * 4)
    html = m.get_root().render()
    assert shift is None and "vec_w" in html and "cva_w" in html and "tk=0123abcd" in html


def test_cli_refuses_tianditu_without_key(tmp_path):
    from maps.cli import cli

    result = CliRunner().invoke(cli, ["map", "x.toml", "--out", str(tmp_path / "m.html"),
                                      "--basemap", "tianditu"], env={"TIANDITU_KEY": ""})
    assert result.exit_code == 2 and "tianditu" in result.output.lower()


# -- display geometry ---------------------------------------------------------------------------
def test_display_tolerance_rule():
    assert base.display_tolerance((0, 0, 16384 * 4, 100)) == pytest.approx(4.0)
    assert base.display_tolerance((0, 0, 100, 100)) == 0.5
    assert base.display_tolerance((0, 0, 5e6, 5e6)) == 50.0


def test_display_simplification_keeps_rows_and_leaves_analysis_untouched():
    circles = shapely.buffer(shapely.points(np.arange(50) * 1000.0 + 6e5, np.full(50, 2.94e6)),
                             300, quad_segs=32)
    gdf = gpd.GeoDataFrame({"id": [str(i) for i in range(50)], "name": [""] * 50},
                           geometry=list(circles) + [], crs=UTM48)
    gdf.loc[len(gdf)] = ["null", "", None]
    before = gdf.geometry.copy()
    geoms, ok = base.display_geometry(gdf, simplify_m=10)
    assert ok.sum() == 50 and not ok[-1]
    assert gdf.geometry.equals(before)  # analysis geometry unchanged
    assert shapely.get_num_coordinates(geoms).sum() < shapely.get_num_coordinates(circles).sum() / 2
    assert shapely.is_valid(geoms).all()
    # display area differs from the true (geodesic) area by at most tolerance x perimeter
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    true = gpd.GeoSeries([circles[0]], crs=UTM48).to_crs(4326).iloc[0]
    true_area, perimeter = (abs(v) for v in geod.geometry_area_perimeter(true))
    shown_area = abs(geod.geometry_area_perimeter(geoms[0])[0])
    assert shown_area != true_area
    assert abs(shown_area - true_area) <= 10 * perimeter
    m, _ = base.new_map((106, 26, 107, 27), "en", "none")
    layer = base.add_vector_layer(m, gdf, "abandoned_mine", "en")
    assert "1 without geometry" in layer.layer_name


def test_display_needs_a_metric_crs():
    gdf = _layer().to_crs(4326)
    with pytest.raises(CRSError, match="metric"):
        base.display_geometry(gdf)


def test_results_styled_by_verdict():
    gdf = _layer(n=3)
    gdf["verdict"] = ["prohibited", "review", "admitted"]
    m, _ = base.new_map((106.6, 26.5, 106.8, 26.7), "en", "none")
    base.add_vector_layer(m, gdf, "results", "en", name="projects", style_by="verdict",
                          popup_fields={"name": "Name", "verdict": "Verdict"})
    html = m.get_root().render()
    for v in ("prohibited", "review", "admitted"):
        assert json.dumps(st.verdict_style(v)["color"]) in html
    gdf["verdict"] = ["prohibited", "maybe", "admitted"]
    with pytest.raises(InputError, match="maybe"):
        base.add_vector_layer(m, gdf, "results", "en", style_by="verdict")


def test_raster_overlay_png_and_colour_bar():
    from maps.raster_png import rgba_png_uri

    grid = np.linspace(1000, 1500, 40 * 30).reshape(40, 30)
    grid[0, 0] = np.nan
    uri, vmin, vmax = rgba_png_uri(grid, (26.5, 26.7), st.RASTER_STYLES["ghi"]["colors"],
                                   1000, 1500)
    assert uri.startswith("data:image/png;base64,") and (vmin, vmax) == (1000, 1500)
    m, _ = base.new_map((106.6, 26.5, 106.8, 26.7), "en", "none")
    overlay = base.add_raster_overlay(m, grid, (106.6, 26.5, 106.8, 26.7), "ghi", "en")
    m.get_root().render()
    bars = [c for c in m._children.values() if "colourbar" in getattr(c, "css_class", "")]
    assert len(bars) == 1 and "[kWh/m²/yr]" in bars[0].html_text
    assert bars[0].follow is not None  # shown only while its overlay is on
    assert overlay.layer_name == "Rasters · Global horizontal irradiation [kWh/m²/yr]"
