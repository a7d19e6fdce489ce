"""A PostGIS layer's provenance (service, table, rows read, fingerprint) reaches the report ID,
the report and the workbook whatever ``--workers``, in the report's language.

With ``--workers 2`` (a process pool: asked explicitly, it is used even for a small batch) each
layer is read and staged in a worker; what the worker read must reach the report as when one
process reads it, so that the report ID names the table's contents (a changed row, another ID).
"""

from __future__ import annotations

import html
import re

import openpyxl
import pytest
from click.testing import CliRunner
from pgcluster import own_red_lines

from layers import demo
from maps.cli import cli

TABLE = "demo.red_lines_prov"


def _catalog(postgis, tmp_path, table=TABLE):
    """The PostGIS demo catalog with its red lines in a table of the test's own."""
    return own_red_lines(postgis, tmp_path, table)


def _screen(catalog, out, *args) -> tuple[str, str, str]:
    """(report ID, report.html's text, the workbook's ``about`` sheet as text) of a CLI
    screening."""
    res = CliRunner().invoke(cli, ["screen", str(demo.DEMO_PROJECTS), "--catalog", str(catalog),
                                   "--out", str(out), *args])
    assert res.exit_code == 0, res.output
    page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    book = openpyxl.load_workbook(out / "screening.xlsx", read_only=True)
    about = "\n".join(" | ".join(str(v) for v in row if v is not None)
                      for row in book["about"].iter_rows(values_only=True)
                      if any(v is not None for v in row))
    ids = set(re.findall(r"SR-[0-9A-F]{12}", page))
    assert len(ids) == 1, ids
    assert ids.pop() in about
    return re.search(r"SR-[0-9A-F]{12}", page).group(), page, about


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_report_id_and_provenance_are_the_same_with_workers(postgis, tmp_path):
    catalog = _catalog(postgis, tmp_path)
    one = _screen(catalog, tmp_path / "one", "--workers", "1", "--lang", "en")
    two = _screen(catalog, tmp_path / "two", "--workers", "2", "--lang", "en")
    assert one[0] == two[0]
    said = f"PostGIS service 'zoning', table {TABLE}, 174 rows read"
    for _, page, about in (one, two):
        assert said in page and said in about

    # one row changed (same row count): another ID, read in workers as in one process
    with postgis.cluster.connect("zoning") as conn:
        conn.execute(f"UPDATE {TABLE} SET name = name || '（改）' "
                     f"WHERE fid = (SELECT min(fid) FROM {TABLE})")
    changed = _screen(catalog, tmp_path / "two_changed", "--workers", "2", "--lang", "en")
    assert changed[0] != two[0]
    assert _screen(catalog, tmp_path / "one_changed", "--workers", "1", "--lang", "en")[0] \
        == changed[0]


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_postgis_provenance_is_said_in_chinese_in_a_zh_report(postgis, tmp_path):
    """A ``--lang zh`` report and workbook name the table read, and a layer prepared from it,
    in Chinese; the report ID is the one of the English report (the words are not the data)."""
    table = "demo.red_lines_prov_zh"
    catalog = _catalog(postgis, tmp_path, table)
    said = re.compile(rf"PostGIS 服务 'zoning' 的数据表 {table}，\S+ 读取 174 行")
    zh = _screen(catalog, tmp_path / "zh", "--workers", "1", "--lang", "zh")
    for text in zh[1:]:
        assert said.search(text)
        assert "rows read" not in text
    assert _screen(catalog, tmp_path / "en", "--workers", "1", "--lang", "en")[0] == zh[0]

    res = CliRunner().invoke(cli, ["prepare", str(catalog), "--out", str(tmp_path / "prep")])
    assert res.exit_code == 0, res.output
    prepared = _screen(tmp_path / "prep" / "catalog.toml", tmp_path / "prep_zh", "--lang", "zh")
    for text in prepared[1:]:
        assert re.search(r"red_lines\.parquet（\S+ 预处理，源自 " + said.pattern
                         + r"）；数据表指纹 \S+（174 行）于 \S+ 核对未变", text)
        assert "verified unchanged" not in text and "prepared" not in text
