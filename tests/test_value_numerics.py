"""crmlib.value numerics: heavy buyers, long horizons, penalized fits, ties, clear errors.

The BG/NBD expectations are checked against a 50-digit reference (mpmath) of the paper's own
formula, so the reference does not share the transformation the library uses.
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmlib import value as v
from crmlib.exceptions import DataError, ParameterError

mp = pytest.importorskip("mpmath")

EPS = np.finfo("float64").eps
CDNOW = (0.243, 4.414, 0.793, 2.426)  # FHL 2005, weeks
PARAMS = {
    "cdnow": CDNOW,
    "simulated": (0.5, 4.0, 0.8, 2.5),
    # a > 1, tiny alpha: fast buyers, many of whom drop out at once
    "a>1, tiny alpha": (5.0, 0.05, 3.0, 0.2),
    # slow buyers, rare dropout: the hypergeometric term of x = 0 converges slowly
    "slow buyers": (0.05, 50.0, 0.2, 8.0),
}
FREQUENCIES = (0, 1, 10, 100, 540, 1000, 5000)
HORIZONS = (1, 52, 260, 520)


def _fitted_bg(params) -> v.BGNBD:
    model = v.BGNBD()
    model.params_ = pd.Series(params, index=["r", "alpha", "a", "b"])
    return model


def _customers() -> list[tuple[float, float, float]]:
    """(frequency, recency, T): last purchase at T, half-way, or in the first days."""
    rows = []
    for x, T in itertools.product(FREQUENCIES, (0.0, 1.0, 39.0, 104.0, 520.0)):
        if x == 0:
            rows.append((0.0, 0.0, T))
        elif T > 0:
            rows += [(float(x), t_x, T) for t_x in sorted({T, T / 2, min(0.5, T / 4)})]
    return rows


def _reference(params, x, t_x, T, t):
    """FHL 2005 eq. 10 at 50 digits, with the error-amplification factors of the float method.

    Returns the expectation and ``kappa``: the float evaluation rounds each exponent (the
    log-odds of being dead and ``(a - 1) log w + log G``) to a few ulps of its *size*, and the
    bracket ``1 - w**(a-1) G`` loses a further ``(|(a-1) log w| + |log G|) / |log(w**(a-1) G)|``
    to cancellation; those sizes, not the result, set the tolerance.
    """
    mp.mp.dps = 50
    r, alpha, a, b = (mp.mpf(p) for p in params)
    x, t_x, T, t = (mp.mpf(q) for q in (x, t_x, T, t))
    z = t / (alpha + T + t)
    w = (alpha + T) / (alpha + T + t)
    hyp = mp.hyp2f1(r + x, b + x, a + b + x - 1, z, maxterms=10**7)
    power = w ** (r + x) * hyp  # = w**(a-1) G by Euler's transformation
    bracket = 1 - power
    log_odds = mp.log(a / (b + x - 1)) + (r + x) * mp.log((alpha + T) / (alpha + t_x)) if x > 0 else mp.mpf(0)
    alive = 1 if x == 0 else 1 / (1 + mp.exp(log_odds))
    expected = (a + b + x - 1) / (a - 1) * bracket * alive
    log_w_term = abs((a - 1) * mp.log(w))
    log_g = abs(mp.log(abs(power)) - (a - 1) * mp.log(w))
    cancel = (1 + log_w_term + log_g) / abs(mp.log(abs(power)))
    kappa = 1 + float(abs(log_odds)) + float(cancel)
    return float(expected), kappa


@pytest.fixture(scope="module")
def reference() -> dict:
    return {
        (name, row, t): _reference(params, *row, t)
        for name, params in PARAMS.items() for row in _customers() for t in HORIZONS
    }


@pytest.mark.parametrize("name", list(PARAMS))
def test_expected_purchases_match_a_50_digit_reference(name, reference):
    """Frequencies up to 5,000 and horizons up to 520 weeks, finite and to rounding accuracy.

    Tolerance from the method: each series is summed until its tail bound is below eps/4 of
    the partial sum, so what is left is rounding: a few ulps per exponent times the
    amplification ``kappa`` (see ``_reference``), and up to ~4,000 series terms each
    rounding once (``sqrt(n) eps`` typically, ``n eps`` at worst).  The allowance
    ``2**8 eps kappa`` covers ~ 60 ulps of rounding in the sum and the exponents with a
    factor 4 to spare; below ``1e-300`` the value underflows (a customer long gone) and
    absolute agreement is asked.
    """
    params = PARAMS[name]
    model = _fitted_bg(params)
    rows = _customers()
    frame = pd.DataFrame(rows, columns=["frequency", "recency", "T"])
    worst = 0.0
    for t in HORIZONS:
        with warnings.catch_warnings(), np.errstate(all="raise"):
            warnings.simplefilter("error")
            got = model.expected_purchases(frame, t).to_numpy()
        assert np.isfinite(got).all()
        for i, row in enumerate(rows):
            want, kappa = reference[(name, row, t)]
            err = abs(got[i] - want)
            allowed = 2**8 * EPS * kappa * abs(want) + 1e-300
            assert err <= allowed, (row, t, got[i], want, err / max(abs(want), 1e-300))
            if abs(want) > 1e-280:  # normal floats: the relative error is meaningful
                worst = max(worst, err / abs(want))
    assert worst < 1e-10


def test_new_customer_expectation_matches_the_reference():
    model = _fitted_bg(CDNOW)
    for t in HORIZONS:
        want, kappa = _reference(CDNOW, 0, 0, 0, t)
        assert model.expected_purchases_new(t) == pytest.approx(want, rel=2**8 * EPS * kappa)


def test_one_heavy_buyer_does_not_break_the_clv_table():
    """540 repeat purchases in 38.5 weeks: today scipy's hyp2f1 overflows at t = 117."""
    bg = _fitted_bg(CDNOW)
    gg = v.GammaGamma()
    gg.params_ = pd.Series([6.25, 3.74, 15.44], index=["p", "q", "gamma"])
    X = pd.DataFrame({
        "frequency": [540, 2, 0, 5000], "recency": [38.0, 20.0, 0.0, 104.0],
        "T": [38.5, 30.0, 12.0, 104.0], "monetary_value": [20.0, 30.0, 0.0, 12.0],
    }, index=["heavy", "B", "C", "heavier"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clv = v.customer_lifetime_value(bg, gg, X, horizon=520, discount_rate=0.0, margin=1.0)
    assert np.isfinite(clv).all() and (clv > 0).all()
    # undiscounted, the CLV is expected purchases over the horizon times expected spend
    want = bg.expected_purchases(X, 520) * gg.expected_spend(X)
    np.testing.assert_allclose(clv, want, rtol=1e-9)
    ref, _ = _reference(CDNOW, 540, 38.0, 38.5, 520)
    assert bg.expected_purchases(X, 520)["heavy"] == pytest.approx(ref, rel=1e-10)


# ------------------------------------------------------------------------------------------
# probability alive in log space
# ------------------------------------------------------------------------------------------
def test_probability_alive_survives_floating_point_errors_raised():
    model = _fitted_bg(CDNOW)
    X = pd.DataFrame({"frequency": [0, 1, 540, 5000, 5000], "recency": [0.0, 1.0, 0.5, 0.5, 104.0],
                      "T": [10.0, 104.0, 104.0, 104.0, 104.0]})
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        alive = model.probability_alive(X).to_numpy()
        model.probability_no_purchase(X, 52)
    mp.mp.dps = 50
    r, alpha, a, b = (mp.mpf(p) for p in CDNOW)
    for (x, t_x, T), got in zip(X.itertuples(index=False), alive, strict=True):
        if x == 0:
            assert got == 1.0
            continue
        log_odds = mp.log(a / (b + x - 1)) + (r + x) * mp.log((alpha + T) / (alpha + t_x))
        want = float(1 / (1 + mp.exp(log_odds)))
        assert got == pytest.approx(want, rel=2**6 * EPS * (1 + float(abs(log_odds))), abs=1e-300)
    assert alive[3] == 0.0 and alive[4] > 0.5  # long gone / just bought


# ------------------------------------------------------------------------------------------
# penalized fits
# ------------------------------------------------------------------------------------------
PENALIZERS = (0.0, 0.1, 1.0, 2.0, 5.0, 10.0)


@pytest.fixture(scope="module")
def cdnow_like() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return v.BGNBD.simulate(CDNOW, T=rng.uniform(27, 39, 2357), seed=6)


@pytest.fixture(scope="module")
def penalized_fits(cdnow_like) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return {pen: v.BGNBD(penalizer=pen).fit(cdnow_like) for pen in PENALIZERS}


def _penalized_objective(log_params, pen, X) -> float:
    """What the fit minimises, from the public likelihood: mean NLL + pen * sum(params**2)."""
    params = np.exp(log_params)
    ll = v.bgnbd_log_likelihood(params, X["frequency"], X["recency"], X["T"])
    return float(-ll.mean() + pen * np.sum(params**2))


@pytest.mark.parametrize("pen", [2.0, 5.0, 10.0])
def test_large_penalizers_reach_a_true_optimum(pen, penalized_fits, cdnow_like):
    """Penalizers 2, 5, 10 used to raise ConvergenceError (the first BFGS step overshot)."""
    theta = np.log(penalized_fits[pen].params_.to_numpy())
    f0 = _penalized_objective(theta, pen, cdnow_like)
    h = 1e-5
    grad = np.array([
        (_penalized_objective(theta + h * e, pen, cdnow_like)
         - _penalized_objective(theta - h * e, pen, cdnow_like)) / (2 * h) for e in np.eye(4)
    ])
    assert np.max(np.abs(grad)) < 1e-6
    rng = np.random.default_rng(0)
    directions = np.vstack([np.eye(4), -np.eye(4), rng.normal(size=(8, 4))])
    for d in directions:
        step = 1e-2 * d / np.linalg.norm(d)
        assert _penalized_objective(theta + step, pen, cdnow_like) > f0


def test_parameters_shrink_monotonically_as_the_penalizer_grows(penalized_fits):
    table = pd.DataFrame({pen: m.params_ for pen, m in penalized_fits.items()}).T
    assert (table.diff().dropna() < 0).all().all(), table
    squares = (table**2).sum(axis=1)
    assert squares.is_monotonic_decreasing


# ------------------------------------------------------------------------------------------
# Gamma-Gamma: excluded customers
# ------------------------------------------------------------------------------------------
def test_excluded_customers_get_the_population_mean_spend():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, 400)
    m = rng.gamma(4.0, 10.0, 400)
    m[:5] = [0.0, -3.0, 0.0, -50.0, 0.0]
    X = pd.DataFrame({"frequency": x, "monetary_value": m})
    model = v.GammaGamma(nonpositive="exclude").fit(X)
    spend = model.expected_spend(X)
    assert spend.iloc[:5].to_numpy() == pytest.approx([model.mean_spend_] * 5, rel=1e-12)
    assert (spend.iloc[5:] > 0).all()
    # the same customers with the model made to raise: a clear error, not a shrunk guess
    strict = v.GammaGamma()
    strict.params_ = model.params_
    with pytest.raises(DataError,
                       match=r"5 customers .*monetary_value <= 0.*nonpositive='exclude'"):
        strict.expected_spend(X)
    assert "population mean" in v.GammaGamma.__doc__


# ------------------------------------------------------------------------------------------
# gains and lift with tied scores
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_constant_score_gives_lift_one_whatever_the_row_order(seed):
    y = np.r_[np.ones(30), np.zeros(70)]
    y = np.random.default_rng(seed).permutation(y)  # positives first, last, anywhere
    score = np.full(100, 0.42)
    table = v.gains_table(y, score, n_bins=10)
    np.testing.assert_allclose(table["lift"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(table["cum_lift"], 1.0, rtol=1e-12)
    assert table["positives"].tolist() == [3] * 10
    curve = v.lift_curve(y, score, n_points=37)
    np.testing.assert_allclose(curve["lift"], 1.0, rtol=1e-12)
    sorted_first = v.gains_table(np.sort(y)[::-1], score, n_bins=10)
    pd.testing.assert_frame_equal(table, sorted_first)


@given(
    data=st.lists(st.tuples(st.integers(0, 1), st.sampled_from([0.1, 0.2, 0.5, 0.7, 0.9])),
                  min_size=1, max_size=80),
    n_bins=st.integers(1, 12),
    seed=st.integers(0, 2**32 - 1),
)
def test_permuting_rows_leaves_gains_and_lift_unchanged(data, n_bins, seed):
    y = np.array([d[0] for d in data], dtype=float)
    score = np.array([d[1] for d in data])
    n_bins = min(n_bins, len(y))
    perm = np.random.default_rng(seed).permutation(len(y))
    pd.testing.assert_frame_equal(v.gains_table(y, score, n_bins=n_bins),
                                  v.gains_table(y[perm], score[perm], n_bins=n_bins),
                                  check_exact=True)
    pd.testing.assert_frame_equal(v.lift_curve(y, score, n_points=n_bins),
                                  v.lift_curve(y[perm], score[perm], n_points=n_bins),
                                  check_exact=True)
    table = v.gains_table(y, score, n_bins=n_bins)
    assert table["customers"].sum() == len(y)
    assert table["positives"].sum() == pytest.approx(y.sum(), abs=1e-9)


# ------------------------------------------------------------------------------------------
# estimator contract: NotFittedError
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", [v.BGNBD(), v.GammaGamma()], ids=["BGNBD", "GammaGamma"])
def test_models_raise_not_fitted_error_before_fit(model):
    from crmlib.exceptions import NotFittedError

    for name in ("params_", "se_", "log_likelihood_", "n_customers_", "converged_"):
        assert not hasattr(model, name)
        with pytest.raises(NotFittedError, match=r"not fitted yet.*Call fit"):
            getattr(model, name)
    with pytest.raises(NotFittedError):
        model.summary()
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        model.nonsense  # noqa: B018
    X = pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0], "monetary_value": [5.0]})
    calls = ([model.probability_alive, model.expected_purchases_new, model.log_likelihood]
             if isinstance(model, v.BGNBD) else [model.expected_spend])
    for call in calls:
        with pytest.raises(NotFittedError, match=r"not fitted yet") as info:
            call(1.0) if call.__name__ == "expected_purchases_new" else call(X)
        assert isinstance(info.value, ValueError) and isinstance(info.value, AttributeError)
    attr = "mean_purchase_rate_" if isinstance(model, v.BGNBD) else "mean_spend_"
    with pytest.raises(NotFittedError, match=rf"{attr}: this model is not fitted yet"):
        getattr(model, attr)


