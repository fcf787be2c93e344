"""crmlib.satisfaction: reliability, NPS/CSAT, key drivers, loyalty, complaints and the decision table.

Reference values are computed here by independent formulas (alpha from the covariance matrix
as pingouin defines it, NPS variance by simulation, Shapley by brute-force permutations); the
default data's truth comes from ``ground_truth.json`` → ``satisfaction``.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmlib.datasets as ds
import crmlib.satisfaction as sat
from crmlib.exceptions import DataError, ParameterError


@pytest.fixture(scope="module")
def data():
    return ds.load_default(tables=["survey", "customers", "orders"])


@pytest.fixture(scope="module")
def scales(data):
    drivers = data.truth["satisfaction"]["drivers"]
    return {d: [c for c in data.survey.columns if c.startswith(f"q_{d}_")] for d in drivers}


def _alpha_pingouin_definition(x: np.ndarray) -> float:
    """pingouin's cronbach_alpha: k/(k-1) * (1 - trace(C) / sum(C)), C the item covariance matrix."""
    c = np.cov(x, rowvar=False)
    k = c.shape[0]
    return k / (k - 1) * (1 - np.trace(c) / c.sum())


def _likert(seed: int, n: int = 400, k: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    x = np.clip(np.rint(3 + 0.9 * z[:, None] + rng.normal(0, 0.7, (n, k))), 1, 5)
    return pd.DataFrame(x, columns=[f"q{i}" for i in range(k)])


# --- reliability ---------------------------------------------------------------------------
def test_alpha_equals_the_covariance_formula_on_the_default_data(data, scales):
    for name, items in scales.items():
        x = data.survey[items].dropna().to_numpy()
        assert sat.cronbach_alpha(data.survey, items).alpha == pytest.approx(_alpha_pingouin_definition(x), abs=1e-12)


def test_alpha_matches_the_generators_own_value(data, scales):
    rel = sat.scale_reliability(data.survey, scales)
    truth = data.truth["satisfaction"]["cronbach_alpha_simulated"]
    for name in scales:
        assert rel.table.loc[name, "alpha"] == pytest.approx(truth[name], abs=1e-6)  # stored with 6 decimals


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6))
def test_alpha_property_equals_the_formula(seed, k):
    df = _likert(seed, n=120, k=k)
    assert sat.cronbach_alpha(df, list(df.columns)).alpha == pytest.approx(_alpha_pingouin_definition(df.to_numpy()), abs=1e-10)


def test_feldt_interval_covers_alpha_and_shrinks_with_n():
    small, big = _likert(1, n=100), _likert(1, n=2000)
    a, b = sat.cronbach_alpha(small, list(small.columns)), sat.cronbach_alpha(big, list(big.columns))
    assert a.low < a.alpha < a.high and b.low < b.alpha < b.high
    assert (b.high - b.low) < (a.high - a.low)


def test_omega_from_one_factor_model_on_known_loadings():
    # continuous items, loadings .8 .7 .6, unit total variance: omega = (sum l)^2 / ((sum l)^2 + sum(1 - l^2))
    rng = np.random.default_rng(3)
    lam = np.array([0.8, 0.7, 0.6])
    z = rng.normal(size=20_000)
    x = z[:, None] * lam + rng.normal(size=(20_000, 3)) * np.sqrt(1 - lam**2)
    df = pd.DataFrame(x, columns=list("abc"))
    omega = sat.scale_reliability(df, {"s": list("abc")}).table.loc["s", "omega"]
    true = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    assert omega == pytest.approx(true, abs=0.01)  # se of omega at n = 20,000 is about 0.002


def test_alpha_if_deleted_and_item_rest(data, scales):
    items = scales["quality"]
    rel = sat.scale_reliability(data.survey, {"quality": items})
    x = data.survey[items].dropna()
    for j, item in enumerate(items):
        rest = x.drop(columns=item)
        assert rel.items.loc[item, "alpha_if_deleted"] == pytest.approx(_alpha_pingouin_definition(rest.to_numpy()))
        assert rel.items.loc[item, "item_rest_r"] == pytest.approx(np.corrcoef(x[item], rest.sum(axis=1))[0, 1])


