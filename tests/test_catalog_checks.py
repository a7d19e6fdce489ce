"""One validation path: geometry types, CRS against coordinates and raster values, in the catalog."""

from __future__ import annotations

import dataclasses
import json
import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from rasterio.transform import from_origin
from siting_fixtures import write_raster

from layers.catalog import load_catalog
from layers.errors import CRSError, InputError, halves
from layers.hygiene import geometry_type_problems
from layers.kinds import _geometries, get_kind
from layers.rasters import SAMPLE_PIXELS, sample_values

LONLAT = [shapely.box(106.60, 26.50, 106.61, 26.51), shapely.box(106.62, 26.50, 106.63, 26.51)]


def _catalog(folder, path, kind="ecological_red_line", extra=""):
    text = f'[[layer]]\nid = "red"\nkind = "{kind}"\npath = "{path}"\n{extra}\n'
    (folder / "catalog.toml").write_text(text, encoding="utf-8")
    return load_catalog(folder / "catalog.toml")


def _shapefile_without_prj(folder, geoms, name="nocrs.shp"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gpd.GeoDataFrame({"name": ["a"] * len(geoms)}, geometry=geoms),
                                folder / name)
    return name


# --- geometry types ------------------------------------------------------------------------

def test_points_declared_as_red_line_are_unusable(tmp_path):
    gpd.GeoDataFrame({"id": ["a", "b", "c"]},
                     geometry=[shapely.Point(106.6, 26.5), shapely.Point(106.7, 26.6),
                               LONLAT[0]], crs=4490).to_file(tmp_path / "pts.gpkg")
    data = _catalog(tmp_path, "pts.gpkg").read("red")
    assert not data.usable
    (p,) = [p for p in data.problems if p.code == "geometry_type"]
    assert p.feature is None and p.severity == "error"
    assert "layer 'red' (pts.gpkg): 2 of 3 features are not polygon" in p.message
    assert "2 Point" in p.message and "features a, b" in p.message


def test_kinds_may_accept_several_geometry_types():
    assert _geometries("river", ["line", "polygon"]) == ("line", "polygon")
    assert _geometries("road", "line") == ("line",)
    with pytest.raises(InputError, match="geometry type"):
        _geometries("x", ["line", "circle"])
    river = dataclasses.replace(get_kind("river"), geometries=("line", "polygon"))
    frame = gpd.GeoDataFrame({"id": ["1", "2", "3"]},
                             geometry=[shapely.LineString([(0, 0), (1, 1)]), LONLAT[0],
                                       shapely.Point(0, 0)])
    assert geometry_type_problems(frame.iloc[:2], river, "rivers") == []
    (p,) = geometry_type_problems(frame, river, "rivers")
    assert "1 of 3 features are not line or polygon as kind river expects (1 Point" in p.message


def test_screen_does_not_use_what_siting_layers_refuses(tmp_path):
    from geo.screen import screen

    gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(106.605, 26.505)],
                     crs=4490).to_file(tmp_path / "pts.gpkg")
    cat = _catalog(tmp_path, "pts.gpkg")
    projects = gpd.GeoDataFrame({"name": ["on it"], "type": ["pv"]},
                                geometry=[LONLAT[0]], crs=4490)
    result, hits = screen(projects, cat, lang="en")
    assert result["verdict"].iloc[0] == "review"
    assert "layer ecological_red_line unusable (red: see its problems)" in result.attrs["missing"]
    assert [i["usable"] for i in result.attrs["layers"]] == [False]
    red = hits[hits["rule_id"].str.contains("red_line")]
    assert len(red) and (red["outcome"] == "review").all()


# --- CRS against coordinates ---------------------------------------------------------------

def test_lonlat_declared_as_gauss_kruger_is_refused(tmp_path):
    name = _shapefile_without_prj(tmp_path, LONLAT)
    cat = _catalog(tmp_path, name, extra='crs = "EPSG:4544"')
    with pytest.raises(CRSError) as info:
        cat.read("red")
    msg = halves(info.value)[0]  # the English half
    assert msg.startswith("catalog.toml, layer 'red' (nocrs.shp): the coordinates (x 106.6…106.63")
    assert "do not fit EPSG:4544" in msg and "they look like longitude/latitude degrees" in msg
    assert msg.endswith("The CRS declared for it ('EPSG:4544') is wrong: crs = \"EPSG:4490\" in "
                        "its catalog entry")


@pytest.mark.parametrize("x0,expected", [
    (36_512_000, 'crs = "EPSG:4524"'),          # 8-digit eastings: zone 36 (CM 108E)
    (512_000, "without zone number (6-digit eastings): give the CRS with their central "
              "meridian; the numbers do not tell the zone, e.g. EPSG:4544 (CGCS2000 / 3-degree "
              "Gauss-Kruger CM 105E) or EPSG:4545 (CGCS2000 / 3-degree Gauss-Kruger CM 108E)"),
])
def test_metres_declared_as_lonlat_are_refused(tmp_path, x0, expected):
    name = _shapefile_without_prj(tmp_path, [shapely.box(x0, 2945000, x0 + 200, 2945200)])
    cat = _catalog(tmp_path, name, extra='crs = "EPSG:4490"')
    with pytest.raises(CRSError, match="do not fit EPSG:4490") as info:
        cat.read("red")
    assert expected in str(info.value)


def _geojson(path, coords, crs=None):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "r1"},
         "geometry": {"type": "Polygon", "coordinates": [coords]}}]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path.name


GK = [[36512000, 2945000], [36512200, 2945000], [36512200, 2945200], [36512000, 2945000]]


