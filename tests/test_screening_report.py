"""The screening report as a reviewer reads it: header, demo notice, words not codes, checklist
with totals, paging of large batches and the image limit, ``--pdf`` without Chromium. The
browser views, the PDF and page-opening times are in ``test_report_browser.py``."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from _report_batch import tiled
from _screen_helpers import box, projects, write_catalog
from click.testing import CliRunner

from geo.screen import screen
from layers.catalog import load_catalog
from layers.demo import DEMO_CATALOG, DEMO_PROJECTS
from maps import style as st
from maps.cli import cli
from maps.screening_report import PAGE_SIZE, image_rows, write_report

REPO = Path(__file__).resolve().parents[1]


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def demo():
    catalog = load_catalog(DEMO_CATALOG)
    result, hits = screen(DEMO_PROJECTS, catalog, lang="zh")
    return catalog, result, hits


@pytest.fixture(scope="module")
def demo_html(demo, tmp_path_factory):
    catalog, result, hits = demo
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_report(result, hits, path, "zh", catalog)
    return path.read_text(encoding="utf-8")


def _section(html: str, project_id: str) -> str:
    start = html.index(f'id="project-{project_id}"')
    return html[start:html.index("</section>", start)]


def test_header_states_id_versions_hashes_and_demo(demo_html, demo):
    catalog, result, hits = demo
    assert re.search(r'id="report-id">SR-[0-9A-F]{12}<', demo_html)
    from geo.rules import RULESET_DIR

    # each rule file with what sha256sum prints for it (review 30 LOW 9: one hash of all the
    # files together matched none of them)
    national = hashlib.sha256((RULESET_DIR / "national.toml").read_bytes()).hexdigest()[:12]
    assert "siting-toolkit 0.1.0" in demo_html and f"national.toml SHA-256 {national}" in demo_html
    assert "catalog.toml; SHA-256 " in demo_html
    assert 'id="demo-notice"' in demo_html and "不得用于实际决策" in demo_html
    assert str(REPO) not in demo_html  # no absolute paths
    for info in result.attrs["layers"]:  # every layer's source and date
        assert info["layer_id"] in demo_html and info["date"] in demo_html


def test_report_id_is_a_hash_of_the_inputs(demo, tmp_path):
    catalog, result, hits = demo

    def report_id(res):
        write_report(res, hits, tmp_path / "r.html", "en", catalog, image_limit=0)
        html = (tmp_path / "r.html").read_text(encoding="utf-8")
        return re.search(r'id="report-id">(SR-[0-9A-F]{12})<', html).group(1)

    first = report_id(result)
    assert report_id(result) == first
    moved = result.copy()
    moved.loc[0, "name"] = moved.loc[0, "name"] + " (renamed)"
    assert report_id(moved) != first
    # a layer's data is named by its bytes, not by when it was read
    other = result.copy()
    other.attrs = {**result.attrs, "layers": [dict(i) for i in result.attrs["layers"]]}
    other.attrs["layers"][0]["read_at"] = "2030-01-01T00:00:00"
    assert report_id(other) == first
    other.attrs["layers"][0]["sha256"] = "0" * 64
    assert report_id(other) != first
    # a PostGIS table read live is named by its fingerprint, not by when or how fast it was read
    live = result.copy()
    live.attrs = {**result.attrs, "layers": [dict(i) for i in result.attrs["layers"]]}
    live.attrs["layers"][0] |= {"seconds": 1.5, "read_at": "2030-01-01T00:00:00+00:00",
                                "fingerprint": {"rows": 9, "max_xmin": 7,
                                                "at": "2030-01-01T00:00:00+00:00"}}
    live_id = report_id(live)
    live.attrs["layers"][0] |= {"seconds": 0.2, "read_at": "2031-01-01T00:00:00+00:00",
                                "fingerprint": {"rows": 9, "max_xmin": 7,
                                                "at": "2031-01-01T00:00:00+00:00"}}
    assert report_id(live) == live_id
    live.attrs["layers"][0]["fingerprint"] = {"rows": 9, "max_xmin": 8,
                                              "at": "2031-01-01T00:00:00+00:00"}
    assert report_id(live) != live_id
    # nor by the language the kinds are named in (same inputs, same ID)
    other = result.copy()
    other.attrs = {**result.attrs, "layers": [dict(i, label=f"({i['label']})")
                                              for i in result.attrs["layers"]]}
    assert report_id(other) == first


def test_the_report_id_changes_with_a_layer_s_data(tmp_path):
    """The same catalog file over other zoning data is another report (found by a review: a
    reserve's zone edited from experimental to core changed a verdict, not the ID)."""
    cat = write_catalog(tmp_path / "c", {"red": ("ecological_red_line",
                                                 [{"geometry": box(0, 0, 100, 100)}])})
    ids = []
    for corner in (100, 150):
        if corner == 150:
            write_catalog(tmp_path / "c", {"red": ("ecological_red_line",
                                                   [{"geometry": box(0, 0, corner, corner)}])})
        catalog = load_catalog(cat)
        result, hits = screen(projects([{"geometry": box(500, 500, 600, 600), "type": "pv"}]),
                              catalog)
        write_report(result, hits, tmp_path / "r.html", "en", catalog, image_limit=0)
        html = (tmp_path / "r.html").read_text(encoding="utf-8")
        ids.append(re.search(r'id="report-id">(SR-[0-9A-F]{12})<', html).group(1))
        data = (tmp_path / "c" / "red.gpkg").read_bytes()
        assert f"SHA-256 {hashlib.sha256(data).hexdigest()[:12]}" in html
    assert ids[0] != ids[1]


def test_no_demo_notice_for_real_catalogs(tmp_path):
    cat = write_catalog(tmp_path / "c", {"red": ("ecological_red_line",
                                                 [{"geometry": box(0, 0, 100, 100)}])})
    result, hits = screen(projects([{"type": "pv", "geometry": box(50, 50, 150, 150)}]), cat)
    write_report(result, hits, tmp_path / "r.html", "en", load_catalog(cat))
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="demo-notice"' not in html
    section = _section(html, result["project_id"][0])
    # layers the rules need but the catalog lacks are said, not passed
    # ... in one checklist row naming them together, with the outcome of the rules not checked
    missing = re.search(r'<tr class="mark v-review s-not_provided"><td colspan="4"><b>Not '
                        r'checked: layers not provided:</b> ([^<]*)</td><td><span class="badge '
                        r'v-review">', section)
    assert missing and "Permanent basic farmland" in missing.group(1)
    assert section.count("v-review s-not_provided") == 1 and section.count("s-not_provided") == 2
    assert "Layers not provided (no rule applies to this project):</b> " in section


def test_a_project_section_stands_on_its_own(demo_html, demo):
    _, result, _ = demo
    p04 = _section(demo_html, "P04")  # a PV plant half in the red line, on forest land
    assert '<img class="pmap"' in p04 and "data:image/png;base64," in p04
    assert "修文县 (520123)" in p04 and "贵州省" in p04  # district from the admin boundary
    assert re.search(r"106\.\d{6}°E, 26\.\d{6}°N", p04)
    row = result[result["project_id"] == "P04"].iloc[0]
    ha, mu = row["size"] / 1e4, row["size"] / (1e4 / 15)
    assert f"{ha:,.2f} ha" in p04 and f"{mu:,.1f} 亩" in p04
    # checklist: the red line occupied with its total and share, the river's nearest distance
    assert re.search(r"生态保护红线</td><td>占用</td><td class=\"num\">17\.94 ha · 占项目 51\.3%",
                     p04)
    assert re.search(r"未占用，最近要素距离:</b> 河流 1\d\d m", p04)  # nearest first
    assert "2 km 内无要素" in p04 and "永久基本农田" in p04
    assert "1 个要素: HX520123001" in p04
    assert '<tr class="feat-row"><td></td><td colspan="4"><details><summary>逐要素明细' in p04
    # findings with their source and what to verify; the access list once
    assert "依据:" in p04 and "须核实:" in p04 and 'class="conf"' in p04
    assert p04.count("<th>空间布局约束</th>") == 2  # two units, each clause once
    assert "光伏" in p04 and ">pv<" not in p04  # words, not codes


def test_words_not_codes_in_the_summary(demo_html):
    table = demo_html[demo_html.index('<table class="projects">'):]
    table = table[:table.index("</table>")]
    assert "不予准入" in table and "钢铁" not in table  # industries are in the sections
    assert "[prohibited]" not in table and "red_line:" not in table  # reasons in words
    assert "占用生态保护红线" in table and "未触发限制性规则" in table


def test_verdict_colours_come_from_the_map_palette(demo_html):
    for verdict, style in st.VERDICT_STYLES.items():
        assert f".badge.v-{verdict} {{ background: {style['fillColor']};" in demo_html
    assert "#c0392b" not in demo_html and "#27ae60" not in demo_html  # the old traffic light


def test_images_go_to_prohibited_then_review_up_to_the_limit(demo):
    _, result, _ = demo
    rows = image_rows(result, 20)
    verdicts = list(result["verdict"].iloc[rows])
    n_prohibited = int((result["verdict"] == "prohibited").sum())
    assert len(rows) == 20 and verdicts.count("prohibited") == min(n_prohibited, 20)
    assert list(rows) == sorted(rows)
    assert len(image_rows(result, 1000)) == len(result)


@pytest.fixture(scope="module")
def paged(demo, tmp_path_factory):
    catalog, result, hits = demo
    big, big_hits = tiled(result, hits, 3 * PAGE_SIZE + 57)
    path = tmp_path_factory.mktemp("paged") / "report.html"
    files = write_report(big, big_hits, path, "en", catalog, image_limit=30)
    return big, path, files, big_hits


def test_large_batch_is_a_summary_plus_pages(paged):
    big, path, files, _ = paged
    assert files[0] == path and [f.name for f in files[1:]] == [
        "page-0001.html", "page-0002.html", "page-0003.html", "page-0004.html"]
    summary = path.read_text(encoding="utf-8")
    assert summary.count('<section class="project"') == 0
    assert 'href="report/page-0004.html"' in summary and "(601–657)" in summary
    data = json.loads(re.search(r'id="projects-pages">(.*?)</script>', summary, re.S).group(1))
    assert data["size"] == PAGE_SIZE and len(data["anchors"]) == len(big)
    pages = [f.read_text(encoding="utf-8") for f in files[1:]]
    assert [p.count('<section class="project"') for p in pages] == [200, 200, 200, 57]
    ids = [m for p in pages for m in re.findall(r'<section class="project" id="project-(\w+)"', p)]
    assert ids == list(big["project_id"])  # every project, in input order
    assert sum(p.count('<img class="pmap"') for p in pages) == 30
    assert "at most 30 projects" in summary
    assert 'href="../report.html"' in pages[0] and 'href="page-0002.html"' in pages[0]


def test_a_paged_summary_carries_the_decision(paged):
    """The summary of a paged report says why and which without opening a page: projects per
    finding (prohibited first; the rules a missing layer leaves unchecked in one row), and the
    projects to act on (unjudged, prohibited, to review) with their reasons, linked to their
    page."""
    import pandas as pd

    big, path, files, hits = paged
    summary = path.read_text(encoding="utf-8")
    table = re.search(r'id="findings-by-rule">.*?<table[^>]*>(.*?)</table>', summary, re.S).group(1)
    rows = [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", r,
                                                                    re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]]
    fired = hits[(hits["outcome"] == "prohibited") & (hits["check"] != "contact")]
    expected = fired.drop_duplicates(["row", "title"]).groupby("title").size()
    shown = {t: int(c) for v, t, c in rows if v == "Prohibited"}
    assert shown == {t.replace("'", "&#39;"): int(c) for t, c in expected.items()}
    assert [v for v, _, _ in rows] == sorted((v for v, _, _ in rows),
                                             key=["Prohibited", "Review required"].index)
    missing = hits[hits["check"] == "not_checked"]["row"].nunique()
    said = [int(c) for _, t, c in rows if t.startswith("Rules not checked because a layer")]
    assert said == ([missing] if missing else [])
    links = re.findall(r'<tr><td><a href="(report/page-\d{4}\.html)#([^"]+)">([^<]+)</a>',
                       summary.split('id="decisive"')[1])
    verdict = big["verdict"].to_numpy()
    # the unjudged, then the prohibited, then the ones to review, each in input order
    first = [i for v, k in (("error", 1000), ("prohibited", 100), ("review", 100))
             for i in np.flatnonzero(verdict == v)[:k]]
    assert [text for _, _, text in links] == list(big["project_id"].to_numpy()[first])
    for href, anchor, _ in links:  # each on the page that holds its section
        assert f'id="{anchor}"' in (path.parent / href).read_text(encoding="utf-8")
    total = int((pd.Series(verdict) == "prohibited").sum())
    assert f"Prohibited: {total}" in summary and "Most urgent first" in summary


