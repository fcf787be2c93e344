"""Customer satisfaction (lesson 07): is the survey reliable, who is satisfied, and what to fix first.

The public face of the lesson's module; each subject lives in a private module:

- ``_reliability`` — :func:`cronbach_alpha` (with Feldt's F-based interval),
  :func:`scale_reliability` (alpha, McDonald's omega from a one-factor model,
  alpha-if-item-deleted, item-rest correlations, a note on undeclared reverse-coded items),
  :func:`factor_check` (one factor per scale: maximum-likelihood factor analysis with a
  varimax rotation) and :func:`reverse_items`;
- ``_scores`` — :func:`csat` (a top-box share, Wilson interval), :func:`nps` (with its
  closed-form multinomial variance), :func:`expected_nps` (of a normal score rounded to 0-10), :func:`nps_margin_of_error`, :func:`nps_sample_size`,
  :func:`nps_by_group` (chi-square and Cramér's V) and :func:`compare_groups` (ANOVA with
  eta², Kruskal-Wallis with epsilon²);
- ``_drivers`` — :func:`driver_regression` (the OLS table, raw or standardised, with
  controls), :func:`key_drivers` (standardised regression, Johnson's relative weights and
  the exact Shapley/LMG split of R², bootstrap intervals), :func:`relative_weights`,
  :func:`shapley_r2`, :func:`latent_driver_weights` (the errors-in-variables corrected weights
  per latent standard deviation), :func:`importance_performance` and
  :func:`plot_importance_performance`;
- ``_loyalty`` — :func:`loyalty_model` (statsmodels' logistic model of a loyalty outcome on
  satisfaction and complaints; :func:`penalised_logit`, a weak prior on the slopes, when a
  group is all yes or all no) and :func:`repurchase_from_orders` (did respondents buy again after the
  survey, in the order table);
- ``_complaints`` — :func:`complaint_summary`, :func:`service_recovery`,
  :func:`complaint_p_chart` (weekly p-chart, three-sigma limits), :func:`plot_p_chart`,
  :func:`expected_false_alarms`, :func:`inject_complaint_spike` (a seeded simulated spike)
  and :func:`spike_detection_power` (how many periods the chart should flag for it);
- ``_decision`` — :func:`nps_response` (promoter and detractor curves in overall satisfaction)
  and :func:`driver_decision` (the decision table).

Nothing here loads data or changes global state at import.
"""

from __future__ import annotations

from crmlib.satisfaction._complaints import (
    PChart,
    complaint_p_chart,
    complaint_summary,
    expected_false_alarms,
    inject_complaint_spike,
    plot_p_chart,
    service_recovery,
    spike_detection_power,
)
from crmlib.satisfaction._decision import NPSResponse, driver_decision, nps_response
from crmlib.satisfaction._drivers import (
    DriverResult,
    LatentWeights,
    driver_regression,
    importance_performance,
    key_drivers,
    latent_driver_weights,
    plot_importance_performance,
    relative_weights,
    shapley_r2,
)
from crmlib.satisfaction._loyalty import LoyaltyModel, loyalty_model, penalised_logit, repurchase_from_orders
from crmlib.satisfaction._reliability import (
    AlphaResult,
    FactorCheck,
    ReliabilityResult,
    cronbach_alpha,
    factor_check,
    reverse_items,
    scale_reliability,
)
from crmlib.satisfaction._scores import (
    GroupComparison,
    NPSResult,
    ShareResult,
    compare_groups,
    csat,
    expected_nps,
    nps,
    nps_by_group,
    nps_margin_of_error,
    nps_sample_size,
)

__all__ = [
    "AlphaResult",
    "DriverResult",
    "FactorCheck",
    "GroupComparison",
    "LatentWeights",
    "LoyaltyModel",
    "NPSResponse",
    "NPSResult",
    "PChart",
    "ReliabilityResult",
    "ShareResult",
    "compare_groups",
    "complaint_p_chart",
    "complaint_summary",
    "cronbach_alpha",
    "csat",
    "driver_decision",
    "driver_regression",
    "expected_nps",
    "expected_false_alarms",
    "factor_check",
    "importance_performance",
    "inject_complaint_spike",
    "key_drivers",
    "latent_driver_weights",
    "loyalty_model",
    "nps",
    "nps_by_group",
    "nps_margin_of_error",
    "nps_response",
    "nps_sample_size",
    "penalised_logit",
    "plot_importance_performance",
    "plot_p_chart",
    "relative_weights",
    "repurchase_from_orders",
    "reverse_items",
    "scale_reliability",
    "service_recovery",
    "shapley_r2",
    "spike_detection_power",
]
