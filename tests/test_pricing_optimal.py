"""crmlib.pricing optimal price: the markup rule, its refusal, profit curves, truth recovery."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmlib.datasets import load_default
from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing import (
    ProfitCurve,
    fit_elasticity,
    markup_price,
    optimal_prices,
    plot_profit_curve,
    profit_curve,
)


@given(e=st.floats(-50, -1.0001), c=st.floats(0.01, 1e5))
def test_markup_price_above_cost_and_satisfies_lerner(e, c):
    p = markup_price(e, c)
    assert p > c
    assert abs((p - c) / p + 1 / e) < 1e-9


@given(e=st.floats(-20, -1.05), c=st.floats(0.1, 1000))
def test_markup_price_maximises_profit_on_a_grid(e, c):
    p = markup_price(e, c)
    grid = p * np.linspace(0.8, 1.25, 91)
    profit = (grid - c) * grid ** e
    assert abs(grid[np.argmax(profit)] / p - 1) <= 0.0051  # the grid's step


@pytest.mark.parametrize("e", [-1.0, -0.5, 0.0, 0.3])
def test_markup_price_refuses_inelastic(e):
    with pytest.raises(ParameterError, match=r"must be < -1 .* no optimal price"):
        markup_price(e, 10.0)
    with pytest.raises(ParameterError, match="must be < -1"):
        markup_price([-2.0, e], 10.0)


def test_markup_price_bad_cost():
    with pytest.raises(DataError, match="'unit_cost' must be finite numbers > 0"):
        markup_price(-2.0, 0.0)


def test_profit_curve_band_and_notes():
    curve = profit_curve(-1.8, 0.2, unit_cost=10.0, current_price=20.0, current_units=50.0,
                         prices=np.arange(10.0, 40.5, 0.5), observed_range=(15.0, 21.0))
    t = curve.table
    assert (t["profit_low"] <= t["profit"] + 1e-9).all()
    assert (t["profit"] <= t["profit_high"] + 1e-9).all()
    # at the current price the band has zero width (demand passes through it)
    assert t.loc[20.0, "profit_high"] - t.loc[20.0, "profit_low"] < 1e-9
    assert curve.optimal_price == pytest.approx(22.5)
    assert curve.optimal_low < curve.optimal_price < curve.optimal_high
    assert any("outside the observed prices" in n for n in curve.notes)
    assert "Optimal price 22.50" in curve.summary()
    assert "<table" in curve._repr_html_()
    ax = plot_profit_curve(curve)
    assert ax.get_ylabel() == "profit" and len(ax.collections) >= 1


def test_profit_curve_inelastic_and_wide_interval():
    inelastic = profit_curve(-0.8, 0.05, unit_cost=5, current_price=10, current_units=10)
    assert np.isnan(inelastic.optimal_price)
    assert "No optimal price" in inelastic.summary()
    assert inelastic.table["profit"].is_monotonic_increasing
    wide = profit_curve(-1.3, 0.3, unit_cost=5, current_price=10, current_units=10)
    assert np.isinf(wide.optimal_high) and any("no upper" in n for n in wide.notes)


def test_profit_curve_bad_arguments():
    with pytest.raises(ParameterError, match="'unit_cost'"):
        profit_curve(-2, 0.1, unit_cost=0, current_price=1, current_units=1)
    with pytest.raises(ParameterError, match="'std_error'"):
        profit_curve(-2, -0.1, unit_cost=1, current_price=1, current_units=1)
    with pytest.raises(ParameterError, match="'observed_range'"):
        profit_curve(-2, 0.1, unit_cost=1, current_price=1, current_units=1,
                     observed_range=(3, 2))
    with pytest.raises(ParameterError, match="'curve' parameter"):
        plot_profit_curve("curve")
    c = profit_curve(-2, 0.1, unit_cost=1, current_price=1, current_units=1)
    assert isinstance(c, ProfitCurve)
    with pytest.raises(ParameterError, match="alpha"):
        c.summary(alpha=0.1)


def test_optimal_prices_recover_truth_on_default_panel():
    """The true price/cost ratio e/(1+e) lies in the interval of the fitted one.

    alpha = 0.0027 (3 SE): since p*/c is monotone in e, this is the elasticity's 3-SE check
    carried to prices; grocery (true elasticity -0.8) must be refused.
    """
    data = load_default(tables=["price_panel"])
    truth = data.truth["pricing"]["categories"]
    fit = fit_elasticity(data.price_panel)
    table = optimal_prices(fit, {c: 1.0 for c in truth}, alpha=0.0027)
    for cat, params in truth.items():
        row = table.loc[cat]
        if params["optimal_price_to_cost"] is None:
            assert row["status"] == "inelastic: no optimum"
            continue
        assert row["status"] == "optimum"
        assert row["price_low"] < params["optimal_price_to_cost"] < row["price_high"], cat
    with pytest.raises(DataError, match="positive cost for every group"):
        optimal_prices(fit, {"grocery": 1.0})
    with pytest.raises(ParameterError, match="ElasticityResult"):
        optimal_prices("fit", {})
