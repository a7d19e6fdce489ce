"""The words of the screening report, in Chinese and English.

Verdict names and layer-kind labels come from :mod:`maps.style` and the kinds registry; project
types and industries from :data:`geo.vocabulary.LABELS`; rule titles from the rule set. What is
left, the report's own words, lives here (``{name}`` fields are filled with ``str.format``).
"""

from __future__ import annotations

from maps import style as st

WORDS: dict[str, tuple[str, str]] = {
    "title": ("项目生态环境准入审查报告", "Environmental admission screening report"),
    "demo": ("演示数据，不得用于实际决策", "Demonstration data: not for real decisions"),
    "demo_text": ("本报告所用图层目录标记为合成数据（synthetic = true）。结论仅用于演示工具的用法。",
                  "The catalog behind this report is marked synthetic (synthetic = true). The "
                  "verdicts only show how the toolkit works."),
    "report_id": ("报告编号", "Report ID"),
    "report_id_note": ("由工具版本、规则集文件、图层目录、各图层数据（SHA-256，见图层表）和项目数据计算的"
                       "哈希值，不含读取或预处理的时间：输入相同，编号相同",
                       "a hash of the tool version, the rule set files, the catalog, every "
                       "layer's data (SHA-256, in the table of layers) and the projects, not of "
                       "when they were read or prepared: the same inputs give the same ID"),
    "tool": ("工具版本", "Tool version"),
    "ruleset": ("规则集", "Rule set"),
    "rule_notice": ("规则集提示（比国家规则宽松）", "Rule set notice (softer than national)"),
    "catalog": ("图层目录", "Catalog"),
    "region": ("区域", "Region"),
    "coverage": ("覆盖范围依据", "Coverage area from"),
    "working_crs": ("计算坐标系（面积、距离）", "Working CRS (areas, distances)"),
    "run_date": ("运行日期", "Run on"),
    "lang": ("语言", "Language"),
    "summary": ("汇总", "Summary"),
    "count": ("数量", "Count"),
    "total": ("合计", "Total"),
    "projects": ("项目", "Projects"),
    "id": ("编号", "ID"),
    "name": ("名称", "Name"),
    "type": ("类型", "Type"),
    "industry": ("行业", "Industry"),
    "district": ("所在区县", "District"),
    "verdict": ("结论", "Verdict"),
    "reasons": ("主要理由", "Main reasons"),
    "no_restriction": ("未触发限制性规则", "no restricting rule fired"),
    "overview": ("项目总览图（按结论着色）", "Overview of the projects (coloured by verdict)"),
    "map_link": ("交互地图（map.html，与本报告同目录，无需联网）",
                 "Interactive map (map.html, beside this report; works offline)"),
    "confidence": ("可信度", "Confidence"),
    "confidence_text": ("规则可信度：V 已对照法规原文核对；P 依据摘要或地方实施文件；"
                        "? 不确定，只能得出“需论证”。",
                        "Confidence of a rule: V text checked against the source; P from a "
                        "summary or a provincial implementation; ? uncertain, may only yield "
                        "review."),
    "how_to_read": ("阅读方法", "How to read this report"),
    "how_to_read_text": (
        "每个项目一页：结论、位置与范围图、核查清单（规则涉及的每类图层：占用、距离、未核查、"
        "事实未知）、审查发现（规则、政策依据、须核实事项）、所在管控单元及准入清单。"
        "结论取所有规则结果中最严格者；未知事实和缺失图层一律按“需论证”处理，不会放行。",
        "One page per project: the verdict, its location and map, the checklist (every layer "
        "kind the rules use: occupied, distances, not checked, unknown facts), the findings "
        "(rule, policy source, what to verify) and the control units with their access lists. "
        "The verdict is the strictest outcome of all rules; an unknown fact or a missing layer "
        "always yields review, never a pass."),
    "data_quality": ("数据质量", "Data quality"),
    "layer_fit": ("图层套合（缝隙宽度不足 {width} m，按数字化误差处理）",
                  "Layer fit (slivers narrower than {width} m, taken as digitising mismatch)"),
    "dq_text": ("读取图层和项目文件时发现的问题（每个来源最多列出 {n} 条）。",
                "What the readers found in the layers and the project file (at most {n} per "
                "source)."),
    "project_file": ("项目文件", "Project file"),
    "no_problems": ("未发现问题", "no problems found"),
    "error_rows": ("{n} 行无法判定（见项目表）", "{n} rows could not be judged (see the projects table)"),
    "error_row": ("1 行无法判定（见项目表）", "1 row could not be judged (see the projects table)"),
    "more_layer": ("另有 {n} 条，见 siting layers", "{n} more: see siting layers"),
    "more_file": ("另有 {n} 条，见本次 siting screen 的终端输出",
                  "{n} more: see the terminal output of this siting screen run"),
    "more_sliver": ("另有 {n} 条，见 screening_hits.csv（规则 layer_sliver）",
                    "{n} more: see screening_hits.csv (rule layer_sliver)"),
    "provenance": ("图层来源", "Layer provenance"),
    "layer": ("图层", "Layer"),
    "kind": ("类型", "Kind"),
    "source": ("来源", "Source"),
    "date": ("日期", "Date"),
    "file": ("文件", "File"),
    "features": ("要素数", "Features"),
    "accuracy": ("定位精度", "Accuracy"),
    "defaults": ("统一取值（目录声明）", "Layer-wide values (catalog)"),
    "unusable": ("不可用", "unusable"),
    "covers_only": ("仅覆盖：", "covers only: "),
    "role_coverage": ("用于确定覆盖范围和所在区县", "sets the coverage area and the districts"),
    "missing_layers": ("未提供的图层（相关规则按“需论证”处理）",
                       "Layers not provided (their rules yield review)"),
    "location": ("位置", "Location"),
    "centroid": ("中心点（WGS84）", "Centroid (WGS84)"),
    "area": ("面积", "Area"),
    "length": ("长度", "Length"),
    "footprint": ("范围", "Footprint"),
    "point": ("单个点位（无面积）", "a single point (no area)"),
    "points": ("{n} 个点位", "{n} points"),
    "capacity": ("装机容量", "Capacity"),
    "component": ("组成部分", "Component"),
    "two_high": ("两高项目", "High energy use, high emission (两高)"),
    "claim_major": ("申报国家重大项目", "Claims national major project"),
    "claim_activity": ("申报有限人为活动", "Claims allowed limited activity"),
    "flag_capacity_replacement": ("产能置换已落实", "Capacity replacement secured"),
    "flag_pollutant_offset": ("区域削减替代已落实", "Pollutant offsets secured"),
    "flag_coal_substitution": ("煤炭消费减量替代已落实", "Coal substitution secured"),
    "flag_risk_control_part": ("属于污染地块风险管控或修复", "Part of a risk-control plan"),
    "replacement_ratio": ("产能置换比例", "Replacement ratio"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "unknown_district": ("未知（不在行政区划图层内）", "unknown (no admin boundary here)"),
    "no_outline_district": ("未知（无可用范围）", "unknown (no usable outline)"),
    "outside": ("{share} 位于目录覆盖范围（{how}）之外：该部分未核查任何图层。",
                "{share} of the footprint lies outside the catalog's coverage ({how}): no layer "
                "was checked there."),
    "unit_gap": ("{share} 不在任何环境管控单元内（单元图层空洞）。",
                 "{share} lies in no control unit (a hole in the unit layer)."),
    "checklist": ("核查清单", "Checklist"),
    "checklist_text": ("规则涉及的每类图层及核查结果（面积为各要素重叠面积之和；"
                       "“最近”为搜索半径 {r} 内最近要素的边界距离）。",
                       "Every layer kind the rules use and what was found (areas are sums over "
                       "the features met; “nearest” is the edge distance to the nearest feature "
                       "within {r})."),
    "result": ("核查结果", "Result"),
    "measure": ("面积 / 长度 / 距离", "Area / length / distance"),
    "outcome": ("规则结果", "Rule outcome"),
    "share_of": ("占项目 {share}", "{share} of the project"),
    "overlapping_features": ("同一图层要素相互重叠，合计大于实际占用",
                             "features of this layer overlap one another: the sum exceeds the "
                             "area they cover together"),
    "n_features": ("{n} 个要素", "{n} features"),
    "one_feature": ("1 个要素", "1 feature"),
    "unknown_facts": ("事实未知（按需论证处理）", "Unknown facts (treated as review)"),
    "feature": ("要素", "Feature"),
    "contact_short": ("边界接触", "boundary contact"),
    "feature_details": ("逐要素明细", "feature by feature"),
    "overlap": ("重叠", "Overlap"),
    "share": ("占项目比例", "Share"),
    "distance": ("距离", "Distance"),
    "rules": ("规则", "Rules"),
    "clear_kinds": ("{r} 内无要素", "none within {r}"),
    "near_kinds": ("未占用，最近要素距离", "Clear; nearest feature at"),
    "missing_kinds": ("未核查：未提供图层", "Not checked: layers not provided"),
    "unused_kinds": ("未提供图层（本项目无规则使用）", "Layers not provided (no rule applies to this "
                                                 "project)"),
    "findings": ("审查发现", "Findings"),
    "verify": ("须核实", "To verify"),
    "policy": ("依据", "Source"),
    "evidence": ("证据", "Evidence"),
    "see_units": ("准入清单见下文“所在环境管控单元”。", "The access list is shown under the "
                  "control units below."),
    "not_checked_rules": ("未核查的规则", "Rules not checked"),
    "units": ("所在环境管控单元及准入清单", "Control units and their access lists"),
    "unit_type": ("单元类型", "Unit type"),
    "none": ("无", "none"),
    "error_text": ("无法判定：{error}", "Could not be judged: {error}"),
    "no_image": ("（本批次未绘制此项目的范围图，原因见汇总页“范围图”说明）",
                 "(no map image for this project in this batch: see “Map images” on the "
                 "summary)"),
    "images": ("范围图", "Map images"),
    "images_all": ("每个项目均附范围图（项目与其涉及的图层，离线绘制，配色同交互地图）。",
                   "Every project has a map image (the footprint over the layers it touches, "
                   "drawn offline in the interactive map's colours)."),
    "images_limited": (
        "范围图最多绘制 {limit} 幅（每幅约 0.13 秒，10 万个项目需数小时）：本批次 {n} 个项目，"
        "已按“不予准入、需论证、其他”的顺序为前 {limit} 个绘制。每个项目的位置和核查清单均完整列出，"
        "交互地图 map.html 显示全部项目。",
        "Map images are drawn for at most {limit} projects (about 0.13 s each: 100,000 would "
        "take hours). This batch has {n} projects: images are drawn for the first {limit} in "
        "the order prohibited, review, others. Every project's location and checklist are "
        "always listed, and map.html shows every project."),
    "images_none": ("本报告未绘制范围图（未给出图层目录，或 --report-images 0）。",
                    "No map images in this report (no catalog given, or --report-images 0)."),
    "pages": ("分页", "Pages"),
    "pages_text": ("本批次共 {n} 个项目，报告分为 {pages} 页，每页 {size} 个项目，以便浏览器快速打开。",
                   "This batch has {n} projects: the report is split into {pages} pages of "
                   "{size} projects so that each opens quickly in a browser."),
    "page": ("页", "Page"),
    "find_project": ("按项目编号查找", "Find a project by its ID"),
    "find": ("查找", "Find"),
    "find_none": ("本批次中没有此项目编号：", "No project of this batch has the ID "),
    "page_of": ("第 {i} 页，共 {n} 页", "Page {i} of {n}"),
    "range": ("项目", "Projects"),
    "back": ("返回汇总页", "Back to the summary"),
    "prev": ("上一页", "Previous page"),
    "next": ("下一页", "Next page"),
    "signature": ("审查人签字：", "Reviewer's signature:"),
    "findings_by_rule": ("结论依据（按规则）", "Findings by rule"),
    "findings_by_rule_text": ("每项审查发现涉及的项目数（一个项目可涉及多项）。",
                              "How many projects each finding concerns (a project may have "
                              "several)."),
    "more_findings": ("另有 {n} 项需论证的发现，见各项目。",
                      "{n} more review findings: see the projects."),
    "finding": ("审查发现", "Finding"),
    "not_provided_rules": ("因未提供图层而未核查的规则（见下文“未提供的图层”）",
                           "Rules not checked because a layer is not provided (see \"Layers not "
                           "provided\" below)"),
    "decisive": ("需要处理的项目", "Projects to act on"),
    "decisive_text": ("按紧迫程度排列：先列无法判定的项目（须先补正或核实），再列不予准入的，"
                      "最后列需论证的；每类按输入顺序。全部项目见 screening.csv 及下方各页。",
                      "Most urgent first: the projects that could not be judged (to correct or "
                      "verify first), then the prohibited, then those to review; each in input "
                      "order. Every project is in screening.csv and on the pages."),
    "decisive_group": ("{label}：{n} 个", "{label}: {n}"),
    "decisive_more": ("另有 {n} 个未列出，见 screening.csv（verdict 列）及各页；下一个：",
                      "{n} more not listed: see screening.csv (column verdict) and the pages; "
                      "the next one:"),
    "reason": ("原因", "Reason"),
}

STATUS_WORDS: dict[str, tuple[str, str]] = {
    "unusable": ("未核查：图层不可用", "not checked: layer unusable"),
    "occupied_polygon": ("占用", "occupied"),
    "inside_polygon": ("位于其中", "lies in it"),
    "occupied_line": ("穿越", "crossed"),
    "occupied_point": ("位于其中", "lies in it"),
    "contact": ("仅边界接触（容差内，不计占用）", "boundary contact only (within the tolerance)"),
    "within": ("规定距离内有要素", "features within the rule's distance"),
    "meets": ("位于或接触要素（未触发规则）", "lies in or touches a feature (no rule triggered)"),
    "unsure": ("未能全部核查（见未知事实）", "not all checked (see the unknown facts)"),
}
"""Words for the statuses of :data:`geo.checklist.STATUSES` that get a row of their own
(``occupied`` by footprint shape; a polygon in a kind outside :data:`PROTECTED_KINDS` "lies in
it"; ``unsure``: a clear or near kind with an unknown fact); ``not_provided``, ``near`` and ``clear`` kinds are named together (``missing_kinds`` and
``unused_kinds``, ``near_kinds``, ``clear_kinds``)."""

PROTECTED_KINDS = frozenset({
    "ecological_red_line", "basic_farmland", "cultivated_land", "forest_land", "grassland",
    "nature_reserve", "protected_area", "water_source", "shoreline_control_zone", "river",
    "settlement"})
"""Kinds whose land a project "occupies" (占用); in other kinds (control units, parks, urban
boundaries, degraded land, hazard zones) it "lies"."""


def word(key: str, lang: str, **values) -> str:
    """The report's word ``key`` in ``lang``, with ``values`` filled in."""
    text = st.pick(WORDS[key], lang)
    return text.format(**values) if values else text


def status_word(status: str, lang: str) -> str:
    """The checklist status in ``lang``."""
    return st.pick(STATUS_WORDS[status], lang)
