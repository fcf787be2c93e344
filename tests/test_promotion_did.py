"""Difference-in-differences and the event study: eBay's published estimate, the default
store panel's true effect, calibration by simulation, identities and errors.

Published figure (Taddy, *Business Data Science*, 2019, ch. 5, the analysis of Blake, Nosko &
Tadelis's eBay paid-search experiment, Econometrica 2015): on DMA means of log revenue before
and after 22 May 2012, the interaction ``search off x after`` is -0.00659 (three significant
figures) with a standard error clustered by DMA of 0.00555: switching paid search off
cost under one per cent of revenue, and the interval includes no effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from crmlib.datasets import load_default, load_paidsearch
from crmlib.datasets._gen_promotion import effect_path, make_promotion_tables
from crmlib.exceptions import DataError, ParameterError
from crmlib.promotion import diff_in_diff, event_study

# --- eBay (published) ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ebay(real_data_home) -> pd.DataFrame:
    return load_paidsearch(real_data_home).assign(search_off=lambda d: ~d["search_stays_on"])


def test_ebay_reproduces_the_published_estimate(ebay):
    res = diff_in_diff(ebay, "revenue", unit="dma", treated="search_off",
                       post="treatment_period", log=True)
    # published to three significant figures: half a unit in the last place
    assert res.estimate == pytest.approx(-0.00659, abs=5e-6)
    assert res.std_error == pytest.approx(0.00555, abs=5e-6)
    assert res.n_units == 210 and res.n_treated == 68
    assert res.ci_low < 0 < res.ci_high
    # the same regression in statsmodels (cluster-robust with its default small-sample factor)
    cell = (ebay.assign(y=np.log(ebay["revenue"]))
            .groupby(["dma", "treatment_period"]).agg(y=("y", "mean"), d=("search_off", "first"))
            .reset_index().astype({"d": float, "treatment_period": float}))
    fit = smf.ols("y ~ d * treatment_period", cell).fit(cov_type="cluster",
                                                         cov_kwds={"groups": cell["dma"]})
    assert res.estimate == pytest.approx(fit.params["d:treatment_period"], rel=1e-10)
    assert res.std_error == pytest.approx(fit.bse["d:treatment_period"], rel=1e-10)


def test_ebay_fixed_effects_on_every_day_give_the_same_estimate(ebay):
    # balanced panel: the two-way fixed-effects interaction equals the DiD of the unit means
    agg = diff_in_diff(ebay, "revenue", unit="dma", treated="search_off",
                       post="treatment_period", log=True)
    fe = diff_in_diff(ebay, "revenue", unit="dma", treated="search_off", post="treatment_period",
                      time="date", log=True, aggregate=False)
    assert fe.estimate == pytest.approx(agg.estimate, abs=1e-12)
    assert fe.n_obs == len(ebay)


def test_ebay_event_study_with_one_period_each_side_is_the_did(ebay):
    # 51 days before 22 May and 62 after: periods of 62 days are -1 and 0 only
    agg = diff_in_diff(ebay, "revenue", unit="dma", treated="search_off",
                       post="treatment_period", log=True)
    es = event_study(ebay, "revenue", unit="dma", time="date", treated="search_off",
                     start="2012-05-22", width="62D", log=True)
    assert es.table.index.tolist() == [-1, 0]
    assert es.table.loc[0, "estimate"] == pytest.approx(agg.estimate, abs=1e-12)
    assert "nothing to test" in str(es)


# --- the default store panel (truth) ---------------------------------------------------------


@pytest.fixture(scope="module")
def stores():
    data = load_default(tables=["store_weekly_sales"])
    return data.tables["store_weekly_sales"], data.truth["store_promotion"]


def test_default_promotion_effect_is_recovered(stores):
    panel, truth = stores
    res = diff_in_diff(panel, "sales", unit="store_id", treated="promoted", post="post", log=True)
    z = stats.norm.ppf(1 - 0.001 / 2)  # a 1-in-1000 miss
    assert abs(res.estimate - truth["average_effect_log"]) < z * res.std_error
    # the trap: the treated stores' before/after change is season plus effect, and the season
    # (the control stores' change) is far from zero
    season = res.cells.loc["control", "change"]
    assert abs(season) > z * res.std_error
    assert not res.ci_low <= res.naive_before_after <= res.ci_high
    assert res.n_units == 60 and res.n_treated == 24


def test_default_event_study_tracks_the_true_path(stores):
    panel, truth = stores
    es = event_study(panel, "sales", unit="store_id", time="week", treated="promoted",
                     start=truth["start"], width="28D", log=True)
    t = es.table
    pre_mean = t.loc[t.index < 0, "estimate"].mean()
    post = t[t.index >= 0]
    # the truth of each 4-week period: the mean of the weekly effect path in it
    weeks = (panel["week"].drop_duplicates() - pd.Timestamp(truth["start"])).dt.days // 7
    period = weeks // 4
    true = pd.Series(effect_path(weeks.to_numpy()), index=period.to_numpy()).groupby(level=0).mean()
    z = stats.norm.ppf(1 - 0.001 / (2 * len(post)))  # Bonferroni over the post periods
    # the pre-period mean is itself estimated: allow its SE (the pre coefficients' average)
    gap = (post["estimate"] - pre_mean - true.reindex(post.index)).abs()
    se = np.sqrt(post["std_error"] ** 2 + (t.loc[t.index < 0, "std_error"] ** 2).mean())
    assert (gap < z * se).all()
    assert es.pretrend["p_value"] > 0.001
    assert es.post_mean == pytest.approx(truth["average_effect_log"], abs=z * post["std_error"].mean())


@pytest.mark.slow
def test_intervals_and_pretrend_test_hold_their_level_by_simulation():
    # 100 panels of the documented process: the DiD interval covers the truth about 95% of the
    # time and the pre-trend test (4-week periods) rejects parallel trends at most about 5%
    n = 100
    covered, rejected = 0, 0
    for i in range(n):
        tables, truth = make_promotion_tables(np.random.default_rng(5000 + i),
                                              end=pd.Timestamp("2025-12-28"))
        panel, tr = tables["store_weekly_sales"], truth["store_promotion"]
        res = diff_in_diff(panel, "sales", unit="store_id", treated="promoted", post="post", log=True)
        covered += res.ci_low <= tr["average_effect_log"] <= res.ci_high
        es = event_study(panel, "sales", unit="store_id", time="week", treated="promoted",
                         start=tr["start"], width="28D", log=True)
        rejected += es.pretrend["p_value"] < 0.05
    sd = np.sqrt(0.05 * 0.95 / n)  # binomial SD of a 5% rate over n panels
    assert covered / n > 0.95 - 3 * sd
    assert rejected / n < 0.05 + 3 * sd


def test_row_level_ols_without_clusters_understates_the_error(stores):
    # why the clustering: with AR(1) noise inside each store, naive OLS on the rows is too sure
    panel, _ = stores
    res = diff_in_diff(panel, "sales", unit="store_id", treated="promoted", post="post",
                       time="week", log=True, aggregate=False)
    rows = panel.assign(y=np.log(panel["sales"]), dp=lambda d: (d["promoted"] & d["post"]).astype(float))
    naive = smf.ols("y ~ C(store_id) + C(week) + dp", rows).fit()
    assert naive.params["dp"] == pytest.approx(res.estimate, abs=1e-9)
    assert naive.bse["dp"] < res.std_error / 1.5


# --- identities ------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-50, 50), min_size=8, max_size=8), st.floats(-1e3, 1e3))
def test_unit_constants_and_a_common_shift_do_not_move_the_estimate(values, shift):
    panel = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3, 4, 4], "d": [1, 1, 1, 1, 0, 0, 0, 0],
                          "p": [0, 1] * 4, "y": values})
    base = diff_in_diff(panel, "y", unit="u", treated="d", post="p").estimate
    moved = panel.assign(y=panel["y"] + panel["u"] * 7.0 + shift * panel["p"])
    assert diff_in_diff(moved, "y", unit="u", treated="d", post="p").estimate == pytest.approx(
        base, abs=1e-8)
    y = np.asarray(values)
    assert base == pytest.approx((y[1] - y[0] + y[3] - y[2]) / 2 - (y[5] - y[4] + y[7] - y[6]) / 2,
                                 abs=1e-8)


def test_one_sided_units_are_counted_not_silently_dropped():
    panel = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3, 4, 4, 5], "d": [1, 1, 1, 1, 0, 0, 0, 0, 0],
                          "p": [0, 1, 0, 1, 0, 1, 0, 1, 0], "y": [1.0, 2, 1, 3, 1, 1, 2, 2, 9]})
    res = diff_in_diff(panel, "y", unit="u", treated="d", post="p")
    assert res.estimate == pytest.approx(1.5)
    assert any("1 unit(s) seen on one side" in n for n in res.notes)
    assert any("smaller group" in n for n in res.notes)


# --- errors ----------------------------------------------------------------------------------


def _small():
    return pd.DataFrame({"u": [1, 1, 2, 2, 3, 3, 4, 4], "d": [1, 1, 1, 1, 0, 0, 0, 0],
                         "p": [0, 1] * 4, "t": [0, 1] * 4, "y": [1.0, 2, 1, 3, 1, 1, 2, 2]})


def test_did_errors():
    f = _small()
    with pytest.raises(DataError, match="constant within a unit"):
        diff_in_diff(f.assign(d=[1, 0, 1, 1, 0, 0, 0, 0]), "y", unit="u", treated="d", post="p")
    with pytest.raises(DataError, match="log=True needs a positive outcome.*1 values <= 0"):
        diff_in_diff(f.assign(y=[0.0, 2, 1, 3, 1, 1, 2, 2]), "y", unit="u", treated="d",
                     post="p", log=True)
    with pytest.raises(DataError, match="needs treated units and control units"):
        diff_in_diff(f.assign(d=1), "y", unit="u", treated="d", post="p")
    with pytest.raises(DataError, match="periods on both sides"):
        diff_in_diff(f.assign(p=0), "y", unit="u", treated="d", post="p")
    with pytest.raises(DataError, match="unit column 'u' has 1 missing"):
        diff_in_diff(f.assign(u=[1, 1, 2, None, 3, 3, 4, 4]), "y", unit="u", treated="d", post="p")
    with pytest.raises(DataError, match="must be 0/1 or True/False"):
        diff_in_diff(f.assign(d=["a"] * 8), "y", unit="u", treated="d", post="p")
    with pytest.raises(DataError, match="missing or infinite"):
        diff_in_diff(f.assign(y=[np.nan, 2, 1, 3, 1, 1, 2, 2]), "y", unit="u", treated="d", post="p")
    with pytest.raises(ParameterError, match="either post="):
        diff_in_diff(f, "y", unit="u", treated="d", post="p", time="t", start=1)
    with pytest.raises(ParameterError, match="aggregate=False needs time="):
        diff_in_diff(f, "y", unit="u", treated="d", post="p", aggregate=False)
    with pytest.raises(DataError, match="time column 't' must hold dates"):
        diff_in_diff(f.assign(t="x"), "y", unit="u", treated="d", time="t", start=1)
    # start= with time= is the same as the post column
    a = diff_in_diff(f, "y", unit="u", treated="d", time="t", start=1).estimate
    assert a == diff_in_diff(f, "y", unit="u", treated="d", post="p").estimate


def test_event_study_errors():
    f = _small()
    with pytest.raises(ParameterError, match="'reference' parameter .* present in the data"):
        event_study(f, "y", unit="u", time="t", treated="d", start=1, reference=-3)
    with pytest.raises(DataError, match="one side of the start"):
        event_study(f, "y", unit="u", time="t", treated="d", start=5, reference=-1)
    with pytest.raises(ParameterError, match="'width' parameter"):
        event_study(f.assign(t=pd.Timestamp("2024-01-01") + pd.to_timedelta(f["t"], "D")), "y",
                    unit="u", time="t", treated="d", start="2024-01-02", width="soon")
    long = pd.DataFrame([(u, t, u < 2) for u in range(4) for t in range(10)], columns=["u", "t", "d"])
    long["y"] = np.arange(len(long), dtype=float) ** 1.5
    with pytest.raises(DataError, match="fewer coefficients than clusters"):
        event_study(long, "y", unit="u", time="t", treated="d", start=8)


def test_event_study_plot_draws_both_sides(stores):
    import matplotlib.pyplot as plt

    panel, truth = stores
    es = event_study(panel, "sales", unit="store_id", time="week", treated="promoted",
                     start=truth["start"], width="28D", log=True)
    fig, ax = plt.subplots()
    es.plot(ax=ax)
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["before the start", "from the start"]
    plt.close(fig)
