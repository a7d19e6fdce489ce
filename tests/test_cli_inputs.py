"""What ``siting screen`` does with awkward inputs, through the real CLI on real files.

Formula-like and control-character names stay inert text in CSV and XLSX; list and dict
attributes reach GeoJSON as JSON text; tables in projected metres are read with ``--crs``;
reader and catalog problems are shown once on stderr, grouped by file and layer.
"""

from __future__ import annotations

import csv
import json
import re

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from _screen_helpers import LOCAL, box, to_lonlat, write_catalog
from click.testing import CliRunner

from maps.cli import cli

NAMES = ['=HYPERLINK("http://evil.example","click")', "+1+1", "-2+3", "@SUM(A1:A9)",
         "bell\x07name", "-5", "普通项目"]
SAFE = ["'" + n for n in NAMES[:4]] + ["bell\u2407name", "-5", "普通项目"]
NOTES = ["\tTAB", "\rCR", "=1+1", "a\x1bb", "plain"]  # an extra column, kept as read
SAFE_NOTES = ["'\tTAB", "'\rCR", "'=1+1", "a\u241bb", "plain"]
EVIL_FEATURE = "@cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    cat = write_catalog(folder, {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300),
                                             "name": EVIL_FEATURE}]),
        "units": ("control_unit", [{"geometry": box(-3000, -3000, 3000, 3000),
                                    "unit_type": "key", "unit_code": "ZH52010220001"}]),
    })
    return folder, cat


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _excel_text(value: str) -> str:
    """Decode OOXML's ``_xHHHH_`` escapes (xlsxwriter writes CR so; Excel decodes it)."""
    return re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), value)


def _geojson(path, rows):
    """Write a GeoJSON FeatureCollection by hand (exact strings, list/dict properties)."""
    geoms = to_lonlat(r.pop("geometry") for r in rows)
    features = [{"type": "Feature", "properties": r, "geometry": shapely.geometry.mapping(g)}
                for r, g in zip(rows, geoms)]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")


