"""Maps that fit their medium: zoning layers around the projects, within a size budget.

A screening map of a province's batch cannot carry the province's layers: 200,000 red-line
polygons are hundreds of megabytes of GeoJSON, which no browser opens usefully. The map draws
instead, for each layer, only the features near the projects (within :data:`NEIGHBOURHOOD_M` of a
footprint, read through :meth:`layers.catalog.Catalog.near`), clipped to that neighbourhood and
simplified, for display only, with the finest tolerance of :data:`TOLERANCES_M` that keeps the
layer within its share of the budget. A layer that does not fit even at the coarsest tolerance
is drawn as an image (every feature, in its kind's colours, at about :data:`RASTER_PX` pixels
across the neighbourhood) and says so in its name. Analysis never uses these geometries.
"""

from __future__ import annotations

import base64
import html

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from layers.crs import transformer
from layers.prepared import summary_crs
from layers.windows import windows_in
from maps import base
from maps import style as st
from maps.display import drawable
from maps.layer_shapes import near_rows, shapes_at

MAP_BUDGET_BYTES = 10_000_000
"""Largest ``map.html`` [bytes] a screening writes, whatever the batch."""
BASE_BYTES = 1_600_000
"""What the map costs before any data [bytes]: inlined scripts, styles, fonts, controls."""
NEIGHBOURHOOD_M = 2000.0
"""Features within this distance [m] of a footprint are drawn (the nearest-feature radius)."""
TOLERANCES_M = (0.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0)
"""Display tolerances tried in turn [m]; 0 stands for the layer's default tolerance."""
RASTER_PX = 2048
"""Side [px] of the image a layer too large for vectors is drawn as."""
BURN_BATCH = 20_000
"""Features burnt into a layer's image at once: their coordinates as the lists rasterio reads
take 0.3 GB for the 190,000 red lines of the 100k benchmark, 30 MB in batches."""
AS_IMAGE = {"zh": "图像：{n} 个要素，过多无法以矢量显示",
            "en": "as an image: {n} features, too many to draw as vectors"}
"""How a layer drawn as an image says so in the layer control."""
_COORD_BYTES = 24  # "[106.12345,26.12345]," in GeoJSON, with the separators
_FEATURE_BYTES = 90  # type, id, geometry keys and brackets of one GeoJSON feature


def neighbourhood(result: gpd.GeoDataFrame, distance: float = NEIGHBOURHOOD_M) -> np.ndarray:
    """Boxes [m, in the result's CRS] around every drawable footprint, grown by ``distance``."""
    geoms = np.asarray(result.geometry.values, dtype=object)
    shown = drawable(geoms)
    if not shown.any():
        return np.zeros((0, 4))
    return shapely.bounds(geoms[shown]) + np.array([-distance, -distance, distance, distance])


def text_bytes(frame: pd.DataFrame) -> int:
    """Bytes the columns of ``frame`` take as JSON (non-ASCII escaped, as folium embeds it)."""
    total = 0
    for col in frame.columns:
        text = frame[col].astype(str)
        ascii_len = text.str.len().fillna(0).to_numpy(dtype=float)
        wide = text.str.count(r"[^\x00-\x7f]").fillna(0).to_numpy(dtype=float)
        total += int((ascii_len + 5 * wide + len(str(col)) + 6).sum())
    return total


def clip_to(gdf: gpd.GeoDataFrame, windows: np.ndarray) -> gpd.GeoDataFrame:
    """Features clipped to the envelope of the windows each meets (display only)."""
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if not len(geoms) or not len(windows):
        return gdf.iloc[:0]
    tree = shapely.STRtree(shapely.box(*windows.T))
    feature, window = tree.query(geoms)
    frame = pd.DataFrame(windows[window], columns=["x0", "y0", "x1", "y1"])
    frame["f"] = feature
    box = frame.groupby("f").agg(x0=("x0", "min"), y0=("y0", "min"), x1=("x1", "max"),
                                 y1=("y1", "max"))
    idx = box.index.to_numpy()
    b = box.to_numpy()
    inside = (shapely.bounds(geoms[idx]) >= b[:, [0, 1, 0, 1]]).all(axis=1) & \
        (shapely.bounds(geoms[idx]) <= b[:, [2, 3, 2, 3]]).all(axis=1)
    out = geoms[idx].copy()
    cut = ~inside
    out[cut] = shapely.intersection(out[cut], shapely.box(*b[cut].T))
    kept = gdf.iloc[idx].copy()
    kept = kept.set_geometry(gpd.GeoSeries(out, index=kept.index, crs=gdf.crs))
    return kept[drawable(out)]


