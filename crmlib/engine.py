"""Per-transaction aggregations that run inside the user's own dataframe engine.

The heavy summaries of a transaction log — the RFM/CLV summary of the BG/NBD literature,
acquisition-cohort tables, channel aggregates and first/last-touch channels — are written
once against `Narwhals <https://narwhals-dev.github.io/narwhals/>`_.  Each function accepts
the user's frame as it is and runs in that engine:

========================================  ==========================================
input                                     output (same kind)
========================================  ==========================================
pandas ``DataFrame``                      pandas ``DataFrame`` (sorted by its keys)
Polars ``DataFrame``                      Polars ``DataFrame`` (sorted by its keys)
Polars ``LazyFrame``                      Polars ``LazyFrame`` (nothing computed yet)
DuckDB relation (e.g. from :func:`scan`)  DuckDB relation (nothing computed yet)
PySpark ``DataFrame``                     PySpark ``DataFrame`` (nothing computed yet)
========================================  ==========================================

Lazy results are not sorted; :func:`to_pandas` collects any of them to a pandas
``DataFrame``.  :func:`scan` opens a Parquet or CSV file lazily in DuckDB or Polars, so a file
larger than memory is aggregated out of core.

Dates are handled as calendar days: a timestamp counts on its own day, whatever its time of
day (a time-zone-aware timestamp on its local, wall-clock day), and ``as_of``/
``calibration_end`` are taken as days too.  Day and week numbers are
computed from the year and the day of the year, which every engine agrees on, so the results
do not depend on how an engine subtracts dates or on a Spark session's time zone (for Spark
``TimestampType`` columns, the day of a timestamp is its day in the session time zone; use
UTC, or ``TimestampNTZType``/``DateType`` columns).

Every function checks what it is given, in one extra aggregate pass: a missing (null or NaN)
customer id, date or amount, an infinite amount, or a negative amount where purchases are
summed is refused with the column, the count and example rows — never a customer named
``NaN``, never a NaN counted as 0. Set such rows aside with
:func:`crmlib.datasets.read_transactions`, which counts them in its reconciliation.

:func:`purchase_days` is the one definition of a *purchase day* (a customer's orders on one
calendar day, summed) that every domain module builds on.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import narwhals as nw

from crmlib._validation import check_choice, format_examples, parse_date
from crmlib.exceptions import DataError, ParameterError

__all__ = [
    "channel_summary",
    "cohort_table",
    "cohort_triangle",
    "purchase_days",
    "rfm_summary",
    "scan",
    "to_pandas",
    "touch_channels",
]

_SUPPORTED = (
    "a pandas or Polars DataFrame, a Polars LazyFrame, a DuckDB relation or a PySpark DataFrame"
)


# --------------------------------------------------------------------------------------------
# boundary helpers
# --------------------------------------------------------------------------------------------
def _open(frame: object, where: str, arg: str = "transactions") -> tuple[nw.LazyFrame, bool, str]:
    """Wrap ``frame`` with Narwhals; return (lazy frame, was_eager, engine name)."""
    try:
        wrapped = nw.from_native(frame, allow_series=True)
    except TypeError:
        raise ParameterError(
            f"{where}: {arg!r} must be {_SUPPORTED}. Got a {type(frame).__module__}."
            f"{type(frame).__name__} instead. Convert it first, e.g. pd.DataFrame(...) or "
            f"crmlib.engine.scan(path) for a file."
        ) from None
    if isinstance(wrapped, nw.Series):
        raise ParameterError(
            f"{where}: {arg!r} must be {_SUPPORTED}, not a Series. "
            f"Pass the whole table (e.g. series.to_frame())."
        )
    engine = str(wrapped.implementation.name).lower()
    if isinstance(wrapped, nw.DataFrame):
        return wrapped.lazy(), True, engine
    return wrapped, False, engine


def _finish(result: nw.LazyFrame, eager: bool, sort_by: Sequence[str]) -> Any:
    """Return the native result: collected and sorted for eager inputs, lazy otherwise."""
    if eager:
        native = result.collect().sort(list(sort_by)).to_native()
        if hasattr(native, "reset_index"):  # pandas-like: a clean RangeIndex after the sort
            native = native.reset_index(drop=True)
        return native
    return result.to_native()


def _guess(schema: dict[str, Any], role: str) -> str | None:
    """Guess which present column the user meant for ``role`` (for error hints only)."""
    names = list(schema)
    if role == "date":
        hits = [n for n in names if schema[n] in (nw.Date, nw.Datetime) or "date" in n.lower()]
    elif role == "amount":
        hits = [
            n
            for n in names
            if schema[n].is_numeric()
            and any(k in n.lower() for k in ("amount", "revenue", "value", "sales", "total"))
        ]
    elif role == "customer":
        hits = [n for n in names if "cust" in n.lower() or "client" in n.lower()]
    else:
        hits = [n for n in names if role in n.lower()]
    return hits[0] if hits else None


def _check_columns(
    lf: nw.LazyFrame, roles: dict[str, tuple[str, str]], where: str, engine: str
) -> dict[str, Any]:
    """Check that every ``{argument: (column, role)}`` is present; return the schema."""
    schema = dict(lf.collect_schema())
    present = list(schema)
    for arg, (column, role) in roles.items():
        if not isinstance(column, str):
            raise ParameterError(
                f"The {arg!r} parameter of {where} must be a column name (str). "
                f"Got {column!r} (a {type(column).__name__}) instead."
            )
        if column not in schema:
            guess = _guess(schema, role)
            fix = f"Pass {arg}={guess!r}." if guess else f"Pass {arg}='<your column>'."
            raise DataError(
                f"{where} ({engine}): column {column!r} not in transactions. "
                f"Columns present: {present}. {fix}"
            )
    return schema


def _examples(lf: nw.LazyFrame, column: str) -> str:
    try:
        values = lf.select(column).head(3).collect().get_column(column).to_list()
    except Exception:  # pragma: no cover - only decorates an error message
        return ""
    return f" (e.g. {format_examples(values)})"


_DATE_FIX = {
    "pandas": "df[{c!r}] = pd.to_datetime(df[{c!r}])",
    "polars": "pl.col({c!r}).str.to_date() (or .str.to_datetime())",
    "duckdb": "CAST({c} AS DATE) in the query, or scan() a Parquet file with typed dates",
    "pyspark": "F.to_date({c!r})",
}


def _check_date(
    lf: nw.LazyFrame, schema: dict[str, Any], column: str, arg: str, where: str, engine: str
) -> Any:
    dtype = schema[column]
    if dtype not in (nw.Date, nw.Datetime):
        fix = _DATE_FIX.get(engine, "convert it to a date type").format(c=column)
        raise DataError(
            f"{where} ({engine}): column {column!r} ({arg}) must hold dates or datetimes; "
            f"it has dtype {dtype}{_examples(lf, column)}. Convert it first, e.g. {fix}."
        )
    return dtype


def _check_numeric(
    lf: nw.LazyFrame, schema: dict[str, Any], column: str, arg: str, where: str, engine: str
) -> None:
    dtype = schema[column]
    if not dtype.is_numeric():
        raise DataError(
            f"{where} ({engine}): column {column!r} ({arg}) must be numeric; it has dtype "
            f"{dtype}{_examples(lf, column)}. Convert it to numbers first or pass another "
            f"{arg}."
        )


def _as_day(value: object, name: str, where: str, *, optional: bool = False) -> _dt.date | None:
    """Parse a date-like parameter to a calendar day (the base layer's one date parser)."""
    stamp = parse_date(value, name, where=where, optional=optional)
    return None if stamp is None else stamp.date()


def _check_values(
    lf: nw.LazyFrame,
    schema: dict[str, Any],
    columns: dict[str, str],
    where: str,
    engine: str,
    *,
    nonnegative: Sequence[str] = (),
) -> None:
    """Refuse nulls/NaN (every column), infinities and negatives (numeric columns) in one pass.

    ``columns`` maps the column to the argument that named it. The counts come from one
    aggregate query; examples (a few offending rows) only when something is wrong.
    """
    checks: list[tuple[str, str, nw.Expr]] = []
    for column in columns:
        dtype = schema[column]
        col = nw.col(column)
        if dtype.is_float():
            checks.append((column, "missing (null or NaN)", col.is_null() | col.is_nan()))
            checks.append((column, "infinite", col.abs() == float("inf")))
        else:
            checks.append((column, "missing (null)", col.is_null()))
        if column in nonnegative and dtype.is_numeric():
            checks.append((column, "negative", col < 0))
    if not checks:
        return
    counts = (
        lf.select(*[e.cast(nw.Int64).sum().alias(f"_p{i}") for i, (_, _, e) in enumerate(checks)])
        .collect()
        .rows()[0]
    )
    for (column, kind, expr), count in zip(checks, counts):
        if not count:
            continue
        try:
            rows = lf.filter(expr).select(*columns).head(3).collect().rows(named=True)
        except Exception:  # pragma: no cover - only decorates the message
            rows = []
        shown = "; ".join(", ".join(f"{k}={v!r}" for k, v in r.items()) for r in rows)
        advice = (
            "Refunds and cancellations are not purchases: set them aside first "
            "(crmlib.datasets.read_transactions does, and counts them)."
            if kind == "negative"
            else "Such rows cannot be attributed or summed: set them aside first "
            "(crmlib.datasets.read_transactions does, and counts them), or fix the export."
        )
        raise DataError(
            f"{where} ({engine}): column {column!r} ({columns[column]}) has {int(count)} "
            f"{kind} value{'s' if count != 1 else ''} (e.g. rows with {shown}). {advice}"
        )


def _day_key(schema_dtype: Any, column: str, engine: str) -> nw.Expr:
    """Expression mapping the date column to its calendar day (Date or midnight Datetime)."""
    col = nw.col(column)
    if schema_dtype == nw.Date:
        return col
    if getattr(schema_dtype, "time_zone", None):
        col = col.dt.replace_time_zone(None)
    if engine in ("pandas", "modin", "cudf"):
        # pandas' .dt.date gives Python objects: keep datetime64 and floor it to the day.
        return col.dt.truncate("1d")
    return col.dt.date()


def _day_literal(day: _dt.date, engine: str, dtype: Any) -> nw.Expr:
    if engine in ("pandas", "modin", "cudf") and dtype != nw.Date:
        return nw.lit(_dt.datetime(day.year, day.month, day.day))
    return nw.lit(day, dtype=nw.Date)


def _day_number(expr: nw.Expr) -> nw.Expr:
    """Days since 0001-01-01 (a Monday) from year and day of year: ``date.toordinal() - 1``."""
    y1 = expr.dt.year().cast(nw.Int64) - 1
    return y1 * 365 + y1 // 4 - y1 // 100 + y1 // 400 + expr.dt.ordinal_day().cast(nw.Int64) - 1


def _period_of_day(day: _dt.date, freq: str) -> int:
    number = day.toordinal() - 1
    return number // 7 if freq == "W" else number


# --------------------------------------------------------------------------------------------
# RFM summary
# --------------------------------------------------------------------------------------------
def _periods(daily: nw.LazyFrame, cust: str, freq: str) -> nw.LazyFrame:
    """Collapse a (customer, ``_d`` day) table to (customer, ``_k`` period key).

    The key is the day itself for ``freq="D"`` and the week number (days since 0001-01-01,
    a Monday, floor-divided by 7) for ``freq="W"``.
    """
    if freq == "D":
        return daily.rename({"_d": "_k"})
    return (
        daily.with_columns((_day_number(nw.col("_d")) // 7).alias("_k"))
        .group_by(cust, "_k")
        .agg(nw.col("_total").sum(), nw.col("_rows").sum())
    )


# Engines whose group_by supports ``first(order_by=...)`` (DuckDB: ``first(x ORDER BY k)``,
# as fast as a hand-written ``arg_min``); the others get the first period by a window.
_ORDERED_FIRST = ("duckdb", "polars")


def _summary(
    periods: nw.LazyFrame, cust: str, as_of_p: int, freq: str, engine: str, monetary: bool,
    suffix: str,
) -> nw.LazyFrame:
    """frequency/recency/T/monetary per customer from a (customer, period) table."""
    aggs = [
        nw.len().alias("_n"),
        nw.col("_k").min().alias("_first"),
        nw.col("_k").max().alias("_last"),
    ]
    lf = periods
    if monetary and engine in _ORDERED_FIRST:
        # sum of repeat periods = all periods minus the first one (as a hand-written arg_min)
        aggs += [
            nw.col("_total").sum().alias("_sum"),
            nw.col("_total").first(order_by="_k").alias("_ft"),
        ]
    elif monetary:
        lf = lf.with_columns(
            nw.when(nw.col("_k") > nw.col("_k").min().over(cust))
            .then(nw.col("_total"))
            .otherwise(0.0)
            .alias("_rep")
        )
        aggs.append(nw.col("_rep").sum().alias("_rep"))
    lf = lf.group_by(cust).agg(*aggs)
    if monetary and engine in _ORDERED_FIRST:
        lf = lf.with_columns((nw.col("_sum") - nw.col("_ft")).alias("_rep"))
    if freq == "D":  # period keys are days: number them only now, once per customer
        lf = lf.with_columns(_day_number(nw.col("_first")), _day_number(nw.col("_last")))
    out = [
        nw.col(cust),
        (nw.col("_n") - 1).cast(nw.Int64).alias(f"frequency{suffix}"),
        (nw.col("_last") - nw.col("_first")).cast(nw.Int64).alias(f"recency{suffix}"),
        (nw.lit(as_of_p) - nw.col("_first")).cast(nw.Int64).alias(f"T{suffix}"),
    ]
    if monetary:
        out.append(
            nw.when(nw.col("_n") > 1)
            .then(nw.col("_rep") / (nw.col("_n") - 1))
            .otherwise(0.0)
            .cast(nw.Float64)
            .alias(f"monetary_value{suffix}")
        )
    return lf.select(*out)


def rfm_summary(
    transactions: Any,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str | None = "amount",
    as_of: Any,
    freq: str = "D",
    calibration_end: Any = None,
) -> Any:
    """Frequency, recency, T and monetary value per customer (the BG/NBD summary).

    Computes, inside the engine of ``transactions``, the summary that BG/NBD, Pareto/NBD and
    Gamma-Gamma models are fitted to, with the definitions of lifetimes'
    ``summary_data_from_transaction_data``:

    1. purchases after the day of ``as_of`` are ignored;
    2. the purchases of a customer are collapsed to *periods* (calendar days for
       ``freq="D"``; for ``freq="W"``, the weeks of pandas' ``to_period("W")``, i.e.
       ``W-SUN``: Monday to Sunday), summing their amounts;
    3. ``frequency`` is the number of *repeat* periods: periods with a purchase after the
       customer's first period (several orders on one day count once);
    4. ``recency`` is the number of periods from the first to the last purchase period
       (0 without repeats); ``T`` is the number of periods from the first purchase period to
       the period of ``as_of``. Both are differences of period starts, so they are whole
       numbers (weeks = days between the two Mondays / 7), as lifetimes measures
       them with ``to_period(freq)`` and ``np.timedelta64(1, freq)``;
    5. ``monetary_value`` is the mean of the repeat periods' totals (the first period is left
       out) and 0 for customers without repeats.

    Customers whose first purchase is after ``as_of`` do not appear.

    Parameters
    ----------
    transactions : frame
        One row per purchase: a pandas or Polars DataFrame, a Polars LazyFrame, a DuckDB
        relation (see :func:`scan`) or a PySpark DataFrame.
    customer_col, date_col, amount_col : str
        Column names. ``date_col`` must hold dates or datetimes (a time of day is ignored).
        ``amount_col=None`` leaves out the monetary columns.
    as_of : date-like
        End of the observation period (its day counts), e.g. ``"2025-12-28"``.
    freq : {"D", "W"}
        Period length: days, or Monday-to-Sunday weeks.
    calibration_end : date-like, optional
        If given (before ``as_of``), split the history as lifetimes'
        ``calibration_and_holdout_data`` does and return, per customer with a purchase on or
        before ``calibration_end``: ``frequency_cal``, ``recency_cal``, ``T_cal``,
        ``monetary_value_cal`` (the summary above with ``as_of=calibration_end``),
        ``frequency_holdout`` (number of periods with a purchase after ``calibration_end``
        and up to ``as_of``), ``monetary_value_holdout`` (mean amount of those holdout
        *purchases*, per row as in lifetimes, 0 if none) and ``duration_holdout`` (periods
        from the period of ``calibration_end`` to that of ``as_of``).

    Returns
    -------
    frame
        The same kind of frame as ``transactions``: columns ``customer_col``, ``frequency``,
        ``recency``, ``T`` (integers) and ``monetary_value`` (float), one row per customer;
        sorted by customer for eager inputs. ``to_pandas(result).set_index(customer_col)``
        gives lifetimes' layout.

    Raises
    ------
    DataError
        A column is missing, the date column does not hold dates, or the amount is not
        numeric.
    ParameterError
        ``transactions`` is not a supported frame, or a parameter is invalid.

    Notes
    -----
    Differences from lifetimes, only at the edges: lifetimes' ``summary_data_from_transaction_
    data`` keeps purchases made later in the *week* of ``observation_period_end`` when
    ``freq="W"`` (it compares period starts); here purchases after the day of ``as_of`` are
    always ignored, as lifetimes' calibration function does. Pass an ``as_of`` that ends a
    week (a Sunday) for identical weekly results. lifetimes compares full timestamps with
    ``calibration_period_end``; here the split is by day. lifetimes returns floats; here
    ``frequency``, ``recency`` and ``T`` are integers.

    Examples
    --------
    Customer A buys twice on 1 January (15 in all), then on the 5th and on the 10th; B buys
    once; C's only purchase is after ``as_of``:

    >>> import pandas as pd
    >>> from crmlib.engine import rfm_summary
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "A", "A", "B", "C"],
    ...     "order_date": pd.to_datetime(["2024-01-01 09:30", "2024-01-01 17:00",
    ...                                   "2024-01-05 12:00", "2024-01-10 08:15",
    ...                                   "2024-01-03 10:00", "2024-01-20 11:00"]),
    ...     "amount": [10.0, 5.0, 20.0, 40.0, 7.0, 9.0],
    ... })
    >>> rfm_summary(log, as_of="2024-01-15")
      customer_id  frequency  recency   T  monetary_value
    0           A          2        9  14            30.0
    1           B          0        0  12             0.0

    A has two repeat days (5th and 10th, mean (20 + 40) / 2 = 30), 9 days between the first
    and last purchase days, and 14 days from the first purchase to ``as_of``. In weeks
    (1 January 2024 is a Monday): A buys in weeks 0 and 1, and ``as_of`` falls in week 2:

    >>> rfm_summary(log, as_of="2024-01-15", freq="W")
      customer_id  frequency  recency  T  monetary_value
    0           A          1        1  2            40.0
    1           B          0        0  2             0.0

    With a calibration period ending on the 4th:

    >>> split = rfm_summary(log, as_of="2024-01-15", calibration_end="2024-01-04")
    >>> print(split.to_string())
      customer_id  frequency_cal  recency_cal  T_cal  monetary_value_cal  frequency_holdout  monetary_value_holdout  duration_holdout
    0           A              0            0      3                 0.0                  2                    30.0                11
    1           B              0            0      1                 0.0                  0                     0.0                11
    """
    where = "rfm_summary"
    lf, eager, engine = _open(transactions, where)
    freq = check_choice(freq, "freq", ["D", "W"], where=where)
    as_of_day = _as_day(as_of, "as_of", where)
    cal_day = _as_day(calibration_end, "calibration_end", where, optional=True)
    if cal_day is not None and cal_day >= as_of_day:
        raise ParameterError(
            f"The 'calibration_end' parameter of {where} must be a day before as_of "
            f"({as_of_day}). Got {calibration_end!r} instead. Pick an earlier "
            f"calibration_end or a later as_of."
        )
    roles = {"customer_col": (customer_col, "customer"), "date_col": (date_col, "date")}
    if amount_col is not None:
        roles["amount_col"] = (amount_col, "amount")
    schema = _check_columns(lf, roles, where, engine)
    date_dtype = _check_date(lf, schema, date_col, "date_col", where, engine)
    monetary = amount_col is not None
    if monetary:
        _check_numeric(lf, schema, amount_col, "amount_col", where, engine)
    _check_values(lf, schema, {c: a for a, (c, _) in roles.items()}, where, engine,
                  nonnegative=[amount_col] if monetary else [])

    day = _day_key(date_dtype, date_col, engine).alias("_d")
    lf = lf.select(
        nw.col(customer_col),
        day,
        *([nw.col(amount_col).cast(nw.Float64).alias("_a")] if monetary else []),
    ).filter(nw.col("_d") <= _day_literal(as_of_day, engine, date_dtype))
    aggs = [nw.len().alias("_rows")]
    if monetary:
        aggs.append(nw.col("_a").sum().alias("_total"))
    daily = lf.group_by(customer_col, "_d").agg(*aggs)
    if not monetary:
        daily = daily.with_columns(nw.lit(0.0).alias("_total"))

    as_of_p = _period_of_day(as_of_day, freq)
    if cal_day is None:
        periods = _periods(daily, customer_col, freq)
        result = _summary(periods, customer_col, as_of_p, freq, engine, monetary, "")
        return _finish(result, eager, [customer_col])

    cal_p = _period_of_day(cal_day, freq)
    cal_lit = _day_literal(cal_day, engine, date_dtype)
    calib = _periods(daily.filter(nw.col("_d") <= cal_lit), customer_col, freq)
    cal = _summary(calib, customer_col, cal_p, freq, engine, monetary, "_cal")
    hold_aggs = [nw.col("_k").n_unique().alias("frequency_holdout")]
    if monetary:
        hold_aggs += [nw.col("_total").sum().alias("_hs"), nw.col("_rows").sum().alias("_hr")]
    hold = (
        _periods(daily.filter(nw.col("_d") > cal_lit), customer_col, freq)
        .group_by(customer_col)
        .agg(*hold_aggs)
    )
    if monetary:
        hold = hold.select(
            customer_col,
            "frequency_holdout",
            (nw.col("_hs") / nw.col("_hr")).alias("monetary_value_holdout"),
        )
    joined = cal.join(hold, on=customer_col, how="left")
    fills = [nw.col("frequency_holdout").fill_null(0).cast(nw.Int64)]
    if monetary:
        fills.append(nw.col("monetary_value_holdout").fill_null(0.0).cast(nw.Float64))
    result = joined.with_columns(
        *fills, nw.lit(as_of_p - cal_p).cast(nw.Int64).alias("duration_holdout")
    )
    return _finish(result, eager, [customer_col])


# --------------------------------------------------------------------------------------------
# purchase days: the one definition every domain builds on
# --------------------------------------------------------------------------------------------
def purchase_days(
    transactions: Any,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str | None = "amount",
    start: Any = None,
    as_of: Any = None,
) -> Any:
    """One row per customer and purchase day: the day's summed amount and its order rows.

    A *purchase day* is a calendar day on which a customer bought at least once; several
    orders on one day are one purchase day (a time of day is ignored; a zone-aware timestamp
    counts on its wall-clock day). This is the definition behind :func:`rfm_summary`
    (frequency counts repeat purchase days), and the one that
    :func:`crmlib.segmentation.rfm_table`, :func:`crmlib.value.churn_dataset`,
    :func:`crmlib.value.loyalty_tiers` and :func:`crmlib.segmentation.customer_features`
    build on, so that "a purchase" means the same thing in every lesson.

    Parameters
    ----------
    transactions : frame
        One row per purchase, in any supported engine (see the module docstring).
    customer_col, date_col, amount_col : str
        Column names; ``amount_col=None`` leaves out the amount.
    start, as_of : date-like, optional
        Keep only days on or after ``start`` and on or before ``as_of`` (both included).

    Returns
    -------
    frame
        The same kind of frame as ``transactions``, with columns ``customer_col``, ``day``
        (a date; a midnight datetime for pandas), ``amount`` (float, the day's total) and
        ``orders`` (the number of rows that day); sorted by customer and day for eager inputs.

    Raises
    ------
    DataError
        A missing column, a date column that does not hold dates, a missing customer, date
        or amount, an infinite or negative amount.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["A", "A", "A", "B"],
    ...     "order_date": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 17:00",
    ...                                   "2024-01-05 12:00", "2024-01-03 10:00"]),
    ...     "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> purchase_days(log)
      customer_id        day  amount  orders
    0           A 2024-01-01    15.0       2
    1           A 2024-01-05    20.0       1
    2           B 2024-01-03     7.0       1
    """
    where = "purchase_days"
    lf, eager, engine = _open(transactions, where)
    start_day = _as_day(start, "start", where, optional=True)
    as_of_day = _as_day(as_of, "as_of", where, optional=True)
    if start_day is not None and as_of_day is not None and as_of_day < start_day:
        raise ParameterError(
            f"The 'as_of' parameter of {where} must be on or after start ({start_day}). "
            f"Got {as_of!r} instead. Swap them or pick a later as_of."
        )
    roles = {"customer_col": (customer_col, "customer"), "date_col": (date_col, "date")}
    if amount_col is not None:
        roles["amount_col"] = (amount_col, "amount")
    schema = _check_columns(lf, roles, where, engine)
    date_dtype = _check_date(lf, schema, date_col, "date_col", where, engine)
    if amount_col is not None:
        _check_numeric(lf, schema, amount_col, "amount_col", where, engine)
    _check_values(lf, schema, {c: a for a, (c, _) in roles.items()}, where, engine,
                  nonnegative=[amount_col] if amount_col is not None else [])
    day = _day_key(date_dtype, date_col, engine).alias("day")
    lf = lf.select(
        nw.col(customer_col),
        day,
        *([nw.col(amount_col).cast(nw.Float64).alias("_a")] if amount_col is not None else []),
    )
    if as_of_day is not None:
        lf = lf.filter(nw.col("day") <= _day_literal(as_of_day, engine, date_dtype))
    if start_day is not None:
        lf = lf.filter(nw.col("day") >= _day_literal(start_day, engine, date_dtype))
    aggs = [nw.len().alias("orders")]
    if amount_col is not None:
        aggs.insert(0, nw.col("_a").sum().alias("amount"))
    result = lf.group_by(customer_col, "day").agg(*aggs).with_columns(
        nw.col("orders").cast(nw.Int64)
    )
    return _finish(result, eager, [customer_col, "day"])


# --------------------------------------------------------------------------------------------
# cohorts
# --------------------------------------------------------------------------------------------
_COHORT_PERIODS = ("M", "Q", "Y")


def _zero_pad(expr: nw.Expr) -> nw.Expr:
    text = expr.cast(nw.String)
    return nw.when(expr < 10).then(nw.concat_str(nw.lit("0"), text)).otherwise(text)


def cohort_table(
    transactions: Any,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    period: str = "M",
    as_of: Any = None,
) -> Any:
    """Acquisition cohorts × periods since acquisition: active customers, orders and revenue.

    A customer's *cohort* is the calendar period (month, quarter or year) of their first
    purchase; ``period`` counts calendar periods since then (0 = the acquisition period).
    For each (cohort, period) pair with at least one purchase:

    - ``customers`` — customers of the cohort who bought in that period (active customers);
    - ``orders`` — their purchases (rows); ``revenue`` — the sum of ``amount_col``.

    The result is long (one row per cell); :func:`cohort_triangle` pivots it in pandas to the
    classic triangle and to retention rates.

    Parameters
    ----------
    transactions : frame
        One row per purchase (pandas, Polars, DuckDB or PySpark; see the module docstring).
    customer_col, date_col, amount_col : str
        Column names; ``date_col`` must hold dates or datetimes.
    period : {"M", "Q", "Y"}
        Calendar month, quarter or year. Cohort labels are ``"2024-01"``, ``"2024-Q1"`` or
        ``"2024"``.
    as_of : date-like, optional
        Ignore purchases after this day.

    Returns
    -------
    frame
        Columns ``cohort`` (str), ``period`` (int), ``customers``, ``orders`` (int) and
        ``revenue`` (float); the same kind of frame as ``transactions``, sorted by cohort and
        period for eager inputs.

    Examples
    --------
    A is acquired in January and comes back in March; B in January only; C in February:

    >>> import pandas as pd
    >>> from crmlib.engine import cohort_table
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "A", "B", "C", "C"],
    ...     "order_date": pd.to_datetime(["2024-01-03", "2024-01-30", "2024-03-02",
    ...                                   "2024-01-15", "2024-02-10", "2024-03-31"]),
    ...     "amount": [10.0, 5.0, 20.0, 8.0, 12.0, 6.0],
    ... })
    >>> cohort_table(log)
        cohort  period  customers  orders  revenue
    0  2024-01       0          2       3     23.0
    1  2024-01       2          1       1     20.0
    2  2024-02       0          1       1     12.0
    3  2024-02       1          1       1      6.0
    """
    where = "cohort_table"
    lf, eager, engine = _open(transactions, where)
    period = check_choice(period, "period", list(_COHORT_PERIODS), where=where)
    as_of_day = _as_day(as_of, "as_of", where, optional=True)
    schema = _check_columns(
        lf,
        {
            "customer_col": (customer_col, "customer"),
            "date_col": (date_col, "date"),
            "amount_col": (amount_col, "amount"),
        },
        where,
        engine,
    )
    date_dtype = _check_date(lf, schema, date_col, "date_col", where, engine)
    _check_numeric(lf, schema, amount_col, "amount_col", where, engine)
    _check_values(lf, schema, {customer_col: "customer_col", date_col: "date_col",
                               amount_col: "amount_col"}, where, engine,
                  nonnegative=[amount_col])

    date = nw.col(date_col)
    if getattr(date_dtype, "time_zone", None):
        date = date.dt.replace_time_zone(None)
    if as_of_day is not None:
        lf = lf.filter(
            _day_key(date_dtype, date_col, engine)
            <= _day_literal(as_of_day, engine, date_dtype)
        )
    year = date.dt.year().cast(nw.Int64)
    month0 = date.dt.month().cast(nw.Int64) - 1
    if period == "M":
        index = year * 12 + month0
    elif period == "Q":
        index = year * 4 + month0 // 3
    else:
        index = year
    per = (
        lf.select(nw.col(customer_col), index.alias("_p"), nw.col(amount_col).cast(nw.Float64))
        .group_by(customer_col, "_p")
        .agg(nw.len().alias("orders"), nw.col(amount_col).sum().alias("revenue"))
        .with_columns(nw.col("_p").min().over(customer_col).alias("_c"))
    )
    cells = (
        per.with_columns((nw.col("_p") - nw.col("_c")).alias("period"))
        .group_by("_c", "period")
        .agg(
            nw.len().alias("customers"),
            nw.col("orders").sum(),
            nw.col("revenue").sum(),
        )
    )
    if period == "M":
        label = nw.concat_str(
            (nw.col("_c") // 12).cast(nw.String), nw.lit("-"), _zero_pad(nw.col("_c") % 12 + 1)
        )
    elif period == "Q":
        label = nw.concat_str(
            (nw.col("_c") // 4).cast(nw.String),
            nw.lit("-Q"),
            (nw.col("_c") % 4 + 1).cast(nw.String),
        )
    else:
        label = nw.col("_c").cast(nw.String)
    result = cells.select(
        label.alias("cohort"),
        nw.col("period").cast(nw.Int64),
        nw.col("customers").cast(nw.Int64),
        nw.col("orders").cast(nw.Int64),
        nw.col("revenue").cast(nw.Float64),
    )
    return _finish(result, eager, ["cohort", "period"])


def _label_index(label: str) -> int:
    if "-Q" in label:
        year, quarter = label.split("-Q")
        return int(year) * 4 + int(quarter) - 1
    if "-" in label:
        year, month = label.split("-")
        return int(year) * 12 + int(month) - 1
    return int(label)


def cohort_triangle(table: Any, *, values: str = "customers") -> Any:
    """Pivot a :func:`cohort_table` result to the classic cohort triangle (pandas).

    Rows are cohorts, columns periods since acquisition. Cells that were observed but had no
    purchase are 0; cells after the last period in the table are missing (NaN), which gives
    the triangle its shape.

    Parameters
    ----------
    table : frame
        The output of :func:`cohort_table`, from any engine (collected with
        :func:`to_pandas`).
    values : {"customers", "orders", "revenue", "retention"}
        The cell value; ``"retention"`` is active customers divided by the cohort's size
        (its customers in period 0).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlib.engine import cohort_table, cohort_triangle
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B", "C", "D", "D"],
    ...     "order_date": pd.to_datetime(["2024-01-03", "2024-03-02", "2024-01-15",
    ...                                   "2024-02-10", "2024-02-11", "2024-03-05"]),
    ...     "amount": [10.0, 20.0, 8.0, 12.0, 6.0, 4.0],
    ... })
    >>> cohort_triangle(cohort_table(log), values="retention")
    period     0    1    2
    cohort
    2024-01  1.0  0.0  0.5
    2024-02  1.0  0.5  NaN
    """
    check_choice(
        values, "values", ["customers", "orders", "revenue", "retention"], where="cohort_triangle"
    )
    data = to_pandas(table)
    missing = [c for c in ("cohort", "period", "customers", "orders", "revenue") if c not in data]
    if missing:
        raise DataError(
            f"cohort_triangle: column {missing[0]!r} not in table. Columns present: "
            f"{list(data.columns)}. Pass the output of crmlib.engine.cohort_table."
        )
    column = "customers" if values == "retention" else values
    wide = data.pivot(index="cohort", columns="period", values=column).sort_index()
    if len(wide):
        starts = {c: _label_index(c) for c in wide.index}
        last = max(starts[c] + p for c, p in zip(data["cohort"], data["period"], strict=True))
        width = max(last - min(starts.values()) + 1, 1)
        wide = wide.reindex(columns=range(width))
        for cohort, start in starts.items():
            observed = [p for p in wide.columns if start + p <= last]
            wide.loc[cohort, observed] = wide.loc[cohort, observed].fillna(0)
    wide = wide.astype("float64")
    if values == "retention":
        wide = wide.div(wide[0], axis=0)
    wide.columns.name = "period"
    wide.index.name = "cohort"
    return wide


# --------------------------------------------------------------------------------------------
# channels
# --------------------------------------------------------------------------------------------
def channel_summary(
    transactions: Any,
    *,
    by: str | Sequence[str] = "channel",
    customer_col: str = "customer_id",
    amount_col: str = "amount",
    order_col: str | None = None,
) -> Any:
    """Orders, customers and revenue per channel (or per any group column).

    For each group: ``orders`` (rows, or distinct ``order_col`` values when given),
    ``customers`` (distinct customers), ``revenue`` (sum of ``amount_col``),
    ``revenue_per_customer`` and ``revenue_per_order``. Group by ``"promotion"`` or a
    campaign column for a campaign summary, or by several columns at once.

    Parameters
    ----------
    transactions : frame
        One row per purchase (or order line): pandas, Polars, DuckDB or PySpark.
    by : str or list of str
        The group column(s).
    customer_col, amount_col : str
        Column names.
    order_col : str, optional
        Count distinct orders in this column instead of rows (for order-line tables).

    Returns
    -------
    frame
        One row per group, the same kind of frame as ``transactions`` (sorted by the group
        columns for eager inputs).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlib.engine import channel_summary
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B", "C", "C"],
    ...     "channel": ["web", "web", "store", "web", "store"],
    ...     "amount": [10.0, 30.0, 8.0, 20.0, 12.0],
    ... })
    >>> channel_summary(log)
      channel  orders  customers  revenue  revenue_per_customer  revenue_per_order
    0   store       2          2     20.0                  10.0              10.0
    1     web       3          2     60.0                  30.0              20.0
    """
    where = "channel_summary"
    lf, eager, engine = _open(transactions, where)
    groups = [by] if isinstance(by, str) else list(by)
    if not groups:
        raise ParameterError(
            f"The 'by' parameter of {where} must name at least one column. Got {by!r} instead."
        )
    roles = {f"by[{i}]" if not isinstance(by, str) else "by": (g, g) for i, g in enumerate(groups)}
    roles["customer_col"] = (customer_col, "customer")
    roles["amount_col"] = (amount_col, "amount")
    if order_col is not None:
        roles["order_col"] = (order_col, "order")
    schema = _check_columns(lf, roles, where, engine)
    _check_numeric(lf, schema, amount_col, "amount_col", where, engine)
    _check_values(lf, schema, {customer_col: "customer_col", amount_col: "amount_col"},
                  where, engine)
    orders = nw.len() if order_col is None else nw.col(order_col).n_unique()
    result = (
        lf.group_by(*groups)
        .agg(
            orders.alias("orders"),
            nw.col(customer_col).n_unique().alias("customers"),
            nw.col(amount_col).sum().alias("revenue"),
        )
        .with_columns(
            nw.col("orders", "customers").cast(nw.Int64), nw.col("revenue").cast(nw.Float64)
        )
        .with_columns(
            (nw.col("revenue") / nw.col("customers")).alias("revenue_per_customer"),
            (nw.col("revenue") / nw.col("orders")).alias("revenue_per_order"),
        )
    )
    return _finish(result, eager, groups)


def touch_channels(
    transactions: Any,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    channel_col: str = "channel",
) -> Any:
    """First-touch and last-touch channel of every customer.

    ``first_channel`` is the channel of the customer's earliest row (by the full timestamp in
    ``date_col``), ``last_channel`` that of the latest row; ``first_date``/``last_date`` are
    those timestamps. Ties at the same timestamp go to the alphabetically first channel, so
    the answer is the same in every engine.

    Parameters
    ----------
    transactions : frame
        One row per purchase or touchpoint: pandas, Polars, DuckDB or PySpark.
    customer_col, date_col, channel_col : str
        Column names; ``date_col`` must hold dates or datetimes.

    Returns
    -------
    frame
        Columns ``customer_col``, ``first_channel``, ``last_channel``, ``first_date``,
        ``last_date``; one row per customer (sorted for eager inputs).

    Examples
    --------
    >>> import pandas as pd
    >>> from crmlib.engine import touch_channels
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "A", "B", "B"],
    ...     "order_date": pd.to_datetime(["2024-01-03", "2024-02-01", "2024-03-09",
    ...                                   "2024-01-05", "2024-01-05"]),
    ...     "channel": ["search", "email", "store", "web", "app"],
    ... })
    >>> touch_channels(log)[["customer_id", "first_channel", "last_channel"]]
      customer_id first_channel last_channel
    0           A        search        store
    1           B           app          app
    """
    where = "touch_channels"
    lf, eager, engine = _open(transactions, where)
    schema = _check_columns(
        lf,
        {
            "customer_col": (customer_col, "customer"),
            "date_col": (date_col, "date"),
            "channel_col": (channel_col, "channel"),
        },
        where,
        engine,
    )
    _check_date(lf, schema, date_col, "date_col", where, engine)
    _check_values(lf, schema, {customer_col: "customer_col", date_col: "date_col"}, where,
                  engine)
    ts, channel = nw.col(date_col), nw.col(channel_col)
    result = (
        lf.select(customer_col, date_col, channel_col)
        .with_columns(
            nw.when(ts == ts.min().over(customer_col)).then(channel).alias("_fc"),
            nw.when(ts == ts.max().over(customer_col)).then(channel).alias("_lc"),
        )
        .group_by(customer_col)
        .agg(
            nw.col("_fc").min().alias("first_channel"),
            nw.col("_lc").min().alias("last_channel"),
            ts.min().alias("first_date"),
            ts.max().alias("last_date"),
        )
    )
    return _finish(result, eager, [customer_col])


# --------------------------------------------------------------------------------------------
# files and collection
# --------------------------------------------------------------------------------------------
_PARQUET = (".parquet", ".pq", ".parq")
_CSV = (".csv", ".tsv", ".txt", ".csv.gz", ".tsv.gz")


def scan(path: str | Path, *, engine: str = "duckdb") -> Any:
    """Open a Parquet or CSV file lazily, for out-of-core aggregation.

    Nothing is read until a result is collected: the functions of this module then run in
    the chosen engine, which streams the file and can spill to disk, so a file larger than
    memory can be summarised.

    Parameters
    ----------
    path : str or Path
        A ``.parquet``/``.pq`` file, a ``.csv``/``.tsv`` file (optionally ``.gz``), or a
        glob pattern such as ``"orders/*.parquet"``.
    engine : {"duckdb", "polars"}
        ``"duckdb"`` returns a DuckDB relation (on a fresh in-memory connection),
        ``"polars"`` a Polars ``LazyFrame``. CSV dates are parsed on reading.

    Returns
    -------
    duckdb.DuckDBPyRelation or polars.LazyFrame

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from crmlib.engine import rfm_summary, scan, to_pandas
    >>> log = pd.DataFrame({
    ...     "customer_id": ["A", "A", "B"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-02"]),
    ...     "amount": [5.0, 7.0, 3.0],
    ... })
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "orders.parquet"
    ...     log.to_parquet(path)
    ...     lazy = rfm_summary(scan(path), as_of="2024-01-10")   # a DuckDB relation
    ...     out = to_pandas(lazy).sort_values("customer_id", ignore_index=True)
    >>> out
      customer_id  frequency  recency  T  monetary_value
    0           A          1        7  9             7.0
    1           B          0        0  8             0.0
    """
    where = "scan"
    engine = check_choice(engine, "engine", ["duckdb", "polars"], where=where)
    text = str(path)
    lower = text.lower()
    if lower.endswith(_PARQUET):
        kind = "parquet"
    elif lower.endswith(_CSV):
        kind = "csv"
    else:
        raise ParameterError(
            f"{where}: 'path' must end in one of {list(_PARQUET + _CSV)}. Got {text!r}. "
            f"Convert the file to Parquet or CSV, or open it yourself and pass the frame."
        )
    if not any(c in text for c in "*?[") and not Path(text).exists():
        raise DataError(
            f"{where} ({engine}): file {text!r} does not exist. Check the path "
            f"(relative paths start at {str(Path.cwd())!r})."
        )
    try:
        if engine == "duckdb":
            import duckdb

            con = duckdb.connect()
            if kind == "parquet":
                return con.read_parquet(text)
            return con.read_csv(text)
        import polars as pl

        if kind == "parquet":
            return pl.scan_parquet(text)
        return pl.scan_csv(text, try_parse_dates=True, separator="\t" if ".tsv" in lower else ",")
    except ImportError:
        raise ParameterError(
            f"{where}: engine={engine!r} needs the {engine} package, which is not installed. "
            f"Install the scale extra: pip install 'crmlib[scale]'."
        ) from None


def to_pandas(frame: Any) -> Any:
    """Collect a result from any supported engine into a pandas ``DataFrame``.

    Lazy inputs (DuckDB relation, Polars ``LazyFrame``, PySpark ``DataFrame``) are computed
    now; a pandas ``DataFrame`` is returned unchanged. The row order of lazy results is not
    defined: sort if it matters.

    Parameters
    ----------
    frame : frame
        Any frame this module accepts or returns.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> import polars as pl
    >>> from crmlib.engine import to_pandas
    >>> to_pandas(pl.LazyFrame({"x": [1, 2]}))
       x
    0  1
    1  2
    """
    import pandas as pd

    if isinstance(frame, pd.DataFrame):
        return frame
    lf, _, engine = _open(frame, "to_pandas", "frame")
    if engine == "pyspark":
        # PySpark warns about pandas versions in toPandas(); going through Arrow avoids it.
        import pyarrow as pa

        table = frame.toArrow()
        return pa.Table.to_pandas(table)
    return lf.collect(backend="pandas").to_native()
