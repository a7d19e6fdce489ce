"""Hits frames: one rule's outcomes with their evidence, and the rules not checked in one step.

:func:`hits_frame` makes the frame of one rule's hits. A rule whose layer kind (or an
``unless_within`` kind) is missing or unusable cannot be checked: a restrictive one yields
``review`` with ``check = "not_checked"`` on every project it applies to. Without a layer, a
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


_TEXTS = ("rule_id", "outcome", "check", "layer_id", "kind", "feature_id", "feature_name")
_NUMBERS = ("overlap_m2", "overlap_m", "overlap_share", "distance_m", "tolerance_m2")
_NOTES = ("message", "confidence", "source", "title", "details")


def hits_frame(rule: Rule, ctx, rows: dict, outcome, check: str, message,
               title) -> pd.DataFrame:
    """One hits frame: ``rows`` holds ``row`` and optional evidence arrays.

    Text columns are plain object columns: hits tables run to millions of rows, and taking,
    sorting and joining them stays a copy of pointers.
    """
    row = np.asarray(rows["row"], dtype=np.int64)
    lines = ctx.dims[row] == 1
    return _frame(row, {
        **{k: v for k, v in rows.items() if k in _TEXTS + _NUMBERS},
        "rule_id": rule.id, "outcome": outcome, "check": check,
        "kind": rows.get("kind", "+".join(rule.layer)),
        "overlap_m": np.where(lines, rows.get("length_m", np.nan), np.nan),  # lines only
        "message": message, "confidence": rule.confidence,
        "source": rule.source_text(ctx.lang), "title": title,
        "details": rows.get("details", {})})


def _frame(row: np.ndarray, values: dict, copy: bool = True) -> pd.DataFrame:
    """The hits frame of the projects (positions) ``row``, in the one column order of hits.

    ``values`` gives each column as one value per row (array, list or Series) or one value
    for every row; a text column not given is blank, a number not given NaN. ``copy=False``
    keeps the arrays given (each column its own block, not copied into a 2-d one).
    """
    n = len(row)

    def text(name: str) -> pd.Series:
        value = values.get(name, "")
        if isinstance(value, np.ndarray | list | pd.Series):
            return pd.Series(np.asarray(value, dtype=object), dtype=object)
        return pd.Series(repeated(value, n), dtype=object)

    def number(name: str) -> np.ndarray:
        value = values.get(name)
        return np.full(n, np.nan) if value is None else value

    return pd.DataFrame({"row": row, **{c: text(c) for c in _TEXTS},
                         **{c: number(c) for c in _NUMBERS},
                         **{c: text(c) for c in _NOTES}}, copy=copy)


_WHY_SEP = {"en": ", ", "zh": "，"}
"""Between the layers one rule lacks, in a "not checked" title (``"; "`` separates a project's
reasons in ``reasons``: a title holding it read as two reasons, the second without its rule)."""


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

    def per_rule(values: list) -> pd.Series:  # each rule's text on each of its rows
        out = np.empty(len(values), dtype=object)
        out[:] = values
        return pd.Series(np.repeat(out, counts), dtype=object)

    # the layers a rule lacks, joined without "; ", which separates a project's reasons
    whys = [_WHY_SEP[lang].join(ctx.kinds[k].missing for k in missing) for _, _, missing in noted]
    row = np.concatenate([np.asarray(rows, dtype=np.int64) for _, rows, _ in noted])
    return _frame(row, {
        "rule_id": per_rule([r.id for r, _, _ in noted]), "outcome": "review",
        "check": "not_checked", "kind": per_rule(["+".join(missing) for _, _, missing in noted]),
        "message": per_rule([TEXT[lang]["not_checked"].format(why=w) for w in whys]),
        "confidence": per_rule([r.confidence for r, _, _ in noted]),
        "source": per_rule([r.source_text(lang) for r, _, _ in noted]),
        "title": per_rule([TEXT[lang]["not_checked_title"].format(why=w) for w in whys]),
        "details": {}}, copy=False)  # new arrays, each column its own
