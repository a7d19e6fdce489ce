"""The columns of the result tables: unit and bilingual label of each, for tables, maps and reports.

:data:`COLUMNS` are those of a siting result (``score_<criterion>``, points of the score, 0-100 in
total, and ``excluded_<rule>_ha``, the area a rule takes [ha], are families: see
:func:`describe`); :data:`SCREENING` and :data:`HITS` those of a screening's two tables
(``nearest_<kind>_m`` is a family: see :func:`describe_screening`).
"""

from __future__ import annotations

COLUMNS: dict[str, tuple[str, str, str]] = {
    # column: (unit, zh, en)
    "site_id": ("", "地块编号", "site"),
    "source_kind": ("", "来源图层类型", "source kind"),
    "source_id": ("", "来源要素编号", "source feature"),
    "name": ("", "名称", "name"),
    "status": ("", "状态", "status (usable / review / excluded / too_small / error)"),
    "candidate_area_ha": ("ha", "候选面积", "candidate area"),
    "excluded_area_ha": ("ha", "排除面积", "excluded area"),
    "excluded_unknown_ha": ("ha", "因属性未知或超出覆盖范围而排除的面积",
                            "excluded because a fact is unknown or the land lies outside the "
                            "catalog's coverage"),
    "outside_coverage_ha": ("ha", "超出图层目录覆盖范围的面积（未核查，不计入可用地）",
                            "area outside the catalog's coverage (not checked, not usable)"),
    "usable_area_ha": ("ha", "可用面积", "usable area"),
    "parts_dropped": ("", "剔除的小图斑数", "parts dropped (too small)"),
    "dropped_area_ha": ("ha", "剔除面积", "area dropped"),
    "density_penalty_ha": ("ha", "降密度用地（林光互补等）", "land at reduced PV density"),
    "ghi": ("kWh/m²/yr", "年水平面总辐射", "GHI"),
    "wind_speed": ("m/s", "100米风速", "wind speed at 100 m"),
    "slope_mean": ("°", "平均坡度", "mean slope"),
    "slope_max": ("°", "最大坡度", "max slope"),
    "elevation": ("m", "高程", "elevation"),
    "dist_substation": ("km", "距最近变电站", "to nearest substation"),
    "dist_road": ("km", "距道路", "to road"),
    "dist_settlement": ("km", "距居民点", "to settlement"),
    "land_type": ("0-1", "土地类型得分", "land-type value"),
    "site_condition": ("0-1", "场地条件得分", "site-condition value"),
    "score": ("0-100", "得分", "score"),
    "rank": ("", "排名", "rank"),
    "rank_p05": ("", "排名第5百分位", "rank, 5th percentile"),
    "rank_p95": ("", "排名第95百分位", "rank, 95th percentile"),
    "class": ("", "等级", "class"),
    "top_n_probability": ("0-1", "进入前 N 概率", "P(top N)"),
    "turbines": ("", "风机台数", "turbines"),
    "capacity_mw": ("MW", "装机（光伏为直流 MWp）", "capacity (PV: MWp DC)"),
    "specific_yield_kwh_kwp": ("kWh/kWp/yr", "光伏等效利用小时", "PV specific yield"),
    "capacity_factor": ("0-1", "净容量系数（光伏按直流 MWp）", "net capacity factor (PV: on MWp DC)"),
    "generation_mwh": ("MWh/yr", "年发电量", "generation"),
    "capacity_if_cleared_mw": ("MW", "核查通过后的装机（需人工核查的地块，不计入合计）",
                               "capacity once cleared (review site, not in the totals)"),
    "generation_if_cleared_mwh": ("MWh/yr", "核查通过后的年发电量（需人工核查的地块，不计入合计）",
                                  "generation once cleared (review site, not in the totals)"),
    "grid_kv": ("kV", "并网电压等级", "connection voltage"),
    "grid_substation": ("", "接入变电站", "connecting substation"),
    "grid_distance_km": ("km", "距接入变电站（直线）", "to connecting substation (straight)"),
    "grid_cost_cny": ("CNY", "并网线路及间隔投资", "grid connection cost"),
    "capex_cny": ("CNY", "电站投资", "plant capex"),
    "fixed_om_cny_yr": ("CNY/yr", "年固定运维费", "fixed O&M"),
    "lcoe_cny_mwh": ("CNY/MWh", "平准化度电成本（含并网）", "LCOE incl. grid connection"),
    "lcot_cny_mwh": ("CNY/MWh", "其中并网部分", "of which grid connection"),
    "province": ("", "省级行政区代码", "province code"),
    "grid_region": ("", "电网区域", "grid region of the CO2 factor"),
    "grid_co2_t_per_mwh": ("t/MWh", "电网排放因子", "grid CO2 factor"),
    "co2_t": ("t/yr", "CO₂ 减排（所在电网）", "CO2 avoided (site's grid)"),
    "co2_national_t": ("t/yr", "CO₂ 减排（全国平均）", "CO2 avoided (national average)"),
    "co2_fossil_t": ("t/yr", "CO₂ 减排（化石电源边际）", "CO2 avoided (fossil power, upper bound)"),
    "so2_kg": ("kg/yr", "SO₂ 减排", "SO2 avoided"),
    "nox_kg": ("kg/yr", "NOx 减排", "NOx avoided"),
    "pm_kg": ("kg/yr", "颗粒物减排", "PM avoided"),
    "coal_tce": ("tce/yr", "节约标煤", "coal saved"),
    "reason": ("", "原因", "reason"),
    "notes": ("", "说明", "notes"),
}


