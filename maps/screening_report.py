"""The screening report: one printable, self-contained HTML page a reviewer can sign.

A pure render of what :func:`geo.screen` decided: nothing here recomputes a verdict. Every value
that comes from input data is escaped by jinja2's autoescape.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd

from layers.kinds import get_kind

TEMPLATE_DIR = Path(__file__).with_name("templates")
VERDICT_COLORS = {"prohibited": "#c0392b", "review": "#e67e22", "admitted": "#27ae60",
                  "error": "#7f8c8d", "contact": "#95a5a6"}
LABELS = {
    "zh": {"title": "项目生态环境准入审查报告", "summary": "汇总", "projects": "项目",
           "verdict": "结论", "reasons": "理由", "evidence": "证据", "rule": "规则",
           "outcome": "结果", "layer": "图层", "feature": "要素", "overlap_m2": "重叠面积 (m²)",
           "overlap_share": "占项目比例", "distance_m": "距离 (m)", "message": "须核实事项",
           "source": "政策依据", "confidence": "可信度", "units": "所在环境管控单元及准入清单",
           "provenance": "图层来源", "date": "日期", "features": "要素数", "type": "类型",
           "industry": "行业", "id": "编号", "name": "名称", "count": "数量",
           "rules": "规则集", "generated": "生成时间", "missing": "缺失图层（按需论证处理）",
           "none": "无", "signature": "审查人签字：", "problems": "问题",
           "prohibited": "不予准入", "review": "需论证/有条件准入", "admitted": "准入",
           "error": "无法判定", "contact": "边界接触",
           "map": "交互地图（map.html，与本报告同目录，无需联网）"},
    "en": {"title": "Environmental admission screening report", "summary": "Summary",
           "projects": "Projects", "verdict": "Verdict", "reasons": "Reasons",
           "evidence": "Evidence", "rule": "Rule", "outcome": "Outcome", "layer": "Layer",
           "feature": "Feature", "overlap_m2": "Overlap (m²)", "overlap_share": "Share of project",
           "distance_m": "Distance (m)", "message": "What to verify", "source": "Policy source",
           "confidence": "Confidence", "units": "Control units and their access lists",
           "provenance": "Layer provenance", "date": "Date", "features": "Features",
           "type": "Type", "industry": "Industry", "id": "ID", "name": "Name", "count": "Count",
           "rules": "Rule set", "generated": "Generated", "none": "none",
           "missing": "Missing layers (treated as review)", "signature": "Reviewer's signature:",
           "problems": "Problems", "prohibited": "Prohibited", "review": "Review",
           "admitted": "Admitted", "error": "Error", "contact": "Boundary contact",
           "map": "Interactive map (map.html, beside this report; works offline)"},
}
_UNIT_FIELDS = ("spatial_layout", "pollutant_discharge", "environmental_risk",
                "resource_efficiency")


def _num(value, digits: int = 1) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    if math.isnan(v):
        return ""
    return f"{v:,.{digits}f}"


def _share(value) -> str:
    text = _num(value, 1) if value == value and value is not None else ""
    return "" if not text else f"{float(value) * 100:.1f}%"


def report_context(result: gpd.GeoDataFrame, hits: pd.DataFrame, lang: str = "zh") -> dict:
    """The data the report template shows (plain Python values, not yet escaped)."""
    labels = LABELS[lang]
    unit_kind = get_kind("control_unit")
    projects = []
    rows = hits["row"].to_numpy(dtype=int)  # each project's hits: one slice (hits sorted)
    order = np.argsort(rows, kind="stable")
    bounds = np.searchsorted(rows[order], np.arange(len(result) + 1))
    records = hits.iloc[order].to_dict("records")
    for i, row in enumerate(result.itertuples(index=False)):
        h = records[bounds[i]:bounds[i + 1]]
        rules, seen = [], set()
        for r in h:
            if r["outcome"] in ("prohibited", "review", "admitted") and r["rule_id"] not in seen:
                seen.add(r["rule_id"])
                rules.append({"id": r["rule_id"], "outcome": r["outcome"], "title": r["title"],
                              "source": r["source"], "confidence": r["confidence"]})
        evidence = [{
            "rule": r["rule_id"], "outcome": r["outcome"],
            "outcome_label": labels.get(r["outcome"], r["outcome"]),
            "layer": r["layer_id"] or r["kind"], "feature": " ".join(
                x for x in (str(r["feature_id"]), str(r["feature_name"])) if x),
            "overlap_m2": _num(r["overlap_m2"]), "overlap_share": _share(r["overlap_share"]),
            "distance_m": _num(r["distance_m"]), "message": r["message"]}
            for r in h]
        units = []
        for r in (r for r in h if r["rule_id"] == "control_unit_listed"):
            d = r["details"] if isinstance(r["details"], dict) else {}
            units.append({"code": d.get("unit_code") or r["feature_id"],
                          "name": r["feature_name"], "type": d.get("unit_type", ""),
                          "clauses": [(unit_kind.attributes[f].label(lang), d.get(f, ""))
                                      for f in _UNIT_FIELDS]})
        projects.append({"id": row.project_id, "name": row.name, "type": row.type,
                         "industry": row.industry, "verdict": row.verdict,
                         "verdict_label": labels.get(row.verdict, row.verdict),
                         "color": VERDICT_COLORS.get(row.verdict, "#333"),
                         "reasons": row.reasons, "rules": rules, "evidence": evidence,
                         "units": units})
    counts = result["verdict"].value_counts()
    summary = [(labels[v], int(counts.get(v, 0)), VERDICT_COLORS[v])
               for v in ("prohibited", "review", "admitted", "error")]
    return {"L": labels, "lang": lang, "projects": projects, "summary": summary,
            "total": len(result), "layers": result.attrs.get("layers", []),
            "missing": result.attrs.get("missing", []),
            "rules": result.attrs.get("rules", ""),
            "generated": dt.date.today().isoformat()}


def render_report(result: gpd.GeoDataFrame, hits: pd.DataFrame, lang: str = "zh") -> str:
    """Render the screening report as one HTML string (every input value escaped).

    Parameters
    ----------
    result, hits
        The two tables returned by :func:`geo.screen`.
    lang : {"zh", "en"}
        Language of the labels.
    """
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    return env.get_template("screening_report.html.j2").render(
        **report_context(result, hits, lang))


def write_report(result: gpd.GeoDataFrame, hits: pd.DataFrame, path: str | Path,
                 lang: str = "zh") -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATE_DIR), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    stream = env.get_template("screening_report.html.j2").stream(
        **report_context(result, hits, lang))
    with open(path, "w", encoding="utf-8") as f:  # written as rendered, never whole in memory
        stream.dump(f)
    return path
