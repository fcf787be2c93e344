"""The Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) by maximum likelihood.

While alive a customer buys at Poisson rate ``lambda``; their lifetime is exponential with
rate ``mu``. Across customers ``lambda ~ Gamma(r, alpha)`` and ``mu ~ Gamma(s, beta)``
(shape, rate). Given ``(lambda, mu)`` the likelihood of ``x`` repeat purchases, the last at
``t_x``, in ``(0, T]`` is ``lambda**x exp(-(lambda + mu) T) + lambda**x mu
int_{t_x}^T exp(-(lambda + mu) tau) dtau`` (alive at ``T``, or died at ``tau`` between the
last purchase and ``T``). Averaging over the two gamma distributions,

.. math::

    L = \\frac{\\Gamma(r + x)\\alpha^r\\beta^s}{\\Gamma(r)} \\Big[(\\alpha + T)^{-(r+x)}
        (\\beta + T)^{-s} + s \\int_{t_x}^{T} (\\alpha + \\tau)^{-(r+x)}
        (\\beta + \\tau)^{-(s+1)} d\\tau\\Big].

Fader & Hardie (2005, "A note on deriving the Pareto/NBD model and related expressions")
write the integral with Gauss hypergeometric functions in ``(alpha - beta) / (alpha + t)``
(``alpha >= beta``) or ``(beta - alpha) / (beta + t)`` (``alpha < beta``) and take a
*difference* of two such terms, which cancels for heavy buyers and overflows their powers.
Here the same integral is written without a difference. With
``J(t; A, B) = int_t^inf (alpha + tau)**-A (beta + tau)**-B dtau``, integrating the first
term by parts gives

.. math::

    L = \\frac{\\Gamma(r + x)\\alpha^r\\beta^s}{\\Gamma(r)}
        \\big[(r + x)\\, J(T; r + x + 1, s) + s\\, J(t_x; r + x, s + 1)\\big],

a sum of two positive terms (added with ``logaddexp``), and each ``J`` is, with the same
switch on ``alpha >= beta``,

.. math::

    J(t; A, B) = \\frac{(\\alpha + t)^{-A} (\\beta + t)^{1-B}}{A + B - 1}
        {}_2F_1\\Big(1, A; A + B; \\frac{\\alpha - \\beta}{\\alpha + t}\\Big)
        \\quad (\\alpha \\ge \\beta)

(swap ``alpha <-> beta`` and ``A <-> B`` otherwise). That Gauss function has positive terms
whose ratio ``(A + k) / (A + B + k) * z`` stays below ``z < 1`` whatever ``x``: it is summed
as a power series (:func:`crmlib.value._special.hyp2f1_series`) and enters through its
logarithm, so nothing overflows for frequencies in the thousands. Where ``z`` is close to 1
(``alpha`` and ``beta`` far apart, ``w = 1 - z < 0.02``) the series would need ``~ 40 / w``
terms, and ``scipy.special.hyp2f1`` returns NaN for heavy buyers (e.g. ``hyp2f1(1, 301.5,
302, 0.999)``); there the factor comes from its Euler integral in a log variable, by graded
Gauss-Legendre panels (:func:`_log_f_panels`). P(alive) is the share of
the first (alive-at-``T``) term, ``(alpha + T)**-(r+x) (beta + T)**-s`` over the bracket,
computed as a difference of logarithms.

The gradient used by the optimiser is analytic: the power series of each ``J`` is summed
together with its derivatives in its parameters and its argument (:func:`_log_tail_grad`),
about a fifth of the cost of the central difference of the vectorised likelihood that it
replaces (still used where a row needs the quadrature). The standard errors come, as for the
other models, from the Hessian of that gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from crmlib.value._btyd import _nb_log_pmf, _PurchaseModel, _with_central_gradient
from crmlib.value._inputs import (
    ConvergenceError,
    _horizon,
    _rfm_arrays,
)
from crmlib.value._special import hyp2f1_series

__all__ = ["ParetoNBD", "pareto_nbd_log_likelihood"]

#: Step of the central-difference gradient, in log-parameters.
_GRAD_STEP = 1e-5


#: Below this ``w = 1 - z`` the hypergeometric factor is integrated rather than summed.
_W_QUAD = 0.02


#: Gauss-Legendre rule of each panel of _log_f_panels, on (0, 1).
_PANEL_NODES, _PANEL_WEIGHTS = (lambda z, w: ((z + 1) / 2, w / 2))(*np.polynomial.legendre.leggauss(20))


#: Rows per call of _log_f_panels (its node arrays hold rows x 6 x panels x 20 values).
_PANEL_ROWS = 2048


def _log_f_panels(A: np.ndarray, B: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``log 2F1(1, A; A + B; 1 - w)`` from its integral, for ``w`` near 0, row by row.

    ``2F1(1, A; A + B; 1 - w) / (A + B - 1) = int_0^1 v**(A+B-2) (w + (1-w) v)**-A dv``
    (the tail integral ``J`` with ``v = (beta + t) / (beta + tau)``). With ``v = e**u`` the
    integrand ``exp(h(u))``, ``h(u) = (A+B-1) u - A log(w + (1-w) e**u)``, is smooth, has at
    most one maximum (at ``e**u = (A+B-1) w / ((1-w)(1-B))`` when that is below 1), decays
    like ``e**((A+B-1) u)`` below ``log w`` and is 1 at ``u = 0``; it is integrated relative
    to its maximum, from where it has fallen below ``e**-60``, by graded composite
    Gauss-Legendre. The integrand is log-concave (``h'' <= 0``), so it
    falls off at least exponentially on both sides of its maximum; it bends where ``u`` passes
    ``log w``. Those two points and the ends split the range; in each piece panels start at
    both ends with width ``delta = 1 / (4 max(1, c, |B - 1|))`` (the steepest slope of ``h``)
    and double towards the middle, 20 nodes each: every panel sees a smooth function on its
    own scale. Against 40-digit values of the hypergeometric function the error is a few
    ulps of ``log F`` (the mpmath tests of the likelihood cover this branch), with no Python
    loop over rows.
    """
    A, B, w = (np.asarray(v, dtype="float64") for v in (A, B, w))
    if len(A) > _PANEL_ROWS:  # bound the memory of the node arrays
        return np.concatenate([_log_f_panels(A[i:i + _PANEL_ROWS], B[i:i + _PANEL_ROWS],
                                             w[i:i + _PANEL_ROWS])
                               for i in range(0, len(A), _PANEL_ROWS)])
    c = A + B - 1.0
    log_w, log_1w = np.log(w), np.log1p(-w)
    with np.errstate(all="ignore"):
        peak = np.where(B < 1.0, np.minimum(0.0, np.log(c) + log_w - log_1w - np.log1p(-B)), 0.0)
    lower = np.minimum(peak, log_w) - 60.0 / c - 1.0

    def h(u):
        return c[..., None] * u - A[..., None] * np.logaddexp(log_w[..., None], log_1w[..., None] + u)

    h_max = np.maximum(h(peak[:, None])[:, 0], 0.0)
    delta = 0.25 / np.maximum.reduce([np.ones_like(c), c, np.abs(B - 1.0)])
    # the maximum and the bend at log w split the range; panels grade away from every split
    cuts = np.sort(np.stack([lower, np.minimum(peak, log_w), np.maximum(peak, log_w),
                             np.zeros_like(c)], axis=1), axis=1)
    n_panels = int(np.ceil(np.log2(1.0 + float(np.max((cuts[:, -1] - cuts[:, 0]) / delta))))) + 1
    steps = 2.0 ** np.arange(n_panels + 1) - 1.0  # 0, 1, 3, 7, ... in units of delta
    total = np.zeros(len(A))
    for j in range(3):
        lo, hi = cuts[:, j], cuts[:, j + 1]
        mid = (lo + hi) / 2
        for start, sign, stop in ((lo, 1.0, mid), (hi, -1.0, mid)):
            marks = start[:, None] + sign * delta[:, None] * steps
            marks = np.clip(marks, np.minimum(start, stop)[:, None], np.maximum(start, stop)[:, None])
            left, right = np.minimum(marks[:, :-1], marks[:, 1:]), np.maximum(marks[:, :-1], marks[:, 1:])
            width = right - left
            nodes = left[..., None] + width[..., None] * _PANEL_NODES
            values = np.exp(h(nodes.reshape(len(A), -1)).reshape(nodes.shape) - h_max[:, None, None])
            total += np.sum(width * (values @ _PANEL_WEIGHTS), axis=1)
    return h_max + np.log(total) + np.log(c)


