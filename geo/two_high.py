"""两高 by industry: a declared "no" on a listed 两高 industry is contradicted, never obeyed.

环环评〔2021〕45号 names the 两高 industries (coal power, petrochemical, chemical, steel,
non-ferrous smelting, building materials, and the provinces' refinements:
:data:`geo.vocabulary.TWO_HIGH_INDUSTRIES`). A project of one of them is 两高 whatever its
applicant wrote (:func:`geo.vocabulary.two_high`), so every 两高 rule applies to it; the
contradiction itself is one ``review`` hit per project that names the industry and the
declaration (the reviewer must see why the project is treated as 两高).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.evaluate import Context, hits_frame
from geo.rules import Rule
from geo.vocabulary import LABELS, TWO_HIGH_INDUSTRIES

DECLARED_RULE = Rule.model_validate({
    "id": "two_high_declared_no", "title_zh": "申报非两高，但所属行业为两高行业：按两高项目审查",
    "title_en": "Declared not 两高, but the industry is 两高: treated as 两高",
    "source": "环环评〔2021〕45号：两高项目指煤电、石化、化工、钢铁、有色金属冶炼、建材等行业项目"
              "（以行业认定，申报值不能改变）",
    "confidence": "V", "relation": "none", "outcome": "review", "layer": [],
    "message_zh": "申报两高 = 否，但{industry}属于环环评〔2021〕45号所列两高行业：已按两高项目审查"
                  "（两高规则均适用），请核实申报",
    "message_en": "declared 两高 = no, but {industry} is 两高 under 环环评〔2021〕45号: treated as "
                  "两高 (every 两高 rule applies); check the declaration",
})
"""The synthetic rule of these hits (like :data:`geo.repaired.REPAIRED_RULE`)."""


def declared_hits(ctx: Context) -> list[pd.DataFrame]:
    """One ``review`` hit per screened project declared not 两高 whose industry is 两高.

    Parameters
    ----------
    ctx : Context
        The screening run; ``ctx.p["two_high_declared"]``
        (:func:`geo.projects.normalize_projects`) is what the applicant declared.

    Returns
    -------
    list of DataFrame
        Empty, or one hits frame with rule id :data:`DECLARED_RULE` ``.id``, outcome
        ``review``, check ``fired``, the industry's word in the message and the title.
    """
    if "two_high_declared" not in ctx.p.columns:
        return []
    declared = ctx.p["two_high_declared"].to_numpy(dtype=object)
    industry = ctx.p["industry"].fillna("").astype(str).to_numpy(dtype=object)
    no = np.array([d is not None and d == d and not d for d in declared], dtype=bool)
    rows = np.flatnonzero(no & np.isin(industry, TWO_HIGH_INDUSTRIES) & ctx.ok)
    if not len(rows):
        return []
    pick = 0 if ctx.lang == "zh" else 1
    words = np.array([LABELS["industry"][i][pick] for i in industry[rows]], dtype=object)
    template = DECLARED_RULE.message(ctx.lang)
    msg = np.array([template.replace("{industry}", w) for w in words], dtype=object)
    return [hits_frame(DECLARED_RULE, ctx, {"row": rows, "kind": ""}, "review", "fired", msg,
                       DECLARED_RULE.title(ctx.lang))]
