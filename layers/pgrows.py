"""What a PostGIS table's rows are, beyond its definition: who sees them, and their SRIDs.

Used by :mod:`layers.postgis` before a table is read, so that a layer is never read as more
complete or better placed than the database shows:

* :func:`check_row_security` — row-level security that applies to the reading role (the role
  is not the table's owner, or the table forces it; not a superuser; no ``BYPASSRLS``) may hide
  rows: a red-line table read in part would let projects inside the hidden rows pass. Unless a
  permissive policy shows every row to the role (``USING (true)``) and no restrictive policy
  hides any, the table is refused (:class:`~layers.errors.DatabasePermissionError`, as a missing
  grant is). A view has no row-level security of its own: the tables behind it (through views)
  are checked for the role that reads them (the view's owner, or the reader for a
  ``security_invoker`` view). Not seen: a view or function that filters rows itself (e.g.
  ``WHERE district = current_user``), and tables reached only through functions.
* :func:`column_crs` — a geometry column that declares no SRID (an untyped ``geometry`` column,
  a view of an expression: ``Find_SRID`` gives 0) may hold rows of any SRID. Their SRIDs are
  counted (``ST_SRID``): one non-zero SRID is used (a catalog ``crs`` that disagrees is refused);
  several, or SRID 0 beside others, are refused naming each with its row count; rows all of
  SRID 0 need the catalog's ``crs``, as before.
"""

from __future__ import annotations

import pyproj

from layers.crs import describe_crs, normalize_crs
from layers.errors import CRSError, DatabasePermissionError, bi
from layers.hygiene import Problem

_ROW_SECURITY = """
SELECT row_security_active(c.oid), pg_get_userbyid(c.relowner),
       coalesce(bool_or(p.polpermissive
                        AND pg_get_expr(p.polqual, p.polrelid) = 'true'), false),
       coalesce(bool_or(NOT p.polpermissive
                        AND coalesce(pg_get_expr(p.polqual, p.polrelid), '') <> 'true'), false)
FROM pg_catalog.pg_class c
LEFT JOIN pg_catalog.pg_policy p ON p.polrelid = c.oid AND p.polcmd IN ('r', '*')
  AND EXISTS (SELECT 1 FROM unnest(p.polroles) AS r(oid)
              WHERE CASE WHEN r.oid = 0 THEN true ELSE pg_has_role(r.oid, 'USAGE') END)
WHERE c.oid = %s
GROUP BY c.oid, c.relowner"""


_SHOWS_ALL = """
coalesce((SELECT bool_or(p.polpermissive AND pg_get_expr(p.polqual, p.polrelid) = 'true')
            AND NOT bool_or(NOT p.polpermissive
                            AND coalesce(pg_get_expr(p.polqual, p.polrelid), '') <> 'true')
          FROM pg_catalog.pg_policy p
          WHERE p.polrelid = c.oid AND p.polcmd IN ('r', '*')
            AND EXISTS (SELECT 1 FROM unnest(p.polroles) AS r(oid)
                        WHERE CASE WHEN r.oid = 0 THEN true
                                   ELSE pg_has_role(rel.reader, r.oid, 'USAGE') END)), false)"""
# The tables behind a view, through views, each with the role its rows are read as: the view's
# owner, or the reader for a security_invoker view; those whose row-level security applies to
# that role and whose policies are not seen to show it every row.
_BEHIND_VIEW = """
WITH RECURSIVE rel(oid, reader) AS (
    SELECT %(oid)s::oid, (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user)
  UNION
    SELECT d.refobjid,
           CASE WHEN EXISTS (SELECT 1 FROM unnest(v.reloptions) AS o(opt)
                             WHERE lower(o.opt) IN ('security_invoker=true', 'security_invoker=on',
                                                    'security_invoker=1', 'security_invoker=yes'))
                THEN rel.reader ELSE v.relowner END
    FROM rel JOIN pg_catalog.pg_class v ON v.oid = rel.oid AND v.relkind = 'v'
    JOIN pg_catalog.pg_rewrite w ON w.ev_class = v.oid
    JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass
         AND d.objid = w.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
         AND d.refobjid <> v.oid)
SELECT DISTINCT n.nspname || '.' || c.relname, pg_get_userbyid(rel.reader)
FROM rel JOIN pg_catalog.pg_class c ON c.oid = rel.oid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_roles a ON a.oid = rel.reader
WHERE rel.oid <> %(oid)s AND c.relrowsecurity AND NOT a.rolsuper AND NOT a.rolbypassrls
  AND (c.relforcerowsecurity OR NOT pg_has_role(rel.reader, c.relowner, 'USAGE'))
  AND NOT """ + _SHOWS_ALL + """
ORDER BY 1, 2"""


