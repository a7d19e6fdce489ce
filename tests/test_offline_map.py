"""Offline maps: vendored assets, inlining, and the map working in Chromium with no network."""

from __future__ import annotations

import hashlib
import re
import struct
import tomllib
import zlib

import branca.colormap as cm
import folium
import pytest
from branca.element import CssLink, JavascriptLink
from browser import (
    is_tile_request,
    network_log,
    open_html,
    png_is_uniform,
    screenshot_nonblank,
)
from folium import plugins

from layers.errors import SitingError
from maps.offline import (
    ASSETS_DIR,
    MANIFEST_PATH,
    _escape_script,
    escape_text,
    external_references,
    inline_assets,
    match_url,
    render_offline,
    save_offline,
    vendored_assets,
)

PLUGINS = [plugins.Fullscreen, plugins.MeasureControl, plugins.MiniMap, plugins.Search,
           plugins.Draw, plugins.MousePosition]
# An independent check for external script/stylesheet tags, simpler than maps.offline's scanner.
EXTERNAL_TAG = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//""",
                          re.I)
FEATURES = {"A": ("废弃矿山 mine A", 106.60, 106.66),
            "B": ("采煤沉陷区 subsidence B", 106.72, 106.78)}
LAT0, LAT1 = 26.56, 26.62
LAYER_NAME = "矿山 mines"


def square(lon0: float, lon1: float) -> dict:
    ring = [[lon0, LAT0], [lon1, LAT0], [lon1, LAT1], [lon0, LAT1], [lon0, LAT0]]
    return {"type": "Polygon", "coordinates": [ring]}


def demo_like_map(popup_text: str = "光伏候选 PV candidate") -> folium.Map:
    """A map with every part the toolkit uses: GeoJSON + popups, markers, plugins, colormap."""
    m = folium.Map(location=[26.6, 106.7], zoom_start=11)
    features = [{"type": "Feature", "properties": {"name": name}, "geometry": square(a, b)}
                for name, a, b in FEATURES.values()]
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features}, name=LAYER_NAME,
        popup=folium.GeoJsonPopup(["name"], aliases=["名称 name"]),
        tooltip=folium.GeoJsonTooltip(["name"]),
    ).add_to(m)
    folium.Marker([26.68, 106.62], popup=folium.Popup(escape_text(popup_text))).add_to(m)
    folium.Marker([26.68, 106.70], icon=folium.Icon(icon="info-sign")).add_to(m)
    folium.Marker([26.68, 106.78], icon=folium.Icon(icon="solar-panel", prefix="fa", angle=30),
                  tooltip=folium.Tooltip(escape_text("风电 wind"))).add_to(m)
    plugins.Fullscreen().add_to(m)
    plugins.MeasureControl().add_to(m)
    plugins.MiniMap().add_to(m)
    plugins.Search(layer=layer, search_label="name").add_to(m)
    plugins.Draw().add_to(m)
    plugins.MousePosition().add_to(m)
    plugins.FastMarkerCluster([[26.6, 106.7], [26.61, 106.71]]).add_to(m)
    cm.LinearColormap(["green", "yellow", "red"], vmin=0, vmax=100,
                      caption="评分 score").add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


# ---- vendored files ------------------------------------------------------------------------

