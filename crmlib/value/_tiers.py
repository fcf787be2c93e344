"""Loyalty tiers from spend and purchase days, and the migration between two periods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib._validation import check_frame, check_real, format_examples
from crmlib.engine import purchase_days
from crmlib.exceptions import DataError, ParameterError
from crmlib.value._churn import _timestamp

__all__ = [
    "DEFAULT_TIERS",
    "LoyaltyPoints",
    "TierMigration",
    "loyalty_points",
    "loyalty_tiers",
    "tier_migration",
]


# =============================================================================================
# loyalty tiers
# =============================================================================================
#: Default member levels: (name, minimum spend in the period, minimum purchase days). A
#: customer gets the highest tier whose *both* thresholds they meet.
DEFAULT_TIERS: tuple[tuple[str, float, int], ...] = (
    ("gold", 3000.0, 12),
    ("silver", 1000.0, 4),
    ("bronze", 0.0, 1),
)
_INACTIVE = "inactive"
_NEW = "new"


def _check_tiers(tiers: Any, where: str) -> list[tuple[str, float, int]]:
    rows = list(tiers)
    ok = bool(rows) and all(
        isinstance(t, (tuple, list)) and len(t) == 3 and isinstance(t[0], str) for t in rows)
    if ok:
        spends = [float(t[1]) for t in rows]
        counts = [int(t[2]) for t in rows]
        ok = (spends == sorted(spends, reverse=True) and counts == sorted(counts, reverse=True)
              and counts[-1] >= 1 and len({t[0] for t in rows}) == len(rows)
              and not {t[0] for t in rows} & {_INACTIVE, _NEW})
    if not ok:
        raise ParameterError(
            f"The 'tiers' parameter of {where} must be a non-empty list of (name, min_spend, "
            f"min_purchases) from the highest tier down, with non-increasing thresholds, "
            f"min_purchases >= 1 for the last tier and names other than 'inactive'/'new'. Got "
            f"{tiers!r}. Example: {list(DEFAULT_TIERS)}."
        )
    return [(str(t[0]), float(t[1]), int(t[2])) for t in rows]



def _period_days(transactions: Any, start: Any, end: Any, customer_col: str, date_col: str,
                 amount_col: str, where: str) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """Checked period bounds and one row per customer and purchase day up to ``end``
    (crmlib.engine's one definition of a purchase day)."""
    check_frame(transactions, "transactions", where=where,
                columns=[customer_col, date_col, amount_col],
                hint="Pass customer_col=, date_col=, amount_col=.")
    lo, hi = _timestamp(start, "start", where), _timestamp(end, "end", where)
    if hi < lo:
        raise ParameterError(f"{where}: end ({hi:%Y-%m-%d}) is before start ({lo:%Y-%m-%d}); "
                             f"swap them.")
    days = purchase_days(transactions, customer_col=customer_col, date_col=date_col,
                         amount_col=amount_col, as_of=hi)
    return days, lo, hi

def loyalty_tiers(
    transactions: pd.DataFrame, *, start: Any, end: Any,
    tiers: Sequence[tuple[str, float, int]] = DEFAULT_TIERS,
    customer_col: str = "customer_id", date_col: str = "order_date", amount_col: str = "amount",
) -> pd.Series:
    """Member level of each customer from their spend and purchase days in a period.

    A customer's *spend* is the sum of ``amount_col`` and their *purchases* the number of
    distinct purchase days between ``start`` and ``end`` (both included). The tier is the
    first of ``tiers`` (ordered from the highest) whose minimum spend **and** minimum
    purchases are both met. Customers who bought before ``start`` but not in the period are
    ``"inactive"``; customers whose first purchase is after ``end`` are not listed.

    With :data:`DEFAULT_TIERS`: gold = spend >= 3,000 and >= 12 purchase days; silver =
    spend >= 1,000 and >= 4 purchase days; bronze = at least one purchase.

    Returns
    -------
    pandas.Series
        Ordered categorical (highest tier first, ``"inactive"`` last), indexed by customer.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["A"] * 4 + ["B", "C"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05", "2024-04-05",
    ...                                   "2024-05-01", "2023-06-01"]),
    ...     "amount": [300.0, 300.0, 300.0, 300.0, 50.0, 80.0]})
    >>> loyalty_tiers(log, start="2024-01-01", end="2024-12-31").astype(str).to_dict()
    {'A': 'silver', 'B': 'bronze', 'C': 'inactive'}
    """
    where = "loyalty_tiers"
    levels = _check_tiers(tiers, where)
    days, lo, hi = _period_days(transactions, start, end, customer_col, date_col, amount_col,
                                where)
    frame = pd.DataFrame({"c": days[customer_col].to_numpy(), "d": days["day"].to_numpy(),
                          "v": days["amount"].to_numpy("float64")})
    if len(frame) == 0 and len(transactions):
        first = purchase_days(transactions, customer_col=customer_col, date_col=date_col,
                              amount_col=amount_col)["day"].min()
        raise DataError(
            f"{where}: end ({hi:%Y-%m-%d}) is before the first purchase ({first:%Y-%m-%d}), so "
            f"no customer has a tier. Pass an end on or after {first:%Y-%m-%d}."
        )
    known = pd.Index(pd.unique(frame["c"])).sort_values()
    period = frame[frame["d"] >= lo]
    g = period.groupby("c")
    spend = g["v"].sum().reindex(known, fill_value=0.0)
    count = g.size().reindex(known, fill_value=0)
    names = [t[0] for t in levels] + [_INACTIVE]
    tier = np.full(len(known), _INACTIVE, dtype=object)
    for name, min_spend, min_count in reversed(levels):
        tier[(spend.to_numpy() >= min_spend) & (count.to_numpy() >= min_count)] = name
    out = pd.Series(pd.Categorical(tier, categories=names, ordered=True), index=known,
                    name="tier")
    out.index.name = customer_col
    return out


@dataclass(frozen=True, repr=False)
class TierMigration(SummaryDisplay):
    """Movement of customers between member levels from one period to the next.

    Attributes
    ----------
    counts : pandas.DataFrame
        Customers by tier in the first period (rows; ``"new"`` = not yet a customer) and in
        the second (columns). Each row sums to the customers of that tier.
    rates : pandas.DataFrame
        ``counts`` divided by the row totals.
    """

    _html_table = "counts"
    _html_float = None

    counts: pd.DataFrame
    rates: pd.DataFrame

    def movement(self) -> pd.Series:
        """Customers present in both periods who moved up, stayed or moved down."""
        rows = [r for r in self.counts.index if r != _NEW]
        order = {name: i for i, name in enumerate(self.counts.columns)}
        moves = {"up": 0, "same": 0, "down": 0}
        for r in rows:
            for c in self.counts.columns:
                key = "same" if order[c] == order[r] else ("up" if order[c] < order[r] else "down")
                moves[key] += int(self.counts.loc[r, c])
        return pd.Series(moves, name="customers")

    def summary(self) -> str:
        """Up/same/down shares as text."""
        m = self.movement()
        total = m.sum()
        parts = ", ".join(f"{k} {v:,} ({v / total:.1%})" for k, v in m.items()) if total else "none"
        new = int(self.counts.loc[_NEW].sum()) if _NEW in self.counts.index else 0
        return f"Tier migration of {total:,} existing customers: {parts}; {new:,} new customers."

    def to_frame(self) -> pd.DataFrame:
        """Long table: from, to, customers, rate."""
        long = self.counts.stack().rename("customers").to_frame()
        long["rate"] = self.rates.stack()
        long.index.names = ["from", "to"]
        return long.reset_index()


def tier_migration(before: pd.Series, after: pd.Series) -> TierMigration:
    """Transition matrix of member levels between two periods.

    Parameters
    ----------
    before, after : pandas.Series
        :func:`loyalty_tiers` of the earlier and the later period (same tiers). Customers of
        ``after`` missing from ``before`` are counted in a ``"new"`` row; customers of
        ``before`` missing from ``after`` raise a :class:`DataError` (compute ``after`` with
        an ``end`` at or after that of ``before``).

    Returns
    -------
    TierMigration

    Examples
    --------
    >>> import pandas as pd
    >>> levels = ["gold", "bronze", "inactive"]
    >>> b = pd.Series(pd.Categorical(["gold", "bronze"], levels, ordered=True), index=["A", "B"])
    >>> a = pd.Series(pd.Categorical(["bronze", "bronze", "gold"], levels, ordered=True), index=["A", "B", "C"])
    >>> tier_migration(b, a).counts
              gold  bronze  inactive
    gold         0       1         0
    bronze       0       1         0
    inactive     0       0         0
    new          1       0         0
    """
    where = "tier_migration"
    for name, s in (("before", before), ("after", after)):
        if not (isinstance(s, pd.Series) and isinstance(s.dtype, pd.CategoricalDtype)):
            raise ParameterError(
                f"{where}: {name!r} must be a categorical Series from loyalty_tiers. Got a "
                f"{type(s).__name__}{' of dtype ' + str(s.dtype) if isinstance(s, pd.Series) else ''}."
            )
    levels = list(after.dtype.categories)
    if list(before.dtype.categories) != levels:
        raise DataError(
            f"{where}: the tiers differ: before has {list(before.dtype.categories)}, after has "
            f"{levels}. Compute both with the same tiers."
        )
    gone = before.index.difference(after.index)
    if len(gone):
        raise DataError(
            f"{where}: {len(gone)} customers of 'before' are missing from 'after' (e.g. "
            f"{format_examples(gone)}); compute 'after' with an end at or after that of 'before'."
        )
    origin = pd.Series(_NEW, index=after.index, dtype=object)
    origin.loc[before.index] = before.astype(str).to_numpy()
    counts = pd.crosstab(
        pd.Categorical(origin, categories=[*levels, _NEW]), after.astype(str).to_numpy(),
        dropna=False,
    ).reindex(index=[*levels, _NEW], columns=levels, fill_value=0).astype("int64")
    counts.index.name, counts.columns.name = None, None
    totals = counts.sum(axis=1).replace(0, np.nan)
    rates = counts.div(totals, axis=0)
    return TierMigration(counts=counts, rates=rates)


# =============================================================================================
# loyalty points (積分)
# =============================================================================================
@dataclass(frozen=True, repr=False)
class LoyaltyPoints(SummaryDisplay):
    """Points earned in a period, the tiers they reach, and the liability they create.

    Attributes
    ----------
    members : pandas.DataFrame
        Per customer active in the period: ``spend``, ``purchase_days``, ``points`` and
        ``tier`` (ordered categorical, highest first).
    scheme : pandas.DataFrame
        Per tier: ``min_points`` (= minimum spend × points per yuan), ``min_purchase_days``,
        ``members``, ``points``.
    points_per_yuan, yuan_per_point, redemption_rate : float
    """

    _html_table = "scheme"
    _html_float = "{:,.0f}"

    members: pd.DataFrame
    scheme: pd.DataFrame
    points_per_yuan: float
    yuan_per_point: float
    redemption_rate: float

    @property
    def points(self) -> int:
        """Points earned in the period by all members."""
        return int(self.members["points"].sum())

    @property
    def liability(self) -> float:
        """Expected cost of the points: points × yuan per point × redemption rate."""
        return float(self.points * self.yuan_per_point * self.redemption_rate)

    def summary(self) -> str:
        return (
            f"Loyalty points: {len(self.members):,} members earned {self.points:,} points "
            f"({self.points_per_yuan:g} per ¥); liability {self.liability:,.0f} ¥ at "
            f"{self.yuan_per_point:g} ¥ per point and a {self.redemption_rate:.0%} redemption rate."
        )

    def to_frame(self) -> pd.DataFrame:
        return self.members.copy()


def loyalty_points(
    transactions: pd.DataFrame, *, start: Any, end: Any, points_per_yuan: float = 1.0,
    yuan_per_point: float = 0.01, redemption_rate: float = 1.0,
    tiers: Sequence[tuple[str, float, int]] = DEFAULT_TIERS,
    customer_col: str = "customer_id", date_col: str = "order_date", amount_col: str = "amount",
) -> LoyaltyPoints:
    """Points (積分) earned between ``start`` and ``end``, tiers in points, and their liability.

    Each purchase day earns ``floor(spend of the day × points_per_yuan)`` points. The tier
    scheme is ``tiers`` with its spend thresholds expressed in points (minimum spend ×
    ``points_per_yuan``): a member gets the highest tier whose minimum points **and** minimum
    purchase days they reach in the period. The liability is what the points will cost when
    redeemed: points × ``yuan_per_point`` × ``redemption_rate`` (the share of points expected
    to be redeemed; 1 is the prudent upper bound when no redemptions are recorded).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["A"] * 4 + ["B"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-03-05", "2024-04-05",
    ...                                   "2024-05-01"]),
    ...     "amount": [300.4, 300.0, 300.0, 300.0, 50.9]})
    >>> pts = loyalty_points(log, start="2024-01-01", end="2024-12-31")
    >>> pts.members[["points", "tier"]].astype({"tier": str}).to_dict("index")
    {'A': {'points': 1200, 'tier': 'silver'}, 'B': {'points': 50, 'tier': 'bronze'}}
    >>> pts.liability
    12.5
    """
    where = "loyalty_points"
    levels = _check_tiers(tiers, where)
    points_per_yuan = check_real(points_per_yuan, "points_per_yuan", where=where, low=0,
                                 low_inclusive=False)
    yuan_per_point = check_real(yuan_per_point, "yuan_per_point", where=where, low=0)
    redemption_rate = check_real(redemption_rate, "redemption_rate", where=where, low=0, high=1)
    days, lo, hi = _period_days(transactions, start, end, customer_col, date_col, amount_col,
                                where)
    days = days[days["day"] >= lo]
    earned = np.floor(days["amount"].to_numpy("float64") * points_per_yuan + 1e-9)
    frame = pd.DataFrame({"c": days[customer_col].to_numpy(), "spend": days["amount"].to_numpy("float64"),
                          "points": earned})
    g = frame.groupby("c")
    members = pd.DataFrame({"spend": g["spend"].sum(), "purchase_days": g.size(),
                            "points": g["points"].sum().astype("int64")})
    members.index.name = customer_col
    names = [t[0] for t in levels]
    tier = np.full(len(members), names[-1], dtype=object)
    for name, min_spend, min_count in reversed(levels):
        ok = ((members["points"].to_numpy() >= min_spend * points_per_yuan - 1e-9)
              & (members["purchase_days"].to_numpy() >= min_count))
        tier[ok] = name
    members["tier"] = pd.Categorical(tier, categories=names, ordered=True)
    by = members.groupby("tier", observed=False)
    scheme = pd.DataFrame({
        "min_points": [t[1] * points_per_yuan for t in levels],
        "min_purchase_days": [t[2] for t in levels],
        "members": by.size().reindex(names).to_numpy(),
        "points": by["points"].sum().reindex(names).to_numpy(),
    }, index=pd.Index(names, name="tier"))
    return LoyaltyPoints(members=members, scheme=scheme, points_per_yuan=points_per_yuan,
                         yuan_per_point=yuan_per_point, redemption_rate=redemption_rate)
