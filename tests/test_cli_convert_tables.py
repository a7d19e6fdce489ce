"""``siting convert`` reads the tables ``siting screen`` reads (review 26 F9): a CSV or XLSX of
vertices with 经度/纬度 columns, converted in place (same columns, order and header), marked
GCJ-02, and screened after the conversion as before it.

Each test runs the real commands on small real CSV and XLSX files built from the demo projects.
"""

from __future__ import annotations

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from layers import demo
from maps.cli import cli

HEADER = ["项目编号", "序号", "备注", "经度", "纬度", "type"]


def _rows() -> list[list]:
    """The outlines of the demo's polygon projects as vertex rows (the closing vertex left out)."""
    d = gpd.read_file(demo.DEMO_PROJECTS)
    rows = []
    for pid, kind, geom in zip(d["project_id"], d["type"], d.geometry):
        if geom.geom_type != "Polygon" or len(rows) > 120:
            continue
        for k, (lon, lat) in enumerate(geom.exterior.coords[:-1], start=1):
            rows.append([pid, k, "001" if k == 1 else f"点{k}", round(lon, 9), round(lat, 9),
                         kind])
    return rows


def _write(path, rows):
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        book.active.title = "界址点"
        for row in [HEADER, *rows]:
            book.active.append(row)
        book.save(path)
    else:
        text = "\n".join(",".join(map(str, r)) for r in [HEADER, *rows])
        path.write_text(text + "\n", encoding="utf-8")
    return path


def _run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def _screen(path, coords, out):
    r = _run("screen", path, "--coords", coords, "--catalog", demo.DEMO_CATALOG, "--out", out,
             "--lang", "en")
    assert r.exit_code == 0, r.output
    s = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False)
    hits = pd.read_csv(out / "screening_hits.csv", encoding="utf-8-sig", keep_default_na=False)
    g = gpd.read_file(out / "screening.gpkg", layer="screening")
    area = dict(zip(g["project_id"], g.to_crs(g.estimate_utm_crs()).area))
    return s.set_index("project_id")["verdict"].to_dict(), hits, area


@pytest.fixture(scope="module")
def original(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("convert-tables")
    src = _write(tmp / "v.csv", _rows())
    return tmp, _screen(src, "wgs84", tmp / "s_orig")


@pytest.mark.parametrize("in_ext,out_ext", [(".csv", ".csv"), (".xlsx", ".xlsx"),
                                             (".xlsx", ".csv")])
def test_vertex_table_round_trip_through_gcj02(original, in_ext, out_ext):
    tmp, (verdicts, hits, area) = original
    assert {"prohibited", "admitted"} <= set(verdicts.values())
    src = _write(tmp / f"in{in_ext}", _rows())
    out = tmp / f"gcj{in_ext[1:]}{out_ext}"
    r = _run("convert", src, out, "--from", "wgs84", "--to", "gcj02")
    assert r.exit_code == 0, r.output
    assert f"wrote {len(_rows())} row(s)" in r.output
    assert (tmp / (out.name + ".coords")).read_text(encoding="utf-8").startswith(
        "coordinate_system=gcj02")
    if out_ext == ".xlsx":
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["界址点"]  # the sheet read, by its name
        table = pd.read_excel(out, engine="calamine", dtype={"备注": str})
    else:
        table = pd.read_csv(out, dtype={"备注": str})
    assert table.columns.tolist() == HEADER  # same columns, same order, same names
    assert table["备注"].tolist()[:2] == ["001", "点2"] and table["序号"].tolist()[:2] == [1, 2]
    before = pd.DataFrame(_rows(), columns=HEADER)
    shift = (table["经度"] - before["经度"]).abs()
    assert ((shift > 1e-3) & (shift < 1e-2)).all()  # hundreds of metres, as GCJ-02 is
    # unmarked WGS84 reading is refused; --coords gcj02 gives the original verdicts and areas
    refused = _run("screen", out, "--coords", "wgs84", "--catalog", demo.DEMO_CATALOG,
                   "--out", tmp / f"x{out.name}")
    assert refused.exit_code == 2 and "marked" in refused.output
    v2, hits2, area2 = _screen(out, "gcj02", tmp / f"s_{out.name}")
    assert v2 == verdicts
    assert set(area2) == set(area)
    for pid, a in area.items():
        assert area2[pid] == pytest.approx(a, rel=1e-3), pid
    key = ["project_id", "rule_id", "feature_id"]
    merged = hits.merge(hits2, on=key, suffixes=("", "_2"), how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    for a, b in zip(merged["overlap_m2"], merged["overlap_m2_2"]):
        if a != "":
            assert float(b) == pytest.approx(float(a), rel=1e-3, abs=1.0)


def test_table_without_coordinate_columns_exits_2(tmp_path):
    src = tmp_path / "t.csv"
    src.write_text("项目编号,东,北\nA,106.6,26.6\n", encoding="utf-8")
    r = _run("convert", src, tmp_path / "o.csv", "--from", "wgs84", "--to", "gcj02")
    assert r.exit_code == 2, r.output
    assert "no coordinate columns found among ['项目编号', '东', '北']" in r.output
    assert "找不到坐标列" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("ext", [".csv", ".xlsx"])
def test_cell_that_is_not_a_number_names_file_row_and_column(tmp_path, ext):
    rows = _rows()[:4]
    rows[2][4] = "abc"
    src = _write(tmp_path / f"t{ext}", rows)
    r = _run("convert", src, tmp_path / "o.csv", "--from", "wgs84", "--to", "gcj02")
    assert r.exit_code == 2, r.output
    assert f"t{ext}, row 4: column '纬度': 'abc' is not a coordinate" in r.output
    assert "第 4 行：“纬度”列的值 'abc'" in r.output
    assert not (tmp_path / "o.csv").exists()
