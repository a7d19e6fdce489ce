"""Evaluate one rule on every project at once: three-valued conditions, hits with evidence.

A rule's condition is the three-valued conjunction (:mod:`geo.facts`) of its project facts
(``except_if``, ``require_any``, ``when``, ``in_region``) and, per (project, feature) pair, of its
feature ``filter``. Where it is true the rule yields its outcome; where it is unknown a restrictive
rule yields ``review`` with ``check = "unknown"`` naming the fact; a rule whose layer is missing
yields ``review`` with ``check = "not_checked"``. Everything is computed with array operations on
the pairs of :func:`geo.overlay.overlay_pairs`; messages are built per rule, never per row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import facts
from geo.conditions import Context, Kind, feature_condition, project_condition, selected
from geo.facts import F, T, Tri, U
from geo.grouping import repeated
from geo.hits import hits_frame, missing_kinds, unchecked_hits
from geo.overlay import nearest
from geo.rules import Rule
from layers.kinds import get_kind

__all__ = ["CHECKS", "OUTSIDE_NEAREST_M", "TEXT", "Context", "Kind", "evaluate",
           "hits_frame"]

CHECKS = ("fired", "contact", "unknown", "not_checked", "coverage")
"""Values of the hits' ``check`` column: the rule's finding, a boundary contact, a fact unknown,
a layer missing, the catalog's coverage (see :mod:`geo.coverage`)."""
OUTSIDE_NEAREST_M = 2000.0
"""Radius [m] within which an ``outside`` rule names the nearest feature a project misses."""
_WITHIN_SHARE = 1 - 1e-9
_CONTACT_SHARE = 0.5
"""Share of a polygon footprint [0-1] at and above which its part in a rule's features is no
boundary contact, however few m² it is. A boundary contact is a sliver along the edge of the
footprint, so by definition the lesser part of it; a footprint at least half in the features
stands in them rather than touching them, and the tolerance, meant for digitising slivers along
a shared edge (POLICY.md), does not apply. Only footprints of at most
twice the pair's tolerance (2 m² by default: a mast or pylon footing) are affected, and a
footprint wholly inside a feature is always an occupation, as a point there is."""

TEXT = {
    "en": {"not_checked": "not checked: {why}; provide the layer or verify this rule by hand",
           "not_checked_title": "not checked: {why}",
           "unknown": "not determined, a fact is unknown: {reason}; verify it by hand "
                      "(treated as review)",
           "unknown_title": "undetermined (fact unknown): {title}",
           "contact": "boundary contact only: overlap {overlap} m² is within the tolerance "
                      "{tol} m² ({share} of the footprint{acc}) and is under half the footprint; "
                      "not an occupation",
           "acc": "; layer accuracy {a} m",
           "doubt": "overlap {overlap} m² ({share} of the footprint) lies within the layer's "
                    "positional uncertainty (accuracy {a} m along the boundary: {tol} m²), so "
                    "whether the project occupies the feature cannot be told from the data; "
                    "verify the boundary on site or with the authority's data",
           "missing": "layer {kind} not provided", "unusable": "layer {kind} unusable ({ids}: "
                                                               "see its problems)"},
    "zh": {"not_checked": "未核查：{why}；请补充图层或人工核实本规则",
           "not_checked_title": "未核查：{why}",
           "unknown": "无法判定（事实未知）：{reason}；请人工核实（按需论证处理）",
           "unknown_title": "无法判定（事实未知）：{title}",
           "contact": "仅边界接触：重叠 {overlap} m² 在容差 {tol} m² 以内（占项目 {share}{acc}）且不足"
                      "项目的一半，不计为占用",
           "acc": "；图层精度 {a} m",
           "doubt": "重叠 {overlap} m²（占项目 {share}）在图层定位误差范围内（精度 {a} m 沿边界：{tol} m²），"
                    "无法据数据判断项目是否占用该要素；请现场或依主管部门数据核实边界",
           "missing": "未提供图层 {kind}（{label}）", "unusable": "图层 {kind}（{label}）不可用（{ids}：见其问题）"},
}


def _text(lang: str, key: str, **values) -> str:
    return TEXT[lang][key].format(**values)


