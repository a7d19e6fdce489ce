"""``score_sites``: from degraded land to ranked PV or wind sites with cost and co-benefits.

The flow is a chain of named stages (:mod:`geo.stages`), each taking and returning the site table:
:func:`candidate_sites` (degraded-land features, or the user's polygons) → exclusions (exact geometry,
legal land, setbacks) → criteria (zonal statistics, distances, land type, site conditions) →
limits → capacity and energy (PV density, whole wind turbines) → repaired outlines (a user
outline the reader repaired is not ranked) → assessments (land needing one
first, e.g. a geohazard-prone zone, sends the site to review) → approvals (usable land needing
one, e.g. forest land, is flagged in the site's notes; still ranked) → cost (grid connection, LCOE) →
scores (breakdown, rank, class, rank stability) → co-benefits (grid factor of the site's region)
→ counted only (capacity, generation and co-benefits held by the sites in the totals; a review
site's potential in ``capacity_if_cleared_mw`` / ``generation_if_cleared_mwh``).
Every candidate is a row of the result, whatever its status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np

from geo import cobenefits as cb
from geo import cost as co
from geo import energy as en
from geo import stages
from geo.candidates import INPUT_ERROR, candidate_table, read_candidates
from geo.columns import describe
from geo.exclusion import catalog_candidates
from geo.profiles import Profile, load_profile
from geo.site_conditions import assessment_year
from geo.site_flags import counted_only
from layers.errors import CRSError, InputError

OUTPUT_COLUMNS = [
    "site_id", "source_kind", "source_id", "name", "status", "candidate_area_ha",
    "excluded_area_ha", "excluded_unknown_ha", "outside_coverage_ha", "usable_area_ha",
    "parts_dropped",
    "dropped_area_ha", "density_penalty_ha", "ghi", "wind_speed", "slope_mean", "slope_max",
    "elevation", "dist_substation", "dist_road", "dist_settlement", "land_type", "site_condition",
    "score", "rank", "rank_p05", "rank_p95", "class", "top_n_probability", "turbines",
    "capacity_mw", "specific_yield_kwh_kwp", "capacity_factor", "generation_mwh",
    "capacity_if_cleared_mw", "generation_if_cleared_mwh", "grid_kv",
    "grid_substation", "grid_distance_km", "grid_cost_cny", "capex_cny", "fixed_om_cny_yr",
    "lcoe_cny_mwh", "lcot_cny_mwh", "province", "grid_region", "grid_co2_t_per_mwh", "co2_t",
    "co2_national_t", "co2_fossil_t", "so2_kg", "nox_kg", "pm_kg", "coal_tce", "reason", "notes"]
"""The columns of every result, in order; ``score_<criterion>`` follow ``score`` and
``excluded_<rule>_ha`` come last (see :data:`geo.columns.COLUMNS` for units)."""


@dataclass
class Run:
    """What the stages share: the inputs, the notes for the report, metadata for ``attrs``."""

    catalog: object
    profile: Profile
    tech: str
    resource: object
    grid_region: str | None = None
    notes: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    exclusions: list = field(default_factory=list)  # (rule, RuleGeometries) as applied


STAGES = (stages.exclusions, stages.input_errors, stages.criteria, stages.limits,
          stages.capacity_energy, stages.repaired_outlines, stages.assessments, stages.approvals,
          stages.cost, stages.scores, stages.cobenefits, counted_only)
"""The stages after :func:`candidate_sites`, in order."""


def candidate_sites(run: Run, given=None) -> gpd.GeoDataFrame:
    """The first stage: the candidate sites in the catalog's working CRS.

    Parameters
    ----------
    run : Run
    given : path or GeoDataFrame, optional
        The user's polygons (read by :func:`geo.candidates.read_candidates`, whose problems are
        warned of as :class:`layers.errors.SitingWarning`), or its result; default the catalog's
        degraded-land features.

    Raises
    ------
    InputError
        No candidates at all; a GeoDataFrame without CRS (CRSError).
    """
    cat = run.catalog
    if given is None:
        cands = catalog_candidates(cat)
    elif isinstance(given, gpd.GeoDataFrame):
        if given.crs is None:
            raise CRSError("candidates have no CRS; set one (e.g. gdf.set_crs('EPSG:4490'))")
        cands = given  # already read by geo.candidates, else the user's own polygons
        if INPUT_ERROR not in given.columns:
            cands, problems = candidate_table(given, "the candidates GeoDataFrame")
            _warn(problems)
    else:
        cands, problems = read_candidates(Path(given))
        _warn(problems)
    if given is not None:
        cands = cands.to_crs(cat.working_crs)
    if not len(cands) and given is not None:
        what = "the candidates GeoDataFrame" if isinstance(given, gpd.GeoDataFrame) else given
        raise InputError(f"{what}: no features: give at least one candidate polygon / "
                         "候选地块文件为空")
    if not len(cands):
        raise InputError(f"{cat.path}: no candidates: the catalog has no degraded-land layer "
                         "(abandoned_mine, subsidence_area, closed_landfill, contaminated_site, "
                         "slag_heap) and no --candidates file was given")
    return cands


def _warn(problems: list) -> None:
    """The reader's warnings and errors of rows as :class:`layers.errors.SitingWarning` (the
    command prints them under the file's name instead)."""
    import warnings

    from layers.errors import SitingWarning

    for p in problems:
        if p.severity in ("warning", "error"):
            warnings.warn(str(p), SitingWarning, stacklevel=3)


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
        Grid CO2 factor region for every site, overriding the region found from each site's
        province (and the profile's ``grid_region``).

    Returns
    -------
    GeoDataFrame
        One row per candidate in the catalog's working CRS (geometry: the candidate;
        ``usable_geometry``: what is left after exclusions), columns ``OUTPUT_COLUMNS`` with
        ``score_<criterion>`` and ``excluded_<rule>_ha``. ``attrs["siting"]`` holds the method's
        parameters, the weights, notes, the column units, the turbine positions (wind) and the
        data sources; :func:`geo.cost.supply_curve` turns the result into the supply curve.

    Raises
    ------
    InputError
        Bad profile (ProfileError), raster without CRS (CRSError), resource raster missing or not
        covering the candidates, unknown grid region.
    """
    from layers.catalog import Catalog, load_catalog

    prof = load_profile(profile, tech)
    cat = catalog if isinstance(catalog, Catalog) else load_catalog(catalog)
    region = grid_region or prof.grid_region
    if region:
        cb.check_region(region)
    raster_kind = stages.RESOURCE[tech][1]
    res_spec = cat.raster(raster_kind)
    if res_spec is None:
        raise InputError(f"{cat.path}: no [[raster]] of kind {raster_kind!r}; {tech} scoring "
                         f"needs it / 目录缺少 {raster_kind} 栅格")
    if tech == "wind":
        en.turbine(prof.energy.turbine_type)        # a bad turbine type fails before the work
    run = Run(cat, prof, tech, res_spec, region)
    sites = candidate_sites(run, candidates)
    for stage in STAGES:
        sites = stage(sites, run)
    breakdown = [f"score_{k}" for k in run.meta["weights"]]
    excl = [c for c in sites.columns if c.startswith("excluded_")
            and c not in ("excluded_area_ha", "excluded_unknown_ha")]
    cols = OUTPUT_COLUMNS[:OUTPUT_COLUMNS.index("score") + 1] + breakdown \
        + OUTPUT_COLUMNS[OUTPUT_COLUMNS.index("score") + 1:] + excl
    out = gpd.GeoDataFrame(sites[cols], geometry=sites.geometry.values, crs=sites.crs)
    out["usable_geometry"] = gpd.GeoSeries(np.asarray(sites["usable_geometry"], dtype=object),
                                           crs=sites.crs).values
    out.attrs["siting"] = _meta(run, breakdown, cols)
    return out


def _grid_summary(run: Run) -> tuple[str, object]:
    f = cb.emission_factors()["grid_co2_t_per_mwh"]
    if run.grid_region:
        return run.grid_region, f[run.grid_region]
    return "by site: province → regional grid", " · ".join(
        f"{k} {v}" for k, v in f.items() if k in ("national", "national_fossil"))


def _meta(run: Run, breakdown: list[str], columns: list[str]) -> dict:
    cat, prof = run.catalog, run.profile
    f = cb.emission_factors()
    region, factor = _grid_summary(run)
    sources = [{"id": s.id, "kind": s.kind, "source": s.source, "date": s.date,
                **cat.provenance(s.id)} for s in cat.layers + cat.rasters]
    meta = {
        "tech": run.tech, "profile": prof.path, "profile_name": prof.name,
        "profile_data": prof.model_dump(mode="json"),
        "criteria_points": {k: prof.criteria[k].points for k in run.meta["weights"]},
        "breakdown_columns": breakdown,
        "grid_region": region, "grid_co2_t_per_mwh": factor,
        "grid_co2_factors": dict(f["grid_co2_t_per_mwh"]),
        "factors": {"coal_kg_per_mwh": f["coal_kg_per_mwh"], "coal": f["coal"],
                    "sources": f["sources"]},
        "connection_levels": [dict(lv) for lv in co.connection_levels()],
        "assessment_year": assessment_year(prof.site_conditions),
        "columns": {c: describe(c) for c in columns},
        "notes": run.notes + list(prof.notes), "sources": sources, "catalog": str(cat.path),
        "region": dict(cat.region), "working_crs": cat.working_crs.to_wkt(),
        "resource_raster": run.resource.id,
    }
    if run.tech == "wind":
        t = en.turbine(prof.energy.turbine_type)
        meta["turbine"] = {"type": prof.energy.turbine_type,
                           "rating_mw": t["nominal_power_w"] / 1e6,
                           "rotor_diameter_m": t["rotor_diameter_m"],
                           "hub_height_m": prof.energy.hub_height_m,
                           "tip_height_m": en.tip_height_m(prof.energy)}
    meta.update(run.meta)
    return meta
