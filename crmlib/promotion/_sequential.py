"""Peeking and its fix: the false-positive rate of looking at every look, and group-sequential
boundaries from an alpha-spending function.

Looking at a running test after every batch of data and stopping at the first p < 0.05 makes a
false positive far more likely than 5%: :func:`peeking_false_positive_rate` simulates it.
Group-sequential designs spend the error rate across the looks instead.  With information
fractions ``t_1 < ... < t_K = 1`` and a spending function ``a(t)`` (``a(1) = alpha``), the
two-sided boundary ``c_k`` of look ``k`` solves

    P(|Z_j| < c_j for j < k, |Z_k| >= c_k) = a(t_k) - a(t_(k-1))

under the null, where the z statistics of the looks are jointly normal with
``corr(Z_i, Z_j) = sqrt(t_i / t_j)`` (i < j).  The probabilities are multivariate-normal
rectangle probabilities (scipy); each ``c_k`` is found by root search.  Spending functions
(Lan & DeMets 1983):

- ``'obrien-fleming'``: ``a(t) = 2 - 2 Phi(z_(1 - alpha/2) / sqrt(t))`` (the two-sided form of
  DeMets & Lan 1994) — almost nothing early, close to the fixed-sample boundary at the end
  (other forms, e.g. ``4 - 4 Phi(z_(1 - alpha/4) / sqrt(t))``, give other early boundaries);
- ``'pocock'``: ``a(t) = alpha log(1 + (e - 1) t)`` — nearly equal boundaries.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy import optimize, stats

from crmlib._validation import check_choice, check_int, check_real
from crmlib.exceptions import ParameterError

__all__ = ["peeking_false_positive_rate", "sequential_boundaries", "spend_alpha"]

_N = NormalDist()


def spend_alpha(t: float | np.ndarray, alpha: float = 0.05, kind: str = "obrien-fleming"
                ) -> np.ndarray:
    """Cumulative two-sided alpha spent by information fraction ``t`` (Lan-DeMets).

    >>> spend_alpha([0.5, 1.0]).round(5).tolist()
    [0.00557, 0.05]
    >>> spend_alpha([0.5, 1.0], kind="pocock").round(5).tolist()
    [0.03101, 0.05]
    """
    check_choice(kind, "kind", ["obrien-fleming", "pocock"], where="spend_alpha")
    t = np.asarray(t, dtype="float64")
    if kind == "pocock":
        return alpha * np.log1p((math.e - 1) * t)
    z = _N.inv_cdf(1 - alpha / 2)
    with np.errstate(divide="ignore"):
        return np.where(t > 0, 2 * (1 - stats.norm.cdf(z / np.sqrt(np.maximum(t, 1e-300)))), 0.0)


def _fractions(looks: int | Sequence[float], where: str) -> np.ndarray:
    if isinstance(looks, (int, np.integer)) and not isinstance(looks, bool):
        k = check_int(looks, "looks", where=where, low=1, high=20)
        return np.arange(1, k + 1) / k
    t = np.asarray(looks, dtype="float64")
    if t.ndim != 1 or not (1 <= t.size <= 20):
        raise ParameterError(f"The 'looks' parameter of {where} must be a number of looks (1-20) "
                             f"or 1 to 20 information fractions. Got {looks!r} instead.")
    if not (np.all(np.diff(t) > 0) and t[0] > 0 and abs(t[-1] - 1) < 1e-12):
        raise ParameterError(f"{where}: information fractions must increase strictly from above "
                             f"0 to exactly 1 (the final look); got {t.tolist()}. Use the share of "
                             "the planned sample at each look, e.g. [0.25, 0.5, 0.75, 1].")
    return t


def _inside(c: np.ndarray, corr: np.ndarray) -> float:
    """P(|Z_j| < c_j for all j) for jointly normal Z with correlation ``corr``."""
    if len(c) == 1:
        return 2 * _N.cdf(c[0]) - 1
    mvn = stats.multivariate_normal(mean=np.zeros(len(c)), cov=corr, allow_singular=False,
                                    abseps=1e-7, releps=0, maxpts=20_000 * len(c))
    return float(mvn.cdf(c, lower_limit=-c, rng=np.random.default_rng(0)))


def sequential_boundaries(
    looks: int | Sequence[float] = 5,
    *,
    alpha: float = 0.05,
    spending: str = "obrien-fleming",
) -> pd.DataFrame:
    """Two-sided group-sequential z boundaries from an alpha-spending function.

    Parameters
    ----------
    looks : int or sequence of float
        Number of equally spaced looks, or the information fractions (share of the planned
        sample) at each look, ending at 1.
    alpha : float
        Overall two-sided false-positive rate.
    spending : {'obrien-fleming', 'pocock'}
        The Lan-DeMets spending function (module text).

    Returns
    -------
    pandas.DataFrame
        One row per look: ``fraction``, ``z_boundary`` (stop when ``|z| >= z_boundary``),
        ``p_boundary`` (the nominal two-sided p-value that boundary means),
        ``alpha_spent`` (cumulative) and ``alpha_increment``.

    Examples
    --------
    >>> b = sequential_boundaries(5)
    >>> b["z_boundary"].round(2).tolist()
    [4.38, 3.1, 2.55, 2.25, 2.06]
    """
    where = "sequential_boundaries"
    alpha = check_real(alpha, "alpha", where=where, low=0, high=0.5, low_inclusive=False)
    check_choice(spending, "spending", ["obrien-fleming", "pocock"], where=where)
    t = _fractions(looks, where)
    spent = spend_alpha(t, alpha, spending)
    spent[-1] = alpha
    corr = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    bounds: list[float] = []
    inside_prev = 1.0
    for k in range(len(t)):
        target = spent[k] - (spent[k - 1] if k else 0.0)
        sub = corr[: k + 1, : k + 1]
        if target <= 1e-15:
            bounds.append(math.inf)
            continue
        finite = [i for i, b in enumerate(bounds) if math.isfinite(b)] + [k]

        def gap(c: float) -> float:
            cs = np.array([bounds[i] for i in finite[:-1]] + [c])
            return inside_prev - _inside(cs, sub[np.ix_(finite, finite)]) - target

        hi = 12.0
        if gap(hi) > 0:
            bounds.append(math.inf)  # nothing can be spent here (numerically)
            continue
        c = optimize.brentq(gap, 0.5, hi, xtol=1e-7)
        bounds.append(c)
        inside_prev = _inside(np.array([bounds[i] for i in finite]), sub[np.ix_(finite, finite)])
    z = np.array(bounds)
    table = pd.DataFrame({
        "fraction": t, "z_boundary": z,
        "p_boundary": np.where(np.isfinite(z), 2 * (1 - stats.norm.cdf(z)), 0.0),
        "alpha_spent": spent, "alpha_increment": np.diff(np.concatenate([[0.0], spent]))},
        index=pd.RangeIndex(1, len(t) + 1, name="look"))
    return table


def peeking_false_positive_rate(
    looks: int = 10,
    *,
    alpha: float = 0.05,
    simulations: int = 20_000,
    boundaries: Sequence[float] | None = None,
    seed: int = 0,
) -> float:
    """Share of A/A tests (no effect) declared significant when checked at every look.

    The z statistic at equally spaced looks is a scaled random walk; a test "wins" the first
    time ``|z|`` reaches the boundary — the fixed-sample ``z_(1 - alpha/2)`` at every look by
    default (peeking), or the given ``boundaries`` (e.g. from :func:`sequential_boundaries`).

    >>> round(peeking_false_positive_rate(1, simulations=200_000), 3)
    0.05
    >>> peeking_false_positive_rate(10) > 0.15
    True
    """
    where = "peeking_false_positive_rate"
    k = check_int(looks, "looks", where=where, low=1, high=1000)
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    sims = check_int(simulations, "simulations", where=where, low=100, high=10_000_000)
    if boundaries is None:
        c = np.full(k, _N.inv_cdf(1 - alpha / 2))
    else:
        c = np.asarray(boundaries, dtype="float64")
        if c.shape != (k,):
            got = c.shape[0] if c.ndim else 0
            raise ParameterError(f"{where}: give one boundary per look ({k}); got {got}.")
    rng = np.random.default_rng(seed)
    hits = np.zeros(sims, dtype=bool)
    s = np.zeros(sims)
    for j in range(k):
        s += rng.standard_normal(sims)
        hits |= np.abs(s / np.sqrt(j + 1)) >= c[j]
    return float(hits.mean())
