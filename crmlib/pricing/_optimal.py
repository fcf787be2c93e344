"""The profit-maximising price under constant elasticity (the markup rule) and profit curves.

With demand ``q(p) = q0 * (p / p0) ** e`` and a constant unit cost ``c``, profit
``(p - c) q(p)`` is maximised at the Lerner/Amoroso-Robinson markup rule

    p* = c * e / (1 + e),   i.e.   (p* - c) / p* = -1 / e,

which exists only for elastic demand, ``e < -1``.  For ``-1 <= e < 0`` revenue rises with
price while units and cost fall, so under this model profit rises without bound: there is no
interior optimum, and the honest advice is to raise the price step by step and re-estimate.
The uncertainty of ``e`` carries over exactly: ``p*`` is monotone in ``e`` and, at each price,
profit is monotone in ``e``, so the interval ends of ``e`` give the interval ends of both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import check_real
from crmlib.exceptions import DataError, ParameterError
from crmlib.plotting import get_ax
from crmlib.pricing._checks import numeric_array

__all__ = ["ProfitCurve", "markup_price", "optimal_prices", "plot_profit_curve", "profit_curve"]


def _refuse_inelastic(e: np.ndarray, where: str) -> None:
    bad = ~(e < -1)
    if bad.any():
        shown = ", ".join(f"{v:g}" for v in e[bad][:3])
        raise ParameterError(
            f"The 'elasticity' parameter of {where} must be < -1 (elastic demand) for the "
            f"markup rule. Got {shown} instead. With elasticity >= -1, raising the price "
            f"raises revenue and lowers cost, so under constant elasticity profit has no "
            f"maximum: there is no optimal price to report. Raise the price in small steps "
            f"and re-estimate, and do not extrapolate beyond the observed prices.")


def markup_price(elasticity: Any, unit_cost: Any) -> Any:
    """The profit-maximising price ``c * e / (1 + e)`` for a constant elasticity ``e < -1``.

    Parameters
    ----------
    elasticity : float or array-like
        Own-price elasticity, strictly below -1.
    unit_cost : float or array-like
        Marginal (unit) cost, > 0.

    Returns
    -------
    float or numpy.ndarray
        The optimal price (a float for scalar input); always above ``unit_cost``.

    Raises
    ------
    ParameterError
        An elasticity >= -1 (no optimum) or a non-positive cost.

    Examples
    --------
    >>> markup_price(-2.0, 10.0)
    20.0
    >>> markup_price([-3.0, -1.5], 10.0).round(2).tolist()
    [15.0, 30.0]
    >>> markup_price(-0.8, 10.0)
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'elasticity' parameter of markup_price must be < -1 (elastic demand) for the markup rule. Got -0.8 instead. With elasticity >= -1, raising the price raises revenue and lowers cost, so under constant elasticity profit has no maximum: there is no optimal price to report. Raise the price in small steps and re-estimate, and do not extrapolate beyond the observed prices.
    """
    where = "markup_price"
    scalar = np.ndim(elasticity) == 0 and np.ndim(unit_cost) == 0
    e = numeric_array(elasticity, "elasticity", where=where)
    c = numeric_array(unit_cost, "unit_cost", where=where, positive=True)
    _refuse_inelastic(e, where)
    price = c * e / (1 + e)
    return float(price[0]) if scalar else price


def _interval(e: float, se: float, alpha: float, where: str) -> tuple[float, float]:
    check_real(e, "elasticity", where=where)
    check_real(se, "std_error", where=where, low=0)
    z = critical_value(alpha, where=where)
    return e - z * se, e + z * se


@dataclass(frozen=True, repr=False)
class ProfitCurve(SummaryDisplay):
    """Profit over a price grid with its band, from :func:`profit_curve`.

    Attributes
    ----------
    table : pandas.DataFrame
        Per price: ``units``, ``revenue``, ``profit``, ``profit_low``, ``profit_high`` (the
        profit at the ends of the elasticity's interval) and ``extrapolated`` (outside the
        observed price range).
    elasticity, std_error, alpha : float
        The elasticity, its standard error and the interval's alpha.
    optimal_price, optimal_low, optimal_high : float
        The markup-rule price and its interval (NaN when demand is inelastic; ``inf`` as the
        upper end when the interval reaches -1).
    notes : tuple of str
    """

    _html_table = "table"
    _html_notes = "notes"
    _html_lines = 2

    table: pd.DataFrame
    elasticity: float
    std_error: float
    alpha: float
    unit_cost: float
    optimal_price: float
    optimal_low: float
    optimal_high: float
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The profit table (a copy)."""
        return self.table.copy()

    def summary(self, alpha: float | None = None) -> str:
        """Text summary (the interval's level is fixed when the curve is made)."""
        level = 1 - (self.alpha if alpha is None else alpha)
        if alpha is not None and alpha != self.alpha:
            raise ParameterError(f"The 'alpha' parameter of ProfitCurve.summary must be the "
                                 f"curve's own ({self.alpha:g}); got {alpha!r}. Call "
                                 f"profit_curve(..., alpha={alpha!r}) for another band.")
        lines = [f"Profit curve: elasticity {self.elasticity:.3f} (SE {self.std_error:.3f}), "
                 f"unit cost {self.unit_cost:,.2f}"]
        if np.isnan(self.optimal_price):
            lines.append("No optimal price: demand is inelastic (elasticity >= -1).")
        else:
            lines.append(f"Optimal price {self.optimal_price:,.2f} ({level:.0%} interval "
                         f"{self.optimal_low:,.2f} to {self.optimal_high:,.2f})")
        return "\n".join(lines + format_notes(self.notes))