def _log_tail(A: np.ndarray, B: np.ndarray, alpha: float, beta: float, t: np.ndarray) -> np.ndarray:
    """``log J(t; A, B)``, ``J = int_t^inf (alpha + tau)**-A (beta + tau)**-B dtau`` (A + B > 1)."""
    A, B, t = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (A, B, t)))
    shape = A.shape
    A, B, t = (np.ravel(v) for v in (A, B, t))
    with np.errstate(all="ignore"):
        if alpha >= beta:
            big, small, e_big, e_small = alpha, beta, A, B
        else:
            big, small, e_big, e_small = beta, alpha, B, A
        z = (big - small) / (big + t)
        w = (small + t) / (big + t)
        # near z = 1 the series needs ~ 40 / w terms: there, integrate instead
        slow = w < _W_QUAD
        log_f = np.empty(z.shape)
        fast = ~slow
        log_f[fast] = np.log1p(hyp2f1_series(1.0, e_big[fast], (e_big + e_small)[fast], z[fast]))
        if slow.any():
            rows = np.flatnonzero(slow)
            keys, inv = np.unique(np.stack([e_big[rows], e_small[rows], w[rows]], axis=1),
                                  axis=0, return_inverse=True)
            values = _log_f_panels(keys[:, 0], keys[:, 1], keys[:, 2])
            log_f[rows] = values[inv.ravel()]
        out = (-e_big * np.log(big + t) - (e_small - 1.0) * np.log(small + t) + log_f
               - np.log(e_big + e_small - 1.0))
    return out.reshape(shape)


