"""Market analysis (lesson 01): size and growth, share and concentration, and more.

The public face of the lesson's module; each subject lives in a private module:

- ``_size`` — :func:`market_size`, :func:`market_growth` (CAGR with its period stated) and
  :func:`cagr`;
- ``_scan`` — :func:`pest_table` and :func:`swot_table`: structured tables filled from the data
  where it can, the rest left as prompts (:data:`PEST_PROMPTS`);
- ``_share`` — :func:`market_shares` (computed from revenue), :func:`hhi` (0-10,000 scale),
  :func:`concentration_ratio` (CR-k), :func:`concentration` with its trend, and
  :func:`share_trend`;
- ``_forecast`` — :func:`decompose` (STL, with trend and seasonal strength), :func:`forecast`
  (STL + damped ETS, its prediction intervals calibrated by rolling origin), :func:`backtest`
  against seasonal naive (MASE, interval coverage) and :func:`mase`;
- ``_profile`` — target customers: :func:`customer_categories`, :func:`category_profile`
  (category mix index by demographic), :func:`association_tests` (chi-square, Cramér's V,
  Holm or Benjamini-Hochberg via :func:`adjust_pvalues`) and :func:`cramers_v`;
- ``_lifecycle`` — :func:`product_sales`, :func:`panel_sales`, :func:`lifecycle_stages` (the sales-curve rule,
  stated in its module), :func:`stage_from_age` (the default data's age rule) and
  :func:`lifecycle_check` (confusion table against a truth);
- ``_realdata`` — Dominick's orange juice: :func:`oj_store_weeks` (store and week rebuilt
  from the file order, checked) and :func:`oj_brand_shares` (weekly brand shares and HHI);
- ``_positioning`` — :func:`competitor_benchmark` (gaps, ranks, what to lead with),
  :func:`positioning_map` and :func:`plot_positioning_map`;
- ``_opportunity`` — where to grow: :func:`opportunity_inputs`, :func:`split_by_segment` and
  :func:`rank_opportunities` (the rule returned in words).

Nothing here loads data or changes global state at import.
"""

from __future__ import annotations

from crmlib.market._forecast import BacktestResult, backtest, decompose, forecast, mase
from crmlib.market._lifecycle import (
    STAGES,
    lifecycle_check,
    lifecycle_stages,
    panel_sales,
    product_sales,
    stage_from_age,
)
from crmlib.market._opportunity import (
    CRITERIA,
    OpportunityResult,
    opportunity_inputs,
    rank_opportunities,
    split_by_segment,
)
from crmlib.market._positioning import (
    ATTRIBUTES,
    BenchmarkResult,
    competitor_benchmark,
    plot_positioning_map,
    positioning_map,
)
from crmlib.market._profile import (
    AssociationResult,
    adjust_pvalues,
    association_tests,
    category_profile,
    cramers_v,
    customer_categories,
)
from crmlib.market._realdata import oj_brand_shares, oj_store_weeks
from crmlib.market._scan import PEST_PROMPTS, pest_table, swot_table
from crmlib.market._share import (
    HHI_THRESHOLDS,
    ConcentrationResult,
    concentration,
    concentration_ratio,
    hhi,
    market_shares,
    share_trend,
)
from crmlib.market._size import GrowthResult, cagr, market_growth, market_size

__all__ = [
    "ATTRIBUTES",
    "AssociationResult",
    "BacktestResult",
    "BenchmarkResult",
    "CRITERIA",
    "ConcentrationResult",
    "GrowthResult",
    "HHI_THRESHOLDS",
    "OpportunityResult",
    "PEST_PROMPTS",
    "STAGES",
    "adjust_pvalues",
    "association_tests",
    "backtest",
    "cagr",
    "category_profile",
    "competitor_benchmark",
    "concentration",
    "concentration_ratio",
    "cramers_v",
    "customer_categories",
    "decompose",
    "forecast",
    "hhi",
    "lifecycle_check",
    "lifecycle_stages",
    "market_growth",
    "market_shares",
    "market_size",
    "mase",
    "oj_brand_shares",
    "oj_store_weeks",
    "opportunity_inputs",
    "panel_sales",
    "pest_table",
    "plot_positioning_map",
    "positioning_map",
    "product_sales",
    "rank_opportunities",
    "share_trend",
    "split_by_segment",
    "stage_from_age",
    "swot_table",
]