def _pair_rows(kd_rows: pd.DataFrame) -> dict:
    return {"row": kd_rows["project"].to_numpy(), "layer_id": kd_rows["layer_id"].to_numpy(),
            "kind": kd_rows["kind"].to_numpy(), "feature_id": kd_rows["id"].to_numpy(),
            "feature_name": kd_rows["name"].to_numpy(),
            "overlap_m2": kd_rows["overlap_m2"].to_numpy(),
            "length_m": kd_rows["length_m"].to_numpy(),
            "overlap_share": kd_rows["overlap_share"].to_numpy(),
            "distance_m": kd_rows["distance_m"].to_numpy(),
            "tolerance_m2": kd_rows["tolerance_m2"].to_numpy()}


def _fired_message(rule: Rule, ctx: Context, rows: pd.DataFrame, notes: np.ndarray,
                   kd_labels: dict) -> tuple[np.ndarray, list]:
    """The rule's message with its details and claim texts, per row (array operations)."""
    lang = ctx.lang
    msg = repeated(rule.message(lang), len(rows))
    details = [d for d in rule.details if d in rows.columns]
    if details and len(rows):
        extra = np.full(len(rows), "", dtype=object)
        for d in details:
            attr = kd_labels.get(d)  # the attribute: its label, and its values' words
            text = rows[d].fillna("").astype(str).str.strip()
            if attr is not None and attr.words_zh and lang == "zh":
                words = text.map(dict(attr.words_zh))
                text = words.where(words.notna(), text)
            text = text.to_numpy(dtype=object)
            item = (attr.label(lang) if attr is not None else d) + ": " + text
            extra = np.where(text == "", extra, np.where(extra == "", item, extra + "; " + item))
        msg = np.where(extra != "", msg + " [" + extra + "]", msg)
    claim = notes[rows["project"].to_numpy()] if len(rows) else np.array([], dtype=object)
    msg = np.where(claim != "", msg + " (" + claim + ")", msg)
    columns = [rows[d].to_numpy(dtype=object) for d in details]
    records = [dict(zip(details, values, strict=True)) for values in zip(*columns, strict=True)] \
        if details else [{}] * len(rows)
    return msg.astype(object), records


def _unknown_message(lang: str, reason: np.ndarray) -> np.ndarray:
    head, tail = TEXT[lang]["unknown"].split("{reason}")
    return (head + np.asarray(reason, dtype=object) + tail).astype(object)


def evaluate(rule: Rule, ctx: Context, unchecked: list | None = None) -> list[pd.DataFrame]:
    """Every hit of ``rule``: its outcome, contacts, unknowns and not-checked rows.

    ``unchecked``: a list to which a rule not checked (a layer missing) is added instead
    (:func:`geo.hits.unchecked_hits` makes their hits).

    Returns
    -------
    list of DataFrame
        Frames of :func:`hits_frame` (possibly empty list).
    """
    lang = ctx.lang
    sel = selected(rule, ctx.p, ctx.ok)
    if not sel.any():
        return []
    cond, notes = project_condition(rule, ctx)
    live = sel & (cond.value != F)
    if not live.any():
        return []
    restrictive = rule.outcome != "admitted"
    unknown_title = _text(lang, "unknown_title", title=rule.title(lang))
    if rule.relation == "none":
        out = []
        fire = np.flatnonzero(live & (cond.value == T))
        if len(fire):
            msg = repeated(rule.message(lang), len(fire))
            msg = np.where(notes[fire] != "", msg + " (" + notes[fire] + ")", msg)
            out.append(hits_frame(rule, ctx, {"row": fire, "kind": ""}, rule.outcome, "fired",
                                  msg, rule.title(lang)))
        unk = np.flatnonzero(live & (cond.value == U))
        if len(unk) and restrictive:
            out.append(hits_frame(rule, ctx, {"row": unk, "kind": ""}, "review", "unknown",
                                  _unknown_message(lang, cond.reason[unk]), unknown_title))
        return out

    missing = missing_kinds(rule, ctx)
    if missing and (restrictive or len(missing) == len(rule.layer)):
        if not restrictive:
            return []
        noted = [(rule, np.flatnonzero(live), missing)]
        if unchecked is None:
            return [unchecked_hits(noted, ctx)]
        unchecked += noted
        return []
    return _spatial(rule, ctx, live, cond, notes, unknown_title)


