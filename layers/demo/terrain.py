"""Synthetic terrain of the demo: a DEM on real coarse relief, plus GHI and wind-speed grids.

The coarse relief is pvlib's 1/12° global altitude grid (``pvlib/data/Altitude.h5``, the grid
behind :func:`pvlib.location.lookup_altitude`, 28 m steps), interpolated bilinearly and smoothed.
On it go fractal detail of karst amplitude (spectral synthesis, numpy FFT), flat basins around
the towns and valleys carved along the rivers (bed elevation falling downstream, walls rising
from a flat floor). Everything is vectorised; no Python loop runs over pixels.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from affine import Affine
from scipy import ndimage

from layers.demo.synth import to_lonlat, to_metric

DEM_RES = 90.0
"""DEM cell size [m] (EPSG:4545)."""

GHI_RES = 0.005
"""GHI cell size [°] (EPSG:4326)."""

WIND_RES = 0.0025
"""Wind-speed cell size [°] (EPSG:4490)."""


def _altitude_grid() -> tuple[np.ndarray, float, float]:
    """pvlib's global altitude grid [m], with the lon/lat of its first cell centre [°]."""
    import h5py
    import pvlib

    path = Path(pvlib.__file__).parent / "data" / "Altitude.h5"
    with h5py.File(path, "r") as h5:
        raw = h5["Altitude"][()]
    alt = raw.astype(np.float64) * 28.0 - 450.0  # pvlib.location.lookup_altitude's decoding
    alt[raw == 255] = 0.0
    return alt, -180.0 + 1 / 24, 90.0 - 1 / 24


