"""Screening through the Python API: verdicts, evidence, fail-closed layers, measurement.

Every rule's firing and silent cases run through the CLI in ``test_cli_rules.py``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from _rule_scenarios import LAYERS, scenario_rows
from _screen_helpers import LOCAL, box, projects, to_lonlat, write_catalog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.rules import SEVERITY
from geo.screen import HIT_COLUMNS, screen

P = shapely.Point
PV, WIND = {"type": "pv", "component": "array"}, {"type": "wind"}


def sq(x: float, y: float, s: float = 100) -> shapely.Polygon:
    return box(x, y, x + s, y + s)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return write_catalog(tmp_path_factory.mktemp("region"), LAYERS)


@pytest.fixture(scope="module")
def scenario_run(catalog):
    rows = scenario_rows()
    result, hits = screen(projects(rows), catalog)
    assert list(result["project_id"]) == [r["project_id"] for r in rows]  # input order
    return result, hits


def test_verdict_is_worst_outcome_and_rows_in_order(scenario_run):
    result, hits = scenario_run
    worst = np.zeros(len(result), dtype=int)
    np.maximum.at(worst, hits["row"].to_numpy(dtype=int), hits["outcome"].map(SEVERITY))
    expected = np.array(["admitted", "admitted", "review", "prohibited"])[np.maximum(worst, 1)]
    assert list(result["verdict"]) == list(expected)
    assert list(result["n_prohibited"]) == list(np.bincount(
        hits["row"][hits["outcome"] == "prohibited"], minlength=len(result)))
    assert list(hits.columns[:len(HIT_COLUMNS)]) == list(HIT_COLUMNS)
    assert set(hits["check"]) <= {"fired", "contact", "unknown", "not_checked", "coverage"}


def test_repeated_hit_texts_are_one_object_each(scenario_run, catalog):
    """A text repeated over many hits (rule id, title, source, message) is held once: a hits
    table of millions of rows then costs a pointer per cell, and forked writers copy little."""
    _, hits = scenario_run
    for col in ("rule_id", "outcome", "check", "title", "source", "message", "kind"):
        values = hits[col].to_numpy()
        assert hits[col].dtype == object, col
        assert len({id(v) for v in values}) == len(set(values)), col
    called = []
    result, again = screen(projects(scenario_rows()), catalog, release=lambda: called.append(1),
                           screened=lambda footprints, crs: called.append((footprints, crs)))
    assert again.equals(hits)  # the executor's workers may stop before joining
    (footprints, crs), released = called  # the footprints given first: work on them may start
    assert released == 1 and crs == result.crs
    assert all(a is b for a, b in zip(footprints, result.geometry.values, strict=True))
    from geo.grouping import repeated

    text = "未核查：未提供图层"
    assert len({id(v) for v in repeated(text, 1000)}) == 1  # built shared: np.full copies
    assert repeated(text, 3).tolist() == [text] * 3  # the text once per row


def test_control_units_listed_with_access_list(catalog):
    _, hits = screen(projects([{**PV, "geometry": sq(10100, 20100)}]), catalog)
    h = hits[hits["rule_id"] == "control_unit_listed"]
    assert len(h) == 1
    assert "ZH52010220001" in h["message"].iloc[0]
    assert "禁止新建<b>化工</b>" in h["message"].iloc[0]
    assert h["details"].iloc[0]["unit_type"] == "key"


@pytest.mark.parametrize("lang,needle,finding", [
    ("en", "not checked: layer basic_farmland not provided", "occupies"),
    ("zh", "未核查：未提供图层 basic_farmland（永久基本农田）", "占用")])
def test_missing_layer_says_not_checked_never_the_finding(tmp_path, lang, needle, finding):
    cat = write_catalog(tmp_path, {"redline": LAYERS["redline"]})
    result, hits = screen(projects([{**PV, "geometry": sq(5000, 5000)}]), cat, lang=lang)
    farm = hits[hits["rule_id"] == "basic_farmland"]
    assert list(farm["outcome"]) == ["review"] and list(farm["check"]) == ["not_checked"]
    assert needle in farm["message"].iloc[0] and needle in farm["title"].iloc[0]
    assert finding not in farm["message"].iloc[0].lower()
    assert finding not in farm["title"].iloc[0].lower()
    assert needle in result["reasons"].iloc[0]
    assert result["verdict"].iloc[0] == "review"
    assert any(needle.split(" layer")[0] in m for m in result.attrs["missing"]) or \
        any("basic_farmland" in m for m in result.attrs["missing"])
    # the rules a missing layer leaves unchecked are named together, each layer once
    unchecked = hits[hits["check"] == "not_checked"]
    reasons = result["reasons"].iloc[0]
    for title, group in unchecked.groupby("title", sort=False):
        clause = f"[review] {', '.join(group['rule_id'])}: {title}"
        assert clause in reasons.split("; ") and reasons.count(title) == 1
    assert unchecked["title"].nunique() < len(unchecked)  # some layer leaves several unchecked
    assert hits[hits["rule_id"] == "degraded_land_encouraged"].empty


@pytest.mark.parametrize("lang,title", [
    ("en", "not checked: layer nature_reserve not provided, layer protected_area not provided"),
    ("zh", "未核查：未提供图层 nature_reserve（自然保护区），"
           "未提供图层 protected_area（其他自然保护地）")])
def test_a_rule_lacking_two_layers_is_one_reason(tmp_path, lang, title):
    """A rule that reads two missing layers (wind in a protected area: nature reserves and other
    protected areas) is one reason naming both: the reasons split at "; " are each one rule's
    ``[outcome] rule: text`` (the two layers were joined by "; ", and the second read as a
    reason of its own, without a rule)."""
    cat = write_catalog(tmp_path, {"redline": LAYERS["redline"]})
    result, hits = screen(projects([{**WIND, "geometry": sq(5000, 5000)}]), cat, lang=lang)
    assert title in set(hits.loc[hits["rule_id"] == "wind_protected_area", "title"])
    reasons = result["reasons"].iloc[0].split("; ")
    assert f"[review] wind_protected_area: {title}" in reasons
    assert all(r.startswith("[") for r in reasons), reasons


def test_boundary_contact_is_not_occupation(catalog):
    touching = {**PV, "geometry": box(1000, 0, 1100, 100)}          # shares an edge
    sliver = {**PV, "geometry": box(999.9, 0, 1100, 1)}              # 0.1 m² overlap
    result, hits = screen(projects([touching, sliver]), catalog)
    red = hits[hits["rule_id"] == "red_line"]
    assert set(red["outcome"]) == {"contact"} and set(red["check"]) == {"contact"}
    assert len(red) == 2
    assert "within the tolerance 1.0 m²" in red["message"].iloc[1]
    assert (result["verdict"] != "prohibited").all()


def test_an_overlap_within_the_layers_accuracy_is_undetermined_never_a_pass(tmp_path):
    """A 0.8 m strip (240 m²) along 300 m of the edge of a layer accurate to 1 m: beyond the
    rule's 1 m² tolerance, within the layer's uncertainty (1 m × 300 m = 300 m²). It was a
    boundary contact, and with accuracy_m = 150 a third of a project in a red line was admitted
    (review 30 HIGH 3): whether it occupies the feature is unknown, so review, with the numbers.
    A sliver under the rule's own tolerance stays a contact; 100 m deep is an occupation."""
    from layers.catalog import load_catalog

    cat = load_catalog(write_catalog(tmp_path, {"redline": LAYERS["redline"]}))
    cat.layers = [s.model_copy(update={"accuracy_m": 1.0}) if s.id == "redline" else s
                  for s in cat.layers]
    strip = {**PV, "geometry": box(999.2, 100, 1300, 400)}  # 0.8 m × 300 m inside
    deep = {**PV, "geometry": box(900, 100, 1300, 400)}    # 100 m × 300 m inside
    sliver = {**PV, "geometry": box(999.9, 0, 1100, 1)}    # 0.1 m² inside
    result, hits = screen(projects([strip, deep, sliver]), cat)
    red = hits[hits["rule_id"] == "red_line"].set_index("row")
    assert red.loc[0, "outcome"] == "review" and red.loc[0, "check"] == "unknown"
    assert red.loc[0, "tolerance_m2"] == pytest.approx(300.0, rel=0.01)
    assert red.loc[0, "overlap_m2"] == pytest.approx(240.0, rel=0.01)
    assert "overlap 240" in red.loc[0, "message"] and "accuracy 1 m" in red.loc[0, "message"]
    assert "verify the boundary" in red.loc[0, "message"]
    assert red.loc[1, "outcome"] == "prohibited"
    assert red.loc[2, "outcome"] == "contact" and "layer accuracy 1 m" in red.loc[2, "message"]
    assert list(result["verdict"].iloc[:2]) == ["review", "prohibited"]


