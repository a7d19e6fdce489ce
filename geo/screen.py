"""Screening: every project against every rule, with a verdict and its evidence.

:func:`screen` works in three steps:

1. :func:`geo.job.plan` decides what the whole batch shares: projects far outside the catalog's
   region become an ``error``, one working CRS is chosen for the union extent of the projects and
   the catalog, the footprints are transformed to it (lon/lat edges densified), and each layer
   kind the rules read gets its *reach* (how far from a footprint a feature can matter).
2. :func:`screen_part` screens a set of projects: it reads, for each kind, the features within
   reach of these footprints, runs one indexed overlay per kind (:mod:`geo.overlay`), finds each
   project's region (:mod:`geo.regions`), reports coverage gaps and holes in the control-unit
   layer (:mod:`geo.coverage`), evaluates every rule with array operations
   (:mod:`geo.evaluate`), reports layer features that cannot be placed (:mod:`geo.unplaced`)
   and rules not checked where a layer's ``covers`` ends (:mod:`geo.covers`), and gives each
   project its verdict. The whole batch is one part, or it
   is split into spatially compact tiles run on any executor (:mod:`geo.tiles`): each project is
   judged only by the features within its reach, so the results are the same.
3. :func:`geo.job.assemble` joins the parts in input order, with the facts of the whole layers.
"""

from __future__ import annotations

from concurrent.futures import Executor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.coverage import GAP, OUTSIDE, SLIVER, coverage_hits
from geo.covers import covers_hits
from geo.evaluate import Context, Kind, evaluate
from geo.grouping import group_join, pack_texts, row_key
from geo.hits import unchecked_hits
from geo.job import HIT_COLUMNS, HIT_EXTRA, Job, assemble, plan
from geo.measure import footprint_measure
from geo.overlay import edge_inside, nearest, overlay_pairs
from geo.projects import NORMALIZED, normalize_projects, read_projects
from geo.regions import layer_membership, load_region, membership
from geo.repaired import REPAIRED_RULE, repaired_hits
from geo.rules import SEVERITY, RuleSet, load_rules
from geo.tiles import TILE_PROJECTS
from geo.two_high import DECLARED_RULE, declared_hits
from geo.unplaced import UNPLACED, unplaced_hits
from layers.catalog import Catalog, load_catalog
from layers.errors import CRSError, in_lang
from layers.prepared import give_back_memory
from layers.regions import admin_codes_at

__all__ = ["HIT_COLUMNS", "SEARCH_M", "screen", "screen_part", "written_hits"]

SEARCH_M = 2000.0
"""Default radius [m] within which the nearest feature of each layer kind is reported."""


