"""A synthetic region with every layer kind the national rules read, and per rule the projects
where it must fire and where it must stay silent (local metres, see ``_screen_helpers``).

Row y≈0: zoning and land (red line, farmland, urban, parks, rivers, reserves, features with
unknown values, water sources, forest, grassland, cultivated land, protected area, settlement).
Row y≈20 km: control units, geohazard zone, degraded land. Row y≈45 km: admin cells of other
provinces (河北石家庄 130100, 河南 province-only 410000, 辽宁沈阳 210100, 陕西西安 610100, and one
without a code); everything else lies in 贵阳市南明区 520102 (Yangtze Economic Belt).
"""

from __future__ import annotations

import shapely
from _screen_helpers import box

P = shapely.Point
L = shapely.LineString


def sq(x: float, y: float, s: float = 100) -> shapely.Polygon:
    """A square footprint [local m]."""
    return box(x, y, x + s, y + s)


def _river(x: float, basin, importance) -> dict:
    return {"geometry": L([(x, -2000), (x, 3000)]), "basin": basin, "importance": importance}


FOREST = {"protection_grade": "III", "forest_type": "other", "canopy_cover": 0.3,
          "public_welfare": "none", "state_forest": False}

LAYERS = {
    "redline": ("ecological_red_line", [{"geometry": box(0, 0, 1000, 1000), "name": "红线"}]),
    "farmland": ("basic_farmland", [{"geometry": box(10000, 0, 11000, 1000)}]),
    "urban": ("urban_boundary", [{"geometry": box(20000, 0, 21000, 1000)}]),
    "parks": ("industrial_park", [
        {"geometry": box(30000, 0, 31000, 1000), "name": "good park", "planning_eia": True,
         "admitted_industries": ["chemical", "steel", "cement_clinker"],
         "prohibited_industries": ["coking"]},
        {"geometry": box(32000, 0, 33000, 1000), "name": "no-EIA park", "planning_eia": False,
         "admitted_industries": ["chemical"], "prohibited_industries": []},
        {"geometry": box(20500, 20000, 21000, 21000), "name": "park in general unit",
         "planning_eia": True, "admitted_industries": ["manufacturing"],
         "prohibited_industries": []},
        {"geometry": box(69000, 0, 69900, 900), "name": "park, EIA blank", "planning_eia": None,
         "admitted_industries": ["chemical"], "prohibited_industries": []}]),
    "rivers": ("river", [
        _river(40000, "yangtze", "main_stream"), _river(42000, "other", "other"),
        _river(44000, "yangtze", "important_tributary"), _river(46000, "yangtze", "other"),
        {"geometry": box(48000, -2000, 48400, 3000), "basin": "yangtze",
         "importance": "main_stream", "name": "water surface"},
        _river(61000, None, "main_stream")]),
    "reserves": ("nature_reserve", [
        {"geometry": box(50000, 0, 51000, 1000), "zone": "core"},
        {"geometry": box(52000, 0, 53000, 1000), "zone": "buffer"},
        {"geometry": box(54000, 0, 55000, 1000), "zone": "experimental"},
        {"geometry": box(56000, 0, 57000, 1000), "zone": "core_protection"},
        {"geometry": box(58000, 0, 59000, 1000), "zone": "general_control"},
        {"geometry": box(63000, 0, 64000, 1000), "zone": None}]),
    "water": ("water_source", [
        {"geometry": box(70000, 0, 71000, 1000), "grade": "1"},
        {"geometry": box(72000, 0, 73000, 1000), "grade": "2"},
        {"geometry": box(74000, 0, 75000, 1000), "grade": "quasi"},
        {"geometry": box(65000, 0, 66000, 1000), "grade": "9"}]),
    "forest": ("forest_land", [
        {**FOREST, "geometry": box(80000, 0, 81000, 1000), "protection_grade": "I",
         "forest_type": "arbor", "canopy_cover": 0.7, "public_welfare": "national"},
        {**FOREST, "geometry": box(82000, 0, 83000, 1000), "forest_type": "shrub",
         "canopy_cover": 0.4},
        {**FOREST, "geometry": box(84000, 0, 85000, 1000), "protection_grade": "II",
         "forest_type": "bamboo", "public_welfare": "provincial"},
        {**FOREST, "geometry": box(86000, 0, 87000, 1000), "state_forest": True},
        {**FOREST, "geometry": box(88000, 0, 89000, 1000), "protection_grade": "II",
         "forest_type": "arbor", "public_welfare": "national"},
        {**FOREST, "geometry": box(20000, 40000, 22000, 42000), "protection_grade": "II",
         "forest_type": "arbor", "state_forest": True}]),
    "grass": ("grassland", [{"geometry": box(90000, 0, 91000, 1000), "basic": True},
                            {"geometry": box(92000, 0, 93000, 1000), "basic": False}]),
    "cultivated": ("cultivated_land", [{"geometry": box(94000, 0, 95000, 1000),
                                        "land_class": "paddy"}]),
    "protected": ("protected_area", [{"geometry": box(96000, 0, 97000, 1000),
                                      "category": "forest_park"}]),
    "settlements": ("settlement", [{"geometry": box(98000, 0, 98100, 100)}]),
    "roads": ("road", [{"geometry": L([(100000, 5000), (101000, 5000)]), "road_class": "county"}]),
    "units": ("control_unit", [
        {"geometry": box(0, 20000, 1000, 21000), "unit_type": "priority",
         "unit_code": "ZH52010210001"},
        {"geometry": box(10000, 20000, 11000, 21000), "unit_type": "key",
         "unit_code": "ZH52010220001", "spatial_layout": "禁止新建<b>化工</b>"},
        {"geometry": box(20000, 20000, 21000, 21000), "unit_type": "general",
         "unit_code": "ZH52010230001", "prohibited_industries": ["coal_power"],
         "park_only_industries": ["manufacturing"]},
        {"geometry": box(67000, 0, 68000, 1000), "unit_type": "优先保护",
         "unit_code": "ZH52010219999"}]),
    "geohazard": ("geohazard_zone", [{"geometry": box(30000, 20000, 31000, 21000),
                                      "grade": "high"}]),
    "mines": ("abandoned_mine", [{"geometry": box(60000, 20000, 61000, 21000)}]),
    "subsidence": ("subsidence_area", [
        {"geometry": box(62000, 20000, 63000, 21000), "stable": True},
        {"geometry": box(64000, 20000, 65000, 21000), "stable": False},
        {"geometry": box(66000, 20000, 67000, 21000), "stable": None}]),
    "landfill": ("closed_landfill", [{"geometry": box(68000, 20000, 69000, 21000)}]),
    "contaminated": ("contaminated_site", [
        {"geometry": box(70000, 20000, 71000, 21000), "in_risk_register": True},
        {"geometry": box(72000, 20000, 73000, 21000), "in_risk_register": False},
        {"geometry": box(74000, 20000, 75000, 21000), "in_risk_register": None}]),
    "slag": ("slag_heap", [{"geometry": box(76000, 20000, 77000, 21000),
                           "material": "red_mud"}]),
    "shoreline": ("shoreline_control_zone", [{"geometry": box(30000, 40000, 32000, 42000),
                                              "basin": "yellow"}]),
    "admin": ("admin_boundary", [
        {"geometry": box(-20000, -20000, 130000, 35000), "admin_code": "520102"},
        {"geometry": box(0, 35000, 10000, 60000), "admin_code": "130100"},
        {"geometry": box(10000, 35000, 20000, 60000), "admin_code": "410000"},
        {"geometry": box(20000, 35000, 30000, 60000), "admin_code": "210100"},
        {"geometry": box(30000, 35000, 40000, 60000), "admin_code": "610100"},
        {"geometry": box(40000, 35000, 50000, 60000), "admin_code": ""},
        {"geometry": box(50000, 35000, 130000, 60000), "admin_code": "520102"}]),
}

