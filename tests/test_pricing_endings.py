"""Price endings: the share of charm prices, the ending's lift inside the demand model, and
charm rounding.

Truths used:

- simulated panels with a planted ending lift (and a planted confounder) — recovered within
  a normal tolerance of its standard error;
- the default data, whose generator gives the last digit of a price no effect on units
  (``ground_truth.json`` 'pricing' model has no such term): every category's estimate is
  within a Bonferroni bound of zero;
- Dominick's orange juice: the lift equals an independent statsmodels regression with store
  dummies to 1e-8.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlib.datasets import load_default, load_orange_juice
from crmlib.exceptions import DataError, ParameterError
from crmlib.market import oj_store_weeks
from crmlib.pricing import charm_effect, charm_price, price_endings

PLAIN = dict(log_controls=(), absorb=None, week_col=None, trend=False, seasonality=0,
             event_col=None, cluster=None)


def _panel(n: int, lift: float, *, seed: int, confound: float = 0.0) -> pd.DataFrame:
    """Printed prices around 3.00; units with elasticity -2 and an ending lift ``lift``.

    With ``confound`` > 0, a feature flag (which lifts units by 30%) is more common on charm
    prices, so a model without the feature control credits its lift to the ending.
    """
    rng = np.random.default_rng(seed)
    price = np.round(rng.uniform(2.5, 3.5, n), 2)
    nine = (np.round(price * 100) % 10 == 9)
    feature = rng.random(n) < np.where(nine, 0.2 + confound, 0.2)
    log_units = (5 - 2 * np.log(price) + np.log1p(lift) * nine + np.log(1.3) * feature
                 + rng.normal(0, 0.2, n))
    return pd.DataFrame({"price": price, "units": np.exp(log_units), "feature": feature})


@pytest.mark.parametrize("lift", [0.0, 0.08, -0.05])
def test_a_planted_lift_is_recovered(lift):
    panel = _panel(6000, lift, seed=7)
    fit = charm_effect(panel, by=None, controls=["feature"], **PLAIN)
    row = fit.effects.loc["all"]
    # the estimate is normal around log(1 + lift) with the reported SE: 4 SE fails once in
    # 16,000 runs of a correct estimator.
    assert abs(row["coefficient"] - np.log1p(lift)) < 4 * row["std_error"]
    # the SE is that of OLS on a 0/1 regressor with share q: sigma / sqrt(n q (1 - q))
    q = row["charm_share"]
    expected_se = 0.2 / np.sqrt(6000 * q * (1 - q))
    assert row["std_error"] == pytest.approx(expected_se, rel=0.1)
    assert row["lift_low"] < row["lift"] < row["lift_high"]
    # and the elasticity's SE is sigma / (sd(log price) sqrt(n))
    se_e = 0.2 / (np.log(panel["price"]).std() * np.sqrt(len(panel)))
    assert row["elasticity"] == pytest.approx(-2, abs=4 * se_e)


def test_interval_covers_the_truth_at_its_level():
    # 200 simulated panels: the 90% interval should cover the planted lift in 90% of them;
    # a binomial(200, 0.9) count is within 168..192 with probability 0.999.
    hits = 0
    for seed in range(200):
        fit = charm_effect(_panel(400, 0.08, seed=seed), by=None, controls=["feature"],
                           alpha=0.10, **PLAIN)
        row = fit.effects.loc["all"]
        hits += row["lift_low"] <= 0.08 <= row["lift_high"]
    assert 168 <= hits <= 192


def test_the_confounder_is_the_trap():
    panel = _panel(6000, 0.0, seed=3, confound=0.4)
    naive = charm_effect(panel, by=None, controls=(), **PLAIN)
    right = charm_effect(panel, by=None, controls=["feature"], **PLAIN)
    # without the feature control the ending takes about 0.4 x log(1.3) = 0.105 of log lift
    assert naive.effects.loc["all", "coefficient"] > 0.06
    assert abs(right.effects.loc["all", "z"]) < 4
    assert any("promotion controls" in n for n in naive.notes)
    assert any("fixed effects" in n for n in naive.notes)
    assert not any("promotion controls" in n for n in right.notes)


def test_default_data_endings_have_no_effect():
    data = load_default()
    fit = charm_effect(data.price_panel)
    effects = fit.effects
    assert list(effects.index) == sorted(data.price_panel["category"].unique())
    # the truth is 0 in every category: Bonferroni over the categories at a family level of
    # 0.001 bounds each |z|.
    bound = NormalDist().inv_cdf(1 - 0.001 / (2 * len(effects)))
    assert (effects["z"].abs() < bound).all(), effects["z"]
    # with ten possible last digits and random prices, about one in ten ends in 9
    shares = price_endings(data.price_panel, by="category")["charm_share"]
    n = data.price_panel.groupby("category", observed=True).size()
    assert ((shares - 0.1).abs() < 4 * np.sqrt(0.09 / n)).all()
    assert "charm_ending = 1 when the price ends in 9" in fit.model
    assert "Price ending in 9" in str(fit)
    assert fit._repr_html_().count("<tr>") >= len(effects)


def test_price_endings_counts():
    shelf = pd.DataFrame({"brand": ["a", "a", "a", "a", "b"],
                          "price": [3.99, 3.49, 4.00, 2.09, 2.50]})
    table = price_endings(shelf, by="brand")
    assert table.loc["a", "n"] == 4 and table.loc["b", "n"] == 1
    assert table.loc["a", "charm_share"] == 0.75
    assert table.loc["a", "double_share"] == 0.25
    assert table.loc["a", "round_share"] == 0.25
    assert table.loc["a", "charm_ratio"] == pytest.approx(7.5)
    whole = price_endings(pd.DataFrame({"price": [299, 300, 309, 459.0]}), decimals=0)
    assert whole.loc["all", "charm_share"] == 0.75 and whole.loc["all", "double_share"] == 0.25
    fives = price_endings(shelf, ending=5)
    assert fives.loc["all", "charm_share"] == 0.0


def test_price_endings_errors():
    with pytest.raises(DataError, match=r"'price'.*not whole multiples of 0.01.*3.8734"):
        price_endings(pd.DataFrame({"price": [3.8734, 2.0]}))
    with pytest.raises(DataError, match=r"'price' must be a price > 0.*nan"):
        price_endings(pd.DataFrame({"price": [np.nan, 2.0]}))
    with pytest.raises(DataError, match=r"numeric prices.*'3,99'"):
        price_endings(pd.DataFrame({"price": ["3,99", "2.00"]}))
    with pytest.raises(DataError, match="brnd"):
        price_endings(pd.DataFrame({"price": [1.0]}), by="brnd")
    with pytest.raises(DataError, match="missing values"):
        price_endings(pd.DataFrame({"price": [1.0, 2.0], "g": ["a", None]}), by="g")
    with pytest.raises(ParameterError, match="'ending'"):
        price_endings(pd.DataFrame({"price": [1.0]}), ending=10)
    with pytest.raises(ParameterError, match="'decimals'"):
        price_endings(pd.DataFrame({"price": [1.0]}), decimals=-1)


def test_charm_effect_errors():
    panel = _panel(300, 0.0, seed=1)
    with pytest.raises(DataError, match=r"group 'b'.*no price ends in 9"):
        two = pd.concat([panel.assign(g="a"), panel.assign(g="b", price=3.0)])
        charm_effect(two, by="g", controls=(), **PLAIN)
    with pytest.raises(DataError, match=r"every price ends in 9"):
        charm_effect(panel.assign(price=2.99), by=None, controls=(), **PLAIN)
    with pytest.raises(DataError, match="charm_ending"):
        charm_effect(panel.assign(charm_ending=1), by=None, controls=(), **PLAIN)
    with pytest.raises(DataError, match="not whole multiples"):
        charm_effect(panel.assign(price=panel["price"] + 0.001), by=None, controls=(),
                     **PLAIN)
    with pytest.raises(ParameterError, match="'alpha'"):
        charm_effect(panel, by=None, controls=(), alpha=1.0, **PLAIN)


def test_charm_price_examples_and_errors():
    assert charm_price([4.23, 5.0, 3.99, 1.0]).tolist() == [3.99, 4.99, 3.99, 0.99]
    assert charm_price([4.23, 4.60], direction="nearest").tolist() == [3.99, 4.99]
    assert charm_price([305, 299.5], ending=9, step=10).tolist() == [299.0, 299.0]
    s = pd.Series([12.3, 7.0], index=["x", "y"], name="p")
    out = charm_price(s, ending=0.9)
    assert isinstance(out, pd.Series) and out.index.tolist() == ["x", "y"]
    assert out.tolist() == [11.9, 6.9]
    with pytest.raises(DataError, match="lowest charm price"):
        charm_price([0.5])
    with pytest.raises(DataError, match="> 0"):
        charm_price([np.nan, 2.0])
    with pytest.raises(ParameterError, match=r"'ending'.*\[0, 1\)"):
        charm_price([3.0], ending=1.5)
    with pytest.raises(ParameterError, match="'step'"):
        charm_price([3.0], step=0)
    with pytest.raises(ParameterError, match="'direction'"):
        charm_price([3.0], direction="up")


@settings(max_examples=200, deadline=None)
@given(price=st.floats(1.0, 10_000.0), step=st.sampled_from([1.0, 10.0, 100.0]),
       frac=st.sampled_from([0.99, 0.9, 0.5]), nearest=st.booleans())
def test_charm_price_lands_on_the_grid(price, step, frac, nearest):
    ending = frac * step if step == 1.0 else step - 1
    if price <= ending:
        return
    out = float(charm_price([price], ending=ending, step=step,
                            direction="nearest" if nearest else "down")[0])
    k = (out - ending) / step
    assert abs(k - round(k)) < 1e-6
    if nearest:
        assert abs(out - price) <= step / 2 + 1e-6
    else:
        assert out <= price + 1e-9 and price - out < step + 1e-9


@pytest.mark.realdata
def test_orange_juice_lift_matches_statsmodels(real_data_home):
    weeks = oj_store_weeks(load_orange_juice())
    table = price_endings(weeks, by="brand")
    # 70% of Dominick's orange-juice prices end in 9 (against 10% by chance)
    assert (table["charm_share"] > 0.6).all()
    fit = charm_effect(weeks, by="brand", units_col="sales", log_controls=(),
                       controls=["feature"], absorb=["store"], week_col=None, trend=False,
                       seasonality=0, event_col=None, cluster="store")
    weeks = weeks.assign(nine=(np.round(weeks["price"] * 100) % 10 == 9).astype(int),
                         feat=weeks["feature"].astype(int))
    for brand, row in fit.effects.iterrows():
        ref = smf.ols("np.log(sales) ~ np.log(price) + feat + nine + C(store)",
                      weeks[weeks["brand"] == brand]).fit()
        assert abs(row["coefficient"] - ref.params["nine"]) < 1e-8
        assert abs(row["elasticity"] - ref.params["np.log(price)"]) < 1e-8
        # every brand sells more at a 9-ending than at the same price level without one
        assert row["z"] > 3
