"""Before/after with a control: difference-in-differences and the event study.

:func:`diff_in_diff` estimates the effect of a promotion (or a switch-off) that some units
(stores, regions, market areas) received from a date on, against units that did not:

- ``aggregate=True`` (the default) first averages the (log) outcome of each unit before and
  after the start, then fits ``y ~ treated + post + treated:post`` on those two rows per unit
  with standard errors clustered by unit.  Collapsing to two periods is the remedy of
  Bertrand, Duflo & Mullainathan (2004) for serially correlated outcomes, whose daily
  regressions understate the standard error many times over; it is also the analysis of
  Taddy, *Business Data Science*, ch. 5, on eBay's paid-search experiment;
- ``aggregate=False`` fits the same interaction on every row with unit and period fixed
  effects (absorbed by alternating projections, exact for a balanced panel in one sweep),
  again with standard errors clustered by unit.

:func:`event_study` replaces the single interaction with one per period relative to the
start (the period just before it is the reference), so the effect can be read week by week
and the pre-period coefficients test the parallel-trends assumption: under it they are zero,
and :attr:`EventStudyResult.pretrend` is their joint Wald test with the cluster-robust
covariance.

Cluster-robust covariances use the small-sample factor ``G/(G-1) x (N-1)/(N-K)`` of Stata and
of R's ``sandwich::vcovCL`` (``K`` counts the regressors that are not absorbed: unit effects
are nested in the clusters and are not counted, as in Stata's ``areg``/``reghdfe``).  With a
log outcome the effect is also shown as a percentage, ``exp(beta) - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_frame, check_real, format_examples, numeric_outcome, parse_date
from crmlib.exceptions import DataError, ParameterError

__all__ = ["DiDResult", "EventStudyResult", "diff_in_diff", "event_study", "plot_event_study"]


@dataclass(frozen=True, repr=False)
class DiDResult(SummaryDisplay):
    """A difference-in-differences estimate with cluster-robust inference.

    Attributes
    ----------
    estimate, std_error, ci_low, ci_high, p_value : float
        The interaction ``treated x post`` (on the log scale when ``log=True``), its
        cluster-robust standard error, ``1 - alpha`` interval (t with ``G - 1`` df) and
        two-sided p-value.
    percent, percent_low, percent_high : float
        With ``log=True``: ``exp(estimate) - 1`` and the interval's ends transformed the same
        way; NaN otherwise.
    cells : pandas.DataFrame
        The 2 x 2 table: mean (log) outcome by group (rows ``control``, ``treated``) and
        period (columns ``pre``, ``post``), with the differences.
    n_units, n_treated, n_obs : int
        Clusters (units), treated units, and rows of the regression.
    naive_before_after : float
        The treated units' change from before to after, with no control: what a before/after
        comparison would report (the trap the control removes).
    outcome : str
    log : bool
    aggregate : bool
    alpha : float
    notes : tuple of str
    """

    _html_table = "cells"
    _html_notes = "notes"
    _html_lines = 3

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    percent: float
    percent_low: float
    percent_high: float
    cells: pd.DataFrame
    n_units: int
    n_treated: int
    n_obs: int
    naive_before_after: float
    outcome: str
    log: bool
    aggregate: bool
    alpha: float
    notes: tuple[str, ...] = ()

    def incremental(self, treated_post_total: float, *, cells: int | None = None
                    ) -> tuple[float, float, float]:
        """The outcome the change added in the treated units after the start, with its interval.

        With ``log=True`` the treated post-period total is ``baseline x exp(effect)``, so the
        increment is ``total x (1 - exp(-effect))``; on the outcome's own scale it is
        ``effect x cells`` (the number of treated unit-periods after the start).

        >>> import pandas as pd
        >>> r = diff_in_diff(pd.DataFrame({"u": [1, 1, 2, 2], "d": [1, 1, 0, 0], "p": [0, 1, 0, 1],
        ...                                "y": [100.0, 120.0, 100.0, 100.0]}),
        ...                  "y", unit="u", treated="d", post="p", log=True)
        >>> round(r.incremental(120.0)[0], 6)
        20.0
        """
        ends = np.array([self.estimate, self.ci_low, self.ci_high])
        if self.log:
            return tuple(float(v) for v in treated_post_total * -np.expm1(-ends))
        if cells is None:
            raise ParameterError("DiDResult.incremental: with log=False give cells= (the "
                                 "number of treated unit-periods after the start).")
        return tuple(float(v) for v in ends * cells)

    def summary(self) -> str:
        """The estimate in words, the 2 x 2 table's message, and the notes."""
        scale = "log " if self.log else ""
        how = ("unit means before/after" if self.aggregate
               else "every row, unit and period fixed effects")
        lines = [f"Difference-in-differences of {scale}{self.outcome!r} ({how}; "
                 f"{self.n_units} units clustered, {self.n_treated} treated; "
                 f"{100 * (1 - self.alpha):g}% interval)"]
        lines.append(f"  effect = {self.estimate:+.5g} (SE {self.std_error:.3g}) "
                     f"[{self.ci_low:+.5g}, {self.ci_high:+.5g}], p = {self.p_value:.3g}")
        if self.log:
            lines.append(f"  as a percentage: {self.percent:+.2%} [{self.percent_low:+.2%}, "
                         f"{self.percent_high:+.2%}]")
        lines.append(f"  before/after in the treated units alone: {self.naive_before_after:+.5g} "
                     "(season and trend included: not an effect)")
        return "\n".join(lines + format_notes(self.notes))


