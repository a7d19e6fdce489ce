"""Coverage: where a catalog's layers say anything at all, and where its control units leave holes.

The coverage area of a catalog is the union of its ``admin_boundary`` layers, else its declared
``[region] extent``, else the union of its control units, else the joint extent of its layers
(:data:`SOURCES`, said in the result). A project far outside it (more than :data:`FAR_OUTSIDE_M`)
cannot be judged with this catalog (an ``error``); a project partly outside gets ``review`` with
the share outside; where the catalog has control units, which by design cover the whole territory,
a part of a project inside the region but in no unit gets ``review`` (a hole in the unit layer).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import facts
from geo.evaluate import Context, hits_frame
from geo.overlay import covered_share, intersecting, overlay_pairs
from geo.rules import Rule
from layers.crs import WGS84, to_crs_dense

FAR_OUTSIDE_M = 10_000.0
"""A project farther than this [m] from the catalog's coverage is outside its region (error)."""
AREA_TOLERANCE_M2 = 1.0
"""Smaller uncovered areas [m²] of a polygon footprint are boundary slivers, not gaps."""

SOURCES = {
    "admin_boundary": {"en": "the admin boundaries", "zh": "行政区划边界"},
    "region_extent": {"en": "the [region] extent", "zh": "[region] extent 声明的范围"},
    "control_units": {"en": "the union of the control units", "zh": "环境管控单元的并集"},
    "layer_extent": {"en": "the layers' joint extent", "zh": "各图层的合并范围"},
}
"""How the coverage area was found, in order of preference."""

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
    km = facts.fill("{k}", k=np.char.mod("%.0f", dist / 1000).astype(object))
    text = facts.fill(_FAR[lang], km=km, source=SOURCES[source][lang])
    return far, np.where(far, text, "").astype(object), source


def coverage_hits(ctx: Context, catalog, crs, source: str) -> tuple[list[pd.DataFrame],
                                                                     np.ndarray, np.ndarray]:
    """Review hits for projects partly outside the coverage or in holes of the unit layer.

    Returns
    -------
    (list of DataFrame, ndarray, ndarray)
        The hits, the share of each footprint outside the coverage and the share inside it but in
        no control unit (NaN where the catalog has no control units).
    """
    lang = ctx.lang
    n = len(ctx.fp)
    _, cover = coverage_area(catalog, crs)
    pairs = overlay_pairs(ctx.fp, cover, keep_geometry=True)
    inside = covered_share(ctx.fp, pairs)
    live = ctx.ok & (ctx.dims >= 0)
    outside = np.where(live, 1.0 - inside, np.nan)
    frames = []
    uncovered = _significant(1.0 - inside, ctx.dims, ctx.size) & live
    rows = np.flatnonzero(uncovered)
    if len(rows):
        share = np.char.mod("%.1f%%", outside[rows] * 100).astype(object)
        msg = facts.fill(OUTSIDE.message(lang), share=share, source=SOURCES[source][lang])
        title = np.where(outside[rows] >= WHOLLY_SHARE, WHOLLY[lang], OUTSIDE.title(lang))
        frames.append(hits_frame(OUTSIDE, ctx, {"row": rows, "kind": "",
                                                "overlap_share": outside[rows]},
                                 "review", "coverage", msg, title.astype(object)))
    gap = np.full(n, np.nan)
    units = ctx.kinds.get("control_unit")
    if units is not None and units.features is not None:
        in_units = covered_share(ctx.fp, units.pairs)
        gap = np.where(live, np.clip(inside - in_units, 0.0, 1.0), np.nan)
        holes = _significant(np.nan_to_num(gap), ctx.dims, ctx.size) & live
        rows = np.flatnonzero(holes)
        if len(rows):
            area = np.where(ctx.dims[rows] == 2, gap[rows] * ctx.size[rows], np.nan)
            text = np.char.mod("%.0f", np.nan_to_num(area)).astype(object)
            text = np.where(np.isnan(area), "", ("（" if lang == "zh" else " (") + text +
                            (" m²）" if lang == "zh" else " m²)"))
            msg = facts.fill(GAP.message(lang),
                             share=np.char.mod("%.1f%%", gap[rows] * 100).astype(object),
                             area=text)
            frames.append(hits_frame(GAP, ctx, {"row": rows, "kind": "control_unit",
                                                "overlap_share": gap[rows],
                                                "overlap_m2": area},
                                     "review", "coverage", msg, GAP.title(lang)))
    return frames, outside, gap


def _significant(share: np.ndarray, dims: np.ndarray, size: np.ndarray) -> np.ndarray:
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
    from layers.coordcheck import GK3_PLAIN, gk_zone_choices, zone_words
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
    epsg = gdf.crs.to_epsg() if gdf.crs is not None else None
    if epsg in GK3_PLAIN.values():
        xy = shapely.get_coordinates(g[ok])
        other = [c for c in gk_zone_choices(xy[:, 0], xy[:, 1], (w, s, e, n))
                 if c[0] != f"EPSG:{epsg}"]
        if other:
            text += (f"; over the region the numbers fit {zone_words(other)}: "
                     + " or ".join(f"--crs {c}" for c, _ in other))
    return (text + " / 候选要素全部位于图层目录区域之外：坐标系或投影带可能有误，请检查 --crs 或 "
            "--coords")
