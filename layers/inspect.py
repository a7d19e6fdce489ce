"""Inspect a catalog: per layer its kind, features, CRSs, area, bounds and problems.

This is the guts of ``siting layers``: path in, plain data out; the CLI only formats it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import rasterio
from rasterio.errors import RasterioIOError

from layers.catalog import Catalog, RasterSpec
from layers.crs import describe_crs, normalize_crs
from layers.errors import InputError
from layers.hygiene import Problem
from layers.kinds import get_kind, get_raster_kind


def inspect_catalog(catalog: Catalog) -> dict:
    """Read every layer and raster of a catalog and summarise it.

    Parameters
    ----------
    catalog : Catalog

    Returns
    -------
    dict
        ``{"catalog", "region", "working_crs", "usable", "layers": [...], "rasters": [...]}``;
        each layer has ``id, kind, label_zh, label_en, geometry, features, source_crs,
        working_crs, area_m2, area_ha, bounds_lonlat, source, date, usable, problems``.
        Areas [m²] are summed over features in the working CRS (overlaps count twice).
    """
    layers = []
    try:
        working = catalog.working_crs
    except InputError as exc:
        working = None
        working_problem = str(exc)
    for spec in catalog.layers:
        kind = get_kind(spec.kind)
        entry = {"id": spec.id, "kind": spec.kind, "label_zh": kind.label_zh,
                 "label_en": kind.label_en, "geometry": kind.geometry, "path": spec.path,
                 "source": spec.source, "date": spec.date, "features": None,
                 "source_crs": None, "working_crs": describe_crs(working), "area_m2": None,
                 "area_ha": None, "bounds_lonlat": None, "problems": []}
        try:
            if working is None:
                raise InputError(working_problem)
            data = catalog.read(spec.id)
        except InputError as exc:
            entry["problems"] = [Problem(None, "unreadable", str(exc), "error").to_dict()]
            entry["usable"] = False
            layers.append(entry)
            continue
        gdf = data.gdf
        entry["features"] = int(len(gdf))
        entry["source_crs"] = describe_crs(data.source_crs)
        if len(gdf) and not gdf.geometry.is_empty.all():
            entry["bounds_lonlat"] = [round(float(v), 6) for v in gdf.to_crs(4326).total_bounds]
        if kind.geometry == "polygon":
            area = float(np.nansum(gdf.geometry.area.to_numpy()))
            entry["area_m2"] = round(area, 1)
            entry["area_ha"] = round(area / 1e4, 2)
        problems = list(data.problems)
        accepted = [t for g in kind.geometries for t in _GEOM_TYPES[g]]
        wrong = ~gdf.geometry.is_empty & gdf.geometry.notna() & ~gdf.geom_type.isin(accepted)
        expects = " or ".join(kind.geometries)
        for fid in gdf.loc[wrong, "id"]:
            problems.append(Problem(str(fid), "geometry_type", f"layer {spec.id!r}: geometry is "
                                    f"not a {expects} as kind {spec.kind} expects", "error"))
        entry["problems"] = [p.to_dict() for p in problems]
        entry["usable"] = data.usable and not wrong.any()
        layers.append(entry)
    rasters = [inspect_raster(spec) for spec in catalog.rasters]
    return {
        "catalog": str(catalog.path),
        "region": catalog.region,
        "working_crs": describe_crs(working),
        "usable": all(e["usable"] for e in layers) and all(r["usable"] for r in rasters),
        "layers": layers,
        "rasters": rasters,
    }


_GEOM_TYPES = {"polygon": ["Polygon", "MultiPolygon"],
               "line": ["LineString", "MultiLineString"],
               "point": ["Point", "MultiPoint"]}


def inspect_raster(spec: RasterSpec) -> dict:
    """Summarise one raster: CRS, size, pixel size, bounds, value range, problems."""
    kind = get_raster_kind(spec.kind)
    entry = {"id": spec.id, "kind": spec.kind, "label_zh": kind.label_zh,
             "label_en": kind.label_en, "units": kind.units, "path": spec.path,
             "source": spec.source, "date": spec.date, "crs": None, "width": None,
             "height": None, "pixel_size": None, "bounds": None, "problems": []}
    try:
        with rasterio.open(spec.path) as src:
            crs = pyproj.CRS.from_user_input(src.crs) if src.crs else None
            if crs is None and spec.crs:
                crs = normalize_crs(spec.crs, f"raster {spec.id!r}")
            entry.update(crs=describe_crs(crs) if crs else None, width=src.width,
                         height=src.height, pixel_size=[abs(src.res[0]), abs(src.res[1])],
                         bounds=[float(v) for v in src.bounds])
            if crs is None:
                entry["problems"].append(Problem(
                    None, "crs", f"raster {spec.id!r} ({Path(spec.path).name}) has no CRS; add "
                    "`crs = \"EPSG:...\"` to its [[raster]] entry", "error").to_dict())
    except RasterioIOError as exc:
        entry["problems"].append(Problem(None, "unreadable", f"raster {spec.id!r}: cannot read "
                                         f"{spec.path} ({exc})", "error").to_dict())
    entry["usable"] = not any(p["severity"] == "error" for p in entry["problems"])
    return entry
