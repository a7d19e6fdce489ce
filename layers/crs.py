"""One CRS policy: normalise every CRS, choose one metric working CRS, never transform silently.

Areas and distances are computed in a working CRS chosen for the data's extent:

* the CGCS2000 3° Gauss-Krüger zone when the extent lies within ±1.5° of its central meridian;
* otherwise a CGCS2000 transverse Mercator centred on the extent when it is at most 3° wide;
* otherwise a CGCS2000 Albers equal-area conic fitted to the extent.

In each case areas agree with geodesic areas (``pyproj.Geod``) to better than 0.1 % (the Albers is
equal-area; a transverse Mercator within 1.5° of its meridian has a scale error below 0.035 %).
"""

from __future__ import annotations

import os
import re
import warnings
from functools import lru_cache
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import (
    AlbersEqualAreaConversion,
    TransverseMercatorConversion,
)
from pyproj.transformer import TransformerGroup

from layers.errors import CRSError, DatumWarning

CGCS2000 = pyproj.CRS.from_epsg(4490)
WGS84 = pyproj.CRS.from_epsg(4326)
_LEGACY_DATUMS = ("Beijing 1954", "Xian 1980", "Xi'an 1980")
DENSIFY_DEG = 0.0005
"""Longest edge [°] of a lon/lat geometry before transformation (:func:`to_crs_dense`).

A straight lon/lat edge of length L is drawn straight between its transformed vertices but is a
curve in the projection: it bows by about b = L² · tan(latitude) / (8 R) (the geodesic curvature
of a parallel; R the Earth's radius) and shifts the area beside it by (2/3) · b · L per edge. The
boundary slivers that the screening tolerance (1 m² by default) must tell from real overlaps are
the first victims: a 0.44 m² sliver along a 650 m straight edge measures 2.2 m² after a plain
transformation at 26.5° N. Pieces of 0.0005° (≤ 56 m) bow by less than 0.1 mm; the sliver then
measures 0.45 m², and 0.6 m² along a 10 km edge (6450 m² without densifying) (tests/test_crs.py)."""


def normalize_crs(value: Any, where: str = "") -> pyproj.CRS:
    """Turn any CRS input (EPSG code, ``"EPSG:4490"``, WKT, PROJ string, CRS) into a ``pyproj.CRS``.

    Parameters
    ----------
    value : object
        The CRS as the user gave it.
    where : str
        What the value belongs to, for the error message (e.g. ``"catalog.toml, layer 'redline'"``).

    Raises
    ------
    CRSError
        When the value is empty or not a CRS.
    """
    prefix = f"{where}: " if where else ""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise CRSError(f"{prefix}no CRS given")
    try:
        return pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        raise CRSError(
            f"{prefix}{value!r} is not a CRS ({exc}); give an EPSG code such as 'EPSG:4490'"
        ) from None


def gk_zone_crs(zone: int, width: int = 3, prefixed: bool = True) -> pyproj.CRS:
    """The CGCS2000 Gauss-Krüger CRS of a zone.

    Parameters
    ----------
    zone : int
        Zone number: 25–45 for 3° zones (central meridian 3·zone [°E]), 13–23 for 6° zones
        (central meridian 6·zone − 3 [°E]).
    width : {3, 6}
        Zone width [°].
    prefixed : bool
        True when eastings carry the zone number in front (8-digit eastings, false easting
        zone·10⁶ + 500 km); False for plain eastings (false easting 500 km).
    """
    if width == 3 and 25 <= zone <= 45:
        return pyproj.CRS.from_epsg((4513 if prefixed else 4534) + zone - 25)
    if width == 6 and 13 <= zone <= 23:
        return pyproj.CRS.from_epsg((4491 if prefixed else 4502) + zone - 13)
    raise CRSError(
        f"Gauss-Krüger zone {zone} of width {width}° is not a zone of China "
        "(3° zones 25–45, 6° zones 13–23)"
    )


