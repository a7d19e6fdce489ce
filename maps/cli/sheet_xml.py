"""The data cells of workbook sheets as XML built a column at a time, put into the workbook that
xlsxwriter wrote (:func:`maps.cli.workbook.write_xlsx`).

xlsxwriter spends about 90 % of a large workbook's time in its per-cell work (a Python call, a
tuple and an XML element per cell: 12 s of 14 for the 3.4 million cells of 100,000 projects).
So xlsxwriter writes the whole workbook, the data sheets with their header row, formats, column
widths and frozen panes only, into memory; :func:`fill_sheets` then copies it into the file,
entry by entry, and gives each data sheet the rows below its header and its ``<dimension>``, and
the shared-string table the sheets' texts:

- the cells of a column are built with pyarrow's element-wise joins (``<c r="B7" t="s"><v>12</v>
  </c>``), a row is the join of its cells, rows without a cell are left out, as xlsxwriter
  leaves them out;
- cells are written as xlsxwriter writes them, so that they read back the same: a number as
  ``format(value, ".16G")`` (each distinct value formatted once; the text decides whether a
  reader gives an int or a float), a boolean as ``t="b"`` 1/0, a text as a shared string;
- a text is truncated to Excel's 32,767 UTF-16 units, its control characters and literal
  ``_xHHHH_`` escaped in Excel's ``_xHHHH_`` form, ``& < >`` as XML entities, and its ``<t>``
  gets ``xml:space="preserve"`` when it begins or ends with white space, as xlsxwriter's
  shared-string writer does, except that a text looking like rich text (``<r>…</r>``) is
  escaped like any other (xlsxwriter writes it as raw XML, which broke the file);
- the sheets' distinct texts are appended to xlsxwriter's ``sharedStrings.xml`` (which holds the
  headers, so it exists), a text already there keeping its index; ``count`` and
  ``uniqueCount`` are updated;
- columns beyond Excel's 16,384 are left out, as xlsxwriter leaves them out; rows carry no
  ``spans`` (an optional hint);
- the other entries are copied unchanged with their fixed dates: the same tables give the same
  bytes (every entry deflated at :data:`ZIP_LEVEL`).

Shared strings rather than inline ones: the file stays as small as xlsxwriter's, and readers
treat a text the same whether xlsxwriter or this module wrote it (openpyxl undoes the
``_x005F`` escape in shared strings only). The sheets are found by name through
``xl/workbook.xml`` and its relationships, as a reader finds them. xlsxwriter has no documented
hook for cell XML and its private methods are not used; what is assumed of its output (one
``<dimension>`` and one ``</sheetData>`` per sheet, an ``<sst>`` with ``count`` and
``uniqueCount``) is checked, and a ValueError names it.
"""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

import numpy as np
import pandas as pd

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_MAX_COLUMNS = 16_384
"""Columns of an Excel sheet: xlsxwriter leaves out cells beyond them, so do we."""
_STR_MAX = 32_767
"""Longest text of a cell [UTF-16 units]."""
ZIP_LEVEL = 1
"""zlib level of every entry of the workbook written (xlsxwriter's, 6, takes 1.5 s of CPU for the
49 MB sheet of 100,000 projects; 1 takes 0.35 s, for a file 30 % larger: 9.8 MB instead of
7.5)."""
_CHUNK_ROWS = 20_000
"""Rows built at once (memory: about 30 MB of XML for 20,000 rows of 34 columns)."""
# xlsxwriter's rules (xmlwriter.py, utility.py): Excel's escape of the escape, then of controls
_ESCAPE_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_NEEDS_WORK = re.compile(r"[\x00-\x08\x0b-\x1f]|_x[0-9a-fA-F]{4}_")


