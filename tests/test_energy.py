"""Energy: PV specific yield against a direct pvlib PVWatts run; wind CF against sampling;
PV capacity density; turbine library; losses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pvlib
import pytest

from geo import energy as en
from geo.profiles import load_profile
from layers.errors import ProfileError

PV = load_profile(None, "pv").energy
WIND = load_profile(None, "wind").energy


def _direct_pvlib(lat, lon, alt, ghi_annual):
    """The documented method written out with pvlib calls only (an independent oracle)."""
    times = pd.date_range("2023-01-01 00:30", periods=8760, freq="h", tz="Asia/Shanghai")
    sp = pvlib.solarposition.get_solarposition(times, lat, lon, altitude=alt)
    am = pvlib.atmosphere.get_relative_airmass(sp["apparent_zenith"])
    am_abs = pvlib.atmosphere.get_absolute_airmass(am, pvlib.atmosphere.alt2pres(alt))
    cs = pvlib.clearsky.ineichen(sp["apparent_zenith"], am_abs, 3.0, altitude=alt,
                                 dni_extra=pvlib.irradiance.get_extra_radiation(times))
    ghi = cs["ghi"] * ghi_annual * 1000 / cs["ghi"].sum()
    dec = pvlib.irradiance.erbs(ghi, sp["zenith"], times)
    poa = pvlib.irradiance.get_total_irradiance(
        lat, 180, sp["apparent_zenith"], sp["azimuth"], dec["dni"], ghi, dec["dhi"],
        dni_extra=pvlib.irradiance.get_extra_radiation(times), albedo=0.2, model="haydavies")
    g = poa["poa_global"].fillna(0)
    tc = pvlib.temperature.sapm_cell(g, 15.0, 1.0, -3.47, -0.0594, 3)
    dc = pvlib.pvsystem.pvwatts_dc(g, tc, 1000, -0.0035) * (1 - pvlib.pvsystem.pvwatts_losses()
                                                             / 100)
    ac = pvlib.inverter.pvwatts(dc, 1000 / 1.2, 0.96).clip(lower=0)
    return ac.sum() / 1000


@pytest.mark.parametrize("lat, lon, alt, ghi", [(26.6, 106.7, 1100, 1150.0),
                                                (40.0, 110.0, 1000, 1650.0)])
def test_pv_yield_matches_direct_pvlib(lat, lon, alt, ghi):
    got = en.pv_specific_yield(lat, lon, ghi, alt, PV)
    want = _direct_pvlib(lat, lon, alt, ghi)
    assert got == pytest.approx(want, rel=1e-3)
    assert 0.6 < got / ghi < 1.1      # performance ratio on the horizontal: sane


def test_pv_yields_grouping_interpolation_is_close():
    lat = np.full(30, 26.61)
    ghi = np.linspace(1100, 1300, 30)
    fast = en.pv_yields(lat, np.full(30, 106.71), ghi, np.full(30, 1100.0), PV)
    exact = [en.pv_specific_yield(26.61, 106.71, g, 1100.0, PV) for g in ghi[::7]]
    assert fast[::7] == pytest.approx(exact, rel=1e-3)
    assert np.all(np.diff(fast) > 0)


def test_pv_capacity_density_and_slope():
    cap = en.pv_capacity_mw([10, 10, 10], [0, 15, 40], PV)
    assert cap[0] == pytest.approx(10 * PV.density_mwp_per_ha)
    assert cap[2] == pytest.approx(10 * PV.density_mwp_per_ha * PV.slope_density_factor_at_limit)
    assert cap[0] > cap[1] > cap[2]


def test_pv_capacity_of_an_unknown_slope_is_unknown_not_flat():
    """Review 28 F1: an unknown slope (no DEM) is not taken as 0° (flat-ground density)."""
    cap = en.pv_capacity_mw([10, 10], [np.nan, 0], PV)
    assert np.isnan(cap[0]) and cap[1] == pytest.approx(10 * PV.density_mwp_per_ha)


def test_wind_capacity_factor_against_weibull_sampling():
    e = WIND.model_copy(update={"air_density_correction": False, "wind_losses_percent": 0.0,
                                "wake_losses_percent": 0.0})
    t = en.turbine(e.turbine_type)
    v100 = np.array([5.0, 6.5])
    cf = en.wind_capacity_factor(v100, np.zeros(2), e)
    rng = np.random.default_rng(1)
    from math import gamma
    for v, c in zip(v100, cf):
        hub = v * (e.hub_height_m / 100) ** e.shear_exponent
        scale = hub / gamma(1 + 1 / e.weibull_k)
        s = scale * rng.weibull(e.weibull_k, 400_000)
        p = np.interp(s, t["curve_speed"], t["curve_power"], left=0, right=0)
        assert c == pytest.approx(p.mean() / t["nominal_power_w"], rel=0.01)
    assert 0.1 < cf[0] < cf[1] < 0.6


def test_wind_density_correction_lowers_output_at_altitude():
    e = WIND.model_copy(update={"wind_losses_percent": 0.0})
    lo, hi = en.wind_capacity_factor(np.array([6.0, 6.0]), np.array([0.0, 2000.0]), e)
    assert hi < lo


def test_wake_and_other_losses_multiply():
    gross = WIND.model_copy(update={"wind_losses_percent": 0.0, "wake_losses_percent": 0.0})
    cf0 = en.wind_capacity_factor(np.array([6.0]), np.array([1000.0]), gross)[0]
    cf = en.wind_capacity_factor(np.array([6.0]), np.array([1000.0]), WIND)[0]
    assert cf == pytest.approx(cf0 * (1 - WIND.wake_losses_percent / 100)
                               * (1 - WIND.wind_losses_percent / 100))


def test_turbine_library_is_offline_and_checked():
    t = en.turbine("E-141/4200")
    assert t["nominal_power_w"] == 4.2e6 and t["rotor_diameter_m"] == 141
    assert en.turbine("S152/6330")["rotor_diameter_m"] == 152
    assert en.tip_height_m(WIND) == WIND.hub_height_m + 76
    with pytest.raises(ProfileError, match="no power curve"):
        en.turbine("NOPE/1")
