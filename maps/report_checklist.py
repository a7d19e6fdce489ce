"""The checklist and the findings of each project's report section, as HTML (whole columns at once).

The numbers come from :mod:`geo.checklist` (what the screening recorded); here they become words
and markup: one row per layer kind with something to say (occupied, contact, within a rule's
distance, in or touching a feature, layer unusable); the kinds the catalog does not provide, and
those with nothing within the search radius, each named together in one row; per-feature rows
folded under each kind (``<details>``), unknown facts named under their kind; then the findings,
one per rule (and per missing layer), with the policy source, the confidence letter and what to
verify.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from geo.checklist import (
    Positions,
    checked_kinds,
    checklist,
    feature_evidence,
    footprint_dims,
    judged,
    search_radius,
    unknown_reason,
)
from geo.grouping import factorize, row_key
from geo.rules import SEVERITY
from maps.report_html import (
    area_text,
    badges,
    cat,
    each,
    esc,
    fmt,
    group_join,
    length_text,
    nonblank,
    radius_text,
    share_text,
    when,
)
from maps.report_unchecked import (
    absent_kind_rows,
    absent_masks,
    kind_labels,
    skipped_items,
    split_absent,
)
from maps.report_words import PROTECTED_KINDS, status_word, word

MOST_EVIDENCE = 3
"""Features named in one finding's evidence; the rest are counted."""
CONFIDENCE = {"V": ("已对照原文核对", "text checked against the source"),
              "P": ("依据摘要或地方实施文件", "from a summary or a provincial implementation"),
              "?": ("不确定：只能得出需论证", "uncertain: may only yield review")}


def _feature_details(feats: pd.DataFrame, at: np.ndarray, n: int, lang: str) -> np.ndarray:
    """Per shown checklist row, the folded per-feature table (``""`` where no feature);
    ``at`` gives each feature's shown row (-1: not shown)."""
    ok = at >= 0
    if not ok.any():
        return np.full(n, "", dtype=object)
    f, at = feats[ok], at[ok]
    dist = f["distance_m"].to_numpy(dtype=float)
    rows = cat("<tr><td>", esc(f["feature_id"]), when(nonblank(f["feature_name"]),
                                                       cat(" ", esc(f["feature_name"]))),
               when(f["contact"].to_numpy(dtype=bool), cat(" (", word("contact_short", lang),
                                                           ")")),
               '</td><td class="num">', fmt(f["overlap_m2"].where(dist == 0), area_text),
               '</td><td class="num">', fmt(f["overlap_share"].where(dist == 0), share_text),
               '</td><td class="num">', fmt(np.where(dist > 0, dist, np.nan), length_text),
               "</td><td>", esc(f["titles"]), "</td></tr>")
    table = group_join(at, rows, n)
    head = (f'<table class="feat"><tr><th>{word("feature", lang)}</th><th>'
            f'{word("overlap", lang)}</th><th>{word("share", lang)}</th><th>'
            f'{word("distance", lang)}</th><th>{word("rules", lang)}</th></tr>')
    return when(table != "", cat(head, table, "</table>"))


