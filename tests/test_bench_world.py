"""Keep the scale benchmark (tests/benchmarks/bench_scale.py) from rotting: its world generator
and its harness at a few hundred features, end to end."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from benchmarks.bench_scale import run
from benchmarks.world import make_world
from pgcluster import postgis_missing, postgis_required

from layers.catalog import load_catalog
from layers.crs import working_crs


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    return make_world(tmp_path_factory.mktemp("world"), scale=0.003)


def test_world_is_what_the_benchmark_says(world, tmp_path):
    assert world.counts["projects"] == 300 and world.counts["red_lines"] == 600
    assert 80 <= world.vertices["red_lines"] / world.counts["red_lines"] <= 90  # 17 M / 200k
    cat = load_catalog(world.catalog)
    assert len(cat.layers) == 5
    crs = working_crs(world.extent_lonlat)
    for spec in cat.layers:
        data = cat.read(spec.id, crs)
        assert data.usable and not data.problems, (spec.id, data.problems[:3])
        assert len(data.gdf) == world.counts[spec.id]
    red = cat.read("red_lines", crs).gdf.geometry.values
    assert 0.0499e6 <= shapely.area(red).min() and shapely.area(red).max() <= 20.01e6
    tree = shapely.STRtree(red)
    assert len(tree.query(red, predicate="intersects")[0]) > 3 * len(red)  # they overlap
    projects = gpd.read_file(world.projects).to_crs(crs)
    area = projects.area.to_numpy()
    assert 0.00999e6 <= area.min() and area.max() <= 2.002e6
    hits = np.unique(tree.query(projects.geometry.values, predicate="intersects")[0])
    assert len(hits) == round(0.3 * len(projects))
    again = make_world(tmp_path, scale=0.003)
    assert json.dumps(again.counts) == json.dumps(world.counts)
    assert again.vertices == world.vertices and again.extent_lonlat == world.extent_lonlat


@pytest.mark.slow
def test_harness_runs_the_cli_and_agrees_with_postgis(tmp_path):
    why = postgis_missing()
    if why is not None and postgis_required():
        pytest.fail(f"PostGIS is required but cannot run: {why}", pytrace=False)
    [fig] = run((0.002,), tmp_path, postgis=why is None)
    assert fig["cli_exit"] == 0, fig["cli_last_line"]
    assert fig["hit_share_cli"] == pytest.approx(0.3, abs=0.005)
    if why is None:
        assert fig["agree"] is True and fig["pg_pairs"] > 0
        assert fig["overlap_rel_diff"] <= 1e-6
