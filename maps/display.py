"""Display geometry: what is drawn, never what is analysed.

Analysis always uses full geometry. A map draws a copy simplified topology-preserving
(``shapely.simplify(..., preserve_topology=True)``, per feature, vectorised) in the layer's metric
CRS, then reprojected to EPSG:4326, optionally shifted to GCJ-02, and rounded.

Tolerance rule (:func:`display_tolerance`)
    One screen pixel at four zoom levels (16x) closer than the zoom at which the layer's whole
    extent fits a ~1024 px map: ``max(width, height) / 16384`` [m], clipped to 0.5-50 m. A
    county-wide layer (~60 km) gets ~4 m; a 5 km park layer keeps 0.5 m.
Rounding rule (:func:`coord_decimals`)
    6 decimals (1e-6° ≈ 0.1 m), or 5 (≈ 1.1 m) when the tolerance is at least 2.5 m, so rounding
    never moves a vertex by more than half the tolerance.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import CRSError
from maps import style as st

COORD_DECIMALS = 6
"""Most decimals kept in displayed longitude/latitude (1e-6° ≈ 0.1 m); see coord_decimals."""


def drawable(geoms) -> np.ndarray:
    """Which geometries can be drawn (neither missing nor empty, every coordinate finite), as a
    boolean array.

    ``GeoSeries.notna()`` warns when a series holds empty geometries; this asks shapely. A
    point a projection could not carry (``POINT (NaN NaN)``, e.g. a project far outside the
    working CRS's zone) is not empty to GEOS but has no place on a map.
    """
    g = np.asarray(getattr(geoms, "values", geoms), dtype=object)
    return np.isfinite(shapely.bounds(g)).all(axis=1)  # NaN for missing and empty ones too


def display_tolerance(bounds_m: Sequence[float]) -> float:
    """Default display-simplification tolerance [m] for a layer of extent ``bounds_m`` [m].

    One screen pixel at four zoom levels (16×) closer than the zoom at which the whole extent
    fits a ~1024 px map: ``max(width, height) / 16384``, clipped to 0.5-50 m. Finer detail is
    invisible until a planner zooms in further than that on one site.
    """
    minx, miny, maxx, maxy = bounds_m
    span = max(maxx - minx, maxy - miny)
    if not np.isfinite(span):
        return 0.5
    return float(np.clip(span / 16384.0, 0.5, 50.0))


def coord_decimals(tolerance_m: float) -> int:
    """Decimals of displayed lon/lat [°]: 6 (~0.1 m), or 5 (~1.1 m) when the display tolerance
    is at least 2.5 m, so that rounding never exceeds half the simplification tolerance."""
    return COORD_DECIMALS - 1 if tolerance_m >= 2.5 else COORD_DECIMALS


def display_text(value, lang: str) -> str:
    """An attribute value as popup text: lists joined, booleans as yes/no, NaN as empty."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return st.text("yes" if value else "no", lang)
    if isinstance(value, (list, tuple, np.ndarray)):
        return "、".join(str(v) for v in value)
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return str(value)


def project_anchor(project_id) -> str:
    """The id of a project's section in the screening report: ``project-`` + the id
    percent-encoded (UTF-8, ``/`` kept), exactly as jinja2's ``urlencode`` filter writes it.

    ASCII letters, digits, ``%``, ``/``, ``-``, ``_``, ``.`` and ``~`` only: safe as an HTML id
    and as a URL fragment (``report.html#project-P%2001`` finds ``id="project-P%2001"``).
    """
    return "project-" + quote(str(project_id), safe="/")


def project_anchors(project_ids: Sequence) -> np.ndarray:
    """The id of each input row's section in the screening report: unique, one per row.

    A row gets :func:`project_anchor` of its id; a row whose ``project_id`` an earlier row
    already has (a duplicate: the screening keeps it as an ``error`` row of its own) adds
    ``-2``, ``-3`` …, stepping aside from any anchor another row has (the second ``A`` is
    ``project-A-3`` when a project ``A-2`` exists). Every link to a project (the report's
    table of projects, a paged report's forwarding, the map's popups) takes its anchor from
    here over the whole result, so it jumps to its own row's section.

    Parameters
    ----------
    project_ids : sequence
        The ``project_id`` of every row of the result, in order.

    Returns
    -------
    numpy.ndarray of str
        The anchors, in order; the first row with an id keeps ``project-<id>``.
    """
    if isinstance(project_ids, pd.Series):  # plain objects: a text column's Arrow strings
        project_ids = project_ids.to_numpy(dtype=object).tolist()  # are boxed one by one
    anchors = np.array([project_anchor(p) for p in project_ids], dtype=object)
    repeated = np.flatnonzero(pd.Series(anchors).duplicated().to_numpy())
    if not len(repeated):
        return anchors
    taken = set(anchors)
    for i in repeated:
        k = 2
        while f"{anchors[i]}-{k}" in taken:
            k += 1
        anchors[i] = f"{anchors[i]}-{k}"
        taken.add(anchors[i])
    return anchors


def display_geometry(gdf: gpd.GeoDataFrame, simplify_m: float | None = None,
                     shift: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Simplified, EPSG:4326 (optionally GCJ-02-shifted), rounded geometry for drawing.

    Parameters
    ----------
    gdf : GeoDataFrame
        In a projected (metric) CRS.
    simplify_m : float, optional
        Tolerance [m]; default :func:`display_tolerance` of the layer's extent; 0 disables.
    shift : {"gcj02", None}
        Shift to GCJ-02 after reprojection.

    Returns
    -------
    (numpy.ndarray of geometries, numpy.ndarray of bool)
        Geometry of the drawable rows, and the mask of drawable rows (not null, not empty).

    Raises
    ------
    CRSError
        When the GeoDataFrame has no CRS or a geographic one (tolerances are metres).
    """
    if gdf.crs is None or not gdf.crs.is_projected:
        raise CRSError(f"display simplification needs a metric CRS; the layer is in "
                       f"{gdf.crs.name if gdf.crs else 'no CRS'}: reproject it to the working "
                       "CRS (layers.crs.working_crs) first")
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    geoms = geoms[ok]
    if simplify_m is not None:
        tol = simplify_m
    else:  # nothing to draw (e.g. no candidate lost any part): the finest tolerance
        tol = display_tolerance(shapely.total_bounds(geoms)) if len(geoms) else 0.5
    if tol > 0 and len(geoms):
        geoms = shapely.simplify(geoms, tol, preserve_topology=True)
    out = gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms, crs=gdf.crs)).to_crs(4326)
    if shift:
        from layers.chinacoords import convert_gdf
        out = convert_gdf(out, "wgs84", shift, "map layer")
    decimals = coord_decimals(tol)
    rounded = shapely.transform(np.asarray(out.geometry.values, dtype=object),
                                lambda c: np.round(c, decimals))
    return rounded, ok


WEB_MERCATOR_M_PER_PX = 156543.03392804097
"""Ground resolution of a web-map tile pyramid at zoom 0 on the equator [m/px]."""


def marker_zoom(gdf: gpd.GeoDataFrame, min_px: float = 12.0, quantile: float = 0.25) -> int:
    """The zoom level from which polygons are drawn large enough to be seen.

    Below it a map shows polygon results as markers: at zoom ``z`` a feature of side ``s`` [m]
    (square root of its area) at latitude ``φ`` spans ``s · 2^z / (156543 · cos φ)`` pixels.

    Parameters
    ----------
    gdf : GeoDataFrame
        Polygons in a metric CRS.
    min_px : float
        Side [px] a polygon must reach to be readable without a marker.
    quantile : float
        Share of the polygons allowed to be smaller than ``min_px`` at the returned zoom.

    Returns
    -------
    int
        Zoom level, clipped to 10-17.
    """
    areas = gdf.geometry.area.to_numpy(dtype=float)
    areas = areas[np.isfinite(areas) & (areas > 0)]
    if not len(areas):
        return 17
    side = float(np.sqrt(np.quantile(areas, quantile)))
    lat = float(gdf.geometry.to_crs(4326).union_all().centroid.y) if len(gdf) else 0.0
    zoom = np.log2(min_px * WEB_MERCATOR_M_PER_PX * np.cos(np.radians(lat)) / side)
    return int(np.clip(np.ceil(zoom), 10, 17))
