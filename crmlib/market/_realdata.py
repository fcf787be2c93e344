"""Brand shares and concentration over time on Dominick's orange-juice data.

The public ``oj.csv`` (see :func:`crmlib.datasets.load_orange_juice`) has no store or week
column, but its rows keep the original order: store by store, and within a store one block
per brand (tropicana, minute.maid, dominicks) of equal length, week by week. We rebuild
``store`` (1, 2, ... in file order) and ``week`` (0, 1, ... within the store) from that order
and check the structure; a file in another order is refused. Stores miss different weeks, and
which weeks are missing is unknown, so by default only the stores with the full run of weeks
are used, where position and calendar week coincide.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib._validation import check_choice, check_frame, check_values
from crmlib.exceptions import DataError

__all__ = ["oj_brand_shares", "oj_store_weeks"]


def oj_store_weeks(oj: pd.DataFrame) -> pd.DataFrame:
    """Add ``store`` and ``week`` to the orange-juice rows from their order in the file.

    Examples
    --------
    >>> import pandas as pd
    >>> oj = pd.DataFrame({"brand": ["t", "t", "m", "m", "t", "m"], "sales": 1.0, "price": 1.0})
    >>> oj_store_weeks(oj)[["store", "week"]].to_numpy().tolist()
    [[1, 0], [1, 1], [1, 0], [1, 1], [2, 0], [2, 0]]
    """
    where = "oj_store_weeks"
    check_frame(oj, "oj", where=where, columns=["brand", "sales", "price"],
                hint="Pass crmlib.datasets.load_orange_juice() output.")
    brand = oj["brand"].astype(str).to_numpy()
    n_brands = len(set(brand))
    block = np.concatenate([[0], np.cumsum(brand[1:] != brand[:-1])])
    sizes = np.bincount(block)
    if (block[-1] + 1) % n_brands:
        raise DataError(f"{where}: the rows do not come in store blocks of {n_brands} brands "
                        f"({block[-1] + 1} brand runs). Pass the file in its original order.")
    per_store = sizes.reshape(-1, n_brands)
    firsts = brand[np.concatenate([[0], np.cumsum(sizes)[:-1]])].reshape(-1, n_brands)
    bad = np.flatnonzero((per_store != per_store[:, :1]).any(axis=1)
                         | np.array([len(set(r)) != n_brands for r in firsts]))
    if len(bad):
        raise DataError(f"{where}: stores {(bad[:3] + 1).tolist()} do not hold one equal-length "
                        f"run per brand (run lengths {per_store[bad[0]].tolist()}). The file "
                        f"is not in store x brand x week order; store and week cannot be rebuilt.")
    out = oj.copy()
    out["store"] = block // n_brands + 1
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    out["week"] = np.arange(len(oj)) - starts[block]
    out.attrs["weeks_per_store"] = per_store[:, 0]
    return out


def oj_brand_shares(
    oj: pd.DataFrame, *, measure: str = "revenue", stores: str = "complete",
) -> pd.DataFrame:
    """Chain-wide brand shares and HHI per week, over the stores with a full history.

    Parameters
    ----------
    oj : pandas.DataFrame
        :func:`crmlib.datasets.load_orange_juice` output, in file order.
    measure : {'revenue', 'units'}
        Share of dollar sales (sales x price) or of units.
    stores : {'complete', 'all'}
        ``'complete'``: only stores with the most weeks (their week positions are calendar
        weeks); ``'all'``: every store by week position (approximate: stores with gaps drift).

    Returns
    -------
    pandas.DataFrame
        Index ``week``; one share column per brand, ``hhi`` (0-10,000 over the three brands),
        ``leader`` and ``n_stores``.

    Examples
    --------
    >>> import pandas as pd
    >>> oj = pd.DataFrame({"brand": ["t", "t", "m", "m"], "sales": [3.0, 1.0, 1.0, 1.0],
    ...                    "price": 1.0})
    >>> oj_brand_shares(oj)[["m", "t", "hhi"]]
             m     t     hhi
    week
    0     0.25  0.75  6250.0
    1     0.50  0.50  5000.0
    """
    where = "oj_brand_shares"
    check_choice(measure, "measure", ["revenue", "units"], where=where)
    check_choice(stores, "stores", ["complete", "all"], where=where)
    rows = oj_store_weeks(oj)
    check_values(rows, ["sales", "price"], where=where, what="oj",
                 fix="Unit sales and prices are >= 0: check the file.")
    if stores == "complete":
        weeks = rows.groupby("store")["week"].transform("max")
        rows = rows[weeks == weeks.max()]
    value = rows["sales"] * (rows["price"] if measure == "revenue" else 1.0)
    wide = value.groupby([rows["week"], rows["brand"].astype(str)]).sum().unstack(fill_value=0.0)
    total = wide.sum(axis=1)
    if (total <= 0).any():
        raise DataError(f"{where}: weeks {total.index[total <= 0][:3].tolist()} have no sales.")
    shares = wide.div(total, axis=0)
    shares.columns.name = None
    shares["hhi"] = (100 * shares).pow(2).sum(axis=1)
    shares["leader"] = wide.idxmax(axis=1)
    shares["n_stores"] = rows.groupby("week")["store"].nunique()
    return shares
