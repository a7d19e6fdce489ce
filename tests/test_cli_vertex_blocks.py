"""Which rows of a vertex table make one project (review 23 F1, F2, F3; review 26 F1, F7, F10):
a 项目编号 whose rows are not together is one error project, never an outline joined across its
runs nor one read from a run alone; an attribute that differs between a
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


SPLIT = [(106.577214, 27.085706), (106.572250, 27.089377), (106.567596, 27.084686)]
"""Three corners of a parcel beside the demo's red line; its fourth corner, (106.571851,
27.044911), lies in the red line: the whole outline is prohibited, the first three alone are
not (review 26 F1)."""
Y = [(106.577214, 27.085706), (106.573933, 27.088909), (106.570026, 27.088107),
     (106.567336, 27.085614), (106.569601, 27.082647), (106.574796, 27.082984)]


def test_screen_split_id_is_not_judged_on_part_of_its_rows(tmp_path):
    """Review 26 F1: SPLIT rows 2-4 (序号 1-3), Y's rows, then SPLIT row 11 (序号 4, in a red
    line): SPLIT was admitted on its first three corners. Now it is one error row naming both
    runs and the fix (sort by 项目编号), Chinese first under zh; Y is screened as before."""
    rows = [("SPLIT", "", "pv", k + 1, lon, lat) for k, (lon, lat) in enumerate(SPLIT)]
    rows += [("Y", "", "pv", k + 1, lon, lat) for k, (lon, lat) in enumerate(Y)]
    rows += [("SPLIT", "", "pv", 4, 106.571851, 27.044911)]
    f = _write(tmp_path / "split.xlsx", HEADER, rows)
    r = CliRunner().invoke(cli, ["screen", str(f), "--catalog", str(demo.DEMO_CATALOG),
                                 "--coords", "wgs84", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    s = pd.read_csv(tmp_path / "o" / "screening.csv", encoding="utf-8-sig",
                    keep_default_na=False)
    assert list(s["project_id"]) == ["SPLIT", "Y"]
    assert list(s["verdict"]) == ["error", "admitted"], s["reasons"].tolist()
    why = s["reasons"].iloc[0]
    assert why.startswith("SPLIT：项目 SPLIT 的行不相邻（第 2-4 行、第 11 行）：范围无法确定，"
                          "不按其中一部分判断；请按项目编号（再按序号）排序，使每个项目的行相邻"), why
    assert ("the rows of project SPLIT are not together (rows 2-4, 11): its outline is unknown "
            "and no part of it is judged; sort the sheet by 项目编号 (then 序号) so that each "
            "project's rows are adjacent") in why
    assert "duplicate" not in why and "重复" not in why
    assert "无法判定 1" in r.output


def test_screen_repeated_id_in_separate_blocks_is_not_judged(tmp_path):
    """D1, D2, D1 again 0.3° away with 序号 1-4 again: one id given to two projects, or one
    project's rows sorted apart. Neither D1 is screened (the first was, on its own outline); one
    error row names both runs, says the order starts again, and names both fixes."""
    rows = [("D1", "甲", "pv", k + 1, lon, lat) for k, (lon, lat) in enumerate(_box())]
    rows += [("D2", "乙", "pv", k + 1, lon, lat) for k, (lon, lat) in enumerate(_box(0.01))]
    rows += [("D1", "第二个D1", "pv", k + 1, lon, lat)
             for k, (lon, lat) in enumerate(_box(0.3, 0.3))]
    r, s = _screen(_write(tmp_path / "dup.xlsx", HEADER, rows), tmp_path / "o")
    assert list(s["project_id"]) == ["D1", "D2"]
    assert list(s["name"]) == ["甲", "乙"]
    assert s["verdict"].iloc[0] == "error"
    assert s["verdict"].iloc[1] != "error", s["reasons"].iloc[1]
    assert ("the rows of project D1 are not together (rows 2-5, 10-13)" in s["reasons"].iloc[0])
    assert ("'序号' starts again on row 10: if these are two projects given the same id, give "
            "each its own '项目编号'" in s["reasons"].iloc[0])
    assert "“序号”在第 10 行重新开始" in r.output
    assert "make_valid" not in r.output


def test_score_repeated_id_in_separate_blocks_is_not_scored(catalog, tmp_path):
    """Review 26 F1 in ``siting score --candidates``: A, B, A again (序号 5-8): the first A was
    scored usable on its own outline and the second called A-2. Now A is one error site naming
    both runs, neither ranked nor counted; B is scored."""
    rows = [("A", k + 1, lon, lat) for k, (lon, lat) in enumerate(A)]
    rows += [("B", k + 1, lon, lat) for k, (lon, lat) in enumerate(C)]
    rows += [("A", k + 5, lon, lat) for k, (lon, lat) in enumerate(C)]
    f = _write(tmp_path / "dup.csv", ["id", "序号", "经度", "纬度"], rows)
    r = _score(catalog, f, tmp_path / "o", "--lang", "en")
    assert r.exit_code == 0, r.output
    sites = _sites(tmp_path / "o")
    assert list(sites.index) == ["user:A", "user:B"]
    assert sites.loc["user:A", "status"] == "error"
    assert sites.loc["user:B", "status"] == "usable"
    assert ("the rows of project A are not together (rows 2-5, 10-13): its outline is unknown "
            "and no part of it is judged; sort the sheet by id (then 序号)") in r.output
    assert "2 candidates: error 1, usable 1" in r.output


def test_screen_sheet_sorted_by_order_says_sort_by_id(tmp_path):
    """Review 26 F10: three 4-corner projects sorted by 序号 (A1, B1, C1, A2 ...) were 12 one-row
    "projects" told to "give each project its own id" and to have "0 distinct points". Now one
    error row per project, naming its rows and the fix: sort by 项目编号."""
    boxes = {"A": _box(), "B": _box(0.01), "C": _box(0.02)}
    rows = [(pid, "", "pv", k + 1, *boxes[pid][k]) for k in range(4) for pid in "ABC"]
    r, s = _screen(_write(tmp_path / "sorted.xlsx", HEADER, rows), tmp_path / "o")
    assert list(s["project_id"]) == ["A", "B", "C"]
    assert (s["verdict"] == "error").all()
    for k, pid in enumerate("ABC"):
        assert (f"the rows of project {pid} are not together (rows {k + 2}, {k + 5}, {k + 8}, "
                f"{k + 11}): its outline is unknown and no part of it is judged; sort the sheet "
                "by 项目编号 (then 序号)") in s["reasons"].iloc[k]
    assert "give each project its own" not in r.output and "distinct point" not in r.output


def test_screen_one_point_project_counts_its_point(tmp_path):
    """Review 26 F7: a project with one vertex row (and one whose two rows are one point) was
    said to have "only 0 distinct point(s)"."""
    rows = [("POLY", "", "pv", k + 1, lon, lat) for k, (lon, lat) in enumerate(_box())]
    rows += [("LONE", "", "pv", 1, 106.6, 27.05)]
    rows += [("TWICE", "", "pv", k + 1, 106.61, 27.05) for k in range(2)]
    r, s = _screen(_write(tmp_path / "lone.xlsx", HEADER, rows), tmp_path / "o")
    s = s.set_index("project_id")
    assert s.loc["LONE", "verdict"] == "error"
    assert "LONE: row 6: only 1 distinct point; a polygon needs at least 3" in \
        s.loc["LONE", "reasons"]
    assert "第 6 行：只有 1 个不同的点" in s.loc["LONE", "reasons"]
    assert "TWICE: rows 7-8: only 1 distinct point;" in s.loc["TWICE", "reasons"]


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


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_ids_that_differ_only_by_spaces_are_one_project_said(tmp_path, suffix):
    """'P1' on rows 2-4 and 'P1 ' on row 5 are one id once trimmed: the four rows are read as
    one outline, as before, but the console and the report's data-quality section say so,
    naming the ids as written, their rows and the fix."""
    corners = _box()
    ids = ["P1", "P1", "P1", "P1 "]
    rows = [[pid, "甲", "pv", k + 1, x, y] for k, (pid, (x, y)) in enumerate(zip(ids, corners))]
    path = _write(tmp_path / f"spaced{suffix}", HEADER, rows)
    r, s = _screen(path, tmp_path / "out")
    assert len(s) == 1 and s["project_id"].iloc[0].strip() == "P1"
    assert s["verdict"].iloc[0] != "error"
    said = "ids 'P1' on rows 2-4, 'P1 ' on row 5 differ only by spaces: read as one project 'P1'"
    lines = [ln for ln in r.output.splitlines() if "differ only by spaces" in ln]
    assert len(lines) == 1 and said in lines[0], r.output
    assert lines[0].lstrip().startswith("warning:") and "correct the id" in lines[0]
    assert "仅首尾空格不同" in lines[0]
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "differ only by spaces" in report and "correct the id if they are different" in report
