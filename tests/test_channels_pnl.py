"""Channel economics: the P&L against a pandas brute force and across engines, the overlap's
identities and the generator's b2b rule, price dispersion, and the errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlib.channels as ch
from crmlib.datasets import load_default
from crmlib.exceptions import DataError, ParameterError


@pytest.fixture(scope="module")
def data():
    return load_default(tables=["orders", "order_lines", "products", "customers"])


def test_pnl_against_pandas(data):
    rates = {"marketplace": 0.08, "store": 0.12}
    pnl = ch.channel_pnl(data.orders, data.order_lines, data.products, channel_cost_rates=rates,
                         acquisition_spend={"store": 300_000.0}, customers=data.customers,
                         marketing_spend={"web": 100_000.0})
    done = data.orders[data.orders["status"] == "completed"]
    rev = done.groupby("channel", observed=True)["net_amount"].sum()
    lines = data.order_lines.merge(done[["order_id", "channel"]], on="order_id").merge(
        data.products[["product_id", "unit_cost"]], on="product_id")
    cogs = ((lines["quantity"] - lines["returned_qty"]) * lines["unit_cost"]).groupby(
        lines["channel"], observed=True).sum()
    rev.index = rev.index.astype(str)
    cogs.index = cogs.index.astype(str)
    for c in rev.index:
        assert pnl.loc[c, "revenue"] == pytest.approx(rev[c])
        assert pnl.loc[c, "cogs"] == pytest.approx(cogs[c])
        assert pnl.loc[c, "contribution"] == pytest.approx(rev[c] - cogs[c] - rates.get(c, 0) * rev[c])
    assert pnl.loc["total", "revenue"] == pytest.approx(rev.sum())
    assert pnl.loc["total", "orders"] == len(done)
    new_store = (data.customers["acquisition_channel"] == "store").sum()
    assert pnl.loc["store", "cac"] == pytest.approx(300_000 / new_store)
    assert pnl.loc["web", "roas"] == pytest.approx(rev["web"] / 100_000)
    assert np.isnan(pnl.loc["app", "roas"])  # no spend given: no ROAS, not infinity


def test_pnl_runs_on_duckdb_and_polars(data):
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    base = ch.channel_pnl(data.orders, data.order_lines, data.products, by=["region", "channel"])
    con = duckdb.connect()
    rel = {n: con.from_df(getattr(data, n).astype({c: str for c in getattr(data, n).columns
                                                  if isinstance(getattr(data, n)[c].dtype, pd.CategoricalDtype)}))
           for n in ("orders", "order_lines", "products")}
    via_duck = ch.channel_pnl(rel["orders"], rel["order_lines"], rel["products"], by=["region", "channel"])
    pd.testing.assert_frame_equal(base, via_duck.loc[base.index], check_dtype=False, rtol=1e-9)
    pls = {n: pl.from_pandas(getattr(data, n).astype({c: str for c in getattr(data, n).columns
                                                      if isinstance(getattr(data, n)[c].dtype, pd.CategoricalDtype)}))
           for n in ("orders", "order_lines", "products")}
    via_pl = ch.channel_pnl(pls["orders"], pls["order_lines"], pls["products"], by=["region", "channel"])
    pd.testing.assert_frame_equal(base, via_pl.loc[base.index], check_dtype=False, rtol=1e-9)


def test_overlap_identities_and_the_b2b_rule(data):
    ov = ch.channel_overlap(data.orders)
    done = data.orders[data.orders["status"] == "completed"]
    assert ov["by_count"]["customers"].sum() == done["customer_id"].nunique()
    pairs = ov["pairs"]
    assert (pairs.to_numpy() == pairs.to_numpy().T).all()
    per_channel = done.groupby("channel", observed=True)["customer_id"].nunique()
    per_channel.index = per_channel.index.astype(str)
    assert (np.diag(pairs) == per_channel.reindex(pairs.index).to_numpy()).all()
    # the generator: business accounts always buy b2b, private customers never do
    assert (pairs.loc["b2b"].drop("b2b") == 0).all()
    # multi-channel customers buy more often; per order they spend about the same
    bc = ov["by_count"]
    assert bc["orders_per_customer"].is_monotonic_increasing


def test_price_dispersion_compares_products_sold_in_several_channels(data):
    pdp = ch.price_dispersion(data.order_lines, data.orders, data.products)
    assert set(pdp["by_channel"].columns) == {"app", "b2b", "marketplace", "store", "web"}
    assert (pdp["by_channel"].to_numpy() <= 1.0 + 1e-12).all()  # nobody pays above list price
    assert (pdp["spread"]["mean_spread"] >= 0).all()
    with pytest.raises(DataError, match="no product sold at least"):
        ch.price_dispersion(data.order_lines, data.orders, data.products, min_units=10**9)


def test_pnl_errors(data):
    with pytest.raises(DataError, match="have no unit cost"):
        ch.channel_pnl(data.orders, data.order_lines, data.products.iloc[5:])
    with pytest.raises(ParameterError, match=r"channel_cost_rates\['web'\] must be a share"):
        ch.channel_pnl(data.orders, data.order_lines, data.products, channel_cost_rates={"web": 1.5})
    with pytest.raises(ParameterError, match="needs customers="):
        ch.channel_pnl(data.orders, data.order_lines, data.products, acquisition_spend={"web": 1.0})
    with pytest.raises(DataError, match=r"column\(s\) 'net_amount' not in orders"):
        ch.channel_pnl(data.orders.drop(columns="net_amount"), data.order_lines, data.products)
    with pytest.raises(ParameterError, match="is per channel"):
        ch.channel_pnl(data.orders, data.order_lines, data.products, by=["region", "channel"],
                       marketing_spend={"web": 1.0})
    # cancelled orders are not revenue
    one = data.orders[data.orders["status"] == "cancelled"].head(3)
    t = ch.channel_pnl(pd.concat([data.orders.head(50), one]), data.order_lines, data.products)
    assert t.loc["total", "orders"] == (data.orders.head(50)["status"] == "completed").sum()
