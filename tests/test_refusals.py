"""What the toolkit refuses and why: the failure classes of issue 8, through ``siting`` on real files.

Each case builds its input in a temp folder, runs the real console entry point
(:func:`maps.cli.main`, the code path of the installed ``siting`` script: user mistakes exit 2, a
bug exits 1 with a log) and checks the exit code, that no traceback appears, N rows in → N rows
out where rows are written, and the key words of the message. Classes that other modules already
prove through the CLI are not repeated here:

* unmapped ``unit_type``, water grade outside allowed, unknown reserve zone, facts without a
  permissive default (reserve zone, river basin/importance, contaminated-site register):
  ``test_cli_rules.py::test_unknown_feature_facts_yield_review_naming_feature_and_value``
* points declared as red line in ``siting layers``, lon/lat declared as metres in ``siting
  layers``, a wind-speed raster given as GHI in ``siting layers`` and ``siting score``:
  ``test_cli_layers.py``
* a Beijing point against the Guiyang demo: ``test_cli_screen.py::test_a_beijing_point_...``
* ``--overwrite``: ``test_cli_outputs.py`` (``--out`` on the projects or catalog folder, unrelated
  files kept, ``--out`` below a regular file)
* one swapped, NaN or unclosed-ring footprint among good ones:
  ``test_footprints_bad_rows.py::test_screen_keeps_every_row_of_a_broken_project_file``
* formula and control-character names in CSV and XLSX: ``test_cli_inputs.py``
* an earlier ``screening.geojson`` screened again: ``test_cli_screen.py``
* ``--candidates`` with an empty polygon: ``test_cli_score.py``
* a multi-layer project file, Gauss-Krüger eastings without zone number, a GBK table:
  ``test_cli_inputs.py``
* random broken inputs: ``test_screen_random.py``
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from _screen_helpers import box, to_lonlat, write_catalog

import maps.cli
from maps.cli.manifest import MANIFEST

BASE = {
    "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300), "name": "红线"}]),
    "units": ("control_unit", [{"geometry": box(-3000, -3000, 3000, 3000), "unit_type": "key",
                                "unit_code": "ZH52010220001", "prohibited_industries": "",
                                "park_only_industries": ""}]),
}
"""A red line and one control unit; :func:`write_catalog` adds the admin boundary."""
GK36 = [[36512000, 2945000], [36512200, 2945000], [36512200, 2945200], [36512000, 2945000]]
"""A small ring in Gauss-Krüger metres with zone number 36 (CGCS2000: EPSG:4524)."""
NO_OUTPUT = "a refused command writes nothing"


def siting(monkeypatch, capsys, *args) -> tuple[int, str, str]:
    """Run ``siting ARGS`` through the console entry point: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["siting", *map(str, args)])
    with pytest.raises(SystemExit) as info:
        maps.cli.main()
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return info.value.code, out.out, out.err


def lonlat(geom) -> dict:
    """A local-metre shapely geometry as a GeoJSON geometry in lon/lat."""
    return shapely.geometry.mapping(to_lonlat([geom]).iloc[0])


