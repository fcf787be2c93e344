"""Before the test: sample size for a minimum detectable effect, and the effect a size detects.

Normal-approximation formulas for a two-sided test at level ``alpha`` with power ``1 - beta``
and ``ratio = n_treatment / n_control``:

- proportions (baseline ``p0``, treated ``p1 = p0 + mde``), the pooled-variance test of
  :func:`~crmlib.promotion.ab_test`::

      n_control = (z_a sqrt(pbar qbar (1 + 1/ratio)) + z_b sqrt(p0 q0 + p1 q1 / ratio))^2 / mde^2

  with ``pbar = (p0 + ratio p1) / (1 + ratio)``;
- means (standard deviation ``sd`` in both arms)::

      n_control = (z_a + z_b)^2 sd^2 (1 + 1/ratio) / mde^2

:func:`minimum_detectable_effect` inverts them for a given number of units.
"""

from __future__ import annotations

import math
from statistics import NormalDist

from scipy import optimize

from crmlib._results import critical_value
from crmlib._validation import check_choice, check_int, check_real
from crmlib.exceptions import ParameterError

__all__ = ["minimum_detectable_effect", "sample_size"]


def _z(alpha: float, power: float, where: str) -> tuple[float, float]:
    power = check_real(power, "power", where=where, low=0, high=1, low_inclusive=False)
    if not power < 1:
        raise ParameterError(f"The 'power' parameter of {where} must be below 1; got {power!r}.")
    return critical_value(alpha, where=where), NormalDist().inv_cdf(power)


def _n_proportion(p0: float, mde: float, ratio: float, za: float, zb: float) -> float:
    p1 = p0 + mde
    pbar = (p0 + ratio * p1) / (1 + ratio)
    a = za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
    b = zb * math.sqrt(p0 * (1 - p0) + p1 * (1 - p1) / ratio)
    return (a + b) ** 2 / mde ** 2


def sample_size(
    mde: float,
    *,
    baseline: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> dict[str, int]:
    """Units per arm to detect an absolute effect ``mde`` (give ``baseline`` or ``sd``).

    Parameters
    ----------
    mde : float
        Minimum detectable effect, absolute (0.01 = one percentage point for a rate).
    baseline : float, optional
        Control rate of a 0/1 metric, in (0, 1).
    sd : float, optional
        Standard deviation of a numeric metric (e.g. spend), > 0.
    alpha, power : float
        Two-sided level and power.
    ratio : float
        ``n_treatment / n_control`` (4 for an 80/20 split), > 0.

    Returns
    -------
    dict
        ``{"control": n0, "treatment": n1, "total": n0 + n1}``, rounded up.

    Examples
    --------
    A 10% conversion rate, one point to detect, 50/50, 80% power at 5%:

    >>> sample_size(0.01, baseline=0.10)
    {'control': 14751, 'treatment': 14751, 'total': 29502}
    >>> sample_size(2.0, sd=20.0)
    {'control': 1570, 'treatment': 1570, 'total': 3140}
    """
    where = "sample_size"
    za, zb = _z(alpha, power, where)
    ratio = check_real(ratio, "ratio", where=where, low=0, low_inclusive=False)
    mde = check_real(mde, "mde", where=where)
    if mde == 0:
        raise ParameterError(f"The 'mde' parameter of {where} must not be 0: no test detects "
                             "an effect of nothing. Give the smallest effect worth acting on.")
    if (baseline is None) == (sd is None):
        raise ParameterError(f"{where}: give exactly one of baseline= (a 0/1 metric's control "
                             "rate) and sd= (a numeric metric's standard deviation).")
    if baseline is not None:
        baseline = check_real(baseline, "baseline", where=where, low=0, high=1,
                              low_inclusive=False)
        if not (baseline < 1 and 0 < baseline + mde < 1):
            raise ParameterError(f"{where}: baseline {baseline!r} and baseline + mde "
                                 f"{baseline + mde!r} must both lie strictly between 0 and 1.")
        n0 = _n_proportion(baseline, mde, ratio, za, zb)
    else:
        sd = check_real(sd, "sd", where=where, low=0, low_inclusive=False)
        n0 = (za + zb) ** 2 * sd ** 2 * (1 + 1 / ratio) / mde ** 2
    n0 = math.ceil(n0 - 1e-9)
    n1 = math.ceil(ratio * n0 - 1e-9)
    return {"control": n0, "treatment": n1, "total": n0 + n1}


def minimum_detectable_effect(
    n_control: int,
    n_treatment: int,
    *,
    baseline: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    direction: str = "increase",
) -> float:
    """The smallest absolute effect the arms' sizes detect with the given power.

    Examples
    --------
    >>> round(minimum_detectable_effect(14751, 14751, baseline=0.10), 4)
    0.01
    >>> round(minimum_detectable_effect(1570, 1570, sd=20.0), 3)
    2.0
    """
    where = "minimum_detectable_effect"
    n0 = check_int(n_control, "n_control", where=where, low=2)
    n1 = check_int(n_treatment, "n_treatment", where=where, low=2)
    check_choice(direction, "direction", ["increase", "decrease"], where=where)
    za, zb = _z(alpha, power, where)
    ratio = n1 / n0
    if (baseline is None) == (sd is None):
        raise ParameterError(f"{where}: give exactly one of baseline= and sd=.")
    if sd is not None:
        sd = check_real(sd, "sd", where=where, low=0, low_inclusive=False)
        mde = (za + zb) * sd * math.sqrt((1 + 1 / ratio) / n0)
        return mde if direction == "increase" else -mde
    baseline = check_real(baseline, "baseline", where=where, low=0, high=1, low_inclusive=False)
    if not baseline < 1:
        raise ParameterError(f"{where}: baseline must be below 1; got {baseline!r}.")
    room = (1 - baseline) if direction == "increase" else baseline
    sign = 1.0 if direction == "increase" else -1.0

    def gap(d: float) -> float:
        return _n_proportion(baseline, sign * d, ratio, za, zb) - n0

    hi = room * (1 - 1e-9)
    if gap(hi) > 0:
        raise ParameterError(f"{where}: {n0} control units cannot detect any {direction} "
                             f"from a baseline of {baseline:g} with power {power:g}; add units.")
    return sign * optimize.brentq(gap, 1e-12, hi, xtol=1e-12)
