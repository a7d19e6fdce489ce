"""Static map images for reports: a footprint over the layers it touches, an overview of many.

Rendered offline with matplotlib (Agg), in the web map's colours (:mod:`maps.style`: kind styles
for layers, verdict colours for projects), in the data's metric CRS, with a scale bar and a north
arrow that points to true north (grid convergence is not ignored). The functions return PNG or
SVG bytes, identical for the same input (no timestamps or software versions written, fixed SVG
ids), ready to embed in an HTML page (``data:image/png;base64,...``).
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import shapely

from layers.crs import transformer
from layers.errors import CRSError, InputError, choice_error
from maps import style as st
from maps.display import drawable

FORMATS = ("png", "svg", "rgba")
"""Image formats the renderers write; ``rgba`` is the raw pixels (4 bytes each, rows from the
top), for a caller that encodes them itself (:func:`maps.screening_report.compact_png`)."""
PX_PT = 0.75
"""Points per CSS pixel (72 / 96): Leaflet widths [px] become matplotlib widths [pt]."""
BACKGROUND = "#f2efe9"
"""Land colour behind the layers (OpenStreetMap's), as on the web map without tiles."""
_CJK = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimHei",
        "WenQuanYi Zen Hei", "PingFang SC")
_FOUND: dict[tuple[int, int], list[str]] = {}


def _fonts(lang: str) -> tuple[list[str], str]:
    """Font families to use and the language labels can be drawn in (English when no CJK font
    is installed: a Chinese label without its glyphs would be empty boxes)."""
    from matplotlib import font_manager

    fonts = font_manager.fontManager.ttflist  # looked up once per font list, not per image
    if (key := (id(fonts), len(fonts))) not in _FOUND:
        names = {f.name for f in fonts}
        _FOUND[key] = [n for n in _CJK if n in names]
    cjk = _FOUND[key]
    if lang == "zh" and not cjk:
        return ["DejaVu Sans"], "en"
    return cjk + ["DejaVu Sans"], lang


def _metric(gdf: gpd.GeoDataFrame, crs, what: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise CRSError(f"{what} has no CRS; the toolkit never guesses one")
    return gdf.to_crs(crs) if gdf.crs != crs else gdf


def _rgba(hex_colour: str, alpha: float) -> tuple[float, float, float, float]:
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)) + (float(alpha),)


def _dashes(style: dict):
    dash = style.get("dashArray")
    if not dash:
        return "solid"
    return (0, tuple(float(v) * PX_PT for v in str(dash).replace(",", " ").split()))


def _draw(ax, gdf: gpd.GeoDataFrame, style: dict, zorder: float, halo: bool = False) -> None:
    """Draw polygons, lines and points of ``gdf`` with a Leaflet path style; ``halo`` adds a dark
    casing under lines and outlines (a yellow verdict stays visible on a light background)."""
    geoms = gdf.geometry[drawable(gdf.geometry)]
    if not len(geoms):
        return
    kinds = geoms.geom_type
    edge = _rgba(style["color"], style.get("opacity", 1.0))
    width = float(style.get("weight", 1.5)) * PX_PT
    effects = {}
    if halo:
        from matplotlib import patheffects

        effects = {"path_effects": [patheffects.withStroke(linewidth=width + 2,
                                                           foreground=st.MARKER_OUTLINE)]}
    polys = geoms[kinds.isin(["Polygon", "MultiPolygon"])]
    if len(polys):
        face = _rgba(style["fillColor"], style["fillOpacity"] if style.get("fill") else 0.0)
        if halo:  # a casing line under the outline (an effect on the patch would fill twice)
            polys.boundary.plot(ax=ax, color=st.MARKER_OUTLINE, linewidth=width + 2,
                                zorder=zorder - 0.05)
        polys.plot(ax=ax, facecolor=face, edgecolor=edge, linewidth=width,
                   linestyle=_dashes(style), zorder=zorder)
    lines = geoms[kinds.isin(["LineString", "MultiLineString"])]
    if len(lines):
        lines.plot(ax=ax, color=edge, linewidth=max(width, 1.0), linestyle=_dashes(style),
                   zorder=zorder + 0.1, **effects)
    points = geoms[kinds.isin(["Point", "MultiPoint"])]
    if len(points):
        xy = shapely.get_coordinates(points.values)
        size = (2 * float(style.get("radius", 6)) * PX_PT) ** 2
        ax.scatter(xy[:, 0], xy[:, 1], s=size, c=[_rgba(style["fillColor"],
                                                        max(style.get("fillOpacity", 0.8), 0.8))],
                   edgecolors=[edge], linewidths=width, zorder=zorder + 0.2)