def checklist_html(result: pd.DataFrame, hits: pd.DataFrame, lang: str, rules=None,
                   feats: pd.DataFrame | None = None,
                   missing: np.ndarray | None = None) -> np.ndarray:
    """Per project (position in ``result``), its checklist table (``""`` for error rows).

    A row per kind with a finding (occupied, contact, within a rule's distance, in or touching a
    feature, layer unusable); then the kinds the catalog does not provide named together
    (``missing``: :func:`maps.report_unchecked.missing_rows` of the projects, when a report
    built them for all its projects at once; ``hits`` then need not hold those only on such
    kinds), one row naming the clear kinds with a feature within the search
    radius, nearest first, with its distance, and one naming the kinds with none. Rows are built
    only for the kinds with a finding (at 100,000 projects most of the 2 million (project, kind)
    pairs are clear or not provided)."""
    n = len(result)
    feats = feature_evidence(hits) if feats is None else feats
    state = checked_kinds(result, hits)
    absent = [k for k, s in state.items() if s == "not_provided"]
    judged_rows = judged(result)
    if not state or not judged_rows.any():
        return np.full(n, "", dtype=object)
    if missing is None:
        present, absent_hits = split_absent(hits, absent)
        missing = absent_kind_rows(absent_hits, absent, judged_rows, lang)
    else:
        present = hits[~absent_masks(hits, absent)[1]] if absent and len(hits) else hits
    table = checklist(result, present, feats, rules=rules,
                      kinds=[k for k in state if k not in absent])
    kinds = list(pd.unique(table["kind"].to_numpy(dtype=object)))
    labels = kind_labels(kinds, lang)
    status_all = table["status"].to_numpy(dtype=object)
    row_all = table["row"].to_numpy()
    # a kind with an unknown fact (a layer not covering the place, features that cannot be
    # placed) is never named "none within": it gets a row of its own with the fact
    unsure = (table["n_unknown"].to_numpy() > 0) & np.isin(status_all, ["clear", "near"])
    show = ((status_all != "clear") & (status_all != "near")) | unsure
    sep = "、" if lang == "zh" else ", "
    label_all = np.array([labels[k] for k in kinds], dtype=object)[
        pd.Index(kinds).get_indexer(table["kind"].to_numpy(dtype=object))]
    clear = (status_all == "clear") & ~unsure
    clear = group_join(row_all[clear], label_all[clear], n, sep)
    near = np.flatnonzero((status_all == "near") & ~unsure)
    d_near = table["distance_m"].to_numpy(dtype=float)[near]
    near = near[np.lexsort((d_near, row_all[near]))]  # nearest first
    near = group_join(row_all[near], cat(label_all[near], " ", fmt(
        table["distance_m"].to_numpy(dtype=float)[near], length_text)), n, sep)
    position = np.full(len(table), -1, dtype=np.int64)
    position[show] = np.arange(int(show.sum()))
    c = table[show]
    label, status = label_all[show], status_all[show]
    shape = np.asarray(_shapes(result), dtype=object)[c["row"].to_numpy()]
    inside = (shape == "polygon") & ~c["kind"].isin(list(PROTECTED_KINDS)).to_numpy()
    key = np.where(status == "occupied", np.where(inside, "inside_polygon", "occupied_" + shape),
                   np.where(unsure[show], "unsure", status))
    words = each(key, lambda k: html.escape(status_word(k, lang)))
    share = c["overlap_share_sum"].to_numpy(dtype=float)
    length = c["overlap_length_m"].to_numpy(dtype=float)
    dist = c["distance_m"].to_numpy(dtype=float)
    occupied_measure = np.where(
        shape == "line", fmt(np.where(length > 0, length, np.nan), length_text),
        fmt(np.where(shape == "polygon", c["overlap_m2"], np.nan), area_text))
    share_of = word("share_of", lang, share="{share}")
    share_part = fmt(np.where((status == "occupied") & (share > 0), np.minimum(share, 1.0),
                              np.nan), lambda v: share_of.format(share=share_text(v)))
    over = when(share > 1.0 + 1e-9, cat(' <span class="warn" title="',
                                        word("overlapping_features", lang), '">Σ</span>'))
    measure = np.select(
        [status == "occupied", status == "within"],
        [cat(occupied_measure, when((occupied_measure != "") & (share_part != ""), " · "),
             share_part, over),
         cat(fmt(dist, length_text), when(np.isfinite(c["rule_distance_m"]), cat(
             " (≤ ", fmt(c["rule_distance_m"], radius_text), ")")))],
        default="").astype(object)
    n_feat = np.select([status == "contact", status == "within"],
                       [c["n_contact"], c["n_within"]], c["n_features"])
    ids = esc(c["feature_ids"])
    one, many = word("one_feature", lang), word("n_features", lang, n="{n}")
    summary = when(ids != "", cat(fmt(n_feat, lambda k: one if k == 1 else
                                      many.format(n=int(k))), ": ", ids))
    at_f = Positions.of(table, n)(feats["row"], feats["kind"]) if len(feats) and len(table) \
        else np.full(len(feats), -1, dtype=np.int64)
    shown_at = np.full(len(feats), -1, dtype=np.int64)  # each feature's shown row
    shown_at[at_f >= 0] = position[at_f[at_f >= 0]]
    details = _feature_details(feats, shown_at, len(c), lang)
    more = when(details != "", cat('<tr class="feat-row"><td></td><td colspan="4"><details>'
                                   "<summary>", word("feature_details", lang), "</summary>",
                                   details, "</details></td></tr>"))
    unknown = esc(c["unknown"])
    unknown = when(unknown != "", cat('<div class="unknown"><b>', word("unknown_facts", lang),
                                      ":</b> ", unknown, "</div>"))
    outcome = c["outcome"].to_numpy(dtype=object)
    rows = cat('<tr class="mark v-', np.where(outcome == "", "none", outcome), " s-", status,
               '"><td>', label, "</td><td>", words, unknown, '</td><td class="num">',
               measure, "</td><td>", summary, "</td><td>", badges(outcome, lang), "</td></tr>",
               more)
    body = group_join(c["row"].to_numpy(), rows, n)
    radius = radius_text(search_radius(result))
    clear_row = cat(
        missing,
        when(near != "", cat('<tr class="s-near"><td colspan="5"><b>', word("near_kinds", lang),
                             ":</b> ", near, "</td></tr>")),
        when(clear != "", cat('<tr class="s-clear"><td colspan="5"><b>',
                              word("clear_kinds", lang, r=radius), ":</b> ", clear, "</td></tr>")))
    head = (f'<h4>{word("checklist", lang)}</h4><table class="checklist"><tr><th>'
            f'{word("layer", lang)}</th><th>{word("result", lang)}</th><th>'
            f'{word("measure", lang)}</th><th>{word("features", lang)}</th><th>'
            f'{word("outcome", lang)}</th></tr>')
    return when(judged_rows, cat(head, body, clear_row, "</table>"))


