"""The registry of layer kinds, read from ``kinds.toml`` beside this module.

A layer kind says what a layer *is* (a red line, a farmland layer, a substation layer ...), its
bilingual label, its geometry type(s) and the typed attributes it carries. Catalogs map a source's
own columns onto these attributes; everything downstream speaks only these names.

An attribute with a ``default`` is *descriptive* (a name, a code, access-list text): a source that
lacks it gets the default. An attribute without one is a *fact* a rule may read: when a source
lacks it, leaves it blank or gives a value that cannot be typed, it is unknown (``None``), never
a permissive stand-in (see :mod:`layers.attributes`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers.errors import InputError, choice_error
from layers.numbers import parse_decimal

_ATTRIBUTE_TYPES = ("str", "int", "float", "bool", "list")
GEOMETRIES = ("polygon", "line", "point")
_NO_DEFAULT = object()
_LIST_SEPARATORS = re.compile(r"[;；,，、|]")
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t", "是", "有", "已", "√"})
"""Texts read as yes (lower-cased)."""
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f", "否", "无", "未"})
"""Texts read as no (lower-cased); a blank cell is unknown, never no."""


@dataclass(frozen=True)
class Attribute:
    """One typed attribute of a layer kind.

    Attributes
    ----------
    name : str
        Canonical attribute name.
    type : str
        One of ``str``, ``int``, ``float``, ``bool``, ``list``.
    allowed : tuple or None
        Valid values, or None when any value of the type is valid.
    default : object
        Value taken when a source lacks the attribute; ``_NO_DEFAULT`` for a fact.
    label_zh, label_en : str
        Bilingual label.
    units : str
        Units, e.g. ``kV``; empty when dimensionless.
    words_zh : tuple of (str, str)
        The Chinese word of each allowed value (``("high", "高")``), for tables and messages
        read in Chinese; the values stay codes in the data.
    """

    name: str
    type: str
    allowed: tuple | None
    default: Any
    label_zh: str
    label_en: str
    units: str = ""
    words_zh: tuple = ()

    @property
    def fact(self) -> bool:
        """True for a fact (no default): missing, blank or untypable values are unknown."""
        return self.default is _NO_DEFAULT

    def label(self, lang: str = "en") -> str:
        """The label in ``zh`` or ``en``."""
        return self.label_zh if lang == "zh" else self.label_en

    def word(self, value: Any, lang: str = "en") -> str:
        """A value as text in ``lang``: an allowed value's Chinese word under ``zh``, else the
        value as it is (blank for a missing value)."""
        text = cell_text(value)
        return dict(self.words_zh).get(text, text) if lang == "zh" else text

    def coerce(self, value: Any) -> Any:
        """Convert one source value to this attribute's type.

        A missing value (None, NaN, blank text) gives the default of a descriptive attribute and
        the empty list of a ``list`` fact ("none listed").

        Raises
        ------
        ValueError
            When the value cannot be converted, is not allowed (the message lists the valid
            values), or is missing for a fact that is not a list (message ``... is blank``).
        """
        if is_missing(value):
            if not self.fact:
                return list(self.default) if isinstance(self.default, list) else self.default
            if self.type == "list":
                return []
            raise ValueError(f"{self.name} is blank")
        if self.type == "str":
            out: Any = cell_text(value)
        elif self.type == "int":
            out = _to_int(value)
        elif self.type == "float":
            out = _to_float(value)
        elif self.type == "bool":
            out = _to_bool(value)
        else:
            out = to_list(value)
        if self.allowed is not None and out not in self.allowed:
            raise ValueError(choice_error(f"{self.name} value", out, self.allowed))
        return out


@dataclass(frozen=True)
class LayerKind:
    """A kind of vector layer: id, bilingual label, geometry types, attributes.

    Attributes
    ----------
    geometries : tuple of str
        The geometry types its features may have (``polygon``, ``line``, ``point``); multi-part
        geometries count as their type.
    """

    id: str
    label_zh: str
    label_en: str
    geometries: tuple[str, ...]
    group: str
    attributes: dict[str, Attribute] = field(default_factory=dict)

    @property
    def geometry(self) -> str:
        """The first (main) geometry type, e.g. for drawing the kind in a legend."""
        return self.geometries[0]

    @property
    def facts(self) -> list[str]:
        """Names of the attributes that are facts (no default)."""
        return [n for n, a in self.attributes.items() if a.fact and n != "id"]

    def label(self, lang: str = "en") -> str:
        """The label in ``zh`` or ``en``."""
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class RasterKind:
    """A kind of raster layer: id, bilingual label, units and plausible values.

    Attributes
    ----------
    valid_range : (float, float)
        The plausible values [units]; a raster whose values fall outside is unusable.
    """

    id: str
    label_zh: str
    label_en: str
    units: str
    valid_range: tuple[float, float]

    def label(self, lang: str = "en") -> str:
        """The label in ``zh`` or ``en``."""
        return self.label_zh if lang == "zh" else self.label_en


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT, NA and blank text: a value the source does not give."""
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, str) and not value.strip()


