"""Wind on cultivated and forest land, and near roads: ``siting check``/``screen`` give review
(never a bare "Admitted"), and ``siting score`` flags the usable land that needs an approval.

Points are the review-22 points inside demo sites: M06 on a paddy field (水田), M12 on provincial
public-welfare arbor forest (乔木林 省级公益林).
"""

from __future__ import annotations

import json

from click.testing import CliRunner

from maps.cli import cli

PADDY = "107.16113330913313,27.2244445"  # inside M06, on 开阳县耕地0104 (水田)
ARBOR = "106.56939628866576,26.752036"  # inside M12, on LD0323 (乔木林, 省级公益林)


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def check(point, kind="wind"):
    res = run("check", "--point", point, "--type", kind, "--demo", "--json")
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_wind_on_paddy_is_review_with_farmland_conversion_first():
    data = check(PADDY)
    assert data["verdict"] == "review"
    first = data["reasons"][0]
    assert first["rule_id"] == "wind_cultivated_land" and first["outcome"] == "review"
    assert "第四十四条" in first["source"] and "第三十条" in first["source"]
    res = run("check", "--point", PADDY, "--type", "wind", "--demo", "--lang", "en")
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
