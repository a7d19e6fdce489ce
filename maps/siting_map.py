"""The siting map: candidate sites coloured by score class, excluded parts, rasters as overlays.

A pure render of :func:`geo.score_sites` on the shared map base (:mod:`maps.base`). Candidates
first: every site is coloured by class A-D (:data:`maps.style.CLASS_STYLES`), as a marker at the
first view and as its polygon from the zoom at which sites are large enough to see
(:func:`maps.base.add_result_layer`); popups give every criterion rounded, with units, and the
score breakdown when ``score_<criterion>`` columns exist. Around them: the catalog's zoning and
degraded-land layers styled by kind, infrastructure switched off and muted, the excluded part of
each candidate, the catalog's rasters (resource and DEM) as toggleable overlays with colour bars,
a bilingual legend, search by site name and drawing with GeoJSON export; no network needed.
Sites without a usable outline are listed with their errors in a panel (:mod:`maps.missing`).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import jinja2
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement

from layers.windows import lonlat_bounds
from maps import base
from maps import style as st
from maps.catalog_map import add_catalog_layers, add_catalog_rasters
from maps.missing import add_missing_panel

POPUP_FIELDS = ["site_id", "name", "source_kind", "status", "candidate_area_ha",
                "excluded_area_ha", "usable_area_ha", "ghi", "wind_speed", "slope_mean",
                "slope_max", "elevation", "dist_substation", "dist_road", "dist_settlement",
                "land_type", "score", "rank", "class", "top_n_probability", "turbines",
                "capacity_mw", "generation_mwh", "capacity_if_cleared_mw", "lcoe_cny_mwh", "co2_t",
                "coal_tce", "reason", "notes"]
"""Columns of :func:`geo.score_sites` shown in a site's popup (those present)."""

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "site_id": ("地块编号", "Site"), "name": ("名称", "Name"),
    "source_kind": ("来源图层类型", "Source kind"), "status": ("状态", "Status"),
    "candidate_area_ha": ("候选面积 [ha]", "Candidate area [ha]"),
    "excluded_area_ha": ("排除面积 [ha]", "Excluded area [ha]"),
    "usable_area_ha": ("可用面积 [ha]", "Usable area [ha]"),
    "ghi": ("年水平面总辐射 [kWh/m²/yr]", "GHI [kWh/m²/yr]"),
    "wind_speed": ("100米风速 [m/s]", "Wind speed at 100 m [m/s]"),
    "slope_mean": ("平均坡度 [°]", "Mean slope [°]"), "slope_max": ("最大坡度 [°]", "Max slope [°]"),
    "elevation": ("高程 [m]", "Elevation [m]"),
    "dist_substation": ("距变电站 [km]", "To substation [km]"),
    "dist_road": ("距道路 [km]", "To road [km]"),
    "dist_settlement": ("距居民点 [km]", "To settlement [km]"),
    "land_type": ("土地类型得分", "Land type value"), "score": ("得分 [0-100]", "Score [0-100]"),
    "rank": ("排名", "Rank"), "class": ("等级", "Class"),
    "top_n_probability": ("进入前 N 概率", "P(top N)"),
    "turbines": ("风机台数", "Turbines"), "capacity_mw": ("装机 [MW]", "Capacity [MW]"),
    "lcoe_cny_mwh": ("度电成本（含并网） [元/MWh]", "LCOE incl. grid connection [CNY/MWh]"),
    "generation_mwh": ("年发电量 [MWh/yr]", "Generation [MWh/yr]"),
    "capacity_if_cleared_mw": ("核查通过后装机（不计入合计） [MW]",
                               "Capacity once cleared (not in the totals) [MW]"),
    "co2_t": ("CO₂ 减排 [t/yr]", "CO₂ avoided [t/yr]"),
    "coal_tce": ("节约标煤 [tce/yr]", "Coal saved [tce/yr]"),
    "reason": ("原因", "Reason"), "notes": ("提示（需核查事项）", "Flags (check by hand)"),
}
"""Popup labels (zh, en) with units of the site columns."""

