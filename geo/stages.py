"""The stages of ``score_sites``: each takes the site table and the run, and returns the table.

candidates → :func:`exclusions` → :func:`criteria` → :func:`limits` → :func:`capacity_energy`
→ :func:`repaired_outlines` (:mod:`geo.site_flags`: a user outline the reader repaired is not
ranked) → :func:`assessments` (:mod:`geo.assessments`: land needing an assessment first)
→ :func:`approvals` (:mod:`geo.approvals`: usable land needing an approval, flagged) → :func:`cost`
→ :func:`scores` → :func:`cobenefits`. Capacity comes before the scores because
the turbine layout decides whether a wind site holds a turbine at all (``too_small`` sites are not
ranked) and because the LCOE may be a criterion. A stage changes only the sites that are still
``usable`` (the others keep their status and reason) and adds its notes to ``run.notes``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import cobenefits as cb
from geo import cost as co
from geo import energy as en
from geo import score as sc
from geo.approvals import approvals  # noqa: F401 - a stage, defined there
from geo.assessments import assessments  # noqa: F401 - a stage, defined there
from geo.candidates import INPUT_ERROR
from geo.coverage import SOURCES, coverage_area
from geo.exclusion import (
    apply_exclusions,
    catalog_candidates,
    exclusion_geometries,
    penalty_areas,
)
from geo.layout import keep_spacing, layout
from geo.profiles import CRITERION_UNITS
from geo.site_conditions import site_conditions, user_conditions
from geo.site_flags import (
    append,
    outside_review,
    overlapping,
    partly_outside,
    repaired_outlines,  # noqa: F401 - a stage, defined there
    say,
    terrain_unknown,
    too_large,
    wholly_outside,
    withdraw_usable,
)
from geo.site_flags import usable as _usable
from geo.zonal import dem_stats, nearest_km, zonal
from layers.crs import WGS84
from layers.errors import rephrase
from layers.kinds import get_kind
from layers.regions import admin_codes_at

RESOURCE = {"pv": ("ghi", "ghi"), "wind": ("wind_speed", "wind_speed")}  # criterion, raster kind
DIST_KINDS = {"dist_substation": "substation", "dist_road": "road",
              "dist_settlement": "settlement"}
RESOURCE_CRITERIA = ("ghi", "wind_speed")


def _geoseries(values, sites) -> gpd.GeoSeries:
    return gpd.GeoSeries(np.asarray(values, dtype=object), index=sites.index, crs=sites.crs)


# -- exclusions ----------------------------------------------------------------------------------
def not_checked_flag(missing: list[dict]) -> str:
    """The per-site flag for exclusions whose layer the catalog does not provide.

    Parameters
    ----------
    missing : list of dict
        ``{"id", "kind", "label_en", "label_zh"}`` of each exclusion not applied.

    Returns
    -------
    str
        E.g. "not checked against: ecological_red_line (layer not provided; ...) / 未核查：
        生态保护红线（未提供图层，...）"; "" when nothing is missing.
    """
    if not missing:
        return ""
    en_ = ", ".join(m["kind"] for m in missing)
    zh = "、".join(m["label_zh"] for m in missing)
    return (f"not checked against: {en_} (layer not provided; the exclusion was not applied — "
            f"check by hand) / 未核查：{zh}（未提供图层，未排除，请人工核查）")


def exclusions(sites: gpd.GeoDataFrame, run) -> gpd.GeoDataFrame:
    """Usable land: each candidate minus the profile's buffered exclusions (wind setbacks scale
    with the turbine's tip height) and minus the land outside the catalog's coverage (excluded as
    unknown; a site wholly outside goes to ``review``, :func:`geo.site_flags.outside_review`);
    reduced-density land for PV (e.g. 林光互补 shrub forest).

    An exclusion whose layer the catalog lacks is not applied: it is listed in
    ``run.meta["not_checked"]`` (the command warns, the report says it at the top) and flagged in
    every site's ``notes`` (the ranking is not a checked one); sites partly outside the coverage
    are said in ``run.meta["outside_coverage"]``, those wholly outside in
    ``run.meta["wholly_outside"]``."""
    prof, cat = run.profile, run.catalog
    tip = en.tip_height_m(prof.energy) if run.tech == "wind" else 0.0
    rules, missing = [], []
    for rule in prof.exclusion:
        layers = [d.gdf for d in cat.layers_of(rule.kind)]
        label = get_kind(rule.kind)
        if not layers:
            run.notes.append(f"exclusion {rule.id!r} ({label.label_en}): not excluded: layer not "
                             f"provided — check by hand / 未提供{label.label_zh}图层，未排除，"
                             "请人工核查")
            missing.append({"id": rule.id, "kind": rule.kind, "label_en": label.label_en,
                            "label_zh": label.label_zh})
        lost = [f"{d.spec.id}:{i}" for d in cat.layers_of(rule.kind) for i in d.gdf["id"][
            (d.gdf.geometry.isna() | d.gdf.geometry.is_empty).to_numpy()]]
        if lost:  # in the layer but nowhere on the map (see geo.unplaced)
            run.notes.append(f"exclusion {rule.id!r} ({label.label_en}): {len(lost)} feature(s) "
                             f"cannot be placed ({', '.join(lost[:5])}{' …' if len(lost) > 5 else ''}"
                             f"): not excluded there — fix their geometry or check the sites by "
                             f"hand / {label.label_zh}有要素无法定位，未排除，请人工核查")
        rg = exclusion_geometries(layers, rule, rule.setback_m(tip))
        if rg.reasons:
            run.notes.append(f"exclusion {rule.id!r}: {len(rg.reasons)} feature(s) excluded "
                             f"because a deciding fact is unknown (fail closed): "
                             f"{'; '.join(rg.reasons[:3])}{' …' if len(rg.reasons) > 3 else ''}"
                             f" / {label.label_zh}属性未知，按排除处理")
        if layers:
            rg = _uncovered(rg, cat, rule, sites.crs, run)
        rules.append((rule, rg))
    run.exclusions = rules   # assessments name the exclusion that took land in their zones
    source, cover = coverage_area(cat, sites.crs)
    words = f"{SOURCES[source]['en']} / {SOURCES[source]['zh']}"
    ex = apply_exclusions(sites, rules, prof.min_usable_area_ha, coverage=(words, cover),
                          crs=sites.crs)  # areas on the ellipsoid
    out = sites.drop(columns=[c for c in ex.columns if c in sites.columns])
    out = pd.concat([out, ex], axis=1)
    out["notes"] = ""
    run.meta["not_checked"] = missing
    outside_review(out, run, words)
    partly_outside(out, run, SOURCES[source])
    if missing:
        flag = not_checked_flag(missing)
        append(out, out["status"] != "error", flag, "notes")

    penalties = []
    for rule in prof.density_penalty:
        layers = [d.gdf for d in cat.layers_of(rule.kind)]
        if not layers:
            run.notes.append(f"density_penalty {rule.id!r}: layer {rule.kind} not provided: "
                             "reduced-density land not identified — check by hand / 未提供图层")
        penalties.append((rule, exclusion_geometries(layers, rule, 0.0)))
    area, lost = penalty_areas(out["usable_geometry"].to_numpy(), penalties, out.crs)
    out["density_penalty_ha"] = area if penalties else np.nan
    out["_lost_ha"] = lost
    rules_text = ", ".join(f"{r.id} ×{r.factor:g}" for r, _ in penalties)
    reduced = np.asarray(area) > 0
    append(out, reduced, [f"{a:.2f} ha at reduced PV density ({rules_text}) / 降低密度"
                          for a in np.asarray(area)[reduced]], "notes")
    return gpd.GeoDataFrame(out, geometry=sites.geometry.name, crs=sites.crs)


# -- criteria ------------------------------------------------------------------------------------
def _uncovered(rg, cat, rule, crs, run):
    """``rg`` with the land its kind's layers do not cover (``covers``), within the rule's
    buffer, added as unknown: excluded, counted in ``excluded_unknown_ha``, said in the reasons
    (as :mod:`geo.covers` makes screening rules review there)."""
    from geo.covers import covers_words, uncovered_area

    gap = uncovered_area(cat, rule.kind, crs)
    if not len(gap):
        return rg
    if rg.buffer_m > 0:
        gap = shapely.buffer(gap, rg.buffer_m)
    layers, names = covers_words(cat, rule.kind, "en")
    _, names_zh = covers_words(cat, rule.kind, "zh")
    label = get_kind(rule.kind)
    why = (f"layer {layers} covers only {names} (`covers` in the catalog): elsewhere "
           f"{label.label_en} is unknown, excluded / 图层 {layers} 仅覆盖 {names_zh}，"
           f"其余区域{label.label_zh}未知，按排除处理")
    say(run, f"covers_{rule.id}", f"exclusion {rule.id!r}: {why}")  # and on the terminal
    return rg._replace(geoms=np.concatenate([rg.geoms, gap]),
                       unknown=np.concatenate([rg.unknown, np.ones(len(gap), dtype=bool)]),
                       reasons=[*rg.reasons, why])


def analysis_geometry(sites) -> gpd.GeoSeries:
    """The land each criterion is measured on: the usable land, else the candidate; None for
    errors."""
    usable = _geoseries(sites["usable_geometry"].to_numpy(), sites)
    out = usable.where(~usable.is_empty, sites.geometry)
    return out.where(sites["status"] != "error", None)


def criteria(sites: gpd.GeoDataFrame, run) -> gpd.GeoDataFrame:
    """Raster criteria (exactextract), distances, land-type preference and site conditions."""
    prof, cat, df = run.profile, run.catalog, sites.copy()
    # a site wholly outside the coverage is not measured against the catalog's features: the
    # nearest one in the catalog need not be the nearest there, and the working CRS is not chosen
    # for it; nor against its rasters (it is not scored: ``review``)
    analysis = analysis_geometry(df).where(~wholly_outside(df), None)
    crit_res, _ = RESOURCE[run.tech]
    df[crit_res] = zonal(analysis, run.resource, ("mean",))["mean"]
    df["wind_speed" if run.tech == "pv" else "ghi"] = np.nan
    dem = cat.raster("dem")
    if dem is not None:
        d = dem_stats(analysis, dem)
        for c in ("elevation", "slope_mean", "slope_max"):
            df[c] = d[c]
    else:
        df[["elevation", "slope_mean", "slope_max"]] = np.nan
        run.notes.append("no DEM in the catalog: slope and elevation not available / 无高程数据")
    for crit, kind in DIST_KINDS.items():
        targets = [d.gdf.geometry.values for d in cat.layers_of(kind)]
        df[crit] = nearest_km(analysis, np.concatenate(targets) if targets else np.empty(0))
        if not targets and crit in prof.criteria:
            run.notes.append(f"criterion {crit}: no {kind} layer in the catalog; left out of the "
                             "score / 未提供图层，不参与评分")
    df["land_type"] = df["source_kind"].map(lambda k: prof.land_type.get(k, 0.5))
    cond = site_conditions(df["source_kind"], df["facts"], prof.site_conditions)
    user = (df["source_kind"] == "user").to_numpy()
    if user.any():  # the facts of the catalog's degraded land a user polygon lies on
        cond.loc[user] = user_conditions(df.geometry.values[user], catalog_candidates(cat),
                                         prof.site_conditions).to_numpy()
    cond.index = df.index
    df[cond.columns] = cond
    return df


def input_errors(sites: gpd.GeoDataFrame, run) -> gpd.GeoDataFrame:
    """After the exclusions: a candidate the reader could not place, or whose id repeats an
    earlier one, is an ``error`` with that reason (not "no geometry"), and nothing else of it is
    scored."""
    out = sites.copy()
    if INPUT_ERROR not in out.columns:
        return out
    bad = (out[INPUT_ERROR].fillna("") != "").to_numpy()
    out.loc[bad, "status"] = "error"
    out.loc[bad, "reason"] = out.loc[bad, INPUT_ERROR]
    withdraw_usable(out, bad, refused=True)  # a repeated id's polygon is not usable land
    return out


# -- limits --------------------------------------------------------------------------------------
def limits(sites: gpd.GeoDataFrame, run) -> gpd.GeoDataFrame:
    """Missing resource raster values → ``error``; unknown slope or elevation (no DEM, or outside
    it) → ``review`` (:func:`geo.site_flags.terrain_unknown`: never passed as flat ground); hard
    limits and site-condition limits → ``excluded``; an unknown site-condition fact that is a
    limit when bad → ``review`` (not ranked)."""
    prof, df = run.profile, sites.copy()
    usable = _usable(df)
    before = usable.copy()
    usable &= ~terrain_unknown(df, usable.to_numpy(), run)
    for k in prof.criteria:
        if k not in RESOURCE_CRITERIA or not df[k].notna().any():
            continue
        miss = usable & df[k].isna()
        if miss.any():
            append(df, miss, f"outside raster {run.resource.id!r}: no {k} value / 超出数据范围")
            df.loc[miss, "status"] = "error"
            usable &= ~miss
    for k, lim in prof.limits.items():
        v = df[k]
        for bound, sym in ((lim.max, ">"), (lim.min, "<")):
            if bound is None:
                continue
            hit = usable & ((v > bound) if sym == ">" else (v < bound)).fillna(False)
            append(df, hit, [f"{k} {x:.1f} {CRITERION_UNITS[k]} {sym} limit {bound:g} / 超出限值"
                             for x in v[hit]])
            df.loc[hit, "status"] = "excluded"
            usable &= ~hit
    hit = usable & (df["condition_limit"] != "")
    append(df, hit, df.loc[hit, "condition_limit"].to_numpy(dtype=object))
    df.loc[hit, "status"] = "excluded"
    usable &= ~hit
    # unknown never passes: a fact that would exclude the site when bad is checked by hand first
    check = usable & (df["condition_check"] != "")
    append(df, check, df.loc[check, "condition_check"].to_numpy(dtype=object))
    df.loc[check, "status"] = "review"
    flagged = (df["condition_flag"] != "") & (df["status"] != "error")
    append(df, flagged, df.loc[flagged, "condition_flag"].to_numpy(dtype=object), "notes")
    withdraw_usable(df, before & df["status"].isin(("excluded", "error")))
    return df


# -- capacity and energy -------------------------------------------------------------------------
def capacity_energy(sites: gpd.GeoDataFrame, run) -> gpd.GeoDataFrame:
    """PV: usable area × density (slope and density penalties) and pvlib yield. Wind: whole
    turbines placed on the usable land (a site holding none becomes ``too_small``) × rating,
    less the turbines closer than the spacing to another site's (:func:`geo.layout.keep_spacing`),
    windpowerlib capacity factor."""
    e, df = run.profile.energy, sites.copy()
    usable = _usable(df)
    for c in ("turbines", "capacity_mw", "specific_yield_kwh_kwp", "capacity_factor",
              "generation_mwh"):
        df[c] = np.nan
    cent = _geoseries(df["usable_geometry"].where(usable, None), df).centroid.to_crs(WGS84)
    if run.tech == "pv":
        area = df.loc[usable, "usable_area_ha"] - df.loc[usable, "_lost_ha"]
        df.loc[usable, "capacity_mw"] = en.pv_capacity_mw(area, df.loc[usable, "slope_mean"], e)
        df.loc[usable, "specific_yield_kwh_kwp"] = en.pv_yields(
            cent[usable].y, cent[usable].x, df.loc[usable, "ghi"], df.loc[usable, "elevation"], e)
        df["generation_mwh"] = df["capacity_mw"] * df["specific_yield_kwh_kwp"]
        # on the DC rating (MWp), the capacity column's: generation = capacity × CF × 8760 h
        df.loc[usable, "capacity_factor"] = df.loc[usable, "specific_yield_kwh_kwp"] \
            / en.HOURS_PER_YEAR
        too_large(df, run)
        return df
    t = en.turbine(e.turbine_type)
    pos = layout(df.loc[usable, "usable_geometry"], t["rotor_diameter_m"], e.spacing_downwind_d,
                 e.spacing_crosswind_d, e.wind_direction_deg, e.foundation_radius_m)
    n = np.array([len(p) for p in pos], dtype=float)
    none = usable.to_numpy().copy()
    none[none] = n == 0
    append(df, none, f"no room for one turbine (foundation radius {e.foundation_radius_m:g} m) "
           "/ 无法布置一台风机")
    df.loc[none, "status"] = "too_small"
    # sites laid out on their own: a turbine closer than the spacing to another site's goes
    pos = keep_spacing(df, np.flatnonzero(usable.to_numpy()), pos, t["rotor_diameter_m"],
                       e.spacing_downwind_d, e.spacing_crosswind_d, e.wind_direction_deg, run)
    df.loc[usable, "turbines"] = np.array([len(p) for p in pos], dtype=float)
    run.meta["turbines"] = {}
    for sid, p in zip(df.loc[usable, "site_id"], pos):
        if len(p):
            lonlat = gpd.GeoSeries.from_xy(p[:, 0], p[:, 1], crs=df.crs).to_crs(WGS84)
            run.meta["turbines"][sid] = [[round(x, 6), round(y, 6)]
                                         for x, y in zip(lonlat.x, lonlat.y)]
    usable = _usable(df)
    df.loc[usable, "capacity_mw"] = df.loc[usable, "turbines"] * t["nominal_power_w"] / 1e6
    df.loc[usable, "capacity_factor"] = en.wind_capacity_factor(
        df.loc[usable, "wind_speed"], df.loc[usable, "elevation"], e, e.temp_air_c)
    df["generation_mwh"] = df["capacity_mw"] * df["capacity_factor"] * en.HOURS_PER_YEAR
    too_large(df, run)
    return df


# -- cost ----------------------------------------------------------------------------------------
def cost(sites: gpd.GeoDataFrame, run) -> gpd.GeoDataFrame:
    """Grid connection to the nearest substation whose voltage fits the capacity; capex, fixed
    O&M and LCOE [CNY/MWh]."""
    prof, df = run.profile, sites.copy()
    cols = ["grid_kv", "grid_substation", "grid_distance_km", "grid_cost_cny", "capex_cny",
            "fixed_om_cny_yr", "lcoe_cny_mwh", "lcot_cny_mwh"]
    for c in cols:
        df[c] = "" if c == "grid_substation" else np.nan
    if prof.cost is None:
        run.notes.append("no [cost] table in the profile: no LCOE or supply curve / 未设置成本参数")
        return df
    usable = _usable(df)
    subs = [d.gdf for d in run.catalog.layers_of("substation")]
    subs = (pd.concat(subs, ignore_index=True) if subs
            else pd.DataFrame({"id": [], "voltage_kv": [], "geometry": []}))
    unknown = pd.to_numeric(subs["voltage_kv"], errors="coerce").isna()
    if not len(subs):
        run.notes.append("no substation layer: grid connection cost unknown / 未提供变电站图层")
    elif unknown.any():
        run.notes.append(f"{int(unknown.sum())} substation(s) with unknown voltage_kv "
                         f"({', '.join(subs.loc[unknown, 'id'].astype(str)[:5])}): not assumed "
                         "to fit any site — check by hand / 电压等级未知的变电站不计入")
    analysis = analysis_geometry(df)[usable]
    con = co.connection(analysis.to_numpy(), df.loc[usable, "capacity_mw"], subs,
                        prof.cost.route_factor)
    con.index = analysis.index
    df.loc[usable, con.columns[:-1]] = con[con.columns[:-1]]
    noted = con["grid_note"] != ""
    append(df, df.index.isin(con.index[noted]),
           con["grid_note"].reindex(df.index).to_numpy(dtype=object)[
               df.index.isin(con.index[noted])], "notes")
    c = co.costs(df.loc[usable, "capacity_mw"], df.loc[usable, "generation_mwh"],
                 df.loc[usable, "grid_cost_cny"], prof.cost)
    c.index = df.index[usable]
    df.loc[usable, c.columns] = c
    return df


# -- scores --------------------------------------------------------------------------------------
def scores(sites: gpd.GeoDataFrame, run) -> gpd.GeoDataFrame:
    """Value functions × weights → score 0-100 with its ``score_<criterion>`` breakdown, rank,
    class A-D, P(top N) and the 5th-95th percentile rank under uncertainty."""
    prof, df = run.profile, sites.copy()
    overlapping(df, run)  # shared usable land is counted by each site: said, not hidden
    weights, cr = prof.weights()
    used = {k: w for k, w in weights.items() if df[k].notna().any()}
    for k in set(weights) - set(used):
        if not any(k in n for n in run.notes):
            run.notes.append(f"criterion {k}: no data; left out of the score / 无数据，不参与评分")
    total = sum(used.values()) or 1.0
    used = {k: w / total for k, w in used.items()}
    usable = _usable(df)
    for k in used:
        miss = usable & df[k].isna()
        if miss.any():
            append(df, miss, f"no {k} value; cannot be scored / 缺少指标值")
            df.loc[miss, "status"] = "error"
            withdraw_usable(df, miss)
            usable &= ~miss
    raw = df.loc[usable, list(used)]
    vals = pd.DataFrame({k: sc.value_function(raw[k], prof.criteria[k].points) for k in used},
                        index=raw.index)
    for c in ["score", "rank", "rank_p05", "rank_p95", "top_n_probability",
              *(f"score_{k}" for k in used)]:
        df[c] = np.nan
    if len(vals):
        df.loc[usable, "score"] = sc.score(vals, used)
        b = sc.breakdown(vals, used)
        df.loc[usable, b.columns] = b
        df.loc[usable, "rank"] = sc.rank(df.loc[usable, "score"].to_numpy())
        st = sc.rank_stability(raw, {k: prof.criteria[k].points for k in used}, used,
                               {k: prof.criteria[k].uncertainty for k in used}, prof.top_n,
                               prof.mc_runs, prof.mc_concentration, prof.seed)
        df.loc[usable, st.columns] = st
    df["class"] = sc.classify(df["score"].to_numpy(float), prof.class_thresholds)
    run.meta.update(weights=used, weights_declared=weights, consistency_ratio=cr)
    return df


# -- co-benefits ---------------------------------------------------------------------------------
def cobenefits(sites: gpd.GeoDataFrame, run) -> gpd.GeoDataFrame:
    """The grid CO2 factor from each site's province (regional grid, provincial factor where the
    factor file has one; ``--grid-region`` overrides) and the emissions avoided."""
    df = sites.copy()
    where = admin_codes_at(run.catalog, analysis_geometry(df).to_numpy(), df.crs)
    df["province"] = where["province"].to_numpy()
    f = cb.grid_factors(where["province"], where["admin_code"], run.grid_region)
    f.index = df.index
    df[["grid_region", "grid_co2_t_per_mwh"]] = f[["grid_region", "grid_co2_t_per_mwh"]]
    note = (f["grid_factor_note"] != "") & (df["status"] != "error")
    append(df, note, f.loc[note, "grid_factor_note"].to_numpy(dtype=object), "notes")
    if note.any():  # the note's halves: "national grid factor: why / 采用全国平均排放因子：原因"
        run.notes.append(rephrase(f.loc[note, "grid_factor_note"].iloc[0],
                                  f"{int(note.sum())} site(s) use the {{}}",
                                  f"{int(note.sum())} 个地块{{}}"))
    c = cb.cobenefits(df["generation_mwh"].to_numpy(float), df["grid_co2_t_per_mwh"].to_numpy())
    c.index = df.index
    df[c.columns] = c
    return df
