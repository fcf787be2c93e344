"""Survey-based pricing: Van Westendorp's price sensitivity meter and Gabor-Granger.

**Van Westendorp (1976).** Each respondent names four prices: *too cheap* (quality in doubt),
*cheap* (a bargain), *expensive* (still considered) and *too expensive* (not considered).  At
each price ``p`` the four curves are the shares for whom ``p`` is too cheap
(``too_cheap >= p``), cheap (``cheap >= p``), expensive (``expensive <= p``) and too expensive
(``too_expensive <= p``).  The points are where two curves cross:

=====  =========================================  ==================================
point  curves                                     reading
=====  =========================================  ==================================
PMC    too cheap = not cheap (1 - cheap)          marginal cheapness: range's floor
OPP    too cheap = too expensive                  optimal price point
IDP    cheap = expensive                          indifference price point
PME    too expensive = not expensive              marginal expensiveness: range's top
=====  =========================================  ==================================

Crossings are found on the price grid and interpolated linearly between grid points; a run
of grid prices where the curves are equal counts as one crossing at its midpoint; touching
without changing sides is not a crossing.  **When curves cross more than once** (possible on
a user grid or smoothed curves), the rule is explicit: ``multiple='first'`` (default, the
lowest crossing), ``'last'``, or ``'raise'``; the count is reported and a note is added.
Curves that never cross on the grid raise an error.

**Newton, Miller & Smith (1993)** add two questions: the likelihood of buying at one's own
*cheap* and *expensive* prices.  Each respondent's purchase probability runs linearly from 0
at *too cheap* to the stated probability at *cheap*, to the one at *expensive*, to 0 at *too
expensive* (0 outside); their mean is the trial curve, and price x trial is the revenue
index whose maximum is the revenue-maximising price.

**Gabor-Granger.** Respondents say whether they would buy at prices of a ladder.  The share
buying at each price is the demand curve; because respondents may see different rungs, the
raw shares can rise with price by sampling noise, so they are smoothed by weighted isotonic
(non-increasing) regression; revenue = price x demand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_choice, check_frame, check_int, format_examples
from crmlib.exceptions import DataError, ParameterError
from crmlib.plotting import get_ax
from crmlib.pricing._checks import numeric_array

__all__ = [
    "GaborGrangerResult",
    "VanWestendorpResult",
    "crossing_price",
    "gabor_granger",
    "likert_to_probability",
    "plot_gabor_granger",
    "plot_van_westendorp",
    "van_westendorp",
]

PSM_QUESTIONS = ("too_cheap", "cheap", "expensive", "too_expensive")
#: The four points: (name, first curve, second curve).
PSM_POINTS = (("PMC", "too_cheap", "not_cheap"), ("OPP", "too_cheap", "too_expensive"),
              ("IDP", "cheap", "expensive"), ("PME", "too_expensive", "not_expensive"))


def crossing_price(
    prices: Any, first: Any, second: Any, *, multiple: str = "first", what: str = "curves"
) -> tuple[float, int]:
    """Where two curves on a common price grid cross, and how many times they do.

    Parameters
    ----------
    prices : array-like
        Increasing price grid.
    first, second : array-like
        The two curves' values on the grid.
    multiple : {'first', 'last', 'raise'}
        Which crossing to return when there are several.
    what : str
        Name of the pair, for messages.

    Returns
    -------
    (float, int)
        The crossing price (linear interpolation between grid points; the midpoint of a run
        of equal values) and the number of crossings.

    Raises
    ------
    DataError
        The curves never cross on the grid, or cross more than once with ``'raise'``.

    Examples
    --------
    >>> crossing_price([1, 2, 3], [1.0, 0.5, 0.0], [0.0, 0.25, 1.0])
    (2.2, 1)
    >>> p = [1, 2, 3, 4, 5]
    >>> crossing_price(p, [0, 1, 0, 1, 0], [0.5] * 5, multiple="last")
    (4.5, 4)
    >>> crossing_price([1, 2], [1, 1], [0, 0], what="too cheap / too expensive")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: crossing_price: the too cheap / too expensive curves never cross between prices 1 and 2 (the first stays above). Widen the price grid (the default grid spans all answers) or check the answers.
    """
    check_choice(multiple, "multiple", ["first", "last", "raise"], where="crossing_price")
    p = numeric_array(prices, "prices", where="crossing_price")
    d = numeric_array(first, "first", where="crossing_price") - \
        numeric_array(second, "second", where="crossing_price")
    if len(d) != len(p) or np.any(np.diff(p) <= 0):
        raise ParameterError("The 'prices' parameter of crossing_price must be increasing and "
                             "as long as both curves.")
    found = _crossings(p, np.where(np.abs(d) < 1e-12, 0.0, d))
    if not found:
        side = "first stays above" if d[0] > 0 else "first stays below"
        raise DataError(f"crossing_price: the {what} curves never cross between prices "
                        f"{p[0]:g} and {p[-1]:g} (the {side}). Widen the price grid (the "
                        f"default grid spans all answers) or check the answers.")
    if len(found) > 1 and multiple == "raise":
        raise DataError(f"crossing_price: the {what} curves cross {len(found)} times (at "
                        f"{format_examples([round(x, 4) for x in found], 5)}). Pass "
                        f"multiple='first' or 'last' to choose one explicitly.")
    return (found[0] if multiple != "last" else found[-1]), len(found)


def _crossings(p: np.ndarray, d: np.ndarray) -> list[float]:
    """Crossing prices of ``d = first - second``: sign changes and zero runs between sides."""
    out: list[float] = []
    i, n = 0, len(d)
    while i < n:
        if d[i] == 0:
            j = i
            while j + 1 < n and d[j + 1] == 0:
                j += 1
            before = d[i - 1] if i > 0 else 0.0
            after = d[j + 1] if j + 1 < n else 0.0
            if before * after < 0 or before == 0 or after == 0:
                out.append(float((p[i] + p[j]) / 2))
            i = j + 1
            continue
        if i + 1 < n and d[i + 1] != 0 and np.sign(d[i]) != np.sign(d[i + 1]):
            out.append(float(p[i] + (p[i + 1] - p[i]) * d[i] / (d[i] - d[i + 1])))
        i += 1
    return out


@dataclass(frozen=True, repr=False)
class VanWestendorpResult(SummaryDisplay):
    """Van Westendorp price sensitivity meter from :func:`van_westendorp`.

    Attributes
    ----------
    curves : pandas.DataFrame
        Per grid price: ``too_cheap``, ``cheap``, ``expensive``, ``too_expensive``,
        ``not_cheap``, ``not_expensive`` (shares of respondents).
    points : pandas.DataFrame
        Per point (PMC, OPP, IDP, PME): ``price``, ``curves`` and ``n_crossings``.
    acceptable_range : (float, float)
        From PMC to PME.
    optimal_price, indifference_price : float
        OPP and IDP.
    trial : pandas.DataFrame or None
        Newton-Miller-Smith extension per grid price: ``trial`` (mean purchase probability)
        and ``revenue`` (price x trial); None without the purchase-probability questions.
    revenue_price : float
        The price that maximises ``revenue`` on the trial grid (NaN without the extension).
    n_respondents, n_set_aside : int
        Respondents used, and those set aside for non-monotone answers (``invalid='drop'``).
    notes : tuple of str
    """

    _html_table = "points"
    _html_notes = "notes"

    curves: pd.DataFrame
    points: pd.DataFrame
    acceptable_range: tuple[float, float]
    optimal_price: float
    indifference_price: float
    trial: pd.DataFrame | None
    revenue_price: float
    n_respondents: int
    n_set_aside: int
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The four points (a copy)."""
        return self.points.copy()

    def summary(self, alpha: float = 0.05) -> str:
        """Text summary (``alpha`` is accepted for a uniform interface; no intervals here)."""
        lo, hi = self.acceptable_range
        lines = [f"Van Westendorp PSM: {self.n_respondents:,} respondents"
                 + (f" ({self.n_set_aside:,} set aside)" if self.n_set_aside else ""),
                 f"  acceptable range {lo:,.2f} to {hi:,.2f}; optimal price (OPP) "
                 f"{self.optimal_price:,.2f}; indifference price (IDP) "
                 f"{self.indifference_price:,.2f}"]
        if self.trial is not None:
            lines.append(f"  revenue-maximising price (Newton-Miller-Smith) "
                         f"{self.revenue_price:,.2f}")
        return "\n".join(lines + format_notes(self.notes))