def _optimum(e: float, lo: float, hi: float, c: float) -> tuple[float, float, float]:
    if not e < -1:
        return np.nan, np.nan, np.nan
    low = c * lo / (1 + lo)
    high = c * hi / (1 + hi) if hi < -1 else np.inf
    return c * e / (1 + e), low, high


def _curve_notes(e: float, hi: float, opt: tuple[float, float, float],
                 observed: tuple[float, float] | None) -> tuple[str, ...]:
    notes = []
    if not e < -1:
        notes.append(f"Elasticity {e:.3f} >= -1: profit rises with price over the whole curve; "
                     f"there is no optimal price under constant elasticity.")
    elif not hi < -1:
        notes.append("The elasticity's interval reaches -1: the optimal price has no upper "
                     "bound at this confidence level.")
    if observed is not None and np.isfinite(opt[0]) and not observed[0] <= opt[0] <= observed[1]:
        notes.append(f"The optimal price {opt[0]:,.2f} lies outside the observed prices "
                     f"{observed[0]:,.2f} to {observed[1]:,.2f}: the constant-elasticity model "
                     f"is extrapolated there; move towards it in steps and re-estimate.")
    return tuple(notes)


def profit_curve(
    elasticity: float,
    std_error: float,
    *,
    unit_cost: float,
    current_price: float,
    current_units: float,
    prices: Sequence[float] | None = None,
    alpha: float = 0.05,
    observed_range: tuple[float, float] | None = None,
) -> ProfitCurve:
    """Profit over a price grid under constant elasticity, with the band from its SE.

    Demand through the current point: ``units(p) = current_units * (p / current_price) ** e``;
    ``profit = (p - unit_cost) * units``.  The band is the profit at the two ends of the
    ``1 - alpha`` interval of ``e`` (exact pointwise: profit is monotone in ``e``).

    Parameters
    ----------
    elasticity, std_error : float
        The fitted elasticity and its standard error (e.g. from :func:`fit_elasticity`).
    unit_cost, current_price, current_units : float
        Unit cost, today's price and units (> 0).
    prices : sequence of float, optional
        Price grid (default 101 prices from half to twice the current price).
    alpha : float
        1 - confidence level of the band.
    observed_range : (float, float), optional
        Lowest and highest observed prices; prices outside are flagged ``extrapolated``.

    Returns
    -------
    ProfitCurve

    Examples
    --------
    >>> curve = profit_curve(-2.0, 0.1, unit_cost=10.0, current_price=15.0, current_units=100.0,
    ...                      prices=[12.0, 20.0, 30.0], observed_range=(12.0, 25.0))
    >>> curve.optimal_price
    20.0
    >>> curve.table[["profit", "extrapolated"]].round(1)
           profit  extrapolated
    price
    12.0    312.5         False
    20.0    562.5         False
    30.0    500.0          True
    >>> print(f"{curve.optimal_low:.2f} to {curve.optimal_high:.2f}")
    18.36 to 22.44
    """
    where = "profit_curve"
    e, se = float(elasticity), float(std_error)
    lo, hi = _interval(e, se, alpha, where)
    c = check_real(unit_cost, "unit_cost", where=where, low=0, low_inclusive=False)
    p0 = check_real(current_price, "current_price", where=where, low=0, low_inclusive=False)
    q0 = check_real(current_units, "current_units", where=where, low=0, low_inclusive=False)
    grid = np.linspace(0.5 * p0, 2 * p0, 101) if prices is None else \
        np.sort(numeric_array(prices, "prices", where=where, positive=True))
    units = q0 * (grid / p0) ** e
    ends = np.stack([(grid - c) * q0 * (grid / p0) ** x for x in (lo, hi)])
    table = pd.DataFrame({"units": units, "revenue": grid * units, "profit": (grid - c) * units,
                          "profit_low": ends.min(axis=0), "profit_high": ends.max(axis=0)},
                         index=pd.Index(grid, name="price"))
    observed = None
    if observed_range is not None:
        observed = tuple(numeric_array(observed_range, "observed_range", where=where,
                                       positive=True))
        if len(observed) != 2 or observed[0] > observed[1]:
            raise ParameterError(f"The 'observed_range' parameter of {where} must be (low, "
                                 f"high) with low <= high. Got {observed_range!r} instead.")
    table["extrapolated"] = False if observed is None else \
        (grid < observed[0]) | (grid > observed[1])
    opt = _optimum(e, lo, hi, c)
    return ProfitCurve(table=table, elasticity=e, std_error=se, alpha=float(alpha), unit_cost=c,
                       optimal_price=opt[0], optimal_low=opt[1], optimal_high=opt[2],
                       notes=_curve_notes(e, hi, opt, observed))


