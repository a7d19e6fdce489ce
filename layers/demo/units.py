"""Environmental control units (环境管控单元) of the demo: a gap-free partition of each district.

Per district: the red lines form one priority-protection unit (优先保护); each park and the
urban area form key-control units (重点管控); the rest is one general unit (一般管控). Codes are
``ZH`` + 6-digit admin code + type digit (1 priority, 2 key, 3 general) + 4-digit serial.
Access-list text is in Chinese, per dimension; park units and the central-city units also carry
structured industry lists.
"""

from __future__ import annotations

import shapely

from layers.demo.places import DISTRICTS
from layers.demo.synth import polygonal

GRID = 0.01
"""Snap-rounding grid of the unit overlays [m]: keeps the partition valid after reprojection."""
TYPE_ZH = {"priority": "优先保护", "key": "重点管控", "general": "一般管控"}
TYPE_DIGIT = {"priority": 1, "key": 2, "general": 3}
CENTRAL = ("520102", "520103", "520111", "520112", "520113", "520115")
URBAN_PROHIBITED = ("steel", "cement_clinker", "flat_glass", "coking", "chemical",
                    "petrochemical", "nonferrous_smelting", "electrolytic_aluminium", "coal_power")

_TEXT = {
    "priority": (
        "执行生态保护红线管控要求：除国家重大项目外，仅允许对生态功能不造成破坏的有限人为活动；"
        "禁止新建、扩建工业项目和矿产资源开发项目，禁止光伏、风电等开发性建设占用。",
        "不得新增污染物排放口；现有污染源限期退出或整改。",
        "禁止新建涉危险化学品、重金属的项目；加强森林火灾、地质灾害风险防控。",
        "禁止开垦和采伐天然林；严格控制水资源开发强度，保障河湖生态流量。"),
    "park": (
        "园区主导产业：{admitted}；禁止引入：{prohibited}。新建化工项目须位于依法合规设立并"
        "开展规划环评的园区内，距长江干支流岸线一公里范围内禁止新建化工项目。",
        "新建项目主要污染物实行区域削减替代；园区污水集中处理率100%；涉磷企业执行总磷特别"
        "排放限值。",
        "建立园区突发环境事件应急预案体系；涉危险化学品企业与居民区保持安全防护距离；"
        "渣场落实防渗、防扬散措施。",
        "新建项目能效达到行业标杆水平；推进磷石膏、赤泥等工业固废综合利用，以渣定产。"),
    "urban": (
        "城镇开发边界内禁止新建、扩建两高项目，现有工业企业逐步退城入园；禁止新建燃煤锅炉。",
        "城镇生活污水收集处理率不低于95%；全面管控扬尘、餐饮油烟和机动车排放。",
        "加强污染地块再开发利用准入管理，未经风险管控或修复达标的地块不得开工建设与风险管控"
        "无关的项目。",
        "新建建筑全面执行绿色建筑标准；推进再生水利用和分布式光伏。"),
    "general": (
        "执行区域生态环境保护基本要求；新建石化、化工、焦化、有色金属冶炼、平板玻璃项目应进入"
        "合规园区；城镇开发边界外不得新设工业园区。鼓励在废弃矿山、采煤沉陷区、已封场填埋场、"
        "工业固废堆场等退化土地建设光伏、风电项目。",
        "推进农村生活污水治理和畜禽养殖废弃物资源化利用；控制农业面源污染。",
        "开展尾矿库、渣场、历史遗留废弃矿山环境风险排查和生态修复。",
        "严格耕地保护，落实水资源刚性约束和用水总量控制。"),
}


def _unit(code: str, kind: str, serial: int, name: str, text_key: str, geom, **fmt) -> dict:
    texts = [t.format(**fmt) for t in _TEXT[text_key]]
    return {"unit_code": f"ZH{code}{TYPE_DIGIT[kind]}{serial:04d}", "name": name,
            "unit_type": kind, "district": code, "spatial_layout": texts[0],
            "pollutant_discharge": texts[1], "environmental_risk": texts[2],
            "resource_efficiency": texts[3], "prohibited_industries": [],
            "park_only_industries": [], "geometry": geom}


def control_units(districts: dict[str, shapely.Geometry], red: shapely.Geometry,
                  parks: list[dict], urban: shapely.Geometry) -> list[dict]:
    """The control units of every district (METRIC), in district then type order.

    Parameters
    ----------
    districts : dict
        Admin code → district polygon.
    red : geometry
        All red lines.
    parks : list of dict
        Parks with ``name``, ``admitted``, ``prohibited`` (";"-separated) and ``geometry``.
    urban : geometry
        All urban development boundaries.
    """
    g = GRID
    red, urban = shapely.set_precision(red, g), shapely.set_precision(urban, g)
    units: list[dict] = []
    for code, area in districts.items():
        dname = DISTRICTS[code][0]
        area = shapely.set_precision(area, g)
        prio = polygonal(shapely.intersection(area, red, grid_size=g), g)
        rest = polygonal(shapely.difference(area, prio, grid_size=g), g)
        serial = {"priority": 0, "key": 0, "general": 0}
        if not prio.is_empty:
            serial["priority"] += 1
            units.append(_unit(code, "priority", 1, f"{dname}生态保护红线优先保护单元", "priority",
                               prio))
        for park in parks:
            geom = polygonal(shapely.intersection(rest, park["geometry"], grid_size=g), g)
            if geom.is_empty or geom.area < 1e4:
                continue
            serial["key"] += 1
            unit = _unit(code, "key", serial["key"], f"{park['name']}重点管控单元", "park", geom,
                         admitted="、".join(park["admitted"].split(";")),
                         prohibited="、".join(park["prohibited"].split(";")))
            unit["prohibited_industries"] = park["prohibited"].split(";")
            if "chemical" in park["admitted"]:
                unit["park_only_industries"] = ["chemical", "phosphorus_chemical"]
            units.append(unit)
            rest = polygonal(shapely.difference(rest, geom, grid_size=g), g)
        town = polygonal(shapely.intersection(rest, urban, grid_size=g), g)
        if not town.is_empty and town.area >= 1e4:
            serial["key"] += 1
            unit = _unit(code, "key", serial["key"], f"{dname}城镇生活重点管控单元", "urban", town)
            if code in CENTRAL:
                unit["prohibited_industries"] = list(URBAN_PROHIBITED)
            units.append(unit)
            rest = polygonal(shapely.difference(rest, town, grid_size=g), g)
        units.append(_unit(code, "general", 1, f"{dname}一般管控单元", "general", rest))
    return units