def screen(
    projects: gpd.GeoDataFrame | str | Path,
    catalog: Catalog | str | Path,
    rules: RuleSet | list | str | Path | None = None,
    *,
    lang: str = "en",
    search_m: float = SEARCH_M,
    progress=False,
    executor: Executor | None = None,
    tiles: int | None = None,
    stage_dir: str | Path | None = None,
    release=None,
    screened=None,
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
    progress : bool or text stream
        Show a progress bar (tqdm) over projects as tiles finish (on stderr, or that stream).
    executor : concurrent.futures.Executor, optional
        Screen spatially compact tiles on it (a process pool, a Dask cluster's executor; see
        :func:`geo.tiles.screen_tiles`). Default: in this process.
    tiles : int, optional
        Number of tiles (default: without an executor one part, or tiles of at most
        :data:`geo.tiles.TILE_PROJECTS` projects screened one after the other, so that memory
        stays bounded; a few per worker with one).
    stage_dir : path, optional
        Where layers without a fast form are staged for the executor's workers (default: a
        temporary folder; with a cluster, one every worker can read). See :mod:`geo.tiles`.
    release : callable, optional
        Called once every tile is screened, before the tables are joined: e.g. to stop the
        executor's workers so that their memory is free while the tables are joined.
    screened : callable, optional
        Called as ``screened(footprints, crs)`` once every tile is screened, before
        ``release``, with the footprints that become the result's geometry (an object array in
        the working CRS ``crs``): e.g. to start work on them while the tables are joined.

    Returns
    -------
    (GeoDataFrame, DataFrame)
        One row per project in input order (canonical attributes, ``verdict``, ``reasons``,
        counts, ``size`` [m² for polygons, m for lines], ``admin_code``, ``province``,
        ``outside_share`` (share outside the catalog's coverage), ``unit_gap_share`` (share in no
        control unit), ``nearest_<kind>_m`` [m]) in the working CRS; ``attrs`` holds ``layers``
        (provenance, with ``accuracy_m`` and the catalog's layer-wide ``defaults``; also the
        admin boundaries, which set the coverage area and the districts: ``role``), ``missing``
        (kinds the rules read, not provided or unusable),
        ``coverage`` (how the coverage area was found), ``rules``, ``rule_files``,
        ``rule_notices`` (:attr:`geo.rules.RuleSet.notices` as ``English / 中文`` strings),
        ``working_crs``, ``kinds`` (the layer kinds read, for the report's checklist) and
        ``search_m``. The hits table has :data:`HIT_COLUMNS` plus ``row``, ``confidence``,
        ``source``, ``title`` and ``details``, sorted by project and rule. The same whatever
        the tiles and the executor.
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
    if executor is not None:  # each layer validated once, in parallel, before planning
        from geo.tiles import stage

        stage(catalog, executor, stage_dir)
    job = plan(projects, catalog, rules, lang, search_m)
    if executor is None and not tiles and not progress and len(job.fp) <= TILE_PROJECTS:
        parts = [(job.rows, *screen_part(job, catalog, rules))]
    else:
        from geo.tiles import screen_tiles

        parts = screen_tiles(job, catalog, rules, executor, tiles, progress, stage_dir)
    if screened is not None:
        screened(job.shown, job.crs)
    if release is not None:
        release()
    result, hits = assemble(job, catalog, rules, parts)
    del parts
    give_back_memory()  # the parts were copied into the tables
    return result, hits


def screen_part(job: Job, catalog: Catalog, rules: RuleSet) -> tuple[pd.DataFrame,
                                                                       pd.DataFrame]:
    """Screen the projects of ``job`` (the whole batch or one tile of it).

    Returns
    -------
    (DataFrame, DataFrame)
        One row per project of the part (without geometry) and its hits, ``row`` counted
        within the part; the text columns of both packed (:func:`geo.grouping.pack_texts`).
    """
    near = catalog.near(job.windows(), job.crs)  # only features within reach are read
    dims, size = footprint_measure(job.fp)
    kinds = {kind: _load_kind(near, kind, job, (dims, size)) for kind in job.kinds}
    admin, regions = _regions(rules, near, kinds, job)
    ctx = Context(job.p, job.ok, job.fp, dims, size, kinds, regions, job.lang)
    frames, outside, gap = coverage_hits(ctx, near, job.crs, job.source)
    frames += repaired_hits(ctx)  # a shape nobody drew is never admitted
    frames += declared_hits(ctx)  # a 两高 industry declared not 两高
    noted = []  # rules not checked (a layer missing): their hits are made in one step
    frames += [frame for rule in rules for frame in evaluate(rule, ctx, noted)]
    extra = unplaced_hits(rules, ctx, frames)  # features without a usable geometry
    extra += covers_hits(rules, ctx, near, job.crs, frames)  # layers complete in some districts
    frames += [unchecked_hits(noted, ctx)] if noted else []  # before a rule's covers hits
    frames += extra
    hits = _hits(frames, rules, job.p)

    result = _verdicts(job.p, hits, job.lang)
    result["size"] = size
    result["admin_code"] = admin["admin_code"].to_numpy()
    result["province"] = admin["province"].to_numpy()
    result["outside_share"] = outside
    result["unit_gap_share"] = gap
    for kind, kd in kinds.items():
        if kd.features is not None:
            found = nearest(job.fp, kd.features.geometry.values, job.search_m, kd.pairs,
                            job.distance[kind])
            column = np.full(len(job.p), np.nan)
            column[found["project"].to_numpy()] = found["distance_m"].to_numpy()
            result[f"nearest_{kind}_m"] = column
    return pack_texts(result), pack_texts(hits)  # unpacked by assemble


def _load_kind(catalog: Catalog, kind: str, job: Job, measure: tuple) -> Kind:
    """The features of ``kind`` near the footprints (every usable layer) and their pairs
    (``measure``: :func:`geo.measure.footprint_measure` of the footprints)."""
    frames, why = [], ""
    for spec in catalog.layers:
        if spec.kind != kind:
            continue
        if not catalog.facts(spec.id, job.crs)["usable"]:
            continue
        data = catalog.read(spec.id, job.crs)
        accuracy = np.nan if spec.accuracy_m is None else spec.accuracy_m
        frames.append(data.gdf.assign(layer_id=spec.id, kind=kind, _accuracy_m=accuracy))
    if not frames:
        from geo.job import layer_infos

        why = layer_infos(catalog, [kind], job.crs, job.lang)[1][kind]
        return Kind(None, why)
    feats = pd.concat(frames, ignore_index=True)
    feats["_dim"] = shapely.get_dimensions(feats.geometry.values)
    kd = Kind(gpd.GeoDataFrame(feats, geometry="geometry", crs=job.crs))
    ft = kd.features.geometry.values
    kd.pairs = overlay_pairs(job.fp, ft, job.distance[kind], keep_geometry=True,
                             measure=measure)
    acc = kd.features["_accuracy_m"].to_numpy(dtype=float)
    kd.pairs["edge_m"] = 0.0
    with_acc = ~np.isnan(acc[kd.pairs["feature"].to_numpy()])
    if with_acc.any():
        kd.pairs.loc[with_acc, "edge_m"] = edge_inside(job.fp, ft, kd.pairs[with_acc])
    return kd


def _regions(rules: RuleSet, catalog: Catalog, kinds: dict, job: Job):
    """Admin code, province and the region facts the rules need, per project."""
    admin = admin_codes_at(catalog, np.where(job.ok, job.fp, None), job.crs)
    needed = {r for rule in rules for r in rule.in_region}
    out = {}
    for region in sorted(needed):
        air = kinds.get("key_air_region")
        if region == "key_air_region" and air is not None and air.features is not None:
            out[region] = layer_membership(air.features.geometry.values, job.fp)
        else:
            out[region] = membership(load_region(region), admin["admin_code"], job.lang)
    return admin, out


def _hits(frames: list[pd.DataFrame], rules: RuleSet, p: pd.DataFrame) -> pd.DataFrame:
    """The part's hits: by project, then by rule; ``project_id`` first, blanks as ``""``.

    Each column is taken in that order on its own with numpy (``iloc`` on the stacked frame
    took its 2-d block of texts, then the columns were selected, a copy of each again)."""
    frames = [f for f in frames if len(f)]
    hits = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        {c: pd.Series(dtype=float if c in ("overlap_m2", "overlap_m", "overlap_share", "distance_m",
                                           "tolerance_m2") else object)
         for c in [*HIT_EXTRA, *HIT_COLUMNS[1:]]}).assign(row=pd.Series(dtype=np.int64))
    order = _hit_order(hits, rules)
    row = hits["row"].to_numpy(dtype=np.int64)[order]
    out = {"project_id": pd.Series(p["project_id"].to_numpy()[row])}
    for col in [*HIT_COLUMNS[1:], *(c for c in HIT_EXTRA if c in hits.columns)]:
        if col == "row":
            out[col] = pd.Series(row, copy=False)
            continue
        values = hits[col].to_numpy()[order]
        if col in ("layer_id", "kind", "feature_id", "feature_name"):
            values = values.astype(object, copy=False)
            values[pd.isna(values)] = ""
            if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
                values = pd.Series(values, dtype=object).map(str).to_numpy(dtype=object)
        out[col] = pd.Series(values, dtype=values.dtype, copy=False)
    return pd.DataFrame(out, copy=False)


