"""The overlay engine against independent computations (pyproj.Geod, direct shapely calls)."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
import shapely
import shapely.ops
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.overlay import covered_share, intersecting, nearest, overlay_pairs
from layers.crs import working_crs


def test_areas_match_geodesic_area_within_0_1_percent():
    geod = pyproj.Geod(ellps="GRS80")
    # footprints and a feature in lon/lat near Guiyang, ~1-3 km wide
    feature = shapely.box(106.60, 26.50, 106.63, 26.53)
    fps = [shapely.box(106.61, 26.51, 106.65, 26.52),
           shapely.Polygon([(106.59, 26.49), (106.62, 26.50), (106.61, 26.54)])]
    crs = working_crs((106.5, 26.4, 106.8, 26.7))
    tr = pyproj.Transformer.from_crs(4326, crs, always_xy=True).transform
    metric = [shapely.ops.transform(tr, g) for g in fps]
    pairs = overlay_pairs(metric, [shapely.ops.transform(tr, feature)])
    for i, fp in enumerate(fps):
        oracle = abs(geod.geometry_area_perimeter(shapely.intersection(fp, feature))[0])
        row = pairs[pairs["project"] == i].iloc[0]
        assert row["overlap_m2"] == pytest.approx(oracle, rel=1e-3)
        assert row["overlap_share"] == pytest.approx(
            oracle / abs(geod.geometry_area_perimeter(fp)[0]), rel=1e-3)


def test_lines_points_and_distances():
    feats = [shapely.box(0, 0, 100, 100), shapely.box(300, 0, 400, 100)]
    fps = [shapely.LineString([(-50, 50), (150, 50)]), shapely.Point(50, 50),
           shapely.Point(200, 50), None, shapely.box(100, 0, 120, 10)]
    pairs = overlay_pairs(fps, feats, distance=150)
    line = pairs[(pairs["project"] == 0) & (pairs["feature"] == 0)].iloc[0]
    assert line["length_m"] == pytest.approx(100)
    assert line["overlap_share"] == pytest.approx(0.5)
    assert line["interior"]
    pt = pairs[(pairs["project"] == 1) & (pairs["feature"] == 0)].iloc[0]
    assert pt["overlap_share"] == 1 and pt["interior"]
    far = pairs[pairs["project"] == 2].sort_values("feature")
    assert list(far["distance_m"]) == pytest.approx([100, 100])
    assert not (pairs["project"] == 3).any()
    edge = pairs[(pairs["project"] == 4) & (pairs["feature"] == 0)].iloc[0]
    assert edge["intersects"] and not edge["interior"] and edge["overlap_m2"] == 0
    near = nearest(fps, feats, 150)
    assert dict(zip(near["project"], near["distance_m"])) == pytest.approx(
        {0: 0.0, 1: 0.0, 2: 100.0, 4: 0.0})


def test_covered_share_does_not_double_count():
    fps = [shapely.box(0, 0, 10, 10)]
    feats = [shapely.box(0, 0, 6, 10), shapely.box(4, 0, 10, 10), shapely.box(0, 0, 10, 1)]
    pairs = overlay_pairs(fps, feats, keep_geometry=True)
    assert pairs["overlap_share"].sum() > 1
    assert covered_share(fps, pairs)[0] == pytest.approx(1.0)
    assert covered_share(fps, pairs[pairs["feature"] == 0])[0] == pytest.approx(0.6)


def test_distance_matches_shapely_directly():
    rng = np.random.default_rng(1)
    fps = shapely.buffer(shapely.points(rng.uniform(0, 1000, (60, 2))), 5)
    feats = shapely.box(*rng.uniform(0, 1000, (40, 2)).T, *(rng.uniform(0, 1000, (40, 2)).T + 30))
    pairs = overlay_pairs(fps, feats, distance=200)
    d = shapely.distance(fps[:, None], feats[None, :])
    assert set(zip(pairs["project"], pairs["feature"])) == set(zip(*np.nonzero(d <= 200)))
    assert np.allclose(pairs["distance_m"], d[pairs["project"], pairs["feature"]])


def test_nearest_equals_every_distance_computed():
    """The box-pruned search gives what computing every distance gives: nearest feature (the
    lowest position among equally near ones) and distance, for polygons, lines and points."""
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 3000, (300, 2))
    lobes = shapely.buffer(shapely.points(centres), rng.uniform(5, 120, 300), quad_segs=2)
    rings = shapely.difference(lobes, shapely.buffer(shapely.points(centres), 3))  # with holes
    feats = np.concatenate([rings, shapely.box(*centres[:40].T, *(centres[:40].T + 200)),
                            shapely.box(*centres[:40].T, *(centres[:40].T + 200))])  # equal twins
    fps = np.concatenate([
        shapely.buffer(shapely.points(rng.uniform(0, 3000, (150, 2))), 8),
        shapely.linestrings(rng.uniform(0, 3000, (60, 2, 2))),
        shapely.points(rng.uniform(-500, 3500, (60, 2))), [None, shapely.Polygon()]])
    near = nearest(fps, feats, 400.0).set_index("project")
    _assert_brute_force(near, shapely.distance(fps[:, None], feats[None, :]), 400.0)
    assert 0 < len(near) < len(fps)


# coordinates in millimetres: real data has no 1e-234 m offsets (GEOS divides by zero on them)
_mm = st.floats(-100, 100).map(lambda v: round(v, 3))
_rect = st.tuples(_mm, _mm, st.floats(0.5, 80).map(lambda v: round(v, 3)),
                  st.floats(0.5, 80).map(lambda v: round(v, 3))).map(lambda t: shapely.box(t[0], t[1], t[0] + t[2],
                                                                t[1] + t[3]))


@settings(max_examples=60, deadline=None)
@given(fps=st.lists(_rect, min_size=1, max_size=8), feats=st.lists(_rect, min_size=1,
                                                                     max_size=8))
def test_overlap_share_in_unit_interval(fps, feats):
    pairs = overlay_pairs(fps, feats, keep_geometry=True)
    assert ((pairs["overlap_share"] >= 0) & (pairs["overlap_share"] <= 1)).all()
    share = covered_share(fps, pairs)
    assert ((share >= 0) & (share <= 1 + 1e-12)).all() and len(share) == len(fps)
    union = shapely.union_all(feats)
    expected = shapely.area(shapely.intersection(fps, union)) / shapely.area(fps)
    assert share == pytest.approx(expected, abs=1e-9)


def test_intersecting_pairs_are_the_same_whichever_side_is_tested():
    rng = np.random.default_rng(3)
    fps = np.concatenate([shapely.buffer(shapely.points(rng.uniform(0, 1000, (80, 2))), 6),
                          [None, shapely.Polygon(), shapely.Point(500, 500)]])
    few = shapely.buffer(shapely.points(rng.uniform(0, 1000, (5, 2))), 150, quad_segs=64)
    many = shapely.buffer(shapely.points(rng.uniform(0, 1000, (300, 2))), 20)
    for feats in (few, many):  # fewer features than footprints, then more
        pi, fi = intersecting(fps, feats)
        d = shapely.intersects(fps[:, None], feats[None, :])
        assert sorted(zip(pi.tolist(), fi.tolist())) == sorted(zip(*map(list, np.nonzero(d))))
        assert len(pi)


def _lobed(rng, n: int, centre_span: float) -> tuple[np.ndarray, np.ndarray]:
    """Concave many-vertex features (and their centres): stars whose long edges pass far from
    their vertices, some with a hole at the centre, some of two parts (MultiPolygon), some as
    their outlines (lines)."""
    out, centres = [], rng.uniform(0, centre_span, (n, 2))
    for k in range(n):
        cx, cy = centres[k]
        m = int(rng.integers(5, 40))
        ang = np.sort(rng.uniform(0, 2 * np.pi, 2 * m))
        rad = np.where(np.arange(2 * m) % 2 == 0, rng.uniform(150, 400), rng.uniform(10, 60))
        star = shapely.Polygon(np.c_[cx + rad * np.cos(ang), cy + rad * np.sin(ang)])
        star = shapely.make_valid(star)
        if k % 4 == 1:  # a hole, wide enough for footprints to sit in
            star = shapely.difference(star, shapely.Point(cx, cy).buffer(8, quad_segs=3))
        elif k % 4 == 2:  # two parts
            star = shapely.union(star, shapely.box(cx + 500, cy, cx + 520, cy + 900))
        elif k % 4 == 3:
            star = shapely.boundary(star)
        out.append(star)
    return np.array(out, dtype=object), centres


def test_nearest_gives_shapely_s_distance_to_the_bit():
    """``nearest`` asks GEOS feature first (cheaper); the distances and the chosen features
    (lowest position among equally near ones) are those of ``shapely.distance(footprint,
    feature)`` to the last bit: concave features whose nearest point is mid-edge, holes with a
    footprint inside, footprints inside features and features inside footprints, touching and
    crossing pairs, two-part features and footprints, lines, points, twin features (ties)."""
    rng = np.random.default_rng(11)
    feats, centres = _lobed(rng, 120, 4000.0)
    feats = np.concatenate([feats, feats[:10],  # twins: equally near, the first one is given
                            [shapely.box(0, 0, 3000, 5), shapely.box(0, 600, 3000, 605)]])
    pts = rng.uniform(-300, 4300, (400, 2))
    fps = np.concatenate([
        shapely.buffer(shapely.points(pts[:150]), rng.uniform(2, 200, 150), quad_segs=4),
        shapely.buffer(shapely.points(centres[1:120:4]), 3),  # in a hole
        shapely.buffer(shapely.points(centres[0:120:4]), 2),  # inside a feature
        shapely.buffer(shapely.points(centres[0:40:4]), 600),  # around a feature
        [shapely.box(1000, 5, 1010, 15),  # touching the long thin box
         shapely.box(1400, 295, 1420, 310),  # 290 m from both long boxes
         shapely.multipolygons([shapely.box(0, 0, 1, 1), shapely.box(3000, 3000, 3010, 3010)])],
        shapely.linestrings(rng.uniform(0, 4000, (60, 3, 2))),
        shapely.points(pts[150:250]),
        shapely.multipoints(pts[250:400].reshape(50, 3, 2)), [None, shapely.Polygon()]])
    near = nearest(fps, feats, 700.0).set_index("project")
    d = shapely.distance(fps[:, None], feats[None, :])
    swapped = shapely.distance(feats[None, :], fps[:, None])
    assert np.array_equal(d.view(np.int64), swapped.view(np.int64))  # the order changes no bit
    _assert_brute_force(near, d, 700.0)
    hit = near["distance_m"].to_numpy()
    assert (hit == 0).sum() > 20 and (hit > 0).sum() > 100  # both kinds were exercised
    assert ((d == d.min(axis=1, keepdims=True)).sum(axis=1)[near.index] > 1).sum() > 10  # ties


def _assert_brute_force(near, d: np.ndarray, radius: float) -> None:
    """``near`` (:func:`nearest` by project) holds, for each footprint (row of the distance
    matrix ``d`` [m]) with a feature within ``radius`` [m], the least distance to the bit and
    the first feature at it; no row for the others."""
    d = np.where(np.isnan(d), np.inf, d)
    for i in range(len(d)):
        best = d[i].min()
        if best > radius:
            assert i not in near.index
            continue
        assert near.loc[i, "distance_m"].view(np.int64) == best.view(np.int64)
        assert near.loc[i, "feature"] == np.flatnonzero(d[i] == best)[0]
