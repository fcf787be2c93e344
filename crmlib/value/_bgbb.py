"""The BG/BB model for discrete-time data (Fader, Hardie & Shang 2010) by maximum likelihood.

A customer has ``n`` transaction opportunities after the first transaction (annual
donation drives, yearly events). While alive they transact at each opportunity with
probability ``p``; at the start of each opportunity they become inactive, for good, with
probability ``theta``. Across customers ``p ~ Beta(alpha, beta)`` and ``theta ~ Beta(gamma,
delta)``. The summary of a customer is ``(x, t_x, n)``: ``x`` repeat transactions, the last
at opportunity ``t_x`` (0 without any). Given ``(p, theta)`` the likelihood is "alive through
``n``" plus "died at one of the opportunities ``t_x + i + 1 <= n`` after the last one":
``p**x (1-p)**(n-x) (1-theta)**n + sum_{i=0}^{n-t_x-1} p**x (1-p)**(t_x-x+i) theta
(1-theta)**(t_x+i)``. Averaging over the two beta distributions (eq. 5 of the paper),

.. math::

    L = \\frac{B(\\alpha+x, \\beta+n-x)}{B(\\alpha,\\beta)}\\frac{B(\\gamma, \\delta+n)}{B(\\gamma,\\delta)}
        + \\sum_{i=0}^{n-t_x-1} \\frac{B(\\alpha+x, \\beta+t_x-x+i)}{B(\\alpha,\\beta)}
          \\frac{B(\\gamma+1, \\delta+t_x+i)}{B(\\gamma,\\delta)},

every term positive: evaluated with ``betaln`` and a log-sum-exp over the terms, so it stays
finite for hundreds of opportunities. The gradient the optimiser uses is a central difference
of the vectorised log-likelihood in the log-parameters; standard errors come, as for the
other models, from the Hessian of that gradient.

The expressions for a customer (eqs. 8-13 of the paper) are written as sums of positive
terms too: ``E[X(n*)]`` of a new customer is ``alpha / (alpha + beta) sum_{t=1}^{n*} B(gamma,
delta + t) / B(gamma, delta)`` (equal to the paper's closed form, which divides by ``gamma -
1`` and is 0/0 at ``gamma = 1``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from crmlib._validation import check_columns, check_int
from crmlib.exceptions import DataError, ParameterError
from crmlib.value._btyd import _MLEModel, _compress, _with_central_gradient
from crmlib.value._inputs import MIN_CUSTOMERS, _as_float_columns, _bad_rows, _index_of

__all__ = ["BGBB", "bgbb_log_likelihood", "rfm_discrete"]

_GRAD_STEP = 1e-5
_COLUMNS = ("frequency", "recency", "n")


# =============================================================================================
# input
# =============================================================================================
def _bgbb_arrays(X: Any, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated frequency, recency and n arrays (whole numbers, x <= t_x <= n)."""
    x, t_x, n = _as_float_columns(X, _COLUMNS, where)
    index = _index_of(X)
    checks = [
        ("frequency, recency or n", ~(np.isfinite(x) & np.isfinite(t_x) & np.isfinite(n)),
         "is missing or infinite", "drop or fill these rows first"),
        ("frequency", (x < 0) | (x != np.round(x)), "must be a whole number >= 0",
         "it counts repeat transactions"),
        ("recency", (t_x < 0) | (t_x != np.round(t_x)), "must be a whole number >= 0",
         "it is the opportunity of the last transaction, 0 without any"),
        ("n", (n < 0) | (n != np.round(n)), "must be a whole number >= 0",
         "it counts the opportunities after the first transaction"),
        ("frequency", x > t_x, "must be <= recency",
         "x transactions need at least x opportunities up to the last one"),
        ("recency", (x == 0) & (t_x != 0), "must be 0 when frequency is 0",
         "without repeat transactions there is no last one"),
        ("n", t_x > n, "must be >= recency (opportunities fewer than recency)",
         "recency counts opportunities up to the last transaction, n all of them"),
    ]
    for column, bad, rule, hint in checks:
        bad = np.asarray(bad)
        if bad.any():
            raise DataError(f"{where}: column {column!r} {rule}; {_bad_rows(bad, index)} break "
                            f"the rule; {hint}.")
    return x, t_x, n


