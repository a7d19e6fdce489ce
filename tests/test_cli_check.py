"""``siting check``: one location, the verdict ``siting screen`` gives it, on the terminal.

Points are taken inside demo projects whose expected verdicts the demo documents (P01 admitted on
an abandoned mine, P04 prohibited in the red line, P16 review on a closed landfill), and each
check is compared with ``siting screen`` run on the same point as a file.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from layers.chinacoords import wgs84_to_gcj02
from layers.demo import DEMO_CATALOG, DEMO_EXPECTED, DEMO_PROJECTS
from maps.cli import cli

CASES = {"P01": "admitted", "P04": "prohibited", "P16": "review"}
LAYERS = {"P01": "abandoned_mines", "P04": "red_lines", "P16": "closed_landfills"}
"""The layer each case is about: the point is taken well inside footprint ∩ layer."""


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def points():
    """{project id: (lon, lat)} of a point inside each demo footprint, checked against the
    demo's expected verdicts."""
    expected = pd.read_csv(DEMO_EXPECTED)
    expected = expected[expected["file"] == "projects.geojson"].set_index("project_id")
    for pid, verdict in CASES.items():
        assert expected.loc[pid, "expected_verdict"] == verdict
    projects = gpd.read_file(DEMO_PROJECTS).set_index("project_id")
    out = {}
    for pid in CASES:
        assert projects.loc[pid, "type"] == "pv"
        layer = gpd.read_file(DEMO_PROJECTS.parent / f"{LAYERS[pid]}.geojson").union_all()
        # 30 m inside both the footprint and the layer: a point no rounding moves across an edge
        part = projects.loc[pid, "geometry"].intersection(layer)
        inner = gpd.GeoSeries([part], crs=4326).to_crs(32648).buffer(-30).to_crs(4326).iloc[0]
        p = inner.representative_point()
        out[pid] = (round(p.x, 6), round(p.y, 6))
    return out


@pytest.fixture(scope="module")
def screened(points, tmp_path_factory):
    """``siting screen`` of the same three points, written as a GeoJSON file."""
    import shapely

    folder = tmp_path_factory.mktemp("check")
    gdf = gpd.GeoDataFrame({"project_id": list(points), "type": ["pv"] * len(points)},
                           geometry=[shapely.Point(xy) for xy in points.values()], crs=4326)
    gdf.to_file(folder / "points.geojson", driver="GeoJSON")
    from layers.demo import DEMO_CATALOG

    res = run("screen", folder / "points.geojson", "--catalog", DEMO_CATALOG, "--out",
              folder / "out", "--lang", "en")
    assert res.exit_code == 0, res.output
    table = pd.read_csv(folder / "out" / "screening.csv", encoding="utf-8-sig")
    return dict(zip(table["project_id"], table["verdict"]))


@pytest.mark.parametrize("pid", list(CASES))
def test_check_gives_the_screen_verdict(points, screened, pid):
    lon, lat = points[pid]
    res = run("check", "--coords", "wgs84", "--point", f"{lon},{lat}", "--type", "pv", "--demo", "--lang", "en")
    assert res.exit_code == 0, res.output
    label = {"prohibited": "Prohibited", "review": "Review required", "admitted": "Admitted"}
    assert f"Verdict: {label[CASES[pid]]}" in res.output
    assert screened[pid] == CASES[pid]
    assert "Nearest feature (within 2,000 m)" in res.output
    assert "not for real decisions" in res.output  # the demo says so
    if pid == "P04":
        assert "red_line" in res.output and "自然资发〔2022〕142号" in res.output


