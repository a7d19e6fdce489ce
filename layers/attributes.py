"""Typed layer attributes: three-valued facts, with the reason for every unknown.

A catalog maps a source's own columns onto its kind's attributes (``columns``), its own values
onto the kind's values (``values``) and may state a layer-wide value (``defaults``). Typing then
follows one rule (see :mod:`layers.kinds`):

* a descriptive attribute (with a default in ``kinds.toml``) takes its default when absent;
* a fact (no default) is ``None`` -- unknown -- when its column is absent, its cell is blank, or
  its value cannot be typed or is not allowed; the reason goes to the ``_unknown`` column, which
  maps each unknown attribute of a feature to a phrase naming the raw value and the fix;
* a ``list`` fact with a blank cell is the empty list (known: "none listed"); only a missing
  column makes it unknown.

Unknowns never make a layer unusable; the rules decide what an unknown fact means (``review``).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.errors import Bilingual, bi, halves, rephrase
from layers.hygiene import Problem
from layers.kinds import Attribute, LayerKind, cell_text, get_kind, is_missing

UNKNOWN = "_unknown"
"""Column of typed layer frames: per feature a dict ``{attribute: reason}`` of unknown facts."""

_SHOW = 5


def _key(value: Any) -> str:
    """The text under which a source value is looked up in a catalog's ``values`` mapping."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _example(attr: Attribute) -> str:
    """A placeholder for a value of ``attr`` in a message: it must be edited before use."""
    if attr.type in ("int", "float"):
        return f"<number{' in ' + attr.units if attr.units else ''}>"
    return {"str": '"..."', "bool": "<true or false>", "list": '["..."]'}[attr.type]


def typed_setting(attr: Attribute, value: Any) -> Any:
    """Type a value the catalog itself states (``defaults`` or a ``values`` target).

    Raises
    ------
    ValueError
        When the value is blank or cannot be typed, or is not allowed.
    """
    if is_missing(value) and attr.type != "list":
        raise ValueError("is blank; state a value")
    return attr.coerce(value)


def _reason(attr: Attribute, raw: Any, exc: Exception) -> Bilingual:
    """Why a non-blank source value is unknown, and how to fix it."""
    name, text = attr.name, _key(raw)
    fix = f"values = {{ {name} = {{ \"{text}\" = {_example(attr)} }} }}"
    if attr.allowed is not None and "expected one of" in str(exc):
        expected = ", ".join(map(str, attr.allowed))
        return bi(f"{name} {text!r} is not mapped (expected {expected}): map it in the catalog's "
                  f"{fix}", f"{attr.label_zh}（{name}）的值 {text!r} 未映射（应为 {expected}）："
                  f"请在图层目录中映射：{fix}")
    return bi(f"{name} {text!r} cannot be read as {attr.type} ({exc}): correct it in the source "
              f"or map it in the catalog's {fix}", f"{attr.label_zh}（{name}）的值 {text!r} 无法按 "
              f"{attr.type} 读取（{exc}）：请在源数据中更正，或在图层目录中映射：{fix}")


def _ids_text(labels: list[str], lang: str = "en") -> str:
    """The first :data:`_SHOW` feature labels and how many more there are, in ``lang``."""
    rest = len(labels) - _SHOW
    more = "" if rest <= 0 else f" 等另 {rest} 个" if lang == "zh" else f" and {rest} more"
    return ", ".join(labels[:_SHOW]) + more


