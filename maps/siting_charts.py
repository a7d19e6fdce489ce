"""Charts of the siting report, rendered offline with matplotlib as SVG (text kept as text).

Four views a planner asks for: what each site's score is made of (stacked bars of the weighted
criteria, ``score_<criterion>``), capacity against rank, the supply curve (LCOE against
cumulative capacity and energy, from :func:`geo.cost.supply_curve`) and how stable each rank is
under the weights' uncertainty (``rank_p05``-``rank_p95``). Deterministic bytes (fixed SVG ids,
no dates), drawn outside pyplot (no global backend), labels in the chosen language.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from maps import style as st
from maps.static_map import _fonts

MOST_SITES = 30
"""Sites shown in the per-site charts (best ranks first); the tables list all."""
CRITERION_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                     "#F0E442", "#000000")
"""Okabe-Ito colours (safe for every common colour vision), one per criterion."""

TEXT = {
    "breakdown": ("得分构成（加权指标得分，前 {n} 名）", "Score breakdown (weighted criteria, top {n})"),
    "points": ("得分", "points"),
    "capacity": ("装机容量与排名", "Capacity by rank"),
    "rank": ("排名", "rank"),
    "mw": ("装机 [MW]", "capacity [MW]"),
    "supply": ("供给曲线：度电成本（含并网）", "Supply curve: LCOE incl. grid connection"),
    "lcoe": ("度电成本 [元/MWh]", "LCOE [CNY/MWh]"),
    "cum_mw": ("累计装机 [MW]", "cumulative capacity [MW]"),
    "cum_mwh": ("累计年发电量 [GWh/yr]", "cumulative generation [GWh/yr]"),
    "stability": ("排名稳定性：5%-95% 区间（前 {n} 名）", "Rank stability: 5-95 % interval (top {n})"),
    "interval": ("排名区间", "rank interval"),
    "ptop": ("进入前 {k} 概率", "P(top {k})"),
    "cut": ("前 {k} 名", "top {k}"),
    "none": ("没有可用地块", "no usable site"),
}


def _t(key: str, lang: str, **values) -> str:
    return st.pick(TEXT[key], lang).format(**values)


def _figure(width_in: float, height_in: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width_in, height_in), dpi=100, facecolor="white")


def _svg(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None},
                bbox_inches="tight", pad_inches=0.08)
    return buf.getvalue()


def _context(lang: str):
    import matplotlib

    fonts, _ = _fonts(lang)
    return matplotlib.rc_context({"font.family": fonts, "svg.hashsalt": "siting-charts",
                                  "svg.fonttype": "none", "axes.unicode_minus": False,
                                  "font.size": 9, "axes.spines.top": False,
                                  "axes.spines.right": False})


def _ranked(sites: pd.DataFrame, most: int = MOST_SITES) -> pd.DataFrame:
    usable = sites[(sites["status"] == "usable") & sites["rank"].notna()]
    return usable.sort_values(["rank", "site_id"], kind="stable").head(most)


def _site_labels(ranked: pd.DataFrame) -> list[str]:
    names = ranked["name"].fillna("").astype(str)
    names = names.where(names.str.len() <= 18, names.str.slice(0, 17) + "…")
    return [f"{int(r)}. {n or s}" for r, n, s in zip(ranked["rank"], names, ranked["site_id"],
                                                     strict=True)]


def _per_site(sites: pd.DataFrame, base_height_in: float):
    """The ranked sites of a per-site chart, its figure (one row per site) and axes."""
    ranked = _ranked(sites)
    fig = _figure(7.2, base_height_in + 0.24 * max(len(ranked), 3))
    return ranked, fig, fig.add_subplot()


def _empty(fig, ax, lang: str) -> bytes:
    """The chart's SVG saying there is no usable site."""
    ax.text(0.5, 0.5, _t("none", lang), ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return _svg(fig)


def score_breakdown(sites: pd.DataFrame, criteria: list[str], labels: dict[str, str],
                    lang: str = "zh") -> bytes:
    """Stacked horizontal bars: each ranked site's ``score_<criterion>`` points.

    Parameters
    ----------
    sites : DataFrame
        The result of :func:`geo.score_sites`.
    criteria : list of str
        The criteria, in the profile's order (columns ``score_<criterion>``).
    labels : {criterion: label}
        Legend labels in ``lang``.
    """
    with _context(lang):
        ranked, fig, ax = _per_site(sites, 1.2)
        if not len(ranked):
            return _empty(fig, ax, lang)
        y = np.arange(len(ranked))
        left = np.zeros(len(ranked))
        for i, c in enumerate(criteria):
            v = ranked[f"score_{c}"].fillna(0).to_numpy(dtype=float)
            ax.barh(y, v, left=left, color=CRITERION_COLOURS[i % len(CRITERION_COLOURS)],
                    label=labels.get(c, c), height=0.72, edgecolor="white", linewidth=0.4)
            left += v
        for yi, total in zip(y, ranked["score"].to_numpy(dtype=float), strict=True):
            ax.text(total + 0.8, yi, f"{total:.1f}", va="center", fontsize=7.5)
        ax.set_yticks(y, _site_labels(ranked))
        ax.invert_yaxis()
        ax.set_xlim(0, 105)
        ax.set_xlabel(_t("points", lang) + " (0-100)")
        ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, fontsize=8, frameon=False,
                  title=_t("breakdown", lang, n=len(ranked)), title_fontsize=10,
                  alignment="left")
        return _svg(fig)


