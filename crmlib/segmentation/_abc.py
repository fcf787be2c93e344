"""ABC grading: Gini, concentration curve, ABC classes, spend growth and multi-criteria grades."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib._validation import (
    check_columns,
    check_frame,
    check_real,
    check_values,
    format_examples,
)
from crmlib.exceptions import DataError, ParameterError
from crmlib.plotting import get_ax
from crmlib.segmentation._rfm import _purchases

__all__ = [
    "ABCResult",
    "abc_classes",
    "concentration_curve",
    "gini",
    "grade_customers",
    "plot_concentration_curve",
    "spend_growth",
]


# --------------------------------------------------------------------------------------------
# ABC / Pareto grading
# --------------------------------------------------------------------------------------------
def _values(values: object, where: str, name: str = "values") -> pd.Series:
    if isinstance(values, pd.DataFrame) or isinstance(values, (str, bytes)):
        raise ParameterError(
            f"The {name!r} parameter of {where} must be a 1-D sequence or Series of numbers. "
            f"Got a {type(values).__name__}. Pass one column, e.g. table['monetary']."
        )
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values))
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataError(
            f"{where}: {name!r} must be numeric; got dtype {s.dtype} "
            f"(e.g. {format_examples(s.head(3))}). Convert to numbers first."
        )
    if len(s) == 0:
        raise DataError(f"{where}: {name!r} is empty. Pass at least one customer's value.")
    bad = s.isna() | ~np.isfinite(s.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        raise DataError(
            f"{where}: {name!r} must be finite numbers; {int(bad.sum())} are missing or "
            f"infinite (e.g. at {format_examples(s.index[bad])}). Drop or fill them first."
        )
    neg = s < 0
    if neg.any():
        raise DataError(
            f"{where}: {name!r} must be >= 0 (a value contribution); {int(neg.sum())} are "
            f"negative (e.g. {format_examples(s[neg])}). Net refunds off first or clip at 0."
        )
    if float(s.max()) <= 0:
        raise DataError(
            f"{where}: {name!r} must have a positive total; all {len(s)} values are 0. "
            f"There is no value to grade."
        )
    return s.astype(float)


def gini(values: Any) -> float:
    """Gini coefficient of the value distribution (0 = all equal, (n-1)/n = one holder).

    ``G = sum_i (2i - n - 1) x_(i) / (n sum x)`` with ``x`` sorted ascending, i = 1..n; it
    equals twice the area between the Lorenz curve and the diagonal.

    Parameters
    ----------
    values : array-like of float
        Non-negative values with a positive total (e.g. spend per customer).

    Returns
    -------
    float

    Raises
    ------
    DataError
        Empty, missing, negative or all-zero values.

    Examples
    --------
    >>> gini([5, 5, 5, 5])
    0.0
    >>> gini([0, 0, 0, 10])
    0.75
    >>> round(gini([1, 2, 3, 4]), 4)
    0.25
    """
    x = np.sort(_values(values, "gini").to_numpy())
    x = x / x[-1]  # scale-free: huge values (1e308) would overflow the sums, tiny ones underflow
    n = len(x)
    i = np.arange(1, n + 1)
    return float(np.sum((2 * i - n - 1) * x) / (n * x.sum()))


def concentration_curve(values: Any) -> pd.DataFrame:
    """The Pareto (concentration) curve: share of value held by the top customers.

    Customers are sorted by value, largest first. The curve is the Lorenz curve read from the
    top: ``value_share(c) = 1 - Lorenz(1 - c)``; the Gini coefficient is
    ``2 x area under this curve - 1``.

    Parameters
    ----------
    values : array-like of float
        Non-negative values with a positive total.

    Returns
    -------
    pandas.DataFrame
        ``n + 1`` rows from (0, 0) to (1, 1): ``customer_share`` and ``value_share``.

    Examples
    --------
    >>> concentration_curve([10, 30, 60])
       customer_share  value_share
    0        0.000000          0.0
    1        0.333333          0.6
    2        0.666667          0.9
    3        1.000000          1.0
    """
    x = np.sort(_values(values, "concentration_curve").to_numpy())[::-1]
    x = x / x[0]  # shares do not depend on the scale; this keeps 1e308s from overflowing
    n = len(x)
    return pd.DataFrame({
        "customer_share": np.arange(n + 1) / n,
        "value_share": np.concatenate([[0.0], np.cumsum(x) / x.sum()]),
    })


def plot_concentration_curve(
    curve: pd.DataFrame, *, ax: Any = None, thresholds: Sequence[float] | None = None,
    label: str | None = None,
) -> Any:
    """Draw a concentration curve from :func:`concentration_curve`, with the equality line.

    Parameters
    ----------
    curve : pandas.DataFrame
        Columns ``customer_share`` and ``value_share``.
    ax : matplotlib Axes, optional
        Where to draw (default: the current Axes).
    thresholds : sequence of float, optional
        Value shares to mark with horizontal lines (e.g. the ABC thresholds (0.8, 0.95)).
    label : str, optional
        Legend label of the curve.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = plot_concentration_curve(concentration_curve([10, 30, 60]), ax=ax, thresholds=[0.8])
    >>> ax.lines[0].get_ydata().tolist()
    [0.0, 0.6, 0.9, 1.0]
    >>> plt.close(fig)
    """
    check_columns(curve.columns, ["customer_share", "value_share"], where="plot_concentration_curve",
                  hint="Pass the output of concentration_curve().")
    ax = get_ax(ax)
    ax.plot(curve["customer_share"], curve["value_share"], label=label or "top customers")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", linewidth=1, label="equal value")
    names = ("A", "B", "C")
    for i, t in enumerate(thresholds or ()):
        closes = f"class {names[i]} closes" if i < 2 else "threshold"
        ax.axhline(t, color="grey", linewidth=0.8, linestyle=":")
        ax.annotate(f"{closes} at {t:.0%} of value", xy=(1, t), xycoords=("axes fraction", "data"),
                    xytext=(-4, -3), textcoords="offset points", ha="right", va="top",
                    fontsize="small", color="dimgrey")
    ax.set_xlabel("share of customers (largest value first)")
    ax.set_ylabel("share of value")
    ax.set_title("Concentration of value across customers")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.01)
    ax.legend(loc="lower right")
    return ax


@dataclass(frozen=True, repr=False)
class ABCResult(SummaryDisplay):
    """ABC grading of customers by value contribution (see :func:`abc_classes`).

    Attributes
    ----------
    table : pandas.DataFrame
        Per customer, largest value first: ``value``, ``rank``, ``cum_share`` (share of value
        up to and including the customer) and ``abc_class`` (ordered categorical).
    classes : pandas.DataFrame
        Per class: ``customers``, ``customer_share``, ``value``, ``value_share``.
    gini : float
        Gini coefficient of the values.
    thresholds : tuple of float
        The cumulative value shares that close classes A and B.
    """

    _html_table = "classes"
    _html_lines = 1

    table: pd.DataFrame
    classes: pd.DataFrame
    gini: float
    thresholds: tuple[float, float]

    def to_frame(self) -> pd.DataFrame:
        """The per-class table (a copy)."""
        return self.classes.copy()

    def summary(self) -> str:
        """A short text summary."""
        a, b = self.thresholds
        lines = [f"ABC grading of {len(self.table):,} customers (A: first {a:.0%} of value, "
                 f"B: up to {b:.0%}, C: the rest); Gini = {self.gini:.3f}"]
        for name, row in self.classes.iterrows():
            lines.append(f"  {name}: {row['customers']:,.0f} customers ({row['customer_share']:.1%})"
                         f" hold {row['value_share']:.1%} of value")
        notes = []
        if (self.classes["customers"] == 0).any():
            notes.append("a class is empty: the thresholds are too close for these values")
        lines += [f"  Note {i}: {n}" for i, n in enumerate(notes, 1)]
        return "\n".join(lines)


def abc_classes(
    values: Any, *, thresholds: Sequence[float] = (0.8, 0.95), labels: Sequence[str] = ("A", "B", "C")
) -> ABCResult:
    """Grade customers A/B/C by their contribution to total value (Pareto / ABC analysis).

    Customers are sorted by value, largest first. A customer is in class A when the share of
    value held by the customers *before* it is below ``thresholds[0]`` (so A is the smallest
    group that makes the first 80% of value), in B when it is below ``thresholds[1]``, else in
    C. Tied values share the class of the first of them, so classes are monotone in value.

    Parameters
    ----------
    values : pandas.Series or array-like
        Non-negative value per customer (the index, if any, identifies customers).
    thresholds : (float, float)
        Cumulative value shares closing A and B, with ``0 < a < b <= 1``.
    labels : three str
        Class names.

    Returns
    -------
    ABCResult

    Raises
    ------
    ParameterError
        Bad thresholds or labels.
    DataError
        Empty, missing, negative or all-zero values.

    Examples
    --------
    >>> import pandas as pd
    >>> v = pd.Series([50.0, 30.0, 10.0, 5.0, 5.0], index=list("abcde"))
    >>> res = abc_classes(v)
    >>> res.table["abc_class"].tolist()
    ['A', 'A', 'B', 'B', 'B']
    >>> res.classes[["customers", "value_share"]]
           customers  value_share
    class
    A              2          0.8
    B              3          0.2
    C              0          0.0
    """
    where = "abc_classes"
    s = _values(values, where)
    thr = tuple(thresholds) if isinstance(thresholds, (list, tuple)) else None
    if thr is None or len(thr) != 2:
        raise ParameterError(
            f"The 'thresholds' parameter of {where} must be two cumulative value shares "
            f"(a, b). Got {thresholds!r} instead. Pass e.g. thresholds=(0.8, 0.95)."
        )
    a = check_real(thr[0], "thresholds[0]", where=where, low=0, high=1, low_inclusive=False)
    b = check_real(thr[1], "thresholds[1]", where=where, low=0, high=1, low_inclusive=False)
    if not a < b:
        raise ParameterError(
            f"The 'thresholds' parameter of {where} must be increasing (0 < a < b <= 1). "
            f"Got {thresholds!r} instead. Pass e.g. thresholds=(0.8, 0.95)."
        )
    if len(labels) != 3 or len(set(labels)) != 3:
        raise ParameterError(
            f"The 'labels' parameter of {where} must be three distinct names. Got {labels!r} "
            f"instead. Pass e.g. labels=('A', 'B', 'C')."
        )
    order = s.sort_values(ascending=False, kind="stable")
    x = order.to_numpy()
    with np.errstate(over="ignore"):
        total = x.sum()
    if not np.isfinite(total):
        raise DataError(
            f"{where}: the values add up to more than the largest float ({np.finfo(float).max:.3g}"
            f"; largest value {x[0]:.3g}), so their total and the class values would be "
            f"infinite. Rescale them first (e.g. values / 1e6: shares and classes do not "
            f"change)."
        )
    cum = np.cumsum(x) / total
    before = np.concatenate([[0.0], cum[:-1]])
    # tied values share the "before" share of the first of them
    first_of_tie = pd.Series(before).groupby(x).transform("min").to_numpy()
    code = np.where(first_of_tie < a - 1e-12, 0, np.where(first_of_tie < b - 1e-12, 1, 2))
    cls = pd.Categorical.from_codes(code, categories=list(labels), ordered=True)
    table = pd.DataFrame({"value": x, "rank": np.arange(1, len(x) + 1), "cum_share": cum,
                          "abc_class": cls}, index=order.index)
    g = table.groupby("abc_class", observed=False)["value"]
    classes = pd.DataFrame({"customers": g.size().astype("int64"), "value": g.sum()})
    classes.insert(1, "customer_share", classes["customers"] / len(table))
    classes["value_share"] = classes["value"] / x.sum()
    classes.index.name = "class"
    return ABCResult(table=table, classes=classes, gini=gini(x), thresholds=(a, b))


def spend_growth(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    tolerance: float = 0.1,
) -> pd.DataFrame:
    """Spend in the last 365 days against the 365 days before, with a growth band.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase.
    as_of : date-like
        End of the "this year" window (its day counts).
    customer_col, date_col, amount_col : str
        Column names.
    tolerance : float
        Relative change counted as ``stable`` (default ±10%).

    Returns
    -------
    pandas.DataFrame
        Per customer with a purchase on or before ``as_of``: ``spend_this_year``,
        ``spend_last_year`` and ``growth`` — ``new`` (no purchase before the last-year
        window starts and nothing last year), ``growing``, ``stable``, ``declining``, or
        ``inactive`` (nothing in either window).

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["A", "A", "B", "B", "C"],
    ...     "order_date": pd.to_datetime(["2023-06-01", "2024-06-01", "2023-06-01",
    ...                                   "2024-06-01", "2024-06-01"]),
    ...     "amount": [100.0, 150.0, 100.0, 50.0, 30.0]})
    >>> spend_growth(log, as_of="2024-12-31")
                 spend_this_year  spend_last_year     growth
    customer_id
    A                      150.0            100.0    growing
    B                       50.0            100.0  declining
    C                       30.0              0.0        new
    """
    where = "spend_growth"
    tol = check_real(tolerance, "tolerance", where=where, low=0, high=1)
    rows, day = _purchases(transactions, where=where, customer_col=customer_col,
                           date_col=date_col, amount_col=amount_col, as_of=as_of)
    start_this = day - pd.Timedelta(days=364)
    start_last = start_this - pd.Timedelta(days=365)
    this = rows["day"] >= start_this
    last = (rows["day"] >= start_last) & ~this
    g = rows.groupby("customer_id", sort=True)
    out = pd.DataFrame({
        "spend_this_year": rows["amount"].where(this, 0.0).groupby(rows["customer_id"]).sum(),
        "spend_last_year": rows["amount"].where(last, 0.0).groupby(rows["customer_id"]).sum(),
    })
    first = g["day"].min()
    cur, prev = out["spend_this_year"], out["spend_last_year"]
    band = np.select(
        [(prev == 0) & (cur == 0), (prev == 0) & (first >= start_last), prev == 0,
         cur > prev * (1 + tol), cur < prev * (1 - tol)],
        ["inactive", "new", "growing", "growing", "declining"], default="stable")
    out["growth"] = pd.Categorical(band, categories=["new", "growing", "stable", "declining",
                                                     "inactive"])
    out.index.name = customer_col
    return out


_GRADE_POINTS: dict[str, dict[str, int]] = {
    "value_class": {"A": 3, "B": 2, "C": 1},
    "frequency_class": {"A": 2, "B": 1, "C": 0},
    "growth": {"new": 0, "growing": 1, "stable": 0, "declining": -1, "inactive": -1},
    "credit_rating": {"A": 1, "B": 0, "C": -1, "D": -2, "n/a": 0},
    "loyalty": {"True": 1, "False": 0, "1": 1, "0": 0},
}
#: Purchase-probability bands of :func:`grade_customers`: (lower bound, points), highest first.
_PROBABILITY_POINTS: tuple[tuple[float, int], ...] = ((2 / 3, 1), (1 / 3, 0), (0.0, -1))


def grade_customers(
    table: pd.DataFrame,
    *,
    value_col: str = "monetary",
    frequency_col: str = "frequency",
    growth_col: str | None = None,
    credit_col: str | None = None,
    loyalty_col: str | None = None,
    probability_col: str | None = None,
    thresholds: Sequence[float] = (0.8, 0.95),
    cutoffs: Sequence[int] = (5, 3),
) -> pd.DataFrame:
    """Multi-criteria customer grade: value, frequency, growth, credit, loyalty, purchase probability.

    Each criterion gives points; the grade follows from their sum:

    ==================  =====================================================  ===========
    criterion           rule                                                   points
    ==================  =====================================================  ===========
    value class         ABC on ``value_col`` (:func:`abc_classes`)             A 3, B 2, C 1
    frequency class     ABC on ``frequency_col`` (share of all purchases)      A 2, B 1, C 0
    growth (optional)   band of :func:`spend_growth`                           growing +1,
                                                                               declining or
                                                                               inactive -1,
                                                                               else 0
    credit (optional)   credit rating of business accounts                     A +1, B 0,
                                                                               C -1, D -2,
                                                                               'n/a' 0
    loyalty (optional)  member of the loyalty programme (0/1 or bool flag)     member +1
    purchase            probability of a purchase in the next period           >= 2/3 +1,
    probability         (e.g. :func:`purchase_probability`)                    < 1/3 -1,
    (optional)                                                                 else 0
    ==================  =====================================================  ===========

    Grade A when points >= ``cutoffs[0]`` (default 5), B when >= ``cutoffs[1]`` (3), else C.
    With the defaults, an A-value customer who also buys often is grade A; the same customer
    with a declining spend and a D credit rating drops to B or C.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per customer.
    value_col, frequency_col : str
        Value and purchase-count columns.
    growth_col, credit_col : str, optional
        Growth band (values as in :func:`spend_growth`) and credit rating columns.
    loyalty_col, probability_col : str, optional
        Loyalty-programme flag and purchase probability (in [0, 1]) columns.
    thresholds : (float, float)
        ABC thresholds for value and frequency.
    cutoffs : (int, int)
        Minimum points for grades A and B.

    Returns
    -------
    pandas.DataFrame
        Same index: ``value_class``, ``frequency_class``, (``growth``, ``credit_rating``,
        ``loyalty``, ``purchase_probability``),
        ``points`` and ``grade`` (ordered categorical A < B < C by rank, A best).

    Raises
    ------
    DataError
        Missing columns or values, or a growth band / credit rating not in the points table.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"monetary": [900.0, 60.0, 40.0], "frequency": [20, 2, 1],
    ...                   "credit": ["D", "n/a", "A"]}, index=["x", "y", "z"])
    >>> grade_customers(t, credit_col="credit")[["value_class", "frequency_class", "points", "grade"]]
      value_class frequency_class  points grade
    x           A               A       3     B
    y           B               B       3     B
    z           C               C       2     C
    """
    where = "grade_customers"
    check_frame(table, "table", where=where)
    cols = [value_col, frequency_col] + [c for c in (growth_col, credit_col, loyalty_col, probability_col)
                                         if c is not None]
    check_columns(table.columns, cols, where=where, hint="Pass the column names as keywords.")
    check_values(table, cols, where=where, what="table", finite=False, negative=False)
    if len(cutoffs) != 2 or not cutoffs[0] > cutoffs[1]:
        raise ParameterError(
            f"The 'cutoffs' parameter of {where} must be two decreasing point totals (A, B). "
            f"Got {cutoffs!r} instead. Pass e.g. cutoffs=(5, 3)."
        )
    out = pd.DataFrame(index=table.index)
    out["value_class"] = abc_classes(table[value_col], thresholds=thresholds).table["abc_class"]
    out["frequency_class"] = abc_classes(table[frequency_col], thresholds=thresholds).table["abc_class"]
    points = (out["value_class"].astype(str).map(_GRADE_POINTS["value_class"])
              + out["frequency_class"].astype(str).map(_GRADE_POINTS["frequency_class"]))
    for key, col in (("growth", growth_col), ("credit_rating", credit_col), ("loyalty", loyalty_col)):
        if col is None:
            continue
        vals = table[col].astype(str)
        if key == "loyalty":
            vals = vals.replace({"1.0": "1", "0.0": "0"})
        unknown = ~vals.isin(list(_GRADE_POINTS[key]))
        if unknown.any():
            raise DataError(
                f"{where}: column {col!r} has values without points "
                f"(e.g. {format_examples(vals[unknown].unique())}); valid values: "
                f"{list(_GRADE_POINTS[key])}. Map them first."
            )
        out[key] = table[col]
        points = points + vals.map(_GRADE_POINTS[key])
    if probability_col is not None:
        prob = table[probability_col]
        if not pd.api.types.is_numeric_dtype(prob) or ((prob < 0) | (prob > 1)).any():
            raise DataError(
                f"{where}: column {probability_col!r} must hold probabilities in [0, 1] "
                f"(e.g. {format_examples(prob.head(3))}). Pass purchase_probability()'s column."
            )
        out["purchase_probability"] = prob
        bands = np.select([prob >= lo for lo, _ in _PROBABILITY_POINTS], [pts for _, pts in _PROBABILITY_POINTS])
        points = points + pd.Series(bands, index=table.index)
    out["points"] = points.astype("int64")
    grade = np.where(points >= cutoffs[0], "A", np.where(points >= cutoffs[1], "B", "C"))
    out["grade"] = pd.Categorical(grade, categories=["A", "B", "C"], ordered=True)
    return out
