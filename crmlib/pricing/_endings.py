"""Price endings: how often prices end in 9, whether the ending moves demand, and charm prices.

Psychological pricing (心理定價) sets prices just below a round number — 3.99 rather than
4.00, 299 rather than 300 — on the idea that buyers read the left digits.  Whether it works is
an empirical question with a trap: a store that prints charm prices may also be the store that
advertises more, or sells more anyway.  So the ending effect is estimated *inside* the demand
model of :func:`~crmlib.pricing.fit_elasticity`: ``log(units)`` on ``log(price)``, the usual
controls and fixed effects, plus an indicator that the price ends in the charm digit.  Its
coefficient ``b`` is the log difference in units between two weeks at the *same* price level,
one ending in 9 and one not; ``exp(b) - 1`` is the lift.

- :func:`price_endings` — the share of prices ending in each kind of digit, per group, against
  the one in ten that chance gives a 9.
- :func:`charm_effect` — the ending's lift on units per group, with a confidence interval.
- :func:`charm_price` — a price moved to the nearest charm price below (or nearest) it, e.g.
  for a recommended price that should be printed as 3.99.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import (
    check_choice,
    check_frame,
    check_int,
    check_real,
    format_examples,
)
from crmlib.exceptions import DataError, ParameterError
from crmlib.pricing._checks import as_columns, numeric_array

__all__ = ["CharmEffect", "charm_effect", "charm_price", "price_endings"]

#: Name of the indicator column added (on a copy) for the regression.
_FLAG = "charm_ending"


def _minor_units(frame: pd.DataFrame, col: str, decimals: int, where: str) -> np.ndarray:
    """Prices as whole numbers of the smallest unit (cents for ``decimals=2``), checked."""
    s = frame[col]
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataError(f"{where}: column {col!r} must hold numeric prices; got dtype {s.dtype} "
                        f"(e.g. {format_examples(s.head(3))}). Convert it to numbers first.")
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(x) | ~(x > 0)
    if bad.any():
        raise DataError(f"{where}: column {col!r} must be a price > 0; {int(bad.sum())} of "
                        f"{len(x)} rows are not (e.g. {format_examples(s[bad].tolist())}). "
                        "Drop or fill those rows first.")
    scaled = x * 10.0 ** decimals
    units = np.round(scaled)
    off = np.abs(scaled - units) > 1e-6 * np.maximum(1.0, np.abs(scaled))
    if off.any():
        raise DataError(
            f"{where}: column {col!r} has {int(off.sum())} of {len(x)} prices that are not "
            f"whole multiples of {10.0 ** -decimals:g} (e.g. "
            f"{format_examples(s[off].tolist())}), so they have no printed last digit. Endings "
            "need the prices shoppers saw: use shelf or list prices, not averages, or pass "
            "the 'decimals' the prices are printed with.")
    return units.astype("int64")


def price_endings(
    frame: pd.DataFrame,
    *,
    price_col: str = "price",
    by: str | Sequence[str] | None = None,
    decimals: int = 2,
    ending: int = 9,
) -> pd.DataFrame:
    """How often prices end in the charm digit, per group, against chance.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per printed price (a store-week, a product list).
    price_col : str
        The price column; prices must be > 0 and whole multiples of ``10**-decimals``.
    by : str, sequence of str or None
        Groups (e.g. ``"brand"``); None gives one row, ``all``.
    decimals : int
        Decimals the prices are printed with: 2 for 3.99, 0 for whole yuan such as 299.
    ending : int
        The charm digit, 0 to 9 (default 9).

    Returns
    -------
    pandas.DataFrame
        Per group: ``n`` prices; ``charm_share`` (last digit is ``ending``); ``double_share``
        (last two digits both ``ending``, as in .99); ``round_share`` (last digit 0);
        ``chance`` (0.1, the share of any one last digit if endings were random) and
        ``charm_ratio`` = ``charm_share / chance``.

    Raises
    ------
    DataError
        A missing, non-numeric or non-positive price; a price with more decimals than
        ``decimals`` (an average price has no printed ending).

    Examples
    --------
    >>> import pandas as pd
    >>> shelf = pd.DataFrame({"brand": ["a", "a", "a", "b"], "price": [3.99, 3.49, 4.0, 2.5]})
    >>> price_endings(shelf, by="brand")[["n", "charm_share", "double_share", "round_share"]]
           n  charm_share  double_share  round_share
    brand
    a      3     0.666667      0.333333     0.333333
    b      1     0.000000      0.000000     1.000000
    """
    where = "price_endings"
    check_frame(frame, "frame", where=where, columns=[price_col])
    by_cols = as_columns(by, "by", where=where)
    check_frame(frame, "frame", where=where, columns=list(by_cols))
    decimals = check_int(decimals, "decimals", where=where, low=0, high=6)
    ending = check_int(ending, "ending", where=where, low=0, high=9)
    units = _minor_units(frame, price_col, decimals, where)
    if by_cols and frame[list(by_cols)].isna().any().any():
        raise DataError(f"{where}: the group columns {list(by_cols)} have missing values; "
                        "fill or drop those rows first.")
    last = units % 10
    flags = pd.DataFrame({
        "charm_share": last == ending,
        "double_share": units % 100 == 11 * ending,
        "round_share": last == 0,
    }, index=frame.index).astype("float64")
    if by_cols:
        grouped = flags.groupby([frame[c] for c in by_cols], observed=True, sort=True)
        table = grouped.mean()
        table.insert(0, "n", grouped.size().astype("int64"))
    else:
        table = flags.mean().to_frame("all").T.rename_axis("group")
        table.insert(0, "n", np.int64(len(flags)))
    table["chance"] = 0.1
    table["charm_ratio"] = table["charm_share"] / table["chance"]
    return table


@dataclass(frozen=True, repr=False)
class CharmEffect(SummaryDisplay):
    """The lift in units of a price that ends in the charm digit, per group.

    Attributes
    ----------
    effects : pandas.DataFrame
        Per group: ``charm_share``, ``coefficient`` and ``std_error`` (log lift), ``lift``
        (``exp(coefficient) - 1``), ``lift_low`` and ``lift_high`` (the interval of the
        coefficient, transformed), ``z``, ``p_value``, ``elasticity`` and ``n_obs``.
    ending : int
        The charm digit.
    alpha : float
        Level of the intervals and tests.
    model : str
        The demand model, in words.
    notes : tuple of str
    """

    _html_table = "effects"
    _html_notes = "notes"
    _html_lines = 2

    effects: pd.DataFrame
    ending: int
    alpha: float
    model: str
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Text summary: the lift of each group with its interval, then the notes."""
        level = f"{100 * (1 - self.alpha):g}%"
        lines = [f"Price ending in {self.ending}: lift in units at the same price level "
                 f"({level} intervals)", f"  model: {self.model}"]
        for label, row in self.effects.iterrows():
            lines.append(f"  {label}: {row['lift']:+.1%} [{row['lift_low']:+.1%}, "
                         f"{row['lift_high']:+.1%}], p = {row['p_value']:.3g}; "
                         f"{row['charm_share']:.0%} of prices end in {self.ending}")
        return "\n".join(lines + format_notes(self.notes))


