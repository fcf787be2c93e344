"""Tests of lesson 02's decision table and grading criteria: segment_decisions,
purchase_probability, grade_check and the loyalty / purchase-probability points."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crmlib.datasets as ds
import crmlib.segmentation as seg
from crmlib.exceptions import DataError, ParameterError

AS_OF = "2025-12-28"


@pytest.fixture(scope="module")
def default_data():
    return ds.load_default(tables=["customers", "orders", "truth_customers"])


@pytest.fixture(scope="module")
def purchases(default_data):
    o = default_data.orders
    return o[(o["status"] == "completed") & (o["order_date"] <= pd.Timestamp(AS_OF))]


@pytest.fixture(scope="module")
def segments(purchases):
    scores = seg.rfm_scores(seg.rfm_table(purchases, as_of=AS_OF, amount_col="net_amount"))
    return seg.rfm_segments(scores)


@pytest.fixture(scope="module")
def decisions(purchases, segments):
    return seg.segment_decisions(purchases, segments, as_of=AS_OF, margin=0.25, amount_col="net_amount")


def _log(rows):
    cust, dates, amounts = zip(*rows)
    return pd.DataFrame({"customer_id": list(cust), "order_date": pd.to_datetime(list(dates)),
                         "amount": list(amounts)})


# ------------------------------------------------------------------------- the rule table
def test_every_rfm_segment_has_one_of_the_documented_actions():
    names = seg.rfm_segment_rules()["segment"].unique()
    assert set(seg.SEGMENT_ACTIONS) == set(names)
    assert set(seg.SEGMENT_ACTIONS.values()) == set(seg.ACTIONS)


# ------------------------------------------------------------------- segment_decisions
def test_decision_table_adds_up(decisions, segments, purchases):
    t = decisions.table
    assert list(t.index) == [s for s in seg.rfm_segment_rules()["segment"].drop_duplicates() if s in t.index]
    assert t["customers"].sum() == len(segments)
    assert t["revenue"].sum() == pytest.approx(purchases["net_amount"].sum())
    assert t["revenue_share"].sum() == pytest.approx(1.0)
    assert t["expected_margin"].to_numpy() == pytest.approx(0.25 * t["expected_revenue"].to_numpy())
    assert decisions.expected_revenue.sum() == pytest.approx(t["expected_revenue"].sum())
    assert sorted(t["priority"]) == list(range(1, len(t) + 1))
    assert t["priority"].idxmin() == t["expected_margin"].idxmax()
    assert all(t.loc[s, "action"] == seg.SEGMENT_ACTIONS[s] for s in t.index)
    text = decisions.summary()
    assert text.startswith(f"Decisions for {len(segments):,} customers in 9 segments")
    assert "1. champions: retain" in text
    assert set(decisions.by_action().index) == set(seg.ACTIONS)


def test_expected_revenue_agrees_with_the_truth_within_its_sampling_error(decisions, default_data):
    """The truth's expected value over 52 weeks per customer: the total of the estimate differs
    from it by less than three standard errors of the summed per-customer errors (and the two
    segments the rule retains, which hold most of the value, by less than three each)."""
    truth = default_data.truth_customers.set_index("customer_id")["expected_value_52w"]
    err = decisions.expected_revenue - truth.loc[decisions.expected_revenue.index]
    assert abs(err.sum()) < 3 * err.std() * np.sqrt(len(err))
    segs = seg.rfm_segments(seg.rfm_scores(seg.rfm_table(
        default_data.orders[default_data.orders["status"] == "completed"], as_of=AS_OF,
        amount_col="net_amount")))
    for name in ("champions", "loyal"):
        e = err[segs == name]
        assert abs(e.sum()) < 3 * e.std() * np.sqrt(len(e)), name


def test_decisions_refuse_bad_input(purchases, segments):
    with pytest.raises(ParameterError, match="'margin' parameter of segment_decisions"):
        seg.segment_decisions(purchases, segments, as_of=AS_OF, margin=1.5, amount_col="net_amount")
    with pytest.raises(ParameterError, match="must be a pandas Series"):
        seg.segment_decisions(purchases, segments.to_frame(), as_of=AS_OF, margin=0.3, amount_col="net_amount")
    with pytest.raises(DataError, match=r"segments .*'lost'.* have no action"):
        seg.segment_decisions(purchases, segments, as_of=AS_OF, margin=0.3, amount_col="net_amount",
                              actions={k: v for k, v in seg.SEGMENT_ACTIONS.items() if k != "lost"})
    ghost = pd.concat([segments, pd.Series(["lost"], index=["NOBODY"])])
    with pytest.raises(DataError, match="1 customers of 'segments' have no purchase"):
        seg.segment_decisions(purchases, ghost, as_of=AS_OF, margin=0.3, amount_col="net_amount")


# ---------------------------------------------------------------- purchase_probability
def test_purchase_probability_hand_example():
    log = _log([("A", "2023-01-05", 10.0), ("A", "2023-06-01", 12.0), ("B", "2023-02-01", 5.0),
                ("B", "2023-09-01", 6.0), ("C", "2023-03-01", 7.0), ("D", "2023-05-01", 8.0)])
    p = seg.purchase_probability(log, as_of="2023-12-31", horizon_days=180, bins=2, min_cell=1)
    assert p["purchase_probability"].to_dict() == {"A": 0.0, "B": 0.0, "C": 0.5, "D": 0.5}
    # with min_cell=3 no (R, F) cell is large enough: the R-score share, then the overall share
    p3 = seg.purchase_probability(log, as_of="2023-12-31", horizon_days=180, bins=2, min_cell=3)
    assert p3["purchase_probability"].tolist() == pytest.approx([0.25] * 4)


def test_purchase_probability_needs_an_earlier_horizon():
    log = _log([("A", "2023-01-05", 10.0), ("B", "2023-02-01", 5.0)])
    with pytest.raises(DataError, match="no purchase on or before 2022-02-04"):
        seg.purchase_probability(log, as_of="2023-02-04", horizon_days=365)


def test_purchase_probability_ranks_the_true_probability(purchases, default_data):
    p = seg.purchase_probability(purchases, as_of=AS_OF, amount_col="net_amount")
    truth = default_data.truth_customers.set_index("customer_id").loc[p.index]
    true_p = truth["alive_at_end"] * (1 - np.exp(-52 * truth["purchase_rate"]))
    assert p["purchase_probability"].between(0, 1).all()
    assert p["purchase_probability"].corr(true_p, method="spearman") > 0.6


# --------------------------------------------------------------------------- grade_check
def test_grade_check_perfect_and_reversed_criteria():
    future = pd.Series([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    alive = pd.Series([True, True, True, False, False, False])
    crit = pd.DataFrame({"flat": [1, 1, 1, 1, 1, 2], "perfect": [6, 5, 4, 3, 2, 1],
                         "grade": pd.Categorical(list("AABBCC"), categories=list("ABC"), ordered=True)})
    res = seg.grade_check(crit, future, alive, n_bootstrap=10)
    t = res.table
    assert t.loc["perfect", "rank_corr_value"] == pytest.approx(1.0)
    assert t.loc["perfect", "auc_alive"] == pytest.approx(1.0)
    assert t.loc["grade", "rank_corr_value"] > 0.9  # A (the first category) counts as best
    assert pd.isna(t.loc["flat", "rank_corr_value_diff"]) and res.baseline == "flat"
    assert "perfect: rank correlation with future value 1.000, AUC for alive 1.000" in res.summary()
    again = seg.grade_check(crit, future, alive, n_bootstrap=10)
    pd.testing.assert_frame_equal(t, again.table)


def test_grade_check_refuses_misaligned_or_unordered_input():
    crit = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="same index as 'criteria'"):
        seg.grade_check(crit, pd.Series([1.0, 2.0, 3.0], index=[2, 1, 0]))
    with pytest.raises(ParameterError, match="'baseline' parameter of grade_check"):
        seg.grade_check(crit, pd.Series([1.0, 2.0, 3.0]), baseline="y")
    with pytest.raises(DataError, match="unordered categorical"):
        seg.grade_check(pd.DataFrame({"g": pd.Categorical(list("ABC"))}), pd.Series([1.0, 2.0, 3.0]))


def test_the_multi_criteria_grade_beats_the_value_class_on_the_truth(purchases, default_data):
    rfm = seg.rfm_table(purchases, as_of=AS_OF, amount_col="net_amount")
    p = seg.purchase_probability(purchases, as_of=AS_OF, amount_col="net_amount")
    people = default_data.customers.set_index("customer_id")
    table = rfm.join(people["loyalty_member"]).join(p["purchase_probability"])
    grades = seg.grade_customers(table, loyalty_col="loyalty_member", probability_col="purchase_probability")
    truth = default_data.truth_customers.set_index("customer_id").loc[rfm.index]
    res = seg.grade_check(grades[["value_class", "points"]], truth["expected_value_52w"],
                          truth["alive_at_end"].astype(bool), n_bootstrap=20)
    assert bool(res.table.loc["points", "rank_corr_value_better"])


# ----------------------------------------------------------------- grade_customers extras
def test_loyalty_and_purchase_probability_points():
    t = pd.DataFrame({"monetary": [900.0, 60.0, 40.0], "frequency": [20, 2, 1],
                      "member": [1, 0, 1], "p": [0.9, 0.5, 0.1]}, index=["x", "y", "z"])
    base = seg.grade_customers(t)
    g = seg.grade_customers(t, loyalty_col="member", probability_col="p")
    assert (g["points"] - base["points"]).tolist() == [2, 0, 0]  # +1+1, 0+0, +1-1
    with pytest.raises(DataError, match="probabilities in \\[0, 1\\]"):
        seg.grade_customers(t.assign(p=[1.5, 0.5, 0.1]), probability_col="p")
    with pytest.raises(DataError, match="values without points"):
        seg.grade_customers(t.assign(member=["yes", "no", "yes"]), loyalty_col="member")
