"""Pricing: cost floors, price elasticity, the markup rule, price indices, surveys, bundles.

The public face of lesson 04's module; each subject lives in a private module:

- ``_elasticity`` — :func:`fit_elasticity` (log-log demand with controls, absorbed fixed
  effects, cluster-robust errors), :func:`naive_elasticity` (the omitted-variable trap) and
  :func:`compare_elasticities`;
- ``_optimal`` — the markup rule :func:`markup_price` (refused for elasticity >= -1),
  :func:`optimal_prices` per group, :func:`profit_curve` with its band and
  :func:`plot_profit_curve`;
- ``_survey`` — survey pricing: :func:`van_westendorp` (the four curves, acceptable range,
  OPP/IDP, an explicit rule for multiple crossings via :func:`crossing_price`, the
  Newton-Miller-Smith trial and revenue curves), :func:`likert_to_probability`,
  :func:`gabor_granger` (isotonic demand, revenue) and their plots.

Nothing here changes global state.
"""

from __future__ import annotations

from crmlib.pricing._elasticity import (
    ElasticityResult,
    compare_elasticities,
    fit_elasticity,
    naive_elasticity,
)
from crmlib.pricing._optimal import (
    ProfitCurve,
    markup_price,
    optimal_prices,
    plot_profit_curve,
    profit_curve,
)
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
    "ElasticityResult",
    "GaborGrangerResult",
    "ProfitCurve",
    "VanWestendorpResult",
    "compare_elasticities",
    "crossing_price",
    "fit_elasticity",
    "gabor_granger",
    "likert_to_probability",
    "markup_price",
    "naive_elasticity",
    "optimal_prices",
    "plot_gabor_granger",
    "plot_profit_curve",
    "plot_van_westendorp",
    "profit_curve",
    "van_westendorp",
]
