"""Discount depth against incremental units and margin: does a temporary price cut pay?

A promoted week sells ``units`` at ``price = regular_price x (1 - depth)``, often with flyer
(feature) and display support.  Its *baseline* is what the same week would have sold at the
regular price without support; the log-log demand model gives it row by row:

    baseline = units x exp(-(e x log(price / regular_price) + b_feature x feature
                             + b_display x display))

so the week's own noise, season and events stay in the baseline.  The incremental units split
into the price part ``baseline x ((price / regular)^e - 1)`` and the support part (the rest);
the incremental margin is ``(price - cost) x units - (regular - cost) x baseline`` — a deep cut
on a thin margin can add units and still lose money.

The coefficients come from :func:`~crmlib.pricing.fit_elasticity` (an
:class:`~crmlib.pricing.ElasticityResult`) or from a table of known values (a truth, a
published study) with columns ``elasticity``, ``feature``, ``display`` indexed by group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import check_frame, format_examples
from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing._checks import as_columns, numeric_array, positive_column

__all__ = ["discount_effects", "promotion_baseline"]

_SUPPORT = ("feature", "display")


def _effects_table(effects: Any, groups: Sequence[str], support: Sequence[str],
                   where: str) -> pd.DataFrame:
    """Elasticity and support lifts per group, from a fit or a table; with standard errors."""
    from crmlib.pricing._elasticity import ElasticityResult

    if isinstance(effects, ElasticityResult):
        coef = effects.coefficients
        terms = {"log_price": "elasticity", **{s: s for s in support}}
        present = set(coef.index.get_level_values("term"))
        missing = [t for t in terms if t not in present]
        if missing:
            raise DataError(f"{where}: the elasticity fit has no coefficient for {missing}. "
                            f"Fit it with controls={list(support)} (the support flags).")
        rows = coef[coef.index.get_level_values("term").isin(list(terms))]
        est = rows["estimate"].unstack("term").rename(columns=terms)
        se = rows["std_error"].unstack("term").rename(columns=terms).add_prefix("se_")
        table = est.join(se)
    elif isinstance(effects, pd.DataFrame):
        need = ["elasticity", *support]
        check_frame(effects, "effects", where=where, columns=need)
        table = effects[need].astype("float64")
        for c in need:
            table[f"se_{c}"] = np.nan
    else:
        raise ParameterError(f"The 'effects' parameter of {where} must be an ElasticityResult "
                             f"(from fit_elasticity) or a DataFrame with columns elasticity, "
                             f"{', '.join(support)} indexed by group. Got a "
                             f"{type(effects).__name__} instead.")
    if isinstance(table.index, pd.MultiIndex) != (len(groups) > 1):
        raise DataError(f"{where}: the effects are indexed by {list(table.index.names)} but the "
                        f"panel is grouped by {list(groups)}. Fit with the same 'by'.")
    table.index.names = list(groups)
    return table


def promotion_baseline(
    panel: pd.DataFrame,
    effects: Any,
    *,
    by: str | Sequence[str] = "category",
    units_col: str = "units",
    price_col: str = "price",
    regular_col: str = "regular_price",
    cost_col: str = "unit_cost",
    support: str | Sequence[str] = _SUPPORT,
) -> pd.DataFrame:
    """The panel with each row's baseline, incremental units and incremental margin.

    Parameters
    ----------
    panel : pandas.DataFrame
        One row per group and week (the default data's ``price_panel``).
    effects : ElasticityResult or pandas.DataFrame
        The fitted model (same ``by`` groups), or known coefficients per group.
    by : str or sequence of str
        The groups the coefficients belong to.
    units_col, price_col, regular_col, cost_col : str
        Units sold, price charged, regular (undiscounted) price and unit cost.
    support : str or sequence of str
        0/1 promotion-support columns whose coefficients (log lifts) the model holds.

    Returns
    -------
    pandas.DataFrame
        The panel's rows plus ``depth``, ``baseline``, ``incremental_units``, ``price_part``,
        ``support_part``, ``incremental_revenue`` and ``incremental_margin``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"category": ["tea"], "units": [150.0], "price": [8.0],
    ...                   "regular_price": [10.0], "unit_cost": [6.0], "feature": [0], "display": [0]})
    >>> e = pd.DataFrame({"elasticity": [-2.0], "feature": [0.2], "display": [0.1]},
    ...                  index=pd.Index(["tea"], name="category"))
    >>> row = promotion_baseline(p, e).iloc[0]
    >>> round(float(row["baseline"]), 1), round(float(row["incremental_margin"]), 1)
    (96.0, -84.0)
    """
    where = "promotion_baseline"
    groups = list(as_columns(by, "by", where=where))
    flags = list(as_columns(support, "support", where=where))
    check_frame(panel, "panel", where=where,
                columns=[*groups, units_col, price_col, regular_col, cost_col, *flags])
    table = _effects_table(effects, groups, flags, where)
    fix = "Set such rows aside first."
    price = positive_column(panel, price_col, where=where, what="a log price ratio", fix=fix)
    regular = positive_column(panel, regular_col, where=where, what="a log price ratio", fix=fix)
    units = numeric_array(panel[units_col], units_col, where=where)
    cost = numeric_array(panel[cost_col], cost_col, where=where)
    if (price > regular * (1 + 1e-9)).any():
        bad = panel.loc[price > regular * (1 + 1e-9), price_col].tolist()
        raise DataError(f"{where}: {int((price > regular * (1 + 1e-9)).sum())} rows charge more "
                        f"than the regular price (e.g. {format_examples(bad)}); a discount is "
                        f"price <= {regular_col}. Check the two columns.")
    key = pd.MultiIndex.from_frame(panel[groups]) if len(groups) > 1 else pd.Index(panel[groups[0]])
    coefs = table.reindex(key)
    if coefs["elasticity"].isna().any():
        lost = pd.Index(key[coefs["elasticity"].isna().to_numpy()]).unique().tolist()
        raise DataError(f"{where}: no coefficients for groups {format_examples(lost)}. Fit the "
                        f"model on the same panel, or add them to the effects table.")
    e = coefs["elasticity"].to_numpy()
    price_effect = e * np.log(price / regular)
    lift = np.zeros(len(panel))
    for f in flags:
        lift += coefs[f].to_numpy() * numeric_array(panel[f].astype("float64"), f, where=where)
    baseline = units * np.exp(-(price_effect + lift))
    out = panel.copy()
    out["depth"] = 1 - price / regular
    out["baseline"] = baseline
    out["incremental_units"] = units - baseline
    out["price_part"] = baseline * np.expm1(price_effect)
    out["support_part"] = out["incremental_units"] - out["price_part"]
    out["incremental_revenue"] = price * units - regular * baseline
    out["incremental_margin"] = (price - cost) * units - (regular - cost) * baseline
    # d baseline / d coefficient, for the standard errors of the band totals
    out.attrs["gradients"] = {
        "elasticity": (-baseline * np.log(price / regular), coefs["se_elasticity"].to_numpy()),
        **{f: (-baseline * panel[f].to_numpy(dtype="float64"), coefs[f"se_{f}"].to_numpy())
           for f in flags},
    }
    return out


def discount_effects(
    panel: pd.DataFrame,
    effects: Any,
    *,
    by: str | Sequence[str] = "category",
    bands: Sequence[float] = (0.0, 0.1, 0.2, 0.3, 1.0),
    **columns: Any,
) -> pd.DataFrame:
    """Incremental units, revenue and margin of promoted weeks, per group and discount band.

    Every row with a discount (``price < regular_price``) is set against its baseline (see
    :func:`promotion_baseline` and the module notes); the rows are then added up per group
    and band of discount depth.

    Parameters
    ----------
    panel, effects, by
        As for :func:`promotion_baseline`.
    bands : sequence of float
        Increasing band edges of the depth (share off the regular price), right-closed:
        the default gives (0, 10%], (10%, 20%], (20%, 30%] and more than 30%.
    **columns
        Column names passed on to :func:`promotion_baseline` (``units_col`` …, ``support``).

    Returns
    -------
    pandas.DataFrame
        Index (group…, ``band``); columns ``weeks`` (promoted rows), ``mean_depth``,
        ``units``, ``baseline``, ``incremental_units``, ``lift`` (units / baseline - 1),
        ``price_part`` and ``support_part`` (of the incremental units),
        ``incremental_revenue``, ``incremental_margin``, ``margin_per_week``, ``pays``
        (incremental margin > 0) and ``se_incremental_units`` (delta method from the
        coefficients' standard errors, covariances ignored; NaN for known coefficients).

    Raises
    ------
    ParameterError
        Band edges that do not increase or do not cover (0, 1].
    DataError
        No discounted rows, or as :func:`promotion_baseline`.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"category": "tea", "units": [100.0, 150.0], "price": [10.0, 8.0],
    ...                   "regular_price": 10.0, "unit_cost": 6.0, "feature": 0, "display": 0})
    >>> e = pd.DataFrame({"elasticity": [-2.0], "feature": [0.2], "display": [0.1]},
    ...                  index=pd.Index(["tea"], name="category"))
    >>> t = discount_effects(p, e)
    >>> t.reset_index()[["band", "weeks", "incremental_units", "pays"]].to_dict("records")
    [{'band': '10-20%', 'weeks': 1, 'incremental_units': 54.0, 'pays': False}]
    """
    where = "discount_effects"
    edges = numeric_array(bands, "bands", where=where)
    if len(edges) < 2 or np.any(np.diff(edges) <= 0) or edges[0] != 0 or edges[-1] < 1:
        raise ParameterError(f"The 'bands' parameter of {where} must be increasing edges from 0 "
                             f"to at least 1 (e.g. (0, 0.1, 0.2, 0.3, 1)). Got {list(bands)!r} "
                             f"instead.")
    rows = promotion_baseline(panel, effects, by=by, **columns)
    grads = rows.attrs.pop("gradients")
    promoted = rows["depth"].to_numpy() > 1e-9
    if not promoted.any():
        raise DataError(f"{where}: no row is sold below its regular price, so there is no "
                        f"discount to evaluate. Check the price and regular price columns.")
    labels = [f"{lo:.0%}".rstrip("%") + "-" + f"{hi:.0%}" if hi < 1 else f"over {lo:.0%}"
              for lo, hi in zip(edges[:-1], edges[1:], strict=True)]
    rows = rows.loc[promoted].copy()
    rows["band"] = pd.cut(rows["depth"], edges, labels=labels, right=True)
    groups = [*as_columns(by, "by", where=where), "band"]
    sums = ["incremental_units", "price_part", "support_part", "incremental_revenue",
            "incremental_margin", "baseline"]
    units_col = columns.get("units_col", "units")
    g = rows.groupby(groups, observed=True, sort=True)
    table = g[sums].sum()
    table.insert(0, "units", g[units_col].sum().astype("float64"))
    table.insert(0, "mean_depth", g["depth"].mean())
    table.insert(0, "weeks", g.size())
    table["lift"] = table["units"] / table["baseline"] - 1
    table["margin_per_week"] = table["incremental_margin"] / table["weeks"]
    table["pays"] = table["incremental_margin"] > 0
    var = pd.Series(0.0, index=table.index)
    for grad, se in grads.values():
        frame = pd.DataFrame({"g": grad[promoted], "se": se[promoted]}, index=rows.index)
        part = frame.groupby([rows[c] for c in groups], observed=True, sort=True)
        var = var + (part["g"].sum() * part["se"].first()) ** 2
    table["se_incremental_units"] = np.sqrt(var)
    order = ["weeks", "mean_depth", "units", "baseline", "incremental_units", "lift",
             "price_part", "support_part", "incremental_revenue", "incremental_margin",
             "margin_per_week", "pays", "se_incremental_units"]
    return table[order]