@dataclass(frozen=True, repr=False)
class EventStudyResult(SummaryDisplay):
    """Effects by period relative to the start, and the pre-trend test.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by ``relative_period`` (0 = the first period from the start): ``estimate``,
        ``std_error``, ``ci_low``, ``ci_high``, ``pre`` (a period before the start) and
        ``reference`` (the period fixed at 0).
    pretrend : dict
        ``statistic``, ``df1``, ``df2``, ``p_value`` of the joint test that every pre-period
        coefficient is zero, and ``periods`` (how many were tested).  The cluster-robust
        Wald statistic ``W`` is scaled as Hotelling's T², ``W (G - q) / (q (G - 1))``
        against ``F(q, G - q)`` for ``q`` coefficients and ``G`` clusters, which holds its
        level when ``q`` is a sizeable share of ``G`` (``W / q`` against ``F(q, G - 1)``
        rejects several times too often there).
    post_mean : float
        The mean of the post-period coefficients minus the mean of the pre-period ones
        (reference included): the average effect after the start, not tied to the noise of
        the reference period alone.
    outcome : str
    log : bool
    width : object
        The length of one period.
    n_units : int
    alpha : float
    notes : tuple of str
    """

    _html_table = "table"
    _html_notes = "notes"
    _html_lines = 3

    table: pd.DataFrame
    pretrend: dict[str, float]
    post_mean: float
    outcome: str
    log: bool
    width: Any
    n_units: int
    alpha: float
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """The pre-trend verdict and the average post-period effect."""
        pt = self.pretrend
        verdict = ("no evidence against parallel trends" if pt["p_value"] >= self.alpha
                   else "PRE-TRENDS: the groups moved apart before the start")
        scale = "log " if self.log else ""
        lines = [f"Event study of {scale}{self.outcome!r}: {len(self.table)} periods of "
                 f"{self.width}, {self.n_units} units clustered, reference period "
                 f"{int(self.table.index[self.table['reference']][0])}",
                 f"  pre-trend test: F = {pt['statistic']:.3g} on ({pt['df1']:g}, {pt['df2']:g}) "
                 f"df, p = {pt['p_value']:.3g}: {verdict}",
                 f"  mean effect after the start: {self.post_mean:+.5g}"]
        return "\n".join(lines + format_notes(self.notes))

    def plot(self, *, ax: Any = None) -> Any:
        """Coefficients with their intervals against the relative period; returns the Axes."""
        return plot_event_study(self, ax=ax)


