"""``siting score --candidates``: read as ``siting screen`` reads projects (review 19, 6-10).

Each test runs the real command on a small real file of the synthetic region."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box, mapping
from siting_fixtures import UTM, X0, Y0, make_region

from maps.cli import cli

GOOD = box(X0 + 2000, Y0 + 3000, X0 + 2500, Y0 + 3500)   # usable land of the region
OTHER = box(X0 + 3000, Y0 + 3000, X0 + 3500, Y0 + 3500)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return make_region(tmp_path_factory.mktemp("cand-region"))


def _score(catalog, path, out, *extra):
    return CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                    "--candidates", str(path), "--out", str(out), *extra])


def _lonlat(geom):
    return gpd.GeoSeries([geom], crs=UTM).to_crs("EPSG:4326").iloc[0]


def _geojson(path, features):
    """A GeoJSON file of ``(properties, geometry dict)`` written as given (rings unchecked)."""
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": g} for p, g in features]},
        ensure_ascii=False), encoding="utf-8")
    return path


def _sites(out):
    return pd.read_csv(out / "sites.csv", dtype={"source_id": str}).set_index("site_id")


def test_shapefile_without_prj_names_the_crs_option(catalog, tmp_path):
    """6: the fix is --crs on this command (not a catalog entry), and it works."""
    shp = tmp_path / "nocrs.shp"
    gpd.GeoDataFrame({"site_id": ["A"]}, geometry=[GOOD], crs=UTM).to_file(shp)
    shp.with_suffix(".prj").unlink()
    r = _score(catalog, shp, tmp_path / "a", "--lang", "zh")
    assert r.exit_code == 2 and "nocrs.shp" in r.output and "--crs EPSG:" in r.output
    assert "catalog entry" not in r.output and "Traceback" not in r.output
    assert "数据源没有坐标系" in r.output and "请指定其坐标系：--crs EPSG:" in r.output  # bilingual
    assert "请按上述提示" not in r.output                 # its own Chinese, no generic sentence
    r = _score(catalog, shp, tmp_path / "b", "--crs", UTM)
    assert r.exit_code == 0, r.output
    assert _sites(tmp_path / "b").loc["user:A", "status"] == "usable"


def test_gbk_coordinate_table_is_read(catalog, tmp_path):
    """6: a CSV of vertices (lon/lat in degrees) in GBK is read with --coords and --encoding;
    without --coords the message names that option."""
    rows = []
    for sid, name, geom in (("A", "好地块", GOOD), ("B", "另一块", OTHER)):
        for k, (lon, lat) in enumerate(_lonlat(geom).exterior.coords[:-1]):
            rows.append({"id": sid, "名称": name, "序号": k + 1, "lon": lon, "lat": lat})
    f = tmp_path / "gbk.csv"
    pd.DataFrame(rows).to_csv(f, index=False, encoding="gbk")
    r = _score(catalog, f, tmp_path / "a")
    assert r.exit_code == 2 and "gbk.csv" in r.output and "--coords" in r.output
    assert "codec" not in r.output
    r = _score(catalog, f, tmp_path / "b", "--coords", "cgcs2000", "--encoding", "gb18030")
    assert r.exit_code == 0, r.output
    csv = _sites(tmp_path / "b")
    assert csv.index.tolist() == ["user:A", "user:B"] and csv["name"].tolist() == ["好地块", "另一块"]
    assert csv.loc["user:A", "status"] == "usable"


def test_several_layers_name_the_layer_option(catalog, tmp_path):
    """6: a GeoPackage of several layers: the fix is --layer NAME, and it works."""
    f = tmp_path / "multi.gpkg"
    for layer in ("first", "second"):
        gpd.GeoDataFrame({"site_id": [layer]}, geometry=[GOOD], crs=UTM).to_file(f, layer=layer)
    r = _score(catalog, f, tmp_path / "a")
    assert r.exit_code == 2 and "--layer NAME" in r.output and "catalog entry" not in r.output
    assert "文件有多个图层 ['first', 'second']；请用 --layer NAME 指定" in r.output
    assert "请按上述提示" not in r.output
    r = _score(catalog, f, tmp_path / "b", "--layer", "second")
    assert r.exit_code == 0, r.output
    assert _sites(tmp_path / "b").index.tolist() == ["user:second"]


def test_reader_options_need_a_candidates_file(catalog, tmp_path):
    r = CliRunner().invoke(cli, ["score", "--catalog", str(catalog), "--tech", "pv",
                                 "--crs", UTM, "--out", str(tmp_path / "a")])
    assert r.exit_code == 2 and "--candidates" in r.output


def test_bad_features_are_error_rows_with_their_reason(catalog, tmp_path):
    """7, 8: an unclosed ring and a polygon with lat/lon swapped are error rows with the reader's
    reason; the other sites are scored, and every row is in every output."""
    ring = [list(p) for p in _lonlat(OTHER).exterior.coords]
    swapped = [[y, x] for x, y in ring]
    f = _geojson(tmp_path / "bad.geojson", [
        ({"site_id": "A"}, mapping(_lonlat(GOOD))),
        ({"site_id": "OPEN"}, {"type": "Polygon", "coordinates": [ring[:-1]]}),
        ({"site_id": "SWAP"}, {"type": "Polygon", "coordinates": [swapped]})])
    out = tmp_path / "o"
    r = _score(catalog, f, out, "--lang", "en")
    assert r.exit_code == 0, r.output
    csv = _sites(out)
    assert csv.index.tolist() == ["user:A", "user:OPEN", "user:SWAP"]
    assert csv.loc["user:A", "status"] == "usable"
    assert csv.loc[["user:OPEN", "user:SWAP"], "status"].tolist() == ["error", "error"]
    assert "not closed" in csv.loc["user:OPEN", "reason"]
    assert "look swapped" in csv.loc["user:SWAP", "reason"]
    assert "no geometry" not in csv.loc["user:SWAP", "reason"]
    assert "look swapped" in r.output       # said on the terminal too
    assert len(pd.read_csv(out / "supply_curve.csv")) == 3
    assert len(gpd.read_file(out / "sites.geojson")) == 3


def test_duplicate_ids_are_flagged_and_kept_distinct(catalog, tmp_path):
    """9: a repeated id is an error row of its own, named by its row, with a distinct site id."""
    f = tmp_path / "dup.gpkg"
    gpd.GeoDataFrame({"site_id": ["A", "B", "A"], "name": ["one", "two", "three"]},
                     geometry=[GOOD, OTHER, GOOD], crs=UTM).to_file(f)
    out = tmp_path / "o"
    r = _score(catalog, f, out)
    assert r.exit_code == 0, r.output
    assert "duplicate site id 'A' (feature #3, first used by feature #1)" in r.output
    csv = _sites(out)
    assert csv.index.tolist() == ["user:A", "user:B", "user:A-2"] and csv.index.is_unique
    assert csv.loc["user:A-2", "status"] == "error" and csv.loc["user:A-2", "source_id"] == "A"
    assert "duplicate site id" in csv.loc["user:A-2", "reason"]
    assert csv.loc["user:A-2", "usable_area_ha"] == 0 and "not counted" in csv.loc[
        "user:A-2", "reason"]  # an error row claims no usable land, though its polygon is good
    assert csv.loc["user:A", "status"] == "usable" and csv.loc["user:A", "usable_area_ha"] > 0
    usable = gpd.read_file(out / "usable.geojson")
    assert "user:A-2" not in set(usable.loc[~usable.geometry.is_empty, "site_id"])


@pytest.mark.parametrize(("id_col", "name_col"), [("地块编号", "名称"), ("编号", "项目名称"),
                                                  ("site_id", "site_name")])
def test_id_and_name_columns_under_usual_headers(catalog, tmp_path, id_col, name_col):
    """10: the ids and names are kept under the usual Chinese and English headers."""
    f = tmp_path / "cols.gpkg"
    gpd.GeoDataFrame({id_col: ["D01", "D02"], name_col: ["甲", "乙"]},
                     geometry=[GOOD, OTHER], crs=UTM).to_file(f)
    out = tmp_path / "o"
    r = _score(catalog, f, out)
    assert r.exit_code == 0, r.output
    assert "no id column" not in r.output
    csv = _sites(out)
    assert csv.index.tolist() == ["user:D01", "user:D02"] and csv["name"].tolist() == ["甲", "乙"]


def test_unknown_id_column_is_warned_of(catalog, tmp_path):
    """10: columns the tool does not recognise: a warning names the columns found."""
    f = tmp_path / "odd.gpkg"
    gpd.GeoDataFrame({"parcel_code": ["X"], "label": ["甲"]}, geometry=[GOOD],
                     crs=UTM).to_file(f)
    r = _score(catalog, f, tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert "no id column" in r.output and "parcel_code, label" in r.output
    assert "no name column" in r.output
    assert _sites(tmp_path / "o").index.tolist() == ["user:1"]


def test_wkt_csv_is_read_with_crs_and_a_bad_row_is_its_own(catalog, tmp_path):
    """6, 7: a CSV with a WKT column is refused naming --crs, then read with it; a row whose
    ring is not closed is an error row, the others are scored."""
    good = _lonlat(GOOD).wkt
    ring = ", ".join(f"{x} {y}" for x, y in _lonlat(OTHER).exterior.coords[:-1])
    f = tmp_path / "wkt.csv"
    pd.DataFrame({"地块编号": ["A", "OPEN"], "名称": ["好", "坏"],
                  "WKT": [good, f"POLYGON (({ring}))"]}).to_csv(f, index=False)
    r = _score(catalog, f, tmp_path / "a", "--lang", "zh")
    assert r.exit_code == 2 and "wkt.csv" in r.output and "--crs EPSG:4490" in r.output
    out = tmp_path / "b"
    r = _score(catalog, f, out, "--coords", "wgs84")
    assert r.exit_code == 0, r.output
    csv = _sites(out)
    assert csv["status"].tolist() == ["usable", "error"] and csv["name"].tolist() == ["好", "坏"]
    assert "row 3" in csv.loc["user:OPEN", "reason"]


def test_overlapping_candidates_are_flagged_as_counted_twice(catalog, tmp_path):
    """Review 20, F8: two half-overlapping parcels were both ranked and their shared land counted
    twice in the totals without a word. Both stay ranked (which to keep is the planner's choice);
    each names the other and the shared hectares, and the command warns."""
    f = tmp_path / "two.gpkg"
    half = box(X0 + 2250, Y0 + 3000, X0 + 2750, Y0 + 3500)   # shares 250 m × 500 m with GOOD
    gpd.GeoDataFrame({"site_id": ["A", "B", "C"]}, geometry=[GOOD, half, OTHER],
                     crs=UTM).to_file(f)
    out = tmp_path / "o"
    r = _score(catalog, f, out)
    assert r.exit_code == 0, r.output
    assert "1 pair(s) of sites share usable land (user:A+user:B; 12.50 ha)" in r.output
    csv = _sites(out)
    assert (csv.loc[["user:A", "user:B"], "status"] == "usable").all()
    assert "overlaps user:B by 12.50 ha" in csv.loc["user:A", "notes"]
    assert "overlaps user:A by 12.50 ha" in csv.loc["user:B", "notes"]
    assert "usable land overlaps" not in str(csv.loc["user:C", "notes"])


def test_row_reasons_are_in_chinese_too(catalog, tmp_path):
    """New-user review: under --lang zh (the default) each error row's reason in sites.csv and
    on the terminal has a Chinese half of its own: its row or feature, column, value and fix."""
    ring = [list(p) for p in _lonlat(OTHER).exterior.coords]
    f = _geojson(tmp_path / "bad.geojson", [
        ({"site_id": "A"}, mapping(_lonlat(GOOD))),
        ({"site_id": "OPEN"}, {"type": "Polygon", "coordinates": [ring[:-1]]}),
        ({"site_id": "SWAP"}, {"type": "Polygon", "coordinates": [[[y, x] for x, y in ring]]})])
    r = _score(catalog, f, tmp_path / "g")
    assert r.exit_code == 0, r.output
    csv = _sites(tmp_path / "g")
    assert "要素 #2：第 1 个环未闭合" in csv.loc["user:OPEN", "reason"]
    assert "经度与纬度似乎颠倒" in csv.loc["user:SWAP", "reason"]
    assert "经度与纬度似乎颠倒" in r.output
    rows = []
    for sid, geom in (("A", GOOD), ("B", OTHER)):
        for k, (lon, lat) in enumerate(_lonlat(geom).exterior.coords[:-1]):
            rows.append({"id": sid, "序号": k + 1, "经度": f"{lon:.6f}", "纬度": f"{lat:.6f}"})
    rows[5]["经度"] = rows[5]["经度"].replace(".", ",")    # row 7 of the sheet: B's 2nd vertex
    comma = rows[5]["经度"]
    f = tmp_path / "vertices.csv"
    pd.DataFrame(rows).to_csv(f, index=False)
    r = _score(catalog, f, tmp_path / "t", "--coords", "wgs84")
    assert r.exit_code == 0, r.output
    csv = _sites(tmp_path / "t")
    assert csv.loc["user:A", "status"] == "usable" and csv.loc["user:B", "status"] == "error"
    reason = csv.loc["user:B", "reason"]
    assert f"row 7: column '经度': '{comma}' is not a coordinate in degrees" in reason
    assert (f"第 7 行：“经度”列的值 '{comma}' 不是以度为单位的坐标；小数请用小数点："
            f"{comma.replace(',', '.')}") in reason


def _kmz(path, parcels):
    """A KMZ as Google Earth / 奥维 write it: ids in ``<ExtendedData><Data name=...>``."""
    marks = []
    for data, name, geom in parcels:
        ring = " ".join(f"{x:.6f},{y:.6f},0" for x, y in _lonlat(geom).exterior.coords)
        extended = "".join(f'<Data name="{k}"><value>{v}</value></Data>' for k, v in data.items())
        marks.append(f"<Placemark><name>{name}</name><ExtendedData>{extended}</ExtendedData>"
                     f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates>"
                     "</LinearRing></outerBoundaryIs></Polygon></Placemark>")
    doc = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
           f"<Document><Folder><name>地块</name>{''.join(marks)}</Folder></Document></kml>")
    import zipfile

    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("doc.kml", doc.encode("utf-8"))
    return path


def test_kmz_extended_data_ids_are_kept(catalog, tmp_path):
    """Review 22 B4: GDAL's LIBKML laundered 地块编号 to '____________' and the blank KML
    ``id`` column was taken as the id column: the user's ids became P0001 … silently."""
    f = _kmz(tmp_path / "cands.kmz", [({"地块编号": "A01"}, "甲", GOOD),
                                      ({"地块编号": "A02"}, "乙", OTHER)])
    r = _score(catalog, f, tmp_path / "o")
    assert r.exit_code == 0, r.output
    csv = _sites(tmp_path / "o")
    assert csv.index.tolist() == ["user:A01", "user:A02"] and csv["name"].tolist() == ["甲", "乙"]
    assert "no id column" not in r.output


def test_kmz_without_ids_is_numbered_with_a_warning(catalog, tmp_path):
    """A KMZ whose only id column is KML's blank ``id``: numbered 1, 2 with the warning naming
    the columns found, as the README promises."""
    f = _kmz(tmp_path / "plain.kmz", [({"备注": "x"}, "甲", GOOD), ({"备注": "y"}, "乙", OTHER)])
    r = _score(catalog, f, tmp_path / "o")
    assert r.exit_code == 0, r.output
    assert "no id column" in r.output and "备注" in r.output
    assert _sites(tmp_path / "o").index.tolist() == ["user:1", "user:2"]
