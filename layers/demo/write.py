"""Byte-stable writers of the demo build: GeoJSON, FlatGeobuf, GeoTIFF, CSV and the MNR TXT.

GeoJSON is written by hand (one feature per line, RFC 7946 orientation, coordinates rounded to a
fixed number of decimals) so the bytes depend only on the geometry; FlatGeobuf and GeoTIFF carry
no timestamps (no TIFFTAG_DATETIME is set).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import rasterio
import shapely
from affine import Affine

from layers.demo.synth import METRIC, to_lonlat


def lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    """A METRIC geometry in lon/lat [°] (EPSG:4326)."""
    return shapely.transform(geom, lambda xy: np.column_stack(to_lonlat(xy[:, 0], xy[:, 1])))


def _ring(coords: np.ndarray, decimals: int) -> list:
    return np.round(coords, decimals).tolist()


def geometry_dict(geom: shapely.Geometry, decimals: int) -> dict:
    """GeoJSON geometry of ``geom`` with rounded coordinates and RFC 7946 ring orientation."""
    kind = geom.geom_type
    if kind == "Point":
        return {"type": "Point", "coordinates": _ring(shapely.get_coordinates(geom), decimals)[0]}
    if kind == "LineString":
        return {"type": kind, "coordinates": _ring(shapely.get_coordinates(geom), decimals)}
    if kind == "MultiLineString":
        return {"type": kind, "coordinates": [_ring(shapely.get_coordinates(g), decimals)
                                              for g in geom.geoms]}
    if kind in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom, exterior_cw=False)
        polys = [geom] if kind == "Polygon" else list(geom.geoms)
        rings = [[_ring(shapely.get_coordinates(r), decimals) for r in (p.exterior, *p.interiors)]
                 for p in polys]
        return {"type": kind, "coordinates": rings[0] if kind == "Polygon" else rings}
    raise ValueError(f"cannot write a {kind} to the demo GeoJSON")


def write_geojson(path: Path, name: str, rows: list[dict], columns: list[str],
                  decimals: int = 6) -> None:
    """Write lon/lat features (dicts with ``geometry``) as a GeoJSON FeatureCollection.

    Raises
    ------
    RuntimeError
        When rounding makes a polygon invalid (the build must then be fixed).
    """
    lines = []
    for row in rows:
        if row["geometry"].is_empty:
            raise RuntimeError(f"{path.name}: feature {row.get('id')} has an empty geometry")
        geometry = geometry_dict(row["geometry"], decimals)
        written = shapely.geometry.shape(geometry)
        if not written.is_valid:
            raise RuntimeError(f"{path.name}: feature {row.get('id')} invalid after rounding: "
                               f"{shapely.is_valid_reason(written)}")
        props = {c: row.get(c) for c in columns}
        feature = {"type": "Feature", "properties": props, "geometry": geometry}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":")))
    head = json.dumps({"type": "FeatureCollection", "name": name}, ensure_ascii=False)[:-1]
    text = head + ', "features": [\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8", newline="\n")


def write_fgb(path: Path, rows: list[dict], columns: dict[str, str]) -> None:
    """Write METRIC features as FlatGeobuf (EPSG:4545, full precision, input order).

    Parameters
    ----------
    columns : dict
        Attribute key in ``rows`` → column name in the file.

    Raises
    ------
    RuntimeError
        When a geometry is invalid or empty (the build must then be fixed).
    """
    geoms = [r["geometry"] for r in rows]
    for row, geom in zip(rows, geoms):
        if geom.is_empty or not geom.is_valid:
            raise RuntimeError(f"{path.name}: feature {row.get('unit_code')} is empty or invalid")
    data = {col: [row[key] for row in rows] for key, col in columns.items()}
    frame = gpd.GeoDataFrame(data, geometry=geoms, crs=METRIC)
    if path.exists():
        path.unlink()
    pyogrio.write_dataframe(frame, path, driver="FlatGeobuf", layer=path.stem,
                            SPATIAL_INDEX="NO")


def write_tif(path: Path, array: np.ndarray, transform: Affine, crs: str, nodata: float | None,
              units: str, description: str) -> None:
    """Write a single-band compressed, tiled GeoTIFF with fixed tags (no timestamp)."""
    predictor = 3 if array.dtype.kind == "f" else 2
    profile = {"driver": "GTiff", "width": array.shape[1], "height": array.shape[0], "count": 1,
               "dtype": array.dtype.name, "crs": crs, "transform": transform, "nodata": nodata,
               "compress": "deflate", "zlevel": 9, "predictor": predictor, "tiled": True,
               "blockxsize": 256, "blockysize": 256, "interleave": "band"}
    if path.exists():
        path.unlink()
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(array, 1)
        dst.update_tags(TIFFTAG_IMAGEDESCRIPTION=description)
        dst.set_band_description(1, description)
        dst.set_band_unit(1, units)


def write_text(path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    """Write text with a fixed encoding and line ending."""
    path.write_bytes(text.replace("\n", newline).encode(encoding))


def csv_value(value) -> str:
    """A CSV cell: booleans as true/false, None as empty, floats without trailing noise."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 7))
    text = str(value)
    return f'"{text}"' if any(c in text for c in ',"\n') else text


def mnr_txt(parcels: list[dict], zone: int, unit: str, date: str) -> str:
    """The Ministry of Natural Resources boundary-point TXT of ``parcels``.

    Parameters
    ----------
    parcels : list of dict
        ``id``, ``name``, ``use`` and ``xy`` (easting, northing [m] of the outer ring, zone
        number prefixed, first point repeated at the end), ``area_ha``.
    zone : int
        3° Gauss-Krüger zone number.
    """
    lines = ["[属性描述]", "格式版本号=1.01版本", f"数据产生单位={unit}", f"数据产生日期={date}",
             "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格", "计量单位=米",
             f"带号={zone}", "精度=0.01", "转换参数=,,,,,,", "[地块坐标]"]
    for p in parcels:
        xy = p["xy"]
        lines.append(f"{len(xy)},{p['area_ha']:.4f},{p['id']},{p['name']},面,,{p['use']},,@")
        for k, (e, n) in enumerate(xy):
            label = k + 1 if k < len(xy) - 1 else 1
            lines.append(f"J{label},1,{n:.2f},{e:.2f}")
    return "\n".join(lines) + "\n"
