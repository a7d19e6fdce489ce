"""One look for every map: styles and bilingual labels of layer kinds, verdicts and score classes.

Every map built by :mod:`maps` draws a layer kind, a verdict or a score class the same way, so a
planner who learned one map can read the next. Styles are Leaflet path options (``color``,
``weight``, ``opacity``, ``fillColor``, ``fillOpacity``, ``dashArray``; ``radius`` [px] for
points). Labels of layer kinds come from the kinds registry (``layers/kinds.toml``); verdicts,
score classes, layer groups and raster overlays have their labels here.

Colour logic
    zoning constraints are strong warm or water colours with a visible fill; degraded land (the
    candidates) are earth tones; infrastructure is muted (grey substations, thin roads) so that
    it never competes with results; the administrative boundary is a thin grey dashed reference
    without fill. Score classes run green (A, best) to red (D).

Verdict palette (results drawn over the zoning layers)
    ``prohibited`` deep maroon ``#8e1a1a``, ``review`` signal yellow ``#ffe600``, ``admitted``
    strong blue ``#1533d6``, ``error`` dashed grey. Not the traffic light: its red and green are
    the red line's and the nature reserve's colours, and red/green is the pair that
    deuteranopes and protanopes (about 1 man in 12) cannot tell apart. The three colours differ
    in lightness and on the blue-yellow axis that every common colour vision keeps, and were
    chosen by a search over sRGB for the largest CIEDE2000 distance to every zoning fill as it
    is displayed (its colour at its fill opacity over the basemap), to line and point layers,
    and to the zoning outlines, under normal vision and simulated deuteranopia and protanopia
    (Machado et al. 2009, severity 1). Checked by ``tests/test_map_palette.py``: each verdict is
    at least 14 ΔE00 from every displayed fill and line colour (normal, deutan, protan) and 15
    from every zoning outline; the verdicts are at least 30 apart from one another under normal
    vision and the three simulated dichromacies (tritanopia included), the dashed error grey at
    least 22. Points are filled markers with a dark outline (the yellow stays visible on a
    light basemap); lines are thick strokes; polygons have a thick outline in the verdict colour
    over a half-transparent fill.
"""

from __future__ import annotations

from geo.vocabulary import VERDICT_WORDS
from layers.errors import InputError, choice_error
from layers.kinds import get_kind, layer_kinds, raster_kinds

LANGS = ("zh", "en")

_BASE = {"weight": 1.5, "opacity": 0.9, "fillOpacity": 0.3, "dashArray": None}


def _style(color: str, fill: float | None = 0.3, weight: float = 1.5, dash: str | None = None,
           fill_color: str | None = None, radius: float | None = None) -> dict:
    style = dict(_BASE, color=color, fillColor=fill_color or color, weight=weight, dashArray=dash)
    style["fill"] = fill is not None and fill > 0
    style["fillOpacity"] = fill or 0.0
    if radius is not None:
        style["radius"] = radius
    return style


