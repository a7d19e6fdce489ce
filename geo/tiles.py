"""The tiled engine: a batch screened as spatially compact tiles on any executor.

The projects are put in Hilbert order of their footprints' centres and cut into tiles of about
equal count (:func:`plan_tiles`), so that each tile covers a compact area. Each tile is screened
by :func:`geo.screen.screen_part` on an executor: a local process pool, a Dask distributed
cluster's executor (``distributed.Client(address).get_executor()``) or any other
:class:`concurrent.futures.Executor`. A tile reads only the features within reach of its own
footprints (its windows, :meth:`layers.catalog.Catalog.near`): for a layer in its fast form (a
prepared GeoParquet, :mod:`layers.prepared`), only the row groups whose bounding boxes meet the
tile's. The results are joined in input order by :func:`geo.job.assemble`.

Why the results equal one process's, bit for bit: a project is judged only by the features within
its reach (its rules' distances and the nearest-feature radius), every tile reads them all (a
window is a superset), the working CRS is chosen once for the whole job, features keep their
source order in every read, and ties are broken by that order.

Layers are validated once per job, whole: a feature whose coordinates cannot be placed makes its
layer unusable wherever it lies, so a window could never see it. A layer without a fast form is
therefore read and checked once, in a worker, and *staged* (written in its fast form into a
folder of the job, :meth:`layers.catalog.Catalog.stage`) before the tiles run; ``siting prepare``
does this once for all runs. With a cluster of several machines the staging folder must be on a
file system every worker reads (``stage_dir``), or the catalog prepared beforehand.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from concurrent.futures import Executor, as_completed
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from geo.job import Job
from geo.rules import RuleSet
from layers.prepared import give_back_memory

TILE_PROJECTS = 12_500
"""Projects per tile at most (a tile's memory grows with its area and its projects)."""
TILES_PER_WORKER = 2
"""Tiles per worker at least (so that a slow tile does not leave the others idle)."""


def plan_tiles(job: Job, count: int) -> list[np.ndarray]:
    """Split the projects into ``count`` spatially compact tiles of about equal size.

    Parameters
    ----------
    job : Job
    count : int

    Returns
    -------
    list of ndarray
        Positions of each tile's projects, each in input order. Projects without a footprint
        to screen go with the tile of their neighbours in the input.
    """
    n = len(job.fp)
    count = max(1, min(int(count), max(n, 1)))
    usable = job.ok & ~(shapely.is_missing(job.fp) | shapely.is_empty(job.fp))
    key = np.zeros(n, dtype=np.int64)
    if usable.any():
        bounds = shapely.bounds(job.fp[usable])
        centres = gpd.GeoSeries(shapely.points((bounds[:, 0] + bounds[:, 2]) / 2,
                                               (bounds[:, 1] + bounds[:, 3]) / 2))
        key[usable] = centres.hilbert_distance(total_bounds=centres.total_bounds)
    # an unusable project takes the key of the usable project before it in the input
    last = np.maximum.accumulate(np.where(usable, np.arange(n), -1))
    first = int(np.argmax(usable)) if usable.any() else 0
    key[~usable] = key[np.where(last >= 0, last, first)[~usable]]
    order = np.argsort(key, kind="stable")
    return [np.sort(part) for part in np.array_split(order, count) if len(part)]


def default_tiles(n_projects: int, workers: int) -> int:
    """How many tiles to cut ``n_projects`` into for ``workers`` workers."""
    return max(workers * TILES_PER_WORKER, -(-n_projects // TILE_PROJECTS), 1)


def workers_of(executor: Executor | None) -> int:
    """How many tasks the executor runs at once (1 without one)."""
    if executor is None:
        return 1
    for attr in ("_max_workers", "_n_workers"):
        if isinstance(getattr(executor, attr, None), int):
            return getattr(executor, attr)
    client = getattr(executor, "_client", None)  # distributed's ClientExecutor
    if client is not None:
        return max(1, sum(client.nthreads().values()))
    return os.cpu_count() or 1


def screen_tiles(job: Job, catalog, rules: RuleSet, executor: Executor | None,
                 tiles: int | None = None, progress=False,
                 stage_dir: str | Path | None = None) -> list:
    """Screen ``job`` tile by tile on ``executor`` (in this process when None).

    ``progress``: True or a text stream shows a bar over projects (on stderr or that stream).

    Returns
    -------
    list of (rows, result, hits)
        As :func:`geo.job.assemble` takes them.
    """
    from geo.screen import screen_part

    count = tiles or default_tiles(len(job.fp), workers_of(executor))
    parts = plan_tiles(job, count)
    bar = _bar(len(job.fp), job.lang, None if progress is True else progress) \
        if progress else None
    out = []
    if executor is None:
        for rows in parts:
            out.append((job.rows[rows], *screen_part(job.take(rows), catalog, rules)))
            if bar is not None:
                bar.update(len(rows))
    else:
        stage(catalog, executor, stage_dir)  # no-op when screen() staged before planning
        futures = {executor.submit(run_tile, job.take(rows), catalog, rules): rows
                   for rows in parts}
        for future in as_completed(futures):
            rows = futures[future]
            out.append((job.rows[rows], *future.result()))
            if bar is not None:
                bar.update(len(rows))
    if bar is not None:
        bar.close()
    return out


def run_tile(job: Job, catalog, rules: RuleSet):
    """Screen one tile in a worker (see :func:`geo.screen.screen_part`)."""
    from geo.screen import screen_part

    try:
        return screen_part(job, catalog, rules)
    finally:
        give_back_memory()


def stage(catalog, executor: Executor, stage_dir: str | Path | None = None) -> None:
    """Give every vector layer of ``catalog`` a fast form, validating each once on ``executor``.

    Layers that have one (prepared, or staged before) are left as they are. The staged files
    live in a new folder of their own (inside ``stage_dir`` when given, else in the system's
    temporary folder), removed with the catalog: no file already there is ever replaced.
    """
    todo = [s.id for s in catalog.layers if catalog.fast_form(s.id) is None]
    if not todo:
        return
    if stage_dir is not None:
        Path(stage_dir).mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="siting-stage-", dir=stage_dir))
    weakref.finalize(catalog, shutil.rmtree, str(folder), True)
    todo.sort(key=lambda layer_id: -_size(catalog, layer_id))  # the largest first
    futures = {executor.submit(stage_layer, catalog, layer_id, str(folder)): layer_id
               for layer_id in todo}
    for future in as_completed(futures):
        path, summary = future.result()
        catalog.adopt(futures[future], path, summary)


def stage_layer(catalog, layer_id: str, folder: str) -> tuple[Path, dict]:
    """Validate one layer and write its fast form (in a worker); return its path and summary."""
    try:
        return catalog.stage(layer_id, folder)
    finally:
        give_back_memory()


def _size(catalog, layer_id: str) -> int:
    spec = catalog.spec(layer_id)
    try:
        return os.path.getsize(spec.path) if spec.path else 1 << 40
    except OSError:
        return 0


def _bar(total: int, lang: str, file=None):
    from tqdm import tqdm

    desc, unit = ("审查", "个项目") if lang == "zh" else ("screening", "project")
    return tqdm(total=total, unit=unit, desc=desc, file=file)
