"""Layers complete over some districts only (``covers``): their rules are not checked elsewhere.

A ``[[layer]]`` entry may say over which admin divisions its data are complete (``covers``, the
``admin_code`` of the catalog's ``admin_boundary`` features: :mod:`layers.covers`). A kind is
covered where any of its usable layers is; a layer without ``covers`` covers everything. Where a
footprint inside the catalog's coverage area lies outside its kind's covered area (beyond the
tolerances of :mod:`geo.coverage`: an uncovered part above :data:`geo.coverage.AREA_TOLERANCE_M2`
that is more than a sliver), "no feature here" is not a fact: each restrictive spatial rule on
the kind that applies to the project gets a ``review`` hit (``check = "unknown"``) naming the
layers, the districts they cover and the share not checked, unless the rule's own hits already
gave the project the rule's outcome. ``outside`` rules and ``unless_within`` layers do not count:
data missing there can only make a verdict worse (as in :mod:`geo.unplaced`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo import facts
from geo.conditions import Context, project_condition, selected
from geo.coverage import coverage_area, percent_text, real_holes, significant
from geo.evaluate import hits_frame
from geo.facts import F
from geo.overlay import overlay_pairs
from geo.rules import RuleSet
from layers.covers import named

_SPATIAL = ("intersects", "within", "within_distance")
_TEXT = {
    "en": {"title": "not checked (layer does not cover this place): {title}",
           "message": "not checked over {share} of the footprint: layer {layers} covers only "
                      "{names} (`covers` in the catalog); verify it there by hand (treated as "
                      "review)"},
    "zh": {"title": "未核查（图层未覆盖此处）：{title}",
           "message": "项目 {share} 未经核查：图层 {layers} 仅覆盖 {names}（目录中的 covers），"
                      "该处须人工核实（按需论证处理）"},
}


def kind_covers(catalog, kind: str) -> list[str] | None:
    """The admin codes over which ``kind`` is complete: the union of its usable layers'
    ``covers``; None when one of them has none (it covers the whole coverage area) or the kind
    has no usable layer (its rules are not checked anyway)."""
    specs = [s for s in catalog.layers if s.kind == kind and catalog.facts(s.id)["usable"]]
    if not specs or any(not s.covers for s in specs):
        return None
    return list(dict.fromkeys(c for s in specs for c in s.covers))


def covers_words(catalog, kind: str, lang: str) -> tuple[str, str]:
    """The layers of ``kind`` with ``covers`` and the districts they cover, for messages:
    (``"jbnt"``, ``"南明区 (520102), 云岩区 (520103)"``)."""
    specs = [s for s in catalog.layers if s.kind == kind and s.covers]
    codes = dict.fromkeys(c for s in specs for c in s.covers)
    sep = "、" if lang == "zh" else ", "
    return ", ".join(s.id for s in specs), sep.join(named(catalog, codes))


def covered_admin(catalog, codes: list[str], crs) -> np.ndarray:
    """The catalog's admin features with one of the ``codes`` (geometries in ``crs``)."""
    admin = [d.gdf for d in catalog.layers_of("admin_boundary", crs) if d.usable]
    geoms = [np.asarray(a.geometry.values, dtype=object)[
        a["admin_code"].astype(object).where(a["admin_code"].notna(), "").astype(str)
        .str.strip().isin(codes).to_numpy()] for a in admin]
    return np.concatenate(geoms) if geoms else np.zeros(0, dtype=object)


def uncovered_area(catalog, kind: str, crs) -> np.ndarray:
    """Where the catalog's coverage area is not covered by ``kind``'s layers (``covers``): its
    polygons in ``crs`` (none when the kind covers the whole area). ``siting score`` excludes
    this land as unknown, as :func:`covers_hits` makes screening rules review there."""
    codes = kind_covers(catalog, kind)
    if codes is None:
        return np.zeros(0, dtype=object)
    _, cover = coverage_area(catalog, crs)
    gap = shapely.difference(shapely.union_all(cover),
                             shapely.union_all(covered_admin(catalog, codes, crs)))
    parts = shapely.get_parts(gap)
    return parts[shapely.area(parts) > 0]


