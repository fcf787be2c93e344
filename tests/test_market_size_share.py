"""crmlib.market size, growth, shares and concentration: hand examples, truth, properties."""

from __future__ import annotations

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
    return ds.load_default(tables=["market"])


def _share_tolerance(size: float) -> float:
    """Bound on |share from revenue - true share| for a market of ``size`` (million yuan).

    revenue_i = round(share_i x size, 2): each revenue is off by <= 0.005, their total of five
    by <= 0.025, so share_i = revenue_i / total is off by <= (0.005 + 0.025) / size; the true
    shares are stated to 6 decimals (their five roundings move the total by <= 2.5e-6).
    """
    return 0.03 / size + 3e-6


# ------------------------------------------------------------------------ truth of the default data
def test_cagr_recovers_the_true_growth_within_the_rounding_of_sizes(data):
    truth = data.truth["market"]
    res = mk.market_growth(data.market)
    for region, g in truth["cagr"].items():
        sizes = truth["market_size"][region]
        s0, s1, years = sizes["2023"], sizes["2025"], 2
        # sizes are rounded to 0.1 (error <= 0.05 each); d CAGR = (1 + g) / T x (dS1/S1 + dS0/S0)
        tol = 1.01 * (1 + g) / years * (0.05 / s1 + 0.05 / s0)
        row = res.table.loc[region]
        assert abs(row["cagr"] - g) <= tol, region
        assert row["period"] == "2023-2025 (2 years)"
        assert abs(row["cagr"] - truth["realised_cagr"][region]) <= 1e-6  # same sizes, 7 digits


def test_shares_hhi_and_cr4_recover_the_truth(data):
    truth = data.truth["market"]
    shares = mk.market_shares(data.market)
    conc = mk.concentration(shares)
    for region, years in truth["shares"].items():
        for year, brands in years.items():
            size = truth["market_size"][region][year]
            eps = _share_tolerance(size)
            got = shares[(shares["region"] == region) & (shares["year"] == int(year))].set_index("brand")
            for brand, s in brands.items():
                assert abs(got.loc[brand, "share"] - s) <= eps
            true_hhi = truth["hhi"][region][year]
            # HHI = sum (100 s)^2: d HHI <= 2 x 10^4 x sum s_i eps = 2e4 eps, + 0.005 stated rounding
            assert abs(conc.table.loc[(region, int(year)), "hhi"] - true_hhi) <= 2e4 * eps + 0.005
            true_cr4 = sum(sorted(brands.values(), reverse=True)[:4])
            assert abs(conc.table.loc[(region, int(year)), "cr4"] - true_cr4) <= 4 * eps


def test_computed_shares_agree_with_the_share_column(data):
    shares = mk.market_shares(data.market, total=None)
    merged = shares.merge(data.market.assign(region=data.market["region"].astype(str),
                                             brand=data.market["brand"].astype(str)),
                          on=["region", "year", "brand"])
    tol = 0.03 / merged["market_size"] + 3e-6
    assert (np.abs(merged["share_x"] - merged["share_y"]) <= tol).all()


def test_national_total_is_the_sum_of_regions(data):
    wide = mk.market_size(data.market)
    regions = wide.drop(columns="All markets")
    assert np.allclose(wide["All markets"], regions.sum(axis=1))
    shares = mk.market_shares(data.market)
    nat = shares[shares["region"] == "All markets"]
    by_hand = data.market.groupby(["year", "brand"], observed=True)["revenue"].sum()
    by_hand = by_hand / by_hand.groupby(level="year").transform("sum")
    got = nat.set_index(["year", "brand"])["share"]
    assert np.allclose(got.sort_index(), by_hand.rename(index=str, level=1).sort_index())


def test_trend_direction_matches_the_true_hhi_path(data):
    conc = mk.concentration(mk.market_shares(data.market))
    for region, by_year in data.truth["market"]["hhi"].items():
        change = by_year["2025"] - by_year["2023"]
        assert np.sign(conc.trend.loc[region, "hhi_change"]) == np.sign(change)
    assert "HHI" in conc.summary() and "<table" in conc._repr_html_()


# ------------------------------------------------------------------------ hand examples
def test_share_trend_and_yoy_by_hand():
    m = pd.DataFrame({"region": "N", "year": [2023, 2024, 2025], "market_size": [100.0, 120.0, 90.0]})
    res = mk.market_growth(m, brand_col=None)
    assert np.allclose(res.yoy["N"].to_numpy()[1:], [0.2, -0.25])
    assert res.table.loc["N", "cagr"] == pytest.approx((90 / 100) ** 0.5 - 1)
    assert "CAGR" in res.summary()


