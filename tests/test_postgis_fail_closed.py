"""A PostGIS layer is never read as more complete or better placed than the database shows.

* Row-level security that hides rows from the reading role: the layer is refused (the user would
  screen against part of a red-line table, and projects inside the hidden rows would pass).
* A geometry column that declares no SRID (an untyped column, a view of an expression): the rows'
  own SRIDs are read; one SRID is used, several (or some rows 0) are refused, naming them.
"""

from __future__ import annotations

import re

import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from layers import demo
from layers.errors import CRSError, DatabasePermissionError, ServiceError, halves
from layers.postgis import PostgisSource, read_postgis
from maps.cli import cli

RED = '"table" = "demo.red_lines" }'


def _source(table: str) -> PostgisSource:
    return PostgisSource(service="zoning", table=table)


def _sql(postgis, *statements: str) -> None:
    with postgis.cluster.connect("zoning") as conn:
        for statement in statements:
            conn.execute(statement)


def _catalog(postgis, tmp_path, table: str, extra: str = ""):
    """The PostGIS demo catalog with its red lines read from ``table``."""
    text = postgis.catalog.read_text(encoding="utf-8")
    assert text.count(RED) == 1
    path = tmp_path / "catalog.toml"
    path.write_text(text.replace(RED, f'"table" = "{table}" }}{extra}'), encoding="utf-8")
    return path


def _chinese(exc) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", halves(exc)[1]))


# -- row-level security ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def rls(postgis):
    """``demo.rl_rls``: the red lines, of which the policy shows ``reader`` fid <= 100 only."""
    _sql(postgis, "CREATE TABLE demo.rl_rls AS SELECT * FROM demo.red_lines",
         "ALTER TABLE demo.rl_rls ADD PRIMARY KEY (fid)",
         "ALTER TABLE demo.rl_rls ENABLE ROW LEVEL SECURITY",
         "CREATE POLICY half ON demo.rl_rls FOR SELECT TO reader USING (fid <= 100)",
         "GRANT SELECT ON demo.rl_rls TO reader")
    yield "demo.rl_rls"
    _sql(postgis, "DROP TABLE demo.rl_rls")


def test_row_level_security_hiding_rows_is_refused(postgis, rls):
    with pytest.raises(DatabasePermissionError) as err:
        read_postgis(_source(rls))
    said = str(err.value)
    for word in ("PostGIS service 'zoning'", "demo.rl_rls", "'reader'", "row-level security",
                 "BYPASSRLS", "policy that shows every row"):
        assert word in said, said
    assert _chinese(err.value)


def test_a_policy_showing_every_row_or_bypassrls_is_read_whole(postgis, rls):
    _sql(postgis, "CREATE POLICY everything ON demo.rl_rls FOR SELECT TO reader USING (true)")
    try:
        gdf, _, prov = read_postgis(_source(rls))
        assert len(gdf) == prov["rows"] == 174
        # a restrictive policy hides rows again, whatever the permissive ones show
        _sql(postgis, "CREATE POLICY district ON demo.rl_rls AS RESTRICTIVE FOR SELECT TO reader "
                      "USING (fid > 3)")
        with pytest.raises(DatabasePermissionError, match="row-level security"):
            read_postgis(_source(rls))
    finally:
        _sql(postgis, "DROP POLICY IF EXISTS everything ON demo.rl_rls",
             "DROP POLICY IF EXISTS district ON demo.rl_rls")
    _sql(postgis, "ALTER ROLE reader BYPASSRLS")
    try:
        assert len(read_postgis(_source(rls))[0]) == 174
    finally:
        _sql(postgis, "ALTER ROLE reader NOBYPASSRLS")


