"""Cohort retention charts: curves and heat map of a cohort triangle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from crmlib._validation import format_examples
from crmlib.exceptions import ParameterError
from crmlib.plotting import get_ax

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
    for cohort in rows:
        row = triangle.loc[cohort].dropna()
        ax.plot(row.index.astype(int), row.to_numpy(), label=str(cohort))
    ax.set(xlabel="periods since acquisition", ylabel="share of the cohort active",
           ylim=(0, 1.05))
    return ax


def plot_cohort_heatmap(triangle: pd.DataFrame, *, ax: Any = None) -> Any:
    """A cohort triangle as a heat map (cohorts down, periods since acquisition across).

    Examples
    --------
    >>> import pandas as pd
    >>> tri = pd.DataFrame({0: [1.0, 1.0], 1: [0.4, None]}, index=["2024-01", "2024-02"])
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> plot_cohort_heatmap(tri, ax=ax).get_images()[0].get_array().shape
    (2, 2)
    """
    ax = get_ax(ax)
    image = ax.imshow(triangle.to_numpy(dtype="float64"), aspect="auto", cmap="viridis",
                      interpolation="nearest")
    step = max(1, len(triangle) // 12)
    ax.set_yticks(range(0, len(triangle), step), [str(c) for c in triangle.index[::step]])
    ax.set(xlabel="periods since acquisition", ylabel="cohort")
    ax.figure.colorbar(image, ax=ax)
    return ax