DECIMALS: dict[str, int] = {
    "candidate_area_ha": 1, "excluded_area_ha": 1, "usable_area_ha": 1, "ghi": 0,
    "wind_speed": 2, "slope_mean": 1, "slope_max": 1, "elevation": 0, "dist_substation": 2,
    "dist_road": 2, "dist_settlement": 2, "land_type": 2, "score": 1, "rank": 0,
    "capacity_mw": 1, "generation_mwh": 0, "capacity_if_cleared_mw": 1, "co2_t": 0, "coal_tce": 0,
    "turbines": 0, "lcoe_cny_mwh": 0,
}
"""Decimals shown per column (areas 0.1 ha, distances 10 m, ...); ``excluded_*_ha`` take 1 and
``score_<criterion>`` 1; ``top_n_probability`` is shown as a percentage."""

RASTER_KINDS = {"pv": ("ghi", "dem"), "wind": ("wind_speed", "dem")}
"""Catalog rasters drawn per technology (the resource first)."""

_TEXT = {
    "sites": ("候选地块（按得分等级着色）", "Candidate sites (coloured by score class)"),
    "unscored": ("未评分地块（需核查/已排除/过小/出错）",
                 "Unscored candidates (needs check, excluded, too small, error)"),
    "excluded": ("排除部分（含覆盖范围外未核查部分）",
                 "Excluded parts (incl. land outside the coverage, not checked)"),
    "breakdown": ("得分构成", "Score from"),
    "turbines": ("风机位置（圆 = 风轮扫风范围，放大后显示）",
                 "Turbine positions (circle = rotor swept area, shown when zoomed in)"),
    "turbine": ("风机", "Turbine"),
}
TURBINE_STYLE = {"color": "#1a1a1a", "opacity": 1.0, "weight": 1.5, "fill": True,
                 "fillColor": "#ffffff", "fillOpacity": 0.4}
"""A turbine: its rotor's circle, white with a dark rim over the class colours."""
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "usable": ("可用", "usable"), "review": ("需人工核查", "needs check"),
    "excluded": ("已排除", "excluded"),
    "too_small": ("面积过小", "too small"), "error": ("出错", "error"),
}
"""Words for the ``status`` codes of :func:`geo.score_sites`."""


def _criterion_label(criterion: str, lang: str) -> str:
    label = st.pick(FIELD_LABELS[criterion], lang) if criterion in FIELD_LABELS else criterion
    return label.split(" [")[0]


def _popup_fields(sites: gpd.GeoDataFrame, lang: str) -> dict[str, str]:
    """{column: label} of the popup: every criterion present, but columns empty for every site
    (e.g. wind speed in a PV run); then the score breakdown (``score_<criterion>``)."""
    shown = [c for c in POPUP_FIELDS if c in sites.columns
             and not (sites[c].isna() | (sites[c].astype(str) == "")).all()]
    for must in ("site_id", "name", "status", "score", "class", "reason"):
        if must in sites.columns and must not in shown:
            shown.append(must)
    labels = {c: st.pick(FIELD_LABELS[c], lang) if c in FIELD_LABELS else c for c in shown}
    breakdown = st.pick(_TEXT["breakdown"], lang)
    for c in sites.columns:
        if c.startswith("score_") and not sites[c].isna().all():
            labels[c] = f"{breakdown} · {_criterion_label(c[len('score_'):], lang)}"
    return labels


def format_value(column: str, value) -> str:
    """A site value as popup text: rounded to the column's decimals with thousands separators
    (:data:`DECIMALS`), probabilities as percentages, empty for a missing number."""
    if isinstance(value, (float, int, np.floating, np.integer)) and not isinstance(value, bool):
        v = float(value)
        if not np.isfinite(v):
            return ""
        if column == "top_n_probability":
            return f"{v * 100:.0f}%"
        digits = DECIMALS.get(column, 1 if column.startswith(("score_", "excluded_")) else None)
        if digits is None:
            return f"{v:.6g}"
        return f"{v:,.{digits}f}"
    return "" if value is None else str(value)


def _words(column: str, value, lang: str):
    """Words instead of codes: the source kind's label, the status in ``lang``."""
    if column == "source_kind" and value in st.KIND_STYLES:
        return st.kind_label(value, lang)
    if column == "status" and value in STATUS_LABELS:
        return st.pick(STATUS_LABELS[value], lang)
    return value