def test_geojson_in_metres_without_crs_member(tmp_path):
    name = _geojson(tmp_path / "gk.geojson", GK)
    with pytest.raises(CRSError) as info:
        _catalog(tmp_path, name).read("red")
    msg = halves(info.value)[0]
    assert 'a GeoJSON without a "crs" member is longitude/latitude (WGS84, RFC 7946)' in msg
    assert "zone number 36: EPSG:4524" in msg
    assert msg.endswith('Say which CRS the file is in: crs = "EPSG:4524" in its catalog entry')
    data = _catalog(tmp_path, name, extra='crs = "EPSG:4524"').read("red")  # the fix works
    assert data.usable and data.source_crs.to_epsg() == 4524
    assert data.gdf.area.iloc[0] == pytest.approx(20000, rel=2e-3)


def test_geojson_naming_an_unknown_crs_is_refused(tmp_path):
    name = _geojson(tmp_path / "bad.geojson", [[106.6, 26.5], [106.61, 26.5], [106.61, 26.51],
                                               [106.6, 26.5]], crs="EPSG:99999")
    with pytest.raises(CRSError, match="the GeoJSON's \"crs\" member: 'EPSG:99999' is not a CRS"):
        _catalog(tmp_path, name).read("red")
    good = _geojson(tmp_path / "good.geojson", GK, crs="urn:ogc:def:crs:EPSG::4524")
    assert _catalog(tmp_path, good).read("red").source_crs.to_epsg() == 4524


def test_embedded_wrong_crs_is_refused(tmp_path):
    gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=LONLAT, crs=4544).to_file(tmp_path / "w.gpkg")
    with pytest.raises(CRSError) as info:
        _catalog(tmp_path, "w.gpkg").read("red")
    assert "The file itself declares this CRS and it is wrong" in str(info.value)
    assert "ogr2ogr -a_srs EPSG:4490" in str(info.value)


def test_one_feature_that_cannot_be_placed_makes_the_layer_unusable(tmp_path):
    far = shapely.box(26.5, 106.6, 26.51, 106.61)  # lat/lon swapped: latitude 106.6
    gpd.GeoDataFrame({"id": ["a", "b", "c"]}, geometry=[*LONLAT, far],
                     crs=4490).to_file(tmp_path / "x.gpkg")
    data = _catalog(tmp_path, "x.gpkg").read("red")
    assert not data.usable and data.gdf.geometry.isna().tolist() == [False, False, True]
    layer = [p for p in data.problems if p.code == "bad_coordinates" and p.feature is None]
    assert "1 feature(s) cannot be placed (c)" in layer[0].message
    (feature,) = [p for p in data.problems if p.feature == "c"]
    assert "longitude and latitude look swapped" in feature.message


# --- rasters -------------------------------------------------------------------------------

def _rasters(folder, values, kind="ghi", units="kWh/m²/yr", nodata=None, crs="EPSG:4490"):
    write_raster(folder / "r.tif", values, from_origin(106.6, 26.6, 0.001, 0.001), crs,
                 nodata=nodata)
    gpd.GeoDataFrame({"id": ["a"]}, geometry=LONLAT[:1], crs=4490).to_file(folder / "l.gpkg")
    text = (f'[[layer]]\nid = "red"\nkind = "ecological_red_line"\npath = "l.gpkg"\n'
            f'[[raster]]\nid = "r"\nkind = "{kind}"\npath = "r.tif"\nunits = "{units}"\n')
    (folder / "catalog.toml").write_text(text, encoding="utf-8")
    return load_catalog(folder / "catalog.toml")


def test_wind_speed_given_as_ghi_is_refused(tmp_path):
    wind = np.linspace(3.1, 7.9, 100 * 120).reshape(100, 120)
    cat = _rasters(tmp_path, wind)
    with pytest.raises(InputError) as info:
        cat.raster("ghi")
    assert ("raster 'r' (r.tif): values 3.1–7.9 look like mean wind speed at 100 m in m/s or "
            "daily GHI in kWh/m²/day (×365 gives kWh/m²/yr), not global horizontal irradiation "
            "in kWh/m²/yr (expected 500–3000 kWh/m²/yr)") in str(info.value)
    (p,) = cat.raster_problems("r")
    assert p.code == "implausible_values" and p.severity == "error"


def test_plausible_raster_and_undeclared_nodata(tmp_path):
    dem = np.full((50, 60), 1200.0)
    dem[:20] = -9999.0  # nodata not declared in the file
    cat = _rasters(tmp_path, dem, kind="dem", units="m")
    with pytest.raises(InputError, match="look like an undeclared nodata value"):
        cat.raster("dem")
    cat = _rasters(tmp_path, dem, kind="dem", units="m", nodata=-9999.0)
    assert cat.raster("dem").id == "r" and cat.raster_problems("r") == []
    cat = _rasters(tmp_path, np.full((5, 5), np.nan), kind="dem", units="m")
    with pytest.raises(InputError, match="no valid pixel"):
        cat.raster("dem")


def test_raster_without_crs_or_outside_it(tmp_path):
    cat = _rasters(tmp_path, np.full((5, 5), 1200.0), crs=None)
    with pytest.raises(CRSError, match="has no CRS"):
        cat.raster("ghi")
    cat = _rasters(tmp_path, np.full((5, 5), 1200.0), crs="EPSG:4544")  # lon/lat grid as GK
    with pytest.raises(CRSError, match="outside the area where EPSG:4544"):
        cat.raster("ghi")


def test_values_are_sampled_not_read_whole(tmp_path):
    big = np.tile(np.linspace(1000, 1500, 2000), (1500, 1))
    path = write_raster(tmp_path / "big.tif", big, from_origin(106, 27, 1e-4, 1e-4), "EPSG:4490")
    values = sample_values(path)
    assert 0.5 * SAMPLE_PIXELS < values.size <= SAMPLE_PIXELS < big.size
    assert values.min() >= 1000 and values.max() <= 1500
