"""crmlib.market on Dominick's orange juice: brand shares and HHI over time.

The expected numbers are recomputed here with plain pandas and itertools, independently of
crmlib's reconstruction of stores and weeks from the file order.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import crmlib.market as mk
from crmlib.datasets import load_orange_juice
from crmlib.exceptions import DataError, ParameterError

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def oj(real_data_home):
    return load_orange_juice()


def _runs(brands):
    """(brand, start, length) of each run of equal brands, in file order."""
    out, start = [], 0
    for b, grp in itertools.groupby(brands):
        n = len(list(grp))
        out.append((b, start, n))
        start += n
    return out


def test_store_structure(oj):
    runs = _runs(oj["brand"].astype(str).tolist())
    assert len(runs) == 83 * 3  # 83 stores, three brands each
    rows = mk.oj_store_weeks(oj)
    assert rows["store"].nunique() == 83
    lengths = [n for _, _, n in runs[::3]]
    assert rows.groupby("store")["week"].max().add(1).tolist() == lengths
    assert max(lengths) == 121 and lengths.count(121) == 5


@pytest.mark.parametrize("measure", ["revenue", "units"])
def test_weekly_shares_and_hhi_match_plain_pandas(oj, measure):
    runs = _runs(oj["brand"].astype(str).tolist())
    value = oj["sales"] * (oj["price"] if measure == "revenue" else 1.0)
    per_week: dict[int, dict[str, float]] = {}
    for b, start, n in runs:
        if n != 121:
            continue
        for w, v in enumerate(value.iloc[start:start + n]):
            per_week.setdefault(w, {}).setdefault(b, 0.0)
            per_week[w][b] += v
    expected = pd.DataFrame.from_dict(per_week, orient="index").sort_index()
    expected = expected.div(expected.sum(axis=1), axis=0)
    got = mk.oj_brand_shares(oj, measure=measure)
    assert len(got) == 121 and (got["n_stores"] == 5).all()
    for b in expected.columns:
        assert np.allclose(got[b].to_numpy(), expected[b].to_numpy(), rtol=1e-12)
    hhi = (expected.pow(2).sum(axis=1) * 10_000).to_numpy()
    assert np.allclose(got["hhi"].to_numpy(), hhi, rtol=1e-12)
    assert (got["hhi"] >= 10_000 / 3 - 1e-9).all() and (got["hhi"] <= 10_000).all()


def test_all_stores_use_every_row(oj):
    got = mk.oj_brand_shares(oj, stores="all", measure="units")
    assert got["n_stores"].iloc[0] == 83
    # chain share over everything, from the weekly shares weighted back by weekly totals
    weekly_total = oj.assign(w=mk.oj_store_weeks(oj)["week"]).groupby("w")["sales"].sum()
    brands = ["dominicks", "minute.maid", "tropicana"]
    overall = got[brands].mul(weekly_total.to_numpy(), axis=0).sum() / weekly_total.sum()
    by_hand = oj.groupby("brand", observed=True)["sales"].sum()
    assert np.allclose(overall.to_numpy(), (by_hand / by_hand.sum()).loc[brands].to_numpy())


def test_shuffled_file_is_refused(oj):
    with pytest.raises(DataError, match="store"):
        mk.oj_store_weeks(oj.sample(frac=1.0, random_state=1))
    with pytest.raises(ParameterError, match="'stores' parameter"):
        mk.oj_brand_shares(oj, stores="some")
