"""Scores: value functions, weights (direct or AHP), score breakdown, classes, rank stability.

The AHP weights are the principal eigenvector of the pairwise comparison matrix (Saaty 1980);
the consistency ratio CR = CI / RI with CI = (λmax − n) / (n − 1) and Saaty's random index RI.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layers.errors import ProfileError

# Saaty's random consistency index for n = 1..10 (Saaty, The Analytic Hierarchy Process, 1980,
# table 1; also Saaty 1987, Mathematical Modelling 9(3-5):161-176).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45,
                10: 1.49}
MAX_CR = 0.1


def value_function(x, points) -> np.ndarray:
    """Map raw criterion values to 0-1 with a piecewise-linear function.

    Parameters
    ----------
    x : array_like
        Raw values (in the criterion's units); NaN stays NaN.
    points : sequence of (x, value)
        Breakpoints with strictly increasing x; flat beyond the ends.

    Returns
    -------
    numpy.ndarray of float in [0, 1]
    """
    x = np.asarray(x, dtype=float)
    xp = np.array([p[0] for p in points], dtype=float)
    fp = np.array([p[1] for p in points], dtype=float)
    out = np.interp(x, xp, fp)
    return np.where(np.isnan(x), np.nan, out)


def consistency_ratio(matrix: np.ndarray) -> tuple[float, float, float]:
    """λmax, consistency index and consistency ratio of a reciprocal pairwise matrix.

    Returns
    -------
    (lambda_max, ci, cr) : tuple of float
        CR is 0 for n ≤ 2 (always consistent).
    """
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    lam = float(np.max(np.linalg.eigvals(a).real))
    ci = (lam - n) / (n - 1) if n > 1 else 0.0
    ri = RANDOM_INDEX.get(n, 1.49)
    return lam, ci, (ci / ri if ri > 0 else 0.0)


def ahp_weights(matrix: np.ndarray, where: str = "profile", max_cr: float = MAX_CR
                ) -> tuple[np.ndarray, float]:
    """Weights from an AHP pairwise comparison matrix.

    Parameters
    ----------
    matrix : (n, n) array
        ``a[i, j]`` = importance of criterion i over j on Saaty's 1-9 scale; ``a[j, i] = 1/a[i, j]``.
    where : str
        The profile's file, for messages.
    max_cr : float
        Largest accepted consistency ratio (Saaty: 0.1).

    Returns
    -------
    (weights, cr) : (numpy.ndarray summing to 1, float)

    Raises
    ------
    ProfileError
        Matrix not square, not positive, not reciprocal, or CR > ``max_cr`` (the CR is shown).
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ProfileError(f"{where}, key 'ahp.matrix': must be square, found shape {a.shape}")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ProfileError(f"{where}, key 'ahp.matrix': all entries must be positive numbers")
    bad = ~np.isclose(a * a.T, 1.0, rtol=1e-3)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ProfileError(f"{where}, key 'ahp.matrix': not reciprocal: a[{i}][{j}] = "
                           f"{a[i, j]:g} but a[{j}][{i}] = {a[j, i]:g} (expected {1 / a[i, j]:g})")
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    _, _, cr = consistency_ratio(a)
    if cr > max_cr:
        raise ProfileError(f"{where}, key 'ahp.matrix': consistency ratio CR = {cr:.3f} > "
                           f"{max_cr}; revise the pairwise judgements (Saaty)")
    return w, float(cr)


def score(values: pd.DataFrame, weights: dict[str, float]) -> np.ndarray:
    """Weighted score 0-100 from value-function outputs.

    Parameters
    ----------
    values : DataFrame
        One column per criterion with values 0-1.
    weights : dict
        Criterion → weight; renormalised over the columns present.
    """
    names = [k for k in weights if k in values.columns]
    w = np.array([weights[k] for k in names], dtype=float)
    w = w / w.sum()
    return 100.0 * values[names].to_numpy(dtype=float) @ w


def rank(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = best; ties share the better rank ("min"), NaN scores get no rank (NaN)."""
    return pd.Series(scores).rank(method="min", ascending=False).to_numpy()


def classify(scores: np.ndarray, thresholds=(75.0, 50.0, 25.0)) -> np.ndarray:
    """Classes A-D from score thresholds (A ≥ t0 > B ≥ t1 > C ≥ t2 > D); '' for NaN."""
    s = np.asarray(scores, dtype=float)
    out = np.full(s.shape, "D", dtype=object)
    for label, t in zip("CBA", sorted(thresholds)):
        out[s >= t] = label
    out[np.isnan(s)] = ""
    return out


def breakdown(values: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Each criterion's points in the score: ``100 × weight × value`` (they sum to the score).

    Parameters
    ----------
    values : DataFrame
        Value-function outputs (0-1), one column per criterion.
    weights : dict
        Criterion → weight; renormalised over the columns present.

    Returns
    -------
    DataFrame
        Columns ``score_<criterion>`` [points of 0-100], same index as ``values``.
    """
    names = [k for k in weights if k in values.columns]
    total = sum(weights[k] for k in names)
    return pd.DataFrame({f"score_{k}": 100.0 * weights[k] / total * values[k].to_numpy(float)
                         for k in names}, index=values.index)


def rank_stability(raw: pd.DataFrame, points: dict, weights: dict[str, float],
                   uncertainty: dict[str, float] | None = None, top_n: int = 10,
                   runs: int = 1000, concentration: float = 20.0, seed: int = 42
                   ) -> pd.DataFrame:
    """How firm each site's rank is when the weights and the criterion values are uncertain.

    Each Monte Carlo run draws the weights from a Dirichlet distribution centred on the profile's
    weights, ``Dirichlet(concentration × w)`` (mean ``w``, variance ``w(1 − w) / (concentration +
    1)``), and every raw criterion value from a normal distribution around it with the criterion's
    stated ``uncertainty`` (1 sigma, in the criterion's units); the values go through the value
    functions, the sites are scored and ranked. Ties at the N-th score count as in. A fixed seed
    makes it deterministic.

    Parameters
    ----------
    raw : DataFrame
        Raw criterion values (criterion units), one row per scored site, no NaN.
    points : dict
        Criterion → value-function breakpoints.
    weights : dict
        Criterion → base weight.
    uncertainty : dict, optional
        Criterion → 1 sigma of the raw value [criterion units]; missing or 0 = exact.
    top_n : int
    runs : int
    concentration : float
        Dirichlet concentration (sum of the parameters): larger = weights vary less.
    seed : int

    Returns
    -------
    DataFrame (index of ``raw``)
        ``top_n_probability`` (share of runs in the top N, 0-1), ``rank_p05`` and ``rank_p95``
        (5th and 95th percentile of the rank over the runs; 1 = best).
    """
    n = len(raw)
    out = pd.DataFrame(index=raw.index, columns=["top_n_probability", "rank_p05", "rank_p95"],
                       dtype=float)
    if n == 0:
        return out
    names = [k for k in weights if k in raw.columns]
    base = np.array([weights[k] for k in names], dtype=float)
    base = base / base.sum()
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.maximum(concentration * base, 1e-9), size=runs)     # runs x k
    s = np.zeros((runs, n))
    for j, k in enumerate(names):
        x = raw[k].to_numpy(dtype=float)[None, :]
        sd = (uncertainty or {}).get(k, 0.0)
        if sd > 0:
            x = x + rng.normal(0.0, sd, size=(runs, n))
        s += w[:, j:j + 1] * value_function(x, points[k])
    # rank in each run: 1 + the number of sites with a strictly higher score ("min" ties)
    order = np.sort(s, axis=1)
    ranks = np.stack([n + 1 - np.searchsorted(order[r], s[r] + 1e-12, side="right")
                      for r in range(runs)])
    out["top_n_probability"] = (ranks <= top_n).mean(axis=0)
    out["rank_p05"] = np.percentile(ranks, 5, axis=0, method="lower")
    out["rank_p95"] = np.percentile(ranks, 95, axis=0, method="higher")
    return out
