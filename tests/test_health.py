"""The customer database health check (lesson 00's decision table)."""

from __future__ import annotations

import pandas as pd
import pytest

from crmlib.datasets import HEALTH_RULES, health_check
from crmlib.exceptions import DataError, ParameterError


def _people(n=10, **overrides):
    frame = pd.DataFrame({
        "customer_id": [f"c{i}" for i in range(n)],
        "email": [f"c{i}@example.test" for i in range(n)],
        "email_opt_in": [True] * n,
        "age": [30] * n, "gender": ["f"] * n, "region": ["North"] * n,
    })
    for column, values in overrides.items():
        frame[column] = values
    return frame


def _orders(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "status"])
    frame.insert(0, "order_id", [f"o{i}" for i in range(len(frame))])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    return frame


def _everyone_twice_recently(n=10):
    return _orders([(f"c{i}", d, "completed") for i in range(n) for d in ("2024-05-01", "2024-06-01")])


def test_a_clean_database_passes_every_check():
    check = health_check(_people(), _everyone_twice_recently(), as_of="2024-06-30")
    assert check.attention == []
    assert list(check.table.index) == list(HEALTH_RULES)
    assert (check.table["action"] == "").all()
    assert check.customers == check.buyers == 10
    assert "0 of 8 checks need attention" in check.summary()


def test_each_problem_is_flagged_with_its_value_and_action():
    people = _people()
    people.loc[9, "customer_id"] = "c0"  # a duplicate id
    people.loc[[1, 2, 3, 4, 5, 6], "email_opt_in"] = False  # 4 of 10 reachable
    people.loc[2, "age"] = None  # one incomplete profile of 10
    rows = [("c0", "2024-06-01", "completed"), ("c0", "2024-06-02", "completed"),
            ("c1", "2022-01-01", "completed"),  # dormant one-time buyer
            ("c2", "2024-06-01", "cancelled"),  # never bought (cancelled only)
            ("zz", "2024-06-01", "completed"),  # unknown customer
            ("c3", "2024-08-01", "completed")]  # after as_of: ignored
    check = health_check(people, _orders(rows), as_of="2024-06-30")
    t = check.table
    assert t.loc["duplicate customer ids", "value"] == "1"
    # 5 orders up to as_of; one belongs to nobody
    assert t.loc["orders without a customer", "value"] == "20.0%"
    # 9 distinct customers, 2 buyers (c0, c1)
    assert check.customers == 9 and check.buyers == 2
    assert t.loc["customers who never bought", "value"] == f"{7 / 9:.1%}"
    assert t.loc["one-time buyers", "value"] == "50.0%"
    assert t.loc["dormant buyers", "value"] == "50.0%"
    assert t.loc["reachable by e-mail", "value"] == "40.0%"
    assert t.loc["incomplete profiles", "value"] == "10.0%"
    assert t.loc["cancelled orders", "value"] == "20.0%"
    assert set(check.attention) == set(HEALTH_RULES)
    assert t.loc["reachable by e-mail", "rule"] == "at least 50.0%"
    assert t.loc["dormant buyers", "action"].startswith("a win-back campaign")


def test_dormant_window_and_signups_after_the_analysis_date():
    people = _people(2, signup_date=pd.to_datetime(["2020-01-01", "2025-01-01"]))
    orders = _orders([("c0", "2024-01-01", "completed")])
    check = health_check(people, orders, as_of="2024-06-30", dormant_days=90)
    assert check.customers == 1  # c1 signed up after the analysis date
    assert check.table.loc["dormant buyers", "value"] == "100.0%"
    assert "90 days" in check.table.loc["dormant buyers", "measure"]
    assert health_check(people, orders, as_of="2024-06-30").table.loc["dormant buyers", "value"] == "0.0%"


def test_missing_optional_columns_count_as_missing_data():
    people = _people(4)[["customer_id"]]
    check = health_check(people, _everyone_twice_recently(4), as_of="2024-06-30")
    assert check.table.loc["reachable by e-mail", "value"] == "0.0%"
    assert check.table.loc["incomplete profiles", "value"] == "100.0%"


def test_default_data_matches_a_direct_count():
    import crmlib.datasets as ds

    data = ds.load_default()
    check = health_check(data.customers, data.orders, as_of="2025-12-28")
    orders = data.orders[data.orders["order_date"] <= "2025-12-28"]
    expected = (orders["status"] == "cancelled").mean()
    assert check.table.loc["cancelled orders", "value"] == f"{expected:.1%}"
    reach = (data.customers["email"].notna() & data.customers["email_opt_in"]).mean()
    assert check.table.loc["reachable by e-mail", "value"] == f"{reach:.1%}"


def test_bad_input_is_named():
    with pytest.raises(DataError, match="column 'status' not in orders"):
        health_check(_people(), _everyone_twice_recently().drop(columns="status"), as_of="2024-06-30")
    with pytest.raises(ParameterError, match="as_of"):
        health_check(_people(), _everyone_twice_recently(), as_of="30/06/2024")
    with pytest.raises(ParameterError, match="customers"):
        health_check([1, 2], _everyone_twice_recently(), as_of="2024-06-30")
