"""Competitor price index and price gaps by region, channel or any grouping.

The price index of a group is a quantity-weighted ratio (a Laspeyres-type index at today's
basket)::

    index = 100 * sum(w * own price) / sum(w * competitor price)

with weights ``w`` (units sold; equal weights when none are given).  100 means price parity,
above 100 dearer than competitors.  The price gap of a row is ``own / competitor - 1``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib._validation import check_frame, check_values
from crmlib.exceptions import DataError
from crmlib.pricing._checks import as_columns, positive_column

__all__ = ["price_gaps", "price_index"]


def price_gaps(
    frame: pd.DataFrame, *, price_col: str = "price", competitor_col: str = "competitor_price"
) -> pd.DataFrame:
    """Row-level gaps: ``gap`` (own - competitor) and ``gap_pct`` (own / competitor - 1).

    Examples
    --------
    >>> import pandas as pd
    >>> price_gaps(pd.DataFrame({"price": [11.0, 9.0], "competitor_price": [10.0, 10.0]}))
       gap  gap_pct
    0  1.0      0.1
    1 -1.0     -0.1
    """
    where = "price_gaps"
    check_frame(frame, "frame", where=where, columns=[price_col, competitor_col])
    fix = "Prices must be positive; set such rows aside first."
    p = positive_column(frame, price_col, where=where, what="a price gap", fix=fix)
    c = positive_column(frame, competitor_col, where=where, what="a price gap", fix=fix)
    return pd.DataFrame({"gap": p - c, "gap_pct": p / c - 1}, index=frame.index)


def price_index(
    frame: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = ("region",),
    price_col: str = "price",
    competitor_col: str = "competitor_price",
    weight_col: str | None = None,
) -> pd.DataFrame:
    """Competitor price index (parity = 100) and gap statistics per group.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per item/period/place with our and the competitors' price.
    by : str, sequence of str or None
        Grouping columns (e.g. ``["region", "channel"]``); None gives one overall row.
    price_col, competitor_col : str
        Our price and the competitors' (both > 0).
    weight_col : str, optional
        Quantity weights (e.g. ``units``; >= 0); equal weights when None.

    Returns
    -------
    pandas.DataFrame
        Per group: ``n``, ``price_index``, ``mean_gap_pct``, ``share_above`` (rows dearer
        than competitors) and ``share_below``.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"region": ["N", "N", "S"], "price": [11.0, 9.0, 20.0],
    ...                   "competitor_price": [10.0, 10.0, 20.0], "units": [3, 1, 5]})
    >>> price_index(t, weight_col="units")
            n  price_index  mean_gap_pct  share_above  share_below
    region
    N       2        105.0           0.0          0.5          0.5
    S       1        100.0           0.0          0.0          0.0
    """
    where = "price_index"
    keys = as_columns(by, "by", where=where)
    cols = [price_col, competitor_col, *keys] + ([weight_col] if weight_col else [])
    check_frame(frame, "frame", where=where, columns=cols)
    gaps = price_gaps(frame, price_col=price_col, competitor_col=competitor_col)
    w = np.ones(len(frame)) if weight_col is None else _weights(frame, weight_col, where)
    work = pd.DataFrame({"own": w * frame[price_col].to_numpy(dtype="float64"),
                         "comp": w * frame[competitor_col].to_numpy(dtype="float64"),
                         "gap": gaps["gap_pct"].to_numpy(), "above": gaps["gap"].gt(0).to_numpy(),
                         "below": gaps["gap"].lt(0).to_numpy()}, index=frame.index)
    for k in keys:
        work[k] = frame[k]
    g = work.groupby(list(keys), observed=True, sort=True) if keys else \
        work.groupby(np.zeros(len(work), dtype=int))
    out = pd.DataFrame({"n": g.size().astype("int64"),
                        "price_index": 100 * g["own"].sum() / g["comp"].sum(),
                        "mean_gap_pct": g["gap"].mean(), "share_above": g["above"].mean(),
                        "share_below": g["below"].mean()})
    if not keys:
        out.index = pd.Index(["all"], name="group")
    if not np.isfinite(out["price_index"]).all():
        empty = list(out.index[~np.isfinite(out["price_index"])])
        raise DataError(f"{where}: the weights {weight_col!r} add up to 0 in groups {empty}, so "
                        f"their index is undefined. Drop those groups or use other weights.")
    return out


def _weights(frame: pd.DataFrame, col: str, where: str) -> np.ndarray:
    check_values(frame, [col], where=where, what="frame",
                 fix="Weights are quantities (e.g. units sold): finite and >= 0.")
    if not pd.api.types.is_numeric_dtype(frame[col]):
        raise DataError(f"{where}: weights {col!r} must be numeric; got dtype "
                        f"{frame[col].dtype}. Pass a units column.")
    return frame[col].to_numpy(dtype="float64")
