"""What a reader of ``siting screen`` outputs sees in rows and lines (review 23 F8, data quality).

F8: under ``--lang zh`` (the default) an error row's bilingual message read English first in
screening.csv/xlsx, the report's summary table, its project page; the report's "须核实" lines
named a column by its code (``capacity_replacement``) and an allowed activity by its code
(``low_impact_tourism``). The message is cut into its halves where both halves are whole: a
quoted value or a parenthesis holding " / " is not the cut. The data-quality table said "未发现问题"
of a project file whose rows could not be judged.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from layers.demo import DEMO_CATALOG, DEMO_PROJECTS
from layers.errors import halves, in_lang
from maps.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """One batch screened under zh and under en: three error rows (an unknown industry, one
    holding " / ", no project type), a steel project without its capacity replacement, a
    tourism project in the red line claiming 适度参观旅游 (the tool's own word for it)."""
    demo = gpd.read_file(DEMO_PROJECTS).set_index("project_id")
    park, p30 = demo.loc["P07"].geometry, demo.loc["P30"].geometry
    rows = [("E1", "工业", "卖萌", "", park), ("E2", "", "", "", park),
            ("E3", "工业", "a / 卖萌", "", park), ("I1", "工业", "钢铁", "", park),
            ("T1", "旅游", "", "适度参观旅游", p30)]
    frame = gpd.GeoDataFrame(
        [{"项目编号": p, "项目类型": t, "行业": i, "有限人为活动": a} for p, t, i, a, _ in rows],
        geometry=[g for *_, g in rows], crs=4326)
    folder = tmp_path_factory.mktemp("zhrows")
    src = folder / "batch.geojson"
    frame.to_file(src, driver="GeoJSON")
    out = {}
    for lang in ("zh", "en"):
        res = run("screen", src, "--catalog", DEMO_CATALOG, "--out", folder / lang, "--lang", lang)
        assert res.exit_code == 0, res.output
        csv = pd.read_csv(folder / lang / "screening.csv", encoding="utf-8-sig",
                          keep_default_na=False).set_index("project_id")
        xlsx = pd.read_excel(folder / lang / "screening.xlsx", engine="openpyxl").set_index(
            "项目编号" if lang == "zh" else "project_id")
        html = (folder / lang / "report.html").read_text(encoding="utf-8")
        out[lang] = csv, xlsx, html
    return out


def _quality_row(html: str, name: str) -> str:
    """The text of the data-quality table's row of ``name``."""
    row = re.search(rf"<tr><td>[^<]*{re.escape(name)}</td><td>(.*?)</td></tr>", html, re.S)
    assert row, name
    return re.sub(r"<[^>]+>", " ", row[1])


def test_halves_cut_where_both_halves_are_whole():
    """A " / " inside a quoted value or a parenthesis is not the cut (it was the last one)."""
    value = "unknown project industry 'a / 卖萌'; expected steel / “行业”的值 'a / 卖萌' 未知"
    assert halves(value) == ("unknown project industry 'a / 卖萌'; expected steel",
                             "“行业”的值 'a / 卖萌' 未知")
    hint = ("no project type (give a 'type' / 项目类型 column, or --type) / "
            "没有项目类型（请提供 type / 项目类型 列）")
    assert in_lang(hint, "zh") == ("没有项目类型（请提供 type / 项目类型 列） / "
                                   "no project type (give a 'type' / 项目类型 column, or --type)")
    assert halves("the catalog's layer / 图层") == ("the catalog's layer", "图层")
    assert halves("plain / text") == ("plain / text", "")


def test_error_rows_read_chinese_first_under_zh(outputs):
    csv, xlsx, html = outputs["zh"]
    assert csv.loc["E1", "reasons"].startswith("“行业”的值 '卖萌' 未知；应为以下之一")
    assert " / unknown project industry '卖萌'; expected one of: steel" in csv.loc["E1", "reasons"]
    assert csv.loc["E2", "reasons"].startswith("没有项目类型；应为以下之一")
    assert csv.loc["E3", "reasons"].startswith("“行业”的值 'a / 卖萌' 未知")
    assert " / unknown project industry 'a / 卖萌'" in csv.loc["E3", "reasons"]
    for pid in ("E1", "E2", "E3"):
        assert xlsx.loc[pid, "主要原因"] == xlsx.loc[pid, "无法判定的原因"] == csv.loc[pid, "reasons"]
    assert "<td>没有项目类型；应为以下之一" in html  # the summary's table of projects
    assert '<p class="error">无法判定：没有项目类型；' in html  # the project's page
    assert "<td>unknown project industry" not in html and "<td>no project type" not in html
    en = outputs["en"][0]
    assert en.loc["E2", "reasons"].startswith("no project type; expected one of")
    assert en.loc["E1", "reasons"].startswith("unknown project industry '卖萌'")


def test_the_data_quality_row_of_the_project_file_counts_its_error_rows(outputs):
    zh = _quality_row(outputs["zh"][2], "项目文件 batch.geojson")
    assert "3 行无法判定（见项目表）" in zh and "未发现问题" not in zh
    en = _quality_row(outputs["en"][2], "Project file batch.geojson")
    assert "3 rows could not be judged (see the projects table)" in en
    assert "no problems found" not in en


def test_to_verify_lines_name_columns_and_activities_in_words(outputs):
    html = outputs["zh"][2]
    assert "项目 I1 的“产能置换已落实”未填写（未知）：请填写（是/否）" in html
    assert "capacity_replacement 未填写" not in html
    assert "(申报有限人为活动“适度参观旅游”)" in html
    assert "low_impact_tourism" not in html
    assert outputs["zh"][0].loc["T1", "verdict"] == "review"  # the word read back
    en = outputs["en"][2]
    assert "capacity_replacement of project I1 is blank (unknown): state it (yes/no)" in en
    assert "(claimed allowed activity low-impact tourism)" in en


def test_the_terminal_summary_speaks_the_commands_language(tmp_path):
    """F8: under zh the last lines read ``batch.xlsx: 39 projects: 不予准入 11 …``, ``report:``."""
    zh = run("screen", DEMO_PROJECTS, "--catalog", DEMO_CATALOG, "--out", tmp_path / "zh")
    assert zh.exit_code == 0, zh.output
    assert re.search(r"^projects\.geojson：\d+ 个项目：不予准入 \d+，需论证 \d+，", zh.output, re.M)
    assert f"报告：{tmp_path / 'zh' / 'report.html'}" in zh.output
    assert f"地图：{tmp_path / 'zh' / 'map.html'}" in zh.output
    assert " projects: " not in zh.output and "report:" not in zh.output
    en = run("screen", DEMO_PROJECTS, "--catalog", DEMO_CATALOG, "--out", tmp_path / "en",
             "--lang", "en")
    assert re.search(r"^projects\.geojson: \d+ projects: Prohibited \d+, ", en.output, re.M)
    assert f"map:    {tmp_path / 'en' / 'map.html'}" in en.output


def test_a_reader_problem_in_the_data_quality_table_reads_in_the_reports_language():
    """F8: the data-quality table listed ``[error] feature R01: column '序号' repeats …``."""
    from layers.errors import bi
    from layers.hygiene import Problem
    from maps.report_meta import problem_text

    p = Problem("R01", "bad_value", bi("column '序号' repeats", "“序号”列重复"), "error")
    assert problem_text(p, "zh") == "错误：要素 R01：“序号”列重复 / feature R01: column '序号' repeats"
    assert problem_text(p, "en") == "error: feature R01: column '序号' repeats / “序号”列重复"
