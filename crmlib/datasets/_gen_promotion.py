"""A regional before/after promotion of the default teaching data: weekly sales by store.

The orchestrator (:mod:`crmlib.datasets._generator`) calls :func:`make_promotion_tables` with
a random stream of its own (the fifth child of the seed's ``SeedSequence``, so no other table
changes) and merges the returned truth under ``"store_promotion"``.

Sixty stores (twelve per region) report weekly sales over the last 52 weeks of the history.
From ``PROMO_START`` the stores of ``PROMO_REGIONS`` run a member-day promotion.  Log sales
of store ``i`` in week ``t`` are

    a_i + s_t + effect(t - start) x promoted_i + u_it

- ``a_i``: the store's level, normal around ``log(BASE_SALES)``, higher by ``REGION_SHIFT``
  in the promoting regions (they are the larger ones: levels may differ, trends may not);
- ``s_t``: a season and holiday weeks shared by every store, so a before/after comparison
  in the promoting stores alone mixes the promotion with the season;
- ``effect(k)``: 0 before the start, then ramps over the first ``RAMP_WEEKS`` weeks to
  ``EFFECT`` (log scale) and stays there;
- ``u_it``: AR(1) noise within each store (``AR_RHO``, marginal sd ``NOISE_SD``) — serially
  correlated, so row-level standard errors that ignore the store clusters are too small.

There are no region-wide shocks, so clustering by store is the right inference for this
panel (with regional shocks it would be by region, and five regions are too few clusters).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crmlib.datasets._constants import REGIONS

__all__ = ["DESCRIPTIONS", "SCHEMAS", "effect_path", "make_promotion_tables"]

STORES_PER_REGION = 12
N_WEEKS = 52
PROMO_REGIONS = ("East", "South")
PROMO_START = pd.Timestamp("2025-07-07")  # a Monday: week 27 of the 52
EFFECT = 0.06
RAMP_WEEKS = 3
BASE_SALES = 60_000.0
STORE_SD = 0.3
REGION_SHIFT = 0.2
SEASON_AMPLITUDE = 0.12
HOLIDAYS = {"2025-01-27": 0.35, "2025-04-28": 0.15, "2025-09-29": 0.25, "2025-11-10": 0.3}
AR_RHO = 0.6
NOISE_SD = 0.05
COST_PER_STORE_WEEK = 1_500.0
GROSS_MARGIN = 0.3

SCHEMAS: dict[str, dict[str, object]] = {
    "store_weekly_sales": {
        "store_id": "id",
        "region": "category",
        "week": "date",
        "promoted": "bool",
        "post": "bool",
        "sales": "float",
    },
}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "store_weekly_sales": {
        "_table": ("One store in one week of the last 52 weeks: sales in yuan. From 7 July 2025 "
                   "the stores of East and South ran a member-day promotion; the other regions' "
                   "stores did not. The season and holiday weeks are shared by every store, so "
                   "the promotion's effect is found by difference-in-differences, not by a "
                   "before/after comparison. The effect path, the store levels and the "
                   "promotion's cost are in `ground_truth.json` under `store_promotion`."),
        "store_id": "Store key (S01-S60, twelve per region).",
        "region": "Sales region of the store.",
        "week": "Monday of the week.",
        "promoted": "1 if the store's region ran the promotion (for the whole panel, before and after).",
        "post": "1 from the promotion's first week (7 July 2025) on.",
        "sales": "Sales in the week, yuan.",
    },
}


def effect_path(relative_weeks: np.ndarray) -> np.ndarray:
    """The true effect on log sales ``k`` weeks after the start (0 before it).

    >>> effect_path(np.array([-1, 0, 1, 2, 3])).round(3).tolist()
    [0.0, 0.02, 0.04, 0.06, 0.06]
    """
    k = np.asarray(relative_weeks, dtype=float)
    return np.where(k < 0, 0.0, EFFECT * np.minimum(1.0, (k + 1) / RAMP_WEEKS))


def make_promotion_tables(rng: np.random.Generator, *, end: pd.Timestamp
                          ) -> tuple[dict[str, pd.DataFrame], dict[str, object]]:
    """Simulate ``store_weekly_sales`` for the 52 weeks ending at ``end``.

    Examples
    --------
    >>> t, truth = make_promotion_tables(np.random.default_rng(1), end=pd.Timestamp("2025-12-28"))
    >>> frame = t["store_weekly_sales"]
    >>> len(frame), frame["store_id"].nunique(), int(frame["promoted"].sum() // 52)
    (3120, 60, 24)
    """
    weeks = pd.date_range(end=end.to_period("W-SUN").start_time, periods=N_WEEKS, freq="W-MON")
    n_stores = STORES_PER_REGION * len(REGIONS)
    region = np.repeat(np.arange(len(REGIONS)), STORES_PER_REGION)
    promoted = np.isin(np.asarray(REGIONS)[region], PROMO_REGIONS)
    level = (np.log(BASE_SALES) + STORE_SD * rng.standard_normal(n_stores)
             + REGION_SHIFT * promoted)
    t = np.arange(N_WEEKS)
    season = SEASON_AMPLITUDE * np.sin(2 * np.pi * (t - 10) / N_WEEKS)
    for day, bump in HOLIDAYS.items():
        season = season + bump * (weeks == pd.Timestamp(day).to_period("W-SUN").start_time)
    innov = np.sqrt(1 - AR_RHO ** 2) * NOISE_SD * rng.standard_normal((N_WEEKS, n_stores))
    noise = np.empty_like(innov)
    noise[0] = NOISE_SD * rng.standard_normal(n_stores)
    for w in range(1, N_WEEKS):
        noise[w] = AR_RHO * noise[w - 1] + innov[w]
    rel = ((weeks - PROMO_START).days // 7).to_numpy()
    effect = effect_path(rel)
    log_sales = level[None, :] + season[:, None] + effect[:, None] * promoted[None, :] + noise
    ids = np.array([f"S{i + 1:02d}" for i in range(n_stores)])
    frame = pd.DataFrame({
        "store_id": np.tile(ids, N_WEEKS),
        "region": pd.Categorical(np.tile(np.asarray(REGIONS)[region], N_WEEKS), categories=REGIONS),
        "week": np.repeat(weeks.to_numpy(), n_stores),
        "promoted": np.tile(promoted, N_WEEKS),
        "post": np.repeat(rel >= 0, n_stores),
        "sales": np.round(np.exp(log_sales), 2).ravel(),
    }).sort_values(["store_id", "week"], kind="stable").reset_index(drop=True)
    post = rel >= 0
    # expected incremental sales: the promoting stores' expected sales without the promotion
    # (noise mean exp(sd^2/2)) times exp(effect) - 1, summed over the post weeks
    base = np.exp(level[promoted][None, :] + season[post][:, None] + NOISE_SD ** 2 / 2)
    incremental = float((base * np.expm1(effect[post])[:, None]).sum())
    cost = COST_PER_STORE_WEEK * int(promoted.sum()) * int(post.sum())
    truth = {
        "model": ("log sales = store level + shared season/holidays + effect(weeks since start) "
                  "x promoted + AR(1) noise within store; no regional shocks"),
        "promo_regions": list(PROMO_REGIONS), "start": str(PROMO_START.date()),
        "effect_log": EFFECT, "ramp_weeks": RAMP_WEEKS,
        "effect_by_week": dict(zip(rel[post].astype(int).astype(str).tolist(),
                                   effect[post].tolist(), strict=True)),
        "average_effect_log": float(effect[post].mean()),
        "region_shift": REGION_SHIFT, "store_sd": STORE_SD, "ar_rho": AR_RHO, "noise_sd": NOISE_SD,
        "season_amplitude": SEASON_AMPLITUDE, "holidays": HOLIDAYS,
        "expected_incremental_sales": incremental,
        "cost_per_store_week": COST_PER_STORE_WEEK, "promotion_cost": cost,
        "gross_margin": GROSS_MARGIN,
        "expected_incremental_profit": GROSS_MARGIN * incremental - cost,
        "store_level": dict(zip(ids.tolist(), np.exp(level).round(2).tolist(), strict=True)),
    }
    return {"store_weekly_sales": frame[list(SCHEMAS["store_weekly_sales"])]}, {"store_promotion": truth}
