"""Demo projects that exercise the rules of the policy review (issue 9): land classes, reserve
zones, quasi water zones, rivers, geohazards, contaminated land, capacity replacement, claims.

Placed like :mod:`layers.demo.projects` (rejection sampling until the geometric facts hold), from
their own random stream and after the legal land layers (:mod:`layers.demo.land`).
"""

from __future__ import annotations

import numpy as np
import shapely

from layers.demo.landuse import search
from layers.demo.projects import ARRAY, _clear, _rect
from layers.demo.synth import polygonal

ANCILLARY = {"component": "ancillary"}

# id: (name, type, industry, facts, verdict, reason)
SPECS_LAW: dict[str, tuple] = {
    "P25": ("修文县农光互补光伏方阵（耕地）", "pv", "", ARRAY, "prohibited",
            "PV array on cultivated land outside the basic farmland (pv_array_cultivated; "
            "自然资办发〔2023〕12号: 光伏方阵用地不得占用耕地)"),
    "P26": ("修文县光伏电站升压站（配套设施）", "pv", "", ANCILLARY, "review",
            "PV ancillary facilities (booster station) on cultivated land: construction-land "
            "approval and farmland replacement (pv_ancillary_cultivated; 自然资办发〔2023〕12号)"),
    "P27": ("开阳县林地光伏电站（乔木林）", "pv", "", ARRAY, "prohibited",
            "PV array on arbor forest (pv_array_arbor_bamboo; 自然资办发〔2023〕12号: 林光互补仅限"
            "灌木林地)"),
    "P28": ("息烽县林光互补光伏（灌木林地）", "pv", "", ARRAY, "review",
            "PV array on shrub land with cover below 50 %: forest-PV conditions and forest-use "
            "approval (pv_array_shrub, pv_forest_land; 自然资办发〔2023〕12号)"),
    "P29": ("修文县国有林场风电场", "wind", "", {"capacity_mw": 40.0}, "prohibited",
            "wind farm in a state forest farm (wind_state_forest; 国家林草局/国家能源局风电场建设"
            "使用林地草地通知（2026）)"),
    "P30": ("乌江峡谷保护区实验区生态旅游驿站", "tourism", "",
            {"allowed_activity": "low_impact_tourism"}, "review",
            "low-impact tourism in a reserve's experimental zone (red line): provincial 认定意见 "
            "and reserve authority's consent (red_line_allowed_activity, "
            "nature_reserve_experimental; 自然保护区条例第三十二条)"),
    "P31": ("花溪高坡保护区一般控制区采石场", "mining", "", {}, "prohibited",
            "quarry in a nature reserve's general-control zone (nature_reserve_mining, red_line; "
            "自然保护区条例第二十六条)"),
    "P32": ("清镇市红枫湖准保护区造纸厂", "industrial", "papermaking", {}, "prohibited",
            "paper mill in the quasi zone of the 红枫湖 drinking-water source, outside every park "
            "(water_source_quasi_polluting, yangtze_belt_outside_park; 水污染防治法第六十七条)"),
    "P33": ("百花湖二级保护区食品加工厂", "industrial", "food_processing", {}, "prohibited",
            "food factory discharging pollutants in the grade-2 zone of 百花湖 "
            "(water_source_grade2_discharging; 水污染防治法第六十六条)"),
    "P34": ("开阳县乌江沿岸尾矿库", "mining", "tailings_pond", {}, "prohibited",
            "tailings pond within 1 km of the Wujiang, an important Yangtze tributary "
            "(yangtze_tailings_tributary_1km; 长江保护法第二十六条)"),
    "P35": ("开阳县110千伏升压站（地质灾害易发区）", "infrastructure", "", {}, "review",
            "substation in a geohazard-prone zone: geohazard risk assessment at the feasibility "
            "stage (geohazard_zone; 地质灾害防治条例第二十一条)"),
    "P36": ("云岩区原电镀厂地块住宅开发", "residential", "", {"risk_control_part": False},
            "prohibited", "housing on a site in the risk-control register, not part of its risk "
                          "control (contaminated_site_sensitive_use, contaminated_site_register; "
                          "土壤污染防治法第六十一条第二款、第六十六条第三款)"),
    "P37": ("息烽温泉风景名胜区风电场", "wind", "", {"capacity_mw": 20.0}, "prohibited",
            "wind farm in a scenic area, a protected area (wind_protected_area; 国家林草局/国家能源局"
            "风电场建设使用林地草地通知（2026）)"),
    "P38": ("息烽县水泥熟料技改项目（置换比例1.2:1）", "industrial", "cement_clinker",
            {"two_high": True, "capacity_replacement": True, "replacement_ratio": 1.2,
             "pollutant_offset": True}, "prohibited",
            "cement clinker with a replacement ratio of 1.2:1, below the 1.5:1 required outside "
            "the key regions (replacement_ratio_clinker; 工信部原〔2021〕80号)"),
    "P39": ("修文经济开发区新建项目（行业未填）", "industrial", "", {}, "review",
            "industrial project without an industry: industry rules not checked "
            "(industry_unknown, control_unit_key)"),
    "P40": ("息烽县光伏电站（申报国家重大能源项目）", "pv", "",
            {**ARRAY, "national_major": "energy", "national_major_doc": "（示例）黔能源〔2025〕2号"},
            "prohibited", "PV on permanent basic farmland; the national-major claim does not hold "
                          "for PV (basic_farmland; 自然资办发〔2023〕12号: 一律不得占用)"),
    "P41": ("修文县国道改线工程（国家重大交通项目）", "infrastructure", "",
            {"national_major": "transport", "national_major_doc": "（示例）交规划发〔2025〕3号"},
            "review", "national key transport project crossing basic farmland: State Council "
                      "approval (basic_farmland_national_major; 土地管理法第三十五条)"),
}


