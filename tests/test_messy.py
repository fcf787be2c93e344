"""messy_export injects a known number of each problem, and read_transactions finds each one."""

from __future__ import annotations

import pandas as pd
import pytest

import crmlib.datasets as ds


@pytest.fixture(scope="module")
def clean_orders():
    n = 400
    return pd.DataFrame(
        {
            "order_id": [f"O{i:05d}" for i in range(n)],
            "customer_id": [f"C{i % 97:04d}" for i in range(n)],
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta([i % 300 for i in range(n)], unit="D"),
            "net_amount": [5.0 + (i * 37) % 2000 / 3 for i in range(n)],
        }
    )


def test_every_injected_problem_is_counted_by_the_reconciliation(clean_orders, tmp_path):
    export, injected = ds.messy_export(clean_orders, as_of="2024-12-31", n_each=12, seed=3)
    assert len(export) == len(clean_orders) + injected["duplicate"]
    path = tmp_path / "export.csv"
    export.to_csv(path, index=False)
    columns = {k: v for k, v in ds.MESSY_COLUMNS.items()}
    tx = ds.read_transactions(path, columns=columns, as_of="2024-12-31", date_format="%d/%m/%Y %H:%M")
    rec = tx.reconciliation
    assert rec.rows_read == len(export)
    assert {k: v for k, v in rec.set_aside.items() if v} == {k: v for k, v in injected.items() if v}
    assert rec.rows_kept == len(clean_orders) - 5 * 12
    # the kept amounts are the clean ones, to the cent
    kept = tx.data.set_index("order_id")["amount"].sort_index()
    truth = clean_orders.set_index("order_id")["net_amount"].loc[kept.index]
    assert (kept.round(2) == truth.round(2)).all()


def test_no_problems_means_nothing_set_aside(clean_orders):
    export, injected = ds.messy_export(clean_orders, as_of="2024-12-31", n_each=0)
    assert set(injected.values()) == {0}
    tx = ds.read_transactions(export, columns=dict(ds.MESSY_COLUMNS), date_format="%d/%m/%Y %H:%M")
    assert tx.reconciliation.rows_kept == len(clean_orders)


def test_too_many_problems_for_the_data_is_refused(clean_orders):
    with pytest.raises(ValueError, match="'n_each'=100 needs at least 500 orders"):
        ds.messy_export(clean_orders, as_of="2024-12-31", n_each=100)
