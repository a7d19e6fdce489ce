"""The siting report a planner reads: summary, charts, ranked sites, method, parameters, sources.

A render of :func:`geo.score_sites`'s result: the column labels and units come from
``attrs["siting"]["columns"]`` (:mod:`geo.columns`), numbers are rounded per column
(:data:`maps.siting_map.DECIMALS`; ranks are integers), charts are drawn offline
(:mod:`maps.siting_charts`), only the chosen technology's parameters are shown and files are
named by their file name, never by an absolute path. Rendered with jinja2 autoescaping.
"""

from __future__ import annotations

import base64
from pathlib import Path

import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup, escape

from geo.columns import describe
from layers.errors import halves, in_lang, split_joined
from layers.kinds import get_kind
from maps import siting_charts as charts
from maps import siting_params as sp
from maps import style as st
from maps.report_meta import run_date, tool_version
from maps.siting_map import DECIMALS, STATUS_LABELS

TEMPLATES = Path(__file__).parent / "templates"
RANKED = ["rank", "site_id", "name", "source_kind", "candidate_area_ha", "_cut",
          "usable_area_ha", "score", "class", "top_n_probability", "rank_p05", "capacity_mw",
          "generation_mwh", "lcoe_cny_mwh", "co2_t"]
RANKED_WIND = [*RANKED[:11], "turbines", *RANKED[11:]]
"""Columns of the ranking table (``rank_p05`` shows the 5-95 % interval, ``_cut`` the land
excluded and why: :func:`cut_lines`)."""
CUT_LABEL = ("排除面积 [ha]（按规则）", "Excluded [ha], by rule")
"""Header of the ranking table's column of excluded land."""
CUT_MORE = {"outside_coverage_ha": ("超出图层目录覆盖范围（未核查）", "outside the catalog's coverage "
                                    "(not checked)"),
            "dropped_area_ha": ("另剔除小于最小面积的图斑", "also dropped: parts under the minimum "
                                "area")}
"""Words of the land a site loses besides its exclusion rules."""
OTHERS = ["site_id", "name", "source_kind", "status", "candidate_area_ha", "excluded_area_ha",
          "usable_area_ha", "capacity_if_cleared_mw", "reason"]
"""Columns of the table of candidates without a rank (a review site's capacity once cleared,
not in the totals)."""
FLAGS_LABEL = ("提示（需核查事项）", "Flags (check by hand)")
"""Header of the ranked and cheapest tables' last column: each site's ``notes``."""
CHEAPEST = 10
"""Sites listed in the supply-curve table."""
INTEGER = {"rank", "rank_p05", "rank_p95", "turbines", "parts_dropped", "supply_rank"}
MORE_DECIMALS = {"lcoe_cny_mwh": 0, "lcot_cny_mwh": 0, "grid_distance_km": 1, "grid_kv": 0,
                 "capacity_factor": 3, "specific_yield_kwh_kwp": 0, "top_n_probability": 2,
                 "cumulative_capacity_mw": 1, "cumulative_generation_mwh": 0}
PV_PARAMS = ("density_mwp_per_ha", "slope_full_density_deg", "slope_density_factor_at_limit",
             "slope_limit_deg", "tilt_deg", "azimuth_deg", "albedo", "gamma_pdc", "temp_air_c",
             "wind_speed_ms", "losses_percent", "dc_ac_ratio", "inverter_efficiency")
WIND_PARAMS = ("turbine_type", "hub_height_m", "reference_height_m", "shear_exponent",
               "weibull_k", "spacing_downwind_d", "spacing_crosswind_d", "wind_direction_deg",
               "foundation_radius_m", "wake_losses_percent", "wind_losses_percent",
               "air_density_correction")