def type_attributes(
    gdf: gpd.GeoDataFrame, spec, what: str
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Map a source's columns onto its kind's attributes, apply value mappings and types.

    Parameters
    ----------
    gdf : GeoDataFrame
        The source as read.
    spec : layers.catalog.LayerSpec
        Its catalog entry (``kind``, ``columns``, ``values``, ``defaults`` already typed).
    what : str
        The source's name for messages.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        Columns ``id``, ``name``, every attribute of the kind, :data:`UNKNOWN`, ``geometry``, in
        source order. Problems: a ``bad_value`` warning per attribute and value that could not
        be typed or mapped (naming its features); one ``missing_attribute`` warning per fact column absent
        from the source (or mapped column absent); one ``blank_value`` warning per attribute
        with blank facts or ids.
    """
    kind: LayerKind = get_kind(spec.kind)
    n = len(gdf)
    problems: list[Problem] = []
    source_columns = [c for c in gdf.columns if c != gdf.geometry.name]
    ids, id_problems = _ids(gdf, spec, what)
    problems += id_problems
    unknown: list[dict[str, str]] = [{} for _ in range(n)]
    out: dict[str, pd.Series] = {"id": pd.Series(ids, index=gdf.index, dtype=object)}
    for name, attr in kind.attributes.items():
        if name == "id":
            continue
        column = spec.columns.get(name, name)
        stated = name in spec.defaults
        if column not in gdf.columns:
            if name in spec.columns or (attr.fact and not stated):
                problems.append(_missing_column(kind, attr, column, name in spec.columns,
                                                stated, source_columns, what))
            if stated:
                value = spec.defaults[name]
            elif not attr.fact:
                value = attr.default
            else:
                value = None
                reason = _absent_reason(attr, column, name in spec.columns)
                for u in unknown:
                    u[name] = reason
            out[name] = pd.Series([_copy(value) for _ in range(n)], index=gdf.index,
                                  dtype=object)
            continue
        typed, blanks = _type_column(gdf[column], attr, spec, ids, unknown, problems, what)
        if blanks:
            fix = f"defaults = {{ {name} = {_example(attr)} }}"
            problems.append(Problem(None, "blank_value", bi(
                f"{what}: attribute {name!r} ({attr.label_en}) is blank for {len(blanks)} of {n} "
                f"feature(s) ({_ids_text(blanks)}): unknown to the rules; fill it in the source "
                f"or state {fix} in the catalog",
                f"属性 {name!r}（{attr.label_zh}）在 {n} 个要素中有 {len(blanks)} 个为空"
                f"（{_ids_text(blanks, 'zh')}）：规则视为未知（需论证）；请在源数据中补全，或在图层目录中声明 "
                f"{fix}"), "warning"))
        out[name] = pd.Series(typed, index=gdf.index, dtype=object)
    out[UNKNOWN] = pd.Series(unknown, index=gdf.index, dtype=object)
    frame = gpd.GeoDataFrame(out, geometry=gdf.geometry.values, crs=gdf.crs, index=gdf.index)
    dup = frame["id"][frame["id"].duplicated()]
    if len(dup):
        some = sorted(set(dup))[:5]
        problems.append(Problem(None, "duplicate_id", bi(
            f"{what}: duplicate feature ids {some}; evidence will name features ambiguously",
            f"要素编号重复 {some}；审查依据中的要素名称将有歧义"), "warning"))
    return frame.reset_index(drop=True), problems


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


def _ids(gdf: gpd.GeoDataFrame, spec, what: str) -> tuple[list[str], list[Problem]]:
    """Feature ids: the id column as text, the row number where it is absent or blank."""
    n = len(gdf)
    column = spec.columns.get("id", "id")
    if column not in gdf.columns:
        problems = []
        if "id" in spec.columns:
            mapped = f"columns = {{ id = \"{column}\" }}"
            problems.append(Problem(None, "missing_attribute", bi(
                f"{what}: the id column {column!r} ({mapped}) is not in the source; features "
                "are numbered by row instead",
                f"源数据中没有编号列 {column!r}（{mapped}）；要素改按行号编号"), "warning"))
        return [str(i + 1) for i in range(n)], problems
    values = gdf[column].to_numpy(dtype=object)
    blank = _missing(gdf[column], values)
    keys = _keys(gdf[column], values, ~blank)
    rows = np.flatnonzero(blank)
    keys[rows] = [str(i + 1) for i in rows]
    problems = []
    if len(rows):
        labels = [f"#{i + 1}" for i in rows]
        problems.append(Problem(None, "blank_value", bi(
            f"{what}: {len(rows)} feature(s) have no id ({_ids_text(labels)}); numbered by row "
            "instead", f"{len(rows)} 个要素没有编号（{_ids_text(labels, 'zh')}）；改按行号编号"),
            "warning"))
    return keys.tolist(), problems


def _missing(series: pd.Series, values: np.ndarray) -> np.ndarray:
    """:func:`layers.kinds.is_missing` of every value (vectorised for text and number columns)."""
    dtype = series.dtype
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        text = series.str.strip()
        return (series.isna() | (text == "")).to_numpy(dtype=bool)
    if pd.api.types.is_float_dtype(dtype):
        return series.isna().to_numpy(dtype=bool)
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        return series.isna().to_numpy(dtype=bool)
    return np.fromiter((is_missing(v) for v in values), dtype=bool, count=len(values))


def _keys(series: pd.Series, values: np.ndarray, present: np.ndarray) -> np.ndarray:
    """:func:`_key` of the present values (each distinct value once); others left None."""
    out = np.full(len(values), None, dtype=object)
    out[present] = each_distinct(values[present], _key)
    return out


def each_distinct(values, fn) -> np.ndarray:
    """``fn(value)`` for every value (an object array), ``fn`` called once per distinct value of
    each Python type: a column of 100,000 rows repeats a few texts, and ``1``, ``1.0``, ``True``,
    ``None``, NaN and ``pd.NA`` stay apart."""
    values = values.to_numpy(dtype=object) if hasattr(values, "to_numpy") else objects(
        list(values))
    out = np.empty(len(values), dtype=object)
    for index, uniques, codes in _distinct(values, np.ones(len(values), dtype=bool)):
        out[index] = objects([fn(u) for u in uniques])[codes]
    return out


def cell_texts(values) -> np.ndarray:
    """:func:`layers.kinds.cell_text` of every value (an object array or Series), each
    distinct value once: a column of text only (ids and names, all distinct; a type repeated
    100,000 times) is factorised and only its distinct texts stripped, with no call of
    :func:`cell_text` per value."""
    values = values.to_numpy(dtype=object) if hasattr(values, "to_numpy") else objects(
        list(values))
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # blank text: ""
        codes, uniques = pd.factorize(values)
        return objects([u.strip() for u in uniques])[codes]
    return each_distinct(values, cell_text)


def objects(items: list) -> np.ndarray:
    """A 1-D object array of ``items`` (lists stay elements, never a second dimension)."""
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = item
    return out


def _distinct(values: np.ndarray, present: np.ndarray):
    """Yield (rows, distinct values, codes) per Python type among the present values, so that
    each distinct value is worked on once (``1``, ``1.0`` and ``True`` stay apart); each
    distinct value as it first appears (pandas would give NaN for ``pd.NA``)."""
    rows = np.flatnonzero(present)
    if not len(rows):
        return
    if pd.api.types.infer_dtype(values[rows], skipna=False) == "string" and all(
            type(v) is str for v in values[rows]):  # text only (the common case): one kind
        kinds = np.full(len(rows), "str", dtype=object)
    else:
        kinds = np.array([type(v).__name__ for v in values[rows]], dtype=object)
    for kind in pd.unique(kinds):
        index = rows[kinds == kind]
        try:
            codes, _ = pd.factorize(values[index], use_na_sentinel=False)
        except TypeError:  # unhashable (a list from GeoParquet): one by one
            codes = np.arange(len(index))
        first = np.unique(codes, return_index=True)[1]  # codes follow first appearance
        yield index, list(values[index[first]]), codes


def _absent_reason(attr: Attribute, column: str, mapped: bool) -> str:
    name = attr.name
    if mapped:
        return (f"column {column!r} (columns = {{ {name} = \"{column}\" }}) is not in the source: "
                f"correct the mapping or state defaults = {{ {name} = {_example(attr)} }}")
    return (f"column {column!r} is not in the source: map it with columns = {{ {name} = "
            f"\"...\" }} or state defaults = {{ {name} = {_example(attr)} }}")


def _missing_column(kind: LayerKind, attr: Attribute, column: str, mapped: bool, stated: bool,
                    source_columns: list, what: str) -> Problem:
    if stated:
        effect = ("the catalog's stated default is used", "使用图层目录声明的默认值")
    elif attr.fact:
        effect = ("it is unknown for every feature (rules that need it give review)",
                  "所有要素的该属性均为未知（需要它的规则给出需论证）")
    else:
        effect = (f"the kind's default {attr.default!r} is used",
                  f"使用该图层类型的默认值 {attr.default!r}")
    columns = [str(c) for c in source_columns]
    name, fix = attr.name, f"defaults = {{ {attr.name} = {_example(attr)} }}"
    absent_zh = (f"源数据中没有列 {column!r}（columns = {{ {name} = \"{column}\" }}）：请更正映射或声明 "
                 f"{fix}" if mapped else f"源数据中没有列 {column!r}：请用 columns = {{ {name} = "
                 f"\"...\" }} 映射，或声明 {fix}")
    return Problem(None, "missing_attribute", bi(
        f"{what}: attribute {name!r} ({attr.label_en}) of kind {kind.id}: "
        + _absent_reason(attr, column, mapped) + f"; {effect[0]}. Source columns: {columns}",
        f"图层类型 {kind.id} 的属性 {name!r}（{attr.label_zh}）：{absent_zh}；{effect[1]}。"
        f"源数据的列：{columns}"), "warning")


def _type_column(series: pd.Series, attr: Attribute, spec, ids: list[str],
                 unknown: list[dict[str, str]], problems: list[Problem], what: str
                 ) -> tuple[list, list[str]]:
    """Typed values of one present column; unknowns recorded in ``unknown`` and ``problems``.

    Each distinct source value is typed once and its result given to every feature with it.
    """
    name = attr.name
    mapping = {str(k): v for k, v in spec.values.get(name, {}).items()}
    stated = name in spec.defaults
    values = series.to_numpy(dtype=object)
    n = len(values)
    missing = _missing(series, values)
    typed = np.full(n, None, dtype=object)
    reasons = np.full(n, "", dtype=object)
    blanks: list[str] = []
    rows = np.flatnonzero(missing)
    if len(rows):
        if stated:
            typed[rows] = [_copy(spec.defaults[name]) for _ in rows]
        elif attr.fact and attr.type != "list":
            reasons[rows] = f"{name} is blank"
            blanks = [ids[i] for i in rows]
        else:
            typed[rows] = [attr.coerce(None) for _ in rows]

    def one(raw):
        try:
            return attr.coerce(mapping.get(_key(raw), raw)), ""
        except (ValueError, TypeError) as exc:
            return None, _reason(attr, raw, exc)

    for index, uniques, codes in _distinct(values, ~missing):
        results = [one(u) for u in uniques]
        typed[index] = objects([r[0] for r in results])[codes]
        reasons[index] = objects([r[1] for r in results])[codes]
    shown: dict[str, list[str]] = {}  # each reason: the features it holds for
    for i in np.flatnonzero(reasons != ""):
        unknown[i][name] = halves(reasons[i])[0]  # a fact's reason, in the rules' words
        if not missing[i]:
            shown.setdefault(reasons[i], []).append(ids[i])
    for reason, labels in shown.items():  # one warning per value, not one per feature
        if len(labels) == 1:
            problems.append(Problem(labels[0], "bad_value", rephrase(reason, f"{what}: {{}}"),
                                    "warning"))
        else:
            problems.append(Problem(None, "bad_value", rephrase(
                reason, f"{what}: {len(labels)} features ({_ids_text(labels)}): {{}}",
                f"{len(labels)} 个要素（{_ids_text(labels, 'zh')}）：{{}}"), "warning"))
    if attr.type == "list":  # every feature its own list
        return [_copy(v) for v in typed], blanks
    return typed.tolist(), blanks


def unknown_counts(gdf: gpd.GeoDataFrame, kind: LayerKind) -> dict[str, int]:
    """How many features have each fact of ``kind`` unknown (only facts with unknowns).

    Uses the :data:`UNKNOWN` column when present, else counts ``None`` values.
    """
    counts: dict[str, int] = {}
    for name in kind.facts:
        if UNKNOWN in gdf.columns:
            n = int(sum(name in u for u in gdf[UNKNOWN] if isinstance(u, dict)))
        elif name in gdf.columns:
            n = int(np.sum([v is None for v in gdf[name]]))
        else:
            n = len(gdf)
        if n:
            counts[name] = n
    return counts
