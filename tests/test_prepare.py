"""``siting prepare``: the fast form of a catalog gives the same screening, keeps provenance and
the reasons of unknown facts, refuses unusable layers, and notices a file changed since."""

from __future__ import annotations

import tomllib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _screen_helpers import copied_demo
from click.testing import CliRunner

from geo.projects import read_projects
from geo.screen import screen
from layers import demo
from layers.catalog import load_catalog
from layers.errors import CatalogError
from layers.prepared import read_prepared
from maps.cli import cli


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    out = tmp_path_factory.mktemp("prepared") / "demo"
    res = CliRunner().invoke(cli, ["prepare", str(demo.DEMO_CATALOG), "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def test_prepared_catalog_screens_exactly_as_the_original(prepared):
    projects, _ = read_projects(demo.DEMO_PROJECTS)
    one, one_hits = screen(projects, load_catalog(demo.DEMO_CATALOG))
    fast, fast_hits = screen(projects, load_catalog(prepared / "catalog.toml"))
    pd.testing.assert_frame_equal(pd.DataFrame(one), pd.DataFrame(fast), check_exact=True)
    pd.testing.assert_frame_equal(one_hits, fast_hits, check_exact=True)
    layers = {i["layer_id"]: i for i in fast.attrs["layers"]}
    original = {i["layer_id"]: i for i in one.attrs["layers"]}
    for layer_id, info in layers.items():
        assert info["problems"] == original[layer_id]["problems"]
        assert info["features"] == original[layer_id]["features"]
        assert info["prepared_from"] == original[layer_id]["path"]


def test_screening_reads_the_stored_working_geometry(prepared, monkeypatch):
    original, fast = load_catalog(demo.DEMO_CATALOG), load_catalog(prepared / "catalog.toml")
    crs = original.working_crs
    assert fast.working_crs == crs
    expected = {s.id: original.read(s.id) for s in original.layers}

    def no_transform(*args, **kwargs):
        raise AssertionError("a prepared layer was transformed again")

    monkeypatch.setattr("layers.catalog_views.to_crs_dense", no_transform)
    box = shapely.total_bounds(np.asarray(expected["red_lines"].gdf.geometry.values))
    view = fast.near(np.array([box[:2].tolist() + ((box[:2] + box[2:]) / 2).tolist()]), crs)
    for spec in fast.layers:
        got, want = fast.read(spec.id), expected[spec.id]
        assert got.gdf.crs == crs and got.source_crs == want.source_crs
        assert got.gdf.geometry.geom_equals_exact(want.gdf.geometry, tolerance=0).all()
        assert [str(p) for p in got.problems] == [str(p) for p in want.problems]
        part = view.read(spec.id).gdf  # a window: the features whose source box meets it
        assert set(part["id"]) <= set(got.gdf["id"])
        if spec.id == "red_lines":
            assert 0 < len(part) < len(got.gdf)


def test_typed_values_and_unknown_reasons_survive(prepared):
    original, fast = load_catalog(demo.DEMO_CATALOG), load_catalog(prepared / "catalog.toml")
    for spec in original.layers:
        a, problems = original.source(spec.id)
        b, again = fast.source(spec.id)
        assert list(a.columns) == list(b.columns), spec.id
        for col in a.columns:
            if col != a.geometry.name:
                assert a[col].tolist() == b[col].tolist(), (spec.id, col)
                assert [type(v) for v in a[col]] == [type(v) for v in b[col]], (spec.id, col)
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=0).all()
        assert a.crs == b.crs and [str(p) for p in problems] == [str(p) for p in again]


def test_unknown_facts_keep_their_reasons(tmp_path):
    """A water-source zone of an unmapped grade stays unknown, with the same reason and the
    same review, once prepared."""
    zones = gpd.GeoDataFrame({"id": ["w1", "w2"], "grade": ["1", "三级"]},
                             geometry=[shapely.box(106.60, 26.50, 106.62, 26.52),
                                       shapely.box(106.70, 26.50, 106.72, 26.52)], crs=4326)
    zones.to_file(tmp_path / "water.geojson")
    (tmp_path / "c.toml").write_text('[[layer]]\nid = "water"\nkind = "water_source"\n'
                                     'path = "water.geojson"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["prepare", str(tmp_path / "c.toml"), "--out",
                                   str(tmp_path / "fast")])
    assert res.exit_code == 0, res.output
    original, fast = load_catalog(tmp_path / "c.toml"), load_catalog(tmp_path / "fast/catalog.toml")
    assert fast.source("water")[0]["_unknown"].tolist() == \
        original.source("water")[0]["_unknown"].tolist()
    assert "'三级' is not mapped" in fast.source("water")[0]["_unknown"][1]["grade"]
    sites = gpd.GeoDataFrame({"type": ["pv", "pv"]}, geometry=[
        shapely.box(106.605, 26.505, 106.606, 26.506),
        shapely.box(106.705, 26.505, 106.706, 26.506)], crs=4326)
    one = screen(sites, original)[1]
    again = screen(sites, fast)[1]
    pd.testing.assert_frame_equal(one, again, check_exact=True)
    unknown = one[one["check"] == "unknown"]
    assert set(unknown["project_id"]) == {"P0002"} and "三级" in unknown["message"].iloc[0]


