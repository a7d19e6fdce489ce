"""Where the siting report's parameters come from: the source or ``[assumption]`` tag of each
profile parameter, the grid CO2 factors actually used (per grid region, with the sites counted),
the grid-connection cost table and what the LCOE includes and leaves out.

The tags are the ``[sources]`` table of the bundled profiles (``geo/profiles/pv.toml``,
``wind.toml``), beside the values they describe; a value that differs from the bundled profile's
is shown as set in the user's profile, without the bundled source.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

USER_VALUE = ("用户参数文件设定（默认值的来源不适用）", "set in the user's profile (the default's "
              "source does not apply)")
LCOE_SCOPE = (
    "度电成本 = (资本回收系数 × (单位投资 × 装机 + 并网线路与间隔) + 年固定运维) / 年发电量。"
    "含：设备与建设投资（含升压站）、并网线路与间隔、固定运维。不含：土地租金与征地补偿、税费"
    "（增值税、所得税等）、{degr}、{curt}、融资结构（仅实际折现率，不计通胀与贷款利息）、更换与拆除、残值。",
    "LCOE = (capital recovery factor × (capex per kW × capacity + grid line and bay) + fixed "
    "O&M) / annual energy. Included: equipment and construction (step-up station included), the "
    "grid line and bay, fixed O&M. Left out: land lease and compensation, taxes (VAT, income "
    "tax), {degr}, {curt}, financing beyond the real discount rate (no inflation, no loan "
    "terms), replacements and decommissioning, residual value.")
DEGRADATION = {"pv": ("组件衰减（每年发电量相同）", "module degradation (the same energy every year)"),
               "wind": ("性能衰减（每年发电量相同）", "performance decline (the same energy every year)")}
CURTAILMENT = {"pv": ("弃光限电", "curtailment"),
               "wind": ("超出“其他损失”的弃风限电", "curtailment beyond the 'other losses'")}


@cache
def _bundled(tech: str) -> dict:
    from geo.profiles import load_profile

    return load_profile(None, tech).model_dump(mode="json")


def _default_of(tech: str, key: str):
    prof = _bundled(tech)
    for part in (prof, prof.get("energy") or {}, prof.get("cost") or {}):
        if key in part:
            return part[key]
    ex = {e["id"]: e for e in prof.get("exclusion", [])}
    return ex.get(key)


def source(tech: str, key: str, value, lang: str) -> str:
    """The source or tag of a parameter (or an exclusion id, ``value`` its dict), in ``lang``:
    the bundled profile's when ``value`` is its default, else "set in the user's profile"."""
    words = _bundled(tech).get("sources", {}).get(key)
    if not words:
        return ""
    if value != _default_of(tech, key):
        words = USER_VALUE
    return words[0] if lang == "zh" else words[1]


def _region_words(key: str, labels: dict, lang: str) -> tuple[str, str]:
    """(name, year) of a grid region from its ``grid_co2_label`` ("南方 South 2023")."""
    if key.startswith("province:"):
        return (f"省级 {key[9:]}" if lang == "zh" else f"province {key[9:]}"), ""
    parts = str(labels.get(key, key)).split()
    year = parts[-1] if parts and parts[-1].isdigit() else ""
    words = parts[:-1] if year else parts
    zh = [w for w in words if any("\u4e00" <= ch <= "\u9fff" for ch in w)]
    en = [w for w in words if w not in zh]
    return (" ".join(zh) or key) if lang == "zh" else (" ".join(en) or key), year


def grid_factor_rows(sites: pd.DataFrame, meta: dict, lang: str) -> list[tuple[str, str]]:
    """(label, text) per grid CO2 factor the usable sites used: the region, the factor, the
    sites counted, their generation and CO2 (factor × generation = CO2), source and year."""
    from geo import cobenefits as cb

    f = cb.emission_factors()
    labels = f.get("grid_co2_label", {})
    usable = sites[sites["status"] == "usable"]
    rows = []
    groups = usable.groupby(["grid_region", "grid_co2_t_per_mwh"], dropna=False, sort=True)
    for (region, factor), g in groups:
        if not np.isfinite(float(factor)):
            continue
        name, year = _region_words(str(region) or "national", labels, lang)
        gen, co2 = float(g["generation_mwh"].sum()), float(g["co2_t"].sum())
        if lang == "zh":
            text = (f"{name}电网 {float(factor):g} t/MWh × {gen:,.0f} MWh/yr = {co2:,.0f} t/yr"
                    f"（{len(g)} 个可用地块）")
        else:
            text = (f"{name} grid {float(factor):g} t/MWh × {gen:,.0f} MWh/yr = {co2:,.0f} t/yr "
                    f"({len(g)} usable site{'s' * (len(g) != 1)})")
        src = f["sources"]["grid"] + (f", {year}" if year else "")
        rows.append((name, f"{text} — {src}"))
    nat, fossil = f["grid_co2_t_per_mwh"]["national"], f["grid_co2_t_per_mwh"]["national_fossil"]
    rows.append(("", f"对比：全国 {nat:g}、全国化石能源电力 {fossil:g} t/MWh（sites.csv 的 co2_national_t、"
                 "co2_fossil_t 列）" if lang == "zh" else
                 f"for comparison: national {nat:g}, national fossil power {fossil:g} t/MWh "
                 "(sites.csv columns co2_national_t, co2_fossil_t)"))
    return rows


def lcoe_scope(tech: str, lang: str) -> str:
    """What the LCOE includes and leaves out, in ``lang``."""
    i = 0 if lang == "zh" else 1
    return LCOE_SCOPE[i].format(degr=DEGRADATION[tech][i], curt=CURTAILMENT[tech][i])


def connection_rows(meta: dict, lang: str) -> list[tuple[str, str, str, str]]:
    """(capacity up to [MW], voltage [kV], line [CNY/km], bay [CNY]) of the connection levels."""
    return [(f"≤ {lv['max_mw']:,g}", f"{lv['kv']:g}", f"{lv['line_cny_per_km']:,.0f}",
             f"{lv['bay_cny']:,.0f}") for lv in meta.get("connection_levels", [])]
