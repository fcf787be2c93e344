"""BG/BB in crmlib.value: the likelihood against a brute-force evaluation, closed-form
identities, a simulation check, stability for long histories, bad input, and the published
fit on the donations data of Fader, Hardie & Shang (2010).

The independent evaluation sums the *individual* likelihood over the latent opportunity at
which the customer dies and integrates it over Beta(alpha, beta) x Beta(gamma, delta) with
``scipy.integrate.quad`` (algebraic weights, so shapes below 1 are handled exactly at the
end points); it shares nothing with the library's closed form in beta functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from crmlib import value as v
from crmlib.exceptions import DataError, NotFittedError, ParameterError

DONORS = (1.204, 0.750, 0.657, 2.783)  # Fader, Hardie & Shang (2010), table 3


def _individual_likelihood(p: float, theta: float, x: int, t_x: int, n: int) -> float:
    """Sum over the first dead opportunity d (geometric on 1, 2, ...; d = n + 1 means "alive
    through n"): alive at opportunities 1 .. d - 1, of which the first min(d - 1, n) were
    observed; the pattern is possible only if the last transaction t_x was among them."""
    total = 0.0
    for d in range(1, n + 2):
        prob_d = (1 - theta) ** n if d == n + 1 else theta * (1 - theta) ** (d - 1)
        seen = min(d - 1, n)
        if seen >= t_x:
            total += prob_d * p**x * (1 - p) ** (seen - x)
    return total


def _brute_force(params, x, t_x, n) -> float:
    alpha, beta, gamma, delta = params

    def inner(p):
        value, _ = integrate.quad(lambda th: _individual_likelihood(p, th, x, t_x, n), 0, 1,
                                  weight="alg", wvar=(gamma - 1, delta - 1), epsabs=0,
                                  epsrel=1e-12, limit=200)
        return value

    outer, _ = integrate.quad(inner, 0, 1, weight="alg", wvar=(alpha - 1, beta - 1), epsabs=0,
                              epsrel=1e-12, limit=200)
    return outer / special.beta(alpha, beta) / special.beta(gamma, delta)


def _frame(rows, **extra) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["frequency", "recency", "n"]).assign(**extra)


def _fitted(params) -> v.BGBB:
    model = v.BGBB()
    model.params_ = pd.Series(params, index=["alpha", "beta", "gamma", "delta"])
    return model


# =============================================================================================
# likelihood
# =============================================================================================
@pytest.mark.parametrize("params", [DONORS, (2.5, 4.0, 1.3, 0.8), (0.3, 0.2, 3.0, 7.0)])
@pytest.mark.parametrize("pattern", [(0, 0, 0), (0, 0, 6), (1, 1, 6), (2, 4, 6), (6, 6, 6),
                                     (3, 9, 12)])
def test_likelihood_matches_brute_force_mixture(params, pattern):
    x, t_x, n = pattern
    ll = v.bgbb_log_likelihood(params, [x], [t_x], [n])[0]
    assert np.exp(ll) == pytest.approx(_brute_force(params, x, t_x, n), rel=1e-8)


@pytest.mark.parametrize("n", [0, 1, 4, 9])
def test_likelihood_sums_to_one_over_every_pattern(n):
    """L is the probability of one sequence of transactions; C(t_x - 1, x - 1) sequences
    share the summary (x, t_x) (the last one at t_x, the other x - 1 among the t_x - 1
    before), so over (0, 0) and every 0 < x <= t_x <= n the probabilities add up to 1."""
    rows = [(0, 0)] + [(x, t) for t in range(1, n + 1) for x in range(1, t + 1)]
    x, t_x = np.array(rows, dtype=float).T
    ll = v.bgbb_log_likelihood(DONORS, x, t_x, np.full(len(x), n))
    sequences = np.where(x > 0, special.comb(t_x - 1, x - 1), 1.0)
    assert np.dot(sequences, np.exp(ll)) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 200),
    data=st.data(),
    params=st.tuples(*[st.floats(0.05, 50.0)] * 4),
)
def test_stable_for_long_histories(n, data, params):
    t_x = data.draw(st.integers(0, n))
    x = data.draw(st.integers(1, t_x)) if t_x > 0 else 0
    X = _frame([(x, t_x, n)])
    model = _fitted(params)
    ll = model.log_likelihood(X)[0]
    alive = model.probability_alive(X).iloc[0]
    expected = model.expected_purchases(X, 50).iloc[0]
    assert np.isfinite(ll) and ll <= 1e-12
    assert 0.0 <= alive <= 1.0
    # future transactions need to be alive: at most P(alive) * 50 opportunities
    assert np.isfinite(expected) and 0.0 <= expected <= 50 * alive * (1 + 1e-9)


# =============================================================================================
# customer-level expressions
# =============================================================================================
@pytest.mark.parametrize("n", [0, 1, 6, 150])
def test_probability_alive_of_a_transaction_at_every_opportunity(n):
    """x = t_x = n: the customer cannot have died before n, so P(alive at n + 1) is the chance
    of surviving one more opportunity given n survivals: (delta + n) / (gamma + delta + n)."""
    alpha, beta, gamma, delta = DONORS
    p = _fitted(DONORS).probability_alive(_frame([(n, n, n)])).iloc[0]
    assert p == pytest.approx((delta + n) / (gamma + delta + n), rel=1e-12)


def test_probability_alive_falls_with_the_gap_since_the_last_transaction():
    X = _frame([(2, t, 10) for t in range(2, 11)])
    p = _fitted(DONORS).probability_alive(X).to_numpy()
    assert np.all(np.diff(p) > 0) and np.all((p > 0) & (p < 1))


def test_expected_purchases_new_matches_closed_form_and_simulation():
    """Against the paper's eq. 8 (closed form in gamma functions) and a simulation written
    here, independent of BGBB.simulate."""
    alpha, beta, gamma, delta = DONORS
    model = _fitted(DONORS)
    for t in (1, 5, 30):
        closed = (alpha / (alpha + beta) * delta / (gamma - 1) * (1 - np.exp(
            special.gammaln(gamma + delta) + special.gammaln(1 + delta + t)
            - special.gammaln(gamma + delta + t) - special.gammaln(1 + delta))))
        assert model.expected_purchases_new(t) == pytest.approx(closed, rel=1e-12)
    rng = np.random.default_rng(12)
    m, t = 200_000, 10
    p = rng.beta(alpha, beta, m)
    theta = rng.beta(gamma, delta, m)
    alive_through = rng.geometric(theta) - 1  # opportunities survived
    x = rng.binomial(np.minimum(alive_through, t), p)
    se = x.std() / np.sqrt(m)
    assert model.expected_purchases_new(t) == pytest.approx(x.mean(), abs=4 * se)
    assert model.expected_purchases_new(0) == 0.0


def test_expected_purchases_matches_brute_force_posterior():
    """E[X(n, n + t) | x, t_x, n] = E[p sum_k (1 - theta)^(n + k) 1(alive through n)] / L,
    integrated numerically."""
    alpha, beta, gamma, delta = params = (2.5, 4.0, 1.3, 0.8)
    x, t_x, n, t = 2, 3, 6, 4

    def joint(p, th):
        return p**x * (1 - p) ** (n - x) * (1 - th) ** n * p * sum((1 - th) ** k for k in range(1, t + 1))

    inner = lambda p: integrate.quad(lambda th: joint(p, th), 0, 1, weight="alg",  # noqa: E731
                                     wvar=(gamma - 1, delta - 1), epsrel=1e-12)[0]
    num = integrate.quad(inner, 0, 1, weight="alg", wvar=(alpha - 1, beta - 1), epsrel=1e-12)[0]
    num /= special.beta(alpha, beta) * special.beta(gamma, delta)
    expected = num / _brute_force(params, x, t_x, n)
    got = _fitted(params).expected_purchases(_frame([(x, t_x, n)]), t).iloc[0]
    assert got == pytest.approx(expected, rel=1e-8)


def test_probability_of_n_purchases_is_a_distribution_with_the_right_mean():
    model = _fitted(DONORS)
    probs = np.array([model.probability_of_n_purchases(9, k) for k in range(10)])
    assert probs.sum() == pytest.approx(1.0, abs=1e-12)
    assert (probs * np.arange(10)).sum() == pytest.approx(model.expected_purchases_new(9), rel=1e-12)
    assert model.probability_of_n_purchases(3, 4) == 0.0


def test_fit_recovers_simulated_parameters_and_weights_equal_repeated_rows():
    truth = (1.5, 2.0, 0.8, 3.0)
    sim = v.BGBB.simulate(truth, n=8, size=20_000, seed=3)
    model = v.BGBB().fit(sim)
    z = np.abs(np.log(model.params_.to_numpy() / truth)) / (model.se_ / model.params_).to_numpy()
    assert np.all(z < 4)
    counts = sim.groupby(["frequency", "recency", "n"]).size().rename("weights").reset_index()
    weighted = v.BGBB().fit(counts)
    np.testing.assert_allclose(weighted.params_, model.params_, rtol=1e-6)
    assert weighted.log_likelihood_ == pytest.approx(model.log_likelihood_, rel=1e-10)
    assert weighted.n_customers_ == len(sim)


# =============================================================================================
# estimator contract and bad input
# =============================================================================================
def test_not_fitted_and_params():
    model = v.BGBB(penalizer=0.1)
    assert model.get_params() == {"penalizer": 0.1, "max_iter": 1000, "tol": 1e-10}
    assert not hasattr(model, "params_")
    with pytest.raises(NotFittedError, match="not fitted"):
        model.probability_alive(_frame([(0, 0, 1)]))
    with pytest.raises(NotFittedError):
        model.summary()
    with pytest.raises(ParameterError, match="unknown parameter"):
        model.set_params(alpha=1.0)


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [
        ((2, 3, 2), "'n'", "fewer than recency"),
        ((3, 2, 5), "'frequency'", "<= recency"),
        ((-1, 0, 5), "'frequency'", ">= 0"),
        ((1, -1, 5), "'recency'", ">= 0"),
        ((1, 1, -2), "'n'", ">= 0"),
        ((np.nan, 1, 5), "frequency, recency or n", "missing"),
        ((0, 2, 5), "'recency'", "0 when frequency is 0"),
        ((1.5, 2, 5), "'frequency'", "whole number"),
    ],
)
def test_bad_input_names_column_rule_and_row(row, column, rule):
    X = _frame([(1, 1, 5)] * 20 + [row], weights=1)
    X.index = [f"c{i}" for i in range(len(X))]
    for call in (v.BGBB().fit, _fitted(DONORS).probability_alive):
        with pytest.raises(DataError) as info:
            call(X)
        message = str(info.value)
        assert column in message and rule in message and "c20" in message


def test_bad_weights_and_too_few_customers():
    X = _frame([(1, 1, 5), (0, 0, 5)] * 10)
    with pytest.raises(DataError, match="'weights'"):
        v.BGBB().fit(X.assign(weights=-1))
    with pytest.raises(DataError, match="at least 10"):
        v.BGBB().fit(X.head(4))
    with pytest.raises(DataError, match="no customer has a repeat"):
        v.BGBB().fit(_frame([(0, 0, 5)] * 20))
    with pytest.raises(ParameterError, match="'t'"):
        _fitted(DONORS).expected_purchases(X, -1)


# =============================================================================================
# rfm_discrete
# =============================================================================================
def test_rfm_discrete_counts_opportunities_and_cohorts():
    log = pd.DataFrame({
        "customer_id": ["A", "A", "A", "A", "B", "C", "C"],
        "order_date": pd.to_datetime(["1995-02-01", "1995-08-01", "1997-03-01", "1997-11-01",
                                      "1995-06-01", "1996-01-01", "2003-01-01"]),
    })
    out = v.rfm_discrete(log, last="2001-12-31")
    assert out.loc["A"].tolist() == [1, 2, 6]  # two 1997 gifts count once; 1995 is the first
    assert out.loc["B"].tolist() == [0, 0, 6]
    assert out.loc["C"].tolist() == [0, 0, 5]  # the 2003 gift is after `last`
    cohort = v.rfm_discrete(log, first="1995-01-01", last="2001-12-31")
    assert cohort.index.tolist() == ["A", "B"]
    months = v.rfm_discrete(log, period="month", last="1995-12-31", first="1995-02-15")
    assert months.index.tolist() == ["A"] and months.loc["A"].tolist() == [1, 6, 10]
    with pytest.raises(ParameterError, match="period"):
        v.rfm_discrete(log, period="fortnight")
    with pytest.raises(DataError, match="'order_date'"):
        v.rfm_discrete(log.assign(order_date=["x"] * 7))


def test_rfm_discrete_round_trips_through_the_model():
    log = pd.DataFrame({"customer_id": np.repeat(np.arange(30), 2),
                        "order_date": pd.to_datetime(["2000-01-01", "2002-05-05"] * 30)})
    summary = v.rfm_discrete(log, last="2005-06-30")
    assert (summary[["frequency", "recency", "n"]].iloc[0].tolist()) == [1, 2, 5]
    p = _fitted(DONORS).probability_alive(summary)
    assert p.index.equals(summary.index)


# =============================================================================================
# the published donations fit (11,104 donors of the 1995 cohort, six annual opportunities)
# =============================================================================================
@pytest.fixture(scope="module")
def donations(request) -> pd.DataFrame:
    request.getfixturevalue("real_data_home")  # skips without ../shared/data (fails under CI)
    from crmlib.datasets import load_donations

    return load_donations()


@pytest.fixture(scope="module")
def bgbb_donors(donations) -> v.BGBB:
    return v.BGBB().fit(donations)


@pytest.mark.realdata
def test_bgbb_reproduces_fader_hardie_shang_2010(bgbb_donors):
    """Fader, Hardie & Shang (2010, Marketing Science 29(6)): alpha = 1.204, beta = 0.750,
    gamma = 0.657, delta = 2.783, LL = -33,225.6 (lifetimes' BetaGeoBetaBinomFitter test
    test_params_out_is_close_to_Hardie_paper asserts the same four parameters). Tolerance:
    half a unit of the last printed digit."""
    np.testing.assert_allclose(bgbb_donors.params_, DONORS, rtol=0, atol=0.0005)
    assert bgbb_donors.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)
    assert bgbb_donors.n_customers_ == 11_104
    table = bgbb_donors.summary().table
    assert np.all(table["se"] > 0) and np.all(table["ci_low"] < table["estimate"])


@pytest.mark.realdata
def test_bgbb_donations_customer_expressions(bgbb_donors, donations):
    """Published figures on the same fit, each to half a unit of its last printed digit:
    P(alive in 2002) of table 6 in the paper — 0.11 for no repeat donation, 0.59 for two with
    the last in 1999 (t_x = 4), 0.93 for six (the values lifetimes' test
    test_prob_alive_is_close_to_Hardie_paper_table_6 checks); Hardie's BG/BB spreadsheet
    (brucehardie.com/notes/010): 12,884.2 expected donations in 2002-2006 summed over donors
    ("Conditional Expectations (II)") and 3,454.9 / 1,253.1 donors expected with 0 / 6 repeat
    donations in 1996-2001 ("In-Sample Fit")."""
    p = bgbb_donors.probability_alive(donations)
    pick = {(0, 0): 0.11, (2, 4): 0.59, (6, 6): 0.93}
    for (x, t_x), published in pick.items():
        row = (donations["frequency"] == x) & (donations["recency"] == t_x)
        assert p[row].iloc[0] == pytest.approx(published, abs=0.005)
    total = (bgbb_donors.expected_purchases(donations, 5) * donations["weights"]).sum()
    assert total == pytest.approx(12884.2, abs=0.05)
    donors = donations["weights"].sum()
    assert donors * bgbb_donors.probability_of_n_purchases(6, 0) == pytest.approx(3454.9, abs=0.05)
    assert donors * bgbb_donors.probability_of_n_purchases(6, 6) == pytest.approx(1253.1, abs=0.05)


@pytest.mark.parametrize(
    ("line", "column"),
    [("2,1,6,5", "'frequency'"), ("1,7,6,5", "'periods'"), ("1,1,6,0", "'weights'"),
     ("-1,0,6,5", "'frequency'")],
)
def test_load_donations_rejects_impossible_patterns(tmp_path, line, column):
    from crmlib.datasets import load_donations

    file = tmp_path / "donations.csv"
    file.write_text(f"frequency,recency,periods,weights\n0,0,6,10\n{line}\n")
    with pytest.raises(DataError, match=column) as info:
        load_donations(file)
    assert "lines [3]" in str(info.value)
    file.write_text("frequency,recency,periods,weights\n0,0,6,10\n1,1,6,3\n")
    assert load_donations(file)["n"].tolist() == [6, 6]
