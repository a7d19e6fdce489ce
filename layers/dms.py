"""Angles as people write them: decimal degrees or degrees-minutes-seconds (``106°42′30.5″E``,
``106度42分30.5秒``, ``东经106°42′``), read into decimal degrees by :func:`parse_dms`."""

from __future__ import annotations

import re
import unicodedata

from layers.errors import InputError, bi
from layers.numbers import decimal_comma_fix

_NUM = r"\d+(?:\.\d+)?"
_DMS = (re.compile(rf"(?P<d>{_NUM})\s*°?"),
        re.compile(rf"(?P<d>{_NUM})(?:\s*°\s*|\s*:\s*|\s+)(?P<m>{_NUM})\s*'?"),
        re.compile(rf"(?P<d>{_NUM})(?:\s*°\s*|\s*:\s*|\s+)(?P<m>{_NUM})(?:\s*'\s*|\s*:\s*|\s+)"
                   rf"(?P<s>{_NUM})\s*\"?"))
_HEMI = {"东经": "E", "西经": "W", "北纬": "N", "南纬": "S", "东": "E", "西": "W", "北": "N",
         "南": "S", "E": "E", "W": "W", "N": "N", "S": "S"}
_MARKS = (("度", "°"), ("º", "°"), ("˚", "°"), ("分", "'"), ("′", "'"), ("’", "'"), ("‘", "'"),
          ("秒", '"'), ("″", '"'), ("”", '"'), ("“", '"'), ("〃", '"'), ("''", '"'))


def _dms_error(text: object, why: str = "", why_zh: str = "") -> InputError:
    plain = str(text).strip().replace("，", ",")
    comma = re.fullmatch(r"[+-]?\d+,\d+", plain)  # never thousands here: 106,747 is no 106747
    point = f"; use a point for decimals: {decimal_comma_fix(plain)}" if comma else ""
    return InputError(bi(
        f"{text!r} is not a coordinate in degrees{f' ({why})' if why else ''}{point}; expected "
        "decimal degrees such as 106.7085 or degrees-minutes-seconds such as 106°42′30.5″E or "
        "106度42分30.5秒",
        f"{text!r} 不是以度为单位的坐标{f'（{why_zh}）' if why_zh else ''}"
        + (f"；小数请用小数点：{decimal_comma_fix(plain)}" if comma else "")
        + "；应为十进制度（如 106.7085）或度分秒（如 106°42′30.5″E 或 106度42分30.5秒）"))


def parse_dms(text: str) -> float:
    """Parse an angle in decimal degrees or degrees-minutes-seconds into decimal degrees.

    Accepts ``106.7085``, ``-26.5``, ``106°42′30.5″E``, ``106°42'30.5"``, ``106 42 30.5``,
    ``106:42:30.5``, ``26°34′N``, ``26°34.5′``, ``E106°42′``, ``106度42分30.5秒``, ``东经106°42′``.
    Hemisphere letters (before or after) W and S, and 西/南, make the value negative.

    Parameters
    ----------
    text : str
        The angle as written.

    Returns
    -------
    float
        The angle [°].

    Raises
    ------
    InputError
        (a ``ValueError``) naming the value when it is not an angle, when minutes or seconds
        are 60 or more, when a component other than the last has a fraction, when it carries
        both a sign and a hemisphere, or when it exceeds 180° (90° for N/S).
    """
    if not isinstance(text, str):
        raise _dms_error(text, "not text", "不是文本")
    s = text
    for mark, ascii_mark in _MARKS:
        s = s.replace(mark, ascii_mark)
    s = unicodedata.normalize("NFKC", s).replace("''", '"').strip().upper()
    hemi = None
    for word in sorted(_HEMI, key=len, reverse=True):
        if s.startswith(word) or s.endswith(word):
            if hemi is not None:
                raise _dms_error(text, "two hemispheres", "有两个半球标记")
            hemi = _HEMI[word]
            s = (s[len(word):] if s.startswith(word) else s[: -len(word)]).strip()
            if s.startswith(tuple(_HEMI)) or s.endswith(tuple(_HEMI)):
                raise _dms_error(text, "two hemispheres", "有两个半球标记")
            break
    sign = 1.0
    if s and s[0] in "+-":
        if hemi is not None:
            raise _dms_error(text, "both a sign and a hemisphere", "同时带正负号和半球标记")
        sign, s = (-1.0 if s[0] == "-" else 1.0), s[1:].strip()
    match = next((m for m in (p.fullmatch(s) for p in _DMS) if m), None)
    if match is None:
        raise _dms_error(text)
    parts = [match.groupdict().get(k) for k in ("d", "m", "s")]
    parts = [p for p in parts if p is not None]
    if any("." in p for p in parts[:-1]):
        raise _dms_error(text, "only the last component may have decimals",
                             "只有最后一个分量可带小数")
    values = [float(p) for p in parts] + [0.0] * (3 - len(parts))
    if values[1] >= 60 or values[2] >= 60:
        raise _dms_error(text, "minutes and seconds must be below 60", "分和秒须小于 60")
    value = values[0] + values[1] / 60 + values[2] / 3600
    limit = 90 if hemi in ("N", "S") else 180
    if value > limit:
        raise _dms_error(text, f"more than {limit}°", f"超过 {limit}°")
    return (-value if hemi in ("W", "S") else value) * sign
