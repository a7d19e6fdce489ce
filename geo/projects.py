"""Projects: footprints with canonical, validated attributes.

A project table may use the canonical English column names or the usual Chinese headers
(项目名称, 项目类型, 行业 ...). :func:`normalize_projects` maps both onto the canonical names,
validates every value and marks a bad project with an ``error`` text instead of failing the batch:
every input row stays, in input order.

Facts a rule may need are three-valued: the flags ``capacity_replacement``, ``pollutant_offset``,
``coal_substitution`` and ``risk_control_part`` are True, False or None (a blank cell is *unknown*,
never "no"); numbers are NaN and texts ``""`` when unknown.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.vocabulary import (  # noqa: F401  (re-exported: the vocabulary of a project)
    ALLOWED_ACTIVITIES,
    COLUMNS,
    COMPONENTS,
    FALSE_WORDS,
    FLAGS,
    HEADER_ALIASES,
    INDUSTRIES,
    MAJOR_CATEGORIES,
    NUMBERS,
    RESULT_COLUMNS,
    TRUE_WORDS,
    TWO_HIGH_INDUSTRIES,
    TWO_HIGH_TYPES,
    TYPES,
    VALUE_ALIASES,
    choices_zh,
    two_high,
)
from layers.attributes import cell_texts, each_distinct
from layers.errors import InputError, bi, choice_error, joined, place_zh, rephrase
from layers.hygiene import READ_ROW, REPAIRED, Problem, unrepairable_note
from layers.kinds import cell_text, is_missing, yes_no
from layers.numbers import ungroup_thousands

_RATIO = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(?:[:：]\s*([0-9]*\.?[0-9]+))?\s*$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")


NORMALIZED = "siting_normalized_projects"
"""``attrs`` key marking a frame :func:`normalize_projects` returned (screen it as it is)."""


DEFAULTED = "defaulted"
"""Key of ``attrs`` of :func:`normalize_projects`' result: ``{column: (default, blank rows,
rows)}`` for defaults given for a column the file has (they fill its blank cells only)."""
UNNAMED = "unnamed"
"""Key of ``attrs`` of :func:`normalize_projects`' result: ``[(where, generated id)]`` of rows
whose ``project_id`` was blank while others have one (:func:`read_projects` reports them)."""


def project_ids(given: list[str], width: int, where: list[str]) -> list[str]:
    """The project ids: as given. Where no row has one, ``P0001``, ``P0002`` ... by input
    order. A blank among given ids is named by its place in the file (``row-3``,
    ``feature-3``): a ``P<row>`` beside real ids reads as another project's. A generated id
    steps aside (``-2`` ...) from every given one, so that a project with an id of its own is
    never called a duplicate because of a blank elsewhere."""
    ids = list(given)
    taken = set(filter(None, given))
    by_place = bool(taken)
    for i in (i for i, g in enumerate(given) if not g):
        pid = base = (re.sub(r"[^0-9A-Za-z]+", "-", where[i]).strip("-") or f"row-{i + 1}"
                      if by_place else f"P{i + 1:0{width}d}")
        k = 1
        while pid in taken:
            k += 1
            pid = f"{base}-{k}"
        ids[i] = pid
        taken.add(pid)
    return ids


def _flag(value: Any) -> bool | None:
    """True/False from a yes/no cell (:func:`layers.kinds.yes_no`), None when blank;
    ValueError otherwise."""
    out = yes_no(value, TRUE_WORDS, FALSE_WORDS)
    if out is not None or not cell_text(value):
        return out
    raise ValueError(bi(f"{value!r} is not a yes/no value (use true/false, 1/0, 是/否; leave "
                        "the cell blank when unknown)",
                        f"{value!r} 不是是/否值（请用 true/false、1/0、是/否；未知时留空）"))


def _number(value: Any, column: str) -> float:
    """A number or ratio (``1.25:1``) [column's units]; NaN when blank; ValueError naming the
    column otherwise. A comma counts only as a thousands separator (``1,500``): ``1,5`` is an
    error, never 15."""
    if is_missing(value):
        return float("nan")
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        number = float(value)
    else:
        text = _named(column, ungroup_thousands, cell_text(value))
        m = _RATIO.match(text)
        if not m and _RATIO.match(text.strip().lstrip("-−")):  # a number, only negative
            number = -1.0
        elif not m:
            en, zh = NUMBERS[column]
            raise ValueError(bi(f"{column}: {value!r} is not a number ({en})",
                                f"“{column}”列的值 {value!r} 不是数字（{zh}）"))
        else:
            number = float(m.group(1)) / (float(m.group(2)) if m.group(2) else 1.0)
    if not np.isfinite(number) or number < 0:
        raise ValueError(bi(f"{column}: {value!r} must be a number of at least 0",
                            f"“{column}”列的值 {value!r} 须为不小于 0 的数字"))
    return number


def _date(value: Any) -> str:
    if is_missing(value):
        return ""
    if isinstance(value, dt.date | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    text = cell_text(value)
    m = _DATE.match(text) or (re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text))
    try:
        return dt.date(*(int(g) for g in m.groups())).isoformat()
    except (AttributeError, ValueError):
        raise ValueError(bi(f"replacement_scheme_date: {value!r} is not a date (YYYY-MM-DD)",
                            f"“replacement_scheme_date”列的值 {value!r} 不是日期（YYYY-MM-DD）")) from None


def _named(column: str, parse, value: Any):
    """``parse(value)`` with the column named in its error."""
    try:
        return parse(value)
    except ValueError as exc:
        raise ValueError(rephrase(exc, f"{column}: {{}}", f"“{column}”列：{{}}")) from None


def _major(value: Any) -> str:
    """The national-major claim: ``""`` (none), a category, or ``unspecified`` (a bare yes)."""
    text = cell_text(value)
    alias = VALUE_ALIASES["national_major"].get(text, text).lower()
    if alias in MAJOR_CATEGORIES or alias == "unspecified":
        return alias
    try:
        flag = _flag(text)
    except ValueError:
        valid = MAJOR_CATEGORIES + ("yes", "no")
        raise ValueError(bi(choice_error("national_major category", text, valid),
                            f"national_major（国家重大项目）类别 {text!r} 未知；应为以下之一："
                            f"{', '.join(valid)}")) from None
    return "unspecified" if flag else ""


def canonical_columns(columns: list[str]) -> dict[str, str]:
    """Map source column names to canonical names (unknown columns are left alone).

    Parameters
    ----------
    columns : list of str
        The source's column names.

    Returns
    -------
    dict
        ``{source column: canonical name}`` for every recognised column; the first column that
        maps to a canonical name wins, and a column named canonically wins over aliases.
    """
    out: dict[str, str] = {}
    exact = {str(c).strip().lower() for c in columns} & set(COLUMNS)
    taken: set[str] = set()
    for col in columns:
        key = str(col).strip()
        if key.lower() in COLUMNS:
            target = key.lower() if key.lower() not in taken else None
        else:  # an alias never displaces a column named canonically
            target = HEADER_ALIASES.get(key.lower(), HEADER_ALIASES.get(key))
            target = None if target in exact else target
        if target and target not in taken:
            out[col] = target
            taken.add(target)
    return out


def _choice(column: str, value: str, valid: tuple[str, ...]) -> str:
    from geo.facts import column_word

    value = VALUE_ALIASES.get(column, {}).get(value, value)
    low = value.lower()
    if low not in valid:
        raise ValueError(bi(choice_error(f"project {column}", value, valid),
                            f"“{column_word(column, 'zh')}”的值 {value!r} 未知；应为以下之一（代码或中文均可）："
                            f"{choices_zh(column, valid)}"))
    return low


def _rename_collisions(src: pd.DataFrame) -> pd.DataFrame:
    """Keep input columns that collide with the screening's own columns as ``input_<name>``."""
    names = set(src.columns)
    mapping = {}
    for col in src.columns:
        if col in COLUMNS or not (col in RESULT_COLUMNS or str(col).startswith("nearest_")):
            continue
        new = f"input_{col}"
        while new in names:
            new = f"input_{new}"
        mapping[col] = new
        names.add(new)
    return src.rename(columns=mapping)


def _parse(values: pd.Series, parse) -> tuple[list, list[str]]:
    """Apply ``parse`` to every value; return the parsed values and per-row error texts."""
    def one(value):
        try:
            return parse(value), ""
        except ValueError as exc:
            return None, exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)

    pairs = each_distinct(values, one)  # a column repeats a few texts 100,000 times
    return [v for v, _ in pairs], [e for _, e in pairs]


