"""The panel of the rows a map cannot draw (review 26 F2), in headless Chromium with no network:
shown collapsed beside the other controls, opened by a click, listing each row as text."""

from __future__ import annotations

import map_checks as mc
import pytest
from browser import open_map_offline, screenshot_nonblank
from click.testing import CliRunner
from siting_fixtures import make_region
from test_cli_map_missing import HEADER, _table
from test_cli_vertex_tables import A, C, _write

from maps.cli import cli

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return make_region(tmp_path_factory.mktemp("missing-browser-region"))


def test_screen_map_panel_of_projects_not_drawn(browser_page, catalog, tmp_path):
    out = tmp_path / "o"
    r = CliRunner().invoke(cli, ["screen", str(_table(tmp_path)), "--catalog", str(catalog),
                                 "--coords", "wgs84", "--out", str(out)])
    assert r.exit_code == 0, r.output
    page = browser_page
    _, errors = open_map_offline(page, out / "map.html", "map with rows not drawn")
    panel = page.locator(".siting-missing")
    summary = panel.locator("summary")
    assert summary.text_content() == "2 个项目未绘制（无可用范围）"
    assert summary.is_visible()
    items = panel.locator("li")
    assert not items.first.is_visible()  # collapsed: one line
    boxes = mc.control_boxes(page)
    mine = [b for b in boxes.values() if "siting-missing-panel" in b["cls"]]
    assert len(mine) == 1
    assert not any(mc.intersect(mine[0], b) for b in boxes.values() if b is not mine[0])
    summary.click()
    page.wait_for_timeout(200)
    assert items.count() == 2 and items.first.is_visible()
    assert [items.nth(i).locator("b").text_content() for i in range(2)] == ["TWO", "SWAP"]
    assert "<img" in items.nth(1).text_content()  # the name's payload shown as text, not run
    assert page.evaluate("() => window.__xss") is None
    mc.save_artifact(page, "map_rows_not_drawn")
    assert screenshot_nonblank(page, "map_rows_not_drawn")
    assert errors == []


def test_open_panel_stays_below_the_legend_on_a_short_window(browser_page, catalog, tmp_path):
    """60 rows not drawn, a 500 px high window: the opened list scrolls within the room the
    legend leaves above the panel instead of covering the legend (it did, at 40 % of the
    window, before the panel sized itself)."""
    rows = [("OK1", "甲", k + 1, x, y, "pv") for k, (x, y) in enumerate(A)]
    rows += [(f"BAD{i:02d}", f"坏{i}", k + 1, y, x, "pv") for i in range(60)
             for k, (x, y) in enumerate(C)]  # latitude first: no usable outline
    out = tmp_path / "o"
    r = CliRunner().invoke(cli, ["screen", str(_write(tmp_path / "many.csv", HEADER, rows)),
                                 "--catalog", str(catalog), "--coords", "wgs84",
                                 "--out", str(out)])
    assert r.exit_code == 0, r.output
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 500})
    _, errors = open_map_offline(page, out / "map.html", "map with 60 rows not drawn")
    panel = page.locator(".siting-missing")
    assert panel.locator("summary").text_content() == "60 个项目未绘制（无可用范围）"
    panel.locator("summary").click()
    page.wait_for_timeout(200)
    boxes = mc.control_boxes(page)
    mine = next(b for b in boxes.values() if "siting-missing-panel" in b["cls"])
    assert not mc.intersect(mine, boxes["legend"]), (mine, boxes["legend"])
    lst = page.evaluate("""() => { const l = document.querySelector('.siting-missing-list');
        return {scroll: l.scrollHeight, shown: l.clientHeight}; }""")
    assert 60 <= lst["shown"] < lst["scroll"]  # scrolls: every row still reachable
    assert panel.locator("li").count() == 60
    page.set_viewport_size({"width": 1280, "height": 900})  # a taller window gives more room
    page.wait_for_timeout(200)
    taller = page.evaluate("() => document.querySelector('.siting-missing-list').clientHeight")
    assert taller > lst["shown"]
    boxes = mc.control_boxes(page)
    mine = next(b for b in boxes.values() if "siting-missing-panel" in b["cls"])
    assert not mc.intersect(mine, boxes["legend"])
    mc.save_artifact(page, "map_rows_not_drawn_short_window")
    assert errors == []
