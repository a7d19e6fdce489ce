"""The schema of a catalog file: its ``[region]``, ``[[layer]]`` and ``[[raster]]`` entries.

Validated once at load (pydantic, :func:`parse_catalog`), then the entries together
(:func:`check_entries`: ids unique, files present, attribute settings typed, raster units);
every error names the file, the entry and the key. See :mod:`layers.catalog` for an example
catalog.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from layers.attributes import typed_setting
from layers.crs import normalize_crs
from layers.errors import CatalogError, choice_error, framed, validation_messages
from layers.kinds import get_kind, get_raster_kind
from layers.postgis import PostgisSource, credential_problem
from layers.regions import province_code
from layers.tomlfile import load_toml

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
UNIT_ALIASES = {"kwh/m2/yr": "kWh/m²/yr", "kwh/m²/yr": "kWh/m²/yr", "kwh/m2/a": "kWh/m²/yr",
                "m": "m", "m/s": "m/s", "metre": "m", "meter": "m"}


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    kind: str
    path: str
    crs: str | int | None = None
    source: str = ""
    date: str = ""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_\-.]+", v):
            raise ValueError("use letters, digits, '_', '-' or '.' only")
        return v

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, v: Any) -> str:
        if isinstance(v, dt.date | dt.datetime):
            return v.isoformat()[:10]
        v = str(v).strip()
        if v and not _DATE.match(v):
            raise ValueError("expected a date like '2024', '2024-06' or '2024-06-30'")
        return v

    @field_validator("crs")
    @classmethod
    def _crs(cls, v: Any) -> Any:
        if v is not None:
            normalize_crs(v)
        return v


class PreparedFrom(BaseModel):
    """The ``prepared`` table of a layer written by ``siting prepare`` (:mod:`layers.prepared`):
    where the original came from and when it was prepared."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    origin: str = Field(alias="from")
    at: str
    catalog: str = ""


class LayerSpec(_Spec):
    """One ``[[layer]]`` entry: a vector layer of a kind, with its provenance.

    Attributes
    ----------
    columns : dict
        Kind attribute → source column.
    values : dict
        Kind attribute → {source value → kind value}.
    defaults : dict
        Kind attribute → the layer-wide value stated for blank or absent values (typed at load;
        reports show it).
    accuracy_m : float or None
        Stated positional accuracy of the layer [m].
    prepared : PreparedFrom or None
        Set for a layer in its fast form (``siting prepare``): already typed and validated.
    empty_ok : bool
        The layer is known to hold no features in the region. Without it an empty layer is
        taken for a failed export: unusable, its rules give review (never a silent pass).
    covers : list of str or None
        The admin codes (``admin_code`` of the catalog's ``admin_boundary`` features) over which
        the layer's data are complete; None: the whole coverage area of the catalog. Checked
        against the admin features when the catalog loads (:class:`layers.catalog.Catalog`).
    """

    layer: str | None = None
    encoding: str | None = None
    columns: dict[str, str] = {}
    values: dict[str, dict[str, Any]] = {}
    defaults: dict[str, Any] = {}
    accuracy_m: float | None = Field(default=None, gt=0)
    empty_ok: bool = False
    covers: list[str] | None = None
    # A layer names a file (`path`) or a PostGIS table (`postgis = { service, table, geometry }`,
    # layers/postgis.py), exactly one of them.
    path: str | None = None
    postgis: PostgisSource | None = None
    prepared: PreparedFrom | None = None

    @model_validator(mode="after")
    def _one_source(self) -> LayerSpec:
        if (self.path is None) == (self.postgis is None):
            raise ValueError("give exactly one of `path` (a file) and `postgis` (a table: "
                             "postgis = { service = \"...\", table = \"schema.table\" })")
        if self.prepared is not None and (self.postgis is not None or self.columns or
                                          self.values or self.layer or self.encoding):
            raise ValueError("a prepared layer (key `prepared`, written by siting prepare) is "
                             "a GeoParquet `path` already typed: it takes no postgis, columns, "
                             "values, layer or encoding")
        if self.postgis is not None and (self.layer or self.encoding):
            raise ValueError("`layer` and `encoding` apply to files only; a PostGIS table is "
                             "named by `postgis.table` and decoded by the database")
        return self

    @field_validator("path", "source")
    @classmethod
    def _no_credentials(cls, v: str | None, info) -> str | None:
        why = credential_problem(info.field_name, v)
        if why:
            raise ValueError(why)
        return v

    @field_validator("covers", mode="before")
    @classmethod
    def _covers(cls, v: Any) -> list[str] | None:
        if v is None:
            return v
        if isinstance(v, str | int):
            v = [v]
        if not isinstance(v, list) or not v or any(isinstance(c, bool) or not isinstance(
                c, str | int) or not str(c).strip() for c in v):
            raise ValueError("expected a non-empty list of admin codes (`admin_code` of the "
                             "catalog's admin_boundary features), e.g. covers = [\"520102\", "
                             "\"520111\"]")
        return list(dict.fromkeys(str(c).strip() for c in v))

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        return get_kind(v).id  # InputError is a ValueError: pydantic reports it

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, v: str | None) -> str | None:
        if v is not None:
            import codecs

            try:
                codecs.lookup(v)
            except LookupError:
                raise ValueError(f"unknown encoding {v!r}; e.g. 'UTF-8', 'GBK', 'GB18030'") from None
        return v


