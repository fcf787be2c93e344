"""crmlib.value: BG/NBD and Gamma-Gamma likelihoods and fits, CLV, churn tools, loyalty tiers."""

from __future__ import annotations

import math
import pickle

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from scipy import optimize  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

import crmlib.datasets as ds  # noqa: E402
from crmlib import value as v  # noqa: E402
from crmlib.exceptions import CrmlibError, DataError, ParameterError  # noqa: E402
from crmlib.value import _btyd  # noqa: E402

TRUE_BG = (0.5, 4.0, 0.8, 2.5)


def _fitted_bg(params=TRUE_BG) -> v.BGNBD:
    """A model with given parameters (bypassing fit) for formula tests."""
    model = v.BGNBD()
    model.params_ = pd.Series(params, index=["r", "alpha", "a", "b"])
    return model


@pytest.fixture(scope="module")
def sim_bg() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return v.BGNBD.simulate(TRUE_BG, T=rng.uniform(10, 52, 20000), seed=12)


@pytest.fixture(scope="module")
def fit_bg(sim_bg) -> v.BGNBD:
    return v.BGNBD().fit(sim_bg)


@pytest.fixture(scope="module")
def default_data():
    return ds.load_default()


@pytest.fixture(scope="module")
def default_summary(default_data) -> pd.DataFrame:
    orders = default_data.orders[default_data.orders["status"] == "completed"]
    return v.rfm_weeks(orders, amount_col="net_amount", as_of="2025-12-28")


# ------------------------------------------------------------------------------------------
# likelihoods against hand computation
# ------------------------------------------------------------------------------------------
def test_bgnbd_likelihood_without_repeats_is_closed_form():
    r, alpha, a, b = 0.7, 3.0, 1.2, 2.0
    T = np.array([0.0, 1.0, 25.0])
    ll = v.bgnbd_log_likelihood((r, alpha, a, b), [0, 0, 0], [0, 0, 0], T)
    np.testing.assert_allclose(ll, r * np.log(alpha / (alpha + T)), rtol=1e-12)


def test_bgnbd_likelihood_with_repeats_matches_the_paper_formula():
    r, alpha, a, b = 0.7, 3.0, 1.2, 2.0
    x, t_x, T = 2, 5.0, 9.0
    g = math.gamma
    a1 = g(r + x) * alpha**r / g(r)
    a2 = g(a + b) * g(b + x) / (g(b) * g(a + b + x))
    a3 = (1 / (alpha + T)) ** (r + x)
    a4 = a / (b + x - 1) * (1 / (alpha + t_x)) ** (r + x)
    ll = v.bgnbd_log_likelihood((r, alpha, a, b), [x], [t_x], [T])[0]
    assert ll == pytest.approx(math.log(a1 * a2 * (a3 + a4)), rel=1e-12)


def test_gamma_gamma_likelihood_matches_hand_computation():
    p, q, g, x, m = 2.5, 3.0, 40.0, 3, 12.0
    dens = (math.gamma(p * x + q) / (math.gamma(p * x) * math.gamma(q))
            * g**q * m ** (p * x - 1) * x ** (p * x) / (g + m * x) ** (p * x + q))
    ll = v.gamma_gamma_log_likelihood((p, q, g), [x], [m])[0]
    assert ll == pytest.approx(math.log(dens), rel=1e-12)


