"""Attribution: the exact removal effects of the default data's chain, their recovery from
the journeys within bootstrap error, flow identities of the fitted chain, the rules and the
Shapley values against brute force, and the edge cases of the issue (a channel in no journey,
journeys that never convert)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import crmlib.channels as ch
from crmlib.datasets import load_default
from crmlib.exceptions import DataError, ParameterError


@pytest.fixture(scope="module")
def default():
    d = load_default(tables=["journeys"])
    return d.journeys, d.truth["journeys"]


@pytest.fixture(scope="module")
def paths(default):
    return ch.journey_paths(default[0])


def test_the_chain_algebra_reproduces_the_recorded_truth(default):
    _, truth = default
    eff = ch.chain_removal_effects(truth["start_probabilities"], truth["transition_matrix"])
    for c, v in truth["removal_effects"].items():
        assert eff.loc[c, "removal_effect"] == pytest.approx(v, rel=1e-5)  # stored to 6 digits
    assert eff.attrs["conversion_probability"] == pytest.approx(truth["conversion_probability"], rel=1e-5)


def test_markov_recovers_the_true_shares_within_bootstrap_error(default, paths):
    _, truth = default
    iv = ch.attribution_intervals(paths, methods=["markov"], n_boot=200).set_index("channel")
    z = stats.norm.ppf(1 - 0.001 / (2 * len(iv)))  # Bonferroni over the channels
    for c, share in truth["removal_shares"].items():
        assert abs(iv.loc[c, "share"] - share) < z * iv.loc[c, "std_error"], c


@pytest.mark.parametrize("order", [1, 2, 3])
def test_the_fitted_chain_converts_at_the_observed_rate(paths, order):
    # flow conservation: the absorption probability of a chain fitted by frequencies equals
    # the observed conversion rate, at any order
    m = ch.markov_attribution(paths, order=order)
    assert m.conversion_probability == pytest.approx(paths.converted.mean(), abs=1e-10)
    assert m.table["share"].sum() == pytest.approx(1.0)


def test_higher_order_chain_of_first_order_data_agrees_with_first_order(paths):
    # the default journeys are first order: a second-order fit finds the same removal
    # effects within the bootstrap error of the first-order one
    one = ch.markov_attribution(paths, order=1).table["removal_effect"]
    two = ch.markov_attribution(paths, order=2).table["removal_effect"]
    iv = ch.attribution_intervals(paths, methods=["markov"], n_boot=100).set_index("channel")
    se_share = iv["std_error"]
    # shares and effects are proportional (sum of effects ~ 2): scale the share SE
    scale = one.sum()
    assert ((one - two).abs() < 4 * se_share * scale).all()


def test_a_million_simulated_journeys_recover_the_chain(default):
    _, truth = default
    j = ch.simulate_journeys(truth["start_probabilities"], truth["transition_matrix"], 200_000, seed=3)
    m = ch.markov_attribution(ch.journey_paths(j, value_col=None, time_col=None))
    exact = ch.chain_removal_effects(truth["start_probabilities"], truth["transition_matrix"])
    # sampling error of a removal effect with 200,000 journeys is about 1e-3: 5e-3 is 5 SDs
    assert (m.table["removal_effect"] - exact["removal_effect"]).abs().max() < 5e-3


# --- rules and Shapley against brute force ---------------------------------------------------


def test_rules_against_pandas(default, paths):
    touches, _ = default
    rules = ch.rule_attribution(paths)
    conv = touches[touches["converted"]].sort_values(["journey_id", "step"])
    first = conv.groupby("journey_id")["channel"].first().value_counts()
    last = conv.groupby("journey_id")["channel"].last().value_counts()
    assert (rules["first"] == first.reindex(rules.index).fillna(0)).all()
    assert (rules["last"] == last.reindex(rules.index).fillna(0)).all()
    n_len = conv.groupby("journey_id")["step"].transform("size")
    linear = (1 / n_len).groupby(conv["channel"], observed=False).sum()
    assert np.allclose(rules["linear"], linear.reindex(rules.index).fillna(0))
    assert np.allclose(rules.sum(), paths.converted.sum())
    value = ch.rule_attribution(paths, rules=["linear"], outcome="value")["linear"].sum()
    assert value == pytest.approx(paths.value.sum())


def test_time_decay_halves_per_half_life():
    t = pd.DataFrame({"journey_id": ["a", "a"], "step": [1, 2], "channel": ["x", "y"],
                      "converted": 1, "touch_date": pd.to_datetime(["2024-01-01", "2024-01-08"])})
    p = ch.journey_paths(t, value_col=None)
    td = ch.rule_attribution(p, rules=["time_decay"], half_life=7.0)["time_decay"]
    assert td["x"] == pytest.approx(1 / 3) and td["y"] == pytest.approx(2 / 3)


def test_shapley_enumeration_equals_the_closed_form(paths):
    exact = ch.shapley_attribution(paths)
    closed = ch.shapley_attribution(paths, exact_up_to=1)
    assert np.allclose(exact["shapley"], closed["shapley"], atol=1e-9)
    assert exact["shapley"].sum() == pytest.approx(paths.converted.sum())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from("abcd"), min_size=1, max_size=5), st.booleans()),
                min_size=1, max_size=30))
def test_shapley_axioms(journeys):
    rows = [(i, k + 1, c, y) for i, (path, y) in enumerate(journeys) for k, c in enumerate(path)]
    t = pd.DataFrame(rows, columns=["journey_id", "step", "channel", "converted"])
    p = ch.journey_paths(t, value_col=None, time_col=None, channels=list("abcd"))
    sv = ch.shapley_attribution(p)["shapley"]
    # efficiency: the credits add up to the conversions
    assert sv.sum() == pytest.approx(sum(y for _, y in journeys))
    # dummy: a channel never touched gets nothing
    used = {c for path, _ in journeys for c in path}
    for c in "abcd":
        if c not in used:
            assert sv[c] == 0


# --- edge cases and errors -------------------------------------------------------------------


def test_a_channel_in_no_journey_gets_no_credit(default):
    touches, _ = default
    chans = list(touches["channel"].cat.categories) + ["tv"]
    p = ch.journey_paths(touches, channels=chans)
    m = ch.markov_attribution(p)
    assert m.table.loc["tv", "removal_effect"] == 0 and m.table.loc["tv", "credit"] == 0
    assert "appear in no journey" in str(m)
    assert ch.shapley_attribution(p).loc["tv", "shapley"] == 0


def test_journeys_that_never_convert():
    t = pd.DataFrame({"journey_id": ["a", "a", "b"], "step": [1, 2, 1], "channel": ["x", "y", "x"],
                      "converted": 0})
    p = ch.journey_paths(t, value_col=None, time_col=None)
    with pytest.raises(DataError, match="no journey converted"):
        ch.markov_attribution(p)
    assert ch.rule_attribution(p, rules=["last"]).sum().sum() == 0
    assert ch.shapley_attribution(p)["shapley"].sum() == 0


def test_attribution_errors():
    t = pd.DataFrame({"journey_id": ["a", "a"], "step": [1, 2], "channel": ["x", None],
                      "converted": 1})
    with pytest.raises(DataError, match="column 'channel' has 1 missing"):
        ch.journey_paths(t, value_col=None, time_col=None)
    t = t.assign(channel=["x", "y"])
    with pytest.raises(DataError, match=r"channel\(s\) 'y' are not in channels="):
        ch.journey_paths(t, value_col=None, time_col=None, channels=["x"])
    with pytest.raises(DataError, match="must be 0/1"):
        ch.journey_paths(t.assign(converted="yes"), value_col=None, time_col=None)
    with pytest.raises(DataError, match="dates go backwards"):
        ch.journey_paths(t.assign(touch_date=pd.to_datetime(["2024-01-05", "2024-01-01"])),
                         value_col=None)
    p = ch.journey_paths(t, value_col=None, time_col=None)
    with pytest.raises(ParameterError, match="needs touch dates"):
        ch.rule_attribution(p, rules=["time_decay"])
    with pytest.raises(ParameterError, match="must be a JourneyPaths"):
        ch.markov_attribution(t)
    with pytest.raises(DataError, match="sum to"):
        ch.chain_removal_effects({"x": 1.0}, {"x": {"conversion": 0.5}})
    with pytest.raises(DataError, match="the touch table is empty"):
        ch.journey_paths(t.iloc[:0], value_col=None, time_col=None)
