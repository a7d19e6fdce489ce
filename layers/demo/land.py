"""The legal land classes of the demo: cultivated land, forest, grassland, other protected areas
and geohazard-prone zones (all synthetic, drawn from their own random stream).

Plausible for Guiyang: cultivated land is the permanent basic farmland plus more gentle valley
land (耕地 ⊇ 永久基本农田); forest covers more than half of the region (Guizhou's forest cover
exceeds 55 %), graded by where it lies (class I in reserve cores and buffers, class II in red
lines, III/IV elsewhere) and split into stands 小班 of a 10 km grid; grassland is rare (a few
meadows on the 高坡 plateau); three protected areas lie around real lakes and hot springs; two
geohazard-prone zones cover karst hills. The layers drawn here keep 200 m off all degraded land
(what grows on it now is added afterwards by :mod:`layers.demo.reclaimed`), and the protected
areas and geohazard zones keep clear of every existing demo project (checked, not hoped for).
"""

from __future__ import annotations

import numpy as np
import rasterio.features
import shapely
from affine import Affine
from scipy import ndimage

from layers.demo.synth import blob, parts, point, polygonal, polygonize

FOREST_SHARE = 0.56
"""Target share of the region covered by forest land."""
CULTIVATED_EXTRA = 0.09
"""Share of the region's free candidate cells added to the basic farmland as cultivated land."""
STAND_GRID = 10000.0
"""Side [m] of the grid cutting forest into stands."""
STATE_FOREST = ("修文县国有林场", 106.530, 26.930, 3.2)
"""A state forest farm 国有林场: name, lon, lat, radius [km] (synthetic)."""
PROTECTED = [("红枫湖风景名胜区", "scenic_area", 106.432, 26.575, 4.6, 1.6, 40.0),
             ("息烽温泉风景名胜区", "scenic_area", 106.795, 27.215, 2.4, 1.3, 20.0),
             ("阿哈湖国家湿地公园", "wetland_park", 106.662, 26.548, 1.6, 1.3, 20.0)]
"""Other protected areas: name, category, lon, lat, radius [km], aspect, angle [°]."""
GEOHAZARD = [("开阳县岩溶塌陷高易发区", "high", 107.060, 27.160, 3.5),
             ("修文县滑坡崩塌中易发区", "medium", 106.520, 26.990, 2.8)]
"""Geohazard-prone zones: name, grade, lon, lat, radius [km]."""
GRASS = [("高坡草场", True, 106.820, 26.300, 0.9), ("云顶草场", False, 106.790, 26.380, 0.7),
         ("摆龙坡草地", False, 106.560, 27.020, 0.6)]
"""Grassland: name, basic grassland 基本草原, lon, lat, radius [km]."""
_TYPES = ["arbor", "shrub", "bamboo", "other"]
_TYPE_P = {"low": [0.62, 0.22, 0.06, 0.10], "high": [0.85, 0.10, 0.03, 0.02]}


def snap(geom) -> shapely.Geometry:
    """The polygonal part of ``geom`` snap-rounded to a 1 m grid, so that it stays valid when
    its lon/lat coordinates are rounded to 1e-6° in the GeoJSON files."""
    return polygonal(shapely.set_precision(shapely.make_valid(geom), 1.0))


def _zscore(a: np.ndarray, where: np.ndarray) -> np.ndarray:
    return (a - a[where].mean()) / a[where].std()


def _grid_mask(geom, shape, transform) -> np.ndarray:
    if geom.is_empty:
        return np.zeros(shape, dtype=bool)
    return rasterio.features.rasterize([geom], out_shape=shape, transform=transform) > 0


