"""Competitor benchmark, selling points and the positioning map (data and plot)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_frame
from crmlib.exceptions import DataError
from crmlib.market._common import checked_table, unique_rows
from crmlib.plotting import get_ax, palette

__all__ = ["ATTRIBUTES", "BenchmarkResult", "competitor_benchmark", "plot_positioning_map",
           "positioning_map"]

#: Attribute columns of the competitor table, and whether less is better (price).
ATTRIBUTES: dict[str, bool] = {"quality_score": False, "service_score": False,
                               "assortment_score": False, "digital_score": False,
                               "price_index": True}


@dataclass(frozen=True, repr=False)
class BenchmarkResult(SummaryDisplay):
    """Where our brand stands on each attribute (see :func:`competitor_benchmark`).

    Attributes
    ----------
    table : pandas.DataFrame
        Per attribute: ``ours``, ``rival_mean``, ``best_rival``, ``best_rival_score``,
        ``gap_to_mean`` and ``gap_to_best`` (signed so that > 0 favours us), ``z`` (gap to
        mean / SD of the rivals), ``rank`` among all brands (1 = best), ``lead_with`` and
        ``distinctive``.
    scores : pandas.DataFrame
        The brand x attribute scores.
    ours : str
    notes : tuple of str
    """

    _html_table = "table"
    _html_notes = "notes"

    table: pd.DataFrame
    scores: pd.DataFrame
    ours: str
    notes: tuple[str, ...]

    @property
    def lead_with(self) -> list[str]:
        """Attributes to lead with, strongest first."""
        return self.table.index[self.table["lead_with"]].tolist()

    def to_frame(self) -> pd.DataFrame:
        """The per-attribute table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """Selling points and gaps in words."""
        t = self.table
        lead = ", ".join(self.lead_with) or "none (no attribute above the rivals' mean)"
        lag = ", ".join(t.index[t["gap_to_mean"] < 0]) or "none"
        own = ", ".join(t.index[t["distinctive"]]) or "none"
        lines = [f"{self.ours} vs {len(self.scores) - 1} rivals on {len(t)} attributes.",
                 f"  Lead with (above the rivals' mean, strongest first): {lead}.",
                 f"  Distinctive (best of all brands, or 1 SD above the rivals): {own}.",
                 f"  Behind the rivals' mean on: {lag}."]
        return "\n".join(lines + format_notes(self.notes))


def _scores(competitors, where, brand_col, attributes, ours) -> pd.DataFrame:
    checked_table(competitors, "competitors", where=where, keys=[brand_col],
                  numbers=list(attributes))
    unique_rows(competitors, [brand_col], where=where, name="competitors")
    scores = competitors.set_index(competitors[brand_col].astype(str))[list(attributes)]
    if ours not in scores.index:
        raise DataError(f"{where}: ours={ours!r} is not in column {brand_col!r}. Brands "
                        f"present: {scores.index.tolist()}. Pass ours='<your brand>'.")
    if len(scores) < 3:
        raise DataError(f"{where}: a benchmark needs our brand and at least 2 rivals; got "
                        f"{len(scores)} brands. Add the competitors' rows.")
    return scores.astype(float)


def competitor_benchmark(
    competitors: pd.DataFrame, *, ours: str = "Our retailer", brand_col: str = "brand",
    attributes: Sequence[str] | None = None, lower_is_better: Sequence[str] = ("price_index",),
) -> BenchmarkResult:
    """Benchmark our brand against each rival on every attribute; pick the selling points.

    Gaps are signed so that a positive gap favours us (for ``lower_is_better`` attributes,
    such as a price index, being lower is the advantage). We *lead with* an attribute when we
    beat the rivals' mean on it (``gap_to_mean > 0``), strongest first by ``z`` (the gap in
    rival SDs); ``distinctive`` marks the attributes where we rank first or ``z >= 1`` — a
    selling point no rival can match easily.

    Examples
    --------
    >>> import pandas as pd
    >>> comp = pd.DataFrame({"brand": ["us", "a", "b"], "quality_score": [8.0, 6.0, 7.0],
    ...                      "price_index": [100.0, 90.0, 95.0]})
    >>> res = competitor_benchmark(comp, ours="us")
    >>> res.table[["ours", "rival_mean", "gap_to_mean", "rank", "lead_with"]]
                    ours  rival_mean  gap_to_mean  rank  lead_with
    attribute
    quality_score    8.0         6.5          1.5     1       True
    price_index    100.0        92.5         -7.5     3      False
    >>> res.lead_with
    ['quality_score']
    """
    where = "competitor_benchmark"
    attrs = [a for a in ATTRIBUTES if a in competitors] if attributes is None else list(attributes)
    if not attrs:
        raise DataError(f"{where}: no attribute columns found; expected some of "
                        f"{list(ATTRIBUTES)}. Pass attributes=[...].")
    scores = _scores(competitors, where, brand_col, attrs, ours)
    rows, notes = {}, []
    for a in attrs:
        sign = -1.0 if a in lower_is_better else 1.0
        col = scores[a] * sign
        rivals = col.drop(ours)
        sd = float(rivals.std(ddof=1))
        gap = float(col[ours] - rivals.mean())
        z = gap / sd if sd > 0 else (np.inf if gap > 0 else 0.0)
        rank = int((col > col[ours]).sum() + 1)
        rows[a] = {"ours": scores.loc[ours, a], "rival_mean": float(scores[a].drop(ours).mean()),
                   "best_rival": rivals.idxmax(), "best_rival_score": scores.loc[rivals.idxmax(), a],
                   "gap_to_mean": gap, "gap_to_best": float(col[ours] - rivals.max()), "z": z,
                   "rank": rank, "lead_with": gap > 0, "distinctive": bool(rank == 1 or z >= 1)}
        if sd == 0:
            notes.append(f"every rival scores the same on {a!r}: z is not informative.")
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "attribute"
    order = table.sort_values(["lead_with", "z"], ascending=False, kind="stable").index
    return BenchmarkResult(table=table.loc[order], scores=scores, ours=ours, notes=tuple(notes))


