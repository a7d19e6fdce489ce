"""Candidates and exclusions: usable land = candidate minus the union of buffered exclusions.

Exact vector geometry (shapely 2), never rasterised. An STRtree finds the exclusion features that
touch each candidate; intersections are computed on the candidate/feature pairs in one array call.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.profiles import DEGRADED_KINDS, Exclusion
from layers.kinds import get_kind

M2_PER_HA = 10_000.0


def catalog_candidates(catalog) -> gpd.GeoDataFrame:
    """The degraded-land features of a catalog as candidates, in the catalog's working CRS.

    Returns
    -------
    GeoDataFrame
        Columns ``site_id`` (``layer:feature``), ``source_kind``, ``source_id``, ``name``,
        ``geometry``; every feature, also those with empty geometry.
    """
    frames = []
    for kind in DEGRADED_KINDS:
        for data in catalog.layers_of(kind):
            g = data.gdf
            frames.append(gpd.GeoDataFrame({
                "site_id": data.spec.id + ":" + g["id"].astype(str),
                "source_kind": kind, "source_id": g["id"].astype(str),
                "name": g["name"].fillna("").astype(str),
            }, geometry=g.geometry.values, crs=g.crs))
    if not frames:
        return gpd.GeoDataFrame({"site_id": [], "source_kind": [], "source_id": [], "name": []},
                                geometry=[], crs=catalog.working_crs)
    return pd.concat(frames, ignore_index=True)


def user_candidates(gdf: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """The user's own polygons as candidates (``source_kind`` = ``user``), transformed to ``crs``."""
    cols = {str(c).lower(): c for c in gdf.columns}
    id_col = next((cols[c] for c in ("site_id", "id", "fid") if c in cols), None)
    ids = (gdf[id_col].astype(str).tolist() if id_col is not None
           else [str(i + 1) for i in range(len(gdf))])
    name_col = cols.get("name")
    names = gdf[name_col].fillna("").astype(str).tolist() if name_col else [""] * len(gdf)
    return gpd.GeoDataFrame({"site_id": ["user:" + i for i in ids], "source_kind": "user",
                             "source_id": ids, "name": names},
                            geometry=gdf.geometry.to_crs(crs).values, crs=crs)


