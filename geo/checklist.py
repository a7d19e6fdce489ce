"""The checklist of a screening: per project, every layer kind the rules use and what was found.

A reviewer signs a verdict only when the page shows what was checked and found clear as well as
what was hit. This module turns the two tables of :func:`geo.screen` into that checklist with
array operations (no decision is made again: the statuses only sort the evidence the screening
recorded):

:func:`feature_evidence`
    One row per (project, layer feature) the hits name: overlap, share, distance, the rules that
    cite it, whether it is only a boundary contact and whether a fact of it is unknown.
:func:`checklist`
    One row per (project, layer kind): a :data:`STATUSES` value with totals over the features
    (overlap [m²], share, length for lines, features), the nearest distance, unknown facts and
    the worst outcome of the kind's hits.
:func:`locations`
    Centroid longitude/latitude, area [m², ha, 亩] or length [m] of every footprint.

Totals are sums over the distinct features of a kind; features of one layer that overlap one
another are counted once each, so the sum can exceed the area they cover together:
``overlap_share_sum > 1`` marks that case for the reader.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from geo.evaluate import TEXT
from geo.grouping import distinct_pairs, group_join, object_frame, row_key, split_parts
from geo.rules import SEVERITY

__all__ = ["FEATURE_COLUMNS", "M2_PER_MU", "STATUSES", "Positions", "checklist",
           "checked_kinds", "feature_evidence", "footprint_dims", "judged", "locations",
           "per_kind", "search_radius", "unknown_reason", "worst_outcome"]

M2_PER_MU = 10_000 / 15
"""Square metres in one 亩 (mu): 666.67 m²."""

STATUSES = ("not_provided", "unusable", "occupied", "contact", "within", "meets", "near",
            "clear")
"""What the checklist says of a layer kind for a project, in this order of precedence:

