"""The user's own candidate sites (``siting score --candidates``), read as projects are.

One reader for every footprint file (:func:`layers.footprints.read_footprints`, the reader of
``siting screen``): the same formats, CRS and encoding checks, the same fixes named on the
command being run, and a bad feature that becomes a row of its own instead of failing the file.
The id and name columns are recognised under the projects' headers (``编号``, ``地块编号``,
``名称`` ...; :func:`geo.projects.canonical_columns`) as well as ``site_id``, ``id``, ``fid``.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.projects import canonical_columns, project_ids
from layers.errors import InputError, bi, joined, place_zh
from layers.hygiene import READ_ROW, REPAIRED, Problem
from layers.kinds import cell_text

INPUT_ERROR = "_input_error"
"""Column of :func:`candidate_table`: why a candidate cannot be scored (``""`` when it can)."""
ID_FIRST = ("site_id", "site", "地块id")
"""Id columns recognised before the projects' id headers (``fid`` comes after them)."""
NAME_FIRST = ("site_name", "地块名称")
"""Name columns recognised before the projects' name headers."""


def _column(columns: list, first: tuple[str, ...], canonical: str,
            last: tuple[str, ...] = ()) -> object | None:
    """The first source column named in ``first``, else the one the projects' headers map to
    ``canonical``, else the first in ``last`` (names compared stripped and lower-cased)."""
    low = {str(c).strip().lower(): c for c in reversed(columns)}
    found = next((low[k] for k in first if k in low), None)
    if found is None:
        found = next((c for c, k in canonical_columns(list(columns)).items() if k == canonical),
                     None)
    return found if found is not None else next((low[k] for k in last if k in low), None)


def _filled(frame: pd.DataFrame, columns: list) -> list:
    """The columns holding at least one value: an all-blank column (KML's standard ``id``
    beside the user's ``地块编号`` in ExtendedData) is never taken as the id column."""
    return [c for c in columns if frame[c].map(cell_text).str.strip().ne("").any()]


def _not_areas(geoms: np.ndarray, where: list[str], ids: list[str], errors: list[str],
               what: str) -> list[Problem]:
    """Points, lines and collections are no candidate: each such row becomes an error naming
    its place and id (in ``errors``, in place) and a problem (printed with the reader's); a
    hint when every placed candidate is a point (a vertex table read without its order column,
    or a file of centres)."""
    placed = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    kinds = np.array(shapely.get_type_id(geoms))
    wrong = placed & ~np.isin(kinds, (3, 6))           # Polygon, MultiPolygon
    problems = []
    for i in np.flatnonzero(wrong):
        text = bi(f"{where[i]} ({ids[i]}): not a polygon ({geoms[i].geom_type}): a candidate "
                  "must be an area; draw it as a polygon", f"{place_zh(where[i])}（{ids[i]}）："
                  f"不是面（{geoms[i].geom_type}）：候选地块须为面，请绘制为多边形")
        errors[i] = joined([errors[i], text]) if errors[i] else text
        problems.append(Problem(None, "geometry_type", text, "error"))
    points = placed & np.isin(kinds, (0, 4))
    if points.any() and points.sum() == placed.sum():
        problems.append(Problem(None, "all_points", (
            f"{what}: every candidate is a point: for parcels give several vertex rows per id "
            "with an order column (序号), or polygons / 所有候选地块均为点：地块请按编号给出多行"
            "界址点并附序号列，或提供面数据"), "warning"))
    return problems


