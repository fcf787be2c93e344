"""BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma fits: crmlib.value against lifetimes 0.11.3.

What is timed: the ``fit`` call only, on a summary already in memory (frequency, recency, T in
weeks at day resolution, monetary value), best of ``--repeat`` runs. Four model pairs:

- ``bgnbd`` — ``crmlib.value.BGNBD`` against ``BetaGeoFitter`` (r, alpha, a, b);
- ``pareto_nbd`` — ``crmlib.value.ParetoNBD`` against ``ParetoNBDFitter`` (r, alpha, s, beta);
- ``mbgnbd`` — ``crmlib.value.MBGNBD`` against ``ModifiedBetaGeoFitter`` (r, alpha, a, b);
- ``gamma_gamma`` — ``crmlib.value.GammaGamma`` against ``GammaGammaFitter`` (p, q, v), repeat
  customers only.

Every fitter runs with its defaults (no penalizer). lifetimes' ``ParetoNBDFitter`` runs
Nelder-Mead on the parameters themselves (time rescaled so that the largest T is 1; tol 1e-4
on the total negative log-likelihood, at most 2,000 iterations) from a random start near 1;
the child seeds numpy with 0 before each of its fits, so a run is reproducible. The others
use BFGS (lifetimes with autograd gradients, crmlib with analytic ones, central differences
for Pareto/NBD). Two data sets:

- ``cdnow`` — the CDNOW sample's calibration summary (2,357 customers; Fader, Hardie & Lee 2005);
- ``synthetic`` — ``crmlib.datasets.generate(scale=..., tables=["orders"])`` (the default
  ``--scale 12`` gives 144k customers and about 1.2M orders; ``--scale 84`` about 1M
  customers), completed orders, summarised with
  ``crmlib.engine.rfm_summary`` (daily periods, as_of 2025-12-28), time in weeks.

lifetimes 0.11.3 does not import with pandas 3 / numpy 2, so it runs in a subprocess of a
scratch venv (``--lifetimes-python``, default ``benchmarks/_work/venv/bin/python``, built by
``make benchmarks/_work/venv/.installed`` from ``benchmarks/requirements-peers.txt``).

The summary is handed over as a Parquet-free ``.npz`` file. The table shows each library's fit
seconds and parameters, the largest relative difference between the two parameter sets, the
speed-up (lifetimes seconds / crmlib seconds), and whether lifetimes' optimiser reported
success (``scipy.optimize.minimize``'s ``success`` and iteration count, recorded by wrapping
the ``minimize`` lifetimes calls; its warnings are counted). Because a fit that stops early
can still return parameters, both parameter sets are also scored by the same function,
crmlib's per-customer log-likelihood summed over all customers
(``bgnbd_log_likelihood``, ``pareto_nbd_log_likelihood``, ``mbgnbd_log_likelihood``,
``gamma_gamma_log_likelihood``; ``LL crmlib - lifetimes`` is their difference): the higher
one is the better maximum.

On ``--scale 84`` (about 1M customers) the whole run takes about 14 minutes on 2 cores,
most of it the two Pareto/NBD fits (several minutes each).
A second table times the bootstrap of CLV (``crmlib.value.clv_interval``, parametric, 52
weeks, ``--bootstrap-draws`` draws, every customer's interval plus 10 segment totals) on the same
summaries; the issue's target is under a minute for 1M customers.
Usage: ``python benchmarks/bench_clv.py [--scale 12] [--repeat 1] [--models ...]
[--skip-synthetic] [--bootstrap-draws 100]``.
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

MODELS = ("bgnbd", "pareto_nbd", "mbgnbd", "gamma_gamma")

CHILD = r"""
import json, sys, time, warnings
import numpy as np
import lifetimes.fitters as base
import lifetimes.fitters.pareto_nbd_fitter as pnbd_module
from lifetimes import BetaGeoFitter, GammaGammaFitter, ModifiedBetaGeoFitter, ParetoNBDFitter
from lifetimes.utils import ConvergenceError

# record what scipy's optimiser said: lifetimes keeps only the parameters
results = []
def recording(minimize):
    def wrapped(*args, **kwargs):
        res = minimize(*args, **kwargs)
        results.append(res)
        return res
    return wrapped
base.minimize = recording(base.minimize)
pnbd_module.minimize = recording(pnbd_module.minimize)

