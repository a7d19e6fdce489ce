"""GeoPackages for QGIS: the style stored in ``layer_styles`` (read back with sqlite3) has the
web map's categories and colours (maps/style.py), for every geometry family, beside a .qml."""

from __future__ import annotations

import hashlib
import sqlite3
import xml.etree.ElementTree as ET

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from _screen_helpers import box, projects, write_catalog
from click.testing import CliRunner

from maps import style as st
from maps.cli import cli
from maps.qgis import PX_MM, write_styled_gpkg


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    return ",".join(str(int(h[i:i + 2], 16)) for i in (0, 2, 4)) + f",{round(alpha * 255)}"


def _styles(path):
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT f_table_name, f_geometry_column, styleName, styleQML, styleSLD, "
                          "useAsDefault FROM layer_styles ORDER BY id").fetchall()
        contents = dict(db.execute("SELECT table_name, data_type FROM gpkg_contents"))
    return rows, contents


def _categories(qml: str) -> tuple[str, dict[str, dict[str, str]]]:
    """(symbol type, {category value: {option: value}}) of a categorised QML renderer."""
    root = ET.fromstring(qml.split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol"
    symbols = {s.get("name"): s for s in renderer.find("symbols")}
    out, kinds = {}, set()
    for cat in renderer.find("categories"):
        sym = symbols[cat.get("symbol")]
        kinds.add(sym.get("type"))
        out[cat.get("value")] = {o.get("name"): o.get("value")
                                 for o in sym.find("layer").find("Option")} | {
            "label": cat.get("label"), "attr": renderer.get("attr")}
    assert len(kinds) == 1
    return kinds.pop(), out


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    """``siting screen`` of a polygon, a line and a point project (and one without type)."""
    folder = tmp_path_factory.mktemp("qgis")
    cat = write_catalog(folder, {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300), "name": "红线"}]),
    })
    rows = [{"name": "面", "type": "pv", "geometry": box(100, 100, 200, 200)},
            {"name": "线", "type": "infrastructure",
             "geometry": shapely.LineString([(-500, 150), (800, 150)])},
            {"name": "点", "type": "pv", "geometry": shapely.Point(1000, 1000)},
            {"name": "坏", "type": "spaceship", "geometry": shapely.Point(2000, 2000)}]
    projects(rows).to_file(folder / "projects.gpkg")
    out = folder / "out"
    res = CliRunner().invoke(cli, ["screen", str(folder / "projects.gpkg"), "--catalog",
                                   str(cat), "--out", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    return out


def test_screening_gpkg_has_the_web_map_verdict_colours(screened):
    path = screened / "screening.gpkg"
    layers = dict(pyogrio.list_layers(path))
    assert layers == {"screening_polygons": "Polygon", "screening_lines": "LineString",
                      "screening_points": "Point", "layer_styles": None}
    total = sum(len(gpd.read_file(path, layer=name)) for name in layers if name != "layer_styles")
    assert total == 4  # every project, the one that could not be judged included
    rows, contents = _styles(path)
    assert contents["layer_styles"] == "attributes"
    assert [r[0] for r in rows] == ["screening_polygons", "screening_lines", "screening_points"]
    expected_symbol = {"screening_polygons": "fill", "screening_lines": "line",
                       "screening_points": "marker"}
    for table, geom_col, name, qml, sld, default in rows:
        assert default == 1 and geom_col == "geom" and name == table
        assert (screened / f"{table}.qml").read_text(encoding="utf-8") == qml
        symbol, cats = _categories(qml)
        assert symbol == expected_symbol[table]
        assert list(cats) == ["prohibited", "review", "admitted", "error"]
        for verdict, opts in cats.items():
            style = st.verdict_style(verdict)
            assert opts["attr"] == "verdict" and opts["label"] == st.verdict_label(verdict, "en")
            if symbol == "fill":
                assert opts["color"] == _rgba(style["fillColor"], style["fillOpacity"])
                assert opts["outline_color"] == _rgba(style["color"], style["opacity"])
                assert float(opts["outline_width"]) == pytest.approx(style["weight"] * PX_MM,
                                                                      abs=0.01)
            elif symbol == "line":
                assert opts["line_color"] == _rgba(style["color"], style["opacity"])
            else:
                assert opts["color"] == _rgba(style["fillColor"], 0.95)
                assert opts["outline_color"] == _rgba(st.MARKER_OUTLINE, 1.0)
            assert (opts.get("outline_style") or opts.get("line_style")) == (
                "dash" if verdict == "error" and symbol != "marker" else "solid")
        root = ET.fromstring(sld.split("\n", 1)[1])
        literals = [e.text for e in root.iter("{http://www.opengis.net/ogc}Literal")]
        assert literals == ["prohibited", "review", "admitted", "error"]
        assert st.verdict_style("prohibited")["color"] in sld


def test_sites_gpkg_by_class_and_deterministic(tmp_path):
    sites = gpd.GeoDataFrame(
        {"site_id": ["a", "b", "c"], "class": ["A", "D", None], "score": [80.0, 20.0, None]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100), None],
        crs="EPSG:32648")
    first = write_styled_gpkg(sites, tmp_path / "sites.gpkg", "sites", "class", "zh")
    digest = hashlib.sha256((tmp_path / "sites.gpkg").read_bytes()).hexdigest()
    write_styled_gpkg(sites, tmp_path / "sites.gpkg", "sites", "class", "zh")
    assert hashlib.sha256((tmp_path / "sites.gpkg").read_bytes()).hexdigest() == digest
    assert list(first) == ["sites"]
    back = gpd.read_file(tmp_path / "sites.gpkg", layer="sites")
    assert list(back["class"]) == ["A", "D", ""] and back.crs.to_epsg() == 4326
    rows, _ = _styles(tmp_path / "sites.gpkg")
    symbol, cats = _categories(rows[0][3])
    assert symbol == "fill" and list(cats) == ["A", "B", "C", "D", ""]
    for c in "ABCD":
        style = st.class_style(c)
        assert cats[c]["color"] == _rgba(style["fillColor"], style["fillOpacity"])
        assert cats[c]["label"] == st.class_label(c, "zh")
    assert cats[""]["color"] == _rgba(st.verdict_style("error")["fillColor"],
                                      st.verdict_style("error")["fillOpacity"])


def test_gpkg_cells_follow_the_table_rule(tmp_path):
    """Lists and dicts as the same JSON text as the CSV and GeoJSON; other objects as text;
    plain text, numbers and blanks untouched."""
    import json
    from pathlib import Path as P

    sites = gpd.GeoDataFrame(
        {"class": ["A", "B", "C"], "tags": [["水", "林"], {"k": 1}, None],
         "where": [P("a/b"), "x", None], "note": ["甲", None, "丙"], "score": [1.0, 2.0, None]},
        geometry=[shapely.box(0, 0, 1, 1)] * 3, crs="EPSG:32648")
    write_styled_gpkg(sites, tmp_path / "s.gpkg", "sites", "class", "zh")
    back = gpd.read_file(tmp_path / "s.gpkg", layer="sites")
    assert [None if pd.isna(v) else json.loads(v) for v in back["tags"]] == [["水", "林"], {"k": 1},
                                                                          None]
    assert back["tags"][0] == '["水", "林"]'  # JSON, not a Python repr
    assert list(back["where"].fillna("-")) == ["a/b", "x", "-"]
    assert list(back["note"].fillna("-")) == ["甲", "-", "丙"]
    assert back["score"].tolist()[:2] == [1.0, 2.0]
