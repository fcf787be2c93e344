"""Association rules on Ta-Feng's product subclasses: crmlib.basket against mlxtend and efficient-apriori.

What is compared: the 119,578 customer-day baskets of the Ta-Feng grocery order lines
(``crmlib.datasets.load_ta_feng``; a customer's lines of one day are one basket) with the
product subclass as the item (2,012 subclasses). At each minimum support the frequent
itemsets (every size) and the association rules with one item on the right at a minimum
confidence of ``--min-confidence`` are computed by

- crmlib: ``frequent_itemsets(baskets, s)`` then ``association_rules(..., min_confidence=c)``
  on the sparse basket matrix (the matrix build is timed separately);
- mlxtend 0.25.0: ``apriori`` and ``fpgrowth`` on the one-hot boolean DataFrame
  (``TransactionEncoder``; its build is not counted) with ``use_colnames=True``, then
  ``association_rules(..., metric="confidence")``; mlxtend returns every split of an
  itemset, so only its rules with a single consequent are compared;
- efficient-apriori 2.0.6: ``apriori(transactions, min_support, min_confidence)`` on the
  baskets as tuples; its single-consequent rules are compared.

Every tool runs in a fresh subprocess (crmlib with this interpreter, the peers in their own
environment ``benchmarks/_work/venv-basket``, pins in ``benchmarks/requirements-basket.txt``;
``make bench`` builds it), with a timeout of ``--timeout`` seconds per run ("did not finish").
The itemsets (with counts) and the rules (with confidence, to 1e-9) must be identical; the
table shows each tool's best time of ``--repeat`` runs, the child's peak resident memory
(``VmHWM``: interpreter, imports and data included), and the ratio of the fastest peer to
crmlib (target at least 5x at supports 0.01 and 0.005; crmlib under a minute at 0.002 and
0.001, where the peers are not run unless ``--peers-low``, and mlxtend's apriori never: its
dense candidate tables peak at about 11 GB already at 0.005). The result also goes to
``benchmarks/_work/bench_basket.json``. Usage:
``python benchmarks/bench_basket.py [--repeat 3] [--timeout 300] [--peers-low]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
PEERS_PYTHON = WORK / "venv-basket" / "bin" / "python"
HIGH, LOW = (0.01, 0.005), (0.002, 0.001)
TARGET_SPEED = 5.0

_COMMON = r"""
import json, sys, time
from pathlib import Path
import numpy as np

def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")

d = np.load(sys.argv[1], allow_pickle=False)
indptr, indices, items = d["indptr"], d["indices"], [str(x) for x in d["items"]]
support, confidence, repeat = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
tool = sys.argv[5]
"""

CRMLIB_CHILD = _COMMON + r"""
import scipy.sparse as sp
import pandas as pd
import crmlib.basket as bk
best, build = float("inf"), float("inf")
for _ in range(repeat):
    t = time.perf_counter()
    m = sp.csr_matrix((np.ones(len(indices), dtype=np.int8), indices, indptr), shape=(len(indptr) - 1, len(items)))
    baskets = bk.Baskets(m, pd.Index(items, name="item"), pd.RangeIndex(m.shape[0]))
    build = min(build, time.perf_counter() - t)
    t = time.perf_counter()
    its = bk.frequent_itemsets(baskets, support)
    rules = bk.association_rules(its, min_confidence=confidence)
    best = min(best, time.perf_counter() - t)
out = {"seconds": best, "build_seconds": build, "peak_mb": peak_mb(),
       "itemsets": [[list(s), int(c)] for s, c in zip(its.table["itemset"], its.table["count"])],
       "rules": [[list(a), str(y), float(c)] for a, y, c in zip(rules.table["antecedent"], rules.table["consequent"], rules.table["confidence"])]}
print(json.dumps(out))
"""

PEER_CHILD = _COMMON + r"""
import warnings
warnings.simplefilter("ignore")
n = len(indptr) - 1
baskets = [tuple(items[j] for j in indices[indptr[i]:indptr[i + 1]]) for i in range(n)]
best = float("inf")
if tool in ("mlxtend-apriori", "mlxtend-fpgrowth"):
    import pandas as pd
    from mlxtend.frequent_patterns import apriori, association_rules, fpgrowth
    from mlxtend.preprocessing import TransactionEncoder
    enc = TransactionEncoder()
    onehot = pd.DataFrame(enc.fit(baskets).transform(baskets), columns=enc.columns_)
    fn = apriori if tool == "mlxtend-apriori" else fpgrowth
    for _ in range(repeat):
        t = time.perf_counter()
        freq = fn(onehot, min_support=support, use_colnames=True)
        rules = association_rules(freq, num_itemsets=n, metric="confidence", min_threshold=confidence)
        best = min(best, time.perf_counter() - t)
    itemsets = [[sorted(s), int(round(v * n))] for s, v in zip(freq["itemsets"], freq["support"])]
    single = rules[rules["consequents"].map(len) == 1]
    out_rules = [[sorted(a), next(iter(c)), float(v)] for a, c, v in zip(single["antecedents"], single["consequents"], single["confidence"])]
else:
    from efficient_apriori import apriori
    for _ in range(repeat):
        t = time.perf_counter()
        freq, rules = apriori(baskets, min_support=support, min_confidence=confidence)
        best = min(best, time.perf_counter() - t)
    itemsets = [[sorted(s), int(c)] for level in freq.values() for s, c in level.items()]
    out_rules = [[sorted(r.lhs), r.rhs[0], float(r.confidence)] for r in rules if len(r.rhs) == 1]