def test_undeclared_reverse_item_gets_a_note_and_declaring_it_fixes_alpha():
    df = _likert(5)
    df["q3"] = 6 - df["q3"]  # reverse-coded in the questionnaire
    rel = sat.scale_reliability(df, {"s": list(df.columns)})
    assert any("q3" in n and "reverse" in n for n in rel.notes)
    fixed = sat.scale_reliability(df, {"s": list(df.columns)}, reverse=["q3"], scale_range=(1, 5))
    assert not any("reverse" in n for n in fixed.notes)
    assert fixed.table.loc["s", "alpha"] > rel.table.loc["s", "alpha"] + 0.2


def test_one_factor_per_scale_check_passes_on_the_default_data(data, scales):
    fc = sat.factor_check(data.survey, scales)
    assert fc.all_on_own_scale
    assert fc.rotation == "varimax"


def test_reliability_bad_inputs(data, scales):
    with pytest.raises(ParameterError, match="1 item"):
        sat.scale_reliability(data.survey, {"single": ["q_quality_1"]})
    empty = data.survey.copy()
    empty["q_quality_2"] = np.nan
    with pytest.raises(DataError, match="q_quality_2.*no answers"):
        sat.scale_reliability(empty, scales)
    with pytest.raises(DataError, match="same answer in every row"):
        sat.cronbach_alpha(data.survey.assign(q_quality_1=3.0), scales["quality"])
    everything_missing = data.survey.assign(**{c: np.nan for c in scales["value"]})
    with pytest.raises(DataError, match="no answers at all"):
        sat.scale_reliability(everything_missing, scales)
    with pytest.raises(ParameterError, match="belong to no scale"):
        sat.scale_reliability(data.survey, scales, reverse=["q_nope"])
    with pytest.raises(DataError, match="not in the data"):
        sat.cronbach_alpha(data.survey, ["q_quality_1", "q_missing"])
    with pytest.raises(ParameterError, match="scale_range"):
        sat.reverse_items(data.survey, ["q_quality_1"], scale_range=(5, 1))


# --- NPS and CSAT --------------------------------------------------------------------------
def test_nps_variance_matches_simulation():
    p = np.array([0.4, 0.35, 0.25])  # promoters, passives, detractors
    n = 500
    rng = np.random.default_rng(0)
    draws = rng.multinomial(n, p, size=20_000)
    sims = 100 * (draws[:, 0] - draws[:, 2]) / n
    closed = sat.nps_margin_of_error(n, p[0], p[2], alpha=0.05) / 1.959964
    # the simulated sd has a relative standard error of 1/sqrt(2 * 20,000) = 0.5%; allow 3 of them
    assert sims.std(ddof=1) == pytest.approx(closed, rel=0.015)


def test_nps_and_its_interval_on_the_default_data(data):
    r = sat.nps(data.survey["nps"])
    x = data.survey["nps"]
    assert r.nps == pytest.approx(100 * ((x >= 9).mean() - (x <= 6).mean()))
    assert r.low < r.nps < r.high
    assert r.margin_at(r.n) == pytest.approx((r.high - r.low) / 2)
    assert sat.nps_sample_size(r.margin_at(400), r.promoters, r.detractors) in (400, 401)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=5, max_size=200))
def test_nps_property_bounds(values):
    r = sat.nps(values)
    assert -100 <= r.nps <= 100
    assert r.promoters + r.passives + r.detractors == pytest.approx(1)


def test_csat_wilson_interval():
    r = sat.csat([10] * 30 + [5] * 70, top=9)
    assert r.share == pytest.approx(0.3)
    # Wilson interval for 30/100 at 95%: 0.2189 to 0.3958 (closed form)
    assert (r.low, r.high) == pytest.approx((0.2189, 0.3958), abs=1e-4)


