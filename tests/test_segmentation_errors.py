"""Clear errors (argument, rule, value, fix) for inputs that used to give nonsense or a traceback."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crmlib import segmentation as seg
from crmlib import value as v
from crmlib.exceptions import ConvergenceError, CrmlibError, DataError


def test_gini_of_huge_values_is_computed_stably():
    """1e308s overflowed the sum: the result was nan, with a RuntimeWarning."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        assert seg.gini([1e308, 1e308, 5e307]) == pytest.approx(seg.gini([2.0, 2.0, 1.0]), rel=1e-15)
        assert seg.gini([1e-320, 3e-320]) == pytest.approx(seg.gini([1.0, 3.0]), rel=1e-3)
        curve = seg.concentration_curve([1e308, 1e308])
    assert curve["value_share"].tolist() == [0.0, 0.5, 1.0]


def test_abc_classes_refuse_values_whose_total_overflows():
    with pytest.raises(DataError, match=r"abc_classes: the values add up to more than the "
                                        r"largest float.*1e\+308.*Rescale"):
        seg.abc_classes([1e308, 1e308])


def test_rfm_scores_on_one_customer_says_why():
    one = pd.DataFrame({"recency_days": [2], "frequency": [3], "monetary": [10.0]}, index=["C7"])
    with pytest.raises(DataError, match=r"rfm_scores: .*at least 2 customers.*has 1 \('C7'\)"):
        seg.rfm_scores(one, bins=2)


def test_select_k_on_identical_rows_names_the_distinct_count():
    same = pd.DataFrame({"a": [1.0] * 50, "b": [2.0] * 50})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # sklearn's ConvergenceWarning used to leak
        with pytest.raises(DataError, match=r"select_k: the 'k_range' parameter asks for 3 "
                                            r"segments.*50 customers have only 1 distinct"):
            seg.select_k(same, k_range=range(2, 4))
        two = pd.DataFrame({"a": [1.0] * 25 + [2.0] * 25})
        with pytest.raises(DataError, match=r"only 2 distinct feature rows.*every k <= 2"):
            seg.select_k(two, k_range=range(2, 5))
        with pytest.raises(DataError, match=r"fit_segments: .*'k'.*Pass k <= 2"):
            seg.fit_segments(two, 3)
        with pytest.raises(DataError, match=r"cluster_stability: .*Pass k <= 2"):
            seg.cluster_stability(two, 3)
        assert seg.select_k(two, k_range=[2]).best_k == 2


def test_gamma_gamma_on_constant_spend_names_the_value():
    X = pd.DataFrame({"frequency": [1, 2, 3, 4] * 20, "monetary_value": [25.0] * 80})
    with pytest.raises(ConvergenceError, match=r"all 80 repeat customers have the same "
                                               r"monetary_value \(25\).*no maximum") as info:
        v.GammaGamma().fit(X)
    assert isinstance(info.value, CrmlibError)


_LOG = pd.DataFrame({"customer_id": ["A", "A", "B"],
                     "order_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-01-09"]),
                     "amount": [1.0, 2.0, 3.0]})


@pytest.mark.parametrize("call", [
    lambda: seg.rfm_table(_LOG, as_of="2023-12-31"),
    lambda: seg.spend_growth(_LOG, as_of="2023-12-31"),
    lambda: v.loyalty_tiers(_LOG, start="2023-01-01", end="2023-12-31"),
])
def test_a_date_before_all_data_is_refused_with_the_first_purchase(call):
    with pytest.raises(DataError, match=r"2023-12-31.*before the first purchase.*2024-01-05"):
        call()


def test_fitting_the_empty_summary_of_an_early_as_of_points_at_as_of():
    summary = v.rfm_weeks(_LOG, as_of="2023-12-31")
    with pytest.raises(DataError, match=r"got 0 \(the summary is empty\).*as_of"):
        v.BGNBD().fit(summary)