d = np.load(sys.argv[1])
repeat = int(sys.argv[2])
models = sys.argv[3].split(",")
x, t_x, T, m = d["frequency"], d["recency"], d["T"], d["monetary_value"]
rep = x > 0
specs = {
    "bgnbd": (BetaGeoFitter, ("r", "alpha", "a", "b"), lambda: (x, t_x, T)),
    "pareto_nbd": (ParetoNBDFitter, ("r", "alpha", "s", "beta"), lambda: (x, t_x, T)),
    "mbgnbd": (ModifiedBetaGeoFitter, ("r", "alpha", "a", "b"), lambda: (x, t_x, T)),
    "gamma_gamma": (GammaGammaFitter, ("p", "q", "v"), lambda: (x[rep], m[rep])),
}
out = {}
for key in models:
    fitter, names, data = specs[key]
    args = data()
    best, fitted, error = float("inf"), None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(repeat):
            np.random.seed(0)
            del results[:]
            t = time.perf_counter()
            try:
                fitted = fitter().fit(*args)
            except ConvergenceError as exc:
                error = str(exc).strip()
                fitted = None
                break
            best = min(best, time.perf_counter() - t)
    res = results[-1] if results else None
    messages = sorted({f"{w.category.__name__}: {w.message}" for w in caught
                       if not issubclass(w.category, (FutureWarning, DeprecationWarning))})
    out[key] = {
        "seconds": best if fitted is not None else None,
        "params": [float(fitted.params_[k]) for k in names] if fitted is not None else None,
        "success": bool(res.success) if res is not None else None,
        "nit": int(getattr(res, "nit", -1)) if res is not None else None,
        "message": str(res.message) if res is not None else None,
        "error": error,
        "warnings": messages,
    }
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


def crmlib_fit(summary: pd.DataFrame, repeat: int, models: list[str]) -> dict:
    from crmlib.value import BGNBD, MBGNBD, GammaGamma, ParetoNBD

    classes = {"bgnbd": BGNBD, "pareto_nbd": ParetoNBD, "mbgnbd": MBGNBD, "gamma_gamma": GammaGamma}
    out = {}
    for key in models:
        best = float("inf")
        for _ in range(repeat):
            t = time.perf_counter()
            fitted = classes[key]().fit(summary)
            best = min(best, time.perf_counter() - t)
        out[key] = {"seconds": best, "params": fitted.params_.tolist(),
                    "converged": bool(fitted.converged_), "nit": int(fitted.n_iter_)}
    return out


def log_likelihood(model: str, params, summary: pd.DataFrame) -> float:
    """Total log-likelihood of ``params`` on the whole summary, by crmlib's function for ``model``."""
    from crmlib import value

    x, t_x, T = (summary[c].to_numpy("float64") for c in ("frequency", "recency", "T"))
    with np.errstate(all="ignore"):
        if model == "gamma_gamma":
            rep = x > 0
            ll = value.gamma_gamma_log_likelihood(params, x[rep], summary["monetary_value"].to_numpy("float64")[rep])
        else:
            func = {"bgnbd": value.bgnbd_log_likelihood, "pareto_nbd": value.pareto_nbd_log_likelihood,
                    "mbgnbd": value.mbgnbd_log_likelihood}[model]
            ll = func(params, x, t_x, T)
    return float(np.sum(ll))


