"""The workbook of a command (XLSX), written with xlsxwriter: tables as sheets, their columns
explained, what they come from and what did not fit.

xlsxwriter is 2-4x faster than pandas + openpyxl (``tests/benchmarks/bench_xlsx.py``); it
writes the workbook into memory, the tables' sheets with their header row, widths and frozen
panes only, and :mod:`maps.cli.sheet_xml` puts the tables' cells in, built a column at a time
(2.5x less CPU than xlsxwriter's per-cell calls: 6 s instead of 16 s for 100,000 projects);
repeated texts go to the shared-string table; the sheets are bounded by
:data:`XLSX_BUDGET_ROWS`, so the cells held in memory are too; document dates are fixed: the
same table gives the same bytes. A
table longer than an Excel sheet is not put in the workbook (its CSV holds every row): XLSX rows
cost about ten times CSV rows and split sheets of a million rows are no use in Excel. Every cell
passes :func:`maps.cli.tables.safe_cell`'s rules (formulas defused, control characters made
visible).
"""

from __future__ import annotations

import io
import math
import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from maps.cells import all_text
from maps.cli.sheet_xml import fill_sheets
from maps.cli.tables import _ILLEGAL, _visible, safe_frame, safe_text

XLSX_MAX_ROWS = 1_048_576
"""Rows of an Excel sheet, the header row included."""
XLSX_BUDGET_ROWS = 200_000
"""Most rows of a table written into a workbook sheet: xlsxwriter writes about 200,000 cells a
second and Excel opens such a sheet slowly, so a longer table (e.g. the hits of 25,000 projects,
7 million cells and 40 s) stays in its CSV and the ``notes`` sheet says so."""
_NOTES_SHEET = "notes"
_ABOUT_SHEET = "about"
_COLUMNS_SHEET = "columns"
_LEGEND_HEAD = ("sheet / 表", "header / 表头", "column / 列名", "unit / 单位", "说明",
                "description", "files holding the column / 含此列的文件")
_UNIT_ZH = {"points": "分"}
"""Units written in Chinese in the headers under ``zh`` (the ``columns`` sheet keeps both)."""