def test_json_output_for_scripts(points):
    lon, lat = points["P04"]
    res = run("check", "--coords", "wgs84", "--point", f"{lon},{lat}", "--type", "pv", "--demo", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["verdict"] == "prohibited" and data["lonlat"] == [lon, lat]
    red = [r for r in data["reasons"] if r["rule_id"] == "red_line"]
    assert red and red[0]["outcome"] == "prohibited" and "142号" in red[0]["source"]
    assert red[0]["evidence"][0]["layer_id"] == "red_lines"
    assert data["nearest_m"]["ecological_red_line"] == 0
    assert set(data["nearest_m"]) >= {"basic_farmland", "water_source", "nature_reserve"}
    # worst first
    order = {"prohibited": 0, "review": 1, "admitted": 2}
    outcomes = [order[r["outcome"]] for r in data["reasons"]]
    assert outcomes == sorted(outcomes)


def test_gcj02_point_is_shifted_back(points):
    lon, lat = points["P04"]
    glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    res = run("check", "--point", f"{glon:.7f},{glat:.7f}", "--coords", "gcj02", "--type", "pv",
              "--demo", "--json")
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["verdict"] == "prohibited"
    assert data["lonlat"] == pytest.approx([lon, lat], abs=2e-6)


def test_wkt_and_inline_geojson_and_file(points, tmp_path):
    lon, lat = points["P16"]
    d = 0.0003
    wkt = (f"POLYGON(({lon - d} {lat - d}, {lon + d} {lat - d}, {lon + d} {lat + d}, "
           f"{lon - d} {lat + d}, {lon - d} {lat - d}))")
    res = run("check", "--coords", "wgs84", "--wkt", wkt, "--type", "pv", "--demo", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["verdict"] == "review"
    inline = json.dumps({"type": "Point", "coordinates": [lon, lat]})
    res = run("check", "--geojson", inline, "--type", "pv", "--demo", "--json")
    assert res.exit_code == 0 and json.loads(res.output)["verdict"] == "review"
    feature = {"type": "Feature", "properties": {"name": "填埋场光伏", "type": "pv"},
               "geometry": {"type": "Point", "coordinates": [lon, lat]}}
    path = tmp_path / "one.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}),
                    encoding="utf-8")
    res = run("check", "--geojson", path, "--demo")
    assert res.exit_code == 0, res.output
    assert "填埋场光伏" in res.output and "需论证" in res.output


@pytest.mark.parametrize("args, message", [
    (["--point", "abc", "--type", "pv"], "LON,LAT"),
    (["--point", "26.58,106.71", "--type", "pv"], "LAT,LON"),
    (["--point", "206.7,26.5", "--type", "pv"], "longitude must lie"),
    (["--type", "pv"], "exactly one location"),
    (["--point", "106.71,26.58", "--wkt", "POINT(106.71 26.58)", "--type", "pv"],
     "exactly one location"),
    (["--point", "106.71,26.58", "--type", "spaceship"], "spaceship"),
    (["--point", "106.71,26.58"], "type"),
    (["--wkt", "POLYGON((1 2, 3", "--type", "pv"], "WKT"),
    (["--geojson", "{not json", "--type", "pv"], "GeoJSON"),
    (["--point", "106.71,26.58", "--type", "pv", "--attr", "novalue"], "KEY=VALUE"),
])
def test_bad_input_exits_2(args, message):
    res = run("check", "--coords", "wgs84", *args, "--demo")
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output


def test_missing_catalog_exits_2(tmp_path):
    res = run("check", "--coords", "wgs84", "--point", "106.71,26.58", "--type", "pv", "--catalog",
              tmp_path / "none.toml")
    assert res.exit_code == 2 and "none.toml" in res.output


def test_a_prepared_layer_changed_since_is_called_unusable_with_its_problems(points, tmp_path):
    """``siting check`` on a prepared catalog whose source file (red lines: a feature added) and
    [[layer]] entry (forest land: a values mapping corrected) changed after ``siting prepare``:
    the verdict is review, as ``siting screen`` gives, and each unusable layer is called
    unusable (not missing) with its problem printed: the file, what changed, and the fix."""
    import shutil

    text = DEMO_PROJECTS.parent.joinpath("catalog.toml").read_text(encoding="utf-8")
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(text.split("[[raster]]")[0], encoding="utf-8")
    for f in DEMO_PROJECTS.parent.iterdir():
        if f.is_file() and f.suffix not in (".tif", ".toml"):
            shutil.copy2(f, tmp_path / f.name)
    out = tmp_path / "prepared"
    res = run("prepare", catalog, "--out", out)
    assert res.exit_code == 0, res.output
    lon, lat = points["P01"]
    check = ("check", "--coords", "wgs84", "--point", f"{lon},{lat}", "--type", "pv", "--catalog",
             out / "catalog.toml")
    res = run(*check, "--lang", "en")
    assert res.exit_code == 0 and "Verdict: Admitted" in res.output, res.output

    red = tmp_path / "red_lines.geojson"
    data = json.loads(red.read_text(encoding="utf-8"))
    data["features"].append(data["features"][0])
    red.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert '"灌木林地" = "shrub"' in text
    catalog.write_text(catalog.read_text(encoding="utf-8").replace(
        '"灌木林地" = "shrub"', '"灌木林地" = "arbor"'), encoding="utf-8")
    res = run(*check, "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "Verdict: Review required" in res.output
    assert "layer missing" not in res.output
    assert "not checked: layer ecological_red_line unusable (red_lines" in res.output
    assert "not checked: layer forest_land unusable (forest_land" in res.output
    assert f"its source {red.resolve()} changed after siting prepare" in res.output
    assert f"its entry in {catalog.resolve()} (columns, values, defaults ...) changed" in res.output
    assert res.output.count("run siting prepare again") == 2  # each problem once
    assert "Traceback" not in res.output

    res = run(*check, "--lang", "zh")
    assert "未核查: 图层 ecological_red_line（生态保护红线）不可用（red_lines" in res.output
    assert "图层缺失" not in res.output
    assert "请重新运行 siting prepare" in res.output

    res = CliRunner().invoke(cli, [str(a) for a in (*check, "--json")])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["verdict"] == "review"
    found = {p["code"]: p["message"] for g in data["layer_problems"] for p in g["problems"]}
    assert set(found) == {"source_changed"} and len(data["layer_problems"]) == 2


def test_a_blank_component_names_its_values_and_the_option():
    """Review 21 F6: the PV array rule on shrub land needs ``component``; left blank, the hint
    listed yes/no or a number. It now lists array / ancillary with their words, and ``check``
    names the option that states it; stating it clears the unknown."""
    point = "107.060542,27.16"  # demo forest land LD0256, shrub
    zh = run("check", "--coords", "wgs84", "--demo", "--point", point, "--type", "pv")
    assert zh.exit_code == 0, zh.output
    assert "请填写（array 光伏方阵 / ancillary 配套设施）" in zh.output
    assert "是/否或数值" not in zh.output
    assert "在本命令中写明: --attr component=array | --attr component=ancillary" in zh.output
    en = run("check", "--coords", "wgs84", "--demo", "--point", point, "--type", "pv", "--lang", "en")
    assert "state it (array = PV array / ancillary = ancillary facilities)" in en.output
    assert "state it here with: --attr component=array" in en.output
    stated = run("check", "--coords", "wgs84", "--demo", "--point", point, "--type", "pv", "--attr", "component=array")
    assert "component 未填写" not in stated.output and "--attr component" not in stated.output
    data = json.loads(run("check", "--coords", "wgs84", "--demo", "--point", point, "--type", "pv", "--json").output)
    hints = [h for r in data["reasons"] for h in r["attr_hints"]]
    assert hints == ["--attr component=array | --attr component=ancillary"]


OUT_EDGE = (107.28466, 26.86832)   # ~0.8 km east of the demo's eastern boundary
"""A point (and the centre of a 400 m square) wholly outside the demo's coverage, not far."""


def test_wholly_outside_is_titled_so_and_has_no_nearest_distances(tmp_path):
    """Review 21 F9: the coverage rule says wholly (not partly) outside when 100 % is, and
    ``check`` gives no nearest distances there (the catalog's nearest feature need not be the
    nearest: ``siting score`` blanks them too); ``screen`` titles it the same."""
    lon, lat = OUT_EDGE
    r = run("check", "--coords", "wgs84", "--demo", "--point", f"{lon},{lat}", "--type", "pv")
    assert r.exit_code == 0, r.output
    assert "coverage: 整体位于图层目录覆盖范围之外" in r.output and "部分位于" not in r.output
    assert "不列最近要素：项目整体位于图层目录覆盖范围之外" in r.output
    assert "生态保护红线" not in r.output.split("最近要素距离")[1]
    data = json.loads(run("check", "--coords", "wgs84", "--demo", "--point", f"{lon},{lat}", "--type", "pv", "--json",
                          "--lang", "en").output)
    assert data["nearest_m"] == {} and "nearest features not listed" in data["nearest_note"]
    assert data["reasons"][0]["title"] == "Wholly outside the catalog's coverage"
    boxes = {"O2": (lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002),       # wholly outside
             "O3": (lon - 0.013, lat - 0.002, lon - 0.007, lat + 0.002)}       # straddling
    f = tmp_path / "p.geojson"
    gpd.GeoDataFrame({"project_id": list(boxes), "type": ["pv", "pv"]},
                     geometry=[shapely.box(*b) for b in boxes.values()], crs=4326).to_file(f)
    r = run("screen", str(f), "--catalog", DEMO_CATALOG, "--out", tmp_path / "o", "--lang", "en")
    assert r.exit_code == 0, r.output
    hits = pd.read_csv(tmp_path / "o" / "screening_hits.csv", encoding="utf-8-sig")
    cov = hits[hits["rule_id"] == "coverage"].set_index("project_id")
    assert cov.loc["O2", "overlap_share"] == 1 and 0 < cov.loc["O3", "overlap_share"] < 0.99
    summary = pd.read_csv(tmp_path / "o" / "screening.csv", encoding="utf-8-sig").set_index(
        "project_id")
    assert "[review] coverage: Wholly outside the catalog's coverage" in summary.loc[
        "O2", "reasons"]
    assert "[review] coverage: Partly outside the catalog's coverage" in summary.loc[
        "O3", "reasons"]
    data = json.loads(run("check", "--coords", "wgs84", "--demo", "--wkt", shapely.box(*boxes["O3"]).wkt, "--type",
                          "pv", "--json", "--lang", "en").output)
    assert data["nearest_m"] and "caution" in data["nearest_note"]


def test_a_location_far_outside_gets_no_none_within_lines():
    """Review 22 C6: a point 1,635 km from the demo (Beijing) could not be judged, yet every layer
    read "none within 2,000 m" (as if checked and clear); nothing was measured there."""
    r = run("check", "--coords", "wgs84", "--demo", "--point", "116.4,39.9", "--type", "wind")
    assert r.exit_code == 0, r.output
    assert "无法判定" in r.output and "未测距：项目无法判定" in r.output
    assert "2,000 m 内无" not in r.output
    data = json.loads(run("check", "--coords", "wgs84", "--demo", "--point", "116.4,39.9", "--type", "wind", "--json",
                          "--lang", "en").output)
    assert data["verdict"] == "error" and data["nearest_m"] == {}
    assert "not measured" in data["nearest_note"]


AMAP = "106.902049,27.264157"
"""Review 26 F5: the WGS84 point 106.898289,27.267725 in a demo red line as AMap shows it."""


@pytest.mark.parametrize("location", [("--point", AMAP),
                                      ("--wkt", "POINT(106.902049 27.264157)")])
def test_bare_degrees_without_coords_are_refused_as_screen_refuses_them(location):
    """Review 26 F5: ``check`` read bare degrees as WGS84 without saying so, and the AMap
    (GCJ-02) point in a red line came out admitted; like ``screen``, it now refuses them until
    ``--coords`` names their system (Chinese first under zh, English under en), the demo too."""
    for where in (("--catalog", DEMO_CATALOG), ("--demo",)):
        zh = run("check", *location, "--type", "pv", *where)
        assert zh.exit_code == 2, zh.output
        said = " ".join(zh.output.split())
        assert (f"Error: {location[0]}：坐标未说明坐标系，请指定：--coords wgs84|gcj02|bd09|cgcs2000"
                "（GPS 为 WGS84，高德/腾讯为 GCJ-02，百度为 BD-09，测绘成果为 CGCS2000） / "
                f"{location[0]}: coordinates are bare degrees") in said
        assert "结论" not in zh.output and "Traceback" not in zh.output
    en = run("check", *location, "--type", "pv", "--catalog", DEMO_CATALOG, "--lang", "en")
    assert en.exit_code == 2, en.output
    said = " ".join(en.output.split())
    assert (f"Error: {location[0]}: coordinates are bare degrees and nothing says in which "
            "system; give it: --coords wgs84|gcj02|bd09|cgcs2000 (WGS84 from GPS, GCJ-02 from "
            "AMap/Tencent, BD-09 from Baidu, CGCS2000 from surveys) / ") in said


def test_the_amap_point_with_coords_gcj02_is_prohibited_and_says_so():
    """Review 26 F5: with ``--coords gcj02`` the point is shifted back into the red line, and
    the output names the system it was read in and the WGS84 point it became."""
    zh = run("check", "--point", AMAP, "--coords", "gcj02", "--type", "pv", "--catalog",
             DEMO_CATALOG)
    assert zh.exit_code == 0, zh.output
    assert "坐标: GCJ-02（--coords gcj02），已换算为 WGS84 106.898289,27.267726\n" in zh.output
    assert "结论: 不予准入" in zh.output and "[不予准入] red_line" in zh.output
    en = run("check", "--point", AMAP, "--coords", "gcj02", "--type", "pv", "--catalog",
             DEMO_CATALOG, "--lang", "en")
    assert ("Coordinates: GCJ-02 (--coords gcj02), converted to WGS84 106.898289,27.267726\n"
            in en.output)
    data = json.loads(run("check", "--point", AMAP, "--coords", "gcj02", "--type", "pv",
                          "--catalog", DEMO_CATALOG, "--json").output)
    assert data["verdict"] == "prohibited"
    assert data["coords"] == {"system": "gcj02", "from": "--coords", "converted_to": "wgs84"}
    wgs = run("check", "--point", "106.898289,27.267725", "--coords", "wgs84", "--type", "pv",
              "--demo")
    assert "坐标: WGS84（--coords wgs84）\n结论: 不予准入" in wgs.output


def test_geojson_is_read_as_wgs84_and_says_so(tmp_path):
    """A GeoJSON names its system (WGS84, RFC 7946), as ``screen`` reads its files: no
    ``--coords`` needed, and the output says where the system came from."""
    inline = json.dumps({"type": "Point", "coordinates": [106.898289, 27.267725]})
    data = json.loads(run("check", "--geojson", inline, "--type", "pv", "--demo",
                          "--json").output)
    assert data["coords"] == {"system": "wgs84", "from": "geojson", "converted_to": None}
    assert data["verdict"] == "prohibited"
    f = tmp_path / "p.geojson"
    f.write_text(inline, encoding="utf-8")
    res = run("check", "--geojson", f, "--type", "pv", "--demo", "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "Coordinates: WGS84 (as the file states)\n" in res.output
    res = run("check", "--geojson", f, "--coords", "gcj02", "--type", "pv", "--demo")
    assert "坐标: GCJ-02（--coords gcj02），已换算为 WGS84" in res.output
