"""Cronbach's alpha: crmlib.satisfaction against pingouin 0.5.5.

What is compared: on the default data's satisfaction survey (five scales of two or three
Likert items, about 3,000 respondents, answers missing about 1% of the time), each scale's
alpha and its 95% interval from ``crmlib.satisfaction.cronbach_alpha`` and from pingouin's
``cronbach_alpha`` with listwise deletion (crmlib's rule: the rows that answered every item),
and on a large simulated survey (``--n`` respondents x 10 items) the time of each call (best
of ``--repeat``). Alpha must agree to 1e-12. Both intervals are Feldt's F-based interval, which
pingouin rounds to 3 decimals; on the complete simulated survey crmlib's, rounded the same way,
must equal it. On the real scales they differ a little, on purpose: pingouin takes the
degrees of freedom from the number of rows *before* its listwise deletion, crmlib from the
rows it used (Feldt's n is the number of complete answers).

pingouin has its own environment (``benchmarks/_work/venv-satisfaction``, pinned in
``requirements-satisfaction.txt``; ``make bench`` builds it) and runs in a subprocess on a
Parquet hand-over. Usage: ``python benchmarks/bench_satisfaction.py [--n 1000000] [--repeat 3]``.
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
import pandas as pd
warnings.simplefilter("ignore")
import pingouin as pg
spec = json.loads(open(sys.argv[1]).read())
out = {}
for name, (path, items) in spec["scales"].items():
    df = pd.read_parquet(path)[items]
    a, ci = pg.cronbach_alpha(data=df, nan_policy="listwise", ci=0.95)
    out[name] = {"alpha": float(a), "low": float(ci[0]), "high": float(ci[1])}
big = pd.read_parquet(spec["big"])
best = float("inf")
for _ in range(spec["repeat"]):
    t = time.perf_counter()
    a, ci = pg.cronbach_alpha(data=big, nan_policy="listwise", ci=0.95)
    best = min(best, time.perf_counter() - t)
out["_time"] = best
out["_big"] = {"alpha": float(a), "low": float(ci[0]), "high": float(ci[1])}
print(json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="respondents of the timed survey")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-python", default=str(WORK / "venv-satisfaction" / "bin" / "python"))
    args = parser.parse_args()

    import crmlib.datasets as ds
    from crmlib.satisfaction import cronbach_alpha

    survey = ds.load_default(tables=["survey"]).survey
    scales: dict[str, list[str]] = {}
    for c in survey.columns:
        parts = c.split("_")
        if len(parts) >= 3 and parts[0] == "q":
            scales.setdefault(parts[1], []).append(c)
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(args.n, 1))
    big = pd.DataFrame(np.clip(np.rint(3 + latent + rng.normal(size=(args.n, 10))), 1, 5),
                       columns=[f"i{j}" for j in range(10)])
    ours = {name: cronbach_alpha(survey, items) for name, items in scales.items()}
    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        big_alpha = cronbach_alpha(big, list(big.columns))
        best = min(best, time.perf_counter() - t)

    peer = None
    if Path(args.peer_python).exists():
        with tempfile.TemporaryDirectory() as tmp:
            spec = {"scales": {}, "repeat": args.repeat, "big": str(Path(tmp) / "big.parquet")}
            survey_path = Path(tmp) / "survey.parquet"
            survey.to_parquet(survey_path)
            spec["scales"] = {name: (str(survey_path), items) for name, items in scales.items()}
            big.to_parquet(spec["big"])
            (Path(tmp) / "spec.json").write_text(json.dumps(spec))
            done = subprocess.run([args.peer_python, "-c", CHILD, str(Path(tmp) / "spec.json")],
                                  capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(done.stderr[-2000:], file=sys.stderr)
                return 1
            peer = json.loads(done.stdout.strip().splitlines()[-1])
    else:
        print(f"pingouin's environment is missing ({args.peer_python}): run `make bench` first; "
              "showing crmlib only", file=sys.stderr)

    print(f"{'scale':<10} {'items':>5} {'n':>6} {'crmlib alpha':>13} {'95% interval':>17}   "
          f"{'pingouin':>10} {'95% interval':>15}  |diff|")
    worst_alpha = worst_ci = 0.0
    for name, r in ours.items():
        line = f"{name:<10} {r.k:>5} {r.n:>6} {r.alpha:>13.6f} [{r.low:.4f}, {r.high:.4f}]"
        if peer:
            p = peer[name]
            d = abs(r.alpha - p["alpha"])
            worst_alpha = max(worst_alpha, d)
            line += f"   {p['alpha']:>10.6f} [{p['low']:.3f}, {p['high']:.3f}]  {d:.1e}"
        print(line)
    print(f"\ntimed: {args.n:,} respondents x 10 items, best of {args.repeat}: crmlib {best:.3f} s"
          + (f", pingouin {peer['_time']:.3f} s (ratio {peer['_time'] / best:.1f})" if peer else ""))
    if peer:
        b = peer["_big"]
        worst_alpha = max(worst_alpha, abs(big_alpha.alpha - b["alpha"]))
        # pingouin rounds its interval to 3 decimals: compare after the same rounding
        worst_ci = max(abs(round(big_alpha.low, 3) - b["low"]), abs(round(big_alpha.high, 3) - b["high"]))
        print(f"simulated survey (no missing answers): crmlib {big_alpha.alpha:.6f} [{big_alpha.low:.4f}, "
              f"{big_alpha.high:.4f}], pingouin {b['alpha']:.6f} [{b['low']:.3f}, {b['high']:.3f}]")
        ok = worst_alpha <= 1e-12 and worst_ci <= 1e-12
        print(f"alpha identical to 1e-12: {worst_alpha <= 1e-12} (largest difference {worst_alpha:.1e}); "
              f"interval on complete data identical at pingouin's 3 decimals: {worst_ci <= 1e-12}; on the survey's "
              "scales pingouin's df count the rows before its listwise deletion")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
