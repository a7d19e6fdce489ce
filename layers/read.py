"""Read vector sources into GeoDataFrames with a known CRS and clean geometry.

Formats: GeoPackage, Shapefile (also inside a .zip), GeoJSON, FlatGeobuf, GeoParquet, KML/KMZ,
and anything else GDAL reads through pyogrio. A shapefile's ``.cpg`` is honoured; without one, a
DBF whose text is GBK/GB18030 is detected, decoded and reported.

The CRS is checked against the coordinates (:mod:`layers.coordcheck`): a source without a CRS
takes the one declared for it (a GeoJSON without a ``crs`` member is lon/lat by definition, unless
a CRS is declared for it), and a declared or embedded CRS that does not fit the coordinates is
refused, naming what the numbers look like. Everything the reader notices (an encoding guessed,
a geometry repaired, a GDAL warning, a missing .dbf) is returned as a :class:`Problem`.
"""

from __future__ import annotations

import contextlib
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from layers.coordcheck import check_placement, misfit_refusal, no_crs_message
from layers.crs import CGCS2000, datum_note, describe_crs, normalize_crs
from layers.dbf import (
    cut_field_names,
    cut_names_message,
    dbf_bytes,
    detect_dbf_encoding,
)
from layers.errors import (
    KEPT,
    CRSError,
    EncodingGuessWarning,
    ReadError,
    bi,
    fix_hint,
    joined,
    rephrase,
)
from layers.geojson import geojson_crs_member, read_geojson_features
from layers.hygiene import (
    READ_ROW,
    Problem,
    clean_geometries,
    feature_labels,
    unrepairable_note,
)

VECTOR_SUFFIXES = (".gpkg", ".shp", ".zip", ".geojson", ".json", ".fgb", ".parquet",
                   ".geoparquet", ".kml", ".kmz")
READ_ERROR = "_read_error"
"""Column of :func:`read_vector` (``feature_errors=True``): why a feature has no geometry."""


def _zip_member(path: Path, suffixes: tuple[str, ...]) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(suffixes)]
    except zipfile.BadZipFile:
        raise ReadError(bi(f"{path}: not a readable zip archive; re-create the archive",
                           "不是可读取的 zip 压缩包；请重新打包")) from None
    if not names:
        kinds = " or ".join(suffixes)
        raise ReadError(bi(f"{path}: the archive holds no {kinds} file",
                           f"压缩包中没有 {'、'.join(suffixes)} 文件"))
    if len(names) > 1:
        raise ReadError(bi(f"{path}: the archive holds several data files {names}; extract the "
                           "one you mean", f"压缩包中有多个数据文件 {names}；请解压出要用的那个"))
    return names[0]


@contextlib.contextmanager
def _kml_names():
    """Read KML/KMZ ExtendedData field names as written: GDAL's LIBKML driver otherwise
    launders every non-ASCII character to ``_`` (``地块编号`` → ``____________``), and the
    user's id column would be lost."""
    before = pyogrio.get_gdal_config_option("LIBKML_LAUNDER_FIELD_NAMES")
    pyogrio.set_gdal_config_options({"LIBKML_LAUNDER_FIELD_NAMES": "NO"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"LIBKML_LAUNDER_FIELD_NAMES": before})


def _layer_names(source: str, what: str) -> list[str]:
    try:
        names = [str(name) for name in pyogrio.list_layers(source)[:, 0]]
    except Exception as exc:  # pyogrio raises DataSourceError and others
        kinds = ", ".join(VECTOR_SUFFIXES)
        raise ReadError(bi(f"{what}: cannot open ({_gdal_message(exc)}); check that it is a "
                           f"vector data file ({kinds})", f"无法打开（{_gdal_message(exc)}）；"
                           f"请检查它是否为矢量数据文件（{kinds}）")) from None
    if not names:
        raise ReadError(bi(f"{what}: no features (the file holds no layer, e.g. a KML without "
                           "placemarks); check that it is the file you meant",
                           "没有要素（文件不含图层，例如没有地标的 KML）；请确认文件是否正确"))
    return names


def _gdal_message(exc: Exception) -> str:
    text = str(exc).strip()
    if "Unable to open" in text and ".shx" in text:
        return ("the shapefile's .shx index file is missing: copy it (and the .dbf, .prj, .cpg) "
                "beside the .shp")
    return text


