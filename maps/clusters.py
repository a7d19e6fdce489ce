"""Large batches on a map: one verdict-coloured point per project, clustered, within a budget.

Above a batch size the screening map cannot carry every footprint with its reasons and
evidence. Each project becomes a point (a location inside its footprint) in its verdict's
colour, gathered by Leaflet.markercluster (folium's ``FastMarkerCluster``: the points are plain
arrays built into markers in the browser); a cluster is a ring of its verdicts' shares, edged in
the colour of its worst verdict (one prohibited project among a thousand still shows), with its
count in the middle. A point's popup names the project, its type and verdict, and links to its
section in the report, built as text (never HTML). When even one point per project would exceed
the budget, the projects are counted in grid cells instead (:func:`add_verdict_grid`).
"""

from __future__ import annotations

import json
import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from folium.plugins import FastMarkerCluster
from folium.template import Template

from maps import style as st
from maps.display import drawable, project_anchors

ORDER = ("prohibited", "review", "error", "admitted")
"""Verdicts from the one that colours a cluster first."""
POINT_BYTES = 40
"""Bytes of one project point in the page (location, verdict, type, id)."""
CELL_BYTES = 400
"""Bytes of one grid cell in the page (its square, counts and popup)."""
_SAFE_ID_TEXT = r"[A-Za-z0-9._~-]{1,40}"
"""A project id kept as it is in a link's anchor: 1 to 40 URL-safe characters (unanchored, for
``str.fullmatch``; :data:`_SAFE_ID` anchors it)."""
_SAFE_ID = re.compile(rf"^{_SAFE_ID_TEXT}$")

_CALLBACK = """function (row) {
    var v = VERDICTS[row[2]];
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 6, color: %(outline)s, weight: 1.5, fillColor: v.color, fillOpacity: 0.9});
    marker.verdict = row[2];
    marker.bindPopup(function () {
        var t = document.createElement('table');
        t.className = 'siting-popup';
        var rows = [[LABELS.id, row[3]], [LABELS.type, TYPES[row[4]]], [LABELS.verdict, v.label]];
        for (var i = 0; i < rows.length; i++) {
            var tr = t.insertRow(), th = document.createElement('th');
            th.textContent = rows[i][0];
            tr.appendChild(th);
            tr.insertCell().textContent = String(rows[i][1]);
        }
        var anchor = row.length > 5 ? row[5] : 'project-' + row[3];
        if (LINK && /^[A-Za-z0-9%%._~\\/-]+$/.test(anchor)) {
            var cell = t.insertRow().insertCell(), a = document.createElement('a');
            cell.colSpan = 2;
            cell.className = 'siting-popup-link';
            a.href = LINK + '#' + anchor;
            a.target = '_blank';
            a.rel = 'noopener';
            a.textContent = LABELS.link;
            cell.appendChild(a);
        }
        return t;
    }, {maxWidth: 320, className: 'siting-popup-wrap'});
    return marker;
}"""

_ICON = """function (cluster) {
    var markers = cluster.getAllChildMarkers(), counts = [], worst = 99, ring = [], at = 0;
    for (var k = 0; k < VERDICTS.length; k++) { counts.push(0); }
    for (var i = 0; i < markers.length; i++) {
        counts[markers[i].verdict] += 1; worst = Math.min(worst, markers[i].verdict);
    }
    for (var k = 0; k < counts.length; k++) {  // a ring of the verdicts' shares, worst first
        if (!counts[k]) { continue; }
        var a = 360 * at / markers.length; at += counts[k];
        ring.push(VERDICTS[k].color + " " + a.toFixed(2) + "deg " +
                  (360 * at / markers.length).toFixed(2) + "deg");
    }
    var n = cluster.getChildCount(), size = n < 100 ? 34 : n < 1000 ? 40 : 48;
    return L.divIcon({
        html: '<div style="background:conic-gradient(' + ring.join(",") + ');width:' + size +
              'px;height:' + size + 'px;border-color:' + VERDICTS[worst].color + '"><span>' + n +
              '</span></div>',
        className: 'siting-cluster', iconSize: L.point(size, size)});
}"""

