"""Small folium elements that never let input text become HTML.

folium's ``GeoJsonPopup``/``GeoJsonTooltip`` put attribute values into ``innerHTML`` unescaped
(verified in folium 0.20: ``div.innerHTML = table`` built from ``feature.properties``), and
leaflet-search renders its suggestion list with ``innerHTML``. The elements here build popups,
tooltips and search tips with DOM nodes and ``textContent`` from the feature properties embedded
as JSON (folium's ``tojson`` escapes ``<``, ``>``, ``&`` and ``'``), so an attribute such as
``<img src=x onerror=...>`` is shown as text and never parsed. Fixed HTML (legends, notes, colour
bars) is assembled in Python from :func:`html.escape`'d text.
"""

from __future__ import annotations

import html
from contextlib import contextmanager

from branca.element import Element, Figure, MacroElement
from folium.plugins import Search
from folium.template import Template

_TABLE_JS = r"""function(layer) {
    var p = (layer.feature && layer.feature.properties) || {};
    var fields = {{ this.fields|tojson }}, labels = {{ this.labels|tojson }};
    var t = document.createElement('table');
    t.className = 'siting-popup';
    for (var i = 0; i < fields.length; i++) {
        var v = p[fields[i]];
        if (v === null || v === undefined) { v = ''; }
        if (typeof v === 'object') { v = JSON.stringify(v); }
        var tr = t.insertRow();
        var th = document.createElement('th');
        th.textContent = labels[i];
        tr.appendChild(th);
        tr.insertCell().textContent = String(v);
    }
    var link = {{ this.link|tojson }};
    var href = link ? p[link.field] : null;
    // only a relative page with a fragment of URL-safe characters becomes a link
    if (href && /^[A-Za-z0-9._~-]+\.html#[A-Za-z0-9%._~\/-]+$/.test(href)) {
        var row = t.insertRow(), cell = row.insertCell();
        cell.colSpan = 2;
        cell.className = 'siting-popup-link';
        var a = document.createElement('a');
        a.href = href;
        a.target = '_blank';
        a.rel = 'noopener';
        a.textContent = link.text;
        cell.appendChild(a);
    }
    return t;
}"""


class SafePopup(MacroElement):
    """A popup for a GeoJson layer: a two-column table built with ``textContent``.

    Parameters
    ----------
    fields : list of str
        Feature properties to show, in order.
    labels : list of str
        Their row labels (plain text).
    link : dict, optional
        ``{"field": property, "text": label}``: a last row linking to the page named by the
        property (``page.html#fragment``, URL-safe characters only; anything else is no link).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}\n"
        "{{ this._parent.get_name() }}.bindPopup(" + _TABLE_JS
        + ", {maxWidth: 420, className: 'siting-popup-wrap'});\n{% endmacro %}"
    )

    def __init__(self, fields: list[str], labels: list[str], link: dict | None = None):
        super().__init__()
        self._name = "SafePopup"
        self.fields = list(fields)
        self.labels = [str(x) for x in labels]
        self.link = link


class SafeTooltip(MacroElement):
    """A sticky tooltip showing one property as text (falling back to another when empty)."""

    _template = Template("""{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.bindTooltip(function(layer) {
    var p = (layer.feature && layer.feature.properties) || {};
    var v = p[{{ this.field|tojson }}];
    if (v === null || v === undefined || v === '') { v = p[{{ this.fallback|tojson }}]; }
    var s = document.createElement('span');
    s.textContent = (v === null || v === undefined) ? '' : String(v);
    return s;
}, {sticky: true});
{% endmacro %}""")

    def __init__(self, field: str = "name", fallback: str = "id"):
        super().__init__()
        self._name = "SafeTooltip"
        self.field = field
        self.fallback = fallback


class SafeSearch(Search):
    """folium's Search (leaflet-search) with suggestions built from text, and style reset.

    Same assets as :class:`folium.plugins.Search`; the template differs: ``buildTip`` creates the
    suggestion with ``textContent`` and a found feature's style is restored with ``resetStyle``.
    """

    _template = Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }} = new L.Control.Search({
    layer: {{ this.layer.get_name() }},
    propertyName: {{ this.search_label|tojson }},
    collapsed: {{ this.collapsed|tojson }},
    textPlaceholder: {{ this.placeholder|tojson }},
    textErr: {{ this.text_error|tojson }},
    textCancel: {{ this.text_cancel|tojson }},
    position: {{ this.position|tojson }},
    initial: false,
    marker: false,
    buildTip: function(text, val) {
        var li = document.createElement('li');
        li.textContent = text;
        return li;
    },
    moveToLocation: function(latlng, title, map) {
        var l = latlng.layer;
        if (l && l.getBounds) { map.fitBounds(l.getBounds(), {maxZoom: 16}); }
        else { map.setView(latlng, Math.max(map.getZoom(), 14)); }
    }
});
{{ this.get_name() }}.on('search:locationfound', function(e) {
    if (e.layer && e.layer.setStyle) { e.layer.setStyle({weight: 4, color: '#00ffff'}); }
    if (e.layer && e.layer.openPopup) { e.layer.openPopup(); }
});
{{ this.get_name() }}.on('search:collapsed', function(e) {
    {{ this.layer.get_name() }}.eachLayer(function(l) {
        if (l.setStyle) { {{ this.layer.get_name() }}.resetStyle(l); }
    });
});
{{ this._parent.get_name() }}.addControl({{ this.get_name() }});
{% endmacro %}""")

    def __init__(self, layer, search_label: str = "name", placeholder: str = "Search",
                 text_error: str = "Not found", text_cancel: str = "Cancel"):
        super().__init__(layer, search_label=search_label, placeholder=placeholder,
                         collapsed=True, geom_type="Polygon", position="topleft")
        self._name = "SafeSearch"
        self.text_error = text_error
        self.text_cancel = text_cancel


