"""Results drawn to be seen: every project (verdict) or candidate (class) visible at every zoom."""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np

from maps import base


def add_result_layer(m: folium.Map, table: gpd.GeoDataFrame, lang: str, name: str,
                     style_by: str, popup_fields: dict, link: dict | None = None,
                     simplify_m: float | None = None, min_px: float = 12.0) -> folium.GeoJson:
    """Results (projects by verdict, sites by class) that are visible at every zoom.

    Draws ``table`` with :func:`add_vector_layer`; polygons also get a marker at a point inside
    them, shown below the zoom at which a quarter of them would be smaller than ``min_px``
    (:func:`maps.display.marker_zoom`), so that none is a speck at the first view. The markers
    follow the layer's switch in the layer control and share its popups.

    Parameters
    ----------
    table : GeoDataFrame
        Results in a metric CRS with the ``style_by`` column.
    name : str
        Layer name in the layer control.
    style_by : str
        Column holding a verdict or a score class.
    popup_fields, link, simplify_m
        As for :func:`add_vector_layer`.
    min_px : float
        Side [px] from which a polygon is drawn without its marker.

    Returns
    -------
    folium.GeoJson
        The main layer (polygons, lines and points).
    """
    from maps.display import drawable, marker_zoom
    from maps.elements import Companions

    geoms = table.geometry
    drawn = drawable(geoms)
    kind = geoms.geom_type.to_numpy()
    polygons = drawn & np.isin(kind, ["Polygon", "MultiPolygon"])
    lines = drawn & np.isin(kind, ["LineString", "MultiLineString"])
    casing = None
    if (polygons | lines).any():  # a dark casing under outlines and lines, added first
        outline = table.loc[polygons | lines, [style_by, table.geometry.name]].copy()
        outline = outline.set_geometry(np.where(polygons[polygons | lines],
                                                outline.geometry.boundary.values,
                                                outline.geometry.values), crs=table.crs)
        outline["_shape"] = np.where(polygons[polygons | lines], "polygon", "line")
        casing = base.add_vector_layer(m, outline, "results", lang, name=f"{name} ··",
                                  popup_fields=[], tooltip_field="_shape", style_by=style_by,
                                  simplify_m=simplify_m, control=False, casing=True)
    layer = base.add_vector_layer(m, table, "results", lang, name=name, popup_fields=popup_fields,
                             style_by=style_by, simplify_m=simplify_m, link=link)
    markers, zoom = None, 99
    if polygons.any():
        points = table[polygons].copy()
        points = points.set_geometry(points.geometry.representative_point())
        markers = base.add_vector_layer(m, points, "results", lang, name=f"{name} ·",
                                   popup_fields=popup_fields, style_by=style_by, simplify_m=0,
                                   link=link, control=False)
        zoom = marker_zoom(table[polygons], min_px)
    if casing is not None or markers is not None:
        Companions(layer, casing, markers, zoom).add_to(m)
    return layer
