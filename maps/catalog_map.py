"""A map of a catalog's layers alone: look at the data before any analysis (``siting map``)."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import numpy as np

from layers.catalog import Catalog
from layers.errors import CRSError
from maps import base
from maps import style as st

RASTER_MAX_PX = 800
"""Largest side of a raster overlay [px]; a catalog raster is resampled to fit (display only)."""

_SEARCH_ORDER = ("abandoned_mine", "subsidence_area", "closed_landfill", "contaminated_site",
                 "slag_heap", "industrial_park", "settlement", "substation")


def raster_lonlat(spec, max_px: int = RASTER_MAX_PX) -> tuple[np.ndarray, tuple]:
    """Read a catalog raster resampled (bilinear) onto an EPSG:4326 grid for display.

    Parameters
    ----------
    spec : layers.catalog.RasterSpec
        The raster entry (its ``crs`` is used only when the file has none).
    max_px : int
        Largest side of the output grid [px].

    Returns
    -------
    (numpy.ndarray, (min lon, min lat, max lon, max lat))
        Values with NaN for nodata, first row north; and the grid's outer bounds [°].

    Raises
    ------
    CRSError
        When neither the file nor the catalog gives the raster's CRS.
    """
    import rasterio
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(spec.path) as src:
        crs = src.crs or (rasterio.crs.CRS.from_user_input(spec.crs) if spec.crs else None)
        if crs is None:
            raise CRSError(f"raster {spec.id!r} ({spec.path}) has no CRS and the catalog names "
                           "none; add crs = \"EPSG:...\" to its [[raster]] entry")
        transform, width, height = calculate_default_transform(
            crs, "EPSG:4326", src.width, src.height, *src.bounds)
        scale = max(width, height) / max_px
        if scale > 1:
            width, height = max(1, int(width / scale)), max(1, int(height / scale))
            transform, width, height = calculate_default_transform(
                crs, "EPSG:4326", src.width, src.height, *src.bounds,
                dst_width=width, dst_height=height)
        out = np.full((height, width), np.nan, dtype="float32")
        reproject(rasterio.band(src, 1), out, src_crs=crs, dst_crs="EPSG:4326",
                  dst_transform=transform, dst_nodata=np.nan, resampling=Resampling.bilinear,
                  src_nodata=src.nodata)
    west, north = transform * (0, 0)
    east, south = transform * (width, height)
    return out.astype(float), (west, south, east, north)


def catalog_map(catalog: Catalog, lang: str = "zh", basemap: str = "osm",
                tianditu_key: str | None = None) -> folium.Map:
    """Draw every layer and raster of a catalog, styled by kind, with legend and tools.

    Parameters
    ----------
    catalog : layers.catalog.Catalog
        A loaded catalog; every layer is read (in its working CRS) and drawn, including layers
        whose features lack geometry (counted in the layer name).
    lang : {"zh", "en"}
    basemap : {"osm", "tianditu", "amap", "none"}
    tianditu_key : str, optional
        Needed for ``tianditu``.

    Returns
    -------
    folium.Map
        Without its layer control: pass it to :func:`maps.base.finish_map` to save.
    """
    m, _ = base.new_map(catalog.extent_lonlat, lang, basemap, tianditu_key)
    kinds_seen, named = add_catalog_layers(m, catalog, lang)
    add_catalog_rasters(m, catalog, lang)
    base.add_legend(m, [f"kind:{k}" for k in kinds_seen], lang)
    search = next((named[k] for k in _SEARCH_ORDER if k in named), None)
    base.add_plugins(m, search)
    return m


def add_catalog_layers(m: folium.Map, catalog: Catalog, lang: str,
                       layer_ids: Sequence[str] | None = None,
                       hidden_kinds: Sequence[str] = (),
                       muted_groups: Sequence[str] = ()) -> tuple[list[str], dict]:
    """Draw catalog layers in draw order (large areas first), styled by kind.

    Parameters
    ----------
    m : folium.Map
        A map from :func:`maps.base.new_map`.
    catalog : layers.catalog.Catalog
    lang : {"zh", "en"}
    layer_ids : list of str, optional
        Layers to draw (default: every layer of the catalog).
    hidden_kinds : list of str
        Kinds drawn but switched off when the map opens.
    muted_groups : list of str
        Layer groups (e.g. ``infrastructure``) drawn faded (:func:`maps.base.muted_style`).

    Returns
    -------
    (list of str, dict)
        The kinds drawn (bottom to top, for the legend) and {kind: first layer with names}.
    """
    order = list(st.DRAW_ORDER)
    wanted = None if layer_ids is None else set(layer_ids)
    specs = [s for s in catalog.layers if wanted is None or s.id in wanted]
    kinds_seen: list[str] = []
    named: dict[str, folium.GeoJson] = {}
    for spec in sorted(specs, key=lambda s: order.index(s.kind)):
        data = catalog.read(spec.id)
        label = f"{st.kind_label(spec.kind, lang)} ({spec.id})"
        fields = [c for c in data.gdf.columns
                  if c != data.gdf.geometry.name and not str(c).startswith("_")]  # _unknown
        layer = base.add_vector_layer(m, data.gdf, spec.kind, lang, name=label,
                                      popup_fields=fields, show=spec.kind not in hidden_kinds,
                                      muted=st.kind_group(spec.kind) in muted_groups)
        if spec.kind not in kinds_seen:
            kinds_seen.append(spec.kind)
        if spec.kind not in named and "name" in data.gdf.columns \
                and (data.gdf["name"].astype(str) != "").any():
            named[spec.kind] = layer
    return kinds_seen, named


def add_catalog_rasters(m: folium.Map, catalog: Catalog, lang: str,
                        kinds: Sequence[str] | None = None) -> list[str]:
    """Add the catalog's rasters (optionally only ``kinds``) as toggleable overlays; return
    the kinds added."""
    added = []
    for spec in catalog.rasters:
        if kinds is not None and spec.kind not in kinds:
            continue
        array, bounds = raster_lonlat(spec)
        base.add_raster_overlay(m, array, bounds, spec.kind, lang)
        added.append(spec.kind)
    return added