def test_fitted_models_have_their_attributes(cdnow_like):
    model = v.BGNBD().fit(cdnow_like)
    assert hasattr(model, "params_") and hasattr(model, "mean_purchase_rate_")
    import pickle

    assert pickle.loads(pickle.dumps(model)).params_.equals(model.params_)


# ------------------------------------------------------------------------------------------
# summary(alpha=...)
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def plain_fit(cdnow_like) -> v.BGNBD:
    return v.BGNBD().fit(cdnow_like)


def test_summary_intervals_use_the_critical_value_of_alpha(plain_fit):
    from statistics import NormalDist

    from crmlib._results import SummaryDisplay

    model = plain_fit
    wide, narrow = model.summary(), model.summary(alpha=0.10)
    assert isinstance(wide, SummaryDisplay) and wide.alpha == 0.05
    est = np.log(model.params_.to_numpy())
    half_wide = np.log(wide.table["ci_high"].to_numpy()) - est
    half_narrow = np.log(narrow.table["ci_high"].to_numpy()) - est
    z05, z10 = NormalDist().inv_cdf(0.975), NormalDist().inv_cdf(0.95)
    np.testing.assert_allclose(half_narrow / half_wide, z10 / z05, rtol=1e-12)
    np.testing.assert_allclose(est - np.log(narrow.table["ci_low"].to_numpy()), half_narrow,
                               rtol=1e-12)
    # no hard-coded 1.96: the half-width over se(log) is the exact critical value
    se_log = model.se_.to_numpy() / model.params_.to_numpy()
    np.testing.assert_allclose(half_wide / se_log, z05, rtol=1e-12)
    assert "90% intervals" in narrow.summary() and "95% intervals" in wide.summary()
    with pytest.raises(ParameterError, match=r"'alpha' parameter of BGNBD.summary"):
        model.summary(alpha=1.5)


def test_model_summary_html_is_the_shared_display(plain_fit):
    res = plain_fit.summary()
    html = res._repr_html_()
    assert html.startswith("<p>BG/NBD: 2,357 customers") and "<table" in html
    if res.notes:
        assert "<ol><li>" in html
