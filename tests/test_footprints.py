"""Project footprints from coordinate tables, vector files and DMS text."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import openpyxl
import pyproj
import pytest
import shapely

from layers.errors import CRSError, EncodingGuessWarning, InputError, ReadError
from layers.footprints import parse_dms, read_footprints

GEOD = pyproj.Geod(ellps="WGS84")


def _csv(tmp_path, text: str, name: str = "projects.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --- parse_dms -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("106.7085", 106.7085),
    ("-26.5", -26.5),
    ("+26.5", 26.5),
    ("106°42′30.5″E", 106 + 42 / 60 + 30.5 / 3600),
    ("106°42'30.5\"", 106 + 42 / 60 + 30.5 / 3600),
    ("106°42'30.5''", 106 + 42 / 60 + 30.5 / 3600),
    ("106 42 30.5", 106 + 42 / 60 + 30.5 / 3600),
    ("106:42:30.5", 106 + 42 / 60 + 30.5 / 3600),
    ("26°34′N", 26 + 34 / 60),
    ("26°34.5′", 26 + 34.5 / 60),
    ("26°34′S", -(26 + 34 / 60)),
    ("W75°30'", -75.5),
    ("75°30' w", -75.5),
    ("E 106°42′", 106.7),
    ("106.5°", 106.5),
    ("106.5E", 106.5),
    ("106度42分30.5秒", 106 + 42 / 60 + 30.5 / 3600),
    ("东经106度42分", 106.7),
    ("北纬26度34分", 26 + 34 / 60),
    ("南纬26度30分", -26.5),
    ("１０６°４２′", 106.7),  # full-width digits
    ("  106º42’30″ ", 106 + 42 / 60 + 30 / 3600),
    ("0°0′0″", 0.0),
    ("180", 180.0),
])
def test_parse_dms_accepts(text, expected):
    assert parse_dms(text) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("text", "why"), [
    ("abc", "abc"),
    ("", "''"),
    ("106°60′", "below 60"),
    ("106°42′60″", "below 60"),
    ("106.5°30′", "last component"),
    ("106°30.5′15″", "last component"),
    ("-106°W", "sign and a hemisphere"),
    ("E106W", "two hemispheres"),
    ("181", "more than 180"),
    ("91°N", "more than 90"),
    ("1e5", "1e5"),
    ("106°42′30″E12", "106°42′30″E12"),
    ("42′30″", "42′30″"),
    ("106,5", "106,5"),
    ("1 2 3 4", "1 2 3 4"),
])
def test_parse_dms_refuses_and_names_value(text, why):
    with pytest.raises(InputError, match=why) as info:
        parse_dms(text)
    assert repr(text) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_parse_dms_refuses_non_text():
    with pytest.raises(ValueError, match="not text"):
        parse_dms(106.5)


# --- tables ----------------------------------------------------------------------------------

def test_decimal_points_need_coords(tmp_path):
    path = _csv(tmp_path, "name,lon,lat,capacity_mw\nA,106.70,26.60,50\nB,106.80,26.65,20\n")
    with pytest.raises(CRSError, match="--coords wgs84\\|gcj02\\|bd09\\|cgcs2000"):
        read_footprints(path)
    gdf, problems = read_footprints(path, coords="wgs84")
    assert gdf.crs == pyproj.CRS.from_epsg(4326) and problems == []
    assert list(gdf.columns) == ["name", "capacity_mw", "geometry", "_read_error", "_read_row",
                                 "_repaired"]
    assert list(gdf["_read_error"]) == ["", ""]
    assert list(gdf["_read_row"]) == ["row 2", "row 3"]  # as the spreadsheet shows: header = 1
    assert list(gdf["capacity_mw"]) == [50, 20]
    assert [(g.x, g.y) for g in gdf.geometry] == [(106.70, 26.60), (106.80, 26.65)]
    gdf, _ = read_footprints(path, coords="CGCS2000")
    assert gdf.crs == pyproj.CRS.from_epsg(4490)
    gdf, _ = read_footprints(path, crs="EPSG:4490")
    assert gdf.crs == pyproj.CRS.from_epsg(4490)


def test_coords_and_crs_checked(tmp_path):
    path = _csv(tmp_path, "lon,lat\n106.7,26.6\n")
    with pytest.raises(InputError, match="wgs84, gcj02, bd09, cgcs2000"):
        read_footprints(path, coords="mars")
    with pytest.raises(InputError, match="not both"):
        read_footprints(path, coords="wgs84", crs="EPSG:4326")
    with pytest.raises(CRSError, match="not a longitude/latitude CRS"):
        read_footprints(path, crs="EPSG:4545")


@pytest.mark.parametrize(("xname", "yname"), [
    ("lon", "lat"), ("LNG", "Lat"), ("Longitude", "LATITUDE"), ("x", "y"), ("经度", "纬度"),
    ("东经", "北纬"), ("经度(°)", "纬度（°）"), (" lon ", " lat "),
])
def test_column_names(tmp_path, xname, yname):
    path = _csv(tmp_path, f"项目名称,{xname},{yname}\n光伏一期,106°42′30.5″E,26°34′N\n")
    gdf, problems = read_footprints(path, coords="wgs84")
    assert problems == []
    pt = gdf.geometry.iloc[0]
    assert (pt.x, pt.y) == pytest.approx((106 + 42 / 60 + 30.5 / 3600, 26 + 34 / 60))
    assert gdf["项目名称"].iloc[0] == "光伏一期"


def test_dms_variants_and_bad_rows_kept(tmp_path):
    text = ("id,lon,lat\n"
            "p1,106 42 30.5,26 34 0\n"
            "p2,106度42分30.5秒,26度34分\n"
            "p3,106.7084722,26.5666667\n"
            "p4,106°99′,26°34′\n"
            "p5,,26.5\n"
            "p6,106.7,95\n")
    gdf, problems = read_footprints(_csv(tmp_path, text), coords="wgs84")
    assert list(gdf["id"]) == ["p1", "p2", "p3", "p4", "p5", "p6"]
    assert list(gdf.geometry.isna()) == [False, False, False, True, True, True]
    for g in gdf.geometry[:3]:
        assert (g.x, g.y) == pytest.approx((106.7084722, 26.5666667), abs=1e-6)
    errors = {p.feature: p.message for p in problems if p.severity == "error"}
    assert set(errors) == {"row 5", "row 6", "row 7"}
    assert "106°99′" in errors["row 5"] and "below 60" in errors["row 5"]
    assert "no value" in errors["row 6"] and "beyond ±90°" in errors["row 7"]
    reasons = list(gdf["_read_error"])
    assert reasons[:3] == ["", "", ""] and reasons[3].startswith("row 5: ")
    assert reasons[5].startswith("row 7: (106.7, 95) is not a longitude/latitude")


def test_grouped_polygons(tmp_path):
    ring_a = [(106.70, 26.60), (106.71, 26.60), (106.71, 26.61), (106.70, 26.61)]
    lines = ["project_id,seq,lon,lat,项目名称,capacity_mw"]
    order = [2, 0, 3, 1]  # rows out of order: the seq column orders them
    lines += [f"A,{i + 1},{ring_a[i][0]},{ring_a[i][1]},光伏A,{50 if i == 0 else ''}"
              for i in order]
    lines += ["B,1,106.80,26.70,风电B,30", "B,2,106.81,26.70,风电B,30"]
    lines += ["C,1,106.90,26.80,光伏C,10"]
    gdf, problems = read_footprints(_csv(tmp_path, "\n".join(lines) + "\n"), coords="wgs84")
    assert list(gdf["project_id"]) == ["A", "B", "C"]
    assert list(gdf.columns) == ["project_id", "项目名称", "capacity_mw", "geometry",
                                 "_read_error", "_read_row", "_repaired"]
    assert list(gdf["_read_row"]) == ["rows 2-5", "rows 6-7", "row 8"]
    assert gdf["capacity_mw"].iloc[0] == 50  # first non-empty value of the group
    poly = gdf.geometry.iloc[0]
    assert poly.geom_type == "Polygon" and poly.is_valid
    assert poly.exterior.coords[0] == poly.exterior.coords[-1]
    true_area = abs(GEOD.polygon_area_perimeter(*zip(*ring_a))[0])
    area = gpd.GeoSeries([poly], crs=4326).to_crs(4545).area.iloc[0]
    assert area == pytest.approx(true_area, rel=1e-3)
    assert list(gdf.geometry.isna()) == [False, True, True]
    errors = {p.feature: p for p in problems if p.severity == "error"}
    assert set(errors) == {"B", "C"} and "at least 3" in errors["B"].message
    assert gdf["_read_error"].iloc[1].startswith("B: rows 6-7: only 2 distinct points")


def test_numeric_group_keys(tmp_path):
    text = "id,seq,lon,lat\n1,1,106.70,26.60\n1,2,106.71,26.60\n1,3,106.71,26.61\n2,1,106.8,26.7\n"
    gdf, problems = read_footprints(_csv(tmp_path, text), coords="wgs84")
    assert list(gdf["id"]) == [1, 2]
    assert [p.feature for p in problems] == ["2"]
    assert "column 'id'" in problems[0].message


def test_row_numbers_with_order_column_stay_points(tmp_path):
    text = "序号,项目名称,经度,纬度\n1,甲,106.7,26.6\n2,乙,106.8,26.7\n"
    gdf, problems = read_footprints(_csv(tmp_path, text), coords="wgs84")
    assert list(gdf.geom_type) == ["Point", "Point"] and problems == []
    assert list(gdf["序号"]) == [1, 2]


def test_group_with_bad_vertex_is_an_error(tmp_path):
    text = ("点号,项目编号,X,Y\nJ1,P1,106.70,26.60\nJ2,P1,106.71,26.60\nJ3,P1,106.71,abc\n"
            "J4,P1,106.70,26.61\nJ1,P2,106.80,26.70\nJ2,P2,106.81,26.70\nJ3,P2,106.81,26.71\n")
    gdf, problems = read_footprints(_csv(tmp_path, text), coords="wgs84")
    assert list(gdf["项目编号"]) == ["P1", "P2"]
    assert list(gdf.geometry.isna()) == [True, False]
    (err,) = [p for p in problems if p.severity == "error"]
    assert err.feature == "P1" and "row 4" in err.message and "'abc'" in err.message


def test_gbk_csv(tmp_path):
    path = _csv(tmp_path, "项目名称,经度,纬度\n贵阳光伏,106.7,26.6\n", encoding="gbk")
    with pytest.warns(EncodingGuessWarning, match="GB18030"):
        gdf, problems = read_footprints(path, coords="wgs84")
    assert gdf["项目名称"].iloc[0] == "贵阳光伏"
    assert [p.code for p in problems] == ["encoding"]
    gdf, problems = read_footprints(path, coords="wgs84", encoding="gbk")
    assert problems == []
    bom = _csv(tmp_path, "项目名称,经度,纬度\n贵阳光伏,106.7,26.6\n", "bom.csv", "utf-8-sig")
    gdf, _ = read_footprints(bom, coords="wgs84")
    assert list(gdf.columns) == ["项目名称", "geometry", "_read_error", "_read_row", "_repaired"]


def test_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目"
    ws.append(["项目编号", "名称", "经度", "纬度", "装机"])
    ws.append(["001", "甲", 106.7, 26.6, 50])
    ws.append(["002", "乙", "106°48′E", "26°42′N", 20.5])
    wb.create_sheet("other").append(["nothing"])
    path = tmp_path / "projects.xlsx"
    wb.save(path)
    gdf, problems = read_footprints(path, coords="cgcs2000")
    assert gdf.crs == pyproj.CRS.from_epsg(4490) and problems == []
    assert list(gdf["项目编号"]) == ["001", "002"]  # leading zeros kept
    assert list(gdf["装机"]) == [50, 20.5]
    np.testing.assert_allclose(np.c_[gdf.geometry.x, gdf.geometry.y],
                               [(106.7, 26.6), (106.8, 26.7)], atol=1e-12)
    gdf, _ = read_footprints(path, coords="wgs84", layer="项目")
    assert len(gdf) == 2
    with pytest.raises(ReadError, match="no sheet 'x'"):
        read_footprints(path, coords="wgs84", layer="x")
    with pytest.raises(ReadError, match="no coordinate columns"):
        read_footprints(path, coords="wgs84", layer="other")


def test_xlsx_with_several_sheets_of_footprints_is_refused_not_cut(tmp_path):
    """Review 20: parcels on a second sheet vanished without a word. Several sheets with
    coordinates (or WKT) are refused naming them and --layer; the one sheet that has them is
    read wherever it is, beside sheets of notes."""
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表为项目清单"])
    wb.active.append(["坐标为 WGS84"])
    for name, x in (("清镇", 106.4), ("修文", 106.6)):
        ws = wb.create_sheet(name)
        ws.append(["编号", "经度", "纬度"])
        ws.append([name, x, 26.7])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    hints = {"layer": "--layer NAME"}
    with pytest.raises(ReadError, match=r"several sheets hold coordinates or WKT \['清镇', '修文'\]"
                                        r"; say which one to read with --layer NAME"):
        read_footprints(path, coords="wgs84", hints=hints)
    gdf, _ = read_footprints(path, coords="wgs84", layer="修文")
    assert list(gdf["编号"]) == ["修文"]
    del wb["清镇"]
    wb.save(path)
    gdf, _ = read_footprints(path, coords="wgs84")  # the notes sheet first: the table is read
    assert list(gdf["编号"]) == ["修文"]


def test_gauss_kruger_table(tmp_path):
    to_gk = pyproj.Transformer.from_crs(4490, 4524, always_xy=True)  # zone 36 prefixed
    known = [(106.70, 26.60), (106.75, 26.62)]
    pts = [to_gk.transform(lon, lat) for lon, lat in known]
    # survey convention: X坐标 = northing, Y坐标 = easting with the zone number in front
    text = "名称,X坐标,Y坐标\n" + "".join(f"p{i},{n:.3f},{e:.3f}\n" for i, (e, n) in enumerate(pts))
    gdf, problems = read_footprints(_csv(tmp_path, text))
    assert gdf.crs == pyproj.CRS.from_epsg(4524)
    assert {p.code for p in problems} == {"axis_order", "crs"}  # swap noted, datum assumed
    back = gdf.to_crs(4490).geometry
    np.testing.assert_allclose(np.c_[back.x, back.y], np.array(known), atol=1e-7)
    # eastings already in x: no swap; cgcs2000 declared: no assumption
    text = "x,y\n" + "".join(f"{e:.3f},{n:.3f}\n" for e, n in pts)
    gdf, problems = read_footprints(_csv(tmp_path, text, "xy.csv"), coords="cgcs2000")
    assert gdf.crs == pyproj.CRS.from_epsg(4524) and problems == []
    with pytest.raises(CRSError, match="metres"):
        read_footprints(tmp_path / "xy.csv", coords="wgs84")


def test_plain_eastings_need_crs(tmp_path):
    text = "x,y\n370508.5,2943968.0\n371000.0,2944000.0\n"
    path = _csv(tmp_path, text)
    with pytest.raises(CRSError, match="central meridian"):
        read_footprints(path)
    gdf, problems = read_footprints(path, crs="EPSG:4545")
    assert gdf.crs == pyproj.CRS.from_epsg(4545) and problems == []
    lon, lat = pyproj.Transformer.from_crs(4545, 4490, always_xy=True).transform(370508.5,
                                                                                 2943968.0)
    back = gdf.to_crs(4490).geometry.iloc[0]
    assert (back.x, back.y) == pytest.approx((lon, lat))
    with pytest.raises(CRSError, match="in degrees"):
        read_footprints(path, crs="EPSG:4490")


def test_gcj02_converted_to_wgs84(tmp_path):
    chinacoords = pytest.importorskip("layers.chinacoords")
    path = _csv(tmp_path, "name,lng,lat\nA,106.7,26.6\nB,,26.6\n")
    gdf, problems = read_footprints(path, coords="gcj02")
    lon, lat = chinacoords.gcj02_to_wgs84(106.7, 26.6)
    pt = gdf.geometry.iloc[0]
    assert (pt.x, pt.y) == pytest.approx((float(lon), float(lat)), abs=1e-9)
    assert abs(pt.x - 106.7) > 1e-3  # really shifted (hundreds of metres)
    assert gdf.crs == pyproj.CRS.from_epsg(4326) and gdf.geometry.iloc[1] is None
    assert "coords_converted" in {p.code for p in problems}


def test_table_failures(tmp_path):
    with pytest.raises(ReadError, match="lon/lat"):
        read_footprints(_csv(tmp_path, "name,where\nA,here\n"), coords="wgs84")
    with pytest.raises(ReadError, match="several coordinate columns"):
        read_footprints(_csv(tmp_path, "lon,lat,x,y\n1,2,3,4\n", "two.csv"), coords="wgs84")
    with pytest.raises(ReadError, match="no row has usable coordinates"):
        read_footprints(_csv(tmp_path, "lon,lat\nfoo,bar\n", "none.csv"), coords="wgs84")
    with pytest.raises(CRSError, match="metres"):
        read_footprints(_csv(tmp_path, "lon,lat\n370508,2943968\n", "m.csv"))


def test_semicolon_and_tab_tables(tmp_path):
    gdf, _ = read_footprints(_csv(tmp_path, "lon;lat\n106,7;26\n106.5;26.5\n", "s.csv"),
                             coords="wgs84")
    assert len(gdf) == 2 and gdf.geometry.iloc[0] is None  # '106,7' is not a number
    gdf, _ = read_footprints(_csv(tmp_path, "lon\tlat\n106.5\t26.5\n", "t.tsv"), coords="wgs84")
    assert (gdf.geometry.iloc[0].x, gdf.geometry.iloc[0].y) == (106.5, 26.5)
    gdf, _ = read_footprints(_csv(tmp_path, "lon\tlat\n106.5\t26.5\n", "t.txt"), coords="wgs84")
    assert (gdf.geometry.iloc[0].x, gdf.geometry.iloc[0].y) == (106.5, 26.5)


# --- other formats ---------------------------------------------------------------------------

def test_vector_file_delegated(tmp_path):
    src = gpd.GeoDataFrame({"name": ["甲", "乙"]},
                           geometry=[shapely.box(106.7, 26.6, 106.71, 26.61),
                                     shapely.Point(106.8, 26.7)], crs=4490)
    path = tmp_path / "p.gpkg"
    src.to_file(path)
    gdf, problems = read_footprints(path)
    assert gdf.crs == pyproj.CRS.from_epsg(4490) and problems == []
    assert list(gdf["name"]) == ["甲", "乙"]
    assert gdf.geometry.iloc[0].equals(src.geometry.iloc[0])


def test_vector_gcj02(tmp_path):
    pytest.importorskip("layers.chinacoords")
    src = gpd.GeoDataFrame({"name": ["a"]}, geometry=[shapely.Point(106.7, 26.6)], crs=4326)
    src.to_file(tmp_path / "p.geojson")
    gdf, problems = read_footprints(tmp_path / "p.geojson", coords="gcj02")
    assert abs(gdf.geometry.iloc[0].x - 106.7) > 1e-3
    assert [p.code for p in problems] == ["coords_converted"]


def test_unknown_extension_and_missing_file(tmp_path):
    path = tmp_path / "p.dwg"
    path.write_bytes(b"x")
    with pytest.raises(ReadError, match=r"\.gpkg.*\.csv.*\.xlsx"):
        read_footprints(path)
    with pytest.raises(ReadError, match="not found"):
        read_footprints(tmp_path / "missing.csv")
