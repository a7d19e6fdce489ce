"""Numbers written as text: the one place that decides what a comma in a number means.

Spreadsheets from different locales write one and a half as ``1.5`` or ``1,5`` and fifteen
hundred as ``1,500``, ``1.500`` or ``1 500``. Stripping every comma reads ``1,5`` as 15, ten
times too much, without a word. Here a comma (ASCII ``,`` or full-width ``，``) is accepted only
as a thousands separator between groups of three digits (``1,500``, ``12,345.6``); any other
comma is an error that says to write decimals with a point.
"""

from __future__ import annotations

import re

from layers.errors import bi

_FULL_WIDTH_COMMA = str.maketrans({"，": ","})
_GROUPED = re.compile(r"(?<![\d.,])[1-9]\d{0,2}(?:,\d{3})+(?![\d,])")
_EUROPEAN = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+,\d+")
_SIMPLE_DECIMAL_COMMA = re.compile(r"(?<![\d.,])(\d+),(\d+)(?![\d.,])")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def decimal_comma_fix(text: str) -> str:
    """``text`` (which has a comma that is not a thousands separator) written with a decimal
    point, where that is clear (``106,7476`` -> ``106.7476``); else an example."""
    pointed = _SIMPLE_DECIMAL_COMMA.sub(r"\1.\2", text)  # '1,5' -> '1.5', '1,25:1' -> '1.25:1'
    if "," not in pointed:
        return pointed
    if _EUROPEAN.fullmatch(text):
        return text.replace(".", "").replace(",", ".")
    return "1.5, not 1,5"


def ungroup_thousands(text: str) -> str:
    """``text`` without its thousands separators.

    Parameters
    ----------
    text : str
        A number (or a few, as in a ratio ``1,500:1``) as written in a cell.

    Returns
    -------
    str
        The text with every comma that separates groups of three digits removed (``1,500`` →
        ``1500``, ``12，345.6`` → ``12345.6``), stripped of surrounding blanks.

    Raises
    ------
    ValueError
        When a comma is anything else, e.g. a decimal comma (``1,5``, ``0,500``, ``1.500,5``):
        the message names the value and how to write it.
    """
    s = str(text).strip().translate(_FULL_WIDTH_COMMA)
    if "," not in s:
        return s
    out = _GROUPED.sub(lambda m: m.group(0).replace(",", ""), s)
    if "," in out:
        fix = decimal_comma_fix(out)
        fix_zh = "1.5（而非 1,5）" if fix == "1.5, not 1,5" else fix
        raise ValueError(bi(f"{text!r} has a comma that is not a thousands separator (as in "
                            f"1,500); use a point for decimals: {fix}",
                            f"{text!r} 中的逗号不是千位分隔符（千位分隔如 1,500）；小数请用小数点："
                            f"{fix_zh}"))
    return out


def parse_decimal(text: str) -> float:
    """A number written as decimal text, with optional thousands separators.

    Parameters
    ----------
    text : str
        E.g. ``1.5``, ``-3``, ``1,500``, ``12,345.6``, ``2e3``.

    Returns
    -------
    float
        The number (infinite only when an exponent overflows, e.g. ``1e999``).

    Raises
    ------
    ValueError
        When the text is not a decimal number (including ``nan``, ``inf``, ``1_000`` and a
        comma that is not a thousands separator; see :func:`ungroup_thousands`).
    """
    plain = ungroup_thousands(text)
    if not _DECIMAL.fullmatch(plain):
        raise ValueError(f"{text!r} is not a number")
    return float(plain)
