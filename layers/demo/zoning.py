"""Synthetic zoning of the demo: rivers, towns, parks, water sources, reserves, red lines, farmland.

The three control lines do not overlap (三条控制线不交叉): red lines come first (steep or high
ground from the DEM, corridors along the main rivers of the Wujiang system, nature reserves,
grade-1 water sources), the urban boundaries and parks are cut out of them beforehand and cut by them after;
basic farmland takes flat, low valley floors outside both.
"""

from __future__ import annotations

import numpy as np
import rasterio.features
import shapely
from affine import Affine
from scipy import ndimage

from layers.demo.places import (
    NATURE_RESERVES,
    PARKS,
    QUASI_ZONES,
    RIVERS,
    URBAN_AREAS,
    WATER_SOURCES,
)
from layers.demo.synth import blob, chaikin, line, point, polygonal, polygonize, wiggle

RED_LINE_SHARE = 0.17
"""Share of the region taken by terrain-derived red lines (before corridors and reserves)."""

FARMLAND_SHARE = 0.15
"""Share of the region's candidate cells taken as basic farmland."""


def _boundary_path(ring: shapely.LinearRing, start: shapely.Point, end: shapely.Point
                   ) -> np.ndarray:
    """The shorter stretch of a closed ring between the vertices nearest two points."""
    xy = shapely.get_coordinates(ring)[:-1]
    i = int(np.argmin(np.hypot(*(xy - [start.x, start.y]).T)))
    j = int(np.argmin(np.hypot(*(xy - [end.x, end.y]).T)))
    n = len(xy)
    fwd = xy[[(i + k) % n for k in range((j - i) % n + 1)]]
    back = xy[[(i - k) % n for k in range((i - j) % n + 1)]]
    length = [np.hypot(*np.diff(p, axis=0).T).sum() for p in (fwd, back)]
    return fwd if length[0] <= length[1] else back


def make_rivers(rng: np.random.Generator, region: shapely.Geometry) -> list[dict]:
    """River lines (METRIC) with name, basin, importance, corridor flag, bed elevations and
    valley depth.

    Boundary rivers follow the region's outer edge; the others run through their waypoints
    with a gentle meander and end on the river they join.
    """
    outer = max(shapely.get_parts(region), key=lambda g: g.area).exterior
    rivers: list[dict] = []
    for spec in RIVERS:
        if "boundary" in spec:
            (a, b) = spec["boundary"]
            xy = chaikin(_boundary_path(outer, point(*a), point(*b)), 3)
            geom = shapely.LineString(xy)
        else:
            geom = wiggle(rng, line(spec["points"]), spacing=700.0, amplitude=120.0)
            end = shapely.Point(shapely.get_coordinates(geom)[-1])
            target = min((r["geometry"] for r in rivers),
                         key=lambda g: g.distance(end), default=None)
            if target is not None and target.distance(end) < 6000:
                snap = shapely.get_coordinates(target.interpolate(target.project(end)))
                geom = shapely.LineString(np.vstack([shapely.get_coordinates(geom)[:-1], snap]))
        rivers.append({"name": spec["name"], "basin": "yangtze", "corridor": spec["corridor"],
                       "importance": spec["importance"], "bed": spec["bed"],
                       "depth": spec["depth"], "geometry": geom})
    return rivers


def town_blobs(rng: np.random.Generator, region: shapely.Geometry) -> list[dict]:
    """Raw urban development boundaries (before the red lines are cut out)."""
    out = []
    for name, parts_ in URBAN_AREAS:
        shapes = []
        for lon, lat, r in parts_:
            c = point(lon, lat)
            shapes.append(blob(rng, c.x, c.y, r * 1000, n=48, rough=0.35, harmonics=6))
        out.append({"name": name, "geometry": shapely.union_all(shapes).intersection(region)})
    return out


def park_blobs(rng: np.random.Generator) -> list[dict]:
    """Raw industrial parks (the Gui'an park reaches beyond Guiyang's districts)."""
    out = []
    for spec in PARKS:
        shapes = []
        for lon, lat, r in spec["blobs"]:
            c = point(lon, lat)
            shapes.append(blob(rng, c.x, c.y, r * 1000, n=36, rough=0.25, harmonics=4))
        out.append({**spec, "geometry": shapely.union_all(shapes)})
    return out


def water_sources(rng: np.random.Generator, region: shapely.Geometry) -> list[dict]:
    """Grade-1 and grade-2 drinking-water source protection zones around real lakes, and quasi
    zones 准保护区 (a ring around the grade-2 zone, no random draw) for :data:`QUASI_ZONES`."""
    out, quasi = [], []
    for name, lon, lat, r1, r2, aspect, angle in WATER_SOURCES:
        c = point(lon, lat)
        inner = blob(rng, c.x, c.y, r1 * 1000, aspect=aspect, angle=angle, rough=0.2)
        outer = blob(rng, c.x, c.y, r2 * 1000, aspect=aspect ** 0.5, angle=angle, rough=0.15)
        outer = outer.union(inner.buffer(300))
        out.append({"name": f"{name}一级保护区", "grade": "1",
                    "geometry": polygonal(inner.intersection(region))})
        out.append({"name": f"{name}二级保护区", "grade": "2",
                    "geometry": polygonal(outer.difference(inner).intersection(region))})
        if name in QUASI_ZONES:
            ring = outer.buffer(QUASI_ZONES[name] * 1000, quad_segs=8).difference(outer)
            quasi.append({"name": f"{name}准保护区", "grade": "quasi",
                          "geometry": polygonal(shapely.simplify(ring, 20.0).intersection(region))})
    return [w for w in out + quasi if not w["geometry"].is_empty]


