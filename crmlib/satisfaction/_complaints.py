"""Complaints: categories and resolution, the service-recovery effect, and a complaint p-chart.

- :func:`complaint_summary` — per complaint type: count, share, resolution rate and the mean
  satisfaction, recommendation and repurchase of those customers;
- :func:`service_recovery` — an outcome for no complaint / resolved / unresolved, raw and
  adjusted for overall satisfaction by OLS with one dummy per satisfaction level (the adjusted gap is what resolution itself is
  associated with);
- :func:`complaint_p_chart` — the weekly complaint rate on a p-chart: centre line the pooled
  rate ``p̄``, limits ``p̄ ± 3 sqrt(p̄ (1 - p̄) / n_week)`` (Shewhart's three-sigma rule, limits
  varying with each week's number of answers, the lower one cut at 0); a week is flagged when
  its rate is above its upper limit; :func:`expected_false_alarms` is the exact binomial
  number of weeks flagged by chance alone;
- :func:`inject_complaint_spike` — a seeded copy of a survey with a complaint spike in chosen
  weeks, to show what the chart flags, and :func:`spike_detection_power`, the expected number
  of periods the chart flags for such a spike (exact binomial convolution).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import check_columns, check_int, check_real
from crmlib.exceptions import DataError, ParameterError

__all__ = ["PChart", "complaint_p_chart", "complaint_summary", "expected_false_alarms", "inject_complaint_spike",
           "plot_p_chart", "service_recovery", "spike_detection_power"]


def _status(survey: pd.DataFrame, *, where: str) -> pd.Series:
    check_columns(survey.columns, ["complaint", "complaint_resolved"], where=where)
    c = survey["complaint"].astype(bool)
    r = survey["complaint_resolved"].astype(bool)
    if (r & ~c).any():
        raise DataError(f"{where}: {int((r & ~c).sum())} rows have complaint_resolved without a complaint; fix them.")
    return pd.Series(np.where(~c, "no complaint", np.where(r, "resolved", "unresolved")), index=survey.index,
                     name="complaint_status")


def complaint_summary(survey: pd.DataFrame, *, type_col: str = "complaint_type",
                      outcomes: Sequence[str] = ("overall_satisfaction", "nps", "repurchased_90d")) -> pd.DataFrame:
    """Per complaint type (and 'none'): n, share of respondents, resolution rate, outcome means."""
    where = "complaint_summary"
    check_columns(survey.columns, [type_col, "complaint_resolved", *outcomes], where=where)
    g = survey.groupby(survey[type_col].astype(str), observed=True)
    out = pd.DataFrame({"n": g.size(), "share": g.size() / len(survey),
                        "resolved_rate": g["complaint_resolved"].mean()})
    for o in outcomes:
        out[f"mean_{o}"] = g[o].mean()
    out.loc[out.index == "none", "resolved_rate"] = np.nan
    return out.sort_values("n", ascending=False)


def service_recovery(survey: pd.DataFrame, outcome: str, *, satisfaction: str | None = "overall_satisfaction",
                     alpha: float = 0.05) -> pd.DataFrame:
    """The outcome by complaint status, raw and adjusted for satisfaction.

    Rows: ``no complaint``, ``resolved``, ``unresolved``.  Columns: ``n``, ``mean`` and its
    interval, ``raw_gap`` (mean minus the no-complaint mean) and, when ``satisfaction`` is
    given, ``adjusted_gap`` with its standard error and interval: the OLS coefficients of the status indicators in
    ``outcome ~ resolved + unresolved + one dummy per satisfaction level`` (HC1 standard
    errors): the gap between customers who gave the same satisfaction score, with no
    straight-line assumption about how the outcome follows satisfaction.
    """
    import statsmodels.api as sm

    where = "service_recovery"
    z = critical_value(alpha, where=where)
    check_columns(survey.columns, [outcome] + ([satisfaction] if satisfaction else []), where=where)
    status = _status(survey, where=where)
    y = survey[outcome].astype(float)
    order = ["no complaint", "resolved", "unresolved"]
    g = y.groupby(status)
    out = pd.DataFrame({"n": g.size(), "mean": g.mean(), "sd": g.std()}).reindex(order)
    out["low"] = out["mean"] - z * out["sd"] / np.sqrt(out["n"])
    out["high"] = out["mean"] + z * out["sd"] / np.sqrt(out["n"])
    out["raw_gap"] = out["mean"] - out.loc["no complaint", "mean"]
    if satisfaction:
        levels = pd.get_dummies(survey[satisfaction].astype(float), prefix="level", drop_first=True, dtype=float)
        x = pd.concat([pd.DataFrame({"const": 1.0, "resolved": (status == "resolved").astype(float),
                                     "unresolved": (status == "unresolved").astype(float)}, index=survey.index),
                       levels], axis=1)
        fit = sm.OLS(y, x).fit(cov_type="HC1")
        out["adjusted_gap"] = [0.0, fit.params["resolved"], fit.params["unresolved"]]
        out["adjusted_se"] = [0.0, fit.bse["resolved"], fit.bse["unresolved"]]
        out["adjusted_low"] = [0.0, fit.params["resolved"] - z * fit.bse["resolved"],
                               fit.params["unresolved"] - z * fit.bse["unresolved"]]
        out["adjusted_high"] = [0.0, fit.params["resolved"] + z * fit.bse["resolved"],
                                fit.params["unresolved"] + z * fit.bse["unresolved"]]
    return out.drop(columns="sd")


@dataclass(frozen=True, repr=False)
class PChart(SummaryDisplay):
    """Weekly complaint rates with the p-chart's centre line, limits and flagged weeks."""

    table: pd.DataFrame
    centre: float
    sigma: float
    expected_false_alarms: float
    notes: tuple[str, ...] = ()
    min_answers: int = 5
    freq: str = "W-SUN"
    _html_notes = "notes"

    @property
    def flagged(self) -> pd.DataFrame:
        return self.table[self.table["flagged"]]

    @property
    def _unit(self) -> str:
        return "week" if self.freq.upper().startswith("W") else "month" if self.freq.upper().startswith("M") else "period"

    def summary(self) -> str:
        return "\n".join([
            f"p-chart of {self._unit}ly complaint rates: {len(self.table)} {self._unit}s, centre {self.centre:.1%}, "
            f"limits at ±{self.sigma:g} sigma (varying with each {self._unit}'s answers)",
            f"  {self._unit}s above the upper limit: {len(self.flagged)} "
            f"(expected by chance alone: {self.expected_false_alarms:.2f})",
        ] + format_notes(self.notes))