class RasterSpec(_Spec):
    """One ``[[raster]]`` entry: a raster of a kind (dem, ghi, wind_speed) with its units."""

    units: str = ""

    @field_validator("kind")
    @classmethod
    def _kind(cls, v: str) -> str:
        return get_raster_kind(v).id


class _Region(BaseModel):
    """The ``[region]`` table."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    description: str = ""
    synthetic: bool = False
    extent: list[float] | None = None
    province: str | int | None = None
    admin_code: str | int | None = None

    @field_validator("extent")
    @classmethod
    def _extent(cls, v):
        if v is not None:
            if len(v) != 4:
                raise ValueError("expected [min_lon, min_lat, max_lon, max_lat] in degrees, e.g. "
                                 "[106.1, 26.1, 107.3, 27.4]")
            minx, miny, maxx, maxy = v
            if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
                raise ValueError("expected [min_lon, min_lat, max_lon, max_lat] in degrees with "
                                 "min < max, e.g. [106.1, 26.1, 107.3, 27.4]")
        return v

    @field_validator("province")
    @classmethod
    def _province(cls, v):
        if v is not None and not province_code(v):
            raise ValueError(f"{v!r} names no province; give its name (e.g. '贵州省', "
                             "'Guizhou') or its 2-digit code (e.g. '52')")
        return v

    @field_validator("admin_code")
    @classmethod
    def _admin_code(cls, v):
        if v is not None:
            v = str(v).strip()
            if not re.fullmatch(r"\d{6}", v) or not province_code(v):
                raise ValueError("expected a 6-digit administrative division code (GB/T 2260) "
                                 "such as '520100'")
        return v


class CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: _Region = _Region()
    layer: list[LayerSpec] = []
    raster: list[RasterSpec] = []


def format_validation(path: Path, exc: ValidationError, raw: dict) -> str:
    lines = []
    for loc, msg in validation_messages(exc, "valid keys are listed in layers/catalog.py"):
        where = where_zh = str(path)
        if loc and loc[0] == "region":
            where += ", [region]"
            where_zh += "，[region]"
            loc = loc[1:]
        if loc and loc[0] in ("layer", "raster") and len(loc) > 1 and isinstance(loc[1], int):
            entry = raw.get(loc[0], [])[loc[1]] if isinstance(raw.get(loc[0]), list) else {}
            name = entry.get("id") if isinstance(entry, dict) else None
            where += f", {loc[0]} {name!r}" if name else f", {loc[0]} #{loc[1] + 1}"
            zh_entry = {"layer": "图层", "raster": "栅格"}[loc[0]]
            where_zh += f"，{zh_entry} {name!r}" if name else f"，第 {loc[1] + 1} 个{zh_entry}"
            loc = loc[2:]
        key = ".".join(str(k) for k in loc) or "(entry)"
        lines.append(framed(msg, f"{where}, key {key!r}: {{}}", f"{where_zh}，键 {key!r}：{{}}"))
    return "\n".join(lines)




def check_attributes(spec: LayerSpec, where: str) -> tuple[dict[str, Any], list[str]]:
    """Check a layer entry's ``columns``, ``values`` and ``defaults`` against its kind.

    Parameters
    ----------
    spec : LayerSpec
    where : str
        The catalog file and layer, prefixed to each error.

    Returns
    -------
    (dict, list of str)
        The typed ``defaults`` and one message per error (unknown attribute, a ``values`` target
        or a default that cannot be typed or is not allowed).
    """
    kind = get_kind(spec.kind)
    errors = []
    for key, table in (("columns", spec.columns), ("values", spec.values),
                       ("defaults", spec.defaults)):
        valid = sorted(a for a in kind.attributes if key != "defaults" or a != "id")
        errors += [f"{where}, key '{key}': " + choice_error(f"attribute of kind {spec.kind}",
                                                            name, valid)
                   for name in table if name not in valid]
    for name, mapping in spec.values.items():
        for source_value, value in mapping.items() if name in kind.attributes else ():
            try:
                typed_setting(kind.attributes[name], value)
            except (ValueError, TypeError) as exc:
                errors.append(f"{where}, key 'values.{name}.{source_value}': {value!r}: {exc}")
    typed = {}
    for name, value in spec.defaults.items():
        if name in kind.attributes and name != "id":
            try:
                typed[name] = typed_setting(kind.attributes[name], value)
            except (ValueError, TypeError) as exc:
                errors.append(f"{where}, key 'defaults.{name}': {value!r}: {exc}")
    return typed, errors


def parse_catalog(path: Path) -> CatalogFile:
    """The catalog file ``path`` read and validated against its schema.

    Raises
    ------
    CatalogError
        For every invalid key, naming the file, the layer and the key.
    """
    raw = load_toml(path, CatalogError, "catalog")
    try:
        return CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(format_validation(path, exc, raw)) from None


def resolve_path(spec: LayerSpec | RasterSpec, folder: Path) -> LayerSpec | RasterSpec:
    """The entry with its relative ``path`` resolved from ``folder`` (the catalog's); a PostGIS
    layer (no path) as it is."""
    if spec.path is None:  # a PostGIS layer
        return spec
    p = Path(spec.path)
    return spec.model_copy(update={"path": str(p if p.is_absolute() else folder / p)})


def check_entries(path: Path, layers: list[LayerSpec],
                  rasters: list[RasterSpec]) -> list[LayerSpec]:
    """Check a catalog's entries together: unique ids, existing files, attribute settings typed
    against each layer's kind, raster units matching their kind.

    Parameters
    ----------
    path : Path
        The catalog file, named by every error.
    layers, rasters : list of LayerSpec, list of RasterSpec
        The entries, paths resolved (:func:`resolve_path`).

    Returns
    -------
    list of LayerSpec
        ``layers`` with their ``defaults`` typed.

    Raises
    ------
    CatalogError
        Naming every error found, one per line.
    """
    errors, seen = [], set()
    entries = [("layer", s) for s in layers] + [("raster", s) for s in rasters]
    for entry, spec in entries:
        if spec.id in seen:
            errors.append(f"{path}, {entry} {spec.id!r}, key 'id': duplicate id; ids "
                          "must be unique in a catalog")
        seen.add(spec.id)
        if spec.path is not None and not Path(spec.path).exists():
            errors.append(f"{path}, {entry} {spec.id!r}, key 'path': file not found "
                          f"({spec.path}); relative paths resolve from the catalog's folder")
    typed = {}
    for spec in layers:
        typed[spec.id], more = check_attributes(spec, f"{path}, layer {spec.id!r}")
        errors += more
    layers = [s.model_copy(update={"defaults": typed[s.id]}) for s in layers]
    for spec in rasters:
        expected = get_raster_kind(spec.kind).units
        if spec.units and UNIT_ALIASES.get(spec.units.lower(), spec.units) != expected:
            errors.append(f"{path}, raster {spec.id!r}, key 'units': {spec.units!r} "
                          f"does not match kind {spec.kind} [{expected}]; convert the raster")
    if errors:
        raise CatalogError("\n".join(errors))
    return layers
