"""The project vocabulary: types, industries, components, claims, flags and the Chinese headers
and values :func:`geo.projects.normalize_projects` understands."""

from __future__ import annotations

from layers import kinds

VERDICT_WORDS: dict[str, tuple[str, str]] = {
    "prohibited": ("不予准入", "Prohibited"),
    "review": ("需论证", "Review required"),
    "admitted": ("准入", "Admitted"),
    "error": ("无法判定", "Could not be judged"),
    "contact": ("边界接触", "Boundary contact"),
}
"""(zh, en) words of each verdict and outcome code: the words every table, page and notice
shows (:data:`maps.style.VERDICT_LABELS` is this table)."""

TYPES: tuple[str, ...] = ("pv", "wind", "industrial", "infrastructure", "mining", "tourism",
                          "restoration", "residential", "public_service", "other")
"""Project types (``residential`` and ``public_service`` are the land uses of 土壤污染防治法
第六十一条)."""

TWO_HIGH_INDUSTRIES: tuple[str, ...] = (
    "steel", "cement_clinker", "flat_glass", "electrolytic_aluminium", "chemical", "petrochemical",
    "coking", "coal_chemical", "nonferrous_smelting", "coal_power", "building_materials",
    "ferroalloy", "alumina", "oil_refining", "pv_glass",
)
"""Industries that are 两高 (high energy use, high emission; 环环评〔2021〕45号 and provincial lists):
a project of one of them is 两高 whatever its applicant declares."""

TWO_HIGH_TYPES: tuple[str, ...] = ("industrial",)
"""Project types whose 两高 status an industry decides: with both 两高 and the industry blank,
两高 is unknown (a PV, wind, mining ... project is not 两高 by its type)."""

INDUSTRIES: tuple[str, ...] = TWO_HIGH_INDUSTRIES + (
    "papermaking", "printing_dyeing", "electroplating", "tanning", "lead_battery", "pharma_api",
    "tailings_pond", "chemical_park", "data_center", "manufacturing", "electronics",
    "food_processing", "textile", "pharmaceutical", "logistics", "other",
)
"""Industries known to the rule sets (empty is allowed: a PV plant has no industry).
``pv_glass`` is PV rolled glass (exempt from flat-glass capacity replacement), ``chemical_park`` a
new or expanded chemical park (a park, not a plant), ``tailings_pond`` a tailings pond 尾矿库."""

COMPONENTS: tuple[str, ...] = ("array", "ancillary")
"""Parts of a PV project (自然资办发〔2023〕12号): the array 光伏方阵 or the ancillary facilities
配套设施 (substation, roads, offices)."""

MAJOR_CATEGORIES: tuple[str, ...] = ("energy", "transport", "water", "military", "central")
"""Categories of a national major project claim: 国家能源、交通、水利、军事设施等重点建设项目
(《土地管理法》第三十五条) and projects named by the Party Central Committee or the State Council
(``central``; 自然资发〔2022〕142号). ``unspecified`` marks a bare "yes" without a category."""

ALLOWED_ACTIVITIES: tuple[str, ...] = (
    "patrol_research_monitoring", "resident_farming", "archaeology", "plantation_tending",
    "low_impact_tourism", "linear_infrastructure", "geological_survey_mining",
    "ecological_restoration", "border_works", "other_lawful",
)
"""The ten limited human activities allowed in the red line (自然资发〔2022〕142号)."""

FLAGS: tuple[str, ...] = ("capacity_replacement", "pollutant_offset", "coal_substitution",
                          "risk_control_part")
"""Three-valued project flags: True, False, or None when the cell is blank (unknown)."""

NUMBERS: dict[str, tuple[str, str]] = {
    "replacement_ratio": ("capacity replacement ratio (e.g. 1.25 or 1.25:1)",
                          "产能置换比例（如 1.25 或 1.25:1）"),
    "coal_consumption_tce": ("coal consumption [tce/yr]", "煤炭消费量 [吨标准煤/年]")}
"""Numeric project facts (NaN when blank) and what they are (en, zh)."""

COLUMNS: tuple[str, ...] = (
    "project_id", "name", "type", "component", "industry", "two_high", "capacity_replacement",
    "replacement_ratio", "replacement_scheme_date", "pollutant_offset", "coal_substitution",
    "coal_consumption_tce", "risk_control_part", "allowed_activity", "national_major",
    "national_major_doc")
"""Canonical project attributes, in output order."""

RESULT_COLUMNS: tuple[str, ...] = (
    "verdict", "reasons", "n_prohibited", "n_review", "n_admitted", "error", "repaired", "size",
    "admin_code", "province", "outside_share", "unit_gap_share")
"""Columns :func:`geo.screen` adds; an input column of the same name (or ``nearest_*``), e.g.
from an earlier ``screening.geojson``, is kept as ``input_<name>``."""