print(json.dumps({"seconds": best, "peak_mb": peak_mb(), "itemsets": itemsets, "rules": out_rules}))
"""


def _run(python: str, child: str, handover: Path, support: float, confidence: float, repeat: int,
         tool: str, timeout: float) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".py", dir=WORK, delete=False) as f:
        f.write(child)
        script = f.name
    try:
        done = subprocess.run([python, script, str(handover), str(support), str(confidence), str(repeat), tool],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": f"did not finish in {timeout:.0f} s"}
    finally:
        Path(script).unlink()
    if done.returncode != 0:
        return {"status": "failed: " + done.stderr.strip().splitlines()[-1][:120]}
    out = json.loads(done.stdout.strip().splitlines()[-1])
    out["status"] = "ok"
    return out


def _same(a: dict, b: dict) -> str:
    """'yes' when itemsets (with counts) and rules (with confidence to 1e-9) are identical."""
    ia = {(tuple(sorted(s)), c) for s, c in a["itemsets"]}
    ib = {(tuple(sorted(s)), c) for s, c in b["itemsets"]}
    ra = {(tuple(sorted(x)), y): c for x, y, c in a["rules"]}
    rb = {(tuple(sorted(x)), y): c for x, y, c in b["rules"]}
    if ia != ib:
        return f"no: itemsets differ ({len(ia ^ ib)} of {len(ia)} / {len(ib)})"
    if set(ra) != set(rb):
        return f"no: rules differ ({len(set(ra) ^ set(rb))} of {len(ra)} / {len(rb)})"
    worst = max((abs(ra[k] - rb[k]) for k in ra), default=0.0)
    return "yes" if worst < 1e-9 else f"no: confidence differs by {worst:.1e}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds per peer run")
    ap.add_argument("--min-confidence", type=float, default=0.1)
    ap.add_argument("--peers-low", action="store_true", help="also run the peers at 0.002 and 0.001")
    args = ap.parse_args(argv)
    import crmlib.basket as bk
    import crmlib.datasets as ds

    WORK.mkdir(exist_ok=True)
    lines = ds.load_ta_feng()
    lines["basket"] = lines["customer_id"] + "-" + lines["order_date"].dt.strftime("%Y%m%d")
    baskets = bk.basket_matrix(lines, basket="basket", item="product_subclass")
    print(baskets)
    handover = WORK / "bench_basket_baskets.npz"
    m = baskets.matrix
    np.savez(handover, indptr=m.indptr, indices=m.indices, items=np.asarray(baskets.items, dtype=str))
    peers = ("mlxtend-apriori", "mlxtend-fpgrowth", "efficient-apriori")
    have_peers = PEERS_PYTHON.is_file()
    if not have_peers:
        print(f"peers' environment {PEERS_PYTHON} not found: run `make bench` (or create it from "
              "benchmarks/requirements-basket.txt); crmlib only.")
    results = []
    for support in HIGH + LOW:
        mine = _run(sys.executable, CRMLIB_CHILD, handover, support, args.min_confidence, args.repeat, "crmlib", 600)
        row = {"min_support": support, "crmlib": {k: v for k, v in mine.items() if k not in ("itemsets", "rules")}}
        row["crmlib"].update(itemsets=len(mine.get("itemsets", [])), rules=len(mine.get("rules", [])))
        if have_peers and (support in HIGH or args.peers_low):
            # mlxtend's apriori builds dense candidate tables: at 0.005 it already peaks at ~11 GB,
            # so it is not run below that (it would exhaust the machine's memory, not only time)
            for tool in (peers if support in HIGH else peers[1:]):
                got = _run(str(PEERS_PYTHON), PEER_CHILD, handover, support, args.min_confidence,
                           1 if support in LOW else args.repeat, tool, args.timeout)
                entry = {k: v for k, v in got.items() if k not in ("itemsets", "rules")}
                if got["status"] == "ok" and mine["status"] == "ok":
                    entry["identical"] = _same(mine, got)
                    entry["ratio"] = got["seconds"] / mine["seconds"]
                row[tool] = entry
        results.append(row)
        _print_row(row)
    (WORK / "bench_basket.json").write_text(json.dumps(results, indent=1))
    handover.unlink()
    return 0


def _print_row(row: dict) -> None:
    c = row["crmlib"]
    head = (f"min_support {row['min_support']:g}: crmlib {c.get('seconds', float('nan')):.3f} s "
            f"(matrix {c.get('build_seconds', float('nan')):.3f} s), peak {c.get('peak_mb', float('nan')):.0f} MB, "
            f"{c['itemsets']:,} itemsets, {c['rules']:,} rules [{c['status']}]")
    print(head)
    ratios = []
    for tool, e in row.items():
        if tool in ("min_support", "crmlib"):
            continue
        if e["status"] == "ok":
            ratios.append(e["ratio"])
            print(f"  {tool:18s} {e['seconds']:9.3f} s  peak {e['peak_mb']:6.0f} MB  {e['ratio']:7.1f}x crmlib  "
                  f"identical: {e['identical']}")
        else:
            print(f"  {tool:18s} {e['status']}")
    if ratios:
        best = min(ratios)
        print(f"  fastest peer / crmlib: {best:.1f}x (target >= {TARGET_SPEED:g}x): "
              f"{'met' if best >= TARGET_SPEED else 'NOT met'}")
    elif row["min_support"] in LOW:
        print(f"  crmlib under a minute: {'met' if c.get('seconds', 1e9) < 60 else 'NOT met'}")


if __name__ == "__main__":
    sys.exit(main())
