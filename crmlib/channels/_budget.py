"""The budget optimiser: where the next yuan goes, given each channel's response curve.

A response curve gives a channel's expected weekly revenue at a constant weekly spend, in
steady state (the carry-over of past weeks included).  :func:`hill_response` builds the
curve of an adstock + Hill model, ``beta x hill(s / (1 - decay))``; any callable of the
spend works.  :func:`optimise_budget` then either

- spends a fixed weekly ``total`` to maximise the summed response, or
- finds the largest total whose best split still earns ``target_roas`` (revenue per yuan
  over the optimised channels),

within per-channel bounds, with some channels locked at their current spend.  At the optimum
every channel strictly inside its bounds has the same marginal ROI (the budget's shadow
price); the result table says which constraint binds for each channel.  "Response" is the
revenue the media model attributes to the channel — the baseline and anything outside the
model are not in it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_real, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["BudgetResult", "hill_response", "optimise_budget"]

Curve = Callable[[np.ndarray], np.ndarray]


def hill_response(beta: float, half_saturation: float, shape: float = 1.0, decay: float = 0.0
                  ) -> Curve:
    """Steady-state weekly response of an adstock + Hill channel: ``beta x hill(s / (1 - decay))``.

    >>> f = hill_response(1000.0, 50.0, 1.0)
    >>> f(np.array([0.0, 50.0])).tolist()
    [0.0, 500.0]
    """
    for name, v in (("beta", beta), ("half_saturation", half_saturation), ("shape", shape)):
        check_real(v, name, where="hill_response", low=0, low_inclusive=False)
    check_real(decay, "decay", where="hill_response", low=0, high=0.999)

    def curve(s: np.ndarray) -> np.ndarray:
        level = np.maximum(np.asarray(s, dtype=float), 0.0) / (1 - decay)
        r = (level / half_saturation) ** shape
        return beta * r / (1 + r)

    return curve


@dataclass(frozen=True, repr=False)
class BudgetResult(SummaryDisplay):
    """An optimised budget split.

    Attributes
    ----------
    table : pandas.DataFrame
        Per channel: ``current`` and ``optimised`` weekly spend, ``change``,
        ``response_current``/``response_optimised`` (weekly revenue the model attributes),
        ``roas_optimised``, ``marginal_roi`` at the optimum and ``binding`` (``'lower
        bound'``, ``'upper bound'``, ``'locked'`` or ``'budget'`` — interior, set by the
        shared marginal ROI); a last row ``'total'``.
    shadow_price : float
        The marginal ROI shared by the interior channels: what one more yuan of budget earns.
    total, roas : float
        The optimised total spend and its revenue per yuan.
    mode : str
        ``'total'`` or ``'target_roas'``.
    notes : tuple of str
    """

    _html_table = "table"
    _html_notes = "notes"

    table: pd.DataFrame
    shadow_price: float
    total: float
    roas: float
    mode: str
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        t = self.table.loc["total"]
        gain = t["response_optimised"] - t["response_current"]
        head = (f"Budget ({'fixed total' if self.mode == 'total' else 'largest total at the target ROAS'}): "
                f"{t['optimised']:,.0f} per week (now {t['current']:,.0f}); response "
                f"{t['response_optimised']:,.0f} vs {t['response_current']:,.0f} now ({gain:+,.0f}); "
                f"ROAS {self.roas:.2f}; one more yuan earns {self.shadow_price:.2f}")
        return "\n".join([head] + format_notes(self.notes))


def _marginal(curve: Curve, s: float) -> float:
    h = max(abs(s) * 1e-6, 1e-3)
    lo = max(s - h, 0.0)
    return float((curve(np.array([s + h])) - curve(np.array([lo])))[0] / (s + h - lo))


def _allocate(curves, names, free, lo, hi, fixed, budget, starts) -> np.ndarray:
    """Maximise the response of the free channels under sum = budget and bounds (SLSQP)."""
    idx = np.flatnonzero(free)
    lo_f, hi_f = lo[idx], hi[idx]

    def value(x):
        return -sum(float(curves[names[i]](np.array([v]))[0]) for i, v in zip(idx, x, strict=True))

    def grad(x):
        return -np.array([_marginal(curves[names[i]], v) for i, v in zip(idx, x, strict=True)])

    cons = {"type": "eq", "fun": lambda x: x.sum() - budget, "jac": lambda x: np.ones_like(x)}
    best, best_val = None, np.inf
    for x0 in starts:
        x0 = np.clip(x0[idx], lo_f, hi_f)
        if x0.sum() > 0:
            x0 = np.clip(x0 * budget / x0.sum(), lo_f, hi_f)
        res = optimize.minimize(value, x0, jac=grad, method="SLSQP", constraints=[cons],
                                bounds=list(zip(lo_f, hi_f, strict=True)),
                                options={"maxiter": 500, "ftol": 1e-12})
        if res.success and res.fun < best_val:
            best, best_val = res.x, res.fun
    if best is None:
        raise DataError("optimise_budget: the optimiser did not converge from any start; check "
                        "that the response curves are finite and increasing.")
    out = fixed.copy()
    out[idx] = best
    return out


def optimise_budget(
    curves: Mapping[str, Curve],
    current: Mapping[str, float],
    *,
    total: float | None = None,
    target_roas: float | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    locked: Sequence[str] = (),
    max_change: float | None = None,
) -> BudgetResult:
    """Split a weekly media budget to maximise the response the model attributes.

    Parameters
    ----------
    curves : mapping channel -> callable
        Steady-state weekly response at a constant weekly spend (e.g. :func:`hill_response`
        or :meth:`MMMResult.response`), increasing in spend.
    current : mapping channel -> float
        Today's weekly spend per channel (the starting point and the locked values).
    total : float, optional
        Weekly budget to spend; default the current total.  Not with ``target_roas``.
    target_roas : float, optional
        Find the largest total whose optimised split still earns this revenue per yuan.
    bounds : mapping channel -> (low, high), optional
        Weekly spend limits (contracts, inventory); default 0 to 3 x the current total.
    locked : sequence of str
        Channels kept at their current spend.
    max_change : float, optional
        Limit every unlocked channel to ``current x (1 +- max_change)`` on top of ``bounds``.

    Raises
    ------
    ParameterError
        Both ``total`` and ``target_roas``; unknown channels; bounds with ``low > high``.
    DataError
        Infeasible bounds (their lower ends sum above the budget, or their upper ends below
        it), a target ROAS no split reaches.

    Examples
    --------
    >>> curves = {"a": hill_response(3000.0, 1000.0), "b": hill_response(1000.0, 1000.0)}
    >>> res = optimise_budget(curves, {"a": 500.0, "b": 500.0})
    >>> res.table.loc[["a", "b"], "optimised"].round(0).tolist()
    [902.0, 98.0]
    """
    where = "optimise_budget"
    names = list(curves)
    if not names:
        raise ParameterError(f"The 'curves' parameter of {where} is empty; give one response "
                             "curve per channel.")
    missing = [c for c in names if c not in current]
    extra = [c for c in current if c not in curves]
    if missing or extra:
        raise ParameterError(f"{where}: current spend and curves must name the same channels; "
                             f"without a current spend: {format_examples(missing)}; without a "
                             f"curve: {format_examples(extra)}.")
    if total is not None and target_roas is not None:
        raise ParameterError(f"{where}: give total= or target_roas=, not both.")
    cur = np.array([float(current[c]) for c in names])
    if (cur < 0).any() or not np.isfinite(cur).all():
        raise DataError(f"{where}: current spend must be finite and >= 0; got "
                        f"{format_examples([c for c, v in zip(names, cur, strict=True) if not v >= 0])}.")
    unknown = [c for c in (*locked, *(bounds or {})) if c not in curves]
    if unknown:
        raise ParameterError(f"{where}: channel(s) {format_examples(unknown)} in locked/bounds "
                             f"have no curve (channels: {format_examples(names, 8)}).")
    cap = 3 * max(cur.sum(), 1.0) if total is None else 3 * max(total, cur.sum(), 1.0)
    lo = np.zeros(len(names))
    hi = np.full(len(names), cap)
    for c, (a, b) in (bounds or {}).items():
        i = names.index(c)
        if a > b or a < 0:
            raise ParameterError(f"{where}: bounds for {c!r} must satisfy 0 <= low <= high; got "
                                 f"({a}, {b}).")
        lo[i], hi[i] = a, b
    if max_change is not None:
        mc = check_real(max_change, "max_change", where=where, low=0)
        lo = np.maximum(lo, cur * (1 - mc))
        hi = np.minimum(hi, cur * (1 + mc))
        bad = [names[i] for i in np.flatnonzero(lo > hi)]
        if bad:
            raise DataError(f"{where}: with max_change={mc:g}, the bounds of "
                            f"{format_examples(bad)} leave no feasible spend.")
    free = np.array([c not in locked for c in names])
    fixed = np.where(free, 0.0, cur)
    lo = np.where(free, lo, cur)
    hi = np.where(free, hi, cur)
    notes: list[str] = []

    def starts_for(budget):
        s = [cur.copy(), np.full(len(names), budget / len(names))]
        m = np.array([_marginal(curves[c], max(v, 1.0)) for c, v in zip(names, cur, strict=True)])
        if m.sum() > 0:
            s.append(budget * m / m.sum())
        return s

    def solve(budget):
        free_budget = budget - fixed.sum()
        if lo[free].sum() - free_budget > 1e-6 * max(budget, 1.0):
            raise DataError(f"{where}: infeasible: the lower bounds of the free channels sum to "
                            f"{lo[free].sum():,.0f}, above the {free_budget:,.0f} left after the "
                            "locked channels. Lower a bound or raise the budget.")
        if hi[free].sum() - free_budget < -1e-6 * max(budget, 1.0):
            raise DataError(f"{where}: infeasible: the upper bounds of the free channels sum to "
                            f"{hi[free].sum():,.0f}, below the {free_budget:,.0f} to spend. Raise "
                            "a bound or lower the budget.")
        if not free.any():
            return fixed.copy()
        return _allocate(curves, names, free, lo, hi, fixed, free_budget, starts_for(free_budget))

    def response(x):
        return np.array([float(curves[c](np.array([v]))[0]) for c, v in zip(names, x, strict=True)])

    if target_roas is None:
        budget = float(cur.sum()) if total is None else check_real(total, "total", where=where, low=0)
        x = solve(budget)
        mode = "total"
    else:
        target = check_real(target_roas, "target_roas", where=where, low=0, low_inclusive=False)
        low_b, high_b = fixed.sum() + lo[free].sum(), fixed.sum() + hi[free].sum()

        def roas_at(b):
            xx = solve(b)
            return response(xx).sum() / max(xx.sum(), 1e-12), xx

        r_low, x_low = roas_at(max(low_b, 1e-6))
        if r_low < target:
            raise DataError(f"{where}: no split reaches ROAS {target:g}: even the smallest "
                            f"feasible budget ({low_b:,.0f}) earns {r_low:.2f}. Lower the target "
                            "or the lower bounds.")
        r_high, x_high = roas_at(high_b)
        if r_high >= target:
            x = x_high
            notes.append("Every channel is at its upper bound and the ROAS is still above the "
                         "target: the bounds, not the target, limit the budget.")
        else:
            a, b = max(low_b, 1e-6), high_b
            x = x_low
            for _ in range(60):
                m = (a + b) / 2
                r, xm = roas_at(m)
                if r >= target:
                    a, x = m, xm
                else:
                    b = m
                if b - a < 1e-6 * max(b, 1.0):
                    break
        mode = "target_roas"
    r_now, r_opt = response(cur), response(x)
    marg = np.array([_marginal(curves[c], v) for c, v in zip(names, x, strict=True)])
    tol = 1e-6 * max(x.sum(), 1.0)
    binding = np.where(~free, "locked", np.where(x <= lo + tol, "lower bound",
                                                  np.where(x >= hi - tol, "upper bound", "budget")))
    interior = binding == "budget"
    shadow = float(np.median(marg[interior])) if interior.any() else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({"current": cur, "optimised": x, "change": x - cur,
                              "response_current": r_now, "response_optimised": r_opt,
                              "roas_optimised": np.where(x > 0, r_opt / x, np.nan),
                              "marginal_roi": marg, "binding": binding},
                             index=pd.Index(names, name="channel"))
    total_row = {"current": cur.sum(), "optimised": x.sum(), "change": x.sum() - cur.sum(),
                 "response_current": r_now.sum(), "response_optimised": r_opt.sum(),
                 "roas_optimised": r_opt.sum() / x.sum() if x.sum() > 0 else np.nan,
                 "marginal_roi": shadow, "binding": ""}
    table.loc["total"] = pd.Series(total_row)
    if interior.sum() > 1 and np.ptp(marg[interior]) > 1e-3 * max(abs(shadow), 1e-9):
        notes.append("The interior channels' marginal ROIs differ by more than 0.1%: an S-shaped "
                     "curve may have several local optima; compare with other starts.")
    if mode == "total" and np.isfinite(shadow) and shadow < 1:
        notes.append(f"At the optimum one more yuan earns {shadow:.2f} yuan of revenue (less "
                     "than 1): at the gross margin it loses money, so the budget itself is too "
                     "large.")
    return BudgetResult(table=table, shadow_price=shadow, total=float(x.sum()),
                        roas=float(r_opt.sum() / x.sum()) if x.sum() > 0 else float("nan"),
                        mode=mode, notes=tuple(notes))
