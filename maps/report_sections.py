"""One section per project of the screening report: the page a reviewer signs.

Each section stands on its own: the verdict badge, the project's facts and location (district,
centroid, area in ha and 亩 or length), its map image, notes on coverage, the checklist, the
findings, and the control units it lies in with their access lists (once). Built for a range of
projects at a time with array operations (:mod:`maps.report_html`), so that 100,000 projects
take seconds; every value from input data is escaped.
"""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd

from geo import vocabulary
from geo.checklist import checked_kinds, feature_evidence, locations
from geo.coverage import GAP, OUTSIDE
from geo.grouping import factorize, repeated, row_key
from layers.kinds import get_kind
from layers.regions import provinces
from maps.display import project_anchors
from maps.report_checklist import checklist_html, findings_parts
from maps.report_html import (
    badges,
    cat,
    each,
    esc,
    fmt,
    group_join,
    length_text,
    nonblank,
    share_text,
    texts,
    when,
)
from maps.report_unchecked import absent_masks, missing_rows, skipped_items
from maps.report_words import word

UNIT_TYPES = {"priority": ("优先保护单元", "priority protection unit"),
              "key": ("重点管控单元", "key control unit"),
              "general": ("一般管控单元", "general control unit")}
_CLAUSES = ("spatial_layout", "pollutant_discharge", "environmental_risk", "resource_efficiency")
_FLAGS = ("capacity_replacement", "pollutant_offset", "coal_substitution", "risk_control_part")


def image_uri(data: bytes | None, fmt_: str = "png") -> str:
    """A ``data:`` URI of an image (``""`` for None)."""
    if not data:
        return ""
    mime = "image/svg+xml" if fmt_ == "svg" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def _fact(label: str, values, mask=None) -> np.ndarray:
    """A facts-table row per project where ``values`` is non-empty (and ``mask`` holds)."""
    v = np.asarray(values, dtype=object)
    show = v != ""
    if mask is not None:
        show &= np.asarray(mask, dtype=bool)
    out = np.full(len(v), "", dtype=object)
    at = np.flatnonzero(show)  # most facts are blank on most projects: built where shown
    if len(at):
        out[at] = cat("<tr><th>", label, "</th><td>", v[at], "</td></tr>")
    return out


def _col(res: pd.DataFrame, name: str, default="") -> pd.Series:
    return res[name] if name in res else pd.Series(default, index=res.index, dtype=object)


def facts_html(res: pd.DataFrame, lang: str, names: dict[str, str] | None,
               loc: pd.DataFrame | None = None) -> np.ndarray:
    """Per project, the table of its facts and location (``loc``: :func:`geo.checklist.locations`
    of ``res``, computed when not given: the report computes it once for all its projects)."""
    loc = locations(res) if loc is None else loc
    vocab = {f: each(_col(res, f), lambda v, f=f: vocabulary.label(f, v, lang)) for f in
             ("type", "industry", "component", "national_major", "allowed_activity")}
    code = texts(_col(res, "admin_code").fillna(""))
    prov = texts(_col(res, "province").fillna(""))
    pnames = {k: v["zh" if lang == "zh" else "en"] for k, v in provinces().items()}
    district = cat(esc(district_names(code, names)),
                   when(code != "", cat(" (", esc(code), ")")),
                   when(prov != "", cat(" · ", esc(each(prov, lambda p: pnames.get(p, p))))))
    # a project without geometry lies nowhere: not "outside the admin layer"
    unknown = np.where(loc["lon"].isna(), word("no_outline_district", lang),
                       word("unknown_district", lang))
    district = np.where(district == "", unknown, district)
    centroid = when(loc["lon"].notna(), cat(fmt(loc["lon"], lambda x: f"{x:.6f}°E"), ", ",
                                            fmt(loc["lat"], lambda x: f"{x:.6f}°N")))
    area = when(loc["area_m2"].notna(), cat(
        fmt(loc["area_ha"], lambda x: f"{x:,.2f} ha"), " · ",
        fmt(loc["area_mu"], lambda x: f"{x:,.1f} 亩"), " · ",
        fmt(loc["area_m2"], lambda x: f"{x:,.0f} m²")))
    size = _col(res, "size", np.nan)
    npts = fmt(np.where(loc["shape"] == "point", size, np.nan),
               lambda k: word("point", lang) if k <= 1 else word("points", lang, n=int(k)))
    yes, no = word("yes", lang), word("no", lang)
    flags = [_fact(word(f"flag_{f}", lang), each(
        _col(res, f, None), lambda v: "" if v is None or v != v else (yes if v else no)))
        for f in _FLAGS]
    doc = _col(res, "national_major_doc")
    major = cat(esc(vocab["national_major"]), when(nonblank(doc), cat(" (", esc(doc), ")")))
    rows = cat(
        _fact(word("type", lang), esc(vocab["type"])),
        _fact(word("industry", lang), esc(vocab["industry"])),
        _fact(word("component", lang), esc(vocab["component"])),
        _fact(word("two_high", lang), np.full(len(res), yes, dtype=object),
              _col(res, "two_high", False).fillna(False).astype(bool)),
        _fact(word("claim_major", lang), when(vocab["national_major"] != "", major)),
        _fact(word("claim_activity", lang), esc(vocab["allowed_activity"])),
        *flags,
        _fact(word("replacement_ratio", lang), fmt(_col(res, "replacement_ratio", np.nan),
                                                   lambda x: f"{x:g}")),
        _fact(word("capacity", lang), fmt(_col(res, "capacity_mw", np.nan),
                                          lambda x: f"{x:,.1f} MW")),
        _fact(word("district", lang), district),
        _fact(word("centroid", lang), centroid),
        _fact(word("area", lang), area),
        _fact(word("length", lang), fmt(loc["length_m"], length_text)),
        _fact(word("footprint", lang), npts))
    return cat('<table class="facts">', rows, "</table>")


