"""Usable land = candidate minus buffered exclusions, checked against geopandas.overlay and
shapely; legal land with unknown facts (fail closed); reduced-density land."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, box

from geo.exclusion import apply_exclusions, exclusion_geometries, match_features, penalty_areas
from geo.profiles import Exclusion

CRS = "EPSG:4545"


def _random_polys(rng, n, size, spread):
    x = rng.uniform(0, spread, n)
    y = rng.uniform(0, spread, n)
    r = rng.uniform(size / 3, size, n)
    return [Point(a, b).buffer(c, quad_segs=6) for a, b, c in zip(x, y, r)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_usable_area_matches_overlay_difference(seed):
    rng = np.random.default_rng(seed)
    cands = gpd.GeoDataFrame({"site_id": [f"c{i}" for i in range(30)]},
                             geometry=_random_polys(rng, 30, 400, 5000), crs=CRS)
    red = gpd.GeoDataFrame({"id": [str(i) for i in range(20)]},
                           geometry=_random_polys(rng, 20, 300, 5000), crs=CRS)
    farm = gpd.GeoDataFrame({"id": [str(i) for i in range(20)]},
                            geometry=_random_polys(rng, 20, 250, 5000), crs=CRS)
    r1 = Exclusion(kind="ecological_red_line", buffer_m=100)
    r2 = Exclusion(kind="basic_farmland", buffer_m=0)
    rules = [(r1, exclusion_geometries([red], r1)), (r2, exclusion_geometries([farm], r2))]
    res = apply_exclusions(cands, rules, min_usable_area_ha=0.0)
    # independent oracle: overlay difference against the dissolved buffered exclusions
    ex = gpd.GeoDataFrame(geometry=list(red.buffer(100, resolution=8).values) + list(farm.geometry.values),
                          crs=CRS).dissolve()
    diff = gpd.overlay(cands, ex, how="difference")
    expected = dict(zip(diff["site_id"], diff.area / 1e4))
    got = dict(zip(cands["site_id"], res["usable_area_ha"]))
    for sid, area in got.items():
        assert area == pytest.approx(expected.get(sid, 0.0), rel=1e-7, abs=1e-7)
    # the red-line column is the area of candidate ∩ buffered red line
    inter = gpd.overlay(cands, gpd.GeoDataFrame(geometry=red.buffer(100, resolution=8).values, crs=CRS)
                        .dissolve(), how="intersection")
    want = dict(zip(inter["site_id"], inter.area / 1e4))
    for sid, val in zip(cands["site_id"], res["excluded_ecological_red_line_100m_ha"]):
        assert val == pytest.approx(want.get(sid, 0.0), rel=1e-7, abs=1e-7)


def test_statuses_reasons_and_dropped_parts():
    cands = gpd.GeoDataFrame({"site_id": ["quarter", "full", "split", "none"]}, geometry=[
        box(0, 0, 200, 200), box(1000, 0, 1100, 100), box(2000, 0, 2300, 100), None], crs=CRS)
    farm = gpd.GeoDataFrame({"id": ["a", "b", "c"]}, geometry=[
        box(100, 100, 300, 300), box(900, -100, 1200, 200), box(2090, -10, 2100, 110)], crs=CRS)
    rule = Exclusion(kind="basic_farmland")
    res = apply_exclusions(cands, [(rule, exclusion_geometries([farm], rule))],
                           min_usable_area_ha=1.0)
    # "excluding a quarter leaves three quarters" (atlite)
    assert res.loc[0, "usable_area_ha"] == pytest.approx(3.0)
    assert res.loc[0, "status"] == "usable" and "Permanent basic farmland: 1.00 ha" in \
        res.loc[0, "reason"]
    assert res.loc[1, "status"] == "excluded" and res.loc[1, "usable_area_ha"] == 0
    # split: a 0.9 ha part (< 1 ha) is dropped and counted, the 2.0 ha part stays
    assert res.loc[2, "parts_dropped"] == 1
    assert res.loc[2, "dropped_area_ha"] == pytest.approx(0.9)
    assert res.loc[2, "usable_area_ha"] == pytest.approx(2.0)
    assert "dropped" in res.loc[2, "reason"]
    assert res.loc[3, "status"] == "error"
    assert len(res) == len(cands)


def test_attribute_filter_and_too_small():
    cands = gpd.GeoDataFrame({"site_id": ["a"]}, geometry=[box(0, 0, 100, 100)], crs=CRS)
    res_ = gpd.GeoDataFrame({"zone": ["core", "general"]},
                            geometry=[box(0, 0, 50, 100), box(50, 0, 100, 100)], crs=CRS)
    rule = Exclusion(kind="nature_reserve", where={"zone": ["core"]})
    res = apply_exclusions(cands, [(rule, exclusion_geometries([res_], rule))], 1.0)
    assert res.loc[0, "excluded_area_ha"] == pytest.approx(0.5)
    assert res.loc[0, "status"] == "too_small"   # 0.5 ha left < 1 ha


# -- legal land, unknown facts, density penalties ---------------------------------------------
def _legal_rules():
    from geo.profiles import load_profile

    return load_profile(None, "pv")


def test_three_valued_where():
    gdf = gpd.GeoDataFrame({
        "id": ["a", "b", "c", "d", "e"],
        "public_welfare": ["national", "national", None, "none", None],
        "forest_type": ["arbor", None, "arbor", None, "shrub"]},
        geometry=[box(i, 0, i + 1, 1) for i in range(5)], crs=CRS)
    match, unknown, reasons = match_features(
        gdf, "forest_land", {"public_welfare": ["national"], "forest_type": ["arbor"]})
    assert match.tolist() == [True, True, True, False, False]    # d, e: one fact known to differ
    assert unknown.tolist() == [False, True, True, False, False]
    assert reasons == ["b: forest_type unknown", "c: public_welfare unknown"]
    gdf["_unknown"] = [{}, {"forest_type": "forest_type '乔木' is not mapped"}, {}, {}, {}]
    _, _, reasons = match_features(gdf, "forest_land", {"forest_type": ["arbor"]})
    assert reasons == ["b: forest_type '乔木' is not mapped", "d: forest_type unknown"]


def test_legal_land_exclusion_exact_against_shapely():
    """PV: cultivated land, arbor/bamboo/other forest and forest of unknown type excluded, shrub
    forest kept at reduced density; every area equals the shapely overlay."""
    from siting_fixtures import legal_land

    land = legal_land()
    prof = _legal_rules()
    cand = box(500_000 + 2000, 2_950_000, 500_000 + 2600, 2_950_000 + 600)     # mine m2
    cands = gpd.GeoDataFrame({"site_id": ["m2"]}, geometry=[cand], crs="EPSG:4545")
    layers = {"cultivated_land": [land["cultivated"]], "forest_land": [land["forest"]]}
    rules = [(r, exclusion_geometries(layers.get(r.kind, []), r)) for r in prof.exclusion]
    res = apply_exclusions(cands, rules, min_usable_area_ha=0.0)
    f = land["forest"].set_index("id").geometry
    excluded = shapely.union_all([land["cultivated"].geometry.iloc[0], f["arbor"], f["unknown"]])
    assert res.loc[0, "usable_area_ha"] == pytest.approx(cand.difference(excluded).area / 1e4,
                                                         rel=1e-9)
    assert res.loc[0, "excluded_cultivated_land_ha"] == pytest.approx(
        cand.intersection(land["cultivated"].geometry.iloc[0]).area / 1e4, rel=1e-9)
    assert res.loc[0, "excluded_forest_not_shrub_ha"] == pytest.approx(
        cand.intersection(shapely.union_all([f["arbor"], f["unknown"]])).area / 1e4, rel=1e-9)
    assert res.loc[0, "excluded_unknown_ha"] == pytest.approx(
        cand.intersection(f["unknown"]).area / 1e4, rel=1e-9)
    assert "unknown" in res.loc[0, "reason"]
    pen = [(p, exclusion_geometries(layers["forest_land"], p, 0.0)) for p in prof.density_penalty]
    area, lost = penalty_areas(res["usable_geometry"].to_numpy(), pen)
    want = cand.difference(excluded).intersection(f["shrub"]).area / 1e4
    assert area[0] == pytest.approx(want, rel=1e-9)
    assert lost[0] == pytest.approx(want * (1 - prof.density_penalty[0].factor), rel=1e-9)


def test_grade_one_forest_excluded_even_if_shrub():
    from siting_fixtures import legal_land

    prof = _legal_rules()
    rule = next(r for r in prof.exclusion if r.id == "forest_grade_I")
    rg = exclusion_geometries([legal_land()["forest"]], rule)
    assert len(rg.geoms) == 1 and not rg.unknown.any()


def test_non_polygon_candidates_are_errors():
    cands = gpd.GeoDataFrame({"site_id": ["pt", "line", "ok"]}, geometry=[
        Point(0, 0), shapely.LineString([(0, 0), (10, 0)]), box(0, 0, 200, 200)], crs=CRS)
    res = apply_exclusions(cands, [], 1.0)
    assert res["status"].tolist() == ["error", "error", "usable"]
    assert "not a polygon (Point)" in res.loc[0, "reason"]
    assert "not a polygon (LineString)" in res.loc[1, "reason"]


def test_true_area_factor_matches_geodesic_area_far_from_the_meridian():
    """A 20 ha square 10° east of the working CRS's meridian: planar × factor = pyproj.Geod's
    area to 0.1 % (planar alone is 1.7 % too large); near the meridian the factor is exactly 1."""
    import pyproj
    import shapely
    from shapely.geometry import box

    from geo.exclusion import true_area_factor
    from layers.crs import working_crs

    crs = working_crs((106.0, 26.0, 107.2, 27.3))
    ll = [box(116.3974, 39.8980, 116.4026, 39.9020), box(106.60, 26.60, 106.605, 26.604)]
    geoms = gpd.GeoSeries(ll, crs="EPSG:4490").to_crs(crs).values
    k = true_area_factor(np.asarray(geoms, dtype=object), crs)
    geod = pyproj.Geod(ellps="GRS80")
    true = np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in ll])
    planar = shapely.area(np.asarray(geoms, dtype=object))
    assert abs(planar[0] / true[0] - 1) > 0.01
    assert planar * k == pytest.approx(true, rel=1e-3)
    assert k[1] == 1.0
    assert true_area_factor(np.array([None, shapely.Polygon()], dtype=object), crs).tolist() == [1, 1]


def test_each_part_is_measured_on_the_ellipsoid_where_it_lies():
    """A 540 km strip whose usable land is the end inside the coverage: that land is measured
    with the map's scale where it lies, not at the strip's middle (it was 0.165 % off), and the
    strip itself on the ellipsoid (0.12 % off with one scale for 5° of longitude), so every
    area agrees with pyproj.Geod to 0.01 %."""
    from pyproj import Geod

    crs = "EPSG:4544"  # CGCS2000 / 3° GK, CM 105E: the strip runs 1.6°-7° east of it
    dense = [shapely.segmentize(b, 0.005) for b in (box(106.6, 26.70, 112.0, 26.71),
                                                     box(106.5, 26.5, 107.3, 27.2))]
    strip, cover = (gpd.GeoSeries([g], crs=4326).to_crs(crs) for g in dense)  # edges ≈ 500 m
    cands = gpd.GeoDataFrame({"site_id": ["strip"]}, geometry=strip.values, crs=crs)
    res = apply_exclusions(cands, [], 1.0, coverage=("test", cover.values), crs=crs)
    geod = Geod(ellps="GRS80")

    def geodesic_ha(geom) -> float:
        g = gpd.GeoSeries([geom], crs=crs).to_crs(4326).iloc[0]
        return abs(geod.geometry_area_perimeter(g)[0]) / 1e4

    usable = res["usable_geometry"].iloc[0]
    assert res["usable_area_ha"].iloc[0] == pytest.approx(geodesic_ha(usable), rel=1e-4)
    assert res["candidate_area_ha"].iloc[0] == pytest.approx(geodesic_ha(strip.iloc[0]),
                                                             rel=1e-4)
    assert res["outside_coverage_ha"].iloc[0] == pytest.approx(
        geodesic_ha(strip.iloc[0].difference(cover.iloc[0])), rel=1e-4)
    # and the parts add up: candidate = excluded (here: outside) + usable
    assert res["candidate_area_ha"].iloc[0] == pytest.approx(
        res["excluded_area_ha"].iloc[0] + res["usable_area_ha"].iloc[0], rel=1e-12)
