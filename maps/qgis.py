"""QGIS-friendly outputs: a GeoPackage whose layers open in QGIS with the web map's colours.

:func:`write_styled_gpkg` writes a result table (projects by verdict, sites by class) to a
GeoPackage, one layer per geometry family (polygons, lines, points; QGIS draws one symbol type
per layer), and stores a categorised style for each layer in the GeoPackage's ``layer_styles``
table, as QGIS itself writes it (QML and SLD, ``useAsDefault``), plus the same QML as a ``.qml``
file beside the GeoPackage. Categories and colours come from :mod:`maps.style`, so QGIS shows
what the web map shows. The bytes are deterministic: GDAL's timestamps are pinned
(``OGR_CURRENT_DATE``) and so is the style's ``update_time``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.crs import WGS84, to_lonlat_own
from layers.errors import InputError, choice_error
from maps import style as st
from maps.cells import all_text, arrow_plain, plain_value

STAMP = "2000-01-01T00:00:00.000Z"
"""Timestamp written into the GeoPackage (deterministic bytes; the run time is in the report)."""
PX_MM = 25.4 / 96
"""Millimetres per CSS pixel (96 dpi): Leaflet widths [px] become QGIS widths [mm]."""
QGIS_VERSION = "3.34.0-Prizren"
"""QGIS version named in the QML (any QGIS 3 reads it)."""

_FAMILIES = {"Polygon": "polygon", "MultiPolygon": "polygon", "LineString": "line",
             "MultiLineString": "line", "Point": "point", "MultiPoint": "point"}
_SYMBOL = {"polygon": "fill", "line": "line", "point": "marker"}
_LAYER_STYLES_SQL = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, f_table_catalog TEXT(256),
  f_table_schema TEXT(256), f_table_name TEXT(256), f_geometry_column TEXT(256),
  styleName TEXT(30), styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT,
  owner TEXT(30), ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def categories(style_by: str, lang: str) -> list[tuple[str, str, dict]]:
    """The categories of a result style: ``(value, label, Leaflet style)``.

    ``verdict``: prohibited, review, admitted, error; ``class``: A-D, then an empty value (QGIS's
    "all other values") for candidates without a class, drawn like an error.
    """
    if style_by == "verdict":
        return [(v, st.verdict_label(v, lang), st.verdict_style(v))
                for v in ("prohibited", "review", "admitted", "error")]
    if style_by == "class":
        unscored = ("未评分（需核查/已排除/过小/出错）" if lang == "zh"
                    else "Unscored (needs check, excluded, too small, error)")
        return [(c, st.class_label(c, lang), st.class_style(c)) for c in st.CLASS_STYLES] + [
            ("", unscored, st.verdict_style("error"))]
    raise InputError(choice_error("style column", style_by, ["verdict", "class"]))


def _rgba(hex_colour: str, alpha: float = 1.0) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(alpha * 255)}"


def _option(name: str, value) -> str:
    return f'<Option name={quoteattr(name)} type="QString" value={quoteattr(str(value))}/>'


def _symbol_layer(style: dict, family: str) -> str:
    """One QGIS symbol layer (SimpleFill, SimpleLine or SimpleMarker) drawn like ``style``."""
    shaped = st.shaped_style(style, family)
    width = f"{float(shaped['weight']) * PX_MM:.2f}"
    dashed = "dash" if shaped.get("dashArray") else "solid"
    if family == "polygon":
        cls, opts = "SimpleFill", {
            "color": _rgba(shaped["fillColor"], shaped["fillOpacity"] if shaped["fill"] else 0),
            "outline_color": _rgba(shaped["color"], shaped.get("opacity", 1.0)),
            "outline_style": dashed, "outline_width": width, "outline_width_unit": "MM",
            "style": "solid", "joinstyle": "round"}
    elif family == "line":
        cls, opts = "SimpleLine", {
            "line_color": _rgba(shaped["color"], shaped.get("opacity", 1.0)),
            "line_style": dashed, "line_width": width, "line_width_unit": "MM",
            "capstyle": "round", "joinstyle": "round"}
    else:
        cls, opts = "SimpleMarker", {
            "name": "circle", "color": _rgba(shaped["fillColor"], shaped["fillOpacity"]),
            "outline_color": _rgba(shaped["color"]), "outline_style": "solid",
            "outline_width": width, "outline_width_unit": "MM",
            "size": f"{2 * float(shaped.get('radius', 8)) * PX_MM:.2f}", "size_unit": "MM"}
    body = "".join(_option(k, v) for k, v in sorted(opts.items()))
    return (f'<layer class="{cls}" enabled="1" locked="0" pass="0">'
            f'<Option type="Map">{body}</Option></layer>')


def qml(style_by: str, family: str, lang: str) -> str:
    """A QGIS layer style (QML) with a categorised renderer on ``style_by``.

    Parameters
    ----------
    style_by : {"verdict", "class"}
    family : {"polygon", "line", "point"}
        Geometry family of the layer (the symbol type: fill, line, marker).
    lang : {"zh", "en"}
        Language of the category labels.
    """
    cats = categories(style_by, lang)
    rows = "".join(
        f'<category value={quoteattr(v)} symbol="{i}" label={quoteattr(label)} render="true" '
        f'type="string"/>' for i, (v, label, _) in enumerate(cats))
    symbols = "".join(
        f'<symbol type="{_SYMBOL[family]}" name="{i}" alpha="1" clip_to_extent="1" '
        f'force_rhr="0">{_symbol_layer(style, family)}</symbol>'
        for i, (_, _, style) in enumerate(cats))
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology">\n'
            f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(style_by)} symbollevels="0" '
            f'enableorderby="0" forceraster="0" referencescale="-1">'
            f"<categories>{rows}</categories><symbols>{symbols}</symbols>"
            "</renderer-v2>\n<blendMode>0</blendMode><featureBlendMode>0</featureBlendMode>\n"
            "</qgis>\n")


def _sld_symbolizer(style: dict, family: str) -> str:
    shaped = st.shaped_style(style, family)
    width = f"{float(shaped['weight']):g}"

    def stroke(colour, opacity):
        dash = (f'<se:SvgParameter name="stroke-dasharray">{escape(str(shaped["dashArray"]))}'
                '</se:SvgParameter>' if shaped.get("dashArray") else "")
        return (f'<se:Stroke><se:SvgParameter name="stroke">{colour}</se:SvgParameter>'
                f'<se:SvgParameter name="stroke-opacity">{opacity:g}</se:SvgParameter>'
                f'<se:SvgParameter name="stroke-width">{width}</se:SvgParameter>{dash}'
                "</se:Stroke>")

    def fill(colour, opacity):
        return (f'<se:Fill><se:SvgParameter name="fill">{colour}</se:SvgParameter>'
                f'<se:SvgParameter name="fill-opacity">{opacity:g}</se:SvgParameter></se:Fill>')

    opacity = float(shaped.get("opacity", 1.0))
    if family == "polygon":
        return (f"<se:PolygonSymbolizer>{fill(shaped['fillColor'], shaped['fillOpacity'])}"
                f"{stroke(shaped['color'], opacity)}</se:PolygonSymbolizer>")
    if family == "line":
        return f"<se:LineSymbolizer>{stroke(shaped['color'], opacity)}</se:LineSymbolizer>"
    size = f"{2 * float(shaped.get('radius', 8)):g}"
    return (f"<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>circle"
            f"</se:WellKnownName>{fill(shaped['fillColor'], shaped['fillOpacity'])}"
            f"{stroke(shaped['color'], 1.0)}</se:Mark><se:Size>{size}</se:Size></se:Graphic>"
            "</se:PointSymbolizer>")


def sld(layer: str, style_by: str, family: str, lang: str) -> str:
    """The same categorised style as SLD 1.1 (sizes in pixels), for GIS other than QGIS."""
    rules = []
    for value, label, style in categories(style_by, lang):
        if value:
            flt = (f"<ogc:Filter><ogc:PropertyIsEqualTo><ogc:PropertyName>{escape(style_by)}"
                   f"</ogc:PropertyName><ogc:Literal>{escape(value)}</ogc:Literal>"
                   "</ogc:PropertyIsEqualTo></ogc:Filter>")
        else:
            flt = "<se:ElseFilter/>"
        rules.append(f"<se:Rule><se:Name>{escape(label)}</se:Name><se:Description><se:Title>"
                     f"{escape(label)}</se:Title></se:Description>{flt}"
                     f"{_sld_symbolizer(style, family)}</se:Rule>")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<StyledLayerDescriptor version="1.1.0" '
            'xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" '
            'xmlns:se="http://www.opengis.net/se" xmlns:xlink="http://www.w3.org/1999/xlink" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation='
            '"http://www.opengis.net/sld http://schemas.opengis.net/sld/1.1.0/'
            'StyledLayerDescriptor.xsd">'
            f"<NamedLayer><se:Name>{escape(layer)}</se:Name><UserStyle><se:Name>"
            f"{escape(layer)}</se:Name><se:FeatureTypeStyle>{''.join(rules)}"
            "</se:FeatureTypeStyle></UserStyle></NamedLayer></StyledLayerDescriptor>\n")


def _flat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every cell a simple value, as a GeoPackage column holds one simple type: lists and dicts
    as JSON text (:func:`maps.cells.plain_value`, as in the CSV and GeoJSON), other objects as
    text; columns of text or of one type are left as they are."""
    table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for col in table.columns:
        if table[col].dtype == object and not all_text(table[col]):
            table[col] = _simple_column(table[col])
    return gpd.GeoDataFrame(table, geometry=gdf.geometry.values, crs=gdf.crs)


