"""Customer segmentation: RFM, ABC grading, lead qualification, clustering and cross-tabs.

The public face of lesson 02's module; each subject lives in a private module:

- ``_rfm`` — :func:`rfm_table` (recency, frequency, monetary per customer, from
  :func:`crmlib.engine.purchase_days`), :func:`rfm_scores`, the named segments of
  :func:`rfm_segment_rules` / :func:`rfm_segments`, and :func:`segment_summary`;
- ``_abc`` — ABC grading (ABC 分類): :func:`gini`, :func:`concentration_curve` and its plot,
  :func:`abc_classes`, :func:`spend_growth`, multi-criteria :func:`grade_customers`;
- ``_leads`` — MAN + credit lead qualification (潛在客戶評分): :func:`lead_score`,
  :func:`true_lead_logit`, :func:`lead_score_check`;
- ``_clusters`` — :func:`customer_features`, k selection (:func:`select_k`,
  :func:`plot_k_selection`), :func:`fit_segments` and :func:`cluster_stability`;
- ``_crosstab`` — descriptive segmentation: :func:`crosstab_test` (chi-square, Cramér's V);
- ``_grading`` — grading beyond value: :func:`purchase_probability` (購買概率, from the
  last horizon's repeat rate per R x F cell) and :func:`grade_check` (how well a grade ranks
  the true future value, against a baseline, with bootstrap intervals);
- ``_decisions`` — the decision table: :data:`SEGMENT_ACTIONS` (segment -> action of
  :data:`ACTIONS`) and :func:`segment_decisions` (customers, revenue share, action, expected
  margin per segment).

Nothing here changes global state; thread limits for reproducible clustering are set inside a
scope and restored.
"""

from __future__ import annotations

from crmlib.segmentation._abc import (
    ABCResult,
    abc_classes,
    concentration_curve,
    gini,
    grade_customers,
    plot_concentration_curve,
    spend_growth,
)
from crmlib.segmentation._clusters import (
    FEATURE_GROUPS,
    ClusterSelection,
    SegmentModel,
    cluster_stability,
    customer_features,
    fit_segments,
    plot_k_selection,
    select_k,
)
from crmlib.segmentation._crosstab import CrosstabResult, crosstab_test
from crmlib.segmentation._decisions import (
    ACTIONS,
    SEGMENT_ACTIONS,
    SegmentDecisions,
    segment_decisions,
)
from crmlib.segmentation._grading import GradeCheck, grade_check, purchase_probability
from crmlib.segmentation._leads import (
    LEAD_POINTS,
    LeadScoreCheck,
    lead_score,
    lead_score_check,
    true_lead_logit,
)
from crmlib.segmentation._rfm import (
    rfm_scores,
    rfm_segment_rules,
    rfm_segments,
    rfm_table,
    segment_summary,
)

__all__ = [
    "ACTIONS",
    "ABCResult",
    "ClusterSelection",
    "CrosstabResult",
    "FEATURE_GROUPS",
    "GradeCheck",
    "LEAD_POINTS",
    "LeadScoreCheck",
    "SEGMENT_ACTIONS",
    "SegmentDecisions",
    "SegmentModel",
    "abc_classes",
    "cluster_stability",
    "concentration_curve",
    "crosstab_test",
    "customer_features",
    "fit_segments",
    "gini",
    "grade_check",
    "grade_customers",
    "lead_score",
    "lead_score_check",
    "plot_concentration_curve",
    "plot_k_selection",
    "purchase_probability",
    "rfm_scores",
    "rfm_segment_rules",
    "rfm_segments",
    "rfm_table",
    "segment_decisions",
    "segment_summary",
    "select_k",
    "spend_growth",
    "true_lead_logit",
]
