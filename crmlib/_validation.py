"""Boundary checks shared by crmlib's public functions.

Each check raises :class:`~crmlib.exceptions.ParameterError` or
:class:`~crmlib.exceptions.DataError` with a message that names the argument or column,
states the rule, echoes the bad value, lists what is valid and hints at the fix.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import Any

from crmlib.exceptions import DataError, ParameterError

__all__ = [
    "check_choice",
    "check_columns",
    "check_frame",
    "check_int",
    "check_real",
    "check_values",
    "format_examples",
    "numeric_outcome",
    "parse_date",
]

# ISO 8601 dates, optionally with a time and a zone: 2024-06-05, 2024-06-05T18:30, 20240605.
_ISO = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2}|\d{8})([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
# Day and month in either order with a 4-digit year: 05/06/2024, 5.6.2024, 05-06-2024.
_DM_Y = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\b")


def format_examples(values: Iterable[object], limit: int = 3) -> str:
    """Render up to ``limit`` example values for an error message.

    >>> format_examples(["C1", "C2", "C3", "C4"])
    "'C1', 'C2', 'C3'"
    """
    out = []
    for i, value in enumerate(values):
        if i >= limit:
            break
        out.append(repr(value))
    return ", ".join(out)


def check_columns(
    columns: Sequence[str], required: Iterable[str], *, where: str, hint: str | None = None
) -> None:
    """Raise :class:`DataError` when a required column is missing.

    >>> check_columns(["cust", "date"], ["customer_id"], where="read_transactions")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: read_transactions: column 'customer_id' not in the data. Columns present: ['cust', 'date']. Map your column with columns={'customer_id': '<your column>'}.
    """
    present = list(columns)
    for name in required:
        if name not in present:
            fix = hint or f"Map your column with columns={{{name!r}: '<your column>'}}."
            raise DataError(
                f"{where}: column {name!r} not in the data. Columns present: {present}. {fix}"
            )


def check_int(
    value: object, name: str, *, where: str, low: int | None = None, high: int | None = None
) -> int:
    """Check that ``value`` is an int in ``[low, high]`` and return it.

    >>> check_int(3, "k", where="rfm_scores", low=2)
    3
    >>> check_int("5", "k", where="rfm_scores", low=2)
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'k' parameter of rfm_scores must be an int in the range [2, inf). Got '5' (a str) instead.
    """
    lo = "-inf" if low is None else str(low)
    hi = "inf" if high is None else str(high)
    rule = f"an int in the range [{lo}, {hi}{']' if high is not None else ')'}"
    ok = isinstance(value, Integral) and not isinstance(value, bool)
    if ok and ((low is not None and value < low) or (high is not None and value > high)):
        ok = False
    if not ok:
        raise ParameterError(
            f"The {name!r} parameter of {where} must be {rule}. "
            f"Got {value!r} (a {type(value).__name__}) instead."
        )
    return int(value)  # type: ignore[arg-type]


def check_real(
    value: object,
    name: str,
    *,
    where: str,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
) -> float:
    """Check that ``value`` is a real number in the given range and return it as float.

    >>> check_real(0.5, "alpha", where="ab_test", low=0, high=1, low_inclusive=False)
    0.5
    >>> check_real(0, "alpha", where="ab_test", low=0, high=1, low_inclusive=False)
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'alpha' parameter of ab_test must be a number in the range (0, 1]. Got 0 (a int) instead.
    """
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    rule = f"a number in the range {'[' if low_inclusive else '('}{lo}, {hi}{']' if high is not None else ')'}"
    ok = isinstance(value, Real) and not isinstance(value, bool) and value == value
    if ok and low is not None and (value < low or (not low_inclusive and value == low)):
        ok = False
    if ok and high is not None and value > high:
        ok = False
    if not ok:
        raise ParameterError(
            f"The {name!r} parameter of {where} must be {rule}. "
            f"Got {value!r} (a {type(value).__name__}) instead."
        )
    return float(value)  # type: ignore[arg-type]


def check_choice(value: object, name: str, choices: Iterable[object], *, where: str) -> object:
    """Check that ``value`` is one of ``choices`` and return it.

    >>> check_choice("week", "freq", ["day", "week"], where="rfm_summary")
    'week'
    >>> check_choice("month", "freq", ["day", "week"], where="rfm_summary")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'freq' parameter of rfm_summary must be one of ['day', 'week']. Got 'month' instead.
    """
    options = list(choices)
    if value not in options:
        raise ParameterError(
            f"The {name!r} parameter of {where} must be one of {options}. Got {value!r} instead."
        )
    return value


def _readings(text: str) -> str:
    """Describe how a day/month/year text reads both ways (for an error message)."""
    m = _DM_Y.match(text)
    if not m:
        return ""
    a, b, y = (int(g) for g in m.groups())
    out = []
    for label, day, month in (("day first", a, b), ("month first", b, a)):
        try:
            out.append(f"{_dt.date(y, month, day):%d %B %Y} ({label})")
        except ValueError:
            pass
    if len(out) == 2:
        return f"It reads as {out[0]} or as {out[1]}. "
    if len(out) == 1:
        return f"It reads only as {out[0]}. "
    return ""


def parse_date(
    value: object, name: str, *, where: str, optional: bool = False, day: bool = False
) -> Any:
    """Parse a date argument (``as_of``, ``calibration_end``, ``cutoff``…) to a Timestamp.

    Accepts a ``datetime.date``/``datetime``, a pandas ``Timestamp``, a ``numpy.datetime64``
    or ISO 8601 text (``'2024-06-05'``, ``'2024-06-05 18:30'``, ``'20240605'``). Text such as
    ``'05/06/2024'`` is refused: it reads as 5 June or as 6 May, and the message shows both.
    A zone-aware value is converted to UTC and made naive. ``day=True`` drops the time of day.
    ``optional=True`` lets ``None`` through (returned as ``None``).

    >>> parse_date("2024-06-05", "as_of", where="rfm_summary")
    Timestamp('2024-06-05 00:00:00')
    >>> parse_date("2024-06-05 18:30", "as_of", where="rfm_summary", day=True)
    Timestamp('2024-06-05 00:00:00')
    >>> parse_date("05/06/2024", "as_of", where="rfm_summary")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'as_of' parameter of rfm_summary must be a date: a datetime.date, a pandas Timestamp or ISO text 'YYYY-MM-DD'. Got '05/06/2024' (a str) instead. It reads as 05 June 2024 (day first) or as 06 May 2024 (month first). Write it as ISO text, e.g. '2024-06-05' or '2024-05-06'.
    """
    import numpy as np
    import pandas as pd

    if value is None and optional:
        return None
    rule = (
        f"The {name!r} parameter of {where} must be a date: a datetime.date, a pandas "
        f"Timestamp or ISO text 'YYYY-MM-DD'. Got {value!r} (a {type(value).__name__}) instead."
    )
    stamp = None
    if isinstance(value, str):
        if _ISO.match(value):
            try:
                stamp = pd.Timestamp(value.strip())
            except (TypeError, ValueError):
                stamp = None
        if stamp is None:
            hint = _readings(value)
            m = _DM_Y.match(value)
            if m:
                a, b, y = m.groups()
                options = []
                for d, mo in ((a, b), (b, a)):
                    try:
                        options.append(f"{_dt.date(int(y), int(mo), int(d)):%Y-%m-%d}")
                    except ValueError:
                        pass
                fix = "Write it as ISO text, e.g. " + " or ".join(repr(o) for o in options) + "."
            else:
                fix = "Write it as ISO text, e.g. '2024-06-30'."
            raise ParameterError(f"{rule} {hint}{fix}")
    elif isinstance(value, (_dt.date, pd.Timestamp, np.datetime64)) and not isinstance(value, bool):
        try:
            stamp = pd.Timestamp(value)
        except (TypeError, ValueError, OverflowError):
            stamp = None
    if stamp is None or stamp is pd.NaT or pd.isna(stamp):
        raise ParameterError(f"{rule} Pass e.g. '2024-06-30' or pd.Timestamp('2024-06-30').")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.normalize() if day else stamp


def check_frame(
    frame: object,
    name: str,
    *,
    where: str,
    columns: Iterable[str] = (),
    hint: str | None = None,
) -> Any:
    """Check that ``frame`` is a pandas DataFrame holding ``columns``; return it.

    >>> import pandas as pd
    >>> check_frame([1, 2], "transactions", where="churn_dataset")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'transactions' parameter of churn_dataset must be a pandas DataFrame. Got a list instead. Convert it first (e.g. pd.DataFrame(...) or crmlib.engine.to_pandas).
    >>> check_frame(pd.DataFrame({"cust": [1]}), "transactions", where="churn_dataset",
    ...             columns=["customer_id"], hint="Pass customer_col='cust'.")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: churn_dataset: column 'customer_id' not in transactions. Columns present: ['cust']. Pass customer_col='cust'.
    """
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(
            f"The {name!r} parameter of {where} must be a pandas DataFrame. Got a "
            f"{type(frame).__name__} instead. Convert it first (e.g. pd.DataFrame(...) or "
            f"crmlib.engine.to_pandas)."
        )
    present = [str(c) for c in frame.columns]
    for col in columns:
        if col not in frame.columns:
            guess = _close_column(col, present)
            fix = hint or (f"Did you mean {guess!r}?" if guess else
                           "Rename your column or pass its name.")
            raise DataError(
                f"{where}: column {col!r} not in {name}. Columns present: {present}. {fix}"
            )
    return frame


def _close_column(name: str, present: Sequence[str]) -> str | None:
    import difflib

    hits = difflib.get_close_matches(name, present, n=1, cutoff=0.6)
    return hits[0] if hits else None


def check_values(
    frame: Any,
    columns: Iterable[str],
    *,
    where: str,
    what: str = "transactions",
    missing: bool = True,
    finite: bool = True,
    negative: bool = True,
    fix: str | None = None,
) -> None:
    """Refuse missing, non-finite or negative values in ``columns`` of a pandas frame.

    Each problem is reported with the column, the rule, the count and example row labels.
    ``missing`` checks nulls (NaN, None, NaT, pandas NA); ``finite`` and ``negative`` apply
    to numeric columns only.

    >>> import numpy as np, pandas as pd
    >>> log = pd.DataFrame({"customer_id": ["A", None, "B"], "amount": [1.0, 2.0, np.inf]})
    >>> check_values(log, ["customer_id"], where="rfm_table")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: rfm_table: column 'customer_id' of transactions has 1 missing value (rows 1). A customer id, date or amount cannot be guessed: set such rows aside first (crmlib.datasets.read_transactions does, and counts them).
    >>> check_values(log, ["amount"], where="rfm_table")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: rfm_table: column 'amount' of transactions has 1 infinite value (rows 2, e.g. inf). Amounts must be finite numbers: fix the export or set such rows aside first.
    """
    import numpy as np
    import pandas as pd

    for col in columns:
        series = frame[col]
        problems = []
        if missing:
            problems.append(
                (series.isna().to_numpy(), "missing",
                 fix or "A customer id, date or amount cannot be guessed: set such rows aside "
                        "first (crmlib.datasets.read_transactions does, and counts them).")
            )
        numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
        if numeric and (finite or negative):
            values = series.to_numpy(dtype="float64", na_value=np.nan)
            if finite:
                problems.append((np.isinf(values), "infinite",
                                 fix or "Amounts must be finite numbers: fix the export or set "
                                        "such rows aside first."))
            if negative:
                with np.errstate(invalid="ignore"):
                    neg = values < 0
                problems.append((neg, "negative",
                                 fix or "Refunds and cancellations are not purchases: set them "
                                        "aside first (crmlib.datasets.read_transactions does)."))
        for mask, kind, advice in problems:
            count = int(mask.sum())
            if count:
                rows = frame.index[mask]
                shown = ", ".join(str(r) for r in rows[:3])
                examples = "" if kind == "missing" else \
                    f", e.g. {format_examples(series[mask].tolist())}"
                raise DataError(
                    f"{where}: column {col!r} of {what} has {count} {kind} "
                    f"value{'s' if count != 1 else ''} (rows {shown}{examples}). {advice}"
                )


def numeric_outcome(frame: Any, col: str, *, where: str, fix: str, allow_bool: bool = False,
                    rule: str = "numeric") -> Any:
    """The outcome column ``col`` of a pandas frame as a float array, finite everywhere.

    A non-numeric column (bool too, unless ``allow_bool``) or a missing or infinite value is
    refused with the column, the count, example rows and ``fix``.

    >>> import numpy as np, pandas as pd
    >>> numeric_outcome(pd.DataFrame({"y": [1, 2]}), "y", where="demo", fix="Drop them.").tolist()
    [1.0, 2.0]
    >>> numeric_outcome(pd.DataFrame({"y": [1.0, np.nan]}), "y", where="demo", fix="Drop them.")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.DataError: demo: the outcome 'y' has 1 missing or infinite values (rows 1). Drop them.
    """
    import numpy as np
    import pandas as pd

    s = frame[col]
    is_bool = pd.api.types.is_bool_dtype(s)
    if not (pd.api.types.is_numeric_dtype(s) or (allow_bool and is_bool)) or (is_bool and not allow_bool):
        raise DataError(f"{where}: the outcome {col!r} must be {rule}; got dtype {s.dtype} "
                        f"(e.g. {format_examples(s.head(3))}). Convert it first.")
    y = s.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(y)
    if bad.any():
        raise DataError(f"{where}: the outcome {col!r} has {int(bad.sum())} missing or infinite "
                        f"values (rows {format_examples(frame.index[bad])}). {fix}")
    return y
