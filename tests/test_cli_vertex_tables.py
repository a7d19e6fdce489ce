"""Vertex tables (rows of 经度/纬度 per 项目编号, ordered by 序号) that cannot be read as meant
are not read silently (review 21 F11, F8, F14).

Each test runs the real command (``siting score --candidates``, ``siting screen``) on a small
real CSV, XLSX or GeoJSON file."""

from __future__ import annotations

import json

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point
from siting_fixtures import UTM, X0, Y0, make_region

from maps.cli import cli


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return make_region(tmp_path_factory.mktemp("vertex-region"))


def _corners(x0, y0, size=500):
    """The corners of a usable square of the region in lon/lat, counter-clockwise."""
    pts = gpd.GeoSeries([Point(x0, y0), Point(x0 + size, y0), Point(x0 + size, y0 + size),
                         Point(x0, y0 + size)], crs=UTM).to_crs(4326)
    return [(round(p.x, 7), round(p.y, 7)) for p in pts]


A = _corners(X0 + 2000, Y0 + 3000)
C = _corners(X0 + 3000, Y0 + 3000)


def _score(catalog, path, out, *extra):
    return CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                    "--candidates", str(path), "--out", str(out),
                                    "--coords", "wgs84", *extra])


def _sites(out):
    return pd.read_csv(out / "sites.csv", dtype={"source_id": str}).set_index("site_id")


def _write(path, header, rows):
    """A CSV or XLSX with exactly this header (pandas would rename a repeated one)."""
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        for row in [header, *rows]:
            book.active.append(list(row))
        book.save(path)
    else:
        text = "\n".join(",".join(map(str, r)) for r in [header, *rows])
        path.write_text(text + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name, header, columns, role", [
    ("dup.csv", ["项目编号", "序号", "经度", "纬度", "经度"], "column 3 (C), '经度' in column 5 (E)",
     "the longitude"),
    ("dup.xlsx", ["项目编号", "序号", "经度", "纬度", "经度"], "column 3 (C), '经度' in column 5 (E)",
     "the longitude"),
    ("space.csv", ["项目编号", "序号", "经度", "纬度", "经度 "], "column 3 (C), '经度 ' in column 5 (E)",
     "the longitude"),
    ("synonym.csv", ["项目编号", "序号", "经度", "纬度", "lon"], "column 3 (C), 'lon' in column 5 (E)",
     "the longitude"),
    ("unit.xlsx", ["项目编号", "序号", "经度", "纬度", "纬度(°)"], "column 4 (D), '纬度(°)' in column 5 (E)",
     "the latitude"),
    ("id.csv", ["项目编号", "序号", "经度", "纬度", "项目编号"], "column 1 (A), '项目编号' in column 5 (E)",
     "the project id"),
    ("order.xlsx", ["项目编号", "序号", "经度", "纬度", "序号"], "column 2 (B), '序号' in column 5 (E)",
     "the vertex order"),
])
def test_a_repeated_column_is_refused_naming_both(catalog, tmp_path, name, header, columns,
                                                  role):
    """F11: two columns of one meaning (the same header, or two names of the longitude) were
    read silently with the first; now exit 2 naming the file, both columns and the fix."""
    rows = [("A", k + 1, lon, lat, 0) for k, (lon, lat) in enumerate(A)]
    f = _write(tmp_path / name, header, rows)
    r = _score(catalog, f, tmp_path / "o")
    assert r.exit_code == 2, r.output
    assert name in r.output and "Traceback" not in r.output
    assert f"2 columns give {role}" in r.output and columns in r.output
    assert "delete the wrong column or rename it" in r.output
    assert "请删除错误的一列或将其改名" in r.output and "第 5 列（E）" in r.output
    assert not (tmp_path / "o" / "sites.csv").exists()


