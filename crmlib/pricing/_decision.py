"""The price decision per product line.

:func:`price_decisions` turns fitted elasticities into a table a manager can act on: the
markup-rule price, bounded by a maximum change per step and by the cost floor, with the
expected change in units, revenue and margin under constant elasticity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import check_frame, check_real
from crmlib.exceptions import DataError
from crmlib.pricing._checks import positive_column

__all__ = ["price_decisions"]

def price_decisions(
    current: pd.DataFrame,
    elasticity: pd.Series | pd.DataFrame,
    *,
    max_change: float = 0.10,
    price_col: str = "price",
    cost_col: str = "unit_cost",
    units_col: str = "units",
    floor_col: str | None = "cost_floor",
    observed: tuple[str, str] | None = None,
) -> pd.DataFrame:
    """Recommended price per product line: the markup rule, bounded by a step and a floor.

    The rule, row by row:

    1. target = the markup-rule price ``c * e / (1 + e)`` when demand is elastic (``e < -1``);
       for inelastic demand (``e >= -1``) profit rises with price, so the target is "higher";
    2. the target is clipped to ``current * (1 +- max_change)`` (one step, then re-estimate);
    3. the result is raised to the cost floor if it lies below it.

    The expected changes assume constant elasticity through the current point:
    ``units_new = units * (p_new / p) ** e``; margin = ``(price - unit cost) * units``.

    Parameters
    ----------
    current : pandas.DataFrame
        One row per product line (its index labels the lines) with today's price, unit cost,
        units per period and, optionally, the cost floor and the observed price range.
    elasticity : Series or DataFrame
        Own-price elasticity per line (a DataFrame must have an ``elasticity`` column, e.g.
        ``fit_elasticity(...).elasticities``).
    max_change : float
        Largest price change of one step, as a fraction in (0, 1) (0.10 = +-10%).
    price_col, cost_col, units_col : str
        Columns of ``current``.
    floor_col : str or None
        Column with the lowest acceptable price (e.g. the long-run cost floor); None uses the
        unit cost.
    observed : (str, str), optional
        Columns with the lowest and highest observed price; a recommendation outside is
        flagged ``extrapolated``.

    Returns
    -------
    pandas.DataFrame
        Per line: ``elasticity``, ``current_price``, ``unit_cost``, ``cost_floor``,
        ``markup_price`` (NaN when inelastic), ``recommended_price``, ``price_change``,
        ``units_change``, ``revenue_change`` and ``margin_change`` (relative changes, as
        fractions), ``margin_change_value`` (per period, in currency), ``rule`` and, with
        ``observed``, ``extrapolated``.

    Examples
    --------
    >>> import pandas as pd
    >>> now = pd.DataFrame({"price": [10.0, 10.0, 10.0], "unit_cost": [6.0, 6.0, 9.5],
    ...                     "units": [100.0, 100.0, 100.0]}, index=["a", "b", "c"])
    >>> out = price_decisions(now, pd.Series({"a": -2.0, "b": -0.8, "c": -3.0}),
    ...                       floor_col=None)
    >>> out[["markup_price", "recommended_price", "rule"]]
       markup_price  recommended_price                            rule
    a          12.0               11.0  markup rule, capped at +10%
    b           NaN               11.0  inelastic: raise, capped at +10%
    c          14.25              11.0  markup rule, capped at +10%
    """
    where = "price_decisions"
    step = check_real(max_change, "max_change", where=where, low=0, high=1, low_inclusive=False)
    cols = [price_col, cost_col, units_col] + ([floor_col] if floor_col else []) + \
        (list(observed) if observed else [])
    check_frame(current, "current", where=where, columns=cols,
                hint="One row per product line with its price, unit cost and units.")
    fix = "Set such product lines aside first."
    p0 = positive_column(current, price_col, where=where, what="a price decision", fix=fix)
    c = positive_column(current, cost_col, where=where, what="a price decision", fix=fix)
    q0 = positive_column(current, units_col, where=where, what="a price decision", fix=fix)
    floor = c if floor_col is None else \
        positive_column(current, floor_col, where=where, what="a price decision", fix=fix)
    if isinstance(elasticity, pd.DataFrame):
        check_frame(elasticity, "elasticity", where=where, columns=["elasticity"])
        elasticity = elasticity["elasticity"]
    e_series = pd.Series(elasticity, dtype="float64").reindex(current.index)
    if e_series.isna().any():
        missing = list(current.index[e_series.isna().to_numpy()][:3])
        raise DataError(f"{where}: no elasticity for product lines {missing}; the elasticity "
                        f"must have one value for every row of 'current' (same labels).")
    e = e_series.to_numpy()
    if (e >= 0).any():
        raise DataError(f"{where}: every elasticity must be < 0 (demand falls as price rises); "
                        f"got {e_series[e >= 0].round(3).to_dict()}. Check the fit first.")
    elastic = e < -1
    with np.errstate(divide="ignore", invalid="ignore"):
        markup = np.where(elastic, c * e / (1 + e), np.nan)
    target = np.where(elastic, markup, np.inf)
    low, high = p0 * (1 - step), p0 * (1 + step)
    bounded = np.clip(target, low, high)
    price = np.maximum(bounded, floor)
    pct = f"{step:.0%}"
    rule = np.where(~elastic, f"inelastic: raise, capped at +{pct}",
                    np.where(target > high, f"markup rule, capped at +{pct}",
                             np.where(target < low, f"markup rule, capped at -{pct}",
                                      "markup rule")))
    rule = np.where(price > bounded, "raised to the cost floor", rule)
    q1 = q0 * (price / p0) ** e
    m0, m1 = (p0 - c) * q0, (price - c) * q1
    with np.errstate(divide="ignore", invalid="ignore"):
        margin_rel = np.where(m0 > 0, m1 / m0 - 1, np.nan)
    out = pd.DataFrame({
        "elasticity": e, "current_price": p0, "unit_cost": c, "cost_floor": floor,
        "markup_price": markup, "recommended_price": price, "price_change": price / p0 - 1,
        "units_change": q1 / q0 - 1, "revenue_change": price * q1 / (p0 * q0) - 1,
        "margin_change": margin_rel, "margin_change_value": m1 - m0, "rule": rule,
    }, index=current.index)
    if observed:
        lo_obs = current[observed[0]].to_numpy(dtype="float64")
        hi_obs = current[observed[1]].to_numpy(dtype="float64")
        out["extrapolated"] = (price < lo_obs) | (price > hi_obs)
    return out
