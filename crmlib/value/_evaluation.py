"""How well does a fitted purchase model describe the customers? The evaluation suite.

Each check has a compute twin (a table, asserted on in the tests) and a plot of that table:

- :func:`repeat_purchase_histogram` — how many customers made 0, 1, 2 … repeat purchases in
  the calibration period, against the number the model expects (with a chi-square test);
- :func:`tracking_table` — repeat transactions week by week, incremental and cumulative,
  against the model's expectation, through the calibration period and the holdout;
- :func:`holdout_errors` — each customer's holdout purchases against the model's conditional
  expectation and its central interval: the mean absolute error and the share of customers
  whose purchases fall inside (set beside the share the model itself promises);
- the holdout means by calibration frequency or recency are :func:`holdout_check`;
- :func:`evaluation_table` puts the numbers of the first three for several models in one table.

They accept the continuous-time models :class:`BGNBD`, :class:`MBGNBD` and
:class:`ParetoNBD`. All three share one structure that the code here relies on: a customer's
future, given that they are alive at ``T`` after ``x`` repeat purchases, is the model's own
process with posterior parameters, so every conditional distribution is
``P(alive) x (that process's distribution) + (1 - P(alive)) x (no purchase)``; the models
supply ``_alive``, ``_pmf_given_alive`` and ``_pmf_new``, and the posterior part depends on
``(x, T)`` only, which is what the computations group customers by.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlib._results import SummaryDisplay
from crmlib._validation import check_int, check_real
from crmlib.exceptions import ConvergenceError, DataError, ParameterError
from crmlib.plotting import get_ax
from crmlib.value._btyd import BGNBD, _compress
from crmlib.value._inputs import _holdout_columns, _purchase_params, _rfm_arrays

__all__ = [
    "HoldoutErrors",
    "evaluation_table",
    "holdout_errors",
    "plot_holdout_errors",
    "plot_repeat_purchase_histogram",
    "plot_tracking",
    "repeat_purchase_histogram",
    "tracking_table",
]

#: Rows of (customer group x count) evaluated at once (bounds the memory of a pmf table).
_CELLS = 2_000_000
#: Largest purchase count searched for a customer's interval before giving up.
_MAX_COUNT = 100_000


def _title(model: Any) -> str:
    return getattr(model, "_title", type(model).__name__)


# =============================================================================================
# the frequency histogram
# =============================================================================================
def repeat_purchase_histogram(model: Any, summary: pd.DataFrame, *, max_frequency: int = 7) -> pd.DataFrame:
    """Customers by number of repeat purchases: actual against the model's expectation.

    For each customer of age ``T`` the model gives ``P(X(T) = k)``, the probability that a
    customer acquired ``T`` ago made ``k`` repeat purchases (the model's
    ``probability_of_n_purchases``); summed over the customers these are the expected
    numbers of customers with ``k`` repeat purchases (FHL 2005, figure 3). The last row is
    ``max_frequency`` or more. A chi-square goodness-of-fit test compares the two columns
    (degrees of freedom: rows - 1 - the model's 4 parameters); with thousands of customers it
    rejects small misfits that do not matter for a decision, so read the columns first.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Fitted on ``summary`` (its calibration columns when it has ``frequency_cal``).
    summary : pandas.DataFrame
        ``frequency``, ``recency``, ``T`` (or the ``_cal`` columns).
    max_frequency : int, default 7

    Returns
    -------
    pandas.DataFrame
        Indexed by ``frequency`` (0 … ``max_frequency``, the last meaning "or more"):
        ``actual`` and ``expected`` (customers), ``actual_share`` and ``expected_share``.
        ``attrs`` hold ``chi2``, ``dof``, ``p_value`` and ``model``.

    Examples
    --------
    >>> import numpy as np
    >>> sim = BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(4000, 30.0), seed=4)
    >>> h = repeat_purchase_histogram(BGNBD().fit(sim), sim, max_frequency=3)
    >>> h.columns.tolist(), int(h["actual"].sum()), round(float(h["expected"].sum()))
    (['actual', 'expected', 'actual_share', 'expected_share'], 4000, 4000)
    """
    where = "repeat_purchase_histogram"
    params = _purchase_params(model, where)
    max_frequency = check_int(max_frequency, "max_frequency", where=where, low=1)
    x, _, T = _rfm_arrays(summary, where)
    (Tu,), counts = _compress(T)
    k = np.arange(max_frequency, dtype="float64")
    pmf = np.asarray(model._pmf_new(params, Tu[:, None], k[None, :]), dtype="float64")
    expected_head = counts @ pmf
    expected = np.append(expected_head, counts.sum() - expected_head.sum())
    actual = np.bincount(np.minimum(x, max_frequency).astype("int64"), minlength=max_frequency + 1)
    table = pd.DataFrame(
        {"actual": actual, "expected": expected},
        index=pd.RangeIndex(max_frequency + 1, name="frequency"),
    )
    n = len(x)
    table["actual_share"] = table["actual"] / n
    table["expected_share"] = table["expected"] / n
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = float(np.sum((actual - expected) ** 2 / expected))
    dof = max(len(table) - 1 - len(params), 1)
    table.attrs.update(chi2=chi2, dof=dof, p_value=float(stats.chi2.sf(chi2, dof)),
                       model=_title(model))
    return table


def plot_repeat_purchase_histogram(table: pd.DataFrame, *, ax: Any = None) -> Any:
    """Bars of a :func:`repeat_purchase_histogram` table: actual beside expected customers.

    Examples
    --------
    >>> import pandas as pd, matplotlib.pyplot as plt
    >>> t = pd.DataFrame({"actual": [60, 30, 10], "expected": [58.0, 31.0, 11.0]},
    ...                  index=pd.Index([0, 1, 2], name="frequency"))
    >>> fig, ax = plt.subplots()
    >>> len(plot_repeat_purchase_histogram(t, ax=ax).patches)
    6
    """
    ax = get_ax(ax, where="plot_repeat_purchase_histogram")
    last = int(table.index.max())
    labels = [str(i) if i < last else f"{i}+" for i in table.index]
    pos = np.arange(len(table))
    model = table.attrs.get("model", "model")
    ax.bar(pos - 0.2, table["actual"], width=0.4, label="actual")
    ax.bar(pos + 0.2, table["expected"], width=0.4, label=f"expected ({model})")
    ax.set_xticks(pos, labels)
    ax.set(xlabel="repeat purchases in the calibration period", ylabel="customers")
    ax.legend()
    return ax


# =============================================================================================
# tracking: repeat transactions over calendar time
# =============================================================================================
def tracking_table(
    model: Any, transactions: Any, *, calibration_end: Any, as_of: Any,
    customer_col: str = "customer_id", date_col: str = "order_date", period_days: int = 7,
    days_per_unit: float = 7.0,
) -> pd.DataFrame:
    """Repeat transactions per period against the model's expectation (FHL 2005, figures 1-2).

    The customers are those whose first purchase is on or before ``calibration_end`` (the
    ones a calibration summary holds). A customer's repeat transactions are their purchase
    days after the first (same-day purchases count once, as in :func:`rfm_weeks`). The
    expected cumulative repeat transactions at the end of day ``d`` are
    ``sum_i E[X((d - first_i) / days_per_unit)]`` over customers acquired by ``d``
    (the model's expectation for a new customer); customers are grouped by their first day,
    so the sum costs one evaluation per acquisition day and period.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Fitted on the calibration summary, in the time unit of ``days_per_unit`` days.
    transactions : frame
        One row per purchase (any engine of :mod:`crmlib.engine`); only purchases.
    calibration_end, as_of : date-like
        The last day of the calibration period, and of the data (inclusive).
    customer_col, date_col : str
    period_days : int, default 7
        Length of a period (weeks); periods are counted from the first acquisition day.
    days_per_unit : float, default 7
        Days per time unit of the model (7 for models fitted on :func:`rfm_weeks`).

    Returns
    -------
    pandas.DataFrame
        One row per period, indexed by ``period_end`` (its last day): ``actual``,
        ``expected`` (repeat transactions in the period), ``actual_cumulative``,
        ``expected_cumulative`` and ``holdout`` (the period ends after ``calibration_end``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["A", "A", "B", "B", "B"], "order_date":
    ...     pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-02", "2024-01-03", "2024-01-20"])})
    >>> bg = BGNBD().fit(BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(2000, 30.0), seed=1))
    >>> t = tracking_table(bg, log, calibration_end="2024-01-14", as_of="2024-01-28")
    >>> t["actual"].tolist(), t["holdout"].tolist()
    ([1, 1, 1, 0], [False, False, True, True])
    """
    from crmlib._validation import parse_date
    from crmlib.engine import to_pandas

    where = "tracking_table"
    params = _purchase_params(model, where)
    period_days = check_int(period_days, "period_days", where=where, low=1)
    days_per_unit = check_real(days_per_unit, "days_per_unit", where=where, low=0,
                               low_inclusive=False)
    cal_end = parse_date(calibration_end, "calibration_end", where=where, day=True)
    end = parse_date(as_of, "as_of", where=where, day=True)
    if end < cal_end:
        raise ParameterError(
            f"{where}: as_of ({end.date()}) is before calibration_end ({cal_end.date()}); the "
            f"holdout must come after the calibration period. Swap them or pick a later as_of."
        )
    frame = to_pandas(transactions)
    for col in (customer_col, date_col):
        if col not in frame.columns:
            raise DataError(
                f"{where}: column {col!r} is not in the transactions. Columns present: "
                f"{list(map(str, frame.columns))}. Pass customer_col= and date_col=."
            )
    days = pd.to_datetime(frame[date_col]).dt.normalize()
    log = pd.DataFrame({"c": frame[customer_col].to_numpy(), "d": days.to_numpy()})
    if log["c"].isna().any() or log["d"].isna().any():
        bad = int((log["c"].isna() | log["d"].isna()).sum())
        raise DataError(
            f"{where}: {bad} transactions have a missing {customer_col!r} or {date_col!r}. "
            f"Drop or repair them first (crmlib.datasets loaders reconcile such rows)."
        )
    log = log[log["d"] <= end].drop_duplicates()
    first = log.groupby("c")["d"].transform("min")
    log = log[first <= cal_end]
    first = first[log.index]
    if log.empty:
        raise DataError(f"{where}: no customer made a first purchase on or before "
                        f"{cal_end.date()}. Check calibration_end and the date column.")
    start = first.min()
    n_periods = int((end - start).days // period_days) + 1
    period_end = start + pd.to_timedelta(np.arange(1, n_periods + 1) * period_days - 1, unit="D")
    period_end = period_end.where(period_end <= end, end)
    repeat = log["d"] > first
    period = ((log.loc[repeat, "d"] - start).dt.days // period_days).to_numpy()
    actual = np.bincount(period, minlength=n_periods)[:n_periods]
    births = first.groupby(log["c"]).first()
    cohort_day, cohort_n = np.unique((births - start).dt.days.to_numpy(), return_counts=True)
    ends = ((period_end - start).days).to_numpy(dtype="float64")
    age = (ends[:, None] - cohort_day[None, :]) / days_per_unit
    expected_cum = np.where(
        age > 0, np.asarray(model._expected_new(params, np.maximum(age, 0.0)), "float64"), 0.0,
    ) @ cohort_n
    table = pd.DataFrame({
        "actual": actual,
        "expected": np.diff(expected_cum, prepend=0.0),
        "actual_cumulative": np.cumsum(actual),
        "expected_cumulative": expected_cum,
        "holdout": (period_end > cal_end),
    }, index=pd.DatetimeIndex(period_end, name="period_end"))
    table.attrs.update(model=_title(model), calibration_end=cal_end, customers=int(len(births)))
    return table


def plot_tracking(table: pd.DataFrame, *, kind: str = "cumulative", ax: Any = None) -> Any:
    """Lines of a :func:`tracking_table`: actual and expected repeat transactions.

    ``kind="cumulative"`` (FHL 2005, figure 2) or ``"incremental"`` (figure 1); a dashed
    vertical line marks the end of the calibration period.

    Examples
    --------
    >>> import pandas as pd, matplotlib.pyplot as plt
    >>> t = pd.DataFrame({"actual": [1, 2], "expected": [1.2, 1.8], "actual_cumulative": [1, 3],
    ...     "expected_cumulative": [1.2, 3.0], "holdout": [False, True]},
    ...     index=pd.DatetimeIndex(["2024-01-07", "2024-01-14"], name="period_end"))
    >>> fig, ax = plt.subplots()
    >>> [l.get_label() for l in plot_tracking(t, ax=ax).get_lines()][:2]
    ['actual', 'expected (model)']
    """
    from crmlib._validation import check_choice

    kind = check_choice(kind, "kind", ["cumulative", "incremental"], where="plot_tracking")
    ax = get_ax(ax, where="plot_tracking")
    suffix = "_cumulative" if kind == "cumulative" else ""
    model = table.attrs.get("model", "model")
    ax.plot(table.index, table["actual" + suffix], label="actual")
    ax.plot(table.index, table["expected" + suffix], linestyle="--", label=f"expected ({model})")
    if table["holdout"].any() and not table["holdout"].all():
        ax.axvline(table.index[~table["holdout"].to_numpy()][-1], color="grey", linestyle=":")
    ax.set(xlabel="week", ylabel=f"repeat transactions ({kind})")
    ax.legend()
    return ax


# =============================================================================================
# per-customer holdout errors and interval coverage
# =============================================================================================
@dataclass(frozen=True, repr=False)
class HoldoutErrors(SummaryDisplay):
    """Each customer's holdout purchases against the model's forecast and central interval.

    Attributes
    ----------
    table : pandas.DataFrame
        Per customer: ``actual``, ``expected`` (conditional expectation over the holdout),
        ``low``, ``high`` (the central ``level`` interval of the model's conditional
        distribution; purchases are counts, so it holds at least ``level`` of the
        probability), ``inside`` (actual within [low, high]) and ``probability_inside`` (what
        the model gives that event).
    by_frequency : pandas.DataFrame
        The same by calibration frequency (last group "or more"): ``customers``, ``mae``,
        ``coverage``, ``expected_coverage``.
    mae : float
        Mean absolute error of ``expected``.
    coverage : float
        Share of customers inside their interval.
    expected_coverage : float
        Mean of ``probability_inside``: what the coverage should be if the model is right
        (above ``level`` because the intervals of counts are wider than asked).
    coverage_se : float
        Standard error of the coverage under the model, ``sqrt(sum p (1 - p)) / n``.
    level : float
    model : str
    """

    _html_table = "by_frequency"
    _html_lines = 2
    _html_float = "{:,.3f}"

    table: pd.DataFrame
    by_frequency: pd.DataFrame
    mae: float
    coverage: float
    expected_coverage: float
    coverage_se: float
    level: float
    model: str

    @property
    def z(self) -> float:
        """(coverage - expected_coverage) / coverage_se: beyond +/-3 the intervals are off."""
        return float((self.coverage - self.expected_coverage) / self.coverage_se)

    def summary(self) -> str:
        return (
            f"{self.model} holdout forecast of {len(self.table):,} customers: mean absolute error "
            f"{self.mae:.3f} purchases.\n"
            f"{self.coverage:.1%} of customers fall inside their {self.level:.0%} interval; the "
            f"model expects {self.expected_coverage:.1%} (SE {self.coverage_se:.1%}, z = "
            f"{self.z:+.1f})."
        )

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _conditional_cdf(model: Any, params: np.ndarray, x: np.ndarray, T: np.ndarray,
                     t: np.ndarray, where: str) -> np.ndarray:
    """cdf of purchases in (T, T + t] given alive, per (x, T, t) row, over counts 0 … K - 1.

    Each row is extended (by fourfold steps in K) until its cdf reaches ``1 - 1e-12``; rows
    that got there earlier are padded with their last value, so any central interval can be
    read off every row and the mean (the sum of ``1 - cdf``) is exact to ``K * 1e-12``.
    """
    K, done_K = 32, 0
    cdf = np.empty((len(x), 0))
    todo = np.arange(len(x))
    while True:
        rows = max(1, _CELLS // K)
        block = np.empty((len(todo), K))
        for lo in range(0, len(todo), rows):
            sel = todo[lo:lo + rows]
            pmf = model._pmf_given_alive(params, x[sel, None], T[sel, None], t[sel, None],
                                         np.arange(K, dtype="float64")[None, :])
            block[lo:lo + len(sel)] = np.cumsum(np.asarray(pmf, "float64"), axis=1)
        if not np.all(np.isfinite(block)):
            raise ConvergenceError(
                f"{where}: the model's purchase distribution could not be evaluated for "
                f"{int((~np.isfinite(block).all(axis=1)).sum())} customer groups. Check the fit's "
                f"summary() (parameters at the boundary) and the time unit."
            )
        grown = np.empty((len(x), K))
        if done_K:
            grown[:, :done_K] = cdf
            grown[:, done_K:] = cdf[:, -1:]
        grown[todo] = block
        cdf, done_K = grown, K
        todo = todo[block[:, -1] < 1 - 1e-12]
        if todo.size == 0:
            return np.minimum(cdf, 1.0)
        if K >= _MAX_COUNT:
            raise ConvergenceError(
                f"{where}: some customers' purchase distribution still has mass beyond "
                f"{_MAX_COUNT:,} purchases in the holdout; the forecast is degenerate. Check "
                f"the time unit of the summary."
            )
        K *= 4


def holdout_errors(model: Any, summary: pd.DataFrame, *, level: float = 0.8,
                   max_frequency: int = 7) -> HoldoutErrors:
    """Per-customer holdout error and the share of customers inside the model's interval.

    For each customer the model's distribution of holdout purchases is
    ``P(alive) x (the posterior process over the holdout) + (1 - P(alive)) x (none)``;
    its mean is the conditional expectation (``expected_purchases`` over the customer's
    ``duration_holdout``) and its ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles the
    interval. A count distribution cannot split its probability exactly, so each interval
    holds at least ``level``; ``expected_coverage`` is the exact share a correct model
    promises and is the number to compare the coverage with.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Fitted on the calibration columns of ``summary``.
    summary : pandas.DataFrame
        A calibration/holdout summary (:func:`rfm_weeks` with ``calibration_end``).
    level : float in (0, 1), default 0.8
    max_frequency : int, default 7
        Last calibration-frequency group of ``by_frequency`` ("or more").

    Returns
    -------
    HoldoutErrors

    Examples
    --------
    >>> import numpy as np
    >>> sim = BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(3000, 30.0), seed=2)
    >>> cal = sim.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal"})
    >>> cal["frequency_holdout"], cal["duration_holdout"] = 0, 10.0
    >>> res = holdout_errors(BGNBD().fit(cal), cal)
    >>> res.table.columns.tolist()
    ['actual', 'expected', 'low', 'high', 'inside', 'probability_inside']
    """
    where = "holdout_errors"
    params = _purchase_params(model, where)
    level = check_real(level, "level", where=where, low=0, high=1, low_inclusive=False)
    if level >= 1:
        raise ParameterError(f"The 'level' parameter of {where} must be below 1 (a central "
                             f"interval, e.g. 0.8). Got {level!r}.")
    max_frequency = check_int(max_frequency, "max_frequency", where=where, low=1)
    _holdout_columns(summary, where, ["frequency_holdout", "duration_holdout"])
    x, t_x, T = _rfm_arrays(summary, where)
    duration = summary["duration_holdout"].to_numpy("float64")
    actual = summary["frequency_holdout"].to_numpy("float64")
    alive = np.asarray(model._alive(params, x, t_x, T), "float64")
    (xu, Tu, du), _ = _compress(x, T, duration)
    group = pd.MultiIndex.from_arrays([xu, Tu, du]).get_indexer(
        pd.MultiIndex.from_arrays([x, T, duration]))
    cdf = _conditional_cdf(model, params, xu, Tu, du, where)
    given = (1.0 - cdf).sum(axis=1)  # mean of a count = sum of its survival function
    expected = alive * given[group]
    q_low, q_high = (1 - level) / 2, (1 + level) / 2
    low = np.empty(len(x))
    high = np.empty(len(x))
    p_inside = np.empty(len(x))
    rows = max(1, _CELLS // cdf.shape[1])
    for lo in range(0, len(x), rows):
        sl = slice(lo, lo + rows)
        pi = alive[sl, None]
        full = (1.0 - pi) + pi * cdf[group[sl]]  # customers' own cdf over 0 … K - 1
        lo_k = (full < q_low - 1e-12).sum(axis=1)
        hi_k = (full < q_high - 1e-12).sum(axis=1)
        below = np.where(lo_k > 0, np.take_along_axis(full, np.maximum(lo_k - 1, 0)[:, None], 1)[:, 0], 0.0)
        p_inside[sl] = np.take_along_axis(full, hi_k[:, None], 1)[:, 0] - below
        low[sl], high[sl] = lo_k, hi_k
    inside = (actual >= low) & (actual <= high)
    table = pd.DataFrame({
        "actual": actual, "expected": expected, "low": low.astype("int64"),
        "high": high.astype("int64"), "inside": inside, "probability_inside": p_inside,
    }, index=summary.index)
    group_f = pd.Series(np.minimum(x, max_frequency).astype("int64"), index=summary.index,
                        name="frequency_cal")
    err = (table["actual"] - table["expected"]).abs()
    by = pd.DataFrame({"customers": table.groupby(group_f).size(),
                       "mae": err.groupby(group_f).mean(),
                       "coverage": table["inside"].groupby(group_f).mean(),
                       "expected_coverage": table["probability_inside"].groupby(group_f).mean()})
    n = len(table)
    return HoldoutErrors(
        table=table, by_frequency=by, mae=float(err.mean()), coverage=float(inside.mean()),
        expected_coverage=float(p_inside.mean()),
        coverage_se=float(math.sqrt(max(np.sum(p_inside * (1 - p_inside)), 1e-300)) / n),
        level=float(level), model=_title(model),
    )


def plot_holdout_errors(result: HoldoutErrors, *, ax: Any = None) -> Any:
    """Coverage of the holdout intervals by calibration frequency, against the model's promise.

    Examples
    --------
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> sim = BGNBD.simulate((0.5, 4.0, 0.8, 2.5), T=np.full(3000, 30.0), seed=2)
    >>> cal = sim.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal"})
    >>> cal["frequency_holdout"], cal["duration_holdout"] = 0, 10.0
    >>> fig, ax = plt.subplots()
    >>> len(plot_holdout_errors(holdout_errors(BGNBD().fit(cal), cal), ax=ax).get_lines())
    2
    """
    ax = get_ax(ax, where="plot_holdout_errors")
    by = result.by_frequency
    last = int(by.index.max())
    labels = [str(i) if i < last else f"{i}+" for i in by.index]
    ax.plot(labels, by["coverage"], marker="o", label="share inside the interval")
    ax.plot(labels, by["expected_coverage"], marker="s", linestyle="--",
            label=f"what {result.model} promises")
    ax.set(xlabel="purchases in the calibration period",
           ylabel=f"coverage of the {result.level:.0%} interval", ylim=(0, 1.02))
    ax.legend()
    return ax


# =============================================================================================
# the checks of several models, as one table
# =============================================================================================
def evaluation_table(
    models: dict, summary: pd.DataFrame, transactions: Any, *, calibration_end: Any, as_of: Any,
    customer_col: str = "customer_id", date_col: str = "order_date", level: float = 0.8,
) -> pd.DataFrame:
    """The evaluation suite's numbers for each model fitted on the same calibration summary.

    One row per model: the histogram's ``chi2`` and ``chi2_p_value``
    (:func:`repeat_purchase_histogram`), ``tracking_holdout_error`` (expected over actual
    repeat transactions in the holdout weeks of :func:`tracking_table`, minus 1),
    ``holdout_mae``, ``coverage``, ``expected_coverage`` and ``coverage_z``
    (:func:`holdout_errors` at ``level``).

    Parameters
    ----------
    models : mapping name -> fitted BGNBD, MBGNBD or ParetoNBD
    summary : pandas.DataFrame
        The calibration/holdout summary they were fitted on.
    transactions : frame
        The purchases the summary was built from.
    calibration_end, as_of : date-like
    customer_col, date_col : str
    level : float, default 0.8

    Returns
    -------
    pandas.DataFrame
        Indexed by model name.
    """
    rows = {}
    for name, model in models.items():
        hist = repeat_purchase_histogram(model, summary)
        track = tracking_table(model, transactions, calibration_end=calibration_end, as_of=as_of,
                               customer_col=customer_col, date_col=date_col)
        hold = track[track["holdout"]]
        err = holdout_errors(model, summary, level=level)
        rows[name] = {
            "chi2": hist.attrs["chi2"], "chi2_p_value": hist.attrs["p_value"],
            "tracking_holdout_error": float(hold["expected"].sum() / hold["actual"].sum() - 1),
            "holdout_mae": err.mae, "coverage": err.coverage,
            "expected_coverage": err.expected_coverage, "coverage_z": err.z,
        }
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "model"
    return table
