"""The catalog's region as its layers are read, and the refusal of a layer wholly far from it.

A catalog's region is the union of its ``admin_boundary`` layers, else its declared
``[region] extent``, else the union of its control units (:data:`SOURCES`; the engine's
:func:`geo.coverage.coverage_area` keeps the same order and adds the layers' joint extent as a
last resort, which says nothing about where a layer should be). A layer whose every feature lies
more than :data:`FAR_OUTSIDE_M` from that region was most likely read with the wrong CRS — the
neighbouring 3° Gauss-Krüger zone puts 6-digit eastings 300 km away — and a zoning layer that
misses the region lets every project there pass its rules: such a layer gets an ``error``
problem (:data:`FAR_LAYER`), which makes it unusable, so that its rules give ``review``. A layer
of a kind that spreads over any region (farmland, red lines …) spanning a small part of the region
gets a warning suggesting ``covers`` (:data:`PARTIAL_LAYER`): it may hold some districts only.

The test is cheap and conservative: the layer's bounding box, carried to lon/lat as a box that
encloses it, against boxes that enclose the region's features (built once per catalog). Boxes
are larger than what they hold, so a layer is refused only when it is surely far; a layer partly
in the region (a red-line layer of a larger area) is never refused.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from layers.coordcheck import other_zones, zone_words
from layers.crs import WGS84, describe_crs, normalize_crs
from layers.errors import CRSError, InputError, bi
from layers.hygiene import Problem
from layers.prepared import prepared_boxes, summary_crs
from layers.windows import boxes_to_crs, lonlat_bounds

FAR_OUTSIDE_M = 10_000.0
"""Features farther than this [m] from the catalog's coverage are outside its region."""
SOURCES = {
    "admin_boundary": {"en": "the admin boundaries", "zh": "行政区划边界"},
    "region_extent": {"en": "the [region] extent", "zh": "[region] extent 声明的范围"},
    "control_units": {"en": "the union of the control units", "zh": "环境管控单元的并集"},
    "layer_extent": {"en": "the layers' joint extent", "zh": "各图层的合并范围"},
}
"""How the coverage area was found, in order of preference."""
FAR_LAYER = "far_outside"
"""The code of the problem of a layer wholly far from the catalog's region."""
PARTIAL_LAYER = "partial_extent"
"""The code of the warning of a layer that spans a small part of the region (:func:`_partial`)."""
EXTENSIVE = ("ecological_red_line", "basic_farmland", "cultivated_land", "forest_land")
"""Kinds whose features spread over any whole province or county: one that spans a small part
of the region may hold some districts only."""
PARTIAL_SHARE = 0.75
"""A layer of :data:`EXTENSIVE` whose box covers less of the region's extent [-] is said."""
PARTIAL_MIN_FEATURES = 1000
"""Fewer features than this say nothing of a partial delivery (a sample, a test catalog, a few
clusters); a province's or county's farmland or red lines hold thousands."""


def region_boxes(catalog, units: bool = True) -> tuple[str, np.ndarray, np.ndarray] | None:
    """Lon/lat boxes enclosing the features of the catalog's region, and how it was found.

    Parameters
    ----------
    catalog : Catalog
    units : bool
        Whether the control units may stand for the region (not when a control-unit layer is
        the one tested against it).

    Returns
    -------
    (str, ndarray (n, 4), ndarray (4,)) or None
        A key of :data:`SOURCES`, the boxes [°] and the region's lon/lat extent [°]; None when
        the catalog has no region but its layers' own extent.
    """
    admin = _layer_boxes(catalog, "admin_boundary")
    if admin is not None:
        return ("admin_boundary", *admin)
    extent = (getattr(catalog, "region", {}) or {}).get("extent")
    if isinstance(extent, list | tuple) and len(extent) == 4:
        box = np.asarray(extent, dtype=float).reshape(1, 4)
        return "region_extent", box, box[0]
    found = _layer_boxes(catalog, "control_unit") if units else None
    return None if found is None else ("control_units", *found)


