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

from layers.hygiene import Problem
from layers.kinds import Attribute, LayerKind, get_kind, is_missing

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


def _reason(attr: Attribute, raw: Any, exc: Exception) -> str:
    """Why a non-blank source value is unknown, and how to fix it."""
    name, text = attr.name, _key(raw)
    if attr.allowed is not None and "expected one of" in str(exc):
        expected = ", ".join(map(str, attr.allowed))
        return (f"{name} {text!r} is not mapped (expected {expected}): map it in the catalog's "
                f"values = {{ {name} = {{ \"{text}\" = {_example(attr)} }} }}")
    return (f"{name} {text!r} cannot be read as {attr.type} ({exc}): correct it in the source or "
            f"map it in the catalog's values = {{ {name} = {{ \"{text}\" = {_example(attr)} }} }}")


def _ids_text(labels: list[str]) -> str:
    more = f" and {len(labels) - _SHOW} more" if len(labels) > _SHOW else ""
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
        source order. Problems: a ``bad_value`` warning per feature and attribute whose value
        could not be typed or mapped; one ``missing_attribute`` warning per fact column absent
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
        typed, blanks = _type_column(gdf[column].tolist(), attr, spec, ids, unknown, problems,
                                     what)
        if blanks:
            problems.append(Problem(None, "blank_value", f"{what}: attribute {name!r} "
                                    f"({attr.label_zh} / {attr.label_en}) is blank for "
                                    f"{len(blanks)} of {n} feature(s) ({_ids_text(blanks)}): "
                                    "unknown to the rules; fill it in the source or state "
                                    f"defaults = {{ {name} = {_example(attr)} }} in the catalog",
                                    "warning"))
        out[name] = pd.Series(typed, index=gdf.index, dtype=object)
    out[UNKNOWN] = pd.Series(unknown, index=gdf.index, dtype=object)
    frame = gpd.GeoDataFrame(out, geometry=gdf.geometry.values, crs=gdf.crs, index=gdf.index)
    dup = frame["id"][frame["id"].duplicated()]
    if len(dup):
        problems.append(Problem(None, "duplicate_id", f"{what}: duplicate feature ids "
                                f"{sorted(set(dup))[:5]}; evidence will name features "
                                "ambiguously", "warning"))
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
            problems.append(Problem(None, "missing_attribute", f"{what}: the id column "
                                    f"{column!r} (columns = {{ id = \"{column}\" }}) is not in "
                                    "the source; features are numbered by row instead", "warning"))
        return [str(i + 1) for i in range(n)], problems
    ids, blank = [], []
    for i, value in enumerate(gdf[column].tolist()):
        if is_missing(value):
            ids.append(str(i + 1))
            blank.append(f"#{i + 1}")
        else:
            ids.append(_key(value))
    problems = []
    if blank:
        problems.append(Problem(None, "blank_value", f"{what}: {len(blank)} feature(s) have no "
                                f"id ({_ids_text(blank)}); numbered by row instead", "warning"))
    return ids, problems


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
        effect = "the catalog's stated default is used"
    elif attr.fact:
        effect = "it is unknown for every feature (rules that need it give review)"
    else:
        effect = f"the kind's default {attr.default!r} is used"
    return Problem(None, "missing_attribute", f"{what}: attribute {attr.name!r} ({attr.label_zh} "
                   f"/ {attr.label_en}) of kind {kind.id}: "
                   + _absent_reason(attr, column, mapped) + f"; {effect}. Source columns: "
                   f"{[str(c) for c in source_columns]}", "warning")


def _type_column(values: list, attr: Attribute, spec, ids: list[str],
                 unknown: list[dict[str, str]], problems: list[Problem], what: str
                 ) -> tuple[list, list[str]]:
    """Typed values of one present column; unknowns recorded in ``unknown`` and ``problems``."""
    name = attr.name
    mapping = {str(k): v for k, v in spec.values.get(name, {}).items()}
    stated = name in spec.defaults
    cache: dict[Any, tuple[Any, str]] = {}
    typed, blanks = [], []
    for i, raw in enumerate(values):
        if is_missing(raw):
            if stated:
                typed.append(_copy(spec.defaults[name]))
            elif attr.fact and attr.type != "list":
                typed.append(None)
                unknown[i][name] = f"{name} is blank"
                blanks.append(ids[i])
            else:
                typed.append(attr.coerce(None))
            continue
        try:
            hit = cache.get((type(raw), raw))
        except TypeError:  # unhashable (a list from GeoParquet)
            hit = None
        if hit is None:
            key = _key(raw)
            value = mapping.get(key, raw)
            try:
                hit = (attr.coerce(value), "")
            except (ValueError, TypeError) as exc:
                hit = (None, _reason(attr, raw, exc))
            try:
                cache[(type(raw), raw)] = hit
            except TypeError:
                pass
        value, reason = hit
        if reason:
            unknown[i][name] = reason
            problems.append(Problem(ids[i], "bad_value", f"{what}: {reason}", "warning"))
        typed.append(_copy(value))
    return typed, blanks


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
