"""Zoning features that cannot be placed: a restriction nobody can see must not pass silently.

A layer keeps every feature, also one whose geometry is null, empty or could not be repaired
(``siting layers`` lists it as a feature error; the layer stays usable). Such a feature is in the
layer but nowhere on the map, so a project where it really lies would find nothing there. Fail
closed: every project to which a restrictive rule on that layer kind applies gets one ``review``
per kind (``check = "unknown"``) naming the layers and the features, unless a rule on the same
kind already prohibits it. A rule's feature ``filter`` that is known to exclude every unplaced
feature (a grade-2 water source when the rule is about grade 1) does not count; ``outside`` and
``unless_within`` layers do not either (a feature missing there can only soften a verdict).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.checklist import per_kind
from geo.conditions import Context, Kind, feature_condition, project_condition, selected
from geo.evaluate import hits_frame
from geo.facts import F
from geo.rules import Rule, RuleSet
from layers.kinds import get_kind

UNPLACED = Rule.model_validate({
    "id": "unplaced_features", "title_zh": "图层要素无法定位：未核查",
    "title_en": "Layer features that cannot be placed: not checked",
    "source": "失效即审查：无几何或几何无法修复的图层要素无法核查",
    "source_en": "fail closed: a feature without a usable geometry cannot be checked",
    "confidence": "V", "relation": "none", "outcome": "review", "layer": [],
    "message_zh": "图层 {layers}（{label}）有 {n} 个要素无法定位（{ids}：无几何或几何无法修复），"
                  "无法核查项目是否位于其中：请在源数据中修正其几何（按需论证处理）",
    "message_en": "Layer {layers} ({label}): {n} feature(s) cannot be placed ({ids}: no geometry, "
                  "or one that could not be repaired), so whether the project lies in them was "
                  "not checked: fix their geometry in the source (treated as review)",
})
"""The synthetic rule of these hits (like :data:`geo.coverage.GAP`)."""
_SHOWN = 10
"""Feature ids named in a message; more are counted."""
_SPATIAL = ("intersects", "within", "within_distance")


def unplaced_hits(rules: RuleSet, ctx: Context, frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """One ``review`` per project and layer kind with features that cannot be placed.

    Parameters
    ----------
    rules : RuleSet
    ctx : Context
        The screening run (see :func:`geo.screen.screen`).
    frames : list of DataFrame
        The hits found so far (:func:`geo.evaluate.hits_frame` frames): a project a rule on the
        same kind prohibits gets no extra hit.

    Returns
    -------
    list of DataFrame
        Hits with rule id :data:`UNPLACED` ``.id``, outcome ``review``, check ``unknown``, the
        kind, its layers and the unplaced feature ids.
    """
    lang = ctx.lang
    prohibited = None  # found once, only when a kind has unplaced features
    out = []
    for kind, kd in ctx.kinds.items():
        if kd.features is None:
            continue
        g = kd.features.geometry.values
        lost = np.flatnonzero(shapely.is_missing(g) | shapely.is_empty(g))
        if not len(lost):
            continue
        concerned = np.zeros(len(ctx.p), dtype=bool)
        for rule in rules:
            if rule.outcome != "admitted" and rule.relation in _SPATIAL and kind in rule.layer:
                concerned |= _applies(rule, ctx, kd, lost)
        if prohibited is None:
            prohibited = _prohibited_by_kind(frames)
        concerned[prohibited.get(kind, [])] = False
        rows = np.flatnonzero(concerned)
        if not len(rows):
            continue
        ids = kd.column("id")[lost].astype(str)
        layers = ", ".join(dict.fromkeys(kd.column("layer_id")[lost].astype(str)))
        shown = ", ".join(ids[:_SHOWN]) + (" …" if len(ids) > _SHOWN else "")
        msg = UNPLACED.message(lang).format(layers=layers, label=get_kind(kind).label(lang),
                                            n=len(lost), ids=shown)
        out.append(hits_frame(UNPLACED, ctx, {"row": rows, "kind": kind, "layer_id": layers,
                                              "feature_id": shown},
                              "review", "unknown", msg, UNPLACED.title(lang)))
    return out


def _applies(rule: Rule, ctx: Context, kd: Kind, lost: np.ndarray) -> np.ndarray:
    """Projects ``rule`` could act on through one of the ``lost`` features."""
    live = selected(rule, ctx.p, ctx.ok)
    if not live.any():
        return live
    cond, _ = project_condition(rule, ctx)
    live &= cond.value != F
    if rule.filter and not any(isinstance(v, dict) for v in rule.filter.values()):
        # a filter on the features alone: does any unplaced feature possibly match?
        fc = feature_condition(rule, kd, lost, np.zeros(len(lost), dtype=int), ctx.p, ctx.lang)
        if not (fc.value != F).any():
            live[:] = False
    return live


def _prohibited_by_kind(frames: list[pd.DataFrame]) -> dict[str, np.ndarray]:
    """Per layer kind, the projects some hit on that kind already prohibits."""
    parts = [f.loc[f["outcome"] == "prohibited", ["row", "kind"]] for f in frames if len(f)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return {}
    h = pd.concat(parts, ignore_index=True)
    h = per_kind(h)
    return {k: grp["row"].to_numpy(dtype=int) for k, grp in h.groupby("kind")}
