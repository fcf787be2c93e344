"""crmlib.engine: definitions, engine equivalence (pandas, Polars, DuckDB) and error messages.

The PySpark half of the equivalence tests is in ``test_engine_spark.py``; it reuses the log
strategy and the reference implementation defined here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlib.engine import (
    channel_summary,
    cohort_table,
    cohort_triangle,
    rfm_summary,
    scan,
    to_pandas,
    touch_channels,
)
from crmlib.exceptions import DataError, ParameterError

BASE = dt.datetime(2024, 1, 1)  # a Monday


# --------------------------------------------------------------------------------------------
# shared helpers (also imported by test_engine_spark.py)
# --------------------------------------------------------------------------------------------
@st.composite
def logs(draw, max_rows: int = 40):
    """Random purchase logs: few customers, same-day repeats, times of day, late purchases.

    Returns (frame, as_of, calibration_end).
    """
    n = draw(st.integers(1, max_rows))
    customers = draw(st.lists(st.sampled_from([f"C{i}" for i in range(8)]), min_size=n, max_size=n))
    # a few favourite days make same-day repeats (and same-week ones) common
    days = draw(
        st.lists(st.integers(0, 60) | st.sampled_from([0, 1, 6, 7]), min_size=n, max_size=n)
    )
    minutes = draw(st.lists(st.integers(0, 24 * 60 - 1), min_size=n, max_size=n))
    amounts = draw(
        st.lists(
            st.floats(0.01, 5000, allow_nan=False, allow_infinity=False), min_size=n, max_size=n
        )
    )
    stamps = [BASE + dt.timedelta(days=d, minutes=m) for d, m in zip(days, minutes, strict=True)]
    frame = pd.DataFrame(
        {
            "customer_id": pd.array(customers, dtype="str"),
            "order_date": pd.to_datetime(stamps).as_unit("us"),
            "amount": np.array(amounts, dtype="float64"),
        }
    )
    as_of = (BASE + dt.timedelta(days=draw(st.integers(0, 65)))).date()
    cal = as_of - dt.timedelta(days=draw(st.integers(1, 30)))
    return frame, as_of, cal


def reference_rfm(frame: pd.DataFrame, as_of: dt.date, freq: str = "D") -> pd.DataFrame:
    """The summary from its definition, in plain Python (weekly periods via pandas Periods)."""

    def start(day: dt.date) -> dt.date:
        if freq == "D":
            return day
        return pd.Period(day, freq="W").start_time.date()

    unit = 1 if freq == "D" else 7
    totals: dict[str, dict[dt.date, float]] = defaultdict(lambda: defaultdict(float))
    for cust, stamp, amount in frame[["customer_id", "order_date", "amount"]].itertuples(
        index=False
    ):
        day = stamp.date()
        if day <= as_of:
            totals[cust][start(day)] += amount
    rows = []
    for cust, per in totals.items():
        periods = sorted(per)
        first, last = periods[0], periods[-1]
        repeats = [per[p] for p in periods[1:]]
        rows.append(
            {
                "customer_id": cust,
                "frequency": len(repeats),
                "recency": (last - first).days // unit,
                "T": (start(as_of) - first).days // unit,
                "monetary_value": float(np.mean(repeats)) if repeats else 0.0,
            }
        )
    columns = ["customer_id", "frequency", "recency", "T", "monetary_value"]
    return pd.DataFrame(rows, columns=columns)


def reference_calibration(
    frame: pd.DataFrame, as_of: dt.date, cal: dt.date, freq: str = "D"
) -> pd.DataFrame:
    """lifetimes' calibration_and_holdout_data, from its definition (split by day)."""
    days = frame["order_date"].dt.date
    calib = reference_rfm(frame[days <= cal], cal, freq)
    calib.columns = ["customer_id"] + [f"{c}_cal" for c in calib.columns[1:]]
    hold = frame[(days > cal) & (days <= as_of)]

    def period(day: dt.date):
        return day if freq == "D" else pd.Period(day, freq="W")

    rows = []
    for cust in calib["customer_id"]:
        mine = hold[hold["customer_id"] == cust]
        rows.append(
            {
                "frequency_holdout": len({period(s.date()) for s in mine["order_date"]}),
                "monetary_value_holdout": float(mine["amount"].mean()) if len(mine) else 0.0,
            }
        )
    hold_columns = ["frequency_holdout", "monetary_value_holdout"]
    out = pd.concat([calib, pd.DataFrame(rows, index=calib.index, columns=hold_columns)], axis=1)
    if freq == "D":
        out["duration_holdout"] = (as_of - cal).days
    else:
        out["duration_holdout"] = (pd.Period(as_of, "W") - pd.Period(cal, "W")).n
    return out


