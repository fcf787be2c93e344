"""CSAT and NPS with their intervals, the margin of error at a sample size, group comparisons.

The NPS is the share of promoters (9-10) minus the share of detractors (0-6), in points
(-100 to 100).  Both shares come from one multinomial sample, so its variance is known in
closed form: ``Var = (p_P + p_D - (p_P - p_D)^2) / n`` (a difference of two multinomial
proportions, whose covariance is ``-p_P p_D / n``).  CSAT is a top-box share with a Wilson
interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import check_columns, check_int, check_real
from crmlib.exceptions import DataError, ParameterError

__all__ = ["GroupComparison", "NPSResult", "ShareResult", "compare_groups", "csat", "expected_nps", "nps",
           "nps_by_group", "nps_margin_of_error", "nps_sample_size"]


def _scores(values: object, *, where: str, low: float, high: float, name: str) -> np.ndarray:
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise DataError(f"{where}: the {name} answers must be numbers from {low:g} to {high:g}; got dtype {s.dtype}.")
    x = s.dropna().to_numpy(dtype=float)
    if len(x) == 0:
        raise DataError(f"{where}: no {name} answers (all {len(s)} missing). Check the column.")
    bad = (x < low) | (x > high) | (x != np.round(x))
    if bad.any():
        raise DataError(f"{where}: {int(bad.sum())} {name} answers are not whole numbers from {low:g} to {high:g} "
                        f"(e.g. {sorted(set(x[bad].tolist()))[:3]}). Check the scale of the column.")
    return x


@dataclass(frozen=True, repr=False)
class NPSResult(SummaryDisplay):
    """The NPS (points) with its standard error and interval, and the three shares."""

    nps: float
    se: float
    low: float
    high: float
    promoters: float
    passives: float
    detractors: float
    n: int
    level: float
    table: pd.DataFrame

    def margin_at(self, n: int) -> float:
        """The half-width (points) of the interval at a sample of ``n`` with these shares."""
        return nps_margin_of_error(n, self.promoters, self.detractors, alpha=1 - self.level)

    def summary(self) -> str:
        return (f"NPS = {self.nps:+.1f} points ({self.level:.0%} interval {self.low:+.1f} to {self.high:+.1f}; "
                f"se {self.se:.1f}), {self.promoters:.1%} promoters, {self.passives:.1%} passives, "
                f"{self.detractors:.1%} detractors, n = {self.n:,}")


def nps(values: object, *, alpha: float = 0.05) -> NPSResult:
    """Net Promoter Score of 0-10 answers, in points, with its closed-form interval.

    >>> r = nps([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
    >>> r.nps, round(r.se, 2)
    (20.0, 27.57)
    """
    where = "nps"
    z = critical_value(alpha, where=where)
    x = _scores(values, where=where, low=0, high=10, name="0-10 recommendation")
    n = len(x)
    pp, pd_ = float((x >= 9).mean()), float((x <= 6).mean())
    est = 100 * (pp - pd_)
    se = 100 * np.sqrt(max(pp + pd_ - (pp - pd_) ** 2, 0.0) / n)
    table = pd.DataFrame({"share": [pp, 1 - pp - pd_, pd_], "count": [int((x >= 9).sum()), int(((x > 6) & (x < 9)).sum()),
                                                                      int((x <= 6).sum())]},
                         index=["promoters", "passives", "detractors"])
    return NPSResult(est, float(se), est - z * se, est + z * se, pp, 1 - pp - pd_, pd_, n, 1 - alpha, table)


def expected_nps(mean: object, sd: float) -> float:
    """Expected NPS (points) of 0-10 answers that are a normal score rounded and clipped.

    Each respondent's unrounded score is normal with their ``mean`` (an array) and a common
    ``sd``; rounding makes them a promoter from 8.5 up and a detractor below 6.5 (clipping to
    0-10 changes neither).  A tool for simulation and for checking a model of recommendation.

    >>> round(expected_nps([8.5, 6.5], 1.0), 6)
    0.0
    """
    from scipy import stats

    s = check_real(sd, "sd", where="expected_nps", low=0, low_inclusive=False)
    m = np.asarray(mean, dtype=float)
    return float(100 * np.mean(stats.norm.sf((8.5 - m) / s) - stats.norm.cdf((6.5 - m) / s)))


def nps_margin_of_error(n: int, promoters: float, detractors: float, *, alpha: float = 0.05) -> float:
    """Half-width (points) of the NPS interval for a sample of ``n`` with the given shares.

    >>> round(nps_margin_of_error(400, 0.4, 0.2), 2)
    7.33
    """
    where = "nps_margin_of_error"
    check_int(n, "n", where=where, low=1)
    p = check_real(promoters, "promoters", where=where, low=0, high=1)
    d = check_real(detractors, "detractors", where=where, low=0, high=1)
    if p + d > 1:
        raise ParameterError(f"{where}: promoters + detractors must be at most 1. Got {p} + {d} = {p + d}.")
    return float(100 * critical_value(alpha, where=where) * np.sqrt((p + d - (p - d) ** 2) / n))


def nps_sample_size(margin: float, promoters: float, detractors: float, *, alpha: float = 0.05) -> int:
    """Smallest sample whose NPS interval half-width is at most ``margin`` points.

    >>> nps_sample_size(5.0, 0.4, 0.2)
    861
    """
    where = "nps_sample_size"
    m = check_real(margin, "margin", where=where, low=0, low_inclusive=False)
    var = promoters + detractors - (promoters - detractors) ** 2
    return int(np.ceil((100 * critical_value(alpha, where=where)) ** 2 * var / m**2))


@dataclass(frozen=True, repr=False)
class ShareResult(SummaryDisplay):
    """A top-box share (CSAT) with its Wilson interval."""

    share: float
    low: float
    high: float
    n: int
    top: float
    level: float
    table: pd.DataFrame

    def margin_at(self, n: int) -> float:
        """Half-width of the normal interval of this share at a sample of ``n``."""
        check_int(n, "n", where="ShareResult.margin_at", low=1)
        return float(critical_value(1 - self.level) * np.sqrt(self.share * (1 - self.share) / n))

    def summary(self) -> str:
        return (f"CSAT (share answering {self.top:g} or more) = {self.share:.1%} ({self.level:.0%} Wilson interval "
                f"{self.low:.1%} to {self.high:.1%}), n = {self.n:,}")


def csat(values: object, *, top: float, scale: tuple[float, float] = (1, 10), alpha: float = 0.05) -> ShareResult:
    """Customer satisfaction score: the share of answers at ``top`` or above, Wilson interval.

    >>> round(csat([10, 9, 8, 7, 9, 10, 4, 9], top=9).share, 3)
    0.625
    """
    where = "csat"
    z = critical_value(alpha, where=where)
    lo_s, hi_s = scale
    t = check_real(top, "top", where=where, low=lo_s, high=hi_s)
    x = _scores(values, where=where, low=lo_s, high=hi_s, name=f"{lo_s:g}-{hi_s:g} satisfaction")
    n, k = len(x), int((x >= t).sum())
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    table = pd.DataFrame({"share": [p], "low": [centre - half], "high": [centre + half], "n": [n]}, index=["CSAT"])
    return ShareResult(p, float(centre - half), float(centre + half), n, t, 1 - alpha, table)


def nps_by_group(frame: pd.DataFrame, nps_col: str, by: str, *, alpha: float = 0.05) -> pd.DataFrame:
    """NPS with its interval per group, and the chi-square test of the three shares by group.

    The returned frame has one row per group (``n``, the shares, ``nps``, ``low``, ``high``);
    ``attrs`` hold the chi-square statistic, its p-value and Cramér's V.
    """
    where = "nps_by_group"
    check_columns(frame.columns, [nps_col, by], where=where)
    rows = {}
    for g, part in frame.groupby(by, observed=True, sort=True):
        r = nps(part[nps_col], alpha=alpha)
        rows[g] = {"n": r.n, "promoters": r.promoters, "passives": r.passives, "detractors": r.detractors,
                   "nps": r.nps, "low": r.low, "high": r.high}
    out = pd.DataFrame.from_dict(rows, orient="index")
    counts = np.column_stack([out["n"] * out[c] for c in ("promoters", "passives", "detractors")]).round()
    chi = _chi_square(counts)
    out.attrs.update(chi)
    return out


def _chi_square(counts: np.ndarray) -> dict:
    from scipy import stats

    counts = counts[:, counts.sum(axis=0) > 0]
    counts = counts[counts.sum(axis=1) > 0]
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        return {"chi2": float("nan"), "dof": 0, "p_value": float("nan"), "cramers_v": float("nan")}
    chi2, p, dof, _ = stats.chi2_contingency(counts, correction=False)
    n = counts.sum()
    v = np.sqrt(chi2 / (n * (min(counts.shape) - 1)))
    return {"chi2": float(chi2), "dof": int(dof), "p_value": float(p), "cramers_v": float(v)}


@dataclass(frozen=True, repr=False)
class GroupComparison(SummaryDisplay):
    """A score compared across groups: means, ANOVA with eta², Kruskal-Wallis with epsilon²."""

    table: pd.DataFrame
    tests: pd.DataFrame
    value: str
    by: str
    notes: tuple[str, ...] = ()
    _html_notes = "notes"

    def summary(self) -> str:
        a, k = self.tests.loc["anova"], self.tests.loc["kruskal"]
        return "\n".join([
            f"{self.value} by {self.by}: {len(self.table)} groups, n = {int(self.table['n'].sum()):,}",
            f"  one-way ANOVA F = {a['statistic']:.2f}, p = {a['p_value']:.3g}, eta² = {a['effect_size']:.4f}",
            f"  Kruskal-Wallis H = {k['statistic']:.2f}, p = {k['p_value']:.3g}, epsilon² = {k['effect_size']:.4f}",
        ] + format_notes(self.notes))


def compare_groups(frame: pd.DataFrame, value: str, by: str, *, alpha: float = 0.05) -> GroupComparison:
    """Compare a score across groups: one-way ANOVA (eta²) and Kruskal-Wallis (epsilon²).

    ``eta² = SS_between / SS_total``; ``epsilon² = H / (n - 1)`` (Tomczak & Tomczak 2014).
    The group table has n, mean, its normal interval and the median.

    >>> df = pd.DataFrame({"s": [1, 2, 3, 7, 8, 9], "g": list("aaabbb")})
    >>> round(float(compare_groups(df, "s", "g").tests.loc["anova", "effect_size"]), 3)
    0.931
    """
    from scipy import stats

    where = "compare_groups"
    z = critical_value(alpha, where=where)
    check_columns(frame.columns, [value, by], where=where)
    s = frame[[value, by]].dropna()
    if not pd.api.types.is_numeric_dtype(s[value]):
        raise DataError(f"{where}: {value!r} must be numeric; got dtype {s[value].dtype}.")
    groups = {g: part[value].to_numpy(dtype=float) for g, part in s.groupby(by, observed=True, sort=True)}
    if len(groups) < 2:
        raise DataError(f"{where}: {by!r} has {len(groups)} group with answers; a comparison needs at least 2.")
    tiny = [g for g, v in groups.items() if len(v) < 2]
    if tiny:
        raise DataError(f"{where}: groups {tiny} of {by!r} have fewer than 2 answers; merge or drop them.")
    table = pd.DataFrame({g: {"n": len(v), "mean": v.mean(), "low": v.mean() - z * v.std(ddof=1) / np.sqrt(len(v)),
                              "high": v.mean() + z * v.std(ddof=1) / np.sqrt(len(v)), "median": np.median(v)}
                          for g, v in groups.items()}).T
    table["n"] = table["n"].astype(int)
    allv = np.concatenate(list(groups.values()))
    n = len(allv)
    f, p_f = stats.f_oneway(*groups.values())
    ss_b = sum(len(v) * (v.mean() - allv.mean()) ** 2 for v in groups.values())
    ss_t = ((allv - allv.mean()) ** 2).sum()
    h, p_h = stats.kruskal(*groups.values())
    tests = pd.DataFrame({"statistic": [float(f), float(h)], "p_value": [float(p_f), float(p_h)],
                          "effect_size": [float(ss_b / ss_t), float(h / (n - 1))],
                          "effect": ["eta²", "epsilon²"]}, index=["anova", "kruskal"])
    notes = []
    if tests["p_value"].max() < alpha and tests["effect_size"].max() < 0.01:
        notes.append("The differences are significant but tiny (effect size below 0.01): large samples make "
                     "small gaps significant.")
    return GroupComparison(table, tests, value, by, tuple(notes))
