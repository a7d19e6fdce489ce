"""Scores: piecewise-linear value functions, weights (direct or AHP), classes and rank stability.

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


def top_n_probability(values: pd.DataFrame, weights: dict[str, float], top_n: int = 10,
                      runs: int = 1000, perturbation: float = 0.2, seed: int = 42) -> np.ndarray:
    """Probability that each site stays in the top N when the weights are perturbed.

    Each run multiplies every weight by an independent U(1 − p, 1 + p) factor and renormalises
    (Monte Carlo, fixed seed: deterministic). Ties at the N-th score count as in.

    Parameters
    ----------
    values : DataFrame
        Value-function outputs (0-1), one row per scored site, no NaN.
    weights : dict
        Base weights.
    top_n : int
    runs : int
    perturbation : float
        Relative half-width p of the uniform factor (0.2 = ±20 %).
    seed : int

    Returns
    -------
    numpy.ndarray of float in [0, 1], one per row.
    """
    n = len(values)
    if n == 0:
        return np.zeros(0)
    names = [k for k in weights if k in values.columns]
    v = values[names].to_numpy(dtype=float)
    base = np.array([weights[k] for k in names], dtype=float)
    rng = np.random.default_rng(seed)
    w = base * rng.uniform(1 - perturbation, 1 + perturbation, size=(runs, len(names)))
    w /= w.sum(axis=1, keepdims=True)
    s = w @ v.T                                        # runs x sites
    if top_n >= n:
        return np.ones(n)
    kth = -np.partition(-s, top_n - 1, axis=1)[:, top_n - 1:top_n]
    return (s >= kth - 1e-12).mean(axis=0)
