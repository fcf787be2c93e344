"""Grading criteria beyond value: purchase probability, and how well a grade ranks the future."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from crmlib._results import SummaryDisplay
from crmlib._validation import check_frame, check_int, format_examples
from crmlib.exceptions import DataError, ParameterError
from crmlib.segmentation._rfm import _purchases, rfm_scores, rfm_table

__all__ = ["GradeCheck", "grade_check", "purchase_probability"]


def purchase_probability(
    transactions: pd.DataFrame,
    *,
    as_of: Any,
    horizon_days: int = 365,
    bins: int = 5,
    min_cell: int = 20,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Probability of a purchase in the next ``horizon_days``, from what happened last time.

    The classic database-marketing estimate (購買概率): go back one horizon to
    ``as_of - horizon_days``, score every customer of that day on recency and frequency
    (:func:`rfm_scores` with ``bins``), and measure in each (R, F) cell the share of customers
    who bought again in the following ``horizon_days``. Today's customers, scored the same
    way at ``as_of``, get the share of their cell. A cell with fewer than ``min_cell``
    customers then takes the share of its R score instead (and of all customers if that is
    small too).

    Assumption: the next horizon resembles the last one (same seasonality, no change of
    policy); a customer base that ages or shrinks makes the estimate too high.

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per purchase.
    as_of : date-like
        Today: the end of the purchase history.
    horizon_days : int
        Length of the window, in days (the back-test needs purchases before
        ``as_of - horizon_days``).
    bins : int
        RFM score levels.
    min_cell : int
        Smallest (R, F) cell whose own share is used.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        Per customer with a purchase on or before ``as_of``: ``R``, ``F`` (today's scores)
        and ``purchase_probability``.

    Raises
    ------
    DataError
        No customer bought before ``as_of - horizon_days`` (the history is too short for
        the back-test), or the problems :func:`rfm_table` reports.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"customer_id": list("AABBCD"),
    ...     "order_date": pd.to_datetime(["2023-01-05", "2023-06-01", "2023-02-01", "2023-09-01",
    ...                                   "2023-03-01", "2023-05-01"]),
    ...     "amount": [10.0, 12.0, 5.0, 6.0, 7.0, 8.0]})
    >>> purchase_probability(log, as_of="2023-12-31", horizon_days=180, bins=2, min_cell=1)
                 R  F  purchase_probability
    customer_id
    A            2  2                   0.0
    B            2  2                   0.0
    C            1  1                   0.5
    D            1  1                   0.5

    (Half of the customers who were less recent on the back-test day, B and C, bought again;
    A and D, recent then, did not.)
    """
    where = "purchase_probability"
    h = check_int(horizon_days, "horizon_days", where=where, low=1)
    n_min = check_int(min_cell, "min_cell", where=where, low=1)
    frame = check_frame(transactions, "transactions", where=where)
    rows, day = _purchases(frame, where=where, customer_col=customer_col, date_col=date_col,
                           amount_col=amount_col, as_of=as_of)
    start = day - pd.Timedelta(days=h)
    past = rows[rows["day"] <= start]
    if past.empty:
        raise DataError(
            f"{where}: no purchase on or before {start:%Y-%m-%d} (as_of minus horizon_days={h}), "
            f"so there is no earlier horizon to learn from (the history starts "
            f"{rows['day'].min():%Y-%m-%d}). Pass a shorter horizon_days or a later as_of."
        )
    cols = {"customer_col": "customer_id", "date_col": "day", "amount_col": "amount"}
    then = rfm_scores(rfm_table(past, as_of=start, **cols), bins=bins)
    came_back = rows.loc[(rows["day"] > start), "customer_id"].unique()
    bought = pd.Series(then.index.isin(came_back), index=then.index, dtype=float)
    overall = float(bought.mean())
    cell = bought.groupby([then["R"], then["F"]]).agg(["mean", "size"])
    by_r = bought.groupby(then["R"]).agg(["mean", "size"])
    now = rfm_scores(rfm_table(rows, as_of=day, **cols), bins=bins)[["R", "F"]]
    keys = pd.MultiIndex.from_frame(now[["R", "F"]])
    p_cell = cell["mean"].reindex(keys).to_numpy()
    n_cell = cell["size"].reindex(keys).fillna(0).to_numpy()
    p_r = by_r["mean"].reindex(now["R"]).to_numpy()
    n_r = by_r["size"].reindex(now["R"]).fillna(0).to_numpy()
    prob = np.where(n_cell >= n_min, p_cell, np.where(n_r >= n_min, p_r, overall))
    out = now.copy()
    out["purchase_probability"] = prob.astype(float)
    out.index.name = customer_col
    return out


