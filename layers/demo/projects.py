"""The demo project list: about twenty projects placed deliberately against the generated layers.

Each project is placed by rejection sampling until its geometric facts hold (e.g. the PV plant
that crosses a red line has 20–60 % of its area in it; admitted projects keep 300 m from red lines,
farmland, towns, parks, water sources and reserves and lie mostly on a degraded patch). Its
expected verdict and the reason, with the policy the default rule set rests on, go with it.
"""

from __future__ import annotations

import numpy as np
import shapely

from layers.demo.landuse import search as _search

_PV_MW_PER_HA = 0.6  # mountain PV, fixed tilt, current modules [MW/ha]

ARRAY = {"component": "array"}

# id: (name, type, industry, facts, verdict, reason); a fact not given is blank (unknown)
SPECS: dict[str, tuple] = {
    "P01": ("息烽县磷矿废弃矿山光伏电站", "pv", "", ARRAY, "admitted",
            "PV mostly on an abandoned phosphate mine, clear of every exclusion: encouraged "
            "(degraded_land_encouraged; 贵阳贵安减污降碳协同增效实施方案)"),
    "P02": ("开阳县废弃磷矿风电场", "wind", "", {"capacity_mw": 50.0}, "admitted",
            "wind mostly on an abandoned mine, >1 km from villages: encouraged "
            "(degraded_land_encouraged; 贵阳贵安减污降碳协同增效实施方案)"),
    "P03": ("开阳县磷石膏堆场光伏电站", "pv", "", ARRAY, "admitted",
            "PV mostly on a phosphogypsum heap, clear of every exclusion: encouraged "
            "(degraded_land_encouraged)"),
    "P04": ("修文县山地光伏电站", "pv", "", ARRAY, "prohibited",
            "PV occupies the ecological red line (red_line; 自然资发〔2022〕142号)"),
    "P05": ("息烽县农光互补光伏项目", "pv", "", ARRAY, "prohibited",
            "PV occupies permanent basic farmland, which is cultivated land too (basic_farmland, "
            "pv_array_cultivated; 土地管理法第三十五条, 自然资办发〔2023〕12号)"),
    "P06": ("清镇市短流程炼钢项目", "industrial", "steel",
            {"two_high": True, "capacity_replacement": False, "pollutant_offset": False},
            "prohibited",
            "steel without secured capacity replacement or offsets, outside every park in the "
            "Yangtze Economic Belt (capacity_replacement, pollutant_offset, "
            "yangtze_belt_outside_park; 工信部原〔2021〕46号, 环环评〔2021〕45号); changed by issue 9: "
            "missing offsets are now prohibited, not review"),
    "P07": ("开阳县磷酸铁锂前驱体项目", "industrial", "chemical",
            {"two_high": True, "pollutant_offset": True}, "review",
            "chemical project in a compliant chemical park >1 km from rivers; only the key-control "
            "unit's access list to check (control_unit_key; 环环评〔2021〕45号)"),
    "P08": ("清镇市精细化工项目", "industrial", "chemical",
            {"two_high": True, "pollutant_offset": True}, "prohibited",
            "chemical project in the aluminium park, whose list prohibits chemicals "
            "(park_prohibits_industry, control_unit_prohibited_industry; 环环评〔2021〕45号)"),
    "P09": ("开阳县湿法磷酸精制项目", "industrial", "chemical",
            {"two_high": True, "pollutant_offset": True}, "prohibited",
            "chemical project within 1 km of the 洋水河, a Yangtze tributary "
            "(yangtze_tributary_chemical_1km; 长江保护法第二十六条: 干支流岸线一公里); changed by "
            "issue 9: the 洋水河 is not an important tributary, the tributary rule applies"),
    "P10": ("息烽县水泥熟料生产线（产能置换）", "industrial", "cement_clinker",
            {"two_high": True, "capacity_replacement": True, "replacement_ratio": 1.5,
             "pollutant_offset": True}, "review",
            "cement clinker with capacity replacement and offsets in a park that admits it; "
            "key-control unit access list to check (control_unit_key; 工信部原〔2021〕80号)"),
    "P11": ("息烽县新建水泥熟料生产线", "industrial", "cement_clinker",
            {"two_high": True, "capacity_replacement": False, "pollutant_offset": True},
            "prohibited",
            "cement clinker without capacity replacement (capacity_replacement; "
            "工信部原〔2021〕80号)"),
    "P12": ("贵阳高新区沙文数据中心", "industrial", "data_center", {}, "review",
            "data centre in an industrial park that admits it; key-control unit "
            "(control_unit_key; 三线一单准入清单)"),
    "P13": ("开阳县县道改扩建工程", "infrastructure", "",
            {"allowed_activity": "linear_infrastructure"}, "review",
            "road crosses the red line as unavoidable linear infrastructure: provincial 认定意见 "
            "needed (red_line_allowed_activity; 自然资发〔2022〕142号)"),
    "P14": ("清镇市废弃煤矿风电场", "wind", "", {"capacity_mw": 30.0}, "review",
            "wind on an abandoned coal mine but within 500 m of a village "
            "(wind_setback_settlement; local parameter)"),
    "P15": ("清镇市采煤沉陷区光伏电站（未稳沉）", "pv", "", ARRAY, "review",
            "PV on coal-mining subsidence land not yet stable: geohazard risk assessment at the "
            "feasibility stage (subsidence_unstable; 地质灾害防治条例第二十一条; citation changed by "
            "issue 9)"),
    "P16": ("乌当区高雁填埋场光伏电站", "pv", "", ARRAY, "review",
            "PV on a closed landfill: cap integrity, gas and settlement to verify "
            "(closed_landfill; GB 51220-2017 技术规范)"),
    "P17": ("南明区污染地块光伏项目（风险管控覆盖层）", "pv", "",
            {**ARRAY, "risk_control_part": True}, "review",
            "PV on a contaminated site in the risk-control register, declared part of its "
            "risk-control plan (contaminated_site_risk_control; 土壤污染防治法第六十六条第三款); "
            "corrected by issue 9: the site lies in a general unit, not the urban key unit"),
    "P18": ("清镇市采煤沉陷区光伏电站（已稳沉）", "pv", "", ARRAY, "admitted",
            "PV mostly on stable coal-mining subsidence land: encouraged "
            "(degraded_land_encouraged; 自然资办发〔2023〕12号)"),
    "P19": ("息烽至开阳500千伏输变电工程", "infrastructure", "",
            {"national_major": "energy", "national_major_doc": "（示例）黔发改能源〔2025〕1号"},
            "review", "national major energy project (a 500 kV line) crossing the red line: "
            "unavoidability demonstration (red_line_national_major; 自然资发〔2022〕142号 第二部分)"),
    "P20": ("修文县食品加工厂", "industrial", "food_processing", {}, "review",
            "industrial project outside the urban boundary and every park "
            "(urban_boundary_industrial; 自然资发〔2023〕193号)"),
    "P21": ("清镇市电解铝产能置换项目", "industrial", "electrolytic_aluminium",
            {"two_high": True, "capacity_replacement": True, "pollutant_offset": True}, "review",
            "electrolytic aluminium with replacement and offsets in the aluminium park; "
            "key-control unit access list to check (control_unit_key)"),
    "P22": ("花溪区生态旅游驿站", "tourism", "", {"allowed_activity": "low_impact_tourism"},
            "review", "low-impact tourism facility in the red line: provincial 认定意见 needed "
            "(red_line_allowed_activity; 自然资发〔2022〕142号)"),
    "P23": ("乌当区石灰石矿开采项目", "mining", "", {}, "prohibited",
            "quarry partly in the ecological red line (red_line; 自然资发〔2022〕142号)"),
    "P24": ("开阳县乡村旅游民宿", "tourism", "", {}, "admitted",
            "small tourism facility in a general-control unit clear of every exclusion "
            "(control_unit_listed)"),
    "T01": ("清镇市赤泥堆场光伏项目", "pv", "", ARRAY, "admitted",
            "PV mostly on a red-mud heap, clear of every exclusion: encouraged "
            "(degraded_land_encouraged); read the TXT with type pv"),
}
POINT_PROJECTS = ("P06", "P08", "P12", "P20", "P24")
"""Projects given as points; their GCJ-02 twins go to ``projects_gcj02.csv``."""


