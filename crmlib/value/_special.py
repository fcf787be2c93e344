"""The BG/NBD's hypergeometric term, evaluated stably for heavy buyers and long horizons.

The conditional expectation of the BG/NBD (Fader, Hardie & Lee 2005, eq. 10) is

.. math::

    E[Y(t)] = \\frac{a + b + x - 1}{a - 1}
        \\left[1 - w^{r + x}\\, {}_2F_1(r + x, b + x; a + b + x - 1; z)\\right] P(\\text{alive})

with ``z = t / (alpha + T + t)`` and ``w = 1 - z``.  Written this way the Gauss function has
parameters that grow with the frequency ``x`` and, because ``c - a - b = a - 1 - r - x``, it
grows like ``w ** -(r + x)`` near ``z = 1``: for a customer with hundreds of repeat purchases
``scipy.special.hyp2f1`` overflows (or silently loses every digit) while the product
``w ** (r + x) * 2F1`` is of order one.  Euler's transformation
``2F1(A, B; C; z) = w ** (C - A - B) 2F1(C - A, C - B; C; z)`` takes the power out exactly:

.. math::

    w^{r + x}\\, {}_2F_1(r + x, b + x; C; z) = w^{a - 1}\\, G,
    \\qquad G = {}_2F_1(a + b - 1 - r, a - 1; a + b + x - 1; z),

whose upper parameters no longer depend on ``x`` (a larger ``x`` only speeds the series up).
``G`` is summed here as a power series with a bound on the neglected tail; ``G - 1`` is kept
apart from the leading 1 so that the bracket ``1 - w ** (a - 1) G`` is formed as
``-expm1((a - 1) log1p(-z) + log1p(G - 1))`` without cancellation for short horizons.  When
``z`` is close to 1 and ``s = C - A - B = x + r - a + 1`` is small (light buyers over a very
long horizon) the series would need thousands of terms; there Gauss's connection formula
maps ``G`` to two series in ``w`` that converge in a few dozen.  (``scipy.special.hyp2f1``
itself is not used: on the transformed parameters it also returns ``inf`` in parts of the
range, e.g. ``hyp2f1(-2.8, 2, 102.2, 0.93)``.)

Accuracy: every series is summed until the bound on its tail is below one unit in the last
place of the partial sum, so the error is rounding only, about ``n_terms * eps`` relative on
the series, amplified by ``|(a - 1) log w| + |log G|`` over ``|log(w ** (a - 1) G)|`` in
the bracket (the connection formula adds a factor ``1 / dist(s, integers)``, which is kept
above ``1e-3``).  Nothing here changes the floating-point state; all operations run under a
local :func:`numpy.errstate`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

__all__ = ["bgnbd_bracket", "hyp2f1_series"]

#: Largest number of series terms before giving up (returned as NaN).
MAX_TERMS = 200_000
#: Below this ``w = 1 - z`` (and for small ``s``) the connection formula is used.
_W_CONNECT = 0.25
#: ... for ``s = C - A - B`` below this (larger ``s``: the direct series is fast anyway).
_S_CONNECT = 8.0
#: ... and ``s`` at least this far from an integer (the formula is singular at integers).
_S_GAP = 1e-3


def hyp2f1_series(A: Any, B: Any, C: Any, z: Any, *, max_terms: int = MAX_TERMS) -> np.ndarray:
    """``2F1(A, B; C; z) - 1`` by its power series, elementwise, for ``0 <= z < 1``.

    ``A``, ``B``, ``C`` and ``z`` broadcast together. The series is summed term by term (only
    over the elements not yet converged) until the bound on the tail,
    ``|term| * rho / (1 - rho)`` with ``rho`` the larger of the current term ratio and ``z``,
    is below ``eps / 4`` of the partial sum ``S`` itself (so ``G - 1`` is accurate to rounding
    even when it is small; checked once ``k`` exceeds ``-A`` and
    ``-B``, after which the terms keep one sign and their ratio tends to ``z``). Elements
    that do not converge in ``max_terms`` terms are NaN.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([0.0, 0.5])
    >>> np.round(hyp2f1_series(1.0, 1.0, 2.0, z), 12).tolist()  # -log1p(-z) / z - 1
    [0.0, 0.386294361120]
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype="float64") for v in (A, B, C, z)))
    shape = arrays[0].shape
    a_, b_, c_, z_ = (v.ravel() for v in arrays)
    out = np.zeros(a_.size)
    active = np.flatnonzero(z_ != 0)
    a_, b_, c_, z_ = a_[active], b_[active], c_[active], z_[active]
    settled = np.maximum(np.maximum(-a_, -b_), 0.0) + 1.0
    term = np.ones(active.size)
    total = np.zeros(active.size)
    tol = np.finfo("float64").eps / 4
    with np.errstate(all="ignore"):
        for k in range(max_terms):
            if active.size == 0:
                break
            ratio = (a_ + k) * (b_ + k) / ((c_ + k) * (k + 1.0)) * z_
            term = term * ratio
            total = total + term
            rho = np.maximum(np.abs(ratio), z_)
            tail = np.abs(term) * np.where(rho < 1, rho / (1 - rho), np.inf)
            small = (tail <= tol * np.abs(total)) | (tail <= 1e-300 * np.abs(1.0 + total))
            done = ((k + 1 >= settled) & small) | (term == 0)
            if done.any():
                out[active[done]] = total[done]
                keep = ~done
                active, a_, b_, c_, z_ = active[keep], a_[keep], b_[keep], c_[keep], z_[keep]
                settled, term, total = settled[keep], term[keep], total[keep]
        out[active] = np.nan
    return out.reshape(shape)


