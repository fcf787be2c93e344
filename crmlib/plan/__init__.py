"""The marketing plan (lesson 09): targets, monitoring, incentives and risks on one page.

The public face of the capstone's module; each subject lives in a private module:

- ``_outlook`` — what next year looks like if the business carries on:
  :func:`revenue_outlook` (lesson 01's forecast), :func:`retention_outlook` (lesson 03's
  BG/NBD), :func:`share_outlook` (lesson 01's market table),
  :func:`nps_outlook` (lesson 07's first driver) and :func:`cross_sell_outlook` (lesson 08's
  next-best offers), each an :class:`Outlook`
  (baseline, expectation and range) that :meth:`Outlook.as_target` turns into a target;
- ``_targets`` — :func:`plan_targets` (SMART targets checked: specific, measurable from the
  data, achievable within the model's range, traced to the lesson that produced them, due
  after the plan's date) and :func:`kpi_dashboard` (green/amber/red thresholds, the review
  frequency and the status of actual values);
- ``_incentives`` — :func:`incentive_table` (each team's variable pay by KPI and status) and
  :func:`risk_register` (the probability that each target is missed, from its model range).

The capstone sits on top of the lesson domains (``market``, ``value``) and imports them
only when an outlook is computed. Nothing here loads data or changes global state at import.
"""

from __future__ import annotations

from crmlib.plan._incentives import PAYOUT, incentive_table, risk_register
from crmlib.plan._outlook import (
    Outlook,
    cross_sell_outlook,
    nps_outlook,
    retention_outlook,
    revenue_outlook,
    share_outlook,
)
from crmlib.plan._targets import HORIZONS, kpi_dashboard, plan_targets

__all__ = [
    "HORIZONS",
    "Outlook",
    "PAYOUT",
    "cross_sell_outlook",
    "incentive_table",
    "kpi_dashboard",
    "nps_outlook",
    "plan_targets",
    "retention_outlook",
    "revenue_outlook",
    "risk_register",
    "share_outlook",
]
