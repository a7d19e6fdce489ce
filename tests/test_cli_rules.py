"""Every default rule, through ``siting screen`` on real files: where it fires and where it does
not, plus the three-valued facts (yes, no, unknown) the rules read."""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from _rule_scenarios import LAYERS, SCENARIOS, scenario_rows
from _screen_helpers import box, projects, write_catalog
from click.testing import CliRunner

from geo.rules import load_rules
from maps.cli import cli

NATIONAL = load_rules()


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("rules")
    return folder, write_catalog(folder, LAYERS)


@pytest.fixture(scope="module")
def scenario_run(region, tmp_path_factory):
    folder, cat = region
    rows = scenario_rows()
    projects(rows).to_file(folder / "scenarios.geojson", driver="GeoJSON")
    out = tmp_path_factory.mktemp("out") / "o"
    res = run("screen", folder / "scenarios.geojson", "--catalog", cat, "--out", out,
              "--lang", "en")
    assert res.exit_code == 0, res.output
    hits = pd.read_csv(out / "screening_hits.csv", encoding="utf-8-sig", keep_default_na=False)
    summary = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(summary["project_id"]) == [r["project_id"] for r in rows]  # input order
    return hits, summary


def test_every_default_rule_has_a_scenario():
    assert sorted(SCENARIOS) == sorted(r.id for r in NATIONAL)


@pytest.mark.parametrize("rule_id", [r.id for r in NATIONAL])
def test_rule_fires_and_stays_silent(scenario_run, rule_id):
    hits, _ = scenario_run
    rule = NATIONAL.get(rule_id)
    mine = hits[hits["rule_id"] == rule_id]
    assert not (mine["check"] == "not_checked").any(), "every layer is provided"
    fire, silent = SCENARIOS[rule_id]
    for k in range(len(fire)):
        got = mine[(mine["project_id"] == f"{rule_id}__fire{k}") & (mine["check"] == "fired")]
        assert len(got), f"{rule_id} did not fire on its firing case {k}"
        assert set(got["outcome"]) == {rule.outcome}
    for k in range(len(silent)):
        got = mine[(mine["project_id"] == f"{rule_id}__silent{k}")
                   & mine["check"].isin(["fired", "unknown"])]
        assert got.empty, f"{rule_id} fired on its silent case {k}: {got['message'].tolist()}"


def test_distance_to_a_river_polygon_is_to_its_bank(scenario_run):
    """The chemical project 900 m from the water surface's edge (1,100 m from its centre line)."""
    hits, _ = scenario_run
    h = hits[(hits["project_id"] == "yangtze_chemical_1km__fire2")
             & (hits["rule_id"] == "yangtze_chemical_1km")]
    assert len(h) == 1 and float(h["distance_m"].iloc[0]) == pytest.approx(900, abs=2)


def test_claims_appear_in_the_evidence(scenario_run):
    hits, _ = scenario_run
    h = hits[(hits["project_id"] == "red_line_national_major__fire0")
             & (hits["rule_id"] == "red_line_national_major")]
    assert "energy" in h["message"].iloc[0] and "发改能源〔2024〕1号" in h["message"].iloc[0]
    void = hits[(hits["project_id"] == "red_line__fire3") & (hits["rule_id"] == "red_line")]
    assert "not honoured" in void["message"].iloc[0]
    act = hits[(hits["project_id"] == "red_line__fire2") & (hits["rule_id"] == "red_line")]
    assert "the project type is not such an activity" in act["message"].iloc[0]



LINEAR_CLAIMS = [
    # (project, verdict, the red-line rules' checks) — 自然资发〔2022〕142号 item (6) asks for
    # linear infrastructure; a project's 用地红线 is a polygon, so a polygon claim is confirmed
    # by the reviewer (unknown → review), never refused for its shape alone (review 23 F12)
    ({"type": "infrastructure", "geometry": shapely.LineString([(-500, 500), (2000, 500)])},
     "review", {"red_line_allowed_activity": {"fired"}}),
    ({"type": "infrastructure", "geometry": box(-500, 480, 2000, 520)},
     "review", {"red_line": {"unknown"}, "red_line_allowed_activity": {"unknown"}}),
    ({"type": "infrastructure", "geometry": box(100, 100, 400, 400)},
     "review", {"red_line": {"unknown"}, "red_line_allowed_activity": {"unknown"}}),
    ({"type": "industrial", "industry": "steel", "geometry": box(-500, 480, 2000, 520)},
     "prohibited", {"red_line": {"fired"}}),
    ({"type": "infrastructure", "geometry": shapely.Point(500, 500)},
     "prohibited", {"red_line": {"fired"}}),
]


