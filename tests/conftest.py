"""Shared fixtures. Browser: a session-wide headless Chromium and a fresh offline page per test.
PostGIS: a session-wide private cluster holding the demo layers (see ``tests/pgcluster.py``)."""

from __future__ import annotations

import pytest
from browser import CHROMIUM, LAUNCH_ARGS, browser_missing, browser_required, guard_network
from pgcluster import load_demo, postgis_missing, postgis_required, start_cluster


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


@pytest.fixture(scope="session")
def postgis(tmp_path_factory):
    """A private PostGIS cluster with the demo layers, reached through a service file.

    Skips (fails under ``CI=true`` or ``SITING_REQUIRE_POSTGIS=1``) when PostGIS is not installed.
    ``PGSERVICEFILE``/``PGPASSFILE`` point at a temp client folder while it is active; the cluster
    is stopped and its folder removed at the end of the session.
    """
    why = postgis_missing()
    if why is not None:
        if postgis_required():
            pytest.fail(f"PostGIS tests are required (CI=true or SITING_REQUIRE_POSTGIS=1) but "
                        f"cannot run: {why}", pytrace=False)
        pytest.skip(why)
    cluster = start_cluster()
    try:
        db = load_demo(cluster, tmp_path_factory.mktemp("postgis"))
        with pytest.MonkeyPatch.context() as mp:
            for key, value in db.env.items():
                mp.setenv(key, value)
            yield db
    finally:
        cluster.stop()
