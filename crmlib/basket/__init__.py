"""Cross-selling (lesson 08): market baskets, association rules, next-best offers, the relationship funnel.

The public face of the lesson's module; each subject lives in a private module:

- ``_matrix`` — :func:`basket_matrix` (the sparse basket x item 0/1 matrix of long
  (basket, item) rows) and :func:`baskets_from_lists`, giving :class:`Baskets`;
- ``_itemsets`` — :func:`frequent_itemsets`: support counting on the sparse matrix
  (singletons by column sums, pairs by ``X.T @ X`` on the frequent columns, larger itemsets
  level-wise Apriori with candidate pruning, counted by sparse row intersections), with a
  guard when a threshold makes nearly everything frequent;
- ``_rules`` — :func:`association_rules` (support, confidence, lift, leverage, conviction;
  single-item consequents by default, as in R's arules), :func:`pair_lifts` (every frequent
  pair's lift with its standard error) and :func:`lift_standard_error`;
- ``_sql`` — :func:`pair_counts_sql`: the same pair counts as one DuckDB query, for order-line
  tables too large for memory (a DuckDB relation from :func:`crmlib.engine.scan`, or a frame);
- ``_truth`` — :func:`expected_pair_lift` and :func:`default_category_lift`: the category
  lifts implied by the default data's category mix (the truth the recovered rules are
  checked against);
- ``_offers`` — next-best offers from the rules: :func:`next_best_offers`,
  :func:`popularity_offers`, :func:`offer_hit_rates` (hit rate at k on a time split) and
  :func:`offer_plan` (the decision table: whom to offer what, with the expected margin);
- ``_funnel`` — :func:`relationship_funnel`: aware -> trial -> repeat -> cross-buy -> loyal,
  and win-back, measured from the order log.

Nothing here loads data or changes global state at import.
"""

from __future__ import annotations

from crmlib.basket._itemsets import Itemsets, frequent_itemsets
from crmlib.basket._matrix import Baskets, basket_matrix, baskets_from_lists
from crmlib.basket._funnel import relationship_funnel
from crmlib.basket._offers import next_best_offers, offer_hit_rates, offer_plan, popularity_offers
from crmlib.basket._rules import Rules, association_rules, lift_standard_error, pair_lifts
from crmlib.basket._sql import pair_counts_sql
from crmlib.basket._truth import default_category_lift, expected_pair_lift

__all__ = [
    "Baskets",
    "Itemsets",
    "Rules",
    "association_rules",
    "basket_matrix",
    "baskets_from_lists",
    "default_category_lift",
    "expected_pair_lift",
    "frequent_itemsets",
    "lift_standard_error",
    "next_best_offers",
    "offer_hit_rates",
    "offer_plan",
    "pair_counts_sql",
    "pair_lifts",
    "popularity_offers",
    "relationship_funnel",
]