@dataclass(frozen=True, repr=False)
class GradeCheck(SummaryDisplay):
    """How well each grading ranks the truth (see :func:`grade_check`).

    Attributes
    ----------
    table : pandas.DataFrame
        Per criterion: ``rank_corr_value`` (Spearman correlation with the future value),
        ``auc_alive`` (when alive flags were given) and, for every criterion but the baseline,
        the difference from the baseline with its bootstrap 95% interval (``*_low``,
        ``*_high``) and whether the interval lies above 0 (``*_better``).
    baseline : str
        The criterion the others are compared with.
    n_bootstrap : int
        Paired bootstrap resamples behind the intervals.
    """

    _html_table = "table"
    _html_lines = 1

    table: pd.DataFrame
    baseline: str
    n_bootstrap: int

    def to_frame(self) -> pd.DataFrame:
        """The comparison table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """One line per criterion."""
        lines = [f"Grades against the truth (baseline: {self.baseline}; paired bootstrap, "
                 f"{self.n_bootstrap} resamples, 95% intervals)"]
        for name, row in self.table.iterrows():
            text = f"  {name}: rank correlation with future value {row['rank_corr_value']:.3f}"
            if "auc_alive" in row:
                text += f", AUC for alive {row['auc_alive']:.3f}"
            if name != self.baseline:
                verdict = "better" if row["rank_corr_value_better"] else "not clearly better"
                text += (f"; vs baseline {row['rank_corr_value_diff']:+.3f} "
                         f"[{row['rank_corr_value_low']:+.3f}, {row['rank_corr_value_high']:+.3f}]: "
                         f"{verdict}")
            lines.append(text)
        return "\n".join(lines)


def _score(col: pd.Series, name: str, where: str) -> np.ndarray:
    if isinstance(col.dtype, pd.CategoricalDtype):
        if not col.cat.ordered:
            raise DataError(
                f"{where}: criterion {name!r} is an unordered categorical; grades must be "
                f"ordered (best category first, e.g. A < B < C) or numeric (higher = better)."
            )
        codes = col.cat.codes.to_numpy()
        if (codes < 0).any():
            raise DataError(f"{where}: criterion {name!r} has missing grades. Grade every customer.")
        return -codes.astype(float)  # the first category (A) is the best
    if not pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        raise DataError(
            f"{where}: criterion {name!r} must be numeric (higher = better) or an ordered "
            f"categorical; it has dtype {col.dtype} (e.g. {format_examples(col.head(3))})."
        )
    x = col.to_numpy(dtype=float)
    if not np.isfinite(x).all():
        raise DataError(f"{where}: criterion {name!r} has missing or infinite values. Fill them first.")
    return x


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    rx, ry = rankdata(x), rankdata(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = np.sqrt((rx * rx).sum() * (ry * ry).sum())
    return float((rx * ry).sum() / den) if den > 0 else float("nan")


def _auc(score: np.ndarray, label: np.ndarray) -> float:
    pos = label.sum()
    neg = len(label) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    r = rankdata(score)
    return float((r[label].sum() - pos * (pos + 1) / 2) / (pos * neg))


def grade_check(
    criteria: pd.DataFrame,
    future_value: pd.Series,
    alive: pd.Series | None = None,
    *,
    baseline: str | None = None,
    n_bootstrap: int = 100,
    random_state: int = 0,
) -> GradeCheck:
    """Compare gradings by how well they rank the true future value (and alive status).

    For each criterion (a column: numeric with higher = better, or an ordered categorical with
    the best grade first) the Spearman rank correlation with ``future_value`` and, with
    ``alive``, the AUC for being alive (0.5 = chance). Every criterion is compared with the
    ``baseline`` (default: the first column) on the same paired bootstrap resamples of the
    customers: the difference, its 95% percentile interval, and ``better`` when the whole
    interval lies above 0 — a tolerance derived from the sampling error, not read off the
    result.

    Parameters
    ----------
    criteria : pandas.DataFrame
        One row per customer, one column per grading.
    future_value : pandas.Series
        The true future value per customer (same index).
    alive : pandas.Series of bool, optional
        The true alive flag per customer.
    baseline : str, optional
        Column to compare the others with.
    n_bootstrap : int
        Resamples (2 or more).
    random_state : int
        Seed of the resampling.

    Returns
    -------
    GradeCheck

    Raises
    ------
    DataError
        Indexes that do not match, or criteria that are not grades.
    ParameterError
        An unknown ``baseline`` or too few resamples.

    Examples
    --------
    >>> import pandas as pd
    >>> crit = pd.DataFrame({"abc": [3, 3, 2, 1, 1, 1], "points": [6, 5, 3, 2, 1, 0]})
    >>> future = pd.Series([90.0, 70.0, 40.0, 20.0, 10.0, 0.0])
    >>> res = grade_check(crit, future, n_bootstrap=20)
    >>> res.table["rank_corr_value"].round(3).tolist()
    [0.926, 1.0]
    """
    where = "grade_check"
    check_frame(criteria, "criteria", where=where)
    nb = check_int(n_bootstrap, "n_bootstrap", where=where, low=2)
    seed = check_int(random_state, "random_state", where=where, low=0)
    base = criteria.columns[0] if baseline is None else baseline
    if base not in criteria.columns:
        raise ParameterError(
            f"The 'baseline' parameter of {where} must be a column of 'criteria' "
            f"({format_examples(list(criteria.columns))}). Got {baseline!r}."
        )
    targets = {"future_value": future_value} | ({} if alive is None else {"alive": alive})
    for name, t in targets.items():
        if not isinstance(t, pd.Series) or not t.index.equals(criteria.index):
            raise DataError(
                f"{where}: {name!r} must be a Series with the same index as 'criteria' (same "
                f"customers, same order). Align it first: {name}.loc[criteria.index]."
            )
    y = future_value.to_numpy(dtype=float)
    if not np.isfinite(y).all():
        raise DataError(f"{where}: 'future_value' has missing or infinite values. Fill them first.")
    lab = None if alive is None else alive.to_numpy(dtype=bool)
    scores = {c: _score(criteria[c], str(c), where) for c in criteria.columns}

    def stats(idx: np.ndarray) -> dict[str, tuple[float, float]]:
        return {c: (_spearman(s[idx], y[idx]), _auc(s[idx], lab[idx]) if lab is not None else np.nan)
                for c, s in scores.items()}

    n = len(y)
    full = stats(np.arange(n))
    rng = np.random.default_rng(seed)
    boots = [stats(rng.integers(0, n, n)) for _ in range(nb)]
    table = pd.DataFrame({"rank_corr_value": {c: v[0] for c, v in full.items()}})
    if lab is not None:
        table["auc_alive"] = {c: v[1] for c, v in full.items()}
    metrics = [("rank_corr_value", 0)] + ([("auc_alive", 1)] if lab is not None else [])
    others = [c for c in criteria.columns if c != base]
    for metric, k in metrics:
        diff, low, high = {}, {}, {}
        for c in others:
            diffs = np.array([b[c][k] - b[base][k] for b in boots])
            diff[c] = full[c][k] - full[base][k]
            low[c], high[c] = np.nanpercentile(diffs, [2.5, 97.5])
        table[f"{metric}_diff"] = pd.Series(diff, dtype=float)
        table[f"{metric}_low"] = pd.Series(low, dtype=float)
        table[f"{metric}_high"] = pd.Series(high, dtype=float)
        table[f"{metric}_better"] = pd.Series({c: bool(low[c] > 0) for c in others}, dtype="boolean")
    table.index.name = "criterion"
    return GradeCheck(table=table, baseline=str(base), n_bootstrap=nb)
