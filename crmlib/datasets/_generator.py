"""The default teaching data: a fictional omnichannel retailer with a known truth.

:func:`generate` builds every table from one seed; :func:`write_default` writes them to
``data/`` as CSV with ``ground_truth.json``; :func:`load_default` reads them back as typed
frames.  The same seed gives byte-identical files (``tests/test_datasets.py`` proves it for the
committed files).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from crmlib._validation import check_int, check_real
from crmlib.datasets import _gen_customers, _gen_marketing
from crmlib.datasets._constants import DEFAULT_SEED, END, N_CUSTOMERS, START
from crmlib.exceptions import DataError, ParameterError

__all__ = [
    "DefaultData",
    "SCHEMAS",
    "TABLES",
    "default_data_dir",
    "generate",
    "load_default",
    "load_truth",
    "write_default",
]

#: Column kinds of every table: "id", "str", "date", "int", "float", "bool", "category", or a
#: tuple of levels for an ordered categorical.
SCHEMAS: dict[str, dict[str, object]] = {**_gen_customers.SCHEMAS, **_gen_marketing.SCHEMAS}
#: Table names in the order they are documented in ``data/README.md``.
TABLES: tuple[str, ...] = tuple(SCHEMAS)
TRUTH_FILE = "ground_truth.json"


@dataclass(frozen=True)
class DefaultData:
    """The tables of the teaching business and the truth they were generated from.

    Tables are reachable as attributes (``data.orders``) or by name (``data["orders"]``).
    ``truth`` is the parsed ``ground_truth.json``.
    """

    tables: Mapping[str, pd.DataFrame]
    truth: Mapping[str, object] = field(repr=False)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = object.__getattribute__(self, "tables")
        if name in tables:
            return tables[name]
        raise AttributeError(
            f"DefaultData has no table {name!r}. Tables: {sorted(tables)}."
        )

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.__getattr__(name)

    def __dir__(self) -> Iterable[str]:
        return [*super().__dir__(), *self.tables]

    def summary(self) -> pd.DataFrame:
        """One row per table: rows, columns and what a row is."""
        rows = []
        for name, frame in self.tables.items():
            rows.append({"table": name, "rows": len(frame), "columns": frame.shape[1]})
        return pd.DataFrame(rows).set_index("table")


def _round_floats(obj: object, digits: int = 6) -> object:
    """Round floats in a JSON-like structure to ``digits`` significant digits."""
    if isinstance(obj, float | np.floating):
        value = float(obj)
        if value == 0 or not math.isfinite(value):
            return value
        return float(f"{value:.{digits}g}")
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, Mapping):
        return {str(k): _round_floats(v, digits) for k, v in obj.items()}
    if isinstance(obj, list | tuple | np.ndarray):
        return [_round_floats(v, digits) for v in obj]
    return obj


def _apply_schema(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give ``frame`` the dtypes its schema declares (used after generation and after reading)."""
    schema = SCHEMAS[name]
    missing = [c for c in schema if c not in frame.columns]
    extra = [c for c in frame.columns if c not in schema]
    if missing or extra:
        raise DataError(
            f"table {name!r}: columns do not match its schema (missing {missing}, "
            f"unexpected {extra}). Regenerate data/ with `make data`."
        )
    out = {}
    for col, kind in schema.items():
        s = frame[col]
        if isinstance(kind, tuple | list):
            out[col] = pd.Categorical(s.astype("string"), categories=list(kind), ordered=True)
        elif kind == "date":
            out[col] = pd.to_datetime(s, format="%Y-%m-%d") if not pd.api.types.is_datetime64_any_dtype(s) else s
        elif kind == "category":
            out[col] = s.astype("string").astype("category")
        elif kind in ("id", "str"):
            out[col] = s.astype("string")
        elif kind == "int":
            out[col] = s.astype("int64")
        elif kind == "float":
            out[col] = s.astype("float64")
        elif kind == "bool":
            out[col] = s.astype("int64").astype(bool) if s.dtype != bool else s
        else:  # pragma: no cover - schema typo
            raise ValueError(f"unknown column kind {kind!r} for {name}.{col}")
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))


