"""The stages of ``score_sites`` one by one: each takes and returns the site table, adds its
columns, keeps every candidate and leaves its input untouched; chained they give score_sites."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from siting_fixtures import make_region

import geo
from geo import stages
from geo.profiles import load_profile
from geo.siting import STAGES, Run, candidate_sites
from layers.catalog import load_catalog

ADDS = {
    "exclusions": ["usable_geometry", "usable_area_ha", "excluded_area_ha", "excluded_unknown_ha",
                   "status", "reason", "notes", "density_penalty_ha"],
    "criteria": ["ghi", "wind_speed", "slope_mean", "elevation", "dist_substation", "land_type",
                 "site_condition", "condition_limit", "condition_flag"],
    "input_errors": ["status", "reason"],
    "limits": [],
    "repaired_outlines": [],  # the catalog's sites are never repaired outlines
    "assessments": ["status", "reason", "notes"],
    "approvals": ["notes"],
    "capacity_energy": ["turbines", "capacity_mw", "generation_mwh"],
    "cost": ["grid_kv", "grid_substation", "grid_distance_km", "grid_cost_cny", "capex_cny",
             "lcoe_cny_mwh", "lcot_cny_mwh"],
    "scores": ["score", "rank", "rank_p05", "rank_p95", "class", "top_n_probability",
               "score_ghi"],
    "cobenefits": ["province", "grid_region", "co2_t", "co2_national_t", "co2_fossil_t"],
    "counted_only": ["capacity_if_cleared_mw", "generation_if_cleared_mwh"],
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(make_region(tmp_path_factory.mktemp("stages"), legal=True))


def test_each_stage_takes_and_returns_the_site_table(catalog):
    run = Run(catalog, load_profile(None, "pv"), "pv", catalog.raster("ghi"))
    sites = candidate_sites(run)
    assert list(sites.columns) == ["site_id", "source_kind", "source_id", "name", "facts",
                                   "geometry"]
    for stage in STAGES:
        before = sites.copy()
        out = stage(sites, run)
        assert isinstance(out, gpd.GeoDataFrame) and out.crs == sites.crs
        assert out.index.equals(sites.index) and out["site_id"].equals(sites["site_id"])
        for col in ADDS[stage.__name__]:
            assert col in out.columns, (stage.__name__, col)
        pd.testing.assert_frame_equal(sites.drop(columns="geometry"),
                                      before.drop(columns="geometry"))   # input untouched
        sites = out
    final = geo.score_sites(catalog, "pv")
    for col in ("status", "score", "capacity_mw", "lcoe_cny_mwh", "co2_t"):
        np.testing.assert_array_equal(sites[col].to_numpy(), final[col].to_numpy())


def test_limits_stage_alone(catalog):
    """A stage can be tested on a hand-made table: the slope limit excludes with the reason."""
    run = Run(catalog, load_profile(None, "pv"), "pv", catalog.raster("ghi"))
    sites = stages.criteria(stages.exclusions(candidate_sites(run), run), run)
    sites.loc[sites["status"] == "usable", "slope_mean"] = [40.0] + [1.0] * (
        int((sites["status"] == "usable").sum()) - 1)
    out = stages.limits(sites, run)
    first = sites.index[sites["status"] == "usable"][0]
    assert out.loc[first, "status"] == "excluded"
    assert "slope_mean 40.0 ° > limit 25" in out.loc[first, "reason"]


def test_limits_stage_unknown_slope_is_review_not_passed(catalog):
    """Review 28 F1: a usable site whose slope is unknown (outside the DEM, or on its nodata) is
    ``review`` with the reason and the fix, never passed through the slope limit as flat
    ground; the others are untouched."""
    run = Run(catalog, load_profile(None, "pv"), "pv", catalog.raster("ghi"))
    sites = stages.criteria(stages.exclusions(candidate_sites(run), run), run)
    first = sites.index[sites["status"] == "usable"][0]
    sites.loc[first, ["slope_mean", "slope_max", "elevation"]] = np.nan
    out = stages.limits(sites, run)
    assert out.loc[first, "status"] == "review"
    assert "outside the DEM's extent" in out.loc[first, "reason"]
    assert "use a DEM that covers the site" in out.loc[first, "reason"]
    others = sites.index[(sites["status"] == "usable") & (sites.index != first)]
    assert (out.loc[others, "status"] == "usable").all()
    assert run.meta["limits_not_checked"]["slope_mean"] == {"sites": 1, "no_dem": False}
    assert "unknown slope" in run.meta["terrain_unknown"]


def test_legal_land_layers_used_when_present(catalog):
    sites = geo.score_sites(catalog, "pv").set_index("site_id")
    notes = " ".join(sites.attrs["siting"]["notes"])
    assert "'cultivated_land'" not in notes and "'forest_not_shrub' (Forest land): not " \
        "excluded" not in notes
    assert "excluded because a deciding fact is unknown" in notes and "forest_type" in notes
    assert sites.loc["mines:m2", "excluded_cultivated_land_ha"] == pytest.approx(6.0)
    assert sites.loc["mines:m2", "excluded_unknown_ha"] > 0
    assert sites.loc["mines:m2", "density_penalty_ha"] > 0
    assert "reduced PV density" in sites.loc["mines:m2", "notes"]
    assert sites.loc["subsidence:s1", "excluded_forest_grade_I_ha"] == pytest.approx(4.0)
