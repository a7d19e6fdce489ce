"""The screening map: the catalog's layers and the projects coloured by verdict.

A pure render of :func:`geo.screen`'s results on the shared map base (:mod:`maps.base`): layers
styled by kind, every project coloured by its verdict whatever its geometry (polygons filled,
lines stroked, points as circle markers; :data:`maps.style.VERDICT_STYLES`), popups with the
verdict, the top reasons, the key evidence of the hits table and a link to the project's section
in the report, built as text (never HTML); a bilingual legend, search by project name, drawing
with GeoJSON export, and every asset inlined so that the map works with no network.

The page stays under a size budget whatever the batch: layers are drawn only near the projects
(:mod:`maps.budget`), and a large batch is drawn as clustered verdict-coloured points
(:mod:`maps.clusters`).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.windows import lonlat_bounds
from maps import base
from maps import style as st
from maps.budget import BASE_BYTES, MAP_BUDGET_BYTES, add_layers_near, text_bytes
from maps.clusters import CELL_BYTES, POINT_BYTES, add_project_points, add_verdict_grid
from maps.display import drawable, project_anchors
from maps.missing import add_missing_panel, panel_bytes

DETAIL_MAX_PROJECTS = 5_000
"""Larger batches are drawn as clustered points (their popups alone would exceed the budget)."""
DETAIL_SHARE = 0.4
"""Share of the map's budget (beyond its scripts) the projects may take when drawn in detail."""
POINTS_SHARE = 0.6
"""Share of the map's budget (beyond its scripts) the projects may take as clustered points,
then as grid cells."""
TOP_REASONS = 5
"""Reasons and evidence lines shown in a popup (the rest is counted, and in the report)."""
MIN_SPAN_DEG = 0.02
"""Smallest extent shown around the projects [°] (one small footprint is not zoomed to a pixel)."""

_LABELS = {
    "project_id": ("编号", "ID"), "name": ("名称", "Name"), "type": ("类型", "Type"),
    "industry": ("行业", "Industry"), "verdict_label": ("结论", "Verdict"),
    "reasons": ("理由", "Reasons"), "evidence": ("主要证据", "Key evidence"),
    "projects": ("项目（按结论着色）", "Projects (coloured by verdict)"),
    "more": ("另有 {n} 条，见报告", "{n} more in the report"),
    "features": ("{n} 个要素", "{n} features"), "overlap": ("重叠", "overlap"),
    "distance": ("距离", "at"), "not_checked": ("未核查", "not checked"),
}


def _bounds(result: gpd.GeoDataFrame, catalog) -> tuple[float, float, float, float]:
    geoms = result.geometry
    shown = geoms[drawable(geoms)]
    if len(shown):
        w, s, e, n = lonlat_bounds(shown)
        cx, cy = (w + e) / 2, (s + n) / 2
        half_w, half_h = max(e - w, MIN_SPAN_DEG) / 2, max(n - s, MIN_SPAN_DEG) / 2
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h
    if catalog is not None:
        return catalog.extent_lonlat
    return 106.0, 26.0, 107.0, 27.0  # nothing drawable at all: an empty map of the demo region


def outcome_words(reason: str, lang: str) -> str:
    """``[prohibited] rule: title`` (geo's reason) with the outcome in words of ``lang``."""
    for verdict in ("prohibited", "review", "admitted"):
        if reason.startswith(f"[{verdict}] "):
            return f"[{st.verdict_label(verdict, lang)}] {reason[len(verdict) + 3:]}"
    return reason


def outcome_tags(reasons: pd.Series, lang: str) -> pd.Series:
    """The ``[outcome]`` tag of every clause of geo's reasons (``[review] rule: title; …``) in
    words of ``lang`` (:func:`outcome_words`), for tables a person reads (the CSV keeps codes)."""
    if lang == "en":
        return reasons
    words = {v: st.verdict_label(v, lang) for v in ("prohibited", "review", "admitted")}
    codes, texts = pd.factorize(reasons)  # a batch repeats a few hundred reasons
    tagged = pd.Series(np.asarray(texts, dtype=object), dtype=object).str.replace(
        r"(^|; )\[(prohibited|review|admitted)\] ", lambda m: f"{m[1]}[{words[m[2]]}] ",
        regex=True).to_numpy()
    out = np.append(tagged, None)[codes]  # code -1 (a blank): the appended None
    return pd.Series(out, index=reasons.index, name=reasons.name, dtype=object).where(
        codes >= 0, reasons.astype(object))


def _top(lines: list[str], lang: str) -> str:
    shown = lines[:TOP_REASONS]
    if len(lines) > TOP_REASONS:
        shown.append(st.pick(_LABELS["more"], lang).format(n=len(lines) - TOP_REASONS))
    return "\n".join(shown)