def charm_effect(
    panel: pd.DataFrame,
    *,
    ending: int = 9,
    decimals: int = 2,
    price_col: str = "price",
    by: str | Sequence[str] | None = "category",
    alpha: float = 0.05,
    **fit_options: Any,
) -> CharmEffect:
    """Estimate the lift in units when the price ends in the charm digit.

    The demand model is :func:`~crmlib.pricing.fit_elasticity` with ``fit_options`` (units,
    controls, fixed effects, clusters) and one more control: 1 when the price's last printed
    digit is ``ending``.  Holding ``log(price)`` fixed, its coefficient is the ending's own
    effect, separate from the price level.

    Parameters
    ----------
    panel : pandas.DataFrame
        One row per unit and period with the printed price.
    ending : int
        The charm digit, 0 to 9 (default 9).
    decimals : int
        Decimals the prices are printed with (2 for 3.99, 0 for 299).
    price_col, by : str
        As for :func:`~crmlib.pricing.fit_elasticity`.
    alpha : float
        Level of the intervals and tests, in (0, 1).
    **fit_options
        Passed to :func:`~crmlib.pricing.fit_elasticity` (``units_col``, ``controls``,
        ``absorb``, ``cluster``, ...).  ``controls`` must not already hold the indicator.

    Returns
    -------
    CharmEffect

    Raises
    ------
    DataError
        Prices that are not printed prices (see :func:`price_endings`); a group where no
        price, or every price, ends in the digit (the effect is not identified there); and
        every error of :func:`~crmlib.pricing.fit_elasticity`.
    ParameterError
        Malformed arguments.

    Examples
    --------
    Weekly prices around 3 dollars; a price ending in 9 sells 10% more at the same level.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> price = np.round(rng.uniform(2.5, 3.5, 2000), 2)
    >>> nine = np.round(price * 100) % 10 == 9
    >>> units = np.exp(5 - 2 * np.log(price) + np.log(1.1) * nine + rng.normal(0, 0.1, 2000))
    >>> panel = pd.DataFrame({"price": price, "units": units})
    >>> fit = charm_effect(panel, by=None, log_controls=(), controls=(), absorb=None,
    ...                    week_col=None, trend=False, seasonality=0, event_col=None,
    ...                    cluster=None)
    >>> print(f"{fit.effects.loc['all', 'lift']:.2f}")
    0.10
    """
    from crmlib.pricing._elasticity import fit_elasticity

    where = "charm_effect"
    check_frame(panel, "panel", where=where, columns=[price_col])
    ending = check_int(ending, "ending", where=where, low=0, high=9)
    decimals = check_int(decimals, "decimals", where=where, low=0, high=6)
    z_crit = critical_value(alpha, where=where)
    if _FLAG in panel.columns:
        raise DataError(f"{where}: the panel already has a column {_FLAG!r}, the name this "
                        "function gives its indicator. Rename that column first.")
    controls = list(as_columns(fit_options.pop("controls", ("feature", "display")),
                               "controls", where=where))
    by_cols = as_columns(by, "by", where=where)
    check_frame(panel, "panel", where=where, columns=list(by_cols))
    flag = (_minor_units(panel, price_col, decimals, where) % 10) == ending
    _check_identified(panel, flag, by_cols, ending, where)
    data = panel.assign(**{_FLAG: flag.astype("float64")})
    fit = fit_elasticity(data, by=by_cols or None, price_col=price_col,
                         controls=[*controls, _FLAG], **fit_options)
    coef = fit.coefficients.xs(_FLAG, level="term")
    b, se = coef["estimate"].to_numpy(), coef["std_error"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, b / se, np.nan)
    p = np.array([math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan for v in z])
    shares = (pd.Series(flag, index=panel.index).groupby(
        [panel[c] for c in by_cols], observed=True).mean() if by_cols
        else pd.Series([flag.mean()], index=pd.Index(["all"], name="group")))
    table = pd.DataFrame({
        "charm_share": shares.reindex(coef.index).to_numpy(),
        "coefficient": b,
        "std_error": se,
        "lift": np.expm1(b),
        "lift_low": np.expm1(b - z_crit * se),
        "lift_high": np.expm1(b + z_crit * se),
        "z": z,
        "p_value": p,
        "elasticity": fit.elasticities.loc[coef.index, "elasticity"].to_numpy(),
        "n_obs": fit.elasticities.loc[coef.index, "n_obs"].to_numpy(),
    }, index=coef.index)
    return CharmEffect(effects=table, ending=ending, alpha=alpha,
                       model=fit.model + f"; {_FLAG} = 1 when the price ends in {ending}",
                       notes=_notes(fit_options, controls, fit.notes))


