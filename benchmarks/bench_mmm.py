"""Marketing-mix model: crmlib.channels.fit_mmm against PyMC-Marketing 0.19.2.

What is compared: the channels' ROI (modelled incremental revenue over the 156 weeks per
yuan spent) on the default data's weekly sales and media spend, whose true ROIs are known
(``ground_truth.json["media"]``), and with ``--sims K`` on K more seeded draws of the same
media process (``crmlib.datasets.simulate_media(seed)``: new spend plans and sales noise,
the same baseline and channel curves).

crmlib: ``fit_mmm(sales, media, n_boot=...)`` with its defaults (geometric adstock, Hill
saturation, or logistic with ``--saturation logistic``, trend, two yearly Fourier pairs, one dummy per event, price index and
competitor promotion), timed from the two tables to the result, moving-block bootstrap of
the intervals included (best of ``--repeat``).

PyMC-Marketing (its own environment, ``benchmarks/_work/venv-pymc``, pinned in
``requirements-pymc.txt``; one run per data set, in a subprocess running
``_mmm_pymc_child.py``): the multidimensional ``MMM`` with ``GeometricAdstock(l_max=8)`` and
``LogisticSaturation()``, default priors, ``yearly_seasonality=2`` and the same baseline
terms as controls (trend index, price index, competitor promotion, the four event dummies),
NUTS with 2 chains x 500 draws after 500 tuning steps on 2 cores, fixed seed. Its time is
the ``fit`` call (graph compilation, sampling, deterministics); the model build, imports
and the posterior-predictive check are not counted. ROI per draw is the channel's
contribution in original revenue units (``channel_contribution_original_scale``) summed over
the weeks, over its spend; the table shows the posterior mean and the 5-95% quantiles.

Printed per channel: true ROI, each method's ROI and 90% interval and its error; then the
mean absolute ROI error per method, interval coverage and the speed ratio PyMC/crmlib,
beside the targets (crmlib's error no worse than PyMC-Marketing's, at least 20x faster).
The result also goes to ``benchmarks/_work/bench_mmm.json``. Usage:
``python benchmarks/bench_mmm.py [--sims 0] [--repeat 3] [--n-boot 100]``.
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
CHILD = HERE / "_mmm_pymc_child.py"
CHANNELS = ("display", "email", "search", "social", "tv")
TARGET_SPEED = 20.0


def wide_table(sales: pd.DataFrame, media: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One row per week: revenue, spend per channel and the baseline controls for PyMC."""
    s = sales.sort_values("week").reset_index(drop=True)
    spend = (media.assign(channel=media["channel"].astype(str))
             .pivot_table(index="week", columns="channel", values="spend", aggfunc="sum")
             .reindex(columns=list(CHANNELS), fill_value=0).fillna(0.0))
    spend.columns = [str(c) for c in spend.columns]
    wide = s[["week", "revenue"]].merge(spend.reset_index(), on="week", how="left")
    wide["trend"] = np.arange(len(wide), dtype=float)
    wide["avg_price_index"] = s["avg_price_index"].astype(float)
    wide["competitor_promo"] = s["competitor_promo"].astype(float)
    controls = ["trend", "avg_price_index", "competitor_promo"]
    events = s["event"].astype(str)
    for e in sorted(set(events) - {"none"}):
        wide[f"event_{e}"] = (events == e).astype(float).to_numpy()
        controls.append(f"event_{e}")
    return wide, controls


def run_crmlib(sales, media, *, n_boot: int, repeat: int, seed: int, saturation: str = "hill") -> dict:
    from crmlib.channels import fit_mmm

    best, res = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        res = fit_mmm(sales, media, n_boot=n_boot, seed=seed, saturation=saturation)
        best = min(best, time.perf_counter() - t)
    ch = res.channels
    return {
        "seconds": best,
        "r2": float(res.diagnostics["r2"]),
        "boot_failed": int(res.diagnostics.get("boot_failed", 0)),
        "channels": {str(c): {"roi": float(ch.loc[c, "roi"]), "roi_low": float(ch.loc[c, "roi_low"]),
                              "roi_high": float(ch.loc[c, "roi_high"])} for c in ch.index},
    }