def describe(column: str, exclusions: dict | None = None) -> tuple[str, str, str]:
    """(unit, zh, en) of a result column, including the ``score_*`` and ``excluded_*`` families.

    ``score_<criterion>`` is named by the criterion's words (``得分构成：年水平面总辐射``),
    ``excluded_<rule>_ha`` by its layer kind's (``排除：生态保护红线``). ``exclusions``
    (``{rule id: [[exclusion]] entry}`` of the profile, with ``kind`` and optional ``where``,
    ``buffer_m``, ``setback_tip_heights``) names each rule by its kind, the features it takes
    and its buffer (``排除：林地（乔木林/竹林/其他林地）``); a rule it does not know is named
    by its kind when its id is one, else by its id.
    """
    if column in COLUMNS:
        return COLUMNS[column]
    if column.startswith("score_"):
        _, zh, en = COLUMNS.get(column[6:], ("", column[6:], column[6:]))
        return ("points", f"得分构成：{zh}", f"score points from {en}")
    if column.startswith("excluded_") and column.endswith("_ha"):
        rule = column[9:-3]
        entry = (exclusions or {}).get(rule) or {"kind": rule}
        words = _exclusion_words(entry)
        if words is None:
            return ("ha", f"排除：{rule}", f"excluded by {rule}")
        return ("ha", f"排除：{words[0]}", f"excluded by {words[1]}")
    return ("", column, column)


def _exclusion_words(entry: dict) -> tuple[str, str] | None:
    """(zh, en) words of an exclusion rule: its kind, the values of its ``where`` filter and
    its buffer or setback; None when its kind is unknown."""
    from layers.errors import InputError
    from layers.kinds import get_kind

    try:
        kind = get_kind(entry["kind"])
    except InputError:
        return None
    zh, en = [kind.label("zh")], [kind.label("en")[:1].lower() + kind.label("en")[1:]]
    for attr, values in (entry.get("where") or {}).items():
        a = kind.attributes.get(attr)
        values = values if isinstance(values, list) else [values]
        if any(isinstance(v, bool) for v in values) or a is None:
            yes = {True: ("是", "yes"), False: ("否", "no")}
            zh.append(f"{a.label('zh') if a else attr}：" + "/".join(
                yes[v][0] if isinstance(v, bool) else str(v) for v in values))
            en.append(f"{a.label('en') if a else attr}: " + "/".join(
                yes[v][1] if isinstance(v, bool) else str(v) for v in values))
        else:
            zh.append("/".join(a.word(v, "zh") for v in values))
            en.append("/".join(map(str, values)))
    if entry.get("buffer_m"):
        zh.append(f"含 {entry['buffer_m']:g} m 缓冲")
        en.append(f"with a {entry['buffer_m']:g} m buffer")
    if entry.get("setback_tip_heights"):
        zh.append(f"退让 {entry['setback_tip_heights']:g} 倍叶尖高度")
        en.append(f"setback {entry['setback_tip_heights']:g} tip heights")
    if len(zh) == 1:
        return zh[0], en[0]
    return f"{zh[0]}（{'；'.join(zh[1:])}）", f"{en[0]} ({'; '.join(en[1:])})"


