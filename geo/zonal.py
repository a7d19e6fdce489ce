"""Raster criteria with fractional pixel coverage (exactextract) and distances to infrastructure.

Polygons are reprojected to each raster's CRS (explicitly, never silently: the raster must have
a CRS or the catalog must name one). Slope [°] is computed from the DEM with pixel sizes in
metres: directly for a projected DEM, from geodesic pixel widths per row (``pyproj.Geod``) for a
geographic one.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import rasterio
import shapely
from exactextract import exact_extract
from exactextract.feature import Feature, FeatureSource
from exactextract.raster import NumPyRasterSource

from layers.crs import describe_crs, normalize_crs
from layers.errors import CRSError, InputError


def raster_crs(spec) -> pyproj.CRS:
    """The CRS of a catalog raster: the file's own, else the catalog's ``crs``; never guessed.

    Raises
    ------
    CRSError
        When neither the file nor the catalog gives one.
    """
    with rasterio.open(spec.path) as ds:
        crs = ds.crs
    if crs is not None:
        return pyproj.CRS.from_user_input(crs.to_wkt())
    if getattr(spec, "crs", None):
        return normalize_crs(spec.crs, f"raster {spec.id!r}")
    raise CRSError(f"raster {spec.id!r} ({spec.path}) has no CRS; add crs = 'EPSG:…' to its "
                   "[[raster]] entry in the catalog / 栅格缺少坐标系")


def slope_degrees(z: np.ndarray, transform, crs: pyproj.CRS) -> np.ndarray:
    """Slope [°] of an elevation grid [m] with pixel sizes in metres.

    Parameters
    ----------
    z : 2-D array
        Elevation [m]; NaN for nodata.
    transform : affine.Affine
        North-up geotransform of the grid.
    crs : pyproj.CRS
        The grid's CRS: projected (pixel size in its linear unit, converted to metres) or
        geographic (pixel widths from the geodesic length of one pixel at each row's latitude).
    """
    rows = z.shape[0]
    if crs.is_geographic:
        geod = pyproj.Geod(ellps="WGS84")
        lat = transform.f + transform.e * (np.arange(rows) + 0.5)
        lon0 = np.full(rows, transform.c)
        _, _, dx = geod.inv(lon0, lat, lon0 + transform.a, lat)
        _, _, dy = geod.inv(lon0, lat, lon0, lat + transform.e)
        dx, dy = dx[:, None], dy[:, None]
    else:
        unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        dx, dy = abs(transform.a) * unit, abs(transform.e) * unit
    gy, gx = np.gradient(z.astype(np.float64))
    return np.degrees(np.arctan(np.hypot(gx / dx, gy / dy))).astype(np.float32)


def _coverage_check(spec, geoms_r: gpd.GeoSeries, bounds, crs) -> None:
    ok = ~(geoms_r.is_empty | geoms_r.isna())
    if not ok.any():
        return
    minx, miny, maxx, maxy = geoms_r[ok].total_bounds
    box = shapely.box(*bounds)
    ext = shapely.box(minx, miny, maxx, maxy)
    share = shapely.area(shapely.intersection(box, ext)) / max(shapely.area(ext), 1e-12)
    if not shapely.intersects(box, geoms_r[ok].values).any():
        overlap = (f"its bounds overlap {100 * share:.1f}% of the box around them, but no "
                   "candidate lies inside" if share > 0 else "its bounds lie apart from them")
        raise InputError(
            f"raster {spec.id!r} ({spec.path}) covers none of the candidates: {overlap} "
            f"(candidates' extent {minx:.4f}, {miny:.4f}, {maxx:.4f}, {maxy:.4f} in "
            f"{describe_crs(crs)}; raster bounds {tuple(round(b, 4) for b in bounds)}). If the "
            "candidates' coordinates were given with --crs or --coords, check them (a wrong CRS "
            "or Gauss-Krüger zone moves them away); else give a raster covering them / "
            "栅格未覆盖任何候选地块：如用 --crs 或 --coords 指定了坐标系，请检查其是否正确（坐标系或"
            "投影带错误会使地块偏离）；否则请提供覆盖这些地块的栅格")


class _WKBFeature(Feature):
    """One polygon handed to exactextract as WKB with its row number ``_i``."""

    def __init__(self, i: int, wkb: bytes):
        Feature.__init__(self)
        self.values, self.wkb = {"_i": i}, wkb

    def geometry(self) -> bytes:
        return self.wkb

    def get(self, name):
        return self.values[name]

    def set(self, name, value):
        self.values[name] = value

    def fields(self) -> list[str]:
        return list(self.values)


class _WKBSource(FeatureSource):
    """Polygons as WKB encoded in one vectorised call (exactextract's GeoDataFrame source
    encodes each feature as GeoJSON text in Python, which costs more than the extraction)."""

    def __init__(self, geoms: np.ndarray, rows: np.ndarray, crs: pyproj.CRS):
        super().__init__()
        self.wkb, self.rows, self.crs = shapely.to_wkb(geoms), rows.tolist(), crs

    def count(self) -> int:
        return len(self.wkb)

    def __iter__(self):
        for i, wkb in zip(self.rows, self.wkb):
            yield _WKBFeature(i, wkb)

    def srs_wkt(self) -> str:
        return self.crs.to_wkt()


def zonal(geoms: gpd.GeoSeries, spec, ops=("mean",), array: np.ndarray | None = None
          ) -> pd.DataFrame:
    """Zonal statistics of one raster over polygons, with fractional pixel coverage.

    Parameters
    ----------
    geoms : GeoSeries
        Polygons in any CRS; reprojected to the raster's CRS for the extraction.
    spec : RasterSpec
        The catalog raster (``id``, ``path``, optional ``crs``).
    ops : sequence of str
        exactextract operations (``mean``, ``max`` ...).
    array : 2-D array, optional
        Values to use instead of the file's band 1, on the file's grid (e.g. a derived slope).

    Returns
    -------
    DataFrame (index of ``geoms``)
        One column per op plus ``covered`` (sum of coverage fractions of valid pixels); NaN for
        empty geometries or polygons outside the raster.

    Raises
    ------
    CRSError
        Raster without a CRS (and none in the catalog).
    InputError
        Raster not covering any polygon (the message gives the covered share of their extent).
    """
    return _zonal_grids(geoms, spec, ops, {"": array})[""]


def _zonal_grids(geoms: gpd.GeoSeries, spec, ops, arrays: dict) -> dict[str, pd.DataFrame]:
    """:func:`zonal` of several grids on the file's grid (name → array; one grid may be None,
    alone, for the file's band 1) in one exactextract pass: each polygon's pixel coverage is
    computed once."""
    crs = raster_crs(spec)
    geoms_r = geoms.to_crs(crs)
    with rasterio.open(spec.path) as ds:
        bounds = tuple(ds.bounds)
        _coverage_check(spec, geoms_r, bounds, crs)
        ok = ~(geoms_r.is_empty | geoms_r.isna()).to_numpy()
        out = {name: pd.DataFrame(np.nan, index=geoms.index, columns=[*ops, "covered"])
               for name in arrays}
        if not ok.any():
            return out
        vec = _WKBSource(np.asarray(geoms_r.values[ok]), np.flatnonzero(ok), crs)
        b = ds.bounds
        rasts = []
        for name, array in arrays.items():
            if array is None and ds.crs is None:
                array = ds.read(1, masked=True).astype("float64").filled(np.nan)
            rasts.append(ds if array is None else NumPyRasterSource(
                np.asarray(array), b.left, b.bottom, b.right, b.top, nodata=None,
                srs_wkt=crs.to_wkt(), name=name or None))
        res = exact_extract(rasts if len(rasts) > 1 else rasts[0], vec, [*ops, "count"],
                            include_cols=["_i"], output="pandas")
    res = res.set_index("_i")
    idx = geoms.index[res.index.to_numpy()]
    for name, frame in out.items():
        prefix = f"{name}_" if len(arrays) > 1 else ""  # exactextract's names for several
        for op in ops:
            frame.loc[idx, op] = res[prefix + op].to_numpy(dtype=float)
        frame.loc[idx, "covered"] = res[prefix + "count"].to_numpy(dtype=float)
        frame.loc[frame["covered"].fillna(0) <= 0, list(ops)] = np.nan
    return out


def dem_stats(geoms: gpd.GeoSeries, spec) -> pd.DataFrame:
    """Mean elevation [m], mean and max slope [°] from a DEM, over polygons.

    Returns
    -------
    DataFrame with ``elevation``, ``slope_mean``, ``slope_max``, ``dem_covered``.
    """
    crs = raster_crs(spec)
    with rasterio.open(spec.path) as ds:
        z = ds.read(1, masked=True).astype("float64").filled(np.nan)
        transform = ds.transform
    slope = slope_degrees(z, transform, crs).astype(np.float64)
    got = _zonal_grids(geoms, spec, ("mean", "max"), {"elevation": z, "slope": slope})
    elev, sl = got["elevation"], got["slope"]
    return pd.DataFrame({"elevation": elev["mean"], "slope_mean": sl["mean"],
                         "slope_max": sl["max"], "dem_covered": elev["covered"]},
                        index=geoms.index)


def nearest_km(geoms: gpd.GeoSeries, targets: np.ndarray) -> np.ndarray:
    """Distance [km] from each geometry to the nearest target, in the geometries' metric CRS.

    NaN for empty geometries or when there are no targets.
    """
    g = np.asarray(geoms.values, dtype=object)
    out = np.full(len(g), np.nan)
    t = np.asarray(targets, dtype=object)
    t = t[~(shapely.is_missing(t) | shapely.is_empty(t))] if len(t) else t
    ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
    if not len(t) or not ok.any():
        return out
    tree = shapely.STRtree(t)
    (qi, _), dist = tree.query_nearest(g[ok], return_distance=True, all_matches=False)
    d = np.full(int(ok.sum()), np.nan)
    d[qi] = dist
    out[ok] = d / 1000.0
    return out
