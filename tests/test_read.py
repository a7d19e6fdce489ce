"""Readers: every vector format, encodings, refusals, geometry hygiene."""

from __future__ import annotations

import warnings
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


# --- fail closed: what the reader refuses and what it notices (issue 8) ---------------------

def _feature_collection(path, features):
    import json

    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features
    ]}), encoding="utf-8")
    return path


SQUARE = [[106.6, 26.5], [106.61, 26.5], [106.61, 26.51], [106.6, 26.51], [106.6, 26.5]]


def test_unclosed_ring_in_a_layer_names_the_feature(tmp_path):
    path = _feature_collection(tmp_path / "red.geojson", [
        ({"id": "A"}, {"type": "Polygon", "coordinates": [SQUARE]}),
        ({"id": "B"}, {"type": "Polygon", "coordinates": [SQUARE[:-1]]})])
    with pytest.raises(ReadError) as info:
        read_vector(path, what="layer 'red'")
    assert "layer 'red': cannot read" in str(info.value)
    assert ("feature B: ring 1 is not closed (first point [106.6, 26.5], last point "
            "[106.6, 26.51]): repeat the first point at the end; fix these features"
            ) in str(info.value)


def test_kml_without_placemarks_has_no_features(tmp_path):
    path = tmp_path / "empty.kml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/'
                    'kml/2.2"><Document><name>x</name></Document></kml>', encoding="utf-8")
    with pytest.raises(ReadError, match=r"empty.kml: no features \(the file holds no layer"):
        read_vector(path)


def test_shapefile_without_dbf_or_shx(tmp_path, gdf):
    gdf.to_file(tmp_path / "a.shp")
    (tmp_path / "a.dbf").unlink()
    out, problems = read_vector(tmp_path / "a.shp")
    assert len(out) == 3
    assert [p.code for p in problems if p.code == "no_dbf"] == ["no_dbf"]
    gdf.to_file(tmp_path / "b.shp")
    (tmp_path / "b.shx").unlink()
    with pytest.raises(ReadError, match=r"the shapefile's .shx index file is missing"):
        read_vector(tmp_path / "b.shp")


def test_reader_warnings_become_problems(tmp_path):
    path = _feature_collection(tmp_path / "mixed.geojson", [
        ({"a": 1}, {"type": "Point", "coordinates": [106.6, 26.5]}),
        ({"a": "x"}, {"type": "Point", "coordinates": [106.6, 26.5]})])
    out, problems = read_vector(path)
    (p,) = [p for p in problems if p.code == "gdal"]
    assert "the reader (GDAL) warned: Could not parse column 'a'" in p.message


def test_legacy_datum_is_a_problem(tmp_path, gdf):
    gdf.to_crs(2381).to_file(tmp_path / "xian80.gpkg")  # Xian 1980 / 3-degree GK CM 108E
    out, problems = read_vector(tmp_path / "xian80.gpkg")
    (p,) = [p for p in problems if p.code == "datum"]
    assert "EPSG:2381" in p.message and "ballpark" in p.message and p.severity == "warning"


def test_hints_name_the_fix_on_the_command(tmp_path, gdf):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf.to_crs(4544).set_crs(None, allow_override=True),
                                tmp_path / "nocrs.shp")
    hints = {"crs": "--crs EPSG:4544", "layer": "--layer NAME"}
    with pytest.raises(CRSError, match=r"Say which CRS it is in: --crs EPSG:4544") as info:
        read_vector(tmp_path / "nocrs.shp", hints=hints)
    assert "catalog" not in str(info.value)
    with pytest.raises(CRSError, match=r'6-digit eastings.*crs = "EPSG:4544" in its catalog '
                       r'entry'):  # what the numbers look like, in the catalog's words
        read_vector(tmp_path / "nocrs.shp")
    path = tmp_path / "two.gpkg"
    gdf.to_file(path, layer="a")
    gdf.to_file(path, layer="b")
    with pytest.raises(ReadError, match=r"say which one with --layer NAME / "):
        read_vector(path, hints=hints)


def test_a_wrong_encoding_setting_names_the_fix(tmp_path):
    """Review 30 LOW 10: encoding = "UTF-8" on a GBK shapefile said only 'cannot read'."""
    from layers.errors import ReadError

    gdf = gpd.GeoDataFrame({"名称": ["永久基本农田甲"]}, geometry=[shapely.box(106.6, 26.5, 106.7, 26.6)],
                           crs="EPSG:4490")
    gdf.to_file(tmp_path / "j.shp", encoding="GB18030")
    (tmp_path / "j.cpg").unlink(missing_ok=True)
    with pytest.raises(ReadError) as err:
        read_vector(tmp_path / "j.shp", encoding="UTF-8")
    msg = str(err.value)
    assert "cannot read its attribute text as UTF-8" in msg
    assert "remove the encoding setting" in msg and "GB18030" in msg and "无法按 UTF-8" in msg
    assert read_vector(tmp_path / "j.shp", encoding="GB18030")[0]["名称"].iloc[0] == "永久基本农田甲"


def test_a_fix_hint_reads_in_chinese_in_the_chinese_half(tmp_path):
    """Review 30 LOW 10: the .cpg warning's Chinese half said 'in its catalog entry'."""
    from layers.errors import halves

    gdf = gpd.GeoDataFrame({"名称": ["永久基本农田甲"]},
                           geometry=[shapely.box(106.6, 26.5, 106.7, 26.6)], crs="EPSG:4490")
    gdf.to_file(tmp_path / "j.shp", encoding="GB18030")
    (tmp_path / "j.cpg").unlink(missing_ok=True)
    with pytest.warns(EncodingGuessWarning) as caught:
        read_vector(tmp_path / "j.shp")
    en, zh = halves(str(caught[0].message))
    assert 'encoding = "GB18030" in its catalog entry' in en
    assert '图层目录条目中的 encoding = "GB18030"' in zh and "catalog entry" not in zh