def _connection(A: float, B: float, C: np.ndarray, w: np.ndarray, exponent: float) -> np.ndarray:
    """``w ** exponent * 2F1(A, B; C; 1 - w)`` by Gauss's connection formula (``s`` not integer).

    ``2F1(A, B; C; z) = G(C)G(s) / (G(C-A)G(C-B)) 2F1(A, B; 1-s; w)
    + w**s G(C)G(-s) / (G(A)G(B)) 2F1(C-A, C-B; 1+s; w)`` with ``s = C - A - B`` and ``G``
    the gamma function; the gamma ratios are taken in logs with their signs, and the second
    term vanishes when ``A`` or ``B`` is a pole of ``G`` (``1/G = 0``).
    """
    s = C - A - B
    lg, sg = special.gammaln, special.gammasgn
    log_w = np.log(w)
    f1 = 1.0 + hyp2f1_series(A, B, 1.0 - s, w)
    f2 = 1.0 + hyp2f1_series(C - A, C - B, 1.0 + s, w)
    term1 = (sg(C) * sg(s) * sg(C - A) * sg(C - B)
             * np.exp(lg(C) + lg(s) - lg(C - A) - lg(C - B) + exponent * log_w) * f1)
    if special.rgamma(A) == 0 or special.rgamma(B) == 0:
        return term1
    term2 = (sg(C) * sg(-s) * sg(A) * sg(B)
             * np.exp(lg(C) + lg(-s) - lg(A) - lg(B) + (exponent + s) * log_w) * f2)
    return term1 + term2


def bgnbd_bracket(r: float, alpha: float, a: float, b: float, x: np.ndarray, T: np.ndarray,
                  t: float) -> np.ndarray:
    """``1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * 2F1(r + x, b + x; a + b + x - 1; z)``.

    Computed as ``1 - w ** (a - 1) * 2F1(a + b - 1 - r, a - 1; a + b + x - 1; z)`` (Euler's
    transformation), see the module docstring. Elements that cannot be evaluated are NaN.
    """
    x = np.asarray(x, dtype="float64")
    T = np.asarray(T, dtype="float64")
    x, T = np.broadcast_arrays(x, T)
    A, B = a + b - 1.0 - r, a - 1.0
    C = a + b + x - 1.0
    with np.errstate(all="ignore"):
        z = t / (alpha + T + t)
        w = (alpha + T) / (alpha + T + t)
        s = C - A - B
        gap = np.abs(s - np.round(s))
        connect = (w < _W_CONNECT) & (s < _S_CONNECT) & (gap > _S_GAP)
        out = np.empty(x.shape)
        direct = ~connect
        if direct.any():
            gm1 = hyp2f1_series(A, B, C[direct], z[direct])
            log_p = (a - 1.0) * np.log1p(-z[direct]) + np.log1p(gm1)
            positive = 1.0 + gm1 > 0
            out[direct] = np.where(
                positive, -np.expm1(log_p),
                1.0 - np.exp((a - 1.0) * np.log1p(-z[direct])) * (1.0 + gm1))
        if connect.any():
            out[connect] = 1.0 - _connection(A, B, C[connect], w[connect], a - 1.0)
    return out
