"""Cost analysis to a cost floor, and cost-plus against value-based prices.

- The **short-run floor** is the variable cost per unit (materials, production, selling): below
  it every unit sold loses money.  The **long-run floor** adds fixed cost (overhead) per unit:
  below it the product does not pay for itself.
- **Cost-plus**: ``price = full cost x (1 + markup)``.
- **Value-based** (economic value to the customer): ``price = the next-best alternative's
  price + the value of our differences`` (negative when we are worse).

The rule of :func:`compare_prices`: recommend the value-based price when it clears the
long-run floor; between the floors it is a short-run price only; below the short-run floor
the product should not be sold at what customers value it at.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from crmlib._validation import check_frame, check_values
from crmlib.exceptions import DataError
from crmlib.pricing._checks import as_columns, positive_column

__all__ = ["compare_prices", "cost_floor", "implied_markup"]


def _nonneg(frame: pd.DataFrame, cols: Sequence[str], where: str) -> np.ndarray:
    check_values(frame, cols, where=where, what="frame",
                 fix="Costs are amounts per unit: finite and >= 0.")
    return frame[list(cols)].to_numpy(dtype="float64").sum(axis=1) if cols else \
        np.zeros(len(frame))


def cost_floor(
    frame: pd.DataFrame,
    *,
    variable_cols: str | Sequence[str] = ("materials", "production", "selling"),
    fixed_cols: str | Sequence[str] = ("overhead",),
    volume_col: str | None = None,
) -> pd.DataFrame:
    """Variable cost, full cost and the short- and long-run cost floors per unit.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per product.
    variable_cols : str or sequence of str
        Variable cost per unit (e.g. materials, production, selling).
    fixed_cols : str or sequence of str
        Fixed cost: per unit, or per period when ``volume_col`` gives the units it spreads over.
    volume_col : str, optional
        Units per period (> 0) over which fixed costs are spread.

    Returns
    -------
    pandas.DataFrame
        ``variable_cost``, ``fixed_cost_per_unit``, ``full_cost``, ``short_run_floor``
        (= variable cost) and ``long_run_floor`` (= full cost).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"materials": [4.0], "production": [2.0], "selling": [1.0],
    ...                   "overhead": [3000.0], "volume": [1000]})
    >>> cost_floor(t, volume_col="volume")[["short_run_floor", "long_run_floor"]]
       short_run_floor  long_run_floor
    0              7.0            10.0
    """
    where = "cost_floor"
    var = as_columns(variable_cols, "variable_cols", where=where)
    fixed = as_columns(fixed_cols, "fixed_cols", where=where)
    if not var:
        raise DataError(f"{where}: 'variable_cols' is empty; a cost floor needs the variable "
                        f"cost per unit. Pass e.g. variable_cols=['unit_cost'].")
    check_frame(frame, "frame", where=where,
                columns=[*var, *fixed] + ([volume_col] if volume_col else []))
    variable = _nonneg(frame, var, where)
    fixed_total = _nonneg(frame, fixed, where)
    if volume_col is not None:
        fixed_total = fixed_total / positive_column(
            frame, volume_col, where=where, what="spreading fixed costs",
            fix="A product with no volume has no cost per unit: set it aside.")
    full = variable + fixed_total
    return pd.DataFrame({"variable_cost": variable, "fixed_cost_per_unit": fixed_total,
                         "full_cost": full, "short_run_floor": variable,
                         "long_run_floor": full}, index=frame.index)


def compare_prices(
    floors: pd.DataFrame,
    *,
    markup: float | pd.Series,
    reference_price: pd.Series,
    differentiation_value: pd.Series | float = 0.0,
) -> pd.DataFrame:
    """Cost-plus against value-based prices, checked against the cost floors.

    Parameters
    ----------
    floors : pandas.DataFrame
        From :func:`cost_floor`.
    markup : float or Series
        Cost-plus markup on full cost (0.25 = 25%).
    reference_price : Series
        Price of the customer's next-best alternative (e.g. the competitor's price).
    differentiation_value : Series or float
        Value of our differences to the customer (negative when worse).

    Returns
    -------
    pandas.DataFrame
        ``cost_plus_price``, ``value_price``, ``value_minus_cost_plus`` and
        ``recommendation`` ('value-based', 'short-run only (below full cost)',
        'do not sell at value (below variable cost)').

    Examples
    --------
    >>> import pandas as pd
    >>> floors = pd.DataFrame({"short_run_floor": [7.0, 7.0, 7.0],
    ...                        "long_run_floor": [10.0, 10.0, 10.0]})
    >>> table = compare_prices(floors, markup=0.3, reference_price=pd.Series([12.0, 9.0, 6.0]))
    >>> table["cost_plus_price"].tolist(), table["value_price"].tolist()
    ([13.0, 13.0, 13.0], [12.0, 9.0, 6.0])
    >>> table["recommendation"].tolist()
    ['value-based', 'short-run only (below full cost)', 'do not sell at value (below variable cost)']
    """
    where = "compare_prices"
    check_frame(floors, "floors", where=where, columns=["short_run_floor", "long_run_floor"],
                hint="Pass the output of cost_floor().")
    mk = pd.Series(markup, index=floors.index, dtype="float64")
    if mk.isna().any() or (mk < 0).any():
        raise DataError(f"{where}: 'markup' must be >= 0 for every row; got "
                        f"{mk[mk.isna() | (mk < 0)].head(3).tolist()}. Pass e.g. markup=0.25.")
    value = pd.Series(reference_price, dtype="float64").reindex(floors.index) + \
        pd.Series(differentiation_value, index=floors.index, dtype="float64")
    if value.isna().any():
        raise DataError(f"{where}: 'reference_price' is missing for {int(value.isna().sum())} "
                        f"rows (e.g. {list(floors.index[value.isna()][:3])}). Align its index.")
    cost_plus = floors["long_run_floor"] * (1 + mk)
    rec = np.where(value >= floors["long_run_floor"], "value-based",
                   np.where(value >= floors["short_run_floor"], "short-run only (below full cost)",
                            "do not sell at value (below variable cost)"))
    return pd.DataFrame({"cost_plus_price": cost_plus, "value_price": value,
                         "value_minus_cost_plus": value - cost_plus, "recommendation": rec},
                        index=floors.index)


def implied_markup(
    products: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = "category",
    cost_col: str = "unit_cost",
    price_col: str = "list_price",
) -> pd.DataFrame:
    """The markup a price list implies, ``price / cost - 1``, per group.

    Returns
    -------
    pandas.DataFrame
        Per group: ``n``, ``median_markup``, ``min_markup``, ``max_markup`` and
        ``rounding_bound`` (``0.005 / smallest cost``: how far a markup can move when
        prices are rounded to the cent).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"category": ["a", "a"], "unit_cost": [10.0, 20.0],
    ...                   "list_price": [12.5, 25.0]})
    >>> implied_markup(t)[["n", "median_markup"]]
              n  median_markup
    category
    a         2           0.25
    """
    where = "implied_markup"
    keys = as_columns(by, "by", where=where)
    check_frame(products, "products", where=where, columns=[cost_col, price_col, *keys])
    fix = "Set products without a cost or price aside first."
    cost = positive_column(products, cost_col, where=where, what="a markup", fix=fix)
    price = positive_column(products, price_col, where=where, what="a markup", fix=fix)
    work = pd.DataFrame({"markup": price / cost - 1, "cost": cost}, index=products.index)
    for k in keys:
        work[k] = products[k]
    g = work.groupby(list(keys), observed=True, sort=True) if keys else \
        work.groupby(np.zeros(len(work), dtype=int))
    return pd.DataFrame({"n": g.size().astype("int64"), "median_markup": g["markup"].median(),
                         "min_markup": g["markup"].min(), "max_markup": g["markup"].max(),
                         "rounding_bound": 0.005 / g["cost"].min()})