def exclusion_geometries(layers: list[gpd.GeoDataFrame], rule: Exclusion) -> np.ndarray:
    """The buffered features of one exclusion rule (attribute filters applied)."""
    kind = get_kind(rule.kind)
    parts = []
    for gdf in layers:
        mask = np.ones(len(gdf), dtype=bool)
        for attr, allowed in rule.where.items():
            allowed_typed = {kind.attributes[attr].coerce(v) for v in allowed}
            mask &= gdf[attr].isin(allowed_typed).to_numpy()
        geoms = gdf.geometry.values[mask]
        geoms = np.asarray(geoms, dtype=object)
        geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
        if rule.buffer_m > 0:
            geoms = shapely.buffer(geoms, rule.buffer_m)
        parts.append(geoms)
    return np.concatenate(parts) if parts else np.empty(0, dtype=object)


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (drop slivers of lines/points)."""
    parts, idx = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    out = np.array([shapely.Polygon()] * len(geoms), dtype=object)
    if keep.any():
        s = pd.Series(parts[keep]).groupby(idx[keep]).agg(lambda x: shapely.multipolygons(list(x)))
        out[s.index.to_numpy()] = s.to_numpy()
    return out


def apply_exclusions(candidates: gpd.GeoDataFrame, rules: list[tuple[Exclusion, np.ndarray]],
                     min_usable_area_ha: float = 1.0) -> pd.DataFrame:
    """Subtract buffered exclusions from every candidate and drop parts that are too small.

    Parameters
    ----------
    candidates : GeoDataFrame
        In a metric CRS.
    rules : list of (Exclusion, array of geometry)
        Each rule with its buffered geometries (same CRS).
    min_usable_area_ha : float
        Parts of the usable land smaller than this [ha] are dropped and counted.

    Returns
    -------
    DataFrame (index of ``candidates``)
        ``candidate_area_ha``, ``excluded_<rule id>_ha`` (the area of the candidate each rule takes,
        rules may overlap), ``excluded_area_ha`` (the union), ``usable_geometry``,
        ``usable_area_ha``, ``parts_dropped``, ``dropped_area_ha``, ``status``
        (usable / excluded / too_small / error) and ``reason``.
    """
    geoms = np.asarray(candidates.geometry.values, dtype=object)
    n = len(geoms)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    geoms = np.where(bad, shapely.Polygon(), geoms)
    area = shapely.area(geoms)
    out = pd.DataFrame(index=candidates.index)
    out["candidate_area_ha"] = area / M2_PER_HA
    pieces_c, pieces_g = [np.empty(0, dtype=int)], [np.empty(0, dtype=object)]
    reasons = [[] for _ in range(n)]
    for rule, ex in rules:
        col = f"excluded_{rule.id}_ha"
        taken = np.zeros(n)
        if len(ex):
            tree = shapely.STRtree(ex)
            ci, ei = tree.query(geoms, predicate="intersects")
            if len(ci):
                inter = shapely.intersection(geoms[ci], ex[ei])
                per = pd.Series(inter).groupby(ci).agg(lambda x: shapely.union_all(list(x)))
                idx = per.index.to_numpy()
                merged = _polygonal(per.to_numpy())
                taken[idx] = shapely.area(merged)
                pieces_c.append(idx)
                pieces_g.append(merged)
        out[col] = taken / M2_PER_HA
        label = get_kind(rule.kind)
        for i in np.flatnonzero(taken > 0):
            buf = f" +{rule.buffer_m:g} m" if rule.buffer_m else ""
            reasons[i].append(f"{label.label_zh} {label.label_en}{buf}: {taken[i] / M2_PER_HA:.2f} ha")
    pc, pg = np.concatenate(pieces_c), np.concatenate(pieces_g)
    usable = geoms.copy()
    if len(pc):
        union = pd.Series(pg).groupby(pc).agg(lambda x: shapely.union_all(list(x)))
        idx = union.index.to_numpy()
        usable[idx] = _polygonal(shapely.difference(geoms[idx], union.to_numpy()))
    usable = _polygonal(usable)
    out["excluded_area_ha"] = (area - shapely.area(usable)) / M2_PER_HA
    # drop parts smaller than the minimum usable area
    parts, pidx = shapely.get_parts(usable, return_index=True)
    parea = shapely.area(parts)
    small = parea < min_usable_area_ha * M2_PER_HA
    noise = parea < 1e-3  # numerical slivers [m²] are not counted as dropped parts
    out["parts_dropped"] = np.bincount(pidx[small & ~noise], minlength=n)
    out["dropped_area_ha"] = np.bincount(pidx[small], weights=parea[small], minlength=n) / M2_PER_HA
    kept = np.array([shapely.MultiPolygon()] * n, dtype=object)
    if (~small).any():
        s = pd.Series(parts[~small]).groupby(pidx[~small]).agg(
            lambda x: shapely.multipolygons(list(x)))
        kept[s.index.to_numpy()] = s.to_numpy()
    out["usable_geometry"] = kept
    out["usable_area_ha"] = shapely.area(kept) / M2_PER_HA
    status = np.where(out["usable_area_ha"] > 0, "usable", "too_small").astype(object)
    fully = out["excluded_area_ha"].to_numpy() * M2_PER_HA >= area - 1e-3
    status[fully & (area > 0)] = "excluded"
    status[bad] = "error"
    out["status"] = status
    text = []
    for i in range(n):
        r = list(reasons[i])
        if bad[i]:
            r = ["no geometry / 无几何"]
        elif out["parts_dropped"].iat[i]:
            r.append(f"{out['parts_dropped'].iat[i]} part(s) < {min_usable_area_ha:g} ha dropped "
                     f"/ 小于最小面积的图斑已剔除: {out['dropped_area_ha'].iat[i]:.2f} ha")
        text.append("; ".join(r))
    out["reason"] = text
    return out
