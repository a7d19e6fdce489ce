"""Check a catalog raster before anything is computed from it: readable, placed, plausible.

A raster of the wrong quantity or units is the quiet way to rank sites wrongly (a wind-speed
raster given as GHI yields 0 MWh/yr everywhere). Each raster kind has a plausible range
(``valid_range`` in ``kinds.toml``); a sample of the raster's values read cheaply (from an
overview, or a decimated read of at most :data:`SAMPLE_PIXELS` pixels) must lie inside it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyproj
import rasterio
import shapely
from rasterio.errors import RasterioError

from layers.coordcheck import misplaced
from layers.crs import normalize_crs
from layers.errors import InputError, bi, rephrase
from layers.hygiene import Problem
from layers.kinds import get_raster_kind, raster_kinds

SAMPLE_PIXELS = 512 * 512
"""Most pixels read to judge a raster's values (nearest-neighbour decimation or an overview)."""
OUTSIDE_SHARE = 0.01
"""Share of sampled pixels allowed outside the plausible range (noise, edge artefacts) [-]."""

# What values of other quantities and units look like, beyond the registered raster kinds.
LOOK_ALIKES = (
    ((1.5, 8.5), "daily GHI in kWh/m²/day (×365 gives kWh/m²/yr)"),
    ((60.0, 350.0), "mean irradiance in W/m² (×8.76 gives kWh/m²/yr)"),
    ((1800.0, 10800.0), "GHI in MJ/m²/yr (÷3.6 gives kWh/m²/yr)"),
    ((7.0, 58.0), "wind speed in km/h (÷3.6 gives m/s)"),
)


SAMPLE_WINDOWS = 8
"""Windows per side read from a large raster without overviews (:func:`sample_values`)."""


def sample_values(path: str | Path) -> np.ndarray:
    """Valid values of band 1, about :data:`SAMPLE_PIXELS` of them; nodata and NaN dropped.

    A raster with overviews, or a small one, is read at reduced resolution (GDAL serves it from
    an overview). A large raster without overviews is sampled in a regular grid of
    :data:`SAMPLE_WINDOWS`² small windows: decimating it would decompress every block.
    """
    from rasterio.windows import Window

    with rasterio.open(path) as src:
        scale = max(1.0, math.sqrt(src.width * src.height / SAMPLE_PIXELS))
        if src.overviews(1) or scale <= 4:
            shape = (max(1, int(src.height / scale)), max(1, int(src.width / scale)))
            data = [src.read(1, out_shape=shape, masked=True)]
        else:
            side = int(math.sqrt(SAMPLE_PIXELS) / SAMPLE_WINDOWS)
            cols = np.linspace(0, src.width - side, SAMPLE_WINDOWS).astype(int)
            rows = np.linspace(0, src.height - side, SAMPLE_WINDOWS).astype(int)
            data = [src.read(1, window=Window(c, r, side, side), masked=True)
                    for r in rows for c in cols]
    values = np.concatenate([np.ma.compressed(d).astype(float) for d in data])
    return values[np.isfinite(values)]


def looks_like(low: float, high: float, kind_id: str) -> list[str]:
    """What a value range [low, high] looks like, other than raster kind ``kind_id``.

    Returns
    -------
    list of str
        At most two phrases: other raster kinds first, then :data:`LOOK_ALIKES`, each group
        from the narrowest range that holds the values (and that the values fill to at least 1 %:
        an elevation range holds any small number without making it look like one).
    """
    if low <= -9999 or high >= 1e30:
        return ["an undeclared nodata value (set the raster's nodata)"]
    def fits(lo: float, hi: float) -> bool:  # holds the values, and not just as a speck
        return lo <= low and high <= hi and high - low >= 0.01 * (hi - lo)

    kinds = sorted((k.valid_range[1] - k.valid_range[0], f"{k.label_en.lower()} in {k.units}")
                   for k in raster_kinds().values() if k.id != kind_id and fits(*k.valid_range))
    others = sorted((hi - lo, text) for (lo, hi), text in LOOK_ALIKES if fits(lo, hi))
    return [text for _, text in kinds + others][:2]


