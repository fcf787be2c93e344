"""crmlib.market target-customer profile: truth of the category mix, tests, corrections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

import crmlib.datasets as ds
import crmlib.market as mk
from crmlib.exceptions import DataError, ParameterError


@pytest.fixture(scope="module")
def data():
    return ds.load_default(tables=["orders", "order_lines", "products", "customers",
                                   "truth_customers"])


@pytest.fixture(scope="module")
def buys(data):
    return mk.customer_categories(data.orders, data.order_lines, data.products)


def test_line_mix_by_family_stage_recovers_the_true_mix(data, buys):
    """The generator draws each line's category from P(category | segment, stage).

    Given how many lines each (segment, stage) cell has, the category count of a stage is a
    sum of independent Bernoulli draws, so its share has standard error
    sqrt(sum_cells n_cell p (1 - p)) / n_stage. We allow 4 standard errors: over the 36
    stage x category cells the chance of a false alarm is below 36 x 6.3e-5 = 0.23%.
    """
    mix = data.truth["category_mix"]
    cats = mix["categories"]
    prof = mk.category_profile(data.customers, buys, by="family_stage")
    got = prof.pivot(index="family_stage", columns="category", values="value")
    seg = data.truth_customers.set_index("customer_id")["segment"].astype(str)
    stage = data.customers.set_index("customer_id")["family_stage"].astype(str)
    lines = buys.sum(axis=1)
    cell_lines = lines.groupby([seg.reindex(lines.index), stage.reindex(lines.index)]).sum()
    checked = 0
    for st_name, n_cells in cell_lines.groupby(level=1):
        n = n_cells.sum()
        p = np.array([mix["by_segment_and_stage"][f"{s}|{st_name}"] for s, _ in n_cells.index])
        w = n_cells.to_numpy()[:, None]
        expected = (w * p).sum(axis=0) / n
        se = np.sqrt((w * p * (1 - p)).sum(axis=0)) / n
        for j, c in enumerate(cats):
            assert abs(got.loc[st_name, c] - expected[j]) <= 4 * se[j] + 1e-12, (st_name, c)
            checked += 1
    assert checked == 36
    # where the truth is exactly 0 the data hold none: no baby lines from young singles
    assert got.loc["young_single", "baby"] == 0 and got.loc["solitary_survivor", "baby"] == 0


def test_family_stage_is_the_strongest_link_to_baby(data, buys):
    res = mk.association_tests(data.customers, buys,
                               factors=["family_stage", "gender", "region"], correction="bh")
    top = res.table.iloc[0]
    assert (top["factor"], top["category"], top["top_group"]) == ("family_stage", "baby",
                                                                   "full_nest_1")
    assert top["significant"] and "full_nest_1 buy it" in top["finding"]
    assert "Benjamini-Hochberg" in res.summary()
    assert res._repr_html_().startswith("<p>")


def test_chi_square_matches_an_independent_computation(data, buys):
    from scipy.stats import chi2_contingency

    res = mk.association_tests(data.customers, buys, factors="age_band", categories=["home"])
    row = res.table.iloc[0]
    stage = data.customers.set_index("customer_id").loc[buys.index, "age_band"]
    t = pd.crosstab(stage, buys["home"] > 0)
    chi2, p, dof, _ = chi2_contingency(t, correction=False)
    assert row["chi2"] == pytest.approx(chi2) and row["dof"] == dof
    assert row["cramers_v"] == pytest.approx(np.sqrt(chi2 / t.to_numpy().sum()))
    assert row["p_adjusted"] == pytest.approx(p)  # one test: nothing to adjust


def test_untestable_factors_and_categories_are_noted():
    c = pd.DataFrame({"customer_id": list("abcd"), "one": ["x"] * 4, "two": ["x", "x", "y", "y"]})
    buys = pd.DataFrame({"all": [1, 1, 1, 1], "some": [1, 0, 1, 0]}, index=list("abcd"))
    res = mk.association_tests(c, buys, factors=["one", "two"])
    assert len(res.table) == 1
    assert any("single group" in n for n in res.notes)
    assert any("every customer bought it" in n for n in res.notes)
    assert any("expected count below 5" in n for n in res.notes)
    with pytest.raises(DataError, match="nothing could be tested"):
        mk.association_tests(c, buys[["all"]], factors="one")


def test_bad_input_messages(data, buys):
    with pytest.raises(DataError, match="column 'family' not in customers"):
        mk.category_profile(data.customers, buys, by="family")
    with pytest.raises(ParameterError, match="'measure' parameter"):
        mk.category_profile(data.customers, buys, measure="spend")
    with pytest.raises(DataError, match="not columns of purchases"):
        mk.association_tests(data.customers, buys, factors="gender", categories=["toys"])
    with pytest.raises(ParameterError, match="'correction' parameter"):
        mk.association_tests(data.customers, buys, factors="gender", correction="bonferroni")
    with pytest.raises(DataError, match="products missing"):
        mk.customer_categories(data.orders, data.order_lines, data.products.iloc[:10])
    with pytest.raises(DataError, match=r"in \[0, 1\]"):
        mk.adjust_pvalues([0.5, 1.5])


def test_buyers_measure_counts_customers():
    c = pd.DataFrame({"customer_id": ["A", "B"], "g": ["x", "x"]})
    buys = pd.DataFrame({"baby": [5, 0], "home": [1, 1]}, index=["A", "B"])
    prof = mk.category_profile(c, buys, by="g", measure="buyers").set_index("category")
    assert prof.loc["baby", "value"] == 0.5 and prof.loc["home", "value"] == 1.0


# ------------------------------------------------------------------------ corrections
pvals = st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=40)


@settings(max_examples=25)  # statsmodels' multipletests takes ~0.1 s a call here
@given(pvals)
def test_corrections_match_statsmodels(p):
    for ours, theirs in (("holm", "holm"), ("bh", "fdr_bh")):
        expected = multipletests(p, method=theirs)[1]
        assert np.allclose(mk.adjust_pvalues(p, ours), expected, atol=1e-12)


@given(pvals)
def test_corrections_are_monotone_bounded_and_at_least_raw(p):
    raw = np.asarray(p)
    holm, bh = mk.adjust_pvalues(p, "holm"), mk.adjust_pvalues(p, "bh")
    order = np.argsort(raw, kind="stable")
    for adj in (holm, bh):
        assert (adj >= raw - 1e-15).all() and (adj <= 1).all()
        assert (np.diff(adj[order]) >= -1e-15).all()
    assert (bh <= holm + 1e-12).all()


@given(st.lists(st.lists(st.integers(0, 50), min_size=2, max_size=4), min_size=2, max_size=5))
def test_cramers_v_is_in_unit_interval(rows):
    width = min(len(r) for r in rows)
    table = np.array([r[:width] for r in rows])
    v = mk.cramers_v(table)
    assert 0 <= v <= 1 + 1e-12
