"""The common base of every map: basemaps, styled vector layers, rasters, legend, plugins.

Every map of the toolkit is built from these functions so that it looks the same, works with no
network (assets inlined by :mod:`maps.offline`) and never shows input text as HTML.

Basemaps (``basemap``)
    ``osm`` OpenStreetMap (default); ``tianditu`` 天地图 vector tiles ``vec_w`` with annotations
    ``cva_w`` (``eva_w`` in English), CGCS2000 (agrees with WGS84 at map scale), which need the
    user's key; ``amap`` 高德 tiles in GCJ-02; ``none`` a plain background. With the GCJ-02
    basemap every vector layer added through :func:`add_vector_layer` (and every raster's bounds)
    is shifted from WGS84 to GCJ-02 with :func:`layers.chinacoords.convert_gdf` so it lines up
    with the tiles, and the map carries a visible bilingual note saying so. No other basemap
    shifts anything. Building a map needs no network; only the tiles do.

Display simplification
    Analysis always uses full geometry; only what is drawn is simplified, topology-preserving
    (``shapely.simplify(..., preserve_topology=True)``) in the layer's metric CRS before it is
    reprojected to EPSG:4326, and coordinates are rounded to 6 decimals (~0.1 m; 5 when the
    tolerance is 2.5 m or more). The default
    tolerance is :func:`display_tolerance`: one screen pixel at four zoom levels closer than the
    zoom showing the whole layer (extent / 16384 [m], clipped to 0.5-50 m).
"""

from __future__ import annotations

import contextlib
import gc
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import shapely

from layers.errors import InputError, choice_error
from maps import style as st
from maps.controls import add_plugins  # noqa: F401 (re-exported: part of the base API)
from maps.display import (  # noqa: F401 (re-exported: part of the base API)
    COORD_DECIMALS,
    coord_decimals,
    display_geometry,
    display_text,
    display_tolerance,
)
from maps.elements import CSS, HtmlControl, SafePopup, SafeTooltip, swatch_svg
from maps.results import add_result_layer  # noqa: F401 (re-exported: part of the base API)

BASEMAPS = ("osm", "tianditu", "amap", "none")
"""Valid ``basemap`` values."""

_OSM = ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors')
_AMAP = ("https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
         "&x={x}&y={y}&z={z}", "&copy; 高德地图 AMap (GCJ-02)")
_TIANDITU = ("https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
             "&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
             "&TILECOL={x}&tk=%s")
_TIANDITU_ATTR = "&copy; 天地图 Tianditu (CGCS2000)"
# A 1x1 transparent PNG: a tile layer that needs no network (the minimap of basemap "none").
_BLANK_TILE = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR42mNgAI"
               "IAAAUAAen63NgAAAAASUVORK5CYII=")


def _state(m: folium.Map) -> dict:
    if not hasattr(m, "_siting"):
        raise InputError("this map was not made by maps.base.new_map; build it with new_map()")
    return m._siting