def raster_problems(spec) -> list[Problem]:
    """Everything that makes a catalog raster unusable or doubtful.

    Parameters
    ----------
    spec : layers.catalog.RasterSpec
        ``id``, ``kind``, ``path`` and optional ``crs`` (for a file without one).

    Returns
    -------
    list of Problem
        ``error`` problems (unreadable, no CRS, a CRS that does not fit the raster's bounds,
        no valid pixel, values outside the kind's plausible range) make it unusable; a
        ``warning`` when a few sampled values are outside the range.
    """
    kind = get_raster_kind(spec.kind)
    what = f"raster {spec.id!r} ({Path(spec.path).name})"
    problems: list[Problem] = []
    try:
        with rasterio.open(spec.path) as src:
            crs = pyproj.CRS.from_user_input(src.crs.to_wkt()) if src.crs else None
            bounds = tuple(src.bounds)
        values = sample_values(spec.path)
    except RasterioError as exc:
        return [Problem(None, "unreadable", bi(
            f"{what}: cannot read {spec.path} ({exc}); check that it is a complete GeoTIFF or "
            "other raster GDAL reads", f"无法读取 {spec.path}（{exc}）；请检查它是否为完整的 GeoTIFF "
            "或 GDAL 可读取的其他栅格"), "error")]
    if crs is None and spec.crs:
        try:
            crs = normalize_crs(spec.crs, what)
        except InputError as exc:
            problems.append(Problem(None, "crs", str(exc), "error"))
    elif crs is None:
        problems.append(Problem(None, "crs", f"{what} has no CRS; add `crs = \"EPSG:...\"` to "
                                "its [[raster]] entry / 栅格没有坐标系；请在其 [[raster]] 条目中添加 "
                                "`crs = \"EPSG:...\"`", "error"))
    if crs is not None:
        why = misplaced(np.array([shapely.box(*bounds)], dtype=object), crs)[0]
        if why:
            problems.append(Problem(None, "crs", rephrase(
                why, f"{what}: its bounds {{}}: the raster's CRS is wrong; re-save it with its "
                "true CRS", "栅格范围 {}：栅格的坐标系有误；请以正确的坐标系重新保存"), "error"))
    problems += _value_problems(values, kind, what)
    return problems


def _value_problems(values: np.ndarray, kind, what: str) -> list[Problem]:
    if not values.size:
        return [Problem(None, "no_data", f"{what}: no valid pixel (every pixel is nodata) / "
                        "没有有效像元（全部为 nodata）", "error")]
    low, high = kind.valid_range
    outside = (values < low) | (values > high)
    p1, p99 = (float(v) for v in np.percentile(values, [1, 99]))
    seen = f"values {values.min():.4g}–{values.max():.4g}"
    label = f"{kind.label_en.lower()} in {kind.units}"
    if outside.mean() > OUTSIDE_SHARE:
        like = looks_like(p1, p99, kind.id)
        guess = (f" look like {' or '.join(like)}, not {label}" if like
                 else f" are not plausible for {label}")
        return [Problem(None, "implausible_values", f"{what}: {seen}{guess} (expected "
                        f"{low:g}–{high:g} {kind.units}); give the catalog a {kind.id} raster "
                        f"in {kind.units} / 栅格数值与类型不符", "error")]
    if outside.any():
        return [Problem(None, "outliers", f"{what}: {outside.mean():.2%} of sampled pixels are "
                        f"outside {low:g}–{high:g} {kind.units} ({seen}); check them / 抽样像元中 "
                        f"{outside.mean():.2%} 超出 {low:g}–{high:g} {kind.units}，请检查", "warning")]
    return []


def describe_values(path: str | Path) -> list[float] | None:
    """The sampled [min, max] of a raster's valid values, or None when it has none."""
    try:
        values = sample_values(path)
    except RasterioError:
        return None
    return [round(float(values.min()), 4), round(float(values.max()), 4)] if values.size else None

