"""GCJ-02 / BD-09 conversions: published vectors, exact inverses, out-of-China, GeoDataFrames."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from layers import chinacoords as cc
from layers.errors import CRSError, InputError

GEOD = pyproj.Geod(ellps="WGS84")
PAIRS = [("wgs84", "gcj02"), ("wgs84", "bd09"), ("gcj02", "bd09")]


def metres(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Geodesic distance [m] (independent oracle)."""
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def china_grid(n: int = 70) -> tuple[np.ndarray, np.ndarray]:
    """A grid over China, kept > 1 km inside the out-of-China box, plus the 105 °E cusp line."""
    lon, lat = np.meshgrid(np.linspace(73.5, 135.0, n), np.linspace(3.9, 53.5, n))
    cusp_lat = np.linspace(18.0, 53.0, 15)
    return (np.concatenate([lon.ravel(), np.full(15, 105.0), np.full(15, 105.0 + 1e-9)]),
            np.concatenate([lat.ravel(), cusp_lat, cusp_lat]))


# --- published vectors ---------------------------------------------------------------------------

# googollee/eviltransform, python/test.py (TESTS; the same vectors in go/transform_test.go and
# javascript/test.js): (wgsLat, wgsLng, gcjLat, gcjLng), forward outputs printed to full double
# precision, so both directions are checked to 1e-12° (forward) and 1e-9° (inverse).
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),  # shanghai
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),  # shenzhen
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),  # beijing
]
# Not used: the TESTS_bd vectors of the same file (bd2wgs) disagree with wandergis and gcoord by
# up to 4e-4° (~40 m); PRCoords' README (Artoria2e5/PRCoords) documents eviltransform's BD-09
# parameter errors (googollee/eviltransform#43, #44).


@pytest.mark.parametrize(("wgs_lat", "wgs_lon", "gcj_lat", "gcj_lon"), EVILTRANSFORM)
def test_eviltransform_vectors(wgs_lat, wgs_lon, gcj_lat, gcj_lon):
    lon, lat = cc.wgs84_to_gcj02(wgs_lon, wgs_lat)
    assert lon == pytest.approx(gcj_lon, abs=1e-12) and lat == pytest.approx(gcj_lat, abs=1e-12)
    lon, lat = cc.gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert lon == pytest.approx(wgs_lon, abs=1e-9) and lat == pytest.approx(wgs_lat, abs=1e-9)


# wandergis/coordtransform, test/app.js ("//result" comments), input (116.404, 39.915) in every
# direction, printed to full double precision. The forward results are exact formula outputs.
WANDERGIS_IN = (116.404, 39.915)
WANDERGIS_WGS2GCJ = (116.41024449916938, 39.91640428150164)  # wgs84togcj02
WANDERGIS_GCJ2BD = (116.41036949371029, 39.92133699351021)  # gcj02tobd09
# Their inverses are the common one-step approximations:
WANDERGIS_BD2GCJ = (116.39762729119315, 39.90865673957631)  # bd09togcj02
WANDERGIS_GCJ2WGS = (116.39775550083061, 39.91359571849836)  # gcj02towgs84


def test_wandergis_forward_vectors():
    assert cc.wgs84_to_gcj02(*WANDERGIS_IN) == pytest.approx(WANDERGIS_WGS2GCJ, abs=1e-12)
    assert cc.gcj02_to_bd09(*WANDERGIS_IN) == pytest.approx(WANDERGIS_GCJ2BD, abs=1e-12)


def test_wandergis_forward_vectors_invert_exactly():
    assert cc.gcj02_to_wgs84(*WANDERGIS_WGS2GCJ) == pytest.approx(WANDERGIS_IN, abs=1e-9)
    assert cc.bd09_to_gcj02(*WANDERGIS_GCJ2BD) == pytest.approx(WANDERGIS_IN, abs=1e-9)


