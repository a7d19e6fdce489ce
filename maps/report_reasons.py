"""The decision of a whole batch on the report's summary page: findings by rule, and the
prohibited and unjudged projects with their decisive reasons and links.

A paged report's summary must carry the decision on its own: counts by verdict say how many,
these two tables say why and which, without opening a page. Both are built from the hits with
array operations (a batch of 100,000 projects has about two million hits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.grouping import group_join
from maps import style as st
from maps.report_words import word

DECISIVE_SHOWN = 100
"""Most prohibited or unjudged projects listed on the summary page (all are in the tables)."""
REVIEW_RULES_SHOWN = 15
"""Most ``review`` findings listed by rule (the most frequent first; the rest counted)."""
_ORDER = {"prohibited": 0, "review": 1}


def findings_by_rule(hits: pd.DataFrame, lang: str) -> tuple[list[dict], int]:
    """Per finding (a rule's title with its outcome), the number of projects it concerns:
    ``prohibited`` first, then ``review``, each most frequent first, at most
    :data:`REVIEW_RULES_SHOWN` of the latter; then one row for the rules not checked for want
    of a layer (named, layer by layer, in the summary's list of missing layers), counting the
    projects with any.

    Returns
    -------
    (list of dict, int)
        Rows with ``verdict``, ``label`` (the verdict's word), ``title`` and ``count``
        [projects]; and how many review findings were left out.
    """
    h = hits[hits["outcome"].isin(list(_ORDER)) & (hits["check"] != "contact")]
    if not len(h):
        return [], 0
    missing = (h["check"] == "not_checked").to_numpy()
    pairs = pd.DataFrame({"outcome": h["outcome"].astype(str).to_numpy()[~missing],
                          "title": h["title"].astype(str).to_numpy()[~missing],
                          "row": h["row"].to_numpy(dtype=np.int64)[~missing]}).drop_duplicates()
    counts = pairs.groupby(["outcome", "title"], sort=False).size().reset_index(name="count")
    counts["rank"] = counts["outcome"].map(_ORDER)
    # ties in the order the rules first occur in the hits (rule-set order), not by title:
    # the report in either language shows the same findings
    first = {t: i for i, t in enumerate(pd.unique(pairs["title"]))}
    counts["first"] = counts["title"].map(first)
    counts = counts.sort_values(["rank", "count", "first"], ascending=[True, False, True],
                                kind="stable")
    review = np.flatnonzero(counts["outcome"].to_numpy() == "review")
    left = max(len(review) - REVIEW_RULES_SHOWN, 0)
    if left:
        counts = counts.drop(counts.index[review[REVIEW_RULES_SHOWN:]])
    rows = [{"verdict": o, "label": st.verdict_label(o, lang), "title": t, "count": int(c)}
            for o, t, c in zip(counts["outcome"], counts["title"], counts["count"])]
    if missing.any():
        rows.append({"verdict": "review", "label": st.verdict_label("review", lang),
                     "title": word("not_provided_rules", lang),
                     "count": int(len(np.unique(h["row"].to_numpy(dtype=np.int64)[missing])))})
    return rows, left


def decisive_projects(result: pd.DataFrame, hits: pd.DataFrame, hrefs: np.ndarray,
                      lang: str, limit: int = DECISIVE_SHOWN) -> tuple[list[dict], int]:
    """The first ``limit`` prohibited or unjudged (``error``) projects in input order, each with
    the titles of its prohibiting rules (or its error) and the link to its section (``hrefs``,
    one per project).

    Returns
    -------
    (list of dict, int)
        Rows with ``id``, ``href``, ``name``, ``verdict``, ``label`` and ``reason``; and how many
        such projects the batch has.
    """
    verdict = result["verdict"].astype(str).to_numpy()
    at = np.flatnonzero(np.isin(verdict, ["prohibited", "error"]))
    shown = at[:limit]
    n = len(result)
    h = hits[(hits["outcome"] == "prohibited") & (hits["check"] != "contact")]
    h = h.drop_duplicates(["row", "title"])
    sep = "；" if lang == "zh" else "; "
    why = group_join(h["row"].to_numpy(dtype=np.int64), h["title"].astype(str).to_numpy(
        dtype=object), n, sep)
    error = result["error"].fillna("").astype(str).to_numpy(dtype=object)
    names = result["name"].fillna("").astype(str).to_numpy(dtype=object)
    ids = result["project_id"].astype(str).to_numpy(dtype=object)
    return [{"id": ids[i], "href": hrefs[i], "name": names[i], "verdict": verdict[i],
             "label": st.verdict_label(verdict[i], lang),
             "reason": why[i] if verdict[i] == "prohibited" else error[i]}
            for i in shown.tolist()], len(at)
