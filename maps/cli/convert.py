"""``siting convert``: shift a vector file, a CSV/XLSX table or one point between WGS84,
GCJ-02 and BD-09.

The work is done by :mod:`layers.chinacoords`; this module only parses arguments, reads and
writes files.
"""

from __future__ import annotations

import glob
from pathlib import Path

import click
import numpy as np

from layers.errors import InputError, bi
from maps.cli.options import overwrite_option

# The same names as layers.chinacoords.SYSTEMS (kept literal here so that --help stays light).
SYSTEM_CHOICES = ("wgs84", "gcj02", "bd09")

WRITERS = {  # output extension -> OGR driver ("CSV", "XLSX": tables, written by siting)
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".fgb": "FlatGeobuf",
    ".csv": "CSV",
    ".xlsx": "XLSX",
}
TABLES = (".csv", ".tsv", ".xlsx", ".xlsm")
"""INPUT read as a table of coordinate columns, as ``siting screen`` reads it."""
_SHP_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
_FAMILY = {4: 0, 2: 1, 5: 1, 6: 3}  # shapely type id -> point 0, line 1, polygon 3 family
HINTS = {"layer": "--layer NAME"}
"""How to fix INPUT on this command, for the reader's messages (contract C3)."""


def parse_point(text: str) -> tuple[float, float]:
    """Parse ``"LON,LAT"`` [°] into two finite floats within ±180 / ±90.

    Raises
    ------
    click.BadParameter
        When the text is not two comma-separated numbers in range.
    """
    parts = [p.strip() for p in text.split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not LON,LAT (two numbers separated by a comma, e.g. 116.404,39.915) "
            "/ 应为 经度,纬度", param_hint="--point"
        ) from None
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # also rejects NaN
        raise click.BadParameter(
            f"{text!r}: longitude must lie in -180..180 and latitude in -90..90 [°] "
            "/ 经度应在 -180..180，纬度应在 -90..90", param_hint="--point"
        )
    return lon, lat


def _read_table(path: Path, layer: str | None):
    """A CSV/XLSX table with coordinate columns, read as ``siting screen`` reads it
    (:func:`layers.footprints.read_table_cells`, the column names of
    :data:`layers.table_columns.COORDINATE_COLUMNS`).

    Returns
    -------
    (DataFrame, str, str, ndarray, ndarray, str or None)
        The cells as text, the longitude and latitude columns, their numbers [°] (NaN where
        both are blank) and the sheet read (None for a CSV).
    """
    from layers.coord_table import coordinate_values
    from layers.footprints import read_table_cells

    df, rows, header, sheet = read_table_cells(path, str(path), layer, hints=HINTS)
    xcol, ycol, x, y = coordinate_values(df, str(path), rows, header)
    numbers = list(rows) if rows is not None else list(range(2, len(df) + 2))
    far = np.flatnonzero(~((np.abs(x) <= 180) & (np.abs(y) <= 90)) & np.isfinite(x))
    if len(far):
        i = int(far[0])
        raise InputError(bi(
            f"{path}, row {numbers[i]}: {x[i]:.10g}, {y[i]:.10g} in columns {xcol!r}/{ycol!r} "
            "are not longitude/latitude degrees (-180..180, -90..90); convert shifts degrees only",
            f"{path} 第 {numbers[i]} 行：“{xcol}”/“{ycol}”列的 {x[i]:.10g}, {y[i]:.10g} 不是经纬度"
            "（经度 -180..180，纬度 -90..90）；坐标转换只适用于经纬度"))
    if header is not None and None not in header and len(set(map(str, header))) == len(header):
        at = list(df.columns).index(xcol), list(df.columns).index(ycol)
        df.columns = [str(h) for h in header]  # as written, e.g. with its spaces
        xcol, ycol = df.columns[at[0]], df.columns[at[1]]
    return df, xcol, ycol, x, y, sheet


