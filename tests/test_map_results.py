"""Siting and screening map content without a browser: rounded popups with units, the score
breakdown when present, words instead of codes, evidence lines, report anchors."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import shapely

from maps import style as st
from maps.display import marker_zoom, project_anchor
from maps.screening_map import evidence_lines, outcome_words
from maps.siting_map import format_value, siting_map

UTM48 = "EPSG:32648"


def _sites(score_columns: bool) -> gpd.GeoDataFrame:
    x, y = 650_000.0, 2_950_000.0
    boxes = [shapely.box(x + i * 3000, y, x + i * 3000 + 500, y + 400) for i in range(3)]
    sites = gpd.GeoDataFrame({
        "site_id": ["abandoned_mines:M01", "slag_heaps:S02", "abandoned_mines:M03"],
        "name": ["矿山一", "堆场二", "矿山三"], "source_kind": ["abandoned_mine", "slag_heap",
                                                         "abandoned_mine"],
        "status": ["usable", "usable", "excluded"], "candidate_area_ha": [20.0, 20.0, 20.0],
        "usable_area_ha": [19.87654, 20.0, 0.0], "dist_substation": [0.162676, 12.59468, None],
        "ghi": [1183.93682, 1150.2, None], "score": [71.147469, 41.5643, None],
        "rank": [1.0, 2.0, None], "class": ["B", "C", None],
        "top_n_probability": [0.9523, 0.1, None], "capacity_mw": [23.985814, 8.08, None],
        "generation_mwh": [22644.0741, 7377.76, None], "reason": ["", "", "红线"],
        "usable_geometry": gpd.GeoSeries(boxes, crs=UTM48),
    }, geometry=boxes, crs=UTM48)
    if score_columns:
        sites["score_ghi"] = [30.25, 12.5, None]
        sites["score_dist_substation"] = [20.0, 4.123, None]
    sites.attrs["siting"] = {"tech": "pv", "sources": []}
    return sites


def _layer(m, name_part: str):
    m.get_root().render()
    (layer,) = [la for la in m._children.values() if getattr(la, "control", False)
                and name_part in getattr(la, "layer_name", "")]
    return layer


def _labels(layer) -> list[str]:
    (popup,) = [c for c in layer._children.values() if c._name == "SafePopup"]
    return popup.labels


def test_siting_popups_rounded_with_words_and_breakdown():
    m = siting_map(_sites(True), None, "zh", "none")
    layer = _layer(m, "候选地块")
    props = {f["properties"]["site_id"]: f["properties"] for f in layer.data["features"]}
    best = props["abandoned_mines:M01"]
    assert best["dist_substation"] == "0.16" and best["ghi"] == "1,184"
    assert best["score"] == "71.1" and best["rank"] == "1" and best["capacity_mw"] == "24.0"
    assert best["generation_mwh"] == "22,644" and best["top_n_probability"] == "95%"
    assert best["status"] == "可用" and best["source_kind"] == st.kind_label("abandoned_mine",
                                                                             "zh")
    assert best["score_ghi"] == "30.2" or best["score_ghi"] == "30.3"
    assert {"得分构成 · 年水平面总辐射", "得分构成 · 距变电站"} <= set(_labels(layer))
    m = siting_map(_sites(False), None, "en", "none")
    assert not [la for la in _labels(_layer(m, "Candidate sites")) if "Score from" in la]


def test_format_value():
    assert format_value("dist_road", 0.162676) == "0.16"
    assert format_value("excluded_ecological_red_line_ha", 18.16518) == "18.2"
    assert format_value("score_slope_mean", 4.04) == "4.0"
    assert format_value("capacity_mw", float("nan")) == ""
    assert format_value("notes", "文本") == "文本"


def test_marker_zoom_grows_as_sites_shrink():
    big = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 2000, 2000)], crs=UTM48)
    small = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], crs=UTM48)
    assert 10 <= marker_zoom(big) < marker_zoom(small) <= 17


def test_evidence_lines_total_per_rule_and_layer():
    hits = pd.DataFrame({
        "row": [0, 0, 0, 1], "rule_id": ["basic_farmland"] * 3 + ["wind_setback"],
        "outcome": ["prohibited"] * 3 + ["review"], "layer_id": ["farmland"] * 3 + ["villages"],
        "kind": ["basic_farmland"] * 3 + ["settlement"], "feature_id": ["F1", "F2", "F3", "V1"],
        "overlap_m2": [10_000.0, 5_000.0, 2_500.0, float("nan")],
        "overlap_share": [0.2, 0.1, 0.05, float("nan")], "distance_m": [0.0, 0.0, 0.0, 320.4],
    })
    lines = evidence_lines(hits, 2, "en")
    assert lines[0] == ["[Prohibited] basic_farmland · Permanent basic farmland (farmland): "
                        "3 features, overlap 1.75 ha"]
    assert lines[1] == ["[Review required] wind_setback · Settlement (villages): at 320 m"]
    assert outcome_words("[review] x: y", "zh") == "[需论证] x: y"


def test_project_anchor_matches_jinja_urlencode():
    import jinja2

    env = jinja2.Environment(autoescape=True)
    for pid in ["P01", "项目 1", 'a"<b>&c/d', "x%y"]:
        html = env.from_string('id="project-{{ p|urlencode }}"').render(p=pid)
        assert html == f'id="{project_anchor(pid)}"'
        assert all(c.isascii() and c not in ' "<>&' for c in project_anchor(pid))
    assert json.dumps(project_anchor("P01")) == '"project-P01"'


def test_a_popup_keeps_a_reason_whole():
    """Reasons are split into popup lines at '; ' (one per finding or error): a message must not
    hold '; ' itself, or the popup breaks it (the duplicate-id message did)."""
    import geopandas as gpd
    import shapely

    from geo.projects import normalize_projects
    from maps.screening_map import projects_table

    rows = gpd.GeoDataFrame({"project_id": ["A", "A"], "type": ["pv", "pv"]},
                            geometry=[shapely.box(0, 0, 1, 1)] * 2, crs=4326)
    error = normalize_projects(rows)["error"].iloc[1]
    result = rows.assign(verdict=["admitted", "error"], reasons=["", error], name="", industry="")
    shown = projects_table(result, "en")["reasons"].iloc[1]
    assert "first used by feature #1" in error and error in shown  # whole, on one line


def test_a_footprint_without_finite_coordinates_is_not_drawn():
    """A project a projection could not carry (POINT (NaN NaN): GEOS does not call it empty)
    made the map's bounds NaN and map.html failed (found by test_screen_random)."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from maps.display import drawable
    from maps.screening_map import _bounds

    geoms = [shapely.Point(np.nan, np.nan), shapely.Point(106.7, 26.6), None, shapely.Point(),
             shapely.Point(np.inf, 0)]
    assert drawable(geoms).tolist() == [False, True, False, False, False]
    result = gpd.GeoDataFrame({"verdict": ["error", "review"]},
                              geometry=[shapely.Point(np.nan, np.nan), shapely.Point(106.7, 26.6)],
                              crs="EPSG:4326")
    assert np.isfinite(_bounds(result, None)).all()
