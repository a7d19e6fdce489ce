"""Maps in headless Chromium with no network: console errors, layer control, popups, XSS, size."""

from __future__ import annotations

import time

import geopandas as gpd
import map_checks as mc
import numpy as np
import pytest
import shapely
from browser import (
    layer_control_text,
    network_log,
    open_html,
    open_map_offline,
    screenshot_nonblank,
)
from click.testing import CliRunner

from layers import chinacoords
from maps.cli import cli

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss2=1</script>"
UTM48 = "EPSG:32648"
SUBSTATION = (106.7130, 26.5780)  # lon, lat [°] of the known point

# The L.Map object of a folium page, whatever folium named its variable.
_MAP_JS = "Object.keys(window).filter(k => k.startsWith('map_') && window[k] instanceof L.Map)"


def _utm(lon, lat):
    p = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(UTM48).iloc[0]
    return p.x, p.y


@pytest.fixture
def catalog(tmp_path):
    """A small catalog: mines (one named with an XSS payload), a red line, a road, a substation,
    admin boundary and a GHI raster."""
    x, y = _utm(*SUBSTATION)
    mines = gpd.GeoDataFrame(
        {"name": [XSS, "磷矿 B", SCRIPT], "mineral": ["phosphate", "coal", "x"]},
        geometry=[shapely.box(x + 500 + 900 * i, y, x + 1200 + 900 * i, y + 600) for i in range(3)],
        crs=UTM48)
    mines.to_file(tmp_path / "mines.gpkg")
    red = gpd.GeoDataFrame({"name": ["红线"]}, geometry=[shapely.box(x - 3000, y - 3000, x - 500,
                                                                     y - 500)], crs=UTM48)
    red.to_file(tmp_path / "red.geojson")
    road = gpd.GeoDataFrame({"name": ["G60"]}, geometry=[shapely.LineString(
        [(x - 4000, y + 1000), (x + 4000, y + 1200)])], crs=UTM48)
    road.to_file(tmp_path / "road.gpkg")
    sub = gpd.GeoDataFrame({"name": ["变电站 1"], "voltage_kv": [220.0]},
                           geometry=[shapely.Point(SUBSTATION)], crs=4326)
    sub.to_file(tmp_path / "sub.geojson")
    county = gpd.GeoDataFrame({"name": ["测试县"], "admin_code": ["520111"]},
                              geometry=[shapely.box(x - 5000, y - 5000, x + 5000, y + 5000)],
                              crs=UTM48)
    county.to_file(tmp_path / "county.gpkg")
    import rasterio
    from rasterio.transform import from_origin

    grid = np.linspace(1100, 1300, 40 * 40, dtype="float32").reshape(40, 40)
    with rasterio.open(tmp_path / "ghi.tif", "w", driver="GTiff", width=40, height=40, count=1,
                       dtype="float32", crs=UTM48,
                       transform=from_origin(x - 5000, y + 5000, 250, 250)) as dst:
        dst.write(grid, 1)
    text = "\n".join(
        f'[[layer]]\nid = "{i}"\nkind = "{k}"\npath = "{p}"\nsource = "test"\ndate = "2024"\n'
        for i, k, p in [("mines", "abandoned_mine", "mines.gpkg"),
                        ("redline", "ecological_red_line", "red.geojson"),
                        ("roads", "road", "road.gpkg"), ("subs", "substation", "sub.geojson"),
                        ("county", "admin_boundary", "county.gpkg")])
    text += '[[raster]]\nid = "ghi"\nkind = "ghi"\npath = "ghi.tif"\nunits = "kWh/m²/yr"\n'
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _make_map(args, out):
    result = CliRunner().invoke(cli, ["map", *args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_catalog_map_offline_popup_and_no_xss(browser_page, catalog, tmp_path):
    out = _make_map([str(catalog), "--lang", "en"], tmp_path / "map.html")
    page = browser_page
    errors = open_html(page, out)
    assert errors == []
    assert network_log(page).blocked == []  # nothing but tiles was asked of the network
    control = layer_control_text(page)
    for layer_id in ("mines", "redline", "roads", "subs", "county"):
        assert f"({layer_id})" in control
    assert "Global horizontal irradiation [kWh/m²/yr]" in control
    # open the popup of the mine named with the payload, by clicking on it
    point = page.evaluate(f"""() => {{
        const map = window[{_MAP_JS}[0]];
        let found = null;
        map.eachLayer(l => {{ if (l.feature && l.feature.properties.name.startsWith('<img'))
            found = map.latLngToContainerPoint(l.getBounds().getCenter()); }});
        return [found.x, found.y];
    }}""")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_timeout(300)
    popup = page.locator(".leaflet-popup-content")
    assert popup.count() == 1
    assert XSS in popup.text_content() and "phosphate" in popup.text_content()
    assert page.locator(".leaflet-popup-content img").count() == 0
    # the search suggests names as text too
    page.locator(".search-button").click()
    page.locator("input.search-input").type("<", delay=20)
    page.wait_for_timeout(800)
    assert page.locator(".search-tooltip img").count() == 0
    assert page.evaluate("() => [window.__xss, window.__xss2]") == [None, None]
    assert screenshot_nonblank(page, "catalog_map")
    assert errors == []


def test_gcj02_basemap_marker_lands_at_gcj02(browser_page, catalog, tmp_path):
    out = _make_map([str(catalog), "--basemap", "amap"], tmp_path / "amap.html")
    errors = open_html(browser_page, out)
    # AMap tile URLs (appmaptile?x=&y=&z=) are aborted offline: only those may fail
    assert [e for e in errors if "autonavi.com" not in e] == []
    latlng = browser_page.evaluate(f"""() => {{
        const map = window[{_MAP_JS}[0]];
        let p = null;
        map.eachLayer(l => {{ if (l.feature && l.feature.properties.name === '变电站 1')
            p = l.getLatLng(); }});
        return [p.lng, p.lat];
    }}""")
    glon, glat = chinacoords.wgs84_to_gcj02(*SUBSTATION)
    assert latlng[0] == pytest.approx(float(glon), abs=2e-6)
    assert latlng[1] == pytest.approx(float(glat), abs=2e-6)
    assert abs(latlng[0] - SUBSTATION[0]) > 1e-3  # really shifted (a few hundred metres)
    assert "GCJ-02" in browser_page.locator(".siting-gcj02-note").text_content()


def test_demo_map_offline(browser_page, tmp_path):
    from layers.catalog import load_catalog
    from layers.demo import DEMO_CATALOG

    out = _make_map(["--demo"], tmp_path / "demo.html")
    control, errors = open_map_offline(browser_page, out, "demo catalog map")
    cat = load_catalog(DEMO_CATALOG)
    for spec in cat.layers:
        assert f"({spec.id})" in control, spec.id
    mc.assert_controls_apart(browser_page)
    assert browser_page.locator(".siting-export a").text_content() == "导出"
    assert screenshot_nonblank(browser_page, "demo_catalog_map")


@pytest.mark.slow
def test_50k_polygons_open_and_pan(browser_page, tmp_path):
    from maps import base

    n = 50_000
    rng = np.random.default_rng(5)
    x0, y0 = _utm(106.3, 26.3)
    side = int(np.ceil(np.sqrt(n)))
    ix, iy = np.arange(n) % side, np.arange(n) // side
    centres = shapely.points(x0 + ix * 300.0, y0 + iy * 300.0)
    polys = shapely.buffer(centres, rng.uniform(40, 120, n), quad_segs=4)  # 16-gons
    gdf = gpd.GeoDataFrame({"id": [f"p{i}" for i in range(n)],
                            "name": [f"地块 {i}" for i in range(n)],
                            "mineral": ["coal"] * n}, geometry=polys, crs=UTM48)
    t0 = time.perf_counter()
    m, _ = base.new_map(gdf.to_crs(4326).total_bounds, "zh", "none")
    layer = base.add_vector_layer(m, gdf, "abandoned_mine", "zh")
    base.add_plugins(m, layer)
    out = base.finish_map(m, tmp_path / "big.html")
    build_s = time.perf_counter() - t0
    size_mb = out.stat().st_size / 1e6
    t0 = time.perf_counter()
    errors = open_html(browser_page, out, settle_ms=0)
    browser_page.wait_for_function("() => document.querySelectorAll('canvas').length > 0")
    load_s = time.perf_counter() - t0
    box = browser_page.locator(".folium-map").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    t0 = time.perf_counter()
    browser_page.mouse.move(cx, cy)
    browser_page.mouse.down()
    browser_page.mouse.move(cx - 300, cy - 200, steps=10)
    browser_page.mouse.up()
    browser_page.wait_for_timeout(100)
    pan_s = time.perf_counter() - t0
    print(f"\n50,000 polygons: build {build_s:.1f} s, HTML {size_mb:.1f} MB, "
          f"load in Chromium {load_s:.1f} s, pan {pan_s:.2f} s")
    count = browser_page.evaluate(f"""() => {{
        const map = window[{_MAP_JS}[0]]; let k = 0;
        map.eachLayer(l => {{ if (l.feature) k++; }}); return k; }}""")
    assert count == n
    assert errors == []
    assert load_s < 120  # generous sanity cap, not a benchmark
    assert screenshot_nonblank(browser_page, "polygons_50k")
