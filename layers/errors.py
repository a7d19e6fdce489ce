"""The toolkit's one exception hierarchy and its warnings.

Every error a user can cause derives from :class:`InputError`; the command line turns it into a
message and exit code 2, never a traceback. Errors also derive from the matching built-in
(``ValueError``, ``OSError``) so that callers of the Python API can catch either, as rasterio does.
"""

from __future__ import annotations

import re

CATALOG_HINTS = {
    "crs": 'crs = "EPSG:4490" in its catalog entry',
    "layer": 'layer = "NAME" in its catalog entry',
    "encoding": 'encoding = "GB18030" in its catalog entry',
    "coords": "--coords wgs84|gcj02|bd09|cgcs2000",
}
"""How to fix a source's CRS, layer, encoding or coordinate system, in a catalog's words."""
CATALOG_HINTS_ZH = {
    "crs": '图层目录条目中的 crs = "EPSG:4490"',
    "layer": '图层目录条目中的 layer = "NAME"',
    "encoding": '图层目录条目中的 encoding = "GB18030"',
    "coords": "--coords wgs84|gcj02|bd09|cgcs2000",
}
""":data:`CATALOG_HINTS` for the Chinese half of a message."""


class SitingError(Exception):
    """Root of every error raised by the toolkit."""


class InputError(SitingError, ValueError):
    """Bad user input: a file, a catalog, a rule set, a parameter. Exit code 2 on the CLI."""


class CatalogError(InputError):
    """A catalog file is invalid; the message names the file, the layer and the key."""


class CRSError(InputError):
    """A coordinate reference system is missing, unknown or unusable."""


class ReadError(InputError, OSError):
    """A data file could not be read; the message names the file and the fix."""


class DatabaseError(InputError):
    """A database layer source cannot be used; the message names the service, the table and the fix.

    Subclasses say which of the usual causes it is, so that callers can tell them apart.
    """


class ServiceError(DatabaseError):
    """A libpq service is not defined, cannot be reached or refuses the connection."""


class TableError(DatabaseError):
    """A database table or its geometry column does not exist."""


class DatabasePermissionError(DatabaseError, PermissionError):
    """The service's role may not read the table (or its schema)."""


class NoPostgisError(DatabaseError):
    """The service's database has no PostGIS extension."""


class RuleSetError(InputError):
    """A rule set file is invalid; the message names the file, the rule and the key."""


class ProfileError(InputError):
    """A siting profile is invalid; the message names the file and the key."""


class SitingWarning(UserWarning):
    """Something the user should act on, but that does not stop the work."""


class EncodingGuessWarning(SitingWarning):
    """A text encoding was detected rather than declared (e.g. a GBK DBF without ``.cpg``)."""


class DatumWarning(SitingWarning):
    """A datum transformation may be off by metres (e.g. PROJ's ballpark Beijing 1954 → CGCS2000)."""


class GeometryWarning(SitingWarning):
    """Geometries were repaired, emptied or had Z values dropped."""


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


class Bilingual(str):
    """A message for a person, ``English / 中文``, that keeps its halves (``en``, ``zh``) so that
    a caller can set it in a message of its own (:func:`rephrase`) without splitting text."""

    en: str
    zh: str

    def __new__(cls, en: str, zh: str) -> Bilingual:
        self = super().__new__(cls, f"{en} / {zh}" if zh else en)
        self.en, self.zh = str(en), str(zh)
        return self

    def __getnewargs__(self) -> tuple[str, str]:  # copy, deepcopy (dataclasses.asdict), pickle
        return self.en, self.zh


def bi(en: str, zh: str) -> Bilingual:
    """The project's bilingual message: ``English text / 中文说明``."""
    return Bilingual(en, zh)


def halves(message: object) -> tuple[str, str]:
    """The English and Chinese halves of a message (the Chinese ``""`` when it has none)."""
    if isinstance(message, Bilingual):
        return message.en, message.zh
    if isinstance(message, BaseException) and message.args and isinstance(message.args[0],
                                                                          Bilingual):
        return halves(message.args[0])
    text = str(message)
    cuts = [m.start() for m in re.finditer(" / ", text) if _CJK.search(text, m.end())]
    if not cuts:
        return text, ""
    whole = [i for i in cuts if _closed(text[:i]) and _closed(text[i + 3:])]
    at = (whole or cuts)[-1]
    return text[:at], text[at + 3:]


_PAIRS = {")": "(", "]": "[", "）": "（", "】": "【", "》": "《", "”": "“", "」": "「"}
_QUOTE = re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])")  # not the apostrophe of "catalog's"


