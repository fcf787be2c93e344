"""crmlib.market life-cycle stage: the rule on curves of known stage, and the default data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import crmlib.datasets as ds
import crmlib.market as mk
from crmlib.exceptions import DataError, ParameterError


def _curve(kind: str, n: int = 12, scale: float = 1000.0) -> np.ndarray:
    """Expected sales per quarter of a product in a known stage (a Bass-like life cycle)."""
    t = np.arange(n, dtype=float)
    if kind == "introduction":
        return np.where(t >= n - 1, scale * 0.1, 0.0)
    if kind == "growth":  # the rising half of a logistic adoption curve
        return scale / (1 + np.exp(-(t - (n - 1)) / 2.0))
    if kind == "maturity":
        return scale * (1 + 0.02 * np.sin(t))
    return scale * np.exp(-0.25 * np.maximum(t - 4, 0))  # decline: from its peak at t = 4


@pytest.mark.parametrize("kind", mk.STAGES)
def test_rule_finds_the_stage_of_a_clean_curve(kind):
    res = mk.lifecycle_stages(pd.DataFrame({kind: _curve(kind)}))
    assert res.loc[kind, "stage"] == kind
    assert res.loc[kind, "reason"]


def test_rule_finds_the_stage_under_poisson_noise():
    """Poisson noise at 5,000 units a quarter at the peak; tolerances from the noise SD.

    The window-to-window change r = mean_recent / mean_previous - 1 has SD about
    sqrt(1 / (2 a) + 1 / (2 b)) for expected window means a, b. Clean curves: growth +94%
    (means 2,194 vs 1,128: SD 2.6%, 30 SDs above the +10% threshold), decline -39% (992 vs
    1,636: SD 2.8%, 10 SDs below -10%, at 20% of peak < 80%), maturity -3% (SD 1.4%, 9 SDs
    below +10%; at 97% of peak it cannot be declining). So all 200 noisy copies per stage
    must be classified right.
    """
    rng = np.random.default_rng(7)
    frames = {f"{k}-{i}": rng.poisson(_curve(k, scale=5000.0)) for k in mk.STAGES for i in range(200)}
    res = mk.lifecycle_stages(pd.DataFrame(frames))
    truth = [name.split("-")[0] for name in res.index]
    assert (res["stage"].astype(str).to_numpy() == np.array(truth)).all()


@given(st.lists(st.integers(0, 500), min_size=4, max_size=16), st.floats(0.01, 1000))
def test_stage_does_not_depend_on_the_unit_of_sales(values, factor):
    s = pd.DataFrame({"p": np.asarray(values, dtype=float)})
    a = mk.lifecycle_stages(s)["stage"].iloc[0]
    b = mk.lifecycle_stages(s * factor)["stage"].iloc[0]
    assert a == b


def test_age_rule_reproduces_the_default_truth():
    data = ds.load_default(tables=["products"])
    stage = mk.stage_from_age(data.products["launch_date"], as_of=data.truth["end"])
    assert (stage == data.products["lifecycle_stage"]).all()


def _quarterly(frame: pd.DataFrame) -> pd.DataFrame:
    q = frame.groupby(frame.index.to_period("Q")).sum()
    q.index = q.index.start_time
    return q


def test_default_order_lines_are_not_launch_aware():
    """The order lines pick a product by price within its category, regardless of launch, so
    they cannot check the stage rule; the market panel ``product_monthly_sales`` can (below)."""
    data = ds.load_default(tables=["orders", "order_lines", "products"])
    lines = data.order_lines.merge(data.orders[["order_id", "order_date"]], on="order_id")
    lines = lines.merge(data.products[["product_id", "launch_date"]], on="product_id")
    assert (lines["order_date"] < lines["launch_date"]).sum() > 1000


def test_sales_curve_rule_recovers_the_default_life_cycle_stages():
    """The rule on the launch-aware panel finds the age-based stage, except in derived lag zones.

    With quarterly sales, window=2 and intro_periods=3, the windows are the last half year and
    the half year before it (the panel ends in December, so they are calendar half-years):

    - introduction (age < 0.5): first sale in Q3 or Q4, age_periods <= 2 < 3 — exact, but for
      launches in the last days of June (age 0.49-0.5 yet three quarters of sales);
    - growth (0.5 <= age < 2): both windows on the linear ramp (or the earlier one partly
      before launch), where recent/previous >= (0.2 + 0.8 x 0.875) / (0.2 + 0.8 x 0.625)
      = 1.29 > 1.10 — exact;
    - maturity (2 <= age < 6): both windows on the plateau only from age 3 (the earlier window
      starts a year before the end), so ages 2-3 may still read as growth: a lag zone;
    - decline (age >= 6): from age 6.5 the recent window lies wholly in decline, so recent/peak
      <= (1 - e^-0.5) / 0.5 = 0.79 < 0.80 and change <= -21% < -10%; ages 6-6.5: a lag zone.

    Outside the lag zones the expected curve gives the true stage; Poisson noise can change
    that only where the expected change is within z SDs of a +-10% threshold, with SD =
    sqrt(1/R + 1/P) for expected window units R, P and z the Bonferroni normal quantile for
    200 products at 0.001. Those products are excluded from the exact check; every other one
    must be right, and every miss must be one stage late (the rule lags, it never leads).
    """
    from scipy.stats import norm

    from crmlib.datasets._gen_lifecycle import expected_units

    data = ds.load_default(tables=["products", "product_monthly_sales"])
    prod = data.products.set_index("product_id")
    panel = data.product_monthly_sales
    wide = panel.pivot(index="month", columns="product_id", values="units")[prod.index]
    sales = mk.panel_sales(panel, products=prod.index)
    assert sales.equals(_quarterly(wide))
    est = mk.lifecycle_stages(sales, intro_periods=3)
    peak = pd.Series(data.truth["product_lifecycle"]["peak_units"])[prod.index].to_numpy()
    mu = pd.DataFrame(expected_units(prod["launch_date"], peak, wide.index), index=wide.index,
                      columns=prod.index)
    mq = _quarterly(mu)
    change = mq.iloc[-2:].sum() / mq.iloc[-4:-2].sum() - 1
    sd = np.sqrt(1 / mq.iloc[-2:].sum() + 1 / mq.iloc[-4:-2].sum())
    margin = (np.minimum((change - 0.10).abs(), (change + 0.10).abs()) / sd).fillna(np.inf)
    age = (ds.END - prod["launch_date"]).dt.days / 365.25
    lag = age.between(2, 3, inclusive="left") | age.between(6, 6.5, inclusive="left") | age.between(
        0.49, 0.5, inclusive="left")
    z = norm.isf(0.001 / 2 / len(prod))
    strict = ~lag & (margin > z)
    truth_code = prod["lifecycle_stage"].cat.codes
    est_code = est["stage"].cat.codes
    assert strict.sum() >= 150  # the exact check covers most of the 200 products
    assert (est_code[strict] == truth_code[strict]).all()
    miss = est_code != truth_code
    assert (est_code[miss] == truth_code[miss] - 1).all()
    table = mk.lifecycle_check(est["stage"].to_numpy(), prod["lifecycle_stage"].to_numpy())
    assert table.attrs["agreement"] > table.attrs["chance"] + 0.4


def test_product_sales_fills_gaps_and_unsold_products():
    o = pd.DataFrame({"order_id": ["O1", "O2", "O3"], "status": ["completed", "cancelled", "completed"],
                      "order_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-09-01"])})
    ol = pd.DataFrame({"order_id": ["O1", "O2", "O3"], "product_id": ["P1", "P1", "P1"],
                       "quantity": [2, 5, 3]})
    wide = mk.product_sales(o, ol, products=["P1", "P9"])
    assert wide["P1"].tolist() == [2, 0, 3] and wide["P9"].tolist() == [0, 0, 0]
    assert mk.lifecycle_stages(wide, window=1, intro_periods=0).loc["P9", "stage"] == "introduction"


def test_bad_input_messages():
    s = pd.DataFrame({"p": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="needs at least 4"):
        mk.lifecycle_stages(s)
    with pytest.raises(DataError, match="negative"):
        mk.lifecycle_stages(pd.DataFrame({"p": [1.0, -2.0, 3.0, 4.0]}))
    with pytest.raises(ParameterError, match="'window' parameter"):
        mk.lifecycle_stages(s, window=0)
    with pytest.raises(ParameterError, match="'peak_ratio' parameter"):
        mk.lifecycle_stages(s, peak_ratio=2)
    with pytest.raises(DataError, match="must be dates"):
        mk.stage_from_age(pd.Series(["2024-01-01"]), as_of="2025-01-01")
    with pytest.raises(DataError, match="'month' must be dates"):
        mk.panel_sales(pd.DataFrame({"product_id": ["P1"], "month": ["2024-01"], "units": [1]}))
    with pytest.raises(DataError, match="negative"):
        mk.panel_sales(pd.DataFrame({"product_id": ["P1"], "month": pd.to_datetime(["2024-01-01"]),
                                     "units": [-1]}))
    with pytest.raises(DataError, match="2 estimates but 1"):
        mk.lifecycle_check(pd.Series(["growth", "growth"]), pd.Series(["growth"]))


def test_panel_sales_refuses_missing_product_ids_and_dates():
    import pandas as pd

    from crmlib.exceptions import DataError
    from crmlib.market import panel_sales

    p = pd.DataFrame({"product_id": ["P1", None, "P2"], "units": [1, 2, 5],
                      "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-07-01"])})
    with pytest.raises(DataError, match="column 'product_id' of sales has 1 missing value"):
        panel_sales(p)
    p = p.assign(product_id=["P1", "P1", "P2"], month=[pd.Timestamp("2024-01-01"), pd.NaT,
                                                       pd.Timestamp("2024-07-01")])
    with pytest.raises(DataError, match="column 'month' of sales has 1 missing value"):
        panel_sales(p)