def test_a_repeated_attribute_column_is_still_read(catalog, tmp_path):
    """A repeated column the reader does not use (备注 twice) is no reason to refuse."""
    rows = [("A", k + 1, lon, lat, "x", "y") for k, (lon, lat) in enumerate(A)]
    f = _write(tmp_path / "notes.csv", ["项目编号", "序号", "经度", "纬度", "备注", "备注"], rows)
    r = _score(catalog, f, tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert _sites(tmp_path / "o").loc["user:A", "status"] == "usable"


def test_repeated_order_value_is_an_error_of_that_project_alone(catalog, tmp_path):
    """F8: 序号 1,2,2,2 leaves the outline unknown (the tied rows' order would be a guess): that
    project is an error naming the value and its rows; the others are scored; a closing row that
    repeats the first vertex (J1 … J1) is no repeat. The 2-point parcel names its rows too."""
    rows = [("A", f"J{k + 1}", lon, lat) for k, (lon, lat) in enumerate(A)] + [("A", "J1", *A[0])]
    rows += [("B", k + 1, lon, lat) for k, (lon, lat) in enumerate(A[:2])]
    rows += [("C", s, lon, lat) for s, (lon, lat) in zip((1, 2, 2, 2), C)]
    f = _write(tmp_path / "vertices.xlsx", ["项目编号", "序号", "经度", "纬度"], rows)
    r = _score(catalog, f, tmp_path / "o")
    assert r.exit_code == 0, r.output
    sites = _sites(tmp_path / "o")
    assert sites["status"].to_dict() == {"user:A": "usable", "user:B": "error",
                                         "user:C": "error"}
    said = "column '序号' repeats the order value 2 on rows 10-12 at different points"
    assert f"feature C: {said}" in r.output and "the order of those vertices" in r.output
    assert "“序号”列的顺序值重复且点位不同：2（第 10-12 行）" in r.output
    assert said in sites.loc["user:C", "reason"]
    assert "feature B: rows 7-8: only 2 distinct points" in r.output
    assert "第 7-8 行：只有 2 个不同的点" in r.output


def test_screen_repeated_order_value_is_an_error_not_admitted(tmp_path):
    """F8 in ``siting screen``: the project with a repeated 序号 is an error, the other one is
    screened."""
    from layers import demo

    g = gpd.read_file(demo.DEMO_PROJECTS).set_index("project_id").geometry["P01"]
    c = g.representative_point()
    box = [(c.x - 0.001, c.y - 0.001), (c.x + 0.001, c.y - 0.001), (c.x + 0.001, c.y + 0.001),
           (c.x - 0.001, c.y + 0.001)]
    rows = [("OK", k + 1, lon, lat, "pv") for k, (lon, lat) in enumerate(box)]
    rows += [("TIE", s, lon, lat, "pv") for s, (lon, lat) in zip((1, 2, 2, 3), box)]
    f = _write(tmp_path / "projects.csv", ["项目编号", "序号", "经度", "纬度", "type"], rows)
    r = CliRunner().invoke(cli, ["screen", str(f), "--catalog", str(demo.DEMO_CATALOG),
                                 "--coords", "wgs84", "--out", str(tmp_path / "o"),
                                 "--lang", "en"])
    assert r.exit_code == 0, r.output
    s = pd.read_csv(tmp_path / "o" / "screening.csv", encoding="utf-8-sig",
                    keep_default_na=False).set_index("project_id")
    assert s.loc["OK", "verdict"] == "admitted", s.loc["OK", "reasons"]
    assert s.loc["TIE", "verdict"] == "error"
    assert "repeats the order value 2 on rows 7-8" in r.output


def test_score_names_the_site_id_of_a_repaired_feature(catalog, tmp_path):
    """F14: the reader's warning names the feature by its place and its site_id, as screen
    names a project (``feature #1 (SP)``)."""
    sw, se, ne, nw = A
    f = tmp_path / "bow.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"site_id": "SP"}, "geometry": {
            "type": "Polygon", "coordinates": [[list(p) for p in (sw, se, nw, ne, sw)]]}}]}),
        encoding="utf-8")
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                 "--candidates", str(f), "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert "feature #1 (SP): invalid geometry" in r.output
