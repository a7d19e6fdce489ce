"""Geometry helpers of the demo build: metric CRS, random blobs, raster masks to polygons.

Everything is computed in :data:`METRIC` (CGCS2000 / 3-degree Gauss-Kruger CM 108E, EPSG:4545:
Guiyang lies 0.7–1.9° west of 108°E, a scale error below 0.06 %) and written in lon/lat.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import rasterio.features
import shapely
from affine import Affine

METRIC = "EPSG:4545"
"""CRS of every computation of the build (CGCS2000 / 3-degree Gauss-Kruger CM 108E)."""

_TO_METRIC = pyproj.Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
_TO_LONLAT = pyproj.Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)


def to_metric(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat [°] → METRIC x, y [m]."""
    x, y = _TO_METRIC.transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def to_lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """METRIC x, y [m] → lon/lat [°]."""
    lon, lat = _TO_LONLAT.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


def point(lon: float, lat: float) -> shapely.Point:
    """A METRIC point from lon/lat [°]."""
    x, y = to_metric(lon, lat)
    return shapely.Point(float(x), float(y))


def line(points: list[tuple[float, float]]) -> shapely.LineString:
    """A METRIC line from lon/lat vertices [°]."""
    x, y = to_metric([p[0] for p in points], [p[1] for p in points])
    return shapely.LineString(np.column_stack([x, y]))


def gdf(rows: list[dict], geoms, crs: str = METRIC) -> gpd.GeoDataFrame:
    """A GeoDataFrame from attribute dicts and geometries."""
    return gpd.GeoDataFrame(rows, geometry=list(geoms), crs=crs)


def blob(rng: np.random.Generator, x: float, y: float, radius: float, n: int = 40,
         rough: float = 0.18, harmonics: int = 4, aspect: float = 1.0,
         angle: float = 0.0) -> shapely.Polygon:
    """A smooth irregular polygon around (x, y).

    Parameters
    ----------
    rng : numpy.random.Generator
    x, y : float
        Centre [m].
    radius : float
        Mean radius [m] (before ``aspect``).
    n : int
        Number of vertices.
    rough : float
        Relative amplitude of the radial harmonics.
    harmonics : int
        Number of radial harmonics (2..harmonics+1).
    aspect : float
        Ratio of the long to the short axis.
    angle : float
        Direction of the long axis [° from east, counter-clockwise].
    """
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    k = np.arange(2, harmonics + 2)
    amp = rough * rng.uniform(0.3, 1.0, k.size) / k
    phase = rng.uniform(0, 2 * np.pi, k.size)
    r = radius * (1 + (amp[:, None] * np.cos(k[:, None] * t + phase[:, None])).sum(axis=0))
    px, py = r * np.cos(t) * np.sqrt(aspect), r * np.sin(t) / np.sqrt(aspect)
    a = np.deg2rad(angle)
    xs = x + px * np.cos(a) - py * np.sin(a)
    ys = y + px * np.sin(a) + py * np.cos(a)
    return shapely.make_valid(shapely.Polygon(np.column_stack([xs, ys])))


def blob_of_area(rng: np.random.Generator, x: float, y: float, area_ha: float,
                 **kw) -> shapely.Polygon:
    """A :func:`blob` whose area is ``area_ha`` [ha] (to 0.1 %)."""
    shape = blob(rng, 0.0, 0.0, 100.0, **kw)
    scale = np.sqrt(area_ha * 1e4 / shape.area)
    return shapely.affinity.translate(shapely.affinity.scale(shape, scale, scale, origin=(0, 0)),
                                      x, y)


