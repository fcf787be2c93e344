"""crmlib.market where-to-grow ranking and competitor positioning."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import crmlib.datasets as ds
import crmlib.market as mk
from crmlib.exceptions import DataError, ParameterError


@pytest.fixture(scope="module")
def data():
    return ds.load_default(tables=["market", "competitors"])


def _truth_inputs(truth):
    rows = {}
    for region, sizes in truth["market_size"].items():
        last = truth["shares"][region]["2025"]
        rivals = {b: s for b, s in last.items() if b != "Our retailer"}
        rows[region] = {"size": sizes["2025"], "growth": truth["cagr"][region],
                        "headroom": 1 - last["Our retailer"], "rival_share": max(rivals.values())}
    return pd.DataFrame.from_dict(rows, orient="index")


def test_ranking_from_the_data_equals_the_ranking_from_the_truth(data):
    """Estimated inputs differ from the truth by rounding only (see test_market_size_share):
    CAGR by <= 2.2e-5 and shares by <= 0.03 / 2400 + 3e-6 = 1.55e-5. A min-max score moves by
    at most 2 x error / range per criterion (the value and one end of the range), so the
    scores agree within sum_c 2 eps_c / range_c / 4; the truth's adjacent score gaps are far
    larger, so the order must be the same.
    """
    truth = data.truth["market"]
    est = mk.rank_opportunities(mk.opportunity_inputs(data.market))
    ref = mk.rank_opportunities(_truth_inputs(truth))
    assert est.table.index.tolist() == ref.table.index.tolist()
    t = _truth_inputs(truth)
    eps = {"size": 0.0, "growth": 2.2e-5, "headroom": 1.55e-5, "rival_share": 1.55e-5}
    bound = sum(2 * eps[c] / np.ptp(t[c]) for c in eps) / 4
    diff = (est.table["score"] - ref.table["score"].reindex(est.table.index)).abs()
    assert (diff <= bound).all()
    assert np.diff(ref.table["score"]).min() < -2 * bound  # no near-ties in the truth
    assert "score = mean of the 0-1 scaled" in est.summary()


def test_rule_by_hand_and_weights():
    cells = pd.DataFrame({"size": [10.0, 20.0, 30.0], "growth": [0.3, 0.2, 0.1],
                          "headroom": [0.5, 0.5, 0.5], "rival_share": [0.1, 0.2, 0.3]},
                         index=["a", "b", "c"])
    res = mk.rank_opportunities(cells, weights={"size": 1})
    assert res.table.index.tolist() == ["c", "b", "a"]
    assert res.table["score"].tolist() == [1.0, 0.5, 0.0]
    res = mk.rank_opportunities(cells)
    assert res.table.loc["a", "score"] == pytest.approx((0 + 1 + 0.5 + 1) / 4)
    assert any("'headroom' is the same in every cell" in n for n in res.notes)


def test_split_by_segment_keeps_the_market_size(data):
    inputs = mk.opportunity_inputs(data.market)
    mix = pd.DataFrame([(r, s, w) for r in inputs.index for s, w in (("young", 0.3), ("family", 0.7))],
                       columns=["region", "segment", "weight"])
    cells = mk.split_by_segment(inputs, mix)
    assert len(cells) == 10
    assert np.allclose(cells["size"].groupby(level="region").sum(), inputs["size"])
    assert mk.rank_opportunities(cells).table["rank"].tolist() == list(range(1, 11))
    with pytest.raises(DataError, match="must sum to 1"):
        mk.split_by_segment(inputs, mix.assign(weight=0.4))


@given(st.lists(st.tuples(st.floats(1, 1e4), st.floats(-0.2, 0.3), st.floats(0, 1),
                          st.floats(0, 1)), min_size=2, max_size=8))
def test_scores_lie_in_unit_interval_and_ranks_are_a_permutation(rows):
    cells = pd.DataFrame(rows, columns=["size", "growth", "headroom", "rival_share"])
    t = mk.rank_opportunities(cells).table
    assert t["score"].between(0, 1).all()
    assert sorted(t["rank"]) == list(range(1, len(rows) + 1))
    assert (np.diff(t["score"]) <= 1e-12).all()


def test_opportunity_bad_input(data):
    with pytest.raises(DataError, match="ours='Us' is not a brand"):
        mk.opportunity_inputs(data.market, ours="Us")
    with pytest.raises(ParameterError, match="'weights' parameter"):
        mk.rank_opportunities(pd.DataFrame({"size": [1.0, 2.0]}), weights={"sise": 1})
    with pytest.raises(DataError, match="at least 2 cells"):
        mk.rank_opportunities(pd.DataFrame({"size": [1.0]}), weights={"size": 1})
    with pytest.raises(DataError, match="missing"):
        mk.rank_opportunities(pd.DataFrame({"size": [1.0, np.nan]}), weights={"size": 1})


# ------------------------------------------------------------------------ positioning
def test_benchmark_equals_the_truth_table(data):
    truth = data.truth["market"]["competitors"]
    res = mk.competitor_benchmark(data.competitors)
    for attr, row in res.table.iterrows():
        ours = truth["Our retailer"][attr]
        rivals = {b: v[attr] for b, v in truth.items() if b != "Our retailer"}
        sign = -1 if attr == "price_index" else 1
        assert row["ours"] == ours
        assert row["rival_mean"] == pytest.approx(np.mean(list(rivals.values())))
        assert row["gap_to_mean"] == pytest.approx(sign * (ours - np.mean(list(rivals.values()))))
        assert row["rank"] == 1 + sum(sign * v > sign * ours for v in rivals.values())
    # the retailer is a mid-market all-rounder: above the rivals' mean on the four scores
    assert sorted(res.lead_with) == ["assortment_score", "digital_score", "quality_score",
                                     "service_score"]
    assert res.table.loc["price_index", "best_rival"] == "Redwood Mart"  # cheapest
    assert "Lead with" in res.summary()


def test_positioning_map_and_plot(data):
    shares = mk.market_shares(data.market)
    last = shares[(shares["region"] == "All markets") & (shares["year"] == 2025)]
    pos = mk.positioning_map(data.competitors, shares=last.set_index("brand")["share"])
    assert pos["share"].sum() == pytest.approx(1.0)
    assert pos.loc["Harbor Club", "quadrant"] == "high y, high x"
    fig, ax = plt.subplots()
    out = mk.plot_positioning_map(pos, ax=ax)
    assert out is ax
    sizes = ax.collections[0].get_sizes()
    assert np.allclose(sizes, 2000 * pos["share"].to_numpy())
    assert ax.get_xlabel() == "price_index" and len(ax.texts) == 5
    edges = ax.collections[0].get_edgecolors()
    assert len(edges) == 5


def test_positioning_bad_input(data):
    with pytest.raises(DataError, match="at least 2 rivals"):
        mk.competitor_benchmark(data.competitors.iloc[:2])
    with pytest.raises(DataError, match="ours='X' is not in column 'brand'"):
        mk.positioning_map(data.competitors, ours="X")
    with pytest.raises(DataError, match="column 'taste' not in competitors"):
        mk.competitor_benchmark(data.competitors, attributes=["taste"])
    with pytest.raises(ParameterError, match="'ax' parameter"):
        mk.plot_positioning_map(mk.positioning_map(data.competitors), ax="left")
