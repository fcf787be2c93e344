"""crmlib.engine on local PySpark: the same answers as pandas, Polars and DuckDB.

One session-scoped ``local[1]`` SparkSession with ``spark.sql.session.timeZone=UTC``.  Skipped
when pyspark is not importable, except when the ``CI`` environment variable is set (then a
missing pyspark is a failure).
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    import pyspark  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    if os.environ.get("CI"):
        raise
    pytest.skip("pyspark is not installed (pip install 'crmlib[spark]')", allow_module_level=True)

from test_engine import (  # the strategy and the reference implementations
    assert_same_summary,
    logs,
    natives,
    reference_calibration,
    reference_cohorts,
    reference_rfm,
)

from crmlib.engine import channel_summary, cohort_table, rfm_summary, to_pandas, touch_channels
from crmlib.exceptions import DataError

pytestmark = [
    pytest.mark.spark,
    # PySpark 4.3 warns that it does not fully support pandas 3 when it converts frames
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

SPARK = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("crmlib-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def to_spark(spark, frame: pd.DataFrame):
    return spark.createDataFrame(frame)


def test_session_is_utc(spark):
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"


def test_hand_example_and_result_type(spark):
    log = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B"],
            "order_date": pd.to_datetime(
                ["2024-01-01 08:00", "2024-01-01 23:30", "2024-01-05 00:00", "2024-01-10 12:00",
                 "2024-01-03 06:00"]
            ),
            "amount": [10.0, 5.0, 20.0, 40.0, 7.0],
        }
    )
    got = rfm_summary(to_spark(spark, log), as_of="2024-01-15")
    from pyspark.sql import DataFrame

    assert isinstance(got, DataFrame)  # lazy, in Spark
    expected = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "frequency": [2, 0],
            "recency": [9, 0],
            "T": [14, 12],
            "monetary_value": [30.0, 0.0],
        }
    )
    assert_same_summary(got, expected)
    assert isinstance(to_pandas(got), pd.DataFrame)


@SPARK
@given(data=logs(max_rows=30), freq=st.sampled_from(["D", "W"]))
def test_rfm_spark_agrees_with_other_engines(spark, data, freq):
    frame, as_of, _ = data
    expected = reference_rfm(frame, as_of, freq)
    assert_same_summary(rfm_summary(to_spark(spark, frame), as_of=as_of, freq=freq), expected)
    # and with DuckDB on the same log (identical integers, monetary within 1e-9)
    duck = to_pandas(rfm_summary(natives(frame)["duckdb"], as_of=as_of, freq=freq))
    assert_same_summary(rfm_summary(to_spark(spark, frame), as_of=as_of, freq=freq), duck)


@SPARK
@given(data=logs(max_rows=30), freq=st.sampled_from(["D", "W"]))
def test_rfm_calibration_spark_agrees(spark, data, freq):
    frame, as_of, cal = data
    expected = reference_calibration(frame, as_of, cal, freq)
    got = rfm_summary(to_spark(spark, frame), as_of=as_of, calibration_end=cal, freq=freq)
    assert_same_summary(got, expected)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=logs(max_rows=30), period=st.sampled_from(["M", "Q", "Y"]), spread=st.integers(1, 200))
def test_cohorts_spark_agree(spark, data, period, spread):
    frame, _, _ = data
    frame = frame.assign(order_date=dt.datetime(2024, 1, 1) + (frame["order_date"] - dt.datetime(2024, 1, 1)) * spread)
    expected = reference_cohorts(frame, period).sort_values(["cohort", "period"], ignore_index=True)
    got = to_pandas(cohort_table(to_spark(spark, frame), period=period))
    got = got.sort_values(["cohort", "period"], ignore_index=True)
    assert got["cohort"].tolist() == expected["cohort"].tolist()
    for column in ("period", "customers", "orders"):
        assert got[column].astype("int64").tolist() == expected[column].tolist()
    np.testing.assert_allclose(got["revenue"], expected["revenue"], rtol=1e-9)


def test_channels_and_touches_spark(spark):
    log = pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "B", "C"],
            "order_date": pd.to_datetime(
                ["2024-01-01", "2024-01-05", "2024-01-05", "2024-01-02", "2024-01-02", "2024-01-09"]
            ),
            "channel": ["web", "store", "app", "web", "app", "store"],
            "amount": [10.0, 5.0, 30.0, 8.0, 20.0, 12.0],
        }
    )
    summary = to_pandas(channel_summary(to_spark(spark, log))).sort_values("channel", ignore_index=True)
    assert summary["channel"].tolist() == ["app", "store", "web"]
    assert summary["orders"].tolist() == [2, 2, 2]
    assert summary["customers"].tolist() == [2, 2, 2]
    assert summary["revenue"].tolist() == [50.0, 17.0, 18.0]
    touches = to_pandas(touch_channels(to_spark(spark, log))).sort_values("customer_id", ignore_index=True)
    assert touches["first_channel"].tolist() == ["web", "app", "store"]
    assert touches["last_channel"].tolist() == ["app", "app", "store"]  # ties → alphabetical


def test_date_columns_do_not_depend_on_the_session_time_zone(spark):
    """With DateType (or TimestampNTZ) columns, the session time zone cannot shift a day."""
    from pyspark.sql import functions as F

    log = pd.DataFrame(
        {
            "customer_id": ["A", "A", "B"],
            "order_date": pd.to_datetime(["2024-01-01 23:30", "2024-01-08 00:30", "2024-01-07 12:00"]),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    expected = rfm_summary(log, as_of="2024-01-14", freq="W")
    base = to_spark(spark, log)
    as_dates = base.withColumn("order_date", F.to_date("order_date"))
    as_ntz = base.withColumn("order_date", F.col("order_date").cast("timestamp_ntz"))
    try:
        spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
        for frame in (as_dates, as_ntz):
            assert_same_summary(rfm_summary(frame, as_of="2024-01-14", freq="W"), expected)
    finally:
        spark.conf.set("spark.sql.session.timeZone", "UTC")


def test_missing_column_message_names_pyspark(spark):
    log = pd.DataFrame({"cust": ["A"], "date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    with pytest.raises(DataError) as info:
        rfm_summary(to_spark(spark, log), as_of="2024-01-02")
    message = str(info.value)
    assert message.startswith("rfm_summary (pyspark): column 'customer_id' not in transactions.")
    assert "Columns present: ['cust', 'date', 'amount']. Pass customer_col='cust'." in message
