"""Working CRS choice against geodesic truth, Gauss-Krüger recognition, legacy datum warnings."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.crs import (
    check_transform,
    gk_zone_crs,
    normalize_crs,
    working_crs,
)
from layers.errors import CRSError, DatumWarning
from layers.gk import detect_gk

GEOD = pyproj.Geod(ellps="GRS80")


def _geodesic_area(poly_lonlat: shapely.Polygon) -> float:
    return abs(GEOD.geometry_area_perimeter(poly_lonlat)[0])


def _projected(poly_lonlat: shapely.Polygon, crs: pyproj.CRS) -> shapely.Polygon:
    t = pyproj.Transformer.from_crs(4490, crs, always_xy=True)
    return shapely.transform(poly_lonlat, lambda xy: np.column_stack(t.transform(*xy.T)))


def _densified_box(minx, miny, maxx, maxy) -> shapely.Polygon:
    return shapely.segmentize(shapely.box(minx, miny, maxx, maxy), 0.01)


@pytest.mark.parametrize("extent,kind", [
    ((106.1, 26.2, 107.3, 27.2), "transverse Mercator"),     # Guiyang: straddles the 105E/108E zone edge
    ((107.2, 26.0, 108.9, 27.0), "3-degree"),  # inside the CM 108E zone, up to its edge
    ((100.0, 24.0, 109.5, 33.0), "Albers"),    # ~1,000 km across
    ((73.5, 18.0, 135.0, 53.5), "Albers"),     # all of China
])
def test_areas_agree_with_geodesic_within_0_1_percent(extent, kind):
    crs = working_crs(extent)
    assert kind in crs.name
    minx, miny, maxx, maxy = extent
    # patches at the corners and centre of the extent, where distortion is largest
    xs, ys = [minx, (minx + maxx) / 2, maxx - 0.05], [miny, (miny + maxy) / 2, maxy - 0.05]
    for x in xs:
        for y in ys:
            patch = _densified_box(x, y, x + 0.05, y + 0.05)
            ratio = _projected(patch, crs).area / _geodesic_area(patch)
            assert abs(ratio - 1) < 1e-3, (x, y, ratio)


@settings(max_examples=40, deadline=None)
@given(lon=st.floats(75, 133), lat=st.floats(18, 52), w=st.floats(0.05, 3.0), h=st.floats(0.05, 3))
def test_any_extent_gives_true_areas(lon, lat, w, h):
    extent = (lon, lat, lon + w, min(lat + h, 53.5))
    crs = working_crs(extent)
    patch = _densified_box(extent[2] - 0.02, extent[3] - 0.02, extent[2], extent[3])
    assert abs(_projected(patch, crs).area / _geodesic_area(patch) - 1) < 1e-3


def test_distances_are_true_in_a_local_working_crs():
    crs = working_crs((106.1, 26.2, 107.3, 27.2))
    a, b = shapely.Point(106.15, 26.25), shapely.Point(107.25, 27.15)
    projected = _projected(a, crs).distance(_projected(b, crs))
    geodesic = GEOD.inv(a.x, a.y, b.x, b.y)[2]
    assert projected == pytest.approx(geodesic, rel=1e-3)


@pytest.mark.parametrize("zone,width,epsg", [(35, 3, 4523), (36, 3, 4524), (18, 6, 4496)])
def test_gk_with_zone_number_in_front(zone, width, epsg):
    lon, lat = (105.3, 26.6) if width == 3 and zone == 35 else (107.6, 26.6)
    if width == 6:
        lon = 104.2
    crs = gk_zone_crs(zone, width)
    assert crs.to_epsg() == epsg
    x, y = pyproj.Transformer.from_crs(4490, crs, always_xy=True).transform(lon, lat)
    assert 1e7 <= x < 1e8 and int(x // 1e6) == zone  # x = easting carries the zone
    assert 2.5e6 < y < 3.5e6  # y = northing
    assert detect_gk(np.array([x, x + 10])).to_epsg() == epsg


def test_gk_without_zone_number_needs_a_central_meridian():
    with pytest.raises(CRSError, match="central meridian"):
        detect_gk(np.array([512345.6]))
    assert detect_gk(np.array([512345.6]), central_meridian=105).to_epsg() == 4544
    assert detect_gk(np.array([512345.6]), central_meridian=105).to_epsg() == 4544
    # 111E is the meridian of 3° zone 37 and of 6° zone 19: the same projection either way
    cm111 = detect_gk(np.array([512345.6]), central_meridian=111)
    params = {p.name: p.value for p in cm111.coordinate_operation.params}
    assert params["Longitude of natural origin"] == 111 and params["False easting"] == 500000
    with pytest.raises(CRSError, match="several zone numbers"):
        detect_gk(np.array([35512345.0, 36512345.0]))
    with pytest.raises(CRSError, match="not Gauss-Kr"):
        detect_gk(np.array([106.7]))


@pytest.mark.parametrize("value", ["EPSG:4490", 4490, "epsg:4490", pyproj.CRS(4490),
                                   pyproj.CRS(4490).to_wkt()])
def test_normalize_crs_inputs(value):
    assert normalize_crs(value).to_epsg() == 4490


@pytest.mark.parametrize("value", ["", None, "EPSG:999999", "not a crs"])
def test_normalize_crs_refuses(value):
    with pytest.raises(CRSError):
        normalize_crs(value, "catalog.toml, layer 'x'")


@pytest.mark.parametrize("legacy", [4214, 4610, 2431])  # Beijing 1954, Xian 1980, Beijing GK
def test_legacy_datum_ballpark_warns(legacy):
    with pytest.warns(DatumWarning, match="ballpark"):
        check_transform(pyproj.CRS(legacy), pyproj.CRS(4490), "layer 'old'")


def test_modern_transform_does_not_warn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_transform(pyproj.CRS(4490), pyproj.CRS(4544))
        check_transform(pyproj.CRS(4326), pyproj.CRS(4490))


@pytest.mark.parametrize("edge_deg,dense_max", [(0.0065, 0.46), (0.1, 0.7)])
def test_boundary_sliver_keeps_its_area_when_densified(edge_deg, dense_max):
    """A 0.44 m² sliver between a dense boundary and a straight lon/lat edge stays 0.44 m²."""
    import geopandas as gpd

    from layers.crs import to_crs_dense

    lat, x0 = 26.5, 106.6
    x1 = x0 + edge_deg
    length = GEOD.inv(x0, lat, x1, lat)[2]
    eps = 0.44 / length / 110_800  # [°] of latitude: a strip of 0.44 m²
    true = _geodesic_area(shapely.segmentize(shapely.box(x0, lat, x1, lat + eps), 1e-5))
    assert true == pytest.approx(0.44, rel=0.01)
    below = shapely.segmentize(shapely.box(x0, lat - 0.01, x1, lat), 1e-5)  # a dense neighbour
    above = shapely.box(x0, lat + eps, x1, lat + 0.01)  # four vertices: one long straight edge
    frame = shapely.segmentize(shapely.box(x0, lat - 0.01, x1, lat + 0.01), 1e-5)
    crs = working_crs((106.1, 26.2, 107.3, 27.2))

    def sliver(transform) -> float:
        a, b, f = transform(gpd.GeoSeries([above, below, frame], crs=4490)).values
        return f.difference(b).difference(a).area

    plain = sliver(lambda s: s.to_crs(crs))
    dense = sliver(lambda s: to_crs_dense(s, crs))
    assert plain > 2.0  # the bug: a plain transformation bows the straight edge
    assert dense == pytest.approx(true, abs=dense_max - 0.44)
    assert dense < 1.0  # below the default screening tolerance [m²]


def test_to_crs_dense_on_threads_equals_one_thread(monkeypatch):
    import geopandas as gpd

    import layers.crs
    from layers.crs import to_crs_dense

    monkeypatch.setattr(layers.crs, "_THREAD_MIN", 3)
    boxes = [shapely.box(106 + i / 10, 26, 106.05 + i / 10, 26.05) for i in range(10)]
    lonlat = gpd.GeoSeries(boxes[:4] + [None] + boxes[4:], crs=4490, index=range(20, 9, -1))
    one = to_crs_dense(lonlat, "EPSG:4545")
    three = to_crs_dense(lonlat, "EPSG:4545", threads=3)
    assert list(three.index) == list(lonlat.index) and three.crs == one.crs
    assert three.iloc[4] is None and one.geom_equals_exact(three, tolerance=0)[one.notna()].all()
    assert shapely.get_num_coordinates(three.iloc[0]) > 100  # densified in each thread


def test_to_lonlat_own_on_threads_equals_one_thread(monkeypatch):
    """The screening's GeoJSON and GeoPackage share one lon/lat carry made on every core."""
    import geopandas as gpd

    import layers.crs
    from layers.crs import to_crs_dense, to_lonlat_own

    monkeypatch.setattr(layers.crs, "_THREAD_MIN", 3)
    boxes = [shapely.box(106 + i / 10, 26, 106.05 + i / 10, 26.05) for i in range(10)]
    dense = to_crs_dense(gpd.GeoSeries(boxes[:4] + [None] + boxes[4:], crs=4490), "EPSG:4545")
    one = to_lonlat_own(dense.values, dense.crs)
    three = to_lonlat_own(dense.values, dense.crs, threads=3)
    kept = ~shapely.is_missing(one)
    assert len(three) == 11 and three[4] is None and (shapely.is_missing(three) == ~kept).all()
    assert shapely.equals_exact(one[kept], three[kept], 0).all()
    assert [shapely.get_num_coordinates(g) for g in three[:4]] == [5] * 4  # own vertices only