def _closed(text: str) -> bool:
    """Whether every bracket and quote opened in ``text`` is closed in it: a half of a message
    is whole, where a " / " inside a quoted value or a parenthesis is not the cut between the
    halves (``'type' / 项目类型``, ``'a / 卖萌'``)."""
    stack = []
    for ch in text:
        if ch in _PAIRS.values():
            stack.append(ch)
        elif ch in _PAIRS:
            if not stack or stack.pop() != _PAIRS[ch]:
                return False
    return not stack and len(_QUOTE.findall(text)) % 2 == 0


def in_lang(message: object, lang: str) -> str:
    """``message`` as a person reading ``lang`` first sees it: under ``zh`` the Chinese half
    first (``中文说明 / English text``), line by line for a message of several lines (one per
    error); otherwise as written. A message without Chinese is unchanged."""
    if lang != "zh":
        return str(message)
    en, zh = halves(message)
    if zh and (isinstance(message, Bilingual) or "\n" not in str(message)):
        return f"{zh} / {en}"
    lines = str(message).split("\n")
    return "\n".join(f"{z} / {e}" if z else line for line in lines for e, z in [halves(line)])


def split_joined(text: object, sep: str = "; ") -> list[str]:
    """The messages of a text that joined several ``English / 中文`` messages with ``sep`` (a
    site's ``notes``), each whole and as written.

    A ``sep`` ends a message only where the text since the previous cut has both halves
    (:func:`halves`) and closes every bracket it opens, so that a ``sep`` inside a half, as in
    "(dry land; paddy field)" or "no shrub clearing; and the forestry authority's approval", is
    kept in it, and a "/" inside a text ("400 mm/yr", "3D/4D") is never a cut. A text left over
    without a Chinese half is kept as the last message; ``sep.join`` of the result gives
    ``text`` back."""
    text = "" if text is None or text != text else str(text)  # None, NaN: no message
    out, cur = [], None
    for part in text.split(sep) if text else []:
        cur = part if cur is None else f"{cur}{sep}{part}"
        if halves(cur)[1] and _closed(cur):
            out.append(cur)
            cur = None
    if cur is not None:
        out.append(cur)
    return out


def rephrase(message: object, en: str = "{}", zh: str = "{}") -> Bilingual:
    """``message`` set in a frame of each language, e.g. ``("row 3: {}", "第 3 行：{}")``; a
    message without Chinese puts its English in the Chinese frame."""
    e, z = halves(message)
    return bi(en.replace("{}", e, 1), zh.replace("{}", z or e, 1))


def joined(messages, en: str = "; ", zh: str = "；") -> Bilingual:
    """Several messages as one: the English halves joined by ``en``, the Chinese by ``zh`` (none
    when no message has Chinese)."""
    parts = [halves(m) for m in messages]
    chinese = any(z for _, z in parts)
    return bi(en.join(e for e, _ in parts), zh.join(z or e for e, z in parts) if chinese else "")


def place_zh(label: str) -> str:
    """Where a row is, in Chinese: ``row 3`` → ``第 3 行``, ``rows 2-4, 7`` → ``第 2-4、7 行``,
    ``feature #3 (F)`` → ``要素 #3 (F)``, ``parcel at line 14`` → ``第 14 行处的地块``; other
    labels (a project id) as they are."""
    label = str(label)
    if m := re.fullmatch(r"rows? (\d[\d\-, ]*)", label):
        return f"第 {m[1].replace(', ', '、')} 行"
    if m := re.fullmatch(r"parcel at line (\d+)", label):
        return f"第 {m[1]} 行处的地块"
    if m := re.fullmatch(r"feature (.+)", label):
        return f"要素 {m[1]}"
    return label


KEPT = ("{}; kept without geometry", "{}；已保留，但无几何图形")
"""The frame of a row's reason in a problem: it is kept, without a geometry."""


def choice_error(what: str, value: object, valid: list[str] | tuple[str, ...]) -> str:
    """Format the one message used everywhere for a value outside an enumeration.

    Parameters
    ----------
    what : str
        What the value is, e.g. ``"layer kind"``.
    value : object
        The value found.
    valid : sequence of str
        The values allowed.

    Returns
    -------
    str
        ``unknown layer kind 'x'; expected one of: a, b, c``.
    """
    return f"unknown {what} {value!r}; expected one of: {', '.join(map(str, valid))}"


