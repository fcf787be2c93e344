"""crmlib.pricing.price_decisions: the rule, the expected changes, bad input."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing import (
    price_decisions,
)


def _now(**cols):
    base = {"price": [10.0, 10.0, 10.0, 10.0], "unit_cost": [6.0, 6.0, 9.5, 6.0],
            "units": [100.0, 100.0, 100.0, 100.0], "cost_floor": [6.0, 6.0, 9.5, 11.5]}
    return pd.DataFrame({**base, **cols}, index=["a", "b", "c", "d"])


def test_rule_markup_step_and_floor():
    e = pd.Series({"a": -2.4, "b": -0.8, "c": -3.0, "d": -5.0})
    out = price_decisions(_now(), e)
    # a: markup price 6 * 2.4 / 1.4 = 10.29, inside +-10%
    assert out.loc["a", "recommended_price"] == pytest.approx(6 * 2.4 / 1.4)
    assert out.loc["a", "rule"] == "markup rule"
    assert out.loc["b", "rule"].startswith("inelastic") and out.loc["b", "recommended_price"] == 11
    assert out.loc["c", "recommended_price"] == pytest.approx(11.0)
    # d: markup 7.5 capped at 9, then raised to the floor 11.5
    assert out.loc["d", "rule"] == "raised to the cost floor"
    assert out.loc["d", "recommended_price"] == 11.5


def test_expected_changes_follow_constant_elasticity():
    e = pd.Series({"a": -2.4, "b": -0.8, "c": -3.0, "d": -5.0})
    out = price_decisions(_now(), e, max_change=0.05)
    ratio = out["recommended_price"] / out["current_price"]
    np.testing.assert_allclose(out["units_change"], ratio ** e - 1)
    np.testing.assert_allclose(out["revenue_change"], ratio ** (1 + e) - 1)
    q1 = 100 * ratio ** e
    np.testing.assert_allclose(out["margin_change_value"],
                               (out["recommended_price"] - out["unit_cost"]) * q1
                               - (10 - out["unit_cost"]) * 100)
    assert (out["price_change"].abs() <= 0.05 + 1e-12)[["a", "b", "c"]].all()


def test_the_markup_rule_inside_the_step_maximises_profit():
    e = -2.4
    out = price_decisions(_now().loc[["a"]], pd.Series({"a": e}))
    grid = np.linspace(9.0, 11.0, 2001)
    profit = (grid - 6.0) * 100 * (grid / 10) ** e
    assert out.loc["a", "recommended_price"] == pytest.approx(grid[profit.argmax()], abs=1e-3)


def test_observed_range_flags_extrapolation():
    now = _now(lo=[9.5, 9.5, 9.5, 9.5], hi=[10.5, 12.0, 12.0, 12.0])
    out = price_decisions(now, pd.Series({"a": -2.4, "b": -0.8, "c": -3.0, "d": -5.0}),
                          observed=("lo", "hi"))
    assert out["extrapolated"].tolist() == [False, False, False, False]
    out = price_decisions(now.assign(hi=10.0), pd.Series({"a": -2.4, "b": -0.8, "c": -3.0,
                                                          "d": -5.0}), observed=("lo", "hi"))
    assert out["extrapolated"].tolist() == [True, True, True, True]


def test_decision_bad_input():
    e = pd.Series({"a": -2.0, "b": -2.0, "c": -2.0, "d": -2.0})
    with pytest.raises(ParameterError, match="'max_change'"):
        price_decisions(_now(), e, max_change=0)
    with pytest.raises(DataError, match="no elasticity for product lines \\['d'\\]"):
        price_decisions(_now(), e.drop("d"))
    with pytest.raises(DataError, match="must be < 0"):
        price_decisions(_now(), e.replace(-2.0, 0.5))
    with pytest.raises(DataError, match="'price' must be > 0"):
        price_decisions(_now(price=[10.0, 0.0, 10.0, 10.0]), e)
    with pytest.raises(DataError, match="column 'cost_floor' not in current"):
        price_decisions(_now().drop(columns="cost_floor"), e)