def _spatial(rule: Rule, ctx: Context, live, cond: Tri, notes, unknown_title):
    lang = ctx.lang
    restrictive = rule.outcome != "admitted"
    present = [k for k in rule.layer if not ctx.kinds[k].missing]
    frames, labels = [], {}
    for k in present:
        kd = ctx.kinds[k]
        attrs = get_kind(k).attributes
        labels.update({a: attrs[a] for a in rule.details if a in attrs})
        pr = kd.pairs[live[kd.pairs["project"].to_numpy()]]
        if rule.relation == "within_distance":
            pr = pr[pr["distance_m"].to_numpy() <= rule.distance_m]
        f = pr["feature"].to_numpy()
        # kept as objects: as text columns pandas would copy them into Arrow strings, and
        # every hit taken from them back into objects
        extra = {c: pd.Series(kd.column(c)[f], index=pr.index, dtype=object)
                 for c in ("layer_id", "kind", "id", "name", "_dim", "_accuracy_m")}
        extra.update({d: kd.column(d)[f] for d in rule.details if d in attrs})
        fc = feature_condition(rule, kd, f, pr["project"].to_numpy(), ctx.p, lang)
        tri = cond.take(pr["project"].to_numpy()) & fc
        frames.append(pr.assign(**extra, _tri=tri.value,
                                _why=pd.Series(tri.reason, index=pr.index, dtype=object)))
    pairs = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    pairs = pairs[pairs["_tri"].to_numpy() != F] if len(pairs) else pairs
    if len(pairs):
        acc = pairs["_accuracy_m"].to_numpy(dtype=float)
        pairs["tolerance_m2"] = np.maximum(rule.tolerance_m2,
                                           np.nan_to_num(acc) * pairs["edge_m"].to_numpy())
    out = []

    def emit(rows: pd.DataFrame, outcome):
        if not len(rows):
            return
        base = _pair_rows(rows)
        if outcome == "unknown":
            if restrictive:
                out.append(hits_frame(rule, ctx, base, "review", "unknown",
                                      _unknown_message(lang, rows["_why"].to_numpy()),
                                      unknown_title))
            return
        msg, details = _fired_message(rule, ctx, rows, notes, labels)
        out.append(hits_frame(rule, ctx, {**base, "details": details}, outcome, "fired", msg,
                              rule.title(lang)))

    if rule.relation == "within_distance":
        emit(pairs[pairs["_tri"] == T], rule.outcome)
        emit(pairs[pairs["_tri"] == U], "unknown")
        return out
    inter = pairs[pairs["intersects"].to_numpy(dtype=bool)] if len(pairs) else pairs
    occupy = _occupies(ctx, inter) if len(inter) else np.zeros(0, dtype=bool)
    occ = inter[occupy] if len(inter) else inter
    occ_t = occ[occ["_tri"] == T] if len(occ) else occ
    occ_u = occ[occ["_tri"] == U] if len(occ) else occ
    # the share covered (a union per footprint) only where it is used: an ``intersects`` rule
    # without ``min_share`` fires on any occupation (0.7 s of CPU in a tile of 12,500)
    measured = rule.relation != "intersects" or rule.min_share
    share_t = ctx.covered(occ_t) if len(occ_t) and measured else np.zeros(len(ctx.fp))
    inside = np.zeros(len(ctx.fp), dtype=bool)
    if rule.unless_within:
        cover = pd.concat([ctx.kinds[k].pairs for k in rule.unless_within], ignore_index=True)
        inside = _covered(ctx.covered(cover), ctx.dims, ctx.size,
                          rule.tolerance_m2)
    if rule.relation == "intersects":
        fire = share_t > rule.min_share if rule.min_share else np.ones(len(ctx.fp), dtype=bool)
        fire &= ~inside
        emit(occ_t[fire[occ_t["project"].to_numpy()]] if len(occ_t) else occ_t, rule.outcome)
        emit(occ_u[~inside[occ_u["project"].to_numpy()]] if len(occ_u) else occ_u, "unknown")
        contact = inter[~occupy] if len(inter) else inter
        # beyond the rule's own tolerance, only the layer's stated accuracy made it contact:
        # whether it occupies the feature is then unknown, never a pass
        maybe = contact["overlap_m2"].to_numpy(dtype=float) > rule.tolerance_m2 \
            if len(contact) else np.zeros(0, dtype=bool)
        if maybe.any():
            doubt = contact[maybe]
            could = ~inside
            if rule.min_share:  # only where the doubtful part could make the share
                both = pd.concat([occ_t, doubt[doubt["_tri"] == T]], ignore_index=True)
                could &= ~fire & (ctx.covered(both) > rule.min_share)
            doubt = doubt[could[doubt["project"].to_numpy()]]
            why = _accuracy_doubt(ctx, doubt)
            known = doubt["_tri"].to_numpy() == T
            emit(doubt.assign(_why=np.where(known, why, doubt["_why"].to_numpy(dtype=object)
                                            + "; " + why)), "unknown")
        if (~maybe).any() and not rule.min_share:
            out.append(_contact(rule, ctx, contact[~maybe]))
        return out
    return out + _coverage_relation(rule, ctx, live, cond, occ, occ_t, occ_u, share_t, inside,
                                    present, notes, labels, unknown_title)


