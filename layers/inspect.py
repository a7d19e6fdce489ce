"""Inspect a catalog: per layer its kind, features, CRSs, area, bounds and problems.

This is the guts of ``siting layers``: path in, plain data out; the CLI only formats it.
"""

from __future__ import annotations

import numpy as np
import pyproj
import rasterio
from rasterio.errors import RasterioError

from layers.attributes import unknown_counts
from layers.catalog import Catalog, RasterSpec
from layers.covers import named
from layers.crs import describe_crs, normalize_crs
from layers.errors import InputError
from layers.hygiene import Problem, coarse_accuracy
from layers.kinds import get_kind, get_raster_kind
from layers.rasters import describe_values
from layers.windows import lonlat_bounds


def inspect_catalog(catalog: Catalog) -> dict:
    """Read every layer and raster of a catalog and summarise it.

    Every layer goes through :meth:`Catalog.read`, the validation path every command uses.

    Parameters
    ----------
    catalog : Catalog

    Returns
    -------
    dict
        ``{"catalog", "region", "working_crs", "usable", "layers": [...], "rasters": [...]}``;
        each layer has ``id, kind, label_zh, label_en, geometry, features, source_crs,
        working_crs, area_m2, area_ha, bounds_lonlat, source, date, accuracy_m, defaults,
        covers (the districts its data are complete over, ``[]``: everywhere), unknown, usable, problems``; ``unknown`` maps each fact with unknown values to their
        count, ``defaults`` the values the catalog states for the layer. Areas [m²] are summed
        over features in the working CRS (overlaps count twice).
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
                 "label_en": kind.label_en, "geometry": "/".join(kind.geometries),
                 "path": spec.path or catalog.provenance(spec.id)["path"], "source": spec.source, "date": spec.date,
                 "accuracy_m": spec.accuracy_m, "defaults": dict(spec.defaults),
                 "covers": named(catalog, spec.covers or []),
                 "features": None, "source_crs": None, "working_crs": describe_crs(working),
                 "area_m2": None, "area_ha": None, "bounds_lonlat": None, "unknown": {},
                 "problems": []}
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
        if spec.postgis is not None:  # service, table, rows and read time (layers/postgis.py)
            entry |= catalog.provenance(spec.id)
        entry["features"] = int(len(gdf))
        entry["source_crs"] = describe_crs(data.source_crs)
        if len(gdf) and not gdf.geometry.is_empty.all():
            entry["bounds_lonlat"] = [round(float(v), 6) for v in lonlat_bounds(gdf.geometry)]
        if "polygon" in kind.geometries:
            area = float(np.nansum(gdf.geometry.area.to_numpy()))
            entry["area_m2"] = round(area, 1)
            entry["area_ha"] = round(area / 1e4, 2)
        entry["unknown"] = unknown_counts(gdf, kind)
        entry["problems"] = [p.to_dict() for p in [*data.problems,
                                                   *coarse_accuracy(spec.id, spec.accuracy_m)]]
        entry["usable"] = data.usable
        layers.append(entry)
    rasters = [inspect_raster(spec, catalog.raster_problems(spec.id)) for spec in catalog.rasters]
    return {
        "catalog": str(catalog.path),
        "region": catalog.region,
        "working_crs": describe_crs(working),
        "usable": all(e["usable"] for e in layers) and all(r["usable"] for r in rasters),
        "layers": layers,
        "rasters": rasters,
    }


def inspect_raster(spec: RasterSpec, problems: list[Problem]) -> dict:
    """Summarise one raster: CRS, size, pixel size, bounds, sampled values, problems.

    Parameters
    ----------
    spec : RasterSpec
    problems : list of Problem
        Its problems (:meth:`Catalog.raster_problems`); any error makes it unusable.
    """
    kind = get_raster_kind(spec.kind)
    entry = {"id": spec.id, "kind": spec.kind, "label_zh": kind.label_zh,
             "label_en": kind.label_en, "units": kind.units, "path": spec.path,
             "source": spec.source, "date": spec.date, "crs": None, "width": None,
             "height": None, "pixel_size": None, "bounds": None, "values": None,
             "valid_range": list(kind.valid_range),
             "problems": [p.to_dict() for p in problems]}
    try:
        with rasterio.open(spec.path) as src:
            crs = pyproj.CRS.from_user_input(src.crs.to_wkt()) if src.crs else None
            if crs is None and spec.crs:
                crs = normalize_crs(spec.crs, f"raster {spec.id!r}")
            entry.update(crs=describe_crs(crs) if crs else None, width=src.width,
                         height=src.height, pixel_size=[abs(src.res[0]), abs(src.res[1])],
                         bounds=[float(v) for v in src.bounds])
        entry["values"] = describe_values(spec.path)
    except (RasterioError, InputError):
        pass  # already among its problems
    entry["usable"] = not any(p.severity == "error" for p in problems)
    return entry
