"""Channel optimisation (lesson 06): which channels earn their money, and where the next yuan goes.

The public face of the lesson's module; each subject lives in a private module:

- ``_attribution`` — multi-touch attribution on customer journeys: :func:`journey_paths`
  (integer-coded paths), :func:`rule_attribution` (first, last, linear, position-based,
  time-decay), :func:`markov_attribution` (removal effects of an order-k absorbing chain,
  solved exactly), :func:`chain_removal_effects` (the same for a chain given by its
  probabilities), :func:`shapley_attribution` (exact Shapley values) and
  :func:`attribution_intervals` (bootstrap intervals of the shares), and
  :func:`simulate_journeys` (journeys drawn from a known chain);
- ``_pnl`` — sales-channel economics through the user's engine: :func:`channel_pnl`
  (revenue, cost of goods, gross margin, channel costs, contribution, CAC and ROAS per
  channel or channel x region), :func:`channel_overlap` (single- and multi-channel
  customers and the pairwise overlap) and :func:`price_dispersion` (the same products'
  prices across channels: channel conflict on price);
- ``_mmm`` — the marketing-mix model: :func:`fit_mmm` (geometric or Weibull adstock, Hill or
  logistic saturation, trend, seasonality, events and controls; variable projection with
  weak priors, lift-test calibration, a block bootstrap, diagnostics, response curves) and
  the transforms :func:`adstock` and :func:`saturation`;
- ``_recovery`` — :func:`mmm_recovery`: the media model fitted on seeded draws of the
  default media process, with the bias, error and interval coverage per parameter, beside
  the oracle that knows the true curves;
- ``_budget`` — the budget optimiser: :func:`hill_response` (the steady-state response curve
  of an adstock + Hill channel) and :func:`optimise_budget` (a fixed weekly total or the
  largest total at a target ROAS, per-channel bounds, locked channels, the binding
  constraints and the shadow price of the budget), and :func:`budget_plan` (the decision
  table: spend, expected revenue and ROAS with the media model's bootstrap intervals).

Nothing here loads data or changes global state at import.
"""

from __future__ import annotations

from crmlib.channels._budget import BudgetResult, budget_plan, hill_response, optimise_budget
from crmlib.channels._mmm import MMMResult, adstock, fit_mmm, saturation
from crmlib.channels._recovery import RecoveryResult, mmm_recovery
from crmlib.channels._pnl import channel_overlap, channel_pnl, price_dispersion
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
    "MMMResult",
    "MarkovAttribution",
    "RecoveryResult",
    "adstock",
    "attribution_intervals",
    "budget_plan",
    "chain_removal_effects",
    "channel_overlap",
    "channel_pnl",
    "hill_response",
    "journey_paths",
    "fit_mmm",
    "markov_attribution",
    "mmm_recovery",
    "optimise_budget",
    "price_dispersion",
    "rule_attribution",
    "saturation",
    "shapley_attribution",
    "simulate_journeys",
]
