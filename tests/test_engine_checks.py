"""crmlib.engine checks what it is given: missing ids, NaN/NULL amounts, infinities and
negative amounts are refused with the column, the count and examples, in every engine."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

from crmlib.engine import cohort_table, purchase_days, rfm_summary, to_pandas
from crmlib.exceptions import DataError, ParameterError


def _log(**changes):
    base = {
        "customer_id": ["A", "A", "B", "C", "C"],
        "order_date": pd.to_datetime(
            ["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-03 00:00", "2024-01-04 00:00",
             "2024-01-09 00:00"]
        ),
        "amount": [10.0, 5.0, 7.0, 3.0, 4.0],
    }
    base.update(changes)
    return pd.DataFrame(base)


def _as(engine, frame):
    if engine == "pandas":
        return frame
    if engine == "polars":
        return pl.from_pandas(frame)
    if engine == "polars-lazy":
        return pl.from_pandas(frame).lazy()
    con = duckdb.connect()
    con.register("log_df", frame)
    return con.sql("select * from log_df")


ENGINES = ["pandas", "polars", "polars-lazy", "duckdb"]
CALLS = {
    "rfm_summary": lambda f: to_pandas(rfm_summary(f, as_of="2024-01-10")),
    "cohort_table": lambda f: to_pandas(cohort_table(f)),
    "purchase_days": lambda f: to_pandas(purchase_days(f)),
}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("call", list(CALLS))
@pytest.mark.parametrize(
    "changes, column, kind",
    [
        ({"customer_id": ["A", None, "B", None, "C"]}, "customer_id", "2 missing"),
        ({"amount": [10.0, np.nan, 7.0, 3.0, 4.0]}, "amount", "1 missing"),
        ({"amount": [10.0, 5.0, np.inf, 3.0, 4.0]}, "amount", "1 infinite"),
        ({"amount": [10.0, 5.0, 7.0, -3.0, 4.0]}, "amount", "1 negative"),
        ({"order_date": pd.to_datetime(["2024-01-01", None, "2024-01-03", "2024-01-04",
                                        "2024-01-09"])}, "order_date", "1 missing"),
    ],
)
def test_bad_values_are_refused_with_column_count_and_examples(engine, call, changes, column, kind):
    frame = _as(engine, _log(**changes))
    with pytest.raises(DataError) as err:
        CALLS[call](frame)
    msg = str(err.value)
    assert f"column {column!r}" in msg and kind in msg and "e.g. rows with" in msg


def test_a_nan_customer_never_becomes_a_customer_named_nan():
    frame = _log(customer_id=["A", np.nan, "B", "C", "C"])
    with pytest.raises(DataError, match="'customer_id'"):
        rfm_summary(frame, as_of="2024-01-10")


def test_ambiguous_as_of_is_refused():
    with pytest.raises(ParameterError, match="reads as 05 January 2024 .* or as 01 May 2024"):
        rfm_summary(_log(), as_of="05/01/2024")


@pytest.mark.parametrize("engine", ENGINES)
def test_purchase_days_agrees_across_engines_and_with_rfm_summary(engine):
    days = to_pandas(purchase_days(_as(engine, _log()), as_of="2024-01-05"))
    days = days.sort_values(["customer_id", "day"]).reset_index(drop=True)
    assert days["customer_id"].tolist() == ["A", "B", "C"]
    assert days["amount"].tolist() == [15.0, 7.0, 3.0]
    assert days["orders"].tolist() == [2, 1, 1]
    summary = to_pandas(rfm_summary(_as(engine, _log()), as_of="2024-01-10"))
    full = to_pandas(purchase_days(_as(engine, _log())))
    # frequency = purchase days after the first one
    per_customer = full.groupby("customer_id").size() - 1
    assert summary.set_index("customer_id")["frequency"].to_dict() == per_customer.to_dict()


def test_purchase_days_start_after_as_of_is_refused():
    with pytest.raises(ParameterError, match="'as_of' parameter of purchase_days must be on or after start"):
        purchase_days(_log(), start="2024-02-01", as_of="2024-01-01")
