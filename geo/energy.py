"""Capacity [MW], PV specific yield (pvlib), wind capacity factor (windpowerlib power curve).

PV method (documented for planners). For a site at latitude/longitude/elevation with annual GHI
``G`` [kWh/m²/yr]:

1. hourly 2023 clear-sky irradiance at the site (``pvlib`` Ineichen model, Linke turbidity 3,
   solar position from ``pvlib.solarposition``);
2. the clear-sky GHI is scaled so that its annual sum equals ``G`` (a clear-sky-shaped year);
3. the scaled GHI is split into DNI and DHI with the Erbs model (``pvlib.irradiance.erbs``);
4. transposition to a south-facing plane tilted at the site's latitude (Hay-Davies model with
   extraterrestrial DNI, ground albedo from the profile);
5. cell temperature from the SAPM model (open rack glass/glass) with the profile's air
   temperature and wind speed; PVWatts DC (``pvlib.pvsystem.pvwatts_dc``), PVWatts system losses
   (``pvwatts_losses``) and the PVWatts inverter (``pvlib.inverter.pvwatts``, DC/AC ratio).

The specific yield is the AC energy per kWp of DC capacity. Sites with the same location cell
(0.1°, 100 m of elevation) share step 1 and the solar geometry (:func:`pv_yields` evaluates every
cell at once and interpolates a cell's sites between a few GHI levels).

Wind method: the 100 m mean speed is lifted to hub height with the power law
``v(h) = v100 (h / 100)^alpha``; a Weibull distribution with shape ``k`` and that mean
(scale ``c = v / Γ(1 + 1/k)``) is integrated against the turbine's power curve from windpowerlib's
bundled turbine library (read from the package's CSV, offline), optionally corrected for air
density at the site's elevation; the capacity factor is reduced by a flat wake loss and the other
losses (availability, electrical) of the profile. Wind capacity is a whole number of turbines
placed by :mod:`geo.layout` times the turbine's rating.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from layers.errors import ProfileError

HOURS_PER_YEAR = 8760.0


# -- capacity ----------------------------------------------------------------------------------
def pv_capacity_mw(usable_ha, slope_mean_deg, energy) -> np.ndarray:
    """PV DC capacity [MWp]: usable area × density, reduced on steep ground.

    The density factor is 1 up to ``slope_full_density_deg`` and falls linearly to
    ``slope_density_factor_at_limit`` at ``slope_limit_deg`` (flat beyond).

    Parameters
    ----------
    usable_ha : array_like
        Usable area [ha].
    slope_mean_deg : array_like
        Mean slope [°]; NaN (unknown: no DEM) gives a NaN capacity, never the flat-ground one.
    energy : Energy
        Profile settings (density [MWp/ha], slope thresholds [°]).

    Returns
    -------
    ndarray
        Capacity [MWp]; NaN where the slope is unknown.
    """
    s = np.asarray(slope_mean_deg, dtype=float)
    f = np.interp(s, [energy.slope_full_density_deg, energy.slope_limit_deg],
                  [1.0, energy.slope_density_factor_at_limit])
    return np.asarray(usable_ha, dtype=float) * energy.density_mwp_per_ha * f


def tip_height_m(energy) -> float:
    """Tip height [m] of the profile's turbine: hub height + rotor radius."""
    return energy.hub_height_m + turbine(energy.turbine_type)["rotor_diameter_m"] / 2.0


# -- PV yield ----------------------------------------------------------------------------------
def pv_specific_yield(lat: float, lon: float, ghi_annual: float, elevation: float,
                      energy) -> float:
    """PV specific yield [kWh/kWp/yr] of one site driven by its annual GHI [kWh/m²/yr].

    See the module docstring for the method; every step is a pvlib function (the site's
    location cell gives the clear-sky year, as in :func:`pv_yields`).
    """
    if not np.isfinite(ghi_annual) or ghi_annual <= 0:
        return float("nan")
    cell = np.array([[round(lat, 1), round(lon, 1), round(float(np.nan_to_num(elevation)), -2)]])
    return float(_chain(_skies(cell), np.array([0]), np.array([lat], dtype=float),
                        np.array([ghi_annual], dtype=float), energy)[0])


YIELD_LEVELS = 4
"""GHI levels [kWh/m²/yr] at which a location cell's yield is computed (its sites are
interpolated between them: the yield is smooth and nearly linear in GHI, error < 0.01 %)."""
_ROWS = 128  # (cell, level) rows of 8760 hours computed in one vectorised pass


@cache
def _year() -> pd.DatetimeIndex:
    return pd.date_range("2023-01-01", periods=8760, freq="h", tz="Asia/Shanghai") \
        + pd.Timedelta(minutes=30)


