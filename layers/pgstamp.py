"""A cheap fingerprint of a PostGIS table, to notice that a prepared copy of it is stale.

``siting prepare`` reads a table once; later runs read the prepared copy. A red line added to
the table after that must not go unseen (the copy would admit a project the table prohibits),
so prepare records the table's fingerprint (:func:`fingerprint`) and every run compares it with
the live table (:func:`table_changed`), as :func:`layers.prepared.source_changed` compares a
source file's size and SHA-256:

* a table, partitioned table or materialized view: the row count and the largest ``xmin`` (the
  transaction that wrote each row version). An insert or an update writes a row version with a
  newer ``xmin``; a delete lowers the count; so every change moves (count, max xmin). One scan
  of the rows' headers, no geometry is read or sent.
* a view or a foreign table (no ``xmin``): the row count and an MD5 of the rows' texts, computed
  by the server (slower: it reads every row there, but sends nothing).

A changed table, or one that cannot be checked (server unreachable, table gone, no right to read
it), makes the prepared layer unusable: its rules give review (unknown never passes).
"""

from __future__ import annotations

import datetime as dt

from layers.errors import DatabaseError, bi
from layers.hygiene import Problem

_XMIN_KINDS = ("r", "p", "m")
"""``pg_class.relkind`` of relations whose rows carry ``xmin``."""


def fingerprint(cur, oid: int, schema: str, table: str) -> dict:
    """The table's fingerprint, in one query of the live table (see the module's text).

    Parameters
    ----------
    cur : psycopg.Cursor
        On a connection to the table's database.
    oid : int
        The table's ``pg_class`` oid.
    schema, table : str
        Its schema and name as the database spells them (quoted with
        :class:`psycopg.sql.Identifier`).

    Returns
    -------
    dict
        ``{"rows", "max_xmin" (or "rows_md5" for a view or foreign table), "at" (ISO 8601)}``.
    """
    from psycopg import sql

    cur.execute("SELECT relkind FROM pg_catalog.pg_class WHERE oid = %s", (oid,))
    kind = str(cur.fetchone()[0])
    name = sql.Identifier(schema, table)
    at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    if kind in _XMIN_KINDS:
        cur.execute(sql.SQL("SELECT count(*), max(xmin::text::bigint) FROM {}").format(name))
        rows, newest = cur.fetchone()
        return {"rows": int(rows), "max_xmin": None if newest is None else int(newest), "at": at}
    cur.execute(sql.SQL("SELECT count(*), md5(string_agg(md5(t::text), '' ORDER BY "
                        "md5(t::text))) FROM {} AS t").format(name))
    rows, digest = cur.fetchone()
    return {"rows": int(rows), "rows_md5": digest, "at": at}


def live_fingerprint(service: str, table: str, what: str) -> dict:
    """The fingerprint of ``table`` in PostGIS ``service`` now.

    Raises
    ------
    DatabaseError
        The service cannot be reached, the table is gone or may not be read.
    """
    import psycopg

    from layers.pgconnect import connect
    from layers.postgis import PostgisSource, find_table

    source = PostgisSource(service=service, table=table)
    conn = connect(service, what)
    try:
        with conn.cursor() as cur:
            oid, schema, name = find_table(cur, source, what)
            return fingerprint(cur, oid, schema, name)
    except psycopg.Error as exc:
        raise DatabaseError(" ".join(str(exc).split())) from None
    finally:
        conn.close()