def candidate_table(gdf: gpd.GeoDataFrame, what: str = "candidates"
                    ) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """The user's polygons as candidates (``source_kind`` = ``user``), in their own CRS.

    Parameters
    ----------
    gdf : GeoDataFrame
        The user's features. A ``_read_error`` column (rows the reader could not place) and a
        ``_read_row`` column (:data:`layers.hygiene.READ_ROW`, where each row is in the file)
        are used when present.
    what : str
        The source's name for messages.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        Columns ``site_id`` (``user:<id>``), ``source_kind``, ``source_id``, ``name``,
        ``facts``, :data:`INPUT_ERROR` (the reader's reason, a duplicate id, or not a polygon)
        and :data:`layers.hygiene.REPAIRED` (how the reader repaired the outline); same rows,
        same order. Ids are the file's own (blank ones named by their place, ``row-3``); without
        an id column, ``1``, ``2`` ... by input order. A repeated id is an error of that row,
        which is called ``<id>-2`` so that every site id stays distinct. Problems: a warning when
        no id or name column was recognised (naming the columns found), one per duplicate id,
        one error per row that is not a polygon, a hint when every candidate is a point.
    """
    src = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    n = len(src)
    where = (src[READ_ROW].astype(str).tolist() if READ_ROW in src
             else [f"feature #{i + 1}" for i in range(n)])
    errors = (src["_read_error"].map(cell_text).tolist() if "_read_error" in src else [""] * n)
    repaired = (src[REPAIRED].map(cell_text).tolist() if REPAIRED in src else [""] * n)
    own = [c for c in src.columns if c not in (READ_ROW, "_read_error", REPAIRED)]
    problems: list[Problem] = []
    id_col = _column(_filled(src, own), ID_FIRST, "project_id", ("fid",))
    name_col = _column(own, NAME_FIRST, "name")
    if id_col is None:
        given = [str(i + 1) for i in range(n)]
        if own:
            problems.append(Problem(None, "no_id_column", (
                f"{what}: no id column (site_id, id, 编号, 地块编号 ...) among the columns "
                f"{', '.join(map(str, own))}: the sites are numbered 1, 2 ... in input order; "
                "rename your id column to site_id to keep your own ids / 在列 "
                f"{', '.join(map(str, own))} 中未识别出编号列（site_id、id、编号、地块编号等）："
                "地块按输入顺序编号为 1、2……；要保留自己的编号，请把编号列改名为 site_id"),
                "warning"))
    else:
        given = project_ids(src[id_col].map(cell_text).tolist(), 4, where)
    if name_col is None and [c for c in own if c != id_col]:
        problems.append(Problem(None, "no_name_column", (
            f"{what}: no name column (name, 名称, 项目名称 ...) among the columns "
            f"{', '.join(map(str, own))}: the sites have no names; rename your name column to "
            f"name / 在列 {', '.join(map(str, own))} 中未识别出名称列（name、名称、项目名称等）："
            "地块没有名称；请把名称列改名为 name"), "warning"))
    ids, taken, first = list(given), set(given), {}
    for i, sid in enumerate(given):
        if sid not in first:
            first[sid] = i
            continue
        k, new = 2, f"{sid}-2"
        while new in taken:
            k += 1
            new = f"{sid}-{k}"
        ids[i] = new
        taken.add(new)
        text = bi(f"duplicate site id {sid!r} ({where[i]}, first used by {where[first[sid]]}): "
                  f"not scored, called {new!r}; give each site its own id",
                  f"地块编号 {sid!r} 重复（{place_zh(where[i])}，首次用于{place_zh(where[first[sid]])}）"
                  f"：未评分，记为 {new!r}；请给每个地块不同的编号")
        errors[i] = joined([errors[i], text]) if errors[i] else text
        problems.append(Problem(None, "duplicate_id", text, "warning"))
    names = src[name_col].map(cell_text).tolist() if name_col is not None else [""] * n
    geoms = np.asarray(gdf.geometry.values, dtype=object)
    problems += _not_areas(geoms, where, ids, errors, what)
    out = gpd.GeoDataFrame({"site_id": ["user:" + i for i in ids], "source_kind": "user",
                            "source_id": given, "name": names, "facts": [{}] * n,
                            INPUT_ERROR: errors, REPAIRED: repaired},
                           geometry=geoms, crs=gdf.crs)
    return out, problems


def read_candidates(path: str | Path, coords: str | None = None, layer: str | None = None,
                    crs: object = None, encoding: str | None = None,
                    hints: dict[str, str] | None = None) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Read a candidates file with the projects' reader.

    Parameters
    ----------
    path : str or Path
        Any file :func:`layers.footprints.read_footprints` reads (vector files, CSV/XLSX with a
        WKT or coordinate columns).
    coords, layer, crs, encoding, hints : optional
        As for :func:`geo.projects.read_projects`; ``hints`` names the fixes on the command
        being run (``{"crs": "--crs EPSG:4544", ...}``).

    Returns
    -------
    (GeoDataFrame, list of Problem)
        :func:`candidate_table` of the file; the reader's problems, then the table's.

    Raises
    ------
    InputError
        The file cannot be read as a whole (no CRS, several layers, unreadable), or has no
        features.
    """
    from layers.footprints import read_footprints

    gdf, problems = read_footprints(path, coords=coords, layer=layer, crs=crs,
                                    encoding=encoding, hints=hints)
    if not len(gdf):
        raise InputError(f"{path}: no features: give at least one candidate polygon / "
                         "候选地块文件没有要素：请至少给出一个候选地块多边形")
    out, more = candidate_table(gdf, str(path))
    return out, _named(problems, gdf) + more


def _named(problems: list[Problem], gdf: gpd.GeoDataFrame) -> list[Problem]:
    """The reader's problems with each feature named by its id as well as its place (``#1`` →
    ``#1 (SP)``), as ``siting screen`` names it: the vector reader knows only the ids of
    ``id``/``project_id`` columns, not a candidate's ``site_id``, ``地块编号`` ..."""
    own = [c for c in gdf.columns if c not in (gdf.geometry.name, READ_ROW, "_read_error",
                                                REPAIRED)]
    id_col = _column(_filled(gdf, own), ID_FIRST, "project_id", ("fid",))
    if id_col is None:
        return problems
    ids = gdf[id_col].map(cell_text).tolist()
    out = []
    for p in problems:
        m = re.fullmatch(r"#(\d+)", str(p.feature))
        if m and 0 < int(m[1]) <= len(ids) and ids[int(m[1]) - 1]:
            p = replace(p, feature=f"{p.feature} ({ids[int(m[1]) - 1]})")
        out.append(p)
    return out
