"""Peeking and group-sequential boundaries.

Published figures: the Lan-DeMets Pocock-type boundaries for five equally spaced looks at a
two-sided 5% level are 2.438, 2.427, 2.410, 2.397, 2.386 (Jennison & Turnbull, *Group
Sequential Methods*, 2000; also the output of R's gsDesign/ldbounds).  The O'Brien-Fleming-type
boundaries depend on the form of the spending function; ours, ``2 - 2 Phi(z / sqrt(t))``, is
checked by simulation: the chance of crossing under the null must be the alpha spent.
"""

from __future__ import annotations

import numpy as np
import pytest

from crmlib.exceptions import ParameterError
from crmlib.promotion import peeking_false_positive_rate, sequential_boundaries, spend_alpha

SIMS = 400_000
# the binomial SE of a simulated 5% rate with 400,000 runs is 0.00034; 4 SE = 0.0014
TOL = 4 * np.sqrt(0.05 * 0.95 / SIMS)


def test_pocock_type_boundaries_match_the_published_ones():
    z = sequential_boundaries(5, spending="pocock")["z_boundary"]
    assert z.round(3).tolist() == [2.438, 2.427, 2.41, 2.397, 2.386]


@pytest.mark.parametrize("spending", ["obrien-fleming", "pocock"])
def test_boundaries_spend_exactly_alpha_under_the_null(spending):
    table = sequential_boundaries(5, spending=spending)
    rate = peeking_false_positive_rate(5, boundaries=table["z_boundary"].to_numpy(),
                                       simulations=SIMS, seed=3)
    assert abs(rate - 0.05) < TOL
    assert table["alpha_spent"].iloc[-1] == pytest.approx(0.05)
    assert (np.diff(table["alpha_spent"]) > 0).all()


def test_obrien_fleming_is_strict_early_and_near_fixed_at_the_end():
    z = sequential_boundaries(5)["z_boundary"].to_numpy()
    assert (np.diff(z) < 0).all() and z[0] > 4
    assert 1.96 < z[-1] < 2.1
    assert sequential_boundaries(1)["z_boundary"].iloc[0] == pytest.approx(1.959964, abs=1e-5)
    uneven = sequential_boundaries([0.3, 0.6, 1.0])
    assert uneven["fraction"].tolist() == [0.3, 0.6, 1.0]


def test_peeking_inflates_false_positives():
    once = peeking_false_positive_rate(1, simulations=SIMS, seed=1)
    ten = peeking_false_positive_rate(10, simulations=SIMS, seed=1)
    assert abs(once - 0.05) < TOL
    # ten looks at the fixed 1.96: about 19% (Armitage, McPherson & Rowe 1969)
    assert 0.18 < ten < 0.21


def test_spending_functions_and_errors():
    assert spend_alpha(1.0).item() == pytest.approx(0.05)
    assert spend_alpha(1.0, kind="pocock").item() == pytest.approx(0.05)
    assert spend_alpha(0.0).item() == 0.0
    with pytest.raises(ParameterError, match="increase strictly"):
        sequential_boundaries([0.5, 0.4, 1.0])
    with pytest.raises(ParameterError, match="exactly 1"):
        sequential_boundaries([0.5, 0.9])
    with pytest.raises(ParameterError, match="'spending'"):
        sequential_boundaries(3, spending="haybittle")
    with pytest.raises(ParameterError, match="one boundary per look"):
        peeking_false_positive_rate(3, boundaries=[2.0, 2.0])