def _read(path: Path, layer: str | None):
    """Read INPUT: (GeoDataFrame or None, problems, table or None); a table is
    (cells, lon column, lat column, lon [°], lat [°], sheet)."""
    import geopandas

    if path.suffix.lower() in TABLES:
        table = _read_table(path, layer)
        df, xcol, ycol, x, y, _ = table
        ok = np.isfinite(x) & np.isfinite(y)
        points = np.where(ok, geopandas.points_from_xy(np.where(ok, x, 0), np.where(ok, y, 0)),
                          None)
        gdf = geopandas.GeoDataFrame(df.drop(columns=[xcol, ycol]), geometry=list(points),
                                     crs="EPSG:4326")
        return gdf, [], table
    from layers.read import read_vector

    gdf, problems = read_vector(path, layer=layer, what=str(path), hints=HINTS)
    return gdf, problems, None


def _table_out(gdf, table, src: str, dst: str):
    """The output table: INPUT's table with its coordinate cells converted in place (same
    columns, same order, same header); from a vector file of points, lon/lat then its
    attributes."""
    import shapely

    from layers.chinacoords import convert_points

    if table is None:
        geoms = gdf.geometry.values
        df = gdf.drop(columns=gdf.geometry.name)
        df.insert(0, "lon", shapely.get_x(geoms))
        df.insert(1, "lat", shapely.get_y(geoms))
        return df, None
    df, xcol, ycol, x, y, sheet = table
    ok = np.isfinite(x) & np.isfinite(y)
    cx, cy = np.full(len(x), np.nan), np.full(len(y), np.nan)
    if ok.any():
        cx[ok], cy[ok] = convert_points(x[ok], y[ok], src, dst)
    out = df.copy()  # the other cells as written
    out[xcol] = np.round(cx, 9)
    out[ycol] = np.round(cy, 9)
    return out, sheet


def _write_table(path: Path, frame, sheet) -> None:
    """Write a table as CSV (its text cells as they were) or as one sheet of a workbook."""
    from maps.cli.tables import write_csv
    from maps.cli.workbook import write_xlsx

    if path.suffix.lower() == ".xlsx":
        from layers.coord_table import numbers_where_plain

        frame = numbers_where_plain(frame)  # 序号 1, 2 ... are numbers in a workbook, 001 text
        write_xlsx(path, [(str(sheet or path.stem)[:31], frame, path.name)])
    else:
        write_csv(path, frame, float_format="%.9f", encoding="utf-8")


def _check_output(gdf, path: Path, table) -> None:
    """Refuse geometry the output format cannot hold, before anything is written or removed."""
    import shapely

    geoms = gdf.geometry.values
    types = sorted(set(shapely.get_type_id(geoms[~shapely.is_missing(geoms)]).tolist()))
    suffix = path.suffix.lower()
    if table is None and WRITERS[suffix] in ("CSV", "XLSX") and set(types) - {0}:  # 0 = Point
        raise InputError(
            f"{path}: CSV/XLSX output holds points only, but the input has other geometry types; "
            "write .gpkg, .geojson, .fgb or .shp instead / CSV/XLSX 只能输出点"
        )
    families = {_FAMILY.get(t, t) for t in types}
    if suffix == ".shp" and len(families) > 1:
        names = sorted(set(gdf.geom_type.dropna()))
        raise InputError(
            f"{path}: a shapefile holds one geometry type, but the input has {', '.join(names)}; "
            "write .gpkg, .geojson or .fgb instead / Shapefile 只能存一种几何类型"
        )


def _marked_by_sidecar(path: Path, dst: str) -> bool:
    """Whether OUTPUT in ``dst`` is marked by a sidecar file (shapefile, CSV, XLSX in GCJ-02 /
    BD-09)."""
    from layers.coords_mark import MARKED

    return dst in MARKED and WRITERS[path.suffix.lower()] in ("CSV", "XLSX", "ESRI Shapefile")


def _names(path: Path, dst: str = "wgs84") -> list[str]:
    """The files written for OUTPUT: the file, a shapefile's sidecars, the coordinate mark."""
    from layers.coords_mark import sidecar

    names = [path.name] if path.suffix.lower() != ".shp" else \
        [path.with_suffix(ext).name for ext in _SHP_SIDECARS]
    return names + ([sidecar(path).name] if _marked_by_sidecar(path, dst) else [])