SCREENING: dict[str, tuple[str, str, str]] = {
    # column: (unit, zh, en)
    "project_id": ("", "项目编号", "project"),
    "name": ("", "项目名称", "name"),
    "type": ("", "项目类型", "project type"),
    "industry": ("", "行业", "industry"),
    "verdict": ("", "结论", "verdict (prohibited / review / admitted / error)"),
    "reasons": ("", "主要原因", "main reasons"),
    "n_prohibited": ("", "不予准入规则数", "rules prohibiting"),
    "n_review": ("", "需论证规则数", "rules requiring review"),
    "n_admitted": ("", "准入规则数", "rules admitting"),
    "component": ("", "组成部分", "component"),
    "two_high": ("", "两高项目", "high energy use, high emission (两高)"),
    "two_high_declared": ("", "申报两高（两高行业以行业认定）",
                          "两高 as declared (a 两高 industry is 两高 whatever is declared)"),
    "capacity_replacement": ("", "产能置换已落实", "capacity replacement secured"),
    "replacement_ratio": ("", "产能置换比例", "capacity replacement ratio"),
    "replacement_scheme_date": ("", "产能置换方案日期", "date of the replacement scheme"),
    "pollutant_offset": ("", "区域削减替代已落实", "pollutant offsets secured"),
    "coal_substitution": ("", "煤炭消费减量替代已落实", "coal substitution secured"),
    "coal_consumption_tce": ("tce/yr", "年煤炭消费量", "coal consumption"),
    "risk_control_part": ("", "属于污染地块风险管控或修复", "part of a risk-control plan"),
    "allowed_activity": ("", "申报有限人为活动", "claimed allowed limited activity"),
    "national_major": ("", "申报国家重大项目", "claimed national major project"),
    "national_major_doc": ("", "国家重大项目依据文件", "document of the national major project"),
    "error": ("", "无法判定的原因", "why it could not be judged"),
    "repaired": ("", "边界自动修复说明（按修复后形状审查）",
                 "how the reader repaired an invalid outline (screened on the repaired shape)"),
    "capacity_mw": ("MW", "装机", "capacity"),
    "size": ("", "规模：面为面积 [m²]，线为长度 [m]，点为点数",
             "size: area [m²] of a polygon, length [m] of a line, number of points"),
    "admin_code": ("", "县级行政区代码", "county code"),
    "province": ("", "省级行政区代码", "province code"),
    "outside_share": ("0-1", "超出图层覆盖范围的比例（未核查）",
                      "share outside the catalog's coverage (not checked)"),
    "unit_gap_share": ("0-1", "不在任何管控单元内的比例", "share in no control unit"),
    # a parcel of a boundary-point file (自然资源部 坐标文件, layers/mnr_txt.py), as it declares
    "land_use": ("", "地块用途", "land use (as declared)"),
    "land_class_code": ("", "地类编码", "land class code"),
    "map_sheet": ("", "图幅号", "map sheet"),
    "shape": ("", "图形属性", "shape (as declared)"),
    "declared_area": ("ha", "地块面积（文件申报值）", "declared area (as written in the file)"),
    "declared_points": ("", "界址点数（文件申报值）", "boundary points (as declared)"),
}
"""The columns of a screening result (``screening.csv``)."""

