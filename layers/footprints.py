"""Read project footprints: vector files, coordinate tables (CSV/XLSX) and boundary-point TXT.

Footprints are what reviewers receive: a GeoPackage or shapefile, a spreadsheet of coordinates
(decimal degrees, degrees-minutes-seconds or Gauss-Krüger metres, see :mod:`layers.coord_table`),
or the Ministry of Natural Resources boundary-point TXT of a land-use submission (see
:mod:`layers.mnr_txt`). Everything is returned in the CRS of the source (GCJ-02 / BD-09 converted
to WGS84), geometry cleaned, with every input row or parcel kept: a row that cannot be placed
(no number, lat/lon swapped, an unclosed ring, outside the CRS's area) keeps its place with
geometry None, an ``error`` problem and its reason in column ``_read_error``; the rest of the file
is read.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.coord_table import parse_dms, read_table
from layers.coords_mark import check_mark
from layers.errors import (
    EncodingGuessWarning,
    InputError,
    ReadError,
    bi,
    choice_error,
    fix_hint,
    place_zh,
)
from layers.hygiene import (
    READ_ROW,
    REPAIR_HINT,
    REPAIRED,
    Problem,
    clean_geometries,
    unrepairable_note,
    with_hint,
)
from layers.mnr_txt import is_mnr_txt, parse_mnr_txt
from layers.read import READ_ERROR, VECTOR_SUFFIXES, read_vector
from layers.table_columns import holds_coordinates, unique_names
from layers.vertex_rows import fill_merged, table_rows
from layers.wkt_table import read_wkt_table, wkt_column

COORDS = ("wgs84", "gcj02", "bd09", "cgcs2000")
TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")
SUPPORTED = (*VECTOR_SUFFIXES, *TABLE_SUFFIXES)
_BLANK_LINE = re.compile(r"(?:\A|\n)[^\S\n]*(?:\n|\Z)")
__all__ = ["COORDS", "READ_ERROR", "READ_ROW", "SUPPORTED", "decode_text", "parse_dms",
           "read_footprints"]


def decode_text(raw: bytes, what: str, encoding: str | None = None,
                hints: dict[str, str] | None = None) -> tuple[str, list[Problem]]:
    """Decode a text file: the given encoding, else UTF-8 (with or without BOM), else GB18030.

    ``hints`` say how to give the encoding on the command being run (``{"encoding":
    "--encoding gb18030"}``).

    Warns
    -----
    EncodingGuessWarning
        When the text was decoded as GB18030 without the caller saying so.
    """
    if encoding:
        try:
            return raw.decode(encoding), []
        except (UnicodeDecodeError, LookupError) as exc:
            fix = fix_hint(hints, 'encoding')
            raise ReadError(bi(f"{what}: cannot decode the file as {encoding!r} ({exc}); give "
                               f"the right encoding: {fix}", f"无法按 {encoding!r} 解码"
                               f"（{exc}）；请给出正确的编码：{fix_hint(hints, 'encoding', lang='zh')}"
                               )) from None
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        fix = fix_hint(hints, 'encoding')
        raise ReadError(bi(f"{what}: the text is neither UTF-8 nor GB18030; give its encoding: "
                           f"{fix}", "文本既不是 UTF-8 也不是 GB18030；请给出其编码："
                           f"{fix_hint(hints, 'encoding', lang='zh')}")
                        ) from None
    fix = fix_hint(hints, 'encoding')
    msg = bi(f"{what}: not UTF-8; decoded as GB18030 (GBK). Save the file as UTF-8 or give "
             f"the encoding to make it explicit: {fix}", f"不是 UTF-8，已按 GB18030（GBK）"
             f"解码。请将文件另存为 UTF-8，或明确给出编码：{fix_hint(hints, 'encoding', lang='zh')}")
    warnings.warn(msg, EncodingGuessWarning, stacklevel=3)
    return text, [Problem(None, "encoding", msg)]


def _csv_rows(text: str, sep: str, n: int) -> list[int] | None:
    """The row a spreadsheet shows each of the ``n`` data rows of a CSV on, counting the blank
    lines the CSV reader skips (a blank line is an empty row there); None when the text has no
    blank line (the data rows are then rows 2, 3 ...) or its records cannot be matched."""
    body = text.rstrip()
    if not _BLANK_LINE.search(body):
        return None
    try:
        records = csv.reader(io.StringIO(body), delimiter=sep, skipinitialspace=True)
        filled = [k for k, rec in enumerate(records, start=1)
                  if len(rec) > 1 or any(c.strip() for c in rec)]
    except csv.Error:
        return None
    return filled[1:] if len(filled) == n + 1 else None


def _csv_header(text: str, sep: str) -> list[str] | None:
    """The header cells of a CSV as written (its first record that is not a blank line), None
    when the CSV reader cannot split it."""
    try:
        records = csv.reader(io.StringIO(text), delimiter=sep, skipinitialspace=True)
        return next((rec for rec in records if len(rec) > 1 or any(c.strip() for c in rec)), [])
    except csv.Error:
        return None


def _without_empty_rows(df: pd.DataFrame, rows: list[int] | None
                        ) -> tuple[pd.DataFrame, list[int] | None, list[int]]:
    """The table without its rows that have no value in any cell (``,,,`` in a CSV, an empty
    row of a sheet: a spreadsheet shows them as blank rows, like the blank lines the CSV reader
    skips), their spreadsheet rows, and the numbers of the rows skipped."""
    numbers = list(rows) if rows is not None else list(range(2, len(df) + 2))
    cells = df.astype(object).where(df.notna(), "").astype(str)
    empty = (cells.apply(lambda c: c.str.strip()) == "").all(axis=1).to_numpy() if len(
        df.columns) else np.zeros(len(df), dtype=bool)
    if not empty.any():
        return df, rows, []
    kept = [n for n, e in zip(numbers, empty) if not e]
    return (df[~empty].reset_index(drop=True), kept,
            [n for n, e in zip(numbers, empty) if e])


def _rows_text(numbers: list[int]) -> str:
    """``row 3 is`` / ``rows 3-4, 7 are`` (:func:`layers.vertex_rows.table_rows`)."""
    return f"{table_rows(numbers)} {'is' if len(numbers) == 1 else 'are'}"


def read_table_cells(path: Path, what: str, layer: str | None = None,
                     encoding: str | None = None, text: str | None = None,
                     hints: dict | None = None
                     ) -> tuple[pd.DataFrame, list[int] | None, list | None, str | int | None]:
    """The table as text cells (column names stripped, made distinct), the spreadsheet row of
    each data row (None: rows 2, 3 ..., the header being row 1), the header cells as written
    (None when they cannot be matched to the columns): pandas renames a repeated header
    (``经度``, ``经度`` → ``经度``, ``经度.1``), which only the cells as written show, and the
    sheet read (its name; None for a CSV). ``siting convert`` reads tables with it too."""
    rows, header = None, None
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            with pd.ExcelFile(path, engine="calamine") as book:
                if layer is not None and layer not in book.sheet_names:
                    fix = fix_hint(hints, 'layer')
                    raise ReadError(bi(f"{what}: no sheet {layer!r}; the workbook has sheets "
                                       f"{book.sheet_names}; say which one with {fix}",
                                       f"没有工作表 {layer!r}；工作簿中的工作表为 "
                                       f"{book.sheet_names}；请用 "
                                       f"{fix_hint(hints, 'layer', lang='zh')} 指定"))
                if layer is None:
                    layer = _data_sheet(book, what, hints)
                layer = book.sheet_names[layer] if isinstance(layer, int) else layer
                df = fill_merged(pd.read_excel(book, sheet_name=layer, dtype=str), path, layer)
                top = pd.read_excel(book, sheet_name=layer, dtype=str, header=None, nrows=1)
                header = top.iloc[0].tolist() if len(top) else []
                header += [None] * (len(df.columns) - len(header))
        else:
            if text is None:
                text, _ = decode_text(path.read_bytes(), what, encoding, hints)
            first = next((ln for ln in text.splitlines() if ln.strip()), "")
            sep = max([",", "\t", ";", "|"], key=first.count)
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                             skipinitialspace=True)
            rows = _csv_rows(text, sep, len(df))
            header = _csv_header(text, sep)
    except ReadError:
        raise
    except Exception as exc:  # pandas and openpyxl raise many kinds
        raise ReadError(bi(f"{what}: cannot read the table ({exc}); check that it is a CSV or "
                           "XLSX file with one header row", f"{what}：无法读取表格（{exc}）；请检查"
                           "它是否为只有一行表头的 CSV 或 XLSX 文件")) from None
    df.columns = unique_names([str(c).strip() for c in df.columns])
    return (df, rows, header if header is not None and len(header) == len(df.columns) else None,
            layer)


def _data_sheet(book: pd.ExcelFile, what: str, hints: dict | None) -> str | int:
    """The one sheet of a workbook whose table has coordinate or WKT columns (its header within
    the first 20 rows); the first sheet when none has. Several such sheets are refused, naming
    them: reading the first alone would drop the others' rows without a word (a sheet of notes
    beside the table is fine)."""
    names = book.sheet_names
    if len(names) < 2:
        return 0

    def footprints(name) -> bool:
        top = pd.read_excel(book, sheet_name=name, header=None, nrows=20, dtype=str)
        return any(holds_coordinates(row) or wkt_column(row) is not None
                   for row in ([str(v) for v in r if pd.notna(v)] for r in top.to_numpy()))

    found = [name for name in names if footprints(name)]
    if len(found) > 1:
        raise ReadError(f"{what}: several sheets hold coordinates or WKT {found}; say which one "
                        f"to read with {fix_hint(hints, 'layer')} (run once per sheet, or put "
                        f"every row on one sheet) / 工作簿有多个含坐标或 WKT 的工作表 {found}；"
                        f"请用 {fix_hint(hints, 'layer', lang='zh')} 指定要读取的表（每个表运行一次，或把所有行放在同一表中）")
    return found[0] if found else 0


def _clean(gdf: gpd.GeoDataFrame, labels: list[str], what: str
           ) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Clean non-empty geometries, naming features by ``labels`` (empties are reported already).

    Column :data:`layers.hygiene.REPAIRED` says how each repaired row was repaired, followed by
    the table reader's :data:`layers.hygiene.REPAIR_HINT` for it (which rows to check)."""
    hint = (gdf[REPAIR_HINT].fillna("").to_numpy(dtype=object)
            if REPAIR_HINT in gdf.columns else np.full(len(gdf), "", dtype=object))
    gdf = gdf.drop(columns=[REPAIR_HINT], errors="ignore")
    g = np.asarray(gdf.geometry.values, dtype=object)
    present = ~(shapely.is_missing(g) | shapely.is_empty(g))
    marks = np.full(len(gdf), "", dtype=object)
    out, problems = gdf.copy(), []
    if present.any():
        sub = gpd.GeoDataFrame({"id": np.asarray(labels, dtype=object)[present]},
                               geometry=gdf.geometry[present].to_numpy(), crs=gdf.crs)
        cleaned, problems = clean_geometries(sub, what, mark=True)
        geoms = out.geometry.to_numpy().copy()
        geoms[present] = cleaned.geometry.to_numpy()
        marks[present] = cleaned[REPAIRED].to_numpy(dtype=object)
        gone = present & (shapely.is_missing(geoms) | shapely.is_empty(geoms))
        if gone.any():  # nothing left after repair: the row's error says why, not "no geometry"
            errors = (out[READ_ERROR].fillna("").to_numpy(dtype=object, copy=True)
                      if READ_ERROR in out.columns else np.full(len(out), "", dtype=object))
            for i in np.flatnonzero(gone & (errors == "")):
                errors[i] = unrepairable_note(shapely.is_valid_reason(g[i]))
            out[READ_ERROR] = errors
            geoms[gone] = None  # kept without geometry, as a row that cannot be placed
        out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    for i in np.flatnonzero((marks != "") & (hint != "")):  # the few repaired rows
        marks[i] = with_hint(marks[i], hint[i])
    out[REPAIRED] = marks
    return out, problems


