"""Zonal statistics against a direct exactextract call; slope in metres; raster errors."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import rasterio
import shapely
from exactextract import exact_extract
from rasterio.transform import from_origin
from shapely.geometry import Point, box
from siting_fixtures import UTM, X0, Y0, make_region, write_raster

import geo
from geo.zonal import dem_stats, nearest_km, zonal
from layers.catalog import load_catalog
from layers.errors import CRSError, InputError


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return load_catalog(make_region(tmp_path_factory.mktemp("region")))


def _polys():
    rng = np.random.default_rng(3)
    return gpd.GeoSeries([Point(X0 + x, Y0 + y).buffer(r) for x, y, r in
                          zip(rng.uniform(0, 5000, 12), rng.uniform(0, 4000, 12),
                              rng.uniform(50, 400, 12))], crs=UTM)


def test_zonal_mean_equals_direct_exactextract_other_crs(region):
    """GHI is in EPSG:4326, the polygons in a GK zone: polygons are reprojected to the raster."""
    polys = _polys()
    spec = region.raster("ghi")
    got = zonal(polys, spec, ("mean", "max"))
    direct = exact_extract(spec.path, gpd.GeoDataFrame(geometry=polys.to_crs("EPSG:4326")),
                           ["mean", "max"], output="pandas")
    assert got["mean"].to_numpy() == pytest.approx(direct["mean"].to_numpy(), rel=1e-12)
    assert got["max"].to_numpy() == pytest.approx(direct["max"].to_numpy(), rel=1e-12)


def test_slope_of_a_plane_metric_dem(region):
    d = dem_stats(_polys(), region.raster("dem"))
    assert d["slope_mean"].to_numpy() == pytest.approx(np.degrees(np.arctan(0.1)), rel=1e-5)
    direct = exact_extract(region.raster("dem").path, gpd.GeoDataFrame(geometry=_polys()),
                           ["mean"], output="pandas")
    assert d["elevation"].to_numpy() == pytest.approx(direct["mean"].to_numpy(), rel=1e-9)


def test_dem_stats_in_one_pass_are_each_grid_s_own_zonal_statistics(region):
    """Elevation and slope read in one exactextract pass are, to the bit, what :func:`zonal`
    gives each grid alone (no footprint, an empty one, one outside the DEM and edge pixels
    included)."""
    spec = region.raster("dem")
    polys = gpd.GeoSeries([*_polys(), None, shapely.Polygon(), Point(X0 - 9e5, Y0).buffer(100),
                           box(X0 - 500, Y0 - 500, X0 + 300, Y0 + 300)], crs=UTM)
    with rasterio.open(spec.path) as ds:
        z = ds.read(1, masked=True).astype("float64").filled(np.nan)
        slope = geo.zonal.slope_degrees(z, ds.transform, geo.zonal.raster_crs(spec))
    got = dem_stats(polys, spec)
    elevation = zonal(polys, spec, ("mean",), array=z)
    alone = zonal(polys, spec, ("mean", "max"), array=slope.astype(np.float64))
    np.testing.assert_array_equal(got["elevation"], elevation["mean"])
    np.testing.assert_array_equal(got["dem_covered"], elevation["covered"])
    np.testing.assert_array_equal(got["slope_mean"], alone["mean"])
    np.testing.assert_array_equal(got["slope_max"], alone["max"])
    assert got["elevation"].notna().sum() == len(_polys()) + 1  # not the empty or far ones


def test_slope_geographic_dem_uses_metres(tmp_path):
    """A DEM in degrees rising 0.1 m per metre northwards: slope atan(0.1), not degrees-based."""
    lat0, d, n = 26.5, 0.0005, 200
    lats = lat0 + 0.1 - d * (np.arange(n) + 0.5)
    geod = pyproj.Geod(ellps="WGS84")
    _, _, north_m = geod.inv(np.full(n, 108.0), np.full(n, lat0), np.full(n, 108.0), lats)
    z = np.tile((0.1 * north_m)[:, None], (1, n))
    path = write_raster(tmp_path / "dem4326.tif", z, from_origin(108.0, lat0 + 0.1, d, d),
                        "EPSG:4326")

    class Spec:
        id, crs = "dem", None
    Spec.path = str(path)
    poly = gpd.GeoSeries([box(108.02, 26.52, 108.06, 26.58)], crs="EPSG:4326")
    d_ = dem_stats(poly, Spec)
    assert d_["slope_mean"].iloc[0] == pytest.approx(np.degrees(np.arctan(0.1)), rel=2e-3)


def test_raster_without_crs_is_refused(tmp_path):
    cat = load_catalog(make_region(tmp_path, ghi_crs_none=True))
    with pytest.raises(CRSError, match="has no CRS"):
        geo.score_sites(cat, "pv")


def test_raster_not_covering_is_refused(tmp_path):
    cat = load_catalog(make_region(tmp_path, ghi_offset_deg=5.0))
    with pytest.raises(InputError, match=r"covers none of the candidates: its bounds lie apart"):
        geo.score_sites(cat, "pv")


def test_candidate_outside_raster_gets_error_status(tmp_path):
    # the GHI grid spans 107.98-108.10°E; shift it so that the easternmost candidate falls out
    cat = load_catalog(make_region(tmp_path, ghi_offset_deg=-0.045))
    with rasterio.open(cat.raster("ghi").path) as ds:
        east = ds.bounds.right
    sites = geo.score_sites(cat, "pv")
    lon = sites.to_crs("EPSG:4326").geometry.bounds["minx"]
    outside = lon > east
    assert outside.any() and (sites.loc[outside, "status"] == "error").all()
    assert sites.loc[outside, "reason"].str.contains("outside raster 'ghi'").all()
    assert (sites.loc[~outside, "status"] != "error").all()


def test_nearest_distance_km():
    g = gpd.GeoSeries([box(0, 0, 10, 10), box(10000, 0, 10010, 10), shapely.Polygon()], crs=UTM)
    t = np.array([Point(-1000, 5), Point(12010, 5)])
    d = nearest_km(g, t)
    assert d[0] == pytest.approx(1.0) and d[1] == pytest.approx(2.0)
    assert np.isnan(d[2])
