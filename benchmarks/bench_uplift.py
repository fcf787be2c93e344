"""Qini coefficient: crmlib.promotion against scikit-uplift 0.5.1 on Hillstrom.

What is compared: on Kevin Hillstrom's e-mail test (the Womens e-mail arm against no e-mail,
42,693 customers; outcome ``visit``), three scores — a two-model uplift fit (crmlib, trained
on 60% of the customers and scored on the other 40%), a random score, and the ideal ranking
(treated converters first) — are handed to ``crmlib.promotion.qini_coefficient`` and to
scikit-uplift's ``sklift.metrics.qini_auc_score`` (both ``negative_effect`` settings where
scikit-uplift accepts them). The coefficients must agree to 1e-12; the table shows both and
the time of each call (best of ``--repeat``), and the time of a 200-resample bootstrap of the
coefficient in ``crmlib.promotion.evaluate_uplift`` against a loop of scikit-uplift calls on
the same resamples.

scikit-uplift 0.5.1 (last release 2022) is installed in the peers' environment
(``benchmarks/_work/venv``, ``benchmarks/requirements-peers.txt``; ``make bench`` builds it),
and runs in a subprocess on an ``.npz`` hand-over. Usage:
``python benchmarks/bench_uplift.py [--repeat 5] [--boot 200]``.
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

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"

CHILD = r"""
import json, sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
from sklift.metrics import qini_auc_score
d = np.load(sys.argv[1])
repeat, boot = int(sys.argv[2]), int(sys.argv[3])
out = {}
for name in [k for k in d.files if k.startswith("score_")]:
    row = {}
    for neg in (True, False):
        best = float("inf")
        try:
            for _ in range(repeat):
                t = time.perf_counter()
                v = qini_auc_score(d["y"], d[name], d["w"], negative_effect=neg)
                best = min(best, time.perf_counter() - t)
            row[str(neg)] = {"value": float(v), "seconds": best}
        except ValueError as exc:
            row[str(neg)] = {"value": None, "error": str(exc)[:80]}
    out[name] = row
# the bootstrap: the same resampled index sets as crmlib's counts
idx = d["boot_index"]
t = time.perf_counter()
vals = [qini_auc_score(d["y"][i], d["score_two_model"][i], d["w"][i]) for i in idx[:boot]]
out["bootstrap"] = {"seconds": time.perf_counter() - t, "values": [float(v) for v in vals]}
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--boot", type=int, default=200)
    parser.add_argument("--peer-python", default=str(WORK / "venv" / "bin" / "python"))
    args = parser.parse_args()

    from crmlib.datasets import load_hillstrom
    from crmlib.promotion import evaluate_uplift, fit_uplift, qini_coefficient
    from crmlib.promotion._uplift import _boot_chunks, _boot_weights

    hs = load_hillstrom()
    two = hs[hs["segment"].isin(["Womens E-Mail", "No E-Mail"])].reset_index(drop=True)
    two["treated"] = two["segment"] == "Womens E-Mail"
    feats = ["recency", "history", "mens", "womens", "zip_code", "newbie", "channel"]
    test = np.random.default_rng(0).random(len(two)) < 0.4
    model = fit_uplift(two[~test], "visit", treatment="treated", features=feats)
    held = two[test]
    y = held["visit"].to_numpy(dtype=int)
    w = held["treated"].to_numpy(dtype=int)
    scores = {"two_model": model.predict(held),
              "random": np.random.default_rng(1).random(len(held)),
              "ideal": (y * w - y * (1 - w)).astype(float)}
    ours = {}
    for name, s in scores.items():
        row = {}
        for neg in (True, False):
            best = float("inf")
            for _ in range(args.repeat):
                t = time.perf_counter()
                v = qini_coefficient(y, w, s, negative_effect=neg)
                best = min(best, time.perf_counter() - t)
            row[str(neg)] = {"value": v, "seconds": best}
        ours[name] = row
    # bootstrap: crmlib's counts turned into index sets for the peer
    weights = np.hstack(list(_boot_weights(w == 1, _boot_chunks(len(y), args.boot), 0)))
    boot_index = np.stack([np.repeat(np.arange(len(y)), weights[:, b].astype(int))
                           for b in range(args.boot)])
    t = time.perf_counter()
    ev = evaluate_uplift(y, w, {"two_model": scores["two_model"]}, n_boot=args.boot, n_points=20)
    ours_boot = time.perf_counter() - t

    peer = None
    if Path(args.peer_python).exists():
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "qini.npz"
            np.savez(path, y=y, w=w, boot_index=boot_index,
                     **{f"score_{k}": v for k, v in scores.items()})
            done = subprocess.run([args.peer_python, "-c", CHILD, str(path), str(args.repeat),
                                   str(args.boot)], capture_output=True, text=True, check=False)
            if done.returncode == 0:
                peer = json.loads(done.stdout)
            else:
                print("scikit-uplift failed:", done.stderr[-500:], file=sys.stderr)
    else:
        print(f"no peer interpreter at {args.peer_python}; run `make bench` first", file=sys.stderr)

    print(f"Hillstrom, Womens e-mail vs no e-mail, visit; {len(y):,} held-out customers")
    print(f"{'score':<10} {'negative_effect':>15} {'crmlib':>12} {'sklift':>12} {'|diff|':>9} "
          f"{'crmlib s':>9} {'sklift s':>9} {'ratio':>6}")
    for name in scores:
        for neg in ("True", "False"):
            a = ours[name][neg]
            b = peer[f"score_{name}"][neg] if peer else {"value": None}
            bv = b.get("value")
            diff = f"{abs(a['value'] - bv):.1e}" if bv is not None else "-"
            bs = f"{b['seconds']:.4f}" if bv is not None else b.get("error", "-")[:9]
            ratio = f"{b['seconds'] / a['seconds']:.1f}" if bv is not None else "-"
            bvs = f"{bv:.6f}" if bv is not None else "error"
            print(f"{name:<10} {neg:>15} {a['value']:>12.6f} {bvs:>12} {diff:>9} "
                  f"{a['seconds']:>9.4f} {bs:>9} {ratio:>6}")
    lo, hi = ev.coefficients.loc["two_model", ["ci_low", "ci_high"]]
    print(f"\nbootstrap of the coefficient, {args.boot} resamples: crmlib evaluate_uplift "
          f"{ours_boot:.2f} s (curves, bands and policy included; 90% interval "
          f"[{lo:.4f}, {hi:.4f}])")
    if peer:
        pb = np.quantile(peer["bootstrap"]["values"], [0.05, 0.95])
        print(f"  scikit-uplift loop of qini_auc_score on the same resamples: "
              f"{peer['bootstrap']['seconds']:.2f} s (90% interval [{pb[0]:.4f}, {pb[1]:.4f}]); "
              f"ratio {peer['bootstrap']['seconds'] / ours_boot:.1f}")


if __name__ == "__main__":
    main()
