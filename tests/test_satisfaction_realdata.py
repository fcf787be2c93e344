"""Chapman & Feit, *R for Marketing Research and Analytics*, ch. 7: the amusement-park drivers.

The published figures (the book's chapter 7 and the authors' chapter slides, R output printed
to 5 significant decimals) are reproduced from ``rintro-chapter7.csv``:

- ``m2 <- lm(overall ~ rides + games + wait + clean)``: coefficients -131.40919, 0.52908,
  0.15334, 0.55333, 0.98421; R² 0.5586 (printed 0.5586);
- ``m3``: the same on the standardised ratings and overall (R's ``scale``) with
  ``weekend + logdist + num.child``: -0.56814, 0.21288, 0.07066, 0.38138, 0.29690,
  -0.04589, 0.06562, 0.22717; R² 0.6786; residual standard error 0.5709.

The tolerance is half a unit of the last printed digit (the rounding of the printout).
Skipped when the real data are not available (see ``tests/conftest.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

import crmlib.satisfaction as sat
from crmlib.datasets import load_amusement_park

pytestmark = pytest.mark.realdata

M2 = {"(Intercept)": -131.40919, "rides": 0.52908, "games": 0.15334, "wait": 0.55333, "clean": 0.98421}
M3 = {"(Intercept)": -0.56814, "rides": 0.21288, "games": 0.07066, "wait": 0.38138, "clean": 0.29690,
      "weekend": -0.04589, "logdist": 0.06562, "num_child": 0.22717}
HALF = 0.5e-5  # half a unit of the fifth decimal


@pytest.fixture(scope="module")
def park(real_data_home):
    df = load_amusement_park(real_data_home)
    df["logdist"] = np.log(df["distance"])
    return df


def test_book_m2_raw_driver_regression(park):
    m2 = sat.driver_regression(park, "overall", ["rides", "games", "wait", "clean"])
    for k, v in M2.items():
        assert m2.loc[k, "coef"] == pytest.approx(v, abs=HALF), k
    assert m2.attrs["r2"] == pytest.approx(0.558621, abs=0.5e-6)  # printed as summary(m2)$r.squared


def test_book_m3_standardised_with_controls(park):
    m3 = sat.driver_regression(park, "overall", ["rides", "games", "wait", "clean"],
                               controls=["weekend", "logdist", "num_child"], standardise=True)
    for k, v in M3.items():
        assert m3.loc[k, "coef"] == pytest.approx(v, abs=HALF), k
    assert m3.attrs["r2"] == pytest.approx(0.6786, abs=0.5e-4)
    assert m3.attrs["sigma"] == pytest.approx(0.5709, abs=0.5e-4)
    assert m3.attrs["df_resid"] == 492


def test_key_drivers_on_the_park_agree_with_the_regression(park):
    kd = sat.key_drivers(park, "overall", ["rides", "games", "wait", "clean"], n_boot=0)
    assert kd.table["coef"].to_dict() == pytest.approx({k: v for k, v in M2.items() if k != "(Intercept)"}, abs=HALF)
    assert kd.table["shapley"].sum() == pytest.approx(0.558621, abs=0.5e-6)
