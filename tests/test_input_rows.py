"""Every message about an input row names it one way per input kind, as the user finds it:
a table by its spreadsheet row (header = row 1), a vector file by its feature's place
(``feature #3``), a boundary-point TXT by its parcel's line."""

from __future__ import annotations

import json
import re

from geo.projects import read_projects
from layers.errors import halves

SQUARE = [[106.6, 26.5], [106.61, 26.5], [106.61, 26.51], [106.6, 26.51], [106.6, 26.5]]
DUPLICATE = "duplicate project_id 'B' ({}, first used by {}): give each project its own id"


def _rows_named(texts) -> set[int]:
    return {int(n) for t in texts for n in re.findall(r"\brow (\d+)", t)}


def test_a_csv_duplicate_id_is_named_by_the_rows_the_reader_names(tmp_path):
    """The reader said 'row 3' and the duplicate check 'row 2' for one project (issue h-inputs)."""
    path = tmp_path / "p.csv"
    path.write_text("project_id,type,lon,lat\nA,pv,106.6,26.5\nB,pv,abc,26.5\n"
                    "B,pv,106.7,26.6\n", encoding="utf-8")
    out, problems = read_projects(path, coords="wgs84")
    assert out["error"].iloc[1].startswith("row 3: column 'lon': ")
    assert [p.feature for p in problems if p.severity == "error"] == ["row 3"]
    assert halves(out["error"].iloc[2])[0] == DUPLICATE.format("row 4", "row 3")
    # every message about the first B (reader's and duplicate check's) names row 3 only
    first_b = [out["error"].iloc[1], out["error"].iloc[2].split("first used by")[1]]
    first_b += [p.message for p in problems]
    assert _rows_named(first_b) == {3}


def test_blank_lines_of_a_csv_count_as_the_spreadsheet_rows_they_are(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("\nproject_id,type,lon,lat\nA,pv,106.6,26.5\n\n  \nB,pv,abc,26.5\n"
                    "B,pv,106.7,26.6\n\n", encoding="utf-8")
    out, _ = read_projects(path, coords="wgs84")
    assert list(out["project_id"]) == ["A", "B", "B"]
    assert out["error"].iloc[1].startswith("row 6: column 'lon': ")
    assert halves(out["error"].iloc[2])[0] == DUPLICATE.format("row 7", "row 6")


def test_a_vector_file_names_features_by_their_place(tmp_path):
    """Ids may repeat in a project file, so a feature is named by its place (and its id)."""
    features = [{"type": "Feature", "properties": {"project_id": pid, "type": "pv"},
                 "geometry": geom} for pid, geom in [
                     ("A", {"type": "Point", "coordinates": [106.62, 26.52]}),
                     ("B", {"type": "Polygon", "coordinates": [SQUARE[:-1]]}),  # unclosed
                     ("B", {"type": "Polygon", "coordinates": [SQUARE]})]]
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    out, problems = read_projects(path)
    assert out["error"].iloc[1].startswith("feature #2 (B): ring 1 is not closed")
    assert [p.feature for p in problems if p.severity == "error"] == ["#2 (B)"]
    assert halves(out["error"].iloc[2])[0] == DUPLICATE.format("feature #3", "feature #2")


def test_a_boundary_point_txt_names_parcels_by_their_line(tmp_path):
    from _screen_helpers import boundary_point_txt

    path = boundary_point_txt(tmp_path / "parcels.txt", [
        ("A", 36512000, 2945000), ("B", 36512000, 945000),  # line 14
        ("B", 36513000, 2946000)])                           # line 20
    out, _ = read_projects(path, defaults={"type": "pv"})
    assert out["error"].iloc[1].startswith("parcel B, line 14: ")
    assert halves(out["error"].iloc[2])[0] == DUPLICATE.format("parcel at line 20", "parcel at line 14")


def test_empty_rows_are_skipped_and_said_not_made_projects(tmp_path):
    """A row with no value in any cell (``,,,`` in a CSV, an empty row of a sheet) is a blank
    row to the user, as a blank line is: skipped, said in a note, and the rows after it keep
    their numbers. It once became a project 'that could not be judged'."""
    import pandas as pd

    csv_path = tmp_path / "p.csv"
    csv_path.write_text("project_id,type,lon,lat\nA,pv,106.6,26.5\n,,,\n ,  ,,\nB,pv,abc,26.5\n",
                        encoding="utf-8")
    xlsx_path = tmp_path / "p.xlsx"
    with pd.ExcelWriter(xlsx_path) as book:
        pd.DataFrame({"project_id": ["A", None, "B"], "type": ["pv", None, "pv"],
                      "lon": ["106.6", None, "abc"], "lat": ["26.5", None, "26.5"]}) \
            .to_excel(book, index=False)
    for path, empty, bad in ((csv_path, "rows 3-4 are empty", 5), (xlsx_path, "row 3 is empty",
                                                                    4)):
        out, problems = read_projects(path, coords="wgs84")
        assert list(out["project_id"]) == ["A", "B"], path
        assert any(empty in p.message and p.severity == "note" for p in problems), problems
        assert out["error"].iloc[1].startswith(f"row {bad}: column 'lon': ")


def test_a_title_above_the_header_is_named_with_the_header_s_row(tmp_path):
    """A sheet with a title on row 1 and the header on row 3: the message says where the
    header seems to be and to delete the rows above it (not pandas' 'Unnamed: 1' names)."""
    import openpyxl
    import pytest

    from layers.errors import ReadError

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["贵阳市 2026年第三批 项目清单"])
    sheet.append([])
    sheet.append(["project_id", "type", "lon", "lat"])
    sheet.append(["A", "pv", 106.6, 26.5])
    book.save(tmp_path / "p.xlsx")
    with pytest.raises(ReadError) as info:
        read_projects(tmp_path / "p.xlsx", coords="wgs84")
    message = str(info.value)
    assert "the header seems to be on row 3 (lon/lat there)" in message
    assert "delete the rows above it" in message and "Unnamed" not in message


def test_a_default_for_a_column_the_file_has_says_it_fills_blanks_only(tmp_path):
    """--type on a file with its own type column is used for its blank cells only: a note says
    so (it looked ignored); on a file without the column no note is needed."""
    path = tmp_path / "p.csv"
    path.write_text("project_id,type,lon,lat\nA,pv,106.6,26.5\nB,,106.7,26.6\nC,wind,106.8,26.7\n",
                    encoding="utf-8")
    out, problems = read_projects(path, coords="wgs84", defaults={"type": "tourism"})
    assert list(out["type"]) == ["pv", "tourism", "wind"]
    (note,) = [p.message for p in problems if p.code == "default_blank_only"]
    assert "type 'tourism' (--type) is used only where the file's type column is blank " \
        "(1 of 3 rows)" in note
    bare = tmp_path / "q.csv"
    bare.write_text("project_id,lon,lat\nA,106.6,26.5\n", encoding="utf-8")
    out, problems = read_projects(bare, coords="wgs84", defaults={"type": "tourism"})
    assert list(out["type"]) == ["tourism"] and not [p for p in problems
                                                     if p.code == "default_blank_only"]
