"""The siting map: candidates coloured by score, excluded parts, rasters as toggleable overlays.

A pure render layer: every number comes from :func:`geo.score_sites`; every input value shown in a
popup is escaped. Rasters are downsampled to at most ``max_px`` pixels a side, transformed to
EPSG:4326 explicitly (rasterio.warp) and embedded as PNG (no network).
"""

from __future__ import annotations

import html

import branca.colormap as bcm
import folium
import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.warp import Resampling, calculate_default_transform, reproject

from geo.zonal import raster_crs

STATUS_COLOUR = {"excluded": "#7f7f7f", "too_small": "#bdbdbd", "error": "#000000"}
LABELS = {
    "zh": {"sites": "候选地块 (按得分着色)", "excluded": "排除部分", "score": "得分",
           "usable": "可用部分"},
    "en": {"sites": "Candidate sites (coloured by score)", "excluded": "Excluded parts",
           "score": "Score", "usable": "Usable land"},
}
POPUP_FIELDS = ["site_id", "name", "source_kind", "status", "usable_area_ha", "ghi",
                "wind_speed", "slope_mean", "slope_max", "elevation", "dist_substation",
                "dist_road", "dist_settlement", "land_type", "score", "rank", "class",
                "top_n_probability", "capacity_mw", "generation_mwh", "co2_t", "reason", "notes"]


def _fmt(v) -> str:
    if isinstance(v, float):
        return "" if np.isnan(v) else f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


def popup_html(row) -> str:
    """An HTML table of every criterion of a site; every value escaped."""
    cells = "".join(f"<tr><th>{html.escape(f)}</th><td>{html.escape(_fmt(row[f]))}</td></tr>"
                    for f in POPUP_FIELDS if f in row.index)
    return f"<table class='siting-popup'>{cells}</table>"


def raster_overlay(spec, name: str, max_px: int = 512, colormap=None) -> folium.raster_layers.ImageOverlay:
    """A raster as a downsampled, colour-mapped PNG overlay in EPSG:4326."""
    src_crs = raster_crs(spec)
    with rasterio.open(spec.path) as ds:
        scale = max(ds.width, ds.height) / max_px
        w, h = max(1, int(ds.width / max(scale, 1))), max(1, int(ds.height / max(scale, 1)))
        data = ds.read(1, out_shape=(h, w), masked=True, resampling=Resampling.average)
        data = data.astype("float64").filled(np.nan)
        tr = ds.transform * ds.transform.scale(ds.width / w, ds.height / h)
        b = ds.bounds
    dst_tr, dw, dh = calculate_default_transform(src_crs.to_wkt(), "EPSG:4326", w, h,
                                                 left=b.left, bottom=b.bottom, right=b.right,
                                                 top=b.top)
    dst = np.full((dh, dw), np.nan)
    reproject(data, dst, src_transform=tr, src_crs=src_crs.to_wkt(), dst_transform=dst_tr,
              dst_crs="EPSG:4326", resampling=Resampling.bilinear, src_nodata=np.nan,
              dst_nodata=np.nan)
    lo, hi = (np.nanpercentile(dst, [2, 98]) if np.isfinite(dst).any() else (0.0, 1.0))
    cmap = colormap or bcm.linear.viridis
    lut = np.array([cmap.scale(0, 255).rgba_floats_tuple(i) for i in range(256)])
    idx = np.clip(np.nan_to_num((dst - lo) / max(hi - lo, 1e-12) * 255), 0, 255).astype(int)
    rgba = lut[idx]
    rgba[..., 3] = np.where(np.isfinite(dst), 0.7, 0.0)
    west, north = dst_tr.c, dst_tr.f
    east, south = west + dst_tr.a * dw, north + dst_tr.e * dh
    return folium.raster_layers.ImageOverlay(rgba, bounds=[[south, west], [north, east]],
                                             name=name, mercator_project=True, show=False)


def siting_map(sites: gpd.GeoDataFrame, catalog=None, lang: str = "zh") -> folium.Map:
    """Build the folium map of scored sites.

    Parameters
    ----------
    sites : GeoDataFrame
        The result of :func:`geo.score_sites`.
    catalog : Catalog, optional
        For raster overlays (dem, ghi, wind_speed).
    lang : {"zh", "en"}
    """
    t = LABELS[lang]
    wgs = sites.to_crs("EPSG:4326")
    minx, miny, maxx, maxy = wgs.total_bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=11,
                   tiles="OpenStreetMap", control_scale=True)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if catalog is not None:
        for spec in catalog.rasters:
            m.add_child(raster_overlay(spec, f"{spec.kind}: {spec.id}"))
    cmap = bcm.LinearColormap(["#d7191c", "#fdae61", "#a6d96a", "#1a9641"], vmin=0, vmax=100,
                              caption=t["score"])
    cand = np.asarray(sites.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(cand) | shapely.is_empty(cand))
    excluded = np.array([shapely.Polygon()] * len(cand), dtype=object)
    excluded[ok] = shapely.difference(cand[ok], np.asarray(sites["usable_geometry"].values,
                                                           dtype=object)[ok])
    ex = gpd.GeoDataFrame({"site_id": sites["site_id"].map(html.escape).to_numpy()},
                          geometry=excluded, crs=sites.crs).to_crs("EPSG:4326")
    ex = ex[~ex.is_empty]
    fg_ex = folium.FeatureGroup(name=t["excluded"])
    if len(ex):
        folium.GeoJson(ex.__geo_interface__, style_function=lambda f: {
            "color": "#b2182b", "weight": 1, "fillColor": "#b2182b", "fillOpacity": 0.35,
            "dashArray": "4 3"}).add_to(fg_ex)
    fg_ex.add_to(m)
    fg = folium.FeatureGroup(name=t["sites"])
    for _i, row in wgs.iterrows():
        if row.geometry is None or row.geometry.is_empty:
            continue
        s = row["score"]
        colour = cmap(s) if isinstance(s, float) and np.isfinite(s) else \
            STATUS_COLOUR.get(row["status"], "#000000")
        folium.GeoJson(row.geometry.__geo_interface__,
                       style_function=lambda f, c=colour: {"color": c, "weight": 2,
                                                           "fillColor": c, "fillOpacity": 0.5},
                       tooltip=html.escape(f"{row['site_id']} {row['name']}"),
                       popup=folium.Popup(popup_html(row), max_width=420)).add_to(fg)
    fg.add_to(m)
    cmap.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def save_map(m: folium.Map, path) -> None:
    """Write the map as one offline HTML file (maps.offline when available)."""
    try:
        from maps.offline import save_offline
    except ImportError:
        m.save(str(path))
    else:
        save_offline(m, path)
