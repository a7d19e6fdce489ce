"""The screening map: zoning layers and projects coloured by verdict (a basic folium map).

A pure render of :func:`geo.screen`'s results. Every value from input data is HTML-escaped before
it reaches the page (folium's GeoJSON popups insert property values as HTML).
"""

from __future__ import annotations

import html
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd

from layers.crs import WGS84
from layers.kinds import get_kind
from maps.screening_report import LABELS, VERDICT_COLORS

_KIND_COLORS = {
    "ecological_red_line": "#2e7d32", "basic_farmland": "#f9a825", "urban_boundary": "#6d4c41",
    "control_unit": "#5c6bc0", "nature_reserve": "#1b5e20", "water_source": "#0288d1",
    "industrial_park": "#8e24aa", "abandoned_mine": "#795548", "subsidence_area": "#9e9d24",
    "closed_landfill": "#546e7a", "contaminated_site": "#d84315", "slag_heap": "#616161",
    "river": "#1565c0", "settlement": "#ad1457", "substation": "#ff6f00", "road": "#424242",
}


def _escape_frame(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].copy()
    for col in columns:
        out[col] = out[col].map(lambda v: html.escape("" if v is None or v != v else str(v)))
    return out


def screening_map(result: gpd.GeoDataFrame, hits: pd.DataFrame, catalog=None,
                  lang: str = "zh") -> folium.Map:
    """Build the map.

    Parameters
    ----------
    result, hits
        The two tables returned by :func:`geo.screen`.
    catalog : Catalog, optional
        When given, every layer the screening used is drawn (in EPSG:4326).
    lang : {"zh", "en"}
        Language of labels.

    Returns
    -------
    folium.Map
    """
    labels = LABELS[lang]
    projects = result.to_crs(WGS84)
    bounds = projects.geometry[~projects.geometry.is_empty & projects.geometry.notna()]
    m = folium.Map(tiles=None, control_scale=True)
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap").add_to(m)
    if catalog is not None:
        for info in result.attrs.get("layers", []):
            if not info.get("usable", True):
                continue
            gdf = catalog.read(info["layer_id"], WGS84).gdf
            kind = info["kind"]
            color = _KIND_COLORS.get(kind, "#333333")
            layer = gpd.GeoDataFrame(_escape_frame(gdf, ["id", "name"]),
                                     geometry=gdf.geometry.values, crs=WGS84)
            layer = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
            name = f"{html.escape(get_kind(kind).label(lang))} ({html.escape(info['layer_id'])})"
            folium.GeoJson(
                layer.to_json(), name=name,
                style_function=lambda _f, c=color: {"color": c, "weight": 1, "fillColor": c,
                                                     "fillOpacity": 0.25},
                tooltip=folium.GeoJsonTooltip(["id", "name"], aliases=[labels["id"],
                                                                       labels["name"]]),
                show=kind != "control_unit",
            ).add_to(m)
    fields = ["project_id", "name", "type", "industry", "verdict_label", "reasons"]
    props = projects.assign(verdict_label=projects["verdict"].map(
        lambda v: labels.get(v, v)))
    shown = gpd.GeoDataFrame(_escape_frame(props, fields), geometry=projects.geometry.values,
                             crs=WGS84)
    shown["color"] = projects["verdict"].map(VERDICT_COLORS).fillna("#333333").to_numpy()
    shown = shown[shown.geometry.notna() & ~shown.geometry.is_empty]
    aliases = [labels["id"], labels["name"], labels["type"], labels["industry"],
               labels["verdict"], labels["reasons"]]
    folium.GeoJson(
        shown.to_json(), name=labels["projects"],
        style_function=lambda f: {"color": f["properties"]["color"], "weight": 3,
                                  "fillColor": f["properties"]["color"], "fillOpacity": 0.5},
        marker=folium.CircleMarker(radius=7, fill=True),
        popup=folium.GeoJsonPopup(fields, aliases=aliases, max_width=420),
        tooltip=folium.GeoJsonTooltip(["project_id", "name", "verdict_label"],
                                      aliases=aliases[:2] + aliases[4:5]),
    ).add_to(m)
    legend = "".join(
        f'<div><span style="background:{c};display:inline-block;width:1em;height:1em;'
        f'margin-right:.4em"></span>{html.escape(labels[v])}</div>'
        for v, c in VERDICT_COLORS.items() if v != "contact")
    m.get_root().html.add_child(folium.Element(
        '<div style="position:fixed;bottom:2em;left:1em;z-index:9999;background:#fff;'
        f'padding:.5em;border:1px solid #999;font-size:12px">{legend}</div>'))
    folium.LayerControl(collapsed=False).add_to(m)
    if len(bounds):
        minx, miny, maxx, maxy = bounds.total_bounds
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def write_map(m: folium.Map, path: str | Path) -> Path:
    """Save the map so that it works offline (assets inlined when :mod:`maps.offline` exists)."""
    path = Path(path)
    try:
        from maps.offline import save_offline
    except ImportError:  # pragma: no cover - until the offline helper lands
        m.save(str(path))
    else:
        save_offline(m, path)
    return path