def test_analytic_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    sim = v.BGNBD.simulate(TRUE_BG, T=rng.uniform(5, 40, 300), seed=1)
    x, t_x, T = (sim[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    w = np.ones(len(x))
    theta = np.log([0.6, 3.0, 0.9, 2.0])
    numeric = optimize.approx_fprime(theta, lambda th: _btyd._bgnbd_nll(th, x, t_x, T, w)[0], 1e-7)
    np.testing.assert_allclose(_btyd._bgnbd_nll(theta, x, t_x, T, w)[1], numeric, rtol=1e-4, atol=1e-6)
    xs = rng.integers(1, 8, 300).astype(float)
    ms = rng.gamma(5.0, 10.0, 300)
    theta = np.log([2.0, 3.0, 20.0])
    numeric = optimize.approx_fprime(theta, lambda th: _btyd._gg_nll(th, xs, ms, w)[0], 1e-7)
    np.testing.assert_allclose(_btyd._gg_nll(theta, xs, ms, w)[1], numeric, rtol=1e-4, atol=1e-6)


# ------------------------------------------------------------------------------------------
# recovery from simulations
# ------------------------------------------------------------------------------------------
def test_bgnbd_recovers_simulated_parameters_within_a_few_se(fit_bg):
    z = (fit_bg.params_.to_numpy() - np.array(TRUE_BG)) / fit_bg.se_.to_numpy()
    assert np.all(np.abs(z) < 4), z
    assert fit_bg.converged_ and fit_bg.n_customers_ == 20000
    assert fit_bg.log_likelihood_ < 0


def test_gamma_gamma_recovers_simulated_parameters_within_a_few_se():
    rng = np.random.default_rng(5)
    n = 20000
    x = rng.integers(1, 12, n)
    nu = rng.gamma(6.0, 1 / 40.0, n)  # q = 6, gamma = 40
    m = rng.gamma(2.0 * x, 1 / (nu * x))  # p = 2
    model = v.GammaGamma().fit(pd.DataFrame({"frequency": x, "monetary_value": m}))
    z = (model.params_.to_numpy() - np.array([2.0, 6.0, 40.0])) / model.se_.to_numpy()
    assert np.all(np.abs(z) < 4), z
    assert model.mean_spend_ == pytest.approx(2.0 * 40 / 5, rel=0.05)


def test_unconditional_expectation_matches_simulation():
    sim = v.BGNBD.simulate(TRUE_BG, T=np.full(200000, 30.0), seed=3)
    expected = _fitted_bg().expected_purchases_new(30.0)
    se = sim["frequency"].std() / math.sqrt(len(sim))
    assert abs(sim["frequency"].mean() - expected) < 4 * se


def test_conditional_expectation_averages_to_the_unconditional_increment(sim_bg):
    """Tower property: E over histories of E[Y(t) | history at T] = E[X(T + t)] - E[X(T)]."""
    model = _fitted_bg()
    hist = v.BGNBD.simulate(TRUE_BG, T=np.full(200000, 20.0), seed=4)
    mean_cond = model.expected_purchases(hist, 10.0).mean()
    target = model.expected_purchases_new(30.0) - model.expected_purchases_new(20.0)
    assert mean_cond == pytest.approx(target, rel=0.02)
    # and P(alive) averages to the share of simulated customers still alive
    assert model.probability_alive(hist).mean() == pytest.approx(hist["alive"].mean(), abs=0.005)


# ------------------------------------------------------------------------------------------
# formulas: special cases and monotonicity
# ------------------------------------------------------------------------------------------
def test_probability_alive_is_one_without_repeat_purchases():
    model = _fitted_bg()
    X = pd.DataFrame({"frequency": [0, 0, 2], "recency": [0.0, 0.0, 1.0], "T": [1.0, 50.0, 50.0]},
                     index=["A", "B", "C"])
    p = model.probability_alive(X)
    assert p.loc["A"] == 1.0 and p.loc["B"] == 1.0
    assert 0 < p.loc["C"] < 0.5
    assert list(p.index) == ["A", "B", "C"]


def test_probability_no_purchase_is_between_dead_share_and_one():
    model = _fitted_bg()
    X = pd.DataFrame({"frequency": [0, 3, 3], "recency": [0.0, 30.0, 2.0], "T": [30.0] * 3})
    p0 = model.probability_no_purchase(X, 26.0).to_numpy()
    dead = 1 - model.probability_alive(X).to_numpy()
    assert np.all(p0 >= dead) and np.all(p0 <= 1)
    assert np.all(model.probability_no_purchase(X, 0.0).to_numpy() == pytest.approx(1.0))
    # x = 0: Poisson-Gamma zero probability, (alpha + T) / (alpha + T + t)) ** r
    assert p0[0] == pytest.approx((34 / 60) ** 0.5)


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(1, 40), T=st.floats(1.0, 150.0), t=st.floats(0.5, 104.0),
    r=st.floats(0.1, 3.0), alpha=st.floats(0.5, 20.0), a=st.floats(0.1, 3.0),
    b=st.floats(0.2, 15.0),
)
def test_expected_purchases_increase_with_frequency(x, T, t, r, alpha, a, b):
    """For a customer who bought at the end (recency = T), more purchases mean more expected.

    (With an old last purchase, a high frequency can make dropout likelier, so the property is
    stated for recency = T.)"""
    if abs(a - 1) < 1e-3:
        a += 0.01
    model = _fitted_bg((r, alpha, a, b))
    X = pd.DataFrame({"frequency": [x, x + 1], "recency": [T, T], "T": [T, T]})
    low, high = model.expected_purchases(X, t).to_numpy()
    assert high > low * (1 - 1e-9)


@settings(max_examples=60, deadline=None)
@given(
    x=st.integers(1, 40), T=st.floats(1.0, 150.0), f1=st.floats(0.01, 1.0), f2=st.floats(0.01, 1.0),
    r=st.floats(0.1, 3.0), alpha=st.floats(0.5, 20.0), a=st.floats(0.1, 3.0),
    b=st.floats(0.2, 15.0),
)
def test_probability_alive_increases_with_recency(x, T, f1, f2, r, alpha, a, b):
    lo, hi = sorted((f1, f2))
    model = _fitted_bg((r, alpha, a, b))
    X = pd.DataFrame({"frequency": [x, x], "recency": [lo * T, hi * T], "T": [T, T]})
    p_lo, p_hi = model.probability_alive(X).to_numpy()
    assert p_hi >= p_lo * (1 - 1e-12)
    assert 0 < p_lo <= 1


# ------------------------------------------------------------------------------------------
# estimator contract
# ------------------------------------------------------------------------------------------
def test_fit_returns_self_and_keeps_no_data(sim_bg):
    model = v.BGNBD()
    assert model.fit(sim_bg.head(500)) is model
    sizes = [np.asarray(val).size for val in vars(model).values() if hasattr(val, "__len__")]
    assert max(sizes) <= 16  # params, se, the 4 x 4 covariance: no per-customer arrays kept


def test_pickle_round_trip_preserves_predictions(fit_bg, sim_bg):
    again = pickle.loads(pickle.dumps(fit_bg))
    head = sim_bg.head(20)
    np.testing.assert_array_equal(again.probability_alive(head), fit_bg.probability_alive(head))
    gg = v.GammaGamma(nonpositive="exclude").fit(
        pd.DataFrame({"frequency": [1, 2, 3] * 10, "monetary_value": np.linspace(5, 50, 30)}))
    assert pickle.loads(pickle.dumps(gg)).params_.equals(gg.params_)


def test_sklearn_clone_copies_hyper_parameters_only(fit_bg):
    twin = clone(v.BGNBD(penalizer=0.1, max_iter=50))
    assert twin.get_params() == {"penalizer": 0.1, "max_iter": 50, "tol": 1e-10}
    assert not hasattr(clone(fit_bg), "params_")
    assert clone(v.GammaGamma(nonpositive="exclude")).nonpositive == "exclude"
    with pytest.raises(ParameterError, match="unknown parameter 'penalty'"):
        v.BGNBD().set_params(penalty=1)


def test_penalizer_shrinks_parameters(sim_bg):
    plain = v.BGNBD().fit(sim_bg.head(3000))
    shrunk = v.BGNBD(penalizer=0.05).fit(sim_bg.head(3000))
    assert (shrunk.params_ ** 2).sum() < (plain.params_ ** 2).sum()


def test_summary_has_table_and_notes():
    small = v.BGNBD.simulate(TRUE_BG, T=np.full(200, 30.0), seed=9)
    res = v.BGNBD().fit(small).summary()
    assert list(res.to_frame().columns) == ["estimate", "se", "ci_low", "ci_high"]
    assert any("Few customers" in note for note in res.notes)
    assert "BG/NBD" in res.summary() and "<table" in res._repr_html_()
    with pytest.raises(AttributeError):
        res.model = "x"  # frozen


def test_boundary_parameters_are_noted():
    X = pd.DataFrame({"frequency": [10] * 50, "recency": [10.0] * 50, "T": [10.0] * 50})
    notes = v.BGNBD().fit(X).summary().notes
    assert any("boundary" in note for note in notes)


# ------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------
def test_only_one_time_buyers_is_an_error():
    X = pd.DataFrame({"frequency": [0] * 30, "recency": [0.0] * 30, "T": np.linspace(1, 30, 30)})
    with pytest.raises(DataError, match="none of the 30 customers has a repeat purchase"):
        v.BGNBD().fit(X)


def test_single_day_history_is_an_error():
    X = pd.DataFrame({"frequency": [0] * 30, "recency": [0.0] * 30, "T": [0.0] * 30})
    with pytest.raises(DataError, match="single-day history"):
        v.BGNBD().fit(X)


def test_too_few_customers_is_an_error():
    X = pd.DataFrame({"frequency": [1, 2], "recency": [1.0, 2.0], "T": [3.0, 3.0]})
    with pytest.raises(DataError, match="at least 10 customers.*got 2"):
        v.BGNBD().fit(X)


def test_as_of_before_the_data_is_an_error():
    log = pd.DataFrame({"customer_id": ["A", "A", "B"],
                        "order_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-09"]),
                        "amount": [1.0, 2.0, 3.0]})
    summary = v.rfm_weeks(log, as_of="2023-12-31")
    assert len(summary) == 0
    with pytest.raises(DataError, match="got 0"):
        v.BGNBD().fit(summary)


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        ({"frequency": [1.5], "recency": [1.0], "T": [2.0]}, "not a whole number"),
        ({"frequency": [1], "recency": [3.0], "T": [2.0]}, "recency > T"),
        ({"frequency": [0], "recency": [1.0], "T": [2.0]}, "frequency 0 but recency > 0"),
        ({"frequency": [2], "recency": [0.0], "T": [2.0]}, "repeat purchases but recency 0"),
        ({"frequency": [1], "recency": [np.nan], "T": [2.0]}, "missing or infinite"),
        ({"frequency": [1], "recency": [1.0], "T": [-2.0]}, "negative recency or T"),
    ],
)
def test_invalid_summaries_name_the_rule_and_the_customer(frame, match):
    X = pd.concat([pd.DataFrame(frame, index=["BAD"]),
                   v.BGNBD.simulate(TRUE_BG, T=np.full(30, 20.0), seed=0)])
    with pytest.raises(DataError, match=match) as info:
        v.BGNBD().fit(X)
    assert "'BAD'" in str(info.value)


