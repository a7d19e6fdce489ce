"""Wind on cultivated and forest land, and near roads: ``siting check``/``screen`` give review
(never a bare "Admitted"), and ``siting score`` flags the usable land that needs an approval.

Points are the review-22 points inside demo sites: M06 on a paddy field (水田), M12 on provincial
public-welfare arbor forest (乔木林 省级公益林).
"""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from maps.cli import cli

PADDY = "107.16113330913313,27.2244445"  # inside M06, on 开阳县耕地0104 (水田)
ARBOR = "106.56939628866576,26.752036"  # inside M12, on LD0323 (乔木林, 省级公益林)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def check(point, kind="wind"):
    res = run("check", "--coords", "wgs84", "--point", point, "--type", kind, "--demo", "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_wind_on_paddy_is_review_with_farmland_conversion_first():
    data = check(PADDY)
    assert data["verdict"] == "review"
    first = data["reasons"][0]
    assert first["rule_id"] == "wind_cultivated_land" and first["outcome"] == "review"
    assert "第四十四条" in first["source"] and "第三十条" in first["source"]
    res = run("check", "--coords", "wgs84", "--point", PADDY, "--type", "wind", "--demo", "--lang", "en")
    assert "Verdict: Review required" in res.output
    assert "paddy" in res.output  # the land class is named


def test_wind_on_arbor_forest_is_review_under_forest_law():
    data = check(ARBOR)
    assert data["verdict"] == "review"
    ids = [r["rule_id"] for r in data["reasons"] if r["outcome"] == "review"]
    assert "wind_forest_land" in ids
    rule = next(r for r in data["reasons"] if r["rule_id"] == "wind_forest_land")
    assert "《森林法》第三十七条" in rule["source"] and "审核同意" in rule["source"]


def test_screen_agrees_on_both_points(tmp_path):
    (tmp_path / "pts.csv").write_text(
        "project_id,type,lon,lat\n"
        f"W1,wind,{ARBOR}\nW2,wind,{PADDY}\n", encoding="utf-8")
    from layers.demo import DEMO_CATALOG

    res = run("screen", tmp_path / "pts.csv", "--catalog", DEMO_CATALOG, "--coords", "wgs84",
              "--out", tmp_path / "out", "--lang", "en")
    assert res.exit_code == 0, res.output
    import pandas as pd

    table = pd.read_csv(tmp_path / "out" / "screening.csv", encoding="utf-8-sig")
    verdicts = dict(zip(table["project_id"], table["verdict"]))
    assert verdicts == {"W1": "review", "W2": "review"}


def _sites(tmp_path_factory, tech):
    import pandas as pd

    out = tmp_path_factory.mktemp(f"score_{tech}")
    res = run("score", "--demo", "--tech", tech, "--out", out, "--lang", "en")
    assert res.exit_code == 0, res.output
    return pd.read_csv(out / "sites.csv", encoding="utf-8-sig").set_index("site_id"), res.output


@pytest.fixture(scope="module")
def wind_sites(tmp_path_factory):
    return _sites(tmp_path_factory, "wind")


@pytest.fixture(scope="module")
def pv_sites(tmp_path_factory):
    return _sites(tmp_path_factory, "pv")


@pytest.mark.parametrize("sid, words", [
    ("abandoned_mines:M12", ["11.24 ha of the usable land is forest land (arbor, provincial "
                             "public-welfare forest)", "可用地中 11.24 ha 为林地（乔木林，省级公益林）",
                             "《森林法》第三十七条", "审核同意"]),
    ("abandoned_mines:M11", ["2.18 ha of the usable land is forest land (bamboo)"]),
    ("slag_heaps:S07", ["3.74 ha of the usable land is forest land (shrub, national "
                        "public-welfare forest)"]),
    ("subsidence_areas:D04", ["15.00 ha of the usable land is cultivated land (dry land)",
                              "农用地转用", "占补平衡", "《土地管理法》第四十四条、第三十条"]),
    ("abandoned_mines:M06", ["cultivated land (dry land; paddy field)", "水田"]),
    ("subsidence_areas:D06", ["10.49 ha of the usable land is cultivated land (dry land)",
                              "5.25 ha of the usable land is forest land (shrub)"]),
])
def test_wind_score_flags_forest_and_cultivated_land_but_keeps_the_rank(wind_sites, sid, words):
    sites, output = wind_sites
    row = sites.loc[sid]
    assert row["status"] == "usable" and row["rank"] > 0  # an approval is not a bar
    for w in words:
        assert w in row["notes"], (w, row["notes"])
    assert re.search(r"\d+ still ranked \([^)]*\), but", output)  # the terminal warns too


@pytest.mark.parametrize("sid, ha", [("slag_heaps:S07", "3.74"), ("abandoned_mines:M02", "10.00"),
                                     ("abandoned_mines:M05", "15.99"),
                                     ("abandoned_mines:M14", "6.30"),
                                     ("subsidence_areas:D06", "5.25"), ("slag_heaps:S09", "4.00")])
def test_pv_score_flags_shrub_land_with_the_forest_pv_conditions(pv_sites, sid, ha):
    sites, _ = pv_sites
    row = sites.loc[sid]
    assert row["status"] == "usable" and row["rank"] > 0
    notes = row["notes"]
    assert f"{ha} ha of the usable land is forest land (shrub" in notes
    for w in ("林光互补", "below 50 %", "no felling or shrub clearing", "不得采伐林木、割灌",
              "《森林法》第三十七条"):
        assert w in notes, (w, notes)


ROADSIDE = "106.78743353602691,26.941806"  # inside M11, in the part score excludes (road +301.5 m)


def test_wind_within_the_road_setback_is_review_and_roads_are_listed():
    data = check(ROADSIDE)
    assert data["verdict"] == "review"
    rule = next(r for r in data["reasons"] if r["rule_id"] == "wind_road_setback")
    assert rule["outcome"] == "review" and rule["confidence"] == "?"
    assert rule["evidence"][0]["kind"] == "road" and rule["evidence"][0]["distance_m"] < 301.5
    assert 0 < data["nearest_m"]["road"] < 301.5
    res = run("check", "--coords", "wgs84", "--point", ROADSIDE, "--type", "wind", "--demo", "--lang", "en")
    assert "Road " in res.output and "wind_road_setback" in res.output
    assert all(r["rule_id"] != "wind_road_setback" for r in check(ROADSIDE, "pv")["reasons"])