def test_row_security_behind_a_view_is_seen_for_the_role_that_reads_the_table(postgis, rls):
    """A view runs as its owner (or, ``security_invoker``, as the reader): the tables behind it
    are checked for that role."""
    _sql(postgis, "CREATE ROLE publisher NOLOGIN",
         "GRANT USAGE ON SCHEMA demo TO publisher", "GRANT SELECT ON demo.rl_rls TO publisher",
         "CREATE VIEW demo.rl_invoker WITH (security_invoker = true) AS SELECT * FROM demo.rl_rls",
         "CREATE VIEW demo.rl_by_super AS SELECT * FROM demo.rl_rls",
         "CREATE VIEW demo.rl_by_publisher AS SELECT * FROM demo.rl_rls",
         "ALTER VIEW demo.rl_by_publisher OWNER TO publisher",
         "GRANT SELECT ON demo.rl_invoker, demo.rl_by_super, demo.rl_by_publisher TO reader")
    try:
        for view, role in [("demo.rl_invoker", "reader"), ("demo.rl_by_publisher", "publisher")]:
            with pytest.raises(DatabasePermissionError) as err:
                read_postgis(_source(view))
            said = str(err.value)
            assert f"{view} reads demo.rl_rls" in said and f"role {role!r}" in said, said
            assert "BYPASSRLS" in said and _chinese(err.value)
        # owned by the superuser, the view shows every row, also through the publisher's view
        assert len(read_postgis(_source("demo.rl_by_super"))[0]) == 174
        _sql(postgis, "CREATE OR REPLACE VIEW demo.rl_by_publisher AS SELECT * FROM "
                      "demo.rl_by_super", "GRANT SELECT ON demo.rl_by_super TO publisher")
        assert len(read_postgis(_source("demo.rl_by_publisher"))[0]) == 174
    finally:
        _sql(postgis, "DROP VIEW demo.rl_invoker, demo.rl_by_publisher, demo.rl_by_super",
             "REVOKE ALL ON demo.rl_rls FROM publisher", "DROP OWNED BY publisher",
             "REVOKE USAGE ON SCHEMA demo FROM publisher", "DROP ROLE publisher")


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_screening_a_project_inside_a_hidden_row_is_refused_not_admitted(postgis, rls, tmp_path):
    """`layers`, `prepare` and `screen` stop with exit 2 and the message; nothing is written."""
    with postgis.cluster.connect("zoning") as conn:
        hidden = conn.execute("SELECT ST_AsText(ST_PointOnSurface(geom)) FROM demo.red_lines "
                              "WHERE fid > 100 ORDER BY fid LIMIT 1").fetchone()[0]
    projects = pyogrio.read_dataframe(demo.DEMO_PROJECTS).iloc[:1].copy()
    projects["geometry"] = [shapely.from_wkt(hidden).buffer(0.001)]
    batch = tmp_path / "inside.geojson"
    batch.write_text(projects.to_json(ensure_ascii=False), encoding="utf-8")
    run = CliRunner().invoke
    whole = run(cli, ["screen", str(batch), "--catalog", str(postgis.catalog), "--out",
                      str(tmp_path / "whole"), "--lang", "en"])
    assert whole.exit_code == 0, whole.output
    assert "prohibited" in (tmp_path / "whole" / "screening.csv").read_text(encoding="utf-8-sig")
    catalog = _catalog(postgis, tmp_path, rls)
    for args in (["layers", str(catalog)],
                 ["prepare", str(catalog), "--out", str(tmp_path / "prep")],
                 ["screen", str(batch), "--catalog", str(catalog), "--out", str(tmp_path / "o")]):
        res = run(cli, [*args, "--lang", "en"])
        assert res.exit_code == 2, (args[0], res.output)
        assert "Traceback" not in res.output
        assert "row-level security" in res.output and "BYPASSRLS" in res.output, res.output
    assert not (tmp_path / "o").exists()
    assert not (tmp_path / "prep" / "catalog.toml").exists()


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_row_security_set_after_prepare_makes_the_prepared_layer_unusable(postgis, tmp_path):
    """The check of a prepared layer against its live table refuses the table as a read would:
    the layer cannot be checked, its rules give review, the message says why."""
    table = "demo.rl_rls_later"
    _sql(postgis, f"CREATE TABLE {table} AS SELECT * FROM demo.red_lines",
         f"ALTER TABLE {table} ADD PRIMARY KEY (fid)", f"GRANT SELECT ON {table} TO reader")
    try:
        catalog = _catalog(postgis, tmp_path, table)
        run = CliRunner().invoke
        res = run(cli, ["prepare", str(catalog), "--out", str(tmp_path / "prep")])
        assert res.exit_code == 0, res.output
        _sql(postgis, f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
             f"CREATE POLICY half ON {table} FOR SELECT TO reader USING (fid <= 100)")
        res = run(cli, ["screen", str(demo.DEMO_PROJECTS), "--catalog",
                        str(tmp_path / "prep" / "catalog.toml"), "--out", str(tmp_path / "o"),
                        "--lang", "en"])
        assert res.exit_code == 0, res.output
        assert "could not be checked" in res.output and "row-level security" in res.output
        verdicts = set(pd.read_csv(tmp_path / "o" / "screening.csv",
                                   encoding="utf-8-sig")["verdict"])
        assert "admitted" not in verdicts and "review" in verdicts
    finally:
        _sql(postgis, f"DROP TABLE {table}")


