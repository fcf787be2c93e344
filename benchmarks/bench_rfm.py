"""Benchmark: the RFM/BG-NBD summary of an order log, crmlib's engines against peers.

Generates order logs with ``crmlib.datasets.generate`` (completed orders only) and writes each
once to Parquet in ``benchmarks/_work/``.  Then, for each size, every engine runs in a fresh
process (``subprocess``), ``--repeat`` times; the table shows the best wall time (Parquet in,
pandas DataFrame out), the child's peak resident memory (``VmHWM``, i.e. ``ru_maxrss``
without the value inherited across ``exec``; worst of the runs, interpreter and imports
included) and the ratio to the hand-written DuckDB
query.  All results are checked to agree: frequency, recency and T exactly, monetary value to
1e-9 relative.

Engines:

- ``crmlib-duckdb``  ``rfm_summary(scan(path))`` — DuckDB over the Parquet file, out of core;
- ``crmlib-polars``  ``rfm_summary(scan(path, engine="polars"))`` — a Polars LazyFrame;
- ``crmlib-pandas``  ``rfm_summary(pd.read_parquet(path))``;
- ``duckdb-sql``     the same summary as one hand-written DuckDB SQL query (the baseline);
- ``pandas``         plain pandas groupby code written for the task;
- ``lifetimes``      ``lifetimes.utils.summary_data_from_transaction_data`` (0.11.3), run with
  the interpreter of ``--lifetimes-python`` (default: a scratch venv in
  ``benchmarks/_work/venv`` — lifetimes needs pandas < 3; ``make bench`` creates it from
  ``benchmarks/requirements-peers.txt``);
- ``spark``          (``--spark``) ``rfm_summary`` on a local PySpark DataFrame read from the
  Parquet file, on the smallest size only.

Sizes of 5e7 rows and more are generated in chunks (one ``generate(scale=100)`` call with its
own seed per ~10M rows, customer ids prefixed by the chunk) and streamed to Parquet, so that a
1e8-row run fits a 24 GB, 2-core machine; at those sizes only the out-of-core engines run by
default (pandas, crmlib-pandas and lifetimes would need the whole log in memory).

Usage::

    python benchmarks/bench_rfm.py                       # 1e6 and 1e7 rows, best of 3
    python benchmarks/bench_rfm.py --sizes 1e6 1e7 1e8 --repeat 3 --spark
    python benchmarks/bench_rfm.py --engines crmlib-duckdb duckdb-sql --sizes 1e7
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
AS_OF = "2025-12-28"  # crmlib.datasets.END: the last day of the generated history
COLUMNS = ["order_id", "customer_id", "order_date", "channel", "net_amount"]
ENGINES = ["crmlib-duckdb", "crmlib-polars", "crmlib-pandas", "duckdb-sql", "pandas", "lifetimes"]
IN_MEMORY = {"crmlib-pandas", "pandas", "lifetimes"}
BASELINE = "duckdb-sql"
ROWS_PER_SCALE = 100_000  # generate(scale=1) gives about 100k order rows (98% completed)
CHUNK_SCALE = 100.0

DUCKDB_SQL = """
WITH daily AS (
    SELECT customer_id, CAST(order_date AS DATE) AS day, SUM(net_amount) AS total
    FROM read_parquet('{path}')
    WHERE CAST(order_date AS DATE) <= DATE '{as_of}'
    GROUP BY customer_id, day
)
SELECT customer_id,
       COUNT(*) - 1 AS frequency,
       MAX(day) - MIN(day) AS recency,
       DATE '{as_of}' - MIN(day) AS T,
       CASE WHEN COUNT(*) > 1
            THEN (SUM(total) - ARG_MIN(total, day)) / (COUNT(*) - 1) ELSE 0 END AS monetary_value