def test_score_bad_inputs():
    with pytest.raises(DataError, match="whole numbers from 0 to 10"):
        sat.nps([11, 3])
    with pytest.raises(DataError, match="all 2 missing"):
        sat.nps(pd.Series([np.nan, np.nan]))
    with pytest.raises(ParameterError, match="promoters \\+ detractors"):
        sat.nps_margin_of_error(100, 0.7, 0.5)


def test_group_comparison_effect_sizes(data):
    df = data.survey.merge(data.customers[["customer_id", "region"]], on="customer_id")
    cg = sat.compare_groups(df, "overall_satisfaction", "region")
    y, g = df["overall_satisfaction"].astype(float), df["region"]
    ss_b = sum(len(v) * (v.mean() - y.mean()) ** 2 for _, v in y.groupby(g, observed=True))
    assert cg.tests.loc["anova", "effect_size"] == pytest.approx(ss_b / ((y - y.mean()) ** 2).sum())
    # the generator gives regions no effect on satisfaction: eta² of pure noise is about (groups - 1) / n
    assert cg.tests.loc["anova", "effect_size"] < 5 * 4 / len(df)
    by = sat.nps_by_group(df, "nps", "region")
    assert 0 <= by.attrs["cramers_v"] < 0.1


# --- key drivers ---------------------------------------------------------------------------
def _corr(seed: int, p: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(300, p)) @ rng.normal(size=(p, p))
    y = x @ rng.normal(size=p) + rng.normal(size=300) * 2
    c = np.corrcoef(np.column_stack([y, x]), rowvar=False)
    return c[1:, 1:], c[1:, 0]


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6))
def test_relative_weights_and_shapley_sum_to_r2(seed, p):
    rxx, rxy = _corr(seed, p)
    r2 = rxy @ np.linalg.solve(rxx, rxy)
    assert sat.relative_weights(rxx, rxy).sum() == pytest.approx(r2, abs=1e-10)
    assert sat.shapley_r2(rxx, rxy).sum() == pytest.approx(r2, abs=1e-10)


def test_shapley_equals_the_average_over_every_order():
    rxx, rxy = _corr(7, 4)
    def r2(idx):
        idx = list(idx)
        return 0.0 if not idx else float(rxy[idx] @ np.linalg.solve(rxx[np.ix_(idx, idx)], rxy[idx]))
    brute = np.zeros(4)
    orders = list(permutations(range(4)))
    for order in orders:
        for pos, j in enumerate(order):
            brute[j] += r2(order[: pos + 1]) - r2(order[:pos])
    assert sat.shapley_r2(rxx, rxy) == pytest.approx(brute / len(orders), abs=1e-12)


def test_key_drivers_match_statsmodels_ols(data, scales):
    import statsmodels.api as sm

    s = data.survey.copy()
    for d, items in scales.items():
        s[d] = s[items].mean(axis=1)
    kd = sat.key_drivers(s, "overall_satisfaction", list(scales), n_boot=0)
    sub = s[["overall_satisfaction", *scales]].dropna()
    ols = sm.OLS(sub["overall_satisfaction"], sm.add_constant(sub[list(scales)])).fit()
    assert kd.table["coef"].to_numpy() == pytest.approx(ols.params[list(scales)].to_numpy())
    assert kd.r2 == pytest.approx(ols.rsquared)


def test_latent_weights_recover_the_truth(data, scales):
    truth = data.truth["satisfaction"]["driver_weights"]  # points of overall (1-10) per latent SD
    lw = sat.latent_driver_weights(data.survey, "overall_satisfaction", scales, n_boot=200, seed=0)
    for d in scales:
        # derived tolerance: three bootstrap standard errors (sampling error). The rounding and
        # clipping of items and of the 1-10 overall score (not in the linear model) bias the
        # weights down by a few hundredths; three SEs (about 0.09) cover that too.
        assert abs(lw.table.loc[d, "weight"] - truth[d]) < 3 * lw.table.loc[d, "se"], d
    assert list(lw.table["weight"].sort_values(ascending=False).index) == sorted(truth, key=truth.get, reverse=True)


