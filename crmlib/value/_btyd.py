"""Buy-till-you-die models by maximum likelihood: the shared machinery, BG/NBD and Gamma-Gamma."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import check_choice, check_int, check_real
from crmlib.exceptions import DataError, NotFittedError, ParameterError
from crmlib.value._inputs import (
    _LOG_BOUND,
    FEW_CUSTOMERS,
    MIN_CUSTOMERS,
    ConvergenceError,
    _as_float_columns,
    _bad_rows,
    _check_fit_sample,
    _horizon,
    _index_of,
    _rfm_arrays,
)
from crmlib.value._special import bgnbd_bracket

__all__ = [
    "BGNBD",
    "GammaGamma",
    "ModelSummary",
    "bgnbd_log_likelihood",
    "gamma_gamma_log_likelihood",
]


# =============================================================================================
# results object
# =============================================================================================
@dataclass(frozen=True, repr=False)
class ModelSummary(SummaryDisplay):
    """The fit of a model: estimates, standard errors, log-likelihood and numbered notes.

    Shown as text in a console and, in Jupyter, as the first line, the table and the notes
    (:class:`crmlib._results.SummaryDisplay`).

    Attributes
    ----------
    model : str
        Model name.
    table : pandas.DataFrame
        One row per parameter: ``estimate``, ``se`` (from the inverse Hessian of the
        log-likelihood, delta method) and the ``1 - alpha`` interval ``ci_low``, ``ci_high``
        (computed in log space, so always positive).
    log_likelihood : float
    n_customers : int
    notes : tuple of str
        Caveats: few customers, parameters at a boundary, very wide intervals.
    alpha : float
        Significance level of the intervals (0.05: 95% intervals).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"estimate": [0.5], "se": [0.1], "ci_low": [0.33], "ci_high": [0.74]},
    ...                      index=["r"])
    >>> print(ModelSummary("Demo", table, -12.5, 300, ("Few customers.",)))
    Demo: 300 customers, log-likelihood -12.5000, 95% intervals
       estimate   se  ci_low  ci_high
    r       0.5  0.1    0.33     0.74
    Notes:
    [1] Few customers.
    """

    _html_table = "table"
    _html_notes = "notes"
    _html_lines = 1
    _html_float = "{:.4g}"

    model: str
    table: pd.DataFrame
    log_likelihood: float
    n_customers: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    alpha: float = 0.05

    def summary(self) -> str:
        """The fit as text."""
        lines = [
            f"{self.model}: {self.n_customers:,} customers, log-likelihood "
            f"{self.log_likelihood:,.4f}, {100 * (1 - self.alpha):g}% intervals",
            self.table.to_string(float_format=lambda v: f"{v:.4g}"),
        ]
        return "\n".join(lines + format_notes(self.notes))

    def to_frame(self) -> pd.DataFrame:
        """The parameter table (a copy)."""
        return self.table.copy()


# =============================================================================================
# maximum likelihood in log space
# =============================================================================================
def _with_central_gradient(mean_nll, theta: np.ndarray, *args, step: float = 1e-5):
    """``(mean_nll(theta), its central-difference gradient)``, for likelihoods without an
    analytic gradient (Pareto/NBD, BG/BB); ``step`` is in the log-parameters."""
    value = mean_nll(theta, *args)
    grad = np.empty(len(theta))
    for j in range(len(theta)):
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        grad[j] = (mean_nll(up, *args) - mean_nll(down, *args)) / (2 * step)
    return value, grad


def _numeric_hessian(grad, theta: np.ndarray) -> np.ndarray:
    """Hessian of a scalar function from its analytic gradient (central differences)."""
    k = len(theta)
    hess = np.empty((k, k))
    for j in range(k):
        step = 1e-5 * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        hess[:, j] = (grad(up) - grad(down)) / (2 * step)
    return (hess + hess.T) / 2


class _NotFitted(NotFittedError, ParameterError):
    """:class:`NotFittedError` that is also the :class:`ParameterError` raised before it existed."""


class _MLEModel:
    """Shared fitting machinery: minimise the mean negative log-likelihood over log-params.

    Learned attributes (public names ending in ``_``) exist only after ``fit``; before it,
    reading one raises :class:`~crmlib.exceptions.NotFittedError` (also an
    ``AttributeError``, so ``hasattr(model, "params_")`` is False), as do the methods that
    need the fitted parameters.
    """

    _names: tuple[str, ...] = ()
    _title = ""

    def __init__(self, *, penalizer: float = 0.0, max_iter: int = 1000, tol: float = 1e-10):
        self.penalizer = penalizer
        self.max_iter = max_iter
        self.tol = tol

    # scikit-learn's clone() and repr use get_params/set_params
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Hyper-parameters, as scikit-learn's ``get_params``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> _MLEModel:
        """Set hyper-parameters, as scikit-learn's ``set_params``."""
        valid = self._param_names()
        for key, value in params.items():
            if key not in valid:
                raise ParameterError(
                    f"{type(self).__name__}.set_params: unknown parameter {key!r}. Valid "
                    f"parameters: {valid}."
                )
            setattr(self, key, value)
        return self

    @classmethod
    def _param_names(cls) -> list[str]:
        import inspect

        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_hyper(self) -> None:
        where = f"{type(self).__name__}.fit"
        check_real(self.penalizer, "penalizer", where=where, low=0)
        check_int(self.max_iter, "max_iter", where=where, low=1)
        check_real(self.tol, "tol", where=where, low=0, low_inclusive=False)

    def _not_fitted(self, where: str) -> NotFittedError:
        return _NotFitted(
            f"{type(self).__name__}.{where}: this model is not fitted yet, so it has no "
            f"learned parameters. Call fit(summary) first, e.g. "
            f"{type(self).__name__}().fit(rfm_weeks(transactions, as_of=...))."
        )

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: a learned attribute (or property) before fit
        if name.endswith("_") and not name.startswith("_"):
            raise self._not_fitted(name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _check_fitted(self, where: str) -> np.ndarray:
        if "params_" not in vars(self):
            raise self._not_fitted(where)
        return self.params_.to_numpy(dtype="float64")

    def _optimise(self, nll_and_grad, theta0: np.ndarray, n: int) -> None:
        """Minimise, check convergence, set the learned attributes."""
        pen = float(self.penalizer)

        def fun(theta):
            value, grad = nll_and_grad(theta)
            if pen:
                params = np.exp(theta)
                value = value + pen * np.sum(params**2)
                grad = grad + pen * 2 * params**2
            return value, grad

        name = type(self).__name__
        with np.errstate(all="ignore"):
            start_value, start_grad = fun(theta0)
        if not np.isfinite(start_value):
            raise ConvergenceError(
                f"{name}.fit: the log-likelihood is not finite at the starting values "
                f"{dict(zip(self._names, [round(float(v), 4) for v in np.exp(theta0)], strict=True))}; check the "
                f"summary for extreme values (time unit, monetary scale)."
            )
        # BFGS's first step is minus the gradient (a unit inverse Hessian). The penalty's
        # gradient, 2 * penalizer * params**2, is in the thousands at the starting values when a
        # parameter is in time units (alpha ~ 1 / purchase rate): that first step flung the
        # log-parameters by thousands, onto the plateau where a, b -> 0 and the gradient
        # vanishes without an optimum. Scaling the initial inverse Hessian so that the first
        # step changes no log-parameter by more than 1 fixes it; when the gradient is already
        # below 1 (the unpenalized fits) nothing changes.
        scale = max(1.0, float(np.max(np.abs(start_grad)))) if np.all(np.isfinite(start_grad)) else 1.0
        options = {"maxiter": int(self.max_iter), "gtol": float(self.tol) ** 0.5 * 1e-2}
        if scale > 1.0:
            options["hess_inv0"] = np.eye(len(theta0)) / scale
        with np.errstate(all="ignore"):
            res = optimize.minimize(fun, theta0, jac=True, method="BFGS", options=options)
            if res.status == 1:
                raise ConvergenceError(
                    f"{name}.fit did not converge: it reached max_iter={self.max_iter} "
                    f"iterations (largest gradient {float(np.max(np.abs(res.jac))):.2g}). Raise "
                    f"max_iter, or check the summary (time unit, extreme values)."
                )
            # polish with Newton steps on the analytic gradient (BFGS may stop on precision loss)
            theta = res.x
            for _ in range(0 if res.success else 20):
                g = fun(theta)[1]
                if np.max(np.abs(g)) < 1e-12:
                    break
                h = _numeric_hessian(lambda th: fun(th)[1], theta)
                try:
                    step = np.linalg.solve(h, g)
                except np.linalg.LinAlgError:
                    break
                if not np.all(np.isfinite(step)):
                    break
                new = theta - step
                if fun(new)[0] > fun(theta)[0] + 1e-14:
                    break
                theta = new
            value, grad = fun(theta)
        gmax = float(np.max(np.abs(grad)))
        if not (np.isfinite(value) and np.all(np.isfinite(theta))) or not gmax <= 1e-4:
            raise ConvergenceError(
                f"{name}.fit did not converge after {res.nit} iterations ({res.message}); the "
                f"largest gradient of the mean log-likelihood is {gmax:.2g}, log-parameters "
                f"{dict(zip(self._names, [round(float(v), 3) for v in theta], strict=True))}. A parameter "
                f"running off to 0 or infinity means the data do not identify the model "
                f"(e.g. almost no repeat purchases): use more data, rescale time, or set "
                f"penalizer > 0."
            )
        with np.errstate(all="ignore"):
            hess = _numeric_hessian(lambda th: nll_and_grad(th)[1], theta) * n
            try:
                cov = np.linalg.inv(hess)
                se_log = np.sqrt(np.where(np.diag(cov) > 0, np.diag(cov), np.nan))
            except np.linalg.LinAlgError:
                cov = np.full((len(theta), len(theta)), np.nan)
                se_log = np.full(len(theta), np.nan)
        params = np.exp(theta)
        self.params_ = pd.Series(params, index=list(self._names), name="estimate")
        self.se_ = pd.Series(params * se_log, index=list(self._names), name="se")
        self._se_log = se_log
        # covariance of the log-parameters (inverse Hessian): crmlib.value.clv_interval draws from it
        self._cov_log = cov
        self.log_likelihood_ = float(-nll_and_grad(theta)[0] * n)
        self.converged_ = True
        self.n_iter_ = int(res.nit)

    def _out(self, values: np.ndarray, X: Any, name: str) -> Any:
        """Per-customer values as a Series indexed like ``X`` (an array for array input)."""
        index = _index_of(X)
        return pd.Series(values, index=index, name=name) if index is not None else values

    def _fit_rfm(self, X: Any, nll, *, distinct_x: bool = True, last_start=None):
        """Fit a four-parameter purchase/dropout model to an RFM summary.

        ``nll(theta, x, t_x, T, w[, xs, inv])`` is the mean negative log-likelihood and its
        gradient on the compressed rows (``xs``/``inv``: distinct frequencies, passed when
        ``distinct_x``). Start: ``r = 1``, ``alpha`` = 1 / mean purchase rate, the third
        parameter 1 and the fourth ``last_start(T)`` (default 1).
        """
        where = f"{type(self).__name__}.fit"
        self._check_hyper()
        x, t_x, T = _rfm_arrays(X, where)
        _check_fit_sample(x, T, where)
        (xu, tu, Tu), w = _compress(x, t_x, T)
        extra = np.unique(xu, return_inverse=True) if distinct_x else ()
        mean_rate = max(x.mean(), 0.1) / max(T.mean(), 1e-9)
        theta0 = np.log([1.0, 1.0 / mean_rate, 1.0, 1.0 if last_start is None else last_start(T)])
        self._optimise(lambda th: nll(th, xu, tu, Tu, w, *extra), theta0, len(x))
        self.n_customers_ = len(x)
        return self

    def summary(self, alpha: float = 0.05) -> ModelSummary:
        """Estimates, standard errors, ``1 - alpha`` intervals and caveats of the fit.

        The intervals are ``exp(log(estimate) -/+ z * se_log)`` with ``z`` the two-sided
        normal critical value of ``alpha`` (1.95996… for 0.05) and ``se_log`` the standard
        error of the log-parameter: Wald intervals in log space, so always positive.

        Returns
        -------
        ModelSummary
        """
        name = type(self).__name__
        self._check_fitted("summary")
        z = critical_value(alpha, where=f"{name}.summary")
        est = self.params_
        log_est = np.log(est.to_numpy())
        with np.errstate(over="ignore", invalid="ignore"):
            table = pd.DataFrame({
                "estimate": est,
                "se": self.se_,
                "ci_low": np.exp(log_est - z * self._se_log),
                "ci_high": np.exp(log_est + z * self._se_log),
            })
        notes = []
        if self.n_customers_ < FEW_CUSTOMERS:
            notes.append(
                f"Few customers ({self.n_customers_} < {FEW_CUSTOMERS}): estimates are "
                f"uncertain; read the intervals."
            )
        for name, value in zip(self._names, log_est, strict=True):
            if abs(value) > _LOG_BOUND:
                notes.append(
                    f"{name} = {math.exp(value):.3g} is at the boundary of the parameter space: "
                    f"the data hardly identify it."
                )
        wide = table.index[(table["se"] / table["estimate"]) > 0.5].tolist()
        if wide:
            notes.append(f"Wide intervals (se > 50% of the estimate) for {wide}.")
        notes += self._extra_notes()
        return ModelSummary(
            model=self._title, table=table, log_likelihood=self.log_likelihood_,
            n_customers=self.n_customers_, notes=tuple(notes), alpha=float(alpha),
        )

    def _extra_notes(self) -> list[str]:
        return []


class _PurchaseModel(_MLEModel):
    """What the continuous-time purchase models (BG/NBD, MBG/NBD, Pareto/NBD) share.

    Every conditional quantity of these models is P(alive) times the same quantity for a
    customer known to be alive at ``T``, whose future is the model's own process with
    posterior parameters; a subclass supplies ``_alive(params, x, t_x, T)``,
    ``_given_alive(params, x, T, t)`` (expected purchases in ``(T, T + t]`` given alive) and
    ``_pmf_given_alive(params, x, T, t, k)`` (their distribution). P(alive) needs ``(x, t_x,
    T)``, the rest ``(x, T)`` only, which CLV and the evaluation suite
    (:mod:`crmlib.value._evaluation`) exploit.
    """

    def _expected_purchases(self, X: Any, t: float) -> Any:
        name = type(self).__name__
        params = self._check_fitted("expected_purchases")
        t = _horizon(t, "t", f"{name}.expected_purchases")
        x, t_x, T = _rfm_arrays(X, f"{name}.expected_purchases")
        return self._out(self._cond_expected(params, x, t_x, T, t), X, "expected_purchases")

    def _cond_expected(self, params, x, t_x, T, t):
        if t == 0:
            return np.zeros_like(x)
        value = self._given_alive(params, x, T, t) * self._alive(params, x, t_x, T)
        if not np.all(np.isfinite(value)):
            raise ConvergenceError(
                f"{type(self).__name__}.expected_purchases: the hypergeometric series did not "
                f"give a finite value for {int((~np.isfinite(value)).sum())} customers (t={t}). "
                f"Use a shorter horizon t, or check the fit's summary() (for the BG/NBD family, "
                f"a close to 1: a={params[2]:.4g})."
            )
        return value

    def _pmf_new(self, params, t, k):
        """P(k repeat purchases by t) of a new customer: alive at 0 with nothing bought yet."""
        return self._pmf_given_alive(params, 0.0, 0.0, t, k)

    def _expected_new(self, params, t):
        return self._given_alive(params, 0.0, 0.0, np.asarray(t, "float64"))

    def probability_of_n_purchases(self, t: float, x: int) -> float:
        """Probability that a newly acquired customer makes ``x`` repeat purchases by ``t``.

        The model's count distribution: for the BG/NBD ``B(a, b + x) / B(a, b) NB(x) + [x > 0]
        B(a + 1, b + x - 1) / B(a, b) P(N(t) >= x)`` (FHL 2005, eq. 8; alive throughout, or
        gone right after the x-th purchase), for the MBG/NBD the same with a dropout chance at
        time 0 (``b`` shifted by one in both weights, and ``x = 0`` may be gone), for the
        Pareto/NBD the gamma-mixed Poisson count over the lifetime, integrated over the
        lifetime's distribution function by 64-point Gauss-Legendre. ``NB`` is the negative
        binomial count of the gamma-mixed Poisson process. The compute behind
        :func:`repeat_purchase_histogram`.
        """
        name = type(self).__name__
        params = self._check_fitted("probability_of_n_purchases")
        t = _horizon(t, "t", f"{name}.probability_of_n_purchases")
        x = check_int(x, "x", where=f"{name}.probability_of_n_purchases", low=0)
        return float(self._pmf_new(params, t, x))


def _compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of the columns and their counts (the likelihood is a sum over customers)."""
    frame = pd.DataFrame({f"c{i}": c for i, c in enumerate(columns)})
    counts = frame.groupby(list(frame.columns), sort=False).size()
    keys = counts.index.to_frame(index=False)
    return [keys[c].to_numpy(dtype="float64") for c in frame.columns], counts.to_numpy("float64")


# =============================================================================================
# BG/NBD
# =============================================================================================
def _bgnbd_terms(r, alpha, a, b, x, t_x, T, xs=None, inv=None):
    """Per-customer log-likelihood pieces and the weights of its two terms.

    ``xs``/``inv``: optional distinct frequencies and the inverse index (``xs[inv] == x``), so
    that terms depending on x only are computed once per distinct value.
    """
    def per_x(func):
        return func(x) if xs is None else func(xs)[inv]

    rx = r + x
    log_a3 = -rx * np.log(alpha + T)
    repeat = x > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_a4 = np.where(
            repeat, np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - rx * np.log(alpha + t_x),
            -np.inf,
        )
    log_sum = np.logaddexp(log_a3, log_a4)
    ll = (
        per_x(lambda k: special.gammaln(r + k) + special.betaln(a, b + k))
        - special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b) + log_sum
    )
    w3 = np.exp(log_a3 - log_sum)
    w4 = np.exp(log_a4 - log_sum)
    return ll, w3, w4


def bgnbd_log_likelihood(params: Sequence[float], frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """BG/NBD log-likelihood of each customer (Fader, Hardie & Lee 2005, eq. 6).

    .. math::

        L = \\frac{\\Gamma(r+x)\\alpha^r}{\\Gamma(r)}
            \\frac{B(a, b+x)}{B(a, b)}
            \\left[\\left(\\frac{1}{\\alpha+T}\\right)^{r+x}
            + \\delta_{x>0}\\frac{a}{b+x-1}\\left(\\frac{1}{\\alpha+t_x}\\right)^{r+x}\\right]

    computed in logs (``gammaln``, ``betaln``, ``logaddexp``).

    Parameters
    ----------
    params : sequence of 4 floats
        ``(r, alpha, a, b)``, all > 0.
    frequency, recency, T : array-like
        Repeat purchases ``x``, time of the last purchase ``t_x`` and age ``T``, measured from
        the first purchase.

    Returns
    -------
    numpy.ndarray
        One log-likelihood per customer.

    Examples
    --------
    A customer without repeat purchases observed for ``T`` has likelihood
    ``(alpha / (alpha + T)) ** r``:

    >>> import numpy as np
    >>> ll = bgnbd_log_likelihood((0.5, 2.0, 1.0, 3.0), [0], [0.0], [10.0])
    >>> bool(np.isclose(ll[0], 0.5 * np.log(2.0 / 12.0)))
    True
    """
    r, alpha, a, b = (float(v) for v in params)
    x, t_x, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    return _bgnbd_terms(r, alpha, a, b, x, t_x, T)[0]


def _bgnbd_nll(theta, x, t_x, T, w, xs=None, inv=None):
    """Mean negative log-likelihood and its gradient with respect to log-parameters."""
    r, alpha, a, b = np.exp(theta)
    ll, w3, w4 = _bgnbd_terms(r, alpha, a, b, x, t_x, T, xs, inv)

    def per_x(func):
        return func(x) if xs is None else func(xs)[inv]

    rx = r + x
    dr = per_x(lambda k: special.digamma(r + k)) - special.digamma(r) + np.log(alpha) - w3 * np.log(alpha + T) - w4 * np.log(alpha + t_x)
    dalpha = r / alpha - w3 * rx / (alpha + T) - w4 * rx / (alpha + t_x)
    dab = special.digamma(a + b) - per_x(lambda k: special.digamma(a + b + k))
    da = dab + w4 / a
    with np.errstate(divide="ignore", invalid="ignore"):
        db = (dab + per_x(lambda k: special.digamma(b + k)) - special.digamma(b)
              - np.where(x > 0, w4 / (b + x - 1), 0.0))
    total = w.sum()
    grad = np.array([
        r * np.dot(w, dr), alpha * np.dot(w, dalpha), a * np.dot(w, da), b * np.dot(w, db),
    ]) / total
    return -np.dot(w, ll) / total, -grad


def _nb_log_pmf(r, alpha, t, k, log_coef=None):
    """log P(N(t) = k) for a Poisson process whose rate is Gamma(r, alpha) (shape, rate).

    ``log_coef`` (optional) is ``log Gamma(r + k) - log Gamma(r) - log k!``, for callers that
    evaluate many ``t`` at the same ``(r, k)``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if log_coef is None:
            log_coef = special.gammaln(r + k) - special.gammaln(r) - special.gammaln(k + 1.0)
        return (log_coef + r * (np.log(alpha) - np.log(alpha + t))
                + special.xlogy(k, t) - k * np.log(alpha + t))


def _nb_tail(r, alpha, t, k):
    """P(N(t) >= k) of the same count: the regularized incomplete beta I_z(k, r), z = t / (alpha + t)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = t / (alpha + t)
        return np.where(k > 0, special.betainc(np.maximum(k, 1.0), r, z), 1.0)


def _beta_geometric_pmf(r, alpha, a, b, t, k, *, first: bool):
    """P(X(t) = k) of the BG/NBD (``first=False``) or the MBG/NBD (``first=True``).

    Alive after the k-th purchase with probability ``(1 - p) ** k`` (``** (k + 1)`` when the
    customer may leave at time 0) and then exactly k events; or gone right after the k-th
    purchase (``p (1 - p) ** (k - 1)``, resp. ``p (1 - p) ** k``), which needs at least k
    events. Averaged over ``p ~ Beta(a, b)`` these weights are ratios of beta functions.
    """
    k = np.asarray(k, dtype="float64")
    shift = 1.0 if first else 0.0
    with np.errstate(all="ignore"):
        log_beta = special.betaln(a, b)
        alive = np.exp(special.betaln(a, b + k + shift) - log_beta + _nb_log_pmf(r, alpha, t, k))
        can_go = k + shift >= 1  # no dropout before the first opportunity
        gone_b = np.where(can_go, b + k + shift - 1.0, 1.0)
        gone = np.where(can_go, np.exp(special.betaln(a + 1.0, gone_b) - log_beta), 0.0)
        value = alive + gone * _nb_tail(r, alpha, t, k)
    return value


def _simulate_beta_geometric(params: Sequence[float], T: Any, *, seed: int | None, first: bool) -> pd.DataFrame:
    """RFM summaries of the BG/NBD (``first=False``) or the MBG/NBD (``first=True``: a
    customer may also leave right after the first purchase)."""
    r, alpha, a, b = (float(v) for v in params)
    T = np.asarray(T, dtype="float64")
    rng = np.random.default_rng(seed)
    n = len(T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    # repeat purchases after which the customer leaves (MBG/NBD: 0 = right after the first)
    k = rng.geometric(p) - (1 if first else 0)
    events = rng.poisson(lam * T)
    x = np.minimum(events, k)
    dropped = events >= k
    # the x observed event times are the first x of `events` uniform order statistics on (0, T)
    last = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(events - x + 1, 1)), 0.0)
    return pd.DataFrame({
        "frequency": x, "recency": last, "T": T, "lam": lam, "p": p, "alive": ~dropped,
    })


class BGNBD(_PurchaseModel):
    """The BG/NBD "buy till you die" model (Fader, Hardie & Lee 2005).

    While alive, a customer buys at Poisson rate ``lambda``; after each repeat purchase they
    drop out for good with probability ``p``. Across customers ``lambda ~ Gamma(r, alpha)``
    (shape ``r``, rate ``alpha``: mean purchase rate ``r / alpha``) and ``p ~ Beta(a, b)``
    (mean dropout probability ``a / (a + b)``). Fitted by maximum likelihood on the RFM summary
    (``frequency`` = repeat purchases, ``recency`` = time from the first to the last purchase,
    ``T`` = time from the first purchase to the end of the observation).

    Parameters
    ----------
    penalizer : float, default 0
        L2 penalty ``penalizer * sum(params ** 2)`` added to the mean negative
        log-likelihood (0 = plain maximum likelihood).
    max_iter : int, default 1000
        Iterations of the BFGS optimiser.
    tol : float, default 1e-10
        Convergence tolerance (the gradient tolerance is ``sqrt(tol) / 100``).

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b``.
    se_ : pandas.Series
        Standard errors (inverse Hessian, delta method).
    n_customers_ : int
    log_likelihood_ : float
        Total log-likelihood at the estimate (without the penalty).
    converged_ : bool
        Always True on a fitted model: a fit that does not converge raises
        :class:`ConvergenceError`.
    n_iter_ : int

    Notes
    -----
    Customers with ``T = 0`` (first purchase on the last day) are kept; they add nothing to
    the likelihood. Purchases on the same day must be collapsed to one (as
    :func:`crmlib.engine.rfm_summary` does), since a repeat purchase at recency 0 is rejected.
    The model keeps no training data and pickles with the standard library.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> summary = BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=rng.uniform(20, 40, 5000), seed=1)
    >>> model = BGNBD().fit(summary)
    >>> model.params_.round(2).tolist()
    [0.49, 3.72, 0.91, 2.87]
    >>> model.probability_alive(pd.DataFrame({"frequency": [0, 3], "recency": [0.0, 5.0], "T": [30.0, 30.0]})).round(3).tolist()
    [1.0, 0.046]
    """

    _names = ("r", "alpha", "a", "b")
    _title = "BG/NBD"

    def fit(self, X: Any, y: Any = None) -> BGNBD:
        """Fit to an RFM summary.

        Parameters
        ----------
        X : DataFrame or array of shape (n, 3)
            Columns ``frequency``, ``recency``, ``T`` (or ``frequency_cal``, ``recency_cal``,
            ``T_cal`` of a calibration/holdout summary), one row per customer.
        y : ignored

        Returns
        -------
        self
        """
        return self._fit_rfm(X, _bgnbd_nll)

    @property
    def mean_purchase_rate_(self) -> float:
        """Mean purchase rate across customers, ``r / alpha`` (purchases per time unit)."""
        r, alpha, _, _ = self._check_fitted("mean_purchase_rate_")
        return float(r / alpha)

    @property
    def mean_dropout_prob_(self) -> float:
        """Mean dropout probability after a purchase, ``a / (a + b)``."""
        _, _, a, b = self._check_fitted("mean_dropout_prob_")
        return float(a / (a + b))

    def _extra_notes(self) -> list[str]:
        a = float(self.params_["a"])
        if abs(a - 1.0) < 1e-3:
            return ["a is close to 1, where the expected-purchases formulas are singular."]
        return []

    def log_likelihood(self, X: Any) -> np.ndarray:
        """Log-likelihood of each customer of ``X`` under the fitted parameters."""
        params = self._check_fitted("log_likelihood")
        return bgnbd_log_likelihood(params, *_rfm_arrays(X, "BGNBD.log_likelihood"))

    def probability_alive(self, X: Any) -> Any:
        """Probability that each customer is still alive at ``T``.

        ``P(alive | x, t_x, T) = 1 / (1 + [x > 0] a / (b + x - 1) ((alpha + T) / (alpha +
        t_x)) ** (r + x))``. By the model's definition a customer without repeat purchases
        cannot have dropped out yet (dropout happens only right after a repeat purchase), so
        ``P(alive) = 1`` when ``x = 0``.

        Returns
        -------
        Series (indexed like ``X``) or array
        """
        r, alpha, a, b = self._check_fitted("probability_alive")
        x, t_x, T = _rfm_arrays(X, "BGNBD.probability_alive")
        return self._out(self._p_alive(r, alpha, a, b, x, t_x, T), X, "p_alive")

    @staticmethod
    def _log_odds_dead(r, alpha, a, b, x, t_x, T):
        """``log(a / (b + x - 1)) + (r + x) log((alpha + T) / (alpha + t_x))``; -inf at x = 0."""
        repeat = x > 0
        with np.errstate(all="ignore"):
            log_odds = np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) + (r + x) * (
                np.log(alpha + T) - np.log(alpha + t_x)
            )
        return np.where(repeat, log_odds, -np.inf)

    def _p_alive(self, r, alpha, a, b, x, t_x, T):
        # 1 / (1 + exp(log_odds)) in log space: no overflow for heavy buyers long gone
        return special.expit(-self._log_odds_dead(r, alpha, a, b, x, t_x, T))

    def expected_purchases(self, X: Any, t: float) -> Any:
        """Expected purchases of each customer in the next ``t`` time units (FHL 2005, eq. 10).

        ``E[Y(t) | x, t_x, T] = (a + b + x - 1) / (a - 1) * [1 - ((alpha + T) / (alpha + T +
        t)) ** (r + x) * 2F1(r + x, b + x; a + b + x - 1; t / (alpha + T + t))] * P(alive)``.

        Returns
        -------
        Series (indexed like ``X``) or array
        """
        return self._expected_purchases(X, t)

    # -- the pieces of _PurchaseModel: alive at T after x repeat purchases, the future is a
    # BG/NBD with lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b + x) (the likelihood of
    # being alive is (1 - p) ** x lambda ** x exp(-lambda T)).
    #: ``_given_alive`` is ``lead * bgnbd_bracket`` with ``b`` shifted by this (CLV's fast sum)
    _bracket_shift = 0.0

    def _alive(self, params, x, t_x, T):
        return self._p_alive(*params, x, t_x, T)

    @staticmethod
    def _given_alive(params, x, T, t):
        """E[purchases in (T, T + t] | alive at T]; ``x``, ``T``, ``t`` broadcast."""
        r, alpha, a, b = params
        x, T, t = np.broadcast_arrays(np.asarray(x, "float64"), np.asarray(T, "float64"),
                                      np.asarray(t, "float64"))
        return (a + b + x - 1) / (a - 1) * bgnbd_bracket(r, alpha, a, b, x, T, t)

    @staticmethod
    def _pmf_given_alive(params, x, T, t, k):
        """P(k purchases in (T, T + t] | alive at T); arguments broadcast."""
        r, alpha, a, b = params
        return _beta_geometric_pmf(r + x, alpha + T, a, b + x, t, k, first=False)


    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases of a newly acquired customer in their first ``t`` time units.

        ``E[X(t)] = (a + b - 1) / (a - 1) [1 - (alpha / (alpha + t)) ** r 2F1(r, b; a + b - 1;
        t / (alpha + t))]`` (FHL 2005, eq. 7; repeat purchases, the first one not counted).
        """
        r, alpha, a, b = self._check_fitted("expected_purchases_new")
        t = _horizon(t, "t", "BGNBD.expected_purchases_new")
        if t == 0:
            return 0.0
        bracket = bgnbd_bracket(r, alpha, a, b, np.zeros(1), np.zeros(1), t)[0]
        return float((a + b - 1) / (a - 1) * bracket)

    def probability_no_purchase(self, X: Any, t: float) -> Any:
        """Probability that each customer makes no purchase in the next ``t`` time units.

        Either the customer has dropped out, or they are alive and their Poisson process
        (with posterior ``lambda ~ Gamma(r + x, alpha + T)``) gives no event:
        ``1 - P(alive) + P(alive) ((alpha + T) / (alpha + T + t)) ** (r + x)``. (Without a
        purchase there is no dropout opportunity, so the dropout process adds nothing.) This
        is the model's own score for "no purchase in the next N days", a churn label.
        """
        r, alpha, a, b = self._check_fitted("probability_no_purchase")
        t = _horizon(t, "t", "BGNBD.probability_no_purchase")
        x, t_x, T = _rfm_arrays(X, "BGNBD.probability_no_purchase")
        alive = self._p_alive(r, alpha, a, b, x, t_x, T)
        with np.errstate(under="ignore"):  # a heavy buyer's chance of a quiet spell is ~0
            stay = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
            value = 1 - alive + alive * stay
        return self._out(value, X, "p_no_purchase")

    @staticmethod
    def simulate(params: Sequence[float], T: Any, *, seed: int | None = 0) -> pd.DataFrame:
        """Simulate RFM summaries from the BG/NBD with given parameters (for tests/teaching).

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
        >>> BGNBD.simulate((1.0, 5.0, 1.0, 3.0), T=[10.0, 20.0], seed=0).columns.tolist()
        ['frequency', 'recency', 'T', 'lam', 'p', 'alive']
        """
        return _simulate_beta_geometric(params, T, seed=seed, first=False)