def read_footprints(
    path: str | Path,
    coords: str | None = None,
    layer: str | None = None,
    crs: object = None,
    encoding: str | None = None,
    hints: dict[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read project footprints from a vector file, a coordinate table or a boundary-point TXT.

    Parameters
    ----------
    path : str or Path
        GPKG, SHP (or .zip), GeoJSON, FGB, GeoParquet, KML/KMZ; CSV/TSV/XLSX with coordinate
        columns (:data:`layers.table_columns.COORDINATE_COLUMNS`) or a WKT column
        (:data:`layers.wkt_table.WKT_COLUMNS`, CRS from ``crs`` or ``coords``); or a
        boundary-point TXT.
    coords : {"wgs84", "gcj02", "bd09", "cgcs2000"}, optional
        The system of longitude/latitude values (required for tables in degrees). GCJ-02 and
        BD-09 are converted to WGS84 (noted in the problems); ``cgcs2000`` gives EPSG:4490 for
        degrees and the Gauss-Krüger zone for metres.
    layer : str, optional
        Layer of a multi-layer vector file, or sheet of a workbook.
    crs : object, optional
        CRS of a source that does not say (instead of ``coords``).
    encoding : str, optional
        Text encoding of CSV/TXT or attribute text (default: UTF-8, else GB18030 with a warning).
    hints : dict, optional
        How to fix ``crs``, ``layer``, ``encoding`` and ``coords`` on the command being run, e.g.
        ``{"crs": "--crs EPSG:4544", "layer": "--layer NAME", "coords": "--coords wgs84"}``;
        default: the catalog's wording.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        One feature per row, project or parcel, in the source's CRS (WGS84 lon/lat after a
        GCJ-02 / BD-09 conversion), geometry cleaned, with column ``_read_error`` (``""`` when
        fine); features that could not be placed keep geometry None, an ``error`` problem and
        the reason (naming the row, feature or parcel) in ``_read_error``; column ``_read_row``
        (:data:`layers.hygiene.READ_ROW`) says where each feature is in the file, as messages
        name it (``row 3`` of a table, header = row 1; ``feature #3``; ``parcel at line 14``);
        column ``_repaired`` (:data:`layers.hygiene.REPAIRED`) says how a geometry repaired with
        make_valid was invalid (``self-intersection at 106.61 26.71``, for a vertex table also
        the crossing edges by the order column), ``""`` for a row read as drawn.
        Every warning of the
        reader (encoding guessed, datum assumed, geometry repaired, .dbf missing, Z dropped) is
        a problem.

    Raises
    ------
    ReadError
        Unknown format, unreadable file, no coordinate columns.
    CRSError
        A table in degrees without ``coords`` or ``crs``; a CRS that cannot be determined.
    InputError
        ``coords`` not a known system, or both ``coords`` and ``crs`` given.
    """
    p = Path(path)
    what = str(path)
    if coords is not None:
        coords = str(coords).strip().lower()
        if coords not in COORDS:
            raise InputError(bi(choice_error("coordinate system (--coords)", coords, COORDS),
                                f"未知的坐标系（--coords）{coords!r}；应为以下之一：{', '.join(COORDS)}"))
        if crs is not None:
            raise InputError(bi(f"{what}: give either coords ({coords!r}) or crs ({crs!r}), not "
                                "both", f"coords（{coords!r}）与 crs（{crs!r}）只能给一个"))
    if not p.exists():
        raise ReadError(bi(f"{what}: file not found; check the path", "找不到文件；请检查路径"))
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED:
        raise ReadError(bi(f"{what}: unknown format {suffix or '(no extension)'!r}; supported: "
                           f"{', '.join(SUPPORTED)} (.txt: boundary-point TXT 界址点坐标 or a table)",
                           f"未知格式 {suffix or '（无扩展名）'!r}；支持：{', '.join(SUPPORTED)}"
                           "（.txt：界址点坐标 TXT 或表格）"))
    named = check_mark(p, coords, what, layer, hints)  # written by siting convert in GCJ-02?
    if suffix in VECTOR_SUFFIXES:
        if coords == "cgcs2000":
            crs, coords = "EPSG:4490", None
        elif coords is not None:
            crs = "EPSG:4326"
        gdf, problems = read_vector(p, layer=layer, crs=crs, encoding=encoding, what=what,
                                    hints=hints, feature_errors=True)
    else:
        text, problems = None, []
        if suffix in (".txt", ".csv", ".tsv"):
            text, problems = decode_text(p.read_bytes(), what, encoding, hints)
        if text is not None and is_mnr_txt(text):
            if coords not in (None, "cgcs2000"):
                raise InputError(bi(f"{what}: a boundary-point TXT is in Gauss-Krüger metres; "
                                    f"coords {coords} does not apply to it", f"界址点坐标 "
                                    f"TXT 为高斯-克吕格米制坐标，不适用 coords {coords}"))
            gdf, more, labels = parse_mnr_txt(text, what, crs, hints)
        else:
            df, rows, header, _ = read_table_cells(p, what, layer, encoding, text, hints)
            df, rows, empty = _without_empty_rows(df, rows)
            wkt = wkt_column(df.columns)
            if wkt is not None:  # a table exported with its geometry as text
                gdf, more, labels = read_wkt_table(df, wkt, what, coords, crs, hints, rows)
            else:
                gdf, more, labels = read_table(df, what, coords, crs, hints, rows, header)
            if empty:
                more = [Problem(None, "empty_rows", f"{what}: {_rows_text(empty)} empty (no "
                                "value in any cell): not a project, skipped / "
                                f"{place_zh(_rows_text(empty).rsplit(' ', 1)[0])}为空行（所有单元格均无值），"
                                "不是项目，已跳过", "note"), *more]
        gdf, cleaning = _clean(gdf, labels, what)
        problems = problems + more + cleaning
    if coords in ("gcj02", "bd09"):
        from layers.chinacoords import convert_gdf

        gdf = convert_gdf(gdf, coords, "wgs84", what)
        problems.append(Problem(None, "coords_converted", f"{what}: coordinates converted from "
                                f"{coords.upper()} to WGS84 (坐标已由 {coords.upper()} 转换为 "
                                "WGS84)", "note"))
    return gdf, named + problems


def feature_count(path: str | Path, layer: str | None = None) -> int | None:
    """How many features a GeoPackage, shapefile or FlatGeobuf holds, from its metadata (nothing
    is read or checked); None for other formats or when it cannot tell."""
    if Path(path).suffix.lower() not in (".gpkg", ".shp", ".fgb"):
        return None
    import pyogrio

    try:
        count = pyogrio.read_info(path, layer=layer)["features"]
    except Exception:  # noqa: BLE001 - only a hint: the reader says what is wrong with the file
        return None
    return int(count) if count >= 0 else None