def test_missing_columns_and_bad_shapes():
    with pytest.raises(DataError, match=r"column 'recency' not in the summary.*Columns present"):
        v.BGNBD().fit(pd.DataFrame({"frequency": [1], "T": [2.0]}))
    with pytest.raises(ParameterError, match=r"shape \(n, 3\)"):
        v.BGNBD().fit(np.ones((5, 2)))
    with pytest.raises(ParameterError, match="not fitted yet"):
        v.BGNBD().probability_alive(np.ones((1, 3)))
    with pytest.raises(ParameterError, match="'max_iter' parameter"):
        v.BGNBD(max_iter=0).fit(np.ones((20, 3)))


def test_calibration_columns_are_accepted(sim_bg):
    cal = sim_bg.head(500).add_suffix("_cal")
    a = v.BGNBD().fit(cal).params_
    b = v.BGNBD().fit(sim_bg.head(500)).params_
    np.testing.assert_allclose(a, b)


def test_gamma_gamma_nonpositive_values_raise_or_are_excluded():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"frequency": rng.integers(0, 5, 200), "monetary_value": rng.gamma(4, 10, 200)})
    X.loc[X["frequency"] == 0, "monetary_value"] = 0.0
    bad = X.index[X["frequency"] > 0][:3]
    X.loc[bad, "monetary_value"] = [0.0, -5.0, 0.0]
    with pytest.raises(DataError, match=r"3 customers .*monetary_value <= 0.*nonpositive='exclude'"):
        v.GammaGamma().fit(X)
    model = v.GammaGamma(nonpositive="exclude").fit(X)
    n_zero = int((X["frequency"] == 0).sum())
    assert model.n_excluded_ == {"no repeat purchase": n_zero, "monetary_value <= 0": 3}
    assert model.n_customers_ == len(X) - n_zero - 3
    assert any("left out" in note for note in model.summary().notes)
    assert np.isfinite(model.expected_spend(X)).all()