def plot_event_study(result: EventStudyResult, *, ax: Any = None) -> Any:
    """The event-study plot: one point and interval per period, the start marked.

    The pre-period points should scatter around zero; the post-period points are the effect.
    """
    from crmlib.plotting import get_ax

    if not isinstance(result, EventStudyResult):
        raise ParameterError("The 'result' parameter of plot_event_study must be an "
                             f"EventStudyResult (from event_study). Got a "
                             f"{type(result).__name__} instead.")
    ax = get_ax(ax, where="plot_event_study")
    t = result.table
    for part, colour, label in ((t[t["pre"]], "0.45", "before the start"),
                                (t[~t["pre"]], "C0", "from the start")):
        k = part.index.to_numpy(dtype=float)
        ax.errorbar(k, part["estimate"], yerr=[part["estimate"] - part["ci_low"],
                                               part["ci_high"] - part["estimate"]],
                    fmt="o", color=colour, ecolor=colour, elinewidth=1.2, capsize=2,
                    markersize=4, label=label)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(-0.5, color="C3", linestyle="--", linewidth=1)
    ax.set_xlabel(f"periods since the start ({result.width} each)")
    ax.set_ylabel(("effect on log " if result.log else "effect on ") + result.outcome)
    ax.set_title("Event study: effect by period")
    return ax


# ----------------------------------------------------------------------------- inputs


def _flag(frame: pd.DataFrame, col: str, where: str) -> np.ndarray:
    s = frame[col]
    if s.isna().any():
        raise DataError(f"{where}: column {col!r} has {int(s.isna().sum())} missing values "
                        f"(rows {format_examples(frame.index[s.isna()])}); a row's group or "
                        "period cannot be guessed. Fill or drop them first.")
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(s):
        x = s.to_numpy(dtype=float)
        if np.isin(x, (0.0, 1.0)).all():
            return x == 1.0
    raise DataError(f"{where}: column {col!r} must be 0/1 or True/False; got values "
                    f"{format_examples(pd.unique(s), 4)}. Map it to a flag first, e.g. "
                    f"frame[{col!r}] == 'yes'.")


def _outcome(frame: pd.DataFrame, col: str, log: bool, where: str) -> np.ndarray:
    y = numeric_outcome(frame, col, where=where,
                        fix="A missing day is not a zero: drop the rows (and say how many) or "
                            "fill known zeros.")
    if log:
        low = y <= 0
        if low.any():
            raise DataError(f"{where}: log=True needs a positive outcome, but {col!r} has "
                            f"{int(low.sum())} values <= 0 (rows "
                            f"{format_examples(frame.index[low])}, e.g. "
                            f"{format_examples(y[low])}). Use log=False (an effect in the "
                            "outcome's units) or aggregate to cells that are never zero.")
        y = np.log(y)
    return y


def _treated_by_unit(units: pd.Series, treated: np.ndarray, col: str, where: str) -> pd.Series:
    by = pd.Series(treated, index=units.index).groupby(units.to_numpy(), sort=True)
    mixed = by.nunique()
    mixed = mixed.index[mixed > 1].tolist()
    if mixed:
        raise DataError(f"{where}: column {col!r} must be constant within a unit, but units "
                        f"{format_examples(mixed)} have both values. A unit is treated or a "
                        "control for the whole panel; put the timing in the period instead.")
    return by.first()


def _units(frame: pd.DataFrame, col: str, where: str) -> pd.Series:
    s = frame[col]
    if s.isna().any():
        raise DataError(f"{where}: the unit column {col!r} has {int(s.isna().sum())} missing "
                        f"ids (rows {format_examples(frame.index[s.isna()])}); a row without a "
                        "unit cannot be clustered. Drop or repair them first.")
    return s


def _cluster_cov(X: np.ndarray, resid: np.ndarray, groups: np.ndarray, k_extra: int = 0
                 ) -> tuple[np.ndarray, int]:
    """Cluster-robust covariance of OLS coefficients (Stata / vcovCL small-sample factor)."""
    n, k = X.shape
    bread = np.linalg.pinv(X.T @ X)
    codes = pd.factorize(groups, sort=True)[0]
    g = int(codes.max()) + 1
    scores = np.zeros((g, k))
    np.add.at(scores, codes, X * resid[:, None])
    meat = scores.T @ scores
    factor = g / (g - 1) * (n - 1) / max(n - k - k_extra, 1)
    return factor * bread @ meat @ bread, g


