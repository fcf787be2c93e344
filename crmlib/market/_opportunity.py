"""Where to grow: region x segment opportunity, ranked by a rule that is shown.

Each cell (a region, or a region x segment) is described by four criteria:

- ``size`` — market size in the last period (bigger is better);
- ``growth`` — market CAGR (faster is better);
- ``headroom`` — 1 - our share (more of the market still to win is better);
- ``rival_share`` — the largest competitor's share (a strong incumbent is worse).

Each criterion is scaled to 0-1 across the cells (min-max, 1 = best cell; a criterion equal
in every cell gives 0.5 everywhere), and the score is the weighted mean of the scaled criteria.
Rank 1 is the best opportunity. The rule is returned with the table, in words.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_frame, check_values
from crmlib.exceptions import DataError, ParameterError
from crmlib.market._share import market_shares
from crmlib.market._size import TOTAL, market_growth

__all__ = ["CRITERIA", "OpportunityResult", "opportunity_inputs", "rank_opportunities",
           "split_by_segment"]

#: criterion -> +1 when more is better, -1 when less is better
CRITERIA: dict[str, int] = {"size": 1, "growth": 1, "headroom": 1, "rival_share": -1}


def opportunity_inputs(
    market: pd.DataFrame, *, ours: str = "Our retailer", market_col: str = "region",
    period_col: str = "year", brand_col: str = "brand",
) -> pd.DataFrame:
    """The four criteria per market from the market table (last period; CAGR over all).

    Returns
    -------
    pandas.DataFrame
        Index: market. ``size``, ``growth`` (CAGR), ``our_share``, ``headroom``,
        ``share_change_pts`` (our share, first to last period), ``rival`` and ``rival_share``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"region": "N", "year": [2023, 2023, 2024, 2024],
    ...                   "brand": ["us", "them"] * 2, "market_size": [100.0, 100.0, 120.0, 120.0],
    ...                   "revenue": [20.0, 80.0, 30.0, 90.0]})
    >>> opportunity_inputs(m, ours="us")[["size", "growth", "our_share", "rival_share"]]
             size  growth  our_share  rival_share
    region
    N       120.0     0.2       0.25         0.75
    """
    where = "opportunity_inputs"
    growth = market_growth(market, market_col=market_col, period_col=period_col,
                           brand_col=brand_col).table.drop(index=TOTAL)
    shares = market_shares(market, by=[market_col, period_col], brand_col=brand_col, total=None)
    if ours not in set(shares["brand"]):
        raise DataError(f"{where}: ours={ours!r} is not a brand of the market table. Brands "
                        f"present: {sorted(set(shares['brand']))}. Pass ours='<your brand>'.")
    rows = {}
    for m, g in shares.groupby(market_col, sort=True):
        first, last = g[g[period_col] == g[period_col].min()], g[g[period_col] == g[period_col].max()]
        mine = last.loc[last["brand"] == ours, "share"]
        before = first.loc[first["brand"] == ours, "share"]
        rivals = last[last["brand"] != ours].sort_values("share", ascending=False)
        s = float(mine.iloc[0]) if len(mine) else 0.0
        rows[m] = {"size": growth.loc[str(m), "size_last"], "growth": growth.loc[str(m), "cagr"],
                   "our_share": s, "headroom": 1 - s,
                   "share_change_pts": 100 * (s - (float(before.iloc[0]) if len(before) else 0.0)),
                   "rival": rivals["brand"].iloc[0], "rival_share": float(rivals["share"].iloc[0])}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = market_col
    return out


def split_by_segment(
    inputs: pd.DataFrame, mix: pd.DataFrame, *, segment_col: str = "segment",
    weight_col: str = "weight",
) -> pd.DataFrame:
    """Split each market's cell into segments: size x weight; other criteria from ``mix``.

    ``mix`` has one row per market (the index name of ``inputs``) and segment, with the
    segment's share of the market's demand in ``weight_col`` (summing to 1 per market) and,
    optionally, its own ``growth``, ``our_share`` or ``rival_share``; criteria it lacks are
    taken from the market (an assumption the caller should state).

    Examples
    --------
    >>> import pandas as pd
    >>> inputs = pd.DataFrame({"size": [100.0], "growth": [0.1], "our_share": [0.2],
    ...                        "headroom": [0.8], "rival_share": [0.5]},
    ...                       index=pd.Index(["N"], name="region"))
    >>> mix = pd.DataFrame({"region": ["N", "N"], "segment": ["young", "family"],
    ...                     "weight": [0.4, 0.6], "our_share": [0.1, 0.3]})
    >>> split_by_segment(inputs, mix)[["size", "our_share", "headroom"]]
                    size  our_share  headroom
    region segment
    N      young    40.0        0.1       0.9
           family   60.0        0.3       0.7
    """
    where = "split_by_segment"
    key = inputs.index.name or "market"
    check_frame(mix, "mix", where=where, columns=[key, segment_col, weight_col])
    check_values(mix, [weight_col], where=where, what="mix",
                 fix="Weights are shares of a market's demand: finite and >= 0.")
    total = mix.groupby(key)[weight_col].sum()
    off = total[~np.isclose(total, 1.0, atol=1e-6)]
    if len(off):
        raise DataError(f"{where}: the weights of each {key} must sum to 1; they sum to "
                        f"{off.round(4).to_dict()}. Divide by their total per {key}.")
    unknown = sorted(set(mix[key]) - set(inputs.index))
    if unknown:
        raise DataError(f"{where}: mix names markets not in inputs: {unknown[:3]}. Markets "
                        f"present: {list(inputs.index)}.")
    cells = mix.merge(inputs, left_on=key, right_index=True, how="left", suffixes=("", "_market"))
    for col in ("growth", "our_share", "rival_share"):
        if f"{col}_market" in cells:
            cells[col] = cells[col].fillna(cells.pop(f"{col}_market"))
    cells["size"] = cells["size"] * cells[weight_col]
    cells["headroom"] = 1 - cells["our_share"]
    return cells.set_index([key, segment_col])


@dataclass(frozen=True, repr=False)
class OpportunityResult(SummaryDisplay):
    """Ranked opportunities (see :func:`rank_opportunities`).

    Attributes
    ----------
    table : pandas.DataFrame
        The criteria, their 0-1 scores (``score_<criterion>``), ``score`` and ``rank``,
        best first.
    weights : dict
    rule : str
        The ranking rule in words.
    notes : tuple of str
    """

    _html_table = "table"
    _html_notes = "notes"

    table: pd.DataFrame
    weights: dict
    rule: str
    notes: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The ranked table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """The rule and the top cells."""
        lines = [self.rule, "Top opportunities:"]
        for idx, r in self.table.head(5).iterrows():
            lines.append(f"  {int(r['rank'])}. {idx}: score {r['score']:.2f} (size "
                         f"{r['size']:,.0f}, growth {r['growth']:+.1%}, our share "
                         f"{1 - r['headroom']:.1%})")
        return "\n".join(lines + format_notes(self.notes))


def _weights(weights: Mapping[str, float] | None, where: str) -> dict[str, float]:
    w = dict.fromkeys(CRITERIA, 1.0) if weights is None else dict(weights)
    bad = [k for k in w if k not in CRITERIA]
    if bad or any(not isinstance(v, (int, float)) or v < 0 for v in w.values()) or \
            sum(w.values()) <= 0:
        raise ParameterError(
            f"The 'weights' parameter of {where} must map criteria {list(CRITERIA)} to "
            f"numbers >= 0 with a positive total. Got {weights!r} instead. Pass e.g. "
            f"weights={{'size': 2, 'growth': 1, 'headroom': 1, 'rival_share': 1}}."
        )
    return {k: float(v) for k, v in w.items() if v > 0}


def rank_opportunities(
    cells: pd.DataFrame, *, weights: Mapping[str, float] | None = None,
) -> OpportunityResult:
    """Rank cells by the weighted mean of their min-max scaled criteria (module docstring).

    Parameters
    ----------
    cells : pandas.DataFrame
        One row per cell (index = region, or region x segment) with the criteria columns
        named in ``weights`` (from :func:`opportunity_inputs` / :func:`split_by_segment`).
    weights : mapping, optional
        Criterion -> weight (default 1 each); a criterion left out does not count.

    Returns
    -------
    OpportunityResult

    Examples
    --------
    >>> import pandas as pd
    >>> cells = pd.DataFrame({"size": [100.0, 50.0], "growth": [0.02, 0.10],
    ...                       "headroom": [0.8, 0.9], "rival_share": [0.3, 0.2]}, index=["A", "B"])
    >>> res = rank_opportunities(cells)
    >>> res.table[["score", "rank"]]
       score  rank
    B   0.75     1
    A   0.25     2
    >>> res.rule
    'score = mean of the 0-1 scaled size, growth, headroom, rival_share (weights 1, 1, 1, 1); more is better for size, growth, headroom; less for rival_share.'
    """
    where = "rank_opportunities"
    w = _weights(weights, where)
    check_frame(cells, "cells", where=where, columns=list(w))
    check_values(cells, list(w), where=where, what="cells", negative=False,
                 fix="Every cell needs every criterion: fill or drop it first.")
    if len(cells) < 2:
        raise DataError(f"{where}: ranking needs at least 2 cells; got {len(cells)}.")
    out, notes = cells.copy(), []
    for c in w:
        x = cells[c].to_numpy(dtype=float) * CRITERIA[c]
        span = x.max() - x.min()
        out[f"score_{c}"] = (x - x.min()) / span if span > 0 else 0.5
        if span == 0:
            notes.append(f"{c!r} is the same in every cell: it does not separate them.")
    total = sum(w.values())
    out["score"] = sum(w[c] * out[f"score_{c}"] for c in w) / total
    out = out.sort_values("score", ascending=False, kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    better = [c for c in w if CRITERIA[c] > 0]
    worse = [c for c in w if CRITERIA[c] < 0]
    rule = (f"score = mean of the 0-1 scaled {', '.join(w)} (weights "
            f"{', '.join(f'{v:g}' for v in w.values())}); more is better for "
            f"{', '.join(better) or 'none'}; less for {', '.join(worse) or 'none'}.")
    return OpportunityResult(table=out, weights=w, rule=rule, notes=tuple(notes))
