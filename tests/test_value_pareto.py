"""Pareto/NBD and MBG/NBD in crmlib.value: likelihoods against independent evaluations,
edge identities, heavy-buyer stability, bad input, and the published CDNOW fits.

References used as independent evaluations (not sharing the library's rewriting):

- Pareto/NBD: Fader & Hardie's closed form ("A note on deriving the Pareto/NBD model and
  related expressions", 2005, eq. 22 with the switch on alpha >= beta: a *difference* of two
  Gauss hypergeometric terms), evaluated at 50 digits with mpmath; and the mixture itself,
  the individual likelihood integrated numerically over the two gamma distributions.
- MBG/NBD: the individual likelihood integrated numerically over Gamma(r, alpha) x Beta(a, b).
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from crmlib import value as v
from crmlib.exceptions import DataError, NotFittedError

mp = pytest.importorskip("mpmath")

EPS = np.finfo("float64").eps
PNBD_CDNOW = (0.5533, 10.58, 0.6062, 11.67)
PNBD_PARAMS = [
    PNBD_CDNOW,  # alpha < beta, close together
    (0.5, 0.01, 0.5, 100.0),  # alpha << beta: z near 1 in the alpha < beta branch
    (0.5, 100.0, 0.5, 0.01),  # alpha >> beta
    (0.5, 100.0, 1.5, 0.2),
    (2.3, 0.3, 0.7, 50.0),
    (1.0, 1000.0, 2.0, 0.001),  # integer s, alpha / beta = 1e6: the quadrature branch
]
MBG_CDNOW = (0.5248, 6.183, 0.8914, 1.614)
CUSTOMERS = [(0, 0.0, 0.5), (0, 0.0, 30.0), (3, 10.0, 30.0), (1, 0.2, 1.0),
             (200, 50.0, 500.0), (500, 480.0, 500.0)]


def _pnbd(params) -> v.ParetoNBD:
    model = v.ParetoNBD()
    model.params_ = pd.Series(params, index=["r", "alpha", "s", "beta"], dtype="float64")
    return model


def _mbg(params) -> v.MBGNBD:
    model = v.MBGNBD()
    model.params_ = pd.Series(params, index=["r", "alpha", "a", "b"], dtype="float64")
    return model


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["frequency", "recency", "T"], dtype="float64")


def _fh_log_likelihood(params, x, t_x, T) -> float:
    """Fader & Hardie (2005) eq. 22 at 50 digits: the A0 difference of two 2F1 terms."""
    mp.mp.dps = 50
    r, a, s, b = (mp.mpf(p) for p in params)
    x, t_x, T = mp.mpf(x), mp.mpf(t_x), mp.mpf(T)
    c = r + s + x
    if a >= b:
        def term(t):
            return mp.hyp2f1(c, s + 1, c + 1, (a - b) / (a + t)) / (a + t) ** c
    else:
        def term(t):
            return mp.hyp2f1(c, r + x, c + 1, (b - a) / (b + t)) / (b + t) ** c
    a0 = term(t_x) - term(T)
    lead = mp.gamma(r + x) * a**r * b**s / mp.gamma(r)
    return float(mp.log(lead * ((a + T) ** -(r + x) * (b + T) ** -s + s / c * a0)))


# =============================================================================================
# Pareto/NBD likelihood
# =============================================================================================
@pytest.mark.parametrize("params", PNBD_PARAMS)
def test_pareto_likelihood_matches_fader_hardie_closed_form(params):
    """Both branches (alpha >= beta, alpha < beta), frequencies up to 500 over 500 weeks.

    Tolerance: the library sums positive series to a tail below eps/4 and adds logs of size
    up to |log L| (hundreds for heavy buyers), so its error is rounding on those logs: a few
    ulps of ``1 + |log L|``; ``64 eps (1 + |log L|)`` allows ~ 16x that.
    """
    x, t_x, T = (np.array(c, dtype="float64") for c in zip(*CUSTOMERS, strict=True))
    got = v.pareto_nbd_log_likelihood(params, x, t_x, T)
    for i, row in enumerate(CUSTOMERS):
        want = _fh_log_likelihood(params, *row)
        assert abs(got[i] - want) <= 64 * EPS * (1 + abs(want)), (row, got[i], want)


def test_pareto_likelihood_is_the_gamma_mixture_of_the_individual_likelihood():
    """Integrate ``lam**x e^{-(lam+mu)T} + lam**x mu/(lam+mu) (e^{-(lam+mu)t_x} - e^{-(lam+mu)T})``
    numerically over Gamma(r, alpha) x Gamma(s, beta) (mpmath tanh-sinh at 15 digits, whose
    error on these smooth integrands is far below the 1e-9 relative asked)."""
    mp.mp.dps = 15
    r, alpha, s, beta = (mp.mpf(p) for p in (0.8, 4.0, 1.3, 9.0))
    for x, t_x, T in [(0, 0.0, 10.0), (5, 9.5, 12.0)]:
        def integrand(lam, mu, x=x, t_x=t_x, T=T):
            k = lam + mu
            ind = lam**x * mp.exp(-k * T) + lam**x * mu / k * (mp.exp(-k * t_x) - mp.exp(-k * T))
            g_lam = alpha**r * lam ** (r - 1) * mp.exp(-alpha * lam) / mp.gamma(r)
            g_mu = beta**s * mu ** (s - 1) * mp.exp(-beta * mu) / mp.gamma(s)
            return ind * g_lam * g_mu

        want = mp.log(mp.quad(integrand, [0, 1, mp.inf], [0, 1, mp.inf]))
        got = v.pareto_nbd_log_likelihood((0.8, 4.0, 1.3, 9.0), [x], [t_x], [T])[0]
        assert got == pytest.approx(float(want), rel=1e-9), (x, t_x, T)


def test_pareto_edge_identities():
    model = _pnbd(PNBD_CDNOW)
    r, alpha, s, beta = PNBD_CDNOW
    X = _frame([(0, 0.0, 0.0), (4, 20.0, 20.0), (0, 0.0, 30.0)])
    alive = model.probability_alive(X)
    # last purchase at T (x = 0 at T = 0 included): no time to have died
    assert alive.iloc[0] == 1.0 and alive.iloc[1] == 1.0
    # x = 0 seen for T: P(alive) = P(lifetime > T | no purchase) by Bayes, in closed form:
    # (alpha/(alpha+T))**r (beta/(beta+T))**s / L
    T = 30.0
    ll = v.pareto_nbd_log_likelihood(PNBD_CDNOW, [0], [0.0], [T])[0]
    want = np.exp(r * np.log(alpha / (alpha + T)) + s * np.log(beta / (beta + T)) - ll)
    assert alive.iloc[2] == pytest.approx(want, rel=1e-13)
    # nothing observed: likelihood 1, and the conditional expectation is the unconditional one
    assert v.pareto_nbd_log_likelihood(PNBD_CDNOW, [0], [0.0], [0.0])[0] == pytest.approx(0.0, abs=1e-15)
    for t in (1.0, 39.0, 520.0):
        cond = model.expected_purchases(X.iloc[[0]], t).iloc[0]
        assert cond == pytest.approx(model.expected_purchases_new(t), rel=1e-13)
    assert model.expected_purchases(X, 0).tolist() == [0.0, 0.0, 0.0]
    assert model.expected_purchases_new(0) == 0.0


def test_pareto_new_customer_expectation_is_the_mixture_mean():
    """E[X(t)] = r/alpha * E[(1 - e^{-mu t}) / mu] over mu ~ Gamma(s, beta), by quadrature;
    also at s = 1 exactly (the log limit) and next to it."""
    from scipy import stats

    for params in [PNBD_CDNOW, (0.5, 4.0, 1.0, 10.0), (0.5, 4.0, 1.0 + 1e-9, 10.0), (2.0, 1.0, 3.0, 5.0)]:
        r, alpha, s, beta = params
        model = _pnbd(params)
        for t in (1.0, 52.0, 520.0):
            mean, _ = integrate.quad(
                lambda mu, t=t: -np.expm1(-mu * t) / mu * stats.gamma.pdf(mu, s, scale=1 / beta),
                0, np.inf, epsabs=0, epsrel=1e-10, limit=200,
            )
            assert model.expected_purchases_new(t) == pytest.approx(r / alpha * mean, rel=1e-8)


def test_pareto_simulation_matches_the_expectations():
    """Simulated repeat purchases in (0, t] average E[X(t)]: 4 Monte Carlo standard errors."""
    n, t = 200_000, 52.0
    sim = v.ParetoNBD.simulate(PNBD_CDNOW, T=np.full(n, t), seed=11)
    se = sim["frequency"].std() / np.sqrt(n)
    assert abs(sim["frequency"].mean() - _pnbd(PNBD_CDNOW).expected_purchases_new(t)) < 4 * se
    assert (sim["recency"] <= sim["T"]).all()


def test_pareto_fit_recovers_simulated_parameters():
    """4,000 simulated customers: each estimate within 4 of its standard errors of the truth,
    and the summary table carries them."""
    truth = (0.8, 5.0, 0.9, 12.0)
    rng = np.random.default_rng(5)
    sim = v.ParetoNBD.simulate(truth, T=rng.uniform(30, 60, 4000), seed=5)
    model = v.ParetoNBD().fit(sim)
    assert np.all(np.abs(model.params_.to_numpy() - truth) < 4 * model.se_.to_numpy())
    table = model.summary().table
    assert list(table.index) == ["r", "alpha", "s", "beta"]
    assert (table["ci_low"] < table["estimate"]).all() and (table["estimate"] < table["ci_high"]).all()
    assert model.log_likelihood_ == pytest.approx(model.log_likelihood(sim).sum(), rel=1e-12)
    assert model.mean_purchase_rate_ == pytest.approx(model.params_["r"] / model.params_["alpha"])
    assert model.mean_dropout_rate_ == pytest.approx(model.params_["s"] / model.params_["beta"])
    clone = pickle.loads(pickle.dumps(model))
    pd.testing.assert_series_equal(clone.params_, model.params_)


# =============================================================================================
# Pareto/NBD heavy buyers
# =============================================================================================
@settings(max_examples=60, deadline=None)
@given(
    params=st.sampled_from(PNBD_PARAMS),
    x=st.integers(0, 600),
    T=st.floats(0.0, 520.0),
    u=st.floats(0.0, 1.0),
    v_=st.floats(0.0, 1.0),
)
def test_pareto_heavy_buyers_stay_finite(params, x, T, u, v_):
    """Frequencies in the hundreds over up to ten years: finite, 0 <= P(alive) <= 1, P(alive)
    rising with the recency, no warning reaching the user."""
    model = _pnbd(params)
    lo, hi = sorted((u, v_))
    if x == 0:
        rows = [(0, 0.0, T)]
    else:
        T = max(T, 1e-3)
        rows = [(x, max(lo * T, 1e-6), T), (x, max(hi * T, 1e-6), T)]
    X = _frame(rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ll = model.log_likelihood(X)
        alive = model.probability_alive(X).to_numpy()
        expected = model.expected_purchases(X, 52.0).to_numpy()
    assert np.isfinite(ll).all() and np.isfinite(alive).all() and np.isfinite(expected).all()
    assert ((alive >= 0) & (alive <= 1)).all() and (expected >= 0).all()
    if len(rows) == 2:
        assert alive[0] <= alive[1] * (1 + 1e-12) + 1e-300


def test_pareto_heavy_buyer_values():
    """x = 500 over 500 weeks: alive if the last purchase was just now, dead if it was at week 1."""
    model = _pnbd(PNBD_CDNOW)
    X = _frame([(500, 499.9, 500.0), (500, 1.0, 500.0), (5000, 520.0, 520.0)])
    alive = model.probability_alive(X).to_numpy()
    assert alive[0] > 0.99 and alive[1] < 1e-100 and alive[2] == 1.0
    r, alpha, s, beta = PNBD_CDNOW
    # alive for sure: (r + x)/(alpha + T) purchases a week over the expected remaining life
    T, t = 520.0, 52.0
    want = (r + 5000) / (alpha + T) * (beta + T) / (s - 1) * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
    assert model.expected_purchases(X.iloc[[2]], t).iloc[0] == pytest.approx(want, rel=1e-12)


# =============================================================================================
# MBG/NBD
# =============================================================================================
def test_mbg_likelihood_is_the_mixture_of_the_individual_likelihood():
    """``(1-p)**(x+1) lam**x e^{-lam T} + p (1-p)**x lam**x e^{-lam t_x}`` integrated numerically
    over Gamma(r, alpha) x Beta(a, b) (mpmath tanh-sinh, 15 digits)."""
    mp.mp.dps = 15
    params = (0.7, 3.0, 0.9, 2.5)
    r, alpha, a, b = (mp.mpf(p) for p in params)
    for x, t_x, T in [(0, 0.0, 10.0), (2, 3.0, 10.0), (6, 11.0, 12.0)]:
        def integrand(lam, p, x=x, t_x=t_x, T=T):
            ind = (1 - p) ** (x + 1) * lam**x * mp.exp(-lam * T) + p * (1 - p) ** x * lam**x * mp.exp(-lam * t_x)
            g = alpha**r * lam ** (r - 1) * mp.exp(-alpha * lam) / mp.gamma(r)
            return ind * g * p ** (a - 1) * (1 - p) ** (b - 1) / mp.beta(a, b)

        want = mp.log(mp.quad(integrand, [0, 1, mp.inf], [0, 1]))
        got = v.mbgnbd_log_likelihood(params, [x], [t_x], [T])[0]
        assert got == pytest.approx(float(want), rel=1e-9), (x, t_x, T)


def test_mbg_gradient_matches_finite_differences():
    sim = v.MBGNBD.simulate((0.7, 3.0, 0.9, 2.5), T=np.full(300, 20.0), seed=2)
    from crmlib.value._mbgnbd import _mbgnbd_nll

    x, t_x, T = (sim[c].to_numpy("float64") for c in ("frequency", "recency", "T"))
    w = np.ones_like(x)
    theta = np.log([0.6, 2.5, 1.1, 2.0])
    _, grad = _mbgnbd_nll(theta, x, t_x, T, w)
    for j in range(4):
        h = np.zeros(4)
        h[j] = 1e-6
        fd = (_mbgnbd_nll(theta + h, x, t_x, T, w)[0] - _mbgnbd_nll(theta - h, x, t_x, T, w)[0]) / 2e-6
        assert grad[j] == pytest.approx(fd, rel=1e-6, abs=1e-9)


def test_mbg_edge_identities_and_simulation():
    model = _mbg(MBG_CDNOW)
    r, alpha, a, b = MBG_CDNOW
    X = _frame([(0, 0.0, 0.0), (4, 20.0, 20.0), (0, 0.0, 30.0)])
    alive = model.probability_alive(X).to_numpy()
    # a customer may leave right after the first purchase: P(alive) at t_x = T is (b+x)/(a+b+x)
    assert alive[0] == pytest.approx(b / (a + b), rel=1e-14)
    assert alive[1] == pytest.approx((b + 4) / (a + b + 4), rel=1e-14)
    for t in (1.0, 39.0, 520.0):
        assert model.expected_purchases(X.iloc[[0]], t).iloc[0] == pytest.approx(
            model.expected_purchases_new(t), rel=1e-12)
    nopurchase = model.probability_no_purchase(X, 10.0).to_numpy()
    assert ((nopurchase > 1 - alive) & (nopurchase <= 1)).all()
    # simulated repeat purchases in (0, t] average E[X(t)]: 4 Monte Carlo standard errors
    n, t = 200_000, 52.0
    sim = v.MBGNBD.simulate(MBG_CDNOW, T=np.full(n, t), seed=3)
    se = sim["frequency"].std() / np.sqrt(n)
    assert abs(sim["frequency"].mean() - model.expected_purchases_new(t)) < 4 * se


def test_mbg_fit_recovers_simulated_parameters():
    truth = (0.5, 4.0, 0.8, 2.5)
    rng = np.random.default_rng(1)
    sim = v.MBGNBD.simulate(truth, T=rng.uniform(20, 40, 5000), seed=1)
    model = v.MBGNBD().fit(sim)
    assert np.all(np.abs(model.params_.to_numpy() - truth) < 4 * model.se_.to_numpy())
    assert model.mean_dropout_prob_ == pytest.approx(model.params_["a"] / model.params_.iloc[2:].sum())


@settings(max_examples=40, deadline=None)
@given(x=st.integers(0, 600), T=st.floats(1e-3, 520.0), u=st.floats(1e-6, 1.0))
def test_mbg_heavy_buyers_stay_finite(x, T, u):
    model = _mbg(MBG_CDNOW)
    X = _frame([(x, 0.0 if x == 0 else u * T, T)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alive = model.probability_alive(X).to_numpy()
        expected = model.expected_purchases(X, 52.0).to_numpy()
        ll = model.log_likelihood(X)
    assert np.isfinite(ll).all() and np.isfinite(expected).all() and (expected >= 0).all()
    assert ((alive >= 0) & (alive <= 1)).all()


# =============================================================================================
# contract: bad input, not fitted, no convergence
# =============================================================================================
@pytest.mark.parametrize("cls", [v.ParetoNBD, v.MBGNBD])
@pytest.mark.parametrize(("row", "match"), [
    ((3, 40.0, 30.0), "recency > T"),
    ((-1, 0.0, 30.0), "frequency that is not a whole number >= 0"),
    ((np.nan, 0.0, 30.0), "missing or infinite frequency, recency or T"),
    ((2, 0.0, 30.0), "repeat purchases but recency 0"),
])
def test_bad_rows_raise_data_errors(cls, row, match):
    sim = v.ParetoNBD.simulate(PNBD_CDNOW, T=np.full(50, 30.0), seed=0)[["frequency", "recency", "T"]]
    bad = pd.concat([sim, _frame([row]).set_axis(["bad"])])
    with pytest.raises(DataError, match=match) as info:
        cls().fit(bad)
    assert f"{cls.__name__}.fit" in str(info.value) and "'bad'" in str(info.value)


@pytest.mark.parametrize("cls", [v.ParetoNBD, v.MBGNBD])
def test_missing_column_and_not_fitted(cls):
    with pytest.raises(DataError, match="column 'recency' not in the summary"):
        cls().fit(pd.DataFrame({"frequency": [1], "T": [2.0]}))
    model = cls()
    assert not hasattr(model, "params_")
    for call in (lambda: model.probability_alive(_frame([(0, 0.0, 1.0)])),
                 lambda: model.expected_purchases_new(10), lambda: model.summary()):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()
    assert repr(model) == f"{cls.__name__}(penalizer=0.0, max_iter=1000, tol=1e-10)"
    assert model.set_params(penalizer=0.1).get_params()["penalizer"] == 0.1


@pytest.mark.parametrize("cls", [v.ParetoNBD, v.MBGNBD])
def test_fit_that_does_not_converge_raises(cls):
    sim = v.ParetoNBD.simulate(PNBD_CDNOW, T=np.full(500, 30.0), seed=0)
    with pytest.raises(v.ConvergenceError, match="max_iter=1"):
        cls(max_iter=1).fit(sim)
    with pytest.raises(DataError, match="none of the"):
        cls().fit(_frame([(0, 0.0, 10.0)] * 20))


# =============================================================================================
# the published CDNOW fits (2,357 customers, calibration 1997-01-01 .. 1997-09-30, weeks)
# =============================================================================================
@pytest.fixture(scope="module")
def cdnow_summary(request) -> pd.DataFrame:
    request.getfixturevalue("real_data_home")  # skips without ../shared/data (fails under CI)
    from crmlib.datasets import load_cdnow

    cdnow = load_cdnow(which="sample")
    return v.rfm_weeks(cdnow, date_col="date", amount_col="amount", as_of="1997-09-30")


@pytest.fixture(scope="module")
def pnbd_cdnow(cdnow_summary) -> v.ParetoNBD:
    return v.ParetoNBD().fit(cdnow_summary)


@pytest.mark.realdata
def test_pareto_reproduces_fader_hardie_lee_2005(pnbd_cdnow):
    """Fader, Hardie & Lee (2005, Marketing Science 24(2), section 4) fit the Pareto/NBD to the
    same calibration sample as their BG/NBD: r = 0.55, alpha = 10.58, s = 0.61, beta = 11.67,
    log-likelihood -9,595.0 (CLVTools' test_correctness_pnbd_nocovstaticcov.R quotes the same
    fit "as also reported ... in Fader, Hardie, Lee (2005)": 0.553, 10.578, 0.606, 11.669,
    LL -9595.0). Tolerance: half a unit of the stated last digit."""
    np.testing.assert_allclose(pnbd_cdnow.params_, [0.55, 10.58, 0.61, 11.67], rtol=0, atol=0.005)
    assert pnbd_cdnow.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)


@pytest.mark.realdata
def test_pareto_matches_clvtools_estimates_and_standard_errors(pnbd_cdnow):
    """CLVTools (tests/testthat/test_correctness_pnbd_nocovstaticcov.R, its bundled ``cdnow``:
    the same 2,357 customers, weekly time, ``estimation.split = 39``) reports coefficients
    r = 0.55315, alpha = 10.57633, s = 0.60625, beta = 11.67150, LL = -9594.976, and Hessian
    standard errors r 0.0476264, alpha 0.8427222, s 0.1872594, beta 6.2105448.

    What is compared: our summary of the raw file, calibration through 1997-09-30 with
    day-resolution weeks, which gives the same log-likelihood to the 3 decimals CLVTools
    prints (so the same data). Tolerances:

    - log-likelihood: half a unit of the third decimal plus our optimiser's stopping error
      (gradient < 1e-7 per customer: ~1e-9 in total) -> 6e-4;
    - estimates: two optimisers stopping on the same flat optimum differ by ``delta`` with
      ``0.5 delta' H delta`` within that log-likelihood tolerance, i.e. by at most
      ``sqrt(2 * 6e-4) = 0.035`` standard errors per parameter -> 0.035 se;
    - standard errors (``estimate * se_log``): the estimates' relative gap (at most
      0.035 se / estimate = 1.8e-2 for beta, 3e-3 for r) moves ``se`` in proportion through
      the estimate, and ``se_log`` by no more than the same order over that distance; our
      finite-difference Hessian adds ~1e-5. So each SE within ``2 * 0.035 * se / estimate``
      relative (at least 1e-3).
    """
    published = np.array([0.55315, 10.57633, 0.60625, 11.67150])
    published_se = np.array([0.0476264, 0.8427222, 0.1872594, 6.2105448])
    assert pnbd_cdnow.log_likelihood_ == pytest.approx(-9594.976, abs=6e-4)
    est, se = pnbd_cdnow.params_.to_numpy(), pnbd_cdnow.se_.to_numpy()
    assert np.all(np.abs(est - published) <= 0.035 * published_se)
    rel = np.maximum(2 * 0.035 * published_se / published, 1e-3)
    assert np.all(np.abs(se / published_se - 1) <= rel), se / published_se - 1


@pytest.mark.realdata
def test_pareto_cdnow_customers_are_finite_and_alive_probabilities_sane(pnbd_cdnow, cdnow_summary):
    alive = pnbd_cdnow.probability_alive(cdnow_summary)
    expected = pnbd_cdnow.expected_purchases(cdnow_summary, 39.0)
    assert alive.between(0, 1).all() and np.isfinite(expected).all()
    assert (alive[cdnow_summary["recency"] == cdnow_summary["T"]] == 1.0).all()


@pytest.mark.realdata
def test_mbg_reproduces_btydplus_cdnow_fit(cdnow_summary):
    """MBG/NBD on the CDNOW calibration summary: r = 0.525, alpha = 6.183, a = 0.891,
    b = 1.614, the BTYDplus (``mbgnbd.EstimateParameters``) fit that lifetimes 0.11 asserts in
    ``TestModifiedBetaGeoFitter.test_params_out_is_close_to_BTYDplus`` on its
    ``cdnow_customers`` (the same 2,357-customer, 39-week calibration summary). Tolerance:
    half a unit of the third decimal. The likelihood itself is checked independently above
    (numerical mixture integral)."""
    model = v.MBGNBD().fit(cdnow_summary)
    np.testing.assert_allclose(model.params_, [0.525, 6.183, 0.891, 1.614], rtol=0, atol=5e-4)
    # more parameters' worth of fit than the BG/NBD's -9,582.4 on the same data
    assert model.log_likelihood_ > -9582.4


@pytest.mark.parametrize("cls", [v.ParetoNBD, v.MBGNBD])
def test_duplicated_rows_are_weights_and_penalty_shrinks(cls):
    """Fitting every customer twice gives the same estimates and twice the log-likelihood
    (the compressed rows carry their counts as weights); a penalty pulls the fit away."""
    sim = cls.simulate((0.6, 5.0, 0.8, 6.0), T=np.full(800, 30.0).round(), seed=4)
    sim = sim[["frequency", "recency", "T"]].round({"recency": 0})
    sim.loc[sim["frequency"] > 0, "recency"] = sim["recency"].clip(lower=1.0)
    one = cls().fit(sim)
    two = cls().fit(pd.concat([sim, sim]))
    np.testing.assert_allclose(two.params_, one.params_, rtol=1e-5)
    assert two.log_likelihood_ == pytest.approx(2 * one.log_likelihood_, rel=1e-9)
    assert two.n_customers_ == 2 * one.n_customers_
    penalized = cls(penalizer=0.1).fit(sim)
    assert penalized.log_likelihood_ < one.log_likelihood_


# =============================================================================================
# the analytic gradient of the Pareto/NBD likelihood
# =============================================================================================
@pytest.mark.parametrize("params", [
    (0.55, 10.6, 0.61, 11.7),  # CDNOW: alpha < beta, close
    (1.1, 9.0, 0.67, 38.2),    # alpha < beta, far apart
    (0.5, 40.0, 0.8, 5.0),     # alpha > beta
    (2.0, 3.0, 1.5, 3.0),      # alpha == beta (z = 0)
])
def test_pareto_analytic_gradient_matches_central_differences(params):
    from crmlib.value._btyd import _with_central_gradient
    from crmlib.value._pareto import _pnbd_mean_nll, _pnbd_nll

    rng = np.random.default_rng(0)
    T = rng.uniform(1, 80, 2000)
    x = rng.poisson(3, 2000).astype(float)
    t_x = np.where(x > 0, T * rng.uniform(0, 1, 2000), 0.0)
    x[:5], t_x[:5] = [0, 200, 500, 1, 1], [0.0, 79.0, 30.0, 1e-3, 60.0]  # heavy buyers, edges
    w = rng.integers(1, 4, 2000).astype(float)
    theta = np.log(params)
    value, grad = _pnbd_nll(theta, x, t_x, T, w)
    ref_value, ref_grad = _with_central_gradient(_pnbd_mean_nll, theta, x, t_x, T, w, step=1e-6)
    assert value == pytest.approx(ref_value, rel=1e-13)
    # a central difference with step h errs by ~h**2 f''' + eps / h: about 1e-9 here
    assert np.max(np.abs(grad - ref_grad)) < 1e-7 * max(1.0, np.max(np.abs(ref_grad)))


def test_pareto_gradient_falls_back_where_the_factor_is_integrated():
    from crmlib.value._pareto import _W_QUAD, _log_tail_grad, _pnbd_nll

    # beta / alpha = 1000: w = (alpha + t) / (beta + t) < _W_QUAD at t = 0
    assert (0.5 + 0.0) / (500.0 + 0.0) < _W_QUAD
    assert _log_tail_grad(np.array([1.5]), 0.7, 0.5, 500.0, np.array([0.0])) is None
    value, grad = _pnbd_nll(np.log([0.5, 0.5, 0.7, 500.0]), np.array([0.0, 2.0]),
                            np.array([0.0, 3.0]), np.array([0.0, 10.0]), np.ones(2))
    assert np.isfinite(value) and np.all(np.isfinite(grad))


def test_pareto_quadrature_branch_matches_forty_digit_hypergeometric_values():
    """The integrated factor log 2F1(1, A; A + B; 1 - w) for w < _W_QUAD, against mpmath at
    40 digits, over frequencies to 600, B (= s or s + 1) to 2,000 (fits at the boundary) and w
    down to 1e-9. Tolerance: 64 ulps of max(1, |log F|), the rounding of a sum of ~2,000
    positive terms and their logs."""
    from crmlib.value._pareto import _W_QUAD, _log_f_panels

    rng = np.random.default_rng(2)
    A = np.r_[rng.uniform(0.3, 600, 30), 2.0, 1.5, 0.6, 800.0]
    B = np.r_[rng.uniform(0.2, 2000, 30), 1.0, 0.7, 1767.0, 0.3]
    w = np.r_[10 ** rng.uniform(-9, np.log10(_W_QUAD), 30), 1e-6, 1e-3, 1e-4, 0.01]
    got = _log_f_panels(A, B, w)
    mp.mp.dps = 40
    want = np.array([float(mp.log(mp.hyp2f1(1, a, a + b, 1 - mp.mpf(x)))) for a, b, x in zip(A, B, w, strict=True)])
    assert np.all(np.abs(got - want) <= 64 * EPS * np.maximum(1.0, np.abs(want)))