def uncovered_shares(ctx: Context, catalog, crs) -> dict[str, np.ndarray]:
    """Per kind with ``covers``, each footprint's share inside the catalog's coverage but outside
    the kind's covered area (0 below the tolerances or on slivers only; NaN where not judged)."""
    out = {}
    if not any(s.covers for s in catalog.layers):  # the common case: nothing to measure
        return out
    live = ctx.ok & (ctx.dims >= 0)
    cover = None
    for kind, kd in ctx.kinds.items():
        codes = kind_covers(catalog, kind) if kd.features is not None else None
        if codes is None:
            continue
        if cover is None:
            _, cover = coverage_area(catalog, crs)
            inside = ctx.covered(overlay_pairs(ctx.fp, cover, keep_geometry=True,
                                               measure=ctx.measure))
        covered = covered_admin(catalog, codes, crs)
        within = ctx.covered(overlay_pairs(ctx.fp, covered, keep_geometry=True,
                                           measure=ctx.measure)) \
            if len(covered) else np.zeros(len(ctx.fp))
        gap = np.where(live, np.clip(inside - within, 0.0, 1.0), np.nan)
        rows, _ = real_holes(ctx, np.flatnonzero(significant(np.nan_to_num(gap), ctx.dims,
                                                          ctx.size) & live), covered, cover)
        share = np.where(live, 0.0, np.nan)
        share[rows] = gap[rows]
        out[kind] = share
    return out


def covers_hits(rules: RuleSet, ctx: Context, catalog, crs,
                frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """One ``review`` per project, rule and kind not covered over part of the footprint.

    Parameters
    ----------
    rules : RuleSet
    ctx : Context
        The screening run (see :func:`geo.screen.screen_part`).
    catalog : layers.catalog.Catalog
        The catalog (or its view near the footprints): the layers' ``covers``, the admin
        features.
    crs : pyproj.CRS
        The working CRS.
    frames : list of DataFrame
        The hits found so far: a project a rule's own hits gave the rule's outcome gets no
        extra hit of that rule.

    Returns
    -------
    list of DataFrame
        Hits of the rule with outcome ``review``, check ``unknown``, the kind, its layers, the
        share not checked (``overlap_share``) and ``details`` ``{"uncovered": share}``.
    """
    shares = uncovered_shares(ctx, catalog, crs)
    if not shares:
        return []
    lang = ctx.lang
    decided = _decided(frames)
    out = []
    for rule in rules:
        if rule.outcome == "admitted" or rule.relation not in _SPATIAL:
            continue
        for kind in rule.layer:
            share = shares.get(kind)
            if share is None:
                continue
            rows = np.flatnonzero(np.nan_to_num(share) > 0)
            if not len(rows):
                continue
            live = selected(rule, ctx.p, ctx.ok)
            cond, _ = project_condition(rule, ctx)
            live &= cond.value != F
            live[decided.get(rule.id, [])] = False
            rows = rows[live[rows]]
            if not len(rows):
                continue
            layers, names = covers_words(catalog, kind, lang)
            msg = facts.fill(_TEXT[lang]["message"], share=percent_text(share[rows]),
                             layers=layers, names=names)
            title = _TEXT[lang]["title"].format(title=rule.title(lang))
            out.append(hits_frame(rule, ctx, {
                "row": rows, "kind": kind, "layer_id": layers, "overlap_share": share[rows],
                "details": [{"uncovered": float(s)} for s in share[rows]]},
                "review", "unknown", msg, title))
    return out


def _decided(frames: list[pd.DataFrame]) -> dict[str, np.ndarray]:
    """Per rule id, the projects its own hits gave its worst outcome (the rule's ``outcome``:
    a ``fired`` hit; an ``unknown`` review of a prohibiting rule is not)."""
    parts = [f.loc[f["check"] == "fired", ["row", "rule_id", "outcome"]] for f in frames
             if len(f)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return {}
    h = pd.concat(parts, ignore_index=True)
    return {rid: g["row"].to_numpy(dtype=int) for rid, g in h.groupby("rule_id")}