def normalize_projects(
    gdf: gpd.GeoDataFrame,
    defaults: dict[str, Any] | None = None,
    what: str = "projects",
) -> gpd.GeoDataFrame:
    """Give a project table canonical, validated attributes; mark bad rows instead of failing.

    Parameters
    ----------
    gdf : GeoDataFrame
        Footprints (polygon, line or point) with attributes under canonical or Chinese names.
        A ``_read_error`` column (rows the reader could not place) becomes part of ``error``; a
        ``_read_row`` column (:data:`layers.hygiene.READ_ROW`: where the reader found each row,
        e.g. ``row 3`` of a spreadsheet) names rows in messages, which otherwise say
        ``feature #1``, ``feature #2`` ... in order.
    defaults : dict, optional
        Values for ``type``, ``industry`` and ``name`` used where the table has no such column or
        the value is empty (files without an attribute table, e.g. a boundary-point TXT).
    what : str
        The source's name for messages.

    Returns
    -------
    GeoDataFrame
        Same rows, same order, same CRS; columns :data:`COLUMNS`, then ``error`` (empty when the
        project can be screened, else the reason), ``repaired`` (how the reader repaired the
        footprint with make_valid, :data:`layers.hygiene.REPAIRED`; ``""`` when read as drawn), ``two_high_declared``,
        then every other source column (those named
        like a screening output column renamed ``input_<name>``). ``project_id`` is kept when
        given, else generated as ``P0001``, ``P0002`` ... by input order. ``two_high`` is
        :func:`geo.vocabulary.two_high` (the industry overrides a declared "no";
        True/False/None) and ``two_high_declared`` what the applicant declared (True/False/None).
        Flags are True/False/None, numbers NaN when unknown.
    """
    defaults = {k: v for k, v in (defaults or {}).items() if not is_missing(v)}
    for key in defaults:
        if key not in ("type", "industry", "name"):
            raise InputError(choice_error("project default", key, ["type", "industry", "name"]))
    src = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    read_errors = pd.Series(cell_texts(src.pop("_read_error")), dtype=object) \
        if "_read_error" in src else None
    where = (src.pop(READ_ROW).astype(str).tolist() if READ_ROW in src
             else [f"feature #{i + 1}" for i in range(len(src))])
    repaired = (cell_texts(src.pop(REPAIRED)) if REPAIRED in src
                else [""] * len(src))
    src = _rename_collisions(src.rename(columns=canonical_columns(list(src.columns))))
    n = len(src)
    errors: list[list[str]] = [[] for _ in range(n)]
    # a default fills blanks only: say so where the file gives its own values
    overridden = {col: (value, int(src[col].map(is_missing).sum()), n)
                  for col, value in defaults.items()
                  if col in src.columns and not src[col].map(is_missing).all()}

    def column(col: str) -> pd.Series:
        values = src[col] if col in src.columns else pd.Series([None] * n, dtype=object)
        if col in defaults:
            values = values.map(lambda v: defaults[col] if is_missing(v) else v)
        return values

    def collect(col: str, parse, values: pd.Series | None = None) -> list:
        parsed, errs = _parse(column(col) if values is None else values, parse)
        for i in np.flatnonzero([bool(e) for e in errs]):
            errors[i].append(errs[i])
        return parsed

    out: dict[str, list] = {}
    width = max(4, len(str(n)))
    given = cell_texts(column("project_id"))
    out["project_id"] = project_ids(given, width, where)
    unnamed = [(where[i], out["project_id"][i]) for i, g in enumerate(given)
               if not g and any(given)]
    first = pd.Series(out["project_id"]).duplicated()
    firsts = {pid: i for i, pid in reversed(list(enumerate(out["project_id"])))}
    raw = column("project_id")
    for i in np.flatnonzero(first.to_numpy()):
        pid = out["project_id"][i]
        cells = {str(raw.iloc[k]) for k in (i, firsts[pid]) if isinstance(raw.iloc[k], str)}
        spaced = sorted(c for c in cells if c != pid and c.strip() == pid)
        en = zh = ""
        if spaced:  # "P1 " and "P1" are one id: say why the ids the user sees differ
            en = f" (as written: {', '.join(map(repr, spaced))}; spaces around an id are ignored)"
            zh = f"（原文为 {'、'.join(map(repr, spaced))}；编号首尾空格不计）"
        errors[i].append(bi(f"duplicate project_id {pid!r} ({where[i]}, first used by "
                            f"{where[firsts[pid]]}){en}: give each project its own id",
                            f"项目编号 {pid!r} 重复（{place_zh(where[i])}，首次用于"
                            f"{place_zh(where[firsts[pid]])}）{zh}：请给每个项目不同的编号"))
    out["name"] = cell_texts(column("name"))
    for col, valid in (("type", TYPES), ("component", COMPONENTS), ("industry", INDUSTRIES),
                       ("allowed_activity", ALLOWED_ACTIVITIES)):
        values = column(col)
        texts = cell_texts(values)
        parsed = collect(col, lambda v, c=col, ok=valid: _choice(c, cell_text(v), ok) if cell_text(v)
                         else "", values)
        out[col] = [p if p is not None else t for p, t in zip(parsed, texts)]
    for i in np.flatnonzero([not t for t in out["type"]]):
        errors[i].append(bi(f"no project type; expected one of: {', '.join(TYPES)} (give a "
                            "'type' / 项目类型 column, or --type)", f"没有项目类型；应为以下之一："
                            f"{', '.join(TYPES)}（请提供 type/项目类型 列，或用 --type）"))
    declared = collect("two_high", lambda v: _named("two_high", _flag, v))
    out["two_high"] = [two_high(d, ind, typ)
                       for d, ind, typ in zip(declared, out["industry"], out["type"])]
    out["two_high_declared"] = declared
    for col in FLAGS:
        out[col] = collect(col, lambda v, c=col: _named(c, _flag, v))
    for col in NUMBERS:
        out[col] = [np.nan if v is None else v
                    for v in collect(col, lambda v, c=col: _number(v, c))]
    out["replacement_scheme_date"] = [v or "" for v in collect("replacement_scheme_date", _date)]
    values = column("national_major")
    majors = collect("national_major", _major, values)
    out["national_major"] = [m if m is not None else cell_text(v) for m, v in zip(majors, values)]
    out["national_major_doc"] = cell_texts(column("national_major_doc"))

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    invalid = ~missing & ~empty & ~shapely.is_valid(geoms)
    placed = read_errors.to_numpy() != "" if read_errors is not None else np.zeros(n, bool)
    for i in np.flatnonzero(placed):
        errors[i].append(read_errors.iloc[i])
    for i in np.flatnonzero((missing | empty) & ~placed):
        errors[i].append(bi("no footprint geometry (null or empty)",
                            "没有用地范围几何图形（空值或为空）"))
    for i in np.flatnonzero(invalid):
        errors[i].append(unrepairable_note(shapely.is_valid_reason(geoms[i])))

    frame = pd.DataFrame({c: pd.Series(out[c], dtype=object) for c in COLUMNS})
    for col in NUMBERS:
        frame[col] = frame[col].astype(float)
    frame["error"] = [joined(e) if e else "" for e in errors]
    frame["repaired"] = pd.Series(repaired, dtype=object)
    frame["two_high_declared"] = pd.Series(out["two_high_declared"], dtype=object)
    rest = [c for c in src.columns if c not in frame.columns]
    frame = pd.concat([frame, src[rest]], axis=1)
    out = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=gdf.crs), crs=gdf.crs)
    out.attrs[NORMALIZED] = True
    out.attrs[UNNAMED] = unnamed
    out.attrs[DEFAULTED] = overridden
    return out


