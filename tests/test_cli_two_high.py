"""两高 by industry and the Chinese industry words (review 23 F4, F6).

A steel or chemical project is 两高 under 环环评〔2021〕45号 whatever its applicant declares: a
declared "否" must not switch off the 两高 rules (a known lack of pollutant offsets stays
``prohibited``), and the contradiction is named. A blank 两高 with a blank industry is unknown in
every output, never "否". Every industry word the tool prints reads back; the zh refusal names
the Chinese words.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from layers.demo import DEMO_CATALOG, DEMO_PROJECTS
from maps.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def park():
    """P07's footprint: a chemical project in a compliant chemical park (demo verdict review)."""
    return gpd.read_file(DEMO_PROJECTS).set_index("project_id").loc["P07"].geometry


def test_check_declared_no_does_not_switch_off_two_high(park):
    args = ["check", "--coords", "wgs84", "--demo", "--wkt", park.wkt, "--type", "industrial", "--industry",
            "chemical", "--attr", "pollutant_offset=no"]
    yes = json.loads(run(*args, "--attr", "two_high=yes", "--json").output)
    no = json.loads(run(*args, "--attr", "two_high=no", "--json").output)
    assert yes["verdict"] == no["verdict"] == "prohibited"  # was review: offsets not applied
    text = run(*args, "--attr", "two_high=no", "--lang", "en").output
    assert "[Prohibited] pollutant_offset" in text
    assert "declared 两高 = no, but chemicals is 两高 under 环环评〔2021〕45号: treated as 两高" in text
    zh = run(*args, "--attr", "two_high=no").output
    assert "申报两高 = 否，但化工属于环环评〔2021〕45号所列两高行业" in zh


def test_check_blank_two_high_and_industry_is_unknown_not_no(park):
    res = run("check", "--coords", "wgs84", "--demo", "--wkt", park.wkt, "--type", "industrial", "--attr",
              "pollutant_offset=no", "--lang", "en")
    assert res.exit_code == 0, res.output
    assert "Verdict: Review required" in res.output
    assert "two_high of project P0001 is blank and so is its industry" in res.output


def test_screen_two_high_outputs_and_chinese_industries(park, tmp_path):
    rows = [("S1", "钢铁", "否", "否"), ("S2", "", "", ""), ("S3", "食品加工", "", "是"),
            ("S4", "纺织", "", ""), ("S5", "炼铁厂", "", ""), ("S6", "医药", "否", "")]
    frame = gpd.GeoDataFrame(
        [{"项目编号": pid, "项目类型": "工业", "行业": ind, "两高": th, "区域削减替代": off}
         for pid, ind, th, off in rows],
        geometry=[shapely.affinity.translate(park, 0, 0)] * len(rows), crs=4326)
    src = tmp_path / "batch.geojson"
    frame.to_file(src, driver="GeoJSON")
    res = run("screen", src, "--catalog", DEMO_CATALOG, "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "o" / "screening.csv", encoding="utf-8-sig",
                      keep_default_na=False).set_index("project_id")
    assert out.loc["S1", "verdict"] == "prohibited"
    assert "[prohibited] pollutant_offset" in out.loc["S1", "reasons"]
    assert "two_high_declared_no" in out.loc["S1", "reasons"]
    assert out.loc["S2", "verdict"] == "review"
    assert "[review] pollutant_offset: 无法判定（事实未知）" in out.loc["S2", "reasons"]
    assert out.loc["S3", "industry"] == "food_processing" and out.loc["S3", "verdict"] == "review"
    assert out.loc["S4", "industry"] == "textile" and out.loc["S6", "industry"] == "pharmaceutical"
    assert out.loc["S5", "verdict"] == "error"
    assert "steel 钢铁" in out.loc["S5", "reasons"] and "food_processing 食品加工" in out.loc[
        "S5", "reasons"]
    props = {f["properties"]["project_id"]: f["properties"] for f in json.loads(
        (tmp_path / "o" / "screening.geojson").read_text(encoding="utf-8"))["features"]}
    # written like the other three-valued flags (pollutant_offset ...): "True"/"False"/null
    assert props["S2"]["two_high"] is None and str(props["S1"]["two_high"]) == "True"
    assert str(props["S1"]["two_high_declared"]) == "False"
    assert str(props["S3"]["two_high"]) == "False"
    sheet = pd.read_excel(tmp_path / "o" / "screening.xlsx", sheet_name=None)
    table = next(t for t in sheet.values() if "S2" in t.astype(str).to_numpy())
    col = next(c for c in table.columns if str(c).startswith("两高项目"))
    row = table[table.astype(str).eq("S2").any(axis=1)].iloc[0]
    assert pd.isna(row[col]) or str(row[col]).strip() == ""
    row1 = table[table.astype(str).eq("S1").any(axis=1)].iloc[0]
    assert row1[col] == "是"
