"""``siting convert``: one point and whole files, exit codes, refusals."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, Point, Polygon

from layers import chinacoords as cc
from maps.cli import cli
from maps.cli.convert import SYSTEM_CHOICES

SITING = Path(sys.executable).with_name("siting")


def run(*args: str):
    return CliRunner().invoke(cli, ["convert", *args])


def test_choices_match_library():
    assert SYSTEM_CHOICES == cc.SYSTEMS


# --- --point ---------------------------------------------------------------------------------------

def test_point_gcj02_to_wgs84_published_vector():
    # wandergis/coordtransform test/app.js: wgs84togcj02(116.404, 39.915) = this GCJ-02 point
    result = run("--point", "116.41024449916938,39.91640428150164", "--from", "gcj02",
                 "--to", "wgs84")
    assert result.exit_code == 0, result.output
    assert result.stdout == "116.404000000,39.915000000\n"


@pytest.mark.parametrize(("src", "dst"), [("wgs84", "bd09"), ("bd09", "gcj02"), ("BD09", "WGS84")])
def test_point_nine_decimals(src, dst):
    result = run("--point", " 106.63 , 26.65 ", "--from", src, "--to", dst)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"-?\d+\.\d{9},-?\d+\.\d{9}\n", result.stdout)
    lon, lat = (float(v) for v in result.stdout.split(","))
    expected = cc.convert(106.63, 26.65, src.lower(), dst.lower())
    assert (lon, lat) == pytest.approx(expected, abs=5e-10)


def test_point_outside_china_unchanged_with_note():
    result = run("--point=-74.0,40.7", "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 0, result.output
    assert result.stdout == "-74.000000000,40.700000000\n"
    assert "outside China" in result.stderr


@pytest.mark.parametrize("text", ["abc", "116.4", "116.4,39.9,10", "116.4;39.9", "nan,39.9",
                                  "200,10", "116.4,-91", ""])
def test_bad_point_exits_2(text):
    result = run("--point", text, "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 2, result.output
    assert "--point" in result.stderr


@pytest.mark.parametrize("args", [
    ["--point", "116.4,39.9", "--from", "mars", "--to", "wgs84"],
    ["--point", "116.4,39.9", "--from", "gcj02", "--to", "EPSG:4326"],
    ["--point", "116.4,39.9", "--to", "wgs84"],
    ["--point", "116.4,39.9", "a.geojson", "--from", "gcj02", "--to", "wgs84"],
    ["--from", "gcj02", "--to", "wgs84"],
])
def test_bad_usage_exits_2(args):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


# --- files -----------------------------------------------------------------------------------------

def _gcj_layer() -> gpd.GeoDataFrame:
    ring = [(106.60, 26.50), (106.70, 26.50), (106.70, 26.60), (106.60, 26.60)]
    return gpd.GeoDataFrame(
        {"name": ["矿山 <a>", "道路", "变电站", "境外"], "mw": [10.5, 0.0, 2.0, 1.0]},
        geometry=[Polygon(ring, [[(106.62, 26.52), (106.64, 26.52), (106.64, 26.54)]]),
                  LineString([(106.0, 26.0), (106.5, 26.2), (107.0, 26.9)]),
                  Point(106.71, 26.57), Point(-74.0, 40.7)],
        crs="EPSG:4326",
    )


def _assert_converted(out: gpd.GeoDataFrame, src_gdf: gpd.GeoDataFrame, src: str, dst: str):
    assert len(out) == len(src_gdf)
    assert out.crs.to_epsg() == 4326
    assert out["name"].tolist() == src_gdf["name"].tolist()
    before = shapely.get_coordinates(src_gdf.geometry.values)
    after = shapely.get_coordinates(out.geometry.values)
    x, y = cc.convert_points(before[:, 0], before[:, 1], src, dst)
    np.testing.assert_allclose(after[:, 0], x, rtol=0, atol=1e-9)
    np.testing.assert_allclose(after[:, 1], y, rtol=0, atol=1e-9)


@pytest.mark.parametrize("ext", [".gpkg", ".geojson", ".fgb"])
def test_file_gcj02_to_wgs84(tmp_path, ext):
    src = tmp_path / "amap.geojson"
    gdf = _gcj_layer()
    gdf.to_file(src, driver="GeoJSON")
    out = tmp_path / f"wgs{ext}"
    result = run(str(src), str(out), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 0, result.output
    assert "wrote 4 feature(s)" in result.stderr
    _assert_converted(gpd.read_file(out), gdf, "gcj02", "wgs84")


def test_shapefile_points_keep_chinese_text(tmp_path):
    src = tmp_path / "amap.gpkg"
    gdf = _gcj_layer().iloc[2:]  # the two points
    gdf.to_file(src, driver="GPKG")
    result = run(str(src), str(tmp_path / "wgs.shp"), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 0, result.output
    _assert_converted(gpd.read_file(tmp_path / "wgs.shp"), gdf, "gcj02", "wgs84")


def test_shapefile_refuses_mixed_geometry_types(tmp_path):
    src = tmp_path / "amap.geojson"
    _gcj_layer().to_file(src, driver="GeoJSON")
    out = tmp_path / "old.shp"
    _gcj_layer().iloc[:1].to_file(src.with_name("one.geojson"), driver="GeoJSON")
    assert run(str(src.with_name("one.geojson")), str(out), "--from", "gcj02",
               "--to", "wgs84").exit_code == 0  # an old output of siting's, replaceable
    old = out.read_bytes()
    result = run(str(src), str(out), "--from", "gcj02", "--to", "wgs84", "--overwrite")
    assert result.exit_code == 2
    assert "one geometry type" in result.stderr and "LineString" in result.stderr
    assert out.read_bytes() == old  # nothing removed before the refusal


def test_file_round_trip_below_one_centimetre(tmp_path):
    src = tmp_path / "wgs.gpkg"
    gdf = _gcj_layer()
    gdf.to_file(src, driver="GPKG")
    assert run(str(src), str(tmp_path / "bd.fgb"), "--from", "wgs84", "--to", "bd09").exit_code == 0
    result = run(str(tmp_path / "bd.fgb"), str(tmp_path / "back.gpkg"), "--from", "bd09",
                 "--to", "wgs84")
    assert result.exit_code == 0, result.output
    back = gpd.read_file(tmp_path / "back.gpkg")
    a = shapely.get_coordinates(gdf.geometry.values)
    b = shapely.get_coordinates(back.geometry.values)
    dist = gpd.GeoSeries(gpd.points_from_xy(a[:, 0], a[:, 1]), crs=4326).to_crs(32648).distance(
        gpd.GeoSeries(gpd.points_from_xy(b[:, 0], b[:, 1]), crs=4326).to_crs(32648))
    assert dist.max() < 0.01


def test_refuses_to_overwrite(tmp_path):
    src = tmp_path / "a.geojson"
    _gcj_layer().to_file(src, driver="GeoJSON")
    mine = tmp_path / "mine.gpkg"
    mine.write_bytes(b"keep me")
    for extra in ((), ("--overwrite",)):  # a file siting did not write is never replaced
        result = run(str(src), str(mine), "--from", "gcj02", "--to", "wgs84", *extra)
        assert result.exit_code == 2
        assert "siting did not write it" in result.stderr
        assert mine.read_bytes() == b"keep me"
    out = tmp_path / "b.gpkg"
    assert run(str(src), str(out), "--from", "gcj02", "--to", "wgs84").exit_code == 0
    result = run(str(src), str(out), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 2
    assert "--overwrite" in result.stderr
    result = run(str(src), str(out), "--from", "gcj02", "--to", "wgs84", "--overwrite")
    assert result.exit_code == 0, result.output
    assert len(gpd.read_file(out)) == 4


def test_overwrite_replaces_a_shapefile(tmp_path):
    src = tmp_path / "a.geojson"
    lines = _gcj_layer().iloc[1:2]
    lines.to_file(src, driver="GeoJSON")
    out = tmp_path / "b.shp"
    _gcj_layer().iloc[:1].to_file(src.with_name("one.geojson"), driver="GeoJSON")
    assert run(str(src.with_name("one.geojson")), str(out), "--from", "gcj02",
               "--to", "bd09").exit_code == 0  # an old polygon shapefile of siting's
    assert run(str(src), str(out), "--from", "gcj02", "--to", "bd09").exit_code == 2
    result = run(str(src), str(out), "--from", "gcj02", "--to", "bd09", "--overwrite")
    assert result.exit_code == 0, result.output
    _assert_converted(gpd.read_file(out), lines, "gcj02", "bd09")


def test_missing_input_exits_2(tmp_path):
    result = run(str(tmp_path / "nope.geojson"), str(tmp_path / "out.gpkg"), "--from", "gcj02",
                 "--to", "wgs84")
    assert result.exit_code == 2
    assert "nope.geojson" in result.stderr
    assert not (tmp_path / "out.gpkg").exists()


def test_projected_input_exits_2(tmp_path):
    src = tmp_path / "utm.gpkg"
    _gcj_layer().iloc[:3].to_crs(32648).to_file(src, driver="GPKG")
    result = run(str(src), str(tmp_path / "out.gpkg"), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 2
    assert "EPSG:4326 first" in result.stderr
    assert not (tmp_path / "out.gpkg").exists()


def test_input_without_crs_exits_2(tmp_path):
    src = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        _gcj_layer().iloc[2:].set_crs(None, allow_override=True).to_file(src)
    result = run(str(src), str(tmp_path / "out.gpkg"), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 2
    assert "no CRS" in result.stderr


@pytest.mark.parametrize("name", ["out.txt", "out"])
def test_unknown_output_extension_exits_2(tmp_path, name):
    src = tmp_path / "a.geojson"
    _gcj_layer().to_file(src, driver="GeoJSON")
    result = run(str(src), str(tmp_path / name), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 2
    assert ".gpkg" in result.stderr


def test_output_is_input_exits_2(tmp_path):
    src = tmp_path / "a.geojson"
    _gcj_layer().to_file(src, driver="GeoJSON")
    result = run(str(src), str(src), "--from", "gcj02", "--to", "wgs84", "--overwrite")
    assert result.exit_code == 2
    assert gpd.read_file(src).geometry.iloc[2].equals(_gcj_layer().geometry.iloc[2])


# --- CSV -------------------------------------------------------------------------------------------

def test_csv_points_both_ways(tmp_path):
    src = tmp_path / "pois.csv"
    src.write_text("名称,lng,lat\n甲,116.41024449916938,39.91640428150164\n乙,-74.0,40.7\n",
                   encoding="utf-8")
    out = tmp_path / "pois_wgs.csv"
    result = run(str(src), str(out), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 0, result.output
    df = pd.read_csv(out)
    assert df.columns.tolist() == ["名称", "lng", "lat"]  # the table's own order (F9)
    assert df["lng"].tolist() == [116.404, -74.0] and df["lat"].tolist() == [39.915, 40.7]
    # CSV -> GeoPackage keeps every row and attribute
    result = run(str(src), str(tmp_path / "pois.gpkg"), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 0, result.output
    gdf = gpd.read_file(tmp_path / "pois.gpkg")
    assert gdf["名称"].tolist() == ["甲", "乙"]
    assert gdf.geometry.x.round(9).tolist() == [116.404, -74.0]


def test_csv_without_coordinate_columns_exits_2(tmp_path):
    src = tmp_path / "pois.csv"
    src.write_text("name,x_gcj,y_gcj\na,116.4,39.9\n", encoding="utf-8")
    result = run(str(src), str(tmp_path / "o.csv"), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 2
    assert "no coordinate columns found among ['name', 'x_gcj', 'y_gcj']" in result.stderr


def test_csv_with_bad_number_names_the_row(tmp_path):
    src = tmp_path / "pois.csv"
    src.write_text("name,lon,lat\na,116.4,39.9\nb,116.5,4O.5\n", encoding="utf-8")
    result = run(str(src), str(tmp_path / "o.csv"), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 2
    assert "row 3: column 'lat': '4O.5'" in result.stderr


def test_csv_output_needs_points(tmp_path):
    src = tmp_path / "a.geojson"
    _gcj_layer().to_file(src, driver="GeoJSON")
    result = run(str(src), str(tmp_path / "o.csv"), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 2
    assert "points only" in result.stderr
    assert not (tmp_path / "o.csv").exists()
    result = run(str(src), str(tmp_path / "o.xlsx"), "--from", "gcj02", "--to", "wgs84")
    assert result.exit_code == 2 and "points only" in result.stderr


# --- the installed console script ------------------------------------------------------------------

@pytest.mark.skipif(not SITING.exists(), reason="siting console script not installed")
def test_console_script_point_and_error():
    ok = subprocess.run([str(SITING), "convert", "--point", "116.404,39.915", "--from", "wgs84",
                         "--to", "gcj02"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "116.410244499,39.916404282\n"  # wandergis/coordtransform test/app.js
    bad = subprocess.run([str(SITING), "convert", "--point", "x", "--from", "wgs84",
                          "--to", "gcj02"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
