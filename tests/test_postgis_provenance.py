"""A PostGIS layer's provenance (service, table, rows read, fingerprint) reaches the report ID,
the report and the workbook whatever ``--workers``, in the report's language.

With ``--workers 2`` (a process pool: asked explicitly, it is used even for a small batch) each
layer is read and staged in a worker; what the worker read must reach the report as when one
process reads it, so that the report ID names the table's contents (a changed row, another ID).
"""

from __future__ import annotations

import re

import openpyxl
import pytest
from click.testing import CliRunner

from layers import demo
from maps.cli import cli

TABLE = "demo.red_lines_prov"


def _catalog(postgis, tmp_path):
    """The PostGIS demo catalog with its red lines in a table of this test's own."""
    with postgis.cluster.connect("zoning") as conn:  # the session's table stays as is
        conn.execute(f"CREATE TABLE {TABLE} (LIKE demo.red_lines INCLUDING ALL); "
                     f"INSERT INTO {TABLE} SELECT * FROM demo.red_lines; "
                     f"GRANT SELECT ON {TABLE} TO reader")
    entry = '"table" = "demo.red_lines" }'
    text = postgis.catalog.read_text(encoding="utf-8")
    assert text.count(entry) == 1
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(text.replace(entry, f'"table" = "{TABLE}" }}'), encoding="utf-8")
    return catalog


def _screen(catalog, out, *args) -> tuple[str, str, str]:
    """(report ID, report.html, the workbook's ``about`` sheet as text) of a CLI screening."""
    res = CliRunner().invoke(cli, ["screen", str(demo.DEMO_PROJECTS), "--catalog", str(catalog),
                                   "--out", str(out), *args])
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(out / "screening.xlsx", read_only=True)
    about = "\n".join(" | ".join(str(v) for v in row if v is not None)
                      for row in book["about"].iter_rows(values_only=True)
                      if any(v is not None for v in row))
    ids = set(re.findall(r"SR-[0-9A-F]{12}", html))
    assert len(ids) == 1, ids
    assert ids.pop() in about
    return re.search(r"SR-[0-9A-F]{12}", html).group(), html, about


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_report_id_and_provenance_are_the_same_with_workers(postgis, tmp_path):
    catalog = _catalog(postgis, tmp_path)
    one = _screen(catalog, tmp_path / "one", "--workers", "1", "--lang", "en")
    two = _screen(catalog, tmp_path / "two", "--workers", "2", "--lang", "en")
    assert one[0] == two[0]
    said = f"PostGIS service &#39;zoning&#39;, table {TABLE}, 174 rows read"
    for _, html, about in (one, two):
        assert said in html
        assert f"PostGIS service 'zoning', table {TABLE}, 174 rows read" in about

    # one row changed (same row count): another ID, read in workers as in one process
    with postgis.cluster.connect("zoning") as conn:
        conn.execute(f"UPDATE {TABLE} SET name = name || '（改）' "
                     f"WHERE fid = (SELECT min(fid) FROM {TABLE})")
    changed = _screen(catalog, tmp_path / "two_changed", "--workers", "2", "--lang", "en")
    assert changed[0] != two[0]
    assert _screen(catalog, tmp_path / "one_changed", "--workers", "1", "--lang", "en")[0] \
        == changed[0]
