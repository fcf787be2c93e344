"""Product life-cycle stage from a sales curve, with the rule spelled out.

The rule (per product, on sales per period, e.g. per quarter):

1. **introduction** — the first sale is less than ``intro_periods`` periods ago: too young
   for a trend;
2. **growth** — mean sales of the last ``window`` periods exceed those of the ``window``
   periods before by more than ``growth`` (default +10%);
3. **decline** — they fall short by more than ``decline`` (default -10%) *and* the recent
   mean is below ``peak_ratio`` (default 80%) of the best ``window``-period mean so far;
4. **maturity** — everything else (flat, or a dip not far from the peak).

Each product's row carries the numbers and a sentence naming the step that decided.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib._validation import check_frame, check_int, check_real, check_values, parse_date
from crmlib.exceptions import DataError

__all__ = ["STAGES", "lifecycle_check", "lifecycle_stages", "panel_sales", "product_sales", "stage_from_age"]

STAGES: tuple[str, ...] = ("introduction", "growth", "maturity", "decline")


def product_sales(
    orders: pd.DataFrame, order_lines: pd.DataFrame, *, freq: str = "Q", value: str = "quantity",
    products: pd.Series | None = None,
) -> pd.DataFrame:
    """Sales per product and period (completed orders), zeros filled in, as a wide table.

    Parameters
    ----------
    orders, order_lines : pandas.DataFrame
        The default data's tables (``order_id``, ``order_date``, ``status``; ``product_id``
        and ``value``).
    freq : str
        A pandas period frequency: ``'Q'`` (quarter, default), ``'M'`` or ``'Y'``.
    value : str
        Column of order_lines to add up: ``'quantity'`` (units) or ``'line_amount'``.
    products : sequence of str, optional
        Every product id to report (a product never sold gets a column of zeros).

    Returns
    -------
    pandas.DataFrame
        Index: period start (Timestamp); one column per product.

    Examples
    --------
    >>> import pandas as pd
    >>> o = pd.DataFrame({"order_id": ["O1", "O2"], "status": "completed",
    ...                   "order_date": pd.to_datetime(["2024-01-05", "2024-07-01"])})
    >>> ol = pd.DataFrame({"order_id": ["O1", "O2"], "product_id": ["P1", "P1"], "quantity": [2, 3]})
    >>> product_sales(o, ol)["P1"].tolist()
    [2, 0, 3]
    """
    where = "product_sales"
    check_frame(orders, "orders", where=where, columns=["order_id", "order_date", "status"])
    check_frame(order_lines, "order_lines", where=where, columns=["order_id", "product_id", value])
    done = orders.loc[orders["status"].astype(str) == "completed", ["order_id", "order_date"]]
    lines = order_lines[["order_id", "product_id", value]].merge(done, on="order_id")
    if lines.empty:
        raise DataError(f"{where}: no lines of completed orders. Check the status column.")
    try:
        period = lines["order_date"].dt.to_period(freq)
    except (ValueError, TypeError, AttributeError):
        raise DataError(f"{where}: freq={freq!r} is not a pandas period frequency, or "
                        f"'order_date' is not a date column. Pass freq='Q', 'M' or 'Y'.") from None
    return _wide(period, lines["product_id"], lines[value], freq, products)


def _wide(period: pd.Series, product: pd.Series, value: pd.Series, freq: str,
          products: pd.Series | None) -> pd.DataFrame:
    """Sum ``value`` by period and product; every period of the span and product, zeros filled."""
    wide = value.groupby([period, product.astype(str)]).sum().unstack(fill_value=0)
    wide = wide.reindex(pd.period_range(wide.index.min(), wide.index.max(), freq=freq), fill_value=0)
    if products is not None:
        wide = wide.reindex(columns=pd.Index(products).astype(str), fill_value=0)
    wide.index = wide.index.start_time
    wide.index.name = "period"
    wide.columns.name = "product_id"
    return wide


def panel_sales(
    panel: pd.DataFrame, *, freq: str = "Q", date: str = "month", product: str = "product_id",
    value: str = "units", products: pd.Series | None = None,
) -> pd.DataFrame:
    """A long sales panel (product, date, value) as the wide per-period table of :func:`product_sales`.

    For sell-out or scanner data such as the default ``product_monthly_sales``: rows are
    summed into ``freq`` periods, gaps and unsold products filled with zeros.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"product_id": ["P1", "P1", "P2"], "units": [1, 2, 5],
    ...                   "month": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-07-01"])})
    >>> panel_sales(p).to_dict("list")
    {'P1': [3, 0, 0], 'P2': [0, 0, 5]}
    """
    where = "panel_sales"
    check_frame(panel, "panel", where=where, columns=[date, product, value])
    check_values(panel, [value], where=where, what="sales",
                 fix="Sales must be counts or amounts >= 0, zeros for no sales.")
    check_values(panel, [product, date], where=where, what="sales",
                 fix="A row without its product or date cannot be placed in the table: set "
                     "those rows aside (and count them) or repair the ids first.")
    if not pd.api.types.is_datetime64_any_dtype(panel[date]):
        raise DataError(f"{where}: column {date!r} must be dates; got dtype {panel[date].dtype}. "
                        f"Parse it with pd.to_datetime first.")
    try:
        period = panel[date].dt.to_period(freq)
    except (ValueError, TypeError):
        raise DataError(f"{where}: freq={freq!r} is not a pandas period frequency. "
                        f"Pass freq='Q', 'M' or 'Y'.") from None
    return _wide(period, panel[product], panel[value], freq, products)


def _one(s: np.ndarray, window: int, intro: int, up: float, down: float, peak: float) -> dict:
    nz = np.flatnonzero(s > 0)
    if len(nz) == 0:
        return {"age_periods": 0, "recent": 0.0, "previous": np.nan, "change": np.nan,
                "peak_ratio": np.nan, "stage": "introduction", "reason": "no sales yet"}
    age = len(s) - nz[0]
    recent = s[-window:].mean()
    prev = s[-2 * window:-window].mean() if len(s) >= 2 * window else np.nan
    best = pd.Series(s[nz[0]:]).rolling(window, min_periods=1).mean().max()
    change = recent / prev - 1 if prev > 0 else (np.inf if recent > 0 else 0.0)
    ratio = recent / best if best > 0 else np.nan
    row = {"age_periods": int(age), "recent": recent, "previous": prev, "change": change,
           "peak_ratio": ratio}
    if age < intro or np.isnan(prev):
        return {**row, "stage": "introduction",
                "reason": f"first sale {age} period(s) ago (< {intro})"}
    if change > up:
        return {**row, "stage": "growth", "reason": f"recent sales {change:+.0%} vs the "
                                                    f"window before (> {up:+.0%})"}
    if change < -down and ratio < peak:
        return {**row, "stage": "decline", "reason": f"recent sales {change:+.0%} and at "
                                                     f"{ratio:.0%} of peak (< {peak:.0%})"}
    return {**row, "stage": "maturity", "reason": f"recent sales {change:+.0%}, {ratio:.0%} "
                                                  f"of peak: flat or near the peak"}


def lifecycle_stages(
    sales: pd.DataFrame, *, window: int = 2, intro_periods: int = 2, growth: float = 0.10,
    decline: float = 0.10, peak_ratio: float = 0.80,
) -> pd.DataFrame:
    """Life-cycle stage of each product from its sales curve (rule in the module docstring).

    Parameters
    ----------
    sales : pandas.DataFrame
        Periods as rows (oldest first), products as columns (e.g. :func:`product_sales`).
    window : int
        Periods averaged at each end of the comparison (default 2).
    intro_periods : int
        Products first sold fewer periods ago than this are in introduction.
    growth, decline : float
        Relative change of the recent window beyond which a product grows / may decline.
    peak_ratio : float
        A declining product's recent sales are below this share of its peak.

    Returns
    -------
    pandas.DataFrame
        Per product: ``age_periods``, ``recent``, ``previous``, ``change``, ``peak_ratio``,
        ``stage`` (ordered categorical) and ``reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"new": [0, 0, 0, 0, 0, 3], "up": [1, 2, 4, 6, 9, 12],
    ...                   "flat": [10, 10, 11, 10, 10, 11], "down": [5, 9, 10, 8, 5, 3]})
    >>> lifecycle_stages(s)["stage"].tolist()
    ['introduction', 'growth', 'maturity', 'decline']
    """
    where = "lifecycle_stages"
    check_frame(sales, "sales", where=where)
    w = check_int(window, "window", where=where, low=1)
    intro = check_int(intro_periods, "intro_periods", where=where, low=0)
    up = check_real(growth, "growth", where=where, low=0)
    down = check_real(decline, "decline", where=where, low=0, high=1)
    peak = check_real(peak_ratio, "peak_ratio", where=where, low=0, high=1)
    check_values(sales, list(sales.columns), where=where, what="sales",
                 fix="Sales per period must be counts or amounts >= 0, zeros for no sales.")
    if len(sales) < 2 * w:
        raise DataError(f"{where}: the sales curve has {len(sales)} periods; comparing two "
                        f"windows of {w} needs at least {2 * w}. Pass a finer freq or window=1.")
    rows = {c: _one(sales[c].to_numpy(dtype=float), w, intro, up, down, peak) for c in sales}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["stage"] = pd.Categorical(out["stage"], categories=list(STAGES), ordered=True)
    out.index.name = sales.columns.name or "product_id"
    return out


def stage_from_age(launch_dates: pd.Series, *, as_of: object,
                   limits: tuple[float, float, float] = (0.5, 2.0, 6.0)) -> pd.Series:
    """Stage by age since launch: < 0.5 years introduction, < 2 growth, < 6 maturity, else decline.

    This is the rule the default data's ``products.lifecycle_stage`` was made with (ages in
    years of 365.25 days at ``as_of``); a lesson can set it beside the sales-curve rule.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.Series(pd.to_datetime(["2025-10-01", "2024-06-01", "2021-01-01", "2015-01-01"]))
    >>> stage_from_age(d, as_of="2025-12-28").tolist()
    ['introduction', 'growth', 'maturity', 'decline']
    """
    day = parse_date(as_of, "as_of", where="stage_from_age", day=True)
    if not pd.api.types.is_datetime64_any_dtype(launch_dates):
        raise DataError(f"stage_from_age: launch_dates must be dates; got dtype "
                        f"{launch_dates.dtype}. Parse them with pd.to_datetime first.")
    age = (day - launch_dates).dt.days / 365.25
    code = np.searchsorted(np.asarray(limits, dtype=float), age.to_numpy(), side="right")
    return pd.Series(pd.Categorical.from_codes(code, categories=list(STAGES), ordered=True),
                     index=launch_dates.index, name="lifecycle_stage")


def lifecycle_check(estimated: pd.Series, truth: pd.Series) -> pd.DataFrame:
    """Confusion table of estimated vs true stages, with the agreement in its name.

    Returns
    -------
    pandas.DataFrame
        Rows: true stage; columns: estimated stage; counts. ``.attrs['agreement']`` is the
        share on the diagonal, ``.attrs['chance']`` the agreement expected by chance.

    Examples
    --------
    >>> import pandas as pd
    >>> t = lifecycle_check(pd.Series(["growth", "maturity"]), pd.Series(["growth", "decline"]))
    >>> t.attrs["agreement"]
    0.5
    """
    e = pd.Categorical(estimated, categories=list(STAGES), ordered=True)
    t = pd.Categorical(truth, categories=list(STAGES), ordered=True)
    if len(e) != len(t):
        raise DataError(f"lifecycle_check: {len(e)} estimates but {len(t)} true stages. "
                        f"Align them by product first.")
    table = pd.crosstab(pd.Series(t, name="true"), pd.Series(e, name="estimated"), dropna=False)
    n = table.to_numpy().sum()
    table.attrs["agreement"] = float(np.trace(table.to_numpy()) / n)
    table.attrs["chance"] = float((table.sum(axis=1) * table.sum(axis=0)).sum() / n**2)
    return table
