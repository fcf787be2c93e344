"""The models' input from an order log, the holdout check, and customer lifetime value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import check_int, check_real
from crmlib.exceptions import ConvergenceError, ParameterError
from crmlib.plotting import get_ax
from crmlib.value._btyd import BGNBD, GammaGamma
from crmlib.value._inputs import _holdout_columns, _purchase_params, _rfm_arrays

__all__ = [
    "customer_lifetime_value",
    "holdout_check",
    "plot_holdout_check",
    "rfm_weeks",
]


# =============================================================================================
# summaries in weeks, holdout check, CLV
# =============================================================================================
def rfm_weeks(
    transactions: Any, *, customer_col: str = "customer_id", date_col: str = "order_date",
    amount_col: str | None = "amount", as_of: Any, calibration_end: Any = None,
) -> pd.DataFrame:
    """RFM summary in weeks measured at day resolution (recency and ``T`` in days / 7).

    Calls :func:`crmlib.engine.rfm_summary` with daily periods (same-day purchases are one
    purchase; their amounts add up) and divides the time columns by 7, as Fader, Hardie & Lee
    (2005) measure them for CDNOW. ``frequency`` counts repeat purchase days.

    Parameters
    ----------
    transactions : frame
        One row per purchase (any engine of :mod:`crmlib.engine`); only purchases belong here
        (filter out cancelled orders first).
    customer_col, date_col, amount_col : str
    as_of, calibration_end : date-like
        As in :func:`crmlib.engine.rfm_summary`; with ``calibration_end`` the result has the
        ``_cal`` and ``_holdout`` columns, ``duration_holdout`` in weeks too.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["A", "A", "A", "B"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15", "2024-01-08"]),
    ...     "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> rfm_weeks(log, as_of="2024-01-29")
                 frequency  recency    T  monetary_value
    customer_id
    A                    1      2.0  4.0            20.0
    B                    0      0.0  3.0             0.0
    """
    from crmlib.engine import rfm_summary, to_pandas

    summary = to_pandas(rfm_summary(
        transactions, customer_col=customer_col, date_col=date_col, amount_col=amount_col,
        as_of=as_of, freq="D", calibration_end=calibration_end,
    )).set_index(customer_col)
    for col in ("recency", "T", "recency_cal", "T_cal", "duration_holdout"):
        if col in summary.columns:
            summary[col] = summary[col].astype("float64") / 7.0
    return summary


def holdout_check(model: Any, summary: pd.DataFrame, *, by: str = "frequency",
                  max_frequency: int = 7, n_bins: int = 8) -> pd.DataFrame:
    """Predicted against actual holdout purchases, by calibration-period frequency or recency.

    The compute twin of :func:`plot_holdout_check`: customers are grouped by
    ``frequency_cal`` (``by="frequency"``; the last group is ``max_frequency`` or more) or by
    ``recency_cal`` (``by="recency"``: customers without repeat purchases in a group of their
    own, the others in ``n_bins`` equal-width bins of recency), and in each group the mean
    actual ``frequency_holdout`` is set beside the mean of the model's conditional expectation
    over each customer's ``duration_holdout`` (FHL 2005, figure 4). Grouping by recency shows
    what frequency hides: whether the model's P(alive) falls off at the right pace for
    customers who have been quiet.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        A calibration/holdout summary (:func:`rfm_weeks` with ``calibration_end``).
    by : {"frequency", "recency"}, default "frequency"
    max_frequency : int, default 7
    n_bins : int, default 8
        Recency bins (``by="recency"``).

    Returns
    -------
    pandas.DataFrame
        ``customers``, ``actual``, ``predicted``; indexed by ``frequency_cal`` (0 …
        ``max_frequency``, the last meaning "or more"), or by ``recency_cal`` (labels
        ``"no repeat"`` and the bins' ranges in the summary's time unit).

    Examples
    --------
    >>> import numpy as np
    >>> sim = BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(3000, 30.0), seed=2)
    >>> cal = sim.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal"})
    >>> cal["frequency_holdout"], cal["duration_holdout"] = 0, 10.0
    >>> holdout_check(BGNBD().fit(cal), cal, max_frequency=3).columns.tolist()
    ['customers', 'actual', 'predicted']
    >>> holdout_check(BGNBD().fit(cal), cal, by="recency", n_bins=3).index.tolist()
    ['no repeat', '0-10', '10-20', '20-30']
    """
    from crmlib._validation import check_choice

    where = "holdout_check"
    by = check_choice(by, "by", ["frequency", "recency"], where=where)
    check_int(max_frequency, "max_frequency", where=where, low=1)
    n_bins = check_int(n_bins, "n_bins", where=where, low=1)
    _holdout_columns(summary, where, ["frequency_cal", "recency_cal", "T_cal",
                                      "frequency_holdout", "duration_holdout"])
    params = _purchase_params(model, where)
    x, t_x, T = _rfm_arrays(summary, where)
    duration = summary["duration_holdout"].to_numpy("float64")
    predicted = np.empty(len(x))
    for d in np.unique(duration):
        sel = duration == d
        predicted[sel] = model._cond_expected(params, x[sel], t_x[sel], T[sel], float(d))
    frame = pd.DataFrame({
        "actual": summary["frequency_holdout"].to_numpy("float64"),
        "predicted": predicted,
    })
    if by == "frequency":
        frame["frequency_cal"] = np.minimum(x, max_frequency).astype("int64")
        order = list(range(max_frequency + 1))
    else:
        edges = np.linspace(0.0, max(float(t_x.max()), 1e-9), n_bins + 1)
        labels = [f"{lo:g}-{hi:g}" for lo, hi in zip(np.round(edges[:-1], 1), np.round(edges[1:], 1),
                                                      strict=True)]
        bins = np.clip(np.searchsorted(edges, t_x, side="left") - 1, 0, n_bins - 1)
        frame["recency_cal"] = np.where(x > 0, np.asarray(labels, dtype=object)[bins], "no repeat")
        order = ["no repeat", *labels]
    key = frame.columns[-1]
    table = frame.groupby(key).agg(
        customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
    table = table.reindex(pd.Index(order, name=key)).fillna({"customers": 0}).astype(
        {"customers": "int64"})
    table.attrs["model"] = getattr(model, "_title", type(model).__name__)
    return table


def plot_holdout_check(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Plot a :func:`holdout_check` table: actual and predicted holdout purchases.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"customers": [5, 3], "actual": [0.2, 1.1], "predicted": [0.25, 1.0]},
    ...                  index=pd.Index([0, 1], name="frequency_cal"))
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> [line.get_label() for line in plot_holdout_check(t, ax=ax).get_lines()]
    ['actual', 'predicted (BG/NBD)']
    """
    ax = get_ax(ax)
    if table.index.name == "recency_cal":
        labels = [str(i) for i in table.index]
        xlabel = "recency in the calibration period (time of the last purchase)"
    else:
        last = int(table.index.max())
        labels = [str(i) if i < last else f"{i}+" for i in table.index]
        xlabel = "purchases in the calibration period"
    ax.plot(labels, table["actual"], marker="o", label="actual")
    ax.plot(labels, table["predicted"], marker="s", linestyle="--",
            label=f"predicted ({table.attrs.get('model', 'BG/NBD')})")
    ax.set(xlabel=xlabel, ylabel="mean purchases in the holdout")
    ax.legend()
    return ax


