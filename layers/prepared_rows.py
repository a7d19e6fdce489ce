"""Which rows of a prepared layer a window read needs, and their geometries from WKB.

A window read (:func:`layers.prepared.read_prepared` with ``bbox``) finds its rows from the
``bbox`` covering column alone: row groups whose statistics meet none of the windows' cover
(:func:`layers.windows.cover`) are skipped, the boxes of the others are read (32 bytes a
feature) and tested exactly in NumPy and shapely, and only then are the other columns read, from
the row groups that hold a feature kept, and only the rows kept are turned into values and
geometries. An Arrow filter expression over the cover's boxes, evaluated row by row on every
column of every row group it meets, cost three times as much (red lines near a tile of 12,500
projects: 0.34 s of CPU instead of 0.14 s) for the same rows.
"""

from __future__ import annotations

import numpy as np
import shapely

from layers.windows import cover, meets

_BOX = ("xmin", "ymin", "xmax", "ymax")


def window_rows(pf, boxes: np.ndarray, unplaced: list | None, row: str
                ) -> tuple[list[int], np.ndarray]:
    """The row groups to read and the rows to keep of a window read.

    Parameters
    ----------
    pf : pyarrow.parquet.ParquetFile
        A prepared layer (with its ``bbox`` covering column).
    boxes : array (k, 4)
        Windows in the layer's CRS.
    unplaced : list of int, optional
        Source positions (column ``row``) of the features without a geometry: always kept
        (they may lie anywhere).
    row : str
        The column of the source positions.

    Returns
    -------
    (list of int, ndarray of int)
        The row groups holding a row kept, in file order, and the positions of the rows kept
        within them (as if those row groups were read one after the other), increasing: the
        features whose box meets a window (:func:`layers.windows.meets`), and the unplaced ones.
    """
    md = pf.metadata
    around = cover(boxes)
    candidates = _groups_meeting(md, around)
    if unplaced:  # a feature without a geometry has no box: its row group is read too
        candidates = list(range(md.num_row_groups))
    if not candidates:
        return [], np.zeros(0, dtype=np.int64)
    table = read_groups(pf, candidates, ["bbox", row] if unplaced else ["bbox"])
    box = table.column("bbox").combine_chunks().flatten()  # a null box: null fields
    b = np.stack([box[i].to_numpy(zero_copy_only=False).astype(float) for i in range(4)], axis=1)
    near = np.zeros(len(b), dtype=bool)  # first the few boxes of the cover, in NumPy (NaN never
    # meets): the exact test below then makes half as many envelopes
    for x0, y0, x1, y1 in around:
        near |= (b[:, 0] <= x1) & (b[:, 2] >= x0) & (b[:, 1] <= y1) & (b[:, 3] >= y0)
    placed = np.flatnonzero(near)
    keep = np.zeros(len(b), dtype=bool)
    keep[placed] = meets(shapely.box(*b[placed].T), boxes)
    if unplaced:
        keep |= np.isin(table.column(row).to_numpy(), np.asarray(unplaced, dtype=np.int64))
    rows = np.array([md.row_group(g).num_rows for g in candidates], dtype=np.int64)
    starts = np.r_[0, np.cumsum(rows)]
    group = np.searchsorted(starts, np.flatnonzero(keep), side="right") - 1
    used = np.unique(group)
    shift = starts[used] - np.r_[0, np.cumsum(rows[used])[:-1]]  # rows of groups not read
    at = np.flatnonzero(keep) - np.repeat(shift, np.bincount(group)[used])
    return [candidates[g] for g in used], at


def _groups_meeting(md, cover_boxes: np.ndarray) -> list[int]:
    """Row groups whose ``bbox`` statistics meet one of ``cover_boxes`` (all those without
    statistics), as the Arrow filter on the same boxes would keep them."""
    if not len(cover_boxes):
        return []
    names = [md.schema.column(i).path for i in range(md.num_columns)]
    at = [names.index(f"bbox.{n}") for n in _BOX]
    x0, y0, x1, y1 = cover_boxes.T
    out = []
    for g in range(md.num_row_groups):
        stats = [md.row_group(g).column(i).statistics for i in at]
        if any(s is None or not s.has_min_max for s in stats):
            out.append(g)
            continue
        if ((stats[0].min <= x1) & (stats[2].max >= x0) & (stats[1].min <= y1)
                & (stats[3].max >= y0)).any():
            out.append(g)
    return out


def read_groups(pf, groups: list[int], columns: list[str]):
    """Columns of some row groups of ``pf`` as one table of a chunk per row group (read all at
    once, Arrow joins them into one chunk: a copy of every column, 3 s of CPU more for the
    whole red-line layer); Arrow's threads cost more CPU than they save."""
    import pyarrow as pa

    if not groups:
        return pf.schema_arrow.empty_table().select(columns)
    return pa.concat_tables([pf.read_row_group(g, columns=columns, use_threads=False)
                             for g in groups])


def from_wkb(wkb: list, at: np.ndarray) -> np.ndarray:
    """The geometries at positions ``at`` of the WKB arrays ``wkb`` (one after the other).

    Made chunk by chunk (a row group each), each chunk let go once its geometries exist, and
    ``wkb`` emptied: the WKB and the geometries made from it (each about 0.4 GB for the red
    lines a province map draws) are never all in memory at once.
    """
    import pyarrow as pa

    chunks = [c for w in wkb for c in w.chunks]
    wkb.clear()
    starts = np.cumsum([0] + [len(c) for c in chunks])
    which = np.searchsorted(starts, at, side="right") - 1  # the chunk of each position
    order = np.argsort(which, kind="stable")
    ends = np.searchsorted(which[order], np.arange(len(chunks) + 1))
    out = np.empty(len(at), dtype=object)
    for k in range(len(chunks)):
        chunk, chunks[k] = chunks[k], None
        dest = order[ends[k]:ends[k + 1]]
        local = at[dest] - starts[k]
        if len(dest) == len(chunk):  # every row: the chunk's WKB as bytes (one copy)
            out[dest] = shapely.from_wkb(chunk.to_numpy(zero_copy_only=False)[local])
        elif len(dest):  # only the rows asked for, taken in file order (at random, Arrow's
            # take cost 1.5 s of CPU for the red lines near 100,000 projects)
            order_k = np.argsort(local, kind="stable")
            wkb_k = chunk.take(pa.array(local[order_k])).to_numpy(zero_copy_only=False)
            out[dest[order_k]] = shapely.from_wkb(wkb_k)
        del chunk
        pa.default_memory_pool().release_unused()
    return out