@pytest.mark.parametrize(("inverse", "forward", "one_step"), [
    (cc.bd09_to_gcj02, cc.gcj02_to_bd09, WANDERGIS_BD2GCJ),
    (cc.gcj02_to_wgs84, cc.wgs84_to_gcj02, WANDERGIS_GCJ2WGS),
])
def test_wandergis_one_step_inverses_are_close_but_not_exact(inverse, forward, one_step):
    ours = inverse(*WANDERGIS_IN)
    # same answer within 0.1 m ...
    assert metres(*ours, *one_step) < 0.1
    # ... but only ours maps back onto the input; theirs misses by more than 1 cm.
    assert metres(*forward(*ours), *WANDERGIS_IN) < 1e-4
    assert metres(*forward(*one_step), *WANDERGIS_IN) > 0.01


# hujiulong/gcoord, test/unit/crs/WGS84.spec.ts, GCJ02.spec.ts, BD09.spec.ts: input [123, 45];
# gcoord asserts toBeCloseTo(value, 5), i.e. |difference| < 5e-6°, and so do we.
GCOORD_123_45 = [
    ("wgs84", "gcj02", (123.00607541, 45.00197815)),
    ("wgs84", "bd09", (123.0124491, 45.0083293)),
    ("gcj02", "wgs84", (122.99395597, 44.99804071)),
    ("gcj02", "bd09", (123.00636499, 45.00636899)),
    ("bd09", "gcj02", (122.99363304, 44.99365430)),
    ("bd09", "wgs84", (122.98762210, 44.99171540)),
]


@pytest.mark.parametrize(("src", "dst", "expected"), GCOORD_123_45)
def test_gcoord_vectors(src, dst, expected):
    assert cc.convert(123.0, 45.0, src, dst) == pytest.approx(expected, abs=5e-6)


# hujiulong/gcoord, test/fixtures/china-cities.json (first cities of the file), [lon, lat] to 7
# decimals. The values come from online map services rather than from the formulas; gcoord's
# test/unit/transform.spec.ts checks WGS84<->GCJ02 with toBeCloseTo(…, 4) (< 5e-5°) and
# GCJ02<->BD09 with toBeCloseTo(…, 5) (< 5e-6°); we use the same precision.
GCOORD_CITIES = [
    # (WGS84, GCJ02, BD09)
    ((114.0164322, 33.0133556), (114.022306, 33.0115324), (114.0287781, 33.0176697)),  # 驻马店
    ((111.4622119, 27.242124), (111.4677938, 27.2388981), (111.4742271, 27.2451662)),  # 邵阳
    ((114.498916, 37.0700925), (114.5048503, 37.0705911), (114.5113116, 37.0766797)),  # 邢台
    ((112.1935849, 31.0376011), (112.1994301, 31.0354012), (112.2058231, 31.0417338)),  # 荆门
    ((92.0499619, 31.4784436), (92.0512438, 31.4762063), (92.0576832, 31.4824421)),  # 那曲
    ((117.6708588, 36.2138283), (117.6767323, 36.2138184), (117.6832831, 36.2195866)),  # 莱芜
    ((102.2658401, 27.8850446), (102.2673386, 27.8816151), (102.2738428, 27.8876621)),  # 西昌
    ((113.6192856, 34.7478004), (113.6253334, 34.7466173), (113.6317519, 34.7528605)),  # 郑州
]


def test_gcoord_city_vectors_vectorised():
    wgs, gcj, bd = (np.array(c).T for c in zip(*GCOORD_CITIES))
    np.testing.assert_allclose(cc.wgs84_to_gcj02(*wgs), gcj, rtol=0, atol=5e-5)
    np.testing.assert_allclose(cc.gcj02_to_wgs84(*gcj), wgs, rtol=0, atol=5e-5)
    np.testing.assert_allclose(cc.gcj02_to_bd09(*gcj), bd, rtol=0, atol=5e-6)
    np.testing.assert_allclose(cc.bd09_to_gcj02(*bd), gcj, rtol=0, atol=5e-6)


# --- exactness of the inverses --------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_round_trips_below_one_centimetre(a, b):
    lon, lat = china_grid()
    for src, dst in ((a, b), (b, a)):
        x, y = cc.convert_points(lon, lat, src, dst)
        assert metres(lon, lat, x, y).min() > 1  # really shifted
        u, v = cc.convert_points(x, y, dst, src)
        assert metres(lon, lat, u, v).max() < 0.01