class HtmlControl(MacroElement):
    """A Leaflet control holding fixed HTML assembled from escaped text.

    Parameters
    ----------
    html_text : str
        Markup whose every input-derived part is already :func:`html.escape`'d.
    position : str
        Leaflet control position (``bottomright`` ...).
    css_class : str
        Class of the control's container.
    follow_layer : folium layer, optional
        When given, the control is shown only while this layer is on the map (a colour bar
        follows its raster overlay).
    """

    _template = Template("""{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
{{ this.get_name() }}.onAdd = function(map) {
    var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
    div.innerHTML = {{ this.html_text|tojson }};
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
};
{{ this.get_name() }}.addTo({{ this._parent.get_name() }});
{%- if this.follow %}
(function() {
    var map = {{ this._parent.get_name() }}, lyr = {{ this.follow.get_name() }};
    var c = {{ this.get_name() }};
    function sync() { c.getContainer().style.display = map.hasLayer(lyr) ? '' : 'none'; }
    map.on('layeradd layerremove', sync);
    sync();
})();
{%- endif %}
{% endmacro %}""")

    def __init__(self, html_text: str, position: str = "bottomright",
                 css_class: str = "siting-control", follow_layer=None):
        super().__init__()
        self._name = "HtmlControl"
        self.html_text = html_text
        self.position = position
        self.css_class = css_class
        self.follow = follow_layer


CSS = """<style>
.siting-control {background: rgba(255,255,255,0.92); padding: 6px 8px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,0.3); font: 12px/1.4 system-ui, "Noto Sans CJK SC",
  "Microsoft YaHei", sans-serif; max-width: 320px;}
.siting-control h4 {margin: 0 0 4px; font-size: 13px;}
.siting-legend-row {display: flex; align-items: center; margin: 2px 0;}
.siting-legend svg {flex: none; margin-right: 6px;}
.siting-note {background: #fff4ce; border-left: 4px solid #e67e22;}
.siting-legend {max-height: 55vh; overflow-y: auto; max-width: 240px;}
.siting-export a {width: auto !important; padding: 0 6px; font: 12px/30px system-ui,
  "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #333; white-space: nowrap;}
td.siting-popup-link {padding-top: 6px; font-weight: 600;}
table.siting-popup {border-collapse: collapse; font-size: 12px; min-width: 240px;}
table.siting-popup th {text-align: left; padding: 2px 8px 2px 0; color: #555; vertical-align: top;
  white-space: nowrap; font-weight: 600;}
table.siting-popup td {padding: 2px 0; white-space: pre-line; overflow-wrap: anywhere;
  min-width: 140px;}
.folium-map.leaflet-container {background: #f4f3ee !important;}
</style>"""
"""Stylesheet of the controls and popups above, added once per map."""