def district_names(code: np.ndarray, names: dict[str, str] | None) -> np.ndarray:
    """The name of each admin code (``""`` for a code without one)."""
    names = names or {}
    return each(code, lambda c: names.get(c, ""))


def units_html(hits: pd.DataFrame, n: int, lang: str) -> np.ndarray:
    """Per project, each control unit it lies in with its access list, once."""
    h = hits[(hits["rule_id"] == "control_unit_listed") & (hits["check"] == "fired")]
    if not len(h):
        return np.full(n, "", dtype=object)
    d = pd.DataFrame([x if isinstance(x, dict) else {} for x in h["details"]],
                     index=h.index).reindex(columns=["unit_code", "unit_type", *_CLAUSES])
    unit = d["unit_code"].to_numpy(dtype=object)
    code = pd.Series(np.where(nonblank(unit), unit, h["feature_id"].to_numpy(dtype=object)),
                     index=h.index, dtype=object)
    first = ~pd.Index(row_key(h["row"], code)).duplicated()
    h, d, code = h[first], d[first], code[first]
    attrs = get_kind("control_unit").attributes
    kind = each(d["unit_type"], lambda t: UNIT_TYPES.get(t, (t, t))[lang != "zh"]
                              if isinstance(t, str) and t else "")
    none = word("none", lang)
    # the rows of each distinct access list once (a batch's units share a few hundred)
    lists = row_key(np.zeros(len(d), dtype=np.int64), *(d[f] for f in _CLAUSES))
    one = d.iloc[np.unique(lists, return_index=True)[1]]
    clauses = cat(*[cat("<tr><th>", attrs[f].label(lang), "</th><td>",
                        np.where(nonblank(one[f]), esc(one[f]), none), "</td></tr>")
                    for f in _CLAUSES])[lists]
    table = cat('<table class="unit"><tr><th colspan="2">', esc(code), " ",
                esc(h["feature_name"]), when(kind != "", cat(" · ", esc(kind))),
                "</th></tr>", clauses, "</table>")
    body = group_join(h["row"].to_numpy(), table, n)
    return when(body != "", cat("<h4>", word("units", lang), "</h4>", body))


