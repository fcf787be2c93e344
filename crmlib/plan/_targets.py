"""SMART targets and the KPI dashboard of a marketing plan.

A target is *specific* (one named KPI with its unit and definition), *measurable* (a baseline
and a target value computed from the data), *achievable* (it lies inside the range a model
of the earlier lessons expects — the low and high ends of its interval), *relevant* (it
names the lesson and function it comes from, so every number can be traced) and
*time-bound* (a due date).  :func:`plan_targets` checks those five properties and refuses a
target that breaks one; :func:`kpi_dashboard` turns each target into monitoring thresholds:

- **green**: on or beyond the target;
- **amber**: short of the target but within the model's expected range (the plan may
  still deliver; watch it);
- **red**: beyond the pessimistic end of the range (the plan is failing by more than its
  uncertainty; act).

For a KPI where lower is better (a cost, a churn rate) the comparisons turn around.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import format_examples
from crmlib.exceptions import DataError, ParameterError

__all__ = ["HORIZONS", "kpi_dashboard", "plan_targets"]

#: Horizon of a target by its distance from the plan's date: short (a quarter), mid (a year),
#: long (beyond); a week of slack, as a plan made on the last Sunday of a year runs to 31 December.
HORIZONS = (("short", 99), ("mid", 373), ("long", None))
_REVIEW = {"short": "weekly", "mid": "monthly", "long": "quarterly"}
_NEEDED = ("kpi", "unit", "baseline", "target", "low", "high", "due", "owner", "source")


def _horizon(days: int) -> str:
    for name, limit in HORIZONS:
        if limit is None or days <= limit:
            return name
    return HORIZONS[-1][0]  # pragma: no cover - the last horizon has no limit


def plan_targets(rows: Sequence[Mapping[str, Any]], *, as_of: Any) -> pd.DataFrame:
    """Check a list of targets against the SMART rules and tabulate them.

    Parameters
    ----------
    rows : sequence of mappings
        One per KPI: ``kpi`` (name), ``unit``, ``baseline`` (the value now), ``target``,
        ``low`` and ``high`` (the model's expected range for the KPI at the due date),
        ``due`` (date), ``owner`` (the team accountable), ``source`` (the lesson and
        function the numbers come from); optional ``expected`` (the model's central value,
        default the middle of the range), ``higher_is_better`` (default True),
        ``definition`` and ``reason`` (why a target does not improve on the baseline — a
        falling market, a channel cut; without one such a target is refused).
    as_of : date-like
        The plan's date; every due date must be after it.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``kpi``: the inputs, ``change`` (target - baseline), ``change_rate``
        (over the baseline) and ``horizon`` (short, mid or long).

    Raises
    ------
    DataError
        A missing field, a repeated KPI, a non-finite number, ``low > high``, a target
        outside ``[low, high]`` (not achievable on the model's own terms), a target that
        does not improve on the baseline without a ``reason``, a due date on or before ``as_of``, an empty owner
        or source.

    Examples
    --------
    >>> t = plan_targets([dict(kpi="revenue", unit="yuan", baseline=100.0, target=110.0, low=95.0,
    ...                        high=120.0, due="2026-12-31", owner="sales", source="01 market.forecast")],
    ...                  as_of="2026-01-01")
    >>> [float(t.loc["revenue", "change"]), t.loc["revenue", "horizon"]]
    [10.0, 'mid']
    """
    where = "plan_targets"
    try:
        start = pd.Timestamp(as_of)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"The 'as_of' parameter of {where} must be a date (YYYY-MM-DD). Got {as_of!r}.") from exc
    if not rows:
        raise DataError(f"{where}: no targets given; a plan needs at least one KPI with a target.")
    out = []
    seen = set()
    for i, row in enumerate(rows):
        missing = [k for k in _NEEDED if k not in row or row[k] is None or (isinstance(row[k], str) and not row[k].strip())]
        name = row.get("kpi", f"row {i}")
        if missing:
            raise DataError(f"{where}: target {name!r} lacks {format_examples(missing, 9)}; a SMART target needs "
                            f"all of {list(_NEEDED)}.")
        if name in seen:
            raise DataError(f"{where}: KPI {name!r} appears twice; give each KPI one target.")
        seen.add(name)
        nums = {}
        for k in ("baseline", "target", "low", "high"):
            v = row[k]
            if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v):
                raise DataError(f"{where}: the {k} of target {name!r} must be a finite number; got {v!r}.")
            nums[k] = float(v)
        better = bool(row.get("higher_is_better", True))
        if nums["low"] > nums["high"]:
            raise DataError(f"{where}: target {name!r} has low {nums['low']:g} above high {nums['high']:g}; "
                            "give the model's range in order.")
        if not nums["low"] <= nums["target"] <= nums["high"]:
            raise DataError(
                f"{where}: target {name!r} of {nums['target']:g} is outside the model's expected range "
                f"[{nums['low']:g}, {nums['high']:g}]: not achievable on the plan's own evidence. Move the target "
                "into the range, or change the plan that produces it.")
        gain = nums["target"] - nums["baseline"]
        reason = str(row.get("reason") or "")
        if ((gain < 0) if better else (gain > 0)) and not reason.strip():
            raise DataError(
                f"{where}: target {name!r} ({nums['target']:g}) is worse than its baseline ({nums['baseline']:g}) "
                f"for a KPI where {'higher' if better else 'lower'} is better; a plan's target improves on today "
                "or says why not (give a reason, set higher_is_better, or revise the target).")
        try:
            due = pd.Timestamp(row["due"])
        except (TypeError, ValueError) as exc:
            raise DataError(f"{where}: the due date of target {name!r} must be a date; got {row['due']!r}.") from exc
        if due <= start:
            raise DataError(f"{where}: target {name!r} is due on {due.date()}, not after the plan's date "
                            f"{start.date()}; a target is time-bound in the future.")
        expected = row.get("expected", (nums["low"] + nums["high"]) / 2)
        if not (isinstance(expected, (int, float, np.integer, np.floating)) and np.isfinite(expected)
                and nums["low"] <= expected <= nums["high"]):
            raise DataError(f"{where}: the expected value of target {name!r} must be a finite number inside "
                            f"[{nums['low']:g}, {nums['high']:g}]; got {expected!r}.")
        out.append({
            "kpi": name, "definition": row.get("definition", ""), "unit": row["unit"], **nums,
            "expected": float(expected),
            "change": gain, "change_rate": gain / nums["baseline"] if nums["baseline"] != 0 else np.nan,
            "higher_is_better": better, "reason": reason, "due": due.date(), "horizon": _horizon((due - start).days),
            "owner": row["owner"], "source": row["source"]})
    return pd.DataFrame(out).set_index("kpi")


def kpi_dashboard(targets: pd.DataFrame, actual: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Monitoring thresholds for each target, and the status of actual values when given.

    The green threshold is the target; the red threshold is the pessimistic end of the
    model's range (``low`` when higher is better, ``high`` otherwise).  The review frequency
    follows the horizon (weekly for a quarter, monthly for a year, quarterly beyond).

    >>> t = plan_targets([dict(kpi="nps", unit="points", baseline=30.0, target=34.0, low=31.0, high=38.0,
    ...                        due="2026-06-30", owner="service", source="07")], as_of="2026-01-01")
    >>> b = kpi_dashboard(t, {"nps": 32.0})
    >>> float(b.loc["nps", "green_at"]), float(b.loc["nps", "red_below"]), b.loc["nps", "status"]
    (34.0, 31.0, 'amber')
    """
    need = {"target", "low", "high", "higher_is_better", "horizon", "owner", "unit", "baseline"}
    if not isinstance(targets, pd.DataFrame) or not need <= set(targets.columns):
        raise ParameterError("The 'targets' parameter of kpi_dashboard must be the table of plan_targets "
                             f"(columns {sorted(need)}).")
    better = targets["higher_is_better"].astype(bool)
    board = pd.DataFrame({
        "unit": targets["unit"], "owner": targets["owner"], "baseline": targets["baseline"],
        "green_at": targets["target"],
        "red_below": np.where(better, targets["low"], np.nan),
        "red_above": np.where(better, np.nan, targets["high"]),
        "review": targets["horizon"].map(_REVIEW),
    }, index=targets.index)
    if actual is not None:
        unknown = [k for k in actual if k not in targets.index]
        if unknown:
            raise DataError(f"kpi_dashboard: actual values for unknown KPIs {format_examples(unknown)} "
                            f"(KPIs: {format_examples(list(targets.index), 10)}).")
        status = {}
        for k in targets.index:
            if k not in actual or actual[k] is None or not np.isfinite(actual[k]):
                status[k] = "no data"
                continue
            v, t = float(actual[k]), targets.loc[k]
            if t["higher_is_better"]:
                status[k] = "green" if v >= t["target"] else ("amber" if v >= t["low"] else "red")
            else:
                status[k] = "green" if v <= t["target"] else ("amber" if v <= t["high"] else "red")
        board["actual"] = pd.Series({k: actual.get(k, np.nan) for k in targets.index}, dtype=float)
        board["status"] = pd.Series(status)
    return board
