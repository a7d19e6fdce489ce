"""A footprint smaller than the boundary-contact tolerance (1 m²) that stands in a feature is
an occupation, as a point there is; an edge sliver of a large project stays a contact
(review 27 F1).

Each test runs the real command on a small real catalog and project file."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from _rule_scenarios import LAYERS
from _screen_helpers import box, projects, to_lonlat, write_catalog
from click.testing import CliRunner

from maps.cli import cli

MAST_IN_RED = box(500, 500, 500.5, 500.5)
"""A 0.25 m² mast footing wholly inside the red line ``box(0, 0, 1000, 1000)`` [local m]."""
MAST_IN_FARM = box(10500, 500, 10500.5, 500.5)
"""The same footing wholly inside the basic farmland ``box(10000, 0, 11000, 1000)``."""
EDGE = box(999.7, 200, 1100, 201)
"""A 100 m² project whose 0.3 m × 1 m edge lies in the red line: 0.3 m², 0.3 % of it."""
MOSTLY_IN = box(999.6, 300, 1000.1, 300.5)
"""A 0.25 m² footing straddling the red line's edge (x = 1000), 80 % of it inside."""
MOSTLY_OUT = box(999.9, 300, 1000.4, 300.5)
"""The same footing 20 % inside: a boundary sliver of it."""
STEEL_FAR = box(25000, 500, 25000.5, 500.5)
"""A 0.25 m² coking plant footprint far from any industrial park."""


@pytest.fixture(scope="module")
def screened(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tiny")
    cat = write_catalog(tmp / "region", {k: LAYERS[k] for k in ("redline", "farmland", "parks")})
    rows = [{"project_id": "M1", "name": "红线内塔基", "type": "pv", "component": "array",
             "geometry": MAST_IN_RED},
            {"project_id": "M2", "name": "农田内塔基", "type": "pv", "component": "array",
             "geometry": MAST_IN_FARM},
            {"project_id": "E1", "name": "边界光伏", "type": "pv", "component": "array",
             "geometry": EDGE},
            {"project_id": "B1", "name": "跨边界塔基（大半在内）", "type": "pv", "component": "array",
             "geometry": MOSTLY_IN},
            {"project_id": "B2", "name": "跨边界塔基（小半在内）", "type": "pv", "component": "array",
             "geometry": MOSTLY_OUT},
            {"project_id": "S1", "name": "园区外小焦化厂", "type": "industrial", "industry": "coking",
             "geometry": STEEL_FAR}]
    f = tmp / "projects.gpkg"
    projects(rows).to_file(f)
    out = tmp / "out"
    r = CliRunner().invoke(cli, ["screen", str(f), "--catalog", str(cat), "--out", str(out),
                                 "--lang", "en"])
    assert r.exit_code == 0, r.output
    summary = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False)
    hits = pd.read_csv(out / "screening_hits.csv", encoding="utf-8-sig", keep_default_na=False)
    return cat, summary.set_index("project_id"), hits


def _hit(hits: pd.DataFrame, project: str, rule: str) -> pd.Series:
    rows = hits[(hits["project_id"] == project) & (hits["rule_id"] == rule)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


@pytest.mark.parametrize("project, rule", [("M1", "red_line"), ("M2", "basic_farmland")])
def test_footing_smaller_than_the_tolerance_inside_a_feature_is_prohibited(screened, project,
                                                                           rule):
    """0.25 m² is under the 1 m² tolerance but it is the whole footprint: occupation."""
    _, summary, hits = screened
    hit = _hit(hits, project, rule)
    assert hit["check"] == "fired" and hit["outcome"] == "prohibited"
    assert float(hit["overlap_share"]) == pytest.approx(1.0)
    assert float(hit["overlap_m2"]) < float(hit["tolerance_m2"]) == 1.0
    assert summary.loc[project, "verdict"] == "prohibited"


def test_edge_sliver_of_a_large_project_stays_a_contact(screened):
    _, summary, hits = screened
    hit = _hit(hits, "E1", "red_line")
    assert hit["check"] == "contact" and hit["outcome"] == "contact"
    assert float(hit["overlap_m2"]) == pytest.approx(0.3, rel=0.05)
    assert "under half the footprint" in hit["message"]
    assert summary.loc["E1", "verdict"] != "prohibited"


def test_a_footing_across_the_edge_occupies_when_mostly_inside(screened):
    """Both overlaps are within the tolerance; 80 % inside is occupation, 20 % a contact."""
    _, summary, hits = screened
    mostly_in, mostly_out = _hit(hits, "B1", "red_line"), _hit(hits, "B2", "red_line")
    assert float(mostly_in["overlap_share"]) == pytest.approx(0.8, abs=0.02)
    assert mostly_in["outcome"] == "prohibited" and mostly_in["check"] == "fired"
    assert float(mostly_out["overlap_share"]) == pytest.approx(0.2, abs=0.02)
    assert mostly_out["outcome"] == "contact" and mostly_out["check"] == "contact"
    assert summary.loc["B1", "verdict"] == "prohibited"
    assert summary.loc["B2", "verdict"] != "prohibited"


def test_footprint_smaller_than_the_tolerance_is_not_inside_a_park_it_misses(screened):
    """Being covered within the tolerance needs the footprint mostly covered: a 0.25 m² coking
    plant 5 km from any park is outside the parks."""
    _, summary, hits = screened
    hit = _hit(hits, "S1", "two_high_outside_park")
    assert hit["outcome"] == "prohibited"
    assert summary.loc["S1", "verdict"] == "prohibited"


@pytest.mark.parametrize("geom, verdict", [(MAST_IN_RED, "prohibited"),
                                           (MAST_IN_FARM, "prohibited")])
def test_check_wkt_agrees_with_screen(screened, geom, verdict):
    cat, _, _ = screened
    wkt = to_lonlat([geom]).iloc[0].wkt
    r = CliRunner().invoke(cli, ["check", "--wkt", wkt, "--coords", "wgs84", "--type", "pv",
                                 "--attr", "component=array", "--catalog", str(cat), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["verdict"] == verdict