def _notes(res: pd.DataFrame, hits: pd.DataFrame, lang: str, how: str) -> np.ndarray:
    """Per project, the coverage the screening found wanting (its ``coverage`` hits): the share
    outside the catalog's coverage, the share in no control unit."""
    n = len(res)
    cov = hits[hits["check"].to_numpy(dtype=object) == "coverage"]
    rows = cov["row"].to_numpy(dtype=np.int64)
    ids = cov["rule_id"].to_numpy(dtype=object)
    outside = np.full(n, np.nan)
    gap = np.full(n, np.nan)
    outside[rows[ids == OUTSIDE.id]] = _col(res, "outside_share", np.nan).to_numpy(
        dtype=float)[rows[ids == OUTSIDE.id]]
    gap[rows[ids == GAP.id]] = _col(res, "unit_gap_share", np.nan).to_numpy(
        dtype=float)[rows[ids == GAP.id]]
    a = fmt(outside, lambda s: word("outside", lang, share=share_text(s), how=how))
    b = fmt(gap, lambda s: word("unit_gap", lang, share=share_text(s)))
    return when((a != "") | (b != ""), cat('<p class="coverage">', esc(a), " ", esc(b), "</p>"))


def section_parts(result, hits: pd.DataFrame, lang: str = "zh", start: int = 0,
                  stop: int | None = None, images: dict | None = None,
                  names: dict[str, str] | None = None, rules=None, anchors=None,
                  loc: pd.DataFrame | None = None, built: dict | None = None) -> list:
    """The parts of the HTML sections of projects ``start`` to ``stop`` (positions in
    ``result``), in order: fixed texts and object arrays of one text per project. A page joins
    them once (:func:`maps.report_html.joined`): 100,000 sections are about 740 MB of text,
    and each level of concatenation copies all of it.

    Parameters
    ----------
    result : GeoDataFrame
        The result of :func:`geo.screen`.
    hits : DataFrame
        The hits of projects ``start``..``stop``, their ``row`` counted from ``start``.
    lang : {"zh", "en"}
    start, stop : int
        The range of project positions.
    images : {position: data URI or ""}, optional
        Map images; a project without one gets a note pointing to the summary's explanation.
    names : {admin code: name}, optional
        District names (:func:`maps.report_meta.admin_names`).
    rules : RuleSet, optional
        Rule titles for rules not checked and the distances of distance rules.
    anchors : sequence of str, optional
        The section ids of projects ``start``..``stop``, from
        :func:`maps.display.project_anchors` over the whole result (give them when ``result``
        is a part of it); default: computed over ``result``.
    loc : DataFrame, optional
        :func:`geo.checklist.locations` of projects ``start``..``stop`` (default: computed).
    built : dict, optional
        The parts of projects ``start``..``stop`` a report built for all its projects at once
        (:func:`split_hits`: ``missing`` and ``skipped``); ``hits`` then are those it left.

    Returns
    -------
    list of (str or ndarray of object)
        The parts of one ``<section class="project" id="project-…">`` per project.
    """
    stop = len(result) if stop is None else stop
    res = result.iloc[start:stop]
    h = hits
    n = len(res)
    feats = feature_evidence(h)
    ids = esc(texts(res["project_id"]))
    if anchors is None:
        anchors = project_anchors(result["project_id"].astype(str))[start:stop]
    anchors = np.asarray(anchors, dtype=object)
    error = texts(_col(res, "error").fillna(""))
    images = images or {}
    uri = np.full(n, None, dtype=object)
    for i, value in images.items():
        if start <= i < stop:
            uri[i - start] = value
    name = esc(res["name"])
    alt = cat(ids, " ", name)
    # the image tag only where there is one: a chunk's URIs as one fixed-width numpy text
    # array (``astype(str)``) would take the longest URI's width each, about 1 GB and 3 s
    figure = repeated(cat('<p class="note">', word("no_image", lang), "</p>"), n)
    shown = np.flatnonzero(pd.notna(uri))
    if len(shown):
        figure[shown] = cat('<img class="pmap" alt="', alt[shown], '" src="',
                            np.array([str(u) for u in uri[shown]], dtype=object), '">')
    how = (result.attrs.get("coverage") or {}).get("label", "")
    verdict = texts(res["verdict"])
    err = when(error != "", cat('<p class="error">', esc(each(
        error, lambda e: word("error_text", lang, error=e))), "</p>"))
    return ['<section class="project" id="', anchors,
            '"><div class="phead"><h3><span class="pid">', ids, "</span> ",
            name, "</h3>", badges(verdict, lang), "</div>", err,
            '<div class="pgrid"><div class="pinfo">', facts_html(res, lang, names, loc),
            '</div><figure class="pfig">', figure, "</figure></div>",
            _notes(res, h, lang, how),
            checklist_html(res, h, lang, rules, feats, built and built["missing"]),
            *findings_parts(h, n, lang, rules, built and built["skipped"]),
            units_html(h, n, lang), "</section>\n"]