def test_inverse_residual_is_within_tolerance():
    lon, lat = china_grid()
    for inverse, forward in ((cc.gcj02_to_wgs84, cc.wgs84_to_gcj02),
                             (cc.bd09_to_gcj02, cc.gcj02_to_bd09),
                             (cc.bd09_to_wgs84, cc.wgs84_to_bd09)):
        f_lon, f_lat = forward(*inverse(lon, lat))
        assert np.abs(f_lon - lon).max() < 1e-9
        assert np.abs(f_lat - lat).max() < 1e-9


def test_one_step_inverse_is_off_by_metres():
    """The common one-step GCJ-02 → WGS84 (subtract the shift taken at the GCJ point)."""
    lon, lat = china_grid()
    g_lon, g_lat = cc.wgs84_to_gcj02(lon, lat)
    s_lon, s_lat = cc.wgs84_to_gcj02(g_lon, g_lat)  # forward evaluated at the GCJ point
    one_step = metres(lon, lat, 2 * g_lon - s_lon, 2 * g_lat - s_lat)
    assert 2.0 < one_step.max() < 10.0
    exact = metres(lon, lat, *cc.gcj02_to_wgs84(g_lon, g_lat))
    assert exact.max() < 0.01


def test_iteration_cap_is_enforced():
    with pytest.raises(RuntimeError, match="did not converge"):
        cc.gcj02_to_wgs84(116.4, 39.9, max_iter=1)


# --- out of China, shapes, names -------------------------------------------------------------------

OUTSIDE = [(0.0, 0.0), (-74.0, 40.7), (139.7, 35.7), (72.0, 30.0), (100.0, 0.8),
           (100.0, 55.9), (137.9, 40.0)]


@pytest.mark.parametrize("src", cc.SYSTEMS)
@pytest.mark.parametrize("dst", cc.SYSTEMS)
def test_outside_china_unchanged_in_mixed_arrays(src, dst):
    lon = np.array([p[0] for p in OUTSIDE] + [116.4, 104.07, np.nan])
    lat = np.array([p[1] for p in OUTSIDE] + [39.9, 30.67, 30.0])
    x, y = cc.convert_points(lon, lat, src, dst)
    n = len(OUTSIDE)
    assert np.array_equal(x[:n], lon[:n]) and np.array_equal(y[:n], lat[:n])
    assert np.isnan(x[-1]) and y[-1] == 30.0
    if src != dst:
        assert (metres(lon[n:-1], lat[n:-1], x[n:-1], y[n:-1]) > 100).all()


def test_out_of_china_box():
    flags = cc.out_of_china([72.004, 72.0039, 137.8347, 137.8348, 100, 100, 100, 100],
                            [30, 30, 30, 30, 0.8293, 0.8292, 55.8271, 55.8272])
    assert flags.tolist() == [False, True, False, True, False, True, False, True]


def test_shapes_and_scalars():
    lon = np.full((3, 4), 116.4)
    lat = np.linspace(30, 40, 12).reshape(3, 4)
    x, y = cc.convert_points(lon, lat, "bd09", "wgs84")
    assert x.shape == y.shape == (3, 4)
    np.testing.assert_array_equal(x[1], cc.convert_points(lon[1], lat[1], "bd09", "wgs84")[0])
    single = cc.convert(116.4, float(lat[1, 1]), "bd09", "wgs84")
    assert all(type(v) is float for v in single)
    assert single == (x[1, 1], y[1, 1])


def test_inputs_not_modified_and_identity_copies():
    lon = np.array([116.4, 0.0])
    lat = np.array([39.9, 0.0])
    x, y = cc.convert_points(lon, lat, "gcj02", "gcj02")
    x[0] = 1.0
    assert lon[0] == 116.4
    cc.convert_points(lon, lat, "gcj02", "wgs84")
    assert lon.tolist() == [116.4, 0.0] and lat.tolist() == [39.9, 0.0]