CSS = """<style>
.siting-cluster div {border-radius: 50%; border: 3px solid #1a1a1a; box-sizing: border-box;
  display: flex; align-items: center; justify-content: center; opacity: 0.95;}
.siting-cluster span {background: #fff; color: #1a1a1a; border-radius: 50%; width: 62%;
  height: 62%; display: flex; align-items: center; justify-content: center;
  font: 600 11px system-ui, sans-serif;}
</style>"""


def _verdict_codes(result: gpd.GeoDataFrame) -> np.ndarray:
    """Each row's verdict as its position in :data:`ORDER` (an unknown one as ``error``)."""
    codes = pd.Categorical(result["verdict"].astype(str), categories=ORDER).codes
    return np.where(codes < 0, ORDER.index("error"), codes).astype(int)


class AfterFitMarkerCluster(FastMarkerCluster):
    """folium's ``FastMarkerCluster``, put on the map only once the map has its first view.

    Leaflet.markercluster loading in chunks (``chunkedLoading``, so that the page stays
    responsive with 100,000 points) fails when the view changes before its clusters are built
    ("Cannot read properties of undefined (reading 'lat')"), and the map then opened without
    its projects. The group is therefore added by :class:`maps.controls.ControlLayout` once it
    has fitted the map to the data and any opening zoom has ended (every map of
    :func:`maps.controls.add_plugins` has one). A user who zooms while the points are still
    being clustered (a few seconds at 100,000 projects) can still meet that error of the plugin.
    """

    _template = Template("""
{% macro script(this, kwargs) %}
var {{ this.get_name() }} = (function(){
    {{ this.callback }}
    var data = {{ this.data|tojson }};
    var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
    {%- if this.icon_create_function is not none %}
    cluster.options.iconCreateFunction = {{ this.icon_create_function.strip() }};
    {%- endif %}
    for (var i = 0; i < data.length; i++) {
        callback(data[i]).addTo(cluster);
    }
    var map = {{ this._parent.get_name() }};
    (map.sitingAfterFit = map.sitingAfterFit || []).push(function() {
        function add() { cluster.addTo(map); }
        if (map._animatingZoom) {  // an opening zoom still running: add once it has ended
            map.once('moveend', function() { setTimeout(add, 0); });
        } else {
            add();
        }
    });
    return cluster;
})();
{% endmacro %}""")

    def render(self, **kwargs):
        show, self.show = self.show, False  # folium would add it to the map at once
        try:
            super().render(**kwargs)
        finally:
            self.show = show  # still shown (ticked) in the layer control