def _weights(X: Any, where: str) -> np.ndarray | None:
    if not (isinstance(X, pd.DataFrame) and "weights" in X.columns):
        return None
    try:
        w = X["weights"].to_numpy(dtype="float64", na_value=np.nan)
    except (TypeError, ValueError):
        raise DataError(f"{where}: column 'weights' must be numeric; it has dtype "
                        f"{X['weights'].dtype}.") from None
    bad = ~np.isfinite(w) | (w < 0) | (w != np.round(w))
    if bad.any():
        raise DataError(f"{where}: column 'weights' must hold whole numbers >= 0 (customers per "
                        f"row); {_bad_rows(bad, _index_of(X))} break the rule.")
    return w


# =============================================================================================
# likelihood and customer-level sums
# =============================================================================================
def _bgbb_parts(alpha, beta, gamma, delta, x, t_x, n):
    """Per-customer log-likelihood and the log of its "alive through n" term."""
    lb_ab, lb_gd = special.betaln(alpha, beta), special.betaln(gamma, delta)
    log_alive = (special.betaln(alpha + x, beta + n - x) - lb_ab
                 + special.betaln(gamma, delta + n) - lb_gd)
    gap = (n - t_x).astype("int64")
    m = int(gap.max()) if gap.size else 0
    if m == 0:
        return log_alive, log_alive
    i = np.arange(m)[None, :]
    with np.errstate(invalid="ignore"):
        terms = (special.betaln(alpha + x[:, None], beta + (t_x - x)[:, None] + i) - lb_ab
                 + special.betaln(gamma + 1.0, delta + t_x[:, None] + i) - lb_gd)
    terms = np.where(i < gap[:, None], terms, -np.inf)
    all_terms = np.concatenate([log_alive[:, None], terms], axis=1)
    return special.logsumexp(all_terms, axis=1), log_alive


def _log_survival_sum(gamma, delta, n, t):
    """``log sum_{k=1}^{t} B(gamma, delta + n + k) / B(gamma, delta)`` for each ``n``."""
    k = np.arange(1, t + 1)[None, :]
    terms = special.betaln(gamma, delta + n[:, None] + k) - special.betaln(gamma, delta)
    return special.logsumexp(terms, axis=1)


def bgbb_log_likelihood(params: Sequence[float], frequency: Any, recency: Any, n: Any) -> np.ndarray:
    """BG/BB log-likelihood of each customer (Fader, Hardie & Shang 2010, eq. 5).

    Parameters
    ----------
    params : sequence of 4 floats
        ``(alpha, beta, gamma, delta)``, all > 0.
    frequency, recency, n : array-like
        Repeat transactions ``x``, opportunity of the last one ``t_x`` (0 without any) and
        opportunities ``n``.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.

    Examples
    --------
    With no opportunity nothing was observed (likelihood 1); a customer with one
    opportunity and no transaction either died or was alive and did not transact:

    >>> import numpy as np
    >>> ll = bgbb_log_likelihood((1.0, 1.0, 1.0, 1.0), [0, 0], [0, 0], [0, 1])
    >>> bool(np.isclose(ll[0], 0.0)), bool(np.isclose(np.exp(ll[1]), 0.5 + 0.5 * 0.5))
    (True, True)
    """
    alpha, beta, gamma, delta = (float(v) for v in params)
    x, t_x, n = (np.atleast_1d(np.asarray(v, dtype="float64")) for v in (frequency, recency, n))
    return _bgbb_parts(alpha, beta, gamma, delta, x, t_x, n)[0]


def _bgbb_mean_nll(theta, x, t_x, n, w):
    alpha, beta, gamma, delta = np.exp(theta)
    return -np.dot(w, _bgbb_parts(alpha, beta, gamma, delta, x, t_x, n)[0]) / w.sum()


def _bgbb_nll(theta, x, t_x, n, w):
    """Mean negative log-likelihood and its central-difference gradient in log-parameters."""
    return _with_central_gradient(_bgbb_mean_nll, theta, x, t_x, n, w, step=_GRAD_STEP)