def natives(frame: pd.DataFrame) -> dict[str, object]:
    """The same log as a pandas, Polars (eager, lazy) and DuckDB frame."""
    polars = pl.from_pandas(frame)
    return {
        "pandas": frame,
        "polars": polars,
        "polars-lazy": polars.lazy(),
        "duckdb": duckdb.from_arrow(polars.to_arrow()),
    }


def assert_same_summary(got, expected: pd.DataFrame, key: str = "customer_id") -> None:
    """Exact equality of the integer columns, 1e-9 relative for the float columns."""
    got = to_pandas(got).sort_values(key, ignore_index=True)
    expected = expected.sort_values(key, ignore_index=True)
    assert list(got.columns) == list(expected.columns)
    assert got[key].astype(str).tolist() == expected[key].astype(str).tolist()
    for column in expected.columns.drop(key):
        if column.startswith("monetary") or expected[column].dtype.kind == "f":
            np.testing.assert_allclose(
                got[column].to_numpy("float64"),
                expected[column].to_numpy("float64"),
                rtol=1e-9,
                atol=0,
                err_msg=column,
            )
        else:
            assert got[column].astype("int64").tolist() == expected[column].astype(
                "int64"
            ).tolist(), column


# --------------------------------------------------------------------------------------------
# the definition, on a small example computed by hand
# --------------------------------------------------------------------------------------------
@pytest.fixture
def hand_log() -> pd.DataFrame:
    # A: 2024-01-01 twice (10 + 5), 01-03, 01-09 (Tue of week 2), 01-14 (Sun of week 2), and
    #    01-22 after as_of.  B: one purchase 01-07 (Sunday).  C: only after as_of.
    return pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "A", "A", "B", "C"],
            "order_date": pd.to_datetime(
                [
                    "2024-01-01 08:00",
                    "2024-01-01 20:30",
                    "2024-01-03 12:00",
                    "2024-01-09 00:00",
                    "2024-01-14 23:59",
                    "2024-01-22 10:00",
                    "2024-01-07 09:00",
                    "2024-01-25 09:00",
                ],
                format="%Y-%m-%d %H:%M",
            ),
            "amount": [10.0, 5.0, 20.0, 30.0, 40.0, 99.0, 7.0, 3.0],
        }
    )


def test_rfm_daily_matches_hand_computed_lifetimes_definition(hand_log):
    # as_of 2024-01-17. A's days: 01-01 (15), 01-03 (20), 01-09 (30), 01-14 (40):
    # frequency 3, recency 13, T 16, monetary (20 + 30 + 40) / 3 = 30.
    # B: frequency 0, recency 0, T = 10, monetary 0.  C: after as_of, absent.
    expected = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "frequency": [3, 0],
            "recency": [13, 0],
            "T": [16, 10],
            "monetary_value": [30.0, 0.0],
        }
    )
    for name, native in natives(hand_log).items():
        got = rfm_summary(native, as_of="2024-01-17")
        assert_same_summary(got, expected)
        if name in ("pandas", "polars"):
            assert type(got) is type(native)


