"""Coverage: where a catalog's layers say anything at all, and where its control units leave holes.

The coverage area of a catalog is the union of its ``admin_boundary`` layers, else its declared
``[region] extent``, else the union of its control units, else the joint extent of its layers
(:data:`SOURCES`, said in the result). A project far outside it (more than :data:`FAR_OUTSIDE_M`)
cannot be judged with this catalog (an ``error``); a project partly outside gets ``review`` with
the share outside; where the catalog has control units, which by design cover the whole territory,
a part of a project inside the region but in no unit gets ``review`` (a hole in the unit layer).

Layers digitised apart never fit exactly: a thin gap between the admin boundary and the control
units, or between two admin features, is a sliver of the drawing, not a hole. Only the few
footprints whose uncovered part is above :data:`AREA_TOLERANCE_M2` are looked at closer: the
uncovered ground around them is opened by half of :data:`SLIVER_WIDTH_M` (what vanishes under
that negative buffer is a sliver); a footprint on slivers only gets a data-quality note
(:data:`SLIVER`, outcome ``admitted``) instead of ``review``. Anything the test cannot settle
stays ``review``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import facts
from geo.evaluate import Context, hits_frame
from geo.overlay import intersecting, overlay_pairs
from geo.rules import Rule
from layers.crs import WGS84, to_crs_dense
from layers.region_area import FAR_OUTSIDE_M, SOURCES  # noqa: F401  (named here too: geo.job)

AREA_TOLERANCE_M2 = 1.0
"""Smaller uncovered areas [m²] of a polygon footprint are boundary slivers, not gaps."""
SLIVER_WIDTH_M = 1.0
"""Uncovered ground narrower than this [m] is a digitising sliver between layers, not a hole:
it vanishes under a negative buffer of half this width."""

OUTSIDE = Rule.model_validate({
    "id": "coverage", "title_zh": "部分位于图层目录覆盖范围之外",
    "title_en": "Partly outside the catalog's coverage",
    "source": "失效即审查：图层目录未覆盖的部分未经任何图层核查",
    "source_en": "fail closed: the catalog's layers say nothing there",
    "confidence": "V", "relation": "none", "outcome": "review",
    "message_zh": "项目 {share} 位于图层目录覆盖范围（{source}）之外，该部分未经任何图层核查。",
    "message_en": "{share} of the footprint lies outside the catalog's coverage ({source}); that "
                  "part was not checked against any layer.",
})
GAP = Rule.model_validate({
    "id": "control_unit_gap", "title_zh": "此处无环境管控单元：管控单元图层有空洞",
    "title_en": "No control unit here: a hole in the unit layer",
    "source": "三线一单 生态环境分区管控：环境管控单元覆盖全部国土空间（无单元即数据空洞）",
    "confidence": "V", "relation": "none", "outcome": "review", "layer": [],
    "message_zh": "项目 {share}{area} 位于区域内但不在任何环境管控单元内：管控单元图层存在空洞，"
                  "该部分的准入清单未能核查，请向生态环境部门核实所属单元。",
    "message_en": "No control unit covers {share} of the footprint{area} inside the "
                  "catalog's region: a hole in the unit layer; the access list there could not "
                  "be checked — ask the environment authority which unit applies.",
})
SLIVER = Rule.model_validate({
    "id": "layer_sliver", "title_zh": "图层套合缝隙（数字化误差，非空洞）",
    "title_en": "Sliver between layers (digitising mismatch, not a hole)",
    "source": "数据质量：宽度不足 1 m 的图层缝隙按数字化误差处理",
    "source_en": "data quality: gaps narrower than 1 m between layers are digitising slivers",
    "confidence": "V", "relation": "none", "outcome": "admitted", "layer": [],
    "message_zh": "项目 {share}{area} 落在{where}之间宽度不足 {width} m 的缝隙中：图层边界未完全吻合"
                  "（数字化误差），不作为空洞处理；建议核对图层套合精度。",
    "message_en": "{share} of the footprint{area} lies in a sliver narrower than {width} m "
                  "between {where}: the layers do not fit exactly (digitising mismatch), not "
                  "treated as a hole; check how the layers fit.",
})
"""The note on a footprint whose uncovered part is slivers only (no ``review``)."""
_WHERE = {"coverage": {"zh": "覆盖范围的各要素（{source}）", "en": "the features of {source}"},
          "control_unit": {"zh": "覆盖范围（{source}）与环境管控单元图层",
                           "en": "{source} and the control units"}}
WHOLLY = {"zh": "整体位于图层目录覆盖范围之外", "en": "Wholly outside the catalog's coverage"}
"""The title of rule ``coverage`` for a footprint whose outside share shows as 100.0 %."""
WHOLLY_SHARE = 0.9995
"""Outside share from which a footprint is said wholly outside (it rounds to 100.0 %)."""
_FAR = {"en": "outside the catalog's region: {km} km from its coverage ({source}); screen it "
              "with the catalog of the region where it lies",
        "zh": "位于图层目录区域之外：距其覆盖范围（{source}）{km} km，请使用项目所在地区的图层目录审查"}


def coverage_area(catalog, crs) -> tuple[str, np.ndarray]:
    """The catalog's coverage area as geometries in ``crs`` and how it was found.

    Returns
    -------
    (str, ndarray)
        A key of :data:`SOURCES` and the polygons (not unioned: several admin features or
        control units together cover the area).
    """
    admin = [d.gdf.geometry.values for d in catalog.layers_of("admin_boundary", crs) if d.usable]
    if admin and sum(len(a) for a in admin):
        return "admin_boundary", np.concatenate([np.asarray(a, dtype=object) for a in admin])
    extent = (getattr(catalog, "region", {}) or {}).get("extent")
    if isinstance(extent, list | tuple) and len(extent) == 4:
        box = gpd.GeoSeries([shapely.box(*map(float, extent))], crs=WGS84)
        return "region_extent", np.asarray(to_crs_dense(box, crs).values, dtype=object)
    units = [d.gdf.geometry.values for d in catalog.layers_of("control_unit", crs) if d.usable]
    if units and sum(len(u) for u in units):
        return "control_units", np.concatenate([np.asarray(u, dtype=object) for u in units])
    box = gpd.GeoSeries([shapely.box(*catalog.extent_lonlat)], crs=WGS84)
    return "layer_extent", np.asarray(to_crs_dense(box, crs).values, dtype=object)


def far_outside(catalog, projects: gpd.GeoSeries, ok: np.ndarray,
                lang: str = "en") -> tuple[np.ndarray, np.ndarray, str]:
    """Which projects lie far outside the catalog's coverage (in the catalog's own CRS).

    ``projects`` may be given in the catalog's working CRS already (they are then not
    transformed again).

    Returns
    -------
    (ndarray of bool, ndarray of str, str)
        The far projects, their error texts, and the coverage source key.
    """
    crs = catalog.working_crs
    source, cover = coverage_area(catalog, crs)
    fp = np.asarray(to_crs_dense(projects, crs).values, dtype=object)
    usable = ok & ~(shapely.is_missing(fp) | shapely.is_empty(fp))
    dist = np.zeros(len(fp))
    if usable.any() and len(cover):
        inside, _ = intersecting(fp, cover)  # most: distance 0, no search
        idx = np.flatnonzero(usable & ~np.isin(np.arange(len(fp)), inside))
        if len(idx):
            (pi, _), d = shapely.STRtree(cover).query_nearest(fp[idx], return_distance=True,
                                                              all_matches=False)
            dist[idx[pi]] = d
    far = usable & (dist > FAR_OUTSIDE_M)
    text = np.full(len(fp), "", dtype=object)  # written for the far ones only (few, or none)
    if far.any():
        km = np.char.mod("%.0f", dist[far] / 1000).astype(object)
        text[far] = facts.fill(_FAR[lang], km=km, source=SOURCES[source][lang])
    return far, text, source


def coverage_hits(ctx: Context, catalog, crs, source: str) -> tuple[list[pd.DataFrame],
                                                                     np.ndarray, np.ndarray]:
    """Review hits for projects partly outside the coverage or in holes of the unit layer.

    Returns
    -------
    (list of DataFrame, ndarray, ndarray)
        The hits (``review``; a data-quality note :data:`SLIVER` where the uncovered part is
        only slivers between layers), the share of each footprint outside the coverage and the share inside it but in
        no control unit (NaN where the catalog has no control units).
    """
    lang = ctx.lang
    n = len(ctx.fp)
    _, cover = coverage_area(catalog, crs)
    units = ctx.kinds.get("control_unit")
    if _same_features(units, cover):  # the coverage is the control units: overlaid already
        pairs = units.pairs
    else:
        pairs = overlay_pairs(ctx.fp, cover, keep_geometry=True, measure=ctx.measure)
    inside = ctx.covered(pairs)
    live = ctx.ok & (ctx.dims >= 0)
    outside = np.where(live, 1.0 - inside, np.nan)
    frames = []
    uncovered = significant(1.0 - inside, ctx.dims, ctx.size) & live
    rows, slivers = real_holes(ctx, np.flatnonzero(uncovered), cover, None)
    if len(rows):
        share = percent_text(outside[rows])
        msg = facts.fill(OUTSIDE.message(lang), share=share, source=SOURCES[source][lang])
        title = np.where(outside[rows] >= WHOLLY_SHARE, WHOLLY[lang], OUTSIDE.title(lang))
        frames.append(hits_frame(OUTSIDE, ctx, {"row": rows, "kind": "",
                                                "overlap_share": outside[rows]},
                                 "review", "coverage", msg, title.astype(object)))
    frames += _sliver_hits(ctx, slivers, outside, "coverage", source)
    gap = np.full(n, np.nan)
    if units is not None and units.features is not None:
        in_units = inside if pairs is units.pairs else ctx.covered(units.pairs)
        gap = np.where(live, np.clip(inside - in_units, 0.0, 1.0), np.nan)
        holes = significant(np.nan_to_num(gap), ctx.dims, ctx.size) & live
        rows, slivers = real_holes(ctx, np.flatnonzero(holes),
                               np.asarray(units.features.geometry.values, dtype=object), cover)
        if len(rows):
            msg = facts.fill(GAP.message(lang), share=percent_text(gap[rows]),
                             area=_area_text(ctx, rows, gap, lang))
            frames.append(hits_frame(GAP, ctx, {"row": rows, "kind": "control_unit",
                                                "overlap_share": gap[rows],
                                                "overlap_m2": _area(ctx, rows, gap)},
                                     "review", "coverage", msg, GAP.title(lang)))
        frames += _sliver_hits(ctx, slivers, gap, "control_unit", source)
    return frames, outside, gap


def _same_features(kd, geoms: np.ndarray) -> bool:
    """Whether ``kd`` (a :class:`geo.conditions.Kind`) holds exactly the geometry objects
    ``geoms``, in order: its pairs are then the overlay of the footprints with ``geoms`` (a
    coverage area that is the control units themselves is not overlaid a second time: 0.4 s of
    a tile of 12,500 projects)."""
    if kd is None or kd.features is None or kd.pairs is None:
        return False
    mine = np.asarray(kd.features.geometry.values, dtype=object)
    return len(mine) == len(geoms) and all(a is b for a, b in zip(mine, geoms, strict=True))


def real_holes(ctx: Context, rows: np.ndarray, inner: np.ndarray,
                outer: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Split the footprints ``rows`` (uncovered beyond the tolerance) into real holes and slivers.

    The ground around each footprint (its bounds widened by twice :data:`SLIVER_WIDTH_M`) in
    ``outer`` (everywhere when None) but in no ``inner`` feature is opened by half of
    :data:`SLIVER_WIDTH_M`; a footprint whose part in what is left is still significant
    (:func:`significant`) is on a hole. Only these few rows are measured.

    Returns
    -------
    (ndarray, ndarray)
        The rows on a hole, the rows on slivers only.
    """
    if not len(rows):
        return rows, rows
    g = ctx.fp[rows]
    x0, y0, x1, y1 = shapely.bounds(g).T
    m = 2 * SLIVER_WIDTH_M  # an opened point lies within the width of its disk: margin enough
    boxes = shapely.box(x0 - m, y0 - m, x1 + m, y1 + m)
    try:
        ground = boxes if outer is None else _clipped_union(outer, boxes)
        gap = shapely.difference(ground, _clipped_union(inner, boxes))
        r = SLIVER_WIDTH_M / 2
        opened = shapely.buffer(shapely.buffer(gap, -r), r)
        on_hole = shapely.intersection(g, opened)
        dims, size = ctx.dims[rows], ctx.size[rows]
        part = np.zeros(len(rows))
        part[dims == 2] = shapely.area(on_hole[dims == 2])
        part[dims == 1] = shapely.length(on_hole[dims == 1])
        part[dims == 0] = shapely.get_num_geometries(on_hole[dims == 0])
        real = significant(part / size, dims, size)
    except shapely.errors.GEOSException:  # cannot tell: unknown never passes
        real = np.ones(len(rows), dtype=bool)
    return rows[real], rows[~real]