def _skies(cells: np.ndarray) -> dict:
    """Solar geometry and Ineichen clear-sky GHI of every cell (rows) and hour (columns): the
    same pvlib functions as :func:`pv_specific_yield`, evaluated for all cells at once (the
    time terms of the solar position algorithm are computed once)."""
    from pvlib import atmosphere, clearsky, irradiance, spa

    times = _year()
    unixtime = ((times.tz_convert("UTC").tz_localize(None) - pd.Timestamp("1970-01-01"))
                .total_seconds().to_numpy())
    lat, lon, alt = (cells[:, i][:, None] for i in range(3))
    pressure = atmosphere.alt2pres(alt)
    app_zen, zen, _, _, azimuth, _ = spa.solar_position_numpy(
        unixtime, lat, lon, alt, pressure / 100, 12.0, 67.0, 0.5667, 1)
    dni_extra = irradiance.get_extra_radiation(times).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):  # night hours, as pvlib's Series do
        airmass = atmosphere.get_absolute_airmass(atmosphere.get_relative_airmass(app_zen),
                                                  pressure)
        cs = clearsky.ineichen(app_zen, airmass, 3.0, altitude=alt, dni_extra=dni_extra)
    return {"zenith": zen, "apparent_zenith": app_zen, "azimuth": azimuth,
            "ghi": np.asarray(cs["ghi"]), "dni_extra": dni_extra,
            "doy": times.dayofyear.to_numpy()}


def _chain(sky: dict, rows: np.ndarray, lat: np.ndarray, ghi_annual: np.ndarray,
           energy) -> np.ndarray:
    """Specific yields [kWh/kWp/yr] of (cell, annual GHI) rows: steps 2-5 of the method."""
    with np.errstate(divide="ignore", invalid="ignore"):  # night hours, as pvlib's Series do
        return _chain_steps(sky, rows, lat, ghi_annual, energy)


def _chain_steps(sky, rows, lat, ghi_annual, energy) -> np.ndarray:
    import pvlib

    cs = sky["ghi"][rows]
    scale = ghi_annual * 1000.0 / cs.sum(axis=1)
    # hours of clear-sky sunlight at any of these cells: at the others every step gives 0 W
    hours = np.flatnonzero((cs > 0).any(axis=0))
    ghi = cs[:, hours] * scale[:, None]
    zen = sky["zenith"][rows][:, hours]
    erbs = pvlib.irradiance.erbs(ghi, zen, sky["doy"][hours])
    tilt = np.abs(lat)[:, None] if energy.tilt_deg == "latitude" else float(energy.tilt_deg)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, energy.azimuth_deg, sky["apparent_zenith"][rows][:, hours],
        sky["azimuth"][rows][:, hours], np.asarray(erbs["dni"]), ghi, np.asarray(erbs["dhi"]),
        dni_extra=sky["dni_extra"][hours], albedo=energy.albedo, model="haydavies")
    poa_global = np.nan_to_num(np.asarray(poa["poa_global"], dtype=float))
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_glass"]
    tcell = pvlib.temperature.sapm_cell(poa_global, energy.temp_air_c, energy.wind_speed_ms,
                                        **params)
    pdc0 = 1000.0  # W, i.e. 1 kWp
    dc = pvlib.pvsystem.pvwatts_dc(poa_global, tcell, pdc0, energy.gamma_pdc)
    dc = np.asarray(dc) * (1 - energy.losses_percent / 100.0)
    ac = pvlib.inverter.pvwatts(dc, pdc0 / energy.dc_ac_ratio, energy.inverter_efficiency)
    return np.clip(np.asarray(ac), 0, None).sum(axis=1) / 1000.0


def pv_yields(lat, lon, ghi, elevation, energy) -> np.ndarray:
    """Specific yields [kWh/kWp/yr] for many sites.

    Sites are grouped by location cell (0.1° of latitude and longitude, 100 m of elevation);
    each cell has one clear-sky year (:func:`_skies`), scaled to at most
    :data:`YIELD_LEVELS` annual GHI levels spanning its sites (each site's own GHI when they are
    fewer), and its sites are interpolated between them. Every step is vectorised over cells and
    hours; the result equals :func:`pv_specific_yield` site by site to better than 0.1 %.
    """
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    ghi, elev = np.asarray(ghi, float), np.nan_to_num(np.asarray(elevation, float))
    out = np.full(len(lat), np.nan)
    ok = np.isfinite(ghi) & np.isfinite(lat) & np.isfinite(lon) & (ghi > 0)
    if not ok.any():
        return out
    keys = pd.DataFrame({"la": np.round(lat, 1), "lo": np.round(lon, 1),
                         "el": np.round(elev, -2), "g": ghi})[ok]
    cells = keys[["la", "lo", "el"]].drop_duplicates().reset_index(drop=True)
    cell_of = keys.merge(cells.reset_index(), on=["la", "lo", "el"], how="left")["index"]
    cell_of = cell_of.to_numpy()
    levels = []  # (cell, GHI level) rows
    for c, g in pd.Series(keys["g"].to_numpy()).groupby(cell_of):
        values = np.unique(g.to_numpy())
        if len(values) > YIELD_LEVELS:
            values = np.linspace(values[0], values[-1], YIELD_LEVELS)
        levels += [(c, v) for v in values]
    table = pd.DataFrame(levels, columns=["cell", "ghi"])
    table["yield"] = np.nan
    sky = _skies(cells.to_numpy(dtype=float))
    cell_lat = cells["la"].to_numpy(dtype=float)
    for start in range(0, len(table), _ROWS):
        part = table.iloc[start:start + _ROWS]
        rows = part["cell"].to_numpy()
        table.iloc[start:start + _ROWS, 2] = _chain(sky, rows, cell_lat[rows],
                                                    part["ghi"].to_numpy(), energy)
    idx = np.flatnonzero(ok)
    for c, grp in table.groupby("cell"):
        mine = cell_of == c
        out[idx[mine]] = np.interp(ghi[idx[mine]], grp["ghi"].to_numpy(),
                                   grp["yield"].to_numpy())
    return out