def check_row_security(cur, oid: int, schema: str, table: str, role: str, what: str) -> None:
    """Refuse a table whose row-level security may hide rows from the reading role.

    Parameters
    ----------
    cur : psycopg.Cursor
        On a connection as the reading role.
    oid : int
        The table's ``pg_class`` oid.
    schema, table, role : str
        The table as the database spells it and the reading role, for the message.
    what : str
        The service and the table, or the catalog's layer, to start the message with.

    Raises
    ------
    DatabasePermissionError
        Row-level security applies to the role and no policy is seen to show it every row.
    """
    cur.execute(_ROW_SECURITY, (oid,))
    active, owner, shows_all, restricted = cur.fetchone()
    if not active or (shows_all and not restricted):
        cur.execute(_BEHIND_VIEW, {"oid": oid})
        behind = cur.fetchall()
        if not behind:
            return
        base, role = behind[0]
        raise DatabasePermissionError(bi(
            f"{what}: {schema}.{table} reads {base}, whose row-level security applies to role "
            f"{role!r} (who reads it through the view), which may then see only some of its "
            "rows; a layer read in part would let projects inside the rows it cannot see pass. "
            "Ask the database administrator for a role that sees every row (BYPASSRLS) or a "
            f"policy that shows every row to this role (CREATE POLICY ... ON {base} FOR SELECT "
            f"TO {role} USING (true)), or use a service whose user sees every row",
            f"{schema}.{table} 读取的 {base} 启用了行级安全（row-level security），经该视图读取的数据库"
            f"用户 {role!r} 可能只能看到部分行；只读到部分图层会使位于不可见行内的项目通过审查。请数据库"
            "管理员为该用户授予 BYPASSRLS，或添加对该用户显示全部行的策略，或改用能看到全部行的服务"))
    raise DatabasePermissionError(bi(
        f"{what}: row-level security on {schema}.{table} (owner {owner!r}) applies to role "
        f"{role!r}, which may then see only some of its rows; a layer read in part would let "
        "projects inside the rows it cannot see pass. Ask the database administrator for a role "
        "that sees every row (BYPASSRLS) or a policy that shows every row to this role "
        f"(CREATE POLICY ... ON {schema}.{table} FOR SELECT TO {role} USING (true)), or use a "
        "service whose user sees every row",
        f"{schema}.{table} 启用了行级安全（row-level security），数据库用户 {role!r} 可能只能看到"
        "部分行；只读到部分图层会使位于不可见行内的项目通过审查。请数据库管理员为该用户授予 "
        "BYPASSRLS，或添加对该用户显示全部行的策略，或改用能看到全部行的服务"))


def _srid_crs(cur, srid: int, name: str, what: str) -> pyproj.CRS:
    cur.execute("SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s",
                (srid,))
    row = cur.fetchone()
    if row is None:
        raise CRSError(bi(f"{what}: SRID {srid} of {name} is not in the database's "
                          "spatial_ref_sys; fix the table's SRID",
                          f"{name} 的 SRID {srid} 不在数据库的 spatial_ref_sys 中：请修正该表的 SRID"))
    auth, code, wkt = row
    if str(auth).upper() == "EPSG" and code:
        return pyproj.CRS.from_epsg(int(code))
    return normalize_crs(wkt, what)


def _zero_message(name: str, schema: str, table: str, column: str, view: bool,
                  declared: bool) -> str:
    said = "has SRID 0 (no CRS)" if declared else \
        "declares no SRID and its rows have SRID 0 (no CRS)"
    if view:
        fix = (f"or cast the column in the view's definition, e.g. "
               f"`{column}::geometry(Geometry, 4490)`")
        fix_zh = f"或在视图定义中转换该列，如 {column}::geometry(Geometry, 4490)"
    else:
        fix = (f"or set the SRID in the database (SELECT UpdateGeometrySRID('{schema}', "
               f"'{table}', '{column}', 4490))")
        fix_zh = "或在数据库中设置 SRID（UpdateGeometrySRID）"
    return bi(f"{name} {said}. Add the CRS it is in to the catalog entry, e.g. "
              f"`crs = \"EPSG:4490\"`, {fix}; the toolkit never guesses a CRS",
              f"{name} 的 SRID 为 0（无坐标系）：请在图层目录项中写明 crs（如 crs = \"EPSG:4490\"），"
              f"{fix_zh}；本工具不猜测坐标系")