def _hit_order(hits: pd.DataFrame, rules: RuleSet) -> np.ndarray:
    """Positions of the hits by project, then by rule (coverage first, then the rule set's
    order), each rule's hits in their order."""
    order = {DECLARED_RULE.id: -5, REPAIRED_RULE.id: -4, OUTSIDE.id: -3, GAP.id: -2,
             SLIVER.id: -2, UNPLACED.id: -1} | {r.id: i for i, r in enumerate(rules)}
    codes, ids = pd.factorize(hits["rule_id"].to_numpy(dtype=object))  # a few ids, many rows
    key = hits["row"].to_numpy(dtype=np.int64) * (len(order) + 5) + \
        np.array([order[i] for i in ids], dtype=np.int64)[codes] + 5
    return np.argsort(key, kind="stable")


def _verdicts(p: pd.DataFrame, hits: pd.DataFrame, lang: str) -> pd.DataFrame:
    """One row per project: verdict (worst outcome), reasons, counts, then the attributes."""
    n = len(p)
    rows = hits["row"].to_numpy(dtype=np.int64)
    outcome = hits["outcome"].to_numpy(dtype=object)
    codes, kinds = pd.factorize(outcome)
    severity = np.array([SEVERITY[o] for o in kinds], dtype=int)[codes]
    sev = np.zeros(n, dtype=int)
    np.maximum.at(sev, rows, severity)
    verdict = np.array(["admitted", "admitted", "review", "prohibited", "error"],
                       dtype=object)[sev]
    counts = {o: np.bincount(rows[outcome == o], minlength=n)
              for o in ("prohibited", "review", "admitted")}
    column = {c: hits[c].to_numpy(dtype=object) for c in ("rule_id", "title", "check")}
    restrictive = np.flatnonzero(np.isin(outcome, ["prohibited", "review"]))
    at = restrictive[np.lexsort((-severity[restrictive], rows[restrictive]))]  # worst first
    reasons = _join_per_row(*_reason_texts(rows[at], outcome[at], column["rule_id"][at],
                                           column["title"][at], column["check"][at]), rows[at], n)
    good = np.flatnonzero(outcome == "admitted")
    ids, title = column["rule_id"][good], column["title"][good]
    code = row_key(np.zeros(len(good), dtype=np.int64), ids, title)
    good_text = _join_per_row(*_once(code, lambda first: ids[first] + ": " + title[first]),
                              rows[good], n)
    reasons = np.where(reasons == "", good_text, reasons)
    note = "未触发限制性规则" if lang == "zh" else "no restricting rule fired"
    reasons = np.where((reasons == "") & (verdict == "admitted"), note, reasons)
    err = p["error"].to_numpy(dtype=object)
    if lang == "zh":  # bilingual messages (the error, the repair note), Chinese first
        err = np.array([in_lang(e, lang) if e else "" for e in err], dtype=object)
        p = p.assign(error=err)
        if "repaired" in p:
            p = p.assign(repaired=[in_lang(r, lang) if isinstance(r, str) and r else r
                                   for r in p["repaired"]])
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