HEADER_ALIASES: dict[str, str] = {
    "项目编号": "project_id", "编号": "project_id", "id": "project_id", "项目代码": "project_id",
    "parcel_id": "project_id", "地块编号": "project_id",
    "项目名称": "name", "名称": "name", "project_name": "name", "project": "name",
    "项目类型": "type", "类型": "type", "project_type": "type",
    "组成部分": "component", "光伏用地类型": "component", "用地构成": "component",
    "行业": "industry", "行业类别": "industry", "所属行业": "industry",
    "两高": "two_high", "是否两高": "two_high", "两高项目": "two_high",
    "产能置换": "capacity_replacement", "产能置换落实": "capacity_replacement",
    "产能置换比例": "replacement_ratio", "置换比例": "replacement_ratio",
    "产能置换方案日期": "replacement_scheme_date", "置换方案日期": "replacement_scheme_date",
    "区域削减替代": "pollutant_offset", "污染物削减替代": "pollutant_offset",
    "削减替代": "pollutant_offset",
    "煤炭消费减量替代": "coal_substitution", "煤炭减量替代": "coal_substitution",
    "耗煤量": "coal_consumption_tce", "年耗煤量": "coal_consumption_tce",
    "煤炭消费量": "coal_consumption_tce",
    "属于风险管控或修复": "risk_control_part", "风险管控组成部分": "risk_control_part",
    "有限人为活动": "allowed_activity", "允许活动类别": "allowed_activity",
    "允许的有限人为活动": "allowed_activity",
    "国家重大项目": "national_major", "是否国家重大项目": "national_major",
    "国家重大项目类别": "national_major",
    "国家重大项目文号": "national_major_doc", "批准文号": "national_major_doc",
}
"""Recognised column headers (lower-cased English or Chinese) → canonical name."""

VALUE_ALIASES: dict[str, dict[str, str]] = {
    "type": {"光伏": "pv", "风电": "wind", "工业": "industrial", "基础设施": "infrastructure",
             "矿产开发": "mining", "采矿": "mining", "旅游": "tourism", "生态修复": "restoration",
             "住宅": "residential", "居住": "residential", "公共服务": "public_service",
             "公共管理与公共服务": "public_service", "其他": "other", "solar": "pv"},
    "industry": {"钢铁": "steel", "水泥熟料": "cement_clinker", "平板玻璃": "flat_glass",
                 "电解铝": "electrolytic_aluminium", "化工": "chemical", "石化": "petrochemical",
                 "焦化": "coking", "煤化工": "coal_chemical", "有色金属冶炼": "nonferrous_smelting",
                 "煤电": "coal_power", "建材": "building_materials", "铁合金": "ferroalloy",
                 "氧化铝": "alumina", "炼油": "oil_refining", "光伏压延玻璃": "pv_glass",
                 "造纸": "papermaking", "制浆造纸": "papermaking", "印染": "printing_dyeing",
                 "电镀": "electroplating", "制革": "tanning", "铅蓄电池": "lead_battery",
                 "原料药": "pharma_api", "尾矿库": "tailings_pond", "化工园区": "chemical_park",
                 "数据中心": "data_center", "制造业": "manufacturing", "其他": "other",
                 # synonyms; words that may hide an API plant (制药, 医药制造) are not guessed
                 "钢铁冶炼": "steel", "炼钢": "steel", "石油化工": "petrochemical",
                 "化学工业": "chemical", "燃煤发电": "coal_power",
                 "建筑材料": "building_materials",
                 "有色冶炼": "nonferrous_smelting", "炼焦": "coking", "石油炼制": "oil_refining",
                 "纺织印染": "printing_dyeing", "化学原料药": "pharma_api",
                 "原料药制造": "pharma_api", "食品": "food_processing",
                 "食品制造": "food_processing", "农副食品加工": "food_processing",
                 "电子信息": "electronics", "电子制造": "electronics",
                 "电子元器件": "electronics", "纺织业": "textile", "纺织服装": "textile",
                 "仓储物流": "logistics", "物流仓储": "logistics",
                 "仓储": "logistics"},
    "component": {"光伏方阵": "array", "方阵": "array", "配套设施": "ancillary",
                  "配套": "ancillary"},
    "national_major": {"能源": "energy", "交通": "transport", "水利": "water", "军事": "military",
                       "国防": "military", "军事国防": "military", "中央": "central",
                       "党中央国务院": "central"},
}
TRUE_WORDS = kinds.TRUE_WORDS | {"已落实"}
"""Texts a project's yes/no column reads as yes (lower-cased): a layer's, and 已落实."""
FALSE_WORDS = kinds.FALSE_WORDS | {"未落实"}
"""Texts read as no (lower-cased); a blank cell is unknown, never no."""

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "type": {
        "pv": ("光伏", "solar PV"), "wind": ("风电", "wind power"),
        "industrial": ("工业", "industrial"), "infrastructure": ("基础设施", "infrastructure"),
        "mining": ("矿产开发", "mining"), "tourism": ("旅游", "tourism"),
        "restoration": ("生态修复", "ecological restoration"),
        "residential": ("住宅", "residential"),
        "public_service": ("公共管理与公共服务", "public service"), "other": ("其他", "other")},
    "industry": {
        "steel": ("钢铁", "steel"), "cement_clinker": ("水泥熟料", "cement clinker"),
        "flat_glass": ("平板玻璃", "flat glass"),
        "electrolytic_aluminium": ("电解铝", "electrolytic aluminium"),
        "chemical": ("化工", "chemicals"), "petrochemical": ("石化", "petrochemicals"),
        "coking": ("焦化", "coking"), "coal_chemical": ("煤化工", "coal chemicals"),
        "nonferrous_smelting": ("有色金属冶炼", "non-ferrous smelting"),
        "coal_power": ("煤电", "coal power"), "building_materials": ("建材", "building materials"),
        "ferroalloy": ("铁合金", "ferroalloys"), "alumina": ("氧化铝", "alumina"),
        "oil_refining": ("炼油", "oil refining"), "pv_glass": ("光伏压延玻璃", "PV rolled glass"),
        "papermaking": ("造纸", "pulp and paper"), "printing_dyeing": ("印染", "printing and dyeing"),
        "electroplating": ("电镀", "electroplating"), "tanning": ("制革", "tanning"),
        "lead_battery": ("铅蓄电池", "lead-acid batteries"),
        "pharma_api": ("原料药", "pharmaceutical ingredients (API)"),
        "tailings_pond": ("尾矿库", "tailings pond"), "chemical_park": ("化工园区", "chemical park"),
        "data_center": ("数据中心", "data centre"), "manufacturing": ("制造业", "manufacturing"),
        "electronics": ("电子", "electronics"), "food_processing": ("食品加工", "food processing"),
        "textile": ("纺织", "textiles"), "pharmaceutical": ("医药", "pharmaceuticals"),
        "logistics": ("物流", "logistics"), "other": ("其他", "other")},
    "component": {"array": ("光伏方阵", "PV array"),
                  "ancillary": ("配套设施", "ancillary facilities")},
    "national_major": {
        "energy": ("国家重大能源项目", "national major project: energy"),
        "transport": ("国家重大交通项目", "national major project: transport"),
        "water": ("国家重大水利项目", "national major project: water"),
        "military": ("军事国防项目", "national major project: military"),
        "central": ("党中央、国务院确定的重大项目", "named by the Central Committee or the State "
                    "Council"),
        "unspecified": ("国家重大项目（未说明类别）", "national major project (category not "
                        "stated)")},
    "allowed_activity": {
        "patrol_research_monitoring": ("管护巡护、科研监测", "patrol, research, monitoring"),
        "resident_farming": ("原住居民生产生活", "residents' farming and living"),
        "archaeology": ("考古与文物保护", "archaeology and heritage"),
        "plantation_tending": ("人工商品林抚育采伐", "tending of plantation forest"),
        "low_impact_tourism": ("适度参观旅游", "low-impact tourism"),
        "linear_infrastructure": ("必要的线性基础设施", "necessary linear infrastructure"),
        "geological_survey_mining": ("地质调查与矿产资源勘查开采", "geological survey and mineral "
                                     "exploration"),
        "ecological_restoration": ("生态修复", "ecological restoration"),
        "border_works": ("边界边境工程", "border works"),
        "other_lawful": ("法律法规允许的其他活动", "other activities the law allows")},
}
"""Bilingual labels ``(zh, en)`` of the project vocabulary, for reports (the values stay codes
in every table)."""

