"""Pair counts in SQL (DuckDB), for order-line tables too large to load: a Parquet file, a table."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import check_columns, check_real
from crmlib.basket._rules import lift_standard_error
from crmlib.exceptions import ParameterError

__all__ = ["pair_counts_sql"]

_SQL = """
WITH b AS (SELECT DISTINCT "{basket}" AS b, CAST("{item}" AS VARCHAR) AS i FROM lines
           WHERE "{basket}" IS NOT NULL AND "{item}" IS NOT NULL),
n AS (SELECT count(DISTINCT b) AS n FROM b),
m AS (SELECT greatest(1, ceil({min_support!r} * n - 1e-9)) AS m FROM n),
s AS (SELECT i, count(*) AS c FROM b GROUP BY i HAVING count(*) >= (SELECT m FROM m)),
f AS (SELECT b.b, b.i FROM b JOIN s USING (i)),
p AS (SELECT x.i AS item_a, y.i AS item_b, count(*) AS c FROM f x JOIN f y ON x.b = y.b AND x.i < y.i
      GROUP BY 1, 2 HAVING count(*) >= (SELECT m FROM m))
SELECT p.item_a, p.item_b, p.c AS "count", sa.c AS count_a, sb.c AS count_b, (SELECT n FROM n) AS n
FROM p JOIN s sa ON sa.i = p.item_a JOIN s sb ON sb.i = p.item_b
"""


def pair_counts_sql(lines: Any, *, basket: str = "order_id", item: str = "product_id",
                    min_support: float = 0.001) -> pd.DataFrame:
    """Every item pair held by at least ``min_support`` of the baskets, counted by DuckDB.

    The same counts as :func:`pair_lifts` of :func:`frequent_itemsets` with ``max_len=2``,
    computed as one SQL query (distinct basket-item rows, frequent items, a self-join on the
    basket), so the order lines never have to fit in memory as a frame: pass a DuckDB relation,
    e.g. ``crmlib.engine.scan("lines.parquet")``, or a pandas DataFrame.

    Returns
    -------
    pandas.DataFrame
        Index (``item_a``, ``item_b``) with ``item_a < item_b`` as text; ``count``, ``count_a``,
        ``count_b``, ``support``, ``lift`` and ``log_lift_se``, largest lift first.

    Examples
    --------
    >>> lines = pd.DataFrame({"order_id": [1, 1, 2, 2, 3], "product_id": ["a", "b", "a", "b", "c"]})
    >>> pair_counts_sql(lines, min_support=0.5)[["count", "lift"]].round(3).values.tolist()
    [[2.0, 1.5]]
    """
    where = "pair_counts_sql"
    min_support = check_real(min_support, "min_support", where=where, low=0, high=1, low_inclusive=False)
    import duckdb

    if isinstance(lines, pd.DataFrame):
        check_columns(list(lines.columns), [basket, item], where=where)
        con = duckdb.connect()
        con.register("lines", lines[[basket, item]])
        rel = con.sql(_SQL.format(basket=basket, item=item, min_support=min_support))
    elif isinstance(lines, duckdb.DuckDBPyRelation):
        check_columns(list(lines.columns), [basket, item], where=where)
        rel = lines.query("lines", _SQL.format(basket=basket, item=item, min_support=min_support))
    else:
        raise ParameterError(f"{where}: 'lines' must be a pandas DataFrame or a DuckDB relation (e.g. "
                             f"crmlib.engine.scan(path)). Got a {type(lines).__name__}.")
    out = rel.df()
    n = float(out["n"].iloc[0]) if len(out) else 1.0
    ab, a, b = (out[c].to_numpy(dtype=np.float64) for c in ("count", "count_a", "count_b"))
    out = out.drop(columns="n").astype({"count": np.int64, "count_a": np.int64, "count_b": np.int64})
    out["support"] = ab / n
    out["lift"] = ab * n / np.maximum(a * b, 1)
    out["log_lift_se"] = lift_standard_error(ab, a, b, n) if len(out) else np.zeros(0)
    out = out.sort_values(["lift", "item_a", "item_b"], ascending=[False, True, True], kind="stable")
    return out.set_index(["item_a", "item_b"])
