"""crmlib.value's decision and diagnostics: the call list, loyalty points (積分), the
frequency/recency matrices, P(alive) history, the Gamma-Gamma independence check, CLV
intervals and the day-flooring effect."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmlib import value as v  # noqa: E402
from crmlib.exceptions import DataError, ParameterError  # noqa: E402
from crmlib.privacy import pseudonymize  # noqa: E402

TRUE_BG = (0.5, 4.0, 0.8, 2.5)


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    frame = v.BGNBD.simulate(TRUE_BG, T=rng.uniform(20, 52, 4000), seed=6)
    spend = rng.gamma(4.0, 12.0, len(frame))
    frame["monetary_value"] = np.where(frame["frequency"] > 0, spend, 0.0)
    return frame[["frequency", "recency", "T", "monetary_value"]]


@pytest.fixture(scope="module")
def fits(sim):
    return v.BGNBD().fit(sim), v.GammaGamma().fit(sim)


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


# ---------------------------------------------------------------------------------------------
# call list
# ---------------------------------------------------------------------------------------------
def test_call_list_ranks_by_value_at_risk_and_cuts_at_break_even():
    clv = pd.Series({"C1": 400.0, "C2": 100.0, "C3": 900.0, "C4": 60.0})
    risk = pd.Series({"C1": 0.5, "C2": 0.9, "C3": 0.01, "C4": 0.9})
    cl = v.call_list(clv, risk, contact_cost=10.0, save_rate=0.2, key="k")
    t = cl.table
    assert t["value_at_risk"].tolist() == [200.0, 90.0, 54.0, 9.0]
    assert t.index.tolist() == [1, 2, 3, 4] and t.index.name == "rank"
    assert cl.threshold == 50.0
    # a call pays while save_rate * value at risk > contact cost
    assert t["call"].tolist() == [True, True, True, False]
    assert (t.loc[t["call"], "net_value"] > 0).all() and (t.loc[~t["call"], "net_value"] <= 0).all()
    assert cl.n_calls == 3
    assert math.isclose(cl.expected_saved, 0.2 * (200 + 90 + 54))
    assert math.isclose(cl.net_value, 0.2 * (200 + 90 + 54) - 30)
    assert math.isclose(cl.value_at_risk, 353.0)
    assert "3 of 4 customers" in cl.summary()


def test_call_list_shows_pseudonyms_and_drops_contact_columns():
    ids = pd.Index(["C0000001", "C0000002"], name="customer_id")
    clv = pd.Series([300.0, 200.0], index=ids)
    risk = pd.Series([0.5, 0.5], index=ids)
    extra = pd.DataFrame({"tier": ["gold", "bronze"], "points": [3100, 40],
                          "email": ["a@example.cn", "b@example.cn"], "Phone": ["1", "2"]}, index=ids)
    cl = v.call_list(clv, risk, contact_cost=1.0, save_rate=0.5, columns=extra, key="s3cret")
    assert cl.table["customer"].tolist() == pseudonymize(["C0000001", "C0000002"], key="s3cret")
    assert list(cl.table.columns[:3]) == ["customer", "tier", "points"]
    assert not {"email", "Phone"} & set(cl.table.columns)
    text = cl.table.to_string()
    assert "C0000001" not in text and "@" not in text


def test_call_list_refuses_mismatched_or_bad_inputs():
    clv = pd.Series({"A": 1.0, "B": 2.0})
    with pytest.raises(DataError, match="same customers"):
        v.call_list(clv, pd.Series({"A": 0.5, "Z": 0.5}), contact_cost=1, save_rate=0.5)
    with pytest.raises(DataError, match="probability"):
        v.call_list(clv, pd.Series({"A": 1.5, "B": 0.5}), contact_cost=1, save_rate=0.5)
    with pytest.raises(ParameterError, match="'save_rate'"):
        v.call_list(clv, clv / 10, contact_cost=1, save_rate=0)
    with pytest.raises(ParameterError, match="'contact_cost'"):
        v.call_list(clv, clv / 10, contact_cost=-1, save_rate=0.5)
    # same customers in another order are aligned, not refused
    cl = v.call_list(clv, pd.Series({"B": 0.1, "A": 0.9}), contact_cost=0, save_rate=1)
    assert cl.table["value_at_risk"].tolist() == [0.9, 0.2]


# ---------------------------------------------------------------------------------------------
# loyalty points
# ---------------------------------------------------------------------------------------------
def _log():
    return pd.DataFrame({
        "customer_id": ["A"] * 12 + ["B"] * 4 + ["C"],
        "order_date": pd.to_datetime([f"2024-{m:02d}-03" for m in range(1, 13)]
                                     + ["2024-02-01", "2024-03-01", "2024-04-01", "2024-04-01",
                                        "2023-05-05"]),
        "amount": [260.5] * 12 + [300.0, 300.0, 200.0, 200.7, 80.0],
    })


def test_loyalty_points_earn_per_day_set_tiers_in_points_and_value_the_liability():
    pts = v.loyalty_points(_log(), start="2024-01-01", end="2024-12-31", points_per_yuan=2.0,
                           yuan_per_point=0.005, redemption_rate=0.6)
    m = pts.members
    # A: 12 days of floor(521.0) points; B: 3 purchase days (two orders on 04-01 add up first)
    assert m.loc["A", "points"] == 12 * 521 and m.loc["B", "points"] == 600 + 600 + 801
    assert m.loc["B", "purchase_days"] == 3 and "C" not in m.index  # C bought only before start
    assert pts.scheme["min_points"].tolist() == [6000.0, 2000.0, 0.0]
    assert m["tier"].astype(str).to_dict() == {"A": "gold", "B": "bronze"}  # B lacks 4 days
    assert pts.scheme["members"].tolist() == [1, 0, 1]
    assert pts.scheme["points"].tolist() == [6252, 0, 2001]
    assert math.isclose(pts.liability, (6252 + 2001) * 0.005 * 0.6)
    assert "積分" not in pts.summary() and "liability" in pts.summary()


def test_loyalty_points_at_one_point_per_yuan_agree_with_spend_tiers():
    log = _log().assign(amount=lambda f: f["amount"].round())  # whole yuan: no rounding gap
    pts = v.loyalty_points(log, start="2024-01-01", end="2024-12-31")
    tiers = v.loyalty_tiers(log, start="2024-01-01", end="2024-12-31")
    active = tiers[tiers != "inactive"].astype(str)
    assert pts.members["tier"].astype(str).to_dict() == active.to_dict()


def test_loyalty_points_refuse_bad_rates():
    with pytest.raises(ParameterError, match="'points_per_yuan'"):
        v.loyalty_points(_log(), start="2024-01-01", end="2024-12-31", points_per_yuan=0)
    with pytest.raises(ParameterError, match="'redemption_rate'"):
        v.loyalty_points(_log(), start="2024-01-01", end="2024-12-31", redemption_rate=2)


# ---------------------------------------------------------------------------------------------
# frequency / recency matrix
# ---------------------------------------------------------------------------------------------
def test_frequency_recency_matrix_values_match_the_model(fits):
    bg, _ = fits
    m = v.frequency_recency_matrix(bg, T=40.0, max_frequency=5, n_recency=5, t=26)
    assert m.shape == (6, 5) and m.columns.tolist() == [0.0, 10.0, 20.0, 30.0, 40.0]
    one = pd.DataFrame({"frequency": [3], "recency": [30.0], "T": [40.0]})
    assert math.isclose(m.loc[3, 30.0], float(bg.expected_purchases(one, 26).iloc[0]))
    assert math.isnan(m.loc[0, 10.0]) and math.isnan(m.loc[2, 0.0])
    # more purchases, more recent: more expected purchases (at the last recency)
    assert m[40.0].iloc[1:].is_monotonic_increasing
    pa = v.frequency_recency_matrix(bg, T=40.0, max_frequency=5, n_recency=5, quantity="p_alive")
    assert pa.loc[0, 0.0] == 1.0 and pa.loc[5, 10.0] < pa.loc[5, 40.0]
    assert pa.attrs["label"] == "probability alive"
    assert m.attrs["label"] == "expected purchases in the next 26 weeks"
    with pytest.raises(ParameterError, match="'quantity'"):
        v.frequency_recency_matrix(bg, T=40.0, quantity="clv")


def test_plot_frequency_recency_matrix_draws_the_matrix_with_labels(fits, ax):
    bg, _ = fits
    m = v.frequency_recency_matrix(bg, T=40.0, max_frequency=5, n_recency=5, quantity="p_alive")
    v.plot_frequency_recency_matrix(m, ax=ax)
    image = ax.get_images()[0]
    drawn = np.ma.filled(image.get_array(), np.nan)
    assert np.allclose(drawn, m.to_numpy(), equal_nan=True)
    assert image.origin == "lower"  # frequency grows upwards
    bar = [a for a in ax.figure.axes if a is not ax][0]
    assert bar.get_ylabel() == "probability alive"
    assert ax.get_xlabel().startswith("recency") and ax.get_ylabel() == "repeat purchases"
    assert "40 weeks" in ax.get_title()


# ---------------------------------------------------------------------------------------------
# P(alive) history
# ---------------------------------------------------------------------------------------------
def test_alive_history_recomputes_the_history_at_each_date(fits, ax):
    bg, _ = fits
    log = pd.DataFrame({"customer_id": ["A", "A", "A", "A", "B"],
                        "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-15",
                                                      "2024-02-12", "2024-01-01"])})
    h = v.alive_history(bg, log, "A", as_of="2024-05-06", step_days=7)
    assert h.index[0] == pd.Timestamp("2024-01-01") and h.index[-1] == pd.Timestamp("2024-05-06")
    assert h["purchase"].sum() == 3  # same-day orders are one purchase day
    row = h.loc["2024-03-11"]
    assert (row["frequency"], row["recency"], row["T"]) == (2, 6.0, 10.0)
    one = pd.DataFrame({"frequency": [2], "recency": [6.0], "T": [10.0]})
    assert math.isclose(row["p_alive"], float(bg.probability_alive(one).iloc[0]))
    after = h.loc["2024-02-12":, "p_alive"]
    assert after.is_monotonic_decreasing  # silent after the last purchase
    v.plot_alive_history(h, ax=ax)
    assert np.allclose(ax.get_lines()[0].get_ydata(), h["p_alive"])
    assert len(ax.collections[0].get_segments()) == 3  # one tick per purchase day
    assert ax.get_ylabel() == "probability alive" and ax.get_title()
    with pytest.raises(DataError, match="no purchase"):
        v.alive_history(bg, log, "Z", as_of="2024-05-06")


# ---------------------------------------------------------------------------------------------
# Gamma-Gamma independence check
# ---------------------------------------------------------------------------------------------
def test_spend_frequency_correlation_uses_repeat_buyers_and_a_fisher_interval(sim):
    res = v.spend_frequency_correlation(sim)
    repeat = sim[sim["frequency"] > 0]
    assert res.n == len(repeat)
    assert math.isclose(res.r, repeat["frequency"].corr(repeat["monetary_value"]))
    half = 1.959963984540054 / math.sqrt(res.n - 3)
    assert math.isclose(res.ci_low, math.tanh(math.atanh(res.r) - half))
    assert math.isclose(res.ci_high, math.tanh(math.atanh(res.r) + half))
    assert res.contains_zero  # spend was drawn independently of frequency
    dependent = sim.assign(monetary_value=sim["frequency"] * 10.0 + sim["monetary_value"])
    assert not v.spend_frequency_correlation(dependent).contains_zero


# ---------------------------------------------------------------------------------------------
# CLV intervals
# ---------------------------------------------------------------------------------------------
def test_clv_interval_brackets_the_estimate_and_narrows_with_more_customers(sim, fits):
    bg, gg = fits
    head = sim.head(20)
    res = v.clv_interval(bg, gg, head, n_draws=100, horizon=26, margin=0.5, discount_rate=0.1)
    point = v.customer_lifetime_value(bg, gg, head, horizon=26, margin=0.5, discount_rate=0.1)
    assert np.allclose(res.table["clv"], point)
    t = res.table
    assert ((t["ci_low"] <= t["clv"] * 1.000001) & (t["clv"] <= t["ci_high"] * 1.000001)).all()
    assert res.total["ci_low"] < res.total["clv"] < res.total["ci_high"]
    again = v.clv_interval(bg, gg, head, n_draws=100, horizon=26, margin=0.5, discount_rate=0.1)
    assert again.table.equals(res.table)  # seeded
    # a fit on a quarter of the customers is less certain: wider relative interval
    small_bg, small_gg = v.BGNBD().fit(sim.iloc[:1000]), v.GammaGamma().fit(sim.iloc[:1000])
    small = v.clv_interval(small_bg, small_gg, head, n_draws=100, horizon=26)
    width = (res.total["ci_high"] - res.total["ci_low"]) / res.total["clv"]
    width_small = (small.total["ci_high"] - small.total["ci_low"]) / small.total["clv"]
    assert width_small > width


def test_fits_keep_the_covariance_that_gives_their_standard_errors(fits):
    bg, gg = fits
    for model in (bg, gg):
        se = model.params_.to_numpy() * np.sqrt(np.diag(model._cov_log))
        assert np.allclose(se, model.se_.to_numpy())


# ---------------------------------------------------------------------------------------------
# day flooring
# ---------------------------------------------------------------------------------------------
def test_day_flooring_merges_same_day_purchases_and_raises_alpha():
    eff = v.day_flooring_effect((2.4, 11.0, 0.7, 11.0), np.full(3000, 100.0), seed=0)
    cont, days = eff.loc["continuous"], eff.loc["days"]
    assert cont["merged_share"] == 0 and 0 < days["merged_share"] < 0.05
    assert math.isclose(days["merged_share"], 1 - days["records"] / cont["records"])
    assert days["purchases"] < cont["purchases"]
    assert days["alpha"] > cont["alpha"]  # fewer purchases counted: a slower fitted rate
    # the mean purchase rate r / alpha moves far less than alpha itself
    rate = (days["r"] / days["alpha"]) / (cont["r"] / cont["alpha"]) - 1
    assert abs(rate) < days["alpha"] / cont["alpha"] - 1
    with pytest.raises(ParameterError, match="'params'"):
        v.day_flooring_effect((1.0, 2.0, 3.0), np.full(100, 10.0))
