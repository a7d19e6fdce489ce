"""PostGIS tables as layer sources: a libpq service, binary WKB, a bbox pushed down.

A catalog layer may name a table instead of a file::

    [[layer]]
    id = "farmland"
    kind = "basic_farmland"
    postgis = { service = "zoning", table = "public.permanent_farmland", geometry = "geom" }

The connection comes only from a libpq service file (``PGSERVICEFILE``, else
``~/.pg_service.conf``) and the password only from ``PGPASSFILE`` / ``~/.pgpass``
(:mod:`layers.pgconnect`): a catalog that holds a password or a URL with credentials is refused,
and so is a service definition holding a password. Schema and table names are split here and
quoted with :class:`psycopg.sql.Identifier`; nothing from a catalog is ever pasted into SQL. The
SRID comes from the table (``Find_SRID``), else from its rows when they all carry one; SRID 0
needs the catalog's ``crs`` (:mod:`layers.pgrows`, which also refuses a table whose row-level
security may hide rows from the reading role). Rows are read
read-only through a server-side binary cursor, geometries as ``ST_AsBinary`` parsed by
:func:`shapely.from_wkb`, in primary-key order.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from layers.crs import describe_crs, normalize_crs, transformer
from layers.errors import (
    DatabasePermissionError,
    TableError,
    bi,
)
from layers.hygiene import Problem
from layers.pgconnect import FIX_PGPASS, FIX_PGPASS_ZH, connect
from layers.pgrows import check_row_security, column_crs
from layers.pgstamp import fingerprint
from layers.read import _finish

BATCH_ROWS = 20_000
"""Rows fetched per round trip from the server-side cursor."""
_SECRET_KEYS = {"password", "passwd", "pwd", "pgpassword", "pass", "secret", "passfile"}
_CONNECTION_KEYS = {"url", "uri", "dsn", "conninfo", "connection", "host", "hostaddr", "port",
                    "user", "username", "dbname", "database", "sslmode"}
_URL_WITH_USER = re.compile(r"[a-z][a-z0-9+.\-]*://[^/\s@]+@", re.I)
_PASSWORD_SETTING = re.compile(r"\bpassword\s*=", re.I)
# Column types read as they are (psycopg has binary loaders for them); others are read as text.
_NATIVE_CATEGORIES = {"N", "S", "B", "D"}
_SPATIAL_TYPES = {"geometry", "geography", "raster", "box2d", "box3d"}


def credential_problem(key: str, value: Any) -> str | None:
    """Why a catalog value would hold credentials, or None when it does not.

    Parameters
    ----------
    key : str
        The key the value is found under (for the message).
    value : object
        The value; strings are searched for ``scheme://user[:password]@`` and ``password=``.

    Returns
    -------
    Bilingual or None
        A message naming the key and the fix; the value itself is never repeated.
    """
    if key.lower() in _SECRET_KEYS:
        return bi(f"key {key!r} holds a password; a catalog must never hold credentials: "
                  f"{FIX_PGPASS}", f"键 {key!r} 含有密码；图层目录中不得含有登录凭据：{FIX_PGPASS_ZH}")
    if isinstance(value, str) and (_URL_WITH_USER.search(value) or
                                   _PASSWORD_SETTING.search(value)):
        return bi(f"key {key!r} holds a connection string with credentials; a catalog must never "
                  f"hold credentials: {FIX_PGPASS}",
                  f"键 {key!r} 含有带登录凭据的连接字符串；图层目录中不得含有登录凭据：{FIX_PGPASS_ZH}")
    return None


def split_table(name: str) -> tuple[str | None, str]:
    """Split ``schema.table`` as PostgreSQL reads it, without building any SQL.

    Unquoted parts are folded to lower case (ASCII only, as PostgreSQL does); double-quoted parts
    are kept verbatim (``""`` is a quote inside them), so ``"My Schema"."a.b"`` is
    ``("My Schema", "a.b")``.

    Parameters
    ----------
    name : str
        ``table``, ``schema.table`` or their quoted forms.

    Returns
    -------
    (str or None, str)
        The schema (None: the first match on the search path) and the table.

    Raises
    ------
    ValueError
        An empty part, more than two parts or an unbalanced quote.
    """
    parts, i, text = [], 0, name.strip()
    while True:
        if text[i:i + 1] == '"':
            j, part = i + 1, []
            while True:
                k = text.find('"', j)
                if k < 0:
                    raise ValueError(f"unbalanced double quote in table name {name!r}")
                part.append(text[j:k])
                if text[k + 1:k + 2] != '"':
                    break
                part.append('"')
                j = k + 2
            parts.append("".join(part))
            i = k + 1
        else:
            k = text.find(".", i)
            raw = text[i:] if k < 0 else text[i:k]
            if '"' in raw:
                raise ValueError(f"a double quote inside an unquoted name in {name!r}; quote the "
                                 'whole part, e.g. "schema"."my table"')
            parts.append(raw.strip().translate(_ASCII_LOWER))
            i = len(text) if k < 0 else k
        if i >= len(text):
            break
        if text[i] != ".":
            raise ValueError(f"unexpected text after a quoted name in {name!r}")
        i += 1
    if any(not p for p in parts) or len(parts) > 2:
        raise ValueError(f"{name!r} is not a table name; expected 'table' or 'schema.table'")
    return (None, parts[0]) if len(parts) == 1 else (parts[0], parts[1])


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class PostgisSource(BaseModel):
    """The catalog's ``postgis = { service, table, geometry }`` of one layer.

    Attributes
    ----------
    service : str
        A service name in the libpq service file; never a URL or connection string.
    table : str
        ``schema.table`` (or ``table``, looked up on the search path); quoted parts allowed.
    geometry : str or None
        The geometry column; None takes the table's only geometry column.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str
    table: str
    geometry: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_credentials(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            for key, value in raw.items():
                why = credential_problem(str(key), value)
                if why is None and str(key).lower() in _CONNECTION_KEYS:
                    why = bi(f"key {key!r}: connection settings belong in the libpq service "
                             "file (PGSERVICEFILE), not in the catalog; name the service with "
                             "service = \"...\"",
                             f"键 {key!r}：连接设置应写在 libpq 服务文件（PGSERVICEFILE）中，"
                             "不写在图层目录中；请用 service = \"...\" 指定服务名")
                if why:
                    raise ValueError(why)
        return raw

    @field_validator("service")
    @classmethod
    def _service(cls, v: str) -> str:
        if not re.fullmatch(r"[^\s=/:@'\"]+", v.strip()):
            raise ValueError("expected the name of a service in the libpq service file "
                             "(PGSERVICEFILE), e.g. service = \"zoning\"; not a URL or "
                             "connection string")
        return v.strip()

    @field_validator("table")
    @classmethod
    def _table(cls, v: str) -> str:
        split_table(v)
        return v.strip()

    @field_validator("geometry")
    @classmethod
    def _geometry(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("empty geometry column name; leave the key out to take the table's "
                             "only geometry column")
        return v

    @property
    def label(self) -> str:
        """``PostGIS service 'zoning', table public.farmland`` for messages and reports."""
        return f"PostGIS service {self.service!r}, table {self.table}"


# -- looking the table up ---------------------------------------------------------------------
_FIND_TABLE = """
SELECT c.oid, n.nspname, c.relname, current_user,
       has_schema_privilege(n.oid, 'USAGE') AND has_table_privilege(c.oid, 'SELECT')
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname = %(table)s AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
  AND (n.nspname = %(schema)s::text
       OR (%(schema)s::text IS NULL AND n.nspname = ANY (current_schemas(false))))
ORDER BY array_position(current_schemas(false), n.nspname::text) LIMIT 1"""
_NEAR_TABLES = """
SELECT n.nspname || '.' || c.relname
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE lower(c.relname) = lower(%(table)s) AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
ORDER BY 1 LIMIT 5"""
_COLUMNS = """
SELECT a.attname, t.typname, t.typcategory, coalesce(e.typcategory, '')
FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"""
_DENIED_COLUMNS = """
SELECT a.attname FROM pg_catalog.pg_attribute a
WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
  AND NOT has_column_privilege(a.attrelid, a.attnum, 'SELECT')
  AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute b WHERE b.attrelid = a.attrelid
              AND b.attnum > 0 AND NOT b.attisdropped
              AND has_column_privilege(b.attrelid, b.attnum, 'SELECT'))
ORDER BY a.attnum"""
"""The columns the role may not read, when it may read some (column grants); else none."""
_PRIMARY_KEY = """
SELECT a.attname FROM pg_catalog.pg_index i
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
WHERE i.indrelid = %s AND i.indisprimary
ORDER BY array_position(i.indkey::int2[], a.attnum)"""


def find_table(cur, source: PostgisSource, what: str) -> tuple[int, str, str]:
    """The table's oid, schema and name; errors start with ``what`` (the service and the table,
    or the catalog's layer) and say the fix. A table the role may not read, or whose row-level
    security may hide rows from it (:func:`layers.pgrows.check_row_security`), is refused."""
    schema, table = split_table(source.table)
    cur.execute(_FIND_TABLE, {"schema": schema, "table": table})
    row = cur.fetchone()
    if row is None:
        cur.execute(_NEAR_TABLES, {"table": table})
        near = [r[0] for r in cur.fetchall()]
        hint = (f"; tables with that name in another case or schema: {near} (quote mixed-case "
                'names: table = \'"Schema"."Table"\')' if near else "")
        where = f"schema {schema!r}" if schema else "the search path"
        raise TableError(bi(f"{what}: no table or view {table!r} in {where}{hint}; check "
                            "the name, or that the service points at the right database",
                            f"数据库中没有表或视图 {table!r}：请核对表名（大小写、模式名），"
                            "或服务是否指向正确的数据库"))
    oid, schema, table, role, allowed = row
    if not allowed:
        cur.execute(_DENIED_COLUMNS, (oid,))
        denied = [r[0] for r in cur.fetchall()]
        cols = ", ".join(denied)
        some = f" (its columns {cols}: other columns are granted)" if denied else ""
        some_zh = f"（列 {cols} 无权读取，其余列已授权）" if denied else ""
        raise DatabasePermissionError(bi(
            f"{what}: role {role!r} may not read {schema}.{table}{some}; ask the database "
            f"administrator to GRANT USAGE ON SCHEMA {schema} and GRANT SELECT ON {schema}."
            f"{table} TO {role}, or use a service whose user may read it",
            f"数据库用户 {role!r} 无权读取 {schema}.{table}{some_zh}：请管理员授予 USAGE 与 "
            "SELECT 权限，或改用有权读取的服务"))
    check_row_security(cur, oid, schema, table, role, what)
    return oid, schema, table


def _geometry_column(source: PostgisSource, columns: list[tuple], what: str) -> str:
    geoms = [c[0] for c in columns if c[1] == "geometry"]
    if source.geometry is not None:
        if source.geometry in geoms:
            return source.geometry
        other = next((c[1] for c in columns if c[0] == source.geometry), None)
        why = f"column {source.geometry!r} is of type {other}" if other else \
            f"no column {source.geometry!r}"
        raise TableError(bi(f"{what}: {why}; its geometry columns are {geoms or 'none'}; "
                            "set geometry = \"...\" in the catalog's postgis entry",
                            f"几何列 {source.geometry!r} 不可用（该表的几何列：{geoms or '无'}）："
                            "请在图层目录的 postgis 项中设置 geometry = \"...\""))
    if len(geoms) != 1:
        found = f"several geometry columns {geoms}" if geoms else "no geometry column"
        raise TableError(bi(f"{what}: {found}; name the one to read with "
                            "geometry = \"...\" in the catalog's postgis entry",
                            f"该表{'有多个几何列 ' + str(geoms) if geoms else '没有几何列'}："
                            "请在图层目录的 postgis 项中用 geometry = \"...\" 指定"))
    return geoms[0]


def _bbox_filter(bbox, bbox_crs, table_crs: pyproj.CRS | None) -> tuple[float, ...]:
    """The bbox in the table's CRS (transformed boxes enclose the given one)."""
    box = tuple(float(v) for v in bbox)
    if len(box) != 4 or not np.all(np.isfinite(box)) or box[0] > box[2] or box[1] > box[3]:
        raise ValueError(f"bbox {bbox!r} is not (minx, miny, maxx, maxy)")
    if bbox_crs is None or table_crs is None or normalize_crs(bbox_crs) == table_crs:
        return box
    t = transformer(normalize_crs(bbox_crs), table_crs)
    return tuple(float(v) for v in t.transform_bounds(*box, densify_pts=21))


# -- reading ----------------------------------------------------------------------------------
def read_postgis(
    source: PostgisSource,
    crs: object = None,
    what: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    bbox_crs: object = None,
    id_column: str | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem], dict]:
    """Read a PostGIS table into a GeoDataFrame in its own CRS, geometry cleaned.

    Parameters
    ----------
    source : PostgisSource
        Service, table and geometry column.
    crs : object, optional
        CRS of a table whose SRID is 0 (ignored, with a note, when the table declares one;
        refused when it declares none and its rows all carry another).
    what : str, optional
        How to name the source in messages (default: ``source.label``).
    bbox : (minx, miny, maxx, maxy), optional
        Only rows whose geometry's bounding box meets this box (``&&``, uses the GiST index).
    bbox_crs : object, optional
        CRS of ``bbox`` (e.g. ``"EPSG:4326"`` for lon/lat [°]); default the table's CRS. A box
        in another CRS is transformed with densified edges to a box enclosing it.
    id_column : str, optional
        The column that names rows in messages (a catalog's mapped ``id``).

    Returns
    -------
    (GeoDataFrame, list of Problem, dict)
        Every non-spatial column as read (non-scalar types as text) and ``geometry``, in
        primary-key order; the problems of reading and cleaning; the provenance
        ``{"service", "table", "geometry", "srid", "rows", "read_at", "seconds", "bbox",
        "fingerprint"}`` (the last: :func:`layers.pgstamp.fingerprint` of the whole table).

    Raises
    ------
    ServiceError, NoPostgisError, TableError, DatabasePermissionError, CRSError
        Each starting with ``what`` (a catalog names its file and the layer) and naming the
        service, the table and the fix.
    """
    from psycopg import sql

    conn_what, what = what, what or source.label  # the label alone: connect names the service
    started, read_at = time.perf_counter(), dt.datetime.now().astimezone()
    problems: list[Problem] = []
    conn = connect(source.service, conn_what)
    try:
        with conn.cursor() as cur:
            oid, schema, table = find_table(cur, source, what)
            cur.execute(_COLUMNS, (oid,))
            columns = cur.fetchall()
            geom = _geometry_column(source, columns, what)
            srid, table_crs, problems = column_crs(cur, oid, schema, table, geom, crs, what)
            cur.execute(_PRIMARY_KEY, (oid,))
            key = [r[0] for r in cur.fetchall()]
            # before the rows: a change between the two is then seen later as a change
            stamp = fingerprint(cur, oid, schema, table)
        names, select = [], [sql.SQL("ST_AsBinary({})").format(sql.Identifier(geom))]
        for name, typname, category, element in columns:
            if name == geom or typname in _SPATIAL_TYPES:
                continue
            native = category in _NATIVE_CATEGORIES or (category == "A" and
                                                          element in _NATIVE_CATEGORIES)
            select.append(sql.Identifier(name) if native else
                          sql.SQL("{}::text").format(sql.Identifier(name)))
            names.append(name)
        query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(select),
                                                    sql.Identifier(schema, table))
        params: tuple = ()
        if bbox is not None:
            query += sql.SQL(" WHERE {} && ST_MakeEnvelope(%s, %s, %s, %s, %s)").format(
                sql.Identifier(geom))
            params = (*_bbox_filter(bbox, bbox_crs, table_crs or normalize_crs(crs, what)), srid)
        if key:
            query += sql.SQL(" ORDER BY {}").format(sql.SQL(", ").join(map(sql.Identifier, key)))
        else:
            problems.append(Problem(None, "order", f"{what}: the table has no primary key, so "
                                    "its rows come in the database's storage order, which may "
                                    "change; add a primary key for reproducible outputs", "note"))
        wkb, rows = [], []
        with conn.cursor(name="siting_read", binary=True) as cur:
            cur.execute(query, params)
            while batch := cur.fetchmany(BATCH_ROWS):
                for row in batch:
                    wkb.append(row[0])
                    rows.append(row[1:])
        conn.rollback()
    finally:
        conn.close()
    geometry = shapely.from_wkb(np.array(wkb, dtype=object)) if wkb else np.array([], object)
    frame = pd.DataFrame.from_records(rows, columns=names) if rows else \
        pd.DataFrame({n: pd.Series(dtype=object) for n in names})
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=table_crs))
    gdf, problems = _finish(gdf, crs, what, problems, hints=None, feature_errors=False,
                            id_column=id_column)
    provenance = {"service": source.service, "table": f"{schema}.{table}", "geometry": geom,
                  "srid": srid, "crs": describe_crs(gdf.crs), "rows": len(gdf),
                  "read_at": read_at.isoformat(timespec="seconds"),
                  "seconds": round(time.perf_counter() - started, 3),
                  "bbox": list(params[:4]) if bbox is not None else None, "fingerprint": stamp}
    return gdf, problems, provenance
