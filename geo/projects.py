"""Projects: footprints with canonical, validated attributes.

A project table may use the canonical English column names or the usual Chinese headers
(项目名称, 项目类型, 行业 ...). :func:`normalize_projects` maps both onto the canonical names,
validates every value and marks a bad project with an ``error`` text instead of failing the batch:
every input row stays, in input order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import InputError, choice_error
from layers.hygiene import Problem

TYPES: tuple[str, ...] = ("pv", "wind", "industrial", "infrastructure", "mining", "tourism",
                          "restoration", "other")
"""Project types."""

TWO_HIGH_INDUSTRIES: tuple[str, ...] = (
    "steel", "cement_clinker", "flat_glass", "electrolytic_aluminium", "chemical", "petrochemical",
    "coking", "coal_chemical", "nonferrous_smelting", "coal_power", "building_materials",
    "ferroalloy",
)
"""Industries that are 两高 (high energy use, high emission; 环环评〔2021〕45号 and provincial lists)."""

INDUSTRIES: tuple[str, ...] = TWO_HIGH_INDUSTRIES + (
    "data_center", "manufacturing", "electronics", "food_processing", "textile", "pharmaceutical",
    "logistics", "other",
)
"""Industries known to the rule sets (empty is allowed: a PV plant has no industry)."""

ALLOWED_ACTIVITIES: tuple[str, ...] = (
    "patrol_research_monitoring", "resident_farming", "archaeology", "plantation_tending",
    "low_impact_tourism", "linear_infrastructure", "geological_survey_mining",
    "ecological_restoration", "border_works", "other_lawful",
)
"""The ten limited human activities allowed in the red line (自然资发〔2022〕142号)."""

COLUMNS: tuple[str, ...] = ("project_id", "name", "type", "industry", "two_high",
                            "capacity_replacement", "pollutant_offset", "allowed_activity",
                            "national_major")
"""Canonical project attributes, in output order."""

HEADER_ALIASES: dict[str, str] = {
    "项目编号": "project_id", "编号": "project_id", "id": "project_id", "项目代码": "project_id",
    "parcel_id": "project_id", "地块编号": "project_id",
    "项目名称": "name", "名称": "name", "project_name": "name", "project": "name",
    "项目类型": "type", "类型": "type", "project_type": "type",
    "行业": "industry", "行业类别": "industry", "所属行业": "industry",
    "两高": "two_high", "是否两高": "two_high", "两高项目": "two_high",
    "产能置换": "capacity_replacement", "产能置换落实": "capacity_replacement",
    "区域削减替代": "pollutant_offset", "污染物削减替代": "pollutant_offset",
    "削减替代": "pollutant_offset",
    "有限人为活动": "allowed_activity", "允许活动类别": "allowed_activity",
    "允许的有限人为活动": "allowed_activity",
    "国家重大项目": "national_major", "是否国家重大项目": "national_major",
}
"""Recognised column headers (lower-cased English or Chinese) → canonical name."""

VALUE_ALIASES: dict[str, dict[str, str]] = {
    "type": {"光伏": "pv", "风电": "wind", "工业": "industrial", "基础设施": "infrastructure",
             "矿产开发": "mining", "采矿": "mining", "旅游": "tourism", "生态修复": "restoration",
             "其他": "other", "solar": "pv"},
    "industry": {"钢铁": "steel", "水泥熟料": "cement_clinker", "平板玻璃": "flat_glass",
                 "电解铝": "electrolytic_aluminium", "化工": "chemical", "石化": "petrochemical",
                 "焦化": "coking", "煤化工": "coal_chemical", "有色金属冶炼": "nonferrous_smelting",
                 "煤电": "coal_power", "建材": "building_materials", "铁合金": "ferroalloy",
                 "数据中心": "data_center", "制造业": "manufacturing", "其他": "other"},
}
_TRUE = {"1", "true", "yes", "y", "t", "是", "有", "已落实", "已", "√"}
_FALSE = {"0", "false", "no", "n", "f", "否", "无", "未落实", "未", ""}
_BOOL_COLUMNS = ("two_high", "capacity_replacement", "pollutant_offset", "national_major")


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str:
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _bool(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a yes/no value (use true/false, 1/0, 是/否)")


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
        maps to a canonical name wins.
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for col in columns:
        key = str(col).strip()
        target = key.lower() if key.lower() in COLUMNS else HEADER_ALIASES.get(
            key.lower(), HEADER_ALIASES.get(key))
        if target and target not in taken:
            out[col] = target
            taken.add(target)
    return out


def _choice(column: str, value: str, valid: tuple[str, ...]) -> str:
    value = VALUE_ALIASES.get(column, {}).get(value, value)
    low = value.lower()
    if low not in valid:
        raise ValueError(choice_error(f"project {column}", value, valid))
    return low


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
    defaults : dict, optional
        Values for ``type``, ``industry`` and ``name`` used where the table has no such column or
        the value is empty (files without an attribute table, e.g. a boundary-point TXT).
    what : str
        The source's name for messages.

    Returns
    -------
    GeoDataFrame
        Same rows, same order, same CRS; columns :data:`COLUMNS`, then ``error`` (empty when the
        project can be screened, else the reason), then every other source column.
        ``project_id`` is kept when given, else generated as ``P0001``, ``P0002`` ... by input
        order (stable for the same file). ``two_high`` is derived from ``industry`` when absent.
    """
    defaults = {k: v for k, v in (defaults or {}).items() if not _missing(v)}
    for key in defaults:
        if key not in ("type", "industry", "name"):
            raise InputError(choice_error("project default", key, ["type", "industry", "name"]))
    src = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    mapping = canonical_columns(list(src.columns))
    src = src.rename(columns=mapping)
    n = len(src)
    errors: list[list[str]] = [[] for _ in range(n)]
    out: dict[str, list] = {c: [None] * n for c in COLUMNS}

    width = max(4, len(str(n)))
    given = src["project_id"].map(_text) if "project_id" in src else pd.Series([""] * n)
    ids = [g or f"P{i + 1:0{width}d}" for i, g in enumerate(given)]
    seen: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if pid in seen:
            errors[i].append(f"duplicate project_id {pid!r} (first used by row {seen[pid] + 1})")
        seen.setdefault(pid, i)
    out["project_id"] = ids

    for i in range(n):
        row = src.iloc[i]

        def value(col: str, row=row) -> Any:
            v = row[col] if col in src.columns else None
            return defaults.get(col, v) if _missing(v) else v

        out["name"][i] = _text(value("name"))
        for col, valid, required in (("type", TYPES, True), ("industry", INDUSTRIES, False),
                                     ("allowed_activity", ALLOWED_ACTIVITIES, False)):
            text = _text(value(col))
            if not text:
                out[col][i] = ""
                if required:
                    errors[i].append(f"no project type; expected one of: {', '.join(TYPES)} "
                                     "(give a 'type' / 项目类型 column, or --type)")
                continue
            try:
                out[col][i] = _choice(col, text, valid)
            except ValueError as exc:
                out[col][i] = text
                errors[i].append(str(exc))
        for col in _BOOL_COLUMNS:
            raw = value(col)
            if _missing(raw):
                out[col][i] = (out["industry"][i] in TWO_HIGH_INDUSTRIES) if col == "two_high" \
                    else False
                continue
            try:
                out[col][i] = _bool(raw)
            except ValueError as exc:
                out[col][i] = False
                errors[i].append(f"{col}: {exc}")

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    invalid = ~missing & ~empty & ~shapely.is_valid(geoms)
    for i in np.flatnonzero(missing | empty):
        errors[i].append("no footprint geometry (null or empty)")
    for i in np.flatnonzero(invalid):
        errors[i].append(f"invalid footprint ({shapely.is_valid_reason(geoms[i])}) "
                         "that could not be repaired")

    frame = pd.DataFrame(out)
    frame["error"] = ["; ".join(e) for e in errors]
    rest = [c for c in src.columns if c not in frame.columns]
    frame = pd.concat([frame, src[rest]], axis=1)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=gdf.crs), crs=gdf.crs)


def read_projects(
    path: str | Path,
    coords: str | None = None,
    layer: str | None = None,
    crs: object = None,
    encoding: str | None = None,
    defaults: dict[str, Any] | None = None,
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

    Returns
    -------
    (GeoDataFrame, list of Problem)
        See :func:`normalize_projects`; problems found while reading.
    """
    try:
        from layers.footprints import read_footprints
    except ImportError:  # pragma: no cover - the footprints reader ships with layers
        read_footprints = None
    if read_footprints is not None:
        gdf, problems = read_footprints(path, coords=coords, layer=layer, crs=crs,
                                        encoding=encoding)
    else:  # pragma: no cover
        from layers.read import read_vector

        gdf, problems = read_vector(path, layer=layer, crs=crs, encoding=encoding)
    return normalize_projects(gdf, defaults, what=str(path)), problems
