"""The workbooks speak the reviewer's language: under ``--lang zh`` headers, verdicts and site
statuses are in Chinese, and a ``columns`` sheet ties every header to its CSV column."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from click.testing import CliRunner

from geo.columns import describe_screening
from maps.cli import cli


def _run(*args):
    res = CliRunner().invoke(cli, [str(a) for a in args])
    assert res.exit_code == 0, res.output
    return res


def _legend(book) -> dict[tuple[str, str], str]:
    """{(sheet, header): CSV column} of the ``columns`` sheet."""
    cols = book["columns"]
    return {(s, h): c for s, h, c in zip(cols.iloc[:, 0], cols.iloc[:, 1], cols.iloc[:, 2])}


def test_screening_workbook_in_chinese(tmp_path):
    _run("screen", "--demo", "--out", tmp_path / "zh")  # zh is the default
    book = pd.read_excel(tmp_path / "zh" / "screening.xlsx", sheet_name=None)
    csv = pd.read_csv(tmp_path / "zh" / "screening.csv", encoding="utf-8-sig",
                      keep_default_na=False)
    sheet = book["screening"]
    assert list(sheet.columns[:6]) == ["项目编号", "项目名称", "项目类型", "行业", "结论", "主要原因"]
    words = {"prohibited": "不予准入", "review": "需论证", "admitted": "准入", "error": "无法判定"}
    assert list(sheet["结论"]) == [words[v] for v in csv["verdict"]]
    assert "光伏" in set(sheet["项目类型"]) and not sheet["项目类型"].dropna().str.isascii().any()
    legend = _legend(book)
    # every header of both data sheets is explained, and names the CSV column it shows
    shown = [legend[("screening", h)] for h in sheet.columns]  # the GeoJSON's properties
    assert shown[:len(csv.columns)] == list(csv.columns) and len(set(shown)) == len(shown)
    hits = pd.read_csv(tmp_path / "zh" / "screening_hits.csv", encoding="utf-8-sig", nrows=1)
    assert [legend[("hits", h)] for h in book["hits"].columns][:len(hits.columns)] == list(
        hits.columns)
    assert "距离 [m]" in book["hits"].columns and "规则结果" in book["hits"].columns
    assert set(book["hits"]["规则结果"].dropna()) <= set(words.values())
    nearest = [c for c in shown if c.startswith("nearest_")]
    assert nearest and all(describe_screening(c)[1].startswith("距最近") for c in nearest)
    # under en the workbook heads its columns as the CSV does
    _run("screen", "--demo", "--out", tmp_path / "en", "--lang", "en")
    en = pd.read_excel(tmp_path / "en" / "screening.xlsx", sheet_name=None)
    assert list(en["screening"].columns) == shown
    assert set(en["screening"]["verdict"]) <= set(words)


def test_sites_workbook_in_chinese(tmp_path):
    _run("score", "--demo", "--tech", "pv", "--out", tmp_path / "pv")
    book = pd.read_excel(tmp_path / "pv" / "sites.xlsx", sheet_name=None)
    csv = pd.read_csv(tmp_path / "pv" / "sites.csv", encoding="utf-8-sig",
                      keep_default_na=False)
    sheet = book["pv"]
    assert list(sheet.columns[:5]) == ["地块编号", "来源图层类型", "来源要素编号", "名称", "状态"]
    assert "可用面积 [ha]" in sheet.columns and "平准化度电成本（含并网） [CNY/MWh]" in sheet.columns
    words = {"usable": "可用", "review": "需人工核查", "excluded": "已排除", "too_small": "面积过小",
             "error": "出错"}
    assert list(sheet["状态"]) == [words[v] for v in csv["status"]]
    legend = _legend(book)
    assert [legend[("pv", h)] for h in sheet.columns] == list(csv.columns)
    assert len(set(sheet.columns)) == len(sheet.columns)
    assert np.allclose(sheet["可用面积 [ha]"], csv["usable_area_ha"], rtol=1e-9, atol=1e-9)


def test_sites_workbook_names_criteria_rules_and_values_in_chinese(tmp_path):
    """Review 21 F4: the score-breakdown and per-rule exclusion headers were half English
    (``得分构成：ghi [points]``, ``排除：forest_not_shrub [ha]``) and kinds and grid regions stayed
    codes; the CSV keeps the codes."""
    _run("score", "--demo", "--tech", "pv", "--out", tmp_path / "pv")
    book = pd.read_excel(tmp_path / "pv" / "sites.xlsx", sheet_name=None)
    csv = pd.read_csv(tmp_path / "pv" / "sites.csv", encoding="utf-8-sig")
    heads = list(book["pv"].columns)
    for head in ("得分构成：年水平面总辐射 [分]", "得分构成：平均坡度 [分]", "排除：生态保护红线 [ha]",
                 "排除：林地（乔木林/竹林/其他林地） [ha]", "排除：居民点（含 50 m 缓冲） [ha]"):
        assert head in heads, heads
    assert not [h for h in heads if h.startswith(("得分构成", "排除：")) and
                re.search(r"[A-Za-z_]{2,}", h.split("[")[0])], heads  # no code; "50 m" is fine
    legend = _legend(book)
    assert legend[("pv", "排除：林地（乔木林/竹林/其他林地） [ha]")] == "excluded_forest_not_shrub_ha"
    sheet = book["pv"]
    assert "废弃矿山" in set(sheet["来源图层类型"]) and "abandoned_mine" in set(csv["source_kind"])
    assert set(sheet["电网区域"]) == {"南方电网"} and set(csv["grid_region"]) == {"south"}
    en = pd.read_excel(tmp_path / "pv" / "sites.xlsx", sheet_name="columns")
    files = dict(zip(en.iloc[:, 2], en.iloc[:, 6]))
    assert files["score_ghi"] == "sites.csv, sites.geojson, sites.gpkg"


def test_screening_workbook_values_and_mnr_columns_in_chinese(tmp_path):
    """Review 21 F2 / F1 addendum: component, yes/no flags, the hits' row type and feature
    attributes in messages were codes under zh, the boundary-point file's columns unlabelled.
    Under en, and in every CSV, they stay codes."""
    _run("screen", "--demo", "--out", tmp_path / "zh")
    book = pd.read_excel(tmp_path / "zh" / "screening.xlsx", sheet_name=None)
    csv = pd.read_csv(tmp_path / "zh" / "screening_hits.csv", encoding="utf-8-sig")
    sheet = book["screening"]
    assert set(sheet["组成部分"].dropna()) == {"光伏方阵", "配套设施"}
    assert set(sheet["两高项目"].dropna()) == {"是", "否"}
    kinds = book["hits"]["记录类型（命中/接触/事实未知/未核查/覆盖范围/无法判定）"]
    assert set(kinds) <= {"命中", "接触", "事实未知", "未核查", "覆盖范围", "无法判定"}
    assert set(csv["check"]) <= {"fired", "contact", "unknown", "not_checked", "coverage", "error"}
    messages = " ".join(book["hits"]["说明"].dropna())
    assert "管控单元类别: 一般管控单元" in messages and "管控单元类别: general" not in messages
    assert "_" not in "".join(sheet.filter(like="组成部分").astype(str).sum())
    reasons = " ".join(sheet["主要原因"].dropna())  # review 23 F8: outcome tags in words
    assert "[不予准入] red_line:" in reasons and "[需论证]" in reasons
    assert "[prohibited]" not in reasons and "[review]" not in reasons
    summary = pd.read_csv(tmp_path / "zh" / "screening.csv", encoding="utf-8-sig")
    assert summary["reasons"].str.contains(r"\[prohibited\] red_line:").any()  # CSV: codes
    mnr = pd.read_excel(tmp_path / "zh" / "mnr_txt" / "screening.xlsx", sheet_name=None)
    heads = list(mnr["screening"].columns)
    for head in ("地块用途", "地类编码", "图幅号", "图形属性", "地块面积（文件申报值） [ha]",
                 "界址点数（文件申报值）"):
        assert head in heads, heads
    legend = pd.read_excel(tmp_path / "zh" / "screening.xlsx", sheet_name="columns")
    files = {(s, c): f for s, c, f in zip(legend.iloc[:, 0], legend.iloc[:, 2], legend.iloc[:, 6])}
    assert files[("screening", "verdict")] == "screening.csv, screening.geojson, screening.gpkg"
    assert files[("screening", "component")] == "screening.geojson, screening.gpkg"
    assert files[("hits", "check")] == "screening_hits.csv"
    _run("screen", "--demo", "--out", tmp_path / "en", "--lang", "en")
    en = pd.read_excel(tmp_path / "en" / "screening.xlsx", sheet_name=None)
    assert set(en["screening"]["component"].dropna()) == {"array", "ancillary"}
    assert set(en["hits"]["check"]) <= {"fired", "contact", "unknown", "not_checked", "coverage"}


def test_columns_sheet_names_a_formula_like_column_as_it_is(tmp_path):
    """Review 21 F7: the ``columns`` sheet wrote ``'=SUM(1,2)`` for a user column the GeoJSON
    names ``=SUM(1,2)``; it is now a text cell holding the name itself (never a formula)."""
    import geopandas as gpd
    import openpyxl

    from layers.demo import DEMO_CATALOG, DEMO_PROJECTS

    projects = gpd.read_file(DEMO_PROJECTS).head(2).assign(**{"=SUM(1,2)": ["a", "b"]})
    projects.to_file(tmp_path / "odd.geojson", driver="GeoJSON")
    _run("screen", tmp_path / "odd.geojson", "--catalog", DEMO_CATALOG, "--out",
         tmp_path / "out")
    ws = openpyxl.load_workbook(tmp_path / "out" / "screening.xlsx")["columns"]
    cells = [row[2] for row in ws.iter_rows(min_row=2) if row[0].value == "screening"]
    odd = [c for c in cells if "SUM" in str(c.value)]
    assert [(c.value, c.data_type) for c in odd] == [("=SUM(1,2)", "s")]
    names = gpd.read_file(tmp_path / "out" / "screening.geojson").columns
    assert "=SUM(1,2)" in names
