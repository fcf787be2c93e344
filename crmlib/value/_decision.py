"""The retention decision: whom to call first, ranked by expected margin at risk."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib._validation import check_real, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["CallList", "call_list"]


@dataclass(frozen=True, repr=False)
class CallList(SummaryDisplay):
    """A ranked call list with its break-even cut-off.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per customer, best call first, indexed by ``rank`` (1 = call first):
        ``customer`` (the keyed pseudonym, never the raw id), the extra columns passed,
        ``clv``, ``risk``, ``value_at_risk`` (= clv × risk), ``expected_saved``
        (= save_rate × value_at_risk), ``net_value`` (expected_saved − contact_cost) and
        ``call`` (True above the cut-off).
    contact_cost, save_rate : float
    threshold : float
        The cut-off on ``value_at_risk``: ``contact_cost / save_rate``.
    """

    _html_table = "top"
    _html_lines = 2
    _html_float = "{:,.2f}"

    table: pd.DataFrame
    contact_cost: float
    save_rate: float
    threshold: float

    @property
    def n_calls(self) -> int:
        """Customers above the cut-off (worth a call)."""
        return int(self.table["call"].sum())

    @property
    def calls(self) -> pd.DataFrame:
        """The rows above the cut-off."""
        return self.table[self.table["call"]]

    @property
    def expected_saved(self) -> float:
        """Total expected saved margin of the customers above the cut-off."""
        return float(self.calls["expected_saved"].sum())

    @property
    def net_value(self) -> float:
        """Expected saved margin minus the cost of the calls, over the customers above the cut-off."""
        return float(self.calls["net_value"].sum())

    @property
    def value_at_risk(self) -> float:
        """Total value at risk of every customer in the list (called or not)."""
        return float(self.table["value_at_risk"].sum())

    @property
    def top(self) -> pd.DataFrame:
        return self.table.head(10)

    def summary(self) -> str:
        return (
            f"Call list: {self.n_calls:,} of {len(self.table):,} customers are worth a call "
            f"(value at risk above {self.threshold:,.2f} = contact cost {self.contact_cost:,.2f} / "
            f"save rate {self.save_rate:.0%}).\n"
            f"Expected saved margin {self.expected_saved:,.0f}, net of call costs "
            f"{self.net_value:,.0f}; total value at risk {self.value_at_risk:,.0f}."
        )

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def call_list(
    clv: pd.Series, risk: pd.Series, *, contact_cost: float, save_rate: float,
    columns: pd.DataFrame | None = None, key: str | bytes | None = None,
) -> CallList:
    """Rank customers by expected margin at risk and mark those worth a retention call.

    ``value_at_risk = clv × risk``: the margin a customer is expected to bring (``clv``,
    e.g. :func:`customer_lifetime_value`) weighted by the probability that they are going
    quiet (``risk``, e.g. :meth:`BGNBD.probability_no_purchase` over the churn window). A call
    costs ``contact_cost`` and keeps the customer's value at risk with probability
    ``save_rate``, so it pays while ``save_rate × value_at_risk > contact_cost``, i.e. above
    the cut-off ``value_at_risk > contact_cost / save_rate``. Customers are ranked by value at
    risk (highest first; ties by CLV, then pseudonym, so the order is reproducible).

    Customer ids are replaced by keyed pseudonyms (:func:`crmlib.privacy.pseudonymize` with
    ``key``), and the contact columns of :data:`crmlib.privacy.CONTACT_COLUMNS` are dropped
    from ``columns``, so the table can be shown as it is.

    Parameters
    ----------
    clv, risk : pandas.Series
        Indexed by customer id, same customers; ``risk`` in [0, 1], ``clv`` >= 0.
    contact_cost : float >= 0
        Cost of one call (same currency as ``clv``).
    save_rate : float in (0, 1]
        Share of called customers whose value at risk the call keeps.
    columns : DataFrame, optional
        Extra columns to show (e.g. tier and points), indexed by customer id; missing
        customers get NaN.
    key : str or bytes, optional
        Pseudonym key (default: ``$CRMLIB_PSEUDONYM_KEY``, else the public teaching key).

    Returns
    -------
    CallList

    Examples
    --------
    >>> import pandas as pd
    >>> clv = pd.Series({"C1": 400.0, "C2": 100.0, "C3": 900.0})
    >>> risk = pd.Series({"C1": 0.5, "C2": 0.9, "C3": 0.01})
    >>> cl = call_list(clv, risk, contact_cost=10.0, save_rate=0.2, key="demo")
    >>> cl.table[["clv", "value_at_risk", "call"]]
             clv  value_at_risk   call
    rank
    1      400.0          200.0   True
    2      100.0           90.0   True
    3      900.0            9.0  False
    >>> cl.threshold, cl.n_calls, round(cl.expected_saved, 2)
    (50.0, 2, 58.0)
    """
    where = "call_list"
    from crmlib.privacy import CONTACT_COLUMNS, pseudonymize

    contact_cost = check_real(contact_cost, "contact_cost", where=where, low=0)
    save_rate = check_real(save_rate, "save_rate", where=where, low=0, high=1, low_inclusive=False)
    for name, s in (("clv", clv), ("risk", risk)):
        if not isinstance(s, pd.Series):
            raise ParameterError(
                f"The {name!r} parameter of {where} must be a pandas Series indexed by customer. "
                f"Got a {type(s).__name__}."
            )
    if not clv.index.equals(risk.index):
        only = clv.index.symmetric_difference(risk.index)
        if len(only) or len(clv) != len(risk):
            raise DataError(
                f"{where}: clv and risk must hold the same customers; {len(only)} are in only one "
                f"of them (e.g. {format_examples(only)}). Compute both on the same summary."
            )
        risk = risk.reindex(clv.index)
    c = clv.to_numpy("float64")
    p = risk.to_numpy("float64")
    if not np.all(np.isfinite(c)) or (c < 0).any():
        raise DataError(f"{where}: clv must be finite and >= 0; "
                        f"{int((~np.isfinite(c) | (c < 0)).sum())} values are not.")
    if not np.all(np.isfinite(p)) or ((p < 0) | (p > 1)).any():
        raise DataError(f"{where}: risk must be a probability in [0, 1]; "
                        f"{int((~np.isfinite(p) | (p < 0) | (p > 1)).sum())} values are not.")
    table = pd.DataFrame({"customer": pseudonymize(clv.index.to_series(), key=key).to_numpy()})
    if columns is not None:
        if not isinstance(columns, pd.DataFrame):
            raise ParameterError(
                f"The 'columns' parameter of {where} must be a DataFrame indexed by customer or "
                f"None. Got a {type(columns).__name__}."
            )
        drop = {n.lower() for n in CONTACT_COLUMNS}
        keep = [col for col in columns.columns if str(col).lower() not in drop]
        extra = columns[keep].reindex(clv.index)
        for col in keep:
            table[col] = extra[col].to_numpy()
    table["clv"] = c
    table["risk"] = p
    table["value_at_risk"] = c * p
    table["expected_saved"] = save_rate * table["value_at_risk"]
    table["net_value"] = table["expected_saved"] - contact_cost
    threshold = contact_cost / save_rate
    table["call"] = table["value_at_risk"] > threshold
    table = table.sort_values(["value_at_risk", "clv", "customer"], ascending=[False, False, True],
                              kind="mergesort")
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    return CallList(table=table, contact_cost=contact_cost, save_rate=save_rate,
                    threshold=float(threshold))
