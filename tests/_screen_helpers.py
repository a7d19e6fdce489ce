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
ADMIN_EXTENT = (-20000.0, -20000.0, 130000.0, 60000.0)
"""The default admin boundary of a test catalog [local m]: the catalog's coverage area."""


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle in local metres."""
    return shapely.box(x0, y0, x1, y1)


def to_lonlat(geoms) -> gpd.GeoSeries:
    """Local-metre geometries as EPSG:4326."""
    return gpd.GeoSeries(list(geoms), crs=LOCAL).to_crs(4326)


def _toml(value) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return repr(value)


def write_catalog(folder: Path, layers: dict[str, tuple], region: dict | None = None,
                  admin: bool = True) -> Path:
    """Write one GeoPackage per layer and a catalog.toml naming them.

    Parameters
    ----------
    layers : {layer_id: (kind, [ {"geometry": shapely (local m), attr: value ...}, ...])}
        A third tuple item, a dict, adds keys to the layer's catalog entry (e.g. ``values``).
    region : dict, optional
        Keys of the ``[region]`` table besides ``name``.
    admin : bool
        Add an ``admin_boundary`` layer (code 520102, 贵阳市南明区) covering
        :data:`ADMIN_EXTENT` unless ``layers`` has one.
    """
    folder.mkdir(parents=True, exist_ok=True)
    layers = dict(layers)
    if admin and not any(v[0] == "admin_boundary" for v in layers.values()):
        layers["admin"] = ("admin_boundary", [{"geometry": box(*ADMIN_EXTENT),
                                               "admin_code": "520102", "name": "test"}])
    lines = ['[region]\nname = "test"\n' + "".join(f"{k} = {_toml(v)}\n"
                                                   for k, v in (region or {}).items())]
    for layer_id, spec in layers.items():
        kind, features = spec[0], spec[1]
        entry = spec[2] if len(spec) > 2 else {}
        frame = gpd.GeoDataFrame(
            [{k: (";".join(v) if isinstance(v, list) else v) for k, v in f.items()
              if k != "geometry"} for f in features],
            geometry=to_lonlat(f["geometry"] for f in features).values, crs=4326)
        if "id" not in frame.columns:
            frame["id"] = [f"{layer_id}-{i + 1}" for i in range(len(frame))]
        frame.to_file(folder / f"{layer_id}.gpkg", driver="GPKG")
        extra = "".join(f"{k} = {_toml(v)}\n" for k, v in entry.items())
        lines.append(f'[[layer]]\nid = "{layer_id}"\nkind = "{kind}"\npath = "{layer_id}.gpkg"\n'
                     f'source = "synthetic {layer_id}"\ndate = "2024"\n{extra}')
    path = folder / "catalog.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def projects(rows: list[dict]) -> gpd.GeoDataFrame:
    """A project GeoDataFrame (EPSG:4326) from rows with local-metre ``geometry``."""
    frame = gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows],
                             geometry=to_lonlat(r["geometry"] for r in rows).values, crs=4326)
    return frame


def boundary_point_txt(path: Path, parcels: list[tuple[str, float, float]]) -> Path:
    """A boundary-point TXT (自然资源部界址点坐标, CGCS2000 3° zone 36) of 200 m square parcels
    ``(id, easting, northing)`` of their first corner; the first parcel's header is line 8 and
    each takes 6 lines."""
    lines = ["[属性描述]", "坐标系=2000国家大地坐标系", "几度分带=3", "投影类型=高斯克吕格",
             "计量单位=米", "带号=36", "[地块坐标]"]
    for pid, e0, n0 in parcels:
        pts = [(e0, n0), (e0 + 200, n0), (e0 + 200, n0 + 200), (e0, n0 + 200), (e0, n0)]
        lines += [f"5,4.0,{pid},{pid},面,,工业用地,0601,@"]
        lines += [f"J{k},1,{n:.3f},{e:.3f}" for k, (e, n) in enumerate(pts, start=1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def copied_demo(folder: Path) -> Path:
    """The demo catalog with its layer files copied into ``folder`` (rasters left out)."""
    import shutil

    from layers import demo

    text = demo.DEMO_CATALOG.read_text(encoding="utf-8").split("[[raster]]")[0]
    (folder / "catalog.toml").write_text(text, encoding="utf-8")
    for f in demo.DEMO_CATALOG.parent.iterdir():
        if f.is_file() and f.suffix not in (".tif", ".toml"):
            shutil.copy2(f, folder / f.name)
    return folder / "catalog.toml"
