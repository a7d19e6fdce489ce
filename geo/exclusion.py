"""Candidates and exclusions: usable land = candidate minus the union of buffered exclusions.

Exact vector geometry (shapely 2), never rasterised. An STRtree finds the exclusion features that
touch each candidate; intersections are computed on the candidate/feature pairs in one array call.
"""

from __future__ import annotations

from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.overlay import drop_slivers, union_by
from geo.profiles import DEGRADED_KINDS
from layers.crs import transformer
from layers.kinds import get_kind

M2_PER_HA = 10_000.0
_TYPE_NAMES = {0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint",
               5: "MultiLineString", 7: "GeometryCollection"}


def catalog_candidates(catalog) -> gpd.GeoDataFrame:
    """The degraded-land features of a catalog as candidates, in the catalog's working CRS.

    Returns
    -------
    GeoDataFrame
        Columns ``site_id`` (``layer:feature``), ``source_kind``, ``source_id``, ``name``,
        ``facts`` (the feature's kind attributes as a dict, with ``_unknown`` reasons when the
        layer gives them), ``geometry``; every feature, also those with empty geometry.
    """
    frames = []
    for kind in DEGRADED_KINDS:
        attrs = [a for a in get_kind(kind).attributes if a not in ("id", "name")]
        for data in catalog.layers_of(kind):
            g = data.gdf
            cols = [c for c in [*attrs, "_unknown"] if c in g.columns]
            facts = g[cols].to_dict("records") if cols else [{} for _ in range(len(g))]
            frames.append(gpd.GeoDataFrame({
                "site_id": data.spec.id + ":" + g["id"].astype(str),
                "source_kind": kind, "source_id": g["id"].astype(str),
                "name": g["name"].fillna("").astype(str), "facts": facts,
            }, geometry=g.geometry.values, crs=g.crs))
    if not frames:
        return gpd.GeoDataFrame({"site_id": [], "source_kind": [], "source_id": [], "name": [],
                                 "facts": []}, geometry=[], crs=catalog.working_crs)
    return pd.concat(frames, ignore_index=True)


class RuleGeometries(NamedTuple):
    """The buffered features of one rule; ``unknown`` marks those kept because a deciding
    attribute is unknown (fail closed), ``reasons`` says which attribute and why."""

    geoms: np.ndarray
    unknown: np.ndarray
    reasons: list[str]
    buffer_m: float = 0.0


def match_features(gdf: gpd.GeoDataFrame, kind_id: str, where: dict) -> tuple[np.ndarray,
                                                                              np.ndarray,
                                                                              list[str]]:
    """Three-valued attribute filter: which features match ``where``, which are unknown.

    A feature matches when every ``where`` attribute is known and one of the listed values. It is
    *unknown* when no attribute is known to differ but at least one is unknown (None or NaN): the
    caller treats it as matching (fail closed) and reports it.

    Returns
    -------
    (match, unknown, reasons)
        Boolean masks over the features (``match`` includes the unknown ones) and, for each
        unknown feature, the reason (from the layer's ``_unknown`` column when it has one, else
        "<attribute> unknown").
    """
    kind = get_kind(kind_id)
    n = len(gdf)
    known_false = np.zeros(n, dtype=bool)
    unknown = np.zeros(n, dtype=bool)
    unknown_attrs: list[list[str]] = [[] for _ in range(n)]
    for attr, allowed in where.items():
        allowed_typed = {kind.attributes[attr].coerce(v) for v in allowed}
        values = gdf[attr] if attr in gdf.columns else pd.Series([None] * n, index=gdf.index)
        miss = values.isna().to_numpy()
        known_false |= ~miss & ~values.isin(allowed_typed).to_numpy()
        unknown |= miss
        for i in np.flatnonzero(miss):
            unknown_attrs[i].append(attr)
    unknown &= ~known_false
    notes = gdf["_unknown"].tolist() if "_unknown" in gdf.columns else [None] * n
    reasons = []
    for i in np.flatnonzero(unknown):
        d = notes[i] if isinstance(notes[i], dict) else {}
        fid = gdf["id"].iloc[i] if "id" in gdf.columns else str(i + 1)
        why = "; ".join(str(d.get(a) or f"{a} unknown") for a in unknown_attrs[i])
        reasons.append(f"{fid}: {why}")
    return ~known_false, unknown, reasons


