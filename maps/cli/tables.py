"""Table files of the commands, CSV and GeoJSON, safe to open and stable to diff (the workbook,
XLSX: :mod:`maps.cli.workbook`).

Every table writer passes its cells through :func:`safe_cell` (the OWASP CSV-injection rule):
text that a spreadsheet would run as a formula (starting with ``= + - @``, tab or carriage
return) gets a leading ``'``; control characters that XML (hence XLSX) cannot hold become their
visible Unicode control pictures (``\\x07`` → ``␇``); numbers stay numbers. Lists and dicts are
written as JSON text, so that a GIS reads every GeoJSON property as a plain value.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from geo.grouping import factorize
from maps.cells import all_text, arrow_plain, plain_frame, plain_value

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# C0 controls XML 1.0 forbids (tab, LF, CR are allowed), lone surrogates, U+FFFE/U+FFFF
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# the same test for pandas' vectorised matching (RE2 under pyarrow: no surrogates, no \u escapes)
_NEEDS_WORK = r"^[=+\-@\t\r]|[\x00-\x08\x0b\x0c\x0e-\x1f" + "\ufffe\uffff]"


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else "\ufffd"


def safe_text(text: str) -> str:
    """Text as a spreadsheet cell that shows it and never runs it.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        ``text`` with control characters XML cannot hold replaced by their control pictures
        (U+2400 + code; lone surrogates by U+FFFD), and a ``'`` in front when it would start a
        formula. Plain numbers such as ``-12.5`` are left as they are (a spreadsheet reads them
        as numbers, never as formulas).
    """
    text = _ILLEGAL.sub(_visible, text)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_cell(value: object) -> object:
    """The one cell rule of every table writer: :func:`plain_value`, then :func:`safe_text`
    for text; numbers, booleans and blanks unchanged."""
    value = plain_value(value)
    return safe_text(value) if isinstance(value, str) else value


def _safe_texts(texts: np.ndarray) -> np.ndarray:
    """Distinct texts (an object array without blanks) with :func:`safe_text` applied to those it
    changes, found in one RE2 pass (a column of hits repeats a few texts a million times, so
    callers pass each text once)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    hit = pc.match_substring_regex(pa.array(texts, pa.string()), _NEEDS_WORK).to_numpy(
        zero_copy_only=False)
    if not hit.any():
        return texts
    texts = texts.copy()
    texts[hit] = [safe_text(v) for v in texts[hit]]
    return texts


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`safe_cell` applied to every text or mixed column (numbers untouched).

    Text columns are scanned with one vectorised regular expression; only the cells that need
    it go through :func:`safe_text`, so large tables stay fast.
    """
    out = pd.DataFrame(df, copy=True)
    out.columns = [safe_text(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        text = pd.api.types.is_string_dtype(col.dtype) and not pd.api.types.is_object_dtype(col)
        if text:
            hit = col.str.contains(_NEEDS_WORK, na=False).to_numpy()
            if hit.any():
                col = col.astype(object)
                col[hit] = [safe_text(v) for v in col[hit]]
                out.isetitem(i, col)
        elif col.dtype == object and all_text(col):
            codes, texts = pd.factorize(col.to_numpy())
            texts = np.asarray(texts, dtype=object)
            safe = _safe_texts(texts)
            if safe is not texts:
                hit = np.append(safe != texts, False)[codes]  # code -1 (blank): the last
                col = col.copy()
                col[hit] = safe[codes[hit]]
                out.isetitem(i, col)
        elif col.dtype == object:
            out.isetitem(i, col.map(safe_cell))
    return out


def write_csv(path: Path, df: pd.DataFrame | list[pd.DataFrame], **to_csv) -> None:
    """Write ``df`` as CSV with safe cells; UTF-8 with a byte-order mark (so that Excel reads
    it as UTF-8) unless ``to_csv`` (passed to :meth:`pandas.DataFrame.to_csv`) says otherwise.
    A list of frames with the same columns is written as one table, one frame after the other
    (slices of a large table around a few inserted rows, copying nothing).

    Lines end with CRLF (RFC 4180) and a cell is quoted when it holds a comma, a quote or a line
    break (a lone carriage return included), so that no reader splits one row into two. The
    bytes are those ``safe_frame(df).to_csv(...)`` writes under numpy's default printing (a
    library's ``legacy`` printing would write 0.1 + 0.2 as 0.3); tables of numbers and text are
    encoded with pyarrow, :data:`_CSV_CHUNK_ROWS` rows at a time (:func:`_csv_column`): the 1.9
    million hits of 100,000 projects in about 3 s instead of 11 s, in less memory.

    Raises
    ------
    ValueError
        ``df`` is an empty list (no columns to write).
    """
    with np.printoptions(legacy=False):  # numbers as numpy writes them, whatever a library set
        _write_csv(path, df, **to_csv)


def _write_csv(path: Path, df: pd.DataFrame | list[pd.DataFrame], **to_csv) -> None:
    if isinstance(df, list) and not df:
        raise ValueError(f"write_csv({path}): an empty list of frames; give at least one frame "
                         "(an empty frame writes the header)")
    frames = [f for f in df if len(f)] or df[:1] if isinstance(df, list) else [df]
    table = [[_csv_column(f.iloc[:, i]) for i in range(f.shape[1])] for f in frames] \
        if not to_csv and frames[0].shape[1] > 1 else [None]
    if any(c is None or any(x is None for x in c) for c in table):
        whole = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        safe_frame(whole).to_csv(path, index=False,
                                 **{"encoding": "utf-8-sig", "lineterminator": "\r\n", **to_csv})
        return
    import pyarrow.compute as pc

    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(safe_text(str(c))
                                                        for c in frames[0].columns)
    with open(path, "wb") as out:
        out.write(header.getvalue().encode("utf-8-sig"))
        for frame, columns in zip(frames, table, strict=True):
            for start in range(0, len(frame), _CSV_CHUNK_ROWS):
                part = [cells(start, start + _CSV_CHUNK_ROWS) for cells in columns]
                row = pc.binary_join_element_wise(*part, ",", null_handling="replace")
                lines = pc.binary_join_element_wise(row, "", "\r\n")
                ends = np.frombuffer(lines.buffers()[1], np.int32, len(lines) + 1,
                                     lines.offset * 4)
                out.write(memoryview(lines.buffers()[2])[ends[0]:ends[-1]])


_CSV_CHUNK_ROWS = 20_000
"""Rows encoded at once by :func:`write_csv` (20,000 rows of long reasons are about 20 MB)."""
_CSV_QUOTE = r'[,"\r\n]'


def _csv_column(col: pd.Series):
    """A column's safe CSV cells, quoted as the csv module quotes them: a function of a row
    range giving them as a pyarrow text array (null for a blank); None for a dtype left to
    pandas (dates, categories, nullable numbers).

    Numbers are written as :meth:`pandas.DataFrame.to_csv` writes them (``numpy`` text of the
    value: ``1.0``, ``1e-05``, ``True``); text through :func:`safe_text`, other cells through
    :func:`safe_cell`, then as ``str``. Text and real numbers are coded once for the whole
    column (each distinct cell made once), the row ranges then taken from the codes.
    """
    dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        return _csv_reals(col.to_numpy())
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        values = col.to_numpy()
        return lambda a, b: _pa_texts(values[a:b].astype(str))
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        return _csv_texts(*pd.factorize(col.array))
    if not pd.api.types.is_object_dtype(dtype):
        return None
    values = col.to_numpy()
    if all_text(col):
        return _csv_texts(*factorize(values))
    blank = pd.isna(values)  # mixed: other cells through safe_cell, then as text
    values = np.where(blank, None, values)
    cells = [safe_cell(v) for v in values[~blank]]
    values[~blank] = [c if isinstance(c, str) else str(c) for c in cells]
    return _csv_texts(*pd.factorize(values), safe=False)


def _csv_texts(codes: np.ndarray, texts, safe: bool = True):
    """Coded text cells (``codes`` into the distinct ``texts``, -1 for a blank) as a function of
    a row range giving them as a pyarrow text array, each distinct text made safe (unless it is
    already: ``safe`` False) and quoted once (a column of hits repeats a few texts a hundred
    thousand times)."""
    import pyarrow as pa

    texts = np.asarray(texts, dtype=object)
    text = _csv_quoted(_pa_texts(_safe_texts(texts) if safe else texts))
    return lambda a, b: text.take(pa.array(codes[a:b], mask=codes[a:b] < 0))


def _csv_reals(values: np.ndarray):
    """Real numbers as pandas writes them in a CSV (:func:`_csv_texts`; NaN blank), each
    distinct number (by its bits: ``-0.0`` is not ``0.0``) as text once."""
    number = ~np.isnan(values)
    if values.dtype.itemsize not in (2, 4, 8):  # no integer of its size: each number in turn
        text = np.full(len(values), None, dtype=object)
        text[number] = values[number].astype(str)
        return _csv_texts(*pd.factorize(text), safe=False)
    codes = np.full(len(values), -1, dtype=np.intp)
    codes[number], bits = pd.factorize(values[number].view(f"i{values.dtype.itemsize}"))
    return _csv_texts(codes, np.asarray(bits).view(values.dtype).astype(str).astype(object),
                      safe=False)


def _pa_texts(texts: np.ndarray):
    """Texts (an array of str or object) as a pyarrow text array."""
    import pyarrow as pa

    return pa.array(texts, pa.string())


def _csv_quoted(text):
    """Text cells (a pyarrow text array) quoted as the csv module quotes them."""
    import pyarrow.compute as pc

    quote = pc.match_substring_regex(text, _CSV_QUOTE)
    if not pc.any(quote).as_py():
        return text
    quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
    return pc.if_else(quote, quoted, text)


def write_geojson(path: Path, gdf, lonlat=None) -> None:
    """Write a GeoDataFrame as GeoJSON in EPSG:4326 with the footprints' own vertices
    (:func:`layers.crs.to_lonlat_own`, or ``lonlat`` when the caller has them already);
    list/dict values as JSON text, infinite numbers as null (JSON has no infinity; the CSV
    keeps them)."""
    import geopandas as gpd

    from layers.crs import WGS84, to_lonlat_own

    frame = plain_frame(_bool_columns(gdf.drop(columns=gdf.geometry.name)))
    for col in frame.columns[[pd.api.types.is_float_dtype(t) for t in frame.dtypes]]:
        frame[col] = frame[col].where(~frame[col].isin([math.inf, -math.inf]))
    out = gpd.GeoDataFrame(frame, geometry=to_lonlat_own(gdf.geometry.values, gdf.crs)
                           if lonlat is None else lonlat,
                           crs=WGS84)
    # GDAL would turn JSON-looking text back into nested JSON, which many GIS cannot read
    out.to_file(path, driver="GeoJSON", engine="pyogrio", AUTODETECT_JSON_STRINGS="NO",
                use_arrow=arrow_plain(frame))


def _bool_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (changed in place) with each object column of booleans only (no blank) as the
    boolean column :func:`plain_frame` would make of it, in one pass instead of one call a cell
    (100,000 projects' ``two_high``: the frame is ready in 0.09 s of CPU instead of 0.17 s)."""
    for i in range(frame.shape[1]):
        col = frame.iloc[:, i]
        if col.dtype == object and len(col) and isinstance(col.iat[0], bool | np.bool_) \
                and pd.api.types.infer_dtype(col, skipna=False) == "boolean":
            frame.isetitem(i, col.astype(bool))
    return frame