def _nice_length(span_m: float) -> float:
    """A round scale-bar length [m] (1, 2 or 5 × 10ⁿ) near a quarter of ``span_m``."""
    target = span_m / 4
    base = 10 ** np.floor(np.log10(target))
    return float(max(m * base for m in (1, 2, 5) if m * base <= target))


def _scale_bar(ax, bounds) -> None:
    """An alternating black-white bar in the lower left, true length on the ground.

    The bar is measured in the map's metric CRS, whose scale error over a report map (a few
    km at most from the projection's centre line for the working CRS) is far below the bar's
    drawing precision.
    """
    x0, y0, x1, y1 = bounds
    length = _nice_length(x1 - x0)
    h = (y1 - y0) * 0.012
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    from matplotlib.patches import Rectangle

    for i, colour in enumerate(("#222222", "#ffffff", "#222222", "#ffffff")):
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, h, facecolor=colour,
                               edgecolor="#222222", linewidth=0.6, zorder=50))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + h * 1.8, label, ha="center", va="bottom", fontsize=8,
            zorder=50, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})


def north_angle(crs, x: float, y: float) -> float:
    """Direction of true north at (x, y) of a projected CRS [° clockwise from grid north].

    Found by stepping 0.01° north along the meridian and projecting: the grid convergence with
    its sign as the map shows it (east of a transverse Mercator's central meridian true north
    leans left, i.e. a negative angle).
    """
    to_ll, from_ll = transformer(crs, 4326), transformer(4326, crs)
    lon, lat = to_ll.transform(x, y)
    nx, ny = from_ll.transform(lon, min(lat + 0.01, 89.9))
    return float(np.degrees(np.arctan2(nx - x, ny - y)))


def _north_arrow(ax, bounds, crs) -> None:
    """An arrow in the lower right pointing to true north (corrected for grid convergence)."""
    x0, y0, x1, y1 = bounds
    cx, cy = x0 + (x1 - x0) * 0.94, y0 + (y1 - y0) * 0.09
    angle = np.radians(north_angle(crs, cx, cy))
    length = (y1 - y0) * 0.08
    dx, dy = length * np.sin(angle), length * np.cos(angle)
    ax.annotate("", xy=(cx + dx / 2, cy + dy / 2), xytext=(cx - dx / 2, cy - dy / 2),
                arrowprops={"arrowstyle": "-|>,head_width=0.35,head_length=0.7",
                            "color": "#222222", "linewidth": 1.5}, zorder=50)
    ax.text(cx + dx * 0.75, cy + dy * 0.75, "N", ha="center", va="center", fontsize=10,
            fontweight="bold", zorder=50)


def _frame(bounds, margin: float, min_span_m: float, aspect: float, top: float = 0.0,
           bottom: float = 0.0):
    """The view [m] around ``bounds``: ``margin`` (share of the extent) on every side, at least
    ``min_span_m``, the image's ``aspect``, and bands (shares of the view height) kept free at
    the ``top`` (legend) and ``bottom`` (scale bar, north arrow)."""
    x0, y0, x1, y1 = bounds
    w, h = max(x1 - x0, min_span_m), max(y1 - y0, min_span_m)
    w, h = w * (1 + 2 * margin), h * (1 + 2 * margin)
    free = 1 - top - bottom
    h_all = h / free
    if w / h_all < aspect:
        w = h_all * aspect
    else:
        h_all = w / aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    y_low = cy - h_all * free / 2 - bottom * h_all
    return cx - w / 2, y_low, cx + w / 2, y_low + h_all


def _save(fig, fmt: str) -> bytes:
    buf = io.BytesIO()
    metadata = {"Software": None} if fmt == "png" else None if fmt == "rgba" else {
        "Date": None, "Creator": None}
    fig.savefig(buf, format=fmt, dpi=fig.dpi, metadata=metadata, facecolor=fig.get_facecolor())
    return buf.getvalue()


def _figure(size_px: Sequence[int]):
    """A figure outside pyplot: no global backend switch (a notebook keeps its inline backend),
    nothing to close, and no full redraw each time geopandas asks the canvas to ``draw_idle``
    (the base canvas draws only when saving)."""
    from matplotlib.figure import Figure

    width, height = (int(v) for v in size_px)
    fig = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor="white")
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_facecolor(BACKGROUND)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    return fig, ax


def _legend(ax, entries: list[tuple[str, dict, str]]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = []
    for label, style, shape in entries:
        if shape == "line":
            handles.append(Line2D([], [], color=style["color"], linewidth=2, label=label))
        elif shape == "point":
            handles.append(Line2D([], [], marker="o", linestyle="none", label=label,
                                  markerfacecolor=style["fillColor"], markersize=7,
                                  markeredgecolor=style["color"]))
        else:
            handles.append(Patch(facecolor=_rgba(style["fillColor"], max(
                style["fillOpacity"] if style.get("fill") else 0.0, 0.25)),
                edgecolor=style["color"], linestyle=_dashes(style), label=label))
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.85,
                  borderpad=0.5, handlelength=1.6)


