"""Wind turbine layout: whole turbines on a site's usable land, in a staggered row packing.

Rows run across the prevailing wind, ``spacing_downwind_d`` rotor diameters apart; within a row the
turbines stand ``spacing_crosswind_d`` diameters apart, every other row shifted by half a spacing
(a staggered, near-hexagonal packing). A turbine stands where its foundation fits: on the usable
land eroded by ``foundation_radius_m``. The lattice is anchored in absolute coordinates and tried
at a fixed set of offsets over one lattice cell; the offset that holds most turbines wins. If no
offset holds one but the eroded land is not empty, one turbine stands at a point inside it. With
absolute offsets the count never falls when the land grows (a larger site holds at least as many
turbines as any site inside it).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

OFFSETS = 8
"""Lattice offsets tried per cell axis (``OFFSETS²`` layouts per site)."""


def _frame(direction_deg: float) -> np.ndarray:
    """The symmetric orthogonal matrix between (east, north) and (along wind, across wind)."""
    t = np.radians(direction_deg)
    return np.array([[np.sin(t), np.cos(t)], [np.cos(t), -np.sin(t)]])


def turbine_positions(polygon, along_m: float, across_m: float, direction_deg: float = 0.0,
                      inset_m: float = 0.0, offsets: int = OFFSETS) -> np.ndarray:
    """Turbine positions on one polygon.

    Parameters
    ----------
    polygon : shapely geometry
        The usable land, in a metric CRS (empty or None: no turbine).
    along_m : float
        Distance between rows along the prevailing wind [m] (downwind spacing).
    across_m : float
        Distance between turbines within a row, across the wind [m].
    direction_deg : float
        Prevailing wind direction [° clockwise from north].
    inset_m : float
        Foundation radius [m]: a turbine stands only where a disc of this radius fits.
    offsets : int
        Lattice offsets tried per cell axis.

    Returns
    -------
    numpy.ndarray of shape (n, 2)
        Turbine (x, y) positions in the polygon's CRS [m].
    """
    if polygon is None or shapely.is_empty(polygon):
        return np.empty((0, 2))
    area = shapely.buffer(polygon, -inset_m) if inset_m > 0 else polygon
    if shapely.is_empty(area) or shapely.area(area) <= 0:
        return np.empty((0, 2))
    shapely.prepare(area)
    rot = _frame(direction_deg)
    xy = shapely.get_coordinates(area)
    uv = xy @ rot
    (umin, vmin), (umax, vmax) = uv.min(axis=0), uv.max(axis=0)
    best = np.empty((0, 2))
    for s in np.arange(offsets) / offsets:
        for t in np.arange(offsets) / offsets:
            ou, ov = s * along_m, (s / 2 + t) * across_m
            rows = np.arange(np.floor((umin - ou) / along_m), np.ceil((umax - ou) / along_m) + 1)
            u_row = ou + rows * along_m
            shift = np.where(rows % 2 == 0, 0.0, across_m / 2) + ov
            cols = np.arange(np.floor((vmin - ov) / across_m) - 1,
                             np.ceil((vmax - ov) / across_m) + 1)
            u = np.repeat(u_row, len(cols))
            v = (shift[:, None] + cols[None, :] * across_m).ravel()
            pts = np.column_stack([u, v]) @ rot
            inside = pts[shapely.contains_xy(area, pts[:, 0], pts[:, 1])]
            if len(inside) > len(best):
                best = inside
    if not len(best):
        p = shapely.point_on_surface(area)
        best = np.array([[p.x, p.y]])
    return best


def layout(geoms, rotor_diameter_m: float, along_d: float, across_d: float,
           direction_deg: float = 0.0, inset_m: float = 0.0) -> list[np.ndarray]:
    """Turbine positions on many polygons, spacing given in rotor diameters.

    Parameters
    ----------
    geoms : sequence of shapely geometries
        Usable land per site in a metric CRS; None or empty for sites without land.
    rotor_diameter_m : float
    along_d, across_d : float
        Spacing along and across the prevailing wind [rotor diameters].
    direction_deg : float
        Prevailing wind direction [° clockwise from north].
    inset_m : float
        Foundation radius [m].

    Returns
    -------
    list of numpy.ndarray (n_i, 2)
        One array of positions per site; its length is the number of turbines.
    """
    return [turbine_positions(g, along_d * rotor_diameter_m, across_d * rotor_diameter_m,
                              direction_deg, inset_m) for g in geoms]


def turbine_table(sites) -> gpd.GeoDataFrame:
    """One point per placed turbine of a wind result of :func:`geo.score_sites`.

    Parameters
    ----------
    sites : GeoDataFrame
        A wind result: ``attrs["siting"]`` holds ``turbines`` (site id → [[lon, lat], ...]
        [°, WGS84]) and ``turbine`` (model, rating, rotor, hub and tip height).

    Returns
    -------
    GeoDataFrame
        EPSG:4326 points with ``site_id``, ``status`` (the site's; a site sent to review after
        its layout keeps its turbines), ``turbine`` (1, 2, … within the site), ``model``,
        ``hub_height_m`` [m], ``rotor_diameter_m`` [m], ``tip_height_m`` [m] and
        ``capacity_mw`` [MW]; empty (with these columns) for PV or a site-less result.
    """
    meta = sites.attrs.get("siting", {})
    spec = meta.get("turbine") or {}
    rows, points = [], []
    for sid, lonlats in (meta.get("turbines") or {}).items():
        for i, (lon, lat) in enumerate(lonlats, 1):
            rows.append((sid, i))
            points.append(shapely.Point(lon, lat))
    table = gpd.GeoDataFrame({"site_id": [r[0] for r in rows], "turbine": [r[1] for r in rows]},
                             geometry=points, crs="EPSG:4326")
    table["turbine"] = table["turbine"].astype(int)
    status = dict(zip(sites["site_id"].astype(str), sites["status"].astype(str)))
    table.insert(1, "status", [status.get(str(s), "") for s in table["site_id"]])
    for col, key in (("model", "type"), ("hub_height_m", "hub_height_m"),
                     ("rotor_diameter_m", "rotor_diameter_m"),
                     ("tip_height_m", "tip_height_m"), ("capacity_mw", "rating_mw")):
        table.insert(len(table.columns) - 1, col, spec.get(key))
    return table
