"""Coordinate tables: one row per point, or rows grouped into polygons, in degrees or metres.

Recognises coordinate columns by name (:mod:`layers.table_columns`), values in decimal degrees,
degrees-minutes-seconds (:func:`parse_dms`) or Gauss-Krüger metres, and decides the CRS without
guessing: degrees need the caller to say their system; metres need a zone number in the
eastings or an explicit CRS.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from layers.coordcheck import check_placement, no_zone_number
from layers.crs import describe_crs, normalize_crs
from layers.dms import parse_dms
from layers.errors import (
    KEPT,
    CRSError,
    InputError,
    ReadError,
    bi,
    fix_hint,
    halves,
    joined,
    place_zh,
    rephrase,
)
from layers.gk import detect_gk, legacy_fixes
from layers.hygiene import READ_ROW, REPAIR_HINT, Problem
from layers.table_columns import (
    GROUP_COLUMNS,
    ORDER_COLUMNS,
    column_keys,
    coordinate_columns,
    find_column,
    refuse_repeated,
)
from layers.vertex_rows import apart, blank_ids, blocks, conflicts, spaced_ids, table_rows

READ_ERROR = "_read_error"
_NOT_NUMBERS = {"nan", "-nan", "inf", "-inf", "+inf", "infinity", "-infinity", "null", "none",
                "#n/a", "n/a", "na", "#value!", "#num!"}

_PLAIN_NUMBER = re.compile(r"[+-]?(?:0|[1-9]\d*)(?:\.\d+)?")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def no_coords(what: str, hints: dict | None = None) -> CRSError:
    """The error for longitude/latitude degrees that name no coordinate system: the fix (the
    command's ``coords`` hint, :func:`layers.errors.fix_hint`) and where such numbers come from
    (AMap gives GCJ-02, Baidu BD-09), never a guess. ``siting screen`` and ``siting check``
    both raise it."""
    fix = fix_hint(hints, "coords")
    return CRSError(bi(f"{what}: coordinates are bare degrees and nothing says in which system; "
                       f"give it: {fix} (WGS84 from GPS, GCJ-02 from AMap/Tencent, BD-09 from "
                       "Baidu, CGCS2000 from surveys)",
                       f"{place_zh(what)}：坐标未说明坐标系，请指定：{fix}（GPS 为 WGS84，"
                       "高德/腾讯为 GCJ-02，百度为 BD-09，测绘成果为 CGCS2000）"))


def _parse_column(values: pd.Series, column: str,
                  errors: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """Numbers of a coordinate column and which cells were written as degrees-minutes-seconds."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    out = pd.to_numeric(text.where(text.str.fullmatch(_DECIMAL.pattern), None),
                        errors="coerce").to_numpy(dtype=float, copy=True)
    dms = np.zeros(len(text), dtype=bool)
    for i in np.flatnonzero(np.isnan(out)):
        cell = text.iloc[i]
        if not cell:
            errors.setdefault(i, bi(f"no value in column {column!r}", f"“{column}”列没有值"))
            continue
        if cell.lower() in _NOT_NUMBERS:
            errors.setdefault(i, bi(f"column {column!r}: {cell!r} is not a number",
                                    f"“{column}”列的值 {cell!r} 不是数字"))
            continue
        try:
            out[i], dms[i] = parse_dms(cell), True
        except InputError as exc:
            errors.setdefault(i, rephrase(exc, f"column {column!r}: {{}}",
                                          f"“{column}”列的值 {{}}"))
    return out, dms


