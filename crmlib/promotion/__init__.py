"""Promotion evaluation (lesson 05): did the campaign work, for whom, and was it worth it?

The public face of the lesson's module; each subject lives in a private module:

- ``_intervals`` — intervals from counts and moments: :func:`wilson_interval`,
  :func:`newcombe_interval` (difference of proportions), :func:`welch_interval` (difference of
  means), :func:`lift_interval` (relative lift, delta method) and :func:`pooled_z_test`;
- ``_abtest`` — :func:`srm_test` (sample-ratio mismatch) and :func:`ab_test` (every arm
  against the control, CUPED with a pre-period covariate, Holm or Benjamini-Hochberg across
  arms, notes when assumptions fail);
- ``_power`` — before the test: :func:`sample_size` for a minimum detectable effect and
  :func:`minimum_detectable_effect` for a given size;
- ``_sequential`` — peeking: :func:`peeking_false_positive_rate` (checking at every look) and
  :func:`sequential_boundaries` (group-sequential boundaries from the Lan-DeMets
  O'Brien-Fleming or Pocock :func:`spend_alpha` functions);
- ``_did`` — before/after with a control: :func:`diff_in_diff` (unit means before/after or
  two-way fixed effects, standard errors clustered by unit) and :func:`event_study`
  (effects by period around the start, a joint pre-trend test, :func:`plot_event_study`);
- ``_units`` — :func:`campaign_units`: one campaign's customers with pre-send covariates
  (orders and spend before the send) for CUPED and uplift models;
- ``_uplift`` — for whom: :func:`uplift_by_segment`, :func:`fit_uplift` (two-model,
  class-transformation and transformed-outcome forest learners), :func:`qini_curve`,
  :func:`qini_coefficient` and :func:`evaluate_uplift` (curves, coefficients and the
  profit-maximising share with bootstrap intervals; :func:`plot_qini`);
- ``_decision`` — :func:`campaign_decisions`: repeat, target, stop or retest each campaign,
  with the expected incremental profit and its interval;
- ``_funnel`` — :func:`campaign_funnel`: exposure, click, conversion, revenue, cost, ROI and
  incremental ROI with intervals.

Nothing here loads data or changes global state at import.
"""

from __future__ import annotations

from crmlib.promotion._abtest import ABTestResult, SRMResult, ab_test, srm_test
from crmlib.promotion._decision import campaign_decisions
from crmlib.promotion._did import (
    DiDResult,
    EventStudyResult,
    diff_in_diff,
    event_study,
    plot_event_study,
)
from crmlib.promotion._funnel import campaign_funnel
from crmlib.promotion._intervals import (
    lift_interval,
    newcombe_interval,
    pooled_z_test,
    welch_interval,
    wilson_interval,
)
from crmlib.promotion._power import minimum_detectable_effect, sample_size
from crmlib.promotion._units import campaign_units
from crmlib.promotion._uplift import (
    UpliftEvaluation,
    UpliftModel,
    evaluate_uplift,
    fit_uplift,
    plot_qini,
    qini_coefficient,
    qini_curve,
    uplift_by_segment,
)
from crmlib.promotion._sequential import (
    peeking_false_positive_rate,
    sequential_boundaries,
    spend_alpha,
)

__all__ = [
    "ABTestResult",
    "DiDResult",
    "EventStudyResult",
    "SRMResult",
    "UpliftEvaluation",
    "UpliftModel",
    "ab_test",
    "campaign_decisions",
    "campaign_funnel",
    "campaign_units",
    "diff_in_diff",
    "evaluate_uplift",
    "event_study",
    "fit_uplift",
    "lift_interval",
    "minimum_detectable_effect",
    "newcombe_interval",
    "peeking_false_positive_rate",
    "plot_event_study",
    "plot_qini",
    "pooled_z_test",
    "qini_coefficient",
    "qini_curve",
    "sample_size",
    "sequential_boundaries",
    "spend_alpha",
    "srm_test",
    "uplift_by_segment",
    "welch_interval",
    "wilson_interval",
]
