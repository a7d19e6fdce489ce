"""Readers: every vector format, encodings, refusals, geometry hygiene."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers.errors import CRSError, EncodingGuessWarning, InputError, ReadError
from layers.hygiene import clean_geometries
from layers.read import detect_dbf_encoding, read_vector

NAMES = ["红线一号", "基本农田", "开阳磷化工园区"]


@pytest.fixture
def gdf():
    return gpd.GeoDataFrame(
        {"name": NAMES, "code": ["a", "b", "c"]},
        geometry=[shapely.box(106.6 + i * 0.01, 26.5, 106.605 + i * 0.01, 26.505) for i in range(3)],
        crs="EPSG:4490",
    )


@pytest.mark.parametrize("suffix,driver", [
    (".gpkg", "GPKG"), (".shp", "ESRI Shapefile"), (".geojson", "GeoJSON"),
    (".fgb", "FlatGeobuf"), (".kml", "KML"),
])
def test_formats_round_trip(tmp_path, gdf, suffix, driver):
    path = tmp_path / f"layer{suffix}"
    src = gdf.to_crs(4326) if driver == "KML" else gdf
    pyogrio.write_dataframe(src, path, driver=driver)
    out, problems = read_vector(path)
    # FlatGeobuf stores features in its spatial index's order
    assert sorted(out["name" if driver != "KML" else "Name"]) == sorted(NAMES)
    assert len(out) == 3 and out.crs is not None
    assert not [p for p in problems if p.severity == "error"]


def test_geoparquet(tmp_path, gdf):
    path = tmp_path / "layer.parquet"
    gdf.to_parquet(path)
    out, _ = read_vector(path)
    assert list(out["name"]) == NAMES and out.crs == gdf.crs


def test_kmz(tmp_path, gdf):
    kml = tmp_path / "doc.kml"
    pyogrio.write_dataframe(gdf.to_crs(4326), kml, driver="KML")
    kmz = tmp_path / "layer.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
    out, _ = read_vector(kmz)
    assert list(out["Name"]) == NAMES


def test_shapefile_in_zip_with_cpg(tmp_path, gdf):
    shp = tmp_path / "red.shp"
    pyogrio.write_dataframe(gdf, shp, encoding="UTF-8")
    assert shp.with_suffix(".cpg").exists()
    archive = tmp_path / "red.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in tmp_path.glob("red.*"):
            if f.suffix != ".zip":
                zf.write(f, f"data/{f.name}")
    out, problems = read_vector(archive)
    assert list(out["name"]) == NAMES and not problems


def _gbk_shapefile_without_cpg(tmp_path, gdf, inside_zip=False):
    shp = tmp_path / "gbk.shp"
    pyogrio.write_dataframe(gdf, shp, encoding="GBK")
    shp.with_suffix(".cpg").unlink(missing_ok=True)
    dbf = shp.with_suffix(".dbf")
    raw = bytearray(dbf.read_bytes())
    raw[29] = 0  # no language driver id, as many exported files have
    dbf.write_bytes(bytes(raw))
    if not inside_zip:
        return shp
    archive = tmp_path / "gbk.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in tmp_path.glob("gbk.*"):
            if f.suffix != ".zip":
                zf.write(f, f.name)
    return archive


@pytest.mark.parametrize("inside_zip", [False, True])
def test_gbk_shapefile_without_cpg_is_detected(tmp_path, gdf, inside_zip):
    path = _gbk_shapefile_without_cpg(tmp_path, gdf, inside_zip)
    with pytest.warns(EncodingGuessWarning, match="GB18030"):
        out, problems = read_vector(path)
    assert list(out["name"]) == NAMES
    assert [p.code for p in problems] == ["encoding"]


def test_declared_encoding_wins(tmp_path, gdf):
    path = _gbk_shapefile_without_cpg(tmp_path, gdf)
    out, problems = read_vector(path, encoding="GBK")
    assert list(out["name"]) == NAMES and not problems


def test_detect_dbf_encoding_ascii_and_utf8(tmp_path, gdf):
    for enc, expected in [("UTF-8", "UTF-8")]:
        shp = tmp_path / f"{enc}.shp"
        pyogrio.write_dataframe(gdf, shp, encoding=enc)
        raw = bytearray(shp.with_suffix(".dbf").read_bytes())
        raw[29] = 0
        assert detect_dbf_encoding(bytes(raw)) == expected
    ascii_gdf = gdf.assign(name=["a", "b", "c"])
    pyogrio.write_dataframe(ascii_gdf, tmp_path / "ascii.shp")
    assert detect_dbf_encoding((tmp_path / "ascii.dbf").read_bytes()) is None


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_no_crs_is_refused_with_the_key_to_add(tmp_path, gdf):
    shp = tmp_path / "nocrs.shp"
    pyogrio.write_dataframe(gdf.set_crs(None, allow_override=True), shp)
    with pytest.raises(CRSError, match=r'crs = "EPSG:'):
        read_vector(shp)
    out, _ = read_vector(shp, crs="EPSG:4490")
    assert out.crs.to_epsg() == 4490


def test_declared_crs_does_not_override_source(tmp_path, gdf):
    path = tmp_path / "a.gpkg"
    gdf.to_file(path)
    out, problems = read_vector(path, crs="EPSG:4326")
    assert out.crs.to_epsg() == 4490
    assert [p.code for p in problems] == ["crs"]


@pytest.mark.parametrize("content,match", [
    (None, "file not found"),
    (b"this is not a geopackage", "cannot open"),
])
def test_unreadable_files(tmp_path, content, match):
    path = tmp_path / "broken.gpkg"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ReadError, match=match) as info:
        read_vector(path)
    assert isinstance(info.value, InputError) and "broken.gpkg" in str(info.value)


def test_multi_layer_file_needs_a_layer_name(tmp_path, gdf):
    path = tmp_path / "multi.gpkg"
    gdf.to_file(path, layer="a")
    gdf.to_file(path, layer="b")
    with pytest.raises(ReadError, match="several layers"):
        read_vector(path)
    with pytest.raises(ReadError, match="no layer 'c'"):
        read_vector(path, layer="c")
    assert len(read_vector(path, layer="b")[0]) == 3


def test_hygiene_repairs_reports_and_keeps_every_row():
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    z_poly = shapely.Polygon([(0, 0, 5), (1, 0, 5), (1, 1, 5)])
    gdf = gpd.GeoDataFrame({"id": ["ok", "bow", "null", "empty", "z"]}, geometry=[
        shapely.box(0, 0, 1, 1), bowtie, None, shapely.Polygon(), z_poly], crs=4547)
    out, problems = clean_geometries(gdf, "t")
    assert len(out) == 5 and list(out["id"]) == list(gdf["id"])
    codes = {(p.feature, p.code) for p in problems}
    assert {("bow", "repaired"), ("null", "null"), ("empty", "empty"), (None, "z_dropped")} <= codes
    assert out.geometry.iloc[1].is_valid and out.geometry.iloc[1].geom_type in (
        "Polygon", "MultiPolygon")
    assert out.geometry.iloc[1].area == pytest.approx(0.5)
    assert not shapely.has_z(out.geometry.iloc[4])
    assert "Self-intersection" in next(p.message for p in problems if p.code == "repaired")
