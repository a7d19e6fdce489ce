"""One bad row never sinks the batch; messages name the row and the fix (issue 8, C3)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely
from _screen_helpers import box, write_catalog
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layers.errors import CRSError, EncodingGuessWarning, InputError, halves
from layers.footprints import read_footprints
from maps.cli import cli

SQUARE = [[106.6, 26.5], [106.61, 26.5], [106.61, 26.51], [106.6, 26.51], [106.6, 26.5]]
CLI_HINTS = {"crs": "--crs EPSG:4544", "layer": "--layer NAME", "encoding": "--encoding gb18030",
             "coords": "--coords wgs84|gcj02|bd09|cgcs2000"}


def _geojson(path, geometries, text=None):
    features = [{"type": "Feature", "properties": {"project_id": pid, "name": pid, "type": "pv"},
                 "geometry": geom} for pid, geom in geometries]
    path.write_text(text or json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def _point(x, y):
    return {"type": "Point", "coordinates": [x, y]}


def test_geojson_unclosed_ring_nan_and_swapped_features(tmp_path):
    path = _geojson(tmp_path / "p.geojson", [
        ("A", {"type": "Polygon", "coordinates": [SQUARE]}),
        ("B", {"type": "Polygon", "coordinates": [SQUARE[:-1]]}),   # GDAL refuses the file
        ("C", _point(106.62, 26.52)),
        ("D", _point(float("nan"), 26.5)),
        ("E", _point(26.5, 106.6))])
    gdf, problems = read_footprints(path)
    assert list(gdf["project_id"]) == ["A", "B", "C", "D", "E"]
    assert gdf.geometry.isna().tolist() == [False, True, False, True, True]
    why = [halves(w)[0] for w in gdf["_read_error"]]  # the English half
    assert why[0] == why[2] == ""
    assert why[1].startswith("feature #2 (B): ring 1 is not closed (first point [106.6, 26.5]")
    assert why[3] == ("feature #4 (D): position [nan, 26.5] has a coordinate that is not a "
                      "number (NaN or infinite)")
    assert why[4] == ("feature #5 (E): (26.5, 106.6) is not a longitude/latitude (latitude "
                      "beyond ±90°; longitude and latitude look swapped)")
    errors = {p.feature for p in problems if p.severity == "error"}
    assert errors == {"#2 (B)", "#4 (D)", "#5 (E)"}  # by place: project ids may repeat
    assert list(gdf["_read_row"]) == [f"feature #{i}" for i in range(1, 6)]


def test_geojson_nan_only_read_by_gdal(tmp_path):
    path = _geojson(tmp_path / "nan.geojson", [("A", _point(106.6, 26.5)),
                                                ("B", _point(float("nan"), 26.5))])
    gdf, _ = read_footprints(path)
    assert gdf.geometry.isna().tolist() == [False, True]
    assert "not a number" in gdf["_read_error"].iloc[1]


def test_every_feature_misplaced_is_a_crs_error_with_the_fix(tmp_path):
    path = _geojson(tmp_path / "gk.geojson", [("A", _point(36512000, 2945000)),
                                               ("B", _point(36512100, 2945100))])
    with pytest.raises(CRSError) as info:
        read_footprints(path, hints=CLI_HINTS)
    assert halves(info.value)[0].endswith("Say which CRS the file is in: --crs EPSG:4524")
    gdf, _ = read_footprints(path, crs="EPSG:4524")
    assert gdf.crs.to_epsg() == 4524 and list(gdf["_read_error"]) == ["", ""]
    swapped = _geojson(tmp_path / "sw.geojson", [("A", _point(26.5, 106.6))])
    with pytest.raises(CRSError, match="look like latitude/longitude with the two swapped"):
        read_footprints(swapped)


def _csv(tmp_path, text, name="p.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_csv_nan_and_swapped_rows(tmp_path):
    path = _csv(tmp_path, "project_id,lon,lat\nA,106.6,26.5\nB,NaN,26.5\nC,26.5,106.6\n"
                          "D,106.7,nan\n")
    gdf, problems = read_footprints(path, coords="wgs84")
    assert gdf.geometry.isna().tolist() == [False, True, True, True]
    assert [halves(w)[0] for w in gdf["_read_error"]] == [
        "", "row 3: column 'lon': 'NaN' is not a number",
        "row 4: (26.5, 106.6) is not a longitude/latitude (latitude beyond ±90°; longitude and "
        "latitude look swapped)",
        "row 5: column 'lat': 'nan' is not a number"]


def test_csv_longitude_out_of_range_names_the_longitude(tmp_path):
    """Review 27 F4: (200, 26.6) was called "latitude beyond ±90°", sending the user to the
    wrong column."""
    path = _csv(tmp_path, "project_id,lon,lat\nA,106.6,26.5\nB,200,26.6\nC,200,100\n")
    gdf, _ = read_footprints(path, coords="wgs84")
    assert [halves(w) for w in gdf["_read_error"]][1:] == [
        ("row 3: (200, 26.6) is not a longitude/latitude (longitude beyond ±180°)",
         "第 3 行：(200, 26.6) 不是经纬度（经度超出 ±180°）"),
        ("row 4: (200, 100) is not a longitude/latitude (longitude beyond ±180°; latitude beyond "
         "±90°)", "第 4 行：(200, 100) 不是经纬度（经度超出 ±180°；纬度超出 ±90°）")]


def test_gauss_kruger_table_row_without_zone_number(tmp_path):
    path = _csv(tmp_path, "name,x,y\nA,36512000,2945000\nB,512100,2945100\nC,36512200,2945200\n")
    gdf, _ = read_footprints(path)
    assert gdf.crs.to_epsg() == 4524
    assert gdf.geometry.isna().tolist() == [False, True, False]
    assert halves(gdf["_read_error"].iloc[1])[0] == ("row 3: easting 512100 has no zone number, while the "
                                          "other rows carry zone 36")


def test_table_messages_name_the_fix_on_the_command(tmp_path):
    plain = _csv(tmp_path, "name,x,y\nA,512000,2945000\n", "plain.csv")
    with pytest.raises(CRSError) as info:
        read_footprints(plain, hints=CLI_HINTS)
    assert "eastings carry no zone number" in str(info.value)
    assert halves(info.value)[0].endswith(  # no region given: the zone is not told, both are named
        "Say which CRS the metres are in: --crs EPSG:4544 or --crs EPSG:4545")
    assert "e.g. EPSG:4544 (CGCS2000 / 3-degree Gauss-Kruger CM 105E) or EPSG:4545" in str(
        info.value)
    demo = _csv(tmp_path, "name,x,y\nA,366765,2988111\n", "demo.csv")  # 106.66°E in CM 108°E
    with pytest.raises(CRSError) as info:  # over the demo region only CM 108°E fits
        read_footprints(demo, hints={**CLI_HINTS, "near": (106.1, 26.2, 107.3, 27.4)})
    assert str(info.value).endswith("--crs EPSG:4545") and "over the region: EPSG:4545" in str(
        info.value)
    degrees = _csv(tmp_path, "name,lon,lat\nA,106.6,26.5\n", "deg.csv")
    with pytest.raises(CRSError, match=r"give it: --coords wgs84\|gcj02\|bd09\|cgcs2000"):
        read_footprints(degrees, hints=CLI_HINTS)
    gbk = _csv(tmp_path, "名称,lon,lat\n甲,106.6,26.5\n", "gbk.csv", "gbk")
    with pytest.warns(EncodingGuessWarning, match="--encoding gb18030"):
        read_footprints(gbk, coords="wgs84", hints=CLI_HINTS)


def test_boundary_point_txt_parcel_far_away_is_a_row_error(tmp_path):
    from _screen_helpers import boundary_point_txt

    path = boundary_point_txt(tmp_path / "parcels.txt", [
        ("D1", 36512000, 2945000), ("D2", 36512000, 945000),  # typo northing
        ("D3", 36513000, 2946000)])
    gdf, problems = read_footprints(path)
    assert gdf.geometry.isna().tolist() == [False, True, False]
    assert "outside the area where EPSG:4524" in gdf["_read_error"].iloc[1]
    assert gdf["_read_error"].iloc[1].startswith("parcel D2, line")


def test_screen_keeps_every_row_of_a_broken_project_file(tmp_path):
    cat = write_catalog(tmp_path / "region", {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300)}])})
    path = _geojson(tmp_path / "projects.geojson", [
        ("A", _point(106.7, 26.6)),
        ("B", {"type": "Polygon", "coordinates": [SQUARE[:-1]]}),
        ("C", _point(float("nan"), 26.6)),
        ("D", _point(26.6, 106.7))])
    res = CliRunner().invoke(cli, ["screen", str(path), "--catalog", str(cat), "--out",
                                   str(tmp_path / "out"), "--lang", "en"])
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    out = pd.read_csv(tmp_path / "out" / "screening.csv", encoding="utf-8-sig",
                      keep_default_na=False)
    assert list(out["project_id"]) == ["A", "B", "C", "D"]
    assert list(out["verdict"])[1:] == ["error", "error", "error"]
    assert out["verdict"].iloc[0] != "error"


_coord = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                   st.floats(100, 110), st.floats(20, 30), st.integers(-10**9, 10**9))
_position = st.lists(_coord, min_size=1, max_size=3)
_geometry = st.one_of(
    st.none(),
    st.builds(lambda p: {"type": "Point", "coordinates": p}, _position),
    st.builds(lambda r: {"type": "Polygon", "coordinates": [r]},
              st.lists(_position, min_size=0, max_size=6)),
    st.builds(lambda r: {"type": "Polygon", "coordinates": [r + r[:1]]},
              st.lists(st.tuples(st.floats(106, 107), st.floats(26, 27)).map(list),
                       min_size=1, max_size=6)),
    st.builds(lambda t: {"type": t, "coordinates": 5}, st.sampled_from(["LineString", "Blob"])))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(geoms=st.lists(_geometry, min_size=1, max_size=6))
def test_random_broken_geojson_never_tracebacks(tmp_path, geoms):
    path = tmp_path / "random.geojson"
    features = [{"type": "Feature", "properties": {"project_id": f"P{i}"}, "geometry": g}
                for i, g in enumerate(geoms)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    try:
        gdf, problems = read_footprints(path, coords="wgs84")
    except InputError as exc:  # a whole-file refusal names the file
        assert str(path) in str(exc)
        return
    assert list(gdf["project_id"]) == [f"P{i}" for i in range(len(geoms))]
    failed = (gdf["_read_error"] != "").to_numpy()
    assert shapely.is_missing(gdf.geometry.values[failed]).all()


_cell = st.one_of(st.sampled_from(["", "NaN", "inf", "106°42′", "26 34 0", "北纬26度", "E", "-",
                                   "1e400", "36512000", "2945000", "512000", "#N/A"]),
                  st.floats(allow_nan=True, allow_infinity=True).map(str),
                  st.floats(-200, 200).map(lambda v: f"{v:.5f}"), st.text(max_size=6))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_cell, _cell), min_size=1, max_size=6),
       coords=st.sampled_from([None, "wgs84", "cgcs2000"]))
def test_random_coordinate_tables_never_traceback(tmp_path, rows, coords):
    import csv

    path = tmp_path / "random.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["name", "x", "y"])
        writer.writerows([(f"R{i}", x, y) for i, (x, y) in enumerate(rows)])
    try:
        gdf, _ = read_footprints(path, coords=coords)
    except InputError as exc:
        assert str(path) in str(exc)
        return
    assert list(gdf["name"].astype(str)) == [f"R{i}" for i in range(len(rows))]
    failed = (gdf["_read_error"] != "").to_numpy()
    assert shapely.is_missing(gdf.geometry.values[failed]).all()


def test_wkt_table_needs_its_crs_and_keeps_bad_rows(tmp_path):
    """A CSV with a WKT column: refused without a CRS (naming the options), read with one; an
    unclosed ring and lat/lon swapped are rows of their own with the reason."""
    ring = ", ".join(f"{x} {y}" for x, y in SQUARE)
    swapped = ", ".join(f"{y} {x}" for x, y in SQUARE)
    f = tmp_path / "wkt.csv"
    pd.DataFrame({"project_id": ["A", "OPEN", "SWAP"], "WKT": [
        f"POLYGON (({ring}))", f"POLYGON (({ring.rsplit(',', 1)[0]}))",
        f"POLYGON (({swapped}))"]}).to_csv(f, index=False)
    with pytest.raises(CRSError, match=r"--crs EPSG:4490.*--coords wgs84"):
        read_footprints(f, hints=CLI_HINTS)
    gdf, problems = read_footprints(f, coords="cgcs2000", hints=CLI_HINTS)
    assert gdf.crs.to_epsg() == 4490 and gdf["project_id"].tolist() == ["A", "OPEN", "SWAP"]
    assert gdf.geometry.isna().tolist() == [False, True, True]
    assert gdf["_read_error"].iloc[0] == ""
    assert gdf["_read_error"].iloc[1].startswith("row 3: ") and "WKT" in gdf["_read_error"].iloc[1]
    assert "look swapped" in gdf["_read_error"].iloc[2]
    assert [p.severity for p in problems if p.code == "bad_value"] == ["error", "error"]