def _pnbd_parts(r, alpha, s, beta, x, t_x, T):
    """Per-customer log-likelihood and log P(alive)."""
    rx = r + x
    with np.errstate(all="ignore"):
        log_alive_term = np.log(rx) + _log_tail(rx + 1.0, s, alpha, beta, T)
        log_dead_term = np.log(s) + _log_tail(rx, s + 1.0, alpha, beta, t_x)
        log_bracket = np.logaddexp(log_alive_term, log_dead_term)
        ll = (special.gammaln(rx) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
              + log_bracket)
        log_power = -rx * np.log(alpha + T) - s * np.log(beta + T)
        # last purchase at T: no time to have died, P(alive) = 1 exactly
        log_alive = np.where(t_x >= T, 0.0, np.minimum(log_power - log_bracket, 0.0))
    return ll, log_alive


def pareto_nbd_log_likelihood(params: Sequence[float], frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """Pareto/NBD log-likelihood of each customer (Fader & Hardie 2005, eq. 22 rewritten).

    Evaluated as the sum of two positive terms whose hypergeometric factors are summed as
    power series with positive terms (see the module docstring), so it stays finite for
    heavy buyers over long histories.

    Parameters
    ----------
    params : sequence of 4 floats
        ``(r, alpha, s, beta)``, all > 0.
    frequency, recency, T : array-like
        Repeat purchases ``x``, time of the last purchase ``t_x`` and age ``T``, measured from
        the first purchase.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.

    Examples
    --------
    A customer without repeat purchases seen for ``T`` has likelihood ``P(no purchase while
    alive, whenever they died)``; at ``T = 0`` it is 1:

    >>> import numpy as np
    >>> ll = pareto_nbd_log_likelihood((0.5, 2.0, 0.7, 3.0), [0, 0], [0.0, 0.0], [0.0, 10.0])
    >>> bool(np.isclose(ll[0], 0.0)), bool(ll[1] < 0)
    (True, True)
    """
    r, alpha, s, beta = (float(v) for v in params)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    return _pnbd_parts(r, alpha, s, beta, x, t_x, T)[0]


def _pnbd_mean_nll(theta, x, t_x, T, w):
    r, alpha, s, beta = np.exp(theta)
    ll = _pnbd_parts(r, alpha, s, beta, x, t_x, T)[0]
    return -np.dot(w, ll) / w.sum()


def _pnbd_nll(theta, x, t_x, T, w):
    """Mean negative log-likelihood and its gradient in log-parameters.

    Analytic (:func:`_log_tail_grad`) unless a row needs the quadrature of the hypergeometric
    factor (``alpha`` and ``beta`` very far apart); then a central difference.
    """
    r, alpha, s, beta = np.exp(theta)
    rx = r + x
    n = len(x)
    with np.errstate(all="ignore"):
        # both tail integrals in one series pass (half the loop overhead)
        both = _log_tail_grad(np.concatenate([rx + 1.0, rx]),
                              np.concatenate([np.full(n, s), np.full(n, s + 1.0)]),
                              alpha, beta, np.concatenate([T, t_x]))
    if both is None:
        return _with_central_gradient(_pnbd_mean_nll, theta, x, t_x, T, w, step=_GRAD_STEP)
    (j1, dA1, dB1, da1, db1) = (v[:n] for v in both)
    (j2, dA2, dB2, da2, db2) = (v[n:] for v in both)
    with np.errstate(all="ignore"):
        l1 = np.log(rx) + j1
        l2 = np.log(s) + j2
        lse = np.logaddexp(l1, l2)
        w1, w2 = np.exp(l1 - lse), np.exp(l2 - lse)
        ll = special.gammaln(rx) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta) + lse
        d_r = (special.digamma(rx) - special.digamma(r) + np.log(alpha)
               + w1 * (1.0 / rx + dA1) + w2 * dA2)
        d_alpha = r / alpha + w1 * da1 + w2 * da2
        d_s = np.log(beta) + w1 * dB1 + w2 * (1.0 / s + dB2)
        d_beta = s / beta + w1 * db1 + w2 * db2
    total = w.sum()
    grad = np.array([r * np.dot(w, d_r), alpha * np.dot(w, d_alpha), s * np.dot(w, d_s),
                     beta * np.dot(w, d_beta)]) / total
    return -np.dot(w, ll) / total, -grad


