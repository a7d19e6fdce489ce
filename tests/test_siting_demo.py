"""The demo region (Guiyang, Guizhou): the Southern grid factor, rank stability that informs,
the new columns, legal-land layers noted where a region lacks them."""

from __future__ import annotations

import numpy as np
import pytest

import geo
from geo.cobenefits import emission_factors
from layers.catalog import load_catalog
from layers.demo import DEMO_CATALOG

NEW = ["excluded_unknown_ha", "site_condition", "score_site_condition", "rank_p05", "rank_p95",
       "turbines", "grid_kv", "grid_distance_km", "grid_cost_cny", "capex_cny", "lcoe_cny_mwh",
       "lcot_cny_mwh", "province", "grid_region", "co2_national_t", "co2_fossil_t"]


@pytest.fixture(scope="module")
def demo():
    cat = load_catalog(DEMO_CATALOG)
    return {t: geo.score_sites(cat, t) for t in ("pv", "wind")}


@pytest.mark.parametrize("tech", ["pv", "wind"])
def test_guizhou_sites_use_the_southern_grid_factor(demo, tech):
    s = demo[tech]
    f = emission_factors()["grid_co2_t_per_mwh"]
    ok = s["status"] == "usable"
    assert (s["province"] == "52").all() and (s["grid_region"] == "south").all()
    assert s.loc[ok, "co2_t"].to_numpy() == pytest.approx(
        s.loc[ok, "generation_mwh"].to_numpy() * f["south"])
    assert s.loc[ok, "co2_national_t"].to_numpy() == pytest.approx(
        s.loc[ok, "generation_mwh"].to_numpy() * f["national"])
    assert (s.loc[ok, "co2_t"] < s.loc[ok, "co2_national_t"]).all()
    assert (s.loc[ok, "co2_national_t"] < s.loc[ok, "co2_fossil_t"]).all()


@pytest.mark.parametrize("tech", ["pv", "wind"])
def test_top_n_probability_informs_near_the_cut(demo, tech):
    s = demo[tech]
    n = s.attrs["siting"]["profile_data"]["top_n"]
    near = s[(s["rank"] >= n - 1) & (s["rank"] <= n + 2)]
    assert len(near) >= 3
    p = near["top_n_probability"]
    assert ((p > 0) & (p < 1)).all(), near[["site_id", "rank", "top_n_probability"]]
    assert (near["rank_p05"] < near["rank_p95"]).all()
    again = geo.score_sites(load_catalog(DEMO_CATALOG), tech)     # deterministic
    np.testing.assert_array_equal(again["top_n_probability"].to_numpy(),
                                  s["top_n_probability"].to_numpy())


@pytest.mark.parametrize("tech", ["pv", "wind"])
def test_demo_outputs_carry_the_new_columns(demo, tech):
    s = demo[tech]
    ok = s["status"] == "usable"
    for col in NEW:
        assert col in s.columns, col
    assert s.loc[ok, "lcoe_cny_mwh"].between(100, 2000).all()
    parts = [c for c in s.columns if c.startswith("score_")]
    assert parts == s.attrs["siting"]["breakdown_columns"]
    assert s.loc[ok, parts].sum(axis=1).to_numpy() == pytest.approx(s.loc[ok, "score"].to_numpy())
    cols = s.attrs["siting"]["columns"]
    assert cols["lcoe_cny_mwh"][0] == "CNY/MWh" and cols["co2_fossil_t"][0] == "t/yr"
    assert all(c in cols for c in s.columns if c not in ("geometry", "usable_geometry"))


@pytest.mark.parametrize("tech, kinds", [("pv", ["cultivated_land", "forest_not_shrub",
                                                 "basic_grassland"]),
                                         ("wind", ["state_forest", "basic_grassland"])])
def test_missing_legal_layers_are_noted(tmp_path, tech, kinds):
    """A region without the land-survey layers says which exclusions it could not apply."""
    from siting_fixtures import make_region

    sites = geo.score_sites(load_catalog(make_region(tmp_path)), tech)
    notes = " ".join(sites.attrs["siting"]["notes"])
    for k in kinds:
        assert f"exclusion '{k}'" in notes
    assert "not excluded: layer not provided — check by hand" in notes


@pytest.mark.parametrize("tech", ["pv", "wind"])
def test_demo_has_every_legal_land_layer(demo, tech):
    """The demo carries cultivated, forest and grassland layers: no exclusion is left unapplied."""
    notes = " ".join(demo[tech].attrs["siting"]["notes"])
    assert "not excluded: layer not provided" not in notes


def test_wind_is_whole_turbines_on_every_site(demo):
    s = demo["wind"]
    ok = s["status"] == "usable"
    rating = s.attrs["siting"]["turbine"]["rating_mw"]
    assert (s.loc[ok, "turbines"] >= 1).all()
    assert s.loc[ok, "capacity_mw"].to_numpy() == pytest.approx(
        s.loc[ok, "turbines"].to_numpy() * rating)
    big = ok & (s["usable_area_ha"] >= 4)
    assert (s.loc[big, "turbines"] >= 1).all()


def test_legal_land_takes_a_share_of_the_demo_sites(demo):
    """As in Guizhou, forest and farmed land cover part of the degraded land: PV loses arbor and
    bamboo forest and cultivated land beyond the basic farmland, keeps shrub land at reduced
    density (林光互补); wind loses a state forest and the forest parks; not every site loses."""
    pv, wind = demo["pv"], demo["wind"]
    area = pv["candidate_area_ha"]
    dense = pv["excluded_forest_not_shrub_ha"] / area
    tilled = (pv["excluded_cultivated_land_ha"] - pv["excluded_basic_farmland_ha"]) / area
    assert dense.between(0.1, 0.6).sum() >= 3, pv[["site_id", "excluded_forest_not_shrub_ha"]]
    assert tilled.between(0.1, 0.6).sum() >= 3
    assert ((dense > 0) | (tilled > 0.001)).mean() < 0.6
    shrub = (pv["status"] == "usable") & (pv["density_penalty_ha"] > 0)
    assert shrub.sum() >= 3
    assert (pv.loc[shrub, "density_penalty_ha"] <= pv.loc[shrub, "usable_area_ha"] + 1e-9).all()
    assert (wind["excluded_state_forest_ha"] > 1).sum() >= 1
    inside = wind["excluded_protected_area_ha"] > 0.99 * wind["candidate_area_ha"]  # a quarry
    assert (wind.loc[inside, "status"] == "excluded").sum() >= 1
    assert (pv["excluded_protected_area_ha"] > 1).sum() >= 2