# =============================================================================================
# Gamma-Gamma
# =============================================================================================
def gamma_gamma_log_likelihood(params: Sequence[float], frequency: Any, monetary_value: Any) -> np.ndarray:
    """Gamma-Gamma log-likelihood of each repeat customer (Fader & Hardie 2013).

    Each transaction value is ``Gamma(p, nu)`` (shape ``p``, rate ``nu``) and
    ``nu ~ Gamma(q, gamma)`` across customers, so the mean ``m`` of ``x`` transactions has
    density

    .. math::

        f(m \\mid x) = \\frac{\\Gamma(px+q)}{\\Gamma(px)\\Gamma(q)}
            \\frac{\\gamma^q\\, m^{px-1} x^{px}}{(\\gamma + m x)^{px+q}}.

    Parameters
    ----------
    params : (p, q, gamma)
    frequency, monetary_value : array-like
        Number of repeat transactions ``x`` (> 0) and their mean value ``m`` (> 0).

    Examples
    --------
    With one transaction the density is the Gamma-Gamma marginal of a single value; it
    integrates to one:

    >>> import numpy as np
    >>> from scipy.integrate import quad
    >>> f = lambda m: np.exp(gamma_gamma_log_likelihood((3.0, 4.0, 50.0), [1], [m])[0])
    >>> round(quad(f, 0, np.inf)[0], 6)
    1.0
    """
    p, q, g = (float(v) for v in params)
    x, m = (np.asarray(v, dtype="float64") for v in (frequency, monetary_value))
    px = p * x
    return (
        special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(g)
        + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(g + m * x)
    )