def swatch_svg(style: dict, shape: str) -> str:
    """An inline 18x14 px SVG swatch of a path style (polygon, line or point)."""
    color = html.escape(str(style.get("color", "#000")))
    fill = html.escape(str(style.get("fillColor", style.get("color", "#000"))))
    fop = float(style.get("fillOpacity", 0.3)) if style.get("fill", True) else 0.0
    weight = float(style.get("weight", 1.5))
    dash = style.get("dashArray")
    dash_attr = f' stroke-dasharray="{html.escape(str(dash))}"' if dash else ""
    if shape == "line":
        body = f'<line x1="1" y1="7" x2="17" y2="7" stroke="{color}" stroke-width="{weight + 1:g}"' \
               f'{dash_attr}/>'
    elif shape == "point":
        body = f'<circle cx="9" cy="7" r="5" fill="{fill}" fill-opacity="{max(fop, 0.6):g}" ' \
               f'stroke="{color}" stroke-width="{weight:g}"/>'
    else:
        body = f'<rect x="1" y="1" width="16" height="12" fill="{fill}" fill-opacity="{fop:g}" ' \
               f'stroke="{color}" stroke-width="{weight:g}"{dash_attr}/>'
    return f'<svg width="18" height="14" viewBox="0 0 18 14">{body}</svg>'


class Companions(MacroElement):
    """Layers that follow a main layer: shown only while it is on (and, for markers, only below
    a zoom level), drawn under it (a casing) or over it (markers).

    Small polygons (candidate sites, project footprints) are specks at the first view; their
    markers make every one visible there and give way to the polygons from ``zoom`` on. A dark
    casing under lines and outlines keeps a light verdict colour (yellow) visible on a light
    basemap. Every layer is in the same canvas (a canvas of its own above the others would take
    every click), so the order is restored whenever a layer is switched on.

    Parameters
    ----------
    main : folium layer
        The layer in the layer control.
    under : folium layer or None
        Drawn just below ``main`` (a casing).
    markers : folium layer or None
        Drawn above ``main`` while the zoom is below ``zoom``.
    zoom : int
        First zoom level at which the markers are hidden.
    """

    _template = Template("""{% macro script(this, kwargs) %}
(function(map, main, under, marks, zoom) {
    function show(layer, want) {
        if (!layer) { return; }
        if (want && !map.hasLayer(layer)) { map.addLayer(layer); }
        if (!want && map.hasLayer(layer)) { map.removeLayer(layer); }
    }
    function sync() {
        var on = map.hasLayer(main);
        show(under, on);
        show(marks, on && map.getZoom() < zoom);
        if (on) {
            if (under) { under.bringToFront(); }
            main.bringToFront();
            if (marks && map.hasLayer(marks)) { marks.bringToFront(); }
        }
    }
    map.on('zoomend overlayadd overlayremove', sync);
    sync();
    setTimeout(sync, 0);  // once every layer of the page is on the map
})({{ this._parent.get_name() }}, {{ this.main.get_name() }},
   {{ this.under.get_name() if this.under else 'null' }},
   {{ this.markers.get_name() if this.markers else 'null' }}, {{ this.zoom|tojson }});
{% endmacro %}""")

    def __init__(self, main, under=None, markers=None, zoom: int = 99):
        super().__init__()
        self._name = "Companions"
        self.main = main
        self.under = under
        self.markers = markers
        self.zoom = int(zoom)


class Literal(Element):
    """Text that renders as itself, never compiled as a template (see :func:`literal`)."""

    def __init__(self, text: str):
        super().__init__()
        self._text = text

    def render(self, **kwargs) -> str:
        return self._text


def literal(text: str) -> Element:
    """Text as an element of a page that renders as itself, as ``branca.element.Element(text)``
    renders text without template syntax: line ends as Jinja reads them (``\\r\\n`` and
    ``\\r`` become ``\\n``), less one trailing newline. Text with template syntax is never
    compiled: it comes from the data (a project's name ``{{ … }}`` would run as Jinja code)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return Literal(text[:-1] if text.endswith("\n") else text)


def _render_literally(self: MacroElement, **kwargs) -> None:
    """``MacroElement.render`` (branca 0.8) with the rendered header, html and script of the
    element added to the figure as :func:`literal` text. branca adds each as
    ``Element(text)``, which compiles the text, data included, as a Jinja template once more:
    a layer attribute or a project name holding ``{{ … }}`` ran as code when the page was
    written (and a 4 MB script took 0.4 s to compile)."""
    figure = self.get_root()
    if not isinstance(figure, Figure):
        raise TypeError("an element is rendered outside a Figure")
    for part, holder in (("header", figure.header), ("html", figure.html),
                         ("script", figure.script)):
        macro = self._template.module.__dict__.get(part, None)
        if macro is not None:
            holder.add_child(literal(macro(self, kwargs)), name=self.get_name())
    for element in self._children.values():
        element.render(**kwargs)


@contextmanager
def literal_macros():
    """While a page renders, every macro element adds its parts as literal text
    (:func:`_render_literally`), never compiled again as a template."""
    original = MacroElement.render
    MacroElement.render = _render_literally
    try:
        yield
    finally:
        MacroElement.render = original
