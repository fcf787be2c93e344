"""The models' input from an order log, the holdout check, and customer lifetime value."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import check_int, check_real
from crmlib.exceptions import DataError, ParameterError
from crmlib.plotting import get_ax
from crmlib.value._btyd import BGNBD, GammaGamma
from crmlib.value._inputs import _rfm_arrays

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


def holdout_check(model: BGNBD, summary: pd.DataFrame, *, max_frequency: int = 7) -> pd.DataFrame:
    """Predicted against actual holdout purchases, by calibration-period frequency.

    The compute twin of :func:`plot_holdout_check`: customers are grouped by
    ``frequency_cal`` (the last group is ``max_frequency`` or more); in each group the mean
    actual ``frequency_holdout`` is set beside the mean of the model's expected purchases over
    each customer's ``duration_holdout`` (FHL 2005, figure 4).

    Parameters
    ----------
    model : BGNBD
        Fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        A calibration/holdout summary (:func:`rfm_weeks` with ``calibration_end``).
    max_frequency : int, default 7

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency_cal`` (0 … ``max_frequency``, the last meaning "or more"):
        ``customers``, ``actual``, ``predicted``.

    Examples
    --------
    >>> import numpy as np
    >>> sim = BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(3000, 30.0), seed=2)
    >>> cal = sim.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal"})
    >>> cal["frequency_holdout"], cal["duration_holdout"] = 0, 10.0
    >>> holdout_check(BGNBD().fit(cal), cal, max_frequency=3).columns.tolist()
    ['customers', 'actual', 'predicted']
    """
    where = "holdout_check"
    check_int(max_frequency, "max_frequency", where=where, low=1)
    needed = ["frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"]
    missing = [c for c in needed if c not in summary.columns]
    if missing:
        raise DataError(
            f"{where}: column {missing[0]!r} not in the summary. Columns present: "
            f"{list(map(str, summary.columns))}. Build it with rfm_weeks(..., calibration_end=...)."
        )
    params = model._check_fitted(where)
    x, t_x, T = _rfm_arrays(summary, where)
    duration = summary["duration_holdout"].to_numpy("float64")
    predicted = np.empty(len(x))
    for d in np.unique(duration):
        sel = duration == d
        predicted[sel] = model._cond_expected(params, x[sel], t_x[sel], T[sel], float(d))
    frame = pd.DataFrame({
        "frequency_cal": np.minimum(x, max_frequency).astype("int64"),
        "actual": summary["frequency_holdout"].to_numpy("float64"),
        "predicted": predicted,
    })
    table = frame.groupby("frequency_cal").agg(
        customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
    return table.reindex(range(max_frequency + 1)).fillna({"customers": 0}).astype(
        {"customers": "int64"})


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
    last = int(table.index.max())
    labels = [str(i) if i < last else f"{i}+" for i in table.index]
    ax.plot(labels, table["actual"], marker="o", label="actual")
    ax.plot(labels, table["predicted"], marker="s", linestyle="--", label="predicted (BG/NBD)")
    ax.set(xlabel="purchases in the calibration period", ylabel="mean purchases in the holdout")
    ax.legend()
    return ax


def customer_lifetime_value(
    bgnbd: BGNBD, gamma_gamma: GammaGamma, X: pd.DataFrame, *, horizon: int = 52,
    margin: float = 0.3, discount_rate: float = 0.1, periods_per_year: float = 52.0,
) -> pd.Series:
    """Discounted margin of each customer's expected purchases over a horizon.

    .. math::

        \\mathrm{CLV}_i = \\text{margin} \\times E[M_i] \\times \\sum_{k=1}^{H}
            \\frac{E[Y_i(k)] - E[Y_i(k-1)]}{(1 + d)^{k / \\text{periods\\_per\\_year}}}

    where ``E[Y_i(k)]`` is the BG/NBD expected number of purchases in the next ``k`` time
    units (:meth:`BGNBD.expected_purchases`), ``E[M_i]`` the Gamma-Gamma expected transaction
    value (:meth:`GammaGamma.expected_spend`), ``H = horizon`` and ``d`` the annual discount
    rate. The purchases of period ``k`` are discounted to today at the end of that period.
    With ``discount_rate = 0`` and ``margin = 1`` this is expected purchases × expected spend.

    Parameters
    ----------
    bgnbd, gamma_gamma : fitted models
    X : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` and ``monetary_value`` per customer (in the time
        unit of the BG/NBD fit).
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
    horizon = check_int(horizon, "horizon", where=where, low=1)
    margin = check_real(margin, "margin", where=where, low=0, high=1)
    discount_rate = check_real(discount_rate, "discount_rate", where=where, low=0)
    periods_per_year = check_real(periods_per_year, "periods_per_year", where=where, low=0,
                                  low_inclusive=False)
    if not isinstance(X, pd.DataFrame):
        raise ParameterError(
            f"{where}: X must be a pandas DataFrame with columns frequency, recency, T and "
            f"monetary_value. Got a {type(X).__name__}."
        )
    params = bgnbd._check_fitted(where)
    x, t_x, T = _rfm_arrays(X, where)
    spend = np.asarray(gamma_gamma.expected_spend(X), dtype="float64")
    weeks = np.arange(1, horizon + 1, dtype="float64")
    factor = (1 + discount_rate) ** (-weeks / periods_per_year)
    if len(x) * horizon <= _CELLS:
        # few customers (e.g. the bootstrap of clv_interval): every week in one evaluation
        increments = np.diff(_expected_path(bgnbd, params, x, t_x, T, weeks), axis=0, prepend=0.0)
        total = factor @ increments
    else:  # many customers: week by week keeps memory small and is faster
        total = np.zeros(len(x))
        previous = np.zeros(len(x))
        for k, f in zip(weeks, factor, strict=True):
            cumulative = bgnbd._cond_expected(params, x, t_x, T, float(k))
            total += (cumulative - previous) * f
            previous = cumulative
    return pd.Series(margin * spend * total, index=X.index, name="clv")


#: Up to this many customer-weeks, customer_lifetime_value evaluates all weeks at once.
_CELLS = 50_000


def _expected_path(bgnbd: BGNBD, params: np.ndarray, x: np.ndarray, t_x: np.ndarray,
                   T: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """Expected purchases by each of ``weeks`` (rows) for each customer (columns)."""
    from crmlib.exceptions import ConvergenceError
    from crmlib.value._special import bgnbd_bracket

    r, alpha, a, b = params
    shape = (len(weeks), len(x))
    bracket = bgnbd_bracket(
        r, alpha, a, b, np.broadcast_to(x, shape).ravel(), np.broadcast_to(T, shape).ravel(),
        np.broadcast_to(weeks[:, None], shape).ravel(),
    ).reshape(shape)
    value = (a + b + x - 1) / (a - 1) * bracket * bgnbd._p_alive(r, alpha, a, b, x, t_x, T)
    if not np.all(np.isfinite(value)):
        raise ConvergenceError(
            f"customer_lifetime_value: the hypergeometric series did not give a finite value for "
            f"{int((~np.isfinite(value).all(axis=0)).sum())} customers (horizon {len(weeks)}). "
            f"Use a shorter horizon, or check that a is not close to 1 (a={a:.4g})."
        )
    return value
