"""The data sheets' XML is built a column at a time (:mod:`maps.cli.sheet_xml`): texts that need
XML escaping, white space kept, Excel's length limit, shared strings across sheets, the header
format and the sheet's extent must read back as written, in a well-formed file, the same bytes
for the same tables."""

from __future__ import annotations

import zipfile
import zlib
from xml.etree import ElementTree

import openpyxl
import pandas as pd

from maps.cli.sheet_xml import ZIP_LEVEL
from maps.cli.workbook import write_xlsx

TEXTS = ["<r>bold</r>",  # looks like rich text: xlsxwriter wrote it as XML, the cell read ""
         "<r>x & y</r>",  # ... and this one as broken XML: the file did not open
         "a & b <c> \"q\" 'p' ]]>", " lead", "trail ", "\u3000全角", "tab\tx", "line\nbreak",
         "_x0041_", "x" * 40_000, "\U0001F600" * 20_000, "name"]


def test_texts_escaped_shared_and_formats_kept(tmp_path):
    frame = pd.DataFrame({"name": pd.Series(TEXTS + [None], dtype=object),
                          "n": list(range(len(TEXTS))) + [float("nan")]})
    other = pd.DataFrame({"k": ["name", "a & b <c> \"q\" 'p' ]]>", "<r>bold</r>"],
                          "flag": [True, False, True]})
    sheets = [("t", frame, "t.csv"), ("u & <v>", other, "u.csv")]
    path = tmp_path / "t.xlsx"
    write_xlsx(path, sheets)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():  # strict XML 1.0 (expat)
            ElementTree.fromstring(z.read(name))
        sst = ElementTree.fromstring(z.read("xl/sharedStrings.xml"))
    texts = [si[0].text or "" for si in sst]
    assert len(texts) == len(set(texts)) == int(sst.get("uniqueCount"))  # "name" etc. once
    book = openpyxl.load_workbook(path)
    ws = book["t"]
    expected = TEXTS[:9] + ["x" * 32_767, "\U0001F600" * 16_383, "name"]  # Excel's 32,767 units
    assert [ws.cell(r, 1).value for r in range(2, len(TEXTS) + 2)] == expected
    assert [ws.cell(r, 2).value for r in range(2, len(TEXTS) + 2)] == list(range(len(TEXTS)))
    assert ws.max_row == len(TEXTS) + 1  # the last row is blank: not in the sheet's extent
    assert [c.font.b for c in ws[1]] == [True, True]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width > 10
    ws = book["u & <v>"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == \
        [["k", "flag"], *other.to_numpy().tolist()]
    again = tmp_path / "again.xlsx"
    write_xlsx(again, sheets)
    assert again.read_bytes() == path.read_bytes()


def test_every_entry_deflated_at_the_chosen_level(tmp_path):
    """Each entry's deflated bytes are zlib's at :data:`ZIP_LEVEL` (not the default 6): the
    level is set through the entry, whose attribute changed name in Python 3.13."""
    frame = pd.DataFrame({"name": [f"project {i} 项目" for i in range(3_000)],
                          "n": [i * 0.25 for i in range(3_000)]})
    path = tmp_path / "t.xlsx"
    write_xlsx(path, [("t", frame, "t.csv")])
    raw = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        assert any(i.file_size > 100_000 for i in infos)  # a sheet large enough to tell levels
        for info in infos:
            assert info.compress_type == zipfile.ZIP_DEFLATED
            data = z.read(info)
            start = info.header_offset + 30 + len(info.orig_filename.encode()) \
                + len(info.extra)
            stored = raw[start:start + info.compress_size]
            packer = zlib.compressobj(ZIP_LEVEL, zlib.DEFLATED, -15)
            assert stored == packer.compress(data) + packer.flush(), info.filename