def _shapes(result: pd.DataFrame) -> np.ndarray:
    return np.array(["polygon", "point", "line", "polygon"], dtype=object)[
        footprint_dims(result) + 1]


def findings_parts(hits: pd.DataFrame, n: int, lang: str, rules=None,
                   skipped: np.ndarray | None = None) -> list[np.ndarray]:
    """Per project, the findings: one item per rule (fired, unknown, coverage) with the worst
    outcome, the title, the confidence letter, the source, what to verify and the evidence;
    then the rules not checked, grouped by missing layer (``skipped``: those items,
    :func:`maps.report_unchecked.skipped_items` of the projects' hits, when a report built them
    for all its projects at once; ``hits`` then need not hold the ``not_checked`` ones). As
    parts, equally long object arrays to be joined element by element: a report joins them
    with its other parts once, not here first (the findings of 100,000 projects are about
    370 MB of text)."""
    check = hits["check"].to_numpy(dtype=object)
    if skipped is None:
        if not (check != "contact").any():
            return [np.full(n, "", dtype=object)]
        skipped = skipped_items(hits, n, lang, rules)
    checked = hits[(check != "contact") & (check != "not_checked")]
    items = _rule_items(checked, n, lang) if len(checked) else np.full(n, "", dtype=object)
    shown = (items != "") | (skipped != "")
    return [when(shown, f'<h4>{word("findings", lang)}</h4><ol class="findings">'), items,
            skipped, when(shown, "</ol>")]


def _rule_items(h: pd.DataFrame, n: int, lang: str) -> np.ndarray:
    """One ``<li>`` per (project, rule, title), worst first, then in rule order."""
    code = row_key(h["row"], h["rule_id"], h["title"])
    m = code.max() + 1
    sev = each(h["outcome"], lambda o: SEVERITY.get(o, 0)).astype(int)
    worst = np.zeros(m, dtype=int)
    np.maximum.at(worst, code, sev)
    first = np.flatnonzero(~pd.Index(code).duplicated())  # positions of each group's first hit
    g = h.iloc[first]
    outcome = np.array(["", "admitted", "review", "prohibited", "error"], dtype=object)[
        worst[code[first]]]
    listed = (h["rule_id"] == "control_unit_listed").to_numpy()
    msg = h["message"].to_numpy(dtype=object).copy()
    unknown = h["check"].to_numpy() == "unknown"
    msg[unknown] = unknown_reason(msg[unknown])
    msg = np.where(listed, word("see_units", lang), msg)
    mcode = factorize(np.asarray(msg, dtype=object))[0].astype(np.int64)
    dedup = ~pd.Index(code.astype(np.int64) * (mcode.max() + 1) + mcode).duplicated()
    verify = group_join(code[dedup], esc(msg[dedup]), m, "；" if lang == "zh" else "; ")
    has_feat = nonblank(h["feature_id"])
    feat_rank = np.full(len(h), 0)
    feat_rank[has_feat] = pd.Series(code[has_feat]).groupby(code[has_feat]).cumcount().to_numpy()
    shown = np.flatnonzero(has_feat & (feat_rank < MOST_EVIDENCE))  # only these are written
    dist = h["distance_m"].to_numpy(dtype=float)[shown]
    overlap = h["overlap_m2"].to_numpy(dtype=float)[shown]
    area = fmt(np.where(overlap > 0, overlap, np.nan), area_text)
    share = fmt(h["overlap_share"].to_numpy(dtype=float)[shown], share_text)
    fname = h["feature_name"].to_numpy(dtype=object)[shown]
    ev = cat(esc(h["feature_id"].to_numpy(dtype=object)[shown]),
             when(nonblank(fname), cat(" ", esc(fname))), ": ",
             np.where(dist > 0, fmt(dist, length_text),
                      np.where(area != "", cat(area, " (", share, ")"), share)))
    evidence = group_join(code[shown], ev, m, "；" if lang == "zh" else "; ")
    n_feat = np.bincount(code[has_feat], minlength=m)
    many = word("n_features", lang, n="{n}")
    more = fmt(np.where(n_feat > MOST_EVIDENCE, n_feat, np.nan),
               lambda k: f" … ({many.format(n=int(k))})")
    evidence = when(evidence != "", cat('<div class="ev"><b>', word("evidence", lang), ":</b> ",
                                        evidence, more, "</div>"))
    conf = g["confidence"].to_numpy(dtype=object)
    conf_title = each(conf, lambda c: CONFIDENCE.get(c, ("", ""))[lang != "zh"])
    li = cat('<li class="mark v-', outcome, '">', badges(outcome, lang), " <b>", esc(g["title"]),
             '</b> <span class="conf" title="', esc(conf_title), '">', esc(conf), "</span>",
             '<div class="src"><b>', word("policy", lang), ":</b> ", esc(g["source"]), "</div>",
             '<div class="verify"><b>', word("verify", lang), ":</b> ", verify[code[first]],
             "</div>", evidence[code[first]], "</li>")
    order = np.lexsort((np.arange(len(first)), -worst[code[first]], g["row"].to_numpy()))
    return group_join(g["row"].to_numpy()[order], li[order], n)
