"""crmlib.pricing survey methods on simulated respondents with a known willingness to pay.

Each respondent has a reference price W ~ lognormal(log 50, 0.3).  For Van Westendorp their
four answers are W times (0.5, 0.7, 1.3, 1.8), so every population curve is a lognormal CDF
and each crossing has a closed form; for Gabor-Granger they buy at price p iff W >= p, so
true demand is 1 - F(p).  Tolerances come from the sample size:

- a PSM point: the empirical difference of two curves at the true crossing p* has variance
  2q/n (the two indicators are mutually exclusive and both equal q at p*), and its slope is
  known, so SE(p_hat) = sqrt(2q/n) / |d'(p*)|  (delta method); we allow 4 SE;
- Gabor-Granger: binomial SE sqrt(d(1-d)/n_p) per rung, 4 SE;
- a revenue-maximising price: if every estimated revenue is within delta of the truth, the
  estimated argmax loses at most 2 delta of true revenue; delta = 4 x the largest pointwise SE.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing import (
    GaborGrangerResult,
    VanWestendorpResult,
    crossing_price,
    gabor_granger,
    likert_to_probability,
    plot_gabor_granger,
    plot_van_westendorp,
    van_westendorp,
)

MU, SIGMA, N = np.log(50.0), 0.3, 2000
MULT = {"too_cheap": 0.5, "cheap": 0.7, "expensive": 1.3, "too_expensive": 1.8}
PROB_CHEAP, PROB_EXPENSIVE = 0.6, 0.2


def _wtp(n: int, seed: int) -> np.ndarray:
    return np.exp(MU + SIGMA * np.random.default_rng(seed).standard_normal(n))


@pytest.fixture(scope="module")
def psm_answers() -> pd.DataFrame:
    w = _wtp(N, 11)
    out = pd.DataFrame({k: w * m for k, m in MULT.items()})
    out["p_cheap"], out["p_exp"] = PROB_CHEAP, PROB_EXPENSIVE
    return out


@pytest.fixture(scope="module")
def psm(psm_answers) -> VanWestendorpResult:
    return van_westendorp(psm_answers, prob_cheap_col="p_cheap", prob_expensive_col="p_exp")


# a point crosses a decreasing curve 1 - F(p / a) with an increasing one F(p / b)
POINTS = {"PMC": (0.5, 0.7), "OPP": (0.5, 1.8), "IDP": (0.7, 1.3), "PME": (1.3, 1.8)}


@pytest.mark.parametrize("point", list(POINTS))
def test_psm_points_recover_truth(psm, point):
    a, b = POINTS[point]
    p_true = np.exp(MU) * np.sqrt(a * b)  # log(p/a) - mu = -(log(p/b) - mu)
    za, zb = (np.log(p_true / a) - MU) / SIGMA, (np.log(p_true / b) - MU) / SIGMA
    q = 1 - norm.cdf(za)
    slope = (norm.pdf(za) + norm.pdf(zb)) / (SIGMA * p_true)
    se = np.sqrt(2 * q / N) / slope
    est = psm.points.loc[point, "price"]
    assert abs(est - p_true) < 4 * se, (point, est, p_true, se)
    assert psm.points.loc[point, "n_crossings"] == 1


def test_psm_result(psm):
    lo, hi = psm.acceptable_range
    assert lo < psm.optimal_price < hi and lo < psm.indifference_price < hi
    assert psm.n_respondents == N and psm.n_set_aside == 0
    text = psm.summary()
    assert "acceptable range" in text and "Newton-Miller-Smith" in text
    assert "<table" in psm._repr_html_()
    assert list(psm.to_frame().index) == ["PMC", "OPP", "IDP", "PME"]
    ax = plot_van_westendorp(psm)
    assert ax.get_title() == "Van Westendorp price sensitivity meter"


def _true_trial(prices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E[h(p / W)] and sd(h(p / W)) by dense quadrature over W's normal score."""
    z = np.linspace(-8, 8, 16001)
    wz = norm.pdf(z) * (z[1] - z[0])
    x = prices[:, None] / np.exp(MU + SIGMA * z)[None, :]
    knots = [0.5, 0.7, 1.3, 1.8]
    h = np.interp(x, knots, [0.0, PROB_CHEAP, PROB_EXPENSIVE, 0.0], left=0.0, right=0.0)
    mean = h @ wz
    return mean, np.sqrt(np.maximum((h ** 2) @ wz - mean ** 2, 0))


