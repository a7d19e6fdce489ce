"""Geometry hygiene: repair what can be repaired, report every change, drop nothing.

Each feature that was repaired, is null or empty, or lost its Z values is named in a
:class:`Problem`. Null and empty geometries are kept so that every input row reaches every output.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import shapely

from layers.errors import bi, halves, place_zh

SEVERITIES = ("error", "warning", "note")
SEVERITY_ZH = {"warning": "警告", "error": "错误", "info": "提示", "note": "说明"}
"""The severities of problems in Chinese."""
_PLACES = ("row ", "rows ", "feature ", "parcel ")
"""How readers begin a feature label that names a place (:data:`READ_ROW`)."""

READ_ROW = "_read_row"
"""Column of the footprint readers: where each feature is in its file, in the words a user finds
it by there: ``row 3`` of a table (its spreadsheet row: the header is row 1), ``rows 2-5`` for a
polygon made of table rows, ``feature #3`` of a vector file (the third feature), ``parcel at line
14`` of a boundary-point TXT. Messages about an input row name it so."""

REPAIRED = "_repaired"
"""Column of the footprint readers: how the row's invalid geometry was repaired with make_valid,
a bilingual text (``self-intersection at 106.61 26.71 / 自相交，位于 106.61, 26.71``; its halves
by :func:`layers.errors.halves`), ``""`` for a row read as drawn. The repaired shape may not be
what was drawn, so callers must not judge it as if it were (see :func:`repair_note`)."""
REPAIR_HINT = "_repair_hint"
"""Column a table reader may add before cleaning: what to check in the rows of a feature should
its geometry need a repair, bilingual (``edge 序号 2→3 crosses edge 序号 4→1 / 序号 2→3 的边与序号
4→1 的边相交``); each half appended to that of :data:`REPAIRED`, and the column dropped."""

_REASON_ZH = {"self-intersection": "自相交", "ring self-intersection": "边界环自相交",
              "hole lies outside shell": "内环在外环之外", "nested holes": "内环嵌套",
              "interior is disconnected": "内部不连通", "nested shells": "外环嵌套",
              "duplicate rings": "边界环重复", "too few points": "点数过少",
              "ring is not closed": "边界环未闭合"}


@dataclass(frozen=True)
class Problem:
    """One thing found while reading a source.

    Attributes
    ----------
    feature : str or None
        The feature (id) it concerns, or None for the whole source.
    code : str
        Short machine code: ``repaired``, ``null``, ``empty``, ``z_dropped``, ``encoding``,
        ``crs``, ``bad_value``, ``geometry_type`` ...
    message : str
        What was found and what was done, for a person.
    severity : str
        ``error`` (the source or feature is unusable), ``warning`` or ``note``.
    """

    feature: str | None
    code: str
    message: str
    severity: str = "warning"

    def to_dict(self) -> dict:
        """The problem as a plain dict (for JSON output)."""
        return asdict(self)

    def __str__(self) -> str:
        where = f"feature {self.feature}: " if self.feature is not None else ""
        return f"[{self.severity}] {where}{self.message}"


COARSE_ACCURACY_M = 100.0
"""Stated positional accuracies above this [m] are warned about: coarser than 1:200,000
mapping, more likely a typing slip (5000 for 5) than a zoning layer's real accuracy."""


def coarse_accuracy(layer_id: str, accuracy_m: float | None) -> list[Problem]:
    """A warning when a layer's stated ``accuracy_m`` [m] is implausibly coarse
    (:data:`COARSE_ACCURACY_M`): overlaps shallower than it are undetermined (review, not
    prohibited), so a slip softens verdicts without anyone seeing why."""
    if accuracy_m is None or accuracy_m <= COARSE_ACCURACY_M:
        return []
    return [Problem(None, "accuracy", str(bi(
        f"layer {layer_id!r}: accuracy_m = {accuracy_m:g} m is coarser than "
        f"{COARSE_ACCURACY_M:g} m; overlaps shallower than it give review instead of "
        "prohibited: check the catalog value",
        f"图层 {layer_id!r} 的位置精度 accuracy_m = {accuracy_m:g} 米，粗于 {COARSE_ACCURACY_M:g} 米；"
        "重叠深度小于该值的项目将判为需论证而非禁止：请核对图层目录中的数值")), "warning")]


