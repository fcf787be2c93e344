"""Sales-channel economics: the channel P&L, omnichannel overlap and price dispersion.

The heavy step of each — aggregating order lines or orders to one row per group — runs in the
user's engine through Narwhals (pandas, Polars, DuckDB or Spark frames, as in
:mod:`crmlib.engine`); the small aggregated tables are finished in pandas.

- :func:`channel_pnl` — per sales channel (and region, or any columns of the orders):
  orders, customers, revenue, cost of goods (order lines x product unit costs, net of
  returned units), gross margin, the channel's own costs (commission, fulfilment: rates on
  revenue, business inputs), contribution, and with the acquisition spend per channel the
  customers acquired and the cost of acquiring each (CAC), with the marketing spend the
  return on ad spend (ROAS);
- :func:`channel_overlap` — how many channels each customer buys through, what the
  single- and multi-channel customers are worth, and the pairwise overlap of channels;
- :func:`price_dispersion` — the same product's average price in each channel against its
  list price, per product line: how far the channels undercut each other (a measure of
  channel conflict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from crmlib._validation import format_examples
from crmlib.engine import _open, to_pandas
from crmlib.exceptions import DataError, ParameterError

__all__ = ["channel_overlap", "channel_pnl", "price_dispersion"]


def _completed(lf: nw.LazyFrame, status_col: str | None, completed: str) -> nw.LazyFrame:
    if status_col is None:
        return lf
    return lf.filter(nw.col(status_col) == completed)


def _need(lf: nw.LazyFrame, cols: Sequence[str], what: str, where: str) -> None:
    names = lf.collect_schema().names()
    missing = [c for c in cols if c not in names]
    if missing:
        raise DataError(f"{where}: column(s) {format_examples(missing)} not in {what}. Columns "
                        f"present: {names}.")


def channel_pnl(
    orders: Any,
    lines: Any,
    products: Any,
    *,
    by: str | Sequence[str] = "channel",
    channel_col: str = "channel",
    status_col: str | None = "status",
    completed: str = "completed",
    channel_cost_rates: Mapping[str, float] | None = None,
    acquisition_spend: Mapping[str, float] | None = None,
    customers: Any = None,
    acquisition_col: str = "acquisition_channel",
    marketing_spend: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The P&L of each sales channel (or channel x region): revenue down to contribution.

    Parameters
    ----------
    orders, lines, products : frames
        The default data's ``orders`` (``order_id, customer_id, net_amount`` and the ``by``
        columns), ``order_lines`` (``order_id, product_id, quantity, returned_qty``) and
        ``products`` (``product_id, unit_cost``); any engine Narwhals reads.
    by : str or sequence of str
        Group columns of the orders.
    status_col, completed : str
        Only orders with this status count (None: all).
    channel_cost_rates : mapping channel -> rate, optional
        The channel's own cost as a share of its revenue (marketplace commission, delivery,
        store operations): business inputs, default 0.
    acquisition_spend : mapping channel -> yuan, optional
        What was spent to acquire customers through each channel over the period; with
        ``customers`` (``customer_id`` and ``acquisition_col``) gives ``new_customers`` and
        ``cac``.
    marketing_spend : mapping channel -> yuan, optional
        Marketing spend attributed to each channel: ``roas`` = revenue / spend.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``orders``, ``customers``, ``revenue``, ``cogs``,
        ``gross_margin``, ``margin_rate``, ``channel_cost``, ``contribution``,
        ``contribution_rate`` and, when given, ``new_customers``, ``acquisition_spend``,
        ``cac``, ``marketing_spend``, ``roas``; a last row ``'total'`` when grouping by the
        channel alone.

    Raises
    ------
    DataError
        Missing columns, order lines whose product has no unit cost (named), lines of unknown
        orders are ignored only if they are of orders that are not completed.

    Examples
    --------
    >>> import pandas as pd
    >>> orders = pd.DataFrame({"order_id": ["o1", "o2"], "customer_id": ["A", "B"],
    ...                        "channel": ["web", "store"], "net_amount": [100.0, 50.0],
    ...                        "status": "completed"})
    >>> lines = pd.DataFrame({"order_id": ["o1", "o2"], "product_id": ["p", "p"],
    ...                       "quantity": [2, 1], "returned_qty": [0, 0]})
    >>> products = pd.DataFrame({"product_id": ["p"], "unit_cost": [20.0]})
    >>> channel_pnl(orders, lines, products, channel_cost_rates={"web": 0.1})[
    ...     ["revenue", "cogs", "gross_margin", "contribution"]]
             revenue  cogs  gross_margin  contribution
    channel
    store       50.0  20.0          30.0          30.0
    web        100.0  40.0          60.0          50.0
    total      150.0  60.0          90.0          80.0
    """
    where = "channel_pnl"
    groups = [by] if isinstance(by, str) else list(by)
    if not groups:
        raise ParameterError(f"The 'by' parameter of {where} must name at least one column.")
    lo, _, _ = _open(orders, where, "orders")
    ll, _, _ = _open(lines, where, "lines")
    lp, _, _ = _open(products, where, "products")
    _need(lo, ["order_id", "customer_id", "net_amount", *groups]
          + ([status_col] if status_col else []), "orders", where)
    _need(ll, ["order_id", "product_id", "quantity", "returned_qty"], "lines", where)
    _need(lp, ["product_id", "unit_cost"], "products", where)
    lo = _completed(lo, status_col, completed)
    head = (lo.group_by(*groups)
            .agg(nw.len().alias("orders"), nw.col("customer_id").n_unique().alias("customers"),
                 nw.col("net_amount").sum().alias("revenue")))
    cost = (ll.join(lp.select("product_id", "unit_cost"), on="product_id", how="left")
            .join(lo.select("order_id", *groups), on="order_id", how="inner"))
    missing_cost = to_pandas(cost.filter(nw.col("unit_cost").is_null())
                             .select("product_id").unique())
    if len(missing_cost):
        raise DataError(f"{where}: {len(missing_cost)} product(s) of completed orders have no "
                        f"unit cost (e.g. {format_examples(missing_cost['product_id'])}); the "
                        "cost of goods cannot be computed. Add them to the products table.")
    cogs = (cost.with_columns(((nw.col("quantity") - nw.col("returned_qty")) * nw.col("unit_cost"))
                              .alias("_cogs"))
            .group_by(*groups).agg(nw.col("_cogs").sum().alias("cogs")))
    table = to_pandas(head.join(cogs, on=groups, how="left")).sort_values(groups)
    table["cogs"] = table["cogs"].fillna(0.0)
    for g in groups:
        if isinstance(table[g].dtype, pd.CategoricalDtype):
            table[g] = table[g].astype(str)
    table = table.set_index(groups)
    rates = dict(channel_cost_rates or {})
    for c, r in rates.items():
        if not isinstance(r, (int, float)) or isinstance(r, bool) or not 0 <= r < 1:
            raise ParameterError(f"{where}: channel_cost_rates[{c!r}] must be a share in [0, 1); "
                                 f"got {r!r}.")
    chan = (table.index.get_level_values(channel_col) if channel_col in groups
            else pd.Index([None] * len(table)))
    if rates and channel_col not in groups:
        raise ParameterError(f"{where}: channel_cost_rates need {channel_col!r} among the by= "
                             "columns.")
    table["gross_margin"] = table["revenue"] - table["cogs"]
    table["margin_rate"] = table["gross_margin"] / table["revenue"]
    table["channel_cost"] = table["revenue"].to_numpy() * np.array([rates.get(c, 0.0) for c in chan])
    table["contribution"] = table["gross_margin"] - table["channel_cost"]
    table["contribution_rate"] = table["contribution"] / table["revenue"]
    total_ok = groups == [channel_col]
    if acquisition_spend is not None:
        if not total_ok:
            raise ParameterError(f"{where}: acquisition_spend is per channel; use by={channel_col!r}.")
        if customers is None:
            raise ParameterError(f"{where}: acquisition_spend needs customers= (with "
                                 f"{acquisition_col!r}) to count the customers acquired.")
        lc, _, _ = _open(customers, where, "customers")
        _need(lc, ["customer_id", acquisition_col], "customers", where)
        new = to_pandas(lc.group_by(acquisition_col).agg(nw.len().alias("new_customers")))
        new[acquisition_col] = new[acquisition_col].astype(str)
        new = new.set_index(acquisition_col)["new_customers"]
        table["new_customers"] = new.reindex(table.index).fillna(0).astype("int64")
        table["acquisition_spend"] = pd.Series(acquisition_spend).reindex(table.index).fillna(0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            table["cac"] = table["acquisition_spend"] / table["new_customers"].where(
                table["new_customers"] > 0)
    if marketing_spend is not None:
        if not total_ok:
            raise ParameterError(f"{where}: marketing_spend is per channel; use by={channel_col!r}.")
        spend = pd.Series(marketing_spend, dtype=float).reindex(table.index)
        table["marketing_spend"] = spend.fillna(0.0)
        table["roas"] = table["revenue"] / spend.where(spend > 0)
    if total_ok:
        tot = table.sum(numeric_only=True)
        tot["customers"] = to_pandas(lo.select(nw.col("customer_id").n_unique().alias("n")))["n"].iloc[0]
        tot["margin_rate"] = tot["gross_margin"] / tot["revenue"]
        tot["contribution_rate"] = tot["contribution"] / tot["revenue"]
        if "cac" in table:
            tot["cac"] = tot["acquisition_spend"] / tot["new_customers"] if tot["new_customers"] else np.nan
        if "roas" in table:
            tot["roas"] = tot["revenue"] / tot["marketing_spend"] if tot["marketing_spend"] else np.nan
        table.loc["total"] = tot
        table["orders"] = table["orders"].astype("int64")
        table["customers"] = table["customers"].astype("int64")
    return table


def channel_overlap(orders: Any, *, customer_col: str = "customer_id", channel_col: str = "channel",
                    amount_col: str = "net_amount", status_col: str | None = "status",
                    completed: str = "completed") -> dict[str, pd.DataFrame]:
    """Single- and multi-channel customers, their value, and the overlap of each channel pair.

    Returns
    -------
    dict
        ``'by_count'``: per number of channels used (1, 2, ...), ``customers``, ``share``,
        ``orders_per_customer``, ``revenue_per_customer`` and ``revenue_per_order`` — the
        last separates "multi-channel customers spend more per visit" from "they simply buy
        more often" (frequent buyers touch more channels by chance);
        ``'pairs'``: channels x channels, the customers who bought through both (diagonal:
        through the channel at all); ``'share_also'``: row channel's customers who also buy
        through the column channel.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"customer_id": ["A", "A", "B"], "channel": ["web", "store", "web"],
    ...                   "net_amount": [10.0, 20.0, 5.0], "status": "completed"})
    >>> channel_overlap(o)["by_count"]["customers"].tolist()
    [1, 1]
    """
    where = "channel_overlap"
    lf, _, _ = _open(orders, where, "orders")
    _need(lf, [customer_col, channel_col, amount_col] + ([status_col] if status_col else []),
          "orders", where)
    lf = _completed(lf, status_col, completed)
    per = to_pandas(lf.group_by(customer_col, channel_col)
                    .agg(nw.len().alias("orders"), nw.col(amount_col).sum().alias("revenue")))
    if per[customer_col].isna().any() or per[channel_col].isna().any():
        raise DataError(f"{where}: orders without a customer or channel cannot be placed; set "
                        "them aside first (crmlib.datasets.read_transactions counts them).")
    per[channel_col] = per[channel_col].astype(str)
    cust = per.groupby(customer_col).agg(n_channels=(channel_col, "size"), orders=("orders", "sum"),
                                         revenue=("revenue", "sum"))
    by_count = cust.groupby("n_channels").agg(customers=("orders", "size"), orders=("orders", "sum"),
                                              revenue=("revenue", "sum"))
    by_count["share"] = by_count["customers"] / by_count["customers"].sum()
    by_count["orders_per_customer"] = by_count["orders"] / by_count["customers"]
    by_count["revenue_per_customer"] = by_count["revenue"] / by_count["customers"]
    by_count["revenue_per_order"] = by_count["revenue"] / by_count["orders"]
    by_count = by_count[["customers", "share", "orders_per_customer", "revenue_per_customer",
                         "revenue_per_order"]]
    inc = pd.crosstab(per[customer_col], per[channel_col]).clip(upper=1)
    pairs = inc.T @ inc
    pairs.index.name = pairs.columns.name = channel_col
    share_also = pairs.div(np.diag(pairs), axis=0)
    return {"by_count": by_count, "pairs": pairs, "share_also": share_also}


def price_dispersion(lines: Any, orders: Any, products: Any, *, channel_col: str = "channel",
                     category_col: str = "category", status_col: str | None = "status",
                     completed: str = "completed", min_units: int = 5) -> dict[str, pd.DataFrame]:
    """How the same products are priced in each channel, against their list price.

    For every product sold at least ``min_units`` times in at least two channels, its
    units-weighted average price in each channel over its list price; then per product line:
    the mean of that ratio per channel, and the mean spread (dearest minus cheapest channel,
    in shares of the list price).

    Returns
    -------
    dict
        ``'by_channel'`` (product line x channel: average price / list price),
        ``'spread'`` (per product line: ``products`` compared, ``mean_spread``,
        ``max_spread``, ``cheapest_channel`` most often).

    Examples
    --------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"order_id": ["o1", "o2"], "product_id": ["p", "p"],
    ...                       "quantity": [5, 5], "unit_price": [9.0, 10.0], "list_price": [10.0, 10.0]})
    >>> orders = pd.DataFrame({"order_id": ["o1", "o2"], "channel": ["web", "store"], "status": "completed"})
    >>> products = pd.DataFrame({"product_id": ["p"], "category": ["tea"]})
    >>> price_dispersion(lines, orders, products)["spread"]["mean_spread"].round(3).tolist()
    [0.1]
    """
    where = "price_dispersion"
    ll, _, _ = _open(lines, where, "lines")
    lo, _, _ = _open(orders, where, "orders")
    lp, _, _ = _open(products, where, "products")
    _need(ll, ["order_id", "product_id", "quantity", "unit_price", "list_price"], "lines", where)
    _need(lo, ["order_id", channel_col] + ([status_col] if status_col else []), "orders", where)
    _need(lp, ["product_id", category_col], "products", where)
    lo = _completed(lo, status_col, completed)
    agg = to_pandas(ll.join(lo.select("order_id", channel_col), on="order_id", how="inner")
                    .with_columns((nw.col("unit_price") * nw.col("quantity")).alias("_paid"),
                                  (nw.col("list_price") * nw.col("quantity")).alias("_list"))
                    .group_by("product_id", channel_col)
                    .agg(nw.col("quantity").sum().alias("units"), nw.col("_paid").sum().alias("paid"),
                         nw.col("_list").sum().alias("list")))
    agg[channel_col] = agg[channel_col].astype(str)
    agg = agg[agg["units"] >= min_units]
    agg["ratio"] = agg["paid"] / agg["list"]
    wide = agg.pivot(index="product_id", columns=channel_col, values="ratio")
    wide = wide[wide.notna().sum(axis=1) >= 2]
    if wide.empty:
        raise DataError(f"{where}: no product sold at least {min_units} times in two channels; "
                        "lower min_units or use a longer period.")
    cats = to_pandas(lp.select("product_id", category_col)).astype({category_col: str})
    cat = cats.set_index("product_id")[category_col].reindex(wide.index)
    by_channel = wide.groupby(cat).mean()
    by_channel.index.name = category_col
    spread = (wide.max(axis=1) - wide.min(axis=1))
    cheapest = wide.idxmin(axis=1)
    out = pd.DataFrame({"products": spread.groupby(cat).size(),
                        "mean_spread": spread.groupby(cat).mean(),
                        "max_spread": spread.groupby(cat).max(),
                        "cheapest_channel": cheapest.groupby(cat).agg(lambda s: s.mode().iloc[0])})
    out.index.name = category_col
    return {"by_channel": by_channel, "spread": out}
