"""Discount depth (crmlib.pricing._promotions) and regional pricing (crmlib.pricing._regional).

Truth: the default price panel was generated with one own-price elasticity and one feature and
display lift per category, the same in every region, and a discount that acts through the
price only (ground_truth.json, section ``pricing``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlib.datasets import load_default, load_truth
from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing import (
    discount_effects,
    fit_elasticity,
    promotion_baseline,
    regional_pricing,
)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return load_default(tables=["price_panel"]).price_panel


@pytest.fixture(scope="module")
def fit(panel):
    return fit_elasticity(panel)


@pytest.fixture(scope="module")
def true_effects() -> pd.DataFrame:
    cats = load_truth()["pricing"]["categories"]
    table = pd.DataFrame({c: {"elasticity": v["own_elasticity"], "feature": v["feature_lift"],
                              "display": v["display_lift"]} for c, v in cats.items()}).T
    table.index.name = "category"
    return table.astype("float64")


def _one_row(**kw) -> pd.DataFrame:
    row = {"category": "tea", "units": 150.0, "price": 8.0, "regular_price": 10.0,
           "unit_cost": 6.0, "feature": 0, "display": 0}
    row.update(kw)
    return pd.DataFrame([row])


EFFECTS = pd.DataFrame({"elasticity": [-2.0], "feature": [0.2], "display": [0.1]},
                       index=pd.Index(["tea"], name="category"))


# --- discount depth ------------------------------------------------------------------------

def test_baseline_by_hand():
    # 20% off at elasticity -2 multiplies units by 0.8 ** -2 = 1.5625; with the flyer (+0.2 log)
    row = promotion_baseline(_one_row(feature=1), EFFECTS).iloc[0]
    expected = 150.0 / (0.8 ** -2.0) / np.exp(0.2)
    assert row["baseline"] == pytest.approx(expected, rel=1e-12)
    assert row["price_part"] == pytest.approx(expected * (0.8 ** -2.0 - 1), rel=1e-12)
    assert row["incremental_margin"] == pytest.approx(2 * 150 - 4 * expected, rel=1e-12)


def test_recovers_the_true_incremental_units(panel, fit, true_effects):
    fitted = discount_effects(panel, fit)
    truth = discount_effects(panel, true_effects)
    assert truth["se_incremental_units"].isna().all()
    # the same rows, so the only difference is the coefficients: the delta-method SE of the
    # fitted total bounds it (24 bands, 4 SE: a false alarm has probability < 0.2%)
    z = (fitted["incremental_units"] - truth["incremental_units"]) / fitted["se_incremental_units"]
    assert z.abs().max() < 4, z.round(2).to_dict()
    # incremental margin = (p - c) u - (r - c) baseline, so its SE is at most the largest
    # regular margin (r - c) of the category times the SE of the baseline (= of the units)
    margin = (panel["regular_price"] - panel["unit_cost"]).groupby(panel["category"]).max()
    bound = 4 * fitted["se_incremental_units"] * margin.reindex(
        fitted.index.get_level_values("category")).to_numpy()
    decided = truth["incremental_margin"].abs() > bound
    assert decided.sum() >= len(decided) // 2  # the check is not vacuous
    assert (fitted["pays"] == truth["pays"])[decided].all()


def test_parts_add_up_and_deep_cuts_on_thin_margins_lose(panel, fit):
    t = discount_effects(panel, fit)
    assert np.allclose(t["price_part"] + t["support_part"], t["incremental_units"])
    assert (t["incremental_units"] > 0).all()
    # grocery: regular markup 25% and elasticity -0.8: no discount band can pay
    assert not t.loc["grocery", "pays"].any()
    assert t.loc[("grocery", "over 30%"), "incremental_margin"] < t.loc[("grocery", "0-10%"),
                                                                       "incremental_margin"]


@settings(max_examples=30, deadline=None)
@given(k=st.floats(0.5, 20), e=st.floats(-4, -0.2), depth=st.floats(0.01, 0.5))
def test_incremental_units_scale_with_units(k, e, depth):
    eff = EFFECTS.assign(elasticity=e)
    one = discount_effects(_one_row(price=10 * (1 - depth)), eff)
    many = discount_effects(_one_row(price=10 * (1 - depth), units=150.0 * k), eff)
    assert many["incremental_units"].iloc[0] == pytest.approx(k * one["incremental_units"].iloc[0])


def test_discount_errors():
    with pytest.raises(DataError, match="more than the regular price"):
        promotion_baseline(_one_row(price=11.0), EFFECTS)
    with pytest.raises(DataError, match="no row is sold below its regular price"):
        discount_effects(_one_row(price=10.0), EFFECTS)
    with pytest.raises(ParameterError, match="'bands'"):
        discount_effects(_one_row(), EFFECTS, bands=(0.1, 0.2))
    with pytest.raises(ParameterError, match="'effects'"):
        discount_effects(_one_row(), {"tea": -2.0})
    with pytest.raises(DataError, match="no coefficients for groups"):
        discount_effects(_one_row(category="coffee"), EFFECTS)
    with pytest.raises(DataError, match="'price'"):
        discount_effects(_one_row(price=0.0), EFFECTS)


# --- regional pricing ----------------------------------------------------------------------

def test_regional_elasticities_recover_the_common_truth(panel, true_effects):
    r = regional_pricing(panel)
    e = r.elasticities
    truth = true_effects["elasticity"].reindex(e.index.get_level_values("category")).to_numpy()
    z = (e["elasticity"].to_numpy() - truth) / e["std_error"].to_numpy()
    assert np.abs(z).max() < 4  # 30 estimates: a false alarm has probability < 0.2%
    assert len(e) == 30 and set(r.heterogeneity.index) == set(true_effects.index)
    # the truth has no regional differences; Q rejects in at most one of six at 5%
    assert r.heterogeneity["regions_differ"].sum() <= 1


def test_a_planted_regional_difference_is_found(panel):
    home = panel[panel["category"] == "home"].copy()
    west = home["region"] == "West"
    shift = -0.8  # West's demand made 0.8 more elastic around its mean log price
    lp = np.log(home.loc[west, "price"])
    home.loc[west, "units"] = np.round(home.loc[west, "units"] * np.exp(shift * (lp - lp.mean())))
    r = regional_pricing(home)
    assert bool(r.heterogeneity["regions_differ"].iloc[0])
    e = r.elasticities.loc[("home", "West")]
    base = regional_pricing(panel[panel["category"] == "home"]).elasticities.loc[("home", "West")]
    assert e["elasticity"] - base["elasticity"] == pytest.approx(shift, abs=4 * e["std_error"])
    west_row = r.prices.loc[("home", "West")]
    assert west_row["regional_price"] < west_row["national_price"]  # more elastic: lower price
    assert west_row["verdict"].startswith("regional price")


def test_regional_price_never_loses_under_its_own_elasticity(panel):
    r = regional_pricing(panel)
    gain = r.prices["profit_gain"].dropna()
    assert len(gain) > 0 and (gain >= -1e-12).all()
    inelastic = r.prices.loc["grocery"]
    assert inelastic["regional_price"].isna().all()
    assert inelastic["verdict"].str.startswith("inelastic").all()
    assert "regional_pricing" not in r.summary() and "Q =" in r.summary()


def test_regional_errors(panel):
    with pytest.raises(ParameterError, match="'alpha'"):
        regional_pricing(panel, alpha=1.5)
    with pytest.raises(DataError, match="'store'"):
        regional_pricing(panel, region="store")