def _occupies(ctx: Context, inter: pd.DataFrame) -> np.ndarray:
    """Which intersecting pairs occupy their feature; the others are boundary contacts.

    A line or point occupies a feature when it meets the feature's interior. A polygon footprint
    occupies a polygon feature when the overlap exceeds the pair's ``tolerance_m2`` [m²] or when
    the footprint's parts within the tolerance in the rule's features, together, are at least
    :data:`_CONTACT_SHARE` of it: then it stands in them, it does not touch them. Known matches
    (``_tri`` true) are measured among themselves; a pair whose match is unknown counts the
    known ones too, so it can only add a ``review``.

    Parameters
    ----------
    ctx : Context
        The screening (footprints, their dimensions).
    inter : DataFrame
        Intersecting pairs with ``project``, ``_dim``, ``_tri``, ``overlap_m2`` [m²],
        ``tolerance_m2`` [m²], ``interior`` and ``geometry`` (the overlap).

    Returns
    -------
    ndarray of bool
        One value per row of ``inter``.
    """
    proj = inter["project"].to_numpy()
    both_poly = (ctx.dims[proj] == 2) & (inter["_dim"].to_numpy() == 2)
    small = both_poly & (inter["overlap_m2"].to_numpy() <= inter["tolerance_m2"].to_numpy())
    known = inter["_tri"].to_numpy() == T
    stands = np.zeros(len(inter), dtype=bool)
    if small.any():
        share_t = ctx.covered(inter[small & known])
        share_tu = ctx.covered(inter[small])
        stands = np.where(known, share_t[proj], share_tu[proj]) >= _CONTACT_SHARE
    return np.where(both_poly, ~small | stands, inter["interior"].to_numpy(dtype=bool))


def _num(values, spec: str) -> np.ndarray:
    """Numbers as text (``spec`` a printf format such as ``%.2f``), element-wise."""
    return np.char.mod(spec, np.nan_to_num(np.asarray(values, dtype=float))).astype(object)


def _accuracy_doubt(ctx: Context, pairs: pd.DataFrame) -> np.ndarray:
    """Why an overlap beyond the rule's tolerance but within the layer's positional accuracy is
    undetermined: the numbers (overlap, share of the footprint, accuracy × edge = tolerance)."""
    size = ctx.size[pairs["project"].to_numpy()]
    overlap = pairs["overlap_m2"].to_numpy(dtype=float)
    share = np.where(size > 0, overlap / np.where(size > 0, size, 1.0), 0.0) * 100
    return facts.fill(TEXT[ctx.lang]["doubt"], overlap=_num(overlap, "%.2f"),
                      share=_num(share, "%.2f") + "%",
                      a=_num(pairs["_accuracy_m"].to_numpy(dtype=float), "%g"),
                      tol=_num(pairs["tolerance_m2"].to_numpy(dtype=float), "%.1f"))