def test_provenance_and_windows(prepared):
    entry = tomllib.loads((prepared / "catalog.toml").read_text(encoding="utf-8"))["layer"][0]
    original = load_catalog(demo.DEMO_CATALOG).spec(entry["id"])
    assert entry["source"] == original.source and entry["date"] == original.date
    assert entry["prepared"]["from"].endswith(".geojson") and entry["prepared"]["at"]
    cat = load_catalog(prepared / "catalog.toml")
    path, summary = cat.fast_form("red_lines")
    whole = read_prepared(path, summary)
    box = whole.total_bounds
    mid = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    window = read_prepared(path, summary, bbox=(box[0], box[1], *mid))
    assert 0 < len(window) < len(whole)
    assert window["id"].tolist() == [i for i in whole["id"] if i in set(window["id"])]  # order
    meets = shapely.intersects(np.asarray(whole.geometry.values, dtype=object),
                               shapely.box(box[0], box[1], *mid))
    assert set(whole["id"][meets]) <= set(window["id"])  # a superset of what meets it


def test_unusable_layer_is_refused_and_nothing_written(tmp_path):
    points = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=shapely.points([106.5, 106.6],
                                                                         [26.5, 26.6]), crs=4326)
    points.to_file(tmp_path / "points.geojson")
    (tmp_path / "c.toml").write_text('[[layer]]\nid = "red"\nkind = "ecological_red_line"\n'
                                     'path = "points.geojson"\n', encoding="utf-8")
    res = CliRunner().invoke(cli, ["prepare", str(tmp_path / "c.toml"), "--out",
                                   str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "cannot prepare unusable layers" in res.output and "layer 'red'" in res.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_prepared_file_changed_since_is_refused(prepared, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(prepared, copy)
    with open(copy / "water_sources.parquet", "ab") as f:
        f.write(b"\0")
    with pytest.raises(CatalogError, match="changed after it was prepared"):
        load_catalog(copy / "catalog.toml").source("water_sources")


def test_a_prepared_file_changed_at_the_same_size_is_refused(prepared, tmp_path):
    """Bytes changed in place (the size kept) are caught by the SHA-256 recorded at prepare;
    a folder merely copied (new file dates, same bytes) is accepted and names the same data."""
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(prepared, copy, copy_function=shutil.copyfile)  # new dates
    moved = load_catalog(copy / "catalog.toml")
    assert len(moved.source("red_lines")[0])
    assert moved.digest("red_lines") == load_catalog(prepared / "catalog.toml").digest("red_lines")
    data = bytearray((copy / "red_lines.parquet").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (copy / "red_lines.parquet").write_bytes(bytes(data))
    with pytest.raises(CatalogError, match="same size, other bytes"):
        load_catalog(copy / "catalog.toml").source("red_lines")


def test_several_windows_read_only_what_meets_one(prepared):
    """Two small boxes in opposite corners read the features that meet either (never fewer), not
    the layer between them; many windows are joined into a few boxes that cover every one."""
    from layers.windows import cover

    cat = load_catalog(prepared / "catalog.toml")
    path, summary = cat.fast_form("red_lines")
    whole = read_prepared(path, summary)
    geoms = np.asarray(whole.geometry.values, dtype=object)
    b = shapely.bounds(geoms)
    corners = np.array([b[np.argmin(b[:, 0])], b[np.argmax(b[:, 2])]])  # west- and eastmost
    window = read_prepared(path, summary, bbox=corners)
    wanted = shapely.intersects(geoms[:, None], shapely.box(*corners.T)[None, :]).any(axis=1)
    assert set(whole["id"][wanted]) <= set(window["id"]) and len(window) < len(whole)
    assert window["id"].tolist() == [i for i in whole["id"] if i in set(window["id"])]  # order
    rng = np.random.default_rng(1)
    small = np.column_stack([rng.uniform(0, 1000, (500, 2)), np.zeros((500, 2))])
    small[:, 2:] = small[:, :2] + rng.uniform(1, 5, (500, 2))
    joined = cover(np.vstack([small, [[np.nan] * 4]]), most=8)
    assert len(joined) == 8 and len(cover(small[:5], most=8)) == 5
    inside = ((joined[None, :, 0] <= small[:, None, 0]) & (joined[None, :, 1] <= small[:, None, 1])
              & (joined[None, :, 2] >= small[:, None, 2]) & (joined[None, :, 3] >= small[:, None, 3]))
    assert inside.any(axis=1).all()  # every window lies inside one of the joined boxes


def test_a_catalog_without_any_geometry_is_prepared_without_a_working_copy(tmp_path):
    """No layer has a geometry, so no working CRS can be chosen: the layers are prepared in
    their source CRS only (screening then transforms them as it would the originals)."""
    (tmp_path / "red.geojson").write_text(
        '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
        '"urn:ogc:def:crs:EPSG::4490"}}, "features": []}', encoding="utf-8")
    (tmp_path / "catalog.toml").write_text(
        '[region]\nname = "empty"\n[[layer]]\nid = "red"\nkind = "ecological_red_line"\n'
        'path = "red.geojson"\nsource = "test"\ndate = "2026-01-01"\nempty_ok = true\n',
        encoding="utf-8")  # without empty_ok an empty layer is unusable (a failed export)
    out = tmp_path / "prepared"
    res = CliRunner().invoke(cli, ["prepare", str(tmp_path / "catalog.toml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert load_catalog(out / "catalog.toml").spec("red").empty_ok  # kept
    path, summary = load_catalog(out / "catalog.toml").fast_form("red")
    assert summary["features"] == 0 and summary["working_crs"] is None
    assert len(read_prepared(path, summary)) == 0


def test_row_groups_are_bounded_by_bytes_and_window_reads_stay_exact(tmp_path, monkeypatch):
    """Layers of large polygons get fewer features per row group; windows read the same."""
    import pyarrow.parquet as pq

    from layers import prepared as lp

    small = np.array([shapely.box(0, 0, 1, 1)] * 10)
    large = np.array([shapely.Point(0, 0).buffer(1, quad_segs=2000)] * 10)  # 8,000 vertices
    assert lp._group_rows(small) == lp.ROW_GROUP
    assert lp._group_rows(large) == max(64, lp.ROW_GROUP_BYTES // (16 * 8001))
    monkeypatch.setattr(lp, "ROW_GROUP_BYTES", 4000)  # a few demo features per group
    out = tmp_path / "demo"
    res = CliRunner().invoke(cli, ["prepare", str(demo.DEMO_CATALOG), "--out", str(out)])
    assert res.exit_code == 0, res.output
    red = next(out.glob("red_lines*.parquet"))
    assert pq.ParquetFile(red).metadata.num_row_groups > 1
    projects, _ = read_projects(demo.DEMO_PROJECTS)
    one, one_hits = screen(projects, load_catalog(demo.DEMO_CATALOG), tiles=3)
    fast, fast_hits = screen(projects, load_catalog(out / "catalog.toml"), tiles=3)
    pd.testing.assert_frame_equal(pd.DataFrame(one), pd.DataFrame(fast), check_exact=True)
    pd.testing.assert_frame_equal(one_hits, fast_hits, check_exact=True)


def test_a_view_carries_its_windows_to_each_crs_once(prepared, monkeypatch):
    import layers.windows as lw

    fast = load_catalog(prepared / "catalog.toml")
    crs = fast.working_crs
    box = shapely.total_bounds(np.asarray(fast.read("red_lines").gdf.geometry.values))
    windows = np.array([box[:2].tolist() + ((box[:2] + box[2:]) / 2).tolist()])
    expected = {s.id: fast.near(windows, crs).features_near(s.id)[0] for s in fast.layers}
    calls = []
    real = lw.boxes_to_crs
    monkeypatch.setattr(lw, "boxes_to_crs", lambda *a: calls.append(a[2]) or real(*a))
    view = fast.near(windows, crs)
    for spec in fast.layers:
        got = view.features_near(spec.id)[0]
        assert list(got["id"]) == list(expected[spec.id]["id"])
        view.read(spec.id)  # the working copy: the same windows again
    assert len(calls) == len({c.to_wkt() for c in calls}) > 0


def test_a_window_read_gives_each_feature_its_own_geometry(tmp_path, monkeypatch):
    """Geometries are made from the WKB row group by row group (memory) and put back in source
    order: over many row groups, with features without a geometry (read in a second pass), every
    feature comes back with its own geometry, source and working."""
    from layers import prepared

    monkeypatch.setattr(prepared, "ROW_GROUP_BYTES", 2_000)  # row groups of 64 features
    rng = np.random.default_rng(7)
    n = 700
    x, y = rng.uniform(106.0, 107.0, n), rng.uniform(26.0, 27.0, n)
    geoms = shapely.buffer(shapely.points(x, y), rng.uniform(0.001, 0.02, n), quad_segs=4)
    geoms[[5, 300, 699]] = None  # no geometry: read whatever the window
    layer = gpd.GeoDataFrame({"id": [f"f{i}" for i in range(n)], "name": "", "_unknown": None},
                             geometry=geoms, crs=4326)
    working = layer.geometry.to_crs(32648)
    path = tmp_path / "red.parquet"
    summary = prepared.write_prepared(layer, [], "ecological_red_line", path, {},
                                      working=working)
    assert pq_row_groups(path) > 5
    window = (106.2, 26.2, 106.6, 26.7)
    for as_working, truth in ((False, layer.geometry), (True, working)):
        got = read_prepared(path, summary, bbox=window, working=as_working)
        assert {"f5", "f300", "f699"} <= set(got["id"]) and 0 < len(got) < n
        at = got["id"].str[1:].astype(int).to_numpy()
        assert (np.diff(at) > 0).all()  # source order
        want = np.asarray(truth.values, dtype=object)[at]
        same = shapely.to_wkb(np.asarray(got.geometry.values, dtype=object)) == \
            shapely.to_wkb(want)
        assert same.all()


def pq_row_groups(path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_row_groups


def test_a_moved_prepared_folder_still_finds_its_rasters(prepared, tmp_path):
    """Rasters are not copied by prepare: the catalog names them by absolute path, so a
    prepared folder moved elsewhere loads (a relative path would point nowhere)."""
    import shutil

    moved = tmp_path / "a" / "b" / "moved"
    shutil.copytree(prepared, moved)
    cat = load_catalog(moved / "catalog.toml")
    assert [s.id for s in cat.rasters] == [s.id for s in load_catalog(demo.DEMO_CATALOG).rasters]
    for spec in cat.rasters:
        assert spec.path == str((demo.DEMO_CATALOG.parent / f"{spec.id}.tif").resolve())
    assert cat.raster("dem") is not None and len(cat.source("red_lines")[0])


def test_a_source_changed_after_prepare_makes_its_prepared_layer_unusable(tmp_path):
    """A prepared copy whose source now holds other data (size, or bytes at the same size) may
    not show the zoning the user holds: the layer is unusable, its rules give review, naming the
    file (fail closed: a red line added to the source must not leave a project admitted). The
    same bytes with a new date are not a change; a source gone (a folder moved elsewhere) is not
    checked."""
    import os

    catalog = copied_demo(tmp_path)
    out = tmp_path / "prepared"
    res = CliRunner().invoke(cli, ["prepare", str(catalog), "--out", str(out)])
    assert res.exit_code == 0, res.output

    def changed(layer_id):
        facts = load_catalog(out / "catalog.toml").facts(layer_id)
        found = [p for p in facts["problems"] if p.code == "source_changed"]
        assert facts["usable"] == (not found) and all(p.severity == "error" for p in found)
        return [p.message for p in found]

    source = tmp_path / "red_lines.geojson"
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**9))
    assert changed("red_lines") == []  # touched: same bytes
    screened = tmp_path / "before"
    assert CliRunner().invoke(cli, ["screen", str(demo.DEMO_PROJECTS), "--catalog",
                                    str(out / "catalog.toml"), "--out",
                                    str(screened)]).exit_code == 0
    data = source.read_bytes()
    at = data.index(b'"', data.index(b'"features"') + 12) + 1  # a byte inside the features
    source.write_bytes(data[:at] + (b"X" if data[at:at + 1] != b"X" else b"Y") + data[at + 1:])
    (message,) = changed("red_lines")
    assert str(source.resolve()) in message and "siting prepare again" in message
    assert changed("basic_farmland") == []
    source.write_bytes(data + b"\n")
    assert len(changed("red_lines")) == 1  # another size
    res = CliRunner().invoke(cli, ["layers", str(out / "catalog.toml")])
    assert "changed after siting prepare" in res.output
    res = CliRunner().invoke(cli, ["screen", str(demo.DEMO_PROJECTS), "--catalog",
                                   str(out / "catalog.toml"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert res.output.count("changed after siting prepare") == 1  # said once, not per layer
    assert "changed after siting prepare" in (tmp_path / "o" / "report.html").read_text("utf-8")
    before = pd.read_csv(screened / "screening.csv").set_index("project_id")
    after = pd.read_csv(tmp_path / "o" / "screening.csv").set_index("project_id")
    assert (before["verdict"] == "admitted").any() and not (after["verdict"] == "admitted").any()
    hits = pd.read_csv(tmp_path / "o" / "screening_hits.csv")
    red = hits[hits["rule_id"] == "red_line"]
    assert len(red) and set(red["check"]) == {"not_checked"}  # the red lines: not checked
    source.unlink()  # gone (e.g. the folder was copied to another machine): nothing to compare
    assert changed("red_lines") == []


def test_an_empty_layer_prepared_before_empty_layers_were_refused_is_unusable(tmp_path):
    """A prepared catalog whose empty layer has no `empty_ok` (prepared by an older toolkit, or
    the key removed since) gets the same error as the original layer would."""
    (tmp_path / "red.geojson").write_text(
        '{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
        '"urn:ogc:def:crs:EPSG::4490"}}, "features": []}', encoding="utf-8")
    (tmp_path / "catalog.toml").write_text(
        '[region]\nname = "empty"\n[[layer]]\nid = "red"\nkind = "ecological_red_line"\n'
        'path = "red.geojson"\nempty_ok = true\n', encoding="utf-8")
    out = tmp_path / "prepared"
    assert CliRunner().invoke(cli, ["prepare", str(tmp_path / "catalog.toml"), "--out",
                                    str(out)]).exit_code == 0
    assert load_catalog(out / "catalog.toml").facts("red")["usable"]
    text = (out / "catalog.toml").read_text(encoding="utf-8")
    (out / "catalog.toml").write_text(text.replace("empty_ok = true\n", ""), encoding="utf-8")
    facts = load_catalog(out / "catalog.toml").facts("red")
    assert not facts["usable"]
    assert any("holds no features" in p.message for p in facts["problems"])


def test_a_layer_entry_changed_in_the_original_catalog_makes_its_prepared_layer_unusable(
        tmp_path):
    """The prepared copy was typed by the original entry's columns, values and defaults: an
    entry corrected since (here a new key) leaves the copy typed the old way, so its rules are not
    checked until prepared again; other layers' entries and comments do not matter."""
    catalog = copied_demo(tmp_path)
    out = tmp_path / "prepared"
    assert CliRunner().invoke(cli, ["prepare", str(catalog), "--out", str(out)]).exit_code == 0
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text("# a comment\n" + text, encoding="utf-8")
    assert load_catalog(out / "catalog.toml").facts("basic_farmland")["usable"]
    head, tail = text.split('id = "basic_farmland"\n', 1)
    catalog.write_text(head + 'id = "basic_farmland"\naccuracy_m = 5.0\n' + tail,
                       encoding="utf-8")
    facts = load_catalog(out / "catalog.toml").facts("basic_farmland")
    assert not facts["usable"]
    assert any("its entry in" in p.message and "siting prepare again" in p.message
               for p in facts["problems"])
    assert load_catalog(out / "catalog.toml").facts("red_lines")["usable"]
