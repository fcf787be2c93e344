"""The decision table of lesson 02: one action per RFM segment and the margin it is worth."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib._validation import check_frame, check_real, format_examples
from crmlib.exceptions import DataError, ParameterError
from crmlib.segmentation._rfm import _SEGMENT_ORDER, _purchases

__all__ = ["ACTIONS", "SEGMENT_ACTIONS", "SegmentDecisions", "segment_decisions"]

#: The five actions, from the most to the least effort, with what each means.
ACTIONS: dict[str, str] = {
    "retain": "keep them happy: service, recognition, referral asks; no discounts needed",
    "develop": "grow them: cross-sell, second-purchase and onboarding offers",
    "win back": "personal reactivation: a call or a tailored offer before they are gone",
    "maintain": "low-cost reminders: newsletters and automated offers only",
    "let go": "no paid contact: spend the budget elsewhere",
}

#: The rule table: RFM segment (of :func:`rfm_segments`) -> action (a key of :data:`ACTIONS`).
SEGMENT_ACTIONS: dict[str, str] = {
    "champions": "retain",
    "loyal": "retain",
    "potential loyalists": "develop",
    "new customers": "develop",
    "need attention": "win back",
    "can't lose": "win back",
    "at risk": "win back",
    "hibernating": "maintain",
    "lost": "let go",
}


@dataclass(frozen=True, repr=False)
class SegmentDecisions(SummaryDisplay):
    """What to do with each segment, and what it is expected to bring (see :func:`segment_decisions`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment (in the order of the segments' categories): ``customers``,
        ``revenue`` (past spend up to ``as_of``), ``revenue_share``, ``action``,
        ``expected_purchases`` (per customer, next ``horizon_weeks``), ``spend_per_purchase``,
        ``expected_revenue``, ``expected_margin`` and ``margin_per_customer`` (CNY or the
        data's currency), ``priority`` (1 = the largest expected margin).
    expected_revenue : pandas.Series
        Per customer: expected purchases x the segment's spend per purchase day.
    margin : float
        Gross margin applied to revenue.
    horizon_weeks : float
        Length of the forecast window.
    as_of : pandas.Timestamp
        End of the purchase history used.
    """

    _html_table = "table"
    _html_lines = 3
    _html_float = "{:,.2f}"

    table: pd.DataFrame
    expected_revenue: pd.Series
    margin: float
    horizon_weeks: float
    as_of: pd.Timestamp

    def to_frame(self) -> pd.DataFrame:
        """The decision table (a copy)."""
        return self.table.copy()

    def by_action(self) -> pd.DataFrame:
        """The table summed per action (customers, revenue share, expected margin)."""
        t = self.table
        g = t.groupby("action", sort=False)
        out = pd.DataFrame({
            "segments": g.apply(lambda x: ", ".join(map(str, x.index)), include_groups=False),
            "customers": g["customers"].sum(),
            "revenue_share": g["revenue_share"].sum(),
            "expected_margin": g["expected_margin"].sum(),
        })
        return out.sort_values("expected_margin", ascending=False)

    def summary(self) -> str:
        """A short text summary: the rule, then one line per segment."""
        t = self.table
        lines = [
            f"Decisions for {int(t['customers'].sum()):,} customers in {len(t)} segments "
            f"(history to {self.as_of:%Y-%m-%d}); expected margin over the next "
            f"{self.horizon_weeks:g} weeks: {t['expected_margin'].sum():,.0f}",
            f"  rule: action from SEGMENT_ACTIONS; expected margin = BG/NBD expected purchases "
            f"x the segment's spend per purchase day x margin {self.margin:.1%}",
        ]
        for name, row in t.sort_values("priority").iterrows():
            lines.append(
                f"  {row['priority']:.0f}. {name}: {row['action']} — {row['customers']:,.0f} "
                f"customers, {row['revenue_share']:.1%} of revenue, expected margin "
                f"{row['expected_margin']:,.0f} ({row['margin_per_customer']:,.1f} per customer)"
            )
        return "\n".join(lines)


def segment_decisions(
    transactions: pd.DataFrame,
    segments: pd.Series,
    *,
    as_of: Any,
    margin: float,
    horizon_weeks: float = 52,
    actions: Mapping[str, str] | None = None,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> SegmentDecisions:
    """Decision table: segment -> customers -> share of revenue -> action -> expected margin.

    The rule, in three steps:

    1. **Action**: each segment gets the action of ``actions`` (default
       :data:`SEGMENT_ACTIONS`, e.g. can't lose -> win back; the actions are explained in
       :data:`ACTIONS`).
    2. **Expected purchases**: a BG/NBD model (:class:`crmlib.value.BGNBD`, lesson 03) is
       fitted to the purchase days of all customers up to ``as_of`` (time in weeks); each
       customer's expected purchase days in the next ``horizon_weeks`` follow from their
       frequency, recency and age. Unlike the RFM grid, this accounts for a low-frequency
       buyer's long gaps.
    3. **Expected margin** of a segment = the sum of its customers' expected purchases x the
       segment's spend per purchase day (its total spend / its purchase days) x ``margin``.

    Assumptions: purchases follow the BG/NBD process (constant rate while alive, dropout only
    right after a purchase); the spend per purchase does not depend on how often a customer
    buys and stays at the segment's past level; the margin is the same for every segment; no
    discounting. The expected margin is what the segment is expected to bring **if the
    business carries on as before** — the value at stake, not the uplift of the action, which
    only a controlled campaign measures.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase (completed orders only).
    segments : pandas.Series
        Segment of each customer, indexed by customer id (e.g. :func:`rfm_segments`); every
        customer must have purchases on or before ``as_of``.
    as_of : date-like
        End of the purchase history.
    margin : float
        Gross margin on revenue, in (0, 1].
    horizon_weeks : float
        Forecast window (default 52 weeks).
    actions : mapping, optional
        Segment -> action; every segment present needs one.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    SegmentDecisions

    Raises
    ------
    ParameterError
        A bad ``margin`` or ``horizon_weeks``, or ``segments`` not a Series.
    DataError
        A segment without an action, customers of ``segments`` without purchases, or the
        problems of the order log that :func:`rfm_table` reports.

    Examples
    --------
    >>> import crmlib.datasets as ds
    >>> import crmlib.segmentation as seg
    >>> orders = ds.load_default(tables=["orders"]).orders
    >>> buys = orders[(orders["status"] == "completed") & (orders["region"] == "West")]
    >>> scores = seg.rfm_scores(seg.rfm_table(buys, as_of="2025-12-28", amount_col="net_amount"))
    >>> res = segment_decisions(buys, seg.rfm_segments(scores), as_of="2025-12-28", margin=0.3,
    ...                         amount_col="net_amount")
    >>> res.table.loc[["champions", "can't lose", "lost"], "action"].tolist()
    ['retain', 'win back', 'let go']
    >>> int(res.table.loc["champions", "priority"])
    1
    """
    import crmlib.value as v

    where = "segment_decisions"
    m = check_real(margin, "margin", where=where, low=0, high=1, low_inclusive=False)
    h = check_real(horizon_weeks, "horizon_weeks", where=where, low=0, low_inclusive=False)
    if not isinstance(segments, pd.Series):
        raise ParameterError(
            f"The 'segments' parameter of {where} must be a pandas Series of segment names "
            f"indexed by customer id. Got a {type(segments).__name__}. Pass e.g. "
            f"rfm_segments(scores)."
        )
    rule = dict(SEGMENT_ACTIONS if actions is None else actions)
    present = [str(s) for s in pd.unique(segments.dropna())]
    missing = [s for s in present if s not in rule]
    if missing:
        raise DataError(
            f"{where}: segments {format_examples(missing)} have no action in 'actions' "
            f"(it has {format_examples(list(rule))}). Add them, e.g. actions={{**SEGMENT_ACTIONS, "
            f"{missing[0]!r}: 'maintain'}}."
        )
    if segments.isna().any():
        raise DataError(
            f"{where}: 'segments' has {int(segments.isna().sum())} missing values (e.g. at "
            f"{format_examples(segments.index[segments.isna()])}). Give every customer a segment."
        )
    frame = check_frame(transactions, "transactions", where=where)
    rows, day = _purchases(frame, where=where, customer_col=customer_col, date_col=date_col,
                           amount_col=amount_col, as_of=as_of)
    rows = rows[rows["customer_id"].isin(segments.index)]
    summary = v.rfm_weeks(rows.rename(columns={"day": "order_date"}), as_of=day)
    absent = segments.index.difference(summary.index)
    if len(absent):
        raise DataError(
            f"{where}: {len(absent)} customers of 'segments' have no purchase on or before "
            f"{day:%Y-%m-%d} (e.g. {format_examples(absent)}). Segment only customers with "
            f"purchases, or pass the matching order log."
        )
    summary = summary.loc[segments.index]
    model = v.BGNBD().fit(summary)
    expected = pd.Series(np.asarray(model.expected_purchases(summary, h), dtype=float),
                         index=summary.index)
    purchase_days = summary["frequency"] + 1
    spend = rows.groupby("customer_id")["amount"].sum().reindex(summary.index)

    seg_values = segments.astype("category") if not isinstance(segments.dtype, pd.CategoricalDtype) else segments
    g = pd.DataFrame({"segment": seg_values, "expected": expected, "days": purchase_days,
                      "spend": spend}).groupby("segment", observed=True)
    table = pd.DataFrame({"customers": g.size().astype("int64"), "revenue": g["spend"].sum()})
    table["revenue_share"] = table["revenue"] / table["revenue"].sum()
    table["action"] = [rule[str(s)] for s in table.index]
    table["expected_purchases"] = g["expected"].mean()
    table["spend_per_purchase"] = g["spend"].sum() / g["days"].sum()
    table["expected_revenue"] = g["expected"].sum() * table["spend_per_purchase"]
    table["expected_margin"] = table["expected_revenue"] * m
    table["margin_per_customer"] = table["expected_margin"] / table["customers"]
    table["priority"] = table["expected_margin"].rank(ascending=False, method="first").astype("int64")
    order = [s for s in _SEGMENT_ORDER if s in table.index] + [s for s in table.index if s not in _SEGMENT_ORDER]
    table = table.loc[order]
    table.index = pd.Index([str(s) for s in table.index], name="segment")
    per_customer = (expected * seg_values.astype(str).map(table["spend_per_purchase"]).astype(float))
    return SegmentDecisions(table=table, expected_revenue=per_customer.rename("expected_revenue"),
                            margin=m, horizon_weeks=h, as_of=day)
