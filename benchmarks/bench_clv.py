"""BG/NBD and Gamma-Gamma fits: crmlib.value against lifetimes 0.11.3.

What is timed: the ``fit`` call only, on a summary already in memory (frequency, recency, T in
weeks at day resolution, monetary value), best of ``--repeat`` runs. Two data sets:

- ``cdnow`` — the CDNOW sample's calibration summary (2,357 customers; Fader, Hardie & Lee 2005);
- ``synthetic`` — ``crmlib.datasets.generate(scale=..., tables=["orders"])`` (the default
  ``--scale 12`` gives 144k customers and about 1.2M orders; ``--scale 84`` about 1M
  customers), completed orders, summarised with
  ``crmlib.engine.rfm_summary`` (daily periods, as_of 2025-12-28), time in weeks.

lifetimes 0.11.3 does not import with pandas 3 / numpy 2, so it runs in a subprocess of a
scratch venv (``--lifetimes-python``, default ``benchmarks/_work/venv/bin/python``)::

    python -m venv benchmarks/_work/venv
    benchmarks/_work/venv/bin/pip install lifetimes==0.11.3 "pandas<2.2" "numpy<2" "scipy<1.14" pyarrow

The summary is handed over as a Parquet-free ``.npz`` file. The table shows each library's fit
seconds and parameters, and the largest relative difference between the two parameter sets.
Usage: ``python benchmarks/bench_clv.py [--scale 12] [--repeat 1]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"

CHILD = r"""
import json, sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
from lifetimes import BetaGeoFitter, GammaGammaFitter
d = np.load(sys.argv[1])
repeat = int(sys.argv[2])
out = {}
best = float("inf")
for _ in range(repeat):
    t = time.perf_counter()
    bg = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
    best = min(best, time.perf_counter() - t)
out["bgnbd"] = {"seconds": best, "params": [float(bg.params_[k]) for k in ("r", "alpha", "a", "b")]}
rep = d["frequency"] > 0
best = float("inf")
for _ in range(repeat):
    t = time.perf_counter()
    gg = GammaGammaFitter().fit(d["frequency"][rep], d["monetary_value"][rep])
    best = min(best, time.perf_counter() - t)
out["gamma_gamma"] = {"seconds": best, "params": [float(gg.params_[k]) for k in ("p", "q", "v")]}
print(json.dumps(out))
"""


def cdnow_summary() -> pd.DataFrame:
    import crmlib.datasets as ds
    from crmlib.value import rfm_weeks

    cd = ds.load_cdnow(which="sample")
    return rfm_weeks(cd, date_col="date", amount_col="amount", as_of="1997-09-30")


def synthetic_summary(scale: float) -> pd.DataFrame:
    import crmlib.datasets as ds
    from crmlib.value import rfm_weeks

    orders = ds.generate(scale=scale, tables=["orders"]).orders
    orders = orders[orders["status"] == "completed"]
    return rfm_weeks(orders, amount_col="net_amount", as_of="2025-12-28")


def crmlib_fit(summary: pd.DataFrame, repeat: int) -> dict:
    from crmlib.value import BGNBD, GammaGamma

    out = {}
    for key, model in (("bgnbd", BGNBD), ("gamma_gamma", GammaGamma)):
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            fitted = model().fit(summary)
            best = min(best, time.perf_counter() - t)
        out[key] = {"seconds": best, "params": fitted.params_.tolist()}
    return out


def lifetimes_fit(summary: pd.DataFrame, repeat: int, python: str) -> dict | None:
    if not Path(python).exists():
        print(f"(lifetimes skipped: no interpreter at {python})", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "summary.npz"
        np.savez(path, **{c: summary[c].to_numpy("float64")
                          for c in ("frequency", "recency", "T", "monetary_value")})
        done = subprocess.run([python, "-c", CHILD, str(path), str(repeat)],
                              capture_output=True, text=True, check=False)
    if done.returncode:
        print(f"(lifetimes failed: {done.stderr.strip().splitlines()[-1]})", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=12.0,
                        help="scale of the synthetic data (12 = 144k customers, 84 = about 1M)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--lifetimes-python", default=str(WORK / "venv" / "bin" / "python"))
    parser.add_argument("--skip-synthetic", action="store_true")
    args = parser.parse_args()

    sets = {"cdnow": cdnow_summary}
    if not args.skip_synthetic:
        sets["synthetic"] = lambda: synthetic_summary(args.scale)
    rows = []
    for name, make in sets.items():
        summary = make()
        ours = crmlib_fit(summary, args.repeat)
        theirs = lifetimes_fit(summary, args.repeat, args.lifetimes_python)
        for model in ("bgnbd", "gamma_gamma"):
            row = {"data": name, "customers": len(summary), "model": model,
                   "crmlib s": round(ours[model]["seconds"], 3),
                   "crmlib params": ", ".join(f"{p:.5g}" for p in ours[model]["params"])}
            if theirs:
                a, b = np.array(ours[model]["params"]), np.array(theirs[model]["params"])
                row.update({
                    "lifetimes s": round(theirs[model]["seconds"], 3),
                    "lifetimes params": ", ".join(f"{p:.5g}" for p in b),
                    "max rel diff": float(f"{np.max(np.abs(a / b - 1)):.2g}"),
                    "speed-up": round(theirs[model]["seconds"] / ours[model]["seconds"], 1),
                })
            rows.append(row)
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
