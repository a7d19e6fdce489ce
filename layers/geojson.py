"""GeoJSON details GDAL hides: the ``crs`` member, and which feature it refused.

GDAL reads a GeoJSON without a ``crs`` member as WGS84 (right: RFC 7946 says so) but also one
whose ``crs`` member names a CRS that does not exist, and it refuses a whole file for one
polygon with an unclosed ring without naming the feature. :func:`geojson_crs_member` finds the
member; :func:`read_geojson_features` parses feature by feature (json + shapely) so that each bad
feature is named and the others are kept.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import shapely.geometry

from layers.errors import ReadError, bi

_MEMBER = re.compile(rb'"crs"\s*:\s*(\{[^{}]*(?:\{[^{}]*\}[^{}]*)?\})')
_TYPES = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
          "MultiPolygon": 3}


def geojson_crs_member(path: Path) -> tuple[bool, str | None]:
    """Whether a GeoJSON file has a top-level-style ``crs`` member, and the CRS it names.

    Returns
    -------
    (bool, str or None)
        ``(False, None)`` without a member; ``(True, name)`` with a ``name`` member
        (e.g. ``"urn:ogc:def:crs:EPSG::4490"``); ``(True, None)`` for another form (GDAL decides).
    """
    found = _MEMBER.search(Path(path).read_bytes())
    if found is None:
        return False, None
    try:
        member = json.loads(found.group(1))
    except ValueError:
        return True, None
    name = (member.get("properties") or {}).get("name") if isinstance(member, dict) else None
    return True, (str(name) if name else None)


def _positions(coords, depth: int) -> list:
    """The positions of nested coordinate arrays ``depth`` levels deep (0 = one position)."""
    if depth == 0:
        return [coords]
    if not isinstance(coords, list):
        raise ValueError("coordinates are not nested arrays")
    return [p for c in coords for p in _positions(c, depth - 1)]


def _rings(gtype: str, coords) -> list:
    if gtype == "Polygon":
        return list(coords)
    return [ring for polygon in coords for ring in polygon]


def geometry_problem(obj) -> str:
    """Why a GeoJSON geometry object cannot be read (``""`` when it can)."""
    if obj is None:
        return ""
    if not isinstance(obj, dict) or obj.get("type") not in (*_TYPES, "GeometryCollection"):
        kind = obj.get("type") if isinstance(obj, dict) else type(obj).__name__
        return bi(f"geometry type {kind!r} is not a GeoJSON geometry type",
                  f"几何类型 {kind!r} 不是 GeoJSON 几何类型")
    gtype = obj["type"]
    if gtype == "GeometryCollection":
        return next((w for w in map(geometry_problem, obj.get("geometries") or []) if w), "")
    coords = obj.get("coordinates")
    try:
        positions = _positions(coords, _TYPES[gtype])
    except (ValueError, RecursionError):
        return bi(f"the {gtype}'s coordinates are not nested arrays as GeoJSON requires",
                  f"{gtype} 的坐标不是 GeoJSON 要求的嵌套数组")
    for pos in positions:
        if not (isinstance(pos, list) and len(pos) >= 2
                and all(isinstance(v, int | float) for v in pos)):
            return bi(f"position {pos!r} is not a pair of numbers", f"坐标位置 {pos!r} 不是一对数字")
        if not all(math.isfinite(v) for v in pos):
            return bi(f"position {pos!r} has a coordinate that is not a number (NaN or infinite)",
                      f"坐标位置 {pos!r} 有坐标不是数字（NaN 或无穷大）")
    if gtype in ("Polygon", "MultiPolygon"):
        for k, ring in enumerate(_rings(gtype, coords), start=1):
            if len(ring) < 4:
                return bi(f"ring {k} has {len(ring)} position(s); a polygon ring needs at least "
                          "4 (the first repeated at the end)", f"第 {k} 个环只有 {len(ring)} 个坐标"
                          "位置；多边形的环至少需要 4 个（末尾重复第一个点）")
            if ring[0][:2] != ring[-1][:2]:
                return bi(f"ring {k} is not closed (first point {ring[0][:2]}, last point "
                          f"{ring[-1][:2]}): repeat the first point at the end",
                          f"第 {k} 个环未闭合（首点 {ring[0][:2]}，末点 {ring[-1][:2]}）：请在末尾"
                          "重复第一个点")
    return ""


def read_geojson_features(path: Path, what: str) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read a GeoJSON feature by feature: bad geometries become None with their reason.

    Parameters
    ----------
    path : Path
    what : str
        The file, for messages.

    Returns
    -------
    (GeoDataFrame, list of str)
        One row per feature (properties as columns), in WGS84 or the CRS the ``crs`` member
        names; and per feature why its geometry could not be read (``""`` when it could).

    Raises
    ------
    ReadError
        The file is not UTF-8 or not JSON, or not a GeoJSON object.
    """
    try:
        doc = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ReadError(bi(f"{what}: not UTF-8 text; GeoJSON must be UTF-8 (RFC 7946): save "
                           "it as UTF-8", "不是 UTF-8 文本；GeoJSON 必须为 UTF-8（RFC "
                           "7946）：请另存为 UTF-8")) from None
    except json.JSONDecodeError as exc:
        raise ReadError(bi(f"{what}: not valid JSON at line {exc.lineno}, column {exc.colno} "
                           f"({exc.msg})", f"第 {exc.lineno} 行第 {exc.colno} 列处不是有效的"
                           f" JSON（{exc.msg}）")) from None
    kind = doc.get("type") if isinstance(doc, dict) else None
    if kind == "FeatureCollection" and isinstance(doc.get("features"), list):
        features = doc["features"]
    elif kind == "Feature":
        features = [doc]
    elif kind in (*_TYPES, "GeometryCollection"):
        features = [{"type": "Feature", "properties": {}, "geometry": doc}]
    else:
        raise ReadError(bi(f"{what}: not a GeoJSON FeatureCollection, Feature or geometry",
                           "不是 GeoJSON 的 FeatureCollection、Feature 或几何对象"))
    rows, geoms, reasons = [], [], []
    for f in features:
        f = f if isinstance(f, dict) else {}
        props = f.get("properties")
        rows.append(props if isinstance(props, dict) else {})
        why = geometry_problem(f.get("geometry"))
        geom = None
        if not why and f.get("geometry") is not None:
            try:
                geom = shapely.geometry.shape(f["geometry"])
            except Exception as exc:  # shapely raises several types for bad input
                why = bi(f"geometry cannot be built ({exc})", f"无法构建几何图形（{exc}）")
        geoms.append(geom)
        reasons.append(why)
    _, name = geojson_crs_member(path)
    crs = name or "EPSG:4326"
    frame = pd.DataFrame(rows) if rows else pd.DataFrame()
    return gpd.GeoDataFrame(frame, geometry=geoms, crs=crs), reasons
