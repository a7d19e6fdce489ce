"""What grows on the demo's degraded land now: forest, cultivated land and natural parks that
overlap the abandoned mines, slag heaps and subsidence land (synthetic, own random stream).

In Guizhou (forest cover above 55 %) degraded land is seldom bare. Reclaimed mine benches are
planted with arbor forest (柏木, 马尾松) or bamboo, old waste heaps and mine slopes grow shrub,
pits are backfilled and reclaimed as dry land (土地复垦 puts cultivated land first), coal-mining
subsidence land is largely still farmed, and some quarries lie beside or inside forest parks or
on land handed to a state forest farm for planting. The degraded-land inventories record what
the land was, the land survey (三调) and the forest map (林地一张图) what it is now, so the two
overlap, and a siting run must subtract the legal land classes from the candidates.

:data:`COVER` says, per patch, which share of it each land class takes; the shares are chosen
for the demo (so that the exclusions of the siting profiles have something to exclude), not
measured. Patches that carry a demo project get no cover, and every new feature keeps
:data:`MARGIN` from every demo project footprint (built in, and checked), so no screening verdict
changes.
"""

from __future__ import annotations

import numpy as np
import shapely

from layers.demo import land
from layers.demo.synth import blob, parts

MARGIN = land.MARGIN
"""Distance [m] every new feature keeps from every demo project footprint."""
RIM = 200.0
"""How far [m] a cover may reach beyond its patch (the other land classes keep this far off the
degraded land, so the cover joins the land around it)."""
MIN_STAND = 1e4
"""Smallest part [m²] kept as a forest stand."""

COVER: dict[str, list[tuple[str, float]]] = {
    # patch: [(land class, share of the patch outside red lines and farmland), ...]
    "M02": [("shrub", 0.25)],                      # shrub on the old benches
    "M03": [("arbor", 0.35)],                      # planted cypress on reclaimed benches
    "M05": [("arbor", 0.15), ("shrub", 0.20)],
    "M06": [("cultivated", 0.20)],                 # pit backfilled, reclaimed as dry land
    "M10": [("arbor", 0.30)],                      # planted by the state forest farm
    "M11": [("bamboo", 0.25)],                     # bamboo along the valley floor
    "M12": [("arbor", 0.45)],
    "M14": [("shrub", 0.35)],                      # coal mine beside a forest park (below)
    "S07": [("shrub", 0.15)],                      # fly ash heap grown over at its foot
    "S09": [("shrub", 0.50)],                      # old coal-gangue heap under shrub
    "D03": [("cultivated", 0.20), ("arbor", 0.10)],
    "D04": [("cultivated", 0.25)],                 # subsidence land still farmed
    "D06": [("cultivated", 0.30), ("shrub", 0.15)],
}
STATE_FOREST = {"M10": "修文县国有林场"}
"""Patches whose new forest belongs to a state forest farm (a detached work area 工区)."""
FOREST_PARKS = [("乌当区东山森林公园", "M13", 1.0, 1.6), ("花溪区南山森林公园", "M14", 0.3, 2.0)]
"""Forest parks 森林公园 over a patch: name, patch, share of the patch, radius [km]. The limestone
quarry M13 lies inside its park (quarries there were closed after the 绿盾 inspections); the coal
mine M14 lies on the edge of its park."""


