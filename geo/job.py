"""One screening job: what is decided once for the whole batch, before any part is screened.

:func:`plan` sets aside the projects far outside the catalog's region, chooses the working CRS
for the union extent of the other projects and the catalog (one CRS for every tile), transforms
the footprints to it, lists the layer kinds the rules read and how far from a footprint a feature
can still matter (the *reach*). :func:`assemble` joins the screened parts (in any order) into the
two tables of :func:`geo.screen.screen`, in input order, with the facts of the whole layers
(those the rules read and those that set the coverage area: :data:`COVERAGE_KINDS`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from geo.coverage import FAR_OUTSIDE_M, SOURCES, far_outside
from geo.evaluate import OUTSIDE_NEAREST_M, TEXT
from geo.grouping import take_rows
from geo.rules import RuleSet
from layers.covers import named
from layers.crs import to_crs_dense, working_crs
from layers.kinds import get_kind
from layers.windows import grow, lonlat_bounds

HIT_COLUMNS = ("project_id", "rule_id", "outcome", "layer_id", "kind", "feature_id",
               "feature_name", "overlap_m2", "overlap_m", "overlap_share", "distance_m", "message",
               "check", "tolerance_m2")
"""Columns of the hits table (one row per rule outcome), as written to ``screening_hits.csv``.
``overlap_m2`` is the area of the overlap [m²] (0 for a line or point project), ``overlap_m``
the length of a line project inside the feature [m] (blank for other shapes). ``check`` says
what the row is (:data:`geo.evaluate.CHECKS`): ``fired`` (the rule's finding),
``contact`` (overlap within ``tolerance_m2`` and under half the footprint), ``unknown`` (a fact
the rule needs is unknown: ``review``), ``not_checked`` (its layer is missing: ``review``) or
``coverage`` (partly outside the catalog's coverage, or in a hole of the control-unit layer:
``review``)."""
COVERAGE_KINDS = ("admin_boundary",)
"""Layer kinds that set the coverage area (:func:`geo.coverage.coverage_area`) and the districts
(:func:`layers.regions.admin_codes_at`) of every screening: listed with the layers the rules read
(:func:`coverage_infos`). Control units, the other layer source of the coverage, are read in
any case (:func:`wanted_kinds`)."""
HIT_EXTRA = ("row", "confidence", "source", "title", "details")
"""Further columns of the hits table (not written to the CSV)."""


@dataclass
class Job:
    """The projects of a screening and what every part of it shares.

    Attributes
    ----------
    p : DataFrame
        Canonical attributes, ``error`` set for projects far outside the region.
    ok : ndarray of bool
        Projects that can be screened.
    fp : ndarray of geometries
        Footprints in ``crs`` (None where not ``ok``).
    shown : ndarray of geometries
        Every footprint in ``crs`` (the geometry of the result table).
    crs : pyproj.CRS
        The working CRS, chosen once for the whole job.
    source : str
        How the coverage area is found (a key of :data:`geo.coverage.SOURCES`).
    kinds : list of str
        Layer kinds to read.
    distance : dict
        Per kind, the largest distance [m] of a rule on it (0: overlaps only).
    reach : dict
        Per kind, the distance [m] within which its features matter (rule distances, the
        nearest-feature search radius).
    lang : str
    search_m : float
    rows : ndarray of int
        Positions of these projects in the whole batch (a part holds a subset).
    """

    p: pd.DataFrame
    ok: np.ndarray
    fp: np.ndarray
    shown: np.ndarray
    crs: pyproj.CRS
    source: str
    kinds: list[str]
    distance: dict[str, float]
    reach: dict[str, float]
    lang: str
    search_m: float
    rows: np.ndarray

    def __getstate__(self) -> dict:
        """Footprints as one WKB array each (a tile is sent to a worker: pickling 12,500
        shapely objects one by one took 0.2 s, in bulk 0.05 s); ``fp`` keeps sharing ``shown``'s
        objects. Linear rings (which WKB cannot tell from lines) are pickled one by one."""
        state = dict(self.__dict__)
        if (shapely.get_type_id(self.shown) == 2).any() or \
                (shapely.get_type_id(self.fp) == 2).any():
            return state  # WKB would make a linear ring a line string: one by one then
        same = np.fromiter((a is b for a, b in zip(self.fp, self.shown, strict=True)), bool,
                           len(self.fp))
        state["shown"] = shapely.to_wkb(self.shown, include_srid=True)
        state["fp"] = (same, shapely.to_wkb(np.where(same, None, self.fp), include_srid=True))
        return state

    def __setstate__(self, state: dict) -> None:
        if not isinstance(state["fp"], tuple):
            self.__dict__.update(state)
            return
        same, others = state["fp"]
        shown = shapely.from_wkb(state["shown"])
        fp = shapely.from_wkb(others)
        fp[same] = shown[same]
        self.__dict__.update(state | {"shown": shown, "fp": fp})

    def take(self, positions: np.ndarray) -> Job:
        """The part of the job holding the projects at ``positions``."""
        positions = np.asarray(positions, dtype=int)
        return replace(self, p=self.p.iloc[positions].reset_index(drop=True),
                       ok=self.ok[positions], fp=self.fp[positions],
                       shown=self.shown[positions], rows=self.rows[positions])

    def windows(self) -> np.ndarray:
        """Per project, the box [m, in ``crs``] in which any feature can matter (NaN if none)."""
        bounds = np.full((len(self.fp), 4), np.nan)
        usable = self.ok & ~(shapely.is_missing(self.fp) | shapely.is_empty(self.fp))
        if usable.any():
            bounds[usable] = shapely.bounds(self.fp[usable])
        return grow(bounds, max(self.reach.values(), default=0.0))


def distances(rules: RuleSet, kinds: list[str]) -> dict[str, float]:
    """Per kind, the largest distance [m] of a rule on it (``within_distance``), else 0."""
    return {kind: max([r.distance_m or 0.0 for r in rules if kind in r.layer] + [0.0])
            for kind in kinds}


def reach(rules: RuleSet, kinds: list[str], search_m: float) -> dict[str, float]:
    """Per kind, how far [m] from a footprint its features can change a result: its rules'
    distances, the nearest-feature search radius, the radius of ``outside`` rules."""
    out = {}
    for kind, dist in distances(rules, kinds).items():
        outside = [OUTSIDE_NEAREST_M for r in rules if kind in r.layer and r.relation == "outside"]
        out[kind] = max([search_m, dist, *outside])
    return out


def wanted_kinds(rules: RuleSet, catalog) -> list[str]:
    """The kinds the rules read, plus control units (holes) and key air regions (membership)."""
    wanted = list(rules.kinds)
    if catalog.has_kind("control_unit") and "control_unit" not in wanted:
        wanted.append("control_unit")  # holes in the unit layer are checked in any case
    if any("key_air_region" in r.in_region for r in rules) and catalog.has_kind("key_air_region"):
        wanted.append("key_air_region")
    return wanted


def plan(projects: gpd.GeoDataFrame, catalog, rules: RuleSet, lang: str,
         search_m: float) -> Job:
    """Decide what the whole batch shares: far-outside errors, the working CRS, the reach."""
    p = pd.DataFrame(projects.drop(columns=projects.geometry.name)).reset_index(drop=True)
    ok = (p["error"] == "").to_numpy().copy()
    threads = os.cpu_count() or 1  # before the tiles start, this process has the cores
    dense = to_crs_dense(projects.geometry, catalog.working_crs, threads)  # often the job's CRS
    far, far_text, source = far_outside(catalog, dense, ok, lang)
    p["error"] = np.where(far, far_text, p["error"].to_numpy(dtype=object))
    ok &= ~far
    boxes = [catalog.extent_lonlat]
    if ok.any():
        boxes.append(lonlat_bounds(gpd.GeoSeries(projects.geometry.values[ok], crs=projects.crs)))
    b = np.array(boxes, dtype=float)
    crs = working_crs((b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()))
    shown = np.asarray((dense if crs == dense.crs else to_crs_dense(projects.geometry, crs,
                                                                    threads)).values, dtype=object)
    fp = shown.copy()
    fp[~ok] = None
    kinds = wanted_kinds(rules, catalog)
    return Job(p, ok, fp, shown, crs, source, kinds, distances(rules, kinds),
               reach(rules, kinds, search_m), lang, search_m, np.arange(len(p)))


def layer_infos(catalog, kinds: list[str], crs, lang: str) -> tuple[list[dict], dict]:
    """Provenance and facts of every layer of ``kinds`` (whole layers), and why a kind is
    missing (``{kind: reason}``, only kinds without a usable layer).

    ``covers`` lists the districts over which a layer's data are complete (only for a layer
    whose entry has ``covers``; :mod:`geo.covers`). A layer of a kind in :data:`COVERAGE_KINDS` also has ``role`` (``"coverage"``): it sets the
    coverage area and the districts, whether or not a rule reads it.
    """
    infos, missing = [], {}
    for kind in kinds:
        label = get_kind(kind).label(lang)
        specs = [s for s in catalog.layers if s.kind == kind]
        unusable = []
        for spec in specs:
            facts = catalog.facts(spec.id, crs)
            infos.append({"layer_id": spec.id, "kind": kind, "label": label,
                          "source": spec.source, "date": spec.date,
                          **catalog.provenance(spec.id), "features": facts["features"],
                          "usable": facts["usable"], "accuracy_m": spec.accuracy_m,
                          "defaults": dict(spec.defaults),
                          "problems": [str(p) for p in facts["problems"]]}
                         | ({"role": "coverage"} if kind in COVERAGE_KINDS else {})
                         | ({"covers": _covers_named(catalog, spec)} if spec.covers else {}))
            if not facts["usable"]:
                unusable.append(spec.id)
        if len(unusable) == len(specs):
            missing[kind] = (TEXT[lang]["missing"].format(kind=kind, label=label) if not specs
                             else TEXT[lang]["unusable"].format(kind=kind, label=label,
                                                                ids=", ".join(unusable)))
    return infos, missing


def _covers_named(catalog, spec) -> list[str]:
    """The layer's ``covers`` as ``"南明区 (520102)"`` (``[]``: it covers the whole coverage
    area)."""
    return named(catalog, spec.covers or [])


def coverage_infos(catalog, kinds: list[str], crs, lang: str) -> list[dict]:
    """Provenance and facts of the layers that set the coverage area and the districts
    (:data:`COVERAGE_KINDS`) when no rule reads their kind (not in ``kinds``): they decided
    verdicts (partly or far outside the coverage) and districts, so a signed report lists them.

    An unusable one is listed too (the coverage then came from another source: the report says
    which); none is ever a missing layer: without one the coverage falls back by design
    (:func:`geo.coverage.coverage_area`).
    """
    extra = [k for k in COVERAGE_KINDS if k not in kinds and catalog.has_kind(k)]
    return layer_infos(catalog, extra, crs, lang)[0] if extra else []


def locate_errors(result: gpd.GeoDataFrame, job: Job, catalog) -> None:
    """Give the projects that could not be judged but whose footprint was read (a valid
    geometry) the ``size`` [m², m or points; on the ellipsoid, as a project far outside the region
    lies where the working CRS's scale is off by percents] and the ``admin_code`` / ``province`` that judged
    projects get, so that a reader can place them (review 23 F13: an error row in 修文县 had a
    blank district).

    Only an admin feature the footprint meets names its district: the catalog's ``[region]``
    code, which judged projects fall back to, would also name a project far outside it.
    """
    from geo.measure import geodesic_size
    from layers.regions import admin_codes_at

    g = np.asarray(job.shown, dtype=object)
    placed = ~job.ok & ~(shapely.is_missing(g) | shapely.is_empty(g))
    placed[placed] = shapely.is_valid(g[placed])
    if not placed.any() or "size" not in result:
        return
    idx = np.flatnonzero(placed)
    size = result["size"].to_numpy(dtype=float, copy=True)
    size[idx] = geodesic_size(g[idx], job.crs)  # many lie far outside the region
    result["size"] = size
    admin = admin_codes_at(catalog, g[idx], job.crs)
    found = (admin["how"] == "admin_boundary").to_numpy()
    for col in ("admin_code", "province"):
        values = result[col].to_numpy(dtype=object, copy=True)
        values[idx[found]] = admin[col].to_numpy(dtype=object)[found]
        result[col] = values


def assemble(job: Job, catalog, rules: RuleSet, parts: list) -> tuple[gpd.GeoDataFrame,
                                                                       pd.DataFrame]:
    """Join screened parts into the result and hits tables of the whole batch, in input order.

    Parameters
    ----------
    parts : list of (rows, result, hits)
        ``rows``: positions of the part's projects in the batch; ``result``: one row per project
        of the part; ``hits``: its hits with ``row`` counted within the part (the text columns
        of both packed or not: :func:`geo.grouping.pack_texts`).
    """
    order, results, hits, rows_hit = [], [], [], []
    for rows, result, hit in parts:
        order.append(np.asarray(rows, dtype=int))
        results.append(result)
        hits.append(hit)
        rows_hit.append(np.asarray(rows, dtype=np.int64)[hit["row"].to_numpy(dtype=int)])
    order = np.concatenate(order) if order else np.zeros(0, dtype=int)
    if not np.array_equal(np.sort(order), np.arange(len(job.p))):  # never a row lost or twice
        raise RuntimeError(f"the screened parts hold {len(order)} rows for {len(job.p)} "
                           "projects; no output is written from them")
    where = np.empty(len(order), dtype=int)
    where[order] = np.arange(len(order))
    result = take_rows(results, where) if results else pd.DataFrame()
    if hits:
        # a part's hits are in rule order project by project (screen_part sorts them) and each
        # project is in one part: a stable sort by project keeps that order
        row = np.concatenate(rows_hit)
        by_row = np.argsort(row, kind="stable")
        hit = take_rows(hits, by_row)
        hit["row"] = row[by_row]
    else:
        hit = pd.DataFrame(columns=[*HIT_COLUMNS, *HIT_EXTRA])
    out = gpd.GeoDataFrame(result, geometry=job.shown, crs=job.crs)
    locate_errors(out, job, catalog)
    infos, missing = layer_infos(catalog, job.kinds, job.crs, job.lang)
    out.attrs["layers"] = infos + coverage_infos(catalog, job.kinds, job.crs, job.lang)
    out.attrs["missing"] = list(missing.values())
    out.attrs["coverage"] = {"source": job.source, "label": SOURCES[job.source][job.lang],
                             "far_outside_m": FAR_OUTSIDE_M}
    out.attrs["rules"] = rules.name
    out.attrs["rule_files"] = [str(f) for f in rules.files]
    out.attrs["rule_notices"] = [str(n) for n in rules.notices]  # "English / 中文" each
    out.attrs["working_crs"] = job.crs.to_wkt()
    out.attrs["kinds"] = list(job.kinds)
    out.attrs["search_m"] = job.search_m
    return out, hit
