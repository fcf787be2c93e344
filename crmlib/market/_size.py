"""Market size and growth: size by market and period, year-on-year growth and CAGR."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_real
from crmlib.exceptions import DataError, ParameterError
from crmlib.market._common import checked_table, unique_rows

__all__ = ["GrowthResult", "cagr", "market_growth", "market_size"]

TOTAL = "All markets"


def cagr(first: float, last: float, periods: float) -> float:
    """Compound annual growth rate: ``(last / first) ** (1 / periods) - 1``.

    Parameters
    ----------
    first, last : float
        Size at the start and at the end (both > 0).
    periods : float
        Number of periods (years) between them, > 0: 2023 to 2025 is 2 periods.

    Returns
    -------
    float
        The constant rate that grows ``first`` into ``last`` in ``periods`` steps.

    Examples
    --------
    >>> round(cagr(100, 121, 2), 6)
    0.1
    >>> cagr(50, 50, 3)
    0.0
    >>> cagr(0, 10, 1)
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'first' parameter of cagr must be a number in the range (0, inf). Got 0 (a int) instead.
    """
    a = check_real(first, "first", where="cagr", low=0, low_inclusive=False)
    b = check_real(last, "last", where="cagr", low=0, low_inclusive=False)
    n = check_real(periods, "periods", where="cagr", low=0, low_inclusive=False)
    if a == b:
        return 0.0
    return float(np.expm1(np.log(b / a) / n))


def _sizes(market, where, market_col, period_col, size_col, brand_col) -> pd.DataFrame:
    keys = [market_col, period_col] + ([brand_col] if brand_col else [])
    checked_table(market, "market", where=where, keys=keys, numbers=[size_col])
    unique_rows(market, keys, where=where, name="market")
    if not pd.api.types.is_numeric_dtype(market[period_col]):
        raise DataError(
            f"{where}: column {period_col!r} must hold numeric periods (years, e.g. 2024); got "
            f"dtype {market[period_col].dtype}. Convert dates with .dt.year first."
        )
    g = market.groupby([market_col, period_col], observed=True)[size_col]
    spread = g.max() - g.min()
    if (spread > 0).any():
        bad = spread[spread > 0].index[:3].tolist()
        raise DataError(
            f"{where}: column {size_col!r} must be the same on every {brand_col!r} row of a "
            f"market and period (it is the market's size); it differs for {bad}. Pass "
            f"brand_col=None with one row per market and period, or fix the size column."
        )
    return g.first().unstack(market_col).sort_index()


def market_size(
    market: pd.DataFrame, *, market_col: str = "region", period_col: str = "year",
    size_col: str = "market_size", brand_col: str | None = "brand",
) -> pd.DataFrame:
    """Market size per period (rows) and market (columns), with the total of all markets.

    Parameters
    ----------
    market : pandas.DataFrame
        One row per market, period (and brand when ``brand_col`` is given: the size is then
        repeated on the brand rows and must agree).
    market_col, period_col, size_col : str
        Columns of the market (e.g. region), period (year) and size.
    brand_col : str or None
        Brand column when the table has one row per brand; None for one row per market.

    Returns
    -------
    pandas.DataFrame
        Index: period; one column per market plus ``'All markets'``. A market missing in a
        period is NaN and the total of that period is NaN too (not a silent partial sum).

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"region": ["N", "N", "S", "S"], "year": [2023, 2024, 2023, 2024],
    ...                   "market_size": [100.0, 110.0, 50.0, 60.0]})
    >>> market_size(m, brand_col=None)
    region      N     S  All markets
    year
    2023    100.0  50.0        150.0
    2024    110.0  60.0        170.0
    """
    wide = _sizes(market, "market_size", market_col, period_col, size_col, brand_col)
    wide.columns = wide.columns.astype(str)
    wide[TOTAL] = wide.sum(axis=1).where(wide.notna().all(axis=1))
    wide.columns.name = market_col
    return wide


@dataclass(frozen=True, repr=False)
class GrowthResult(SummaryDisplay):
    """Market growth per market (see :func:`market_growth`).

    Attributes
    ----------
    table : pandas.DataFrame
        Per market (and ``'All markets'``): ``first_period``, ``last_period``, ``periods``,
        ``size_first``, ``size_last``, ``cagr``, ``period`` (the CAGR's period in words) and
        ``share_of_total_last``.
    yoy : pandas.DataFrame
        Year-on-year growth, period x market (the first period is NaN).
    notes : tuple of str
    """

    _html_table = "table"
    _html_notes = "notes"

    table: pd.DataFrame
    yoy: pd.DataFrame
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The per-market growth table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """One line per market: size at both ends and the CAGR with its period."""
        t = self.table
        lines = [f"Market growth, {t['period'].iloc[-1]}:"]
        for name, row in t.iterrows():
            lines.append(f"  {name}: {row['size_first']:,.1f} -> {row['size_last']:,.1f}, "
                         f"CAGR {row['cagr']:+.2%}")
        return "\n".join(lines + format_notes(self.notes))


def market_growth(
    market: pd.DataFrame, *, market_col: str = "region", period_col: str = "year",
    size_col: str = "market_size", brand_col: str | None = "brand",
) -> GrowthResult:
    """Growth of each market between its first and last period: CAGR and year-on-year.

    ``CAGR = (size_last / size_first) ** (1 / (last_period - first_period)) - 1``; the period
    it covers is stated in the ``period`` column (``'2023-2025 (2 years)'``).

    Parameters
    ----------
    market : pandas.DataFrame
        As for :func:`market_size`.
    market_col, period_col, size_col, brand_col : str
        As for :func:`market_size`.

    Returns
    -------
    GrowthResult

    Raises
    ------
    DataError
        Fewer than two periods, a non-positive size at either end, or sizes that disagree.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"region": ["N"] * 3 + ["S"] * 3, "year": [2023, 2024, 2025] * 2,
    ...                   "market_size": [100.0, 110.0, 121.0, 50.0, 50.0, 50.0]})
    >>> res = market_growth(m, brand_col=None)
    >>> res.table[["periods", "cagr", "period"]].round(4)
                 periods    cagr               period
    region
    N                  2  0.1000  2023-2025 (2 years)
    S                  2  0.0000  2023-2025 (2 years)
    All markets        2  0.0677  2023-2025 (2 years)
    """
    where = "market_growth"
    wide = market_size(market, market_col=market_col, period_col=period_col, size_col=size_col,
                       brand_col=brand_col)
    if len(wide) < 2:
        raise DataError(
            f"{where}: growth needs at least two periods in {period_col!r}; got "
            f"{wide.index.tolist()}. Pass a table with the first and the last year."
        )
    rows, notes = {}, []
    for name in wide.columns:
        s = wide[name].dropna()
        if len(s) < 2:
            raise DataError(f"{where}: market {name!r} has a size in only {len(s)} period(s) "
                            f"({s.index.tolist()}); growth needs two. Drop it or add the data.")
        p0, p1 = s.index[0], s.index[-1]
        if s.iloc[0] <= 0:
            raise DataError(f"{where}: market {name!r} has size {s.iloc[0]} in {p0}; a growth "
                            f"rate needs a positive starting size. Start from a later period.")
        n = float(p1 - p0)
        unit = "year" if n == 1 else "years"
        rows[name] = {"first_period": p0, "last_period": p1, "periods": p1 - p0,
                      "size_first": s.iloc[0], "size_last": s.iloc[-1],
                      "cagr": cagr(s.iloc[0], s.iloc[-1], n) if s.iloc[-1] > 0 else -1.0,
                      "period": f"{p0}-{p1} ({n:g} {unit})"}
        if len(s) < len(wide):
            notes.append(f"{name!r} misses {len(wide) - len(s)} period(s); its CAGR spans "
                         f"{p0}-{p1}.")
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = market_col
    table["share_of_total_last"] = table["size_last"] / table.loc[TOTAL, "size_last"]
    yoy = wide / wide.shift(1) - 1
    return GrowthResult(table=table, yoy=yoy, notes=tuple(notes))