def customer_lifetime_value(
    model: Any, gamma_gamma: GammaGamma, X: pd.DataFrame, *, horizon: int = 52,
    margin: float = 0.3, discount_rate: float = 0.1, periods_per_year: float = 52.0,
) -> pd.Series:
    """Discounted margin of each customer's expected purchases over a horizon.

    .. math::

        \\mathrm{CLV}_i = \\text{margin} \\times E[M_i] \\times \\sum_{k=1}^{H}
            \\frac{E[Y_i(k)] - E[Y_i(k-1)]}{(1 + d)^{k / \\text{periods\\_per\\_year}}}

    where ``E[Y_i(k)]`` is the purchase model's expected number of purchases in the next ``k``
    time units (``expected_purchases`` of :class:`BGNBD`, :class:`MBGNBD` or
    :class:`ParetoNBD`), ``E[M_i]`` the Gamma-Gamma expected transaction value
    (:meth:`GammaGamma.expected_spend`), ``H = horizon`` and ``d`` the annual discount rate.
    The purchases of period ``k`` are discounted to today at the end of that period. With
    ``discount_rate = 0`` and ``margin = 1`` this is expected purchases x expected spend.

    ``E[Y_i(k)]`` is P(alive) times an expectation that depends on the frequency and age only,
    so the discounted sum is computed once per distinct ``(frequency, T)`` and the cost grows
    with those pairs, not with the customers.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        A fitted purchase model.
    gamma_gamma : GammaGamma
        A fitted spend model.
    X : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` and ``monetary_value`` per customer (in the time
        unit of the purchase model's fit).
    horizon : int, default 52
        Number of time units ahead (52 weeks = one year).
    margin : float in [0, 1], default 0.3
        Gross margin on revenue.
    discount_rate : float >= 0, default 0.1
        Annual discount rate.
    periods_per_year : float, default 52
        Time units per year (52 for weeks, 365 for days, 12 for months).

    Returns
    -------
    pandas.Series
        CLV per customer, indexed like ``X``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> sim = BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(2000, 30.0), seed=3)
    >>> sim["monetary_value"] = np.where(sim["frequency"] > 0, 50.0, 0.0) + sim["frequency"]
    >>> bg, gg = BGNBD().fit(sim), GammaGamma().fit(sim)
    >>> clv = customer_lifetime_value(bg, gg, sim.head(3), discount_rate=0.0, margin=1.0)
    >>> bool(np.allclose(clv, bg.expected_purchases(sim.head(3), 52) * gg.expected_spend(sim.head(3))))
    True
    """
    where = "customer_lifetime_value"
    plan = _clv_plan(where, horizon=horizon, margin=margin, discount_rate=discount_rate,
                     periods_per_year=periods_per_year)
    if not isinstance(X, pd.DataFrame):
        raise ParameterError(
            f"{where}: X must be a pandas DataFrame with columns frequency, recency, T and "
            f"monetary_value. Got a {type(X).__name__}."
        )
    params = _purchase_params(model, where)
    x, t_x, T = _rfm_arrays(X, where)
    spend = np.asarray(gamma_gamma.expected_spend(X), dtype="float64")
    pairs = _Pairs(x, T)
    discounted, _ = _given_alive_sums(model, params, pairs, plan, where)
    alive = np.asarray(model._alive(params, x, t_x, T), dtype="float64")
    return pd.Series(plan.margin * spend * alive * discounted[pairs.inverse], index=X.index,
                     name="clv")


