"""map.html lists the rows it cannot draw (review 26 F2), and the report does not place a project
without geometry "outside the admin boundary layer" (review 26 F3).

A project (site) without a usable outline (two vertices, swapped latitude/longitude) is in the
tables and the report with its error; the map used to leave it out without a word. Each test runs
the real command (``siting screen``, ``siting score --candidates``) on a small real CSV."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from click.testing import CliRunner
from siting_fixtures import make_region
from test_cli_vertex_tables import A, C, _score, _sites, _write

from maps import missing
from maps.cli import cli

HEADER = ["项目编号", "项目名称", "序号", "经度", "纬度", "type"]
XSS = "<img src=x onerror=window.__xss=1>"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return make_region(tmp_path_factory.mktemp("missing-region"))


def _table(tmp_path):
    """OK1 (drawable), TWO (two vertices), OK2 (drawable), SWAP (latitude first, named with
    an HTML payload): two projects without geometry, between and after drawable ones."""
    rows = [("OK1", "甲", k + 1, x, y, "pv") for k, (x, y) in enumerate(A)]
    rows += [("TWO", "两点", k + 1, x, y, "pv") for k, (x, y) in enumerate(A[:2])]
    rows += [("OK2", "乙", k + 1, x, y, "pv") for k, (x, y) in enumerate(C)]
    rows += [("SWAP", XSS, k + 1, y, x, "pv") for k, (x, y) in enumerate(C)]
    return _write(tmp_path / "bad.csv", HEADER, rows)


class _Panel(HTMLParser):
    """The panel's summary, and per list item its id (bold), whole text and error text."""

    def __init__(self):
        super().__init__()
        self.summary, self.items, self.tags, self.at = "", [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        cls = dict(attrs).get("class", "")
        if tag == "li":
            self.items.append({"id": "", "text": "", "error": ""})
        self.at.append("error" if cls == "siting-missing-error" else tag)

    def handle_endtag(self, tag):
        self.at.pop()

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        if "summary" in self.at:
            self.summary += data
        elif self.items and "li" in self.at:
            item = self.items[-1]
            item["text"] += data
            item["id"] += data if self.at[-1] == "b" else ""
            item["error"] += data if self.at[-1] == "error" else ""


def _panel(map_html) -> _Panel:
    """The missing-rows panel of a map page (the markup its control's script sets)."""
    page = map_html.read_text(encoding="utf-8")
    bodies = [json.loads(s) for s in re.findall(r'div\.innerHTML = ("(?:[^"\\]|\\.)*");', page)]
    found = [b for b in bodies if 'class="siting-missing"' in b]
    assert len(found) == 1, "no panel of the rows not drawn"
    parser = _Panel()
    parser.feed(found[0])
    assert "img" not in parser.tags and "script" not in parser.tags  # input text escaped
    return parser


def test_screen_map_lists_projects_without_geometry(catalog, tmp_path):
    """F2: map.html names TWO and SWAP, in input order, with the error of each (as in
    screening.csv), under '2 个项目未绘制（无可用范围）' (zh by default)."""
    out = tmp_path / "o"
    r = CliRunner().invoke(cli, ["screen", str(_table(tmp_path)), "--catalog", str(catalog),
                                 "--coords", "wgs84", "--out", str(out)])
    assert r.exit_code == 0, r.output
    s = pd.read_csv(out / "screening.csv", encoding="utf-8-sig", keep_default_na=False)
    errors = s.set_index("project_id")["reasons"]
    assert list(s.loc[s["verdict"] == "error", "project_id"]) == ["TWO", "SWAP"]
    panel = _panel(out / "map.html")
    assert panel.summary == "2 个项目未绘制（无可用范围）"
    assert [i["id"] for i in panel.items] == ["TWO", "SWAP"]
    assert XSS in panel.items[1]["text"]  # the name, shown as text
    for item in panel.items:
        assert item["error"] == errors[item["id"]], item
    # F3: the report says why the district is unknown: no outline, not outside the layer
    report = (out / "report.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section class="project".*?</section>', report, flags=re.S)
    assert len(sections) == 4
    for pid, section in zip(["OK1", "TWO", "OK2", "SWAP"], sections):
        assert f'<span class="pid">{pid}</span>' in section
        if pid in ("TWO", "SWAP"):
            assert "未知（无可用范围）" in section and "不在行政区划图层内" not in section, pid
        else:
            assert "无可用范围" not in section, pid


def test_score_map_lists_sites_without_geometry(catalog, tmp_path):
    """F2 addendum: the score map likewise, in English with --lang en."""
    out = tmp_path / "o"
    r = _score(catalog, _table(tmp_path), out, "--lang", "en")
    assert r.exit_code == 0, r.output
    sites = _sites(out)
    assert list(sites.index[sites["status"] == "error"]) == ["user:TWO", "user:SWAP"]
    panel = _panel(out / "map.html")
    assert panel.summary == "2 sites not drawn (no usable outline)"
    assert [i["id"] for i in panel.items] == ["user:TWO", "user:SWAP"]
    for item in panel.items:
        assert item["error"] == sites.loc[item["id"], "reason"], item


def test_report_en_no_outline_district(catalog, tmp_path):
    """F3 in English: 'unknown (no usable outline)'."""
    out = tmp_path / "o"
    r = CliRunner().invoke(cli, ["screen", str(_table(tmp_path)), "--catalog", str(catalog),
                                 "--coords", "wgs84", "--out", str(out), "--lang", "en"])
    assert r.exit_code == 0, r.output
    report = (out / "report.html").read_text(encoding="utf-8")
    assert report.count("unknown (no usable outline)") == 2


def test_panel_caps_a_long_list():
    """Thousands of rows without geometry: 200 listed, the rest counted with the table that
    lists them all; long errors shortened; within the size the budget reserves for it."""
    n = 5_000
    text = missing.missing_panel_html([f"P{i}" for i in range(n)], ["名"] * n, ["错" * 1000] * n,
                                      "zh", "projects", "screening.csv")
    parser = _Panel()
    parser.feed(text)
    assert parser.summary == f"{n} 个项目未绘制（无可用范围）"
    assert len(parser.items) == missing.MAX_LISTED
    assert len(parser.items[0]["error"]) == missing.MAX_ERROR_CHARS
    assert f"另有 {n - missing.MAX_LISTED} 个，见 screening.csv" in text
    assert len(json.dumps(text).encode()) <= missing.panel_bytes(n)
    assert missing.missing_panel_html([], [], [], "en") == ""