def _psm_answers(answers: pd.DataFrame, cols: Sequence[str], invalid: str,
                 where: str) -> tuple[pd.DataFrame, int]:
    """The four answers as floats, with non-monotone respondents refused or set aside."""
    check_frame(answers, "answers", where=where, columns=cols)
    x = answers[list(cols)].apply(pd.to_numeric, errors="coerce").astype("float64")
    if x.isna().any().any() or not np.isfinite(x.to_numpy()).all() or (x <= 0).any().any():
        bad = x.isna().any(axis=1) | ~np.isfinite(x).all(axis=1) | (x <= 0).any(axis=1)
        raise DataError(f"{where}: {int(bad.sum())} respondents have a missing, non-numeric or "
                        f"non-positive price (rows {format_examples(x.index[bad])}). Every answer "
                        f"must be a price > 0; set incomplete interviews aside first.")
    v = x.to_numpy()
    order_bad = (np.diff(v, axis=1) < 0).any(axis=1)
    if order_bad.any() and invalid == "raise":
        i = int(np.argmax(order_bad))
        first = next(k for k in range(3) if v[i, k] > v[i, k + 1])
        raise DataError(
            f"{where}: {int(order_bad.sum())} of {len(v)} respondents have answers that are "
            f"not monotone (the rule: {' <= '.join(cols)}); e.g. row {x.index[i]!r} has "
            f"{cols[first]} = {v[i, first]:g} > {cols[first + 1]} = {v[i, first + 1]:g}. "
            f"Check the column mapping, or pass invalid='drop' to set them aside (counted).")
    if len(v) - int(order_bad.sum()) < 2:
        raise DataError(f"{where}: fewer than 2 respondents with usable answers. A price "
                        f"sensitivity meter needs a sample.")
    return x[~order_bad], int(order_bad.sum())