def capacity_by_rank(sites: pd.DataFrame, lang: str = "zh") -> bytes:
    """Bars of each usable site's capacity [MW] at its rank, coloured by score class."""
    ranked = _ranked(sites, most=len(sites))
    with _context(lang):
        fig = _figure(7.2, 2.6)
        ax = fig.add_subplot()
        if not len(ranked):
            return _empty(fig, ax, lang)
        colours = [st.CLASS_STYLES.get(c, st.CLASS_STYLES["D"])["fillColor"]
                   for c in ranked["class"].astype(str)]
        ax.bar(ranked["rank"].to_numpy(dtype=float), ranked["capacity_mw"].fillna(0),
               color=colours, edgecolor="#333333", linewidth=0.4, width=0.8)
        from matplotlib.patches import Patch

        present = [c for c in st.CLASS_STYLES if c in set(ranked["class"].astype(str))]
        ax.legend(handles=[Patch(facecolor=st.CLASS_STYLES[c]["fillColor"], edgecolor="#333333",
                                 label=st.class_label(c, lang)) for c in present],
                  fontsize=8, frameon=False, ncol=len(present), loc="lower left",
                  bbox_to_anchor=(0, 1.0), title=_t("capacity", lang), title_fontsize=10,
                  alignment="left")
        ax.set_xlabel(_t("rank", lang))
        ax.set_ylabel(_t("mw", lang))
        ax.xaxis.get_major_locator().set_params(integer=True)
        return _svg(fig)


def supply_curve(curve: pd.DataFrame, lang: str = "zh") -> bytes:
    """LCOE [CNY/MWh] as steps over cumulative capacity [MW] and cumulative energy [GWh/yr]."""
    on = curve[curve["supply_rank"].notna()]
    with _context(lang):
        fig = _figure(7.2, 2.7)
        axes = fig.subplots(1, 2, sharey=True)
        if not len(on):
            axes[1].set_axis_off()
            return _empty(fig, axes[0], lang)
        lcoe = on["lcoe_cny_mwh"].to_numpy(dtype=float)
        for ax, col, scale, label in ((axes[0], "cumulative_capacity_mw", 1.0, "cum_mw"),
                                      (axes[1], "cumulative_generation_mwh", 1e-3, "cum_mwh")):
            x = np.r_[0.0, on[col].to_numpy(dtype=float) * scale]
            ax.step(x, np.r_[lcoe, lcoe[-1]], where="post", color="#0072B2", linewidth=1.8)
            ax.fill_between(x, np.r_[lcoe, lcoe[-1]], step="post", color="#0072B2", alpha=0.12)
            ax.set_xlabel(_t(label, lang))
            ax.set_xlim(0, x[-1] * 1.02 if x[-1] > 0 else 1)
            ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        axes[0].set_ylabel(_t("lcoe", lang))
        axes[0].set_ylim(0, float(np.nanmax(lcoe)) * 1.1)
        fig.suptitle(_t("supply", lang), x=0.01, ha="left", fontsize=10)
        return _svg(fig)


def rank_stability(sites: pd.DataFrame, top_n: int, lang: str = "zh") -> bytes:
    """Each ranked site's 5-95 % rank interval with its rank and P(top N)."""
    with _context(lang):
        ranked, fig, ax = _per_site(sites, 1.0)
        if not len(ranked):
            return _empty(fig, ax, lang)
        y = np.arange(len(ranked))
        lo = ranked["rank_p05"].to_numpy(dtype=float)
        hi = ranked["rank_p95"].to_numpy(dtype=float)
        ax.hlines(y, lo, hi, color="#56B4E9", linewidth=5, label=_t("interval", lang))
        ax.plot(ranked["rank"].to_numpy(dtype=float), y, "o", color="#0072B2", markersize=4,
                label=_t("rank", lang))
        ax.axvline(top_n + 0.5, color="#D55E00", linestyle="--", linewidth=1,
                   label=_t("cut", lang, k=top_n))
        right = float(np.nanmax(hi)) + 1
        for yi, p in zip(y, ranked["top_n_probability"].to_numpy(dtype=float), strict=True):
            ax.text(right + 0.3, yi, f"{p:.0%}" if np.isfinite(p) else "", va="center",
                    fontsize=7.5)
        ax.text(right + 0.3, -1, _t("ptop", lang, k=top_n), fontsize=7.5, va="bottom")
        ax.set_yticks(y, _site_labels(ranked))
        ax.invert_yaxis()
        ax.set_xlim(0.5, right + 3)
        ax.set_xlabel(_t("rank", lang))
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_title(_t("stability", lang, n=len(ranked)), loc="left", fontsize=10)
        ax.legend(loc="lower left", fontsize=8, frameon=True, framealpha=0.9)
        return _svg(fig)
