"""Catalogs: a TOML file naming the layers of a region, validated once at load.

Example::

    [region]
    name = "贵阳市 Guiyang"
    province = "贵州省"                 # or admin_code = "520100"
    extent = [106.1, 26.1, 107.3, 27.4]  # lon/lat [°]: the catalog's coverage, when stated

    [[layer]]
    id = "redline"
    kind = "ecological_red_line"
    path = "data/redline.shp"
    crs = "EPSG:4544"              # only used when the source has none
    encoding = "GBK"
    columns = { name = "HXMC" }    # kind attribute -> source column
    source = "贵州省自然资源厅 (authorised copy)"
    date = "2024-06"
    accuracy_m = 5                 # stated positional accuracy [m]

    [[layer]]
    id = "reserves"
    kind = "nature_reserve"
    path = "reserves.gpkg"
    values = { zone = { "核心区" = "core" } }   # source value -> kind value
    defaults = { zone = "core" }               # layer-wide value where the source is blank

    [[raster]]
    id = "ghi"
    kind = "ghi"
    path = "ghi.tif"
    units = "kWh/m2/yr"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from pydantic import ValidationError

from layers.attributes import type_attributes
from layers.catalog_schema import (
    UNIT_ALIASES,
    CatalogFile,
    LayerSpec,
    RasterSpec,
    check_attributes,
    format_validation,
)
from layers.covers import check_covers
from layers.crs import check_transform, datum_note, to_crs_dense, working_crs
from layers.errors import CatalogError, CRSError, InputError, choice_error
from layers.hygiene import Problem, coarse_accuracy, geometry_type_problems
from layers.kinds import get_kind, get_raster_kind
from layers.pgstamp import table_check
from layers.postgis import read_postgis
from layers.prepared import (
    read_prepared,
    read_summary,
    source_changed,
    summary_crs,
    summary_problems,
    summary_working_crs,
    write_prepared,
)
from layers.provenance import prepared_layer, table_read
from layers.rasters import raster_problems
from layers.read import data_sha256, read_vector
from layers.region_area import (
    FAR_LAYER,
    far_layer_problems,
    prepared_far_problems,
    region_boxes,
)
from layers.tomlfile import load_toml
from layers.windows import boxes_to_crs, lonlat_bounds, meets

__all__ = ["Catalog", "LayerData", "LayerSpec", "RasterSpec", "load_catalog"]

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
        """False when any problem concerns the whole layer at error severity.

        Unknown attribute values (``bad_value``, ``missing_attribute``, ``blank_value``
        warnings) never make a layer unusable: the rules treat them as unknown.
        """
        return not any(p.severity == "error" and p.feature is None for p in self.problems)


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
    raw = load_toml(path, CatalogError, "catalog")
    try:
        parsed = CatalogFile.model_validate(raw)
    except ValidationError as exc:
        raise CatalogError(format_validation(path, exc, raw)) from None
    return Catalog(path, parsed)


class Catalog:
    """The layers of a region as named by a catalog file; layers are read once and cached."""

    def __init__(self, path: Path, parsed: CatalogFile):
        self.path = path.resolve()
        self.region = parsed.region.model_dump(exclude_unset=True)
        self.layers: list[LayerSpec] = [self._resolve(s) for s in parsed.layer]
        self.rasters: list[RasterSpec] = [self._resolve(s) for s in parsed.raster]
        self._check_unique_and_files()
        self._sources: dict[str, tuple[gpd.GeoDataFrame, list[Problem]]] = {}
        self._read: dict[tuple[str, str], LayerData] = {}
        self._raster_problems: dict[str, list[Problem]] = {}
        self._provenance: dict[str, dict] = {}
        self._fast: dict[str, tuple[Path, dict]] = {}  # layer id -> its fast form and summary
        self._digests: dict[str, str | None] = {}
        self._near: tuple[np.ndarray, pyproj.CRS] | None = None
        self._boxes: dict[str | None, np.ndarray] = {}  # a view's windows, per CRS carried to
        self._region: dict[bool, tuple | None] = {}  # region_boxes(units), shared by views
        self.admin_names: dict[str, str] = check_covers(self)  # codes `covers` may name

    def __repr__(self) -> str:
        return f"<Catalog {self.path.name}: {len(self.layers)} layers, {len(self.rasters)} rasters>"

    def __getstate__(self) -> dict:
        """Pickled (sent to a worker) without the layers read: the worker reads what it needs."""
        return {**self.__dict__, "_sources": {}, "_read": {}, "_boxes": {}}

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
        typed = {}
        for spec in self.layers:
            typed[spec.id], more = check_attributes(spec, f"{self.path}, layer {spec.id!r}")
            errors += more
        self.layers = [s.model_copy(update={"defaults": typed[s.id]}) for s in self.layers]
        for spec in self.rasters:
            expected = get_raster_kind(spec.kind).units
            if spec.units and UNIT_ALIASES.get(spec.units.lower(), spec.units) != expected:
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
        """The first raster of ``kind``, or None when the catalog has none.

        Raises
        ------
        InputError
            When that raster is unusable (unreadable, no CRS, values outside the kind's plausible
            range); the message names the raster, what its values look like and the fix. A
            :class:`CRSError` when the only trouble is its CRS.
        """
        spec = next((s for s in self.rasters if s.kind == kind), None)
        if spec is None:
            return None
        errors = [p for p in self.raster_problems(spec.id) if p.severity == "error"]
        if errors:
            cls = CRSError if all(p.code == "crs" for p in errors) else InputError
            raise cls(f"{self.path}, raster {spec.id!r} is unusable: "
                      + "; ".join(p.message for p in errors))
        return spec

    def raster_problems(self, raster_id: str) -> list[Problem]:
        """The problems of raster ``raster_id`` (cached), without raising for them.

        See :func:`layers.rasters.raster_problems`.
        """
        if raster_id not in self._raster_problems:
            spec = next((s for s in self.rasters if s.id == raster_id), None)
            if spec is None:
                raise CatalogError(f"{self.path}: " + choice_error(
                    "raster id", raster_id, [s.id for s in self.rasters]))
            self._raster_problems[raster_id] = raster_problems(spec)
        return self._raster_problems[raster_id]

    # -- reading ---------------------------------------------------------------------------
    def source(self, layer_id: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
        """The layer in its source CRS with typed attributes, checked (cached).

        The one validation path of every command: the source is read with its CRS checked
        against its coordinates (:func:`layers.read.read_vector`), its attributes typed against
        the kind (:func:`layers.attributes.type_attributes`) and its geometry types checked
        against the kind (:func:`layers.hygiene.geometry_type_problems`).

        Raises
        ------
        ReadError, CRSError
            The source cannot be read, or its CRS is missing or does not fit its coordinates.
        """
        if layer_id not in self._sources:
            spec = self.spec(layer_id)
            what = f"{self.path.name}, layer {spec.id!r} ({self.provenance(layer_id)['path']})"
            fast = self.fast_form(layer_id)
            if fast is not None:
                self._sources[layer_id] = (read_prepared(*fast), summary_problems(fast[1]))
                return self._sources[layer_id]
            if spec.postgis is not None:
                gdf, problems, self._provenance[layer_id] = read_postgis(
                    spec.postgis, spec.crs, what, id_column=spec.columns.get("id"))
            else:
                gdf, problems = read_vector(spec.path, spec.layer, spec.crs, spec.encoding, what,
                                            id_column=spec.columns.get("id"))
            gdf, attr_problems = type_attributes(gdf, spec, what)
            geom_problems = geometry_type_problems(gdf, get_kind(spec.kind), what)
            far = far_layer_problems(self, spec, gdf.crs, _placed(gdf).total_bounds, what,
                                     lambda: lonlat_bounds(_placed(gdf)), len(gdf))
            self._sources[layer_id] = (gdf, problems + attr_problems + geom_problems
                                       + _empty_problem(len(gdf), spec, what) + far)
        return self._sources[layer_id]

    def fast_form(self, layer_id: str) -> tuple[Path, dict] | None:
        """(path, summary) of the layer's fast form: its prepared file, or one staged by
        :meth:`stage`; None when it has none."""
        if layer_id not in self._fast:
            spec = self.spec(layer_id)
            if spec.prepared is None:
                return None
            # named as in source(): a problem printed under that name does not repeat it
            what = f"{self.path.name}, layer {spec.id!r} ({self.provenance(layer_id)['path']})"
            summary = read_summary(spec.path, spec.kind, what)
            now = source_changed(summary, what)
            if not any(p["code"] == "empty" and p["feature"] is None
                       for p in summary.get("problems", [])):  # prepared before empty layers
                now += _empty_problem(summary["features"], spec, what)  # were refused
            now += prepared_far_problems(self, spec, summary, what)
            summary["problems"] = summary.get("problems", []) + [p.to_dict() for p in now]
            self._fast[layer_id] = (Path(spec.path), summary)
        return self._fast[layer_id]

    def stage(self, layer_id: str, folder: str | Path) -> tuple[Path, dict]:
        """Validate the layer once and write its fast form into ``folder`` (for window reads).

        Returns
        -------
        (Path, dict)
            The file and its summary (:func:`layers.prepared.write_prepared`, with the
            problems and, for a PostGIS table, what its read recorded under ``"postgis_read"``:
            :meth:`adopt` in another process gives it to that process's :meth:`provenance`);
            later reads of the layer (:meth:`source`, windows of :meth:`near`) use it.
        """
        fast = self.fast_form(layer_id)
        if fast is not None:
            return fast
        gdf, problems = self.source(layer_id)
        path = Path(folder) / f"{layer_id}.parquet"
        summary = write_prepared(gdf, problems, self.spec(layer_id).kind, path,
                                 {"from": self.provenance(layer_id)["path"]})
        read = self._provenance.get(layer_id)  # a PostGIS table's rows, fingerprint, time
        self.adopt(layer_id, path, {**summary, "problems": [p.to_dict() for p in problems]}
                   | ({"postgis_read": read} if read is not None else {}))
        return self._fast[layer_id]

    def adopt(self, layer_id: str, path: str | Path, summary: dict) -> None:
        """Read the layer from a fast form staged elsewhere (e.g. by another process).

        A PostGIS table read there (``summary["postgis_read"]``, see :meth:`stage`) is named by
        :meth:`provenance` (and so in reports and the report ID) as if read here.
        """
        self._fast[layer_id] = (Path(path), summary)
        self._sources.pop(layer_id, None)
        if summary.get("postgis_read") is not None:
            self._provenance[layer_id] = summary["postgis_read"]

    def facts(self, layer_id: str, crs: pyproj.CRS | None = None) -> dict:
        """What the whole layer is, without reading its features when its fast form says it.

        Returns
        -------
        dict
            ``features`` (count), ``problems`` (list of Problem; with the datum note of a
            transformation to ``crs``) and ``usable``.
        """
        fast = self.fast_form(layer_id)
        if fast is not None:
            count, problems, src = (fast[1]["features"], summary_problems(fast[1]),
                                    summary_crs(fast[1]))
        else:
            gdf, problems = self.source(layer_id)
            count, src = len(gdf), gdf.crs
        note = datum_note(src, crs, f"layer {layer_id!r}") if crs is not None else None
        if note:
            problems = [*problems, Problem(None, "datum", note, "warning")]
        problems = [*problems, *coarse_accuracy(layer_id, self.spec(layer_id).accuracy_m)]
        usable = not any(p.severity == "error" and p.feature is None for p in problems)
        return {"features": count, "problems": problems, "usable": usable}

    def region_boxes(self, units: bool = True) -> tuple[str, np.ndarray, np.ndarray] | None:
        """Boxes enclosing the catalog's region, how it was found and its extent (cached; see
        :func:`layers.region_area.region_boxes`)."""
        if units not in self._region:
            self._region[units] = region_boxes(self, units)
        return self._region[units]

    def near(self, windows: np.ndarray, crs: pyproj.CRS) -> Catalog:
        """A view whose reads keep only features whose bounding box meets a window.

        Parameters
        ----------
        windows : array (n, 4)
            Boxes ``(minx, miny, maxx, maxy)`` in ``crs`` (see :mod:`layers.windows`).
        crs : pyproj.CRS

        Returns
        -------
        Catalog
            Sharing this catalog's sources; a layer with a fast form is read only where the
            windows are.
        """
        view = object.__new__(Catalog)
        view.__dict__.update(self.__dict__)  # the same sources, read once for every view
        view._near = (np.asarray(windows, dtype=float).reshape(-1, 4), crs)
        view._read, view._boxes = {}, {}
        return view

    def _windows_in(self, crs: pyproj.CRS) -> np.ndarray:
        """This view's windows carried to ``crs`` (once per CRS: a view of 100,000 project
        windows is read for every layer, most often all in one source CRS)."""
        key = None if crs is None else crs.to_wkt()
        if key not in self._boxes:
            self._boxes[key] = boxes_to_crs(self._near[0], self._near[1], crs)
        return self._boxes[key]

    def features_near(self, layer_id: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
        """The layer in its source CRS, typed, with only the features whose bounding box meets
        a window of this view, and those without a geometry (every feature when the catalog is
        not a :meth:`near` view)."""
        fast = self.fast_form(layer_id)
        if self._near is None or fast is None or layer_id in self._sources:
            gdf, problems = self.source(layer_id)
            if self._near is None:
                return gdf, problems
            g = gdf.geometry.values
            # a feature that cannot be placed may lie anywhere: every view keeps it (fail closed)
            keep = meets(g, self._windows_in(gdf.crs)) | shapely.is_missing(g) | \
                shapely.is_empty(g)
            return gdf[keep], problems
        # a fast form is read by the same test on its bbox column (features without one kept)
        boxes = self._windows_in(summary_crs(fast[1]))
        return read_prepared(*fast, bbox=boxes), summary_problems(fast[1])

    def forget(self, layer_id: str) -> None:
        """Drop the layer's features read so far (memory); its problems stay known."""
        if layer_id in self._sources:
            problems = self._sources[layer_id][1]
            self._sources[layer_id] = (self._sources[layer_id][0].iloc[:0], problems)
        self._read = {k: v for k, v in self._read.items() if k[0] != layer_id}

    def problems_read(self) -> list[tuple[LayerSpec, list[Problem]]]:
        """(entry, problems) of every layer read or staged so far, in catalog order.

        Only layers already read are listed (they are cached), so that showing problems never
        reads, or fails on, a layer the command did not use.
        """
        out = []
        for spec in self.layers:
            if spec.id in self._sources:
                out.append((spec, self._sources[spec.id][1]))
            elif spec.id in self._fast:  # a prepared layer's were shown by prepare, except
                problems = summary_problems(self._fast[spec.id][1])  # what a run finds anew
                out.append((spec, problems if spec.prepared is None else  # of the layer
                            [p for p in problems if p.code in _FOUND_ON_LOAD and
                             p.feature is None]))  # (a feature's empty geometry: prepare's)
        return out

    def digest(self, layer_id: str) -> str | None:
        """SHA-256 (hex) of the layer's data as stored: recorded by ``siting prepare`` for a
        prepared layer, else of its file(s) (:func:`layers.read.data_sha256`); None for a
        PostGIS table (named by service, table and rows instead)."""
        if layer_id not in self._digests:
            spec, fast = self.spec(layer_id), self.fast_form(layer_id)
            if spec.prepared is not None and fast[1].get("sha256"):
                self._digests[layer_id] = fast[1]["sha256"]
            else:
                self._digests[layer_id] = None if spec.postgis is not None else \
                    data_sha256(spec.path)
        return self._digests[layer_id]

    def provenance(self, entry_id: str) -> dict:
        """Where a layer or raster comes from, for reports.

        Returns
        -------
        dict
            ``{"path": <file name>}`` for a file; for a PostGIS layer ``path`` is a sentence naming
            the service, the table, the rows and when they were read, plus the keys ``service``,
            ``table``, ``rows`` and ``read_at`` (ISO 8601) once the layer has been read. A
            sentence (a table read, a prepared layer) comes in Chinese too, as ``path_zh``
            (:mod:`layers.provenance`).
        """
        spec = next((s for s in self.rasters if s.id == entry_id), None) or self.spec(entry_id)
        if getattr(spec, "prepared", None) is not None:
            p = spec.prepared
            en, zh = prepared_layer(Path(spec.path).name, p.at, p.origin)
            out = {"path": en, "path_zh": zh, "prepared_from": p.origin, "prepared_at": p.at}
            fast = self._fast.get(entry_id)
            return out | (table_check(fast[1], en, zh) if fast else {})
        if getattr(spec, "postgis", None) is None:
            return {"path": Path(spec.path).name}
        read = self._provenance.get(entry_id)
        if read is None:
            return {"path": spec.postgis.label}
        en, zh = table_read(read["service"], read["table"], read["rows"], read["read_at"])
        return read | {"path": en, "path_zh": zh}

    @cached_property
    def extent_lonlat(self) -> tuple[float, float, float, float]:
        """The union extent of every readable vector layer in lon/lat [°].

        A layer that cannot be read is left out here (reading it again raises its own error).
        """
        boxes, errors = [], []
        for spec in self.layers:
            fast = self.fast_form(spec.id)
            if fast is not None:
                if fast[1].get("extent_lonlat") and not any(
                        p["code"] == FAR_LAYER for p in fast[1].get("problems", [])):
                    boxes.append(fast[1]["extent_lonlat"])
                continue
            try:
                gdf, problems = self.source(spec.id)
            except InputError as exc:
                errors.append(exc)
                continue
            if any(p.code == FAR_LAYER for p in problems):
                continue  # far from the region: it must not choose the working CRS
            g = gdf.geometry.values
            geoms = gdf.geometry[~(shapely.is_missing(g) | shapely.is_empty(g))]
            if len(geoms):
                boxes.append(lonlat_bounds(geoms))
        if not boxes and errors:
            raise errors[0]
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

        The transformation is explicit: :func:`layers.crs.check_transform` warns (and a problem
        records) when a legacy datum (Beijing 1954, Xian 1980) would be shifted with PROJ's
        ballpark operation; edges of lon/lat sources are densified first
        (:func:`layers.crs.to_crs_dense`) so that they do not bow.
        """
        crs = crs or self.working_crs
        key = (layer_id, crs.to_wkt())
        if key not in self._read:
            stored = self._stored_in(layer_id, crs)
            if stored is not None:
                out, problems = stored
                src = summary_crs(self._fast[layer_id][1])
            else:
                gdf, problems = self.features_near(layer_id)
                src, out = gdf.crs, None
            note = datum_note(src, crs, f"layer {layer_id!r}")
            if note:
                problems = [*problems, Problem(None, "datum", note, "warning")]
            check_transform(src, crs, f"layer {layer_id!r}")
            if out is None:
                out = gdf.set_geometry(to_crs_dense(gdf.geometry, crs))
            self._read[key] = LayerData(self.spec(layer_id), out, src, problems)
        return self._read[key]

    def _stored_in(self, layer_id: str, crs: pyproj.CRS):
        """(features near this view, problems) already in ``crs``, as ``siting prepare`` stored
        them beside the source geometry; None when the layer has no such copy."""
        fast = self.fast_form(layer_id)
        if fast is None or layer_id in self._sources or summary_working_crs(fast[1]) != crs:
            return None
        boxes = None if self._near is None else self._windows_in(summary_crs(fast[1]))
        return read_prepared(*fast, bbox=boxes, working=True), summary_problems(fast[1])


_FOUND_ON_LOAD = ("source_changed", "source_unchecked", "empty", FAR_LAYER)
"""Problems of a prepared layer found when a run loads it (not recorded by prepare)."""


def _placed(gdf: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """The layer's geometries that can be placed (neither missing nor empty)."""
    g = gdf.geometry.values
    return gdf.geometry[~(shapely.is_missing(g) | shapely.is_empty(g))]


def _empty_problem(features: int, spec: LayerSpec, what: str) -> list[Problem]:
    """An error for a layer without features, unless its entry says ``empty_ok = true``: an
    empty export (a wrong filter, an empty table) must not let every project pass its rules."""
    if features or spec.empty_ok:
        return []
    return [Problem(None, "empty", f"{what}: the layer holds no features, which is taken for a "
                    "failed export: its rules are not checked (review). If the region truly has "
                    "none, add `empty_ok = true` to its [[layer]] entry / 图层无要素，视为导出失败，"
                    "相关规则未核查；如本区域确无此类要素，请在其 [[layer]] 中写 empty_ok = true",
                    "error")]