class _Html(HTMLParser):
    """Every element id, the project sections in order (id, shown project id, text) and the
    links of the table of projects (href, linked text)."""

    def __init__(self, text: str):
        super().__init__()
        self.ids, self.sections, self.links, self._in = [], [], [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "section" and a.get("class") == "project":
            self.sections.append([a["id"], ""])
        elif tag == "a" and a.get("href", "").startswith("#project-"):
            self.links.append([a["href"][1:], ""])
            self._in = self.links[-1]

    def handle_endtag(self, tag):
        if tag == "a":
            self._in = None

    def handle_data(self, data):
        if self._in is not None:
            self._in[1] += data
        if self.sections:
            self.sections[-1][1] += data


def test_a_duplicated_id_gets_an_anchor_of_its_own_and_every_link_finds_its_row(demo, tmp_path):
    """Two input rows with one project_id once shared id="project-DUP": every link to the second
    (table of projects, paged forwarding, map popups) jumped to the first."""
    from maps.clusters import add_project_points
    from maps.screening_map import projects_table

    catalog = demo[0]
    gdf = gpd.read_file(DEMO_PROJECTS).iloc[:7].copy()
    # DUP-2 is somebody's own id; 'table' and 'pages' were the report's own element ids
    gdf["project_id"] = ["DUP", "DUP", "DUP-2", "P 4", "DUP", "table", "pages"]
    gdf["name"] = [f"name {i}" for i in range(7)]
    result, hits = screen(gdf, catalog, lang="en")
    want = ["project-DUP", "project-DUP-3", "project-DUP-2", "project-P%204", "project-DUP-4",
            "project-table", "project-pages"]
    path = tmp_path / "report.html"
    write_report(result, hits, path, "en", catalog, image_limit=0)
    page = _Html(path.read_text(encoding="utf-8"))
    assert len(page.ids) == len(set(page.ids))  # no id twice in the page
    assert [s[0] for s in page.sections] == want
    for i, (_, text) in enumerate(page.sections):  # each section is its own input row's
        assert f"name {i}" in text
        assert ("duplicate project_id 'DUP'" in text) == (i in (1, 4))
    table = page.links[-len(want):]  # the table of projects (the summary's list comes first)
    assert table == [[a, pid] for a, pid in zip(want, result["project_id"])]
    assert all(link in table for link in page.links)  # the list of prohibited ones links alike
    # the map's popups link to the same sections
    links = projects_table(result, "en", hits)["report_link"].tolist()
    assert links == [f"report.html#{a}" for a in want]
    layer = add_project_points(folium.Map(), result, "en", "projects")
    assert [r[5] if len(r) > 5 else f"project-{r[3]}" for r in layer.data] == want
    # a paged report forwards each anchor to the page holding that row's section
    files = write_report(result, hits, tmp_path / "paged.html", "en", catalog, image_limit=0,
                         page_size=2, paged_above=1)
    summary = files[0].read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="projects-pages">(.*?)</script>', summary, re.S).group(1))
    assert data["anchors"] == want and not set(_Html(summary).ids) & set(want)
    for i, anchor in enumerate(want):
        target = tmp_path / data["pages"][i // data["size"]]
        assert anchor in [s[0] for s in _Html(target.read_text(encoding="utf-8")).sections]


def test_a_page_holds_ids_that_look_like_its_own_stand_ins(demo, tmp_path):
    """A page is rendered with NUL-marked stand-ins for its table and sections, filled in as it is
    written: a project id holding a stand-in (it shows in the page's heading) once broke the
    page apart (ValueError: the report was not written)."""
    from maps.screening_report import _SECTIONS, _TABLE

    catalog = demo[0]
    gdf = gpd.read_file(DEMO_PROJECTS).iloc[:4].copy()
    gdf["project_id"] = [f"a{_TABLE}", f"b{_SECTIONS}", "c", f"d{_SECTIONS}{_TABLE}"]
    result, hits = screen(gdf, catalog, lang="en")
    files = write_report(result, hits, tmp_path / "paged.html", "en", catalog, image_limit=0,
                         page_size=2, paged_above=1)
    assert len(files) == 3
    for page, ids in zip(files[1:], (["a", "b"], ["c", "d"])):
        parsed = _Html(page.read_text(encoding="utf-8"))
        assert len(parsed.sections) == 2
        assert [s[0][len("project-"):][:1] for s in parsed.sections] == ids
        assert parsed.links[:2] == [[s[0], pid] for s, pid in zip(parsed.sections, result[
            "project_id"][2 * (ids[0] == "c"):][:2])]


def test_cli_pdf_without_chromium_is_a_clear_error(tmp_path):
    res = run("screen", "--demo", "--out", tmp_path / "o", "--pdf",
              env={"SITING_CHROMIUM": str(tmp_path / "no-chromium")})
    assert res.exit_code == 2
    assert "SITING_CHROMIUM" in res.output and "not an executable" in res.output
    assert not (tmp_path / "o").exists()


def test_cli_report_images_option(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    frame = gpd.GeoDataFrame({"project_id": ["A", "B"], "type": ["pv", "pv"]},
                             geometry=[shapely.box(106.60, 26.55, 106.61, 26.56),
                                       shapely.box(106.70, 26.60, 106.71, 26.61)], crs=4326)
    frame.to_file(folder / "p.geojson", driver="GeoJSON")
    res = run("screen", folder / "p.geojson", "--catalog", DEMO_CATALOG, "--out",
              tmp_path / "o", "--report-images", "0", "--lang", "en")
    assert res.exit_code == 0, res.output
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert '<img class="pmap"' not in html and "No map images in this report" in html
    assert html.count('<section class="project"') == 2
    assert 'id="data-quality"' in html and "Project file p.geojson" in html


def test_coverage_gaps_are_said_on_the_project_page(tmp_path):
    """A footprint half outside the admin boundary and half in no control unit: both shares
    are on its page; a footprint well inside has no coverage note."""
    cat = write_catalog(tmp_path / "c", {
        "admin": ("admin_boundary", [{"geometry": box(0, 0, 10000, 10000),
                                      "admin_code": "520102", "name": "南明区"}]),
        "units": ("control_unit", [{"geometry": box(0, 0, 5000, 10000), "unit_code": "ZH1",
                                    "unit_type": "general"}])})
    rows = [{"project_id": "EDGE", "type": "pv", "geometry": box(9800, 100, 10200, 300)},
            {"project_id": "IN", "type": "pv", "geometry": box(1000, 1000, 1200, 1200)}]
    result, hits = screen(projects(rows), cat)
    write_report(result, hits, tmp_path / "r.html", "en", load_catalog(cat))
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    edge, inside = _section(html, "EDGE"), _section(html, "IN")
    assert "50.0% of the footprint lies outside the catalog&#x27;s coverage" in edge
    assert "50.0% lies in no control unit" in edge
    assert 'class="coverage"' not in inside
    assert "南明区 (520102)" in inside


def test_markup_built_once_per_pattern_equals_markup_built_per_project(tmp_path):
    from maps.report_unchecked import _by_pattern, _not_checked_items

    cat = write_catalog(tmp_path / "c", {"red": ("ecological_red_line",
                                                 [{"geometry": box(0, 0, 100, 100)}])})
    rows = [{"type": t, "geometry": box(50 + 300 * i, 50, 150 + 300 * i, 150)}
            for i, t in enumerate(["pv", "wind", "pv", "industrial", "wind", "pv"])]
    rows[3]["industry"] = "钢铁"
    _, hits = screen(projects(rows), cat, lang="en")
    missing = hits[hits["check"] == "not_checked"]
    patterns = missing.groupby("row")["rule_id"].agg(tuple)
    assert patterns.nunique() >= 3  # pv, wind and industrial projects miss different rules
    for n in (len(rows), len(rows) + 2):  # projects without any: ""
        direct = _not_checked_items(missing, n, "en")
        once = _by_pattern(missing, n, ("title", "rule_id"),
                           lambda m, k: _not_checked_items(m, k, "en"))
        assert list(once) == list(direct) and (once[len(rows):] == "").all()
        assert (once[:len(rows)] != "").all()


def test_missing_layer_rows_built_once_per_pattern_equal_those_of_the_whole_checklist(tmp_path):
    from geo.checklist import checked_kinds, checklist
    from maps.report_unchecked import _missing_row, absent_kind_rows, split_absent

    cat = write_catalog(tmp_path / "c", {"red": ("ecological_red_line",
                                                 [{"geometry": box(0, 0, 100, 100)}])})
    rows = [{"type": t, "geometry": box(50 + 300 * i, 50, 150 + 300 * i, 150)}
            for i, t in enumerate(["pv", "wind", "pv", "industrial", "wind", "pv", "mining"])]
    rows[3]["industry"] = "钢铁"
    result, hits = screen(projects(rows), cat, lang="en")
    result.loc[4, "error"] = "bad footprint"  # an error row has no checklist
    assert hits["kind"].str.contains("+", regex=False).any()  # rules on several missing kinds
    for lang in ("en", "zh"):
        table = checklist(result, hits)
        missing = (table["status"] == "not_provided").to_numpy()
        labels = [st.kind_label(k, lang) for k in table["kind"][missing]]
        direct = _missing_row(table["row"].to_numpy()[missing], np.array(labels, dtype=object),
                              table["outcome"].to_numpy(dtype=object)[missing], len(result),
                              lang)
        absent = [k for k, s in checked_kinds(result, hits).items() if s == "not_provided"]
        judged = (result["error"] == "").to_numpy()
        once = absent_kind_rows(split_absent(hits, absent)[1], absent, judged, lang)
        assert list(once) == list(direct)
        assert once[4] == "" and (once[judged] != "").all()
        assert len(set(once[judged])) >= 3  # pv, wind, industrial and mining differ


def test_a_checklist_where_no_kind_is_provided_names_them_all(tmp_path):
    """A result whose layers are not recorded (every kind then counts as not provided) still
    gets its checklist, even where hits name features: one row naming the kinds."""
    from maps.report_checklist import checklist_html

    cat = write_catalog(tmp_path / "c", {"red": ("ecological_red_line",
                                                 [{"geometry": box(0, 0, 100, 100)}])})
    result, hits = screen(projects([{"type": "pv", "geometry": box(50, 50, 150, 150)}]), cat,
                          lang="en")
    assert (hits["feature_id"] != "").any()
    bare = result.copy()
    bare.attrs = {k: v for k, v in result.attrs.items() if k != "layers"}
    html = checklist_html(bare, hits, "en")[0]
    assert "s-not_provided" in html and "Ecological protection red line" in html
    assert "s-occupied" not in html