def test_gamma_gamma_expected_spend_shrinks_towards_the_population_mean():
    model = v.GammaGamma()
    model.params_ = pd.Series([2.0, 5.0, 40.0], index=["p", "q", "gamma"])
    X = pd.DataFrame({"frequency": [0, 1, 50], "monetary_value": [0.0, 100.0, 100.0]})
    spend = model.expected_spend(X).to_numpy()
    assert spend[0] == pytest.approx(20.0)  # p gamma / (q - 1)
    assert 20 < spend[1] < spend[2] < 100


def test_non_convergence_raises_a_convergence_error():
    X = pd.DataFrame({"frequency": [3] * 50, "monetary_value": [10.0] * 50})
    with pytest.raises(v.ConvergenceError, match="did not converge") as info:
        v.GammaGamma().fit(X)
    assert isinstance(info.value, CrmlibError)
    with pytest.raises(v.ConvergenceError, match="max_iter=1"):
        v.BGNBD(max_iter=1).fit(v.BGNBD.simulate(TRUE_BG, T=np.full(500, 30.0), seed=0))


# ------------------------------------------------------------------------------------------
# CLV and holdout check
# ------------------------------------------------------------------------------------------
def test_clv_formula(sim_bg):
    X = sim_bg.head(4000).copy()
    X["monetary_value"] = np.where(X["frequency"] > 0, 40.0 + X["frequency"], 0.0)
    bg, gg = v.BGNBD().fit(X), v.GammaGamma().fit(X)
    head = X.head(50)
    plain = v.customer_lifetime_value(bg, gg, head, margin=1.0, discount_rate=0.0, horizon=26)
    np.testing.assert_allclose(plain, bg.expected_purchases(head, 26) * gg.expected_spend(head))
    half = v.customer_lifetime_value(bg, gg, head, margin=0.5, discount_rate=0.0, horizon=26)
    np.testing.assert_allclose(half, plain / 2)
    disc = v.customer_lifetime_value(bg, gg, head, margin=1.0, discount_rate=0.2, horizon=26)
    assert (disc <= plain).all() and (disc >= plain / 1.2**0.5).all()
    with pytest.raises(ParameterError, match="'margin' parameter"):
        v.customer_lifetime_value(bg, gg, head, margin=1.5)


