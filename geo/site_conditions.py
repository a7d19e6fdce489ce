"""Site conditions: what the degraded land's own facts say about building on it.

Three facts of the candidate layers count (``layers/kinds.toml``): subsidence land that is not
stable (``subsidence_area.stable``), a landfill closed fewer than N years ago
(``closed_landfill.closed_year``) and a contaminated site in the risk-control register
(``contaminated_site.in_risk_register``). Per profile each is a hard limit (the site is excluded
with the reason) or a value 0-1 of the ``site_condition`` criterion. An unknown fact (None, a
closure year ≤ 0, a user polygon without attributes) is never taken as good: where the known-bad
value is a limit, the site needs a check by hand (``condition_check``: it is not ranked, as the
bad value would exclude it); otherwise it gets the profile's ``unknown_value`` and a flag naming
the fact. A user polygon takes the facts of the catalog's degraded-land features it overlaps
(:func:`user_conditions`): the user's copy of a registered contaminated site is excluded as the
catalog's own is.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import shapely

FACTS = {"subsidence_area": "stable", "closed_landfill": "closed_year",
         "contaminated_site": "in_risk_register"}
"""The deciding fact of each degraded-land kind."""

_BAD = {
    "subsidence_area": ("unstable_subsidence",
                        "subsidence land not stable (stable = no): a geological hazard risk "
                        "assessment comes first (《地质灾害防治条例》第二十一条) / 采煤沉陷区未稳沉"),
    "closed_landfill": ("recent_landfill",
                        "landfill closed {year} ({age} yr < {min} yr): waste body still settling "
                        "(GB 51220-2017) / 封场年限不足"),
    "contaminated_site": ("registered_contaminated",
                          "contaminated site in the risk-control register: no works unrelated to "
                          "risk control (《土壤污染防治法》第六十六条) / 列入风险管控和修复名录"),
}

_IF_BAD = {
    "subsidence_area": ("not stable (stable = no)", "未稳沉"),
    "closed_landfill": ("closed fewer than {min} years ago", "封场不足{min}年"),
    "contaminated_site": ("in the risk-control register", "列入风险管控和修复名录"),
}
"""The known-bad value of each kind's fact, in words (en, zh), for the check-by-hand reason."""


def assessment_year(conditions) -> int:
    """The year landfill ages are counted to: the profile's ``assessment_year`` or this year."""
    return conditions.assessment_year or dt.date.today().year


def site_conditions(kinds, facts, conditions) -> pd.DataFrame:
    """The ``site_condition`` value, limit and flag of each candidate.

    Parameters
    ----------
    kinds : sequence of str
        Each candidate's ``source_kind`` (a degraded-land kind or ``user``).
    facts : sequence of dict
        Each candidate's source attributes (``{attribute: value}``, ``_unknown`` with reasons
        where the layer gives them).
    conditions : SiteConditions
        The profile's ``[site_conditions]``.

    Returns
    -------
    DataFrame
        ``site_condition`` (0-1; 1 = nothing known against the site; NaN where a limit
        applies), ``condition_limit`` (the reason a limit excludes the site, ``""`` otherwise)
        and ``condition_flag`` (the adverse or unknown fact behind a value below 1, for the
        site's notes; ``""`` otherwise).
    """
    year = assessment_year(conditions)
    rows = []
    for kind, f in zip(kinds, facts):
        f = f if isinstance(f, dict) else {}
        attr = FACTS.get(kind)
        if kind == "user":
            rows.append((conditions.unknown_value, "",
                         "site conditions unknown (a user polygon carries no subsidence, landfill "
                         "or contamination facts of its own; those of the catalog's degraded land "
                         "it overlaps are applied) — check by hand / 场地条件未知（已套用所叠加"
                         "目录图斑的属性）", ""))
            continue
        if attr is None:
            rows.append((1.0, "", "", ""))
            continue
        value = f.get(attr)
        if kind == "closed_landfill" and value is not None and not pd.isna(value) \
                and int(value) <= 0:
            value = None
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            why = (f.get("_unknown") or {}).get(attr) or f"{attr} unknown"
            if getattr(conditions, _BAD[kind][0]) == "limit":
                en, zh = (w.format(min=conditions.landfill_min_years_closed)
                          for w in _IF_BAD[kind])
                rows.append((np.nan, "", "",
                             f"{why} — check by hand; if {en} the site is excluded / "
                             f"{attr} 属性未知，请人工核查；若{zh}则排除"))
            else:
                rows.append((conditions.unknown_value, "",
                             f"{why} — check by hand; scored as unknown / 属性未知", ""))
            continue
        key, text = _BAD[kind]
        if kind == "subsidence_area":
            bad = not bool(value)
        elif kind == "closed_landfill":
            bad = year - int(value) < conditions.landfill_min_years_closed
            text = text.format(year=int(value), age=year - int(value),
                               min=conditions.landfill_min_years_closed)
        else:
            bad = bool(value)
        action = getattr(conditions, key)
        if not bad:
            rows.append((1.0, "", "", ""))
        elif action == "limit":
            rows.append((np.nan, text, "", ""))
        else:
            rows.append((float(action), "", text, ""))
    return pd.DataFrame(rows, columns=["site_condition", "condition_limit", "condition_flag",
                                       "condition_check"])


