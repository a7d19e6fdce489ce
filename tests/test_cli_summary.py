"""The summary page of a paged screening report names the projects a reviewer must act on,
most urgent first: every unjudged project, then the prohibited, then the ones to review, each
linked to the page holding its section; a cut list says how many more and links the next one.
(Review 24, finding 3: the one unjudged project of 25,000 was behind 9,530 prohibited ones and
named nowhere on the summary.)"""

from __future__ import annotations

import functools
import re

from _screen_helpers import box, projects, write_catalog
from click.testing import CliRunner

import maps.report_reasons as rr
import maps.screening_report as sr
from maps.cli import cli


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _batch(root):
    cat = write_catalog(root / "data", {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 3000, 300), "name": "红线"}]),
        "units": ("control_unit", [{"geometry": box(-3000, -3000, 6000, 3000),
                                    "unit_type": "key", "unit_code": "ZH52010220001"}]),
    })
    rows = [{"project_id": f"R{i}", "name": f"红线内{i}", "type": "pv",
             "geometry": box(100 + 200 * i, 100, 200 + 200 * i, 200)} for i in range(5)]
    rows += [{"project_id": f"K{i}", "name": f"管控单元{i}", "type": "pv",
              "geometry": box(100 + 200 * i, 1000, 200 + 200 * i, 1100)} for i in range(4)]
    # last in input order, far outside the catalog's region: could not be judged
    rows += [{"project_id": "FAR", "name": "区域外", "type": "pv",
              "geometry": box(90000, 90000, 90100, 90100)}]
    (root / "projects").mkdir()
    projects(rows).to_file(root / "projects" / "projects.gpkg")
    return cat, root / "projects" / "projects.gpkg"


def _decisive(html):
    """(group heading, [(href, id)], more-note text, more-note link) per group."""
    part = html.split('id="decisive"')[1].split('id="images-note"')[0]
    out = []
    for g in re.split(r"<h4 ", part)[1:]:
        head = re.sub(r"<[^>]+>", "", g.split("</h4>")[0].split(">", 1)[1]).strip()
        links = re.findall(r'<tr><td><a href="([^"]+)">([^<]+)</a>', g)
        more = re.search(r'class="note decisive-more">([^<]*)<a href="([^"]+)">([^<]+)</a>', g)
        out.append((head, links, more and (" ".join(more.group(1).split()), more.group(2),
                                           more.group(3))))
    return out


def test_paged_summary_lists_unjudged_first_then_prohibited_then_review(tmp_path,
                                                                          monkeypatch):
    cat, proj = _batch(tmp_path)
    monkeypatch.setattr(sr, "write_report", functools.partial(sr.write_report, paged_above=1,
                                                              page_size=2))
    monkeypatch.setattr(rr, "DECISIVE_SHOWN", {"error": 1000, "prohibited": 3, "review": 2})
    out = tmp_path / "out"
    res = run("screen", proj, "--catalog", cat, "--out", out)
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text(encoding="utf-8")
    groups = _decisive(html)
    assert [g[0] for g in groups] == ["无法判定：1 个", "不予准入：5 个", "需论证：4 个"]
    # FAR is the 10th project: page 5 of 2-project pages; each link reaches its section
    assert groups[0][1] == [("report/page-0005.html#project-FAR", "FAR")] and not groups[0][2]
    assert [i for _, i in groups[1][1]] == ["R0", "R1", "R2"]
    assert [i for _, i in groups[2][1]] == ["K0", "K1"]
    assert groups[1][2] == ("另有 2 个未列出，见 screening.csv（verdict 列）及各页；下一个：",
                            "report/page-0002.html#project-R3", "R3")
    assert groups[2][2][1:] == ("report/page-0004.html#project-K2", "K2")
    # a review project's reason is its review finding; the rules unchecked for want of a layer
    # are one row of the findings by rule, not repeated on every project
    review = html.split('id="decisive-review"')[1].split("</table>")[0]
    assert "位于重点管控单元" in review and "未提供图层" not in review
    for _, links, more in groups:
        for href, pid in links + ([more[1:]] if more else []):
            page, anchor = href.split("#")
            assert f'id="{anchor}"' in (out / page).read_text(encoding="utf-8"), pid


