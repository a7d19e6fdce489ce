"""The Ministry of Natural Resources boundary-point TXT (界址点坐标 TXT) reader.

Fixtures are built in tmp_path from known longitude/latitude points projected with pyproj, then
read back and compared with the known points (axis order, zone, CRS all checked at once).
"""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely

from layers.crs import CGCS2000, check_transform
from layers.errors import CRSError, DatumWarning, EncodingGuessWarning, ReadError
from layers.footprints import read_footprints
from layers.mnr_txt import header_crs, is_mnr_txt, parse_mnr_txt

ZONE36 = pyproj.CRS.from_epsg(4524)  # CGCS2000 / 3-degree Gauss-Kruger zone 36 (CM 108E)
TO_GK = pyproj.Transformer.from_crs(4490, ZONE36, always_xy=True)
HEADER = """[属性描述]
格式版本号=1.01
数据产生单位=测试单位
数据产生日期=2024-5-1
坐标系={system}
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号={zone}
精度=0.01
转换参数=,,,,,,
[地块坐标]
"""


def _square(lon0: float, lat0: float, size: float) -> list[tuple[float, float]]:
    """Corners (lon, lat) of a square of ``size`` degrees, counter-clockwise."""
    return [(lon0, lat0), (lon0 + size, lat0), (lon0 + size, lat0 + size), (lon0, lat0 + size)]


def _point_lines(corners, ring: int = 1, start: int = 1, close: bool = True) -> list[str]:
    """Point lines ``点号,圈号,X(northing),Y(easting)``, closed by repeating the first point."""
    east, north = TO_GK.transform(*zip(*corners))
    pts = list(zip(east, north))
    if close:
        pts.append(pts[0])
    return [f"J{start + i},{ring},{n:.3f},{e:.3f}" for i, (e, n) in enumerate(pts)]


def _parcel(number: str, name: str, rings: list[list[str]], area: str = "1.5",
            use: str = "光伏发电") -> list[str]:
    count = sum(len(r) for r in rings)
    return [f"{count},{area},{number},{name},面,,{use},0601,@"] + [ln for r in rings for ln in r]


def _write(tmp_path, lines, system="2000国家大地坐标系", zone="36", encoding="utf-8",
           name="parcels.txt"):
    path = tmp_path / name
    path.write_bytes((HEADER.format(system=system, zone=zone) + "\n".join(lines) + "\n")
                     .encode(encoding))
    return path


A = _square(106.70, 26.60, 0.01)
B = _square(106.80, 26.70, 0.02)
HOLE = _square(106.703, 26.603, 0.002)
APART = _square(106.75, 26.65, 0.003)


def test_multi_parcel_axis_order_and_crs(tmp_path):
    path = _write(tmp_path, _parcel("D1", "一号地块", [_point_lines(A)])
                  + _parcel("D2", "二号地块", [_point_lines(B)], area="4.2", use="风电"))
    gdf, problems = read_footprints(path)
    assert problems == []
    assert gdf.crs == ZONE36
    assert list(gdf["parcel_id"]) == ["D1", "D2"]
    assert list(gdf["name"]) == ["一号地块", "二号地块"]
    assert list(gdf["land_use"]) == ["光伏发电", "风电"]
    assert list(gdf["declared_area"]) == [1.5, 4.2]
    assert list(gdf["land_class_code"]) == ["0601", "0601"]
    # x is the easting: back in lon/lat the vertices are the known corners
    lonlat = gdf.to_crs(CGCS2000)
    for geom, corners in zip(lonlat.geometry, (A, B)):
        got = np.array(geom.exterior.coords)[:-1]
        np.testing.assert_allclose(got, np.array(corners), atol=1e-7)
    # and the area agrees with the geodesic area of the known square to 0.1 %
    geod = pyproj.Geod(ellps="GRS80")
    for geom, corners in zip(gdf.geometry, (A, B)):
        lons, lats = zip(*corners)
        true_area = abs(geod.polygon_area_perimeter(lons, lats)[0])
        assert geom.area == pytest.approx(true_area, rel=1e-3)