def complaint_p_chart(survey: pd.DataFrame, *, date_col: str = "survey_date", flag_col: str = "complaint",
                      freq: str = "W-SUN", sigma: float = 3.0, baseline_end: object = None,
                      min_answers: int = 5) -> PChart:
    """The weekly complaint rate on a p-chart (Shewhart's three-sigma rule).

    The centre line is the pooled rate of the weeks up to ``baseline_end`` (all weeks when
    None); each week's limits are ``p̄ ± sigma * sqrt(p̄ (1 - p̄) / n_week)``, the lower cut at
    0.  Weeks with fewer than ``min_answers`` answers are shown but never flagged.
    ``freq`` is a pandas period frequency: weeks Monday to Sunday, labelled by their Sunday, by
    default (``"M"`` for months, labelled by their last day).
    """
    where = "complaint_p_chart"
    check_columns(survey.columns, [date_col, flag_col], where=where)
    k = check_real(sigma, "sigma", where=where, low=0, low_inclusive=False)
    check_int(min_answers, "min_answers", where=where, low=1)
    dates = pd.to_datetime(survey[date_col])
    if dates.isna().any():
        raise DataError(f"{where}: {int(dates.isna().sum())} rows have no {date_col!r}; drop or fix them.")
    flag = survey[flag_col].astype(bool).to_numpy()
    week = dates.dt.to_period(freq).dt.end_time.dt.normalize()
    g = pd.DataFrame({"week": week.to_numpy(), "c": flag}).groupby("week")
    t = pd.DataFrame({"answers": g.size(), "complaints": g["c"].sum().astype(int)})
    t["rate"] = t["complaints"] / t["answers"]
    base = t if baseline_end is None else t[t.index <= pd.Timestamp(baseline_end)]
    if base.empty:
        raise ParameterError(f"{where}: no weeks up to baseline_end={baseline_end!r}; the first week is {t.index.min().date()}.")
    p = float(base["complaints"].sum() / base["answers"].sum())
    half = k * np.sqrt(p * (1 - p) / t["answers"])
    t["centre"] = p
    t["lcl"] = np.clip(p - half, 0, None)
    t["ucl"] = p + half
    t["flagged"] = (t["rate"] > t["ucl"]) & (t["answers"] >= min_answers)
    t.index.name = "week"
    efa = expected_false_alarms(t["answers"].to_numpy(), p, t["ucl"].to_numpy(), min_answers=min_answers)
    notes = []
    small = int((t["answers"] < min_answers).sum())
    if small:
        unit = "week" if freq.upper().startswith("W") else "month" if freq.upper().startswith("M") else "period"
        notes.append(f"{small} {unit}s have fewer than {min_answers} answers: shown, never flagged.")
    return PChart(t, p, k, efa, tuple(notes), min_answers, freq)


def expected_false_alarms(answers: np.ndarray, p: float, ucl: np.ndarray, *, min_answers: int = 1) -> float:
    """Expected number of weeks above their upper limit when the true rate is ``p`` every week.

    >>> round(expected_false_alarms(np.array([100]), 0.1, np.array([0.19])), 4)
    0.0021
    """
    from scipy import stats

    n = np.asarray(answers, dtype=int)
    limit = np.floor(np.asarray(ucl) * n + 1e-9)  # complaints above the limit: count > ucl * n
    prob = stats.binom.sf(limit, n, p)
    return float(prob[n >= min_answers].sum())


