"""Static map images for reports: a footprint over the layers it touches, an overview of many.

Rendered offline with matplotlib (Agg), in the web map's colours (:mod:`maps.style`: kind styles
for layers, verdict colours for projects), in the data's metric CRS, with a scale bar and a north
arrow that points to true north (grid convergence is not ignored). The functions return PNG or
SVG bytes, identical for the same input (no timestamps or software versions written, fixed SVG
ids), ready to embed in an HTML page (``data:image/png;base64,...``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping, Sequence

import geopandas as gpd
import numpy as np
import shapely

from layers.errors import CRSError, InputError, choice_error
from maps import style as st
from maps.display import drawable
from maps.map_marks import PX_PT, dashes, legend, lines, north_arrow, polygons, rgba, scale_bar

FORMATS = ("png", "svg", "rgba")
"""Image formats the renderers write; ``rgba`` is the raw pixels (4 bytes each, rows from the
top), for a caller that encodes them itself (:func:`maps.screening_report.compact_png`)."""
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


def _draw(ax, gdf: gpd.GeoDataFrame, style: dict, zorder: float, halo: bool = False) -> None:
    """Draw polygons, lines and points of ``gdf`` with a Leaflet path style; ``halo`` adds a dark
    casing under lines and outlines (a yellow verdict stays visible on a light background)."""
    geoms = gdf.geometry.values[drawable(gdf.geometry)]
    if not len(geoms):
        return
    kinds = shapely.get_type_id(geoms)
    edge = rgba(style["color"], style.get("opacity", 1.0))
    width = float(style.get("weight", 1.5)) * PX_PT
    effects = {}
    if halo:
        from matplotlib import patheffects

        effects = {"path_effects": [patheffects.withStroke(linewidth=width + 2,
                                                           foreground=st.MARKER_OUTLINE)]}
    polys = geoms[np.isin(kinds, (3, 6))]  # (multi)polygons
    if len(polys):
        face = rgba(style["fillColor"], style["fillOpacity"] if style.get("fill") else 0.0)
        if halo:  # a casing line under the outline (an effect on the patch would fill twice)
            lines(ax, shapely.boundary(polys), linewidth=width + 2, zorder=zorder - 0.05,
                   color=st.MARKER_OUTLINE)
        polygons(ax, polys, facecolor=face, edgecolor=edge, linewidth=width,
                  linestyle=dashes(style), zorder=zorder)
    strings = geoms[np.isin(kinds, (1, 5))]  # (multi)linestrings
    if len(strings):
        lines(ax, strings, linewidth=max(width, 1.0), linestyle=dashes(style),
               zorder=zorder + 0.1, **effects, color=edge)
    points = geoms[np.isin(kinds, (0, 4))]  # (multi)points
    if len(points):
        xy = shapely.get_coordinates(points)
        size = (2 * float(style.get("radius", 6)) * PX_PT) ** 2
        ax.scatter(xy[:, 0], xy[:, 1], s=size, c=[rgba(style["fillColor"],
                                                        max(style.get("fillOpacity", 0.8), 0.8))],
                   edgecolors=[edge], linewidths=width, zorder=zorder + 0.2)


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
    nothing to close; on its own Agg canvas, whose renderer keeps the sizes of the texts it
    measured for the next image drawn on the figure (:func:`render_footprints`)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = (int(v) for v in size_px)
    fig = Figure(figsize=(width / 100, height / 100), dpi=100, facecolor="white")
    FigureCanvasAgg(fig)  # drawn when saved: nothing draws it before (no pyplot, no geopandas)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_facecolor(BACKGROUND)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    return fig, ax


def _clear(ax) -> None:
    """Take off ``ax`` what an image drew on it (layers, footprint, legend, scale bar, north
    arrow) and its data limits: the next image is drawn as on new axes."""
    if ax.legend_ is not None:
        ax.legend_.remove()
    for artist in [*ax.collections, *ax.patches, *ax.lines, *ax.texts, *ax.artists]:
        artist.remove()
    ax.relim()
    ax.set_autoscale_on(True)


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
    legend(ax, entries)
    scale_bar(ax, bounds)
    north_arrow(ax, bounds, crs)
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
    return next(render_footprints([(footprint, layers, verdict)], lang, fmt, size_px, margin,
                                  min_span_m))


def render_footprints(items: Iterable[tuple[gpd.GeoDataFrame, Mapping[str, gpd.GeoDataFrame],
                                            str | None]],
                      lang: str = "zh", fmt: str = "png", size_px: Sequence[int] = (640, 480),
                      margin: float = 0.35, min_span_m: float = 500.0) -> Iterator[bytes]:
    """Images of many footprints, each the bytes :func:`render_footprint` gives for it.

    They are drawn one after another on one figure, cleared between them: building a figure
    costs more than clearing it, and its renderer keeps the sizes of the legend's texts.

    Parameters
    ----------
    items : iterable of (footprint, layers, verdict)
        The arguments of :func:`render_footprint` for each image, taken as they are needed.
    lang, fmt, size_px, margin, min_span_m
        As for :func:`render_footprint`, the same for every image.

    Yields
    ------
    bytes
        Each image.
    """
    fig = ax = None
    order = {k: i for i, k in enumerate(st.DRAW_ORDER)}
    for footprint, layers, verdict in items:
        fonts, shown = _check(footprint, fmt, lang, "render_footprint")
        with _context(fonts):
            if fig is None:
                fig, ax = _figure(size_px)
            try:
                bounds = _frame(footprint.total_bounds, margin, min_span_m,
                                size_px[0] / size_px[1])
                entries = _draw_footprint(ax, footprint, layers, verdict, shown,
                                          shapely.box(*bounds), order)
                image = _finish(fig, ax, bounds, footprint.crs, entries, fmt)
            finally:
                _clear(ax)
        yield image


def _draw_footprint(ax, footprint, layers, verdict, lang, view, order) -> list:
    """Draw the layers inside ``view`` and the footprint on ``ax``; the legend's entries."""
    crs = footprint.crs
    entries = []
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
    return entries


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
