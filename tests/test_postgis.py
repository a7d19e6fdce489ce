"""PostGIS as a layer source, against a real private PostGIS (the ``postgis`` fixture).

The demo layers are loaded into PostGIS as their files hold them; the catalog that names them by
service and table must give what the file catalog gives, to the bit, and the same verdicts.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from layers import demo
from layers.catalog import load_catalog
from layers.crs import WGS84
from layers.errors import (
    CatalogError,
    CRSError,
    DatabasePermissionError,
    InputError,
    NoPostgisError,
    ServiceError,
    TableError,
    halves,
)
from layers.postgis import PostgisSource, read_postgis, split_table
from maps.cli import cli

LAYERS = [entry["id"] for entry in
          tomllib.loads(demo.DEMO_CATALOG.read_text(encoding="utf-8"))["layer"]]


def _source(table: str, service: str = "zoning", **kw) -> PostgisSource:
    return PostgisSource(service=service, table=table, **kw)


def _catalog_text(tmp_path, entry: str) -> str:
    path = tmp_path / "catalog.toml"
    path.write_text(f'[[layer]]\nid = "farm"\nkind = "basic_farmland"\n{entry}\n',
                    encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(path)
    return str(err.value)


# -- without a database ----------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("public.permanent_farmland", ("public", "permanent_farmland")),
    ("Farmland", (None, "farmland")),
    ('"My Schema"."a.b"', ("My Schema", "a.b")),
    ('zoning."say ""hi"""', ("zoning", 'say "hi"')),
    ("规划.永久基本农田", ("规划", "永久基本农田")),
])
def test_split_table_reads_names_as_postgresql_does(name, expected):
    assert split_table(name) == expected


@pytest.mark.parametrize("name", ["a.b.c", "", ".x", 'x"y', '"open', '"a"b'])
def test_split_table_refuses_what_is_not_a_table_name(name):
    with pytest.raises(ValueError):
        split_table(name)


@pytest.mark.parametrize("entry, key", [
    ('postgis = { service = "zoning", table = "t", password = "hunter2" }', "password"),
    ('postgis = { service = "postgresql://u:hunter2@db/zoning", table = "t" }', "service"),
    ('postgis = { service = "zoning", table = "t", dsn = "host=db password=hunter2" }', "dsn"),
    ('postgis = { service = "zoning", table = "t", host = "db" }', "host"),
    ('path = "postgresql://u:hunter2@db/zoning"', "path"),
    ('path = "x.gpkg"\nsource = "postgres://admin:hunter2@10.0.0.1/zoning"', "source"),
])
def test_catalog_refuses_credentials_naming_the_key(tmp_path, entry, key):
    message = _catalog_text(tmp_path, entry)
    assert f"'{key}'" in message and "layer 'farm'" in message
    assert "hunter2" not in message  # a refusal never repeats the secret


def test_catalog_needs_exactly_one_of_path_and_postgis(tmp_path):
    both = 'path = "x.gpkg"\npostgis = { service = "zoning", table = "t" }'
    assert "exactly one of `path`" in _catalog_text(tmp_path, both)
    assert "exactly one of `path`" in _catalog_text(tmp_path, 'source = "x"')
    assert "apply to files only" in _catalog_text(
        tmp_path, 'postgis = { service = "zoning", table = "t" }\nencoding = "GBK"')
    assert "not a table name" in _catalog_text(
        tmp_path, 'postgis = { service = "zoning", table = "a.b.c" }')


def test_service_file_holding_a_password_is_refused(tmp_path, monkeypatch):
    (tmp_path / "svc.conf").write_text("[zoning]\nhost=db\npassword=hunter2\n", encoding="utf-8")
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "svc.conf"))
    with pytest.raises(ServiceError, match=r"svc.conf, service 'zoning'.*\.pgpass") as err:
        read_postgis(_source("t"))
    assert "hunter2" not in str(err.value)


# -- against the real database ---------------------------------------------------------------
@pytest.fixture(scope="module")
def catalogs(postgis):
    return load_catalog(demo.DEMO_CATALOG), load_catalog(postgis.catalog)


