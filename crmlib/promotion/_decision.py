"""The decision table of lesson 05: which campaign to repeat, for whom, at what profit.

:func:`campaign_decisions` turns the incremental economics of each tested campaign
(:func:`campaign_funnel`, with a margin) and, optionally, a held-out targeting evaluation
(:func:`evaluate_uplift`) into one row per campaign for a manager:

- the expected incremental profit of sending it again to an audience of the same size —
  ``margin x incremental revenue - cost``, scaled from the treated arm to the whole audience,
  with the interval of the incremental revenue;
- the profit of sending it only to the share of customers with the highest predicted uplift
  that earns most on held-out customers, scaled from the holdout to the audience;
- the rule: **repeat, targeted** when the targeted profit's interval lies above zero and its
  expected profit beats sending to everyone; else **repeat for everyone** when everyone's
  profit interval lies above zero; **stop** when everyone's interval lies below zero and no
  targeted share has a positive lower bound; otherwise **retest with a bigger sample** (the
  test cannot tell a gain from a loss).

The best share is picked on the same held-out customers that measure its profit, so that
profit is optimistic (the maximum of several noisy points); requiring its lower bound, not its
estimate, to clear zero guards against most of the optimism, and the next send should keep a
random control group to confirm it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crmlib._validation import check_frame, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["campaign_decisions"]

_NEEDED = ["n_treatment", "n_control", "incremental_revenue", "incremental_revenue_low",
           "incremental_revenue_high", "cost", "incremental_roi"]


def campaign_decisions(
    funnel: pd.DataFrame,
    *,
    margin: float,
    policies: Mapping[str, object] | None = None,
    model: str | None = None,
) -> pd.DataFrame:
    """One row per campaign: repeat, target, stop or retest, with the expected profit.

    Parameters
    ----------
    funnel : pandas.DataFrame
        :func:`campaign_funnel` output, computed with the same ``margin``.
    margin : float
        Gross-margin rate applied to incremental revenue.
    policies : mapping of campaign id to UpliftEvaluation, optional
        Held-out targeting evaluations (value = margin x revenue per conversion, cost = cost
        per contact); campaigns without one are judged on everyone only.
    model : str, optional
        Which model of each evaluation to use (default: its first).

    Returns
    -------
    pandas.DataFrame
        Per campaign: ``audience`` (customers), ``profit_all`` with ``profit_all_low`` /
        ``profit_all_high``, ``best_share``, ``profit_targeted`` with ``_low``/``_high``
        (NaN without a policy), ``decision`` and ``reason``; sorted by the profit of the
        chosen action, best first.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"n_treatment": [500, 500], "n_control": [500, 500],
    ...                   "incremental_revenue": [20000.0, -1000.0],
    ...                   "incremental_revenue_low": [8000.0, -9000.0],
    ...                   "incremental_revenue_high": [32000.0, 7000.0],
    ...                   "cost": [1000.0, 1000.0], "incremental_roi": [5.0, -1.3]},
    ...                  index=pd.Index(["A", "B"], name="campaign_id"))
    >>> campaign_decisions(f, margin=0.3)[["profit_all", "decision"]]
                 profit_all                        decision
    campaign_id
    A               10000.0            repeat for everyone
    B               -2600.0  retest with a bigger sample
    """
    where = "campaign_decisions"
    check_frame(funnel, "funnel", where=where, columns=_NEEDED,
                hint="Pass the output of campaign_funnel(..., margin=...).")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not 0 < margin <= 1:
        raise ParameterError(f"The 'margin' parameter of {where} must be a number in (0, 1]. "
                             f"Got {margin!r}.")
    # the funnel's incremental ROI was computed with some margin: it must be this one
    implied = (margin * funnel["incremental_revenue"] - funnel["cost"]) / funnel["cost"]
    off = ~np.isclose(implied, funnel["incremental_roi"], rtol=1e-9, equal_nan=True)
    if off.any():
        raise DataError(f"{where}: the funnel's incremental_roi of {format_examples(funnel.index[off])} "
                        f"was not computed with margin={margin:g}. Recompute the funnel with "
                        f"campaign_funnel(..., margin={margin:g}).")
    policies = dict(policies or {})
    unknown = [k for k in policies if k not in funnel.index]
    if unknown:
        raise DataError(f"{where}: policies for campaigns not in the funnel: "
                        f"{format_examples(unknown)}.")
    rows = {}
    for cid, f in funnel.iterrows():
        audience = int(f["n_treatment"] + f["n_control"])
        scale = audience / f["n_treatment"]  # the treated arm's increment, for everyone
        cost_everyone = _treated_cost(f) * audience
        prof = [margin * f[c] * scale - cost_everyone for c in
                ("incremental_revenue", "incremental_revenue_low", "incremental_revenue_high")]
        row = {"audience": audience, "profit_all": prof[0], "profit_all_low": prof[1],
               "profit_all_high": prof[2], "best_share": np.nan, "profit_targeted": np.nan,
               "profit_targeted_low": np.nan, "profit_targeted_high": np.nan}
        ev = policies.get(cid)
        if ev is not None:
            pol = getattr(ev, "policy", None)
            if not isinstance(pol, pd.DataFrame):
                raise ParameterError(f"{where}: the policy of {cid!r} must be an "
                                     "UpliftEvaluation (from evaluate_uplift).")
            name = model if model is not None else pol.index[0]
            if name not in pol.index:
                raise ParameterError(f"{where}: model {name!r} not in the evaluation of {cid!r} "
                                     f"(models: {format_examples(pol.index)}).")
            k = audience / ev.n_units
            p = pol.loc[name]
            row.update(best_share=float(p["best_share"]), profit_targeted=float(p["profit"]) * k,
                       profit_targeted_low=float(p["profit_low"]) * k,
                       profit_targeted_high=float(p["profit_high"]) * k)
        row["decision"], row["reason"] = _rule(row)
        rows[cid] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = funnel.index.name
    chosen = np.where(out["decision"] == "repeat, targeted", out["profit_targeted"],
                      out["profit_all"])
    return out.assign(_k=chosen).sort_values("_k", ascending=False).drop(columns="_k")


def _treated_cost(f: pd.Series) -> float:
    """Cost per treated customer (the control arm is not contacted, so the cost is theirs)."""
    return float(f["cost"]) / float(f["n_treatment"])


def _rule(row: dict) -> tuple[str, str]:
    lo, mid = row["profit_all_low"], row["profit_all"]
    t_lo, t_mid, share = row["profit_targeted_low"], row["profit_targeted"], row["best_share"]
    targeted_ok = np.isfinite(t_lo) and t_lo > 0 and share < 1 and t_mid > mid
    if targeted_ok:
        return ("repeat, targeted",
                f"sending only to the top {share:.0%} by predicted uplift is expected to earn "
                "more than sending to everyone, and its profit interval lies above zero")
    if lo > 0:
        return ("repeat for everyone", "the whole audience's profit interval lies above zero")
    if row["profit_all_high"] < 0 and not (np.isfinite(t_lo) and t_lo > 0):
        return ("stop", "the profit interval lies below zero and no targeted share is "
                        "surely profitable")
    return ("retest with a bigger sample", "the profit interval includes zero: the test "
                                           "cannot tell a gain from a loss")
