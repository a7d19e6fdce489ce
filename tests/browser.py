"""Headless-Chromium harness for HTML outputs: offline pages, console errors, screenshots.

Pages run with no network: every request that is not ``file:``, ``data:``, ``blob:``,
``about:`` or to localhost is intercepted. Basemap tile requests are answered with a transparent
1x1 PNG (so missing tiles are not console errors) and counted; every other request is aborted and
recorded, so a test can assert that a page asked for nothing from the network.

Uses Debian's Chromium (``/usr/bin/chromium``, or ``$SITING_CHROMIUM``) through the ``playwright``
package; ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
import re
import struct
import weakref
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

CHROMIUM = Path(os.environ.get("SITING_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

# A transparent 1x1 RGBA PNG, the answer to every tile request.
TRANSPARENT_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
# Tile URLs: z/x/y paths (…/10/812/431.png, @2x, Esri's extension-less …/tile/10/431/812),
# x=/y=/z= queries (Gaode/AMap) and WMS/WMTS (Tianditu) requests.
_TILE_PATH = re.compile(r"/\d+/\d+/\d+(?:@\dx)?(?:\.(?:png|jpe?g|webp))?(?:[?#]|$)", re.I)
_TILE_QUERY = [re.compile(rf"[?&]{k}=\d+(?:&|$)", re.I) for k in "xyz"]
_TILE_OGC = re.compile(r"[?&](?:request=getmap|request=gettile|tilematrix=)", re.I)
_LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:", "chrome-error:")
_LOCAL_HOSTS = re.compile(r"^[a-z]+://(?:localhost|127\.0\.0\.1|\[::1\])(?::\d+)?(?:/|$)", re.I)


def browser_required() -> bool:
    """True when browser tests must fail (not skip) without Chromium: CI or an explicit ask."""
    return (os.environ.get("CI", "").lower() == "true"
            or os.environ.get("SITING_REQUIRE_BROWSER") == "1")


def browser_missing() -> str | None:
    """Why headless Chromium cannot run here, or None when it can."""
    if not CHROMIUM.exists():
        return (f"Chromium not found at {CHROMIUM}: install it with `apt-get install -y "
                f"chromium` (or set SITING_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed: pip install -e '.[test]'"
    return None


@dataclass
class NetworkLog:
    """Requests a page tried to send to the network."""

    tiles: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)


def is_tile_request(url: str, resource_type: str = "image") -> bool:
    """True for an image request that looks like a basemap tile (z/x/y, WMS or WMTS)."""
    if resource_type != "image":
        return False
    return bool(_TILE_PATH.search(url) or _TILE_OGC.search(url)
                or all(q.search(url) for q in _TILE_QUERY))


_NETWORK: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_CONSOLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def guard_network(page) -> NetworkLog:
    """Cut a page off the network: tiles get a transparent PNG, everything else is aborted.

    Parameters
    ----------
    page : playwright.sync_api.Page
        A fresh page.

    Returns
    -------
    NetworkLog
        Filled while the page lives (also available later as ``network_log(page)``).
    """
    log = NetworkLog()

    def handle(route) -> None:
        url = route.request.url
        if url.startswith(_LOCAL_SCHEMES) or _LOCAL_HOSTS.match(url):
            route.continue_()
        elif is_tile_request(url, route.request.resource_type):
            log.tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=TRANSPARENT_PNG,
                          headers={"Access-Control-Allow-Origin": "*"})
        else:
            log.blocked.append(url)
            route.abort("internetdisconnected")

    page.route("**/*", handle)
    _NETWORK[page] = log
    return log


def network_log(page) -> NetworkLog:
    """The :class:`NetworkLog` of a page set up with :func:`guard_network`."""
    return _NETWORK[page]


def open_html(page, path: str | Path, settle_ms: int = 500) -> list[str]:
    """Load a local HTML file and return its console errors and uncaught page errors.

    Waits for the ``load`` event and then ``settle_ms`` for scripts run after load. The returned
    list keeps filling while the page lives, so check it again after interacting with the page.

    Parameters
    ----------
    page : playwright.sync_api.Page
        The page (network guarded by the ``browser_page`` fixture).
    path : str or Path
        The HTML file.
    settle_ms : int
        Time to wait after ``load`` [ms].

    Returns
    -------
    list of str
        ``"console: <text> (<url>:<line>)"`` for console messages of type error and
        ``"pageerror: <message>"`` for uncaught exceptions.
    """
    old = _CONSOLE.pop(page, None)
    if old is not None:
        page.remove_listener("console", old[0])
        page.remove_listener("pageerror", old[1])
    errors: list[str] = []

    def on_console(msg) -> None:
        if msg.type == "error":
            loc = msg.location or {}
            errors.append(f"console: {msg.text} ({loc.get('url', '')}:{loc.get('lineNumber', '')})")

    def on_pageerror(exc) -> None:
        errors.append(f"pageerror: {exc}")

    page.on("console", on_console)
    page.on("pageerror", on_pageerror)
    _CONSOLE[page] = (on_console, on_pageerror)
    page.goto(Path(path).resolve().as_uri(), wait_until="load")
    page.wait_for_timeout(settle_ms)
    return errors


def png_is_uniform(data: bytes) -> bool:
    """True if every pixel of an 8-bit, non-interlaced PNG has the same value.

    Decodes with the standard library and numpy only. Instead of undoing the per-row filters
    (sequential for the Average and Paeth filters), it filters the one-colour image the first
    pixel predicts with the same per-row filter types and compares: PNG filtering is a bijection
    for given filter types, so the data match exactly when the image is one colour.

    Parameters
    ----------
    data : bytes
        PNG file content (colour types grey, RGB, grey+alpha, RGBA; bit depth 8).

    Returns
    -------
    bool
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos:pos + 4]), data[pos + 4:pos + 8]
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat.append(chunk)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"unsupported PNG (bit depth {depth}, colour type {colour}, "
                         f"interlace {interlace})")
    rows = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8).reshape(height, -1)
    filters, actual = rows[:, 0], rows[:, 1:].astype(np.int16)
    first = actual[0, :channels]  # the first pixel is stored unpredicted by every filter type
    image = np.tile(first, width).astype(np.int16)
    left = np.concatenate([np.zeros(channels, np.int16), image[:-channels]])
    expected = np.empty_like(actual)
    # Row r is predicted from row r-1: equal to `image`, except that row 0 sees zeros above.
    zeros = np.zeros_like(image)
    for r in range(height):
        up = zeros if r == 0 else image
        up_left = np.concatenate([np.zeros(channels, np.int16), up[:-channels]])
        f = filters[r]
        if f == 0:
            pred = zeros
        elif f == 1:
            pred = left
        elif f == 2:
            pred = up
        elif f == 3:
            pred = (left + up) // 2
        elif f == 4:
            p = left + up - up_left
            pa, pb, pc = np.abs(p - left), np.abs(p - up), np.abs(p - up_left)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, up, up_left))
        else:
            raise ValueError(f"bad PNG filter type {f} in row {r}")
        expected[r] = (image - pred) % 256
    return bool(np.array_equal(expected, actual))