def test_rfm_weekly_matches_hand_computed_lifetimes_definition(hand_log):
    # W-SUN weeks start on Mondays 01-01, 01-08, 01-15.  A: week 0 (15 + 20 = 35) and week 1
    # (30 + 40 = 70): frequency 1, recency 1, T = (01-15 - 01-01) / 7 = 2, monetary 70.
    # B: week 0 (01-07 is a Sunday): T 2.
    expected = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "frequency": [1, 0],
            "recency": [1, 0],
            "T": [2, 2],
            "monetary_value": [70.0, 0.0],
        }
    )
    for native in natives(hand_log).values():
        assert_same_summary(rfm_summary(native, as_of="2024-01-17", freq="W"), expected)


def test_rfm_calibration_holdout_matches_hand_computed(hand_log):
    # calibration_end 01-05, as_of 01-22 (A's 01-22 purchase is in the holdout).
    # A cal: days 01-01, 01-03 → frequency_cal 1, recency_cal 2, T_cal 4, monetary 20.
    # A holdout: 01-09, 01-14, 01-22 → 3 periods; mean purchase (30 + 40 + 99) / 3.
    # B's first purchase (01-07) is after calibration_end: B is not in the result.
    expected = pd.DataFrame(
        {
            "customer_id": ["A"],
            "frequency_cal": [1],
            "recency_cal": [2],
            "T_cal": [4],
            "monetary_value_cal": [20.0],
            "frequency_holdout": [3],
            "monetary_value_holdout": [(30.0 + 40.0 + 99.0) / 3],
            "duration_holdout": [17],
        }
    )
    for native in natives(hand_log).values():
        got = rfm_summary(native, as_of="2024-01-22", calibration_end="2024-01-05")
        assert_same_summary(got, expected)


def test_rfm_without_amount_has_no_monetary_column(hand_log):
    got = rfm_summary(hand_log.drop(columns="amount"), amount_col=None, as_of="2024-01-17")
    assert list(got.columns) == ["customer_id", "frequency", "recency", "T"]
    assert got["frequency"].tolist() == [3, 0]


def test_rfm_accepts_date_typed_columns(hand_log):
    dates = pl.from_pandas(hand_log).with_columns(pl.col("order_date").dt.date())
    expected = rfm_summary(hand_log, as_of="2024-01-17")
    assert dates.schema["order_date"] == pl.Date
    assert_same_summary(rfm_summary(dates, as_of="2024-01-17"), expected)
    assert_same_summary(
        rfm_summary(duckdb.from_arrow(dates.to_arrow()), as_of="2024-01-17"), expected
    )


# --------------------------------------------------------------------------------------------
# engine equivalence on random logs
# --------------------------------------------------------------------------------------------
FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FAST
@given(data=logs(), freq=st.sampled_from(["D", "W"]))
def test_rfm_engines_agree_with_definition(data, freq):
    frame, as_of, _ = data
    expected = reference_rfm(frame, as_of, freq)
    for native in natives(frame).values():
        assert_same_summary(rfm_summary(native, as_of=as_of, freq=freq), expected)


@FAST
@given(data=logs(), freq=st.sampled_from(["D", "W"]))
def test_rfm_calibration_engines_agree_with_definition(data, freq):
    frame, as_of, cal = data
    expected = reference_calibration(frame, as_of, cal, freq)
    for native in natives(frame).values():
        got = rfm_summary(native, as_of=as_of, calibration_end=cal, freq=freq)
        assert_same_summary(got, expected)


@FAST
@given(data=logs())
def test_rfm_invariants(data):
    frame, as_of, _ = data
    got = rfm_summary(frame, as_of=as_of)
    assert (got["recency"] <= got["T"]).all()
    assert (got["frequency"] <= got["recency"]).all()  # one repeat per day at most
    assert ((got["frequency"] == 0) == (got["monetary_value"] == 0)).all()
    kept = frame[frame["order_date"].dt.date <= as_of]
    assert sorted(got["customer_id"]) == sorted(kept["customer_id"].unique())


