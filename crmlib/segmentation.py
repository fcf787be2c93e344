"""Customer segmentation and grading: RFM, ABC/Pareto, lead qualification, clusters, cross-tabs.

The module follows the order of lesson 02:

- **RFM** — :func:`rfm_table` turns an order log into marketing-style recency (days since the
  last purchase), frequency (purchase days) and monetary value; :func:`rfm_scores` gives
  quantile scores 1..``bins`` with ties handled; :func:`rfm_segments` names the segments
  (champions, loyal, …) by the documented grid :func:`rfm_segment_rules`.
- **ABC / Pareto grading** — :func:`abc_classes` (an :class:`ABCResult`), :func:`gini`,
  :func:`concentration_curve` and :func:`plot_concentration_curve`; :func:`spend_growth` and
  :func:`grade_customers` add frequency, growth and credit rating to the value grade.
- **Lead qualification** (MAN + credit) — :func:`lead_score` (a transparent points table,
  :data:`LEAD_POINTS`), :func:`true_lead_logit` (the truth's linear predictor, the best
  possible ranking) and :func:`lead_score_check` (a :class:`LeadScoreCheck`).
- **Clustering** — :func:`customer_features`, :func:`select_k` (a :class:`ClusterSelection`,
  silhouette for k-means, BIC for a Gaussian mixture) with :func:`plot_k_selection`,
  :func:`fit_segments` (a :class:`SegmentModel` with profiles and names) and
  :func:`cluster_stability` (bootstrap adjusted Rand index).
- **Descriptive segmentation** — :func:`crosstab_test` (a :class:`CrosstabResult` with the
  chi-square test and Cramér's V) and :func:`segment_summary` (size and value per segment).

Statistics are kept apart from drawing: every ``plot_x`` has a compute twin returning a
DataFrame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib.engine import rfm_summary
from crmlib._validation import check_choice, check_columns, check_int, check_real, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = [
    "ABCResult",
    "ClusterSelection",
    "CrosstabResult",
    "FEATURE_GROUPS",
    "LEAD_POINTS",
    "LeadScoreCheck",
    "SegmentModel",
    "abc_classes",
    "cluster_stability",
    "concentration_curve",
    "crosstab_test",
    "customer_features",
    "fit_segments",
    "gini",
    "grade_customers",
    "lead_score",
    "lead_score_check",
    "plot_concentration_curve",
    "plot_k_selection",
    "rfm_scores",
    "rfm_segment_rules",
    "rfm_segments",
    "rfm_table",
    "segment_summary",
    "select_k",
    "spend_growth",
    "true_lead_logit",
]


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------
def _check_frame(frame: object, name: str, where: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(
            f"The {name!r} parameter of {where} must be a pandas DataFrame. Got a "
            f"{type(frame).__name__} instead. Convert it first (e.g. crmlib.engine.to_pandas)."
        )
    return frame


def _as_of(value: object, where: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        stamp = pd.NaT
    if value is None or isinstance(value, bool) or stamp is pd.NaT:
        raise ParameterError(
            f"The 'as_of' parameter of {where} must be a date (a 'YYYY-MM-DD' string, a "
            f"datetime.date or a pandas Timestamp). Got {value!r} (a {type(value).__name__}) "
            f"instead."
        )
    return stamp.normalize()


def _check_no_missing(frame: pd.DataFrame, columns: Sequence[str], where: str, what: str) -> None:
    for col in columns:
        missing = frame[col].isna()
        if missing.any():
            raise DataError(
                f"{where}: column {col!r} of {what} has {int(missing.sum())} missing values "
                f"(e.g. rows {format_examples(frame.index[missing])}). Drop or fill them first, "
                f"e.g. with crmlib.datasets.read_transactions, which sets such rows aside."
            )


def _purchases(
    transactions: object,
    *,
    where: str,
    customer_col: str,
    date_col: str,
    amount_col: str,
    as_of: object,
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """Validate an order log; return (customer, day, amount) rows up to ``as_of`` and as_of."""
    frame = _check_frame(transactions, "transactions", where)
    check_columns(frame.columns, [customer_col, date_col, amount_col], where=where,
                  hint=None)
    day = _as_of(as_of, where)
    dates = frame[date_col]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        raise DataError(
            f"{where}: column {date_col!r} must hold datetimes; it has dtype {dates.dtype} "
            f"(e.g. {format_examples(dates.head(3))}). Convert it first: "
            f"df[{date_col!r}] = pd.to_datetime(df[{date_col!r}])."
        )
    if not pd.api.types.is_numeric_dtype(frame[amount_col]) or pd.api.types.is_bool_dtype(
        frame[amount_col]
    ):
        raise DataError(
            f"{where}: column {amount_col!r} must be numeric; it has dtype "
            f"{frame[amount_col].dtype} (e.g. {format_examples(frame[amount_col].head(3))}). "
            f"Convert it to numbers first or pass another amount_col."
        )
    _check_no_missing(frame, [customer_col, date_col, amount_col], where, "transactions")
    if len(frame) == 0:
        raise DataError(f"{where}: 'transactions' has no rows. Pass an order log with purchases.")
    negative = frame[amount_col] < 0
    if negative.any():
        raise DataError(
            f"{where}: column {amount_col!r} must be >= 0 (one row per purchase); "
            f"{int(negative.sum())} rows are negative (e.g. "
            f"{format_examples(frame.loc[negative, amount_col])}). Refunds and cancellations are "
            f"not purchases: set them aside first (crmlib.datasets.read_transactions does)."
        )
    days = dates.dt.tz_localize(None) if getattr(dates.dt, "tz", None) else dates
    days = days.dt.normalize()
    first = days.min()
    if first > day:
        raise DataError(
            f"{where}: as_of ({day:%Y-%m-%d}) is before the first purchase "
            f"({first:%Y-%m-%d}), so no customer has a purchase on or before it. "
            f"Pass an as_of on or after {first:%Y-%m-%d}."
        )
    out = pd.DataFrame(
        {"customer_id": frame[customer_col].to_numpy(), "day": days.to_numpy(),
         "amount": frame[amount_col].astype(float).to_numpy()}
    )
    return out[out["day"] <= day], day


# --------------------------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------------------------
def rfm_table(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    monetary: str = "total",
) -> pd.DataFrame:
    """Marketing-style recency, frequency and monetary value per customer.

    Purchases after the day of ``as_of`` are ignored; a time of day is ignored. Several
    purchases on one day count as one purchase day: the periods come from
    :func:`crmlib.engine.rfm_summary` (``recency_days`` = ``T - recency``, ``frequency`` =
    its ``frequency + 1``, ``tenure_days`` = ``T``); ``monetary`` adds up all purchases.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase (completed orders only; leave out cancellations and refunds).
    as_of : date-like
        Analysis date, e.g. ``"2025-12-28"``.
    customer_col, date_col, amount_col : str
        Column names.
    monetary : {"total", "mean"}
        ``total`` spend, or the ``mean`` spend per purchase day.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer (sorted), columns ``recency_days`` (days since the last purchase),
        ``frequency`` (number of purchase days), ``monetary`` and ``tenure_days`` (days since
        the first purchase). Customers with a first purchase after ``as_of`` do not appear;
        customers with one purchase have ``frequency`` 1.

    Raises
    ------
    DataError
        Missing columns or values, wrong dtypes, negative amounts, customers whose total spend
        is zero, or an ``as_of`` before the first purchase.
    ParameterError
        ``as_of`` is not a date or ``monetary`` is not a valid choice.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["A", "A", "A", "B"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-05"]),
    ...     "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> rfm_table(log, as_of="2024-01-10")
                 recency_days  frequency  monetary  tenure_days
    customer_id
    A                       2          2      35.0            9
    B                       5          1       7.0            5
    """
    where = "rfm_table"
    check_choice(monetary, "monetary", ["total", "mean"], where=where)
    rows, day = _purchases(transactions, where=where, customer_col=customer_col,
                           date_col=date_col, amount_col=amount_col, as_of=as_of)
    # purchase days, recency and T come from the engine's summary (one definition of a
    # purchase period for the whole library); R/F/M are re-expressed the marketing way
    periods = rfm_summary(rows, customer_col="customer_id", date_col="day", amount_col=None,
                          as_of=day).set_index("customer_id")
    totals = rows.groupby("customer_id", sort=True)["amount"].sum().reindex(periods.index)
    n_days = periods["frequency"] + 1
    out = pd.DataFrame({
        "recency_days": (periods["T"] - periods["recency"]).astype("int64"),
        "frequency": n_days.astype("int64"),
        "monetary": totals if monetary == "total" else totals / n_days,
        "tenure_days": periods["T"].astype("int64"),
    })
    out.index.name = customer_col
    zero = out["monetary"] <= 0
    if zero.any():
        raise DataError(
            f"{where}: every customer must have a total spend > 0 in column {amount_col!r}; "
            f"{int(zero.sum())} customers have 0 (e.g. {format_examples(out.index[zero])}). "
            f"Drop zero-value rows (free samples, fully discounted orders) or these customers."
        )
    return out


def _scores(values: pd.Series, bins: int, *, higher_is_better: bool) -> pd.Series:
    """1 + floor(bins x share of customers with a strictly worse value)."""
    x = values.to_numpy(dtype=float)
    key = x if higher_is_better else -x
    order = np.sort(key)
    worse = np.searchsorted(order, key, side="left")  # strictly worse values
    return pd.Series(1 + (bins * worse) // len(x), index=values.index, dtype="int64")


def rfm_scores(
    rfm: pd.DataFrame,
    *,
    bins: int = 5,
    recency_col: str = "recency_days",
    frequency_col: str = "frequency",
    monetary_col: str = "monetary",
) -> pd.DataFrame:
    """Quantile scores 1..``bins`` for recency, frequency and monetary value (higher = better).

    The score of a value is ``1 + floor(bins x s)``, where ``s`` is the share of customers
    with a strictly *worse* value (a longer recency, fewer purchases, less spend). So:

    - tied values always get the same score (ties go to the lower bin);
    - with distinct values the bins hold equal numbers of customers (±1);
    - when one value holds more than ``1/bins`` of the customers (e.g. many one-time
      buyers), the next score(s) stay empty — the score is never invented.

    Parameters
    ----------
    rfm : pandas.DataFrame
        Output of :func:`rfm_table` (or any table with the three columns).
    bins : int
        Number of score levels, 2 to 10 (5 is the classic RFM).
    recency_col, frequency_col, monetary_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``R``, ``F``, ``M`` (ints in 1..bins), ``rfm_cell`` (e.g.
        ``"545"``; with ``bins=10`` the digits are separated by dashes) and ``rfm_score``
        (R + F + M).

    Raises
    ------
    ParameterError
        ``bins`` is not an int in [2, 10], or there are fewer customers than bins.
    DataError
        A column is missing or has missing values, or one of R, F, M has the same value for
        every customer (e.g. a single-day history), so nothing can be ranked.

    Examples
    --------
    Recency 2 is best; the two customers with frequency 1 tie and share score 1:

    >>> import pandas as pd
    >>> rfm = pd.DataFrame({"recency_days": [2, 30, 10, 60], "frequency": [5, 1, 1, 2],
    ...                     "monetary": [500.0, 20.0, 80.0, 100.0]}, index=list("ABCD"))
    >>> rfm_scores(rfm, bins=2)[["R", "F", "M", "rfm_cell", "rfm_score"]]
       R  F  M rfm_cell  rfm_score
    A  2  2  2      222          6
    B  1  1  1      111          3
    C  2  1  1      211          4
    D  1  2  2      122          5
    """
    where = "rfm_scores"
    _check_frame(rfm, "rfm", where)
    bins = check_int(bins, "bins", where=where, low=2, high=10)
    cols = [recency_col, frequency_col, monetary_col]
    check_columns(rfm.columns, cols, where=where,
                  hint="Build the table with rfm_table() or pass recency_col=, frequency_col=, "
                       "monetary_col=.")
    _check_no_missing(rfm, cols, where, "rfm")
    if len(rfm) < bins:
        raise ParameterError(
            f"The 'bins' parameter of {where} must not exceed the number of customers "
            f"({len(rfm)}). Got {bins} instead. Pass bins <= {max(len(rfm), 1)} or score more "
            f"customers."
        )
    for col in cols:
        if rfm[col].nunique() == 1:
            raise DataError(
                f"{where}: column {col!r} has the same value ({rfm[col].iloc[0]!r}) for all "
                f"{len(rfm)} customers, so it cannot be ranked into scores (e.g. a single-day "
                f"history gives every customer the same recency). Use a longer history."
            )
    out = rfm.copy()
    out["R"] = _scores(rfm[recency_col], bins, higher_is_better=False)
    out["F"] = _scores(rfm[frequency_col], bins, higher_is_better=True)
    out["M"] = _scores(rfm[monetary_col], bins, higher_is_better=True)
    sep = "-" if bins >= 10 else ""
    out["rfm_cell"] = (out["R"].astype(str) + sep + out["F"].astype(str) + sep
                       + out["M"].astype(str))
    out["rfm_score"] = out["R"] + out["F"] + out["M"]
    return out


# (segment, R range on a 1-5 scale, FM range on a 1-5 scale, description); first match wins.
_RFM_RULES: tuple[tuple[str, int, int, float, float, str], ...] = (
    ("champions", 4, 5, 4.0, 5.0, "bought recently, buy often and spend the most: reward them"),
    ("loyal", 4, 5, 3.0, 4.0, "recent, regular buyers with good spend: upsell, loyalty programme"),
    ("loyal", 3, 3, 3.0, 5.0, "regular buyers with good spend, not the most recent"),
    ("potential loyalists", 4, 5, 1.5, 3.0, "recent buyers with average frequency: build the habit"),
    ("new customers", 4, 5, 1.0, 1.5, "bought recently, once and for little: onboard them"),
    ("need attention", 3, 3, 1.0, 3.0, "middle of the road, slipping: a timely offer"),
    ("can't lose", 1, 2, 4.0, 5.0, "were among the best, have not bought for long: win them back"),
    ("at risk", 1, 2, 2.5, 4.0, "spent well in the past, now quiet: reactivate"),
    ("hibernating", 1, 2, 1.5, 2.5, "low spend, long ago: cheap reminders only"),
    ("hibernating", 2, 2, 1.0, 1.5, "low spend, long ago: cheap reminders only"),
    ("lost", 1, 1, 1.0, 1.5, "bought once, little, long ago: do not spend on them"),
)
_SEGMENT_ORDER = ["champions", "loyal", "potential loyalists", "new customers", "need attention",
                  "can't lose", "at risk", "hibernating", "lost"]


def rfm_segment_rules() -> pd.DataFrame:
    """The grid that names RFM segments, as a table (rules are tried in order).

    Scores are first put on a 1-5 scale (``ceil(5 x score / bins)``, the identity for
    ``bins=5``). ``FM`` is the mean of the F and M scores. A customer gets the first rule
    whose ``R`` range contains R (inclusive) and whose ``FM`` range contains FM (lower bound
    inclusive, upper bound exclusive except at 5):

    =====================  =====  ===========  =============================================
    segment                R      FM           meaning
    =====================  =====  ===========  =============================================
    champions              4–5    4–5          recent, frequent, high spend
    loyal                  4–5    3–4          recent, regular, good spend
    loyal                  3      3–5          regular, good spend, less recent
    potential loyalists    4–5    1.5–3        recent, average frequency
    new customers          4–5    1–1.5        recent, one small purchase
    need attention         3      1–3          average and slipping
    can't lose             1–2    4–5          were the best, gone quiet
    at risk                1–2    2.5–4        spent well, gone quiet
    hibernating            1–2    1.5–2.5      low value, long ago
    hibernating            2      1–1.5        low value, long ago
    lost                   1      1–1.5        one small purchase, long ago
    =====================  =====  ===========  =============================================

    Every (R, FM) pair on the 1-5 grid matches exactly one segment.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``R_min``, ``R_max``, ``FM_min``, ``FM_max``, ``description``.

    Examples
    --------
    >>> rules = rfm_segment_rules()
    >>> rules["segment"].drop_duplicates().tolist()[:4]
    ['champions', 'loyal', 'potential loyalists', 'new customers']
    >>> len(rules)
    11
    """
    return pd.DataFrame(
        list(_RFM_RULES), columns=["segment", "R_min", "R_max", "FM_min", "FM_max", "description"]
    )


def _segment_of(r5: np.ndarray, fm5: np.ndarray) -> np.ndarray:
    out = np.full(len(r5), "", dtype=object)
    for name, rlo, rhi, flo, fhi, _ in _RFM_RULES:
        upper = fm5 <= fhi if fhi >= 5 else fm5 < fhi
        hit = (out == "") & (r5 >= rlo) & (r5 <= rhi) & (fm5 >= flo) & upper
        out[hit] = name
    return out


def rfm_segments(scores: pd.DataFrame, *, bins: int | None = None) -> pd.Series:
    """Name the RFM segment of each customer from its R, F and M scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`rfm_scores` (columns ``R``, ``F``, ``M``).
    bins : int, optional
        The ``bins`` the scores were made with; by default the largest score present
        (pass it when the top score may be empty).

    Returns
    -------
    pandas.Series
        Ordered categorical ``segment`` (champions first, lost last; see
        :func:`rfm_segment_rules`), same index as ``scores``.

    Raises
    ------
    DataError
        The score columns are missing or outside 1..bins.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"R": [5, 5, 3, 1, 1, 2], "F": [5, 1, 4, 5, 1, 3],
    ...                   "M": [4, 1, 4, 5, 1, 3]}, index=list("abcdef"))
    >>> rfm_segments(s, bins=5).tolist()
    ['champions', 'new customers', 'loyal', "can't lose", 'lost', 'at risk']
    """
    where = "rfm_segments"
    _check_frame(scores, "scores", where)
    check_columns(scores.columns, ["R", "F", "M"], where=where,
                  hint="Score the customers with rfm_scores() first.")
    _check_no_missing(scores, ["R", "F", "M"], where, "scores")
    top = int(scores[["R", "F", "M"]].to_numpy().max()) if len(scores) else 5
    bins = top if bins is None else check_int(bins, "bins", where=where, low=2, high=10)
    values = scores[["R", "F", "M"]].to_numpy()
    if len(values) and (values.min() < 1 or values.max() > bins):
        raise DataError(
            f"{where}: scores R, F, M must be in 1..{bins}; found {values.min()}..{values.max()}. "
            f"Pass the bins the scores were made with (bins={values.max()} or more)."
        )
    r5 = np.ceil(5 * scores["R"].to_numpy() / bins)
    fm5 = (np.ceil(5 * scores["F"].to_numpy() / bins) + np.ceil(5 * scores["M"].to_numpy() / bins)) / 2
    names = _segment_of(r5, fm5)
    return pd.Series(pd.Categorical(names, categories=_SEGMENT_ORDER, ordered=True),
                     index=scores.index, name="segment")


def segment_summary(
    table: pd.DataFrame, *, segment_col: str = "segment", value_col: str = "monetary"
) -> pd.DataFrame:
    """Size and value of each segment.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer with a segment column and a value column.
    segment_col, value_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per segment (empty categories kept with zeros): ``customers``,
        ``customer_share``, ``value``, ``value_share``, ``value_per_customer`` (0 for an
        empty segment).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"segment": ["a", "a", "b"], "monetary": [10.0, 30.0, 60.0]})
    >>> segment_summary(t)
             customers  customer_share  value  value_share  value_per_customer
    segment
    a                2        0.666667   40.0          0.4                20.0
    b                1        0.333333   60.0          0.6                60.0
    """
    where = "segment_summary"
    _check_frame(table, "table", where)
    check_columns(table.columns, [segment_col, value_col], where=where,
                  hint="Pass segment_col= and value_col=.")
    _check_no_missing(table, [segment_col, value_col], where, "table")
    g = table.groupby(segment_col, observed=False)[value_col]
    out = pd.DataFrame({"customers": g.size().astype("int64"), "value": g.sum().astype(float)})
    out.insert(1, "customer_share", out["customers"] / max(len(table), 1))
    total = out["value"].sum()
    out["value_share"] = out["value"] / total if total else 0.0
    out["value_per_customer"] = (out["value"] / out["customers"].where(out["customers"] > 0)).fillna(0.0)
    return out


# --------------------------------------------------------------------------------------------
# ABC / Pareto grading
# --------------------------------------------------------------------------------------------
def _values(values: object, where: str, name: str = "values") -> pd.Series:
    if isinstance(values, pd.DataFrame) or isinstance(values, (str, bytes)):
        raise ParameterError(
            f"The {name!r} parameter of {where} must be a 1-D sequence or Series of numbers. "
            f"Got a {type(values).__name__}. Pass one column, e.g. table['monetary']."
        )
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataError(
            f"{where}: {name!r} must be numeric; got dtype {s.dtype} "
            f"(e.g. {format_examples(s.head(3))}). Convert to numbers first."
        )
    if len(s) == 0:
        raise DataError(f"{where}: {name!r} is empty. Pass at least one customer's value.")
    bad = s.isna() | ~np.isfinite(s.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        raise DataError(
            f"{where}: {name!r} must be finite numbers; {int(bad.sum())} are missing or "
            f"infinite (e.g. at {format_examples(s.index[bad])}). Drop or fill them first."
        )
    neg = s < 0
    if neg.any():
        raise DataError(
            f"{where}: {name!r} must be >= 0 (a value contribution); {int(neg.sum())} are "
            f"negative (e.g. {format_examples(s[neg])}). Net refunds off first or clip at 0."
        )
    if float(s.sum()) <= 0:
        raise DataError(
            f"{where}: {name!r} must have a positive total; all {len(s)} values are 0. "
            f"There is no value to grade."
        )
    return s.astype(float)


def gini(values: Any) -> float:
    """Gini coefficient of the value distribution (0 = all equal, (n-1)/n = one holder).

    ``G = sum_i (2i - n - 1) x_(i) / (n sum x)`` with ``x`` sorted ascending, i = 1..n; it
    equals twice the area between the Lorenz curve and the diagonal.

    Parameters
    ----------
    values : array-like of float
        Non-negative values with a positive total (e.g. spend per customer).

    Returns
    -------
    float

    Raises
    ------
    DataError
        Empty, missing, negative or all-zero values.

    Examples
    --------
    >>> gini([5, 5, 5, 5])
    0.0
    >>> gini([0, 0, 0, 10])
    0.75
    >>> round(gini([1, 2, 3, 4]), 4)
    0.25
    """
    x = np.sort(_values(values, "gini").to_numpy())
    n = len(x)
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * x) / (n * x.sum()))


def concentration_curve(values: Any) -> pd.DataFrame:
    """The Pareto (concentration) curve: share of value held by the top customers.

    Customers are sorted by value, largest first. The curve is the Lorenz curve read from the
    top: ``value_share(c) = 1 - Lorenz(1 - c)``; the Gini coefficient is
    ``2 x area under this curve - 1``.

    Parameters
    ----------
    values : array-like of float
        Non-negative values with a positive total.

    Returns
    -------
    pandas.DataFrame
        ``n + 1`` rows from (0, 0) to (1, 1): ``customer_share`` and ``value_share``.

    Examples
    --------
    >>> concentration_curve([10, 30, 60])
       customer_share  value_share
    0        0.000000          0.0
    1        0.333333          0.6
    2        0.666667          0.9
    3        1.000000          1.0
    """
    x = np.sort(_values(values, "concentration_curve").to_numpy())[::-1]
    n = len(x)
    return pd.DataFrame({
        "customer_share": np.arange(n + 1) / n,
        "value_share": np.concatenate([[0.0], np.cumsum(x) / x.sum()]),
    })


def plot_concentration_curve(
    curve: pd.DataFrame, *, ax: Any = None, thresholds: Sequence[float] | None = None,
    label: str | None = None,
) -> Any:
    """Draw a concentration curve from :func:`concentration_curve`, with the equality line.

    Parameters
    ----------
    curve : pandas.DataFrame
        Columns ``customer_share`` and ``value_share``.
    ax : matplotlib Axes, optional
        Where to draw (default: the current Axes).
    thresholds : sequence of float, optional
        Value shares to mark with horizontal lines (e.g. the ABC thresholds (0.8, 0.95)).
    label : str, optional
        Legend label of the curve.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = plot_concentration_curve(concentration_curve([10, 30, 60]), ax=ax, thresholds=[0.8])
    >>> ax.lines[0].get_ydata().tolist()
    [0.0, 0.6, 0.9, 1.0]
    >>> plt.close(fig)
    """
    check_columns(curve.columns, ["customer_share", "value_share"], where="plot_concentration_curve",
                  hint="Pass the output of concentration_curve().")
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    ax.plot(curve["customer_share"], curve["value_share"], label=label or "top customers")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="equal value")
    for t in thresholds or ():
        ax.axhline(t, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xlabel("share of customers (largest value first)")
    ax.set_ylabel("share of value")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="lower right")
    return ax


@dataclass(frozen=True, repr=False)
class ABCResult(SummaryDisplay):
    """ABC grading of customers by value contribution (see :func:`abc_classes`).

    Attributes
    ----------
    table : pandas.DataFrame
        Per customer, largest value first: ``value``, ``rank``, ``cum_share`` (share of value
        up to and including the customer) and ``abc_class`` (ordered categorical).
    classes : pandas.DataFrame
        Per class: ``customers``, ``customer_share``, ``value``, ``value_share``.
    gini : float
        Gini coefficient of the values.
    thresholds : tuple of float
        The cumulative value shares that close classes A and B.
    """

    _html_table = "classes"
    _html_lines = 1

    table: pd.DataFrame
    classes: pd.DataFrame
    gini: float
    thresholds: tuple[float, float]

    def to_frame(self) -> pd.DataFrame:
        """The per-class table (a copy)."""
        return self.classes.copy()

    def summary(self) -> str:
        """A short text summary."""
        a, b = self.thresholds
        lines = [f"ABC grading of {len(self.table):,} customers (A: first {a:.0%} of value, "
                 f"B: up to {b:.0%}, C: the rest); Gini = {self.gini:.3f}"]
        for name, row in self.classes.iterrows():
            lines.append(f"  {name}: {row['customers']:,.0f} customers ({row['customer_share']:.1%})"
                         f" hold {row['value_share']:.1%} of value")
        notes = []
        if (self.classes["customers"] == 0).any():
            notes.append("a class is empty: the thresholds are too close for these values")
        lines += [f"  Note {i}: {n}" for i, n in enumerate(notes, 1)]
        return "\n".join(lines)


def abc_classes(
    values: Any, *, thresholds: Sequence[float] = (0.8, 0.95), labels: Sequence[str] = ("A", "B", "C")
) -> ABCResult:
    """Grade customers A/B/C by their contribution to total value (Pareto / ABC analysis).

    Customers are sorted by value, largest first. A customer is in class A when the share of
    value held by the customers *before* it is below ``thresholds[0]`` (so A is the smallest
    group that makes the first 80% of value), in B when it is below ``thresholds[1]``, else in
    C. Tied values share the class of the first of them, so classes are monotone in value.

    Parameters
    ----------
    values : pandas.Series or array-like
        Non-negative value per customer (the index, if any, identifies customers).
    thresholds : (float, float)
        Cumulative value shares closing A and B, with ``0 < a < b <= 1``.
    labels : three str
        Class names.

    Returns
    -------
    ABCResult

    Raises
    ------
    ParameterError
        Bad thresholds or labels.
    DataError
        Empty, missing, negative or all-zero values.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([50.0, 30.0, 10.0, 5.0, 5.0], index=list("abcde"))
    >>> res = abc_classes(v)
    >>> res.table["abc_class"].tolist()
    ['A', 'A', 'B', 'B', 'B']
    >>> res.classes[["customers", "value_share"]]
           customers  value_share
    class
    A              2          0.8
    B              3          0.2
    C              0          0.0
    """
    where = "abc_classes"
    s = _values(values, where)
    thr = tuple(thresholds) if isinstance(thresholds, (list, tuple)) else None
    if thr is None or len(thr) != 2:
        raise ParameterError(
            f"The 'thresholds' parameter of {where} must be two cumulative value shares "
            f"(a, b). Got {thresholds!r} instead. Pass e.g. thresholds=(0.8, 0.95)."
        )
    a = check_real(thr[0], "thresholds[0]", where=where, low=0, high=1, low_inclusive=False)
    b = check_real(thr[1], "thresholds[1]", where=where, low=0, high=1, low_inclusive=False)
    if not a < b:
        raise ParameterError(
            f"The 'thresholds' parameter of {where} must be increasing (0 < a < b <= 1). "
            f"Got {thresholds!r} instead. Pass e.g. thresholds=(0.8, 0.95)."
        )
    if len(labels) != 3 or len(set(labels)) != 3:
        raise ParameterError(
            f"The 'labels' parameter of {where} must be three distinct names. Got {labels!r} "
            f"instead. Pass e.g. labels=('A', 'B', 'C')."
        )
    order = s.sort_values(ascending=False, kind="stable")
    x = order.to_numpy()
    cum = np.cumsum(x) / x.sum()
    before = np.concatenate([[0.0], cum[:-1]])
    # tied values share the "before" share of the first of them
    first_of_tie = pd.Series(before).groupby(x).transform("min").to_numpy()
    code = np.where(first_of_tie < a - 1e-12, 0, np.where(first_of_tie < b - 1e-12, 1, 2))
    cls = pd.Categorical.from_codes(code, categories=list(labels), ordered=True)
    table = pd.DataFrame({"value": x, "rank": np.arange(1, len(x) + 1), "cum_share": cum,
                          "abc_class": cls}, index=order.index)
    g = table.groupby("abc_class", observed=False)["value"]
    classes = pd.DataFrame({"customers": g.size().astype("int64"), "value": g.sum()})
    classes.insert(1, "customer_share", classes["customers"] / len(table))
    classes["value_share"] = classes["value"] / x.sum()
    classes.index.name = "class"
    return ABCResult(table=table, classes=classes, gini=gini(x), thresholds=(a, b))


def spend_growth(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    tolerance: float = 0.1,
) -> pd.DataFrame:
    """Spend in the last 365 days against the 365 days before, with a growth band.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase.
    as_of : date-like
        End of the "this year" window (its day counts).
    customer_col, date_col, amount_col : str
        Column names.
    tolerance : float
        Relative change counted as ``stable`` (default ±10%).

    Returns
    -------
    pandas.DataFrame
        Per customer with a purchase on or before ``as_of``: ``spend_this_year``,
        ``spend_last_year`` and ``growth`` — ``new`` (no purchase before the last-year
        window starts and nothing last year), ``growing``, ``stable``, ``declining``, or
        ``inactive`` (nothing in either window).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["A", "A", "B", "B", "C"],
    ...     "order_date": pd.to_datetime(["2023-06-01", "2024-06-01", "2023-06-01",
    ...                                   "2024-06-01", "2024-06-01"]),
    ...     "amount": [100.0, 150.0, 100.0, 50.0, 30.0]})
    >>> spend_growth(log, as_of="2024-12-31")
                 spend_this_year  spend_last_year     growth
    customer_id
    A                      150.0            100.0    growing
    B                       50.0            100.0  declining
    C                       30.0              0.0        new
    """
    where = "spend_growth"
    tol = check_real(tolerance, "tolerance", where=where, low=0, high=1)
    rows, day = _purchases(transactions, where=where, customer_col=customer_col,
                           date_col=date_col, amount_col=amount_col, as_of=as_of)
    start_this = day - pd.Timedelta(days=364)
    start_last = start_this - pd.Timedelta(days=365)
    this = rows["day"] >= start_this
    last = (rows["day"] >= start_last) & ~this
    g = rows.groupby("customer_id", sort=True)
    out = pd.DataFrame({
        "spend_this_year": rows["amount"].where(this, 0.0).groupby(rows["customer_id"]).sum(),
        "spend_last_year": rows["amount"].where(last, 0.0).groupby(rows["customer_id"]).sum(),
    })
    first = g["day"].min()
    cur, prev = out["spend_this_year"], out["spend_last_year"]
    band = np.select(
        [(prev == 0) & (cur == 0), (prev == 0) & (first >= start_last), prev == 0,
         cur > prev * (1 + tol), cur < prev * (1 - tol)],
        ["inactive", "new", "growing", "growing", "declining"], default="stable")
    out["growth"] = pd.Categorical(band, categories=["new", "growing", "stable", "declining",
                                                     "inactive"])
    out.index.name = customer_col
    return out


_GRADE_POINTS: dict[str, dict[str, int]] = {
    "value_class": {"A": 3, "B": 2, "C": 1},
    "frequency_class": {"A": 2, "B": 1, "C": 0},
    "growth": {"new": 0, "growing": 1, "stable": 0, "declining": -1, "inactive": -1},
    "credit_rating": {"A": 1, "B": 0, "C": -1, "D": -2, "n/a": 0},
}


def grade_customers(
    table: pd.DataFrame,
    *,
    value_col: str = "monetary",
    frequency_col: str = "frequency",
    growth_col: str | None = None,
    credit_col: str | None = None,
    thresholds: Sequence[float] = (0.8, 0.95),
    cutoffs: Sequence[int] = (5, 3),
) -> pd.DataFrame:
    """Multi-criteria customer grade: value, purchase frequency, growth and credit rating.

    Each criterion gives points; the grade follows from their sum:

    ==================  =====================================================  ===========
    criterion           rule                                                   points
    ==================  =====================================================  ===========
    value class         ABC on ``value_col`` (:func:`abc_classes`)             A 3, B 2, C 1
    frequency class     ABC on ``frequency_col`` (share of all purchases)      A 2, B 1, C 0
    growth (optional)   band of :func:`spend_growth`                           growing +1,
                                                                               declining or
                                                                               inactive -1,
                                                                               else 0
    credit (optional)   credit rating of business accounts                     A +1, B 0,
                                                                               C -1, D -2,
                                                                               'n/a' 0
    ==================  =====================================================  ===========

    Grade A when points >= ``cutoffs[0]`` (default 5), B when >= ``cutoffs[1]`` (3), else C.
    With the defaults, an A-value customer who also buys often is grade A; the same customer
    with a declining spend and a D credit rating drops to B or C.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer.
    value_col, frequency_col : str
        Value and purchase-count columns.
    growth_col, credit_col : str, optional
        Growth band (values as in :func:`spend_growth`) and credit rating columns.
    thresholds : (float, float)
        ABC thresholds for value and frequency.
    cutoffs : (int, int)
        Minimum points for grades A and B.

    Returns
    -------
    pandas.DataFrame
        Same index: ``value_class``, ``frequency_class``, (``growth``, ``credit_rating``),
        ``points`` and ``grade`` (ordered categorical A < B < C by rank, A best).

    Raises
    ------
    DataError
        Missing columns or values, or a growth band / credit rating not in the points table.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"monetary": [900.0, 60.0, 40.0], "frequency": [20, 2, 1],
    ...                   "credit": ["D", "n/a", "A"]}, index=["x", "y", "z"])
    >>> grade_customers(t, credit_col="credit")[["value_class", "frequency_class", "points", "grade"]]
      value_class frequency_class  points grade
    x           A               A       3     B
    y           B               B       3     B
    z           C               C       2     C
    """
    where = "grade_customers"
    _check_frame(table, "table", where)
    cols = [value_col, frequency_col] + [c for c in (growth_col, credit_col) if c is not None]
    check_columns(table.columns, cols, where=where, hint="Pass the column names as keywords.")
    _check_no_missing(table, cols, where, "table")
    if len(cutoffs) != 2 or not cutoffs[0] > cutoffs[1]:
        raise ParameterError(
            f"The 'cutoffs' parameter of {where} must be two decreasing point totals (A, B). "
            f"Got {cutoffs!r} instead. Pass e.g. cutoffs=(5, 3)."
        )
    out = pd.DataFrame(index=table.index)
    out["value_class"] = abc_classes(table[value_col], thresholds=thresholds).table["abc_class"]
    out["frequency_class"] = abc_classes(table[frequency_col], thresholds=thresholds).table["abc_class"]
    points = (out["value_class"].astype(str).map(_GRADE_POINTS["value_class"])
              + out["frequency_class"].astype(str).map(_GRADE_POINTS["frequency_class"]))
    for key, col in (("growth", growth_col), ("credit_rating", credit_col)):
        if col is None:
            continue
        vals = table[col].astype(str)
        unknown = ~vals.isin(list(_GRADE_POINTS[key]))
        if unknown.any():
            raise DataError(
                f"{where}: column {col!r} has values without points "
                f"(e.g. {format_examples(vals[unknown].unique())}); valid values: "
                f"{list(_GRADE_POINTS[key])}. Map them first."
            )
        out[key] = table[col]
        points = points + vals.map(_GRADE_POINTS[key])
    out["points"] = points.astype("int64")
    grade = np.where(points >= cutoffs[0], "A", np.where(points >= cutoffs[1], "B", "C"))
    out["grade"] = pd.Categorical(grade, categories=["A", "B", "C"], ordered=True)
    return out


# --------------------------------------------------------------------------------------------
# lead qualification (MAN + credit)
# --------------------------------------------------------------------------------------------
#: Points table of the lead score (0-100): Money (budget, CNY thousand), Authority, Need,
#: credit rating. Budget bands are lower bounds; a budget gets the points of the highest
#: band it reaches.
LEAD_POINTS: dict[str, dict[Any, int]] = {
    "budget": {0: 0, 25: 10, 75: 20, 200: 30},
    "authority": {"none": 0, "influencer": 15, "decision_maker": 30},
    "need": {1: 0, 2: 8, 3: 15, 4: 22, 5: 30},
    "credit_rating": {"D": 0, "C": 3, "B": 7, "A": 10},
}
_BANDS = ("cold", "cool", "warm", "hot")


def lead_score(
    leads: pd.DataFrame, *, points: Mapping[str, Mapping[Any, int]] | None = None,
    band_edges: Sequence[float] = (30, 50, 70),
) -> pd.DataFrame:
    """Qualify B2B leads on Money, Authority and Need plus credit (MAN) with a points table.

    Default points (:data:`LEAD_POINTS`, 0-100 in all):

    ==============  ==========================================  ===========
    criterion       level                                       points
    ==============  ==========================================  ===========
    Money           budget < 25 / 25-75 / 75-200 / >= 200 k¥    0/10/20/30
    Authority       none / influencer / decision_maker          0/15/30
    Need            1 / 2 / 3 / 4 / 5                           0/8/15/22/30
    Credit          D / C / B / A                               0/3/7/10
    ==============  ==========================================  ===========

    Bands: ``cold`` below ``band_edges[0]``, ``cool``, ``warm``, ``hot`` from
    ``band_edges[2]``.

    Parameters
    ----------
    leads : pandas.DataFrame
        Columns ``budget`` (CNY thousand), ``authority``, ``need`` and ``credit_rating``.
    points : mapping, optional
        A points table with the same four keys, to replace :data:`LEAD_POINTS`.
    band_edges : three increasing numbers
        Score edges of the bands.

    Returns
    -------
    pandas.DataFrame
        Same index: ``money_pts``, ``authority_pts``, ``need_pts``, ``credit_pts``, ``score`` and
        ``band`` (ordered categorical cold < cool < warm < hot).

    Raises
    ------
    DataError
        Missing columns or values, a negative budget, or a level without points.

    Examples
    --------
    >>> import pandas as pd
    >>> leads = pd.DataFrame({"budget": [10.0, 300.0], "authority": ["none", "decision_maker"],
    ...                       "need": [2, 5], "credit_rating": ["C", "A"]})
    >>> lead_score(leads)
       money_pts  authority_pts  need_pts  credit_pts  score  band
    0          0              0         8           3     11  cold
    1         30             30        30          10    100   hot
    """
    where = "lead_score"
    _check_frame(leads, "leads", where)
    table = LEAD_POINTS if points is None else points
    keys = ["budget", "authority", "need", "credit_rating"]
    if not isinstance(table, Mapping) or sorted(table) != sorted(keys):
        raise ParameterError(
            f"The 'points' parameter of {where} must be a mapping with the keys {keys}. Got "
            f"{list(table) if isinstance(table, Mapping) else table!r} instead. Start from a "
            f"copy of LEAD_POINTS."
        )
    edges = list(band_edges)
    if len(edges) != 3 or not edges[0] < edges[1] < edges[2]:
        raise ParameterError(
            f"The 'band_edges' parameter of {where} must be three increasing scores. Got "
            f"{band_edges!r} instead. Pass e.g. band_edges=(30, 50, 70)."
        )
    check_columns(leads.columns, keys, where=where, hint="Rename your columns to these names.")
    _check_no_missing(leads, keys, where, "leads")
    budget = leads["budget"].astype(float)
    if (budget < 0).any():
        raise DataError(
            f"{where}: column 'budget' must be >= 0; got {format_examples(budget[budget < 0])}. "
            f"Fix the stated budgets."
        )
    bounds = sorted(table["budget"])
    idx = np.searchsorted(np.asarray(bounds, dtype=float), budget.to_numpy(), side="right") - 1
    if (idx < 0).any():
        raise DataError(
            f"{where}: budgets below the lowest band {bounds[0]} have no points (e.g. "
            f"{format_examples(budget[idx < 0])}). Add a band starting at 0 to points['budget']."
        )
    out = pd.DataFrame(index=leads.index)
    out["money_pts"] = np.asarray([table["budget"][bounds[i]] for i in idx], dtype="int64")
    for key, col in (("authority", "authority_pts"), ("need", "need_pts"),
                     ("credit_rating", "credit_pts")):
        vals = leads[key].astype(object) if key != "need" else leads[key].astype("int64")
        mapped = vals.map(dict(table[key]))
        if mapped.isna().any():
            bad = vals[mapped.isna()].unique()
            raise DataError(
                f"{where}: column {key!r} has levels without points (e.g. "
                f"{format_examples(bad)}); levels with points: {list(table[key])}. Map them "
                f"or extend the points table."
            )
        out[col] = mapped.astype("int64")
    out["score"] = out[["money_pts", "authority_pts", "need_pts", "credit_pts"]].sum(axis=1).astype("int64")
    codes = np.searchsorted(np.asarray(edges, dtype=float), out["score"].to_numpy(), side="right")
    out["band"] = pd.Categorical.from_codes(codes, categories=list(_BANDS), ordered=True)
    return out


def true_lead_logit(leads: pd.DataFrame, truth: Mapping[str, Any]) -> pd.Series:
    """The true linear predictor of conversion, from the ground truth's logit coefficients.

    ``intercept + log_budget x ln(budget) + need x need + authority[level] +
    credit_rating[level]`` — the best possible ranking of the default data's leads (its AUC is
    the ceiling for any score). Teaching only: with real data the truth is unknown.

    Parameters
    ----------
    leads : pandas.DataFrame
        Columns ``budget`` (> 0), ``need``, ``authority``, ``credit_rating``.
    truth : mapping
        ``data.truth["leads"]`` (with a ``logit`` entry) or its ``logit`` dict itself.

    Returns
    -------
    pandas.Series
        ``true_logit``, same index as ``leads``.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = {"logit": {"intercept": -6.0, "log_budget": 0.9, "need": 0.35,
    ...          "authority": {"none": 0.0, "decision_maker": 1.3},
    ...          "credit_rating": {"A": 0.0, "D": -1.5}}}
    >>> leads = pd.DataFrame({"budget": [1.0], "need": [2], "authority": ["decision_maker"],
    ...                       "credit_rating": ["D"]})
    >>> round(float(true_lead_logit(leads, truth).iloc[0]), 2)
    -5.5
    """
    where = "true_lead_logit"
    _check_frame(leads, "leads", where)
    coef = truth.get("logit", truth) if isinstance(truth, Mapping) else None
    need_keys = ["intercept", "log_budget", "need", "authority", "credit_rating"]
    if not isinstance(coef, Mapping) or any(k not in coef for k in need_keys):
        raise ParameterError(
            f"The 'truth' parameter of {where} must be data.truth['leads'] (or its 'logit' "
            f"dict) with the keys {need_keys}. Got {truth!r:.80} instead."
        )
    check_columns(leads.columns, ["budget", "need", "authority", "credit_rating"], where=where)
    if (leads["budget"] <= 0).any():
        raise DataError(f"{where}: column 'budget' must be > 0 for ln(budget). Fix the budgets.")
    eta = (coef["intercept"] + coef["log_budget"] * np.log(leads["budget"].astype(float))
           + coef["need"] * leads["need"].astype(float)
           + leads["authority"].astype(object).map(dict(coef["authority"])).astype(float)
           + leads["credit_rating"].astype(object).map(dict(coef["credit_rating"])).astype(float))
    if eta.isna().any():
        raise DataError(f"{where}: some authority or credit levels have no coefficient in truth. "
                        f"Levels in truth: {list(coef['authority'])}, {list(coef['credit_rating'])}.")
    return eta.rename("true_logit")


@dataclass(frozen=True, repr=False)
class LeadScoreCheck(SummaryDisplay):
    """How well a lead score ranks conversions (see :func:`lead_score_check`).

    Attributes
    ----------
    by_band : pandas.DataFrame
        Per band: ``leads``, ``converted``, ``conversion_rate``.
    auc : float
        Area under the ROC curve of the score against the outcome.
    benchmark_auc : float or None
        AUC of the benchmark (e.g. the true linear predictor), if given.
    increasing : bool
        Whether the conversion rate rises from band to band (empty bands skipped).
    """

    _html_table = "by_band"

    by_band: pd.DataFrame
    auc: float
    benchmark_auc: float | None
    increasing: bool

    def to_frame(self) -> pd.DataFrame:
        """The per-band table (a copy)."""
        return self.by_band.copy()

    def summary(self) -> str:
        """A short text summary with notes."""
        lines = [f"Lead score AUC = {self.auc:.3f}"
                 + (f" (benchmark {self.benchmark_auc:.3f})" if self.benchmark_auc is not None else "")]
        lines.append("Conversion rate rises with the band: " + ("yes" if self.increasing else "NO"))
        small = self.by_band.index[(self.by_band["leads"] > 0) & (self.by_band["leads"] < 30)]
        if len(small):
            lines.append(f"  Note 1: bands with fewer than 30 leads ({', '.join(map(str, small))}) "
                         f"have wide uncertainty.")
        return "\n".join(lines)


def lead_score_check(
    scored: pd.DataFrame, converted: Any, *, benchmark: Any = None,
    score_col: str = "score", band_col: str = "band",
) -> LeadScoreCheck:
    """Check a lead score against the outcome: conversion by band and ROC AUC.

    Parameters
    ----------
    scored : pandas.DataFrame
        Output of :func:`lead_score` (columns ``score`` and ``band``).
    converted : array-like of bool
        Outcome per lead, same length.
    benchmark : array-like of float, optional
        A reference score (e.g. :func:`true_lead_logit`) whose AUC is reported beside.

    Returns
    -------
    LeadScoreCheck

    Raises
    ------
    DataError
        Lengths differ, or the outcome has only one class (AUC undefined).

    Examples
    --------
    >>> import pandas as pd
    >>> scored = pd.DataFrame({"score": [10, 20, 60, 65, 90],
    ...     "band": pd.Categorical(["cold", "cold", "warm", "warm", "hot"],
    ...                            categories=["cold", "cool", "warm", "hot"], ordered=True)})
    >>> check = lead_score_check(scored, [False, False, False, True, True])
    >>> check.auc, check.increasing
    (1.0, True)
    >>> check.by_band
          leads  converted  conversion_rate
    band
    cold      2          0              0.0
    cool      0          0              0.0
    warm      2          1              0.5
    hot       1          1              1.0

    Empty bands show 0 leads (and a rate of 0) and are skipped by ``increasing``.
    """
    from sklearn.metrics import roc_auc_score

    where = "lead_score_check"
    _check_frame(scored, "scored", where)
    check_columns(scored.columns, [score_col, band_col], where=where,
                  hint="Pass the output of lead_score().")
    y = np.asarray(converted).astype(bool)
    if len(y) != len(scored):
        raise DataError(
            f"{where}: 'converted' must have one outcome per lead ({len(scored)}); got "
            f"{len(y)}. Pass the outcome column of the same leads."
        )
    if y.all() or not y.any():
        raise DataError(
            f"{where}: 'converted' must contain both outcomes to compute an AUC; all {len(y)} "
            f"are {bool(y[0]) if len(y) else None}. Use leads with known wins and losses."
        )
    g = pd.Series(y, index=scored.index).groupby(scored[band_col], observed=False)
    by_band = pd.DataFrame({"leads": g.size().astype("int64"), "converted": g.sum().astype("int64")})
    by_band["conversion_rate"] = (by_band["converted"] / by_band["leads"].where(by_band["leads"] > 0)).fillna(0.0)
    rates = by_band.loc[by_band["leads"] > 0, "conversion_rate"].to_numpy()
    increasing = bool(np.all(np.diff(rates) > 0))
    auc = float(roc_auc_score(y, scored[score_col].to_numpy()))
    bench = None
    if benchmark is not None:
        b = np.asarray(benchmark, dtype=float)
        if len(b) != len(y):
            raise DataError(f"{where}: 'benchmark' must have one value per lead ({len(y)}); got {len(b)}.")
        bench = float(roc_auc_score(y, b))
    return LeadScoreCheck(by_band=by_band, auc=auc, benchmark_auc=bench, increasing=increasing)


# --------------------------------------------------------------------------------------------
# clustering
# --------------------------------------------------------------------------------------------
#: Feature groups built by :func:`customer_features` (names of its columns).
FEATURE_GROUPS: dict[str, list[str]] = {
    "demographic": ["age", "income", "n_children", "married", "female", "city_tier"],
    "psychographic": ["price_consciousness", "innovativeness", "brand_loyalty"],
    "behavioural": ["log_purchases_per_year", "log_order_value", "promotion_share"],
}
_INCOME = ["under_5k", "5k_10k", "10k_20k", "20k_40k", "40k_plus"]


def customer_features(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    as_of: Any,
    groups: Sequence[str] = ("demographic", "psychographic", "behavioural"),
    amount_col: str = "net_amount",
) -> pd.DataFrame:
    """Numeric features per customer for clustering (see :data:`FEATURE_GROUPS`).

    - demographic: ``age``, ``income`` (0-4, the rank of ``income_band``), ``n_children``,
      ``married`` and ``female`` (0/1), ``city_tier``;
    - psychographic: the survey scores ``price_consciousness``, ``innovativeness``,
      ``brand_loyalty``;
    - behavioural (from completed orders up to ``as_of``): ``log_purchases_per_year``
      (ln of purchase days per year of tenure, tenure at least a quarter),
      ``log_order_value`` (ln of the mean spend per purchase day) and ``promotion_share``
      (share of orders that used a promotion).

    Only customers with a completed purchase on or before ``as_of`` are rows (the others are
    not customers yet at that date); order rows with ``status`` other than ``completed`` are
    ignored when a ``status`` column is present.

    Parameters
    ----------
    customers : pandas.DataFrame
        The customers table (``customer_id`` and the columns the groups need).
    orders : pandas.DataFrame
        The orders table (``customer_id``, ``order_date``, ``amount_col``, ``promotion``).
    as_of : date-like
        Analysis date.
    groups : sequence of str
        Which feature groups to build.
    amount_col : str
        Spend column of ``orders``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), one float column per feature, no missing values.

    Raises
    ------
    DataError
        Missing columns, missing values, or no customer with a purchase by ``as_of``.
    ParameterError
        Unknown group.

    Examples
    --------
    >>> import crmlib.datasets as ds
    >>> data = ds.load_default(tables=["customers", "orders"])
    >>> X = customer_features(data.customers, data.orders, as_of="2025-12-28")
    >>> X.shape
    (12000, 12)
    >>> list(X.columns[-3:])
    ['log_purchases_per_year', 'log_order_value', 'promotion_share']
    """
    where = "customer_features"
    _check_frame(customers, "customers", where)
    _check_frame(orders, "orders", where)
    groups = list(groups)
    for g in groups:
        check_choice(g, "groups", list(FEATURE_GROUPS), where=where)
    if not groups:
        raise ParameterError(f"The 'groups' parameter of {where} must name at least one of "
                             f"{list(FEATURE_GROUPS)}. Got [] instead.")
    if "status" in orders.columns:
        orders = orders[orders["status"] == "completed"]
    rfm = rfm_table(orders, as_of=as_of, amount_col=amount_col, monetary="mean")
    check_columns(customers.columns, ["customer_id"], where=where)
    cust = customers.set_index("customer_id")
    out = pd.DataFrame(index=rfm.index.intersection(cust.index).sort_values())
    out.index.name = "customer_id"
    if len(out) == 0:
        raise DataError(f"{where}: no customer of 'customers' has a completed order on or before "
                        f"as_of. Check that both tables use the same customer_id values.")
    c = cust.loc[out.index]
    if "demographic" in groups:
        check_columns(customers.columns, ["age", "income_band", "n_children", "marital_status",
                                          "gender", "city_tier"], where=where)
        income = c["income_band"].astype(object).map({b: i for i, b in enumerate(_INCOME)})
        if income.isna().any():
            raise DataError(f"{where}: column 'income_band' has levels outside {_INCOME} (e.g. "
                            f"{format_examples(c.loc[income.isna(), 'income_band'].unique())}).")
        out["age"] = c["age"].astype(float)
        out["income"] = income.astype(float)
        out["n_children"] = c["n_children"].astype(float)
        out["married"] = (c["marital_status"].astype(object) == "married").astype(float)
        out["female"] = (c["gender"].astype(object) == "female").astype(float)
        out["city_tier"] = c["city_tier"].astype(float)
    if "psychographic" in groups:
        cols = FEATURE_GROUPS["psychographic"]
        check_columns(customers.columns, cols, where=where)
        for col in cols:
            out[col] = c[col].astype(float)
    if "behavioural" in groups:
        check_columns(orders.columns, ["promotion"], where=where)
        r = rfm.loc[out.index]
        years = np.maximum((r["tenure_days"] + 1) / 365.25, 0.25)
        out["log_purchases_per_year"] = np.log(r["frequency"] / years)
        out["log_order_value"] = np.log(r["monetary"])
        day = _as_of(as_of, where)
        mine = orders[orders["order_date"].dt.normalize() <= day]
        out["promotion_share"] = mine.groupby("customer_id")["promotion"].mean().reindex(out.index).astype(float)
    _check_no_missing(out, list(out.columns), where, "the features")
    return out


def _check_features(features: object, where: str) -> np.ndarray:
    frame = _check_frame(features, "features", where)
    if frame.shape[1] == 0:
        raise DataError(f"{where}: 'features' has no columns. Pass numeric features per customer.")
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
           or pd.api.types.is_bool_dtype(frame[c])]
    if bad:
        raise DataError(f"{where}: features must be numeric; columns {bad} are not. Encode them "
                        f"first (e.g. customer_features builds numeric columns).")
    _check_no_missing(frame, list(frame.columns), where, "features")
    return frame.to_numpy(dtype=float)


def _pipeline(method: str, k: int, random_state: int, n_init: int) -> Any:
    from sklearn.cluster import KMeans
    from sklearn.mixture import GaussianMixture
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if method == "kmeans":
        model = KMeans(n_clusters=k, n_init=n_init, random_state=random_state)
    else:
        # a ridge of 0.01 (features are standardised) keeps components from collapsing onto
        # the few values of 0/1 flags and 1-7 survey scores (which would make BIC meaningless)
        model = GaussianMixture(n_components=k, n_init=n_init, random_state=random_state,
                                reg_covar=0.01)
    return Pipeline([("scale", StandardScaler()), (method, model)])


def _single_thread() -> Any:
    """Context that runs OpenMP/BLAS single-threaded (scoped, restored on exit).

    The fits here are small; on a shared machine, thread oversubscription made k-means up to
    20 times slower than one thread.
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _check_k(k: object, n: int, name: str, where: str) -> int:
    k = check_int(k, name, where=where, low=2)
    if k >= n:
        raise ParameterError(
            f"The {name!r} parameter of {where} must be smaller than the number of customers "
            f"({n}). Got {k} instead. Pass a smaller k or use more customers."
        )
    return k