def test_holdout_check_on_the_default_data(default_data):
    orders = default_data.orders[default_data.orders["status"] == "completed"]
    summary = v.rfm_weeks(orders, amount_col="net_amount", as_of="2025-12-28",
                          calibration_end="2025-06-29")
    model = v.BGNBD().fit(summary)
    table = v.holdout_check(model, summary)
    assert table["customers"].sum() == len(summary)
    assert list(table.index) == list(range(8))
    # the pooled model (a single BG/NBD for a mixture of four) predicts the total holdout
    # purchases within 5% and each group's mean within 0.12 purchases
    total = (table["customers"] * table[["actual", "predicted"]].T).T.sum()
    assert total["predicted"] == pytest.approx(total["actual"], rel=0.05)
    np.testing.assert_allclose(table["predicted"], table["actual"], atol=0.12)
    fig, ax = plt.subplots()
    assert v.plot_holdout_check(table, ax=ax) is ax
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), table["predicted"])


def test_default_data_recovers_the_truth(default_data, default_summary):
    truth = default_data.truth_customers.set_index("customer_id").loc[default_summary.index]
    segments = ds.truth_frame(default_data.truth, "segments")
    for name, group in default_summary.groupby(truth["segment"], observed=True):
        bg = v.BGNBD().fit(group)
        gg = v.GammaGamma().fit(group)
        true_bg = segments.loc[name, ["bgnbd.r", "bgnbd.alpha", "bgnbd.a", "bgnbd.b"]].to_numpy(float)
        true_gg = segments.loc[name, ["gamma_gamma.p", "gamma_gamma.q", "gamma_gamma.gamma"]].to_numpy(float)
        assert np.all(np.abs(bg.params_.to_numpy() / true_bg - 1) < 0.25), (name, bg.params_)
        assert np.all(np.abs(gg.params_.to_numpy() / true_gg - 1) < 0.25), (name, gg.params_)
    pooled = v.BGNBD().fit(default_summary)
    rate = default_data.truth["population"]["mean_purchase_rate"]
    assert pooled.mean_purchase_rate_ == pytest.approx(rate, rel=0.05)
    auc = roc_auc_score(truth["alive_at_end"], pooled.probability_alive(default_summary))
    assert auc > 0.93
    e52 = pooled.expected_purchases(default_summary, 52)
    assert e52.mean() == pytest.approx(truth["expected_purchases_52w"].mean(), rel=0.05)