def _check_identified(panel: pd.DataFrame, flag: np.ndarray, by: tuple[str, ...], ending: int,
                      where: str) -> None:
    share = (pd.Series(flag, index=panel.index).groupby([panel[c] for c in by], observed=True)
             .mean() if by else pd.Series([flag.mean()], index=["all"]))
    stuck = share[(share == 0) | (share == 1)]
    if len(stuck):
        label = stuck.index[0]
        which = "no price" if stuck.iloc[0] == 0 else "every price"
        raise DataError(
            f"{where}: in group {label!r} {which} ends in {ending}, so the ending's effect "
            "cannot be told apart from the group's level (it needs weeks with and without "
            f"the ending). Groups affected: {format_examples(stuck.index.tolist())}. Drop "
            "them, or pool groups with by=None.")


def _notes(options: Mapping[str, Any], controls: Sequence[str], fit_notes: Sequence[str]
           ) -> tuple[str, ...]:
    notes = [n for n in fit_notes if "omitted-variable" not in n]
    if options.get("absorb", ("region",)) in (None, (), []):
        notes.append("No fixed effects: stores or regions that print charm prices may sell "
                     "more for other reasons; absorb them (absorb=['store']) before reading "
                     "the lift as the ending's effect.")
    if not controls:
        notes.append("No promotion controls: if charm prices come with features or displays, "
                     "their lift is counted as the ending's; add controls=['feature', ...].")
    return tuple(notes)


