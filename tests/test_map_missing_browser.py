"""The panel of the rows a map cannot draw (review 26 F2), in headless Chromium with no network:
shown collapsed beside the other controls, opened by a click, listing each row as text."""

from __future__ import annotations

import map_checks as mc
import pytest
from browser import open_map_offline, screenshot_nonblank
from click.testing import CliRunner
from siting_fixtures import make_region
from test_cli_map_missing import _table

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