def fit(gdf: gpd.GeoDataFrame, fields: list[str], share: float) -> tuple[float, int] | None:
    """The finest tolerance [m] of :data:`TOLERANCES_M` at which the layer fits ``share`` bytes
    (0 for the default) and the bytes it then takes, or None when it does not fit at all."""
    props = text_bytes(gdf[fields]) + _FEATURE_BYTES * len(gdf)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    if props + 4 * _COORD_BYTES * len(gdf) > share:  # not even four vertices each
        return None
    default = base.display_tolerance(shapely.total_bounds(geoms))

    sizes: dict = {}  # the bisection's last step is measured twice

    def size(tol: float) -> int:
        if tol not in sizes:
            small = shapely.simplify(geoms, tol or default, preserve_topology=True)
            sizes[tol] = props + _COORD_BYTES * int(shapely.get_num_coordinates(small).sum())
        return sizes[tol]

    lo, hi = 0, len(TOLERANCES_M) - 1  # bisect: the size falls as the tolerance grows
    if size(TOLERANCES_M[hi]) > share:
        return None
    while lo < hi:
        mid = (lo + hi) // 2
        if size(TOLERANCES_M[mid]) <= share:
            hi = mid
        else:
            lo = mid + 1
    return TOLERANCES_M[lo], size(TOLERANCES_M[lo])


def raster_layer(m: folium.Map, gdf: gpd.GeoDataFrame, kind: str, name: str,
                 max_bytes: float, px: int = RASTER_PX) -> int:
    """Draw every feature of a layer as one image in its kind's colours (Web Mercator rows),
    of :data:`RASTER_PX` pixels across or fewer to fit ``max_bytes``; return its size [bytes].

    ``gdf`` may be in any CRS: it is simplified to the image's pixel there first (for display
    only), so that only what shows is transformed.
    """
    uri, bounds = _image(gdf, kind, px)
    while len(uri) > max_bytes and px > 256:
        px //= 2
        uri, bounds = _image(gdf, kind, px)
    folium.raster_layers.ImageOverlay(uri, bounds=bounds, name=html.escape(name),
                                      interactive=False).add_to(m)
    return len(uri)


def _image(gdf: gpd.GeoDataFrame, kind: str, px: int) -> tuple[str, list]:
    """A PNG data URI of the features and its lon/lat bounds."""
    from rasterio.features import rasterize
    from rasterio.transform import from_bounds

    geoms = np.asarray(gdf.geometry.values, dtype=object)
    x0, y0, x1, y1 = shapely.total_bounds(geoms)  # a pixel's size, in the layer's units
    pixel = max(x1 - x0, y1 - y0) / px or 1.0
    small = shapely.simplify(geoms, pixel / 2, preserve_topology=False)
    gone = shapely.is_missing(small) | shapely.is_empty(small)  # smaller than a pixel: a dot
    small[gone] = shapely.point_on_surface(geoms[gone])
    drawn = small[~(shapely.is_missing(small) | shapely.is_empty(small))]
    shapes, (w, s, e, n) = _mercator(drawn, gdf.crs)
    scale = max(e - w, n - s) / px or 1.0
    width, height = max(1, int(np.ceil((e - w) / scale))), max(1, int(np.ceil((n - s) / scale)))
    transform = from_bounds(w, s, e, n, width, height)
    burnt = np.zeros((height, width), dtype="uint32")
    for start in range(0, len(drawn), BURN_BATCH):  # in order: the last feature drawn shows
        batch = shapes(start, start + BURN_BATCH)  # each feature burnt as its number from 1
        rasterize(zip(batch, range(start + 1, start + 1 + len(batch))), out=burnt,
                  transform=transform, all_touched=True)
    fill = (burnt > 0).astype(np.uint8)
    edge = fill
    if st.get_kind_geometry(kind) == "polygon":  # outlines: where the feature shown changes
        b = np.pad(burnt, 1)
        same = (b[:-2, 1:-1] == burnt) & (b[2:, 1:-1] == burnt) & (b[1:-1, :-2] == burnt) & \
            (b[1:-1, 2:] == burnt)
        edge = fill & ~same
    style = st.kind_style(kind)
    index = np.where(edge == 1, 2, fill).astype(np.uint8)  # 0 clear, 1 fill, 2 outline
    palette, alpha = [0, 0, 0], [0]
    for colour, opacity in ((style.get("fillColor", style.get("color", "#000")),
                             float(style.get("fillOpacity", 0.3))),
                            (style.get("color", "#000"), float(style.get("opacity", 0.9)))):
        palette += [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
        alpha.append(int(round(255 * opacity)))
    uri = "data:image/png;base64," + base64.b64encode(_png(index, palette, alpha)).decode("ascii")
    lonlat = gpd.GeoSeries(shapely.box(w, s, e, n), crs=3857).to_crs(4326).total_bounds
    return uri, [[lonlat[1], lonlat[0]], [lonlat[3], lonlat[2]]]


_GEOJSON = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
            6: "MultiPolygon"}