def _write(path: Path, gdf, table, src: str, dst: str) -> None:
    """Write OUTPUT; in GCJ-02 / BD-09 marked so that siting's readers refuse it without
    ``--coords`` (:mod:`layers.coords_mark`; a shapefile's, CSV's or XLSX's sidecar is written
    apart)."""
    from layers.coords_mark import MARKED, layer_metadata, mark_geojson

    driver = WRITERS[path.suffix.lower()]
    if driver in ("CSV", "XLSX"):
        _write_table(path, *_table_out(gdf, table, src, dst))
        return
    kwargs = {"driver": driver, "engine": "pyogrio"}
    if dst in MARKED and driver in ("GPKG", "FlatGeobuf"):
        kwargs["layer_metadata"] = layer_metadata(dst)
    if driver == "GPKG":
        kwargs["layer"] = path.stem
    if driver == "ESRI Shapefile":
        kwargs["encoding"] = "UTF-8"
    if driver == "FlatGeobuf":
        kwargs["SPATIAL_INDEX"] = "NO"  # an index would reorder the features
    gdf.to_file(path, **kwargs)
    if dst in MARKED and driver == "GeoJSON":
        mark_geojson(path, dst)


@click.command("convert", short_help="GCJ-02 / BD-09 / WGS84 conversion / 坐标转换")
@click.argument("input_path", metavar="[INPUT", required=False,  # usage: [INPUT OUTPUT]
                type=click.Path(path_type=Path))
@click.argument("output_path", metavar="OUTPUT]", required=False,
                type=click.Path(path_type=Path))
@click.option("--from", "src", required=True, type=click.Choice(SYSTEM_CHOICES, case_sensitive=False),
              help="System of the input coordinates / 输入坐标系.")
@click.option("--to", "dst", required=True, type=click.Choice(SYSTEM_CHOICES, case_sensitive=False),
              help="System of the output coordinates / 输出坐标系.")
@click.option("--point", metavar="LON,LAT",
              help="Convert one point and print LON,LAT instead of a file / 转换单个点.")