def test_linear_infrastructure_on_a_polygon_is_for_the_reviewer(region, tmp_path):
    folder, cat = region
    rows = [{**row, "project_id": f"L{i}", "allowed_activity": "linear_infrastructure"}
            for i, (row, _, _) in enumerate(LINEAR_CLAIMS)]
    projects(rows).to_file(tmp_path / "linear.geojson", driver="GeoJSON")
    out = {}
    for lang in ("en", "zh"):
        res = run("screen", tmp_path / "linear.geojson", "--catalog", cat, "--out",
                  tmp_path / lang, "--lang", lang)
        assert res.exit_code == 0, res.output
        out[lang] = (pd.read_csv(tmp_path / lang / "screening_hits.csv", encoding="utf-8-sig",
                                 keep_default_na=False),
                     pd.read_csv(tmp_path / lang / "screening.csv", encoding="utf-8-sig"))
    hits, summary = out["en"]
    for i, (_, verdict, checks) in enumerate(LINEAR_CLAIMS):
        assert summary.loc[summary["project_id"] == f"L{i}", "verdict"].item() == verdict, i
        mine = hits[(hits["project_id"] == f"L{i}") & hits["rule_id"].str.startswith("red_line")]
        got = {r: set(g["check"]) for r, g in mine.groupby("rule_id")}
        assert got == checks, (i, mine["message"].tolist())
    corridor = hits[(hits["project_id"] == "L1") & (hits["rule_id"] == "red_line")]
    text = corridor["message"].item()
    assert "polygon footprint" in text and "2,500 m × 40 m" in text
    assert "length/width 62." in text and "≈ 39 m" in text and "linear corridor" in text
    square = hits[(hits["project_id"] == "L2") & (hits["rule_id"] == "red_line")]
    assert "300 m × 300 m, length/width 1.0" in square["message"].item()
    zh = out["zh"][0]
    text = zh[(zh["project_id"] == "L1") & (zh["rule_id"] == "red_line")]["message"].item()
    assert "用地范围为面" in text and "2,500 m × 40 m" in text and "长宽比 62." in text
    assert "请核实用地范围为线性廊道" in text
    wrong = hits[(hits["project_id"] == "L3") & (hits["rule_id"] == "red_line")]
    assert "the project type is not such an activity" in wrong["message"].item()
    point = hits[(hits["project_id"] == "L4") & (hits["rule_id"] == "red_line")]
    assert "not a point" in point["message"].item()

# --- three-valued facts through the CLI --------------------------------------------------------
TRI = [
    # (project, rule, expected check of that rule's hit or None)
    ({**{"type": "industrial", "industry": "steel", "replacement_ratio": 1.5},
      "capacity_replacement": True, "geometry": (30100, 100)}, "capacity_replacement", None),
    ({"type": "industrial", "industry": "steel", "capacity_replacement": False,
      "geometry": (30100, 100)}, "capacity_replacement", "fired"),
    ({"type": "industrial", "industry": "steel", "geometry": (30100, 100)},
     "capacity_replacement", "unknown"),
    ({"type": "pv", "component": "array", "geometry": (94100, 100)}, "pv_array_cultivated",
     "fired"),
    ({"type": "pv", "component": "ancillary", "geometry": (94100, 100)}, "pv_array_cultivated",
     None),
    ({"type": "pv", "geometry": (94100, 100)}, "pv_array_cultivated", "unknown"),
    ({"type": "pv", "risk_control_part": False, "geometry": (70100, 20100)},
     "contaminated_site_register", "fired"),
    ({"type": "pv", "risk_control_part": True, "geometry": (70100, 20100)},
     "contaminated_site_register", None),
    ({"type": "pv", "geometry": (70100, 20100)}, "contaminated_site_register", "unknown"),
    ({"type": "industrial", "industry": "chemical", "pollutant_offset": True,
      "geometry": (30100, 100)}, "pollutant_offset", None),
    ({"type": "industrial", "industry": "chemical", "pollutant_offset": False,
      "geometry": (30100, 100)}, "pollutant_offset", "fired"),
    ({"type": "industrial", "industry": "chemical", "geometry": (30100, 100)},
     "pollutant_offset", "unknown"),
    ({"type": "infrastructure", "national_major": "transport", "geometry": (10100, 100)},
     "basic_farmland", None),
    ({"type": "infrastructure", "national_major": "否", "geometry": (10100, 100)},
     "basic_farmland", "fired"),
    ({"type": "infrastructure", "national_major": "是", "geometry": (10100, 100)},
     "basic_farmland", "unknown"),
    ({"type": "industrial", "industry": "steel", **{"capacity_replacement": True,
                                                     "replacement_ratio": 1.3},
      "geometry": (45000, 45000)}, "replacement_ratio_steel_key_region", "unknown"),
    ({"type": "industrial", "industry": "steel", **{"capacity_replacement": True,
                                                     "replacement_ratio": 1.3},
      "geometry": (15000, 45000)}, "replacement_ratio_steel_key_region", "unknown"),
    ({"type": "industrial", "industry": "steel", **{"capacity_replacement": True,
                                                     "replacement_ratio": 1.3},
      "geometry": (5000, 45000)}, "replacement_ratio_steel_key_region", "fired"),
]