def exclusion_geometries(layers: list[gpd.GeoDataFrame], rule, buffer_m: float | None = None
                         ) -> RuleGeometries:
    """The buffered features of one rule (attribute filters applied, unknown facts kept).

    Parameters
    ----------
    layers : list of GeoDataFrame
        The catalog's layers of the rule's kind, in a metric CRS.
    rule : Exclusion or DensityPenalty
    buffer_m : float, optional
        Buffer [m]; default the rule's ``buffer_m`` (0 for a density penalty).
    """
    buffer_m = getattr(rule, "buffer_m", 0.0) if buffer_m is None else buffer_m
    parts, unknown, reasons = [], [], []
    for gdf in layers:
        match, unk, why = match_features(gdf, rule.kind, rule.where)
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        keep = match & ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        parts.append(geoms[keep])
        unknown.append(unk[keep])
        reasons += why
    if not parts:
        return RuleGeometries(np.empty(0, dtype=object), np.empty(0, dtype=bool), [], buffer_m)
    geoms = np.concatenate(parts)
    if buffer_m > 0:
        geoms = shapely.buffer(geoms, buffer_m)
    return RuleGeometries(geoms, np.concatenate(unknown), reasons, buffer_m)


def _taken(geoms: np.ndarray, ex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(candidate indices, polygonal union of the parts of ``ex`` inside each)."""
    if not len(ex):
        return np.empty(0, dtype=int), np.empty(0, dtype=object)
    ci, ei = shapely.STRtree(ex).query(geoms, predicate="intersects")
    if not len(ci):
        return np.empty(0, dtype=int), np.empty(0, dtype=object)
    idx, merged = union_by(ci, shapely.intersection(geoms[ci], ex[ei]))
    return idx, _polygonal(merged)


def _multipolygons(parts: np.ndarray, idx: np.ndarray, n: int, empty) -> np.ndarray:
    """``n`` geometries: the polygons ``parts`` gathered by ``idx`` into one MultiPolygon each,
    ``empty`` where a geometry has none."""
    out = np.array([empty] * n, dtype=object)
    if len(parts):
        rows, inverse = np.unique(idx, return_inverse=True)
        out[rows] = shapely.multipolygons(parts, indices=inverse)
    return out


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (drop slivers of lines/points)."""
    parts, idx = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    return _multipolygons(parts[keep], idx[keep], len(geoms), shapely.Polygon())


SCALE_TOLERANCE = 1e-4
"""Areal scale departures below this [-] (0.01 %, a tenth of the promised 0.1 %) are not
corrected by :func:`true_area_factor`."""


def true_area_factor(geoms: np.ndarray, crs) -> np.ndarray:
    """Per geometry, the factor that turns its planar area in ``crs`` into its area on the
    ellipsoid: 1 / the projection's areal scale at the geometry's representative point.

    The working CRS is chosen for the catalog's region; a candidate far from it (a user polygon
    1,500 km away) would otherwise be measured with the region's distortion (+1.7 % in a
    transverse Mercator 10° off its meridian). Inside the region the factor is 1 to within
    0.05 %; over one site the scale varies by far less than 0.1 %. A factor within
    :data:`SCALE_TOLERANCE` of 1 is taken as 1, so the planar areas inside the region (and the
    outputs of earlier runs) stay as they were.

    Parameters
    ----------
    geoms : array of geometries
        In ``crs`` (missing or empty ones get 1).
    crs : pyproj.CRS or None
        A projected CRS; for anything else every factor is 1.

    Returns
    -------
    ndarray of float
        Ellipsoidal area / planar area [-].
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.ones(len(geoms))
    crs = None if crs is None else pyproj.CRS.from_user_input(crs)
    if crs is None or not crs.is_projected or not len(geoms):
        return out
    live = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not live.any():
        return out
    pts = shapely.point_on_surface(geoms[live])
    to_ll = transformer(crs, crs.geodetic_crs)
    lon, lat = to_ll.transform(shapely.get_x(pts), shapely.get_y(pts))
    k = 1.0 / np.asarray(pyproj.Proj(crs).get_factors(lon, lat).areal_scale, dtype=float)
    out[live] = np.where(np.abs(k - 1.0) > SCALE_TOLERANCE, k, 1.0)
    return out


GEODESIC_ABOVE_M = 10_000.0
"""Geometries wider than this [m] are measured on the ellipsoid directly (the map's areal scale
varies across them by up to a few hundredths of a percent)."""


def true_area(geoms: np.ndarray, crs=None) -> np.ndarray:
    """Area of each geometry on the ellipsoid [m²]; planar without ``crs``.

    The planar area in ``crs`` times :func:`true_area_factor` at the geometry itself (so that a
    piece far from its site's middle, e.g. the usable end of a 500 km strip, is measured where
    it lies); a geometry wider than :data:`GEODESIC_ABOVE_M` is densified to 1 km and measured
    with ``pyproj.Geod`` on the CRS's ellipsoid.
    """
    geoms = np.asarray(geoms, dtype=object)
    area = shapely.area(geoms)
    if crs is None or not len(geoms):
        return area
    area = area * true_area_factor(geoms, crs)
    crs = pyproj.CRS.from_user_input(crs)
    if not crs.is_projected:
        return area
    x0, y0, x1, y1 = shapely.bounds(geoms).T
    wide = np.flatnonzero(np.fmax(x1 - x0, y1 - y0) > GEODESIC_ABOVE_M)
    if len(wide):
        to_ll = transformer(crs, crs.geodetic_crs)
        geod = crs.get_geod()
        for i in wide:  # a few sites tens of kilometres across
            g = shapely.transform(shapely.segmentize(geoms[i], 1000.0),
                                  lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
            area[i] = abs(geod.geometry_area_perimeter(g)[0])
    return area


def outside_parts(geoms: np.ndarray, cover: np.ndarray,
                  tolerance_m2: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The parts of each candidate outside a coverage area (where no layer says anything).

    Parameters
    ----------
    geoms : array of geometries
        Candidate polygons (metric CRS; empty ones give nothing).
    cover : array of geometries
        The coverage polygons (:func:`geo.coverage.coverage_area`), not unioned.
    tolerance_m2 : float
        Smaller parts outside [m²] are boundary slivers and ignored.

    Returns
    -------
    (candidate indices, polygonal parts outside)
    """
    if not len(geoms):
        return np.empty(0, dtype=int), np.empty(0, dtype=object)
    union = shapely.union_all(np.asarray(cover, dtype=object)) if len(cover) else shapely.Polygon()
    shapely.prepare(union)
    live = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    idx = np.flatnonzero(live & ~shapely.covers(union, np.where(live, geoms, shapely.Polygon())))
    if not len(idx):
        return idx, np.empty(0, dtype=object)
    parts = _polygonal(shapely.difference(geoms[idx], union))
    keep = shapely.area(parts) > tolerance_m2
    return idx[keep], parts[keep]


def apply_exclusions(candidates: gpd.GeoDataFrame, rules: list[tuple],
                     min_usable_area_ha: float = 1.0,
                     coverage: tuple[str, np.ndarray] | None = None,
                     crs=None) -> pd.DataFrame:
    """Subtract buffered exclusions from every candidate and drop parts that are too small.

    Parameters
    ----------
    candidates : GeoDataFrame
        In a metric CRS.
    rules : list of (Exclusion, RuleGeometries)
        Each rule with its buffered geometries (same CRS), from :func:`exclusion_geometries`.
    min_usable_area_ha : float
        Parts of the usable land smaller than this [ha] are dropped and counted.
    coverage : (str, array of geometries), optional
        How the catalog's coverage area was found (bilingual words) and its polygons
        (:func:`geo.coverage.coverage_area`). Land outside it is excluded as unknown (no zoning
        layer was checked there; "unknown never passes") and counted in ``outside_coverage_ha``.
    crs : pyproj.CRS, optional
        The candidates' CRS: every area (candidate, each rule's part, the land outside, each
        usable part) is measured on the ellipsoid where it lies (:func:`true_area`). Default:
        planar areas.

    Returns
    -------
    DataFrame (index of ``candidates``)
        ``candidate_area_ha``, ``excluded_<rule id>_ha`` (the area of the candidate each rule takes,
        rules may overlap), ``excluded_area_ha`` (the union), ``excluded_unknown_ha`` (the part of
        it excluded only because a deciding fact is unknown, or because it lies outside the
        coverage), ``outside_coverage_ha``, ``usable_geometry``,
        ``usable_area_ha``, ``parts_dropped``, ``dropped_area_ha``, ``status``
        (usable / excluded / too_small / error) and ``reason``.
    """
    geoms = np.asarray(candidates.geometry.values, dtype=object)
    n = len(geoms)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    kind = np.where(bad, -1, shapely.get_type_id(np.where(bad, shapely.Polygon(), geoms)))
    not_area = ~bad & ~np.isin(kind, (3, 6))     # Polygon, MultiPolygon
    bad |= not_area
    geoms = np.where(bad, shapely.Polygon(), geoms)
    area = true_area(geoms, crs)
    out = pd.DataFrame(index=candidates.index)
    out["candidate_area_ha"] = area / M2_PER_HA
    pieces_c, pieces_g = [np.empty(0, dtype=int)], [np.empty(0, dtype=object)]
    unk_c, unk_g = [np.empty(0, dtype=int)], [np.empty(0, dtype=object)]
    reasons = [[] for _ in range(n)]
    for rule, rg in rules:
        taken = np.zeros(n)
        idx, merged = _taken(geoms, rg.geoms)
        taken[idx] = true_area(merged, crs)
        pieces_c.append(idx)
        pieces_g.append(merged)
        unknown = np.zeros(n)
        idx_u, merged_u = _taken(geoms, rg.geoms[rg.unknown])
        unknown[idx_u] = true_area(merged_u, crs)
        unk_c.append(idx_u)
        unk_g.append(merged_u)
        out[f"excluded_{rule.id}_ha"] = taken / M2_PER_HA
        label = get_kind(rule.kind)
        buf = f" +{rg.buffer_m:g} m" if rg.buffer_m else ""
        for i in np.flatnonzero(taken > 0):
            text = f"{label.label_zh} {label.label_en}{buf}: {taken[i] / M2_PER_HA:.2f} ha"
            if unknown[i] > 0:
                text += (f" (of which {unknown[i] / M2_PER_HA:.2f} ha excluded because a fact "
                         "is unknown — check by hand / 属性未知，按排除处理)")
            reasons[i].append(text)
    outside = np.zeros(n)
    if coverage is not None:
        words, cover = coverage
        idx_o, parts_o = outside_parts(geoms, cover)
        outside[idx_o] = true_area(parts_o, crs)
        for c, g in ((pieces_c, pieces_g), (unk_c, unk_g)):
            c.append(idx_o)
            g.append(parts_o)
        for i in idx_o:
            reasons[i].append(
                f"outside the catalog's coverage ({words}): {outside[i] / M2_PER_HA:.2f} ha "
                f"({outside[i] / area[i]:.1%} of the candidate): no zoning layer was checked "
                "there; not counted as usable land — check by hand / 超出图层目录覆盖范围，"
                "未核查任何管控图层，不计入可用地，请人工核查")
    out["outside_coverage_ha"] = outside / M2_PER_HA
    usable = _subtract(geoms, np.concatenate(pieces_c), np.concatenate(pieces_g))
    uc, ug = np.concatenate(unk_c), np.concatenate(unk_g)
    unknown_area = np.zeros(n)
    if len(uc):
        i, u = union_by(uc, ug)
        unknown_area[i] = true_area(_polygonal(u), crs)
    out["excluded_unknown_ha"] = unknown_area / M2_PER_HA
    # drop parts smaller than the minimum usable area (each part measured where it lies)
    parts, pidx = shapely.get_parts(usable, return_index=True)
    parea = true_area(parts, crs)
    out["excluded_area_ha"] = (area - np.bincount(pidx, weights=parea, minlength=n)) / M2_PER_HA
    small = parea < min_usable_area_ha * M2_PER_HA
    noise = parea < 1e-3  # numerical slivers [m²] are not counted as dropped parts
    out["parts_dropped"] = np.bincount(pidx[small & ~noise], minlength=n)
    out["dropped_area_ha"] = np.bincount(pidx[small], weights=parea[small], minlength=n) / M2_PER_HA
    kept = _multipolygons(parts[~small], pidx[~small], n, shapely.MultiPolygon())
    out["usable_geometry"] = kept
    out["usable_area_ha"] = np.bincount(pidx[~small], weights=parea[~small],
                                        minlength=n) / M2_PER_HA
    status = np.where(out["usable_area_ha"] > 0, "usable", "too_small").astype(object)
    fully = out["excluded_area_ha"].to_numpy() * M2_PER_HA >= area - 1e-3
    status[fully & (area > 0)] = "excluded"
    status[bad] = "error"
    out["status"] = status
    dropped, dropped_ha = out["parts_dropped"].to_numpy(), out["dropped_area_ha"].to_numpy()
    for i in np.flatnonzero(not_area):
        reasons[i] = [f"not a polygon ({_TYPE_NAMES.get(int(kind[i]), 'geometry')}): a candidate "
                      "must be an area; draw it as a polygon / 候选地块须为面"]
    for i in np.flatnonzero(bad & ~not_area):
        reasons[i] = ["no geometry (empty or missing polygon) / 无几何（空面或缺失）"]
    for i in np.flatnonzero(~bad & (dropped > 0)):
        reasons[i].append(f"{dropped[i]} part(s) < {min_usable_area_ha:g} ha dropped "
                          f"/ 小于最小面积的图斑已剔除: {dropped_ha[i]:.2f} ha")
    out["reason"] = ["; ".join(r) for r in reasons]
    return out


def _subtract(geoms: np.ndarray, idx: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """Each geometry minus the union of its pieces (polygonal parts only, without the
    zero-width spikes a shared edge leaves: :func:`geo.overlay.drop_slivers`)."""
    out = geoms.copy()
    if len(idx):
        i, union = union_by(idx, pieces)
        out[i] = _polygonal(drop_slivers(shapely.difference(geoms[i], union)))
    return _polygonal(out)


def penalty_areas(usable: np.ndarray, rules: list[tuple], crs=None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Usable land under reduced-density rules (e.g. 林光互补 on shrub forest).

    Parameters
    ----------
    usable : array of geometries
        Usable land per site (metric CRS).
    rules : list of (DensityPenalty, RuleGeometries)
        In order: land already counted by an earlier rule is not counted again.
    crs : pyproj.CRS, optional
        The CRS of ``usable``: areas on the ellipsoid (:func:`true_area`); default planar.

    Returns
    -------
    (area_ha, lost_ha) : arrays [ha]
        The usable area under any rule, and the area equivalent lost to the density factors
        (``Σ area_i × (1 − factor_i)``): capacity is computed on ``usable − lost``.
    """
    g = np.where(shapely.is_missing(usable), shapely.Polygon(), np.asarray(usable, dtype=object))
    rest = g.copy()
    area = np.zeros(len(g))
    lost = np.zeros(len(g))
    for rule, rg in rules:
        idx, merged = _taken(rest, rg.geoms)
        a = true_area(merged, crs) / M2_PER_HA
        area[idx] += a
        lost[idx] += a * (1.0 - rule.factor)
        rest = _subtract(rest, idx, merged)
    return area, lost
