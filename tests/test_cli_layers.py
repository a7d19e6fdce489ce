"""`siting layers`: the real command on real files, exit codes and output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from maps.cli import cli


@pytest.fixture
def catalog(tmp_path):
    gpd.GeoDataFrame({"name": ["红线"]}, geometry=[shapely.box(106.6, 26.5, 106.61, 26.51)],
                     crs=4490).to_file(tmp_path / "red.geojson")
    gpd.GeoDataFrame({"name": ["变电站"], "voltage_kv": [220]},
                     geometry=[shapely.Point(106.62, 26.52)], crs=4490).to_file(
        tmp_path / "sub.geojson")
    path = tmp_path / "catalog.toml"
    path.write_text('[[layer]]\nid = "red"\nkind = "ecological_red_line"\npath = "red.geojson"\n'
                    'source = "test"\ndate = "2024"\n'
                    '[[layer]]\nid = "sub"\nkind = "substation"\npath = "sub.geojson"\n',
                    encoding="utf-8")
    return path


def test_layers_reports_every_layer(catalog):
    result = CliRunner().invoke(cli, ["layers", str(catalog), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "[usable] red  ecological_red_line" in result.output
    assert "Working CRS: EPSG:4545" in result.output
    assert "ha)" in result.output


def test_layers_json(catalog):
    result = CliRunner().invoke(cli, ["layers", str(catalog), "--json"])
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["working_crs"].startswith("EPSG:4545")
    red = report["layers"][0]
    assert {"id", "kind", "features", "area_m2", "problems"} <= set(red)
    assert red["features"] == 1
    # a 0.01° box at 26.5°N: geodesic area from pyproj.Geod
    import pyproj

    geod = abs(pyproj.Geod(ellps="GRS80").geometry_area_perimeter(
        shapely.segmentize(shapely.box(106.6, 26.5, 106.61, 26.51), 0.001))[0])
    assert red["area_m2"] == pytest.approx(geod, rel=1e-3)
    assert report["layers"][1]["area_m2"] is None


def test_unusable_layer_exits_2(catalog):
    text = catalog.read_text(encoding="utf-8").replace('kind = "substation"', 'kind = "control_unit"')
    catalog.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["layers", str(catalog), "--lang", "en"])
    assert result.exit_code == 2
    assert "unit_type" in result.output and "sub" in result.output


def test_bad_catalog_exits_2_without_traceback(catalog):
    catalog.write_text(catalog.read_text(encoding="utf-8").replace('id = "sub"', 'idd = "sub"'),
                       encoding="utf-8")
    proc = subprocess.run([str(Path(sys.executable).with_name("siting")), "layers", str(catalog)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "key 'idd': unknown key" in proc.stderr and str(catalog) in proc.stderr


def test_missing_catalog_and_usage_errors_exit_2(tmp_path):
    runner = CliRunner()
    assert runner.invoke(cli, ["layers", str(tmp_path / "none.toml")]).exit_code != 0
    proc = subprocess.run([str(Path(sys.executable).with_name("siting")), "layers",
                           str(tmp_path / "none.toml")], capture_output=True, text=True)
    assert proc.returncode == 2 and "catalog file not found" in proc.stderr
    assert runner.invoke(cli, ["layers"]).exit_code == 2


def test_demo_catalog_is_usable():
    result = CliRunner().invoke(cli, ["layers", "--demo", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert all(layer["usable"] for layer in report["layers"])
    kinds = {layer["kind"] for layer in report["layers"]}
    assert {"ecological_red_line", "basic_farmland", "urban_boundary", "control_unit",
            "industrial_park", "abandoned_mine", "subsidence_area", "closed_landfill",
            "contaminated_site", "slag_heap", "river", "substation", "road",
            "settlement"} <= kinds
    assert {r["kind"] for r in report["rasters"]} == {"dem", "ghi", "wind_speed"}
    assert all(r["usable"] for r in report["rasters"])
    assert report["region"].get("synthetic") is True