def test_gap_in_periods_is_stated():
    m = pd.DataFrame({"region": ["N", "N", "N", "S", "S"], "year": [2021, 2022, 2024, 2022, 2024],
                      "market_size": [100.0, 110.0, 121.0, 10.0, 12.0]})
    res = mk.market_growth(m, brand_col=None)
    assert res.table.loc["N", "period"] == "2021-2024 (3 years)"
    assert res.table.loc["S", "period"] == "2022-2024 (2 years)"
    assert np.isnan(res.table.loc["All markets", "size_first"]) or \
        res.table.loc["All markets", "first_period"] == 2022
    assert any("'S'" in n for n in res.notes)


# ------------------------------------------------------------------------ bad input
def test_bad_input_messages():
    m = pd.DataFrame({"region": ["N", "N"], "year": [2023, 2024], "brand": ["A", "A"],
                      "market_size": [100.0, 110.0], "revenue": [100.0, 110.0]})
    with pytest.raises(DataError, match="at least 2 brands"):
        mk.market_shares(m)
    with pytest.raises(DataError, match="column 'revenue' not in market"):
        mk.market_shares(m.drop(columns="revenue"))
    with pytest.raises(DataError, match="one row per"):
        mk.market_shares(pd.concat([m, m]))
    with pytest.raises(DataError, match="negative"):
        mk.market_shares(m.assign(revenue=[-1.0, 2.0]), min_brands=1)
    with pytest.raises(DataError, match="two periods"):
        mk.market_growth(m.iloc[:1])
    two = pd.concat([m, m.assign(brand="B", market_size=[100.0, 999.0])])
    with pytest.raises(DataError, match="same on every 'brand' row"):
        mk.market_growth(two)
    with pytest.raises(DataError, match="positive starting size"):
        mk.market_growth(m.assign(market_size=[0.0, 5.0]))
    with pytest.raises(ParameterError, match="'by' parameter"):
        mk.market_shares(m, by=3)
    with pytest.raises(DataError, match="sum to 1"):
        mk.hhi([0.2, 0.2])
    with pytest.raises(ParameterError, match="'k' parameter"):
        mk.concentration_ratio([1.0], k=0)


def test_fewer_brands_than_k_gives_cr_one_and_a_note():
    s = pd.DataFrame({"region": "N", "year": 2024, "brand": ["A", "B"], "share": [0.7, 0.3]})
    res = mk.concentration(s)
    assert res.table["cr4"].iloc[0] == 1.0
    assert "fewer than 4 brands" in res.notes[0]


# ------------------------------------------------------------------------ properties
revenues = st.lists(st.floats(0.01, 1e6, allow_nan=False), min_size=2, max_size=12)


@given(revenues)
def test_shares_sum_to_one_and_hhi_is_bounded(values):
    m = pd.DataFrame({"region": "N", "year": 2024, "brand": [f"b{i}" for i in range(len(values))],
                      "revenue": values})
    s = mk.market_shares(m, total=None)["share"]
    assert s.sum() == pytest.approx(1.0)
    n = len(values)
    h = mk.hhi(s)
    assert 10_000 / n - 1e-6 <= h <= 10_000 + 1e-6


@given(revenues)
def test_concentration_ratio_is_monotone_in_k_and_reaches_one(values):
    s = np.asarray(values) / np.sum(values)
    crs = [mk.concentration_ratio(s, k) for k in range(1, len(s) + 2)]
    assert all(b >= a - 1e-12 for a, b in zip(crs, crs[1:]))
    assert crs[len(s) - 1] == pytest.approx(1.0) and crs[-1] == 1.0
    assert crs[0] == pytest.approx(s.max())


@given(st.floats(0.01, 1e9), st.integers(1, 50))
def test_cagr_of_a_constant_series_is_zero(size, years):
    assert mk.cagr(size, size, years) == 0.0


@given(st.floats(1.0, 1e6), st.floats(-0.5, 1.0), st.integers(1, 30))
def test_cagr_round_trips(first, rate, years):
    last = first * (1 + rate) ** years
    assert mk.cagr(first, last, years) == pytest.approx(rate, abs=1e-9)
