"""Offline maps and reports: inline every CDN script and stylesheet from ``maps/assets``.

folium writes ``<script src="https://cdn...">`` and ``<link rel="stylesheet" href="https://cdn...">``
tags; with no network they leave a blank page. :func:`render_offline` renders a map and replaces
each such tag by the content of the vendored file (images and fonts referenced by stylesheets
become ``data:`` URIs), so the HTML needs no network at all. Basemap tiles are the one exception:
their URLs live in JavaScript strings and are left alone.

A CDN URL is matched to a vendored file robustly: by file name (``.min`` and version suffixes
ignored, plus aliases), a package token that the URL must contain, and the major version when
the URL carries one (see ``maps/assets/MANIFEST.toml``). A script or stylesheet that cannot be
matched raises :class:`~layers.errors.SitingError` naming the URL: a map is never shipped
half-online. The licences of the inlined packages are appended to the HTML as a comment.
"""

from __future__ import annotations

import base64
import functools
import html as html_lib
import posixpath
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from layers.errors import SitingError

if TYPE_CHECKING:
    import branca.element

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
MANIFEST_PATH = ASSETS_DIR / "MANIFEST.toml"

_MIME = {
    ".png": "image/png",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".jpg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
}
# <link rel=...> values that make the browser fetch nothing.
_NON_FETCHING_RELS = {"alternate", "author", "bookmark", "canonical", "external", "help",
                      "license", "me", "next", "nofollow", "noopener", "noreferrer", "prev",
                      "search", "tag"}
