"""Tests of the market/pricing/media/journey/survey generator (crmlib.datasets._gen_marketing).

The generator is run once on a small fake customer base; the tests then re-derive the truth
from the tables with independent methods (regressions, counting, value iteration) and check
that it matches what the generator recorded.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlib.datasets import _gen_marketing as gm
from crmlib.datasets import _generator
from crmlib.datasets._constants import CATEGORIES, END, MEDIA_CHANNELS, REGIONS, START
from crmlib.exceptions import DataError, ParameterError

SEGMENTS = ("bargain_hunters", "loyal_families", "premium_professionals", "occasional_shoppers")
N_WEEKS = 156


def _fake_customers(n: int = 2_000, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = [f"C{i:07d}" for i in range(1, n + 1)]
    customers = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="string"),
            "region": rng.choice(REGIONS, n),
            "age": rng.integers(18, 80, n),
            "signup_date": START - pd.Timedelta(days=200) + pd.to_timedelta(rng.integers(0, 1_150, n), unit="D"),
        }
    )
    truth_customers = pd.DataFrame({"customer_id": ids, "segment": rng.choice(SEGMENTS, n)})
    return customers, truth_customers


def _make(seed: int = 11, customers: pd.DataFrame | None = None, truth_customers: pd.DataFrame | None = None):
    if customers is None:
        customers, truth_customers = _fake_customers()
    return gm.make_marketing_tables(
        np.random.default_rng(seed), customers=customers, truth_customers=truth_customers, start=START, end=END
    )


@pytest.fixture(scope="module")
def fake():
    return _fake_customers()


@pytest.fixture(scope="module")
def generated(fake):
    return _make(11, *fake)


@pytest.fixture(scope="module")
def tables(generated):
    return generated[0]


@pytest.fixture(scope="module")
def truth(generated):
    return generated[1]


def _week_index(weeks: pd.Series) -> np.ndarray:
    return ((weeks - START).dt.days // 7).to_numpy()


def _fourier_frame(week_index: np.ndarray) -> pd.DataFrame:
    angle = 2 * np.pi * week_index / 52
    return pd.DataFrame(
        {"sin1": np.sin(angle), "cos1": np.cos(angle), "sin2": np.sin(2 * angle), "cos2": np.cos(2 * angle)}
    )


# ---------------------------------------------------------------------------------------------
# Contract: determinism, schemas, descriptions, CSV round trip, JSON truth
# ---------------------------------------------------------------------------------------------


def test_same_rng_state_gives_identical_tables_and_truth(fake, generated):
    tables2, truth2 = _make(11, *fake)
    for name, frame in generated[0].items():
        pd.testing.assert_frame_equal(frame, tables2[name])
    assert json.dumps(generated[1], sort_keys=True) == json.dumps(truth2, sort_keys=True)


def test_different_seed_gives_different_data(fake, tables):
    other, _ = _make(12, *fake)
    assert not other["price_panel"]["units"].equals(tables["price_panel"]["units"])
    assert not other["journeys"]["channel"].equals(tables["journeys"]["channel"])


def test_tables_follow_schemas_in_column_order(tables):
    assert set(tables) == set(gm.SCHEMAS)
    for name, frame in tables.items():
        assert list(frame.columns) == list(gm.SCHEMAS[name]), name
        for col, kind in gm.SCHEMAS[name].items():
            s = frame[col]
            if kind == "date":
                assert pd.api.types.is_datetime64_any_dtype(s), (name, col)
                assert (s == s.dt.normalize()).all(), (name, col)
            elif kind == "bool":
                assert s.dtype == bool, (name, col)
            elif kind == "int":
                assert pd.api.types.is_integer_dtype(s), (name, col)
            elif kind == "float":
                assert pd.api.types.is_float_dtype(s), (name, col)


def test_descriptions_cover_every_table_and_column():
    assert set(gm.DESCRIPTIONS) == set(gm.SCHEMAS)
    for name, columns in gm.SCHEMAS.items():
        described = gm.DESCRIPTIONS[name]
        assert described["_table"].strip(), name
        assert set(described) - {"_table"} == set(columns), name
        assert all(isinstance(text, str) and len(text) > 10 for text in described.values()), name


def test_table_sizes(tables):
    assert len(tables["price_panel"]) == N_WEEKS * len(REGIONS) * len(CATEGORIES)
    assert len(tables["media_spend"]) == N_WEEKS * len(MEDIA_CHANNELS)
    assert len(tables["weekly_sales"]) == N_WEEKS
    assert tables["journeys"]["journey_id"].nunique() == 15_000
    assert len(tables["market"]) == 3 * len(REGIONS) * 5
    assert len(tables["competitors"]) == 5


def test_csv_round_trip_through_the_orchestrator_is_lossless_and_small(tables):
    total = 0
    for name, frame in tables.items():
        typed = _generator._apply_schema(name, frame)
        buffer = io.StringIO()
        _generator._to_csv_frame(name, typed).to_csv(buffer, index=False, lineterminator="\n", float_format="%.6g")
        text = buffer.getvalue()
        total += len(text.encode("utf-8"))
        assert "e+" not in text, f"{name}: a number was written in scientific notation"
        kinds = gm.SCHEMAS[name]
        dtypes = {c: "string" for c, k in kinds.items() if k in ("id", "str", "category") or isinstance(k, tuple)}
        raw = pd.read_csv(io.StringIO(text), dtype=dtypes, keep_default_na=False, na_values=[""])
        back = _generator._apply_schema(name, raw)
        pd.testing.assert_frame_equal(back, typed, check_exact=True, obj=name)
    # The survey of the real data has 3,000 rather than ~2,000 respondents: keep a margin.
    assert total < 3.7e6


def test_truth_is_plain_json_with_the_owned_keys(truth):
    assert set(truth) == {"pricing", "media", "journeys", "satisfaction", "market"}
    text = json.dumps(truth, allow_nan=False)  # fails on numpy types or NaN
    assert json.loads(text) == truth
    rounded = _generator._round_floats(truth)
    assert rounded["media"]["channels"]["search"]["roi"] == pytest.approx(3.2)


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def test_missing_column_is_named(fake):
    customers, truth_customers = fake
    with pytest.raises(DataError, match=r"column 'signup_date' not in the data"):
        gm.make_marketing_tables(
            np.random.default_rng(0), customers=customers.drop(columns="signup_date"),
            truth_customers=truth_customers, start=START, end=END,
        )


def test_customer_without_segment_is_reported_with_examples(fake):
    customers, truth_customers = fake
    with pytest.raises(DataError, match=r"3 customers have none \(e\.g\. 'C0000001', 'C0000002', 'C0000003'\)"):
        gm.make_marketing_tables(
            np.random.default_rng(0), customers=customers, truth_customers=truth_customers.iloc[3:],
            start=START, end=END,
        )


def test_start_must_be_a_monday_and_end_close_whole_weeks(fake):
    customers, truth_customers = fake
    with pytest.raises(ParameterError, match=r"'start' .* must be a Monday .* Got 2023-01-03 \(a Tuesday\)"):
        gm.make_marketing_tables(np.random.default_rng(0), customers=customers, truth_customers=truth_customers,
                                 start=START + pd.Timedelta(days=1), end=END)
    with pytest.raises(ParameterError, match=r"'end' .* Sunday"):
        gm.make_marketing_tables(np.random.default_rng(0), customers=customers, truth_customers=truth_customers,
                                 start=START, end=END - pd.Timedelta(days=2))


def test_unknown_segment_names_get_the_neutral_profile():
    customers, truth_customers = _fake_customers(300, seed=3)
    truth_customers["segment"] = np.where(np.arange(300) % 2, "group_a", "group_b")
    _, truth = _make(1, customers, truth_customers)
    assert truth["journeys"]["conversion_value"]["segment_multiplier"] == {"group_a": 1.0, "group_b": 1.0}
    assert truth["satisfaction"]["overall"]["segment_shift"] == {"group_a": 0.0, "group_b": 0.0}


# ---------------------------------------------------------------------------------------------
# Pricing
# ---------------------------------------------------------------------------------------------


def test_price_panel_accounting_identities(tables):
    p = tables["price_panel"]
    assert p["promo_depth"].between(0, 0.40).all()
    assert (p["promo_depth"] > 0).mean() == pytest.approx(0.2, abs=0.08)
    np.testing.assert_allclose(p["price"], np.round(p["regular_price"] * (1 - p["promo_depth"]), 2), atol=0.0051)
    np.testing.assert_array_equal(p["revenue"], np.rint(p["units"] * p["price"]).astype(np.int64))
    assert (p["price"] > p["unit_cost"]).mean() > 0.9
    # Feature ads come mostly with promotions.
    promo = p["promo_depth"] > 0
    assert p.loc[promo, "feature"].mean() > 5 * p.loc[~promo, "feature"].mean()


def test_regional_price_levels_follow_the_truth(tables, truth):
    p = tables["price_panel"]
    ratio = (p["regular_price"] / p["unit_cost"]).groupby(p["region"]).mean()
    premium = {r: v["price_premium"] for r, v in truth["pricing"]["regions"].items()}
    assert ratio.idxmax() == max(premium, key=premium.get)
    assert ratio.idxmin() == min(premium, key=premium.get)


def test_event_weeks_are_the_festival_weeks(tables, truth):
    ws = tables["weekly_sales"]
    weeks = truth["pricing"]["event_weeks"]
    assert weeks["chinese_new_year"] == ["2023-01-16", "2024-02-05", "2025-01-27"]
    assert weeks["singles_day"] == ["2023-11-06", "2024-11-11", "2025-11-10"]
    for event, days in weeks.items():
        assert sorted(ws.loc[ws["event"] == event, "week"].dt.strftime("%Y-%m-%d")) == days
    assert (ws["holiday"] == (ws["event"] != "none")).all()


@pytest.mark.parametrize("category", CATEGORIES)
def test_log_log_regression_recovers_elasticities(tables, truth, category):
    p = tables["price_panel"]
    d = p[p["category"] == category].reset_index(drop=True)
    d = pd.concat([d, _fourier_frame(_week_index(d["week"]))], axis=1)
    d["t"] = _week_index(d["week"]) / 52
    d["log_units"] = np.log(d["units"])
    d["log_price"] = np.log(d["price"])
    d["log_comp"] = np.log(d["competitor_price"])
    fit = smf.ols(
        "log_units ~ log_price + log_comp + feature + display + C(region) + t + sin1 + cos1 + sin2 + cos2 + C(event)",
        data=d,
    ).fit()
    t = truth["pricing"]["categories"][category]
    assert abs(fit.params["log_price"] - t["own_elasticity"]) < 3 * fit.bse["log_price"]
    assert abs(fit.params["log_comp"] - t["cross_elasticity"]) < 3.5 * fit.bse["log_comp"]
    assert abs(fit.params["feature[T.True]"] - t["feature_lift"]) < 4 * fit.bse["feature[T.True]"]
    assert np.sqrt(fit.scale) == pytest.approx(truth["pricing"]["noise_sd"], rel=0.1)


def test_elasticities_and_optimal_markups_are_consistent(truth):
    cats = truth["pricing"]["categories"]
    own = [c["own_elasticity"] for c in cats.values()]
    assert min(own) >= -3.0 and max(own) <= -0.8
    assert all(c["cross_elasticity"] > 0 for c in cats.values())
    for c in cats.values():
        e = c["own_elasticity"]
        if e < -1:
            assert c["optimal_price_to_cost"] == pytest.approx(e / (1 + e))
        else:
            assert c["optimal_price_to_cost"] is None


# ---------------------------------------------------------------------------------------------
# Media and weekly sales (marketing-mix model)
# ---------------------------------------------------------------------------------------------


def _contributions(tables, channels_truth):
    ms = tables["media_spend"]
    out = {}
    for ch in MEDIA_CHANNELS:
        p = channels_truth[ch]
        x = ms.loc[ms["channel"] == ch].sort_values("week")["spend"].to_numpy(dtype=float)
        a = gm._geometric_adstock(x, p["decay"])
        out[ch] = (x, p["beta"] * gm._hill(a, p["half_saturation"], p["shape"]))
    return out


def test_roi_is_incremental_revenue_over_spend(tables, truth):
    for rounded in (False, True):
        t = _generator._round_floats(truth) if rounded else truth
        rel = 1e-4 if rounded else 1e-9
        for ch, (x, contrib) in _contributions(tables, t["media"]["channels"]).items():
            c = t["media"]["channels"][ch]
            assert x.sum() == pytest.approx(c["total_spend"], rel=rel)
            assert contrib.sum() == pytest.approx(c["incremental_revenue"], rel=rel)
            assert contrib.sum() / x.sum() == pytest.approx(c["roi"], rel=rel)
            np.testing.assert_allclose(contrib, c["weekly_contribution"], rtol=rel, atol=1e-6)


def test_roi_ordering_tells_the_story(truth):
    ch = truth["media"]["channels"]
    roi = {c: v["roi"] for c, v in ch.items()}
    assert roi["email"] > roi["search"] > roi["social"] > roi["tv"] > roi["display"]
    assert ch["email"]["total_spend"] == min(v["total_spend"] for v in ch.values())
    assert ch["tv"]["total_spend"] == max(v["total_spend"] for v in ch.values())
    # Display is the saturated channel: its marginal ROI is far below its average ROI.
    assert ch["display"]["saturation_at_average_spend"] > 0.7
    assert ch["display"]["mroi_at_average_spend"] < 0.4 * ch["display"]["roi"]


def test_marginal_roi_matches_a_finite_difference(truth):
    for c in truth["media"]["channels"].values():
        def weekly(x, c=c):
            return c["beta"] * gm._hill(x / (1 - c["decay"]), c["half_saturation"], c["shape"])

        x, h = c["average_weekly_spend"], 1.0
        slope = (weekly(x + h) - weekly(x - h)) / (2 * h)
        assert slope == pytest.approx(c["mroi_at_average_spend"], rel=1e-5)


def test_weekly_revenue_is_baseline_plus_media_plus_noise(tables, truth):
    ws = tables["weekly_sales"]
    b = truth["media"]["baseline"]
    w = _week_index(ws["week"])
    f = _fourier_frame(w)
    baseline = (
        b["level"] + b["trend_per_week"] * w
        + sum(b["fourier"][k] * f[k].to_numpy() for k in f.columns)
        + ws["event"].map({**b["events"], "none": 0.0}).to_numpy(dtype=float)
        + b["price_index"] * (ws["avg_price_index"].to_numpy() - 1)
        + b["competitor_promo"] * ws["competitor_promo"].to_numpy(dtype=float)
    )
    np.testing.assert_allclose(baseline, truth["media"]["weekly_baseline"], rtol=1e-9)
    media = sum(contrib for _, contrib in _contributions(tables, truth["media"]["channels"]).values())
    residual = ws["revenue"].to_numpy() - baseline - media
    sd = truth["media"]["noise_sd"]
    assert abs(residual.mean()) < 3 * sd / np.sqrt(len(ws))
    assert residual.std(ddof=1) == pytest.approx(sd, rel=0.2)
    # With the transforms known, OLS recovers the betas within a few standard errors.
    X = f.assign(t=w, pi=ws["avg_price_index"] - 1, cp=ws["competitor_promo"].astype(float))
    for event in gm.EVENTS:
        X[event] = (ws["event"] == event).astype(float).to_numpy()
    for ch, (x, contrib) in _contributions(tables, truth["media"]["channels"]).items():
        X[ch] = contrib / truth["media"]["channels"][ch]["beta"]
    fit = sm.OLS(ws["revenue"].to_numpy(dtype=float), sm.add_constant(X)).fit()
    for ch in MEDIA_CHANNELS:
        assert abs(fit.params[ch] - truth["media"]["channels"][ch]["beta"]) < 3.5 * fit.bse[ch], ch


def test_media_table_is_plausible(tables, truth):
    ms = tables["media_spend"]
    spend = ms.pivot(index="week", columns="channel", values="spend")
    assert (spend["tv"] == 0).mean() > 0.25  # flighting: dark weeks
    assert (spend["search"] > 0).all()  # always on
    assert (ms["clicks"] <= ms["impressions"]).all()
    assert (ms.loc[ms["channel"] == "tv", "clicks"] == 0).all()
    ws = tables["weekly_sales"]
    aov = ws["revenue"] / ws["orders"]
    assert aov.between(150, 230).all()
    assert ws["avg_price_index"].between(0.85, 1.15).all()
    assert 0.05 < truth["media"]["media_share_of_revenue"] < 0.3


# ---------------------------------------------------------------------------------------------
# Journeys (Markov attribution)
# ---------------------------------------------------------------------------------------------


def test_journey_structure(tables, fake):
    j = tables["journeys"]
    customers = fake[0]
    g = j.groupby("journey_id", sort=False)
    assert (g["step"].transform(lambda s: np.arange(1, len(s) + 1)) == j["step"]).all()
    assert (g["converted"].nunique() == 1).all() and (g["conversion_value"].nunique() == 1).all()
    assert ((j["conversion_value"] > 0) == j["converted"]).all()
    assert (g["touch_date"].diff().dropna() >= pd.Timedelta(0)).all()
    assert j["touch_date"].between(START, END).all()
    signup = j["customer_id"].map(customers.set_index("customer_id")["signup_date"])
    assert (j["touch_date"] >= signup).all()
    first = g["touch_date"].first()
    assert first.is_monotonic_increasing and list(first.index) == sorted(first.index)
    assert 2.0 <= g.size().mean() <= 4.0
    assert set(j["channel"]) == set(gm.JOURNEY_CHANNELS)


def _counted_chain(j: pd.DataFrame):
    """Start and transition frequencies counted from the journeys table."""
    channels = list(gm.JOURNEY_CHANNELS)
    nxt = j.groupby("journey_id")["channel"].shift(-1).astype(object)
    last = nxt.isna()
    nxt[last] = np.where(j.loc[last, "converted"], "conversion", "null")
    counts = pd.crosstab(j["channel"].astype(str), nxt).reindex(index=channels, columns=[*channels, "conversion", "null"], fill_value=0)
    start = j.loc[j["step"] == 1, "channel"].astype(str).value_counts().reindex(channels, fill_value=0)
    return start, counts


def test_counted_transitions_are_close_to_the_true_matrix(tables, truth):
    start, counts = _counted_chain(tables["journeys"])
    true_start = pd.Series(truth["journeys"]["start_probabilities"])
    n = start.sum()
    se = np.sqrt(true_start * (1 - true_start) / n)
    assert ((start / n - true_start).abs() < 4 * se + 1e-9).all()
    true = pd.DataFrame(truth["journeys"]["transition_matrix"]).T.loc[counts.index, counts.columns]
    rows = counts.sum(axis=1).to_numpy()[:, None]
    se = np.sqrt(true * (1 - true) / rows)
    assert ((counts / rows - true).abs() <= 4.5 * se + 1e-9).all().all()
    converted = tables["journeys"].groupby("journey_id")["converted"].first()
    p = truth["journeys"]["conversion_probability"]
    assert abs(converted.mean() - p) < 4 * np.sqrt(p * (1 - p) / len(converted))


def _conversion_by_value_iteration(start, trans, removed=None):
    """P(conversion) by iterating v = R_conv + Q v (no matrix inverse)."""
    n = len(start)
    q, r = trans[:, :n].copy(), trans[:, n].copy()
    start = start.copy()
    if removed is not None:
        q[:, removed] = 0.0
        q[removed], r[removed], start[removed] = 0.0, 0.0, 0.0
    v = np.zeros(n)
    for _ in range(2_000):
        v = r + q @ v
    return float(start @ v)


def test_removal_effects_agree_with_an_independent_method(tables, truth):
    tj = truth["journeys"]
    channels = tj["channels"]
    start = np.array([tj["start_probabilities"][c] for c in channels])
    trans = np.array([[tj["transition_matrix"][a][b] for b in [*channels, "conversion", "null"]] for a in channels])
    base = _conversion_by_value_iteration(start, trans)
    assert base == pytest.approx(tj["conversion_probability"], rel=1e-9)
    for k, ch in enumerate(channels):
        effect = 1 - _conversion_by_value_iteration(start, trans, removed=k) / base
        assert effect == pytest.approx(tj["removal_effects"][ch], rel=1e-9)
    assert sum(tj["removal_shares"].values()) == pytest.approx(1.0)
    # Estimated from the data (counted chain), removal effects come close to the truth.
    counted_start, counts = _counted_chain(tables["journeys"])
    est_start = (counted_start / counted_start.sum()).to_numpy()
    est_trans = (counts / counts.sum(axis=1).to_numpy()[:, None]).to_numpy()
    estimated = gm._removal_effects(est_start, est_trans)
    np.testing.assert_allclose(estimated, [tj["removal_effects"][c] for c in channels], atol=0.04)


def test_removal_effects_by_brute_force_simulation(truth):
    tj = truth["journeys"]
    channels = tj["channels"]
    start = np.array([tj["start_probabilities"][c] for c in channels])
    trans = np.array([[tj["transition_matrix"][a][b] for b in [*channels, "conversion", "null"]] for a in channels])
    rng = np.random.default_rng(0)
    n, m = 200_000, len(channels)
    state = rng.choice(m, size=n, p=start)
    visited = np.zeros((n, m), dtype=bool)
    converted = np.zeros(n, dtype=bool)
    alive = np.arange(n)
    cum = np.cumsum(trans, axis=1)
    while alive.size:
        visited[alive, state] = True
        nxt = np.minimum((rng.random(alive.size)[:, None] >= cum[state]).sum(axis=1), m + 1)
        converted[alive[nxt == m]] = True
        keep = nxt < m
        alive, state = alive[keep], nxt[keep]
    # Removing a channel loses exactly the converting paths that touch it.
    for k, ch in enumerate(channels):
        lost = (converted & visited[:, k]).sum() / converted.sum()
        assert lost == pytest.approx(tj["removal_effects"][ch], abs=0.01)


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=2, max_value=6), st.integers(min_value=0, max_value=2**32 - 1))
def test_absorbing_chain_algebra_matches_value_iteration(n, seed):
    rng = np.random.default_rng(seed)
    start = rng.dirichlet(np.ones(n))
    trans = rng.dirichlet(np.ones(n + 2), size=n)
    trans[:, n + 1] += 0.05  # every channel leaks to null, so the chain is absorbing
    trans /= trans.sum(axis=1, keepdims=True)
    p = gm._conversion_probability(start, trans)
    assert p == pytest.approx(_conversion_by_value_iteration(start, trans), rel=1e-9, abs=1e-12)
    effects = gm._removal_effects(start, trans)
    assert np.all(effects >= -1e-12) and np.all(effects <= 1 + 1e-12)


# ---------------------------------------------------------------------------------------------
# Survey (satisfaction)
# ---------------------------------------------------------------------------------------------


def _item_means(survey: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {d: survey[[c for c in survey.columns if c.startswith(f"q_{d}_")]].mean(axis=1) for d in gm.DRIVERS}
    )


def test_survey_structure(tables, fake):
    s = tables["survey"]
    assert s["customer_id"].is_unique and s["response_id"].is_unique
    items = [c for c in s.columns if c.startswith("q_")]
    assert len(items) == 13
    values = s[items].to_numpy().ravel()
    values = values[~np.isnan(values)]
    assert set(np.unique(values)) <= {1.0, 2.0, 3.0, 4.0, 5.0}
    share_missing = s[items].isna().to_numpy().mean()
    assert abs(share_missing - 0.01) < 4 * np.sqrt(0.01 * 0.99 / s[items].size)
    assert s["overall_satisfaction"].between(1, 10).all() and s["nps"].between(0, 10).all()
    assert s["repurchase_intent"].between(1, 5).all()
    assert ((s["complaint_type"] == "none") == ~s["complaint"]).all()
    assert not (s["complaint_resolved"] & ~s["complaint"]).any()
    assert (s["survey_date"] <= END - pd.Timedelta(days=90)).all()
    signup = s["customer_id"].map(fake[0].set_index("customer_id")["signup_date"])
    assert (s["survey_date"] >= signup).all() and (s["survey_date"] >= START).all()


def test_driver_regression_recovers_the_weight_ordering(tables, truth):
    s = tables["survey"]
    X = _item_means(s)
    # A respondent can skip every item of a two-item scale: drop those few rows.
    fit = sm.OLS(s["overall_satisfaction"].to_numpy(dtype=float), sm.add_constant(X), missing="drop").fit()
    order_true = sorted(gm.DRIVERS, key=lambda d: -truth["satisfaction"]["driver_weights"][d])
    order_est = sorted(gm.DRIVERS, key=lambda d: -fit.params[d])
    assert order_est == order_true
    pop = truth["satisfaction"]["item_mean_weights_population_ols"]
    for d in gm.DRIVERS:  # rounding of items and overall is ignored by the population value
        assert abs(fit.params[d] - pop[d]) < 4 * fit.bse[d] + 0.05, d


def test_cronbach_alpha_simulated_is_close_to_theory(tables, truth):
    sat = truth["satisfaction"]
    s = tables["survey"]
    for d in gm.DRIVERS:
        items = s[[c for c in s.columns if c.startswith(f"q_{d}_")]].to_numpy()
        assert gm._cronbach_alpha_sample(items) == pytest.approx(sat["cronbach_alpha_simulated"][d])
        assert abs(sat["cronbach_alpha_simulated"][d] - sat["cronbach_alpha_theory"][d]) < 0.08
        assert 0.7 < sat["cronbach_alpha_theory"][d] < 0.9


def test_repurchase_logit_recovers_its_coefficients(tables, truth):
    s = tables["survey"]
    X = pd.DataFrame(
        {
            "overall": s["overall_satisfaction"] - truth["satisfaction"]["overall_centre"],
            "unresolved": (s["complaint"] & ~s["complaint_resolved"]).astype(float),
            "resolved": s["complaint_resolved"].astype(float),
        }
    )
    fit = sm.Logit(s["repurchased_90d"].astype(float).to_numpy(), sm.add_constant(X)).fit(disp=0)
    rep = truth["satisfaction"]["repurchase_90d"]
    for name, key in (("const", "intercept"), ("overall", "overall"), ("unresolved", "unresolved"), ("resolved", "resolved")):
        assert abs(fit.params[name] - rep[key]) < 3 * fit.bse[name], name


def test_service_recovery_in_nps(tables):
    s = tables["survey"]
    group = np.where(~s["complaint"], "none", np.where(s["complaint_resolved"], "resolved", "unresolved"))
    nps = s["nps"].groupby(group).mean()
    assert nps["none"] > nps["resolved"] > nps["unresolved"]
    assert np.corrcoef(s["overall_satisfaction"], s["nps"])[0, 1] > 0.5


# ---------------------------------------------------------------------------------------------
# Market and competitors
# ---------------------------------------------------------------------------------------------


def test_market_shares_sizes_and_hhi(tables, truth):
    m = tables["market"]
    tm = truth["market"]
    sums = m.groupby(["region", "year"])["share"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-6)
    np.testing.assert_allclose(m["revenue"], m["share"] * m["market_size"], atol=5.1e-3)
    size = m.groupby(["region", "year"])["market_size"].agg(["min", "max"])
    assert (size["min"] == size["max"]).all()
    for region in REGIONS:
        s = m[m["region"] == region].groupby("year")["market_size"].first()
        cagr = (s.iloc[-1] / s.iloc[0]) ** (1 / (s.index[-1] - s.index[0])) - 1
        assert cagr == pytest.approx(tm["cagr"][region], abs=2e-4)
        assert cagr == pytest.approx(tm["realised_cagr"][region], rel=1e-9)
        for year, shares in m[m["region"] == region].groupby("year"):
            assert float(((100 * shares["share"]) ** 2).sum()) == pytest.approx(tm["hhi"][region][str(year)], rel=1e-9)
            assert dict(zip(shares["brand"], shares["share"], strict=True)) == pytest.approx(tm["shares"][region][str(year)])


def test_share_trends_follow_the_recorded_direction(tables, truth):
    m = tables["market"]
    trend = truth["market"]["share_trend_per_year"]
    national = m.groupby(["year", "brand"])["revenue"].sum().unstack()
    national = national.div(national.sum(axis=1), axis=0)
    assert national.loc[2025, "Bluebird Online"] > national.loc[2023, "Bluebird Online"]
    assert national.loc[2025, "Lotus Lane"] < national.loc[2023, "Lotus Lane"]
    assert trend["Bluebird Online"] > 0 > trend["Lotus Lane"]


def test_competitors_match_the_market_brands(tables, truth):
    c = tables["competitors"]
    assert list(c["brand"]) == truth["market"]["brands"] == sorted(set(tables["market"]["brand"]), key=list(c["brand"]).index)
    assert c.loc[c["brand"] == "Our retailer", "price_index"].item() == 100.0
    assert c[["quality_score", "service_score", "assortment_score", "digital_score"]].stack().between(1, 10).all()


# ---------------------------------------------------------------------------------------------
# Helpers: adstock and Hill invariants
# ---------------------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=30),
    st.floats(min_value=0, max_value=0.95),
)
def test_adstock_is_a_geometric_convolution(spend, decay):
    x = np.array(spend)
    a = gm._geometric_adstock(x, decay)
    weights = decay ** np.arange(len(x))
    expected = np.array([np.dot(x[: t + 1][::-1], weights[: t + 1]) for t in range(len(x))])
    np.testing.assert_allclose(a, expected, rtol=1e-9, atol=1e-6)
    assert a.sum() <= x.sum() / (1 - decay) + 1e-6


@settings(max_examples=50, deadline=None)
@given(st.floats(min_value=1.0, max_value=1e6), st.floats(min_value=0.5, max_value=3.0))
def test_hill_is_monotone_and_half_at_k(k, shape):
    grid = np.linspace(0, 10 * k, 50)
    h = gm._hill(grid, k, shape)
    assert h[0] == 0 and np.all(np.diff(h) > 0) and np.all(h < 1)
    assert float(gm._hill(k, k, shape)) == pytest.approx(0.5)