def _rect(x: float, y: float, w: float, h: float, angle: float) -> shapely.Polygon:
    box = shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
    return shapely.affinity.rotate(box, angle, origin=(x, y))


def _on_patch(rng: np.random.Generator, patch: shapely.Geometry) -> shapely.Geometry:
    """A footprint mostly on ``patch``: the patch shrunk by 20 m and shifted by ~8 %."""
    a = rng.uniform(0, 2 * np.pi)
    d = 0.08 * np.sqrt(patch.area)
    shape = shapely.affinity.translate(patch.buffer(-20.0, quad_segs=2), d * np.cos(a),
                                       d * np.sin(a))
    return shapely.simplify(shape, 5.0)


def _clear(geom, avoid, margin: float) -> bool:
    return avoid.is_empty or geom.distance(avoid) >= margin


def place_projects(rng: np.random.Generator, L: dict) -> dict[str, shapely.Geometry]:
    """Footprints (METRIC) of every project id in :data:`SPECS`.

    ``L`` holds METRIC geometries: ``districts`` (code → polygon), ``red``, ``farm``, ``urban``,
    ``parks`` (key → polygon), ``water``, ``reserves``, ``cores``, ``terrain_red`` (red lines
    outside reserves and water sources), ``yangtze`` (lines), ``villages``, ``degraded``
    (id → polygon), ``all_degraded``.
    """
    d, deg = L["districts"], L["degraded"]
    hard = shapely.union_all([L["red"], L["farm"], L["urban"], shapely.union_all(
        list(L["parks"].values())), L["water"], L["reserves"]])
    fp: dict[str, shapely.Geometry] = {}
    for pid, patch in (("P01", "M01"), ("P02", "M04"), ("P03", "S01"), ("P14", "M07"),
                       ("P15", "D02"), ("P16", "L01"), ("P17", "C01"), ("P18", "D01"),
                       ("T01", "S05")):
        fp[pid] = _on_patch(rng, deg[patch])

    def straddle(zone, target, avoid, w, h, lo, hi, what):
        def make(x, y):
            shape = _rect(x, y, w, h, rng.uniform(0, 180))
            share = shape.intersection(target).area / shape.area
            ok = lo <= share <= hi and _clear(shape, avoid, 150.0)
            return shape if ok and zone.contains(shape) else None
        ring = target.boundary.intersection(zone)
        pts = shapely.line_interpolate_point(ring, rng.uniform(0, ring.length, 400))
        for p in pts:
            found = make(p.x, p.y)
            if found is not None:
                return found
        raise RuntimeError(f"demo build: no place found for {what}")

    others = shapely.union_all([L["farm"], L["urban"], L["water"], L["reserves"],
                                L["all_degraded"], L["villages"]])
    fp["P04"] = straddle(d["520123"], L["terrain_red"], others, 700, 500, 0.25, 0.55, "P04")
    fp["P23"] = straddle(d["520112"], L["terrain_red"], others, 500, 400, 0.2, 0.45, "P23")
    not_farm = shapely.union_all([L["red"], L["urban"], L["water"], L["reserves"],
                                  L["all_degraded"], L["villages"]])
    fp["P05"] = straddle(d["520122"], L["farm"], not_farm, 450, 350, 0.7, 1.0, "P05")

    def inside(container, area_ha, avoid, margin, what, extra=None):
        side = np.sqrt(area_ha * 1e4)

        def make(x, y):
            shape = _rect(x, y, side * 1.3, side / 1.3, rng.uniform(0, 90))
            if not container.buffer(-60.0).contains(shape) or not _clear(shape, avoid, margin):
                return None
            return shape if extra is None or extra(shape) else None
        return _search(rng, container, make, what=what)

    yz = L["yangtze"]
    kaiyang = L["parks"]["kaiyang"]
    fp["P07"] = inside(kaiyang, 10, shapely.Point(), 0, "P07",
                       lambda s: s.distance(yz) >= 1400.0)
    fp["P09"] = inside(kaiyang, 8, fp["P07"], 200, "P09",
                       lambda s: 250.0 <= s.distance(yz) <= 800.0)
    xifeng = L["parks"]["xifeng"]
    fp["P10"] = inside(xifeng, 12, shapely.Point(), 0, "P10")
    fp["P11"] = inside(xifeng, 12, fp["P10"], 150, "P11")
    fp["P21"] = inside(L["parks"]["qingzhen"], 20, shapely.Point(), 0, "P21")
    fp["P22"] = inside(L["terrain_red"].intersection(d["520111"]), 2, others, 150, "P22")

    def pick_point(region, avoid, margin, what, extra=None):
        def make(x, y):
            p = shapely.Point(x, y)
            ok = _clear(p, avoid, margin) and (extra is None or extra(p))
            return p if ok else None
        return _search(rng, region, make, what=what)

    everything = shapely.union_all([hard, L["all_degraded"], L["villages"]])
    fp["P06"] = pick_point(d["520181"], everything, 1500.0, "P06")
    fp["P08"] = pick_point(L["parks"]["qingzhen"].buffer(-250.0), fp["P21"], 200.0, "P08")
    fp["P12"] = pick_point(L["parks"]["shawen"].buffer(-200.0), shapely.Point(), 0.0, "P12")
    fp["P20"] = pick_point(d["520123"], everything, 1200.0, "P20")
    fp["P24"] = pick_point(d["520121"], everything, 400.0, "P24")

    def crossing(zone, length, avoid, lo, hi, what):
        target = L["terrain_red"]

        def make(x, y):
            a = rng.uniform(0, np.pi)
            dx, dy = np.cos(a) * length / 2, np.sin(a) * length / 2
            off = rng.uniform(-0.3, 0.3) * length
            cx, cy = x + off * np.cos(a), y + off * np.sin(a)
            ln = shapely.LineString([(cx - dx, cy - dy), (cx + dx, cy + dy)])
            inside_len = ln.intersection(target).length
            ok = lo <= inside_len <= hi and _clear(ln, avoid, 100.0) and zone.contains(ln)
            return ln if ok else None
        ring = target.boundary.intersection(zone)
        for p in shapely.line_interpolate_point(ring, rng.uniform(0, ring.length, 600)):
            found = make(p.x, p.y)
            if found is not None:
                return found
        raise RuntimeError(f"demo build: no place found for {what}")

    fp["P13"] = crossing(d["520121"], 3000.0, others, 300.0, 1500.0, "P13")
    power_avoid = shapely.union_all([L["water"], L["cores"], L["urban"], L["villages"]])
    fp["P19"] = crossing(d["520121"].union(d["520122"]), 9000.0, power_avoid, 800.0, 4000.0,
                         "P19")
    return fp


FACTS = ("component", "two_high", "capacity_replacement", "replacement_ratio",
         "pollutant_offset", "risk_control_part", "allowed_activity", "national_major",
         "national_major_doc")
"""Project facts written to the demo files (None: blank, i.e. unknown or not applicable)."""


def attributes(pid: str, geom: shapely.Geometry, specs: dict | None = None) -> dict:
    """The attribute row of project ``pid`` (canonical names; None where not given)."""
    name, ptype, industry, flags, _, _ = (specs or SPECS)[pid]
    cap = flags.get("capacity_mw")
    if ptype == "pv" and geom.area > 0:
        cap = round(geom.area / 1e4 * _PV_MW_PER_HA, 1)
    return {"project_id": pid, "name": name, "type": ptype, "industry": industry or None,
            **{f: flags.get(f) for f in FACTS}, "capacity_mw": cap}