def fill_sheets(source: bytes, path, sheets: dict[str, tuple[int, int, list]]) -> None:
    """Write the workbook ``source`` (xlsxwriter's bytes) to ``path`` with the data rows of
    ``sheets`` put into their sheets.

    Parameters
    ----------
    source : bytes
        The workbook as xlsxwriter wrote it, the data sheets with their header row only.
    path : str or Path
        The ``.xlsx`` file to write.
    sheets : {sheet name: (rows, columns, typed)}
        Each data sheet's number of data rows and columns and its cells by column:
        ``typed[c]`` is a list of (kind, rows, values) with kind 0 number, 1 text, 2 boolean,
        rows from 1 (the header is row 0) and values an object array
        (:func:`maps.cli.workbook._typed`).
    """
    with zipfile.ZipFile(io.BytesIO(source)) as zin:
        parts = _sheet_parts(zin)
        # the headers' texts are in it: a sheet with cells has a header
        sst = zin.read("xl/sharedStrings.xml").decode("utf-8") \
            if "xl/sharedStrings.xml" in zin.namelist() else ""
        known, start = _shared_strings(sst)
        texts: list[str] = []  # new distinct texts, in the order of their index
        count = 0
        built = {}
        for name, (n, width, typed) in sheets.items():
            xml = zin.read(parts[name]).decode("utf-8")
            built[parts[name]], cells = _sheet(xml, n, min(width, _MAX_COLUMNS), typed, known,
                                               texts, start)
            count += cells
        merged = _merged_sst(sst, texts, count) if texts else None
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
            for info in zin.infolist():
                entry = zipfile.ZipInfo(info.filename, info.date_time)
                entry.compress_type = zipfile.ZIP_DEFLATED
                _set_level(entry, ZIP_LEVEL)
                entry.external_attr = info.external_attr
                if info.filename in built:
                    chunks = built[info.filename]
                    entry.file_size = sum(map(len, chunks))
                    with zout.open(entry, "w") as out:
                        for chunk in chunks:
                            out.write(chunk)
                elif info.filename == "xl/sharedStrings.xml" and merged:
                    zout.writestr(entry, merged)
                else:
                    zout.writestr(entry, zin.read(info))


def _set_level(entry: zipfile.ZipInfo, level: int) -> None:
    """Deflate ``entry`` at zlib ``level``: ``ZipFile.open(entry, "w")``, which streams a sheet,
    takes no level, so it goes on the entry: its attribute ``compress_level`` from Python 3.13,
    the private ``_compresslevel`` before."""
    setattr(entry, "compress_level" if hasattr(entry, "compress_level") else "_compresslevel",
            level)


def _sheet_parts(zin: zipfile.ZipFile) -> dict[str, str]:
    """{sheet name: its entry in the zip} from ``xl/workbook.xml`` and its relationships."""
    rels = ElementTree.fromstring(zin.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels.iter(f"{_PKG_REL}Relationship")}
    book = ElementTree.fromstring(zin.read("xl/workbook.xml"))
    parts = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        where = target[sheet.get(f"{_REL}id")]
        parts[sheet.get("name")] = where.lstrip("/") if where.startswith("/") else f"xl/{where}"
    return parts


def _shared_strings(sst: str) -> tuple[dict[str, int], int]:
    """{escaped text: index} of the plain texts in a shared-string table (rich texts, which
    have no single ``<t>``, are left out) and the number of its entries."""
    known, total = {}, 0
    for total, si in enumerate(ElementTree.fromstring(sst.encode("utf-8")) if sst else (),
                               start=1):
        t = list(si)
        if len(t) == 1 and t[0].tag == f"{_MAIN}t":
            known.setdefault(t[0].text or "", total - 1)
    return known, total


def _merged_sst(sst: str, texts: list[str], count: int) -> bytes:
    """xlsxwriter's shared-string table with ``texts`` (escaped) appended and ``count`` more
    cells referring to it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    head = re.search(r'<sst [^>]*count="(\d+)" uniqueCount="(\d+)"', sst)
    if head is None or not sst.rstrip().endswith("</sst>"):
        raise ValueError("xl/sharedStrings.xml: an <sst> with count and uniqueCount expected, "
                         f"found {sst[:200]!r}; the xlsxwriter version is not one we know")
    start = head.group(0)
    new = start.replace(f'count="{head.group(1)}"', f'count="{int(head.group(1)) + count}"') \
        .replace(f'uniqueCount="{head.group(2)}"',
                 f'uniqueCount="{int(head.group(2)) + len(texts)}"')
    body = sst.rstrip()[:-len("</sst>")].replace(start, new, 1)
    text = pa.array(texts, pa.string())
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = pc.replace_substring(text, char, entity)
    # white space at either end as Python's \s (xlsxwriter's test), Unicode's included
    space = np.fromiter((t[:1].isspace() or t[-1:].isspace() for t in texts), bool, len(texts))
    opening = pa.array(np.where(space, '<si><t xml:space="preserve">', "<si><t>"), pa.string())
    return body.encode("utf-8") + _joined(pc.binary_join_element_wise(
        opening, text, "</t></si>", "")) + b"</sst>"


def _joined(text) -> bytes:
    """The texts of a pyarrow text array one after the other."""
    if not len(text):
        return b""
    ends = np.frombuffer(text.buffers()[1], np.int32, len(text) + 1, text.offset * 4)
    return bytes(memoryview(text.buffers()[2])[ends[0]:ends[-1]])


def _escaped(text: str) -> str:
    """A text as the shared-string table keys it: truncated to Excel's length, controls and
    literal ``_xHHHH_`` in Excel's escape."""
    if len(text) > _STR_MAX // 2:
        units = np.cumsum([2 if ord(ch) > 0xFFFF else 1 for ch in text])
        text = text[:int(np.searchsorted(units, _STR_MAX, side="right"))]
    text = _ESCAPE_ESCAPE.sub(r"_x005F\1", text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)


