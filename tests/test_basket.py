"""crmlib.basket: itemsets and rules against a brute-force count, properties, bad inputs, the truth."""

from __future__ import annotations

from collections import Counter
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import crmlib.basket as bk
from crmlib.exceptions import ParameterError


def brute_itemsets(baskets: list[set], min_count: int, max_len: int) -> dict[tuple, int]:
    """Every itemset of up to max_len items with its count, by enumerating each basket's subsets."""
    counts: Counter = Counter()
    for b in baskets:
        items = sorted(b)
        for k in range(1, min(max_len, len(items)) + 1):
            counts.update(combinations(items, k))
    return {t: c for t, c in counts.items() if c >= min_count}


def brute_rules(freq: dict[tuple, int], n: int, min_conf: float) -> dict[tuple, tuple]:
    out = {}
    for t, c in freq.items():
        if len(t) < 2:
            continue
        for j, y in enumerate(t):
            a = t[:j] + t[j + 1:]
            conf = c / freq[a]
            if conf >= min_conf:
                sy = freq[(y,)] / n
                out[(a, y)] = (c / n, conf, conf / sy, c / n - freq[a] / n * sy)
    return out


@pytest.fixture(scope="module")
def groceries(real_data_home):
    from crmlib.datasets import load_groceries
    return load_groceries()


def test_groceries_published_arules_counts(groceries):
    # arules: apriori(Groceries, parameter = list(supp = 0.001, conf = 0.5)) -> set of 5668 rules,
    # lengths 2:11, 3:1461, 4:3211, 5:939, 6:46; 157 items frequent; {honey} => {whole milk} lift 2.870009
    b = bk.basket_matrix(groceries, basket="basket", item="item")
    assert (b.n_baskets, b.n_items, int(b.matrix.nnz)) == (9835, 169, 43367)
    its = bk.frequent_itemsets(b, 0.001)
    rules = bk.association_rules(its, min_confidence=0.5)
    assert int((its.table["size"] == 1).sum()) == 157
    assert len(rules.table) == 5668
    assert rules.table["size"].value_counts().sort_index().to_dict() == {2: 11, 3: 1461, 4: 3211, 5: 939, 6: 46}
    honey = rules.table[rules.table["antecedent"] == ("honey",)].iloc[0]
    assert honey["consequent"] == "whole milk"
    assert honey["lift"] == pytest.approx(2.870009, abs=5e-7)  # printed to 7 significant digits
    assert honey["support"] == pytest.approx(0.001118454, abs=5e-10)


def test_groceries_subset_identical_to_brute_force(groceries):
    sub = groceries[groceries["basket"] <= 2000]
    sets = [set(g) for _, g in sub.groupby("basket")["item"]]
    n = len(sets)
    b = bk.basket_matrix(sub, basket="basket", item="item")
    its = bk.frequent_itemsets(b, 0.004, max_len=4)
    freq = brute_itemsets(sets, its.min_count, 4)
    got = {tuple(t): c for t, c in zip(its.table["itemset"], its.table["count"])}
    assert got == freq
    rules = bk.association_rules(its, min_confidence=0.3)
    want = brute_rules(freq, n, 0.3)
    t = rules.table
    mine = {(a, y): (s, c, li, le) for a, y, s, c, li, le in
            zip(t["antecedent"], t["consequent"], t["support"], t["confidence"], t["lift"], t["leverage"])}
    assert set(mine) == set(want)
    for key, vals in want.items():
        assert mine[key] == pytest.approx(vals, rel=1e-12)


def test_all_consequents_count_every_split():
    b = bk.baskets_from_lists([["a", "b", "c"]] * 3 + [["a"], ["b"]])
    its = bk.frequent_itemsets(b, 0.5)
    single = bk.association_rules(its, min_confidence=0)
    every = bk.association_rules(its, min_confidence=0, consequents="all")
    # 3 pairs x 2 + one triple: 3 single-consequent rules vs 2^3 - 2 = 6 splits
    assert len(single.table) == 3 * 2 + 3
    assert len(every.table) == 3 * 2 + 6


