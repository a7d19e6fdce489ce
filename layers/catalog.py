"""Catalogs: a TOML file naming the layers of a region, validated once at load.

Example::

    [region]
    name = "贵阳市 Guiyang"

    [[layer]]
    id = "redline"
    kind = "ecological_red_line"
    path = "data/redline.shp"
    crs = "EPSG:4544"              # only used when the source has none
    encoding = "GBK"
    columns = { name = "HXMC" }    # kind attribute -> source column
    source = "贵州省自然资源厅 (authorised copy)"
    date = "2024-06"

    [[layer]]
    id = "farmland"
    kind = "basic_farmland"
    # a PostGIS table instead of a path: see layers/postgis.py (no credentials in a catalog)
    postgis = { service = "zoning", table = "public.permanent_farmland", geometry = "geom" }

    [[raster]]
    id = "ghi"
    kind = "ghi"
    path = "ghi.tif"
    units = "kWh/m2/yr"
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from layers.crs import WGS84, check_transform, normalize_crs, working_crs
from layers.errors import CatalogError, InputError, choice_error, validation_messages
from layers.hygiene import Problem
from layers.kinds import get_kind, get_raster_kind
from layers.postgis import PostgisSource, credential_problem, read_postgis
from layers.read import read_vector

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_UNIT_ALIASES = {"kwh/m2/yr": "kWh/m²/yr", "kwh/m²/yr": "kWh/m²/yr", "kwh/m2/a": "kWh/m²/yr",
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


class LayerSpec(_Spec):
    """One ``[[layer]]`` entry: a vector layer of a kind, with its provenance."""

    layer: str | None = None
    encoding: str | None = None
    columns: dict[str, str] = {}
    values: dict[str, dict[str, Any]] = {}
    # PostGIS source (issue 12 item 4, layers/postgis.py): a layer names a file (`path`) or a
    # table (`postgis = { service, table, geometry }`), exactly one of them.
    path: str | None = None
    postgis: PostgisSource | None = None

    @model_validator(mode="after")
    def _one_source(self) -> LayerSpec:
        if (self.path is None) == (self.postgis is None):
            raise ValueError("give exactly one of `path` (a file) and `postgis` (a table: "
                             "postgis = { service = \"...\", table = \"schema.table\" })")
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
    # -- end of the PostGIS source hook

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


class _CatalogFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region: dict[str, Any] = {}
    layer: list[LayerSpec] = []
    raster: list[RasterSpec] = []


@dataclass
class LayerData:
    """A layer read from its source: typed attributes, clean geometry, its problems.

    Attributes
    ----------
    spec : LayerSpec
    gdf : GeoDataFrame
        Columns ``id``, ``name``, every attribute of the kind, ``geometry``; in ``crs``.
    source_crs : pyproj.CRS
    problems : list of Problem
    """

    spec: LayerSpec
    gdf: gpd.GeoDataFrame
    source_crs: pyproj.CRS
    problems: list[Problem] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """False when any problem concerns the whole layer at error severity."""
        return not any(p.severity == "error" and p.feature is None for p in self.problems)


def _format_validation(path: Path, exc: ValidationError, raw: dict) -> str:
    lines = []
    for loc, msg in validation_messages(exc, "valid keys are listed in layers/catalog.py"):
        where = str(path)
        if loc and loc[0] in ("layer", "raster") and len(loc) > 1 and isinstance(loc[1], int):
            entry = raw.get(loc[0], [])[loc[1]] if isinstance(raw.get(loc[0]), list) else {}
            name = entry.get("id") if isinstance(entry, dict) else None
            where += f", {loc[0]} {name!r}" if name else f", {loc[0]} #{loc[1] + 1}"
            loc = loc[2:]
        key = ".".join(str(k) for k in loc) or "(entry)"
        lines.append(f"{where}, key {key!r}: {msg}")
    return "\n".join(lines)


def load_catalog(path: str | Path) -> Catalog:
    """Load and validate a catalog file.

    Parameters
    ----------
    path : str or Path
        The catalog TOML file; relative layer paths resolve from its folder.

    Raises
    ------
    CatalogError
        For every invalid key, naming the file, the layer and the key.
    """
    path = Path(path)
    if not path.exists():
        raise CatalogError(f"{path}: catalog file not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not valid TOML ({exc})") from None
    try:
        parsed = _CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(_format_validation(path, exc, raw)) from None
    return Catalog(path, parsed)


class Catalog:
    """The layers of a region as named by a catalog file; layers are read once and cached."""

    def __init__(self, path: Path, parsed: _CatalogFile):
        self.path = path.resolve()
        self.region = dict(parsed.region)
        self.layers: list[LayerSpec] = [self._resolve(s) for s in parsed.layer]
        self.rasters: list[RasterSpec] = [self._resolve(s) for s in parsed.raster]
        self._check_unique_and_files()
        self._sources: dict[str, tuple[gpd.GeoDataFrame, list[Problem]]] = {}
        self._read: dict[tuple[str, str], LayerData] = {}
        self._provenance: dict[str, dict] = {}

    def __repr__(self) -> str:
        return f"<Catalog {self.path.name}: {len(self.layers)} layers, {len(self.rasters)} rasters>"

    def _resolve(self, spec):
        if spec.path is None:  # a PostGIS layer
            return spec
        p = Path(spec.path)
        return spec.model_copy(update={"path": str(p if p.is_absolute() else self.path.parent / p)})

    def _check_unique_and_files(self) -> None:
        errors, seen = [], set()
        entries = [("layer", s) for s in self.layers] + [("raster", s) for s in self.rasters]
        for entry, spec in entries:
            if spec.id in seen:
                errors.append(f"{self.path}, {entry} {spec.id!r}, key 'id': duplicate id; ids "
                              "must be unique in a catalog")
            seen.add(spec.id)
            if spec.path is not None and not Path(spec.path).exists():
                errors.append(f"{self.path}, {entry} {spec.id!r}, key 'path': file not found "
                              f"({spec.path}); relative paths resolve from the catalog's folder")
        for spec in self.layers:
            kind = get_kind(spec.kind)
            for key in list(spec.columns) + list(spec.values):
                if key not in kind.attributes:
                    errors.append(f"{self.path}, layer {spec.id!r}, key 'columns'/'values': "
                                  + choice_error(f"attribute of kind {spec.kind}", key,
                                                 sorted(kind.attributes)))
        for spec in self.rasters:
            expected = get_raster_kind(spec.kind).units
            if spec.units and _UNIT_ALIASES.get(spec.units.lower(), spec.units) != expected:
                errors.append(f"{self.path}, raster {spec.id!r}, key 'units': {spec.units!r} "
                              f"does not match kind {spec.kind} [{expected}]; convert the raster")
        if errors:
            raise CatalogError("\n".join(errors))

    # -- lookups ---------------------------------------------------------------------------
    def spec(self, layer_id: str) -> LayerSpec:
        """The layer entry ``layer_id``; unknown ids raise :class:`CatalogError`."""
        for spec in self.layers:
            if spec.id == layer_id:
                return spec
        raise CatalogError(f"{self.path}: " + choice_error("layer id", layer_id,
                                                           [s.id for s in self.layers]))

    def has_kind(self, kind: str) -> bool:
        """True when the catalog has at least one layer of ``kind``."""
        return any(s.kind == kind for s in self.layers)

    def layers_of(self, kind: str, crs: pyproj.CRS | None = None) -> list[LayerData]:
        """Every layer of ``kind``, read (in ``crs``, default the working CRS)."""
        return [self.read(s.id, crs) for s in self.layers if s.kind == kind]

    def raster(self, kind: str) -> RasterSpec | None:
        """The first raster of ``kind``, or None."""
        return next((s for s in self.rasters if s.kind == kind), None)

    # -- reading ---------------------------------------------------------------------------
    def source(self, layer_id: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
        """The layer in its source CRS with typed attributes (cached)."""
        if layer_id not in self._sources:
            spec = self.spec(layer_id)
            what = f"{self.path.name}, layer {spec.id!r} ({self.provenance(layer_id)['path']})"
            if spec.postgis is not None:  # PostGIS source hook (layers/postgis.py)
                gdf, problems, self._provenance[layer_id] = read_postgis(spec.postgis, spec.crs,
                                                                         what)
            else:
                gdf, problems = read_vector(spec.path, spec.layer, spec.crs, spec.encoding, what)
            gdf, attr_problems = type_attributes(gdf, spec, what)
            self._sources[layer_id] = (gdf, problems + attr_problems)
        return self._sources[layer_id]

    def provenance(self, entry_id: str) -> dict:
        """Where a layer or raster comes from, for reports.

        Returns
        -------
        dict
            ``{"path": <file name>}`` for a file; for a PostGIS layer ``path`` is a sentence naming
            the service, the table, the rows and when they were read, plus the keys ``service``,
            ``table``, ``rows`` and ``read_at`` (ISO 8601) once the layer has been read.
        """
        spec = next((s for s in self.rasters if s.id == entry_id), None) or self.spec(entry_id)
        if getattr(spec, "postgis", None) is None:
            return {"path": Path(spec.path).name}
        read = self._provenance.get(entry_id)
        if read is None:
            return {"path": spec.postgis.label}
        return read | {"path": f"PostGIS service {read['service']!r}, table {read['table']}, "
                               f"{read['rows']} rows read {read['read_at']}"}

    @cached_property
    def extent_lonlat(self) -> tuple[float, float, float, float]:
        """The union extent of every vector layer in lon/lat [°]."""
        boxes = []
        for spec in self.layers:
            gdf, _ = self.source(spec.id)
            if len(gdf) and not gdf.geometry.is_empty.all():
                boxes.append(gdf.to_crs(WGS84).total_bounds)
        if not boxes:
            raise InputError(f"{self.path}: no layer has any geometry; cannot choose a working CRS")
        b = np.array(boxes)
        return (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())

    @cached_property
    def working_crs(self) -> pyproj.CRS:
        """The metric CRS in which this catalog's areas and distances are computed."""
        return working_crs(self.extent_lonlat)

    def read(self, layer_id: str, crs: pyproj.CRS | None = None) -> LayerData:
        """The layer transformed to ``crs`` (default: the working CRS), cached.

        The transformation is explicit: :func:`layers.crs.check_transform` warns when a legacy
        datum (Beijing 1954, Xian 1980) would be shifted with PROJ's ballpark operation.
        """
        crs = crs or self.working_crs
        key = (layer_id, crs.to_wkt())
        if key not in self._read:
            gdf, problems = self.source(layer_id)
            spec = self.spec(layer_id)
            check_transform(gdf.crs, crs, f"layer {layer_id!r}")
            self._read[key] = LayerData(spec, gdf.to_crs(crs), gdf.crs, problems)
        return self._read[key]


