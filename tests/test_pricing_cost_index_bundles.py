"""crmlib.pricing cost floors, price index and bundling: truth, invariants, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlib.datasets import load_default
from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing import (
    BundleResult,
    bundle_prices,
    compare_prices,
    cost_floor,
    implied_markup,
    price_gaps,
    price_index,
)


@pytest.fixture(scope="module")
def data():
    return load_default(tables=["products", "price_panel"])


# --------------------------------------------------------------------------------------
# cost
# --------------------------------------------------------------------------------------
def test_implied_markup_recovers_the_products_truth(data):
    """list_price = round(cost x (1 + markup), 2): the implied markup is within the rounding
    bound 0.005 / cost of the true markup for every product of the category."""
    truth = data.truth["products"]["markup_by_category"]
    table = implied_markup(data.products)
    for cat, markup in truth.items():
        row = table.loc[cat]
        assert row["min_markup"] >= markup - row["rounding_bound"] - 1e-12, cat
        assert row["max_markup"] <= markup + row["rounding_bound"] + 1e-12, cat


def test_cost_floor_and_compare_prices():
    t = pd.DataFrame({"materials": [4.0, 6.0], "production": [2.0, 1.0], "selling": [1.0, 1.0],
                      "overhead": [3000.0, 1000.0], "volume": [1000, 500]})
    floors = cost_floor(t, volume_col="volume")
    assert floors["short_run_floor"].tolist() == [7.0, 8.0]
    assert floors["long_run_floor"].tolist() == [10.0, 10.0]
    per_unit = cost_floor(t.assign(overhead=[3.0, 2.0]))
    assert per_unit["long_run_floor"].tolist() == [10.0, 10.0]
    table = compare_prices(floors, markup=0.25, reference_price=pd.Series([11.0, 9.0]),
                           differentiation_value=pd.Series([1.0, -0.5]))
    assert table["cost_plus_price"].tolist() == [12.5, 12.5]
    assert table["value_price"].tolist() == [12.0, 8.5]
    assert table["recommendation"].tolist() == ["value-based", "short-run only (below full cost)"]


def test_cost_bad_input():
    t = pd.DataFrame({"materials": [4.0], "production": [-2.0], "selling": [1.0],
                      "overhead": [3.0], "volume": [0]})
    with pytest.raises(DataError, match="'production' .* 1 negative value"):
        cost_floor(t)
    with pytest.raises(DataError, match="'volume' must be > 0"):
        cost_floor(t.assign(production=2.0), volume_col="volume")
    with pytest.raises(DataError, match="column 'labour' not in frame"):
        cost_floor(t, variable_cols=["labour"])
    with pytest.raises(DataError, match="'variable_cols' is empty"):
        cost_floor(t, variable_cols=[])
    floors = cost_floor(t.assign(production=2.0))
    with pytest.raises(DataError, match="'markup' must be >= 0"):
        compare_prices(floors, markup=-0.1, reference_price=pd.Series([5.0]))
    with pytest.raises(DataError, match="cost_floor\\(\\)"):
        compare_prices(t, markup=0.1, reference_price=pd.Series([5.0]))
    with pytest.raises(DataError, match="'unit_cost' must be > 0"):
        implied_markup(pd.DataFrame({"category": ["a"], "unit_cost": [0.0],
                                     "list_price": [1.0]}))


# --------------------------------------------------------------------------------------
# price index
# --------------------------------------------------------------------------------------
def test_price_index_on_panel(data):
    panel = data.price_panel
    table = price_index(panel, by=["region", "category"], weight_col="units")
    assert len(table) == 30 and table["n"].eq(156).all()
    north = panel[(panel["region"] == "North") & (panel["category"] == "home")]
    manual = 100 * (north["units"] * north["price"]).sum() / \
        (north["units"] * north["competitor_price"]).sum()
    assert table.loc[("North", "home"), "price_index"] == pytest.approx(manual, rel=1e-12)
    overall = price_index(panel, by=None)
    assert list(overall.index) == ["all"]
    assert overall.loc["all", "share_above"] + overall.loc["all", "share_below"] <= 1


@settings(max_examples=50)
@given(st.lists(st.floats(0.01, 1e4), min_size=1, max_size=30), st.data())
def test_price_index_of_identical_prices_is_100(prices, data):
    weights = data.draw(st.lists(st.floats(0.1, 1e3), min_size=len(prices),
                                 max_size=len(prices)))
    frame = pd.DataFrame({"price": prices, "competitor_price": prices, "units": weights,
                          "channel": np.where(np.arange(len(prices)) % 2, "store", "web")})
    table = price_index(frame, by="channel", weight_col="units")
    assert np.allclose(table["price_index"], 100, rtol=1e-12)
    assert (table["share_above"] == 0).all() and (table["mean_gap_pct"].abs() < 1e-12).all()


def test_price_index_bad_input():
    t = pd.DataFrame({"region": ["N"], "price": [1.0], "competitor_price": [0.0],
                      "units": [1.0]})
    with pytest.raises(DataError, match="'competitor_price' must be > 0"):
        price_index(t)
    with pytest.raises(DataError, match="add up to 0"):
        price_index(t.assign(competitor_price=1.0, units=0.0), weight_col="units")
    with pytest.raises(DataError, match="'units' .* negative"):
        price_index(t.assign(competitor_price=1.0, units=-1.0), weight_col="units")
    with pytest.raises(DataError, match="column 'channel' not in frame"):
        price_index(t, by="channel")
    assert price_gaps(t.assign(competitor_price=2.0))["gap_pct"].tolist() == [-0.5]


# --------------------------------------------------------------------------------------
# bundles
# --------------------------------------------------------------------------------------
def test_bundling_textbook_case():
    """Three customers, tastes negatively correlated, unit costs 20: by hand, separate
    prices earn (89.99 - 20) x 2 / 3, the pure bundle 99.99 - 40, and mixed bundling sells A
    and B alone to the specialists and the bundle to the all-rounder."""
    res = bundle_prices([90, 10, 50], [10, 90, 50], cost_a=20, cost_b=20, grid=3)
    s = res.strategies
    assert s.loc["separate", "profit"] == pytest.approx(2 * 69.99 / 3)
    assert s.loc["pure_bundle", "profit"] == pytest.approx(59.99)
    assert s.loc["mixed", "profit"] == pytest.approx((2 * 69.99 + 59.99) / 3)
    assert res.best == "mixed" and isinstance(res, BundleResult)
    assert "best strategy 'mixed'" in res.summary() and "<table" in res._repr_html_()


def test_bundling_simulated_negative_correlation():
    rng = np.random.default_rng(2)
    u = rng.uniform(0, 1, 1500)
    res = bundle_prices(100 * u, 100 * (1 - u) + rng.normal(0, 5, 1500).clip(-5, 5) + 5,
                        cost_a=10, cost_b=10, grid=20)
    s = res.strategies
    assert s.loc["pure_bundle", "profit"] > s.loc["separate", "profit"]
    assert s.loc["mixed", "profit"] >= s.loc["pure_bundle", "profit"] - 1e-12


@settings(max_examples=25)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100)), min_size=1, max_size=25),
       st.floats(0, 30), st.floats(0, 30))
def test_mixed_bundling_never_loses_to_its_special_cases(pairs, ca, cb):
    wa, wb = np.array(pairs).T
    s = bundle_prices(wa, wb, cost_a=ca, cost_b=cb, grid=6).strategies
    assert s.loc["mixed", "profit"] >= max(s.loc["separate", "profit"],
                                           s.loc["pure_bundle", "profit"]) - 1e-9
    assert (s[["buyers_a", "buyers_b", "buyers_bundle"]].sum(axis=1) <= 1 + 1e-12).all()


def test_bundling_bad_input():
    with pytest.raises(DataError, match="same length"):
        bundle_prices([1, 2], [1])
    with pytest.raises(DataError, match=">= 0"):
        bundle_prices([-1, 2], [1, 2])
    with pytest.raises(ParameterError, match="'grid' parameter"):
        bundle_prices([1, 2], [1, 2], grid=1)
    with pytest.raises(ParameterError, match="'cost_a' parameter"):
        bundle_prices([1, 2], [1, 2], cost_a=-1)