def place_law_projects(rng: np.random.Generator, L: dict) -> dict[str, shapely.Geometry]:
    """Footprints (METRIC) of :data:`SPECS_LAW`.

    ``L`` holds METRIC geometries: ``districts``, ``red``, ``farm``, ``urban``, ``parks``
    (key → polygon), ``water`` (grade 1 and 2), ``sources`` (list of dicts), ``reserves`` (list
    of zone dicts), ``wujiang`` (line), ``villages``, ``degraded`` (id → polygon),
    ``all_degraded``, ``cultivated``, ``forest`` (list of stands), ``grass``, ``protected`` and
    ``geohazard`` (lists of dicts), ``taken`` (the other projects' footprints).
    """
    u = shapely.union_all
    protected = u([p["geometry"] for p in L["protected"]])
    hazard = u([g["geometry"] for g in L["geohazard"]])
    forest = u([s["geometry"] for s in L["forest"]])
    reserves = u([r["geometry"] for r in L["reserves"]])
    quasi = u([s["geometry"] for s in L["sources"] if s["grade"] == "quasi"])
    parks = u(list(L["parks"].values()))
    base = u([L["red"], L["urban"], parks, L["water"], reserves, protected, hazard,
              L["villages"], L["grass"], L["all_degraded"], quasi])
    fp: dict[str, shapely.Geometry] = {}
    taken = [L["taken"]]

    def rect(container, area_ha, avoid, margin, what, extra=None, aspect=1.3):
        side = np.sqrt(area_ha * 1e4)
        inner, others = container.buffer(-30.0), u(taken)
        for g in (inner, avoid, others):
            shapely.prepare(g)

        def make(x, y):
            shape = _rect(x, y, side * aspect, side / aspect, rng.uniform(0, 90))
            if not inner.contains(shape) or not _clear(shape, avoid, margin):
                return None
            if not _clear(shape, others, 300.0):
                return None
            return shape if extra is None or extra(shape) else None
        found = search(rng, inner, make, what=what)
        taken.append(found)
        return found

    def spot(container, avoid, margin, what):
        others = u(taken)
        for g in (container, avoid, others):
            shapely.prepare(g)

        def make(x, y):
            p = shapely.Point(x, y)
            ok = _clear(p, avoid, margin) and _clear(p, others, 300.0)
            return p if ok and container.contains(p) else None
        found = search(rng, container, make, what=what)
        taken.append(found)
        return found

    stands = L["forest"]
    cultivated_only = L["cultivated"].difference(L["farm"])
    fp["P25"] = rect(cultivated_only, 4, u([base, forest, L["farm"]]), 60.0, "P25")
    fp["P26"] = rect(cultivated_only, 0.6, u([base, forest, L["farm"]]), 60.0, "P26")
    open_land = u([base, L["cultivated"], L["farm"]])
    arbor = u([s["geometry"] for s in stands if s["forest_type"] == "arbor"
               and s["protection_grade"] in ("III", "IV") and not s["state_forest"]])
    fp["P27"] = rect(arbor, 5, open_land, 60.0, "P27")
    shrub = u([s["geometry"] for s in stands if s["forest_type"] == "shrub"
               and s["protection_grade"] in ("III", "IV") and s["canopy_cover"] < 0.5
               and not s["state_forest"]])
    fp["P28"] = rect(shrub, 4, open_land, 60.0, "P28")
    state = u([s["geometry"] for s in stands if s["state_forest"]])
    fp["P29"] = rect(state, 15, u([L["villages"], L["water"], reserves]), 100.0, "P29")
    zones = {r["zone"]: r["geometry"] for r in L["reserves"]}
    fp["P30"] = rect(zones["experimental"], 1, L["water"], 100.0, "P30")
    fp["P31"] = rect(zones["general_control"], 5, L["water"], 100.0, "P31")
    by_name = {s["name"]: s["geometry"] for s in L["sources"]}
    keep_clear = u([L["red"], L["urban"], parks, L["villages"], reserves, L["all_degraded"]])
    fp["P32"] = spot(by_name["红枫湖饮用水水源保护区准保护区"], keep_clear, 150.0, "P32")
    fp["P33"] = spot(by_name["百花湖饮用水水源保护区二级保护区"], keep_clear, 150.0, "P33")
    near_wujiang = L["wujiang"].buffer(950.0).difference(L["wujiang"].buffer(600.0))
    fp["P34"] = rect(near_wujiang.intersection(L["region"]), 6,
                     u([L["red"], reserves, L["villages"], L["farm"], L["water"]]), 60.0, "P34",
                     extra=lambda s: 550.0 <= s.distance(L["wujiang"]) <= 950.0)
    fp["P35"] = rect(hazard, 0.5, u([L["red"], L["farm"], reserves, L["water"], protected,
                                     L["villages"], L["urban"], parks]), 60.0, "P35")
    fp["P36"] = shapely.simplify(L["degraded"]["C03"].buffer(-20.0, quad_segs=2), 5.0)
    taken.append(fp["P36"])
    fp["P37"] = rect(protected.intersection(L["districts"]["520122"]), 6,
                     u([L["villages"], L["water"], L["farm"]]), 100.0, "P37")
    fp["P38"] = spot(L["parks"]["xifeng"].buffer(-200.0), shapely.Point(), 0.0, "P38")
    fp["P39"] = spot(L["parks"]["xiuwen"].buffer(-200.0), shapely.Point(), 0.0, "P39")
    fp["P40"] = rect(L["farm"], 3, base, 60.0, "P40")
    fp["P41"] = _crossing(rng, L, u([L["red"], L["water"], reserves, L["villages"], protected,
                                     hazard, L["urban"], parks, u(taken)]))
    return fp


def _crossing(rng: np.random.Generator, L: dict, avoid) -> shapely.LineString:
    """A 2.5 km road re-alignment crossing basic farmland for 200–1200 m (修文县)."""
    zone = L["districts"]["520123"]
    target = polygonal(L["farm"].intersection(zone))
    ring = shapely.boundary(target)
    for p in shapely.line_interpolate_point(ring, rng.uniform(0, ring.length, 800)):
        a = rng.uniform(0, np.pi)
        dx, dy = np.cos(a) * 1250.0, np.sin(a) * 1250.0
        line = shapely.LineString([(p.x - dx, p.y - dy), (p.x + dx, p.y + dy)])
        inside = line.intersection(target).length
        if 200.0 <= inside <= 1200.0 and _clear(line, avoid, 100.0) and zone.contains(line):
            return line
    raise RuntimeError("demo build: no place found for P41")
