"""Windows: the parts of a layer a screening can need, as boxes, in any CRS.

A screening only ever looks at the features within some distance of its footprints. A *window*
is a box ``(minx, miny, maxx, maxy)`` around one footprint (or one tile of footprints) grown by
that distance, in the job's metric CRS. Reading a layer "near" a set of windows keeps every
feature whose bounding box meets one of them: a superset of the features within reach, never a
subset, so that results do not depend on how the work was split (see :mod:`geo.tiles`).

Boxes are carried to a layer's own CRS before its features are compared, with their corners and
edge midpoints transformed and a margin added for the curvature of edges between them.
"""

from __future__ import annotations

import hashlib

import numpy as np
import shapely

from layers.crs import WGS84, transformer
from layers.errors import CRSError

PAD_SHARE = 0.01
"""Margin added to a transformed box, as a share of its size (edges bow under a projection)."""
PAD_ABS = {"metre": 1.0, "degree": 1e-5}
"""Least margin added to a transformed box [layer units]: 1 m, or 1e-5° (about 1 m)."""


def grow(bounds: np.ndarray, distance: float) -> np.ndarray:
    """Boxes ``(n, 4)`` grown by ``distance`` on every side (NaN rows stay NaN)."""
    b = np.asarray(bounds, dtype=float).reshape(-1, 4)
    return b + np.array([-distance, -distance, distance, distance], dtype=float)


def boxes_to_crs(boxes: np.ndarray, src, dst) -> np.ndarray:
    """Boxes in ``src`` carried to ``dst`` as boxes that enclose them.

    Parameters
    ----------
    boxes : array (n, 4)
        ``(minx, miny, maxx, maxy)`` in ``src``; rows with NaN stay NaN.
    src, dst : pyproj.CRS

    Returns
    -------
    array (n, 4)
        The envelope of each box's corners and edge midpoints in ``dst``, grown by
        :data:`PAD_SHARE` of its size and at least :data:`PAD_ABS`.
    """
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    if src == dst or not len(b):
        return b.copy()
    x0, y0, x1, y1 = b.T
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    xs = np.stack([x0, xm, x1, x1, x1, xm, x0, x0], axis=1)
    ys = np.stack([y0, y0, y0, ym, y1, y1, y1, ym], axis=1)
    t = transformer(src, dst)
    tx, ty = t.transform(xs.ravel(), ys.ravel())
    tx, ty = np.asarray(tx).reshape(xs.shape), np.asarray(ty).reshape(ys.shape)
    with np.errstate(invalid="ignore"):
        out = np.stack([tx.min(axis=1), ty.min(axis=1), tx.max(axis=1), ty.max(axis=1)], axis=1)
    out[~np.isfinite(out).all(axis=1)] = np.nan
    unit = "degree" if dst.is_geographic else "metre"
    pad = np.maximum(np.maximum(out[:, 2] - out[:, 0], out[:, 3] - out[:, 1]) * PAD_SHARE,
                     PAD_ABS[unit])
    return out + np.stack([-pad, -pad, pad, pad], axis=1)


def windows_in(windows: np.ndarray, crs, to, made: dict) -> np.ndarray:
    """``windows`` (in ``crs``) carried to ``to`` (:func:`boxes_to_crs`), once per CRS.

    Parameters
    ----------
    windows : array (n, 4)
        Boxes in ``crs``.
    crs, to : pyproj.CRS
    made : dict
        The windows carried so far, by the WKT of the CRS carried to (None for none): a view of
        100,000 project windows is read for every layer, most often all in one source CRS.
    """
    key = None if to is None else to.to_wkt()
    if key not in made:
        made[key] = boxes_to_crs(windows, crs, to)
    return made[key]


COVER_BOXES = 32
"""Most boxes a window read asks a file for (each is one more term of its row filter)."""


def cover(boxes: np.ndarray, most: int = COVER_BOXES) -> np.ndarray:
    """At most ``most`` boxes that together cover every (finite) box of ``boxes``.

    Windows near each other (in the Hilbert order of their centres) are joined into one box, so
    that a read asks for a few compact boxes rather than for the one box around every window (a
    province-wide box for 30 report images spread over a province).

    Returns
    -------
    ndarray (k, 4)
        ``k <= most``; empty when no box is finite.
    """
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    b = b[np.isfinite(b).all(axis=1)]
    if len(b) <= most:
        return b
    return _once(("cover", most), b, lambda: _cover(b, most)).copy()