# Comments and bodies run to the first end tag, as ``.*?`` would take them, but as runs of
# characters that cannot start one (``[^<]*``) rather than a character at a time: a page's
# 4 MB script of data is crossed 15 times faster (0.09 s -> 0.006 s for a 100k map).
_TOKEN = re.compile(
    r"(?P<comment><!--[^-]*(?:-(?!->)[^-]*)*-->)"
    r"|(?P<script><script\b(?P<sattrs>[^>]*)>"
    r"(?P<sbody>[^<]*(?:<(?!/script\s*>)[^<]*)*)</script\s*>)"
    r"|(?P<style><style\b[^>]*>(?P<cbody>[^<]*(?:<(?!/style\s*>)[^<]*)*)</style\s*>)"
    r"|(?P<link><link\b(?P<lattrs>[^>]*)>)",
    re.I | re.S,
)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^'")\s]+))\s*\)""", re.I)
_CSS_IMPORT = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)""", re.I)
_DOTTED_VERSION = re.compile(r"(?<![0-9A-Za-z])v?(\d+)\.\d+(?:\.\d+)?(?![0-9])")
_SHORT_VERSION = re.compile(r"(?:@|[./-]v)(\d+)(?=[./-]|$)")


@dataclass(frozen=True)
class Asset:
    """One vendored script or stylesheet that CDN URLs map to."""

    package: str
    version: str
    folder: str
    path: str
    licence: str
    licence_path: str
    urls: tuple[str, ...]
    keys: frozenset[str]
    tokens: tuple[str, ...]

    @property
    def file(self) -> Path:
        """The vendored file on disk."""
        return ASSETS_DIR / self.folder / self.path

    @property
    def label(self) -> str:
        """``package@version/path``, as written into the HTML."""
        return f"{self.package}@{self.version}/{self.path}"

    @property
    def kind(self) -> str:
        """``"css"`` or ``"js"``."""
        return "css" if self.path.endswith(".css") else "js"

    @property
    def major(self) -> int:
        """Major version of the package."""
        return int(self.version.split(".")[0])


def _norm(text: str) -> str:
    return re.sub(r"[._]", "-", text.lower())


def _file_key(name: str) -> str:
    """File name with ``.min`` and version suffixes removed: ``jquery-3.7.1.min.js`` -> ``jquery.js``."""
    stem, dot, ext = name.lower().rpartition(".")
    if not dot:
        return name.lower()
    stem = re.sub(r"\.min$", "", stem)
    stem = re.sub(r"[.-]v?\d+(?:\.\d+)*$", "", stem)
    stem = re.sub(r"\.min$", "", stem)
    return f"{stem}.{ext}"


@functools.cache
def _manifest() -> dict:
    return tomllib.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


@functools.cache
def vendored_assets() -> tuple[Asset, ...]:
    """Every vendored entry file (script or stylesheet) listed in ``MANIFEST.toml``."""
    assets = []
    for pkg in _manifest()["package"]:
        for f in pkg["file"]:
            urls = tuple(f.get("urls", ()))
            if not urls:
                continue  # an image or font, reached through a stylesheet
            names = [f["path"], *f.get("aliases", ()), *urls]
            keys = frozenset(_file_key(posixpath.basename(urlsplit(n).path)) for n in names)
            assets.append(Asset(
                package=pkg.get("npm", pkg["id"]), version=pkg["version"], folder=pkg["id"],
                path=f["path"], licence=pkg["licence"], licence_path=pkg["licence_path"],
                urls=urls, keys=keys, tokens=tuple(_norm(t) for t in pkg["match"]),
            ))
    return tuple(assets)


@functools.cache
def _listed_files() -> frozenset[Path]:
    return frozenset(
        (ASSETS_DIR / pkg["id"] / f["path"]).resolve()
        for pkg in _manifest()["package"] for f in pkg["file"]
    )


def _is_external(url: str) -> bool:
    return re.match(r"\s*(?:https?:)?//", url, re.I) is not None


def _url_majors(path: str) -> set[int]:
    found = _DOTTED_VERSION.findall(path) + _SHORT_VERSION.findall(path)
    return {int(v) for v in found}


def match_url(url: str) -> Asset | None:
    """Return the vendored asset a CDN URL stands for, or None.

    Parameters
    ----------
    url : str
        An ``http(s)://`` or protocol-relative ``//`` URL of a script or stylesheet.

    Returns
    -------
    Asset or None
        The asset whose file name (``.min``/version suffixes ignored), package token and major
        version agree with the URL; an exact URL listed in the manifest wins.
    """
    parts = urlsplit("https:" + url.strip() if url.strip().startswith("//") else url.strip())
    key = _file_key(posixpath.basename(parts.path))
    where = _norm(parts.netloc + parts.path)
    majors = _url_majors(parts.path)
    found = [
        a for a in vendored_assets()
        if key in a.keys and any(t in where for t in a.tokens)
        and (not majors or a.major in majors)
    ]
    exact = [a for a in found if url.strip() in a.urls]
    if exact or len(found) == 1:
        return (exact or found)[0]
    if found:
        labels = ", ".join(a.label for a in found)
        raise SitingError(f"URL {url} matches several vendored assets ({labels}); add it to "
                          f"the urls of one file in {MANIFEST_PATH}")
    return None


def _not_vendored(url: str) -> SitingError:
    return SitingError(
        f"the HTML references an external script or stylesheet that is not vendored "
        f"(HTML 引用了未内置的外部脚本或样式表，离线无法加载): {url}. Add the package to "
        f"{MANIFEST_PATH} and run maps/assets/vendor.py, or do not use that plugin."
    )


def _attrs(text: str) -> dict[str, str]:
    return {m.group(1).lower(): html_lib.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR.finditer(text)}


def _data_uri(path: Path) -> str:
    mime = _MIME.get(path.suffix.lower())
    if mime is None:
        raise SitingError(f"no MIME type known for vendored file {path}")
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


@functools.cache
def _css_text(asset: Asset) -> str:
    """The stylesheet with every relative url() replaced by a data: URI."""
    css_path = asset.file

    def repl(m: re.Match[str]) -> str:
        url = next(g for g in m.groups() if g is not None).strip()
        if url.startswith(("data:", "#")):
            return m.group(0)
        if _is_external(url):
            raise SitingError(f"vendored stylesheet {asset.label} references {url}")
        target = (css_path.parent / url.split("#")[0].split("?")[0]).resolve()
        if target not in _listed_files():
            raise SitingError(f"vendored stylesheet {asset.label} references {url}, which is not "
                              f"listed in {MANIFEST_PATH}")
        return f'url("{_data_uri(target)}")'

    css = _CSS_URL.sub(repl, css_path.read_text(encoding="utf-8"))
    return re.sub(r"</(style)", r"<\\/\1", css, flags=re.I)


def _leaflet_icon_patch() -> str:
    images = ASSETS_DIR / "leaflet" / "dist" / "images"
    urls = {k: _data_uri(images / f) for k, f in [("iconUrl", "marker-icon.png"),
                                                   ("iconRetinaUrl", "marker-icon-2x.png"),
                                                   ("shadowUrl", "marker-shadow.png")]}
    opts = ", ".join(f'{k}: "{v}"' for k, v in urls.items())
    # Leaflet finds its default marker images through a CSS url(); with data: URIs that lookup
    # fails, so the default icon is given its images directly.
    return (f"\n;(function () {{ L.Icon.Default.imagePath = '';"
            f" L.Icon.Default.mergeOptions({{{opts}}}); }})();\n")


@functools.cache
def _js_text(asset: Asset) -> str:
    js = asset.file.read_text(encoding="utf-8")
    if (asset.folder, asset.path) == ("leaflet", "dist/leaflet.js"):
        js += _leaflet_icon_patch()
    return _escape_script(js)


def _escape_script(js: str) -> str:
    """Make JavaScript safe inside ``<script>``: no ``</script`` and no ``<!--`` in the text.

    Both only ever occur inside string or regex literals, where ``<\\/`` and ``<\\!`` mean
    the same characters.
    """
    js = re.sub(r"</(script)", r"<\\/\1", js, flags=re.I)
    return js.replace("<!--", "<\\!--")


def _licence_comment(assets: list[Asset]) -> str:
    parts, seen = [], set()
    for a in assets:
        if a.licence_path in seen:
            continue
        seen.add(a.licence_path)
        text = (ASSETS_DIR / a.licence_path).read_text(encoding="utf-8").strip()
        parts.append(f"== {a.package} {a.version} ({a.licence}) ==\n{text}")
    body = "\n\n".join(parts).replace("-->", "-- >").replace("<!--", "< !--")
    return ("<!--\nThird-party software inlined in this file by maps/offline.py "
            "(本文件内嵌的第三方软件及其许可):\n\n" + body + "\n-->\n")


def external_references(html: str) -> list[str]:
    """External (``http(s)://`` or ``//``) URLs the HTML loads as script or stylesheet.

    Looks at ``<script src>``, fetching ``<link href>`` tags and ``@import``/``url()`` inside
    ``<style>`` elements; URLs inside JavaScript strings (basemap tiles) are not references.

    Parameters
    ----------
    html : str
        An HTML document.

    Returns
    -------
    list of str
        The URLs, in document order.
    """
    found = []
    for m in _TOKEN.finditer(html):
        if m.group("script"):
            src = _attrs(m.group("sattrs")).get("src", "")
            if _is_external(src):
                found.append(src)
        elif m.group("link"):
            attrs = _attrs(m.group("lattrs"))
            rels = set(attrs.get("rel", "").lower().split())
            if _is_external(attrs.get("href", "")) and not rels <= _NON_FETCHING_RELS:
                found.append(attrs["href"])
        elif m.group("style"):
            body = m.group("cbody")
            urls = [next(g for g in u.groups() if g is not None) for u in _CSS_URL.finditer(body)]
            found += [u for u in urls + _CSS_IMPORT.findall(body) if _is_external(u)]
    return list(dict.fromkeys(found))


def inline_assets(html: str) -> str:
    """Replace every CDN ``<script src>`` and stylesheet ``<link>`` by the vendored content.

    Works on any HTML: folium maps, branca figures, Jinja-rendered reports. A file referenced
    twice is inlined once. Licences of the inlined packages are appended as a comment.

    Parameters
    ----------
    html : str
        An HTML document.

    Returns
    -------
    str
        The same document with no external script or stylesheet reference.

    Raises
    ------
    SitingError
        If an external script or stylesheet has no vendored counterpart, naming its URL.
    """
    used: list[Asset] = []

    def tag(asset: Asset, kind: str) -> str:
        if asset.kind != kind:
            raise SitingError(f"{asset.label} is not a {kind} file")
        if asset in used:
            return f"<!-- offline: {asset.label} inlined above -->"
        used.append(asset)
        label = html_lib.escape(asset.label)
        if kind == "js":
            return f'<script data-asset="{label}">\n{_js_text(asset)}\n</script>'
        return f'<style data-asset="{label}">\n{_css_text(asset)}\n</style>'

    def repl(m: re.Match[str]) -> str:
        if m.group("script"):
            src = _attrs(m.group("sattrs")).get("src", "")
            if _is_external(src):
                return tag(_asset_for(src), "js")
        elif m.group("link"):
            attrs = _attrs(m.group("lattrs"))
            href = attrs.get("href", "")
            if "stylesheet" in attrs.get("rel", "").lower().split() and _is_external(href):
                return tag(_asset_for(href), "css")
        return m.group(0)

    out = _TOKEN.sub(repl, html)
    remaining = external_references(out)
    if remaining:
        raise _not_vendored(", ".join(remaining))
    if used:
        comment = _licence_comment(used)
        end = out.lower().rfind("</html>")
        out = out[:end] + comment + out[end:] if end >= 0 else out + "\n" + comment
    return out


def escape_text(value: object) -> str:
    """Escape input text for folium popups, tooltips and other HTML in a map.

    ``html.escape`` is not enough for folium: ``Popup`` and ``Tooltip`` put their HTML inside a
    JavaScript template literal, where ``${...}`` runs code and ``\\`` starts escape sequences.
    This escapes HTML and also writes ``$``, backslash and backtick as character references, which
    the browser shows as the same characters.

    Parameters
    ----------
    value : object
        Any value; converted with ``str``.

    Returns
    -------
    str
        Text safe to embed as HTML in a folium map.
    """
    text = html_lib.escape(str(value), quote=True)
    return text.replace("$", "&#36;").replace("\\", "&#92;").replace("`", "&#96;")


def _asset_for(url: str) -> Asset:
    asset = match_url(url)
    if asset is None:
        raise _not_vendored(url)
    return asset


def render_offline(m: branca.element.Element) -> str:
    """Render a folium map (or any branca element) as self-contained HTML.

    Parameters
    ----------
    m : folium.Map or branca.element.Figure
        The map or figure; other branca elements are rendered through their root figure.

    Returns
    -------
    str
        The full HTML document with every script and stylesheet inlined.

    Raises
    ------
    SitingError
        If the map uses a script or stylesheet that is not vendored, naming its URL.
    """
    from maps.elements import literal_macros

    with literal_macros():  # data never runs as a template
        return inline_assets(m.get_root().render())


def save_offline(m: branca.element.Element, path: str | Path) -> Path:
    """Write :func:`render_offline` of a map to ``path`` as UTF-8 and return the path.

    Parameters
    ----------
    m : folium.Map or branca.element.Figure
        The map or figure.
    path : str or Path
        The HTML file to write (overwritten).

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    path.write_text(render_offline(m), encoding="utf-8", newline="")
    return path