# -- wind --------------------------------------------------------------------------------------
def _turbine_dir() -> Path:
    import windpowerlib

    return Path(windpowerlib.__file__).parent / "data" / "default_turbine_data"


@cache
def turbine(turbine_type: str) -> dict:
    """A turbine from windpowerlib's bundled library: rating, rotor diameter, power curve.

    The library's CSV files (``windpowerlib/data/default_turbine_data``, a snapshot of the oedb
    turbine library shipped in the wheel) are read directly: nothing is downloaded, and
    ``WindTurbine``'s own loader is bypassed because it fails with pandas 3.

    Raises
    ------
    ProfileError
        Unknown turbine type or one without a power curve (lists a few valid ones).
    """
    folder = _turbine_dir()
    curves = pd.read_csv(folder / "power_curves.csv", index_col=0)
    data = pd.read_csv(folder / "turbine_data.csv", index_col=0)
    if turbine_type not in curves.index or turbine_type not in data.index:
        valid = [t for t in curves.index if t in data.index]
        raise ProfileError(f"energy.turbine_type: {turbine_type!r} has no power curve in "
                           f"windpowerlib's bundled library; e.g. {', '.join(valid[:8])} …")
    row = curves.loc[turbine_type].dropna()
    info = data.loc[turbine_type]
    return {"nominal_power_w": float(info["nominal_power"]),
            "rotor_diameter_m": float(info["rotor_diameter"]),
            "curve_speed": row.index.astype(float).to_numpy(),
            "curve_power": row.to_numpy(dtype=float)}


def air_density(elevation_m, temp_c: float = 15.0) -> np.ndarray:
    """Air density [kg/m³] at an elevation from the ISA barometric formula and the temperature."""
    h = np.nan_to_num(np.asarray(elevation_m, dtype=float))
    p = 101325.0 * (1 - 2.25577e-5 * h) ** 5.25588
    return p / (287.058 * (np.asarray(temp_c, float) + 273.15))


def wind_capacity_factor(mean_speed_100m, elevation_m, energy, temp_c: float = 15.0
                         ) -> np.ndarray:
    """Net capacity factor (0-1) of the profile's turbine at each site.

    Parameters
    ----------
    mean_speed_100m : array_like
        Annual mean wind speed at the raster's reference height [m/s].
    elevation_m : array_like
        Site elevation [m] for the air-density correction.
    energy : Energy
        Profile settings (turbine, hub height, shear exponent, Weibull k, losses). The wake
        loss is a flat percentage for every site (no wake model).
    """
    from windpowerlib.power_output import power_curve_density_correction

    t = turbine(energy.turbine_type)
    v = np.asarray(mean_speed_100m, dtype=float) * (
        energy.hub_height_m / energy.reference_height_m) ** energy.shear_exponent
    k = energy.weibull_k
    grid = np.arange(0.0, 40.0, 0.05) + 0.025
    rho = np.broadcast_to(air_density(elevation_m, temp_c), v.shape)
    out = np.full(v.shape, np.nan)
    curves: dict[float, np.ndarray] = {}
    for i in np.flatnonzero(np.isfinite(v) & (v > 0)):
        r = round(float(rho[i]), 3) if energy.air_density_correction else 0.0
        if r not in curves:
            if energy.air_density_correction:
                p = power_curve_density_correction(
                    pd.Series(grid), pd.Series(t["curve_speed"]), pd.Series(t["curve_power"]),
                    pd.Series(np.full(grid.size, r)))
                curves[r] = np.nan_to_num(np.asarray(p, dtype=float))
            else:
                curves[r] = np.interp(grid, t["curve_speed"], t["curve_power"], left=0, right=0)
        c = v[i] / math.gamma(1 + 1 / k)
        pdf = (k / c) * (grid / c) ** (k - 1) * np.exp(-((grid / c) ** k))
        out[i] = float(np.sum(curves[r] * pdf) * 0.05 / t["nominal_power_w"])
    return out * (1 - energy.wake_losses_percent / 100.0) * (1 - energy.wind_losses_percent / 100.0)