SAME_SITE = 0.5
"""Share of a user polygon on one degraded-land feature [-] from which it is taken for that
site: a limit of the feature then excludes the polygon as it excludes the feature; below it
the polygon only overlaps the site and goes to a check by hand."""


def user_conditions(geoms, features, conditions, min_overlap_m2: float = 1.0) -> pd.DataFrame:
    """Site conditions of the user's polygons, with the facts of the catalog's degraded-land
    features each overlaps.

    A user polygon carries no facts of its own: it gets the ``user`` row of
    :func:`site_conditions` (the profile's ``unknown_value``, flagged). Where it overlaps a
    subsidence area, a closed landfill or a contaminated site of the catalog (by more than
    ``min_overlap_m2``), that feature's fact counts as well, the worst one deciding: a limit
    excludes the site where the polygon lies mostly on the feature (:data:`SAME_SITE`: the
    user's copy of a registered contaminated site is excluded as the catalog's own is) and sends
    it to a check by hand where it only overlaps it (that part cannot be used); an unknown fact
    whose bad value is a limit sends it to a check by hand; a value below 1 or a flag is added.
    Never better than the ``user`` row.

    Parameters
    ----------
    geoms : array of geometries
        The user's polygons, in the CRS of ``features`` (metric).
    features : GeoDataFrame
        :func:`geo.exclusion.catalog_candidates` of the catalog.
    conditions : SiteConditions
        The profile's ``[site_conditions]``.
    min_overlap_m2 : float
        Overlap [m²] below which a feature is taken as touching only.

    Returns
    -------
    DataFrame
        As :func:`site_conditions`, one row per polygon.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    out = site_conditions(["user"] * n, [{}] * n, conditions)
    feats = features[features["source_kind"].isin(list(FACTS)).to_numpy()] if len(features) \
        else features
    if not n or not len(feats):
        return out
    fg = np.asarray(feats.geometry.values, dtype=object)
    a, b = shapely.STRtree(fg).query(geoms, predicate="intersects")
    area = shapely.area(shapely.intersection(geoms[a], fg[b])) if len(a) else np.zeros(0)
    keep = area > min_overlap_m2
    a, b, area = a[keep], b[keep], area[keep]
    if not len(a):
        return out
    per = site_conditions(feats["source_kind"].to_numpy()[b], feats["facts"].to_numpy()[b],
                          conditions)
    where = [f"on {sid} ({ha:,.2f} ha) / 与{sid}重叠 ({ha:,.2f} ha): "
             for sid, ha in zip(feats["site_id"].to_numpy()[b], area / 10_000)]
    share = area / np.maximum(shapely.area(geoms[a]), 1e-9)
    for i in np.unique(a):
        mine = np.flatnonzero(a == i)
        texts = {c: "; ".join(where[j] + per[c].iat[j] for j in mine if per[c].iat[j])
                 for c in ("condition_limit", "condition_flag", "condition_check")}
        whole = [j for j in mine if per["condition_limit"].iat[j] and share[j] >= SAME_SITE]
        part = [j for j in mine if per["condition_limit"].iat[j] and share[j] < SAME_SITE]
        row = out.iloc[i]
        if whole:  # the user's copy of that site
            out.iloc[i] = (np.nan, texts["condition_limit"], "", "")
        elif part:  # a limit on a part: that part cannot be used; the rest is not yet known
            out.iloc[i] = (np.nan, "", "", "; ".join(
                f"{where[j]}{per['condition_limit'].iat[j]} ({share[j]:.1%} of the site): that "
                "part cannot be used — split it off or check by hand / 该部分不可用，请拆分或人工核查"
                for j in part))
        elif texts["condition_check"]:
            out.iloc[i] = (np.nan, "", "", texts["condition_check"])
        else:
            value = min(row["site_condition"], float(per["site_condition"].iloc[mine].min()))
            flag = "; ".join(t for t in (row["condition_flag"], texts["condition_flag"]) if t)
            out.iloc[i] = (value, "", flag, "")
    return out