def test_collinear_drivers_are_named(data):
    df = pd.DataFrame({"a": np.arange(50.0) % 7, "b": np.arange(50.0) % 5, "y": np.arange(50.0) % 3})
    df["c"] = 2 * df["a"] - df["b"]
    with pytest.raises(DataError, match=r"\['a', 'b', 'c'\] are perfectly collinear"):
        sat.key_drivers(df, "y", ["a", "b", "c"], n_boot=0)
    with pytest.raises(ParameterError, match="also listed as a driver"):
        sat.key_drivers(df, "y", ["a", "y"])
    with pytest.raises(DataError, match="do not vary"):
        sat.key_drivers(df.assign(k=1.0), "y", ["a", "k"], n_boot=0)


def test_importance_performance_quadrants():
    ipm = sat.importance_performance(pd.Series({"a": 0.5, "b": 0.1, "c": 0.4, "d": 0.0}),
                                     pd.Series({"a": 3.0, "b": 4.0, "c": 4.5, "d": 2.0}))
    assert ipm["quadrant"].to_dict() == {"a": "concentrate here", "b": "possible overkill",
                                         "c": "keep up the good work", "d": "low priority"}
    with pytest.raises(ParameterError, match="same drivers"):
        sat.importance_performance(pd.Series({"a": 1.0}), pd.Series({"b": 1.0}))


# --- loyalty and complaints ----------------------------------------------------------------
def test_repurchase_logit_recovers_the_truth(data):
    t = data.truth["satisfaction"]["repurchase_90d"]
    lm = sat.loyalty_model(data.survey, "repurchased_90d")
    tab = lm.table
    true = {"const": t["intercept"], "overall_satisfaction (per point)": t["overall"],
            "resolved complaint": t["resolved"], "unresolved complaint": t["unresolved"]}
    for k, v in true.items():
        assert abs(tab.loc[k, "coef"] - v) < 3 * tab.loc[k, "se"], k  # the generator's exact model: 3 SE


def test_orders_after_the_survey_do_not_follow_satisfaction(data):
    import statsmodels.api as sm

    rb = sat.repurchase_from_orders(data.survey, data.orders)
    assert "customer_id" not in rb.columns and len(rb) == len(data.survey)
    # the default orders were generated without the survey answers: the slope is zero up to sampling error
    fit = sm.Logit(rb["bought_after"].astype(float), sm.add_constant(rb["overall_satisfaction"].astype(float))).fit(disp=0)
    assert abs(fit.params.iloc[1]) < 3 * fit.bse.iloc[1]


def test_repurchase_from_orders_counts_a_toy_case():
    survey = pd.DataFrame({"customer_id": ["A", "B"], "survey_date": pd.to_datetime(["2024-01-10", "2024-01-10"])})
    orders = pd.DataFrame({"customer_id": ["A", "A", "B"], "status": ["completed"] * 3,
                           "order_date": pd.to_datetime(["2024-01-10", "2024-02-01", "2024-06-01"])})
    out = sat.repurchase_from_orders(survey, orders, window_days=90)
    assert out["bought_after"].tolist() == [True, False]
    assert out["orders_before"].tolist() == [1, 0]


def test_service_recovery_adjusted_gaps_match_the_nps_truth(data):
    t = data.truth["satisfaction"]["nps"]
    sr = sat.service_recovery(data.survey, "nps")
    assert list(sr.index) == ["no complaint", "resolved", "unresolved"]
    assert sr.loc["unresolved", "raw_gap"] < sr.loc["unresolved", "adjusted_gap"] < 0
    for k in ("resolved", "unresolved"):
        se = (sr.loc[k, "adjusted_high"] - sr.loc[k, "adjusted_low"]) / (2 * 1.959964)
        assert abs(sr.loc[k, "adjusted_gap"] - t[k]) < 3 * se, k  # the generator's model, given overall: 3 SE