def _layer_text(kind: str, layer_id: str, lang: str) -> str:
    if kind in st.KIND_STYLES:
        label = st.kind_label(kind, lang)
        return f"{label} ({layer_id})" if layer_id else label
    if "+" in kind or not layer_id:  # a rule whose layers are missing, or one without layer
        return " / ".join(st.kind_label(k, lang) if k in st.KIND_STYLES else k
                          for k in kind.split("+") if k)
    return layer_id


def evidence_lines(hits: pd.DataFrame, n: int, lang: str) -> list[list[str]]:
    """Per project (``hits["row"]`` 0..n-1), the key evidence of its prohibiting and review
    outcomes, worst first: one line per rule and layer with the rule id, the layer and the total
    overlap [ha] (share when one feature) or the nearest distance [m]."""
    out: list[list[str]] = [[] for _ in range(n)]
    bad = hits[hits["outcome"].isin(["prohibited", "review"])]
    if not len(bad):
        return out
    bad = bad.assign(_worst=(bad["outcome"] == "prohibited").astype(int),
                     _feature=bad["feature_id"].replace("", np.nan),
                     _overlap=bad["overlap_m2"].astype(float),
                     _share=bad["overlap_share"].astype(float),
                     _distance=bad["distance_m"].astype(float))
    g = bad.groupby(["row", "_worst", "rule_id", "kind", "layer_id"], sort=False).agg(
        outcome=("outcome", "first"), n_features=("_feature", "nunique"),
        overlap=("_overlap", "sum"), overlap_max=("_overlap", "max"),
        share=("_share", "max"), distance=("_distance", "min")).reset_index()
    words = {k: st.pick(_LABELS[k], lang) for k in ("features", "overlap", "distance")}
    verdict = {v: st.verdict_label(v, lang) for v in ("prohibited", "review")}
    lines = []
    for row in g.itertuples(index=False):  # one line per rule and layer (not per hit)
        parts = [words["features"].format(n=row.n_features)] if row.n_features > 1 else []
        if row.overlap_max > 0:
            text = f"{words['overlap']} {row.overlap / 1e4:,.2f} ha"
            if row.n_features <= 1 and np.isfinite(row.share):
                text += f" ({row.share * 100:.1f}%)"
            parts.append(text)
        elif np.isfinite(row.distance):
            parts.append(f"{words['distance']} {row.distance:,.0f} m")
        where = _layer_text(str(row.kind), str(row.layer_id), lang)
        line = f"[{verdict[row.outcome]}] {row.rule_id}" + (f" · {where}" if where else "")
        lines.append(line + (f": {', '.join(parts)}" if parts else ""))
    g["line"] = lines
    g = g.iloc[np.lexsort((-g["_worst"].to_numpy(), g["row"].to_numpy()))]
    for row, line in zip(g["row"].to_numpy(dtype=int), g["line"]):
        out[row].append(line)
    return out


def projects_table(result: gpd.GeoDataFrame, lang: str, hits: pd.DataFrame | None = None,
                   report_page: str | None = "report.html") -> gpd.GeoDataFrame:
    """The projects as drawn: id, name, type, industry, verdict, its label, the top reasons and
    key evidence (one per line) and the link to the project's section of the report."""
    verdicts = result["verdict"].astype(str)
    labels = verdicts.map(lambda v: st.verdict_label(v, lang) if v in st.VERDICT_STYLES else v)
    reasons = [_top([outcome_words(r, lang) for r in str(text).split("; ") if r], lang)
               for text in result["reasons"].fillna("")]
    evidence = evidence_lines(hits, len(result), lang) if hits is not None else \
        [[] for _ in range(len(result))]
    ids = result["project_id"].astype(str).to_numpy()
    links = [f"{report_page}#{a}" if report_page else "" for a in project_anchors(ids)]
    table = pd.DataFrame({
        "id": ids,
        "project_id": ids,
        "name": result["name"].fillna("").astype(str).to_numpy(),
        "type": result["type"].fillna("").astype(str).to_numpy(),
        "industry": result["industry"].fillna("").astype(str).to_numpy(),
        "verdict": np.where(verdicts.isin(list(st.VERDICT_STYLES)), verdicts, "error"),
        "verdict_label": labels.to_numpy(),
        "reasons": reasons,
        "evidence": [_top(lines, lang) for lines in evidence],
        "report_link": links,
    })
    return gpd.GeoDataFrame(table, geometry=result.geometry.values, crs=result.crs)


