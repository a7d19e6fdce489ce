"""Catalogs: a TOML file naming the layers of a region, validated once at load.

The file's schema and checks are in :mod:`layers.catalog_schema`, those of a layer as it is first
read in :mod:`layers.layer_checks`; a catalog's reads near windows and in a CRS (its views) are
in :mod:`layers.catalog_views`.

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

from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from layers.catalog_schema import (
    CatalogFile,
    LayerSpec,
    RasterSpec,
    check_entries,
    parse_catalog,
    resolve_path,
)
from layers.catalog_views import CatalogViews, LayerData
from layers.covers import check_covers
from layers.crs import datum_note, working_crs
from layers.errors import CatalogError, CRSError, InputError, choice_error
from layers.hygiene import Problem, coarse_accuracy
from layers.layer_checks import checked_source, checked_summary, found_on_load
from layers.pgstamp import table_check
from layers.postgis import read_postgis
from layers.prepared import read_prepared, summary_crs, summary_problems, write_prepared
from layers.provenance import prepared_layer, table_read
from layers.rasters import raster_problems
from layers.read import data_sha256, read_vector
from layers.region_area import FAR_LAYER, region_boxes
from layers.windows import lonlat_bounds

__all__ = ["Catalog", "LayerData", "LayerSpec", "RasterSpec", "load_catalog"]

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
    return Catalog(path, parse_catalog(path))


class Catalog(CatalogViews):
    """The layers of a region as named by a catalog file; layers are read once and cached."""

    def __init__(self, path: Path, parsed: CatalogFile):
        self.path = path.resolve()
        self.region = parsed.region.model_dump(exclude_unset=True)
        self.layers: list[LayerSpec] = [resolve_path(s, self.path.parent) for s in parsed.layer]
        self.rasters: list[RasterSpec] = [resolve_path(s, self.path.parent) for s in parsed.raster]
        self.layers = check_entries(self.path, self.layers, self.rasters)  # defaults typed
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
            self._sources[layer_id] = checked_source(self, spec, gdf, problems, what)
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
            self._fast[layer_id] = (Path(spec.path), checked_summary(self, spec, what))
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
                            found_on_load(problems)))
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