def _contact(rule: Rule, ctx: Context, contact: pd.DataFrame) -> pd.DataFrame:
    """Boundary contacts: overlaps within the pair's tolerance, with the numbers shown."""
    lang = ctx.lang
    size = ctx.size[contact["project"].to_numpy()]
    tol = contact["tolerance_m2"].to_numpy(dtype=float)
    acc = contact["_accuracy_m"].to_numpy(dtype=float)
    share = np.where(size > 0, tol / np.where(size > 0, size, 1.0), 0.0) * 100
    acc_text = np.where(np.isnan(acc), "", facts.fill(TEXT[lang]["acc"], a=_num(acc, "%g")))
    msg = facts.fill(TEXT[lang]["contact"], overlap=_num(contact["overlap_m2"], "%.2f"),
                     tol=_num(tol, "%.1f"), share=_num(share, "%.2f") + "%", acc=acc_text)
    return hits_frame(rule, ctx, _pair_rows(contact), "contact", "contact", msg,
                      rule.title(lang))


def _covered(share: np.ndarray, dims: np.ndarray, size: np.ndarray, tol: float) -> np.ndarray:
    """Whether each footprint is covered: polygons within ``tol`` [m²], lines and points wholly.

    A polygon's uncovered part within the tolerance must also be its lesser part (share at
    least :data:`_CONTACT_SHARE`): a footprint smaller than the tolerance is not covered by
    features it barely touches or misses."""
    by_area = (((1 - share) * size <= tol) & (share >= _CONTACT_SHARE) if tol
               else share >= _WITHIN_SHARE)
    return (dims >= 0) & np.where(dims == 2, by_area, share >= _WITHIN_SHARE)


def _coverage_relation(rule, ctx, live, cond, occ, occ_t, occ_u, share_t, inside, present,
                       notes, labels, unknown_title):
    """``within`` / ``outside``: fire where (not) covered by the matching features."""
    lang = ctx.lang
    occ_tu = pd.concat([occ_t, occ_u]) if len(occ_u) else occ_t
    share_tu = ctx.covered(occ_tu) if len(occ_tu) else share_t
    cov_t = _covered(share_t, ctx.dims, ctx.size, rule.tolerance_m2)
    cov_tu = _covered(share_tu, ctx.dims, ctx.size, rule.tolerance_m2)
    c = cond.value
    if rule.relation == "within":
        fire = cov_t & (c == T)
        unknown = (cov_tu & ~cov_t & (c != F)) | (cov_t & (c == U))
    else:
        fire = ~cov_tu & (c == T)
        unknown = (~cov_t & cov_tu & (c != F)) | (~cov_tu & (c == U))
    fire &= live & ~inside
    unknown &= live & ~inside & ~fire
    out = []
    idx = np.flatnonzero(unknown)
    if len(idx) and rule.outcome != "admitted":
        why = cond.reason[idx]
        why = np.where(why == "", "a matching feature's attribute is unknown", why)
        out.append(hits_frame(rule, ctx, {"row": idx}, "review", "unknown",
                              _unknown_message(lang, why), unknown_title))
    fire_idx = np.flatnonzero(fire)
    if not len(fire_idx):
        return out
    best = (occ_t.sort_values(["project", "overlap_share"], ascending=[True, False],
                              kind="stable").drop_duplicates("project") if len(occ_t) else occ_t)
    rows = pd.DataFrame({"project": fire_idx})
    if len(best):
        rows = rows.merge(best.drop(columns=["overlap_share"]), on="project", how="left")
    rows["overlap_share"] = share_t[fire_idx]
    if rule.relation == "outside":
        feats = pd.concat([ctx.kinds[k].features for k in present], ignore_index=True)
        near = nearest(ctx.fp[fire_idx], feats.geometry.values, OUTSIDE_NEAREST_M)
        near["project"] = fire_idx[near["project"].to_numpy()]
        near = near.join(feats.drop(columns="geometry"), on="feature")
        no_overlap = rows[rows["overlap_share"] == 0][["project"]]
        rows = pd.concat([rows[rows["overlap_share"] > 0],
                          no_overlap.merge(near, on="project", how="left")], ignore_index=True)
        rows["overlap_share"] = rows["overlap_share"].fillna(0.0)
        rows = rows.sort_values("project", kind="stable")
    for col in ("layer_id", "kind", "id", "name"):
        rows[col] = rows[col].fillna("") if col in rows else ""
    for col in ("overlap_m2", "length_m", "distance_m", "tolerance_m2"):
        if col not in rows:
            rows[col] = np.nan
    msg, details = _fired_message(rule, ctx, rows, notes, labels)
    out.append(hits_frame(rule, ctx, {**_pair_rows(rows), "details": details}, rule.outcome,
                          "fired", msg, rule.title(lang)))
    return out