# --------------------------------------------------------------------------------------------
# cohorts
# --------------------------------------------------------------------------------------------
def reference_cohorts(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    stamp = frame["order_date"]
    if period == "M":
        index = stamp.dt.year * 12 + stamp.dt.month - 1
    elif period == "Q":
        index = stamp.dt.year * 4 + (stamp.dt.month - 1) // 3
    else:
        index = stamp.dt.year
    work = frame.assign(_p=index.astype("int64"))
    work["_c"] = work.groupby("customer_id")["_p"].transform("min")
    work["period"] = work["_p"] - work["_c"]
    out = (
        work.groupby(["_c", "period"])
        .agg(customers=("customer_id", "nunique"), orders=("amount", "size"), revenue=("amount", "sum"))
        .reset_index()
    )

    def label(c: int) -> str:
        if period == "M":
            return f"{c // 12}-{c % 12 + 1:02d}"
        if period == "Q":
            return f"{c // 4}-Q{c % 4 + 1}"
        return str(c)

    out.insert(0, "cohort", [label(c) for c in out["_c"]])
    return out.drop(columns="_c")


@settings(max_examples=25, deadline=None)
@given(data=logs(), period=st.sampled_from(["M", "Q", "Y"]), spread=st.integers(1, 200))
def test_cohort_engines_agree_with_definition(data, period, spread):
    frame, _, _ = data
    # stretch the 60-day log over up to ~33 years so months, quarters and years all vary
    frame = frame.assign(order_date=BASE + (frame["order_date"] - BASE) * spread)
    expected = reference_cohorts(frame, period)
    for native in natives(frame).values():
        got = to_pandas(cohort_table(native, period=period))
        got = got.sort_values(["cohort", "period"], ignore_index=True)
        exp = expected.sort_values(["cohort", "period"], ignore_index=True)
        assert got["cohort"].tolist() == exp["cohort"].tolist()
        for column in ("period", "customers", "orders"):
            assert got[column].astype("int64").tolist() == exp[column].tolist(), column
        np.testing.assert_allclose(got["revenue"], exp["revenue"], rtol=1e-9)


def test_cohort_table_and_triangle_by_hand():
    log = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "C", "C", "D"],
            "order_date": pd.to_datetime(
                ["2024-01-31", "2024-02-01", "2024-04-15", "2024-01-02", "2024-02-29",
                 "2024-03-01", "2024-05-01"]
            ),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    table = cohort_table(log, as_of="2024-04-30")  # D's purchase is ignored
    assert table["cohort"].tolist() == ["2024-01", "2024-01", "2024-01", "2024-02", "2024-02"]
    assert table["period"].tolist() == [0, 1, 3, 0, 1]
    assert table["customers"].tolist() == [2, 1, 1, 1, 1]
    assert table["revenue"].tolist() == [5.0, 2.0, 3.0, 5.0, 6.0]
    tri = cohort_triangle(table, values="customers")
    # the last month in the table is April (= Jan + 3): February's cohort is observed for
    # periods 0..2 (March had C, April had nobody → 0), period 3 is in the future → NaN
    assert tri.loc["2024-01"].tolist() == [2.0, 1.0, 0.0, 1.0]
    assert tri.loc["2024-02"].tolist()[:3] == [1.0, 1.0, 0.0]
    assert np.isnan(tri.loc["2024-02", 3])
    retention = cohort_triangle(table, values="retention")
    assert retention.loc["2024-01"].tolist() == [1.0, 0.5, 0.0, 0.5]
    quarters = cohort_table(log, period="Q")
    assert quarters["cohort"].tolist() == ["2024-Q1", "2024-Q1", "2024-Q2"]
    assert quarters["period"].tolist() == [0, 1, 0]