def test_hole_and_second_part(tmp_path):
    rings = [_point_lines(A), _point_lines(HOLE, ring=2, start=6), _point_lines(APART, ring=3)]
    gdf, problems = read_footprints(_write(tmp_path, _parcel("D1", "带洞地块", rings)))
    assert problems == []
    geom = gdf.geometry.iloc[0]
    assert geom.geom_type == "MultiPolygon"
    parts = sorted(shapely.get_parts(geom), key=lambda p: -p.area)
    assert len(parts[0].interiors) == 1 and len(parts[1].interiors) == 0
    outer, hole, apart = (shapely.Polygon(list(zip(*TO_GK.transform(*zip(*c)))))
                          for c in (A, HOLE, APART))
    assert geom.area == pytest.approx(outer.area - hole.area + apart.area, rel=1e-6)  # mm rounding
    lon, lat = 106.704, 26.604  # inside the hole
    inside_hole = shapely.Point(TO_GK.transform(lon, lat))
    assert not geom.contains(inside_hole)
    assert geom.contains(shapely.Point(TO_GK.transform(106.701, 26.601)))


def test_gbk_file_warns_and_decodes(tmp_path):
    path = _write(tmp_path, _parcel("D1", "贵阳地块", [_point_lines(A)]), encoding="gbk")
    with pytest.warns(EncodingGuessWarning, match="GB18030"):
        gdf, problems = read_footprints(path)
    assert gdf["name"].iloc[0] == "贵阳地块"
    assert [p.code for p in problems] == ["encoding"]
    gdf, problems = read_footprints(path, encoding="gbk")  # declared: no warning
    assert gdf["land_use"].iloc[0] == "光伏发电" and problems == []


def test_zone_from_prefix_when_header_has_none(tmp_path):
    gdf, problems = read_footprints(_write(tmp_path, _parcel("D1", "x", [_point_lines(A)]),
                                           zone=""))
    assert gdf.crs == ZONE36 and problems == []


def test_zone_mismatch_is_refused(tmp_path):
    with pytest.raises(CRSError, match="带号=35"):
        read_footprints(_write(tmp_path, _parcel("D1", "x", [_point_lines(A)]), zone="35"))


def test_plain_eastings_use_header_zone(tmp_path):
    lines = [ln.rsplit(",", 1)[0] + "," + f"{float(ln.rsplit(',', 1)[1]) - 36e6:.3f}"
             if not ln.endswith("@") else ln for ln in _parcel("D1", "x", [_point_lines(A)])]
    gdf, _ = read_footprints(_write(tmp_path, lines))
    assert gdf.crs == pyproj.CRS.from_epsg(4545)  # CGCS2000 3° GK CM 108E
    np.testing.assert_allclose(np.array(gdf.to_crs(CGCS2000).geometry.iloc[0].exterior.coords)[:-1],
                               np.array(A), atol=1e-7)
    with pytest.raises(CRSError, match="no 带号"):
        read_footprints(_write(tmp_path, lines, zone="", name="nozone.txt"))
    gdf, _ = read_footprints(tmp_path / "nozone.txt", crs="EPSG:4545")
    assert gdf.crs == pyproj.CRS.from_epsg(4545)


def test_legacy_datum_recorded(tmp_path):
    gdf, problems = read_footprints(_write(tmp_path, _parcel("D1", "x", [_point_lines(A)]),
                                           system="1980西安坐标系"))
    assert gdf.crs == pyproj.CRS.from_epsg(2360)  # Xian 1980 / 3-degree GK zone 36
    assert any(p.code == "crs" and "legacy datum" in p.message for p in problems)
    with pytest.warns(DatumWarning):
        check_transform(gdf.crs, CGCS2000, "parcels.txt")
    gdf, _ = read_footprints(_write(tmp_path, _parcel("D1", "x", [_point_lines(A)]),
                                    system="1954北京坐标系", name="bj54.txt"))
    assert gdf.crs == pyproj.CRS.from_epsg(2412)  # Beijing 1954 / 3-degree GK zone 36


