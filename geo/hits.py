"""Hits frames: one rule's outcomes with their evidence, and the rules not checked in one step.

:func:`hits_frame` makes the frame of one rule's hits. A rule whose layer kind (or an
``unless_within`` kind) is missing or unusable cannot be checked: a restrictive one yields ``review`` with ``check = "not_checked"`` on every project it applies to. Without a layer, a
dozen rules go unchecked on every project: at 100,000 projects these are most of the hits
(1.6 M of 1.9 M). :func:`geo.evaluate.evaluate` only notes them (:func:`missing_kinds`);
:func:`unchecked_hits` builds the hits of every rule noted in one frame (each column one
``np.repeat`` of the rules' texts), instead of a frame per rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.grouping import repeated
from geo.rules import Rule

__all__ = ["hits_frame", "missing_kinds", "unchecked_hits"]


def hits_frame(rule: Rule, ctx, rows: dict, outcome, check: str, message,
               title) -> pd.DataFrame:
    """One hits frame: ``rows`` holds ``row`` and optional evidence arrays.

    Text columns are plain object columns: hits tables run to millions of rows, and taking,
    sorting and joining them stays a copy of pointers.
    """
    n = len(rows["row"])
    empty = np.full(n, np.nan)

    def text(value):
        if isinstance(value, np.ndarray | list | pd.Series):
            return pd.Series(np.asarray(value, dtype=object), dtype=object)
        return pd.Series(repeated(value, n), dtype=object)

    return pd.DataFrame({
        "row": np.asarray(rows["row"], dtype=np.int64), "rule_id": text(rule.id),
        "outcome": text(outcome), "check": text(check),
        "layer_id": text(rows.get("layer_id", "")),
        "kind": text(rows.get("kind", "+".join(rule.layer))),
        "feature_id": text(rows.get("feature_id", "")),
        "feature_name": text(rows.get("feature_name", "")),
        "overlap_m2": rows.get("overlap_m2", empty),
        "overlap_m": np.where(ctx.dims[np.asarray(rows["row"], dtype=np.int64)] == 1,
                              rows.get("length_m", empty), np.nan),   # lines only
        "overlap_share": rows.get("overlap_share", empty),
        "distance_m": rows.get("distance_m", empty), "tolerance_m2": rows.get("tolerance_m2",
                                                                              empty),
        "message": text(message), "confidence": text(rule.confidence), "source": text(rule.source_text(ctx.lang)),
        "title": text(title), "details": text(rows.get("details", [{}] * n)),
    })



def missing_kinds(rule: Rule, ctx) -> list[str]:
    """The kinds of ``rule`` (its layers, then its ``unless_within``) without a usable layer."""
    return [k for k in rule.layer + rule.unless_within if ctx.kinds[k].missing]


def unchecked_hits(noted: list[tuple[Rule, np.ndarray, list[str]]], ctx) -> pd.DataFrame:
    """The ``not_checked`` hits of the rules noted, in their order, as one frame.

    Parameters
    ----------
    noted : list of (Rule, ndarray of int, list of str)
        At least one: each rule not checked, the projects (positions) it applies to and its
        missing kinds.
    ctx : geo.conditions.Context
        The screening run.

    Returns
    -------
    DataFrame
        The rows :func:`hits_frame` makes for each rule (outcome ``review``), one
        rule after the other.
    """
    from geo.evaluate import TEXT

    lang = ctx.lang
    counts = np.array([len(rows) for _, rows, _ in noted], dtype=np.int64)
    n = int(counts.sum())

    def per_rule(values: list) -> pd.Series:  # each rule's text on each of its rows
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return pd.Series(np.repeat(out, counts), dtype=object)

    whys = ["; ".join(ctx.kinds[k].missing for k in missing) for _, _, missing in noted]
    row = np.concatenate([np.asarray(rows, dtype=np.int64) for _, rows, _ in noted])
    empty = np.full(n, np.nan)
    return pd.DataFrame({
        "row": row, "rule_id": per_rule([r.id for r, _, _ in noted]),
        "outcome": pd.Series(repeated("review", n), dtype=object),
        "check": pd.Series(repeated("not_checked", n), dtype=object),
        "layer_id": pd.Series(repeated("", n), dtype=object),
        "kind": per_rule(["+".join(missing) for _, _, missing in noted]),
        "feature_id": pd.Series(repeated("", n), dtype=object),
        "feature_name": pd.Series(repeated("", n), dtype=object),
        "overlap_m2": empty, "overlap_m": empty.copy(), "overlap_share": empty.copy(),
        "distance_m": empty.copy(), "tolerance_m2": empty.copy(),
        "message": per_rule([TEXT[lang]["not_checked"].format(why=w) for w in whys]),
        "confidence": per_rule([r.confidence for r, _, _ in noted]),
        "source": per_rule([r.source_text(lang) for r, _, _ in noted]),
        "title": per_rule([TEXT[lang]["not_checked_title"].format(why=w) for w in whys]),
        "details": pd.Series(repeated({}, n), dtype=object),
    }, copy=False)  # new arrays, each column its own: not copied again into a 2-d block