@pytest.mark.parametrize("layer_id", LAYERS)
def test_postgis_layer_equals_its_file(catalogs, layer_id):
    files, db = catalogs
    crs = files.working_crs
    for a, b in [(files.source(layer_id)[0], db.source(layer_id)[0]),
                 (files.read(layer_id, crs).gdf, db.read(layer_id, crs).gdf)]:
        assert a.crs == b.crs
        assert list(a["id"]) == list(b["id"])
        pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")),
                                      pd.DataFrame(b.drop(columns="geometry")))
        assert list(shapely.to_wkb(a.geometry.values)) == list(shapely.to_wkb(b.geometry.values))
    problems = [[(p.feature, p.code, p.severity) for p in cat.source(layer_id)[1]]
                for cat in catalogs]
    assert problems[0] == problems[1]


def test_provenance_records_service_table_rows_and_time(catalogs, postgis):
    _, db = catalogs
    gdf, _ = db.source("red_lines")
    prov = db.provenance("red_lines")
    assert prov["service"] == "zoning" and prov["table"] == "demo.red_lines"
    assert prov["rows"] == len(gdf) == 174 and prov["srid"] == 4326
    assert pd.Timestamp(prov["read_at"]).tzinfo is not None
    assert "PostGIS service 'zoning', table demo.red_lines, 174 rows read" in prov["path"]


def test_bbox_filter_returns_exactly_the_features_whose_bbox_meets_it(postgis):
    import pyogrio

    raw = pyogrio.read_dataframe(demo.DEMO_DIR / "basic_farmland.geojson")
    bounds = shapely.bounds(raw.geometry.values)
    rng = np.random.default_rng(7)
    lo, hi = raw.total_bounds[:2], raw.total_bounds[2:]
    checked = 0
    while checked < 12:
        a, b = np.sort(rng.uniform(lo, hi, (2, 2)), axis=0)
        box = (a[0], a[1], b[0], b[1])
        # PostGIS keeps float4 boxes: stay clear of edges closer than that to any feature's
        edges = np.abs(bounds[:, :, None] - np.array(box)[None, None, :]).min()
        if edges < 1e-4:
            continue
        want = raw["id"][(bounds[:, 0] <= box[2]) & (bounds[:, 2] >= box[0])
                         & (bounds[:, 1] <= box[3]) & (bounds[:, 3] >= box[1])]
        got, _, prov = read_postgis(_source("demo.basic_farmland"), bbox=box)
        assert list(got["id"]) == list(want) and prov["rows"] == len(want)
        checked += 1


def test_lonlat_bbox_on_a_projected_table_keeps_every_feature_it_meets(postgis):
    everything, _, prov = read_postgis(_source("demo.control_units"))
    assert prov["srid"] == 4545
    lonlat = everything.geometry.to_crs(WGS84)
    minx, miny, maxx, maxy = lonlat.total_bounds
    box = (minx + 0.3 * (maxx - minx), miny + 0.3 * (maxy - miny), minx + 0.5 * (maxx - minx),
           miny + 0.45 * (maxy - miny))
    got, _, _ = read_postgis(_source("demo.control_units"), bbox=box, bbox_crs="EPSG:4326")
    meets = everything["单元编码"][lonlat.intersects(shapely.box(*box))]
    assert set(meets) <= set(got["单元编码"]) and 0 < len(got) < len(everything)


@pytest.mark.parametrize("table, geometry", [
    ("red_lines; DROP TABLE demo.red_lines; --", None),
    ('demo."red_lines; DROP TABLE demo.red_lines; --"', None),
    ('"demo"."red_lines"" ; DROP TABLE demo.red_lines; --"', None),
    ("demo.red_lines", "geom) FROM demo.red_lines; DROP TABLE demo.red_lines; --"),
])
def test_injection_looking_names_are_quoted_never_executed(postgis, table, geometry):
    with pytest.raises(TableError, match="PostGIS service 'zoning'"):
        read_postgis(_source(table, geometry=geometry))
    with postgis.cluster.connect("zoning") as conn:
        assert conn.execute("SELECT count(*) FROM demo.red_lines").fetchone()[0] == 174


def test_quoted_mixed_case_names_are_read(postgis):
    with postgis.cluster.connect("zoning") as conn:
        conn.execute('CREATE TABLE demo."Red Lines" AS SELECT * FROM demo.red_lines')
        conn.execute('GRANT SELECT ON demo."Red Lines" TO reader')
    try:
        gdf, problems, _ = read_postgis(_source('demo."Red Lines"'))
        assert len(gdf) == 174
        assert any(p.code == "order" for p in problems)  # no primary key: order not promised
        with pytest.raises(TableError, match=r"demo\.Red Lines"):
            read_postgis(_source("demo.red lines"))
    finally:
        with postgis.cluster.connect("zoning") as conn:
            conn.execute('DROP TABLE demo."Red Lines"')