for _field in ("type", "industry", "component", "allowed_activity"):  # every word the tool
    for _code, (_zh, _en) in LABELS[_field].items():                   # prints reads back
        VALUE_ALIASES.setdefault(_field, {}).setdefault(_zh, _code)
        VALUE_ALIASES[_field].setdefault(_en, _code)


def choices_zh(field: str, valid) -> str:
    """The allowed values of ``field`` for a Chinese message: each code with its Chinese word
    (``steel 钢铁、chemical 化工、…``); codes without a word are listed as they are."""
    return "、".join(f"{v} {LABELS[field][v][0]}" if v in LABELS.get(field, {}) else str(v)
                    for v in valid)


def two_high(declared: bool | None, industry: str, type_: str) -> bool | None:
    """Whether a project is 两高: its industry makes it so whatever is declared.

    Parameters
    ----------
    declared : bool or None
        The applicant's 两高 (None: blank).
    industry, type_ : str
        The project's industry and type codes (``""`` when blank).

    Returns
    -------
    bool or None
        True when declared yes or the industry is in :data:`TWO_HIGH_INDUSTRIES`
        (环环评〔2021〕45号: a declared "no" does not override it); else the declaration; with
        both blank, False when the industry is known or the type is not one of
        :data:`TWO_HIGH_TYPES`, else None (unknown, never "no").
    """
    if declared or industry in TWO_HIGH_INDUSTRIES:
        return True
    if declared is not None:
        return False
    return None if not industry and type_ in TWO_HIGH_TYPES else False


def label(field: str, value, lang: str) -> str:
    """The word for a vocabulary value of ``field`` (``type``, ``industry``, ``component``,
    ``national_major``, ``allowed_activity``) in ``lang`` (``zh`` or ``en``); a value without a
    label (free text, a blank) is returned as it is."""
    text = "" if value is None else str(value)
    pair = LABELS.get(field, {}).get(text)
    return text if pair is None else pair[0 if lang == "zh" else 1]
