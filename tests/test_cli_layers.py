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


# --- fail closed (issue 8) -----------------------------------------------------------------

def _siting(*args):
    proc = subprocess.run([str(Path(sys.executable).with_name("siting")), *map(str, args)],
                          capture_output=True, text=True)
    assert "Traceback" not in proc.stderr
    return proc


def test_unknown_counts_and_stated_defaults_are_shown(catalog):
    folder = catalog.parent
    gpd.GeoDataFrame({"zone": ["core", "", "核心"]},
                     geometry=[shapely.box(106.6 + 0.01 * i, 26.5, 106.605 + 0.01 * i, 26.505)
                               for i in range(3)], crs=4490).to_file(folder / "nr.geojson")
    gpd.GeoDataFrame({"name": ["水源地"]}, geometry=[shapely.box(106.64, 26.5, 106.65, 26.51)],
                     crs=4490).to_file(folder / "ws.geojson")
    with open(catalog, "a", encoding="utf-8") as f:
        f.write('[[layer]]\nid = "nr"\nkind = "nature_reserve"\npath = "nr.geojson"\n'
                'accuracy_m = 5\n'
                '[[layer]]\nid = "ws"\nkind = "water_source"\npath = "ws.geojson"\n'
                'defaults = { grade = 1 }\n')
    result = CliRunner().invoke(cli, ["layers", str(catalog), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "unknown facts (rules give review): zone 2/3" in result.output
    assert "positional accuracy: 5 m" in result.output
    assert "defaults stated in the catalog: grade = \"1\"" in result.output
    assert ("zone '核心' is not mapped (expected core, buffer, experimental, core_protection, "
            "general_control)") in result.output
    zh = CliRunner().invoke(cli, ["layers", str(catalog)])
    assert "未知属性（规则将给出需论证）: zone 2/3" in zh.output
    report = json.loads(CliRunner().invoke(cli, ["layers", str(catalog), "--json"]).output)
    nr, ws = report["layers"][2:]
    assert nr["unknown"] == {"zone": 2} and nr["usable"] and nr["accuracy_m"] == 5
    assert ws["defaults"] == {"grade": "1"} and ws["unknown"] == {}  # grade codes are text


def test_points_as_red_line_are_unusable(catalog):
    text = catalog.read_text(encoding="utf-8").replace('path = "red.geojson"',
                                                       'path = "sub.geojson"')
    catalog.write_text(text, encoding="utf-8")
    proc = _siting("layers", catalog, "--lang", "en")
    assert proc.returncode == 2
    assert "[UNUSABLE] red  ecological_red_line" in proc.stdout
    assert "1 of 1 features are not polygon as kind ecological_red_line expects (1 Point" \
        in proc.stdout
    assert "Unusable layers: red" in proc.stderr


def test_lonlat_declared_as_metres_is_unusable_with_the_fix(catalog):
    import warnings

    import pyogrio

    folder = catalog.parent
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gpd.GeoDataFrame(
            {"name": ["a"]}, geometry=[shapely.box(106.6, 26.5, 106.61, 26.51)]),
            folder / "nocrs.shp")
    with open(catalog, "a", encoding="utf-8") as f:
        f.write('[[layer]]\nid = "farm"\nkind = "basic_farmland"\npath = "nocrs.shp"\n'
                'crs = "EPSG:4544"\n')
    proc = _siting("layers", catalog, "--lang", "en")
    assert proc.returncode == 2 and "[UNUSABLE] farm" in proc.stdout
    assert "[usable] red" in proc.stdout and "[usable] sub" in proc.stdout  # the others stand
    assert "do not fit EPSG:4544" in proc.stdout
    assert 'is wrong: crs = "EPSG:4490" in its catalog entry' in proc.stdout


def test_wrong_raster_is_unusable_and_not_scored(tmp_path):
    from siting_fixtures import make_region

    catalog = make_region(tmp_path)
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace('path = "ghi.tif"', 'path = "wind.tif"'), encoding="utf-8")
    proc = _siting("layers", catalog, "--lang", "en")
    assert proc.returncode == 2
    assert "[UNUSABLE] ghi  raster ghi" in proc.stdout
    assert "look like mean wind speed at 100 m in m/s" in proc.stdout
    assert "not global horizontal irradiation in kWh/m²/yr" in proc.stdout
    score = _siting("score", "--catalog", catalog, "--tech", "pv", "--out", tmp_path / "out")
    assert score.returncode == 2 and "raster 'ghi' is unusable" in score.stderr
    assert not (tmp_path / "out" / "sites.csv").exists()


def test_catalog_folder_and_gbk_catalog_exit_2(catalog):
    proc = _siting("layers", catalog.parent)
    assert proc.returncode == 2
    assert f"{catalog.parent}: is a folder, not a catalog file; it holds catalog.toml" \
        in proc.stderr
    catalog.write_bytes('[region]\nname = "贵阳"\n'.encode("gbk") + catalog.read_bytes())
    proc = _siting("layers", catalog)
    assert proc.returncode == 2
    assert "is not UTF-8 (looks like GBK/GB18030): save it as UTF-8" in proc.stderr