@pytest.mark.parametrize("service, table, error, words", [
    ("nosuch", "demo.red_lines", ServiceError, ["'nosuch' is not defined", "pg_service.conf",
                                                 "zoning"]),
    ("wrongpw", "demo.red_lines", ServiceError, ["'wrongpw'", "correct the password",
                                                 ".pgpass"]),
    ("zoning", "demo.no_table", TableError, ["'zoning'", "demo.no_table", "no table or view"]),
    ("locked", "demo.red_lines", DatabasePermissionError, ["'outsider'", "GRANT SELECT ON "
                                                           "demo.red_lines TO outsider"]),
    ("plain", "demo.red_lines", NoPostgisError, ["'plain'", "CREATE EXTENSION postgis"]),
])
def test_database_errors_name_service_table_and_fix(postgis, service, table, error, words):
    with pytest.raises(error) as err:
        read_postgis(_source(table, service=service))
    assert isinstance(err.value, InputError)
    for word in words:
        assert word in str(err.value)
    assert re.search(r"[\u4e00-\u9fff]", halves(err.value)[1])  # a Chinese half of its own


def test_a_column_the_role_may_not_read_is_named(postgis):
    """Review 29 LOW 4: with SELECT granted on every column but one, the error said the role may
    not read the table, and the administrator answered that it may: the column is named."""
    with postgis.cluster.connect("zoning") as conn:
        conn.execute("CREATE TABLE demo.cu_partial AS SELECT * FROM demo.red_lines")
        cols = [r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'demo.cu_partial'::regclass "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum").fetchall()]
        hidden = next(c for c in cols if c not in ("fid", "geom"))
        shown = ", ".join(f'"{c}"' for c in cols if c != hidden)
        conn.execute(f"GRANT SELECT ({shown}) ON demo.cu_partial TO reader")
    try:
        with pytest.raises(DatabasePermissionError) as err:
            read_postgis(_source("demo.cu_partial"))
        en, zh = halves(err.value)
        assert f"its columns {hidden}: other columns are granted" in en
        assert f"列 {hidden} 无权读取" in zh and "GRANT SELECT ON demo.cu_partial TO reader" in en
    finally:
        with postgis.cluster.connect("zoning") as conn:
            conn.execute("DROP TABLE demo.cu_partial")


def test_a_password_file_open_to_others_is_named_with_chmod_600(postgis, tmp_path, monkeypatch,
                                                                 capfd):
    """libpq ignores a .pgpass of mode 0644: the error says so and how to fix it (not "add its
    password", which is there); where no password is needed it is a warning; libpq's own warning,
    printed on every connection, is not printed at all."""
    import shutil

    from layers.errors import SitingWarning

    pgpass = tmp_path / "pgpass"
    shutil.copy(postgis.env["PGPASSFILE"], pgpass)
    pgpass.chmod(0o644)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    for _ in range(2):
        with pytest.raises(ServiceError) as err:
            read_postgis(_source("demo.red_lines"))
        assert f"libpq ignores {pgpass} because its mode is 0644: chmod 600 {pgpass}" \
            in str(err.value)
        assert "add its password" not in str(err.value)
    # the harness's superuser logs in without a password: the file is not needed, but open
    service = Path(postgis.env["PGSERVICEFILE"]).read_text(encoding="utf-8")
    host = next(line for line in service.splitlines() if line.startswith("host="))
    (tmp_path / "svc.conf").write_text(f"[super]\n{host}\nport={postgis.cluster.port}\n"
                                       "dbname=zoning\nuser=postgres\n", encoding="utf-8")
    monkeypatch.setenv("PGSERVICEFILE", str(tmp_path / "svc.conf"))
    with pytest.warns(SitingWarning, match=r"libpq ignores .*pgpass because its mode is 0644"):
        gdf, _, _ = read_postgis(_source("demo.red_lines", service="super"))
    assert len(gdf) == 174
    assert "group or world access" not in capfd.readouterr().err  # libpq's, on file descriptor 2