baskets_strategy = st.lists(st.sets(st.sampled_from("abcdef"), min_size=1, max_size=5), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(baskets_strategy, st.sampled_from([0.05, 0.1, 0.2, 0.3]))
def test_properties(baskets, min_support):
    b = bk.baskets_from_lists([sorted(x) for x in baskets])
    its = bk.frequent_itemsets(b, min_support)
    freq = {tuple(t): s for t, s in zip(its.table["itemset"], its.table["support"])}
    for t, s in freq.items():  # anti-monotone: every subset is frequent and at least as supported
        for k in range(1, len(t)):
            for sub in combinations(t, k):
                assert freq[sub] >= s
    assert freq == {t: c / len(baskets) for t, c in brute_itemsets([set(x) for x in baskets], its.min_count, 6).items()}
    r = bk.association_rules(its, min_confidence=0).table
    assert (r["confidence"] <= 1 + 1e-12).all()
    pairs = r[r["size"] == 2]
    lift = {(a[0], y): v for a, y, v in zip(pairs["antecedent"], pairs["consequent"], pairs["lift"])}
    for (x, y), v in lift.items():
        assert lift[(y, x)] == pytest.approx(v)
    lev = r["support"] - r["antecedent_support"] * r["consequent_support"]
    assert np.allclose(r["leverage"], lev)
    finite = r["confidence"] < 1
    assert np.allclose(r.loc[finite, "conviction"], (1 - r.loc[finite, "consequent_support"]) / (1 - r.loc[finite, "confidence"]))


def test_single_item_baskets_give_no_rules_with_a_note():
    b = bk.baskets_from_lists([["a"], ["b"], ["a"], ["c"]])
    its = bk.frequent_itemsets(b, 0.2)
    assert set(its.table["size"]) == {1}
    assert any("single item" in n for n in its.notes)
    rules = bk.association_rules(its)
    assert len(rules.table) == 0 and any("no rules" in n for n in rules.notes)


def test_min_support_that_yields_nothing_or_everything():
    b = bk.baskets_from_lists([["a", "b"], ["c"], ["d"], ["a"]])
    none = bk.frequent_itemsets(b, 0.9)
    assert len(none.table) == 0 and "most frequent item is in 2 baskets" in none.notes[0]
    assert len(bk.association_rules(none).table) == 0
    rng = np.random.default_rng(0)
    wide = bk.baskets_from_lists([list(map(str, rng.choice(60, 30, replace=False))) for _ in range(50)])
    with pytest.raises(ParameterError, match=r"min_support=0.01 gives [\d,]+ itemsets of size 3 \(or more\)"):
        bk.frequent_itemsets(wide, 0.01, max_itemsets=10_000)
    with pytest.raises(ParameterError, match=r"gives 1,770 itemsets of size 2 .*max_itemsets=60\b"):
        bk.frequent_itemsets(wide, 0.01, max_itemsets=60)  # 60 frequent items pass; the pair bound trips
    with pytest.raises(ParameterError, match="'min_support' parameter"):
        bk.frequent_itemsets(wide, 0)


def test_customer_without_history_gets_popular_items():
    b = bk.baskets_from_lists([["a", "b"], ["a", "b"], ["a", "c"], ["c", "d"]])
    rules = bk.association_rules(bk.frequent_itemsets(b, 0.25), min_confidence=0.5)
    hist = pd.DataFrame({"customer_id": ["u", "u", "v", "w"], "item": ["b", "c", "a", "a"]})
    offers = bk.next_best_offers(rules, hist, ["u", "v", "new"], k=2)
    new = offers[offers["customer"] == "new"]
    assert new["source"].eq("popularity").all() and list(new["item"]) == ["a", "b"]
    u = offers[offers["customer"] == "u"]
    assert not set(u["item"]) & {"b", "c"}  # never offers what was bought
    assert u.iloc[0]["source"] == "rule" and u.iloc[0]["item"] == "a"


def test_hit_rates_count_only_new_purchases():
    hist = pd.DataFrame({"customer_id": ["u", "v"], "item": ["a", "a"]})
    fut = pd.DataFrame({"customer_id": ["u", "v", "w"], "item": ["b", "a", "c"]})
    offers = pd.DataFrame({"customer": ["u", "v", "w"], "rank": [1, 1, 1], "item": ["b", "b", "b"]})
    hr = bk.offer_hit_rates({"x": offers}, fut, hist, k=1)
    assert hr.loc["x", "customers"] == 2 and hr.loc["x", "hits"] == 1  # v bought nothing new


def test_lift_standard_error_matches_simulation():
    rng = np.random.default_rng(1)
    n, p = 5000, np.array([0.05, 0.15, 0.2, 0.6])  # p11, p10, p01, p00
    draws = rng.multinomial(n, p, size=4000)
    ab, a, b = draws[:, 0], draws[:, 0] + draws[:, 1], draws[:, 0] + draws[:, 2]
    sim = np.log(ab * n / (a * b)).std()
    assert float(bk.lift_standard_error(250, 1000, 1250, n)) == pytest.approx(sim, rel=0.06)


def test_expected_pair_lift_matches_simulated_baskets():
    rng = np.random.default_rng(2)
    mix = pd.DataFrame([[0.6, 0.3, 0.1], [0.1, 0.3, 0.6]], index=["u", "v"], columns=list("xyz"))
    cells = rng.choice(["u", "v"], 40_000)
    sizes = 1 + rng.poisson(0.8, 40_000)
    truth = bk.expected_pair_lift(mix, cells, sizes)
    rows, items = [], []
    for i, (c, n) in enumerate(zip(cells, sizes)):
        drawn = rng.choice(3, n, p=mix.loc[c].to_numpy())  # with replacement, like the generator
        rows += [i] * n
        items += list(np.array(list("xyz"))[drawn])
    b = bk.basket_matrix(pd.DataFrame({"order_id": rows, "product_id": items}))
    its = bk.frequent_itemsets(b, 0.001, max_len=2)
    counts = its.counts
    for (x, y), row in truth.iterrows():
        i, j = list(b.items).index(x), list(b.items).index(y)
        est = counts[(i, j)] * b.n_baskets / (counts[(i,)] * counts[(j,)])
        se = bk.lift_standard_error(counts[(i, j)], counts[(i,)], counts[(j,)], b.n_baskets)
        assert abs(np.log(est / row["lift"])) < 4 * se


def test_default_data_category_lifts_recovered():
    import crmlib.datasets as ds
    d = ds.load_default(tables=["orders", "order_lines", "customers", "truth_customers", "products"])
    o = d.orders[d.orders["status"] == "completed"]
    lines = d.order_lines[d.order_lines["order_id"].isin(o["order_id"])].merge(d.products[["product_id", "category"]])
    truth = bk.default_category_lift(d.truth, d.customers, d.truth_customers, o, lines)
    b = bk.basket_matrix(lines, item="category")
    its = bk.frequent_itemsets(b, 0.0005, max_len=2)
    idx = {x: i for i, x in enumerate(b.items)}
    z = []
    for (x, y), row in truth.iterrows():
        i, j = sorted((idx[x], idx[y]))
        est = its.counts[(i, j)] * b.n_baskets / (its.counts[(i,)] * its.counts[(j,)])
        se = bk.lift_standard_error(its.counts[(i, j)], its.counts[(i,)], its.counts[(j,)], b.n_baskets)
        z.append(np.log(est / row["lift"]) / se)
    # 15 pairs: a two-sided 0.1% level each (Bonferroni-like), |z| < 3.5
    assert np.max(np.abs(z)) < 3.5


def test_funnel_steps_nest():
    orders = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "c", "c"],
                           "order_date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-12-01",
                                                         "2024-03-01", "2024-05-01", "2024-05-02"])})
    items = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "item": ["x", "y", "x", "x"]})
    f = bk.relationship_funnel(orders, items, as_of="2024-12-31", prospects=7, loyal_days=3)
    assert f["customers"].to_dict() == {"aware": 10, "trial": 3, "repeat": 2, "cross_buy": 1, "loyal": 1,
                                        "lapsed": 3, "won_back": 1}


