"""The customer side of the default data generator: tidy tables, and a truth they really follow."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlib.datasets import _gen_customers as gc
from crmlib.datasets._constants import END, START
from crmlib.datasets._generator import _apply_schema
from crmlib.exceptions import ParameterError

N = 5_000


def _make(seed=11, n=N, **kw):
    return gc.make_customer_tables(np.random.default_rng(seed), n_customers=n, start=START, end=END, **kw)


@pytest.fixture(scope="module")
def sim():
    return _make()


@pytest.fixture(scope="module")
def completed(sim):
    orders = sim[0]["orders"]
    return orders[orders["status"] == "completed"]


# --- structure ------------------------------------------------------------------------------


def test_same_rng_state_gives_identical_tables_and_truth(sim):
    tables, truth = _make()
    for name, frame in sim[0].items():
        pd.testing.assert_frame_equal(frame, tables[name], check_exact=True)
    assert json.dumps(truth, sort_keys=True) == json.dumps(sim[1], sort_keys=True)
    other, _ = _make(seed=12)
    assert not other["orders"]["net_amount"].head(50).equals(sim[0]["orders"]["net_amount"].head(50))


def test_tables_follow_their_schema_and_every_column_is_described(sim):
    tables, _ = sim
    assert list(tables) == list(gc.SCHEMAS)
    assert set(gc.DESCRIPTIONS) == set(gc.SCHEMAS)
    for name, schema in gc.SCHEMAS.items():
        frame = tables[name]
        assert list(frame.columns) == list(schema), name
        desc = gc.DESCRIPTIONS[name]
        assert len(desc.get("_table", "")) > 20, name
        assert set(desc) - {"_table"} == set(schema), name
        assert all(len(desc[c]) > 5 for c in schema), name
        typed = _apply_schema(name, frame)  # the orchestrator's typing must accept the frame
        for col, kind in schema.items():
            s = frame[col]
            if kind == "date":
                assert s.dtype == "datetime64[us]", (name, col)
                assert (s.dropna() == s.dropna().dt.normalize()).all(), (name, col)
            elif isinstance(kind, tuple):
                assert isinstance(s.dtype, pd.CategoricalDtype) and s.cat.ordered, (name, col)
                assert list(s.cat.categories) == list(kind), (name, col)
                assert s.notna().all(), (name, col)
            elif kind == "bool":
                assert s.dtype == bool, (name, col)
            elif kind in ("int", "float"):
                assert pd.api.types.is_numeric_dtype(s) and s.notna().all(), (name, col)
            elif kind in ("id", "str", "category"):
                assert s.notna().all(), (name, col)
            pd.testing.assert_series_equal(
                typed[col].astype(str), frame[col].astype(str), check_dtype=False, check_names=False
            )
    # the only missing values are the dropout dates of customers still alive
    truth = tables["truth_customers"]
    assert (truth["dropout_date"].isna() == truth["alive_at_end"]).all()


def test_truth_is_plain_json_with_the_documented_keys(sim):
    _, truth = sim
    text = json.dumps(truth)  # no numpy scalars anywhere
    assert "NaN" not in text
    for key in ("time_unit", "segments", "population", "orders", "products", "category_mix", "campaigns", "leads"):
        assert key in truth, key
    assert truth["time_unit"] == "week"
    assert set(truth["segments"]) == set(gc.SEGMENTS)
    assert abs(sum(s["share"] for s in truth["segments"].values()) - 1) < 1e-12
    for seg in truth["segments"].values():
        assert set(seg["bgnbd"]) == {"r", "alpha", "a", "b"}
        assert set(seg["gamma_gamma"]) == {"p", "q", "gamma"}


def test_identifiers_have_their_formats_and_link_up(sim):
    tables, _ = sim
    cust = tables["customers"]["customer_id"]
    assert cust.is_unique and cust.str.fullmatch(r"C\d{7}").all()
    assert tables["truth_customers"]["customer_id"].equals(cust)
    orders = tables["orders"]
    assert orders["order_id"].is_unique and orders["order_id"].str.fullmatch(r"O\d{8}").all()
    assert orders["order_id"].is_monotonic_increasing and orders["order_date"].is_monotonic_increasing
    assert orders["customer_id"].isin(cust).all()
    lines = tables["order_lines"]
    assert lines["order_id"].isin(orders["order_id"]).all()
    assert orders["order_id"].isin(lines["order_id"]).all()
    assert lines["product_id"].isin(tables["products"]["product_id"]).all()
    assert tables["campaigns"]["customer_id"].isin(cust).all()
    assert tables["leads"]["lead_id"].str.fullmatch(r"L\d{5}").all()


def test_synthetic_pii_is_obviously_fake_and_unique(sim):
    customers = sim[0]["customers"]
    assert customers["email"].str.fullmatch(r"[a-z]+\.[a-z]+\d+@example\.(com|cn)").all()
    assert customers["email"].is_unique and customers["phone"].is_unique
    assert customers["phone"].str.fullmatch(r"\+86 100 \d{4} \d{4}").all()
    assert customers["name"].str.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+").all()


# --- orders ---------------------------------------------------------------------------------


def test_order_amounts_add_up_to_the_cent(sim):
    orders, lines = sim[0]["orders"], sim[0]["order_lines"]
    cents = lambda s: np.rint(s.to_numpy() * 100).astype(np.int64)  # noqa: E731
    assert (cents(orders["gross_amount"]) - cents(orders["discount_amount"]) == cents(orders["net_amount"])).all()
    assert (orders["net_amount"] >= 0.01).all()
    by_order = pd.Series(cents(lines["line_amount"])).groupby(lines["order_id"].to_numpy()).sum()
    assert (by_order.reindex(orders["order_id"]).to_numpy() == cents(orders["net_amount"])).all()
    assert (lines["line_amount"] >= 0.01).all() and (lines["quantity"] >= 1).all()
    np.testing.assert_allclose(lines["unit_price"] * lines["quantity"], lines["line_amount"], atol=0.005 * lines["quantity"].max())
    assert ((lines["returned_qty"] >= 0) & (lines["returned_qty"] <= lines["quantity"])).all()
    # gross = net / (1 - discount_rate), to the cent; discount only with a promotion
    np.testing.assert_allclose(orders["gross_amount"], orders["net_amount"] / (1 - orders["discount_rate"]), atol=0.0051)
    assert ((orders["discount_rate"] > 0) == orders["promotion"]).all()
    assert set(orders["discount_rate"].unique()) <= {0.0, *gc.DISCOUNT_LEVELS}
    # lines are numbered 1..n within each order, 1-8 lines, about 1.6 on average
    n_lines = lines.groupby("order_id").size()
    assert n_lines.max() <= gc.MAX_LINES and 1.45 < n_lines.mean() < 1.75
    assert (lines.groupby("order_id")["line_no"].max() == n_lines).all()
    # the price paid per unit stays close to the discounted list price for most lines
    disc = lines["order_id"].map(orders.set_index("order_id")["discount_rate"])
    ratio = lines["unit_price"] / (lines["list_price"] * (1 - disc))
    assert 0.9 < ratio.median() < 1.1 and ratio.between(0.7, 1.4).mean() > 0.8


def test_orders_lie_between_signup_and_end_and_start_on_signup(sim, completed):
    tables, _ = sim
    customers, orders = tables["customers"].set_index("customer_id"), tables["orders"]
    signup = orders["customer_id"].map(customers["signup_date"])
    assert (orders["order_date"] >= signup).all() and (orders["order_date"] <= END).all()
    first = completed.groupby("customer_id")["order_date"].min()
    assert len(first) == len(customers)  # every customer has a completed first purchase
    assert (first.reindex(customers.index) == customers["signup_date"]).all()
    # acquisition channel = channel of the first purchase
    first_row = completed.drop_duplicates("customer_id").set_index("customer_id")
    assert (first_row["channel"].astype(str).reindex(customers.index) == customers["acquisition_channel"].astype(str)).all()
    # more customers are acquired early than late (Beta(1, 2) acquisition times)
    years = customers["signup_date"].dt.year.value_counts()
    assert years[2023] > years[2024] > years[2025]


def test_cancelled_orders_are_about_two_percent_and_sit_on_a_completed_day(sim, completed):
    orders = sim[0]["orders"]
    cancelled = orders[orders["status"] == "cancelled"]
    rate = len(cancelled) / len(completed)
    assert abs(rate - gc.CANCEL_RATE) < 4 * np.sqrt(gc.CANCEL_RATE / len(completed))
    days = set(zip(completed["customer_id"], completed["order_date"]))
    assert all(k in days for k in zip(cancelled["customer_id"], cancelled["order_date"]))
    assert sim[1]["population"]["n_cancelled_orders"] == len(cancelled)


def test_store_orders_name_a_store_of_the_customers_region(sim):
    orders, customers = sim[0]["orders"], sim[0]["customers"].set_index("customer_id")
    is_store = orders["channel"] == "store"
    assert (orders.loc[~is_store, "store_id"] == "online").all()
    st_orders = orders[is_store]
    assert (st_orders["store_id"].astype(str) == st_orders["customer_id"].map(customers["home_store_id"]).astype(str)).all()
    assert (orders["region"].astype(str) == orders["customer_id"].map(customers["region"]).astype(str)).all()
    business = orders["customer_id"].map(customers["account_type"]).astype(str) == "business"
    assert ((orders["channel"] == "b2b") == business).all()


# --- the truth ------------------------------------------------------------------------------


def _window_weeks(customers):
    # continuous window from the (unobserved) acquisition time to the end: half a day less on average
    days = (END - customers["signup_date"]).dt.days + 1
    return (days.to_numpy() - 0.5) / 7.0


def test_repeat_purchases_and_survival_match_the_bgnbd_expectation(sim, completed):
    tables, _ = sim
    truth = tables["truth_customers"]
    lam, p = truth["purchase_rate"].to_numpy(), truth["dropout_prob"].to_numpy()
    t = _window_weeks(tables["customers"])
    repeats = completed.groupby("customer_id").size().reindex(truth["customer_id"]).to_numpy() - 1
    expected = -np.expm1(-lam * p * t) / p  # E[X(t) | lambda, p] of the BG/NBD model
    diff = repeats - expected
    assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(len(diff))
    alive_prob = np.exp(-lam * p * t)
    alive = truth["alive_at_end"].to_numpy()
    se = np.sqrt((alive_prob * (1 - alive_prob)).sum()) / len(alive)
    assert abs(alive.mean() - alive_prob.mean()) < 4 * se
    # timing, not only counts: the share still alive half-way through each customer's window
    days = ((END - tables["customers"]["signup_date"]).dt.days + 1).to_numpy()
    drop_offset = (truth["dropout_date"] - tables["customers"]["signup_date"]).dt.days.to_numpy()
    alive_half = np.where(alive, True, drop_offset >= days / 2)
    half_prob = np.exp(-lam * p * t / 2)
    se = np.sqrt((half_prob * (1 - half_prob)).sum()) / len(alive)
    assert abs(alive_half.mean() - half_prob.mean()) < 4 * se
    # a customer who dropped out did so right after their last purchase
    last = completed.groupby("customer_id")["order_date"].max().reindex(truth["customer_id"]).to_numpy()
    dead = ~alive
    assert (truth["dropout_date"].to_numpy()[dead] == last[dead]).all()
    # the pooled data look like a retailer: ~8-11 purchases per customer at 3 years, many one-timers
    assert 7.5 < len(completed) / len(truth) < 11
    assert 0.1 < (repeats == 0).mean() < 0.4


def test_order_values_follow_the_customers_gamma_gamma_mean(sim, completed):
    truth = sim[0]["truth_customers"].set_index("customer_id")
    mov = completed["customer_id"].map(truth["mean_order_value"]).to_numpy()
    ratio = completed["net_amount"].to_numpy() / mov
    assert abs(ratio.mean() - 1) < 4 * ratio.std() / np.sqrt(len(ratio))
    # and the per-customer truth is p / nu with nu ~ Gamma(q, rate gamma) per segment
    for seg, spec in gc.SEGMENTS.items():
        gg = spec["gamma_gamma"]
        nu = gg["p"] / truth.loc[truth["segment"] == seg, "mean_order_value"]
        assert abs(nu.mean() / (gg["q"] / gg["gamma"]) - 1) < 4 / np.sqrt(gg["q"] * len(nu)), seg


def test_expected_future_purchases_follow_the_recorded_state(sim):
    truth = sim[0]["truth_customers"]
    alive = truth["alive_at_end"]
    assert (truth.loc[~alive, "expected_purchases_52w"] == 0).all()
    lam, p = truth.loc[alive, "purchase_rate"], truth.loc[alive, "dropout_prob"]
    np.testing.assert_allclose(truth.loc[alive, "expected_purchases_52w"], (1 - np.exp(-lam * p * 52)) / p, atol=1e-9)
    np.testing.assert_allclose(truth["expected_value_52w"], truth["expected_purchases_52w"] * truth["mean_order_value"])


def test_segments_differ_in_the_features_a_clustering_would_use(sim):
    customers, truth = sim[0]["customers"], sim[0]["truth_customers"]
    means = customers[list(gc.PSYCHO_COLS)].groupby(truth["segment"].to_numpy()).mean()
    assert means["price_consciousness"].idxmax() == "bargain_hunters"
    assert means["innovativeness"].idxmax() == "premium_professionals"
    assert means["brand_loyalty"].idxmax() == "loyal_families"
    income = customers["income_band"].cat.codes.groupby(truth["segment"].to_numpy()).mean()
    assert income.idxmax() == "premium_professionals"
    # realised shares match the recorded shares
    shares = truth["segment"].value_counts(normalize=True)
    for seg, spec in gc.SEGMENTS.items():
        assert abs(shares[seg] - spec["share"]) < 4 * np.sqrt(spec["share"] * (1 - spec["share"]) / len(truth))


def test_family_stage_is_consistent_with_age_marital_status_and_children(sim):
    c = sim[0]["customers"]
    derived = gc.family_stage(c["age"], c["marital_status"].astype(str), c["n_children"])
    assert (derived == c["family_stage"].astype(str).to_numpy()).all()
    assert c["family_stage"].value_counts().min() > 0.02 * len(c)  # every stage is populated
    bands = pd.cut(c["age"], [17, 24, 34, 44, 54, 64, 200], labels=list(gc.AGE_BANDS))
    assert (bands.astype(str) == c["age_band"].astype(str)).all()
    assert ((c["credit_rating"] == "n/a") == (c["account_type"] == "private")).all()


@settings(max_examples=200, deadline=None)
@given(
    age=st.integers(18, 95),
    marital=st.sampled_from(gc.MARITAL),
    kids=st.integers(0, 5),
)
def test_family_stage_rules(age, marital, kids):
    stage = gc.family_stage([age], [marital], [kids])[0]
    young = age < gc.FAMILY_AGE_CUT
    if kids:
        assert stage == ("full_nest_1" if young else "full_nest_2")
    elif young:
        assert stage == ("young_couple" if marital == "married" else "young_single")
    else:
        assert stage == ("empty_nest" if marital == "married" else "solitary_survivor")


def test_category_mix_follows_family_stage(sim):
    tables, truth = sim
    lines, orders, customers = tables["order_lines"], tables["orders"], tables["customers"]
    cat = lines["product_id"].map(tables["products"].set_index("product_id")["category"]).astype(str)
    stage = lines["order_id"].map(orders.set_index("order_id")["customer_id"]).map(
        customers.set_index("customer_id")["family_stage"]
    ).astype(str)
    baby = (cat == "baby").groupby(stage.to_numpy()).mean()
    assert baby["young_single"] == 0 and baby["solitary_survivor"] == 0  # zero weight, never drawn
    assert baby["full_nest_1"] > 0.25
    assert truth["category_mix"]["by_family_stage"]["full_nest_1"][gc.CATEGORIES.index("baby")] > 0.25


def test_channel_mix_follows_age(sim):
    orders, customers = sim[0]["orders"], sim[0]["customers"].set_index("customer_id")
    age = orders["customer_id"].map(customers["age"])
    store = (orders["channel"] == "store").groupby(age >= 50).mean()
    app = (orders["channel"] == "app").groupby(age >= 50).mean()
    assert store[True] > store[False] + 0.05 and app[True] < app[False] - 0.05


def test_promotions_are_used_most_by_bargain_hunters(sim, completed):
    segment = completed["customer_id"].map(sim[0]["truth_customers"].set_index("customer_id")["segment"])
    rate = completed["promotion"].groupby(segment.to_numpy()).mean()
    for seg, spec in gc.SEGMENTS.items():
        n = (segment == seg).sum()
        assert abs(rate[seg] - spec["promo_prob"]) < 4 * np.sqrt(spec["promo_prob"] * (1 - spec["promo_prob"]) / n)
    assert rate.idxmax() == "bargain_hunters"


def test_products_are_priced_cost_plus_by_category(sim):
    products, truth = sim[0]["products"], sim[1]
    markup = products["category"].astype(str).map(truth["products"]["markup_by_category"])
    np.testing.assert_allclose(products["list_price"], np.round(products["unit_cost"] * (1 + markup), 2), atol=1e-9)
    assert 150 <= len(products) <= 250 and products["product_id"].is_unique
    assert set(products["category"].astype(str)) == set(gc.CATEGORIES)
    assert (products.loc[products["own_label"], "brand"] == gc.OWN_LABEL).all()
    age = (END - products["launch_date"]).dt.days / 365.25
    assert (age[products["lifecycle_stage"] == "introduction"] < 0.5).all()
    assert (age[products["lifecycle_stage"] == "decline"] >= 6).all()


# --- campaigns and leads --------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_campaigns():
    tables, truth = _make(seed=3, n=24_000, with_lines=False, max_campaign_customers=20_000)
    return tables, truth


def test_campaign_uplift_matches_the_recorded_expectation(big_campaigns):
    tables, truth = big_campaigns
    camp, signup = tables["campaigns"], tables["customers"].set_index("customer_id")["signup_date"]
    for cid, frame in camp.groupby("campaign_id"):
        rec = truth["campaigns"][cid]
        assert (frame["customer_id"].map(signup) < frame["send_date"]).all()
        assert frame["customer_id"].is_unique and len(frame) == rec["n_customers"]
        treat = frame["group"] == "treatment"
        assert treat.sum() == rec["n_treatment"]
        assert abs(treat.mean() - rec["treatment_share"]) < 1e-3
        rt, rc = frame.loc[treat, "converted"].mean(), frame.loc[~treat, "converted"].mean()
        se = np.sqrt(rt * (1 - rt) / treat.sum() + rc * (1 - rc) / (~treat).sum())
        assert abs((rt - rc) - rec["expected_uplift"]) < 4 * se, cid
        assert abs(rc - rec["baseline_rate"]) < 4 * np.sqrt(rc * (1 - rc) / (~treat).sum()), cid
        # the segment with zero uplift parameter has zero expected uplift
        for seg, u in rec["uplift_if_opened_by_segment"].items():
            if u == 0:
                assert rec["expected_uplift_by_segment"][seg] == 0

        # the recorded truth recomputed from the per-customer truth
        who = tables["truth_customers"].set_index("customer_id").loc[frame["customer_id"]]
        send = pd.Timestamp(rec["send_date"])
        alive = who["dropout_date"].isna().to_numpy() | (who["dropout_date"] >= send).to_numpy()
        p0 = np.where(alive, 1 - np.exp(-who["purchase_rate"].to_numpy() * 30 / 7), 0.0)
        seg = who["segment"].astype(str)
        ite = (
            rec["deliver_prob"] * seg.map(rec["open_prob_by_segment"]).to_numpy()
            * alive * seg.map(rec["uplift_if_opened_by_segment"]).to_numpy() * (1 - p0)
        )
        assert ite.mean() == pytest.approx(rec["expected_uplift"], rel=1e-3), cid
        assert p0.mean() == pytest.approx(rec["baseline_rate"], rel=1e-3), cid
    # the funnel only exists for treatment, and is monotone
    control = camp["group"] == "control"
    assert not camp.loc[control, ["delivered", "opened", "clicked"]].any().any()
    assert (camp["clicked"] <= camp["opened"]).all() and (camp["opened"] <= camp["delivered"]).all()
    assert (camp.loc[control, "cost"] == 0).all() and (camp.loc[~control, "cost"] > 0).all()
    assert ((camp["revenue"] > 0) == camp["converted"]).all()


def test_uplift_is_heterogeneous_by_segment(big_campaigns):
    rec = big_campaigns[1]["campaigns"]["CMP01"]["expected_uplift_by_segment"]
    assert rec["bargain_hunters"] > 2 * rec["premium_professionals"]


def test_lead_conversion_recovers_the_recorded_logit(sim):
    leads, truth = sim[0]["leads"], sim[1]["leads"]
    x = pd.DataFrame({"log_budget": np.log(leads["budget"]), "need": leads["need"].astype(float)})
    for level in gc.AUTHORITY[1:]:
        x[f"authority[{level}]"] = (leads["authority"] == level).astype(float)
    for level in gc.CREDIT_RATINGS[1:]:
        x[f"credit_rating[{level}]"] = (leads["credit_rating"] == level).astype(float)
    fit = sm.Logit(leads["converted"].astype(float), sm.add_constant(x)).fit(disp=0)
    coef = truth["logit"]
    true = {"const": coef["intercept"], "log_budget": coef["log_budget"], "need": coef["need"]}
    true |= {f"authority[{k}]": v for k, v in coef["authority"].items() if k != "none"}
    true |= {f"credit_rating[{k}]": v for k, v in coef["credit_rating"].items() if k != "A"}
    z = (fit.params - pd.Series(true)) / fit.bse
    assert (z.abs() < 3).all(), z.round(2).to_dict()
    assert len(leads) == gc.N_LEADS and 0.15 < leads["converted"].mean() < 0.6
    assert ((leads["deal_value"] > 0) == leads["converted"]).all()


# --- scale and errors -----------------------------------------------------------------------


def test_a_large_run_without_lines_is_vectorised():
    tables, truth = _make(seed=5, n=200_000, with_lines=False, max_campaign_customers=1_000)
    assert "order_lines" not in tables
    assert len(tables["customers"]) == 200_000
    assert 7.5 < truth["population"]["mean_completed_orders_per_customer"] < 11
    assert len(tables["campaigns"]) == 4 * 1_000


def test_bad_arguments_are_named_in_the_error():
    with pytest.raises(ParameterError, match=r"'rng' parameter of make_customer_tables.*default_rng"):
        gc.make_customer_tables(42, n_customers=10, start=START, end=END)
    with pytest.raises(ParameterError, match=r"'n_customers' parameter.*Got 0"):
        _make(n=0)
    with pytest.raises(ParameterError, match=re.escape("at least 60 days after 'start'")):
        gc.make_customer_tables(np.random.default_rng(0), n_customers=10, start=END, end=START)
