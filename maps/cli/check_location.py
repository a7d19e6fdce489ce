"""Where ``siting check`` looks: its one location (``--point``, ``--wkt`` or ``--geojson``) and
``--attr`` values as the one-row project :func:`geo.screen` judges, and the coordinate system it
was read in.

Bare longitude/latitude name no coordinate system, so ``--point`` and ``--wkt`` need ``--coords``
as a table of points does in ``siting screen`` (:func:`layers.coord_table.no_coords`): AMap gives
GCJ-02 and Baidu BD-09, hundreds of metres off WGS84, and a guess could admit a site in a red line.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

COORD_CHOICES = ("wgs84", "gcj02", "bd09", "cgcs2000")

def parse_point(text: str):
    """``"lon,lat"`` [°] as a shapely Point; a clear error for anything else.

    Raises
    ------
    click.BadParameter
        Not two numbers, out of range, or latitude and longitude apparently swapped (China).
    """
    import shapely

    parts = [p.strip() for p in text.replace("，", ",").split(",")]
    try:
        lon, lat = (float(p) for p in parts)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not LON,LAT in degrees (e.g. 106.71,26.58) / "
                                 "应为 经度,纬度", param_hint="--point") from None
    if 3 < lon < 54 and 73 < lat < 136:  # China's latitudes first, its longitudes second
        raise click.BadParameter(f"{text!r} looks like LAT,LON: give longitude first, e.g. "
                                 f"--point {lat:g},{lon:g} / 请先写经度", param_hint="--point")
    if not (math.isfinite(lon) and math.isfinite(lat)) or abs(lon) > 180 or abs(lat) > 90:
        raise click.BadParameter(f"{text!r}: longitude must lie in -180..180 and latitude in "
                                 "-90..90 degrees / 经纬度超出范围", param_hint="--point")
    return shapely.Point(lon, lat)


def _geojson_frame(text: str):
    """A GeoDataFrame (EPSG:4326, attributes kept) from an inline GeoJSON geometry, Feature or
    FeatureCollection."""
    import geopandas as gpd
    import shapely

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"neither an existing file nor valid GeoJSON text ({exc.msg} "
                                 f"at character {exc.pos}) / 既不是文件也不是 GeoJSON",
                                 param_hint="--geojson") from None
    kind = data.get("type") if isinstance(data, dict) else None
    try:
        if kind == "FeatureCollection":
            return gpd.GeoDataFrame.from_features(data, crs=4326)
        if kind == "Feature":
            return gpd.GeoDataFrame.from_features([data], crs=4326)
        geometry = shapely.from_geojson(json.dumps(data))
    except Exception as exc:  # shapely/GEOS and geopandas raise several types for bad GeoJSON
        raise click.BadParameter(f"not a usable GeoJSON geometry: {exc} / GeoJSON 无效",
                                 param_hint="--geojson") from None
    return gpd.GeoDataFrame(geometry=[geometry], crs=4326)


def option_values(defaults: dict) -> dict:
    """The ``--attr`` values read as a project table's cells are (flags True/False, numbers
    [their units], choices as codes), keyed by canonical column (a name the outputs use, such
    as ``verdict``, as ``input_<name>``); ``--type`` and ``--industry`` checked first, so that
    a bad value names its own option.

    Raises
    ------
    click.BadParameter
        A value a project table would refuse, with the option that gave it.
    """
    import geopandas as gpd
    import shapely

    from geo.projects import RESULT_COLUMNS, canonical_columns, normalize_projects

    attrs = {k: v for k, v in defaults.items() if k not in ("type", "industry", "name")}
    ptype, industry = defaults.get("type") or "other", defaults.get("industry")
    steps = [("--type", {"type": ptype}, {}), ("--industry", {"type": "other",
                                                              "industry": industry}, {}),
             ("--attr", {"type": ptype, "industry": industry}, attrs)]
    for option, simple, columns in steps:
        one = gpd.GeoDataFrame({k: [v] for k, v in columns.items()},
                               geometry=[shapely.Point(0, 0)], crs=4326)
        frame = normalize_projects(one, simple, what=option)
        if frame["error"].iloc[0]:
            raise click.BadParameter(frame["error"].iloc[0], param_hint=option)
    names = canonical_columns(list(attrs))
    out = {}
    for key in attrs:   # a name the outputs use is kept as input_<name>
        col = next((c for c in (names.get(key, key), f"input_{key}") if c in frame
                    and c not in RESULT_COLUMNS), None)
        if col is not None:
            out[col] = frame[col].iloc[0]
    if "two_high" in out:   # what was declared: the industry decides per project
        out["two_high"] = frame["two_high_declared"].iloc[0]
    return out


def location_frame(point: str | None, wkt: str | None, geojson: str | None, coords: str | None,
                   defaults: dict):
    """The one project to check as a normalised GeoDataFrame (WGS84 or CGCS2000).

    Parameters
    ----------
    point, wkt, geojson : str or None
        Exactly one: ``"lon,lat"``; a WKT geometry in lon/lat; a GeoJSON file (any footprint
        file ``siting screen`` reads) or inline GeoJSON text.
    coords : {"wgs84", "gcj02", "bd09", "cgcs2000"} or None
        What the coordinates are (GCJ-02 / BD-09 are shifted back to WGS84).
        Required for ``--point`` and ``--wkt``, whose bare degrees say no system; a file says
        its own (GeoJSON is WGS84, RFC 7946), and so does inline GeoJSON.
    defaults : dict
        Project attributes (``type``, ``industry``, ``name`` and ``--attr`` values).

    Returns
    -------
    gdf : geopandas.GeoDataFrame
        The project.
    read_in : dict
        The coordinate system the location was read in, as ``--json`` prints it: ``system``
        (``wgs84``, ``gcj02``, ``bd09``, ``cgcs2000``, or the name of a file's own CRS),
        ``from`` (``--coords``, ``file`` or ``geojson``) and ``converted_to`` (``wgs84`` when
        shifted from GCJ-02 / BD-09, else None).

    Raises
    ------
    layers.errors.CRSError
        ``--point`` or ``--wkt`` without ``coords``.
    """
    import geopandas as gpd
    import shapely

    from geo.projects import normalize_projects, read_projects, two_high

    values = option_values(defaults)   # a bad --type / --industry / --attr value names it
    given = [x for x in (point, wkt, geojson) if x]
    if len(given) != 1:
        raise click.UsageError("give exactly one location: --point LON,LAT, --wkt or --geojson")
    simple = {k: v for k, v in defaults.items() if k in ("type", "industry", "name")}
    if geojson and Path(geojson).is_file():
        gdf, _ = read_projects(Path(geojson), coords=coords, defaults=simple)
        gdf = gdf.assign(**values)   # parsed as the file's own cells are
        if "two_high" in values:
            gdf["two_high_declared"] = values["two_high"]
            gdf["two_high"] = [two_high(values["two_high"], ind, typ)
                               for ind, typ in zip(gdf["industry"], gdf["type"])]
        what = Path(geojson).name
        epsg = gdf.crs.to_epsg() if gdf.crs is not None else None
        system = coords or {4326: "wgs84", 4490: "cgcs2000"}.get(epsg, str(gdf.crs))
    else:
        if point:
            gdf = gpd.GeoDataFrame(geometry=[parse_point(point)], crs=4326)
        elif wkt:
            try:
                gdf = gpd.GeoDataFrame(geometry=[shapely.from_wkt(wkt)], crs=4326)
            except shapely.errors.ShapelyError as exc:
                raise click.BadParameter(f"not a WKT geometry: {exc} / WKT 无效",
                                         param_hint="--wkt") from None
        else:
            gdf = _geojson_frame(geojson)
        what = "--point" if point else "--wkt" if wkt else "--geojson"
        lon0, lat0, lon1, lat1 = gdf.total_bounds if len(gdf) else (0, 0, 0, 0)
        if not (-180 <= lon0 <= lon1 <= 180 and -90 <= lat0 <= lat1 <= 90):
            raise click.BadParameter("coordinates are not longitude/latitude in degrees / "
                                     "坐标应为经纬度", param_hint=what)
        if coords is None and not geojson:   # never a guess: AMap's numbers are GCJ-02
            from layers.coord_table import no_coords

            raise no_coords(what, {"coords": "--coords " + "|".join(COORD_CHOICES)})
        system = coords or "wgs84"   # inline GeoJSON is WGS84 (RFC 7946), as its files are
        if coords == "cgcs2000":
            gdf = gdf.set_crs(4490, allow_override=True)
        elif coords in ("gcj02", "bd09"):
            from layers.chinacoords import convert_gdf

            gdf = convert_gdf(gdf, coords, "wgs84", what)
        gdf = normalize_projects(gdf.assign(**{k: v for k, v in defaults.items()
                                               if k not in simple}), simple, what=what)
    if len(gdf) != 1:
        raise click.BadParameter(f"{len(gdf)} features: siting check takes one location; screen "
                                 "several with `siting screen` / 仅支持单个位置",
                                 param_hint="--geojson")
    if gdf["error"].iloc[0]:
        raise click.BadParameter(gdf["error"].iloc[0], param_hint=what)
    source = ("--coords" if coords else "file" if geojson and Path(geojson).is_file()
              else "geojson")
    return gdf, {"system": system, "from": source,
                 "converted_to": "wgs84" if system in ("gcj02", "bd09") else None}
