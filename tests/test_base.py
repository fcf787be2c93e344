"""The boundary layer every module uses: date parser, frame and value checks, exceptions,
notes, plotting helpers."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmlib._results import critical_value, format_notes
from crmlib._validation import check_frame, check_values, parse_date
from crmlib.exceptions import ConvergenceError, CrmlibError, DataError, NotFittedError, ParameterError
from crmlib.plotting import get_ax, house_style, palette


# ---- parse_date ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ["2024-06-05", "2024-06-05 00:00", "2024-06-05T00:00:00", "20240605", dt.date(2024, 6, 5),
     dt.datetime(2024, 6, 5), pd.Timestamp("2024-06-05"), np.datetime64("2024-06-05")],
)
def test_parse_date_accepts_dates_and_iso_text(value):
    assert parse_date(value, "as_of", where="f") == pd.Timestamp("2024-06-05")


def test_parse_date_day_drops_time_and_zone_goes_to_utc():
    assert parse_date("2024-06-05 18:30", "as_of", where="f", day=True) == pd.Timestamp("2024-06-05")
    aware = pd.Timestamp("2024-06-05 23:30", tz="Asia/Taipei")
    assert parse_date(aware, "as_of", where="f") == pd.Timestamp("2024-06-05 15:30")


def test_parse_date_refuses_ambiguous_text_showing_both_readings():
    with pytest.raises(ParameterError) as err:
        parse_date("05/06/2024", "calibration_end", where="rfm_summary")
    msg = str(err.value)
    assert "'calibration_end' parameter of rfm_summary" in msg
    assert "05 June 2024 (day first)" in msg and "06 May 2024 (month first)" in msg
    assert "'2024-06-05' or '2024-05-06'" in msg


def test_parse_date_unambiguous_non_iso_text_is_refused_with_its_one_reading():
    with pytest.raises(ParameterError, match=r"reads only as 13 June 2024 \(day first\).*'2024-06-13'"):
        parse_date("13/06/2024", "as_of", where="f")


@pytest.mark.parametrize("value", [None, True, "", "yesterday", 20240605, float("nan"), pd.NaT, "2024-13-45"])
def test_parse_date_refuses_non_dates(value):
    with pytest.raises(ParameterError, match="'as_of' parameter of f must be a date"):
        parse_date(value, "as_of", where="f")


def test_parse_date_optional_lets_none_through():
    assert parse_date(None, "start", where="f", optional=True) is None


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_parse_date_iso_round_trip(day):
    assert parse_date(day.isoformat(), "as_of", where="f").date() == day


# ---- frame and value checks ---------------------------------------------------------------
def test_check_frame_names_the_missing_column_and_a_close_match():
    frame = pd.DataFrame({"customer": [1], "order_date": [1]})
    with pytest.raises(DataError, match=r"column 'customer_id' not in orders\. Columns present: \['customer', 'order_date'\]\. Did you mean 'customer'\?"):
        check_frame(frame, "orders", where="f", columns=["customer_id"])


@pytest.mark.parametrize(
    "values, kind",
    [([1.0, np.nan, 2.0], "1 missing value"), ([1.0, np.inf, -np.inf], "2 infinite values"),
     ([1.0, -3.0, 2.0], "1 negative value")],
)
def test_check_values_counts_each_problem(values, kind):
    frame = pd.DataFrame({"amount": values}, index=["r1", "r2", "r3"])
    with pytest.raises(DataError, match=rf"column 'amount' of transactions has {kind} \(rows r2"):
        check_values(frame, ["amount"], where="f")


def test_check_values_missing_text_ids():
    frame = pd.DataFrame({"customer_id": ["A", None, pd.NA]})
    with pytest.raises(DataError, match="has 2 missing values"):
        check_values(frame, ["customer_id"], where="f")


def test_check_values_can_allow_negatives():
    check_values(pd.DataFrame({"amount": [-1.0, 2.0]}), ["amount"], where="f", negative=False)


# ---- exceptions, notes, critical values ---------------------------------------------------
def test_not_fitted_error_is_sklearn_shaped():
    assert issubclass(NotFittedError, (ValueError)) and issubclass(NotFittedError, AttributeError)
    assert issubclass(NotFittedError, CrmlibError) and issubclass(ConvergenceError, CrmlibError)

    class Model:
        @property
        def params_(self):
            raise NotFittedError("Model is not fitted yet; call fit first.")

    assert not hasattr(Model(), "params_")


def test_format_notes_numbers_from_one():
    assert format_notes(["a", "b"]) == ["Notes:", "[1] a", "[2] b"]


@pytest.mark.parametrize("alpha, z", [(0.05, 1.959964), (0.10, 1.644854), (0.01, 2.575829)])
def test_critical_value(alpha, z):
    assert critical_value(alpha) == pytest.approx(z, abs=1e-6)


@pytest.mark.parametrize("alpha", [0, 1, -0.1, "0.05", True])
def test_critical_value_refuses_bad_alpha(alpha):
    with pytest.raises(ParameterError, match="'alpha' parameter"):
        critical_value(alpha)


# ---- plotting ------------------------------------------------------------------------------
def test_get_ax_returns_given_axes_and_refuses_others():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    assert get_ax(ax) is ax
    with pytest.raises(ParameterError, match="'ax' parameter of plot_x must be a matplotlib Axes"):
        get_ax(fig, where="plot_x")


def test_house_style_is_scoped():
    import matplotlib

    before = dict(matplotlib.rcParams)
    with house_style():
        assert matplotlib.rcParams["axes.spines.right"] is False
    assert dict(matplotlib.rcParams) == before


def test_palette_gives_distinct_colours_beyond_ten():
    for n in (3, 12, 25):
        colours = palette(n)
        assert len(colours) == n and len(set(colours)) == n


def test_importing_crmlib_changes_no_global_state():
    code = (
        "import warnings, matplotlib, pandas as pd, numpy as np\n"
        "f = list(warnings.filters); rc = dict(matplotlib.rcParams); o = pd.get_option('display.max_rows')\n"
        "s = np.random.get_state()[1][:5].tolist()\n"
        "import crmlib, crmlib.engine, crmlib.plotting, crmlib._validation, crmlib._results\n"
        "assert list(warnings.filters) == f and dict(matplotlib.rcParams) == rc\n"
        "assert pd.get_option('display.max_rows') == o and np.random.get_state()[1][:5].tolist() == s\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