def coarse_elevation(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of pvlib's 1/12° altitude grid at lon/lat [°] → [m]."""
    alt, lon0, lat0 = _altitude_grid()
    col = (np.asarray(lon) - lon0) * 12.0
    row = (lat0 - np.asarray(lat)) * 12.0
    return ndimage.map_coordinates(alt, [row, col], order=1, mode="nearest")


def dem_grid(bounds: tuple[float, float, float, float], res: float = DEM_RES
             ) -> tuple[Affine, int, int]:
    """Transform, width and height of a grid snapped to ``res`` covering METRIC ``bounds``."""
    minx, miny = np.floor(np.array(bounds[:2]) / res) * res
    maxx, maxy = np.ceil(np.array(bounds[2:]) / res) * res
    width, height = int(round((maxx - minx) / res)), int(round((maxy - miny) / res))
    return Affine(res, 0.0, float(minx), 0.0, -res, float(maxy)), width, height


def cell_centres(transform: Affine, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """x, y of every cell centre (2-D arrays)."""
    cols, rows = np.meshgrid(np.arange(width) + 0.5, np.arange(height) + 0.5)
    x = transform.c + cols * transform.a
    y = transform.f + rows * transform.e
    return x, y


def fractal_noise(rng: np.random.Generator, shape: tuple[int, int], res: float, beta: float,
                  cutoff: float) -> np.ndarray:
    """Zero-mean unit-variance fractal noise with a power-law spectrum.

    Parameters
    ----------
    shape : (rows, cols)
    res : float
        Cell size [m].
    beta : float
        Spectral exponent (power ∝ k^-beta).
    cutoff : float
        Wavelengths longer than this are suppressed [m] (the coarse grid holds them).
    """
    ky = np.fft.fftfreq(shape[0], d=res)[:, None]
    kx = np.fft.rfftfreq(shape[1], d=res)[None, :]
    k = np.hypot(ky, kx)
    k[0, 0] = 1.0
    amp = k ** (-beta / 2) * (1 - np.exp(-(k * cutoff) ** 2))
    amp[0, 0] = 0.0
    spec = amp * (rng.standard_normal(k.shape) + 1j * rng.standard_normal(k.shape))
    noise = np.fft.irfft2(spec, s=shape)
    return (noise - noise.mean()) / noise.std()


def _burn_rivers(rivers: list[dict], transform: Affine, width: int, height: int):
    """River-bed elevation and wall parameters on the grid cells the rivers cross."""
    bed = np.full((height, width), np.inf)
    slope = np.zeros((height, width))
    floor = np.zeros((height, width))
    inv = ~transform
    for river in rivers:
        ln = river["geometry"]
        dist = np.arange(0.0, ln.length, transform.a / 2)
        xy = shapely.get_coordinates(shapely.line_interpolate_point(ln, dist))
        e0, e1 = river["bed"]
        z = e0 + (e1 - e0) * dist / ln.length
        col, row = inv * (xy[:, 0], xy[:, 1])
        row, col = np.floor(row).astype(int), np.floor(col).astype(int)
        ok = (row >= 0) & (row < height) & (col >= 0) & (col < width)
        np.minimum.at(bed, (row[ok], col[ok]), z[ok])
        hit = np.zeros_like(ok)
        hit[ok] = bed[row[ok], col[ok]] == z[ok]
        slope[row[hit], col[hit]] = 0.08 + 0.40 * river["depth"]
        floor[row[hit], col[hit]] = 80.0 + 400.0 * (1.0 - river["depth"])
    return bed, slope, floor


def make_dem(rng: np.random.Generator, transform: Affine, width: int, height: int,
             rivers: list[dict], towns: list[tuple[float, float]]) -> np.ndarray:
    """The synthetic DEM [m] (float64) on a METRIC grid.

    Parameters
    ----------
    rivers : list of dict
        ``geometry`` (METRIC line), ``bed`` (start, end elevation [m]), ``depth`` (0..1).
    towns : list of (x, y)
        Town centres [m] around which the ground flattens into basins (坝子).
    """
    res = transform.a
    x, y = cell_centres(transform, width, height)
    lon, lat = to_lonlat(x.ravel(), y.ravel())
    base = coarse_elevation(lon, lat).reshape(x.shape)
    base = ndimage.gaussian_filter(base, sigma=2500.0 / res, mode="nearest")

    karst = fractal_noise(rng, (height, width), res, beta=3.3, cutoff=16000.0)
    cones = fractal_noise(rng, (height, width), res, beta=3.0, cutoff=2500.0)
    rough = fractal_noise(rng, (height, width), res, beta=4.0, cutoff=60000.0)
    strength = 0.5 + 0.5 * np.tanh(rough)  # 0..1: plateaus .. peak-cluster karst (峰丛)
    detail = 95.0 * (0.7 + 0.6 * strength) * karst + 70.0 * strength * (0.6 - np.abs(cones))
    dem = base + detail

    # Basins around towns: blend towards the heavily smoothed surface.
    broad = ndimage.gaussian_filter(dem, sigma=3000.0 / res, mode="nearest")
    tx, ty = np.array(towns).T
    near = np.min((x[..., None] - tx) ** 2 + (y[..., None] - ty) ** 2, axis=-1)
    w = 0.8 * np.exp(-near / 2800.0 ** 2)
    dem = dem * (1 - w) + (broad - 15.0) * w

    # Valleys: walls rise from a flat floor at the river bed, rougher with distance; soft minimum
    # with the terrain.
    bed, slope, floor = _burn_rivers(rivers, transform, width, height)
    dist, (ri, ci) = ndimage.distance_transform_edt(np.isinf(bed), sampling=res,
                                                    return_indices=True)
    above = np.maximum(dist - floor[ri, ci], 0.0)
    valley = bed[ri, ci] + above * slope[ri, ci] + 0.6 * detail * (1 - np.exp(-above / 600.0))
    k = 25.0
    dem = -k * np.logaddexp(-dem / k, -valley / k)
    # Soft floor: nothing in Guiyang lies much below 500 m.
    low = dem < 650.0
    dem[low] = 650.0 - 150.0 * np.tanh((650.0 - dem[low]) / 150.0)
    return dem


def slope_degrees(dem: np.ndarray, res: float) -> np.ndarray:
    """Slope [°] of a DEM with square cells of ``res`` [m]."""
    gy, gx = np.gradient(dem, res)
    return np.degrees(np.arctan(np.hypot(gx, gy)))


def relative_relief(dem: np.ndarray, res: float, scale: float = 2500.0) -> np.ndarray:
    """Elevation above the Gaussian-smoothed surroundings (σ = ``scale`` [m]) [m]."""
    return dem - ndimage.gaussian_filter(dem, sigma=scale / res, mode="nearest")


def sample(grid: np.ndarray, transform: Affine, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear sample of a METRIC grid at x, y [m]."""
    col, row = (~transform) * (x, y)
    return ndimage.map_coordinates(grid, [np.asarray(row) - 0.5, np.asarray(col) - 0.5],
                                   order=1, mode="nearest")


def lonlat_grid(bounds: tuple[float, float, float, float], res: float
                ) -> tuple[Affine, int, int, np.ndarray, np.ndarray]:
    """A lon/lat grid over ``bounds`` [°]: transform, width, height, centre lon, centre lat."""
    minx, miny = np.floor(np.array(bounds[:2]) / res) * res
    maxx, maxy = np.ceil(np.array(bounds[2:]) / res) * res
    width, height = int(round((maxx - minx) / res)), int(round((maxy - miny) / res))
    transform = Affine(res, 0.0, round(float(minx), 6), 0.0, -res, round(float(maxy), 6))
    lon, lat = cell_centres(transform, width, height)
    return transform, width, height, lon, lat


def ghi_and_wind(dem: np.ndarray, transform: Affine, bounds_lonlat
                 ) -> tuple[tuple[np.ndarray, Affine], tuple[np.ndarray, Affine]]:
    """Annual GHI [kWh/m²/yr] on a 0.005° lon/lat grid and 100 m wind speed [m/s] on 0.0025°.

    GHI: about 1,175 at Guiyang, +45 per degree westwards (western Guizhou is sunnier), +0.07
    per metre of elevation, +0.2 per metre of ridge relief, ±15 on steep south/north faces;
    clipped to 1,080–1,320. Wind: 5.3 m/s at 1,200 m, +0.0025 per metre, +0.006 per metre of
    ridge relief; clipped to 3.8–7.2.
    """
    res = transform.a
    smooth = ndimage.gaussian_filter(dem, sigma=2.0, mode="nearest")
    relief = relative_relief(smooth, res)
    gy, _ = np.gradient(smooth, res)
    # Rows run southwards, so gy is dz per metre towards the south: a south face has gy < 0.
    south = np.clip(-gy, -0.5, 0.5) / 0.5

    out = []
    for step, make in ((GHI_RES, "ghi"), (WIND_RES, "wind")):
        t, w, h, lon, lat = lonlat_grid(bounds_lonlat, step)
        x, y = to_metric(lon.ravel(), lat.ravel())
        elev = sample(smooth, transform, x, y).reshape(lon.shape)
        rel = sample(relief, transform, x, y).reshape(lon.shape)
        if make == "ghi":
            face = sample(south, transform, x, y).reshape(lon.shape)
            value = (1175.0 - 45.0 * (lon - 106.7) + 0.07 * (elev - 1200.0) + 0.2 * rel
                     + 15.0 * face)
            value = np.round(np.clip(value, 1080.0, 1320.0), 1)
        else:
            value = 5.3 + 0.0025 * (elev - 1200.0) + 0.006 * rel
            value = np.round(np.clip(value, 3.8, 7.2), 2)
        out.append((value.astype(np.float32), t))
    return out[0], out[1]