def cultivated(rng: np.random.Generator, slope: np.ndarray, relief: np.ndarray,
               transform: Affine, region, farmland, exclude, rivers) -> list[dict]:
    """Cultivated land 耕地: the basic farmland plus gentle land outside ``exclude``, classed
    paddy (near rivers), dry (slopes) or irrigated by where each field block lies."""
    f = 2
    t2 = transform * Affine.scale(f)
    shape = (slope.shape[0] // f, slope.shape[1] // f)
    s2 = slope[:shape[0] * f, :shape[1] * f].reshape(shape[0], f, shape[1], f).mean(axis=(1, 3))
    r2 = relief[:shape[0] * f, :shape[1] * f].reshape(shape[0], f, shape[1], f).mean(axis=(1, 3))
    inside = _grid_mask(region, shape, t2)
    free = inside & ~_grid_mask(exclude.buffer(80.0), shape, t2) & ~_grid_mask(farmland, shape, t2)
    noise = ndimage.gaussian_filter(rng.normal(size=shape), 2.0)
    score = -_zscore(s2, inside) - 0.5 * _zscore(r2, inside) + 0.8 * _zscore(noise, inside)
    mask = free & (score >= np.quantile(score[free], 1 - CULTIVATED_EXTRA / free.mean()
                                        * inside.mean()))
    extra = polygonize(mask, t2, smooth=150.0, simplify=150.0, min_area=0.4e6)
    extra = polygonal(shapely.simplify(extra.intersection(region), 150.0).difference(exclude))
    land = polygonal(shapely.union_all([farmland, extra]))  # all basic farmland is cultivated
    river = shapely.union_all([r["geometry"] for r in rivers])
    out = []
    for k, piece in enumerate(parts(land), start=1):
        c = piece.representative_point()
        row, col = ~t2 * (c.x, c.y)
        steep = s2[min(int(row), shape[0] - 1), min(int(col), shape[1] - 1)] > 7.0
        cls = "paddy" if c.distance(river) < 1500.0 else ("dry" if steep else "irrigated")
        out.append({"id": f"GD{k:04d}", "land_class": cls, "geometry": piece})
    return out


def forest(rng: np.random.Generator, slope: np.ndarray, relief: np.ndarray, dem: np.ndarray,
           transform: Affine, region, exclude, zones: dict) -> list[dict]:
    """Forest land 林地 split into stands, with grade, type, canopy cover, public-welfare level
    and the state forest farm of :data:`STATE_FOREST`.

    ``zones``: ``grade1`` (reserve cores and buffers), ``red`` (red lines).
    """
    f = 4  # 360 m cells: forest edges need no more detail than that here
    t2 = transform * Affine.scale(f)
    shape = (slope.shape[0] // f, slope.shape[1] // f)

    def coarse(a):
        return a[:shape[0] * f, :shape[1] * f].reshape(shape[0], f, shape[1], f).mean(axis=(1, 3))

    inside = _grid_mask(region, shape, t2)
    free = inside & ~_grid_mask(exclude, shape, t2)
    noise = ndimage.gaussian_filter(rng.normal(size=shape), 1.5)
    score = (_zscore(coarse(slope), inside) + 0.7 * _zscore(coarse(relief), inside)
             + 0.3 * _zscore(coarse(dem), inside) + 0.9 * _zscore(noise, inside))
    share = min(FOREST_SHARE / free.mean() * inside.mean(), 0.995)
    mask = free & (score >= np.quantile(score[free], 1 - share))
    land = polygonize(mask, t2, smooth=250.0, simplify=220.0, min_area=0.8e6)
    land = polygonal(shapely.simplify(land.intersection(region), 200.0).difference(exclude))
    name, lon, lat, radius = STATE_FOREST
    c = point(lon, lat)
    state = blob(rng, c.x, c.y, radius * 1000, rough=0.25)
    minx, miny, maxx, maxy = region.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, STAND_GRID), np.arange(miny, maxy, STAND_GRID))
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + STAND_GRID, gy.ravel() + STAND_GRID)
    polys = np.array(parts(land), dtype=object)  # largest first; cut by an index of cells
    pi, ci = shapely.STRtree(cells).query(polys, predicate="intersects")
    order = np.lexsort((pi, ci))  # cell by cell, then by part
    pieces = [piece for piece_set in shapely.intersection(polys[pi[order]], cells[ci[order]])
              for piece in parts(snap(piece_set)) if piece.area >= 5e5]
    out = [stand(rng, piece, grade, piece.representative_point().within(state), name)
           for piece, grade in zip(pieces, grades_at(pieces, zones))]
    for k, s in enumerate(out, start=1):
        s["id"] = f"LD{k:04d}"
    return out