def test_error_rows_kept_in_order(catalog):
    rows = [{**PV, "geometry": sq(100, 100)}, {"type": "spaceship", "geometry": sq(0, 0)},
            {**PV, "geometry": None}, {"type": "pv", "component": "ancillary",
                                       "geometry": sq(20100, 20100)}]
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


def test_long_lonlat_edges_are_densified_before_measuring(tmp_path):
    """A lon/lat footprint whose corners sit on a metric layer's 9 km northern edge: its edge,
    straight in lon/lat, bows about 0.8 m into the layer (some 4,800 m², the geodesic oracle).
    Transformed corner by corner it would look like mere contact."""
    red = gpd.GeoSeries([box(0, 0, 9000, 5000)], crs=LOCAL).to_crs(4545)  # the working CRS
    gpd.GeoDataFrame({"id": ["R1"]}, geometry=red, crs=4545).to_file(tmp_path / "red.gpkg")
    (tmp_path / "c.toml").write_text('[region]\nname = "t"\n[[layer]]\nid = "red"\n'
                                     'kind = "ecological_red_line"\npath = "red.gpkg"\n',
                                     encoding="utf-8")
    corners = to_lonlat([P(0, 5000), P(9000, 5000), P(9000, 6000), P(0, 6000)])
    fp = shapely.Polygon([(p.x, p.y) for p in corners])
    frame = gpd.GeoDataFrame({"type": ["pv"], "component": ["array"]}, geometry=[fp], crs=4326)
    _, hits = screen(frame, tmp_path / "c.toml")
    true_red = gpd.GeoSeries([shapely.segmentize(red.iloc[0], 1.0)], crs=4545).to_crs(4326)
    oracle = abs(pyproj.Geod(ellps="GRS80").geometry_area_perimeter(
        shapely.intersection(shapely.segmentize(fp, 1e-5), true_red.iloc[0]))[0])
    assert oracle > 1000
    got = hits[hits["rule_id"] == "red_line"]
    assert list(got["outcome"]) == ["prohibited"]
    assert got["overlap_m2"].iloc[0] == pytest.approx(oracle, rel=1e-3)


