"""A thin sliver between layers digitised apart (the admin boundary and the control units, or two
admin features) is no hole in the unit layer and no ground outside the coverage: no ``review``,
a data-quality note instead; a real hole (a 3 m strip, a 5 m × 5 m gap) stays ``review`` (review
23 F7).

Each test runs the real command on a small real catalog and project file."""

from __future__ import annotations

import pandas as pd
import pytest
from _rule_scenarios import LAYERS
from _screen_helpers import box, projects, write_catalog
from click.testing import CliRunner

from maps.cli import cli

X = 5000.0
"""Where the two control units (or admin features) meet [local m]; the project straddles it."""
UNIT = {"unit_type": "general"}
WHOLE = (-20000, -20000, 130000, 35000)
"""The 520102 admin feature of :data:`LAYERS` [local m]."""


def _units(gap: str) -> list[dict]:
    """Two control units meeting at :data:`X` with ``gap`` between them, or one with a hole."""
    x0, y0, x1, y1 = WHOLE
    if gap == "hole_5x5":
        return [{"geometry": box(*WHOLE).difference(box(X - 2.5, 9040, X + 2.5, 9045)),
                 "unit_code": "ZH52010230001", **UNIT}]
    width = {"sliver_0.5": 0.5, "strip_3": 3.0, "gap_5": 5.0, "none": 0.0}[gap]
    return [{"geometry": box(x0, y0, X, y1), "unit_code": "ZH52010230001", **UNIT},
            {"geometry": box(X + width, y0, x1, y1), "unit_code": "ZH52010230002", **UNIT}]


def _screen(tmp_path, units: list[dict], admin: list[dict] | None = None, lang: str = "zh"):
    layers = {**LAYERS, "units": ("control_unit", units)}
    layers["admin"] = ("admin_boundary", admin) if admin else LAYERS["admin"]
    cat = write_catalog(tmp_path / "region", layers)
    f = tmp_path / "projects.gpkg"
    projects([{"project_id": "S1", "name": "跨单元光伏", "type": "pv", "component": "array",
               "geometry": box(X - 50, 9000, X + 50, 9100)}]).to_file(f)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["screen", str(f), "--catalog", str(cat), "--out", str(out),
                                 "--lang", lang])
    assert r.exit_code == 0, r.output
    summary = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False)
    hits = pd.read_csv(out / "screening_hits.csv", encoding="utf-8-sig", keep_default_na=False)
    return summary.iloc[0], hits, (out / "report.html").read_text(encoding="utf-8")


def test_a_half_metre_sliver_between_two_units_is_a_note_not_a_review(tmp_path):
    """50 m² of the footprint lies in a 0.5 m wide sliver between two units: no
    control_unit_gap, the verdict is what the other rules give (as with units that meet), and
    the hit and the report's data-quality table say the layers do not fit."""
    row, hits, html = _screen(tmp_path, _units("sliver_0.5"))
    flush, _, _ = _screen(tmp_path / "flush", _units("none"))
    assert "control_unit_gap" not in set(hits["rule_id"])
    assert row["verdict"] == flush["verdict"] == "admitted"
    note = hits[hits["rule_id"] == "layer_sliver"]
    assert list(note["outcome"]) == ["admitted"] and list(note["kind"]) == ["control_unit"]
    assert note["overlap_m2"].iloc[0] == pytest.approx(50, abs=1)
    msg = note["message"].iloc[0]
    assert msg.startswith("项目 0.5%（50 m²）") and "宽度不足 1 m 的缝隙" in msg
    assert "图层套合（缝隙宽度不足 1 m，按数字化误差处理）" in html
    assert "S1: 项目 0.5%（50 m²）" in html


@pytest.mark.parametrize("gap,m2", [("gap_5", 500), ("strip_3", 300), ("hole_5x5", 25)])
def test_a_real_hole_in_the_unit_layer_is_still_a_review(tmp_path, gap, m2):
    row, hits, _ = _screen(tmp_path, _units(gap), lang="en")
    assert row["verdict"] == "review"
    found = hits[hits["rule_id"] == "control_unit_gap"]
    assert list(found["outcome"]) == ["review"]
    assert found["overlap_m2"].iloc[0] == pytest.approx(m2, rel=0.01)
    assert "a hole in the unit layer" in found["message"].iloc[0]
    assert "layer_sliver" not in set(hits["rule_id"])


def test_a_tiny_real_hole_never_reads_zero_percent(tmp_path):
    """A 5 m × 5 m hole under a 200 m × 100 m footprint is 0.1 %; under a 300 m × 300 m one it is
    <0.1 %, never 0.0 % beside a review."""
    x0, y0, x1, y1 = WHOLE
    units = [{"geometry": box(*WHOLE).difference(box(X - 2.5, 9040, X + 2.5, 9045)),
              "unit_code": "ZH52010230001", **UNIT}]
    layers = {**LAYERS, "units": ("control_unit", units)}
    cat = write_catalog(tmp_path / "region", layers)
    f = tmp_path / "big.gpkg"
    projects([{"project_id": "B1", "type": "pv", "component": "array",
               "geometry": box(X - 150, 8900, X + 150, 9200)}]).to_file(f)
    r = CliRunner().invoke(cli, ["screen", str(f), "--catalog", str(cat), "--out",
                                 str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    hits = pd.read_csv(tmp_path / "o" / "screening_hits.csv", encoding="utf-8-sig")
    msg = hits.loc[hits["rule_id"] == "control_unit_gap", "message"].iloc[0]
    assert msg.startswith("项目 <0.1%（25 m²）"), msg


def test_a_sliver_between_two_admin_features_is_no_ground_outside_the_coverage(tmp_path):
    """The admin boundary drawn as two features 0.5 m apart: the project across the seam is not
    partly outside the catalog's coverage (a note instead); 3 m apart it is."""
    x0, y0, x1, y1 = WHOLE
    for width, verdict in ((0.5, "admitted"), (3.0, "review")):
        admin = [{"geometry": box(x0, y0, X, y1), "admin_code": "520102"},
                 {"geometry": box(X + width, y0, x1, y1), "admin_code": "520102"},
                 *LAYERS["admin"][1][1:]]
        row, hits, _ = _screen(tmp_path / str(width), [{"geometry": box(*WHOLE),
                                                         "unit_code": "ZH52010230001", **UNIT}],
                               admin, lang="en")
        assert row["verdict"] == verdict, (width, row["reasons"])
        outside = hits[hits["rule_id"] == "coverage"]
        note = hits[hits["rule_id"] == "layer_sliver"]
        if verdict == "admitted":
            assert outside.empty and list(note["kind"].fillna("")) == [""]
            assert "lies in a sliver narrower than 1 m between the features of the admin " \
                   "boundaries" in note["message"].iloc[0]
        else:
            assert list(outside["outcome"]) == ["review"] and note.empty
