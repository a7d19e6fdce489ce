"""Screening: every project against every rule, with a verdict and its evidence.

:func:`screen` transforms the footprints to the working CRS chosen for the union extent of the
projects and the catalog, reads each layer kind the rules use once, runs one indexed overlay per
kind (:mod:`geo.overlay`) and evaluates every rule on the hit pairs with array operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.overlay import covered_share, footprint_measure, nearest, overlay_pairs
from geo.projects import normalize_projects, read_projects
from geo.rules import SEVERITY, Rule, RuleSet, load_rules
from layers.catalog import Catalog, load_catalog
from layers.crs import WGS84, working_crs
from layers.errors import CRSError
from layers.kinds import get_kind

HIT_COLUMNS = ("project_id", "rule_id", "outcome", "layer_id", "kind", "feature_id",
               "feature_name", "overlap_m2", "overlap_share", "distance_m", "message")
"""Columns of the hits table (one row per rule outcome), as written to ``screening_hits.csv``."""
SEARCH_M = 2000.0
"""Default radius [m] within which the nearest feature of each layer kind is reported."""
_WITHIN_SHARE = 1 - 1e-9


@dataclass
class _Kind:
    """The features of one layer kind (all its usable layers) and their pairs with the projects."""

    features: gpd.GeoDataFrame | None
    missing: str = ""
    pairs: pd.DataFrame | None = None
    layers: list[dict] = field(default_factory=list)


def _load_kind(catalog: Catalog, kind: str, crs, lang: str) -> _Kind:
    frames, layers, unusable = [], [], []
    for spec in catalog.layers:
        if spec.kind != kind:
            continue
        data = catalog.read(spec.id, crs)
        info = {"layer_id": spec.id, "kind": kind, "label": get_kind(kind).label(lang),
                "source": spec.source, "date": spec.date, **catalog.provenance(spec.id),
                "features": len(data.gdf), "usable": data.usable,
                "problems": [str(p) for p in data.problems]}
        layers.append(info)
        if not data.usable:
            unusable.append(spec.id)
            continue
        frames.append(data.gdf.assign(layer_id=spec.id, kind=kind))
    if not frames:
        why = (f"layer {kind} not provided" if not unusable else
               f"layer {kind} unusable ({', '.join(unusable)}: see its problems)")
        return _Kind(None, why, layers=layers)
    feats = pd.concat(frames, ignore_index=True)
    feats["_dim"] = shapely.get_dimensions(feats.geometry.values)
    return _Kind(gpd.GeoDataFrame(feats, geometry="geometry", crs=crs), layers=layers)


def _applicable(rule: Rule, p: pd.DataFrame) -> np.ndarray:
    a = rule.applies_to
    selectors = []
    if a.types:
        selectors.append(p["type"].isin(a.types).to_numpy())
    if a.industries:
        selectors.append(p["industry"].isin(a.industries).to_numpy())
    if a.two_high is not None:
        selectors.append((p["two_high"] == a.two_high).to_numpy())
    mask = np.logical_or.reduce(selectors) if selectors else np.ones(len(p), dtype=bool)
    flag = {f: (p[f] != "").to_numpy() if f == "allowed_activity" else p[f].astype(bool).to_numpy()
            for f in set(a.except_if) | set(a.require_any)}
    mask &= ~p["type"].isin(a.except_types).to_numpy()
    for f in a.except_if:
        mask &= ~flag[f]
    if a.require_any:
        mask &= np.logical_or.reduce([flag[f] for f in a.require_any])
    for value in rule.filter.values():
        if isinstance(value, dict):  # contains_project / lacks_project need the attribute
            mask &= (p[next(iter(value.values()))].fillna("").astype(str) != "").to_numpy()
    for f, value in rule.when.items():
        mask &= (p[f].astype(bool) == value).to_numpy()
    return mask & (p["error"] == "").to_numpy()


def _filter(rule: Rule, pairs: pd.DataFrame, p: pd.DataFrame) -> np.ndarray:
    keep = np.ones(len(pairs), dtype=bool)
    for key, value in rule.filter.items():
        col = pairs[key]
        if isinstance(value, dict):
            op, attr = next(iter(value.items()))
            pv = p[attr].to_numpy()[pairs["project"].to_numpy()]
            inside = np.array([bool(v) and v in (lst or []) for v, lst in zip(pv, col)], dtype=bool)
            keep &= inside if op == "contains_project" else np.array(
                [bool(v) for v in pv], dtype=bool) & ~inside
        elif isinstance(value, list):
            keep &= col.isin(value).to_numpy()
        else:
            keep &= (col == value).to_numpy()
    return keep


def _hits(rule: Rule, rows: pd.DataFrame, outcome, lang: str, labels: dict) -> pd.DataFrame:
    rows = rows.reset_index(drop=True)
    msg = np.full(len(rows), rule.message(lang), dtype=object)
    details = rule.details if all(d in rows.columns for d in rule.details) else []
    if details and len(rows):
        extra = [
            "; ".join(f"{labels.get(d, d)}: {r[d]}" for d in details if str(r[d]).strip())
            for _, r in rows[details].iterrows()]
        msg = np.array([f"{m} [{e}]" if e else m for m, e in zip(msg, extra)], dtype=object)
    return pd.DataFrame({
        "row": rows["project"].to_numpy(), "rule_id": rule.id, "outcome": outcome,
        "layer_id": rows.get("layer_id", ""), "kind": rows.get("kind", ""),
        "feature_id": rows.get("id", ""), "feature_name": rows.get("name", ""),
        "overlap_m2": rows.get("overlap_m2", np.nan), "overlap_share": rows.get("overlap_share",
                                                                                np.nan),
        "distance_m": rows.get("distance_m", np.nan), "message": msg,
        "confidence": rule.confidence, "source": rule.source, "title": rule.title(lang),
        "details": [{d: r[d] for d in details} for _, r in rows.iterrows()]
        if details else [{}] * len(rows),
    })


def _evaluate(rule: Rule, p, fp, kinds: dict[str, _Kind], lang: str,
              search_m: float) -> list[pd.DataFrame]:
    mask = _applicable(rule, p)
    idx = np.flatnonzero(mask)
    if not len(idx):
        return []
    if rule.relation == "none":
        return [_hits(rule, pd.DataFrame({"project": idx}), rule.outcome, lang, {})]
    missing = [kinds[k].missing for k in rule.layer + rule.unless_within if kinds[k].missing]
    if missing and (rule.outcome != "admitted" or len(missing) == len(rule.layer)):
        if rule.outcome == "admitted":
            return []
        why = "; ".join(missing)
        rows = pd.DataFrame({"project": idx, "kind": "+".join(rule.layer)})
        out = _hits(rule, rows, "review", lang, {})
        prefix = "图层缺失，未能核查" if lang == "zh" else "not checked"
        out["message"] = f"{why} ({prefix}: {rule.title(lang)}); {rule.message(lang)}"
        return [out]
    present = [k for k in rule.layer if not kinds[k].missing]
    labels = {}
    frames = []
    for k in present:
        kd = kinds[k]
        attrs = get_kind(k).attributes
        labels.update({a: attrs[a].label(lang) for a in rule.details if a in attrs})
        pr = kd.pairs
        pr = pr[mask[pr["project"].to_numpy()]]
        frames.append(pr.join(kd.features.drop(columns="geometry"), on="feature"))
    pairs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    pairs = pairs[_filter(rule, pairs, p)] if len(pairs) else pairs
    dims, size = footprint_measure(fp)
    if rule.relation == "within_distance":
        rows = pairs[pairs["distance_m"] <= rule.distance_m] if len(pairs) else pairs
        return [_hits(rule, rows, rule.outcome, lang, labels)] if len(rows) else []
    inter = pairs[pairs["intersects"]] if len(pairs) else pairs
    if len(inter):
        both_poly = (dims[inter["project"].to_numpy()] == 2) & (inter["_dim"].to_numpy() == 2)
        occupy = np.where(both_poly, inter["overlap_m2"].to_numpy() >= rule.tolerance_m2,
                          inter["interior"].to_numpy())
    else:
        occupy = np.zeros(0, dtype=bool)
    occ = inter[occupy] if len(inter) else inter
    share = covered_share(fp, occ) if len(occ) else np.zeros(len(fp))
    if rule.unless_within:
        cover = [kinds[k].pairs for k in rule.unless_within]
        c = pd.concat(cover, ignore_index=True)
        inside = _covered(covered_share(fp, c), dims, size, rule.tolerance_m2)
    else:
        inside = np.zeros(len(fp), dtype=bool)
    out = []
    if rule.relation == "intersects":
        fire = share > rule.min_share if rule.min_share else np.ones(len(fp), dtype=bool)
        fire &= ~inside
        rows = occ[fire[occ["project"].to_numpy()]] if len(occ) else occ
        if len(rows):
            out.append(_hits(rule, rows, rule.outcome, lang, labels))
        contact = inter[~occupy] if len(inter) else inter
        if len(contact) and not rule.min_share:
            out.append(_hits(rule, contact, "contact", lang, labels).assign(
                message=("仅边界接触（重叠小于容差），不计为占用" if lang == "zh" else
                         "boundary contact only (overlap below tolerance): not an occupation")))
        return out
    covered = _covered(share, dims, size, rule.tolerance_m2)
    fire = (covered if rule.relation == "within" else ~covered) & mask & ~inside
    fire_idx = np.flatnonzero(fire)
    if not len(fire_idx):
        return []
    best = (occ.sort_values(["project", "overlap_share"], ascending=[True, False])
            .drop_duplicates("project") if len(occ) else occ)
    rows = pd.DataFrame({"project": fire_idx})
    if len(best):
        rows = rows.merge(best.drop(columns=["overlap_share"]), on="project", how="left")
    rows["overlap_share"] = share[fire_idx]
    if rule.relation == "outside":
        feats = pd.concat([kinds[k].features for k in present], ignore_index=True)
        near = nearest(fp[fire_idx], feats.geometry.values, search_m)
        near["project"] = fire_idx[near["project"].to_numpy()]
        near = near.join(feats.drop(columns="geometry"), on="feature")
        no_overlap = rows[rows["overlap_share"] == 0][["project"]]
        rows = pd.concat([rows[rows["overlap_share"] > 0],
                          no_overlap.merge(near, on="project", how="left")], ignore_index=True)
        rows["overlap_share"] = rows["overlap_share"].fillna(0.0)
        rows = rows.sort_values("project", kind="stable")
    return [_hits(rule, rows, rule.outcome, lang, labels)]


def _covered(share: np.ndarray, dims: np.ndarray, size: np.ndarray, tol: float) -> np.ndarray:
    """Whether each footprint is covered: polygons within ``tol`` [m²], lines and points wholly."""
    by_area = ((1 - share) * size <= tol) if tol else share >= _WITHIN_SHARE
    return (dims >= 0) & np.where(dims == 2, by_area, share >= _WITHIN_SHARE)


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
        counts, ``size`` [m² for polygons, m for lines], ``nearest_<kind>_m`` [m]) in the working
        CRS; ``attrs`` holds ``layers`` (provenance), ``rules`` and ``working_crs``. The hits
        table has :data:`HIT_COLUMNS` plus ``row``, ``confidence``, ``source``, ``title`` and
        ``details``, sorted by project, rule and feature.
    """
    if not isinstance(catalog, Catalog):
        catalog = load_catalog(catalog)
    if not isinstance(rules, RuleSet):
        rules = load_rules(rules)
    if isinstance(projects, str | Path):
        projects, _ = read_projects(projects)
    elif "error" not in projects.columns:
        projects = normalize_projects(projects)
    if projects.crs is None:
        raise CRSError("the projects have no CRS; the toolkit never guesses one")
    p = pd.DataFrame(projects.drop(columns=projects.geometry.name)).reset_index(drop=True)
    ok = (p["error"] == "").to_numpy()
    lonlat = projects.geometry.to_crs(WGS84).values
    boxes = [catalog.extent_lonlat]
    if ok.any():
        boxes.append(gpd.GeoSeries(lonlat[ok]).total_bounds)
    b = np.array(boxes, dtype=float)
    crs = working_crs((b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()))
    fp = np.asarray(projects.geometry.to_crs(crs).values, dtype=object)
    fp[~ok] = None

    kinds: dict[str, _Kind] = {}
    for kind in rules.kinds:
        kd = _load_kind(catalog, kind, crs, lang)
        if kd.features is not None:
            dist = max([r.distance_m or 0 for r in rules if kind in r.layer] + [0])
            kd.pairs = overlay_pairs(fp, kd.features.geometry.values, dist, keep_geometry=True)
        kinds[kind] = kd

    iterator = rules.rules
    if progress:
        from tqdm import tqdm

        iterator = tqdm(iterator, desc="rules", unit="rule")
    frames = [f for rule in iterator for f in _evaluate(rule, p, fp, kinds, lang, search_m)]
    order = {r.id: i for i, r in enumerate(rules)}
    hits = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["row", *HIT_COLUMNS[1:], "confidence", "source", "title", "details"])
    hits["rule_order"] = hits["rule_id"].map(order)
    hits = hits.sort_values(["row", "rule_order"], kind="stable").drop(columns="rule_order")
    hits.insert(0, "project_id", p["project_id"].to_numpy()[hits["row"].to_numpy(dtype=int)])
    for col in ("layer_id", "kind", "feature_id", "feature_name"):
        hits[col] = hits[col].fillna("").astype(str)
    extra = [c for c in hits.columns if c not in HIT_COLUMNS]
    hits = hits[list(HIT_COLUMNS) + extra].reset_index(drop=True)

    result = _verdicts(p, hits, lang)
    dims, size = footprint_measure(fp)
    result["size"] = size
    for kind, kd in kinds.items():
        if kd.features is not None:
            near = nearest(fp, kd.features.geometry.values, search_m)
            col = np.full(len(p), np.nan)
            col[near["project"].to_numpy()] = near["distance_m"].to_numpy()
            result[f"nearest_{kind}_m"] = col
    out = gpd.GeoDataFrame(result, geometry=gpd.GeoSeries(projects.geometry.to_crs(crs).values,
                                                          crs=crs), crs=crs)
    out.attrs["layers"] = [info for kd in kinds.values() for info in kd.layers]
    out.attrs["missing"] = [kd.missing for kd in kinds.values() if kd.missing]
    out.attrs["rules"] = rules.name
    out.attrs["rule_files"] = [str(f) for f in rules.files]
    out.attrs["working_crs"] = crs.to_wkt()
    return out, hits


