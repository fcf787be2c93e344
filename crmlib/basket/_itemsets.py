"""Frequent itemsets counted on the sparse basket matrix (level-wise Apriori).

Singletons are column sums; pairs are the upper triangle of ``X.T @ X`` over the frequent
columns only; itemsets of three or more items are Apriori candidates (joined on a common
prefix, pruned when a subset is infrequent) counted by intersecting the baskets of their
prefix and counting the items of those baskets, one prefix at a time.  Memory stays bounded by
the frequent columns and one prefix's baskets, never a dense basket x item matrix.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_int, check_real
from crmlib.basket._matrix import Baskets
from crmlib.exceptions import ParameterError

__all__ = ["Itemsets", "frequent_itemsets"]

#: Default ceiling on the number of itemsets of one level (candidates or frequent).
MAX_ITEMSETS = 2_000_000


class _BySize(SummaryDisplay):
    """Shared display of itemsets and rules: a table with a ``size`` column, and notes."""

    _html_table = "table"
    _html_notes = "notes"
    _html_float = "{:.4f}"

    def _sizes(self, pattern: str) -> str:
        by = self.table["size"].value_counts().sort_index()  # type: ignore[attr-defined]
        return ", ".join(pattern.format(n=n, k=k) for k, n in by.items()) or "none"


@dataclass(frozen=True, repr=False)
class Itemsets(_BySize):
    """Frequent itemsets with their counts.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per frequent itemset: ``itemset`` (tuple of items, sorted), ``size``,
        ``count`` (baskets holding every item of it) and ``support`` (count / baskets); by size,
        then count (descending).
    counts : dict
        Itemset (tuple of column codes of ``items``, ascending) -> count: the lookup rules use.
    items : pandas.Index
        The items of the basket matrix.
    n_baskets : int
    min_support, min_count : float, int
        The threshold and the smallest count that reaches it (``count >= min_support x n``).
    max_len : int or None
    notes : tuple of str
    """

    table: pd.DataFrame
    counts: dict
    items: pd.Index
    n_baskets: int
    min_support: float
    min_count: int
    max_len: int | None
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> str:
        sizes = self._sizes("{n:,} of size {k}")
        lines = [f"Frequent itemsets: {len(self.table):,} at min_support={self.min_support:g} "
                 f"(count >= {self.min_count:,} of {self.n_baskets:,} baskets): {sizes}"]
        return "\n".join(lines + format_notes(self.notes))


def _min_count(min_support: float, n: int) -> int:
    # support >= min_support, with a tolerance for a threshold given as a rounded share
    return max(1, math.ceil(min_support * n - 1e-9))


def _guard(count: int, level: int, min_support: float, max_itemsets: int) -> None:
    if count > max_itemsets:
        raise ParameterError(
            f"frequent_itemsets: min_support={min_support:g} gives {count:,} itemsets of size {level} "
            f"(or more) to count, more than max_itemsets={max_itemsets:,}: the threshold is too low for this "
            f"data (nearly everything is frequent). Raise min_support, set max_len, or raise "
            f"max_itemsets if you really need them all.")


def _candidates(prev: list[tuple[int, ...]], prev_set: set, limit: int, min_support: float) -> list[tuple[int, ...]]:
    """Apriori join (same prefix) and prune (every subset frequent) of sorted (k-1)-tuples.

    Stops with the guard's error as soon as more than ``limit`` candidates are made.
    """
    groups: dict[tuple[int, ...], list[int]] = defaultdict(list)
    for t in prev:
        groups[t[:-1]].append(t[-1])
    out = []
    for prefix, lasts in groups.items():
        lasts.sort()
        for a_i, a in enumerate(lasts):
            for b in lasts[a_i + 1:]:
                cand = prefix + (a, b)
                if all(cand[:j] + cand[j + 1:] in prev_set for j in range(len(prefix))):
                    out.append(cand)
            if len(out) > limit:
                _guard(len(out), len(prefix) + 2, min_support, limit)
    return out


def frequent_itemsets(
    baskets: Baskets,
    min_support: float,
    *,
    max_len: int | None = None,
    max_itemsets: int = MAX_ITEMSETS,
) -> Itemsets:
    """Every itemset held by at least ``min_support`` of the baskets.

    Parameters
    ----------
    baskets : Baskets
        From :func:`basket_matrix` or :func:`baskets_from_lists`.
    min_support : float in (0, 1]
        An itemset is frequent when ``count / n_baskets >= min_support`` (the convention of
        arules and mlxtend).
    max_len : int, optional
        Largest itemset size (default: no limit).
    max_itemsets : int
        Guard: when one level has more candidates than this, a :class:`ParameterError` names
        ``min_support`` and the count, instead of running out of memory.

    Returns
    -------
    Itemsets
        Empty (with a note saying the most frequent item's support) when no item reaches
        ``min_support``.

    Examples
    --------
    >>> from crmlib.basket import baskets_from_lists
    >>> b = baskets_from_lists([["a", "b", "c"], ["a", "b"], ["a", "c"], ["b"]])
    >>> frequent_itemsets(b, 0.5).table[["itemset", "count"]].to_dict("list")
    {'itemset': [('a',), ('b',), ('c',), ('a', 'b'), ('a', 'c')], 'count': [3, 3, 2, 2, 2]}
    """
    where = "frequent_itemsets"
    if not isinstance(baskets, Baskets):
        raise ParameterError(f"{where}: 'baskets' must be a Baskets (from basket_matrix or "
                             f"baskets_from_lists). Got a {type(baskets).__name__}.")
    min_support = check_real(min_support, "min_support", where=where, low=0, high=1, low_inclusive=False)
    if max_len is not None:
        max_len = check_int(max_len, "max_len", where=where, low=1)
    max_itemsets = check_int(max_itemsets, "max_itemsets", where=where, low=1)
    X = baskets.matrix
    n = baskets.n_baskets
    min_count = _min_count(min_support, n)
    notes: list[str] = []
    col = np.asarray(X.sum(axis=0)).ravel().astype(np.int64)
    freq = np.flatnonzero(col >= min_count)
    counts: dict[tuple[int, ...], int] = {(int(i),): int(col[i]) for i in freq}
    if len(freq) == 0:
        best = int(col.max()) if len(col) else 0
        notes.append(f"No item reaches min_support={min_support:g} ({min_count:,} baskets): the most "
                     f"frequent item is in {best:,} baskets (support {best / max(n, 1):.4g}). Lower "
                     f"min_support below that to find itemsets.")
    _guard(len(freq), 1, min_support, max_itemsets)
    if len(freq) >= 2 and (max_len is None or max_len >= 2):
        Xf = X[:, freq].astype(np.int32)
        per_basket = np.diff(Xf.indptr).astype(np.int64)
        bound = min(len(freq) * (len(freq) - 1) // 2, int((per_basket * (per_basket - 1) // 2).sum()))
        if bound > 20 * max_itemsets:  # the co-occurrence product itself would not fit
            _guard(bound, 2, min_support, max_itemsets)
        co = sp.triu(Xf.T @ Xf, k=1).tocoo()
        keep = co.data >= min_count
        _guard(int(keep.sum()), 2, min_support, max_itemsets)
        level = sorted((int(freq[i]), int(freq[j])) for i, j in zip(co.row[keep], co.col[keep]))
        for i, j, c in zip(co.row[keep], co.col[keep], co.data[keep]):
            counts[(int(freq[i]), int(freq[j]))] = int(c)
        if len(level) == 0 and np.all(baskets.sizes <= 1):
            notes.append("Every basket holds a single item, so no pair of items is ever bought together: "
                         "there are no itemsets of two or more items and no rules. Group items coarser "
                         "(categories) or take a customer's purchases as the basket.")
        size = 2
        csc = X.tocsc()
        csc.sort_indices()
        while level and (max_len is None or size < max_len):
            cands = _candidates(level, set(level), max_itemsets, min_support)
            _guard(len(cands), size + 1, min_support, max_itemsets)
            if not cands:
                break
            by_prefix: dict[tuple[int, ...], list[int]] = defaultdict(list)
            for c in cands:
                by_prefix[c[:-1]].append(c[-1])
            nxt = []
            for prefix, exts in by_prefix.items():
                cols = sorted(prefix, key=lambda j: csc.indptr[j + 1] - csc.indptr[j])
                rows = csc.indices[csc.indptr[cols[0]]:csc.indptr[cols[0] + 1]]
                for j in cols[1:]:
                    rows = np.intersect1d(rows, csc.indices[csc.indptr[j]:csc.indptr[j + 1]], assume_unique=True)
                    if len(rows) < min_count:
                        break
                if len(rows) < min_count:
                    continue
                sub = X[rows]
                got = np.bincount(sub.indices, minlength=X.shape[1])[exts]
                for e, c in zip(exts, got):
                    if c >= min_count:
                        t = prefix + (e,)
                        counts[t] = int(c)
                        nxt.append(t)
            nxt.sort()
            level = nxt
            size += 1
    return _make(counts, baskets.items, n, min_support, min_count, max_len, notes)


def _make(counts, items, n, min_support, min_count, max_len, notes) -> Itemsets:
    keys = list(counts)
    labels = np.asarray(items, dtype=object)
    table = pd.DataFrame({
        "itemset": [tuple(labels[list(k)]) for k in keys],
        "size": np.array([len(k) for k in keys], dtype=np.int64),
        "count": np.array([counts[k] for k in keys], dtype=np.int64),
    })
    table["support"] = table["count"] / max(n, 1)
    if len(table):
        table["_key"] = [tuple(sorted(map(str, t))) for t in table["itemset"]]
        table = table.sort_values(["size", "count", "_key"], ascending=[True, False, True], kind="stable")
        table = table.drop(columns="_key").reset_index(drop=True)
    return Itemsets(table, counts, items, n, min_support, min_count, max_len, tuple(notes))