# =============================================================================================
# the model
# =============================================================================================
class BGBB(_MLEModel):
    """The beta-geometric/beta-Bernoulli model of discrete-time purchasing (Fader, Hardie & Shang 2010).

    At each of ``n`` opportunities an alive customer transacts with probability ``p ~
    Beta(alpha, beta)``; before each opportunity they may die, for good, with probability
    ``theta ~ Beta(gamma, delta)``. Fitted by maximum likelihood to ``(x, t_x, n)`` summaries
    (:func:`rfm_discrete`), like :class:`BGNBD`.

    Parameters
    ----------
    penalizer, max_iter, tol
        As in :class:`BGNBD`.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha``, ``beta``, ``gamma``, ``delta``.
    se_, n_customers_, log_likelihood_, converged_, n_iter_
        As in :class:`BGNBD`; ``n_customers_`` counts weighted customers.

    Examples
    --------
    >>> summary = BGBB.simulate((1.2, 0.75, 0.66, 2.8), n=6, size=5000, seed=1)
    >>> model = BGBB().fit(summary)
    >>> import numpy as np
    >>> bool(np.all(np.abs(np.log(model.params_ / [1.2, 0.75, 0.66, 2.8])) < 4 * model.se_ / model.params_))
    True
    >>> X = pd.DataFrame({"frequency": [2, 2], "recency": [2, 6], "n": [6, 6]})
    >>> p = model.probability_alive(X)
    >>> bool(p.iloc[0] < p.iloc[1])  # same frequency, the more recent one is likelier alive
    True
    """

    _names = ("alpha", "beta", "gamma", "delta")
    _title = "BG/BB"

    def fit(self, X: Any, y: Any = None) -> BGBB:
        """Fit to a summary with columns ``frequency``, ``recency``, ``n`` and optional ``weights``.

        ``weights`` (whole numbers) counts the customers of each row, as in the published
        donations summary; without it, duplicate rows are compressed.

        Returns
        -------
        self
        """
        where = "BGBB.fit"
        self._check_hyper()
        x, t_x, n = _bgbb_arrays(X, where)
        w = _weights(X, where)
        if w is None:
            (xu, tu, nu), wu = _compress(x, t_x, n)
        else:
            keep = w > 0
            (xu, tu, nu), wu = (x[keep], t_x[keep], n[keep]), w[keep]
        total = int(wu.sum())
        if total < MIN_CUSTOMERS:
            raise DataError(f"{where}: at least {MIN_CUSTOMERS} customers are needed to fit the "
                            f"model; got {total}. Use more customers.")
        if not (nu > 0).any() or not (xu > 0).any():
            raise DataError(f"{where}: no customer has a repeat transaction (or every n is 0), "
                            f"so the transaction and dropout probabilities cannot be told apart. "
                            f"Use more opportunities.")
        theta0 = np.zeros(4)
        self._optimise(lambda th: _bgbb_nll(th, xu, tu, nu, wu), theta0, total)
        self.n_customers_ = total
        return self

    def log_likelihood(self, X: Any) -> np.ndarray:
        """Log-likelihood of each row of ``X`` under the fitted parameters (one customer each)."""
        params = self._check_fitted("log_likelihood")
        return bgbb_log_likelihood(params, *_bgbb_arrays(X, "BGBB.log_likelihood"))

    def probability_alive(self, X: Any) -> Any:
        """Probability that each customer is alive at opportunity ``n + 1`` (eq. 11).

        ``B(alpha + x, beta + n - x) / B(alpha, beta) * B(gamma, delta + n + 1) / B(gamma,
        delta) / L``: the share of the "alive through ``n``" term of the likelihood, times the
        chance ``(delta + n) / (gamma + delta + n)`` of surviving one more opportunity.

        Returns
        -------
        Series (indexed like ``X``) or array
        """
        alpha, beta, gamma, delta = self._check_fitted("probability_alive")
        x, t_x, n = _bgbb_arrays(X, "BGBB.probability_alive")
        ll, log_alive = _bgbb_parts(alpha, beta, gamma, delta, x, t_x, n)
        log_p = log_alive - ll + np.log(delta + n) - np.log(gamma + delta + n)
        return self._out(np.exp(np.minimum(log_p, 0.0)), X, "p_alive")

    def expected_purchases(self, X: Any, t: int) -> Any:
        """Expected transactions of each customer in the next ``t`` opportunities (eq. 13).

        ``B(alpha + x + 1, beta + n - x) / B(alpha, beta) * sum_{k=1}^{t} B(gamma, delta + n +
        k) / B(gamma, delta) / L``, the sum being the paper's closed form in gamma functions.

        Returns
        -------
        Series (indexed like ``X``) or array
        """
        alpha, beta, gamma, delta = self._check_fitted("expected_purchases")
        t = check_int(t, "t", where="BGBB.expected_purchases", low=0)
        x, t_x, n = _bgbb_arrays(X, "BGBB.expected_purchases")
        if t == 0:
            return self._out(np.zeros_like(x), X, "expected_purchases")
        ll = _bgbb_parts(alpha, beta, gamma, delta, x, t_x, n)[0]
        log_e = (special.betaln(alpha + x + 1, beta + n - x) - special.betaln(alpha, beta)
                 + _log_survival_sum(gamma, delta, n, t) - ll)
        return self._out(np.exp(log_e), X, "expected_purchases")

    def expected_purchases_new(self, t: int) -> float:
        """Expected transactions of a new customer in the first ``t`` opportunities (eq. 8).

        ``alpha / (alpha + beta) * sum_{k=1}^{t} B(gamma, delta + k) / B(gamma, delta)``, the
        first transaction not counted.
        """
        alpha, beta, gamma, delta = self._check_fitted("expected_purchases_new")
        t = check_int(t, "t", where="BGBB.expected_purchases_new", low=0)
        if t == 0:
            return 0.0
        log_sum = _log_survival_sum(gamma, delta, np.zeros(1), t)[0]
        return float(alpha / (alpha + beta) * np.exp(log_sum))

    def probability_of_n_purchases(self, t: int, x: int) -> float:
        """Probability that a new customer makes ``x`` repeat transactions in ``t`` opportunities (eq. 7).

        ``C(t, x) B(alpha + x, beta + t - x) / B(alpha, beta) * B(gamma, delta + t) /
        B(gamma, delta) + sum_{i=x}^{t-1} C(i, x) B(alpha + x, beta + i - x) / B(alpha, beta)
        * B(gamma + 1, delta + i) / B(gamma, delta)``: alive through ``t``, or died after
        opportunity ``i``, having made ``x`` transactions among the ``i`` before.
        """
        alpha, beta, gamma, delta = self._check_fitted("probability_of_n_purchases")
        where = "BGBB.probability_of_n_purchases"
        t = check_int(t, "t", where=where, low=0)
        x = check_int(x, "x", where=where, low=0)
        if x > t:
            return 0.0
        lb_ab, lb_gd = special.betaln(alpha, beta), special.betaln(gamma, delta)

        def log_choose(m, k):
            return special.gammaln(m + 1) - special.gammaln(k + 1) - special.gammaln(m - k + 1)

        i = np.arange(x, t, dtype="float64")
        terms = np.concatenate([
            [log_choose(t, x) + special.betaln(alpha + x, beta + t - x) - lb_ab
             + special.betaln(gamma, delta + t) - lb_gd],
            log_choose(i, x) + special.betaln(alpha + x, beta + i - x) - lb_ab
            + special.betaln(gamma + 1.0, delta + i) - lb_gd,
        ])
        return float(np.exp(special.logsumexp(terms)))

    @staticmethod
    def simulate(params: Sequence[float], n: Any, *, size: int | None = None,
                 seed: int | None = 0) -> pd.DataFrame:
        """Simulate ``(x, t_x, n)`` summaries from the BG/BB (for tests and teaching).

        Parameters
        ----------
        params : (alpha, beta, gamma, delta)
        n : int or array-like
            Opportunities of each customer (an int with ``size`` customers).
        size : int, optional
            Number of customers when ``n`` is an int.
        seed : int, optional

        Returns
        -------
        pandas.DataFrame
            ``frequency``, ``recency``, ``n``; plus the latent ``p``, ``theta`` and ``alive``
            (alive at opportunity ``n + 1``).

        Examples
        --------
        >>> BGBB.simulate((1.0, 1.0, 1.0, 3.0), n=[3, 6], seed=0).columns.tolist()
        ['frequency', 'recency', 'n', 'p', 'theta', 'alive']
        """
        alpha, beta, gamma, delta = (float(v) for v in params)
        opp = np.asarray(n, dtype="int64")
        if opp.ndim == 0:
            opp = np.full(int(size if size is not None else 1), int(opp))
        rng = np.random.default_rng(seed)
        m = len(opp)
        p = rng.beta(alpha, beta, m)
        theta = rng.beta(gamma, delta, m)
        # alive at opportunities 1 .. death - 1; death ~ Geometric(theta) on 1, 2, ...
        death = rng.geometric(theta)
        width = int(opp.max()) if m else 0
        k = np.arange(1, width + 1)[None, :]
        buys = (rng.random((m, width)) < p[:, None]) & (k < death[:, None]) & (k <= opp[:, None])
        x = buys.sum(axis=1)
        t_x = np.where(x > 0, np.where(buys, k, 0).max(axis=1, initial=0), 0)
        return pd.DataFrame({"frequency": x, "recency": t_x, "n": opp, "p": p, "theta": theta,
                             "alive": death > opp + 1})


