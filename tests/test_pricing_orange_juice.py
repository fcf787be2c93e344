"""Dominick's orange juice: crmlib.pricing reproduces the classic teaching regressions.

The regressions are those of Taddy, *Business Data Science* (2019), ch. 2, and the Chicago
Booth course code built on the same ``oj.csv``:

- ``glm(log(sales) ~ brand + log(price))``: published coefficients 10.8288 (intercept),
  0.8702 (minute.maid), 1.5299 (tropicana) and **-3.1387** for log(price) — "our earlier
  elasticity (-3.1)";
- ``glm(log(sales) ~ log(price)*brand)``: brand-specific slopes (Dominick's -3.38, Minute Maid
  -3.38 + 0.06, Tropicana -3.38 + 0.67; the rounded figures we compute and recall from the
  course, not re-read from a primary source here);
- ``glm(log(sales) ~ log(price)*brand*feat)``: published coefficients log(price) **-2.77415**,
  feat 1.09441, log(price):minute.maid 0.78293, log(price):tropicana 0.73579,
  log(price):feat -0.47055, brandminute.maid:feat 1.17294, brandtropicana:feat 0.78525.

The pooled slope without brand controls (about **-1.60** on these data) is the
omitted-variable trap: premium brands sell more at higher prices.  We compute it, but we
could not confirm that exact figure in a published text available to us, so the test asserts
it only against statsmodels.  ``data/README.md`` documents no OJ figures.

Every crmlib coefficient is checked against an independent statsmodels fit to 1e-8, and the
rounded published figures above are checked against the same fits.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from crmlib.datasets import load_orange_juice
from crmlib.pricing import fit_elasticity, markup_price

pytestmark = pytest.mark.realdata

PLAIN = dict(log_controls=(), controls=(), trend=False, seasonality=0, event_col=None,
             week_col=None, cluster=None, units_col="sales")


@pytest.fixture(scope="module")
def oj(real_data_home) -> pd.DataFrame:
    oj = load_orange_juice()
    oj["feat"] = oj["feature"].astype(int)
    return oj


def _sm(formula: str, oj: pd.DataFrame) -> pd.Series:
    return smf.ols(formula, oj).fit().params


def test_pooled_elasticity_without_brand_controls(oj):
    ref = _sm("np.log(sales) ~ np.log(price)", oj)
    ours = fit_elasticity(oj, by=None, absorb=None, **PLAIN)
    assert abs(ours.elasticities.loc["all", "elasticity"] - ref["np.log(price)"]) < 1e-8
    assert round(ref["np.log(price)"], 2) == -1.60
    assert any("omitted-variable" in n for n in ours.notes)


def test_elasticity_with_brand_effects(oj):
    ref = _sm("np.log(sales) ~ brand + np.log(price)", oj)
    ours = fit_elasticity(oj, by=None, absorb="brand", **PLAIN)
    e = ours.elasticities.loc["all", "elasticity"]
    assert abs(e - ref["np.log(price)"]) < 1e-8
    # the published coefficients (Taddy, BDS ch. 2)
    assert round(e, 4) == -3.1387
    assert [round(ref[k], 4) for k in ("Intercept", "brand[T.minute.maid]",
                                       "brand[T.tropicana]")] == [10.8288, 0.8702, 1.5299]
    # the markup rule at this elasticity: price = 1.47 x cost, a 32% margin
    assert markup_price(e, 1.0) == pytest.approx(e / (1 + e), abs=1e-12)
    assert round(markup_price(e, 1.0), 2) == 1.47


def test_brand_specific_elasticities(oj):
    ref = _sm("np.log(sales) ~ np.log(price) * brand", oj)
    ours = fit_elasticity(oj, by="brand", absorb=None, **PLAIN).elasticities["elasticity"]
    base = ref["np.log(price)"]
    expected = {"dominicks": base,
                "minute.maid": base + ref["np.log(price):brand[T.minute.maid]"],
                "tropicana": base + ref["np.log(price):brand[T.tropicana]"]}
    for brand, value in expected.items():
        assert abs(ours[brand] - value) < 1e-8, brand
    assert [round(ours[b], 2) for b in expected] == [-3.38, -3.32, -2.71]


def test_brand_elasticities_with_feature_advertising(oj):
    """The three-way model: per brand, elasticity without and with feature advertising."""
    ref = _sm("np.log(sales) ~ np.log(price) * brand * feat", oj)
    fit = fit_elasticity(oj, by="brand", absorb=None,
                         price_interactions="feature", **{**PLAIN, "controls": "feature"})
    lp, lpf = "np.log(price)", "np.log(price):feat"
    for brand in ("dominicks", "minute.maid", "tropicana"):
        b = "" if brand == "dominicks" else f":brand[T.{brand}]"
        e0 = ref[lp] + (ref[f"np.log(price){b}"] if b else 0.0)
        shift = ref[lpf] + (ref[f"np.log(price){b}:feat"] if b else 0.0)
        feat = ref["feat"] + (ref[f"brand[T.{brand}]:feat"] if b else 0.0)
        row = fit.elasticities.loc[brand]
        coefs = fit.coefficients.loc[brand]["estimate"]
        assert abs(row["elasticity"] - e0) < 1e-8
        assert abs(row["elasticity_feature"] - (e0 + shift)) < 1e-8
        assert abs(coefs["log_price:feature"] - shift) < 1e-8
        assert abs(coefs["feature"] - feat) < 1e-8
    # the published coefficients (Taddy, BDS ch. 2 / course code)
    published = {"np.log(price)": -2.77415, "feat": 1.09441,
                 "np.log(price):brand[T.minute.maid]": 0.78293,
                 "np.log(price):brand[T.tropicana]": 0.73579, "np.log(price):feat": -0.47055,
                 "brand[T.minute.maid]:feat": 1.17294, "brand[T.tropicana]:feat": 0.78525}
    for term, value in published.items():
        assert round(ref[term], 5) == value, term
    # featured brands are more price-sensitive: every brand's elasticity falls when featured
    assert (fit.elasticities["elasticity_feature"] < fit.elasticities["elasticity"]).all()
    assert np.isfinite(fit.elasticities["std_error_feature"]).all()
