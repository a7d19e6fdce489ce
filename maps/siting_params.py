"""Where the siting report's parameters come from: the source or ``[assumption]`` tag of each
profile parameter, the grid CO2 factors actually used (per grid region, with the sites counted),
the grid-connection cost table and what the LCOE includes and leaves out.

The tags restate, in both languages, the comments of the bundled profiles
(``geo/profiles/pv.toml``, ``wind.toml``); a value that differs from the bundled profile's is
shown as set in the user's profile, without the bundled source.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

ASSUMPTION = ("[假设，请按当地情况设定]", "[assumption: set it locally]")
USER_VALUE = ("用户参数文件设定（默认值的来源不适用）", "set in the user's profile (the default's "
              "source does not apply)")
SOURCES: dict[str, dict[str, tuple[str, str]]] = {
    "pv": {
        "min_usable_area_ha": ("[假设] 小于此面积的图斑不建站", "[assumption] smaller parts hold no plant"),
        "max_plant_mw": ("[假设] 更大者非单个电站、单一并网点", "[assumption] larger is not one plant on one "
                         "connection"),
        "density_mwp_per_ha": ("NREL/TP-6A20-56290（Ong 等 2013）按 21 % 组件折算 [假设：按 TD/T "
                               "1075-2023 核对]", "NREL/TP-6A20-56290 (Ong et al. 2013) scaled to "
                               "21 % modules [assumption: check against TD/T 1075-2023]"),
        "slope_full_density_deg": ASSUMPTION, "slope_density_factor_at_limit": ASSUMPTION,
        "slope_limit_deg": ASSUMPTION,
        "tilt_deg": ("固定倾角等于纬度", "fixed tilt equal to the latitude"),
        "azimuth_deg": ("正南", "due south"),
        "albedo": ("草地/土壤，pvlib 常用地面默认值", "grass/soil, pvlib's usual ground default"),
        "gamma_pdc": ("晶硅组件规格书", "crystalline-Si datasheets"),
        "temp_air_c": ("贵阳年均气温约 15 °C（气象局常年值）", "Guiyang ≈ 15 °C (CMA normals)"),
        "wind_speed_ms": ("[假设] 保守取值", "[assumption] conservative"),
        "losses_percent": ("pvlib pvwatts_losses() 默认值（PVWatts v5，NREL；不含衰减）",
                           "pvlib pvwatts_losses() defaults (PVWatts v5, NREL; no ageing)"),
        "dc_ac_ratio": ("PVWatts v5 默认值", "PVWatts v5 default"),
        "inverter_efficiency": ("PVWatts v5 默认值", "PVWatts v5 default"),
        "capex_cny_per_kw": ("CPIA《中国光伏产业发展路线图》2023-2024 [P]；含升压站，不含送出线路",
                             "CPIA PV roadmap 2023-2024 [P]; step-up station included, not the "
                             "grid line"),
        "fixed_om_cny_per_kw_yr": ("CPIA 地面电站量级 [P/假设]", "of the order CPIA reports for "
                                   "ground plants [P/assumption]"),
        "discount_rate": ("[假设] 电力项目常用 6-8 %", "[assumption] 6-8 % is usual for power "
                          "projects"),
        "lifetime_years": ("[假设] 组件质保 25-30 年", "[assumption] module warranties run 25-30 years"),
        "route_factor": ("[假设] 丘陵山地线路/直线距离", "[assumption] route/straight line in hilly "
                         "terrain"),
        "settlement_50m": ("[假设] 避开房屋的眩光与施工影响", "[assumption] keeps glare and works away from "
                       "houses"),
    },
    "wind": {
        "min_usable_area_ha": ("[假设] 一台风机基础、吊装平台与道路", "[assumption] one turbine's "
                               "foundation, crane pad and access"),
        "max_plant_mw": ("[假设] 更大者非单个风电场、单一并网点", "[assumption] larger is not one wind "
                         "farm on one connection"),
        "turbine_type": ("windpowerlib 机型库（Senvion 6.3M152）；西南山地现装 5-7 MW 低风速机型无公开"
                         "功率曲线", "windpowerlib library (Senvion 6.3M152); the 5-7 MW low-wind "
                         "machines built in SW China have no public curve"),
        "hub_height_m": ("windpowerlib 机型数据", "windpowerlib turbine data"),
        "reference_height_m": ("风速栅格的高度", "the wind raster's height"),
        "shear_exponent": ("幂律 1/7（Hellmann；IEC 61400-12）", "power law 1/7 (Hellmann; "
                           "IEC 61400-12)"),
        "weibull_k": ("[假设] 无实测时取 Rayleigh（k = 2）", "[assumption] Rayleigh (k = 2) without "
                      "measured data"),
        "spacing_downwind_d": ("Manwell 等《Wind Energy Explained》第 2 版第 9 章经验值",
                               "Manwell et al., Wind Energy Explained, 2nd ed., ch. 9"),
        "spacing_crosswind_d": ("Manwell 等《Wind Energy Explained》第 2 版第 9 章经验值",
                                "Manwell et al., Wind Energy Explained, 2nd ed., ch. 9"),
        "wind_direction_deg": ("[假设] 贵阳冬季主导风向；应取场址实测风玫瑰", "[assumption] Guiyang's "
                               "winter monsoon; take the site's measured wind rose"),
        "foundation_radius_m": ("[假设] 基础与吊装平台", "[assumption] foundation and crane pad"),
        "wake_losses_percent": ("[假设] 统一取值，无尾流模型（7D×5D 常见 5-10 %）", "[assumption] flat, no "
                                "wake model (5-10 % is usual at 7 D × 5 D)"),
        "wind_losses_percent": ("[假设] 可利用率、电气、覆冰、限电", "[assumption] availability, "
                                "electrical, icing, curtailment"),
        "air_density_correction": ("IEC 61400-12-1（windpowerlib）", "IEC 61400-12-1 (windpowerlib)"),
        "capex_cny_per_kw": ("[假设] 2023 年项目招标量级，含风机与升压站；请核对当前价格",
                             "[assumption] of the order of 2023 bids, turbines and step-up station "
                             "included; check the current figure"),
        "fixed_om_cny_per_kw_yr": ("[假设] 约 0.05 元/kWh（2000 满发小时）", "[assumption] ≈ 0.05 "
                                   "CNY/kWh at 2,000 full-load hours"),
        "discount_rate": ("[假设] 实际利率", "[assumption] real rate"),
        "lifetime_years": ("IEC 61400-1 设计寿命", "IEC 61400-1 design life"),
        "route_factor": ("[假设] 丘陵山地线路/直线距离", "[assumption] route/straight line in hilly "
                         "terrain"),
        "settlement_setback": ("[假设] 无国家统一退让距离；省级示例约 500 m（噪声、光影）", "[assumption] "
                               "no national setback; ≈ 500 m, a provincial example (noise, "
                               "flicker)"),
        "road_setback": ("[假设] 国际常用：倒塔、抛冰不及道路", "[assumption] common international "
                         "setback: a falling turbine or thrown ice does not reach the road"),
    },
}
"""(zh, en) source or tag of the bundled profiles' values, by parameter key or exclusion id."""
FOREST_NOTICE = ("国家林草局、国家能源局 2026 年风电场使用林地草地通知 [P]", "NFGA/NEA 2026 notice on wind "
                 "farms' use of forest and grassland [P]")
PV_LAND = ("自然资办发〔2023〕12号 [P]", "自然资办发〔2023〕12号 [P]")
LEGAL = {"ecological_red_line": ("自然资发〔2022〕142号", "自然资发〔2022〕142号"),
         "basic_farmland": ("《土地管理法》第三十五条", "Land Administration Law art. 35"),
         "water_source": ("《水污染防治法》第六十五、六十六条", "Water Pollution Prevention Law "
                          "art. 65-66")}
SOURCES["pv"].update(LEGAL, cultivated_land=PV_LAND, forest_grade_I=PV_LAND,
                     forest_not_shrub=PV_LAND, basic_grassland=PV_LAND,
                     nature_reserve=("《自然保护区条例》", "Regulations on Nature Reserves"),
                     protected_area=("中办发〔2019〕42号 [P]", "中办发〔2019〕42号 [P]"))
SOURCES["wind"].update(LEGAL, nature_reserve=FOREST_NOTICE, protected_area=FOREST_NOTICE,
                       state_forest=FOREST_NOTICE, national_welfare_arbor=FOREST_NOTICE,
                       basic_grassland=FOREST_NOTICE)
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
    words = SOURCES.get(tech, {}).get(key)
    if words is None:
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