def read_vector(
    path: str | Path,
    layer: str | None = None,
    crs: object = None,
    encoding: str | None = None,
    what: str | None = None,
    *,
    hints: dict[str, str] | None = None,
    feature_errors: bool = False,
    id_column: str | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read a vector source into a GeoDataFrame in its own CRS, CRS checked, geometry cleaned.

    Parameters
    ----------
    path : str or Path
        The data file.
    layer : str, optional
        Layer name inside a multi-layer file (GeoPackage, KML folders).
    crs : object, optional
        CRS of a source that has none (a GeoJSON without ``crs`` member counts as none); never
        used to transform.
    encoding : str, optional
        Text encoding of the attributes, overriding any ``.cpg`` or detection.
    what : str, optional
        How to name the source in messages (default: the path).
    hints : dict, optional
        How to fix ``crs``, ``layer`` and ``encoding`` on the command being run, e.g.
        ``{"crs": "--crs EPSG:4544", "layer": "--layer NAME"}``; default: the catalog's keys.
        ``"near"``: where the data should be, (west, south, east, north) [°] (the catalog's
        extent) or a function giving it (or None), to name the Gauss-Krüger zone(s) of eastings without a zone number.
    feature_errors : bool
        False (catalog layers): features whose coordinates cannot be placed make the source
        unusable (a layer-level ``error`` problem) and a GeoJSON that GDAL refuses is refused
        naming its bad features. True (project footprints): such features keep their row with
        geometry None and the reason in column :data:`READ_ERROR`, and column
        :data:`layers.hygiene.READ_ROW` says which feature each row is (``feature #3``);
        messages name a feature by its place, with its id (``feature #3 (B)``): ids may repeat.
        The rest is read.
    id_column : str, optional
        The source column that names features in messages (a catalog's mapped ``id``), before
        the usual id columns (:func:`layers.hygiene.feature_labels`).

    Returns
    -------
    (GeoDataFrame, list of Problem)

    Raises
    ------
    ReadError
        The file does not exist or cannot be read; it holds no features.
    CRSError
        The source has no CRS and none was given; its CRS is unknown; or the CRS does not fit
        the coordinates (the message says what they look like and how to fix it).
    """
    source = str(path)
    what = what or source
    problems: list[Problem] = []
    p = Path(source)
    if not p.exists():
        raise ReadError(bi(f"{what}: file not found ({p}); check the path",
                           f"找不到文件（{p}）；请检查路径"))
    if p.is_dir() and p.suffix.lower() != ".gdb":
        raise ReadError(bi(f"{what}: is a folder; give the data file inside it",
                           "这是一个文件夹；请给出其中的数据文件"))
    suffix = p.suffix.lower()
    if suffix in (".parquet", ".geoparquet"):
        gdf = _read_parquet(p, what)
        return _finish(gdf, crs, what, problems, hints, feature_errors, source_crs=True,
                       id_column=id_column)
    member = None
    if suffix == ".zip":
        member = _zip_member(p, (".shp", ".gpkg", ".geojson", ".fgb", ".kml"))
        source = f"/vsizip/{p}/{member}"
    elif suffix == ".kmz":
        source = f"/vsizip/{p}/{_zip_member(p, ('.kml',))}"
    if suffix == ".shp" or (member or "").lower().endswith(".shp"):
        encoding = _shapefile_checks(p, member, encoding, what, hints, problems)
    source_crs = True
    if suffix in (".geojson", ".json"):
        present, named = geojson_crs_member(p)
        source_crs = present
        if named is not None:
            normalize_crs(named, f"{what}: the GeoJSON's \"crs\" member")

    names = _layer_names(source, what)
    if layer is not None and layer not in names:
        raise ReadError(bi(f"{what}: no layer {layer!r}; the file has layers {names}",
                           f"没有图层 {layer!r}；文件中的图层为 {names}"))
    kwargs = {"encoding": encoding} if encoding else {}
    reasons = None
    try:
        with warnings.catch_warnings(record=True) as caught, _kml_names():
            warnings.simplefilter("always")
            if layer is None and len(names) > 1 and source.lower().endswith(".kml"):
                frames = [pyogrio.read_dataframe(source, layer=n, **kwargs) for n in names]
                gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)
            elif layer is None and len(names) > 1:
                fix = fix_hint(hints, 'layer')
                raise ReadError(bi(f"{what}: the file has several layers {names}; say which one "
                                   f"with {fix}", f"文件有多个图层 {names}；请用 "
                                   f"{fix_hint(hints, 'layer', lang='zh')} "
                                   "指定要读取的图层"))
            else:
                gdf = pyogrio.read_dataframe(source, layer=layer, **kwargs)
    except ReadError:
        raise
    except Exception as exc:
        cut = (cut_field_names(dbf_bytes(p, member)[0]) if isinstance(exc, UnicodeDecodeError)
               and (suffix == ".shp" or (member or "").lower().endswith(".shp")) else [])
        if cut:
            raise ReadError(cut_names_message(cut, what)) from None
        if isinstance(exc, UnicodeDecodeError) and encoding:  # the encoding said is wrong
            fix = fix_hint(hints, "encoding")
            raise ReadError(bi(
                f"{what}: cannot read its attribute text as {encoding} ({exc.reason}): the "
                f"file is in another encoding; remove the encoding setting (siting then detects "
                f"it) or give the right one ({fix}: GB18030 reads GBK and GB2312 files)",
                f"无法按 {encoding} 读取属性文本：文件使用其他编码；请删除编码设置（由本工具自动识别），"
                f"或指定正确的编码（{fix_hint(hints, 'encoding', lang='zh')}：GB18030 可读取 GBK、"
                "GB2312 文件）")) from None
        if suffix not in (".geojson", ".json"):
            raise ReadError(bi(f"{what}: cannot read ({_gdal_message(exc)}); check that the "
                               "file is complete and in a supported format",
                               f"无法读取（{_gdal_message(exc)}）；请检查文件是否完整、"
                               "格式是否受支持")) from None
        gdf, reasons = read_geojson_features(p, what)
        bad = [rephrase(why, f"feature {label}: {{}}", f"要素 {label}：{{}}")
               for label, why in zip(feature_labels(gdf, id_column=id_column), reasons) if why]
        if not feature_errors or not bad:
            gdal = _gdal_message(exc)
            raise ReadError(rephrase(joined(bad[:5]), f"{what}: cannot read ({gdal}); {{}}; fix "
                                     "these features", f"无法读取（{gdal}）；{{}}；请修正这些要素")
                            if bad else bi(f"{what}: cannot read ({gdal}); check that the file "
                                           "is complete and valid GeoJSON",
                                           f"无法读取（{gdal}）；请检查文件是否完整、是否为"
                                           "有效的 GeoJSON")) from None
        caught = []
    if not isinstance(gdf, gpd.GeoDataFrame):  # a table GDAL read without any geometry
        raise ReadError(f"{what}: a table without geometry (a spreadsheet, a CSV without a "
                        "geometry column); give the features with their shapes as GeoJSON, "
                        "GeoPackage (.gpkg) or Shapefile (.shp), e.g. exported from QGIS / "
                        "文件不含几何（表格），请提供 GeoJSON、GeoPackage 或 Shapefile 文件")
    problems += [Problem(None, "gdal", bi(f"{what}: the reader (GDAL) warned: {w.message}",
                                          f"读取程序（GDAL）警告：{w.message}"),
                         "warning") for w in caught
                 if not issubclass(w.category, DeprecationWarning)]
    return _finish(gdf, crs, what, problems, hints, feature_errors, source_crs, reasons,
                   id_column)


def _shapefile_checks(p: Path, member: str | None, encoding: str | None, what: str,
                      hints: dict | None, problems: list[Problem]) -> str | None:
    """A shapefile's encoding (declared, else detected) and a problem for a missing .dbf."""
    dbf, has_cpg = dbf_bytes(p, member)
    if dbf is None:
        problems.append(Problem(None, "no_dbf", bi(
            f"{what}: no .dbf file beside the .shp: the features have no attributes; copy the "
            ".dbf (and .cpg) beside it", ".shp 旁没有 .dbf 文件，要素没有属性；请把 .dbf"
            "（及 .cpg）复制到其旁边"), "warning"))
    if encoding is not None or has_cpg or dbf is None:
        return encoding
    guessed = detect_dbf_encoding(dbf)
    if guessed:
        fix = fix_hint(hints, 'encoding', None)
        msg = bi(f"{what}: no .cpg file; attribute text detected as {guessed} and decoded so. "
                 f"Add a .cpg file (or {fix}) to make it explicit", f"没有 .cpg 文件；属性"
                 f"文本按检测到的 {guessed} 解码。请添加 .cpg 文件（或 "
                 f"{fix_hint(hints, 'encoding', lang='zh')}）以明确编码")
        problems.append(Problem(None, "encoding", msg))
        warnings.warn(msg, EncodingGuessWarning, stacklevel=3)
    return guessed


def _read_parquet(path: Path, what: str) -> gpd.GeoDataFrame:
    try:
        return gpd.read_parquet(path)
    except Exception as exc:  # pyarrow and geopandas raise several types
        raise ReadError(bi(f"{what}: cannot read as GeoParquet ({exc}); check that the file is "
                           "complete and has GeoParquet metadata", f"无法按 GeoParquet "
                           f"读取（{exc}）；请检查文件是否完整、是否含 GeoParquet 元数据")) from None


def _finish(
    gdf: gpd.GeoDataFrame, crs: object, what: str, problems: list[Problem],
    hints: dict | None, feature_errors: bool, source_crs: bool = True,
    reasons: list[str] | None = None, id_column: str | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Settle the CRS, check it against the coordinates, clean geometry (features named by
    ``id_column`` where given, see :func:`layers.hygiene.feature_labels`)."""
    geojson_default = gdf.crs is not None and not source_crs
    if gdf.crs is None or (geojson_default and crs is not None):
        if crs is None:
            raise CRSError(no_crs_message(np.asarray(gdf.geometry.values, dtype=object), what, hints))
        gdf = gdf.set_crs(normalize_crs(crs, what), allow_override=True)
        how = "declared"
    elif geojson_default:
        how = "geojson"
    else:
        how = "embedded"
        if crs is not None and normalize_crs(crs, what) != gdf.crs:
            problems.append(Problem(None, "crs", f"{what}: the source declares "
                                    f"{describe_crs(gdf.crs)}; the declared crs {crs!r} is only "
                                    "used for sources without one and was ignored", "note"))
    gdf = gdf.reset_index(drop=True)
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    why = check_placement(geoms, gdf.crs, lambda code, text: misfit_refusal(code, text, what, how,
                                                                      crs, hints))
    if reasons is not None:
        why = np.where(why == "", np.asarray(reasons, dtype=object), why)
    bad = why != ""
    labels = feature_labels(gdf, feature_errors, id_column)  # project ids may repeat
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = None
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, crs=gdf.crs))
        for i in np.flatnonzero(bad):
            problems.append(Problem(labels[i], "bad_coordinates", rephrase(
                why[i], f"{what}: {KEPT[0]}", f"{KEPT[1]}"), "error"))
        if not feature_errors:
            n, some = int(bad.sum()), f"{', '.join(labels[bad][:5])}{' ...' if bad.sum() > 5 else ''}"
            problems.append(Problem(None, "bad_coordinates", bi(
                f"{what}: {n} feature(s) cannot be placed ({some}); fix them in the source: the "
                "layer is not used until then",
                f"{n} 个要素无法定位（{some}）；请在源数据中修正，修正前不使用该图层"),
                "error"))
    note = datum_note(gdf.crs, CGCS2000, what)
    if note:
        problems.append(Problem(None, "datum", note, "warning"))
    drawn = np.asarray(gdf.geometry.values, dtype=object)
    gdf, geom_problems = clean_geometries(gdf, what, reported=bad, positional=feature_errors,
                                           mark=feature_errors, id_column=id_column)
    if feature_errors:
        g = np.asarray(gdf.geometry.values, dtype=object)
        gone = ~bad & ~(shapely.is_missing(drawn) | shapely.is_empty(drawn)) & (
            shapely.is_missing(g) | shapely.is_empty(g))  # nothing left after repair
        why = why.astype(object)
        for i in np.flatnonzero(gone):
            why[i] = unrepairable_note(shapely.is_valid_reason(drawn[i]))
        if gone.any():  # kept without geometry, as a row that cannot be placed
            gdf = gdf.set_geometry(gpd.GeoSeries(np.where(gone, None, g), index=gdf.index,
                                                 crs=gdf.crs))
        gdf[READ_ERROR] = [rephrase(w, f"feature {lab}: {{}}", f"要素 {lab}：{{}}") if w else ""
                           for lab, w in zip(labels, why)]
        gdf[READ_ROW] = [f"feature #{i + 1}" for i in range(len(gdf))]
    return gdf, problems + geom_problems


SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")
"""The files of a shapefile whose bytes are its data."""


def data_sha256(path: str | Path) -> str:
    """SHA-256 (hex) of a vector source's bytes (:func:`files_sha256`): the file, a shapefile's
    parts, or every file of a folder source (e.g. a FileGDB); what a report ID records of the
    data."""
    path = Path(path)
    if path.is_dir():
        return files_sha256(sorted(f for f in path.rglob("*") if f.is_file()))
    if path.suffix.lower() == ".shp":
        return files_sha256([path] + [f for f in (path.with_suffix(s) for s in SHAPEFILE_PARTS[1:])
                                      if f.is_file()])  # the .shp itself must be there
    return files_sha256([path])


def files_sha256(files: list) -> str:
    """SHA-256 (hex) of files: of its bytes for one file (what ``sha256sum`` prints, so a
    reviewer can check it), else of each file's name and SHA-256 in the order given."""
    import hashlib

    def one(f) -> bytes:
        with open(f, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").digest()

    if len(files) == 1:
        return one(files[0]).hex()
    h = hashlib.sha256()
    for f in files:
        h.update(Path(f).name.encode() + b"\0" + one(f))
    return h.hexdigest()
