"""The evaluation suite and the uncertainty of CLV, for BG/NBD, MBG/NBD and Pareto/NBD.

What is checked, and against what:

- each model's count distribution P(X(t) = k) sums to one, has the closed-form mean, and
  matches a simulation of the model's own story (tolerances: binomial standard errors);
- the holdout intervals of :func:`holdout_errors` cover simulated holdout purchases as often
  as the model promises (tolerance: the coverage's standard error under the model), and the
  conditional expectation is ``expected_purchases``;
- the repeat-purchase histogram matches a simulation from the true parameters cell by cell
  and, on CDNOW, the counts of Fader, Hardie & Lee (2005, figure 3);
- tracking reproduces the summary's totals exactly and the model's expectation identity;
- CLV over distinct (frequency, T) pairs equals the week-by-week definition; its intervals
  bracket the estimate, add up over segments, and count failed refits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib import value as v
from crmlib.exceptions import ConvergenceError, DataError, ParameterError

BG = (0.5, 4.0, 0.8, 2.5)
PNBD = (0.55, 10.6, 0.61, 11.7)
MODELS = {"bgnbd": (v.BGNBD, BG), "mbgnbd": (v.MBGNBD, BG), "pareto": (v.ParetoNBD, PNBD)}


def _with_params(cls, params):
    model = cls()
    model.params_ = pd.Series(params, index=list(cls._names), name="estimate")
    return model


def _simulate_split(kind: str, params, T: np.ndarray, holdout: float, seed: int) -> pd.DataFrame:
    """Calibration/holdout summaries simulated from each model's story (continuous time).

    BG/NBD: drops out right after the K-th repeat purchase, K ~ Geometric(p); MBG/NBD: also
    at time 0, so after J - 1 repeat purchases; Pareto/NBD: an exponential lifetime.
    """
    rng = np.random.default_rng(seed)
    n = len(T)
    end = T + holdout
    if kind == "pareto":
        r, alpha, s, beta = params
        lam = rng.gamma(r, 1 / alpha, n)
        life = rng.exponential(1 / rng.gamma(s, 1 / beta, n))
        span = np.minimum(life, end)
        limit = np.full(n, np.iinfo("int64").max)
    else:
        r, alpha, a, b = params
        lam = rng.gamma(r, 1 / alpha, n)
        p = rng.beta(a, b, n)
        span = end
        limit = rng.geometric(p) - (1 if kind == "mbgnbd" else 0)
    events = rng.poisson(lam * span)
    owner = np.repeat(np.arange(n), events)
    times = rng.uniform(0, np.repeat(span, events))
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    rank = np.arange(len(owner)) - np.repeat(np.r_[0, np.cumsum(events)[:-1]], events)
    keep = rank < limit[owner]
    owner, times = owner[keep], times[keep]
    cal = times <= T[owner]
    recency = np.zeros(n)
    np.maximum.at(recency, owner[cal], times[cal])
    return pd.DataFrame({
        "frequency_cal": np.bincount(owner[cal], minlength=n),
        "recency_cal": recency, "T_cal": T,
        "frequency_holdout": np.bincount(owner[~cal], minlength=n),
        "duration_holdout": np.full(n, holdout),
    }, index=pd.Index([f"C{i:05d}" for i in range(n)], name="customer_id"))


# =============================================================================================
# the count distributions
# =============================================================================================
@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("t", [0.5, 13.0, 39.0, 104.0])
def test_count_distribution_sums_to_one_with_the_closed_form_mean(name, t):
    cls, params = MODELS[name]
    model = _with_params(cls, params)
    p = model._check_fitted("test")
    k = np.arange(3000, dtype="float64")
    pmf = np.asarray(model._pmf_new(p, t, k))
    assert (pmf >= 0).all()
    assert pmf.sum() == pytest.approx(1.0, abs=1e-9)
    assert (k * pmf).sum() == pytest.approx(model.expected_purchases_new(t), rel=1e-8)
    assert model.probability_of_n_purchases(t, 2) == pytest.approx(pmf[2], rel=1e-12)
    # given alive at T after x purchases: the posterior process, whose mean is _given_alive
    post = np.asarray(model._pmf_given_alive(p, 6.0, 30.0, t, k))
    assert post.sum() == pytest.approx(1.0, abs=1e-9)
    assert (k * post).sum() == pytest.approx(float(model._given_alive(p, 6.0, 30.0, t)), rel=1e-8)


@pytest.mark.parametrize("name", list(MODELS))
def test_count_distribution_matches_the_simulated_story(name):
    cls, params = MODELS[name]
    model = _with_params(cls, params)
    n, t = 200_000, 30.0
    sim = _simulate_split(name, params, np.full(n, t), 1.0, seed=11)
    share = np.bincount(np.minimum(sim["frequency_cal"], 6), minlength=7) / n
    pmf = np.array([model.probability_of_n_purchases(t, k) for k in range(6)])
    pmf = np.append(pmf, 1 - pmf.sum())
    se = np.sqrt(pmf * (1 - pmf) / n)
    assert np.all(np.abs(share - pmf) < 4.5 * se), (share, pmf)


def test_probability_of_n_purchases_checks_its_arguments():
    model = _with_params(v.ParetoNBD, PNBD)
    with pytest.raises(ParameterError, match="'x'"):
        model.probability_of_n_purchases(10.0, -1)
    with pytest.raises(ParameterError, match="'t'"):
        model.probability_of_n_purchases(-1.0, 1)
    with pytest.raises(ParameterError, match="not fitted"):
        v.MBGNBD().probability_of_n_purchases(10.0, 1)


# =============================================================================================
# holdout errors and interval coverage
# =============================================================================================
@pytest.mark.parametrize("name", list(MODELS))
def test_holdout_intervals_cover_as_the_true_model_promises(name):
    cls, params = MODELS[name]
    model = _with_params(cls, params)
    rng = np.random.default_rng(5)
    sim = _simulate_split(name, params, rng.uniform(10, 52, 4000), 39.0, seed=5)
    res = v.holdout_errors(model, sim, level=0.8)
    # the conditional mean is the model's expected purchases over the holdout
    expected = model.expected_purchases(sim, 39.0)
    assert np.allclose(res.table["expected"], expected, rtol=1e-8, atol=1e-12)
    assert res.expected_coverage >= 0.8
    assert abs(res.z) < 4, res.summary()
    # and its errors average to zero: |mean error| within 4 standard errors
    err = res.table["actual"] - res.table["expected"]
    assert abs(err.mean()) < 4 * err.std() / np.sqrt(len(err))
    assert res.by_frequency["customers"].sum() == len(sim)
    assert res.mae == pytest.approx(err.abs().mean())
    lo, hi = res.table["low"], res.table["high"]
    assert (lo <= hi).all() and (lo >= 0).all()


def test_holdout_errors_detect_a_wrong_model():
    # truth: BG/NBD customers who drop out fast; the model is told they hardly drop out
    sim = _simulate_split("bgnbd", (0.5, 4.0, 3.0, 2.0), np.full(6000, 30.0), 39.0, seed=6)
    wrong = _with_params(v.BGNBD, (0.5, 4.0, 0.05, 20.0))
    res = v.holdout_errors(wrong, sim)
    assert abs(res.z) > 4, res.summary()
    assert v.plot_holdout_errors(res).get_lines()


def test_holdout_errors_bad_input():
    model = _with_params(v.BGNBD, BG)
    sim = _simulate_split("bgnbd", BG, np.full(50, 30.0), 10.0, seed=1)
    with pytest.raises(DataError, match="duration_holdout"):
        v.holdout_errors(model, sim.drop(columns="duration_holdout"))
    with pytest.raises(ParameterError, match="'level'"):
        v.holdout_errors(model, sim, level=1.0)
    with pytest.raises(ParameterError, match="BG/BB is a discrete-time"):
        v.holdout_errors(v.BGBB(), sim)
    with pytest.raises(ParameterError, match="BGNBD, MBGNBD or ParetoNBD"):
        v.holdout_errors(object(), sim)


# =============================================================================================
# the histogram and holdout means
# =============================================================================================
@pytest.mark.parametrize("name", list(MODELS))
def test_histogram_matches_a_simulation_from_the_truth(name):
    cls, params = MODELS[name]
    rng = np.random.default_rng(8)
    sim = _simulate_split(name, params, rng.uniform(5, 60, 20_000), 1.0, seed=8)
    table = v.repeat_purchase_histogram(_with_params(cls, params), sim, max_frequency=6)
    n = len(sim)
    assert table["actual"].sum() == n
    assert table["expected"].sum() == pytest.approx(n)
    e = table["expected"].to_numpy()
    se = np.sqrt(e * (1 - e / n))
    assert np.all(np.abs(table["actual"] - e) < 4.5 * se), table
    assert table.attrs["dof"] == 7 - 1 - 4
    assert 0 <= table.attrs["p_value"] <= 1
    assert len(v.plot_repeat_purchase_histogram(table).patches) == 14


def test_holdout_check_by_recency_partitions_the_customers():
    sim = _simulate_split("bgnbd", BG, np.full(3000, 30.0), 13.0, seed=3)
    model = v.BGNBD().fit(sim)
    by_f = v.holdout_check(model, sim)
    by_r = v.holdout_check(model, sim, by="recency", n_bins=5)
    assert by_r["customers"].sum() == len(sim) == by_f["customers"].sum()
    assert by_r.loc["no repeat"].tolist() == pytest.approx(by_f.loc[0].tolist())
    weighted = lambda t, c: (t[c] * t["customers"]).sum() / t["customers"].sum()  # noqa: E731
    for col in ("actual", "predicted"):
        assert weighted(by_r, col) == pytest.approx(weighted(by_f, col))
    # recent buyers are more likely alive: the model's holdout mean rises with recency
    assert by_r["predicted"].iloc[1:].is_monotonic_increasing
    assert v.plot_holdout_check(by_r).get_xlabel().startswith("recency")
    with pytest.raises(ParameterError, match="'by'"):
        v.holdout_check(model, sim, by="monetary")


# =============================================================================================
# CDNOW: the published counts and the tracking identities
# =============================================================================================
@pytest.fixture(scope="module")
def cdnow(request):
    request.getfixturevalue("real_data_home")  # skips without ../shared/data (fails under CI)
    from crmlib.datasets import load_cdnow

    log = load_cdnow(which="sample")
    split = v.rfm_weeks(log, date_col="date", amount_col="amount", as_of="1998-06-30",
                        calibration_end="1997-09-30")
    return log, split


def test_cdnow_histogram_counts_are_fader_hardie_lee_figure_3(cdnow):
    _, split = cdnow
    table = v.repeat_purchase_histogram(v.BGNBD().fit(split), split)
    assert table["actual"].tolist() == [1411, 439, 214, 100, 62, 38, 29, 64]


@pytest.mark.parametrize("cls", [v.BGNBD, v.MBGNBD, v.ParetoNBD])
def test_cdnow_tracking_reconciles_with_the_summary(cdnow, cls):
    log, split = cdnow
    model = cls().fit(split)
    table = v.tracking_table(model, log, calibration_end="1997-09-30", as_of="1998-06-30",
                             date_col="date")
    assert len(table) == 78  # 1997-01-01 .. 1998-06-30 in weeks
    assert table.loc[~table["holdout"], "actual"].sum() == split["frequency_cal"].sum()
    assert table.loc[table["holdout"], "actual"].sum() == split["frequency_holdout"].sum()
    assert table["actual_cumulative"].iloc[-1] == table["actual"].sum()
    # at the end of calibration the expectation is the sum of each customer's E[X(T_cal)]
    at_cal = table.loc[~table["holdout"], "expected_cumulative"].iloc[-1]
    direct = sum(model.expected_purchases_new(t) for t in split["T_cal"])
    assert at_cal == pytest.approx(direct, rel=1e-10)
    assert table.attrs["customers"] == len(split)
    ax = v.plot_tracking(table, kind="incremental")
    assert ax.get_ylabel() == "repeat transactions (incremental)"


def test_tracking_bad_input():
    model = _with_params(v.BGNBD, BG)
    log = pd.DataFrame({"customer_id": ["A", "A"], "order_date": pd.to_datetime(["2024-01-01", "2024-02-01"])})
    with pytest.raises(ParameterError, match="before calibration_end"):
        v.tracking_table(model, log, calibration_end="2024-03-01", as_of="2024-02-01")
    with pytest.raises(DataError, match="'when'"):
        v.tracking_table(model, log, calibration_end="2024-01-15", as_of="2024-02-01", date_col="when")
    with pytest.raises(DataError, match="no customer"):
        v.tracking_table(model, log, calibration_end="2023-01-15", as_of="2024-02-01")
    bad = log.assign(customer_id=["A", None])
    with pytest.raises(DataError, match="missing"):
        v.tracking_table(model, bad, calibration_end="2024-01-15", as_of="2024-02-01")


# =============================================================================================
# CLV for every purchase model, and its intervals
# =============================================================================================
def _summary_with_spend(name, n, seed):
    cls, params = MODELS[name]
    rng = np.random.default_rng(seed)
    sim = cls.simulate(params, T=np.round(rng.uniform(5, 60, n) * 7) / 7, seed=seed)
    spend = rng.gamma(4.0, 12.0, n)
    sim["monetary_value"] = np.where(sim["frequency"] > 0, spend, 0.0)
    return sim[["frequency", "recency", "T", "monetary_value"]]


@pytest.mark.parametrize("name", list(MODELS))
def test_clv_over_pairs_equals_the_week_by_week_definition(name):
    cls, _ = MODELS[name]
    X = _summary_with_spend(name, 3000, seed=2)
    model, gg = cls().fit(X), v.GammaGamma().fit(X)
    clv = v.customer_lifetime_value(model, gg, X, horizon=26, margin=0.4, discount_rate=0.15)
    factor = 1.15 ** (-np.arange(1, 27) / 52)
    cum = np.column_stack([model.expected_purchases(X, float(k)) for k in range(0, 27)])
    direct = 0.4 * gg.expected_spend(X).to_numpy() * (np.diff(cum, axis=1) @ factor)
    assert np.allclose(clv.to_numpy(), direct, rtol=1e-10, atol=0)


# Pareto/NBD refits are left out of the resampling case: a resample whose fit runs to the
# boundary (s and beta -> infinity, beta >> alpha) takes the likelihood's quadrature path for
# every customer, about a minute per refit of 1,500 customers (noted in clv_interval).
@pytest.mark.parametrize(("name", "method"), [
    ("bgnbd", "parametric"), ("mbgnbd", "parametric"), ("pareto", "parametric"),
    ("bgnbd", "resample"), ("mbgnbd", "resample"),
])
def test_clv_intervals_bracket_the_estimate_and_add_up_over_segments(name, method):
    cls, _ = MODELS[name]
    X = _summary_with_spend(name, 1500, seed=4)
    model, gg = cls().fit(X), v.GammaGamma().fit(X)
    seg = pd.Series(np.where(X["frequency"] > 1, "repeat", "light"), index=X.index)
    res = v.clv_interval(model, gg, X, n_draws=20, method=method, segments=seg, horizon=26)
    t = res.table
    assert ((t["ci_low"] <= t["clv"] * (1 + 1e-9)) & (t["clv"] <= t["ci_high"] * (1 + 1e-9))).mean() > 0.95
    assert np.allclose(t["purchases"], model.expected_purchases(X, 26.0))
    assert (t["purchases_low"] <= t["purchases_high"]).all()
    assert res.segments["clv"].sum() == pytest.approx(res.total["clv"])
    assert res.segments["customers"].sum() == len(X)
    assert res.total["ci_low"] < res.total["clv"] < res.total["ci_high"]
    assert (res.segments["ci_low"] < res.segments["clv"]).all()
    assert (res.segments["clv"] < res.segments["ci_high"]).all()
    assert res.n_failed == 0 and res.method == method
    assert ("parameter draws" if method == "parametric" else "bootstrap refits") in res.summary()


def test_failed_refits_are_counted_and_reported(monkeypatch):
    X = _summary_with_spend("bgnbd", 800, seed=9)
    model, gg = v.BGNBD().fit(X), v.GammaGamma().fit(X)
    calls = {"n": 0}
    real_fit = v.BGNBD.fit

    def flaky(self, data, y=None):
        calls["n"] += 1
        if calls["n"] % 4 == 0:
            raise ConvergenceError("simulated failure")
        return real_fit(self, data)

    monkeypatch.setattr(v.BGNBD, "fit", flaky)
    res = v.clv_interval(model, gg, X, n_draws=20, method="resample", horizon=13)
    assert res.n_failed == 5
    assert "5 of 20 draws failed" in res.summary()

    monkeypatch.setattr(v.BGNBD, "fit", lambda self, data, y=None: (_ for _ in ()).throw(
        ConvergenceError("always")))
    with pytest.raises(ConvergenceError, match="20 of 20 draws failed"):
        v.clv_interval(model, gg, X, n_draws=20, method="resample", horizon=13)


def test_clv_interval_bad_input():
    X = _summary_with_spend("bgnbd", 300, seed=1)
    model, gg = v.BGNBD().fit(X), v.GammaGamma().fit(X)
    with pytest.raises(ParameterError, match="'method'"):
        v.clv_interval(model, gg, X, method="jackknife")
    with pytest.raises(ParameterError, match="unknown option 'horizn'"):
        v.clv_interval(model, gg, X, horizn=10)
    with pytest.raises(ParameterError, match="one label per customer"):
        v.clv_interval(model, gg, X, segments=["a", "b"])
    with pytest.raises(DataError, match="missing segment label"):
        v.clv_interval(model, gg, X, segments=pd.Series([None] * len(X), index=X.index))
    with pytest.raises(ParameterError, match="BG/BB is a discrete-time model"):
        v.customer_lifetime_value(v.BGBB(), gg, X)


def test_call_list_ranks_bracket_the_point_list_and_mark_the_margin():
    X = _summary_with_spend("bgnbd", 2000, seed=12)
    bg, gg = v.BGNBD().fit(X), v.GammaGamma().fit(X)
    point = v.call_list(v.customer_lifetime_value(bg, gg, X, horizon=26),
                        bg.probability_no_purchase(X, 26.0), contact_cost=2.0, save_rate=0.2, key="k")
    ranks = v.call_list_ranks(bg, gg, X, churn_window=26.0, contact_cost=2.0, save_rate=0.2,
                              n_draws=40, horizon=26, key="k")
    t = ranks.table
    assert t["customer"].tolist() == point.table["customer"].tolist()
    assert np.allclose(t["value_at_risk"], point.table["value_at_risk"])
    assert (t["rank_low"] <= t["rank_high"]).all()
    assert ((t["var_low"] <= t["value_at_risk"] * (1 + 1e-9)) & (t["value_at_risk"] <= t["var_high"] * (1 + 1e-9))).mean() > 0.95
    assert ranks.n_calls["low"] <= ranks.n_calls["point"] <= ranks.n_calls["high"]
    # far above the cut-off a customer is always called; far below, never
    assert t["p_call"].iloc[0] == 1.0 and t["p_call"].iloc[-1] == 0.0
    assert ranks.sure + ranks.unsure <= len(t)
    assert "either side" in ranks.summary()
    with pytest.raises(ParameterError, match="BGNBD, MBGNBD or ParetoNBD"):
        v.call_list_ranks(object(), gg, X, churn_window=26.0, contact_cost=2.0, save_rate=0.2)


def test_pareto_probability_no_purchase_is_the_count_distribution_at_zero():
    model = _with_params(v.ParetoNBD, PNBD)
    sim = _simulate_split("pareto", PNBD, np.full(40_000, 30.0), 20.0, seed=13)
    quiet = model.probability_no_purchase(sim, 20.0)
    observed = (sim["frequency_holdout"] == 0).mean()
    se = np.sqrt((quiet * (1 - quiet)).sum()) / len(sim)
    assert abs(observed - quiet.mean()) < 4 * se
    assert np.allclose(model.probability_no_purchase(sim.head(5), 0.0), 1.0)


def test_cdnow_evaluation_table_collects_the_suite(cdnow):
    log, split = cdnow
    models = {"BG/NBD": v.BGNBD().fit(split), "Pareto/NBD": v.ParetoNBD().fit(split)}
    table = v.evaluation_table(models, split, log, calibration_end="1997-09-30",
                               as_of="1998-06-30", date_col="date")
    assert table.index.tolist() == ["BG/NBD", "Pareto/NBD"]
    for name, model in models.items():
        errors = v.holdout_errors(model, split)
        assert table.loc[name, "holdout_mae"] == pytest.approx(errors.mae)
        assert table.loc[name, "coverage_z"] == pytest.approx(errors.z)
        hist = v.repeat_purchase_histogram(model, split)
        assert table.loc[name, "chi2"] == pytest.approx(hist.attrs["chi2"])
    # CDNOW's holdout weeks: all models expect fewer repeat transactions than happened (FHL 2005, fig. 2)
    assert (table["tracking_holdout_error"] < 0).all()