FROM daily
GROUP BY customer_id
"""


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------
def _label(rows: int) -> str:
    for unit, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if rows >= unit and rows % unit == 0:
            return f"{rows // unit}{suffix}"
    return str(rows)


def make_parquet(rows: int) -> Path:
    """Write about ``rows`` completed orders to Parquet once (reused by later runs)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import crmlib.datasets as ds

    path = WORK / f"orders_{_label(rows)}.parquet"
    if path.exists():
        return path
    WORK.mkdir(parents=True, exist_ok=True)
    scale = rows / ROWS_PER_SCALE
    chunks = max(1, math.ceil(scale / CHUNK_SCALE))
    tmp = path.with_suffix(".tmp")
    writer = None
    written = 0
    started = time.perf_counter()
    try:
        for k in range(chunks):
            orders = ds.generate(seed=ds.DEFAULT_SEED + k, scale=scale / chunks, tables=["orders"]).orders
            orders = orders.loc[orders["status"] == "completed", COLUMNS]
            if chunks > 1:  # distinct customers and orders across chunks
                orders["customer_id"] = f"K{k:03d}" + orders["customer_id"]
                orders["order_id"] = f"K{k:03d}" + orders["order_id"]
            table = pa.Table.from_pandas(orders, preserve_index=False)
            table = table.cast(
                pa.schema([(f.name, pa.string() if f.name == "channel" else f.type) for f in table.schema])
            )
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table, row_group_size=1_000_000)
            written += table.num_rows
            del orders, table
            print(f"  chunk {k + 1}/{chunks}: {written:,} rows", file=sys.stderr, flush=True)
    finally:
        if writer is not None:
            writer.close()
    tmp.rename(path)
    print(
        f"wrote {path.name}: {written:,} completed orders in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return path


# --------------------------------------------------------------------------------------------
# the tasks (run in the child process)
# --------------------------------------------------------------------------------------------
def task(engine: str, path: str):
    """Return a function computing the summary as a pandas DataFrame (one column per field)."""
    kwargs = dict(customer_col="customer_id", date_col="order_date", amount_col="net_amount", as_of=AS_OF)
    if engine == "crmlib-duckdb":
        from crmlib.engine import rfm_summary, scan, to_pandas

        return lambda: to_pandas(rfm_summary(scan(path), **kwargs))
    if engine == "crmlib-polars":
        from crmlib.engine import rfm_summary, scan, to_pandas

        return lambda: to_pandas(rfm_summary(scan(path, engine="polars"), **kwargs))
    if engine == "crmlib-pandas":
        import pandas as pd

        from crmlib.engine import rfm_summary

        return lambda: rfm_summary(pd.read_parquet(path, columns=["customer_id", "order_date", "net_amount"]), **kwargs)
    if engine == "duckdb-sql":
        import duckdb

        def run():
            con = duckdb.connect()
            return con.sql(DUCKDB_SQL.format(path=path, as_of=AS_OF)).df()

        return run
    if engine == "pandas":
        import pandas as pd

        def run():
            df = pd.read_parquet(path, columns=["customer_id", "order_date", "net_amount"])
            df["day"] = df["order_date"].dt.floor("D")
            df = df[df["day"] <= pd.Timestamp(AS_OF)]
            daily = df.groupby(["customer_id", "day"], sort=True)["net_amount"].sum().reset_index()
            per = daily.groupby("customer_id", sort=False).agg(
                n=("day", "size"), first=("day", "min"), last=("day", "max"),
                total=("net_amount", "sum"), first_total=("net_amount", "first"),
            )
            out = pd.DataFrame({
                "frequency": per["n"] - 1,
                "recency": (per["last"] - per["first"]).dt.days,
                "T": (pd.Timestamp(AS_OF) - per["first"]).dt.days,
                "monetary_value": ((per["total"] - per["first_total"]) / (per["n"] - 1)).where(per["n"] > 1, 0.0),
            })
            return out.reset_index()

        return run
    if engine == "lifetimes":
        import pandas as pd
        from lifetimes.utils import summary_data_from_transaction_data

        def run():
            df = pd.read_parquet(path, columns=["customer_id", "order_date", "net_amount"])
            out = summary_data_from_transaction_data(
                df, "customer_id", "order_date", monetary_value_col="net_amount",
                observation_period_end=AS_OF, freq="D",
            )
            return out.reset_index()

        return run
    if engine == "spark":
        from pyspark.sql import SparkSession

        from crmlib.engine import rfm_summary, to_pandas

        spark = (
            SparkSession.builder.master("local[2]")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.memory", "4g")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        return lambda: to_pandas(rfm_summary(spark.read.parquet(path), **kwargs))
    raise SystemExit(f"unknown engine {engine!r}; choose from {ENGINES + ['spark']}")


def _own_peak_mb() -> float:
    """Peak resident memory of this process in MB.

    ``getrusage(RUSAGE_SELF).ru_maxrss`` survives ``execve`` on Linux, so a child started by a
    parent that once held a large frame would report the parent's peak; the kernel's
    per-address-space high-water mark (``VmHWM``) does not have that problem and is used
    when available.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _descendants_peak_mb() -> float:
    """Sum of VmHWM (peak resident memory) of this process's running descendants (Linux)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    mine, total = {os.getpid()}, 0.0
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                changed = True
    for pid in mine - {os.getpid()}:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def child(engine: str, path: str, out: str | None) -> None:
    run = task(engine, path)
    started = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - started
    peak_mb = _own_peak_mb()
    if engine == "spark":  # the JVM is a descendant of this process: add its high-water mark
        peak_mb += _descendants_peak_mb()
    if out:
        result[["customer_id", "frequency", "recency", "T", "monetary_value"]].to_parquet(out)
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb, "rows": len(result)}))