def _demean(matrix: np.ndarray, codes: list[np.ndarray], tol: float = 1e-11,
            max_iter: int = 500) -> np.ndarray:
    """Project out several sets of fixed effects by alternating demeaning (exact at convergence)."""
    out = matrix.astype(float, copy=True)
    counts = [np.bincount(c) for c in codes]
    for _ in range(max_iter):
        before = out.copy()
        for c, n in zip(codes, counts, strict=True):
            sums = np.zeros((len(n), out.shape[1]))
            np.add.at(sums, c, out)
            out -= (sums / n[:, None])[c]
        if len(codes) == 1 or np.max(np.abs(out - before)) < tol * (1 + np.max(np.abs(out))):
            break
    return out


def _post_flag(frame, post, time, start, where) -> tuple[np.ndarray, Any]:
    if (post is None) == (start is None):
        raise ParameterError(f"{where}: give either post= (a 0/1 column: the row is after the "
                             "start) or start= with time= (the start date or period); got "
                             f"post={post!r}, start={start!r}.")
    if post is not None:
        return _flag(frame, post, where), None
    if time is None:
        raise ParameterError(f"{where}: start= needs time= (the column holding each row's date "
                             "or period number).")
    t, s = _time_values(frame, time, start, where)
    return t >= s, s


def _time_values(frame, time, start, where) -> tuple[np.ndarray, Any]:
    col = frame[time]
    if col.isna().any():
        raise DataError(f"{where}: the time column {time!r} has {int(col.isna().sum())} missing "
                        f"values (rows {format_examples(frame.index[col.isna()])}). Drop them "
                        "first.")
    if pd.api.types.is_datetime64_any_dtype(col):
        s = parse_date(start, "start", where=where)
        return col.to_numpy(dtype="datetime64[ns]"), np.datetime64(pd.Timestamp(s), "ns")
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        s = check_real(start, "start", where=where)
        return col.to_numpy(dtype=float), s
    raise DataError(f"{where}: the time column {time!r} must hold dates (datetime64) or period "
                    f"numbers; got dtype {col.dtype} (e.g. {format_examples(col.head(3))}). "
                    "Parse it first, e.g. pd.to_datetime(frame[time], format=...).")


# ----------------------------------------------------------------------------- estimators


