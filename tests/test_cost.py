"""Cost: capital recovery factor and LCOE against a hand-computed example, the connection to a
substation whose voltage fits, distance raising the LCOE, the supply curve."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geo import cost as co
from geo.profiles import Cost

WIND_COST = Cost(capex_cny_per_kw=5500, fixed_om_cny_per_kw_yr=100, discount_rate=0.06,
                 lifetime_years=20, route_factor=1.3)


def test_crf_hand_computed():
    # 1.06^20 = 3.2071355; 0.06 × 3.2071355 / 2.2071355 = 0.0871846
    assert co.crf(0.06, 20) == pytest.approx(0.0871846, abs=1e-7)
    assert co.crf(0.08, 25) == pytest.approx(0.0936788, abs=1e-7)


def test_lcoe_hand_computed_example():
    """A 10 MW wind site at CF 0.30, 5 km from a 35 kV substation.

    capex 10,000 kW × 5,500 = 55,000,000 CNY; connection 5 km × 1.3 × 600,000 + 1,500,000 (bay)
    = 5,400,000 CNY; O&M 10,000 kW × 100 = 1,000,000 CNY/yr; energy 10 × 0.30 × 8,760 = 26,280 MWh.
    LCOE = (0.0871846 × 60,400,000 + 1,000,000) / 26,280 = 238.43 CNY/MWh, of which the
    connection 0.0871846 × 5,400,000 / 26,280 = 17.91 CNY/MWh.
    """
    level = co.required_level(10.0)
    assert level["kv"] == 35
    grid = 5.0 * 1.3 * level["line_cny_per_km"] + level["bay_cny"]
    assert grid == 5_400_000
    c = co.costs([10.0], [26_280.0], [grid], WIND_COST).iloc[0]
    assert c["capex_cny"] == 55_000_000 and c["fixed_om_cny_yr"] == 1_000_000
    assert c["lcoe_cny_mwh"] == pytest.approx(238.43, abs=0.01)
    assert c["lcot_cny_mwh"] == pytest.approx(17.91, abs=0.01)


def test_lcoe_unknown_without_energy_or_connection():
    c = co.costs([10.0, 10.0], [0.0, 1000.0], [1e6, np.nan], WIND_COST)
    assert c["lcoe_cny_mwh"].isna().all()


@pytest.mark.parametrize("mw, kv", [(0.5, 10), (6, 10), (6.01, 35), (30, 35), (50, 110),
                                    (150, 110), (200, 220), (5000, 500)])
def test_voltage_by_capacity(mw, kv):
    assert co.required_level(mw)["kv"] == kv


def _subs():
    return gpd.GeoDataFrame({"id": ["near10", "mid_unknown", "far110", "far220"],
                             "voltage_kv": [10.0, None, 110.0, 220.0]},
                            geometry=[Point(0, 1000), Point(0, 2000), Point(0, 8000),
                                      Point(0, 20000)], crs="EPSG:4545")


def test_connection_needs_a_substation_that_fits():
    site = box(-100, -100, 100, 0)
    con = co.connection(np.array([site, site, site, None]), [3.0, 50.0, 300.0, 50.0], _subs())
    assert con["grid_substation"].tolist()[:3] == ["near10", "far110", "far220"]
    assert con["grid_kv"].tolist()[:3] == [10, 110, 220]
    assert con.loc[1, "grid_distance_km"] == pytest.approx(8.0)
    lv = co.required_level(50.0)
    assert con.loc[1, "grid_cost_cny"] == pytest.approx(8.0 * 1.3 * lv["line_cny_per_km"]
                                                        + lv["bay_cny"])
    assert np.isnan(con.loc[3, "grid_cost_cny"])          # no geometry: no connection


def test_unknown_voltage_never_fits():
    site = box(-100, -100, 100, 0)
    only_unknown = _subs().iloc[[1]]
    con = co.connection(np.array([site]), [3.0], only_unknown)
    assert np.isnan(con.loc[0, "grid_cost_cny"]) and "no substation of ≥ 10 kV" in \
        con.loc[0, "grid_note"]


def test_farther_from_a_fitting_substation_costs_more():
    """Two identical sites (same capacity and energy); the one farther from the nearest
    substation whose voltage fits has the higher LCOE, although a 10 kV station is near both."""
    near, far = box(-100, 7000, 100, 7200), box(-100, -3000, 100, -2800)
    con = co.connection(np.array([near, far]), [50.0, 50.0], _subs())
    assert con["grid_substation"].tolist() == ["far110", "far110"]
    c = co.costs([50.0, 50.0], [80_000.0, 80_000.0], con["grid_cost_cny"], WIND_COST)
    assert c.loc[1, "lcoe_cny_mwh"] > c.loc[0, "lcoe_cny_mwh"]
    assert c.loc[1, "capex_cny"] == c.loc[0, "capex_cny"]


def test_supply_curve_sorted_cumulative_and_complete():
    sites = pd.DataFrame({
        "site_id": ["a", "b", "c", "d", "e"], "name": "", "reason": "",
        "status": ["usable", "usable", "excluded", "usable", "usable"],
        "capacity_mw": [10.0, 5.0, np.nan, 20.0, 8.0],
        "generation_mwh": [20_000.0, 9_000.0, np.nan, 45_000.0, 15_000.0],
        "lcoe_cny_mwh": [300.0, 250.0, np.nan, 280.0, np.nan],
        "lcot_cny_mwh": [10.0, 5.0, np.nan, 8.0, np.nan], "grid_kv": 35.0,
        "grid_distance_km": 1.0})
    curve = co.supply_curve(sites)
    assert curve["site_id"].tolist() == ["b", "d", "a", "c", "e"]       # every candidate
    assert curve["supply_rank"].tolist()[:3] == [1, 2, 3]
    assert curve["cumulative_capacity_mw"].tolist()[:3] == [5.0, 25.0, 35.0]
    assert curve["cumulative_generation_mwh"].tolist()[:3] == [9_000.0, 54_000.0, 74_000.0]
    assert curve["supply_rank"].iloc[3:].isna().all()
    assert list(curve.columns) == co.SUPPLY_CURVE_COLUMNS


def test_score_sites_skips_a_substation_of_unknown_voltage(tmp_path):
    """End to end: the nearer substation's voltage cannot be read (unknown), so the sites connect
    to the farther one of known voltage, and the report notes it."""
    from siting_fixtures import UTM, X0, Y0, make_region

    import geo
    from layers.catalog import load_catalog

    path = make_region(tmp_path)
    gpd.GeoDataFrame({"id": ["near", "far"], "voltage_kv": ["高压", "110"]},
                     geometry=[Point(X0 + 2300, Y0 + 1500), Point(X0 + 3000, Y0 + 9000)],
                     crs=UTM).to_file(tmp_path / "substation.gpkg")
    sites = geo.score_sites(load_catalog(path), "pv")
    ok = sites[sites["status"] == "usable"]
    assert (ok["grid_substation"] == "far").all()
    assert (ok["grid_distance_km"] > ok["dist_substation"]).all()
    assert any("unknown voltage_kv (near)" in n for n in sites.attrs["siting"]["notes"])