HITS: dict[str, tuple[str, str, str]] = {
    "project_id": ("", "项目编号", "project"),
    "rule_id": ("", "规则编号", "rule"),
    "outcome": ("", "规则结果", "rule outcome"),
    "layer_id": ("", "图层编号", "layer"),
    "kind": ("", "图层类型", "layer kind"),
    "feature_id": ("", "要素编号", "feature"),
    "feature_name": ("", "要素名称", "feature name"),
    "overlap_m2": ("m²", "重叠面积（线状、点状项目为 0）", "overlap area (0 for line and point projects)"),
    "overlap_m": ("m", "线状项目位于要素内的长度", "length of a line project inside the feature"),
    "overlap_share": ("0-1", "占项目面积比例", "share of the project"),
    "distance_m": ("m", "距离", "distance"),
    "message": ("", "说明", "message"),
    "check": ("", "记录类型（命中/接触/事实未知/未核查/覆盖范围/无法判定）",
              "row type (fired / contact / unknown / not_checked / coverage / error)"),
    "tolerance_m2": ("m²", "接触容差", "contact tolerance"),
    "confidence": ("", "依据可信度", "confidence of the policy source"),
    "title": ("", "规则名称", "rule title"),
    "source": ("", "政策依据", "policy source"),
}
"""The columns of a screening's hits (``screening_hits.csv``, one row per rule outcome)."""

CHECK_WORDS = {"fired": "命中", "contact": "接触", "unknown": "事实未知", "not_checked": "未核查",
               "coverage": "覆盖范围", "error": "无法判定"}
"""The Chinese words of the hits' ``check`` codes (as the column's label lists them)."""
GRID_REGION_WORDS = {"north": "华北电网", "northeast": "东北电网", "east": "华东电网",
                     "central": "华中电网", "northwest": "西北电网", "south": "南方电网",
                     "southwest": "西南电网", "national": "全国电网"}
"""The Chinese names of the grid regions of ``geo/data/grid_regions.toml``."""
YES_NO = {True: "是", False: "否"}


def value_words(columns, table: str) -> dict[str, dict]:
    """``{column: {code: Chinese word}}`` for the columns of ``table`` (``sites``,
    ``screening`` or ``hits``) whose values are codes, for a workbook read in Chinese (the CSV
    and GeoJSON keep the codes): source kinds, grid regions, project vocabulary, yes/no flags,
    the hits' row types."""
    from geo.vocabulary import FLAGS, LABELS
    from layers.kinds import layer_kinds

    columns = set(map(str, columns))
    if table == "hits":
        found = {"check": CHECK_WORDS}
    elif table == "sites":
        found = {"source_kind": {k: v.label("zh") for k, v in layer_kinds().items()},
                 "grid_region": GRID_REGION_WORDS}
    else:
        found = {c: {k: v[0] for k, v in LABELS[c].items()} for c in
                 ("industry", "component", "national_major", "allowed_activity")}
        found.update({c: YES_NO for c in ("two_high", "two_high_declared", *FLAGS)})
    return {c: w for c, w in found.items() if c in columns}


def describe_screening(column: str, hits: bool = False) -> tuple[str, str, str]:
    """(unit, zh, en) of a column of a screening result (``hits``: of its hits table),
    including ``nearest_<kind>_m``; an input column kept as it came is named as it is."""
    table = HITS if hits else SCREENING
    if column in table:
        return table[column]
    if not hits and column.startswith("nearest_") and column.endswith("_m"):
        from layers.errors import InputError
        from layers.kinds import get_kind

        try:
            kind = get_kind(column[8:-2])
        except InputError:
            return ("m", column, column)
        en = kind.label("en")
        return ("m", f"距最近{kind.label('zh')}", f"to nearest {en[:1].lower()}{en[1:]}")
    return ("", column, column)