def diff_in_diff(
    panel: pd.DataFrame,
    outcome: str,
    *,
    unit: str,
    treated: str,
    post: str | None = None,
    time: str | None = None,
    start: Any = None,
    log: bool = False,
    aggregate: bool = True,
    alpha: float = 0.05,
) -> DiDResult:
    """Difference-in-differences of ``outcome`` with standard errors clustered by ``unit``.

    Parameters
    ----------
    panel : pandas.DataFrame
        One row per unit and period (a day, a week), long format.
    outcome : str
        The outcome column (revenue, sales).
    unit : str
        The unit that was or was not treated (DMA, store); the clusters.
    treated : str
        0/1 or bool, constant within a unit: the unit received the change.
    post : str, optional
        0/1 or bool: the row is after the start.  Or give ``time`` and ``start``.
    time, start : optional
        The date (or period-number) column and the first treated date (or period).
    log : bool
        Analyse ``log(outcome)``: the effect is then a relative one (shown also as %).
    aggregate : bool
        True: collapse each unit to its mean before and after (two rows per unit); False:
        every row, with unit and period fixed effects (``time`` is required).
    alpha : float
        Two-sided level.

    Returns
    -------
    DiDResult

    Raises
    ------
    DataError
        Missing columns, ids or outcomes; a non-positive outcome with ``log=True``; a
        treatment that varies within a unit; no treated or no control unit; no row before or
        after the start.
    ParameterError
        Both or neither of ``post`` and ``start``; ``aggregate=False`` without ``time``.

    Notes
    -----
    Units seen only before or only after the start carry no within-unit change and are left
    out of the aggregated regression; the result's notes count them.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.DataFrame({"store": [1, 1, 2, 2, 3, 3, 4, 4],
    ...                       "promo": [1, 1, 1, 1, 0, 0, 0, 0],
    ...                       "after": [0, 1] * 4,
    ...                       "sales": [10, 14, 12, 15, 9, 10, 11, 13]})
    >>> res = diff_in_diff(panel, "sales", unit="store", treated="promo", post="after")
    >>> round(res.estimate, 3), round(res.naive_before_after, 3)
    (2.0, 3.5)
    """
    where = "diff_in_diff"
    check_frame(panel, "panel", where=where,
                columns=[outcome, unit, treated] + [c for c in (post, time) if c is not None])
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    if not aggregate and time is None:
        raise ParameterError(f"{where}: aggregate=False needs time= (the period fixed effects "
                             "are those of each row's period).")
    units = _units(panel, unit, where)
    d = _flag(panel, treated, where)
    p, _ = _post_flag(panel, post, time, start, where)
    y = _outcome(panel, outcome, log, where)
    by_unit = _treated_by_unit(units, d, treated, where)
    if by_unit.all() or not by_unit.any():
        raise DataError(f"{where}: column {treated!r} marks {'every' if by_unit.all() else 'no'} "
                        f"unit as treated ({len(by_unit)} units); a difference-in-differences "
                        "needs treated units and control units.")
    if p.all() or not p.any():
        raise DataError(f"{where}: every row is {'after' if p.all() else 'before'} the start; "
                        "the comparison needs periods on both sides of it.")
    notes: list[str] = []
    frame = pd.DataFrame({"u": units.to_numpy(), "d": d, "p": p, "y": y})
    cell = frame.groupby(["u", "p"], sort=True).agg(y=("y", "mean"), d=("d", "first"),
                                                    n=("y", "size")).reset_index()
    both = cell.groupby("u")["p"].transform("nunique") == 2
    one_sided = cell.loc[~both, "u"].unique()
    if len(one_sided):
        notes.append(f"{len(one_sided)} unit(s) seen on one side of the start only "
                     f"({format_examples(one_sided)}) carry no before/after change and are "
                     "left out.")
    cell = cell[both]
    means = cell.groupby(["d", "p"])["y"].mean()
    table = pd.DataFrame({"pre": [means.loc[(False, False)], means.loc[(True, False)]],
                          "post": [means.loc[(False, True)], means.loc[(True, True)]]},
                         index=pd.Index(["control", "treated"], name="group"))
    table["change"] = table["post"] - table["pre"]
    table.loc["treated - control"] = table.loc["treated"] - table.loc["control"]
    naive = float(table.loc["treated", "change"])
    if aggregate:
        dd, pp = cell["d"].to_numpy(float), cell["p"].to_numpy(float)
        X = np.column_stack([np.ones(len(cell)), dd, pp, dd * pp])
        yy = cell["y"].to_numpy()
        groups = cell["u"].to_numpy()
        beta = np.linalg.lstsq(X, yy, rcond=None)[0]
        cov, g = _cluster_cov(X, yy - X @ beta, groups)
        # a robust variance is >= 0; a perfect fit can leave -1e-30 of round-off
        est, se, n_obs = float(beta[3]), float(np.sqrt(max(cov[3, 3], 0.0))), len(cell)
    else:
        keep = frame["u"].isin(cell["u"]).to_numpy()
        if panel[time].isna().any():
            raise DataError(f"{where}: the time column {time!r} has missing values; every "
                            "row needs its period for the period fixed effects.")
        ucode = pd.factorize(frame["u"][keep], sort=True)[0]
        tcode = pd.factorize(panel[time].to_numpy()[keep], sort=True)[0]
        z = (frame["d"] & frame["p"]).to_numpy(float)[keep]
        M = _demean(np.column_stack([frame["y"].to_numpy()[keep], z]), [ucode, tcode])
        yy, X = M[:, 0], M[:, 1:]
        beta = np.linalg.lstsq(X, yy, rcond=None)[0]
        cov, g = _cluster_cov(X, yy - X @ beta, ucode, k_extra=int(tcode.max()))
        est, se, n_obs = float(beta[0]), float(np.sqrt(max(cov[0, 0], 0.0))), int(keep.sum())
    g = int(cell["u"].nunique())
    crit = stats.t.ppf(1 - alpha / 2, g - 1)
    low, high = est - crit * se, est + crit * se
    pval = float(2 * stats.t.sf(abs(est / se), g - 1)) if se > 0 else float("nan")
    n_treated = int(cell.loc[cell["d"], "u"].nunique())
    if min(n_treated, g - n_treated) < 10:
        notes.append(f"Only {min(n_treated, g - n_treated)} units in the smaller group: "
                     "cluster-robust standard errors are unreliable with few clusters; "
                     "read the interval as a rough guide (a wild-cluster bootstrap or a "
                     "permutation test over units is safer).")
    pct = (np.expm1([est, low, high]) if log else np.full(3, np.nan)).tolist()
    return DiDResult(estimate=est, std_error=se, ci_low=float(low), ci_high=float(high),
                     p_value=pval, percent=pct[0], percent_low=pct[1], percent_high=pct[2],
                     cells=table, n_units=g, n_treated=n_treated, n_obs=n_obs,
                     naive_before_after=naive, outcome=outcome, log=log, aggregate=aggregate,
                     alpha=alpha, notes=tuple(notes))


