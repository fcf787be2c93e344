"""Pricing: cost floors, price elasticity, the markup rule, price indices, surveys, bundles.

The public face of lesson 04's module; each subject lives in a private module:

- ``_elasticity`` — :func:`fit_elasticity` (log-log demand with controls, absorbed fixed
  effects, cluster-robust errors), :func:`naive_elasticity` (the omitted-variable trap) and
  :func:`compare_elasticities`.

Nothing here changes global state.
"""

from __future__ import annotations

from crmlib.pricing._elasticity import (
    ElasticityResult,
    compare_elasticities,
    fit_elasticity,
    naive_elasticity,
)

__all__ = [
    "ElasticityResult",
    "compare_elasticities",
    "fit_elasticity",
    "naive_elasticity",
]
