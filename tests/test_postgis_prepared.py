"""A layer prepared from a PostGIS table is checked against the live table on every run.

``siting prepare`` records the table's fingerprint (row count, max ``xmin``); a red line added
to the table afterwards makes the prepared layer unusable (its rules give review), as a changed
source file does; a table that cannot be checked is unusable too (unknown never passes).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from pgcluster import own_red_lines

from layers import demo
from maps.cli import cli

LIVE = "demo.red_lines_live"


def _screen(catalog, out) -> tuple[pd.DataFrame, str]:
    res = CliRunner().invoke(cli, ["screen", str(demo.DEMO_PROJECTS), "--catalog", str(catalog),
                                   "--out", str(out), "--lang", "en"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "screening.csv", encoding="utf-8-sig")
    return table.set_index("project_id"), res.output


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_prepared_postgis_layer_is_checked_against_the_live_table(postgis, tmp_path,
                                                                  monkeypatch):
    catalog = own_red_lines(postgis, tmp_path, LIVE)  # its own table: the session's stays
    res = CliRunner().invoke(cli, ["prepare", str(catalog), "--out", str(tmp_path / "prep")])
    assert res.exit_code == 0, res.output
    prepared = tmp_path / "prep" / "catalog.toml"

    # unchanged table: the verdicts of the live table, and the report says it was verified
    before, _ = _screen(prepared, tmp_path / "before")
    live, _ = _screen(catalog, tmp_path / "live")
    assert before["verdict"].to_dict() == live["verdict"].to_dict()
    report = (tmp_path / "before" / "report.html").read_text(encoding="utf-8")
    assert "table fingerprint" in report and "(174 rows) verified unchanged" in report

    # a red line added over an admitted project after prepare
    admitted = before.index[before["verdict"] == "admitted"][0]
    projects = pyogrio.read_dataframe(demo.DEMO_PROJECTS)
    shape = projects.loc[projects["project_id"] == admitted].geometry.iloc[0].buffer(0.002)
    with postgis.cluster.connect("zoning") as conn:
        conn.execute(f"CREATE TEMP TABLE x AS SELECT * FROM {LIVE} LIMIT 1")
        conn.execute(f"UPDATE x SET fid = (SELECT max(fid) + 1 FROM {LIVE}), id = 'HXNEW001', "
                     "geom = ST_GeomFromText(%s, 4326)", (shapely.to_wkt(shape),))
        conn.execute(f"INSERT INTO {LIVE} SELECT * FROM x")
    assert _screen(catalog, tmp_path / "live2")[0].at[admitted, "verdict"] == "prohibited"
    after, said = _screen(prepared, tmp_path / "after")
    assert after.at[admitted, "verdict"] == "review"  # not admitted: its red lines are unchecked
    assert not (after["verdict"] == "admitted").any()
    assert f"table {LIVE} of PostGIS service 'zoning', changed after siting prepare" in said
    assert "174 rows then, 175 now" in said and "run siting prepare again" in said
    assert "数据表" in said

    # prepared again: the table's present red line is read
    res = CliRunner().invoke(cli, ["prepare", str(catalog), "--out", str(tmp_path / "prep"),
                                   "--overwrite"])
    assert res.exit_code == 0, res.output
    assert _screen(prepared, tmp_path / "again")[0].at[admitted, "verdict"] == "prohibited"

    # the server cannot be reached: the table cannot be checked, so the layer is unusable too
    services = tmp_path / "pg_service.conf"
    services.write_text(Path(postgis.env["PGSERVICEFILE"]).read_text(encoding="utf-8").replace(
        f"port={postgis.cluster.port}", "port=1"), encoding="utf-8")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    down, said = _screen(prepared, tmp_path / "down")
    assert not (down["verdict"] == "admitted").any()
    assert (down["verdict"] == "review").sum() >= (before["verdict"] == "admitted").sum()
    assert "could not be checked" in said and "changed after" not in said
    assert "Make the service reachable" in said


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_prepared_postgis_view_is_checked_by_its_rows(postgis, tmp_path):
    """A view has no ``xmin``: its fingerprint is the row count and an MD5 of its rows, so a red
    line moved in the table under the view (same number of rows) is seen, and the prepared
    layer's rules give review until it is prepared again."""
    base, view = "demo.red_lines_under_view", "demo.red_lines_view"
    with postgis.cluster.connect("zoning") as conn:
        conn.execute(f"CREATE TABLE {base} (LIKE demo.red_lines INCLUDING ALL); "
                     f"INSERT INTO {base} SELECT * FROM demo.red_lines; "
                     f"CREATE VIEW {view} AS SELECT * FROM {base}; "
                     f"GRANT SELECT ON {base}, {view} TO reader")
        kind = conn.execute("SELECT relkind FROM pg_class WHERE oid = %s::regclass",
                            (view,)).fetchone()[0]
    assert kind == "v"
    entry = '"table" = "demo.red_lines" }'
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(postgis.catalog.read_text(encoding="utf-8").replace(
        entry, f'"table" = "{view}" }}'), encoding="utf-8")
    res = CliRunner().invoke(cli, ["prepare", str(catalog), "--out", str(tmp_path / "prep")])
    assert res.exit_code == 0, res.output
    prepared = tmp_path / "prep" / "catalog.toml"
    before, _ = _screen(prepared, tmp_path / "before")
    assert "verified unchanged" in (tmp_path / "before" / "report.html").read_text(
        encoding="utf-8")

    # one red line moved over an admitted project: same row count, other rows
    admitted = before.index[before["verdict"] == "admitted"][0]
    projects = pyogrio.read_dataframe(demo.DEMO_PROJECTS)
    shape = projects.loc[projects["project_id"] == admitted].geometry.iloc[0].buffer(0.002)
    with postgis.cluster.connect("zoning") as conn:
        conn.execute(f"UPDATE {base} SET geom = ST_Multi(ST_GeomFromText(%s, 4326)) "
                     f"WHERE fid = (SELECT min(fid) FROM {base})", (shapely.to_wkt(shape),))
    assert _screen(catalog, tmp_path / "live")[0].at[admitted, "verdict"] == "prohibited"
    after, said = _screen(prepared, tmp_path / "after")
    assert after.at[admitted, "verdict"] == "review"
    assert not (after["verdict"] == "admitted").any()
    assert f"table {view} of PostGIS service 'zoning', changed after siting prepare" in said
    assert "174 rows then and now, but rows were changed" in said