def working_crs(bounds_lonlat: tuple[float, float, float, float]) -> pyproj.CRS:
    """Choose the metric working CRS for an extent given in longitude/latitude [°].

    Parameters
    ----------
    bounds_lonlat : (minx, miny, maxx, maxy)
        Extent in degrees (CGCS2000 or WGS84: they differ by centimetres).

    Returns
    -------
    pyproj.CRS
        A CGCS2000 3° GK zone, a CGCS2000 transverse Mercator or a CGCS2000 Albers equal-area.
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds_lonlat)
    if not np.all(np.isfinite([minx, miny, maxx, maxy])) or minx > maxx or miny > maxy:
        raise CRSError(f"cannot choose a working CRS for the extent {bounds_lonlat}")
    zone = int(round((minx + maxx) / 2 / 3))
    cm = 3 * zone
    if 25 <= zone <= 45 and minx >= cm - 1.5 and maxx <= cm + 1.5:
        return gk_zone_crs(zone, width=3, prefixed=False)
    lon0 = round((minx + maxx) / 2, 2)
    if maxx - minx <= 3:
        conversion = TransverseMercatorConversion(
            latitude_natural_origin=0, longitude_natural_origin=lon0,
            false_easting=500000, false_northing=0, scale_factor_natural_origin=1)
        name = f"CGCS2000 / transverse Mercator CM {lon0:.2f}E (working CRS)"
    else:
        span = maxy - miny
        lat1, lat2 = round(miny + span / 6, 2), round(maxy - span / 6, 2)
        if lat2 - lat1 < 1:
            lat1, lat2 = round((miny + maxy) / 2 - 0.5, 2), round((miny + maxy) / 2 + 0.5, 2)
        conversion = AlbersEqualAreaConversion(
            latitude_first_parallel=lat1, latitude_second_parallel=lat2,
            latitude_false_origin=round((miny + maxy) / 2, 2), longitude_false_origin=lon0)
        name = f"CGCS2000 / Albers equal-area {lat1}N {lat2}N CM {lon0:.2f}E (working CRS)"
    return ProjectedCRS(conversion=conversion, geodetic_crs=CGCS2000, name=name)


def describe_crs(crs: pyproj.CRS | None) -> str:
    """A short human name for a CRS: ``EPSG:4544 (CGCS2000 / 3-degree Gauss-Kruger CM 105E)``."""
    if crs is None:
        return "none"
    epsg = crs.to_epsg(min_confidence=90)
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


_NAME_ZH = ((r"transverse Mercator CM ([\d.]+)E", r"横轴墨卡托 中央经线 \1°E"),
            (r"Albers equal-area ([\d.]+)N ([\d.]+)N CM ([\d.]+)E",
             r"阿尔伯斯等积圆锥 标准纬线 \1°N、\2°N 中央经线 \3°E"),
            (r"(\d)-degree Gauss-Kr[uü]ger CM (\d+)E", r"\1 度带高斯-克吕格 中央经线 \2°E"),
            (r"(\d)-degree Gauss-Kr[uü]ger zone (\d+)", r"\1 度带高斯-克吕格 第 \2 带"),
            (r" \(working CRS\)$", "（工作坐标系）"))


def crs_label(name: str, lang: str = "en") -> str:
    """A CRS name as a reader of ``lang`` reads it: under ``zh`` the words of the names this
    module gives (:func:`working_crs`, :func:`gk_zone_crs`) in Chinese (``CGCS2000 / 横轴墨卡托
    中央经线 106.70°E（工作坐标系）``); any other name, and every name under ``en``, unchanged."""
    if lang != "zh":
        return str(name)
    out = str(name)
    for pattern, zh in _NAME_ZH:
        out = re.sub(pattern, zh, out)
    return out


def datum_note(src: pyproj.CRS | None, dst: pyproj.CRS | None, what: str = "data") -> str | None:
    """Why ``src`` → ``dst`` may be off by tens of metres, or None when it is not.

    Beijing 1954 and Xian 1980 differ from CGCS2000/WGS84 by up to tens of metres; without a grid
    or parameters for the region PROJ falls back to an identity ("ballpark") datum shift.
    """
    if src is None or dst is None or src == dst:
        return None
    datums = " ".join(d.name for d in (_datum(src), _datum(dst)) if d is not None)
    if not any(name in datums for name in _LEGACY_DATUMS):
        return None
    group = TransformerGroup(src, dst, always_xy=True)
    best = group.transformers[0].description if group.transformers else "ballpark"
    if "ballpark" not in best.lower():
        return None
    return (f"{what}: transforming {describe_crs(src)} → {describe_crs(dst)} uses PROJ's ballpark "
            "datum operation (no datum shift); positions may be off by tens of metres. Convert the "
            "data to CGCS2000 with the official parameters for your area before use. / 由 "
            f"{describe_crs(src)} 转换到 {describe_crs(dst)} 使用 PROJ 的近似（ballpark）基准转换（无"
            "基准偏移），位置可能偏差数十米；使用前请按本地区官方参数将数据转换到 CGCS2000。")


def check_transform(src: pyproj.CRS, dst: pyproj.CRS, what: str = "data") -> None:
    """Warn when transforming ``src`` → ``dst`` would use PROJ's ballpark datum operation.

    Warns
    -----
    DatumWarning
        Naming the two CRSs and the size of the error to expect (see :func:`datum_note`).
    """
    note = datum_note(src, dst, what)
    if note:
        warnings.warn(note, DatumWarning, stacklevel=2)


def transformer(src: Any, dst: Any) -> pyproj.Transformer:
    """The transformer from ``src`` to ``dst`` (x = east, y = north), built once per process.

    Building one between two datums costs 0.1-0.2 s (PROJ searches its database for the
    operation), more than many of the transformations it serves: a map or a report built tens.

    Parameters
    ----------
    src, dst : object
        Anything ``pyproj.Transformer.from_crs`` takes (a CRS, ``"EPSG:4326"``, 4326).
    """
    return _transformer(os.getpid(), src, dst)


@lru_cache(maxsize=64)
def _transformer(pid: int, src: Any, dst: Any) -> pyproj.Transformer:
    # keyed by process too: a worker forked from a process holding one builds its own
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def to_crs_dense(geoseries: gpd.GeoSeries, crs: Any, threads: int = 1) -> gpd.GeoSeries:
    """Transform geometries, densifying the edges of longitude/latitude sources first.

    A straight edge between two lon/lat vertices is a curve in any projection; transforming only
    the vertices draws it straight, and a long edge then bows away from where the source put it
    (a boundary sliver between two layers can grow several-fold). Edges are cut into pieces of at
    most :data:`DENSIFY_DEG` before the transformation.

    Parameters
    ----------
    geoseries : GeoSeries
        With a CRS.
    crs : object
        Target CRS (anything :func:`normalize_crs` accepts).
    threads : int
        Threads that transform parts of a long series at once (GEOS and PROJ release the GIL:
        100,000 footprints take 0.8 s on two threads instead of 1.4 s).

    Returns
    -------
    GeoSeries
        Same index, in ``crs``.
    """
    if geoseries.crs is None:
        raise CRSError("cannot transform geometries without a CRS; the toolkit never guesses one")
    dst = normalize_crs(crs)
    done = geoseries.crs != dst and _in_parts(
        len(geoseries), threads, lambda a, b: to_crs_dense(geoseries.iloc[a:b], dst))
    if done:
        return gpd.GeoSeries(np.concatenate([np.asarray(d.values, dtype=object) for d in done]),
                             index=geoseries.index, crs=done[0].crs)
    if geoseries.crs.is_geographic and geoseries.crs != dst:
        geoms = np.asarray(geoseries.values, dtype=object)
        try:
            dense = shapely.segmentize(geoms, DENSIFY_DEG)
        except shapely.errors.GEOSException:  # a degenerate ring (all vertices equal): as it is
            dense = np.array([_segmentize_or_keep(g) for g in geoms], dtype=object)
        geoseries = gpd.GeoSeries(dense, index=geoseries.index, crs=geoseries.crs)
    return geoseries.to_crs(dst)


STRAIGHT_DEG = 1e-9
"""Vertices closer than this [°] (about 0.1 mm) to the line through their neighbours are dropped
by :func:`to_lonlat_own`: the points that densified lon/lat edges for an exact transformation
(:func:`to_crs_dense`) lie on those edges again once back in lon/lat."""


def to_lonlat_own(geoms, crs, threads: int = 1) -> np.ndarray:
    """Geometries carried back to lon/lat (EPSG:4326) with their own vertices: the points
    :func:`to_crs_dense` added along lon/lat edges dropped (:data:`STRAIGHT_DEG`), so that an
    output file holds the outline the user drew, not hundreds of points along each edge.

    Parameters
    ----------
    geoms : array of shapely geometries
        In ``crs``.
    crs : pyproj.CRS
    threads : int
        Threads that carry parts of a long array at once (as :func:`to_crs_dense`).

    Returns
    -------
    ndarray of shapely geometries
        In EPSG:4326; none made empty or invalid by dropping points; None where a geometry
        has coordinates that are not finite.
    """
    geoms = np.asarray(geoms, dtype=object)
    done = _in_parts(len(geoms), threads, lambda a, b: to_lonlat_own(geoms[a:b], crs))
    if done:
        return np.concatenate(done)
    lonlat = np.asarray(gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=crs).to_crs(WGS84)
                        .values, dtype=object)
    # Douglas-Peucker (7x faster than the topology-preserving simplifier, which also keeps a
    # few of the points); the rare footprint it would make invalid or empty gets the latter
    plain = shapely.simplify(lonlat, STRAIGHT_DEG, preserve_topology=False)
    broken = shapely.is_valid(lonlat) & ~shapely.is_valid(plain) | \
        shapely.is_empty(plain) & ~shapely.is_empty(lonlat)
    plain[broken] = shapely.simplify(lonlat[broken], STRAIGHT_DEG, preserve_topology=True)
    empty = shapely.is_empty(lonlat)  # GEOS simplifies an empty line to LINESTRING Z EMPTY,
    plain[empty] = lonlat[empty]      # which a GeoPackage layer of 2D lines cannot hold
    # a footprint a projection could not carry (NaN or infinite coordinates, e.g. a point far
    # outside the working CRS's zone): no geometry a file can hold; its row keeps its error
    lost = ~(shapely.is_missing(plain) | shapely.is_empty(plain)) & \
        ~np.isfinite(shapely.bounds(plain)).all(axis=1)
    plain[lost] = None
    return plain



def lonlat_later(geoms, crs, threads: int = 1):
    """Start :func:`to_lonlat_own` of ``geoms`` on a thread (PROJ and GEOS release the GIL, so
    the caller goes on meanwhile) and return a function that waits for it and gives its array,
    or raises what it raised."""
    import threading

    out: dict = {}

    def run():
        try:
            out["done"] = to_lonlat_own(geoms, crs, threads)
        except BaseException as exc:  # noqa: BLE001 -- raised again to whoever waits
            out["error"] = exc

    thread = threading.Thread(target=run, name="to_lonlat_own", daemon=True)
    thread.start()

    def wait() -> np.ndarray:
        thread.join()
        if "error" in out:
            raise out["error"]
        return out["done"]

    return wait

_THREAD_MIN = 20_000
"""Fewest geometries per thread of :func:`to_crs_dense` and :func:`to_lonlat_own` (below,
threads cost more than they save)."""


def _in_parts(n: int, threads: int, work) -> list | None:
    """``work(start, stop)`` over consecutive parts of ``n`` items on threads (GEOS and PROJ
    release the GIL), the parts' results in order; None when one part is enough."""
    parts = min(int(threads), n // _THREAD_MIN)
    if parts < 2:
        return None
    from concurrent.futures import ThreadPoolExecutor

    bounds = np.linspace(0, n, parts + 1).astype(int).tolist()
    with ThreadPoolExecutor(parts) as pool:
        return list(pool.map(work, bounds[:-1], bounds[1:]))


def _segmentize_or_keep(geom):
    try:
        return shapely.segmentize(geom, DENSIFY_DEG)
    except shapely.errors.GEOSException:
        return geom


def _datum(crs: pyproj.CRS):
    try:
        return crs.datum
    except pyproj.exceptions.CRSError:
        return None
