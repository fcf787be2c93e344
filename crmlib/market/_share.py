"""Market share and concentration: shares, HHI, CR-k and their trend over periods."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_int
from crmlib.exceptions import DataError
from crmlib.market._common import as_keys, checked_table, numeric_1d, unique_rows

__all__ = [
    "ConcentrationResult",
    "HHI_THRESHOLDS",
    "concentration",
    "concentration_ratio",
    "hhi",
    "market_shares",
    "share_trend",
]

#: HHI bands (0-10,000 scale) of the 2023 US Merger Guidelines: below 1,000 unconcentrated,
#: 1,000-1,800 moderately concentrated, above 1,800 highly concentrated.
HHI_THRESHOLDS: tuple[float, float] = (1000.0, 1800.0)


def _shares_1d(shares: object, where: str) -> np.ndarray:
    s = numeric_1d(shares, "shares", where=where)
    if (s < 0).any():
        raise DataError(f"{where}: 'shares' must be >= 0; got {s[s < 0][:3].tolist()}. "
                        f"Shares are revenue / market revenue.")
    total = s.sum()
    if not np.isclose(total, 1.0, atol=1e-6):
        raise DataError(
            f"{where}: 'shares' must sum to 1 (the whole market); they sum to {total:.6g}. "
            f"Divide by their total, or add an 'other' brand for the rest of the market."
        )
    return s


def hhi(shares: Sequence[float]) -> float:
    """Herfindahl-Hirschman index on the 0-10,000 scale: ``sum((100 * share) ** 2)``.

    With ``n`` brands it lies in ``[10,000 / n, 10,000]``: 10,000/n when all are equal,
    10,000 for a monopoly. ``10,000 / HHI`` is the "equivalent number" of equal brands.

    Parameters
    ----------
    shares : sequence of float
        Shares (0-1) of every brand of one market; they must sum to 1.

    Returns
    -------
    float

    Examples
    --------
    >>> hhi([0.25, 0.25, 0.25, 0.25])
    2500.0
    >>> round(hhi([0.5, 0.3, 0.2]), 6)
    3800.0
    >>> hhi([0.5, 0.3])
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: hhi: 'shares' must sum to 1 (the whole market); they sum to 0.8. Divide by their total, or add an 'other' brand for the rest of the market.
    """
    s = _shares_1d(shares, "hhi")
    return float(np.sum((100.0 * s) ** 2))


def concentration_ratio(shares: Sequence[float], k: int = 4) -> float:
    """CR-k: the combined share (0-1) of the ``k`` largest brands.

    With fewer than ``k`` brands the ratio is 1 (they hold the whole market); this is the
    documented behaviour, not an error, and :func:`concentration` adds a note.

    Examples
    --------
    >>> concentration_ratio([0.4, 0.3, 0.2, 0.06, 0.04])
    0.96
    >>> concentration_ratio([0.6, 0.4], k=4)
    1.0
    """
    k = check_int(k, "k", where="concentration_ratio", low=1)
    s = np.sort(_shares_1d(shares, "concentration_ratio"))[::-1]
    return float(min(1.0, round(s[:k].sum(), 12)))


def market_shares(
    market: pd.DataFrame, *, by: str | Sequence[str] = ("region", "year"), brand_col: str = "brand",
    value_col: str = "revenue", min_brands: int = 2, total: str | None = "year",
) -> pd.DataFrame:
    """Each brand's share of its market's value, computed from the values (not read).

    Parameters
    ----------
    market : pandas.DataFrame
        One row per market key (``by``) and brand, with a value (revenue or units).
    by : str or sequence of str
        The columns that define one market (e.g. region and year).
    brand_col, value_col : str
        Brand and value columns.
    min_brands : int
        Fewest brands a market may have (default 2): one brand's "share" says nothing.
    total : str or None
        When given, also the shares over all markets within each value of this column (e.g.
        the national share per ``year``), with the other key columns set to ``'All markets'``.

    Returns
    -------
    pandas.DataFrame
        The key columns, ``brand``, ``value``, ``market_value`` and ``share`` (summing to 1
        within each market), sorted by key and share, largest first.

    Raises
    ------
    DataError
        Missing or negative values, repeated rows, a market with zero value or with fewer
        than ``min_brands`` brands.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"region": ["N", "N", "S", "S"], "year": 2024,
    ...                   "brand": ["A", "B", "A", "B"], "revenue": [30.0, 10.0, 20.0, 40.0]})
    >>> market_shares(m)[["region", "brand", "share"]]
            region brand     share
    0  All markets     A  0.500000
    1  All markets     B  0.500000
    2            N     A  0.750000
    3            N     B  0.250000
    4            S     B  0.666667
    5            S     A  0.333333
    """
    where = "market_shares"
    keys = as_keys(by, "by", where=where)
    low = check_int(min_brands, "min_brands", where=where, low=1)
    checked_table(market, "market", where=where, keys=[*keys, brand_col], numbers=[value_col])
    unique_rows(market, [*keys, brand_col], where=where, name="market")
    frame = market[[*keys, brand_col, value_col]].copy()
    for col in keys:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype(str)
    frame[brand_col] = frame[brand_col].astype(str)
    if total is not None:
        if total not in keys:
            raise DataError(f"{where}: total={total!r} must be one of the 'by' columns {keys}. "
                            f"Pass total=None to skip the all-markets shares.")
        rest = [c for c in keys if c != total]
        agg = frame.groupby([total, brand_col], as_index=False)[value_col].sum()
        agg = agg.assign(**{c: "All markets" for c in rest})
        frame = pd.concat([agg[frame.columns], frame], ignore_index=True)
    g = frame.groupby(keys, sort=False)
    counts, sums = g[brand_col].transform("size"), g[value_col].transform("sum")
    if (counts < low).any():
        bad = frame.loc[counts < low, keys].drop_duplicates().head(3).to_dict("records")
        raise DataError(f"{where}: every market needs at least {low} brands for a share table; "
                        f"{bad} have fewer. Add the competitors' rows (or an 'other' brand).")
    if (sums <= 0).any():
        bad = frame.loc[sums <= 0, keys].drop_duplicates().head(3).to_dict("records")
        raise DataError(f"{where}: markets {bad} have a total {value_col!r} of 0, so shares "
                        f"are undefined. Drop those markets.")
    out = frame.rename(columns={brand_col: "brand", value_col: "value"})
    out["market_value"] = sums.to_numpy()
    out["share"] = out["value"] / out["market_value"]
    out = out.sort_values([*keys, "share"], ascending=[True] * len(keys) + [False], kind="stable")
    return out.reset_index(drop=True)


@dataclass(frozen=True, repr=False)
class ConcentrationResult(SummaryDisplay):
    """Concentration per market and period, and its trend (see :func:`concentration`).

    Attributes
    ----------
    table : pandas.DataFrame
        Per market and period: ``n_brands``, ``hhi`` (0-10,000), ``equivalent_brands``
        (10,000 / HHI), ``cr{k}`` (0-1), ``leader``, ``leader_share`` and ``band``.
    trend : pandas.DataFrame
        Per market: HHI and CR-k in the first and last period, their change, and the HHI
        slope per period (least squares).
    notes : tuple of str
    """

    _html_table = "trend"
    _html_notes = "notes"

    table: pd.DataFrame
    trend: pd.DataFrame
    k: int
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The per-market, per-period table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """HHI and CR-k trend per market."""
        lines = [f"Concentration (HHI on 0-10,000; CR{self.k} as a share), first -> last period:"]
        for name, r in self.trend.iterrows():
            lines.append(f"  {name}: HHI {r['hhi_first']:,.0f} -> {r['hhi_last']:,.0f} "
                         f"({r['hhi_change']:+,.0f}), CR{self.k} {r['cr_first']:.1%} -> "
                         f"{r['cr_last']:.1%}")
        return "\n".join(lines + format_notes(self.notes))


def _band(h: float, thresholds: tuple[float, float]) -> str:
    lo, hi = thresholds
    return "unconcentrated" if h < lo else ("moderately concentrated" if h <= hi else
                                             "highly concentrated")


def concentration(
    shares: pd.DataFrame, *, market_col: str = "region", period_col: str = "year", k: int = 4,
    thresholds: tuple[float, float] = HHI_THRESHOLDS,
) -> ConcentrationResult:
    """HHI and CR-k per market and period from a share table, with their trend.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`market_shares` (columns ``brand`` and ``share`` plus the keys).
    market_col, period_col : str
        Columns naming the market and the period.
    k : int
        CR-k uses the ``k`` largest brands (default 4).
    thresholds : (float, float)
        HHI band limits (default :data:`HHI_THRESHOLDS`).

    Returns
    -------
    ConcentrationResult

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"region": "N", "year": [2023] * 2 + [2024] * 2,
    ...                   "brand": ["A", "B"] * 2, "share": [0.5, 0.5, 0.8, 0.2]})
    >>> res = concentration(s, k=1)
    >>> res.table[["hhi", "cr1", "band"]]
                     hhi  cr1                 band
    region year
    N      2023  5000.0  0.5  highly concentrated
           2024  6800.0  0.8  highly concentrated
    >>> float(res.trend.loc["N", "hhi_change"])
    1800.0
    """
    where = "concentration"
    k = check_int(k, "k", where=where, low=1)
    checked_table(shares, "shares", where=where, keys=[market_col, period_col, "brand"],
                  numbers=["share"])
    rows, notes = [], []
    for (m, p), g in shares.groupby([market_col, period_col], sort=True, observed=True):
        s = g["share"].to_numpy(dtype=float)
        h = hhi(s)
        top = g.loc[g["share"].idxmax()]
        rows.append({market_col: m, period_col: p, "n_brands": len(s), "hhi": h,
                     "equivalent_brands": 10_000.0 / h, f"cr{k}": concentration_ratio(s, k),
                     "leader": top["brand"], "leader_share": float(top["share"]),
                     "band": _band(h, thresholds)})
        if len(s) < k and not notes:
            notes.append(f"some markets have fewer than {k} brands: their CR{k} is 1 by "
                         f"definition (e.g. {m!r} {p}).")
    table = pd.DataFrame(rows).set_index([market_col, period_col])
    trend = _trend(table, market_col, f"cr{k}")
    return ConcentrationResult(table=table, trend=trend, k=k, notes=tuple(notes))


def _slope(y: pd.Series) -> float:
    x = np.asarray(y.index.get_level_values(-1), dtype=float)
    if len(x) < 2 or np.ptp(x) == 0:
        return float("nan")
    return float(np.polyfit(x, y.to_numpy(dtype=float), 1)[0])


def _trend(table: pd.DataFrame, market_col: str, cr: str) -> pd.DataFrame:
    g = table.groupby(level=market_col, sort=True)
    out = pd.DataFrame({
        "hhi_first": g["hhi"].first(), "hhi_last": g["hhi"].last(),
        "cr_first": g[cr].first(), "cr_last": g[cr].last(),
        "hhi_slope": g["hhi"].apply(_slope),
    })
    out.insert(2, "hhi_change", out["hhi_last"] - out["hhi_first"])
    out["cr_change"] = out["cr_last"] - out["cr_first"]
    out["direction"] = np.where(out["hhi_change"] > 0, "concentrating",
                                np.where(out["hhi_change"] < 0, "fragmenting", "flat"))
    return out


def share_trend(
    shares: pd.DataFrame, *, market_col: str = "region", period_col: str = "year",
) -> pd.DataFrame:
    """Each brand's share in the first and last period, the change in points and the slope.

    Parameters
    ----------
    shares : pandas.DataFrame
        Output of :func:`market_shares`.
    market_col, period_col : str
        Market and period columns.

    Returns
    -------
    pandas.DataFrame
        Index (market, brand): ``share_first``, ``share_last``, ``change_pts`` (percentage
        points), ``slope_pts_per_period`` (least-squares slope, points per period).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"region": "N", "year": [2023, 2023, 2025, 2025],
    ...                   "brand": ["A", "B", "A", "B"], "share": [0.5, 0.5, 0.6, 0.4]})
    >>> share_trend(s)
                  share_first  share_last  change_pts  slope_pts_per_period
    region brand
    N      A              0.5         0.6        10.0                   5.0
           B              0.5         0.4       -10.0                  -5.0
    """
    where = "share_trend"
    checked_table(shares, "shares", where=where, keys=[market_col, period_col, "brand"],
                  numbers=["share"])
    t = shares.set_index([market_col, "brand", period_col])["share"].sort_index()
    g = t.groupby(level=[0, 1], sort=True, observed=True)
    out = pd.DataFrame({"share_first": g.first(), "share_last": g.last()})
    out["change_pts"] = 100 * (out["share_last"] - out["share_first"])
    out["slope_pts_per_period"] = 100 * g.apply(_slope)
    out.index.names = [market_col, "brand"]
    return out
