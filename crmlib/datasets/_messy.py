"""A messy export made from clean orders, with a known count of every problem.

Real order logs arrive with missing ids, unparseable dates, returns, cancellations, duplicated
rows and purchases after the analysis date.  :func:`messy_export` injects each problem a known
number of times into a clean order log, so a lesson (and a test) can check that
:func:`~crmlib.datasets.read_transactions` accounts for every row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib._validation import check_columns, check_int

__all__ = ["MESSY_COLUMNS", "messy_export"]

#: How the messy export names its columns (as a till system might), keyed by canonical name.
MESSY_COLUMNS = {
    "order_id": "InvoiceNo",
    "customer_id": "CustomerID",
    "order_date": "InvoiceDate",
    "amount": "Revenue",
    "status": "Status",
}


def messy_export(
    orders: pd.DataFrame, *, as_of: str | pd.Timestamp, n_each: int = 25, seed: int = 0
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Inject a known number of each data problem into a clean order log.

    Parameters
    ----------
    orders : DataFrame
        Clean orders with columns ``order_id``, ``customer_id``, ``order_date``, ``net_amount``
        (the default data's ``orders`` table, completed orders only).
    as_of : date-like
        The analysis date; ``n_each`` rows are moved to dates after it.
    n_each : int
        How many rows get each problem.
    seed : int
        Seed of the choice of rows.

    Returns
    -------
    export : DataFrame
        Text columns named as in :data:`MESSY_COLUMNS`, amounts formatted like ``"¥1,234.50"``,
        dates as ``DD/MM/YYYY HH:MM``, rows in the order of the input with duplicates appended.
    injected : dict
        Rows per problem, keyed by the reasons of :func:`read_transactions`.

    Examples
    --------
    >>> clean = pd.DataFrame({"order_id": ["O1", "O2", "O3", "O4"], "customer_id": ["C1", "C1", "C2", "C3"],
    ...                       "order_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-09", "2024-04-01"]),
    ...                       "net_amount": [10.0, 1234.5, 7.25, 3.0]})
    >>> export, injected = messy_export(clean, as_of="2024-12-31", n_each=0)
    >>> export["Revenue"].tolist()
    ['¥10.00', '¥1,234.50', '¥7.25', '¥3.00']
    >>> injected
    {'missing_customer_id': 0, 'unparseable_date': 0, 'cancellation': 0, 'non_positive_amount': 0, 'after_as_of': 0, 'duplicate': 0}
    """
    check_columns(list(orders.columns), ["order_id", "customer_id", "order_date", "net_amount"], where="messy_export")
    n_each = check_int(n_each, "n_each", where="messy_export", low=0)
    if 5 * n_each > len(orders):
        raise ValueError(
            f"messy_export: 'n_each'={n_each} needs at least {5 * n_each} orders to damage; got {len(orders)}. "
            "Pass a smaller n_each."
        )
    rng = np.random.default_rng(seed)
    base = orders.reset_index(drop=True)
    n = len(base)
    # disjoint row sets, one per problem
    picks = rng.permutation(n)[: 5 * n_each].reshape(5, n_each) if n_each else np.empty((5, 0), dtype=int)
    no_id, bad_date, cancelled, refund, late = picks

    customer = base["customer_id"].astype("string").to_numpy(dtype=object, na_value=None)
    customer[no_id] = ""
    dates = base["order_date"]
    text_dates = dates.dt.strftime("%d/%m/%Y %H:%M").to_numpy(dtype=object)
    text_dates[bad_date] = "n/a"
    after = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    text_dates[late] = pd.Series(after + pd.to_timedelta(rng.integers(0, 60, n_each), unit="D")).dt.strftime(
        "%d/%m/%Y %H:%M"
    ).to_numpy(dtype=object)
    amount = base["net_amount"].to_numpy(dtype=float).copy()
    amount[refund] = -amount[refund]
    status = np.full(n, "paid", dtype=object)
    status[cancelled] = "cancelled"

    export = pd.DataFrame(
        {
            MESSY_COLUMNS["order_id"]: base["order_id"].astype("string").to_numpy(dtype=object),
            MESSY_COLUMNS["customer_id"]: customer,
            MESSY_COLUMNS["order_date"]: text_dates,
            MESSY_COLUMNS["amount"]: [f"{'-' if a < 0 else ''}¥{abs(a):,.2f}" for a in amount],
            MESSY_COLUMNS["status"]: status,
        }
    )
    # duplicates: exact copies of clean rows (rows with no other problem), appended at the end
    damaged = np.zeros(n, dtype=bool)
    damaged[picks.ravel()] = True
    clean_rows = np.flatnonzero(~damaged)
    dup = rng.choice(clean_rows, size=min(n_each, len(clean_rows)), replace=False) if n_each else clean_rows[:0]
    export = pd.concat([export, export.iloc[np.sort(dup)]], ignore_index=True)
    injected = {
        "missing_customer_id": n_each,
        "unparseable_date": n_each,
        "cancellation": n_each,
        "non_positive_amount": n_each,
        "after_as_of": n_each,
        "duplicate": len(dup),
    }
    return export, injected
