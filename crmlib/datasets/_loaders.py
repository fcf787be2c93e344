"""Read an analyst's own order log: map columns, parse values, reconcile every row.

:func:`read_transactions` takes a CSV/TSV/Parquet export (or a DataFrame), finds the canonical
columns (``customer_id``, ``order_date``, ``amount`` and optionally ``order_id``,
``quantity``, ``channel``, ``status``), parses them, and sets aside the rows that cannot be
used, each with exactly one reason.  Nothing is dropped silently: the returned
:class:`TransactionData` carries the kept rows, the set-aside rows and a
:class:`Reconciliation` in which ``rows_read == rows_kept + rows set aside``.
"""

from __future__ import annotations

import difflib
import html
import logging
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.tseries.api import guess_datetime_format

from crmlib._validation import check_choice, format_examples, parse_date
from crmlib.exceptions import DataError, ParameterError

__all__ = [
    "CANONICAL_COLUMNS",
    "DEFAULT_CANCELLATION_VALUES",
    "REASONS",
    "Reconciliation",
    "TransactionData",
    "read_transactions",
]

logger = logging.getLogger("crmlib.datasets")

_WHERE = "read_transactions"

#: Columns every order log must provide.
REQUIRED_COLUMNS: tuple[str, ...] = ("customer_id", "order_date", "amount")
#: Columns used when present.
OPTIONAL_COLUMNS: tuple[str, ...] = ("order_id", "quantity", "channel", "status")
#: All canonical columns, in the order of the returned ``data``.
CANONICAL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

#: Reasons a row is set aside, in the order the rules are applied (first match wins).
REASONS: tuple[str, ...] = (
    "missing_customer_id",
    "unparseable_date",
    "implausible_date",
    "unparseable_amount",
    "cancellation",
    "non_positive_amount",
    "after_as_of",
    "duplicate",
)

#: ``status`` values (compared case-insensitively, whitespace stripped) that mark a cancellation.
DEFAULT_CANCELLATION_VALUES: tuple[str, ...] = (
    "cancelled",
    "canceled",
    "cancellation",
    "void",
    "voided",
)

# Status values that look like money going back (noted when not in cancellation_values).
_REFUND_PATTERN = r"refund|return|charge.?back|reversal|reversed|dispute|rma\b|credit.?note"

#: Share of non-empty dates (or amounts) that may fail to parse before the file is refused.
_MAX_BAD_SHARE = 0.5

# Names analysts' exports commonly use; only for suggestions in error messages.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer", "customerid", "customer_no", "customer_number", "cust_id", "custid",
        "client_id", "clientid", "user_id", "userid", "member_id", "account_id", "buyer_id",
    ),
    "order_date": (
        "date", "invoicedate", "invoice_date", "orderdate", "purchase_date", "transaction_date",
        "order_time", "timestamp", "datetime", "created_at", "order_datetime", "time",
    ),
    "amount": (
        "revenue", "sales", "total", "value", "amount_paid", "order_value", "net_amount",
        "gross_amount", "spend", "dollar_value", "turnover", "sales_amount", "order_total",
    ),
    "order_id": ("invoice", "invoiceno", "invoice_no", "invoice_id", "order", "order_no",
                 "order_number", "transaction_id", "receipt_id"),
    "quantity": ("qty", "units", "number_of_items", "items", "count"),
    "channel": ("sales_channel", "source", "store_type"),
    "status": ("order_status", "state"),
}

# Formats tried (besides ISO 8601 and pandas' guess) when no ``date_format`` is given.
_COMMON_DATE_FORMATS: tuple[str, ...] = tuple(
    base + suffix
    for base in (
        "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%m-%d-%Y", "%Y/%m/%d", "%Y.%m.%d",
        "%Y%m%d", "%d/%m/%y", "%m/%d/%y", "%d.%m.%y", "%d-%b-%y", "%d-%b-%Y", "%d %b %Y",
        "%b %d, %Y", "%d %B %Y", "%B %d, %Y",
    )
    for suffix in ("", " %H:%M", " %H:%M:%S")
)

_CURRENCY_SYMBOLS = "$€£¥₹₩₽¢₪₫฿₴₦₱₺₸￥￡元円"
_SPACES = r"[\s\u00a0\u2009\u202f]"
_AMOUNT_PATTERNS = {
    ".": re.compile(r"[+-]?(?:\d{1,3}(?:[,']\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?"),
    ",": re.compile(r"[+-]?(?:\d{1,3}(?:[.']\d{3})+|\d*)(?:,\d*)?(?:[eE][+-]?\d+)?"),
}
_DELIMITERS = {",": "comma", ";": ";", "\t": "tab", "|": "|"}

#: Text that pandas.read_csv reads as missing (its default ``na_values``, case-sensitive);
#: the same text in a DataFrame is treated as missing too, so a CSV and its DataFrame agree.
_PLACEHOLDERS: frozenset[str] = frozenset({
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})


# --------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    -"


@dataclass(frozen=True)
class Reconciliation:
    """Where every row of an order log went: kept, or set aside for one reason.

    Parameters
    ----------
    rows_read : int
        Data rows in the source (header and blank lines not counted).
    rows_kept : int
        Rows returned in :attr:`TransactionData.data`.
    set_aside : mapping of str to int
        Rows set aside per reason, in the order of :data:`REASONS` (every reason is listed,
        zero counts included).
    source : str
        What was read, for messages (a file name or ``"DataFrame"``).

    Notes
    -----
    The invariant ``rows_read == rows_kept + sum(set_aside.values())`` is checked when the
    object is created; a violation is a bug in crmlib and raises ``AssertionError``.

    Examples
    --------
    >>> rec = Reconciliation(rows_read=10, rows_kept=7, set_aside={"duplicate": 2, "cancellation": 1})
    >>> list(rec.set_aside.items())[:4]
    [('missing_customer_id', 0), ('unparseable_date', 0), ('implausible_date', 0), ('unparseable_amount', 0)]
    >>> rec.rows_set_aside
    3
    >>> int(rec.to_frame()["rows"].sum()) == rec.rows_read
    True
    """

    rows_read: int
    rows_kept: int
    set_aside: Mapping[str, int]
    source: str = "data"

    def __post_init__(self) -> None:
        unknown = [r for r in self.set_aside if r not in REASONS]
        if unknown:
            raise ParameterError(
                f"Reconciliation: unknown set-aside reasons {unknown}. Reasons: {list(REASONS)}."
            )
        counts = {reason: int(self.set_aside.get(reason, 0)) for reason in REASONS}
        object.__setattr__(self, "set_aside", counts)
        object.__setattr__(self, "rows_read", int(self.rows_read))
        object.__setattr__(self, "rows_kept", int(self.rows_kept))
        if min(counts.values(), default=0) < 0 or self.rows_kept < 0:
            raise AssertionError(f"Reconciliation: negative count in {self!r}")
        if self.rows_read != self.rows_kept + sum(counts.values()):
            raise AssertionError(
                f"Reconciliation does not balance: rows_read={self.rows_read} but "
                f"rows_kept={self.rows_kept} + set aside={sum(counts.values())} ({counts})."
            )

    @property
    def rows_set_aside(self) -> int:
        """Total rows set aside (all reasons)."""
        return sum(self.set_aside.values())

    def to_frame(self) -> pd.DataFrame:
        """One row per outcome (``kept`` and each reason): rows and share of rows read.

        The ``rows`` column sums to ``rows_read``.

        Examples
        --------
        >>> Reconciliation(4, 3, {"duplicate": 1}).to_frame().loc[["kept", "duplicate"]]
                   rows  share
        outcome
        kept          3   0.75
        duplicate     1   0.25
        """
        outcomes = ["kept", *REASONS]
        rows = [self.rows_kept, *self.set_aside.values()]
        share = [r / self.rows_read if self.rows_read else np.nan for r in rows]
        frame = pd.DataFrame(
            {"rows": np.asarray(rows, dtype="int64"), "share": np.asarray(share, dtype="float64")},
            index=pd.Index(outcomes, name="outcome"),
        )
        return frame

    def summary(self) -> str:
        """The reconciliation as text: rows read, kept, set aside per reason.

        Examples
        --------
        >>> print(Reconciliation(4, 3, {"duplicate": 1}, source="orders.csv").summary())
        Reconciliation of orders.csv
          rows read                    4
          rows kept                    3   75.0%
          rows set aside               1   25.0%
            duplicate                  1   25.0%
        """
        lines = [
            f"Reconciliation of {self.source}",
            f"  {'rows read':<24}{self.rows_read:>7,}",
            f"  {'rows kept':<24}{self.rows_kept:>7,} {_pct(self.rows_kept, self.rows_read)}",
            f"  {'rows set aside':<24}{self.rows_set_aside:>7,} "
            f"{_pct(self.rows_set_aside, self.rows_read)}",
        ]
        for reason, count in self.set_aside.items():
            if count:
                lines.append(f"    {reason:<22}{count:>7,} {_pct(count, self.rows_read)}")
        return "\n".join(lines)

    def _html_rows(self) -> str:
        def row(label: str, count: int, indent: bool = False) -> str:
            style = ' style="padding-left:1.5em"' if indent else ""
            share = f"{100 * count / self.rows_read:.1f}%" if self.rows_read else ""
            return (
                f"<tr><td{style}>{html.escape(label)}</td>"
                f'<td style="text-align:right">{count:,}</td>'
                f'<td style="text-align:right">{share}</td></tr>'
            )

        parts = [row("rows read", self.rows_read), row("rows kept", self.rows_kept),
                 row("rows set aside", self.rows_set_aside)]
        parts += [row(reason, count, indent=True) for reason, count in self.set_aside.items() if count]
        return "".join(parts)

    def _repr_html_(self) -> str:
        return (
            f"<div><strong>Reconciliation of {html.escape(self.source)}</strong>"
            f"<table><thead><tr><th></th><th>rows</th><th>share</th></tr></thead>"
            f"<tbody>{self._html_rows()}</tbody></table></div>"
        )