def _simple_column(col: pd.Series) -> pd.Series:
    """An object column's cells through :func:`_simple`; a column of booleans only (no blank)
    becomes the boolean column ``map`` would give, in one pass instead of one call a cell
    (100,000 projects' ``two_high``: the table is flat in 0.09 s of CPU instead of 0.22 s)."""
    if isinstance(col.iat[0], bool | np.bool_) and pd.api.types.infer_dtype(
            col, skipna=False) == "boolean":
        return col.astype(bool)
    return col.map(_simple)


def _simple(value: object) -> object:
    value = plain_value(value)
    return value if value is None or isinstance(value, str | int | float | bool) else str(value)


def write_styled_gpkg(gdf: gpd.GeoDataFrame, path: str | Path, name: str, style_by: str,
                      lang: str = "zh", lonlat=None) -> dict[str, Path]:
    """Write results to a GeoPackage with their QGIS style stored, and a ``.qml`` beside it.

    Parameters
    ----------
    gdf : GeoDataFrame
        Results in any CRS (written in EPSG:4326), with the ``style_by`` column; rows without
        geometry are kept (in the first layer).
    path : str or Path
        The GeoPackage to write (replaced if it exists: callers own the output folder).
    name : str
        Layer name (``screening``, ``sites``); with several geometry families the layers are
        ``<name>_polygons``, ``<name>_lines``, ``<name>_points``.
    style_by : {"verdict", "class"}
    lang : {"zh", "en"}
        Language of the category labels.
    lonlat : array of shapely geometries, optional
        The rows' geometries as :func:`layers.crs.to_lonlat_own` gives them, when the caller
        has them already (computed here otherwise).

    Returns
    -------
    dict
        ``{layer name: .qml path}``.
    """
    import pyogrio

    path = Path(path)
    st.check_lang(lang)
    categories(style_by, lang)  # validates style_by
    if style_by not in gdf.columns:
        raise InputError(f"{name}: no column {style_by!r} to style by")
    if lonlat is None:  # the user's own vertices, as the GeoJSON
        lonlat = to_lonlat_own(gdf.geometry.values, gdf.crs)
    data = _flat(gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=lonlat,
                                  crs=WGS84))
    data[style_by] = data[style_by].fillna("").astype(str)
    family = data.geometry.geom_type.map(_FAMILIES)
    present = [f for f in ("polygon", "line", "point") if (family == f).any()] or ["polygon"]
    family = family.fillna(present[0])  # rows without geometry go to the first layer
    layers = {f: name if len(present) == 1 else f"{name}_{f}s" for f in present}
    if path.exists():
        path.unlink()
    old = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": STAMP})
    try:
        for fam, layer in layers.items():
            part = data[(family == fam).to_numpy()]
            part.to_file(path, driver="GPKG", layer=layer, engine="pyogrio",
                         use_arrow=arrow_plain(part.drop(columns=part.geometry.name)))
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": old})
    written: dict[str, Path] = {}
    with sqlite3.connect(path) as db:
        db.execute(_LAYER_STYLES_SQL)
        db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
                   "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', '', ?)",
                   (STAMP,))
        for fam, layer in layers.items():
            geom_col = db.execute("SELECT column_name FROM gpkg_geometry_columns WHERE "
                                  "table_name = ?", (layer,)).fetchone()[0]
            style_qml = qml(style_by, fam, lang)
            db.execute(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
                "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, '', NULL, ?)",
                (layer, geom_col, layer, style_qml, sld(layer, style_by, fam, lang),
                 f"{style_by} colours of the siting toolkit's web map", STAMP))
            qml_path = path.with_name(f"{layer}.qml")
            qml_path.write_text(style_qml, encoding="utf-8")
            written[layer] = qml_path
    return written
