"""Uplift: the Qini curve against a brute-force count, the coefficient's fixed points, the
learners on a process with a known effect, the default campaigns' true segment uplift, the
targeting policy's limits, Hillstrom's purchasers-only trap, and errors.

scikit-uplift (a peer that clashes with our pins) is compared in ``benchmarks/bench_uplift.py``:
``qini_coefficient`` equals its ``qini_auc_score`` to the last digit on Hillstrom.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from crmlib.datasets import load_default, load_hillstrom
from crmlib.exceptions import DataError, ParameterError
from crmlib.promotion import (
    ab_test,
    campaign_units,
    evaluate_uplift,
    fit_uplift,
    qini_coefficient,
    qini_curve,
    uplift_by_segment,
)

# --- the curve and the coefficient -----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.integers(0, 5)), min_size=4, max_size=40))
def test_qini_curve_counts_the_top_scored_units(rows):
    y = np.array([r[0] for r in rows], float)
    w = np.array([r[1] for r in rows])
    s = np.array([r[2] for r in rows], float)
    if w.all() or not w.any():
        return
    curve = qini_curve(y, w, s)
    # brute force: at each distinct score, everyone scoring at least that much is targeted
    for thr, row in zip(np.unique(s)[::-1], curve.iloc[1:].itertuples(), strict=True):
        top = s >= thr
        nt, nc = (top & w).sum(), (top & ~w).sum()
        yt, yc = y[top & w].sum(), y[top & ~w].sum()
        assert row.n_targeted == top.sum()
        assert row.qini == pytest.approx(yt - (yc * nt / nc if nc else 0.0))
        rt = yt / nt if nt else 0.0
        rc = yc / nc if nc else 0.0
        assert row.uplift == pytest.approx((rt - rc) * top.sum())
    assert curve.iloc[0].tolist()[:2] == [0.0, 0.0]


def test_coefficient_fixed_points():
    rng = np.random.default_rng(7)
    n = 20_000
    w = rng.random(n) < 0.5
    y = (rng.random(n) < 0.1 + 0.1 * w).astype(float)
    perfect = y * w - y * ~w
    assert qini_coefficient(y, w, perfect) == pytest.approx(1.0)
    # a random score: mean 0; its spread over seeds gives the tolerance (5 SDs)
    draws = [qini_coefficient(y, w, np.random.default_rng(i).random(n)) for i in range(40)]
    assert abs(np.mean(draws)) < 5 * np.std(draws) / np.sqrt(len(draws))
    # reversing a good score makes it worse than random
    assert qini_coefficient(y, w, -perfect) < 0


# --- learners on a known process -------------------------------------------------------------


@pytest.fixture(scope="module")
def known():
    """Two segments: uplift 0.15 for 'a', 0 for 'b'; a noise feature; 50/50 or 30/70 split."""
    rng = np.random.default_rng(11)
    n = 24_000
    f = pd.DataFrame({"seg": rng.choice(["a", "b"], n), "noise": rng.normal(size=n),
                      "w": rng.random(n) < 0.3})
    f["y"] = (rng.random(n) < 0.2 + 0.15 * ((f["seg"] == "a") & f["w"])).astype(int)
    return f


@pytest.mark.parametrize("method", ["two_model", "class_transformation", "forest"])
def test_learners_recover_a_known_segment_effect(known, method):
    model = fit_uplift(known, "y", treatment="w", features=["seg", "noise"], method=method)
    pred = pd.Series(model.predict(known), index=known.index).groupby(known["seg"]).mean()
    cells = uplift_by_segment(known, "y", treatment="w", segment="seg")
    # tolerance: the sampling SD of each segment's difference in rates, 4 SDs
    se = np.sqrt(0.35 * 0.65 / cells.loc["a", "n_treated"] + 0.2 * 0.8 / cells.loc["a", "n_control"])
    assert pred["a"] == pytest.approx(0.15, abs=4 * se)
    assert pred["b"] == pytest.approx(0.0, abs=4 * se)
    assert "fitted on 24,000 units (30% treated)" in str(model)


def test_forest_handles_a_spend_outcome(known):
    spend = known.assign(spend=known["y"] * 50.0)
    model = fit_uplift(spend, "spend", treatment="w", features=["seg"], method="forest")
    pred = pd.Series(model.predict(spend)).groupby(spend["seg"].to_numpy()).mean()
    assert pred["a"] > pred["b"] + 3
    assert model.importance.index[0] == "seg_a" or model.importance.index[0] == "seg_b"


# --- the default campaigns (truth) -----------------------------------------------------------


@pytest.fixture(scope="module")
def default():
    return load_default(tables=["campaigns", "customers", "orders", "truth_customers"])


def test_segment_uplift_recovers_the_truth(default):
    truth = default.truth["campaigns"]
    seg = default.tables["truth_customers"].set_index("customer_id")["segment"]
    checks = []
    for cid, t in ((k, v) for k, v in truth.items() if k.startswith("CMP")):
        u = campaign_units(default.campaigns, default.customers, default.orders, cid)
        u["segment"] = seg.reindex(u["customer_id"]).to_numpy()
        checks.append((u, t))
    n_tests = sum(len(t["expected_uplift_by_segment"]) for _, t in checks)
    # Bonferroni: every segment of every campaign inside a 1 - 0.001/n interval
    alpha = 0.001 / n_tests
    for u, t in checks:
        table = uplift_by_segment(u, "converted", treatment="treated", segment="segment", alpha=alpha)
        for name, value in t["expected_uplift_by_segment"].items():
            assert table.loc[name, "ci_low"] <= value <= table.loc[name, "ci_high"], name


def test_cuped_with_pre_period_orders_reduces_variance_without_bias(default):
    u = campaign_units(default.campaigns, default.customers, default.orders, "CMP04")
    plain = ab_test(u, "converted")
    cuped = ab_test(u, "converted", covariate="pre_orders")
    rho = np.corrcoef(u["converted"], u["pre_orders"])[0, 1]
    assert cuped.variance_reduction == pytest.approx(rho ** 2, abs=1e-3)
    truth = default.truth["campaigns"]["CMP04"]["expected_uplift"]
    row = cuped.comparisons.loc["treatment"]
    z = stats.norm.ppf(1 - 0.001 / 2)
    assert abs(row["difference"] - truth) < z * (row["ci_high"] - row["ci_low"]) / (2 * 1.96)
    assert (row["ci_high"] - row["ci_low"]) < (plain.comparisons.loc["treatment", "ci_high"]
                                               - plain.comparisons.loc["treatment", "ci_low"])


def test_campaign_units_uses_only_orders_before_the_send(default):
    u = campaign_units(default.campaigns, default.customers, default.orders, "CMP02")
    o = default.orders
    send = pd.Timestamp("2024-09-02")
    one = u.loc[u["pre_orders"] > 0, "customer_id"].iloc[0]
    mine = o[(o["customer_id"] == one) & (o["status"] == "completed")
             & (o["order_date"] < send) & (o["order_date"] >= send - pd.Timedelta(days=90))]
    row = u.set_index("customer_id").loc[one]
    assert row["pre_orders"] == len(mine)
    assert row["pre_spend"] == pytest.approx(mine["net_amount"].sum())
    with pytest.raises(DataError, match="campaign 'CMP99' not in"):
        campaign_units(default.campaigns, default.customers, default.orders, "CMP99")
    with pytest.raises(DataError, match="not in the customer table"):
        campaign_units(default.campaigns, default.customers.iloc[10:], default.orders, "CMP01")


# --- the targeting policy --------------------------------------------------------------------


def test_policy_limits(known):
    model = fit_uplift(known, "y", treatment="w", features=["seg"])
    score = model.predict(known)
    free = evaluate_uplift(known["y"], known["w"], {"m": score}, cost=0.0, n_boot=0)
    # with free contacts, targeting the responsive half earns what targeting everyone does
    assert free.policy.loc["m", "profit"] >= free.policy.loc["m", "profit_all"] - 1e-9
    # a contact dearer than the best possible gain (value 1 per conversion): target no one
    dear = evaluate_uplift(known["y"], known["w"], {"m": score}, value=1.0, cost=1.01, n_boot=0)
    assert dear.policy.loc["m", "best_share"] == 0.0 and dear.policy.loc["m", "profit"] == 0.0
    # the break-even cost: uplift 0.15 in segment 'a' -> cost 0.10 leaves only 'a' worth it
    mid = evaluate_uplift(known["y"], known["w"], {"m": score}, value=1.0, cost=0.10, n_points=20,
                          n_boot=50)
    share_a = (known["seg"] == "a").mean()
    assert abs(mid.policy.loc["m", "best_share"] - share_a) <= 0.05 + 1e-9
    assert mid.policy.loc["m", "profit_low"] <= mid.policy.loc["m", "profit"] <= mid.policy.loc["m", "profit_high"]
    assert any("rough band ends" in n for n in mid.notes)


def test_bootstrap_is_reproducible_and_shared_across_models(known):
    a = evaluate_uplift(known["y"], known["w"], {"x": known["noise"], "y": -known["noise"]},
                        n_boot=30, random_state=3)
    b = evaluate_uplift(known["y"], known["w"], {"x": known["noise"]}, n_boot=30, random_state=3)
    pd.testing.assert_frame_equal(a.coefficients.loc[["x"]], b.coefficients)


# --- Hillstrom: the purchasers-only trap -----------------------------------------------------


@pytest.mark.realdata
def test_hillstrom_purchasers_only_hides_the_effect(real_data_home):
    hs = load_hillstrom(real_data_home)
    two = hs[hs["segment"].isin(["Mens E-Mail", "No E-Mail"])].astype({"segment": str})
    everyone = ab_test(two, "spend", group_col="segment", control="No E-Mail")
    buyers = ab_test(two[two["conversion"]], "spend", group_col="segment", control="No E-Mail",
                     planned={"Mens E-Mail": 267, "No E-Mail": 122})
    row_all = everyone.comparisons.loc["Mens E-Mail"]
    row_buy = buyers.comparisons.loc["Mens E-Mail"]
    # spend per customer more than doubles; among purchasers the e-mail seems to do nothing
    assert row_all["ci_low"] > 0 and row_all["relative_lift"] > 1.0
    assert row_buy["ci_low"] < 0 < row_buy["ci_high"]
    # identity: spend per customer = conversion rate x spend per purchaser, in each arm
    for arm in ["Mens E-Mail", "No E-Mail"]:
        g = two[two["segment"] == arm]
        assert g["spend"].mean() == pytest.approx(
            g["conversion"].mean() * g.loc[g["conversion"], "spend"].mean())


# --- errors ----------------------------------------------------------------------------------


def test_uplift_errors(known):
    with pytest.raises(DataError, match="holds labels"):
        fit_uplift(known.assign(w=np.where(known["w"], "t", "c")), "y", treatment="w", features=["seg"])
    labelled = known.assign(w=np.where(known["w"], "t", "c"))
    assert fit_uplift(labelled, "y", treatment="w", features=["seg"], treated="t", control="c")
    with pytest.raises(DataError, match="arms other than"):
        fit_uplift(labelled.assign(w=labelled["w"].where(labelled.index > 5, "x")), "y",
                   treatment="w", features=["seg"], treated="t", control="c")
    with pytest.raises(DataError, match="needs a 0/1 outcome"):
        fit_uplift(known.assign(y=known["y"] * 2.5), "y", treatment="w", features=["seg"],
                   method="class_transformation")
    with pytest.raises(DataError, match="control arm has outcome 0"):
        fit_uplift(known.assign(y=known["y"] * known["w"]), "y", treatment="w", features=["seg"])
    with pytest.raises(DataError, match="feature 'noise' has 1 missing"):
        fit_uplift(known.assign(noise=known["noise"].where(known.index > 0)), "y", treatment="w",
                   features=["seg", "noise"])
    with pytest.raises(ParameterError, match="may not include the outcome"):
        fit_uplift(known, "y", treatment="w", features=["seg", "y"])
    with pytest.raises(ParameterError, match="'features' parameter"):
        fit_uplift(known, "y", treatment="w", features="seg")
    with pytest.raises(ParameterError, match="same length"):
        qini_curve([1, 0], [1, 0, 1], [0.1, 0.2])
    with pytest.raises(DataError, match="one arm"):
        qini_coefficient([1, 0], [1, 1], [0.1, 0.2])
    with pytest.raises(DataError, match="score has 1 missing"):
        qini_coefficient([1, 0], [1, 0], [np.nan, 0.2])
    with pytest.raises(ParameterError, match="'scores' parameter"):
        evaluate_uplift([1, 0], [1, 0], [0.1, 0.2])
