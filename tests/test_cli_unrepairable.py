"""A footprint whose invalid geometry could not be repaired says so in every output (review 27
F5): a polygon of three collinear vertices was reported as "no footprint geometry (null or
empty)" in the tables and the report, while the console said it could not be repaired; the user
looked for a missing shape in a row that has one."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from layers import demo
from maps.cli import cli

FLAT = [[106.70, 26.58], [106.701, 26.58], [106.702, 26.58], [106.70, 26.58]]  # no area
WKT = "POLYGON ((106.70 26.58, 106.701 26.58, 106.702 26.58, 106.70 26.58))"


def _geojson(path):
    feats = [{"type": "Feature", "properties": {"project_id": "T4", "name": "线", "type": "pv"},
              "geometry": {"type": "Polygon", "coordinates": [FLAT]}},
             {"type": "Feature", "properties": {"project_id": "T5", "name": "好", "type": "pv"},
              "geometry": {"type": "Point", "coordinates": [106.71, 26.58]}}]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    return path, []


def _wkt_csv(path):
    path.write_text(f'project_id,name,type,wkt\nT4,线,pv,"{WKT}"\nT5,好,pv,"POINT (106.71 26.58)"\n',
                    encoding="utf-8")
    return path, ["--coords", "wgs84"]


@pytest.mark.parametrize("make", [_geojson, _wkt_csv], ids=["geojson", "wkt-csv"])
def test_unrepairable_footprint_reason(tmp_path, make):
    src, extra = make(tmp_path / ("p.geojson" if make is _geojson else "p.csv"))
    out = tmp_path / "o"
    res = CliRunner().invoke(cli, ["screen", str(src), "--catalog", str(demo.DEMO_CATALOG),
                                   "--out", str(out), "--lang", "en", *extra])
    assert res.exit_code == 0, res.output
    row = pd.read_csv(out / "screening.csv", dtype=str).set_index("project_id").loc["T4"]
    assert row["verdict"] == "error"
    assert "could not be repaired; redraw the outline" in row["reasons"]
    assert "self-intersection at 106.701 26.58" in row["reasons"]
    assert "null or empty" not in row["reasons"]
    assert "无法修复；请重新绘制范围" in row["reasons"]
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "could not be repaired; redraw the outline" in report
    # the console's problem for the row says the same, with the fix
    said = [ln for ln in res.output.splitlines() if "error:" in ln and "repaired" in ln]
    assert len(said) == 1, res.output
    assert "self-intersection at 106.701 26.58) could not be repaired; redraw the outline" \
        in said[0] and "无法修复；请重新绘制范围" in said[0], said


@pytest.mark.parametrize("option", ["--wkt", "--geojson"])
def test_check_refuses_an_unrepairable_location_with_the_same_words(option):
    """``check --wkt`` / inline ``--geojson`` (a project table given as is) refuse the flat
    polygon in the readers' words: what is wrong, where, and the fix."""
    value = WKT if option == "--wkt" else json.dumps({"type": "Polygon", "coordinates": [FLAT]})
    res = CliRunner().invoke(cli, ["check", "--demo", "--coords", "wgs84", option, value,
                                   "--type", "pv", "--lang", "en"])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    text = " ".join(res.output.split())
    assert "invalid geometry (self-intersection at 106.701 26.58) could not be repaired; redraw " \
           "the outline" in text, text
    assert "无法修复；请重新绘制范围" in text