def write_geojson(path: Path, features: list[tuple[dict, dict | None]], crs: str | None = None):
    """A FeatureCollection of (properties, geometry) written as given (no library rewrites it)."""
    doc = {"type": "FeatureCollection",
           "features": [{"type": "Feature", "properties": p, "geometry": g}
                        for p, g in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def shapefile_without_crs(path: Path, geoms, **columns) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gpd.GeoDataFrame(columns or {"name": ["a"] * len(geoms)},
                                                 geometry=list(geoms)), path)
    return path


def catalog(tmp: Path, layers: dict | None = None, extra: str = "") -> Path:
    """The base catalog (plus ``layers``) in ``tmp/data``, with ``extra`` TOML appended."""
    path = write_catalog(tmp / "data", {**BASE, **(layers or {})})
    if extra:
        with open(path, "a", encoding="utf-8") as f:
            f.write("\n" + extra)
    return path


def two_projects(tmp: Path) -> Path:
    """P1 on the red line, P2 elsewhere in the control unit."""
    return write_geojson(tmp / "projects.geojson", [
        ({"project_id": "P1", "name": "红线上", "type": "pv"}, lonlat(box(100, 100, 200, 200))),
        ({"project_id": "P2", "name": "别处", "type": "pv"}, lonlat(box(1000, 1000, 1100, 1100)))])


def summary(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False)


def hits(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "screening_hits.csv", encoding="utf-8-sig", keep_default_na=False)


# --- refused with exit 2, naming the file and the fix on the command being run ---------------

def _layer(tmp: Path, path: Path, text: str = "") -> list:
    """Screen two projects with the base catalog plus red-line layer ``bad`` from ``path``."""
    return ["screen", two_projects(tmp), "--catalog", catalog(
        tmp, extra=f'[[layer]]\nid = "bad"\nkind = "ecological_red_line"\npath = "{path}"\n'
                   f'{text}\n')]


def _text(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _gbk_catalog(tmp: Path) -> Path:
    text = catalog(tmp).read_text(encoding="utf-8").replace('name = "test"', 'name = "贵阳市"')
    return _text(tmp / "gbk.toml", text.replace('path = "', f'path = "{tmp / "data"}/'), "gbk")


def _gbk_profile(tmp: Path) -> Path:
    text = (Path(__file__).parents[1] / "geo" / "profiles" / "pv.toml").read_text(encoding="utf-8")
    return _text(tmp / "pv.toml", "# 本地光伏参数\n" + text, "gb18030")


RULE = ('[[rule]]\nid = "twice"\ntitle_zh = "红线"\ntitle_en = "red line"\nsource = "test"\n'
        'confidence = "V"\nrelation = "intersects"\nlayer = "ecological_red_line"\n'
        'outcome = "prohibited"\nmessage_zh = "占用红线"\nmessage_en = "on the red line"\n')
KML = ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
       '<Document><name>nothing</name></Document></kml>\n')
NOT_THE_CATALOG = ["catalog entry"]
"""A project file is told the option of the command, never a catalog key."""

REFUSED = {
    # damaged zoning data: a CRS that does not fit the coordinates, a CRS that does not exist
    "lonlat declared as EPSG:4544": (
        lambda t: _layer(t, shapefile_without_crs(t / "bad.shp", to_lonlat([box(0, 0, 300, 300)])),
                         'crs = "EPSG:4544"'),
        ["layer 'bad'", "do not fit EPSG:4544", "look like longitude/latitude degrees",
         'crs = "EPSG:4490" in its catalog entry'], []),
    "metres declared as EPSG:4490": (
        lambda t: _layer(t, shapefile_without_crs(t / "bad.shp", [shapely.Polygon(GK36)]),
                         'crs = "EPSG:4490"'),
        ["layer 'bad'", "do not fit EPSG:4490", "zone number 36", 'crs = "EPSG:4524"'], []),
    "GeoJSON naming a CRS that does not exist": (
        lambda t: _layer(t, write_geojson(t / "bad.geojson", [
            ({"id": "r"}, lonlat(box(0, 0, 300, 300)))], crs="EPSG:99999")),
        ["layer 'bad'", '"crs" member', "'EPSG:99999' is not a CRS"], []),
    # once tracebacks
    "project GeoJSON in metres without a crs member": (
        lambda t: ["screen", write_geojson(t / "gk.geojson", [
            ({"project_id": "G1", "type": "pv"}, {"type": "Polygon", "coordinates": [GK36]})]),
            "--catalog", catalog(t)],
        ['GeoJSON without a "crs" member', "zone number 36", "--crs EPSG:4524"],
        NOT_THE_CATALOG),
    "every project footprint with latitude and longitude swapped": (
        lambda t: ["screen", write_geojson(t / "sw.geojson", [
            ({"project_id": "S1", "type": "pv"}, {"type": "Point", "coordinates": [26.6, 106.7]}),
            ({"project_id": "S2", "type": "pv"}, {"type": "Point", "coordinates": [26.7, 106.8]})]),
            "--catalog", catalog(t)],
        ["sw.geojson:", "latitude/longitude with the two swapped", "put longitude first"],
        ["--crs", "catalog entry"]),
    "a layer with latitude and longitude swapped, declared as EPSG:4490": (
        lambda t: _layer(t, shapefile_without_crs(t / "bad.shp", [shapely.box(26.6, 106.7, 26.61,
                                                                              106.71)]),
                         'crs = "EPSG:4490"'),
        ["layer 'bad'", "do not fit EPSG:4490", "put longitude first"], ['crs = "EPSG:4490" in']),
    "KML without placemarks": (
        lambda t: ["screen", _text(t / "empty.kml", KML), "--catalog", catalog(t)],
        ["empty.kml: no features", "KML without placemarks"], []),
    "--catalog pointing at a folder": (
        lambda t: ["screen", two_projects(t), "--catalog", catalog(t).parent],
        ["is a folder, not a catalog file", "it holds catalog.toml"], []),
    "--catalog pointing at a layer file": (
        lambda t: ["screen", two_projects(t), "--catalog", catalog(t).parent / "units.gpkg"],
        ["units.gpkg: is not a catalog file but a GeoPackage", "(a .toml file)"], []),
    # unsafe outputs: two rules with one id
    "two rules with the same id": (
        lambda t: ["screen", two_projects(t), "--catalog", catalog(t), "--rules",
                   _text(t / "dup.toml", RULE + "\n" + RULE.replace("prohibited", "review"))],
        ["dup.toml, rule 'twice' (#2), key 'id': duplicate id (first used by rule #1)"], []),
    # messages that point at the fix on this command
    "project shapefile in degrees without CRS": (
        lambda t: ["screen", shapefile_without_crs(t / "p.shp", to_lonlat([box(0, 0, 50, 50)]),
                                                   name=["a"], type=["pv"]),
                   "--catalog", catalog(t)],
        ["p.shp: the source has no CRS", "longitude/latitude degrees", "--crs EPSG:4490",
         "--coords wgs84|gcj02|bd09|cgcs2000"], NOT_THE_CATALOG),
    "project shapefile in metres without zone number and without CRS": (
        lambda t: ["screen", shapefile_without_crs(t / "p.shp", [shapely.Point(512000, 2945000)]),
                   "--catalog", catalog(t)],
        ["p.shp: the source has no CRS", "6-digit eastings", "--crs EPSG:4544"],
        NOT_THE_CATALOG),
    "GBK catalog": (
        lambda t: ["screen", two_projects(t), "--catalog", _gbk_catalog(t)],
        ["gbk.toml: is not UTF-8 (looks like GBK/GB18030): save it as UTF-8"], []),
    "GBK rule set": (
        lambda t: ["screen", two_projects(t), "--catalog", catalog(t), "--rules",
                   _text(t / "rules.toml", RULE, "gbk")],
        ["rules.toml: is not UTF-8 (looks like GBK/GB18030): save it as UTF-8"], []),
    "GBK siting profile": (
        lambda t: ["score", "--demo", "--tech", "pv", "--profile", _gbk_profile(t)],
        ["pv.toml: is not UTF-8 (looks like GBK/GB18030): save it as UTF-8"], []),
    "--rules pointing at a folder": (
        lambda t: ["screen", two_projects(t), "--catalog", catalog(t), "--rules", t],
        ["is a folder, not a rule set file"], []),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_refused_with_exit_2_and_the_fix(case, tmp_path, monkeypatch, capsys):
    build, needles, forbidden = REFUSED[case]
    out = tmp_path / "out"
    code, stdout, err = siting(monkeypatch, capsys, *build(tmp_path), "--out", out,
                               "--lang", "en")
    assert code == 2, (stdout, err)
    for needle in needles:
        assert needle in err, (needle, err)
    for needle in forbidden:
        assert needle not in err, (needle, err)
    assert not out.exists(), NO_OUTPUT


def test_the_installed_script_exits_2_on_a_careless_catalog(tmp_path):
    """The console script itself, not only its entry function: exit 2, one message."""
    script = Path(sys.executable).with_name("siting")
    proc = subprocess.run([str(script), "screen", str(two_projects(tmp_path)), "--catalog",
                           str(catalog(tmp_path).parent / "units.gpkg"), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "is not a catalog file but a GeoPackage" in proc.stderr


def test_a_file_of_projects_none_of_which_can_be_placed(tmp_path, monkeypatch, capsys):
    """Every row an error of its own, every output written (the map without a name search)."""
    path = write_geojson(tmp_path / "p.geojson", [
        ({"project_id": "N1", "type": "pv"}, None),
        ({"project_id": "N2", "type": "pv"}, {"type": "Polygon", "coordinates": []}),
        ({"project_id": "N3", "type": "pv"}, {"type": "Point", "coordinates": [106.7, float("nan")]})])
    out = tmp_path / "out"
    code, _, err = siting(monkeypatch, capsys, "screen", path, "--catalog", catalog(tmp_path),
                          "--out", out, "--lang", "en")
    assert code == 0, err
    table = summary(out)
    assert list(table["project_id"]) == ["N1", "N2", "N3"]
    assert set(table["verdict"]) == {"error"}
    assert "not a number" in table["reasons"].iloc[2]
    assert (out / "map.html").stat().st_size > 0 and (out / "report.html").exists()


# --- damaged zoning data and projects outside the data: a verdict, never a silent pass --------

def test_points_declared_as_red_line_are_not_used_by_screen(tmp_path, monkeypatch, capsys):
    cat = catalog(tmp_path, {"redline": ("ecological_red_line",
                                         [{"geometry": shapely.Point(150, 150)}])})
    out = tmp_path / "out"
    code, _, err = siting(monkeypatch, capsys, "screen", two_projects(tmp_path), "--catalog",
                          cat, "--out", out, "--lang", "en")
    assert code == 0
    assert "features are not polygon as kind ecological_red_line expects (1 Point" in err
    assert list(summary(out)["verdict"]) == ["review", "review"]
    red = hits(out).query("rule_id == 'red_line'")
    assert list(red["project_id"]) == ["P1", "P2"] and set(red["check"]) == {"not_checked"}
    assert "layer ecological_red_line unusable (redline: see its problems)" in \
        red["message"].iloc[0]



@pytest.mark.parametrize("empty_ok", [False, True])
def test_an_empty_zoning_layer_is_not_taken_for_no_zoning(empty_ok, tmp_path, monkeypatch,
                                                          capsys):
    """An export without features (a wrong filter, an empty table) would let every project pass
    the red-line rules: it is unusable, and they are not checked (review), unless the catalog
    states that the region has none (``empty_ok = true``)."""
    entry = {"empty_ok": True} if empty_ok else {}
    red = {"geometry": box(5000, 5000, 5100, 5100)}  # far from both projects, then removed
    cat = catalog(tmp_path, {"redline": ("ecological_red_line", [red], entry)})
    data = tmp_path / "data" / "redline.gpkg"
    layer = gpd.read_file(data)
    layer.iloc[:0].to_file(data, driver="GPKG")  # the same layer, no features
    assert len(gpd.read_file(data)) == 0
    code, out, _ = siting(monkeypatch, capsys, "layers", cat)
    assert ("holds no features" in out) != empty_ok
    assert code == (0 if empty_ok else 2)  # an unusable layer is bad input for `layers`
    out_dir = tmp_path / "out"
    code, _, _ = siting(monkeypatch, capsys, "screen", two_projects(tmp_path), "--catalog",
                        cat, "--out", out_dir, "--lang", "en")
    assert code == 0
    red_hits = hits(out_dir).query("rule_id == 'red_line'")
    if empty_ok:  # stated: no red line there, checked and nothing found
        assert red_hits.empty
    else:
        assert list(summary(out_dir)["verdict"]) == ["review", "review"]
        assert list(red_hits["project_id"]) == ["P1", "P2"]
        assert set(red_hits["check"]) == {"not_checked"}
        assert "layer ecological_red_line unusable (redline: see its problems)" in \
            red_hits["message"].iloc[0]


OUTSIDE = {
    # project id: (footprint, verdict, rule id, what its message says)
    "EDGE": (lonlat(box(129000, 0, 133000, 1000)), "review", "coverage",
             "74.9% of the footprint lies outside the catalog's coverage (the admin boundaries)"),
    "HOLE": (lonlat(box(5000, 5000, 5100, 5100)), "review", "control_unit_gap",
             "No control unit covers 100.0% of the footprint (10001 m²) inside the catalog's "
             "region: a hole in the unit layer"),
    "FAR": ({"type": "Point", "coordinates": [116.3975, 39.9087]}, "error", "",
            "outside the catalog's region: 1619 km from its coverage (the admin boundaries); "
            "screen it with the catalog of the region where it lies"),
}


@pytest.fixture(scope="module")
def outside_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("outside")
    path = write_geojson(tmp / "p.geojson", [({"project_id": pid, "type": "pv"}, geom)
                                             for pid, (geom, *_) in OUTSIDE.items()])
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sys, "argv", ["siting", "screen", str(path), "--catalog", str(catalog(tmp)),
                                 "--out", str(tmp / "out"), "--lang", "en"])
        with pytest.raises(SystemExit) as info:
            maps.cli.main()
    assert info.value.code == 0
    return summary(tmp / "out"), hits(tmp / "out")


@pytest.mark.parametrize("pid", list(OUTSIDE))
def test_projects_outside_the_data_are_never_admitted(outside_run, pid):
    table, found = outside_run
    assert list(table["project_id"]) == list(OUTSIDE)  # N rows in, N rows out, in order
    _, verdict, rule_id, message = OUTSIDE[pid]
    row = table.set_index("project_id").loc[pid]
    assert row["verdict"] == verdict
    if rule_id:
        (text,) = found.query("project_id == @pid and rule_id == @rule_id")["message"]
        assert text.startswith(message), text
    else:
        assert row["reasons"] == message


def test_check_says_why_a_point_outside_the_region_cannot_be_judged(monkeypatch, capsys):
    code, out, _ = siting(monkeypatch, capsys, "check", "--coords", "wgs84", "--point", "116.3975,39.9087", "--demo",
                          "--type", "pv", "--lang", "en")
    assert code == 0
    assert "Verdict: Could not be judged" in out
    assert "outside the catalog's region: 1636 km from its coverage (the admin boundaries)" in out
    code, out, _ = siting(monkeypatch, capsys, "check", "--coords", "wgs84", "--point", "116.3975,39.9087", "--demo",
                          "--type", "pv", "--json")
    data = json.loads(out)
    assert data["verdict"] == "error" and data["error"].startswith("位于图层目录区域之外")


# --- a zoning feature that cannot be placed is not a place where nothing is -------------------

RED_AND_WATER = (
    RULE.replace('"twice"', '"red"') + "\n"
    + RULE.replace('"twice"', '"water_grade1"').replace('"ecological_red_line"', '"water_source"')
    .replace('outcome = "prohibited"', 'filter = { grade = "1" }\noutcome = "prohibited"') + "\n"
    + RULE.replace('"twice"', '"water_quasi"').replace('"ecological_red_line"', '"water_source"')
    .replace('relation', 'applies_to = { types = ["industrial"] }\nrelation')
    .replace('outcome = "prohibited"', 'filter = { grade = "quasi" }\noutcome = "review"'))
"""A red-line rule for every project; grade-1 water for every project, quasi-grade only for
industry."""


def _unplaced_run(tmp: Path, lost: bool, monkeypatch, capsys):
    red = [{"geometry": box(0, 0, 300, 300), "id": "R1"}]
    water = [{"geometry": box(20000, 0, 20300, 300), "id": "W1", "grade": "1"}]
    if lost:  # a null geometry, an unrepairable ring, a null quasi-grade water source
        red += [{"geometry": None, "id": "R2"},
                {"geometry": shapely.Polygon([(9000, 0), (9100, 0), (9000, 0), (9000, 0)]),
                 "id": "R3"}]
        water += [{"geometry": None, "id": "W2", "grade": "quasi"}]
    cat = catalog(tmp, {"redline": ("ecological_red_line", red),
                        "water": ("water_source", water)})
    projects = write_geojson(tmp / "p.geojson", [
        ({"project_id": "ON", "type": "pv"}, lonlat(box(100, 100, 200, 200))),
        ({"project_id": "PV", "type": "pv"}, lonlat(box(1000, 1000, 1100, 1100))),
        ({"project_id": "IND", "type": "industrial", "industry": "chemical"},
         lonlat(box(1500, 1500, 1600, 1600)))])
    out = tmp / ("lost" if lost else "whole")
    code, _, err = siting(monkeypatch, capsys, "screen", projects, "--catalog", cat, "--rules",
                          _text(tmp / "rules.toml", RED_AND_WATER), "--out", out, "--lang", "en")
    assert code == 0
    return summary(out).set_index("project_id"), hits(out), err


def test_zoning_features_that_cannot_be_placed_make_review(tmp_path, monkeypatch, capsys):
    whole, _, _ = _unplaced_run(tmp_path, False, monkeypatch, capsys)
    assert dict(whole["verdict"]) == {"ON": "prohibited", "PV": "admitted", "IND": "admitted"}
    table, found, err = _unplaced_run(tmp_path, True, monkeypatch, capsys)
    assert "feature R2: no geometry (null); kept, it cannot be placed" in err
    assert "feature R3: invalid geometry" in err
    assert "could not be repaired; redraw the outline" in err  # the readers' one wording
    assert dict(table["verdict"]) == {"ON": "prohibited", "PV": "review", "IND": "review"}
    lost = found.query("rule_id == 'unplaced_features'")
    assert set(lost["check"]) == {"unknown"} and set(lost["outcome"]) == {"review"}
    # one hit per project and kind; ON is prohibited by the red line already; the lost water
    # source is quasi-grade, which no rule for PV projects is about
    assert sorted(zip(lost["project_id"], lost["kind"])) == [
        ("IND", "ecological_red_line"), ("IND", "water_source"), ("PV", "ecological_red_line")]
    red = lost.query("project_id == 'PV'").iloc[0]
    assert red["layer_id"] == "redline" and red["feature_id"] == "R2, R3"
    assert red["message"].startswith("Layer redline (Ecological protection red line): 2 "
                                     "feature(s) cannot be placed (R2, R3: no geometry, or one "
                                     "that could not be repaired)")
    assert "fix their geometry in the source" in red["message"]
    water = lost.query("project_id == 'IND' and kind == 'water_source'").iloc[0]
    assert water["feature_id"] == "W2"


def test_siting_says_where_an_exclusion_feature_cannot_be_placed(tmp_path, monkeypatch,
                                                                 capsys):
    """``siting score`` cannot exclude land under a red-line feature without geometry: the run
    says so (like a layer not provided) instead of ranking the sites as if it were not there."""
    from siting_fixtures import make_region

    cat = make_region(tmp_path / "region")
    red = gpd.read_file(cat.parent / "redline.gpkg")
    lost = gpd.GeoDataFrame({"id": ["lost"]}, geometry=[None], crs=red.crs)
    pd.concat([red, lost], ignore_index=True).to_file(cat.parent / "redline.gpkg")
    out = tmp_path / "out"
    code, _, err = siting(monkeypatch, capsys, "score", "--catalog", cat, "--tech", "pv",
                          "--out", out, "--lang", "en")
    assert code == 0 and "feature lost: no geometry (null)" in err
    report = (out / "report.html").read_text(encoding="utf-8")
    assert ("1 feature(s) cannot be placed (redline:lost): not excluded there — fix their "
            "geometry or check the sites by hand") in report


# --- what the reader noticed, the user sees -----------------------------------------------------

def _bowtie(tmp: Path) -> list:
    ring = [(0, 0), (100, 100), (100, 0), (0, 100), (0, 0)]
    return [write_geojson(tmp / "p.geojson", [
        ({"project_id": "BT", "type": "pv"}, lonlat(shapely.Polygon(ring))),
        ({"project_id": "OK", "type": "pv"}, lonlat(box(1000, 1000, 1100, 1100)))])]


def _no_dbf(tmp: Path) -> list:
    path = tmp / "p.shp"
    gpd.GeoDataFrame(geometry=[to_lonlat([box(0, 0, 50, 50)]).iloc[0]] * 2,
                     crs=4326).to_file(path)
    path.with_suffix(".dbf").unlink()
    return [path, "--type", "pv"]


def _gk_with_zone(tmp: Path) -> list:
    pts = to_lonlat([shapely.Point(100, 100), shapely.Point(1000, 1000)]).to_crs(4524)
    rows = "".join(f"Z{i},pv,{p.x:.2f},{p.y:.2f}\n" for i, p in enumerate(pts))
    return [_text(tmp / "gk.csv", "project_id,type,x,y\n" + rows)]


NOTICED = {
    "geometry repaired": (_bowtie, ["p.geojson:", "feature #1 (BT): invalid geometry (Self-"
                                    "intersection", "repaired with make_valid"], 2),
    ".dbf missing": (_no_dbf, ["p.shp:", "no .dbf file beside the .shp"], 2),
    "datum assumed": (_gk_with_zone, ["gk.csv:", "read as EPSG:4524", "the datum (CGCS2000) is "
                                      "assumed: for Xian 1980 --crs EPSG:2360, for Beijing 1954 "
                                      "--crs EPSG:2412"], 2),
}


@pytest.mark.parametrize("case", list(NOTICED))
def test_reader_warnings_are_shown_once_by_screen(case, tmp_path, monkeypatch, capsys):
    build, needles, n = NOTICED[case]
    out = tmp_path / "out"
    code, _, err = siting(monkeypatch, capsys, "screen", *build(tmp_path), "--catalog",
                          catalog(tmp_path), "--out", out, "--lang", "en")
    assert code == 0
    for needle in needles:
        assert err.count(needle) == 1, (needle, err)
    assert len(summary(out)) == n


def test_line_breaks_and_infinities_in_attributes_keep_one_row_per_project(
        tmp_path, monkeypatch, capsys):
    """A carriage return inside a name is quoted in every CSV (no reader splits the row); an
    infinite value of an extra column is null in the GeoJSON (JSON has no infinity)."""
    path = write_geojson(tmp_path / "p.geojson", [
        ({"project_id": "CR", "type": "pv", "name": "line\rbreak", "notes": -math.inf},
         lonlat(box(1000, 1000, 1100, 1100))),
        ({"project_id": "LF", "type": "pv", "name": "line\nfeed", "notes": 1.5},
         lonlat(box(1200, 1200, 1300, 1300)))])
    out = tmp_path / "out"
    code, _, err = siting(monkeypatch, capsys, "screen", path, "--catalog", catalog(tmp_path),
                          "--out", out, "--lang", "en")
    assert code == 0 and "Warning" not in err, err
    for name in ("screening.csv", "screening_hits.csv"):
        with open(out / name, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
        assert {r["project_id"] for r in rows} == {"CR", "LF"}
    assert list(summary(out)["name"]) == ["line\rbreak", "line\nfeed"]
    features = json.loads((out / "screening.geojson").read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["notes"] for f in features] == [None, 1.5]


# --- same inputs, same bytes, also across processes ----------------------------------------------

def test_two_runs_in_two_processes_write_the_same_bytes(tmp_path):
    """Python salts string hashes per process: set and dict orders may differ between runs of
    the command, never the files (map element ids, XLSX metadata, table and hit order)."""
    script = Path(sys.executable).with_name("siting")
    args = [str(script), "screen", str(two_projects(tmp_path)), "--catalog",
            str(catalog(tmp_path)), "--lang", "en"]
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(args + ["--out", str(tmp_path / f"run{seed}")], env=env,
                              capture_output=True, text=True)
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    first = sorted(p.relative_to(tmp_path / "run1") for p in (tmp_path / "run1").rglob("*")
                   if p.is_file() and p.name != MANIFEST)  # it records when files were written
    assert {"map.html", "screening.xlsx", "screening.csv"} <= {p.name for p in first}
    for rel in first:
        assert (tmp_path / "run1" / rel).read_bytes() == (tmp_path / "run2" / rel).read_bytes(), rel


@pytest.mark.parametrize("case", ["decimal_comma", "swapped"])
def test_a_table_that_cannot_be_placed_names_the_fix_for_the_command_run(case, tmp_path,
                                                                        monkeypatch, capsys):
    """Coordinates with decimal commas: 'use a point for decimals' with the number as it should
    be; lat/lon swapped with --coords given: the message says what was given, and does not ask
    for --coords again."""
    from layers import demo

    if case == "decimal_comma":
        text = "project_id;type;lon;lat\nA;pv;106,7476746;26,5819\nB;pv;106,75;26,58\n"
    else:
        text = "project_id,type,lon,lat\nA,pv,26.5819,106.7476746\nB,pv,26.58,106.75\n"
    (tmp_path / "p.csv").write_text(text, encoding="utf-8")
    code, _, err = siting(monkeypatch, capsys, "screen", tmp_path / "p.csv", "--coords", "wgs84",
                          "--catalog", demo.DEMO_CATALOG, "--out", tmp_path / "o")
    assert code == 2 and "p.csv" in err
    if case == "decimal_comma":
        assert "use a point for decimals: 106.7476746" in err
    else:
        assert "(as given: --coords wgs84)" in err and "Say what the coordinates are" not in err
    assert not (tmp_path / "o").exists()
