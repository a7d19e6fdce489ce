"""The rules a screening could not check, as the report's sections say them: the checklist's
row of the layer kinds the catalog does not provide, and the findings' items of the rules not
checked for want of a layer or a fact.

They come from most of the hits of a large batch (at 100,000 projects 1.6 of 1.9 million hits
are rules not checked) and are alike on most projects: each distinct pattern of a project's
hits is written once (:func:`_by_pattern`), and a report builds them once for all its projects
(:func:`maps.report_sections.split_hits`) rather than once per chunk of sections.
"""

from __future__ import annotations

import html
from functools import lru_cache

import numpy as np
import pandas as pd

from geo.checklist import checked_kinds, judged, worst_outcome
from geo.grouping import factorize, row_key, split_parts
from layers.errors import InputError
from layers.kinds import get_kind
from maps.report_html import badges, cat, esc, group_join, when
from maps.report_words import word

__all__ = ["absent_kind_rows", "absent_masks", "kind_labels", "missing_rows", "skipped_items",
           "split_absent"]


def kind_labels(kinds, lang: str) -> dict[str, str]:
    """Escaped label of each kind (its id for a kind unknown to this version)."""
    return {k: _kind_label(k, lang) for k in dict.fromkeys(kinds)}


@lru_cache(maxsize=256)
def _kind_label(kind: str, lang: str) -> str:
    try:
        return html.escape(get_kind(kind).label(lang))
    except InputError:
        return html.escape(str(kind))


def absent_masks(hits: pd.DataFrame, absent: list[str]) -> tuple[np.ndarray, ...]:
    """Which hits name some kind in ``absent`` (one of ``"a+b"`` will do), which name only
    such kinds, and which name several kinds, some in ``absent`` (those
    :func:`geo.checklist.per_kind` splits): each distinct kind text looked at once."""
    codes, kinds = factorize(hits["kind"].to_numpy(dtype=object))
    parts = [str(k).split("+") for k in kinds]
    some = np.array([any(p in absent for p in ps) for ps in parts] + [False])
    every = np.array([all(p in absent for p in ps) for ps in parts] + [False])
    several = np.array([len(ps) > 1 for ps in parts] + [False]) & some
    return some[codes], every[codes], several[codes]