def _table(sites: gpd.GeoDataFrame, fields, geometry, lang: str) -> gpd.GeoDataFrame:
    table = pd.DataFrame({c: [format_value(c, _words(c, v, lang)) for v in sites[c].tolist()]
                          for c in list(fields)})
    table["id"] = sites["site_id"].astype(str).to_numpy()
    table["name"] = sites["name"].fillna("").astype(str).to_numpy()
    return gpd.GeoDataFrame(table, geometry=np.asarray(geometry, dtype=object), crs=sites.crs)


def siting_map(sites: gpd.GeoDataFrame, catalog=None, lang: str = "zh", basemap: str = "osm",
               tianditu_key: str | None = None) -> folium.Map:
    """Build the siting map (without layer control: save it with :func:`maps.base.finish_map`).

    Parameters
    ----------
    sites : GeoDataFrame
        The result of :func:`geo.score_sites` (metric CRS, with ``usable_geometry``).
    catalog : Catalog, optional
        Its layers (those the profile uses are drawn) and rasters (overlays).
    lang : {"zh", "en"}
    basemap : {"osm", "tianditu", "amap", "none"}
    tianditu_key : str, optional
        Needed for ``tianditu``.

    Returns
    -------
    folium.Map
    """
    meta = sites.attrs.get("siting", {})
    geoms = np.asarray(sites.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if catalog is not None:
        bounds = catalog.extent_lonlat
    else:
        bounds = lonlat_bounds(gpd.GeoSeries(geoms[ok], crs=sites.crs))
    m, _ = base.new_map(bounds, lang, basemap, tianditu_key)
    legend: list = []
    if catalog is not None:
        used = [s["id"] for s in meta.get("sources", [])] or None
        hidden = ("control_unit", "urban_boundary") + tuple(
            k for k in st.KIND_STYLES if st.kind_group(k) == "infrastructure")
        kinds, _ = add_catalog_layers(m, catalog, lang, layer_ids=used, hidden_kinds=hidden,
                                      muted_groups=("infrastructure",))
        legend += [base.muted_legend_entry(k, lang) if st.kind_group(k) == "infrastructure"
                   else f"kind:{k}" for k in kinds]
        add_catalog_rasters(m, catalog, lang, RASTER_KINDS.get(meta.get("tech")))

    cls = sites["class"].fillna("").astype(str)
    scored = cls.isin(list(st.CLASS_STYLES)).to_numpy()
    fields = _popup_fields(sites, lang)
    if (~scored).any():
        rest = _table(sites[~scored], fields, geoms[~scored], lang)
        rest["state"] = "error"
        base.add_result_layer(m, rest, lang, st.pick(_TEXT["unscored"], lang), "state", fields)
    table = _table(sites[scored], fields, geoms[scored], lang)
    table["class"] = cls[scored].to_numpy()
    layer = base.add_result_layer(m, table, lang, st.pick(_TEXT["sites"], lang), "class",
                                  fields)
    # the excluded part of each candidate (candidate minus usable land)
    usable = np.asarray(sites["usable_geometry"].values, dtype=object)
    usable = np.where(shapely.is_missing(usable), shapely.Polygon(), usable)
    excluded = np.full(len(geoms), shapely.Polygon(), dtype=object)
    excluded[ok] = shapely.difference(geoms[ok], usable[ok])
    excluded = np.where(shapely.area(excluded) > 1.0, excluded, shapely.Polygon())
    if "outside_coverage_ha" in sites.columns:  # nothing checked there: not excluded land
        from geo.site_flags import wholly_outside

        excluded[wholly_outside(sites).to_numpy()] = shapely.Polygon()
    ex_fields = [c for c in ("site_id", "status", "excluded_area_ha", "reason")
                 if c in sites.columns] + [c for c in sites.columns
                                           if c.startswith("excluded_") and c.endswith("_ha")
                                           and c != "excluded_area_ha"]
    ex_fields = {c: st.pick(FIELD_LABELS[c], lang) if c in FIELD_LABELS else c
                 for c in ex_fields}
    ex = _table(sites, ex_fields, excluded, lang)
    ex["part"] = "prohibited"
    base.add_vector_layer(m, ex, "results", lang, name=st.pick(_TEXT["excluded"], lang),
                          popup_fields=ex_fields, style_by="part")

    turbines = _add_turbines(m, sites, lang)
    legend[:0] = [f"class:{c}" for c in st.CLASS_STYLES] + turbines + [
        {"label": st.pick(_TEXT["unscored"], lang), "style": st.verdict_style("error")},
        {"label": st.pick(_TEXT["excluded"], lang), "style": st.verdict_style("prohibited")}]
    base.add_legend(m, legend, lang)
    add_missing_panel(m, sites, "site_id", ("reason", "error"), lang, "sites", "sites.csv")
    base.add_plugins(m, layer if scored.any() else None)   # no search over an empty layer
    return m


def _add_turbines(m: folium.Map, sites: gpd.GeoDataFrame, lang: str) -> list[dict]:
    """Draw each placed turbine of a wind result as its rotor's circle (radius = rotor radius
    [m], so the overhang beyond the site shows), popup: site and turbine number. Returns the
    legend entry (none for PV). Two short properties per turbine keep large runs small."""
    from geo.layout import turbine_table
    from maps.display import display_geometry
    from maps.elements import SafePopup, SafeTooltip

    table = turbine_table(sites)
    if not len(table):
        return []
    spec = sites.attrs["siting"]["turbine"]
    geoms, ok = display_geometry(table.to_crs(sites.crs), 0, base._state(m)["shift"])
    word = st.pick(_TEXT["turbine"], lang)
    props = [{"site_id": str(s), "turbine": f"{word} {n} · {spec['type']}"}
             for s, n in zip(table.loc[ok, "site_id"], table.loc[ok, "turbine"])]
    geo = [shapely.geometry.mapping(g) for g in geoms]
    features = [{"type": "Feature", "id": i, "properties": p, "geometry": g}
                for i, (p, g) in enumerate(zip(props, geo))]
    label = f"{st.pick(_TEXT['turbines'], lang)} · {spec['type']}, D {spec['rotor_diameter_m']:g} m"
    name = f"{st.group_label('results', lang)} · {label}"
    layer = folium.GeoJson({"type": "FeatureCollection", "features": features}, name=name,
                           marker=folium.Circle(radius=spec["rotor_diameter_m"] / 2),
                           style_function=lambda f: TURBINE_STYLE)
    SafePopup(["site_id", "turbine"], [st.pick(FIELD_LABELS["site_id"], lang), word]).add_to(layer)
    SafeTooltip("turbine").add_to(layer)
    layer.add_to(m)
    _OnTop(layer, TURBINE_STYLE, TURBINE_ZOOM).add_to(m)
    base._state(m).setdefault("layers", []).append(
        {"name": name, "kind": "results", "group": "results", "features": len(features),
         "layer": layer})
    return [{"label": label, "style": TURBINE_STYLE, "shape": "point"}]


TURBINE_ZOOM = 13
"""First zoom at which turbines show (their rotor circle ≈ 4 px across there at 27° N); below
it they would only blot the sites' class markers."""


class _OnTop(MacroElement):
    """Keep a layer drawn over the others (the turbines over their sites), also after the
    site layers reorder themselves (:class:`maps.elements.Companions`) on zoom or toggling;
    invisible below ``zoom`` (switched by style, so the layer control's box stays as set)."""

    _template = jinja2.Template("""{% macro script(this, kwargs) %}
(function(map, layer, style, zoom) {
    function front() {
        if (!map.hasLayer(layer)) { return; }
        layer.setStyle(map.getZoom() >= zoom ? style : {opacity: 0, fillOpacity: 0});
        layer.bringToFront();
    }
    map.on('zoomend overlayadd overlayremove', function() { setTimeout(front, 0); });
    setTimeout(front, 0);
})({{ this._parent.get_name() }}, {{ this.layer.get_name() }}, {{ this.style|tojson }},
   {{ this.zoom|tojson }});
{% endmacro %}""")

    def __init__(self, layer, style: dict, zoom: int):
        super().__init__()
        self._name = "OnTop"
        self.layer, self.style, self.zoom = layer, dict(style), int(zoom)
