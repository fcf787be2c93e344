"""Lead qualification: the MAN + credit score, the true logit of the default data, the check."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay
from crmlib._validation import (
    check_columns,
    check_frame,
    check_values,
    format_examples,
)
from crmlib.exceptions import DataError, ParameterError

__all__ = [
    "LEAD_POINTS",
    "LeadScoreCheck",
    "lead_score",
    "lead_score_check",
    "true_lead_logit",
]


# --------------------------------------------------------------------------------------------
# lead qualification (MAN + credit)
# --------------------------------------------------------------------------------------------
#: Points table of the lead score (0-100): Money (budget, CNY thousand), Authority, Need,
#: credit rating. Budget bands are lower bounds; a budget gets the points of the highest
#: band it reaches.
LEAD_POINTS: dict[str, dict[Any, int]] = {
    "budget": {0: 0, 25: 10, 75: 20, 200: 30},
    "authority": {"none": 0, "influencer": 15, "decision_maker": 30},
    "need": {1: 0, 2: 8, 3: 15, 4: 22, 5: 30},
    "credit_rating": {"D": 0, "C": 3, "B": 7, "A": 10},
}
_BANDS = ("cold", "cool", "warm", "hot")


def lead_score(
    leads: pd.DataFrame, *, points: Mapping[str, Mapping[Any, int]] | None = None,
    band_edges: Sequence[float] = (30, 50, 70),
) -> pd.DataFrame:
    """Qualify B2B leads on Money, Authority and Need plus credit (MAN) with a points table.

    Default points (:data:`LEAD_POINTS`, 0-100 in all):

    ==============  ==========================================  ===========
    criterion       level                                       points
    ==============  ==========================================  ===========
    Money           budget < 25 / 25-75 / 75-200 / >= 200 k¥    0/10/20/30
    Authority       none / influencer / decision_maker          0/15/30
    Need            1 / 2 / 3 / 4 / 5                           0/8/15/22/30
    Credit          D / C / B / A                               0/3/7/10
    ==============  ==========================================  ===========

    Bands: ``cold`` below ``band_edges[0]``, ``cool``, ``warm``, ``hot`` from
    ``band_edges[2]``.

    Parameters
    ----------
    leads : pandas.DataFrame
        Columns ``budget`` (CNY thousand), ``authority``, ``need`` and ``credit_rating``.
    points : mapping, optional
        A points table with the same four keys, to replace :data:`LEAD_POINTS`.
    band_edges : three increasing numbers
        Score edges of the bands.

    Returns
    -------
    pandas.DataFrame
        Same index: ``money_pts``, ``authority_pts``, ``need_pts``, ``credit_pts``, ``score`` and
        ``band`` (ordered categorical cold < cool < warm < hot).

    Raises
    ------
    DataError
        Missing columns or values, a negative budget, or a level without points.

    Examples
    --------
    >>> import pandas as pd
    >>> leads = pd.DataFrame({"budget": [10.0, 300.0], "authority": ["none", "decision_maker"],
    ...                       "need": [2, 5], "credit_rating": ["C", "A"]})
    >>> lead_score(leads)
       money_pts  authority_pts  need_pts  credit_pts  score  band
    0          0              0         8           3     11  cold
    1         30             30        30          10    100   hot
    """
    where = "lead_score"
    check_frame(leads, "leads", where=where)
    table = LEAD_POINTS if points is None else points
    keys = ["budget", "authority", "need", "credit_rating"]
    if not isinstance(table, Mapping) or sorted(table) != sorted(keys):
        raise ParameterError(
            f"The 'points' parameter of {where} must be a mapping with the keys {keys}. Got "
            f"{list(table) if isinstance(table, Mapping) else table!r} instead. Start from a "
            f"copy of LEAD_POINTS."
        )
    edges = list(band_edges)
    if len(edges) != 3 or not edges[0] < edges[1] < edges[2]:
        raise ParameterError(
            f"The 'band_edges' parameter of {where} must be three increasing scores. Got "
            f"{band_edges!r} instead. Pass e.g. band_edges=(30, 50, 70)."
        )
    check_columns(leads.columns, keys, where=where, hint="Rename your columns to these names.")
    check_values(leads, keys, where=where, what="leads", finite=False, negative=False)
    budget = leads["budget"].astype(float)
    if (budget < 0).any():
        raise DataError(
            f"{where}: column 'budget' must be >= 0; got {format_examples(budget[budget < 0])}. "
            f"Fix the stated budgets."
        )
    bounds = sorted(table["budget"])
    idx = np.searchsorted(np.asarray(bounds, dtype=float), budget.to_numpy(), side="right") - 1
    if (idx < 0).any():
        raise DataError(
            f"{where}: budgets below the lowest band {bounds[0]} have no points (e.g. "
            f"{format_examples(budget[idx < 0])}). Add a band starting at 0 to points['budget']."
        )
    out = pd.DataFrame(index=leads.index)
    out["money_pts"] = np.asarray([table["budget"][bounds[i]] for i in idx], dtype="int64")
    for key, col in (("authority", "authority_pts"), ("need", "need_pts"),
                     ("credit_rating", "credit_pts")):
        vals = leads[key].astype(object) if key != "need" else leads[key].astype("int64")
        mapped = vals.map(dict(table[key]))
        if mapped.isna().any():
            bad = vals[mapped.isna()].unique()
            raise DataError(
                f"{where}: column {key!r} has levels without points (e.g. "
                f"{format_examples(bad)}); levels with points: {list(table[key])}. Map them "
                f"or extend the points table."
            )
        out[col] = mapped.astype("int64")
    out["score"] = out[["money_pts", "authority_pts", "need_pts", "credit_pts"]].sum(axis=1).astype("int64")
    codes = np.searchsorted(np.asarray(edges, dtype=float), out["score"].to_numpy(), side="right")
    out["band"] = pd.Categorical.from_codes(codes, categories=list(_BANDS), ordered=True)
    return out


def true_lead_logit(leads: pd.DataFrame, truth: Mapping[str, Any]) -> pd.Series:
    """The true linear predictor of conversion, from the ground truth's logit coefficients.

    ``intercept + log_budget x ln(budget) + need x need + authority[level] +
    credit_rating[level]`` — the best possible ranking of the default data's leads (its AUC is
    the ceiling for any score). Teaching only: with real data the truth is unknown.

    Parameters
    ----------
    leads : pandas.DataFrame
        Columns ``budget`` (> 0), ``need``, ``authority``, ``credit_rating``.
    truth : mapping
        ``data.truth["leads"]`` (with a ``logit`` entry) or its ``logit`` dict itself.

    Returns
    -------
    pandas.Series
        ``true_logit``, same index as ``leads``.

    Examples
    --------
    >>> import pandas as pd
    >>> truth = {"logit": {"intercept": -6.0, "log_budget": 0.9, "need": 0.35,
    ...          "authority": {"none": 0.0, "decision_maker": 1.3},
    ...          "credit_rating": {"A": 0.0, "D": -1.5}}}
    >>> leads = pd.DataFrame({"budget": [1.0], "need": [2], "authority": ["decision_maker"],
    ...                       "credit_rating": ["D"]})
    >>> round(float(true_lead_logit(leads, truth).iloc[0]), 2)
    -5.5
    """
    where = "true_lead_logit"
    check_frame(leads, "leads", where=where)
    coef = truth.get("logit", truth) if isinstance(truth, Mapping) else None
    need_keys = ["intercept", "log_budget", "need", "authority", "credit_rating"]
    if not isinstance(coef, Mapping) or any(k not in coef for k in need_keys):
        raise ParameterError(
            f"The 'truth' parameter of {where} must be data.truth['leads'] (or its 'logit' "
            f"dict) with the keys {need_keys}. Got {truth!r:.80} instead."
        )
    check_columns(leads.columns, ["budget", "need", "authority", "credit_rating"], where=where)
    if (leads["budget"] <= 0).any():
        raise DataError(f"{where}: column 'budget' must be > 0 for ln(budget). Fix the budgets.")
    eta = (coef["intercept"] + coef["log_budget"] * np.log(leads["budget"].astype(float))
           + coef["need"] * leads["need"].astype(float)
           + leads["authority"].astype(object).map(dict(coef["authority"])).astype(float)
           + leads["credit_rating"].astype(object).map(dict(coef["credit_rating"])).astype(float))
    if eta.isna().any():
        raise DataError(f"{where}: some authority or credit levels have no coefficient in truth. "
                        f"Levels in truth: {list(coef['authority'])}, {list(coef['credit_rating'])}.")
    return eta.rename("true_logit")


@dataclass(frozen=True, repr=False)
class LeadScoreCheck(SummaryDisplay):
    """How well a lead score ranks conversions (see :func:`lead_score_check`).

    Attributes
    ----------
    by_band : pandas.DataFrame
        Per band: ``leads``, ``converted``, ``conversion_rate``.
    auc : float
        Area under the ROC curve of the score against the outcome.
    benchmark_auc : float or None
        AUC of the benchmark (e.g. the true linear predictor), if given.
    increasing : bool
        Whether the conversion rate rises from band to band (empty bands skipped).
    """

    _html_table = "by_band"

    by_band: pd.DataFrame
    auc: float
    benchmark_auc: float | None
    increasing: bool

    def to_frame(self) -> pd.DataFrame:
        """The per-band table (a copy)."""
        return self.by_band.copy()

    def summary(self) -> str:
        """A short text summary with notes."""
        lines = [f"Lead score AUC = {self.auc:.3f}"
                 + (f" (benchmark {self.benchmark_auc:.3f})" if self.benchmark_auc is not None else "")]
        lines.append("Conversion rate rises with the band: " + ("yes" if self.increasing else "NO"))
        small = self.by_band.index[(self.by_band["leads"] > 0) & (self.by_band["leads"] < 30)]
        if len(small):
            lines.append(f"  Note 1: bands with fewer than 30 leads ({', '.join(map(str, small))}) "
                         f"have wide uncertainty.")
        return "\n".join(lines)


def lead_score_check(
    scored: pd.DataFrame, converted: Any, *, benchmark: Any = None,
    score_col: str = "score", band_col: str = "band",
) -> LeadScoreCheck:
    """Check a lead score against the outcome: conversion by band and ROC AUC.

    Parameters
    ----------
    scored : pandas.DataFrame
        Output of :func:`lead_score` (columns ``score`` and ``band``).
    converted : array-like of bool
        Outcome per lead, same length.
    benchmark : array-like of float, optional
        A reference score (e.g. :func:`true_lead_logit`) whose AUC is reported beside.

    Returns
    -------
    LeadScoreCheck

    Raises
    ------
    DataError
        Lengths differ, or the outcome has only one class (AUC undefined).

    Examples
    --------
    >>> import pandas as pd
    >>> scored = pd.DataFrame({"score": [10, 20, 60, 65, 90],
    ...     "band": pd.Categorical(["cold", "cold", "warm", "warm", "hot"],
    ...                            categories=["cold", "cool", "warm", "hot"], ordered=True)})
    >>> check = lead_score_check(scored, [False, False, False, True, True])
    >>> check.auc, check.increasing
    (1.0, True)
    >>> check.by_band
          leads  converted  conversion_rate
    band
    cold      2          0              0.0
    cool      0          0              0.0
    warm      2          1              0.5
    hot       1          1              1.0

    Empty bands show 0 leads (and a rate of 0) and are skipped by ``increasing``.
    """
    from sklearn.metrics import roc_auc_score

    where = "lead_score_check"
    check_frame(scored, "scored", where=where)
    check_columns(scored.columns, [score_col, band_col], where=where,
                  hint="Pass the output of lead_score().")
    y = np.asarray(converted).astype(bool)
    if len(y) != len(scored):
        raise DataError(
            f"{where}: 'converted' must have one outcome per lead ({len(scored)}); got "
            f"{len(y)}. Pass the outcome column of the same leads."
        )
    if y.all() or not y.any():
        raise DataError(
            f"{where}: 'converted' must contain both outcomes to compute an AUC; all {len(y)} "
            f"are {bool(y[0]) if len(y) else None}. Use leads with known wins and losses."
        )
    g = pd.Series(y, index=scored.index).groupby(scored[band_col], observed=False)
    by_band = pd.DataFrame({"leads": g.size().astype("int64"), "converted": g.sum().astype("int64")})
    by_band["conversion_rate"] = (by_band["converted"] / by_band["leads"].where(by_band["leads"] > 0)).fillna(0.0)
    rates = by_band.loc[by_band["leads"] > 0, "conversion_rate"].to_numpy()
    increasing = bool(np.all(np.diff(rates) > 0))
    auc = float(roc_auc_score(y, scored[score_col].to_numpy()))
    bench = None
    if benchmark is not None:
        b = np.asarray(benchmark, dtype=float)
        if len(b) != len(y):
            raise DataError(f"{where}: 'benchmark' must have one value per lead ({len(y)}); got {len(b)}.")
        bench = float(roc_auc_score(y, b))
    return LeadScoreCheck(by_band=by_band, auc=auc, benchmark_auc=bench, increasing=increasing)