def split_absent(hits: pd.DataFrame, absent: list[str],
                 masks: tuple | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The hits naming a kind the catalog provides (as they are: a hit on ``"a+b"`` stays whole
    when one of them is provided), and those on a kind it does not provide (one row per such
    kind, :func:`geo.checklist.per_kind`). Most hits of a large batch are of the second sort: a
    rule not checked on every project alike. ``masks``: :func:`absent_masks`, when known."""
    if not absent or not len(hits):
        return hits, hits.iloc[:0]
    masks = absent_masks(hits, absent) if masks is None else masks
    return hits[~masks[1]], _on_absent(hits, absent, masks)


def _on_absent(hits: pd.DataFrame, absent: list[str], masks: tuple) -> pd.DataFrame:
    """The hits on a kind not provided, one row per such kind (those of
    :func:`geo.checklist.per_kind` on a kind in ``absent``), with what
    :func:`absent_kind_rows` reads: ``row``, ``kind``, ``outcome``. Where no hit names several
    kinds (a batch's 1.6 million hits of rules not checked each name one), they are taken as
    they are; else built from plain arrays, each distinct kind text split once
    (:func:`geo.grouping.split_parts`; a take of the frame's rows, then a filter of them, cost a
    second at 100,000 projects)."""
    some, _, several = masks
    if not several.any():
        return hits[["row", "kind", "outcome"]][some]
    at = np.flatnonzero(some)
    hit, piece, flat = split_parts(hits["kind"].to_numpy(dtype=object)[at])
    keep = np.isin(flat, absent)[piece]  # (each hit's kind is known: ``some`` holds none
    hit, piece = at[hit[keep]], piece[keep]  # without one)
    return pd.DataFrame({"row": hits["row"].to_numpy()[hit],
                         "kind": pd.Series(flat[piece], dtype=object),
                         "outcome": pd.Series(hits["outcome"].to_numpy(dtype=object)[hit],
                                              dtype=object)})


def missing_rows(result: pd.DataFrame, hits: pd.DataFrame, lang: str,
                 masks: tuple | None = None) -> np.ndarray:
    """Per project, the checklist's rows of the kinds the catalog does not provide (those a
    rule needed with the worst outcome, then the others; ``""`` for a project not judged),
    from its ``hits``: what :func:`maps.report_checklist.checklist_html` builds, for a report
    to build once for all its projects (``masks``: :func:`absent_masks` of the hits, when
    known)."""
    state = checked_kinds(result, hits)
    absent = [k for k, s in state.items() if s == "not_provided"]
    absent_hits = hits.iloc[:0] if not absent or not len(hits) else _on_absent(
        hits, absent, absent_masks(hits, absent) if masks is None else masks)
    return absent_kind_rows(absent_hits, absent, judged(result), lang)


def skipped_items(hits: pd.DataFrame, n: int, lang: str, rules=None) -> np.ndarray:
    """Per project (``row`` of ``hits`` in ``range(n)``), the findings' items of its rules not
    checked (its ``not_checked`` hits), one per missing layer naming its rules."""
    missing = hits[["row", "title", "rule_id"]][
        hits["check"].to_numpy(dtype=object) == "not_checked"]
    return _by_pattern(missing, n, ("title", "rule_id"),
                       lambda m, k: _not_checked_items(m, k, lang, rules))


def absent_kind_rows(hits: pd.DataFrame, absent: list[str], judged: np.ndarray,
                  lang: str) -> np.ndarray:
    """Per project, :func:`_missing_row` of the kinds in ``absent`` (the catalog provides no
    layer of them), built once per pattern of the ``hits`` on them (:func:`_by_pattern`):
    these rows are alike on most projects of a batch."""
    n = len(judged)
    if not absent:
        return np.full(n, "", dtype=object)
    labels = np.array(list(kind_labels(absent, lang).values()), dtype=object)
    k = len(absent)
    index = pd.Index(absent)

    def build(h: pd.DataFrame, m: int) -> np.ndarray:
        at = h["row"].to_numpy(dtype=np.int64) * k + index.get_indexer(
            h["kind"].to_numpy(dtype=object))
        return _missing_row(np.repeat(np.arange(m), k), np.tile(labels, m),
                            worst_outcome(at, h["outcome"], m * k), m, lang)

    rows = hits["row"].to_numpy(dtype=np.int64) if len(hits) else np.zeros(0, dtype=np.int64)
    out = _by_pattern(hits[judged[rows]], n, ("kind", "outcome"), build)
    out[judged & (out == "")] = build(hits.iloc[:0], 1)[0]  # projects no rule needed them for
    return out


def _missing_row(rows: np.ndarray, labels: np.ndarray, outcome: np.ndarray, n: int,
                 lang: str) -> np.ndarray:
    """Per project, the kinds the catalog does not provide, named together: those a rule of the
    project needed (not checked, with the worst outcome of those rules: ``review``), then the
    others. A catalog without a layer leaves it out of every project's checklist alike: one
    row says so where a row per kind would repeat it."""
    sep = "、" if lang == "zh" else ", "
    needed = outcome != ""
    worst = worst_outcome(rows[needed], outcome[needed], n)
    named = group_join(rows[needed], labels[needed], n, sep)
    unused = group_join(rows[~needed], labels[~needed], n, sep)
    return cat(
        when(named != "", cat('<tr class="mark v-', worst, ' s-not_provided"><td colspan="4"><b>',
                              word("missing_kinds", lang), ":</b> ", named, "</td><td>",
                              badges(worst, lang), "</td></tr>")),
        when(unused != "", cat('<tr class="s-not_provided"><td colspan="5"><b>',
                               word("unused_kinds", lang), ":</b> ", unused, "</td></tr>")))


def _not_checked_items(missing: pd.DataFrame, n: int, lang: str, rules=None) -> np.ndarray:
    """Per project, the rules not checked, one item per missing layer naming its rules."""
    titles = {r.id: r.title(lang) for r in rules} if rules is not None else {}
    g = missing.assign(_t=missing["rule_id"].map(titles).fillna(missing["rule_id"]))
    g = g.drop_duplicates(["row", "title", "_t"])
    code = row_key(g["row"], g["title"])
    names = group_join(code, esc(g["_t"]), code.max() + 1, "；" if lang == "zh" else "; ")
    first = ~pd.Index(code).duplicated()
    li = cat('<li class="mark v-review">', badges(np.full(first.sum(), "review"), lang),
             " <b>", esc(g["title"].to_numpy()[first]), "</b><div>",
             word("not_checked_rules", lang), ": ", names[code[first]], "</div></li>")
    return group_join(g["row"].to_numpy()[first], li, n)


def _by_pattern(rows: pd.DataFrame, n: int, columns, build) -> np.ndarray:
    """``build(rows, n)`` for per-project markup that depends only on the sequence of
    ``columns`` values of a project's ``rows``: built once per distinct sequence, on one
    project of each (the rules a missing layer leaves unchecked are the same on most projects
    of a batch)."""
    out = np.full(n, "", dtype=object)
    if not len(rows):
        return out
    row = rows["row"].to_numpy(dtype=np.int64)
    code = row_key(np.zeros(len(rows), dtype=np.int64), *(rows[c] for c in columns))
    words = np.array([str(c) for c in range(int(code.max()) + 1)], dtype=object)
    pattern = group_join(row, words[code], n, ",")
    codes, _ = pd.factorize(pattern)
    _, first = np.unique(codes, return_index=True)  # one project per pattern
    first = first[pattern[first] != ""]
    rank = np.full(n, -1, dtype=np.int64)
    rank[first] = np.arange(len(first))
    mine = rank[row] >= 0
    built = build(rows[mine].assign(row=rank[row[mine]]), len(first))
    by_code = np.full(codes.max() + 1, "", dtype=object)
    by_code[codes[first]] = built
    return by_code[codes]
