"""Customer value: retention, buy-till-you-die models, CLV, churn warning and loyalty tiers.

The public face of lesson 03's module; each subject lives in a private module:

- ``_inputs`` — checks of the summary frames and arrays the models take;
- ``_btyd`` — the maximum-likelihood machinery and its results object (:class:`ModelSummary`),
  :class:`BGNBD` (Fader, Hardie & Lee 2005) and :class:`GammaGamma` (Fader & Hardie 2013), fitted
  in log space with analytic gradients and following scikit-learn's estimator contract;
- ``_special`` — the BG/NBD's Gauss hypergeometric term, evaluated stably for heavy buyers and
  long horizons (Euler's transformation, a series with a tail bound, Gauss's connection formula);
- ``_clv`` — :func:`rfm_weeks` (the models' input from an order log), :func:`holdout_check` and
  :func:`customer_lifetime_value` (顧客價值);
- ``_retention`` — the cohort charts (留存率) of :func:`crmlib.engine.cohort_table`;
- ``_churn`` — the churn warning (流失警示): :func:`churn_dataset`, :func:`make_churn_model`,
  :func:`calibration_table`, :func:`gains_table`, :func:`lift_curve` and their plots;
- ``_tiers`` — loyalty tiers (會員等級) and their migration.

Time is measured in the unit of the summary you fit (weeks in the lessons: recency and ``T``
are days / 7).  Nothing here changes global state.
"""

from __future__ import annotations

from crmlib.exceptions import ConvergenceError
from crmlib.value._btyd import (
    BGNBD,
    GammaGamma,
    ModelSummary,
    bgnbd_log_likelihood,
    gamma_gamma_log_likelihood,
)
from crmlib.value._churn import (
    ChurnData,
    calibration_table,
    churn_dataset,
    gains_table,
    lift_curve,
    make_churn_model,
    plot_calibration,
    plot_gains,
    plot_lift_curve,
)
from crmlib.value._clv import (
    customer_lifetime_value,
    holdout_check,
    plot_holdout_check,
    rfm_weeks,
)
from crmlib.value._retention import plot_cohort_heatmap, plot_retention_curves
from crmlib.value._tiers import (
    DEFAULT_TIERS,
    TierMigration,
    loyalty_tiers,
    tier_migration,
)

__all__ = [
    "BGNBD",
    "DEFAULT_TIERS",
    "ChurnData",
    "ConvergenceError",
    "GammaGamma",
    "ModelSummary",
    "TierMigration",
    "bgnbd_log_likelihood",
    "calibration_table",
    "churn_dataset",
    "customer_lifetime_value",
    "gains_table",
    "gamma_gamma_log_likelihood",
    "holdout_check",
    "lift_curve",
    "loyalty_tiers",
    "make_churn_model",
    "plot_calibration",
    "plot_cohort_heatmap",
    "plot_gains",
    "plot_holdout_check",
    "plot_lift_curve",
    "plot_retention_curves",
    "rfm_weeks",
    "tier_migration",
]