def test_maps_never_draw_the_demos_boundaries_over_a_users_catalog(tmp_path):
    """A catalog without an admin layer (here at the demo's place, where the demo's Guiyang
    districts would reach the map) gets no boundaries on either map: never the demo's, which
    are not the user's data and which the report names no source for (review 24, finding 5)."""
    cat = write_catalog(tmp_path / "data", {
        "redline": ("ecological_red_line", [{"geometry": box(0, 0, 300, 300), "name": "红线"}]),
    }, admin=False)
    (tmp_path / "projects").mkdir()
    projects([{"project_id": "P1", "name": "一号", "type": "pv",
               "geometry": box(100, 100, 200, 200)}]).to_file(tmp_path / "projects" / "p.gpkg")
    res = run("screen", tmp_path / "projects" / "p.gpkg", "--catalog", cat, "--out",
              tmp_path / "out")
    assert res.exit_code == 0, res.output
    res = run("map", cat, "--out", tmp_path / "layers.html")
    assert res.exit_code == 0, res.output
    for page in (tmp_path / "out" / "map.html", tmp_path / "layers.html"):
        html = re.sub(r"\\u([0-9a-f]{4})", lambda u: chr(int(u.group(1), 16)),
                      page.read_text(encoding="utf-8"))  # folium writes JSON escapes
        assert "红线" in html and "行政区划" not in html
        assert not any(d in html for d in ("云岩区", "南明区", "乌当区", "花溪区")), page


def test_paged_summary_finds_a_project_by_its_id(tmp_path, monkeypatch, browser_page):
    """The summary of a paged report has a search field: a project's ID (spaces around it
    ignored; in another case when only one ID matches) opens the page holding its section, also
    for IDs with spaces, brackets, ``/`` and Chinese characters; an unknown ID says so."""
    from browser import open_html

    from maps.display import project_anchor

    cat = write_catalog(tmp_path / "data", {
        "units": ("control_unit", [{"geometry": box(-3000, -3000, 6000, 3000),
                                    "unit_type": "key", "unit_code": "ZH52010220001"}])})
    ids = ["A1", "B2", "甲-01 (b)/x's!", "C3", "k7", "D4", "E5"]
    rows = [{"project_id": p, "name": f"项目{i}", "type": "pv",
             "geometry": box(100 + 200 * i, 100, 200 + 200 * i, 200)} for i, p in enumerate(ids)]
    (tmp_path / "p").mkdir()
    projects(rows).to_file(tmp_path / "p" / "projects.gpkg")
    monkeypatch.setattr(sr, "write_report", functools.partial(sr.write_report, paged_above=1,
                                                              page_size=2))
    out = tmp_path / "out"
    res = run("screen", tmp_path / "p" / "projects.gpkg", "--catalog", cat, "--out", out)
    assert res.exit_code == 0, res.output
    page = browser_page
    for typed, pid, number in ((" 甲-01 (b)/x's! ", "甲-01 (b)/x's!", 2), ("K7", "k7", 3),
                               ("E5", "E5", 4)):
        assert open_html(page, out / "report.html") == []
        page.fill("#find-id", typed)
        page.press("#find-id", "Enter")
        anchor = project_anchor(pid)
        page.wait_for_url(f"**/report/page-{number:04d}.html#{anchor}")
        assert page.locator(f'section[id="{anchor}"] .pid').text_content() == pid
    assert open_html(page, out / "report.html") == []
    assert page.locator("#find-project label").text_content() == "按项目编号查找"
    page.fill("#find-id", "nope")
    page.click("#find-project button")
    assert page.locator("#find-none").is_visible()
    assert page.locator("#find-none").text_content() == "本批次中没有此项目编号：nope"
    assert page.url.endswith("report.html")