def new_map(bounds_lonlat: Sequence[float], lang: str = "zh", basemap: str = "osm",
            tianditu_key: str | None = None) -> tuple[folium.Map, str | None]:
    """A map fitted to ``bounds_lonlat`` with the chosen basemap.

    Parameters
    ----------
    bounds_lonlat : (min lon, min lat, max lon, max lat) [°]
        WGS84 / CGCS2000 extent to show.
    lang : {"zh", "en"}
        Language of every label.
    basemap : {"osm", "tianditu", "amap", "none"}
        Tile source; ``amap`` is GCJ-02 and makes every vector layer shift to GCJ-02.
    tianditu_key : str, optional
        The user's Tianditu key (required for ``tianditu``; it is written into the HTML).

    Returns
    -------
    (folium.Map, str or None)
        The map and the shift applied to vector layers (``"gcj02"`` or None).

    Raises
    ------
    InputError
        Unknown ``basemap`` or ``lang``; ``tianditu`` without a (well-formed) key.
    """
    st.check_lang(lang)
    if basemap not in BASEMAPS:
        raise InputError(choice_error("basemap", basemap, BASEMAPS))
    if basemap == "tianditu":
        if not tianditu_key:
            raise InputError("basemap 'tianditu' needs your Tianditu key (--tianditu-key, from "
                             "https://console.tianditu.gov.cn); none was given / 天地图底图需要密钥")
        if not re.fullmatch(r"[0-9A-Za-z]{8,64}", tianditu_key):
            raise InputError(f"Tianditu key {tianditu_key!r} is not a key: expected 8-64 letters "
                             "or digits (32 hex characters from console.tianditu.gov.cn)")
    w, s, e, n = (float(v) for v in bounds_lonlat)
    if not (np.isfinite([w, s, e, n]).all() and w <= e and s <= n):
        raise InputError(f"map bounds {bounds_lonlat!r} are not (min lon, min lat, max lon, "
                         "max lat) in degrees")
    shift = "gcj02" if basemap == "amap" else None
    if shift:
        from layers.chinacoords import convert_points
        (w, e), (s, n) = convert_points([w, e], [s, n], "wgs84", shift)
    m = folium.Map(location=[(s + n) / 2, (w + e) / 2], zoom_start=10, tiles=None,
                   prefer_canvas=True, control_scale=False)
    m.fit_bounds([[s, w], [n, e]])
    from maps.controls import ScaleBar

    ScaleBar("bottomleft").add_to(m)
    m.get_root().header.add_child(folium.Element(CSS), name="siting_css")
    tiles: list[tuple[str, str, str]] = []
    if basemap == "osm":
        tiles = [(_OSM[0], _OSM[1], "OpenStreetMap")]
    elif basemap == "amap":
        tiles = [(_AMAP[0], _AMAP[1], "高德地图 AMap")]
    elif basemap == "tianditu":
        note = "cva" if lang == "zh" else "eva"
        tiles = [(_TIANDITU % ("vec", "vec", tianditu_key), _TIANDITU_ATTR, "天地图 Tianditu"),
                 (_TIANDITU % (note, note, tianditu_key), _TIANDITU_ATTR, "")]
    for i, (url, attr, name) in enumerate(tiles):
        subdomains = "1234" if basemap == "amap" else "01234567" if basemap == "tianditu" else "abc"
        folium.TileLayer(url, attr=attr, name=name or None, subdomains=subdomains, max_zoom=18,
                         overlay=i > 0, control=i == 0).add_to(m)
    m._siting = {"lang": lang, "shift": shift, "basemap": basemap, "bounds": (w, s, e, n),
                 "minimap_tiles": tiles[0][:2] if tiles else (_BLANK_TILE, "")}
    if shift:
        first, second = (lang, "en" if lang == "zh" else "zh")
        HtmlControl('<b>GCJ-02</b> ' + "<br>".join(
            html.escape(st.text(k, code)) for code in (first, second)
            for k in ("gcj02_note", "gcj02_draw")), "bottomleft",
                    "siting-control siting-note siting-gcj02-note").add_to(m)
    return m, shift


