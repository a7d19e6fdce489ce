"""Every workbook cell keeps its own type, whatever its column's dtype: the sheet is written a
column and a type at a time (:func:`maps.cli.workbook._typed`), so a mixed column must still give
each cell its own type, and every dtype's blanks must stay blank."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd

from maps.cli.workbook import write_xlsx


def test_each_cell_keeps_its_type_and_blanks_stay_blank(tmp_path):
    frame = pd.DataFrame({
        "mixed": pd.Series([1, "x", True, None, 2.5, math.nan, "", pd.Timestamp("2024-01-02")],
                           dtype=object),
        "number": [1.0, math.nan, math.inf, -math.inf, 0.5, 3.0, -0.0, 1e16],
        "integer": np.arange(8),
        "flag": [True, False] * 4,
        "nullable_flag": pd.array([True, None, False, None] * 2, dtype="boolean"),
        "text": pd.Series(["a", None, "", "=1+1", math.nan, "b", "c", "d"], dtype=object),
        "str_dtype": pd.Series(["p", None, "q", "", "r", "s", "t", "u"], dtype="str"),
        "category": pd.Categorical(["k", None, "k", "m", "m", "k", None, "m"]),
    })
    path = tmp_path / "t.xlsx"
    write_xlsx(path, [("t", frame, "t.csv")])
    ws = openpyxl.load_workbook(path)["t"]
    got = {ws.cell(1, c).value: [ws.cell(r, c).value for r in range(2, 10)]
           for c in range(1, frame.shape[1] + 1)}
    expected = {
        "mixed": [1, "x", True, None, 2.5, None, None, "2024-01-02 00:00:00"],
        "number": [1, None, "inf", "'-inf", 0.5, 3, 0, 1e16],
        "integer": list(range(8)),
        "flag": [True, False] * 4,
        "nullable_flag": [True, None, False, None] * 2,  # pd.NA raised TypeError before
        "text": ["a", None, None, "'=1+1", None, "b", "c", "d"],
        "str_dtype": ["p", None, "q", None, "r", "s", "t", "u"],
        "category": ["k", None, "k", "m", "m", "k", None, "m"],
    }
    assert got == expected
    # the types too: 1 == True in Python, so compare them apart
    assert {k: [type(v) for v in got[k]] for k in got} == \
        {k: [type(v) for v in expected[k]] for k in expected}