def optimal_prices(
    result: Any, unit_cost: Mapping[Any, float] | pd.Series, *, alpha: float = 0.05
) -> pd.DataFrame:
    """The markup-rule price per group of an :class:`ElasticityResult`, with its interval.

    Parameters
    ----------
    result : ElasticityResult
        From :func:`fit_elasticity`.
    unit_cost : mapping or Series
        Unit cost per group (same labels as ``result.elasticities``).
    alpha : float
        1 - confidence level.

    Returns
    -------
    pandas.DataFrame
        Per group: ``elasticity``, ``std_error``, ``unit_cost``, ``optimal_price``,
        ``price_low``, ``price_high``, ``price_to_cost`` and ``status`` ('optimum',
        'no upper bound' when the interval reaches -1, 'inelastic: no optimum').

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> fake = SimpleNamespace(elasticities=pd.DataFrame(
    ...     {"elasticity": [-2.0, -0.8], "std_error": [0.05, 0.05]}, index=["a", "b"]))
    >>> optimal_prices(fake, {"a": 10.0, "b": 5.0})[["optimal_price", "status"]]
       optimal_price                 status
    a           20.0                optimum
    b            NaN  inelastic: no optimum
    """
    where = "optimal_prices"
    table = getattr(result, "elasticities", None)
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"The 'result' parameter of {where} must be an ElasticityResult "
                             f"(from fit_elasticity). Got a {type(result).__name__} instead.")
    cost = pd.Series(unit_cost, dtype="float64").reindex(table.index)
    if cost.isna().any() or (cost <= 0).any():
        raise DataError(f"{where}: 'unit_cost' needs a positive cost for every group; missing "
                        f"or non-positive for {list(table.index[cost.isna() | (cost <= 0)])}.")
    rows = []
    for label, row in table.iterrows():
        lo, hi = _interval(row["elasticity"], row["std_error"], alpha, where)
        opt = _optimum(row["elasticity"], lo, hi, cost[label])
        status = "inelastic: no optimum" if np.isnan(opt[0]) else \
            "no upper bound" if np.isinf(opt[2]) else "optimum"
        rows.append({"elasticity": row["elasticity"], "std_error": row["std_error"],
                     "unit_cost": cost[label], "optimal_price": opt[0], "price_low": opt[1],
                     "price_high": opt[2], "price_to_cost": opt[0] / cost[label],
                     "status": status})
    return pd.DataFrame(rows, index=table.index)


def plot_profit_curve(curve: ProfitCurve, *, ax: Any = None, label: str | None = None) -> Any:
    """Draw a :class:`ProfitCurve`: profit, its band, the optimum and extrapolated prices.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> c = profit_curve(-2.0, 0.1, unit_cost=10, current_price=15, current_units=100)
    >>> ax = plot_profit_curve(c, ax=ax)
    >>> len(ax.lines[0].get_xdata())
    101
    >>> plt.close(fig)
    """
    if not isinstance(curve, ProfitCurve):
        raise ParameterError(f"The 'curve' parameter of plot_profit_curve must be a "
                             f"ProfitCurve. Got a {type(curve).__name__} instead.")
    ax = get_ax(ax, where="plot_profit_curve")
    t = curve.table
    ax.plot(t.index, t["profit"], label=label or "expected profit")
    ax.fill_between(t.index, t["profit_low"], t["profit_high"], alpha=0.25,
                    label=f"{1 - curve.alpha:.0%} band (elasticity's SE)")
    if np.isfinite(curve.optimal_price):
        ax.axvline(curve.optimal_price, color="grey", linestyle="--", linewidth=1,
                   label=f"markup-rule price {curve.optimal_price:,.2f}")
    if t["extrapolated"].any():
        ext = t.index[t["extrapolated"].to_numpy()]
        ax.scatter(ext, t.loc[ext, "profit"], s=8, color="grey", label="extrapolated")
    ax.set_xlabel("price")
    ax.set_ylabel("profit")
    ax.set_title("Profit by price (constant elasticity)")
    ax.legend()
    return ax
