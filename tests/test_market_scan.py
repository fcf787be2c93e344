"""crmlib.market PEST/SWOT tables, and the package's public face."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import crmlib.datasets as ds
import crmlib.market as mk
from crmlib.exceptions import DataError


@pytest.fixture(scope="module")
def parts():
    data = ds.load_default(tables=["market", "competitors"])
    shares = mk.market_shares(data.market)
    return {
        "growth": mk.market_growth(data.market).table,
        "bench": mk.competitor_benchmark(data.competitors).table,
        "opp": mk.rank_opportunities(mk.opportunity_inputs(data.market)).table,
        "trend": mk.share_trend(shares),
    }


def test_pest_fills_growth_from_the_data(parts):
    t = mk.pest_table(parts["growth"])
    data_rows = t[t["source"] == "data"]
    assert len(data_rows) == 6 and (data_rows["factor"] == "economic").all()
    west = data_rows[data_rows["item"] == "market growth in West"]["evidence"].iloc[0]
    assert west == "CAGR +11.0% over 2023-2025 (2 years)"
    assert set(t.loc[t["source"] == "prompt", "factor"]) == set(mk.PEST_PROMPTS)
    assert list(t.columns) == ["factor", "item", "evidence", "source"]


def test_swot_follows_its_rules(parts):
    t = mk.swot_table(parts["bench"], parts["opp"], parts["trend"], satisfaction=7.4)
    strengths = t[t["factor"] == "strength"]["item"].tolist()
    assert "digital_score above rivals' mean" in strengths and "customer satisfaction" in strengths
    assert (t["factor"] == "weakness").sum() == 1  # nothing below the mean: a prompt
    assert t[t["factor"] == "weakness"]["source"].iloc[0] == "prompt"
    opp = t[t["factor"] == "opportunity"]["item"].tolist()
    assert opp == [f"{c} (opportunity rank {i})" for i, c in enumerate(parts["opp"].index[:2], 1)]
    threats = t[t["factor"] == "threat"]
    assert threats["item"].str.startswith("Bluebird Online").all()  # the fastest-gaining rival
    assert not threats["item"].str.contains("Our retailer").any()


def test_swot_bad_input(parts):
    with pytest.raises(DataError, match="column 'gap_to_mean' not in benchmark"):
        mk.swot_table(pd.DataFrame({"x": [1]}), parts["opp"], parts["trend"])
    with pytest.raises(DataError, match="indexed by"):
        mk.swot_table(parts["bench"], parts["opp"], parts["trend"].reset_index(level=1))


def test_public_face_and_import_is_side_effect_free():
    assert all(hasattr(mk, n) for n in mk.__all__)
    assert mk.__all__ == sorted(mk.__all__)
    # pandas itself adds warning filters when imported; what crmlib.market adds is measured
    code = ("import sys, warnings, numpy, pandas, crmlib.plotting, crmlib._results; "
            "before = list(warnings.filters); import crmlib.market; "
            "assert warnings.filters == before; "
            "heavy = [m for m in ('matplotlib', 'statsmodels', 'scipy') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
