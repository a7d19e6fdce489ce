"""Value functions, AHP weights and consistency, classes, rank stability, monotonicity."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import score as sc
from layers.errors import ProfileError

# Saaty, T. L. (1987). "The analytic hierarchy process — what it is and how it is used."
# Mathematical Modelling 9(3-5): 161-176, the "choosing a house" example (8 criteria):
# published λmax = 9.669, CI = 0.238, CR = 0.169.
SAATY_HOUSE = """1 5 3 7 6 6 1/3 1/4
1/5 1 1/3 5 3 3 1/5 1/7
1/3 3 1 6 3 4 6 1/5
1/7 1/5 1/6 1 1/3 1/4 1/7 1/8
1/6 1/3 1/3 3 1 1/2 1/5 1/6
1/6 1/3 1/4 4 2 1 1/5 1/6
3 5 1/6 7 5 5 1 1/2
4 7 5 8 6 6 2 1"""


def _matrix(text):
    return np.array([[float(Fraction(x)) for x in r.split()] for r in text.splitlines()])


def test_saaty_house_consistency_matches_published():
    lam, ci, cr = sc.consistency_ratio(_matrix(SAATY_HOUSE))
    assert lam == pytest.approx(9.669, abs=5e-4)
    assert ci == pytest.approx(0.238, abs=5e-4)
    assert cr == pytest.approx(0.169, abs=5e-4)


def test_saaty_house_refused_with_cr_shown():
    with pytest.raises(ProfileError, match=r"CR = 0\.169 > 0\.1"):
        sc.ahp_weights(_matrix(SAATY_HOUSE), where="house.toml")


def test_consistent_matrix_gives_exact_weights():
    w = np.array([0.5, 0.3, 0.2])
    weights, cr = sc.ahp_weights(w[:, None] / w[None, :])
    assert weights == pytest.approx(w) and cr == pytest.approx(0, abs=1e-9)


def test_value_function_piecewise():
    v = sc.value_function([0, 2.5, 5, 10, 25, 30, np.nan], [[0, 1], [5, 1], [25, 0]])
    assert v[:6].tolist() == pytest.approx([1, 1, 1, 0.75, 0, 0])
    assert np.isnan(v[6])


def test_classes_and_rank_ties():
    s = np.array([80, 75, 60, 30, 10, np.nan])
    assert sc.classify(s).tolist() == ["A", "A", "B", "C", "D", ""]
    assert sc.rank(np.array([50, 70, 70, 10])).tolist() == [3, 1, 1, 4]


PTS = {"a": [[0, 0], [1, 1]], "b": [[0, 0], [1, 1]], "c": [[0, 0], [1, 1]]}


def test_breakdown_sums_to_score():
    rng = np.random.default_rng(4)
    vals = pd.DataFrame(rng.uniform(size=(25, 3)), columns=["a", "b", "c"])
    w = {"a": 0.5, "b": 0.3, "c": 0.2}
    b = sc.breakdown(vals, w)
    assert list(b.columns) == ["score_a", "score_b", "score_c"]
    assert b.sum(axis=1).to_numpy() == pytest.approx(sc.score(vals, w))
    assert b["score_a"].to_numpy() == pytest.approx(50 * vals["a"].to_numpy())


def test_rank_stability_deterministic_and_bounded():
    rng = np.random.default_rng(0)
    raw = pd.DataFrame(rng.uniform(size=(40, 3)), columns=["a", "b", "c"])
    w = {"a": 0.5, "b": 0.3, "c": 0.2}
    sd = {"a": 0.05}
    p1 = sc.rank_stability(raw, PTS, w, sd, top_n=5, runs=300, seed=7)
    p2 = sc.rank_stability(raw, PTS, w, sd, top_n=5, runs=300, seed=7)
    assert p1.equals(p2)
    p = p1["top_n_probability"]
    assert ((p >= 0) & (p <= 1)).all()
    assert p.sum() == pytest.approx(5, abs=0.5)  # about N sites in each run (ties aside)
    assert (p1["rank_p05"] <= p1["rank_p95"]).all() and p1["rank_p05"].min() == 1
    base = sc.rank(sc.score(raw, w))
    inside = (p1["rank_p05"] <= base) & (base <= p1["rank_p95"])
    assert inside.mean() > 0.9
    # some sites near the cut are really uncertain
    assert ((p > 0) & (p < 1)).sum() >= 3


def test_rank_stability_without_uncertainty_is_the_base_ranking():
    rng = np.random.default_rng(1)
    raw = pd.DataFrame(rng.uniform(size=(30, 3)), columns=["a", "b", "c"])
    w = {"a": 0.5, "b": 0.3, "c": 0.2}
    st_ = sc.rank_stability(raw, PTS, w, None, top_n=5, runs=50, concentration=1e9)
    base = sc.rank(sc.score(raw, w))
    assert set(np.flatnonzero(st_["top_n_probability"] == 1)) == set(np.argsort(base)[:5])
    assert (st_["rank_p05"].to_numpy() == base).all() and (st_["rank_p95"].to_numpy() == base).all()
    # a site dominating every criterion always stays first
    raw.loc[0] = [1.0, 1.0, 1.0]
    st_ = sc.rank_stability(raw, PTS, w, {"a": 0.01}, top_n=1, runs=200)
    assert st_.loc[0, "top_n_probability"] == 1.0 and st_.loc[0, "rank_p95"] == 1


def test_dirichlet_concentration_controls_the_spread():
    rng = np.random.default_rng(2)
    raw = pd.DataFrame(rng.uniform(size=(40, 3)), columns=["a", "b", "c"])
    w = {"a": 0.5, "b": 0.3, "c": 0.2}
    loose = sc.rank_stability(raw, PTS, w, top_n=10, runs=400, concentration=5)
    tight = sc.rank_stability(raw, PTS, w, top_n=10, runs=400, concentration=500)
    width = lambda s: (s["rank_p95"] - s["rank_p05"]).mean()  # noqa: E731
    assert width(loose) > width(tight)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(900, 2000), st.floats(0, 30), st.floats(0, 30)),
                min_size=2, max_size=20),
       st.integers(0, 19), st.floats(0.1, 500))
def test_better_resource_never_ranks_lower(sites, which, gain):
    """A site with better resource and everything else equal never ranks lower."""
    which = which % len(sites)
    pts = {"ghi": [[1050, 0], [1750, 1]], "slope_mean": [[0, 1], [5, 1], [25, 0]],
           "dist_road": [[0, 1], [1, 1], [10, 0]]}
    w = {"ghi": 0.5, "slope_mean": 0.3, "dist_road": 0.2}
    raw = pd.DataFrame(sites, columns=["ghi", "slope_mean", "dist_road"])

    def ranks(frame):
        vals = pd.DataFrame({k: sc.value_function(frame[k], pts[k]) for k in pts})
        return sc.rank(sc.score(vals, w))

    before = ranks(raw)[which]
    better = raw.copy()
    better.loc[which, "ghi"] += gain
    assert ranks(better)[which] <= before
