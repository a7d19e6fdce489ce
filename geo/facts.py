"""Three-valued facts: yes, no or unknown, with the reason for every unknown.

Every fact a rule reads (a project flag, a claim, the region a project lies in, a feature
attribute) is evaluated over whole arrays in Kleene's three-valued logic, encoded as ``int8``:
:data:`F` (0, no) < :data:`U` (1, unknown) < :data:`T` (2, yes). ``and`` is the minimum, ``or``
the maximum, ``not`` is ``2 - x``. A rule fires where its condition is :data:`T`; where it is
:data:`U` the rule yields ``review`` naming the unknown fact (unknown never passes).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from geo.projects import FLAGS, MAJOR_CATEGORIES, TYPES

F, U, T = np.int8(0), np.int8(1), np.int8(2)
"""No, unknown, yes."""

CLAIM_FIT: dict[str, tuple[str, ...]] = {
    "energy": ("infrastructure", "pv", "wind"),
    "transport": ("infrastructure",),
    "water": ("infrastructure",),
    "military": ("infrastructure", "other"),
    "central": TYPES,
}
"""Project types a national-major category can describe (an energy grid line is infrastructure;
a factory is never a transport project)."""

ACTIVITY_FIT: dict[str, tuple[str, ...]] = {
    "patrol_research_monitoring": ("infrastructure", "other"),
    "resident_farming": ("other",),
    "archaeology": ("other",),
    "plantation_tending": ("restoration", "other"),
    "low_impact_tourism": ("tourism",),
    "linear_infrastructure": ("infrastructure",),
    "geological_survey_mining": ("mining",),
    "ecological_restoration": ("restoration",),
    "border_works": ("infrastructure", "other"),
    "other_lawful": ("infrastructure", "tourism", "restoration", "other"),
}
"""Project types each allowed red-line activity (自然资发〔2022〕142号) can be; linear
infrastructure must also have a line footprint."""


class Tri:
    """A three-valued array with the reason of each unknown element.

    Attributes
    ----------
    value : ndarray of int8
        :data:`F`, :data:`U` or :data:`T` per element.
    reason : ndarray of object
        Why an element is unknown (``""`` where it is known).
    """

    __slots__ = ("value", "reason")

    def __init__(self, value, reason=None):
        self.value = np.asarray(value, dtype=np.int8)
        self.reason = (np.full(len(self.value), "", dtype=object) if reason is None
                       else np.asarray(reason, dtype=object))

    @classmethod
    def const(cls, n: int, value=T) -> Tri:
        """``n`` elements of one value."""
        return cls(np.full(n, value, dtype=np.int8))

    def __and__(self, other: Tri) -> Tri:
        return Tri(np.minimum(self.value, other.value), _join(self, other))

    def __or__(self, other: Tri) -> Tri:
        return Tri(np.maximum(self.value, other.value), _join(self, other))

    def __invert__(self) -> Tri:
        return Tri(T - self.value, self.reason)

    def take(self, index) -> Tri:
        """The elements at ``index`` (positions)."""
        return Tri(self.value[index], self.reason[index])


def _join(a: Tri, b: Tri) -> np.ndarray:
    """Reasons of both operands where they are unknown, joined with '; '.

    Only the elements unknown in either operand are compared and joined (text operations on
    object arrays run element by element in Python: a rule's condition over a tile's 12,500
    projects, most of them known, took as many string comparisons per ``&``)."""
    out = np.full(len(a.value), "", dtype=object)
    ua, ub = a.value == U, b.value == U
    at = np.flatnonzero(ua | ub)
    if len(at) and not (ua.any() and ub.any()):  # one side's reasons only (a rule's first
        out[at] = (a if ua.any() else b).reason[at]  # fact, against its constant start)
    elif len(at):
        ra = np.where(a.value[at] == U, a.reason[at], "")
        rb = np.where(b.value[at] == U, b.reason[at], "")
        both = (ra != "") & (rb != "") & (ra != rb)
        out[at] = np.where(both, ra + "; " + rb, np.where(ra != "", ra, rb))
    return out


def from_values(values, known, truth, reason: str | np.ndarray) -> Tri:
    """A :class:`Tri` from ``known`` and ``truth`` masks; ``reason`` where not known."""
    known = np.asarray(known, dtype=bool)
    out = np.where(known, np.where(np.asarray(truth, dtype=bool), T, F), U).astype(np.int8)
    why = np.where(known, "", reason)
    return Tri(out, why)


# -- project facts ------------------------------------------------------------------------------
_BLANK = {"en": "{col} of project {pid} is blank (unknown): state it ({how})",
          "zh": "项目 {pid} 的“{col}”未填写（未知）：请填写（{how}）"}
"""Why a project attribute is unknown; ``{col}`` is the column's code in English and its
header (:data:`geo.columns.SCREENING`, as the workbook names it) in Chinese."""
_HOW = {"flag": ("yes/no", "是/否"), "number": ("the number", "数值"),
        "date": ("the date, YYYY-MM-DD", "日期，YYYY-MM-DD"),
        "industry": ("the industry, e.g. steel, chemical, coal_power",
                     "行业，如 steel 钢铁、chemical 化工、coal_power 煤电")}


def allowed_values(col: str) -> tuple[str, ...]:
    """The values ``col`` takes when they are a short closed set (``component``, a flag),
    else ``()``."""
    from geo.vocabulary import COMPONENTS

    return COMPONENTS if col == "component" else ("yes", "no") if col in FLAGS else ()


def blank_hint(col: str, lang: str) -> str:
    """What to write in a blank project attribute ``col``: its allowed values with their words
    (``array 光伏方阵 / ancillary 配套设施``), yes/no for a flag, or the kind of value."""
    from geo.vocabulary import NUMBERS, label

    zh = lang == "zh"
    if col == "component":
        return " / ".join(f"{v}{' ' if zh else ' = '}{label(col, v, lang)}"
                          for v in allowed_values(col))
    kind = ("flag" if col in FLAGS else "number" if col in NUMBERS else
            "date" if col.endswith("_date") else "industry" if col == "industry" else "")
    return _HOW[kind][zh] if kind else ("值" if zh else "the value")


def attr_hint(col: str) -> str:
    """How ``siting check`` states ``col``: ``--attr component=array | --attr
    component=ancillary`` (each allowed value), or the option with an example value."""
    if col == "industry":
        return "--industry steel"
    example = ("YYYY-MM-DD" if col.endswith("_date") else "1.25" if col == "replacement_ratio"
               else "VALUE")
    return " | ".join(f"--attr {col}={v}" for v in allowed_values(col) or (example,))


def column_word(col: str, lang: str) -> str:
    """How a message names the project attribute ``col``: its code in English, its header
    (``产能置换已落实``) in Chinese."""
    from geo.columns import SCREENING

    return SCREENING[col][1] if lang == "zh" and col in SCREENING else col


def blank_columns(message: str) -> list[str]:
    """The project attributes a review message names as blank (in either language)."""
    from geo.columns import SCREENING

    codes = {zh: col for col, (_, zh, _) in SCREENING.items()}
    pairs = re.findall(r"的“([^”]+)”未填写|(\w+) of project \S+ is blank", message)
    return list(dict.fromkeys(codes.get(zh, zh) if zh else en for zh, en in pairs))


def _blank_reason(p: pd.DataFrame, col: str, lang: str) -> np.ndarray:
    template = _BLANK[lang].replace("{how}", blank_hint(col, lang)).split("{pid}")
    word = column_word(col, lang)
    return (template[0].format(col=word) + p["project_id"].astype(str).to_numpy().astype(object)
            + template[1].format(col=word))


def flag(p: pd.DataFrame, name: str, lang: str = "en") -> Tri:
    """A project flag (``two_high`` or one of :data:`geo.projects.FLAGS`) as a :class:`Tri`."""
    values = p[name]
    if name not in FLAGS and name != "two_high":
        return Tri(np.where(values.to_numpy(dtype=bool), T, F))
    known = values.notna().to_numpy()
    truth = values.where(values.notna(), False).astype(bool).to_numpy()
    why = two_high_reason(p, lang) if name == "two_high" else _blank_reason(p, name, lang)
    return from_values(values, known, truth, why)


def two_high_reason(p: pd.DataFrame, lang: str) -> np.ndarray:
    """Why 两高 is unknown: both 两高 and the industry are blank (per project)."""
    text = {"en": ("two_high of project {pid} is blank and so is its industry (unknown): state "
                   "it (yes/no, or the industry, e.g. steel, chemical)"),
            "zh": ("项目 {pid} 的“两高项目”未填写，行业也未填写（未知）：请填写（是/否，或行业，"
                   "如 steel 钢铁、chemical 化工）")}[lang].split("{pid}")
    return text[0] + p["project_id"].astype(str).to_numpy().astype(object) + text[1]


def condition(p: pd.DataFrame, name: str, spec, lang: str = "en") -> Tri:
    """One ``when`` condition of a rule on a project attribute.

    Parameters
    ----------
    name : str
        A flag, ``component`` or ``industry`` (a text compared for equality, blank is unknown;
        or ``{blank = true|false}``, a known fact), a number
        (``replacement_ratio``, ``coal_consumption_tce``; NaN is unknown) or
        ``replacement_scheme_date`` (ISO text; blank is unknown).
    spec : bool, str or dict
        ``True``/``False`` for flags; a text for ``component``; ``{lt|le|gt|ge = number}`` for
        numbers; ``{before|on_or_after = "YYYY-MM-DD"}`` for the date.
    """
    if isinstance(spec, bool):
        tri = flag(p, name, lang)
        return tri if spec else ~tri
    values = p[name]
    if isinstance(spec, dict) and "blank" in spec:
        text = values.fillna("").astype(str).to_numpy()
        return Tri(np.where((text == "") == spec["blank"], T, F))
    if isinstance(spec, str):
        text = values.fillna("").astype(str).to_numpy()
        return from_values(text, text != "", text == spec, _blank_reason(p, name, lang))
    op, bound = next(iter(spec.items()))
    if op in ("before", "on_or_after"):
        text = values.fillna("").astype(str).to_numpy()
        truth = (text < bound) if op == "before" else (text >= bound)
        return from_values(text, text != "", truth, _blank_reason(p, name, lang))
    num = values.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        truth = {"lt": num < bound, "le": num <= bound, "gt": num > bound,
                 "ge": num >= bound}[op]
    return from_values(num, ~np.isnan(num), truth, _blank_reason(p, name, lang))


MAJOR_ZH = {"energy": "能源", "transport": "交通", "water": "水利", "military": "军事",
            "central": "党中央国务院明确支持"}
"""Chinese labels of the national-major categories."""

_CLAIM_TEXT = {
    "en": {"major": "claimed national major project ({cat}{doc})",
           "major_void": "claimed national major project ({cat}{doc}) not honoured here: {why}",
           "activity": "claimed allowed activity {act}",
           "activity_void": "claimed allowed activity {act} not honoured: {why}",
           "unspecified": "national major project claimed without a category (state energy, "
                          "transport, water, military or central and the document number)",
           "no_doc": ", document number not given",
           "not_line": "linear infrastructure needs a line footprint or a corridor polygon, "
                       "not a point",
           "wrong_type": "the project type is not such an activity",
           "corridor": ("claimed allowed activity {act} on a polygon footprint (minimum rotated "
                        "rectangle {length} m × {width} m, length/width {ratio}; corridor width "
                        "2·area/perimeter ≈ {corridor} m): confirm that the footprint is a "
                        "linear corridor (road, pipeline, line route)")},
    "zh": {"major": "申报国家重大项目（{cat}{doc}）",
           "major_void": "申报国家重大项目（{cat}{doc}）在此不能成立：{why}",
           "activity": "申报有限人为活动“{act}”",
           "activity_void": "申报有限人为活动“{act}”不能成立：{why}",
           "unspecified": "申报国家重大项目但未写明类别（请写明能源、交通、水利、军事或中央批准及文号）",
           "no_doc": "，未提供文号",
           "not_line": "线性基础设施的用地范围应为线或带状的面，不能为点",
           "wrong_type": "项目类型不属于该类活动",
           "corridor": ("申报有限人为活动“{act}”，但用地范围为面（最小外接矩形 {length} m × {width} m，"
                        "长宽比 {ratio}；按 2×面积/周长 估算廊道宽约 {corridor} m）：请核实用地范围为线性"
                        "廊道（道路、管线、线路等）")},
}


def national_major(p: pd.DataFrame, categories, types, lang: str = "en") -> tuple[Tri, np.ndarray]:
    """Whether each project's national-major claim holds under one rule.

    A claim holds when its category is one the rule honours, the project type fits the category
    (:data:`CLAIM_FIT`) and the rule honours it for that type. A bare "yes" (``unspecified``) is
    unknown where some honoured category could fit the type.

    Returns
    -------
    (Tri, ndarray of str)
        The claim's truth per project, and the text the evidence shows (``""`` without a claim).
    """
    text = _CLAIM_TEXT[lang]
    claim = p["national_major"].fillna("").astype(str).to_numpy()
    ptype = p["type"].astype(str).to_numpy()
    doc = p["national_major_doc"].fillna("").astype(str).to_numpy().astype(object)
    doc = np.where(doc != "", ("，" if lang == "zh" else ", ") + doc, text["no_doc"])
    rule_types = np.isin(ptype, list(types))
    fits = np.zeros(len(p), dtype=bool)
    could = np.zeros(len(p), dtype=bool)
    for cat in MAJOR_CATEGORIES:
        ok = np.isin(ptype, CLAIM_FIT[cat]) & rule_types
        fits |= (claim == cat) & ok & (cat in categories)
        could |= ok & (cat in categories)
    value = np.where(claim == "", F, np.where(fits, T, F)).astype(np.int8)
    unknown = (claim == "unspecified") & could
    value[unknown] = U
    kind = ptype.astype(object)
    why = np.where(~rule_types, "this rule accepts no such claim for a " + kind + " project",
                   np.where(np.isin(claim, list(categories)), "the category does not fit a " +
                            kind + " project", "this rule does not accept the category"))
    if lang == "zh":
        why = np.where(~rule_types, "本规则不认可 " + kind + " 类项目的此类申报",
                       np.where(np.isin(claim, list(categories)), "类别与项目类型（" + kind +
                                "）不符", "本规则不认可该类别"))
        cat = pd.Series(claim, dtype=object).replace(MAJOR_ZH).to_numpy(dtype=object)
    else:
        cat = claim.astype(object)
    note = np.where(value == T, fill(text["major"], cat=cat, doc=doc), "")
    void = (claim != "") & (value == F) & (claim != "unspecified")
    note = np.where(void, fill(text["major_void"], cat=cat, doc=doc, why=why), note)
    note = np.where(claim == "unspecified", text["unspecified"], note)
    return Tri(value, np.where(unknown, text["unspecified"], "")), note.astype(object)


def allowed_activity(p: pd.DataFrame, dims: np.ndarray, fp=None, lang: str = "en"
                     ) -> tuple[Tri, np.ndarray]:
    """Whether each project's allowed-activity claim fits its type and geometry.

    ``linear_infrastructure`` (自然资发〔2022〕142号 item 6) fits a line footprint. A polygon
    footprint (a project's 用地红线 is normally one) is *unknown*: the reviewer confirms that it
    is a linear corridor, helped by its elongation (:func:`elongation`); a point cannot show a
    corridor and does not fit.

    Parameters
    ----------
    p : DataFrame
        The projects (``allowed_activity``, ``type``).
    dims : ndarray of int
        Footprint dimension per project (:func:`geo.measure.footprint_measure`).
    fp : array of shapely geometries, optional
        The footprints in a metric CRS [m]; the elongation of polygon claims is stated from them.
    lang : {"en", "zh"}

    Returns
    -------
    (Tri, ndarray of str)
        True where the claim fits (:data:`ACTIVITY_FIT`), unknown for a linear claim on a
        polygon (with the elongation as reason), and the evidence text.
    """
    text = _CLAIM_TEXT[lang]
    act = p["allowed_activity"].fillna("").astype(str).to_numpy()
    ptype = p["type"].astype(str).to_numpy()
    fits = np.zeros(len(p), dtype=bool)
    for name, types in ACTIVITY_FIT.items():
        fits |= (act == name) & np.isin(ptype, types)
    line = act == "linear_infrastructure"
    polygon = fits & line & (dims == 2)
    fits &= ~line | (dims == 1)
    shape = line & np.isin(ptype, ACTIVITY_FIT["linear_infrastructure"]) & (dims != 1)
    why = np.where(shape, text["not_line"], text["wrong_type"])
    value = np.where(act == "", F, np.where(fits, T, F)).astype(np.int8)
    value[polygon] = U
    from geo.vocabulary import label

    a = np.array([label("allowed_activity", v, lang) for v in act], dtype=object)
    reason = np.full(len(p), "", dtype=object)
    if polygon.any():
        reason[polygon] = _corridor_reason(np.asarray(fp, dtype=object)[polygon], a[polygon],
                                           lang)
    note = np.where(value == T, fill(text["activity"], act=a), "")
    note = np.where((act != "") & (value == F), fill(text["activity_void"], act=a, why=why), note)
    return Tri(value, reason), note.astype(object)


def elongation(fp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Length and width of each footprint's minimum rotated rectangle [m], and its corridor
    width estimate 2·area/perimeter [m] (the width of a long strip; half the side of a square).

    Parameters
    ----------
    fp : array of shapely polygons
        In a metric CRS.
    """
    import shapely

    fp = np.asarray(fp, dtype=object)
    ring = shapely.get_exterior_ring(shapely.oriented_envelope(fp))  # None where degenerate
    corner = [shapely.get_point(ring, k) for k in range(3)]
    sides = np.nan_to_num(np.stack([shapely.distance(corner[0], corner[1]),
                                    shapely.distance(corner[1], corner[2])]))
    length, width = sides.max(axis=0), sides.min(axis=0)
    perimeter = shapely.length(fp)
    with np.errstate(invalid="ignore", divide="ignore"):
        corridor = np.where(perimeter > 0, 2 * shapely.area(fp) / perimeter, 0.0)
    return length, width, corridor


def _corridor_reason(fp, act: np.ndarray, lang: str) -> np.ndarray:
    """Why a linear-infrastructure claim on a polygon is unknown, with its elongation."""
    length, width, corridor = elongation(fp)
    ratio = np.where(width > 0, length / np.maximum(width, 1e-9), np.inf)
    num = np.vectorize(lambda v: f"{v:,.0f}", otypes=[object])
    rat = np.vectorize(lambda v: "∞" if not np.isfinite(v) else f"{v:.1f}", otypes=[object])
    return fill(_CLAIM_TEXT[lang]["corridor"], act=act, length=num(length), width=num(width),
                ratio=rat(ratio), corridor=num(corridor))


def fill(template: str, **arrays) -> np.ndarray:
    """Fill ``{name}`` fields of ``template`` with object arrays, element-wise (no Python loop)."""
    parts = re.split(r"(\{\w+\})", template)
    out = np.array("", dtype=object)
    for part in parts:
        key = part[1:-1] if part.startswith("{") and part.endswith("}") else None
        out = out + (np.asarray(arrays[key], dtype=object) if key else part)
    return out