def geojson(geoms: np.ndarray) -> list:
    """GeoJSON-like dicts of non-empty geometries (x, y only), as ``__geo_interface__`` gives
    them, built from each type's coordinate array at once instead of asking each shapely object
    for its ``__geo_interface__`` (200,000 red lines built and burnt in 1.7 s instead of 3.4 s)."""
    types = shapely.get_type_id(geoms)
    out = _dicts(_ragged(geoms, types), 0, len(geoms))
    for i in np.flatnonzero(~np.isin(types, list(_GEOJSON))).tolist():  # collections, rings
        out[i] = geoms[i].__geo_interface__
    return out


def _ragged(geoms: np.ndarray, types: np.ndarray) -> list[tuple]:
    """Per GeoJSON type of :data:`_GEOJSON` present: its name, the positions of its geometries
    (increasing), their x, y coordinates (n, 2) and offsets (innermost first), as
    ``shapely.to_ragged_array`` gives them."""
    parts = []
    for tid, name in _GEOJSON.items():
        at = np.flatnonzero(types == tid)
        if not len(at):
            continue
        counts = shapely.get_num_coordinates(geoms[at]) if tid == 3 else None
        if tid == 3 and counts.all() and not shapely.get_num_interior_rings(geoms[at]).any():
            # polygons of one ring each: the same arrays without making an object of each ring
            coords = shapely.get_coordinates(geoms[at])
            offsets = (np.r_[0, np.cumsum(counts)], np.arange(len(at) + 1))
        else:
            _, coords, offsets = shapely.to_ragged_array(geoms[at], include_z=False)
        parts.append((name, at, coords, offsets))
    return parts


def _dicts(parts: list[tuple], start: int, stop: int) -> list:
    """The GeoJSON-like dicts of the geometries at positions ``start`` to ``stop`` (excluded) of
    :func:`_ragged`'s ``parts`` (None at a position none of them holds)."""
    out = [None] * (stop - start)
    for name, at, coords, offsets in parts:
        a, b = np.searchsorted(at, [start, stop]).tolist()
        if a == b:
            continue
        lo, hi, levels = a, b, []
        for off in offsets[::-1]:  # the slice of each level, outermost first
            levels.append((off[lo:hi + 1] - off[lo]).tolist())
            lo, hi = int(off[lo]), int(off[hi])
        nested = coords[lo:hi].tolist()
        for ends in levels[::-1]:  # rings or lines, then polygons of a multi-polygon
            nested = [nested[p:q] for p, q in zip(ends[:-1], ends[1:])]
        for i, part in zip((at[a:b] - start).tolist(), nested):
            out[i] = {"type": name, "coordinates": part}
    return out


def _mercator(geoms: np.ndarray, crs) -> tuple:
    """Non-empty geometries as ``GeoSeries.to_crs(3857)`` moves them: a function of ``start``
    and ``stop`` giving the :func:`geojson` dicts of those positions moved, and their total
    bounds [m]. The coordinates of each type's ragged array are moved at once by the
    transformer ``to_crs`` uses (each vertex the same to the bit) rather than set into moved
    geometries and read out of them again (the 190,000 red lines of the 100k map, moved and
    made into dicts: 0.5 s of CPU instead of 0.85 s). Geometries with z or collections go
    through ``to_crs``.
    """
    merc = pyproj.CRS.from_epsg(3857)
    types = shapely.get_type_id(geoms)
    if crs is not None and not shapely.has_z(geoms).any() and \
            np.isin(types, list(_GEOJSON)).all():  # else (z, collections): through to_crs
        parts = _ragged(geoms, types)
        if not pyproj.CRS.from_user_input(crs).is_exact_same(merc):
            t = transformer(crs, merc)
            parts = [(name, at, np.column_stack(t.transform(xy[:, 0], xy[:, 1])), offsets)
                     for name, at, xy, offsets in parts]
        edges = [xy[_shells(name, offsets)] for name, _, xy, offsets in parts]
        if all(np.isfinite(xy).all() for xy in edges):
            ends = np.array([[xy[:, 0].min(), xy[:, 1].min(), xy[:, 0].max(), xy[:, 1].max()]
                             for xy in edges if len(xy)]).reshape(-1, 4)
            bounds = np.r_[ends[:, :2].min(axis=0), ends[:, 2:].max(axis=0)] if len(ends) \
                else np.full(4, np.nan)
            return (lambda start, stop: _dicts(parts, start, min(stop, len(geoms)))), bounds
    moved = np.asarray(gpd.GeoSeries(geoms, crs=crs).to_crs(merc).values, dtype=object)
    return (lambda start, stop: geojson(moved[start:stop])), shapely.total_bounds(moved)