def column_crs(cur, oid: int, schema: str, table: str, column: str, crs: object,
              what: str) -> tuple[int, pyproj.CRS | None, list[Problem]]:
    """The SRID and CRS of a geometry column: declared, else the one its rows all carry.

    Parameters
    ----------
    cur : psycopg.Cursor
        On a connection to the table's database.
    oid : int
        The table's ``pg_class`` oid (a view is told apart for the message).
    schema, table, column : str
        As the database spells them (quoted with :class:`psycopg.sql.Identifier`).
    crs : object
        The catalog's ``crs``, or None.
    what : str
        The service and the table, or the catalog's layer, to start each message with.

    Returns
    -------
    (int, pyproj.CRS or None, list of Problem)
        The SRID (0: the rows have none; the catalog's ``crs`` is then used), its CRS, and a
        note when the SRID was taken from the rows.

    Raises
    ------
    CRSError
        Rows of several SRIDs (or of SRID 0 beside others); rows of one SRID that the catalog's
        ``crs`` contradicts; SRID 0 without a catalog ``crs``; an SRID not in spatial_ref_sys.
    """
    import psycopg
    from psycopg import sql

    name = f"{schema}.{table}.{column}"
    try:
        with cur.connection.transaction():
            cur.execute("SELECT Find_SRID(%s, %s, %s)", (schema, table, column))
            srid = int(cur.fetchone()[0] or 0)
    except psycopg.Error:  # not registered in geometry_columns (e.g. a view of an expression)
        srid = 0
    if srid:
        return srid, _srid_crs(cur, srid, name, what), []
    cur.execute("SELECT relkind FROM pg_catalog.pg_class WHERE oid = %s", (oid,))
    view = str(cur.fetchone()[0]) in ("v", "m")
    cur.execute(sql.SQL("SELECT ST_SRID({0}), count(*) FROM {1} WHERE {0} IS NOT NULL "
                        "GROUP BY 1 ORDER BY 1").format(sql.Identifier(column),
                                                        sql.Identifier(schema, table)))
    counts = [(int(s), int(n)) for s, n in cur.fetchall()]
    listed = ", ".join(f"{s} ({n} rows)" for s, n in counts)
    if len(counts) > 1:
        target = max((c for c in counts if c[0]), key=lambda c: c[1])[0]
        raise CRSError(bi(
            f"{what}: {name} declares no SRID and its rows are in several: SRID {listed}; read "
            "as one CRS some would land in the wrong place (a catalog crs would apply to every "
            "row). Transform the rows to one SRID in the database (UPDATE ... SET "
            f"{column} = ST_Transform({column}, {target}) WHERE ST_SRID({column}) <> {target}; "
            "rows of SRID 0 need ST_SetSRID to their own first), or read a view that casts every "
            f"row to one SRID (ST_Transform({column}, {target})::geometry(Geometry, {target}))",
            f"{name} 未声明 SRID，其各行的 SRID 不一：{listed}；按同一坐标系读取会使部分要素错位。"
            f"请在数据库中把各行转换到同一 SRID（ST_Transform），或读取把各行统一转换到一个 SRID "
            "的视图"))
    if not counts or counts[0][0] == 0:
        if crs is None:
            raise CRSError(f"{what}: " + _zero_message(name, schema, table, column, view,
                                                       declared=not counts))
        return 0, None, []
    srid, rows = counts[0]
    found = _srid_crs(cur, srid, name, what)
    if crs is not None and normalize_crs(crs, what) != found:
        raise CRSError(bi(
            f"{what}: {name} declares no SRID; its rows are all in SRID {srid} ({rows} rows): "
            f"{describe_crs(found)}, but the catalog entry says crs = {crs!r}; remove crs from "
            "the catalog entry (the rows' SRID is used), or correct the rows' SRID in the database",
            f"{name} 未声明 SRID，其各行均为 SRID {srid}（{rows} 行），与图层目录项的 crs = {crs!r} "
            "不符：请删除目录项中的 crs（将使用各行的 SRID），或在数据库中修正各行的 SRID"))
    return srid, found, [Problem(None, "crs", bi(
        f"{what}: {name} declares no SRID; its rows are all in SRID {srid} ({rows} rows), read "
        f"as {describe_crs(found)}",
        f"{name} 未声明 SRID，其各行均为 SRID {srid}（{rows} 行），按此坐标系读取"), "note")]
