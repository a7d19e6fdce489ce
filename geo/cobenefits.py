"""Co-benefits of renewable generation: CO2, SO2, NOx, PM avoided and standard coal saved.

Factors live in ``geo/data/emission_factors.toml`` with their sources. The grid CO2 factor of a
site comes from where it is: its province (``layers.regions.admin_codes_at``) gives a provincial
factor when the factor file has one, else its regional grid (``geo/data/grid_regions.toml``), else
the national factor with a note. Every site also carries the national and the fossil-power
(marginal, upper bound) figures side by side.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from layers.errors import InputError, bi, choice_error, rephrase

FACTORS_FILE = Path(__file__).parent / "data" / "emission_factors.toml"
REGIONS_FILE = Path(__file__).parent / "data" / "grid_regions.toml"


@cache
def emission_factors() -> dict:
    """The factor table (grid CO2 by region and province, coal-power pollutants, coal, sources)."""
    return tomllib.loads(FACTORS_FILE.read_text(encoding="utf-8"))


@cache
def _regions() -> dict:
    return tomllib.loads(REGIONS_FILE.read_text(encoding="utf-8"))


def grid_regions() -> list[str]:
    """Valid grid-region keys (``national``, ``north`` … ``southwest``)."""
    return list(emission_factors()["grid_co2_t_per_mwh"])


def check_region(region: str) -> str:
    """``region`` if it is a known grid-region key.

    Raises
    ------
    InputError
        Unknown region (the message lists the valid ones).
    """
    if region not in emission_factors()["grid_co2_t_per_mwh"]:
        raise InputError(choice_error("grid region", region, grid_regions()))
    return region


def grid_region_of(province: str, admin_code: str = "") -> tuple[str, str]:
    """The regional grid serving a place.

    Parameters
    ----------
    province : str
        Two-digit province code (``""`` when unknown).
    admin_code : str
        The full admin code, needed where a province is split between grids (Inner Mongolia).

    Returns
    -------
    (region, note) : (str, str)
        The region key, or ``""`` with the reason when it cannot be told.
    """
    table = _regions()
    if not province:
        return "", bi("province unknown (the site lies in none of the catalog's admin boundaries, "
                      "or it has no admin_boundary layer or [region] province)",
                      "省份未知（地块不在图层目录的任何行政区划内，或目录没有 admin_boundary 图层或 "
                      "[region] province）")
    split = table.get("split", {}).get(province)
    if split is not None:
        region = split.get(str(admin_code)[:4], "")
        return (region, "") if region else (
            "", bi(f"province {province} is split between grids: admin code {admin_code or '?'} "
                   "does not name the prefecture (蒙西 North, 蒙东 Northeast)",
                   f"省份 {province} 分属两个区域电网：行政区划代码 {admin_code or '?'} 未指明地市"
                   "（蒙西属华北电网，蒙东属东北电网）"))
    region = table["province"].get(province, "")
    return (region, "") if region else ("", bi(f"province {province} has no regional grid entry",
                                               f"省份 {province} 没有对应的区域电网"))


def grid_factors(provinces, admin_codes, override: str | None = None) -> pd.DataFrame:
    """The grid CO2 factor of each site, from its place or an explicit region.

    Parameters
    ----------
    provinces, admin_codes : sequence of str
        Per site (``""`` when unknown), e.g. from ``layers.regions.admin_codes_at``.
    override : str, optional
        A grid-region key for every site (``--grid-region``).

    Returns
    -------
    DataFrame
        ``grid_region`` (region key, or ``province:<code>`` for a provincial factor),
        ``grid_co2_t_per_mwh`` [t CO2/MWh] and ``grid_factor_note`` (why the national factor
        stands in, ``""`` otherwise).
    """
    f = emission_factors()
    by_region = f["grid_co2_t_per_mwh"]
    by_province = f.get("grid_co2_province_t_per_mwh", {})
    rows = []
    for prov, code in zip(provinces, admin_codes):
        if override:
            rows.append((check_region(override), by_region[override], ""))
        elif prov in by_province:
            rows.append((f"province:{prov}", float(by_province[prov]), ""))
        else:
            region, why = grid_region_of(prov, code)
            rows.append((region, by_region[region], "") if region else
                        ("national", by_region["national"],
                         str(rephrase(why, "national grid factor: {}", "采用全国平均排放因子：{}"))))
    return pd.DataFrame(rows, columns=["grid_region", "grid_co2_t_per_mwh", "grid_factor_note"])


def cobenefits(generation_mwh, co2_t_per_mwh: str | float | np.ndarray = "national"
               ) -> pd.DataFrame:
    """Emissions avoided by generation that displaces grid (CO2) and coal-power (pollutants) output.

    Parameters
    ----------
    generation_mwh : array_like
        Annual generation [MWh/yr].
    co2_t_per_mwh : str, float or array
        The site's grid CO2 factor [t/MWh] (e.g. ``grid_factors(...)["grid_co2_t_per_mwh"]``), or
        a grid-region key (see :func:`grid_regions`).

    Returns
    -------
    DataFrame
        ``co2_t`` (with the site's factor), ``co2_national_t`` (national average factor),
        ``co2_fossil_t`` (national fossil-power factor: the marginal upper bound) [t/yr];
        ``so2_kg``, ``nox_kg``, ``pm_kg`` [kg/yr]; ``coal_tce`` [t standard coal equivalent/yr].

    Raises
    ------
    InputError
        Unknown region.
    """
    f = emission_factors()
    grid = f["grid_co2_t_per_mwh"]
    if isinstance(co2_t_per_mwh, str):
        co2_t_per_mwh = grid[check_region(co2_t_per_mwh)]
    g = np.asarray(generation_mwh, dtype=float)
    coal = f["coal_kg_per_mwh"]
    return pd.DataFrame({
        "co2_t": g * np.asarray(co2_t_per_mwh, dtype=float),
        "co2_national_t": g * grid["national"],
        "co2_fossil_t": g * grid["national_fossil"],
        "so2_kg": g * coal["so2"],
        "nox_kg": g * coal["nox"],
        "pm_kg": g * coal["pm"],
        "coal_tce": g * f["coal"]["gce_per_kwh"] / 1000.0,  # MWh·gce/kWh = kg·1e3/1e3 → t
    })