def _reason_texts(rows: np.ndarray, outcome: np.ndarray, ids: np.ndarray, title: np.ndarray,
                  check: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``[outcome] rule_id: title`` per hit, the rules of a project not checked for want of the
    same layer named together (``[review] rule_a, rule_b: not checked: layer … not provided``):
    a catalog without a layer leaves a dozen rules unchecked on every project, and one text per
    missing layer says so without repeating it. Each distinct text is built once (see
    :func:`_once`: the texts and their codes)."""
    unchecked = check == "not_checked"
    if unchecked.any():
        key = row_key(rows[unchecked], title[unchecked])
        ids = ids.copy()
        ids[unchecked] = group_join(key, ids[unchecked], int(key.max()) + 1, ", ")[key]
    code = row_key(np.zeros(len(rows), dtype=np.int64), outcome, ids, title)
    return _once(code, lambda first: "[" + outcome[first] + "] " + ids[first] + ": "
                 + title[first])


def _once(code: np.ndarray, make) -> tuple[np.ndarray, np.ndarray]:
    """Texts built once per distinct ``code`` (dense, 0 …): ``make(first)`` gives the texts of
    the rows ``first`` (one of each code). Returns the text of every row and a code of its text
    (equal codes for equal texts), so that they are not hashed again."""
    first = np.flatnonzero(~pd.Index(code).duplicated())
    text = np.empty(len(first), dtype=object)
    text[code[first]] = make(first)
    return text[code], pd.factorize(text)[0][code]


def _join_per_row(texts: np.ndarray, codes: np.ndarray, rows: np.ndarray, n: int) -> np.ndarray:
    """Per row 0..n-1, its distinct texts in order joined with ``"; "`` (``""`` when none);
    ``codes``: equal for equal texts (see :func:`_once`)."""
    once = ~pd.Index(np.asarray(rows, dtype=np.int64) * (int(codes.max(initial=0)) + 1)
                     + codes).duplicated() if len(texts) else np.zeros(0, dtype=bool)
    return group_join(rows[once], np.asarray(texts, dtype=object)[once], n, "; ")


def written_hits(result: pd.DataFrame, hits: pd.DataFrame, columns: list[str],
                 pieces: bool = False) -> pd.DataFrame | list[pd.DataFrame]:
    """The hits as the tables write them (``screening_hits.csv``, the workbook's hits):
    ``columns`` of every rule outcome, and for each project that could not be judged (verdict
    ``error``: no usable outline, a duplicate id, an unknown type ...) one row of outcome and
    check ``error`` whose message is its error, so that every input row is in the hits table
    too; in input order.

    Parameters
    ----------
    result, hits
        The two tables of :func:`screen` (``hits`` with its ``row`` column).
    columns : list of str
        The columns written.
    pieces : bool
        Return the table as consecutive pieces to write one after the other: slices of
        ``hits`` (views, not copies: at 100,000 projects the hits are 1.9 M rows, and a copy
        made in a forked writer would copy every text it touches) between the error rows.
        Where the errors lie in more than :data:`_PIECES_MAX` places, one table.
    """
    bad = np.flatnonzero(result["verdict"].astype(str).to_numpy() == "error")
    shown = hits[columns]
    if not len(bad):
        return [shown] if pieces else shown
    rows = hits["row"].to_numpy(dtype=np.int64)
    if len(rows) > 1 and (rows[1:] < rows[:-1]).any():  # screen's are sorted; another's may not
        order = np.argsort(rows, kind="stable")
        shown, rows = shown.iloc[order], rows[order]
    at = np.searchsorted(rows, bad, side="right")  # error projects have no hits of their own
    errors = pd.DataFrame({c: pd.Series([None] * len(bad), dtype=object) for c in columns})
    for c, v in (("project_id", result["project_id"].iloc[bad].to_numpy(dtype=object)),
                 ("outcome", "error"), ("check", "error"),
                 ("message", result["reasons"].iloc[bad].to_numpy(dtype=object))):
        if c in errors:
            errors[c] = v
    cuts = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])  # errors at one place go together
    if not pieces or len(cuts) > _PIECES_MAX:
        both = pd.concat([shown, errors], ignore_index=True)  # error k before hit at[k]
        key = np.r_[np.arange(len(shown)) * 2 + 1, at * 2]
        out = both.iloc[np.argsort(key, kind="stable")].reset_index(drop=True)
        return [out] if pieces else out
    out, start = [], 0
    for k, first in enumerate(cuts):
        stop = cuts[k + 1] if k + 1 < len(cuts) else len(bad)
        out += [shown.iloc[start:at[first]], errors.iloc[first:stop]]
        start = at[first]
    return [*out, shown.iloc[start:]]


_PIECES_MAX = 1000
"""Most places of error rows for which :func:`written_hits` gives pieces (each piece is
encoded on its own)."""