def inject_complaint_spike(survey: pd.DataFrame, *, start: object, weeks: int = 2, rate: float = 0.45,
                           seed: int = 0, date_col: str = "survey_date") -> pd.DataFrame:
    """A copy of ``survey`` whose complaint rate is raised to ``rate`` in ``weeks`` weeks from ``start``.

    Respondents without a complaint in those weeks are turned into (unresolved) complainers at
    random with the probability that brings the expected rate to ``rate``; everything else is
    unchanged.  The copy's ``attrs['spike']`` records the window, to check what a chart flags.
    """
    where = "inject_complaint_spike"
    check_int(weeks, "weeks", where=where, low=1)
    r = check_real(rate, "rate", where=where, low=0, high=1)
    check_int(seed, "seed", where=where, low=0)
    check_columns(survey.columns, [date_col, "complaint", "complaint_resolved"], where=where)
    t0 = pd.Timestamp(start)
    t1 = t0 + pd.Timedelta(weeks=weeks)
    out = survey.copy()
    dates = pd.to_datetime(out[date_col])
    inside = ((dates >= t0) & (dates < t1)).to_numpy()
    if not inside.any():
        raise ParameterError(f"{where}: no answers between {t0.date()} and {t1.date()}; the survey runs from "
                             f"{dates.min().date()} to {dates.max().date()}.")
    c = out["complaint"].astype(bool).to_numpy()
    base = c[inside].mean()
    if r <= base:
        raise ParameterError(f"{where}: rate={r} is not above the window's complaint rate ({base:.3f}); a spike must raise it.")
    p_new = (r - base) / (1 - base)
    rng = np.random.default_rng(seed)
    turn = inside & ~c & (rng.random(len(out)) < p_new)
    out["complaint"] = c | turn
    out["complaint_resolved"] = out["complaint_resolved"].astype(bool).to_numpy() & ~turn
    if "complaint_type" in out.columns:
        col = out["complaint_type"].astype(str).to_numpy().copy()
        col[turn] = "product_defect"
        out["complaint_type"] = pd.Categorical(col) if isinstance(survey["complaint_type"].dtype, pd.CategoricalDtype) else col
    out.attrs["spike"] = {"start": t0, "end": t1, "rate": r, "added": int(turn.sum())}
    return out


def plot_p_chart(chart: PChart, *, ax=None):
    """Draw a :class:`PChart`: the rates per period, centre line, upper limit, flagged weeks in red."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    t = chart.table
    ax.plot(t.index, t["rate"], marker=".", lw=0.8, color="tab:blue", label=f"{chart._unit}ly complaint rate")
    ax.plot(t.index, t["ucl"], color="tab:red", lw=0.8, ls="--", label=f"upper limit ({chart.sigma:g} sigma)")
    ax.axhline(chart.centre, color="grey", lw=1, label="centre line")
    f = chart.flagged
    ax.scatter(f.index, f["rate"], color="tab:red", zorder=3, label="flagged")
    ax.set_ylabel("share of respondents complaining")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def spike_detection_power(chart: PChart, survey: pd.DataFrame, *, start: object, weeks: int, rate: float,
                          base_rate: float, date_col: str = "survey_date", freq: str = "W-SUN") -> float:
    """Expected number of periods of ``chart`` flagged when a spike of ``rate`` runs ``weeks`` from ``start``.

    In each period the complaint count is the sum of a binomial over the answers inside the
    spike (at ``rate``) and one over the others (at ``base_rate``); the probability that it
    exceeds the period's upper limit is summed over the periods (the exact distribution of
    the sum, by convolution).  ``chart`` must use the same ``freq``.
    """
    from scipy import stats

    check_int(weeks, "weeks", where="spike_detection_power", low=1)
    dates = pd.to_datetime(survey[date_col])
    t0 = pd.Timestamp(start)
    inside = (dates >= t0) & (dates < t0 + pd.Timedelta(weeks=weeks))
    period = dates.dt.to_period(freq).dt.end_time.dt.normalize()
    counts = pd.DataFrame({"period": period, "inside": inside}).groupby("period")["inside"].agg(["sum", "size"])
    total = 0.0
    for week, (n_in, n) in counts[counts["sum"] > 0].iterrows():
        if week not in chart.table.index or not n >= 1:
            continue
        limit = int(np.floor(chart.table.loc[week, "ucl"] * n + 1e-9))
        pmf = np.convolve(stats.binom.pmf(np.arange(n_in + 1), n_in, rate),
                          stats.binom.pmf(np.arange(n - n_in + 1), n - n_in, base_rate))
        if chart.table.loc[week, "answers"] >= chart.min_answers:
            total += float(pmf[limit + 1:].sum())
    return total