def test_nms_trial_and_revenue_price_recover_truth(psm):
    grid = psm.trial.index.to_numpy()
    mean, sd = _true_trial(grid)
    se = sd / np.sqrt(N)
    err = np.abs(psm.trial["trial"].to_numpy() - mean)
    assert (err < 4 * se + 1e-12).all()
    true_revenue = grid * mean
    delta = 4 * np.max(grid * se)
    at_estimate = true_revenue[np.searchsorted(grid, psm.revenue_price)]
    assert at_estimate >= true_revenue.max() - 2 * delta
    assert psm.trial["trial"].max() <= PROB_CHEAP


def test_psm_non_monotone_answers(psm_answers):
    bad = psm_answers.copy()
    bad.loc[[3, 8], "cheap"] = bad.loc[[3, 8], "too_cheap"] - 1
    with pytest.raises(DataError, match=r"2 of 2000 respondents .* not monotone .* row 3 has "
                                        r"too_cheap = .* > cheap"):
        van_westendorp(bad)
    res = van_westendorp(bad, invalid="drop")
    assert res.n_set_aside == 2 and res.n_respondents == N - 2
    assert any("set aside" in n for n in res.notes)


def test_psm_bad_input(psm_answers):
    with pytest.raises(DataError, match="column 'too_cheap' not in answers"):
        van_westendorp(psm_answers.drop(columns="too_cheap"))
    neg = psm_answers.copy()
    neg.loc[0, "expensive"] = -1
    with pytest.raises(DataError, match="non-positive price"):
        van_westendorp(neg)
    with pytest.raises(ParameterError, match="needs both"):
        van_westendorp(psm_answers, prob_cheap_col="p_cheap")
    bad_p = psm_answers.assign(p_exp=1.5)
    with pytest.raises(DataError, match=r"must be numbers in \[0, 1\]"):
        van_westendorp(bad_p, prob_cheap_col="p_cheap", prob_expensive_col="p_exp")
    with pytest.raises(ParameterError, match="'invalid' parameter"):
        van_westendorp(psm_answers, invalid="ignore")


def test_psm_degenerate_answers():
    same = pd.DataFrame({k: [10.0, 10.0] for k in MULT})
    with pytest.raises(DataError, match="one distinct price"):
        van_westendorp(same)


def test_psm_curves_that_never_cross(psm_answers):
    # on a grid of low prices only, too cheap stays above not cheap... and others never meet
    with pytest.raises(DataError, match="never cross between prices 1 and 5"):
        van_westendorp(psm_answers, prices=[1, 2, 3, 4, 5])


def test_crossing_rule_for_several_crossings():
    p = np.arange(1.0, 8.0)
    f = np.array([1.0, 0.2, 0.8, 0.2, 0.8, 0.2, 0.0])
    g = np.full(7, 0.5)
    first, count = crossing_price(p, f, g)
    last, _ = crossing_price(p, f, g, multiple="last")
    assert count == 5 and first < 2 and 5 < last < 6
    with pytest.raises(DataError, match="cross 5 times"):
        crossing_price(p, f, g, multiple="raise")
    # a run of equal values is one crossing, at its midpoint; a touch is none
    assert crossing_price([1, 2, 3, 4], [1, 0.5, 0.5, 0], [0, 0.5, 0.5, 1]) == (2.5, 1)
    with pytest.raises(DataError, match="never cross"):
        crossing_price([1, 2, 3], [1, 0.5, 1], [0, 0.5, 0])


@settings(max_examples=40)
@given(st.lists(st.tuples(st.floats(0.5, 500), st.lists(st.floats(0.01, 1), min_size=3,
                                                        max_size=3)), min_size=2, max_size=40))
def test_psm_curves_are_monotone(rows):
    """Any strictly ordered answers give monotone curves (and four crossings)."""
    base = np.array([b for b, _ in rows])[:, None]
    steps = np.array([s for _, s in rows])
    answers = pd.DataFrame(base * np.cumprod(np.column_stack([np.ones(len(rows)), 1 + steps]),
                                             axis=1), columns=list(MULT))
    curves = van_westendorp(answers).curves
    assert curves["too_cheap"].is_monotonic_decreasing and curves["cheap"].is_monotonic_decreasing
    assert curves["expensive"].is_monotonic_increasing
    assert curves["too_expensive"].is_monotonic_increasing
    assert ((curves >= 0) & (curves <= 1)).all().all()


@settings(max_examples=40)
@given(st.lists(st.floats(0.001, 1), min_size=2, max_size=30),
       st.lists(st.floats(0.001, 1), min_size=2, max_size=30))