# --------------------------------------------------------------------------------------------
# channels
# --------------------------------------------------------------------------------------------
def test_channel_summary_by_hand_and_across_engines():
    log = pd.DataFrame(
        {
            "order_id": ["o1", "o1", "o2", "o3", "o4", "o5"],
            "customer_id": ["A", "A", "A", "B", "B", "C"],
            "channel": ["web", "web", "web", "store", "web", "store"],
            "amount": [10.0, 5.0, 30.0, 8.0, 20.0, 12.0],
        }
    )
    for native in natives(log).values():
        got = to_pandas(channel_summary(native, order_col="order_id")).sort_values(
            "channel", ignore_index=True
        )
        assert got["channel"].tolist() == ["store", "web"]
        assert got["orders"].tolist() == [2, 3]  # distinct order ids
        assert got["customers"].tolist() == [2, 2]
        assert got["revenue"].tolist() == [20.0, 65.0]
        assert got["revenue_per_customer"].tolist() == [10.0, 32.5]
        np.testing.assert_allclose(got["revenue_per_order"], [10.0, 65.0 / 3])
    rows = channel_summary(log, by=["customer_id", "channel"])
    assert rows["orders"].tolist() == [3, 1, 1, 1]  # rows when no order_col


@FAST
@given(data=logs(), channels=st.data())
def test_touch_channels_engines_agree(data, channels):
    frame, _, _ = data
    # few distinct stamps → ties at the same timestamp are common
    frame = frame.assign(
        order_date=frame["order_date"].dt.floor("7D"),
        channel=pd.array(
            channels.draw(
                st.lists(
                    st.sampled_from(["web", "app", "store"]),
                    min_size=len(frame),
                    max_size=len(frame),
                )
            ),
            dtype="str",
        ),
    )
    rows = []
    for cust, group in frame.groupby("customer_id"):
        first = group[group["order_date"] == group["order_date"].min()]["channel"].min()
        last = group[group["order_date"] == group["order_date"].max()]["channel"].min()
        rows.append((cust, first, last))
    expected = pd.DataFrame(rows, columns=["customer_id", "first_channel", "last_channel"])
    for native in natives(frame).values():
        got = to_pandas(touch_channels(native)).sort_values("customer_id", ignore_index=True)
        assert got[["customer_id", "first_channel", "last_channel"]].astype(str).equals(
            expected.astype(str)
        )


# --------------------------------------------------------------------------------------------
# scan and to_pandas
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["duckdb", "polars"])
@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_scan_is_lazy_and_gives_the_same_summary(tmp_path, hand_log, engine, suffix):
    path = tmp_path / f"orders{suffix}"
    if suffix == ".parquet":
        hand_log.to_parquet(path)
    else:
        hand_log.to_csv(path, index=False)
    lazy = scan(path, engine=engine)
    assert isinstance(lazy, duckdb.DuckDBPyRelation if engine == "duckdb" else pl.LazyFrame)
    got = rfm_summary(lazy, as_of="2024-01-17")
    assert isinstance(got, duckdb.DuckDBPyRelation if engine == "duckdb" else pl.LazyFrame)
    assert_same_summary(got, rfm_summary(hand_log, as_of="2024-01-17"))


def test_scan_errors(tmp_path):
    with pytest.raises(DataError, match=r"scan \(duckdb\): file .*missing.parquet.* does not exist"):
        scan(tmp_path / "missing.parquet")
    with pytest.raises(ParameterError, match=r"must end in one of .*'\.parquet'.*Got .*orders\.xlsx"):
        scan(tmp_path / "orders.xlsx")
    with pytest.raises(ParameterError, match=r"'engine' parameter of scan must be one of \['duckdb', 'polars'\]"):
        scan(tmp_path / "x.parquet", engine="spark")


def test_to_pandas_returns_pandas_unchanged_and_collects_lazy_frames(hand_log):
    assert to_pandas(hand_log) is hand_log
    for native in natives(hand_log).values():
        out = to_pandas(native)
        assert isinstance(out, pd.DataFrame)
        assert out["amount"].sum() == hand_log["amount"].sum()


