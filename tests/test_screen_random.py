"""Random broken project files through ``siting screen``: never a traceback, every row kept.

Hypothesis writes GeoJSON files and coordinate tables mixing valid, invalid, empty and null
geometries, NaN / infinite / huge / swapped coordinates, missing and odd-typed attributes and junk
text (formula prefixes, control characters, markup), and runs the real console entry point on
them. The command either screens the file (exit 0, one row per input row in ``screening.csv``, in
order) or refuses it as a whole (exit 2, the message names the file); an internal error (exit 1)
or a traceback fails the test.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from _screen_helpers import box, write_catalog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import maps.cli
from maps.cli.outputs import LOG_NAME


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return write_catalog(tmp_path_factory.mktemp("random") / "data", {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 3000, 3000)}]),
        "units": ("control_unit", [{"geometry": box(-3000, -3000, 9000, 9000),
                                    "unit_type": "优先保护", "unit_code": "ZH520102"}]),
    })


LON, LAT = st.floats(106.68, 106.75), st.floats(26.58, 26.64)  # on and around the layers
_odd = st.sampled_from([math.nan, math.inf, -math.inf, 1e300, -1e-300, 0.0, 36512000.0,
                        2945000.0, 512000.0, 180.5, -90.5])
_x = st.one_of(LON, LON, _odd, st.floats(width=32))
_y = st.one_of(LAT, LAT, _odd, st.floats(width=32))
_pos = st.one_of(st.tuples(_x, _y).map(list),
                 st.tuples(LAT, LON).map(list),                       # lat/lon swapped
                 st.tuples(_x, _y, _x).map(list), st.lists(_x, max_size=1))
_ring = st.lists(_pos, min_size=0, max_size=6)
_closed = _ring.map(lambda r: r + r[:1])
_geometry = st.one_of(
    st.none(),
    st.builds(lambda p: {"type": "Point", "coordinates": p}, _pos),
    st.builds(lambda r: {"type": "LineString", "coordinates": r}, _ring),
    st.builds(lambda r: {"type": "Polygon", "coordinates": [r]}, st.one_of(_closed, _closed, _ring)),
    st.builds(lambda r: {"type": "MultiPolygon", "coordinates": [[r]]}, _closed),
    st.builds(lambda g: {"type": "GeometryCollection", "geometries": g},
              st.lists(st.builds(lambda p: {"type": "Point", "coordinates": p}, _pos),
                       max_size=2)),
    st.sampled_from([{"type": "Polygon", "coordinates": []}, {"type": "Blob", "coordinates": 5},
                     {"type": "Point", "coordinates": "106.7,26.6"}, {"type": "Point"}]))
JUNK = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2", "@SUM(A1)", "\tTAB", "\rCR",
        "bell\x07", "esc\x1b[31m", "<script>alert(1)</script>", "优先保护", "是", "否", "yes",
        "", " ", "NaN", "1e400", "-1", "0", "{}", "[1]"]
_text = st.one_of(st.sampled_from(JUNK), st.text(max_size=12))
_value = st.one_of(_text, st.none(), st.booleans(), st.integers(-10**20, 10**20),
                   st.floats(allow_nan=True, allow_infinity=True), st.lists(_text, max_size=2),
                   st.dictionaries(st.sampled_from(["a", "b"]), _text, max_size=1))
_props = st.fixed_dictionaries({}, optional={
    "name": _value, "type": st.one_of(st.sampled_from(["pv", "wind", "industrial", "mining"]),
                                      _value),
    "industry": st.one_of(st.sampled_from(["chemical", "steel", "coal_power"]), _value),
    "two_high": _value, "capacity_mw": _value, "national_major": _value,
    "capacity_replacement": _value, "replacement_ratio": _value, "component": _value,
    "risk_control_part": _value, "notes": _value})
_cell = st.one_of(st.sampled_from(["", "NaN", "inf", "-", "106°42′", "26 36 0", "北纬26度",
                                   "36512000", "2945000", "#N/A"]), LON.map(str), LAT.map(str),
                  _odd.map(str), _text)


def _main(monkeypatch, capsys, args):
    monkeypatch.setattr(sys, "argv", ["siting", *map(str, args)])
    with pytest.raises(SystemExit) as info:
        maps.cli.main()
    captured = capsys.readouterr()
    return info.value.code, captured.out + captured.err


def _check(code: int, output: str, path: Path, out: Path, ids: list[str] | None, n: int):
    assert "Traceback" not in output, output
    log = out / LOG_NAME
    assert code in (0, 2), (output, log.read_text(encoding="utf-8") if log.exists() else "")
    if code == 2:  # refused as a whole: the message names the file
        assert path.name in output, output
        return
    table = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False,
                        dtype=str)
    assert len(table) == n
    if ids is not None:
        assert list(table["project_id"]) == ids


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(_geometry, _props), min_size=1, max_size=6),
       own_ids=st.booleans())
def test_random_broken_geojson_through_screen(catalog, monkeypatch, capsys, rows, own_ids):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "projects.geojson"
        ids = [f"P{i}" for i in range(len(rows))]
        features = [{"type": "Feature", "geometry": g,
                     "properties": {**p, **({"project_id": pid} if own_ids else {})}}
                    for pid, (g, p) in zip(ids, rows)]
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features},
                                   ensure_ascii=False), encoding="utf-8")  # NaN stays NaN
        out = Path(tmp) / "out"
        code, output = _main(monkeypatch, capsys, ["screen", path, "--catalog", catalog,
                                                   "--out", out, "--lang", "en"])
        _check(code, output, path, out, ids if own_ids else None, len(rows))


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(_cell, _cell, _text, _text), min_size=1, max_size=6),
       coords=st.sampled_from([None, "wgs84", "gcj02", "cgcs2000"]))
def test_random_coordinate_tables_through_screen(catalog, monkeypatch, capsys, rows, coords):
    import csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "projects.csv"
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["project_id", "lon", "lat", "name", "type"])
            writer.writerows([(f"R{i}", *row) for i, row in enumerate(rows)])
        out = Path(tmp) / "out"
        args = ["screen", path, "--catalog", catalog, "--out", out, "--lang", "en"]
        code, output = _main(monkeypatch, capsys, args + (["--coords", coords] if coords else []))
        _check(code, output, path, out, [f"R{i}" for i in range(len(rows))], len(rows))
