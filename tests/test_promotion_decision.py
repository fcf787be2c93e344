"""The campaign decision table: every branch of the rule, the scaling to the audience and
from the holdout, and the margin consistency check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmlib.exceptions import DataError, ParameterError
from crmlib.promotion import campaign_decisions, evaluate_uplift


def _funnel(rows, margin=0.3):
    f = pd.DataFrame(rows, columns=["campaign_id", "n_treatment", "n_control", "incremental_revenue",
                                    "incremental_revenue_low", "incremental_revenue_high", "cost"])
    f = f.set_index("campaign_id")
    f["incremental_roi"] = (margin * f["incremental_revenue"] - f["cost"]) / f["cost"]
    return f


class _Eval:
    """A stand-in for an UpliftEvaluation: a policy table and the holdout size."""

    def __init__(self, share, profit, low, high, n_units=100):
        self.policy = pd.DataFrame({"best_share": [share], "profit": [profit], "profit_low": [low],
                                    "profit_high": [high], "profit_all": [0.0]}, index=["m"])
        self.n_units = n_units


def test_every_branch_of_the_rule():
    f = _funnel([("sure", 500, 500, 20_000, 8_000, 32_000, 1_000),
                 ("lossy", 500, 500, -5_000, -9_000, -1_000, 1_000),
                 ("unclear", 500, 500, 2_000, -6_000, 10_000, 1_000),
                 ("targeted", 500, 500, 2_000, -6_000, 10_000, 1_000)])
    d = campaign_decisions(f, margin=0.3, policies={"targeted": _Eval(0.3, 100, 20, 180)})
    assert d.loc["sure", "decision"] == "repeat for everyone"
    assert d.loc["lossy", "decision"] == "stop"
    assert d.loc["unclear", "decision"] == "retest with a bigger sample"
    assert d.loc["targeted", "decision"] == "repeat, targeted"
    # everyone: margin x increment of the treated arm scaled to the audience, minus the cost of
    # contacting the whole audience at the treated arm's cost per customer
    assert d.loc["sure", "profit_all"] == pytest.approx(0.3 * 20_000 * 2 - 1_000 * 2)
    assert d.loc["sure", "profit_all_low"] == pytest.approx(0.3 * 8_000 * 2 - 2_000)
    # targeted: the holdout's profit scaled from 100 held-out units to the audience of 1,000
    assert d.loc["targeted", "profit_targeted"] == pytest.approx(100 * 10)
    assert d.index[0] == "sure"  # sorted by the profit of the chosen action


def test_a_targeted_share_that_does_not_beat_everyone_is_not_chosen():
    f = _funnel([("A", 500, 500, 20_000, 8_000, 32_000, 1_000)])
    d = campaign_decisions(f, margin=0.3, policies={"A": _Eval(0.5, 500, 100, 900)})
    # 500 x 10 = 5,000 < everyone's 10,000
    assert d.loc["A", "decision"] == "repeat for everyone"
    # a stop is overruled by a surely profitable targeted share only when it beats everyone
    g = _funnel([("B", 500, 500, -5_000, -9_000, -1_000, 1_000)])
    assert campaign_decisions(g, margin=0.3, policies={"B": _Eval(0.1, 50, 5, 90)}).loc[
        "B", "decision"] == "repeat, targeted"


def test_decision_errors():
    f = _funnel([("A", 500, 500, 20_000, 8_000, 32_000, 1_000)], margin=0.3)
    with pytest.raises(DataError, match="not computed with margin=0.5"):
        campaign_decisions(f, margin=0.5)
    with pytest.raises(ParameterError, match="'margin' parameter"):
        campaign_decisions(f, margin=0)
    with pytest.raises(DataError, match="campaigns not in the funnel"):
        campaign_decisions(f, margin=0.3, policies={"Z": _Eval(0.5, 1, 0, 2)})
    with pytest.raises(ParameterError, match="model 'x' not in"):
        campaign_decisions(f, margin=0.3, policies={"A": _Eval(0.5, 1, 0, 2)}, model="x")
    with pytest.raises(DataError, match="column 'incremental_roi' not in funnel"):
        campaign_decisions(f.drop(columns="incremental_roi"), margin=0.3)


def test_with_real_evaluations_the_scaling_uses_the_holdout_size():
    rng = np.random.default_rng(3)
    n = 2000
    w = rng.random(n) < 0.5
    y = (rng.random(n) < 0.2 + 0.05 * w).astype(float)
    ev = evaluate_uplift(y * 10 - w * 0.1, w, {"m": rng.random(n)}, n_boot=20)
    f = _funnel([("A", 500, 500, 20_000, 8_000, 32_000, 1_000)])
    d = campaign_decisions(f, margin=0.3, policies={"A": ev})
    assert d.loc["A", "profit_targeted"] == pytest.approx(ev.policy.loc["m", "profit"] * 1000 / n)