def generate(seed: int = DEFAULT_SEED, scale: float = 1.0, *, tables: Iterable[str] | None = None) -> DefaultData:
    """Generate the teaching business from ``seed``.

    Parameters
    ----------
    seed : int
        Seed of the random streams.  The committed ``data/`` uses :data:`DEFAULT_SEED`.
    scale : float
        Multiplies the number of customers (12,000 at ``scale=1``) and so the number of
        orders (about 10 per customer).  ``scale=100`` gives about ten million order rows
        for benchmarks; the market, media and survey tables do not grow with scale.
    tables : iterable of str, optional
        Only these tables (others are still simulated where they are needed as inputs).
        ``tables=["orders"]`` at a large scale skips the order lines and the marketing tables.

    Returns
    -------
    DefaultData

    Examples
    --------
    >>> small = generate(scale=0.05, tables=["customers", "orders"])
    >>> sorted(small.tables)
    ['customers', 'orders']
    >>> small.customers["customer_id"].is_unique
    True
    """
    seed = check_int(seed, "seed", where="generate", low=0)
    scale = check_real(scale, "scale", where="generate", low=0, low_inclusive=False)
    wanted = list(TABLES if tables is None else tables)
    unknown = [t for t in wanted if t not in TABLES]
    if unknown:
        raise ParameterError(
            f"The 'tables' parameter of generate lists unknown tables {unknown}. Tables: {list(TABLES)}."
        )
    n_customers = max(50, int(round(N_CUSTOMERS * scale)))
    rng_customers, rng_marketing = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    with_lines = "order_lines" in wanted
    cust_tables, truth_c = _gen_customers.make_customer_tables(
        rng_customers, n_customers=n_customers, start=START, end=END, with_lines=with_lines
    )
    out = dict(cust_tables)
    truth = {"seed": seed, "scale": scale, "start": str(START.date()), "end": str(END.date()), **truth_c}
    if any(t in _gen_marketing.SCHEMAS for t in wanted):
        mk_tables, truth_m = _gen_marketing.make_marketing_tables(
            rng_marketing, customers=out["customers"], truth_customers=out["truth_customers"], start=START, end=END
        )
        out.update(mk_tables)
        truth.update(truth_m)
    typed = {name: _apply_schema(name, out[name]) for name in wanted}
    return DefaultData(tables=typed, truth=_round_floats(truth))


def default_data_dir() -> Path:
    """Where the default data lives: ``$CRMLIB_DEFAULT_DATA`` or the repository's ``data/``."""
    env = os.environ.get("CRMLIB_DEFAULT_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "data"


def _to_csv_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col, kind in SCHEMAS[name].items():
        if kind == "bool":
            out[col] = out[col].astype("int8")
        elif kind == "date":
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out


def write_default(directory: str | os.PathLike[str] | None = None, seed: int = DEFAULT_SEED) -> list[Path]:
    """Generate the default data and write one CSV per table plus ``ground_truth.json``.

    Returns the written paths.  Floats are written with at most 6 significant digits
    (money with 2 decimals), so the files are identical on every machine with the pinned
    library versions.
    """
    target = Path(directory) if directory is not None else default_data_dir()
    target.mkdir(parents=True, exist_ok=True)
    data = generate(seed=seed)
    paths = []
    for name, frame in data.tables.items():
        path = target / f"{name}.csv"
        _to_csv_frame(name, frame).to_csv(path, index=False, lineterminator="\n", float_format="%.6g")
        paths.append(path)
    truth_path = target / TRUTH_FILE
    truth_path.write_text(json.dumps(data.truth, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    paths.append(truth_path)
    return paths


def load_truth(path: str | os.PathLike[str] | None = None) -> dict:
    """Read ``ground_truth.json`` from ``path`` (a directory or the file itself)."""
    p = Path(path) if path is not None else default_data_dir()
    if p.is_dir():
        p = p / TRUTH_FILE
    if not p.exists():
        raise DataError(
            f"load_truth: no ground truth file at '{p}'. Run `make data` to regenerate data/, "
            "or set CRMLIB_DEFAULT_DATA to the folder that holds it."
        )
    return json.loads(p.read_text(encoding="utf-8"))


def load_default(path: str | os.PathLike[str] | None = None, *, tables: Iterable[str] | None = None) -> DefaultData:
    """Load the committed default data set as typed frames.

    Parameters
    ----------
    path : path-like, optional
        Folder holding the CSV files; default :func:`default_data_dir`.
    tables : iterable of str, optional
        Load only these tables (faster); default all.

    Examples
    --------
    >>> data = load_default(tables=["customers"])
    >>> data.customers["customer_id"].dtype
    <StringDtype(na_value=<NA>)>
    """
    folder = Path(path) if path is not None else default_data_dir()
    names = list(TABLES if tables is None else tables)
    unknown = [t for t in names if t not in TABLES]
    if unknown:
        raise ParameterError(
            f"The 'tables' parameter of load_default lists unknown tables {unknown}. Tables: {list(TABLES)}."
        )
    frames = {}
    for name in names:
        file = folder / f"{name}.csv"
        if not file.exists():
            raise DataError(
                f"load_default: table {name!r} not found at '{file}'. Run `make data` to "
                "regenerate the default data, or set CRMLIB_DEFAULT_DATA to the folder holding it."
            )
        kinds = SCHEMAS[name]
        dtypes = {c: ("string" if k in ("id", "str", "category") or isinstance(k, tuple | list) else None) for c, k in kinds.items()}
        raw = pd.read_csv(file, dtype={c: d for c, d in dtypes.items() if d}, keep_default_na=False, na_values=[""])
        frames[name] = _apply_schema(name, raw)
    return DefaultData(tables=frames, truth=load_truth(folder))