def polygonize(mask: np.ndarray, transform: Affine, smooth: float, simplify: float,
               min_area: float) -> shapely.Geometry:
    """Polygons of the True cells of ``mask``, rounded and simplified.

    Parameters
    ----------
    mask : 2-D bool array
    transform : Affine
        Grid transform (METRIC).
    smooth : float
        Closing-then-opening distance that rounds the cell staircase [m].
    simplify : float
        Douglas-Peucker tolerance [m].
    min_area : float
        Parts smaller than this are dropped [m²].
    """
    shapes = rasterio.features.shapes(mask.astype(np.uint8), mask=mask, transform=transform,
                                      connectivity=4)
    polys = [shapely.geometry.shape(geom) for geom, _ in shapes]
    if not polys:
        return shapely.MultiPolygon()
    merged = shapely.union_all(polys)
    merged = merged.buffer(smooth, quad_segs=2).buffer(-2 * smooth, quad_segs=2)
    merged = merged.buffer(smooth, quad_segs=2)
    merged = shapely.simplify(merged, simplify)
    return drop_small(shapely.make_valid(merged), min_area)


def parts(geom: shapely.Geometry) -> list[shapely.Polygon]:
    """The polygons of a (multi)polygon or collection, largest first."""
    if geom is None or geom.is_empty:
        return []
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    multi = [g for g in shapely.get_parts(geom) if g.geom_type == "MultiPolygon"]
    for m in multi:
        polys.extend(shapely.get_parts(m))
    return sorted(polys, key=lambda g: (-g.area, g.centroid.x, g.centroid.y))


def drop_small(geom: shapely.Geometry, min_area: float) -> shapely.Geometry:
    """``geom`` without its polygon parts smaller than ``min_area`` [m²]."""
    keep = [p for p in parts(geom) if p.area >= min_area]
    return shapely.MultiPolygon(keep) if keep else shapely.MultiPolygon()


def polygonal(geom: shapely.Geometry, grid: float | None = None) -> shapely.Geometry:
    """Only the polygonal parts of ``geom`` (after an overlay), as a valid (multi)polygon.

    ``grid`` [m]: snap-rounding grid of the final union (None: full precision).
    """
    polys = parts(shapely.make_valid(geom))
    if not polys:
        return shapely.MultiPolygon()
    out = shapely.union_all(polys, grid_size=grid)
    return out if out.geom_type in ("Polygon", "MultiPolygon") else shapely.MultiPolygon(polys)


def sample_points(rng: np.random.Generator, region: shapely.Geometry, n: int) -> np.ndarray:
    """``n`` random points [m] (x, y rows) inside ``region`` (rejection sampling)."""
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    out = np.empty((0, 2))
    while len(out) < n:
        xy = np.column_stack([rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)])
        inside = shapely.contains_xy(region, xy[:, 0], xy[:, 1])
        out = np.vstack([out, xy[inside]])
    return out[:n]


def chaikin(coords: np.ndarray, iterations: int = 2) -> np.ndarray:
    """Chaikin corner cutting of an open polyline (keeps the end points)."""
    c = np.asarray(coords, float)
    for _ in range(iterations):
        q = 0.75 * c[:-1] + 0.25 * c[1:]
        r = 0.25 * c[:-1] + 0.75 * c[1:]
        mid = np.empty((2 * len(q), 2))
        mid[0::2], mid[1::2] = q, r
        c = np.vstack([c[:1], mid, c[-1:]])
    return c


def wiggle(rng: np.random.Generator, ln: shapely.LineString, spacing: float,
           amplitude: float) -> shapely.LineString:
    """A smoothed copy of ``ln`` with random sideways offsets of its interior points."""
    pts = shapely.line_interpolate_point(ln, np.arange(0, ln.length, spacing))
    xy = np.vstack([shapely.get_coordinates(pts), shapely.get_coordinates(ln)[-1:]])
    d = np.gradient(xy, axis=0)
    normal = np.column_stack([-d[:, 1], d[:, 0]]) / np.maximum(np.hypot(*d.T), 1e-9)[:, None]
    off = rng.normal(0, amplitude, len(xy))
    off[0] = off[-1] = 0.0
    off = np.convolve(off, np.ones(3) / 3, mode="same")
    off[0] = off[-1] = 0.0
    return shapely.LineString(chaikin(xy + normal * off[:, None], 2))
