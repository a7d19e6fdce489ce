"""Approvals: usable land a site may use only with an approval (the profile's ``[[approval]]``).

Cultivated land and forest land are not barred to a wind farm: its foundations, roads and
substation on 耕地 need farmland conversion approval and a balanced replacement (《土地管理法》
第四十四条、第三十条), on 林地 the forestry authority's consent (《森林法》第三十七条); a PV array on
shrub land is allowed only as 林光互补 under conditions, with the same consent. ``siting check``
says ``review`` there (rules ``wind_cultivated_land``, ``wind_forest_land``, ``pv_array_shrub``,
``pv_forest_land``). A score site keeps its status and rank (an approval is not a bar, and the
planner wants the site in the ranking), but its ``notes`` say, per approval, the land class (the
``describe`` attributes of the features on it), the hectares of usable land there, what is needed
and the source, in English and Chinese, so a planner signing the ranking is told.

A feature whose deciding attribute is unknown counts (unknown never passes); a described
attribute that is unknown is said ("class unknown"). A rule whose layer the catalog lacks is said
in the run's notes and in every judged site's notes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.assessments import _features, hectares_on, usable_meets
from geo.exclusion import M2_PER_HA
from geo.site_flags import append, say
from layers.errors import bi
from layers.kinds import get_kind

WORDS = {
    "forest_type": {"arbor": ("arbor", "乔木林"), "bamboo": ("bamboo", "竹林"),
                    "shrub": ("shrub", "灌木林"), "other": ("other forest land", "其他林地")},
    "public_welfare": {"national": ("national public-welfare forest", "国家级公益林"),
                       "provincial": ("provincial public-welfare forest", "省级公益林"),
                       "none": None},
    "land_class": {"paddy": ("paddy field", "水田"), "irrigated": ("irrigated land", "水浇地"),
                   "dry": ("dry land", "旱地")},
    "protection_grade": {g: (f"protection grade {g}", f"{g}级保护林地")
                         for g in ("I", "II", "III", "IV")},
}
"""Words (en, zh) of the attribute values an approval names; ``None``: not worth saying."""

SHORT = {"forest_type": ("forest type", "林地类型"), "public_welfare": ("public welfare", "公益林级别"),
         "land_class": ("land class", "地类"), "protection_grade": ("protection grade", "保护等级")}
"""Short (en, zh) names of an attribute, said when its value is unknown."""


def _class_words(gdf: pd.DataFrame, i: int, describe: list[str]) -> tuple[str, str]:
    """The land class of feature ``i`` in words (en, zh) from its ``describe`` attributes."""
    en, zh = [], []
    for attr in describe:
        v = gdf[attr].iat[i] if attr in gdf.columns else None
        if v is None or (isinstance(v, float) and np.isnan(v)) or str(v) == "":
            label = SHORT.get(attr, (attr, attr))
            en.append(f"{label[0]} unknown")
            zh.append(f"{label[1]}未知")
            continue
        words = WORDS.get(attr, {}).get(str(v), (str(v), str(v)))
        if words:
            en.append(words[0])
            zh.append(words[1])
    return ", ".join(en), "，".join(zh)


def _missing(out, run, rule, label) -> None:
    """A rule whose layer the catalog lacks: said, and flagged on every judged site."""
    say(run, f"approval_missing_{rule.id}", (
        f"approval {rule.id!r} ({label.label_en}): not checked: layer not provided — usable land "
        f"there would need an approval ({rule.source}); check every site by hand / 未提供"
        f"{label.label_zh}图层，未核查，位于其中的可用地须审批（{rule.source}），请人工核查"))
    append(out, (out["status"] != "error").to_numpy(),
           f"not checked against: {rule.kind} (layer not provided; land there needs an approval, "
           f"{rule.source} — check by hand) / 未核查：{label.label_zh}（未提供图层，请人工核查）",
           "notes")


def _ids(values) -> str:
    """At most five ids, "…" after them when there are more."""
    values = [str(v) for v in values]
    return ", ".join(values[:5]) + (" …" if len(values) > 5 else "")


def _warning(rule, label, ranked, review) -> tuple[str, str]:
    """The run-wide warning of one approval rule (en, zh): the sites on its land that are still
    ranked (``usable``) and, said apart, those already sent to review by another check (not
    ranked: the approval is due once that check is cleared)."""
    kind_en, kind_zh = label.label_en.lower(), label.label_zh
    n = len(ranked) + len(review)
    en, zh = [], []
    if len(ranked):
        en.append(f"{len(ranked)} still ranked ({_ids(ranked)}), but {rule.approval_en} "
                  f"({rule.source})")
        zh.append(f"{len(ranked)} 个仍排名（{_ids(ranked)}），但{rule.approval_zh}")
    if len(review):
        en.append(f"{len(review)} under review for another check, not ranked ({_ids(review)})"
                  + ("; the same approval is due once cleared" if len(ranked) else
                     f"; once cleared: {rule.approval_en} ({rule.source})"))
        zh.append(f"{len(review)} 个因其他原因需人工核查、未排名（{_ids(review)}）"
                  + ("，核查通过后同样须审批" if len(ranked) else
                     f"，核查通过后{rule.approval_zh}"))
    return (f"{n} site(s) use {kind_en}: {'; '.join(en)}",
            f"{n} 个地块使用{kind_zh}：{'；'.join(zh)}")


def approvals(sites, run):
    """Flag the sites whose usable land lies on land needing an approval.

    Parameters
    ----------
    sites : GeoDataFrame
        The site table after the capacity stage (metric working CRS; ``usable_geometry``,
        ``usable_area_ha`` [ha] on the ellipsoid).
    run : geo.siting.Run

    Returns
    -------
    GeoDataFrame
        A copy; statuses unchanged. Each ``usable`` or ``review`` site with usable land on such
        land gets, per approval rule, a note "<ha> ha of the usable land is <kind> (<classes>):
        <approval> (<source>) / 可用地中 <ha> ha 为…" with the hectares [ha] on the ellipsoid.
        ``run.meta["approval"]`` holds the text the command warns with, naming the sites still
        ranked apart from those a previous check sent to review (not ranked).
    """
    out = sites.copy()
    rules = getattr(run.profile, "approval", [])
    if not rules:
        return out
    cat = run.catalog
    live = out["status"].isin(("usable", "review")).to_numpy() \
        & (out["usable_area_ha"].fillna(0).to_numpy(float) > 0)
    geoms = np.asarray(out["usable_geometry"], dtype=object)
    said = []
    for rule in rules:
        label = get_kind(rule.kind)
        if not any(s.kind == rule.kind for s in cat.layers):
            _missing(out, run, rule, label)
            continue
        feats, _ = _features(cat, rule, out.crs)
        if not feats or not live.any():
            continue
        fg = np.array([f[0] for f in feats], dtype=object)
        a, b, _ = usable_meets(geoms, fg, live, out.crs)
        if not len(a):
            continue
        hit = np.zeros(len(out), dtype=bool)
        notes = []
        for row in np.unique(a):
            mine = b[a == row]
            ha = hectares_on(geoms[row], fg[mine], out.crs)
            classes = list(dict.fromkeys(
                _class_words(feats[j][1], feats[j][2], rule.describe) for j in mine))
            en = "; ".join(c[0] for c in classes if c[0])
            zh = "；".join(c[1] for c in classes if c[1])
            hit[row] = True
            size = f"{ha:,.2f} ha" if ha >= 0.01 else f"{ha * M2_PER_HA:,.0f} m²"  # a sliver
            notes.append(
                f"{size} of the usable land is {label.label_en.lower()}"
                f"{f' ({en})' if en else ''}: {rule.approval_en} ({rule.source}) / 可用地中 "
                f"{size} 为{label.label_zh}{f'（{zh}）' if zh else ''}：{rule.approval_zh}"
                f"（{rule.source}）")
        append(out, hit, notes, "notes")
        ranked = (out["status"] == "usable").to_numpy()
        said.append(_warning(rule, label, out.loc[hit & ranked, "site_id"],
                             out.loc[hit & ~ranked, "site_id"]))
    if said:  # one message of two halves, whatever the number of rules
        say(run, "approval", bi(". ".join(e for e, _ in said), "。".join(z for _, z in said)))
    return out
