"""Benchmark: the price-elasticity fit on a price panel scaled x100, crmlib against statsmodels.

The default price panel (156 weeks x 5 regions x 6 categories = 4,680 rows) is tiled 10 x in
stores (each region becomes 10 stores, with store-level demand shifts) and 10 x in weeks
(ten consecutive copies of the three years), with fresh noise on log units: 468,000 rows,
50 stores, 1,560 weeks.  Both fits estimate, per category, log units on log price, log
competitor price, feature, display, trend, two Fourier harmonics and four event effects,
with store fixed effects and standard errors clustered by week:

- ``crmlib``       ``fit_elasticity(panel, absorb="store")`` — stores absorbed by the within
  transformation;
- ``statsmodels``  ``sm.OLS`` on the same regressors plus 50 store dummy columns,
  ``fit(cov_type="cluster")`` — the plain way (the design matrix is built inside the timing).

The script checks that coefficients and standard errors agree (max absolute difference
printed) and prints best-of-``--repeat`` wall times and their ratio.  It is not a test.

Usage::

    python benchmarks/bench_pricing.py               # x100, best of 3
    python benchmarks/bench_pricing.py --stores 4 --weeks 5 --repeat 5
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def tiled_panel(stores: int, weeks: int, seed: int = 0) -> pd.DataFrame:
    from crmlib.datasets import load_default

    base = load_default(tables=["price_panel"]).price_panel
    rng = np.random.default_rng(seed)
    span = (base["week"].max() - base["week"].min()) + pd.Timedelta(days=7)
    parts = []
    for w in range(weeks):
        for s in range(stores):
            part = base.copy()
            part["week"] = part["week"] + w * span
            part["store"] = part["region"].astype(str) + f"-{s:02d}"
            shift = rng.normal(0, 0.2) + rng.normal(0, 0.1, len(part))
            part["units"] = np.maximum(1, np.round(part["units"] * np.exp(shift))).astype("int64")
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def run_crmlib(panel: pd.DataFrame) -> pd.DataFrame:
    from crmlib.pricing import fit_elasticity

    return fit_elasticity(panel, absorb="store").coefficients


def run_statsmodels(panel: pd.DataFrame) -> pd.DataFrame:
    import statsmodels.api as sm

    t = (panel["week"] - panel["week"].min()).dt.days.to_numpy() / 7.0
    events = ["chinese_new_year", "mid_year_618", "national_day", "singles_day"]
    out = {}
    for cat, g in panel.groupby("category", observed=True, sort=True):
        tt = t[g.index.to_numpy()]
        X = pd.DataFrame({
            "log_price": np.log(g["price"]), "log_competitor_price": np.log(g["competitor_price"]),
            "feature": g["feature"].astype(float), "display": g["display"].astype(float),
            "trend": tt / 52,
            "sin1": np.sin(2 * np.pi * tt / 52), "cos1": np.cos(2 * np.pi * tt / 52),
            "sin2": np.sin(4 * np.pi * tt / 52), "cos2": np.cos(4 * np.pi * tt / 52),
        }, index=g.index)
        for ev in events:
            X[f"event[{ev}]"] = (g["event"].astype(str) == ev).astype(float)
        X = pd.concat([X, pd.get_dummies(g["store"], dtype=float)], axis=1)
        fit = sm.OLS(np.log(g["units"].astype(float)), X).fit(
            cov_type="cluster", cov_kwds={"groups": g["week"].astype("int64").to_numpy()})
        terms = X.columns[: 9 + len(events)]
        out[cat] = pd.DataFrame({"estimate": fit.params[terms], "std_error": fit.bse[terms]})
    return pd.concat(out, names=["category", "term"])


def best_time(fn, panel, repeat: int):
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(panel)
        best = min(best, time.perf_counter() - start)
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=10, help="stores per region (x)")
    parser.add_argument("--weeks", type=int, default=10, help="copies of the weeks (x)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    panel = tiled_panel(args.stores, args.weeks)
    print(f"panel: {len(panel):,} rows, {panel['store'].nunique()} stores, "
          f"{panel['week'].nunique():,} weeks, {panel['category'].nunique()} categories")
    t_ours, ours = best_time(run_crmlib, panel, args.repeat)
    t_sm, ref = best_time(run_statsmodels, panel, args.repeat)
    ref = ref.loc[ours.index]
    d_est = float(np.max(np.abs(ours["estimate"] - ref["estimate"])))
    d_se = float(np.max(np.abs(ours["std_error"] / ref["std_error"] - 1)))
    print(f"max |coefficient difference| = {d_est:.2e}; max relative SE difference = {d_se:.2e}")
    if d_est > 1e-8 or d_se > 1e-8:
        raise SystemExit("the two fits disagree")
    print(f"{'engine':<14}{'best s':>10}{'ratio':>8}")
    print(f"{'crmlib':<14}{t_ours:>10.3f}{t_ours / t_sm:>8.2f}")
    print(f"{'statsmodels':<14}{t_sm:>10.3f}{1.0:>8.2f}")


if __name__ == "__main__":
    main()
