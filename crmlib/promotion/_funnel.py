"""Campaign KPI funnel: exposure, clicks, conversion, revenue, cost, ROI and incremental ROI.

A campaign's *ROI* counts all the revenue of the treated customers against its cost, but many
of them would have bought anyway; the randomised control says how many.  The *incremental*
figures use ``treatment - control`` per customer, times the treated customers:

    incremental revenue = (revenue per treated - revenue per control) x n_treated
    incremental ROI     = (margin x incremental revenue - cost) / cost

with intervals from Welch's interval of the per-customer difference (Newcombe's for the
conversions).  ``margin`` is the gross-margin rate of the revenue; without it the
incremental ROI is on revenue, which overstates the return of any discount campaign.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib._validation import check_frame, check_real, format_examples
from crmlib.exceptions import DataError
from crmlib.promotion._intervals import newcombe_interval, welch_interval

__all__ = ["campaign_funnel"]

_STAGES = ("delivered", "opened", "clicked", "converted")


def campaign_funnel(
    campaigns: pd.DataFrame,
    *,
    by: str | Sequence[str] = "campaign_id",
    group_col: str = "group",
    treatment: object = "treatment",
    control: object = "control",
    stages: Sequence[str] = _STAGES,
    revenue_col: str = "revenue",
    cost_col: str = "cost",
    margin: float | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The funnel and return of each campaign, naive and incremental, with intervals.

    Parameters
    ----------
    campaigns : pandas.DataFrame
        One row per targeted customer (the default data's ``campaigns``): the arm, 0/1
        ``stages`` in funnel order (the last is the conversion), revenue and cost.
    by : str or sequence of str
        Campaign key(s).
    group_col, treatment, control : str, object
        The arm column and its two labels.
    stages : sequence of str
        0/1 columns in funnel order; each rate is of the previous stage (the first of all
        treated customers).  The last stage is compared with the control.
    revenue_col, cost_col : str
        Per-customer revenue and cost.
    margin : float or None
        Gross-margin rate in (0, 1] applied to incremental revenue; None uses revenue.
    alpha : float
        Two-sided level of the intervals.

    Returns
    -------
    pandas.DataFrame
        Per campaign: ``n_treatment``, ``n_control``; ``<stage>_rate`` for each stage
        among the treated; ``conversion_treatment``, ``conversion_control``,
        ``incremental_conversions`` with ``_low``/``_high``; ``revenue``, ``cost``, ``roi``
        (naive); ``incremental_revenue`` with ``_low``/``_high``; ``incremental_roi`` with
        ``_low``/``_high``; ``cost_per_incremental_conversion``.

    Raises
    ------
    DataError
        Missing columns, stages that are not 0/1, an arm with fewer than two customers in a
        campaign, negative costs.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({
    ...     "campaign_id": "C1", "group": ["treatment"] * 4 + ["control"] * 4,
    ...     "delivered": [1, 1, 1, 0, 0, 0, 0, 0], "converted": [1, 1, 0, 0, 1, 0, 0, 0],
    ...     "revenue": [50.0, 30, 0, 0, 40, 0, 0, 0], "cost": [1.0, 1, 1, 1, 0, 0, 0, 0]})
    >>> f = campaign_funnel(rows, stages=["delivered", "converted"])
    >>> f.loc["C1", ["delivered_rate", "converted_rate", "incremental_revenue", "roi"]].tolist()
    [0.75, 0.6666666666666666, 40.0, 19.0]
    """
    where = "campaign_funnel"
    keys = [by] if isinstance(by, str) else list(by)
    stages = list(stages)
    if not stages:
        raise DataError(f"{where}: 'stages' is empty; give the 0/1 funnel columns in order, "
                        "ending with the conversion.")
    check_frame(campaigns, "campaigns", where=where,
                columns=[*keys, group_col, *stages, revenue_col, cost_col])
    if margin is not None:
        margin = check_real(margin, "margin", where=where, low=0, high=1, low_inclusive=False)
    for col in stages:
        v = campaigns[col].to_numpy(dtype="float64", na_value=np.nan)
        if not np.isin(v, (0.0, 1.0)).all():
            raise DataError(f"{where}: stage {col!r} must be 0/1; got "
                            f"{format_examples(campaigns[col][~np.isin(v, (0.0, 1.0))])}.")
    for col in (revenue_col, cost_col):
        v = campaigns[col].to_numpy(dtype="float64", na_value=np.nan)
        if not np.isfinite(v).all():
            raise DataError(f"{where}: column {col!r} has missing values; a customer with no "
                            "purchase has revenue 0, fill only those.")
    if (campaigns[cost_col] < 0).any():
        raise DataError(f"{where}: column {cost_col!r} has negative costs (e.g. "
                        f"{format_examples(campaigns.loc[campaigns[cost_col] < 0, cost_col])}).")
    conv = stages[-1]
    rows = {}
    for key, g in campaigns.groupby(keys, observed=True, sort=True):
        label = key[0] if len(keys) == 1 else key
        t = g[g[group_col] == treatment]
        c = g[g[group_col] == control]
        if len(t) < 2 or len(c) < 2:
            raise DataError(f"{where}: campaign {label!r} has {len(t)} {treatment!r} and "
                            f"{len(c)} {control!r} customers; each arm needs at least two. "
                            "Check the group labels (treatment=, control=).")
        row: dict[str, float] = {"n_treatment": len(t), "n_control": len(c)}
        prev = np.ones(len(t), dtype=bool)
        for col in stages:
            cur = t[col].to_numpy(dtype="float64") == 1
            row[f"{col}_rate"] = cur[prev].mean() if prev.any() else np.nan
            prev = cur
        kt, kc = int(t[conv].sum()), int(c[conv].sum())
        d, lo, hi = newcombe_interval(kt, len(t), kc, len(c), alpha=alpha, where=where)
        row.update(conversion_treatment=kt / len(t), conversion_control=kc / len(c),
                   incremental_conversions=d * len(t), incremental_conversions_low=lo * len(t),
                   incremental_conversions_high=hi * len(t))
        rt, rc = t[revenue_col].to_numpy(float), c[revenue_col].to_numpy(float)
        dr, lr, hr, _, _ = welch_interval(rt.mean(), rt.var(ddof=1), len(rt), rc.mean(),
                                          rc.var(ddof=1), len(rc), alpha=alpha, where=where)
        cost = float(t[cost_col].sum() + c[cost_col].sum())
        revenue = float(rt.sum())
        m = 1.0 if margin is None else margin
        inc = np.array([dr, lr, hr]) * len(t)
        with np.errstate(divide="ignore", invalid="ignore"):
            roi = (revenue - cost) / cost if cost > 0 else np.nan
            iroi = (m * inc - cost) / cost if cost > 0 else np.full(3, np.nan)
            per = cost / (d * len(t)) if d > 0 else np.nan
        row.update(revenue=revenue, cost=cost, roi=roi, incremental_revenue=inc[0],
                   incremental_revenue_low=inc[1], incremental_revenue_high=inc[2],
                   incremental_roi=iroi[0], incremental_roi_low=iroi[1],
                   incremental_roi_high=iroi[2], cost_per_incremental_conversion=per)
        rows[label] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = keys[0] if len(keys) == 1 else None
    if len(keys) > 1:
        table.index = pd.MultiIndex.from_tuples(table.index, names=keys)
    table[["n_treatment", "n_control"]] = table[["n_treatment", "n_control"]].astype("int64")
    return table
