"""Cohort retention charts: curves and heat map of a cohort triangle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from crmlib._validation import format_examples
from crmlib.exceptions import ParameterError
from crmlib.plotting import get_ax, palette

__all__ = [
    "plot_cohort_heatmap",
    "plot_retention_curves",
]


# =============================================================================================
# retention plots
# =============================================================================================
def plot_retention_curves(triangle: pd.DataFrame, *, cohorts: Sequence[str] | None = None,
                          ax: Any = None) -> Any:
    """Retention curves: one line per cohort of a retention triangle.

    Parameters
    ----------
    triangle : pandas.DataFrame
        :func:`crmlib.engine.cohort_triangle` with ``values="retention"`` (cohorts × periods).
    cohorts : list of str, optional
        Cohorts to draw (default: all).
    ax : matplotlib Axes, optional

    Examples
    --------
    >>> import pandas as pd
    >>> tri = pd.DataFrame({0: [1.0, 1.0], 1: [0.4, 0.5], 2: [0.3, None]},
    ...                    index=pd.Index(["2024-01", "2024-02"], name="cohort"))
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> [line.get_label() for line in plot_retention_curves(tri, ax=ax).get_lines()]
    ['2024-01', '2024-02']
    """
    ax = get_ax(ax)
    rows = triangle.index if cohorts is None else list(cohorts)
    unknown = [c for c in rows if c not in triangle.index]
    if unknown:
        raise ParameterError(
            f"plot_retention_curves: cohort {unknown[0]!r} is not in the triangle. Cohorts "
            f"present: {format_examples(triangle.index, limit=5)} … Pass cohorts from "
            f"triangle.index."
        )
    # One distinct colour per cohort (the default cycle repeats after 10), ordered so that
    # neighbouring cohorts get neighbouring colours.
    colours = palette(len(rows)) if len(rows) else []
    for cohort, colour in zip(rows, colours, strict=True):
        row = triangle.loc[cohort].dropna()
        ax.plot(row.index.astype(int), row.to_numpy(), label=str(cohort), color=colour)
    ax.set(xlabel="periods since acquisition", ylabel="share of the cohort active",
           ylim=(0, 1.05), title="Retention by acquisition cohort")
    if len(rows) > 1:
        ax.legend(title="cohort", fontsize="small", ncol=2 if len(rows) > 8 else 1)
    return ax


def plot_cohort_heatmap(triangle: pd.DataFrame, *, ax: Any = None, label: str | None = None) -> Any:
    """A cohort triangle as a heat map (cohorts down, periods since acquisition across).

    The axes are labelled with the triangle's own row and column labels (period 1 is labelled
    1, whatever position it has), and the colour bar says what the colours measure.

    Parameters
    ----------
    triangle : pandas.DataFrame
        Cohorts × periods, e.g. :func:`crmlib.engine.cohort_triangle`.
    ax : matplotlib Axes, optional
    label : str, optional
        Colour-bar label (default: "share of the cohort active" when every value is a share
        between 0 and 1, else "value").

    Examples
    --------
    >>> import pandas as pd
    >>> tri = pd.DataFrame({1: [0.5, 0.6], 2: [0.4, None]}, index=["2024-01", "2024-02"])
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> ax = plot_cohort_heatmap(tri, ax=ax)
    >>> ax.get_images()[0].get_array().shape
    (2, 2)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['1', '2']
    >>> plt.close(fig)
    """
    ax = get_ax(ax)
    values = triangle.to_numpy(dtype="float64")
    image = ax.imshow(values, aspect="auto", cmap="viridis", interpolation="nearest")
    step = max(1, len(triangle) // 12)
    ax.set_yticks(range(0, len(triangle), step), [str(c) for c in triangle.index[::step]])
    xstep = max(1, len(triangle.columns) // 12)
    ax.set_xticks(range(0, len(triangle.columns), xstep),
                  [str(c) for c in triangle.columns[::xstep]])
    ax.set(xlabel="periods since acquisition", ylabel="cohort", title="Cohort heat map")
    if label is None:
        finite = values[np.isfinite(values)]
        is_share = finite.size > 0 and finite.min() >= 0 and finite.max() <= 1
        label = "share of the cohort active" if is_share else "value"
    bar = ax.figure.colorbar(image, ax=ax)
    bar.set_label(label)
    return ax