def table_changed(stamp: dict, what: str) -> tuple[list[Problem], dict]:
    """Compare a prepared layer's table fingerprint with the live table.

    Parameters
    ----------
    stamp : dict
        ``{"service", "table", "fingerprint"}`` as ``siting prepare`` recorded it.
    what : str
        The catalog and the layer, to start each message with.

    Returns
    -------
    (list of Problem, dict)
        An error (``source_changed`` or ``source_unchecked``) when the table changed or could
        not be checked, else nothing; and the check: ``{"at", "result"}`` with result
        ``unchanged``, ``changed`` or ``unchecked``.
    """
    service, table, then = stamp["service"], stamp["table"], stamp["fingerprint"]
    where = f"table {table} of PostGIS service {service!r}"
    where_zh = f"PostGIS 服务 {service!r} 的数据表 {table}"
    checked_at = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    try:
        now = live_fingerprint(service, table, what)
    except DatabaseError as exc:
        reason = " ".join(str(exc).split())
        return [Problem(None, "source_unchecked", bi(
            f"{what}: its source, {where}, could not be checked against the fingerprint siting "
            f"prepare recorded ({then['at']}, {then['rows']} rows): {reason}. Unknown is not "
            "unchanged: its rules are not checked (review). Make the service reachable and run "
            "again, or run siting prepare again",
            f"无法核对源数据表（{where_zh}）是否在预处理（{then['at']}，{then['rows']} 行）后改变："
            "数据库无法连接或该表不可读；未知不等于未变，相关规则未核查（需论证）。请使数据库服务可连接后"
            "重新运行，或重新运行 siting prepare"), "error")], \
            {"at": checked_at, "result": "unchecked"}
    keys = ("rows", "max_xmin", "rows_md5")
    if all(now.get(k) == then.get(k) for k in keys):
        return [], {"at": now["at"], "result": "unchanged"}
    count = (f"{then['rows']} rows then, {now['rows']} now" if now["rows"] != then["rows"] else
             f"{now['rows']} rows then and now, but rows were changed")
    count_zh = (f"预处理时 {then['rows']} 行，现 {now['rows']} 行" if now["rows"] != then["rows"]
                else f"行数同为 {now['rows']}，但有行被修改")
    return [Problem(None, "source_changed", bi(
        f"{what}: its source, {where}, changed after siting prepare read it ({then['at']}; "
        f"{count}), so the prepared copy may not show your present data: its rules are not "
        "checked (review); run siting prepare again",
        f"源数据表（{where_zh}）在预处理（{then['at']}）后已改变（{count_zh}），预处理副本可能与现有"
        "数据不符：相关规则未核查（需论证）；请重新运行 siting prepare"), "error")], \
        {"at": now["at"], "result": "changed"}


def table_check(summary: dict, path: str, path_zh: str | None = None) -> dict:
    """What a prepared layer's provenance says of the check of its PostGIS table
    (:func:`table_changed`), for reports.

    Parameters
    ----------
    summary : dict
        The prepared layer's summary (:func:`layers.prepared.read_summary`, checked).
    path : str
        The provenance's sentence, to add the check to.
    path_zh : str, optional
        The same in Chinese (default ``path``).

    Returns
    -------
    dict
        ``{}`` for a layer not prepared from a table; else ``service``, ``table``, ``rows``,
        ``fingerprint_at``, ``verified`` (found unchanged), ``verified_at``, ``path`` and
        ``path_zh``.
    """
    if not summary.get("source_table"):
        return {}
    table, check = summary["source_table"], summary.get("source_checked") or {}
    stamp = table["fingerprint"]
    said = {"unchanged": f"verified unchanged {check.get('at')}",
            "changed": f"changed since (checked {check.get('at')})",
            "unchecked": f"could not be checked {check.get('at')}"}.get(check.get("result"),
                                                                        "not checked")
    said_zh = {"unchanged": f"于 {check.get('at')} 核对未变",
               "changed": f"此后已改变（{check.get('at')} 核对）",
               "unchecked": f"于 {check.get('at')} 无法核对"}.get(check.get("result"), "未核对")
    return {"service": table["service"], "table": table["table"], "rows": stamp["rows"],
            "fingerprint_at": stamp["at"], "verified": check.get("result") == "unchanged",
            "verified_at": check.get("at"),
            "path": f"{path}; table fingerprint {stamp['at']} ({stamp['rows']} rows) {said}",
            "path_zh": f"{path if path_zh is None else path_zh}；数据表指纹 {stamp['at']}"
                       f"（{stamp['rows']} 行）{said_zh}"}