def test_srid_zero_needs_the_catalog_crs(postgis):
    with postgis.cluster.connect("zoning") as conn:
        conn.execute("CREATE TABLE demo.nosrid AS SELECT fid, id, ST_SetSRID(geom, 0)::geometry "
                     "AS geom FROM demo.red_lines")
        conn.execute("GRANT SELECT ON demo.nosrid TO reader")
    try:
        with pytest.raises(CRSError, match="SRID 0.*crs = "):
            read_postgis(_source("demo.nosrid"))
        gdf, _, prov = read_postgis(_source("demo.nosrid"), crs="EPSG:4326")
        assert prov["srid"] == 0 and gdf.crs.to_epsg() == 4326 and len(gdf) == 174
        # a bbox in another CRS is transformed to the catalog's crs of an SRID-0 table
        x0, y0, x1, y1 = gdf.to_crs(4545).total_bounds
        box = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)
        part, _, _ = read_postgis(_source("demo.nosrid"), crs="EPSG:4326", bbox=box,
                                  bbox_crs="EPSG:4545")
        same, _, _ = read_postgis(_source("demo.red_lines"), bbox=box, bbox_crs="EPSG:4545")
        assert 0 < len(part) < len(gdf) and sorted(part["id"]) == sorted(same["id"])
    finally:
        with postgis.cluster.connect("zoning") as conn:
            conn.execute("DROP TABLE demo.nosrid")


@pytest.mark.parametrize("service, table, pgpass_mode, words", [
    ("zoning", "demo.gone", 0o600, ["table demo.gone): no table or view 'gone'"]),
    ("nosuch", "demo.red_lines", 0o600, ["PostGIS service 'nosuch' is not defined"]),
    ("wrongpw", "demo.red_lines", 0o600, ["password authentication failed",
                                          "correct the password"]),
    ("zoning", "demo.red_lines", 0o644, ["because its mode is 0644: chmod 600"]),
])
def test_cli_database_errors_name_the_catalog_and_the_layer(postgis, tmp_path, monkeypatch, capfd,
                                                            service, table, pgpass_mode, words):
    """As a file layer's errors do: exit 2, the catalog and the layer first, said once."""
    import shutil

    entry = '{ "service" = "zoning", "table" = "demo.red_lines" }'
    text = postgis.catalog.read_text(encoding="utf-8")
    assert text.count(entry) == 1
    text = text.replace(entry, f'{{ "service" = "{service}", "table" = "{table}" }}')
    (tmp_path / "catalog.toml").write_text(text, encoding="utf-8")
    shutil.copy(postgis.env["PGPASSFILE"], tmp_path / "pgpass")
    (tmp_path / "pgpass").chmod(pgpass_mode)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "pgpass"))
    res = CliRunner().invoke(cli, ["screen", str(demo.DEMO_PROJECTS), "--catalog",
                                   str(tmp_path / "catalog.toml"), "--out", str(tmp_path / "o"),
                                   "--lang", "en"])  # English first: the English half named
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()
    layer = "'red_lines'" if pgpass_mode == 0o600 else "'"  # 0644: the first layer read fails
    assert f"Error: catalog.toml, layer {layer}" in res.output, res.output
    for word in words:
        assert res.output.count(word) == 1, res.output
    assert "group or world access" not in capfd.readouterr().err  # libpq's own warning


@pytest.mark.filterwarnings("ignore::layers.errors.EncodingGuessWarning")
def test_screening_from_postgis_gives_the_verdicts_of_the_files(postgis, tmp_path):
    """`siting screen --demo` with every vector layer from PostGIS: the same tables, byte for byte."""
    run = CliRunner().invoke
    res = run(cli, ["screen", "--demo", "--out", str(tmp_path / "files")])
    assert res.exit_code == 0, res.output
    jobs = {"": [demo.DEMO_PROJECTS], "gcj02": [demo.DEMO_EXTRA_PROJECTS[0], "--coords", "gcj02"],
            "mnr_txt": [demo.DEMO_EXTRA_PROJECTS[1], "--type", "pv"]}
    for sub, args in jobs.items():
        out = tmp_path / "db" / sub
        res = run(cli, ["screen", *map(str, args), "--catalog", str(postgis.catalog),
                        "--out", str(out)])
        assert res.exit_code == 0, res.output
        for name in ("screening.csv", "screening_hits.csv"):
            assert (out / name).read_bytes() == (tmp_path / "files" / sub / name).read_bytes()
    verdicts = pd.read_csv(tmp_path / "db" / "screening.csv", encoding="utf-8-sig")["verdict"]
    assert set(verdicts) >= {"prohibited", "review", "admitted"}
    report = (tmp_path / "db" / "report.html").read_text(encoding="utf-8")
    assert "PostGIS 服务 &#39;zoning&#39; 的数据表 demo.red_lines，" in report  # zh: the default
    assert " 读取 174 行" in report
