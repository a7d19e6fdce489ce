"""Wind turbine layout: whole turbines on a site's usable land, in a staggered row packing.

Rows run across the prevailing wind, ``spacing_downwind_d`` rotor diameters apart; within a row the
turbines stand ``spacing_crosswind_d`` diameters apart, every other row shifted by half a spacing
(a staggered, near-hexagonal packing). A turbine stands where its foundation fits: on the usable
land eroded by ``foundation_radius_m``. The lattice is anchored in absolute coordinates and tried
at a fixed set of offsets over one lattice cell; the offset that holds most turbines wins. If no
offset holds one but the eroded land is not empty, one turbine stands at a point inside it. With
absolute offsets the count never falls when the land grows (a larger site holds at least as many
turbines as any site inside it).

Sites are laid out one by one, so :func:`spacing_conflicts` then drops the turbines of one site
that stand inside the spacing ellipse of a turbine of another (neighbouring or overlapping
sites); :func:`keep_spacing` says so in the sites' notes and a run-wide warning.
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


def spacing_conflicts(pos: list[np.ndarray], along_m: float, across_m: float,
                      direction_deg: float = 0.0) -> tuple[list[np.ndarray], np.ndarray]:
    """Drop the turbines that stand closer than the spacing to a turbine of another site.

    Each site is laid out on its own (:func:`layout`), so across a shared edge, or on shared
    land, two sites' turbines can stand closer than the spacing that holds within a site. Two
    turbines are too close when the one lies inside the other's spacing ellipse: semi-axes
    ``along_m`` along the prevailing wind and ``across_m`` across it (the staggered lattice of
    one site keeps its own turbines on or outside it). Sites are placed in priority order — the
    site holding more turbines first, then input order — and a later site loses each turbine
    too close to a turbine already kept.

    Parameters
    ----------
    pos : list of numpy.ndarray (n_i, 2)
        Turbine positions per site [m, metric CRS], as returned by :func:`layout`.
    along_m, across_m : float
        Spacing along and across the prevailing wind [m].
    direction_deg : float
        Prevailing wind direction [° clockwise from north].

    Returns
    -------
    kept : list of numpy.ndarray (m_i, 2)
        The positions each site keeps [m], ``m_i <= n_i``.
    dropped : numpy.ndarray of shape (k, 3), int
        One row per (kept site, site that lost turbines to it, turbines lost): site indices into
        ``pos``; a turbine too close to turbines of several sites counts for each of them.
    """
    lens = np.array([len(p) for p in pos], dtype=int)
    none = np.empty((0, 3), dtype=int)
    if lens.sum() == 0 or (lens > 0).sum() < 2:
        return list(pos), none
    xy = np.vstack([p for p in pos if len(p)])
    site = np.repeat(np.arange(len(pos)), lens)
    points = shapely.points(xy)
    i, j = shapely.STRtree(points).query(points, predicate="dwithin",
                                         distance=max(along_m, across_m))
    other = site[i] != site[j]
    i, j = i[other], j[other]
    uv = (xy[j] - xy[i]) @ _frame(direction_deg)
    close = (uv[:, 0] / along_m) ** 2 + (uv[:, 1] / across_m) ** 2 < 1 - 1e-9
    i, j = i[close], j[close]
    if not len(i):
        return list(pos), none
    order = np.empty(len(pos), dtype=int)
    order[np.lexsort((np.arange(len(pos)), -lens))] = np.arange(len(pos))  # 0: placed first
    first = order[site[i]] < order[site[j]]
    a, b = i[first], j[first]  # a's site placed before b's: b yields
    kept = np.ones(len(xy), dtype=bool)
    for k in sorted(np.unique(site[b]), key=lambda s: order[s]):
        mine = site[b] == k
        kept[np.unique(b[mine & kept[a]])] = False  # earlier sites are settled already
    lost = ~kept[b] & kept[a]
    pairs = np.unique(np.column_stack([site[a[lost]], site[b[lost]], b[lost]]), axis=0)
    keys, counts = np.unique(pairs[:, :2], axis=0, return_counts=True)
    start = np.concatenate([[0], np.cumsum(lens)])
    return ([p[kept[start[s]:start[s + 1]]] for s, p in enumerate(pos)],
            np.column_stack([keys, counts]).astype(int))


def keep_spacing(df, rows: np.ndarray, pos: list[np.ndarray], rotor_diameter_m: float,
                 along_d: float, across_d: float, direction_deg: float, run) -> list[np.ndarray]:
    """Apply :func:`spacing_conflicts` to a wind result and say so.

    A site that lost turbines has its ``notes`` name the sites it lost them to and the count
    left (its capacity and yield are then computed on these); one that lost them all becomes
    ``too_small`` with that ``reason``; a site that kept its turbines has its ``notes`` name the
    neighbours that lost theirs. ``run.meta["turbine_spacing"]`` holds the warning naming the
    pairs.

    Parameters
    ----------
    df : DataFrame
        The sites (``site_id``, ``status``, ``reason``, ``notes``); changed in place.
    rows : numpy.ndarray of int
        Positional index into ``df`` of each entry of ``pos``.
    pos : list of numpy.ndarray (n_i, 2)
        Each site's own layout [m, metric CRS].
    rotor_diameter_m : float
        Rotor diameter [m].
    along_d, across_d : float
        Spacing along and across the prevailing wind [rotor diameters].
    direction_deg : float
        Prevailing wind direction [° clockwise from north].
    run
        The run: its ``notes`` and ``meta`` receive the warning.

    Returns
    -------
    list of numpy.ndarray (m_i, 2)
        The positions kept per site [m].
    """
    from geo.site_flags import append, say

    kept, lost = spacing_conflicts(pos, along_d * rotor_diameter_m, across_d * rotor_diameter_m,
                                   direction_deg)
    if not len(lost):
        return kept
    ids = df["site_id"].astype(str).to_numpy()[rows]
    n0 = np.array([len(p) for p in pos])
    n1 = np.array([len(p) for p in kept])
    gap = f"{along_d:g} D downwind / {across_d:g} D crosswind"
    loser, winner = {}, {}
    for a, b, c in lost:
        loser.setdefault(int(b), []).append(f"{ids[a]} ({c})")
        winner.setdefault(int(a), []).append(f"{ids[b]} ({c})")
    for k, names in loser.items():
        left = (f"capacity and yield count the {n1[k]} left / 容量与发电量按剩余 {n1[k]} 台计"
                if n1[k] else "no turbine left: not ranked, not in the totals / 无剩余风机，"
                "未排名、未计入合计")
        text = (f"{n0[k] - n1[k]} of its {n0[k]} turbine(s) dropped, closer than the spacing "
                f"({gap}) to turbines of {', '.join(names)} placed first / {n0[k] - n1[k]} 台风机"
                f"与相邻地块 {', '.join(names)} 的风机间距小于 {along_d:g}D/{across_d:g}D，已删去; "
                + left)
        row = np.zeros(len(df), dtype=bool)
        row[rows[k]] = True
        if n1[k] == 0:
            append(df, row, text)
            df.loc[row, "status"] = "too_small"
        else:
            append(df, row, text, "notes")
    for k, names in winner.items():
        row = np.zeros(len(df), dtype=bool)
        row[rows[k]] = True
        append(df, row, f"kept its turbines; {', '.join(names)} lost turbines standing closer "
               f"than the spacing to them / 本地块风机保留，相邻地块 {', '.join(names)} 因间距"
               "不足删去风机", "notes")
    pairs = ", ".join(f"{ids[a]}+{ids[b]} ({c})" for a, b, c in lost[:5])
    total = int((n0 - n1).sum())
    say(run, "turbine_spacing", (
        f"{len(lost)} pair(s) of sites whose own layouts put turbines closer than the spacing "
        f"({gap}): {pairs}{' …' if len(lost) > 5 else ''}; {total} turbine(s) of the second "
        f"site of each pair dropped, not counted in capacity, yield or totals — the site with "
        f"more turbines was placed first; choose which to build / {len(lost)} 对相邻地块风机间距"
        f"小于 {along_d:g}D/{across_d:g}D（{pairs}），已删去后者 {total} 台风机，不计入容量、发电量"
        "与合计，请决定保留哪一地块"))
    return kept