def grades_at(pieces: list, zones: dict) -> list[str]:
    """Protection grade class of each stand by where it lies: ``I`` in reserve cores and buffers
    (``zones["grade1"]``), ``II`` in red lines (``zones["red"]``), judged at a point inside the
    stand; ``III/IV`` elsewhere (drawn by :func:`stand`)."""
    points = shapely.get_coordinates(shapely.point_on_surface(np.array(pieces, dtype=object))).T
    in1 = shapely.contains_xy(zones["grade1"], *points)
    in2 = shapely.contains_xy(zones["red"], *points)
    return ["I" if a else ("II" if b else "III/IV") for a, b in zip(in1, in2)]


def stand(rng: np.random.Generator, piece, grade: str, in_state: bool, state_name: str,
          ftype: str | None = None) -> dict:
    """A forest stand 小班: grade (``III/IV`` drawn), type (drawn unless ``ftype`` is given),
    canopy cover, public-welfare level and state-forest membership."""
    high = grade in ("I", "II")
    if grade == "III/IV":
        grade = "III" if rng.random() < 0.55 else "IV"
    if ftype is None:
        ftype = _TYPES[int(rng.choice(4, p=_TYPE_P["high" if high else "low"]))]
    cover = {"arbor": (0.5, 0.85), "shrub": (0.3, 0.65), "bamboo": (0.6, 0.8),
             "other": (0.1, 0.3)}[ftype]
    welfare = "national" if high else ("provincial" if grade == "III" and rng.random() < 0.4
                                       else "none")
    return {"protection_grade": grade, "forest_type": ftype,
            "canopy_cover": round(float(rng.uniform(*cover)), 2), "public_welfare": welfare,
            "state_forest": bool(in_state), "name": state_name if in_state else "",
            "geometry": piece}


MARGIN = 300.0
"""Distance [m] protected areas, grassland and geohazard zones keep from the demo projects."""


def _blobs(rng: np.random.Generator, specs, region, avoid, what: str) -> list:
    """Blobs (METRIC) from ``(name, lon, lat, radius [km], blob keywords)``; each must keep
    :data:`MARGIN` from ``avoid``."""
    out = []
    for name, lon, lat, radius, kw in specs:
        c = point(lon, lat)
        geom = snap(blob(rng, c.x, c.y, radius * 1000, rough=0.3, **kw).intersection(region))
        if not avoid.is_empty and geom.distance(avoid) < MARGIN:
            raise RuntimeError(f"demo build: {what} {name} comes within {MARGIN:.0f} m of a demo "
                               "project; move it")
        out.append(geom)
    return out


def grassland(rng: np.random.Generator, region, avoid) -> list[dict]:
    """Grassland patches 草地 (one basic grassland 基本草原)."""
    geoms = _blobs(rng, [(n, lon, lat, r, {}) for n, _, lon, lat, r in GRASS], region, avoid,
                   "grassland")
    return [{"id": f"CD{k:02d}", "name": name, "basic": basic, "geometry": g}
            for k, ((name, basic, *_), g) in enumerate(zip(GRASS, geoms), start=1)]


def protected_areas(rng: np.random.Generator, region, avoid) -> list[dict]:
    """Other protected areas 自然保护地 (scenic areas, a wetland park)."""
    specs = [(n, lon, lat, r, {"aspect": a, "angle": ang})
             for n, _, lon, lat, r, a, ang in PROTECTED]
    geoms = _blobs(rng, specs, region, avoid, "protected area")
    return [{"id": f"ZRD{k:02d}", "name": name, "category": cat, "geometry": g}
            for k, ((name, cat, *_), g) in enumerate(zip(PROTECTED, geoms), start=1)]


def geohazard_zones(rng: np.random.Generator, region, avoid) -> list[dict]:
    """Geohazard-prone zones 地质灾害易发区."""
    geoms = _blobs(rng, [(n, lon, lat, r, {}) for n, _, lon, lat, r in GEOHAZARD], region,
                   avoid, "geohazard zone")
    return [{"id": f"DZ{k:02d}", "name": name, "grade": grade, "geometry": g}
            for k, ((name, grade, *_), g) in enumerate(zip(GEOHAZARD, geoms), start=1)]
