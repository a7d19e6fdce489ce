"""Co-benefits of renewable generation: CO2, SO2, NOx, PM avoided and standard coal saved.

Factors live in ``geo/data/emission_factors.toml`` with their sources; the grid CO2 factor is
chosen by region (``national`` by default: China 2023, 0.5306 t/MWh).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from layers.errors import InputError, choice_error

FACTORS_FILE = Path(__file__).parent / "data" / "emission_factors.toml"


@cache
def emission_factors() -> dict:
    """The factor table (grid CO2 by region, coal-power pollutants, coal per kWh, sources)."""
    return tomllib.loads(FACTORS_FILE.read_text(encoding="utf-8"))


def grid_regions() -> list[str]:
    """Valid grid-region keys (``national``, ``north`` … ``southwest``)."""
    return list(emission_factors()["grid_co2_t_per_mwh"])


def cobenefits(generation_mwh, region: str = "national") -> pd.DataFrame:
    """Emissions avoided by generation that displaces grid (CO2) and coal-power (pollutants) output.

    Parameters
    ----------
    generation_mwh : array_like
        Annual generation [MWh/yr].
    region : str
        Grid region for the CO2 factor (see :func:`grid_regions`).

    Returns
    -------
    DataFrame
        ``co2_t`` [t/yr], ``so2_kg``, ``nox_kg``, ``pm_kg`` [kg/yr], ``coal_tce`` [t standard coal
        equivalent/yr].

    Raises
    ------
    InputError
        Unknown region.
    """
    f = emission_factors()
    if region not in f["grid_co2_t_per_mwh"]:
        raise InputError(choice_error("grid region", region, grid_regions()))
    g = np.asarray(generation_mwh, dtype=float)
    coal = f["coal_kg_per_mwh"]
    return pd.DataFrame({
        "co2_t": g * f["grid_co2_t_per_mwh"][region],
        "so2_kg": g * coal["so2"],
        "nox_kg": g * coal["nox"],
        "pm_kg": g * coal["pm"],
        "coal_tce": g * f["coal"]["gce_per_kwh"] / 1000.0,  # MWh·gce/kWh = kg·1e3/1e3 → t
    })
