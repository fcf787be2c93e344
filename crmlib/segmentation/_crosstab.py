"""Descriptive segmentation: a cross-tab with chi-square and Cramér's V."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib._validation import check_columns, check_frame, check_values
from crmlib.exceptions import DataError

__all__ = [
    "CrosstabResult",
    "crosstab_test",
]


# --------------------------------------------------------------------------------------------
# descriptive segmentation: cross-tabs with a chi-square test
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class CrosstabResult(SummaryDisplay):
    """A cross-tab with its chi-square test of independence (see :func:`crosstab_test`).

    Attributes
    ----------
    counts, row_shares, expected : pandas.DataFrame
        Observed counts, shares within each row, and expected counts under independence.
    chi2, p_value, cramers_v : float
    dof : int
    n_small_expected : int
        Number of cells with an expected count below 5.
    notes : tuple of str
    """

    _html_table = "row_shares"
    _html_float = "{:.3f}"

    counts: pd.DataFrame
    row_shares: pd.DataFrame
    expected: pd.DataFrame
    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    n_small_expected: int
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The test statistics as a one-row table."""
        return pd.DataFrame([{"chi2": self.chi2, "dof": self.dof, "p_value": self.p_value,
                              "cramers_v": self.cramers_v, "n": int(self.counts.to_numpy().sum()),
                              "cells_expected_below_5": self.n_small_expected}])

    def summary(self) -> str:
        """Test result, effect size and notes."""
        r, c = self.counts.index.name, self.counts.columns.name
        lines = [f"{r} x {c}: chi2 = {self.chi2:,.1f}, dof = {self.dof}, p = {self.p_value:.3g}, "
                 f"Cramér's V = {self.cramers_v:.3f} (n = {int(self.counts.to_numpy().sum()):,})"]
        lines += [f"  Note {i}: {n}" for i, n in enumerate(self.notes, 1)]
        return "\n".join(lines)


def crosstab_test(frame: pd.DataFrame, row: str, col: str) -> CrosstabResult:
    """Cross-tabulate two categorical columns and test their independence.

    Uses :func:`scipy.stats.chi2_contingency` (Yates' correction only for 2x2 tables, as scipy
    does). Cramér's V = sqrt(chi2 / (n (min(r, c) - 1))) measures the strength (0 = none,
    1 = perfect association). Levels that never occur are left out. A note is added when
    expected counts are small (any below 1, or more than 20% below 5): the chi-square
    approximation is then doubtful — merge levels.

    Parameters
    ----------
    frame : pandas.DataFrame
    row, col : str
        Column names (categories, strings, ints or bools).

    Returns
    -------
    CrosstabResult

    Raises
    ------
    DataError
        Missing columns or values, or fewer than two levels in a column.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"stage": ["young"] * 40 + ["family"] * 60,
    ...                    "buys_baby": [False] * 36 + [True] * 4 + [False] * 20 + [True] * 40})
    >>> res = crosstab_test(df, "stage", "buys_baby")
    >>> res.counts
    buys_baby  False  True
    stage
    family        20    40
    young         36     4
    >>> round(res.cramers_v, 3), res.p_value < 0.001
    (0.539, True)
    """
    from scipy.stats import chi2_contingency

    where = "crosstab_test"
    check_frame(frame, "frame", where=where)
    check_columns(frame.columns, [row, col], where=where, hint="Pass two column names.")
    check_values(frame, [row, col], where=where, what="frame", finite=False, negative=False)
    counts = pd.crosstab(frame[row], frame[col])
    counts = counts.loc[counts.sum(axis=1) > 0, counts.sum(axis=0) > 0]
    for name, levels in ((row, counts.index), (col, counts.columns)):
        if len(levels) < 2:
            raise DataError(
                f"{where}: column {name!r} must have at least 2 levels to test; found "
                f"{list(levels)}. Pick another column or more data."
            )
    chi2, p, dof, expected = chi2_contingency(counts.to_numpy())
    n = counts.to_numpy().sum()
    v = math.sqrt(chi2 / (n * (min(counts.shape) - 1)))
    exp = pd.DataFrame(expected, index=counts.index, columns=counts.columns)
    small = int((expected < 5).sum())
    notes = []
    if (expected < 1).any() or small > 0.2 * expected.size:
        notes.append(f"{small} of {expected.size} cells have an expected count below 5 (minimum "
                     f"{expected.min():.2f}); the chi-square p-value is unreliable — merge "
                     f"small levels.")
    elif small:
        notes.append(f"{small} cell(s) have an expected count below 5; the test is still usable "
                     f"(under 20% of cells, none below 1).")
    shares = counts.div(counts.sum(axis=1), axis=0)
    return CrosstabResult(counts=counts, row_shares=shares, expected=exp, chi2=float(chi2),
                          dof=int(dof), p_value=float(p), cramers_v=float(v),
                          n_small_expected=small, notes=tuple(notes))
