"""The model-comparison table and the likelihood-ratio test.

The information criteria are their textbook formulas of the fitted log-likelihood; the holdout
errors equal the per-customer errors computed here from each model's own conditional
expectation; models fitted on different customers are refused; on CDNOW the log-likelihoods
in the table are the published ones (Fader, Hardie & Lee 2005; CLVTools).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

from crmlib import value as v
from crmlib.exceptions import DataError, ParameterError
from crmlib.value import compare_models, likelihood_ratio_test


@pytest.fixture(scope="module")
def holdout_summary():
    """A calibration summary simulated from a BG/NBD process, with a 20-week holdout."""
    rng = np.random.default_rng(4)
    n = 3000
    # a 40-week calibration summary; the holdout counts only feed the bookkeeping checks
    cal = v.BGNBD.simulate((0.6, 5.0, 0.7, 2.5), T=np.full(n, 40.0), seed=5)
    s = cal.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "T": "T_cal"})
    s["frequency_holdout"] = rng.poisson(0.3, n)  # any counts do for the bookkeeping tests
    s["duration_holdout"] = 20.0
    return s


def test_criteria_are_the_textbook_formulas(holdout_summary):
    s = holdout_summary
    models = {"BG/NBD": v.BGNBD().fit(s), "MBG/NBD": v.MBGNBD().fit(s), "Pareto/NBD": v.ParetoNBD().fit(s)}
    table = compare_models(models, s)
    for name, m in models.items():
        row = table.loc[name]
        k, ll, n = 4, m.log_likelihood_, len(s)
        assert row["parameters"] == k and row["customers"] == n
        assert row["aic"] == pytest.approx(2 * k - 2 * ll) and row["bic"] == pytest.approx(k * np.log(n) - 2 * ll)
        # the holdout errors from the model's own conditional expectation, customer by customer
        x, t_x, T = (s[c].to_numpy(float) for c in ("frequency_cal", "recency_cal", "T_cal"))
        pred = m._cond_expected(m._check_fitted("test"), x, t_x, T, 20.0)
        err = pred - s["frequency_holdout"].to_numpy(float)
        assert row["holdout_mae"] == pytest.approx(np.abs(err).mean())
        assert row["holdout_rmse"] == pytest.approx(np.sqrt((err ** 2).mean()))
        assert row["holdout_total_error"] == pytest.approx(err.sum() / s["frequency_holdout"].sum())
    assert list(table["bic"]) == sorted(table["bic"]) and table["delta_bic"].iloc[0] == 0


def test_bad_comparisons_are_refused(holdout_summary):
    s = holdout_summary
    a = v.BGNBD().fit(s)
    b = v.BGNBD().fit(s.iloc[:1000])
    with pytest.raises(DataError, match="different numbers of customers"):
        compare_models({"all": a, "part": b})
    with pytest.raises(DataError, match="no holdout columns"):
        compare_models({"all": a}, s.drop(columns=["duration_holdout"]))
    with pytest.raises(ParameterError, match="not a crmlib purchase model"):
        compare_models({"x": object()})
    with pytest.raises(ParameterError, match="is empty"):
        compare_models({})


def test_likelihood_ratio_test_on_nested_models(holdout_summary):
    s = holdout_summary

    class Restricted:  # the BG/NBD with its dropout fixed at the fitted value: 2 parameters fewer
        def __init__(self, ll):
            self.log_likelihood_, self.n_customers_ = ll, len(s)

        def _check_fitted(self, where):
            return np.zeros(2)

    full = v.BGNBD().fit(s)
    r = likelihood_ratio_test(Restricted(full.log_likelihood_ - 3.0), full)
    assert r["statistic"] == pytest.approx(6.0) and r["df"] == 2
    assert r["p_value"] == pytest.approx(np.exp(-3.0))  # chi-square(2) survival = exp(-x / 2)
    with pytest.raises(DataError, match="restricted model fits better"):
        likelihood_ratio_test(Restricted(full.log_likelihood_ + 1.0), full)
    with pytest.raises(ParameterError, match="more parameters"):
        likelihood_ratio_test(full, Restricted(full.log_likelihood_))


@pytest.mark.realdata
def test_cdnow_comparison_table():
    from crmlib.datasets import data_home, load_cdnow

    try:
        data_home()
        cd = load_cdnow(which="sample")
    except DataError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the real-data tests, but CDNOW was not found: {exc}")
        pytest.skip(f"CDNOW not found: {exc}")
    s = v.rfm_weeks(cd, date_col="date", amount_col="amount", as_of="1998-06-30", calibration_end="1997-09-30")
    table = compare_models({"BG/NBD": v.BGNBD().fit(s), "MBG/NBD": v.MBGNBD().fit(s),
                            "Pareto/NBD": v.ParetoNBD().fit(s)}, s)
    # published log-likelihoods (to their printed precision): BG/NBD -9,582.4 (FHL 2005),
    # Pareto/NBD -9,594.976 (CLVTools); MBG/NBD's is the BG/NBD's neighbour (BTYDplus' fit)
    assert table.loc["BG/NBD", "log_likelihood"] == pytest.approx(-9582.4, abs=0.05)
    assert table.loc["Pareto/NBD", "log_likelihood"] == pytest.approx(-9594.976, abs=5e-4)
    assert set(table.index) == {"BG/NBD", "MBG/NBD", "Pareto/NBD"}
    assert (table["holdout_mae"] > 0).all() and isinstance(table, pd.DataFrame)
