"""`siting convert --to gcj02|bd09` marks its output; screen/check refuse it without the matching
--coords (review 23 F5: a GCJ-02 GeoJSON labelled CRS84 was screened as WGS84, ~500 m off)."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from layers import demo
from maps.cli import cli

# In WGS84 P01-P18 are admitted and P34 prohibited; their GCJ-02 twins read as WGS84 (the old
# behaviour) gave prohibited, review, prohibited, prohibited and admitted (P34 softer).
PICK = ["P01", "P02", "P03", "P18", "P34"]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def wgs(tmp_path):
    src = gpd.read_file(demo.DEMO_DIR / "projects.geojson")
    path = tmp_path / "wgs.geojson"
    src[src["project_id"].isin(PICK)].to_file(path, driver="GeoJSON")
    return path


def _refused(res, name: str, system: str = "gcj02", given: str = "no --coords"):
    assert res.exit_code == 2, res.output
    assert name in res.stderr and f"marked as {'GCJ-02' if system == 'gcj02' else 'BD-09'}" \
        in res.stderr
    assert f"read with {given}" in res.stderr and f"Read it with --coords {system}" in res.stderr
    assert f"请用 --coords {system} 读取" in res.stderr
    assert "Traceback" not in res.output


@pytest.mark.parametrize("ext", [".geojson", ".gpkg", ".fgb", ".shp"])
def test_screen_refuses_marked_file_without_coords(wgs, tmp_path, ext):
    out = tmp_path / f"amap{ext}"
    if ext == ".shp":  # field names of at most 10 characters
        short = gpd.read_file(wgs)[["project_id", "name", "type", "component", "geometry"]]
        short.to_file(wgs, driver="GeoJSON")
    res = run("convert", wgs, out, "--from", "wgs84", "--to", "gcj02")
    assert res.exit_code == 0, res.output
    assert "--coords gcj02" in res.stderr  # the note on how to read it back
    res = run("screen", out, "--catalog", demo.DEMO_CATALOG, "--out", tmp_path / "o", "--lang", "en")
    _refused(res, out.name)
    assert not (tmp_path / "o").exists()
    res = run("screen", out, "--catalog", demo.DEMO_CATALOG, "--out", tmp_path / "o",
              "--coords", "bd09")
    _refused(res, out.name, given="--coords bd09")


def test_geojson_keeps_crs84_and_says_gcj02(wgs, tmp_path):
    out = tmp_path / "g.geojson"
    assert run("convert", wgs, out, "--from", "wgs84", "--to", "gcj02").exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["coordinate_system"] == "gcj02" and "CRS84" in json.dumps(data["crs"])
    assert "not WGS84" in data["note"] and "不是 WGS84" in data["note"]
    assert len(gpd.read_file(out)) == len(PICK)  # other readers ignore the members


def test_csv_points_marked_by_sidecar(tmp_path):
    wgs_csv = tmp_path / "pts.csv"
    res = run("convert", demo.DEMO_DIR / "projects_gcj02.csv", wgs_csv, "--from", "gcj02",
              "--to", "wgs84")
    assert res.exit_code == 0, res.output
    assert not (tmp_path / "pts.csv.coords").exists()
    gcj_csv = tmp_path / "back.csv"
    assert run("convert", wgs_csv, gcj_csv, "--from", "wgs84", "--to", "bd09").exit_code == 0
    assert "coordinate_system=bd09" in (tmp_path / "back.csv.coords").read_text(encoding="utf-8")
    res = run("screen", gcj_csv, "--catalog", demo.DEMO_CATALOG, "--out", tmp_path / "o",
              "--coords", "wgs84", "--lang", "en")
    _refused(res, gcj_csv.name, "bd09", given="--coords wgs84")
    # converting it back with the wrong --from is refused too
    res = run("convert", gcj_csv, tmp_path / "x.csv", "--from", "gcj02", "--to", "wgs84")
    assert res.exit_code == 2 and "--from bd09" in res.stderr


def test_check_refuses_marked_geojson(wgs, tmp_path):
    out = tmp_path / "g.geojson"
    assert run("convert", wgs, out, "--from", "wgs84", "--to", "gcj02").exit_code == 0
    res = run("check", "--geojson", out, "--type", "pv", "--catalog", demo.DEMO_CATALOG,
              "--lang", "en")
    _refused(res, out.name)


def test_screen_with_matching_coords_equals_wgs84(wgs, tmp_path):
    out = tmp_path / "amap.geojson"
    assert run("convert", wgs, out, "--from", "wgs84", "--to", "gcj02").exit_code == 0
    res = run("screen", out, "--catalog", demo.DEMO_CATALOG, "--out", tmp_path / "g",
              "--coords", "gcj02", "--lang", "en")
    assert res.exit_code == 0, res.output
    res = run("screen", wgs, "--catalog", demo.DEMO_CATALOG, "--out", tmp_path / "w", "--lang", "en")
    assert res.exit_code == 0, res.output
    g = pd.read_csv(tmp_path / "g" / "screening.csv")
    w = pd.read_csv(tmp_path / "w" / "screening.csv")
    assert g["project_id"].tolist() == w["project_id"].tolist() == PICK
    assert g["verdict"].tolist() == w["verdict"].tolist()
    assert w["verdict"].tolist() == ["admitted"] * 4 + ["prohibited"]


def test_unmarked_file_named_gcj02_is_read_with_a_warning(wgs, tmp_path):
    named = tmp_path / "plots_gcj02.geojson"  # e.g. exported by another tool: no mark
    gpd.read_file(wgs).iloc[:1].to_file(named, driver="GeoJSON")
    res = run("screen", named, "--catalog", demo.DEMO_CATALOG, "--out", tmp_path / "o",
              "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "the file name says GCJ-02" in res.stderr and "give --coords gcj02" in res.stderr
