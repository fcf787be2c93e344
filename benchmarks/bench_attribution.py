"""Markov and rule-based attribution: crmlib.channels against ChannelAttribution 2.2.5.

What is compared: ``--journeys`` journeys (default 1,000,000) drawn from the default data's
true first-order chain (``crmlib.channels.simulate_journeys`` on
``ground_truth.json["journeys"]``). crmlib is timed from the touch table to the result
(``journey_paths`` included): Markov removal effects of order 1, 2 and 3 (exact, from the
fundamental matrix), the five rules and exact Shapley values. ChannelAttribution (peers'
environment, ``benchmarks/_work/venv``) gets the same journeys aggregated to its input, one
row per distinct path with its conversions and nulls (the aggregation is not timed), and runs
``markov_model`` (order 1, its default simulation settings, ``out_more=True``) and
``heuristic_models``.

Checks: the first-order transition probabilities must agree to 1e-9 (both are frequency
estimates of the same counts; ChannelAttribution drops a channel's immediate repeats, which
changes no absorption probability, so crmlib's are renormalised without self-loops for the
comparison); ChannelAttribution computes removal effects by simulating
paths, so those agree with crmlib's exact ones only within its simulation error (shown), and
both are set beside the true removal effects of the chain. Last-touch and linear credits
must agree to 1e-6. Usage: ``python benchmarks/bench_attribution.py [--journeys 1000000]``.
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
import json, sys, time, warnings, io, contextlib
warnings.simplefilter("ignore")
import pandas as pd
with contextlib.redirect_stdout(io.StringIO()):
    import ChannelAttribution as ca
d = pd.read_parquet(sys.argv[1])
out = {}
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    res = ca.markov_model(d, "path", "conv", var_null="null", order=1, out_more=True, verbose=False,
                          flg_pro=False)
out["markov_seconds"] = time.perf_counter() - t
re = res["removal_effects"]
out["removal"] = dict(zip(re["channel_name"], re["removal_effect"].astype(float)))
tm = res["transition_matrix"]
# the matrix numbers channels 1..n in order of first appearance in the input paths
names = list(dict.fromkeys(c for p in d["path"] for c in p.split(">")))
label = lambda s: names[int(s) - 1] if str(s).isdigit() else str(s)
out["transitions"] = [[label(a), label(b), float(p)] for a, b, p in
                      zip(tm["channel_from"], tm["channel_to"], tm["transition_probability"])]
t = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    h = ca.heuristic_models(d, "path", "conv", flg_pro=False)
out["heuristic_seconds"] = time.perf_counter() - t
out["last"] = dict(zip(h["channel_name"], h["last_touch"].astype(float)))
out["linear"] = dict(zip(h["channel_name"], h["linear_touch"].astype(float)))
print(json.dumps(out))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=float, default=1e6)
    parser.add_argument("--peer-python", default=str(WORK / "venv" / "bin" / "python"))
    args = parser.parse_args()
    n = int(args.journeys)

    import crmlib.channels as ch
    from crmlib.datasets import load_truth

    truth = load_truth()["journeys"]
    touches = ch.simulate_journeys(truth["start_probabilities"], truth["transition_matrix"], n, seed=1)
    exact = ch.chain_removal_effects(truth["start_probabilities"], truth["transition_matrix"])
    times = {}
    t = time.perf_counter()
    paths = ch.journey_paths(touches, value_col=None, time_col=None)
    times["journey_paths"] = time.perf_counter() - t
    results = {}
    for order in (1, 2, 3):
        t = time.perf_counter()
        results[order] = ch.markov_attribution(paths, order=order)
        times[f"markov order {order}"] = time.perf_counter() - t
    t = time.perf_counter()
    rules = ch.rule_attribution(paths, rules=["first", "last", "linear", "position"])
    times["rules (4)"] = time.perf_counter() - t
    t = time.perf_counter()
    ch.shapley_attribution(paths)
    times["shapley (exact)"] = time.perf_counter() - t

    # our own first-order transition frequencies, for the comparison
    codes, starts = paths.codes, paths.starts
    last = starts[1:] - 1
    nxt = np.ones(len(codes), bool)
    nxt[last] = False
    k = len(paths.channels)
    counts = np.zeros((k, k + 2))
    np.add.at(counts, (codes[nxt], codes[np.flatnonzero(nxt) + 1]), 1)
    np.add.at(counts, (codes[last], np.where(paths.converted, k, k + 1)), 1)
    # ChannelAttribution drops a channel's repeats (a>a is a); self-loops change no
    # absorption probability, so compare the probabilities renormalised without them
    counts[np.arange(k), np.arange(k)] = 0
    ours_p = counts / counts.sum(axis=1, keepdims=True)

    print(f"{n:,} journeys, {len(codes):,} touches, {len(paths.channels)} channels")
    for name, sec in times.items():
        print(f"  crmlib {name:<18} {sec:7.2f} s")
    total_first = times["journey_paths"] + times["markov order 1"]

    peer = None
    if Path(args.peer_python).exists():
        jid = np.repeat(np.arange(paths.n_journeys), paths.lengths)
        names = np.asarray(paths.channels, dtype=object)
        text = pd.Series(names[codes]).groupby(jid).agg(">".join)
        agg = pd.DataFrame({"path": text.to_numpy(), "conv": paths.converted.astype(int)})
        agg["null"] = 1 - agg["conv"]
        agg = agg.groupby("path", as_index=False)[["conv", "null"]].sum()
        with tempfile.TemporaryDirectory() as tmp:
            f = Path(tmp) / "paths.parquet"
            agg.to_parquet(f)
            done = subprocess.run([args.peer_python, "-c", CHILD, str(f)], capture_output=True,
                                  text=True, check=False)
        if done.returncode == 0:
            peer = json.loads(done.stdout.strip().splitlines()[-1])
        else:
            print("ChannelAttribution failed:", done.stderr[-800:], file=sys.stderr)
        print(f"  ChannelAttribution input: {len(agg):,} distinct paths")
    if peer:
        print(f"  ChannelAttribution markov_model (order 1, simulated) {peer['markov_seconds']:7.2f} s; "
              f"heuristic_models {peer['heuristic_seconds']:.2f} s")
        print(f"  speed, first-order removal effects: crmlib {times['markov order 1']:.2f} s "
              f"(exact; {total_first:.2f} s from the touch rows, coding included) vs "
              f"ChannelAttribution {peer['markov_seconds']:.2f} s (simulated, on the "
              f"pre-aggregated paths, aggregation not timed): ratio "
              f"{peer['markov_seconds'] / times['markov order 1']:.1f}")
        dest = list(paths.channels) + ["(conversion)", "(null)"]
        diffs = []
        for a, b, p in peer["transitions"]:
            if a in paths.channels and b in dest:
                diffs.append(abs(ours_p[paths.channels.index(a), dest.index(b)] - p))
        first = np.bincount(codes[starts[:-1]], minlength=k) / paths.n_journeys
        diffs += [abs(first[paths.channels.index(b)] - p) for a, b, p in peer["transitions"]
                  if a == "(start)" and b in paths.channels]
        print(f"  transition probabilities: {len(diffs)} compared, max |diff| {max(diffs):.1e}")
        print(f"  last-touch credit max |diff| "
              f"{max(abs(rules.loc[c, 'last'] - v) for c, v in peer['last'].items()):.1e}; linear "
              f"{max(abs(rules.loc[c, 'linear'] - v) for c, v in peer['linear'].items()):.1e}")
    print("\nremoval effects")
    print(f"{'channel':<16} {'truth':>9} {'order 1':>9} {'order 2':>9} {'order 3':>9} {'ChannelAttr':>12}")
    for c in paths.channels:
        pa = f"{peer['removal'][c]:12.5f}" if peer and c in peer["removal"] else f"{'-':>12}"
        print(f"{c:<16} {exact.loc[c, 'removal_effect']:9.5f} "
              + " ".join(f"{results[o].table.loc[c, 'removal_effect']:9.5f}" for o in (1, 2, 3)) + f" {pa}")


if __name__ == "__main__":
    main()