def _psm_curves(x: np.ndarray, grid: np.ndarray) -> pd.DataFrame:
    n = len(x)
    srt = [np.sort(x[:, k]) for k in range(4)]
    at_least = [1 - np.searchsorted(s, grid, side="left") / n for s in srt[:2]]
    at_most = [np.searchsorted(s, grid, side="right") / n for s in srt[2:]]
    out = pd.DataFrame({"too_cheap": at_least[0], "cheap": at_least[1],
                        "expensive": at_most[0], "too_expensive": at_most[1]},
                       index=pd.Index(grid, name="price"))
    out["not_cheap"] = 1 - out["cheap"]
    out["not_expensive"] = 1 - out["expensive"]
    return out


def _nms_trial(x: np.ndarray, probs: np.ndarray, grid: np.ndarray) -> pd.DataFrame:
    """Mean of each respondent's piecewise-linear purchase probability, on ``grid``."""
    tc, c, e, te = (x[:, k][:, None] for k in range(4))
    pc, pe = probs[:, 0][:, None], probs[:, 1][:, None]
    g = grid[None, :]

    def ramp(a, b, ya, yb):
        width = np.where(b > a, b - a, 1.0)
        return ya + (yb - ya) * np.clip((g - a) / width, 0, 1)

    h = np.where(g < c, ramp(tc, c, 0.0, pc), np.where(g <= e, ramp(c, e, pc, pe),
                                                        ramp(e, te, pe, 0.0)))
    h = np.where((g < tc) | (g > te), 0.0, h)
    trial = h.mean(axis=0)
    return pd.DataFrame({"trial": trial, "revenue": grid * trial},
                        index=pd.Index(grid, name="price"))