def _cover(b: np.ndarray, most: int) -> np.ndarray:
    """:func:`cover` of more than ``most`` finite boxes."""
    import geopandas as gpd

    centres = gpd.GeoSeries(shapely.points((b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2))
    order = np.argsort(centres.hilbert_distance(total_bounds=centres.total_bounds),
                       kind="stable")
    groups = [b[part] for part in np.array_split(order, most)]
    return np.array([[g[:, 0].min(), g[:, 1].min(), g[:, 2].max(), g[:, 3].max()]
                     for g in groups])


def meets(geoms, boxes: np.ndarray) -> np.ndarray:
    """Which geometries have a bounding box that meets one of ``boxes`` (same CRS).

    Parameters
    ----------
    geoms : array of shapely geometries
        Missing or empty geometries never meet.
    boxes : array (n, 4)

    Returns
    -------
    ndarray of bool
        One value per geometry.
    """
    g = np.asarray(geoms, dtype=object)
    out = np.zeros(len(g), dtype=bool)
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    b = b[np.isfinite(b).all(axis=1)]
    if not len(g) or not len(b):
        return out
    tree = _once("tree", b, lambda: shapely.STRtree(shapely.box(*b.T)))
    hit, _ = tree.query(g)  # envelope test only: no predicate
    out[hit] = True  # (a feature meeting several windows is set several times)
    return out


_MADE: dict = {}
"""The last :data:`_KEPT` covers and window trees made, by what and the windows' bytes: a map or
a screening reads every layer by the same 100,000 windows (0.2 s each for the tree, 0.15 s for
the cover)."""
_KEPT = 4


def _once(what, boxes: np.ndarray, make):
    """``make()``, or what it gave for the same ``what`` and the same ``boxes`` (bit for bit)."""
    key = (what, boxes.shape, hashlib.blake2b(np.ascontiguousarray(boxes).tobytes(),
                                              digest_size=16).digest())
    if key not in _MADE:
        while len(_MADE) >= _KEPT:
            _MADE.pop(next(iter(_MADE)))
        _MADE[key] = make()
    return _MADE[key]


def lonlat_bounds(geoms) -> np.ndarray:
    """``geoms.to_crs(WGS84).total_bounds`` of a GeoSeries, without building the transformed
    geometries: the vertices of the few geometries that can hold an extreme one (their boxes
    carried to lon/lat with :func:`boxes_to_crs`, widened) are moved as ``to_crs`` moves them,
    so the result is the same to the bit (100,000 footprints, 4.4 million vertices: 0.34 s,
    all vertices 1.0 s, ``to_crs`` 1.8 s), and none when the transformation is the identity
    (CGCS2000 and WGS84 lon/lat, as PROJ has them).

    Parameters
    ----------
    geoms : GeoSeries
        With a CRS; missing and empty geometries are ignored (all NaN when nothing is left).
    """
    if geoms.crs is None:
        raise CRSError("cannot place geometries without a CRS; the toolkit never guesses one")
    bounds = np.asarray(geoms.total_bounds, dtype=float)
    if not np.isfinite(bounds).all():
        return bounds
    t = transformer(geoms.crs, WGS84)
    if geoms.crs.is_geographic:
        xs, ys = t.transform(bounds[[0, 2, 0, 2]], bounds[[1, 1, 3, 3]])
        if np.array_equal(xs, bounds[[0, 2, 0, 2]]) and np.array_equal(ys, bounds[[1, 1, 3, 3]]):
            return bounds  # the identity: every vertex would stay where it is
    g = np.asarray(geoms.values, dtype=object)
    g = g[~(shapely.is_missing(g) | shapely.is_empty(g))]
    # only geometries whose lon/lat box (widened far beyond how much an edge bows between the
    # points boxes_to_crs samples) could hold an extreme vertex: a few, not every vertex
    box = boxes_to_crs(shapely.bounds(g), geoms.crs, WGS84)
    box = box + np.outer(np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1]) * 0.1,
                         [-1, -1, 1, 1])
    w, s, e, n = box.T
    with np.errstate(invalid="ignore"):
        may = ~np.isfinite(box).all(axis=1) | (w <= np.nanmin(e)) | (e >= np.nanmax(w)) | \
            (s <= np.nanmin(n)) | (n >= np.nanmax(s))
    xy = shapely.get_coordinates(g[may])
    lon, lat = t.transform(xy[:, 0], xy[:, 1])
    return np.array([np.nanmin(lon), np.nanmin(lat), np.nanmax(lon), np.nanmax(lat)])
