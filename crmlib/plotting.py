"""Plotting helpers shared by every ``plot_*`` function: axes handling and the house style.

- :func:`get_ax` resolves the ``ax`` argument of a plot function the way seaborn does: the
  given Axes, or the current one; anything else is refused with a clear message.
- :func:`house_style` is the workbook's opt-in look, as a context manager
  (``with house_style(): ...``); :func:`use_house_style` applies it for the rest of a
  notebook session, when the notebook asks for it. Importing crmlib never changes rcParams.
- :func:`palette` gives ``n`` distinguishable colours (more than the default cycle of 10).

Matplotlib is imported only when a function here is called.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from crmlib.exceptions import ParameterError

__all__ = ["HOUSE_STYLE", "get_ax", "house_style", "palette", "use_house_style"]

#: The rcParams of the house style: readable sizes, light grid, no top/right spines.
HOUSE_STYLE: dict[str, Any] = {
    "figure.figsize": (7.0, 4.2),
    "figure.dpi": 100,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 9,
}


def get_ax(ax: Any = None, *, where: str = "plot") -> Any:
    """Return ``ax``, or the current Axes when ``ax`` is None.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> get_ax(None).__class__.__name__
    'Axes'
    >>> get_ax("left", where="plot_gains")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'ax' parameter of plot_gains must be a matplotlib Axes or None. Got 'left' (a str) instead. Pass ax=fig.add_subplot() or leave it out.
    """
    from matplotlib.axes import Axes

    if ax is None:
        import matplotlib.pyplot as plt

        return plt.gca()
    if not isinstance(ax, Axes):
        raise ParameterError(
            f"The 'ax' parameter of {where} must be a matplotlib Axes or None. Got {ax!r} "
            f"(a {type(ax).__name__}) instead. Pass ax=fig.add_subplot() or leave it out."
        )
    return ax


@contextlib.contextmanager
def house_style() -> Iterator[None]:
    """Draw with the house style inside a ``with`` block; rcParams are restored after it.

    >>> import matplotlib
    >>> before = matplotlib.rcParams["axes.spines.top"]
    >>> with house_style():
    ...     matplotlib.rcParams["axes.spines.top"]
    False
    >>> matplotlib.rcParams["axes.spines.top"] == before
    True
    """
    import matplotlib

    with matplotlib.rc_context(HOUSE_STYLE):
        yield


def use_house_style() -> None:
    """Apply the house style for the rest of the session (a notebook calls it once, openly)."""
    import matplotlib

    matplotlib.rcParams.update(HOUSE_STYLE)


def palette(n: int) -> list[Any]:
    """``n`` distinguishable colours: tab10 up to 10, tab20 up to 20, then a continuous map.

    >>> len(palette(12)), len(set(map(tuple, palette(12))))
    (12, 12)
    """
    from matplotlib import colormaps

    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ParameterError(
            f"The 'n' parameter of palette must be an int in the range [1, inf). Got {n!r}."
        )
    if n <= 10:
        return [tuple(c) for c in colormaps["tab10"].colors[:n]]
    if n <= 20:
        return [tuple(c) for c in colormaps["tab20"].colors[:n]]
    cmap = colormaps["viridis"]
    return [tuple(cmap(i / (n - 1))) for i in range(n)]
