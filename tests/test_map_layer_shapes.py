"""A layer the map draws as an image is read lean from its prepared file: the same outlines, in
the same order, as a window read gives, and its attributes never read."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from layers import demo
from layers.catalog import load_catalog
from layers.prepared import summary_crs
from layers.windows import windows_in
from maps.cli import cli
from maps.layer_shapes import near_rows, shapes_at


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    out = tmp_path_factory.mktemp("prepared") / "demo"
    res = CliRunner().invoke(cli, ["prepare", str(demo.DEMO_CATALOG), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return load_catalog(out / "catalog.toml")


def test_outlines_are_those_a_window_read_gives(prepared):
    crs = prepared.working_crs
    box = shapely.total_bounds(np.asarray(prepared.read("red_lines").gdf.geometry.values))
    half = (box[:2] + box[2:]) / 2
    windows = np.array([box[:2].tolist() + half.tolist(), half.tolist() + box[2:].tolist()])
    made: dict = {}
    for spec in prepared.layers:
        path, summary = prepared.fast_form(spec.id)
        boxes = windows_in(windows, crs, summary_crs(summary), made)
        expected = prepared.near(windows, crs).features_near(spec.id)[0]
        rows, count = near_rows(path, summary, boxes)
        got = shapes_at(path, rows)
        assert count == len(expected)
        kept = np.asarray(expected.geometry.values, dtype=object)
        kept = kept[~(shapely.is_missing(kept) | shapely.is_empty(kept))]
        assert shapely.to_wkb(got).tolist() == shapely.to_wkb(kept).tolist()


def test_an_image_layer_reads_no_attributes(prepared, monkeypatch, tmp_path):
    """Red lines too many for the budget are drawn as an image from their outlines alone, the
    same image as from the original catalog (read whole)."""
    import layers.catalog as lc
    import layers.catalog_views as lv
    from geo.projects import read_projects
    from geo.screen import screen
    from maps.base import finish_map
    from maps.budget import BASE_BYTES
    from maps.screening_map import screening_map

    projects, _ = read_projects(demo.DEMO_PROJECTS)
    original = load_catalog(demo.DEMO_CATALOG)
    result, hits = screen(projects, original)
    budget = BASE_BYTES + 100_000
    whole = finish_map(screening_map(result, hits, original, "en", budget=budget),
                       tmp_path / "whole.html").read_text(encoding="utf-8")
    read = []
    real = lc.read_prepared
    for module in (lc, lv):  # a layer's whole source, its features near windows
        monkeypatch.setattr(module, "read_prepared",
                            lambda *a, **k: read.append(a[0]) or real(*a, **k))
    page = finish_map(screening_map(result, hits, prepared, "en", budget=budget),
                      tmp_path / "lean.html").read_text(encoding="utf-8")
    assert "(red_lines) (as an image:" in page
    assert not any("red_lines" in str(p) for p in read)
    assert page == whole
