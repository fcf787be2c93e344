"""Pricing: cost floors, price elasticity, the markup rule, price indices, surveys, bundles.

The public face of lesson 04's module; each subject lives in a private module:

- ``_elasticity`` — :func:`fit_elasticity` (log-log demand with controls, absorbed fixed
  effects, cluster-robust errors), :func:`naive_elasticity` (the omitted-variable trap) and
  :func:`compare_elasticities`;
- ``_optimal`` — the markup rule :func:`markup_price` (refused for elasticity >= -1),
  :func:`optimal_prices` per group, :func:`profit_curve` with its band and
  :func:`plot_profit_curve`.

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

__all__ = [
    "ElasticityResult",
    "ProfitCurve",
    "compare_elasticities",
    "fit_elasticity",
    "markup_price",
    "naive_elasticity",
    "optimal_prices",
    "plot_profit_curve",
    "profit_curve",
]
