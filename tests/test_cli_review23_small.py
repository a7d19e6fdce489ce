"""Review 23 F9 and F13: what ``siting check`` and ``siting screen`` say on a few small points.

F9: a project wholly outside the coverage lists no nearest features, yet a rule measured a
distance: the note must not say "not measured". F13: error rows keep their district; a bad
``--attr`` value is blamed on ``--attr`` (with a Chinese half in Chinese); ``--lang en`` prints
the coverage rule's source in English; a shapefile whose Chinese field names were cut inside a
character is refused with that reason.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from layers.demo import DEMO_CATALOG
from maps.cli import cli

M01 = ("POLYGON ((106.4342657 27.0047872, 106.4342457 27.0062307, 106.4326342 27.0062128, "
       "106.4326543 27.0047693, 106.4342657 27.0047872))")
"""A tailings pond 51 m from the 乌江 (demo river HL01), wholly outside the demo's coverage."""
I05 = ("POLYGON ((106.6690159 26.7880992, 106.6689948 26.7899037, 106.6669841 26.7898848, "
       "106.6670052 26.7880803, 106.6690159 26.7880992))")
"""A 4 ha footprint in the demo's industrial park YQ04, 修文县 (admin code 520123)."""


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_wholly_outside_note_does_not_deny_the_distances_the_rules_measured():
    """F9: the reason quotes "河流 HL01 乌江: 距离 51 m"; the nearest list said "未测距"."""
    args = ("check", "--coords", "wgs84", "--demo", "--wkt", M01, "--type", "mining", "--industry", "tailings_pond")
    zh = run(*args)
    assert zh.exit_code == 0, zh.output
    assert "HL01 乌江: 距离 51 m" in zh.output
    assert "未测距" not in zh.output
    assert "仅测量了规则所需的距离（见上文理由）" in zh.output
    en = run(*args, "--lang", "en")
    assert "HL01 乌江: at 51 m" in en.output and "not measured" not in en.output
    assert "only the distances the rules need were measured (see the reasons above)" in en.output


def test_coverage_source_is_english_under_en_and_chinese_under_zh():
    """F13c: under --lang en the coverage rule's source began 失效即审查 (Chinese first)."""
    args = ("check", "--coords", "wgs84", "--demo", "--wkt", M01, "--type", "mining", "--industry", "tailings_pond")
    en = run(*args, "--lang", "en")
    assert "      fail closed: the catalog's layers say nothing there · confidence V" in en.output
    assert "失效即审查" not in en.output
    zh = run(*args)
    assert "      失效即审查：图层目录未覆盖的部分未经任何图层核查 · 可信度 V" in zh.output
    assert "fail closed" not in zh.output
    data = json.loads(run("check", "--coords", "wgs84", "--demo", "--point", "106.6,26.6", "--type", "industrial",
                          "--json", "--lang", "en").output)
    source = {r["rule_id"]: r["source"] for r in data["reasons"]}
    assert source["industry_unknown"].startswith("fail closed: the industry decides")


@pytest.mark.parametrize("location", [("--wkt", I05), ("--geojson", "file")])
def test_a_bad_attr_value_names_attr_with_a_chinese_half(location, tmp_path):
    """F13b: ``--attr two_high=是的`` was blamed on --wkt; ``replacement_ratio=1,5`` had an
    English Chinese half; with --geojson FILE it was not read at all (an internal error)."""
    option, where = location
    if where == "file":
        where = tmp_path / "one.geojson"
        gpd.GeoDataFrame({"project_id": ["S1"], "type": ["industrial"], "industry": ["steel"]},
                         geometry=[shapely.from_wkt(I05)], crs=4326).to_file(where)
    base = ("check", "--demo", option, where, "--type", "industrial", "--industry", "steel")
    res = run(*base, "--attr", "two_high=是的")
    assert res.exit_code == 2, res.output
    # the halves in the command's language order (zh first by default), the option named
    assert "Invalid value for --attr: “two_high”列：'是的'" in res.output
    assert "two_high: '是的' is not a yes/no value" in res.output
    assert "--wkt" not in res.output and "Traceback" not in res.output
    res = run(*base, "--attr", "replacement_ratio=1,5")
    assert res.exit_code == 2, res.output
    assert "Invalid value for --attr: “replacement_ratio”列：'1,5'" in res.output
    assert "replacement_ratio: '1,5' has a comma" in res.output
    assert ("“replacement_ratio”列：'1,5' 中的逗号不是千位分隔符（千位分隔如 1,500）；小数请用小数点："
            "1.5") in res.output
    assert res.output.count("has a comma") == 1
    res = run("check", "--demo", option, where, "--type", "pvv")
    assert res.exit_code == 2 and "Invalid value for --type: " in res.output
    assert "unknown project type 'pvv'" in res.output


