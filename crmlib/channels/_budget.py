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
from crmlib._validation import check_int, check_real, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["BudgetResult", "budget_plan", "hill_response", "optimise_budget"]

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
    """Maximise the response of the free channels under sum = budget and bounds (SLSQP).

    The search runs on spend in units of the budget and on the response in units of the
    starting response, so SLSQP's tolerances mean the same whatever the currency scale.
    """
    idx = np.flatnonzero(free)
    unit = max(budget, 1e-12)
    lo_f, hi_f = lo[idx] / unit, hi[idx] / unit

    def total(x):
        return sum(float(curves[names[i]](np.array([v * unit]))[0]) for i, v in zip(idx, x, strict=True))

    cons = {"type": "eq", "fun": lambda x: x.sum() - 1.0, "jac": lambda x: np.ones_like(x)}
    best, best_val = None, np.inf
    for x0 in starts:
        x0 = np.clip(x0[idx] / unit, lo_f, hi_f)
        if x0.sum() > 0:
            x0 = np.clip(x0 / x0.sum(), lo_f, hi_f)
        scale = max(abs(total(x0)), 1e-12)
        res = optimize.minimize(
            lambda x, scale=scale: -total(x) / scale, x0,
            jac=lambda x, scale=scale: -np.array([_marginal(curves[names[i]], v * unit) * unit / scale
                                                  for i, v in zip(idx, x, strict=True)]),
            method="SLSQP", constraints=[cons], bounds=list(zip(lo_f, hi_f, strict=True)),
            options={"maxiter": 500, "ftol": 1e-12})
        value = -total(res.x)
        feasible = abs(res.x.sum() - 1.0) < 1e-6 and np.all(res.x >= lo_f - 1e-9) and np.all(res.x <= hi_f + 1e-9)
        if (res.success or feasible) and value < best_val:
            best, best_val = res.x * unit, value
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


def budget_plan(model: Any, budget: BudgetResult, *, weeks: int = 13, ci: float | None = None) -> pd.DataFrame:
    """The decision table of a budget: spend, expected revenue and ROAS over ``weeks`` weeks,
    with intervals from the media model's bootstrap resamples.

    ``model`` is a fitted :class:`crmlib.channels.MMMResult` (anything with ``response(channel,
    spend, draw=...)``, ``draws`` and ``ci``); ``budget`` the :func:`optimise_budget` result
    built on its curves.  Each resample's curves are evaluated at the optimised and at the
    current weekly spend, so the intervals carry the model's uncertainty about the response
    (not the week-to-week noise of sales).  Columns per channel and a ``'total'`` row:
    ``weekly_spend``, ``spend`` (over the period), ``revenue`` with ``revenue_low``/``_high``,
    ``roas`` with ``roas_low``/``_high``, ``revenue_change`` against the current split with
    its interval, and ``binding``.  The points come from the model's fitted curves (those the
    budget was optimised on).  "Revenue" is what the model attributes to media: the baseline
    is not in it.
    """
    check_int(weeks, "weeks", where="budget_plan", low=1, high=520)
    level = model.ci if ci is None else check_real(ci, "ci", where="budget_plan", low=0.5, high=0.999)
    q = ((1 - level) / 2, (1 + level) / 2)
    t = budget.table.drop(index="total")
    names = list(t.index)
    draws = list(model.draws)
    if not draws:
        raise DataError("budget_plan: the media model has no bootstrap resamples (fit with n_boot > 0), "
                        "so the plan can have no intervals.")

    def resp(spend, draw):
        return np.array([float(model.response(c, np.array([spend[c]]), draw=draw)[0]) for c in names])

    opt, cur = t["optimised"].to_dict(), t["current"].to_dict()
    r_opt = np.array([resp(opt, d) for d in draws]) * weeks  # draws x channels
    r_cur = np.array([resp(cur, d) for d in draws]) * weeks
    point = resp(opt, None) * weeks
    point_cur = resp(cur, None) * weeks
    spend = t["optimised"].to_numpy() * weeks

    def band(a):
        return np.quantile(a, q[0], axis=0), np.quantile(a, q[1], axis=0)

    with np.errstate(divide="ignore", invalid="ignore"):
        roas_draws = r_opt / spend
        rl, rh = band(r_opt)
        ol, oh = band(roas_draws)
        dl, dh = band(r_opt - r_cur)
        table = pd.DataFrame({
            "weekly_spend": t["optimised"].to_numpy(), "spend": spend,
            "revenue": point, "revenue_low": rl, "revenue_high": rh,
            "roas": np.where(spend > 0, point / spend, np.nan), "roas_low": ol, "roas_high": oh,
            "revenue_change": point - point_cur, "revenue_change_low": dl, "revenue_change_high": dh,
            "binding": t["binding"].to_numpy()}, index=pd.Index(names, name="channel"))
    tot_opt, tot_cur = r_opt.sum(axis=1), r_cur.sum(axis=1)
    total_spend = spend.sum()
    table.loc["total"] = pd.Series({
        "weekly_spend": t["optimised"].sum(), "spend": total_spend,
        "revenue": point.sum(), "revenue_low": np.quantile(tot_opt, q[0]), "revenue_high": np.quantile(tot_opt, q[1]),
        "roas": point.sum() / total_spend, "roas_low": np.quantile(tot_opt, q[0]) / total_spend,
        "roas_high": np.quantile(tot_opt, q[1]) / total_spend,
        "revenue_change": point.sum() - point_cur.sum(),
        "revenue_change_low": np.quantile(tot_opt - tot_cur, q[0]),
        "revenue_change_high": np.quantile(tot_opt - tot_cur, q[1]), "binding": ""})
    return table