def covers(rng: np.random.Generator, L: dict, footprints: dict) -> dict[str, list[dict]]:
    """New cultivated land, forest stands and forest parks on the degraded land (METRIC).

    ``L`` holds METRIC geometries: ``degraded`` (id → polygon), ``red``, ``farm``, ``urban``,
    ``parks`` (key → polygon), ``water``, ``villages``, ``grass``, ``cores``, ``rivers``,
    ``region``, ``cultivated`` (union), ``forest`` (stands), ``protected`` and ``reserves``
    (lists of dicts). ``footprints``: every demo project (id → geometry).

    Returns
    -------
    dict
        ``cultivated`` (dicts with ``land_class``), ``forest`` (stands without ids, see
        :func:`layers.demo.land.stand`) and ``protected`` (forest parks without ids).
    """
    u = shapely.union_all
    projects = u(list(footprints.values()))
    keep_off = projects.buffer(MARGIN)
    placed = u([L["cultivated"], u([s["geometry"] for s in L["forest"]])])
    never = u([L["urban"], u(list(L["parks"].values())), L["water"], L["villages"], L["grass"],
               keep_off])
    out: dict[str, list[dict]] = {"cultivated": [], "forest": [], "protected": []}
    for pid, plan in COVER.items():
        patch = L["degraded"][pid]
        open_land = patch.difference(u([L["red"], L["farm"]]))
        for what, share in plan:
            room = patch.buffer(RIM).difference(u([placed, never]))
            if what == "cultivated":
                room = room.difference(L["red"])
            piece = land.snap(_grow(rng, patch, room, open_land, share))
            got = piece.intersection(open_land).area / patch.area
            if got < 0.5 * share:
                raise RuntimeError(f"demo build: {what} covers {got:.0%} of {pid}, planned "
                                   f"{share:.0%}; change reclaimed.COVER")
            placed = placed.union(piece)
            if what == "cultivated":
                near = piece.distance(L["rivers"]) < 1500.0
                out["cultivated"].append({"land_class": "paddy" if near else "dry",
                                          "geometry": piece})
                continue
            pieces = [p for p in parts(piece) if p.area >= MIN_STAND]
            zones = {"grade1": L["cores"], "red": L["red"]}
            out["forest"] += [land.stand(rng, p, grade, pid in STATE_FOREST,
                                         STATE_FOREST.get(pid, ""), ftype=what)
                              for p, grade in zip(pieces, land.grades_at(pieces, zones))]
    avoid = u([projects, *(p["geometry"] for p in L["protected"]),
               *(r["geometry"] for r in L["reserves"])])
    for name, pid, share, radius in FOREST_PARKS:
        geom = _park(rng, L["degraded"][pid], share, radius * 1000.0, L["region"], avoid)
        out["protected"].append({"name": name, "category": "forest_park", "geometry": geom})
        avoid = avoid.union(geom)
    return out


def _grow(rng: np.random.Generator, patch, room, open_land, share: float):
    """The part of ``room`` under a blob grown from one side of ``patch`` until it covers
    ``share`` of the patch's area inside ``open_land`` (bisection on the blob's size)."""
    a = rng.uniform(0.0, 2 * np.pi)
    radius = np.sqrt(patch.area / np.pi)
    c = patch.centroid
    unit = blob(rng, 0.0, 0.0, 1.0, n=32, rough=0.3)

    def at(r):
        shape = shapely.affinity.scale(unit, r, r, origin=(0, 0))
        shape = shapely.affinity.translate(shape, c.x + radius * np.cos(a),
                                           c.y + radius * np.sin(a))
        return room.intersection(shape)

    lo, hi = 0.0, 3.0 * radius + RIM
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if at(mid).intersection(open_land).area < share * patch.area:
            lo = mid
        else:
            hi = mid
    return at(hi)


def _park(rng: np.random.Generator, patch, share: float, radius: float, region, avoid):
    """A park blob that covers ``share`` of ``patch`` and keeps :data:`MARGIN` from ``avoid``
    (tries directions until one fits)."""
    c = patch.centroid
    for _ in range(50):
        a = rng.uniform(0.0, 2 * np.pi)
        shape = blob(rng, 0.0, 0.0, radius, rough=0.3, aspect=float(rng.uniform(1.0, 1.6)),
                     angle=float(rng.uniform(0.0, 180.0)))

        def at(d, shape=shape, a=a):
            moved = shapely.affinity.translate(shape, c.x + d * np.cos(a), c.y + d * np.sin(a))
            return land.snap(moved.intersection(region))

        lo, hi = 0.0, 3.0 * radius
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            if at(mid).intersection(patch).area >= share * patch.area * (1 - 1e-9):
                lo = mid
            else:
                hi = mid
        geom = at(lo)
        if geom.distance(avoid) >= MARGIN:
            return geom
    raise RuntimeError("demo build: no place for a forest park that keeps clear of the demo "
                       "projects; change reclaimed.FOREST_PARKS")
