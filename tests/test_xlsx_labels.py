"""The workbooks speak the reviewer's language: under ``--lang zh`` headers, verdicts and site
statuses are in Chinese, and a ``columns`` sheet ties every header to its CSV column."""

from __future__ import annotations

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
