"""Shared fixtures. Browser: a session-wide headless Chromium and a fresh offline page per test.
PostGIS: a session-wide private cluster holding the demo layers (see ``tests/pgcluster.py``).
numpy: its print options stay as they were (they set the texts of its numbers)."""

from __future__ import annotations

import numpy as np
import pytest
from browser import CHROMIUM, LAUNCH_ARGS, browser_missing, browser_required, guard_network
from pgcluster import load_demo, postgis_missing, postgis_required, start_cluster


def skip_or_fail(why: str | None, required: bool, what: str, env: str) -> None:
    """Skip the test when ``why`` says the tool cannot run here; fail instead when it is required
    (CI=true or ``env``=1), so that CI never passes by skipping."""
    if why is None:
        return
    if required:
        pytest.fail(f"{what} tests are required (CI=true or {env}=1) but cannot run: {why}",
                    pytrace=False)
    pytest.skip(why)


@pytest.fixture(scope="session")
def chromium():
    """Headless Debian Chromium driven by playwright; skips (fails on CI) when unavailable."""
    skip_or_fail(browser_missing(), browser_required(), "browser", "SITING_REQUIRE_BROWSER")
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
    skip_or_fail(postgis_missing(), postgis_required(), "PostGIS", "SITING_REQUIRE_POSTGIS")
    cluster = start_cluster()
    try:
        db = load_demo(cluster, tmp_path_factory.mktemp("postgis"))
        with pytest.MonkeyPatch.context() as mp:
            for key, value in db.env.items():
                mp.setenv(key, value)
            yield db
    finally:
        cluster.stop()


_NUMPY_PRINTS = np.get_printoptions()
"""numpy's print options before any test module is imported."""


@pytest.fixture(autouse=True)
def _numpy_prints_as_they_were():
    """numpy's print options left changed by a test module's imports or by a test fail the
    tests: they set the texts of numpy's numbers (``legacy="1.13"``, which colour-science sets
    when imported, writes 0.1 + 0.2 as ``0.3``) for every later test of the process, which then
    pass or fail by which modules were collected and the order they run in."""
    before = np.get_printoptions()
    np.set_printoptions(**_NUMPY_PRINTS)  # one test fails for it, not every later one
    assert before == _NUMPY_PRINTS, "numpy's print options were changed by a test module's " \
        f"imports: {_NUMPY_PRINTS} -> {before}"
    yield
    after = np.get_printoptions()
    np.set_printoptions(**_NUMPY_PRINTS)
    assert after == _NUMPY_PRINTS, f"numpy's print options changed: {_NUMPY_PRINTS} -> {after}"
