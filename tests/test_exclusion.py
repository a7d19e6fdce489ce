"""Usable land = candidate minus buffered exclusions, checked against geopandas.overlay."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from geo.exclusion import apply_exclusions, exclusion_geometries
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
