"""Shared fixtures. Browser: a session-wide headless Chromium and a fresh offline page per test."""

from __future__ import annotations

import pytest
from browser import CHROMIUM, LAUNCH_ARGS, browser_missing, browser_required, guard_network


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium driven by playwright; skips (fails on CI) when unavailable."""
    why = browser_missing()
    if why is not None:
        if browser_required():
            pytest.fail(f"browser tests are required (CI=true or SITING_REQUIRE_BROWSER=1) "
                        f"but cannot run: {why}", pytrace=False)
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh page in its own context, cut off the network (see ``browser.guard_network``)."""
    context = chromium.new_context(viewport={"width": 1024, "height": 768},
                                   service_workers="block", locale="zh-CN")
    page = context.new_page()
    guard_network(page)
    try:
        yield page
    finally:
        context.close()
