"""Launch-aware product sales of the default teaching data: a monthly market sell-out panel.

The orchestrator (:mod:`crmlib.datasets._generator`) calls :func:`make_lifecycle_tables` with a
random stream of its own (the fourth child of the seed's ``SeedSequence``, so no other table
changes) and the products table, and merges the returned truth under ``"product_lifecycle"``.

Expected units of a product in a month are ``peak_units x curve(age)``, with ``age`` in years
since launch at the middle of the month and, in the launch month, the share of the month after
the launch:

- ramp (age < ``RAMP_YEARS``): ``START_LEVEL + (1 - START_LEVEL) x age / RAMP_YEARS``;
- plateau (``RAMP_YEARS`` <= age < ``PLATEAU_END``): 1;
- decline (age >= ``PLATEAU_END``): ``exp(-DECLINE_RATE x (age - PLATEAU_END))``.

The ramp ends at 2 years and the decline starts at 6, the age limits of
``products.lifecycle_stage``. Units are Poisson around the expectation; there is no
seasonality, so half-year windows compare like with like. ``peak_units`` is log-normal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["DESCRIPTIONS", "SCHEMAS", "expected_units", "make_lifecycle_tables"]

START_LEVEL = 0.2
RAMP_YEARS = 2.0
PLATEAU_END = 6.0
DECLINE_RATE = 1.0
PEAK_MEDIAN = 2500.0
PEAK_SIGMA = 0.4
YEAR_DAYS = 365.25

SCHEMAS: dict[str, dict[str, object]] = {
    "product_monthly_sales": {
        "product_id": "id",
        "month": "date",
        "units": "int",
        "revenue": "float",
    },
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "product_monthly_sales": {
        "_table": ("One product in one calendar month of the market sell-out panel: units sold "
                   "across all retailers, zero before the product's launch. Unlike the order "
                   "lines, these sales follow each product's life cycle since its launch date "
                   "(ramp to a peak at 2 years, plateau to 6, then decline), so the sales-curve "
                   "stage rule of lesson 01 can be checked against `products.lifecycle_stage`. "
                   "The curve and every product's peak are in `ground_truth.json` under "
                   "`product_lifecycle`."),
        "product_id": "Product (see `products`).",
        "month": "First day of the calendar month.",
        "units": "Units sold in the month (Poisson around the life-cycle curve).",
        "revenue": "Units x the product's list price, yuan.",
    },
}


def curve(age_years: np.ndarray) -> np.ndarray:
    """Relative sales level at an age in years (0 before launch); the peak level is 1."""
    a = np.asarray(age_years, dtype=float)
    ramp = START_LEVEL + (1 - START_LEVEL) * a / RAMP_YEARS
    out = np.where(a < RAMP_YEARS, ramp, 1.0)
    out = np.where(a >= PLATEAU_END, np.exp(-DECLINE_RATE * (a - PLATEAU_END)), out)
    return np.where(a < 0, 0.0, out)


def expected_units(launch_dates: pd.Series, peak_units: np.ndarray, months: pd.DatetimeIndex) -> np.ndarray:
    """Expected units, shape (months, products), of the documented life-cycle curve.

    Examples
    --------
    >>> import pandas as pd
    >>> months = pd.date_range("2025-01-01", periods=3, freq="MS")
    >>> e = expected_units(pd.Series(pd.to_datetime(["2025-02-16"])), np.array([100.0]), months)
    >>> e.round(1).ravel().tolist()
    [0.0, 9.6, 23.1]
    """
    start = months.to_numpy(dtype="datetime64[D]")[:, None]
    end = (months + pd.offsets.MonthBegin(1)).to_numpy(dtype="datetime64[D]")[:, None]
    launch = pd.to_datetime(launch_dates).to_numpy(dtype="datetime64[D]")[None, :]
    days = (end - start).astype(float)
    mid = start + ((end - start) // 2)
    age = (mid - launch).astype(float) / YEAR_DAYS
    live = np.clip((end - np.maximum(start, launch)).astype(float) / days, 0.0, 1.0)
    # the launch month: age at the middle of the part after the launch
    first = (launch > start) & (launch < end)
    age = np.where(first, (end - launch).astype(float) / 2 / YEAR_DAYS, age)
    return np.asarray(peak_units, dtype=float)[None, :] * curve(age) * live


def make_lifecycle_tables(rng: np.random.Generator, products: pd.DataFrame, *, start: pd.Timestamp,
                          end: pd.Timestamp) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    """Simulate ``product_monthly_sales`` for every product, months ``start`` to ``end``.

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"product_id": ["P1"], "list_price": [10.0],
    ...                   "launch_date": pd.to_datetime(["2024-06-01"])})
    >>> t, truth = make_lifecycle_tables(np.random.default_rng(1), p, start=pd.Timestamp("2024-01-01"),
    ...                                  end=pd.Timestamp("2024-12-31"))
    >>> t["product_monthly_sales"]["units"].iloc[:5].tolist()
    [0, 0, 0, 0, 0]
    """
    months = pd.date_range(start.to_period("M").start_time, end.to_period("M").start_time, freq="MS")
    peak = np.round(PEAK_MEDIAN * np.exp(PEAK_SIGMA * rng.standard_normal(len(products))), 1)
    mu = expected_units(products["launch_date"], peak, months)
    units = rng.poisson(mu)
    price = products["list_price"].to_numpy(dtype=float)
    frame = pd.DataFrame({
        "product_id": np.tile(products["product_id"].astype(str).to_numpy(), len(months)),
        "month": np.repeat(months.to_numpy(), len(products)),
        "units": units.ravel().astype(np.int64),
        "revenue": np.round(units * price[None, :], 2).ravel(),
    }).sort_values(["product_id", "month"], kind="stable").reset_index(drop=True)
    truth = {
        "curve": ("expected units = peak_units x level(age), age in years at mid-month; level = "
                  f"{START_LEVEL} + {1 - START_LEVEL:g} x age / {RAMP_YEARS:g} below {RAMP_YEARS:g} "
                  f"years, 1 until {PLATEAU_END:g}, exp(-{DECLINE_RATE:g} x (age - {PLATEAU_END:g})) "
                  "after; the launch month counts the days after the launch only; units ~ Poisson"),
        "start_level": START_LEVEL, "ramp_years": RAMP_YEARS, "plateau_end": PLATEAU_END,
        "decline_rate": DECLINE_RATE, "seasonality": "none",
        "peak_units": dict(zip(products["product_id"].astype(str), peak.tolist(), strict=True)),
    }
    return {"product_monthly_sales": frame[list(SCHEMAS["product_monthly_sales"])]}, {"product_lifecycle": truth}
