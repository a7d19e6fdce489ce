"""Footprints the reader repaired: a project screened on a shape nobody drew is never admitted.

A self-intersecting ("bow-tie") outline — most often two boundary points typed in the wrong
order — is repaired by the reader with make_valid (:data:`layers.hygiene.REPAIRED`) into parts
that may cover half the land that was meant. The project is screened on the repaired shape, and
a ``prohibited`` verdict stands (the drawn land is prohibited anyway), but the outline that was
meant may reach land the repaired one misses: fail closed, one ``review`` hit per repaired
project (``check = "unknown"``) names where the outline crossed itself and what to check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo import facts
from geo.evaluate import Context, hits_frame
from geo.rules import Rule
from layers.errors import halves

REPAIRED_RULE = Rule.model_validate({
    "id": "repaired_outline", "title_zh": "边界无效已自动修复：按修复后的形状审查",
    "title_en": "Invalid outline repaired: screened on the repaired shape",
    "source": "失效即审查：自相交边界经 make_valid 修复后未必是所绘边界",
    "source_en": "fail closed: the repaired shape may not be the outline that was meant",
    "confidence": "V", "relation": "none", "outcome": "review", "layer": [],
    "message_zh": "项目边界无效（{note}），已自动修复后审查：修复后的形状可能并非原绘边界，"
                  "原意边界可能触及其他图层，请核对并修正边界后重新审查（按需论证处理）",
    "message_en": "the footprint's outline is invalid ({note}) and was repaired with make_valid "
                  "before screening: the repaired shape may not be what was drawn, and the "
                  "outline meant may reach other land — check and fix the outline, then screen "
                  "again (treated as review)",
})
"""The synthetic rule of these hits (like :data:`geo.coverage.GAP`)."""
_TITLE = {"en": "outline repaired ({where}): screened on a shape that may not be what was drawn "
                "— check the outline",
          "zh": "边界已自动修复（{where}）：按修复后形状审查，可能并非原绘边界，请核对边界"}


def repaired_hits(ctx: Context) -> list[pd.DataFrame]:
    """One ``review`` hit per screened project whose footprint the reader repaired.

    Parameters
    ----------
    ctx : Context
        The screening run; ``ctx.p["repaired"]`` (:func:`geo.projects.normalize_projects`)
        says how each footprint was repaired (``""``: read as drawn).

    Returns
    -------
    list of DataFrame
        Empty, or one hits frame with rule id :data:`REPAIRED_RULE` ``.id``, outcome ``review``,
        check ``unknown``, the repair note (its half in ``ctx.lang``, :data:`layers.hygiene.REPAIRED`)
        in the message and where the outline crosses itself in the title. Only the repaired rows
        are visited (a few among any number of projects).
    """
    if "repaired" not in ctx.p.columns:
        return []
    note = ctx.p["repaired"].fillna("").astype(str).to_numpy(dtype=object)
    rows = np.flatnonzero((note != "") & ctx.ok)
    if not len(rows):
        return []
    lang = ctx.lang
    half = 1 if lang == "zh" else 0
    notes = np.array([h[half] or h[0] for h in map(halves, note[rows])], dtype=object)
    where = np.array([n.replace("；", ";").split(";")[0].strip() for n in notes], dtype=object)
    msg = facts.fill(REPAIRED_RULE.message(lang), note=notes)
    title = facts.fill(_TITLE[lang], where=where)
    return [hits_frame(REPAIRED_RULE, ctx, {"row": rows, "kind": ""}, "review", "unknown", msg,
                       title)]