``not_provided`` / ``unusable``: the catalog has no usable layer of the kind: not checked;
``occupied``: the footprint overlaps, crosses or lies in at least one feature (beyond the
boundary-contact tolerance); ``contact``: only boundary contacts within the tolerance;
``within``: a distance rule found features within its distance; ``meets``: the footprint lies in
or touches a feature but no rule of the set applies to this project there; ``near``: the nearest
feature is at ``distance_m`` (within the search radius); ``clear``: no feature within the search
radius.
"""

FEATURE_COLUMNS = ("row", "kind", "layer_id", "feature_id", "feature_name", "overlap_m2",
                   "overlap_share", "distance_m", "contact", "unknown", "outcome", "rules",
                   "titles")
"""Columns of :func:`feature_evidence`."""

_OUTCOMES = np.array(["", "admitted", "review", "prohibited"], dtype=object)


def unknown_reason(message: pd.Series | np.ndarray) -> np.ndarray:
    """The reason inside an ``unknown`` hit's message (which feature, which attribute, the fix),
    without the words around it; messages of another form are returned as they are."""
    out = np.array([m if isinstance(m, str) else "" for m in np.asarray(message, dtype=object)],
                   dtype=object)
    s = pd.Series(out, dtype=object)
    for lang in TEXT:
        head, tail = TEXT[lang]["unknown"].split("{reason}")
        fit = (s.str.startswith(head) & s.str.endswith(tail)).to_numpy(dtype=bool)
        if fit.any():
            out[fit] = s[fit].str.slice(len(head), -len(tail) if tail else None).to_numpy(
                dtype=object)
    return out


def worst_outcome(keys, outcome, n: int) -> np.ndarray:
    """Per key in ``range(n)``, the worst of its ``outcome`` values: ``prohibited``, ``review``
    or ``admitted`` (errors count as prohibited), ``""`` for none or only contacts."""
    rank = {k: min(v, 3) for k, v in SEVERITY.items() if k != "contact"}
    worst = np.zeros(n, dtype=int)
    codes, values = pd.factorize(np.asarray(outcome, dtype=object))  # a rank per distinct value
    ranks = np.array([rank.get(v, 0) for v in values] + [0], dtype=int)
    np.maximum.at(worst, np.asarray(keys, dtype=np.int64), ranks[codes])
    return _OUTCOMES[worst]


def feature_evidence(hits: pd.DataFrame) -> pd.DataFrame:
    """One row per (project row, kind, layer, feature) named by the hits.

    Parameters
    ----------
    hits : DataFrame
        The hits table of :func:`geo.screen` (``row``, ``kind``, ``layer_id``, ``feature_id``,
        ``feature_name``, ``overlap_m2``, ``overlap_share``, ``distance_m``, ``check``,
        ``outcome``, ``rule_id``).

    Returns
    -------
    DataFrame
        :data:`FEATURE_COLUMNS`, sorted by row, kind and the hits' order: ``overlap_m2`` [m²],
        ``overlap_share`` (of the footprint's area, length or points), ``distance_m`` [m] (0
        when they meet), ``contact`` (every hit of the feature is a boundary contact),
        ``unknown`` (a fact of the feature or of the project is unknown for a rule),
        ``outcome`` (worst of its hits: prohibited, review, admitted or ``""`` for contacts),
        ``rules`` (the rule ids, ``", "``-joined) and ``titles`` (their titles, ``"; "``-joined).
    """
    fid = hits["feature_id"].to_numpy(dtype=object)
    lid = hits["layer_id"].to_numpy(dtype=object)
    keep = (fid != "") & (lid != "") & pd.notna(fid) & pd.notna(lid)
    f = hits[keep]
    if not len(f):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FEATURE_COLUMNS})
    codes = row_key(f["row"], f["kind"], f["layer_id"], f["feature_id"])
    m = int(codes.max()) + 1
    first = np.full(m, len(f), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(f)))
    check = f["check"].to_numpy(dtype=object)
    overlap = np.full(m, -np.inf)
    np.maximum.at(overlap, codes, np.nan_to_num(f["overlap_m2"].to_numpy(dtype=float), nan=-np.inf))
    share = np.full(m, -np.inf)
    np.maximum.at(share, codes, np.nan_to_num(f["overlap_share"].to_numpy(dtype=float),
                                              nan=-np.inf))
    dist = np.full(m, np.inf)
    np.minimum.at(dist, codes, np.nan_to_num(f["distance_m"].to_numpy(dtype=float), nan=np.inf))
    n_hits = np.bincount(codes, minlength=m)
    contact = np.bincount(codes, check == "contact", minlength=m) == n_hits
    unknown = np.bincount(codes, check == "unknown", minlength=m) > 0
    worst = worst_outcome(codes, f["outcome"], m)
    rule_ids = f["rule_id"].to_numpy(dtype=object)
    once = distinct_pairs(codes, rule_ids)
    rules = group_join(codes[once], rule_ids[once], m, ", ")
    titles = f["title"].to_numpy(dtype=object) if "title" in f else rule_ids
    once = distinct_pairs(codes, titles)
    titles = group_join(codes[once], titles[once], m, "; ")
    row = f["row"].to_numpy(dtype=np.int64)[first]
    order = np.lexsort((first, row))  # by project, then in the hits' order
    at = first[order]
    return object_frame({
        "row": row[order], "kind": f["kind"].to_numpy(dtype=object)[at],
        "layer_id": f["layer_id"].to_numpy(dtype=object)[at],
        "feature_id": f["feature_id"].to_numpy(dtype=object)[at],
        "feature_name": f["feature_name"].to_numpy(dtype=object)[at],
        "overlap_m2": np.where(np.isfinite(overlap), overlap, np.nan)[order],
        "overlap_share": np.where(np.isfinite(share), share, np.nan)[order],
        "distance_m": np.where(np.isfinite(dist), dist, np.nan)[order],
        "contact": contact[order], "unknown": unknown[order], "outcome": worst[order],
        "rules": rules[order], "titles": titles[order]})


def checked_kinds(result: pd.DataFrame, hits: pd.DataFrame) -> dict[str, str]:
    """The layer kinds the screening used, each with its state: ``usable``, ``unusable`` (layers
    given, none readable) or ``not_provided``.

    The kinds come from ``result.attrs["kinds"]`` (the kinds :func:`geo.screen` read) when
    present, else from the layers the rules read (no ``role``) and the kinds its hits name.
    """
    layers = result.attrs.get("layers", [])
    kinds = list(result.attrs.get("kinds") or [])
    if not kinds:
        named = [k for k in hits["kind"].astype(str) if k] if len(hits) else []
        kinds = list(dict.fromkeys([info["kind"] for info in layers if not info.get("role")]
                                   + [k for text in dict.fromkeys(named)
                                      for k in text.split("+")]))
    state = {}
    for kind in kinds:
        mine = [info for info in layers if info["kind"] == kind]
        state[kind] = ("usable" if any(i.get("usable", True) for i in mine) else
                       "unusable" if mine else "not_provided")
    return state


def judged(result: pd.DataFrame) -> np.ndarray:
    """Which projects the screening judged (no ``error``): those that get a checklist."""
    if "error" not in result:
        return np.ones(len(result), dtype=bool)
    return result["error"].astype(str).to_numpy() == ""


def search_radius(result: pd.DataFrame) -> float:
    """The radius [m] of the screening's nearest distances (``result.attrs["search_m"]``, else
    :data:`geo.screen.SEARCH_M`)."""
    from geo.screen import SEARCH_M

    return float(result.attrs.get("search_m", SEARCH_M))


def checklist(result: pd.DataFrame, hits: pd.DataFrame, features: pd.DataFrame | None = None,
              rules=None, search_m: float | None = None,
              kinds: list[str] | None = None) -> pd.DataFrame:
    """Every layer kind the rules use, per judged project, with what was found.

    Parameters
    ----------
    result, hits
        The two tables of :func:`geo.screen`.
    features : DataFrame, optional
        :func:`feature_evidence` of ``hits`` (computed when not given).
    rules : RuleSet, optional
        Gives ``rule_distance_m``, the largest distance of the distance rules that found
        features (NaN without it).
    search_m : float, optional
        Radius [m] of the nearest distances (default ``result.attrs["search_m"]``, else
        :data:`geo.screen.SEARCH_M`).
    kinds : list of str, optional
        Only these kinds of :func:`checked_kinds` (in its order; default all).

    Returns
    -------
    DataFrame
        One row per (project row without error, kind of :func:`checked_kinds`, of ``kinds``
        when given), by row then kind: ``row``, ``project_id``, ``kind``, ``status``
        (:data:`STATUSES`), ``outcome`` (worst outcome of the kind's hits, ``""`` when none), ``n_features`` (features met),
        ``overlap_m2`` [m²] and ``overlap_share_sum`` (sums over the features met),
        ``overlap_length_m`` [m] (line footprints: length inside them), ``distance_m`` [m]
        (nearest feature; for ``within`` the nearest one found), ``rule_distance_m`` [m],
        ``n_within`` (features found by distance rules, apart from the footprint),
        ``n_contact``, ``n_unknown`` and ``unknown`` (``"feature: reason"`` texts joined with
        ``"; "``), ``feature_ids`` (the first three features met or found, ``", "``-joined, with
        ``…`` when more), ``search_m``.
    """
    search_m = float(search_m if search_m is not None else search_radius(result))
    state = checked_kinds(result, hits)
    kinds = [k for k in state if kinds is None or k in kinds]
    rows = np.flatnonzero(judged(result))
    k = len(kinds)
    n = len(rows) * k
    out = object_frame({
        "row": np.repeat(rows, k),
        "project_id": np.repeat(result["project_id"].to_numpy(dtype=object)[rows], k),
        "kind": np.tile(np.array(kinds, dtype=object), len(rows))})
    pos = Positions(rows, kinds, len(result))
    feats = feature_evidence(hits) if features is None else features
    dims = footprint_dims(result)
    size = result["size"].to_numpy(dtype=float) if "size" in result else np.zeros(len(result))
    zeros = np.zeros(n)
    totals = {c: zeros.copy() for c in ("n_features", "overlap_m2", "overlap_share_sum",
                                        "overlap_length_m", "n_within", "n_contact",
                                        "n_unknown")}
    within_d = np.full(n, np.nan)
    ids = np.full(n, "", dtype=object)
    unknown = np.full(n, "", dtype=object)
    at_f = pos(feats["row"], feats["kind"]) if len(feats) else np.zeros(0, dtype=np.int64)
    fk = feats[at_f >= 0] if len(feats) else feats
    if len(fk):
        at = at_f[at_f >= 0]
        dist = fk["distance_m"].to_numpy(dtype=float)
        contact = fk["contact"].to_numpy(dtype=bool)
        meet = (np.nan_to_num(dist, nan=0.0) == 0) & ~contact
        share = np.nan_to_num(fk["overlap_share"].to_numpy(dtype=float))
        line = dims[fk["row"].to_numpy(dtype=int)] == 1
        np.add.at(totals["n_features"], at, meet)
        np.add.at(totals["overlap_m2"], at, np.where(meet, np.nan_to_num(
            fk["overlap_m2"].to_numpy(dtype=float)), 0.0))
        np.add.at(totals["overlap_share_sum"], at, np.where(meet, share, 0.0))
        np.add.at(totals["overlap_length_m"], at, np.where(
            meet & line, share * size[fk["row"].to_numpy(dtype=int)], 0.0))
        far = ~contact & (dist > 0)
        np.add.at(totals["n_within"], at, far)
        np.fmin.at(within_d, at[far], dist[far])
        np.add.at(totals["n_contact"], at, contact)
        ids = _first_ids(at, fk["feature_id"].to_numpy(dtype=object), n)
    kh = per_kind(hits)
    at_h = pos(kh["row"], kh["kind"]) if len(kh) else np.zeros(0, dtype=np.int64)
    kh, at_h = kh[at_h >= 0], at_h[at_h >= 0]
    worst = worst_outcome(at_h, kh["outcome"] if len(kh) else [], n)
    if len(kh):
        unk = (kh["check"] == "unknown").to_numpy()
        if unk.any():
            u = kh[unk]
            text = np.where(u["feature_id"].astype(str) != "",
                            u["feature_id"].astype(str) + ": ", "") + unknown_reason(u["message"])
            text = np.asarray(text, dtype=object)
            once = distinct_pairs(at_h[unk], text)
            unknown = group_join(at_h[unk][once], text[once], n, "; ")
            totals["n_unknown"] = np.bincount(at_h[unk][once], minlength=n).astype(float)
    cols = [f"nearest_{kind}_m" for kind in kinds]
    present = [c for c in cols if c in result]
    near = np.full((len(rows), k), np.nan)
    if present:
        near[:, [cols.index(c) for c in present]] = pd.DataFrame(result[present]).to_numpy(
            dtype=float)[rows]
    nearest = near.reshape(-1)
    kind_state = np.tile(np.array([state[x] for x in kinds], dtype=object), len(rows))
    status = np.select(
        [kind_state == "not_provided", kind_state == "unusable", totals["n_features"] > 0,
         totals["n_contact"] > 0, totals["n_within"] > 0, nearest == 0,
         np.isfinite(nearest) & (nearest <= search_m)],
        ["not_provided", "unusable", "occupied", "contact", "within", "meets", "near"],
        default="clear").astype(object)
    out["status"] = pd.Series(status, index=out.index, dtype=object)
    out["outcome"] = pd.Series(worst, index=out.index, dtype=object)
    for c in ("n_features", "n_within", "n_contact", "n_unknown"):
        out[c] = totals[c].astype(int)
    out["overlap_m2"] = totals["overlap_m2"]
    out["overlap_share_sum"] = totals["overlap_share_sum"]
    out["overlap_length_m"] = totals["overlap_length_m"]
    out["distance_m"] = np.where(status == "within", within_d, nearest)
    out["rule_distance_m"] = _rule_distance(hits, rules, pos, n)
    out["unknown"] = pd.Series(unknown, index=out.index, dtype=object)
    out["feature_ids"] = pd.Series(ids, index=out.index, dtype=object)
    out["search_m"] = search_m
    return out


def per_kind(hits: pd.DataFrame) -> pd.DataFrame:
    """The hits with a row per kind where a hit names several (``"a+b"``), in the hits' order;
    only those hits are split (at 100,000 projects a few of 2 million): one take of the rows,
    each split hit repeated once per kind (:func:`geo.grouping.split_parts`), and their kinds
    set."""
    if not len(hits):
        return hits
    kinds = hits["kind"].to_numpy(dtype=object)
    at, piece, flat = split_parts(kinds)
    if len(at) == len(hits):  # no hit names several kinds
        return hits
    out = hits.iloc[at]
    kind, known = kinds[at], piece >= 0  # (a hit without a kind keeps its own value)
    kind[known] = flat[piece[known]]
    return out.assign(kind=pd.Series(kind, index=out.index, dtype=hits["kind"].dtype))


class Positions:
    """Position in the checklist of (project row, kind) pairs: judged row rank × kinds + kind
    index; -1 for rows with an error or kinds not checked."""

    @classmethod
    def of(cls, table: pd.DataFrame, n_rows: int) -> Positions:
        """The positions of a :func:`checklist` table over ``n_rows`` project rows."""
        kinds = list(pd.unique(table["kind"].to_numpy(dtype=object)))
        return cls(table["row"].to_numpy()[::max(len(kinds), 1)], kinds, n_rows)

    def __init__(self, rows: np.ndarray, kinds: list[str], n_rows: int):
        self.rank = np.full(n_rows, -1, dtype=np.int64)
        self.rank[rows] = np.arange(len(rows))
        self.kinds = pd.Index(kinds)

    def __call__(self, row, kind) -> np.ndarray:
        r = np.asarray(row, dtype=np.int64)
        ok = (r >= 0) & (r < len(self.rank))
        rank = np.where(ok, self.rank[np.where(ok, r, 0)], -1)
        k = self.kinds.get_indexer(np.asarray(kind, dtype=object))
        return np.where((rank >= 0) & (k >= 0), rank * len(self.kinds) + k, -1)


def footprint_dims(result: pd.DataFrame) -> np.ndarray:
    """2 polygon, 1 line, 0 point, -1 none (or no geometry column: 2), per row of the result."""
    if not hasattr(result, "geometry"):
        return np.full(len(result), 2)
    g = np.asarray(result.geometry.values, dtype=object)
    ok = ~(shapely.is_missing(g) | shapely.is_empty(g))
    dims = np.full(len(g), -1)
    dims[ok] = shapely.get_dimensions(g[ok])
    return dims


def _first_ids(at: np.ndarray, ids: np.ndarray, n: int, most: int = 3) -> np.ndarray:
    """The first ``most`` ids per position (features are distinct per layer), ``", "``-joined,
    ``…`` when more."""
    rank = pd.Series(at).groupby(at).cumcount().to_numpy()
    keep = rank < most
    head = group_join(at[keep], np.asarray(ids, dtype=object)[keep], n, ", ")
    more = np.bincount(at, minlength=n) > most
    return np.where(more, head + ", …", head).astype(object)


def _rule_distance(hits: pd.DataFrame, rules, pos: Positions, n: int) -> np.ndarray:
    """Largest distance [m] of the distance rules with features found, per checklist row."""
    out = np.full(n, np.nan)
    if rules is None or not len(hits):
        return out
    dist = {r.id: r.distance_m for r in rules if r.relation == "within_distance"}
    h = hits[hits["rule_id"].isin(list(dist)) & (hits["feature_id"].astype(str) != "")]
    if not len(h):
        return out
    at = pos(h["row"], h["kind"])
    ok = at >= 0
    np.fmax.at(out, at[ok], h["rule_id"].map(dist).to_numpy(dtype=float)[ok])
    return out


def locations(result: pd.DataFrame) -> pd.DataFrame:
    """Where each footprint lies and how large it is.

    Parameters
    ----------
    result : GeoDataFrame
        The result of :func:`geo.screen` (a projected, metric CRS).

    Returns
    -------
    DataFrame
        One row per project: ``lon``, ``lat`` [°, WGS84] of the centroid (of the points'
        centroid for multipoints; NaN without geometry), ``shape`` (``polygon``, ``line``,
        ``point`` or ``""``), ``area_m2``, ``area_ha``, ``area_mu`` (亩, :data:`M2_PER_MU`) for
        polygons and ``length_m`` for lines (NaN otherwise).
    """
    import geopandas as gpd
    import pyproj

    from layers.crs import transformer

    dims = footprint_dims(result)
    g = np.asarray(result.geometry.values, dtype=object)
    ok = dims >= 0
    xy = np.full((len(g), 2), np.nan)
    wgs84, crs = pyproj.CRS.from_user_input(4326), result.crs
    if ok.any():  # what GeoSeries.to_crs gives: the same operation (one transformer a process)
        at = shapely.get_coordinates(shapely.centroid(g[ok]))  # on the coordinates, no points
        xy[ok] = shapely.get_coordinates(gpd.GeoSeries(shapely.points(at), crs=crs).to_crs(
            wgs84).values) if crs is None or crs.is_exact_same(wgs84) else np.column_stack(
            transformer(crs, wgs84).transform(at[:, 0], at[:, 1]))
    area = np.where(dims == 2, shapely.area(np.where(ok, g, None)), np.nan)
    length = np.where(dims == 1, shapely.length(np.where(ok, g, None)), np.nan)
    return pd.DataFrame({"lon": xy[:, 0], "lat": xy[:, 1],
                         "shape": np.array(["", "point", "line", "polygon"], dtype=object)[
                             dims + 1],
                         "area_m2": area, "area_ha": area / 10_000, "area_mu": area / M2_PER_MU,
                         "length_m": length}, index=result.index)