def charm_price(
    prices: Any,
    *,
    ending: float = 0.99,
    step: float = 1.0,
    direction: str = "down",
) -> np.ndarray | pd.Series:
    """Move prices to a charm price: the grid ``k x step + ending`` (3.99, 4.99, ... by default).

    Parameters
    ----------
    prices : array-like or pandas.Series
        Prices > 0 (a Series keeps its index).
    ending : float
        The ending, in ``[0, step)``: 0.99 with ``step=1`` gives 3.99; 9 with ``step=10``
        gives 299, 309; 0.9 with ``step=1`` gives 3.90.
    step : float
        Spacing of the grid, > 0.
    direction : {"down", "nearest"}
        ``"down"`` gives the highest charm price not above the price (never raises a price);
        ``"nearest"`` the closest one (ties go down).

    Returns
    -------
    numpy.ndarray or pandas.Series

    Raises
    ------
    DataError
        A price that is missing or not > 0, or one below the lowest charm price (``ending``)
        when rounding down, which would give a price of 0 or less.
    ParameterError
        An ``ending`` outside ``[0, step)``, ``step`` not > 0, or another ``direction``.

    Examples
    --------
    >>> charm_price([4.23, 5.0, 3.99]).tolist()
    [3.99, 4.99, 3.99]
    >>> charm_price([305, 314.0], ending=9, step=10, direction="nearest").tolist()
    [309.0, 309.0]
    """
    where = "charm_price"
    step = check_real(step, "step", where=where, low=0, low_inclusive=False)
    ending = check_real(ending, "ending", where=where, low=0)
    if not ending < step:
        raise ParameterError(f"The 'ending' parameter of {where} must be in [0, step) = "
                             f"[0, {step:g}). Got {ending!r} instead; e.g. ending=9 with "
                             "step=10 for 299, 309.")
    direction = check_choice(direction, "direction", ("down", "nearest"), where=where)
    x = numeric_array(prices, "prices", where=where, positive=True)
    k = (x - ending) / step
    tol = 1e-9
    k = np.floor(k + tol) if direction == "down" else np.ceil(k - 0.5 - tol)
    out = k * step + ending
    low = out <= 0
    if low.any():
        raise DataError(f"{where}: {int(low.sum())} price(s) are at or below the lowest "
                        f"charm price {ending:g} + {step:g} x 0 (e.g. "
                        f"{format_examples(x[low].tolist())}), so no charm price is "
                        "above 0 below them; use a smaller ending or step.")
    out = np.round(out, 9)
    if isinstance(prices, pd.Series):
        return pd.Series(out, index=prices.index, name=prices.name)
    return out
