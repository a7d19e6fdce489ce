"""Unit tests of :mod:`geo.grouping`'s text helpers against their plain definitions."""

import numpy as np
import pandas as pd
import pytest

from geo.grouping import factorize, split_parts


def _texts(n: int) -> np.ndarray:
    """``n`` cells: texts repeated as shared objects and as equal copies, blanks of both kinds,
    and a non-text value."""
    rng = np.random.default_rng(7)
    shared = ["a+b", "c", "", "d+e+f", "中文+x", "+lead", "trail+"]
    pool = [*shared, None, np.nan, 5]
    cells = np.empty(n, dtype=object)
    for i, k in enumerate(rng.integers(0, len(pool), n)):
        v = pool[k]
        cells[i] = "".join(list(v)) if isinstance(v, str) and i % 3 == 0 else v  # equal copy
    return cells


@pytest.mark.parametrize("n", [0, 50, 12_000])  # 12,000: the path by object address
def test_factorize_is_pandas_factorize(n):
    values = _texts(n)
    codes, uniques = factorize(values)
    want_codes, want_uniques = pd.factorize(values)
    assert np.array_equal(codes, want_codes)
    assert list(uniques) == list(want_uniques)


@pytest.mark.parametrize("n", [0, 50, 12_000])
def test_split_parts_is_one_row_per_part_in_order(n):
    """Each text ``"a+b"`` gives a row per part, in the texts' order; a value that is no text
    gives one row of its own (a blank: place -1; another value: itself as the part); an empty
    text is one empty part."""
    values = _texts(n)
    at, piece, flat = split_parts(values)
    want_at, want_parts = [], []
    for i, v in enumerate(values):
        parts = v.split("+") if isinstance(v, str) else [None] if pd.isna(v) else [v]
        want_at += [i] * len(parts)
        want_parts += parts
    assert at.tolist() == want_at
    got = [None if p < 0 else flat[p] for p in piece]
    assert got == want_parts
