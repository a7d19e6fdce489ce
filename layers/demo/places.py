"""Real-world anchors of the Guiyang demo: district seats, rivers, parks, lakes (WGS84 lon/lat).

Coordinates are approximate (to a few hundred metres) and taken from general geographic
knowledge; they only make the synthetic layers sit where such things plausibly are. Everything
built on them is synthetic.
"""

from __future__ import annotations

SEED = 20261121
"""Seed of ``numpy.random.default_rng`` for every random draw of the build."""

BUILD_DATE = "2026-11-21"
"""Provenance date of the synthetic layers (fixed, so that the build is deterministic)."""

CITY_ADCODE = 520100

DISTRICTS: dict[str, tuple[str, float, float]] = {
    # admin code: (name, lon, lat of the seat of government)
    "520102": ("南明区", 106.714, 26.568),
    "520103": ("云岩区", 106.713, 26.600),
    "520111": ("花溪区", 106.670, 26.410),
    "520112": ("乌当区", 106.751, 26.630),
    "520113": ("白云区", 106.631, 26.678),
    "520115": ("观山湖区", 106.623, 26.646),
    "520121": ("开阳县", 106.965, 27.057),
    "520122": ("息烽县", 106.740, 27.090),
    "520123": ("修文县", 106.592, 26.838),
    "520181": ("清镇市", 106.470, 26.556),
}

# Urban development boundaries: (name, [(lon, lat, radius [km]), ...]) — blobs around real towns.
URBAN_AREAS: list[tuple[str, list[tuple[float, float, float]]]] = [
    ("贵阳中心城区城镇开发边界", [
        (106.714, 26.568, 3.6), (106.713, 26.605, 3.4), (106.623, 26.646, 3.8),
        (106.640, 26.690, 2.6), (106.755, 26.630, 2.4), (106.680, 26.500, 2.8),
        (106.670, 26.420, 2.6), (106.790, 26.545, 2.0), (106.665, 26.615, 2.6)]),
    ("清镇市城镇开发边界", [(106.470, 26.556, 2.3), (106.445, 26.575, 1.5)]),
    ("修文县城镇开发边界", [(106.592, 26.838, 2.0)]),
    ("息烽县城镇开发边界", [(106.740, 27.090, 1.7)]),
    ("开阳县城镇开发边界", [(106.965, 27.057, 1.9)]),
]

# Industrial parks named in the Guiyang plan (seed 001). Blobs: [(lon, lat, radius [km])].
PARKS: list[dict] = [
    {"key": "kaiyang", "name": "开阳经济开发区现代化工产业园", "district": "520121",
     "blobs": [(106.935, 27.138, 1.5), (106.949, 27.144, 0.9), (106.963, 27.148, 1.0)],
     "level": "provincial",
     "admitted": "phosphorus_chemical;chemical;manufacturing",
     "prohibited": "steel;coking;cement_clinker", "planning_eia": True},
    {"key": "xifeng", "name": "息烽经济开发区（小寨坝化工园区）", "district": "520122",
     "blobs": [(106.700, 27.030, 1.3)], "level": "provincial",
     "admitted": "phosphorus_chemical;chemical;cement_clinker;manufacturing",
     "prohibited": "steel;coking;petrochemical", "planning_eia": True},
    {"key": "qingzhen", "name": "清镇经济开发区铝及铝精深加工园", "district": "520181",
     "blobs": [(106.395, 26.612, 1.7), (106.412, 26.628, 1.0)], "level": "provincial",
     "admitted": "electrolytic_aluminium;nonferrous_smelting;manufacturing",
     "prohibited": "chemical;petrochemical;coking;phosphorus_chemical", "planning_eia": True},
    {"key": "xiuwen", "name": "修文经济开发区", "district": "520123",
     "blobs": [(106.668, 26.790, 1.4)], "level": "provincial",
     "admitted": "pharmaceutical;food_processing;manufacturing",
     "prohibited": "chemical;petrochemical;coking;steel;cement_clinker", "planning_eia": True},
    {"key": "wudang", "name": "乌当医药食品工业园", "district": "520112",
     "blobs": [(106.805, 26.668, 1.1)], "level": "provincial",
     "admitted": "pharmaceutical;food_processing",
     "prohibited": "chemical;petrochemical;coking;steel;nonferrous_smelting;cement_clinker",
     "planning_eia": True},
    {"key": "huaxi", "name": "花溪工业园区", "district": "520111",
     "blobs": [(106.705, 26.455, 1.1)], "level": "county",
     "admitted": "manufacturing;food_processing;pharmaceutical",
     "prohibited": "chemical;steel;coking;cement_clinker", "planning_eia": False},
    {"key": "shawen", "name": "贵阳高新区麦架沙文产业园", "district": "520113",
     "blobs": [(106.700, 26.735, 1.3)], "level": "national",
     "admitted": "data_center;electronics;manufacturing",
     "prohibited": "steel;chemical;petrochemical;coking;cement_clinker", "planning_eia": True},
    {"key": "guian", "name": "贵安新区高端制造产业园", "district": "520181",
     "blobs": [(106.440, 26.432, 2.2), (106.470, 26.445, 1.4)], "level": "national",
     "admitted": "manufacturing;electronics;data_center",
     "prohibited": "steel;coking;chemical;petrochemical;cement_clinker;electrolytic_aluminium",
     "planning_eia": True},
]

