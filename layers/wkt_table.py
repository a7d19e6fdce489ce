"""Tables with a WKT geometry column (a CSV or XLSX exported from QGIS, PostGIS or Excel).

One feature per row. A table never carries its CRS: the caller says it (``crs``, or ``coords``
for longitude/latitude), else the table is refused with the fix. A row whose text is not WKT
(an unclosed ring ...) or whose coordinates do not fit the CRS (lat/lon swapped) keeps its place
with geometry None and its reason, as :func:`layers.coord_table.read_table` does.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.coord_table import READ_ERROR, table_rows
from layers.coordcheck import check_placement
from layers.crs import describe_crs, normalize_crs
from layers.errors import KEPT, CRSError, bi, fix_hint, place_zh, rephrase
from layers.hygiene import READ_ROW, Problem

WKT_COLUMNS = ("wkt", "geometry", "geom", "the_geom", "wkt_geom", "shape", "几何", "图形")
"""Names of a WKT column (case-insensitive)."""


def wkt_column(columns) -> str | None:
    """The table's WKT column (:data:`WKT_COLUMNS`), or None."""
    low = {str(c).strip().lower(): c for c in reversed(list(columns))}
    return next((low[k] for k in WKT_COLUMNS if k in low), None)


def _parse(text: object, column: str) -> tuple[object, str]:
    """(geometry, "") or (None, why) for one cell."""
    cell = "" if pd.isna(text) else str(text).strip()
    if not cell:
        return None, bi(f"no geometry in column {column!r}", f"“{column}”列没有几何图形")
    try:
        return shapely.from_wkt(cell), ""
    except shapely.errors.GEOSException as exc:
        return None, bi(f"column {column!r} is not a WKT geometry ({exc})",
                        f"“{column}”列的值不是 WKT 几何图形（{exc}）")


def read_wkt_table(df: pd.DataFrame, column: str, what: str, coords: str | None = None,
                   crs: object = None, hints: dict[str, str] | None = None,
                   rows: list[int] | None = None
                   ) -> tuple[gpd.GeoDataFrame, list[Problem], list[str]]:
    """Turn a table of text cells with a WKT column into footprints.

    Parameters
    ----------
    df : DataFrame
        The table (text cells).
    column : str
        Its WKT column (:func:`wkt_column`).
    what : str
        The source's name for messages.
    coords : {"wgs84", "gcj02", "bd09", "cgcs2000"}, optional
        The system of longitude/latitude values (GCJ-02 and BD-09 are read as WGS84 and shifted
        by the caller).
    crs : object, optional
        The table's CRS (instead of ``coords``).
    hints : dict, optional
        How to fix ``crs`` and ``coords`` on the command being run.
    rows : list of int, optional
        The spreadsheet row of each data row (default: 2, 3 ...).

    Returns
    -------
    (GeoDataFrame, list of Problem, list of str)
        As :func:`layers.coord_table.read_table`: features with ``_read_error`` and
        ``_read_row``, problems, and each feature's label (``row 3``).

    Raises
    ------
    CRSError
        Neither ``crs`` nor ``coords`` given, or no row fits the CRS.
    """
    numbers = list(rows) if rows is not None else list(range(2, len(df) + 2))
    labels = [table_rows([r]) for r in numbers]
    if crs is not None:
        found = normalize_crs(crs, what)
    elif coords is not None:
        found = normalize_crs("EPSG:4490" if coords == "cgcs2000" else "EPSG:4326", what)
    else:
        raise CRSError(f"{what}: a table of WKT geometries (column {column!r}) does not say its "
                       f"CRS. Say which CRS it is in: {fix_hint(hints, 'crs', 'EPSG:4490')}, or "
                       f"for GPS or web-map coordinates {fix_hint(hints, 'coords')}; the toolkit "
                       f"never guesses a CRS / WKT 表格（“{column}”列）未注明坐标系。请指定："
                       f"{fix_hint(hints, 'crs', 'EPSG:4490', 'zh')}，GPS 或网络地图坐标则用 "
                       f"{fix_hint(hints, 'coords')}；本工具从不猜测坐标系")
    parsed = [_parse(v, column) for v in df[column]]
    geoms = np.array([g for g, _ in parsed], dtype=object)
    bad = {i: why for i, (_, why) in enumerate(parsed) if why}
    fits = check_placement(geoms, found, lambda code, text: rephrase(
        text, f"{what}: {{}}; no row fits {describe_crs(found)}. Say what the coordinates are: "
        + (fix_hint(hints, "crs", code) if code else fix_hint(hints, "coords")),
        f"{{}}；没有一行符合 {describe_crs(found)}。请说明坐标所用的坐标系："
        + (fix_hint(hints, "crs", code, "zh") if code else fix_hint(hints, "coords"))))
    for i in np.flatnonzero(fits != ""):
        bad.setdefault(int(i), fits[i])
    geoms[list(bad)] = None
    problems = [Problem(labels[i], "bad_value", rephrase(msg, *KEPT), "error")
                for i, msg in sorted(bad.items())]
    gdf = gpd.GeoDataFrame(df.drop(columns=[column]).reset_index(drop=True),
                           geometry=list(geoms), crs=found)
    gdf[READ_ERROR] = [rephrase(bad[i], f"{labels[i]}: {{}}", f"{place_zh(labels[i])}：{{}}")
                       if i in bad else "" for i in range(len(df))]
    gdf[READ_ROW] = labels
    return gdf, problems, labels