def nature_reserves(rng: np.random.Generator, region: shapely.Geometry) -> list[dict]:
    """The zones of two synthetic nature reserves: core, buffer (a ring of 30 % of the core's
    radius) and experimental zone in the old system, core protection and general control zone in
    the 2019 system."""
    out = []
    for name, lon, lat, rc, rr, system in NATURE_RESERVES:
        c = point(lon, lat)
        core = blob(rng, c.x, c.y, rc * 1000, rough=0.3)
        whole = blob(rng, c.x, c.y, rr * 1000, rough=0.3).union(core.buffer(400))
        if system == "three":
            buffer = core.buffer(0.3 * rc * 1000, quad_segs=8).intersection(whole)
            zones = [("核心区", "core", core), ("缓冲区", "buffer", buffer.difference(core)),
                     ("实验区", "experimental", whole.difference(buffer))]
        else:
            zones = [("核心保护区", "core_protection", core),
                     ("一般控制区", "general_control", whole.difference(core))]
        for label, zone, geom in zones:
            out.append({"name": f"{name}{label}", "zone": zone,
                        "geometry": polygonal(geom.intersection(region))})
    return out


def _zscore(a: np.ndarray, where: np.ndarray) -> np.ndarray:
    return (a - a[where].mean()) / a[where].std()


def _coarsen(a: np.ndarray, f: int) -> np.ndarray:
    h, w = (a.shape[0] // f) * f, (a.shape[1] // f) * f
    return a[:h, :w].reshape(h // f, f, w // f, f).mean(axis=(1, 3))


def red_lines(dem: np.ndarray, slope: np.ndarray, relief: np.ndarray, transform: Affine,
              region: shapely.Geometry, rivers: list[dict], towns: shapely.Geometry,
              parks: shapely.Geometry, reserves: list[dict], sources: list[dict]
              ) -> shapely.Geometry:
    """Ecological red lines: steep/high terrain, river corridors, reserves, grade-1 sources."""
    f = 2
    t2 = transform * Affine.scale(f)
    dem2, slope2, relief2 = (_coarsen(a, f) for a in (dem, slope, relief))
    inside = rasterio.features.rasterize([region], out_shape=dem2.shape, transform=t2) > 0
    slope_s = ndimage.gaussian_filter(slope2, 1.5)
    relief_s = ndimage.gaussian_filter(relief2, 1.0)
    score = (_zscore(slope_s, inside) + 0.8 * _zscore(relief_s, inside)
             + 0.4 * _zscore(dem2, inside))
    mask = inside & (score >= np.quantile(score[inside], 1 - RED_LINE_SHARE))
    terrain = polygonize(mask, t2, smooth=160.0, simplify=60.0, min_area=0.6e6)
    corridors = shapely.union_all([
        r["geometry"].buffer(500.0 if r["name"] == "乌江" else 280.0, quad_segs=4)
        for r in rivers if r["corridor"]])
    keep_out = shapely.union_all([towns, parks]).buffer(400.0, quad_segs=4)
    red = shapely.union_all([terrain, corridors]).difference(keep_out)
    red = shapely.union_all([red] + [r["geometry"] for r in reserves]
                            + [s["geometry"] for s in sources if s["grade"] == "1"])
    return polygonal(shapely.simplify(red.intersection(region), 20.0))


def farmland(dem: np.ndarray, slope: np.ndarray, relief: np.ndarray, transform: Affine,
             region: shapely.Geometry, exclude: shapely.Geometry) -> shapely.Geometry:
    """Permanent basic farmland on flat, low valley floors outside the red lines and towns."""
    f = 2
    t2 = transform * Affine.scale(f)
    dem2, slope2, relief2 = (_coarsen(a, f) for a in (dem, slope, relief))
    inside = rasterio.features.rasterize([region], out_shape=dem2.shape, transform=t2) > 0
    free = inside & ~(rasterio.features.rasterize([exclude.buffer(60.0)], out_shape=dem2.shape,
                                                  transform=t2) > 0)
    score = (-_zscore(ndimage.gaussian_filter(slope2, 1.0), inside)
             - 0.6 * _zscore(relief2, inside) - 0.3 * _zscore(dem2, inside))
    mask = free & (score >= np.quantile(score[inside], 1 - FARMLAND_SHARE))
    fields = polygonize(mask, t2, smooth=100.0, simplify=35.0, min_area=0.12e6)
    return polygonal(fields.intersection(region).difference(exclude))