@dataclass(frozen=True, eq=False)
class TransactionData:
    """An order log after :func:`read_transactions`: kept rows, set-aside rows, reconciliation.

    Attributes
    ----------
    data : pandas.DataFrame
        Kept rows with canonical, typed columns: ``customer_id`` (string), ``order_date``
        (datetime64, time of day kept), ``amount`` (float64) and, when mapped, ``order_id``
        (string), ``quantity`` (Int64, or Float64 when fractional), ``channel`` and
        ``status`` (string).  Source order is kept; the index is a fresh RangeIndex.
    set_aside : pandas.DataFrame
        The source rows that were not kept, unchanged, preceded by ``row_number`` (0-based
        position among the source's data rows; for a CSV with one header line the file line
        is ``row_number + 2``) and ``reason`` (one of :data:`REASONS`).
    reconciliation : Reconciliation
        Row counts: read = kept + set aside, per reason.
    columns : mapping of str to object
        Which source column provided each canonical column.
    date_format : str or None
        The date format used to parse ``order_date`` (None when the source held datetimes).
    notes : tuple of str
        Caveats worth a look (e.g. duplicates in a log without order ids).

    Examples
    --------
    >>> import pandas as pd
    >>> tx = read_transactions(pd.DataFrame({
    ...     "customer_id": ["A", "B"], "order_date": ["2024-01-02", "2024-01-03"], "amount": [5, 7]}))
    >>> tx
    TransactionData(source='DataFrame', rows_read=2, rows_kept=2, rows_set_aside=0)
    >>> tx.data.dtypes.astype(str).tolist()
    ['string', 'datetime64[us]', 'float64']
    """

    data: pd.DataFrame
    set_aside: pd.DataFrame
    reconciliation: Reconciliation
    columns: Mapping[str, object] = field(default_factory=dict)
    date_format: str | None = None
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        rec = self.reconciliation
        return (
            f"TransactionData(source={rec.source!r}, rows_read={rec.rows_read}, "
            f"rows_kept={rec.rows_kept}, rows_set_aside={rec.rows_set_aside})"
        )

    def _facts(self) -> list[tuple[str, str]]:
        data = self.data
        facts = [("customers", f"{data['customer_id'].nunique():,}")]
        if len(data):
            first, last = data["order_date"].min(), data["order_date"].max()
            facts.append(("order dates", f"{first:%Y-%m-%d} .. {last:%Y-%m-%d}"))
            facts.append(("total amount", f"{data['amount'].sum():,.2f}"))
        mapped = ", ".join(f"{k} <- {v!r}" for k, v in self.columns.items())
        facts.append(("columns", mapped))
        if self.date_format is not None:
            facts.append(("date format", self.date_format))
        return facts

    def summary(self) -> str:
        """Reconciliation, a description of the kept rows, and numbered notes.

        Examples
        --------
        >>> import pandas as pd
        >>> tx = read_transactions(pd.DataFrame({
        ...     "customer_id": ["A", "A", None], "order_date": ["2024-01-02"] * 3,
        ...     "amount": [5, 5, 9]}))
        >>> print(tx.summary())  # doctest: +ELLIPSIS
        Reconciliation of DataFrame
          rows read                    3
          rows kept                    1   33.3%
          rows set aside               2   66.7%
            missing_customer_id        1   33.3%
            duplicate                  1   33.3%
        Kept rows
          customers: 1
          order dates: 2024-01-02 .. 2024-01-02
          total amount: 5.00
          ...
        Notes
          [1] 1 row was set aside as an exact repeat of an earlier row (same value in every column...
        """
        lines = [self.reconciliation.summary(), "Kept rows"]
        lines += [f"  {name}: {value}" for name, value in self._facts()]
        if self.notes:
            lines.append("Notes")
            lines += [f"  [{i}] {note}" for i, note in enumerate(self.notes, start=1)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rec = self.reconciliation
        facts = "".join(
            f"<tr><td>{html.escape(k)}</td><td colspan=2>{html.escape(v)}</td></tr>"
            for k, v in self._facts()
        )
        notes = ""
        if self.notes:
            items = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
            notes = f"<p>Notes</p><ol>{items}</ol>"
        return (
            f"<div><strong>Transactions from {html.escape(rec.source)}</strong>"
            f"<table><tbody>{rec._html_rows()}{facts}</tbody></table>{notes}</div>"
        )


# --------------------------------------------------------------------------------------
# Reading the source
# --------------------------------------------------------------------------------------


def _describe_sep(sep: str) -> str:
    return "tab" if sep == "\t" else repr(sep)


def _decode_error(path: Path, encoding: str, exc: UnicodeDecodeError) -> DataError:
    """Build the not-in-this-encoding error with the absolute byte position and a hint."""
    where, bad = "", exc.object[exc.start : exc.start + 2]
    suggestions = ["'gb18030' (Chinese)", "'cp1252' or 'latin-1' (Western European)"]
    compressed = path.suffix.lower() in (".gz", ".bz2", ".zip", ".xz", ".zst")
    if not compressed:
        # pandas decodes in chunks, so its position is relative; find the absolute one.
        try:
            raw = path.read_bytes()
            raw.decode(encoding)
        except UnicodeDecodeError as err:
            line = raw.count(b"\n", 0, err.start) + 1
            where, bad = f" at byte {err.start:,} (line {line})", raw[err.start : err.start + 2]
            if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
                suggestions.insert(0, "'utf-16' (the file starts with a UTF-16 byte-order mark)")
        except (OSError, LookupError):
            pass
    return DataError(
        f"{_WHERE}: {path.name!r} is not valid {encoding} text: bytes {bad!r}{where} cannot be "
        f"decoded. The file was saved in another encoding; pass encoding= one of "
        f"{', '.join(suggestions)}."
    )


def _read_header(path: Path, sep: str, encoding: str) -> list[str]:
    try:
        head = pd.read_csv(
            path, sep=sep, header=None, nrows=1, dtype=str, encoding=encoding,
            keep_default_na=False,
        )
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{_WHERE}: {path.name!r} has no header line (only blank lines). Expected a header "
            f"such as 'customer_id,order_date,amount' and one row per purchase; check the export."
        ) from None
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc) from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{_WHERE}: the header of {path.name!r} could not be parsed: {exc}") from None
    return [str(v) for v in head.iloc[0].tolist()]


def _read_text(path: Path, sep: str | None, encoding: str) -> tuple[pd.DataFrame, list[str]]:
    suffixes = [s.lower() for s in path.suffixes]
    if sep is None:
        core = [s for s in suffixes if s not in (".gz", ".bz2", ".zip", ".xz", ".zst")]
        sep = "\t" if core and core[-1] in (".tsv", ".tab") else ","
    header = _read_header(path, sep, encoding)
    if len(header) == 1:
        others = [d for d in _DELIMITERS if d != sep and d in header[0]]
        if others:
            guess = max(others, key=header[0].count)
            label = "tab" if guess == "\t" else guess
            raise DataError(
                f"{_WHERE}: {path.name!r} was read with sep={sep!r} and gave a single column "
                f"{header[0][:80]!r}; the header looks {label}-separated: pass sep={guess!r}."
            )
    raw = None
    if len(sep) == 1 and sep != " ":
        # The pyarrow engine is several times faster; anything it cannot handle (invalid
        # bytes, ragged rows, unusual encodings) goes to the C engine, which gives the errors
        # explained below and fills short rows with missing values.
        try:
            raw = pd.read_csv(path, sep=sep, dtype=str, encoding=encoding, engine="pyarrow")
        except Exception:  # pyarrow raises its own error types; the C engine decides below
            raw = None
    try:
        if raw is None:
            with warnings.catch_warnings():
                # More fields than header names would silently become an index or be lost.
                warnings.simplefilter("error", pd.errors.ParserWarning)
                raw = pd.read_csv(path, sep=sep, dtype=str, encoding=encoding, index_col=False)
    except UnicodeDecodeError as exc:
        raise _decode_error(path, encoding, exc) from None
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise DataError(
            f"{_WHERE}: {path.name!r} could not be parsed with sep={_describe_sep(sep)}: "
            f"{str(exc).strip()}. A value probably contains the separator without quotes, or "
            f"the separator is wrong; quote such values or pass sep=."
        ) from None
    return raw, header


# File signatures of binary formats that get renamed .csv by mistake.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx workbook is one)",
     "Open it in Excel and save the sheet as CSV (UTF-8), or read it with pandas.read_excel "
     "and pass the DataFrame; a zipped CSV must end in .zip."),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook (OLE2)",
     "Save the sheet as CSV (UTF-8), or read it with pandas.read_excel and pass the DataFrame."),
    (b"\x89PNG", "a PNG image", "Pass the order-log file itself."),
    (b"\xff\xd8\xff", "a JPEG image", "Pass the order-log file itself."),
    (b"GIF8", "a GIF image", "Pass the order-log file itself."),
    (b"%PDF", "a PDF document", "Export the data as CSV instead."),
    (b"PAR1", "a Parquet file", "Rename it to .parquet."),
    (b"\x1f\x8b", "a gzip-compressed file", "Rename it to end in .csv.gz."),
)