# ------------------------------------------------------------------------------------------
# churn tools
# ------------------------------------------------------------------------------------------
def test_churn_dataset_labels_and_features():
    log = pd.DataFrame({
        "customer_id": ["A", "A", "A", "B", "B", "C", "D"],
        "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01", "2024-02-01",
                                      "2024-04-15", "2024-03-31", "2024-04-02"]),
        "amount": [10.0, 5.0, 20.0, 5.0, 5.0, 8.0, 1.0],
    })
    data = churn_data = v.churn_dataset(log, cutoff="2024-03-31", churn_days=30, as_of="2024-05-31")
    assert churn_data.label.to_dict() == {"A": 1, "B": 0, "C": 1}  # D starts after the cutoff
    f = data.features.loc["A"]
    assert (f["purchase_days"], f["spend_total"], f["recency_days"], f["tenure_days"]) == (2, 35, 30, 90)
    assert f["mean_gap_days"] == 90 and f["spend_mean"] == 17.5
    assert data.to_frame()["churn"].sum() == 2 and "3 customers" in data.summary()
    with pytest.raises(ParameterError, match="not observable.*cutoff <= 2024-04-29"):
        v.churn_dataset(log, cutoff="2024-04-30", churn_days=32, as_of="2024-05-31")
    with pytest.raises(DataError, match="no purchase on or before cutoff"):
        v.churn_dataset(log, cutoff="2023-01-01", churn_days=30)
    with pytest.raises(DataError, match="column 'amount' not in transactions"):
        v.churn_dataset(log.drop(columns="amount"), cutoff="2024-03-31", churn_days=30)


def test_churn_model_beats_chance_and_is_calibrated(default_data):
    orders = default_data.orders[default_data.orders["status"] == "completed"]
    kw = {"churn_days": 180, "amount_col": "net_amount", "as_of": "2025-12-28"}
    train = v.churn_dataset(orders, cutoff="2025-01-01", **kw)
    test = v.churn_dataset(orders, cutoff="2025-07-01", **kw)
    model = v.make_churn_model(random_state=0).fit(train.features, train.label)
    prob = model.predict_proba(test.features)[:, 1]
    assert roc_auc_score(test.label, prob) > 0.8
    table = v.calibration_table(test.label, prob, n_bins=10)
    assert table["customers"].sum() == len(test.label)
    assert np.abs(table["predicted"] - table["observed"]).max() < 0.1


def test_gains_table_sums_and_lift():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 1003)
    score = y + rng.normal(0, 1, 1003)
    table = v.gains_table(y, score)
    assert table["customers"].sum() == 1003 and table["positives"].sum() == y.sum()
    assert table["cum_gain"].iloc[-1] == pytest.approx(1.0)
    assert table["cum_lift"].iloc[-1] == pytest.approx(1.0)
    assert table["lift"].iloc[0] > 1.3 > table["lift"].iloc[-1]
    assert (table["customers"].max() - table["customers"].min()) <= 1
    curve = v.lift_curve(y, score, n_points=50)
    assert curve["gain"].is_monotonic_increasing and curve["gain"].iloc[-1] == pytest.approx(1)
    # perfect score: the first 'positives share' of customers holds every positive
    perfect = v.lift_curve(y, y.astype(float), n_points=1003)
    k = int(np.ceil(y.mean() * 1003))
    assert perfect["gain"].iloc[k - 1] == pytest.approx(1.0)
    with pytest.raises(DataError, match="0/1 labels"):
        v.gains_table([0, 2], [0.1, 0.2])
    with pytest.raises(ParameterError, match="same length"):
        v.lift_curve([0, 1], [0.1])


