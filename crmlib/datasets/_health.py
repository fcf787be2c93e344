"""The health check of a customer database: lesson 00's decision table.

Before any model, a CRM team asks whether its customer database can carry a campaign: are the
keys clean, can the customers be reached, how many have never bought or have gone quiet? Each
check has a documented rule (:data:`HEALTH_RULES`): the measured value, the limit it is held
against, a status (``ok`` or ``attention``) and the action the team takes when it needs
attention.  The limits are rules of thumb a team would set for itself, stated so that they can
be argued with, not laws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib._validation import check_frame, parse_date

__all__ = ["HEALTH_RULES", "HealthCheck", "health_check"]

#: check -> (what is measured, direction, limit, action when the limit is crossed).
#: ``direction`` ``"max"``: attention when the value is above the limit; ``"min"``: below it.
HEALTH_RULES: dict[str, tuple[str, str, float, str]] = {
    "duplicate customer ids": (
        "customer ids that appear more than once in the customer table", "max", 0,
        "merge the duplicates before counting or contacting customers",
    ),
    "orders without a customer": (
        "share of orders whose customer id is not in the customer table", "max", 0.0,
        "repair the customer key in the order feed; these orders are invisible to CRM",
    ),
    "customers who never bought": (
        "share of customers with no purchase up to the analysis date", "max", 0.10,
        "a first-purchase offer to recent sign-ups; archive old sign-ups that never bought",
    ),
    "one-time buyers": (
        "share of buyers with exactly one purchase", "max", 0.40,
        "a second-purchase programme (the second order is where retention starts)",
    ),
    "dormant buyers": (
        "share of buyers whose last purchase is more than 365 days before the analysis date",
        "max", 0.25,
        "a win-back campaign, ranked by value at risk (lesson 03)",
    ),
    "reachable by e-mail": (
        "share of customers with an e-mail address and marketing consent", "min", 0.50,
        "ask for consent at checkout and in the app; campaigns reach only these customers",
    ),
    "incomplete profiles": (
        "share of customers missing age, gender or region", "max", 0.05,
        "complete the profiles at the next contact; segmentation (lesson 02) needs them",
    ),
    "cancelled orders": (
        "share of orders cancelled", "max", 0.05,
        "look at cancellations by channel and product before they cost customers",
    ),
}


@dataclass(frozen=True, repr=False)
class HealthCheck(SummaryDisplay):
    """The result of :func:`health_check`.

    Attributes
    ----------
    table : DataFrame
        One row per check (index): ``measure``, ``value``, ``rule`` (e.g. ``"at most 10%"``),
        ``status`` (``"ok"`` or ``"attention"``) and ``action`` (empty when ``ok``).
    as_of : Timestamp
        The analysis date.
    customers, buyers : int
        Customers in the customer table, and those with at least one purchase.
    """

    table: pd.DataFrame
    as_of: pd.Timestamp
    customers: int
    buyers: int

    _html_table = "table"
    _html_float = None

    @property
    def attention(self) -> list[str]:
        """The checks that need attention, in table order."""
        return self.table.index[self.table["status"] == "attention"].tolist()

    def summary(self) -> str:
        need = self.attention
        head = (
            f"Customer database health on {self.as_of:%Y-%m-%d}: {self.customers:,} customers, "
            f"{self.buyers:,} with a purchase; {len(need)} of {len(self.table)} checks need "
            "attention"
        )
        return head + (f" ({', '.join(need)})." if need else ".")


def _format(check: str, value: float) -> str:
    return f"{int(value):,}" if check == "duplicate customer ids" else f"{value:.1%}"


def health_check(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    *,
    as_of: Any,
    dormant_days: int = 365,
) -> HealthCheck:
    """Check a customer database against the rules of :data:`HEALTH_RULES`.

    Parameters
    ----------
    customers : DataFrame
        The customer table: ``customer_id``; ``email``, ``email_opt_in``, ``age``, ``gender``
        and ``region`` are used when present (a missing column counts as missing data), and
        ``signup_date`` to leave out customers who signed up after ``as_of``.
    orders : DataFrame
        The order header table: ``order_id``, ``customer_id``, ``order_date``, ``status``
        (``"completed"`` orders are purchases; others count as cancelled).  Orders after
        ``as_of`` are ignored.
    as_of : date or ISO text
        The analysis date.
    dormant_days : int, default 365
        A buyer is dormant when the last purchase is more than this many days old.

    Returns
    -------
    HealthCheck

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"customer_id": ["a", "b", "c"], "email": ["x@y", None, "z@y"],
    ...                        "email_opt_in": [True, False, False], "age": [30, 40, 50],
    ...                        "gender": ["f", "m", "f"], "region": ["N", "S", "N"]})
    >>> orders = pd.DataFrame({"order_id": [1, 2, 3], "customer_id": ["a", "a", "b"],
    ...                        "order_date": pd.to_datetime(["2024-01-05", "2024-06-01", "2022-03-01"]),
    ...                        "status": ["completed", "completed", "completed"]})
    >>> check = health_check(people, orders, as_of="2024-06-30")
    >>> check.table.loc[["customers who never bought", "dormant buyers"], ["value", "status"]]
                                value     status
    check
    customers who never bought  33.3%  attention
    dormant buyers              50.0%  attention
    """
    where = "health_check"
    check_frame(customers, "customers", where=where, columns=["customer_id"])
    check_frame(orders, "orders", where=where,
                columns=["order_id", "customer_id", "order_date", "status"])
    as_of = parse_date(as_of, "as_of", where=where)
    orders = orders[orders["order_date"] <= as_of]
    if "signup_date" in customers:
        customers = customers[~(customers["signup_date"] > as_of).fillna(False).to_numpy(dtype=bool)]
    ids = customers["customer_id"]
    known = pd.Index(ids.dropna().unique())
    completed = orders["status"].astype("string").eq("completed").fillna(False).to_numpy(dtype=bool)
    purchases = orders[completed & orders["customer_id"].isin(known).to_numpy(dtype=bool)]
    last = purchases.groupby("customer_id", observed=True)["order_date"].agg(["max", "size"])
    n_customers = int(known.size)
    n_buyers = int(len(last))

    def share(mask: Any, total: int) -> float:
        return float(np.sum(mask)) / total if total else float("nan")

    def missing(column: str) -> np.ndarray:
        if column not in customers:
            return np.ones(len(customers), dtype=bool)
        return customers[column].isna().to_numpy(dtype=bool)

    reachable = ~missing("email")
    if "email_opt_in" in customers:
        reachable &= customers["email_opt_in"].fillna(False).astype(bool).to_numpy()
    else:
        reachable &= False
    incomplete = missing("age") | missing("gender") | missing("region")
    values = {
        "duplicate customer ids": float(ids.dropna().duplicated().sum()),
        "orders without a customer": share(~orders["customer_id"].isin(known), len(orders)),
        "customers who never bought": share(~known.isin(last.index), n_customers),
        "one-time buyers": share(last["size"] == 1, n_buyers),
        "dormant buyers": share(last["max"] < as_of - pd.Timedelta(days=dormant_days), n_buyers),
        "reachable by e-mail": share(reachable, len(customers)),
        "incomplete profiles": share(incomplete, len(customers)),
        "cancelled orders": share(~completed, len(orders)),
    }
    rows = []
    for check, (measure, direction, limit, action) in HEALTH_RULES.items():
        value = values[check]
        if check == "dormant buyers":
            measure = measure.replace("365", str(dormant_days))
        bad = value > limit if direction == "max" else value < limit
        bad = bool(bad) and np.isfinite(value)
        rule = ("at most " if direction == "max" else "at least ") + _format(check, limit)
        rows.append({
            "measure": measure,
            "value": _format(check, value) if np.isfinite(value) else "n/a",
            "rule": rule,
            "status": "attention" if bad else "ok",
            "action": action if bad else "",
        })
    table = pd.DataFrame(rows, index=pd.Index(list(HEALTH_RULES), name="check"))
    return HealthCheck(table=table, as_of=as_of, customers=n_customers, buyers=n_buyers)
