"""The lessons' parameters can be set from the command line and are checked before a run:
date bounds taken from the default data, and the loader options lesson 00's messages advise."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys

import nbformat
import pytest

import crmlib.datasets as ds
from conftest import ROOT
from crmlib.cli import main
from crmlib.exceptions import ParameterError
from crmlib.reports import notebook_parameters, run_notebook, validate_parameters

LESSONS = {
    "00_start_here": ["as_of"],
    "02_customer_segmentation": ["as_of"],
    "03_customer_value_and_retention": ["calibration_end", "as_of"],
}
LOADER_OPTIONS = ["columns", "sep", "encoding", "decimal", "date_format", "dayfirst"]
START_HERE = ROOT / "notebooks" / "00_start_here.ipynb"


def lesson(stem: str):
    return ROOT / "notebooks" / f"{stem}.ipynb"


@pytest.fixture(scope="module")
def data_range() -> tuple[str, str]:
    dates = ds.load_default().orders["order_date"]
    return f"{dates.min():%Y-%m-%d}", f"{dates.max():%Y-%m-%d}"


@pytest.mark.parametrize("stem", sorted(LESSONS))
def test_every_date_parameter_is_bounded_by_the_default_data(stem, data_range):
    specs = notebook_parameters(lesson(stem))
    assert [name for name, spec in specs.items() if spec.kind == "date"] == LESSONS[stem]
    for name in LESSONS[stem]:
        assert (specs[name].min, specs[name].max) == data_range
        assert f"{data_range[0]} to {data_range[1]}" in specs[name].help  # documented


@pytest.mark.parametrize(("stem", "name"), [(s, n) for s, names in sorted(LESSONS.items()) for n in names])
def test_a_date_outside_the_data_is_refused_before_the_run(stem, name, data_range):
    with pytest.raises(ParameterError) as info:
        validate_parameters(lesson(stem), {name: "1990-01-01"})
    assert str(info.value) == (
        f"Parameter {name!r} of {stem}.ipynb must be an ISO date YYYY-MM-DD in "
        f"[{data_range[0]}, {data_range[1]}] (metadata rule). Got '1990-01-01'."
    )


def test_the_cli_refuses_as_of_1990_in_one_line(capsys, tmp_path):
    code = main(["report", str(START_HERE), "-p", "as_of", "1990-01-01", "--output-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("crmlib: error: Parameter 'as_of' of 00_start_here.ipynb must be an ISO date")
    assert list(tmp_path.iterdir()) == []


def test_lesson_00_exposes_the_loader_options_its_messages_advise():
    specs = notebook_parameters(START_HERE)
    loader = inspect.signature(ds.read_transactions).parameters
    for name in LOADER_OPTIONS:
        assert name in specs and name in loader, name
        assert specs[name].help, f"{name} has no help text"
    assert validate_parameters(
        START_HERE, {"columns": "{'customer_id': 'Kunde'}", "sep": ";", "decimal": ",", "dayfirst": "yes"}
    ) == {"columns": {"customer_id": "Kunde"}, "sep": ";", "decimal": ",", "dayfirst": True}
    with pytest.raises(ParameterError, match=r"'decimal' .* must be one of \['.', ','\]"):
        validate_parameters(START_HERE, {"decimal": "'"})
    # and the lesson passes every one of them to read_transactions for the user's file
    calls = [
        node
        for cell in nbformat.read(START_HERE, as_version=4).cells
        if cell.cell_type == "code" and "orders_file" in cell.source and "parameters" not in cell.metadata.get("tags", [])
        for node in ast.walk(ast.parse(cell.source))
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "read_transactions"
    ]
    assert len(calls) == 1
    passed = {kw.arg: ast.unparse(kw.value) for kw in calls[0].keywords}
    for name in LOADER_OPTIONS:
        assert name in passed[name], f"{name} is not passed to read_transactions"


@pytest.mark.slow
@pytest.mark.notebooks
def test_lesson_00_reads_a_european_export_with_options_from_the_command_line(tmp_path):
    """A semicolon CSV in cp1252 with decimal commas, day-first dates and German column names."""
    export = tmp_path / "bestellungen.csv"
    export.write_bytes(
        "Kunde;Bestelldatum;Umsatz\nMüller;03/04/2025;1234,50\nMüller;05/04/2025;10,00\nJörg;13/04/2025;7,25\n"
        .encode("cp1252")
    )
    result = run_notebook(
        START_HERE,
        {
            "orders_file": str(export),
            "columns": "{'customer_id': 'Kunde', 'order_date': 'Bestelldatum', 'amount': 'Umsatz'}",
            "sep": ";", "encoding": "cp1252", "decimal": ",", "date_format": "%d/%m/%Y",
        },
        output_dir=tmp_path / "out",
        export_html=False,
    )
    assert result.status == "ok", result.message
    nb = nbformat.read(result.ipynb_path, as_version=4)
    cell = next(c for c in nb.cells if "own = ds.read_transactions" in c.source)
    text = "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in cell.outputs)
    assert "Reconciliation(rows_read=3, rows_kept=3," in text, text


def test_a_lesson_run_from_a_subprocess_refuses_a_bad_date_without_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "crmlib.cli", "report", str(lesson("03_customer_value_and_retention")),
         "-p", "calibration_end", "2030-01-01", "--output-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Parameter 'calibration_end' of 03_customer_value_and_retention.ipynb" in done.stderr
    assert "in [2023-01-02, 2025-12-28] (metadata rule). Got '2030-01-01'." in done.stderr
