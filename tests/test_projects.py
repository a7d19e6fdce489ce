"""Project attributes: canonical and Chinese headers, validation, generated ids, 两高."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo.projects import ALLOWED_ACTIVITIES, TYPES, normalize_projects
from layers.errors import InputError


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
    assert list(out["capacity_replacement"]) == [False, True]
    assert list(out["error"]) == ["", ""]


def test_generated_ids_are_stable_and_given_ids_kept():
    rows = [{"type": "pv"}, {"type": "wind"}]
    a, b = normalize_projects(frame(rows)), normalize_projects(frame(rows))
    assert list(a["project_id"]) == ["P0001", "P0002"] == list(b["project_id"])
    given = normalize_projects(frame([{"项目编号": "X-1", "type": "pv"},
                                      {"项目编号": None, "type": "pv"}]))
    assert list(given["project_id"]) == ["X-1", "P0002"]


def test_duplicate_ids_are_errors_for_the_later_row():
    out = normalize_projects(frame([{"project_id": "A", "type": "pv"},
                                    {"project_id": "A", "type": "pv"}]))
    assert out["error"].iloc[0] == ""
    assert "duplicate project_id 'A'" in out["error"].iloc[1]


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
