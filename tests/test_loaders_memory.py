"""The memory-lean paths of ``read_transactions`` give exactly the answers of the plain ones.

``benchmarks/bench_loaders.py`` measures the memory; these tests pin the behaviour: Arrow's
date cast against ``pandas.to_datetime``, factorizing by sorting against hashing, the
row-hash duplicate check against ``DataFrame.duplicated`` (hash collisions included), and
row-by-row coding of nearly unique dates against the dictionary coding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlib.datasets import _loaders as L
from crmlib.datasets import read_transactions

ISO_EDGE_CASES = [
    "2024-01-05 10:30", "2024-01-05T10:30:00", "2024-01-05", "2024-01-05 10:30:00.123456",
    "2024-01-05 10:30:00.1", "2024-02-29", "2024-02-30", "2023-02-29", "2024-01-05 24:00:00",
    "2024-01-05 23:59:60", "0001-01-01", "9999-12-31 23:59:59", "2024-01-05 10", "2024-13-01",
    "1900-01-01 00:00:00", "2024-01-05T10:30:00.000000", "2024-01-05 10:60",
    "2024-01-05T10:30:00+02:00", "2024-01-05 10:30:00Z", "5 Jan 2024", "not a date",
    "2024-01-05 10:30:00.1234567",
]


def _strings(values):
    return pd.Series(pd.array(values, dtype="string"))


def _pandas_dates(values, fmt):
    """The reference: pandas on each value alone (zones converted to UTC, then dropped).

    Value by value, because one pandas call on a mix picks one resolution for all: a single
    value with 100 ns digits turns 0001-01-01 into NaT (out of the nanosecond range).
    """
    out = []
    for value in values:
        one = pd.to_datetime(np.asarray([value], dtype=object), format=fmt, errors="coerce", utc=True)
        out.append(pd.DatetimeIndex(one).tz_convert(None).as_unit("us").to_numpy()[0])
    return np.array(out, dtype="datetime64[us]")


@pytest.mark.parametrize("chunk", [1, 3, 1 << 16])
def test_arrow_date_cast_agrees_with_pandas_on_every_edge_case(monkeypatch, chunk):
    # A chunk that Arrow refuses (an impossible date) falls back to pandas: small chunks
    # put the refused values alone, a large one puts them with good values.
    monkeypatch.setattr(L, "_DATE_CHUNK", chunk)
    values = ISO_EDGE_CASES * 3
    got, had_tz = L._dates_of(_strings(values), "ISO8601")
    np.testing.assert_array_equal(got, _pandas_dates(values, "ISO8601"))
    assert had_tz  # the zoned values were seen


@settings(max_examples=60, deadline=None)
@given(st.lists(st.datetimes(min_value=pd.Timestamp("1950-01-01").to_pydatetime(),
                             max_value=pd.Timestamp("2100-01-01").to_pydatetime()),
                min_size=1, max_size=40),
       st.sampled_from(["%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f"]),
       st.integers(1, 7))
def test_arrow_date_cast_agrees_with_pandas_on_generated_timestamps(stamps, layout, chunk):
    values = [s.strftime(layout) for s in stamps]
    saved = L._DATE_CHUNK
    L._DATE_CHUNK = chunk
    try:
        got, had_tz = L._dates_of(_strings(values), "ISO8601")
    finally:
        L._DATE_CHUNK = saved
    np.testing.assert_array_equal(got, _pandas_dates(values, "ISO8601"))
    assert not had_tz


def test_other_formats_are_parsed_in_chunks_exactly_as_in_one_call(monkeypatch):
    monkeypatch.setattr(L, "_DATE_CHUNK", 2)
    values = ["05/01/2024", "31/12/2023", "13/13/2024", "01/02/2024 10:00", "29/02/2023"]
    got, _ = L._dates_of(_strings(values), "%d/%m/%Y")
    np.testing.assert_array_equal(got, _pandas_dates(values, "%d/%m/%Y"))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "C1", "", " x", "é", "10"])),
                min_size=0, max_size=30))
def test_factorizing_by_sorting_agrees_with_hashing(values):
    arrow = pa.chunked_array([pa.array(values, pa.large_string())])
    for by_sorting in (False, True):
        codes, dictionary = L._encode(arrow, by_sorting=by_sorting)
        assert codes.dtype == np.int32
        decoded = [None if c < 0 else dictionary[int(c)].as_py() for c in codes]
        assert decoded == values
        assert len(set(dictionary.to_pylist())) == len(dictionary)  # each text once


def _exact_repeats(columns, rows):
    frame = pd.DataFrame({i: c[rows] for i, c in enumerate(columns)})
    return rows[frame.duplicated(keep="first").to_numpy()]


key_columns = st.integers(1, 4).flatmap(
    lambda k: st.integers(0, 40).flatmap(
        lambda n: st.tuples(*[
            st.one_of(
                st.lists(st.integers(-2, 3), min_size=n, max_size=n).map(lambda v: np.array(v, dtype=np.int32)),
                st.lists(st.sampled_from([0.0, 1.5, np.nan, -2.0]), min_size=n, max_size=n).map(np.array),
            )
            for _ in range(k)
        ])
    )
)


@settings(max_examples=120, deadline=None)
@given(key_columns, st.data())
def test_row_hash_duplicates_agree_with_dataframe_duplicated(columns, data):
    columns = list(columns)
    n = len(columns[0])
    rows = np.array(sorted(data.draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n))) if n else [],
                    dtype=np.int64)
    expected = _exact_repeats(columns, rows)
    np.testing.assert_array_equal(L._repeats(columns, rows), expected)
    # Every row colliding with every other: the exact comparison must settle it alone.
    saved = L._row_hash
    L._row_hash = lambda cols, r: np.zeros(len(r), dtype=np.uint64)
    try:
        np.testing.assert_array_equal(L._repeats(columns, rows), expected)
    finally:
        L._row_hash = saved


def test_nearly_unique_dates_read_exactly_as_with_a_dictionary(monkeypatch, tmp_path):
    rng = np.random.default_rng(3)
    n = 400
    stamps = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 10**8, n), unit="s")
    dates = pd.Series(stamps.strftime("%Y-%m-%d %H:%M:%S"))
    dates[[5, 77]] = ["not a date", " 2023-05-01 10:00:00 "]
    dates[[9, 200]] = ["NULL", ""]
    frame = pd.DataFrame({
        "customer_id": rng.integers(0, 50, n).astype(str),
        "order_date": dates,
        "amount": rng.integers(1, 500, n).astype(str),
    })
    frame = pd.concat([frame, frame.iloc[[3, 4]]], ignore_index=True)  # two exact repeats
    path = tmp_path / "log.csv"
    frame.to_csv(path, index=False)
    monkeypatch.setattr(L, "_UNIQUE_SAMPLE", 1 << 30)  # never "nearly unique": dictionary coding
    plain = read_transactions(path)
    monkeypatch.setattr(L, "_UNIQUE_SAMPLE", 64)  # always: row-by-row coding
    lean = read_transactions(path)
    pd.testing.assert_frame_equal(lean.data, plain.data)
    pd.testing.assert_frame_equal(lean.set_aside, plain.set_aside)
    assert lean.reconciliation == plain.reconciliation
    assert lean.notes == plain.notes
    assert lean.reconciliation.set_aside["duplicate"] == 2
