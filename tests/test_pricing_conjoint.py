"""The pricing-research tables (survey, ladder, conjoint) and the conjoint estimator.

The committed tables are analysed with crmlib.pricing and the estimates are compared with the
truth recorded by the generator, within tolerances derived from the sampling error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

import crmlib.datasets as ds
from crmlib.datasets import _gen_pricing as gp
from crmlib.datasets._constants import REGIONS
from crmlib.exceptions import DataError
from crmlib.pricing import (
    fit_conjoint,
    gabor_granger,
    share_of_preference,
    van_westendorp,
)

ATTRIBUTES = ["brand", "delivery", "warranty_years"]
BASE = {"brand": "Our retailer"}


@pytest.fixture(scope="module")
def data():
    return ds.load_default(tables=["pricing_survey", "price_ladder", "conjoint"])


@pytest.fixture(scope="module")
def fitted(data):
    return fit_conjoint(data.conjoint, attributes=ATTRIBUTES, base=BASE)


# ---- the generator ---------------------------------------------------------------------------


def test_pricing_stream_leaves_the_other_streams_unchanged():
    three = np.random.SeedSequence(ds.DEFAULT_SEED).spawn(3)
    two = np.random.SeedSequence(ds.DEFAULT_SEED).spawn(2)
    for a, b in zip(three[:2], two, strict=True):
        assert np.array_equal(a.generate_state(8), b.generate_state(8))


def test_generate_the_pricing_tables_alone_matches_the_committed_files(data):
    fresh = ds.generate(tables=["pricing_survey", "price_ladder", "conjoint"])
    for name in fresh.tables:
        pd.testing.assert_frame_equal(fresh.tables[name], data.tables[name], check_dtype=False)
    for key in ("pricing_survey", "price_ladder", "conjoint"):
        assert fresh.truth[key] == data.truth[key]


def test_tables_have_the_documented_shape(data):
    s, lad, c = data.pricing_survey, data.price_ladder, data.conjoint
    assert len(s) == 1_200 and s["respondent_id"].is_unique
    assert set(s["region"]) == set(REGIONS)
    shares = s["segment"].value_counts(normalize=True)
    for seg, p in data.truth["pricing_survey"]["segments"].items():
        assert abs(shares[seg] - p["share"]) < 4 * np.sqrt(p["share"] * (1 - p["share"]) / len(s))
    assert (s[["too_cheap", "cheap", "expensive", "too_expensive"]] % 10 == 0).all().all()
    assert lad["respondent_id"].isin(s["respondent_id"]).all()
    assert (lad.groupby("respondent_id").size() == 4).all()
    per_task = c.groupby(["respondent_id", "task"])
    assert (per_task["chosen"].sum() == 1).all() and (per_task.size() == 3).all()
    dup = c.duplicated(["respondent_id", "task", "brand", "price", "delivery", "warranty_years"])
    assert not dup.any()


# ---- Van Westendorp and Gabor-Granger recover the truth ---------------------------------------


def test_van_westendorp_recovers_the_true_points(data):
    truth = data.truth["pricing_survey"]
    res = van_westendorp(data.pricing_survey, invalid="drop")
    assert res.n_set_aside == truth["inconsistent"]["count"] == 24
    n = res.n_respondents
    for name, point in truth["points"].items():
        q = point["share"]
        # delta method: the two events of a crossing are (nearly) disjoint, so the variance of
        # the difference of the two indicators is about 2q(1-q); divided by the slope gap
        se = np.sqrt(2 * q * (1 - q) / n) / abs(point["slope_gap"])
        tol = 3 * se + truth["rounding_half_width"]
        assert abs(res.points.loc[name, "price"] - point["price"]) < tol, (name, se)


def test_the_true_points_solve_the_crossings():
    m, tau = gp.PSM_MULTIPLES, gp.NOISE_SD
    pts = gp.psm_truth()

    def surv(k, p):  # P(answer >= p), computed here from the segment parameters
        return sum(v["share"] * norm.sf((np.log(p) - np.log(v["median"] * m[k]))
                                        / np.hypot(v["sigma"], tau))
                   for v in gp._SEGMENT_PARAMS.values())

    p = pts["OPP"]["price"]
    assert surv("too_cheap", p) == pytest.approx(1 - surv("too_expensive", p), abs=1e-9)
    p = pts["IDP"]["price"]
    assert surv("cheap", p) == pytest.approx(1 - surv("expensive", p), abs=1e-9)


def test_set_aside_respondents_are_the_documented_ones(data):
    s = data.pricing_survey
    v = s[["too_cheap", "cheap", "expensive", "too_expensive"]].to_numpy()
    bad = s.loc[(np.diff(v, axis=1) < 0).any(axis=1), "respondent_id"].tolist()
    assert bad == data.truth["pricing_survey"]["inconsistent"]["respondent_ids"]


def test_gabor_granger_recovers_the_true_demand(data):
    truth = data.truth["price_ladder"]
    res = gabor_granger(data.price_ladder, invalid="drop", unit_cost=truth["unit_cost"])
    assert res.n_set_aside == truth["inconsistent"]["count"] == 12
    for price, q in truth["demand"].items():
        row = res.table.loc[float(price)]
        se = np.sqrt(q * (1 - q) / row["n"])
        assert abs(row["demand_raw"] - q) < 3 * se, price
    assert res.revenue_price == truth["revenue_price"]


# ---- the conjoint estimator ---------------------------------------------------------------


def test_conjoint_recovers_the_part_worths_and_wtp(data, fitted):
    truth = data.truth["conjoint"]
    pw = fitted.part_worths
    for att, levels in truth["part_worths"].items():
        for level, value in levels.items():
            key = (att, int(level) if att == "warranty_years" else level)
            if value == 0:
                assert key not in pw.index  # the base
                continue
            assert abs(pw.loc[key, "coef"] - value) < 3 * pw.loc[key, "std_error"], key
            w = fitted.wtp.loc[key]
            assert abs(w["wtp"] - truth["wtp"][att][level]) < 3 * w["std_error"], key
    bp = pw.loc[("price", "per unit")]
    assert abs(bp["coef"] - truth["price_coefficient"]) < 3 * bp["std_error"]
    assert "WTP" in fitted.summary()


def test_conjoint_equals_statsmodels_conditional_logit(data, fitted):
    from statsmodels.discrete.conditional_models import ConditionalLogit

    from crmlib.pricing._conjoint import _design

    x, _ = _design(data.conjoint, fitted.levels, "price")
    groups = data.conjoint.groupby(["respondent_id", "task"]).ngroup().to_numpy()
    model = ConditionalLogit(data.conjoint["chosen"].to_numpy(), x, groups=groups)
    sm = model.fit(method="newton", maxiter=100, disp=0)
    assert sm.llf == pytest.approx(fitted.loglik, abs=1e-6)
    np.testing.assert_allclose(sm.params, fitted.part_worths["coef"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(sm.bse, fitted.part_worths["std_error"], rtol=1e-5)


def _scenario():
    return pd.DataFrame({"brand": ["Our retailer", "Redwood Mart", "Bluebird Online"],
                         "delivery": ["next_day", "same_day", "standard"],
                         "warranty_years": [2, 1, 3], "price": [599, 549, 649]})


def test_shares_sum_to_one_with_errors(fitted):
    out = share_of_preference(fitted, _scenario(), se=True)
    assert out["share"].sum() == pytest.approx(1.0)
    assert (out["std_error"] > 0).all() and (out["std_error"] < 0.1).all()


@settings(max_examples=30, deadline=None)
@given(shift=st.floats(-500, 500), order=st.permutations([0, 1, 2]))
def test_shares_do_not_depend_on_row_order_or_a_common_price_shift(fitted, shift, order):
    base = share_of_preference(fitted, _scenario())["share"].to_numpy()
    moved = _scenario().iloc[list(order)].assign(price=lambda d: d["price"] + 600 + shift)
    got = share_of_preference(fitted, moved)["share"].to_numpy()
    np.testing.assert_allclose(got, base[list(order)], rtol=1e-9)


# ---- bad input ------------------------------------------------------------------------------


def _small(data):
    return data.conjoint[data.conjoint["respondent_id"] <= "C0050"].copy()


def test_refuses_a_choice_set_without_exactly_one_choice(data):
    bad = _small(data)
    bad.loc[bad.index[1], "chosen"] = 1 - bad.loc[bad.index[1], "chosen"]
    with pytest.raises(DataError, match="exactly one chosen"):
        fit_conjoint(bad, attributes=ATTRIBUTES, base=BASE)


def test_refuses_a_constant_attribute(data):
    bad = _small(data).assign(colour="red")
    with pytest.raises(DataError, match="attribute 'colour' takes only one level"):
        fit_conjoint(bad, attributes=[*ATTRIBUTES, "colour"], base=BASE)


def test_refuses_a_perfectly_separating_level(data):
    bad = _small(data)
    bad["gift"] = np.where(bad["chosen"] == 1, "yes", "no")
    with pytest.raises(DataError, match="'gift' level .* (always|never) chosen"):
        fit_conjoint(bad, attributes=[*ATTRIBUTES, "gift"], base=BASE)


def test_refuses_a_price_that_is_not_positive(data):
    bad = _small(data)
    bad.loc[bad.index[0], "price"] = 0
    with pytest.raises(DataError, match="'price' must hold prices > 0"):
        fit_conjoint(bad, attributes=ATTRIBUTES, base=BASE)


def test_refuses_a_scenario_level_outside_the_design(fitted):
    with pytest.raises(DataError, match=r"'delivery' of products has levels \['drone'\]"):
        share_of_preference(fitted, _scenario().assign(delivery=["drone", "standard", "standard"]))