@base.collection_paused()
def screening_map(result: gpd.GeoDataFrame, hits: pd.DataFrame, catalog=None,
                  lang: str = "zh", basemap: str = "osm",
                  tianditu_key: str | None = None,
                  report_page: str | None = "report.html",
                  budget: int = MAP_BUDGET_BYTES) -> folium.Map:
    """Build the screening map (without layer control: save it with
    :func:`maps.base.finish_map`).

    A batch whose footprints, reasons and evidence fit :data:`DETAIL_SHARE` of the budget is
    drawn in detail (every footprint in its verdict's colour, popups with reasons and
    evidence); a larger one as clustered verdict-coloured points (:mod:`maps.clusters`). The
    zoning layers are drawn near the projects only, within what is left of the budget
    (:mod:`maps.budget`), so that the page stays under ``budget`` bytes whatever the batch.
    Projects without a usable outline are listed with their errors in a panel
    (:mod:`maps.missing`).

    Parameters
    ----------
    result, hits
        The two tables returned by :func:`geo.screen` (``result`` in a metric CRS).
    catalog : Catalog, optional
        When given, every usable layer the screening used is drawn, styled by kind, over the
        catalog's administrative boundaries (none when it has no admin layer).
    lang : {"zh", "en"}
        Language of labels.
    basemap : {"osm", "tianditu", "amap", "none"}
        With ``amap`` (GCJ-02) every layer is shifted to line up and the map says so.
    tianditu_key : str, optional
        Needed for ``tianditu``.
    report_page : str or None
        File name of the report page beside the map; each popup links to
        ``<report_page>#project-<id>`` (:func:`maps.display.project_anchors`: a repeated id's
        later rows ``project-<id>-2`` …). None: no link.
    budget : int
        Largest size of the page [bytes].

    Returns
    -------
    folium.Map
    """
    m, _ = base.new_map(_bounds(result, catalog), lang, basemap, tianditu_key)
    name = st.pick(_LABELS["projects"], lang)
    table = projects_table(result, lang, hits, report_page) \
        if len(result) <= DETAIL_MAX_PROJECTS else None
    n_shown = int(drawable(result.geometry).sum())
    # what the data may take, beside the panel listing the projects that cannot be drawn
    room = max(budget - BASE_BYTES - panel_bytes(len(result) - n_shown), 0)
    detail = table is not None and _detail_bytes(table) <= room * DETAIL_SHARE
    points = room * POINTS_SHARE // POINT_BYTES
    used_bytes = _detail_bytes(table) if detail else room * POINTS_SHARE if n_shown > points \
        else n_shown * POINT_BYTES
    legend: list = []
    if catalog is not None:
        used = [info["layer_id"] for info in result.attrs.get("layers", [])
                if info.get("usable", True)]
        # the catalog's own boundaries, with their source; none when it has no admin layer
        # (never the bundled demo's: they belong to another region)
        used += [spec.id for spec in catalog.layers if spec.kind == "admin_boundary"]
        share = max(room - used_bytes, 0) * 0.9
        kinds = add_layers_near(m, catalog, lang, used, result, share)
        legend += [f"kind:{k}" for k in kinds]
    layer = None
    if detail:
        fields = {c: st.pick(_LABELS[c], lang) for c in ("project_id", "name", "type",
                                                         "industry", "verdict_label", "reasons",
                                                         "evidence")}
        link = {"field": "report_link", "text": st.text("report_link", lang)} \
            if report_page else None
        layer = base.add_result_layer(m, table, lang, name, "verdict", fields, link=link,
                                      simplify_m=0.5)
        shapes = table.geometry.geom_type.dropna()
        shape = "point" if len(shapes) and shapes.str.contains("Point").all() else "polygon"
    elif n_shown <= points:
        add_project_points(m, result, lang, name, report_page)
        shape = "point"
    else:
        add_verdict_grid(m, result, lang, name, max_cells=int(room * POINTS_SHARE // CELL_BYTES))
        shape = "polygon"
    present = set(result["verdict"].astype(str).unique())
    legend[:0] = [{"label": st.verdict_label(v, lang),
                   "style": st.shaped_style(st.verdict_style(v), shape), "shape": shape}
                  for v in st.VERDICT_STYLES if v in present]
    base.add_legend(m, legend, lang)
    add_missing_panel(m, result, "project_id", ("error", "reasons"), lang, "projects",
                      "screening.csv")
    base.add_plugins(m, layer)
    return m


def _detail_bytes(table: gpd.GeoDataFrame) -> int:
    """What drawing the projects in detail costs [bytes]: popups twice (polygons and their
    markers), outlines three times (shape, casing, marker)."""
    text = text_bytes(table.drop(columns=table.geometry.name))
    coords = int(shapely.get_num_coordinates(np.asarray(table.geometry.values,
                                                        dtype=object)).sum())
    return 2 * text + 3 * 24 * coords + 300 * len(table)
