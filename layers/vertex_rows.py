"""Which rows of a vertex table make one project, without guessing.

A vertex table lists one project's corners on consecutive rows sharing a project id (项目编号).
Three layouts are read here rather than in :mod:`layers.coord_table`:

* an id used by two separate runs of rows (rows of another id between them) is one project
  whose outline is unknown (:func:`blocks`, :func:`apart`): the runs may be one outline whose
  rows a sort separated, or two projects given one id; neither is read as the whole outline;
* a project attribute that differs between the rows of one block is not resolved to one of the
  values (:func:`conflicts`); an id written differently only by spaces around it ('P1', 'P1 ')
  is one id, but said (:func:`spaced_ids`);
* rows with coordinates but no id right after a project's rows (merged cells read as blanks) are
  not guessed to be its vertices (:func:`blank_ids`); merged cells of a workbook are filled down
  first (:func:`fill_merged`), since the merged value belongs to every row it spans.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd

from layers.errors import bi, place_zh
from layers.table_columns import VERTEX_COLUMNS, column_key


def table_rows(numbers: list[int]) -> str:
    """Rows of a table named as a spreadsheet numbers them: ``row 3``; several as
    ``rows 2-4, 7``."""
    rows = sorted(numbers)
    if len(rows) == 1:
        return f"row {rows[0]}"
    runs: list[list[int]] = []
    for r in rows:
        if runs and r == runs[-1][-1] + 1:
            runs[-1].append(r)
        else:
            runs.append([r])
    return "rows " + ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}"
                               for run in runs)


def blocks(keys: list[str], numbers: list[int]) -> list[tuple[str, list[list[int]]]]:
    """The projects of a vertex table, in the order they first appear: (id, runs), each run a
    list of consecutive data row positions with that id; a row with a blank id is a project of
    its own, called by its row (``row 7``).

    An id that comes back after rows of another id has several runs: the runs are never joined
    into one outline nor read as projects of their own (:func:`apart` says why).
    """
    out: list[tuple[str, list[list[int]]]] = []
    seen: dict[str, int] = {}
    for i, k in enumerate(keys):
        if not k:
            out.append((table_rows([numbers[i]]), [[i]]))
        elif k not in seen:
            seen[k] = len(out)
            out.append((k, [[i]]))
        elif (runs := out[seen[k]][1])[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return out


def apart(key: str, runs: list[list[int]], numbers: list[int], group: str, order: str,
          restart: list[int]) -> str:
    """The error of project ``key`` whose rows come in several ``runs`` with other rows
    between them: its outline is unknown (the first run alone would be a smaller shape,
    perhaps outside a zone the whole outline occupies), so none of them is read. The fix is to
    sort the sheet by ``group``; where the ``order`` value starts again at a later run
    (spreadsheet rows ``restart``) the id may also name two projects."""
    spans = [table_rows([numbers[i] for i in run]) for run in runs]
    more = len(spans) - 8
    shown = [s.split(" ", 1)[1] for s in spans[:8]]
    en = ", ".join(shown) + (f" and {more} more runs" if more > 0 else "")
    zh = "、".join(f"第 {s} 行" for s in shown) + (f"等 {len(spans)} 段" if more > 0 else "")
    text = [f"the rows of project {key} are not together (rows {en}): its outline is unknown "
            f"and no part of it is judged; sort the sheet by {group} (then {order}) so that "
            "each project's rows are adjacent",
            f"项目 {key} 的行不相邻（{zh}）：范围无法确定，不按其中一部分判断；请按{group}"
            f"（再按{order}）排序，使每个项目的行相邻"]
    if restart:
        where = table_rows(restart)
        text[0] += (f"; {order!r} starts again on {where}: if these are two projects given "
                    f"the same id, give each its own {group!r}")
        text[1] += (f"；“{order}”在{place_zh(where)}重新开始：若是两个项目用了同一编号，请给"
                    f"每个项目不同的“{group}”")
    return bi(*text)


def spaced_ids(key: str, written: list[str], numbers: list[int], group: str) -> str:
    """The warning of project ``key`` whose rows write its id differently, only by spaces
    around it ('P1' on some rows, 'P1 ' on others: one id once trimmed), or "" when every row
    writes it alike. ``written`` holds the id as written on each of its rows, ``numbers`` their
    spreadsheet rows. The rows are read as one project, as an id is everywhere (spaces around
    it are ignored), but the merge is said: the ids differ as the user sees them."""
    seen: dict[str, list[int]] = {}
    for w, n in zip(written, numbers):
        seen.setdefault(w, []).append(n)
    if len(seen) < 2:
        return ""
    en = ", ".join(f"{w!r} on {table_rows(r)}" for w, r in seen.items())
    zh = "，".join(f"{w!r}（{place_zh(table_rows(r))}）" for w, r in seen.items())
    return bi(f"column {group!r}: ids {en} differ only by spaces: read as one project {key!r}; "
              "correct the id if they are different projects",
              f"“{group}”列：编号 {zh} 仅首尾空格不同，读作同一项目 {key!r}；若为不同项目，请更正编号")


def conflicts(attrs: pd.DataFrame, idx: list[int], numbers: list[int], key: str,
              skip: list) -> list[str]:
    """Errors of a project whose rows ``idx`` give different values of one attribute column
    (项目类型 光伏 on one row, 风电 on another): which one holds is not guessed. Blank cells
    are fine (attributes on the first row only is a common layout); columns in ``skip`` and
    columns that describe one vertex (:data:`layers.table_columns.VERTEX_COLUMNS`: 点号, 备注,
    高程 ...) may differ."""
    errs = []
    for col in attrs.columns:
        if col in skip or column_key(col) in VERTEX_COLUMNS:
            continue
        seen: dict[object, list[int]] = {}
        for i in idx:
            v = attrs[col].iloc[i]
            if v is not None and not (isinstance(v, float) and v != v):
                seen.setdefault(v, []).append(numbers[i])
        if len(seen) < 2:
            continue
        en = ", ".join(f"{v!r} on {table_rows(r)}" for v, r in seen.items())
        zh = "，".join(f"{v!r}（{place_zh(table_rows(r))}）" for v, r in seen.items())
        errs.append(bi(f"column {col!r} differs between the rows of {key}: {en}; which one "
                       f"holds is not guessed: give {key} one value (on every row, or on its "
                       "first row only)", f"{key} 各行的“{col}”列取值不一致：{zh}；不猜测以哪个"
                       f"为准：请给 {key} 一个值（每行相同，或只填在第一行）"))
    return errs


def blank_ids(keys: list[str], numbers: list[int], group: str, order: str
              ) -> dict[int, str]:
    """Errors of the rows that have no id right after a project's rows, and of that project:
    the rows may be its vertices (merged cells read as blanks) or projects of their own, so the
    project's footprint is unknown; neither is guessed. Rows with no id before any row with one
    are left to the caller. Returns data row position → message."""
    out: dict[int, str] = {}
    i = 0
    while i < len(keys):
        if keys[i] or i == 0 or not keys[i - 1]:
            i += 1
            continue
        j = i
        while j < len(keys) and not keys[j]:
            j += 1
        key, span = keys[i - 1], table_rows(numbers[i:j])
        fix = (f"fill {group!r} on every vertex row, or unmerge the cells and fill the values "
               "down", f"请在每个界址点行填写“{group}”，或取消合并单元格并向下填充")
        for k in range(i, j):
            out[k] = bi(f"no {group!r} value right after the rows of {key} (merged cells?): "
                        f"whether it is a vertex of {key} is not guessed; {fix[0]}",
                        f"紧接 {key} 各行之后没有“{group}”值（合并单元格？）：不猜测该行是否为 "
                        f"{key} 的界址点；{fix[1]}")
        out[i - 1] = bi(f"{span} after it have no {group!r} value (merged cells?) but "
                        f"coordinates and {order!r} values: they may be vertices of {key}, so "
                        f"its footprint is unknown (its own rows alone would be a smaller shape "
                        f"or one corner); {fix[0]}",
                        f"其后的{place_zh(span)}没有“{group}”值（合并单元格？）但有坐标和"
                        f"“{order}”值：它们可能是 {key} 的界址点，因此 {key} 的范围无法确定"
                        f"（仅按带编号的行会缩小为更小的图形或一个角点）；{fix[1]}")
        i = j
    return out


def fill_merged(df: pd.DataFrame, path: Path, sheet: object) -> pd.DataFrame:
    """``df`` (a sheet read with its header on row 1) with the value of each merged range of
    data cells written on every row and column it spans: Excel shows a merged cell's value on
    all those rows, pandas reads it on the first alone."""
    merged = merged_ranges(path, sheet)
    if not merged:
        return df
    out = df.copy()
    for min_col, min_row, max_col, max_row in merged:
        r0, c0 = min_row - 2, min_col - 1
        if r0 < 0 or c0 >= len(out.columns) or r0 >= len(out):
            continue  # a merged header, or cells beyond the table
        value = out.iat[r0, c0]
        for r in range(r0, min(max_row - 1, len(out))):
            for c in range(c0, min(max_col, len(out.columns))):
                out.iat[r, c] = value
    return out


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Za-z]+[0-9]+(?::[A-Za-z]+[0-9]+)?)"')


def merged_ranges(path: Path, sheet: object) -> list[tuple[int, int, int, int]]:
    """The merged cell ranges of a workbook's worksheet (its name, or its position among the
    worksheets as pandas counts them) as ``(min_col, min_row, max_col, max_row)``, 1-based.

    Read from the sheet's XML (its ``<mergeCell ref=...>`` elements) rather than by loading the
    workbook with openpyxl, which builds every cell: for a 100,000-row vertex table that took
    longer than pandas' own read of the sheet."""
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(path) as book:
        xml = book.read(_sheet_part(book, sheet))
    return [range_boundaries(m.decode()) for m in _MERGE.findall(xml)]


def _sheet_part(book: zipfile.ZipFile, sheet: object) -> str:
    """The archive member holding a worksheet (``xl/worksheets/sheet1.xml``)."""
    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel_id = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = []
    for s in ElementTree.fromstring(book.read("xl/workbook.xml")).iter(f"{main}sheet"):
        target = targets.get(s.get(rel_id), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        if "worksheets/" in part:  # not a chart sheet: pandas counts worksheets alone
            parts.append((s.get("name"), part))
    if isinstance(sheet, int):
        return parts[sheet][1]
    return next(part for name, part in parts if name == sheet)