def _refuse_binary(path: Path, suffixes: list[str]) -> None:
    """Refuse a binary file given as text, naming what it is (not an encoding problem)."""
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zip", ".xz", ".zst"):
        return
    with path.open("rb") as handle:
        head = handle.read(4096)
    for magic, what, fix in _SIGNATURES:
        if head.startswith(magic):
            raise DataError(
                f"{_WHERE}: {path.name!r} is not a text file: its first bytes {head[:4]!r} are "
                f"those of {what}. read_transactions reads CSV/TSV text or Parquet. {fix}"
            )
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1:2] == b"\x00" or head[:1] == b"\x00"
    if b"\x00" in head and not utf16:
        first_nul = head.index(b"\x00")
        raise DataError(
            f"{_WHERE}: {path.name!r} is not a text file: it holds NUL bytes (first at byte "
            f"{first_nul:,}), so it is binary data, not CSV text. "
            f"Pass the CSV/TSV export itself, or read the file with the program that wrote it."
        )


def _read_source(source: object, sep: str | None, encoding: str) -> tuple[pd.DataFrame, str, list[str] | None]:
    """Return (raw frame, name for messages, header as written or None)."""
    if isinstance(source, pd.DataFrame):
        return source, "DataFrame", None
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        if not path.exists():
            folder = path.parent if str(path.parent) else Path(".")
            nearby = []
            if folder.is_dir():
                names = [p.name for p in folder.iterdir() if p.is_file()]
                nearby = difflib.get_close_matches(path.name, names, n=3, cutoff=0.6)
            hint = f" Did you mean {format_examples(nearby)}?" if nearby else ""
            raise DataError(
                f"{_WHERE}: file {str(path)!r} not found (current directory: {str(Path.cwd())!r})."
                f"{hint} Pass the path of a CSV, TSV or Parquet file, or a DataFrame."
            )
        if path.is_dir():
            raise DataError(
                f"{_WHERE}: {str(path)!r} is a folder, not a file. Pass the path of a CSV, TSV "
                f"or Parquet file inside it."
            )
        if path.stat().st_size == 0:
            raise DataError(
                f"{_WHERE}: {path.name!r} is empty (0 bytes). Expected a header line such as "
                f"'customer_id,order_date,amount' and one row per purchase; check the export."
            )
        suffixes = [s.lower() for s in path.suffixes]
        if suffixes and suffixes[-1] in (".parquet", ".pq"):
            try:
                return pd.read_parquet(path), path.name, None
            except Exception as exc:  # pyarrow raises several unrelated types
                raise DataError(
                    f"{_WHERE}: {path.name!r} could not be read as Parquet ({type(exc).__name__}: "
                    f"{exc}). Check that the file is a complete Parquet file, or save it as CSV."
                ) from None
        if suffixes and suffixes[-1] in (".xlsx", ".xls", ".xlsm", ".ods"):
            raise DataError(
                f"{_WHERE}: {path.name!r} is a spreadsheet ({suffixes[-1]}), which is not read "
                f"directly. Save the sheet as CSV (UTF-8) or read it with pandas.read_excel and "
                f"pass the DataFrame."
            )
        if suffixes and suffixes[-1] in (".json", ".feather", ".pkl", ".pickle", ".h5", ".sav", ".dta"):
            raise DataError(
                f"{_WHERE}: unsupported file type {suffixes[-1]!r} for {path.name!r}. Supported: "
                f"CSV/TXT, TSV/TAB (optionally compressed) and Parquet; read other formats with "
                f"pandas and pass the DataFrame."
            )
        _refuse_binary(path, suffixes)
        raw, header = _read_text(path, sep, encoding)
        return raw, path.name, header
    # Other dataframe libraries (Polars, PyArrow, ...) through Narwhals.
    try:
        import narwhals as nw

        frame = nw.from_native(source, eager_only=True)
    except TypeError:
        frame = None
    if frame is not None:
        return frame.to_pandas(), f"{type(source).__name__}", None
    raise DataError(
        f"{_WHERE}: unsupported source of type {type(source).__name__}. Pass a path (str or "
        f"pathlib.Path) to a CSV, TSV or Parquet file, or a DataFrame (pandas, or Polars/PyArrow; "
        f"collect lazy frames first)."
    )


# --------------------------------------------------------------------------------------
# Mapping columns
# --------------------------------------------------------------------------------------


def _norm(name: object) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).casefold())


def _suggest(canonical: str, present: list[object], taken: Iterable[object] = ()) -> object | None:
    """Closest present column for ``canonical`` (synonyms first, then difflib)."""
    taken = set(taken)
    candidates = [c for c in present if c not in taken]
    wanted = [_norm(canonical), *(_norm(s) for s in _SYNONYMS.get(canonical, ()))]
    by_norm: dict[str, object] = {}
    for c in candidates:
        by_norm.setdefault(_norm(c), c)
    for w in wanted:
        if w in by_norm:
            return by_norm[w]
    close = difflib.get_close_matches(_norm(canonical), list(by_norm), n=1, cutoff=0.6)
    return by_norm[close[0]] if close else None


def _resolve_columns(
    raw: pd.DataFrame, columns: Mapping[str, object] | None, source_name: str, header: list[str] | None
) -> dict[str, object]:
    """Map each canonical name to a column label of ``raw``."""
    columns = _check_mapping(columns)
    present = list(raw.columns)
    resolved: dict[str, object] = {}
    missing: list[str] = []
    for canon in CANONICAL_COLUMNS:
        if canon in columns:
            label = _mapped_label(canon, columns[canon], present, source_name)
        else:
            label = _matched_label(canon, present, source_name)
        if label is not None:
            resolved[canon] = label
        elif canon in REQUIRED_COLUMNS and canon not in columns:
            missing.append(canon)
    if missing:
        raise _missing_columns_error(missing, present, resolved, source_name)
    _refuse_reused_columns(raw, resolved, present, header, source_name)
    return resolved


def _check_mapping(columns: object) -> Mapping[str, object]:
    """The ``columns`` argument: a dict whose keys are canonical names."""
    if columns is None:
        return {}
    if not isinstance(columns, Mapping):
        raise ParameterError(
            f"The 'columns' parameter of {_WHERE} must be a dict mapping canonical names to your "
            f"column names, e.g. {{'customer_id': 'CustomerID'}}. Got {columns!r} (a "
            f"{type(columns).__name__}) instead."
        )
    unknown = [k for k in columns if k not in CANONICAL_COLUMNS]
    if unknown:
        reversed_ = {v: k for k, v in columns.items() if v in CANONICAL_COLUMNS}
        hint = (
            f" The mapping goes canonical name -> your column: did you mean "
            f"columns={reversed_!r}?" if reversed_ else ""
        )
        raise ParameterError(
            f"The 'columns' parameter of {_WHERE} has keys {unknown} that are not canonical "
            f"column names. Valid keys: {list(CANONICAL_COLUMNS)}.{hint}"
        )
    return columns


def _mapped_label(canon: str, label: object, present: list[object], source_name: str) -> object | None:
    """The column the user mapped ``canon`` to (None: switched off), or a clear error."""
    if label is None:
        if canon in REQUIRED_COLUMNS:
            raise ParameterError(
                f"The 'columns' parameter of {_WHERE} maps required column {canon!r} to "
                f"None; only optional columns {list(OPTIONAL_COLUMNS)} can be switched off."
            )
        return None
    if label in present:
        return label
    stripped = [c for c in present if isinstance(c, str) and c.strip() == str(label).strip()]
    if len(stripped) == 1:
        return stripped[0]
    near = difflib.get_close_matches(str(label), [str(c) for c in present], n=1, cutoff=0.5)
    guess = near[0] if near else _suggest(canon, present)
    fix = (
        f" Did you mean {guess!r}? Pass columns={{{canon!r}: {guess!r}}}."
        if guess is not None else " Fix the name in columns=."
    )
    raise DataError(
        f"{_WHERE}: columns={{{canon!r}: {label!r}}} names a column that is not in "
        f"{source_name}. Columns present: {present}.{fix}"
    )


def _matched_label(canon: str, present: list[object], source_name: str) -> object | None:
    """The column named ``canon`` exactly, else case-insensitively (None: not there)."""
    if canon in present:
        return canon
    matches = [c for c in present if isinstance(c, str) and c.strip().casefold() == canon]
    if len(matches) > 1:
        raise DataError(
            f"{_WHERE}: column {canon!r} matches several columns of {source_name} "
            f"case-insensitively: {matches}. Choose one with columns={{{canon!r}: {matches[0]!r}}}."
        )
    return matches[0] if matches else None


def _missing_columns_error(
    missing: list[str], present: list[object], resolved: Mapping[str, object], source_name: str
) -> DataError:
    """Required columns not found: name each with its closest column and the mapping to pass."""
    taken = list(resolved.values())
    fixes: dict[str, object] = {}
    parts = []
    for canon in missing:
        guess = _suggest(canon, present, taken)
        if guess is not None:
            taken.append(guess)
            parts.append(f"{canon!r} (closest: {guess!r})")
        else:
            parts.append(repr(canon))
        fixes[canon] = guess if guess is not None else "<your column>"
    noun = "column" if len(missing) == 1 else "columns"
    return DataError(
        f"{_WHERE}: required {noun} {', '.join(parts)} not found in {source_name}. Columns "
        f"present: {present}. Names are matched exactly or case-insensitively; map yours "
        f"with columns={fixes!r}."
    )