_RANK = {"prohibited": 0, "review": 1, "admitted": 2}
"""The outcomes a project's main reasons name, worst first."""


def reason_words(result, hits: pd.DataFrame, lang: str) -> np.ndarray:
    """Per project, the titles of its restricting findings (worst first); for an admitted one
    "no restricting rule fired" with the rules that admit it (the control-unit listing aside:
    its access list is on the project's page); or the error. The summary table's "main
    reasons", in words, without rule codes."""
    n = len(result)
    # plain arrays, each outcome ranked once: a chunk's hits are mostly rules not checked
    codes, outcomes = factorize(hits["outcome"].to_numpy(dtype=object))
    sev = np.array([_RANK.get(o, -1) for o in outcomes] + [-1], dtype=np.int64)[codes]
    rows = hits["row"].to_numpy(dtype=np.int64)
    at = np.flatnonzero(sev >= 0)
    # by project, then outcome, then hit order: one stable sort of one key (the hits come by
    # project: a merge sort of runs), not a sort of three keys over two million hits
    at = at[np.argsort(rows[at] * len(_RANK) + sev[at], kind="stable")]
    row, sev = rows[at], sev[at]
    restrictive = sev < _RANK["admitted"]
    has_restr = np.zeros(n, dtype=bool)
    has_restr[row[restrictive]] = True
    keep = (restrictive | ~has_restr[row]) & (
        hits["rule_id"].to_numpy(dtype=object)[at] != "control_unit_listed")
    row, title = row[keep], hits["title"].to_numpy(dtype=object)[at[keep]]
    code, titles = factorize(title)  # each (project, title) once: its first, worst
    first = ~pd.Index(row * (len(titles) + 1) + code).duplicated()
    sep = "；" if lang == "zh" else "; "
    words = np.append(esc(titles), "")  # a missing title (code -1) is blank
    text = group_join(row[first], words[code[first]], n, sep)
    error = texts(_col(result, "error").fillna(""))
    verdict = texts(result["verdict"])
    admitted = verdict == "admitted"
    text = np.where(admitted, np.where(text == "", word("no_restriction", lang),
                                       cat(word("no_restriction", lang), sep, text)), text)
    return np.where(error != "", esc(error), text).astype(object)


def split_hits(result, hits: pd.DataFrame, lang: str, rules=None) -> tuple[pd.DataFrame,
                                                                           dict | None]:
    """The parts of every project's section and table row that the rules not checked make
    (at 100,000 projects 1.6 of 1.9 million hits), built once for all projects, and the hits
    the rest of the sections read: ``(hits left, {"missing": the checklist's rows of the kinds
    not provided, "skipped": the findings' items of the rules not checked, "reasons":
    :func:`reason_words`})``, the parts one per project of ``result``.

    The hits left are all but the ``not_checked`` ones on kinds not provided that name no
    feature: no other part reads those, and each chunk of sections then filters a sixth of
    the hits. ``(hits, None)`` where the result does not name the kinds it read (the
    checklist's kinds then come from the hits of each chunk).
    """
    if not result.attrs.get("kinds") or not len(hits):
        return hits, None
    state = checked_kinds(result, hits)
    absent = [k for k, s in state.items() if s == "not_provided"]
    masks = absent_masks(hits, absent) if absent else None  # (some, every, several)
    built = {"missing": missing_rows(result, hits, lang, masks),
             "skipped": skipped_items(hits, len(result), lang, rules),
             "reasons": reason_words(result, hits, lang)}
    if not absent:
        return hits, built
    placed = nonblank(hits["layer_id"])  # what feature_evidence reads, the ids of few rows
    at = np.flatnonzero(placed)
    placed[at] = nonblank(hits["feature_id"].to_numpy(dtype=object)[at])
    alone = (hits["check"].to_numpy(dtype=object) == "not_checked") & ~placed & masks[1]
    return hits[~alone], built


__all__ = ["district_names", "facts_html", "image_uri", "reason_words", "section_parts",
           "split_hits", "units_html"]
