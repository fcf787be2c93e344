"""Benchmark: peak memory of ``read_transactions`` on a large messy CSV, against plain readers.

Generates a messy order-log CSV (``--rows``, default 3M) in ``benchmarks/_work/``: text ids,
ISO timestamps, amounts written as ``$1,234.50``, a status column, and a few rows of each
problem (missing ids, bad dates, bad amounts, cancellations, negative amounts, duplicates).
Then each reader runs in a fresh process (``subprocess``); the table shows wall time, the
child's peak resident memory (``VmHWM``; interpreter and imports included), the ratio to the
file size and the ratio to ``pyarrow.csv.read_csv`` (the baseline).

Readers:

- ``crmlib``   ``crmlib.datasets.read_transactions(path)``;
- ``pyarrow``  ``pyarrow.csv.read_csv(path)`` (the baseline);
- ``pandas``   ``pandas.read_csv(path)`` (C engine, default types).

Usage::

    python benchmarks/bench_loaders.py                 # 3M rows
    python benchmarks/bench_loaders.py --rows 1e6
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
READERS = ["crmlib", "pyarrow", "pandas"]
BASELINE = "pyarrow"


def make_csv(rows: int) -> Path:
    """Write the messy CSV once (chunks of 500k rows) and return its path."""
    import numpy as np
    import pandas as pd

    WORK.mkdir(exist_ok=True)
    path = WORK / f"messy_{rows}.csv"
    if path.exists():
        return path
    rng = np.random.default_rng(7)
    tmp = path.with_suffix(".tmp")
    start = np.datetime64("2022-01-01T00:00:00", "s")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write("order_id,customer_id,order_date,amount,status\n")
        for offset in range(0, rows, 500_000):
            n = min(500_000, rows - offset)
            ids = np.arange(offset, offset + n)
            seconds = rng.integers(0, 3 * 365 * 86_400, n)
            dates = pd.Series((start + seconds.astype("timedelta64[s]")).astype(str)).str.replace("T", " ")
            cents = rng.integers(100, 500_000, n)
            amount = pd.Series([f"${c / 100:,.2f}" for c in cents.tolist()])
            frame = pd.DataFrame({
                "order_id": pd.Series(ids).map("O{:08d}".format),
                "customer_id": pd.Series(rng.integers(0, rows // 5 + 1, n)).map("C{:07d}".format),
                "order_date": dates,
                "amount": amount,
                "status": np.where(rng.random(n) < 0.01, "cancelled", "shipped"),
            })
            bad = rng.choice(n, size=min(n, 600), replace=False)
            frame.loc[bad[:100], "customer_id"] = ""
            frame.loc[bad[100:200], "order_date"] = "not a date"
            frame.loc[bad[200:300], "amount"] = "n/a?"
            frame.loc[bad[300:400], "amount"] = "-5.00"
            frame = pd.concat([frame, frame.iloc[bad[400:500]]], ignore_index=True)  # duplicates
            frame.to_csv(handle, index=False, header=False)
    tmp.rename(path)
    return path


def task(reader: str, path: str):
    if reader == "crmlib":
        from crmlib.datasets import read_transactions

        return lambda: read_transactions(path).reconciliation.rows_read
    if reader == "pyarrow":
        import pyarrow.csv as pacsv

        return lambda: pacsv.read_csv(path).num_rows
    if reader == "pandas":
        import pandas as pd

        return lambda: len(pd.read_csv(path))
    raise SystemExit(f"unknown reader {reader!r}; choose from {READERS}")


def _own_peak_mb() -> float:
    """Peak resident memory of this process in MB (VmHWM; see bench_rfm.py)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(reader: str, path: str) -> None:
    run = task(reader, path)
    started = time.perf_counter()
    rows = run()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": _own_peak_mb(), "rows": int(rows)}))


def idle_mb() -> float:
    """Peak memory of a child that only imports pandas and pyarrow (the floor)."""
    code = ("import pandas, pyarrow.csv, json, pathlib;"
            "print([l for l in pathlib.Path('/proc/self/status').read_text().splitlines()"
            " if l.startswith('VmHWM')][0].split()[1])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(done.stdout.strip()) / 1024


def run_child(reader: str, path: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", reader, str(path)]
    env = dict(os.environ, PYTHONPATH=str(HERE.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{reader} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=3e6)
    parser.add_argument("--readers", nargs="+", default=READERS, choices=READERS)
    parser.add_argument("--child", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    path = make_csv(int(args.rows))
    size_mb = path.stat().st_size / 2**20
    floor = idle_mb()
    results = {reader: run_child(reader, path) for reader in args.readers}
    base = results.get(BASELINE)
    print(f"file: {path.name}, {size_mb:,.0f} MB; import-only peak {floor:,.0f} MB")
    print(f"{'reader':<10}{'rows':>12}{'seconds':>9}{'peak MB':>10}{'x file':>8}{'x pyarrow':>11}")
    for reader, r in results.items():
        ratio = f"{r['peak_mb'] / base['peak_mb']:.2f}" if base else "-"
        print(f"{reader:<10}{r['rows']:>12,}{r['seconds']:>9.1f}{r['peak_mb']:>10,.0f}"
              f"{r['peak_mb'] / size_mb:>8.2f}{ratio:>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