def test_lonlat_later_gives_to_lonlat_own_or_raises_what_it_raised(monkeypatch):
    """The screening starts the lon/lat carry on a thread while it joins its tables
    (:func:`layers.crs.lonlat_later`): waiting gives what :func:`to_lonlat_own` gives, and
    should the carry fail, the waiter meets the failure (two files then fail, not the run)."""
    import geopandas as gpd

    import layers.crs
    from layers.crs import lonlat_later, to_crs_dense, to_lonlat_own

    boxes = [shapely.box(106 + i / 10, 26, 106.05 + i / 10, 26.05) for i in range(4)]
    dense = to_crs_dense(gpd.GeoSeries(boxes + [None], crs=4490), "EPSG:4545")
    wait = lonlat_later(dense.values, dense.crs, threads=2)
    got, expected = wait(), to_lonlat_own(dense.values, dense.crs)
    assert got[4] is None and shapely.equals_exact(got[:4], expected[:4], 0).all()

    def broken(*args, **kwargs):
        raise RuntimeError("no lon/lat today")

    monkeypatch.setattr(layers.crs, "to_lonlat_own", broken)
    wait = lonlat_later(dense.values, dense.crs)
    with pytest.raises(RuntimeError, match="no lon/lat today"):
        wait()


def test_to_crs_dense_only_densifies_lonlat_sources():
    import geopandas as gpd

    from layers.crs import to_crs_dense

    lonlat = gpd.GeoSeries([shapely.box(106.6, 26.5, 106.7, 26.6), None], crs=4490, index=[5, 9])
    out = to_crs_dense(lonlat, "EPSG:4545")
    assert list(out.index) == [5, 9] and out.iloc[1] is None and out.crs.to_epsg() == 4545
    assert shapely.get_num_coordinates(out.iloc[0]) > 400
    metres = gpd.GeoSeries([shapely.box(500000, 2900000, 510000, 2910000)], crs=4545)
    assert shapely.get_num_coordinates(to_crs_dense(metres, 4544).iloc[0]) == 5
    with pytest.raises(CRSError):
        to_crs_dense(gpd.GeoSeries([shapely.Point(0, 0)]), 4490)


