"""The screening and siting flows' maps and reports in headless Chromium, with no network.

Zero console errors, every expected layer in the layer control, a click on a project (site)
opening its popup with verdict and reasons (score and criteria), XSS payloads in project names
shown as text and never run, print CSS, non-blank screenshots kept under tests/artifacts/.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import map_checks as mc
import pytest
import shapely
from browser import (
    network_log,
    open_html,
    open_map_offline,
    screenshot_nonblank,
)
from click.testing import CliRunner

from maps import style as st
from maps.cli import cli
from maps.screening_map import TOP_REASONS, outcome_words

pytestmark = pytest.mark.browser

IMG = "<img src=x onerror=window.__xss=1>"
SCRIPT = "<script>window.__xss=2</script>"
_MAP_JS = "Object.keys(window).filter(k => k.startsWith('map_') && window[k] instanceof L.Map)"


def _run(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def screening_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("screen") / "out"
    result = _run(["screen", "--demo", "--out", str(out)])
    # the demo names its GBK boundary-point TXT's encoding, as a user should: no guess to report
    assert "GB18030" not in result.stderr and "warning" not in result.stderr
    return out


@pytest.fixture(scope="module")
def pv_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("pv") / "out"
    _run(["score", "--demo", "--tech", "pv", "--out", str(out)])
    return out


@pytest.fixture(scope="module")
def xss_out(tmp_path_factory):
    """Two footprints in the demo region named with an <img onerror> and a <script> payload."""
    from layers.demo import DEMO_CATALOG

    folder = tmp_path_factory.mktemp("xss")
    projects = gpd.GeoDataFrame(
        {"project_id": ["X1", "X2"], "name": [IMG, SCRIPT], "type": ["pv", "pv"]},
        geometry=[shapely.box(106.60, 26.55, 106.61, 26.56),
                  shapely.box(106.70, 26.60, 106.71, 26.61)], crs=4326)
    path = folder / "projects.geojson"
    projects.to_file(path, driver="GeoJSON")
    out = folder / "out"
    _run(["screen", str(path), "--catalog", str(DEMO_CATALOG), "--out", str(out)])
    return out


def _click_at(page, lon: float, lat: float, bounds) -> str:
    """Zoom to ``bounds`` (w, s, e, n), click the map at (lon, lat) and return the popup text.

    Waits for the map to have drawn the new view and for the popup to open, not a fixed time:
    on a loaded machine a fixed wait read the previous popup."""
    w, s, e, n = bounds
    point = page.evaluate(f"""([lat, lon, b]) => {{
        const map = window[{_MAP_JS}[0]];
        map.closePopup();
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {{animate: false, maxZoom: 16}});
        const p = map.latLngToContainerPoint([lat, lon]);
        return [p.x, p.y];
    }}""", [lat, lon, [w, s, e, n]])
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_timeout(200)
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    popup = page.locator(".leaflet-popup-content")
    popup.first.wait_for(state="attached", timeout=5000)
    assert popup.count() == 1, "no popup opened"
    return popup.text_content()


def test_screening_map(browser_page, screening_out):
    page = browser_page
    path = screening_out / "map.html"
    control, errors = open_map_offline(page, path, "screening demo map")
    from layers.catalog import load_catalog
    from layers.demo import DEMO_CATALOG

    # every layer the screening used (the report's provenance table) and the admin boundaries
    report = (screening_out / "report.html").read_text(encoding="utf-8")
    used = [s.id for s in load_catalog(DEMO_CATALOG).layers
            if f"<td>{s.id}<br>" in report or s.kind == "admin_boundary"]
    assert len(used) > 10
    for layer_id in used:
        assert f"({layer_id})" in control, layer_id
    assert st.pick(("项目（按结论着色）", "Projects"), "zh") in control
    legend = page.locator(".siting-legend").text_content()
    projects = gpd.read_file(screening_out / "screening.geojson")
    for verdict in set(projects["verdict"]):
        assert st.verdict_label(verdict, "zh") in legend
    # click a prohibited project (or the first) and read its popup
    pick = projects[projects["verdict"] == "prohibited"]
    row = (pick if len(pick) else projects).iloc[0]
    inner = row.geometry.point_on_surface()
    text = _click_at(page, inner.x, inner.y, row.geometry.bounds)
    assert row["project_id"] in text and row["name"] in text
    assert st.verdict_label(row["verdict"], "zh") in text
    for reason in row["reasons"].split("; ")[:TOP_REASONS]:
        assert outcome_words(reason, "zh") in text
    assert screenshot_nonblank(page, "flow_screening_map")
    assert errors == []


def test_pv_siting_map(browser_page, pv_out):
    page = browser_page
    path = pv_out / "map.html"
    control, errors = open_map_offline(page, path, "PV siting demo map")
    sites = gpd.read_file(pv_out / "sites.geojson")
    from layers.catalog import load_catalog
    from layers.demo import DEMO_CATALOG

    for spec in load_catalog(DEMO_CATALOG).layers:
        assert f"({spec.id})" in control, spec.id
    for label in ("候选地块", "排除部分", st.kind_label("ghi", "zh"), st.kind_label("dem", "zh")):
        assert label in control, label
    assert st.kind_label("wind_speed", "zh") not in control  # PV: the wind raster is left out
    # click inside the usable part of the best site
    usable = gpd.read_file(pv_out / "usable.geojson")
    best = sites[sites["status"] == "usable"].sort_values("rank").iloc[0]
    part = usable.loc[usable["site_id"] == best["site_id"], "geometry"].iloc[0]
    inner = part.point_on_surface()
    text = _click_at(page, inner.x, inner.y, part.bounds)
    assert best["site_id"] in text and best["class"] in text
    from maps.siting_map import FIELD_LABELS

    for field in ("ghi", "slope_mean", "dist_substation", "score", "capacity_mw"):
        assert st.pick(FIELD_LABELS[field], "zh") in text
    assert f"{best['score']:.1f}" in text and f"{best['capacity_mw']:.1f}" in text
    assert not re.search(r"\d\.\d{4,}", text), text  # rounded: no 0.162676 km
    assert FIELD_LABELS["wind_speed"][0] not in text  # empty for every PV site: left out
    assert screenshot_nonblank(page, "flow_pv_map")
    assert errors == []


@pytest.mark.parametrize("flow", ["screening", "pv"])
def test_reports_print_and_link(browser_page, screening_out, pv_out, flow):
    page = browser_page
    out = screening_out if flow == "screening" else pv_out
    path = out / "report.html"
    print(f"\n{flow} report: {path.stat().st_size / 1e6:.2f} MB")
    errors = open_html(page, path)
    assert errors == []
    assert network_log(page).blocked == []
    link = page.locator("a#map-link")
    assert link.get_attribute("href") == "map.html" and (out / "map.html").exists()
    sources = page.locator("h2.provenance + table tr").count()
    assert sources > 1  # a header and one row per layer
    assert screenshot_nonblank(page, f"flow_{flow}_report")
    page.emulate_media(media="print")
    assert not link.is_visible()  # no interactive element printed
    if flow == "screening":
        breaks = page.evaluate("() => [...document.querySelectorAll('section.project')]"
                               ".map(s => getComputedStyle(s).breakBefore)")
        assert breaks and set(breaks) == {"page"}
    assert errors == []


def test_xss_in_project_names_never_runs(browser_page, xss_out):
    page = browser_page
    errors = open_html(page, xss_out / "map.html")
    assert errors == []
    projects = gpd.read_file(xss_out / "screening.geojson")
    for _, row in projects.iterrows():
        inner = row.geometry.point_on_surface()
        text = _click_at(page, inner.x, inner.y, row.geometry.bounds)
        assert row["name"] in text  # shown as text
        assert page.locator(".leaflet-popup-content img, .leaflet-popup-content script"
                            ).count() == 0
        page.locator(".siting-legend").hover()  # move the pointer off the feature (tooltip)
    page.locator(".search-button").click()
    page.locator("input.search-input").type("<", delay=20)
    page.wait_for_timeout(600)
    assert page.locator(".search-tooltip img").count() == 0
    assert page.evaluate("() => window.__xss") is None
    assert screenshot_nonblank(page, "flow_xss_map")
    errors = open_html(page, xss_out / "report.html")
    assert errors == []
    body = page.locator("body").text_content()
    assert IMG in body and SCRIPT in body
    # only the report's own images (the overview and each project's map), never the payload's
    sources = page.evaluate("() => [...document.images].map(i => i.getAttribute('src'))")
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert page.evaluate("() => window.__xss") is None
    assert page.evaluate("() => window.__xss") is None
    assert json.loads(page.evaluate("() => JSON.stringify(document.scripts.length)")) == 0


def test_screening_map_verdicts_first(browser_page, screening_out):
    """Every project (points included) shows its verdict colour at the first view; popups carry
    the evidence and a link that lands on the project's section of the report; the controls
    speak Chinese; legend and layer control never overlap."""
    page = browser_page
    _, errors = open_map_offline(page, screening_out / "map.html", "screening demo map")
    projects = gpd.read_file(screening_out / "screening.geojson")
    markers = mc.result_markers(page, "verdict")
    points = projects[projects.geom_type == "Point"]
    assert len(points) >= 3
    by_id = {}
    for m in markers:
        by_id.setdefault(m["id"], []).append(m)
        assert m["fill"] == st.verdict_style(m["value"])["fillColor"], m
    # every point project is a marker in its verdict colour (no default blue pin)
    assert page.locator(".leaflet-marker-icon").count() == 0
    for _, row in points.iterrows():
        assert [m["value"] for m in by_id[row["project_id"]]] == [row["verdict"]]
    # every project shows at the first view: a marker (points, small polygons) or its line
    img = mc.pixels(page)
    mc.save_artifact(page, "verdicts_first_screening")
    assert mc.under_control(page, markers) == []
    for _, row in projects.iterrows():
        if row.geometry.geom_type.startswith("Line"):
            continue
        (m,) = by_id[row["project_id"]]
        assert m["inside"], m
        assert mc.marker_shows(img, m, markers), (row["project_id"], m, img[int(m["y"]),
                                                                           int(m["x"])])
    mc.assert_controls_apart(page)
    # Chinese controls, the draw plugin's export included
    assert page.locator(".siting-export a").text_content() == "导出"
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "放大"
    assert page.locator(".leaflet-draw-draw-polygon").get_attribute("title") == "绘制多边形"
    assert page.locator("#export").count() == 0  # folium's absolutely placed English link
    # the popup of a prohibited point: verdict, evidence, report link
    pick = next(m for m in markers if m["type"] == "Point" and m["value"] == "prohibited")
    page.mouse.click(pick["x"], pick["y"])
    page.wait_for_timeout(300)
    popup = page.locator(".leaflet-popup-content")
    assert popup.count() == 1
    text = popup.text_content()
    assert "不予准入" in text and "主要证据" in text
    link = popup.locator("a")
    href = link.get_attribute("href")
    assert href == f"report.html#project-{pick['id']}"
    assert link.text_content() == st.text("report_link", "zh")
    page.goto((screening_out / href.split("#")[0]).resolve().as_uri() + "#" + href.split("#")[1])
    page.wait_for_timeout(300)
    target = page.evaluate("() => document.querySelector(':target')?.id")
    assert target == f"project-{pick['id']}"
    assert errors == []


def test_pv_siting_map_candidates_first(browser_page, pv_out):
    """Every candidate shows in its class colour at the first view; infrastructure is off;
    legend and layer control never overlap; markers give way to polygons when zoomed in."""
    page = browser_page
    _, errors = open_map_offline(page, pv_out / "map.html", "PV siting demo map")
    sites = gpd.read_file(pv_out / "sites.geojson")
    markers = [m for m in mc.result_markers(page, "class") if m["value"] in st.CLASS_STYLES]
    markers += mc.result_markers(page, "state")  # unscored candidates, in the error grey
    assert sorted(m["id"] for m in markers) == sorted(sites["site_id"])
    img = mc.pixels(page)
    mc.save_artifact(page, "candidates_first_pv")
    assert mc.under_control(page, markers) == []
    for m in markers:
        assert m["inside"], m
        assert mc.marker_shows(img, m, markers), (m, img[int(m["y"]), int(m["x"])])
    # infrastructure layers are off when the map opens
    infra = page.evaluate(f"""() => {{
        const map = window[{_MAP_JS}[0]]; const names = [];
        document.querySelectorAll('.leaflet-control-layers-overlays label').forEach(l => {{
            const box = l.querySelector('input');
            names.push([l.textContent.trim(), box.checked]); }});
        return names; }}""")
    infra_on = [n for n, on in infra if n.startswith(st.group_label("infrastructure", "zh"))
                and on]
    assert infra_on == []
    assert any(n.startswith(st.group_label("infrastructure", "zh")) for n, _ in infra)
    mc.assert_controls_apart(page)
    # zoomed in on a site: its polygon, no marker
    best = sites[sites["status"] == "usable"].sort_values("rank").iloc[0]
    page.evaluate(f"""(b) => {{ const map = window[{_MAP_JS}[0]];
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {{animate: false}}); }}""",
                  list(best.geometry.bounds))
    page.wait_for_timeout(300)
    assert [m for m in mc.result_markers(page, "class") if m["inside"]] == []
    assert errors == []