def _layer_boxes(catalog, kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(enclosing lon/lat boxes of the features, exact lon/lat extent) of the usable layers of
    ``kind``; None when none has a placed feature. A layer that cannot be read is left out (its
    own error is said where it is read); a prepared layer gives its boxes column and summary,
    without decoding a geometry."""
    boxes, extents = [], []
    for spec in catalog.layers:
        if spec.kind != kind:
            continue
        try:
            fast = catalog.fast_form(spec.id)
            if fast is not None:  # prepared: the boxes column and the summary, no geometry
                if not catalog.facts(spec.id)["usable"] or not fast[1].get("extent_lonlat"):
                    continue
                b = prepared_boxes(fast[0])
                b = boxes_to_crs(b[np.isfinite(b).all(axis=1)], summary_crs(fast[1]), WGS84)
                extent = np.asarray(fast[1]["extent_lonlat"], dtype=float)
            else:
                gdf, problems = catalog.source(spec.id)
                if any(p.severity == "error" and p.feature is None for p in problems):
                    continue
                g = np.asarray(gdf.geometry.values, dtype=object)
                g = g[~(shapely.is_missing(g) | shapely.is_empty(g))]
                if not len(g):
                    continue
                b = boxes_to_crs(shapely.bounds(g), gdf.crs, WGS84)
                extent = lonlat_bounds(gpd.GeoSeries(g, crs=gdf.crs))
        except InputError:
            continue
        boxes.append(b[np.isfinite(b).all(axis=1)])
        extents.append(extent)
    if not boxes or not sum(len(b) for b in boxes):
        return None
    e = np.array(extents)
    return np.concatenate(boxes), np.array([np.nanmin(e[:, 0]), np.nanmin(e[:, 1]),
                                            np.nanmax(e[:, 2]), np.nanmax(e[:, 3])])


def far_layer_problems(catalog, spec, crs: pyproj.CRS, bounds, what: str,
                       lonlat=None, features: int = 0) -> list[Problem]:
    """The error of a layer that lies wholly far from the catalog's region (else none).

    Parameters
    ----------
    catalog : Catalog
    spec : LayerSpec
    crs : pyproj.CRS
        The CRS the layer was read with.
    bounds : array (4,)
        The layer's bounding box in ``crs`` (NaN when it has no placed feature).
    what : str
        The catalog, the layer and its file, for the message.
    lonlat : callable, optional
        Gives the layer's exact lon/lat extent [°] for the message (else the box is carried).
    features : int
        How many features the layer has (for :func:`_partial`).

    Returns
    -------
    list of Problem
        One ``error`` (:data:`FAR_LAYER`) naming where the layer lies and where the region is,
        the CRS it was read with, the Gauss-Krüger zone that puts it on the region (when one
        does) and the fix; empty when the layer lies on or near the region, when the catalog
        has no region but its layers' extent, and for the layers that make the region.
    """
    bounds = np.asarray(bounds, dtype=float).reshape(4)
    if spec.kind == "admin_boundary" or crs is None or not np.isfinite(bounds).all():
        return []
    region = catalog.region_boxes(units=spec.kind != "control_unit")
    if region is None:
        return []
    source, boxes, extent = region
    try:
        box = boxes_to_crs(bounds, crs, WGS84)[0]
    except (CRSError, pyproj.exceptions.ProjError):
        return []
    around = boxes[np.isfinite(boxes).all(axis=1)]
    if not np.isfinite(box).all() or not len(around):
        return []
    dist = float(gap_m(box, around).min())
    if not dist > FAR_OUTSIDE_M:
        return _partial(spec, box, source, extent, what, features)
    return [Problem(None, FAR_LAYER, _far_message(spec, crs, bounds, what, source, extent, dist,
                                                  lonlat), "error")]


def gap_m(box, boxes: np.ndarray) -> np.ndarray:
    """A lower bound of the distance [m] between a lon/lat box and each of ``boxes`` [°]: the
    gaps in degrees at the smallest length of a degree of longitude over both boxes (the
    highest latitude) and of latitude (110.57 km). No CRS is built: a catalog checks every
    layer it reads, and a projection per layer cost 0.25 s."""
    x0, y0, x1, y1 = np.asarray(box, dtype=float)
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    dx = np.maximum(0.0, np.maximum(b[:, 0] - x1, x0 - b[:, 2]))
    dy = np.maximum(0.0, np.maximum(b[:, 1] - y1, y0 - b[:, 3]))
    lat = np.minimum(90.0, np.maximum.reduce([np.abs(b[:, 1]), np.abs(b[:, 3]),
                                              np.full(len(b), max(abs(y0), abs(y1)))]))
    return np.hypot(dx * 111_320.0 * np.cos(np.radians(lat)), dy * 110_574.0)


def _partial(spec, box, source: str, extent, what: str, features: int) -> list[Problem]:
    """The warning of a layer of a kind that spreads over a whole region (:data:`EXTENSIVE`),
    with at least :data:`PARTIAL_MIN_FEATURES` features, whose features span less than
    :data:`PARTIAL_SHARE` of the region's extent, without ``covers``: perhaps data for some
    districts only, which would read as "none here" elsewhere (review 25 F1). A warning, not a
    refusal: the region may truly have none there."""
    if (spec.kind not in EXTENSIVE or getattr(spec, "covers", None)
            or features < PARTIAL_MIN_FEATURES):
        return []
    w, s, e, n = extent
    x0, y0, x1, y1 = box  # a lon/lat box enclosing the layer (never smaller than it)
    share = (max(0.0, min(x1, e) - max(x0, w)) * max(0.0, min(y1, n) - max(y0, s))
             / max((e - w) * (n - s), 1e-12))
    if not share < PARTIAL_SHARE:
        return []
    where = SOURCES[source]
    spans = (f"layer {x0:.2f}–{x1:.2f}°E, {y0:.2f}–{y1:.2f}°N; region {w:.2f}–{e:.2f}°E, "
             f"{s:.2f}–{n:.2f}°N")
    spans_zh = (f"图层 东经 {x0:.2f}–{x1:.2f}°、北纬 {y0:.2f}–{y1:.2f}°；区域 东经 {w:.2f}–{e:.2f}°、"
                f"北纬 {s:.2f}–{n:.2f}°")
    return [Problem(None, PARTIAL_LAYER, bi(
        f"{what}: the layer's features span only {share:.0%} of the extent of the catalog's "
        f"region ({where['en']}; {spans}); where it has no feature it reads as 'none here'. If "
        "it holds data for some districts only, list them with covers = [\"admin code\", ...] in "
        "its [[layer]] entry: its rules are then reviewed elsewhere, not passed",
        f"图层要素仅分布在图层目录区域（{where['zh']}）范围的 {share:.0%}（{spans_zh}）；无要素处按"
        "“此处没有”处理。若该图层只含部分区县的数据，请在其 [[layer]] 中用 covers = [\"行政区代码\", ...] "
        "列出，其余区域的相关规则将按需论证处理，而非通过"), "warning")]


def prepared_far_problems(catalog, spec, summary: dict, what: str) -> list[Problem]:
    """:func:`far_layer_problems` of a prepared layer, from its summary (its lon/lat extent and
    source CRS: no feature is read); none when its preparation already found it far."""
    box = summary.get("extent_lonlat")
    if not box or not summary.get("crs") or any(p["code"] == FAR_LAYER
                                                for p in summary.get("problems", [])):
        return []
    src = summary_crs(summary)  # the region may be newer than the preparation: checked again
    found = far_layer_problems(catalog, spec, src, boxes_to_crs(box, WGS84, src)[0], what,
                               lambda: box, summary.get("features", 0))
    said = {p["code"] for p in summary.get("problems", [])}  # by prepare, from the source
    return [p for p in found if p.code not in said]


def _far_message(spec, crs, bounds, what, source, extent, dist, lonlat) -> str:
    """The refusal of a far layer: where it lies, the region, the CRS read with, the fix."""
    lon0, lat0, lon1, lat1 = (lonlat() if lonlat is not None else
                              boxes_to_crs(bounds, crs, WGS84)[0])
    w, s, e, n = extent
    x0, y0, x1, y1 = bounds
    fits = other_zones(crs, np.array([x0, x1]), np.array([y0, y1]), tuple(extent))
    declared = spec.crs is not None and _same(spec.crs, crs)
    quoted = " or ".join(f'"{c}"' for c, _ in fits)  # several: ask which (none is sure)
    code = " or ".join(c for c, _ in fits)
    if declared:
        fix = (f"set crs = {quoted} in its [[layer]] entry" if code else
               "correct crs in its [[layer]] entry (ask the data's provider which CRS it is in)",
               f"请在其 [[layer]] 中改为 crs = {quoted}" if code else
               "请更正其 [[layer]] 中的 crs（向数据提供方确认坐标系）")
        how = (f" (from crs = \"{spec.crs}\" in its catalog entry)",
               f"（目录中的 crs = \"{spec.crs}\"）")
    elif getattr(spec, "prepared", None) is not None:
        fix = ("correct the CRS of the original layer (crs in its entry of the catalog it was "
               f"prepared from, or its .prj){' to ' + code if code else ''} and run siting "
               "prepare again", "请更正原图层的坐标系（预处理所用目录中该图层的 crs 或其 .prj）"
               f"{'为 ' + code if code else ''}，然后重新运行 siting prepare")
        how = (f" (as prepared from {spec.prepared.origin})",
               f"（预处理自 {spec.prepared.origin}）")
    else:
        fix = ("correct the CRS the source declares (its .prj, embedded CRS or SRID)"
               + (f" to {code}" if code else ""),
               "请更正数据源自带的坐标系（.prj、内嵌坐标系或 SRID）" + (f"为 {code}" if code else ""))
        how = (" (declared by its source)", "（数据源自带）")
    fit = (f"; over the region the numbers fit {zone_words(fits)}", f"；在本区域内数值符合 "
           f"{_zh(zone_words(fits))}") if fits else ("", "")
    where = SOURCES[source]
    return bi(f"{what}: the layer lies wholly outside the catalog's region ({where['en']}): read "
              f"with {describe_crs(crs)}{how[0]}, it lies at {lon0:.2f}–{lon1:.2f}°E, "
              f"{lat0:.2f}–{lat1:.2f}°N, at least {dist / 1000:.0f} km from the region "
              f"({w:.2f}–{e:.2f}°E, {s:.2f}–{n:.2f}°N). Its coordinates are probably in another "
              f"CRS or Gauss-Krüger zone{fit[0]}: {fix[0]}. Its rules are not checked (review)",
              f"图层整体位于图层目录区域（{where['zh']}）之外：按 {_zh(describe_crs(crs))}{how[1]}"
              f"读取，其范围为东经 {lon0:.2f}–{lon1:.2f}°、北纬 {lat0:.2f}–{lat1:.2f}°，距区域（东经 "
              f"{w:.2f}–{e:.2f}°、北纬 {s:.2f}–{n:.2f}°）至少 {dist / 1000:.0f} km。坐标系或投影带"
              f"可能有误{fit[1]}：{fix[1]}。相关规则未核查（需论证）")


def _zh(text: str) -> str:
    """A CRS name in the Chinese half: without " / " (the halves' separator: CGCS2000/3-degree)."""
    return text.replace(" / ", "/")


def _same(declared, crs: pyproj.CRS) -> bool:
    """Whether the entry's ``crs`` is the CRS the layer was read with."""
    try:
        return normalize_crs(declared) == crs
    except InputError:
        return False