def _shells(name: str, offsets: tuple) -> np.ndarray | slice:
    """The coordinates of a ragged array that bound its geometries as GEOS bounds them: a
    polygon by its exterior ring (a hole is inside it, or ignored), anything else by all."""
    if "Polygon" not in name:
        return slice(None)
    rings = offsets[0]
    first = offsets[1][:-1][np.diff(offsets[1]) > 0]  # each (part) polygon's exterior ring
    if len(first) == len(rings) - 1:  # no holes
        return slice(None)
    shell = np.zeros(len(rings) - 1, dtype=bool)
    shell[first] = True
    return np.repeat(shell, np.diff(rings))


def _png(index: np.ndarray, palette: list[int], alpha: list[int]) -> bytes:
    """A palette PNG of an index image (a few colours: small and quick to write)."""
    import io

    from PIL import Image

    image = Image.fromarray(index, mode="P")
    image.putpalette(palette)
    image.info["transparency"] = bytes(alpha)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=bytes(alpha), compress_level=6)
    return buffer.getvalue()


def add_layers_near(m: folium.Map, catalog, lang: str, layer_ids: list[str], result,
                    share: float) -> list[str]:
    """Draw the catalog layers near the results within ``share`` bytes, in draw order.

    Features are taken in their source CRS near the footprints; a layer that cannot fit as
    vectors is drawn as an image straight from them (of a prepared layer, too many features
    near is told by their boxes, and only their outlines are read: :mod:`maps.layer_shapes`);
    the others are transformed to the results' CRS (for display: no densification), clipped,
    simplified and drawn.

    Returns
    -------
    list of str
        The kinds drawn (bottom to top, for the legend).
    """
    windows = neighbourhood(result)
    near = catalog.near(windows, result.crs)
    specs = sorted((s for s in catalog.layers if s.id in set(layer_ids)),
                   key=lambda s: list(st.DRAW_ORDER).index(s.kind))
    weight = {spec.id: catalog.facts(spec.id)["features"] for spec in specs}  # no reading
    left = sum(weight.values())
    kinds: list[str] = []
    boxes: dict = {}  # the windows in each source CRS, and a view reading by them
    for spec in specs:  # one layer in memory at a time
        label = f"{st.kind_label(spec.kind, lang)} ({spec.id})"
        # each layer's share of what is left follows its size
        part = share * weight[spec.id] / left if left else 0.0
        fast = catalog.fast_form(spec.id)
        crs = None if fast is None else summary_crs(fast[1])
        view, src, rows = near, None, None
        if crs is not None:  # a prepared layer: how many features are near, from their boxes
            view = catalog.near(windows_in(windows, result.crs, crs, boxes), crs)
            rows, count = near_rows(*fast, boxes[crs.to_wkt()])
        else:
            src = near.features_near(spec.id)[0]
            count = len(src)
        least = (_FEATURE_BYTES + 4 * _COORD_BYTES) * count
        if least <= part:  # (else too large whatever its text: an image of the outlines)
            src = view.features_near(spec.id)[0] if src is None else src
            fields = [c for c in src.columns
                      if c != src.geometry.name and not str(c).startswith("_")]
            least += text_bytes(src[fields])
        found, gdf, drawn = None, None, None
        if least <= part:
            gdf = clip_to(src.to_crs(result.crs), windows)
            found = fit(gdf, fields, part) if len(gdf) else (0.0, 0)
        if found is None:
            name = (f"{st.group_label(st.kind_group(spec.kind), lang)} · {label} "
                    f"({AS_IMAGE[lang].format(n=count)})")
            drawn = src if src is not None else gpd.GeoDataFrame(  # the outlines only
                geometry=gpd.GeoSeries(shapes_at(fast[0], rows), crs=crs), crs=crs)
            used = raster_layer(m, drawn, spec.kind, name, max(part, share / 2))
        else:
            base.add_vector_layer(m, gdf, spec.kind, lang, name=label, popup_fields=fields,
                                  simplify_m=found[0] or None)
            used = found[1]
        share, left = max(share - used, 0.0), left - weight[spec.id]
        del src, gdf, drawn
        if spec.kind not in kinds:
            kinds.append(spec.kind)
    return kinds