def _check(gdf: gpd.GeoDataFrame, fmt: str, lang: str, what: str) -> tuple[list[str], str]:
    """Validate the format and the metric CRS; the fonts and the language labels are drawn in."""
    if fmt not in FORMATS:
        raise InputError(choice_error("image format", fmt, FORMATS))
    if gdf.crs is None or not gdf.crs.is_projected:
        raise CRSError(f"{what} needs its input in a metric CRS (the working CRS)")
    return _fonts(st.check_lang(lang))


def _context(fonts: list[str]):
    """Matplotlib settings of every image: fonts, fixed SVG ids, text kept as text, dashes in
    points (as Leaflet's in pixels)."""
    import matplotlib

    return matplotlib.rc_context({"font.family": fonts, "svg.hashsalt": "siting-toolkit",
                                  "svg.fonttype": "none", "lines.scale_dashes": False,
                                  "axes.unicode_minus": False})


def _finish(fig, ax, bounds, crs, entries, fmt: str) -> bytes:
    """Frame, legend, scale bar, north arrow; the image's bytes."""
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    _legend(ax, entries)
    _scale_bar(ax, bounds)
    _north_arrow(ax, bounds, crs)
    return _save(fig, fmt)


def render_footprint(footprint: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame],
                     verdict: str | None = None, lang: str = "zh", fmt: str = "png",
                     size_px: Sequence[int] = (640, 480), margin: float = 0.35,
                     min_span_m: float = 500.0) -> bytes:
    """One project's footprint over the layers around it.

    Parameters
    ----------
    footprint : GeoDataFrame
        The project's geometry (one or more rows) in a metric CRS; the image is drawn in it.
    layers : {kind: GeoDataFrame}
        Layers to draw under the footprint (any CRS; reprojected), e.g. from
        :func:`layers_around`; drawn bottom to top in :data:`maps.style.DRAW_ORDER`.
    verdict : str, optional
        Colours the footprint like the web map (default: the ``error`` grey).
    lang : {"zh", "en"}
        Language of the legend.
    fmt : {"png", "svg", "rgba"}
    size_px : (width, height)
        Image size [px] at 100 dpi.
    margin : float
        Space around the footprint, as a share of its extent.
    min_span_m : float
        Smallest extent shown [m], so that a point or a small parcel shows its surroundings.

    Returns
    -------
    bytes
        The image, identical for identical input.
    """
    fonts, lang = _check(footprint, fmt, lang, "render_footprint")
    crs = footprint.crs
    with _context(fonts):
        fig, ax = _figure(size_px)
        bounds = _frame(footprint.total_bounds, margin, min_span_m, size_px[0] / size_px[1])
        view = shapely.box(*bounds)
        entries = []
        order = {k: i for i, k in enumerate(st.DRAW_ORDER)}
        for kind in sorted(layers, key=lambda k: order.get(k, len(order))):
            gdf = _metric(layers[kind], crs, f"layer {kind}")
            gdf = gdf[drawable(gdf.geometry) & gdf.geometry.intersects(view).to_numpy()]
            if not len(gdf):
                continue
            style = st.kind_style(kind)
            _draw(ax, gdf.clip(view), style, zorder=2 + order.get(kind, 0) * 0.5)
            entries.append((st.kind_label(kind, lang), style, st.get_kind_geometry(kind)))
        shape = footprint.geom_type.map({"Point": "point", "MultiPoint": "point",
                                         "LineString": "line", "MultiLineString": "line"})
        shape = shape.dropna().iloc[0] if shape.notna().all() and len(shape) else "polygon"
        vstyle = st.shaped_style(st.verdict_style(verdict or "error"), shape)
        _draw(ax, footprint, vstyle, zorder=40, halo=True)
        entries.insert(0, (st.verdict_label(verdict or "error", lang), vstyle, shape))
        return _finish(fig, ax, bounds, crs, entries, fmt)


