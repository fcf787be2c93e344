"""Environment scan (PEST) and SWOT as structured tables, filled from the data where it can.

Each row is one item: its ``factor`` (PEST: political, economic, social, technological; SWOT:
strength, weakness, opportunity, threat), the ``item`` in words, the ``evidence`` (a number
from the data, or empty) and its ``source`` — ``'data'`` when computed, ``'prompt'`` when the
analyst must fill it in. Nothing is invented: what the data cannot say stays a prompt.
"""

from __future__ import annotations

import pandas as pd

from crmlib._validation import check_frame
from crmlib.exceptions import DataError

__all__ = ["PEST_PROMPTS", "pest_table", "swot_table"]

COLUMNS = ["factor", "item", "evidence", "source"]

#: The questions a PEST scan asks that the teaching data cannot answer.
PEST_PROMPTS: dict[str, tuple[str, ...]] = {
    "political": ("Regulation of retail, e-commerce platforms and data privacy (e.g. PIPL)?",
                  "Trade policy or tariffs affecting imported goods?"),
    "economic": ("Household income and consumer-confidence trend in our regions?",
                 "Inflation and supplier-cost outlook?"),
    "social": ("Demographic change (ageing, household size) in our regions?",
               "Shifts in shopping habits (online, convenience, health)?"),
    "technological": ("Payment, delivery and app technology our rivals adopt?",
                      "Data and automation tools that change the cost to serve?"),
}


def _row(factor: str, item: str, evidence: str = "", source: str = "data") -> dict:
    return {"factor": factor, "item": item, "evidence": evidence, "source": source}


def pest_table(growth: pd.DataFrame | None = None) -> pd.DataFrame:
    """A PEST table: the market growth per region from the data, the rest as prompts.

    Parameters
    ----------
    growth : pandas.DataFrame, optional
        ``market_growth(...).table`` (columns ``cagr`` and ``period``); each market becomes
        an economic item with its CAGR as evidence.

    Returns
    -------
    pandas.DataFrame
        Columns ``factor``, ``item``, ``evidence``, ``source``.

    Examples
    --------
    >>> t = pest_table()
    >>> sorted(t["factor"].unique())
    ['economic', 'political', 'social', 'technological']
    >>> set(t["source"])
    {'prompt'}
    """
    rows = []
    if growth is not None:
        check_frame(growth, "growth", where="pest_table", columns=["cagr", "period"],
                    hint="Pass market_growth(market).table.")
        for name, r in growth.iterrows():
            rows.append(_row("economic", f"market growth in {name}",
                             f"CAGR {r['cagr']:+.1%} over {r['period']}"))
    for factor, prompts in PEST_PROMPTS.items():
        rows += [_row(factor, p, source="prompt") for p in prompts]
    order = {f: i for i, f in enumerate(PEST_PROMPTS)}
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values("factor", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def swot_table(
    benchmark: pd.DataFrame, opportunities: pd.DataFrame, share_trend: pd.DataFrame, *,
    ours: str = "Our retailer", satisfaction: float | None = None, top: int = 2,
) -> pd.DataFrame:
    """A SWOT table filled from the benchmark, the opportunity ranking and the share trend.

    Rules: strengths = attributes where we beat the rivals' mean (``gap_to_mean > 0``);
    weaknesses = where we trail it; opportunities = the ``top`` best-ranked cells; threats =
    rivals whose share grew most (in the share-trend markets, largest gain first). A quadrant
    the data leave empty gets a prompt. ``satisfaction`` (e.g. mean CSAT out of 10) is listed
    as a strength at 7 or more, a weakness below.

    Parameters
    ----------
    benchmark : pandas.DataFrame
        ``competitor_benchmark(...).table``.
    opportunities : pandas.DataFrame
        ``rank_opportunities(...).table``.
    share_trend : pandas.DataFrame
        ``share_trend(...)`` (index market x brand; column ``change_pts``).

    Examples
    --------
    >>> import pandas as pd
    >>> bench = pd.DataFrame({"gap_to_mean": [0.5, -1.0], "z": [1.0, -1.0]},
    ...                      index=pd.Index(["quality_score", "price_index"], name="attribute"))
    >>> opp = pd.DataFrame({"score": [0.8], "rank": [1]}, index=["West"])
    >>> trend = pd.DataFrame({"change_pts": [3.0, -3.0]},
    ...                      index=pd.MultiIndex.from_tuples([("West", "Rival"), ("West", "Our retailer")]))
    >>> swot_table(bench, opp, trend)[["factor", "item"]]
             factor                          item
    0      strength  quality_score above rivals' mean
    1      weakness  price_index below rivals' mean
    2   opportunity  West (opportunity rank 1)
    3        threat  Rival gaining share in West
    """
    for frame, name, cols in ((benchmark, "benchmark", ["gap_to_mean"]),
                              (opportunities, "opportunities", ["score", "rank"]),
                              (share_trend, "share_trend", ["change_pts"])):
        check_frame(frame, name, where="swot_table", columns=cols)
    if share_trend.index.nlevels != 2:
        raise DataError("swot_table: share_trend must be indexed by (market, brand); pass "
                        "crmlib.market.share_trend(...) output.")
    rows = [_row("strength", f"{a} above rivals' mean", f"gap {g:+.2f}")
            for a, g in benchmark["gap_to_mean"].items() if g > 0]
    rows += [_row("weakness", f"{a} below rivals' mean", f"gap {g:+.2f}")
             for a, g in benchmark["gap_to_mean"].items() if g < 0]
    if satisfaction is not None:
        kind = "strength" if satisfaction >= 7 else "weakness"
        rows.append(_row(kind, "customer satisfaction", f"mean CSAT {satisfaction:.1f} / 10"))
    for cell, r in opportunities.sort_values("rank").head(top).iterrows():
        rows.append(_row("opportunity", f"{cell} (opportunity rank {int(r['rank'])})",
                         f"score {r['score']:.2f}"))
    rivals = share_trend[share_trend.index.get_level_values(1) != ours]
    gains = rivals[rivals["change_pts"] > 0].sort_values("change_pts", ascending=False)
    for (market, brand), r in gains.head(top).iterrows():
        rows.append(_row("threat", f"{brand} gaining share in {market}",
                         f"{r['change_pts']:+.1f} share points"))
    out = pd.DataFrame(rows, columns=COLUMNS)
    for factor in ("strength", "weakness", "opportunity", "threat"):
        if factor not in set(out["factor"]):
            out.loc[len(out)] = _row(factor, f"no {factor} found in the data: add your own",
                                     source="prompt")
    order = {"strength": 0, "weakness": 1, "opportunity": 2, "threat": 3}
    return out.sort_values("factor", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
