"""The team's incentive table and the plan's risk list.

:func:`incentive_table` ties each team's variable pay to the dashboard's KPIs: a weight per
KPI (the weights of a team sum to one) and a payout share by status (green, amber, red).
:func:`risk_register` reads the model ranges behind the targets as intervals of a normal
outcome and gives each target's probability of being missed: a target set at the model's
central expectation is missed about half the time, one set at the pessimistic end rarely.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import NormalDist

import numpy as np
import pandas as pd

from crmlib._validation import check_real, format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["PAYOUT", "incentive_table", "risk_register"]

#: Share of a KPI's weight paid out by dashboard status.
PAYOUT = {"green": 1.0, "amber": 0.5, "red": 0.0}


def incentive_table(targets: pd.DataFrame, weights: Mapping[str, Mapping[str, float]], *,
                    payout: Mapping[str, float] = PAYOUT) -> pd.DataFrame:
    """One row per team x KPI: the KPI's weight in the team's variable pay and the share paid
    at each status.

    Raises
    ------
    DataError
        A KPI that is not in the targets, a negative weight, a team whose weights do not sum
        to 1 (within 1e-9), a payout share outside [0, 1] or not falling from green to red.

    >>> t = pd.DataFrame(index=pd.Index(["revenue", "nps"], name="kpi"))
    >>> incentive_table(t, {"sales": {"revenue": 0.7, "nps": 0.3}})["pay_at_amber"].round(2).tolist()
    [0.35, 0.15]
    """
    where = "incentive_table"
    if set(payout) != set(PAYOUT):
        raise ParameterError(f"The 'payout' parameter of {where} must give a share for each of {list(PAYOUT)}; "
                             f"got {sorted(payout)}.")
    for k, v in payout.items():
        check_real(v, f"payout['{k}']", where=where, low=0, high=1)
    if not payout["green"] >= payout["amber"] >= payout["red"]:
        raise DataError(f"{where}: payout shares must not rise from green to amber to red; got {dict(payout)}.")
    if not weights:
        raise DataError(f"{where}: no team given; map each team to the weights of its KPIs.")
    rows = []
    for team, kpis in weights.items():
        unknown = [k for k in kpis if k not in targets.index]
        if unknown:
            raise DataError(f"{where}: team {team!r} is paid on {format_examples(unknown)}, which the plan has no "
                            f"target for (KPIs: {format_examples(list(targets.index), 10)}).")
        bad = [k for k, w in kpis.items() if not (isinstance(w, (int, float)) and np.isfinite(w) and w >= 0)]
        if bad:
            raise DataError(f"{where}: team {team!r} has weights that are not numbers >= 0 for {format_examples(bad)}.")
        total = float(sum(kpis.values()))
        if abs(total - 1.0) > 1e-9:
            raise DataError(f"{where}: the weights of team {team!r} sum to {total:g}, not 1; rescale them.")
        for k, w in kpis.items():
            rows.append({"team": team, "kpi": k, "weight": float(w),
                         **{f"pay_at_{s}": float(w) * payout[s] for s in PAYOUT}})
    return pd.DataFrame(rows).set_index(["team", "kpi"])


def risk_register(targets: pd.DataFrame, *, ci: float = 0.9,
                  causes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Each target's probability of being missed, largest first.

    The range ``[low, high]`` of a target is read as the central ``ci`` interval of a normal
    outcome around ``expected``; the probability of a miss is that of ending on the wrong
    side of the target.  ``causes`` adds the main source of each risk in words.

    >>> t = pd.DataFrame({"target": [110.0], "expected": [110.0], "low": [100.0], "high": [120.0],
    ...                   "higher_is_better": [True]}, index=pd.Index(["revenue"], name="kpi"))
    >>> float(risk_register(t).loc["revenue", "p_miss"])
    0.5
    """
    ci = check_real(ci, "ci", where="risk_register", low=0.5, high=0.999)
    need = {"target", "expected", "low", "high", "higher_is_better"}
    if not need <= set(targets.columns):
        raise ParameterError(f"The 'targets' parameter of risk_register must be the table of plan_targets "
                             f"(columns {sorted(need)}).")
    z = NormalDist().inv_cdf((1 + ci) / 2)
    rows = {}
    for k, t in targets.iterrows():
        sd = (t["high"] - t["low"]) / (2 * z)
        if sd <= 0:
            p = 0.0 if (t["expected"] >= t["target"]) == bool(t["higher_is_better"]) else 1.0
        else:
            below = NormalDist(t["expected"], sd).cdf(t["target"])
            p = below if t["higher_is_better"] else 1 - below
        rows[k] = {"p_miss": round(p, 12), "cause": (causes or {}).get(k, "")}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "kpi"
    return out.sort_values("p_miss", ascending=False, kind="stable")