PARAM_LABELS: dict[str, tuple[str, str, str]] = {
    "density_mwp_per_ha": ("装机密度", "capacity density", "MWp/ha"),
    "slope_full_density_deg": ("满密度坡度上限", "full density up to slope", "°"),
    "slope_density_factor_at_limit": ("坡度上限处密度系数", "density factor at the slope limit", ""),
    "slope_limit_deg": ("密度折减坡度上限", "slope of the lowest density", "°"),
    "tilt_deg": ("组件倾角", "module tilt", "°"), "azimuth_deg": ("组件方位角", "azimuth", "°"),
    "albedo": ("地表反照率", "albedo", ""),
    "gamma_pdc": ("功率温度系数", "power temperature coefficient", "1/°C"),
    "temp_air_c": ("年均气温", "mean air temperature", "°C"),
    "wind_speed_ms": ("组件处风速（温度模型）", "wind speed at the modules (temperature)", "m/s"),
    "losses_percent": ("系统损失", "system losses", "%"),
    "dc_ac_ratio": ("容配比", "DC/AC ratio", ""),
    "inverter_efficiency": ("逆变器效率", "inverter efficiency", ""),
    "turbine_type": ("风机型号", "turbine type", ""),
    "hub_height_m": ("轮毂高度", "hub height", "m"),
    "reference_height_m": ("风速栅格参考高度", "height of the wind-speed raster", "m"),
    "shear_exponent": ("风切变指数", "shear exponent", ""),
    "weibull_k": ("Weibull 形状参数 k", "Weibull shape k", ""),
    "spacing_downwind_d": ("主导风向间距", "downwind spacing", "D"),
    "spacing_crosswind_d": ("垂直风向间距", "crosswind spacing", "D"),
    "wind_direction_deg": ("主导风向", "prevailing wind direction", "°"),
    "foundation_radius_m": ("基础半径", "foundation radius", "m"),
    "wake_losses_percent": ("尾流损失", "wake losses", "%"),
    "wind_losses_percent": ("其他损失", "other losses", "%"),
    "air_density_correction": ("空气密度修正", "air-density correction", ""),
    "capex_cny_per_kw": ("单位投资", "capex", "CNY/kW"),
    "fixed_om_cny_per_kw_yr": ("年固定运维", "fixed O&M", "CNY/kW/yr"),
    "discount_rate": ("折现率（实际）", "discount rate (real)", "1/yr"),
    "lifetime_years": ("寿命", "lifetime", "yr"),
    "route_factor": ("线路曲折系数", "line route factor", ""),
    "min_usable_area_ha": ("最小可用面积", "minimum usable area", "ha"),
    "max_plant_mw": ("单个电站容量上限（超过则需人工核查）", "largest one plant (above: review)", "MW"),
}
"""Labels (zh, en) and units of the profile parameters shown."""
VALUE_WORDS = {"latitude": ("等于地块纬度", "the site's latitude")}
"""Parameter values that are words (``tilt_deg = "latitude"``), in (zh, en)."""
TECH = {"pv": ("光伏", "PV"), "wind": ("风电", "wind")}
CAPACITY = {"pv": ("装机（直流）", "capacity (DC)", "MWp"),
            "wind": ("装机（整台风机）", "capacity (whole turbines)", "MW")}
"""The capacity column's words and unit per technology (the table's are generic)."""


def label(column: str, lang: str, meta: dict | None = None, unit: bool = True) -> str:
    """A column's words (with its unit), from ``attrs["siting"]["columns"]`` (else
    :func:`geo.columns.describe`); capacity in the words of the report's technology."""
    units, zh, en = (meta or {}).get("columns", {}).get(column) or describe(column)
    if column == "capacity_mw" and (meta or {}).get("tech") in CAPACITY:
        zh, en, units = CAPACITY[meta["tech"]]
    text = zh if lang == "zh" else en
    text = text[:1].upper() + text[1:] if lang == "en" else text
    return f"{text} [{units}]" if unit and units and units not in ("0-1", "points") else text


