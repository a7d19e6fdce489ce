"""Write a catalog for a folder of layer files: the first step with one's own data.

A reviewer usually receives a folder of shapefiles (生态保护红线.shp, 永久基本农田.shp, …) and
knows which is which. :func:`catalog_from_folder` writes the catalog TOML that names them with
their kinds (and, per file, the CRS, encoding, column mapping, source and date when given), then
loads it, so that every problem of the files is reported at once, in the words of
``siting layers``. It never overwrites a file unless asked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from layers.errors import CatalogError
from layers.read import VECTOR_SUFFIXES

ENTRY_KEYS = ("kind", "layer", "crs", "encoding", "columns", "values", "defaults", "accuracy_m",
              "empty_ok", "source", "date")
"""Keys a vector file's entry may give (see ``layers/catalog.py``)."""
RASTER_KEYS = ("kind", "crs", "units", "source", "date")
"""Keys a raster's entry may give."""
RASTER_SUFFIXES = (".tif", ".tiff")
"""Files listed as ``[[raster]]`` (dem, ghi, wind_speed)."""


def _toml(value) -> str:
    """A TOML value (strings as JSON-escaped basic strings, which TOML accepts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _key(key) -> str:
    key = str(key)
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _layer_id(path: Path, kind: str, taken: set[str]) -> str:
    """An id from the file name (letters, digits, ``_-.``), or from the kind when the name has
    no Latin letters (生态保护红线.shp), unique in the catalog."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", path.stem).strip("_.-")
    if not re.search(r"[A-Za-z]", base):
        base = kind
    name, i = base, 2
    while name in taken:
        name, i = f"{base}_{i}", i + 1
    taken.add(name)
    return name


def catalog_from_folder(folder: str | Path, kinds: Mapping[str, str | Mapping],
                        out: str | Path | None = None, region: Mapping | None = None,
                        overwrite: bool = False) -> Path:
    """Write a catalog naming the layer files of ``folder`` and check it by loading it.

    Parameters
    ----------
    folder : path
        The folder holding the files (GeoPackage, Shapefile, GeoJSON, FlatGeobuf, GeoParquet,
        KML …).
    kinds : {file: kind or entry}
        Each file to list (its name, e.g. ``"生态保护红线.shp"``, or its stem) with its layer kind,
        or with a dict of catalog keys (:data:`ENTRY_KEYS`, ``kind`` required), e.g.
        ``{"farmland.shp": {"kind": "basic_farmland", "crs": "EPSG:4545", "encoding": "GBK"}}``;
        GeoTIFFs become rasters (``{"ghi.tif": {"kind": "ghi", "units": "kWh/m2/yr"}}``,
        :data:`RASTER_KEYS`).
    out : path, optional
        The catalog to write (default ``folder/catalog.toml``); paths in it are relative to it.
    region : dict, optional
        The ``[region]`` table (``name``, ``province``, ``extent`` …).
    overwrite : bool
        Replace ``out`` when it exists.

    Returns
    -------
    Path
        The catalog written.

    Raises
    ------
    CatalogError
        A file named in ``kinds`` is missing (with the files the folder holds), a key is not a
        catalog key, ``out`` exists, or the written catalog does not load (its message names the
        file and the fix).
    """
    from layers.catalog import load_catalog

    folder = Path(folder)
    out = Path(out) if out is not None else folder / "catalog.toml"
    if out.exists() and not overwrite:
        raise CatalogError(f"{out} exists; pass overwrite=True to replace it, or choose another "
                           "name / 目录文件已存在")
    present = sorted(p for p in folder.iterdir()
                     if p.suffix.lower() in VECTOR_SUFFIXES + RASTER_SUFFIXES)
    lines = []
    if region:
        lines.append("[region]\n" + "".join(f"{_key(k)} = {_toml(v)}\n"
                                            for k, v in region.items()))
    taken: set[str] = set()
    for name, entry in kinds.items():
        entry = {"kind": entry} if isinstance(entry, str) else dict(entry)
        path = folder / name
        if not path.exists():
            match = [p for p in present if p.stem == name]
            if len(match) != 1:
                raise CatalogError(f"{folder}: no file {name!r} (the folder holds "
                                   f"{', '.join(p.name for p in present) or 'no layer files'})"
                                   " / 文件不存在")
            path = match[0]
        raster = path.suffix.lower() in RASTER_SUFFIXES
        allowed = RASTER_KEYS if raster else ENTRY_KEYS
        wrong = sorted(set(entry) - set(allowed))
        if wrong or "kind" not in entry:
            raise CatalogError(f"{name}: {'keys ' + ', '.join(wrong) if wrong else 'no kind'}; "
                               f"an entry gives {', '.join(allowed)} (kind required)")
        rel = Path(_relative(path, out.parent))
        table = "[[raster]]" if raster else "[[layer]]"
        lines.append(f"{table}\nid = {_toml(_layer_id(path, entry['kind'], taken))}\n"
                     f"kind = {_toml(entry.pop('kind'))}\npath = {_toml(rel.as_posix())}\n"
                     + "".join(f"{_key(k)} = {_toml(v)}\n" for k, v in entry.items()))
    text = ("# Written by layers.catalog_build.catalog_from_folder; edit freely.\n\n"
            + "\n".join(lines))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    load_catalog(out)  # every problem of the entries now, named by file and key
    return out


def _relative(path: Path, start: Path) -> str:
    import os

    return os.path.relpath(path.resolve(), start.resolve())