def test_manifest_files_match_hashes_and_have_licences():
    manifest = tomllib.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    listed = set()
    for pkg in manifest["package"]:
        licence = ASSETS_DIR / pkg["licence_path"]
        assert licence.is_file() and licence.stat().st_size > 200, pkg["id"]
        listed.add(licence)
        for f in pkg["file"]:
            path = ASSETS_DIR / pkg["id"] / f["path"]
            data = path.read_bytes()
            assert hashlib.sha256(data).hexdigest() == f["sha256"], path
            assert len(data) == f["bytes"], path
            listed.add(path)
    on_disk = {p for p in ASSETS_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert on_disk - listed == {MANIFEST_PATH, ASSETS_DIR / "vendor.py"}
    assert sum(p.stat().st_size for p in on_disk) < 2_500_000


def test_every_url_folium_uses_is_vendored():
    urls = [u for cls in [folium.Map, *PLUGINS] for _, u in cls.default_js + cls.default_css]
    page = demo_like_map().get_root().render()
    urls += re.findall(r"""<(?:script|link)\b[^>]*(?:src|href)="(https?://[^"]+)""", page)
    assert any("d3" in u for u in urls)  # branca's colormap dependency is among them
    for url in urls:
        asset = match_url(url)
        assert asset is not None, url
        assert url in asset.urls, f"{url} not pinned in MANIFEST.toml (matched {asset.label})"


@pytest.mark.parametrize(("url", "label"), [
    ("https://unpkg.com/leaflet@1.9.4/dist/leaflet.js", "leaflet@1.9.3/dist/leaflet.js"),
    ("//cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.min.css", "leaflet@1.9.3/dist/leaflet.css"),
    ("https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js",
     "jquery@3.7.1/dist/jquery.min.js"),
    ("https://d3js.org/d3.v3.min.js", "d3@3.5.5/d3.min.js"),
    ("https://cdn.jsdelivr.net/npm/leaflet-draw@1.0.2/dist/leaflet.draw.js",
     "leaflet-draw@1.0.2/dist/leaflet.draw.js"),
    ("https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/"
     "bootstrap_3_glyphicons/bootstrap-3-glyphicons.min.css",
     "bootstrap@3.4.1/css/bootstrap-glyphicons.css"),
    ("https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css",
     "leaflet.markercluster@1.1.0/dist/MarkerCluster.css"),
])
def test_url_variants_match(url, label):
    assert match_url(url).label == label


@pytest.mark.parametrize("url", [
    "https://unpkg.com/leaflet@2.0.0/dist/leaflet.js",  # another major version
    "https://cdnjs.cloudflare.com/ajax/libs/d3/7.8.5/d3.min.js",
    "https://cdn.jsdelivr.net/npm/vega@5",
    "https://example.com/app.js",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js",
])
def test_url_not_vendored(url):
    assert match_url(url) is None


# ---- rendering ------------------------------------------------------------------------------

def test_render_offline_inlines_everything():
    out = render_offline(demo_like_map())
    assert EXTERNAL_TAG.findall(out) == []
    assert external_references(out) == []
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in out  # tiles stay online, in JS strings
    inlined = re.findall(r'<(?:script|style) data-asset="([^"]+)"', out)
    assert len(inlined) == len(set(inlined)) == 26
    assert {a.label for a in vendored_assets()} - set(inlined) == set()
    # Nothing cut short: each inlined script is the vendored file, closed by its own tag.
    for label, body in re.findall(r'<script data-asset="([^"]+)">\n(.*?)\n</script>', out, re.S):
        asset = next(a for a in vendored_assets() if a.label == label)
        assert body.startswith(asset.file.read_text(encoding="utf-8")), label
    styles = "".join(re.findall(r"<style\b[^>]*>(.*?)</style>", out, re.S))
    assert re.findall(r"""url\(\s*(?!['"]?(?:data:|#))""", styles) == []  # images, fonts: data: URIs
    assert "Vladimir Agafonkin" in out.split("Third-party software inlined", 1)[1]
    assert len(out.encode("utf-8")) < 2_200_000


def test_unvendored_script_or_stylesheet_raises_naming_the_url():
    m = demo_like_map()
    m.get_root().header.add_child(JavascriptLink("https://example.com/evil.js"))
    with pytest.raises(SitingError, match="https://example.com/evil.js"):
        render_offline(m)
    m = folium.Map()
    m.get_root().header.add_child(CssLink("https://fonts.example.com/noto.css"))
    with pytest.raises(SitingError, match="https://fonts.example.com/noto.css"):
        render_offline(m)
    m = folium.Map()
    plugins.HeatMap([[26.6, 106.7]]).add_to(m)
    with pytest.raises(SitingError, match="leaflet_heat.min.js"):
        render_offline(m)


@pytest.mark.parametrize("snippet", [
    "<style>@import url(https://fonts.example.com/a.css);</style>",
    "<style>body { background: url('//example.com/bg.png') }</style>",
    '<link rel="preload" as="script" href="https://example.com/x.js">',
    "<script type='module' src=https://example.com/m.js></script>",
])
def test_inline_assets_refuses_other_external_references(snippet):
    with pytest.raises(SitingError, match="example.com"):
        inline_assets(f"<html><head>{snippet}</head><body></body></html>")


def test_inline_assets_on_a_report():
    report = (
        "<!DOCTYPE html><html><head>"
        "<link rel='stylesheet' href='https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/"
        "bootstrap.min.css'>"
        '<link rel="canonical" href="https://example.com/report">'
        "<script src='https://code.jquery.com/jquery-3.7.1.min.js'></script>"
        "<script src=\"https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js\">"
        "</script></head><body><p>&lt;b&gt;项目 1&lt;/b&gt;</p>"
        "<script>var tiles = 'https://tile.example.com/{z}/{x}/{y}.png';</script></body></html>"
    )
    out = inline_assets(report)
    assert EXTERNAL_TAG.findall(out.replace('rel="canonical" href', "")) == []
    assert out.count('data-asset="jquery@3.7.1/dist/jquery.min.js"') == 1  # inlined once
    assert "<!-- offline: jquery@3.7.1/dist/jquery.min.js inlined above -->" in out
    assert "<p>&lt;b&gt;项目 1&lt;/b&gt;</p>" in out
    assert "https://tile.example.com/{z}/{x}/{y}.png" in out


def test_inline_assets_leaves_pages_without_cdn_alone():
    page = "<html><head><script src='local.js'></script></head><body>x</body></html>"
    assert inline_assets(page) == page


def test_inlined_script_cannot_close_its_tag():
    body = _escape_script('var s = "</SCRIPT><!--", t = /<\\/script>/;')
    assert "</script" not in body.lower() and "<!--" not in body
    assert body == 'var s = "<\\/SCRIPT><\\!--", t = /<\\/script>/;'


def test_save_offline_writes_utf8(tmp_path):
    path = save_offline(demo_like_map("贵阳 废弃矿山 — 光伏"), tmp_path / "map.html")
    text = path.read_bytes().decode("utf-8")
    assert "贵阳 废弃矿山 — 光伏" in text
    assert re.search(r"<meta[^>]+charset=[\"']?utf-8", text, re.I)


def test_escape_text():
    assert escape_text("<a href='x'>${1}\\`</a>") == (
        "&lt;a href=&#x27;x&#x27;&gt;&#36;{1}&#92;&#96;&lt;/a&gt;")


# ---- PNG check (the browser tests rely on it) -------------------------------------------------

def _png(rows: list[bytes], width: int, colour: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    header = struct.pack(">IIBBBBB", width, len(rows), 8, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


def test_png_is_uniform():
    px = bytes([10, 200, 30])
    plain = [b"\x00" + px * 4] * 3
    assert png_is_uniform(_png(plain, 4))
    # Sub filter: first pixel stored as is, the rest as differences of zero; Up: all zero.
    sub_up = [b"\x01" + px + bytes(9), b"\x02" + bytes(12), b"\x02" + bytes(12)]
    assert png_is_uniform(_png(sub_up, 4))
    changed = [b"\x00" + px * 4, b"\x00" + px * 3 + bytes([10, 200, 31]), b"\x00" + px * 4]
    assert not png_is_uniform(_png(changed, 4))
    assert not png_is_uniform(_png([b"\x01" + px + bytes(8) + b"\x01"] * 2, 4))


@pytest.mark.parametrize(("url", "kind", "tile"), [
    ("https://tile.openstreetmap.org/10/812/431.png", "image", True),
    ("https://a.basemaps.cartocdn.com/light_all/10/812/431@2x.png", "image", True),
    ("https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/10/431/"
     "812", "image", True),
    ("https://webrd01.is.autonavi.com/appmaptile?lang=zh_cn&size=1&style=8&x=812&y=431&z=10",
     "image", True),
    ("https://t0.tianditu.gov.cn/img_w/wmts?SERVICE=WMTS&REQUEST=GetTile&TILEMATRIX=10&"
     "TILEROW=431&TILECOL=812", "image", True),
    ("https://example.com/wms?service=WMS&request=GetMap&layers=a&bbox=0,0,1,1", "image", True),
    ("https://tile.openstreetmap.org/10/812/431.png", "script", False),
    ("https://example.com/logo.png", "image", False),
    ("https://example.com/2024/05/01/photo.jpg?x=1&y=2", "image", False),
])
def test_is_tile_request(url, kind, tile):
    assert is_tile_request(url, kind) is tile


# ---- in Chromium, offline -------------------------------------------------------------------

def _container_point(page, m: folium.Map, lat: float, lon: float) -> tuple[float, float]:
    x, y = page.evaluate(
        f"() => {{ const p = window.{m.get_name()}.latLngToContainerPoint([{lat}, {lon}]);"
        f" const r = document.getElementById('{m.get_name()}').getBoundingClientRect();"
        f" return [p.x + r.left, p.y + r.top]; }}")
    return x, y


@pytest.mark.browser
def test_offline_map_works_in_chromium(browser_page, tmp_path):
    page, m = browser_page, demo_like_map()
    errors = open_html(page, save_offline(m, tmp_path / "map.html"))
    assert errors == []
    net = network_log(page)
    assert net.blocked == []
    assert net.tiles  # the basemap asked for tiles and got the transparent stand-in

    assert page.evaluate("typeof window.L") == "object"
    assert page.evaluate("L.version") == "1.9.3"
    root = f"#{m.get_name()}"
    assert page.locator(f"{root}.leaflet-container").count() == 1
    paths = page.locator(f"{root} > .leaflet-map-pane > .leaflet-overlay-pane path")
    assert paths.count() == len(FEATURES)
    overlays = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert any(LAYER_NAME in t for t in overlays)
    for control in [".leaflet-control-zoom-fullscreen", ".leaflet-control-measure",
                    ".leaflet-control-minimap", ".leaflet-control-search", ".leaflet-draw",
                    ".leaflet-control-mouseposition", ".legend.leaflet-control"]:
        assert page.locator(control).count() == 1, control
    assert "评分 score" in page.locator(".legend.leaflet-control").text_content()

    # Fonts and images from data: URIs actually load.
    fonts = page.evaluate("() => document.fonts.ready.then(fs => Array.from(fs).map("
                          "f => [f.family.replace(/\"/g, ''), f.weight, f.status]))")
    assert all(status != "error" for *_, status in fonts), fonts
    assert ["Glyphicons Halflings", "normal", "loaded"] in fonts
    assert ["Font Awesome 6 Free", "900", "loaded"] in fonts
    images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
    assert images and all(done and width > 0 for done, width in images)
    sprite = page.evaluate("getComputedStyle(document.querySelector('.leaflet-draw-toolbar a'))"
                           ".backgroundImage")
    assert 'url("data:image/' in sprite

    # Clicking feature A opens its popup, not B's.
    name, lon0, lon1 = FEATURES["A"]
    page.mouse.click(*_container_point(page, m, (LAT0 + LAT1) / 2, (lon0 + lon1) / 2))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=3000)
    assert name in popup.text_content() and FEATURES["B"][0] not in popup.text_content()

    # The search control finds a feature by part of its name (typed key by key).
    page.locator(".leaflet-control-search input").press_sequentially("subsidence")
    page.locator(".search-tip").first.wait_for(timeout=3000)
    assert FEATURES["B"][0] in page.locator(".search-tip").first.text_content()

    assert screenshot_nonblank(page, "offline_map")
    assert errors == [] and net.blocked == []


PAYLOADS = ['<img src=x onerror="window.__xss=1">', "${window.__xss=2}",
            "\\`;window.__xss=3;`", "</script><script>window.__xss=4</script>"]


def xss_map(text: str) -> folium.Map:
    m = folium.Map(location=[26.6, 106.7], zoom_start=11)
    folium.Marker([26.6, 106.7], popup=folium.Popup(text, show=True),
                  tooltip=folium.Tooltip(text, permanent=True)).add_to(m)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": text}, "geometry": square(106.6, 106.66)}]},
        popup=folium.GeoJsonPopup(["name"]), tooltip=folium.GeoJsonTooltip(["name"]),
    ).add_to(m)
    return m


@pytest.mark.browser
@pytest.mark.parametrize("payload", PAYLOADS)
def test_escaped_payload_in_popup_and_tooltip_does_not_run(browser_page, tmp_path, payload):
    page, m = browser_page, xss_map(escape_text(payload))
    errors = open_html(page, save_offline(m, tmp_path / "xss.html"))

    def shown(selector: str) -> list[str]:
        return page.locator(selector).all_text_contents()

    # The marker's popup (show=True) and permanent tooltip are open from the start.
    assert len(shown(".leaflet-popup-content")) == 1 and len(shown(".leaflet-tooltip")) == 1
    # Hovering the polygon shows its tooltip, clicking it its popup.
    x, y = _container_point(page, m, 26.59, 106.63)
    page.mouse.move(x, y)
    page.wait_for_timeout(200)
    assert len(shown(".leaflet-tooltip")) == 2
    page.mouse.click(x, y)
    page.wait_for_timeout(200)
    assert "name" in shown(".leaflet-popup-content")[-1]
    texts = shown(".leaflet-popup-content") + shown(".leaflet-tooltip")
    assert texts and all(payload in t for t in texts), texts  # shown as text, literally
    assert page.evaluate("window.__xss") is None
    assert errors == []


@pytest.mark.browser
def test_unescaped_payload_runs(browser_page, tmp_path):
    """Control: the check above can fail. Raw HTML in a folium popup executes."""
    page = browser_page
    open_html(page, save_offline(xss_map(PAYLOADS[0]), tmp_path / "raw.html"))
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") == 1


# ---- the harness itself ---------------------------------------------------------------------

@pytest.mark.browser
def test_harness_blocks_network_answers_tiles_and_reports_errors(browser_page, tmp_path):
    page = browser_page
    tile = "https://tile.openstreetmap.org/3/6/3.png"
    path = tmp_path / "net.html"
    path.write_text(
        f'<html><body style="margin:0;background:#fff"><img id="t" src="{tile}">'
        '<script src="https://example.com/x.js"></script>'
        '<script>console.error("bad thing"); throw new Error("boom");</script>'
        '<div style="width:5px;height:5px;background:#f00"></div></body></html>',
        encoding="utf-8")
    errors = open_html(page, path)
    net = network_log(page)
    assert net.tiles == [tile]
    assert net.blocked == ["https://example.com/x.js"]
    assert page.evaluate("document.getElementById('t').naturalWidth") == 1
    assert any("bad thing" in e for e in errors)
    assert any(e.startswith("pageerror:") and "boom" in e for e in errors)
    assert any("example.com/x.js" in e or "ERR_" in e for e in errors)  # the failed script
    assert screenshot_nonblank(page, "harness_red_square")
    page.evaluate("document.body.innerHTML = ''")
    assert not screenshot_nonblank(page, "harness_blank")


def test_literal_text_renders_as_branca_renders_it():
    """The rendered scripts of a map are added as text instead of being compiled as templates
    (maps.elements.literal); text without template syntax renders exactly as branca's Element of
    it does (a trailing newline dropped, carriage returns as Jinja has them); text with template
    syntax renders as written, never run."""
    from branca.element import Element

    from maps.elements import Literal, literal

    for text in ["var a = {\"b\": [1, 2]};\n", "x\n\n", "", "\n", "é 名称\n  ", "a\r\nb\n",
                 "a\rb"]:
        assert literal(text).render() == Element(text).render(), text
    for text in ["{{ 6 * 7 }} x", "{% if true %}y{% endif %}", "a {# b #} c"]:
        assert literal(text).render() == text
    assert isinstance(literal("var a = 1;\n"), Literal)  # not compiled


def test_data_never_runs_as_a_template(tmp_path):
    """A project name holding Jinja syntax ran as code when the map was written (branca compiles
    every rendered script again as a template): {{ cycler.__init__.__globals__.os... }} could run
    any command on the reviewer's machine. The map shows the name as written."""
    import geopandas as gpd
    import shapely
    from click.testing import CliRunner

    from layers.demo import DEMO_CATALOG as DEMO
    from maps.cli import cli

    names = ['{{ 6*7 }} solar', '{{ "PWN" ~ "ED" }}', '{% for x in range(3) %}Qz9{% endfor %}']
    gpd.GeoDataFrame({"project_id": ["A1", "A2", "A3"], "name": names, "type": ["pv"] * 3},
                     geometry=[shapely.box(106.6 + 0.1 * i, 26.5, 106.61 + 0.1 * i, 26.51)
                               for i in range(3)], crs="EPSG:4326").to_file(
        tmp_path / "p.geojson")
    res = CliRunner().invoke(cli, ["screen", str(tmp_path / "p.geojson"), "--catalog", str(DEMO), "--out",
                                   str(tmp_path / "out"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "out" / "map.html").read_text(encoding="utf-8")
    assert "{{ 6*7 }} solar" in page and "42 solar" not in page
    assert "PWNED" not in page and "Qz9Qz9" not in page