def add_vector_layer(m: folium.Map, gdf: gpd.GeoDataFrame, kind: str, lang: str,
                     name: str | None = None, popup_fields: Sequence[str] | dict | None = None,
                     tooltip_field: str = "name", shift: str | None = None,
                     simplify_m: float | None = None, group: str | None = None,
                     style_by: str | None = None, show: bool = True, muted: bool = False,
                     link: dict | None = None, control: bool = True,
                     casing: bool = False) -> folium.GeoJson:
    """Draw a layer in its kind's style, with text-only popups and tooltips.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`new_map`.
    gdf : GeoDataFrame
        Features in any metric CRS (analysis geometry; it is not modified).
    kind : str
        Layer kind (styles, labels, group), or ``"results"`` together with ``style_by``.
    lang : {"zh", "en"}
    name : str, optional
        Layer name in the layer control (default: the kind's label); shown after the group.
    popup_fields : list of str or dict {column: label}, optional
        Columns shown in the popup (default: every column but geometry); list labels come from
        the kind's attribute labels.
    tooltip_field : str
        Column shown as tooltip (falls back to ``id`` when empty).
    shift : {"gcj02", None}, optional
        Defaults to the map's own shift (set by its basemap); pass it only to override.
    simplify_m : float, optional
        Display tolerance [m]; default :func:`display_tolerance`; 0 draws full geometry.
    group : str, optional
        Layer-control group (default: the kind's group; ``results`` for results).
    style_by : str, optional
        Column holding a verdict or a score class (A-D); each feature is styled by it.
    show : bool
        Whether the layer is on when the map opens.
    muted : bool
        Draw the kind's style faded (half opacity, smaller points): context that must not
        compete with the results.
    link : dict, optional
        ``{"field": column, "text": label}``: a popup row linking to the page in that column
        (see :class:`maps.elements.SafePopup`).
    control : bool
        Whether the layer is listed in the layer control.
    casing : bool
        With ``style_by``: draw the lines as a dark casing (:func:`maps.style.casing_style`)
        under the styled layer, with no tooltip.

    Returns
    -------
    folium.GeoJson
        The layer (e.g. for :func:`add_plugins`' search).
    """
    state = _state(m)
    st.check_lang(lang)
    in_registry = kind in st.KIND_STYLES
    if not in_registry and not style_by:
        st.kind_style(kind)  # raises, listing the kinds
    group = group or (st.kind_group(kind) if in_registry else "results")
    base_style = st.kind_style(kind) if in_registry else st.verdict_style("error")
    if muted:
        base_style = muted_style(base_style)
    shift = state["shift"] if shift is None else shift
    geoms, ok = display_geometry(gdf, simplify_m, shift)

    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    if popup_fields is None:
        popup_fields = columns
    if isinstance(popup_fields, dict):
        fields, labels = list(popup_fields), [str(v) for v in popup_fields.values()]
    else:
        fields = list(popup_fields)
        labels = [st.attribute_label(kind, f, lang) if in_registry else f for f in fields]
    extra = ([style_by] if style_by else []) + ([link["field"]] if link else [])
    missing = [f for f in fields + [tooltip_field] + extra if f not in gdf.columns]
    if missing:
        raise InputError(choice_error("popup/tooltip/style column", missing[0], columns))
    keep = list(dict.fromkeys(fields + [tooltip_field] + (["id"] if "id" in gdf.columns else [])
                              + extra))
    table = gdf.loc[ok, keep]
    props = {c: [display_text(v, lang) for v in table[c].tolist()] for c in keep}
    if style_by:
        props[style_by] = [str(v) for v in table[style_by].tolist()]
    records = [dict(zip(props, vals)) for vals in zip(*props.values())] if keep else []
    geo = json.loads("[" + ",".join(shapely.to_geojson(geoms).tolist()) + "]") if len(geoms) else []
    features = [{"type": "Feature", "id": i, "properties": p, "geometry": g}
                for i, (p, g) in enumerate(zip(records, geo))]

    label = name or (st.kind_label(kind, lang) if in_registry else kind)
    n_missing = int((~ok).sum())
    if n_missing:
        label += f" ({n_missing} {st.text('no_geometry', lang)})"
    layer_name = html.escape(f"{st.group_label(group, lang)} · {label}")
    if style_by:
        styles = {**st.VERDICT_STYLES, **st.CLASS_STYLES}
        unknown = sorted({p[style_by] for p in records} - set(styles))
        if unknown:
            raise InputError(choice_error(f"value of {style_by!r}", unknown[0], list(styles)))

        def style_function(f):
            props = f["properties"]  # a casing knows the shape it outlines
            shape = props.get("_shape") if casing else None
            shaped = st.shaped_style(styles[props[style_by]],
                                     shape or _SHAPES.get(f["geometry"]["type"], "polygon"))
            return st.casing_style(shaped) if casing else shaped
    else:
        def style_function(f):
            return base_style
    geometry_type = st.get_kind_geometry(kind) if in_registry else None
    marker = None
    # every point (also among polygons and lines) is a styled circle marker, never a default pin
    if geometry_type == "point" or (len(geoms) and np.isin(shapely.get_type_id(geoms),
                                                           (0, 4)).any()):
        marker = folium.CircleMarker(radius=base_style.get("radius", 6))
    layer = folium.GeoJson({"type": "FeatureCollection", "features": features}, name=layer_name,
                           style_function=style_function, marker=marker, smooth_factor=1.0,
                           show=show, control=control)
    if fields:
        SafePopup(fields, labels, link).add_to(layer)
    if not casing:
        SafeTooltip(tooltip_field).add_to(layer)
    layer.add_to(m)
    state.setdefault("layers", []).append({"name": layer_name, "kind": kind, "group": group,
                                           "features": len(features), "layer": layer})
    return layer


_SHAPES = {"Point": "point", "MultiPoint": "point", "LineString": "line",
           "MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon"}


def muted_style(style: dict) -> dict:
    """A faded copy of a path style: half the opacities, points no larger than 4 px."""
    out = dict(style, opacity=round(float(style.get("opacity", 0.9)) * 0.5, 3),
               fillOpacity=round(float(style.get("fillOpacity", 0.3)) * 0.5, 3))
    if "radius" in out:
        out["radius"] = min(float(out["radius"]), 4.0)
    return out


def muted_legend_entry(kind: str, lang: str) -> dict:
    """The legend entry of a kind drawn with :func:`muted_style`."""
    entry = st.legend_entry(f"kind:{kind}", lang)
    return dict(entry, style=muted_style(entry["style"]))