def problem_line(p, name: str = "", lang: str = "en") -> str:
    """One problem as a terminal line: severity, the feature or row it is about, the message.

    Under ``zh`` a message with a Chinese half reads in Chinese first (``警告：要素 #1 (B1)：
    无效几何图形… / feature #1 (B1): invalid geometry …``); otherwise as the reader wrote it
    (``warning: feature #1 (B1): invalid geometry … / 无效几何图形…``).
    """
    where = "" if p.feature is None else str(p.feature) if str(p.feature).startswith(
        _PLACES) else f"feature {p.feature}"  # a table's 'row 3' is not a feature
    message = p.message.removeprefix(name + ": ") if name else p.message
    en, zh = halves(message)
    if lang == "zh" and zh:
        english = f"{where}: {en}" if where else en
        return (f"{SEVERITY_ZH.get(p.severity, p.severity)}：" + (f"{place_zh(where)}：" if where
                else "") + f"{zh} / {english}")
    return f"{p.severity}: " + (f"{where}: " if where else "") + message


_DIMENSION = {"Point": 0, "MultiPoint": 0, "LineString": 1, "MultiLineString": 1,
              "LinearRing": 1, "Polygon": 2, "MultiPolygon": 2}


_LABEL_COLUMNS = ("id", "project_id", "ID", "fid", "FID")


def feature_labels(gdf: gpd.GeoDataFrame, positional: bool = False,
                   id_column: str | None = None) -> np.ndarray:
    """Labels for features in messages: ``#row`` and, when the source has one, its id.

    The id comes from ``id_column`` (the source column a catalog maps to the kind's ``id``),
    else the first of ``id``, ``project_id``, ``ID``, ``fid``, ``FID``; without an id column (or
    where it is blank) the label is the row number ``#1``, ``#2`` ...

    Parameters
    ----------
    gdf : GeoDataFrame
        The features, in file order.
    positional : bool
        True for files whose ids may repeat (project footprints, where a repeated id is itself
        an error): always the place in the file, followed by the id where there is one
        (``#3 (B)``), so that two features with one id are told apart.
    """
    rows = np.array([f"#{i + 1}" for i in range(len(gdf))], dtype=object)
    column = next((c for c in (id_column, *_LABEL_COLUMNS) if c and c in gdf.columns), None)
    if column is None:
        return rows
    ids = gdf[column].astype(object).where(gdf[column].notna(), "").astype(str).str.strip()
    ids = ids.to_numpy()
    if positional:
        return np.array([f"{r} ({i})" if i else r for r, i in zip(rows, ids)], dtype=object)
    return np.where(ids != "", ids, rows).astype(object)


def _keep_dimension(geom: shapely.Geometry, dim: int) -> shapely.Geometry:
    """From a make_valid result keep only the parts of the original's dimension."""
    if geom is None:
        return geom
    if shapely.get_dimensions(geom) == dim and not isinstance(geom, shapely.GeometryCollection):
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dim]
    if not parts:
        return shapely.from_wkt("GEOMETRYCOLLECTION EMPTY")
    if dim == 2:
        return shapely.union_all(parts)
    if dim == 1:
        return shapely.line_merge(shapely.multilinestrings(parts))
    return shapely.multipoints(parts)


def repair_text(reason: str) -> str:
    """A GEOS validity reason as a note for people: ``Self-intersection[106.61 26.71]`` →
    ``self-intersection at 106.61 26.71`` (coordinates in the source's CRS, 6 decimals at most).
    """
    m = re.fullmatch(r"\s*(.*?)\s*\[([^\]]*)\]\s*", str(reason))
    if not m:
        return str(reason).strip().lower()
    where = []
    for v in m.group(2).split():
        try:
            where.append(f"{float(v):.6f}".rstrip("0").rstrip("."))
        except ValueError:
            where.append(v)
    return f"{m.group(1).lower()} at {' '.join(where)}" if where else m.group(1).lower()


