"""Screening: every project against every rule, with a verdict and its evidence.

:func:`screen` first sets aside projects far outside the catalog's region (an ``error``), then
transforms the footprints (lon/lat edges densified) to the working CRS chosen for the union extent
of the projects and the catalog, reads each layer kind the rules use once, runs one indexed
overlay per kind (:mod:`geo.overlay`), finds each project's region (:mod:`geo.regions`) and
evaluates every rule with array operations (:mod:`geo.evaluate`). Coverage gaps and holes in the
control-unit layer are reported as ``review`` (:mod:`geo.coverage`), and so are layer features
that cannot be placed (:mod:`geo.unplaced`).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.coverage import FAR_OUTSIDE_M, GAP, OUTSIDE, SOURCES, coverage_hits, far_outside
from geo.evaluate import TEXT, Context, Kind, evaluate
from geo.overlay import edge_inside, footprint_measure, nearest, overlay_pairs
from geo.projects import NORMALIZED, normalize_projects, read_projects
from geo.regions import layer_membership, load_region, membership
from geo.rules import SEVERITY, RuleSet, load_rules
from geo.unplaced import UNPLACED, unplaced_hits
from layers.catalog import Catalog, load_catalog
from layers.crs import WGS84, to_crs_dense, working_crs
from layers.errors import CRSError
from layers.kinds import get_kind
from layers.regions import admin_codes_at

HIT_COLUMNS = ("project_id", "rule_id", "outcome", "layer_id", "kind", "feature_id",
               "feature_name", "overlap_m2", "overlap_share", "distance_m", "message", "check",
               "tolerance_m2")
"""Columns of the hits table (one row per rule outcome), as written to ``screening_hits.csv``.
``check`` says what the row is (:data:`geo.evaluate.CHECKS`): ``fired`` (the rule's finding),
``contact`` (overlap within ``tolerance_m2``), ``unknown`` (a fact the rule needs is unknown:
``review``), ``not_checked`` (its layer is missing: ``review``) or ``coverage`` (partly outside the
catalog's coverage, or in a hole of the control-unit layer: ``review``)."""
SEARCH_M = 2000.0
"""Default radius [m] within which the nearest feature of each layer kind is reported."""


def _load_kind(catalog: Catalog, kind: str, crs, lang: str) -> Kind:
    frames, layers, unusable = [], [], []
    for spec in catalog.layers:
        if spec.kind != kind:
            continue
        data = catalog.read(spec.id, crs)
        accuracy = spec.accuracy_m
        info = {"layer_id": spec.id, "kind": kind, "label": get_kind(kind).label(lang),
                "source": spec.source, "date": spec.date, **catalog.provenance(spec.id),
                "features": len(data.gdf), "usable": data.usable, "accuracy_m": accuracy,
                "defaults": dict(spec.defaults),
                "problems": [str(p) for p in data.problems]}
        layers.append(info)
        if not data.usable:
            unusable.append(spec.id)
            continue
        frames.append(data.gdf.assign(layer_id=spec.id, kind=kind,
                                      _accuracy_m=np.nan if accuracy is None else accuracy))
    label = get_kind(kind).label(lang)
    if not frames:
        why = (TEXT[lang]["missing"].format(kind=kind, label=label) if not unusable else
               TEXT[lang]["unusable"].format(kind=kind, label=label, ids=", ".join(unusable)))
        return Kind(None, why, layers=layers)
    feats = pd.concat(frames, ignore_index=True)
    feats["_dim"] = shapely.get_dimensions(feats.geometry.values)
    return Kind(gpd.GeoDataFrame(feats, geometry="geometry", crs=crs), layers=layers)


def _regions(rules: RuleSet, catalog: Catalog, kinds: dict, fp, crs, ok, lang: str):
    """Admin code, province and the region facts the rules need, per project."""
    admin = admin_codes_at(catalog, np.where(ok, fp, None), crs)
    needed = {r for rule in rules for r in rule.in_region}
    out = {}
    for region in sorted(needed):
        air = kinds.get("key_air_region")
        if region == "key_air_region" and air is not None and air.features is not None:
            out[region] = layer_membership(air.features.geometry.values, fp)
        else:
            out[region] = membership(load_region(region), admin["admin_code"], lang)
    return admin, out


def screen(
    projects: gpd.GeoDataFrame | str | Path,
    catalog: Catalog | str | Path,
    rules: RuleSet | list | str | Path | None = None,
    *,
    lang: str = "en",
    search_m: float = SEARCH_M,
    progress: bool = False,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Screen projects against a catalog's layers with a rule set.

    Parameters
    ----------
    projects : GeoDataFrame or path
        Footprints with attributes (see :func:`geo.projects.normalize_projects`); a path is read
        with :func:`geo.projects.read_projects`.
    catalog : Catalog or path
        The region's layers.
    rules : RuleSet, name, path or list, optional
        Default: the bundled national rule set.
    lang : {"en", "zh"}
        Language of messages and titles.
    search_m : float
        Radius [m] for the nearest-feature distances of layers a project does not touch.
    progress : bool
        Show a progress bar (tqdm) over the rules.

    Returns
    -------
    (GeoDataFrame, DataFrame)
        One row per project in input order (canonical attributes, ``verdict``, ``reasons``,
        counts, ``size`` [m² for polygons, m for lines], ``admin_code``, ``province``,
        ``outside_share`` (share outside the catalog's coverage), ``unit_gap_share`` (share in no
        control unit), ``nearest_<kind>_m`` [m]) in the working CRS; ``attrs`` holds ``layers``
        (provenance, with ``accuracy_m`` and the catalog's layer-wide ``defaults``), ``missing``
        (kinds not provided or unusable),
        ``coverage`` (how the coverage area was found), ``rules``, ``rule_files``,
        ``working_crs``, ``kinds`` (the layer kinds read, for the report's checklist) and
        ``search_m``. The hits table has :data:`HIT_COLUMNS` plus ``row``, ``confidence``,
        ``source``, ``title`` and ``details``, sorted by project and rule.
    """
    if not isinstance(catalog, Catalog):
        catalog = load_catalog(catalog)
    if not isinstance(rules, RuleSet):
        rules = load_rules(rules)
    if isinstance(projects, str | Path):
        projects, _ = read_projects(projects)
    elif not projects.attrs.get(NORMALIZED):
        projects = normalize_projects(projects)
    if projects.crs is None:
        raise CRSError("the projects have no CRS; the toolkit never guesses one")
    p = pd.DataFrame(projects.drop(columns=projects.geometry.name)).reset_index(drop=True)
    ok = (p["error"] == "").to_numpy().copy()
    far, far_text, source = far_outside(catalog, projects.geometry, ok, lang)
    p["error"] = np.where(far, far_text, p["error"].to_numpy(dtype=object))
    ok &= ~far
    lonlat = projects.geometry.to_crs(WGS84).values
    boxes = [catalog.extent_lonlat]
    if ok.any():
        boxes.append(gpd.GeoSeries(lonlat[ok]).total_bounds)
    b = np.array(boxes, dtype=float)
    crs = working_crs((b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()))
    fp = np.asarray(to_crs_dense(projects.geometry, crs).values, dtype=object)
    fp[~ok] = None

    kinds: dict[str, Kind] = {}
    wanted = list(rules.kinds)
    if catalog.has_kind("control_unit") and "control_unit" not in wanted:
        wanted.append("control_unit")  # holes in the unit layer are checked in any case
    if any("key_air_region" in r.in_region for r in rules) and catalog.has_kind("key_air_region"):
        wanted.append("key_air_region")
    for kind in wanted:
        kd = _load_kind(catalog, kind, crs, lang)
        if kd.features is not None:
            dist = max([r.distance_m or 0 for r in rules if kind in r.layer] + [0])
            ft = kd.features.geometry.values
            kd.pairs = overlay_pairs(fp, ft, dist, keep_geometry=True)
            acc = kd.features["_accuracy_m"].to_numpy(dtype=float)
            kd.pairs["edge_m"] = 0.0
            with_acc = ~np.isnan(acc[kd.pairs["feature"].to_numpy()])
            if with_acc.any():
                kd.pairs.loc[with_acc, "edge_m"] = edge_inside(fp, ft, kd.pairs[with_acc])
        kinds[kind] = kd

    dims, size = footprint_measure(fp)
    admin, regions = _regions(rules, catalog, kinds, fp, crs, ok, lang)
    ctx = Context(p, ok, fp, dims, size, kinds, regions, lang)
    frames, outside, gap = coverage_hits(ctx, catalog, crs, source)
    iterator = rules.rules
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, desc="rules", unit="rule")
    frames += [f for rule in iterator for f in evaluate(rule, ctx)]
    frames += unplaced_hits(rules, ctx, frames)  # features without a usable geometry
    hits = _sort_hits(frames, rules, p)

    result = _verdicts(p, hits, lang)
    result["size"] = size
    result["admin_code"] = admin["admin_code"].to_numpy()
    result["province"] = admin["province"].to_numpy()
    result["outside_share"] = outside
    result["unit_gap_share"] = gap
    for kind, kd in kinds.items():
        if kd.features is not None:
            near = nearest(fp, kd.features.geometry.values, search_m)
            col = np.full(len(p), np.nan)
            col[near["project"].to_numpy()] = near["distance_m"].to_numpy()
            result[f"nearest_{kind}_m"] = col
    out = gpd.GeoDataFrame(result, geometry=to_crs_dense(projects.geometry, crs).values, crs=crs)
    out.attrs["layers"] = [info for kd in kinds.values() for info in kd.layers]
    out.attrs["missing"] = [kd.missing for k, kd in kinds.items() if kd.missing]
    out.attrs["kinds"] = list(kinds)
    out.attrs["search_m"] = search_m
    out.attrs["coverage"] = {"source": source, "label": SOURCES[source][lang],
                             "far_outside_m": FAR_OUTSIDE_M}
    out.attrs["rules"] = rules.name
    out.attrs["rule_files"] = [str(f) for f in rules.files]
    out.attrs["working_crs"] = crs.to_wkt()
    return out, hits


def _sort_hits(frames: list[pd.DataFrame], rules: RuleSet, p: pd.DataFrame) -> pd.DataFrame:
    order = {OUTSIDE.id: -3, GAP.id: -2, UNPLACED.id: -1} | {r.id: i for i, r in
                                                             enumerate(rules)}
    extra = ["row", "confidence", "source", "title", "details"]
    hits = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=[*extra, *HIT_COLUMNS[1:]])
    hits["row"] = hits["row"].astype(int)  # also when no project got any hit
    for col in ("overlap_m2", "overlap_share", "distance_m", "tolerance_m2"):
        hits[col] = hits[col].astype(float)
    hits["rule_order"] = hits["rule_id"].map(order)
    hits = hits.sort_values(["row", "rule_order"], kind="stable").drop(columns="rule_order")
    hits.insert(0, "project_id", p["project_id"].to_numpy()[hits["row"].to_numpy(dtype=int)])
    for col in ("layer_id", "kind", "feature_id", "feature_name"):
        hits[col] = hits[col].fillna("").astype(str)
    hits = hits[list(HIT_COLUMNS) + [c for c in extra if c in hits.columns]]
    return hits.reset_index(drop=True)


def _verdicts(p: pd.DataFrame, hits: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per project: verdict (worst outcome), reasons, counts, then the attributes."""
    n = len(p)
    sev = np.zeros(n, dtype=int)
    rows = hits["row"].to_numpy(dtype=int)
    np.maximum.at(sev, rows, hits["outcome"].map(SEVERITY).to_numpy(dtype=int))
    verdict = np.array(["admitted", "admitted", "review", "prohibited", "error"],
                       dtype=object)[sev]
    counts = {o: np.bincount(rows[hits["outcome"].to_numpy() == o], minlength=n)
              for o in ("prohibited", "review", "admitted")}
    restrictive = hits[hits["outcome"].isin(["prohibited", "review"])]
    restrictive = restrictive.assign(_s=restrictive["outcome"].map(SEVERITY)).sort_values(
        ["row", "_s"], ascending=[True, False], kind="stable")
    text = "[" + restrictive["outcome"] + "] " + restrictive["rule_id"] + ": " + \
        restrictive["title"]
    reasons = pd.Series("", index=range(n), dtype=object)
    joined = text.groupby(restrictive["row"]).agg(lambda t: "; ".join(dict.fromkeys(t)))
    reasons.loc[joined.index] = joined.to_numpy()
    good = hits[hits["outcome"] == "admitted"]
    good_text = (good["rule_id"] + ": " + good["title"]).groupby(good["row"]).agg(
        lambda t: "; ".join(dict.fromkeys(t)))
    good_text = good_text[reasons.loc[good_text.index] == ""]
    reasons.loc[good_text.index] = good_text.to_numpy()
    note = "未触发限制性规则" if lang == "zh" else "no restricting rule fired"
    reasons = np.where((reasons.to_numpy() == "") & (verdict == "admitted"), note,
                       reasons.to_numpy())
    err = p["error"].to_numpy()
    verdict = np.where(err != "", "error", verdict)
    reasons = np.where(err != "", err, reasons)
    front = p[["project_id", "name", "type", "industry"]].copy()
    front["verdict"] = verdict
    front["reasons"] = reasons
    front["n_prohibited"] = counts["prohibited"]
    front["n_review"] = counts["review"]
    front["n_admitted"] = counts["admitted"]
    rest = p.drop(columns=["project_id", "name", "type", "industry"])
    return pd.concat([front, rest], axis=1)
