"""Bundling: separate prices, pure bundling and mixed bundling from two WTP distributions.

Each customer has a willingness to pay (WTP) for product A and for B (samples drawn jointly,
so their correlation counts: negative correlation is what makes bundling pay, Adams & Yellen
1976) and values the bundle at ``wA + wB``.  Offered some of {A, B, bundle}, a customer buys
the option with the largest surplus ``WTP - price`` if it is >= 0; at equal surplus they
take the cheaper option (the seller's conservative case).  Prices are searched on a grid of
WTP quantiles, one ``tick`` below each (so a customer exactly at a quantile buys); the mixed
search includes "not offered", so its profit is never below the separate or pure-bundle optimum on the same grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_int, check_real
from crmlib.exceptions import DataError
from crmlib.pricing._checks import numeric_array

__all__ = ["BundleResult", "bundle_prices"]


@dataclass(frozen=True, repr=False)
class BundleResult(SummaryDisplay):
    """The three strategies of :func:`bundle_prices`.

    Attributes
    ----------
    strategies : pandas.DataFrame
        Rows ``separate``, ``pure_bundle``, ``mixed``: ``price_a``, ``price_b``,
        ``price_bundle`` (NaN = not offered), ``buyers_a``, ``buyers_b``, ``buyers_bundle``
        (shares of customers), ``revenue`` and ``profit`` per customer.
    best : str
        The most profitable strategy.
    notes : tuple of str
    """

    _html_table = "strategies"
    _html_notes = "notes"

    strategies: pd.DataFrame
    best: str
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The strategy table (a copy)."""
        return self.strategies.copy()

    def summary(self, alpha: float = 0.05) -> str:
        """Text summary (``alpha`` accepted for a uniform interface)."""
        lines = [f"Bundling: best strategy {self.best!r}"]
        for name, r in self.strategies.iterrows():
            lines.append(f"  {name}: profit {r['profit']:,.2f} per customer (A {r['price_a']:,.2f},"
                         f" B {r['price_b']:,.2f}, bundle {r['price_bundle']:,.2f})")
        return "\n".join(lines + format_notes(self.notes))


def _choose(wa, wb, pa, pb, pab, ca, cb):
    """Profit, revenue and buyer shares; pab is an array of bundle prices (one row each)."""
    m, n = len(pab), len(wa)
    prices = np.stack([np.full((m, n), pa), np.full((m, n), pb),
                       np.repeat(pab[:, None], n, axis=1)])
    value = np.stack([np.broadcast_to(wa, (m, n)), np.broadcast_to(wb, (m, n)),
                      np.broadcast_to(wa + wb, (m, n))])
    with np.errstate(invalid="ignore"):
        surplus = value - prices  # -inf where an option is not offered
    best = surplus.max(axis=0)
    cheapest = np.where(surplus >= best - 1e-9, prices, np.inf).argmin(axis=0)
    buys = best >= 0
    paid = np.where(buys, np.take_along_axis(prices, cheapest[None], 0)[0], 0.0)
    cost = np.where(buys, np.array([ca, cb, ca + cb])[cheapest], 0.0)
    shares = [(buys & (cheapest == j)).mean(axis=1) for j in range(3)]
    return ((paid - cost).mean(axis=1), paid.mean(axis=1), *shares)


def _grid(w: np.ndarray, points: int, tick: float) -> np.ndarray:
    q = np.quantile(w, np.linspace(0, 1, points))
    return np.unique(np.maximum(q - tick, tick))


def _search(wa, wb, ga, gb, gab, ca, cb) -> dict[str, Any]:
    best = {"profit": -np.inf}
    for pa in ga:
        for pb in gb:
            res = _choose(wa, wb, pa, pb, gab, ca, cb)
            i = int(np.argmax(res[0]))
            if res[0][i] > best["profit"] + 1e-12:
                best = {"price_a": pa, "price_b": pb, "price_bundle": gab[i],
                        "buyers_a": res[2][i], "buyers_b": res[3][i],
                        "buyers_bundle": res[4][i], "revenue": res[1][i], "profit": res[0][i]}
    return best


def bundle_prices(
    wtp_a: Any, wtp_b: Any, *, cost_a: float = 0.0, cost_b: float = 0.0, grid: int = 25,
    tick: float = 0.01,
) -> BundleResult:
    """Profit-maximising separate, pure-bundle and mixed-bundle prices.

    Parameters
    ----------
    wtp_a, wtp_b : array-like
        Each customer's willingness to pay for A and for B (same length, >= 0).
    cost_a, cost_b : float
        Unit costs.
    grid : int
        Quantiles of each WTP distribution tried as prices (5 to 200).
    tick : float
        Prices are set this much below each quantile (a cent by default).

    Returns
    -------
    BundleResult

    Examples
    --------
    Negatively correlated tastes: half value A highly, half B.

    >>> res = bundle_prices([90, 10, 50], [10, 90, 50], cost_a=20, cost_b=20, grid=3)
    >>> res.strategies[["profit"]].round(2)
                 profit
    separate      46.66
    pure_bundle   59.99
    mixed         66.66
    >>> res.best
    'mixed'
    """
    where = "bundle_prices"
    wa = numeric_array(wtp_a, "wtp_a", where=where)
    wb = numeric_array(wtp_b, "wtp_b", where=where)
    if len(wa) != len(wb) or (wa < 0).any() or (wb < 0).any():
        raise DataError(f"{where}: 'wtp_a' and 'wtp_b' must be the same customers' WTP (same "
                        f"length, >= 0); got lengths {len(wa)} and {len(wb)}. Draw them jointly.")
    ca = check_real(cost_a, "cost_a", where=where, low=0)
    cb = check_real(cost_b, "cost_b", where=where, low=0)
    k = check_int(grid, "grid", where=where, low=2, high=200)
    t = check_real(tick, "tick", where=where, low=0, low_inclusive=False)
    none = np.array([np.inf])
    ga, gb, gab = _grid(wa, k, t), _grid(wb, k, t), _grid(wa + wb, k, t)
    rows = {"separate": _search(wa, wb, ga, gb, none, ca, cb),
            "pure_bundle": _search(wa, wb, none, none, gab, ca, cb),
            "mixed": _search(wa, wb, np.append(ga, np.inf), np.append(gb, np.inf),
                             np.append(gab, np.inf), ca, cb)}
    table = pd.DataFrame.from_dict(rows, orient="index").replace(np.inf, np.nan)
    best = str(table["profit"].idxmax())
    notes = []
    corr = float(np.corrcoef(wa, wb)[0, 1]) if wa.std() > 0 and wb.std() > 0 else float("nan")
    if corr == corr and corr > 0.5:
        notes.append(f"WTPs are strongly positively correlated (r = {corr:.2f}): bundling "
                     f"adds little over separate prices.")
    return BundleResult(strategies=table, best=best, notes=tuple(notes))