def document_date() -> datetime:
    """The fixed date written into documents: ``SOURCE_DATE_EPOCH`` when set, else 1980-01-01
    (the ZIP epoch, which xlsxwriter also gives every entry of the file)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime(1980, 1, 1, tzinfo=UTC)


def write_xlsx(path: Path, sheets: list[tuple[str, pd.DataFrame, str]], title: str = "",
               notes: list[str] | None = None,
               about: list[tuple[str, str]] | None = None, lang: str = "en",
               describe: dict | None = None, found_in: dict | None = None) -> list[str]:
    """Write tables as sheets of one workbook; tables longer than a sheet (or than
    :data:`XLSX_BUDGET_ROWS`) stay out of it.

    Parameters
    ----------
    path : Path
        The ``.xlsx`` file to write.
    sheets : list of (name, DataFrame, where)
        Sheet name (≤ 31 characters), its table and where the full table is otherwise found
        (e.g. ``"screening_hits.csv"``), named in the note when the table does not fit.
    title : str
        Document title (file properties).
    notes : list of str, optional
        Further notes for the ``notes`` sheet.
    about : list of (str, str), optional
        Rows of an ``about`` sheet, last: what the tables come from (the report's ID, rules,
        catalog and layers: :func:`maps.report_meta.about_rows`).
    lang : {"zh", "en"}
        Language of the headers: under ``zh`` a sheet with a ``describe`` function heads its
        columns with their Chinese labels (and units); under ``en`` with the column names of
        the CSV files.
    describe : {sheet name: callable}, optional
        (unit, zh, en) of each column of the sheet (e.g. :func:`geo.columns.describe`). With
        it a ``columns`` sheet lists, for every column, its header, its name in the CSV and
        GeoJSON files (as a text cell holding the name itself), its unit and what it is in both
        languages.
    found_in : {sheet name: callable}, optional
        The files holding a column of the sheet (e.g. ``"screening.csv, screening.geojson"``),
        written beside it in the ``columns`` sheet (blank without it).

    Returns
    -------
    list of str
        The notes written into the ``notes`` sheet (empty when there was nothing to say); the
        caller shows them to the user.
    """
    import xlsxwriter

    notes = list(notes or [])
    limit = XLSX_MAX_ROWS - 1
    fitting = []
    for name, frame, where in sheets:
        if len(frame) > limit:
            notes.append(f"sheet {name!r} left out: {len(frame):,} rows exceed Excel's "
                         f"{limit:,} rows per sheet; every row is in {where} "
                         f"/ 表 {name} 共 {len(frame):,} 行，超过 Excel 每表 {limit:,} 行上限，"
                         f"完整数据见 {where}")
        elif len(frame) > XLSX_BUDGET_ROWS:
            notes.append(f"sheet {name!r} left out: {len(frame):,} rows are more than a "
                         f"workbook sheet is written and opened quickly with "
                         f"({XLSX_BUDGET_ROWS:,}); every row is in {where} / 表 {name} 共 "
                         f"{len(frame):,} 行，超过 {XLSX_BUDGET_ROWS:,} 行，未写入工作簿，完整数据见 "
                         f"{where}")
        else:
            fitting.append((name, frame))
    options = {"constant_memory": False, "strings_to_formulas": False, "strings_to_urls": False,
               "strings_to_numbers": False, "in_memory": True}
    book, cells = io.BytesIO(), {}
    wb = xlsxwriter.Workbook(book, options)
    try:
        wb.set_properties({"title": title, "author": "siting", "created": document_date()})
        header = wb.add_format({"bold": True})
        legend = []
        for name, frame in fitting:
            heads = _headers(frame.columns, (describe or {}).get(name), lang)
            cells[name] = _write_sheet(wb.add_worksheet(name), safe_frame(frame), header,
                                       [h for h, *_ in heads] if heads else None)
            where = (found_in or {}).get(name) or (lambda column: "")
            legend += [(name, *h, where(h[1])) for h in heads]
        if legend:
            ws = wb.add_worksheet(_COLUMNS_SHEET)
            ws.freeze_panes(1, 0)
            for c, (head, width) in enumerate(zip(_LEGEND_HEAD, (12, 30, 26, 10, 40, 60, 36))):
                ws.set_column(c, c, width)
                ws.write_string(0, c, head, header)
            for r, row in enumerate(legend, start=1):
                for c, value in enumerate(row):
                    # the header and the column's name as the sheet's header cells hold them: a
                    # text cell (never a formula) with the name itself, which scripts match
                    text = _ILLEGAL.sub(_visible, str(value))
                    ws.write_string(r, c, text if c in (1, 2) else safe_text(text))
        if about:
            ws = wb.add_worksheet(_ABOUT_SHEET)
            ws.set_column(0, 0, 28)
            ws.set_column(1, 1, 120)
            for r, (label, value) in enumerate(about):
                ws.write_string(r, 0, safe_text(label), header)
                ws.write_string(r, 1, safe_text(str(value)))
        if notes:
            ws = wb.add_worksheet(_NOTES_SHEET)
            ws.set_column(0, 0, 120)
            ws.write_string(0, 0, "notes / 说明", header)
            for r, note in enumerate(notes, start=1):
                ws.write_string(r, 0, safe_text(note))
    finally:
        wb.close()
    fill_sheets(book.getvalue(), path, cells)
    return notes


def labelled(frame: pd.DataFrame, values: dict[str, dict], lang: str) -> pd.DataFrame:
    """``frame`` with the codes of the columns in ``values`` (e.g. verdicts; ``True``/``False``
    of a yes/no column) written as their words, under ``lang="zh"``; as it is under ``en``
    (the codes are English words) and when it is too long for a workbook sheet
    (:data:`XLSX_BUDGET_ROWS`: it stays in its CSV)."""
    if lang != "zh" or len(frame) > XLSX_BUDGET_ROWS:
        return frame
    out = frame.copy(deep=False)
    for column, words in values.items():
        if column in out:
            cells = out[column].astype(object).to_numpy()
            # by identity of type too: a 1 is no True, a "True" no True
            known = np.fromiter((type(v) in (str, bool, np.bool_) for v in cells), bool,
                                len(cells))
            codes, distinct = pd.factorize(cells[known])  # each distinct word looked up once
            shown = cells.copy()
            shown[known] = np.array([words.get(v, v) for v in distinct] + [None],
                                    dtype=object)[codes]
            out[column] = pd.Series(shown, index=out.index, dtype=object)
    return out


def _headers(columns, describe, lang: str) -> list[tuple[str, str, str, str, str]]:
    """(header, column, unit, zh, en) of each column: the header in ``lang`` (the column's
    name in English, its label and unit in Chinese; a label two columns share is told apart by
    the column's name); [] without ``describe``."""
    if describe is None:
        return []
    rows, seen = [], set()
    for column in map(str, columns):
        unit, zh, en = describe(column)
        shown = _UNIT_ZH.get(unit, unit)
        head = column if lang != "zh" else f"{zh} [{shown}]" if unit else zh
        if head in seen:
            head = f"{head} ({column})"
        seen.add(head)
        rows.append((head, column, unit, zh, en))
    return rows


def _write_sheet(ws, frame: pd.DataFrame, header, heads: list[str] | None = None
                 ) -> tuple[int, int, list]:
    """One table's header row into one worksheet under ``heads`` (default: the column names),
    with its column widths and frozen header; its cells, each with its own type
    (:func:`_typed`), are returned for :func:`maps.cli.sheet_xml.fill_sheets`: (rows, columns,
    cells by column)."""
    ws.freeze_panes(1, 0)
    for c, name in enumerate(heads or frame.columns):
        ws.set_column(c, c, min(max(len(str(name)) * (2 if str(name).isascii() else 3) // 2
                                    + 2, 10), 60))
        ws.write_string(0, c, str(name), header)
    return len(frame), frame.shape[1], [_typed(frame.iloc[:, c]) for c in range(frame.shape[1])]


def _typed(col: pd.Series) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """A column's cells by type for :func:`_write_sheet`: (kind: 0 number, 1 text, 2 boolean;
    their rows, from 1; their values, an array), blanks left out.

    A number is written as one, NaN is blank and ±inf (which XLSX cannot hold) text; a boolean
    column (blanks allowed) as booleans; a text column's empty texts are blank. Other columns
    (mixed values, categories, dates) are typed cell by cell: ``None``, ``pd.NA``, NaN and
    ``""`` blank, ``bool`` a boolean, ``int`` and ``float`` a number, text as it is, anything
    else as its text.
    """
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype):
        values = col.to_numpy(dtype=object)
        keep = pd.notna(values)
        return [(2, np.flatnonzero(keep) + 1, values[keep])]
    if pd.api.types.is_numeric_dtype(dtype):
        values = col.astype(float).to_numpy()
        finite, inf = np.isfinite(values), np.isinf(values)
        return [(0, np.flatnonzero(finite) + 1, values[finite]),
                (1, np.flatnonzero(inf) + 1,
                 np.array([safe_text(str(v)) for v in values[inf].tolist()], dtype=object))]
    values = col.to_numpy(dtype=object)
    if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype) \
            or all_text(col):  # text and blanks (None, NaN, pd.NA) only
        keep = pd.notna(values)
        keep[keep] = values[keep] != ""
        return [(1, np.flatnonzero(keep) + 1, values[keep])]
    cells = [_cell(v) for v in values.tolist()]
    kinds = np.array([-1 if cell is None else cell[0] for cell in cells])
    shown = np.array([None if cell is None else cell[1] for cell in cells], dtype=object)
    return [(kind, np.flatnonzero(kinds == kind) + 1, shown[kinds == kind]) for kind in (0, 1, 2)]


def _cell(v: object) -> tuple | None:
    """One cell of a mixed column as (writer index, value); None for a blank."""
    if v is None or v is pd.NA:
        return None
    if isinstance(v, bool):
        return (2, v)
    if isinstance(v, int | float):
        return _number(v)
    if isinstance(v, str):
        return (1, v) if v else None
    return (1, safe_text(str(v)))


def _number(v: float) -> tuple | None:
    """A number cell; NaN is blank, ±inf (which XLSX cannot hold) is written as text."""
    if math.isfinite(v):
        return (0, v)
    return None if math.isnan(v) else (1, safe_text(str(v)))
