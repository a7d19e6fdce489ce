"""How big a footprint is: its dimension and size in the working CRS, and on the ellipsoid for
footprints far from the region the working CRS was chosen for."""

from __future__ import annotations

import numpy as np
import shapely


def as_array(geoms) -> np.ndarray:
    """Geometries (a GeoSeries, GeometryArray or sequence) as an object array of shapely
    geometries."""
    if hasattr(geoms, "values") and hasattr(geoms, "geom_type"):
        geoms = geoms.values
    return np.asarray(geoms, dtype=object)


def footprint_measure(footprints) -> tuple[np.ndarray, np.ndarray]:
    """Dimension and size of each footprint.

    Parameters
    ----------
    footprints : array of shapely geometries
        In a metric CRS.

    Returns
    -------
    (dims, size)
        ``dims``: 2 for polygons, 1 for lines, 0 for points, -1 for missing or empty.
        ``size``: area [m²] for polygons, length [m] for lines, number of points for points.
    """
    fp = as_array(footprints)
    usable = ~shapely.is_missing(fp) & ~shapely.is_empty(fp)
    dims = np.full(len(fp), -1, dtype=int)
    dims[usable] = shapely.get_dimensions(fp[usable])
    size = np.zeros(len(fp))
    size[dims == 2] = shapely.area(fp[dims == 2])
    size[dims == 1] = shapely.length(fp[dims == 1])
    size[dims == 0] = shapely.get_num_geometries(fp[dims == 0])
    return dims, size


def geodesic_size(footprints, crs) -> np.ndarray:
    """The size of each footprint on the ellipsoid: area [m²] of a polygon, length [m] of a
    line (``pyproj.Geod`` of ``crs``'s datum, edges densified to 100 m), the number of points of
    a point; 0 for a missing or empty one. For footprints the working CRS was not chosen for
    (far outside the region, where its scale is off by percents); one geometry at a time.

    Parameters
    ----------
    footprints : array of shapely geometries
        In ``crs``.
    crs : pyproj.CRS
        A projected CRS.
    """
    import pyproj

    from layers.crs import transformer

    fp = as_array(footprints)
    dims, size = footprint_measure(fp)
    crs = pyproj.CRS.from_user_input(crs)
    to_ll = transformer(crs, crs.geodetic_crs)
    geod = crs.get_geod()
    for i in np.flatnonzero(dims >= 1):
        g = shapely.transform(shapely.segmentize(fp[i], 100.0),
                              lambda xy: np.column_stack(to_ll.transform(xy[:, 0], xy[:, 1])))
        area, length = geod.geometry_area_perimeter(g) if dims[i] == 2 else \
            (0.0, geod.geometry_length(g))
        size[i] = abs(area) if dims[i] == 2 else length
    return size