@dataclass(frozen=True, repr=False)
class ClusterSelection(SummaryDisplay):
    """Fit statistics over a range of k (see :func:`select_k`).

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by ``k``: ``silhouette`` and ``inertia`` (k-means) or ``bic`` (mixture).
    method : str
        ``"kmeans"`` or ``"gmm"``.
    best_k : int
        Largest silhouette (k-means) or smallest BIC (mixture).
    criterion : str
        The column used to choose.
    """

    _html_table = "table"

    table: pd.DataFrame
    method: str
    best_k: int
    criterion: str

    def to_frame(self) -> pd.DataFrame:
        """The per-k table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """A short text summary with notes."""
        rule = "largest silhouette" if self.criterion == "silhouette" else "smallest BIC"
        lines = [f"{self.method}: best k = {self.best_k} by {rule} over k = "
                 f"{self.table.index.min()}..{self.table.index.max()}"]
        notes = []
        if self.best_k in (self.table.index.min(), self.table.index.max()) and len(self.table) > 2:
            notes.append("the best k is at the edge of the range: widen the range")
        if self.criterion == "silhouette" and self.table["silhouette"].max() < 0.25:
            notes.append("silhouette below 0.25: the clusters overlap (weak structure)")
        lines += [f"  Note {i}: {n}" for i, n in enumerate(notes, 1)]
        return "\n".join(lines)


def select_k(
    features: pd.DataFrame,
    *,
    k_range: Sequence[int] = range(2, 9),
    method: str = "kmeans",
    random_state: int = 0,
    n_init: int = 4,
    sample_size: int | None = 3000,
) -> ClusterSelection:
    """Choose the number of segments: silhouette for k-means, BIC for a Gaussian mixture.

    Features are standardised (``StandardScaler`` in a scikit-learn ``Pipeline``).

    Parameters
    ----------
    features : pandas.DataFrame
        Numeric features, one row per customer.
    k_range : sequence of int
        Candidate numbers of segments (each >= 2 and below the number of customers).
    method : {"kmeans", "gmm"}
        k-means (chosen by the largest silhouette) or a full-covariance Gaussian mixture with
        a covariance ridge of 0.01 (chosen by the smallest BIC).
    random_state, n_init : int
        Seed and number of restarts of each fit.
    sample_size : int or None
        Rows (a random sample drawn with ``random_state``) on which every candidate model is
        fitted and scored, for speed; ``None`` uses every row. Fit the chosen k on every row
        with :func:`fit_segments`.

    Returns
    -------
    ClusterSelection

    Raises
    ------
    ParameterError
        Bad method, k_range or sizes (e.g. k not below the number of customers).
    DataError
        Non-numeric or missing features.

    Examples
    --------
    Three well-separated groups:

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.vstack([rng.normal(c, 0.3, (30, 2)) for c in (0, 5, 10)]))
    >>> select_k(X, k_range=range(2, 6)).best_k
    3
    >>> select_k(X, k_range=range(2, 6), method="gmm").best_k
    3
    """

    where = "select_k"
    x = _check_features(features, where)
    check_choice(method, "method", ["kmeans", "gmm"], where=where)
    random_state = check_int(random_state, "random_state", where=where, low=0)
    n_init = check_int(n_init, "n_init", where=where, low=1)
    ks = list(k_range)
    if not ks:
        raise ParameterError(f"The 'k_range' parameter of {where} must hold at least one k. "
                             f"Got {k_range!r} instead. Pass e.g. range(2, 9).")
    ks = sorted({_check_k(k, len(x), "k_range", where) for k in ks})
    rows = np.arange(len(x))
    if sample_size is not None:
        sample_size = check_int(sample_size, "sample_size", where=where, low=10)
        if sample_size < len(x):
            rows = np.sort(np.random.default_rng(random_state).choice(len(x), sample_size, replace=False))
            if max(ks) >= len(rows):
                raise ParameterError(f"The 'sample_size' parameter of {where} must exceed the "
                                     f"largest k ({max(ks)}). Got {sample_size} instead.")
    records = []
    with _single_thread():
        records = _select_records(x, rows, ks, method, random_state, n_init)
    table = pd.DataFrame(records).set_index("k")
    if method == "kmeans":
        best, crit = int(table["silhouette"].idxmax()), "silhouette"
    else:
        best, crit = int(table["bic"].idxmin()), "bic"
    return ClusterSelection(table=table, method=method, best_k=best, criterion=crit)


def _select_records(
    x: np.ndarray, rows: np.ndarray, ks: list[int], method: str, random_state: int, n_init: int
) -> list[dict[str, float]]:
    from sklearn.metrics import silhouette_score

    records: list[dict[str, float]] = []
    for k in ks:
        pipe = _pipeline(method, k, random_state, n_init)
        if method == "kmeans":
            pipe.fit(x[rows])
            labels = pipe[-1].labels_
            z = pipe[0].transform(x[rows])
            sil = float(silhouette_score(z, labels)) if len(set(labels)) > 1 else float("nan")
            records.append({"k": k, "silhouette": sil, "inertia": float(pipe[-1].inertia_)})
        else:
            pipe.fit(x[rows])
            records.append({"k": k, "bic": float(pipe[-1].bic(pipe[0].transform(x[rows])))})
    return records


def plot_k_selection(selection: ClusterSelection, *, ax: Any = None) -> Any:
    """Draw the selection criterion against k and mark the chosen k.

    Parameters
    ----------
    selection : ClusterSelection
        Output of :func:`select_k` (its ``table`` is the compute twin).
    ax : matplotlib Axes, optional
        Where to draw (default: the current Axes).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> table = pd.DataFrame({"silhouette": [0.5, 0.7, 0.4]}, index=pd.Index([2, 3, 4], name="k"))
    >>> sel = ClusterSelection(table=table, method="kmeans", best_k=3, criterion="silhouette")
    >>> fig, ax = plt.subplots()
    >>> ax = plot_k_selection(sel, ax=ax)
    >>> ax.lines[0].get_ydata().tolist(), ax.get_ylabel()
    ([0.5, 0.7, 0.4], 'silhouette')
    >>> plt.close(fig)
    """
    if not isinstance(selection, ClusterSelection):
        raise ParameterError(f"The 'selection' parameter of plot_k_selection must be a "
                             f"ClusterSelection (from select_k). Got a {type(selection).__name__}.")
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    y = selection.table[selection.criterion]
    ax.plot(y.index, y.to_numpy(), marker="o", label=selection.method)
    ax.axvline(selection.best_k, color="grey", linestyle=":", label=f"chosen k = {selection.best_k}")
    ax.set_xlabel("number of segments k")
    ax.set_ylabel(selection.criterion)
    ax.legend()
    return ax


@dataclass(frozen=True, repr=False)
class SegmentModel(SummaryDisplay):
    """A fitted segmentation (see :func:`fit_segments`).

    Attributes
    ----------
    pipeline : sklearn.pipeline.Pipeline
        The fitted scaler + model; ``pipeline.predict(new_features)`` assigns raw cluster ids
        (use :meth:`predict` for the size-ordered segment numbers).
    labels : pandas.Series
        Segment number per customer, 0 = largest segment.
    profile : pandas.DataFrame
        Per segment: ``customers``, ``share``, the mean of each feature (original units) and
        ``name``.
    z_profile : pandas.DataFrame
        Per segment: feature means in standard deviations from the overall mean.
    method : str
    k : int
    """

    _html_table = "profile"
    _html_lines = 1
    _html_float = "{:,.2f}"

    pipeline: Any
    labels: pd.Series
    profile: pd.DataFrame
    z_profile: pd.DataFrame
    method: str
    k: int
    _relabel: tuple[int, ...] = field(repr=False, default=())

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """Segment numbers (0 = largest segment at fit time) for new customers."""
        x = _check_features(features, "SegmentModel.predict")
        with _single_thread():
            raw = self.pipeline.predict(x)
        return pd.Series(np.asarray(self._relabel)[raw], index=features.index, name="segment")

    def to_frame(self) -> pd.DataFrame:
        """The profile table (a copy)."""
        return self.profile.copy()

    def summary(self) -> str:
        """A short text summary: size and name of each segment."""
        lines = [f"{self.method} with k = {self.k} on {len(self.labels):,} customers"]
        for seg, row in self.profile.iterrows():
            lines.append(f"  {seg}: {row['customers']:,.0f} ({row['share']:.1%}) {row['name']}")
        small = self.profile.index[self.profile["share"] < 0.05]
        if len(small):
            lines.append(f"  Note 1: segments {list(small)} hold under 5% of customers.")
        return "\n".join(lines)


def _name(z: pd.Series, n_terms: int = 2) -> str:
    top = z.abs().sort_values(ascending=False, kind="stable").index[:n_terms]
    return ", ".join(f"{'high' if z[c] > 0 else 'low'} {c}" for c in top)


def fit_segments(
    features: pd.DataFrame, k: int, *, method: str = "kmeans", random_state: int = 0, n_init: int = 4
) -> SegmentModel:
    """Fit k segments on standardised features, with profiles and descriptive names.

    Segments are numbered by size (0 = largest). Each is named after the two features whose
    segment mean is farthest from the overall mean in standard deviations, e.g.
    ``"high price_consciousness, low log_order_value"`` — a starting point for a marketer's
    name, not a replacement.

    Parameters
    ----------
    features : pandas.DataFrame
        Numeric features, one row per customer.
    k : int
        Number of segments, 2 or more and below the number of customers.
    method : {"kmeans", "gmm"}
        k-means or a full-covariance Gaussian mixture (scikit-learn).
    random_state, n_init : int
        Seed and restarts.

    Returns
    -------
    SegmentModel

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"spend": np.r_[rng.normal(100, 5, 40), rng.normal(500, 5, 20)],
    ...                   "visits": rng.normal(2, 0.2, 60)})
    >>> model = fit_segments(X, 2)
    >>> model.profile[["customers", "spend"]].round(0)
             customers  spend
    segment
    0               40  100.0
    1               20  499.0
    >>> model.profile["name"].str.split(", ").str[0].tolist()
    ['low spend', 'high spend']
    """
    where = "fit_segments"
    x = _check_features(features, where)
    check_choice(method, "method", ["kmeans", "gmm"], where=where)
    k = _check_k(k, len(x), "k", where)
    random_state = check_int(random_state, "random_state", where=where, low=0)
    n_init = check_int(n_init, "n_init", where=where, low=1)
    with _single_thread():
        pipe = _pipeline(method, k, random_state, n_init).fit(x)
        raw = pipe.predict(x)
    counts = np.bincount(raw, minlength=k)
    order = np.argsort(-counts, kind="stable")  # raw ids, largest first
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(k)
    labels = pd.Series(relabel[raw], index=features.index, name="segment")
    means = features.groupby(labels.to_numpy()).mean()
    means.index.name = "segment"
    sd = features.std(ddof=0).replace(0, 1.0)
    z = (means - features.mean()) / sd
    size = labels.value_counts().reindex(means.index, fill_value=0)
    profile = means.copy()
    profile.insert(0, "customers", size.astype("int64"))
    profile.insert(1, "share", size / len(labels))
    profile["name"] = [_name(z.loc[s]) for s in z.index]
    return SegmentModel(pipeline=pipe, labels=labels, profile=profile, z_profile=z,
                        method=method, k=k, _relabel=tuple(int(v) for v in relabel))


def cluster_stability(
    features: pd.DataFrame,
    k: int,
    *,
    n_bootstrap: int = 20,
    method: str = "kmeans",
    random_state: int = 0,
    n_init: int = 1,
) -> pd.DataFrame:
    """Bootstrap stability of a segmentation: adjusted Rand index against the full-data fit.

    The model is fitted on all customers (the reference), then on ``n_bootstrap`` resamples
    (drawn with replacement); each bootstrap model labels *all* customers and its agreement
    with the reference is measured by the adjusted Rand index (1 = the same partition, about
    0 = chance). Stable segments have ARIs close to 1 in every resample.

    Parameters
    ----------
    features : pandas.DataFrame
        Numeric features.
    k : int
        Number of segments.
    n_bootstrap : int
        Number of resamples (1 to 1000).
    method : {"kmeans", "gmm"}
    random_state, n_init : int

    Returns
    -------
    pandas.DataFrame
        ``bootstrap`` (1..n) and ``ari``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.vstack([rng.normal(c, 0.3, (30, 2)) for c in (0, 5)]))
    >>> cluster_stability(X, 2, n_bootstrap=3)["ari"].tolist()
    [1.0, 1.0, 1.0]
    """
    from sklearn.metrics import adjusted_rand_score

    where = "cluster_stability"
    x = _check_features(features, where)
    check_choice(method, "method", ["kmeans", "gmm"], where=where)
    k = _check_k(k, len(x), "k", where)
    n_bootstrap = check_int(n_bootstrap, "n_bootstrap", where=where, low=1, high=1000)
    random_state = check_int(random_state, "random_state", where=where, low=0)
    n_init = check_int(n_init, "n_init", where=where, low=1)
    rng = np.random.default_rng(random_state)
    aris = []
    with _single_thread():
        reference = _pipeline(method, k, random_state, max(n_init, 4)).fit(x).predict(x)
        for b in range(n_bootstrap):
            rows = rng.integers(0, len(x), len(x))
            pipe = _pipeline(method, k, random_state + b + 1, n_init).fit(x[rows])
            aris.append(float(adjusted_rand_score(reference, pipe.predict(x))))
    return pd.DataFrame({"bootstrap": np.arange(1, n_bootstrap + 1), "ari": aris})


# --------------------------------------------------------------------------------------------
# descriptive segmentation: cross-tabs with a chi-square test
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class CrosstabResult(SummaryDisplay):
    """A cross-tab with its chi-square test of independence (see :func:`crosstab_test`).

    Attributes
    ----------
    counts, row_shares, expected : pandas.DataFrame
        Observed counts, shares within each row, and expected counts under independence.
    chi2, p_value, cramers_v : float
    dof : int
    n_small_expected : int
        Number of cells with an expected count below 5.
    notes : tuple of str
    """

    _html_table = "row_shares"
    _html_float = "{:.3f}"

    counts: pd.DataFrame
    row_shares: pd.DataFrame
    expected: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    n_small_expected: int
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The test statistics as a one-row table."""
        return pd.DataFrame([{"chi2": self.chi2, "dof": self.dof, "p_value": self.p_value,
                              "cramers_v": self.cramers_v, "n": int(self.counts.to_numpy().sum()),
                              "cells_expected_below_5": self.n_small_expected}])

    def summary(self) -> str:
        """Test result, effect size and notes."""
        r, c = self.counts.index.name, self.counts.columns.name
        lines = [f"{r} x {c}: chi2 = {self.chi2:,.1f}, dof = {self.dof}, p = {self.p_value:.3g}, "
                 f"Cramér's V = {self.cramers_v:.3f} (n = {int(self.counts.to_numpy().sum()):,})"]
        lines += [f"  Note {i}: {n}" for i, n in enumerate(self.notes, 1)]
        return "\n".join(lines)