def _gg_nll(theta, x, m, w, xs=None, inv=None):
    p, q, g = np.exp(theta)

    def per_x(func):
        return func(x) if xs is None else func(xs)[inv]

    px = p * x
    log_m, log_x = np.log(m), np.log(x)
    log_gmx = np.log(g + m * x)
    ll = (per_x(lambda k: special.gammaln(p * k + q) - special.gammaln(p * k))
          - special.gammaln(q) + q * np.log(g) + (px - 1) * log_m + px * log_x - (px + q) * log_gmx)
    psi = per_x(lambda k: special.digamma(p * k + q))
    dp = x * (psi - per_x(lambda k: special.digamma(p * k)) + log_m + log_x - log_gmx)
    dq = psi - special.digamma(q) + np.log(g) - log_gmx
    dg = q / g - (px + q) / (g + m * x)
    total = w.sum()
    grad = np.array([p * np.dot(w, dp), q * np.dot(w, dq), g * np.dot(w, dg)]) / total
    return -np.dot(w, ll) / total, -grad


def _gg_arrays(X: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    x, m = _as_float_columns(X, ("frequency", "monetary_value"), where)
    index = _index_of(X)
    bad = ~(np.isfinite(x) & np.isfinite(m))
    if bad.any():
        raise DataError(
            f"{where}: {_bad_rows(bad, index)} have a missing or infinite frequency or "
            f"monetary_value; drop or fill them first."
        )
    bad = (x < 0) | (x != np.round(x))
    if bad.any():
        raise DataError(
            f"{where}: {_bad_rows(bad, index)} have a frequency that is not a whole number >= 0."
        )
    return x, m


class GammaGamma(_MLEModel):
    """The Gamma-Gamma model of the value of a customer's transactions (Fader & Hardie 2013).

    A customer's transactions are ``Gamma(p, nu)`` with mean ``p / nu``; across customers
    ``nu ~ Gamma(q, gamma)``, so the population mean transaction value is
    ``p * gamma / (q - 1)`` (for ``q > 1``). Spend is assumed independent of the purchase
    process. Fitted on the repeat customers' mean repeat-transaction value ``monetary_value``.

    Parameters
    ----------
    nonpositive : {"raise", "exclude"}, default "raise"
        What to do with repeat customers whose ``monetary_value`` is 0 or negative (the model
        needs positive values): raise a :class:`DataError` (in ``fit`` and in
        :meth:`expected_spend`), or leave them out of the fit and count them in
        ``n_excluded_``. Excluded customers carry no usable spend history, so
        :meth:`expected_spend` gives them the population mean ``p * gamma / (q - 1)``, as it
        does customers without repeat purchases.
    penalizer, max_iter, tol
        As in :class:`BGNBD`.

    Attributes
    ----------
    params_ : pandas.Series
        ``p``, ``q``, ``gamma``.
    se_, log_likelihood_, converged_, n_iter_
        As in :class:`BGNBD`.
    n_customers_ : int
        Repeat customers the model was fitted to.
    n_excluded_ : dict
        Customers left out, by reason: ``"no repeat purchase"`` (frequency 0: always left
        out, they carry no repeat-transaction value) and ``"monetary_value <= 0"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(1, 10, 3000)
    >>> nu = rng.gamma(4.0, 1 / 60.0, 3000)
    >>> m = rng.gamma(3.0 * x, 1 / (nu * x))
    >>> model = GammaGamma().fit(pd.DataFrame({"frequency": x, "monetary_value": m}))
    >>> model.params_.round(1).tolist()
    [3.1, 4.0, 58.9]
    >>> round(model.mean_spend_, 2)
    59.91
    """

    _names = ("p", "q", "gamma")
    _title = "Gamma-Gamma"

    def __init__(
        self, *, nonpositive: str = "raise", penalizer: float = 0.0, max_iter: int = 1000,
        tol: float = 1e-10,
    ):
        self.nonpositive = nonpositive
        super().__init__(penalizer=penalizer, max_iter=max_iter, tol=tol)

    def fit(self, X: Any, y: Any = None) -> GammaGamma:
        """Fit to the repeat customers of an RFM summary.

        Parameters
        ----------
        X : DataFrame or array of shape (n, 2)
            Columns ``frequency`` and ``monetary_value`` (or their ``_cal`` twins). Customers
            with frequency 0 are left out (and counted in ``n_excluded_``).
        y : ignored

        Returns
        -------
        self
        """
        where = "GammaGamma.fit"
        self._check_hyper()
        check_choice(self.nonpositive, "nonpositive", ["raise", "exclude"], where=where)
        x, m = _gg_arrays(X, where)
        repeat = x > 0
        nonpos = repeat & (m <= 0)
        if nonpos.any() and self.nonpositive == "raise":
            raise DataError(
                f"{where}: {_bad_rows(nonpos, _index_of(X))} have repeat purchases but a "
                f"monetary_value <= 0; the Gamma-Gamma model needs positive values. Remove "
                f"refunds/zero-value rows first, or pass GammaGamma(nonpositive='exclude') to "
                f"leave these customers out (they are counted in n_excluded_)."
            )
        keep = repeat & ~nonpos
        if keep.sum() < MIN_CUSTOMERS:
            raise DataError(
                f"{where}: at least {MIN_CUSTOMERS} repeat customers with a positive "
                f"monetary_value are needed; got {int(keep.sum())} of {len(x)} customers. "
                f"Use a longer history or more customers."
            )
        kept = m[keep]
        if kept.min() == kept.max():
            raise ConvergenceError(
                f"{where} did not converge: all {int(keep.sum())} repeat customers have the "
                f"same monetary_value ({kept[0]:.6g}). With no spread between customers' mean "
                f"spend the model's q and gamma run off to infinity (the likelihood has no "
                f"maximum). Check that monetary_value is each customer's mean repeat-purchase "
                f"value (not a list price or a placeholder); if spend really is constant, use "
                f"{kept[0]:.6g} as everyone's expected spend instead of this model."
            )
        (xu, mu), w = _compress(x[keep], m[keep])
        xs, inv = np.unique(xu, return_inverse=True)
        mean_m = float(np.average(mu, weights=w))
        theta0 = np.log([1.0, 2.0, mean_m])
        self._optimise(lambda th: _gg_nll(th, xu, mu, w, xs, inv), theta0, int(keep.sum()))
        self.n_customers_ = int(keep.sum())
        self.n_excluded_ = {
            "no repeat purchase": int((~repeat).sum()),
            "monetary_value <= 0": int(nonpos.sum()),
        }
        return self

    @property
    def mean_spend_(self) -> float:
        """Population mean transaction value ``p * gamma / (q - 1)`` (NaN if ``q <= 1``)."""
        p, q, g = self._check_fitted("mean_spend_")
        return float(p * g / (q - 1)) if q > 1 else float("nan")

    def _extra_notes(self) -> list[str]:
        notes = []
        if float(self.params_["q"]) <= 1:
            notes.append("q <= 1: the population mean transaction value is infinite.")
        excluded = getattr(self, "n_excluded_", {}).get("monetary_value <= 0", 0)
        if excluded:
            notes.append(f"{excluded} repeat customers with monetary_value <= 0 were left out.")
        return notes

    def expected_spend(self, X: Any) -> Any:
        """Expected value of each customer's future transactions (conditional mean).

        ``E[M | x, m_x] = p (gamma + x m_x) / (p x + q - 1)``: a weighted average of the
        population mean ``p gamma / (q - 1)`` and the customer's own mean ``m_x``, with weight
        ``p x / (p x + q - 1)`` on the latter. Customers without repeat purchases (``x = 0``)
        get the population mean. Repeat customers with ``monetary_value <= 0`` get the
        population mean too when the model was made with ``nonpositive="exclude"`` (they were
        left out of the fit for the same reason); with ``nonpositive="raise"`` they raise a
        :class:`DataError`.

        Returns
        -------
        Series (indexed like ``X``) or array

        Examples
        --------
        >>> import pandas as pd
        >>> model = GammaGamma(nonpositive="exclude")
        >>> model.params_ = pd.Series([2.0, 5.0, 40.0], index=["p", "q", "gamma"])
        >>> X = pd.DataFrame({"frequency": [0, 3, 3], "monetary_value": [0.0, -5.0, 30.0]})
        >>> model.expected_spend(X).round(2).tolist()
        [20.0, 20.0, 26.0]
        """
        params = self._check_fitted("expected_spend")
        values = self._spend(params, *self._spend_inputs(X, "GammaGamma.expected_spend"))
        index = _index_of(X)
        return pd.Series(values, index=index, name="expected_spend") if index is not None else values

    def _spend_inputs(self, X: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
        """Frequencies and mean spends that inform each customer's own estimate (0, 0 if none)."""
        x, m = _gg_arrays(X, where)
        nonpos = (x > 0) & (m <= 0)
        if nonpos.any() and self.nonpositive != "exclude":
            raise DataError(
                f"{where}: {_bad_rows(nonpos, _index_of(X))} have repeat purchases but a "
                f"monetary_value <= 0, for which the model has no spend estimate. Remove "
                f"refunds/zero-value rows first, or use GammaGamma(nonpositive='exclude'), "
                f"which gives them the population mean spend."
            )
        own = (x > 0) & ~nonpos
        return np.where(own, x, 0.0), np.where(own, m, 0.0)

    @staticmethod
    def _spend(params, xs, ms):
        p, q, g = params
        return p * (g + xs * ms) / (p * xs + q - 1)