def test_load_groceries_refuses_bad_files(tmp_path):
    from crmlib.datasets import load_groceries
    from crmlib.exceptions import DataError

    good = tmp_path / "groceries.csv"
    good.write_text("whole milk,yogurt\ncream cheese ,soda\n")
    g = load_groceries(good)
    assert g["basket"].tolist() == [1, 1, 2, 2] and "cream cheese" in set(g["item"])
    (tmp_path / "bad.csv").write_text("milk,,soda\n")
    with pytest.raises(DataError, match="line 1 .* empty item"):
        load_groceries(tmp_path / "bad.csv")
    (tmp_path / "twice.csv").write_text("milk,milk\n")
    with pytest.raises(DataError, match="twice"):
        load_groceries(tmp_path / "twice.csv")
    with pytest.raises(DataError, match="does not exist"):
        load_groceries(tmp_path / "nowhere.csv")


def test_basket_matrix_names_missing_columns_and_values():
    from crmlib.exceptions import DataError

    with pytest.raises(DataError, match="column 'order_id' not in the data"):
        bk.basket_matrix(pd.DataFrame({"basket": [1], "product_id": ["a"]}))
    with pytest.raises(DataError, match="'product_id' has 1 missing"):
        bk.basket_matrix(pd.DataFrame({"order_id": [1, 2], "product_id": ["a", None]}))


def test_sql_pair_counts_equal_the_sparse_counts(tmp_path):
    import crmlib.datasets as ds
    from crmlib.engine import scan

    d = ds.load_default(tables=["orders", "order_lines", "products"])
    lines = d.order_lines.merge(d.products[["product_id", "category"]], on="product_id")
    sparse = bk.pair_lifts(bk.frequent_itemsets(bk.basket_matrix(lines, item="product_id"), 0.0005, max_len=2))
    path = tmp_path / "lines.parquet"
    lines[["order_id", "product_id"]].to_parquet(path)
    sql = bk.pair_counts_sql(scan(path), basket="order_id", item="product_id", min_support=0.0005)
    assert len(sql) == len(sparse) > 0
    joined = sparse.merge(sql, left_index=True, right_index=True, how="outer", suffixes=("", "_sql"))
    assert (joined["count"] == joined["count_sql"]).all()
    assert np.allclose(joined["lift"], joined["lift_sql"], rtol=1e-12)
    frame = bk.pair_counts_sql(lines, basket="order_id", item="category", min_support=0.01)
    assert set(frame.index) == set(bk.pair_lifts(bk.frequent_itemsets(bk.basket_matrix(lines, item="category"), 0.01)).index)