def _clipped_union(features: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Per box, the union of the polygonal parts of ``features`` inside it (empty when none)."""
    out = np.array([shapely.Polygon() for _ in boxes], dtype=object)
    if not len(features):
        return out
    bi, fi = shapely.STRtree(features).query(boxes, predicate="intersects")
    part = shapely.intersection(features[fi], boxes[bi])
    keep = shapely.get_dimensions(part) == 2
    bi, part = bi[keep], part[keep]
    if not len(bi):
        return out
    order = np.argsort(bi, kind="stable")
    bi, part = bi[order], part[order]
    starts = np.flatnonzero(np.r_[True, bi[1:] != bi[:-1]])
    for b, pieces in zip(bi[starts], np.split(part, starts[1:]), strict=True):
        out[b] = shapely.union_all(pieces)
    return out


def _sliver_hits(ctx: Context, rows: np.ndarray, share: np.ndarray, kind: str,
                 source: str) -> list[pd.DataFrame]:
    """The data-quality notes (:data:`SLIVER`, outcome ``admitted``) of footprints on slivers."""
    if not len(rows):
        return []
    lang = ctx.lang
    where = _WHERE[kind][lang].format(source=SOURCES[source][lang])
    msg = facts.fill(SLIVER.message(lang), share=percent_text(share[rows]),
                     area=_area_text(ctx, rows, share, lang), where=where,
                     width=f"{SLIVER_WIDTH_M:g}")
    return [hits_frame(SLIVER, ctx, {"row": rows, "kind": "" if kind == "coverage" else kind,
                                     "overlap_share": share[rows],
                                     "overlap_m2": _area(ctx, rows, share)},
                       "admitted", "coverage", msg, SLIVER.title(lang))]


def _area(ctx: Context, rows: np.ndarray, share: np.ndarray) -> np.ndarray:
    """The uncovered area [m²] of polygon footprints ``rows`` (NaN for lines and points)."""
    return np.where(ctx.dims[rows] == 2, share[rows] * ctx.size[rows], np.nan)


def _area_text(ctx: Context, rows: np.ndarray, share: np.ndarray, lang: str) -> np.ndarray:
    """``（12 m²）`` / `` (12 m²)`` for polygon footprints, blank for lines and points."""
    area = _area(ctx, rows, share)
    text = np.char.mod("%.0f", np.nan_to_num(area)).astype(object)
    return np.where(np.isnan(area), "", ("（" if lang == "zh" else " (") + text +
                    (" m²）" if lang == "zh" else " m²)"))


def percent_text(share: np.ndarray) -> np.ndarray:
    """Shares as percentages with one decimal; ``<0.1%`` for small non-zero shares, so that a
    finding never reads 0.0%."""
    text = np.char.mod("%.1f%%", np.asarray(share, dtype=float) * 100).astype(object)
    return np.where((share > 0) & (share < 0.0005), "<0.1%", text).astype(object)


def significant(share: np.ndarray, dims: np.ndarray, size: np.ndarray) -> np.ndarray:
    """Whether an uncovered share matters: above the area tolerance for polygons, any for lines
    and points (beyond rounding)."""
    return np.where(dims == 2, share * size > AREA_TOLERANCE_M2, share > 1e-9)


def misplaced_input(catalog, gdf: gpd.GeoDataFrame, given: str, what: str) -> str | None:
    """Why the user's features all lie far outside the catalog's region, when a CRS was given.

    Features the user placed with ``--crs`` or ``--coords`` that all land more than
    :data:`FAR_OUTSIDE_M` from the catalog's coverage were most likely given the wrong CRS (a
    neighbouring Gauss-Krüger zone shifts them by 3° of longitude) rather than drawn in another
    region: the message names the option to check and, for 6-digit Gauss-Krüger eastings, the
    zone(s) that put them on the region.

    Parameters
    ----------
    catalog : Catalog
    gdf : GeoDataFrame
        The features in the CRS they were read with (their raw coordinates).
    given : str
        The option as typed, e.g. ``"--crs EPSG:4544"``.
    what : str
        The file, for the message.

    Returns
    -------
    str or None
        The refusal (English / Chinese), or None when any feature lies on or near the region
        (or none can be placed).
    """
    from layers.coordcheck import other_zones, zone_words
    from layers.windows import lonlat_bounds

    g = np.asarray(gdf.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
    if not ok.any():
        return None
    far, _, source = far_outside(catalog, gdf.geometry, ok)
    if not far[ok].all():
        return None
    lon0, lat0, lon1, lat1 = lonlat_bounds(gdf.geometry[ok])
    w, s, e, n = catalog.extent_lonlat
    text = (f"{what}: none of its {int(ok.sum())} feature(s) lies in the catalog's region "
            f"({SOURCES[source]['en']}): with {given} they land at {lon0:.2f}–{lon1:.2f}°E, "
            f"{lat0:.2f}–{lat1:.2f}°N, while the catalog covers {w:.2f}–{e:.2f}°E, "
            f"{s:.2f}–{n:.2f}°N. The coordinates are probably in another CRS or Gauss-Krüger "
            f"zone: check {given.split()[0]} (or --coords for GPS and web-map coordinates)")
    xy = shapely.get_coordinates(g[ok])
    other = other_zones(gdf.crs, xy[:, 0], xy[:, 1], (w, s, e, n))
    if other:
        text += (f"; over the region the numbers fit {zone_words(other)}: "
                 + " or ".join(f"--crs {c}" for c, _ in other))
    return (text + " / 候选要素全部位于图层目录区域之外：坐标系或投影带可能有误，请检查 --crs 或 "
            "--coords")
