"""The marketing plan's building blocks: SMART targets, the dashboard, incentives and risks.

Each SMART property is a rule that refuses a target breaking it; the dashboard's status
follows its thresholds on both sides of every boundary and for KPIs where lower is better;
incentive payouts are the weights times the status shares; the probability of a miss is the
normal tail its range implies (a target at the central expectation is missed half the time,
one at the pessimistic end of a 90% range 5% of the time).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmlib.exceptions import DataError, ParameterError
from crmlib.plan import PAYOUT, incentive_table, kpi_dashboard, plan_targets, risk_register

AS_OF = "2026-01-01"


def _row(**kw):
    base = dict(kpi="revenue", unit="yuan", baseline=100.0, target=110.0, low=95.0, high=120.0,
                due="2026-12-31", owner="sales", source="01 market.forecast")
    base.update(kw)
    return base


def test_targets_table_and_horizons():
    t = plan_targets([_row(), _row(kpi="nps", due="2026-03-31", baseline=30.0, target=33.0, low=31.0, high=36.0),
                      _row(kpi="share", due="2028-12-31", baseline=0.2, target=0.22, low=0.19, high=0.25)],
                     as_of=AS_OF)
    assert t.loc["revenue", "change"] == 10.0 and t.loc["revenue", "change_rate"] == pytest.approx(0.1)
    assert t["horizon"].to_dict() == {"revenue": "mid", "nps": "short", "share": "long"}
    assert t.loc["revenue", "expected"] == pytest.approx(107.5)  # the middle of the range by default


@pytest.mark.parametrize(("change", "match"), [
    (dict(target=130.0), "outside the model's expected range"),
    (dict(target=98.0, low=95.0), "worse than its baseline"),
    (dict(low=121.0), "above high"),
    (dict(due="2025-12-31"), "not after the plan's date"),
    (dict(due="not a date"), "must be a date"),
    (dict(owner=""), "lacks"),
    (dict(source=None), "lacks"),
    (dict(baseline=float("nan")), "finite number"),
    (dict(target=True), "finite number"),
    (dict(expected=150.0), "expected value"),
])
def test_a_target_breaking_a_smart_rule_is_refused(change, match):
    with pytest.raises(DataError, match=match):
        plan_targets([_row(**change)], as_of=AS_OF)


def test_repeated_kpis_empty_plans_and_bad_dates_are_refused():
    with pytest.raises(DataError, match="appears twice"):
        plan_targets([_row(), _row()], as_of=AS_OF)
    with pytest.raises(DataError, match="no targets"):
        plan_targets([], as_of=AS_OF)
    with pytest.raises(ParameterError, match="'as_of' parameter"):
        plan_targets([_row()], as_of="someday")


def test_lower_is_better_targets():
    row = _row(kpi="churn", unit="share", baseline=0.30, target=0.27, low=0.24, high=0.31, higher_is_better=False)
    t = plan_targets([row], as_of=AS_OF)
    board = kpi_dashboard(t, {"churn": 0.30})
    assert board.loc["churn", "red_above"] == 0.31 and np.isnan(board.loc["churn", "red_below"])
    assert board.loc["churn", "status"] == "amber"
    with pytest.raises(DataError, match="worse than its baseline"):
        plan_targets([dict(row, target=0.305)], as_of=AS_OF)
    # a decline with its reason is a plan, not a mistake
    kept = plan_targets([dict(row, target=0.305, reason="the price rise costs some customers")], as_of=AS_OF)
    assert kept.loc["churn", "reason"] == "the price rise costs some customers"


@pytest.mark.parametrize(("actual", "status"), [(110.0, "green"), (125.0, "green"), (109.99, "amber"),
                                                (95.0, "amber"), (94.99, "red"), (float("nan"), "no data")])
def test_dashboard_status_at_the_thresholds(actual, status):
    t = plan_targets([_row()], as_of=AS_OF)
    assert kpi_dashboard(t, {"revenue": actual}).loc["revenue", "status"] == status


def test_dashboard_review_and_unknown_actuals():
    t = plan_targets([_row(), _row(kpi="nps", due="2026-02-01", baseline=30.0, target=33.0, low=31.0, high=36.0)],
                     as_of=AS_OF)
    board = kpi_dashboard(t)
    assert board["review"].to_dict() == {"revenue": "monthly", "nps": "weekly"}
    assert "status" not in board
    assert kpi_dashboard(t, {"revenue": 111.0}).loc["nps", "status"] == "no data"
    with pytest.raises(DataError, match="unknown KPIs"):
        kpi_dashboard(t, {"profit": 1.0})
    with pytest.raises(ParameterError, match="table of plan_targets"):
        kpi_dashboard(pd.DataFrame({"x": [1]}))


def test_incentives_are_weights_times_payout_shares():
    t = plan_targets([_row(), _row(kpi="nps", baseline=30.0, target=33.0, low=31.0, high=36.0)], as_of=AS_OF)
    table = incentive_table(t, {"sales": {"revenue": 0.8, "nps": 0.2}, "service": {"nps": 1.0}})
    for (team, kpi), r in table.iterrows():
        for s, share in PAYOUT.items():
            assert r[f"pay_at_{s}"] == pytest.approx(r["weight"] * share)
    assert table.groupby(level="team")["weight"].sum().to_dict() == {"sales": 1.0, "service": 1.0}
    with pytest.raises(DataError, match="sum to 0.9"):
        incentive_table(t, {"sales": {"revenue": 0.9}})
    with pytest.raises(DataError, match="no target for"):
        incentive_table(t, {"sales": {"profit": 1.0}})
    with pytest.raises(DataError, match="must not rise"):
        incentive_table(t, {"sales": {"revenue": 1.0}}, payout={"green": 0.5, "amber": 0.8, "red": 0.0})
    with pytest.raises(ParameterError, match="'payout' parameter"):
        incentive_table(t, {"sales": {"revenue": 1.0}}, payout={"green": 1.0})


def test_risk_of_a_miss_is_the_normal_tail_of_the_range():
    z = NormalDist().inv_cdf(0.95)
    t = plan_targets([_row(target=107.5),  # the centre: missed half the time
                      _row(kpi="low end", target=95.0, baseline=94.0),  # the pessimistic end of a 90% range
                      _row(kpi="churn", unit="share", baseline=0.30, target=0.27, low=0.24, high=0.31,
                           expected=0.27, higher_is_better=False)], as_of=AS_OF)
    r = risk_register(t, ci=0.9, causes={"revenue": "forecast error"})
    assert r.loc["revenue", "p_miss"] == pytest.approx(0.5)
    assert r.loc["low end", "p_miss"] == pytest.approx(0.05, abs=1e-9)
    sd = (0.31 - 0.24) / (2 * z)
    assert r.loc["churn", "p_miss"] == pytest.approx(1 - NormalDist(0.27, sd).cdf(0.27))
    assert r.loc["revenue", "cause"] == "forecast error"
    assert list(r["p_miss"]) == sorted(r["p_miss"], reverse=True)


@given(st.floats(0.0, 1.0), st.floats(0.01, 10.0))
def test_risk_falls_as_the_target_moves_to_the_pessimistic_end(frac, width):
    low, high = 100.0, 100.0 + width
    a = plan_targets([_row(baseline=low, low=low, high=high, target=low + frac * width)], as_of=AS_OF)
    b = plan_targets([_row(baseline=low, low=low, high=high, target=low + frac * width / 2)], as_of=AS_OF)
    assert risk_register(b).loc["revenue", "p_miss"] <= risk_register(a).loc["revenue", "p_miss"] + 1e-12


# --- the outlooks ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default():
    import crmlib.datasets as ds

    return ds.load_default(tables=["orders", "market"])


def test_revenue_outlook_baseline_is_the_last_52_weeks(default):
    from crmlib.plan import revenue_outlook

    o = default.orders
    out = revenue_outlook(o, as_of="2025-12-28")
    done = o[(o["status"] == "completed") & (o["order_date"] > pd.Timestamp("2025-12-28") - pd.Timedelta(weeks=52))
             & (o["order_date"] <= pd.Timestamp("2025-12-28"))]
    assert out.baseline == pytest.approx(done["net_amount"].sum(), rel=1e-12)
    assert out.low <= out.expected <= out.high
    with pytest.raises(DataError, match="at least 104"):
        revenue_outlook(o, as_of="2024-06-30")


def test_retention_outlook_baseline_counts_returning_buyers(default):
    from crmlib.plan import retention_outlook

    o = default.orders[default.orders["status"] == "completed"]
    end = pd.Timestamp("2025-12-28")
    year = pd.Timedelta(weeks=52)
    last = set(o.loc[(o["order_date"] > end - year) & (o["order_date"] <= end), "customer_id"])
    before = set(o.loc[(o["order_date"] > end - 2 * year) & (o["order_date"] <= end - year), "customer_id"])
    out = retention_outlook(default.orders, as_of=end)
    assert out.baseline == len(last & before) / len(before)
    assert 0 <= out.low <= out.expected <= out.high <= 1
    with pytest.raises(DataError, match="two years of orders"):
        retention_outlook(default.orders, as_of="2023-06-30")


def test_share_outlook_baseline_is_the_market_tables_share(default):
    from crmlib.plan import revenue_outlook, share_outlook

    rev = revenue_outlook(default.orders, as_of="2025-12-28")
    out = share_outlook(default.market, rev, region="East", year=2026)
    m = default.market[(default.market["region"] == "East") & (default.market["year"] == 2025)]
    assert out.baseline == pytest.approx(m.loc[m["brand"] == "Our retailer", "revenue"].sum() / m["market_size"].iloc[0])
    # our revenue flat and the market growing: the share falls by the market's growth
    flat = type(rev)("revenue", "yuan", 1.0, 1.0, 1.0, 1.0, "test")
    grown = share_outlook(default.market, flat, region="East", year=2026)
    size = default.market[default.market["region"] == "East"].drop_duplicates("year").set_index("year")["market_size"]
    assert grown.expected == pytest.approx(out.baseline / (size[2025] / size[2023]) ** 0.5)
    with pytest.raises(DataError, match="no market rows"):
        share_outlook(default.market, rev, region="Mars", year=2026)
    with pytest.raises(DataError, match="at least two"):
        share_outlook(default.market, rev, region="East", year=2024)


def test_as_target_moves_towards_the_optimistic_end():
    from crmlib.plan import Outlook

    o = Outlook("revenue", "yuan", 90.0, 100.0, 80.0, 130.0, "01")
    assert o.as_target()["target"] == 100.0 and o.as_target(ambition=1.0)["target"] == 130.0
    assert o.as_target(ambition=0.5)["target"] == 115.0
    with pytest.raises(ParameterError, match="'ambition' parameter"):
        o.as_target(ambition=2.0)


def test_cross_sell_outlook_is_the_offer_hit_rates(default):
    import crmlib.basket as bk
    import crmlib.datasets as ds
    from crmlib.plan import cross_sell_outlook

    d = ds.load_default(tables=["orders", "order_lines"])
    done = d.orders[d.orders["status"] == "completed"]
    lines = done[["order_id", "customer_id", "order_date"]].merge(d.order_lines[["order_id", "product_id"]], on="order_id")
    out = cross_sell_outlook(lines, as_of="2025-12-28", k=3)
    # the same numbers by hand, from lesson 08's functions
    split = pd.Timestamp("2025-12-28") - pd.Timedelta(weeks=26)
    past = lines[lines["order_date"] < split].rename(columns={"product_id": "item"})[["customer_id", "item"]]
    future = lines[lines["order_date"] >= split].rename(columns={"product_id": "item"})[["customer_id", "item"]]
    rules = bk.association_rules(bk.frequent_itemsets(bk.basket_matrix(past, basket="customer_id", item="item"), 0.01,
                                                      max_len=2), min_confidence=0)
    who = pd.unique(lines["customer_id"])
    hits = bk.offer_hit_rates({"popularity": bk.popularity_offers(past, who, k=3),
                               "rules": bk.next_best_offers(rules, past, who, k=3)}, future, past, k=3)
    assert out.baseline == hits.loc["popularity", "hit_rate"] and out.expected == hits.loc["rules", "hit_rate"]
    z = NormalDist().inv_cdf(0.95)
    assert out.high - out.low == pytest.approx(2 * z * hits.loc["rules", "se"])
    with pytest.raises(DataError, match="no purchases before or after"):
        cross_sell_outlook(lines, as_of="2023-01-10")


def test_nps_outlook_adds_the_first_drivers_gain():
    import crmlib.datasets as ds
    import crmlib.satisfaction as sat
    from crmlib.plan import nps_outlook

    survey = ds.load_default(tables=["survey"]).survey
    out = nps_outlook(survey, as_of="2025-12-28", improvement=0.05)
    assert out.baseline == pytest.approx(sat.nps(survey["nps"]).nps)
    assert out.low < out.expected < out.high and out.expected > out.baseline  # the first driver helps
    # a larger improvement of the same driver gains more
    assert nps_outlook(survey, as_of="2025-12-28", improvement=0.10).expected > out.expected
    with pytest.raises(DataError, match="at least 30"):
        nps_outlook(survey, as_of="2022-01-01")
    with pytest.raises(DataError, match="q_<driver>_<k>"):
        nps_outlook(survey[["overall_satisfaction", "nps", "survey_date"]], as_of="2025-12-28")


def test_a_region_without_orders_is_refused(default):
    from crmlib.plan import cross_sell_outlook, retention_outlook, revenue_outlook

    none = default.orders[default.orders["region"] == "Atlantis"]
    with pytest.raises(DataError, match="0 weeks of orders"):
        revenue_outlook(none, as_of="2025-12-28")
    with pytest.raises(DataError, match="retention needs two years"):
        retention_outlook(none, as_of="2025-12-28")
    lines = none.assign(product_id="P0001")[["customer_id", "order_date", "product_id"]]
    with pytest.raises(DataError, match="no purchases before or after"):
        cross_sell_outlook(lines, as_of="2025-12-28")
