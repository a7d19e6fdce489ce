"""The siting report a planner reads: charts drawn offline, words and units in the table, integer
ranks, only the chosen technology's parameters, no absolute paths, the demo notice."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

import geo
from layers.catalog import load_catalog
from layers.demo import DEMO_CATALOG
from maps.siting_report import render_report

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def sites():
    cat = load_catalog(DEMO_CATALOG)
    return {tech: geo.score_sites(cat, tech) for tech in ("pv", "wind")}


def _charts(html: str) -> list[str]:
    return [base64.b64decode(m).decode("utf-8") for m in re.findall(
        r'<img class="chart" alt="[^"]*" src="data:image/svg\+xml;base64,([^"]+)"', html)]


def _table(html: str, table_id: str) -> str:
    start = html.index(f'id="{table_id}"')
    return html[start:html.index("</table>", start)]


def test_four_charts_with_the_data_they_show(sites):
    pv = sites["pv"]
    html = render_report(pv, "en")
    charts = _charts(html)
    assert len(charts) == 4
    breakdown, capacity, supply, stability = charts
    usable = pv[pv["status"] == "usable"].sort_values("rank")
    for criterion in pv.attrs["siting"]["weights"]:  # every criterion in the legend
        words = pv.attrs["siting"]["columns"][criterion][2]
        assert words.lower() in breakdown.lower(), words
    assert usable["name"].iloc[0] in breakdown and f"{usable['score'].iloc[0]:.1f}" in breakdown
    assert "Class A (best)" in capacity and "capacity [MW]" in capacity
    assert "LCOE [CNY/MWh]" in supply and "cumulative generation [GWh/yr]" in supply
    top_n = pv.attrs["siting"]["profile_data"]["top_n"]
    assert f"P(top {top_n})" in stability and "rank interval" in stability
    assert render_report(pv, "en") == html  # the same bytes each time


def test_table_in_words_units_and_integer_ranks(sites):
    pv = sites["pv"]
    html = render_report(pv, "zh")
    table = _table(html, "ranking-table")
    heads = re.findall(r"<th>(.*?)</th>", table)
    assert "可用面积 [ha]" in heads and "年发电量 [MWh/yr]" in heads
    assert not [h for h in heads if re.fullmatch(r"[a-z0-9_]+", h)]  # no snake_case
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    ranks = [re.search(r"<td[^>]*>(.*?)</td>", r).group(1) for r in rows]
    assert ranks == [str(i) for i in range(1, len(rows) + 1)]  # 1, 2, 3 … not 1.00
    assert len(rows) == int((pv["status"] == "usable").sum())
    assert "废弃矿山" in table and "abandoned_mine<" not in table  # kinds in words
    assert re.search(r"\d+–\d+</td>", table)  # rank interval


def test_only_the_chosen_technology(sites):
    pv_html = _table(render_report(sites["pv"], "en"), "parameters-table")
    wind_html = _table(render_report(sites["wind"], "en"), "parameters-table")
    assert "module tilt" in pv_html and "DC/AC ratio" in pv_html
    assert "hub height" not in pv_html and "turbine" not in pv_html
    assert "hub height" in wind_html and "S152/6330" in wind_html
    assert "module tilt" not in wind_html and "DC/AC ratio" not in wind_html
    wind = render_report(sites["wind"], "en")
    assert "PV" not in _table(wind, "ranking-table")  # the capacity column says wind's words


def test_no_absolute_paths_and_the_demo_notice(sites):
    for tech, frame in sites.items():
        html = render_report(frame, "zh")
        assert str(REPO) not in html and "/work/" not in html, tech
        assert "pv.toml (bundled)" in html or "wind.toml (bundled)" in html
        assert 'id="demo-notice"' in html and "不得用于实际决策" in html