def render_overview(result: gpd.GeoDataFrame, reference: gpd.GeoDataFrame | None = None,
                    lang: str = "zh", fmt: str = "png", size_px: Sequence[int] = (800, 600),
                    min_marker_px: float = 6.0) -> bytes:
    """Many projects coloured by verdict, over an optional reference (admin boundaries).

    Polygons and lines are drawn as they are; where a project would be smaller than
    ``min_marker_px`` at the image's scale it also gets a marker in its verdict colour, so that
    every project shows (as on the web map's first view).

    Parameters
    ----------
    result : GeoDataFrame
        Projects with a ``verdict`` column, in a metric CRS (``geo.screen``'s result).
    reference : GeoDataFrame, optional
        Drawn as the administrative boundary reference (thin grey dashed lines).
    lang, fmt, size_px
        As for :func:`render_footprint`.
    """
    fonts, lang = _check(result, fmt, lang, "render_overview")
    crs = result.crs
    shown = result[drawable(result.geometry)]
    with _context(fonts):
        fig, ax = _figure(size_px)
        extent = shown.total_bounds if len(shown) else (0, 0, 1000, 1000)
        present = shown["verdict"].astype(str).isin(list(st.VERDICT_STYLES))
        n_entries = shown.loc[present, "verdict"].nunique()
        # bands kept free: the legend above (17 px a row), scale bar and north arrow below
        bounds = _frame(extent, 0.04, 2000.0, size_px[0] / size_px[1],
                        top=(17 * n_entries + 20) / size_px[1], bottom=0.16)
        if reference is not None and len(reference):
            ref = _metric(reference, crs, "reference")
            _draw(ax, ref.clip(shapely.box(*bounds)), st.kind_style("admin_boundary"), 1)
        m_per_px = (bounds[2] - bounds[0]) / size_px[0]
        # markers small enough that a crowd of them stays a pattern, not one blot: about a
        # third of the spacing they would have if spread evenly over the projects' extent
        spread = np.sqrt(max((extent[2] - extent[0]) * (extent[3] - extent[1]), 1.0)
                         / max(len(shown), 1)) / m_per_px
        dot = float(np.clip(spread / 3, 2.0, 8.0))
        entries = []
        on_top = ("prohibited", "error", "review", "contact", "admitted")  # what must show
        severe = len(on_top)  # first: a prohibited or unjudged project is never hidden under
        for verdict in st.VERDICT_STYLES:  # a crowd of others
            rank = on_top.index(verdict) if verdict in on_top else severe
            part = shown[shown["verdict"].astype(str) == verdict]
            if not len(part):
                continue
            style = st.verdict_style(verdict)
            drawn = {**style, "radius": min(style.get("radius", 8), dot),
                     "weight": min(style.get("weight", 1.5), 1.0 if dot < 5 else 3.0)}
            _draw(ax, part, drawn, zorder=10 + severe - rank, halo=True)
            b = part.geometry.bounds
            small = (np.maximum(b["maxx"] - b["minx"], b["maxy"] - b["miny"]) / m_per_px
                     < min_marker_px).to_numpy() & ~part.geom_type.isin(
                ["Point", "MultiPoint"]).to_numpy()
            if small.any():
                marks = part[small].set_geometry(part[small].geometry.representative_point())
                _draw(ax, marks, st.shaped_style(drawn, "point"), zorder=20 + severe - rank)
            entries.append((f"{st.verdict_label(verdict, lang)} ({len(part)})",
                            st.shaped_style(style, "point"), "point"))
        return _finish(fig, ax, bounds, crs, entries, fmt)


def frame_box(bounds, size_px: Sequence[int] = (640, 480), margin: float = 0.35,
              min_span_m: float = 500.0) -> tuple[float, float, float, float]:
    """The box [m] :func:`layers_around` reads around a footprint's ``bounds`` (for reading a
    catalog only near the images of a report: :meth:`layers.catalog.Catalog.near`)."""
    return _frame(bounds, margin, min_span_m, size_px[0] / size_px[1])


def layers_around(catalog, footprint: gpd.GeoDataFrame, kinds: Sequence[str] | None = None,
                  margin: float = 0.35, min_span_m: float = 500.0,
                  size_px: Sequence[int] = (640, 480)) -> dict[str, gpd.GeoDataFrame]:
    """The catalog's features inside the frame :func:`render_footprint` will draw.

    Parameters
    ----------
    catalog : layers.catalog.Catalog
    footprint : GeoDataFrame
        In a metric CRS (the layers are read in it).
    kinds : list of str, optional
        Layer kinds to take (default: every vector kind of the catalog).

    Returns
    -------
    dict
        ``{kind: GeoDataFrame}`` of the kinds with features in the frame.
    """
    bounds = frame_box(footprint.total_bounds, size_px, margin, min_span_m)
    out: dict[str, list] = {}
    for spec in catalog.layers:
        if kinds is not None and spec.kind not in kinds:
            continue
        data = catalog.read(spec.id, footprint.crs)
        if not data.usable:
            continue
        gdf = data.gdf
        near = gdf.iloc[gdf.sindex.query(shapely.box(*bounds), predicate="intersects")]
        if len(near):
            out.setdefault(spec.kind, []).append(near)
    return {k: gpd.pd.concat(v, ignore_index=True) if len(v) > 1 else v[0]
            for k, v in out.items()}
