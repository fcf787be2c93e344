"""Pricing: cost floors, price elasticity, the markup rule, price indices, surveys, bundles.

The public face of lesson 04's module; each subject lives in a private module:

- ``_cost`` — cost analysis (成本分析): :func:`cost_floor` (short- and long-run floors),
  :func:`compare_prices` (cost-plus against value-based, with the floor rule) and
  :func:`implied_markup` of a price list;
- ``_elasticity`` — :func:`fit_elasticity` (log-log demand with controls, absorbed fixed
  effects, cluster-robust errors), :func:`naive_elasticity` (the omitted-variable trap) and
  :func:`compare_elasticities`;
- ``_optimal`` — the markup rule :func:`markup_price` (refused for elasticity >= -1),
  :func:`optimal_prices` per group, :func:`profit_curve` with its band and
  :func:`plot_profit_curve`;
- ``_survey`` — survey pricing: :func:`van_westendorp` (the four curves, acceptable range,
  OPP/IDP, an explicit rule for multiple crossings via :func:`crossing_price`, the
  Newton-Miller-Smith trial and revenue curves), :func:`likert_to_probability`,
  :func:`gabor_granger` (isotonic demand, revenue) and their plots;
- ``_index`` — price competitiveness (價格競爭力): :func:`price_index` (parity = 100) and
  :func:`price_gaps` by region, channel or any grouping;
- ``_bundles`` — :func:`bundle_prices`: separate, pure and mixed bundling from two
  willingness-to-pay distributions;
- ``_promotions`` — discount depth: :func:`promotion_baseline` (each week's baseline at the
  regular price without support) and :func:`discount_effects` (incremental units, revenue and
  margin per discount band, with delta-method errors);
- ``_regional`` — :func:`regional_pricing`: elasticity by region, Cochran's Q that the regions
  differ, and what a regional markup price would change;
- ``_decision`` — :func:`price_decisions` (the markup rule bounded by a step and the cost
  floor, with expected units, revenue and margin);
- ``_endings`` — psychological pricing (心理定價): :func:`price_endings` (how often prices end
  in 9, against chance), :func:`charm_effect` (the ending's lift in units at the same price
  level, inside the demand model) and :func:`charm_price` (a price moved to 3.99 or 299);
- ``_conjoint`` — choice-based conjoint: :func:`fit_conjoint` (conditional logit by maximum
  likelihood, dummy-coded part-worths, willingness to pay with delta-method errors) and
  :func:`share_of_preference` of a scenario of products.

Nothing here changes global state.
"""

from __future__ import annotations

from crmlib.pricing._bundles import BundleResult, bundle_prices
from crmlib.pricing._conjoint import ConjointResult, fit_conjoint, share_of_preference
from crmlib.pricing._cost import compare_prices, cost_floor, implied_markup
from crmlib.pricing._decision import price_decisions
from crmlib.pricing._endings import CharmEffect, charm_effect, charm_price, price_endings
from crmlib.pricing._elasticity import (
    ElasticityResult,
    compare_elasticities,
    fit_elasticity,
    naive_elasticity,
)
from crmlib.pricing._index import price_gaps, price_index
from crmlib.pricing._optimal import (
    ProfitCurve,
    markup_price,
    optimal_prices,
    plot_profit_curve,
    profit_curve,
)
from crmlib.pricing._promotions import discount_effects, promotion_baseline
from crmlib.pricing._regional import RegionalPricing, regional_pricing
from crmlib.pricing._survey import (
    GaborGrangerResult,
    VanWestendorpResult,
    crossing_price,
    gabor_granger,
    likert_to_probability,
    plot_gabor_granger,
    plot_van_westendorp,
    van_westendorp,
)

__all__ = [
    "BundleResult",
    "CharmEffect",
    "ConjointResult",
    "ElasticityResult",
    "GaborGrangerResult",
    "ProfitCurve",
    "RegionalPricing",
    "VanWestendorpResult",
    "bundle_prices",
    "charm_effect",
    "charm_price",
    "compare_elasticities",
    "compare_prices",
    "cost_floor",
    "discount_effects",
    "crossing_price",
    "fit_conjoint",
    "fit_elasticity",
    "gabor_granger",
    "implied_markup",
    "likert_to_probability",
    "markup_price",
    "naive_elasticity",
    "optimal_prices",
    "plot_gabor_granger",
    "plot_profit_curve",
    "plot_van_westendorp",
    "price_decisions",
    "price_endings",
    "price_gaps",
    "price_index",
    "regional_pricing",
    "profit_curve",
    "promotion_baseline",
    "share_of_preference",
    "van_westendorp",
]