def fix_hint(hints: dict[str, str] | None, key: str, crs: str | None = None,
             lang: str = "en") -> str:
    """How to fix ``key`` (``crs``, ``layer``, ``encoding``, ``coords``) on the command being run.

    Parameters
    ----------
    hints : dict or None
        The caller's wording, e.g. ``{"crs": "--crs EPSG:4544", "layer": "--layer NAME"}``;
        missing keys take the catalog's (:data:`CATALOG_HINTS`).
    key : str
    crs : str, optional
        A CRS to suggest (``"EPSG:4524"``): it replaces the example code of the hint.
    lang : {"en", "zh"}
        The half of the message the hint goes in: the catalog's wording in that language
        (:data:`CATALOG_HINTS_ZH`); a command's own hints (options) read the same in both.

    Returns
    -------
    str
        E.g. ``crs = "EPSG:4524" in its catalog entry`` or ``--crs EPSG:4524``.
    """
    text = (hints or {}).get(key) or (CATALOG_HINTS_ZH if lang == "zh" else CATALOG_HINTS)[key]
    if crs:
        text, n = re.subn(r"EPSG:\d+", crs, text)
        if not n:
            text = f"{text} ({crs})"
    return text


def validation_messages(exc, unknown_hint: str) -> list[tuple[tuple, str]]:
    """Turn a pydantic ``ValidationError`` into (location, message) pairs for a person.

    Catalogs, rule sets and siting profiles all validate with pydantic; this is their one
    wording of its errors. Each caller prefixes the file and entry it knows.

    Parameters
    ----------
    exc : pydantic.ValidationError
    unknown_hint : str
        Where the valid keys are documented, appended to "unknown key".

    Returns
    -------
    list of (tuple, str)
        The error's location (keys and list indices) and its message: :class:`Bilingual` where
        a Chinese half is known (pydantic's common error types; a validator's own bilingual
        message), so that the caller frames each half (:func:`framed`).
    """
    out = []
    for err in exc.errors():
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = f"unknown key; {unknown_hint}"
        elif err["type"] == "missing":
            msg = "required key is missing"
        en, zh = halves(msg)  # a validator's own bilingual message keeps its halves
        zh = zh or _pydantic_zh(err)
        out.append((tuple(err["loc"]), bi(en, zh) if zh else en))
    return out


def framed(message: object, en: str, zh: str) -> str:
    """``message`` set in a frame of each language (``"file, key 'x': {}"``,
    ``"文件，键 'x'：{}"``) as ``English / 中文``; English only when it has no Chinese half (unlike
    :func:`rephrase`, which would repeat the English in the Chinese frame)."""
    e, z = halves(message)
    return en.replace("{}", e, 1) + (" / " + zh.replace("{}", z, 1) if z else "")


_PYDANTIC_ZH = {
    "extra_forbidden": "未知的键",
    "missing": "缺少必需的键",
    "float_parsing": "应为数字", "float_type": "应为数字", "int_parsing": "应为整数",
    "int_type": "应为整数", "int_from_float": "应为整数",
    "bool_parsing": "应为 true 或 false", "bool_type": "应为 true 或 false",
    "string_type": "应为文字（加引号）", "list_type": "应为列表 [...]",
    "dict_type": "应为表 { ... }", "model_type": "应为表 { ... }",
    "finite_number": "应为有限的数",
    "greater_than": "应大于 {gt}", "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}", "less_than_equal": "应不大于 {le}",
    "string_pattern_mismatch": "格式不符（应匹配 {pattern}）",
    "literal_error": "应为 {expected} 之一",
}
"""The Chinese of pydantic's error types (the English is pydantic's own message); ``{…}`` are
the error's context values."""


def _pydantic_zh(err: dict) -> str:
    """The Chinese half of one pydantic error (:func:`validation_messages`); ``""`` for a type
    not listed (a validator's own message, which says itself what to do)."""
    text = _PYDANTIC_ZH.get(err["type"], "")
    if not text:
        return ""
    ctx = {k: int(v) if isinstance(v, float) and v.is_integer() else v
           for k, v in (err.get("ctx") or {}).items()}
    if isinstance(ctx.get("expected"), str):  # "'a', 'b' or 'c'"
        ctx["expected"] = ctx["expected"].replace(" or ", ", ").replace(", ", "、")
    try:
        text = text.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return ""
    given = err.get("input")
    if err["type"] == "literal_error" and isinstance(given, str) and not given.isascii():
        code = _CODES_ZH.get(given.strip())
        text += (f"：{given!r} 写作 {code!r}" if code and code in str(ctx.get("expected"))
                 else f"：{given!r} 须写作上列英文代码之一")
    return text


_CODES_ZH = {"不予准入": "prohibited", "禁止": "prohibited", "需论证": "review",
             "准入": "admitted", "通过": "admitted"}
"""Chinese outcome words a rule author may write for the English codes."""
