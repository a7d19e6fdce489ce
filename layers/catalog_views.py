"""A catalog's layers as its commands read them: near windows (a view), in a CRS.

A :class:`layers.catalog.Catalog` reads each layer's source (or its fast form) once and shares
it with every view :meth:`CatalogViews.near` makes of it. A view keeps of each layer the features
whose bounding box meets one of its windows (:meth:`CatalogViews.features_near`,
:mod:`layers.windows`); :meth:`CatalogViews.read` gives them in a CRS, transformed, or as
``siting prepare`` stored them there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pyproj
import shapely

from layers.catalog_schema import LayerSpec
from layers.crs import check_transform, datum_note, to_crs_dense
from layers.hygiene import Problem
from layers.prepared import read_prepared, summary_crs, summary_problems, summary_working_crs
from layers.windows import meets, windows_in

if TYPE_CHECKING:
    from layers.catalog import Catalog


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


class CatalogViews:
    """The reads of :class:`layers.catalog.Catalog` near windows and in a CRS (its base class).

    They use the catalog's entries and sources (``spec``, ``source``, ``fast_form``,
    ``working_crs``, ``_sources``, ``_fast``) and keep a view's own state: ``_near`` (its windows
    and their CRS, None for the whole catalog), ``_boxes`` (its windows per CRS carried to,
    :func:`layers.windows.windows_in`) and ``_read`` (the layers read, per CRS).
    """

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
        view = object.__new__(type(self))  # a Catalog
        view.__dict__.update(self.__dict__)  # the same sources, read once for every view
        view._near = (np.asarray(windows, dtype=float).reshape(-1, 4), crs)
        view._read, view._boxes = {}, {}
        return view

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
            keep = meets(g, windows_in(*self._near, gdf.crs, self._boxes)) | \
                shapely.is_missing(g) | shapely.is_empty(g)
            return gdf[keep], problems
        # a fast form is read by the same test on its bbox column (features without one kept)
        boxes = windows_in(*self._near, summary_crs(fast[1]), self._boxes)
        return read_prepared(*fast, bbox=boxes), summary_problems(fast[1])

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
        boxes = None if self._near is None else \
            windows_in(*self._near, summary_crs(fast[1]), self._boxes)
        return read_prepared(*fast, bbox=boxes, working=True), summary_problems(fast[1])
