"""Shared display behaviour of crmlib's results objects.

A results object (a frozen dataclass with a ``summary()`` method) shows its summary as text in
a console and, in Jupyter, the summary above one table.  Subclasses say which attribute holds
that table and how to format it; the dataclass must be declared with ``repr=False`` so that
the summary, not the field dump, is its repr.
"""

from __future__ import annotations

import html

__all__ = ["SummaryDisplay"]


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
        return f"<p>{text}</p>" + table.to_html(float_format=fmt)
