"""Catalogs: validation messages, column and value mapping, typed attributes, working CRS."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from layers.catalog import load_catalog
from layers.errors import CatalogError, InputError


@pytest.fixture
def region(tmp_path):
    units = gpd.GeoDataFrame(
        {"编码": ["ZH52011110001", "ZH52011120001", "ZH52011130001"],
         "类别": ["优先保护", "重点管控", "一般管控"],
         "禁止行业": ["", "steel;cement_clinker、chemical", None]},
        geometry=[shapely.box(106.60 + 0.05 * i, 26.5, 106.65 + 0.05 * i, 26.55) for i in range(3)],
        crs="EPSG:4490",
    )
    units.to_file(tmp_path / "units.geojson")
    parks = gpd.GeoDataFrame(
        {"name": ["开阳化工园"], "admitted_industries": ["chemical,phosphorus_chemical"],
         "planning_eia": ["是"]},
        geometry=[shapely.box(106.9, 27.0, 106.95, 27.05)], crs="EPSG:4326")
    parks.to_file(tmp_path / "parks.gpkg")
    return tmp_path


CATALOG = """
[region]
name = "test"

[[layer]]
id = "units"
kind = "control_unit"
path = "units.geojson"
columns = { unit_code = "编码", unit_type = "类别", prohibited_industries = "禁止行业" }
values = { unit_type = { "优先保护" = "priority", "重点管控" = "key", "一般管控" = "general" } }
source = "测试 test"
date = "2024-06"

