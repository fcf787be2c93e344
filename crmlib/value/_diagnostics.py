"""The BTYD diagnostics every user needs: frequency/recency matrices, a customer's P(alive)
history, the Gamma-Gamma independence check, CLV intervals and the day-flooring check."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import check_choice, check_frame, check_int, check_real
from crmlib.exceptions import ConvergenceError, DataError, ParameterError
from crmlib.plotting import get_ax
from crmlib.value._btyd import BGNBD, GammaGamma
from crmlib.value._clv import customer_lifetime_value
from crmlib.value._inputs import _purchase_params, _rfm_arrays

__all__ = [
    "CLVIntervals",
    "SpendFrequencyCorrelation",
    "alive_history",
    "clv_interval",
    "day_flooring_effect",
    "frequency_recency_matrix",
    "plot_alive_history",
    "plot_frequency_recency_matrix",
    "spend_frequency_correlation",
]

_QUANTITIES = {
    "expected_purchases": "expected purchases in the next {t:g} weeks",
    "p_alive": "probability alive",
}


# =============================================================================================
# frequency / recency matrix
# =============================================================================================
def frequency_recency_matrix(
    model: BGNBD, *, T: float, max_frequency: int = 30, n_recency: int = 21,
    quantity: str = "expected_purchases", t: float = 52.0,
) -> pd.DataFrame:
    """A fitted BG/NBD's forecast for every frequency and recency, at one customer age ``T``.

    The compute twin of :func:`plot_frequency_recency_matrix` (the lifetimes and
    PyMC-Marketing diagnostic): rows are repeat purchases ``x = 0 … max_frequency``, columns
    ``n_recency`` recencies evenly spaced from 0 to ``T``; each cell is the expected purchases
    in the next ``t`` time units (``quantity="expected_purchases"``) or the probability of
    being alive (``"p_alive"``) of a customer with that history. Impossible histories
    (frequency 0 with recency > 0, repeat purchases with recency 0) are NaN.

    Returns
    -------
    pandas.DataFrame
        Index ``frequency``, columns ``recency`` (floats); ``attrs["label"]`` says what the
        values are (the colour-bar label of the plot).

    Examples
    --------
    >>> import numpy as np
    >>> bg = BGNBD().fit(BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(2000, 30.0), seed=1))
    >>> m = frequency_recency_matrix(bg, T=30.0, max_frequency=3, n_recency=4, quantity="p_alive")
    >>> m.round(2)
    recency    0.0   10.0  20.0  30.0
    frequency                        
    0           1.0   NaN   NaN   NaN
    1           NaN  0.42  0.62  0.73
    2           NaN  0.32  0.64  0.81
    3           NaN  0.20  0.63  0.85
    """
    where = "frequency_recency_matrix"
    T = check_real(T, "T", where=where, low=0, low_inclusive=False)
    max_frequency = check_int(max_frequency, "max_frequency", where=where, low=1)
    n_recency = check_int(n_recency, "n_recency", where=where, low=2)
    quantity = check_choice(quantity, "quantity", list(_QUANTITIES), where=where)
    t = check_real(t, "t", where=where, low=0, low_inclusive=False)
    freqs = np.arange(max_frequency + 1, dtype="float64")
    recs = np.linspace(0.0, T, n_recency)
    x, t_x = (g.ravel() for g in np.meshgrid(freqs, recs, indexing="ij"))
    ok = (x == 0) == (t_x == 0)
    grid = pd.DataFrame({"frequency": x[ok], "recency": t_x[ok], "T": np.full(ok.sum(), T)})
    if quantity == "p_alive":
        values = model.probability_alive(grid).to_numpy()
    else:
        values = model.expected_purchases(grid, t).to_numpy()
    out = np.full(len(x), np.nan)
    out[ok] = values
    frame = pd.DataFrame(out.reshape(len(freqs), len(recs)),
                         index=pd.Index(freqs.astype("int64"), name="frequency"),
                         columns=pd.Index(recs, name="recency"))
    frame.attrs["label"] = _QUANTITIES[quantity].format(t=t)
    return frame


def plot_frequency_recency_matrix(matrix: pd.DataFrame, *, ax: Any = None,
                                  label: str | None = None, title: str | None = None) -> Any:
    """Heat map of a :func:`frequency_recency_matrix`: recency across, frequency up.

    The colour bar is labelled with ``label`` (default: what the matrix holds); the title
    names the customer age ``T`` (the last recency). Returns the Axes.
    """
    ax = get_ax(ax, where="plot_frequency_recency_matrix")
    if not isinstance(matrix, pd.DataFrame) or matrix.empty:
        raise ParameterError(
            "The 'matrix' parameter of plot_frequency_recency_matrix must be a non-empty "
            f"DataFrame from frequency_recency_matrix. Got {type(matrix).__name__}."
        )
    recs = matrix.columns.to_numpy("float64")
    freqs = matrix.index.to_numpy("float64")
    step_r = recs[1] - recs[0] if len(recs) > 1 else 1.0
    image = ax.imshow(
        matrix.to_numpy("float64"), origin="lower", aspect="auto", cmap="viridis",
        extent=(recs[0] - step_r / 2, recs[-1] + step_r / 2, freqs[0] - 0.5, freqs[-1] + 0.5),
    )
    bar = ax.figure.colorbar(image, ax=ax)
    bar.set_label(label or matrix.attrs.get("label", "value"))
    ax.set(xlabel="recency (weeks from first to last purchase)", ylabel="repeat purchases",
           title=title or f"Customers observed for {recs[-1]:.0f} weeks")
    return ax


# =============================================================================================
# one customer's P(alive) over time
# =============================================================================================
def alive_history(
    model: BGNBD, transactions: pd.DataFrame, customer: Any, *, as_of: Any,
    step_days: int = 7, customer_col: str = "customer_id", date_col: str = "order_date",
) -> pd.DataFrame:
    """P(alive) of one customer at each date from their first purchase to ``as_of``.

    At every ``step_days``-th day (and on ``as_of``), the customer's frequency, recency and
    age are computed from their purchases up to that day (same-day purchases count once, time
    in weeks = days / 7, as :func:`rfm_weeks`) and passed to the fitted model's
    :meth:`BGNBD.probability_alive`. The curve drops while the customer is silent and jumps
    back at each purchase.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``date``: ``frequency``, ``recency``, ``T``, ``p_alive`` and ``purchase``
        (True on a purchase day).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> bg = BGNBD().fit(BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(2000, 30.0), seed=1))
    >>> log = pd.DataFrame({"customer_id": "A",
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-29"])})
    >>> h = alive_history(bg, log, "A", as_of="2024-04-01", step_days=28)
    >>> h["frequency"].tolist(), bool(h["p_alive"].iloc[-1] < h["p_alive"].iloc[2])
    ([0, 1, 2, 2, 2, 2], True)
    """
    where = "alive_history"
    check_frame(transactions, "transactions", where=where, columns=[customer_col, date_col],
                hint="Pass customer_col= and date_col=.")
    step_days = check_int(step_days, "step_days", where=where, low=1)
    end = pd.Timestamp(as_of)
    own = transactions.loc[transactions[customer_col] == customer, date_col]
    days = pd.DatetimeIndex(pd.to_datetime(own)).normalize()
    days = days[days <= end].unique().sort_values()
    if len(days) == 0:
        raise DataError(
            f"{where}: customer {customer!r} has no purchase on or before {end:%Y-%m-%d} in "
            f"column {customer_col!r}. Pick a customer id of the summary."
        )
    first = days[0]
    grid = pd.date_range(first, end, freq=f"{step_days}D")
    grid = grid.union(pd.DatetimeIndex([end])).union(days)
    d = grid.to_numpy("datetime64[D]").astype("int64")
    p = days.to_numpy("datetime64[D]").astype("int64")
    n_upto = np.searchsorted(p, d, side="right")  # purchase days up to each date
    last = p[n_upto - 1]
    frame = pd.DataFrame({
        "frequency": n_upto - 1,
        "recency": (last - p[0]) / 7.0,
        "T": (d - p[0]) / 7.0,
    }, index=pd.Index(grid, name="date"))
    frame["p_alive"] = model.probability_alive(frame).to_numpy()
    frame["purchase"] = frame.index.isin(days)
    return frame


def plot_alive_history(history: pd.DataFrame, *, ax: Any = None, label: str = "P(alive)") -> Any:
    """Plot an :func:`alive_history`: the P(alive) line and a tick at each purchase day."""
    ax = get_ax(ax, where="plot_alive_history")
    ax.plot(history.index, history["p_alive"], label=label)
    buys = history.index[history["purchase"]]
    ax.vlines(buys, 0, 0.06, colors="black", linewidth=1, label="purchase")
    ax.set(ylim=(0, 1.02), xlabel="date", ylabel="probability alive",
           title="One customer's probability of being alive")
    ax.legend(loc="lower left")
    return ax


# =============================================================================================
# Gamma-Gamma independence check
# =============================================================================================
@dataclass(frozen=True, repr=False)
class SpendFrequencyCorrelation(SummaryDisplay):
    """Pearson correlation of repeat purchases and mean spend among repeat buyers.

    Attributes
    ----------
    r : float
    ci_low, ci_high : float
        Fisher-z interval at level ``1 - alpha``.
    n : int
        Repeat buyers used.
    alpha : float
    """

    r: float
    ci_low: float
    ci_high: float
    n: int
    alpha: float

    @property
    def contains_zero(self) -> bool:
        return self.ci_low <= 0 <= self.ci_high

    def summary(self) -> str:
        return (f"Correlation of frequency and mean spend among {self.n:,} repeat buyers: "
                f"{self.r:.3f} ({100 * (1 - self.alpha):g}% interval {self.ci_low:.3f} to "
                f"{self.ci_high:.3f}).")

    def _repr_html_(self) -> str:
        import html

        return f"<p>{html.escape(self.summary())}</p>"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"r": [self.r], "ci_low": [self.ci_low], "ci_high": [self.ci_high],
                             "n": [self.n]})


def spend_frequency_correlation(summary: pd.DataFrame, *, alpha: float = 0.05) -> SpendFrequencyCorrelation:
    """The Gamma-Gamma model's independence check (Fader & Hardie 2013).

    The model assumes a customer's mean spend does not depend on how often they buy. Among
    customers with at least one repeat purchase, the Pearson correlation of ``frequency`` and
    ``monetary_value`` should be near 0; the interval uses Fisher's z transformation
    (``atanh(r) -/+ z / sqrt(n - 3)``).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"frequency": [1, 2, 3, 4, 5, 0], "monetary_value": [5., 3., 6., 2., 4., 0.]})
    >>> res = spend_frequency_correlation(s)
    >>> round(res.r, 3), res.n, res.contains_zero
    (-0.3, 5, True)
    """
    where = "spend_frequency_correlation"
    check_frame(summary, "summary", where=where, columns=["frequency", "monetary_value"],
                hint="Pass the output of crmlib.value.rfm_weeks.")
    z = critical_value(alpha, where=where)
    repeat = summary[summary["frequency"] > 0]
    n = len(repeat)
    if n < 4:
        raise DataError(f"{where}: at least 4 repeat buyers are needed; got {n}.")
    r = float(np.corrcoef(repeat["frequency"].astype("float64"),
                          repeat["monetary_value"].astype("float64"))[0, 1])
    half = z / math.sqrt(n - 3)
    centre = math.atanh(max(min(r, 1 - 1e-15), -1 + 1e-15))
    return SpendFrequencyCorrelation(r=r, ci_low=math.tanh(centre - half),
                                     ci_high=math.tanh(centre + half), n=n, alpha=float(alpha))


# =============================================================================================
# CLV intervals: parametric bootstrap from the fits' covariance
# =============================================================================================
@dataclass(frozen=True, repr=False)
class CLVIntervals(SummaryDisplay):
    """Expected purchases and CLV with intervals, per customer, per segment and in total.

    Attributes
    ----------
    table : pandas.DataFrame
        Per customer: ``purchases`` (expected purchases over the horizon), ``purchases_low``,
        ``purchases_high``, ``clv`` (at the estimates), ``ci_low``, ``ci_high``.
    total : pandas.Series
        ``clv``, ``ci_low``, ``ci_high`` of the sum over the customers of ``table``.
    segments : pandas.DataFrame or None
        The same three numbers for each segment's total, and its ``customers``.
    n_draws : int
        Draws asked for.
    n_failed : int
        Draws that gave no result (a refit that did not converge, or a non-finite CLV); the
        intervals use the ``n_draws - n_failed`` others.
    method : str
        ``"parametric"`` or ``"resample"``.
    alpha : float
    """

    _html_table = "table"
    _html_lines = 1

    table: pd.DataFrame
    total: pd.Series
    n_draws: int
    alpha: float
    segments: pd.DataFrame | None = None
    n_failed: int = 0
    method: str = "parametric"

    @property
    def notes(self) -> tuple[str, ...]:
        if not self.n_failed:
            return ()
        return (f"{self.n_failed} of {self.n_draws} draws failed (no converged refit, or a "
                f"non-finite CLV) and are left out of the intervals.",)

    def summary(self) -> str:
        t = self.total
        how = ("parameter draws" if self.method == "parametric"
               else "bootstrap refits on resampled customers")
        lines = [f"CLV of {len(self.table):,} customers: {t['clv']:,.0f} "
                 f"({100 * (1 - self.alpha):g}% interval {t['ci_low']:,.0f} to {t['ci_high']:,.0f}; "
                 f"{self.n_draws - self.n_failed} {how})"]
        if self.segments is not None:
            lines.append(self.segments.to_string(float_format=lambda v: f"{v:,.0f}"))
        lines.append(self.table.to_string(float_format=lambda v: f"{v:,.1f}"))
        return "\n".join(lines + format_notes(self.notes))

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _draw_models(model: Any, n_draws: int, rng: np.random.Generator, where: str) -> list[Any]:
    cov = getattr(model, "_cov_log", None)
    params = model._check_fitted(where)
    if cov is None or not np.all(np.isfinite(cov)):
        raise DataError(
            f"{where}: the {type(model).__name__} fit has no finite covariance of its "
            f"parameters (the Hessian was singular), so no interval can be drawn. Refit with "
            f"more data or penalizer > 0, or use method='resample'."
        )
    cov = (cov + cov.T) / 2
    w, vecs = np.linalg.eigh(cov)
    if w.min() < -1e-8 * max(w.max(), 1e-300):
        raise DataError(
            f"{where}: the covariance of the {type(model).__name__} parameters is not positive "
            f"semi-definite (smallest eigenvalue {w.min():.3g}): the fit is not at a maximum of "
            f"the likelihood. Check the fit's summary()."
        )
    root = vecs * np.sqrt(np.clip(w, 0, None))
    theta = np.log(params) + rng.standard_normal((n_draws, len(params))) @ root.T
    out = []
    for row in theta:
        m = copy.copy(model)
        m.params_ = pd.Series(np.exp(row), index=model.params_.index, name="estimate")
        out.append(m)
    return out


def _refit_models(model: Any, gamma_gamma: GammaGamma, X: pd.DataFrame, n_draws: int,
                  rng: np.random.Generator) -> list[tuple[Any, Any] | None]:
    """Both models refitted on ``n_draws`` resamples of the customers (None where a fit fails)."""
    out: list[tuple[Any, Any] | None] = []
    n = len(X)
    for _ in range(n_draws):
        sample = X.iloc[rng.integers(0, n, n)]
        try:
            out.append((type(model)(**model.get_params()).fit(sample),
                        type(gamma_gamma)(**gamma_gamma.get_params()).fit(sample)))
        except (ConvergenceError, DataError):
            out.append(None)
    return out


def clv_interval(
    model: Any, gamma_gamma: GammaGamma, X: pd.DataFrame, *, n_draws: int = 200,
    alpha: float = 0.05, method: str = "parametric", segments: Any = None,
    random_state: int | None = 0, **clv_options: Any,
) -> CLVIntervals:
    """Intervals around each customer's expected purchases and CLV, and around segment totals.

    Two ways to redraw the fitted models, ``n_draws`` times each:

    - ``method="parametric"`` (default): the parameters are drawn from the normal
      approximation of each fit in log space (estimate and inverse-Hessian covariance, the
      same that gives the standard errors of ``summary()``), the two models independently.
      Cheap: nothing is refitted.
    - ``method="resample"``: the customers of ``X`` are resampled with replacement and both
      models refitted on each resample (the nonparametric bootstrap; ``X`` must then be the
      summary the models were fitted on). Slower, and free of the normal approximation. A
      refit that fails is counted in ``n_failed`` and reported, never silently dropped; with
      fewer than half the draws left the call raises. (A Pareto/NBD resample whose fit runs
      to the boundary, ``s`` and ``beta`` very large with ``beta`` far above ``alpha``, makes
      the likelihood integrate numerically for every customer, about a minute per refit of
      1,500 customers; the parametric method has no such cost.)

    For each draw, expected purchases over the horizon and CLV (:func:`customer_lifetime_value`
    with ``clv_options``) are recomputed; the ``alpha / 2`` and ``1 - alpha / 2`` quantiles
    give the intervals, per customer, per segment total and for the total. The intervals
    cover the uncertainty of the fitted models only, not the randomness of each customer's
    own future, which is far larger for a single customer (see :func:`holdout_errors` for
    that); for a segment total over many customers the two become comparable.

    The work is arranged for large files: the part of each draw that depends on frequency
    and age is computed once per distinct pair, and customers are processed in blocks, so a
    million customers take seconds per draw and memory stays bounded.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
    gamma_gamma : GammaGamma
    X : pandas.DataFrame
        ``frequency``, ``recency``, ``T``, ``monetary_value`` per customer.
    n_draws : int >= 10, default 200
    alpha : float, default 0.05
    method : {"parametric", "resample"}
    segments : Series or array, optional
        A segment label per customer of ``X`` (e.g. region or tier); adds ``segments``.
    random_state : int, optional
    **clv_options
        ``horizon``, ``margin``, ``discount_rate``, ``periods_per_year``.

    Examples
    --------
    >>> import numpy as np
    >>> sim = BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(2000, 30.0), seed=3)
    >>> spend = np.random.default_rng(3).gamma(4.0, 12.0, len(sim))
    >>> sim["monetary_value"] = np.where(sim["frequency"] > 0, spend, 0.0)
    >>> bg, gg = BGNBD().fit(sim), GammaGamma().fit(sim)
    >>> res = clv_interval(bg, gg, sim.head(3), n_draws=50, horizon=10)
    >>> bool(((res.table["ci_low"] <= res.table["clv"]) & (res.table["clv"] <= res.table["ci_high"])).all())
    True
    """
    from crmlib.value._clv import _clv_plan, _given_alive_sums, _Pairs

    where = "clv_interval"
    n_draws = check_int(n_draws, "n_draws", where=where, low=10)
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    method = check_choice(method, "method", ["parametric", "resample"], where=where)
    unknown = sorted(set(clv_options) - {"horizon", "margin", "discount_rate", "periods_per_year"})
    if unknown:
        raise ParameterError(
            f"{where}: unknown option {unknown[0]!r}. The CLV options are horizon, margin, "
            f"discount_rate and periods_per_year (see customer_lifetime_value)."
        )
    plan = _clv_plan(where, **clv_options)
    rng = np.random.default_rng(random_state)
    point = customer_lifetime_value(model, gamma_gamma, X, **clv_options)
    params = _purchase_params(model, where)
    x, t_x, T = _rfm_arrays(X, where)
    xs, ms = gamma_gamma._spend_inputs(X, where)
    labels = _segment_labels(segments, X, where)
    if method == "parametric":
        draws = list(zip(_draw_models(model, n_draws, rng, where),
                         _draw_models(gamma_gamma, n_draws, rng, where), strict=True))
    else:
        draws = _refit_models(model, gamma_gamma, X, n_draws, rng)
    pairs = _Pairs(x, T)
    # per draw: the pair sums and the spend parameters; a draw fails if anything is not finite
    kept = []
    for pair in draws:
        if pair is None:
            continue
        m, g = pair
        p = m.params_.to_numpy("float64")
        try:
            with np.errstate(all="ignore"):
                sums = _given_alive_sums(m, p, pairs, plan, where)
        except ConvergenceError:
            continue
        kept.append((m, p, sums, g.params_.to_numpy("float64")))
    n_failed = n_draws - len(kept)
    if len(kept) < max(10, n_draws / 2):
        raise ConvergenceError(
            f"{where}: {n_failed} of {n_draws} draws failed ({method}); too few are left for an "
            f"interval. Check the fits' summary() (parameters at the boundary), use more "
            f"customers, or try the other method."
        )
    lo_q, hi_q = alpha / 2, 1 - alpha / 2
    n = len(x)
    out = {name: np.empty(n) for name in ("purchases_low", "purchases_high", "ci_low", "ci_high")}
    codes, names = labels if labels is not None else (np.zeros(n, dtype="int64"), None)
    n_seg = 1 if names is None else len(names)
    seg_draws = np.zeros((len(kept), n_seg))
    bad = np.zeros(len(kept), dtype=bool)
    step = max(1, _BLOCK // len(kept))
    for lo in range(0, n, step):
        sl = slice(lo, lo + step)
        inv = pairs.inverse[sl]
        clv = np.empty((len(kept), len(inv)))
        buys = np.empty((len(kept), len(inv)))
        with np.errstate(all="ignore"):
            for j, (m, p, (disc, plain), gp) in enumerate(kept):
                alive = m._alive(p, x[sl], t_x[sl], T[sl])
                buys[j] = alive * plain[inv]
                clv[j] = plan.margin * gamma_gamma._spend(gp, xs[sl], ms[sl]) * alive * disc[inv]
        bad |= ~np.isfinite(clv).all(axis=1)
        out["purchases_low"][sl], out["purchases_high"][sl] = np.quantile(buys, [lo_q, hi_q], axis=0)
        out["ci_low"][sl], out["ci_high"][sl] = np.quantile(clv, [lo_q, hi_q], axis=0)
        onehot = sparse.csr_array((np.ones(len(inv)), (codes[sl], np.arange(len(inv)))),
                                  shape=(n_seg, len(inv)))
        seg_draws += (onehot @ clv.T).T
    if bad.any():
        raise ConvergenceError(
            f"{where}: {int(bad.sum())} draws gave a non-finite CLV (P(alive) or spend). Check "
            f"the fits' summary() for parameters at the boundary."
        )
    purchases = model.expected_purchases(X, float(plan.horizon))
    table = pd.DataFrame({
        "purchases": np.asarray(purchases, "float64"), "purchases_low": out["purchases_low"],
        "purchases_high": out["purchases_high"], "clv": point.to_numpy(),
        "ci_low": out["ci_low"], "ci_high": out["ci_high"]}, index=X.index)
    sums = seg_draws.sum(axis=1)
    total = pd.Series({"clv": float(point.sum()), "ci_low": float(np.quantile(sums, lo_q)),
                       "ci_high": float(np.quantile(sums, hi_q))}, name="total")
    seg_table = None
    if names is not None:
        seg_point = np.bincount(codes, weights=point.to_numpy(), minlength=n_seg)
        seg_table = pd.DataFrame({
            "customers": np.bincount(codes, minlength=n_seg), "clv": seg_point,
            "ci_low": np.quantile(seg_draws, lo_q, axis=0),
            "ci_high": np.quantile(seg_draws, hi_q, axis=0),
        }, index=pd.Index(names, name="segment"))
    return CLVIntervals(table=table, total=total, n_draws=n_draws, alpha=float(alpha),
                        segments=seg_table, n_failed=n_failed, method=method)


#: Customer x draw cells handled at once by clv_interval.
_BLOCK = 4_000_000


def _segment_labels(segments: Any, X: pd.DataFrame, where: str):
    if segments is None:
        return None
    if isinstance(segments, pd.Series):
        if not segments.index.equals(X.index):
            missing = X.index.difference(segments.index)
            if len(missing):
                raise DataError(
                    f"{where}: segments has no label for {len(missing)} customers of X (e.g. "
                    f"{list(missing[:3])}). Give one label per customer, indexed like X."
                )
            segments = segments.reindex(X.index)
        values = segments.to_numpy()
    else:
        values = np.asarray(segments)
        if values.shape != (len(X),):
            raise ParameterError(
                f"{where}: segments must hold one label per customer of X ({len(X)}); got shape "
                f"{values.shape}."
            )
    if pd.isna(values).any():
        raise DataError(
            f"{where}: {int(pd.isna(values).sum())} customers have a missing segment label. "
            f"Fill them (e.g. 'unknown') so that their value is counted."
        )
    codes, names = pd.factorize(values, sort=True)
    return codes.astype("int64"), list(names)


# =============================================================================================
# day flooring: continuous-time purchases recorded as dates
# =============================================================================================
def _simulate_times(params, T, rng):
    """Continuous BG/NBD purchase times (weeks after the first purchase) of each customer."""
    r, alpha, a, b = params
    n = len(T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    k = rng.geometric(p)  # the repeat purchase after which the customer leaves
    events = rng.poisson(lam * T)
    x = np.minimum(events, k)
    owner = np.repeat(np.arange(n), events)
    times = rng.uniform(0, np.repeat(T, events))
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    rank = np.arange(len(owner)) - np.repeat(np.r_[0, np.cumsum(events)[:-1]], events)
    keep = rank < x[owner]
    return owner[keep], times[keep]


def day_flooring_effect(params: Any, T: Any, *, seed: int | None = 0) -> pd.DataFrame:
    """What recording continuous-time purchases as dates does to a BG/NBD fit.

    Simulates BG/NBD customers with ``params = (r, alpha, a, b)`` in continuous time (weeks;
    ``T`` = each customer's observation length), the first purchase at a uniform moment of
    its day. The same purchases are then summarised twice: in continuous time, and as the
    data record them — each time floored to its day, purchases on the same day merged, time
    in days / 7. Both summaries are fitted.

    Returns
    -------
    pandas.DataFrame
        Rows ``continuous`` and ``days``: ``records`` (purchases, first ones included),
        ``purchases`` (repeat purchases),
        ``merged_share`` (share of all purchases, first ones included, merged into another
        on the same day; 0 for ``continuous``) and the fitted ``r``, ``alpha``, ``a``, ``b``.

    Examples
    --------
    >>> import numpy as np
    >>> eff = day_flooring_effect((2.0, 4.0, 0.5, 8.0), np.full(2000, 50.0), seed=1)
    >>> bool(eff.loc["days", "merged_share"] > 0), bool(eff.loc["days", "alpha"] > eff.loc["continuous", "alpha"])
    (True, True)
    """
    where = "day_flooring_effect"
    values = np.asarray(params, dtype="float64")
    if values.shape != (4,) or not np.all(values > 0):
        raise ParameterError(
            f"The 'params' parameter of {where} must be four positive numbers (r, alpha, a, b). "
            f"Got {params!r}."
        )
    T = np.asarray(T, dtype="float64")
    if T.ndim != 1 or len(T) < 10 or not np.all(T > 0):
        raise ParameterError(
            f"The 'T' parameter of {where} must be at least 10 positive observation lengths "
            f"(weeks). Got {len(np.atleast_1d(T))} values with minimum {np.min(T) if T.size else 'none'}."
        )
    rng = np.random.default_rng(seed)
    n = len(T)
    offset = rng.uniform(0, 1, n)  # the first purchase's moment within its day, in days
    owner, times = _simulate_times(values, T, rng)
    # continuous summary
    x_c = np.bincount(owner, minlength=n)
    rec_c = np.zeros(n)
    np.maximum.at(rec_c, owner, times)
    cont = pd.DataFrame({"frequency": x_c, "recency": rec_c, "T": T})
    # the same purchases as dates: day number since the first purchase's day
    day = np.floor(offset[owner] + times * 7).astype("int64")
    end_day = np.floor(offset + T * 7).astype("int64")
    pairs = pd.DataFrame({"c": owner, "d": day}).drop_duplicates()
    pairs = pairs[pairs["d"] > 0]  # a purchase on the first day merges with the first purchase
    x_d = np.bincount(pairs["c"], minlength=n)
    rec_d = np.zeros(n)
    np.maximum.at(rec_d, pairs["c"].to_numpy(), pairs["d"].to_numpy() / 7.0)
    days = pd.DataFrame({"frequency": x_d, "recency": rec_d, "T": end_day / 7.0})
    total = n + len(owner)
    rows = {}
    for name, frame, merged in (("continuous", cont, 0.0),
                                ("days", days, 1 - (n + x_d.sum()) / total)):
        fit = BGNBD().fit(frame).params_
        rows[name] = {"records": int(n + frame["frequency"].sum()),
                      "purchases": int(frame["frequency"].sum()), "merged_share": merged, **fit}
    return pd.DataFrame(rows).T.astype({"records": "int64", "purchases": "int64"})
