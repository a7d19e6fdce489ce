"""Raster overlays as PNG data URIs, and their colour bars (numpy + zlib PNG writer only).

A value grid on a regular longitude/latitude grid is coloured with a linear ramp, resampled to
Web Mercator rows (Leaflet stretches an image overlay linearly in Mercator y, so rows spaced
evenly in latitude would drift by up to a few pixels over a county) and encoded as PNG by
branca's zlib writer (``branca.utilities.write_png``); NaN cells are transparent.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

import numpy as np
from branca.utilities import write_png

from layers.errors import InputError

MAX_PIXELS = 1_000_000
"""Largest overlay written [pixels]; bigger grids are decimated (display only)."""


def _hex_rgb(colors: Sequence[str]) -> np.ndarray:
    return np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in colors], dtype=float)


def _mercator_y(lat: np.ndarray) -> np.ndarray:
    lat = np.clip(lat, -85.05112878, 85.05112878)
    return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))


def colorize(array: np.ndarray, colors: Sequence[str], vmin: float, vmax: float) -> np.ndarray:
    """RGBA uint8 image of ``array`` on the linear ramp ``colors`` from ``vmin`` to ``vmax``."""
    rgb = _hex_rgb(colors)
    span = vmax - vmin if vmax > vmin else 1.0
    t = np.clip((array - vmin) / span, 0.0, 1.0)
    stops = np.linspace(0.0, 1.0, len(colors))
    out = np.zeros(array.shape + (4,), dtype=np.uint8)
    valid = np.isfinite(array)
    tv = np.where(valid, t, 0.0)
    for k in range(3):
        out[..., k] = np.round(np.interp(tv, stops, rgb[:, k])).astype(np.uint8)
    out[..., 3] = np.where(valid, 255, 0).astype(np.uint8)
    return out


def to_mercator_rows(image: np.ndarray, lat_bounds: tuple[float, float]) -> np.ndarray:
    """Resample image rows (north first, even in latitude) to rows even in Mercator y."""
    height = image.shape[0]
    south, north = lat_bounds
    y_out = np.linspace(_mercator_y(np.array(north)), _mercator_y(np.array(south)), height + 1)
    y_mid = (y_out[:-1] + y_out[1:]) / 2
    lat_mid = np.degrees(2 * np.arctan(np.exp(y_mid)) - np.pi / 2)
    rows = np.floor((north - lat_mid) / (north - south) * height).astype(int)
    return image[np.clip(rows, 0, height - 1)]


def rgba_png_uri(array: np.ndarray, lat_bounds: tuple[float, float], colors: Sequence[str],
                 vmin: float | None = None, vmax: float | None = None
                 ) -> tuple[str, float, float]:
    """Colour, Mercator-resample and encode a grid as a ``data:image/png`` URI.

    Parameters
    ----------
    array : 2-D array
        Values, first row north, regular in longitude and latitude; NaN is transparent.
    lat_bounds : (south, north) [°]
    colors : list of "#rrggbb"
        Ramp from low to high.
    vmin, vmax : float, optional
        Colour range (default: 2nd and 98th percentiles of the finite values).

    Returns
    -------
    (str, float, float)
        The URI and the colour range used.
    """
    if array.ndim != 2 or array.size == 0:
        raise InputError(f"raster overlay needs a 2-D grid; got shape {array.shape}")
    step = int(np.ceil(np.sqrt(array.size / MAX_PIXELS)))
    if step > 1:
        array = array[::step, ::step]
    finite = array[np.isfinite(array)]
    if vmin is None:
        vmin = float(np.percentile(finite, 2)) if finite.size else 0.0
    if vmax is None:
        vmax = float(np.percentile(finite, 98)) if finite.size else 1.0
    image = to_mercator_rows(colorize(array, colors, vmin, vmax), lat_bounds)
    png = write_png(image, origin="upper")
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii"), vmin, vmax


def colour_bar_html(colors: Sequence[str], vmin: float, vmax: float, label: str) -> str:
    """HTML of a horizontal colour bar with its label (units included) and end values."""
    stops = ", ".join(html.escape(c) for c in colors)
    return (f"<h4>{html.escape(label)}</h4>"
            f'<div style="width:220px;height:12px;background:linear-gradient(to right, {stops});'
            f'border:1px solid #999"></div>'
            f'<div style="display:flex;justify-content:space-between;width:222px">'
            f"<span>{vmin:.4g}</span><span>{(vmin + vmax) / 2:.4g}</span>"
            f"<span>{vmax:.4g}</span></div>")