def _sheet(xml: str, n: int, width: int, typed: list, known: dict[str, int], texts: list[str],
           start: int) -> tuple[list[bytes], int]:
    """A data sheet's XML (as byte chunks) with its data rows and dimension, and the number of
    its text cells; its new texts are added to ``known`` and ``texts``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from xlsxwriter.utility import xl_col_to_name

    kinds = np.full((n, width), -1, np.int8)
    values = []
    cells = 0
    for c in range(width):
        codes, parts = np.full(n, -1, np.int64), []
        for kind, rows, cell in typed[c]:
            kinds[rows - 1, c] = kind
            code, shown = _shown(kind, cell, known, texts, start)
            codes[rows - 1] = code + sum(map(len, parts))
            parts.append(shown)
            cells += len(rows) if kind == 1 else 0
        shown = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
        values.append(shown.take(pa.array(codes, mask=codes < 0)))
    mids = pa.array(['"><v>', '" t="s"><v>', '" t="b"><v>'])
    full = np.flatnonzero((kinds >= 0).any(axis=1))
    rows = []
    for a in range(0, n, _CHUNK_ROWS):
        b = min(a + _CHUNK_ROWS, n)
        number = pa.array(np.arange(a + 2, b + 2)).cast(pa.string())
        row_cells = []
        for c in range(width):
            kind = kinds[a:b, c]
            mid = mids.take(pa.array(kind, mask=kind < 0))
            row_cells.append(pc.binary_join_element_wise(
                f'<c r="{xl_col_to_name(c)}', number, mid, values[c][a:b], "</v></c>", ""))
        body = pc.binary_join_element_wise(*row_cells, "", null_handling="replace") \
            if row_cells else pa.array([""] * (b - a))
        line = pc.binary_join_element_wise('<row r="', number, '">', body, "</row>", "")
        line = line.take(pa.array(full[(full >= a) & (full < b)] - a))
        if len(line):
            rows.append(_joined(line))
    if not rows:
        return [xml.encode("utf-8")], cells
    dimension = f'<dimension ref="A1:{xl_col_to_name(width - 1)}{int(full[-1]) + 2}"/>'
    xml, found = re.subn(r'<dimension ref="[^"]*"/>', dimension, xml, count=1)
    head, end = xml.split("</sheetData>") if xml.count("</sheetData>") == 1 else (None, None)
    if not found or head is None:
        raise ValueError("a workbook sheet without one <dimension> and one </sheetData>; "
                         "the xlsxwriter version is not one we know")
    return [head.encode("utf-8"), *rows, f"</sheetData>{end}".encode()], cells


def _shown(kind: int, cell: np.ndarray, known: dict[str, int], texts: list[str],
           start: int):
    """The ``<v>`` texts of cells of one kind, as codes into a pyarrow text array of distinct
    ones: a number's ``.16G`` text, a boolean's 1/0, a text's index in the shared-string table
    (new texts added to ``known`` and ``texts``, from index ``start``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind == 2:
        return np.asarray(cell, dtype=bool).astype(np.int64), pa.array(["0", "1"])
    if kind == 0:
        # by the bits: -0.0 is written "-0" as xlsxwriter writes it
        codes, distinct = pd.factorize(np.asarray(cell, dtype=float).view(np.int64))
        return codes, pa.array([format(v, ".16G") for v in distinct.view(float).tolist()],
                               pa.string())
    codes, distinct = pd.factorize(cell)
    keys = np.asarray(distinct, dtype=object)
    text = pa.array(keys, pa.string())
    work = pc.or_(pc.match_substring_regex(text, _NEEDS_WORK.pattern),
                  pc.greater(pc.utf8_length(text), _STR_MAX // 2)).to_numpy(zero_copy_only=False)
    if work.any():
        keys = keys.copy()
        keys[work] = [_escaped(t) for t in keys[work]]
    index = np.empty(len(keys), np.int64)
    for j, key in enumerate(keys.tolist()):
        i = known.get(key)
        if i is None:
            i = known[key] = start + len(texts)
            texts.append(key)
        index[j] = i
    return codes, pa.array(index).cast(pa.string())