# -- rows' own SRIDs in a column that declares none ---------------------------------------------
@pytest.fixture(scope="module")
def srids(postgis):
    """Untyped columns and views: ``rl_two`` (169 rows in 4545, 5 in 4544), ``rl_view`` (every
    row 4490), ``rl_typed`` (the same rows in a column declared 4490), ``rl_zero_view``,
    ``rl_some_zero`` (3 rows SRID 0, the rest 4326)."""
    _sql(postgis,
         "CREATE TABLE demo.rl_two (fid serial PRIMARY KEY, id text, geom geometry)",
         "INSERT INTO demo.rl_two (id, geom) SELECT id, ST_Transform(geom, 4545) "
         "FROM demo.red_lines ORDER BY fid",
         "UPDATE demo.rl_two SET geom = ST_Transform(geom, 4544) WHERE fid <= 5",
         "CREATE VIEW demo.rl_view AS SELECT fid, id, ST_Transform(geom, 4490) AS geom "
         "FROM demo.red_lines",
         "CREATE TABLE demo.rl_typed (fid int PRIMARY KEY, id text, geom geometry(Geometry, 4490))",
         "INSERT INTO demo.rl_typed SELECT fid, id, ST_Transform(geom, 4490) FROM demo.red_lines",
         "CREATE VIEW demo.rl_zero_view AS SELECT fid, id, ST_SetSRID(geom, 0) AS geom "
         "FROM demo.red_lines",
         "CREATE TABLE demo.rl_some_zero (fid int PRIMARY KEY, id text, geom geometry)",
         "INSERT INTO demo.rl_some_zero SELECT fid, id, CASE WHEN fid <= 3 THEN "
         "ST_SetSRID(geom, 0) ELSE geom END FROM demo.red_lines",
         "GRANT SELECT ON demo.rl_two, demo.rl_view, demo.rl_typed, demo.rl_zero_view, "
         "demo.rl_some_zero TO reader")
    yield
    _sql(postgis, "DROP VIEW demo.rl_view, demo.rl_zero_view",
         "DROP TABLE demo.rl_two, demo.rl_typed, demo.rl_some_zero")


@pytest.mark.parametrize("crs", [None, "EPSG:4545"])
def test_a_column_with_two_srids_is_refused_naming_both(postgis, srids, crs):
    with pytest.raises(CRSError) as err:
        read_postgis(_source("demo.rl_two"), crs=crs)
    said = str(err.value)
    for word in ("demo.rl_two.geom", "declares no SRID", "4545 (169 rows)", "4544 (5 rows)",
                 "ST_Transform"):
        assert word in said, said
    assert _chinese(err.value)


def test_rows_with_srid_zero_beside_others_are_refused(postgis, srids):
    with pytest.raises(CRSError, match=r"0 \(3 rows\).*4326 \(171 rows\)"):
        read_postgis(_source("demo.rl_some_zero"), crs="EPSG:4326")


def test_a_view_whose_rows_are_all_4490_is_read_in_4490(postgis, srids):
    view, problems, prov = read_postgis(_source("demo.rl_view"))
    assert any("its rows are all in SRID 4490 (174 rows)" in p.message for p in problems)
    view = view.sort_values("fid", ignore_index=True)  # a view has no primary key: no order
    typed, _, _ = read_postgis(_source("demo.rl_typed"))
    assert prov["srid"] == 4490 and view.crs.to_epsg() == 4490 == typed.crs.to_epsg()
    assert list(view["id"]) == list(typed["id"]) and len(view) == 174
    assert list(shapely.to_wkb(view.geometry.values)) == \
        list(shapely.to_wkb(typed.geometry.values))
    # the bbox is sent in the rows' SRID (a box of SRID 0 would fail against them)
    box = view.geometry.iloc[0].buffer(0.01).bounds
    part, _, _ = read_postgis(_source("demo.rl_view"), bbox=box)
    same, _, _ = read_postgis(_source("demo.rl_typed"), bbox=box)
    assert 0 < len(part) < 174 and sorted(part["id"]) == sorted(same["id"])
    # the catalog's crs agreeing with the rows is fine
    assert read_postgis(_source("demo.rl_view"), crs="EPSG:4490")[0].crs.to_epsg() == 4490


def test_a_catalog_crs_disagreeing_with_the_rows_srid_is_refused(postgis, srids):
    with pytest.raises(CRSError) as err:
        read_postgis(_source("demo.rl_view"), crs="EPSG:4326")
    said = str(err.value)
    assert "4490 (174 rows)" in said and "EPSG:4326" in said, said
    assert _chinese(err.value)


def test_srid_zero_fix_fits_a_view(postgis, srids):
    with pytest.raises(CRSError) as err:
        read_postgis(_source("demo.rl_zero_view"))
    said = str(err.value)
    assert "::geometry(Geometry, 4490)" in said and "crs = " in said, said
    assert "UpdateGeometrySRID" not in said
    gdf, _, prov = read_postgis(_source("demo.rl_zero_view"), crs="EPSG:4326")
    assert prov["srid"] == 0 and gdf.crs.to_epsg() == 4326 and len(gdf) == 174


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_cli_layers_refuses_two_srids_with_exit_2(postgis, srids, tmp_path):
    catalog = _catalog(postgis, tmp_path, "demo.rl_two", "\ncrs = \"EPSG:4545\"")
    res = CliRunner().invoke(cli, ["layers", str(catalog), "--lang", "en"])
    assert res.exit_code == 2, res.output
    assert "4544 (5 rows)" in res.output and "Traceback" not in res.output


# -- the password file -------------------------------------------------------------------------
def test_a_missing_password_file_is_named(postgis, tmp_path, monkeypatch):
    missing = tmp_path / "no-such-pgpass"
    monkeypatch.setenv("PGPASSFILE", str(missing))
    with pytest.raises(ServiceError) as err:
        read_postgis(_source("demo.red_lines"))
    assert f"PGPASSFILE names {missing}, which does not exist" in str(err.value), str(err.value)
