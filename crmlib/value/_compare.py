"""One table to choose a purchase model by: fit, complexity, and what it predicts out of sample.

:func:`compare_models` sets the models fitted on the same calibration summary side by side:
log-likelihood, number of parameters, AIC and BIC (the number of customers is BIC's sample
size), and — when the summary has a holdout period — the mean absolute and root mean squared
error of each customer's expected holdout purchases, and the error of the total.
:func:`likelihood_ratio_test` compares two *nested* models (the restricted one a special case
of the full one); the models of this package are not nested in one another (BG/NBD, MBG/NBD and
Pareto/NBD differ in how customers drop out), so between them the table's information criteria
and holdout errors are the guide, not a test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlib.exceptions import DataError, ParameterError
from crmlib.value._inputs import _rfm_arrays

__all__ = ["compare_models", "likelihood_ratio_test"]


def _fitted(model: Any, name: str, where: str) -> np.ndarray:
    if not hasattr(model, "_check_fitted"):
        raise ParameterError(f"{where}: {name!r} is a {type(model).__name__}, not a crmlib purchase model "
                             "(BGNBD, MBGNBD, ParetoNBD).")
    return model._check_fitted(where)


def compare_models(models: Mapping[str, Any], summary: pd.DataFrame | None = None) -> pd.DataFrame:
    """Log-likelihood, AIC, BIC and holdout errors of purchase models fitted on the same data.

    Parameters
    ----------
    models : mapping name -> fitted model
        BG/NBD, MBG/NBD, Pareto/NBD (anything with the package's estimator contract), all fitted
        on the same customers.
    summary : pandas.DataFrame, optional
        A calibration/holdout summary (:func:`rfm_weeks` with ``calibration_end``): with it the
        table adds ``holdout_mae`` and ``holdout_rmse`` (per customer, purchases over each
        customer's ``duration_holdout``) and ``holdout_total_error`` (predicted minus actual
        purchases of all customers, as a share of the actual).

    Returns
    -------
    pandas.DataFrame
        One row per model, sorted by BIC: ``log_likelihood``, ``parameters``, ``customers``,
        ``aic``, ``bic``, ``delta_bic`` (against the best) and the holdout columns.

    Raises
    ------
    DataError
        Models fitted on different numbers of customers (their likelihoods are not comparable).
    """
    where = "compare_models"
    if not models:
        raise ParameterError(f"The 'models' parameter of {where} is empty; give at least one fitted model.")
    rows = {}
    for name, m in models.items():
        params = _fitted(m, name, where)
        k, n, ll = len(params), int(m.n_customers_), float(m.log_likelihood_)
        rows[name] = {"log_likelihood": ll, "parameters": k, "customers": n,
                      "aic": 2 * k - 2 * ll, "bic": k * np.log(n) - 2 * ll}
    sizes = {r["customers"] for r in rows.values()}
    if len(sizes) > 1:
        raise DataError(f"{where}: the models were fitted on different numbers of customers "
                        f"({ {k: r['customers'] for k, r in rows.items()} }); fit them on the same summary.")
    table = pd.DataFrame.from_dict(rows, orient="index")
    if summary is not None:
        if "duration_holdout" not in summary or "frequency_holdout" not in summary:
            raise DataError(f"{where}: the summary has no holdout columns (frequency_holdout, duration_holdout); "
                            "build it with rfm_weeks(..., calibration_end=...).")
        if len(summary) != next(iter(sizes)):
            raise DataError(f"{where}: the summary has {len(summary):,} customers, the models were fitted on "
                            f"{next(iter(sizes)):,}.")
        x, t_x, T = _rfm_arrays(summary, where)
        actual = summary["frequency_holdout"].to_numpy("float64")
        duration = summary["duration_holdout"].to_numpy("float64")
        for name, m in models.items():
            params = m._check_fitted(where)
            pred = np.empty(len(x))
            for d in np.unique(duration):
                sel = duration == d
                pred[sel] = m._cond_expected(params, x[sel], t_x[sel], T[sel], float(d))
            err = pred - actual
            table.loc[name, "holdout_mae"] = float(np.mean(np.abs(err)))
            table.loc[name, "holdout_rmse"] = float(np.sqrt(np.mean(err ** 2)))
            table.loc[name, "holdout_total_error"] = float(err.sum() / max(actual.sum(), 1e-12))
    table = table.sort_values("bic", kind="stable")
    table.insert(table.columns.get_loc("bic") + 1, "delta_bic", table["bic"] - table["bic"].min())
    table.index.name = "model"
    return table


def likelihood_ratio_test(restricted: Any, full: Any) -> dict[str, float]:
    """Likelihood-ratio test of a restricted model against the full model it is nested in.

    ``2 (LL_full - LL_restricted)`` against chi-square with as many degrees of freedom as the
    full model has extra parameters. The caller vouches for the nesting (the test is wrong for
    non-nested models, such as BG/NBD against Pareto/NBD); a restricted model that fits better
    than the full one means the full fit stopped short of its optimum, and is refused.

    >>> class M:  # a stand-in with the estimator contract's fitted attributes
    ...     def __init__(self, ll, k): self.log_likelihood_, self.n_customers_, self._k = ll, 100, k
    ...     def _check_fitted(self, where): return np.zeros(self._k)
    >>> r = likelihood_ratio_test(M(-110.0, 2), M(-100.0, 4))
    >>> r["statistic"], r["df"], round(r["p_value"], 6)
    (20.0, 2, 4.5e-05)
    """
    where = "likelihood_ratio_test"
    k0, k1 = len(_fitted(restricted, "restricted", where)), len(_fitted(full, "full", where))
    if k1 <= k0:
        raise ParameterError(f"{where}: the full model must have more parameters than the restricted one "
                             f"({k1} against {k0}).")
    if int(restricted.n_customers_) != int(full.n_customers_):
        raise DataError(f"{where}: the models were fitted on different customers "
                        f"({restricted.n_customers_:,} against {full.n_customers_:,}).")
    stat = 2 * (float(full.log_likelihood_) - float(restricted.log_likelihood_))
    if stat < -1e-6:
        raise DataError(f"{where}: the restricted model fits better than the full one (statistic {stat:.4g}); the "
                        "full fit did not reach its optimum, or the models are not nested. Refit the full model.")
    df = k1 - k0
    return {"statistic": max(stat, 0.0), "df": df, "p_value": float(stats.chi2.sf(max(stat, 0.0), df))}