def _log_tail_grad(A, B, alpha: float, beta: float, t):
    """``log J(t; A, B)`` and its partial derivatives in ``A``, ``B``, ``alpha`` and ``beta``.

    With ``big, small = alpha, beta`` and ``(a1, b1) = (A, B)`` when ``alpha >= beta`` (else
    swapped), ``log J = -a1 log(big + t) - (b1 - 1) log(small + t) + log F - log(A + B - 1)``,
    ``F = 2F1(1, a1; a1 + b1; z) = sum_n c_n z**n``, ``c_n = (a1)_n / (a1 + b1)_n``,
    ``z = (big - small) / (big + t)``. In the same pass as ``F`` the series gives
    ``dF/da1 = sum c_n z**n (H_n(a1) - H_n(c1))``, ``dF/db1 = -sum c_n z**n H_n(c1)`` (with
    ``H_n(u) = sum_{j<n} 1 / (u + j)``, ``c1 = a1 + b1``) and ``dF/dz = sum n c_n z**(n-1)``;
    the rest is the chain rule through ``z``. Returns None when a row would need the
    quadrature path of :func:`_log_tail` (``w < _W_QUAD``).
    """
    A, B, t = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (A, B, t)))
    swap = alpha < beta
    big, small = (beta, alpha) if swap else (alpha, beta)
    a1, b1 = (B, A) if swap else (A, B)
    z = (big - small) / (big + t)
    w = (small + t) / (big + t)
    if np.any(w < _W_QUAD):
        return None
    c1 = a1 + b1
    n = a1.size
    f = np.ones(n)  # F
    fa = np.zeros(n)  # dF/da1
    fb = np.zeros(n)  # dF/db1
    fz = np.zeros(n)  # dF/dz
    term = np.ones(n)
    h_a = np.zeros(n)
    h_c = np.zeros(n)
    idx = np.arange(n)
    za, a_, c_ = z.ravel().copy(), a1.ravel().copy(), c1.ravel().copy()
    tol = np.finfo("float64").eps / 4
    out_f, out_fa, out_fb, out_fz = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    k = 0
    while idx.size:
        if k > _MAX_TAIL_TERMS:
            return None
        h_a = h_a + 1.0 / (a_ + k)
        h_c = h_c + 1.0 / (c_ + k)
        fz = fz + (k + 1.0) * term * (a_ + k) / (c_ + k)  # (n + 1) c_{n+1} z**n
        term = term * (a_ + k) / (c_ + k) * za
        f = f + term
        fa = fa + term * (h_a - h_c)
        fb = fb - term * h_c
        k += 1
        rho = za  # ratios (a1 + k) / (c1 + k) < 1: the terms fall at least like z ** k
        factor = rho / (1.0 - rho) * (1.0 + k + h_a + h_c)
        small_tail = term * factor <= tol * np.minimum.reduce([f, np.abs(fa) + 1e-300,
                                                              np.abs(fb) + 1e-300, fz + 1e-300])
        done = small_tail | (term == 0)
        # compacting copies every array: do it when many rows are done (the others go on
        # adding terms that no longer change their sums)
        if done.all() or (k % 8 == 0 and done.any()) or done.mean() > 0.25:
            sel = idx[done]
            out_f[sel], out_fa[sel], out_fb[sel], out_fz[sel] = f[done], fa[done], fb[done], fz[done]
            keep = ~done
            idx, za, a_, c_ = idx[keep], za[keep], a_[keep], c_[keep]
            f, fa, fb, fz, term, h_a, h_c = (v[keep] for v in (f, fa, fb, fz, term, h_a, h_c))
    shape = a1.shape
    F, Fa, Fb, Fz = (v.reshape(shape) for v in (out_f, out_fa, out_fb, out_fz))
    log_j = -a1 * np.log(big + t) - (b1 - 1.0) * np.log(small + t) + np.log(F) - np.log(A + B - 1.0)
    d_a1 = -np.log(big + t) + Fa / F - 1.0 / (A + B - 1.0)
    d_b1 = -np.log(small + t) + Fb / F - 1.0 / (A + B - 1.0)
    dz = Fz / F
    d_big = -a1 / (big + t) + dz * (small + t) / (big + t) ** 2
    d_small = -(b1 - 1.0) / (small + t) - dz / (big + t)
    if swap:
        return log_j, d_b1, d_a1, d_small, d_big
    return log_j, d_a1, d_b1, d_big, d_small


