"""Project attributes: canonical and Chinese headers, validation, generated ids, 两高."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geo.projects import ALLOWED_ACTIVITIES, TYPES, normalize_projects
from layers.errors import InputError, halves


def frame(rows, geoms=None):
    geoms = geoms or [shapely.box(i, 0, i + 0.01, 0.01) for i in range(len(rows))]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=4326)


def test_chinese_headers_and_values():
    out = normalize_projects(frame([{"项目名称": "甲", "项目类型": "光伏", "行业": ""},
                                    {"项目名称": "乙", "项目类型": "工业", "行业": "钢铁",
                                     "产能置换": "是", "国家重大项目": "否"}]))
    assert list(out["name"]) == ["甲", "乙"]
    assert list(out["type"]) == ["pv", "industrial"]
    assert list(out["industry"]) == ["", "steel"]
    assert list(out["two_high"]) == [False, True]
    assert list(out["capacity_replacement"]) == [None, True]  # blank is unknown, never "no"
    assert list(out["national_major"]) == ["", ""]
    assert list(out["error"]) == ["", ""]


def test_generated_ids_are_stable_and_given_ids_kept():
    rows = [{"type": "pv"}, {"type": "wind"}]
    a, b = normalize_projects(frame(rows)), normalize_projects(frame(rows))
    assert list(a["project_id"]) == ["P0001", "P0002"] == list(b["project_id"])
    given = normalize_projects(frame([{"项目编号": "X-1", "type": "pv"},
                                      {"项目编号": None, "type": "pv"}]))
    assert list(given["project_id"]) == ["X-1", "feature-2"]  # named by its place



def test_a_generated_id_never_clashes_with_a_given_one():
    """A blank id among given ones is named by its place (``feature-2``), not ``P0002``, which
    would read as another project's; where another row already carries that name, the
    generated one steps aside (``-2``): neither row is called a duplicate because of the
    blank."""
    out = normalize_projects(frame([{"project_id": "P0002", "type": "pv"},
                                    {"project_id": None, "type": "wind"},
                                    {"project_id": "", "type": "pv"},
                                    {"project_id": "feature-3", "type": "pv"}]))
    assert list(out["project_id"]) == ["P0002", "feature-2", "feature-3-2", "feature-3"]
    assert list(out["error"]) == ["", "", "", ""]
    assert out.attrs["unnamed"] == [("feature #2", "feature-2"), ("feature #3", "feature-3-2")]


def test_a_blank_id_in_a_table_is_named_by_its_row_and_said(tmp_path):
    """Through the CLI: the blank-id row of a CSV is ``row-3`` (its spreadsheet row) in every
    output, and the project file's problems say so (not "no problems found")."""
    import pandas as pd
    from click.testing import CliRunner

    from layers import demo
    from maps.cli import cli

    (tmp_path / "ids.csv").write_text(
        "project_id,name,type,lon,lat\nP0001,a,pv,106.70,26.60\n,no id,pv,106.71,26.61\n"
        "P0002,b,pv,106.72,26.62\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["screen", str(tmp_path / "ids.csv"), "--coords", "wgs84",
                                   "--catalog", str(demo.DEMO_CATALOG), "--out",
                                   str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "row 3: no project_id while other rows have one; called 'row-3'" in res.output
    ids = pd.read_csv(tmp_path / "o" / "screening.csv")["project_id"].tolist()
    assert ids == ["P0001", "row-3", "P0002"]
    report = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "no project_id while other rows have one" in report

def test_duplicate_ids_are_errors_for_the_later_row():
    out = normalize_projects(frame([{"project_id": "A", "type": "pv"},
                                    {"project_id": "A", "type": "pv"}]))
    assert out["error"].iloc[0] == ""
    assert halves(out["error"].iloc[1])[0] == ("duplicate project_id 'A' (feature #2, first used by "
                                    "feature #1): give each project its own id")



def test_duplicate_made_by_trimmed_spaces_says_so():
    """Review 25 F6: 'A ' and 'A' become one id; the error shows the id as written, or the user
    sees two different ids called duplicates."""
    out = normalize_projects(frame([{"project_id": "A", "type": "pv"},
                                    {"project_id": "A ", "type": "pv"}]))
    en, zh = halves(out["error"].iloc[1])
    assert en == ("duplicate project_id 'A' (feature #2, first used by feature #1) (as written: "
                  "'A '; spaces around an id are ignored): give each project its own id")
    assert "（原文为 'A '；编号首尾空格不计）" in zh
    same = normalize_projects(frame([{"project_id": "A", "type": "pv"},
                                     {"project_id": "A", "type": "pv"}]))
    assert "as written" not in same["error"].iloc[1]

def test_two_high_given_overrides_derivation():
    out = normalize_projects(frame([{"type": "industrial", "industry": "data_center",
                                     "two_high": "yes"},
                                    {"type": "industrial", "industry": "coking"}]))
    assert list(out["two_high"]) == [True, True]


@pytest.mark.parametrize("column,value,listed", [
    ("type", "spaceship", TYPES), ("industry", "alchemy", ("steel", "coal_power")),
    ("allowed_activity", "picnic", ALLOWED_ACTIVITIES)])
def test_unknown_values_are_row_errors_listing_valid_values(column, value, listed):
    out = normalize_projects(frame([{"type": "pv", column: value}, {"type": "pv"}]))
    assert value in out["error"].iloc[0]
    assert all(v in out["error"].iloc[0] for v in listed)
    assert out["error"].iloc[1] == ""


def test_bad_boolean_and_missing_type():
    out = normalize_projects(frame([{"type": "pv", "national_major": "perhaps"}, {"name": "x"}]))
    assert "national_major" in out["error"].iloc[0] and "perhaps" in out["error"].iloc[0]
    assert "no project type" in out["error"].iloc[1]


def test_defaults_fill_files_without_attributes():
    out = normalize_projects(frame([{"name": "parcel"}, {}]),
                             {"type": "wind", "name": "默认", "industry": None})
    assert list(out["type"]) == ["wind", "wind"]
    assert list(out["name"]) == ["parcel", "默认"]
    with pytest.raises(InputError, match="project default"):
        normalize_projects(frame([{}]), {"colour": "red"})


def test_null_and_empty_geometry_are_errors_rows_kept():
    out = normalize_projects(frame([{"type": "pv"}] * 3,
                                   [shapely.box(0, 0, 1, 1), None, shapely.Polygon()]))
    assert len(out) == 3
    assert out["error"].iloc[0] == ""
    assert "no footprint geometry" in out["error"].iloc[1]
    assert "no footprint geometry" in out["error"].iloc[2]
    assert out.crs.to_epsg() == 4326


def test_tri_state_flags_numbers_dates_and_components():
    out = normalize_projects(frame([
        {"type": "industrial", "industry": "钢铁", "产能置换": "是", "置换比例": "1.5:1",
         "置换方案日期": "2024/9/1", "煤炭消费减量替代": "否", "耗煤量": "12,000",
         "pollutant_offset": ""},
        {"type": "pv", "component": "光伏方阵", "risk_control_part": "yes"},
        {"type": "pv", "component": ""},
    ]))
    assert list(out["capacity_replacement"]) == [True, None, None]
    assert list(out["coal_substitution"]) == [False, None, None]
    assert list(out["pollutant_offset"]) == [None, None, None]
    assert list(out["risk_control_part"]) == [None, True, None]
    assert out["replacement_ratio"].iloc[0] == 1.5 and np.isnan(out["replacement_ratio"].iloc[1])
    assert out["coal_consumption_tce"].iloc[0] == 12000
    assert list(out["replacement_scheme_date"]) == ["2024-09-01", "", ""]
    assert list(out["component"]) == ["", "array", ""]
    assert list(out["error"]) == ["", "", ""]


@pytest.mark.parametrize("value,expected", [
    ("能源", "energy"), ("transport", "transport"), ("是", "unspecified"), ("yes", "unspecified"),
    ("否", ""), ("", ""), (None, "")])
def test_national_major_is_a_category(value, expected):
    out = normalize_projects(frame([{"type": "infrastructure", "national_major": value,
                                     "国家重大项目文号": "发改能源〔2024〕1号"}]))
    assert out["national_major"].iloc[0] == expected
    assert out["national_major_doc"].iloc[0] == "发改能源〔2024〕1号"
    assert out["error"].iloc[0] == ""


@pytest.mark.parametrize("column,value,needle", [
    ("national_major", "airport", "national_major category 'airport'"),
    ("replacement_ratio", "about 1.2", "replacement_ratio"),
    ("replacement_scheme_date", "next year", "not a date"),
    ("component", "roof", "component 'roof'"),
    ("capacity_replacement", "perhaps", "capacity_replacement")])
def test_bad_new_values_are_row_errors(column, value, needle):
    out = normalize_projects(frame([{"type": "pv", column: value}, {"type": "pv"}]))
    assert needle in out["error"].iloc[0], out["error"].iloc[0]
    assert out["error"].iloc[1] == ""


@pytest.mark.parametrize("value,expected", [
    ("12,000", 12000), ("1,234,567.5", 1234567.5), ("12，000", 12000), (" 1,500 ", 1500)])
def test_a_comma_between_thousands_is_read(value, expected):
    out = normalize_projects(frame([{"type": "industrial", "耗煤量": value}]))
    assert out["coal_consumption_tce"].iloc[0] == expected
    assert out["error"].iloc[0] == ""


@pytest.mark.parametrize("column,value,fix", [
    ("replacement_ratio", "1,5", "1.5"), ("replacement_ratio", "1，25:1", "1.25:1"),
    ("coal_consumption_tce", "0,500", "0.500"), ("coal_consumption_tce", "1.500,5", "1500.5"),
    ("coal_consumption_tce", "12,00", "12.00")])
def test_a_decimal_comma_is_a_row_error_never_a_larger_number(column, value, fix):
    """'1,5' once became 15 (every comma stripped): ten times the value, silently."""
    out = normalize_projects(frame([{"type": "industrial", column: value}, {"type": "pv"}]))
    assert np.isnan(out[column].iloc[0])
    error = out["error"].iloc[0]
    assert error.startswith(f"{column}: {value!r}") and "not a thousands separator" in error
    assert f"use a point for decimals: {fix}" in error, error
    assert out["error"].iloc[1] == ""


def test_new_vocabulary():
    from geo.projects import INDUSTRIES, TYPES

    for name in ("papermaking", "printing_dyeing", "electroplating", "tanning", "lead_battery",
                 "pharma_api", "alumina", "oil_refining", "pv_glass", "tailings_pond",
                 "chemical_park"):
        assert name in INDUSTRIES
    assert {"residential", "public_service"} <= set(TYPES)
    out = normalize_projects(frame([{"类型": "住宅"}, {"类型": "工业", "行业": "光伏压延玻璃"}]))
    assert list(out["type"]) == ["residential", "industrial"]
    assert list(out["industry"]) == ["", "pv_glass"] and list(out["two_high"]) == [False, True]


def test_output_columns_of_an_earlier_screening_are_kept_as_input_columns():
    out = normalize_projects(frame([{"project_id": "A", "type": "pv", "verdict": "admitted",
                                     "reasons": "x", "error": "old", "n_review": 3,
                                     "nearest_river_m": 12.0, "input_verdict": "older"}]))
    assert out["error"].iloc[0] == ""
    assert out["input_verdict"].iloc[0] == "older"          # the user's own column, untouched
    assert out["input_input_verdict"].iloc[0] == "admitted"
    assert out["input_error"].iloc[0] == "old"
    assert out["input_nearest_river_m"].iloc[0] == 12.0
    assert "verdict" not in out.columns and "reasons" not in out.columns


def test_read_error_column_becomes_the_row_error():
    f = frame([{"type": "pv", "_read_error": ""},
               {"type": "pv", "_read_error": "row 2: lat/lon swapped"}],
              [shapely.box(0, 0, 1, 1), None])
    out = normalize_projects(f)
    assert "_read_error" not in out.columns
    assert out["error"].iloc[0] == ""
    assert out["error"].iloc[1] == "row 2: lat/lon swapped"


def test_each_value_parsed_once_per_distinct_value():
    """Parsing a column once per distinct value gives what parsing every row gives, blanks of
    each type (None, NaN, pd.NA) and ``1``, ``1.0``, ``True`` kept apart."""
    from layers.attributes import each_distinct

    calls = []

    def fn(value):
        calls.append(value)
        return repr(value), (value,)  # tuples stay whole

    texts = ["光伏", None, "风电", "光伏", float("nan"), pd.NA, "风电", None, " 光伏 "]
    assert list(each_distinct(texts, fn)) == [fn(v) for v in texts]
    calls.clear()
    each_distinct(texts * 1000, fn)
    assert len(calls) == 6  # three texts, three kinds of blank
    mixed = [1, 1.0, True, "1", None, 2, 1]
    assert list(each_distinct(mixed, fn)) == [fn(v) for v in mixed]
    assert list(each_distinct(pd.Series(["a", None], dtype="str"), repr)) == ["'a'", "nan"]


def test_pd_na_is_blank():
    frame = gpd.GeoDataFrame({"name": pd.Series([pd.NA, "站"], dtype=object),
                              "type": ["pv", pd.NA]},
                             geometry=[shapely.box(0, 0, 1, 1)] * 2, crs=4545)
    out = normalize_projects(frame)
    assert list(out["name"]) == ["", "站"]
    assert "<NA>" not in out.loc[1, "error"] and "no project type" in out.loc[1, "error"]