PV, WIND, IND = {"type": "pv"}, {"type": "wind"}, {"type": "industrial"}
ARRAY, ANC = {**PV, "component": "array"}, {**PV, "component": "ancillary"}
HEBEI, HENAN, LIAONING, SHAANXI, NOCODE = ((5000 + 10000 * i, 45000) for i in range(5))
GUIYANG = (5000, 9000)


def at(xy, dx: float = 0) -> shapely.Point:
    """A point project in an admin cell (shifted by ``dx`` [m])."""
    return P(xy[0] + dx, xy[1])


def ind(industry: str, **kw) -> dict:
    """An industrial project of ``industry`` with the given facts."""
    return {**IND, "industry": industry, **kw}


LINE = L([(-500, 500), (2000, 500)])
STEEL = {"capacity_replacement": True, "pollutant_offset": True}

# rule id -> (projects where it must fire, projects where it must stay silent)
SCENARIOS: dict[str, tuple[list[dict], list[dict]]] = {
    "red_line": (
        [{**PV, "geometry": sq(100, 100)},
         {**PV, "allowed_activity": "other_lawful", "geometry": sq(100, 100)},
         {"type": "industrial", "industry": "steel", "allowed_activity": "linear_infrastructure",
          "geometry": sq(100, 100)},
         {**WIND, "national_major": "energy", "geometry": P(500, 500)}],
        [{**PV, "geometry": sq(2000, 2000)},
         {"type": "infrastructure", "allowed_activity": "linear_infrastructure",
          "geometry": LINE},
         {"type": "infrastructure", "national_major": "energy", "geometry": sq(100, 100)}]),
    "red_line_allowed_activity": (
        [{"type": "infrastructure", "allowed_activity": "linear_infrastructure",
          "geometry": LINE},
         {"type": "tourism", "allowed_activity": "low_impact_tourism", "geometry": sq(200, 200)}],
        [{**PV, "allowed_activity": "other_lawful", "geometry": sq(100, 100)},
         {"type": "industrial", "industry": "steel", "allowed_activity": "linear_infrastructure",
          "geometry": sq(100, 100)},
         {"type": "infrastructure", "geometry": sq(100, 100)}]),
    "red_line_national_major": (
        [{"type": "infrastructure", "national_major": "energy", "national_major_doc": "发改能源〔2024〕1号",
          "geometry": sq(300, 300)},
         {**PV, "national_major": "energy", "geometry": sq(300, 300)}],
        [{**WIND, "national_major": "energy", "geometry": P(500, 500)},
         {"type": "infrastructure", "national_major": "energy", "geometry": sq(3000, 3000)}]),
    "basic_farmland": (
        [{**PV, "geometry": sq(10100, 100)},
         {**PV, "national_major": "energy", "geometry": sq(10100, 100)},
         {**ind("manufacturing"), "national_major": "transport", "geometry": sq(10100, 100)}],
        [{"type": "infrastructure", "national_major": "energy", "geometry": sq(10100, 100)},
         {**PV, "geometry": sq(12000, 2000)}]),
    "basic_farmland_national_major": (
        [{"type": "infrastructure", "national_major": "transport", "geometry": sq(10200, 200)},
         {**WIND, "national_major": "energy", "geometry": P(10500, 500)}],
        [{**PV, "national_major": "energy", "geometry": sq(10200, 200)},
         {**ind("manufacturing"), "national_major": "transport", "geometry": sq(10200, 200)}]),
    "pv_array_cultivated": ([{**ARRAY, "geometry": sq(94100, 100)}],
                            [{**ANC, "geometry": sq(94100, 100)},
                             {**ARRAY, "geometry": sq(94100, 2000)}]),
    "pv_ancillary_cultivated": ([{**ANC, "geometry": sq(94100, 100)}],
                                [{**ARRAY, "geometry": sq(94100, 100)}]),
    "wind_cultivated_land": ([{**WIND, "geometry": P(94500, 500)}],
                             [{**ANC, "geometry": sq(94100, 100)},
                              {**WIND, "geometry": P(94500, 2500)}]),
    "pv_forest_grade1": ([{**ANC, "geometry": sq(80100, 100)}],
                         [{**ANC, "geometry": sq(82100, 100)},
                          {**WIND, "geometry": P(80500, 500)}]),
    "pv_state_forest_northeast": ([{**ARRAY, "geometry": sq(20100, 40100)}],
                                  [{**ARRAY, "geometry": sq(86100, 100)}]),
    "pv_state_forest": ([{**ANC, "geometry": sq(86100, 100)}],
                        [{**ANC, "geometry": sq(20100, 40100)},
                         {**ANC, "geometry": sq(82100, 100)}]),
    "pv_array_arbor_bamboo": ([{**ARRAY, "geometry": sq(84100, 100)},
                               {**ARRAY, "geometry": sq(88100, 100)}],
                              [{**ARRAY, "geometry": sq(82100, 100)},
                               {**ANC, "geometry": sq(84100, 100)}]),
    "pv_array_shrub": ([{**ARRAY, "geometry": sq(82100, 100)}],
                       [{**ARRAY, "geometry": sq(84100, 100)},
                        {**ANC, "geometry": sq(82100, 100)}]),
    "pv_forest_land": ([{**ANC, "geometry": sq(82100, 100)}],
                       [{**ANC, "geometry": sq(82100, 2000)}, {**WIND, "geometry": P(82500, 500)}]),
    "pv_basic_grassland": ([{**ANC, "geometry": sq(90100, 100)}],
                           [{**ANC, "geometry": sq(92100, 100)}]),
    "wind_state_forest": ([{**WIND, "geometry": P(86500, 500)}],
                          [{**WIND, "geometry": P(82500, 500)}]),
    "wind_public_welfare_arbor": ([{**WIND, "geometry": P(88500, 500)},
                                   {**WIND, "geometry": P(80500, 500)}],
                                  [{**WIND, "geometry": P(82500, 500)}]),
    "wind_forest_land": ([{**WIND, "geometry": P(82500, 500)}, {**WIND, "geometry": P(84500, 500)},
                          {**WIND, "geometry": P(88500, 500)}],
                         [{**ANC, "geometry": sq(82100, 100)},
                          {**WIND, "geometry": P(82500, 2500)}]),
    "wind_basic_grassland": ([{**WIND, "geometry": P(90500, 500)},
                              {**WIND, "national_major": "transport", "geometry": P(90500, 500)}],
                             [{**WIND, "national_major": "energy", "geometry": P(90500, 500)},
                              {**WIND, "geometry": P(92500, 500)}]),
    "wind_basic_grassland_national_major": (
        [{**WIND, "national_major": "energy", "geometry": P(90600, 600)}],
        [{**WIND, "geometry": P(90600, 600)},
         {**WIND, "national_major": "transport", "geometry": P(90600, 600)}]),
    "wind_protected_area": ([{**WIND, "geometry": P(96500, 500)},
                             {**WIND, "geometry": P(54500, 500)}],
                            [{**WIND, "geometry": P(97500, 2500)}]),
    "protected_area": ([{**ANC, "geometry": sq(96100, 100)},
                        {"type": "tourism", "geometry": sq(96100, 100)}],
                       [{**WIND, "geometry": P(96500, 500)}, {**ANC, "geometry": sq(96100, 2000)}]),
    "nature_reserve_core_buffer": ([{**ANC, "geometry": sq(50100, 100)},
                                    {"type": "tourism", "geometry": sq(52100, 100)},
                                    {"type": "infrastructure", "geometry": sq(56100, 100)}],
                                   [{**ANC, "geometry": sq(54100, 100)},
                                    {**ANC, "geometry": sq(58100, 100)}]),
    "nature_reserve_mining": ([{"type": "mining", "geometry": sq(54100, 100)},
                               {**ind("tailings_pond"), "geometry": sq(58100, 100)}],
                              [{"type": "mining", "geometry": sq(54100, 2000)}]),
    "nature_reserve_experimental_polluting": (
        [{**ind("chemical"), "geometry": sq(54200, 200)},
         {**ind("papermaking"), "geometry": sq(58200, 200)}],
        [{**ind("data_center"), "geometry": sq(54200, 200)},
         {**ind("chemical"), "geometry": sq(50200, 200)}]),
    "nature_reserve_experimental": ([{**ANC, "geometry": sq(54300, 300)},
                                     {"type": "tourism", "geometry": sq(58300, 300)}],
                                    [{**ANC, "geometry": sq(50300, 300)}]),
    "water_source_grade1": ([{**ANC, "geometry": sq(70100, 100)}],
                            [{**ANC, "geometry": sq(72100, 100)}]),
    "water_source_grade2_discharging": ([{**ind("manufacturing"), "geometry": sq(72100, 100)},
                                         {"type": "mining", "geometry": sq(72100, 100)}],
                                        [{**ANC, "geometry": sq(72100, 100)},
                                         {**ind("manufacturing"), "geometry": sq(74100, 100)}]),
    "water_source_grade2": ([{**ANC, "geometry": sq(72200, 200)}],
                            [{**ind("manufacturing"), "geometry": sq(72200, 200)},
                             {**ANC, "geometry": sq(70200, 200)}]),
    "water_source_quasi_polluting": ([{**ind("papermaking"), "geometry": sq(74100, 100)},
                                      {**ind("tailings_pond"), "geometry": sq(74100, 100)}],
                                     [{**ind("manufacturing"), "geometry": sq(74100, 100)},
                                      {**ind("papermaking"), "geometry": sq(76000, 2000)}]),
    "water_source_quasi": ([{**ind("manufacturing"), "geometry": sq(74200, 200)},
                            {"type": "mining", "geometry": sq(74200, 200)}],
                           [{**ANC, "geometry": sq(74200, 200)}]),
    "yangtze_chemical_1km": ([{**ind("chemical"), "geometry": sq(40500, 100)},
                              {**ind("chemical_park"), "geometry": sq(40500, 300)},
                              {**ind("chemical"), "geometry": sq(49300, 0)}],
                             [{**ind("chemical"), "geometry": sq(42500, 100)},
                              {**ind("chemical"), "geometry": sq(46500, 100)}]),
    "yangtze_tributary_chemical_1km": ([{**ind("chemical"), "geometry": sq(46500, 100)}],
                                       [{**ind("chemical"), "geometry": sq(40500, 100)},
                                        {**ind("chemical"), "geometry": sq(42500, 100)}]),
    "yangtze_tailings_main_3km": ([{**ind("tailings_pond"), "geometry": sq(42800, 100)}],
                                  [{**ind("tailings_pond"), "geometry": sq(44500, 100)}]),
    "yangtze_tailings_tributary_1km": ([{**ind("tailings_pond"), "geometry": sq(44500, 100)}],
                                       [{**ind("tailings_pond"), "geometry": sq(46500, 100)}]),
    "yellow_shoreline_chemical_tailings": (
        [{**ind("chemical"), "geometry": sq(30100, 40100)},
         {**ind("tailings_pond"), "geometry": sq(30500, 40500)}],
        [{**ind("manufacturing"), "geometry": sq(30100, 40100)},
         {**ind("chemical"), "geometry": sq(33000, 45000)}]),
    "urban_boundary_industrial": ([{**ind("manufacturing"), "geometry": sq(5000, 5000)}],
                                  [{**ind("manufacturing"), "geometry": sq(20100, 100)},
                                   {**ind("chemical"), "geometry": sq(30100, 100)}]),
    "industry_unknown": ([{**IND, "geometry": sq(5000, 6000)}],
                         [{**ind("manufacturing"), "geometry": sq(5000, 6000)},
                          {**ANC, "geometry": sq(5000, 6000)}]),
    "control_unit_listed": ([{**ANC, "geometry": sq(20100, 20100)}],
                            [{**ANC, "geometry": sq(5000, 25000)}]),
    "control_unit_priority_industrial": ([{**ind("manufacturing"), "geometry": sq(100, 20100)}],
                                         [{**ANC, "geometry": sq(100, 20100)}]),
    "control_unit_priority_energy_mining": ([{**ANC, "geometry": sq(100, 20100)},
                                             {"type": "mining", "geometry": sq(100, 20100)}],
                                            [{"type": "tourism", "geometry": sq(100, 20100)},
                                             {**ANC, "geometry": sq(10100, 20100)}]),
    "control_unit_key": ([{**ANC, "geometry": sq(10100, 20100)}],
                         [{**ANC, "geometry": sq(20100, 20100)}]),
    "control_unit_prohibited_industry": ([{**ind("coal_power"), "geometry": sq(20100, 20100)}],
                                         [{**ind("manufacturing"), "geometry": sq(20100, 20100)}]),
    "control_unit_park_only": ([{**ind("manufacturing"), "geometry": sq(20100, 20100)}],
                               [{**ind("manufacturing"), "geometry": sq(20600, 20100)}]),
    "two_high_outside_park": ([{**ind("chemical"), "geometry": sq(5000, 7000)},
                               {**ind("alumina"), "geometry": sq(5000, 7000)}],
                              [{**ind("chemical"), "geometry": sq(30100, 100)}]),
    "park_no_planning_eia_park_only": ([{**ind("chemical"), "geometry": sq(32100, 100)}],
                                       [{**ind("chemical"), "geometry": sq(30100, 100)},
                                        {**ind("steel"), "geometry": sq(32100, 100)}]),
    "park_no_planning_eia": ([{**ind("steel"), "geometry": sq(32200, 200)}],
                             [{**ind("steel"), "geometry": sq(30200, 200)}]),
    "park_prohibits_industry": ([{**ind("coking"), "geometry": sq(30100, 100)}],
                                [{**ind("chemical"), "geometry": sq(30100, 100)}]),
    "park_not_admitted": ([{**ind("steel"), "geometry": sq(32100, 100)}],
                          [{**ind("chemical"), "geometry": sq(32100, 100)}]),
    "capacity_replacement": ([{**ind("steel", capacity_replacement=False),
                               "geometry": sq(30100, 100)},
                              {**ind("coking", capacity_replacement=False), "geometry": at(GUIYANG)},
                              {**ind("oil_refining", capacity_replacement=False),
                               "geometry": at(GUIYANG)}],
                             [{**ind("steel", capacity_replacement=True, replacement_ratio=1.5),
                               "geometry": sq(30100, 100)},
                              {**ind("pv_glass", capacity_replacement=False),
                               "geometry": at(GUIYANG)}]),
    "replacement_ratio_steel_key_region": (
        [{**ind("steel", **STEEL, replacement_ratio=1.3), "geometry": at(HEBEI)}],
        [{**ind("steel", **STEEL, replacement_ratio=1.5), "geometry": at(HEBEI)},
         {**ind("steel", **STEEL, replacement_ratio=1.3), "geometry": at(GUIYANG)}]),
    "replacement_ratio_steel": (
        [{**ind("steel", **STEEL, replacement_ratio="1.2:1"), "geometry": at(GUIYANG)}],
        [{**ind("steel", **STEEL, replacement_ratio=1.3), "geometry": at(GUIYANG)},
         {**ind("steel", **STEEL, replacement_ratio=1.2), "geometry": at(HEBEI)}]),
    "replacement_ratio_clinker_key_region": (
        [{**ind("cement_clinker", **STEEL, replacement_ratio=1.8), "geometry": at(HEBEI)}],
        [{**ind("cement_clinker", **STEEL, replacement_ratio=2.0), "geometry": at(HEBEI)}]),
    "replacement_ratio_clinker": (
        [{**ind("cement_clinker", **STEEL, replacement_ratio=1.2), "geometry": at(GUIYANG)}],
        [{**ind("cement_clinker", **STEEL, replacement_ratio=1.5), "geometry": at(GUIYANG)}]),
    "replacement_ratio_flat_glass_key_region": (
        [{**ind("flat_glass", **STEEL, replacement_ratio=1.1), "geometry": at(HEBEI)}],
        [{**ind("flat_glass", **STEEL, replacement_ratio=1.25), "geometry": at(HEBEI)}]),
    "replacement_ratio_flat_glass": (
        [{**ind("flat_glass", **STEEL, replacement_ratio=0.8), "geometry": at(GUIYANG)}],
        [{**ind("flat_glass", **STEEL, replacement_ratio=1.0), "geometry": at(GUIYANG)}]),
    "steel_replacement_suspended": (
        [{**ind("steel", **STEEL, replacement_ratio=1.5, replacement_scheme_date="2024-09-01"),
          "geometry": at(GUIYANG)}],
        [{**ind("steel", **STEEL, replacement_ratio=1.5, replacement_scheme_date="2024-08-22"),
          "geometry": at(GUIYANG)}]),
    "pollutant_offset": ([{**ind("chemical", pollutant_offset=False), "geometry": at(GUIYANG)}],
                         [{**ind("chemical", pollutant_offset=True), "geometry": at(GUIYANG)},
                          {**ind("manufacturing", pollutant_offset=False),
                           "geometry": at(GUIYANG)}]),
    "key_region_new_capacity": (
        [{**ind("steel", capacity_replacement=False), "geometry": at(HEBEI)},
         {**ind("alumina", capacity_replacement=False), "geometry": at(HEBEI)}],
        [{**ind("steel", **STEEL, replacement_ratio=1.5), "geometry": at(HEBEI)},
         {**ind("steel", capacity_replacement=False), "geometry": at(GUIYANG)}]),
    "key_region_coal_substitution": (
        [{**ind("manufacturing", coal_consumption_tce=5000, coal_substitution=False),
          "geometry": at(HEBEI)}],
        [{**ind("manufacturing", coal_consumption_tce=5000, coal_substitution=True),
          "geometry": at(HEBEI)},
         {**ind("manufacturing", coal_consumption_tce=0, coal_substitution=False),
          "geometry": at(HEBEI)},
         {**ind("manufacturing", coal_consumption_tce=5000, coal_substitution=False),
          "geometry": at(GUIYANG)}]),
    "yangtze_belt_outside_park": ([{**ind("papermaking"), "geometry": at(GUIYANG)},
                                   {**ind("steel"), "geometry": at(GUIYANG, 300)}],
                                  [{**ind("papermaking"), "geometry": at(HEBEI)},
                                   {**ind("steel"), "geometry": sq(30100, 100)}]),
    "degraded_land_encouraged": ([{**ANC, "geometry": box(60000, 20000, 61400, 21000)}],
                                 [{**ANC, "geometry": box(60600, 20000, 61600, 21000)},
                                  {**ind("manufacturing"), "geometry": box(60000, 20000, 61000,
                                                                           21000)}]),
    "subsidence_unstable": ([{**ANC, "geometry": sq(64100, 20100)}],
                            [{**ANC, "geometry": sq(62100, 20100)}]),
    "geohazard_zone": ([{**ANC, "geometry": sq(30100, 20100)},
                        {**ind("manufacturing"), "geometry": sq(30100, 20100)}],
                       [{**ANC, "geometry": sq(30100, 22000)}]),
    "closed_landfill": ([{**ANC, "geometry": sq(68100, 20100)}],
                        [{**ANC, "geometry": sq(68100, 22000)}]),
    "contaminated_site_sensitive_use": ([{"type": "residential", "geometry": sq(70100, 20100)},
                                         {"type": "public_service", "risk_control_part": True,
                                          "geometry": sq(70100, 20100)}],
                                        [{"type": "residential", "geometry": sq(72100, 20100)}]),
    "contaminated_site_register": ([{**ANC, "risk_control_part": False,
                                     "geometry": sq(70100, 20100)},
                                    {"type": "residential", "risk_control_part": False,
                                     "geometry": sq(70100, 20100)}],
                                   [{**ANC, "risk_control_part": True, "geometry": sq(70100, 20100)},
                                    {**ANC, "risk_control_part": False,
                                     "geometry": sq(72100, 20100)}]),
    "contaminated_site_risk_control": ([{**ANC, "risk_control_part": True,
                                         "geometry": sq(70200, 20200)}],
                                       [{**ANC, "risk_control_part": False,
                                         "geometry": sq(70200, 20200)}]),
    "wind_setback_settlement": ([{**WIND, "geometry": P(98300, 50)}],
                                [{**WIND, "geometry": P(98700, 50)}, {**ANC, "geometry": sq(98300, 0)}]),
    "wind_road_setback": ([{**WIND, "geometry": P(100500, 5200)}],
                          [{**WIND, "geometry": P(100500, 5400)}, {**ANC, "geometry": sq(100500, 5100)}]),
}


def scenario_rows() -> list[dict]:
    """Every scenario project, with ids ``<rule>__fire<k>`` / ``<rule>__silent<k>``."""
    rows = []
    for rid, (fire, silent) in SCENARIOS.items():
        rows += [{**row, "project_id": f"{rid}__fire{k}"} for k, row in enumerate(fire)]
        rows += [{**row, "project_id": f"{rid}__silent{k}"} for k, row in enumerate(silent)]
    return rows