def add_raster_overlay(m: folium.Map, array: np.ndarray, bounds_lonlat: Sequence[float],
                       kind: str, lang: str, vmin: float | None = None,
                       vmax: float | None = None, opacity: float = 0.7,
                       show: bool = False) -> folium.raster_layers.ImageOverlay:
    """A toggleable raster overlay with a colour bar (units) that follows the overlay.

    Parameters
    ----------
    array : 2-D numpy array
        Values on a regular EPSG:4326 grid, first row north; NaN is transparent.
    bounds_lonlat : (min lon, min lat, max lon, max lat) [°]
        Outer edges of the grid.
    kind : {"dem", "ghi", "wind_speed", "slope"}
    vmin, vmax : float, optional
        Colour range (default: 2nd and 98th percentiles).
    """
    from maps.raster_png import colour_bar_html, rgba_png_uri

    state = _state(m)
    if kind not in st.RASTER_STYLES:
        raise InputError(choice_error("raster kind", kind, list(st.RASTER_STYLES)))
    spec = st.RASTER_STYLES[kind]
    w, s, e, n = (float(v) for v in bounds_lonlat)
    uri, vmin, vmax = rgba_png_uri(np.asarray(array, dtype=float), (s, n), spec["colors"],
                                   vmin, vmax)
    if state["shift"]:
        from layers.chinacoords import convert_points
        (w, e), (s, n) = convert_points([w, e], [s, n], "wgs84", state["shift"])
    label = f"{st.kind_label(kind, lang)} [{spec['units']}]"
    name = html.escape(f"{st.group_label('rasters', lang)} · {label}")
    overlay = folium.raster_layers.ImageOverlay(uri, bounds=[[s, w], [n, e]], opacity=opacity,
                                                name=name, show=show, interactive=False)
    overlay.add_to(m)
    HtmlControl(colour_bar_html(spec["colors"], vmin, vmax, label), "bottomright",
                "siting-control siting-colourbar", follow_layer=overlay).add_to(m)
    state.setdefault("layers", []).append({"name": name, "kind": kind, "group": "rasters",
                                           "features": None, "layer": overlay})
    return overlay


def add_legend(m: folium.Map, entries: Sequence[str | dict], lang: str) -> HtmlControl:
    """A legend in ``lang``: entries are ``kind:<id>``, ``verdict:<v>``, ``class:<c>`` keys or
    dicts with ``label``, ``style`` and ``shape``; every label is escaped."""
    st.check_lang(lang)
    rows = []
    for entry in entries:
        e = st.legend_entry(entry, lang) if isinstance(entry, str) else entry
        rows.append(f'<div class="siting-legend-row">{swatch_svg(e["style"], e.get("shape", "polygon"))}'
                    f'<span>{html.escape(str(e["label"]))}</span></div>')
    body = f"<h4>{html.escape(st.text('legend', lang))}</h4>" + "".join(rows)
    # top right, below the layer control (see maps.controls.ControlLayout): never overlapping it
    control = HtmlControl(body, "topright", "siting-control siting-legend")
    control.add_to(m)
    return control


@contextlib.contextmanager
def collection_paused():
    """Python's cyclic garbage collector off inside (as it was after): a map of a large batch
    makes millions of small lists (the coordinates rasterio burns, GeoJSON, popups), each of
    which may start a collection that walks every object alive, the layers' geometries among
    them (a third of the 100k benchmark map's time). Objects are still freed as their last
    reference goes; cycles made inside wait for the next collection after. Usable as a
    decorator."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@collection_paused()
def finish_map(m: folium.Map, path: str | Path) -> Path:
    """Add the layer control and write a self-contained HTML file (no network needed).

    Element ids are numbered in tree order instead of folium's random ones, so that the same
    map gives the same bytes.
    """
    from maps.offline import render_offline

    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    renamed = _number_element_ids(m)
    page = render_offline(m)
    # names taken before the renumbering (e.g. a layer's default name) still hold the old id
    page = re.sub(r"[0-9a-f]{32}", lambda hit: renamed.get(hit.group(), hit.group()), page)
    path = Path(path)
    path.write_text(page, encoding="utf-8", newline="")
    return path


def _number_element_ids(m: folium.Map) -> dict[str, str]:
    """Give every element reachable from the map's root a sequential id; return {old: new}."""
    renamed: dict[str, str] = {}
    stack, seen = [m.get_root()], set()
    while stack:
        element = stack.pop(0)
        if id(element) in seen:
            continue
        seen.add(id(element))
        new = f"{len(renamed):032x}"
        renamed[element._id] = new
        element._id = new
        stack.extend(v for v in element._children.values())
        stack.extend(v for v in vars(element).values()
                     if isinstance(v, folium.Element) and v is not element)
    return renamed