def repair_text_zh(text: str) -> str:
    """The Chinese words of a :func:`repair_text` note's kind (``自相交``), else ``几何无效``."""
    kind = str(text).split(" at ")[0].split(";")[0].strip().lower()
    return _REASON_ZH.get(kind, "几何无效")


def _reason_zh(reason: str) -> str:
    """A GEOS validity reason in Chinese: ``自相交，位于 106.61, 26.71``."""
    text = repair_text(reason)
    where = text.split(" at ", 1)[1].split() if " at " in text else []
    return repair_text_zh(text) + (f"，位于 {', '.join(where)}" if where else "")


def repair_note(reason: str) -> str:
    """The :data:`REPAIRED` text of a GEOS validity reason: ``Self-intersection[106.61 26.71]``
    → ``self-intersection at 106.61 26.71 / 自相交，位于 106.61, 26.71``."""
    return str(bi(repair_text(reason), _reason_zh(reason)))


def unrepairable_note(reason: str) -> str:
    """A feature's error when its invalid geometry could not be repaired (nothing of its
    dimension is left of it), with the fix: ``invalid geometry (self-intersection at …) could
    not be repaired; redraw the outline / …``. The one wording of every reader (a footprint's
    row, the console's problem, a layer's feature) and of a project table given as is."""
    return str(_unrepairable(reason))


def _unrepairable(reason: str):
    """:func:`unrepairable_note` with its halves (:class:`layers.errors.Bilingual`)."""
    return bi(f"invalid geometry ({repair_text(reason)}) could not be repaired; redraw the "
              "outline", f"几何图形无效（{_reason_zh(reason)}），无法修复；请重新绘制范围")


def with_hint(note: object, hint: object) -> str:
    """A :data:`REPAIRED` note with each half followed by that of a :data:`REPAIR_HINT` (after
    ``; `` / ``；``); ``note`` alone when either is empty."""
    if not note or not hint:
        return str(note or "")
    en, zh = halves(note)
    h_en, h_zh = halves(hint)
    return str(bi(f"{en}; {h_en}", f"{zh or en}；{h_zh or h_en}"))