@pytest.fixture(scope="module")
def tri_run(region, tmp_path_factory):
    folder, cat = region
    rows = []
    for i, (row, _, _) in enumerate(TRI):
        x, y = row["geometry"]
        rows.append({**row, "project_id": f"T{i:02d}", "geometry": box(x, y, x + 100, y + 100)
                     if y < 40000 else shapely.Point(x, y)})
    projects(rows).to_file(folder / "tri.geojson", driver="GeoJSON")
    out = tmp_path_factory.mktemp("tri") / "o"
    res = run("screen", folder / "tri.geojson", "--catalog", cat, "--out", out, "--lang", "en")
    assert res.exit_code == 0, res.output
    return pd.read_csv(out / "screening_hits.csv", encoding="utf-8-sig", keep_default_na=False)


@pytest.mark.parametrize("case", range(len(TRI)))
def test_project_facts_yes_no_unknown(tri_run, case):
    _, rule_id, expected = TRI[case]
    h = tri_run[(tri_run["project_id"] == f"T{case:02d}") & (tri_run["rule_id"] == rule_id)
                & (tri_run["check"] != "contact")]
    if expected is None:
        assert h.empty, h["message"].tolist()
    else:
        assert set(h["check"]) == {expected}
        if expected == "unknown":
            assert set(h["outcome"]) == {"review"}
            assert "unknown" in h["message"].iloc[0]


UNKNOWN_FEATURES = [
    # (project, rule, attribute, what the message must name besides the feature id)
    ({"type": "pv", "geometry": (67100, 100)}, "control_unit_priority_energy_mining",
     "unit_type", ["units-4", "优先保护"]),
    ({"type": "pv", "geometry": (63100, 100)}, "nature_reserve_core_buffer", "zone",
     ["reserves-6", "zone"]),
    ({"type": "pv", "geometry": (65100, 100)}, "water_source_grade1", "grade",
     ["water-4", "'9'"]),
    ({"type": "industrial", "industry": "chemical", "geometry": (61500, 100)},
     "yangtze_chemical_1km", "basin", ["rivers-6", "basin"]),
    ({"type": "industrial", "industry": "chemical", "geometry": (69100, 100)},
     "park_no_planning_eia_park_only", "planning_eia", ["parks-4", "planning_eia"]),
    ({"type": "pv", "geometry": (66100, 20100)}, "subsidence_unstable", "stable",
     ["subsidence-3", "stable"]),
    ({"type": "pv", "risk_control_part": False, "geometry": (74100, 20100)},
     "contaminated_site_register", "in_risk_register", ["contaminated-3", "in_risk_register"]),
]


def _is_fact(rule_id: str, attr: str) -> bool:
    """Whether the attribute is a fact (no default) in the kinds registry (C1)."""
    from layers.kinds import get_kind

    return get_kind(NATIONAL.get(rule_id).layer[0]).attributes[attr].fact


def test_unknown_feature_facts_yield_review_naming_feature_and_value(region, tmp_path):
    folder, cat = region
    cases = UNKNOWN_FEATURES
    assert all(_is_fact(c[1], c[2]) for c in cases)  # no lenient default stands in for them
    rows = [{**row, "project_id": f"U{i}", "geometry": box(row["geometry"][0], row["geometry"][1],
                                                           row["geometry"][0] + 100,
                                                           row["geometry"][1] + 100)}
            for i, (row, _, _, _) in enumerate(cases)]
    projects(rows).to_file(tmp_path / "u.geojson", driver="GeoJSON")
    for lang in ("en", "zh"):
        res = run("screen", tmp_path / "u.geojson", "--catalog", cat, "--out", tmp_path / lang,
                  "--lang", lang)
        assert res.exit_code == 0, res.output
        hits = pd.read_csv(tmp_path / lang / "screening_hits.csv", encoding="utf-8-sig",
                           keep_default_na=False)
        summary = pd.read_csv(tmp_path / lang / "screening.csv", encoding="utf-8-sig")
        assert "admitted" not in set(summary["verdict"])  # unknown never passes
        for i, (_, rule_id, _, needles) in enumerate(cases):
            h = hits[(hits["project_id"] == f"U{i}") & (hits["rule_id"] == rule_id)]
            assert list(h["check"]) == ["unknown"], (rule_id, h.to_dict("records"))
            assert list(h["outcome"]) == ["review"]
            assert all(n in h["message"].iloc[0] for n in needles), h["message"].iloc[0]
            assert ("无法判定" if lang == "zh" else "not determined") in h["message"].iloc[0]