def cell_text(value: Any) -> str:
    """Text of a cell: ``""`` for a missing value (:func:`is_missing`), whole numbers read from
    numeric columns without their ``.0``, no surrounding blanks."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _to_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, str):
        out = parse_decimal(value)  # '1,500' is 1500; '1,5' an error, never 15
    else:
        try:
            out = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{value!r} is not a number") from None
    if out != out or out in (float("inf"), float("-inf")):
        raise ValueError(f"{value!r} is not a finite number")
    return out


def _to_int(value: Any) -> int:
    out = _to_float(value)
    if not out.is_integer():
        raise ValueError(f"{value!r} is not a whole number")
    return int(out)


def yes_no(value: Any, true_words=TRUE_WORDS, false_words=FALSE_WORDS) -> bool | None:
    """True or False of a yes/no cell, None when it is blank or not a yes/no value.

    The numbers 1 and 0 in any spelling (``1``, ``1.0``, ``"0.00"``: an Excel 0/1 column
    exported as decimals) are yes and no; any other number is not a yes/no value.
    """
    if isinstance(value, bool | np.bool_):
        return bool(value)
    text = cell_text(value).lower()
    if text in true_words:
        return True
    if text in false_words:
        return False
    try:
        number = float(text)
    except ValueError:
        return None
    return {1.0: True, 0.0: False}.get(number)


def _to_bool(value: Any) -> bool:
    out = yes_no(value)
    if out is not None:
        return out
    raise ValueError(f"{value!r} is not a yes/no value (use true/false, 1/0, 是/否)")


def to_list(value: Any) -> list[str]:
    """Split a flat list value (``"a;b"``, ``"a、b"``) into a list of stripped strings.

    Parameters
    ----------
    value : str, list or None

    Returns
    -------
    list of str
        Empty items are dropped; a list passes through (stripped).
    """
    if is_missing(value):
        return []
    items = value if isinstance(value, list | tuple) else _LIST_SEPARATORS.split(str(value))
    return [str(item).strip() for item in items if str(item).strip()]


def _attribute(name: str, spec: dict) -> Attribute:
    allowed = spec.get("allowed")
    return Attribute(
        name=name,
        type=spec["type"],
        allowed=tuple(allowed) if allowed is not None else None,
        default=spec.get("default", _NO_DEFAULT),
        label_zh=spec["label_zh"],
        label_en=spec["label_en"],
        units=spec.get("units", ""),
        words_zh=tuple((str(k), v) for k, v in spec.get("words_zh", {}).items()),
    )


def _geometries(kind_id: str, value: Any) -> tuple[str, ...]:
    values = tuple(value) if isinstance(value, list) else (value,)
    if not values or any(v not in GEOMETRIES for v in values):
        raise InputError(f"kinds.toml, kind {kind_id!r}, key 'geometry': "
                         + choice_error("geometry type", value, GEOMETRIES))
    return values


def _valid_range(kind_id: str, value: Any) -> tuple[float, float]:
    if not (isinstance(value, list) and len(value) == 2 and value[0] < value[1]):
        raise InputError(f"kinds.toml, raster {kind_id!r}, key 'valid_range': expected "
                         "[low, high] with low < high")
    return float(value[0]), float(value[1])


@cache
def _registry() -> tuple[dict[str, LayerKind], dict[str, RasterKind]]:
    data = tomllib.loads((Path(__file__).with_name("kinds.toml")).read_text(encoding="utf-8"))
    common = {name: _attribute(name, spec) for name, spec in data["common"].items()}
    kinds = {}
    for kind_id, spec in data["kind"].items():
        attributes = dict(common)
        for name, attr in spec.get("attributes", {}).items():
            attributes[name] = _attribute(name, attr)
        bad = [a.name for a in attributes.values() if a.type not in _ATTRIBUTE_TYPES
               or not {k for k, _ in a.words_zh} <= set(a.allowed or ())]
        if bad:
            raise InputError(f"kinds.toml, kind {kind_id!r}: attributes {bad} have a type "
                             f"outside {_ATTRIBUTE_TYPES} or words_zh for values not allowed")
        kinds[kind_id] = LayerKind(kind_id, spec["label_zh"], spec["label_en"],
                                   _geometries(kind_id, spec["geometry"]), spec["group"],
                                   attributes)
    rasters = {rid: RasterKind(rid, s["label_zh"], s["label_en"], s["units"],
                               _valid_range(rid, s.get("valid_range")))
               for rid, s in data["raster"].items()}
    return kinds, rasters


def layer_kinds() -> dict[str, LayerKind]:
    """All vector layer kinds, by id."""
    return _registry()[0]


def raster_kinds() -> dict[str, RasterKind]:
    """All raster kinds, by id."""
    return _registry()[1]


def get_kind(kind_id: str) -> LayerKind:
    """The vector layer kind ``kind_id``.

    Raises
    ------
    InputError
        For an unknown id; the message lists the valid ones.
    """
    kinds = layer_kinds()
    if kind_id not in kinds:
        raise InputError(choice_error("layer kind", kind_id, sorted(kinds)))
    return kinds[kind_id]


def get_raster_kind(kind_id: str) -> RasterKind:
    """The raster kind ``kind_id``; unknown ids raise :class:`InputError` listing valid ones."""
    kinds = raster_kinds()
    if kind_id not in kinds:
        raise InputError(choice_error("raster kind", kind_id, sorted(kinds)))
    return kinds[kind_id]
