"""Baskets as a sparse basket x item 0/1 matrix, built from long (basket, item) rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from crmlib._results import SummaryDisplay
from crmlib._validation import check_columns, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["Baskets", "basket_matrix", "baskets_from_lists"]


@dataclass(frozen=True, repr=False)
class Baskets(SummaryDisplay):
    """A basket x item incidence matrix.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        ``n_baskets x n_items``, 1 where the basket holds the item (an item bought on several
        lines of one basket counts once), dtype ``int8``.
    items : pandas.Index
        The item of each column (sorted).
    baskets : pandas.Index
        The basket of each row (sorted).
    """

    matrix: sp.csr_matrix
    items: pd.Index
    baskets: pd.Index

    _html_table = "frequencies"

    @property
    def n_baskets(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def n_items(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def sizes(self) -> np.ndarray:
        """Number of distinct items in each basket."""
        return np.diff(self.matrix.indptr)

    @property
    def frequencies(self) -> pd.DataFrame:
        """Per item: ``count`` (baskets holding it) and ``support`` (their share), most frequent first."""
        count = np.asarray(self.matrix.sum(axis=0)).ravel().astype(np.int64)
        out = pd.DataFrame({"count": count, "support": count / max(self.n_baskets, 1)},
                           index=pd.Index(self.items, name="item"))
        return out.sort_values(["count"], ascending=False, kind="stable")

    def size_distribution(self) -> pd.Series:
        """Number of baskets by number of distinct items."""
        sizes = pd.Series(self.sizes, name="baskets")
        return sizes.value_counts().sort_index().rename_axis("items")

    def summary(self) -> str:
        sizes = self.sizes
        density = self.matrix.nnz / max(self.n_baskets * self.n_items, 1)
        single = float(np.mean(sizes == 1)) if len(sizes) else 0.0
        return (f"Baskets: {self.n_baskets:,} baskets x {self.n_items:,} items, density "
                f"{density:.5f}; {sizes.mean() if len(sizes) else 0:.2f} items per basket on average, "
                f"{single:.1%} with one item")


def _build(codes_b: np.ndarray, codes_i: np.ndarray, n_b: int, n_i: int) -> sp.csr_matrix:
    data = np.ones(len(codes_b), dtype=np.int8)
    m = sp.csr_matrix((data, (codes_b, codes_i)), shape=(n_b, n_i))
    m.sum_duplicates()
    m.data[:] = 1  # an item on several lines of a basket counts once
    return m


def basket_matrix(lines: pd.DataFrame, *, basket: str = "order_id", item: str = "product_id") -> Baskets:
    """The basket x item 0/1 matrix of long ``(basket, item)`` rows (e.g. order lines).

    Parameters
    ----------
    lines : pandas.DataFrame
        One row per line; only the two columns are used. Items may be product ids, categories
        or subclasses (merge them on first).
    basket, item : str
        Column names of the basket key and the item.

    Returns
    -------
    Baskets

    Raises
    ------
    DataError
        When a column is missing or holds missing values.

    Examples
    --------
    >>> lines = pd.DataFrame({"order_id": [1, 1, 2, 2, 2], "product_id": ["a", "b", "a", "c", "c"]})
    >>> b = basket_matrix(lines)
    >>> b.matrix.toarray().tolist(), list(b.items)
    ([[1, 1, 0], [1, 0, 1]], ['a', 'b', 'c'])
    """
    where = "basket_matrix"
    if not isinstance(lines, pd.DataFrame):
        raise ParameterError(f"{where}: 'lines' must be a pandas DataFrame of (basket, item) rows. "
                             f"Got a {type(lines).__name__}.")
    check_columns(list(lines.columns), [basket, item], where=where,
                  hint="Pass basket= and item= with the names of your columns.")
    for col in (basket, item):
        miss = lines[col].isna().to_numpy()
        if miss.any():
            rows = lines.index[miss][:3].tolist()
            raise DataError(f"{where}: column {col!r} has {int(miss.sum()):,} missing values (rows "
                            f"{format_examples(rows)}); every line needs a {col}. Drop or fill them first.")
    b_codes, b_levels = pd.factorize(lines[basket], sort=True)
    i_codes, i_levels = pd.factorize(lines[item], sort=True)
    m = _build(b_codes, i_codes, len(b_levels), len(i_levels))
    return Baskets(m, pd.Index(i_levels, name="item"), pd.Index(b_levels, name=basket))


def baskets_from_lists(baskets: Iterable[Sequence[object]]) -> Baskets:
    """The :class:`Baskets` of a list of baskets, each a sequence of items (e.g. Groceries' lines).

    Examples
    --------
    >>> baskets_from_lists([["milk", "bread"], ["milk"], ["bread", "bread", "eggs"]]).matrix.sum(axis=0).tolist()
    [[2, 1, 2]]
    """
    rows, items, n = [], [], 0
    for k, basket in enumerate(baskets):
        n = k + 1
        if isinstance(basket, str):
            raise ParameterError("baskets_from_lists: each basket must be a sequence of items, not a "
                                 f"string (basket {k}: {basket!r}). Split it first, e.g. line.split(',').")
        for it in basket:
            rows.append(k)
            items.append(it)
    if not items:
        raise DataError("baskets_from_lists: no items in any basket. Pass a list of baskets, each a "
                        "list of items.")
    i_codes, i_levels = pd.factorize(pd.Series(items, dtype=object), sort=True)
    m = _build(np.asarray(rows), i_codes, n, len(i_levels))
    return Baskets(m, pd.Index(i_levels, name="item"), pd.RangeIndex(n, name="basket"))