#: Most series terms of the analytic gradient's pass (beyond: the central difference).
_MAX_TAIL_TERMS = 20_000


def _lifetime_factor(s: float, b: np.ndarray, t: float) -> np.ndarray:
    """``b / (s - 1) * (1 - (b / (b + t)) ** (s - 1))``, continuous at ``s = 1`` (``b log(1 + t/b)``)."""
    with np.errstate(all="ignore"):
        log_ratio = np.log1p(t / b)
        if abs(s - 1.0) < 1e-10:
            return b * log_ratio
        return b * -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)


#: Gauss-Legendre nodes and weights on (0, 1) for the Pareto/NBD's lifetime integral.
_GL_NODES, _GL_WEIGHTS = (lambda z, w: ((z + 1) / 2, w / 2))(*np.polynomial.legendre.leggauss(64))


def _pareto_nbd_pmf(r, alpha, s, beta, t, k):
    """P(X(t) = k) of the Pareto/NBD, elementwise over broadcast arguments (see
    :meth:`ParetoNBD.probability_of_n_purchases`)."""
    r, alpha, s, beta, t, k = np.broadcast_arrays(*(np.asarray(v, "float64")
                                                    for v in (r, alpha, s, beta, t, k)))
    with np.errstate(all="ignore"):
        log_survive = s * (np.log(beta) - np.log(beta + t))  # log P(lifetime > t)
        dead_by_t = -np.expm1(log_survive)
        v = dead_by_t[..., None] * _GL_NODES  # lifetime quantiles u(v), v in (0, F(t))
        u = beta[..., None] * np.expm1(-np.log1p(-v) / s[..., None])
        log_coef = special.gammaln(r + k) - special.gammaln(r) - special.gammaln(k + 1.0)
        inner = np.exp(_nb_log_pmf(r[..., None], alpha[..., None], u, k[..., None],
                                   log_coef[..., None])) @ _GL_WEIGHTS
        return np.exp(log_survive + _nb_log_pmf(r, alpha, t, k, log_coef)) + dead_by_t * inner


