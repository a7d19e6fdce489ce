"""Chinese coordinate obfuscations: GCJ-02 (AMap/高德, Tencent/腾讯) and BD-09 (Baidu/百度).

Web maps in China publish longitude/latitude that are deliberately shifted from WGS84 by a few
hundred metres. Coordinates copied from those maps must be shifted back before they are overlaid
on zoning layers (which are in CGCS2000 / WGS84). Three systems are known here:

``"wgs84"``
    True longitude/latitude (GPS, EPSG:4326; CGCS2000, EPSG:4490, agrees to a few centimetres).
``"gcj02"``
    国测局坐标 ("Mars coordinates"): WGS84 plus a smooth, non-linear shift of up to ~700 m.
``"bd09"``
    Baidu's coordinates: GCJ-02 plus a further rotation/scale and an offset (+0.0065°, +0.006°).

The forward shifts are the published "eviltransform" formulas (Krasovsky 1940 ellipsoid
a = 6378245.0 m, e² = 0.00669342162296594323) and Baidu's ``x_pi = π·3000/180`` formula. They
have no closed-form inverse; the common one-step inverse (subtract the shift evaluated at the
shifted point) is off by up to several metres. Here every inverse is solved by fixed-point
iteration on the exact forward formula until the forward image matches the input to
:data:`TOLERANCE_DEG` (1e-10°, about 0.01 mm), so round trips agree to far better than 1 cm.

Out of China
    The shifts are only applied inside the conventional rectangle used by every implementation:
    longitude 72.004–137.8347 °E and latitude 0.8293–55.8271 °N (:data:`CHINA_BBOX`). A point
    whose *input* coordinates lie outside it is returned unchanged, in every direction. The box
    is rough (it includes parts of neighbouring countries), and a point within a few hundred
    metres of its edge may be shifted across it, so a round trip there is not exact.

CRS labels
    GCJ-02 and BD-09 have no EPSG code. :func:`convert_gdf` keeps the GeoDataFrame's geographic
    CRS label (normally EPSG:4326) and only shifts the coordinates: a GeoDataFrame labelled
    EPSG:4326 may therefore hold GCJ-02 or BD-09 coordinates; keep track of which.
"""

from __future__ import annotations

import geopandas
import numpy as np
import pyproj
import shapely
from numpy.typing import ArrayLike

from layers.errors import CRSError, InputError, choice_error

SYSTEMS: tuple[str, ...] = ("wgs84", "gcj02", "bd09")
"""Names of the coordinate systems known to :func:`convert_points`."""

CHINA_BBOX: tuple[float, float, float, float] = (72.004, 0.8293, 137.8347, 55.8271)
"""(min lon, min lat, max lon, max lat) [°] of the conventional "in China" rectangle."""

TOLERANCE_DEG = 1e-10
"""Default stopping tolerance of the iterative inverses [°] (1e-10° ≈ 0.01 mm)."""

MAX_ITER = 50
"""Default maximum number of iterations of the inverses (5–8 are needed in practice)."""

_A = 6378245.0  # Krasovsky 1940 semi-major axis [m]
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
_BD_DLON = 0.0065  # Baidu's constant offsets [°]
_BD_DLAT = 0.006
_GEOGRAPHIC_EPSG = (4326, 4490)


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Whether points lie outside the conventional "in China" rectangle :data:`CHINA_BBOX`.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude [°].

    Returns
    -------
    numpy.ndarray of bool
        True where ``lon`` is outside 72.004–137.8347 or ``lat`` outside 0.8293–55.8271.
        NaN coordinates count as outside.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    inside = (lon >= CHINA_BBOX[0]) & (lon <= CHINA_BBOX[2])
    inside &= (lat >= CHINA_BBOX[1]) & (lat <= CHINA_BBOX[3])
    return ~inside


# --- the exact forward formulas, without the out-of-China test ------------------------------

