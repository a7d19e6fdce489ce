"""A catalog layer read wholly far from the catalog's region is unusable (review 25, F2).

A farmland layer in EPSG:4545 (CM 108°E, 6-digit eastings, no .prj) whose catalog entry says
``crs = "EPSG:4544"`` lands 300 km west of the region: it used to be ``[可用]`` and every project
on farmland came out admitted. Now ``siting layers`` says ``[不可用]`` naming EPSG:4545 and exits 2,
and ``siting screen`` gives ``review`` for the farmland rules (``prohibited`` with the right crs).
A layer partly outside the region (a red-line layer of a larger area) stays usable.

Each test runs the real command on real files written into ``tmp_path``."""

from __future__ import annotations

import json
import os
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from shapely.affinity import translate

from layers.demo import DEMO_CATALOG, DEMO_DIR
from maps.cli import cli


def _run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _catalog(folder, entry: str, crs: str | None = None, path=None):
    """The demo catalog in ``folder``, every path absolute; layer ``entry`` read from ``path``
    (with ``crs`` in its entry) when given."""
    text = DEMO_CATALOG.read_text(encoding="utf-8")

    def absolute(m):
        return f"path = {json.dumps(str(DEMO_DIR / m.group(1)))}"

    text = re.sub(r'^path = "([^"]+)"', absolute, text, flags=re.M)
    if path is not None:
        old = f"path = {json.dumps(str(DEMO_DIR / (entry + '.geojson')))}"
        assert old in text
        new = f"path = {json.dumps(str(path))}" + (f'\ncrs = "{crs}"' if crs else "")
        text = text.replace(old, new)
    out = folder / "catalog.toml"
    out.write_text(text, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def farmland(tmp_path_factory):
    """The demo farmland as a shapefile in EPSG:4545 without .prj, and a pv project on it."""
    tmp = tmp_path_factory.mktemp("far")
    gdf = gpd.read_file(DEMO_DIR / "basic_farmland.geojson")
    shp = tmp / "farmland.shp"
    gdf.to_crs("EPSG:4545").to_file(shp)
    os.remove(shp.with_suffix(".prj"))
    spot = gdf.geometry.iloc[0].representative_point()
    project = gpd.GeoDataFrame({"project_id": ["F1"], "name": ["on farmland"], "type": ["pv"]},
                               geometry=[spot.buffer(0.0002)], crs=gdf.crs)
    project.to_file(tmp / "project.geojson")
    return tmp, shp


def test_layers_refuses_the_wrong_zone_naming_the_right_one(farmland, tmp_path):
    """``siting layers``: the farmland read in CM 105°E is ``[不可用]``, exit 2, and the message
    says where it lies, where the region is and ``crs = "EPSG:4545"``."""
    _, shp = farmland
    cat = _catalog(tmp_path, "basic_farmland", "EPSG:4544", shp)
    r = _run("layers", cat)
    assert r.exit_code == 2, r.output
    assert "[不可用] basic_farmland" in r.output
    assert "wholly outside the catalog's region" in r.output
    assert 'crs = "EPSG:4545"' in r.output and "CM 108E" in r.output
    assert "图层整体位于图层目录区域" in r.output and "(the admin boundaries)" in r.output
    assert re.search(r"lies at 10[34]\.\d\d–10[34]\.\d\d°E", r.output), r.output
    assert "不可用图层: basic_farmland" in r.output
    # every other layer is still usable
    assert r.output.count("[不可用]") == 1


def test_screen_gives_review_on_the_far_farmland(farmland, tmp_path):
    """``siting screen``: with the wrong zone the farmland rules give review (never admitted)
    and the problem is printed; with the right crs the same project is prohibited."""
    tmp, shp = farmland
    (tmp_path / "wrong").mkdir()
    (tmp_path / "right").mkdir()
    wrong = _catalog(tmp_path / "wrong", "basic_farmland", "EPSG:4544", shp)
    right = _catalog(tmp_path / "right", "basic_farmland", "EPSG:4545", shp)
    got = {}
    for name, cat in (("wrong", wrong), ("right", right)):
        out = tmp_path / name / "out"
        r = _run("screen", tmp / "project.geojson", "--catalog", cat, "--out", out,
                 "--lang", "en")
        assert r.exit_code == 0, r.output
        row = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", dtype=str).iloc[0]
        hits = pd.read_csv(out / "screening_hits.csv", encoding="utf-8-sig", dtype=str)
        farm = hits[hits["rule_id"].fillna("").str.contains("farmland")]
        got[name] = (row["verdict"], set(farm["outcome"]), r.output)
    verdict, outcomes, text = got["right"]
    assert verdict == "prohibited" and "prohibited" in outcomes, text
    verdict, outcomes, text = got["wrong"]
    assert verdict == "review", text
    assert outcomes == {"review"}, outcomes
    assert "wholly outside the catalog's region" in text and 'crs = "EPSG:4545"' in text


def test_a_layer_partly_outside_the_region_is_not_refused(tmp_path):
    """A red-line layer of a larger area (its features also 300 km away) is not far: usable."""
    gdf = gpd.read_file(DEMO_DIR / "red_lines.geojson")
    far = gdf.copy()
    far["geometry"] = far.geometry.apply(lambda g: translate(g, xoff=-3.0))
    bigger = pd.concat([gdf, far], ignore_index=True)
    if "id" in bigger.columns:
        bigger["id"] = [f"R{i}" for i in range(len(bigger))]
    path = tmp_path / "red_lines_big.geojson"
    gpd.GeoDataFrame(bigger, crs=gdf.crs).to_file(path)
    cat = _catalog(tmp_path, "red_lines", None, path)
    r = _run("layers", cat, "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "[usable] red_lines" in r.output and "wholly outside" not in r.output


def test_a_prepared_layer_is_checked_against_the_region_on_load(farmland, tmp_path):
    """A layer prepared where the catalog had no region (nothing to test it against) is checked
    when a catalog with admin boundaries names it: from its summary and the admin layer's
    boxes column, both prepared; the fix says to prepare it again."""
    _, shp = farmland
    (tmp_path / "farm.toml").write_text(
        f'[region]\nname = "t"\n\n[[layer]]\nid = "farm"\nkind = "basic_farmland"\n'
        f'path = {json.dumps(str(shp))}\ncrs = "EPSG:4544"\n', encoding="utf-8")
    (tmp_path / "admin.toml").write_text(
        f'[region]\nname = "t"\n\n[[layer]]\nid = "admin"\nkind = "admin_boundary"\n'
        f'path = {json.dumps(str(DEMO_DIR / "admin_boundaries.geojson"))}\n', encoding="utf-8")
    for name in ("farm", "admin"):
        r = _run("prepare", tmp_path / f"{name}.toml", "--out", tmp_path / f"p_{name}")
        assert r.exit_code == 0, r.output
    farm = (tmp_path / "p_farm" / "catalog.toml").read_text(encoding="utf-8")
    admin = (tmp_path / "p_admin" / "catalog.toml").read_text(encoding="utf-8")
    admin = admin[admin.index("[[layer]]"):].replace(
        'path = "admin.parquet"', f"path = {json.dumps(str(tmp_path / 'p_admin' / 'admin.parquet'))}")
    both = tmp_path / "p_farm" / "both.toml"
    both.write_text(farm + "\n" + admin, encoding="utf-8")
    r = _run("layers", both, "--lang", "en")
    assert r.exit_code == 2, r.output
    assert "[UNUSABLE] farm" in r.output and "[usable] admin" in r.output
    assert "wholly outside the catalog's region (the admin boundaries)" in r.output
    assert 'to EPSG:4545 and run siting prepare again' in r.output


def test_a_farmland_layer_over_part_of_the_region_is_said(tmp_path):
    """Review 25 F1: farmland delivered for the western counties only spans part of the region;
    without ``covers`` the rest reads as "no farmland". ``siting layers`` now warns and names
    ``covers`` (the layer stays usable: the region may truly have none there); with ``covers``
    the warning goes, as it does for the demo's layers and for a layer of a few hundred
    features (a sample says nothing of a partial delivery)."""
    gdf = gpd.read_file(DEMO_DIR / "basic_farmland.geojson")
    west = gdf[gdf.geometry.bounds["maxx"] < 106.7]
    # a province's delivery has thousands of parcels: each demo parcel cut in 3 × 3
    pieces = []
    for pid, shape in zip(west["id"], west.geometry):
        x0, y0, x1, y1 = shape.bounds
        dx, dy = (x1 - x0) / 3, (y1 - y0) / 3
        for k in range(9):
            cell = shapely.box(x0 + k % 3 * dx, y0 + k // 3 * dy, x0 + (k % 3 + 1) * dx,
                               y0 + (k // 3 + 1) * dy)
            part = shape.intersection(cell)
            if part.area > 0:
                pieces.append({"id": f"{pid}-{k}", "geometry": part})
    assert len(pieces) >= 1000
    gpd.GeoDataFrame(pieces, crs=gdf.crs).to_file(tmp_path / "west.geojson")
    west.to_file(tmp_path / "few.geojson")  # the same land in 171 parcels: not said
    catalog = _catalog(tmp_path, "basic_farmland", path=tmp_path / "west.geojson")
    res = _run("layers", catalog)
    assert res.exit_code == 0, res.output
    line = next(x for x in res.output.splitlines() if "仅分布" in x)
    assert line.startswith("    - 警告：图层要素仅分布在图层目录区域（行政区划边界）范围的 ")
    assert "covers = [\"行政区代码\", ...]" in line and "catalog.toml, layer 'basic_farmland'" in line
    assert "[可用] basic_farmland" in res.output
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace(f'path = {json.dumps(str(tmp_path / "west.geojson"))}',
                                    f'path = {json.dumps(str(tmp_path / "west.geojson"))}\n'
                                    'covers = ["520181", "520123", "520115"]'), encoding="utf-8")
    said = _run("layers", catalog).output
    assert "仅分布" not in said and "covers" in said
    assert "仅分布" not in _run("layers", "--demo").output
    few = _catalog(tmp_path, "basic_farmland", path=tmp_path / "few.geojson")
    assert "仅分布" not in _run("layers", few).output
