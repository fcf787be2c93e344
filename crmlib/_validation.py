"""Boundary checks shared by crmlib's public functions.

Each check raises :class:`~crmlib.exceptions.ParameterError` or
:class:`~crmlib.exceptions.DataError` with a message that names the argument or column,
states the rule, echoes the bad value, lists what is valid and hints at the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from numbers import Integral, Real

from crmlib.exceptions import DataError, ParameterError

__all__ = [
    "check_choice",
    "check_columns",
    "check_int",
    "check_real",
    "format_examples",
]


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