KIND_STYLES: dict[str, dict] = {
    # zoning
    "ecological_red_line": _style("#d7301f", 0.35, 1.5),
    "basic_farmland": _style("#d4a017", 0.35, 1.2, fill_color="#f4d03f"),
    "urban_boundary": _style("#555555", 0.08, 2.0, "6 4"),
    "control_unit": _style("#7b3294", 0.08, 1.2, "4 3"),
    "nature_reserve": _style("#1a7837", 0.30, 1.5),
    "water_source": _style("#2166ac", 0.30, 1.5),
    "industrial_park": _style("#8c6bb1", 0.25, 1.5),
    "protected_area": _style("#4d9221", 0.20, 1.2, "5 3"),
    "shoreline_control_zone": _style("#5e9fd1", 0.20, 1.2, "5 3"),
    "geohazard_zone": _style("#b35806", 0.15, 1.0, "2 3"),
    "key_air_region": _style("#878787", 0.05, 1.5, "8 4"),
    # legal land classes (land survey)
    "cultivated_land": _style("#c2a83e", 0.25, 0.8, fill_color="#e6d98c"),
    "forest_land": _style("#2d6a2d", 0.25, 0.8, fill_color="#8fbf7f"),
    "grassland": _style("#7fa34a", 0.25, 0.8, fill_color="#c7e09a"),
    # degraded land
    "abandoned_mine": _style("#8c510a", 0.45, 1.5),
    "subsidence_area": _style("#bf812d", 0.40, 1.5),
    "closed_landfill": _style("#66a61e", 0.40, 1.5),
    "contaminated_site": _style("#e7298a", 0.40, 1.5),
    "slag_heap": _style("#4d4d4d", 0.45, 1.5),
    # infrastructure
    "river": _style("#4393c3", None, 2.0),
    "substation": _style("#5c5c5c", 0.8, 1.0, fill_color="#a3a3a3", radius=4),
    "road": _style("#404040", None, 1.5),
    "settlement": _style("#fdae61", 0.35, 1.0),
    # reference
    "admin_boundary": _style("#8c8c8c", None, 1.0, "3 3"),
}
"""Leaflet path options per layer kind (every kind of ``layers/kinds.toml`` has one)."""

DRAW_ORDER: tuple[str, ...] = (
    "admin_boundary", "key_air_region", "control_unit", "geohazard_zone", "forest_land",
    "grassland", "cultivated_land", "urban_boundary", "basic_farmland", "settlement",
    "industrial_park", "shoreline_control_zone", "protected_area", "ecological_red_line",
    "nature_reserve", "water_source",
    "abandoned_mine", "subsidence_area", "closed_landfill", "contaminated_site", "slag_heap",
    "river", "road", "substation",
)
"""Kinds from bottom to top: large areas first, so that (with Leaflet's canvas renderer, where
the topmost shape under the pointer takes the click) small features stay clickable; results are
drawn above all of them."""

VERDICT_STYLES: dict[str, dict] = {
    "prohibited": _style("#8e1a1a", 0.45, 3.0, radius=8),
    "review": _style("#ffe600", 0.45, 3.0, radius=8),
    "admitted": _style("#1533d6", 0.45, 3.0, radius=8),
    "error": _style("#939393", 0.35, 3.0, "6 4", radius=8),
    "contact": _style("#17a2b8", 0.35, 2.0, "2 3", radius=8),
}
"""Leaflet path options per verdict (``contact`` is a boundary contact below the tolerance);
see the module docstring for the choice of colours."""

MARKER_OUTLINE = "#1a1a1a"
"""Outline colour of point markers (verdicts and classes): dark, so a yellow marker shows on a
light basemap."""

CLASS_STYLES: dict[str, dict] = {
    "A": _style("#1a9641", 0.6, 2.0, radius=8),
    "B": _style("#a6d96a", 0.6, 2.0, radius=8),
    "C": _style("#fdae61", 0.6, 2.0, radius=8),
    "D": _style("#d7191c", 0.6, 2.0, radius=8),
}
"""Leaflet path options per score class (A best, D worst)."""

VERDICT_LABELS: dict[str, tuple[str, str]] = VERDICT_WORDS

CLASS_LABELS: dict[str, tuple[str, str]] = {
    "A": ("A 类（最适宜）", "Class A (best)"),
    "B": ("B 类（适宜）", "Class B (good)"),
    "C": ("C 类（一般）", "Class C (fair)"),
    "D": ("D 类（较差）", "Class D (poor)"),
}

GROUP_LABELS: dict[str, tuple[str, str]] = {
    "zoning": ("管控分区", "Zoning"),
    "degraded": ("退化土地", "Degraded land"),
    "infrastructure": ("基础设施", "Infrastructure"),
    "land": ("土地利用", "Land use"),
    "reference": ("参考", "Reference"),
    "results": ("结果", "Results"),
    "rasters": ("栅格", "Rasters"),
}
"""Layer-control groups; a layer's group is the prefix of its name in the layer control."""

