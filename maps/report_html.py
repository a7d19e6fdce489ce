"""HTML fragments built for whole columns at once: escaping, numbers, badges, grouping.

The screening report writes one section per project; at 100,000 projects (issue 12) a template
loop per project would take minutes. These helpers build the same markup with array operations:
every value from input data is escaped (:func:`esc`, once per distinct value), numbers are
formatted once per cell that has one, and rows are gathered per project with
:func:`group_join`. Only fixed markup of this module and its callers is left unescaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from itertools import chain, repeat

import numpy as np
import pandas as pd

from geo.grouping import factorize, group_join, repeated
from maps import style as st

__all__ = ["area_text", "badges", "cat", "each", "encoded", "esc", "fmt", "group_join",
           "joined", "length_text", "nonblank", "radius_text", "share_text", "text_colour",
           "texts", "verdict_css", "when"]


def esc(values) -> np.ndarray:
    """HTML-escaped text of each value (None and NaN become ``""``), escaping each distinct
    value once: all in one :func:`html.escape` of their texts joined by NUL (it replaces single
    characters, NUL never), split again; one call per text only when a text has a NUL."""
    v = np.asarray(values, dtype=object)
    if not len(v):
        return np.full(0, "", dtype=object)
    codes, uniq = factorize(v)
    words = [str(u) for u in uniq]
    joined = "\0".join(words)
    parts = html.escape(joined, quote=True).split("\0")
    if len(parts) != len(words):  # a NUL inside a text (or no text at all)
        parts = [html.escape(t, quote=True) for t in words]
    table = np.empty(len(parts) + 1, dtype=object)
    table[:-1] = parts
    table[-1] = ""
    return table[codes]


def texts(values) -> np.ndarray:
    """``values`` as text, an object array: what ``Series.astype(str)`` gives (missing values
    stay missing), without the round trip through Arrow strings when they are texts already
    (the report's frames keep text as Python objects)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    v = s.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(v, skipna=False) == "string":
        return v
    return s.astype(str).to_numpy(dtype=object)


def each(values, fn: Callable) -> np.ndarray:
    """``fn(value)`` for each value (an object array, like ``Series.map(fn)``), called once per
    distinct text; other values (numbers, missing ones) are passed one by one."""
    v = np.asarray(values, dtype=object)
    out = np.empty(len(v), dtype=object)
    if not len(v):
        return out
    if pd.api.types.infer_dtype(v, skipna=True) != "string":
        out[:] = [fn(x) for x in v]
        return out
    codes, uniq = factorize(v)
    table = np.empty(len(uniq) + 1, dtype=object)
    table[:-1] = [fn(u) for u in uniq]
    out[:] = table[codes]
    missing = codes < 0
    if missing.any():
        out[missing] = [fn(x) for x in v[missing]]
    return out


def nonblank(values) -> np.ndarray:
    """True where a value is a non-empty text (not None, NaN or ``""``)."""
    v = np.asarray(values, dtype=object)
    return (v != "") & ~pd.isna(v)


def cat(*parts) -> np.ndarray | str:
    """Element-wise concatenation of strings and equally long object arrays of strings (a plain
    string when every part is one). One ``str.join`` per element: chained additions would copy
    each growing string once per part."""
    arrays = [len(p) for p in parts if isinstance(p, np.ndarray)]
    if not arrays:
        return "".join(parts)
    n = arrays[0]
    fixed = _fixed(parts, 0, n)
    if len(fixed) == 1 and isinstance(fixed[0], str):  # one text on every element
        return repeated(fixed[0], n)
    columns = [p.tolist() if isinstance(p, np.ndarray) else repeat(p, n) for p in fixed]
    out = np.empty(n, dtype=object)
    out[:] = list(map("".join, zip(*columns, strict=False)))
    return out


def _same(values: np.ndarray) -> str | None:
    """The text every element of ``values`` is, or None when they differ (or are not texts);
    the first, middle and last compared first: most columns that differ are rejected there."""
    first = values[0]
    if type(first) is not str or values[-1] != first or values[len(values) // 2] != first:
        return None
    return first if (values == first).all() else None


def _fixed(parts, start: int, stop: int) -> list:
    """``parts`` over elements ``start`` to ``stop``: an array with one text on all of them
    (an empty one, a note most projects share) as that text, each run of fixed texts joined
    into one, empty texts left out: fewer pieces per element."""
    out = []
    for p in parts:
        if isinstance(p, np.ndarray):
            p = p[start:stop]
            same = _same(p) if len(p) else ""
            p = p if same is None else same
        if isinstance(p, str) and out and isinstance(out[-1], str):
            out[-1] = "".join((out[-1], p))  # as plain text: Markup's + would escape
        elif not isinstance(p, str) or p:
            out.append(p)
    return out or [""]


def joined(parts, start: int = 0, stop: int | None = None) -> str:
    """The texts of elements ``start`` to ``stop`` of ``cat(*parts)``, joined into one string
    without building the elements: one ``str.join`` over all their pieces (a page of sections
    is copied once, not once per level of concatenation)."""
    arrays = [p for p in parts if isinstance(p, np.ndarray)]
    if not arrays:
        return "".join(parts)
    stop = len(arrays[0]) if stop is None else stop
    columns = [p.tolist() if isinstance(p, np.ndarray) else repeat(p, stop - start)
               for p in _fixed(parts, start, stop)]
    return "".join(chain.from_iterable(zip(*columns, strict=False)))


def encoded(parts, start: int = 0, stop: int | None = None) -> bytes:
    """``joined(parts, start, stop)`` encoded as UTF-8, each piece encoded on its own and the
    bytes joined: a page's text mixes pure ASCII pieces (markup, numbers) with a few that are
    not; joined first, every piece is widened to the widest and the whole page then encoded
    character by character, where an ASCII piece encodes as a copy."""
    arrays = [p for p in parts if isinstance(p, np.ndarray)]
    if not arrays:
        return "".join(parts).encode("utf-8")
    stop = len(arrays[0]) if stop is None else stop
    columns = [_encode_each(p) if isinstance(p, np.ndarray)
               else repeat(p.encode("utf-8"), stop - start) for p in _fixed(parts, start, stop)]
    return b"".join(chain.from_iterable(zip(*columns, strict=False)))


def _encode_each(values: np.ndarray) -> list[bytes]:
    """Each text of ``values`` encoded as UTF-8; each distinct object once when they repeat
    (a page's items of the rules not checked are a few texts of kilobytes, shared by most of
    its projects)."""
    at = np.frombuffer(np.ascontiguousarray(values), dtype=np.intp)  # the objects' addresses
    first, code = np.unique(at, return_index=True, return_inverse=True)[1:]
    if len(first) * 4 > len(values):
        return list(map(str.encode, values.tolist()))
    table = np.empty(len(first), dtype=object)
    table[:] = list(map(str.encode, values[first].tolist()))
    return table[code.ravel()].tolist()


def when(mask, text, other: str = "") -> np.ndarray:
    """``text`` where ``mask`` is true, else ``other`` (element-wise)."""
    return np.where(np.asarray(mask, dtype=bool), np.asarray(text, dtype=object), other) \
        .astype(object)


def fmt(values, fn: Callable[[float], str]) -> np.ndarray:
    """``fn(value)`` for each finite number, ``""`` for NaN or None."""
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        v = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").to_numpy(
            dtype=float)
    out = np.full(len(v), "", dtype=object)
    ok = np.isfinite(v)
    if not ok.any():
        return out
    # once per distinct number (by its bits: -0.0 is not 0.0): hits repeat a feature's figures
    # for each rule on it
    bits, at = np.unique(v[ok].view(np.int64), return_inverse=True)
    table = np.empty(len(bits), dtype=object)
    table[:] = [fn(x) for x in bits.view(np.float64).tolist()]
    out[ok] = table[at.ravel()]
    return out


def area_text(m2: float) -> str:
    """An area: hectares with two decimals, or m² below 100 m²."""
    return f"{m2 / 10_000:,.2f} ha" if m2 >= 100 else f"{m2:,.1f} m²"


def length_text(m: float) -> str:
    """A length or distance: metres (one decimal below 10 m), km from 1,000 m."""
    if m >= 1000:
        return f"{m / 1000:,.2f} km"
    return f"{m:,.1f} m" if m < 10 else f"{m:,.0f} m"


def radius_text(m: float) -> str:
    """A round radius: ``2 km``, ``500 m``."""
    return f"{m / 1000:g} km" if m >= 1000 else f"{m:g} m"


def share_text(share: float) -> str:
    """A share as a percentage with one decimal (``<0.1%`` for small, non-zero shares)."""
    if 0 < share < 0.0005:
        return "<0.1%"
    return f"{share * 100:.1f}%"


def text_colour(fill: str) -> str:
    """Black or white, whichever reads better on ``fill`` (relative luminance, WCAG)."""
    rgb = [int(fill.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "#000000" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "#ffffff"


def verdict_css() -> str:
    """CSS classes ``.v-<verdict>`` for badges and row marks, in the maps' verdict colours
    (:data:`maps.style.VERDICT_STYLES`), printed with their colours."""
    rules = []
    for verdict, style in st.VERDICT_STYLES.items():
        fill = style["fillColor"]
        rules.append(f".badge.v-{verdict} {{ background: {fill}; color: {text_colour(fill)}; }}")
        rules.append(f".mark.v-{verdict} {{ border-left-color: {fill}; }}")
    return "\n".join(rules)


def badges(outcomes, lang: str) -> np.ndarray:
    """A verdict badge per outcome (``""`` where the outcome is empty)."""
    o = np.asarray(outcomes, dtype=object)
    codes, uniq = factorize(o)
    table = np.array([f'<span class="badge v-{v}">{html.escape(st.verdict_label(v, lang))}</span>'
                      if v in st.VERDICT_STYLES else "" for v in uniq] + [""], dtype=object)
    return table[codes]