def test_province_override_changes_setback(catalog):
    wind = projects([{**WIND, "geometry": P(98700, 50)}])
    _, national = screen(wind, catalog)
    _, guizhou = screen(wind, catalog, ["national", "guizhou_example"])
    assert national[national["rule_id"] == "wind_setback_settlement"].empty
    hit = guizhou[guizhou["rule_id"] == "wind_setback_settlement"]
    assert len(hit) == 1 and hit["distance_m"].iloc[0] == pytest.approx(600, abs=2)


def test_chinese_messages(catalog):
    _, hits = screen(projects([{**PV, "geometry": sq(100, 100)}]), catalog, lang="zh")
    assert "生态保护红线" in hits[hits["rule_id"] == "red_line"]["message"].iloc[0]


# --- coverage ------------------------------------------------------------------------------------
def test_partly_outside_the_coverage_is_review_with_the_share(tmp_path):
    cat = write_catalog(tmp_path, {"redline": LAYERS["redline"], "admin": (
        "admin_boundary", [{"geometry": box(-5000, -5000, 5000, 5000), "admin_code": "520102"}])})
    half = {**PV, "geometry": box(4900, 0, 5100, 100)}      # half outside
    inside = {**PV, "geometry": sq(3000, 3000)}
    result, hits = screen(projects([half, inside]), cat)
    cov = hits[hits["rule_id"] == "coverage"]
    assert list(cov["row"]) == [0] and list(cov["outcome"]) == ["review"]
    assert cov["overlap_share"].iloc[0] == pytest.approx(0.5, abs=0.01)
    assert "50.0% of the footprint lies outside" in cov["message"].iloc[0]
    assert result["outside_share"].iloc[0] == pytest.approx(0.5, abs=0.01)
    assert result.attrs["coverage"]["source"] == "admin_boundary"


@pytest.mark.parametrize("layers,region,source", [
    ({"units": LAYERS["units"]}, {"extent": [106.5, 26.4, 106.9, 26.8]}, "region_extent"),
    ({"units": LAYERS["units"]}, None, "control_units"),
    ({"redline": LAYERS["redline"]}, None, "layer_extent"),
])
def test_coverage_source_falls_back_in_order(tmp_path, layers, region, source):
    cat = write_catalog(tmp_path, layers, region=region, admin=False)
    far = {**PV, "geometry": sq(300000, 0)}     # 300 km east
    result, _ = screen(projects([{**PV, "geometry": sq(100, 100)}, far]), cat)
    assert result.attrs["coverage"]["source"] == source
    assert result["verdict"].iloc[1] == "error"
    assert "outside the catalog's region" in result["reasons"].iloc[1]


