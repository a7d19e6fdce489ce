"""A bow-tie outline in a vertex table (two rows of 序号 swapped) is reported in the reader's
language: the repaired-outline finding and the report's working CRS under ``zh`` carry no
English words, under ``en`` no Chinese but the user's own column name; and ``score`` says what
became of the repaired site (review F4, F8).

Each test runs the real command on a small generated spreadsheet in the demo region."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from layers import demo
from maps.cli import cli

# one polygon, 序号 2 and 3 swapped: a bow-tie on red line and forest land (review26 v_bad.xlsx)
BOW = [(106.370367, 26.954241), (106.365463, 26.947844), (106.365334, 26.954158),
       (106.370496, 26.947926)]
_CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("bow") / "bow.xlsx"
    pd.DataFrame([{"项目编号": "BOW", "序号": k + 1, "经度": x, "纬度": y, "type": "pv"}
                  for k, (x, y) in enumerate(BOW)]).to_excel(path, index=False)
    return path


def _screen(table, out, *extra):
    r = CliRunner().invoke(cli, ["screen", str(table), "--coords", "wgs84", "--catalog",
                                 str(demo.DEMO_CATALOG), "--out", str(out), *extra])
    assert r.exit_code == 0, r.output
    hits = pd.read_csv(out / "screening_hits.csv", encoding="utf-8-sig", keep_default_na=False)
    hit = hits[hits["rule_id"] == "repaired_outline"]
    assert len(hit) == 1
    s = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False)
    reason = next(p for p in s.loc[0, "reasons"].split("; [") if "repaired_outline" in p)
    return (hit.iloc[0]["message"], reason, (out / "report.html").read_text(encoding="utf-8"),
            gpd.read_file(out / "screening.geojson").loc[0, "repaired"])


def test_zh_repaired_outline_is_wholly_chinese(table, tmp_path):
    """F4: under zh (the default) the finding's title and message carry no English fragments."""
    message, title, html, repaired = _screen(table, tmp_path / "zh")
    assert repaired.startswith("自相交，位于 106.367915, 26.951042")  # the tables' note, zh first
    for text in (message, title):
        for word in ("self-intersection", "edge", "crosses", "check the order", " at "):
            assert word not in text, text
    assert "自相交，位于 106.367915, 26.951042" in title
    assert "序号 1→2 的边与序号 3→4 的边相交" in message
    assert "请核对 BOW 的界址点顺序（序号）" in message
    assert "self-intersection" not in html and "transverse Mercator" not in html
    assert "CGCS2000 / 横轴墨卡托 中央经线 106.70°E（工作坐标系）" in html


def test_en_repaired_outline_is_wholly_english(table, tmp_path):
    """F4: under en the finding is English; its only Chinese is the user's column name 序号."""
    message, title, html, repaired = _screen(table, tmp_path / "en", "--lang", "en")
    assert repaired.startswith("self-intersection at 106.367915 26.951042")
    assert "self-intersection at 106.367915 26.951042" in title
    assert "edge 序号 1→2 crosses edge 序号 3→4" in message
    assert "check the order of the vertex rows (序号) of BOW" in message
    for text in (message, title):
        assert not _CJK.search(text.replace("序号", "")), text
    assert "CGCS2000 / transverse Mercator CM 106.70E (working CRS)" in html


def test_score_note_names_the_status_that_holds(table, tmp_path):
    """F8: the bow-tie lies on a red line, so it stays excluded; the note says so, not that it
    was sent to review (the status logic is unchanged)."""
    out = tmp_path / "s"
    r = CliRunner().invoke(cli, ["score", "--catalog", str(demo.DEMO_CATALOG), "--tech", "pv",
                                 "--candidates", str(table), "--coords", "wgs84", "--out",
                                 str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    sites = pd.read_csv(out / "sites.csv").set_index("site_id")
    assert sites.loc["user:BOW", "status"] == "excluded"
    note = next(ln for ln in r.output.splitlines() if "crosses itself" in ln)
    assert "user:BOW: status excluded, a stricter finding holds" in note
    assert "sent to review" not in note
    assert "user:BOW 状态为“已排除”，更严格的结论优先" in note
    reason = sites.loc["user:BOW", "reason"]
    assert "outline repaired: self-intersection at" in reason
    assert "边界已自动修复（自相交，位于" in reason
    assert "self-intersection" not in reason.split(" / 边界已自动修复", 1)[1]
