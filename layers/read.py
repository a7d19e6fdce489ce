"""Read vector sources into GeoDataFrames with a known CRS and clean geometry.

Formats: GeoPackage, Shapefile (also inside a .zip), GeoJSON, FlatGeobuf, GeoParquet, KML/KMZ,
and anything else GDAL reads through pyogrio. A shapefile's ``.cpg`` is honoured; without one, a
DBF whose text is GBK/GB18030 is detected, decoded and reported.
"""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from layers.crs import describe_crs, normalize_crs
from layers.errors import CRSError, EncodingGuessWarning, ReadError
from layers.hygiene import Problem, clean_geometries

VECTOR_SUFFIXES = (".gpkg", ".shp", ".zip", ".geojson", ".json", ".fgb", ".parquet",
                   ".geoparquet", ".kml", ".kmz")


def _zip_member(path: Path, suffixes: tuple[str, ...]) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(suffixes)]
    except zipfile.BadZipFile:
        raise ReadError(f"{path}: not a readable zip archive; re-create the archive") from None
    if not names:
        raise ReadError(f"{path}: the archive holds no {' or '.join(suffixes)} file")
    if len(names) > 1:
        raise ReadError(f"{path}: the archive holds several data files {names}; "
                        "extract the one you mean or give it as `layer`")
    return names[0]


def _dbf_bytes(path: Path, member: str | None) -> tuple[bytes | None, bool]:
    """The DBF's bytes and whether a .cpg sits beside it."""
    if member is None:
        dbf, cpg = path.with_suffix(".dbf"), path.with_suffix(".cpg")
        if not dbf.exists():
            dbf = path.with_suffix(".DBF")
        has_cpg = cpg.exists() or path.with_suffix(".CPG").exists()
        return (dbf.read_bytes() if dbf.exists() else None), has_cpg
    stem = member[: -len(".shp")]
    with zipfile.ZipFile(path) as zf:
        names = {n.lower(): n for n in zf.namelist()}
        dbf = names.get(stem.lower() + ".dbf")
        has_cpg = stem.lower() + ".cpg" in names
        return (zf.read(dbf) if dbf else None), has_cpg


def detect_dbf_encoding(dbf: bytes) -> str | None:
    """Detect the text encoding of a DBF file's records.

    Parameters
    ----------
    dbf : bytes
        The whole .dbf file.

    Returns
    -------
    str or None
        ``None`` when the text is plain ASCII or the DBF declares a code page (GDAL then decodes
        it), ``"UTF-8"`` when it decodes as UTF-8, ``"GB18030"`` when it decodes only as GB18030.
    """
    if len(dbf) < 32:
        return None
    if dbf[29] != 0:  # language driver id: GDAL honours it
        return None
    header_len = int.from_bytes(dbf[8:10], "little")
    records = dbf[header_len:]
    if records.isascii():
        return None
    try:
        records.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        records.decode("gb18030")
        return "GB18030"
    except UnicodeDecodeError:
        return None


def _layer_names(source: str) -> list[str]:
    try:
        return [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except Exception as exc:  # pyogrio raises DataSourceError and others
        raise ReadError(f"{source}: cannot open ({exc}); check that it is a vector data file "
                        f"({', '.join(VECTOR_SUFFIXES)})") from None


def read_vector(
    path: str | Path,
    layer: str | None = None,
    crs: object = None,
    encoding: str | None = None,
    what: str | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read a vector source into a GeoDataFrame in its own CRS, geometry cleaned.

    Parameters
    ----------
    path : str or Path
        The data file.
    layer : str, optional
        Layer name inside a multi-layer file (GeoPackage, KML folders).
    crs : object, optional
        CRS to assign when the source has none (never used to transform).
    encoding : str, optional
        Text encoding of the attributes, overriding any ``.cpg`` or detection.
    what : str, optional
        How to name the source in messages (default: the path).

    Returns
    -------
    (GeoDataFrame, list of Problem)

    Raises
    ------
    ReadError
        The file does not exist or cannot be read.
    CRSError
        The source has no CRS and none was given.
    """
    source = str(path)
    what = what or source
    problems: list[Problem] = []
    p = Path(source)
    if not p.exists():
        raise ReadError(f"{what}: file not found ({p}); check the path")
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".geoparquet"):
        gdf = _read_parquet(p, what)
        return _finish(gdf, crs, what, problems)
    member = None
    if suffix == ".zip":
        member = _zip_member(p, (".shp", ".gpkg", ".geojson", ".fgb", ".kml"))
        source = f"/vsizip/{p}/{member}"
    elif suffix == ".kmz":
        source = f"/vsizip/{p}/{_zip_member(p, ('.kml',))}"
    if encoding is None and (suffix == ".shp" or (member or "").lower().endswith(".shp")):
        dbf, has_cpg = _dbf_bytes(p, member)
        guessed = None if has_cpg or dbf is None else detect_dbf_encoding(dbf)
        if guessed:
            encoding = guessed
            msg = (f"{what}: no .cpg file; attribute text detected as {guessed} and decoded "
                   "so. Add a .cpg file (or `encoding` in the catalog) to make it explicit")
            problems.append(Problem(None, "encoding", msg))
            warnings.warn(msg, EncodingGuessWarning, stacklevel=2)

    names = _layer_names(source)
    if layer is not None and layer not in names:
        raise ReadError(f"{what}: no layer {layer!r}; the file has layers {names}")
    kwargs = {"encoding": encoding} if encoding else {}
    try:
        if layer is None and len(names) > 1 and source.lower().endswith(".kml"):
            frames = [pyogrio.read_dataframe(source, layer=n, **kwargs) for n in names]
            gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
        elif layer is None and len(names) > 1:
            raise ReadError(f"{what}: the file has several layers {names}; say which one with "
                            "`layer = \"...\"` in the catalog")
        else:
            gdf = pyogrio.read_dataframe(source, layer=layer, **kwargs)
    except ReadError:
        raise
    except Exception as exc:
        raise ReadError(f"{what}: cannot read ({exc}); check that the file is complete and "
                        "in a supported format") from None
    return _finish(gdf, crs, what, problems)


def _read_parquet(path: Path, what: str) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except Exception as exc:  # pyarrow and geopandas raise several types
        raise ReadError(f"{what}: cannot read as GeoParquet ({exc}); check that the file is "
                        "complete and has GeoParquet metadata") from None


def _finish(
    gdf: gpd.GeoDataFrame, crs: object, what: str, problems: list[Problem]
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Assign a declared CRS where the source has none (refuse otherwise) and clean geometry."""
    if gdf.crs is None:
        if crs is None:
            raise CRSError(f"{what}: the source has no CRS. Add the CRS it is in to its catalog "
                           "entry, e.g. `crs = \"EPSG:4490\"` (CGCS2000 lon/lat) or "
                           "`crs = \"EPSG:4544\"` (CGCS2000 3-degree GK CM 105E); the toolkit "
                           "never guesses a CRS")
        gdf = gdf.set_crs(normalize_crs(crs, what))
    elif crs is not None and normalize_crs(crs, what) != gdf.crs:
        problems.append(Problem(None, "crs", f"{what}: the source declares "
                                f"{describe_crs(gdf.crs)}; the catalog's crs {crs!r} is only "
                                "used for sources without one and was ignored", "note"))
    gdf, geom_problems = clean_geometries(gdf, what)
    return gdf, problems + geom_problems