def clean_geometries(
    gdf: gpd.GeoDataFrame, what: str = "layer", reported: np.ndarray | None = None,
    positional: bool = False, mark: bool = False, id_column: str | None = None,
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Repair invalid geometries, drop Z values, and report null or empty geometries.

    Parameters
    ----------
    gdf : GeoDataFrame
        Features in any CRS; not modified.
    what : str
        Name of the source for messages.
    reported : array of bool, optional
        Features whose missing geometry the caller has reported already (not reported again).
    positional : bool
        Name features by their place in the file (see :func:`feature_labels`).
    mark : bool
        Add column :data:`REPAIRED`: for each row whose geometry was repaired, how
        (:func:`repair_note`), else ``""`` (footprint readers: the caller must know which rows
        were not judged on their drawn shape).
    id_column : str, optional
        The source column that names features (see :func:`feature_labels`).

    Returns
    -------
    (GeoDataFrame, list of Problem)
        The same rows in the same order, with repaired 2D geometries, and one problem per
        repaired, null or empty feature (plus one note when Z values were dropped).
    """
    out = gdf.copy()
    geoms = out.geometry.to_numpy()
    labels = feature_labels(out, positional, id_column)
    problems: list[Problem] = []

    done = np.zeros(len(geoms), dtype=bool) if reported is None else np.asarray(reported, bool)
    for i in np.flatnonzero(shapely.is_missing(geoms) & ~done):
        problems.append(Problem(labels[i], "null", bi(
            f"{what}: no geometry (null); kept, it cannot be placed",
            "没有几何图形（空值）；已保留，但无法定位"), "error"))
    present = ~shapely.is_missing(geoms)
    for i in np.flatnonzero(present & shapely.is_empty(geoms)):
        problems.append(Problem(labels[i], "empty", bi(
            f"{what}: empty geometry; kept, it cannot be placed",
            "几何图形为空；已保留，但无法定位"), "error"))

    has_z = present & shapely.has_z(geoms)
    if has_z.any():
        geoms = geoms.copy()
        geoms[has_z] = shapely.force_2d(geoms[has_z])
        n = int(has_z.sum())
        problems.append(Problem(None, "z_dropped", bi(
            f"{what}: Z values dropped from {n} feature(s); analysis is 2D",
            f"已去掉 {n} 个要素的 Z 值；分析按二维进行"), "note"))

    invalid = present & ~shapely.is_empty(geoms) & ~shapely.is_valid(geoms)
    marks = np.full(len(geoms), "", dtype=object)
    if invalid.any():
        geoms = geoms.copy()
        reasons = shapely.is_valid_reason(geoms[invalid])
        repaired = shapely.make_valid(geoms[invalid])
        for j, i in enumerate(np.flatnonzero(invalid)):
            dim = _DIMENSION.get(geoms[i].geom_type, 2)
            fixed = _keep_dimension(repaired[j], dim)
            geoms[i] = fixed
            if fixed is None or shapely.is_empty(fixed):
                note = _unrepairable(reasons[j])
                problems.append(Problem(labels[i], "unrepairable", bi(f"{what}: {note.en}",
                                                                      note.zh), "error"))
            else:
                marks[i] = repair_note(reasons[j])
                problems.append(Problem(labels[i], "repaired", bi(
                    f"{what}: invalid geometry ({reasons[j]}) repaired with make_valid",
                    f"无效几何图形（{_reason_zh(reasons[j])}）已用 make_valid 修复")))
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=out.crs))
    if mark:
        out[REPAIRED] = marks
    return out, problems


GEOMETRY_TYPES = {"polygon": ("Polygon", "MultiPolygon"),
                  "line": ("LineString", "MultiLineString"),
                  "point": ("Point", "MultiPoint")}


def geometry_type_problems(gdf: gpd.GeoDataFrame, kind, what: str) -> list[Problem]:
    """A layer-level error when features are not of the geometry types of their kind.

    Parameters
    ----------
    gdf : GeoDataFrame
        Typed features (column ``id``).
    kind : layers.kinds.LayerKind
        Its ``geometries`` (``polygon``, ``line``, ``point``) are the types accepted.
    what : str
        The layer, for messages.

    Returns
    -------
    list of Problem
        Empty, or one ``geometry_type`` error (the layer is unusable) naming how many features
        have which other types and a few of their ids.
    """
    allowed = [t for g in kind.geometries for t in GEOMETRY_TYPES[g]]
    g = np.asarray(gdf.geometry.values, dtype=object)
    present = ~(shapely.is_missing(g) | shapely.is_empty(g))
    wrong = present & ~gdf.geom_type.isin(allowed).to_numpy()
    if not wrong.any():
        return []
    found = gdf.geom_type[wrong].value_counts()  # wrong: a boolean array
    types = ", ".join(f"{n} {t}" for t, n in found.items())
    ids = gdf.loc[wrong, "id"].astype(str).tolist() if "id" in gdf.columns else []
    expected = " or ".join(kind.geometries)
    return [Problem(None, "geometry_type", bi(
        f"{what}: {int(wrong.sum())} of {len(gdf)} features are not {expected} as kind {kind.id} "
        f"expects ({types}; e.g. features {', '.join(ids[:5])}); the layer is not used. Check "
        "that the layer is of this kind, or fix its geometries",
        f"{len(gdf)} 个要素中有 {int(wrong.sum())} 个不是图层类型 {kind.id} 要求的 {expected}"
        f"（{types}；例如要素 {', '.join(ids[:5])}）；该图层不予使用。请检查图层类型，或修正其几何图形"),
        "error")]
