"""crmlib.market decomposition, forecast and holdout backtest.

What the backtest test asserts on the default data: on the last 26 weeks, STL + ETS has a
lower MASE than the seasonal-naive forecast (one holdout, not a guarantee), MASE and coverage
equal an independent recomputation, and the too-narrow model intervals are reported in a note
rather than hidden.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import crmlib.datasets as ds
import crmlib.market as mk
from crmlib.exceptions import DataError, ParameterError


@pytest.fixture(scope="module")
def revenue():
    ws = ds.load_default(tables=["weekly_sales"]).weekly_sales
    return ws.set_index("week")["revenue"] / 1e6


@pytest.fixture(scope="module")
def result(revenue):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leak: statsmodels warnings are handled
        return mk.backtest(revenue, horizon=26, period=52, alpha=0.2)


def test_backtest_scores_match_an_independent_computation(revenue, result):
    y = revenue.to_numpy()
    train, test = y[:-26], y[-26:]
    scale = np.abs(train[52:] - train[:-52]).mean()
    t = result.table
    assert result.scores.loc["stl_ets", "mase"] == pytest.approx(
        np.abs(test - t["mean"]).mean() / scale)
    naive = train[-52:-26]  # one season before each holdout week
    assert np.allclose(t["naive"], naive)
    assert result.scores.loc["seasonal_naive", "mase"] == pytest.approx(
        np.abs(test - naive).mean() / scale)
    inside = ((test >= t["lower"]) & (test <= t["upper"])).mean()
    assert result.scores.loc["stl_ets", "coverage"] == pytest.approx(inside)


def test_model_beats_seasonal_naive_and_reports_its_coverage(result):
    assert result.beats_naive
    cov = result.scores.loc["stl_ets", "coverage"]
    se = np.sqrt(0.2 * 0.8 / 26)
    if cov < 0.8 - 2 * se:  # the honest report: a note, not a silent interval
        assert any("too narrow" in n for n in result.notes)
    assert "beats the seasonal-naive" in result.summary()
    assert "<table" in result._repr_html_()


def test_decomposition_recovers_a_known_season():
    t = np.arange(156)
    season = 5 * np.sin(2 * np.pi * t / 52)
    rng = np.random.default_rng(3)
    y = pd.Series(100 + 0.1 * t + season + rng.normal(0, 0.5, len(t)))
    parts = mk.decompose(y, period=52)
    assert np.allclose(parts[["trend", "seasonal", "remainder"]].sum(axis=1), parts["observed"])
    # the season is recovered within a few noise SDs (0.5) in the middle cycle
    assert np.abs(parts["seasonal"].iloc[52:104] - season[52:104]).max() < 4 * 0.5
    assert parts.attrs["seasonal_strength"] > 0.8


def test_forecast_of_a_clean_seasonal_series_is_close():
    t = np.arange(72)
    y = pd.Series(50 + 0.5 * t + 8 * np.sin(2 * np.pi * t / 12))
    f = mk.forecast(y, horizon=12, period=12)
    future = 50 + 0.5 * np.arange(72, 84) + 8 * np.sin(2 * np.pi * np.arange(72, 84) / 12)
    assert np.abs(f["mean"].to_numpy() - future).max() < 1.5
    assert (f["upper"] >= f["lower"]).all() and list(f.index) == list(range(1, 13))


def test_bad_input_messages(revenue):
    with pytest.raises(ParameterError, match="at most the length of the history"):
        mk.forecast(revenue, horizon=500)
    with pytest.raises(ParameterError, match="pass horizon <= 52"):
        mk.backtest(revenue, horizon=60)
    with pytest.raises(DataError, match="two full seasons"):
        mk.decompose(revenue.iloc[:80], period=52)
    with pytest.raises(DataError, match="missing or infinite"):
        mk.forecast(revenue.where(revenue.index != revenue.index[5]), horizon=4)
    with pytest.raises(ParameterError, match="must be a pandas Series"):
        mk.forecast(revenue.to_numpy(), horizon=4)
    with pytest.raises(DataError, match="MASE is undefined"):
        mk.mase(np.ones(3), np.ones(3), np.ones(10), period=2)


def test_calibrated_intervals_reach_their_coverage_on_simulated_series():
    """40 monthly series with known noise: the 80% interval's holdout coverage, averaged over
    the series, is within 4 standard errors of 80% once calibrated by rolling origin, and the
    uncalibrated ETS interval (which treats the season as known) falls short of it."""
    calibrated, raw = [], []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        t = np.arange(60)
        y = pd.Series(50 + 0.3 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 60))
        calibrated.append(mk.backtest(y, horizon=12, period=12).scores.loc["stl_ets", "coverage"])
        raw.append(mk.backtest(y, horizon=12, period=12, calibrate=False)
                   .scores.loc["stl_ets", "coverage"])
    calibrated, raw = np.array(calibrated), np.array(raw)
    # the series are independent, so the mean coverage has SE sd / sqrt(40)
    se = calibrated.std(ddof=1) / np.sqrt(len(calibrated))
    assert abs(calibrated.mean() - 0.8) < 4 * se
    assert raw.mean() < calibrated.mean() - 4 * se


def test_forecast_reports_its_calibration_and_short_histories(revenue):
    fc = mk.forecast(revenue, horizon=13, period=52)
    cal = fc.attrs["calibration"]
    assert cal["origins"] == 3 and cal["rmse"] > 0
    raw = mk.forecast(revenue, horizon=13, period=52, calibrate=False)
    assert (fc["upper"] - fc["lower"] >= raw["upper"] - raw["lower"] - 1e-12).all()
    assert np.allclose(fc["mean"], raw["mean"])
    short = mk.forecast(revenue.iloc[:110], horizon=8, period=52)
    assert "too short to calibrate" in " ".join(short.attrs["notes"])
    with pytest.raises(ParameterError, match="'calibrate'"):
        mk.forecast(revenue, horizon=4, calibrate="yes")