def _probabilities(answers: pd.DataFrame, cols: Sequence[str], where: str) -> np.ndarray:
    check_frame(answers, "answers", where=where, columns=cols)
    p = answers[list(cols)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float64")
    bad = ~np.isfinite(p) | (p < 0) | (p > 1)
    if bad.any():
        rows = answers.index[bad.any(axis=1)]
        raise DataError(f"{where}: purchase probabilities {list(cols)} must be numbers in "
                        f"[0, 1]; {int(bad.any(axis=1).sum())} respondents are not (rows "
                        f"{format_examples(rows)}). Map Likert scores with "
                        f"likert_to_probability first.")
    return p


def van_westendorp(
    answers: pd.DataFrame,
    *,
    too_cheap_col: str = "too_cheap",
    cheap_col: str = "cheap",
    expensive_col: str = "expensive",
    too_expensive_col: str = "too_expensive",
    prob_cheap_col: str | None = None,
    prob_expensive_col: str | None = None,
    prices: Sequence[float] | None = None,
    multiple: str = "first",
    invalid: str = "raise",
    nms_points: int = 400,
) -> VanWestendorpResult:
    """Van Westendorp's price sensitivity meter, with the Newton-Miller-Smith extension.

    Parameters
    ----------
    answers : pandas.DataFrame
        One row per respondent with the four prices (> 0, and
        ``too_cheap <= cheap <= expensive <= too_expensive``).
    too_cheap_col, cheap_col, expensive_col, too_expensive_col : str
        Columns of the four questions.
    prob_cheap_col, prob_expensive_col : str, optional
        Purchase probabilities in [0, 1] at the respondent's own cheap and expensive prices;
        both give the Newton-Miller-Smith trial and revenue curves.
    prices : sequence of float, optional
        Price grid of the curves (default: every distinct answer).
    multiple : {'first', 'last', 'raise'}
        Rule when two curves cross more than once (see :func:`crossing_price`).
    invalid : {'raise', 'drop'}
        Non-monotone respondents: refuse (default) or set aside and count them.
    nms_points : int
        Grid size of the trial curve when ``prices`` is not given.

    Returns
    -------
    VanWestendorpResult

    Raises
    ------
    DataError
        Missing or non-positive answers, non-monotone answers (with ``invalid='raise'``),
        probabilities outside [0, 1], or curves that never cross on the grid.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"too_cheap": [5, 6, 8, 10], "cheap": [8, 9, 12, 14],
    ...                         "expensive": [14, 16, 18, 20],
    ...                         "too_expensive": [18, 22, 24, 30]})
    >>> res = van_westendorp(answers)
    >>> res.points[["price", "n_crossings"]]
           price  n_crossings
    point
    PMC      9.0            1
    OPP     14.0            1
    IDP     14.0            1
    PME     18.0            1
    >>> van_westendorp(answers.assign(cheap=[4, 9, 12, 14]))
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: van_westendorp: 1 of 4 respondents have answers that are not monotone (the rule: too_cheap <= cheap <= expensive <= too_expensive); e.g. row 0 has too_cheap = 5 > cheap = 4. Check the column mapping, or pass invalid='drop' to set them aside (counted).
    """
    where = "van_westendorp"
    check_choice(invalid, "invalid", ["raise", "drop"], where=where)
    check_choice(multiple, "multiple", ["first", "last", "raise"], where=where)
    n_grid = check_int(nms_points, "nms_points", where=where, low=10)
    cols = [too_cheap_col, cheap_col, expensive_col, too_expensive_col]
    nms = [c for c in (prob_cheap_col, prob_expensive_col) if c is not None]
    if len(nms) == 1:
        raise ParameterError(f"The Newton-Miller-Smith extension of {where} needs both "
                             f"prob_cheap_col and prob_expensive_col. Got only {nms[0]!r}.")
    x, dropped = _psm_answers(answers, cols, invalid, where)
    v = x.to_numpy()
    grid = np.unique(v) if prices is None else \
        np.unique(numeric_array(prices, "prices", where=where, positive=True))
    if len(grid) < 2:
        raise DataError(f"{where}: the answers (or the price grid) hold only one distinct price "
                        f"({grid[0]:g}); the curves cannot cross. Check the survey export.")
    curves = _psm_curves(v, grid)
    rows, notes = {}, []
    for name, a, b in PSM_POINTS:
        price, count = crossing_price(grid, curves[a], curves[b], multiple=multiple,
                                      what=f"{a.replace('_', ' ')} / {b.replace('_', ' ')}")
        rows[name] = {"price": price, "curves": f"{a} = {b}", "n_crossings": count}
        if count > 1:
            notes.append(f"{name}: the curves cross {count} times; the {multiple} crossing "
                         f"is used (multiple={multiple!r}).")
    points = pd.DataFrame.from_dict(rows, orient="index")
    points.index.name = "point"
    if dropped:
        notes.append(f"{dropped} respondents with non-monotone answers were set aside.")
    trial, revenue_price = None, float("nan")
    if nms:
        probs = _probabilities(answers.loc[x.index], nms, where)
        tgrid = np.linspace(v[:, 0].min(), v[:, 3].max(), n_grid) if prices is None else grid
        trial = _nms_trial(v, probs, tgrid)
        revenue_price = float(trial["revenue"].idxmax())
    return VanWestendorpResult(
        curves=curves, points=points,
        acceptable_range=(float(points.loc["PMC", "price"]), float(points.loc["PME", "price"])),
        optimal_price=float(points.loc["OPP", "price"]),
        indifference_price=float(points.loc["IDP", "price"]), trial=trial,
        revenue_price=revenue_price, n_respondents=len(v), n_set_aside=dropped,
        notes=tuple(notes))


def likert_to_probability(scores: Any, calibration: Mapping[int, float]) -> np.ndarray:
    """Map purchase-intent scores (e.g. 1-5) to purchase probabilities with a calibration.

    Stated intent overstates purchase; the calibration (score -> probability) should come
    from your own category's past intent-versus-purchase data.  There is no default.

    Examples
    --------
    >>> likert_to_probability([5, 3, 1], {5: 0.7, 4: 0.5, 3: 0.3, 2: 0.1, 1: 0.0}).tolist()
    [0.7, 0.3, 0.0]
    >>> likert_to_probability([6], {5: 0.7, 1: 0.0})
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: likert_to_probability: 1 scores have no calibration (e.g. 6); calibrated scores: [1, 5]. Add them to the calibration.
    """
    where = "likert_to_probability"
    if not isinstance(calibration, Mapping) or not calibration:
        raise ParameterError(f"The 'calibration' parameter of {where} must be a non-empty "
                             f"mapping score -> probability. Got {calibration!r} instead.")
    if any(not 0 <= float(p) <= 1 for p in calibration.values()):
        raise ParameterError(f"The 'calibration' parameter of {where} must map to "
                             f"probabilities in [0, 1]. Got {dict(calibration)!r} instead.")
    s = pd.Series(np.asarray(scores).ravel())
    out = s.map({k: float(p) for k, p in calibration.items()})
    if out.isna().any():
        raise DataError(f"{where}: {int(out.isna().sum())} scores have no calibration (e.g. "
                        f"{format_examples(s[out.isna()].unique().tolist())}); calibrated scores: "
                        f"{sorted(calibration)}. Add them to the calibration.")
    return out.to_numpy(dtype="float64")


def plot_van_westendorp(result: VanWestendorpResult, *, ax: Any = None) -> Any:
    """Draw the four curves of a :class:`VanWestendorpResult` and shade the acceptable range.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> res = van_westendorp(pd.DataFrame({"too_cheap": [5, 6], "cheap": [8, 9],
    ...                                    "expensive": [14, 16], "too_expensive": [18, 22]}))
    >>> fig, ax = plt.subplots()
    >>> [line.get_label() for line in plot_van_westendorp(res, ax=ax).lines][:4]
    ['too cheap', 'cheap', 'expensive', 'too expensive']
    >>> plt.close(fig)
    """
    if not isinstance(result, VanWestendorpResult):
        raise ParameterError(f"The 'result' parameter of plot_van_westendorp must be a "
                             f"VanWestendorpResult. Got a {type(result).__name__} instead.")
    ax = get_ax(ax, where="plot_van_westendorp")
    for col in PSM_QUESTIONS:
        ax.step(result.curves.index, result.curves[col], where="post",
                label=col.replace("_", " "))
    lo, hi = result.acceptable_range
    ax.axvspan(lo, hi, color="grey", alpha=0.15, label="acceptable range")
    ax.axvline(result.optimal_price, color="grey", linestyle="--", linewidth=1,
               label=f"optimal price point {result.optimal_price:,.2f}")
    ax.set_xlabel("price")
    ax.set_ylabel("share of respondents")
    ax.set_title("Van Westendorp price sensitivity meter")
    ax.legend()
    return ax


@dataclass(frozen=True, repr=False)
class GaborGrangerResult(SummaryDisplay):
    """Gabor-Granger demand and revenue curves from :func:`gabor_granger`.

    Attributes
    ----------
    table : pandas.DataFrame
        Per ladder price: ``n`` (answers), ``demand_raw`` (share who would buy),
        ``demand`` (isotonic, non-increasing), ``revenue`` (price x demand) and, with a unit
        cost, ``profit`` ((price - cost) x demand).
    revenue_price : float
        Ladder price of maximum revenue (the lowest one when tied).
    profit_price : float
        Ladder price of maximum profit (NaN without ``unit_cost``).
    n_respondents, n_set_aside : int
    notes : tuple of str
    """

    _html_table = "table"
    _html_notes = "notes"

    table: pd.DataFrame
    revenue_price: float
    profit_price: float
    n_respondents: int
    n_set_aside: int
    notes: tuple[str, ...] = field(default=())

    def to_frame(self) -> pd.DataFrame:
        """The demand table (a copy)."""
        return self.table.copy()

    def summary(self, alpha: float = 0.05) -> str:
        """Text summary (``alpha`` accepted for a uniform interface)."""
        lines = [f"Gabor-Granger: {self.n_respondents:,} respondents, {len(self.table)} prices"
                 + (f" ({self.n_set_aside:,} set aside)" if self.n_set_aside else ""),
                 f"  revenue-maximising price {self.revenue_price:,.2f}"]
        if np.isfinite(self.profit_price):
            lines.append(f"  profit-maximising price {self.profit_price:,.2f}")
        return "\n".join(lines + format_notes(self.notes))


def _gg_answers(answers: pd.DataFrame, cols: Sequence[str], where: str) -> pd.DataFrame:
    check_frame(answers, "answers", where=where, columns=cols)
    rid, price, buy = cols
    out = pd.DataFrame({"rid": answers[rid].to_numpy(),
                        "price": pd.to_numeric(answers[price], errors="coerce").to_numpy(),
                        "buy": pd.to_numeric(answers[buy], errors="coerce").to_numpy()},
                       index=answers.index).astype({"price": "float64", "buy": "float64"})
    bad_p = ~np.isfinite(out["price"]) | (out["price"] <= 0)
    bad_b = ~np.isfinite(out["buy"]) | (out["buy"] < 0) | (out["buy"] > 1)
    for mask, col, rule in ((bad_p, price, "a price > 0"),
                            (bad_b, buy, "0/1 or a probability in [0, 1]")):
        if mask.any():
            raise DataError(f"{where}: column {col!r} must be {rule}; {int(mask.sum())} rows "
                            f"are not (rows {format_examples(out.index[mask])}). Fix or set "
                            f"those answers aside first.")
    dup = out.duplicated(["rid", "price"])
    if dup.any():
        raise DataError(f"{where}: {int(dup.sum())} duplicate answers of a respondent at one "
                        f"price (e.g. {format_examples(out.loc[dup, 'rid'])}). Keep one "
                        f"answer per respondent and price.")
    return out


def _non_monotone(rows: pd.DataFrame) -> pd.Series:
    """Per respondent: True when an answer rises with price (would buy dearer, not cheaper)."""
    srt = rows.sort_values(["rid", "price"], kind="stable")
    rise = srt.groupby("rid", sort=False)["buy"].diff() > 1e-12
    return rise.groupby(srt["rid"], sort=False).any()


def gabor_granger(
    answers: pd.DataFrame,
    *,
    respondent_col: str = "respondent_id",
    price_col: str = "price",
    buy_col: str = "buy",
    unit_cost: float | None = None,
    invalid: str = "raise",
) -> GaborGrangerResult:
    """Gabor-Granger demand and revenue curves with isotonic (non-increasing) smoothing.

    Parameters
    ----------
    answers : pandas.DataFrame
        Long format: one row per respondent and ladder price asked, with ``buy`` as 0/1 or a
        purchase probability.  Respondents may answer different subsets of the ladder.
    respondent_col, price_col, buy_col : str
        Column names.
    unit_cost : float, optional
        Adds ``profit`` and the profit-maximising price.
    invalid : {'raise', 'drop'}
        Respondents whose answers rise with price (buy at a higher price but not at a lower
        one): refuse (default) or set aside and count.

    Returns
    -------
    GaborGrangerResult

    Raises
    ------
    DataError
        Missing columns, bad prices or answers, duplicates, or non-monotone answers.

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"respondent_id": [1, 1, 1, 2, 2, 2],
    ...                         "price": [10, 20, 30] * 2, "buy": [1, 1, 0, 1, 0, 0]})
    >>> res = gabor_granger(answers)
    >>> res.table[["demand", "revenue"]]
           demand  revenue
    price
    10.0      1.0     10.0
    20.0      0.5     10.0
    30.0      0.0      0.0
    >>> res.revenue_price
    10.0
    >>> gabor_granger(answers.assign(buy=[0, 1, 0, 1, 0, 0]))
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: gabor_granger: 1 of 2 respondents would buy at a higher price but not at a lower one (e.g. 1); answers must not increase with price. Check the coding of 'buy' (1 = would buy), or pass invalid='drop' to set them aside (counted).
    """
    from sklearn.isotonic import IsotonicRegression

    where = "gabor_granger"
    check_choice(invalid, "invalid", ["raise", "drop"], where=where)
    rows = _gg_answers(answers, [respondent_col, price_col, buy_col], where)
    flagged = _non_monotone(rows)
    bad = flagged[flagged].index
    if len(bad) and invalid == "raise":
        raise DataError(f"{where}: {len(bad)} of {len(flagged)} respondents would buy at a "
                        f"higher price but not at a lower one (e.g. {format_examples(bad)}); "
                        f"answers must not increase with price. Check the coding of "
                        f"{buy_col!r} (1 = would buy), or pass invalid='drop' to set them "
                        f"aside (counted).")
    rows = rows[~rows["rid"].isin(bad)]
    if rows.empty:
        raise DataError(f"{where}: no usable answers are left. Check the data.")
    g = rows.groupby("price", sort=True)["buy"]
    table = pd.DataFrame({"n": g.size().astype("int64"), "demand_raw": g.mean()})
    iso = IsotonicRegression(increasing=False, y_min=0.0, y_max=1.0)
    table["demand"] = iso.fit_transform(table.index.to_numpy(), table["demand_raw"].to_numpy(),
                                        sample_weight=table["n"].to_numpy(dtype="float64"))
    table["revenue"] = table.index * table["demand"]
    profit_price = float("nan")
    if unit_cost is not None:
        c = float(numeric_array(unit_cost, "unit_cost", where=where, positive=True)[0])
        table["profit"] = (table.index - c) * table["demand"]
        profit_price = float(table["profit"].idxmax())
    notes = []
    if (np.diff(table["demand_raw"].to_numpy()) > 0).any():
        notes.append("The raw shares rise with price somewhere (sampling noise across "
                     "respondents); the demand column is their isotonic smoothing.")
    if len(bad):
        notes.append(f"{len(bad)} respondents with answers rising in price were set aside.")
    if table["revenue"].idxmax() in (table.index[0], table.index[-1]):
        notes.append("Revenue peaks at the end of the ladder: the optimum may lie outside "
                     "the prices asked; extend the ladder.")
    return GaborGrangerResult(table=table, revenue_price=float(table["revenue"].idxmax()),
                              profit_price=profit_price,
                              n_respondents=int(rows["rid"].nunique()),
                              n_set_aside=len(bad), notes=tuple(notes))


def plot_gabor_granger(result: GaborGrangerResult, *, ax: Any = None) -> Any:
    """Draw the raw and smoothed demand of a :class:`GaborGrangerResult`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import pandas as pd
    >>> res = gabor_granger(pd.DataFrame({"respondent_id": [1, 1, 2, 2], "price": [1, 2] * 2,
    ...                                   "buy": [1, 0, 1, 1]}))
    >>> fig, ax = plt.subplots()
    >>> plot_gabor_granger(res, ax=ax).lines[1].get_ydata().tolist()
    [1.0, 0.5]
    >>> plt.close(fig)
    """
    if not isinstance(result, GaborGrangerResult):
        raise ParameterError(f"The 'result' parameter of plot_gabor_granger must be a "
                             f"GaborGrangerResult. Got a {type(result).__name__} instead.")
    ax = get_ax(ax, where="plot_gabor_granger")
    t = result.table
    ax.plot(t.index, t["demand_raw"], marker="o", linestyle="none", label="share who would buy")
    ax.plot(t.index, t["demand"], label="demand (isotonic)")
    ax.axvline(result.revenue_price, color="grey", linestyle="--", linewidth=1,
               label=f"revenue-maximising price {result.revenue_price:,.2f}")
    ax.set_xlabel("price")
    ax.set_ylabel("share of respondents")
    ax.set_title("Gabor-Granger demand")
    ax.legend()
    return ax
