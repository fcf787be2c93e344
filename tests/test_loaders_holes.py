"""read_transactions: the holes found in review, each with a test that failed on the old code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.datasets import read_transactions
from crmlib.exceptions import DataError, ParameterError


def counts(tx) -> dict[str, int]:
    return {k: v for k, v in tx.reconciliation.set_aside.items() if v}


def frame_of(**cols):
    n = len(next(iter(cols.values())))
    base = {"customer_id": [f"C{i}" for i in range(n)], "order_date": ["2024-01-01"] * n, "amount": [10.0] * n}
    base.update(cols)
    return pd.DataFrame(base)


# 2. duplicates are judged on the whole row -------------------------------------------------


def test_rows_differing_in_an_unmapped_column_are_not_duplicates():
    frame = frame_of(customer_id=["A", "A", "A"], product=["P1", "P2", "P1"])
    tx = read_transactions(frame)
    assert counts(tx) == {"duplicate": 1}
    assert tx.set_aside["row_number"].tolist() == [2]
    assert any("'product'" in n and "same value in every column" in n for n in tx.notes)
    assert any("order-line export" in n for n in tx.notes)


# 3. text placeholders in a DataFrame are missing, as in a CSV --------------------------------


@pytest.mark.parametrize("text", ["nan", "NULL", "None", "#N/A", ""])
def test_dataframe_placeholders_are_missing_as_in_a_csv(text, tmp_path):
    frame = frame_of(customer_id=["A", text, "B"])
    tx = read_transactions(frame)
    assert counts(tx) == {"missing_customer_id": 1}
    path = tmp_path / "orders.csv"
    frame.to_csv(path, index=False)
    assert counts(read_transactions(path)) == counts(tx)


# 9. as_of goes through the base layer's date parser ------------------------------------------


def test_ambiguous_as_of_is_refused_with_both_readings():
    with pytest.raises(ParameterError, match=r"'as_of' parameter .* '05/06/2024'.*05 June 2024"):
        read_transactions(frame_of(amount=[1.0]), as_of="05/06/2024")


# 5. refund-like status values are noted ------------------------------------------------------


def test_refund_like_statuses_are_listed_in_the_notes():
    frame = frame_of(status=["shipped", "Refunded", "returned", "chargeback", "cancelled"])
    tx = read_transactions(frame)
    assert counts(tx) == {"cancellation": 1}
    note = next(n for n in tx.notes if "refund" in n)
    assert "'Refunded'" in note and "'returned'" in note and "'chargeback'" in note
    assert "'shipped'" not in note and "cancellation_values=" in note


# 7. binary files renamed .csv ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "what"),
    [(b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50, "ZIP archive"),
     (b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "PNG image"),
     (b"abc\x00\x01\x02\x00\x00" * 20, "NUL bytes")],
)
def test_binary_file_renamed_csv_is_not_a_text_file(tmp_path, head, what):
    path = tmp_path / "orders.csv"
    path.write_bytes(head)
    with pytest.raises(DataError, match="is not a text file") as err:
        read_transactions(path)
    assert what in str(err.value) and "not valid" not in str(err.value)


# 1. day/month settled on all distinct dates; calendar order breaks a tie ----------------------


def test_day_first_dates_after_the_first_500_distinct_values_decide():
    early = pd.date_range("2020-01-01", periods=2000, freq="D")
    early = [d for d in early if d.day <= 12][:600]
    late = pd.date_range("2024-03-13", periods=10, freq="D")
    dates = [f"{d:%d/%m/%Y}" for d in [*early, *late]]
    tx = read_transactions(frame_of(order_date=dates))
    assert tx.reconciliation.rows_set_aside == 0
    assert tx.date_format == "%d/%m/%Y"
    assert tx.data["order_date"].iloc[0] == pd.Timestamp("2020-01-01")
    assert tx.data["order_date"].iloc[1] == pd.Timestamp("2020-01-02")
    assert any("distinct values" in n for n in tx.notes)


def test_ambiguous_dates_are_read_in_calendar_order():
    days = [d for d in pd.date_range("2024-01-01", "2024-12-31", freq="D") if d.day <= 12]
    tx = read_transactions(frame_of(order_date=[f"{d:%d/%m/%Y}" for d in days]))
    assert tx.date_format == "%d/%m/%Y"
    assert tx.data["order_date"].is_monotonic_increasing
    assert any("calendar order" in n for n in tx.notes)


# 6. naive and zone-aware timestamps mixed ------------------------------------------------------


def test_mixed_naive_and_zoned_timestamps_get_a_note():
    tx = read_transactions(frame_of(order_date=["2024-01-01T10:00:00+01:00", "2024-01-01T10:00:00"]))
    assert any("mix values with a time zone" in n for n in tx.notes)


# 8. Excel serial dates and epoch seconds -------------------------------------------------------


def test_excel_serial_dates_are_recognised():
    tx = read_transactions(frame_of(order_date=[45292, 45293]))
    assert tx.data["order_date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")]
    assert tx.date_format == "Excel serial days"
    assert any("Excel serial" in n for n in tx.notes)


def test_epoch_seconds_are_recognised_and_odd_numbers_refused():
    tx = read_transactions(frame_of(order_date=["1704067200", "1704153600"]))
    assert tx.data["order_date"].tolist() == [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-02")]
    with pytest.raises(DataError, match="plain numbers .* Excel serial days"):
        read_transactions(frame_of(order_date=[3, 4]))


# 4. placeholder and implausible dates have their own reason ------------------------------------


def test_placeholder_and_future_dates_are_implausible():
    frame = frame_of(order_date=["1900-01-01", "1970-01-01", "1949-12-31", "2024-06-01",
                                 "2026-01-01", "2024-12-31", "1950-01-01"])
    tx = read_transactions(frame, as_of="2024-06-30")
    assert counts(tx) == {"implausible_date": 4, "after_as_of": 1}
    assert tx.set_aside.loc[tx.set_aside["reason"] == "implausible_date", "row_number"].tolist() == [0, 1, 2, 4]
    future = frame_of(order_date=[f"{pd.Timestamp.now().year + 2}-01-01", "2024-01-01"])
    assert counts(read_transactions(future)) == {"implausible_date": 1}
