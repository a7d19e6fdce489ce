"""The registry of layer kinds, read from ``kinds.toml`` beside this module.

A layer kind says what a layer *is* (a red line, a farmland layer, a substation layer ...), its
bilingual label, its geometry type and the typed attributes it carries. Catalogs map a source's own
columns onto these attributes; everything downstream speaks only these names.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from layers.errors import InputError, choice_error

_ATTRIBUTE_TYPES = ("str", "int", "float", "bool", "list")
_NO_DEFAULT = object()
_LIST_SEPARATORS = re.compile(r"[;；,，、|]")
_TRUE = {"1", "true", "yes", "y", "t", "是", "有", "已", "√"}
_FALSE = {"0", "false", "no", "n", "f", "否", "无", "未", ""}


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
        Value taken when a source lacks the attribute; ``_NO_DEFAULT`` when it is required.
    label_zh, label_en : str
        Bilingual label.
    units : str
        Units, e.g. ``kV``; empty when dimensionless.
    """

    name: str
    type: str
    allowed: tuple | None
    default: Any
    label_zh: str
    label_en: str
    units: str = ""

    @property
    def required(self) -> bool:
        """True when a source must provide this attribute."""
        return self.default is _NO_DEFAULT

    def label(self, lang: str = "en") -> str:
        """The label in ``zh`` or ``en``."""
        return self.label_zh if lang == "zh" else self.label_en

    def coerce(self, value: Any) -> Any:
        """Convert one source value to this attribute's type.

        Raises
        ------
        ValueError
            When the value cannot be converted or is not allowed; the message lists valid values.
        """
        if _is_missing(value):
            if self.required:
                raise ValueError(f"{self.name} is required but empty")
            return list(self.default) if isinstance(self.default, list) else self.default
        if self.type == "str":
            # a code given as a number (grade 1, 1.0) is read as its text "1"
            number = isinstance(value, float) and value.is_integer()
            out: Any = str(int(value)) if number else str(value).strip()
        elif self.type == "int":
            out = int(float(value))
        elif self.type == "float":
            out = float(value)
        elif self.type == "bool":
            out = _to_bool(value)
        else:
            out = to_list(value)
        if self.allowed is not None and out not in self.allowed:
            raise ValueError(choice_error(f"{self.name} value", out, self.allowed))
        return out


@dataclass(frozen=True)
class LayerKind:
    """A kind of vector layer: id, bilingual label, geometry type, attributes."""

    id: str
    label_zh: str
    label_en: str
    geometry: str
    group: str
    attributes: dict[str, Attribute] = field(default_factory=dict)
    geometries: tuple[str, ...] = ()
    """Every geometry type the kind accepts (``geometry`` is the first, e.g. a river's line)."""

    def label(self, lang: str = "en") -> str:
        """The label in ``zh`` or ``en``."""
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class RasterKind:
    """A kind of raster layer: id, bilingual label and units."""

    id: str
    label_zh: str
    label_en: str
    units: str

    def label(self, lang: str = "en") -> str:
        """The label in ``zh`` or ``en``."""
        return self.label_zh if lang == "zh" else self.label_en


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN
        return True
    return isinstance(value, str) and not value.strip()


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
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
    if _is_missing(value):
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
    )


@cache
def _registry() -> tuple[dict[str, LayerKind], dict[str, RasterKind]]:
    data = tomllib.loads((Path(__file__).with_name("kinds.toml")).read_text(encoding="utf-8"))
    common = {name: _attribute(name, spec) for name, spec in data["common"].items()}
    kinds = {}
    for kind_id, spec in data["kind"].items():
        attributes = dict(common)
        for name, attr in spec.get("attributes", {}).items():
            attributes[name] = _attribute(name, attr)
        assert all(a.type in _ATTRIBUTE_TYPES for a in attributes.values()), kind_id
        geometries = spec["geometry"]
        geometries = (geometries,) if isinstance(geometries, str) else tuple(geometries)
        kinds[kind_id] = LayerKind(
            kind_id, spec["label_zh"], spec["label_en"], geometries[0], spec["group"], attributes,
            geometries,
        )
    rasters = {rid: RasterKind(rid, s["label_zh"], s["label_en"], s["units"])
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