def fmt_value(column: str, value) -> str:
    """A value rounded for its column: ranks and counts as integers, others per
    :data:`maps.siting_map.DECIMALS`, thousands separated, blanks for NaN."""
    if value is None or (isinstance(value, float | np.floating) and not np.isfinite(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "✓" if value else "✗"
    if isinstance(value, int | float | np.integer | np.floating):
        if column in INTEGER:
            return f"{int(round(float(value))):,}"
        digits = MORE_DECIMALS.get(column, DECIMALS.get(column))
        if digits is None:
            digits = 1 if column.endswith("_ha") or column.startswith("score_") else 2
        return f"{float(value):,.{digits}f}"
    return str(value)


def notes_in(notes, lang: str) -> str:
    """A site's ``notes`` ("English / 中文" notes joined by "; ") in the report's language: each
    note's half in ``lang`` (a note without a Chinese half as written), joined by "; " (en) or
    "；" (zh). The site tables (CSV, XLSX) keep both languages."""
    parts = [halves(n) for n in split_joined(notes)]
    if lang == "zh":
        return "；".join(z or e for e, z in parts)
    return "; ".join(e for e, _ in parts)


def _ha(value: float) -> str:
    return "< 0.01 ha" if value < 0.005 else f"{value:,.2f} ha"


def cut_lines(site: dict, meta: dict, lang: str) -> list[str]:
    """What was cut from a site, for the ranking table, one a line: the excluded area [ha] (the
    union of the rules), then each rule's hectares (``excluded_<rule>_ha``, named by its kind
    and filter; rules may overlap), the land outside the catalog's coverage and the parts
    dropped under the minimum area; ``["—"]`` when nothing was cut."""
    rules = {e["id"]: e for e in (meta.get("profile_data") or {}).get("exclusion", [])}
    lines = []
    for c in [*[c for c in site if c.startswith("excluded_") and c.endswith("_ha")
                and c not in ("excluded_area_ha", "excluded_unknown_ha")], *CUT_MORE]:
        ha = site.get(c)
        if ha is None or not ha == ha or ha <= 0:
            continue
        words = st.pick(CUT_MORE[c] if c in CUT_MORE else describe(c, rules)[1:], lang)
        lines.append(f"{words.removeprefix('排除：').removeprefix('excluded by ')} {_ha(ha)}")
    total = site.get("excluded_area_ha")
    if not lines and not (total and total > 0):
        return ["—"]
    return [_ha(total or 0.0) + ("：" if lang == "zh" else ":"), *lines]


def _uri(svg: bytes) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _file(source: dict, lang: str) -> str:
    """A source's file name or its provenance sentence (a PostGIS table), in ``lang``."""
    path = str((lang == "zh" and source.get("path_zh")) or source.get("path") or "")
    return path if "PostGIS" in path else Path(path).name


def _word(value: str, lang: str) -> str:
    if value in STATUS_LABELS:
        return st.pick(STATUS_LABELS[value], lang)
    try:
        return st.kind_label(value, lang)
    except Exception:  # noqa: BLE001 - a kind of another version: its id
        return value


def _rows(frame: pd.DataFrame, columns: list[str], lang: str) -> list[list]:
    out = []
    for rec in frame[columns].to_dict("records"):
        row = []
        for c in columns:
            v = rec[c]
            if c == "rank_p05":
                lo, hi = fmt_value(c, v), fmt_value(c, rec.get("_p95"))
                row.append(f"{lo}–{hi}" if lo else "")
            elif c in ("source_kind", "status"):
                row.append(_word(str(v), lang))
            elif c == "top_n_probability":
                row.append("" if v is None or v != v else f"{float(v):.0%}")
            elif c == "site_id":  # breaks after the layer, not inside a word
                row.append(escape(str(v)).replace(":", Markup(":<wbr>")))
            elif c == "_cut":  # lines (:func:`cut_lines`), each escaped
                row.append(Markup("<br>").join(escape(t) for t in v))
            elif c == "class":
                row.append(Markup('<span class="cls cls-{0}">{0}</span>').format(v))
            elif c == "notes":
                row.append(notes_in(v, lang))
            else:
                row.append(fmt_value(c, v))
        out.append(row)
    return out


def _params(meta: dict, lang: str) -> list[tuple[str, str, str]]:
    """(label, value, source) of the chosen technology's energy parameters, the turbine, and
    cost (:func:`maps.siting_params.source`)."""
    prof = meta["profile_data"]
    keys = PV_PARAMS if meta["tech"] == "pv" else WIND_PARAMS
    rows = []
    for k in ("min_usable_area_ha", "max_plant_mw"):
        if k in prof:
            rows.append((k, prof[k]))
    rows += [(k, prof["energy"][k]) for k in keys if k in prof["energy"]
             and not (k == "turbine_type" and meta.get("turbine"))]  # the turbine row says it
    rows += [(k, v) for k, v in (prof.get("cost") or {}).items()]
    out = []
    for k, v in rows:
        zh, en, unit = PARAM_LABELS.get(k, (k, k, ""))
        if isinstance(v, str) and v in VALUE_WORDS:   # a value in words has no unit
            text, unit = st.pick(VALUE_WORDS[v], lang), ""
        else:
            text = (st.text("yes" if v else "no", lang) if isinstance(v, bool) else
                    f"{v:g}" if isinstance(v, float) else v)
        out.append((zh if lang == "zh" else en, f"{text} {unit}".strip(),
                    sp.source(meta["tech"], k, v, lang)))
    if meta["tech"] == "wind" and meta.get("turbine"):
        t = meta["turbine"]
        words = (("风机", "额定", "风轮直径", "轮毂高", "叶尖高") if lang == "zh" else
                 ("Turbine", "rated", "rotor D", "hub", "tip"))
        out.insert(1, (words[0], f"{t['type']}: {words[1]} {t['rating_mw']:g} MW, {words[2]} "
                       f"{t['rotor_diameter_m']:g} m, {words[3]} {t['hub_height_m']:g} m, "
                       f"{words[4]} {t['tip_height_m']:g} m", sp.source("wind", "turbine_type",
                                                                       t["type"], lang)))
    return out


def _where(kind: str, where: dict, lang: str) -> str:
    """An exclusion's feature filter in words: ``attribute label: values``."""
    attrs, parts = get_kind(kind).attributes, []
    for attr, values in where.items():
        words = [st.text("yes" if v else "no", lang) if isinstance(v, bool) else
                 attrs[attr].word(v, lang) if attr in attrs else str(v)
                 for v in (values if isinstance(values, list) else [values])]
        parts.append(f"{st.attribute_label(kind, attr, lang)}: {' / '.join(words)}")
    return "; ".join(parts)


def _profile_file(meta: dict) -> str:
    """The profile's file name, marked as bundled when it is one of the toolkit's."""
    path = Path(str(meta.get("profile") or ""))
    if not path.name:
        return ""
    bundled = path.parent == Path(__file__).resolve().parents[1] / "geo" / "profiles"
    return f"{path.name} (bundled)" if bundled else path.name


def _limit_unchecked(meta: dict, k: str, lang: str) -> str:
    """Why the limit on ``k`` was not checked (unknown slope or elevation: no DEM, or sites
    outside it; see :func:`geo.site_flags.terrain_unknown`), or "" when it was."""
    info = meta.get("limits_not_checked", {}).get(k)
    if not info:
        return ""
    if info["no_dem"]:
        return st.pick(("未核查：图层目录无高程数据（DEM），相关地块转为需人工核查；请添加 dem 栅格图层",
                        "not checked: no DEM in the catalog (the sites went to review) — add a "
                        "`dem` raster layer to the catalog"), lang)
    n = info["sites"]
    return st.pick((f"{n} 个地块未核查：超出高程数据范围，转为需人工核查",
                    f"not checked for {n} site(s) outside the DEM (sent to review)"), lang)


def render_report(sites: gpd.GeoDataFrame, lang: str = "zh") -> str:
    """The report HTML for a result of :func:`geo.score_sites`."""
    from geo.cost import supply_curve

    st.check_lang(lang)
    meta = sites.attrs.get("siting", {})
    prof = meta.get("profile_data", {})
    top_n = int(prof.get("top_n", 10))
    criteria = list(meta.get("weights", {}))
    crit_labels = {c: label(c, lang, meta) for c in criteria}
    crit_words = {c: label(c, lang, meta, unit=False) for c in criteria}
    columns = RANKED_WIND if meta.get("tech") == "wind" else RANKED
    ranked = sites[(sites["status"] == "usable") & sites["rank"].notna()].sort_values(
        ["rank", "site_id"], kind="stable").assign(_p95=lambda d: d["rank_p95"])
    ranked["_cut"] = pd.Series([cut_lines(r, meta, lang) for r in pd.DataFrame(ranked).to_dict(
        "records")], index=ranked.index, dtype=object)
    others = sites.drop(ranked.index).sort_values("site_id", kind="stable")
    curve = supply_curve(sites)
    cheap_cols = ["supply_rank", "site_id", "name", "lcoe_cny_mwh", "lcot_cny_mwh",
                  "capacity_mw", "cumulative_capacity_mw", "cumulative_generation_mwh", "notes"]
    flags = st.pick(FLAGS_LABEL, lang)
    cheapest = curve[curve["supply_rank"].notna()].head(CHEAPEST)
    breakdown = ["rank", "site_id", "name"] + [f"score_{c}" for c in criteria] + ["score"]
    usable = sites["status"] == "usable"
    totals = [(label(k, lang, meta), fmt_value(k, float(sites.loc[usable, k].sum())))
              for k in ("usable_area_ha", "capacity_mw", "generation_mwh", "co2_t", "coal_tce")]
    counts = [(_word(k, lang), int(v)) for k, v in sites["status"].value_counts().items()]
    figures = [
        _uri(charts.score_breakdown(sites, criteria, crit_words, lang)),
        _uri(charts.capacity_by_rank(sites, lang)),
        _uri(charts.supply_curve(curve, lang)),
        _uri(charts.rank_stability(sites, top_n, lang))]
    weights = [(crit_labels[c], f"{w:.3f}", ", ".join(
        f"{fmt_value(c, x)} → {y:g}" for x, y in meta.get("criteria_points", {}).get(c, [])))
        for c, w in meta.get("weights", {}).items()]
    missing = {m["id"] for m in meta.get("not_checked", [])}
    exclusions = [(_word(e["kind"], lang), e.get("buffer_m") or 0, e.get("setback_tip_heights")
                   or 0, _where(e["kind"], e.get("where") or {}, lang), e["id"] not in missing,
                   sp.source(meta.get("tech"), e["id"], e, lang))
                  for e in prof.get("exclusion", [])]
    not_checked = [_word(m["kind"], lang) for m in meta.get("not_checked", [])]
    unassessed = {m["id"] for m in meta.get("assessment_not_checked", [])}
    assessments = [(_word(a["kind"], lang), _where(a["kind"], a.get("where") or {}, lang),
                    a["source"], a["reason_zh"] if lang == "zh" else a["reason_en"],
                    a["id"] not in unassessed) for a in prof.get("assessment", [])]
    not_assessed = [_word(m["kind"], lang) for m in meta.get("assessment_not_checked", [])]
    sources = [{"id": s["id"], "kind": _word(s["kind"], lang), "file": _file(s, lang),
        "source": s.get("source") or "", "date": s.get("date") or ""}
        for s in meta.get("sources", [])]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    region = meta.get("region") or {}
    return env.get_template("siting_report.html.j2").render(
        lang=lang, tech=st.pick(TECH.get(meta.get("tech"), (meta.get("tech"),) * 2), lang),
        meta=meta, region=region, synthetic=bool(region.get("synthetic")),
        profile_file=_profile_file(meta), catalog_file=Path(str(meta.get("catalog", ""))).name,
        tool=tool_version(), run_date=run_date(), n=len(sites), counts=counts, totals=totals,
        top_n=top_n, figures=figures,
        ranked_head=[st.pick(("排名 5%–95%", "Rank 5–95 %"), lang) if c == "rank_p05" else
                     st.pick(CUT_LABEL, lang) if c == "_cut" else label(c, lang, meta)
                     for c in columns] + [flags],
        ranked_cls=[{"site_id": "sid", "name": "name", "source_kind": "kind", "_cut": "cut"}.get(
            c, "num") for c in columns] + ["flags"],
        ranked=_rows(ranked, columns + ["notes", "_p95"], lang),
        breakdown_head=[label(c, lang, meta) for c in breakdown[:3]]
        + [label(c, lang, meta, unit=False) for c in criteria] + [label("score", lang, meta)],
        breakdown=_rows(ranked, breakdown, lang),
        cheap_head=[flags if c == "notes" else label(c, lang, meta) if c in meta.get("columns", {})
                    else st.pick(CURVE_LABELS[c], lang) for c in cheap_cols],
        cheapest=_rows(cheapest, cheap_cols, lang),
        others_head=[label(c, lang, meta) for c in OTHERS], others=_rows(others, OTHERS, lang),
        weights=weights, exclusions=exclusions, not_checked=not_checked,
        assessments=assessments, not_assessed=not_assessed,
        params=_params(meta, lang), grid_factors=sp.grid_factor_rows(sites, meta, lang),
        lcoe_scope=sp.lcoe_scope(meta.get("tech", "pv"), lang),
        connection=sp.connection_rows(meta, lang),
        limits=[(crit_labels.get(k, label(k, lang, meta)), lim.get("min"), lim.get("max"),
                 _limit_unchecked(meta, k, lang)) for k, lim in prof.get("limits", {}).items()],
        sources=sources, notes=[in_lang(n, lang) for n in meta.get("notes", [])],
        class_css=Markup("\n".join(f".cls-{c} {{ background: {s['fillColor']}; }}"
                                   for c, s in st.CLASS_STYLES.items())))


CURVE_LABELS = {
    "supply_rank": ("成本排序", "Cost rank"),
    "cumulative_capacity_mw": ("累计装机 [MW]", "Cumulative capacity [MW]"),
    "cumulative_generation_mwh": ("累计年发电量 [MWh/yr]", "Cumulative generation [MWh/yr]"),
}
"""Labels of the supply-curve columns that are not site columns."""
