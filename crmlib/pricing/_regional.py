"""Regional pricing: does demand react differently by region, and what would a regional price change?

:func:`regional_pricing` fits the elasticity once per group (e.g. category) pooled over the
regions, with one intercept per region, and once per group *and* region.  Two questions follow:

1. **Do the regions differ?**  Cochran's Q per group: ``Q = sum w_r (e_r - e_bar)^2`` with
   ``w_r = 1 / SE_r^2`` and ``e_bar`` the precision-weighted mean, chi-square with ``R - 1``
   degrees of freedom under equal elasticities.  The regional fits use separate rows, but the
   regions share weeks (festivals, the national flyer), so the fits are not fully independent;
   the test treats them as independent, which is the usual approximation.
2. **What would a regional price change?**  Where both elasticities are below -1, the markup
   price under the region's own elasticity against the one national (pooled) elasticity, and
   the region's profit gain of moving from the national to the regional price, *if the
   regional elasticity were true*: ``((p_r - c) p_r^e_r) / ((p_n - c) p_n^e_r) - 1``.
   When Q does not reject equal elasticities, that gain is noise, and the verdict says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import check_frame
from crmlib.pricing._checks import as_columns

__all__ = ["RegionalPricing", "regional_pricing"]


@dataclass(frozen=True, repr=False)
class RegionalPricing(SummaryDisplay):
    """Elasticities by region, their heterogeneity test and the regional-price what-if.

    Attributes
    ----------
    elasticities : pandas.DataFrame
        Index (group…, region): ``elasticity``, ``std_error``, ``national`` (the pooled
        elasticity of the group), ``difference`` and ``z`` (difference over the regional SE).
    heterogeneity : pandas.DataFrame
        One row per group: ``q``, ``df``, ``p_value``, ``regions_differ`` (p < ``alpha``).
    prices : pandas.DataFrame
        Index (group…, region): ``unit_cost`` (mean of the panel), ``national_price`` and
        ``regional_price`` (markup rule), ``price_change`` and ``profit_gain`` (shares), and
        ``verdict`` in words.
    alpha : float
        Level of the test.
    notes : tuple of str
    """

    _html_table = "prices"
    _html_notes = "notes"
    _html_lines = 2

    elasticities: pd.DataFrame
    heterogeneity: pd.DataFrame
    prices: pd.DataFrame
    alpha: float
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """Text summary: one line per group with its test, then the notes."""
        lines = ["Regional pricing: elasticity by region against the national one "
                 f"(Cochran's Q, alpha = {self.alpha:g})"]
        for label, row in self.heterogeneity.iterrows():
            verdict = "regions differ" if row["regions_differ"] else "no evidence regions differ"
            lines.append(f"  {label}: Q = {row['q']:.2f} on {row['df']:.0f} df, "
                         f"p = {row['p_value']:.3f} ({verdict})")
        return "\n".join(lines + format_notes(self.notes))


def _verdict(differ: bool, national: float, regional: float, gain: float) -> str:
    if not np.isfinite(national) or not np.isfinite(regional):
        return "inelastic here: raise the price in steps and re-estimate"
    if not differ:
        return "keep the national price: the regional elasticity is not distinguishable from it"
    return f"regional price: {gain:+.1%} profit if the regional elasticity holds"


def regional_pricing(
    panel: pd.DataFrame,
    *,
    by: str | Sequence[str] = "category",
    region: str = "region",
    cost_col: str = "unit_cost",
    alpha: float = 0.05,
    **fit_options: Any,
) -> RegionalPricing:
    """Elasticity by region, a test that the regions differ, and the regional-price what-if.

    Parameters
    ----------
    panel : pandas.DataFrame
        The weekly price panel (one row per group, region and week).
    by : str or sequence of str
        The groups priced separately (default per category).
    region : str
        The region column.
    cost_col : str
        Unit cost, averaged per group and region for the markup rule.
    alpha : float
        Level of the heterogeneity test.
    **fit_options
        Passed on to :func:`~crmlib.pricing.fit_elasticity` for both fits (controls,
        seasonality, clustering …); ``by`` and ``absorb`` are set here.

    Returns
    -------
    RegionalPricing

    Examples
    --------
    >>> from crmlib.datasets import load_default
    >>> panel = load_default(tables=["price_panel"]).price_panel
    >>> r = regional_pricing(panel[panel["category"] == "home"])
    >>> r.elasticities.shape[0], bool(r.heterogeneity["regions_differ"].iloc[0])
    (5, False)
    """
    from crmlib.pricing._elasticity import fit_elasticity
    from crmlib.pricing._optimal import markup_price

    where = "regional_pricing"
    groups = list(as_columns(by, "by", where=where))
    check_frame(panel, "panel", where=where, columns=[*groups, region, cost_col])
    critical_value(alpha, where=where)  # refuses an alpha outside (0, 1)
    level = float(alpha)
    national = fit_elasticity(panel, by=groups, absorb=region, **fit_options).elasticities
    local = fit_elasticity(panel, by=[*groups, region], absorb=None, **fit_options).elasticities
    table = local[["elasticity", "std_error"]].copy()
    key = table.index.droplevel(region)
    table["national"] = national["elasticity"].reindex(key).to_numpy()
    table["difference"] = table["elasticity"] - table["national"]
    table["z"] = table["difference"] / table["std_error"]

    rows = {}
    for label, part in table.groupby(level=groups if len(groups) > 1 else 0, sort=True):
        w = 1 / part["std_error"].to_numpy() ** 2
        e = part["elasticity"].to_numpy()
        q = float(np.sum(w * (e - np.sum(w * e) / np.sum(w)) ** 2))
        df = len(e) - 1
        p = float(stats.chi2.sf(q, df)) if df > 0 else float("nan")
        rows[label] = {"q": q, "df": df, "p_value": p, "regions_differ": bool(p < level)}
    hetero = pd.DataFrame.from_dict(rows, orient="index")
    hetero.index.names = groups

    cost = panel.groupby([*groups, region], observed=True, sort=True)[cost_col].mean()
    prices = pd.DataFrame({"unit_cost": cost.reindex(table.index)})
    elastic = (table["elasticity"] < -1) & (table["national"] < -1)
    c = prices["unit_cost"].to_numpy()
    p_nat = np.full(len(table), np.nan)
    p_reg = np.full(len(table), np.nan)
    ok = elastic.to_numpy()
    p_nat[ok] = markup_price(table.loc[ok, "national"].to_numpy(), c[ok])
    p_reg[ok] = markup_price(table.loc[ok, "elasticity"].to_numpy(), c[ok])
    e_r = table["elasticity"].to_numpy()
    with np.errstate(invalid="ignore"):
        gain = ((p_reg - c) * p_reg ** e_r) / ((p_nat - c) * p_nat ** e_r) - 1
    prices["national_price"] = p_nat
    prices["regional_price"] = p_reg
    prices["price_change"] = p_reg / p_nat - 1
    prices["profit_gain"] = gain
    differ = hetero["regions_differ"].reindex(key).to_numpy()
    prices["verdict"] = [_verdict(bool(d), n, r, g)
                         for d, n, r, g in zip(differ, p_nat, p_reg, gain, strict=True)]
    notes = []
    if not elastic.all():
        notes.append(f"{int((~elastic).sum())} group-region(s) have an elasticity >= -1 "
                     f"(regional or national): the markup rule has no finite price there.")
    if not hetero["regions_differ"].any():
        notes.append("No group shows regional differences at this level: one national price "
                     "per group is what the data support.")
    return RegionalPricing(elasticities=table, heterogeneity=hetero, prices=prices,
                           alpha=level, notes=tuple(notes))
