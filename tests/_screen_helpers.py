"""Small synthetic regions for the screening tests: geometry in metres around Guiyang.

Geometries are written in a local transverse Mercator (metres, origin at 106.7°E 26.6°N) and
saved as EPSG:4326 GeoPackages so that the screening code does its own, real transformation.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyproj
import shapely

LOCAL = pyproj.CRS.from_proj4("+proj=tmerc +lat_0=26.6 +lon_0=106.7 +k=1 +x_0=0 +y_0=0 "
                              "+ellps=GRS80 +units=m +no_defs +type=crs")


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle in local metres."""
    return shapely.box(x0, y0, x1, y1)


def to_lonlat(geoms) -> gpd.GeoSeries:
    """Local-metre geometries as EPSG:4326."""
    return gpd.GeoSeries(list(geoms), crs=LOCAL).to_crs(4326)


def write_catalog(folder: Path, layers: dict[str, tuple[str, list[dict]]]) -> Path:
    """Write one GeoPackage per layer and a catalog.toml naming them.

    Parameters
    ----------
    layers : {layer_id: (kind, [ {"geometry": shapely (local m), attr: value ...}, ...])}
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = ['[region]\nname = "test"\n']
    for layer_id, (kind, features) in layers.items():
        frame = gpd.GeoDataFrame(
            [{k: (";".join(v) if isinstance(v, list) else v) for k, v in f.items()
              if k != "geometry"} for f in features],
            geometry=to_lonlat(f["geometry"] for f in features).values, crs=4326)
        if "id" not in frame.columns:
            frame["id"] = [f"{layer_id}-{i + 1}" for i in range(len(frame))]
        frame.to_file(folder / f"{layer_id}.gpkg", driver="GPKG")
        lines.append(f'[[layer]]\nid = "{layer_id}"\nkind = "{kind}"\npath = "{layer_id}.gpkg"\n'
                     f'source = "synthetic {layer_id}"\ndate = "2024"\n')
    # an anchor layer far enough out that every catalog has the same extent
    path = folder / "catalog.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def projects(rows: list[dict]) -> gpd.GeoDataFrame:
    """A project GeoDataFrame (EPSG:4326) from rows with local-metre ``geometry``."""
    frame = gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows],
                             geometry=to_lonlat(r["geometry"] for r in rows).values, crs=4326)
    return frame