@dataclass(frozen=True)
class _Plan:
    """The checked CLV options: the horizon's time points and their discount factors."""

    horizon: int
    margin: float
    weeks: np.ndarray
    factor: np.ndarray


def _clv_plan(where: str, *, horizon: int = 52, margin: float = 0.3, discount_rate: float = 0.1,
              periods_per_year: float = 52.0) -> _Plan:
    horizon = check_int(horizon, "horizon", where=where, low=1)
    margin = check_real(margin, "margin", where=where, low=0, high=1)
    discount_rate = check_real(discount_rate, "discount_rate", where=where, low=0)
    periods_per_year = check_real(periods_per_year, "periods_per_year", where=where, low=0,
                                  low_inclusive=False)
    weeks = np.arange(1, horizon + 1, dtype="float64")
    return _Plan(horizon=horizon, margin=margin, weeks=weeks,
                 factor=(1 + discount_rate) ** (-weeks / periods_per_year))


class _Pairs:
    """The distinct (frequency, T) of the customers and each customer's row among them."""

    def __init__(self, x: np.ndarray, T: np.ndarray):
        codes, uniques = pd.MultiIndex.from_arrays([x, T]).factorize()
        self.inverse = np.asarray(codes, dtype="int64")
        self.x = uniques.get_level_values(0).to_numpy("float64")
        self.T = uniques.get_level_values(1).to_numpy("float64")