def test_plots_draw_on_the_given_axes():
    curve = v.lift_curve([1, 0, 1, 0, 0], [0.9, 0.1, 0.8, 0.2, 0.3], n_points=5)
    fig, (a1, a2, a3) = plt.subplots(1, 3)
    assert v.plot_gains(curve, ax=a1, label="m") is a1
    np.testing.assert_allclose(a1.get_lines()[0].get_ydata()[1:], curve["gain"])
    assert v.plot_lift_curve(curve, ax=a2) is a2
    table = v.calibration_table([0, 1, 1, 0], [0.2, 0.8, 0.6, 0.3], n_bins=2)
    assert v.plot_calibration(table, ax=a3) is a3
    assert [line.get_label() for line in a3.get_lines()] == ["model", "perfect"]
    tri = pd.DataFrame({0: [1.0, 1.0], 1: [0.5, np.nan]}, index=["2024-01", "2024-02"])
    fig, (b1, b2) = plt.subplots(1, 2)
    assert v.plot_retention_curves(tri, ax=b1, cohorts=["2024-02"]) is b1
    assert [line.get_label() for line in b1.get_lines()] == ["2024-02"]
    assert v.plot_cohort_heatmap(tri, ax=b2) is b2
    with pytest.raises(ParameterError, match="cohort '2030-01' is not in the triangle"):
        v.plot_retention_curves(tri, cohorts=["2030-01"], ax=b1)


# ------------------------------------------------------------------------------------------
# loyalty tiers
# ------------------------------------------------------------------------------------------
def test_loyalty_tiers_need_both_thresholds():
    log = pd.DataFrame({
        "customer_id": ["A"] * 12 + ["B", "C"],
        "order_date": list(pd.date_range("2024-01-01", periods=12, freq="7D")) +
                      [pd.Timestamp("2024-06-01"), pd.Timestamp("2023-05-01")],
        "amount": [300.0] * 12 + [5000.0, 10.0],
    })
    tiers = v.loyalty_tiers(log, start="2024-01-01", end="2024-12-31")
    assert tiers.astype(str).to_dict() == {"A": "gold", "B": "bronze", "C": "inactive"}
    assert list(tiers.cat.categories) == ["gold", "silver", "bronze", "inactive"]
    with pytest.raises(ParameterError, match="'tiers' parameter"):
        v.loyalty_tiers(log, start="2024-01-01", end="2024-12-31", tiers=[("low", 0, 1), ("high", 10, 5)])


def test_tier_migration_rows_sum_to_each_tier(default_data):
    orders = default_data.orders[default_data.orders["status"] == "completed"]
    kw = {"amount_col": "net_amount"}
    t24 = v.loyalty_tiers(orders, start="2024-01-01", end="2024-12-31", **kw)
    t25 = v.loyalty_tiers(orders, start="2025-01-01", end="2025-12-31", **kw)
    mig = v.tier_migration(t24, t25)
    sizes = t24.value_counts().reindex(mig.counts.index[:-1])
    np.testing.assert_array_equal(mig.counts.iloc[:-1].sum(axis=1), sizes)
    assert mig.counts.loc["new"].sum() == len(t25) - len(t24)
    assert mig.counts.to_numpy().sum() == len(t25)
    np.testing.assert_allclose(mig.rates.dropna().sum(axis=1), 1.0)
    assert mig.movement().sum() == len(t24)
    long = mig.to_frame()
    assert list(long.columns) == ["from", "to", "customers", "rate"]
    assert "existing customers" in mig.summary()
    with pytest.raises(DataError, match="missing from 'after'"):
        v.tier_migration(t25, t24)
