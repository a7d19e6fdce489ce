"""Admin codes and provinces of geometries (layers.regions)."""

from __future__ import annotations

import shapely
from _screen_helpers import box, to_lonlat, write_catalog

from layers.catalog import load_catalog
from layers.regions import admin_codes_at, province_code, province_label


def test_province_code_from_codes_and_names():
    assert province_code("520102") == "52"
    assert province_code(52) == "52"
    assert province_code("贵州省") == province_code("贵州") == province_code("Guizhou") == "52"
    assert province_code("内蒙古") == "15"
    assert province_code("99") == province_code("Atlantis") == province_code(None) == ""
    assert province_label("52", "zh") == "贵州省"


def test_admin_code_by_largest_share_then_region(tmp_path):
    cat_path = write_catalog(tmp_path, {"admin": ("admin_boundary", [
        {"geometry": box(0, 0, 1000, 1000), "admin_code": "520102", "name": "A"},
        {"geometry": box(1000, 0, 2000, 1000), "admin_code": "520103", "name": "B"}])})
    cat = load_catalog(cat_path)
    crs = cat.working_crs
    geoms = to_lonlat([box(100, 100, 1300, 300), box(1500, 100, 1900, 900),
                       box(5000, 5000, 5100, 5100)]).to_crs(crs).values
    table = admin_codes_at(cat, list(geoms) + [None], crs)
    assert table["admin_code"].tolist() == ["520102", "520103", "", ""]
    assert table["province"].tolist() == ["52", "52", "", ""]
    cat.region["province"] = "贵州省"
    table = admin_codes_at(cat, list(geoms) + [shapely.Point()], crs)
    assert table["how"].tolist() == ["admin_boundary", "admin_boundary", "region", ""]
    assert table["province"].tolist() == ["52", "52", "52", ""]