# Rivers of the Wujiang system (all in the Yangtze basin). "boundary" rivers follow the outer
# admin boundary between the two anchor points (the Wujiang and the Qingshui form Guiyang's
# north-west, north and east edges); the others are waypoint lines. bed: river-bed elevation at
# start and end [m]. importance: the Wujiang (乌江, basin about 87,900 km²) is an important
# tributary of the Yangtze (《长江保护法》: basin above 10,000 km²); the others are smaller
# tributaries. corridor: the river carries a red-line corridor.
RIVERS: list[dict] = [
    {"name": "乌江", "corridor": True, "importance": "important_tributary", "boundary": ((106.125, 26.760), (107.262, 27.335)),
     "bed": (840.0, 620.0), "depth": 1.0},
    {"name": "清水河", "corridor": True, "importance": "other", "boundary": ((107.010, 26.790), (107.262, 27.335)),
     "bed": (900.0, 640.0), "depth": 0.8},
    {"name": "南明河", "corridor": True, "importance": "other", "bed": (1110.0, 905.0), "depth": 0.5, "points": [
        (106.560, 26.380), (106.620, 26.405), (106.665, 26.425), (106.682, 26.470),
        (106.692, 26.512), (106.704, 26.550), (106.716, 26.572), (106.745, 26.582),
        (106.775, 26.597), (106.810, 26.622), (106.860, 26.655), (106.915, 26.705),
        (106.965, 26.755), (107.010, 26.790)]},
    {"name": "猫跳河", "corridor": True, "importance": "other", "bed": (1230.0, 800.0), "depth": 0.7, "points": [
        (106.410, 26.500), (106.420, 26.545), (106.445, 26.600), (106.490, 26.640),
        (106.525, 26.665), (106.510, 26.720), (106.470, 26.780), (106.420, 26.835),
        (106.370, 26.890), (106.320, 26.930), (106.290, 26.950)]},
    {"name": "洋水河", "corridor": True, "importance": "other", "bed": (1000.0, 680.0), "depth": 0.6, "points": [
        (106.925, 26.975), (106.948, 27.025), (106.972, 27.062), (106.982, 27.100),
        (106.978, 27.145), (106.992, 27.200), (107.020, 27.255), (107.045, 27.300),
        (107.060, 27.345)]},
    {"name": "息烽河", "corridor": False, "importance": "other", "bed": (1010.0, 720.0), "depth": 0.5, "points": [
        (106.700, 26.975), (106.728, 27.040), (106.745, 27.092), (106.752, 27.160),
        (106.760, 27.230), (106.770, 27.300)]},
    {"name": "鱼梁河", "corridor": False, "importance": "other", "bed": (1150.0, 960.0), "depth": 0.4, "points": [
        (106.745, 26.790), (106.790, 26.740), (106.830, 26.700), (106.862, 26.658)]},
]

# Drinking-water sources: (name, lon, lat, grade-1 radius [km], grade-2 radius [km], aspect,
# angle [deg]) — blobs around real lakes and reservoirs.
WATER_SOURCES: list[tuple[str, float, float, float, float, float, float]] = [
    ("红枫湖饮用水水源保护区", 106.418, 26.540, 1.6, 3.6, 1.8, 80.0),
    ("百花湖饮用水水源保护区", 106.527, 26.668, 1.1, 2.5, 1.8, 120.0),
    ("阿哈水库饮用水水源保护区", 106.662, 26.548, 0.7, 1.6, 1.3, 20.0),
    ("花溪水库饮用水水源保护区", 106.620, 26.412, 0.6, 1.4, 1.3, 60.0),
]

# Nature reserves (synthetic names): (name, lon, lat, core radius [km], reserve radius [km],
# zoning): "three" = 核心区/缓冲区/实验区 (《自然保护区条例》第十八条), "two" = 核心保护区/一般控制区
# (中办发〔2019〕42号).
NATURE_RESERVES: list[tuple[str, float, float, float, float, str]] = [
    ("乌江峡谷自然保护区", 106.860, 27.300, 2.0, 4.5, "three"),
    ("花溪高坡自然保护区", 106.748, 26.318, 1.3, 3.2, "two"),
]

QUASI_ZONES: dict[str, float] = {"红枫湖饮用水水源保护区": 2.0, "百花湖饮用水水源保护区": 1.2}
"""Width [km] of the quasi protection zone 准保护区 around the grade-2 zone of these sources."""

CANONICAL_INDUSTRIES = (
    "steel", "cement_clinker", "flat_glass", "electrolytic_aluminium", "chemical",
    "petrochemical", "coking", "coal_chemical", "nonferrous_smelting", "coal_power",
    "data_center", "manufacturing", "electronics", "pharmaceutical", "food_processing",
    "phosphorus_chemical",
)
"""Industry ids used in the demo's park and unit lists."""