# --------------------------------------------------------------------------------------------
# bad input: messages name the function, the engine, the column and the fix
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("engine", ["pandas", "polars", "polars-lazy", "duckdb"])
def test_missing_column_names_engine_column_and_fix(hand_log, engine):
    renamed = hand_log.rename(columns={"order_date": "date"})
    native = natives(renamed)[engine]
    shown = "polars" if engine == "polars-lazy" else engine
    with pytest.raises(DataError) as info:
        rfm_summary(native, as_of="2024-01-17")
    message = str(info.value)
    assert message.startswith(f"rfm_summary ({shown}): column 'order_date' not in transactions.")
    assert "Columns present: ['customer_id', 'date', 'amount']" in message
    assert message.endswith("Pass date_col='date'.")


def test_missing_column_in_other_functions(hand_log):
    with pytest.raises(DataError, match=r"cohort_table \(pandas\): column 'revenue' not in"):
        cohort_table(hand_log, amount_col="revenue")
    with pytest.raises(DataError, match=r"channel_summary \(duckdb\): column 'channel' not in.*Pass by="):
        channel_summary(natives(hand_log)["duckdb"])
    with pytest.raises(DataError, match=r"touch_channels \(polars\): column 'channel' not in"):
        touch_channels(pl.from_pandas(hand_log))


@pytest.mark.parametrize("engine", ["pandas", "polars", "duckdb"])
def test_non_date_column_is_a_data_error_with_a_fix(hand_log, engine):
    text = hand_log.assign(order_date=hand_log["order_date"].dt.strftime("%Y-%m-%d"))
    with pytest.raises(DataError) as info:
        rfm_summary(natives(text)[engine], as_of="2024-01-17")
    message = str(info.value)
    assert f"rfm_summary ({engine}): column 'order_date' (date_col) must hold dates" in message
    assert "'2024-01-01'" in message  # echoes example values
    assert "Convert it first" in message


def test_non_numeric_amount_is_a_data_error(hand_log):
    with pytest.raises(DataError, match=r"column 'amount' \(amount_col\) must be numeric.*'10.0'"):
        rfm_summary(hand_log.assign(amount=hand_log["amount"].astype(str)), as_of="2024-01-17")


@pytest.mark.parametrize("bad", [[1, 2, 3], {"customer_id": ["A"]}, np.zeros((2, 2)), "orders.csv"])
def test_unsupported_frame_type_is_a_parameter_error(bad):
    with pytest.raises(ParameterError) as info:
        rfm_summary(bad, as_of="2024-01-17")
    message = str(info.value)
    assert "rfm_summary: 'transactions' must be a pandas or Polars DataFrame" in message
    assert f"Got a {type(bad).__module__}.{type(bad).__name__} instead" in message
    assert "scan(path)" in message


def test_bad_parameters(hand_log):
    with pytest.raises(ParameterError, match=r"'freq' parameter of rfm_summary must be one of \['D', 'W'\]. Got 'M'"):
        rfm_summary(hand_log, as_of="2024-01-17", freq="M")
    with pytest.raises(ParameterError, match=r"'as_of' parameter of rfm_summary must be a date.*Got 'soon'"):
        rfm_summary(hand_log, as_of="soon")
    with pytest.raises(ParameterError, match=r"'calibration_end' .* must be a day before as_of \(2024-01-17\)"):
        rfm_summary(hand_log, as_of="2024-01-17", calibration_end="2024-01-17")
    with pytest.raises(ParameterError, match=r"'period' parameter of cohort_table"):
        cohort_table(hand_log, period="W")
    with pytest.raises(ParameterError, match=r"'customer_col' parameter of rfm_summary must be a column name"):
        rfm_summary(hand_log, as_of="2024-01-17", customer_col=3)
    with pytest.raises(ParameterError, match=r"'transactions' must be .*not a Series"):
        rfm_summary(hand_log["amount"], as_of="2024-01-17")
