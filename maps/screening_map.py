"""The screening map: the catalog's layers and the projects coloured by verdict.

A pure render of :func:`geo.screen`'s results on the shared map base (:mod:`maps.base`): layers
styled by kind, projects by verdict (:data:`maps.style.VERDICT_STYLES`), popups and tooltips built
as text (never HTML), a bilingual legend, search by project name, drawing with GeoJSON export, and
every asset inlined so that the map works with no network.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from maps import base
from maps import style as st
from maps.catalog_map import add_catalog_layers

MIN_SPAN_DEG = 0.02
"""Smallest extent shown around the projects [°] (one small footprint is not zoomed to a pixel)."""

_LABELS = {
    "project_id": ("编号", "ID"), "name": ("名称", "Name"), "type": ("类型", "Type"),
    "industry": ("行业", "Industry"), "verdict_label": ("结论", "Verdict"),
    "reasons": ("理由", "Reasons"), "projects": ("项目（按结论着色）",
                                                  "Projects (coloured by verdict)"),
}


def _bounds(result: gpd.GeoDataFrame, catalog) -> tuple[float, float, float, float]:
    geoms = result.geometry
    drawable = geoms[geoms.notna() & ~geoms.is_empty]
    if len(drawable):
        w, s, e, n = drawable.to_crs(4326).total_bounds
        cx, cy = (w + e) / 2, (s + n) / 2
        half_w, half_h = max(e - w, MIN_SPAN_DEG) / 2, max(n - s, MIN_SPAN_DEG) / 2
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h
    if catalog is not None:
        return catalog.extent_lonlat
    return 106.0, 26.0, 107.0, 27.0  # nothing drawable at all: an empty map of the demo region


def projects_table(result: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """The projects as drawn: id, name, type, industry, verdict, its label and the reasons
    (one per line)."""
    verdicts = result["verdict"].astype(str)
    labels = verdicts.map(lambda v: st.verdict_label(v, lang) if v in st.VERDICT_STYLES else v)
    reasons = result["reasons"].fillna("").astype(str).str.replace("; ", "\n", regex=False)
    table = pd.DataFrame({
        "id": result["project_id"].astype(str).to_numpy(),
        "project_id": result["project_id"].astype(str).to_numpy(),
        "name": result["name"].fillna("").astype(str).to_numpy(),
        "type": result["type"].fillna("").astype(str).to_numpy(),
        "industry": result["industry"].fillna("").astype(str).to_numpy(),
        "verdict": np.where(verdicts.isin(list(st.VERDICT_STYLES)), verdicts, "error"),
        "verdict_label": labels.to_numpy(),
        "reasons": reasons.to_numpy(),
    })
    return gpd.GeoDataFrame(table, geometry=result.geometry.values, crs=result.crs)


def screening_map(result: gpd.GeoDataFrame, hits: pd.DataFrame, catalog=None,
                  lang: str = "zh", basemap: str = "osm",
                  tianditu_key: str | None = None) -> folium.Map:
    """Build the screening map (without layer control: save it with
    :func:`maps.base.finish_map`).

    Parameters
    ----------
    result, hits
        The two tables returned by :func:`geo.screen` (``result`` in a metric CRS).
    catalog : Catalog, optional
        When given, every usable layer the screening used is drawn, styled by kind, over the
        catalog's administrative boundaries (or the bundled ones) as a reference.
    lang : {"zh", "en"}
        Language of labels.
    basemap : {"osm", "tianditu", "amap", "none"}
        With ``amap`` (GCJ-02) every layer is shifted to line up and the map says so.
    tianditu_key : str, optional
        Needed for ``tianditu``.

    Returns
    -------
    folium.Map
    """
    m, _ = base.new_map(_bounds(result, catalog), lang, basemap, tianditu_key)
    legend: list[str] = []
    if catalog is not None:
        used = [info["layer_id"] for info in result.attrs.get("layers", [])
                if info.get("usable", True)]
        used += [spec.id for spec in catalog.layers if spec.kind == "admin_boundary"]
        if not catalog.has_kind("admin_boundary"):
            try:
                base.add_reference_boundaries(m, lang)
            except ImportError:  # the demo data is not installed: no reference layer
                pass
        kinds, _ = add_catalog_layers(m, catalog, lang, layer_ids=used)
        legend += [f"kind:{k}" for k in kinds]
    table = projects_table(result, lang)
    fields = {c: st.pick(_LABELS[c], lang) for c in
              ("project_id", "name", "type", "industry", "verdict_label", "reasons")}
    layer = base.add_vector_layer(m, table, "results", lang,
                                  name=st.pick(_LABELS["projects"], lang), popup_fields=fields,
                                  style_by="verdict", simplify_m=0.5)
    present = set(table["verdict"])
    legend += [f"verdict:{v}" for v in st.VERDICT_STYLES if v in present]
    base.add_legend(m, legend, lang)
    base.add_plugins(m, layer)
    return m
