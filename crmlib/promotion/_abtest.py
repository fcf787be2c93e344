"""A/B analysis of a randomised test: sample-ratio check, arm comparisons, CUPED, corrections.

:func:`ab_test` compares every arm with the control on one metric:

- a 0/1 metric (conversion, visit) gets the difference in proportions with Newcombe's
  interval and the pooled two-proportion z test;
- any other metric (spend, revenue) gets the difference in means with Welch's interval and
  test;
- with a ``covariate`` (the same metric before the test), CUPED: the metric minus
  ``theta x (covariate - its mean)``, ``theta = cov(metric, covariate) / var(covariate)`` over
  all units, and Welch on the adjusted metric.  The covariate must be measured before
  assignment, so it is independent of the arm and the adjustment leaves the effect unbiased
  while it removes the share ``rho^2`` of the variance;
- the relative lift ``treatment / control - 1`` with a delta-method interval;
- p-values adjusted for the several arms (Holm or Benjamini-Hochberg);
- a sample-ratio-mismatch test first (:func:`srm_test`): when the arms' sizes do not match
  the planned split, randomisation or logging is broken and the comparison is not read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from crmlib._results import SummaryDisplay, format_notes
from crmlib._validation import check_choice, check_frame, check_int, check_real, format_examples
from crmlib.exceptions import DataError, ParameterError
from crmlib.promotion._intervals import (
    lift_interval,
    newcombe_interval,
    pooled_z_test,
    welch_interval,
    wilson_interval,
)

__all__ = ["ABTestResult", "SRMResult", "ab_test", "srm_test"]


@dataclass(frozen=True, repr=False)
class SRMResult(SummaryDisplay):
    """Sample-ratio-mismatch test: observed arm sizes against the planned shares.

    Attributes
    ----------
    table : pandas.DataFrame
        Per arm: ``observed``, ``expected`` (units), ``planned_share`` and ``observed_share``.
    chi2, df, p_value : float
        Pearson's goodness-of-fit test.
    alpha : float
        The level below which a mismatch is declared (0.001 by default: the test is run on
        every experiment, so it must rarely cry wolf).
    mismatch : bool
    """

    _html_table = "table"

    table: pd.DataFrame
    chi2: float
    df: int
    p_value: float
    alpha: float
    mismatch: bool

    def summary(self) -> str:
        """One line: the verdict and the test."""
        verdict = ("SAMPLE-RATIO MISMATCH: do not read the results until it is explained"
                   if self.mismatch else "arm sizes match the planned split")
        return (f"Sample-ratio check: {verdict} (chi2 = {self.chi2:.2f} on {self.df} df, "
                f"p = {self.p_value:.3g}, alpha = {self.alpha:g})")


def srm_test(counts: Mapping[Any, int] | pd.Series, planned: Mapping[Any, float] | pd.Series,
             *, alpha: float = 0.001) -> SRMResult:
    """Test the arms' sizes against the planned allocation (chi-square goodness of fit).

    Parameters
    ----------
    counts : mapping or Series
        Units per arm.
    planned : mapping or Series
        Planned share (or any positive weight) per arm, same arms; normalised to sum to 1.
    alpha : float
        Level of the test (default 0.001).

    Returns
    -------
    SRMResult

    Raises
    ------
    DataError
        Arms that differ between ``counts`` and ``planned``, negative counts, no units.
    ParameterError
        A planned share that is not > 0, fewer than two arms, ``alpha`` outside (0, 1).

    Examples
    --------
    A 50/50 test that logged 5,210 treatment and 4,790 control units:

    >>> srm_test({"treatment": 5210, "control": 4790}, {"treatment": 0.5, "control": 0.5})
    Sample-ratio check: SAMPLE-RATIO MISMATCH: do not read the results until it is explained (chi2 = 17.64 on 1 df, p = 2.67e-05, alpha = 0.001)
    """
    where = "srm_test"
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    obs, plan = pd.Series(counts, dtype="float64"), pd.Series(planned, dtype="float64")
    if set(obs.index) != set(plan.index):
        raise DataError(f"{where}: the arms of the counts {sorted(map(str, obs.index))} and of "
                        f"the plan {sorted(map(str, plan.index))} differ. Give a planned "
                        "share for every arm that has units, and only for those.")
    if len(obs) < 2:
        raise ParameterError(f"{where}: a test needs at least two arms; got {len(obs)}.")
    if (plan <= 0).any() or not np.isfinite(plan).all():
        raise ParameterError(f"{where}: planned shares must be > 0; got "
                             f"{format_examples(plan[plan <= 0].tolist())}.")
    if (obs < 0).any() or obs.sum() == 0:
        raise DataError(f"{where}: arm sizes must be >= 0 with at least one unit; got "
                        f"{obs.to_dict()}.")
    plan = plan.reindex(obs.index) / plan.sum()
    expected = plan * obs.sum()
    chi2 = float(((obs - expected) ** 2 / expected).sum())
    df = len(obs) - 1
    p = float(stats.chi2.sf(chi2, df))
    table = pd.DataFrame({"observed": obs.astype("int64"), "expected": expected,
                          "planned_share": plan, "observed_share": obs / obs.sum()})
    table.index.name = "arm"
    return SRMResult(table=table, chi2=chi2, df=df, p_value=p, alpha=alpha,
                     mismatch=bool(p < alpha))


@dataclass(frozen=True, repr=False)
class ABTestResult(SummaryDisplay):
    """Every arm against the control on one metric.

    Attributes
    ----------
    arms : pandas.DataFrame
        Per arm: ``n``, ``mean`` (the rate for a 0/1 metric), ``ci_low``/``ci_high`` (Wilson
        or t interval), ``std`` and, with CUPED, ``adjusted_mean``.
    comparisons : pandas.DataFrame
        Per treatment arm: ``difference`` (absolute, treatment - control), ``ci_low``,
        ``ci_high``, ``relative_lift`` with ``lift_low``/``lift_high``, ``p_value``,
        ``p_adjusted`` (for the number of arms) and ``significant`` (adjusted p < alpha).
    srm : SRMResult or None
        The sample-ratio check (None when no plan was given and there is one arm pair
        with no stated split).
    metric, kind : str
        The metric column and ``'proportion'`` or ``'mean'``.
    control : object
        The control arm.
    alpha : float
    correction : str
    variance_reduction : float or None
        With CUPED: ``1 - var(adjusted) / var(metric)`` over all units.
    theta : float or None
        With CUPED: the adjustment coefficient.
    notes : tuple of str
    """

    _html_table = "comparisons"
    _html_notes = "notes"
    _html_lines = 3

    arms: pd.DataFrame
    comparisons: pd.DataFrame
    srm: SRMResult | None
    metric: str
    kind: str
    control: Any
    alpha: float
    correction: str
    variance_reduction: float | None = None
    theta: float | None = None
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        """The test in words: the SRM verdict, then one line per treatment arm."""
        what = "rate" if self.kind == "proportion" else "mean"
        head = [f"A/B test of {self.metric!r} ({what}; every arm against {self.control!r}, "
                f"{100 * (1 - self.alpha):g}% intervals, {self.correction} correction)"]
        head.append("  " + (self.srm.summary() if self.srm is not None
                            else "Sample-ratio check: not run (no planned split given)"))
        if self.variance_reduction is not None:
            head.append(f"  CUPED: variance reduced by {self.variance_reduction:.1%} "
                        f"(theta = {self.theta:.4g})")
        c0 = self.arms.loc[self.control, "mean"]
        for arm, row in self.comparisons.iterrows():
            t = self.arms.loc[arm, "mean"]
            fmt = (lambda v: f"{v:.2%}") if self.kind == "proportion" else (lambda v: f"{v:.4g}")
            diff = (f"{row['difference'] * 100:+.2f} pp [{row['ci_low'] * 100:+.2f}, "
                    f"{row['ci_high'] * 100:+.2f}]" if self.kind == "proportion" else
                    f"{row['difference']:+.4g} [{row['ci_low']:+.4g}, {row['ci_high']:+.4g}]")
            lift = ("lift n/a" if not np.isfinite(row["relative_lift"])
                    else f"lift {row['relative_lift']:+.1%}")
            sig = "significant" if row["significant"] else "not significant"
            head.append(f"  {arm}: {fmt(t)} vs {fmt(c0)}: {diff}, {lift}, adjusted p = "
                        f"{row['p_adjusted']:.3g} ({sig})")
        return "\n".join(head + format_notes(self.notes))


def _is_binary(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return True
    return bool(np.isin(values.to_numpy(dtype="float64"), (0.0, 1.0)).all())


def _metric(frame: pd.DataFrame, col: str, where: str) -> np.ndarray:
    s = frame[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        raise DataError(f"{where}: column {col!r} must be numeric or 0/1; got dtype {s.dtype} "
                        f"(e.g. {format_examples(s.head(3))}). Convert it first.")
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(x)
    if bad.any():
        raise DataError(f"{where}: column {col!r} has {int(bad.sum())} missing or infinite "
                        f"values of {len(x)} (rows {format_examples(frame.index[bad])}). A unit "
                        "without an outcome is not a zero: fill it only if it truly is one "
                        "(no purchase = 0 spend), else drop it and report how many.")
    return x


def ab_test(
    frame: pd.DataFrame,
    metric: str,
    *,
    group_col: str = "group",
    control: Any = "control",
    kind: str | None = None,
    covariate: str | None = None,
    planned: Mapping[Any, float] | None = None,
    planned_n: int | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    srm_alpha: float = 0.001,
) -> ABTestResult:
    """Compare every arm with the control on one metric; check the split first.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per randomised unit (customer).
    metric : str
        The outcome column: 0/1 (converted) or a number (revenue).
    group_col : str
        The arm of each unit.
    control : object
        The control arm's label (default ``'control'``).
    kind : {'proportion', 'mean'} or None
        None chooses ``'proportion'`` for a 0/1 metric, else ``'mean'``.
    covariate : str or None
        A pre-period covariate for CUPED (e.g. spend in the month before); the comparison
        is then of adjusted means (Welch) for either kind.
    planned : mapping or None
        Planned share per arm for the sample-ratio check; None assumes equal shares.
    planned_n : int or None
        Planned number of units; a test that stopped short gets a note.
    alpha : float
        Two-sided level of intervals and tests.
    correction : {'holm', 'bh', 'none'}
        Adjustment of the p-values across the treatment arms.
    srm_alpha : float
        Level of the sample-ratio test.

    Returns
    -------
    ABTestResult

    Raises
    ------
    DataError
        Missing columns or outcomes, a control label not found, an arm with fewer than two
        units, a ``'proportion'`` metric that is not 0/1, a constant covariate.
    ParameterError
        Malformed arguments.

    Examples
    --------
    >>> import pandas as pd
    >>> units = pd.DataFrame({"group": ["control"] * 1000 + ["treatment"] * 1000,
    ...                       "converted": [1] * 100 + [0] * 900 + [1] * 150 + [0] * 850})
    >>> res = ab_test(units, "converted")
    >>> row = res.comparisons.loc["treatment"]
    >>> print(f"{row['difference']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}], "
    ...       f"lift {row['relative_lift']:.0%}")
    0.050 [0.021, 0.079], lift 50%
    """
    where = "ab_test"
    check_frame(frame, "frame", where=where, columns=[metric, group_col]
                + ([covariate] if covariate else []))
    alpha = check_real(alpha, "alpha", where=where, low=0, high=1, low_inclusive=False)
    check_choice(correction, "correction", ["holm", "bh", "none"], where=where)
    if kind is not None:
        check_choice(kind, "kind", ["proportion", "mean"], where=where)
    if planned_n is not None:
        planned_n = check_int(planned_n, "planned_n", where=where, low=2)
    y = _metric(frame, metric, where)
    groups = frame[group_col]
    if groups.isna().any():
        raise DataError(f"{where}: column {group_col!r} has {int(groups.isna().sum())} units "
                        "without an arm. Drop them (they were not randomised) and say so.")
    labels = list(pd.unique(groups))
    if control not in labels:
        raise DataError(f"{where}: the control arm {control!r} is not in column "
                        f"{group_col!r} (arms: {format_examples(labels, 6)}). Pass "
                        "control= with the label of the untreated arm.")
    if len(labels) < 2:
        raise DataError(f"{where}: column {group_col!r} holds one arm only ({labels[0]!r}); "
                        "a test needs a control and at least one treatment.")
    binary = _is_binary(frame[metric])
    kind = kind or ("proportion" if binary else "mean")
    if kind == "proportion" and not binary:
        raise DataError(f"{where}: kind='proportion' needs a 0/1 metric, but {metric!r} has "
                        f"other values (e.g. {format_examples(frame[metric][~np.isin(y, (0, 1))])}"
                        "). Use kind='mean' or a 0/1 column.")
    arms_order = [control] + [a for a in _sorted(labels) if a != control]
    codes = {a: np.flatnonzero((groups == a).to_numpy()) for a in arms_order}
    small = [a for a, idx in codes.items() if len(idx) < 2]
    if small:
        raise DataError(f"{where}: arm(s) {format_examples(small)} have fewer than two units; "
                        "no variance can be estimated. Wait for more units.")
    notes: list[str] = []
    theta = reduction = None
    adjusted = y
    if covariate is not None:
        x = _metric(frame, covariate, where)
        vx = x.var(ddof=1)
        if vx == 0:
            raise DataError(f"{where}: the covariate {covariate!r} is constant, so it cannot "
                            "reduce variance. Use a pre-period measure that varies by unit.")
        theta = float(np.cov(y, x, ddof=1)[0, 1] / vx)
        adjusted = y - theta * (x - x.mean())
        reduction = float(1 - adjusted.var(ddof=1) / y.var(ddof=1)) if y.var(ddof=1) > 0 else 0.0
        means_x = {a: float(x[idx].mean()) for a, idx in codes.items()}
        spread = np.ptp(list(means_x.values())) / np.sqrt(vx)
        if spread > 0.1:
            notes.append(f"The covariate {covariate!r} differs by arm by {spread:.2f} standard "
                         "deviations; a pre-period measure should not: check that it was "
                         "recorded before assignment.")
    arms = _arm_table(y, adjusted, codes, kind, covariate is not None, alpha, where)
    srm = srm_test(arms["n"], planned if planned is not None
                   else {a: 1.0 for a in arms_order}, alpha=srm_alpha)
    if srm.mismatch:
        notes.append(f"Sample-ratio mismatch (p = {srm.p_value:.2g}): the arms' sizes do not "
                     "match the planned split; randomisation or logging is broken, so the "
                     "comparisons below are not evidence until the cause is found.")
    rows = {}
    c = codes[control]
    for arm in arms_order[1:]:
        t = codes[arm]
        rows[arm] = _compare(y, adjusted, t, c, kind, covariate is not None, alpha, where)
    comp = pd.DataFrame.from_dict(rows, orient="index")
    comp.index.name = "arm"
    if correction == "none" or len(comp) == 1:
        comp["p_adjusted"] = comp["p_value"]
    else:
        from crmlib.market import adjust_pvalues

        comp["p_adjusted"] = adjust_pvalues(comp["p_value"].to_numpy(), correction)
    comp["significant"] = comp["p_adjusted"] < alpha
    notes += _notes(arms, comp, kind, control, planned_n, alpha)
    return ABTestResult(arms=arms, comparisons=comp, srm=srm, metric=metric, kind=kind,
                        control=control, alpha=alpha, correction=correction,
                        variance_reduction=reduction, theta=theta, notes=tuple(notes))


def _sorted(labels: Sequence[Any]) -> list[Any]:
    try:
        return sorted(labels)
    except TypeError:
        return list(labels)


def _arm_table(y, adjusted, codes, kind, cuped, alpha, where) -> pd.DataFrame:
    rows = {}
    for arm, idx in codes.items():
        v = y[idx]
        n, m, sd = len(v), float(v.mean()), float(v.std(ddof=1))
        if kind == "proportion":
            low, high = wilson_interval(int(v.sum()), n, alpha=alpha, where=where)
        else:
            half = stats.t.ppf(1 - alpha / 2, n - 1) * sd / np.sqrt(n)
            low, high = m - half, m + half
        row = {"n": n, "mean": m, "ci_low": low, "ci_high": high, "std": sd}
        if cuped:
            row["adjusted_mean"] = float(adjusted[idx].mean())
        rows[arm] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "arm"
    table["n"] = table["n"].astype("int64")
    return table


def _compare(y, adjusted, t, c, kind, cuped, alpha, where) -> dict[str, float]:
    yt, yc = (adjusted[t], adjusted[c]) if cuped else (y[t], y[c])
    if kind == "proportion" and not cuped:
        kt, kc = int(yt.sum()), int(yc.sum())
        d, low, high = newcombe_interval(kt, len(yt), kc, len(yc), alpha=alpha, where=where)
        _, p = pooled_z_test(kt, len(yt), kc, len(yc), where=where)
    else:
        d, low, high, _, p = welch_interval(yt.mean(), yt.var(ddof=1), len(yt), yc.mean(),
                                            yc.var(ddof=1), len(yc), alpha=alpha, where=where)
    # the lift is relative to the raw control mean; with CUPED the numerator's variance is
    # the adjusted one (the adjustment leaves the arm means' expectations unchanged)
    m1, m0 = float(y[c].mean()) + d, float(y[c].mean())
    lift, l_low, l_high = lift_interval(m1, yt.var(ddof=1), len(yt), m0, yc.var(ddof=1),
                                        len(yc), alpha=alpha)
    return {"difference": d, "ci_low": low, "ci_high": high, "relative_lift": lift,
            "lift_low": l_low, "lift_high": l_high, "p_value": p}


def _notes(arms, comp, kind, control, planned_n, alpha) -> list[str]:
    notes = []
    if kind == "proportion":
        zero = arms.index[arms["mean"] == 0].tolist()
        if zero:
            notes.append(f"No successes in arm(s) {format_examples(zero)}: the Wilson and "
                         "Newcombe intervals still hold, but a rate of 0 is not a rate known "
                         "to be 0.")
    if arms.loc[control, "mean"] == 0:
        notes.append("The control mean is 0, so the relative lift is undefined (shown as NaN); "
                     "read the absolute difference.")
    if planned_n is not None and arms["n"].sum() < planned_n:
        notes.append(f"The test has {int(arms['n'].sum()):,} units of the {planned_n:,} "
                     "planned: it stopped early, its power is below the plan, and a "
                     "significant result read at an unplanned look overstates the evidence "
                     "(see the peeking section).")
    disagree = comp.index[(comp["p_value"] < alpha) == ((comp["ci_low"] <= 0)
                                                        & (comp["ci_high"] >= 0))].tolist()
    if disagree:
        notes.append(f"For {format_examples(disagree)} the interval and the test disagree at "
                     "the margin (the interval is Newcombe's, the test the pooled z): treat "
                     "the result as borderline.")
    return notes
