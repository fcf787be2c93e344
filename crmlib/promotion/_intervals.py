"""Confidence intervals of A/B analysis, from counts and moments (no data frames here).

- :func:`wilson_interval` — one proportion (the score interval; sound at 0 or n successes);
- :func:`newcombe_interval` — a difference of two proportions (Newcombe's hybrid score
  interval, method 10 of Newcombe 1998, built from the two Wilson intervals);
- :func:`welch_interval` — a difference of two means with unequal variances (Welch's t with
  the Welch-Satterthwaite degrees of freedom);
- :func:`lift_interval` — the relative lift ``m1 / m0 - 1`` by the delta method;
- :func:`pooled_z_test` — the two-proportion z test with the pooled rate under the null.

Every function takes ``alpha`` (two-sided level) and returns plain floats, so each is checked
against an independent implementation (statsmodels, scipy) in the tests.
"""

from __future__ import annotations

import math

from scipy import stats

from crmlib._results import critical_value
from crmlib._validation import check_int
from crmlib.exceptions import DataError

__all__ = ["lift_interval", "newcombe_interval", "pooled_z_test", "welch_interval",
           "wilson_interval"]


def _counts(k: int, n: int, where: str, what: str) -> tuple[int, int]:
    n = check_int(n, f"n_{what}", where=where, low=1)
    k = check_int(k, f"successes_{what}", where=where, low=0)
    if k > n:
        raise DataError(f"{where}: the {what} arm has {k} successes out of {n} units; "
                        "successes cannot exceed units. Count each unit once (0/1 outcome).")
    return k, n


def wilson_interval(k: int, n: int, *, alpha: float = 0.05, where: str = "wilson_interval"
                    ) -> tuple[float, float]:
    """Wilson score interval for a proportion ``k / n``.

    >>> [round(v, 4) for v in wilson_interval(0, 50)]
    [0.0, 0.0713]
    >>> [round(v, 4) for v in wilson_interval(18, 100)]
    [0.117, 0.2667]
    """
    k, n = _counts(k, n, where, "arm")
    z = critical_value(alpha, where=where)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def newcombe_interval(k1: int, n1: int, k0: int, n0: int, *, alpha: float = 0.05,
                      where: str = "newcombe_interval") -> tuple[float, float, float]:
    """Difference ``k1/n1 - k0/n0`` with Newcombe's hybrid score interval.

    Returns ``(difference, low, high)``.

    >>> [round(v, 4) for v in newcombe_interval(56, 70, 48, 80)]
    [0.2, 0.0524, 0.3339]
    """
    k1, n1 = _counts(k1, n1, where, "treatment")
    k0, n0 = _counts(k0, n0, where, "control")
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = wilson_interval(k1, n1, alpha=alpha, where=where)
    l0, u0 = wilson_interval(k0, n0, alpha=alpha, where=where)
    d = p1 - p0
    low = d - math.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p0 - l0) ** 2)
    return d, low, high


def pooled_z_test(k1: int, n1: int, k0: int, n0: int, *, where: str = "pooled_z_test"
                  ) -> tuple[float, float]:
    """Two-sided z test of equal proportions with the pooled rate; ``(z, p_value)``.

    When no unit (or every unit) succeeded in both arms the rates are equal with no
    variance: ``z = 0`` and ``p = 1``.

    >>> [round(v, 4) for v in pooled_z_test(56, 70, 48, 80)]
    [2.6502, 0.008]
    """
    k1, n1 = _counts(k1, n1, where, "treatment")
    k0, n0 = _counts(k0, n0, where, "control")
    pooled = (k1 + k0) / (n1 + n0)
    var = pooled * (1 - pooled) * (1 / n1 + 1 / n0)
    if var == 0:
        return 0.0, 1.0
    z = (k1 / n1 - k0 / n0) / math.sqrt(var)
    return z, math.erfc(abs(z) / math.sqrt(2))


def welch_interval(mean1: float, var1: float, n1: int, mean0: float, var0: float, n0: int, *,
                   alpha: float = 0.05, where: str = "welch_interval"
                   ) -> tuple[float, float, float, float, float]:
    """Difference of means with Welch's interval; ``(difference, low, high, df, p_value)``.

    ``var1``/``var0`` are the sample variances (ddof = 1).  With both variances 0 the
    difference is exact: the interval is the point and ``p`` is 0 (or 1 when the means are
    equal).

    >>> [round(v, 3) for v in welch_interval(10.0, 4.0, 50, 9.0, 9.0, 60)]
    [1.0, 0.049, 1.951, 103.327, 0.04]
    """
    n1 = check_int(n1, "n_treatment", where=where, low=2)
    n0 = check_int(n0, "n_control", where=where, low=2)
    a, b = var1 / n1, var0 / n0
    d = mean1 - mean0
    se = math.sqrt(a + b)
    if se == 0:
        return d, d, d, math.inf, (1.0 if d == 0 else 0.0)
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n0 - 1))
    t = float(stats.t.ppf(1 - alpha / 2, df))
    p = 2 * stats.t.sf(abs(d) / se, df)
    return d, d - t * se, d + t * se, df, float(p)


def lift_interval(mean1: float, var1: float, n1: int, mean0: float, var0: float, n0: int, *,
                  alpha: float = 0.05) -> tuple[float, float, float]:
    """Relative lift ``mean1 / mean0 - 1`` with its delta-method interval.

    ``var(m1/m0) ~ var1/(n1 m0^2) + m1^2 var0/(n0 m0^4)`` for independent arms.  The lift is
    undefined (NaN) when the control mean is 0.

    >>> [round(v, 4) for v in lift_interval(0.2, 0.16, 1000, 0.1, 0.09, 1000)]
    [1.0, 0.5531, 1.4469]
    """
    if mean0 == 0:
        nan = float("nan")
        return nan, nan, nan
    r = mean1 / mean0
    se = math.sqrt(var1 / (n1 * mean0 ** 2) + mean1 ** 2 * var0 / (n0 * mean0 ** 4))
    z = critical_value(alpha, where="lift_interval")
    return r - 1, r - 1 - z * se, r - 1 + z * se