def test_one_crossing_of_a_falling_and_a_rising_curve(down, up):
    """A strictly falling curve from 1 to 0 and a strictly rising one from 0 to 1 cross once."""
    n = min(len(down), len(up)) + 1
    f = 1 - np.concatenate([[0], np.cumsum(down[: n - 1])]) / np.sum(down[: n - 1])
    g = np.concatenate([[0], np.cumsum(up[: n - 1])]) / np.sum(up[: n - 1])
    price, count = crossing_price(np.arange(n, dtype=float), f, g)
    assert count == 1 and 0 <= price <= n - 1


# --------------------------------------------------------------------------------------
# Gabor-Granger
# --------------------------------------------------------------------------------------
LADDER = np.arange(20.0, 100.0, 10.0)


@pytest.fixture(scope="module")
def gg_answers() -> pd.DataFrame:
    """Each respondent is asked 4 random rungs of the ladder; buys iff W >= price."""
    rng = np.random.default_rng(5)
    w = _wtp(N, 12)
    rows = [(i, p, float(w[i] >= p)) for i in range(N)
            for p in rng.choice(LADDER, size=4, replace=False)]
    return pd.DataFrame(rows, columns=["respondent_id", "price", "buy"])


def test_gabor_granger_recovers_truth(gg_answers):
    res = gabor_granger(gg_answers, unit_cost=15.0)
    t = res.table
    truth = 1 - norm.cdf((np.log(t.index.to_numpy()) - MU) / SIGMA)
    se = np.sqrt(truth * (1 - truth) / t["n"].to_numpy())
    raw_err = np.abs(t["demand_raw"].to_numpy() - truth)
    assert (raw_err < 4 * se).all()
    # isotonic smoothing never moves the curve further from a monotone truth
    assert np.abs(t["demand"].to_numpy() - truth).max() <= raw_err.max() + 1e-12
    true_revenue = t.index.to_numpy() * truth
    delta = 4 * np.max(t.index.to_numpy() * se)
    assert true_revenue[list(t.index).index(res.revenue_price)] >= true_revenue.max() - 2 * delta
    assert np.isfinite(res.profit_price) and res.profit_price >= res.revenue_price
    assert isinstance(res, GaborGrangerResult) and "Gabor-Granger" in res.summary()
    assert "<table" in res._repr_html_()
    assert plot_gabor_granger(res).get_ylabel() == "share of respondents"


def test_gabor_granger_non_monotone(gg_answers):
    bad = gg_answers.copy()
    r0 = bad["respondent_id"] == 0
    bad.loc[r0, "buy"] = (bad.loc[r0, "price"] == bad.loc[r0, "price"].max()).astype(float)
    with pytest.raises(DataError, match=r"1 of 2000 respondents would buy at a higher price"):
        gabor_granger(bad)
    res = gabor_granger(bad, invalid="drop")
    assert res.n_set_aside == 1 and res.n_respondents == N - 1


def test_gabor_granger_bad_input(gg_answers):
    with pytest.raises(DataError, match="column 'buy' must be 0/1"):
        gabor_granger(gg_answers.assign(buy=2.0))
    with pytest.raises(DataError, match="column 'price' must be a price > 0"):
        gabor_granger(gg_answers.assign(price=0.0))
    with pytest.raises(DataError, match="duplicate answers"):
        gabor_granger(pd.concat([gg_answers, gg_answers.head(1)], ignore_index=True))
    with pytest.raises(DataError, match="column 'respondent' not in answers"):
        gabor_granger(gg_answers, respondent_col="respondent")


@settings(max_examples=40)
@given(st.lists(st.tuples(st.floats(1, 100), st.lists(st.sampled_from([5.0, 10, 20, 40, 80]),
                                                      min_size=1, max_size=5, unique=True)),
                min_size=1, max_size=30))
def test_gabor_granger_smoothed_demand_non_increasing(people):
    rows = [(i, p, float(w >= p)) for i, (w, asked) in enumerate(people) for p in asked]
    res = gabor_granger(pd.DataFrame(rows, columns=["respondent_id", "price", "buy"]))
    demand = res.table["demand"]
    assert demand.is_monotonic_decreasing and demand.between(0, 1).all()


def test_likert_to_probability():
    cal = {5: 0.7, 4: 0.5, 3: 0.3, 2: 0.1, 1: 0.0}
    assert likert_to_probability(np.array([5, 4, 1]), cal).tolist() == [0.7, 0.5, 0.0]
    with pytest.raises(ParameterError, match="probabilities in \\[0, 1\\]"):
        likert_to_probability([1], {1: 1.5})
    with pytest.raises(ParameterError, match="non-empty mapping"):
        likert_to_probability([1], {})