def type_attributes(
    gdf: gpd.GeoDataFrame, spec: LayerSpec, what: str
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Map a source's columns onto its kind's attributes, apply value mappings and types.

    Parameters
    ----------
    gdf : GeoDataFrame
        The source as read.
    spec : LayerSpec
        Its catalog entry (``columns`` and ``values``).
    what : str
        The source's name for messages.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        Columns ``id``, ``name``, every attribute of the kind, ``geometry``, in source order.
        A required attribute the source lacks is a layer-level error; a value that cannot be
        typed is an error for that feature.
    """
    kind = get_kind(spec.kind)
    problems: list[Problem] = []
    out = {}
    n = len(gdf)
    for name, attr in kind.attributes.items():
        column = spec.columns.get(name, name)
        missing_column = column not in gdf.columns and name != "id" and attr.required
        if column in gdf.columns:
            values = gdf[column].tolist()
        elif name == "id":
            values = [str(i + 1) for i in range(n)]
        elif attr.required:
            problems.append(Problem(None, "missing_attribute", f"{what}: attribute {name!r} "
                                    f"({attr.label_zh} / {attr.label_en}) is required by kind "
                                    f"{kind.id} but the source has no column {column!r}; map it "
                                    f"with columns = {{ {name} = \"<source column>\" }}. Source "
                                    f"columns: {[c for c in gdf.columns if c != 'geometry']}",
                                    "error"))
            values = [None] * n
        else:
            values = [None] * n
        mapping = {str(k): v for k, v in spec.values.get(name, {}).items()}
        typed = []
        for i, value in enumerate(values):
            if value is not None and str(value).strip() in mapping:
                value = mapping[str(value).strip()]
            try:
                typed.append(None if missing_column else attr.coerce(value))
            except (ValueError, TypeError) as exc:
                label = out["id"].iloc[i] if "id" in out else f"#{i + 1}"
                problems.append(Problem(str(label), "bad_value",
                                        f"{what}: attribute {name!r}: {exc}", "error"))
                typed.append(None)
        out[name] = pd.Series(typed, index=gdf.index, dtype=object)
    frame = gpd.GeoDataFrame(out, geometry=gdf.geometry.values, crs=gdf.crs, index=gdf.index)
    ids = frame["id"].astype(str)
    if ids.duplicated().any():
        dup = sorted(set(ids[ids.duplicated()]))[:5]
        problems.append(Problem(None, "duplicate_id", f"{what}: duplicate feature ids {dup}; "
                                "evidence will name features ambiguously", "warning"))
    frame["id"] = ids
    return frame.reset_index(drop=True), problems