def _table_crs(x: np.ndarray, y: np.ndarray, dms: bool, pair: str, coords: str | None,
               crs: object, what: str, hints: dict | None, bad: dict[int, str]
               ) -> tuple[pyproj.CRS, np.ndarray, np.ndarray, list[Problem]]:
    """The CRS of table coordinates (x, y possibly swapped for survey X=northing tables).

    Rows whose easting lacks the zone number the other rows carry are added to ``bad``.
    """
    problems: list[Problem] = []
    ok = np.isfinite(x) & np.isfinite(y)
    metres = not dms and bool(ok.any()) and (np.median(np.abs(x[ok])) > 1000
                                            or np.median(np.abs(y[ok])) > 1000)
    given = normalize_crs(crs, what) if crs is not None else None
    if not metres:
        if given is not None:
            if not given.is_geographic:
                raise CRSError(bi(f"{what}: coordinates are degrees but the CRS given "
                                  f"({given.name}) is not a longitude/latitude CRS",
                                  f"坐标以度为单位，但给定的坐标系（{given.name}）不是经纬度坐标系"))
            return given, x, y, problems
        if coords is None:
            raise no_coords(what, hints)
        return pyproj.CRS.from_epsg(4490 if coords == "cgcs2000" else 4326), x, y, problems
    if pair not in ("x/y", "x坐标/y坐标"):
        raise CRSError(bi(f"{what}: columns {pair} hold values in metres, not degrees; name "
                          "them x/y for projected coordinates",
                          f"{pair} 列的值以米为单位而非度；投影坐标请将列命名为 x/y"))
    if coords in ("wgs84", "gcj02", "bd09"):
        fix = fix_hint(hints, 'crs', 'EPSG:4544')
        raise CRSError(bi(f"{what}: coords {coords} means longitude/latitude degrees but the "
                          f"table holds metres; say their projected CRS instead: {fix}",
                          f"坐标系 {coords} 指经纬度，但表中是米；请改为指定投影坐标系："
                          f"{fix_hint(hints, 'crs', 'EPSG:4544', 'zh')}"))
    mx, my = np.median(x[ok]), np.median(y[ok])
    if 1e6 <= mx < 1e7 and not 1e6 <= my < 1e7:
        x, y = y, x
        problems.append(Problem(None, "axis_order", f"{what}: the x column holds northings "
                                "(surveying X); read as x = easting from the y column", "note"))
    if given is not None:
        if given.is_geographic:
            raise CRSError(bi(f"{what}: coordinates are metres but the CRS given "
                              f"({given.name}) is in degrees",
                              f"坐标以米为单位，但给定的坐标系（{given.name}）以度为单位"))
        return given, x, y, problems
    zoned = ok & (x >= 1e7)
    try:
        found = detect_gk(x[zoned] if zoned.any() else x[ok])
    except CRSError as exc:
        plain = ok & (x >= 1e5) & (x < 1e6)
        if zoned.any() or not plain.any():
            fix = fix_hint(hints, 'crs', 'EPSG:4544')
            raise CRSError(rephrase(exc, f"{what}: {{}}. Say which CRS the metres are in: {fix}",
                                    f"{{}}。请指定米制坐标所用的坐标系："
                                    f"{fix_hint(hints, 'crs', 'EPSG:4544', 'zh')}")) from None
        raise CRSError(rephrase(no_zone_number(x[plain], y[plain], hints), f"{what}: {{}}",
                                "{}")) from None
    for i in np.flatnonzero(ok & ~zoned) if zoned.any() else ():
        zone = int(np.median(x[zoned]) // 1e6)
        bad.setdefault(int(i), bi(f"easting {x[i]:.10g} has no zone number, while the other "
                                  f"rows carry zone {zone}",
                                  f"东坐标 {x[i]:.10g} 没有带号，而其他行带有带号 {zone}"))
    if coords is None:
        zone = int(np.median(x[zoned]) // 1e6) if zoned.any() else None
        fixes = (legacy_fixes(zone, 3 if zone >= 25 else 6, True, hints) if zone else
                 f"say so ({fix_hint(hints, 'crs')})")
        problems.append(Problem(None, "crs", f"{what}: Gauss-Krüger eastings with zone number "
                                f"read as {describe_crs(found)}; the datum (CGCS2000) is "
                                f"assumed: {fixes}", "warning"))
    return found, x, y, problems


def coordinate_values(df: pd.DataFrame, what: str, rows: list[int] | None = None,
                      header: list | None = None) -> tuple[str, str, np.ndarray, np.ndarray]:
    """The coordinate columns of a table of text cells (as :func:`read_table` finds them) and
    their numbers [°] (decimal or degrees-minutes-seconds); NaN where both cells are blank.
    ``siting convert`` rewrites them in place.

    Raises
    ------
    ReadError
        No coordinate columns, two of one meaning, or a cell that is not a number (or blank
        beside a number): the first such cell, naming the file, its row and column.
    """
    numbers = list(rows) if rows is not None else list(range(2, len(df) + 2))
    refuse_repeated(list(df.columns) if header is None else header, what)
    xcol, ycol, _ = coordinate_columns(df, what, numbers)
    bad: dict[int, str] = {}
    x, _ = _parse_column(df[xcol], xcol, bad)
    y, _ = _parse_column(df[ycol], ycol, bad)
    blank = [i for i in range(len(df)) if all(
        pd.isna(v) or not str(v).strip() for v in (df[xcol].iloc[i], df[ycol].iloc[i]))]
    for i in blank:
        bad.pop(i, None)
    if bad:
        i = min(bad)
        en, zh = halves(bad[i])
        raise ReadError(bi(f"{what}, row {numbers[i]}: {en}", f"{what} 第 {numbers[i]} 行：{zh or en}"))
    return xcol, ycol, x, y


def numbers_where_plain(df: pd.DataFrame) -> pd.DataFrame:
    """Empty cells → missing; columns holding only plain numbers → numbers (``001`` stays text)."""
    out = df.copy()
    for col in out.columns:
        s = out[col].astype(object).where(out[col].notna(), "").astype(str).str.strip()
        filled = s[s != ""]
        if len(filled) and filled.str.fullmatch(_PLAIN_NUMBER.pattern).all():
            out[col] = pd.to_numeric(s.where(s != "", None))
        else:
            out[col] = s.where(s != "", None).astype(object)
    return out


def _order_key(value: object) -> float:
    found = re.findall(r"\d+(?:\.\d+)?", str(value))
    if not found:
        raise ValueError(value)
    return float(found[-1])


def _crossing_edges(ring: list[tuple[float, float]], names: list[str], order: str,
                    key: str) -> str:
    """What to check in a polygon of vertex rows that crosses itself, bilingual: the edges that
    cross, by the values of the order column (``edge 序号 2→3 crosses edge 序号 4→1 / 序号 2→3 的边
    与序号 4→1 的边相交``), at most three pairs; ``""`` when the polygon is valid. The commonest
    cause is two vertex rows swapped."""
    poly = shapely.Polygon(ring)
    if shapely.is_valid(poly):
        return ""
    n = len(ring)
    edges = shapely.linestrings([[ring[k], ring[(k + 1) % n]] for k in range(n)])
    a, b = shapely.STRtree(edges).query(edges, predicate="intersects")
    apart = (a < b) & ((b - a) % n != 1) & ((a - b) % n != 1)  # not neighbours on the ring
    i, j = a[apart][:3], b[apart][:3]
    en = [f"edge {order} {names[p]}→{names[(p + 1) % n]} crosses edge {order} {names[q]}→"
          f"{names[(q + 1) % n]}" for p, q in zip(i, j)]
    zh = [f"{order} {names[p]}→{names[(p + 1) % n]} 的边与{order} {names[q]}→"
          f"{names[(q + 1) % n]} 的边相交" for p, q in zip(i, j)]
    return bi("; ".join([*en, f"check the order of the vertex rows ({order}) of {key}"]),
              "；".join([*zh, f"请核对 {key} 的界址点顺序（{order}），常见原因为两行顺序颠倒"]))


def _starts_again(values: pd.Series, i: int, before: int) -> bool:
    """Whether the order value of row ``i`` is not above that of the row ``before`` it."""
    try:
        return _order_key(values.iloc[i]) <= _order_key(values.iloc[before])
    except ValueError:
        return False


def _repeated_order(idx: list[int], values: pd.Series, x: np.ndarray, y: np.ndarray,
                    bad: dict[int, str], numbers: list[int], order: str, key: str) -> list[str]:
    """The error of a group (rows ``idx``, sorted by the order column) whose order value repeats
    on rows holding different points: which of them comes first, hence the outline, is unknown
    (file order would be a guess); ``[]`` when no value repeats, or only on one point (a closing
    row that repeats the first vertex, ``J1`` … ``J1``)."""
    tied: dict[float, list[int]] = {}
    for i in idx:
        tied.setdefault(_order_key(values.iloc[i]), []).append(i)
    found = []
    for same in tied.values():
        points = {(x[i], y[i]) for i in same if i not in bad}
        if len(points) > 1:
            found.append((str(values.iloc[same[0]]).strip(),
                          table_rows([numbers[i] for i in same])))
    if not found:
        return []
    en = " and ".join(f"{v} on {rows}" for v, rows in found)
    zh = "，".join(f"{v}（{place_zh(rows)}）" for v, rows in found)
    return [bi(f"column {order!r} repeats the order value {en} at different points: the order "
               f"of those vertices, hence the outline, is unknown; number the vertex rows of {key} "
               "1, 2, 3 … without repeats", f"“{order}”列的顺序值重复且点位不同：{zh}；这些界址点的"
               f"先后顺序无法确定，边界也就无法确定；请将 {key} 的界址点按 1、2、3……不重复地编号")]


def _polygons(attrs: pd.DataFrame, text: pd.DataFrame, x: np.ndarray, y: np.ndarray,
              bad: dict[int, str], group: str, order: str, drop: list[str], numbers: list[int]):
    """One polygon per group of rows, vertices sorted by the order column.

    ``attrs`` holds the typed attributes, ``text`` the cells as read (for keys and order),
    ``numbers`` the spreadsheet row of each data row.
    """
    members = blocks(text[group].fillna("").astype(str).str.strip().tolist(), numbers)
    kept = attrs.drop(columns=drop)
    hint = (f"(rows sharing a value in column {group!r} and ordered by column {order!r} are "
            "read as the vertices of one polygon; give each project its own value to read "
            "points)")
    rows, geoms, labels, problems, reasons, hints = [], [], [], [], [], []
    where = [table_rows([numbers[i] for run in runs for i in run]) for _, runs in members]
    written = text[group].fillna("").astype(str).tolist()
    for key, runs in members:
        idx = [i for run in runs for i in run]
        labels.append(key)
        spaced = spaced_ids(key, [written[i] for i in idx], [numbers[i] for i in idx], group)
        if spaced:  # one id once trimmed: read as one project, said
            problems.append(Problem(key, "id_spaces", spaced, "warning"))
        rows.append(kept.iloc[idx].bfill().iloc[0].to_dict())
        errs = [rephrase(bad[i], f"{table_rows([numbers[i]])}: {{}}",
                         f"{place_zh(table_rows([numbers[i]]))}：{{}}") for i in idx if i in bad]
        if len(runs) > 1:  # rows of other projects between: no outline, nothing else checked
            errs.insert(0, apart(key, runs, numbers, group, order, [
                numbers[b[0]] for a, b in zip(runs, runs[1:])
                if _starts_again(text[order], b[0], a[-1])]))
            idx = []  # no other check applies
        errs += conflicts(kept, idx, numbers, key, [group])
        restart = [numbers[i] for i, j in zip(idx[1:], idx) if _starts_again(text[order], i, j)]
        try:
            idx = sorted(idx, key=lambda i: _order_key(text[order].iloc[i]))
        except ValueError as exc:
            errs.append(bi(f"order value {exc.args[0]!r} in column {order!r} is not a number",
                           f"“{order}”列的顺序值 {exc.args[0]!r} 不是数字"))
        else:
            tied = _repeated_order(idx, text[order], x, y, bad, numbers, order, key)
            if tied and restart:
                span = table_rows(restart)
                tied.append(bi(f"{order!r} starts again on {span}: two projects given the same "
                               f"id {key!r}? give each project its own {group!r}",
                               f"“{order}”在{place_zh(span)}重新开始：是否两个项目用了同一编号 "
                               f"{key!r}？请给每个项目不同的“{group}”"))
            errs += tied
        ring = [(x[i], y[i]) for i in idx]
        names = [str(text[order].iloc[i]).strip() for i in idx]
        if len(ring) > 1 and ring[0] == ring[-1]:  # a closing row, not a lone point
            ring, names = ring[:-1], names[:-1]
        if not errs and len(set(ring)) < 3:
            span, n = table_rows([numbers[i] for i in idx]), len(set(ring))
            errs.append(bi(f"{span}: only {n} distinct point{'' if n == 1 else 's'}; a polygon "
                           "needs at least 3 " + hint, f"{place_zh(span)}：只有 {n} 个不同的点，"
                           f"多边形至少需要 3 个（“{group}”列值相同的行按“{order}”列排序，读作同一"
                           "多边形的顶点；若要读作点，请给每个项目不同的值）"))
        if errs:
            problems.append(Problem(key, "bad_value", rephrase(joined(errs), *KEPT), "error"))
            geoms.append(None)
            reasons.append(rephrase(joined(errs), f"{key}: {{}}", f"{place_zh(key)}：{{}}"))
            hints.append("")
        else:
            geoms.append(shapely.Polygon(ring))
            reasons.append("")
            hints.append(_crossing_edges(ring, names, order, key))
    return rows, geoms, labels, problems, reasons, where, hints


def read_table(df: pd.DataFrame, what: str, coords: str | None = None, crs: object = None,
               hints: dict[str, str] | None = None, rows: list[int] | None = None,
               header: list | None = None) -> tuple[gpd.GeoDataFrame, list[Problem], list[str]]:
    """Turn a table of text cells with coordinate columns into point or polygon footprints.

    One row per point, unless the table has a grouping column
    (:data:`layers.table_columns.GROUP_COLUMNS`) whose values repeat and an order column
    (:data:`layers.table_columns.ORDER_COLUMNS`): then the rows of one group are the vertices of
    one polygon (closed automatically), one feature per group. A group whose rows are not
    together (rows of another group between them) is one error feature naming its rows
    (:func:`layers.vertex_rows.apart`): no part of it is read as its outline. Other columns
    are kept as attributes (the group's non-empty value); a group whose rows give different values of one is an error feature
    (:func:`layers.vertex_rows.conflicts`), and so is a group whose order value repeats on rows
    holding different points: the order of its vertices, hence its outline, is unknown. Rows
    with no group value right after a group's rows (merged cells read as blanks) are errors, and
    so is that group (:func:`layers.vertex_rows.blank_ids`): whether they are its vertices is not
    guessed.

    A row that cannot be placed (no number, lat/lon swapped, outside the CRS's area of use)
    keeps its place with geometry None and its reason in column :data:`READ_ERROR`; the other
    rows are read. Column :data:`layers.hygiene.READ_ROW` says where each feature is in the
    table (``row 3``; ``rows 2-5`` for a polygon), as messages name it: the spreadsheet row of
    each data row is ``rows`` (default: the header is row 1, the data rows 2, 3 ...). ``hints``
    say how to fix ``coords`` and ``crs`` on the command being run. ``header`` is the header
    cells as written (pandas renames a repeated ``经度`` to ``经度.1``; default: the columns).

    Returns
    -------
    (GeoDataFrame, list of Problem, list of str)
        Features (not yet cleaned) with :data:`READ_ERROR` and :data:`layers.hygiene.READ_ROW`,
        problems, and each feature's label used in the problems (its rows, or its group key).

    Raises
    ------
    ReadError
        No coordinate columns, or two columns of one meaning among the coordinate, project id
        and vertex order columns (:func:`layers.table_columns.refuse_repeated`).
    CRSError
        The CRS cannot be determined, or no row fits it (the message says what the numbers look
        like).
    """
    numbers = list(rows) if rows is not None else list(range(2, len(df) + 2))
    refuse_repeated(list(df.columns) if header is None else header, what)
    xcol, ycol, pair = coordinate_columns(df, what, numbers)
    labels = [table_rows([r]) for r in numbers]
    bad: dict[int, str] = {}
    x, xdms = _parse_column(df[xcol], xcol, bad)
    y, ydms = _parse_column(df[ycol], ycol, bad)
    good = np.isfinite(x) & np.isfinite(y)
    if not good.any():
        first = next(iter(bad.values()), None)
        raise ReadError(bi(f"{what}: no row has usable coordinates in columns {xcol!r}/{ycol!r}"
                           + (f"; first problem: {halves(first)[0]}" if bad else ""),
                           f"没有一行在“{xcol}”/“{ycol}”列中有可用的坐标"
                           + (f"；第一个问题：{halves(first)[1]}" if bad else "")))
    found, x, y, problems = _table_crs(x, y, bool((xdms | ydms).any()), pair, coords, crs,
                                       what, hints, bad)
    placed = good & np.array([i not in bad for i in range(len(df))], dtype=bool)
    points = np.where(placed, shapely.points(np.where(placed, x, 0), np.where(placed, y, 0)),
                      None)
    fix = fix_hint(hints, "coords" if found.is_geographic else "crs")
    fix_zh = fix_hint(hints, "coords" if found.is_geographic else "crs", lang="zh")
    given = f" (as given: --coords {coords})" if coords else \
        f" (as given: --crs {crs})" if crs is not None else ""
    why = check_placement(points, found, lambda code, text: rephrase(
        text, f"{what}: {{}}; no row fits {describe_crs(found)}{given}" + ("" if given else
        ". Say what the coordinates are: " + (fix_hint(hints, 'crs', code)
                                               if code and not found.is_geographic else fix)),
        f"{{}}；没有一行符合 {describe_crs(found)}{given}" + ("" if given else
        "。请说明坐标所用的坐标系：" + (fix_hint(hints, 'crs', code, 'zh')
                                  if code and not found.is_geographic else fix_zh))))
    for i in np.flatnonzero(why != ""):
        bad.setdefault(int(i), str(why[i]))
    keys = column_keys(df.columns)
    group = find_column(keys, GROUP_COLUMNS)
    order = find_column(keys, ORDER_COLUMNS) if group is not None else None
    filled = df[group].dropna().astype(str).str.strip() if group else pd.Series(dtype=object)
    attrs = numbers_where_plain(df)
    if order is not None and filled.ne("").any():
        for i, msg in blank_ids(df[group].fillna("").astype(str).str.strip().tolist(), numbers,
                                group, order).items():
            bad.setdefault(i, msg)
    if order is not None and filled[filled != ""].duplicated().any():
        values, geoms, labels, more, reasons, where, hints = _polygons(
            attrs, df, x, y, bad, group, order, [xcol, ycol, order], numbers)
        table = pd.DataFrame(values,
                             columns=[c for c in df.columns if c not in (xcol, ycol, order)])
    else:
        more = [Problem(labels[i], "bad_value", rephrase(msg, *KEPT), "error")
                for i, msg in sorted(bad.items())]
        ok = np.array([i not in bad for i in range(len(df))], dtype=bool)
        geoms = np.where(ok, shapely.points(np.where(ok, x, 0), np.where(ok, y, 0)), None)
        reasons = [rephrase(bad[i], f"{labels[i]}: {{}}", f"{place_zh(labels[i])}：{{}}")
                   if i in bad else "" for i in range(len(df))]
        table = attrs.drop(columns=[xcol, ycol])
        where, hints = labels, None
    gdf = gpd.GeoDataFrame(table.reset_index(drop=True), geometry=list(geoms), crs=found)
    gdf[READ_ERROR] = reasons
    gdf[READ_ROW] = where
    if hints is not None and any(hints):
        gdf[REPAIR_HINT] = hints  # read by layers.footprints, which drops it
    return gdf, problems + more, labels
