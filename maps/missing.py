"""The map's note of the rows it cannot draw: every input row appears in every output.

A project (site) without a usable outline (an error row: two vertices, swapped latitude and
longitude ...) has no shape to draw, yet it is in the tables and the report with its error. The
map says so in a collapsible panel (:func:`add_missing_panel`): "N projects not drawn (no usable
outline)", then each one's id, name and error, in input order, at most :data:`MAX_LISTED` of them
(the rest counted, with the table that lists them all), so that the page keeps its size budget.
Plain HTML (``<details>``) in a :class:`maps.elements.HtmlControl`, no network; every input value
is escaped. One small script (:data:`FIT`) keeps the opened list below the legend, scrolling it
when the window is short.
"""

from __future__ import annotations

import html

import folium
import numpy as np

from maps import style as st
from maps.display import drawable
from maps.elements import HtmlControl

MAX_LISTED = 200
"""Rows listed by name in the panel; the rest are counted."""
MAX_ERROR_CHARS = 1000
"""Longest error text shown per row [characters] (a vertex table's error names every bad row,
in both languages); the tables hold it whole."""
ROW_BYTES = 6 * (MAX_ERROR_CHARS + 200)
"""Largest size one listed row can add to the page [bytes] (non-ASCII escaped as ``\\uXXXX``
in the control's script, and markup)."""

_TEXT = {
    "projects": ("{n} 个项目未绘制（无可用范围）", "{n} projects not drawn (no usable outline)",
                 "1 project not drawn (no usable outline)"),
    "sites": ("{n} 个地块未绘制（无可用范围）", "{n} sites not drawn (no usable outline)",
              "1 site not drawn (no usable outline)"),
    "why": ("以下各行在表格与报告中列出（含错误），但没有可绘制的范围：",
            "These rows are in the tables and the report (with their errors) but have no "
            "outline to draw:"),
    "more": ("… 另有 {n} 个，见 {table}", "… and {n} more, see {table}"),
    "no_error": ("无几何", "no geometry"),
}
CSS = """<style>
.siting-missing summary {cursor: pointer; font-weight: 600;}
.siting-missing-list {max-height: 40vh; overflow-y: auto; margin: 4px 0 0; padding-left: 18px;
  max-width: 300px;}
.siting-missing-list li {margin: 2px 0; overflow-wrap: anywhere;}
.siting-missing-error {color: #8a1c1c;}
</style>"""
"""Stylesheet of the panel (with :data:`maps.elements.CSS`)."""
FIT = """<script>
(function() {
    function fit(d) {  /* the open list scrolls within the room the legend leaves above it */
        var list = d.querySelector('.siting-missing-list');
        if (!list || !d.open) return;
        var c = d.closest('.leaflet-container'), legend = c && c.querySelector('.siting-legend');
        var top = legend ? legend.getBoundingClientRect().bottom
            : (c ? c.getBoundingClientRect().top : 0);
        list.style.maxHeight = '';
        var box = d.getBoundingClientRect(), own = list.getBoundingClientRect().height;
        var room = box.bottom - top - 10 - (box.height - own);
        list.style.maxHeight = Math.max(60, Math.min(room, own)) + 'px';
    }
    document.addEventListener('toggle', function(e) {
        if (e.target.classList && e.target.classList.contains('siting-missing')) fit(e.target);
    }, true);
    window.addEventListener('resize', function() {
        document.querySelectorAll('.siting-missing[open]').forEach(fit);
    });
})();
</script>"""
"""Script of the panel: the open list's height is what the legend above leaves (at least 60 px,
at most its :data:`CSS` 40 % of the window), on opening and on every resize."""


def _word(key: str, lang: str, n: int | None = None, **values) -> str:
    words = _TEXT[key]
    text = words[2] if lang == "en" and n == 1 and len(words) > 2 else st.pick(words[:2], lang)
    return text.format(n=n, **values)


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[:MAX_ERROR_CHARS - 1] + "…"


def missing_panel_html(ids, names, errors, lang: str, what: str = "projects",
                       table: str = "screening.csv") -> str:
    """The panel's markup (``""`` when no row is missing), every input value escaped.

    Parameters
    ----------
    ids, names, errors : sequences of str
        The rows not drawn, in input order.
    lang : {"zh", "en"}
    what : {"projects", "sites"}
    table : str
        The output file that lists every row (named when rows are left out of the list).
    """
    st.check_lang(lang)
    n = len(ids)
    if not n:
        return ""
    items = []
    for pid, name, error in list(zip(ids, names, errors))[:MAX_LISTED]:
        label = f"<b>{html.escape(str(pid))}</b>"
        if str(name).strip():
            label += f" {html.escape(str(name))}"
        error = str(error).strip() or _word("no_error", lang)
        items.append(f'<li>{label}<br><span class="siting-missing-error">'
                     f"{html.escape(_short(error))}</span></li>")
    more = f"<p>{html.escape(_word('more', lang, n - MAX_LISTED, table=table))}</p>" \
        if n > MAX_LISTED else ""
    return (f'<details class="siting-missing"><summary>{html.escape(_word(what, lang, n))}'
            f"</summary><p>{html.escape(_word('why', lang))}</p>"
            f'<ol class="siting-missing-list">{"".join(items)}</ol>{more}</details>')


def panel_bytes(n_missing: int) -> int:
    """Largest size the panel of ``n_missing`` rows adds to the page [bytes]."""
    return 0 if not n_missing else 3_000 + min(n_missing, MAX_LISTED) * ROW_BYTES


def add_missing_panel(m: folium.Map, frame, id_col: str, error_cols, lang: str,
                      what: str = "projects", table: str = "screening.csv"):
    """Add the panel of ``frame``'s rows without a drawable geometry to ``m`` (none when every
    row is drawn); returns the control or None.

    Parameters
    ----------
    frame : GeoDataFrame
        The results as written to the tables (one row per input row).
    id_col : str
        Column of the row's id.
    error_cols : sequence of str
        Columns holding the row's error, the first non-empty one is shown.
    """
    missing = ~drawable(frame.geometry)
    if not missing.any():
        return None
    rows = frame[missing]
    errors = np.full(len(rows), "", dtype=object)
    for col in reversed(list(error_cols)):
        if col in rows:
            text = rows[col].fillna("").astype(str).to_numpy(dtype=object)
            errors = np.where(text != "", text, errors)
    names = rows["name"].fillna("").astype(str) if "name" in rows else [""] * len(rows)
    body = missing_panel_html(rows[id_col].astype(str).tolist(), list(names), list(errors),
                              lang, what, table)
    m.get_root().header.add_child(folium.Element(CSS), name="siting_missing_css")
    m.get_root().html.add_child(folium.Element(FIT), name="siting_missing_fit")
    control = HtmlControl(body, "bottomright", "siting-control siting-note siting-missing-panel")
    control.add_to(m)
    return control