def test_system_names():
    assert cc.convert(116.4, 39.9, " GCJ02 ", "WGS84") == cc.convert(116.4, 39.9, "gcj02", "wgs84")
    with pytest.raises(InputError, match=r"unknown source coordinate system 'mars'.*wgs84, gcj02, bd09"):
        cc.convert(116.4, 39.9, "mars", "wgs84")
    with pytest.raises(InputError, match="target coordinate system"):
        cc.convert_points([116.4], [39.9], "wgs84", "EPSG:4326")


# --- GeoDataFrames --------------------------------------------------------------------------------

def _sample_gdf(crs="EPSG:4326") -> gpd.GeoDataFrame:
    ring = [(106.6, 26.5), (106.7, 26.5), (106.7, 26.6), (106.6, 26.6)]
    hole = [(106.62, 26.52), (106.64, 26.52), (106.64, 26.54)]
    geoms = [
        Polygon(ring, [hole]),
        MultiPolygon([Polygon(ring), Polygon([(107, 27), (107.1, 27), (107.1, 27.1)])]),
        LineString([(106.0, 26.0), (106.5, 26.2), (107.0, 26.9)]),
        Point(106.71, 26.57),
        Point(106.71, 26.57, 1234.5),
        Point(-74.0, 40.7),  # outside China
        None,
        Polygon(),
    ]
    return gpd.GeoDataFrame({"name": [f"地块{i}" for i in range(len(geoms))]},
                            geometry=geoms, crs=crs, index=[10 * i for i in range(len(geoms))])


@pytest.mark.parametrize(("src", "dst"), PAIRS + [(b, a) for a, b in PAIRS])
def test_convert_gdf_every_vertex(src, dst):
    gdf = _sample_gdf()
    out = cc.convert_gdf(gdf, src, dst)
    assert out.crs == gdf.crs and list(out.index) == list(gdf.index)
    assert out["name"].tolist() == gdf["name"].tolist()
    assert out.geom_type.tolist() == gdf.geom_type.tolist()
    assert out.geometry.isna().tolist() == gdf.geometry.isna().tolist()
    before = shapely.get_coordinates(gdf.geometry.values, include_z=True)
    after = shapely.get_coordinates(out.geometry.values, include_z=True)
    x, y = cc.convert_points(before[:, 0], before[:, 1], src, dst)
    np.testing.assert_array_equal(after[:, 0], x)
    np.testing.assert_array_equal(after[:, 1], y)
    np.testing.assert_array_equal(after[:, 2], before[:, 2])  # Z kept (NaN where 2D)
    assert shapely.has_z(out.geometry.values).tolist() == shapely.has_z(gdf.geometry.values).tolist()
    assert out.geometry.iloc[5].equals(gdf.geometry.iloc[5])  # outside China
    assert gdf.geometry.iloc[0].equals(_sample_gdf().geometry.iloc[0])  # input untouched


def test_convert_gdf_round_trip_and_cgcs2000():
    gdf = _sample_gdf("EPSG:4490")
    back = cc.convert_gdf(cc.convert_gdf(gdf, "wgs84", "bd09"), "bd09", "wgs84")
    assert back.crs.to_epsg() == 4490
    a = shapely.get_coordinates(gdf.geometry.values)
    b = shapely.get_coordinates(back.geometry.values)
    assert metres(a[:, 0], a[:, 1], b[:, 0], b[:, 1]).max() < 0.01


def test_convert_gdf_accepts_crs84_and_empty():
    gdf = _sample_gdf("OGC:CRS84")
    assert len(cc.convert_gdf(gdf, "gcj02", "wgs84")) == len(gdf)
    assert len(cc.convert_gdf(gdf.iloc[:0], "gcj02", "wgs84")) == 0


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:4544", "EPSG:4214"])
def test_convert_gdf_refuses_other_crs(crs):
    gdf = _sample_gdf().set_crs(crs, allow_override=True)
    with pytest.raises(CRSError, match="EPSG:4326 first"):
        cc.convert_gdf(gdf, "gcj02", "wgs84", what="pois.gpkg")


def test_convert_gdf_refuses_missing_crs():
    gdf = _sample_gdf(crs=None)
    with pytest.raises(CRSError, match="pois.gpkg has no CRS"):
        cc.convert_gdf(gdf, "gcj02", "wgs84", what="pois.gpkg")