RASTER_STYLES: dict[str, dict] = {
    "dem": {"colors": ["#1a9850", "#a6d96a", "#fee08b", "#d8b365", "#8c510a", "#f5f5f5"],
            "label": ("数字高程模型", "Elevation"), "units": "m"},
    "ghi": {"colors": ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"],
            "label": ("年水平面总辐射", "Global horizontal irradiation"), "units": "kWh/m²/yr"},
    "wind_speed": {"colors": ["#f7fbff", "#c6dbef", "#6baed6", "#2171b5", "#54278f"],
                   "label": ("100米高度年平均风速", "Mean wind speed at 100 m"), "units": "m/s"},
    "slope": {"colors": ["#ffffff", "#fee391", "#fe9929", "#cc4c02", "#662506"],
              "label": ("坡度", "Slope"), "units": "°"},
}
"""Colour ramps (low to high), labels and units of raster overlays."""

UI_TEXT: dict[str, tuple[str, str]] = {
    "legend": ("图例", "Legend"),
    "search": ("搜索名称…", "Search by name…"),
    "no_geometry": ("无几何", "without geometry"),
    "gcj02_note": ("底图为 GCJ-02 坐标（高德）：全部矢量图层已偏移至 GCJ-02 以与底图对齐，"
                   "并非真实坐标。",
                   "GCJ-02 basemap (AMap): every vector layer is shifted to GCJ-02 to line up "
                   "with it; these are not true coordinates."),
    "gcj02_draw": ("在此图上绘制的范围以 GCJ-02 导出，审查时请使用："
                   "siting screen drawn_gcj02.geojson --coords gcj02",
                   "Shapes drawn on this map are exported in GCJ-02; screen them with: "
                   "siting screen drawn_gcj02.geojson --coords gcj02"),
    "simplified": ("显示几何已简化，分析使用完整几何", "display geometry simplified; "
                   "analysis uses full geometry"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "export": ("导出", "Export"),
    "export_title": ("将绘制的图形导出为 GeoJSON 文件", "Save the drawn shapes as a GeoJSON file"),
    "zoom_in": ("放大", "Zoom in"),
    "zoom_out": ("缩小", "Zoom out"),
    "layers": ("图层", "Layers"),
    "full_screen": ("全屏", "Full screen"),
    "exit_full_screen": ("退出全屏", "Exit full screen"),
    "minimap_show": ("显示鹰眼图", "Show overview map"),
    "minimap_hide": ("隐藏鹰眼图", "Hide overview map"),
    "search_error": ("未找到", "Not found"),
    "search_cancel": ("取消", "Cancel"),
    "report_link": ("在报告中查看本项目 →", "Open this project in the report →"),
}


def check_lang(lang: str) -> str:
    """Return ``lang`` when it is ``zh`` or ``en``; otherwise raise :class:`InputError`."""
    if lang not in LANGS:
        raise InputError(choice_error("language", lang, LANGS))
    return lang


def pick(pair: tuple[str, str], lang: str) -> str:
    """The ``zh`` or ``en`` member of a bilingual pair."""
    return pair[0] if check_lang(lang) == "zh" else pair[1]


def text(key: str, lang: str) -> str:
    """A fixed user-interface text of :data:`UI_TEXT` in ``lang``."""
    return pick(UI_TEXT[key], lang)


def kind_style(kind: str) -> dict:
    """A copy of the style of layer kind ``kind``; unknown kinds raise :class:`InputError`."""
    get_kind(kind)  # validates, listing the known kinds
    return dict(KIND_STYLES[kind])


def verdict_style(verdict: str) -> dict:
    """A copy of the style of ``verdict`` (prohibited, review, admitted, error, contact)."""
    if verdict not in VERDICT_STYLES:
        raise InputError(choice_error("verdict", verdict, list(VERDICT_STYLES)))
    return dict(VERDICT_STYLES[verdict])


def class_style(score_class: str) -> dict:
    """A copy of the style of score class ``A``-``D``."""
    if score_class not in CLASS_STYLES:
        raise InputError(choice_error("score class", score_class, list(CLASS_STYLES)))
    return dict(CLASS_STYLES[score_class])


def shaped_style(style: dict, shape: str) -> dict:
    """A result style adapted to the geometry it draws.

    Parameters
    ----------
    style : dict
        Path options of a verdict or a score class.
    shape : {"point", "line", "polygon"}

    Returns
    -------
    dict
        Points: a filled circle marker with a dark outline; lines: a thick stroke without fill;
        polygons: the style itself.
    """
    out = dict(style)
    if shape == "point":
        out.update(color=MARKER_OUTLINE, weight=1.5, fill=True, fillOpacity=0.95,
                   dashArray=None)
    elif shape == "line":
        out.update(weight=max(float(style["weight"]) + 2, 4.0), fill=False, fillOpacity=0.0)
    return out


def casing_style(style: dict) -> dict:
    """A dark casing drawn under a result line or outline: 2.5 px wider, no fill."""
    return dict(style, color=MARKER_OUTLINE, weight=float(style["weight"]) + 2.5, opacity=0.8,
                fill=False, fillOpacity=0.0, dashArray=None)


def kind_label(kind: str, lang: str) -> str:
    """The label of a vector or raster kind (or ``slope``) in ``lang``."""
    check_lang(lang)
    if kind in raster_kinds():
        return raster_kinds()[kind].label(lang)
    if kind in RASTER_STYLES:
        return pick(RASTER_STYLES[kind]["label"], lang)
    return get_kind(kind).label(lang)


def verdict_label(verdict: str, lang: str) -> str:
    """The label of ``verdict`` in ``lang``."""
    verdict_style(verdict)
    return pick(VERDICT_LABELS[verdict], lang)


def class_label(score_class: str, lang: str) -> str:
    """The label of score class ``score_class`` in ``lang``."""
    class_style(score_class)
    return pick(CLASS_LABELS[score_class], lang)


def group_label(group: str, lang: str) -> str:
    """The label of a layer-control group in ``lang``."""
    if group not in GROUP_LABELS:
        raise InputError(choice_error("layer group", group, list(GROUP_LABELS)))
    return pick(GROUP_LABELS[group], lang)


def kind_group(kind: str) -> str:
    """The layer-control group of a layer kind (``zoning``, ``degraded`` ...)."""
    return get_kind(kind).group


def attribute_label(kind: str, attribute: str, lang: str) -> str:
    """The label of an attribute of ``kind`` in ``lang`` (its name when the kind lacks it)."""
    attrs = get_kind(kind).attributes
    if attribute not in attrs:
        return attribute
    attr = attrs[attribute]
    label = attr.label(check_lang(lang))
    return f"{label} [{attr.units}]" if attr.units else label


def legend_entry(key: str, lang: str) -> dict:
    """One legend entry for ``kind:<id>``, ``verdict:<v>`` or ``class:<c>``.

    Returns
    -------
    dict
        ``label`` (text in ``lang``), ``style`` (path options) and ``shape`` (``polygon``,
        ``line`` or ``point``).
    """
    what, _, value = key.partition(":")
    if what == "kind":
        return {"label": kind_label(value, lang), "style": kind_style(value),
                "shape": get_kind(value).geometry}
    if what == "verdict":
        return {"label": verdict_label(value, lang), "style": verdict_style(value),
                "shape": "polygon"}
    if what == "class":
        return {"label": class_label(value, lang), "style": class_style(value),
                "shape": "polygon"}
    raise InputError(choice_error("legend entry prefix", what, ["kind", "verdict", "class"]))


def all_kinds() -> list[str]:
    """Every vector layer kind id of the registry, in registry order."""
    return list(layer_kinds())


def get_kind_geometry(kind: str) -> str:
    """The geometry type (``polygon``, ``line``, ``point``) of a layer kind."""
    return get_kind(kind).geometry