def _text_colour(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return "#1a1a1a" if 0.299 * r + 0.587 * g + 0.114 * b > 150 else "#ffffff"


def add_project_points(m: folium.Map, result: gpd.GeoDataFrame, lang: str, name: str,
                       report_page: str | None = "report.html") -> AfterFitMarkerCluster:
    """Every drawable project as a clustered point in its verdict's colour.

    Parameters
    ----------
    result : GeoDataFrame
        Screening results in a metric CRS (``project_id``, ``type``, ``verdict``).
    name : str
        Layer name in the layer control.
    report_page : str or None
        Page the popups link to (``<page>#project-<id>``, :func:`maps.display.project_anchors`
        over every row: a repeated id's later rows link to ``project-<id>-2`` …); None: no link.
    """
    shown = drawable(result.geometry)
    every = result["project_id"].astype(str)
    # unique ids of URL-safe characters only: every anchor is project-<id>, which the browser
    # makes of the id (no call of project_anchors: 0.3 s of percent-encoding at 100k)
    plain = bool(every.str.fullmatch(_SAFE_ID_TEXT).all()) and every.is_unique
    anchors = None if plain else project_anchors(every)[shown]
    table = result[shown]
    points = gpd.GeoSeries(shapely.point_on_surface(np.asarray(table.geometry.values,
                                                                   dtype=object)),
                           crs=result.crs).to_crs(4326)
    type_text = table["type"].fillna("").astype(str)
    types = sorted(set(type_text.unique()))  # (not the set of every row: 0.1 s at 100k)
    type_code = pd.Categorical(type_text, categories=types).codes
    ids = table["project_id"].astype(str).to_numpy()
    lat = np.round(points.y.to_numpy(), 5)
    lon = np.round(points.x.to_numpy(), 5)
    codes = _verdict_codes(table)
    rows = zip(lat.tolist(), lon.tolist(), codes.tolist(), ids.tolist(), type_code.tolist())
    data = [list(row) for row in rows]
    for row, anchor in zip(data, [] if plain else anchors.tolist()):
        if not _SAFE_ID.match(row[3]) or anchor != "project-" + row[3]:
            row.append(anchor)
    verdicts = [{"color": st.verdict_style(v)["fillColor"], "label": st.verdict_label(v, lang),
                 "text": _text_colour(st.verdict_style(v)["fillColor"])} for v in ORDER]
    labels = {"id": st.pick(("编号", "ID"), lang), "type": st.pick(("类型", "Type"), lang),
              "verdict": st.pick(("结论", "Verdict"), lang), "link": st.text("report_link", lang)}
    head = (f"var VERDICTS = {json.dumps(verdicts)}; var LABELS = {json.dumps(labels)}; "
            f"var TYPES = {json.dumps(types)}; var LINK = {json.dumps(report_page or '')};\n")
    callback = head.replace("<", "\\u003c") + \
        "var callback = " + _CALLBACK % {"outline": json.dumps(st.MARKER_OUTLINE)}
    # folium checks each row's location in Python (0.3 s for 100,000): finite floats need not
    valid = bool(np.isfinite(lat).all() and np.isfinite(lon).all())
    layer = AfterFitMarkerCluster([] if valid else data, name=name, icon_create_function=_ICON,
                                  options={"chunkedLoading": True, "maxClusterRadius": 60,
                                           "spiderfyOnMaxZoom": True})
    if valid:
        layer.data = data
    layer.callback = callback
    m.get_root().header.add_child(folium.Element(CSS), name="siting_cluster_css")
    layer.add_to(m)
    return layer


def add_verdict_grid(m: folium.Map, result: gpd.GeoDataFrame, lang: str, name: str,
                     max_cells: int) -> folium.GeoJson:
    """Projects counted per grid cell (at most ``max_cells`` cells), each cell in the colour of
    its worst verdict, its popup giving the count of each verdict."""
    from maps import base

    shown = drawable(result.geometry)
    pts = gpd.GeoSeries(shapely.point_on_surface(np.asarray(result.geometry.values[shown],
                                                             dtype=object)), crs=result.crs)
    x, y = pts.x.to_numpy(), pts.y.to_numpy()
    codes = _verdict_codes(result[shown])
    span = max(np.ptp(x), np.ptp(y), 1.0)
    size = span / 64
    while True:
        cells = pd.DataFrame({"i": np.floor(x / size).astype(np.int64),
                              "j": np.floor(y / size).astype(np.int64), "v": codes})
        if cells[["i", "j"]].drop_duplicates().shape[0] <= max_cells:
            break
        size *= 1.5
    counts = cells.groupby(["i", "j", "v"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=range(len(ORDER)), fill_value=0)
    worst = np.argmax(counts.to_numpy() > 0, axis=1)
    i, j = counts.index.get_level_values(0).to_numpy(), counts.index.get_level_values(1).to_numpy()
    table = pd.DataFrame({ORDER[k]: counts[k].to_numpy() for k in range(len(ORDER))})
    labels = {v: st.verdict_label(v, lang) for v in ORDER}
    table["verdict"] = [ORDER[k] for k in worst]
    table["name"] = table[list(ORDER)].sum(axis=1).astype(str)
    geo = gpd.GeoDataFrame(table, geometry=shapely.box(i * size, j * size, (i + 1) * size,
                                                        (j + 1) * size), crs=result.crs)
    layer = base.add_vector_layer(m, geo, "results", lang, name=name, style_by="verdict",
                                  popup_fields={v: labels[v] for v in ORDER}, simplify_m=0)
    return layer

