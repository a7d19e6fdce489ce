"""The screening checklist: every rule-relevant layer kind per project, with totals and nearest
distances, from a real screening of a small synthetic region whose geometry gives the answers
(rectangles in local metres: areas and distances known by hand)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from _screen_helpers import box, projects, write_catalog
from pyproj import Geod

from geo import vocabulary
from geo.checklist import M2_PER_MU, STATUSES, checklist, feature_evidence, locations
from geo.rules import load_rules
from geo.screen import screen

PV = {"type": "pv", "component": "array"}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    cat = write_catalog(tmp_path_factory.mktemp("region"), {
        # two red-line polygons that overlap each other between x 500 and 1000
        "red": ("ecological_red_line", [{"geometry": box(0, 0, 1000, 1000), "name": "R1"},
                                        {"geometry": box(500, 0, 1500, 1000), "name": "R2"}]),
        "units": ("control_unit", [{"geometry": box(-5000, -5000, 9000, 5000),
                                    "unit_code": "ZH1", "name": "U1"}],
                  {"defaults": {"unit_type": "general", "prohibited_industries": [],
                                "park_only_industries": []}}),
        # a reserve without its zone column: the zone is an unknown fact
        "reserve": ("nature_reserve", [{"geometry": box(3000, 0, 4000, 1000), "name": "NR"}]),
        "villages": ("settlement", [{"geometry": box(6000, 0, 6100, 100), "name": "V"}]),
    })
    rows = [
        {**PV, "project_id": "A", "geometry": box(800, 200, 1100, 400)},   # both red polygons
        {**PV, "project_id": "B", "geometry": box(2500, 200, 2600, 300)},  # 1000 m from red
        {**PV, "project_id": "C", "geometry": box(3900, 200, 4200, 400)},  # reserve, zone unknown
        {"type": "wind", "project_id": "D", "geometry": box(6300, 0, 6400, 100)},  # 200 m village
        {**PV, "project_id": "E", "geometry": shapely.LineString([(-500, 500), (1500, 500)])},
        {**PV, "project_id": "F", "geometry": box(8000, 4000, 8100, 4100)},  # far from all
        {**PV, "project_id": "G", "geometry": box(1500, 0, 1600, 100)},  # touches R2's edge
    ]
    result, hits = screen(projects(rows), cat)
    return result, hits


def _row(table, project_id, kind):
    sel = table[(table["project_id"] == project_id) & (table["kind"] == kind)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_every_kind_for_every_project(run):
    result, hits = run
    table = checklist(result, hits)
    kinds = result.attrs["kinds"]
    assert len(table) == len(result) * len(kinds)
    assert list(table["kind"].iloc[:len(kinds)]) == kinds
    assert set(table["status"]) <= set(STATUSES)
    # kinds the rules use but the catalog lacks are "not provided" for everybody
    assert (table.loc[table["kind"] == "basic_farmland", "status"] == "not_provided").all()


def test_occupied_totals_sum_the_features(run):
    result, hits = run
    a = _row(checklist(result, hits), "A", "ecological_red_line")
    assert a["status"] == "occupied" and a["outcome"] == "prohibited"
    assert a["n_features"] == 2
    # R1 holds 200 x 200, R2 holds 300 x 200 of the 300 x 200 footprint: they overlap
    assert a["overlap_m2"] == pytest.approx(40_000 + 60_000, rel=1e-3)
    assert a["overlap_share_sum"] == pytest.approx(100_000 / 60_000, rel=1e-3)
    assert a["feature_ids"] == "red-1, red-2"


def test_near_clear_and_nearest_distance(run):
    result, hits = run
    table = checklist(result, hits)
    b = _row(table, "B", "ecological_red_line")
    assert b["status"] == "near" and b["outcome"] == ""
    assert b["distance_m"] == pytest.approx(1000, abs=0.5)
    f = _row(table, "F", "ecological_red_line")
    assert f["status"] == "clear" and np.isnan(f["distance_m"])
    assert f["search_m"] == 2000


def test_unknown_fact_names_feature_and_attribute(run):
    result, hits = run
    c = _row(checklist(result, hits), "C", "nature_reserve")
    assert c["status"] == "occupied" and c["outcome"] == "review"
    assert c["n_unknown"] >= 1
    assert c["unknown"].startswith("reserve-1: ") and "zone" in c["unknown"]
    assert "treated as review" not in c["unknown"]  # the reason only, not the wrapper text


def test_within_distance_with_the_rules_threshold(run):
    result, hits = run
    d = _row(checklist(result, hits, rules=load_rules()), "D", "settlement")
    assert d["status"] == "within" and d["outcome"] == "review"
    assert d["distance_m"] == pytest.approx(200, abs=0.5)
    assert d["rule_distance_m"] == 500


def test_line_length_inside_and_boundary_contact(run):
    result, hits = run
    table = checklist(result, hits)
    e = _row(table, "E", "ecological_red_line")
    assert e["status"] == "occupied" and e["n_features"] == 2
    assert e["overlap_length_m"] == pytest.approx(1000 + 1000, rel=1e-3)  # 0-1000, 500-1500
    g = _row(table, "G", "ecological_red_line")
    assert g["status"] == "contact" and g["n_contact"] == 1 and g["overlap_m2"] == 0


def test_feature_evidence_one_row_per_feature(run):
    _, hits = run
    feats = feature_evidence(hits)
    assert not feats.duplicated(["row", "kind", "layer_id", "feature_id"]).any()
    units = feats[(feats["kind"] == "control_unit")]
    # the unit is cited by several rules per project, listed once with every rule id
    assert units.groupby("row").size().max() == 1
    assert units["rules"].str.contains("control_unit_listed").all()


def test_error_projects_have_no_checklist(run, tmp_path):
    result, hits = run
    broken = result.copy()
    broken.loc[broken["project_id"] == "B", "error"] = "bad footprint"
    table = checklist(broken, hits)
    assert "B" not in set(table["project_id"])


def test_locations_area_in_ha_and_mu_agree_with_geodesic():
    import geopandas as gpd

    ring = shapely.box(106.70, 26.60, 106.71, 26.61)
    frame = gpd.GeoDataFrame({"project_id": ["P"]}, geometry=[ring], crs=4326)
    loc = locations(frame.to_crs(4545)).iloc[0]
    geodesic = abs(Geod(ellps="GRS80").geometry_area_perimeter(ring)[0])
    assert loc["area_m2"] == pytest.approx(geodesic, rel=1e-3)
    assert loc["area_ha"] == pytest.approx(geodesic / 1e4, rel=1e-3)
    assert loc["area_mu"] == pytest.approx(geodesic * 15 / 1e4, rel=1e-3)
    assert M2_PER_MU == pytest.approx(666.67, abs=0.01)
    assert (loc["lon"], loc["lat"]) == pytest.approx((106.705, 26.605), abs=1e-5)
    line = gpd.GeoDataFrame(geometry=[shapely.LineString([(106.7, 26.6), (106.71, 26.6)])],
                            crs=4326).to_crs(4545)
    assert locations(line).iloc[0]["shape"] == "line"
    assert np.isnan(locations(line).iloc[0]["area_m2"])


def test_every_vocabulary_value_has_both_labels():
    for field, values in (("type", vocabulary.TYPES), ("industry", vocabulary.INDUSTRIES),
                          ("component", vocabulary.COMPONENTS),
                          ("allowed_activity", vocabulary.ALLOWED_ACTIVITIES),
                          ("national_major", vocabulary.MAJOR_CATEGORIES)):
        for value in values:
            zh, en = vocabulary.label(field, value, "zh"), vocabulary.label(field, value, "en")
            assert zh != value and en and "_" not in en and zh != en, (field, value)
    assert vocabulary.label("type", "my own type", "zh") == "my own type"  # free text kept
    assert vocabulary.label("industry", None, "en") == ""