def _gcj_delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 [°] at WGS84 ``lon``, ``lat`` [°] (eviltransform's ``delta``)."""
    x = lon - 105.0
    y = lat - 35.0
    xpi = x * np.pi
    ypi = y * np.pi
    common = (20.0 * np.sin(6.0 * xpi) + 20.0 * np.sin(2.0 * xpi)) * 2.0 / 3.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
             + common
             + (20.0 * np.sin(ypi) + 40.0 * np.sin(ypi / 3.0)) * 2.0 / 3.0
             + (160.0 * np.sin(ypi / 12.0) + 320.0 * np.sin(ypi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
             + common
             + (20.0 * np.sin(xpi) + 40.0 * np.sin(xpi / 3.0)) * 2.0 / 3.0
             + (150.0 * np.sin(xpi / 12.0) + 300.0 * np.sin(xpi / 30.0)) * 2.0 / 3.0)
    rad_lat = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return d_lon, d_lat


def _wgs_to_gcj(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d_lon, d_lat = _gcj_delta(lon, lat)
    return lon + d_lon, lat + d_lat


def _gcj_to_bd(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + _BD_DLON, z * np.sin(theta) + _BD_DLAT


def _bd_to_gcj_one_step(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The common closed-form BD-09 → GCJ-02 approximation (off by up to about a metre)."""
    x = lon - _BD_DLON
    y = lat - _BD_DLAT
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(forward, lon: np.ndarray, lat: np.ndarray, guess: tuple[np.ndarray, np.ndarray],
            tol: float, max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Solve ``forward(x) = (lon, lat)`` by fixed-point iteration ``x ← x − (forward(x) − t)``.

    The shifts vary slowly (their Jacobian is within 0.02 of the identity), so each step gains
    about two decimal digits (even next to the square-root cusp at 105 °E the error falls below
    1e-11° in a few steps).
    """
    x_lon, x_lat = (np.array(g, dtype=float) for g in guess)
    active = np.ones(lon.shape, dtype=bool)
    for _ in range(max_iter):
        f_lon, f_lat = forward(x_lon[active], x_lat[active])
        r_lon = f_lon - lon[active]
        r_lat = f_lat - lat[active]
        x_lon[active] -= r_lon
        x_lat[active] -= r_lat
        still = (np.abs(r_lon) > tol) | (np.abs(r_lat) > tol)
        active[active] = still
        if not active.any():
            return x_lon, x_lat
    raise RuntimeError(  # not a user mistake: the iteration converges everywhere in China
        f"coordinate inversion did not converge to {tol}° in {max_iter} iterations "
        f"at {int(active.sum())} point(s)"
    )


# --- public point conversions ----------------------------------------------------------------

def _prepare(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lon_a, lat_a = np.broadcast_arrays(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    lon_a = np.array(lon_a, dtype=float)  # writable copies
    lat_a = np.array(lat_a, dtype=float)
    return lon_a, lat_a, ~out_of_china(lon_a, lat_a)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (exact closed form; points outside China unchanged).

    Parameters
    ----------
    lon, lat : array_like
        WGS84 longitude and latitude [°].

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        GCJ-02 longitude and latitude [°].

    Examples
    --------
    >>> lon, lat = wgs84_to_gcj02(116.404, 39.915)
    >>> print(f"{lon:.6f},{lat:.6f}")
    116.410244,39.916404
    """
    lon, lat, inside = _prepare(lon, lat)
    lon[inside], lat[inside] = _wgs_to_gcj(lon[inside], lat[inside])
    return lon, lat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, tol: float = TOLERANCE_DEG,
                   max_iter: int = MAX_ITER) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84, solved iteratively so that ``wgs84_to_gcj02`` of the result is the input.

    Parameters
    ----------
    lon, lat : array_like
        GCJ-02 longitude and latitude [°].
    tol : float
        Largest residual of the forward image in longitude and latitude [°].
    max_iter : int
        Maximum number of iterations.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        WGS84 longitude and latitude [°]; points outside China unchanged.
    """
    lon, lat, inside = _prepare(lon, lat)
    lo, la = lon[inside], lat[inside]
    d_lon, d_lat = _gcj_delta(lo, la)  # one-step estimate as the first guess
    lon[inside], lat[inside] = _invert(_wgs_to_gcj, lo, la, (lo - d_lon, la - d_lat),
                                       tol, max_iter)
    return lon, lat


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → BD-09 [°] (Baidu's exact closed form; points outside China unchanged)."""
    lon, lat, inside = _prepare(lon, lat)
    lon[inside], lat[inside] = _gcj_to_bd(lon[inside], lat[inside])
    return lon, lat


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike, tol: float = TOLERANCE_DEG,
                  max_iter: int = MAX_ITER) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02 [°], solved iteratively; parameters as :func:`gcj02_to_wgs84`."""
    lon, lat, inside = _prepare(lon, lat)
    lo, la = lon[inside], lat[inside]
    lon[inside], lat[inside] = _invert(_gcj_to_bd, lo, la, _bd_to_gcj_one_step(lo, la),
                                       tol, max_iter)
    return lon, lat


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → BD-09 [°] (through GCJ-02, exact; points outside China unchanged)."""
    lon, lat, inside = _prepare(lon, lat)
    lon[inside], lat[inside] = _gcj_to_bd(*_wgs_to_gcj(lon[inside], lat[inside]))
    return lon, lat


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike, tol: float = TOLERANCE_DEG,
                  max_iter: int = MAX_ITER) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → WGS84 [°], both steps iterative; parameters as :func:`gcj02_to_wgs84`."""
    lon, lat, inside = _prepare(lon, lat)
    lo, la = lon[inside], lat[inside]
    g_lon, g_lat = _invert(_gcj_to_bd, lo, la, _bd_to_gcj_one_step(lo, la), tol, max_iter)
    d_lon, d_lat = _gcj_delta(g_lon, g_lat)
    lon[inside], lat[inside] = _invert(_wgs_to_gcj, g_lon, g_lat, (g_lon - d_lon, g_lat - d_lat),
                                       tol, max_iter)
    return lon, lat


_CONVERSIONS = {
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
}


def check_system(name: str, what: str = "coordinate system") -> str:
    """Normalise a coordinate-system name (case and surrounding blanks ignored).

    Raises
    ------
    InputError
        When ``name`` is not one of :data:`SYSTEMS`.
    """
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in SYSTEMS:
        raise InputError(choice_error(what, name, SYSTEMS))
    return key


def convert_points(lon: ArrayLike, lat: ArrayLike, src: str,
                   dst: str) -> tuple[np.ndarray, np.ndarray]:
    """Convert arrays of points between WGS84, GCJ-02 and BD-09.

    Parameters
    ----------
    lon, lat : array_like
        Longitude and latitude in ``src`` [°]; broadcast against each other.
    src, dst : {"wgs84", "gcj02", "bd09"}
        Source and target system.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Longitude and latitude in ``dst`` [°] (new arrays, also when ``src == dst``). Points
        outside :data:`CHINA_BBOX` are returned unchanged.

    Raises
    ------
    InputError
        When ``src`` or ``dst`` is not a known system.
    """
    src = check_system(src, "source coordinate system")
    dst = check_system(dst, "target coordinate system")
    if src == dst:
        lon_a, lat_a, _ = _prepare(lon, lat)
        return lon_a, lat_a
    return _CONVERSIONS[src, dst](lon, lat)


def convert(lon: float, lat: float, src: str, dst: str) -> tuple[float, float]:
    """Convert one point; see :func:`convert_points`.

    Examples
    --------
    >>> lon, lat = convert(116.41024449916938, 39.91640428150164, "gcj02", "wgs84")
    >>> print(f"{lon:.9f},{lat:.9f}")
    116.404000000,39.915000000
    """
    x, y = convert_points(lon, lat, src, dst)
    return float(x), float(y)


def _xy_transformer(src: str, dst: str):
    def transform(coords: np.ndarray) -> np.ndarray:
        out = np.array(coords, dtype=float)
        out[:, 0], out[:, 1] = convert_points(coords[:, 0], coords[:, 1], src, dst)
        return out  # a third column (Z) is passed through untouched

    return transform


def check_lonlat_crs(crs: pyproj.CRS | None, what: str = "input") -> None:
    """Refuse anything but a geographic WGS84/CGCS2000 longitude/latitude CRS.

    Raises
    ------
    CRSError
        When ``crs`` is None (never guessed) or is not EPSG:4326, EPSG:4490 or OGC:CRS84.
    """
    if crs is None:
        raise CRSError(
            f"{what} has no CRS; GCJ-02/BD-09 conversion needs longitude/latitude: set the CRS "
            "(EPSG:4326) of the source first / 数据缺少坐标系，请先设置为 EPSG:4326"
        )
    crs = pyproj.CRS.from_user_input(crs)
    if crs.to_epsg() in _GEOGRAPHIC_EPSG or crs.equals(pyproj.CRS("OGC:CRS84")):
        return
    raise CRSError(
        f"{what} is in {crs.name} ({crs.to_string()}), not geographic longitude/latitude; "
        "convert it to EPSG:4326 first (e.g. GeoDataFrame.to_crs(4326)) / "
        "请先将数据转换到 EPSG:4326 经纬度"
    )


def convert_gdf(gdf: geopandas.GeoDataFrame, src: str, dst: str,
                what: str = "input") -> geopandas.GeoDataFrame:
    """Convert every coordinate of a GeoDataFrame between WGS84, GCJ-02 and BD-09.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Features of any geometry type, in longitude/latitude (EPSG:4326 or EPSG:4490).
    src, dst : {"wgs84", "gcj02", "bd09"}
        Source and target system.
    what : str
        Name of the data for error messages (e.g. the file name).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy with the same rows, index, columns and CRS label; only the x/y of every vertex
        are shifted (Z values, where present, are kept unchanged). GCJ-02 and BD-09 have no EPSG
        code, so the label stays e.g. EPSG:4326 while the coordinates are shifted.

    Raises
    ------
    CRSError
        When the GeoDataFrame has no CRS or is not in geographic longitude/latitude.
    InputError
        When ``src`` or ``dst`` is not a known system.
    """
    src = check_system(src, "source coordinate system")
    dst = check_system(dst, "target coordinate system")
    check_lonlat_crs(gdf.crs, what)
    out = gdf.copy()
    geoms = np.asarray(out.geometry.values, dtype=object)
    if src != dst and len(geoms):
        func = _xy_transformer(src, dst)
        has_z = shapely.has_z(geoms)
        new = np.empty_like(geoms)
        new[has_z] = shapely.transform(geoms[has_z], func, include_z=True)
        new[~has_z] = shapely.transform(geoms[~has_z], func, include_z=False)
        out[out.geometry.name] = geopandas.GeoSeries(new, index=out.index, crs=gdf.crs)
    return out
