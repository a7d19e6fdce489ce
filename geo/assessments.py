"""Assessments: land a site may use only after an assessment (the profile's ``[[assessment]]``).

A geohazard-prone zone is not excluded land: 《地质灾害防治条例》第二十一条 asks for a geohazard risk
assessment at the feasibility stage, without which the feasibility study is not approved. A site
whose usable land lies on such a zone is therefore not a plain ``usable`` site: it goes to
``review`` (not ranked, not in the totals or the supply curve, as a site above ``max_plant_mw``),
its reason naming each feature (id, name, deciding attributes), the hectares and share of the
usable land on it, the source and what is due; its usable land stays and its capacity is
kept for the reviewer in ``capacity_if_cleared_mw`` (:func:`geo.site_flags.counted_only`).
``siting check`` says ``review`` on the same land by its rule ``geohazard_zone``. A site whose
candidate lies partly on such land but none of whose usable land does (that part excluded,
e.g. as forest) stays ranked, with a flag naming the feature, the hectares and the exclusion:
the feasibility study must still consider it.

A feature whose deciding attribute is unknown counts (unknown never passes). A rule whose layer
the catalog lacks is not applied: it is said in the run's notes, on the terminal and in every
site's notes, as a missing exclusion layer is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.exclusion import M2_PER_HA, match_features, true_area
from geo.site_flags import append, say
from layers.kinds import get_kind

MIN_OVERLAP_M2 = 1.0
"""Usable land on a feature [m²] below which the site is taken as touching it only."""


_WORDS_ZH = {"high": "高", "medium": "中", "low": "低"}
"""Chinese words of the coded attribute values an assessment names (e.g. a zone's grade)."""


def _value(value, lang: str) -> str:
    """An attribute value in words: yes/no for a flag, a grade's word in Chinese."""
    if isinstance(value, bool | np.bool_):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    return _WORDS_ZH.get(str(value), str(value)) if lang == "zh" else str(value)


def _describe(gdf: pd.DataFrame, i: int, kind: str) -> tuple[str, str]:
    """A feature in words (en, zh): id, name and each attribute of its kind (unknown said)."""
    row = gdf.iloc[i]
    fid = str(row["id"]) if "id" in gdf.columns and pd.notna(row["id"]) else f"#{i + 1}"
    name = str(row["name"]) if "name" in gdf.columns and pd.notna(row.get("name")) else ""
    en, zh = [], []
    for attr, spec in get_kind(kind).attributes.items():
        if attr in ("id", "name"):
            continue
        v = row.get(attr) if attr in gdf.columns else None
        known = v is not None and not (isinstance(v, float) and np.isnan(v))
        en.append(f"{spec.label_en} {_value(v, 'en') if known else 'unknown'}")
        zh.append(f"{spec.label_zh}：{_value(v, 'zh') if known else '未知'}")
    head = f"{fid} {name}".strip()
    return (f"{head} ({', '.join(en)})" if en else head,
            f"{head}（{'，'.join(zh)}）" if zh else head)


def _features(cat, rule, crs) -> tuple[list, list[str]]:
    """The matching features of ``rule`` as ``(geometry, layer table, position, unknown)``
    (described only when a site meets one, :func:`_describe`; ``unknown``: it matches only
    because a deciding attribute is blank) and the ids of those that cannot be placed (no
    geometry)."""
    feats, lost = [], []
    for d in cat.layers_of(rule.kind, crs):
        gdf = d.gdf
        match, unknown, _ = match_features(gdf, rule.kind, rule.where)
        geoms = np.asarray(gdf.geometry.values, dtype=object)
        bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        lost += [f"{d.spec.id}:{i}" for i in gdf["id"][bad & match]] if "id" in gdf.columns \
            else [f"{d.spec.id}:#{i + 1}" for i in np.flatnonzero(bad & match)]
        for i in np.flatnonzero(match & ~bad):
            feats.append((geoms[i], gdf, i, bool(unknown[i])))
    return feats, lost


def usable_meets(geoms: np.ndarray, fg: np.ndarray, live: np.ndarray,
                 crs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which features the usable land of the ``live`` sites meets by more than
    :data:`MIN_OVERLAP_M2`: (site rows, feature indices, overlap [m²] on the ellipsoid)."""
    idx = np.flatnonzero(live)
    a, b = shapely.STRtree(fg).query(geoms[idx], predicate="intersects")
    m2 = true_area(shapely.intersection(geoms[idx][a], fg[b]), crs)
    keep = m2 > MIN_OVERLAP_M2
    return idx[a[keep]], b[keep], m2[keep]


def hectares_on(geom, features: np.ndarray, crs) -> float:
    """The area of ``geom`` on the union of ``features`` [ha] (overlapping features once)."""
    on = shapely.union_all(shapely.intersection(geom, features))
    return float(true_area(np.array([on], dtype=object), crs)[0]) / M2_PER_HA


def _why(rule, unknown: bool) -> tuple[str, str]:
    """What is due (en, zh): the rule's reason, or its unknown-fact reason when every feature the
    site meets matches only because its deciding attribute is blank (never assert the bad
    value then)."""
    if unknown and rule.reason_unknown_en and rule.reason_unknown_zh:
        return rule.reason_unknown_en, rule.reason_unknown_zh
    return rule.reason_en, rule.reason_zh


def _missing(out, run, rule, label) -> None:
    """A rule whose layer the catalog lacks: said, and flagged on every judged site."""
    say(run, f"assessment_missing_{rule.id}", (
        f"assessment {rule.id!r} ({label.label_en}): not checked: layer not provided — a site "
        f"there needs an assessment ({rule.source}: {rule.reason_en}); check every site by hand "
        f"/ 未提供{label.label_zh}图层，未核查，位于其中的地块须先评估（{rule.source}），请人工核查"))
    run.meta.setdefault("assessment_not_checked", []).append(
        {"id": rule.id, "kind": rule.kind, "label_en": label.label_en,
         "label_zh": label.label_zh})
    append(out, (out["status"] != "error").to_numpy(),
           f"not checked against: {rule.kind} (layer not provided; a site there needs an "
           f"assessment, {rule.source} — check by hand) / 未核查：{label.label_zh}（未提供图层，"
           "请人工核查）", "notes")


def _taken_by(run, part) -> tuple[list[str], list[str]]:
    """The labels (en, zh) of the exclusions whose land covers more than a touch of ``part``."""
    en, zh = [], []
    for rule, rg in run.exclusions:
        if not len(rg.geoms):
            continue
        j = shapely.STRtree(rg.geoms).query(part, predicate="intersects")
        if len(j) and shapely.area(shapely.intersection(part, shapely.union_all(
                rg.geoms[j]))) > MIN_OVERLAP_M2:
            label = get_kind(rule.kind)
            if label.label_en.lower() not in en:
                en.append(label.label_en.lower())
                zh.append(label.label_zh)
    return en, zh


def _partly_in(out, run, rule, label, feats, fg, rows) -> None:
    """Flag each site in ``rows`` whose candidate meets a feature of ``rule`` though its usable
    land does not (that part excluded for another reason, e.g. forest): it stays ranked (only
    usable land waits for the assessment) but its flags name the feature(s), the hectares of the
    candidate in them and the exclusions that took that land — the feasibility study must
    still consider the zone."""
    idx = np.flatnonzero(rows)
    if not len(idx):
        return
    cand = np.asarray(out.geometry.values, dtype=object)[idx]
    a, b = shapely.STRtree(fg).query(cand, predicate="intersects")
    for i in np.unique(a):
        mine = b[a == i]
        parts = shapely.intersection(cand[i], fg[mine])
        m2 = true_area(parts, out.crs)
        keep = m2 > MIN_OVERLAP_M2
        if not keep.any():
            continue
        part = shapely.union_all(parts[keep])
        ha = float(true_area(np.array([part], dtype=object), out.crs)[0]) / M2_PER_HA
        words = [_describe(feats[j][1], feats[j][2], rule.kind) for j in mine[keep]]
        ex_en, ex_zh = _taken_by(run, part)
        by_en = f"excluded there as {', '.join(ex_en)}" if ex_en else "not usable there"
        by_zh = f"该部分已按{'、'.join(ex_zh)}排除" if ex_zh else "该部分不可用"
        append(out, np.isin(np.arange(len(out)), [idx[i]]),
               f"partly in the {label.label_en.lower()} ({'; '.join(w[0] for w in words)}): "
               f"{ha:,.2f} ha of the candidate, {by_en}; its usable land is not in it, yet the "
               f"feasibility study must consider the zone ({rule.source}) / 部分位于"
               f"{label.label_zh}（{'；'.join(w[1] for w in words)}）：{ha:,.2f} ha，{by_zh}，"
               f"可用地不在其中，但可行性研究须考虑该区（{rule.source}）", "notes")


def assessments(sites, run):
    """Sites whose usable land lies on land needing an assessment go to ``review``.

    Parameters
    ----------
    sites : GeoDataFrame
        The site table after the capacity stage (metric working CRS; ``usable_geometry``,
        ``usable_area_ha`` [ha] on the ellipsoid).
    run : geo.siting.Run

    Returns
    -------
    GeoDataFrame
        A copy: each ``usable`` site on such land is ``review``; every ``usable`` or ``review``
        site on it gets, per rule, a reason naming the features, the usable land on them [ha]
        and its share of the site's usable land, the source and what is due, and a short flag in
        ``notes``. ``run.meta["assessment"]`` holds the text the command warns with.
    """
    out = sites.copy()
    cat = run.catalog
    live = out["status"].isin(("usable", "review")).to_numpy() \
        & (out["usable_area_ha"].fillna(0).to_numpy(float) > 0)
    geoms = np.asarray(out["usable_geometry"], dtype=object)
    said = []
    for rule in run.profile.assessment:
        label = get_kind(rule.kind)
        if not any(s.kind == rule.kind for s in cat.layers):
            _missing(out, run, rule, label)
            continue
        feats, lost = _features(cat, rule, out.crs)
        if lost:
            run.notes.append(f"assessment {rule.id!r} ({label.label_en}): {len(lost)} feature(s) "
                             f"cannot be placed ({', '.join(lost[:5])}"
                             f"{' …' if len(lost) > 5 else ''}): not checked there — fix their "
                             f"geometry or check the sites by hand / {label.label_zh}有要素无法定位，"
                             "未核查，请人工核查")
        if not feats or not live.any():
            continue
        fg = np.array([f[0] for f in feats], dtype=object)
        a, b, m2 = usable_meets(geoms, fg, live, out.crs)
        hit = np.zeros(len(out), dtype=bool)
        known = False   # some site meets a feature whose deciding fact is known bad
        if not len(a):
            _partly_in(out, run, rule, label, feats, fg, live)
            continue
        reasons = []
        for row in np.unique(a):
            mine = np.flatnonzero(a == row)
            ha = hectares_on(geoms[row], fg[b[mine]], out.crs)
            share = ha / float(out["usable_area_ha"].iat[row])
            words = [_describe(feats[b[j]][1], feats[b[j]][2], rule.kind) for j in mine]
            en = "; ".join(f"{w[0]} {m2[j] / M2_PER_HA:,.2f} ha" for w, j in zip(words, mine))
            zh = "；".join(f"{w[1]} {m2[j] / M2_PER_HA:,.2f} ha" for w, j in zip(words, mine))
            hit[row] = True
            unknown = all(feats[b[j]][3] for j in mine)
            known |= not unknown
            why_en, why_zh = _why(rule, unknown)
            reasons.append(
                f"{ha:,.2f} ha of the usable land ({share:.1%}) lies in the {label.label_en.lower()}"
                f" ({en}): {why_en} ({rule.source}); not ranked — commission the "
                f"assessment or check by hand / 可用地 {ha:,.2f} ha（{share:.1%}）位于"
                f"{label.label_zh}（{zh}）：{why_zh}（{rule.source}），未排名")
        append(out, hit, reasons)
        append(out, hit, f"{label.label_en}: assessment due ({rule.source}) / 位于"
               f"{label.label_zh}，须先评估", "notes")
        _partly_in(out, run, rule, label, feats, fg, live & ~hit)
        out.loc[hit & (out["status"] == "usable").to_numpy(), "status"] = "review"
        ids = out.loc[hit, "site_id"].astype(str).tolist()
        why_en, why_zh = _why(rule, not known)
        said.append(f"{len(ids)} site(s) lie in the {label.label_en.lower()} ({', '.join(ids[:5])}"
                    f"{' …' if len(ids) > 5 else ''}): sent to review, not ranked nor counted in "
                    f"the totals — {why_en} ({rule.source}) / {len(ids)} 个地块位于"
                    f"{label.label_zh}，已转为需人工核查，未排名、未计入合计：{why_zh}")
    if said:
        say(run, "assessment", "; ".join(said))
    return out
