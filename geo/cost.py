"""Cost: grid connection to a substation that fits, LCOE with a capital recovery factor, and the
supply curve (sites sorted by LCOE with cumulative capacity and energy), as NREL reV does.

LCOE [CNY/MWh] = (CRF × (capex + connection cost) + fixed O&M) / annual energy, with the capital
recovery factor CRF = r (1 + r)^n / ((1 + r)^n − 1) for discount rate r and lifetime n years.
The part of it due to the connection is reported as ``lcot_cny_mwh`` (reV's "levelised cost of
transmission"). The connection is a line at the lowest voltage a plant of the site's capacity
connects at (``geo/data/grid_connection.toml``) to the nearest substation of at least that voltage,
its route the straight distance × the profile's ``route_factor``, plus a bay at the substation.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

CONNECTION_FILE = Path(__file__).parent / "data" / "grid_connection.toml"
SUPPLY_CURVE_COLUMNS = ["supply_rank", "site_id", "name", "status", "capacity_mw",
                        "generation_mwh", "capacity_if_cleared_mw", "lcoe_cny_mwh", "lcot_cny_mwh", "grid_kv",
                        "grid_distance_km", "cumulative_capacity_mw",
                        "cumulative_generation_mwh", "reason", "notes"]


def crf(rate: float, years: int) -> float:
    """Capital recovery factor [1/yr]: the annuity that repays 1 CNY over ``years`` at ``rate``."""
    growth = (1.0 + rate) ** years
    return rate * growth / (growth - 1.0)


def lcoe(capex_cny, fixed_om_cny_yr, energy_mwh_yr, rate: float, years: int) -> np.ndarray:
    """Levelised cost of electricity [CNY/MWh] (NaN where the energy is not positive).

    Parameters
    ----------
    capex_cny : array_like
        Overnight capital cost [CNY].
    fixed_om_cny_yr : array_like
        Fixed operation and maintenance [CNY/yr].
    energy_mwh_yr : array_like
        Annual net energy [MWh/yr].
    rate : float
        Discount rate (real, per year).
    years : int
        Economic lifetime [yr].
    """
    e = np.asarray(energy_mwh_yr, dtype=float)
    cost = crf(rate, years) * np.asarray(capex_cny, float) + np.asarray(fixed_om_cny_yr, float)
    return np.where(e > 0, cost / np.where(e > 0, e, 1.0), np.nan)


@cache
def connection_levels() -> tuple[dict, ...]:
    """The voltage levels: ``max_mw``, ``kv``, ``line_cny_per_km``, ``bay_cny`` (ascending)."""
    raw = tomllib.loads(CONNECTION_FILE.read_text(encoding="utf-8"))["level"]
    return tuple(sorted(raw, key=lambda r: r["max_mw"]))


def required_level(capacity_mw: float, levels=None) -> dict:
    """The lowest voltage level a plant of ``capacity_mw`` [MW] connects at (the top level for a
    plant larger than every ``max_mw``)."""
    levels = levels or connection_levels()
    return next((lv for lv in levels if capacity_mw <= lv["max_mw"]), levels[-1])


def connection(geoms: np.ndarray, capacity_mw, substations: pd.DataFrame,
               route_factor: float = 1.3, levels=None) -> pd.DataFrame:
    """Each site's connection to the nearest substation whose voltage fits its capacity.

    Parameters
    ----------
    geoms : array of geometries
        The sites' usable land in a metric CRS (None or empty: no connection).
    capacity_mw : array_like
        Site capacity [MW] (NaN or 0: no connection).
    substations : DataFrame
        Columns ``id``, ``voltage_kv`` (None/NaN = unknown: never assumed to fit) and
        ``geometry`` (same CRS).
    route_factor : float
        Route length / straight distance.
    levels : sequence of dict, optional
        Voltage levels (default ``geo/data/grid_connection.toml``).

    Returns
    -------
    DataFrame
        ``grid_kv`` (voltage needed [kV]), ``grid_substation`` (id), ``grid_distance_km``
        (straight distance [km]), ``grid_cost_cny`` (line + bay [CNY]) and ``grid_note`` (why
        there is no connection).
    """
    g = np.asarray(geoms, dtype=object)
    cap = np.asarray(capacity_mw, dtype=float)
    levels = levels or connection_levels()
    n = len(g)
    kv, dist, cost = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    sub_id, note = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    ok = ~(shapely.is_missing(g) | shapely.is_empty(g)) & np.isfinite(cap) & (cap > 0)
    volts = pd.to_numeric(substations["voltage_kv"], errors="coerce").to_numpy(float)
    sub_geoms = np.asarray(substations.geometry.values, dtype=object)
    sub_ok = ~(shapely.is_missing(sub_geoms) | shapely.is_empty(sub_geoms))
    ids = substations["id"].astype(str).to_numpy()
    need = np.array([required_level(c, levels)["kv"] if o else np.nan for c, o in zip(cap, ok)])
    for level in levels:
        at = np.flatnonzero(ok & (need == level["kv"]))
        if not len(at):
            continue
        kv[at] = level["kv"]
        fit = np.flatnonzero(sub_ok & (volts >= level["kv"]))     # NaN (unknown) never fits
        if not len(fit):
            note[at] = (f"no substation of ≥ {level['kv']:g} kV in the catalog: connection cost "
                        "unknown / 无电压等级匹配的变电站")
            continue
        (qi, ti), d = shapely.STRtree(sub_geoms[fit]).query_nearest(
            g[at], return_distance=True, all_matches=False)
        km = d / 1000.0
        dist[at[qi]] = km
        sub_id[at[qi]] = ids[fit][ti]
        cost[at[qi]] = km * route_factor * level["line_cny_per_km"] + level["bay_cny"]
    return pd.DataFrame({"grid_kv": kv, "grid_substation": sub_id, "grid_distance_km": dist,
                         "grid_cost_cny": cost, "grid_note": note})


def costs(capacity_mw, generation_mwh, grid_cost_cny, cost) -> pd.DataFrame:
    """Capex, fixed O&M and LCOE of each site.

    Parameters
    ----------
    capacity_mw : array_like
        Capacity [MW] (PV: MWp DC, the basis of the PV unit costs).
    generation_mwh : array_like
        Annual net generation [MWh/yr].
    grid_cost_cny : array_like
        Connection cost [CNY] (NaN: unknown → LCOE unknown).
    cost : Cost
        The profile's ``[cost]`` table.

    Returns
    -------
    DataFrame
        ``capex_cny`` [CNY], ``fixed_om_cny_yr`` [CNY/yr], ``lcoe_cny_mwh`` (with the
        connection) and ``lcot_cny_mwh`` (its connection part) [CNY/MWh].
    """
    kw = np.asarray(capacity_mw, dtype=float) * 1000.0
    capex = kw * cost.capex_cny_per_kw
    om = kw * cost.fixed_om_cny_per_kw_yr
    grid = np.asarray(grid_cost_cny, dtype=float)
    total = lcoe(capex + grid, om, generation_mwh, cost.discount_rate, cost.lifetime_years)
    lcot = lcoe(grid, 0.0, generation_mwh, cost.discount_rate, cost.lifetime_years)
    return pd.DataFrame({"capex_cny": capex, "fixed_om_cny_yr": om, "lcoe_cny_mwh": total,
                         "lcot_cny_mwh": lcot})


def supply_curve(sites: pd.DataFrame) -> pd.DataFrame:
    """The supply curve: usable sites with an LCOE from cheapest to dearest, with cumulative
    capacity [MW] and energy [MWh/yr]; then every other candidate (no rank, its status and reason),
    so that every candidate appears. ``notes`` carries each site's flags (what to check by hand).

    Parameters
    ----------
    sites : DataFrame
        The result of :func:`geo.score_sites`.

    Returns
    -------
    DataFrame
        Columns :data:`SUPPLY_CURVE_COLUMNS`.
    """
    df = pd.DataFrame({c: sites[c].to_numpy() for c in SUPPLY_CURVE_COLUMNS if c in sites})
    on = ((df["status"] == "usable") & np.isfinite(df["lcoe_cny_mwh"].astype(float))
          & (df["capacity_mw"].astype(float) > 0)).to_numpy()
    curve = df[on].sort_values(["lcoe_cny_mwh", "site_id"], kind="stable")
    curve["supply_rank"] = np.arange(1, len(curve) + 1)
    curve["cumulative_capacity_mw"] = curve["capacity_mw"].cumsum()
    curve["cumulative_generation_mwh"] = curve["generation_mwh"].cumsum()
    rest = df[~on].sort_values("site_id", kind="stable")
    out = pd.concat([curve, rest], ignore_index=True)
    return out.reindex(columns=SUPPLY_CURVE_COLUMNS)
