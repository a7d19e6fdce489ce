"""``siting score``: the report says what was cut from each ranked site, and ``--lang zh`` reads
in Chinese first with the same facts (review 28 F4, F6).

F4: the ranked table of report.html shows each site's candidate area and the hectares each
exclusion rule took (the demo's M02 loses land to the ecological red line), in both languages.
F6: under ``zh`` the terminal warnings on overlapping sites and on sites wholly or partly outside
the catalog's coverage lead in Chinese and name the sites and hectares in their Chinese half; the
report's note on the national grid factor and the module tilt read in Chinese.

Each test runs the real command, on the demo or on a small real file written into ``tmp_path``."""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from shapely.geometry import box

from maps.cli import cli

BOXES = {  # lon/lat boxes on and around the demo region
    "good": (106.657748, 26.997983, 106.662252, 27.002017),    # ~20 ha, usable
    "twin": (106.659748, 26.997983, 106.664252, 27.002017),    # overlaps "good"
    "far": (110.0, 30.0, 110.005, 30.005),                     # wholly outside
    "half": (106.444477, 26.452154, 106.456651, 26.463111),    # across the region's edge
}
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _score(out, *more):
    r = CliRunner().invoke(cli, ["score", "--demo", "--tech", "pv", "--out", str(out), *more])
    assert r.exit_code == 0, r.output
    return r.output


def _ranked_rows(html: str) -> dict[str, str]:
    """The ranked table's rows by site id (the row's text, tags dropped)."""
    start = html.index('id="ranking-table"')
    table = html[start:html.index("</table>", start)]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows[cells[1]] = cells
    return rows


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo scored in both languages: {lang: (sites.csv, report.html)}."""
    tmp = tmp_path_factory.mktemp("demo")
    out = {}
    for lang in ("en", "zh"):
        _score(tmp / lang, "--lang", lang)
        out[lang] = (pd.read_csv(tmp / lang / "sites.csv").set_index("site_id"),
                     (tmp / lang / "report.html").read_text(encoding="utf-8"))
    return out


@pytest.mark.parametrize("lang,words", [("en", "red line"), ("zh", "生态保护红线")])
def test_ranked_table_shows_candidate_area_and_what_was_cut(demo, lang, words):
    """F4: a ranked site cut by a red line shows its candidate area and the red line's hectares
    in the ranked table; the table's head names both columns."""
    csv, html = demo[lang]
    red = csv[(csv["status"] == "usable") & (csv["excluded_ecological_red_line_ha"] > 0.005)]
    assert len(red)   # the demo's M02
    rows = _ranked_rows(html)
    for sid, site in red.iterrows():
        cells = rows[sid]
        assert f"{site['candidate_area_ha']:,.1f}" in cells
        cut = next(c for c in cells if f"{site['excluded_ecological_red_line_ha']:,.2f}" in c)
        assert words in cut and f"{site['excluded_area_ha']:,.2f}" in cut
    head = html[html.index('id="ranking-table"'):]
    head = head[:head.index("</tr>")]
    assert ("候选面积" in head and "排除" in head) if lang == "zh" else (
        "Candidate area" in head and "Excluded" in head)
    clear = csv[(csv["status"] == "usable") & (csv[["excluded_area_ha", "dropped_area_ha",
                                                     "outside_coverage_ha"]].sum(axis=1) == 0)]
    for sid in clear.index:   # nothing cut: a dash, not a made-up reason
        assert "—" in rows[sid]


@pytest.fixture(scope="module")
def boxes(tmp_path_factory):
    """Four candidates scored under zh: (sites.csv, terminal text, report.html)."""
    tmp = tmp_path_factory.mktemp("boxes")
    f = tmp / "cands.geojson"
    gpd.GeoDataFrame({"site_id": list(BOXES)}, geometry=[box(*b) for b in BOXES.values()],
                     crs="EPSG:4326").to_file(f)
    text = _score(tmp / "o", "--candidates", str(f), "--lang", "zh")
    return (pd.read_csv(tmp / "o" / "sites.csv"), text,
            (tmp / "o" / "report.html").read_text(encoding="utf-8"))


def _warning(text: str, english: str) -> tuple[str, str]:
    """The (Chinese, English) halves of the terminal line that holds ``english``."""
    line = next(ln for ln in text.splitlines() if english in ln)
    assert line.startswith("警告："), line
    zh, en = line.split(" / ", 1)
    assert _CJK.search(zh) and english in en
    return zh, en


def test_zh_overlap_warning_names_sites_and_hectares_in_chinese(boxes):
    """F6: the overlap warning leads in Chinese and its Chinese half names the pair and the ha."""
    _, text, _ = boxes
    zh, en = _warning(text, "share usable land")
    pair, ha = re.search(r"share usable land \((\S+); ([\d.,]+) ha\)", en).groups()
    assert pair in zh and f"{ha} ha" in zh


def test_zh_outside_warnings_name_sites_and_hectares_in_chinese(boxes):
    """F6: the wholly- and partly-outside warnings lead in Chinese and name the sites (and the
    hectares outside) in Chinese."""
    csv, text, _ = boxes
    far = csv.loc[csv["site_id"].str.endswith("far"), "site_id"].item()
    zh, _ = _warning(text, "wholly outside the catalog's coverage")
    assert far in zh
    half = csv[csv["site_id"].str.endswith("half")].iloc[0]
    zh, en = _warning(text, "partly outside the catalog's coverage")
    assert half["site_id"] in zh and half["site_id"] in en
    assert f"{half['outside_coverage_ha']:,.2f} ha" in zh


def test_zh_report_grid_note_and_tilt_in_chinese(boxes):
    """F6: in the zh report the national-grid-factor note leads in Chinese (the count and why)
    and the module tilt's value is words in Chinese, not "latitude °"."""
    _, _, html = boxes
    notes = re.findall(r"<li>([^<]*)</li>", html[html.index("<h3>说明</h3>"):])
    grid = next(n for n in notes if "national grid factor" in n)
    zh = grid.split(" / ")[0]
    assert re.match(r"\d+ 个地块", zh) and "全国" in zh and "省份未知" in zh
    tilt = re.search(r"<th>组件倾角</th><td>([^<]*)</td>", html).group(1)
    assert "latitude" not in tilt and "纬度" in tilt


def test_the_flags_column_is_in_the_report_language(demo):
    """The ranked table's last column (each site's notes, "English / 中文" in sites.csv) shows
    the half in the report's language: S07's forest-PV note, whose English half holds a "; "
    and a "mm/yr", and its reduced-density note."""
    notes = demo["en"][0].loc["slag_heaps:S07", "notes"]
    for both in ("only as forest-PV", "仅可林光互补", "reduced PV density", "降低密度"):
        assert both in notes  # the table keeps both languages
    zh = _ranked_rows(demo["zh"][1])["slag_heaps:S07"][-1]
    en = _ranked_rows(demo["en"][1])["slag_heaps:S07"][-1]
    assert "仅可林光互补" in zh and "降低密度" in zh, zh
    assert "only as forest-PV" not in zh and "reduced PV density" not in zh, zh
    assert "no felling or shrub clearing" not in zh and "400 mm/yr" not in zh, zh
    assert "only as forest-PV" in en and "no felling or shrub clearing; and the forestry" in en
    assert "400 mm/yr" in en and "reduced PV density" in en, en
    assert "仅可林光互补" not in en and "降低密度" not in en, en
