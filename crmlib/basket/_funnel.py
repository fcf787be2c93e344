"""The six relationship steps (aware -> trial -> repeat -> cross-buy -> loyal, and win-back)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib._validation import check_columns, check_int, parse_date
from crmlib.engine import purchase_days
from crmlib.exceptions import DataError

__all__ = ["relationship_funnel"]


def relationship_funnel(orders: pd.DataFrame, items: pd.DataFrame, *, as_of, prospects: int = 0,
                        loyal_days: int = 5, active_days: int = 365, lapse_days: int = 180,
                        customer: str = "customer_id", date: str = "order_date",
                        item: str = "item") -> pd.DataFrame:
    """Customers at each step of the relationship, measured from the order log up to ``as_of``.

    Steps (a purchase is a purchase day, :func:`crmlib.engine.purchase_days`):

    - **aware**: the customers who bought (every buyer knew the brand) plus ``prospects``,
      people known to be aware who never bought (e.g. unconverted leads; the order log cannot
      see them, so pass their number);
    - **trial**: at least one purchase on or before ``as_of``;
    - **repeat**: at least two purchase days;
    - **cross-buy**: repeat, and bought at least two distinct items (e.g. categories) in all;
    - **loyal**: cross-buy, at least ``loyal_days`` purchase days, and a purchase within
      ``active_days`` before ``as_of``;
    - **win-back**: beside the funnel: the customers who *lapsed* — a gap of at least
      ``lapse_days`` between two purchase days, or from the last one to ``as_of`` — and, of them,
      those who bought again after a gap (``won_back``).

    Parameters
    ----------
    orders : pandas.DataFrame
        Completed orders with ``customer`` and ``date`` columns.
    items : pandas.DataFrame
        (``customer``, ``item``) rows of what was bought (e.g. order lines with the category).

    Returns
    -------
    pandas.DataFrame
        Index: step (``aware``, ``trial``, ``repeat``, ``cross_buy``, ``loyal``, ``lapsed``,
        ``won_back``); columns ``customers``, ``of_previous`` (share of the step before; for
        ``won_back``, of ``lapsed``; for ``lapsed``, of ``trial``), ``of_aware`` and
        ``definition``.
    """
    where = "relationship_funnel"
    check_columns(list(orders.columns), [customer, date], where=where)
    check_columns(list(items.columns), [customer, item], where=where)
    prospects = check_int(prospects, "prospects", where=where, low=0)
    loyal_days = check_int(loyal_days, "loyal_days", where=where, low=2)
    active_days = check_int(active_days, "active_days", where=where, low=1)
    lapse_days = check_int(lapse_days, "lapse_days", where=where, low=1)
    end = pd.Timestamp(parse_date(as_of, "as_of", where=where))
    days = purchase_days(orders[[customer, date]], customer_col=customer, date_col=date,
                         amount_col=None, as_of=end)
    if len(days) == 0:
        raise DataError(f"{where}: no purchase on or before as_of={end.date()}; check as_of or orders.")
    d = pd.to_datetime(days["day"]).to_numpy()
    c = days[customer].to_numpy()
    order = np.lexsort((d, c))
    d, c = d[order], c[order]
    g = pd.DataFrame({"c": c, "d": d})
    per = g.groupby("c", sort=False)["d"].agg(["size", "max"])
    gap = g.groupby("c", sort=False)["d"].diff().dt.days
    lapse = pd.Timedelta(days=lapse_days)
    came_back = g.assign(gap=gap.to_numpy() >= lapse_days).groupby("c", sort=False)["gap"].any()
    open_gap = (end - per["max"]) >= lapse
    kept = items[items[customer].isin(per.index)]
    n_items = kept.groupby(customer, observed=True)[item].nunique().reindex(per.index, fill_value=0)
    trial = per.index
    repeat = per["size"] >= 2
    cross = repeat & (n_items >= 2)
    loyal = cross & (per["size"] >= loyal_days) & ((end - per["max"]) <= pd.Timedelta(days=active_days))
    lapsed = came_back | open_gap
    counts = {
        "aware": len(trial) + prospects, "trial": len(trial), "repeat": int(repeat.sum()),
        "cross_buy": int(cross.sum()), "loyal": int(loyal.sum()), "lapsed": int(lapsed.sum()),
        "won_back": int(came_back.sum()),
    }
    prev = {"trial": "aware", "repeat": "trial", "cross_buy": "repeat", "loyal": "cross_buy",
            "lapsed": "trial", "won_back": "lapsed"}
    definition = {
        "aware": f"bought, plus {prospects:,} known prospects who never bought",
        "trial": f"a purchase on or before {end.date()}",
        "repeat": "two or more purchase days",
        "cross_buy": "repeat, and two or more distinct items in all",
        "loyal": f"cross-buy, {loyal_days}+ purchase days, last within {active_days} days",
        "lapsed": f"a gap of {lapse_days}+ days between purchases or since the last",
        "won_back": f"bought again after a gap of {lapse_days}+ days",
    }
    out = pd.DataFrame({"customers": pd.Series(counts)})
    out["of_previous"] = [np.nan if s == "aware" else counts[s] / max(counts[prev[s]], 1) for s in out.index]
    out["of_aware"] = out["customers"] / max(counts["aware"], 1)
    out["definition"] = pd.Series(definition)
    out.index.name = "step"
    return out
