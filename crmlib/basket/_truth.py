"""The category affinities the default data imply: expected pair lift from the category mix.

The generator gives every order ``n`` lines (``1 + min(Poisson(0.6), 7)``) and draws each
line's category independently, *with replacement*, from the mix ``p`` of the customer's
(segment, family stage) cell.  Given ``n`` and ``p`` the basket holds category A with
probability ``1 - (1 - p_A)^n`` and both A and B with probability
``1 - (1 - p_A)^n - (1 - p_B)^n + (1 - p_A - p_B)^n``.  Averaged over the orders, these are the
expected supports, and the expected lift is ``E[P(A, B)] / (E[P(A)] E[P(B)])``.  Within one
cell and one basket size the categories are negatively associated (lines compete for the same
slots); lift above 1 arises from the mixture: customers whose cell favours two categories buy
both more often, and larger baskets hold more of every category.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from crmlib._validation import check_columns, format_examples
from crmlib.exceptions import DataError

__all__ = ["default_category_lift", "expected_pair_lift"]


def expected_pair_lift(mix: pd.DataFrame, cells: pd.Series | np.ndarray, sizes: pd.Series | np.ndarray) -> pd.DataFrame:
    """Expected supports, confidences and lift of every item pair under independent lines.

    Parameters
    ----------
    mix : pandas.DataFrame
        One row per cell (index: cell label), one column per item: the probability that a line
        of an order of that cell is the item (rows sum to 1).
    cells : array-like
        The cell of each order.
    sizes : array-like of int
        The number of lines of each order (each line an independent draw from its cell's row).

    Returns
    -------
    pandas.DataFrame
        Index (``item_a``, ``item_b``) for every pair with ``item_a`` before ``item_b`` in
        ``mix``'s columns; columns ``support_a``, ``support_b``, ``support``,
        ``confidence_ab`` (a => b), ``confidence_ba``, ``lift`` and ``leverage``.

    Examples
    --------
    One cell: two equally likely items, two lines per order; the pair needs one of each:

    >>> mix = pd.DataFrame({"x": [0.5], "y": [0.5]}, index=["c"])
    >>> t = expected_pair_lift(mix, ["c", "c"], [2, 2])
    >>> t[["support_a", "support", "lift"]].round(3).values.tolist()
    [[0.75, 0.5, 0.889]]
    """
    cells = np.asarray(cells, dtype=object)
    sizes = np.asarray(sizes, dtype=np.int64)
    unknown = pd.Index(pd.unique(cells)).difference(mix.index)
    if len(unknown):
        raise DataError(f"expected_pair_lift: {len(unknown)} order cells are not rows of mix (e.g. "
                        f"{format_examples(unknown)}). Rows present: {list(mix.index)[:5]}...")
    groups = pd.DataFrame({"cell": cells, "n": sizes}).value_counts().rename("w").reset_index()
    w = groups["w"].to_numpy(dtype=np.float64) / len(cells)
    p = mix.loc[groups["cell"]].to_numpy(dtype=np.float64)
    n = groups["n"].to_numpy(dtype=np.float64)[:, None]
    miss = (1.0 - p) ** n  # P(item absent) per group
    single = w @ (1.0 - miss)
    names = list(mix.columns)
    rows = []
    for a, b in combinations(range(len(names)), 2):
        both = float(w @ (1.0 - miss[:, a] - miss[:, b] + (1.0 - p[:, a] - p[:, b]) ** n[:, 0]))
        sa, sb = float(single[a]), float(single[b])
        rows.append((names[a], names[b], sa, sb, both, both / sa, both / sb, both / (sa * sb), both - sa * sb))
    out = pd.DataFrame(rows, columns=["item_a", "item_b", "support_a", "support_b", "support",
                                      "confidence_ab", "confidence_ba", "lift", "leverage"])
    return out.set_index(["item_a", "item_b"])


def default_category_lift(truth: dict, customers: pd.DataFrame, truth_customers: pd.DataFrame,
                          orders: pd.DataFrame, order_lines: pd.DataFrame) -> pd.DataFrame:
    """:func:`expected_pair_lift` of the default data's categories for the given orders.

    Each order's cell is its customer's true segment (``truth_customers``) and family stage
    (``customers``); its size is its number of lines in ``order_lines``; the mix is
    ``truth["category_mix"]["by_segment_and_stage"]``.  Pass the orders whose baskets are
    mined (e.g. the completed orders of one region).

    Examples
    --------
    >>> import crmlib.datasets as ds
    >>> d = ds.load_default(tables=["orders", "order_lines", "customers", "truth_customers"])
    >>> t = default_category_lift(d.truth, d.customers, d.truth_customers, d.orders, d.order_lines)
    >>> t["lift"].idxmax(), bool(t["lift"].max() < 1)
    (('electronics', 'apparel'), True)
    """
    where = "default_category_lift"
    check_columns(list(customers.columns), ["customer_id", "family_stage"], where=where)
    check_columns(list(truth_customers.columns), ["customer_id", "segment"], where=where)
    check_columns(list(orders.columns), ["order_id", "customer_id"], where=where)
    check_columns(list(order_lines.columns), ["order_id"], where=where)
    spec = truth["category_mix"]
    mix = pd.DataFrame({k: v for k, v in spec["by_segment_and_stage"].items()}, index=spec["categories"]).T
    cell = (truth_customers.set_index("customer_id")["segment"].astype(str) + "|"
            + customers.set_index("customer_id")["family_stage"].astype(str))
    sizes = order_lines.groupby("order_id", observed=True).size()
    o = orders[["order_id", "customer_id"]]
    n = sizes.reindex(o["order_id"]).to_numpy()
    if np.isnan(n.astype(float)).any():
        raise DataError(f"{where}: {int(np.isnan(n.astype(float)).sum()):,} orders have no lines in "
                        "order_lines; pass the lines of the same orders.")
    return expected_pair_lift(mix, cell.reindex(o["customer_id"]).to_numpy(), n.astype(np.int64))
