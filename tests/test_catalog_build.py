"""A catalog for a folder of the user's own shapefiles, written by ``catalog_from_folder``."""

from __future__ import annotations

import geopandas as gpd
import pytest
from _screen_helpers import box, projects, to_lonlat

from geo.screen import screen
from layers.catalog import load_catalog
from layers.catalog_build import catalog_from_folder
from layers.errors import CatalogError


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "我的数据"
    data.mkdir()
    red = gpd.GeoDataFrame({"HXMC": ["红线一"]}, geometry=to_lonlat([box(0, 0, 500, 500)]).values,
                           crs=4326).to_crs(4545)
    red.to_file(data / "生态保护红线.shp", encoding="GBK")
    farm = gpd.GeoDataFrame({"name": ["农田"]}, geometry=to_lonlat([box(1000, 0, 1500, 500)])
                            .values, crs=4326)
    farm.to_file(data / "farmland.geojson", driver="GeoJSON")
    return data


def test_catalog_names_the_files_and_screens(folder):
    path = catalog_from_folder(folder, {
        "生态保护红线.shp": {"kind": "ecological_red_line", "encoding": "GBK",
                         "columns": {"name": "HXMC"}, "source": "省厅", "date": "2024-06"},
        "farmland": "basic_farmland"}, region={"name": "测试县", "province": "贵州省"})
    assert path == folder / "catalog.toml"
    cat = load_catalog(path)
    assert [s.kind for s in cat.layers] == ["ecological_red_line", "basic_farmland"]
    assert cat.layers[1].path.endswith("farmland.geojson")
    assert cat.region["province"] == "贵州省"
    result, hits = screen(projects([{"type": "pv", "geometry": box(100, 100, 200, 200)},
                                    {"type": "pv", "geometry": box(1100, 100, 1200, 200)}]),
                          cat)
    assert list(result["verdict"]) == ["prohibited", "prohibited"]
    red = hits[hits["rule_id"] == "red_line"]
    assert list(red["feature_name"]) == ["红线一"]  # GBK text read through the catalog


def test_refuses_to_overwrite_and_names_what_is_wrong(folder):
    catalog_from_folder(folder, {"farmland": "basic_farmland"})
    with pytest.raises(CatalogError, match="exists"):
        catalog_from_folder(folder, {"farmland": "basic_farmland"})
    catalog_from_folder(folder, {"farmland": "basic_farmland"}, overwrite=True)
    with pytest.raises(CatalogError, match="farmland.geojson"):  # lists what the folder holds
        catalog_from_folder(folder, {"red.shp": "ecological_red_line"}, overwrite=True)
    with pytest.raises(CatalogError, match="keys colour"):
        catalog_from_folder(folder, {"farmland": {"kind": "basic_farmland", "colour": "red"}},
                            overwrite=True)
    with pytest.raises(CatalogError, match="unknown_kind|not a known|kind"):
        catalog_from_folder(folder, {"farmland": "unknown_kind"}, overwrite=True)


def test_rasters_become_raster_entries(folder):
    import shutil

    from layers.demo import DEMO_DIR

    shutil.copy(DEMO_DIR / "ghi.tif", folder / "ghi.tif")
    path = catalog_from_folder(folder, {"farmland": "basic_farmland",
                                        "ghi.tif": {"kind": "ghi", "units": "kWh/m2/yr"}})
    cat = load_catalog(path)
    assert [r.kind for r in cat.rasters] == ["ghi"] and cat.rasters[0].units == "kWh/m2/yr"
    assert "[[raster]]" in path.read_text(encoding="utf-8")