def _given_alive_sums(model: Any, params: np.ndarray, pairs: _Pairs, plan: _Plan,
                      where: str) -> tuple[np.ndarray, np.ndarray]:
    """Discounted and plain expected purchases over the horizon of each pair, given alive."""
    n, h = len(pairs.x), plan.horizon
    fast = _bracket_sums(model, params, pairs, plan) if hasattr(model, "_bracket_shift") else None
    if fast is not None:
        discounted, plain = fast
    else:
        discounted = np.empty(n)
        plain = np.empty(n)
        step = max(1, _CELLS // h)
        for lo in range(0, n, step):
            sl = slice(lo, lo + step)
            path = model._given_alive(params, pairs.x[None, sl], pairs.T[None, sl],
                                      plan.weeks[:, None])
            discounted[sl] = plan.factor @ np.diff(path, axis=0, prepend=0.0)
            plain[sl] = path[-1]
    if not (np.all(np.isfinite(discounted)) and np.all(np.isfinite(plain))):
        a = params[2]
        raise ConvergenceError(
            f"{where}: the expected purchases are not finite for "
            f"{int((~np.isfinite(discounted)).sum())} (frequency, T) pairs over the horizon "
            f"{h}. Use a shorter horizon, or check the fit (for the BG/NBD family, a close to 1: "
            f"a={a:.4g})."
        )
    return discounted, plain


#: Customer-weeks (pair-weeks) evaluated at once.
_CELLS = 2_000_000
#: Most series terms the shared-series sum of _bracket_sums may take (else the direct path).
_MAX_SERIES = 3000


def _bracket_sums(model: Any, params: np.ndarray, pairs: _Pairs, plan: _Plan):
    """The BG/NBD family's discounted sum over the horizon, one power series for all pairs.

    Given alive, the expectation is ``lead(x) * (1 - w ** (a - 1) G(x, z))`` with ``z = k /
    (alpha + T + k)``, ``w = 1 - z`` and ``G(x, z) = 2F1(A, B; C_x; z) = sum_n c_n(x) z ** n``,
    whose coefficients depend on the frequency only (:mod:`crmlib.value._special`). Summing
    by parts, the discounted sum is ``sum_k g_k E(k)`` with ``g_k = f_k - f_{k+1}`` (``f`` the
    discount factors, ``f_{H+1} = 0``), so

        sum_k g_k w_k ** (a - 1) G(x, z_k) = sum_n c_n(x) M_n(T),
        M_n(T) = sum_k g_k w_k ** (a - 1) z_k ** n,

    a product of an (x by n) and an (n by T) matrix: the cost is one pass over the distinct
    ages and weeks per series term instead of a series per pair and week. The terms are
    summed until the bound on the rest is below 1e-15 of the smallest sum; when that needs
    more than ``_MAX_SERIES`` terms (very long horizons for new customers) this returns None
    and the direct evaluation is used. Agreement with the direct path: 1e-12 relative
    (tested).
    """
    r, alpha, a, b = params
    b = b + model._bracket_shift
    if abs(a - 1.0) < 1e-8:
        return None
    f = plan.factor
    g = f - np.append(f[1:], 0.0)
    xs, x_of = np.unique(pairs.x, return_inverse=True)
    Ts, T_of = np.unique(pairs.T, return_inverse=True)
    base = alpha + Ts[:, None]
    z = plan.weeks[None, :] / (base + plan.weeks[None, :])
    z_max = float(z.max())
    if 40.0 / (1.0 - z_max) > _MAX_SERIES:
        return None
    weight = g[None, :] * np.exp((a - 1.0) * np.log1p(-z))  # g_k w_k ** (a - 1)
    A, B = a + b - 1.0 - r, a - 1.0
    C = a + b + xs - 1.0
    head = weight.sum(axis=1)  # the n = 0 term (c_0 = 1)
    coef = np.ones(len(xs))
    # ages whose terms have become negligible leave the loop (young customers need the most)
    active = np.arange(len(Ts))
    power, zz, z_top = weight.copy(), z.copy(), z.max(axis=1)
    rows_c, rows_m = [], []
    settled = max(-A, -B, 0.0) + 1.0
    floor = float(head.min()) if head.size else 1.0
    with np.errstate(all="ignore"):
        for k in range(_MAX_SERIES):
            ratio = (A + k) * (B + k) / ((C + k) * (k + 1.0))
            coef = coef * ratio
            power = power * zz
            moments = np.zeros(len(Ts))
            moments[active] = power.sum(axis=1)
            rows_c.append(coef)
            rows_m.append(moments)
            if k + 1 >= settled:
                rho = z_top * max(1.0, float(np.max(np.abs(ratio))))
                bound = float(np.max(np.abs(coef))) * moments[active] * rho / (1.0 - rho)
                open_ = ~(bound <= 1e-16 * floor)
                if not open_.any():
                    break
                if not open_.all() and k % 8 == 0:
                    active, power, zz, z_top = active[open_], power[open_], zz[open_], z_top[open_]
        else:
            return None
    dead = np.vstack(rows_c).T @ np.vstack(rows_m)  # (x, T): sum_n>=1 c_n(x) M_n(T)
    total = g.sum() - head[T_of] - dead[x_of, T_of]
    lead = (a + b + pairs.x - 1.0) / (a - 1.0)
    discounted = lead * total
    plain = model._given_alive(params, pairs.x, pairs.T, float(plan.horizon))
    if not (np.all(np.isfinite(discounted)) and np.all(np.isfinite(plain))):
        return None
    return discounted, np.asarray(plain, "float64")
