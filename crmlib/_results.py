"""Shared display behaviour of crmlib's results objects.

A results object (a frozen dataclass with a ``summary()`` method) shows its summary as text in
a console and, in Jupyter, the summary above one table.  Subclasses say which attribute holds
that table and how to format it; the dataclass must be declared with ``repr=False`` so that
the summary, not the field dump, is its repr.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

__all__ = ["SummaryDisplay", "critical_value", "format_notes", "notes_html"]


def format_notes(notes: Sequence[str]) -> list[str]:
    """The numbered notes that end every summary, as text lines (none when there are none).

    >>> format_notes(["Few customers.", "Wide intervals."])
    ['Notes:', '[1] Few customers.', '[2] Wide intervals.']
    >>> format_notes([])
    []
    """
    if not notes:
        return []
    return ["Notes:"] + [f"[{i}] {note}" for i, note in enumerate(notes, 1)]


def notes_html(notes: Sequence[str]) -> str:
    """The same notes as an HTML ordered list (empty string when there are none)."""
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    return f"<p>Notes:</p><ol>{items}</ol>"


def critical_value(alpha: float, *, where: str = "summary") -> float:
    """Two-sided normal critical value for a ``1 - alpha`` interval (1.95996… for 0.05).

    >>> round(critical_value(0.05), 4)
    1.96
    >>> critical_value(1.5)
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'alpha' parameter of summary must be a number in the range (0, 1). Got 1.5 (a float) instead.
    """
    from statistics import NormalDist

    from crmlib.exceptions import ParameterError

    ok = isinstance(alpha, (int, float)) and not isinstance(alpha, bool) and 0 < alpha < 1
    if not ok:
        raise ParameterError(
            f"The 'alpha' parameter of {where} must be a number in the range (0, 1). "
            f"Got {alpha!r} (a {type(alpha).__name__}) instead."
        )
    return NormalDist().inv_cdf(1 - alpha / 2)


class SummaryDisplay:
    """Mixin: ``str``/``repr`` are ``summary()``; HTML is the summary plus one table.

    Class attributes: ``_html_table`` (name of the DataFrame attribute shown), ``_html_lines``
    (how many summary lines go above it; ``None`` for all), ``_html_float`` (format of floats;
    ``None`` for pandas' default).

    >>> import pandas as pd
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True, repr=False)
    ... class Demo(SummaryDisplay):
    ...     table: pd.DataFrame
    ...     _html_table = "table"
    ...     def summary(self):
    ...         return "Demo: 1 row"
    >>> Demo(pd.DataFrame({"x": [0.5]}))
    Demo: 1 row
    >>> Demo(pd.DataFrame({"x": [0.5]}))._repr_html_().startswith("<p>Demo: 1 row</p><table")
    True
    """

    _html_table: str = "table"
    #: Name of the attribute holding the notes (a sequence of str), shown after the table.
    _html_notes: str | None = None
    _html_lines: int | None = None
    _html_float: str | None = "{:,.3f}"

    def summary(self) -> str:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        lines = self.summary().splitlines()[: self._html_lines]
        text = "<br>".join(html.escape(line) for line in lines)
        table = getattr(self, self._html_table)
        fmt = self._html_float.format if self._html_float else None
        notes = getattr(self, self._html_notes, ()) if self._html_notes else ()
        return f"<p>{text}</p>" + table.to_html(float_format=fmt) + notes_html(notes)