def _refuse_reused_columns(
    raw: pd.DataFrame, resolved: Mapping[str, object], present: list[object],
    header: list[str] | None, source_name: str,
) -> None:
    """One source column cannot feed two canonical columns, and a used name must be unique."""
    used: dict[object, str] = {}
    for canon, label in resolved.items():
        if label in used:
            raise DataError(
                f"{_WHERE}: column {label!r} of {source_name} is mapped to both {used[label]!r} "
                f"and {canon!r}; after mapping the names would be duplicated. Map each canonical "
                f"column to its own source column (or switch an optional one off with "
                f"columns={{{canon!r}: None}})."
            )
        used[label] = canon
        dup_in_frame = int((raw.columns == label).sum()) if not isinstance(label, tuple) else 1
        position = present.index(label)
        written = header[position] if header is not None and position < len(header) else label
        dup_in_header = header.count(written) if header is not None else 1
        if dup_in_frame > 1 or dup_in_header > 1:
            count = max(dup_in_frame, dup_in_header)
            raise DataError(
                f"{_WHERE}: column {written!r} (used as {canon!r}) appears {count} times in "
                f"{source_name}; the names must be unique. Rename the duplicates in the source, "
                f"or map {canon!r} to another column with columns=."
            )


# --------------------------------------------------------------------------------------
# Parsing values
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Coded:
    """A column as codes into its unique, stripped, non-empty strings (-1 means missing).

    Parsing once per unique value instead of once per row keeps 1M-row logs fast.
    """

    codes: np.ndarray
    uniques: pd.Series  # dtype "string", no missing values

    @property
    def missing(self) -> np.ndarray:
        return self.codes < 0

    def take(self, per_unique: np.ndarray, missing_value: object) -> np.ndarray:
        """Map one parsed value per unique back to the rows."""
        per_unique = np.asarray(per_unique)
        extended = np.concatenate([per_unique, np.asarray([missing_value], dtype=per_unique.dtype)])
        return extended[self.codes]

    def strings(self) -> pd.api.extensions.ExtensionArray:
        """The stripped values per row as a ``string`` array (missing as <NA>)."""
        return self.uniques.array.take(self.codes, allow_fill=True)

    def examples(self, mask: np.ndarray, limit: int = 3) -> list[str]:
        """Up to ``limit`` distinct values at the rows of ``mask`` (in order of appearance)."""
        # Codes are not always one per distinct text (see _code_text(near_unique=True)).
        codes = pd.unique(self.codes[mask & (self.codes >= 0)])[: 100 * limit]
        return list(dict.fromkeys(str(self.uniques.iloc[c]) for c in codes))[:limit]


def _find_libc() -> object:
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim  # noqa: B018 - glibc only
        return libc
    except (OSError, AttributeError):
        return None


_LIBC = _find_libc()


def _release_memory() -> None:
    """Hand the memory Arrow's allocator keeps after large temporaries back to the system.

    Arrow's default pool (mimalloc or jemalloc) retains freed pages for reuse; between the
    stages of a large read they would otherwise count towards the peak.
    """
    pa.default_memory_pool().release_unused()
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


#: Rows sampled to decide whether a column is nearly unique (see _code_text).
_UNIQUE_SAMPLE = 1 << 16


def _code_text(series: pd.Series, *, near_unique: bool = False, unique: bool = False) -> _Coded:
    """Strip a column's values as text and factorize them; empty strings count as missing.

    With ``near_unique=True``, a column whose sampled values are at least 90% distinct
    (timestamps to the second) is coded row by row instead: the same text may then carry
    several codes, which saves the hash table of a factorization that would find almost no
    repeats.  Use it only where codes are not compared (dates are compared as dates).
    ``unique=True`` says the values are meant to be distinct (order ids): they are factorized
    by sorting, which needs far less memory than hashing millions of distinct values.
    """
    if pd.api.types.is_float_dtype(series.dtype):
        # Ids and dates stored as floats: 12345.0 -> "12345".
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        values = np.where(np.isfinite(values), values, np.nan)
        codes, uniq = pd.factorize(values)
        uniq = np.asarray(uniq, dtype="float64")
        integral = (np.floor(uniq) == uniq) & (np.abs(uniq) < 2**53)
        text = pd.Series(uniq, dtype="float64").astype("string")
        if integral.any():
            text[integral] = uniq[integral].astype("int64").astype(str)
        return _Coded(codes=np.asarray(codes, dtype=np.int64), uniques=text)
    text = series if series.dtype == "string" else series.astype("string")
    try:
        arrow = pa.chunked_array(pa.array(text.array))
    except (TypeError, ValueError, pa.ArrowException):  # not Arrow-backed: pandas path
        arrow = None
    if arrow is not None:
        if near_unique and len(arrow) > _UNIQUE_SAMPLE:
            distinct = pc.count_distinct(arrow.slice(0, _UNIQUE_SAMPLE)).as_py() / _UNIQUE_SAMPLE
            if distinct >= 0.9:
                return _code_rows(arrow)
        # Encode first, then clean the (usually far fewer) distinct values: no full-length
        # copies of the text, which matters for a 20M-row export.
        indices, dictionary = _encode(arrow, by_sorting=unique)
        cleaned = pc.utf8_trim_whitespace(dictionary)
        placeholder = pc.is_in(cleaned, value_set=pa.array(sorted(_PLACEHOLDERS), cleaned.type))
        cleaned = pc.if_else(placeholder, pa.scalar(None, pa.string()), cleaned)
        if not pc.equal(cleaned, dictionary).fill_null(False).to_numpy(zero_copy_only=False).all():
            # Trimming merged values ("C1" and " C1 ") or emptied some: re-encode the dictionary.
            remap, dictionary = _encode(cleaned, by_sorting=unique)
            indices = np.append(remap, np.int32(-1))[indices]
        _release_memory()
        return _Coded(codes=indices.astype(np.int32, copy=False),
                      uniques=pd.Series(pd.arrays.ArrowStringArray(dictionary)))
    stripped = text.str.strip()
    codes, uniq = pd.factorize(stripped.mask(stripped.isin(_PLACEHOLDERS)))
    return _Coded(codes=np.asarray(codes, dtype=np.int64), uniques=pd.Series(uniq, dtype="string"))


def _encode(values: pa.Array | pa.ChunkedArray, *, by_sorting: bool) -> tuple[np.ndarray, pa.Array]:
    """Factorize text: (int32 codes, -1 for null; the distinct values).

    ``by_sorting`` suits a column of mostly distinct values (order ids): Arrow's dictionary
    encoding keeps a hash table of every distinct value, about five times the size of such a
    column, while sorting needs one index array and one sorted copy.  With few distinct
    values (customer ids, statuses) the hash table is small and faster than a sort.
    """
    if not by_sorting:
        encoded = pc.dictionary_encode(values)
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        return encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False), encoded.dictionary
    n = len(values)
    n_valid = n - values.null_count
    order = pc.sort_indices(values).to_numpy()[:n_valid]  # nulls are placed last
    ranked = values.take(pa.array(order))
    if isinstance(ranked, pa.ChunkedArray):
        ranked = ranked.combine_chunks()
    starts = np.ones(n_valid, dtype=bool)
    if n_valid > 1:
        starts[1:] = pc.not_equal(ranked.slice(1), ranked.slice(0, n_valid - 1)).to_numpy(
            zero_copy_only=False)
    dictionary = ranked.filter(pa.array(starts))
    del ranked
    codes = np.full(n, -1, dtype=np.int32)
    codes[order] = np.cumsum(starts, dtype=np.int64) - 1
    return codes, dictionary


def _code_rows(arrow: pa.ChunkedArray) -> _Coded:
    """Code each present value by its row (see _code_text): uniques are the cleaned rows."""
    padded = pc.any(pc.match_substring_regex(arrow, r"^\s|\s$")).as_py()
    cleaned = pc.utf8_trim_whitespace(arrow) if padded else arrow  # copy only when needed
    placeholder = pc.is_in(cleaned, value_set=pa.array(sorted(_PLACEHOLDERS), cleaned.type))
    present = pc.and_(pc.is_valid(cleaned), pc.invert(placeholder)).to_numpy(zero_copy_only=False)
    uniques = cleaned if present.all() else cleaned.filter(pa.array(present))
    uniques = uniques.combine_chunks()
    del cleaned
    codes = np.cumsum(present, dtype=np.int64).astype(np.int32) - 1
    codes[~present] = -1
    _release_memory()
    return _Coded(codes=codes, uniques=pd.Series(pd.arrays.ArrowStringArray(uniques)))


def _id_codes(series: pd.Series, *, unique: bool = False) -> _Coded:
    """Like :func:`_code_text`, and ids written as floats ("17850.0") lose the ".0"."""
    coded = _code_text(series, unique=unique)
    fixed = coded.uniques.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    if bool((fixed != coded.uniques).any()):
        codes, uniq = pd.factorize(fixed)
        remap = np.append(np.asarray(codes, dtype=np.int64), -1)
        coded = _Coded(codes=remap[coded.codes], uniques=pd.Series(uniq, dtype="string"))
    return coded