def crosstab_test(frame: pd.DataFrame, row: str, col: str) -> CrosstabResult:
    """Cross-tabulate two categorical columns and test their independence.

    Uses :func:`scipy.stats.chi2_contingency` (Yates' correction only for 2x2 tables, as scipy
    does). Cramér's V = sqrt(chi2 / (n (min(r, c) - 1))) measures the strength (0 = none,
    1 = perfect association). Levels that never occur are left out. A note is added when
    expected counts are small (any below 1, or more than 20% below 5): the chi-square
    approximation is then doubtful — merge levels.

    Parameters
    ----------
    frame : pandas.DataFrame
    row, col : str
        Column names (categories, strings, ints or bools).

    Returns
    -------
    CrosstabResult

    Raises
    ------
    DataError
        Missing columns or values, or fewer than two levels in a column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"stage": ["young"] * 40 + ["family"] * 60,
    ...                    "buys_baby": [False] * 36 + [True] * 4 + [False] * 20 + [True] * 40})
    >>> res = crosstab_test(df, "stage", "buys_baby")
    >>> res.counts
    buys_baby  False  True
    stage
    family        20    40
    young         36     4
    >>> round(res.cramers_v, 3), res.p_value < 0.001
    (0.539, True)
    """
    from scipy.stats import chi2_contingency

    where = "crosstab_test"
    _check_frame(frame, "frame", where)
    check_columns(frame.columns, [row, col], where=where, hint="Pass two column names.")
    _check_no_missing(frame, [row, col], where, "frame")
    counts = pd.crosstab(frame[row], frame[col])
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    for name, levels in ((row, counts.index), (col, counts.columns)):
        if len(levels) < 2:
            raise DataError(
                f"{where}: column {name!r} must have at least 2 levels to test; found "
                f"{list(levels)}. Pick another column or more data."
            )
    chi2, p, dof, expected = chi2_contingency(counts.to_numpy())
    n = counts.to_numpy().sum()
    v = math.sqrt(chi2 / (n * (min(counts.shape) - 1)))
    exp = pd.DataFrame(expected, index=counts.index, columns=counts.columns)
    small = int((expected < 5).sum())
    notes = []
    if (expected < 1).any() or small > 0.2 * expected.size:
        notes.append(f"{small} of {expected.size} cells have an expected count below 5 (minimum "
                     f"{expected.min():.2f}); the chi-square p-value is unreliable — merge "
                     f"small levels.")
    elif small:
        notes.append(f"{small} cell(s) have an expected count below 5; the test is still usable "
                     f"(under 20% of cells, none below 1).")
    shares = counts.div(counts.sum(axis=1), axis=0)
    return CrosstabResult(counts=counts, row_shares=shares, expected=exp, chi2=float(chi2),
                          dof=int(dof), p_value=float(p), cramers_v=float(v),
                          n_small_expected=small, notes=tuple(notes))
