"""Benchmark: score 5,000 candidates over a 10,000 × 10,000 raster; ratio to bare exactextract.

The scoring reads a GHI raster (10 m) and a DEM (30 m; without one no capacity or yield is
computed, so the PV chain would not run); the baseline is a bare exactextract mean of each.

Run: ``.venv/bin/python tests/benchmarks/bench_score.py`` (or collected by pytest as
``test_bench_score`` when the benchmarks folder is run). Writes a tiled, DEFLATE-compressed
float32 GeoTIFF (400 MB uncompressed), the DEM and the vector layers to a temporary folder;
fails when the scoring computed no PV yield (it would time nothing of what matters).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from exactextract import exact_extract
from rasterio.transform import from_origin
from rasterio.windows import Window
from shapely.geometry import LineString, Point

CRS = "EPSG:4545"
X0, Y0, RES, N = 450_000.0, 2_900_000.0, 10.0, 10_000   # 100 km × 100 km at 10 m


def build(tmp: Path, n_candidates: int = 5000) -> Path:
    rng = np.random.default_rng(0)
    profile = dict(driver="GTiff", height=N, width=N, count=1, dtype="float32", crs=CRS,
                   transform=from_origin(X0, Y0 + N * RES, RES, RES), tiled=True,
                   blockxsize=512, blockysize=512, compress="deflate")
    with rasterio.open(tmp / "ghi.tif", "w", **profile) as ds:
        xs = np.arange(N, dtype=np.float32)
        for r0 in range(0, N, 1000):
            rows = np.arange(r0, r0 + 1000, dtype=np.float32)[:, None]
            block = (1150 + 200 * np.sin(xs / 1500)[None, :] + 100 * np.cos(rows / 2000)
                     + rng.normal(0, 5, (1000, N)).astype(np.float32))
            ds.write(block.astype("float32"), 1, window=Window(0, r0, N, 1000))
    dem = dict(profile, height=N // 3, width=N // 3,  # 30 m, as SRTM: gentle hills
               transform=from_origin(X0, Y0 + N * RES, 3 * RES, 3 * RES))
    with rasterio.open(tmp / "dem.tif", "w", **dem) as ds:
        xs, ys = np.meshgrid(np.arange(N // 3) * 3 * RES, np.arange(N // 3) * 3 * RES)
        ds.write((1200 + 60 * np.sin(xs / 4000) + 40 * np.cos(ys / 3000)).astype("float32"), 1)
    cx = rng.uniform(X0 + 2000, X0 + N * RES - 2000, n_candidates)
    cy = rng.uniform(Y0 + 2000, Y0 + N * RES - 2000, n_candidates)
    r = rng.uniform(60, 300, n_candidates)
    mines = gpd.GeoDataFrame({"id": [f"m{i}" for i in range(n_candidates)]},
                             geometry=[Point(a, b).buffer(c) for a, b, c in zip(cx, cy, r)],
                             crs=CRS)
    mines.to_file(tmp / "mines.gpkg")
    red = gpd.GeoDataFrame({"id": [str(i) for i in range(300)]}, geometry=[
        Point(a, b).buffer(c) for a, b, c in zip(rng.uniform(X0, X0 + N * RES, 300),
                                                 rng.uniform(Y0, Y0 + N * RES, 300),
                                                 rng.uniform(300, 2000, 300))], crs=CRS)
    red.to_file(tmp / "redline.gpkg")
    subs = gpd.GeoDataFrame({"id": [str(i) for i in range(50)]}, geometry=[
        Point(a, b) for a, b in zip(rng.uniform(X0, X0 + N * RES, 50),
                                    rng.uniform(Y0, Y0 + N * RES, 50))], crs=CRS)
    subs.to_file(tmp / "substation.gpkg")
    roads = gpd.GeoDataFrame({"id": [str(i) for i in range(40)]}, geometry=[
        LineString([(X0, y), (X0 + N * RES, y + 5000)]) for y in
        np.linspace(Y0, Y0 + N * RES, 40)], crs=CRS)
    roads.to_file(tmp / "road.gpkg")
    (tmp / "catalog.toml").write_text("""
[[layer]]
id = "mines"
kind = "abandoned_mine"
path = "mines.gpkg"
[[layer]]
id = "redline"
kind = "ecological_red_line"
path = "redline.gpkg"
[[layer]]
id = "substation"
kind = "substation"
path = "substation.gpkg"
[[layer]]
id = "road"
kind = "road"
path = "road.gpkg"
[[raster]]
id = "ghi"
kind = "ghi"
path = "ghi.tif"
units = "kWh/m2/yr"
[[raster]]
id = "dem"
kind = "dem"
path = "dem.tif"
units = "m"
""", encoding="utf-8")
    return tmp / "catalog.toml"


def run(tmp: Path) -> dict:
    import pvlib  # noqa: F401  (both sides are timed with their libraries imported: ~0.8 s)

    import geo
    from layers.catalog import load_catalog

    t = time.perf_counter()
    cat_path = build(tmp)
    t_build = time.perf_counter() - t
    polys = gpd.read_file(tmp / "mines.gpkg")
    bare, means = {}, {}  # a bare mean of each raster the scoring reads, as exactextract gives it
    for name in ("ghi", "dem"):
        t = time.perf_counter()
        means[name] = exact_extract(str(tmp / f"{name}.tif"), polys, ["mean"], output="pandas")
        bare[name] = time.perf_counter() - t
    t = time.perf_counter()
    sites = geo.score_sites(load_catalog(cat_path), "pv")
    t_score = time.perf_counter() - t
    assert len(sites) == len(polys) == len(means["ghi"]) == len(means["dem"])
    usable = sites["status"] == "usable"  # else the PV chain did not run: nothing was measured
    assert usable.sum() > len(sites) // 2
    assert sites.loc[usable, "specific_yield_kwh_kwp"].gt(0).all()
    t_bare = sum(bare.values())
    out = {"build_s": t_build, "bare_ghi_s": bare["ghi"], "bare_dem_s": bare["dem"],
           "score_sites_s": t_score, "ratio": t_score / t_bare,
           "ratio_ghi": t_score / bare["ghi"], "candidates": len(sites),
           "usable": int(usable.sum())}
    print(f"candidates {out['candidates']} (usable, with a PV yield: {out['usable']}), "
          f"GHI raster {N}x{N} float32, DEM {N // 3}x{N // 3}")
    print(f"build data               {t_build:8.1f} s")
    print(f"bare exactextract GHI    {bare['ghi']:8.1f} s")
    print(f"bare exactextract DEM    {bare['dem']:8.1f} s")
    print(f"score_sites (pv)         {t_score:8.1f} s   ratio {out['ratio']:.2f}x to the bare "
          f"means of both rasters ({out['ratio_ghi']:.2f}x to GHI's alone)")
    return out


def test_bench_score(tmp_path):
    run(tmp_path)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as d:
        run(Path(d))
    sys.exit(0)
