"""The lesson charts draw what they claim: labels, colour bars, distinct colours, titles."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from crmlib.segmentation import concentration_curve, plot_concentration_curve  # noqa: E402
from crmlib.value import plot_cohort_heatmap, plot_retention_curves  # noqa: E402


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def _triangle(n_cohorts: int, periods: list[int]) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    values = rng.uniform(0.1, 0.9, (n_cohorts, len(periods)))
    index = pd.Index([f"2024-{m:02d}" for m in range(1, n_cohorts + 1)], name="cohort")
    return pd.DataFrame(values, index=index, columns=periods)


def test_heatmap_labels_periods_by_their_labels_not_positions(ax):
    tri = _triangle(3, [1, 2, 3, 4])  # period 1 is at position 0
    plot_cohort_heatmap(tri, ax=ax)
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "3", "4"]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(tri.index)


def test_heatmap_colour_bar_says_what_the_colours_measure(ax):
    plot_cohort_heatmap(_triangle(2, [0, 1]), ax=ax)
    bar_axes = [a for a in ax.figure.axes if a is not ax]
    assert bar_axes[0].get_ylabel() == "share of the cohort active"
    fig, other = plt.subplots()
    plot_cohort_heatmap(_triangle(2, [0, 1]) * 100, ax=other, label="revenue (¥)")
    assert [a for a in fig.axes if a is not other][0].get_ylabel() == "revenue (¥)"
    plt.close(fig)


def test_twelve_retention_curves_get_twelve_different_colours(ax):
    tri = _triangle(12, [0, 1, 2])
    plot_retention_curves(tri, ax=ax)
    colours = [matplotlib.colors.to_rgba(line.get_color()) for line in ax.get_lines()]
    assert len(colours) == 12 and len(set(colours)) == 12
    assert ax.get_legend() is not None and ax.get_title()


def test_concentration_curve_has_a_title_and_labelled_class_lines(ax):
    plot_concentration_curve(concentration_curve(np.arange(1, 101)), ax=ax, thresholds=(0.8, 0.95))
    assert ax.get_title()
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["class A closes at 80% of value", "class B closes at 95% of value"]