def _verdicts(p: pd.DataFrame, hits: pd.DataFrame, lang: str) -> pd.DataFrame:
    n = len(p)
    sev = np.zeros(n, dtype=int)
    rows = hits["row"].to_numpy(dtype=int)
    np.maximum.at(sev, rows, hits["outcome"].map(SEVERITY).to_numpy(dtype=int))
    names = {3: "prohibited", 2: "review", 1: "admitted", 0: "admitted"}
    verdict = np.array([names[s] for s in sev], dtype=object)
    counts = {o: np.bincount(rows[hits["outcome"].to_numpy() == o], minlength=n)
              for o in ("prohibited", "review", "admitted")}
    reasons = [""] * n
    worst = hits[hits["outcome"].isin(["prohibited", "review"])]
    worst = worst.assign(_s=worst["outcome"].map(SEVERITY)).sort_values(
        ["row", "_s"], ascending=[True, False], kind="stable")
    for r, g in worst.groupby("row"):
        reasons[int(r)] = "; ".join(dict.fromkeys(f"[{o}] {i}: {t}" for o, i, t in zip(
            g["outcome"], g["rule_id"], g["title"])))
    good = hits[hits["outcome"] == "admitted"]
    for r, g in good.groupby("row"):
        if not reasons[int(r)]:
            reasons[int(r)] = "; ".join(dict.fromkeys(f"{i}: {t}" for i, t in zip(
                g["rule_id"], g["title"])))
    note = "未触发限制性规则" if lang == "zh" else "no restricting rule fired"
    reasons = [r if r or v != "admitted" else note for r, v in zip(reasons, verdict)]
    err = p["error"].to_numpy()
    verdict = np.where(err != "", "error", verdict)
    reasons = np.where(err != "", err, np.array(reasons, dtype=object))
    front = p[["project_id", "name", "type", "industry"]].copy()
    front["verdict"] = verdict
    front["reasons"] = reasons
    front["n_prohibited"] = counts["prohibited"]
    front["n_review"] = counts["review"]
    front["n_admitted"] = counts["admitted"]
    rest = p.drop(columns=["project_id", "name", "type", "industry"])
    return pd.concat([front, rest], axis=1)
