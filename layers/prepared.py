"""The fast form of a layer: typed, validated GeoParquet that is read by bounding box.

A *prepared* layer holds exactly what :meth:`layers.catalog.Catalog.source` gives for the
original: the feature ``id``, every attribute of its kind already typed, the ``_unknown`` reasons
of its unknown facts, and its geometry (cleaned, in the source's own CRS, so that every later
transformation is the one the original would get). It is written as GeoParquet 1.1:

* rows sorted along a Hilbert curve of the feature envelopes, in row groups of at most
  :data:`ROW_GROUP` features and about :data:`ROW_GROUP_BYTES` of coordinates, with a ``bbox``
  covering column: a window read (a test on it alone first) touches only the row groups that
  hold a feature meeting it;
* ``_row``: each feature's position in the source, so that any read comes back in source order;
* when ``siting prepare`` wrote it, :data:`WORKING`: every geometry again, densified and
  transformed into the catalog's working CRS exactly as a run would, which screening reads
  instead of transforming the layer (maps and reports read the source geometry);
* text attributes as text; numbers, booleans, lists and the ``_unknown`` reasons as JSON text
  (``null`` for unknown), which reads back to the same Python values;
* the CRS in the file's GeoParquet metadata (PROJJSON).

Beside it, ``<name>.layer.json`` records what the layer was found to be when it was prepared
(:data:`FORMAT`): its problems (the three-valued facts' reasons, repaired geometries ...), the
number of features, the extent in lon/lat, the CRS (and the working CRS of :data:`WORKING`),
which column is stored how, and the definition of its kind (a later toolkit with another
definition refuses the file).
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from layers.attributes import UNKNOWN, objects
from layers.errors import CatalogError
from layers.hygiene import Problem
from layers.kinds import get_kind
from layers.prepared_rows import read_rows, window_rows
from layers.read import data_sha256
from layers.windows import lonlat_bounds

FORMAT = "siting-prepared-layer/1"
"""Format tag of the ``.layer.json`` sidecar."""
ROW = "_row"
"""Column holding each feature's position in its source."""
ROW_GROUP = 8192
"""Most features per Parquet row group (the unit a window read skips or reads)."""
ROW_GROUP_BYTES = 16 * 2**20
"""About the most coordinate bytes per row group [B]: a layer of large polygons (control units
of thousands of vertices) gets fewer features per group, so that a few small windows (the
images of a report, a tile's corner) do not read the whole layer."""
WORKING = "_working"
"""Column holding each feature's geometry in the catalog's working CRS (WKB), as
:meth:`layers.catalog.Catalog.read` would transform it (written by ``siting prepare``)."""


def kind_digest(kind_id: str) -> str:
    """A digest of a kind's definition (attributes, types, allowed values, geometries)."""
    kind = get_kind(kind_id)
    text = repr((kind.id, kind.geometries, sorted(
        (a.name, a.type, a.allowed, "<fact>" if a.fact else repr(a.default))
        for a in kind.attributes.values())))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def sidecar(path: str | Path) -> Path:
    """The ``.layer.json`` file of a prepared layer."""
    path = Path(path)
    return path.with_name(path.stem + ".layer.json")


