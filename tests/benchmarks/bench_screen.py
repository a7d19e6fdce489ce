"""Benchmark: 10,000 synthetic footprints against a 50,000-polygon layer.

Not collected by ``make test`` (``norecursedirs = ["benchmarks"]``). Run with::

    .venv/bin/python tests/benchmarks/bench_screen.py          # prints the figures
    .venv/bin/python -m pytest tests/benchmarks/bench_screen.py -s

It measures the indexed, vectorised engine (:func:`geo.overlay.overlay_pairs`, one STRtree query
and array intersections) against a naive ``geopandas.overlay`` of the same inputs, in the same run,
and checks that both find the same total overlap area.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import shapely

from geo.overlay import overlay_pairs

N_FOOTPRINTS = 10_000
N_FEATURES = 50_000
EXTENT_M = 100_000.0  # a 100 km square


def synthetic(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Footprints (200-800 m squares) and layer polygons (irregular 8-gons, 50-400 m) [m]."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, EXTENT_M, (N_FOOTPRINTS, 2))
    size = rng.uniform(200, 800, (N_FOOTPRINTS, 2))
    footprints = shapely.box(xy[:, 0], xy[:, 1], xy[:, 0] + size[:, 0], xy[:, 1] + size[:, 1])
    centres = rng.uniform(0, EXTENT_M, (N_FEATURES, 2))
    angles = np.sort(rng.uniform(0, 2 * np.pi, (N_FEATURES, 8)), axis=1)
    radii = rng.uniform(50, 400, (N_FEATURES, 8))
    rings = np.stack([centres[:, :1] + radii * np.cos(angles),
                      centres[:, 1:] + radii * np.sin(angles)], axis=-1)
    rings = np.concatenate([rings, rings[:, :1]], axis=1)
    features = shapely.make_valid(shapely.polygons(rings))
    return footprints, features


def run() -> dict:
    footprints, features = synthetic()
    t0 = time.perf_counter()
    pairs = overlay_pairs(footprints, features, distance=0)
    fast = time.perf_counter() - t0

    crs = "EPSG:4544"
    left = gpd.GeoDataFrame({"project": np.arange(N_FOOTPRINTS)}, geometry=footprints, crs=crs)
    right = gpd.GeoDataFrame({"feature": np.arange(N_FEATURES)}, geometry=features, crs=crs)
    t0 = time.perf_counter()
    naive = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    slow = time.perf_counter() - t0

    figures_screen = run_screen(footprints, features)
    fast_area = pairs["overlap_m2"].sum()
    naive_area = naive.area.sum()
    figures = {
        "footprints": N_FOOTPRINTS, "features": N_FEATURES, "pairs": len(pairs),
        "engine_s": fast, "engine_footprints_per_s": N_FOOTPRINTS / fast,
        "geopandas_overlay_s": slow, "speedup": slow / fast,
        "total_overlap_m2_engine": fast_area, "total_overlap_m2_overlay": naive_area,
    }
    assert abs(fast_area - naive_area) <= 1e-6 * naive_area
    return figures | figures_screen


def run_screen(footprints: np.ndarray, features: np.ndarray) -> dict:
    """Time the whole :func:`geo.screen` (27 national rules) with the layer as the red line."""
    import tempfile
    from pathlib import Path

    from geo.screen import screen
    from layers.catalog import load_catalog

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        gpd.GeoDataFrame({"id": np.arange(N_FEATURES).astype(str)}, geometry=features,
                         crs="EPSG:4544").to_file(folder / "redline.gpkg", driver="GPKG")
        (folder / "catalog.toml").write_text('[[layer]]\nid = "redline"\nkind = '
                                             '"ecological_red_line"\npath = "redline.gpkg"\n',
                                             encoding="utf-8")
        cat = load_catalog(folder / "catalog.toml")
        cat.read("redline")  # reading the layer is not screening
        projects = gpd.GeoDataFrame({"type": ["pv"] * N_FOOTPRINTS}, geometry=footprints,
                                    crs="EPSG:4544")
        t0 = time.perf_counter()
        result, hits = screen(projects, cat)
        elapsed = time.perf_counter() - t0
    assert len(result) == N_FOOTPRINTS
    return {"screen_s": elapsed, "screen_projects_per_s": N_FOOTPRINTS / elapsed,
            "screen_hits": len(hits)}


def test_benchmark_screen():
    figures = run()
    for key, value in figures.items():
        print(f"{key:28} {value:,.3f}" if isinstance(value, float) else f"{key:28} {value}")


if __name__ == "__main__":
    test_benchmark_screen()
