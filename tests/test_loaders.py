"""read_transactions: bad inputs get clear errors or a reconciliation that accounts for every row."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmlib.datasets import Reconciliation, TransactionData, read_transactions
from crmlib.datasets._loaders import REASONS
from crmlib.exceptions import DataError, ParameterError

FIXTURES = Path(__file__).parent / "fixtures" / "loaders"
UCI_COLUMNS = {
    "customer_id": "CustomerID",
    "order_date": "InvoiceDate",
    "amount": "Revenue",
    "order_id": "InvoiceNo",
    "quantity": "Quantity",
}


def write(tmp_path: Path, text: str, name: str = "orders.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def counts(tx: TransactionData) -> dict[str, int]:
    """Non-zero set-aside counts."""
    return {k: v for k, v in tx.reconciliation.set_aside.items() if v}


def assert_balanced(tx: TransactionData) -> None:
    rec = tx.reconciliation
    assert rec.rows_read == rec.rows_kept + rec.rows_set_aside
    assert len(tx.data) == rec.rows_kept
    assert len(tx.set_aside) == rec.rows_set_aside
    assert tx.set_aside["reason"].value_counts().reindex(list(REASONS), fill_value=0).to_dict() == dict(
        rec.set_aside
    )


# --------------------------------------------------------------------------------------
# The mixed good/bad fixture: one row per rule
# --------------------------------------------------------------------------------------


def test_messy_file_reconciles_every_row_with_the_first_matching_reason():
    tx = read_transactions(FIXTURES / "messy_orders.csv", as_of="2024-12-31")
    assert_balanced(tx)
    assert tx.reconciliation.rows_read == 15
    assert tx.reconciliation.rows_kept == 3
    assert dict(tx.reconciliation.set_aside) == {
        "missing_customer_id": 3,
        "unparseable_date": 1,
        "implausible_date": 0,
        "unparseable_amount": 1,
        "cancellation": 3,
        "non_positive_amount": 2,
        "after_as_of": 1,
        "duplicate": 1,
    }
    by_row = dict(zip(tx.set_aside["row_number"], tx.set_aside["reason"].astype(str), strict=True))
    assert by_row == {
        2: "missing_customer_id", 3: "missing_customer_id", 4: "unparseable_date",
        5: "unparseable_amount", 6: "cancellation", 7: "cancellation", 8: "cancellation",
        9: "non_positive_amount", 10: "non_positive_amount", 11: "after_as_of", 12: "duplicate",
        13: "missing_customer_id",  # also a bad date, negative and cancelled: first rule wins
    }
    # Set-aside rows are the source rows, unchanged.
    assert tx.set_aside.loc[tx.set_aside["row_number"] == 7, "order_id"].item() == "C536379"
    assert tx.set_aside.loc[tx.set_aside["row_number"] == 5, "amount"].item() == "abc"


def test_messy_file_kept_rows_are_typed_and_keep_time_of_day():
    tx = read_transactions(FIXTURES / "messy_orders.csv", as_of="2024-12-31")
    data = tx.data
    assert list(data.columns) == [
        "customer_id", "order_date", "amount", "order_id", "quantity", "channel", "status"
    ]
    assert data["customer_id"].dtype == "string"
    assert str(data["order_date"].dtype) == "datetime64[us]"
    assert data["amount"].dtype == "float64"
    assert str(data["quantity"].dtype) == "Int64"
    assert data["customer_id"].tolist() == ["C001", "C002", "C007"]
    assert data["amount"].tolist() == [1234.50, 19.99, 7.5]
    assert data["order_date"].iloc[0] == pd.Timestamp("2024-01-05 09:15:00")
    # as_of given as a date includes the whole day
    assert data["order_date"].iloc[2] == pd.Timestamp("2024-12-31 23:59:59")
    assert pd.isna(data["quantity"].iloc[2])
    assert any("quantity" in note for note in tx.notes)


def test_summary_html_and_frame_report_the_counts():
    tx = read_transactions(FIXTURES / "messy_orders.csv", as_of="2024-12-31")
    text = tx.summary()
    assert re.search(r"rows read\s+15\n", text)
    assert re.search(r"cancellation\s+3\s+20\.0%", text)
    assert "customers: 3" in text
    html = tx._repr_html_()
    assert "messy_orders.csv" in html and "<table>" in html and "after_as_of" in html
    frame = tx.reconciliation.to_frame()
    assert frame["rows"].sum() == 15
    assert frame.loc["kept", "rows"] == 3
    assert frame["share"].sum() == pytest.approx(1.0)
    assert "duplicate" in tx.reconciliation._repr_html_()


def test_logs_one_info_line(caplog):
    with caplog.at_level(logging.INFO, logger="crmlib.datasets"):
        read_transactions(FIXTURES / "messy_orders.csv")
    records = [r for r in caplog.records if r.name == "crmlib.datasets"]
    assert len(records) == 1
    assert records[0].levelno == logging.INFO
    assert "read 15 rows" in records[0].getMessage()
    assert "missing_customer_id 3" in records[0].getMessage()


# --------------------------------------------------------------------------------------
# Column mapping
# --------------------------------------------------------------------------------------


def test_missing_required_column_names_it_lists_columns_and_suggests_the_fix():
    with pytest.raises(DataError) as err:
        read_transactions(FIXTURES / "uci_online_retail_sample.csv")
    msg = str(err.value)
    assert "'customer_id' (closest: 'CustomerID')" in msg
    assert "'order_date' (closest: 'InvoiceDate')" in msg
    assert "'amount' (closest: 'Revenue')" in msg
    assert "Columns present: ['InvoiceNo'" in msg
    assert "columns={'customer_id': 'CustomerID', 'order_date': 'InvoiceDate', 'amount': 'Revenue'}" in msg


def test_missing_column_without_a_close_match_still_gives_the_fix(tmp_path):
    path = write(tmp_path, "customer_id,order_date,foo\nA,2024-01-01,3\n")
    with pytest.raises(DataError, match=r"required column 'amount' not found") as err:
        read_transactions(path)
    assert "columns={'amount': '<your column>'}" in str(err.value)


def test_mapping_to_a_column_that_does_not_exist_names_both(tmp_path):
    with pytest.raises(DataError) as err:
        read_transactions(
            FIXTURES / "uci_online_retail_sample.csv", {**UCI_COLUMNS, "amount": "Revenu"}
        )
    msg = str(err.value)
    assert "columns={'amount': 'Revenu'} names a column that is not in" in msg
    assert "Did you mean 'Revenue'?" in msg
    assert "Pass columns={'amount': 'Revenue'}" in msg


def test_case_insensitive_match_without_mapping():
    frame = pd.DataFrame({"Customer_ID": ["a"], "ORDER_DATE": ["2024-01-01"], "Amount": ["3"]})
    tx = read_transactions(frame)
    assert tx.columns == {"customer_id": "Customer_ID", "order_date": "ORDER_DATE", "amount": "Amount"}
    assert tx.data["amount"].tolist() == [3.0]


def test_two_columns_matching_case_insensitively_is_an_error():
    frame = pd.DataFrame(
        {"customer_id": ["a"], "order_date": ["2024-01-01"], "Amount": [1], "AMOUNT": [2]}
    )
    with pytest.raises(DataError, match=r"'amount' matches several columns .*\['Amount', 'AMOUNT'\]"):
        read_transactions(frame)


def test_reversed_mapping_gets_a_hint():
    frame = pd.DataFrame({"cust": ["a"], "order_date": ["2024-01-01"], "amount": [1]})
    with pytest.raises(ParameterError, match=r"did you mean columns=\{'customer_id': 'cust'\}"):
        read_transactions(frame, {"cust": "customer_id"})


def test_same_source_column_for_two_canonical_names_is_an_error():
    frame = pd.DataFrame({"id": ["a"], "order_date": ["2024-01-01"], "amount": [1]})
    with pytest.raises(DataError, match=r"'id' .* mapped to both 'customer_id' and 'order_id'"):
        read_transactions(frame, {"customer_id": "id", "order_id": "id"})


def test_duplicate_header_names_are_an_error(tmp_path):
    path = write(tmp_path, "customer_id,order_date,amount,amount\nA,2024-01-01,3,4\n")
    with pytest.raises(DataError, match=r"column 'amount' \(used as 'amount'\) appears 2 times"):
        read_transactions(path)


def test_optional_column_can_be_switched_off():
    frame = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "order_date": ["2024-01-01"] * 3, "amount": [1, 2, 3],
         "status": ["cancelled", "cancelled", "shipped"]}
    )
    assert read_transactions(frame).reconciliation.set_aside["cancellation"] == 2
    tx = read_transactions(frame, {"status": None})
    assert tx.reconciliation.rows_kept == 3
    assert "status" not in tx.data.columns


# --------------------------------------------------------------------------------------
# Files that cannot be used
# --------------------------------------------------------------------------------------


def test_file_not_found_suggests_near_names(tmp_path):
    write(tmp_path, "customer_id,order_date,amount\n", name="orders_2024.csv")
    with pytest.raises(DataError) as err:
        read_transactions(tmp_path / "orders_2042.csv")
    msg = str(err.value)
    assert "not found" in msg and "orders_2042.csv" in msg
    assert "Did you mean 'orders_2024.csv'?" in msg


def test_empty_file_says_zero_bytes(tmp_path):
    path = write(tmp_path, "")
    with pytest.raises(DataError, match=r"'orders.csv' is empty \(0 bytes\)"):
        read_transactions(path)


def test_header_only_file_says_so(tmp_path):
    path = write(tmp_path, "customer_id,order_date,amount\n")
    with pytest.raises(DataError) as err:
        read_transactions(path)
    msg = str(err.value)
    assert "has a header but no rows" in msg
    assert "['customer_id', 'order_date', 'amount']" in msg


def test_blank_lines_only_file(tmp_path):
    path = write(tmp_path, "\n\n\n")
    with pytest.raises(DataError, match="no header line"):
        read_transactions(path)


@pytest.mark.parametrize(
    ("sep", "label", "fix"),
    [(";", ";-separated", "sep=';'"), ("\t", "tab-separated", "sep='\\t'"), ("|", "|-separated", "sep='|'")],
)
def test_wrong_delimiter_is_detected(tmp_path, sep, label, fix):
    text = sep.join(["customer_id", "order_date", "amount"]) + "\n" + sep.join(["A", "2024-01-01", "1,5"]) + "\n"
    path = write(tmp_path, text)
    with pytest.raises(DataError) as err:
        read_transactions(path)
    msg = str(err.value)
    assert label in msg and fix in msg
    assert "gave a single column" in msg


def test_semicolon_file_reads_with_sep_and_decimal_comma():
    cols = {"customer_id": "Kundennummer", "order_date": "Bestelldatum", "amount": "Umsatz"}
    tx = read_transactions(FIXTURES / "semicolon_orders.csv", cols, sep=";", decimal=",")
    assert tx.data["amount"].tolist() == [1234.50, 19.99, 5.00]
    # dotted dates are read day-first; the ambiguity is noted
    assert tx.data["order_date"].tolist() == [
        pd.Timestamp("2024-01-05 09:15"), pd.Timestamp("2024-01-06 10:00"), pd.Timestamp("2024-01-07 18:30")
    ]
    assert any("ambiguous" in n for n in tx.notes)


def test_tsv_extension_defaults_to_tab(tmp_path):
    path = write(tmp_path, "customer_id\torder_date\tamount\nA\t2024-01-01\t1,234.5\n", name="o.tsv")
    assert read_transactions(path).data["amount"].tolist() == [1234.5]


def test_non_utf8_file_names_the_byte_and_suggests_encodings():
    with pytest.raises(DataError) as err:
        read_transactions(FIXTURES / "gbk_orders.csv")
    msg = str(err.value)
    assert "not valid utf-8" in msg
    assert "at byte 0 (line 1)" in msg
    assert "encoding=" in msg and "'gb18030'" in msg and "'latin-1'" in msg


def test_non_utf8_byte_in_a_data_row_gives_its_line(tmp_path):
    text = "customer_id,order_date,amount\nA,2024-01-01,1\nJosé,2024-01-02,2\n"
    path = write(tmp_path, text, encoding="cp1252")
    with pytest.raises(DataError) as err:
        read_transactions(path)
    position = text.encode("cp1252").index(b"\xe9")
    assert f"at byte {position} (line 3)" in str(err.value)
    tx = read_transactions(path, encoding="cp1252")
    assert tx.data["customer_id"].tolist() == ["A", "José"]


def test_utf16_file_gets_the_utf16_hint(tmp_path):
    path = write(tmp_path, "customer_id,order_date,amount\nA,2024-01-01,1\n", encoding="utf-16")
    with pytest.raises(DataError, match=r"pass encoding= one of 'utf-16' \(the file starts with a UTF-16 byte-order mark\)"):
        read_transactions(path)
    assert read_transactions(path, encoding="utf-16").data["customer_id"].tolist() == ["A"]


def test_gbk_file_reads_with_the_right_encoding():
    cols = {"customer_id": "客户编号", "order_date": "下单时间", "amount": "金额"}
    tx = read_transactions(FIXTURES / "gbk_orders.csv", cols, encoding="gb18030")
    assert tx.data["customer_id"].tolist() == ["K001", "K002", "K003"]
    assert tx.data["amount"].tolist() == [1234.50, 88.0, 15.20]
    assert tx.set_aside.empty
    assert "客户姓名" in tx.set_aside.columns  # the source columns are kept for set-aside rows


def test_most_dates_unparseable_suggests_a_date_format(tmp_path):
    rows = "\n".join(f"C{i},{d}/01/2024,10" for i, d in enumerate(range(13, 25)))
    path = write(tmp_path, "customer_id,order_date,amount\n" + rows + "\n")
    with pytest.raises(DataError) as err:
        read_transactions(path, date_format="%m/%d/%Y")
    msg = str(err.value)
    assert "column 'order_date'" in msg
    assert "12 of 12 non-empty values (100%) could not be parsed" in msg
    assert "'13/01/2024'" in msg
    assert "Dates must match date_format='%m/%d/%Y'" in msg
    assert "Pass date_format='%d/%m/%Y'" in msg
    # Without a format, the day-first reading is found from the data.
    tx = read_transactions(path)
    assert tx.date_format == "%d/%m/%Y"
    assert tx.data["order_date"].iloc[0] == pd.Timestamp("2024-01-13")


def test_unknown_date_words_fail_with_generic_hint():
    frame = pd.DataFrame({"customer_id": ["a", "b", "c"], "order_date": ["soon", "later", "2024-01-01"], "amount": [1, 2, 3]})
    with pytest.raises(DataError, match=r"2 of 3 non-empty values .* e.g. 'soon', 'later'.*date_format="):
        read_transactions(frame)


def test_most_amounts_unparseable_suggests_decimal_comma():
    frame = pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "order_date": ["2024-01-01"] * 3, "amount": ["1.234,50", "12,50", "3,99"]}
    )
    with pytest.raises(DataError, match=r"column 'amount'.*pass decimal=','"):
        read_transactions(frame)
    assert read_transactions(frame, decimal=",").data["amount"].tolist() == [1234.5, 12.5, 3.99]


def test_no_usable_row_includes_the_reconciliation():
    frame = pd.DataFrame(
        {"customer_id": ["a", None, "c"], "order_date": ["2024-01-01"] * 3, "amount": [-1, 2, 0]}
    )
    with pytest.raises(DataError) as err:
        read_transactions(frame)
    msg = str(err.value)
    assert "no usable row" in msg and "all 3 rows were set aside" in msg
    assert "non_positive_amount" in msg and "missing_customer_id" in msg


@pytest.mark.parametrize("source", [42, ["a", "b"], {"customer_id": [1]}])
def test_unsupported_source_type(source):
    with pytest.raises(DataError, match=r"unsupported source of type .* Pass a path"):
        read_transactions(source)


@pytest.mark.parametrize(("name", "fix"), [("o.xlsx", "read_excel"), ("o.json", "unsupported file type")])
def test_unsupported_file_type(tmp_path, name, fix):
    path = write(tmp_path, "x", name=name)
    with pytest.raises(DataError, match=fix):
        read_transactions(path)


def test_folder_is_not_a_file(tmp_path):
    with pytest.raises(DataError, match="is a folder"):
        read_transactions(tmp_path)


def test_bad_parameters():
    frame = pd.DataFrame({"customer_id": ["a"], "order_date": ["2024-01-01"], "amount": [1]})
    with pytest.raises(ParameterError, match=r"'as_of' parameter .* Got 'yesterday'"):
        read_transactions(frame, as_of="yesterday")
    with pytest.raises(ParameterError, match=r"'decimal' parameter"):
        read_transactions(frame, decimal=";")
    with pytest.raises(ParameterError, match=r"'cancellation_values' .* pass \['void'\]"):
        read_transactions(frame, cancellation_values="void")
    with pytest.raises(ParameterError, match="'columns' parameter"):
        read_transactions(frame, ["customer_id"])


@pytest.mark.parametrize(
    "body",
    ["A,2024-01-01,1,234.50\n", "A,2024-01-01,1\nB,2024-01-01,1,234.50\n"],
    ids=["every-row-too-long", "one-row-too-long"],
)
def test_ragged_rows_get_a_parse_error(tmp_path, body):
    # An unquoted thousands separator must not shift the columns silently.
    path = write(tmp_path, "customer_id,order_date,amount\n" + body)
    with pytest.raises(DataError, match=r"could not be parsed with sep=',': .*quote such values"):
        read_transactions(path)


def test_short_rows_are_filled_with_missing_values(tmp_path):
    path = write(tmp_path, "customer_id,order_date,amount\nA,2024-01-01,5\nB,2024-01-02\n")
    tx = read_transactions(path)
    assert counts(tx) == {"unparseable_amount": 1}


# --------------------------------------------------------------------------------------
# Single rules
# --------------------------------------------------------------------------------------


def frame_of(**cols):
    n = len(next(iter(cols.values())))
    base = {"customer_id": [f"C{i}" for i in range(n)], "order_date": ["2024-01-01"] * n, "amount": [10.0] * n}
    base.update(cols)
    return pd.DataFrame(base)


def test_missing_ids_whitespace_and_na():
    tx = read_transactions(frame_of(customer_id=["A", "", "  ", None, np.nan, " B "]))
    assert counts(tx) == {"missing_customer_id": 4}
    assert tx.data["customer_id"].tolist() == ["A", "B"]


def test_negative_and_zero_amounts():
    tx = read_transactions(frame_of(amount=["-5", "0", "(3.50)", "3.50-", "$2.00", "0.01"]))
    assert counts(tx) == {"non_positive_amount": 4}
    assert tx.data["amount"].tolist() == [2.0, 0.01]


@pytest.mark.parametrize(
    ("text", "value"),
    [("¥1,234.50", 1234.5), ("$ 1 234.50", 1234.5), ("EUR 12.50", 12.5), ("12.50 USD", 12.5),
     ("1'234.5", 1234.5), ("￥88", 88.0), ("12元", 12.0), ("1e3", 1000.0), ("+7", 7.0)],
)
def test_amount_text_forms(text, value):
    assert read_transactions(frame_of(amount=[text])).data["amount"].item() == value


@pytest.mark.parametrize("text", ["1,2,3", "12abc", "abc", "--5", "1.2.3"])
def test_amount_garbage_is_unparseable(text):
    tx = read_transactions(frame_of(amount=[text, "5", "6"]))
    assert counts(tx) == {"unparseable_amount": 1}


def test_duplicates_exact_repeat_only_and_switchable():
    frame = frame_of(
        customer_id=["A", "A", "A", "A"],
        order_date=["2024-01-01 10:00", "2024-01-01 10:00", "2024-01-01 10:01", "2024-01-01T10:00:00"],
        amount=["5", "5.00", "5", "$5"],
    )
    tx = read_transactions(frame)
    # rows 1 and 3 repeat row 0 after parsing; row 2 differs by a minute
    assert counts(tx) == {"duplicate": 2}
    assert tx.set_aside["row_number"].tolist() == [1, 3]
    assert any("drop_duplicates=False" in n for n in tx.notes)
    assert read_transactions(frame, drop_duplicates=False).reconciliation.rows_kept == 4


def test_duplicates_with_different_order_ids_are_kept():
    frame = frame_of(customer_id=["A", "A"], order_id=["1", "2"])
    assert read_transactions(frame).reconciliation.rows_kept == 2


def test_cancellations_status_prefix_and_negative_quantity():
    frame = frame_of(
        status=["shipped", "Cancelled", " VOID ", "canceled", "shipped", "shipped", "shipped"],
        order_id=["1", "2", "3", "4", "C536379", "CUST-1", "5"],
        quantity=["1", "1", "1", "1", "1", "1", "-2"],
    )
    tx = read_transactions(frame)
    assert counts(tx) == {"cancellation": 5}
    assert tx.data["order_id"].tolist() == ["1", "CUST-1"]
    tx = read_transactions(frame, cancellation_values=["void"], cancellation_prefix=None)
    assert counts(tx) == {"cancellation": 2}  # VOID and the negative quantity


def test_after_as_of_with_date_and_datetime():
    frame = frame_of(order_date=["2024-06-30 08:00", "2024-06-30 23:00", "2024-07-01 00:00"])
    assert counts(read_transactions(frame, as_of="2024-06-30")) == {"after_as_of": 1}
    assert counts(read_transactions(frame, as_of=pd.Timestamp("2024-06-30 12:00"))) == {"after_as_of": 2}


def test_unparseable_dates_are_set_aside():
    frame = frame_of(order_date=["2024-01-01", "2024-02-30", "", "2024-01-03"])
    tx = read_transactions(frame)
    assert counts(tx) == {"unparseable_date": 2}


def test_float_ids_lose_trailing_zero():
    tx = read_transactions(FIXTURES / "uci_online_retail_sample.csv", UCI_COLUMNS)
    assert_balanced(tx)
    assert counts(tx) == {"missing_customer_id": 2, "cancellation": 1}
    assert tx.data["customer_id"].unique().tolist() == ["17850", "12583"]
    assert tx.data["order_date"].iloc[0] == pd.Timestamp("2010-12-01 08:26")
    frame = pd.DataFrame({"customer_id": [17850.0, np.nan, 12.5], "order_date": ["2024-01-01"] * 3, "amount": [1, 2, 3]})
    tx = read_transactions(frame)
    assert tx.data["customer_id"].tolist() == ["17850", "12.5"]


# --------------------------------------------------------------------------------------
# Other sources and types
# --------------------------------------------------------------------------------------


def test_parquet_and_dataframe_give_the_same_result_as_csv(tmp_path):
    csv = FIXTURES / "messy_orders.csv"
    raw = pd.read_csv(csv, dtype=str)
    raw.to_parquet(tmp_path / "orders.parquet")
    want = read_transactions(csv, as_of="2024-12-31")
    for source in (tmp_path / "orders.parquet", raw):
        got = read_transactions(source, as_of="2024-12-31")
        pd.testing.assert_frame_equal(got.data, want.data)
        assert got.reconciliation.set_aside == want.reconciliation.set_aside


def test_typed_parquet_keeps_time_of_day_and_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": [1, 2, 3],
            "order_date": pd.to_datetime(
                ["2024-01-01 08:30:15", "2024-01-02 23:59:59", "2024-01-03"], format="ISO8601"
            ),
            "amount": [1.5, np.nan, 3.0],
            "quantity": [1, 2, 3],
        }
    )
    frame.to_parquet(tmp_path / "t.parquet")
    tx = read_transactions(tmp_path / "t.parquet")
    assert counts(tx) == {"unparseable_amount": 1}
    assert tx.data["order_date"].tolist() == [pd.Timestamp("2024-01-01 08:30:15"), pd.Timestamp("2024-01-03")]
    assert tx.data["customer_id"].tolist() == ["1", "3"]
    assert str(tx.data["quantity"].dtype) == "Int64"
    assert tx.date_format is None


def test_time_zones_are_converted_to_utc():
    frame = frame_of(order_date=["2024-01-01T10:00:00+01:00", "2024-01-01T10:00:00+02:00"])
    tx = read_transactions(frame)
    assert tx.data["order_date"].tolist() == [pd.Timestamp("2024-01-01 09:00"), pd.Timestamp("2024-01-01 08:00")]
    assert any("UTC" in n for n in tx.notes)


def test_polars_frame_is_accepted():
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"customer_id": ["a", "b"], "order_date": ["2024-01-01", "2024-01-02"], "amount": [1.0, 2.0]})
    tx = read_transactions(frame)
    assert tx.data["customer_id"].tolist() == ["a", "b"]


def test_source_dataframe_is_not_modified():
    frame = frame_of(customer_id=[" A ", None])
    before = frame.copy()
    read_transactions(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_reconciliation_invariant_is_enforced():
    with pytest.raises(AssertionError, match="does not balance"):
        Reconciliation(rows_read=5, rows_kept=3, set_aside={"duplicate": 1})
    with pytest.raises(ParameterError, match="unknown set-aside reasons"):
        Reconciliation(rows_read=1, rows_kept=0, set_aside={"returned": 1})


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------

CUSTOMER_VALUES = st.sampled_from(["1", "2", "3", " 4 ", "", None])
DATE_VALUES = st.one_of(
    st.dates(min_value=pd.Timestamp("2023-01-01").date(), max_value=pd.Timestamp("2024-12-31").date()).map(str),
    st.sampled_from(["2024-02-30", "", None, "2024-03-01 12:34:56"]),
)
AMOUNT_VALUES = st.one_of(
    st.integers(-500, 50_000).map(lambda c: f"{c / 100:.2f}"),
    st.integers(1, 5000).map(lambda c: f"${c:,}"),
    st.sampled_from(["", None, "n/a", "0", "-1"]),
)
STATUS_VALUES = st.sampled_from(["shipped", "shipped", "cancelled", "VOID", None])
ROW = st.tuples(CUSTOMER_VALUES, DATE_VALUES, AMOUNT_VALUES, STATUS_VALUES)


def log_frame(rows, prefix: str = "") -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "status"], dtype=object)
    frame["customer_id"] = [None if c is None else (prefix + c if c.strip() else c) for c in frame["customer_id"]]
    return frame


def expected_reason(row, cutoff) -> str | None:
    """A slow, row-by-row restatement of the rules."""
    cid, date, amount, status = row
    if cid is None or not str(cid).strip():
        return "missing_customer_id"
    when = pd.to_datetime(date, format="ISO8601", errors="coerce") if date else pd.NaT
    if pd.isna(when):
        return "unparseable_date"
    try:
        value = float(str(amount).replace("$", "").replace(",", ""))
    except ValueError:
        return "unparseable_amount"
    if status is not None and status.casefold() in {"cancelled", "void"}:
        return "cancellation"
    if value <= 0:
        return "non_positive_amount"
    if when >= cutoff:
        return "after_as_of"
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(ROW, min_size=1, max_size=40))
def test_property_every_row_accounted_for_once(rows):
    frame = log_frame(rows)
    try:
        tx = read_transactions(frame, as_of="2024-06-30")
    except DataError as exc:
        # Only the two whole-file rules may refuse a frame.
        assert "no usable row" in str(exc) or "could not be parsed" in str(exc)
        return
    assert_balanced(tx)
    # Each set-aside row has exactly one reason, and it is the first rule it breaks.
    cutoff = pd.Timestamp("2024-07-01")
    for position, reason in zip(tx.set_aside["row_number"], tx.set_aside["reason"], strict=True):
        want = expected_reason(rows[position], cutoff)
        assert reason == (want or "duplicate")
    kept_positions = sorted(set(range(len(rows))) - set(tx.set_aside["row_number"]))
    assert all(expected_reason(rows[p], cutoff) is None for p in kept_positions)
    data = tx.data
    assert data["customer_id"].notna().all() and (data["customer_id"].str.strip() == data["customer_id"]).all()
    assert data["order_date"].notna().all() and (data["order_date"] < cutoff).all()
    assert (data["amount"] > 0).all() and np.isfinite(data["amount"]).all()
    assert not data.duplicated().any()
    assert not data["status"].str.casefold().isin(["cancelled", "void"]).fillna(False).any()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=st.lists(ROW, min_size=1, max_size=25), second=st.lists(ROW, min_size=1, max_size=25))
def test_property_concatenating_disjoint_logs_concatenates_kept_rows(first, second):
    a, b = log_frame(first, "A"), log_frame(second, "B")
    try:
        tx_a, tx_b = read_transactions(a), read_transactions(b)
        tx_ab = read_transactions(pd.concat([a, b], ignore_index=True))
    except DataError:
        return
    want = pd.concat([tx_a.data, tx_b.data], ignore_index=True)
    pd.testing.assert_frame_equal(tx_ab.data, want)
    total = {r: tx_a.reconciliation.set_aside[r] + tx_b.reconciliation.set_aside[r] for r in REASONS}
    assert tx_ab.reconciliation.set_aside == total
    shifted = np.concatenate([tx_a.set_aside["row_number"], tx_b.set_aside["row_number"] + len(a)])
    assert sorted(tx_ab.set_aside["row_number"]) == sorted(shifted)


def test_one_million_rows_is_vectorised(tmp_path):
    """Not a timing test: a large frame goes through without per-row Python work."""
    n = 200_000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "customer_id": pd.array(np.char.add("C", rng.integers(0, 20_000, n).astype(str)), dtype="str"),
            "order_date": (pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s")).astype(str),
            "amount": np.round(rng.gamma(2, 20, n), 2).astype(str),
        }
    )
    tx = read_transactions(frame)
    assert tx.reconciliation.rows_read == n
    assert_balanced(tx)