@click.option("--layer", help="Layer name inside a multi-layer INPUT / 输入图层名.")
@overwrite_option
def convert(input_path: Path | None, output_path: Path | None, src: str, dst: str,
            point: str | None, layer: str | None, overwrite: bool) -> None:
    """Shift coordinates between WGS84, GCJ-02 (AMap/高德, Tencent/腾讯) and BD-09 (Baidu/百度).

    \b
    siting convert pois_amap.geojson pois_wgs84.gpkg --from gcj02 --to wgs84
    siting convert --point 116.41024449916938,39.91640428150164 --from gcj02 --to wgs84

    The inverse conversions are solved iteratively (exact to < 1 mm). Points outside China
    (lon 72.004–137.8347, lat 0.8293–55.8271) are left unchanged. INPUT must be in
    longitude/latitude (EPSG:4326 or 4490); the output keeps that CRS label, since GCJ-02 and
    BD-09 have no EPSG code, and a GCJ-02 / BD-09 output is marked (GeoJSON member
    "coordinate_system", GPKG/FGB layer metadata, .shp/.csv/.xlsx sidecar NAME.csv.coords):
    siting reads it only with the matching --coords, and refuses a marked INPUT whose --from
    differs. Output format follows the extension: .gpkg .geojson .json .fgb .shp, or .csv .xlsx
    for points. A .csv/.xlsx INPUT is read as siting screen reads it (columns lon/lat, 经度/纬度
    ...); a .csv/.xlsx OUTPUT of it keeps its columns, their order and header, with the
    coordinate cells converted. In a .csv OUTPUT, text that a spreadsheet would run as a formula
    gets a leading '.

    \b
    输入须为经纬度（EPSG:4326 或 4490）；输出仍标为该坐标系，只改变坐标值；GCJ-02/BD-09 输出另有
    标记，siting 须加相应的 --coords 才会读取。
    """
    if point is not None:
        if input_path is not None or output_path is not None:
            raise click.UsageError("give either --point or INPUT OUTPUT, not both "
                                   "/ --point 与 INPUT OUTPUT 只能二选一")
        _convert_point(point, src, dst)
        return
    if input_path is None or output_path is None:
        raise click.UsageError("give INPUT and OUTPUT, or --point LON,LAT "
                               "/ 需要 INPUT 和 OUTPUT，或 --point")
    if not input_path.exists():
        raise click.BadParameter(f"{input_path} does not exist / 输入文件不存在",
                                 param_hint="INPUT")
    if output_path.suffix.lower() not in WRITERS:
        raise click.BadParameter(
            f"{output_path}: unknown output extension {output_path.suffix!r}; expected one of: "
            f"{', '.join(WRITERS)} / 不支持的输出格式", param_hint="OUTPUT")
    from layers.chinacoords import convert_gdf
    from layers.coords_mark import MARKED, check_mark, sidecar, sidecar_text
    from maps.cli import notices
    from maps.cli.outputs import destination
    from maps.cli.staging import write_files

    inputs = [input_path] + ([input_path.with_suffix(e) for e in _SHP_SIDECARS]
                             if input_path.suffix.lower() == ".shp" else [])
    dest = destination(output_path, "convert", _names(output_path, dst), inputs=inputs,
                       overwrite=overwrite, single_file=True, param_hint="OUTPUT")
    try:
        with notices.held_warnings() as held:
            check_mark(input_path, src, str(input_path), layer,
                       {"coords": "--from wgs84|gcj02|bd09"})
            gdf, problems, table = _read(input_path, layer)
            out = convert_gdf(gdf, src, dst, what=str(input_path))
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="INPUT") from None
    try:
        _check_output(out, output_path, table)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="OUTPUT") from None
    notices.echo_problems([(str(input_path), problems)], held)
    files = [(output_path.name, lambda path: _write(path, out, table, src, dst))]
    if _marked_by_sidecar(output_path, dst):
        files.append((sidecar(output_path).name,
                      lambda path: path.write_text(sidecar_text(dst), encoding="utf-8")))
    write_files(dest, files)
    stale = sidecar(dest.folder / output_path.name)
    if not _marked_by_sidecar(output_path, dst) and stale.is_file():  # it marked the replaced file
        stale.unlink()
        click.echo(f"note: removed {stale}, the coordinate mark of the file replaced "
                   "/ 已删除被替换文件的坐标标记", err=True)
    written = set(_names(output_path, dst))
    for old in sorted(dest.folder.glob(glob.escape(output_path.stem) + ".*")):
        if output_path.suffix.lower() == ".shp" and old.name not in written \
                and old.suffix.lower() not in WRITERS:
            click.echo(f"note: {old} is left from an earlier shapefile; delete it if it belonged "
                       "to the one replaced / 旧 Shapefile 的附属文件仍在", err=True)
    what = ("row(s)", "行") if table is not None and WRITERS[output_path.suffix.lower()] in (
        "CSV", "XLSX") else ("feature(s)", "个要素")
    click.echo(f"wrote {len(out)} {what[0]} to {output_path} ({src} → {dst}) "
               f"/ 已写出 {len(out)} {what[1]}", err=True)
    if dst in MARKED:
        label = {"gcj02": "GCJ-02", "bd09": "BD-09"}[dst]
        click.echo(f"note: {output_path} holds {label} coordinates, marked as such; siting "
                   f"reads it only with --coords {dst} (e.g. siting screen {output_path} "
                   f"--coords {dst}) / 该文件为 {label} 坐标并已标明；siting 须加 "
                   f"--coords {dst} 读取", err=True)


def _convert_point(text: str, src: str, dst: str) -> None:
    from layers.chinacoords import convert as convert_one
    from layers.chinacoords import out_of_china

    lon, lat = parse_point(text)
    if out_of_china(lon, lat):
        click.echo("note: point is outside China (lon 72.004–137.8347, lat 0.8293–55.8271); "
                   "returned unchanged / 该点不在中国范围内，坐标未改变", err=True)
    x, y = convert_one(lon, lat, src, dst)
    click.echo(f"{x:.9f},{y:.9f}")