def _to_json(values: np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = None if v is None else json.dumps(v, ensure_ascii=False)
    return out


def _from_json(values: pd.Series, lists: bool) -> np.ndarray:
    """JSON texts back to Python values (each distinct text parsed once; lists copied)."""
    text = values.to_numpy(dtype=object, na_value=None)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    parsed = objects([json.loads(u) for u in uniques] + [None])
    out = parsed[codes]
    if lists:
        out = objects([list(v) if isinstance(v, list) else v for v in out])
    return out


def _hilbert(geoms: np.ndarray) -> np.ndarray:
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    order_key = np.full(len(geoms), np.iinfo(np.int64).max, dtype=np.int64)
    if present.any():
        series = gpd.GeoSeries(geoms[present])
        order_key[present] = series.hilbert_distance(total_bounds=series.total_bounds)
    return np.argsort(order_key, kind="stable")


def write_prepared(gdf: gpd.GeoDataFrame, problems: list[Problem], kind_id: str,
                   path: str | Path, about: dict, working: gpd.GeoSeries | None = None,
                   digest: bool = False) -> dict:
    """Write a typed layer (as :meth:`Catalog.source` gives it) in its fast form.

    Parameters
    ----------
    gdf : GeoDataFrame
        Columns ``id``, the kind's attributes, :data:`layers.attributes.UNKNOWN`, geometry.
    problems : list of Problem
        What was found when it was read (kept beside it).
    kind_id : str
    path : str or Path
        The ``.parquet`` file to write; its ``.layer.json`` is written beside it.
    about : dict
        Provenance to record (``from``, ``source``, ``date`` ...).
    working : GeoSeries, optional
        The same features in the catalog's working CRS (same order), kept beside the source
        geometry in :data:`WORKING` so that screening does not transform them on every run.
    digest : bool
        Record the file's SHA-256 and modification time (``siting prepare``: a report names
        the data by it, and a file changed since is noticed even at the same size).

    Returns
    -------
    dict
        The summary written to the sidecar (without the problems).
    """
    path = Path(path)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    order = _hilbert(geoms)
    columns, stored = {}, {}
    for name in gdf.columns:
        if name == gdf.geometry.name:
            continue
        values = gdf[name].to_numpy(dtype=object)
        if name == UNKNOWN:
            values = objects([d if d else None for d in values])
        text = all(v is None or isinstance(v, str) for v in values) and name != UNKNOWN
        stored[name] = "text" if text else "json"
        columns[name] = pd.array(values if text else _to_json(values), dtype="string")
    frame = pd.DataFrame(columns)
    frame[ROW] = np.arange(len(gdf), dtype=np.int64)
    if working is not None:
        frame[WORKING] = shapely.to_wkb(np.asarray(working.values, dtype=object))
    out = gpd.GeoDataFrame(frame, geometry=gdf.geometry.values, crs=gdf.crs).iloc[order]
    out.to_parquet(path, index=False, write_covering_bbox=True, schema_version="1.1.0",
                   row_group_size=_group_rows(geoms, working))
    lost = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    present = geoms[~lost]
    extent = None
    if len(present):
        extent = [float(v) for v in lonlat_bounds(gpd.GeoSeries(present, crs=gdf.crs))]
    summary = {"format": FORMAT, "kind": kind_id, "kind_digest": kind_digest(kind_id),
               "features": len(gdf), "extent_lonlat": extent,
               "crs": gdf.crs.to_json_dict() if gdf.crs is not None else None,
               "working_crs": working.crs.to_json_dict() if working is not None else None,
               "columns": stored, "unplaced": [int(i) for i in np.flatnonzero(lost)],
               "bytes": path.stat().st_size, **about}
    if digest:
        summary |= {"sha256": data_sha256(path), "mtime_ns": path.stat().st_mtime_ns}
    text = json.dumps({**summary, "problems": [p.to_dict() for p in problems]},
                      ensure_ascii=False, indent=1)
    sidecar(path).write_text(text + "\n", encoding="utf-8")
    return summary


def _group_rows(geoms: np.ndarray, working=None) -> int:
    """Features per row group: :data:`ROW_GROUP`, fewer where they hold more than
    :data:`ROW_GROUP_BYTES` of coordinates (16 bytes a vertex, both geometries counted), at
    least 64."""
    vertices = int(shapely.get_num_coordinates(geoms).sum())
    if working is not None:
        vertices += int(shapely.get_num_coordinates(np.asarray(working.values,
                                                               dtype=object)).sum())
    per_row = 16 * vertices / max(len(geoms), 1)
    return int(np.clip(ROW_GROUP_BYTES // max(per_row, 1), 64, ROW_GROUP))


def read_summary(path: str | Path, kind_id: str, what: str) -> dict:
    """The sidecar of a prepared layer, checked against the file and the kind.

    Raises
    ------
    CatalogError
        The sidecar is missing or not of this format, the file changed since it was prepared,
        or the kind's definition changed (prepare the catalog again).
    """
    path = Path(path)
    fix = "prepare the catalog again (siting prepare ORIGINAL_CATALOG --out FOLDER)"
    fix_zh = "请重新预处理图层目录（siting prepare 原图层目录 --out 文件夹）"
    try:
        summary = json.loads(sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise CatalogError(f"{what}: {sidecar(path).name} (what siting prepare found in the "
                           f"layer) is missing or damaged; {fix} / {sidecar(path).name}（siting "
                           f"prepare 记录的图层信息）缺失或已损坏；{fix_zh}") from None
    if summary.get("format") != FORMAT:
        raise CatalogError(f"{what}: {sidecar(path).name} is not a prepared layer of this "
                           f"toolkit ({FORMAT}); {fix} / {sidecar(path).name} 不是本工具预处理的图层"
                           f"（{FORMAT}）；{fix_zh}")
    if summary.get("kind") != kind_id or summary.get("kind_digest") != kind_digest(kind_id):
        raise CatalogError(f"{what}: prepared for another definition of kind "
                           f"{summary.get('kind')!r} than this toolkit's {kind_id!r}; {fix} / 预处理"
                           f"所依据的图层类型 {summary.get('kind')!r} 的定义与本工具的 {kind_id!r} 不同；{fix_zh}")
    stat = path.stat()
    if stat.st_size != summary.get("bytes"):
        raise CatalogError(f"{what}: {path.name} changed after it was prepared "
                           f"({stat.st_size} bytes, {summary.get('bytes')} when "
                           f"prepared); {fix} / {path.name} 在预处理后已改变（现为 {stat.st_size} 字节，"
                           f"预处理时为 {summary.get('bytes')} 字节）；{fix_zh}")
    if summary.get("sha256") and stat.st_mtime_ns != summary.get("mtime_ns") \
            and _digest(str(path), stat.st_size, stat.st_mtime_ns) != summary["sha256"]:
        raise CatalogError(f"{what}: {path.name} changed after it was prepared (same size, "
                           f"other bytes: its SHA-256 differs from the one recorded); {fix} / "
                           f"{path.name} 在预处理后已改变（大小相同，但 SHA-256 与记录不符）；{fix_zh}")
    return summary


@functools.lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    """:func:`layers.read.data_sha256` of a file, once per process for a size and date (a
    prepared folder copied elsewhere has new dates: its files are read once to check them)."""
    return data_sha256(path)


def source_stamp(path: str | Path) -> dict:
    """What ``siting prepare`` records of a layer's source file, to notice later that it
    changed: its absolute path, size [B], modification time [ns] and SHA-256
    (:func:`layers.read.data_sha256`)."""
    path = Path(path).resolve()
    stat = path.stat()
    return {"path": str(path), "bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns,
            "sha256": data_sha256(path)}


def entry_digest(catalog: str | Path, layer_id: str) -> str | None:
    """SHA-256 of layer ``layer_id``'s ``[[layer]]`` table in the catalog file (its columns,
    values, defaults ... as written); None when the file or the entry is gone or unreadable."""
    path = Path(catalog)
    try:
        return _entry_digests(str(path), path.stat().st_mtime_ns).get(layer_id)
    except OSError:
        return None


@functools.lru_cache(maxsize=16)
def _entry_digests(path: str, mtime_ns: int) -> dict[str, str]:
    import tomllib

    try:
        entries = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("layer", [])
    except (OSError, ValueError):
        return {}
    return {e["id"]: hashlib.sha256(json.dumps(e, sort_keys=True, default=str).encode())
            .hexdigest() for e in entries if isinstance(e, dict) and isinstance(e.get("id"), str)}


def source_changed(summary: dict, what: str) -> list[Problem]:
    """An error when the file a layer was prepared from is still there and holds other data now
    (size, or SHA-256 where only its date differs): the prepared copy may no longer show the
    zoning the user holds, so the layer is unusable (its rules give ``review``, fail closed)
    until it is prepared again. A layer prepared from a PostGIS table is compared with the
    live table (:func:`layers.pgstamp.table_changed`; the check is kept in the summary as
    ``source_checked``): changed, or not reachable to check, it is unusable too."""
    entry = summary.get("source_entry")
    if entry and Path(entry["catalog"]).exists() and entry_digest(
            entry["catalog"], entry["id"]) != entry["sha256"]:
        return [Problem(None, "source_changed", f"{what}: its entry in {entry['catalog']} "
                        "(columns, values, defaults ...) changed after siting prepare read it "
                        f"({summary.get('prepared_at', 'date unknown')}), so the prepared copy "
                        "may not type it as you now do: its rules are not checked (review); run "
                        "siting prepare again / 图层在原图层目录中的条目在预处理后已改变：相关规则未核查"
                        "（需论证）；请重新运行 siting prepare", "error")]
    if summary.get("source_table"):  # a PostGIS table: one query of the live table
        from layers.pgstamp import table_changed

        problems, summary["source_checked"] = table_changed(summary["source_table"], what)
        return problems
    stamp = summary.get("source_file")
    if not stamp:  # prepared before sources were recorded
        return []
    path = Path(stamp["path"])
    try:
        stat = path.stat()
    except OSError:  # e.g. the prepared folder was copied to another machine
        return []
    if stat.st_size == stamp["bytes"] and (stat.st_mtime_ns == stamp["mtime_ns"] or _digest(
            str(path), stat.st_size, stat.st_mtime_ns) == stamp["sha256"]):
        return []
    return [Problem(None, "source_changed", f"{what}: its source {path} changed after siting "
                    f"prepare read it ({summary.get('prepared_at', 'date unknown')}), so the "
                    "prepared copy may not show your present data: its rules are not checked "
                    "(review); run siting prepare again / 图层源文件在预处理后已改变，预处理副本可能"
                    "与现有数据不符：相关规则未核查（需论证）；请重新运行 siting prepare", "error")]


def summary_problems(summary: dict) -> list[Problem]:
    """The problems recorded when the layer was prepared."""
    return [Problem(**p) for p in summary.get("problems", [])]


def summary_crs(summary: dict) -> pyproj.CRS | None:
    """The layer's CRS as recorded when it was prepared."""
    crs = summary.get("crs")
    return None if crs is None else pyproj.CRS.from_json_dict(crs)


def summary_working_crs(summary: dict) -> pyproj.CRS | None:
    """The working CRS the layer's :data:`WORKING` geometries are in (None without them)."""
    crs = summary.get("working_crs")
    return None if crs is None else pyproj.CRS.from_json_dict(crs)


def prepared_boxes(path: str | Path) -> np.ndarray:
    """The features' bounding boxes ``(n, 4)`` in the source CRS, from the ``bbox`` column
    only (no geometry decoded); NaN rows for features without a geometry."""
    import pyarrow.parquet as pq

    box = pq.read_table(path, columns=["bbox"]).column("bbox").combine_chunks()
    return np.stack([box.field(n).to_numpy(zero_copy_only=False).astype(float)
                     for n in ("xmin", "ymin", "xmax", "ymax")], axis=1).reshape(-1, 4)


def read_prepared(path: str | Path, summary: dict, bbox=None, working: bool = False
                  ) -> gpd.GeoDataFrame:
    """Read a prepared layer (or the part whose features' boxes meet ``bbox``), in source order.

    Parameters
    ----------
    path : str or Path
    summary : dict
        From :func:`read_summary`.
    bbox : (minx, miny, maxx, maxy) or array (k, 4), optional
        A box or several, in the layer's CRS: only features whose box meets one are read (the
        ``bbox`` covering column is tested first, see :func:`layers.prepared_rows.window_rows`:
        row groups that hold no such feature are skipped, rows that meet none are never turned
        into values or geometries). None reads every feature. Features without a geometry are
        always read (they may lie anywhere).
    working : bool
        Give the geometries in the working CRS (:data:`WORKING`, see
        :func:`summary_working_crs`) instead of the source's, which are then not decoded.

    Returns
    -------
    GeoDataFrame
        The columns :meth:`Catalog.source` gives, with the same Python values, in source order.
    """
    import pyarrow.parquet as pq

    shape = WORKING if working else "geometry"
    # pre_buffer (for object stores) holds each column chunk twice: 0.25 GB more for the red
    # lines of a province map, and no faster from a local disk
    pf = pq.ParquetFile(path, pre_buffer=False)
    columns = [c for c in pf.schema_arrow.names if c not in ("geometry", WORKING, "bbox")]
    if bbox is None:
        groups = [(g, None) for g in range(pf.metadata.num_row_groups)]
    else:
        groups = window_rows(pf, np.asarray(bbox, dtype=float).reshape(-1, 4),
                             summary.get("unplaced"), ROW)
    table, geometry = read_rows(pf, groups, columns, shape)
    frame = table.to_pandas()
    del table
    frame["_wkb"] = np.arange(len(frame))
    frame = frame.sort_values(ROW, kind="stable")
    kind = get_kind(summary["kind"])
    out = {}
    for name, how in summary["columns"].items():
        if how == "text":
            out[name] = frame[name].to_numpy(dtype=object, na_value=None)
        else:
            lists = name in kind.attributes and kind.attributes[name].type == "list"
            out[name] = _from_json(frame[name], lists)
    if UNKNOWN in out:
        out[UNKNOWN] = objects([{} if d is None else d for d in out[UNKNOWN]])
    geometry = geometry[frame["_wkb"].to_numpy()]
    del frame
    give_back_memory()  # the tables read (else a map drawing the red lines holds 0.4 GB)
    crs = summary_working_crs(summary) if working else summary_crs(summary)
    return gpd.GeoDataFrame({k: pd.Series(v, dtype=object) for k, v in out.items()},
                            geometry=gpd.GeoSeries(geometry, crs=crs), crs=crs)


def give_back_memory() -> None:
    """Return freed memory to the system: Arrow's pool and glibc's heap (milliseconds; a worker
    or writer then holds only what it uses, not the buffers of its last read)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