class ParetoNBD(_PurchaseModel):
    """The Pareto/NBD "buy till you die" model (Schmittlein, Morrison & Colombo 1987).

    While alive, a customer buys at Poisson rate ``lambda`` and may die at any moment, at
    exponential rate ``mu`` (unlike the BG/NBD, where dropout happens only right after a
    purchase). Across customers ``lambda ~ Gamma(r, alpha)`` (mean purchase rate
    ``r / alpha``) and ``mu ~ Gamma(s, beta)`` (mean dropout rate ``s / beta``). Fitted by
    maximum likelihood on the RFM summary, like :class:`BGNBD`, with the numerically stable
    likelihood of :func:`pareto_nbd_log_likelihood`.

    Parameters
    ----------
    penalizer, max_iter, tol
        As in :class:`BGNBD`.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``s``, ``beta``.
    se_, n_customers_, log_likelihood_, converged_, n_iter_
        As in :class:`BGNBD`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> summary = ParetoNBD.simulate((0.5, 4.0, 0.6, 10.0), T=rng.uniform(20, 40, 3000), seed=1)
    >>> model = ParetoNBD().fit(summary)
    >>> bool(abs(model.params_["r"] - 0.5) < 4 * model.se_["r"])
    True
    >>> X = pd.DataFrame({"frequency": [0, 5, 5], "recency": [0.0, 5.0, 29.0], "T": [30.0] * 3})
    >>> p = model.probability_alive(X)
    >>> bool(p.iloc[1] < p.iloc[2])  # same frequency, the more recent buyer is likelier alive
    True
    """

    _names = ("r", "alpha", "s", "beta")
    _title = "Pareto/NBD"

    def fit(self, X: Any, y: Any = None) -> ParetoNBD:
        """Fit to an RFM summary (columns ``frequency``, ``recency``, ``T`` or their ``_cal`` twins).

        Returns
        -------
        self
        """
        # beta starts at the mean age: a mean lifetime of the order of the history
        return self._fit_rfm(X, _pnbd_nll, distinct_x=False,
                             last_start=lambda T: max(float(T.mean()), 1.0))

    @property
    def mean_purchase_rate_(self) -> float:
        """Mean purchase rate of a live customer, ``r / alpha`` (purchases per time unit)."""
        r, alpha, _, _ = self._check_fitted("mean_purchase_rate_")
        return float(r / alpha)

    @property
    def mean_dropout_rate_(self) -> float:
        """Mean dropout rate, ``s / beta`` (deaths per customer per time unit)."""
        _, _, s, beta = self._check_fitted("mean_dropout_rate_")
        return float(s / beta)

    def log_likelihood(self, X: Any) -> np.ndarray:
        """Log-likelihood of each customer of ``X`` under the fitted parameters."""
        params = self._check_fitted("log_likelihood")
        return pareto_nbd_log_likelihood(params, *_rfm_arrays(X, "ParetoNBD.log_likelihood"))

    def _p_alive(self, params, x, t_x, T):
        r, alpha, s, beta = params
        log_alive = _pnbd_parts(r, alpha, s, beta, x, t_x, T)[1]
        if not np.all(np.isfinite(log_alive)):
            raise ConvergenceError(
                f"ParetoNBD: P(alive) could not be evaluated for "
                f"{int((~np.isfinite(log_alive)).sum())} customers (the hypergeometric series "
                f"did not converge: alpha={alpha:.4g} and beta={beta:.4g} are very far apart). "
                f"Refit with penalizer > 0 or rescale time."
            )
        return np.exp(log_alive)

    def probability_alive(self, X: Any) -> Any:
        """Probability that each customer is still alive at ``T``.

        ``P(alive | x, t_x, T) = (alpha + T)**-(r+x) (beta + T)**-s / [(r + x) J(T; r + x + 1,
        s) + s J(t_x; r + x, s + 1)]`` (the module docstring defines ``J``); equal to
        Fader & Hardie's (2005) eq. 18. It is 1 when the last purchase is at ``T``
        (``t_x = T``, including ``x = 0`` at ``T = 0``) and rises with the recency.

        Returns
        -------
        Series (indexed like ``X``) or array
        """
        params = self._check_fitted("probability_alive")
        x, t_x, T = _rfm_arrays(X, "ParetoNBD.probability_alive")
        return self._out(self._p_alive(params, x, t_x, T), X, "p_alive")

    def expected_purchases(self, X: Any, t: float) -> Any:
        """Expected purchases of each customer in the next ``t`` time units.

        ``E[Y(t) | x, t_x, T] = (r + x)(beta + T) / ((alpha + T)(s - 1)) [1 - ((beta + T) /
        (beta + T + t)) ** (s - 1)] P(alive)`` (Fader & Hardie 2005, eq. 21; its limit
        ``(r + x)(beta + T) / (alpha + T) log(1 + t / (beta + T))`` at ``s = 1``).

        Returns
        -------
        Series (indexed like ``X``) or array
        """
        return self._expected_purchases(X, t)

    # -- the pieces of _PurchaseModel ------------------------------------------------------
    # Alive at T after x repeat purchases: lambda ~ Gamma(r + x, alpha + T) and mu ~ Gamma(s,
    # beta + T) (the likelihood is lambda ** x exp(-(lambda + mu) T)); the future from T is a
    # Pareto/NBD with those parameters.
    _alive = _p_alive

    @staticmethod
    def _given_alive(params, x, T, t):
        r, alpha, s, beta = params
        return (r + x) / (alpha + T) * _lifetime_factor(s, beta + T, t)

    @staticmethod
    def _pmf_given_alive(params, x, T, t, k):
        r, alpha, s, beta = params
        return _pareto_nbd_pmf(r + x, alpha + T, s, beta + T, t, k)

    def probability_no_purchase(self, X: Any, t: float) -> Any:
        """Probability that each customer makes no purchase in the next ``t`` time units.

        ``1 - P(alive) + P(alive) P(no purchase in t | alive)``, the second factor from the
        posterior Pareto/NBD process (:meth:`probability_of_n_purchases` at ``x = 0`` with
        ``r + x``, ``alpha + T``, ``s``, ``beta + T``): quiet while alive, or dead before the
        next purchase. This is the model's own score for "no purchase in the next N days".
        """
        params = self._check_fitted("probability_no_purchase")
        t = _horizon(t, "t", "ParetoNBD.probability_no_purchase")
        x, t_x, T = _rfm_arrays(X, "ParetoNBD.probability_no_purchase")
        alive = self._p_alive(params, x, t_x, T)
        quiet = self._pmf_given_alive(params, x, T, t, 0.0)
        return self._out(1 - alive + alive * quiet, X, "p_no_purchase")

    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases of a newly acquired customer in their first ``t`` time units.

        ``E[X(t)] = r beta / (alpha (s - 1)) [1 - (beta / (beta + t)) ** (s - 1)]`` (Fader &
        Hardie 2005, eq. 17; repeat purchases, the first one not counted).
        """
        r, alpha, s, beta = self._check_fitted("expected_purchases_new")
        t = _horizon(t, "t", "ParetoNBD.expected_purchases_new")
        if t == 0:
            return 0.0
        return float(r / alpha * _lifetime_factor(s, np.float64(beta), t))

    @staticmethod
    def simulate(params: Sequence[float], T: Any, *, seed: int | None = 0) -> pd.DataFrame:
        """Simulate RFM summaries from the Pareto/NBD with given parameters (for tests/teaching).

        Parameters
        ----------
        params : (r, alpha, s, beta)
        T : array-like
            Observation length of each customer (time since the first purchase).
        seed : int, optional

        Returns
        -------
        pandas.DataFrame
            ``frequency``, ``recency``, ``T``; plus the latent ``lam``, ``mu`` and ``alive``.

        Examples
        --------
        >>> ParetoNBD.simulate((1.0, 5.0, 1.0, 10.0), T=[10.0, 20.0], seed=0).columns.tolist()
        ['frequency', 'recency', 'T', 'lam', 'mu', 'alive']
        """
        r, alpha, s, beta = (float(v) for v in params)
        T = np.asarray(T, dtype="float64")
        rng = np.random.default_rng(seed)
        n = len(T)
        lam = rng.gamma(r, 1.0 / alpha, n)
        mu = rng.gamma(s, 1.0 / beta, n)
        life = rng.exponential(1.0 / mu)
        active = np.minimum(life, T)
        x = rng.poisson(lam * active)
        # the last of x uniform purchase times on (0, active) is active * Beta(x, 1)
        last = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1.0), 0.0)
        return pd.DataFrame({
            "frequency": x, "recency": last, "T": T, "lam": lam, "mu": mu, "alive": life > T,
        })
