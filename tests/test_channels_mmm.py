"""The marketing-mix model, its recovery harness and the media simulators.

What is tested, and why:

- the transforms against their definitions (the geometric recursion and its steady state
  ``x / (1 - decay)``, Weibull lag weights that sum to one, Hill's half point at ``K``,
  logistic = ``tanh(a / 2K)``), with property tests for the bounds and monotonicity;
- noise-free recovery: on a draw of the default media process without sales noise the only
  errors left are the revenue's rounding to the yuan and the optimiser's stopping rule, so
  the true ROIs, curves and weekly decomposition come back almost exactly — for the
  default geometric + Hill model and for Weibull + logistic;
- the fit of the committed default data: the documented table, ordered intervals, the
  diagnostics, a least-squares fit no worse than the truth, response curves that are the
  steady state of the fitted curve and that feed :func:`optimise_budget`;
- lift-test calibration: a precise experiment pins the channel's contribution over its weeks;
- the bad inputs of the issue (zero spend, collinear plans, missing weeks, negative or NaN
  spend, repeated rows, more parameters than the weeks support, bad options);
- the bootstrap's bookkeeping (failed refits counted and noted, seeds, draws);
- :func:`mmm_recovery` (noise-free draws recover the truth; the oracle that knows the curves
  beats the fit on noisy draws) and :func:`simulate_media` / :func:`simulate_lift_tests`
  (seeded, the truth is the design, the baseline is the committed one).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import crmlib.channels._mmm as mmm_module
from crmlib.channels import adstock, fit_mmm, mmm_recovery, optimise_budget, saturation
from crmlib.datasets import load_default, load_truth, simulate_lift_tests, simulate_media
from crmlib.exceptions import DataError, ParameterError

CHANNELS = ["tv", "search", "social", "display", "email"]
# Revenue is rounded to the yuan: with no sales noise the residual is that rounding alone,
# uniform on [-0.5, 0.5], SD 1 / sqrt(12) yuan.
ROUNDING_SD = 1 / math.sqrt(12)
# Noise-free recovery bound (relative).  The error sources are the rounding above (0.29 yuan,
# 2e-6 of the default data's 150,000-yuan noise, at which ROI errors are tens of percent, so
# a few 1e-7) and least_squares' stopping rule (ftol = xtol = 1e-8 on a finite-difference
# Jacobian, diff_step 1e-4).  1e-4 is two orders above the rounding floor and still catches any
# real mistake (a wrong adstock, a misplaced beta, a prior that pulls): 1% would not.
ROI_RTOL = 1e-4
# The curve parameters sit in flatter directions of the loss than the ROI (a higher K with a
# higher beta fits nearly as well), so their error is a few times the ROI's: ten times.
CURVE_RTOL = 1e-3


def _spend(media: pd.DataFrame, ch: str) -> np.ndarray:
    return media.loc[media["channel"] == ch, "spend"].to_numpy(dtype=float)


def _with_spend(media: pd.DataFrame, ch: str, values) -> pd.DataFrame:
    m = media.copy()
    m["spend"] = m["spend"].astype(float)
    m.loc[m["channel"] == ch, "spend"] = values
    return m


@pytest.fixture(scope="module")
def default():
    d = load_default(tables=["weekly_sales", "media_spend"])
    return d.weekly_sales, d.media_spend, load_truth()["media"]


@pytest.fixture(scope="module")
def default_fit(default):
    sales, media, _ = default
    return fit_mmm(sales, media, n_boot=20, seed=0)


@pytest.fixture(scope="module")
def clean():
    """A noise-free draw of the default media process and its fit."""
    sales, media, truth = simulate_media(1, noise_sd=0)
    return sales, media, truth, fit_mmm(sales, media, n_boot=0)


# --- the transforms --------------------------------------------------------------------------


def _recursion(x, decay):
    out, carry = [], 0.0
    for v in x:
        carry = v + decay * carry
        out.append(carry)
    return np.array(out)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=60), st.floats(0, 0.95))
def test_geometric_adstock_is_the_recursion(x, decay):
    got = adstock(np.array(x), decay=decay)
    # lfilter and the loop add the same terms in the same order up to rounding
    assert np.allclose(got, _recursion(x, decay), rtol=1e-10, atol=1e-9 * (max(x) + 1))
    # carry-over never lowers a week below its own spend, nor raises it above the
    # geometric bound max(x) / (1 - decay)
    assert (got >= np.array(x) - 1e-9 * (max(x) + 1)).all()
    assert (got <= max(x) / (1 - decay) * (1 + 1e-12) + 1e-9).all()


def test_geometric_adstock_runs_along_the_last_axis():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 100, size=(3, 40))
    got = adstock(x, decay=0.6)
    for row in range(3):
        assert np.allclose(got[row], _recursion(x[row], 0.6), rtol=1e-12)


@pytest.mark.parametrize("decay", [0.0, 0.3, 0.7, 0.95])
def test_constant_spend_settles_at_x_over_one_minus_decay(decay):
    x, n = 250.0, 400
    a = adstock(np.full(n, x), decay=decay)
    t = np.arange(n)
    # the partial geometric sum, exactly: x (1 - d^(t+1)) / (1 - d)
    assert np.allclose(a, x * (1 - decay ** (t + 1)) / (1 - decay), rtol=1e-12)
    # after 400 weeks d^400 <= 0.95^400 ~ 1e-9: the steady state
    assert a[-1] == pytest.approx(x / (1 - decay), rel=1e-8)


@pytest.mark.parametrize(("shape", "scale", "max_lag"), [(2.0, 3.0, 12), (1.0, 1.5, 8), (0.7, 4.0, 20), (3.5, 6.0, 12)])
def test_weibull_weights_are_the_normalised_density_and_sum_to_one(shape, scale, max_lag):
    impulse = adstock(np.r_[1.0, np.zeros(max_lag + 5)], "weibull", shape=shape, scale=scale, max_lag=max_lag)
    density = stats.weibull_min.pdf(np.arange(max_lag) + 0.5, shape, scale=scale)
    assert np.allclose(impulse[:max_lag], density / density.sum(), rtol=1e-10)
    assert impulse[max_lag:].tolist() == [0.0] * 6  # nothing beyond the window
    assert impulse.sum() == pytest.approx(1.0, rel=1e-12)
    # so a constant spend settles at itself once the whole window is inside the data
    # (from week max_lag - 1 on), and is below it while the window is cut
    a = adstock(np.full(3 * max_lag, 80.0), "weibull", shape=shape, scale=scale, max_lag=max_lag)
    assert np.allclose(a[max_lag - 1:], 80.0, rtol=1e-12)
    assert (a[: max_lag - 1] < 80.0).all()
    assert (np.diff(a[:max_lag]) >= 0).all()


@settings(max_examples=60, deadline=None)
@given(st.floats(1.0, 1e6), st.floats(0.3, 4.0),
       st.lists(st.floats(0, 1e3), min_size=2, max_size=30))
def test_hill_is_half_at_k_monotone_and_below_one(k, shape, ratios):
    level = np.sort(np.array(ratios)) * k  # up to 1e3 K: (1e3)^4 = 1e12, still below 1 in floats
    h = saturation(level, half_saturation=k, shape=shape)
    assert saturation(np.array([k]), half_saturation=k, shape=shape)[0] == pytest.approx(0.5, rel=1e-12)
    assert ((h >= 0) & (h < 1)).all()
    assert (np.diff(h) >= -1e-15).all()
    # against the definition a^s / (a^s + K^s); the values live in [0, 1], so an absolute
    # 1e-12 is strict (the code floors a at 1e-300 before its logarithm)
    expected = level**shape / (level**shape + k**shape)
    assert np.allclose(h, expected, rtol=1e-10, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.floats(1.0, 1e6), st.lists(st.floats(0, 50), min_size=2, max_size=30))
def test_logistic_is_tanh_of_half_the_ratio(k, ratios):
    level = np.sort(np.array(ratios)) * k
    g = saturation(level, "logistic", half_saturation=k, shape=3.0)  # shape is ignored
    e = np.exp(-level / k)
    assert np.allclose(g, (1 - e) / (1 + e), rtol=1e-10, atol=1e-15)
    assert np.allclose(g, np.tanh(level / (2 * k)), rtol=1e-12, atol=1e-15)
    assert ((g >= 0) & (g <= 1)).all() and (np.diff(g) >= 0).all()


def test_saturation_of_no_or_negative_spend_is_zero_and_kinds_are_checked():
    assert saturation(np.array([0.0, -5.0]), half_saturation=3.0, shape=2.0).tolist() == [0.0, 0.0]
    assert saturation(np.array([0.0, -5.0]), "logistic", half_saturation=3.0).tolist() == [0.0, 0.0]
    with pytest.raises(ParameterError, match="'kind' parameter of adstock"):
        adstock(np.ones(3), "delayed")
    with pytest.raises(ParameterError, match="'kind' parameter of saturation"):
        saturation(np.ones(3), "s-curve")


# --- noise-free recovery ---------------------------------------------------------------------


def test_noise_free_fit_recovers_the_true_curves(clean):
    _, media, truth, res = clean
    for ch, t in truth["channels"].items():
        got = res.channels.loc[ch]
        assert got["roi"] == pytest.approx(t["roi"], rel=ROI_RTOL), ch
        assert got["contribution"] == pytest.approx(t["incremental_revenue"], rel=ROI_RTOL), ch
        for p in ("decay", "half_saturation", "shape"):
            assert got[p] == pytest.approx(t[p], rel=CURVE_RTOL), (ch, p)
        # marginal ROI at the average spend, in steady state, from the true curve
        x = _spend(media, ch)
        level = x.mean() / (1 - t["decay"])
        k, s = t["half_saturation"], t["shape"]
        dhill = s * level ** (s - 1) * k**s / (level**s + k**s) ** 2
        assert got["mroi"] == pytest.approx(t["beta"] * dhill / (1 - t["decay"]), rel=CURVE_RTOL), ch


def test_noise_free_decomposition_reproduces_revenue(clean):
    _, _, truth, res = clean
    dec = res.decomposition
    parts = dec["baseline"] + dec[CHANNELS].sum(axis=1)
    assert np.allclose(dec["fitted"], parts, rtol=1e-12)
    # what is left is the rounding to the yuan: its SD is 1/sqrt(12); the estimate from
    # ~130 residual degrees of freedom is within 4 x 1/sqrt(2 x 130) ~ 25% of it
    assert res.diagnostics["sigma"] == pytest.approx(ROUNDING_SD, rel=0.25)
    # so R2 = 1 - (n x 0.08 yuan^2) / (n x ~1e12 yuan^2): 1 - 1e-13; 1e-9 leaves room
    assert res.diagnostics["r2"] > 1 - 1e-9
    # the baseline and each channel's weeks are the truth's, to the ROI bound of the level
    scale = dec["revenue"].mean()
    assert np.abs(dec["baseline"] - truth["weekly_baseline"]).max() < ROI_RTOL * scale
    for ch, t in truth["channels"].items():
        assert np.abs(dec[ch] - t["weekly_contribution"]).max() < ROI_RTOL * scale, ch


def test_weibull_logistic_fit_recovers_a_weibull_logistic_truth():
    sales, media, truth = simulate_media(5, noise_sd=0)
    # (lag shape, lag scale, K, ROI) per channel; revenue built with the package's transforms
    design = {"tv": (2.0, 3.0, 1.5e6, 0.9), "search": (1.2, 1.0, 5e5, 3.2), "social": (1.5, 2.0, 3e5, 1.6),
              "display": (1.0, 1.5, 1e5, 0.7), "email": (1.0, 0.8, 3e4, 9.0)}
    revenue = np.array(truth["weekly_baseline"], dtype=float)
    for ch, (k, lam, half, roi) in design.items():
        x = _spend(media, ch)
        h = saturation(adstock(x, "weibull", shape=k, scale=lam, max_lag=12), "logistic", half_saturation=half)
        revenue = revenue + roi * x.sum() / h.sum() * h
    res = fit_mmm(sales.assign(revenue=revenue), media, adstock="weibull", saturation="logistic", n_boot=0)
    for ch, (k, lam, half, roi) in design.items():
        got = res.channels.loc[ch]
        assert got["roi"] == pytest.approx(roi, rel=ROI_RTOL), ch
        assert got["lag_shape"] == pytest.approx(k, rel=CURVE_RTOL), ch
        assert got["lag_scale"] == pytest.approx(lam, rel=CURVE_RTOL), ch
        assert got["half_saturation"] == pytest.approx(half, rel=CURVE_RTOL), ch
        assert got["shape"] == 1.0  # logistic has no shape
    assert res.diagnostics["r2"] > 1 - 1e-9


def test_least_squares_fit_is_no_worse_than_the_truth(default):
    # The truth is inside the model (its baseline is a combination of the baseline terms;
    # its decays, Ks and shapes inside the bounds), so the least-squares minimum cannot have
    # a larger residual sum of squares than the true curve — unless the optimiser stopped at
    # a worse local minimum or the model is not what it says.
    sales, media, truth = default
    y = sales["revenue"].to_numpy(dtype=float)
    true_fit = np.asarray(truth["weekly_baseline"]) + sum(
        np.asarray(c["weekly_contribution"]) for c in truth["channels"].values())
    res = fit_mmm(sales, media, n_boot=0, priors=False)
    e = y - res.decomposition["fitted"].to_numpy()
    assert e @ e <= np.sum((y - true_fit) ** 2)


# --- the default data ------------------------------------------------------------------------


def test_default_fit_table_and_diagnostics(default, default_fit):
    sales, media, truth = default
    res = default_fit
    fields = ["roi", "mroi", "contribution", "decay", "half_saturation", "shape", "beta"]
    assert list(res.channels.columns) == ["spend"] + [k for f in fields for k in (f, f"{f}_low", f"{f}_high")] + [
        "roi_fit"]
    assert sorted(res.channels.index) == sorted(CHANNELS)
    for f in fields:  # percentile intervals need not contain the point, but are ordered
        assert (res.channels[f"{f}_low"] <= res.channels[f"{f}_high"]).all(), f
    for ch in CHANNELS:
        row = res.channels.loc[ch]
        assert row["spend"] == _spend(media, ch).sum()
        # bagged: the point is the median of the refits, for ROI and contribution alike (ROI is
        # contribution over a fixed spend, a monotone map, so the medians correspond); the
        # decomposition is the single fit, whose ROI is roi_fit
        assert row["roi"] == pytest.approx(row["contribution"] / row["spend"], rel=1e-12)
        draws = res.boot_params[res.boot_params["channel"] == ch]
        assert row["roi"] == pytest.approx(draws["roi"].median(), rel=1e-12)
        assert row["roi_fit"] == pytest.approx(res.decomposition[ch].sum() / row["spend"], rel=1e-12)
    d = res.diagnostics
    assert set(d) >= {"r2", "mape", "durbin_watson", "negative_baseline_weeks", "sigma", "weeks", "parameters",
                      "weeks_per_parameter", "boot_ok", "boot_failed", "fit_seconds"}
    assert d["weeks"] == len(sales) == 156
    assert d["boot_ok"] + d["boot_failed"] == 20
    assert len(res.draws) == d["boot_ok"]
    # The truth's noise (SD 150,000) leaves 1 - (150,000 / SD(revenue))^2 of the variance to
    # baseline + media: ~0.98 for a revenue SD of ~1,000,000.  An in-sample least-squares fit of
    # a model holding the truth explains at least about as much; 0.9 leaves room for the priors.
    explained = 1 - (truth["noise_sd"] / sales["revenue"].std()) ** 2
    assert explained > 0.95
    assert d["r2"] > 0.9
    assert 0 <= d["mape"] < 0.05 and 0 < d["durbin_watson"] < 4


def test_summary_names_every_channel(default_fit):
    text = default_fit.summary()
    d = default_fit.diagnostics
    assert isinstance(text, str)
    assert "geometric adstock, hill saturation" in text
    for ch in CHANNELS:
        assert ch in text
    assert f"from {d['boot_ok']} block-bootstrap resamples ({d['boot_failed']} failed)" in text
    assert f"{d['weeks']} weeks, {d['parameters']} parameters" in text


def test_response_is_the_steady_state_of_the_fitted_curve(default_fit):
    res = default_fit
    for ch in CHANNELS:
        p = res.params.loc[ch]
        s = 1.3 * res.spend[ch].mean()
        # run the fitted model on a constant spend for 600 weeks: decay <= 0.95, 0.95^600 ~ 4e-14
        level = adstock(np.full(600, s), decay=p["decay"])
        weekly = p["beta"] * saturation(level, half_saturation=p["half_saturation"], shape=p["shape"])
        assert res.response(ch, s) == pytest.approx(weekly[-1], rel=1e-9), ch
        assert res.curves()[ch](s) == res.response(ch, s)
        # mroi is the slope of the response at the average spend; a central difference with a
        # step of 1e-4 of the spend has a relative error ~(1e-4)^2 x curvature, far below 1e-5
        avg = res.spend[ch].mean()
        h = 1e-4 * avg
        slope = (res.response(ch, avg + h) - res.response(ch, avg - h)) / (2 * h)
        assert res.params.loc[ch, "mroi"] == pytest.approx(slope, rel=1e-5), ch


def test_curves_feed_the_budget_optimiser(default_fit):
    res = default_fit
    current = {ch: float(res.spend[ch].mean()) for ch in res.params.index}
    plan = optimise_budget(res.curves(), current)
    t = plan.table
    assert t.loc["total", "optimised"] == pytest.approx(sum(current.values()))
    for ch in current:
        assert t.loc[ch, "response_current"] == pytest.approx(res.response(ch, current[ch]), rel=1e-9)
    assert t.loc["total", "response_optimised"] >= t.loc["total", "response_current"] - 1e-6


def test_response_curves_table(default_fit):
    res = default_fit
    table = res.response_curves(points=30)
    assert len(table) == 30 * len(CHANNELS)
    assert (table["response_low"] <= table["response_high"]).all()
    for ch, g in table.groupby("channel"):
        assert g["current"].iloc[0] == pytest.approx(res.spend[ch].mean())
        assert g["response"].iloc[0] == 0 and (np.diff(g["response"]) >= 0).all()


# --- lift tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("ch", ["search", "social"])
def test_a_precise_lift_test_pins_the_channel_contribution(default, default_fit, ch):
    # The test is one more row of the inner weighted least squares.  With its SE s and the
    # data alone pinning the window's contribution to a variance v, the fit moves to within
    # D s^2 / (s^2 + v) of the test, D the data-only fit's distance from it: in SEs,
    # (D / s) (s^2 / v) at most.  Here s is 0.1% of the value; the data-only fit's own 90% ROI
    # interval is over 20% of the ROI wide (checked below), so sqrt(v) >= 6% of the value =
    # 60 s; and D < 1000 s (the data-only window contribution is between 0 and twice the
    # value, checked below).  The left-over is then below 1000 / 60^2 ~ 0.3 SE: 1 SE is safe.
    sales, media, truth = default
    test = simulate_lift_tests(truth, sales["week"], [ch], rel_se=0.001, seed=1)
    value, se = float(test.loc[0, "incremental_revenue"]), float(test.loc[0, "se"])
    dec = default_fit.decomposition
    in_window = (dec["week"] >= test.loc[0, "start"]) & (dec["week"] <= test.loc[0, "end"])
    assert in_window.sum() == 8
    row = default_fit.channels.loc[ch]
    assert row["roi_high"] - row["roi_low"] > 0.2 * row["roi"]
    before = dec.loc[in_window, ch].sum()
    assert 20 * se < abs(before - value) < 1000 * se  # the calibration has something to correct
    res = fit_mmm(sales, media, n_boot=0, lift_tests=test)
    after = res.decomposition.loc[in_window, ch].sum()
    assert abs(after - value) < se


def test_lift_test_errors(default):
    sales, media, _ = default
    good = {"channel": "search", "start": "2025-11-03", "end": "2025-12-22", "incremental_revenue": 4e6,
            "se": 4e5}
    with pytest.raises(DataError, match="lift test 0 is on channel 'radio', which is not modelled"):
        fit_mmm(sales, media, n_boot=0, lift_tests=[{**good, "channel": "radio"}])
    with pytest.raises(DataError, match="covers no fitted week"):
        fit_mmm(sales, media, n_boot=0, lift_tests=[{**good, "start": "2030-01-07", "end": "2030-02-04"}])
    for se in (0.0, -1.0, float("nan")):
        with pytest.raises(DataError, match="must be a positive number"):
            fit_mmm(sales, media, n_boot=0, lift_tests=[good, {**good, "se": se}])
    no_se = {k: v for k, v in good.items() if k != "se"}
    with pytest.raises(DataError, match="column 'se' not in the data"):
        fit_mmm(sales, media, n_boot=0, lift_tests=[no_se])


# --- bad input -------------------------------------------------------------------------------


def test_a_channel_without_spend_is_left_out_with_a_note(clean):
    sales, media, _, _ = clean
    res = fit_mmm(sales, _with_spend(media, "email", 0.0), n_boot=0)
    assert "email" not in res.channels.index and "email" not in res.decomposition
    assert sorted(res.channels.index) == sorted(set(CHANNELS) - {"email"})
    assert any("['email']" in n and "left out" in n for n in res.notes)
    with pytest.raises(DataError, match="no channel has any spend"):
        fit_mmm(sales, media.assign(spend=0), n_boot=0)


@pytest.mark.parametrize("factor", [1.0, 2.0, 0.37])
def test_a_channel_that_copies_another_is_refused_naming_both(clean, factor):
    sales, media, _, _ = clean
    m = _with_spend(media, "social", factor * _spend(media, "search"))
    with pytest.raises(DataError, match="moves together") as err:
        fit_mmm(sales, m, n_boot=0)
    assert "'search'" in str(err.value) and "'social'" in str(err.value)


def test_a_channel_that_is_a_sum_of_others_is_refused(clean):
    sales, media, _, _ = clean
    combo = _spend(media, "search") + _spend(media, "social") + _spend(media, "tv")
    with pytest.raises(DataError, match="linear combination of the others"):
        fit_mmm(sales, _with_spend(media, "display", combo), n_boot=0)


def test_bad_spend_rows_are_refused(clean):
    sales, media, _, _ = clean
    week = media["week"].iloc[40]
    hole = media[~((media["channel"] == "tv") & (media["week"] == week))]
    with pytest.raises(DataError, match="no spend row for channel 'tv' in 1 weeks"):
        fit_mmm(sales, hole, n_boot=0)
    for bad in (np.nan, -10.0, np.inf):
        m = media.copy()
        m["spend"] = m["spend"].astype(float)
        m.loc[7, "spend"] = bad
        with pytest.raises(DataError, match="must be a finite number >= 0 in every row; 1 rows are not"):
            fit_mmm(sales, m, n_boot=0)
    with pytest.raises(DataError, match="1 repeated"):
        fit_mmm(sales, pd.concat([media, media.iloc[[3]]], ignore_index=True), n_boot=0)
    with pytest.raises(DataError, match="repeated weeks"):
        fit_mmm(pd.concat([sales, sales.iloc[[3]]], ignore_index=True), media, n_boot=0)
    with pytest.raises(DataError, match="channels \\['radio'\\] are not in media"):
        fit_mmm(sales, media, channels=["tv", "radio"], n_boot=0)
    with pytest.raises(DataError, match="no week of media matches"):
        fit_mmm(sales, media.assign(week=media["week"] + pd.Timedelta(days=3)), n_boot=0)
    with pytest.raises(DataError, match="'revenue' has 1 missing"):
        fit_mmm(sales.assign(revenue=sales["revenue"].astype(float).where(sales.index != 9)), media, n_boot=0)


def test_too_few_weeks_for_the_parameters(clean):
    sales, media, _, _ = clean
    weeks = sales["week"].iloc[:30]
    with pytest.raises(DataError, match="weeks per parameter"):
        fit_mmm(sales.iloc[:30], media[media["week"].isin(weeks)], n_boot=0)


def test_the_parameter_count_includes_every_fitted_parameter(clean):
    res = clean[3]
    # per channel: decay, half_saturation, shape (Hill) and beta; plus the baseline terms
    free = len(res.baseline_coefficients) + 4 * len(res.params)
    assert res.diagnostics["parameters"] == free


def test_a_gap_in_the_weeks_is_refused(clean):
    sales, media, _, _ = clean
    gap = sales["week"].iloc[60]
    with pytest.raises(DataError, match="not evenly spaced"):
        fit_mmm(sales[sales["week"] != gap], media[media["week"] != gap], n_boot=0)


def test_bad_options_are_parameter_errors(clean):
    sales, media, _, _ = clean
    with pytest.raises(ParameterError, match="'adstock' parameter of fit_mmm must be one of"):
        fit_mmm(sales, media, adstock="delayed")
    with pytest.raises(ParameterError, match="'saturation' parameter of fit_mmm must be one of"):
        fit_mmm(sales, media, saturation="s-curve")
    for ci in (0.3, 1.0, "0.9", float("nan")):
        with pytest.raises(ParameterError, match="'ci' parameter of fit_mmm"):
            fit_mmm(sales, media, ci=ci)
    with pytest.raises(ParameterError, match="'n_boot' parameter"):
        fit_mmm(sales, media, n_boot=-1)
    with pytest.raises(ParameterError, match="'block' parameter"):
        fit_mmm(sales, media, block=0)
    with pytest.raises(ParameterError, match="must be pandas DataFrames"):
        fit_mmm(sales, media.to_dict("list"))


# --- the bootstrap ---------------------------------------------------------------------------


def test_failed_refits_are_counted_and_noted(clean, monkeypatch):
    sales, media, _, _ = clean
    inner = mmm_module._Problem.fit
    calls = []

    def flaky(self, y=None, starts=None, **kw):
        if y is None:  # the fit of the data itself
            return inner(self, y, starts, **kw)
        calls.append(len(calls))
        k = calls[-1]
        if k in (1, 4):
            raise np.linalg.LinAlgError("singular")
        res = inner(self, y, starts, **kw)
        if k == 6:
            res.x = np.full_like(res.x, np.nan)  # a refit that ran off to NaN
        return res

    monkeypatch.setattr(mmm_module._Problem, "fit", flaky)
    res = fit_mmm(sales, media, n_boot=8, seed=2)
    assert len(calls) == 8
    assert res.diagnostics["boot_failed"] == 3 and res.diagnostics["boot_ok"] == 5
    assert res.draws == [0, 2, 3, 5, 7]
    assert "3 of 8 bootstrap refits failed" in " ".join(res.notes)
    assert "(3 failed)" in res.summary()
    with pytest.raises(ParameterError, match="'draw' parameter of MMMResult"):
        res.response("tv", 1e5, draw=4)


def test_the_seed_fixes_the_bootstrap(clean):
    sales, media, _, _ = clean
    a = fit_mmm(sales, media, n_boot=4, seed=3)
    b = fit_mmm(sales, media, n_boot=4, seed=3)
    c = fit_mmm(sales, media, n_boot=4, seed=4)
    pd.testing.assert_frame_equal(a.channels, b.channels)
    pd.testing.assert_frame_equal(a.boot_params, b.boot_params)
    pd.testing.assert_frame_equal(a.channels[["roi"]], c.channels[["roi"]])  # the point is the data's
    assert not np.allclose(a.boot_params["beta"], c.boot_params["beta"])


def test_response_of_a_bootstrap_draw(default_fit):
    res = default_fit
    s = np.array([0.0, 1e5, 4e5])
    for d in res.draws[:3]:
        p = res.boot_params[(res.boot_params["draw"] == d) & (res.boot_params["channel"] == "search")].iloc[0]
        expected = p["beta"] * saturation(s / (1 - p["decay"]), half_saturation=p["half_saturation"],
                                          shape=p["shape"])
        assert np.allclose(res.response("search", s, draw=d), expected, rtol=1e-12)
        assert np.allclose(res.curves(draw=d)["search"](s), expected, rtol=1e-12)
    with pytest.raises(ParameterError, match="'draw' parameter of MMMResult"):
        res.response("search", s, draw=999)
    with pytest.raises(ParameterError, match="'channel' parameter of MMMResult"):
        res.response("radio", s)


def test_no_bootstrap_means_no_draws(clean):
    res = clean[3]
    assert res.draws == [] and res.diagnostics["boot_ok"] == res.diagnostics["boot_failed"] == 0
    assert res.channels["roi_low"].isna().all()
    with pytest.raises(ParameterError, match="'draw' parameter of MMMResult"):
        res.response("tv", 1e5, draw=0)


# --- the recovery harness --------------------------------------------------------------------


def test_recovery_of_noise_free_draws_is_exact():
    r = mmm_recovery(3, noise_sd=0, n_boot=0, seed=10)
    assert r.n_sims == 3 and len(r.draws) == 3 * len(CHANNELS)
    assert {"truth", "estimate", "bias", "mae", "coverage", "oracle_mae"} <= set(r.table.columns)
    assert r.table.index.names == ["channel", "parameter"]
    assert r.roi_mae < ROI_RTOL
    # the oracle solves only a linear least squares on the true curves: exact up to rounding
    assert r.oracle_roi_mae < ROI_RTOL
    assert r.table["coverage"].isna().all()  # no bootstrap, no intervals
    assert "3 draws" in r.notes[0]


@pytest.mark.slow
def test_the_oracle_beats_the_fit_on_noisy_draws():
    # The oracle knows the true decay, K and shape and estimates only the betas and the
    # baseline; the fit estimates the curves too, from the same draws.  Its ROI error is then
    # at least the oracle's on average (not on every draw): the paired per-draw difference of
    # the mean absolute errors must be positive by two standard errors over 8 draws.
    r = mmm_recovery(8, n_boot=15, seed=0)
    d = r.draws
    fit_err = ((d["roi"] - d["roi_true"]) / d["roi_true"]).abs().groupby(d["draw"]).mean()
    orc_err = ((d["roi_oracle"] - d["roi_true"]) / d["roi_true"]).abs().groupby(d["draw"]).mean()
    diff = fit_err - orc_err
    assert r.oracle_roi_mae < r.roi_mae
    assert diff.mean() > 2 * diff.std(ddof=1) / math.sqrt(len(diff))
    # the table's aggregates are those of the draws
    assert r.roi_mae == pytest.approx(fit_err.mean())
    roi = r.table.xs("roi", level="parameter")
    for ch, g in d.groupby("channel"):
        rel = (g["roi"] - g["roi_true"]) / g["roi_true"]
        covered = (g["roi_low"] <= g["roi_true"]) & (g["roi_true"] <= g["roi_high"])
        assert roi.loc[ch, "bias"] == pytest.approx(rel.mean())
        assert roi.loc[ch, "mae"] == pytest.approx(rel.abs().mean())
        assert roi.loc[ch, "coverage"] == pytest.approx(covered.mean())
    assert r.table["coverage"].between(0, 1).all()
    assert "8 draws" in r.summary()


# --- the simulators --------------------------------------------------------------------------


def test_simulate_media_is_seeded():
    a, b, c = simulate_media(7), simulate_media(7), simulate_media(8)
    pd.testing.assert_frame_equal(a[0], b[0])
    pd.testing.assert_frame_equal(a[1], b[1])
    for ch in CHANNELS:
        assert np.array_equal(a[2]["channels"][ch]["weekly_contribution"], b[2]["channels"][ch]["weekly_contribution"])
    assert not a[1]["spend"].equals(c[1]["spend"])
    assert not a[0]["revenue"].equals(c[0]["revenue"])


def test_simulate_media_truth_is_the_design():
    committed = load_truth()["media"]
    sales, media, truth = simulate_media(4, noise_sd=0)
    assert len(media) == len(CHANNELS) * len(sales)
    assert (media["spend"] >= 0).all()
    contributions = np.zeros(len(sales))
    for ch, t in truth["channels"].items():
        # beta is set from the ROI, so the ROI of the draw is the design's (floating point only)
        assert t["roi"] == pytest.approx(committed["channels"][ch]["roi"], rel=1e-12), ch
        for p in ("decay", "half_saturation", "shape"):
            assert t[p] == committed["channels"][ch][p]
        # the weekly contribution is the model's own curve
        x = _spend(media, ch)
        curve = t["beta"] * saturation(adstock(x, decay=t["decay"]), half_saturation=t["half_saturation"],
                                       shape=t["shape"])
        assert np.allclose(t["weekly_contribution"], curve, rtol=1e-10)
        assert t["total_spend"] == x.sum()
        contributions += curve
    # without noise revenue is baseline + media, rounded to the yuan
    assert np.abs(sales["revenue"] - (truth["weekly_baseline"] + contributions)).max() <= 0.5 + 1e-6
    # the baseline is the committed one, which ground_truth.json keeps to 6 significant digits:
    # each week differs by at most half a unit of the 6th digit
    stored = np.asarray(committed["weekly_baseline"], dtype=float)
    half_unit = 0.5 * 10.0 ** (np.floor(np.log10(np.abs(stored))) - 5)
    assert (np.abs(truth["weekly_baseline"] - stored) <= half_unit * (1 + 1e-9)).all()


def test_simulate_media_noise_has_its_sd():
    sales, media, truth = simulate_media(2, noise_sd=50_000.0)
    signal = np.asarray(truth["weekly_baseline"]) + sum(np.asarray(c["weekly_contribution"])
                                                        for c in truth["channels"].values())
    resid = sales["revenue"].to_numpy() - signal
    # the SD of 156 normal draws is within 4 x 1/sqrt(2 x 156) ~ 23% of the true one
    assert resid.std() == pytest.approx(50_000.0, rel=0.23)
    assert truth["noise_sd"] == 50_000.0


def test_simulate_media_bad_arguments():
    for seed in ("3", 1.5, True, None):
        with pytest.raises(ParameterError, match="'seed' parameter of simulate_media"):
            simulate_media(seed)
    for sd in (-1.0, float("nan"), float("inf"), "10"):
        with pytest.raises(ParameterError, match="'noise_sd' parameter of simulate_media"):
            simulate_media(0, noise_sd=sd)


def test_simulate_media_negative_seed_is_a_parameter_error():
    with pytest.raises(ParameterError, match="'seed' parameter of simulate_media"):
        simulate_media(-1)


def test_simulate_lift_tests_measures_the_truth():
    sales, media, truth = simulate_media(3)
    weeks = sales["week"]
    z = []
    for seed in range(10):
        t = simulate_lift_tests(truth, weeks, CHANNELS, last_weeks=6, rel_se=0.2, seed=seed)
        assert list(t.columns) == ["channel", "start", "end", "incremental_revenue", "se", "true_incremental_revenue"]
        assert list(t["channel"]) == CHANNELS
        assert (t["start"] == weeks.iloc[-6]).all() and (t["end"] == weeks.iloc[-1]).all()
        for _, row in t.iterrows():
            true = float(np.sum(truth["channels"][row["channel"]]["weekly_contribution"][-6:]))
            assert row["true_incremental_revenue"] == pytest.approx(true, rel=1e-12)
            assert row["se"] == pytest.approx(0.2 * true, rel=1e-12)
        z += list((t["incremental_revenue"] - t["true_incremental_revenue"]) / t["se"])
    z = np.array(z)
    assert (np.abs(z) < 4).all()  # a 4-SE miss has probability 6e-5 per test
    # the errors are standard normal: over 50 tests the mean is within 4/sqrt(50) ~ 0.57 of 0
    # and the SD within 4/sqrt(100) = 0.4 of 1
    assert abs(z.mean()) < 0.57 and abs(z.std(ddof=1) - 1) < 0.4


def test_simulate_lift_tests_bad_arguments():
    sales, _, truth = simulate_media(3)
    with pytest.raises(ParameterError, match="channel 'radio' is not in the truth"):
        simulate_lift_tests(truth, sales["week"], ["search", "radio"])
    for last in (0, len(sales) + 1, 2.5):
        with pytest.raises(ParameterError, match="'last_weeks' parameter"):
            simulate_lift_tests(truth, sales["week"], ["search"], last_weeks=last)
    for rel in (0, -0.1, 10):
        with pytest.raises(ParameterError, match="'rel_se' parameter"):
            simulate_lift_tests(truth, sales["week"], ["search"], rel_se=rel)