def lifetimes_fit(summary: pd.DataFrame, repeat: int, python: str, models: list[str]) -> dict | None:
    if not Path(python).exists():
        print(f"(lifetimes skipped: no interpreter at {python})", file=sys.stderr)
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "summary.npz"
        np.savez(path, **{c: summary[c].to_numpy("float64")
                          for c in ("frequency", "recency", "T", "monetary_value")})
        done = subprocess.run([python, "-c", CHILD, str(path), str(repeat), ",".join(models)],
                              capture_output=True, text=True, check=False)
    if done.returncode:
        print(f"(lifetimes failed: {done.stderr.strip().splitlines()[-1]})", file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def _converged(peer: dict) -> str:
    """``yes``/``no`` from scipy's ``success``, with the iteration count, warnings and errors."""
    if peer["error"]:
        text = "no (ConvergenceError)"
    elif peer["success"] is None:
        text = "?"
    else:
        text = ("yes" if peer["success"] else f"no ({peer['message']})") + f", {peer['nit']} it"
    if peer["warnings"]:
        text += f", {len(peer['warnings'])} warning(s)"
    return text


def _fmt(values) -> str:
    return ", ".join(f"{p:.5g}" for p in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=12.0,
                        help="scale of the synthetic data (12 = 144k customers, 84 = about 1M)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--lifetimes-python", default=str(WORK / "venv" / "bin" / "python"))
    parser.add_argument("--skip-synthetic", action="store_true")
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--bootstrap-draws", type=int, default=100,
                        help="draws of the CLV bootstrap timed on each data set (0 = skip)")
    args = parser.parse_args()

    sets = {"cdnow": cdnow_summary}
    if not args.skip_synthetic:
        sets["synthetic"] = lambda: synthetic_summary(args.scale)
    rows, notes, boot_rows = [], [], []
    for name, make in sets.items():
        summary = make()
        if args.bootstrap_draws:
            boot_rows += clv_bootstrap(name, summary, args.bootstrap_draws, args.models)
        ours = crmlib_fit(summary, args.repeat, args.models)
        theirs = lifetimes_fit(summary, args.repeat, args.lifetimes_python, args.models)
        for model in args.models:
            row = {"data": name, "customers": len(summary), "model": model,
                   "crmlib s": round(ours[model]["seconds"], 3),
                   "crmlib params": _fmt(ours[model]["params"]),
                   "crmlib LL": round(log_likelihood(model, ours[model]["params"], summary), 2)}
            if theirs:
                peer = theirs[model]
                row["lifetimes s"] = round(peer["seconds"], 3) if peer["seconds"] is not None else None
                if peer["params"] is not None:
                    a, b = np.array(ours[model]["params"]), np.array(peer["params"])
                    ll_ours = log_likelihood(model, a, summary)
                    ll_theirs = log_likelihood(model, b, summary)
                    row.update({
                        "lifetimes params": _fmt(b),
                        "lifetimes LL": round(ll_theirs, 2),
                        "LL crmlib - lifetimes": float(f"{ll_ours - ll_theirs:.2g}"),
                        "max rel diff": float(f"{np.max(np.abs(a / b - 1)):.2g}"),
                        "speed-up": round(peer["seconds"] / ours[model]["seconds"], 1),
                    })
                row["lifetimes converged"] = _converged(peer)
                for message in peer["warnings"]:
                    notes.append(f"{name} {model}: lifetimes warned {message}")
                if peer["error"]:
                    notes.append(f"{name} {model}: lifetimes raised {peer['error']}")
            rows.append(row)
    table = pd.DataFrame(rows)
    order = ["data", "customers", "model", "crmlib s", "lifetimes s", "speed-up", "crmlib params",
             "lifetimes params", "max rel diff", "crmlib LL", "lifetimes LL", "LL crmlib - lifetimes",
             "lifetimes converged"]
    table = table[[c for c in order if c in table.columns]]
    print(_markdown(table))
    for note in notes:
        print(f"- {note}")
    if boot_rows:
        print()
        print(_markdown(pd.DataFrame(boot_rows)))


def clv_bootstrap(name: str, summary: pd.DataFrame, n_draws: int, models: list[str]) -> list[dict]:
    """Time ``clv_interval`` (parametric, 52 weeks, with 10 segments) for each purchase model.

    No peer has this (lifetimes gives CLV at the estimates only), so the table is crmlib's own:
    seconds, seconds per draw, and the total with its 95% interval. Pareto/NBD is timed on
    CDNOW only: its P(alive) is a hypergeometric evaluation per customer and draw.
    """
    from crmlib.value import BGNBD, MBGNBD, GammaGamma, ParetoNBD, clv_interval

    classes = {"bgnbd": BGNBD, "mbgnbd": MBGNBD, "pareto_nbd": ParetoNBD}
    keys = [k for k in models if k in classes and (k != "pareto_nbd" or len(summary) < 100_000)]
    gg = GammaGamma().fit(summary)
    segments = np.arange(len(summary)) % 10
    rows = []
    for key in keys:
        model = classes[key]().fit(summary)
        t = time.perf_counter()
        res = clv_interval(model, gg, summary, n_draws=n_draws, segments=segments, horizon=52)
        seconds = time.perf_counter() - t
        rows.append({"data": name, "customers": len(summary), "model": key, "draws": n_draws,
                     "seconds": round(seconds, 2), "per draw s": round(seconds / n_draws, 3),
                     "failed": res.n_failed, "total CLV": f"{res.total['clv']:,.0f}",
                     "95% interval": f"{res.total['ci_low']:,.0f} to {res.total['ci_high']:,.0f}"})
    return rows


def _markdown(table: pd.DataFrame) -> str:
    """A pipe table (no tabulate needed)."""
    def cell(v) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return f"{v:,}"
        return str(v)

    lines = ["| " + " | ".join(table.columns) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