@pytest.mark.parametrize("crs", ["EPSG:32648", "EPSG:4544", "EPSG:4490", "EPSG:4326"])
def test_lonlat_bounds_are_those_of_the_transformed_geometries(crs):
    """The lon/lat extent of footprints (a map's view, the working CRS's choice) equals
    ``to_crs(WGS84).total_bounds`` to the bit, without building the transformed geometries;
    nothing to place gives NaN, and no CRS is refused, never guessed."""
    import geopandas as gpd

    from layers.windows import lonlat_bounds

    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(100, 110, 300), rng.uniform(22, 30, 300)
    pieces = [shapely.box(x, y, x + 0.05, y + 0.03).buffer(0.01) for x, y in zip(lon, lat)]
    g = gpd.GeoSeries(pieces + [None, shapely.Polygon()], crs="EPSG:4326").to_crs(crs)
    assert lonlat_bounds(g).tolist() == g.to_crs("EPSG:4326").total_bounds.tolist()
    # one long line across the others (its projected edges bow in lon/lat), a ring round them
    long = shapely.segmentize(shapely.LineString([(99.9, 21.9), (110.2, 30.1)]), 0.05)
    ring = shapely.segmentize(shapely.box(99.95, 21.95, 110.1, 30.08).exterior, 0.5)
    for extra in (long, ring):
        h = gpd.GeoSeries(pieces + [extra], crs="EPSG:4326").to_crs(crs)
        assert lonlat_bounds(h).tolist() == h.to_crs("EPSG:4326").total_bounds.tolist()
    assert np.isnan(lonlat_bounds(g.iloc[-2:])).all()
    with pytest.raises(CRSError):
        lonlat_bounds(gpd.GeoSeries(pieces[:1]))


def test_a_footprint_without_finite_coordinates_leaves_no_geometry_in_files():
    """A point a projection could not carry (POINT (NaN NaN)) made GDAL warn "Infinite or NaN
    coordinate" when the GeoJSON was written (found by test_screen_random); its row keeps its
    error, with no geometry."""
    import numpy as np
    import shapely

    from layers.crs import to_lonlat_own

    out = to_lonlat_own(np.array([shapely.Point(np.nan, np.nan), shapely.Point(500000, 2900000),
                                  None], dtype=object), "EPSG:4544")
    assert out[0] is None and out[2] is None
    assert np.isfinite(shapely.bounds(out[1])).all()