def test_spreadsheet_cells_never_become_formulas(region, tmp_path):
    _, cat = region
    rows = [{"project_id": f"P{i}", "name": n, "type": "pv", "capacity_mw": 10.5 + i,
             "note": NOTES[i % len(NOTES)], "geometry": box(100 + 5 * i, 100, 104 + 5 * i, 104)}
            for i, n in enumerate(NAMES)]
    _geojson(tmp_path / "evil.geojson", rows)
    out = tmp_path / "o"
    res = run("screen", tmp_path / "evil.geojson", "--catalog", cat, "--out", out, "--lang",
              "en")  # the workbook's headers are the CSV's
    assert res.exit_code == 0, res.output
    with open(out / "screening.csv", encoding="utf-8-sig", newline="") as f:
        assert [r["name"] for r in csv.DictReader(f)] == SAFE
    with open(out / "screening_hits.csv", encoding="utf-8-sig", newline="") as f:
        features = {r["feature_name"] for r in csv.DictReader(f) if r["kind"] ==
                    "ecological_red_line"}
    assert features == {"'" + EVIL_FEATURE}
    book = openpyxl.load_workbook(out / "screening.xlsx")
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    sheet = book["screening"]
    header = [c.value for c in sheet[1]]
    names = [r[header.index("name")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == SAFE
    notes = [_excel_text(r[header.index("note")])
             for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert notes == [SAFE_NOTES[i % len(NOTES)] for i in range(len(NAMES))]
    capacity = [r[header.index("capacity_mw")] for r in sheet.iter_rows(min_row=2,
                                                                        values_only=True)]
    assert capacity == [10.5 + i for i in range(len(NAMES))]  # numbers stay numbers
    hits = book["hits"]
    assert "'" + EVIL_FEATURE in {c.value for row in hits.iter_rows(min_row=2) for c in row}
    # the GeoJSON is data, not a spreadsheet: names exactly as given
    gj = json.loads((out / "screening.geojson").read_text(encoding="utf-8"))
    assert [f["properties"]["name"] for f in gj["features"]] == NAMES


@pytest.mark.parametrize("rows", [0, 12])
def test_csv_bytes_are_those_pandas_writes(tmp_path, monkeypatch, rows):
    """The pyarrow CSV encoder writes the bytes of ``safe_frame(df).to_csv``: quoting, blanks,
    numbers, formulas, control characters, mixed cells, across chunk boundaries; the numbers
    whatever numpy's print options."""
    import math

    import numpy as np

    from maps.cli import tables

    monkeypatch.setattr(tables, "_CSV_CHUNK_ROWS", 5)
    frame = pd.DataFrame({
        "text": ["x", "a,b", 'say "hi"', "line\nbreak", "cr\rx", "", None, "中文，逗号", "=1+2",
                 " lead", "-12.5", "\x07bell"],
        "number": [1.0, 0.1, 1e-05, 1e16, -0.0, math.inf, -math.inf, math.nan, 123456789.123,
                   2.5e-300, 1 / 3, 7.0],
        "count": np.arange(12) - 5,
        "flag": [True, False] * 6,
        "mixed": [1, 2.5, "t", None, True, float("nan"), [1, 2], {"k": "v,w"}, "@x", pd.NA,
                  -math.inf, "z"],
        "arrow": pd.Series(["p", None, "q,r", "", "+s", "t", "u", "v", "w", "x", "y", '"z"'],
                           dtype="str"),
        "=name, with comma": ["1"] * 12,
        "small": np.arange(12, dtype=np.uint8),
        "single": np.linspace(0, 1, 12, dtype=np.float32),
        # each distinct cell is made once: equal numbers and texts repeated over chunks, the
        # two zeros apart, NaNs of other bits blank; equal texts that are distinct objects
        "repeated": np.array([0.0, -0.0, 2.5, np.nan, 0.0, -0.0, 2.5,
                              np.frombuffer(b"\x01\x00\x00\x00\x00\x00\xf8\x7f")[0], 2.5,
                              0.0, -0.0, np.nan]),
        "half": np.array([0.5, -0.0, 0.0, np.nan] * 3, dtype=np.float16),
        "same": ["".join(["a", ",b"]) for _ in range(6)] + ["=c" + str(i % 2) for i in range(6)],
    }).head(rows)
    assert all(tables._csv_column(frame[c]) is not None for c in frame)  # not left to pandas
    tables.write_csv(tmp_path / "fast.csv", frame)
    tables.safe_frame(frame).to_csv(tmp_path / "pandas.csv", index=False, encoding="utf-8-sig",
                                    lineterminator="\r\n")
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    with np.printoptions(legacy="1.13"):  # as colour-science sets them: 1/3 as 0.333333333333
        tables.write_csv(tmp_path / "legacy.csv", frame)
    assert (tmp_path / "legacy.csv").read_bytes() == (tmp_path / "fast.csv").read_bytes()


def test_geojson_holds_lists_and_dicts_as_json_text(region, tmp_path):
    _, cat = region
    rows = [{"project_id": "L1", "name": "列表", "type": "pv", "tags": ["a", "乙"],
             "meta": {"owner": "x", "n": 2}, "geometry": box(1000, 1000, 1100, 1100)}]
    _geojson(tmp_path / "lists.geojson", rows)
    res = run("screen", tmp_path / "lists.geojson", "--catalog", cat, "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    props = json.loads((tmp_path / "o" / "screening.geojson").read_text(encoding="utf-8"))[
        "features"][0]["properties"]
    assert json.loads(props["tags"]) == ["a", "乙"]
    assert json.loads(props["meta"]) == {"owner": "x", "n": 2}
    back = gpd.read_file(tmp_path / "o" / "screening.geojson")  # a GIS reads plain columns
    assert back.loc[0, "tags"] == props["tags"]
    sheet = pd.read_excel(tmp_path / "o" / "screening.xlsx", sheet_name="screening")
    assert json.loads(sheet.loc[0, "meta"]) == {"owner": "x", "n": 2}


def _gk_table(path):
    """Points in CGCS2000 3° Gauss-Krüger CM 108°E (EPSG:4545) without zone number."""
    pts = gpd.GeoSeries([shapely.Point(150, 150), shapely.Point(2000, 2000)], crs=LOCAL)
    gk = pts.to_crs("EPSG:4545")
    lines = ["project_id,name,type,x,y"] + [f"G{i},高斯{i},pv,{p.x:.2f},{p.y:.2f}"
                                            for i, p in enumerate(gk)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert 1e5 < gk.x.min() < gk.x.max() < 1e6  # six-digit eastings: no zone number


def test_crs_option_reads_eastings_without_zone_number(region, tmp_path):
    _, cat = region
    _gk_table(tmp_path / "gk.csv")
    res = run("screen", tmp_path / "gk.csv", "--crs", "EPSG:4545", "--catalog", cat,
              "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    hits = pd.read_csv(tmp_path / "o" / "screening_hits.csv", encoding="utf-8-sig")
    assert set(hits.loc[hits["project_id"] == "G0", "rule_id"]) >= {"red_line"}
    assert "red_line" not in set(hits.loc[hits["project_id"] == "G1", "rule_id"])
    for args in (["--crs", "EPSG:999999"], ["--crs", "EPSG:4545", "--coords", "wgs84"]):
        res = run("screen", tmp_path / "gk.csv", *args, "--catalog", cat, "--out",
                  tmp_path / "bad")
        assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    res = run("screen", tmp_path / "gk.csv", "--catalog", cat, "--out", tmp_path / "none")
    assert res.exit_code == 2 and "zone number" in res.output


@pytest.mark.filterwarnings("error::DeprecationWarning")
def test_an_xlsx_project_sheet_is_read_without_deprecated_pandas(region, tmp_path):
    """A workbook of projects (the sheet named with --layer, another sheet beside it) is
    screened with no DeprecationWarning of pandas (ExcelFile.parse is deprecated): the ids keep
    their leading zeros, the point in the red line is prohibited; a sheet not in the workbook
    is named with the sheets it has (exit 2)."""
    _, cat = region
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(["项目编号", "名称", "经度", "纬度"])
    for pid, name, point in (("001", "红线内", shapely.Point(150, 150)),
                             ("002", "红线外", shapely.Point(1500, 1500))):
        lonlat = to_lonlat([point]).iloc[0]
        sheet.append([pid, name, lonlat.x, lonlat.y])
    book.create_sheet("说明").append(["not projects"])
    book.save(tmp_path / "projects.xlsx")
    res = run("screen", tmp_path / "projects.xlsx", "--layer", "项目", "--type", "pv",
              "--coords", "wgs84", "--catalog", cat, "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "o" / "screening.csv", encoding="utf-8-sig", dtype=str)
    assert list(table["project_id"]) == ["001", "002"]
    assert table.set_index("project_id").loc["001", "verdict"] == "prohibited"
    res = run("screen", tmp_path / "projects.xlsx", "--layer", "x", "--type", "pv",
              "--coords", "wgs84", "--catalog", cat, "--out", tmp_path / "x")
    assert res.exit_code == 2 and "no sheet 'x'" in res.output and "说明" in res.output


def test_crs_message_names_the_option_of_this_command(region, tmp_path):
    _, cat = region
    _gk_table(tmp_path / "gk.csv")
    res = run("screen", tmp_path / "gk.csv", "--catalog", cat, "--out", tmp_path / "none")
    assert res.exit_code == 2 and "--crs EPSG:" in res.output
    assert "crs = " not in res.output  # not the catalog's wording


def test_layer_message_names_the_option_of_this_command(region, tmp_path):
    _, cat = region
    path = tmp_path / "two.gpkg"
    frame = gpd.GeoDataFrame({"name": ["a"], "type": ["pv"]},
                             geometry=to_lonlat([box(1000, 1000, 1100, 1100)]).values, crs=4326)
    frame.to_file(path, layer="first")
    frame.to_file(path, layer="second")
    res = run("screen", path, "--catalog", cat, "--out", tmp_path / "o")
    assert res.exit_code == 2 and "--layer" in res.output
    assert "in the catalog" not in res.output
    res = run("screen", path, "--layer", "second", "--catalog", cat, "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output


def test_reader_problems_are_shown_once_grouped(tmp_path):
    """A GBK table (encoding guessed) and a catalog layer with an unmapped value: each problem
    once on stderr, under its file or layer, and no second copy from Python's warnings."""
    cat = write_catalog(tmp_path / "data", {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300), "name": "红线"}]),
        "units": ("control_unit", [{"geometry": box(-3000, -3000, 3000, 3000),
                                    "unit_type": "优先保护", "unit_code": "ZH52010210001"}]),
    })
    pt = to_lonlat([shapely.Point(1000, 1000)]).iloc[0]
    table = tmp_path / "gbk.csv"
    table.write_bytes(f"project_id,name,type,lon,lat\nK1,贵阳光伏,pv,{pt.x:.7f},{pt.y:.7f}\n"
                      .encode("gb18030"))
    res = run("screen", table, "--coords", "wgs84", "--catalog", cat, "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    err = res.stderr.splitlines()
    assert f"{table}:" in err  # the project file's group
    assert sum("GB18030" in line for line in err) == 1
    assert err[err.index(f"{table}:") + 1].lstrip().startswith("警告：")  # zh, the default
    assert "catalog.toml, layer 'units' (units.gpkg):" in err
    assert sum("优先保护" in line for line in err) == 1
    assert not [line for line in err if line.startswith("Warning:")]


def test_problems_of_layers_read_for_the_map_are_shown_too(tmp_path):
    """An admin boundary no rule reads, drawn on map.html: its reader's warning (a GBK shapefile
    without .cpg) is shown once and does not break the map, whenever the layer is read."""
    cat = write_catalog(tmp_path / "data", {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300), "name": "红线"}]),
    })
    frame = gpd.GeoDataFrame({"name": ["贵阳市观山湖区"], "admin_code": ["520115"]},
                             geometry=to_lonlat([box(-5000, -5000, 5000, 5000)]).values, crs=4326)
    frame.to_file(tmp_path / "data" / "county.shp", encoding="gb18030")
    (tmp_path / "data" / "county.cpg").unlink(missing_ok=True)
    with open(cat, "a", encoding="utf-8") as f:
        f.write('\n[[layer]]\nid = "county"\nkind = "admin_boundary"\npath = "county.shp"\n')
    rows = [{"project_id": "M1", "name": "地图", "type": "pv", "geometry": box(100, 100, 150, 150)}]
    _geojson(tmp_path / "p.geojson", rows)
    res = run("screen", tmp_path / "p.geojson", "--catalog", cat, "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    err = res.stderr.splitlines()
    assert "catalog.toml, layer 'county' (county.shp):" in err
    assert sum("no .cpg file" in line for line in err) == 1
    assert "520115" in (tmp_path / "o" / "map.html").read_text(encoding="utf-8")  # drawn


def test_a_bad_row_has_its_reason_in_chinese_in_screening_csv(region, tmp_path):
    """New-user review: the reasons column of screening.csv gives each bad row's reason in
    English and Chinese, naming its row and column."""
    _, cat = region
    lonlat = to_lonlat([box(1000, 1000, 1100, 1100).centroid]).iloc[0]
    path = tmp_path / "points.csv"
    path.write_text("name,type,lon,lat\n"
                    f"good,pv,{lonlat.x:.6f},{lonlat.y:.6f}\n"
                    f"bad,pv,,{lonlat.y:.6f}\n", encoding="utf-8")
    res = run("screen", path, "--coords", "wgs84", "--catalog", cat, "--out", tmp_path / "o")
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "o" / "screening.csv", dtype=str, keep_default_na=False)
    bad = table[table["name"] == "bad"].iloc[0]
    assert bad["verdict"] == "error"
    assert "row 3: no value in column 'lon'" in bad["reasons"]
    assert "第 3 行：“lon”列没有值" in bad["reasons"]
