"""Which rows of a vertex table make one project (review 23 F1, F2, F3): a repeated 项目编号 is
two projects, never one outline joined across both; an attribute that differs between a
project's rows is not resolved to the first; rows with no id after a project's rows (merged
cells) are filled down when the workbook merges them, and are errors otherwise.

Each test runs the real command (``siting screen``, ``siting score --candidates``) on a small
real CSV or XLSX file."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from test_cli_vertex_tables import A, C, _score, _sites, _write

from layers import demo
from maps.cli import cli

HEADER = ["项目编号", "项目名称", "项目类型", "序号", "经度", "纬度"]


def _box(dx=0.0, dy=0.0):
    """A 4-corner parcel (about 200 m a side) near the demo's project P01, shifted by degrees."""
    import geopandas as gpd

    c = gpd.read_file(demo.DEMO_PROJECTS).set_index("project_id").geometry["P01"]
    c = c.representative_point()
    x, y = c.x + dx, c.y + dy
    return [(x - 0.001, y - 0.001), (x + 0.001, y - 0.001), (x + 0.001, y + 0.001),
            (x - 0.001, y + 0.001)]


def _screen(path, out):
    r = CliRunner().invoke(cli, ["screen", str(path), "--catalog", str(demo.DEMO_CATALOG),
                                 "--coords", "wgs84", "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    s = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False)
    return r, s


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    from siting_fixtures import make_region

    return make_region(tmp_path_factory.mktemp("blocks-region"))


def test_screen_repeated_id_in_separate_blocks_is_two_projects(tmp_path):
    """F1: D1, D2, D1 again 0.3° away: the first D1 is screened on its own outline, the second
    is an error row of its own naming both row ranges; nothing is merged or lost."""
    rows = [("D1", "甲", "pv", k + 1, lon, lat) for k, (lon, lat) in enumerate(_box())]
    rows += [("D2", "乙", "pv", k + 1, lon, lat) for k, (lon, lat) in enumerate(_box(0.01))]
    rows += [("D1", "第二个D1", "pv", k + 5, lon, lat)
             for k, (lon, lat) in enumerate(_box(0.3, 0.3))]
    r, s = _screen(_write(tmp_path / "dup.xlsx", HEADER, rows), tmp_path / "o")
    assert list(s["project_id"]) == ["D1", "D2", "D1"]
    assert list(s["name"]) == ["甲", "乙", "第二个D1"]
    assert s["verdict"].iloc[0] != "error", s["reasons"].iloc[0]
    assert s["verdict"].iloc[2] == "error"
    assert "duplicate project_id 'D1' (rows 10-13, first used by rows 2-5)" in s["reasons"].iloc[2]
    assert "make_valid" not in r.output


def test_score_repeated_id_in_separate_blocks_is_not_joined(catalog, tmp_path):
    """F1 in ``siting score --candidates``: the second A is called A-2 and not scored; the first
    A keeps its own 4-corner outline (usable), not a blob joined with the second."""
    rows = [("A", k + 1, lon, lat) for k, (lon, lat) in enumerate(A)]
    rows += [("B", k + 1, lon, lat) for k, (lon, lat) in enumerate(C)]
    rows += [("A", k + 5, lon, lat) for k, (lon, lat) in enumerate(C)]
    f = _write(tmp_path / "dup.csv", ["id", "序号", "经度", "纬度"], rows)
    r = _score(catalog, f, tmp_path / "o")
    assert r.exit_code == 0, r.output
    sites = _sites(tmp_path / "o")
    assert sites.loc["user:A", "status"] == "usable"
    assert "user:A-2" in sites.index and sites.loc["user:A-2", "status"] == "error"
    assert "duplicate site id 'A' (rows 10-13, first used by rows 2-5)" in r.output


def test_screen_restarted_order_names_the_repeated_id(tmp_path):
    """F1: D1 rows 序号 1-4 and again 1-4 (contiguous): not guessed to be two projects; the error
    says the order starts again and the id may be used twice, and the names that differ."""
    rows = [("D1", "甲", "pv", k + 1, lon, lat) for k, (lon, lat) in enumerate(_box())]
    rows += [("D1", "乙", "pv", k + 1, lon, lat) for k, (lon, lat) in enumerate(_box(0.3))]
    r, s = _screen(_write(tmp_path / "adj.csv", HEADER, rows), tmp_path / "o")
    assert list(s["verdict"]) == ["error"]
    why = s["reasons"].iloc[0]
    assert "'序号' starts again on row 6: two projects given the same id 'D1'?" in why
    assert "column '项目名称' differs between the rows of D1: '甲' on rows 2-5, '乙' on rows 6-9" \
        in why


def test_screen_conflicting_type_between_rows_is_an_error(tmp_path):
    """F2: 项目类型 pv on the first row, wind on the others: an error naming the column, values
    and rows, not screened as pv; blanks on the later rows (attributes on the first row) are
    fine."""
    rows = [("A1", "甲", "pv" if k == 0 else "wind", k + 1, lon, lat)
            for k, (lon, lat) in enumerate(_box())]
    rows += [("A2", "乙" if k == 0 else "", "pv" if k == 0 else "", k + 1, lon, lat)
             for k, (lon, lat) in enumerate(_box(0.01))]
    r, s = _screen(_write(tmp_path / "differ.csv", HEADER, rows), tmp_path / "o")
    s = s.set_index("project_id")
    assert s.loc["A1", "verdict"] == "error"
    assert ("column '项目类型' differs between the rows of A1: 'pv' on row 2, 'wind' on rows 3-5"
            in s.loc["A1", "reasons"])
    assert "“项目类型”列取值不一致" in r.output
    assert s.loc["A2", "verdict"] != "error", s.loc["A2", "reasons"]
    assert s.loc["A2", "name"] == "乙"


def test_screen_merged_cells_are_filled_down(tmp_path):
    """F3: 项目编号, 名称 and 类型 merged over the four vertex rows of each project in the
    workbook: read as every row's value, so each project is its 4-corner polygon."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(HEADER)
    for pid, box in (("M1", _box()), ("M2", _box(0.01))):
        start = ws.max_row + 1
        for k, (lon, lat) in enumerate(box):
            ws.append([pid if k == 0 else None, pid + "名" if k == 0 else None,
                       "pv" if k == 0 else None, k + 1, lon, lat])
        for col in "ABC":
            ws.merge_cells(f"{col}{start}:{col}{start + 3}")
    book.save(tmp_path / "merged.xlsx")
    r, s = _screen(tmp_path / "merged.xlsx", tmp_path / "o")
    assert list(s["project_id"]) == ["M1", "M2"], r.output
    assert (s["verdict"] != "error").all(), s["reasons"].tolist()
    assert "no project_id" not in r.output and "merged cells?" not in r.output


def test_screen_blank_ids_after_a_project_are_errors_naming_the_fix(tmp_path):
    """F3 without merges (CSV): rows 3-5 with coordinates but no 项目编号 after A2's row are not
    guessed to be its vertices; A2 is an error saying its footprint is unknown (not screened as
    its first corner), rows 3-5 are errors naming the fix."""
    rows = [("A2" if k == 0 else "", "甲" if k == 0 else "", "pv" if k == 0 else "", k + 1,
             lon, lat) for k, (lon, lat) in enumerate(_box())]
    r, s = _screen(_write(tmp_path / "merged.csv", HEADER, rows), tmp_path / "o")
    s = s.set_index("project_id")
    assert len(s) == 4 and (s["verdict"] == "error").all()
    assert ("rows 3-5 after it have no '项目编号' value (merged cells?) but coordinates and "
            "'序号' values: they may be vertices of A2, so its footprint is unknown"
            in s.loc["A2", "reasons"])
    assert ("fill '项目编号' on every vertex row, or unmerge the cells and fill the values down"
            in s.loc["row-4", "reasons"])
    assert "其后的第 3-5 行没有“项目编号”值（合并单元格？）" in r.output


def test_merged_ranges_are_read_from_the_sheet_as_openpyxl_reads_them(tmp_path):
    """The merged ranges come from the sheet's XML (openpyxl's full load of a 100,000-row vertex
    table took longer than pandas' read of it): the same ranges as openpyxl finds, for a sheet
    named or counted, on a workbook whose data sheet is not the first."""
    from layers.vertex_rows import merged_ranges

    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.merge_cells("A1:D1")
    ws = book.create_sheet("界址点")
    for r in range(1, 30):
        ws.append([f"P{r // 4}", r, 106.0, 26.0])
    for spec in ("A2:A5", "A6:A9", "B10:C12", "D20:D29"):
        ws.merge_cells(spec)
    book.create_sheet("空")
    book.save(tmp_path / "m.xlsx")
    want = {n: sorted(r.bounds for r in openpyxl.load_workbook(tmp_path / "m.xlsx")[n]
                      .merged_cells.ranges) for n in ("说明", "界址点", "空")}
    assert sorted(merged_ranges(tmp_path / "m.xlsx", "界址点")) == want["界址点"]
    assert sorted(merged_ranges(tmp_path / "m.xlsx", 1)) == want["界址点"]
    assert merged_ranges(tmp_path / "m.xlsx", 0) == want["说明"] == [(1, 1, 4, 1)]
    assert merged_ranges(tmp_path / "m.xlsx", "空") == []