def screenshot_nonblank(page, name: str | Path) -> bool:
    """Save a PNG screenshot under ``tests/artifacts/`` and say whether it has 2+ colours.

    Parameters
    ----------
    page : playwright.sync_api.Page
        The page.
    name : str or Path
        File name (``.png`` added if missing); a bare name goes to ``tests/artifacts/``.

    Returns
    -------
    bool
        False when every pixel has the same colour (a blank page).
    """
    path = Path(name)
    if path.suffix != ".png":
        path = path.with_suffix(".png")
    if not path.is_absolute():
        path = ARTIFACTS / path
    path.parent.mkdir(parents=True, exist_ok=True)
    data = page.screenshot(path=str(path), type="png")
    return not png_is_uniform(data)


def layer_control_text(page) -> str:
    """The text of the map's Leaflet layer control (every layer name listed in it)."""
    return page.locator(".leaflet-control-layers").text_content()


def open_map_offline(
    page, path: str | Path, label: str, max_mb: float = 5.0
) -> tuple[str, list[str]]:
    """Open a map with the network blocked and check what every map promises.

    Asserts the HTML is under ``max_mb`` [MB], loads with zero console errors and asks the
    network for nothing; prints the size. Returns the layer control's text and the live list of
    console errors (check it again after interacting with the page).
    """
    size_mb = Path(path).stat().st_size / 1e6
    print(f"\n{label}: {size_mb:.2f} MB")
    assert size_mb < max_mb
    errors = open_html(page, path)
    assert errors == []
    assert network_log(page).blocked == []
    return layer_control_text(page), errors
