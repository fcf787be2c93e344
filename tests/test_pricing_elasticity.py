"""crmlib.pricing elasticity: equality with statsmodels, truth recovery, the trap, bad input."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlib.datasets import load_default
from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing import (
    ElasticityResult,
    compare_elasticities,
    fit_elasticity,
    naive_elasticity,
)


@pytest.fixture(scope="module")
def data():
    return load_default(tables=["price_panel"])


@pytest.fixture(scope="module")
def panel(data):
    return data.price_panel


@pytest.fixture(scope="module")
def truth(data):
    return data.truth["pricing"]["categories"]


@pytest.fixture(scope="module")
def fit(panel):
    return fit_elasticity(panel)


def _true_coefficients(cat: dict) -> pd.Series:
    return pd.Series({
        "log_price": cat["own_elasticity"], "log_competitor_price": cat["cross_elasticity"],
        "feature": cat["feature_lift"], "display": cat["display_lift"],
        "trend": cat["trend_per_year"], **cat["fourier"],
        **{f"event[{k}]": v for k, v in cat["events"].items()},
    })


def _dummy_ols(panel: pd.DataFrame, category: str, cluster: bool):
    """The same model written out with statsmodels and one dummy column per region."""
    g = panel[panel["category"] == category].reset_index(drop=True)
    t = (g["week"] - panel["week"].min()).dt.days.to_numpy() / 7.0
    X = pd.DataFrame({
        "log_price": np.log(g["price"]), "log_competitor_price": np.log(g["competitor_price"]),
        "feature": g["feature"].astype(float), "display": g["display"].astype(float),
        "trend": t / 52,
    })
    for h in (1, 2):
        X[f"sin{h}"] = np.sin(2 * np.pi * h * t / 52)
        X[f"cos{h}"] = np.cos(2 * np.pi * h * t / 52)
    for ev in ["chinese_new_year", "mid_year_618", "national_day", "singles_day"]:
        X[f"event[{ev}]"] = (g["event"].astype(str) == ev).astype(float)
    X = pd.concat([X, pd.get_dummies(g["region"].astype(str), dtype=float)], axis=1)
    model = sm.OLS(np.log(g["units"].astype(float)), X)
    if cluster:
        groups = g["week"].astype("int64").to_numpy()
        return model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    return model.fit()


@pytest.mark.parametrize("category", ["grocery", "electronics"])
@pytest.mark.parametrize("cluster", [True, False])
def test_equals_statsmodels_with_dummy_columns(panel, category, cluster):
    """Absorbing regions gives the dummy-column coefficients and (clustered) errors."""
    ours = fit_elasticity(panel, cluster="week" if cluster else None).coefficients.loc[category]
    ref = _dummy_ols(panel, category, cluster)
    terms = list(ours.index)
    np.testing.assert_allclose(ours["estimate"], ref.params[terms], rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours["std_error"], ref.bse[terms], rtol=1e-8, atol=0)


def test_recovers_true_elasticities_within_three_standard_errors(fit, truth):
    """|estimate - truth| < 3 SE for every category's own-price elasticity.

    The SE is the fitted cluster-robust one (156 weekly clusters per category); under a
    correct model each check fails with probability 0.27%.
    """
    table = fit.to_frame()
    for cat, params in truth.items():
        est, se = table.loc[cat, "elasticity"], table.loc[cat, "std_error"]
        assert abs(est - params["own_elasticity"]) < 3 * se, (cat, est, se)
        assert se < 0.05  # the default data pin elasticities to about +-0.1


def test_recovers_every_true_coefficient_bonferroni(panel, truth):
    """All 13 coefficients x 6 categories within a Bonferroni bound (family error 1%).

    Classical SEs here: the truth's noise is i.i.d., and an event dummy is on in only three
    weeks, so its *clustered* SE rests on three clusters and is unreliable (the FEW_CLUSTERS
    caveat in action). The bound is z = Phi^-1(1 - 0.01 / (2 m)) for m coefficients.
    """
    coefs = fit_elasticity(panel, cluster=None).coefficients
    m = len(coefs)
    z = NormalDist().inv_cdf(1 - 0.01 / (2 * m))
    for cat, params in truth.items():
        c = coefs.loc[cat]
        err = (c["estimate"] - _true_coefficients(params)[c.index]) / c["std_error"]
        assert (err.abs() < z).all(), (cat, err[err.abs() >= z].to_dict())


def test_omitted_variable_trap(panel, truth, fit):
    """Without controls the elasticities are biased (more elastic), grocery wrongly elastic."""
    table = compare_elasticities(naive_elasticity(panel), fit,
                                 {c: v["own_elasticity"] for c, v in truth.items()})
    # the naive bias is large against its own SE in most categories
    z_naive = table["naive_error"] / table["naive_se"]
    assert (z_naive < -1).sum() >= 5 and z_naive.min() < -3
    assert (table["controlled_z"].abs() < 3).all()
    # the trap's consequence: grocery looks elastic (finite markup) but is inelastic
    assert table.loc["grocery", "naive"] < -1 < table.loc["grocery", "truth"]
    assert table.loc["grocery", "controlled"] > -1


def test_result_object(fit):
    assert isinstance(fit, ElasticityResult)
    text = fit.summary(alpha=0.1)
    assert "90% intervals" in text and "grocery" in text and "Inelastic" in text
    html = fit._repr_html_()
    assert "<table" in html and "Notes" in html
    frame = fit.to_frame(alpha=0.05)
    assert (frame["ci_low"] < frame["elasticity"]).all()
    assert list(frame.index) == sorted(frame.index)
    assert frame["n_obs"].eq(780).all() and frame["n_clusters"].eq(156).all()
    with pytest.raises(ParameterError, match="alpha"):
        fit.summary(alpha=2)


def test_by_region_and_category_and_few_cluster_note(panel):
    res = fit_elasticity(panel, by=["region", "category"], absorb=None, cluster="event")
    assert res.elasticities.index.names == ["region", "category"]
    assert len(res.elasticities) == 30
    assert any("clusters" in n for n in res.notes)


def test_naive_note():
    p = np.array([1.0, 2.0, 3.0, 5.0])
    res = naive_elasticity(pd.DataFrame({"price": p, "units": 50 / p}), by=None, cluster=None)
    assert any("omitted-variable" in n for n in res.notes)


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------
def _small(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    price = np.exp(rng.normal(0, 0.2, n))
    return pd.DataFrame({"price": price, "units": 100 * price ** -2, "g": ["a"] * n,
                         "flag": rng.integers(0, 2, n)})


PLAIN = dict(by=None, log_controls=(), controls=(), absorb=None, trend=False, seasonality=0,
             event_col=None, cluster=None)


@pytest.mark.parametrize("col, value", [("units", 0.0), ("price", -1.0), ("price", np.nan)])
def test_non_positive_values_in_log_model(col, value):
    bad = _small()
    bad.loc[5, col] = value
    with pytest.raises(DataError, match=rf"column '{col}' must be > 0 .* \(rows 5"):
        fit_elasticity(bad, **PLAIN)


def test_price_without_variation():
    flat = _small().assign(price=2.5)
    with pytest.raises(DataError, match="'price' has no variation"):
        fit_elasticity(flat, **PLAIN)
    # no variation *within* the fixed effect: one price per group
    per_group = _small().assign(g=lambda d: np.arange(len(d)) % 4)
    per_group["price"] = 1.0 + per_group["g"]
    with pytest.raises(DataError, match="no variation within \\['g'\\]"):
        fit_elasticity(per_group, **{**PLAIN, "absorb": "g"})


def test_constant_and_collinear_controls():
    d = _small().assign(const=1.0)
    with pytest.raises(DataError, match="'const' is constant"):
        fit_elasticity(d, **{**PLAIN, "controls": ["const"]})
    d["twin"] = d["flag"] * 2.0
    with pytest.raises(DataError, match="collinear"):
        fit_elasticity(d, **{**PLAIN, "controls": ["flag", "twin"]})


def test_bad_arguments_and_columns():
    d = _small()
    with pytest.raises(DataError, match="column 'competitor_price' not in panel"):
        fit_elasticity(d, **{**PLAIN, "log_controls": "competitor_price"})
    with pytest.raises(ParameterError, match="'seasonality' parameter"):
        fit_elasticity(d, **{**PLAIN, "seasonality": -1})
    with pytest.raises(ParameterError, match="'absorb' parameter"):
        fit_elasticity(d, **{**PLAIN, "absorb": 5})
    with pytest.raises(ParameterError, match="'week_col' parameter .* is None"):
        fit_elasticity(d, **{**PLAIN, "trend": True, "week_col": None})
    with pytest.raises(DataError, match="1 cluster"):
        fit_elasticity(d, **{**PLAIN, "cluster": "g"})
    with pytest.raises(ParameterError, match="'panel' parameter .* DataFrame"):
        fit_elasticity([1, 2], **PLAIN)
    with pytest.raises(ParameterError, match="ElasticityResult"):
        compare_elasticities("x", naive_elasticity(d, by=None, cluster=None))


def test_price_interaction_gives_flag_elasticity():
    rng = np.random.default_rng(7)
    n = 400
    flag = rng.integers(0, 2, n)
    lp = rng.normal(0, 0.3, n)
    units = np.exp(5 + 0.5 * flag - 2 * lp - 0.5 * flag * lp + rng.normal(0, 0.01, n))
    d = pd.DataFrame({"price": np.exp(lp), "units": units, "flag": flag})
    res = fit_elasticity(d, **{**PLAIN, "controls": "flag", "price_interactions": "flag"})
    row = res.elasticities.loc["all"]
    assert abs(row["elasticity"] + 2) < 4 * row["std_error"]
    assert abs(row["elasticity_flag"] + 2.5) < 4 * row["std_error_flag"]


@settings(max_examples=30)
@given(e=st.floats(-5, -0.2), scale=st.floats(0.5, 50), n=st.integers(5, 30))
def test_exact_power_law_is_recovered(e, scale, n):
    """A noise-free constant-elasticity demand curve gives its exponent back exactly."""
    price = np.linspace(1, 3, n)
    res = naive_elasticity(pd.DataFrame({"price": price, "units": scale * price ** e}),
                           by=None, cluster=None)
    assert abs(res.elasticities.loc["all", "elasticity"] - e) < 1e-8
