"""Cell values a typed file can hold: lists, tuples, sets and dicts as JSON text.

One rule for every table the toolkit writes (CSV, XLSX, GeoJSON, GeoPackage): a GIS or a
spreadsheet reads each property as a plain value, never as a nested structure.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

__all__ = ["all_text", "arrow_plain", "plain_frame", "plain_value"]


def plain_value(value: object) -> object:
    """A cell value a table file can hold: lists, tuples, sets and dicts as JSON text."""
    if isinstance(value, list | tuple | dict | set | frozenset):
        if isinstance(value, set | frozenset):
            value = sorted(value, key=str)
        return json.dumps(value, ensure_ascii=False, default=str)
    if hasattr(value, "tolist") and not isinstance(value, str):  # numpy arrays and scalars
        value = value.tolist()
        return plain_value(value) if isinstance(value, list) else value
    return value


def plain_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with list/dict cells as JSON text (for GeoJSON and other typed formats)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object and not all_text(out[col]):
            out[col] = out[col].map(plain_value)
    return out


def all_text(col: pd.Series) -> bool:
    """Whether an object column holds only text and blanks (checked in one C pass)."""
    return pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty")


def arrow_plain(df: pd.DataFrame) -> bool:
    """Whether pyogrio may write ``df`` through Arrow (``use_arrow=True``: 10-25 % quicker at
    100,000 rows) and give the same file: every column text (or blank), boolean, integer (not
    ``uint64``: Arrow would write it as a real number) or float (not ``float16``). Other columns
    (booleans with blanks, mixed values: their field type could differ) take the row path. One
    difference is deliberate: ``pd.NA`` in a text column is null, where the row path wrote the
    text ``<NA>`` (the CSV writes it blank)."""
    for _, col in df.items():
        dtype = col.dtype
        if pd.api.types.is_object_dtype(dtype):
            if not all_text(col):
                return False
        elif isinstance(dtype, pd.StringDtype):
            continue
        elif not (isinstance(dtype, np.dtype) and (
                dtype.kind in "bi" or dtype.kind == "u" and dtype.itemsize < 8
                or dtype.kind == "f" and dtype.itemsize >= 4)):
            return False
    return True