def run_pymc(python: str, sales, media, args) -> dict | None:
    wide, controls = wide_table(sales, media)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        f = Path(tmp) / "weekly.parquet"
        wide.to_parquet(f)
        cfg = {"data": str(f), "channels": list(CHANNELS), "controls": controls, "l_max": args.l_max,
               "fourier": 2, "chains": args.chains, "draws": args.draws, "tune": args.tune,
               "cores": args.cores, "seed": args.pymc_seed}
        done = subprocess.run([python, str(CHILD), json.dumps(cfg)], capture_output=True, text=True,
                              check=False)
    if done.returncode != 0:
        print("PyMC-Marketing failed:", done.stderr[-1500:], file=sys.stderr)
        return None
    return json.loads(done.stdout.strip().splitlines()[-1])


def err(est: float, truth: float) -> float:
    return (est - truth) / truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=0, help="extra seeded draws (each PyMC fit takes minutes)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--n-boot", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0, help="crmlib's bootstrap seed")
    parser.add_argument("--saturation", choices=["hill", "logistic"], default="hill",
                        help="crmlib's saturation curve (logistic is PyMC-Marketing's form here)")
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--l-max", type=int, default=8)
    parser.add_argument("--pymc-seed", type=int, default=42)
    parser.add_argument("--peer-python", default=str(WORK / "venv-pymc" / "bin" / "python"))
    parser.add_argument("--out", default=str(WORK / "bench_mmm.json"))
    parser.add_argument("--pymc-from", default=None,
                        help="reuse PyMC-Marketing's results (ROIs and times) from an earlier run's JSON with the "
                             "same data sets and PyMC settings: its posteriors are reproducible to the digit with "
                             "the fixed seed, so only crmlib is re-measured")
    args = parser.parse_args()
    WORK.mkdir(exist_ok=True)

    from crmlib.datasets import load_default, load_truth, simulate_media

    d = load_default(tables=["weekly_sales", "media_spend"])
    sets = [("default", d.weekly_sales, d.media_spend, load_truth()["media"])]
    for k in range(1, args.sims + 1):
        sales, media, truth = simulate_media(k)
        sets.append((f"sim {k}", sales, media, truth))
    have_peer = Path(args.peer_python).exists()
    if not have_peer:
        print(f"PyMC-Marketing skipped: no interpreter at {args.peer_python} (`make bench` builds "
              "benchmarks/_work/venv-pymc from benchmarks/requirements-pymc.txt)")

    recorded = {}
    if args.pymc_from:
        old = json.loads(Path(args.pymc_from).read_text())
        keys = ("chains", "draws", "tune", "l_max", "pymc_seed")
        if any(old["args"].get(k) != getattr(args, k) for k in keys):
            raise SystemExit(f"--pymc-from {args.pymc_from}: recorded with other PyMC settings "
                             f"({ {k: old['args'].get(k) for k in keys} }); rerun without --pymc-from")
        recorded = {r["data"]: r["pymc"] for r in old["results"]}
        print(f"PyMC-Marketing's results are reused from {args.pymc_from} (same seed and settings); its times "
              "are those of that run")
    results = []
    for name, sales, media, truth in sets:
        true_roi = {c: float(truth["channels"][c]["roi"]) for c in CHANNELS}
        ours = run_crmlib(sales, media, n_boot=args.n_boot, repeat=args.repeat, seed=args.seed,
                          saturation=args.saturation)
        if args.pymc_from:
            peer = recorded.get(name)
        else:
            peer = run_pymc(args.peer_python, sales, media, args) if have_peer else None
        results.append({"data": name, "truth": true_roi, "crmlib": ours, "pymc": peer})

        print(f"\n{name}: crmlib fit_mmm {ours['seconds']:.2f} s (best of {args.repeat}, "
              f"{args.n_boot} bootstrap refits, R2 {ours['r2']:.3f})", end="")
        if peer:
            print(f"; PyMC-Marketing fit {peer['fit_seconds']:.1f} s (sampling {peer['sampling_seconds']:.1f} s, "
                  f"whole child {peer['total_seconds']:.1f} s), ratio {peer['fit_seconds'] / ours['seconds']:.1f}")
            cf = peer["check_fit"]
            print(f"  PyMC checks: max r_hat {peer['max_rhat']:.2f}, min bulk ESS {peer['min_ess_bulk']:.0f}, "
                  f"{peer['divergences']} divergences, {peer['mean_tree_size']:.0f} leapfrog steps a draw; intercept+controls+seasonality+media R2 {cf['r2']:.3f}, "
                  f"max |fitted - posterior-predictive mean| {cf['max_rel_diff_vs_posterior_predictive']:.1%} of "
                  f"revenue; media total {peer['check_media_total']['sum_of_channels']:.4g} (library's "
                  f"{peer['check_media_total']['library']:.4g})")
        else:
            print()
        print(f"{'channel':<9} {'truth':>6} {'crmlib':>7} {'90% interval':>16} {'err':>6}   "
              f"{'PyMC':>7} {'90% interval':>16} {'err':>6}")
        for c in CHANNELS:
            o = ours["channels"][c]
            line = (f"{c:<9} {true_roi[c]:6.2f} {o['roi']:7.2f} [{o['roi_low']:6.2f}, {o['roi_high']:6.2f}] "
                    f"{err(o['roi'], true_roi[c]):+6.0%}   ")
            if peer:
                p = peer["channels"][c]
                line += (f"{p['roi']:7.2f} [{p['roi_low']:6.2f}, {p['roi_high']:6.2f}] "
                         f"{err(p['roi'], true_roi[c]):+6.0%}")
            print(line)

    def summary(method: str) -> dict | None:
        rows = [(r["truth"][c], r[method]["channels"][c]) for r in results if r[method] for c in CHANNELS]
        if not rows:
            return None
        errs = [abs(err(e["roi"], t)) for t, e in rows]
        cover = [e["roi_low"] <= t <= e["roi_high"] for t, e in rows]
        return {"mean_abs_roi_error": float(np.mean(errs)), "coverage": float(np.mean(cover)),
                "n": len(rows)}

    s_ours, s_peer = summary("crmlib"), summary("pymc")
    t_ours = sum(r["crmlib"]["seconds"] for r in results)
    print(f"\nover {len(results)} data set(s) x {len(CHANNELS)} channels")
    print(f"  crmlib          mean |ROI error| {s_ours['mean_abs_roi_error']:6.1%}, 90% interval coverage "
          f"{s_ours['coverage']:.0%} ({s_ours['n']} intervals)")
    ratio = None
    if s_peer:
        t_peer = sum(r["pymc"]["fit_seconds"] for r in results if r["pymc"])
        ratio = t_peer / sum(r["crmlib"]["seconds"] for r in results if r["pymc"])
        print(f"  PyMC-Marketing  mean |ROI error| {s_peer['mean_abs_roi_error']:6.1%}, 90% interval coverage "
              f"{s_peer['coverage']:.0%} ({s_peer['n']} intervals)")
        ok_err = s_ours["mean_abs_roi_error"] <= s_peer["mean_abs_roi_error"]
        print(f"  target: crmlib's error no worse than PyMC-Marketing's -> "
              f"{s_ours['mean_abs_roi_error']:.1%} vs {s_peer['mean_abs_roi_error']:.1%}: "
              f"{'met' if ok_err else 'NOT met'}")
        print(f"  target: >= {TARGET_SPEED:.0f}x faster -> PyMC/crmlib time ratio {ratio:.1f}: "
              f"{'met' if ratio >= TARGET_SPEED else 'NOT met'}")
    out = {"args": vars(args), "results": results, "summary": {"crmlib": s_ours, "pymc": s_peer},
           "crmlib_seconds": t_ours, "speed_ratio": ratio}
    Path(args.out).write_text(json.dumps(out, indent=1))
    print(f"  written to {args.out}")


if __name__ == "__main__":
    main()