# --------------------------------------------------------------------------------------------
# the parent
# --------------------------------------------------------------------------------------------
def run_child(python: str, engine: str, path: Path, out: Path | None) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--child", engine, str(path)]
    if out is not None:
        cmd.append(str(out))
    env = dict(os.environ, PYTHONPATH=str(HERE.parent) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{engine} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(reference: Path, other: Path) -> str:
    import numpy as np
    import pandas as pd

    a = pd.read_parquet(reference).sort_values("customer_id", ignore_index=True)
    b = pd.read_parquet(other).sort_values("customer_id", ignore_index=True)
    if len(a) != len(b) or not (a["customer_id"].astype(str).to_numpy() == b["customer_id"].astype(str).to_numpy()).all():
        return f"DIFFERENT customers ({len(a)} vs {len(b)})"
    for column in ("frequency", "recency", "T"):
        if not np.array_equal(a[column].to_numpy("int64"), b[column].to_numpy("int64")):
            return f"DIFFERENT {column}"
    x, y = a["monetary_value"].to_numpy("float64"), b["monetary_value"].to_numpy("float64")
    rel = np.max(np.abs(x - y) / np.maximum(np.abs(x), 1e-300), initial=0.0)
    return "ok" if rel <= 1e-9 else f"DIFFERENT monetary (max rel {rel:.1e})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7], help="order rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine (best is shown)")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=None)
    parser.add_argument("--spark", action="store_true", help="also time local PySpark (smallest size)")
    parser.add_argument(
        "--lifetimes-python",
        default=str(WORK / "venv" / "bin" / "python"),
        help="interpreter with lifetimes installed (default: the scratch venv in _work/)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], args.child[2] if len(args.child) > 2 else None)
        return 0

    failures = 0
    print(f"{'rows':>12} {'engine':<14} {'seconds':>8} {'peak MB':>8} {'ratio':>6}  agrees")
    for i, size in enumerate(sorted(args.sizes)):
        rows = int(size)
        path = make_parquet(rows)
        engines = list(args.engines or [e for e in ENGINES if rows < 5 * 10**7 or e not in IN_MEMORY])
        if args.spark and i == 0:
            engines.append("spark")
        if BASELINE not in engines:
            engines.insert(0, BASELINE)
        engines.sort(key=lambda e: e != BASELINE)
        results = {}
        for engine in engines:
            python = sys.executable
            if engine == "lifetimes":
                python = args.lifetimes_python
                if not Path(python).exists():
                    print(f"{rows:>12,} {engine:<14} skipped: no interpreter at {python}")
                    continue
            out = WORK / f"result_{_label(rows)}_{engine}.parquet"
            runs = []
            try:
                for r in range(args.repeat):
                    runs.append(run_child(python, engine, path, out if r == 0 else None))
            except RuntimeError as err:
                failures += 1
                print(f"{rows:>12,} {engine:<14} FAILED: {str(err).splitlines()[-1]}")
                continue
            best = min(run["seconds"] for run in runs)
            peak = max(run["peak_mb"] for run in runs)
            results[engine] = best
            ratio = best / results[BASELINE] if BASELINE in results else float("nan")
            agrees = "-" if engine == BASELINE else compare(WORK / f"result_{_label(rows)}_{BASELINE}.parquet", out)
            failures += agrees not in ("ok", "-")
            print(f"{rows:>12,} {engine:<14} {best:>8.2f} {peak:>8.0f} {ratio:>6.2f}  {agrees}", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
