"""Shared fixtures: the repository root, the real-data home, and tidy matplotlib state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]


# Property tests: no per-example deadline (2 shared cores, Spark beside them); in CI the
# examples are derived from the test, so a red CI is reproducible locally with CI=true.
settings.register_profile("crmlib", deadline=None)
settings.register_profile("crmlib-ci", deadline=None, derandomize=True, database=None)
settings.load_profile("crmlib-ci" if os.environ.get("CI") else "crmlib")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def real_data_home() -> Path:
    """The folder of the public data sets; skips without it, but fails in CI (which has it)."""
    from crmlib.datasets import data_home
    from crmlib.exceptions import DataError

    try:
        return Path(data_home())
    except DataError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the real-data tests, but the data were not found: {exc}")
        pytest.skip(f"real data sets not found: {exc}")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every matplotlib figure a test opened (only if matplotlib was imported)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def pytest_report_header(config):
    return f"CRMLIB_DATA_HOME={os.environ.get('CRMLIB_DATA_HOME', '(unset)')}"


# test fixture notebooks (some fail on purpose) are inputs of the report tests, not lessons
collect_ignore_glob = ["fixtures/*"]
