"""Tests of the ``crmlib`` command line (crmlib.cli.main): exit codes, messages, outputs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from crmlib.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
DEMO = FIXTURES / "params_demo.ipynb"
FAILING = FIXTURES / "failing.ipynb"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


# --------------------------------------------------------------------------------------
# usage errors: exit 2, one helpful message, no traceback
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "crmlib: error: the following arguments are required: COMMAND"),
        (("report",), "crmlib report: error: the following arguments are required: NOTEBOOK"),
        (("report", DEMO, "-p", "region"), "argument -p/--param: expected 2 arguments"),
        (("report", "batch"), "crmlib report batch: error: the following arguments are required: JOBS.yml"),
        (("report", "batch", "jobs.yml", "--workers", "0"), "must be a whole number >= 1, got 0"),
        (("report", DEMO, "--timeout", "soon"), "must be a positive number of seconds per cell"),
        (("notebooks",), "the following arguments are required: ACTION"),
        (("notebooks", "strip"), "the following arguments are required: PATHS"),
        (("frobnicate",), "invalid choice: 'frobnicate'"),
    ],
)
def test_argparse_usage_errors_exit_2_and_point_to_help(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert message in err and "--help' for details." in err
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ("report", DEMO, "-p", "regoin", "North"),
            "crmlib: error: Unknown parameter 'regoin' for params_demo.ipynb. Valid parameters: "
            "['region', 'as_of', 'top_n', 'alpha', 'fast', 'data_path', 'label']. Did you mean 'region'?",
        ),
        (
            ("report", DEMO, "-p", "top_n", "1", "-p", "top_n", "2"),
            "crmlib: error: Parameter 'top_n' is given twice with -p ('1' and '2'). Give it once.",
        ),
        (
            ("report", DEMO, "-p", "top_n", "0"),
            "crmlib: error: Parameter 'top_n' of params_demo.ipynb must be an int in [1, 50] "
            "(metadata rule). Got 0.",
        ),
        (("report", "reports/jobs.yml"), "Did you mean 'crmlib report batch reports/jobs.yml'?"),
        (("report", "no_such.ipynb"), "crmlib: error: Notebook 'no_such.ipynb' does not exist."),
        (("report", "batch", "no_such.yml"), "crmlib: error: Jobs file 'no_such.yml' does not exist."),
        (("notebooks", "strip", "no_such.ipynb"), "'no_such.ipynb' is neither a notebook (.ipynb) nor a folder"),
    ],
)
def test_crmlib_errors_are_one_clear_line_with_exit_2(capsys, tmp_path, argv, message):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith(message) or message in err
    assert "Traceback" not in err
    assert not Path("reports/params_demo__top_n-0.ipynb").exists()


def test_malformed_jobs_file_exits_2_naming_job_and_key(capsys, tmp_path):
    jobs = tmp_path / "jobs.yml"
    jobs.write_text(f"jobs:\n  - notebook: {DEMO}\n  - notebook: {DEMO}\n    gird: {{region: [North]}}\n")
    code, _, err = run(capsys, "report", "batch", jobs)
    assert code == 2
    assert "job 2: unknown key 'gird'" in err and "Did you mean 'grid'?" in err


def test_help_exits_0_and_mentions_batch(capsys):
    code, out, _ = run(capsys, "report", "--help")
    assert code == 0
    assert "crmlib report batch" in out and "-p NAME VALUE" in out


def test_list_parameters(capsys):
    code, out, _ = run(capsys, "report", DEMO, "--list-parameters")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "region = 'all'  (one of ['all', 'North', 'East', 'South', 'Central', 'West'])  # sales region"
    assert "top_n = 10  (an int in [1, 50])  # how many customers to list" in lines


# --------------------------------------------------------------------------------------
# reports (execute fixtures)
# --------------------------------------------------------------------------------------


def test_single_report_without_code(capsys, tmp_path):
    code, out, _ = run(
        capsys, "report", DEMO, "-p", "region", "South", "-p", "top_n", "7",
        "--output-dir", tmp_path, "--no-code",
    )
    assert code == 0
    html_file = tmp_path / "params_demo__region-South__top_n-7.html"
    assert out.startswith(f"1 report: 1 ok, 0 failed, 0 invalid — {html_file.as_posix()} (")
    text = html_file.read_text(encoding="utf-8")
    assert "SECRET_CODE_MARKER" not in text and "Report for South" in text


def test_single_failed_report_exits_1(capsys, tmp_path):
    code, out, err = run(capsys, "report", FAILING, "--output-dir", tmp_path, "--name", "broken")
    assert code == 1
    assert "failed: broken — ValueError: deliberate failure for tests" in err
    assert out.startswith("1 report: 0 ok, 1 failed, 0 invalid — ")
    assert (tmp_path / "broken.ipynb").is_file() and (tmp_path / "broken.html").is_file()


def test_batch_of_three_with_one_invalid(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("jobs.yml").write_text(
        f"output_dir: out\njobs:\n  - notebook: {DEMO}\n  - notebook: {DEMO}\n"
        "    grid: {region: [East, Nowhere]}\n    no_code: true\n"
    )
    code, out, err = run(capsys, "report", "batch", "jobs.yml", "--workers", "2", "--no-progress")
    assert code == 1
    assert out.startswith("3 reports: 2 ok, 0 failed, 1 invalid — out/index.html (")
    assert "invalid: params_demo__region-Nowhere — Parameter 'region' of params_demo.ipynb must be one of" in err
    made = sorted(p.name for p in Path("out").iterdir())
    assert made == [
        "index.html",
        "params_demo.html",
        "params_demo.ipynb",
        "params_demo__region-East.html",
        "params_demo__region-East.ipynb",
    ]
    index = Path("out/index.html").read_text(encoding="utf-8")
    assert index.count('<span class="status status-ok">ok</span>') == 2
    assert index.count('<span class="status status-invalid">invalid</span>') == 1
    assert "Parameter &#x27;region&#x27; of params_demo.ipynb must be one of" in index
    assert "Customers: <strong>12,000</strong>" in index and "Customers: <strong>2,400</strong>" in index
    assert 'href="params_demo__region-East.html"' in index
    assert str(tmp_path) not in index
    # per-job no_code from the YAML
    assert "SECRET_CODE_MARKER" not in Path("out/params_demo__region-East.html").read_text(encoding="utf-8")
    assert "SECRET_CODE_MARKER" in Path("out/params_demo.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------
# notebooks execute / strip
# --------------------------------------------------------------------------------------


def test_notebooks_execute_keeps_going_and_leaves_failures_untouched(capsys, tmp_path):
    shutil.copy(DEMO, tmp_path / "01_good.ipynb")
    shutil.copy(FAILING, tmp_path / "02_bad.ipynb")
    bad_before = (tmp_path / "02_bad.ipynb").read_bytes()
    code, out, err = run(capsys, "notebooks", "execute", tmp_path)
    assert code == 1
    assert "2 notebooks: 1 executed, 1 failed" in out
    assert "FAILED Notebook" in err and "02_bad.ipynb" in err and "left unchanged" in err
    assert (tmp_path / "02_bad.ipynb").read_bytes() == bad_before
    good = nbformat.read(tmp_path / "01_good.ipynb", as_version=4)
    assert "Customers: 12,000" in json.dumps([c.get("outputs", []) for c in good.cells])
    assert all(c.get("execution_count") is None for c in good.cells)


def test_notebooks_strip(capsys, tmp_path):
    nb = nbformat.read(DEMO, as_version=4)
    nb.metadata["papermill"] = {"duration": 2.0}
    nb.cells[2].execution_count = 5
    nb.cells[2].metadata["execution"] = {"iopub.status.idle": "2025-01-01T00:00:00Z"}
    nbformat.write(nb, tmp_path / "dirty.ipynb")
    shutil.copy(DEMO, tmp_path / "clean.ipynb")
    code, out, _ = run(capsys, "notebooks", "strip", tmp_path)
    assert code == 0
    assert out.splitlines() == [f"stripped {(tmp_path / 'dirty.ipynb').as_posix()}", "2 notebooks: 1 stripped, 1 already clean"]
    assert (tmp_path / "dirty.ipynb").read_bytes() == DEMO.read_bytes()
    code, out, _ = run(capsys, "notebooks", "strip", tmp_path / "dirty.ipynb")
    assert code == 0 and out == "1 notebook: 0 stripped, 1 already clean\n"
