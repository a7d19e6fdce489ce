"""A synthetic province for the scale benchmark (issue 12 item 6), deterministic from a seed.

At ``scale = 1`` (the full benchmark): 100,000 project footprints and a 5-layer catalog whose
ecological red line has 200,000 overlapping lobed polygons (0.05–20 km², ~17 M vertices) in
clusters; basic farmland 50,000 parcels, urban boundaries 300, water-source zones 2,000 and
environmental control units tiling the region (10,000 cells). Every count and the region's area
scale with ``scale`` (constant density), so 0.05 / 0.25 / 1 give 5k / 25k / 100k projects;
``layer_scale`` sets the layers and the region apart (e.g. 5k projects in the full province).

Projects are 0.01–2 km² rotated rectangles; exactly 30 % of them are placed on a red-line
polygon (they meet it), the others are re-drawn until they meet none. Types: 60 % PV, 20 % wind,
20 % industrial (with industries, some 两高), none claiming an allowed activity or national-major
status, so every red-line pair is a hit of rule ``red_line``.

Geometry is generated in a CGCS2000 Albers equal-area CRS centred on the region and written in
CGCS2000 lon/lat (EPSG:4490): layers as GeoParquet with a bbox covering column (or GeoPackage),
projects as a GeoPackage, plus ``catalog.toml`` and ``world.json`` (counts, vertices, extent).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pyproj.crs import ProjectedCRS
from pyproj.crs.coordinate_operation import AlbersEqualAreaConversion

SEED = 20261201
FULL = {"projects": 100_000, "red_lines": 200_000, "basic_farmland": 50_000,
        "urban_boundaries": 300, "water_sources": 2_000, "control_units": 10_000}
"""Feature counts at scale 1."""
CENTRE = (104.0, 30.5)
"""Centre of the region (lon, lat) [°] — Sichuan basin, for realism only."""
KM2_PER_FULL = 1_000_000.0
"""Region area at scale 1 [km²]."""
HIT_SHARE = 0.30
LONLAT = pyproj.CRS.from_epsg(4490)
KINDS = {"red_lines": "ecological_red_line", "basic_farmland": "basic_farmland",
         "urban_boundaries": "urban_boundary", "water_sources": "water_source",
         "control_units": "control_unit"}


@dataclass
class World:
    """What :func:`make_world` wrote."""

    folder: str
    scale: float
    layer_scale: float
    seed: int
    counts: dict
    vertices: dict
    catalog: str
    projects: str
    red_lines: str
    extent_lonlat: list
    hit_share: float


def _albers(lon0: float, lat0: float, half_lat: float) -> ProjectedCRS:
    conv = AlbersEqualAreaConversion(latitude_first_parallel=lat0 - half_lat * 2 / 3,
                                     latitude_second_parallel=lat0 + half_lat * 2 / 3,
                                     latitude_false_origin=lat0, longitude_false_origin=lon0)
    return ProjectedCRS(conversion=conv, geodetic_crs=pyproj.CRS.from_epsg(4490),
                        name="benchmark world Albers")


def lobed_polygons(rng: np.random.Generator, centres: np.ndarray, areas_m2: np.ndarray,
                   n_vertices: np.ndarray) -> np.ndarray:
    """Star-shaped polygons with 3–7 lobes of the given areas [m²] (always valid).

    The radius is ``R (1 + a sin(kθ + φ) + b sin((k + 2)θ + ψ))`` with ``a + b ≤ 0.5``; each polygon
    (not the curve) is scaled to its area in ``areas_m2``.
    """
    n = len(centres)
    counts = np.asarray(n_vertices, dtype=np.int64)
    owner = np.repeat(np.arange(n), counts)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    step = np.arange(counts.sum()) - start[owner]
    theta = 2 * np.pi * step / counts[owner]
    k = rng.integers(3, 8, n)
    a, b = rng.uniform(0.1, 0.3, n), rng.uniform(0.0, 0.2, n)
    phi, psi = rng.uniform(0, 2 * np.pi, (2, n))
    shape = 1 + a[owner] * np.sin(k[owner] * theta + phi[owner]) + \
        b[owner] * np.sin((k[owner] + 2) * theta + psi[owner])
    d = shape[:, None] * np.c_[np.cos(theta), np.sin(theta)]
    nxt = start[owner] + (step + 1) % counts[owner]
    area = 0.5 * np.add.reduceat(d[:, 0] * d[nxt, 1] - d[nxt, 0] * d[:, 1], start)
    xy = centres[owner] + d * np.sqrt(areas_m2 / area)[owner, None]  # exact polygon areas
    # close each ring: repeat its first vertex after its last
    closed = np.insert(xy, np.cumsum(counts), xy[start], axis=0)
    ring_index = np.repeat(np.arange(n), counts + 1)
    return shapely.polygons(shapely.linearrings(closed, indices=ring_index))


def _log_uniform(rng, lo, hi, n):
    u = rng.uniform(0, 1, n)
    return lo * (hi / lo) ** u, u


def _rectangles(rng, centres, areas_m2):
    aspect = rng.uniform(1, 3, len(centres))
    w, h = np.sqrt(areas_m2 * aspect), np.sqrt(areas_m2 / aspect)
    angle = rng.uniform(0, np.pi, len(centres))
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    local = corners[None] * np.stack([w, h], axis=1)[:, None, :]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    x = local[..., 0] * cos - local[..., 1] * sin + centres[:, :1]
    y = local[..., 0] * sin + local[..., 1] * cos + centres[:, 1:]
    return shapely.polygons(np.stack([x, y], axis=-1))


def _projects(rng, n, side, red, red_centres):
    """Footprints: exactly HIT_SHARE of them on a red-line polygon, the rest on none."""
    n_hit = int(round(n * HIT_SHARE))
    areas, _ = _log_uniform(rng, 0.01e6, 2e6, n)
    centres = np.empty((n, 2))
    centres[:n_hit] = red_centres[rng.integers(0, len(red_centres), n_hit)]
    geoms = np.empty(n, dtype=object)
    geoms[:n_hit] = _rectangles(rng, centres[:n_hit], areas[:n_hit])
    tree = shapely.STRtree(red)
    todo = np.arange(n_hit, n)
    while len(todo):
        centres[todo] = rng.uniform(0, side, (len(todo), 2))
        geoms[todo] = _rectangles(rng, centres[todo], areas[todo])
        hit = np.unique(tree.query(geoms[todo], predicate="intersects")[0])
        todo = todo[hit]
    order = rng.permutation(n)  # hits spread through the file, not first
    return geoms[order], order < n_hit


def _layers(rng, counts, side):
    """Every layer as (geometries, attribute columns) in the world's metric CRS."""
    out = {}
    n = counts["red_lines"]
    clusters = rng.uniform(0, side, (max(1, n // 50), 2))
    centres = clusters[rng.integers(0, len(clusters), n)] + rng.normal(0, 5_000, (n, 2))
    areas, u = _log_uniform(rng, 0.05e6, 20e6, n)
    red = lobed_polygons(rng, centres, areas, np.round(30 + 110 * u).astype(int))
    out["red_lines"] = (red, {"name": np.array([f"红线{i + 1}" for i in range(n)], dtype=object)})
    out["_red_centres"] = centres

    n = counts["basic_farmland"]
    valleys = rng.uniform(0, side, (max(1, n // 100), 2))
    centres = valleys[rng.integers(0, len(valleys), n)] + rng.normal(0, 4_000, (n, 2))
    areas, u = _log_uniform(rng, 0.01e6, 1e6, n)
    out["basic_farmland"] = (lobed_polygons(rng, centres, areas, np.round(12 + 12 * u)), {})

    n = counts["urban_boundaries"]
    areas, _ = _log_uniform(rng, 5e6, 100e6, n)
    out["urban_boundaries"] = (lobed_polygons(rng, rng.uniform(0, side, (n, 2)), areas,
                                              np.full(n, 64)), {})

    n = counts["water_sources"]
    areas, _ = _log_uniform(rng, 0.5e6, 30e6, n)
    out["water_sources"] = (lobed_polygons(rng, rng.uniform(0, side, (n, 2)), areas,
                                           np.full(n, 36)),
                            {"grade": rng.choice([1, 2], n, p=[0.4, 0.6])})

    cells = max(1, int(round(np.sqrt(counts["control_units"]))))
    edges = np.linspace(0, side, cells + 1)
    x0, y0 = np.meshgrid(edges[:-1], edges[:-1])
    units = shapely.box(x0.ravel(), y0.ravel(), x0.ravel() + side / cells,
                        y0.ravel() + side / cells)
    n = len(units)
    unit_type = rng.choice(["priority", "key", "general"], n, p=[0.3, 0.3, 0.4])
    prohibited = np.where(unit_type == "priority", "coal_power;steel;cement_clinker", "")
    park_only = np.where(unit_type == "key", "chemical;petrochemical", "")
    out["control_units"] = (units, {
        "unit_code": np.array([f"ZH51{i:08d}" for i in range(n)], dtype=object),
        "unit_type": unit_type, "prohibited_industries": prohibited,
        "park_only_industries": park_only})
    return out


def make_world(folder: str | Path, scale: float = 1.0, seed: int = SEED,
               layer_format: str = "parquet", layer_scale: float | None = None) -> World:
    """Generate and write the world; deterministic for a (scale, layer_scale, seed).

    Parameters
    ----------
    folder : str or Path
        Created if missing; the files are written into it.
    scale : float
        1 = 100,000 projects and 200,000 red-line polygons; counts and region area scale with it.
    seed : int
    layer_format : {"parquet", "gpkg"}
        GeoParquet (with a bbox covering column) or GeoPackage for the five layers.
    layer_scale : float, optional
        Scale of the layers and the region's area (default ``scale``); projects follow ``scale``.

    Returns
    -------
    World
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    layer_scale = scale if layer_scale is None else layer_scale
    counts = {k: max(1, int(round(v * (scale if k == "projects" else layer_scale))))
              for k, v in FULL.items()}
    side = np.sqrt(KM2_PER_FULL * layer_scale) * 1000.0
    half_lat = side / 2 / 111_000
    metric = _albers(*CENTRE, max(half_lat, 0.5))
    offset = pyproj.Transformer.from_crs(LONLAT, metric, always_xy=True).transform(*CENTRE)
    origin = np.array(offset) - side / 2
    layers = _layers(rng, counts, side)
    counts["control_units"] = len(layers["control_units"][0])  # a square grid of cells
    projects, hits = _projects(rng, counts["projects"], side, layers["red_lines"][0],
                               layers.pop("_red_centres"))

    def lonlat(geoms):
        return gpd.GeoSeries(shapely.transform(geoms, lambda xy: xy + origin),
                             crs=metric).to_crs(LONLAT)

    lines, vertices, bounds = ['[region]\nname = "合成省 synthetic benchmark province"\n'
                               'synthetic = true\n'], {}, []
    for layer_id, (geoms, attrs) in layers.items():
        gdf = gpd.GeoDataFrame({"id": [f"{layer_id}-{i + 1}" for i in range(len(geoms))],
                                **attrs}, geometry=lonlat(geoms))
        path = folder / f"{layer_id}.{'parquet' if layer_format == 'parquet' else 'gpkg'}"
        if layer_format == "parquet":
            gdf.to_parquet(path, write_covering_bbox=True, schema_version="1.1.0")
        else:
            gdf.to_file(path, driver="GPKG")
        vertices[layer_id] = int(shapely.get_num_coordinates(gdf.geometry.values).sum())
        bounds.append(gdf.total_bounds)
        lines.append(f'[[layer]]\nid = "{layer_id}"\nkind = "{KINDS[layer_id]}"\n'
                     f'path = "{path.name}"\nsource = "synthetic benchmark world, seed {seed}, '
                     f'layer scale {layer_scale}"\ndate = "2026"\n')
    n = counts["projects"]
    kinds = rng.choice(["pv", "wind", "industrial"], n, p=[0.6, 0.2, 0.2])
    industry = np.where(kinds == "industrial",
                        rng.choice(["manufacturing", "chemical", "electronics", "steel",
                                    "logistics"], n), "")
    proj = gpd.GeoDataFrame({"project_id": [f"P{i + 1:06d}" for i in range(n)],
                             "name": [f"项目{i + 1}" for i in range(n)],
                             "type": kinds, "industry": industry}, geometry=lonlat(projects))
    proj.to_file(folder / "projects.gpkg", driver="GPKG")
    vertices["projects"] = int(shapely.get_num_coordinates(proj.geometry.values).sum())
    bounds.append(proj.total_bounds)
    (folder / "catalog.toml").write_text("\n".join(lines), encoding="utf-8")
    b = np.array(bounds)
    world = World(str(folder), scale, layer_scale, seed, counts, vertices, str(folder / "catalog.toml"),
                  str(folder / "projects.gpkg"), str(next(folder.glob("red_lines.*"))),
                  [float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()),
                   float(b[:, 3].max())], float(hits.mean()))
    (folder / "world.json").write_text(json.dumps(asdict(world), indent=1), encoding="utf-8")
    return world