def read_projects(
    path: str | Path,
    coords: str | None = None,
    layer: str | None = None,
    crs: object = None,
    encoding: str | None = None,
    defaults: dict[str, Any] | None = None,
    hints: dict[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read a project file and normalise its attributes.

    Parameters
    ----------
    path : str or Path
        Any footprint file :func:`layers.footprints.read_footprints` reads (vector files, CSV/XLSX
        coordinate tables, MNR boundary-point TXT).
    coords : {"wgs84", "gcj02", "bd09", "cgcs2000"}, optional
        What the input coordinates are; GCJ-02 and BD-09 are shifted back to WGS84.
    layer, crs, encoding : optional
        Passed to the reader.
    defaults : dict, optional
        ``type`` / ``industry`` / ``name`` for files without attributes.
    hints : dict, optional
        How to fix ``crs``, ``layer``, ``encoding``, ``coords`` on the command being run (e.g.
        ``{"crs": "--crs EPSG:4544"}``); forwarded to the reader's messages.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        See :func:`normalize_projects`; problems found while reading.
    """
    from layers.footprints import read_footprints

    gdf, problems = read_footprints(path, coords=coords, layer=layer, crs=crs, encoding=encoding,
                                    hints=hints)
    out = normalize_projects(gdf, defaults, what=str(path))
    problems = problems + [Problem(pid, "no_id", f"{where}: no project_id while other rows have "
                                   f"one; called {pid!r} in every output: give it its own id / "
                                   f"该行缺少项目编号，输出中暂记为 {pid}", "warning")
                           for where, pid in out.attrs.get(UNNAMED, [])]
    problems += [Problem(None, "default_blank_only", f"{path}: {col} {value!r} (--{col}) is used "
                         f"only where the file's {col} column is blank ({blank} of {rows} rows); "
                         f"the others keep their own / 仅用于该列为空的行", "note")
                 for col, (value, blank, rows) in out.attrs.get(DEFAULTED, {}).items()]
    return out, problems
