"""The decision of a whole batch on the report's summary page: findings by rule, and the
projects to act on (unjudged, prohibited, to review) with their deciding reasons and links.

A paged report's summary must carry the decision on its own: counts by verdict say how many,
these two tables say why and which, without opening a page. Both are built from the hits with
array operations (a batch of 100,000 projects has about two million hits).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.grouping import group_join, object_frame
from maps import style as st
from maps.report_html import texts
from maps.report_words import word

DECISIVE_SHOWN = {"error": 1000, "prohibited": 100, "review": 100}
"""Most projects of each verdict listed on the summary page, in the order a reviewer acts on
them: the unjudged (``error``, rare, so nearly always all of them), the prohibited, the ones to
review. A list that is cut says how many more and links the first not listed (all are in
screening.csv and on the pages)."""
REVIEW_RULES_SHOWN = 15
"""Most ``review`` findings listed by rule (the most frequent first; the rest counted)."""
_ORDER = {"prohibited": 0, "review": 1}


def _acting(hits: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the hits that restrict (``prohibited`` or ``review``, not a contact), those
    of a rule checked and those of a rule not checked: plain array comparisons, once each over
    the two million hits of 100,000 projects (pandas' compare and ``isin`` take 4 times as
    long)."""
    outcome = hits["outcome"].to_numpy(dtype=object)
    check = hits["check"].to_numpy(dtype=object)
    at = np.flatnonzero(((outcome == "prohibited") | (outcome == "review")) & (check != "contact"))
    missing = check[at] == "not_checked"
    return at[~missing], at[missing]


def _projects(hits: pd.DataFrame, at: np.ndarray, n: int | None = None) -> np.ndarray:
    """Which projects (``row``; ``n`` of them, default enough for every row) have a hit at
    ``at``."""
    rows = hits["row"].to_numpy(dtype=np.int64)[at]
    out = np.zeros(max(n or 0, int(rows.max()) + 1 if len(rows) else 0), dtype=bool)
    out[rows] = True
    return out if n is None else out[:n]


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
    checked, unchecked = _acting(hits)
    if not len(checked) and not len(unchecked):
        return [], 0
    h = hits[["outcome", "title", "row"]].iloc[checked]
    pairs = object_frame({"outcome": texts(h["outcome"]), "title": texts(h["title"]),
                          "row": h["row"].to_numpy(dtype=np.int64)}).drop_duplicates()
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
    if len(unchecked):
        rows.append({"verdict": "review", "label": st.verdict_label("review", lang),
                     "title": word("not_provided_rules", lang),
                     "count": int(_projects(hits, unchecked).sum())})
    return rows, left


def decisive_projects(result: pd.DataFrame, hits: pd.DataFrame, hrefs: np.ndarray,
                      lang: str, limits: dict[str, int] | None = None) -> list[dict]:
    """The projects a reviewer must act on, most urgent first: the unjudged (``error``), then
    the prohibited, then the ones to review, each in input order and at most ``limits[verdict]``
    (:data:`DECISIVE_SHOWN`) of them, with the titles of their deciding rules (or their error)
    and the link to their section (``hrefs``, one per project).

    Returns
    -------
    list of dict
        One per verdict the batch has: ``verdict``, ``label``, ``total`` [projects], ``rows``
        (dicts with ``id``, ``href``, ``name``, ``verdict``, ``label`` and ``reason``: the
        titles of the rules with that outcome, or the project's error) and, when
        the list is cut, ``more`` (how many are not listed) with ``next_id`` and ``next_href``
        (the first not listed); else ``more`` is 0.
    """
    limits = DECISIVE_SHOWN if limits is None else limits
    verdict = result["verdict"].astype(str).to_numpy()
    n = len(result)
    sep = "；" if lang == "zh" else "; "
    checked, not_checked = _acting(hits)
    # rules unchecked for want of a layer are one row of the findings by rule, not each
    # project's reason: a project with nothing else says so in one phrase
    unchecked = _projects(hits, not_checked, n)
    h = hits[["outcome", "title", "row"]].iloc[checked].drop_duplicates(
        ["row", "outcome", "title"])
    why = {o: group_join(h["row"].to_numpy(dtype=np.int64)[m], texts(h["title"])[m], n, sep) for o in ("prohibited", "review")
        for m in [(h["outcome"] == o).to_numpy()]}
    why["review"] = np.where((why["review"] == "") & unchecked,
                             word("not_provided_rules", lang), why["review"])
    why["error"] = result["error"].fillna("").astype(str).to_numpy(dtype=object)
    names = result["name"].fillna("").astype(str).to_numpy(dtype=object)
    ids = result["project_id"].astype(str).to_numpy(dtype=object)
    groups = []
    for v in ("error", "prohibited", "review"):
        at = np.flatnonzero(verdict == v)
        if not len(at):
            continue
        shown, label = at[:limits[v]], st.verdict_label(v, lang)
        group = {"verdict": v, "label": label, "total": len(at), "more": len(at) - len(shown),
                 "rows": [{"id": ids[i], "href": hrefs[i], "name": names[i], "verdict": v,
                           "label": label, "reason": why[v][i]} for i in shown.tolist()]}
        if group["more"]:
            group |= {"next_id": ids[at[len(shown)]], "next_href": hrefs[at[len(shown)]]}
        groups.append(group)
    return groups
