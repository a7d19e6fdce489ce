"""Synthetic land use of the demo: villages, degraded land, roads and substations.

Degraded-land patches are placed by rejection sampling with a *mode*: ``clean`` patches keep a
margin from every exclusion (they carry the demo's admitted projects), ``red`` and ``farm``
patches deliberately straddle a red line or basic farmland (so that siting exclusions matter),
``nored`` ones avoid red lines and farmland only, ``any`` ones only avoid water sources.
"""

from __future__ import annotations

import numpy as np
import shapely

from layers.demo.synth import blob_of_area, line, point, polygonal, sample_points, wiggle

MARGIN = 300.0
"""Distance every ``clean`` patch keeps from red lines, farmland, towns, parks, sources [m]."""

# (id, kind, district, attribute value, area [ha], mode, near) — near: a park key or None.
DEGRADED = [
    ("M01", "abandoned_mine", "520122", "磷矿", 60, "clean", None),
    ("M02", "abandoned_mine", "520122", "磷矿", 40, "red", None),
    ("M03", "abandoned_mine", "520122", "磷矿", 25, "any", None),
    ("M04", "abandoned_mine", "520121", "磷矿", 120, "clean_remote", None),
    ("M05", "abandoned_mine", "520121", "磷矿", 80, "red", None),
    ("M06", "abandoned_mine", "520121", "磷矿", 30, "farm", None),
    ("M07", "abandoned_mine", "520181", "煤", 90, "clean_village", None),
    ("M08", "abandoned_mine", "520181", "煤", 20, "any", None),
    ("M09", "abandoned_mine", "520181", "铝土矿", 45, "red", None),
    ("M10", "abandoned_mine", "520123", "铝土矿", 35, "any", None),
    ("M11", "abandoned_mine", "520123", "煤", 15, "farm", None),
    ("M12", "abandoned_mine", "520113", "铝土矿", 25, "any", None),
    ("M13", "abandoned_mine", "520112", "石灰岩", 12, "red", None),
    ("M14", "abandoned_mine", "520111", "煤", 18, "any", None),
    ("S01", "slag_heap", "520121", "phosphogypsum", 70, "clean", "kaiyang"),
    ("S02", "slag_heap", "520121", "phosphogypsum", 40, "any", "kaiyang"),
    ("S03", "slag_heap", "520122", "phosphogypsum", 55, "any", "xifeng"),
    ("S04", "slag_heap", "520122", "phosphogypsum", 30, "red", "xifeng"),
    ("S05", "slag_heap", "520181", "red_mud", 60, "clean_west", "qingzhen"),
    ("S06", "slag_heap", "520181", "red_mud", 35, "farm", "qingzhen"),
    ("S07", "slag_heap", "520181", "fly_ash", 25, "any", None),
    ("S08", "slag_heap", "520123", "coal_gangue", 10, "any", None),
    ("S09", "slag_heap", "520181", "coal_gangue", 8, "red", None),
    ("D01", "subsidence_area", "520181", True, 110, "clean", None),
    ("D02", "subsidence_area", "520181", False, 80, "clean", None),
    ("D03", "subsidence_area", "520181", False, 150, "red", None),
    ("D04", "subsidence_area", "520123", True, 60, "farm", None),
    ("D05", "subsidence_area", "520123", False, 40, "any", None),
    ("D06", "subsidence_area", "520111", True, 35, "any", None),
    ("L01", "closed_landfill", "520112", 2019, 30, "clean", None),
    ("L02", "closed_landfill", "520113", 2021, 20, "any", None),
    ("L03", "closed_landfill", "520121", 2018, 15, "any", None),
    ("C01", "contaminated_site", "520102", True, 12, "nored", None),
    ("C02", "contaminated_site", "520102", False, 8, "any", None),
    ("C03", "contaminated_site", "520103", True, 6, "any", None),
    ("C04", "contaminated_site", "520113", False, 15, "any", None),
    ("C05", "contaminated_site", "520181", True, 20, "any", "qingzhen"),
    ("C06", "contaminated_site", "520181", False, 10, "any", None),
    ("C07", "contaminated_site", "520121", True, 18, "any", "kaiyang"),
    ("C08", "contaminated_site", "520112", False, 9, "any", None),
]
ATTRIBUTE = {"abandoned_mine": "mineral", "slag_heap": "material", "subsidence_area": "stable",
             "closed_landfill": "closed_year", "contaminated_site": "in_risk_register"}
