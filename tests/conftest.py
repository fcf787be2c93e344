"""Shared fixtures: the repository root, the real-data home, and tidy matplotlib state."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


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
