"""A catalog's layer checked as it is first read: the one validation path of every command.

A layer's source, once read, is checked against its kind, its catalog's region and for
emptiness (:func:`checked_source`); a prepared layer's summary for what a run finds anew
(:func:`checked_summary`, :func:`found_on_load`). :class:`layers.catalog.Catalog` keeps what
they give; the catalog file itself is checked when it is loaded (:mod:`layers.catalog_schema`).
"""

from __future__ import annotations

import geopandas as gpd
import shapely

from layers.attributes import type_attributes
from layers.catalog_schema import LayerSpec
from layers.hygiene import Problem, geometry_type_problems
from layers.kinds import get_kind
from layers.prepared import read_summary, source_changed
from layers.region_area import FAR_LAYER, far_layer_problems, prepared_far_problems
from layers.windows import lonlat_bounds


def checked_source(catalog, spec: LayerSpec, gdf: gpd.GeoDataFrame, problems: list[Problem],
                   what: str) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """A layer as read from its source, with its attributes typed against the kind
    (:func:`layers.attributes.type_attributes`), its geometry types checked against the kind
    (:func:`layers.hygiene.geometry_type_problems`), and an error when it lies wholly far from
    the catalog's region (:func:`layers.region_area.far_layer_problems`) or holds no features.

    Parameters
    ----------
    catalog : layers.catalog.Catalog
    spec : LayerSpec
    gdf : GeoDataFrame
        The source's features, in its CRS.
    problems : list of Problem
        Found by its read.
    what : str
        The catalog, the layer and its source, prefixed to messages.
    """
    gdf, attr_problems = type_attributes(gdf, spec, what)
    geom_problems = geometry_type_problems(gdf, get_kind(spec.kind), what)
    far = far_layer_problems(catalog, spec, gdf.crs, _placed(gdf).total_bounds, what,
                             lambda: lonlat_bounds(_placed(gdf)), len(gdf))
    return gdf, (problems + attr_problems + geom_problems
                 + _empty_problem(len(gdf), spec, what) + far)


def checked_summary(catalog, spec: LayerSpec, what: str) -> dict:
    """A prepared layer's summary (:func:`layers.prepared.read_summary`), with the problems a run
    finds anew added to those ``siting prepare`` recorded: its source changed since, it holds no
    features (prepared before empty layers were refused), it lies far from the region.

    Parameters
    ----------
    catalog : layers.catalog.Catalog
    spec : LayerSpec
        A prepared layer's entry.
    what : str
        The catalog, the layer and its source, prefixed to messages.
    """
    summary = read_summary(spec.path, spec.kind, what)
    now = source_changed(summary, what)
    if not any(p["code"] == "empty" and p["feature"] is None
               for p in summary.get("problems", [])):  # prepared before empty layers
        now += _empty_problem(summary["features"], spec, what)  # were refused
    now += prepared_far_problems(catalog, spec, summary, what)
    summary["problems"] = summary.get("problems", []) + [p.to_dict() for p in now]
    return summary


def found_on_load(problems: list[Problem]) -> list[Problem]:
    """The problems of a prepared layer found when a run loads it (:data:`_FOUND_ON_LOAD`, of the
    layer as a whole): those ``siting prepare`` recorded were shown by it."""
    return [p for p in problems if p.code in _FOUND_ON_LOAD and
            p.feature is None]  # (a feature's empty geometry: prepare's)


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
