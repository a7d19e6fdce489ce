"""Wind as whole turbines: layout spacing, multiples of the rating, monotone in site size,
``too_small`` when no turbine fits, setbacks that grow with the hub height."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, box
from siting_fixtures import UTM, X0, Y0, make_region

import geo
from geo import energy as en
from geo.layout import turbine_positions
from geo.profiles import load_profile
from layers.catalog import load_catalog

WIND = load_profile(None, "wind")
D = en.turbine(WIND.energy.turbine_type)["rotor_diameter_m"]
RATING_MW = en.turbine(WIND.energy.turbine_type)["nominal_power_w"] / 1e6


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(make_region(tmp_path_factory.mktemp("layout-region")))


def test_default_turbine_is_a_large_rotor_5_to_6_mw_class():
    assert 5.0 <= RATING_MW <= 6.5 and D >= 150


@pytest.mark.parametrize("direction", [0.0, 45.0, 100.0])
def test_spacing_along_and_across_the_wind(direction):
    along, across = 7 * D, 5 * D
    pts = turbine_positions(box(0, 0, 8000, 6000), along, across, direction, 25.0)
    assert len(pts) > 20
    t = np.radians(direction)
    u = pts @ np.array([np.sin(t), np.cos(t)])          # along the wind
    v = pts @ np.array([np.cos(t), -np.sin(t)])         # across the wind
    rows = np.unique(np.round(u, 6))
    assert np.diff(rows).min() == pytest.approx(along)
    for r in rows:
        vs = np.sort(v[np.isclose(u, r)])
        if len(vs) > 1:
            assert np.diff(vs).min() == pytest.approx(across)
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    assert d[~np.eye(len(pts), dtype=bool)].min() >= across - 1e-6


def test_foundation_must_fit():
    thin = box(0, 0, 2000, 40)                          # 8 ha but only 40 m wide
    assert len(turbine_positions(thin, 7 * D, 5 * D, 45, inset_m=25)) == 0
    assert len(turbine_positions(thin, 7 * D, 5 * D, 45, inset_m=15)) >= 1
    assert len(turbine_positions(box(0, 0, 200, 200), 7 * D, 5 * D, 45, 25)) == 1  # 4 ha: one


@settings(max_examples=40, deadline=None)
@given(st.floats(0, 5000), st.floats(0, 5000), st.floats(0, 359),
       st.lists(st.floats(30, 600), min_size=2, max_size=6))
def test_turbine_count_grows_monotonically_with_site_size(x, y, direction, grow):
    """A site that contains another holds at least as many turbines."""
    site = shapely.Polygon([(x, y), (x + 900, y + 100), (x + 700, y + 1300), (x - 200, y + 800)])
    counts = []
    for g in np.cumsum(grow):
        counts.append(len(turbine_positions(site.buffer(g), 7 * D, 5 * D, direction, 25)))
    assert all(b >= a for a, b in zip(counts, counts[1:]))


def test_capacity_is_whole_turbines_and_monotone(catalog, tmp_path):
    """User squares of growing size: capacity = n × rating, never falling as sites grow."""
    sides = [90, 200, 600, 1200, 2000, 3000]
    cands = gpd.GeoDataFrame({"id": [f"s{a}" for a in sides]}, geometry=[
        box(X0 + 1000 - a / 2, Y0 + 4000 - a / 2, X0 + 1000 + a / 2, Y0 + 4000 + a / 2)
        for a in sides], crs=UTM)
    sites = geo.score_sites(catalog, "wind", candidates=cands).set_index("site_id")
    ok = sites["status"] == "usable"
    n = sites.loc[ok, "capacity_mw"] / RATING_MW
    assert np.allclose(n, np.round(n)) and (n >= 1).all()
    assert (sites.loc[ok, "turbines"] == np.round(n)).all()
    cap = sites["capacity_mw"].fillna(0).to_numpy()
    assert np.all(np.diff(cap) >= 0) and cap[-1] > cap[2]
    assert sites.loc["user:s90", "status"] == "too_small"       # 0.81 ha: below the minimum
    assert sites.attrs["siting"]["turbine"]["rating_mw"] == RATING_MW
    assert len(sites.attrs["siting"]["turbines"]["user:s3000"]) == sites.loc["user:s3000",
                                                                              "turbines"]


def test_site_without_room_for_a_turbine_is_too_small(catalog):
    """2.4 ha, but 30 m wide: parts survive the 1 ha minimum, no foundation fits."""
    cands = gpd.GeoDataFrame({"id": ["strip", "square"]}, geometry=[
        box(X0 + 500, Y0 + 3000, X0 + 1300, Y0 + 3030),
        box(X0 + 2000, Y0 + 3500, X0 + 2200, Y0 + 3700)], crs=UTM)
    prof = WIND.model_copy(update={"min_usable_area_ha": 1.0})
    sites = geo.score_sites(catalog, "wind", profile=prof, candidates=cands).set_index("site_id")
    assert sites.loc["user:strip", "usable_area_ha"] > 1.0
    assert sites.loc["user:strip", "status"] == "too_small"
    assert "no room for one turbine" in sites.loc["user:strip", "reason"]
    assert np.isnan(sites.loc["user:strip", "rank"])
    assert sites.loc["user:square", "status"] == "usable"
    assert sites.loc["user:square", "turbines"] == 1


@pytest.mark.parametrize("hub", [90.0, 125.0, 160.0])
def test_road_setback_is_tip_height_times_factor(catalog, hub):
    prof = WIND.model_copy(update={"energy": WIND.energy.model_copy(update={"hub_height_m": hub})})
    cand = box(X0 + 200, Y0 - 1300, X0 + 1200, Y0 - 700)   # 200-800 m north of the road
    sites = geo.score_sites(catalog, "wind", profile=prof,
                            candidates=gpd.GeoDataFrame({"id": ["c"]}, geometry=[cand], crs=UTM))
    tip = hub + D / 2
    road = LineString([(X0 - 500, Y0 - 1500), (X0 + 8000, Y0 - 1500)])
    want = cand.intersection(road.buffer(1.5 * tip)).area / 1e4
    assert sites["excluded_road_setback_ha"].iloc[0] == pytest.approx(want, rel=1e-3)


def test_setbacks_grow_with_hub_height(catalog):
    def excluded(hub):
        e = WIND.energy.model_copy(update={"hub_height_m": hub})
        s = geo.score_sites(catalog, "wind", profile=WIND.model_copy(update={"energy": e}),
                            candidates=gpd.GeoDataFrame({"id": ["c"]}, geometry=[
                                box(X0 + 200, Y0 - 1300, X0 + 1200, Y0 - 700)], crs=UTM))
        return s["excluded_road_setback_ha"].iloc[0]
    got = [excluded(h) for h in (80, 120, 160)]
    assert got[0] < got[1] < got[2]


def test_spacing_conflicts_keep_the_larger_site_and_the_ellipse():
    """Turbines of another site inside the spacing ellipse go; the larger site is placed first;
    a turbine outside the ellipse (on its crosswind axis at the crosswind spacing) stays."""
    from geo.layout import spacing_conflicts

    big = np.array([[0.0, 0.0], [0.0, 700.0], [0.0, 1400.0]])  # wind from north: rows along y
    small = np.array([[100.0, 0.0], [500.0, 0.0]])      # 100 m across: too close; 500 m: not
    kept, lost = spacing_conflicts([small, big], along_m=700.0, across_m=500.0,
                                   direction_deg=0.0)
    assert len(kept[1]) == 3 and kept[0].tolist() == [[500.0, 0.0]]
    assert lost.tolist() == [[1, 0, 1]]
    kept, lost = spacing_conflicts([big, big.copy()], 700.0, 500.0)
    assert len(kept[0]) == 3 and len(kept[1]) == 0 and lost.tolist() == [[0, 1, 3]]