def test_p_chart_limits_and_the_simulated_spike(data):
    pc = sat.complaint_p_chart(data.survey)
    t = pc.table
    assert pc.centre == pytest.approx(data.survey["complaint"].mean())
    assert t["ucl"].to_numpy() == pytest.approx(pc.centre + 3 * np.sqrt(pc.centre * (1 - pc.centre) / t["answers"]))
    assert t["answers"].sum() == len(data.survey)
    assert len(pc.flagged) == 0  # the default survey has no spike
    spiked = sat.inject_complaint_spike(data.survey, start="2024-06-03", weeks=2, rate=0.7, seed=1)
    pc2 = sat.complaint_p_chart(spiked)
    window = (pc2.table.index >= pd.Timestamp("2024-06-03")) & (pc2.table.index < pd.Timestamp("2024-06-17") + pd.Timedelta(days=1))
    assert pc2.flagged.index.isin(pc2.table.index[window]).all() and len(pc2.flagged) >= 1
    same = sat.inject_complaint_spike(data.survey, start="2024-06-03", weeks=2, rate=0.7, seed=1)
    assert same["complaint"].equals(spiked["complaint"])


def test_expected_false_alarms_by_simulation():
    rng = np.random.default_rng(0)
    n, p = np.full(50, 20), 0.15
    ucl = p + 3 * np.sqrt(p * (1 - p) / n)
    sims = (rng.binomial(n, p, size=(20_000, 50)) / n > ucl).sum(axis=1)
    assert sims.mean() == pytest.approx(sat.expected_false_alarms(n, p, ucl), abs=0.02)


def test_complaint_bad_inputs(data):
    with pytest.raises(ParameterError, match="no answers between"):
        sat.inject_complaint_spike(data.survey, start="2030-01-01")
    with pytest.raises(ParameterError, match="not above"):
        sat.inject_complaint_spike(data.survey, start="2024-06-03", rate=0.01)
    bad = data.survey.assign(complaint=False)
    with pytest.raises(DataError, match="complaint_resolved without a complaint"):
        sat.service_recovery(bad, "nps")


def test_decision_table_ranks_the_concentrate_quadrant_first(data, scales):
    s = data.survey.copy()
    for d, items in scales.items():
        s[d] = s[items].mean(axis=1)
    kd = sat.key_drivers(s, "overall_satisfaction", list(scales), n_boot=0)
    ipm = sat.importance_performance(kd.table["shapley_share"], s[list(scales)].mean())
    resp = sat.nps_response(s)
    dec = sat.driver_decision(kd.table, ipm, survey=s, response=resp, step=0.25)
    assert dec["priority"].tolist() == [1, 2, 3, 4, 5]
    quad = dec["quadrant"].map({"concentrate here": 0, "keep up the good work": 1, "low priority": 2, "possible overkill": 3})
    assert quad.is_monotonic_increasing
    assert (dec["gain_nps"] > 0).all()
    assert dec["gain_overall"].to_dict() == pytest.approx((kd.table["coef"] * 0.25).to_dict())


def test_item_mean_slopes_recover_the_population_ols_truth(data, scales):
    s = data.survey.copy()
    for d, items in scales.items():
        s[d] = s[items].mean(axis=1)
    kd = sat.key_drivers(s, "overall_satisfaction", list(scales), n_boot=200, seed=0)
    truth = data.truth["satisfaction"]["item_mean_weights_population_ols"]
    for d in scales:
        # three bootstrap SEs (sampling error); the truth ignores the rounding and clipping of the items
        assert abs(kd.table.loc[d, "coef"] - truth[d]) < 3 * kd.table.loc[d, "coef_se"], d