def test_malformed_parcels_are_kept_as_problems(tmp_path):
    bad_number = _point_lines(B)
    bad_number[2] = "J3,1,29xx,36512000.000"
    lines = (_parcel("D1", "好", [_point_lines(A)])
             + _parcel("D2", "坏数", [bad_number])
             + _parcel("D3", "两点", [_point_lines(A[:2])])
             + _parcel("D4", "好2", [_point_lines(B)]))
    gdf, problems = read_footprints(_write(tmp_path, lines))
    assert list(gdf["parcel_id"]) == ["D1", "D2", "D3", "D4"]
    assert list(gdf.geometry.isna()) == [False, True, True, False]
    assert gdf["_read_error"].iloc[0] == "" and "29xx" in gdf["_read_error"].iloc[1]
    assert gdf["_read_error"].iloc[2].startswith("parcel D3, line")
    errors = {p.feature: p for p in problems if p.severity == "error"}
    assert set(errors) == {"D2", "D3"}
    assert "29xx" in errors["D2"].message and "line" in errors["D2"].message
    assert errors["D3"].code == "too_few_points"


def test_point_count_mismatch_and_easting_first(tmp_path):
    lines = _parcel("D1", "x", [_point_lines(A)])
    lines[0] = "9" + lines[0][1:]
    swapped = [ln if ln.endswith("@") else ",".join(ln.split(",")[:2] + ln.split(",")[:1:-1])
               for ln in lines]
    gdf, problems = read_footprints(_write(tmp_path, swapped))
    codes = {p.code for p in problems}
    assert codes == {"point_count", "axis_order"}
    np.testing.assert_allclose(np.array(gdf.to_crs(CGCS2000).geometry.iloc[0].exterior.coords)[:-1],
                               np.array(A), atol=1e-7)


def test_unparseable_files_fail_with_line(tmp_path):
    path = tmp_path / "junk.txt"
    path.write_text("[属性描述]\n坐标系=2000国家大地坐标系\n[地块坐标]\nJ1,1,1,2\n", "utf-8")
    with pytest.raises(ReadError, match=r"junk.txt, line 4"):
        read_footprints(path)
    path.write_text("[属性描述]\n坐标系=2000国家大地坐标系\n[地块坐标]\n", "utf-8")
    with pytest.raises(ReadError, match="no parcel"):
        read_footprints(path)
    text = "hello\n[地块坐标]\n"
    with pytest.raises(ReadError, match="line 1"):
        parse_mnr_txt(text, "x.txt")


def test_unopened_ring_and_line_parcel(tmp_path):
    open_ring = _point_lines(A, close=False)
    line = ["3,,D2,路,线,,,,@"] + _point_lines(A[:3], close=False)
    gdf, problems = read_footprints(_write(tmp_path, _parcel("D1", "x", [open_ring]) + line))
    assert problems == []
    assert gdf.geometry.iloc[0].geom_type == "Polygon"
    assert gdf.geometry.iloc[1].geom_type == "LineString"
    assert len(gdf.geometry.iloc[1].coords) == 3


def test_header_crs_direct():
    header = {"坐标系": "2000国家大地坐标系", "几度分带": "6", "带号": "18", "计量单位": "米"}
    crs, problems = header_crs(header, np.array([18500000.0]), "t")
    assert crs == pyproj.CRS.from_epsg(4496) and problems == []  # CGCS2000 / GK zone 18
    with pytest.raises(CRSError, match="计量单位"):
        header_crs({**header, "计量单位": "度"}, np.array([18500000.0]), "t")
    with pytest.raises(CRSError, match="坐标系"):
        header_crs({**header, "坐标系": "火星坐标"}, np.array([18500000.0]), "t")
    with pytest.raises(CRSError, match="given"):
        header_crs(header, np.array([18500000.0]), "t", crs="EPSG:4545")
    assert is_mnr_txt("[属性描述]\n[地块坐标]\n") and not is_mnr_txt("lon,lat\n1,2\n")
