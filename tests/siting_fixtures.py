"""A tiny synthetic region for the siting tests: a catalog with degraded land, exclusions,
infrastructure and rasters (GHI in EPSG:4326, DEM and wind in a metric CRS)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
from rasterio.transform import from_origin
from shapely.geometry import LineString, Point, box

UTM = "EPSG:4545"   # CGCS2000 / 3-degree GK CM 108E (plain eastings)
X0, Y0 = 500_000.0, 2_950_000.0   # near 26.6°N, 108°E


def write_raster(path: Path, data: np.ndarray, transform, crs, nodata=None) -> Path:
    with rasterio.open(path, "w", driver="GTiff", height=data.shape[0], width=data.shape[1],
                       count=1, dtype="float32", crs=crs, transform=transform,
                       nodata=nodata) as ds:
        ds.write(data.astype("float32"), 1)
    return path


LEGAL_LAND = """
[[layer]]
id = "cultivated"
kind = "cultivated_land"
path = "cultivated.gpkg"

[[layer]]
id = "forest"
kind = "forest_land"
path = "forest.gpkg"
"""


def legal_land() -> dict[str, gpd.GeoDataFrame]:
    """Cultivated and forest land over the clean mine m2 (x 2000-2600, y 0-600) and the
    subsidence s1: one polygon of each forest type, one with the type unknown (blank)."""
    cultivated = gpd.GeoDataFrame(
        {"id": ["k1"], "land_class": ["dry"]},
        geometry=[box(X0 + 2000, Y0, X0 + 2100, Y0 + 600)], crs=UTM)
    forest = gpd.GeoDataFrame({
        "id": ["arbor", "shrub", "unknown", "grade1", "other"],
        "protection_grade": ["III", "III", "III", "I", "IV"],
        "forest_type": ["arbor", "shrub", None, "shrub", "other"],
        "canopy_cover": [0.6, 0.3, 0.4, 0.3, 0.2],
        "public_welfare": ["none", "none", "none", "national", "none"],
        "state_forest": [False, False, False, True, False]},
        geometry=[box(X0 + 2500, Y0, X0 + 2700, Y0 + 100),        # arbor, partly on m2
                  box(X0 + 2200, Y0 + 300, X0 + 2500, Y0 + 600),  # shrub, inside m2
                  box(X0 + 2050, Y0 + 50, X0 + 2150, Y0 + 250),   # type unknown, on m2
                  box(X0 + 2000, Y0 + 2000, X0 + 2200, Y0 + 2200),  # grade I shrub on s1
                  box(X0 + 2800, Y0 + 2600, X0 + 3100, Y0 + 2900)],  # other, partly on s1
        crs=UTM)
    return {"cultivated": cultivated, "forest": forest}


def make_region(tmp: Path, ghi_crs_none: bool = False, ghi_offset_deg: float = 0.0,
                legal: bool = False) -> Path:
    """Write the region to ``tmp`` and return the catalog path (``legal``: with cultivated and
    forest land layers, :func:`legal_land`)."""
    tmp.mkdir(parents=True, exist_ok=True)
    mines = gpd.GeoDataFrame(
        {"id": ["m1", "m2", "m3", "m4"], "name": ["<b>A</b>", "B", "C", "D"]},
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000),                 # partly red line
                  box(X0 + 2000, Y0, X0 + 2600, Y0 + 600),           # clean
                  box(X0 + 4000, Y0, X0 + 4300, Y0 + 300),           # fully farmland
                  box(X0 + 6000, Y0, X0 + 6400, Y0 + 400)],          # sliver left
        crs=UTM)
    mines.to_file(tmp / "mines.gpkg")
    subs = gpd.GeoDataFrame({"id": ["s1"], "stable": [True]},
                            geometry=[box(X0 + 2000, Y0 + 2000, X0 + 3000, Y0 + 2800)], crs=UTM)
    subs.to_file(tmp / "subsidence.gpkg")
    red = gpd.GeoDataFrame({"id": ["r1"]}, geometry=[box(X0 + 600, Y0 - 100, X0 + 1200,
                                                          Y0 + 1100)], crs=UTM)
    red.to_file(tmp / "redline.gpkg")
    farm = gpd.GeoDataFrame({"id": ["f1", "f2"]},
                            geometry=[box(X0 + 3900, Y0 - 100, X0 + 4400, Y0 + 400),
                                      box(X0 + 5900, Y0 + 50, X0 + 6500, Y0 + 400)], crs=UTM)
    farm.to_file(tmp / "farmland.gpkg")
    sub = gpd.GeoDataFrame({"id": ["t1"], "voltage_kv": [110.0]},
                           geometry=[Point(X0 + 3000, Y0 + 5000)], crs=UTM)
    sub.to_file(tmp / "substation.gpkg")
    road = gpd.GeoDataFrame({"id": ["d1"]}, geometry=[LineString([(X0 - 500, Y0 - 1500),
                                                                  (X0 + 8000, Y0 - 1500)])],
                            crs=UTM)
    road.to_file(tmp / "road.gpkg")
    # DEM in the metric CRS: a plane rising 0.1 m per m eastwards (slope atan(0.1) = 5.71°)
    res = 50.0
    nx, ny = 200, 160
    xs = X0 - 1000 + res * (np.arange(nx) + 0.5)
    dem = np.tile(1000 + 0.1 * (xs - X0), (ny, 1))
    write_raster(tmp / "dem.tif", dem, from_origin(X0 - 1000, Y0 + 7000, res, res), UTM)
    wind = np.tile(5 + (xs - X0) / 4000.0, (ny, 1))
    write_raster(tmp / "wind.tif", wind, from_origin(X0 - 1000, Y0 + 7000, res, res), UTM)
    # GHI in EPSG:4326 increasing eastwards
    lon0, lat0, d = 107.98 + ghi_offset_deg, 26.70, 0.002
    gx, gy = 60, 50
    lons = lon0 + d * (np.arange(gx) + 0.5)
    ghi = np.tile(1100 + (lons - lon0) * 2000, (gy, 1))
    write_raster(tmp / "ghi.tif", ghi, from_origin(lon0, lat0, d, d),
                 None if ghi_crs_none else "EPSG:4326")
    extra = ""
    if legal:
        for name, gdf in legal_land().items():
            gdf.to_file(tmp / f"{name}.gpkg")
        extra = LEGAL_LAND
    (tmp / "catalog.toml").write_text("""
[region]
name = "test"

[[layer]]
id = "mines"
kind = "abandoned_mine"
path = "mines.gpkg"
source = "synthetic"
date = "2024"

[[layer]]
id = "subsidence"
kind = "subsidence_area"
path = "subsidence.gpkg"

[[layer]]
id = "redline"
kind = "ecological_red_line"
path = "redline.gpkg"

[[layer]]
id = "farmland"
kind = "basic_farmland"
path = "farmland.gpkg"

[[layer]]
id = "substation"
kind = "substation"
path = "substation.gpkg"

[[layer]]
id = "road"
kind = "road"
path = "road.gpkg"

[[raster]]
id = "dem"
kind = "dem"
path = "dem.tif"
units = "m"

[[raster]]
id = "ghi"
kind = "ghi"
path = "ghi.tif"
units = "kWh/m2/yr"

[[raster]]
id = "wind"
kind = "wind_speed"
path = "wind.tif"
units = "m/s"
""" + extra, encoding="utf-8")
    return tmp / "catalog.toml"