def test_attr_values_are_read_for_a_project_file(tmp_path):
    """F13b (found on the way): with --geojson FILE, ``--attr pollutant_offset=否`` stayed the
    text '否' and the 两高 steel project's missing offsets went unseen (review, not prohibited)."""
    f = tmp_path / "one.geojson"
    gpd.GeoDataFrame({"project_id": ["S1"], "type": ["industrial"], "industry": ["steel"]},
                     geometry=[shapely.from_wkt(I05)], crs=4326).to_file(f)
    by_file = json.loads(run("check", "--demo", "--geojson", f, "--attr", "pollutant_offset=否",
                             "--json").output)
    by_wkt = json.loads(run("check", "--coords", "wgs84", "--demo", "--wkt", I05, "--type", "industrial",
                            "--industry", "steel", "--attr", "pollutant_offset=否",
                            "--json").output)
    assert by_file["verdict"] == by_wkt["verdict"] == "prohibited"
    assert "pollutant_offset" in {r["rule_id"] for r in by_file["reasons"]}
    res = run("check", "--demo", "--geojson", f, "--attr", "verdict=x", "--attr", "note=y")
    assert res.exit_code == 0 and "Traceback" not in res.output, res.output  # was internal error


def test_error_rows_with_a_footprint_keep_their_district(tmp_path):
    """F13a: an error row whose geometry was read (I05, 修文县) had a blank district in the
    report's summary, "unknown (no admin boundary here)" on its page, no admin code and size 0
    in the tables; a project far outside keeps an unknown district."""
    f = tmp_path / "p.geojson"
    gpd.GeoDataFrame({"project_id": ["OK", "BAD", "FAR"], "type": ["industrial", "spaceship",
                                                                   "industrial"],
                      "industry": ["food_processing"] * 3},
                     geometry=[shapely.from_wkt(I05), shapely.from_wkt(I05),
                               shapely.Point(116.4, 39.9)], crs=4326).to_file(f)
    for lang in ("zh", "en"):
        out = tmp_path / lang
        res = run("screen", f, "--catalog", DEMO_CATALOG, "--out", out, "--lang", lang)
        assert res.exit_code == 0, res.output
        g = gpd.read_file(out / "screening.geojson").set_index("project_id")
        assert list(g["verdict"]) == ["review", "error", "error"], g["verdict"]
        assert g.loc["BAD", "admin_code"] == g.loc["OK", "admin_code"] == "520123"
        assert g.loc["BAD", "province"] == "52"
        assert g.loc["BAD", "size"] == pytest.approx(g.loc["OK", "size"]) and g.loc[
            "BAD", "size"] > 39_000
        assert not g.loc["FAR", "admin_code"]
        x = pd.read_excel(out / "screening.xlsx", sheet_name=0, dtype=str)
        code = [c for c in x.columns if c in ("县级行政区代码", "admin_code")
                or c.startswith("admin_code")][0]
        assert list(x[code].fillna("")) == ["520123", "520123", ""]
        csv = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", dtype=str)
        if "admin_code" in csv:
            assert list(csv["admin_code"].fillna("")) == ["520123", "520123", ""]
        html = (out / "report.html").read_text(encoding="utf-8")
        name = "修文县 (520123)"   # the admin layer's name, in both languages
        rows = [r.split("</tr>")[0] for r in html.split('">BAD</a></td>')[1:]]
        assert any("<td>修文县</td>" in r for r in rows), rows   # the summary's district
        page = html.split('id="project-BAD"')[1].split('id="project-FAR"')[0]
        assert name in page and ("未知（不在行政区划图层内）" not in page)
        far = html.split('id="project-FAR"')[1]
        assert ("未知（不在行政区划图层内）" if lang == "zh" else "unknown (no admin boundary here)") \
            in far


def test_a_shapefile_with_field_names_cut_inside_a_character_says_so(tmp_path):
    """F13d: GDAL cuts a UTF-8 shapefile's field name at 10 bytes, inside 项目编号's 号; the
    reader said "cannot read ('utf-8' codec can't decode byte 0xe5 …); check that the file is
    complete"."""
    shp = tmp_path / "cut.shp"
    gpd.GeoDataFrame({"PIDXXXXXXX": ["A1"], "TYPEXXXXXX": ["pv"]},
                     geometry=[shapely.from_wkt(I05)], crs=4326).to_file(shp, encoding="utf-8")
    dbf = shp.with_suffix(".dbf")   # the names as GDAL writes 项目编号, 项目类型: 10 bytes each
    dbf.write_bytes(dbf.read_bytes().replace(b"PIDXXXXXXX", "项目编号".encode()[:10]).replace(
        b"TYPEXXXXXX", "项目类型".encode()[:10]))
    for args in (("screen", shp, "--catalog", DEMO_CATALOG, "--out", tmp_path / "o"),
                 ("check", "--demo", "--geojson", shp)):
        res = run(*args)
        assert res.exit_code == 2, res.output
        assert "field name(s) 项目编…, 项目类… in the .dbf are cut inside a character" in res.output
        assert "a shapefile field name holds at most 10 bytes and a Chinese character takes 3" \
            in res.output
        assert "save the projects as GeoPackage (.gpkg) or GeoJSON" in res.output
        assert ".dbf 中的字段名 项目编…, 项目类… 在汉字中间被截断" in res.output
        assert "codec can't decode" not in res.output and "complete" not in res.output