def test_admin_boundaries_are_listed_for_the_coverage_never_a_missing_layer(tmp_path):
    """No rule reads the admin boundaries, but they set the coverage area and the districts: the
    result lists them with the layers read (``role``: for the report's provenance); an unusable
    one is listed as such but is no missing layer (the coverage falls back by design) and
    changes no verdict."""
    from geo.checklist import checked_kinds

    rows = [{**PV, "geometry": sq(100, 100)}, {**PV, "geometry": sq(3000, 3000)}]
    runs = {}
    for name, admin in {"usable": box(-5000, -5000, 5000, 5000), "unusable": P(0, 0),
                        "none": None}.items():
        layers = {"redline": LAYERS["redline"]}
        if admin is not None:
            layers["admin"] = ("admin_boundary", [{"geometry": admin, "admin_code": "520102"}])
        runs[name] = screen(projects(rows), write_catalog(tmp_path / name, layers, admin=False))
    listed = {name: [(i["layer_id"], i.get("role"), i["usable"]) for i in r.attrs["layers"]]
              for name, (r, _) in runs.items()}
    assert listed == {"usable": [("redline", None, True), ("admin", "coverage", True)],
                      "unusable": [("redline", None, True), ("admin", "coverage", False)],
                      "none": [("redline", None, True)]}
    assert [r.attrs["coverage"]["source"] for r, _ in runs.values()] == [
        "admin_boundary", "layer_extent", "layer_extent"]
    none = runs["none"][0]
    for result, hits in runs.values():
        assert result.attrs["missing"] == none.attrs["missing"]
        assert result.attrs["kinds"] == none.attrs["kinds"]
        assert list(result["verdict"]) == list(none["verdict"])
        bare = result.copy()
        bare.attrs = {"layers": result.attrs["layers"]}  # the checklist's kinds without "kinds"
        assert "admin_boundary" not in checked_kinds(bare, hits)


def test_a_project_in_no_control_unit_is_a_hole(catalog):
    result, hits = screen(projects([{**PV, "geometry": box(900, 20000, 1100, 20100)},
                                    {**PV, "geometry": sq(10100, 20100)}]), catalog)
    gap = hits[hits["rule_id"] == "control_unit_gap"]
    assert list(gap["row"]) == [0]
    assert gap["overlap_share"].iloc[0] == pytest.approx(0.5, abs=0.01)
    assert "a hole in the unit layer" in gap["message"].iloc[0]
    assert result["unit_gap_share"].iloc[1] == pytest.approx(0.0, abs=1e-6)


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


def test_an_earlier_result_frame_screens_again_through_the_api(catalog):
    first, _ = screen(projects([{**PV, "geometry": sq(100, 100)},
                                {"type": "infrastructure", "national_major": "是",
                                 "geometry": sq(10100, 100)}]), catalog)
    again, _ = screen(first.to_crs(4326), catalog)
    assert list(again["verdict"]) == list(first["verdict"])
    assert list(again["input_verdict"]) == list(first["verdict"])
    assert list(again["national_major"]) == ["", "unspecified"]


def test_a_line_project_has_its_length_inside_each_feature(catalog):
    """A line project's overlap area is 0; the hits give its length inside the feature
    (``overlap_m`` [m]: its share of the line's length); a polygon's is blank."""
    rows = [{"project_id": "L", "type": "infrastructure", "name": "road",
             "geometry": shapely.LineString([(-300, 500), (400, 500)])},
            {"project_id": "A", "type": "pv", "name": "pv", "geometry": box(100, 100, 300, 300)}]
    _, hits = screen(projects(rows), catalog)
    red = hits[(hits["kind"] == "ecological_red_line") & (hits["check"] == "fired")]
    line = red[red["project_id"] == "L"].iloc[0]
    assert line["overlap_m2"] == 0
    assert line["overlap_m"] == pytest.approx(400, rel=1e-3)
    assert line["overlap_m"] / line["overlap_share"] == pytest.approx(700, rel=1e-3)
    area = red[red["project_id"] == "A"].iloc[0]
    assert area["overlap_m2"] == pytest.approx(40_000, rel=2e-3) and np.isnan(area["overlap_m"])