def positioning_map(
    competitors: pd.DataFrame, *, x: str = "price_index", y: str = "quality_score",
    shares: pd.Series | None = None, ours: str = "Our retailer", brand_col: str = "brand",
) -> pd.DataFrame:
    """The data of a positioning map: each brand's x and y, its share, and the map's centre.

    Parameters
    ----------
    competitors : pandas.DataFrame
        One row per brand.
    x, y : str
        Attribute columns on the axes (default price index vs perceived quality).
    shares : pandas.Series, optional
        Market share per brand (index = brand), for bubble sizes; brands missing get NaN.
    ours : str
        Our brand (flagged in ``is_ours``).

    Returns
    -------
    pandas.DataFrame
        Index: brand. ``x``, ``y``, ``share``, ``is_ours``, ``quadrant`` (above/below the
        mean of y, left/right of the mean of x). ``.attrs`` holds the axis names and means.

    Examples
    --------
    >>> import pandas as pd
    >>> comp = pd.DataFrame({"brand": ["us", "a", "b"], "quality_score": [8.0, 6.0, 7.0],
    ...                      "price_index": [100.0, 90.0, 110.0]})
    >>> positioning_map(comp, ours="us")[["x", "y", "quadrant"]]
               x    y       quadrant
    brand
    us     100.0  8.0  high y, low x
    a       90.0  6.0   low y, low x
    b      110.0  7.0  low y, high x
    """
    where = "positioning_map"
    scores = _scores(competitors, where, brand_col, [x, y], ours)
    out = pd.DataFrame({"x": scores[x], "y": scores[y]})
    out.index.name = "brand"
    out["share"] = np.nan if shares is None else pd.Series(shares, dtype=float).reindex(out.index)
    out["is_ours"] = out.index == ours
    mx, my = out["x"].mean(), out["y"].mean()
    out["quadrant"] = [f"{'high' if b > my else 'low'} y, {'high' if a > mx else 'low'} x"
                       for a, b in zip(out["x"], out["y"])]
    out.attrs.update({"x": x, "y": y, "x_mean": float(mx), "y_mean": float(my)})
    return out


def plot_positioning_map(
    pos: pd.DataFrame, *, ax: Any = None, bubble: float = 2000.0, title: str | None = None,
) -> Any:
    """Draw a positioning map from :func:`positioning_map`: one bubble per brand.

    Bubble areas follow the share (equal when no share is known); our brand is outlined in
    black; dashed lines cross at the means of x and y.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> comp = pd.DataFrame({"brand": ["us", "a", "b"], "quality_score": [8.0, 6.0, 7.0],
    ...                      "price_index": [100.0, 90.0, 110.0]})
    >>> fig, ax = plt.subplots()
    >>> ax = plot_positioning_map(positioning_map(comp, ours="us"), ax=ax)
    >>> [t.get_text() for t in ax.texts]
    ['us', 'a', 'b']
    >>> plt.close(fig)
    """
    check_frame(pos, "pos", where="plot_positioning_map", columns=["x", "y", "share", "is_ours"],
                hint="Pass the output of positioning_map().")
    ax = get_ax(ax, where="plot_positioning_map")
    share = pos["share"].fillna(1.0 / len(pos)).to_numpy()
    colours = palette(len(pos))
    edges = ["black" if o else "none" for o in pos["is_ours"]]
    ax.scatter(pos["x"], pos["y"], s=bubble * share, c=colours, alpha=0.7, edgecolors=edges,
               linewidths=1.5)
    for name, r in pos.iterrows():
        ax.annotate(str(name), (r["x"], r["y"]), xytext=(0, 8), textcoords="offset points",
                    ha="center", fontweight="bold" if r["is_ours"] else "normal")
    ax.axvline(pos["x"].mean(), color="grey", linestyle="--", linewidth=0.8)
    ax.axhline(pos["y"].mean(), color="grey", linestyle="--", linewidth=0.8)
    ax.set_xlabel(pos.attrs.get("x", "x"))
    ax.set_ylabel(pos.attrs.get("y", "y"))
    ax.set_title(title or "Positioning map (bubble area = market share)")
    return ax