_MATERIAL_ZH = {"phosphogypsum": "磷石膏", "red_mud": "赤泥", "fly_ash": "粉煤灰",
                "coal_gangue": "煤矸石"}
_LANDFILL = {"L01": "高雁生活垃圾填埋场（已封场）", "L02": "比例坝生活垃圾填埋场（已封场）",
             "L03": "开阳县城关生活垃圾填埋场（已封场）"}
_SITE = {"C01": "原南明化工厂地块", "C02": "原机械厂地块", "C03": "原云岩电镀厂地块",
         "C04": "原白云铝厂地块", "C05": "原清镇铝业渣场周边地块", "C06": "原清镇焦化厂地块",
         "C07": "原开阳黄磷厂地块", "C08": "原乌当制药厂地块"}

_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林龙潘罗石韦")
_SUFFIXES = ["寨", "坝", "湾", "院", "庄", "坡", "冲", "堡", "田", "沟"]
_PREFIXES = ["大", "小", "新", "老", "上", "下", "中", "高"]


def village_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct plausible village names (X家寨, 新寨村 ...)."""
    pool = sorted({f"{s}家{x}" for s in _SURNAMES for x in _SUFFIXES}
                  | {f"{p}{x}村" for p in _PREFIXES for x in _SUFFIXES})
    return [str(v) for v in rng.choice(pool, size=n, replace=False)]


def search(rng: np.random.Generator, region: shapely.Geometry, make, tries: int = 6000,
            what: str = "feature"):
    """Try random points of ``region`` until ``make(x, y)`` returns a geometry."""
    done = 0
    while done < tries:
        for x, y in sample_points(rng, region, 100):
            found = make(float(x), float(y))
            if found is not None:
                return found
        done += 100
    raise RuntimeError(f"demo build: no place found for {what} after {tries} tries")


def settlements(rng: np.random.Generator, region: shapely.Geometry, exclude: shapely.Geometry,
                farmland: shapely.Geometry, slope_at, n: int = 90) -> list[dict]:
    """Villages on gentle ground near farmland, outside red lines, towns, parks and fields."""
    near_fields = farmland.buffer(1200.0).intersection(region).difference(exclude.buffer(150.0))
    names = village_names(rng, n)
    out: list[dict] = []
    taken = shapely.MultiPolygon()
    for k in range(n):
        area = float(rng.uniform(4.0, 30.0))

        def make(x, y, area=area, taken=taken):
            if slope_at(x, y) > 14.0:
                return None
            shape = blob_of_area(rng, x, y, area, n=20, rough=0.3)
            if shape.intersects(farmland) or shape.distance(taken) < 400.0:
                return None
            return shape if near_fields.contains(shape) else None

        shape = search(rng, near_fields, make, what="a village")
        taken = taken.union(shape)
        population = int(round(area * rng.uniform(25.0, 55.0), -1))
        out.append({"id": f"V{k + 1:03d}", "name": names[k], "population": population,
                    "geometry": shape})
    return out


def degraded_land(rng: np.random.Generator, districts: dict[str, shapely.Geometry],
                  layers: dict[str, shapely.Geometry], parks: dict[str, shapely.Geometry],
                  villages: shapely.Geometry) -> list[dict]:
    """The degraded-land patches of :data:`DEGRADED` (METRIC), with their kind attribute."""
    red, farm = layers["red"], layers["farm"]
    towns, sources, reserves = layers["urban"], layers["water"], layers["reserves"]
    parks_all = shapely.union_all(list(parks.values()))
    exclusions = shapely.union_all([red, farm, towns, parks_all, sources, reserves])
    for g in (red, farm, exclusions, villages):
        shapely.prepare(g)
    out: list[dict] = []
    taken = shapely.MultiPolygon()
    counters: dict[tuple, int] = {}
    for pid, kind, code, value, area, mode, near in DEGRADED:
        district = districts[code].buffer(-200.0)
        zone = district
        if near is not None:
            zone = parks[near].buffer(4500.0).difference(parks[near].buffer(500.0)).intersection(
                district)
        elif kind == "contaminated_site":
            zone = towns.union(parks_all).buffer(1500.0).intersection(district)
        elif kind == "closed_landfill":
            zone = towns.buffer(9000.0).difference(towns.buffer(2500.0)).intersection(district)
        if mode == "clean_west":
            zone = zone.intersection(shapely.box(-1e9, -1e9, point(106.49, 26.6).x, 1e9))

        def make(x, y, area=area, mode=mode, kind=kind, district=district, taken=taken):
            shape = blob_of_area(rng, x, y, area, n=28, rough=0.35)
            if not district.contains(shape) or shape.distance(taken) < 150.0:
                return None
            if shape.intersects(sources) or shape.distance(villages) < 60.0:
                return None
            if kind != "contaminated_site" and shape.intersects(towns.union(parks_all)):
                return None
            if mode.startswith("clean"):
                if shape.distance(exclusions) < MARGIN:
                    return None
                gap = shape.distance(villages)
                if mode == "clean_remote" and gap < 1000.0:
                    return None
                if mode == "clean_village" and not 120.0 < gap < 350.0:
                    return None
            elif mode == "nored":
                if shape.distance(shapely.union_all([red, farm, reserves])) < MARGIN:
                    return None
            elif mode in ("red", "farm"):
                target = red if mode == "red" else farm
                share = shape.intersection(target).area / shape.area
                if not 0.15 <= share <= 0.6 or (mode == "farm" and shape.intersects(red)):
                    return None
            return shape

        shape = search(rng, zone, make, what=f"degraded patch {pid}")
        taken = taken.union(shape)
        label = _MATERIAL_ZH.get(value, value) if kind in ("abandoned_mine", "slag_heap") else ""
        n = counters[(kind, code, label)] = counters.get((kind, code, label), 0) + 1
        out.append({"id": pid, "kind": kind, "district": code, ATTRIBUTE[kind]: value,
                    "name": _name(pid, kind, code, label, n), "geometry": shape})
    return out


def _name(pid: str, kind: str, code: str, label: str, n: int) -> str:
    from layers.demo.places import DISTRICTS

    district = DISTRICTS[code][0]
    if kind == "abandoned_mine":
        return f"{district}{label}废弃矿山{n}号"
    if kind == "slag_heap":
        return f"{district}{label}堆场{n}号"
    if kind == "subsidence_area":
        return f"{district}采煤沉陷区{n}号"
    if kind == "closed_landfill":
        return _LANDFILL[pid]
    return _SITE[pid]


ROADS = [
    ("G75兰海高速", "expressway", [(106.713, 26.600), (106.660, 26.700), (106.675, 26.790),
                                  (106.700, 26.920), (106.742, 27.085), (106.770, 27.320)]),
    ("G60沪昆高速", "expressway", [(106.200, 26.430), (106.470, 26.500), (106.620, 26.520),
                                  (106.800, 26.515), (107.050, 26.480)]),
    ("贵阳至开阳高速", "expressway", [(106.755, 26.630), (106.840, 26.780), (106.930, 26.930),
                                    (106.965, 27.057), (107.000, 27.200)]),
    ("贵阳至毕节高速", "expressway", [(106.623, 26.646), (106.470, 26.600), (106.300, 26.720),
                                    (106.160, 26.840)]),
    ("G210国道", "national", [(106.713, 26.600), (106.600, 26.720), (106.592, 26.838),
                             (106.680, 26.980), (106.740, 27.090), (106.760, 27.250)]),
    ("G321国道", "national", [(106.300, 26.500), (106.470, 26.556), (106.620, 26.580),
                             (106.714, 26.568), (106.900, 26.560), (107.030, 26.600)]),
    ("S205省道", "provincial", [(106.740, 27.090), (106.850, 27.080), (106.965, 27.057),
                               (107.100, 27.000)]),
    ("S102省道", "provincial", [(106.670, 26.410), (106.560, 26.470), (106.470, 26.556)]),
    ("修文至开阳县道", "county", [(106.592, 26.838), (106.800, 26.950), (106.965, 27.057)]),
    ("花溪至高坡县道", "county", [(106.670, 26.410), (106.760, 26.380), (106.840, 26.300)]),
]


def roads(rng: np.random.Generator, region: shapely.Geometry) -> list[dict]:
    """Main roads between the towns, plus the Guiyang ring expressway."""
    out = []
    for k, (name, cls, pts) in enumerate(ROADS, start=1):
        geom = wiggle(rng, line(pts), spacing=1500.0, amplitude=250.0)
        out.append({"id": f"R{k:02d}", "name": name, "road_class": cls, "geometry": geom})
    c = point(106.700, 26.590)
    t = np.linspace(0, 2 * np.pi, 73)
    r = 12500.0 * (1 + 0.08 * np.sin(3 * t + 0.5))
    ring = shapely.LineString(np.column_stack([c.x + r * np.cos(t), c.y + 1.1 * r * np.sin(t)]))
    out.append({"id": f"R{len(ROADS) + 1:02d}", "name": "贵阳绕城高速", "road_class": "expressway",
                "geometry": ring})
    for road in out:
        road["geometry"] = road["geometry"].intersection(region.buffer(1000.0))
    return out


SUBSTATIONS = [
    (500, "息烽500kV变电站", 106.700, 27.120), (500, "清镇500kV变电站", 106.380, 26.700),
    (500, "贵阳东500kV变电站", 106.850, 26.580),
    (220, "开阳220kV变电站", 106.990, 27.080), (220, "息烽220kV变电站", 106.760, 27.060),
    (220, "修文220kV变电站", 106.620, 26.860), (220, "清镇220kV变电站", 106.450, 26.590),
    (220, "花溪220kV变电站", 106.690, 26.440), (220, "观山湖220kV变电站", 106.600, 26.660),
    (220, "乌当220kV变电站", 106.790, 26.650), (220, "开阳化工园220kV变电站", 106.930, 27.160),
]


def substations(rng: np.random.Generator, region: shapely.Geometry, avoid: shapely.Geometry,
                villages: list[dict]) -> list[dict]:
    """500/220 kV substations near towns and parks, 110 kV ones near villages."""
    out = []
    specs = list(SUBSTATIONS)
    for v in rng.choice(len(villages), size=14, replace=False):
        c = villages[int(v)]["geometry"].centroid
        specs.append((110, f"{villages[int(v)]['name']}110kV变电站", c, None))
    for k, (kv, name, a, b) in enumerate(specs, start=1):
        c = a if b is None else point(a, b)
        for _ in range(200):
            x, y = c.x + rng.normal(0, 600.0), c.y + rng.normal(0, 600.0)
            p = shapely.Point(x, y)
            if region.contains(p) and p.distance(avoid) > 100.0:
                break
        else:
            raise RuntimeError(f"demo build: no place for substation {name}")
        out.append({"id": f"SS{k:02d}", "name": name, "voltage_kv": float(kv), "geometry": p})
    return out


def layer_union(features: list[dict]) -> shapely.Geometry:
    """Union of the ``geometry`` of feature dicts (polygonal part)."""
    return polygonal(shapely.union_all([f["geometry"] for f in features]))
