"""Channel optimisation (lesson 06): which channels earn their money, and where the next yuan goes.

The public face of the lesson's module; each subject lives in a private module:

- ``_attribution`` — multi-touch attribution on customer journeys: :func:`journey_paths`
  (integer-coded paths), :func:`rule_attribution` (first, last, linear, position-based,
  time-decay), :func:`markov_attribution` (removal effects of an order-k absorbing chain,
  solved exactly), :func:`chain_removal_effects` (the same for a chain given by its
  probabilities), :func:`shapley_attribution` (exact Shapley values) and
  :func:`attribution_intervals` (bootstrap intervals of the shares), and
  :func:`simulate_journeys` (journeys drawn from a known chain);
- ``_budget`` — the budget optimiser: :func:`hill_response` (the steady-state response curve
  of an adstock + Hill channel) and :func:`optimise_budget` (a fixed weekly total or the
  largest total at a target ROAS, per-channel bounds, locked channels, the binding
  constraints and the shadow price of the budget).

Nothing here loads data or changes global state at import.
"""

from __future__ import annotations

from crmlib.channels._budget import BudgetResult, hill_response, optimise_budget
from crmlib.channels._attribution import (
    JourneyPaths,
    MarkovAttribution,
    attribution_intervals,
    chain_removal_effects,
    journey_paths,
    markov_attribution,
    rule_attribution,
    shapley_attribution,
    simulate_journeys,
)

__all__ = [
    "BudgetResult",
    "JourneyPaths",
    "MarkovAttribution",
    "attribution_intervals",
    "chain_removal_effects",
    "hill_response",
    "journey_paths",
    "markov_attribution",
    "optimise_budget",
    "rule_attribution",
    "shapley_attribution",
    "simulate_journeys",
]
