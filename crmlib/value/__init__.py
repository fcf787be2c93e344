"""Customer value: retention, buy-till-you-die models, CLV, churn warning and loyalty tiers.

The public face of lesson 03's module; each subject lives in a private module:

- ``_inputs`` — checks of the summary frames and arrays the models take;
- ``_btyd`` — the maximum-likelihood machinery and its results object (:class:`ModelSummary`),
  :class:`BGNBD` (Fader, Hardie & Lee 2005) and :class:`GammaGamma` (Fader & Hardie 2013), fitted
  in log space with analytic gradients and following scikit-learn's estimator contract;
- ``_pareto`` — :class:`ParetoNBD` (Schmittlein, Morrison & Colombo 1987) with a likelihood and
  P(alive) that stay finite for heavy buyers (:func:`pareto_nbd_log_likelihood`);
- ``_mbgnbd`` — :class:`MBGNBD`, the modified BG/NBD of Batislam, Denizel & Filiztekin (2007)
  (:func:`mbgnbd_log_likelihood`), where customers may also drop out after the first purchase;
- ``_bgbb`` — :class:`BGBB`, the beta-geometric/beta-Bernoulli model of Fader, Hardie & Shang
  (2010) for discrete-time opportunities (:func:`bgbb_log_likelihood`), and
  :func:`rfm_discrete`, its ``(x, t_x, n)`` summary of an order log;
- ``_compare`` — :func:`compare_models` (log-likelihood, AIC, BIC and holdout errors of the
  models fitted on one summary, in one table) and :func:`likelihood_ratio_test` (nested models);
- ``_evaluation`` — the evaluation suite, each a compute twin and its plot:
  :func:`repeat_purchase_histogram`, :func:`tracking_table` (repeat transactions over
  calendar time against the expectation), :func:`holdout_errors` (per-customer error and the
  coverage of the model's intervals); with :func:`holdout_check` by frequency or recency;
- ``_special`` — the BG/NBD's Gauss hypergeometric term, evaluated stably for heavy buyers and
  long horizons (Euler's transformation, a series with a tail bound, Gauss's connection formula);
- ``_clv`` — :func:`rfm_weeks` (the models' input from an order log), :func:`holdout_check` and
  :func:`customer_lifetime_value` (顧客價值);
- ``_retention`` — the cohort charts (留存率) of :func:`crmlib.engine.cohort_table`;
- ``_churn`` — the churn warning (流失警示): :func:`churn_dataset`, :func:`make_churn_model`,
  :func:`calibration_table`, :func:`gains_table`, :func:`lift_curve` and their plots;
- ``_tiers`` — loyalty tiers (會員等級), their migration, and loyalty points (積分) with
  their liability (:func:`loyalty_points`);
- ``_diagnostics`` — the BTYD diagnostics: :func:`frequency_recency_matrix`,
  :func:`alive_history`, :func:`spend_frequency_correlation` (the Gamma-Gamma independence
  check), :func:`clv_interval` (intervals on each customer's purchases and CLV and on
  segment totals, by parametric or resampling bootstrap) and :func:`day_flooring_effect`;
- ``_decision`` — the retention decision: :func:`call_list`, ranked by expected margin at risk
  with a break-even cut-off, and :func:`call_list_ranks`, how sure its ranks and cut-off are.

Time is measured in the unit of the summary you fit (weeks in the lessons: recency and ``T``
are days / 7).  Nothing here changes global state.
"""

from __future__ import annotations

from crmlib.exceptions import ConvergenceError
from crmlib.value._bgbb import BGBB, bgbb_log_likelihood, rfm_discrete
from crmlib.value._compare import compare_models, likelihood_ratio_test
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
from crmlib.value._decision import CallList, CallListRanks, call_list, call_list_ranks
from crmlib.value._diagnostics import (
    CLVIntervals,
    SpendFrequencyCorrelation,
    alive_history,
    clv_interval,
    day_flooring_effect,
    frequency_recency_matrix,
    plot_alive_history,
    plot_frequency_recency_matrix,
    spend_frequency_correlation,
)
from crmlib.value._evaluation import (
    HoldoutErrors,
    evaluation_table,
    holdout_errors,
    plot_holdout_errors,
    plot_repeat_purchase_histogram,
    plot_tracking,
    repeat_purchase_histogram,
    tracking_table,
)
from crmlib.value._mbgnbd import MBGNBD, mbgnbd_log_likelihood
from crmlib.value._pareto import ParetoNBD, pareto_nbd_log_likelihood
from crmlib.value._retention import plot_cohort_heatmap, plot_retention_curves
from crmlib.value._tiers import (
    DEFAULT_TIERS,
    LoyaltyPoints,
    TierMigration,
    loyalty_points,
    loyalty_tiers,
    tier_migration,
)

__all__ = [
    "BGBB",
    "BGNBD",
    "CLVIntervals",
    "CallList",
    "CallListRanks",
    "ChurnData",
    "ConvergenceError",
    "DEFAULT_TIERS",
    "GammaGamma",
    "HoldoutErrors",
    "LoyaltyPoints",
    "MBGNBD",
    "ModelSummary",
    "ParetoNBD",
    "SpendFrequencyCorrelation",
    "TierMigration",
    "alive_history",
    "bgbb_log_likelihood",
    "bgnbd_log_likelihood",
    "calibration_table",
    "call_list",
    "call_list_ranks",
    "churn_dataset",
    "clv_interval",
    "compare_models",
    "customer_lifetime_value",
    "day_flooring_effect",
    "evaluation_table",
    "frequency_recency_matrix",
    "gains_table",
    "gamma_gamma_log_likelihood",
    "holdout_check",
    "holdout_errors",
    "lift_curve",
    "likelihood_ratio_test",
    "loyalty_points",
    "loyalty_tiers",
    "make_churn_model",
    "mbgnbd_log_likelihood",
    "pareto_nbd_log_likelihood",
    "plot_alive_history",
    "plot_calibration",
    "plot_cohort_heatmap",
    "plot_frequency_recency_matrix",
    "plot_gains",
    "plot_holdout_check",
    "plot_holdout_errors",
    "plot_lift_curve",
    "plot_repeat_purchase_histogram",
    "plot_retention_curves",
    "plot_tracking",
    "repeat_purchase_histogram",
    "rfm_discrete",
    "rfm_weeks",
    "spend_frequency_correlation",
    "tier_migration",
    "tracking_table",
]