[[layer]]
id = "parks"
kind = "industrial_park"
path = "parks.gpkg"
source = "test"
date = 2023
"""


def _write(tmp_path, text, name="catalog.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_columns_values_lists_and_defaults(region):
    cat = load_catalog(_write(region, CATALOG))
    units = cat.read("units").gdf
    assert list(units["unit_type"]) == ["priority", "key", "general"]
    assert list(units["unit_code"]) == ["ZH52011110001", "ZH52011120001", "ZH52011130001"]
    assert units["prohibited_industries"].iloc[1] == ["steel", "cement_clinker", "chemical"]
    assert units["prohibited_industries"].iloc[2] == []
    assert list(units["id"]) == ["1", "2", "3"] and list(units["spatial_layout"]) == [""] * 3
    parks = cat.read("parks").gdf
    assert parks["admitted_industries"].iloc[0] == ["chemical", "phosphorus_chemical"]
    assert parks["planning_eia"].iloc[0] is True and parks["level"].iloc[0] == "other"
    assert cat.spec("parks").date == "2023"
    assert cat.read("units").usable and cat.has_kind("control_unit")
    assert cat.working_crs.is_projected
    assert cat.read("units").gdf.crs == cat.working_crs == cat.read("parks").gdf.crs
    assert [d.spec.id for d in cat.layers_of("industrial_park")] == ["parks"]


@pytest.mark.parametrize("change,expected", [
    (("kind = \"control_unit\"", "kind = \"control_units\""),
     "layer 'units', key 'kind': unknown layer kind 'control_units'; expected one of:"),
    (("date = \"2024-06\"", "date = \"June 2024\""), "layer 'units', key 'date': expected a date"),
    (("source = \"测试 test\"", "sauce = \"x\""), "layer 'units', key 'sauce': unknown key"),
    (("path = \"units.geojson\"", "path = \"nope.geojson\""),
     "layer 'units', key 'path': file not found"),
    (("id = \"parks\"", "id = \"units\""), "layer 'units', key 'id': duplicate id"),
    (("columns = { unit_code", "columns = { unit_kode"),
     "attribute of kind control_unit 'unit_kode'"),
    (("path = \"parks.gpkg\"", "path = \"parks.gpkg\"\ncrs = \"EPSG:99999\""),
     "layer 'parks', key 'crs'"),
    (("id = \"parks\"\n", ""), "layer #2, key 'id': required key is missing"),
])
def test_bad_catalogs_name_file_layer_and_key(region, change, expected):
    path = _write(region, CATALOG.replace(*change))
    with pytest.raises(CatalogError) as info:
        load_catalog(path)
    assert str(path) in str(info.value)
    assert expected in str(info.value)
    assert isinstance(info.value, InputError)


def test_not_toml(region):
    with pytest.raises(CatalogError, match=r"line 1, column \d+: not valid TOML"):
        load_catalog(_write(region, "[[layer]\nid="))


def test_raster_units_must_match_kind(region):
    (region / "ghi.tif").write_bytes(b"")
    text = CATALOG + '\n[[raster]]\nid = "ghi"\nkind = "ghi"\npath = "ghi.tif"\nunits = "W/m2"\n'
    with pytest.raises(CatalogError, match=r"raster 'ghi', key 'units'.*kWh/m²/yr"):
        load_catalog(_write(region, text))
    ok = text.replace('units = "W/m2"', 'units = "kWh/m2/yr"')
    cat = load_catalog(_write(region, ok))
    assert [s.kind for s in cat.rasters] == ["ghi"]
    with pytest.raises(InputError, match="raster 'ghi' is unusable: .*cannot read"):
        cat.raster("ghi")  # an empty file is no raster
    assert cat.raster("dem") is None


def test_missing_fact_column_is_unknown_not_unusable(region):
    text = CATALOG.replace(', unit_type = "类别"', "")
    data = load_catalog(_write(region, text)).read("units")
    assert data.usable and list(data.gdf["unit_type"]) == [None] * 3
    problem = next(p for p in data.problems if p.code == "missing_attribute")
    assert problem.severity == "warning" and problem.feature is None
    assert "unit_type" in problem.message and "columns = { unit_type" in problem.message
    assert "defaults = { unit_type" in problem.message
    assert data.gdf["_unknown"].iloc[0]["unit_type"] == (
        "column 'unit_type' is not in the source: map it with columns = { unit_type = \"...\" } "
        "or state defaults = { unit_type = \"...\" }")


def test_bad_value_mapping_is_a_catalog_error(region):
    text = CATALOG.replace('"一般管控" = "general"', '"一般管控" = "ordinary"')
    with pytest.raises(CatalogError, match=r"layer 'units', key 'values.unit_type.一般管控': "
                                           r"'ordinary': unknown unit_type value 'ordinary'"):
        load_catalog(_write(region, text))


def test_unmapped_value_is_unknown_with_a_feature_warning(region):
    text = CATALOG.replace(', "一般管控" = "general"', "")
    data = load_catalog(_write(region, text)).read("units")
    assert data.usable and list(data.gdf["unit_type"]) == ["priority", "key", None]
    (bad,) = [p for p in data.problems if p.code == "bad_value"]
    assert bad.feature == "3" and bad.severity == "warning"
    reason = ("unit_type '一般管控' is not mapped (expected priority, key, general): map it in "
              "the catalog's values = { unit_type = { \"一般管控\" = \"...\" } }")
    assert reason in bad.message
    assert [u.get("unit_type") for u in data.gdf["_unknown"]] == [None, None, reason]


def test_unmapped_value_warns_once_per_value_naming_its_features(tmp_path):
    """Review 30 LOW 10: ten units with one unmapped type printed ten identical warnings."""
    codes = [f"ZH5201{i:02d}30001" for i in range(10)]
    gpd.GeoDataFrame({"编码": codes, "类别": ["一般管控单元"] * 9 + ["重点"]},
                     geometry=[shapely.box(106.6 + 0.01 * i, 26.5, 106.605 + 0.01 * i, 26.505)
                               for i in range(10)], crs="EPSG:4490").to_file(
        tmp_path / "units.geojson")
    text = CATALOG.split("[[layer]]\nid = \"parks\"")[0]
    data = load_catalog(_write(tmp_path, text)).read("units")
    bad = [p for p in data.problems if p.code == "bad_value"]
    assert len(bad) == 2
    many = next(p for p in bad if "一般管控单元" in p.message)
    assert many.feature is None and "9 features (1, 2, 3, 4, 5 and 4 more): unit_type " \
        "'一般管控单元' is not mapped" in many.message
    assert "9 个要素（1, 2, 3, 4, 5 等另 4 个）：管控单元类别" in many.message
    one = next(p for p in bad if "'重点'" in p.message)
    assert one.feature == "10"
    assert all(u.get("unit_type") for u in data.gdf["_unknown"])  # every unit still unknown


def test_source_without_crs_needs_catalog_crs(region):
    import pyogrio

    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.box(500000, 2900000, 501000,
                                                                  2901000)])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, region / "nocrs.shp")
    text = '[[layer]]\nid = "farm"\nkind = "basic_farmland"\npath = "nocrs.shp"\n'
    cat = load_catalog(_write(region, text))
    with pytest.raises(InputError, match='crs = "EPSG:'):
        cat.read("farm")
    cat = load_catalog(_write(region, text + 'crs = "EPSG:4544"\n'))
    assert cat.read("farm").gdf.area.iloc[0] == pytest.approx(1e6, rel=1e-3)
    assert cat.read("farm").source_crs.to_epsg() == 4544