# =============================================================================================
# summary of a transaction log
# =============================================================================================
def rfm_discrete(transactions: pd.DataFrame, *, customer_col: str = "customer_id",
                 date_col: str = "order_date", period: str = "year", first: Any = None,
                 last: Any = None) -> pd.DataFrame:
    """The ``(x, t_x, n)`` summary of a transaction log, in opportunities (periods).

    Each customer's dates are mapped to periods (calendar ``"year"``, ``"quarter"``,
    ``"month"`` or ``"week"``); the period of their first transaction is opportunity 0 and
    the later periods up to ``last`` are their ``n`` opportunities. ``frequency`` counts the
    opportunities with a transaction (several in one period count once), ``recency`` is the
    opportunity of the last one (0 without any).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    customer_col, date_col : str
    period : {"year", "quarter", "month", "week"}
    first : date-like, optional
        Keep only the cohort whose first transaction falls in this date's period (the
        donations data are the 1995 cohort).
    last : date-like, optional
        The last opportunity (the end of the calibration); later transactions are ignored.
        Default: the period of the latest transaction.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``n``, indexed by customer.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["A", "A", "A", "B"],
    ...     "order_date": pd.to_datetime(["1995-03-01", "1997-05-01", "1997-06-01", "1996-01-01"])})
    >>> rfm_discrete(log, last="2001-12-31")
                 frequency  recency  n
    customer_id
    A                    1        2  6
    B                    0        0  5
    """
    where = "rfm_discrete"
    if not isinstance(transactions, pd.DataFrame):
        raise ParameterError(f"{where}: transactions must be a pandas DataFrame; got "
                             f"{type(transactions).__name__}.")
    check_columns(transactions.columns, [customer_col, date_col], where=where)
    freq = {"year": "Y", "quarter": "Q", "month": "M", "week": "W"}
    if period not in freq:
        raise ParameterError(f"{where}: period must be one of {list(freq)}; got {period!r}.")
    raw = transactions[date_col]
    dates = (raw if pd.api.types.is_datetime64_any_dtype(raw)
             else pd.to_datetime(raw, errors="coerce", format="mixed"))
    bad = dates.isna().to_numpy()
    if bad.any():
        raise DataError(f"{where}: column {date_col!r} must hold dates; "
                        f"{_bad_rows(bad, transactions.index)} are missing or not dates.")
    if getattr(dates.dt, "tz", None) is not None:
        dates = dates.dt.tz_localize(None)
    ordinal = np.asarray(dates.dt.to_period(freq[period]).array.asi8, dtype="int64")
    frame = pd.DataFrame({"c": transactions[customer_col].to_numpy(), "o": ordinal})
    end = (int(pd.Period(pd.Timestamp(last), freq=freq[period]).ordinal) if last is not None
           else int(ordinal.max()))
    start = frame.groupby("c", sort=True)["o"].min()
    if first is not None:
        cohort = int(pd.Period(pd.Timestamp(first), freq=freq[period]).ordinal)
        start = start[start == cohort]
    start = start[start <= end]
    frame = frame[frame["c"].isin(start.index) & (frame["o"] <= end)].drop_duplicates()
    rel = frame["o"].to_numpy() - start.reindex(frame["c"]).to_numpy()
    frame = frame.assign(rel=rel)
    repeat = frame[frame["rel"] > 0].groupby("c")["rel"]
    out = pd.DataFrame({
        "frequency": repeat.size().reindex(start.index, fill_value=0),
        "recency": repeat.max().reindex(start.index, fill_value=0),
        "n": end - start,
    }).astype("int64")
    out.index.name = customer_col
    return out
