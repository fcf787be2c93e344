"""Association rules from frequent itemsets: support, confidence, lift, leverage, conviction."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from crmlib._results import format_notes
from crmlib._validation import check_choice, check_real
from crmlib.basket._itemsets import Itemsets, _BySize
from crmlib.exceptions import ParameterError

__all__ = ["Rules", "association_rules", "lift_standard_error", "pair_lifts"]


@dataclass(frozen=True, repr=False)
class Rules(_BySize):
    """Association rules ``antecedent => consequent``.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per rule: ``antecedent`` (tuple of items), ``consequent`` (an item, or a tuple
        with ``consequents="all"``), ``size`` (items in the rule), ``count`` (baskets holding
        all of them), ``support``, ``antecedent_support``, ``consequent_support``,
        ``confidence``, ``lift``, ``leverage`` and ``conviction``; by lift, then confidence
        (descending).
    n_baskets : int
    min_support, min_confidence, min_lift : float
    consequents : str
    notes : tuple of str
    """

    table: pd.DataFrame
    n_baskets: int
    min_support: float
    min_confidence: float
    min_lift: float | None
    consequents: str
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        sizes = self._sizes("{n:,} of {k} items")
        lift = "" if self.min_lift is None else f", min_lift={self.min_lift:g}"
        head = (f"Association rules: {len(self.table):,} ({self.consequents} consequents) at "
                f"min_support={self.min_support:g}, min_confidence={self.min_confidence:g}{lift} "
                f"on {self.n_baskets:,} baskets: {sizes}")
        return "\n".join([head] + format_notes(self.notes))


def association_rules(
    itemsets: Itemsets,
    *,
    min_confidence: float = 0.5,
    min_lift: float | None = None,
    consequents: str = "single",
) -> Rules:
    """The association rules of frequent itemsets.

    For a rule ``X => Y`` over ``n`` baskets, with ``s(.)`` the share of baskets holding an
    itemset: support ``s(XY)``, confidence ``s(XY) / s(X)``, lift ``confidence / s(Y)``,
    leverage ``s(XY) - s(X) s(Y)`` and conviction ``(1 - s(Y)) / (1 - confidence)``
    (infinite when confidence is 1; Brin et al. 1997).

    Parameters
    ----------
    itemsets : Itemsets
        From :func:`frequent_itemsets`; its ``min_support`` and ``max_len`` bound the rules.
    min_confidence : float in [0, 1]
    min_lift : float, optional
        Keep only rules with at least this lift (e.g. 1: positive association).
    consequents : {"single", "all"}
        ``"single"`` (default): every rule has one item on the right, as in R's arules
        (Hahsler et al. 2005): each frequent itemset of k items gives at most k rules.
        ``"all"``: every split of an itemset into two non-empty parts, which is what mlxtend's
        ``association_rules`` returns (an itemset of k items gives up to 2^k - 2 rules), so its
        rule counts are larger at the same thresholds. Rules with an empty antecedent are never
        returned.

    Returns
    -------
    Rules
        Empty, with a note, when no itemset has two items or no rule reaches the thresholds.

    Examples
    --------
    >>> from crmlib.basket import baskets_from_lists, frequent_itemsets
    >>> b = baskets_from_lists([["a", "b"], ["a", "b"], ["a"], ["c"]])
    >>> r = association_rules(frequent_itemsets(b, 0.25), min_confidence=0.6)
    >>> r.table[["antecedent", "consequent", "confidence", "lift"]].values.tolist()
    [[('b',), 'a', 1.0, 1.3333333333333333], [('a',), 'b', 0.6666666666666666, 1.3333333333333333]]
    """
    where = "association_rules"
    if not isinstance(itemsets, Itemsets):
        raise ParameterError(f"{where}: 'itemsets' must be the Itemsets of frequent_itemsets. "
                             f"Got a {type(itemsets).__name__}.")
    min_confidence = check_real(min_confidence, "min_confidence", where=where, low=0, high=1)
    if min_lift is not None:
        min_lift = check_real(min_lift, "min_lift", where=where, low=0)
    check_choice(consequents, "consequents", ["single", "all"], where=where)
    counts = itemsets.counts
    n = itemsets.n_baskets
    labels = np.asarray(itemsets.items, dtype=object)
    ante, cons, both, ca, cc = [], [], [], [], []
    for key, c in counts.items():
        k = len(key)
        if k < 2:
            continue
        if consequents == "single":
            splits = ((key[:j] + key[j + 1:], (key[j],)) for j in range(k))
        else:
            splits = ((a, tuple(x for x in key if x not in a))
                      for r in range(1, k) for a in combinations(key, r))
        for a, y in splits:
            ante.append(a)
            cons.append(y)
            both.append(c)
            ca.append(counts[a])
            cc.append(counts[y])
    both_ = np.asarray(both, dtype=np.float64)
    s = both_ / n
    sa = np.asarray(ca, dtype=np.float64) / n
    sc = np.asarray(cc, dtype=np.float64) / n
    conf = both_ / np.maximum(np.asarray(ca, dtype=np.float64), 1)
    lift = conf / np.where(sc > 0, sc, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        conviction = np.where(conf < 1, (1 - sc) / np.where(conf < 1, 1 - conf, 1), np.inf)
    table = pd.DataFrame({
        "antecedent": [tuple(labels[list(a)]) for a in ante],
        "consequent": [labels[y[0]] if consequents == "single" else tuple(labels[list(y)]) for y in cons],
        "size": np.array([len(a) + len(y) for a, y in zip(ante, cons)], dtype=np.int64),
        "count": np.asarray(both, dtype=np.int64),
        "support": s,
        "antecedent_support": sa,
        "consequent_support": sc,
        "confidence": conf,
        "lift": lift,
        "leverage": s - sa * sc,
        "conviction": conviction,
    })
    keep = table["confidence"] >= min_confidence - 1e-12
    if min_lift is not None:
        keep &= table["lift"] >= min_lift
    table = table[keep.to_numpy()]
    notes = []
    if not any(len(k) >= 2 for k in counts):
        notes.append("No frequent itemset has two or more items, so there are no rules; lower "
                     f"min_support (now {itemsets.min_support:g}) or see the itemsets' notes.")
    elif len(table) == 0:
        notes.append(f"No rule reaches min_confidence={min_confidence:g}"
                     + ("" if min_lift is None else f" and min_lift={min_lift:g}") + "; lower them.")
    notes.extend(itemsets.notes)
    if len(table):
        table = table.assign(_a=[str(a) for a in table["antecedent"]], _c=table["consequent"].astype(str))
        table = table.sort_values(["lift", "confidence", "_a", "_c"], ascending=[False, False, True, True],
                                  kind="stable").drop(columns=["_a", "_c"])
    return Rules(table.reset_index(drop=True), n, itemsets.min_support, min_confidence, min_lift,
                 consequents, tuple(dict.fromkeys(notes)))


def lift_standard_error(count_ab, count_a, count_b, n):
    """Delta-method standard error of log(lift) of a pair from its basket counts.

    With the four cells of the 2 x 2 table of baskets as multinomial shares ``p``, and the
    gradient ``g`` of ``log lift = log p11 - log p1. - log p.1``,
    ``var = (sum p g^2 - (sum p g)^2) / n`` where ``sum p g = -1``.

    Examples
    --------
    >>> round(float(lift_standard_error(100, 400, 500, 2000)), 4)
    0.0775
    """
    ab, a, b = (np.asarray(x, dtype=np.float64) for x in (count_ab, count_a, count_b))
    p11, p10, p01 = ab / n, (a - ab) / n, (b - ab) / n
    pa, pb = a / n, b / n
    with np.errstate(divide="ignore", invalid="ignore"):
        g11 = 1 / p11 - 1 / pa - 1 / pb
        s2 = p11 * g11 ** 2 + p10 / pa ** 2 + p01 / pb ** 2 - 1
    return np.sqrt(np.maximum(s2, 0) / n)


def pair_lifts(itemsets: Itemsets) -> pd.DataFrame:
    """Every frequent pair with its lift and the standard error of log(lift).

    Returns
    -------
    pandas.DataFrame
        Index (``item_a``, ``item_b``) in the items' order; ``count``, ``count_a``,
        ``count_b``, ``support``, ``lift`` and ``log_lift_se`` (:func:`lift_standard_error`),
        largest lift first.

    Examples
    --------
    >>> from crmlib.basket import baskets_from_lists, frequent_itemsets
    >>> b = baskets_from_lists([["a", "b"], ["a", "b"], ["a"], ["c"]])
    >>> pair_lifts(frequent_itemsets(b, 0.25))["lift"].round(3).tolist()
    [1.333]
    """
    if not isinstance(itemsets, Itemsets):
        raise ParameterError(f"pair_lifts: 'itemsets' must be the Itemsets of frequent_itemsets. "
                             f"Got a {type(itemsets).__name__}.")
    c, n = itemsets.counts, itemsets.n_baskets
    keys = [k for k in c if len(k) == 2]
    labels = np.asarray(itemsets.items, dtype=object)
    ab = np.array([c[k] for k in keys], dtype=np.float64)
    a = np.array([c[(k[0],)] for k in keys], dtype=np.float64)
    b = np.array([c[(k[1],)] for k in keys], dtype=np.float64)
    out = pd.DataFrame({
        "item_a": [labels[k[0]] for k in keys], "item_b": [labels[k[1]] for k in keys],
        "count": ab.astype(np.int64), "count_a": a.astype(np.int64), "count_b": b.astype(np.int64),
        "support": ab / n, "lift": ab * n / np.maximum(a * b, 1),
        "log_lift_se": lift_standard_error(ab, a, b, n) if keys else np.zeros(0),
    })
    return out.sort_values("lift", ascending=False, kind="stable").set_index(["item_a", "item_b"])
