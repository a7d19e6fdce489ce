"""The map's controls in the chosen language: drawing with export, zoom and layer titles,
a metric scale bar, and the plugin set every map carries (:func:`add_plugins`)."""

from __future__ import annotations

import folium
from branca.element import MacroElement
from folium.plugins import Draw
from folium.template import Template

from maps import style as st
from maps.elements import SafeSearch

DRAW_TEXT_ZH = {
    "draw": {
        "toolbar": {
            "actions": {"title": "取消绘制", "text": "取消"},
            "finish": {"title": "完成绘制", "text": "完成"},
            "undo": {"title": "删除最后一个点", "text": "删除最后一点"},
            "buttons": {"polyline": "绘制线", "polygon": "绘制多边形", "rectangle": "绘制矩形",
                        "circle": "绘制圆", "marker": "放置点", "circlemarker": "放置圆点"},
        },
        "handlers": {
            "circle": {"tooltip": {"start": "按住并拖动以绘制圆。"}, "radius": "半径"},
            "circlemarker": {"tooltip": {"start": "单击地图放置圆点。"}},
            "marker": {"tooltip": {"start": "单击地图放置点。"}},
            "polygon": {"tooltip": {"start": "单击开始绘制。", "cont": "单击继续绘制。",
                                    "end": "单击第一个点闭合图形。"}},
            "polyline": {"error": "<strong>错误：</strong>边不能相交！",
                         "tooltip": {"start": "单击开始画线。", "cont": "单击继续画线。",
                                     "end": "单击最后一个点结束。"}},
            "rectangle": {"tooltip": {"start": "按住并拖动以绘制矩形。"}},
            "simpleshape": {"tooltip": {"end": "松开鼠标完成绘制。"}},
        },
    },
    "edit": {
        "toolbar": {
            "actions": {"save": {"title": "保存修改", "text": "保存"},
                        "cancel": {"title": "取消编辑，放弃全部修改", "text": "取消"},
                        "clearAll": {"title": "清除全部图形", "text": "全部清除"}},
            "buttons": {"edit": "编辑图形", "editDisabled": "没有可编辑的图形",
                        "remove": "删除图形", "removeDisabled": "没有可删除的图形"},
        },
        "handlers": {
            "edit": {"tooltip": {"text": "拖动控制点或标记以编辑。", "subtext": "单击取消可撤销修改。"}},
            "remove": {"tooltip": {"text": "单击要删除的图形。"}},
        },
    },
}
"""Leaflet.draw's user-interface strings (``L.drawLocal``) in Chinese; fixed text, not input."""