def _to_datetime(values: np.ndarray, fmt: str) -> tuple[pd.DatetimeIndex, bool]:
    """Parse with one format; return the index (naive, microseconds) and whether zones were seen."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        try:
            parsed = pd.to_datetime(values, format=fmt, errors="coerce")
        except ValueError:
            parsed = pd.to_datetime(values, format=fmt, errors="coerce", utc=True)
    index = pd.DatetimeIndex(parsed)
    had_tz = index.tz is not None
    if had_tz:
        index = index.tz_convert(None)
    return index.as_unit("us"), had_tz


#: ISO 8601 text without a zone that Arrow's string-to-timestamp cast reads exactly as
#: ``pd.to_datetime(format="ISO8601")`` does (checked in tests/test_loaders_memory.py).
_PLAIN_ISO = r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?)?$"
#: Distinct values parsed per call: bounds the Python objects alive at once.
_DATE_CHUNK = 1 << 16


def _dates_of(uniques: pd.Series, fmt: str) -> tuple[np.ndarray, bool]:
    """Parse every distinct value with one format: (datetime64[us] array, zones seen?).

    Works in chunks so that a 3M-value column never becomes 3M Python strings at once.  With
    ``fmt="ISO8601"``, plain ISO values go through Arrow's cast (no Python objects); a chunk
    the cast refuses (an impossible date such as 2024-02-30) and every other value go through
    :func:`pandas.to_datetime`, which decides what is a date.
    """
    out = np.full(len(uniques), np.datetime64("NaT", "us"))
    if len(uniques) == 0:
        return out, False
    arrow = pa.chunked_array(pa.array(uniques.array)).combine_chunks()
    plain = np.zeros(len(uniques), dtype=bool)
    if fmt == "ISO8601":
        plain = pc.match_substring_regex(arrow, _PLAIN_ISO).to_numpy(zero_copy_only=False)
    had_tz = False
    for start in range(0, len(uniques), _DATE_CHUNK):
        stop = min(start + _DATE_CHUNK, len(uniques))
        fast = plain[start:stop]
        groups = [~fast]
        if fast.any():
            rows = np.flatnonzero(fast) + start
            try:
                cast = pc.cast(arrow.take(pa.array(rows)), pa.timestamp("us"))
                out[rows] = cast.to_numpy(zero_copy_only=False)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                # Kept apart from the other values: pandas picks one resolution per call.
                groups.append(fast)
        for group in groups:
            if group.any():
                rows = np.flatnonzero(group) + start
                values = arrow.take(pa.array(rows)).to_numpy(zero_copy_only=False)
                parsed, tz = _to_datetime(values, fmt)
                out[rows] = parsed.to_numpy()
                had_tz |= tz
    return out, had_tz


def _guess_formats(values: np.ndarray, dayfirst: bool) -> list[str]:
    """Candidate formats: ISO 8601, pandas' guesses from the first values, common formats."""
    found: list[str] = ["ISO8601"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        for first in (dayfirst, not dayfirst):
            for value in values[:20]:
                try:
                    fmt = guess_datetime_format(str(value), dayfirst=first)
                except (ValueError, TypeError):
                    fmt = None
                if fmt and fmt not in found:
                    found.append(fmt)
    for fmt in _COMMON_DATE_FORMATS:
        if fmt not in found:
            found.append(fmt)
    # Dotted dates (05.01.2024) are day-first wherever they are written: on a tie, prefer it.
    return [f for f in found if "%m.%d" not in f] + [f for f in found if "%m.%d" in f]


def _swap_day_month(fmt: str) -> str:
    return fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")


def _parse_dates(
    series: pd.Series, date_format: str | None, dayfirst: bool
) -> tuple[np.ndarray, str | None, bool, _Coded | None, list[str]]:
    """Parse dates; return (datetime64[us] array, format used, zones converted to UTC?, coded
    text or None, notes on how the format was chosen)."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        index = pd.DatetimeIndex(series)
        had_tz = index.tz is not None
        if had_tz:
            index = index.tz_convert(None)
        return index.as_unit("us").to_numpy(), None, had_tz, None, []
    coded = _code_text(series, near_unique=True)
    uniques = coded.uniques
    nat = np.datetime64("NaT", "us")
    notes: list[str] = []
    if len(uniques) == 0:
        return np.full(len(series), nat), date_format, False, coded, notes
    if date_format is None:
        numeric = _numeric_dates(uniques)
        if numeric is not None:
            parsed, label, note = numeric
            return coded.take(parsed, nat), label, False, coded, [note]
        date_format = _choose_format(coded, uniques, dayfirst, notes)
    try:
        parsed, had_tz = _dates_of(uniques, date_format)
    except (ValueError, TypeError) as exc:
        raise ParameterError(
            f"The 'date_format' parameter of {_WHERE} must be a strptime format such as "
            f"'%d/%m/%Y %H:%M', or 'ISO8601'. Got {date_format!r} instead ({exc})."
        ) from None
    if had_tz:
        text = coded.uniques[~np.isnat(parsed)]
        zoned = text.str.contains(_ZONE, regex=True).to_numpy(dtype=bool)
        if 0 < zoned.sum() < len(zoned):
            notes.append(
                f"Order dates mix values with a time zone ({text[zoned].nunique():,} distinct, e.g. "
                f"{format_examples(text[zoned])}) and without ({text[~zoned].nunique():,}, e.g. "
                f"{format_examples(text[~zoned])}); the zoned ones were converted to UTC and the "
                f"others were taken as UTC already. If those are local times, convert the column "
                f"to one convention before reading."
            )
    return coded.take(parsed, nat), date_format, had_tz, coded, notes


_ZONE = r"(?:Z|[+-]\d{2}:?\d{2})$"


def _order_score(coded: _Coded, parsed: np.ndarray) -> float:
    """Share of consecutive dated rows (in source order) that do not go back in time."""
    per_row = coded.take(parsed, np.datetime64("NaT", "us"))
    values = per_row[~np.isnat(per_row)].view("int64")
    if len(values) < 2:
        return 1.0
    return float(np.mean(np.diff(values) >= 0))


def _choose_format(coded: _Coded, uniques: pd.Series, dayfirst: bool, notes: list[str]) -> str:
    """The format that parses most distinct values; day/month settled on ALL of them."""
    sample = uniques.iloc[:500].to_numpy(dtype=object)
    best, best_count = "ISO8601", -1
    for fmt in _guess_formats(sample, dayfirst):
        count = int(_to_datetime(sample, fmt)[0].notna().sum())
        if count > best_count:
            best, best_count = fmt, count
        if count == len(sample):
            break
    swapped = _swap_day_month(best)
    if swapped == best:
        return best
    # The first 500 values can all have days <= 12; the later ones decide.
    first, other = _dates_of(uniques, best)[0], _dates_of(uniques, swapped)[0]
    n_first, n_other = int((~np.isnat(first)).sum()), int((~np.isnat(other)).sum())
    if n_other > n_first:
        notes.append(
            f"Order dates read as {swapped!r}: of all {len(uniques):,} distinct values, "
            f"{n_other:,} parse that way and {n_first:,} as {best!r}."
        )
        return swapped
    if n_other < n_first or bool((first == other)[~np.isnat(first)].all()):
        return best
    score_first, score_other = _order_score(coded, first), _order_score(coded, other)
    if abs(score_first - score_other) >= 0.05:
        chosen, dropped = (best, swapped) if score_first > score_other else (swapped, best)
        hi, lo = max(score_first, score_other), min(score_first, score_other)
        notes.append(
            f"Order dates are ambiguous: every value reads as {best!r} and as {swapped!r}. "
            f"{chosen!r} was used because it keeps the rows in calendar order ({100 * hi:.0f}% of "
            f"consecutive rows go forward in time, against {100 * lo:.0f}% with {dropped!r}). "
            f"Pass date_format= (or dayfirst=) to choose."
        )
        return chosen
    notes.append(
        f"Order dates are ambiguous: every value reads as {best!r} and as {swapped!r}; "
        f"{best!r} was used. Pass date_format= (or dayfirst=) to choose."
    )
    return best


_PLAIN_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def _numeric_dates(uniques: pd.Series) -> tuple[np.ndarray, str, str] | None:
    """Dates written as plain numbers: Excel serial days or Unix epoch seconds/milliseconds.

    Returns (per-unique datetime64[us], label, note), or None when the values are not all
    numbers or look like YYYYMMDD (left to the formats).  Numbers of no known kind are refused.
    """
    arrow = pa.chunked_array(pa.array(uniques.array))
    if len(uniques) == 0 or not pc.all(pc.match_substring_regex(arrow, _PLAIN_NUMBER)).as_py():
        return None
    numbers = pc.cast(arrow, pa.float64()).to_numpy()
    if not np.isfinite(numbers).all():
        return None
    if bool(((numbers >= 19000101) & (numbers <= 21001231) & (numbers == np.floor(numbers))).all()):
        return None
    low, high = float(numbers.min()), float(numbers.max())
    example = format_examples(uniques.iloc[:1].tolist(), limit=1)
    if 10_000 <= low and high <= 80_000:
        when = pd.Timestamp("1899-12-30") + pd.to_timedelta(numbers, unit="D")
        label, kind = "Excel serial days", "Excel serial day numbers (days since 1899-12-30)"
    elif 1e8 <= low and high <= 4.2e9:
        when = pd.to_datetime(numbers, unit="s")
        label, kind = "Unix epoch seconds", "Unix epoch seconds (since 1970-01-01 UTC)"
    elif 1e11 <= low and high <= 4.2e12:
        when = pd.to_datetime(numbers, unit="ms")
        label, kind = "Unix epoch milliseconds", "Unix epoch milliseconds (since 1970-01-01 UTC)"
    else:
        raise DataError(
            f"{_WHERE}: column 'order_date' holds plain numbers ({low:g} .. {high:g}, e.g. "
            f"{example}) that are neither YYYYMMDD, Excel serial days (10000-80000) nor Unix "
            f"epoch seconds or milliseconds. Convert them to dates first (e.g. "
            f"pd.to_datetime(..., unit=..., origin=...)) and pass the DataFrame, or pass "
            f"date_format=."
        )
    parsed = pd.DatetimeIndex(when).as_unit("us")
    note = (
        f"Order dates were plain numbers, read as {kind}: {example} is "
        f"{parsed[0]:%Y-%m-%d %H:%M}. If that is wrong, convert the column before reading."
    )
    return parsed.to_numpy(), label, note


def _clean_amount_text(values: pd.Series, decimal: str) -> tuple[pd.Series, np.ndarray]:
    """Strip currency, spaces and thousands separators; return (numeric text, sign factor)."""
    s = values.astype("string").str.strip()
    paren = s.str.fullmatch(r"\(.*\)").fillna(False).to_numpy(dtype=bool)
    s = s.str.replace(r"^\((.*)\)$", r"\1", regex=True)
    s = s.str.replace(f"[{re.escape(_CURRENCY_SYMBOLS)}]", "", regex=True)
    s = s.str.replace(r"^[A-Z]{3}(?=[\s\d+\-.,])|(?<=[\d\s.])[A-Z]{3}$", "", regex=True)
    s = s.str.replace(_SPACES, "", regex=True)
    s = s.str.replace(r"^(.*\d)-$", r"-\1", regex=True)  # trailing minus, as in SAP exports
    valid = s.str.fullmatch(_AMOUNT_PATTERNS[decimal].pattern).fillna(False).to_numpy(dtype=bool)
    valid &= s.str.contains(r"\d", regex=True).fillna(False).to_numpy(dtype=bool)
    if decimal == ".":
        s = s.str.replace(r"[,']", "", regex=True)
    else:
        s = s.str.replace(r"[.']", "", regex=True).str.replace(",", ".", regex=False)
    s = s.mask(~valid)
    sign = np.where(paren, -1.0, 1.0)
    return s, sign


def _numbers_from_text(uniques: pd.Series, decimal: str) -> np.ndarray:
    """Parse distinct text values as float64 (NaN when unparseable)."""
    if len(uniques) == 0:
        return np.empty(0, dtype="float64")
    cleaned, sign = _clean_amount_text(uniques, decimal)
    numbers = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isfinite(numbers), numbers * sign, np.nan)


def _parse_numbers(series: pd.Series, decimal: str) -> tuple[np.ndarray, _Coded | None]:
    """Numbers as float64 (NaN when missing or unparseable), and the coded text if any."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        return np.where(np.isfinite(values), values, np.nan), None
    coded = _code_text(series)
    return coded.take(_numbers_from_text(coded.uniques, decimal), np.nan), coded


def _bad_share_error(
    canon: str, label: object, coded: _Coded, bad: np.ndarray, rule: str, fix: str
) -> DataError:
    n_bad, n_all = int(bad.sum()), int((~coded.missing).sum())
    return DataError(
        f"{_WHERE}: column {canon!r} (source column {label!r}): {n_bad:,} of {n_all:,} non-empty "
        f"values ({100 * n_bad / n_all:.0f}%) could not be parsed, e.g. "
        f"{format_examples(coded.examples(bad))}. {rule} {fix}"
    )


def _date_fix(examples: np.ndarray) -> str:
    """Suggest a date_format that parses the bad examples."""
    sample = np.asarray(examples[:200], dtype=object)
    best, best_count = None, 0
    for fmt in _guess_formats(sample, False):
        if fmt == "ISO8601":
            continue
        count = int(_to_datetime(sample, fmt)[0].notna().sum())
        if count > best_count:
            best, best_count = fmt, count
    if best is not None:
        return f"Pass date_format={best!r} (it parses {best_count} of {len(sample)} of these)."
    return "Pass date_format= with the strptime format of your dates, e.g. '%d/%m/%Y %H:%M'."


#: Dates before this are placeholders (1900-01-01, 0001-01-01 ...), not purchases.
_EARLIEST_PLAUSIBLE = np.datetime64("1950-01-01", "us")
_EPOCH_ZERO = np.datetime64("1970-01-01", "D")


def _implausible(dates: np.ndarray, cutoff: pd.Timestamp | None) -> np.ndarray:
    """Placeholder or impossible order dates (see rule 3 of :func:`read_transactions`)."""
    if cutoff is not None:
        latest = np.datetime64((cutoff.normalize() + pd.Timedelta(days=366)).as_unit("us"))
    else:
        latest = np.datetime64((pd.Timestamp.now().normalize() + pd.Timedelta(days=1)).as_unit("us"))
    valid = ~np.isnat(dates)
    out = valid & ((dates < _EARLIEST_PLAUSIBLE) | (dates >= latest))
    out |= valid & (dates.astype("datetime64[D]") == _EPOCH_ZERO)
    return out


# --------------------------------------------------------------------------------------
# The public function
# --------------------------------------------------------------------------------------


def read_transactions(
    source: object,
    columns: Mapping[str, object] | None = None,
    *,
    as_of: object = None,
    date_format: str | None = None,
    dayfirst: bool = False,
    sep: str | None = None,
    encoding: str = "utf-8",
    decimal: str = ".",
    cancellation_values: Iterable[str] = DEFAULT_CANCELLATION_VALUES,
    cancellation_prefix: str | None = "C",
    drop_duplicates: bool = True,
) -> TransactionData:
    """Read an order log, map and parse its columns, and account for every row.

    Parameters
    ----------
    source : str, path-like or DataFrame
        A CSV/TXT file, a TSV/TAB file (each optionally compressed: ``.gz``, ``.zip`` …), a
        Parquet file, or a DataFrame (pandas; Polars and PyArrow tables are converted).
    columns : dict, optional
        Canonical name -> your column name, e.g. ``{"customer_id": "CustomerID",
        "order_date": "InvoiceDate", "amount": "Revenue"}``.  Canonical names not mapped are
        matched exactly, then case-insensitively.  Required: ``customer_id``, ``order_date``,
        ``amount``; optional: ``order_id``, ``quantity``, ``channel``, ``status`` (map one to
        ``None`` to ignore a column that happens to carry its name).
    as_of : date-like, optional
        Purchases after this moment are set aside (``after_as_of``).  A date without a time of
        day (midnight) includes the whole day: ``as_of="2024-06-30"`` keeps orders placed at
        18:00 on 30 June.
    date_format : str, optional
        strptime format of ``order_date`` (e.g. ``"%d/%m/%Y %H:%M"``).  Without it, ISO 8601
        is tried, then pandas' guess from the first values, then common formats; the one that
        parses most values is used (and reported in ``TransactionData.date_format``).  Day
        first or month first is settled on all distinct values; when every value reads both
        ways, the reading that keeps the rows in calendar order is used, and a note says so.
        Plain numbers are read as Excel serial days (10000-80000) or Unix epoch seconds or
        milliseconds, with a note; other plain numbers are refused.
    dayfirst : bool
        Prefer day-first readings of ambiguous dates such as 03/04/2024 (only without
        ``date_format``; the data decide when a day above 12 shows up).
    sep : str, optional
        Field separator of a text file; default tab for ``.tsv``/``.tab``, otherwise comma.
    encoding : str
        Text encoding, e.g. ``"gb18030"`` for Chinese or ``"cp1252"`` for Western European
        exports from Excel.
    decimal : {".", ","}
        Decimal mark of amounts and quantities written as text.  With ``"."``, commas and
        apostrophes are thousands separators; with ``","``, dots and apostrophes are.
    cancellation_values : iterable of str
        ``status`` values that mark a cancellation (case-insensitive).
    cancellation_prefix : str or None
        An ``order_id`` made of this prefix followed by a digit marks a cancellation, as
        ``"C536379"`` in the UCI Online Retail export.  ``None`` switches the rule off.
    drop_duplicates : bool
        Set aside exact repeats of an earlier kept row.  Pass False for a log without order
        ids in which identical purchases (same customer, time and amount) are genuine.

    Returns
    -------
    TransactionData
        ``data`` (kept rows, canonical typed columns), ``set_aside`` (the source rows not kept
        with ``row_number`` and ``reason``) and ``reconciliation``.

    Raises
    ------
    DataError
        When the source cannot be used: file not found, empty file (0 bytes or a header
        only), a wrong separator, text not in ``encoding``, a required column missing, a
        mapping to a column that does not exist, a column used twice, most dates (or amounts)
        unparseable, dates written as plain numbers of no known kind, a binary file (a
        workbook, an image ...) given as text, or no usable row at all.
    ParameterError
        When an argument breaks its rule (``as_of`` not a date, ``decimal`` not "." or ",",
        unknown keys in ``columns``).

    Notes
    -----
    Values are parsed as follows.  ``customer_id`` and ``order_id``: text, whitespace
    stripped, ids written as floats (``12345.0``) become ``"12345"``; empty means missing.
    Text placeholders (``''``, ``'nan'``, ``'NULL'``, ``'None'``, ``'#N/A'``, ``'NA'`` … the
    default ``na_values`` of :func:`pandas.read_csv`) are missing values, in a DataFrame as
    in a CSV.  ``order_date``: time of day kept; values with time zones are converted to UTC
    and stored without zone (a column mixing zoned and naive values gets a note).  ``amount``: currency symbols (``$ € £ ¥ ₹ …``, ``元``) and three-letter
    codes (``USD 12``), spaces and thousands separators are removed; ``(12.50)`` and
    ``12.50-`` are negative.

    A row is kept unless a rule below sets it aside; each set-aside row gets exactly one
    reason, that of the **first** rule it breaks, in this order:

    1. ``missing_customer_id`` — customer id empty or missing;
    2. ``unparseable_date`` — order date missing or not a date;
    3. ``implausible_date`` — a placeholder or impossible date: before 1950 (1900-01-01 and
       other spreadsheet zeros), on 1970-01-01 (Unix epoch zero, the usual "no date" of a
       system export; a judgment call: a genuine order at that date is far less likely than a
       placeholder), or in the future: more than a year after ``as_of``, or without
       ``as_of`` after today;
    4. ``unparseable_amount`` — amount missing or not a number;
    5. ``cancellation`` — ``status`` in ``cancellation_values``, ``order_id`` starting with
       ``cancellation_prefix`` and a digit, or a negative ``quantity``;
    6. ``non_positive_amount`` — amount ≤ 0 (returns and refunds are usually negative);
    7. ``after_as_of`` — ordered after ``as_of``;
    8. ``duplicate`` — same values on every mapped column (after parsing), and the same text on
       every other column of the source, as an earlier
       kept row.

    A quantity that cannot be parsed does not set its row aside; it is kept as missing and
    counted in the notes.  The file is refused (``DataError``) when more than half of the
    non-empty dates, or amounts, fail to parse: that is a format problem, not bad rows.
    One INFO line with the reconciliation is logged on the ``crmlib.datasets`` logger.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({
    ...     "CustomerID": ["C1", "C2", None, "C1", "C3", "C2"],
    ...     "InvoiceDate": ["2024-01-05 10:30", "2024-01-06", "2024-01-06",
    ...                     "2024-01-05 10:30", "2024-02-30", "2024-03-01"],
    ...     "Revenue": ["$1,234.50", "20", "5", "$1,234.50", "7", "-20"],
    ... })
    >>> tx = read_transactions(
    ...     log, {"customer_id": "CustomerID", "order_date": "InvoiceDate", "amount": "Revenue"})
    >>> tx.data
      customer_id          order_date  amount
    0          C1 2024-01-05 10:30:00  1234.5
    1          C2 2024-01-06 00:00:00    20.0
    >>> tx.set_aside[["row_number", "reason"]]
       row_number               reason
    0           2  missing_customer_id
    1           3            duplicate
    2           4     unparseable_date
    3           5  non_positive_amount
    >>> rec = tx.reconciliation
    >>> rec.rows_read == rec.rows_kept + rec.rows_set_aside
    True
    """
    cancel_values, cutoff = _check_arguments(sep, decimal, cancellation_values, cancellation_prefix, as_of)
    raw, source_name, label, mapping = _load(source, columns, sep, encoding)
    parsed = _parse_columns(raw, mapping, date_format, dayfirst, decimal)
    reason, facts = _apply_rules(parsed, raw, mapping, cutoff, cancel_values, cancellation_prefix,
                                 drop_duplicates)
    rec = _reconcile(reason, source_name, label, mapping)
    set_aside, source_columns = _set_aside_rows(raw, reason), list(raw.columns)
    del raw  # a file's text is not needed any more: free it before the typed copy is built
    _release_memory()
    data, notes = _kept_rows(parsed, reason == -1)
    _release_memory()
    notes += _notes(parsed, facts, rec, data, source_columns, mapping, cancel_values)
    logger.info(
        "%s: %s: read %d rows, kept %d, set aside %d (%s)",
        _WHERE, source_name, rec.rows_read, rec.rows_kept, rec.rows_set_aside,
        ", ".join(f"{k} {v}" for k, v in rec.set_aside.items() if v) or "none",
    )
    return TransactionData(
        data=data,
        set_aside=set_aside,
        reconciliation=rec,
        columns=dict(mapping),
        date_format=parsed.date_format,
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------------------
# The stages of read_transactions
# --------------------------------------------------------------------------------------


def _check_arguments(
    sep: object, decimal: object, cancellation_values: object, cancellation_prefix: object, as_of: object
) -> tuple[set[str], pd.Timestamp | None]:
    """Refuse bad arguments; return (casefolded cancellation values, as_of as a Timestamp)."""
    check_choice(decimal, "decimal", [".", ","], where=_WHERE)
    if sep is not None and (not isinstance(sep, str) or sep == ""):
        raise ParameterError(
            f"The 'sep' parameter of {_WHERE} must be a non-empty string such as ',', ';' or "
            f"'\\t'. Got {sep!r} instead."
        )
    if isinstance(cancellation_values, str):
        raise ParameterError(
            f"The 'cancellation_values' parameter of {_WHERE} must be a list of status values, "
            f"not one string. Got {cancellation_values!r}; pass [{cancellation_values!r}]."
        )
    cancel_values = {str(v).strip().casefold() for v in cancellation_values}  # type: ignore[union-attr]
    if cancellation_prefix is not None and (not isinstance(cancellation_prefix, str) or not cancellation_prefix):
        raise ParameterError(
            f"The 'cancellation_prefix' parameter of {_WHERE} must be a non-empty string or None. "
            f"Got {cancellation_prefix!r} instead."
        )
    return cancel_values, parse_date(as_of, "as_of", where=_WHERE, optional=True)


def _load(
    source: object, columns: Mapping[str, object] | None, sep: str | None, encoding: str
) -> tuple[pd.DataFrame, str, str, dict[str, object]]:
    """Read the source and map its columns: (raw frame, source name, label for messages, mapping)."""
    raw, source_name, header = _read_source(source, sep, encoding)
    label = repr(source_name) if source_name != "DataFrame" else "the DataFrame"
    if len(raw) == 0:
        what = "has a header but no rows" if header is not None else "has no rows"
        raise DataError(
            f"{_WHERE}: {label} {what} (columns: {list(raw.columns)}). Expected one row per "
            f"purchase; check the export's filters and date range."
        )
    return raw, source_name, label, _resolve_columns(raw, columns, label, header)


@dataclass
class _Parsed:
    """The mapped columns, parsed: one value per source row."""

    cid: _Coded
    dates: np.ndarray
    date_format: str | None
    had_tz: bool
    date_notes: list[str]
    amounts: np.ndarray
    quantity: np.ndarray | None
    optional: dict[str, _Coded]

    @property
    def bad_date(self) -> np.ndarray:
        return np.isnat(self.dates)


def _parse_columns(
    raw: pd.DataFrame, mapping: Mapping[str, object], date_format: str | None, dayfirst: bool, decimal: str
) -> _Parsed:
    """Parse every mapped column; refuse a date or amount column that is mostly unparseable."""
    cid = _id_codes(raw[mapping["customer_id"]])
    dates, used_format, had_tz, date_coded, date_notes = _parse_dates(
        raw[mapping["order_date"]], date_format, dayfirst
    )
    amounts, amount_coded = _parse_numbers(raw[mapping["amount"]], decimal)
    _refuse_bad_shares(mapping, date_coded, np.isnat(dates), amount_coded, np.isnan(amounts),
                       date_format, decimal)
    quantity = None
    if "quantity" in mapping:
        quantity = _parse_numbers(raw[mapping["quantity"]], decimal)[0]
    optional = {
        name: _id_codes(raw[mapping[name]], unique=True) if name == "order_id" else _code_text(raw[mapping[name]])
        for name in ("order_id", "channel", "status")
        if name in mapping
    }
    return _Parsed(cid, dates, used_format, had_tz, date_notes, amounts, quantity, optional)


def _refuse_bad_shares(
    mapping: Mapping[str, object], date_coded: _Coded | None, bad_date: np.ndarray,
    amount_coded: _Coded | None, bad_amount: np.ndarray, date_format: str | None, decimal: str,
) -> None:
    """More than half the non-empty dates (or amounts) unparseable is a format problem."""
    if date_coded is not None:
        present = ~date_coded.missing
        bad_present = bad_date & present
        if present.any() and bad_present.sum() > _MAX_BAD_SHARE * present.sum():
            raise _bad_share_error(
                "order_date", mapping["order_date"], date_coded, bad_present,
                f"Dates must match date_format={date_format!r}." if date_format else
                "Dates must be ISO 8601 (2024-01-31 14:05) or in one format throughout.",
                _date_fix(np.asarray(date_coded.examples(bad_present, limit=200), dtype=object)),
            )
    if amount_coded is not None:
        present = ~amount_coded.missing
        bad_present = bad_amount & present
        if present.any() and bad_present.sum() > _MAX_BAD_SHARE * present.sum():
            other = "," if decimal == "." else "."
            bad_text = pd.Series(amount_coded.examples(bad_present, limit=200), dtype="string")
            if np.isfinite(_numbers_from_text(bad_text, other)).mean() > 0.5:
                fix = f"They parse with decimal={other!r}: pass decimal={other!r}."
            else:
                fix = "Map the right column with columns={'amount': ...} or clean the values."
            raise _bad_share_error(
                "amount", mapping["amount"], amount_coded, bad_present,
                f"Amounts must be numbers with decimal mark {decimal!r} (currency symbols and "
                f"thousands separators are removed).",
                fix,
            )


def _apply_rules(
    parsed: _Parsed, raw: pd.DataFrame, mapping: Mapping[str, object], cutoff: pd.Timestamp | None,
    cancel_values: set[str], cancellation_prefix: str | None, drop_duplicates: bool,
) -> tuple[np.ndarray, dict[str, object]]:
    """One reason code per row (-1 = kept), first matching rule wins; and facts for the notes."""
    n = len(raw)
    reason = np.full(n, -1, dtype=np.int8)
    facts: dict[str, object] = {}

    def assign(mask: np.ndarray, name: str) -> None:
        reason[mask & (reason == -1)] = REASONS.index(name)

    bad_date, dates, optional = parsed.bad_date, parsed.dates, parsed.optional
    assign(parsed.cid.missing, "missing_customer_id")
    assign(bad_date, "unparseable_date")
    assign(_implausible(dates, cutoff) & ~bad_date, "implausible_date")
    assign(np.isnan(parsed.amounts), "unparseable_amount")
    assign(_cancelled(parsed, cancel_values, cancellation_prefix), "cancellation")
    assign(np.nan_to_num(parsed.amounts, nan=1.0) <= 0, "non_positive_amount")
    if cutoff is not None:
        if cutoff == cutoff.normalize():
            after = dates >= np.datetime64((cutoff + pd.Timedelta(days=1)).as_unit("us"))
        else:
            after = dates > np.datetime64(cutoff.as_unit("us"))
        assign(after & ~bad_date, "after_as_of")
    if drop_duplicates:
        candidates = np.flatnonzero(reason == -1)
        # Same values on every mapped column, compared through codes and numbers ...
        keys = {"customer_id": parsed.cid.codes, "order_date": dates.view("int64"), "amount": parsed.amounts}
        keys.update({name: coded.codes for name, coded in optional.items()})
        if parsed.quantity is not None:
            keys["quantity"] = parsed.quantity
        # ... and the same text on every other column of the source: the WHOLE row is compared.
        mapped_labels = set(mapping.values())
        others = [c for c in raw.columns if c not in mapped_labels]
        for i, label in enumerate(others):
            keys[f"_other{i}"] = _code_text(raw[label]).codes
        reason[_repeats(list(keys.values()), candidates)] = REASONS.index("duplicate")
        facts["compared"] = ", ".join(repr(str(c)) for c in [*mapping.values(), *others])
    return reason, facts


def _row_hash(columns: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """One 64-bit hash per selected row of the key columns (equal rows, equal hashes)."""
    hashed = np.zeros(len(rows), dtype=np.uint64)
    for column in columns:
        hashed *= np.uint64(0x100000001B3)
        hashed ^= pd.util.hash_array(column[rows], categorize=False)
    return hashed


def _repeats(columns: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """Of ``rows``, those equal to an earlier one on every key column (the first is kept).

    Rows are grouped by sorting a 64-bit hash of their keys (no per-column hash tables,
    no copy of the key columns); every repeat is then confirmed against the first row of its
    group, and a group whose rows differ (a hash collision) is settled by exact comparison.
    """
    n = len(rows)
    if n == 0:
        return rows
    hashed = _row_hash(columns, rows)
    order = np.argsort(hashed, kind="stable")  # stable: the first row of a run is the earliest
    hashed = hashed[order]
    starts = np.flatnonzero(np.r_[True, hashed[1:] != hashed[:-1]])
    del hashed
    lengths = np.diff(np.r_[starts, n])
    first = np.repeat(order[starts], lengths)  # the first row of each row's run
    later = np.flatnonzero(first != order)
    mine, theirs = rows[order[later]], rows[first[later]]
    del first
    same = np.ones(len(mine), dtype=bool)
    for column in columns:
        a, b = column[mine], column[theirs]
        equal = a == b
        if a.dtype.kind == "f":
            equal |= np.isnan(a) & np.isnan(b)
        same &= equal
    repeats = [mine[same]]
    if not same.all():
        run = np.repeat(np.arange(len(starts)), lengths)[later]
        clash_runs = np.unique(run[~same])
        members = np.sort(rows[order[np.isin(np.repeat(np.arange(len(starts)), lengths), clash_runs)]])
        exact = pd.DataFrame({i: c[members] for i, c in enumerate(columns)}).duplicated(keep="first")
        repeats = [mine[same & ~np.isin(run, clash_runs)], members[exact.to_numpy()]]
    return np.sort(np.concatenate(repeats))


def _cancelled(parsed: _Parsed, cancel_values: set[str], cancellation_prefix: str | None) -> np.ndarray:
    """Rows marked as cancellations by status, order-id prefix or a negative quantity."""
    optional = parsed.optional
    cancelled = np.zeros(len(parsed.dates), dtype=bool)
    if "status" in optional and cancel_values:
        status = optional["status"]
        hit = status.uniques.str.casefold().isin(cancel_values).to_numpy(dtype=bool)
        cancelled |= status.take(hit, False)
    if "order_id" in optional and cancellation_prefix is not None:
        order_id = optional["order_id"]
        pattern = "^" + re.escape(cancellation_prefix) + r"\d"
        hit = order_id.uniques.str.contains(pattern, regex=True).to_numpy(dtype=bool)
        cancelled |= order_id.take(hit, False)
    if parsed.quantity is not None:
        cancelled |= np.nan_to_num(parsed.quantity, nan=0.0) < 0
    return cancelled


def _kept_rows(parsed: _Parsed, keep: np.ndarray) -> tuple[pd.DataFrame, list[str]]:
    """The kept rows with canonical typed columns, and a note on unparseable quantities."""
    kept = np.flatnonzero(keep)
    out: dict[str, object] = {
        "customer_id": parsed.cid.strings().take(kept),
        "order_date": parsed.dates[kept],
        "amount": parsed.amounts[kept],
    }
    for name in ("order_id", "quantity", "channel", "status"):
        if name == "quantity" and parsed.quantity is not None:
            out[name] = parsed.quantity[kept]
        elif name in parsed.optional:
            out[name] = parsed.optional[name].strings().take(kept)
    data = pd.DataFrame(out, index=pd.RangeIndex(len(kept)))
    notes: list[str] = []
    if parsed.quantity is not None:
        q = data["quantity"].to_numpy(dtype="float64", na_value=np.nan)
        finite = q[np.isfinite(q)]
        as_float = pd.array(np.where(np.isfinite(q), q, np.nan), dtype="Float64")
        integral = len(finite) == 0 or bool(np.all(finite == np.floor(finite)))
        data["quantity"] = as_float.astype("Int64") if integral else as_float
        n_bad_q = int((~np.isfinite(q)).sum())
        if n_bad_q:
            notes.append(
                f"{n_bad_q:,} kept row{'s' if n_bad_q != 1 else ''} had an empty or unparseable "
                f"quantity; kept with quantity missing."
            )
    return data, notes


def _set_aside_rows(raw: pd.DataFrame, reason: np.ndarray) -> pd.DataFrame:
    """The source rows not kept, unchanged, preceded by row_number and reason."""
    positions = np.flatnonzero(reason != -1)
    aside = raw.iloc[positions].reset_index(drop=True)
    for extra in ("row_number", "reason"):
        if extra in aside.columns:
            aside = aside.rename(columns={extra: f"{extra}_original"})
    aside.insert(0, "reason", pd.Categorical.from_codes(reason[positions], categories=list(REASONS)))
    aside.insert(0, "row_number", positions.astype("int64"))
    return aside


def _reconcile(reason: np.ndarray, source_name: str, label: str, mapping: Mapping[str, object]) -> Reconciliation:
    """Count the outcomes; refuse a source in which no row is usable."""
    n = len(reason)
    aside = reason[reason != -1].astype(np.int64)
    counts = np.bincount(aside, minlength=len(REASONS))
    rec = Reconciliation(
        rows_read=n,
        rows_kept=n - len(aside),
        set_aside={r: int(c) for r, c in zip(REASONS, counts, strict=True)},
        source=source_name,
    )
    if rec.rows_kept == 0:
        raise DataError(
            f"{_WHERE}: no usable row in {label}: all {n:,} rows were set aside. Check the "
            f"column mapping ({mapping}) and the rules below; the reasons:\n{rec.summary()}"
        )
    return rec


def _notes(
    parsed: _Parsed, facts: Mapping[str, object], rec: Reconciliation, data: pd.DataFrame,
    source_columns: list[object], mapping: Mapping[str, object], cancel_values: set[str],
) -> list[str]:
    """Caveats worth a look, in a fixed order."""
    notes = list(parsed.date_notes)
    if "status" in parsed.optional:
        status = parsed.optional["status"]
        folded = status.uniques.str.casefold()
        looks = folded.str.contains(_REFUND_PATTERN, regex=True).to_numpy(dtype=bool)
        looks &= ~folded.isin(cancel_values).to_numpy(dtype=bool)
        refund_like = [str(v) for v in status.uniques[looks]]
        n_refund_like = int(status.take(looks, False).sum())
        if refund_like:
            notes.append(
                f"{n_refund_like:,} row{'s' if n_refund_like != 1 else ''} have a status that looks "
                f"like a refund, return or charge-back: {format_examples(refund_like, limit=10)}. "
                f"They were not treated as cancellations (cancellation_values="
                f"{sorted(cancel_values)}); a positive amount was kept. To set them aside, pass "
                f"cancellation_values=[*DEFAULT_CANCELLATION_VALUES, {refund_like[0]!r}, ...]."
            )
    if parsed.had_tz:
        notes.append("Order dates carried time zones; they were converted to UTC and stored without zone.")
    n_dup = rec.set_aside["duplicate"]
    if n_dup and "order_id" not in mapping:
        notes.append(
            f"{n_dup:,} row{'s were' if n_dup != 1 else ' was'} set aside as an exact repeat of "
            f"an earlier row (same value in every column: {facts['compared']}) and the log has no "
            f"order id; if identical purchases are genuine, pass drop_duplicates=False."
        )
    if "order_id" not in mapping:
        # Several kept rows of one customer at one moment: an order-line (one row per item) export.
        n_lines = int(data.duplicated(["customer_id", "order_date"], keep=False).sum())
        if n_lines:
            guess = _suggest("order_id", source_columns, mapping.values())
            ask = (f"pass columns={{'order_id': {guess!r}}}" if guess is not None else
                   "pass its order-id column with columns={'order_id': ...}")
            notes.append(
                f"The log has no order id and {n_lines:,} kept rows share their customer and "
                f"order time with another row: it looks like an order-line export (one row per "
                f"item). The lines were kept (rows that differ in any column are not repeats); "
                f"crmlib.engine.rfm_summary sums a customer's lines into one purchase per day. "
                f"To count orders rather than customer-days, {ask}."
            )
    if rec.rows_set_aside > 0.05 * rec.rows_read:
        notes.append(
            f"{100 * rec.rows_set_aside / rec.rows_read:.1f}% of the rows were set aside; inspect "
            f".set_aside (row_number, reason) before analysing."
        )
    return notes
