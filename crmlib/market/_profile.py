"""Target-customer profile: who buys which category, with tests of association.

Purchases are counted per customer (lines of completed orders by category); the profile shows
each group's category mix against the average, and the tests ask, customer by customer,
whether buying a category is associated with a demographic (chi-square, Cramér's V), with a
multiple-comparison correction over all the tests made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_choice, check_frame, check_real, check_values
from crmlib.exceptions import DataError
from crmlib.market._common import as_keys, numeric_1d

__all__ = [
    "AssociationResult",
    "adjust_pvalues",
    "association_tests",
    "category_profile",
    "cramers_v",
    "customer_categories",
]


def adjust_pvalues(p_values: Sequence[float], method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple comparisons: Holm (family-wise) or Benjamini-Hochberg.

    - ``'holm'``: sort ascending, multiply the i-th smallest (i = 0..m-1) by ``m - i``, take
      the running maximum, cap at 1. Controls the chance of any false positive.
    - ``'bh'``: sort ascending, multiply the i-th smallest (rank r = i + 1) by ``m / r``,
      take the running minimum from the largest down, cap at 1. Controls the expected share
      of false positives among the findings (false discovery rate).

    Adjusted p-values are never below the raw ones, never above 1, and keep their order.

    Parameters
    ----------
    p_values : sequence of float
        Raw p-values in [0, 1].
    method : {'holm', 'bh'}

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, in the input order.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03], "holm").round(3).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_pvalues([0.01, 0.04, 0.03], "bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    where = "adjust_pvalues"
    check_choice(method, "method", ["holm", "bh"], where=where)
    p = numeric_1d(p_values, "p_values", where=where)
    if ((p < 0) | (p > 1)).any():
        raise DataError(f"{where}: p-values must lie in [0, 1]; got "
                        f"{p[(p < 0) | (p > 1)][:3].tolist()}. Pass p-values, not statistics.")
    m = len(p)
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        adj = np.maximum.accumulate(ranked * (m - np.arange(m)))
    else:
        adj = np.minimum.accumulate((ranked * m / np.arange(1, m + 1))[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return np.maximum(out, p)


def cramers_v(counts: pd.DataFrame | np.ndarray) -> float:
    """Cramér's V of a contingency table: ``sqrt(chi2 / (n * (min(r, c) - 1)))``, in [0, 1].

    No continuity or bias correction. 0 = no association; 1 = each row fixes the column.

    Examples
    --------
    >>> cramers_v([[10, 0], [0, 10]])
    1.0
    >>> cramers_v([[5, 5], [5, 5]])
    0.0
    """
    from scipy.stats import chi2_contingency

    table = np.asarray(counts, dtype=float)
    if table.ndim != 2 or min(table.shape) < 2 or (table < 0).any():
        raise DataError(f"cramers_v: needs a table of counts >= 0 with at least 2 rows and 2 "
                        f"columns; got shape {table.shape}. Pass pd.crosstab(...) output.")
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    if min(table.shape) < 2:
        return 0.0
    chi2 = chi2_contingency(table, correction=False)[0]
    return float(np.sqrt(chi2 / (table.sum() * (min(table.shape) - 1))))


def customer_categories(
    orders: pd.DataFrame, order_lines: pd.DataFrame, products: pd.DataFrame, *,
    category_col: str = "category", completed_only: bool = True,
) -> pd.DataFrame:
    """Lines bought per customer and category (completed orders by default).

    Returns
    -------
    pandas.DataFrame
        Index ``customer_id``; one int column per category (0 when never bought).

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"order_id": ["O1", "O2"], "customer_id": ["A", "B"],
    ...                   "status": ["completed", "completed"]})
    >>> ol = pd.DataFrame({"order_id": ["O1", "O1", "O2"], "product_id": ["P1", "P2", "P1"]})
    >>> p = pd.DataFrame({"product_id": ["P1", "P2"], "category": ["baby", "home"]})
    >>> customer_categories(o, ol, p)
    category     baby  home
    customer_id
    A               1     1
    B               1     0
    """
    where = "customer_categories"
    cols = ["order_id", "customer_id"] + (["status"] if completed_only else [])
    check_frame(orders, "orders", where=where, columns=cols)
    check_frame(order_lines, "order_lines", where=where, columns=["order_id", "product_id"])
    check_frame(products, "products", where=where, columns=["product_id", category_col])
    o = orders[orders["status"].astype(str) == "completed"] if completed_only else orders
    lines = order_lines[["order_id", "product_id"]].merge(o[["order_id", "customer_id"]],
                                                          on="order_id", how="inner")
    lines = lines.merge(products[["product_id", category_col]], on="product_id", how="left")
    unknown = lines[category_col].isna()
    if unknown.any():
        raise DataError(f"{where}: {int(unknown.sum())} order lines name products missing from "
                        f"products (e.g. {lines.loc[unknown, 'product_id'].head(3).tolist()}). "
                        f"Pass the full products table.")
    out = pd.crosstab(lines["customer_id"].astype(str), lines[category_col])
    out.columns = out.columns.astype(str)
    out.columns.name = category_col
    out.index.name = "customer_id"
    return out.astype("int64")


def _joined(customers, purchases, factors, where) -> pd.DataFrame:
    check_frame(customers, "customers", where=where, columns=["customer_id", *factors])
    check_frame(purchases, "purchases", where=where)
    check_values(customers, factors, where=where, what="customers", finite=False, negative=False,
                 fix="Fill or drop customers without this attribute first.")
    joined = customers.set_index(customers["customer_id"].astype(str))[factors].join(
        purchases, how="inner")
    if joined.empty:
        raise DataError(f"{where}: no customer of purchases is in customers (e.g. "
                        f"{purchases.index[:3].tolist()}). Pass matching tables.")
    return joined


def category_profile(
    customers: pd.DataFrame, purchases: pd.DataFrame, *, by: str = "family_stage",
    measure: str = "lines",
) -> pd.DataFrame:
    """Category mix of each customer group against the average (an index, 100 = average).

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id`` and the grouping column ``by``.
    purchases : pandas.DataFrame
        Output of :func:`customer_categories`.
    by : str
        Demographic column (family_stage, age_band, income_band, region, ...).
    measure : {'lines', 'buyers'}
        ``'lines'``: share of the group's lines in each category; ``'buyers'``: share of the
        group's customers who bought the category at least once.

    Returns
    -------
    pandas.DataFrame
        Long: ``by``, ``category``, ``customers``, ``value`` (share), ``overall`` (the same
        share over all customers) and ``index`` (= 100 x value / overall).

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"customer_id": ["A", "B"], "stage": ["young", "family"]})
    >>> buys = pd.DataFrame({"baby": [0, 3], "home": [2, 1]}, index=["A", "B"])
    >>> category_profile(c, buys, by="stage")[["stage", "category", "value", "index"]]
        stage category  value  index
    0  family     baby   0.75  150.0
    1  family     home   0.25   50.0
    2   young     baby   0.00    0.0
    3   young     home   1.00  200.0
    """
    where = "category_profile"
    check_choice(measure, "measure", ["lines", "buyers"], where=where)
    joined = _joined(customers, purchases, [by], where)
    cats = list(purchases.columns)
    x = joined[cats] if measure == "lines" else (joined[cats] > 0).astype(int)
    g = x.groupby(joined[by], observed=True, sort=True)
    den_g = g.sum().sum(axis=1) if measure == "lines" else g.size()
    den_all = x.to_numpy().sum() if measure == "lines" else len(x)
    value = g.sum().div(den_g, axis=0)
    overall = x.sum() / den_all
    out = value.stack().rename("value").reset_index()
    out.columns = [by, "category", "value"]
    out.insert(2, "customers", out[by].map(g.size()).astype("int64"))
    out["overall"] = out["category"].map(overall)
    out["index"] = 100 * out["value"] / out["overall"]
    return out


@dataclass(frozen=True, repr=False)
class AssociationResult(SummaryDisplay):
    """Chi-square tests of "buys the category" against demographics (see :func:`association_tests`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per factor x category: ``chi2``, ``dof``, ``p_value``, ``p_adjusted``,
        ``cramers_v``, ``n``, ``min_expected``, ``significant``, ``top_group`` (group buying
        most often), ``top_rate``, ``overall_rate``, ``lift`` (top_rate / overall_rate) and
        ``finding`` (a sentence for a manager). Sorted by Cramér's V, largest first.
    correction : str
    alpha : float
    notes : tuple of str
    """

    _html_table = "table"
    _html_notes = "notes"
    _html_lines = 2

    table: pd.DataFrame
    correction: str
    alpha: float
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The test table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """The findings that survive the correction, in words."""
        name = {"holm": "Holm", "bh": "Benjamini-Hochberg"}[self.correction]
        sig = self.table[self.table["significant"]]
        lines = [f"{len(self.table)} tests of association, {name} correction at alpha = "
                 f"{self.alpha:g}: {len(sig)} significant.",
                 "Cramér's V: about 0.1 is a small, 0.3 a medium, 0.5 a large association."]
        lines += [f"  - {f}" for f in sig["finding"].head(10)]
        return "\n".join(lines + format_notes(self.notes))


def _one_test(bought: pd.Series, group: pd.Series) -> dict:
    from scipy.stats import chi2_contingency

    counts = pd.crosstab(group, bought)
    chi2, p, dof, expected = chi2_contingency(counts.to_numpy(), correction=False)
    rate = bought.groupby(group, observed=True).mean()
    overall = float(bought.mean())
    return {"chi2": float(chi2), "dof": int(dof), "p_value": float(p),
            "cramers_v": cramers_v(counts), "n": int(len(bought)),
            "min_expected": float(expected.min()), "top_group": str(rate.idxmax()),
            "top_rate": float(rate.max()), "overall_rate": overall,
            "lift": float(rate.max() / overall)}


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _finding(r: pd.Series) -> str:
    if not r["significant"]:
        return (f"no clear link between {r['factor']} and buying {r['category']} "
                f"(adjusted {_p_text(r['p_adjusted'])}).")
    return (f"{r['factor']} matters for {r['category']} (Cramér's V = {r['cramers_v']:.2f}, "
            f"adjusted {_p_text(r['p_adjusted'])}): {r['top_group']} buy it "
            f"{r['lift']:.1f}x as often as the average customer ({r['top_rate']:.0%} vs "
            f"{r['overall_rate']:.0%}).")


def association_tests(
    customers: pd.DataFrame, purchases: pd.DataFrame, *, factors: str | Sequence[str],
    categories: Sequence[str] | None = None, correction: str = "holm", alpha: float = 0.05,
) -> AssociationResult:
    """Test, for each factor and category, whether buying the category depends on the factor.

    Each test is a chi-square test of independence on the customers' table group x
    (bought / not bought), without continuity correction; the effect size is Cramér's V. The
    p-values of all the tests are adjusted together (:func:`adjust_pvalues`), and a test is
    significant when its adjusted p-value is below ``alpha``. Customers, not lines, are the
    units: the lines of one customer are not independent draws.

    A factor with one group, or a category everyone (or no one) bought, cannot be tested: it
    is left out with a note. Cells with an expected count below 5 are counted in a note.

    Parameters
    ----------
    customers : pandas.DataFrame
        ``customer_id`` and the factor columns.
    purchases : pandas.DataFrame
        Output of :func:`customer_categories`.
    factors : str or sequence of str
        Demographic columns (family_stage, age_band, gender, income_band, region, ...).
    categories : sequence of str, optional
        Categories to test (default: all columns of ``purchases``).
    correction : {'holm', 'bh'}
    alpha : float in (0, 1)

    Returns
    -------
    AssociationResult

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"customer_id": list("abcdefgh"), "stage": ["family"] * 4 + ["single"] * 4})
    >>> buys = pd.DataFrame({"baby": [1, 1, 1, 1, 0, 0, 0, 0], "home": [1, 0, 1, 0, 1, 0, 1, 0]},
    ...                     index=list("abcdefgh"))
    >>> res = association_tests(c, buys, factors="stage")
    >>> res.table[["category", "cramers_v", "p_value", "p_adjusted"]].round(4)
      category  cramers_v  p_value  p_adjusted
    0     baby        1.0   0.0047      0.0094
    1     home        0.0   1.0000      1.0000
    """
    where = "association_tests"
    check_choice(correction, "correction", ["holm", "bh"], where=where)
    a = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    factors = as_keys(factors, "factors", where=where)
    cats = list(purchases.columns) if categories is None else list(categories)
    missing = [c for c in cats if c not in purchases.columns]
    if missing:
        raise DataError(f"{where}: categories {missing} are not columns of purchases. Columns "
                        f"present: {list(purchases.columns)}.")
    joined = _joined(customers, purchases, factors, where)
    rows, notes = [], []
    for f in factors:
        if joined[f].nunique() < 2:
            notes.append(f"{f!r} has a single group ({joined[f].iloc[0]!r}): not tested.")
            continue
        for c in cats:
            bought = joined[c] > 0
            if bought.all() or not bought.any():
                notes.append(f"{c!r}: {'every' if bought.all() else 'no'} customer bought it; "
                             f"not tested against {f!r}.")
                continue
            rows.append({"factor": f, "category": c, **_one_test(bought, joined[f])})
    if not rows:
        raise DataError(f"{where}: nothing could be tested ({'; '.join(notes)}). Pass factors "
                        f"with at least two groups and categories some customers bought.")
    table = pd.DataFrame(rows)
    table.insert(5, "p_adjusted", adjust_pvalues(table["p_value"], correction))
    table["significant"] = table["p_adjusted"] < a
    table["finding"] = [_finding(r) for _, r in table.iterrows()]
    small = int((table["min_expected"] < 5).sum())
    if small:
        notes.append(f"{small} tests have a cell with an expected count below 5: their "
                     f"chi-square p-value is approximate.")
    table = table.sort_values("cramers_v", ascending=False, kind="stable").reset_index(drop=True)
    return AssociationResult(table=table, correction=correction, alpha=a, notes=tuple(notes))