class LocalDraw(Draw):
    """folium's Draw (Leaflet.draw) labelled in the map's language, with its export as a control.

    Same assets as :class:`folium.plugins.Draw`. The template differs: ``L.drawLocal`` is set to
    Chinese before the toolbar is built (``zh``); the GeoJSON export is a Leaflet control under
    the draw toolbar (folium's is an absolutely placed English link that the layer control can
    cover); a drawn shape opens no alert.

    Parameters
    ----------
    lang : {"zh", "en"}
    filename : str
        Name of the exported GeoJSON file.
    export_text, export_title : str
        Label and tooltip of the export button.
    members : dict, optional
        Top-level foreign members of the export (the GCJ-02 mark of
        :mod:`layers.coords_mark` on an AMap basemap).
    """

    _template = Template("""{% macro script(this, kwargs) %}
{%- if this.local %}
(function(target, source) {
    function merge(t, s) {
        for (var k in s) {
            if (typeof s[k] === 'object' && t[k]) { merge(t[k], s[k]); } else { t[k] = s[k]; }
        }
    }
    merge(target, source);
})(L.drawLocal, {{ this.local|tojson }});
{%- endif %}
var drawnItems_{{ this.get_name() }} = new L.featureGroup().addTo({{ this._parent.get_name() }});
var {{ this.get_name() }} = new L.Control.Draw({
    position: {{ this.position|tojson }},
    draw: {{ this.draw_options|tojson }},
    edit: {featureGroup: drawnItems_{{ this.get_name() }}}
}).addTo({{ this._parent.get_name() }});
{{ this._parent.get_name() }}.on(L.Draw.Event.CREATED, function(e) {
    drawnItems_{{ this.get_name() }}.addLayer(e.layer);
});
var {{ this.get_name() }}_export = L.control({position: {{ this.position|tojson }}});
{{ this.get_name() }}_export.onAdd = function(map) {
    var div = L.DomUtil.create('div', 'leaflet-bar siting-export');
    var a = L.DomUtil.create('a', '', div);
    a.href = '#';
    a.textContent = {{ this.export_text|tojson }};
    a.title = {{ this.export_title|tojson }};
    a.setAttribute('role', 'button');
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.on(a, 'click', function() {
        var data = Object.assign(drawnItems_{{ this.get_name() }}.toGeoJSON(),
                                 {{ this.members|tojson }});
        a.setAttribute('href', 'data:application/geo+json;charset=utf-8,'
                       + encodeURIComponent(JSON.stringify(data)));
        a.setAttribute('download', {{ this.filename|tojson }});
    });
    return div;
};
{{ this.get_name() }}_export.addTo({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self, lang: str, filename: str, export_text: str, export_title: str,
                 position: str = "topleft", members: dict | None = None):
        super().__init__(export=False, filename=filename, position=position,
                         draw_options={"circle": False, "circlemarker": False})
        self._name = "LocalDraw"
        self.local = DRAW_TEXT_ZH if lang == "zh" else None
        self.export_text = export_text
        self.export_title = export_title
        self.members = members or {}


class ControlLayout(MacroElement):
    """Label Leaflet's own controls in the map's language, keep the legend clear of the layer
    control, and fit the data beside the controls.

    Once every control exists: sets the title (tooltip) and ``aria-label`` of the zoom buttons
    and the layer-control toggle; moves every ``.siting-legend`` to the end of its corner (in
    the top-right corner it then sits below the layer control, which pushes it down when it
    expands, so the two never overlap); fits ``bounds`` into the part of the map that the
    left toolbar and the legend leave free, so that no result hides under a control; then adds
    the layers waiting for that view (:class:`maps.clusters.AfterFitMarkerCluster`).

    Parameters
    ----------
    titles : dict
        ``zoom_in``, ``zoom_out`` and ``layers`` texts.
    bounds : (min lon, min lat, max lon, max lat) [°], optional
        The extent the map opens on (as drawn: GCJ-02 with that basemap).
    """

    _template = Template("""{% macro script(this, kwargs) %}
(function(map, titles) {
    function label(el, text) { if (el) { el.title = text; el.setAttribute('aria-label', text); } }
    setTimeout(function() {
        var c = map.getContainer();
        label(c.querySelector('.leaflet-control-zoom-in'), titles.zoom_in);
        label(c.querySelector('.leaflet-control-zoom-out'), titles.zoom_out);
        label(c.querySelector('.leaflet-control-layers-toggle'), titles.layers);
        c.querySelectorAll('.siting-legend').forEach(function(el) {
            el.parentNode.appendChild(el);
        });
        var b = {{ this.bounds|tojson }};
        if (b) {
            var legend = c.querySelector('.siting-legend');
            var left = c.querySelector('.leaflet-top.leaflet-left');
            map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {
                paddingTopLeft: [(left ? left.offsetWidth : 50) + 10, 10],
                paddingBottomRight: [(legend ? legend.offsetWidth : 0) + 20, 30],
                animate: false});
        }
        (map.sitingAfterFit || []).forEach(function(add) { add(); });  // clustered points
        map.sitingAfterFit = [];
    }, 0);
})({{ this._parent.get_name() }}, {{ this.titles|tojson }});
{% endmacro %}""")

    def __init__(self, titles: dict, bounds=None):
        super().__init__()
        self._name = "ControlLayout"
        self.titles = dict(titles)
        self.bounds = [float(v) for v in bounds] if bounds is not None else None


class ScaleBar(MacroElement):
    """Leaflet's scale control, metric only (km / m)."""

    _template = Template("""{% macro script(this, kwargs) %}
L.control.scale({metric: true, imperial: false, position: {{ this.position|tojson }}})
    .addTo({{ this._parent.get_name() }});
{% endmacro %}""")

    def __init__(self, position: str = "bottomleft"):
        super().__init__()
        self._name = "ScaleBar"
        self.position = position


def add_plugins(m: folium.Map, searchable_layer: folium.GeoJson | None = None) -> None:
    """Fullscreen, measure, minimap, draw (with GeoJSON export) and a name search (when the
    searchable layer has features)."""
    from folium import plugins

    from maps.base import _state

    state = _state(m)
    lang = state["lang"]
    zh = lang == "zh"
    plugins.Fullscreen(position="topleft", title=st.text("full_screen", lang),
                       title_cancel=st.text("exit_full_screen", lang)).add_to(m)
    plugins.MeasureControl(position="topleft", primary_length_unit="meters",
                           secondary_length_unit="kilometers", primary_area_unit="sqmeters",
                           secondary_area_unit="hectares",
                           localization="cn" if zh else "en").add_to(m)
    url, attr = state["minimap_tiles"]
    subdomains = "1234" if state["basemap"] == "amap" else \
        "01234567" if state["basemap"] == "tianditu" else "abc"
    plugins.MiniMap(tile_layer=folium.TileLayer(url, attr=attr or " ", subdomains=subdomains),
                    toggle_display=True, minimized=True, position="bottomleft",
                    zoom_level_offset=-5,
                    strings={"hideText": st.text("minimap_hide", lang),
                             "showText": st.text("minimap_show", lang)}).add_to(m)
    drawn = "drawn_gcj02.geojson" if state["shift"] == "gcj02" else "drawn.geojson"
    members = None
    if state["shift"] == "gcj02":  # screen refuses the export without --coords gcj02
        from layers.coords_mark import KEY, note

        members = {KEY: "gcj02", "note": note("gcj02")}
    LocalDraw(lang, drawn, st.text("export", lang), st.text("export_title", lang),
              members=members).add_to(m)
    if searchable_layer is not None and searchable_layer.data.get("features"):
        # leaflet-search (and folium's template) need at least one feature to search
        SafeSearch(searchable_layer, "name", st.text("search", lang),
                   st.text("search_error", lang), st.text("search_cancel", lang)).add_to(m)
    ControlLayout({k: st.text(k, lang) for k in ("zoom_in", "zoom_out", "layers")},
                  state["bounds"]).add_to(m)
