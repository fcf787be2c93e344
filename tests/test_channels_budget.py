"""The budget optimiser: the closed-form optimum of Michaelis-Menten curves, equal marginal
ROI at an interior optimum (KKT), bounds and locks that bind, the target-ROAS mode, and the
infeasible cases of the issue."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlib.channels import hill_response, optimise_budget
from crmlib.exceptions import DataError, ParameterError


def _closed_form(betas, ks, total):
    # maximise sum b s / (s + K) s.t. sum s = T: b K / (s + K)^2 = lambda for all channels
    # -> s + K = sqrt(b K / lambda), so 1 / sqrt(lambda) = (T + sum K) / sum sqrt(b K)
    root = np.sqrt(np.asarray(betas) * np.asarray(ks))
    scale = (total + np.sum(ks)) / root.sum()
    return root * scale - np.asarray(ks)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(500, 5000), st.floats(200, 2000)), min_size=2, max_size=5),
       st.floats(2000, 20000))
def test_michaelis_menten_closed_form(channels, total):
    betas, ks = zip(*channels, strict=True)
    expected = _closed_form(betas, ks, total)
    if (expected <= 0).any():  # a corner solution: the closed form does not apply
        return
    curves = {f"c{i}": hill_response(b, k) for i, (b, k) in enumerate(channels)}
    res = optimise_budget(curves, {c: total / len(curves) for c in curves})
    got = res.table.loc[list(curves), "optimised"].to_numpy()
    assert np.allclose(got, expected, rtol=1e-4, atol=1e-3 * total)
    assert res.table.loc["total", "optimised"] == pytest.approx(total)


def test_interior_channels_share_the_marginal_roi_and_bounds_bind():
    curves = {"tv": hill_response(900_000, 1_200_000, 1.5, 0.7),
              "search": hill_response(1_950_000, 400_000, 1.0, 0.15),
              "social": hill_response(600_000, 300_000, 1.2, 0.35),
              "display": hill_response(130_000, 50_000, 1.0, 0.25),
              "email": hill_response(530_000, 40_000, 1.0, 0.1)}
    current = {"tv": 337_000, "search": 245_000, "social": 145_000, "display": 130_000, "email": 17_500}
    res = optimise_budget(curves, current, bounds={"email": (0, 20_000)}, locked=["tv"])
    t = res.table
    assert t.loc["tv", "binding"] == "locked" and t.loc["tv", "optimised"] == current["tv"]
    assert t.loc["email", "binding"] == "upper bound"
    interior = t.index[t["binding"] == "budget"]
    assert len(interior) >= 2
    assert np.ptp(t.loc[interior, "marginal_roi"].astype(float)) < 1e-3 * res.shadow_price
    # a bound-limited channel would earn more per yuan than the shadow price
    assert t.loc["email", "marginal_roi"] > res.shadow_price
    # the optimum is at least as good as today's split
    assert t.loc["total", "response_optimised"] >= t.loc["total", "response_current"] - 1e-6
    assert t.loc["total", "optimised"] == pytest.approx(sum(current.values()))


def test_target_roas_finds_the_largest_budget_that_earns_it():
    curves = {"a": hill_response(3000.0, 1000.0), "b": hill_response(1000.0, 1000.0)}
    res = optimise_budget(curves, {"a": 500.0, "b": 500.0}, target_roas=1.5)
    assert res.roas == pytest.approx(1.5, rel=1e-4)
    more = optimise_budget(curves, {"a": 500.0, "b": 500.0}, total=res.total * 1.05)
    assert more.roas < 1.5  # a larger budget no longer earns the target
    with pytest.raises(DataError, match="no split reaches ROAS 5"):
        optimise_budget(curves, {"a": 500.0, "b": 500.0}, target_roas=5.0)


def test_infeasible_and_malformed_budgets():
    curves = {"a": hill_response(3000.0, 1000.0), "b": hill_response(1000.0, 1000.0)}
    now = {"a": 500.0, "b": 500.0}
    with pytest.raises(DataError, match="lower bounds of the free channels sum to 1,200"):
        optimise_budget(curves, now, bounds={"a": (600, 900), "b": (600, 900)})
    with pytest.raises(DataError, match="upper bounds of the free channels sum to 400"):
        optimise_budget(curves, now, bounds={"a": (0, 200), "b": (0, 200)})
    with pytest.raises(ParameterError, match="not both"):
        optimise_budget(curves, now, total=1000, target_roas=2)
    with pytest.raises(ParameterError, match="without a curve: 'c'"):
        optimise_budget(curves, {**now, "c": 1.0})
    with pytest.raises(ParameterError, match="in locked/bounds have no curve"):
        optimise_budget(curves, now, locked=["tv"])
    with pytest.raises(ParameterError, match="0 <= low <= high"):
        optimise_budget(curves, now, bounds={"a": (900, 100)})
    # a channel with zero spend today can still receive budget
    res = optimise_budget(curves, {"a": 1000.0, "b": 0.0})
    assert res.table.loc["b", "optimised"] > 0
    # max_change keeps every channel within +-10% of today
    capped = optimise_budget(curves, now, max_change=0.1)
    assert capped.table.loc["a", "optimised"] == pytest.approx(550.0)
    assert capped.table.loc["a", "binding"] == "upper bound"
