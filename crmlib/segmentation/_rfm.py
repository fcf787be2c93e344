"""RFM: the per-customer table, quintile scores, named segments and their summary."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import (
    check_choice,
    check_columns,
    check_frame,
    check_int,
    check_values,
    format_examples,
    parse_date,
)
from crmlib.engine import rfm_summary
from crmlib.exceptions import DataError, ParameterError

__all__ = [
    "rfm_scores",
    "rfm_segment_rules",
    "rfm_segments",
    "rfm_table",
    "segment_summary",
]


# --------------------------------------------------------------------------------------------
# shared helpers
# --------------------------------------------------------------------------------------------
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
    frame = check_frame(transactions, "transactions", where=where)
    check_columns(frame.columns, [customer_col, date_col, amount_col], where=where,
                  hint=None)
    day = parse_date(as_of, "as_of", where=where, day=True)
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
    check_values(frame, [customer_col, date_col, amount_col], where=where, what="transactions", finite=False, negative=False)
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
        A column is missing or has missing values, fewer than 2 customers are given, or one
        of R, F, M has the same value for every customer (e.g. a single-day history), so
        nothing can be ranked.

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
    check_frame(rfm, "rfm", where=where)
    bins = check_int(bins, "bins", where=where, low=2, high=10)
    cols = [recency_col, frequency_col, monetary_col]
    check_columns(rfm.columns, cols, where=where,
                  hint="Build the table with rfm_table() or pass recency_col=, frequency_col=, "
                       "monetary_col=.")
    check_values(rfm, cols, where=where, what="rfm", finite=False, negative=False)
    if len(rfm) < 2:
        who = f" ({format_examples(rfm.index)})" if len(rfm) else ""
        raise DataError(
            f"{where}: scores rank customers against each other, so at least 2 customers are "
            f"needed; 'rfm' has {len(rfm)}{who}. Score the whole customer base (e.g. "
            f"rfm_table(...) of all transactions), not one customer."
        )
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
    check_frame(scores, "scores", where=where)
    check_columns(scores.columns, ["R", "F", "M"], where=where,
                  hint="Score the customers with rfm_scores() first.")
    check_values(scores, ["R", "F", "M"], where=where, what="scores", finite=False, negative=False)
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
    check_frame(table, "table", where=where)
    check_columns(table.columns, [segment_col, value_col], where=where,
                  hint="Pass segment_col= and value_col=.")
    check_values(table, [segment_col, value_col], where=where, what="table", finite=False, negative=False)
    g = table.groupby(segment_col, observed=False)[value_col]
    out = pd.DataFrame({"customers": g.size().astype("int64"), "value": g.sum().astype(float)})
    out.insert(1, "customer_share", out["customers"] / max(len(table), 1))
    total = out["value"].sum()
    out["value_share"] = out["value"] / total if total else 0.0
    out["value_per_customer"] = (out["value"] / out["customers"].where(out["customers"] > 0)).fillna(0.0)
    return out