def event_study(
    panel: pd.DataFrame,
    outcome: str,
    *,
    unit: str,
    time: str,
    treated: str,
    start: Any,
    width: Any = None,
    log: bool = False,
    reference: int = -1,
    alpha: float = 0.05,
) -> EventStudyResult:
    """Effects period by period around the start, with a joint pre-trend test.

    Each row's period relative to the start is ``floor((time - start) / width)`` (0 = the
    first period from the start).  The (log) outcome is averaged per unit and relative
    period, then regressed on ``treated x 1[period = k]`` for every ``k`` but ``reference``,
    with unit and period fixed effects and standard errors clustered by unit.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel: one row per unit and time.
    outcome, unit, time, treated : str
        As in :func:`diff_in_diff`; ``time`` is a date or a period number.
    start : date-like or number
        The first treated date (or period).
    width : str, int or None
        The length of one relative period: a pandas timedelta string (``"7D"``) for dates,
        a number for period numbers; None is one day (``"1D"``) or 1.
    log : bool
        Analyse ``log(outcome)``.
    reference : int
        The relative period fixed at zero (default -1, the last one before the start).
    alpha : float
        Two-sided level of the intervals and of the pre-trend verdict.

    Returns
    -------
    EventStudyResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> panel = pd.DataFrame([(u, t, u < 20) for u in range(40) for t in range(8)],
    ...                      columns=["store", "week", "promo"])
    >>> panel["sales"] = 100 + 5 * panel["week"] + 10 * (panel["promo"] & (panel["week"] >= 4))
    >>> panel["sales"] += rng.normal(0, 0.1, len(panel))
    >>> es = event_study(panel, "sales", unit="store", time="week", treated="promo", start=4)
    >>> es.table["estimate"].round(0).tolist()
    [0.0, 0.0, 0.0, 0.0, 10.0, 10.0, 10.0, 10.0]
    >>> bool(es.pretrend["p_value"] > 0.05)
    True
    """
    where = "event_study"
    check_frame(panel, "panel", where=where, columns=[outcome, unit, time, treated])
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    if isinstance(reference, bool) or not isinstance(reference, (int, np.integer)):
        raise ParameterError(f"The 'reference' parameter of {where} must be an int (a relative "
                             f"period, -1 = the last before the start). Got {reference!r}.")
    units = _units(panel, unit, where)
    d = _flag(panel, treated, where)
    y = _outcome(panel, outcome, log, where)
    tvals, s = _time_values(panel, time, start, where)
    if pd.api.types.is_datetime64_any_dtype(panel[time]):
        try:
            w = pd.Timedelta("1D" if width is None else width)
        except (ValueError, TypeError) as exc:
            raise ParameterError(f"The 'width' parameter of {where} must be a timedelta such "
                                 f"as '7D' for a date column. Got {width!r}.") from exc
        if w <= pd.Timedelta(0):
            raise ParameterError(f"The 'width' parameter of {where} must be positive. Got {width!r}.")
        rel = np.floor((tvals - s) / w.to_timedelta64()).astype(int)
        w_label = str(w).replace(" 00:00:00", "")
    else:
        w = check_real(1 if width is None else width, "width", where=where, low=0,
                       low_inclusive=False)
        rel = np.floor((tvals - s) / w).astype(int)
        w_label = f"{w:g}"
    by_unit = _treated_by_unit(units, d, treated, where)
    if by_unit.all() or not by_unit.any():
        raise DataError(f"{where}: column {treated!r} marks {'every' if by_unit.all() else 'no'} "
                        "unit as treated; an event study needs treated and control units.")
    periods = np.unique(rel)
    if not (periods < 0).any() or not (periods >= 0).any():
        raise DataError(f"{where}: every row is on one side of the start (relative periods "
                        f"{int(periods.min())} to {int(periods.max())}); an event study needs "
                        "both sides.")
    if reference not in periods:
        raise ParameterError(f"The 'reference' parameter of {where} must be a relative period "
                             f"present in the data ({int(periods.min())} to "
                             f"{int(periods.max())}). Got {reference}.")
    cell = (pd.DataFrame({"u": units.to_numpy(), "k": rel, "d": d, "y": y})
            .groupby(["u", "k"], sort=True).agg(y=("y", "mean"), d=("d", "first")).reset_index())
    others = [k for k in periods if k != reference]
    kk = cell["k"].to_numpy()
    dd = cell["d"].to_numpy(float)
    inter = np.column_stack([(kk == k) * dd for k in others])
    ucode = pd.factorize(cell["u"], sort=True)[0]
    kcode = np.searchsorted(periods, kk)
    M = _demean(np.column_stack([cell["y"].to_numpy(), inter]), [ucode, kcode])
    yy, X = M[:, 0], M[:, 1:]
    beta = np.linalg.lstsq(X, yy, rcond=None)[0]
    cov, g = _cluster_cov(X, yy - X @ beta, ucode, k_extra=len(periods) - 1)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    crit = stats.t.ppf(1 - alpha / 2, g - 1)
    table = pd.DataFrame({"estimate": beta, "std_error": se}, index=pd.Index(others, name="relative_period"))
    table.loc[reference] = [0.0, 0.0]
    table = table.sort_index()
    table["ci_low"] = table["estimate"] - crit * table["std_error"]
    table["ci_high"] = table["estimate"] + crit * table["std_error"]
    table["pre"] = table.index < 0
    table["reference"] = table.index == reference
    pre_idx = [i for i, k in enumerate(others) if k < 0]
    notes: list[str] = []
    if pre_idx:
        b, V = beta[pre_idx], cov[np.ix_(pre_idx, pre_idx)]
        q = len(pre_idx)
        if q >= g:
            raise DataError(f"{where}: {q} pre-period coefficients for {g} units: the "
                            "pre-trend test needs fewer coefficients than clusters. Widen the "
                            "periods (width=) or drop early periods.")
        # the Wald statistic scaled as Hotelling's T^2: with the cluster covariance estimated
        # from G clusters, W (G - q) / (q (G - 1)) ~ F(q, G - q); the plain W / q against
        # F(q, G - 1) rejects far too often when q is a sizeable share of G
        wald = float(b @ np.linalg.pinv(V) @ b)
        stat = wald * (g - q) / (q * (g - 1))
        pre = {"statistic": stat, "df1": float(q), "df2": float(g - q),
               "p_value": float(stats.f.sf(stat, q, g - q)), "periods": q}
        if q > g / 5:
            notes.append(f"The pre-trend test has {q} coefficients for {g} clusters; with so "
                         "many it rejects more often than its level even when trends are "
                         "parallel. Wider periods (width=) give fewer, better-measured "
                         "coefficients.")
    else:
        pre = {"statistic": float("nan"), "df1": 0.0, "df2": float(g - 1),
               "p_value": float("nan"), "periods": 0}
        notes.append("Only the reference period precedes the start: there is nothing to test "
                     "parallel trends with. Use a longer pre-period.")
    counts = cell.groupby("k")["u"].nunique()
    thin = counts.index[counts < counts.max()].tolist()
    if thin:
        notes.append(f"Relative period(s) {format_examples(thin)} hold fewer units than the "
                     "others (partial periods at the panel's edges or gaps); their estimates "
                     "rest on fewer observations.")
    # the average post-period coefficient against the average pre-period one (reference
    # included): the difference-in-differences of the two averages, free of the arbitrary
    # choice of the reference period
    post_mean = float(table.loc[table.index >= 0, "estimate"].mean()
                      - table.loc[table.index < 0, "estimate"].mean())
    return EventStudyResult(table=table, pretrend=pre, post_mean=post_mean, outcome=outcome,
                            log=log, width=w_label, n_units=g, alpha=alpha, notes=tuple(notes))