def test_spike_detection_power_matches_simulation(data):
    survey = data.survey
    clean = sat.complaint_p_chart(survey)
    spiked = sat.inject_complaint_spike(survey, start="2024-06-03", weeks=2, rate=0.6, seed=0)
    chart = sat.complaint_p_chart(spiked)
    power = sat.spike_detection_power(chart, survey, start="2024-06-03", weeks=2, rate=0.6, base_rate=clean.centre)
    # simulate the complaint counts of the spike weeks under the same limits
    rng = np.random.default_rng(0)
    dates = pd.to_datetime(survey["survey_date"])
    inside = ((dates >= "2024-06-03") & (dates < "2024-06-17")).to_numpy()
    week = dates.dt.to_period("W-SUN").dt.end_time.dt.normalize()
    spike_weeks = sorted(set(week[inside]))
    t = chart.table.loc[spike_weeks]
    in_spike = week.isin(spike_weeks).to_numpy()
    hits = []
    for _ in range(2000):
        c = np.where(inside, rng.random(len(survey)) < 0.6, rng.random(len(survey)) < clean.centre)
        k = pd.Series(c[in_spike]).groupby(week[in_spike].to_numpy()).sum().reindex(spike_weeks)
        hits.append(int(((k / t["answers"] > t["ucl"]) & (t["answers"] >= 5)).sum()))
    # the simulated mean of a count bounded by 2 has a standard error below 0.02 over 2,000 draws
    assert np.mean(hits) == pytest.approx(power, abs=0.06)


def test_monthly_p_chart_names_its_unit(data):
    chart = sat.complaint_p_chart(data.survey, freq="M")
    assert "monthly" in chart.summary() and chart.table["answers"].sum() == len(data.survey)


def test_expected_nps_against_simulation():
    rng = np.random.default_rng(0)
    mean = rng.uniform(3, 10, 400)
    answers = np.clip(np.rint(mean + rng.normal(0, 1.3, (200, 400))), 0, 10)
    sim = 100 * ((answers >= 9).mean() - (answers <= 6).mean())
    # 80,000 answers: the simulated NPS has a standard error below 0.4 points
    assert sim == pytest.approx(sat.expected_nps(mean, 1.3), abs=1.2)


def test_nps_gain_of_the_stated_model_recovers_the_truth(data):
    t = data.truth["satisfaction"]["nps"]
    s = data.survey
    o = s["overall_satisfaction"].to_numpy(dtype=float)
    res = (s["complaint"] & s["complaint_resolved"]).to_numpy(dtype=float)
    unres = (s["complaint"] & ~s["complaint_resolved"]).to_numpy(dtype=float)
    mu = t["intercept"] + t["overall"] * (o - 7) + t["resolved"] * res + t["unresolved"] * unres
    resp = sat.nps_response(s, n_boot=60, seed=0)
    for shift in (0.1, 0.3):
        gain, se = resp.gain(s, shift)
        true = sat.expected_nps(mu + t["overall"] * shift, t["noise_sd"]) - sat.expected_nps(mu, t["noise_sd"])
        assert abs(gain - true) < 3 * se, shift  # sampling error of the two logistic fits
    # without the complaint terms the model credits satisfaction with the complainers' gap
    naive, _ = sat.nps_response(s, complaints=False).gain(s, 0.3)
    assert naive > resp.gain(s, 0.3)[0]


def test_penalised_logit_agrees_with_statsmodels_and_survives_separation(data):
    import statsmodels.api as sm

    s = data.survey
    x = np.column_stack([np.ones(len(s)), s["overall_satisfaction"] - 7.0])
    y = s["repurchased_90d"].to_numpy(dtype=float)
    b, cov, _ = sat.penalised_logit(x, y)
    ml = sm.Logit(y, x).fit(disp=0)
    assert np.abs(b - ml.params).max() < 0.01 * np.sqrt(np.diag(cov)).min()  # the prior moves nothing visible
    # a group with no "yes" at all: maximum likelihood diverges, the penalised fit stays finite
    sep = np.column_stack([np.ones(40), np.r_[np.zeros(30), np.ones(10)]])
    ys = np.r_[np.tile([0.0, 1.0], 15), np.zeros(10)]
    bs, _, _ = sat.penalised_logit(sep, ys)
    assert np.isfinite(bs).all() and bs[1] < -3
    frame = pd.DataFrame({"y": ys.astype(bool), "sat": np.r_[np.arange(30) % 10, np.arange(10) % 10] + 1.0,
                          "complaint": sep[:, 1].astype(bool), "complaint_resolved": False})
    lm = sat.loyalty_model(frame, "y", satisfaction="sat")
    assert any("penalised" in n for n in lm.notes)
