"""The marks of a static map: its features, and what says how to read it (legend, scale bar,
north arrow).

Drawn on a matplotlib axes by :mod:`maps.static_map`: polygons and lines as collections, as
geopandas draws them, with the web map's (Leaflet's) colours and dashes in matplotlib's terms
(:func:`rgba`, :func:`dashes`). The bar measures true length on the ground in the map's metric
CRS; the arrow points to true north, corrected for the grid convergence of the CRS
(:func:`north_angle`).
"""

from __future__ import annotations

import numpy as np
import shapely

from layers.crs import transformer

PX_PT = 0.75
"""Points per CSS pixel (72 / 96): Leaflet widths [px] become matplotlib widths [pt]."""


def rgba(hex_colour: str, alpha: float) -> tuple[float, float, float, float]:
    """A colour ``#rrggbb`` with ``alpha`` as matplotlib takes it (shares of 1)."""
    h = hex_colour.lstrip("#")
    return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)) + (float(alpha),)


def dashes(style: dict):
    """The line style of a Leaflet style's ``dashArray`` (lengths [px] to [pt])."""
    dash = style.get("dashArray")
    if not dash:
        return "solid"
    return (0, tuple(float(v) * PX_PT for v in str(dash).replace(",", " ").split()))


def polygons(ax, geoms: np.ndarray, **style) -> None:
    """(Multi)polygons as one collection of ``style`` (matplotlib's), drawn as geopandas
    draws them (normalised: a hole is wound against its shell), without its plotting's
    overhead (a class defined at every call)."""
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    patches = [PathPatch(Path.make_compound_path(*[
        Path(np.asarray(ring.coords)[:, :2], closed=True) for part in shapely.get_parts(poly)
        for ring in (part.exterior, *part.interiors)])) for poly in shapely.normalize(geoms)]
    ax.add_collection(PatchCollection(patches, **style))


def lines(ax, geoms: np.ndarray, **style) -> None:
    """(Multi)linestrings as one collection of ``style``, drawn as geopandas draws them
    (normalised, each part a line)."""
    from matplotlib.collections import LineCollection

    parts = shapely.get_parts(shapely.normalize(geoms))
    ax.add_collection(LineCollection([np.array(g.coords)[:, :2] for g in parts], **style))


def nice_length(span_m: float) -> float:
    """A round scale-bar length [m] (1, 2 or 5 × 10ⁿ) near a quarter of ``span_m``."""
    target = span_m / 4
    base = 10 ** np.floor(np.log10(target))
    return float(max(m * base for m in (1, 2, 5) if m * base <= target))


def scale_bar(ax, bounds) -> None:
    """An alternating black-white bar in the lower left, true length on the ground.

    The bar is measured in the map's metric CRS, whose scale error over a report map (a few
    km at most from the projection's centre line for the working CRS) is far below the bar's
    drawing precision.
    """
    x0, y0, x1, y1 = bounds
    length = nice_length(x1 - x0)
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


def north_arrow(ax, bounds, crs) -> None:
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


def legend(ax, entries: list[tuple[str, dict, str]]) -> None:
    """The legend in the upper left: (label, Leaflet style, shape ``polygon``, ``line`` or
    ``point``) per entry, none without entries."""
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
            handles.append(Patch(facecolor=rgba(style["fillColor"], max(
                style["fillOpacity"] if style.get("fill") else 0.0, 0.25)),
                edgecolor=style["color"], linestyle=dashes(style), label=label))
    if handles:  # over everything: a layer or the footprint there would tint and hide it
        ax.legend(handles=handles, loc="upper left", fontsize=7, framealpha=0.85,
                  borderpad=0.5, handlelength=1.6).set_zorder(60)
