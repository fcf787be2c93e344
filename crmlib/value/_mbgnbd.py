"""The MBG/NBD model (Batislam, Denizel & Filiztekin 2007) by maximum likelihood.

The BG/NBD with one change: a customer may also drop out right after the *first* purchase
(at time 0), not only after each repeat purchase. So customers without repeat purchases can
be dead, and P(alive) of a customer whose last purchase is at ``T`` is ``(b + x) / (a + b +
x)``, not 1. The likelihood, conditional expectation and P(alive) are the BG/NBD's with
``b`` shifted by one in the right places:

.. math::

    L = \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)}\\frac{B(a, b+x+1)}{B(a, b)}
        \\left[(\\alpha+T)^{-(r+x)} + \\frac{a}{b+x}(\\alpha+t_x)^{-(r+x)}\\right],

computed in logs with analytic gradients, and the expectations reuse the stable
hypergeometric bracket of :func:`crmlib.value._special.bgnbd_bracket` with ``b + 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from crmlib.value._btyd import BGNBD, _beta_geometric_pmf, _PurchaseModel, _simulate_beta_geometric
from crmlib.value._inputs import _horizon, _rfm_arrays
from crmlib.value._special import bgnbd_bracket

__all__ = ["MBGNBD", "mbgnbd_log_likelihood"]


def _mbgnbd_terms(r, alpha, a, b, x, t_x, T, xs=None, inv=None):
    """Per-customer log-likelihood and the weights of its two terms (alive, dead at t_x)."""
    def per_x(func):
        return func(x) if xs is None else func(xs)[inv]

    rx = r + x
    log_a3 = -rx * np.log(alpha + T)
    log_a4 = np.log(a) - np.log(b + x) - rx * np.log(alpha + t_x)
    log_sum = np.logaddexp(log_a3, log_a4)
    ll = (per_x(lambda k: special.gammaln(r + k) + special.betaln(a, b + k + 1))
          - special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b) + log_sum)
    return ll, np.exp(log_a3 - log_sum), np.exp(log_a4 - log_sum)


def mbgnbd_log_likelihood(params: Sequence[float], frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """MBG/NBD log-likelihood of each customer (Batislam, Denizel & Filiztekin 2007).

    Parameters
    ----------
    params : sequence of 4 floats
        ``(r, alpha, a, b)``, all > 0.
    frequency, recency, T : array-like
        Repeat purchases ``x``, time of the last purchase ``t_x`` and age ``T``.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.

    Examples
    --------
    A customer seen for ``T = 0`` has likelihood 1 (alive or dead, nothing was observed):

    >>> import numpy as np
    >>> bool(np.isclose(mbgnbd_log_likelihood((0.5, 2.0, 1.0, 3.0), [0], [0.0], [0.0])[0], 0.0))
    True
    """
    r, alpha, a, b = (float(v) for v in params)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    return _mbgnbd_terms(r, alpha, a, b, x, t_x, T)[0]


def _mbgnbd_nll(theta, x, t_x, T, w, xs=None, inv=None):
    """Mean negative log-likelihood and its analytic gradient in log-parameters."""
    r, alpha, a, b = np.exp(theta)
    ll, w3, w4 = _mbgnbd_terms(r, alpha, a, b, x, t_x, T, xs, inv)

    def per_x(func):
        return func(x) if xs is None else func(xs)[inv]

    rx = r + x
    dr = (per_x(lambda k: special.digamma(r + k)) - special.digamma(r) + np.log(alpha)
          - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x))
    dalpha = r / alpha - w3 * rx / (alpha + T) - w4 * rx / (alpha + t_x)
    dab = special.digamma(a + b) - per_x(lambda k: special.digamma(a + b + k + 1))
    da = dab + w4 / a
    db = dab + per_x(lambda k: special.digamma(b + k + 1)) - special.digamma(b) - w4 / (b + x)
    total = w.sum()
    grad = np.array([
        r * np.dot(w, dr), alpha * np.dot(w, dalpha), a * np.dot(w, da), b * np.dot(w, db),
    ]) / total
    return -np.dot(w, ll) / total, -grad


class MBGNBD(_PurchaseModel):
    """The modified BG/NBD (MBG/NBD) of Batislam, Denizel & Filiztekin (2007).

    As :class:`BGNBD` (purchases at Poisson rate ``lambda ~ Gamma(r, alpha)``, dropout with
    probability ``p ~ Beta(a, b)`` after a purchase), except that the dropout chance applies
    after the first purchase too, so customers without repeat purchases may already be gone.

    Parameters
    ----------
    penalizer, max_iter, tol
        As in :class:`BGNBD`.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b``.
    se_, n_customers_, log_likelihood_, converged_, n_iter_
        As in :class:`BGNBD`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> summary = MBGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=rng.uniform(20, 40, 5000), seed=1)
    >>> model = MBGNBD().fit(summary)
    >>> bool(np.all(np.abs(model.params_ - [0.5, 4.0, 0.8, 2.5]) < 4 * model.se_))
    True
    >>> X = pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [0.0, 30.0]})
    >>> a, b = model.params_["a"], model.params_["b"]
    >>> bool(np.isclose(model.probability_alive(X).iloc[0], b / (a + b)))  # may die at once
    True
    """

    _names = ("r", "alpha", "a", "b")
    _title = "MBG/NBD"

    def fit(self, X: Any, y: Any = None) -> MBGNBD:
        """Fit to an RFM summary (columns ``frequency``, ``recency``, ``T`` or their ``_cal`` twins).

        Returns
        -------
        self
        """
        return self._fit_rfm(X, _mbgnbd_nll)

    @property
    def mean_purchase_rate_(self) -> float:
        """Mean purchase rate of a live customer, ``r / alpha`` (purchases per time unit)."""
        r, alpha, _, _ = self._check_fitted("mean_purchase_rate_")
        return float(r / alpha)

    @property
    def mean_dropout_prob_(self) -> float:
        """Mean dropout probability after a purchase (the first one included), ``a / (a + b)``."""
        _, _, a, b = self._check_fitted("mean_dropout_prob_")
        return float(a / (a + b))

    # the same caveat as the BG/NBD's: a close to 1 makes the expectations singular
    _extra_notes = BGNBD._extra_notes

    def log_likelihood(self, X: Any) -> np.ndarray:
        """Log-likelihood of each customer of ``X`` under the fitted parameters."""
        params = self._check_fitted("log_likelihood")
        return mbgnbd_log_likelihood(params, *_rfm_arrays(X, "MBGNBD.log_likelihood"))

    @staticmethod
    def _p_alive(r, alpha, a, b, x, t_x, T):
        with np.errstate(all="ignore"):
            log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return special.expit(-log_odds)

    def probability_alive(self, X: Any) -> Any:
        """Probability that each customer is still alive at ``T``.

        ``P(alive | x, t_x, T) = 1 / (1 + a / (b + x) ((alpha + T) / (alpha + t_x)) ** (r +
        x))``, for every ``x`` (including 0: the customer may have left right after the
        first purchase). At ``t_x = T`` it is ``(b + x) / (a + b + x)``.

        Returns
        -------
        Series (indexed like ``X``) or array
        """
        r, alpha, a, b = self._check_fitted("probability_alive")
        x, t_x, T = _rfm_arrays(X, "MBGNBD.probability_alive")
        return self._out(self._p_alive(r, alpha, a, b, x, t_x, T), X, "p_alive")

    def expected_purchases(self, X: Any, t: float) -> Any:
        """Expected purchases of each customer in the next ``t`` time units.

        ``E[Y(t) | x, t_x, T] = (a + b + x) / (a - 1) [1 - ((alpha + T) / (alpha + T + t)) **
        (r + x) 2F1(r + x, b + x + 1; a + b + x; t / (alpha + T + t))] P(alive)``.

        Returns
        -------
        Series (indexed like ``X``) or array
        """
        return self._expected_purchases(X, t)

    # -- the pieces of _PurchaseModel ------------------------------------------------------
    # Alive at T after x repeat purchases, a customer has survived x + 1 dropout chances:
    # p ~ Beta(a, b + x + 1), lambda ~ Gamma(r + x, alpha + T), and from T on the process is a
    # BG/NBD (dropout after each further purchase only).
    _bracket_shift = 1.0

    def _alive(self, params, x, t_x, T):
        return self._p_alive(*params, x, t_x, T)

    @staticmethod
    def _given_alive(params, x, T, t):
        r, alpha, a, b = params
        x, T, t = np.broadcast_arrays(np.asarray(x, "float64"), np.asarray(T, "float64"),
                                      np.asarray(t, "float64"))
        return (a + b + x) / (a - 1) * bgnbd_bracket(r, alpha, a, b + 1.0, x, T, t)

    @staticmethod
    def _pmf_given_alive(params, x, T, t, k):
        r, alpha, a, b = params
        return _beta_geometric_pmf(r + x, alpha + T, a, b + x + 1.0, t, k, first=False)

    @staticmethod
    def _pmf_new(params, t, k):
        return _beta_geometric_pmf(*params, t, k, first=True)

    @staticmethod
    def _expected_new(params, t):
        r, alpha, a, b = params
        t = np.asarray(t, "float64")
        zero = np.zeros_like(t)
        return b / (a - 1) * bgnbd_bracket(r, alpha, a, b + 1.0, zero, zero, t)

    def expected_purchases_new(self, t: float) -> float:
        """Expected repeat purchases of a newly acquired customer in their first ``t`` time units.

        ``E[X(t)] = b / (a - 1) [1 - (alpha / (alpha + t)) ** r 2F1(r, b + 1; a + b; t / (alpha
        + t))]`` (Batislam et al. 2007).
        """
        r, alpha, a, b = self._check_fitted("expected_purchases_new")
        t = _horizon(t, "t", "MBGNBD.expected_purchases_new")
        if t == 0:
            return 0.0
        bracket = bgnbd_bracket(r, alpha, a, b + 1.0, np.zeros(1), np.zeros(1), t)[0]
        return float(b / (a - 1) * bracket)

    def probability_no_purchase(self, X: Any, t: float) -> Any:
        """Probability that each customer makes no purchase in the next ``t`` time units.

        ``1 - P(alive) + P(alive) ((alpha + T) / (alpha + T + t)) ** (r + x)``: dead, or alive
        and quiet (dropout happens only at a purchase, so it adds nothing without one).
        """
        r, alpha, a, b = self._check_fitted("probability_no_purchase")
        t = _horizon(t, "t", "MBGNBD.probability_no_purchase")
        x, t_x, T = _rfm_arrays(X, "MBGNBD.probability_no_purchase")
        alive = self._p_alive(r, alpha, a, b, x, t_x, T)
        with np.errstate(under="ignore"):
            stay = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
            value = 1 - alive + alive * stay
        return self._out(value, X, "p_no_purchase")

    @staticmethod
    def simulate(params: Sequence[float], T: Any, *, seed: int | None = 0) -> pd.DataFrame:
        """Simulate RFM summaries from the MBG/NBD with given parameters (for tests/teaching).

        Parameters
        ----------
        params : (r, alpha, a, b)
        T : array-like
            Observation length of each customer (time since the first purchase).
        seed : int, optional

        Returns
        -------
        pandas.DataFrame
            ``frequency``, ``recency``, ``T``; plus the latent ``lam``, ``p`` and ``alive``.

        Examples
        --------
        >>> MBGNBD.simulate((1.0, 5.0, 1.0, 3.0), T=[10.0, 20.0], seed=0).columns.tolist()
        ['frequency', 'recency', 'T', 'lam', 'p', 'alive']
        """
        return _simulate_beta_geometric(params, T, seed=seed, first=True)
