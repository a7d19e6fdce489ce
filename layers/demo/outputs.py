"""Write the generated demo layers, rasters and project files (fixed order, fixed formats)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import shapely

from layers.demo.places import BUILD_DATE, SEED
from layers.demo.projects import POINT_PROJECTS, SPECS, attributes
from layers.demo.projects_law import SPECS_LAW
from layers.demo.units import TYPE_ZH
from layers.demo.write import (
    csv_value,
    lonlat,
    mnr_txt,
    write_fgb,
    write_geojson,
    write_text,
    write_tif,
)

SYNTHETIC = f"合成数据 synthetic, layers/demo/build.py seed {SEED} — not for real decisions"
PROJECT_COLUMNS = ["project_id", "name", "type", "component", "industry", "two_high",
                   "capacity_replacement", "replacement_ratio", "pollutant_offset",
                   "risk_control_part", "allowed_activity", "national_major",
                   "national_major_doc", "capacity_mw"]
UNIT_COLUMNS = {"unit_code": "单元编码", "name": "单元名称", "unit_type_zh": "管控类别",
                "district_name": "所属区县", "spatial_layout": "空间布局约束",
                "pollutant_discharge": "污染物排放管控", "environmental_risk": "环境风险防控",
                "resource_efficiency": "资源开发效率要求", "prohibited_zh": "禁止准入行业",
                "park_only_zh": "须入园行业"}
CULTIVATED_ZH = {"paddy": "水田", "irrigated": "水浇地", "dry": "旱地"}
FOREST_ZH = {"arbor": "乔木林地", "bamboo": "竹林地", "shrub": "灌木林地", "other": "其他林地"}
GRADE_ZH = {"I": "Ⅰ级", "II": "Ⅱ级", "III": "Ⅲ级", "IV": "Ⅳ级"}
WELFARE_ZH = {"national": "国家级公益林", "provincial": "省级公益林", "none": "商品林"}
"""How the land survey (三调) and the forest map (林地一张图) write these values; the catalog maps
them back (``values``)."""
PARCEL_ZONE = 35
"""3° Gauss-Krüger zone of the TXT parcel (CM 105°E; the parcel lies west of 106.5°E)."""

# file name → (key in the generated world, attribute columns)
VECTOR_FILES = [
    ("red_lines.geojson", "red", ["id", "name"]),
    ("basic_farmland.geojson", "farm", ["id", "name"]),
    ("urban_boundaries.geojson", "towns", ["id", "name"]),
    ("industrial_parks.geojson", "parks", ["id", "name", "level", "admitted_industries",
                                           "prohibited_industries", "planning_eia"]),
    ("water_sources.geojson", "sources", ["id", "name", "grade"]),
    ("nature_reserves.geojson", "reserves", ["id", "name", "zone"]),
    ("rivers.geojson", "rivers", ["id", "name", "basin", "importance"]),
    ("cultivated_land.geojson", "cultivated", ["图斑编号", "名称", "地类名称"]),
    ("forest_land.geojson", "forest", ["小班号", "名称", "地类", "保护等级", "郁闭度", "公益林",
                                       "国有林场"]),
    ("grassland.geojson", "grass", ["id", "name", "basic"]),
    ("protected_areas.geojson", "protected", ["id", "name", "category"]),
    ("geohazard_zones.geojson", "hazard", ["id", "name", "grade"]),
    ("abandoned_mines.geojson", "abandoned_mine", ["id", "name", "mineral"]),
    ("slag_heaps.geojson", "slag_heap", ["id", "name", "material"]),
    ("subsidence_areas.geojson", "subsidence_area", ["id", "name", "stable"]),
    ("closed_landfills.geojson", "closed_landfill", ["id", "name", "closed_year"]),
    ("contaminated_sites.geojson", "contaminated_site", ["id", "name", "in_risk_register"]),
    ("settlements.geojson", "villages", ["id", "name", "population"]),
    ("roads.geojson", "roads", ["id", "name", "road_class"]),
    ("substations.geojson", "substations", ["id", "name", "voltage_kv"]),
]


def _rows(world: dict, key: str) -> list[dict]:
    if key in ("abandoned_mine", "slag_heap", "subsidence_area", "closed_landfill",
               "contaminated_site"):
        return [d for d in world["degraded"] if d["kind"] == key]
    rows = world[key]
    if key == "parks":
        return [{**p, "admitted_industries": p["admitted"],
                 "prohibited_industries": p["prohibited"],
                 "planning_eia": "是" if p["planning_eia"] else "否"} for p in rows]
    if key == "cultivated":
        return [{"图斑编号": c["id"], "名称": c["name"], "地类名称": CULTIVATED_ZH[c["land_class"]],
                 "geometry": c["geometry"]} for c in rows]
    if key == "forest":
        return [{"小班号": f["id"], "名称": f["name"], "地类": FOREST_ZH[f["forest_type"]],
                 "保护等级": GRADE_ZH[f["protection_grade"]], "郁闭度": f["canopy_cover"],
                 "公益林": WELFARE_ZH[f["public_welfare"]],
                 "国有林场": "是" if f["state_forest"] else "否", "geometry": f["geometry"]}
                for f in rows]
    if key in ("sources", "reserves", "rivers"):
        prefix = {"sources": "SY", "reserves": "ZR", "rivers": "HL"}[key]
        return [{**r, "id": f"{prefix}{k:02d}"} for k, r in enumerate(rows, start=1)]
    return rows


def _units(world: dict) -> list[dict]:
    from layers.demo.places import DISTRICTS

    return [{**u, "unit_type_zh": TYPE_ZH[u["unit_type"]],
             "district_name": DISTRICTS[u["district"]][0],
             "prohibited_zh": "、".join(u["prohibited_industries"]),
             "park_only_zh": ";".join(u["park_only_industries"])} for u in world["units"]]


def _parcel(footprint: shapely.Geometry) -> dict:
    """The TXT parcel: clockwise outer ring from the north-west corner, zone-prefixed eastings."""
    ll = lonlat(shapely.simplify(footprint, 8.0))
    if ll.bounds[2] >= 3 * PARCEL_ZONE + 1.5:
        raise RuntimeError("demo build: the TXT parcel reaches east of 106.5°E (zone 36)")
    gk = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:4523", always_xy=True)
    xy = shapely.get_coordinates(shapely.orient_polygons(ll, exterior_cw=True).exterior)[:-1]
    e, n = gk.transform(xy[:, 0], xy[:, 1])
    pts = np.round(np.column_stack([e, n]), 2)
    start = int(np.argmax(pts[:, 1] - pts[:, 0]))
    pts = np.vstack([np.roll(pts, -start, axis=0), np.roll(pts, -start, axis=0)[:1]])
    area = shapely.Polygon(pts).area / 1e4
    return {"id": "T01", "name": SPECS["T01"][0], "use": "光伏发电", "xy": pts,
            "area_ha": area}


def write_outputs(world: dict, out: Path) -> list[Path]:
    """Write every layer, raster and project file of ``world`` into ``out``."""
    files = []
    admin = [{"id": r.id, "name": r.name, "admin_code": r.admin_code, "geometry": r.geometry}
             for r in world["admin"].itertuples()]
    write_geojson(out / "admin_boundaries.geojson", "admin_boundaries", admin,
                  ["id", "name", "admin_code"])
    files.append(out / "admin_boundaries.geojson")
    for name, key, columns in VECTOR_FILES:
        rows = [{**r, "geometry": lonlat(r["geometry"])} for r in _rows(world, key)]
        write_geojson(out / name, name.removesuffix(".geojson"), rows, columns)
        files.append(out / name)
    write_fgb(out / "control_units.fgb", _units(world), UNIT_COLUMNS)
    files.append(out / "control_units.fgb")

    dem, transform = world["dem"]
    write_tif(out / "dem.tif", dem, transform, "EPSG:4545", -32768, "m",
              f"Synthetic DEM (pvlib 1/12 deg altitude + fractal detail), seed {SEED}")
    write_tif(out / "ghi.tif", world["ghi"][0], world["ghi"][1], "EPSG:4326", None, "kWh/m2/yr",
              f"Synthetic annual global horizontal irradiation, seed {SEED}")
    write_tif(out / "wind_speed.tif", world["wind"][0], world["wind"][1], "EPSG:4490", None,
              "m/s", f"Synthetic mean wind speed at 100 m, seed {SEED}")
    files += [out / "dem.tif", out / "ghi.tif", out / "wind_speed.tif"]
    files += _write_projects(world["projects"], out)
    return files


def _write_projects(fp: dict[str, shapely.Geometry], out: Path) -> list[Path]:
    from layers.chinacoords import wgs84_to_gcj02

    specs = {**SPECS, **SPECS_LAW}
    ids = [pid for pid in specs if pid.startswith("P")]
    rows = [{**attributes(pid, fp[pid], specs), "geometry": lonlat(fp[pid])} for pid in ids]
    write_geojson(out / "projects.geojson", "projects", rows, PROJECT_COLUMNS, decimals=7)

    lines = [",".join(PROJECT_COLUMNS + ["lon", "lat"])]
    for row in rows:
        if row["project_id"] not in POINT_PROJECTS:
            continue
        lon, lat = np.round(shapely.get_coordinates(row["geometry"])[0], 7)
        glon, glat = wgs84_to_gcj02(lon, lat)
        cells = [csv_value(row[c]) for c in PROJECT_COLUMNS]
        cells += [f"{float(glon):.7f}", f"{float(glat):.7f}"]
        lines.append(",".join(cells))
    write_text(out / "projects_gcj02.csv", "\n".join(lines) + "\n")

    parcel = _parcel(fp["T01"])
    write_text(out / "parcel_2000.txt",
               mnr_txt([parcel], PARCEL_ZONE, "贵阳市演示数据（合成）", BUILD_DATE.replace("-", "")),
               encoding="gbk", newline="\r\n")

    verdicts = ["file,project_id,expected_verdict,reason"]
    entries = [("projects.geojson", pid) for pid in ids]
    entries += [("projects_gcj02.csv", pid) for pid in POINT_PROJECTS]
    entries += [("parcel_2000.txt", "T01")]
    for name, pid in entries:
        verdicts.append(",".join([name, pid, specs[pid][4], csv_value(specs[pid][5])]))
    write_text(out / "expected_verdicts.csv", "\n".join(verdicts) + "\n")
    return [out / n for n in ("projects.geojson", "projects_gcj02.csv", "parcel_2000.txt",
                              "expected_verdicts.csv")]
