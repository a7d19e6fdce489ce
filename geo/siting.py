"""``score_sites``: from degraded land to ranked PV or wind sites with energy and co-benefits.

The flow: candidates (degraded-land features, or the user's polygons) → exclusions (exact
geometry) → criteria (zonal statistics, distances, land type) → hard limits → value functions and
weights → score, rank, class, rank stability → capacity, generation, co-benefits. Every candidate
is a row of the result, whatever its status.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import cobenefits as cb
from geo import energy as en
from geo import score as sc
from geo.exclusion import (
    apply_exclusions,
    catalog_candidates,
    exclusion_geometries,
    user_candidates,
)
from geo.profiles import CRITERION_UNITS, Profile, load_profile
from geo.zonal import dem_stats, nearest_km, zonal
from layers.crs import WGS84
from layers.errors import CRSError, InputError

RESOURCE = {"pv": ("ghi", "ghi"), "wind": ("wind_speed", "wind_speed")}  # criterion, raster kind
DIST_KINDS = {"dist_substation": "substation", "dist_road": "road",
              "dist_settlement": "settlement"}
OUTPUT_COLUMNS = ["site_id", "source_kind", "source_id", "name", "status", "candidate_area_ha",
                  "excluded_area_ha", "usable_area_ha", "parts_dropped", "dropped_area_ha",
                  "ghi", "wind_speed", "slope_mean", "slope_max", "elevation", "dist_substation",
                  "dist_road", "dist_settlement", "land_type", "score", "rank", "class",
                  "top_n_probability", "capacity_mw", "specific_yield_kwh_kwp",
                  "capacity_factor", "generation_mwh", "co2_t", "so2_kg", "nox_kg", "pm_kg",
                  "coal_tce", "reason", "notes"]


def _load_candidates(catalog, candidates) -> gpd.GeoDataFrame:
    if candidates is None:
        return catalog_candidates(catalog)
    if isinstance(candidates, gpd.GeoDataFrame):
        if candidates.crs is None:
            raise CRSError("candidates have no CRS; set one (e.g. gdf.set_crs('EPSG:4490'))")
        return user_candidates(candidates, catalog.working_crs)
    from layers.read import read_vector

    gdf, _ = read_vector(Path(candidates), what=f"candidates {Path(candidates).name}")
    return user_candidates(gdf, catalog.working_crs)


def _append(df: pd.DataFrame, mask, text: str, col: str = "reason") -> None:
    idx = df.index[np.asarray(mask, dtype=bool)]
    df.loc[idx, col] = [f"{v}; {text}" if v else text for v in df.loc[idx, col]]


def score_sites(catalog, tech: str, profile: str | Path | dict | Profile | None = None,
                candidates=None, grid_region: str | None = None) -> gpd.GeoDataFrame:
    """Score degraded-land candidates for PV or wind.

    Parameters
    ----------
    catalog : Catalog or path
        The region's layers and rasters (``layers.catalog.load_catalog``).
    tech : {"pv", "wind"}
    profile : path, dict or Profile, optional
        Siting profile; default ``geo/profiles/<tech>.toml``.
    candidates : path or GeoDataFrame, optional
        The user's own candidate polygons instead of the catalog's degraded land.
    grid_region : str, optional
        Grid CO2 factor region, overriding the profile's ``grid_region``.

    Returns
    -------
    GeoDataFrame
        One row per candidate in the catalog's working CRS (geometry: the candidate;
        ``usable_geometry``: what is left after exclusions), columns ``OUTPUT_COLUMNS`` plus
        ``excluded_<rule>_ha``. ``attrs["siting"]`` holds the method's parameters, the weights,
        the consistency ratio, notes and the data sources.

    Raises
    ------
    InputError
        Bad profile (ProfileError), raster without CRS (CRSError), resource raster missing or not
        covering the candidates.
    """
    from layers.catalog import Catalog, load_catalog

    prof = load_profile(profile, tech)
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    region = grid_region or prof.grid_region
    cb.cobenefits([0.0], region)  # validate the region early
    crit_res, raster_kind = RESOURCE[tech]
    res_spec = cat.raster(raster_kind)
    if res_spec is None:
        raise InputError(f"{cat.path}: no [[raster]] of kind {raster_kind!r}; {tech} scoring "
                         f"needs it / 目录缺少 {raster_kind} 栅格")
    cands = _load_candidates(cat, candidates)
    if not len(cands):
        raise InputError(f"{cat.path}: no candidates: the catalog has no degraded-land layer "
                         "(abandoned_mine, subsidence_area, closed_landfill, contaminated_site, "
                         "slag_heap) and no --candidates file was given")
    notes: list[str] = []
    rules = []
    for rule in prof.exclusion:
        layers = [d.gdf for d in cat.layers_of(rule.kind)]
        if not layers:
            notes.append(f"exclusion {rule.id!r}: no layer of kind {rule.kind} in the catalog; "
                         "not applied — check this land by hand / 未提供该图层")
        rules.append((rule, exclusion_geometries(layers, rule)))
    ex = apply_exclusions(cands, rules, prof.min_usable_area_ha)
    df = pd.concat([cands.drop(columns="geometry"), ex], axis=1)
    df["notes"] = ""
    geom = cands.geometry
    usable_geo = gpd.GeoSeries(ex["usable_geometry"].values, index=cands.index, crs=cands.crs)
    analysis = usable_geo.where(~usable_geo.is_empty, geom)
    analysis = analysis.where(df["status"] != "error", None)

    # criteria
    z = zonal(analysis, res_spec, ("mean",))
    df[crit_res] = z["mean"]
    other = "wind_speed" if tech == "pv" else "ghi"
    df[other] = np.nan
    dem = cat.raster("dem")
    if dem is not None:
        d = dem_stats(analysis, dem)
        for c in ("elevation", "slope_mean", "slope_max"):
            df[c] = d[c]
    else:
        df[["elevation", "slope_mean", "slope_max"]] = np.nan
        notes.append("no DEM in the catalog: slope and elevation not available / 无高程数据")
    for crit, kind in DIST_KINDS.items():
        targets = [d.gdf.geometry.values for d in cat.layers_of(kind)]
        df[crit] = nearest_km(analysis, np.concatenate(targets) if targets else np.empty(0))
        if not targets and crit in prof.criteria:
            notes.append(f"criterion {crit}: no {kind} layer in the catalog; left out of the "
                         "score / 未提供图层，不参与评分")
    df["land_type"] = df["source_kind"].map(lambda k: prof.land_type.get(k, 0.5))

    # weights over the criteria that have data
    weights, cr = prof.weights()
    used = {k: w for k, w in weights.items() if df[k].notna().any()}
    for k in set(weights) - set(used):
        if not any(k in n for n in notes):
            notes.append(f"criterion {k}: no data; left out of the score / 无数据，不参与评分")
    total = sum(used.values()) or 1.0
    used = {k: w / total for k, w in used.items()}

    # errors and hard limits (only usable sites change status)
    usable = df["status"] == "usable"
    for k in used:
        miss = usable & df[k].isna()
        if miss.any():
            what = f"raster {res_spec.id!r}" if k == crit_res else (
                "the DEM" if k in ("slope_mean", "slope_max", "elevation") else k)
            _append(df, miss, f"outside {what}: no {k} value / 超出数据范围")
            df.loc[miss, "status"] = "error"
            usable &= ~miss
    for k, lim in prof.limits.items():
        v = df[k]
        for bound, bad, sym in ((lim.max, v > (lim.max if lim.max is not None else np.inf), ">"),
                                (lim.min, v < (lim.min if lim.min is not None else -np.inf), "<")):
            hit = usable & bad.fillna(False)
            if bound is not None and hit.any():
                for i in df.index[hit]:
                    _append(df, df.index == i, f"{k} {v[i]:.1f} {CRITERION_UNITS[k]} "
                            f"{sym} limit {bound:g} / 超出限值")
                df.loc[hit, "status"] = "excluded"
                usable &= ~hit

    # score
    vals = pd.DataFrame({k: sc.value_function(df.loc[usable, k], prof.criteria[k].points)
                         for k in used}, index=df.index[usable])
    df["score"] = np.nan
    df["rank"] = np.nan
    df["top_n_probability"] = np.nan
    if len(vals):
        s = sc.score(vals, used)
        df.loc[usable, "score"] = s
        df.loc[usable, "rank"] = sc.rank(s)
        df.loc[usable, "top_n_probability"] = sc.top_n_probability(
            vals, used, prof.top_n, prof.mc_runs, prof.mc_perturbation, prof.seed)
    df["class"] = sc.classify(df["score"].to_numpy(float), prof.class_thresholds)

    # capacity and energy
    e = prof.energy
    cent = gpd.GeoSeries(usable_geo.where(usable, None), crs=cands.crs).centroid.to_crs(WGS84)
    df["capacity_mw"] = np.nan
    df["specific_yield_kwh_kwp"] = np.nan
    df["capacity_factor"] = np.nan
    ua = df.loc[usable, "usable_area_ha"]
    if tech == "pv":
        df.loc[usable, "capacity_mw"] = en.pv_capacity_mw(ua, df.loc[usable, "slope_mean"], e)
        df.loc[usable, "specific_yield_kwh_kwp"] = en.pv_yields(
            cent[usable].y, cent[usable].x, df.loc[usable, "ghi"],
            df.loc[usable, "elevation"], e)
        df["generation_mwh"] = df["capacity_mw"] * df["specific_yield_kwh_kwp"]
    else:
        df.loc[usable, "capacity_mw"] = en.wind_capacity_mw(ua, e)
        df.loc[usable, "capacity_factor"] = en.wind_capacity_factor(
            df.loc[usable, "wind_speed"], df.loc[usable, "elevation"], e, e.temp_air_c)
        df["generation_mwh"] = df["capacity_mw"] * df["capacity_factor"] * en.HOURS_PER_YEAR
    co = cb.cobenefits(df["generation_mwh"].to_numpy(float), region)
    co.index = df.index
    df = pd.concat([df, co], axis=1)

    excl_cols = [c for c in df.columns if c.startswith("excluded_") and c != "excluded_area_ha"]
    out = gpd.GeoDataFrame(df[OUTPUT_COLUMNS + excl_cols], geometry=geom.values, crs=cands.crs)
    out["usable_geometry"] = usable_geo.values
    out.attrs["siting"] = _meta(cat, prof, tech, region, used, weights, cr, notes, res_spec)
    return out


def _meta(cat, prof, tech, region, used, weights, cr, notes, res_spec) -> dict:
    f = cb.emission_factors()
    sources = [{"id": s.id, "kind": s.kind, "source": s.source, "date": s.date,
                **cat.provenance(s.id)} for s in cat.layers + cat.rasters]
    return {
        "tech": tech, "profile": prof.path, "profile_name": prof.name,
        "profile_data": prof.model_dump(mode="json"),
        "weights": used, "weights_declared": weights, "consistency_ratio": cr,
        "criteria_points": {k: prof.criteria[k].points for k in used},
        "grid_region": region, "grid_co2_t_per_mwh": f["grid_co2_t_per_mwh"][region],
        "factors": {"coal_kg_per_mwh": f["coal_kg_per_mwh"], "coal": f["coal"],
                    "sources": f["sources"]},
        "notes": notes, "sources": sources, "catalog": str(cat.path),
        "region": dict(cat.region), "working_crs": cat.working_crs.to_wkt(),
        "resource_raster": res_spec.id,
    }
