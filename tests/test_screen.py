"""Screening: every default rule fires where it should and stays silent where it should not."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
from _screen_helpers import box, projects, to_lonlat, write_catalog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.rules import SEVERITY, load_rules
from geo.screen import HIT_COLUMNS, screen

NATIONAL = load_rules()
P = shapely.Point

LAYERS = {
    "redline": ("ecological_red_line", [{"geometry": box(0, 0, 1000, 1000), "name": "红线"}]),
    "farmland": ("basic_farmland", [{"geometry": box(10000, 0, 11000, 1000)}]),
    "urban": ("urban_boundary", [{"geometry": box(20000, 0, 21000, 1000)}]),
    "parks": ("industrial_park", [
        {"geometry": box(30000, 0, 31000, 1000), "admitted_industries": ["chemical", "steel"],
         "prohibited_industries": ["coking"], "planning_eia": True, "name": "good park"},
        {"geometry": box(32000, 0, 33000, 1000), "admitted_industries": ["chemical"],
         "planning_eia": False, "name": "no-EIA park"},
        {"geometry": box(20500, 20000, 21000, 21000), "admitted_industries": ["manufacturing"],
         "planning_eia": True, "name": "park in general unit"}]),
    "units": ("control_unit", [
        {"geometry": box(0, 20000, 1000, 21000), "unit_type": "priority",
         "unit_code": "ZH52010210001"},
        {"geometry": box(10000, 20000, 11000, 21000), "unit_type": "key",
         "unit_code": "ZH52010220001", "spatial_layout": "禁止新建<b>化工</b>"},
        {"geometry": box(20000, 20000, 21000, 21000), "unit_type": "general",
         "unit_code": "ZH52010230001", "prohibited_industries": ["coal_power"],
         "park_only_industries": ["manufacturing"]}]),
    "rivers": ("river", [
        {"geometry": shapely.LineString([(40000, -2000), (40000, 3000)]), "yangtze_system": True},
        {"geometry": shapely.LineString([(42000, -2000), (42000, 3000)]),
         "yangtze_system": False}]),
    "reserve": ("nature_reserve", [{"geometry": box(50000, 0, 51000, 1000), "zone": "core"},
                                   {"geometry": box(52000, 0, 53000, 1000), "zone": "general"}]),
    "water": ("water_source", [{"geometry": box(60000, 0, 61000, 1000), "grade": 1},
                               {"geometry": box(62000, 0, 63000, 1000), "grade": 2}]),
    "mines": ("abandoned_mine", [{"geometry": box(70000, 0, 71000, 1000)}]),
    "subsidence": ("subsidence_area", [{"geometry": box(72000, 0, 73000, 1000), "stable": True},
                                       {"geometry": box(74000, 0, 75000, 1000), "stable": False}]),
    "landfill": ("closed_landfill", [{"geometry": box(76000, 0, 77000, 1000)}]),
    "contaminated": ("contaminated_site", [
        {"geometry": box(78000, 0, 79000, 1000), "in_risk_register": True},
        {"geometry": box(80000, 0, 81000, 1000), "in_risk_register": False}]),
    "slag": ("slag_heap", [{"geometry": box(82000, 0, 83000, 1000), "material": "red_mud"}]),
    "settlements": ("settlement", [{"geometry": box(90000, 0, 90100, 100)}]),
}


def sq(x: float, y: float, s: float = 100) -> shapely.Polygon:
    return box(x, y, x + s, y + s)


PV, WIND = {"type": "pv"}, {"type": "wind"}
IND = {"type": "industrial"}
# rule id -> (projects where it must fire, projects where it must not)
SCENARIOS: dict[str, tuple[list[dict], list[dict]]] = {
    "red_line": ([{**PV, "geometry": sq(100, 100)}],
                 [{**PV, "geometry": sq(2000, 2000)},
                  {"type": "infrastructure", "allowed_activity": "linear_infrastructure",
                   "geometry": sq(100, 100)}]),
    "red_line_allowed_activity": (
        [{"type": "infrastructure", "allowed_activity": "linear_infrastructure",
          "geometry": sq(100, 100)}],
        [{**PV, "allowed_activity": "other_lawful", "geometry": sq(100, 100)},
         {"type": "infrastructure", "geometry": sq(100, 100)}]),
    "red_line_pv_wind_claim": ([{**PV, "allowed_activity": "other_lawful",
                                 "geometry": sq(100, 100)}],
                               [{**PV, "geometry": sq(100, 100)}]),
    "red_line_national_major": ([{"type": "infrastructure", "national_major": True,
                                  "geometry": sq(100, 100)}],
                                [{"type": "infrastructure", "national_major": True,
                                  "geometry": sq(3000, 3000)}]),
    "basic_farmland": ([{**PV, "geometry": sq(10100, 100)}],
                       [{"type": "infrastructure", "national_major": True,
                         "geometry": sq(10100, 100)}]),
    "basic_farmland_national_major": ([{"type": "infrastructure", "national_major": True,
                                        "geometry": sq(10100, 100)}],
                                      [{**PV, "geometry": sq(10100, 100)}]),
    "urban_boundary_industrial": ([{**IND, "industry": "manufacturing", "geometry": sq(5000, 5000)}],
                                  [{**IND, "industry": "manufacturing", "geometry": sq(20100, 100)},
                                   {**IND, "industry": "chemical", "geometry": sq(30100, 100)}]),
    "control_unit_listed": ([{**PV, "geometry": sq(20100, 20100)}],
                            [{**PV, "geometry": sq(5000, 5000)}]),
    "control_unit_priority_industrial": ([{**IND, "industry": "manufacturing",
                                           "geometry": sq(100, 20100)}],
                                         [{**PV, "geometry": sq(100, 20100)}]),
    "control_unit_key": ([{**PV, "geometry": sq(10100, 20100)}],
                         [{**PV, "geometry": sq(20100, 20100)}]),
    "control_unit_prohibited_industry": ([{**IND, "industry": "coal_power",
                                           "geometry": sq(20100, 20100)}],
                                         [{**IND, "industry": "manufacturing",
                                           "geometry": sq(20100, 20100)}]),
    "control_unit_park_only": ([{**IND, "industry": "manufacturing", "geometry": sq(20100, 20100)}],
                               [{**IND, "industry": "manufacturing",
                                 "geometry": sq(20600, 20100)}]),
    "two_high_outside_park": ([{**IND, "industry": "chemical", "geometry": sq(5000, 5000)}],
                              [{**IND, "industry": "chemical", "geometry": sq(30100, 100)}]),
    "park_prohibits_industry": ([{**IND, "industry": "coking", "geometry": sq(30100, 100)}],
                                [{**IND, "industry": "chemical", "geometry": sq(30100, 100)}]),
    "park_not_admitted": ([{**IND, "industry": "steel", "geometry": sq(32100, 100)}],
                          [{**IND, "industry": "chemical", "geometry": sq(32100, 100)}]),
    "park_no_planning_eia": ([{**IND, "industry": "chemical", "geometry": sq(32100, 100)}],
                             [{**IND, "industry": "chemical", "geometry": sq(30100, 100)}]),
    "capacity_replacement": ([{**IND, "industry": "steel", "geometry": sq(30100, 100)}],
                             [{**IND, "industry": "steel", "capacity_replacement": True,
                               "geometry": sq(30100, 100)}]),
    "pollutant_offset": ([{**IND, "industry": "chemical", "geometry": sq(30100, 100)}],
                         [{**IND, "industry": "chemical", "pollutant_offset": True,
                           "geometry": sq(30100, 100)}]),
    "yangtze_chemical_1km": ([{**IND, "industry": "chemical", "geometry": sq(40500, 100)}],
                             [{**IND, "industry": "chemical", "geometry": sq(42100, 100)}]),
    "nature_reserve_core": ([{**PV, "geometry": sq(50100, 100)}],
                            [{**PV, "geometry": sq(52100, 100)}]),
    "water_source_grade1": ([{**PV, "geometry": sq(60100, 100)}],
                            [{**PV, "geometry": sq(62100, 100)}]),
    "water_source_grade2": ([{**PV, "geometry": sq(62100, 100)}],
                            [{**PV, "geometry": sq(60100, 100)}]),
    "degraded_land_encouraged": ([{**PV, "geometry": box(70000, 0, 71400, 1000)}],
                                 [{**PV, "geometry": box(70600, 0, 71600, 1000)},
                                  {**IND, "industry": "manufacturing",
                                   "geometry": box(70000, 0, 71000, 1000)}]),
    "subsidence_unstable": ([{**PV, "geometry": sq(74100, 100)}],
                            [{**PV, "geometry": sq(72100, 100)}]),
    "closed_landfill": ([{**PV, "geometry": sq(76100, 100)}],
                        [{**PV, "geometry": sq(76100, 1100)}]),
    "contaminated_site_register": ([{**PV, "geometry": sq(78100, 100)}],
                                   [{**PV, "geometry": sq(80100, 100)}]),
    "wind_setback_settlement": ([{**WIND, "geometry": P(90300, 50)}],
                                [{**WIND, "geometry": P(90700, 50)},
                                 {**PV, "geometry": sq(90300, 0)}]),
}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return write_catalog(tmp_path_factory.mktemp("region"), LAYERS)


@pytest.fixture(scope="module")
def scenario_run(catalog):
    rows = []
    for rid, (fire, silent) in SCENARIOS.items():
        for k, row in enumerate(fire):
            rows.append({**row, "project_id": f"{rid}__fire{k}"})
        for k, row in enumerate(silent):
            rows.append({**row, "project_id": f"{rid}__silent{k}"})
    result, hits = screen(projects(rows), catalog)
    assert list(result["project_id"]) == [r["project_id"] for r in rows]  # input order
    return result, hits


def test_every_default_rule_has_a_scenario():
    assert sorted(SCENARIOS) == sorted(r.id for r in NATIONAL)


@pytest.mark.parametrize("rule_id", [r.id for r in NATIONAL])
def test_rule_fires_and_stays_silent(scenario_run, rule_id):
    result, hits = scenario_run
    rule = NATIONAL.get(rule_id)
    fired = hits[(hits["rule_id"] == rule_id) & (hits["outcome"] != "contact")]
    fire, silent = SCENARIOS[rule_id]
    for k in range(len(fire)):
        got = fired[fired["project_id"] == f"{rule_id}__fire{k}"]
        assert len(got), f"{rule_id} did not fire on its firing case {k}"
        assert set(got["outcome"]) == {rule.outcome}
        assert not got["message"].str.contains("not provided").any()
    for k in range(len(silent)):
        assert fired[fired["project_id"] == f"{rule_id}__silent{k}"].empty, \
            f"{rule_id} fired on its silent case {k}"


def test_verdict_is_worst_outcome_and_rows_in_order(scenario_run):
    result, hits = scenario_run
    for i, row in result.iterrows():
        h = hits[hits["row"] == i]
        worst = max([SEVERITY[o] for o in h["outcome"]] + [1])
        expected = {3: "prohibited", 2: "review", 1: "admitted"}[max(worst, 1)]
        assert row["verdict"] == expected
        assert row["n_prohibited"] == (h["outcome"] == "prohibited").sum()
    assert list(hits.columns[:len(HIT_COLUMNS)]) == list(HIT_COLUMNS)


def test_control_units_listed_with_access_list(scenario_run):
    _, hits = scenario_run
    h = hits[(hits["project_id"] == "control_unit_key__fire0")
             & (hits["rule_id"] == "control_unit_listed")]
    assert len(h) == 1
    assert "ZH52010220001" in h["message"].iloc[0]
    assert "禁止新建<b>化工</b>" in h["message"].iloc[0]
    assert h["details"].iloc[0]["unit_type"] == "key"


def test_missing_layer_fails_closed(tmp_path):
    cat = write_catalog(tmp_path, {"redline": LAYERS["redline"]})
    result, hits = screen(projects([{**PV, "geometry": sq(5000, 5000)}]), cat)
    farm = hits[hits["rule_id"] == "basic_farmland"]
    assert list(farm["outcome"]) == ["review"]
    assert "basic_farmland not provided" in farm["message"].iloc[0]
    assert result["verdict"].iloc[0] == "review"
    # an 'admitted' rule whose layers are all missing yields nothing (no encouragement)
    assert hits[hits["rule_id"] == "degraded_land_encouraged"].empty


def test_boundary_contact_is_not_occupation(catalog):
    touching = {**PV, "geometry": box(1000, 0, 1100, 100)}          # shares an edge
    sliver = {**PV, "geometry": box(999.9, 0, 1100, 1)}              # 0.1 m² overlap
    result, hits = screen(projects([touching, sliver]), catalog)
    red = hits[hits["rule_id"] == "red_line"]
    assert set(red["outcome"]) == {"contact"}
    assert len(red) == 2
    assert (result["verdict"] != "prohibited").all()


def test_error_rows_kept_in_order(catalog):
    rows = [{**PV, "geometry": sq(100, 100)}, {"type": "spaceship", "geometry": sq(0, 0)},
            {**PV, "geometry": None}, {**PV, "geometry": sq(5000, 5000)}]
    frame = projects([{**r, "geometry": r["geometry"] or sq(0, 0)} for r in rows])
    frame.loc[2, "geometry"] = None
    result, hits = screen(frame, catalog)
    assert list(result["verdict"]) == ["prohibited", "error", "error", "admitted"]
    assert "spaceship" in result["reasons"].iloc[1] and "pv, wind" in result["reasons"].iloc[1]
    assert not (hits["row"].isin([1, 2])).any()


def test_overlap_area_matches_geodesic(catalog):
    geod = pyproj.Geod(ellps="GRS80")
    fp = box(500, 300, 1700, 900)
    result, hits = screen(projects([{**PV, "geometry": fp}]), catalog)
    red = hits[hits["rule_id"] == "red_line"].iloc[0]
    inter = shapely.intersection(to_lonlat([fp]).iloc[0], to_lonlat([box(0, 0, 1000, 1000)]).iloc[0])
    oracle = abs(geod.geometry_area_perimeter(inter)[0])
    assert red["overlap_m2"] == pytest.approx(oracle, rel=1e-3)
    full = abs(geod.geometry_area_perimeter(to_lonlat([fp]).iloc[0])[0])
    assert red["overlap_share"] == pytest.approx(oracle / full, rel=1e-3)


def test_province_override_changes_setback(catalog):
    wind = projects([{**WIND, "geometry": P(90700, 50)}])
    _, national = screen(wind, catalog)
    _, guizhou = screen(wind, catalog, ["national", "guizhou_example"])
    assert national[national["rule_id"] == "wind_setback_settlement"].empty
    hit = guizhou[guizhou["rule_id"] == "wind_setback_settlement"]
    assert len(hit) == 1 and hit["distance_m"].iloc[0] == pytest.approx(600, abs=2)


def test_chinese_messages(catalog):
    _, hits = screen(projects([{**PV, "geometry": sq(100, 100)}]), catalog, lang="zh")
    assert "生态保护红线" in hits[hits["rule_id"] == "red_line"]["message"].iloc[0]


# --- properties ------------------------------------------------------------------------------
_coord = st.floats(min_value=-3000, max_value=3000, allow_nan=False)
_size = st.floats(min_value=10, max_value=2000, allow_nan=False)
_rect = st.tuples(_coord, _coord, _size, _size).map(lambda t: box(t[0], t[1], t[0] + t[2],
                                                                  t[1] + t[3]))
_types = st.sampled_from(["pv", "wind", "industrial", "infrastructure"])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(footprints=st.lists(st.tuples(_rect, _types), min_size=1, max_size=6), extra=_rect,
       kind=st.sampled_from(["ecological_red_line", "basic_farmland", "control_unit",
                             "closed_landfill", "settlement"]))
def test_adding_a_zoning_feature_never_improves_a_verdict(tmp_path_factory, footprints, extra,
                                                          kind):
    base_layers = {"redline": LAYERS["redline"], "units": LAYERS["units"]}
    attrs = {"control_unit": {"unit_type": "key"}}.get(kind, {})
    more = dict(base_layers)
    more["extra"] = (kind, [{"geometry": extra, **attrs}])
    if kind == "ecological_red_line":
        more["extra2"] = ("basic_farmland", [{"geometry": box(10000, 0, 11000, 1000)}])
        base_layers["extra2"] = more["extra2"]
    rows = [{"type": t, "industry": "manufacturing" if t == "industrial" else "",
             "geometry": g} for g, t in footprints]
    frame = projects(rows)
    r1, _ = screen(frame, write_catalog(tmp_path_factory.mktemp("a"), base_layers))
    r2, _ = screen(frame, write_catalog(tmp_path_factory.mktemp("b"), more))
    assert len(r1) == len(r2) == len(rows)
    before = r1["verdict"].map(SEVERITY).to_numpy()
    after = r2["verdict"].map(SEVERITY).to_numpy()
    assert np.all(after >= before)
