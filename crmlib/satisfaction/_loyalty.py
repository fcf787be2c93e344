"""Satisfaction -> loyalty: stated intentions against satisfaction, and the link to behaviour.

- :func:`loyalty_model` fits a logistic model (statsmodels) of a yes/no loyalty outcome —
  repurchase within 90 days, being a promoter — on the satisfaction score (centred) and,
  optionally, the complaint outcome (resolved / unresolved); when a group is all yes or all
  no (separation), it falls back to :func:`penalised_logit` (a weak prior on the slopes) and
  says so in a note;
- :func:`repurchase_from_orders` asks the order table whether each respondent really bought
  again in the days after the survey, beside how often they had bought before it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crmlib._results import SummaryDisplay, critical_value, format_notes
from crmlib._validation import check_columns, check_int
from crmlib.exceptions import ConvergenceError, DataError

__all__ = ["PRIOR_SD", "LoyaltyModel", "loyalty_model", "penalised_logit", "repurchase_from_orders"]


PRIOR_SD = 10.0  #: sd of the weak normal prior on the slopes (log-odds) of the logistic models


def penalised_logit(x: np.ndarray, y: np.ndarray, *, prior_sd: float = PRIOR_SD,
                    where: str = "penalised_logit") -> tuple[np.ndarray, np.ndarray, float]:
    """Logistic regression with a weak normal prior on the slopes (not the constant, column 0).

    Newton-Raphson on the penalised log-likelihood; returns the coefficients, their covariance
    (the inverse of the penalised information) and the log-likelihood.  The prior keeps a
    coefficient finite when a group is all yes or all no (separation), where plain maximum
    likelihood diverges; with ``prior_sd=10`` it moves ordinary estimates by a tiny fraction of
    their standard error.

    >>> x = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
    >>> b, cov, ll = penalised_logit(x, np.array([0, 1, 0, 1, 1, 1.0]))
    >>> bool(np.isfinite(b).all() and b[1] > 0)
    True
    """
    p = x.shape[1]
    pen = np.full(p, 1 / prior_sd**2)
    pen[0] = 0.0
    b = np.zeros(p)
    for _ in range(100):
        eta = np.clip(x @ b, -35, 35)
        mu = 1 / (1 + np.exp(-eta))
        grad = x.T @ (y - mu) - pen * b
        info = (x * (mu * (1 - mu))[:, None]).T @ x + np.diag(pen)
        try:
            delta = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            break
        b = b + delta
        if np.max(np.abs(delta)) < 1e-10:
            eta = np.clip(x @ b, -35, 35)
            mu = 1 / (1 + np.exp(-eta))
            info = (x * (mu * (1 - mu))[:, None]).T @ x + np.diag(pen)
            with np.errstate(divide="ignore", invalid="ignore"):
                ll = float(np.sum(y * np.log(mu) + (1 - y) * np.log1p(-mu)))
            return b, np.linalg.inv(info), ll
    raise ConvergenceError(f"{where}: the logistic model did not converge in 100 Newton steps; check for a "
                           "column that is constant or a duplicate of another.")


@dataclass(frozen=True, repr=False)
class LoyaltyModel(SummaryDisplay):
    """A logistic model of a loyalty outcome: coefficients (log-odds) with intervals, odds ratios."""

    table: pd.DataFrame
    by_level: pd.DataFrame
    outcome: str
    n: int
    level: float
    pseudo_r2: float
    notes: tuple[str, ...] = ()
    _html_notes = "notes"

    def summary(self) -> str:
        s = self.table.iloc[1]
        return (f"Logistic model of {self.outcome} (n = {self.n:,}, McFadden pseudo-R² {self.pseudo_r2:.3f}): "
                f"each point of {self.table.index[1].removesuffix(' (per point)')} multiplies the odds by {np.exp(s['coef']):.2f} "
                f"({np.exp(s['low']):.2f} to {np.exp(s['high']):.2f})" + "".join(f"\n{n}" for n in format_notes(self.notes)))


def _flag(frame: pd.DataFrame, col: str, *, where: str) -> np.ndarray:
    s = frame[col]
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float)
    vals = set(pd.unique(s.dropna()))
    if not vals <= {0, 1}:
        raise DataError(f"{where}: {col!r} must be a yes/no flag (True/False or 0/1); got values "
                        f"{sorted(map(str, vals))[:4]}.")
    if s.isna().any():
        raise DataError(f"{where}: {col!r} has {int(s.isna().sum())} missing values; drop those rows first.")
    return s.to_numpy(dtype=float)


def loyalty_model(survey: pd.DataFrame, outcome: str, *, satisfaction: str = "overall_satisfaction",
                  centre: float = 7.0, complaints: bool = True, alpha: float = 0.05) -> LoyaltyModel:
    """Logit of ``outcome`` on ``satisfaction - centre`` (+ resolved / unresolved complaint).

    ``complaints=True`` adds two indicators from ``complaint`` and ``complaint_resolved``:
    a resolved complaint and an unresolved one, each against no complaint.  ``by_level`` gives
    the observed share and the model's probability (complaint-free) at every satisfaction level.
    """
    import statsmodels.api as sm

    where = "loyalty_model"
    z = critical_value(alpha, where=where)
    need = [outcome, satisfaction] + (["complaint", "complaint_resolved"] if complaints else [])
    check_columns(survey.columns, need, where=where)
    y = _flag(survey, outcome, where=where)
    sat = survey[satisfaction].to_numpy(dtype=float)
    cols = {"const": np.ones(len(y)), f"{satisfaction} (per point)": sat - centre}
    if complaints:
        c = _flag(survey, "complaint", where=where)
        r = _flag(survey, "complaint_resolved", where=where)
        cols["resolved complaint"] = c * r
        cols["unresolved complaint"] = c * (1 - r)
    x = pd.DataFrame(cols)
    notes: list[str] = []
    try:
        with warnings.catch_warnings():  # separation or non-convergence: fall back, do not warn
            warnings.simplefilter("error")
            fit = sm.Logit(y, x).fit(disp=0, maxiter=200)
        b, cov, ll = fit.params.to_numpy(), fit.cov_params().to_numpy(), float(fit.llf)
    except (Warning, np.linalg.LinAlgError, ValueError):
        b, cov, ll = penalised_logit(x.to_numpy(), y, where=where)
        notes.append(f"Maximum likelihood did not converge (a group is all yes or all no); the coefficients are "
                     f"penalised with a normal prior of sd {PRIOR_SD:g} on the slopes, so the extreme one is finite "
                     "but only a bound.")
    ybar = y.mean()
    ll0 = len(y) * (ybar * np.log(ybar) + (1 - ybar) * np.log(1 - ybar)) if 0 < ybar < 1 else 0.0
    table = pd.DataFrame({"coef": b, "se": np.sqrt(np.diag(cov))}, index=x.columns)
    table["low"], table["high"] = table["coef"] - z * table["se"], table["coef"] + z * table["se"]
    table["odds_ratio"] = np.exp(table["coef"])
    levels = np.sort(np.unique(sat))
    xl = np.column_stack([np.ones(len(levels)), levels - centre] + ([np.zeros(len(levels))] * 2 if complaints else []))
    by_level = pd.DataFrame({"n": [int((sat == v).sum()) for v in levels],
                             "observed": [float(y[sat == v].mean()) for v in levels],
                             "model_no_complaint": 1 / (1 + np.exp(-xl @ b))}, index=pd.Index(levels.astype(int), name=satisfaction))
    return LoyaltyModel(table, by_level, outcome, len(y), 1 - alpha, float(1 - ll / ll0) if ll0 else float("nan"),
                        tuple(notes))


def repurchase_from_orders(survey: pd.DataFrame, orders: pd.DataFrame, *, window_days: int = 90,
                           history_days: int = 365, date_col: str = "survey_date") -> pd.DataFrame:
    """Each respondent's completed orders after the survey (``bought_after``) and before it.

    ``bought_after`` is True when the respondent placed a completed order within
    ``window_days`` after the survey date (the day itself excluded); ``orders_before`` counts
    completed orders in the ``history_days`` before it.  Returns the survey columns needed
    (no customer id) with these two added, in the survey's row order.
    """
    where = "repurchase_from_orders"
    check_int(window_days, "window_days", where=where, low=1)
    check_int(history_days, "history_days", where=where, low=1)
    check_columns(survey.columns, ["customer_id", date_col], where=where)
    check_columns(orders.columns, ["customer_id", "order_date"], where=where)
    o = orders
    if "status" in o.columns:
        o = o[o["status"] == "completed"]
    o = o[["customer_id", "order_date"]]
    s = survey[["customer_id", date_col]].copy()
    s["_row"] = np.arange(len(s))
    m = s.merge(o, on="customer_id", how="left")
    gap = (pd.to_datetime(m["order_date"]) - pd.to_datetime(m[date_col])).dt.days
    m["after"] = (gap > 0) & (gap <= window_days)
    m["before"] = (gap <= 0) & (gap > -history_days)
    agg = m.groupby("_row").agg(bought_after=("after", "any"), orders_before=("before", "sum"))
    out = survey.drop(columns=["customer_id"]).copy()
    out["bought_after"] = agg["bought_after"].to_numpy(dtype=bool)
    out["orders_before"] = agg["orders_before"].to_numpy(dtype=int)
    return out
