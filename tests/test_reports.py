"""Tests of crmlib.reports: parameters, validation, headlines, runner, batches, stripping.

The notebooks executed here are the small fixtures in tests/fixtures/notebooks (about a
second each); none needs the default data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmlib.exceptions import ParameterError, ReportError
from crmlib.reports import (
    HEADLINE_MIME,
    BatchResult,
    Job,
    ParameterSpec,
    execute_in_place,
    headline,
    load_jobs,
    notebook_parameters,
    run_batch,
    run_notebook,
    strip_volatile,
    validate_parameters,
)

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
DEMO = FIXTURES / "params_demo.ipynb"
FAILING = FIXTURES / "failing.ipynb"
REGIONS = ["all", "North", "East", "South", "Central", "West"]


def make_notebook(path: Path, source: str, rules: dict | None = None, extra: list[str] = ()) -> Path:
    """Write a small notebook whose first code cell (tagged 'parameters') is ``source``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(code) for code in extra]
    if rules is not None:
        nb.metadata["crmlib"] = {"parameters": rules}
    nbformat.write(nb, path)
    return path


# --------------------------------------------------------------------------------------
# notebook_parameters
# --------------------------------------------------------------------------------------


def test_parameters_are_read_from_the_fixture_in_cell_order():
    specs = notebook_parameters(DEMO)
    assert list(specs) == ["region", "as_of", "top_n", "alpha", "fast", "data_path", "label"]
    region, as_of, top_n = specs["region"], specs["as_of"], specs["top_n"]
    assert region.default == "all" and region.choices == tuple(REGIONS)
    assert region.help == "sales region"  # metadata help wins over the line comment
    assert as_of.kind == "date" and (as_of.min, as_of.max) == ("2023-01-02", "2025-12-28")
    assert as_of.help == "last day of the analysis"  # from the trailing comment
    assert (top_n.kind, top_n.min, top_n.max, top_n.default) == ("int", 1, 50, 10)
    assert specs["alpha"].kind == "float" and specs["fast"].kind == "bool"
    assert specs["data_path"].kind == "path" and specs["data_path"].kind_source == "metadata"
    assert specs["label"].kind == "any" and specs["label"].allow_none


def test_annotations_set_the_kind_and_optional_allows_none(tmp_path):
    path = make_notebook(tmp_path / "ann.ipynb", 'top_n: int = 10\nseed: int | None = None\nname: str = ""')
    specs = notebook_parameters(path)
    assert specs["top_n"].kind_source == "annotation"
    assert specs["seed"].kind == "int" and specs["seed"].allow_none
    assert validate_parameters(path, {"seed": "7"}) == {"seed": 7}
    assert validate_parameters(path, {"seed": None}) == {"seed": None}
    with pytest.raises(ParameterError, match=r"'seed' .* must be an int or None \(annotation\)"):
        validate_parameters(path, {"seed": "seven"})


@pytest.mark.parametrize(
    ("n_cells", "found"), [(0, "found no cell"), (2, r"found 2 cells \(cells \[1, 2\]\)")]
)
def test_zero_or_two_parameter_cells_is_a_report_error(tmp_path, n_cells, found):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"x{i} = {i}", metadata={"tags": ["parameters"] if i < n_cells else []})
        for i in range(3)
    ]
    nbformat.write(nb, tmp_path / "nb.ipynb")
    with pytest.raises(ReportError, match=f"exactly one cell tagged 'parameters'; {found}"):
        notebook_parameters(tmp_path / "nb.ipynb")


@pytest.mark.parametrize(
    ("source", "rules", "message"),
    [
        ("import os\nx = 1", None, r"only assignments of plain literals.*line 1 is `import os`"),
        ("x = len('ab')", None, r"Parameter 'x' .* must be assigned a plain literal.*`x = len\('ab'\)`"),
        ("x = (", None, "is not valid Python"),
        ("x = 1", {"x": {"maximum": 3}}, r"unknown key\(s\) \['maximum'\]. Valid keys: \['choices'"),
        ("x = 1", {"y": {"min": 0}}, r"rule for 'y', which the 'parameters' cell does not assign"),
        ("x = 1", {"x": {"kind": "integer"}}, r"'kind' .* must be one of \['int'"),
        ("x = 'a'", {"x": {"min": 0}}, "apply to int, float and date parameters only"),
        ("x = 1", {"x": {"choices": []}}, "must be a non-empty list"),
        ("x = 100", {"x": {"max": 50}}, r"default of parameter 'x' .* breaks its own rule"),
    ],
)
def test_malformed_parameter_cells_and_rules_are_report_errors(tmp_path, source, rules, message):
    path = make_notebook(tmp_path / "bad.ipynb", source, rules)
    with pytest.raises(ReportError, match=message):
        notebook_parameters(path)


def test_missing_notebook_suggests_a_close_name(tmp_path):
    make_notebook(tmp_path / "00_start_here.ipynb", "x = 1")
    with pytest.raises(ReportError, match=r"does not exist. Did you mean .*00_start_here.ipynb"):
        notebook_parameters(tmp_path / "00_start_her.ipynb")
    with pytest.raises(ReportError, match=r"must be an .ipynb file"):
        notebook_parameters(tmp_path / "notes.txt")


# --------------------------------------------------------------------------------------
# validate_parameters
# --------------------------------------------------------------------------------------


def test_cli_strings_are_converted_to_the_type_of_the_default(tmp_path):
    existing = tmp_path / "rows.txt"
    existing.write_text("a\n")
    cleaned = validate_parameters(
        DEMO,
        {
            "top_n": "5",
            "alpha": "0.1",
            "fast": "yes",
            "as_of": dt.date(2025, 6, 30),  # what YAML gives for an unquoted date
            "data_path": str(existing),
            "label": {"anything": [1, 2]},
        },
    )
    assert cleaned == {
        "top_n": 5,
        "alpha": 0.1,
        "fast": True,
        "as_of": "2025-06-30",
        "data_path": str(existing),
        "label": {"anything": [1, 2]},
    }
    assert validate_parameters(DEMO, {"fast": "0", "alpha": 1, "data_path": ""}) == {
        "fast": False,
        "alpha": 1.0,
        "data_path": "",
    }
    assert validate_parameters(DEMO, None) == {}


def test_the_message_follows_the_formula_for_a_range_rule():
    with pytest.raises(ParameterError) as info:
        validate_parameters(DEMO, {"top_n": 100})
    assert str(info.value) == (
        "Parameter 'top_n' of params_demo.ipynb must be an int in [1, 50] (metadata rule). Got 100."
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"regoin": "North"},
            "Unknown parameter 'regoin' for params_demo.ipynb. Valid parameters: ['region', 'as_of', "
            "'top_n', 'alpha', 'fast', 'data_path', 'label']. Did you mean 'region'?",
        ),
        (
            {"top_n": "ten"},
            "Parameter 'top_n' of params_demo.ipynb must be an int in [1, 50] (metadata rule). "
            "Got 'ten' (a str). Pass a whole number such as 10.",
        ),
        ({"top_n": 2.5}, "Got 2.5 (a float)"),
        ({"top_n": True}, "Got True (a bool)"),
        ({"top_n": 0}, "must be an int in [1, 50] (metadata rule). Got 0."),
        ({"alpha": "high"}, "Parameter 'alpha' of params_demo.ipynb must be a number in [0, 1]"),
        ({"alpha": 1.5}, "must be a number in [0, 1] (metadata rule). Got 1.5."),
        (
            {"fast": "maybe"},
            "Parameter 'fast' of params_demo.ipynb must be a bool (true/false, yes/no, 1/0), like "
            "its default False. Got 'maybe' (a str). Pass true or false.",
        ),
        (
            {"region": "north"},
            "Parameter 'region' of params_demo.ipynb must be one of ['all', 'North', 'East', 'South', "
            "'Central', 'West'] (metadata rule). Got 'north'. Did you mean 'North'?",
        ),
        ({"region": 5}, "Got 5 (a int). Quote the value"),
        ({"as_of": "30/06/2025"}, "must be an ISO date YYYY-MM-DD in [2023-01-02, 2025-12-28] (metadata rule). Got '30/06/2025'. Write the date as YYYY-MM-DD"),
        ({"as_of": "2025-02-30"}, "Got '2025-02-30', which is not a calendar date."),
        ({"as_of": "2026-01-05"}, "in [2023-01-02, 2025-12-28] (metadata rule). Got '2026-01-05'."),
        (
            {"data_path": "no/such/file.csv"},
            "Parameter 'data_path' of params_demo.ipynb must be an existing file or folder (or "
            "empty) (metadata rule). Got 'no/such/file.csv', which does not exist (relative paths "
            "are read from the current directory). Check the path",
        ),
    ],
)
def test_each_rule_names_parameter_rule_value_and_fix(params, expected):
    with pytest.raises(ParameterError) as info:
        validate_parameters(DEMO, params)
    assert expected in str(info.value)


def test_all_problems_are_reported_at_once():
    with pytest.raises(ParameterError) as info:
        validate_parameters(DEMO, {"top_n": 0, "region": "Mars", "nope": 1})
    lines = str(info.value).splitlines()
    assert len(lines) == 3
    assert [re.search(r"'(\w+)'", line).group(1) for line in lines] == ["top_n", "region", "nope"]


def test_params_must_be_a_mapping():
    with pytest.raises(ParameterError, match=r"must be a mapping of name to value. Got \['top_n'\]"):
        validate_parameters(DEMO, ["top_n"])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-1000, max_value=1000))
def test_int_strings_from_the_cli_round_trip_inside_the_range(n):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("k = 3", metadata={"tags": ["parameters"]})]
    nb.metadata["crmlib"] = {"parameters": {"k": {"min": 2, "max": 10}}}
    if 2 <= n <= 10:
        assert validate_parameters(nb, {"k": str(n)}) == {"k": n}
    else:
        with pytest.raises(ParameterError, match=rf"must be an int in \[2, 10\] \(metadata rule\). Got {n}\."):
            validate_parameters(nb, {"k": str(n)})


# --------------------------------------------------------------------------------------
# headline
# --------------------------------------------------------------------------------------


def test_headline_prints_outside_jupyter_and_converts_numpy(capsys):
    headline("Customers", np.int64(12000))
    headline("Mean spend", np.float64(1234.5678))
    headline("Churn", 0.0523)
    headline("Lift", 0.0734, fmt="{:.1%} uplift")
    headline("Region", "North")
    assert capsys.readouterr().out.splitlines() == [
        "Customers: 12,000",
        "Mean spend: 1,235",
        "Churn: 0.0523",
        "Lift: 7.3% uplift",
        "Region: North",
    ]


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("", 1), {}, "'name' must be a non-empty str"),
        (("X", [1, 2]), {}, r"value of 'X' must be an int, float, str.*Got \[1, 2\] \(a list\)"),
        (("X", "text"), {"fmt": ",.0f"}, r"fmt ',.0f' cannot format 'text'"),
    ],
)
def test_headline_errors(args, kwargs, message):
    with pytest.raises(ParameterError, match=message):
        headline(*args, **kwargs)


# --------------------------------------------------------------------------------------
# strip_volatile
# --------------------------------------------------------------------------------------


def _executed_looking_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["papermill"] = {"duration": 1.5, "parameters": {}}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell("k = 3", metadata={"tags": ["parameters"], "papermill": {"status": "completed"}})
    injected = nbformat.v4.new_code_cell("k = 4", metadata={"tags": ["injected-parameters"]})
    body = nbformat.v4.new_code_cell("k * 2", metadata={"tags": [], "execution": {"iopub.status.busy": "t"}, "ExecuteTime": {}})
    body.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="hi\n"),
        nbformat.v4.new_output("execute_result", {"text/plain": "8"}, execution_count=3),
    ]
    note = nbformat.v4.new_markdown_cell("text", metadata={"tags": ["keep-me"]})
    for i, cell in enumerate([params, injected, body]):
        cell.execution_count = i + 1
    nb.cells = [params, injected, body, note]
    return nb


def test_strip_volatile_removes_counts_and_papermill_metadata_but_keeps_tags():
    nb = _executed_looking_notebook()
    clean = strip_volatile(nb)
    assert "papermill" not in clean.metadata and "kernelspec" in clean.metadata
    assert [c.source for c in clean.cells] == ["k = 3", "k * 2", "text"]  # injected cell gone
    assert clean.cells[0].metadata == {"tags": ["parameters"]}
    assert clean.cells[1].metadata == {}  # empty tags, timing and ExecuteTime gone
    assert clean.cells[2].metadata == {"tags": ["keep-me"]}
    assert all(c.execution_count is None for c in clean.cells if c.cell_type == "code")
    assert clean.cells[1].outputs[1].execution_count is None
    assert clean.cells[1].outputs[1].data == {"text/plain": "8"}  # outputs kept
    # the input is not modified, and stripping twice changes nothing more
    assert nb.cells[2].execution_count == 3 and "papermill" in nb.metadata
    assert strip_volatile(clean) == clean
    nbformat.validate(clean)


# --------------------------------------------------------------------------------------
# load_jobs
# --------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_load_jobs_expands_grids_and_applies_defaults(tmp_path):
    jobs_file = _write(
        tmp_path / "jobs.yml",
        f"""
output_dir: {tmp_path / "out"}
no_code: true
jobs:
  - notebook: {DEMO}
  - notebook: {DEMO}
    name: start_north
    parameters: {{region: North, top_n: 5}}
    no_code: false
  - notebook: {DEMO}
    grid: {{region: [East, South], top_n: [3, 4]}}
    name: "start_{{region}}_{{top_n}}"
  - {FAILING}
""",
    )
    jobs = load_jobs(jobs_file)
    assert [j.name for j in jobs] == [
        "params_demo",
        "start_north",
        "start_East_3",
        "start_East_4",
        "start_South_3",
        "start_South_4",
        "failing",
    ]
    assert jobs[1].parameters == {"region": "North", "top_n": 5}
    assert jobs[4].parameters == {"region": "South", "top_n": 3}
    assert [j.no_code for j in jobs] == [True, False, True, True, True, True, True]
    assert all(j.output_dir == tmp_path / "out" for j in jobs)


def test_default_names_skip_parameters_equal_to_their_default(tmp_path):
    jobs_file = _write(
        tmp_path / "jobs.yml",
        f"jobs:\n  - notebook: {DEMO}\n    parameters: {{region: all, top_n: '7', data_path: data/my file.csv}}\n",
    )
    (job,) = load_jobs(jobs_file)
    assert job.name == "params_demo__top_n-7__data_path-my-file.csv"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("jobs:\n  - notebook: {demo}\n    paramters: {{}}\n", r"job 1: unknown key 'paramters'.*Did you mean 'parameters'\?"),
        ("output: x\njobs:\n  - notebook: {demo}\n", r"unknown key 'output'.*Did you mean 'output_dir'\?"),
        ("jobs:\n  - notebook: {demo}\n  - notebook: nowhere.ipynb\n", r"job 2: key 'notebook': Notebook 'nowhere.ipynb' does not exist"),
        ("jobs:\n  - name: x\n", r"job 1: key 'notebook' is missing"),
        ("jobs:\n  - notebook: {demo}\n    grid: {{region: North}}\n", r"job 1 \(params_demo.ipynb\): key 'grid', parameter 'region' must be a non-empty list"),
        ("jobs:\n  - notebook: {demo}\n    grid: {{region: []}}\n", r"must be a non-empty list"),
        ("jobs:\n  - notebook: {demo}\n    parameters: {{region: North}}\n    grid: {{region: [East]}}\n", r"'region' is in both 'parameters' and 'grid'"),
        ("jobs:\n  - notebook: {demo}\n  - notebook: {demo}\n", r"job 2 \(params_demo.ipynb\): report name 'params_demo' is already used by job 1"),
        ("jobs:\n  - notebook: {demo}\n    grid: {{region: [North, East]}}\n    name: same\n", r"'same' is already used by another combination of this job's grid.*placeholders such as name: 'start_\{region\}'"),
        ("jobs:\n  - notebook: {demo}\n    name: 'start_{{regoin}}'\n    parameters: {{region: North}}\n", r"key 'name' 'start_\{regoin\}' cannot be filled"),
        ("jobs:\n  - notebook: {demo}\n    name: index\n", r"key 'name': A report 'name' must be .* not 'index'"),
        ("jobs:\n  - notebook: {demo}\n    no_code: sometimes\n", r"key 'no_code' must be true or false"),
        ("jobs: []\n", r"'jobs' must be a non-empty list"),
        ("- notebook: {demo}\n", r"must be a mapping with a 'jobs' list"),
        ("jobs:\n  - notebook: {demo}\n   bad: [\n", r"is not valid YAML at line \d+"),
    ],
)
def test_jobs_file_errors_name_the_job_and_the_key(tmp_path, body, message):
    jobs_file = _write(tmp_path / "jobs.yml", body.format(demo=DEMO))
    with pytest.raises(ReportError, match=message):
        load_jobs(jobs_file)


def test_missing_jobs_file(tmp_path):
    with pytest.raises(ReportError, match=r"Jobs file .*nope.yml' does not exist"):
        load_jobs(tmp_path / "nope.yml")


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=0, max_size=60))
def test_default_names_are_always_safe_file_stems(value):
    nb_path = FIXTURES / "failing.ipynb"
    from crmlib.reports._run import _NAME_RE, _default_name

    name = _default_name(nb_path, {"label": value, "n": 3}, {})
    assert _NAME_RE.match(name) and len(name) <= 90
    assert name.startswith("failing__label-")


# --------------------------------------------------------------------------------------
# run_notebook (executes fixtures)
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def north_report(tmp_path_factory):
    """params_demo run from a scratch folder with relative paths, as a user would."""
    folder = tmp_path_factory.mktemp("north")
    (folder / "rows.txt").write_text("a\nb\nc\n")
    with contextlib.chdir(folder):
        result = run_notebook(
            DEMO,
            {"region": "North", "top_n": "5", "data_path": "rows.txt", "as_of": "2025-06-30"},
            output_dir="out",
        )
    return folder, result


def test_run_notebook_writes_ipynb_and_html_and_collects_headlines(north_report):
    folder, result = north_report
    assert result.status == "ok" and result.ok and result.message == ""
    assert result.name == "params_demo__region-North__as_of-2025-06-30__top_n-5__data_path-rows.txt"
    assert result.ipynb_path == Path("out") / f"{result.name}.ipynb"  # as given, relative
    assert (folder / result.ipynb_path).is_file() and (folder / result.html_path).is_file()
    # the relative data_path was found although the notebook ran in its own folder
    assert result.headlines == {"Customers": 2400, "Top N": 5, "Share": 0.25, "Rows read": 3}
    assert result.headlines_text["Share"] == "25.0%"
    assert result.parameters["top_n"] == 5 and result.duration_s > 0


def test_report_notebook_keeps_the_injected_parameters_cell(north_report):
    folder, result = north_report
    nb = nbformat.read(folder / result.ipynb_path, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and 'region = "North"' in injected[0].source
    bundles = [o["data"][HEADLINE_MIME] for c in nb.cells for o in c.get("outputs", []) if HEADLINE_MIME in o.get("data", {})]
    assert {"name": "Customers", "value": 2400, "text": "2,400", "teaching": False} in bundles


def test_html_with_code_shows_the_code(north_report):
    folder, result = north_report
    text = (folder / result.html_path).read_text(encoding="utf-8")
    assert "SECRET_CODE_MARKER" in text and "Report for North as of 2025-06-30" in text


def test_no_code_html_has_outputs_but_no_input_cells(tmp_path):
    result = run_notebook(DEMO, {"region": "West"}, output_dir=tmp_path, no_code=True)
    text = result.html_path.read_text(encoding="utf-8")
    assert result.status == "ok"
    assert "SECRET_CODE_MARKER" not in text and "headline(" not in text
    assert "Report for West as of 2025-12-28" in text and "Customers" in text


def test_failing_notebook_is_kept_flagged_and_not_raised(tmp_path):
    result = run_notebook(FAILING, output_dir=tmp_path)
    assert result.status == "failed" and not result.ok
    assert result.message.startswith("ValueError: deliberate failure for tests")
    assert result.ipynb_path.is_file() and result.html_path.is_file()
    nb = nbformat.read(result.ipynb_path, as_version=4)
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].ename == "ValueError"
    assert result.headlines == {"Before failure": 1}  # cells after the error never ran
    assert "deliberate failure for tests" in result.html_path.read_text(encoding="utf-8")


def test_run_notebook_rejects_bad_parameters_before_running(tmp_path):
    with pytest.raises(ParameterError, match="'top_n'"):
        run_notebook(DEMO, {"top_n": 0}, output_dir=tmp_path / "out")
    with pytest.raises(ParameterError, match="not 'index'"):
        run_notebook(DEMO, name="index", output_dir=tmp_path / "out")
    with pytest.raises(ParameterError, match="'timeout' parameter must be a positive number"):
        run_notebook(DEMO, timeout=0, output_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------
# run_batch
# --------------------------------------------------------------------------------------


def test_batch_validates_first_runs_the_rest_and_flags_failures(tmp_path):
    jobs = [
        Job(DEMO, {"region": "East"}),
        Job(DEMO, {"region": "Nowhere"}),
        Job(FAILING),
        Job(DEMO, {"region": "East"}),  # duplicate name: invalid, never executed
    ]
    batch = run_batch(jobs, workers=2, output_dir=tmp_path / "out", progress=False)
    assert isinstance(batch, BatchResult)
    assert [(r.name, r.status) for r in batch.results] == [
        ("params_demo__region-East", "ok"),
        ("params_demo__region-Nowhere", "invalid"),
        ("failing", "failed"),
        ("params_demo__region-East", "invalid"),
    ]
    assert batch.counts == {"ok": 1, "failed": 1, "invalid": 2} and not batch.ok
    assert "already used by job 1" in batch.results[3].message
    assert not (tmp_path / "out" / "params_demo__region-Nowhere.ipynb").exists()
    assert (tmp_path / "out" / "failing.ipynb").is_file()
    index = batch.index_path.read_text(encoding="utf-8")
    assert index.count('<tr class="row-') == 4
    assert '<tr class="row-failed" id="report-failing">' in index
    assert "ValueError: deliberate failure for tests" in index
    assert 'href="failing.html"' in index and 'href="failing.ipynb"' in index
    assert str(tmp_path) not in index  # links and paths are relative
    assert batch.summary().startswith("4 reports: 1 ok, 1 failed, 2 invalid — ")
    frame = batch.to_frame()
    assert list(frame["status"]) == ["ok", "invalid", "failed", "invalid"]
    assert frame.loc[0, "headline: Customers"] == 2400


def test_batch_argument_errors(tmp_path):
    with pytest.raises(ReportError, match="no jobs"):
        run_batch([], progress=False)
    with pytest.raises(ParameterError, match="'workers' parameter of run_batch must be an int"):
        run_batch([Job(DEMO)], workers=0, progress=False)
    with pytest.raises(ReportError, match="different output folders"):
        run_batch([Job(DEMO, output_dir=Path("a")), Job(FAILING, output_dir=Path("b"))], progress=False)
    with pytest.raises(ReportError, match=r"job 1 must be a crmlib.reports.Job"):
        run_batch([{"notebook": DEMO}], progress=False)


def test_parameter_spec_rule_text():
    assert ParameterSpec("d", "2025-01-01", "date", min="2023-01-02").rule() == "an ISO date YYYY-MM-DD >= 2023-01-02"
    assert ParameterSpec("s", None, "int", allow_none=True, max=9).rule() == "an int <= 9 or None"


# --------------------------------------------------------------------------------------
# execute_in_place
# --------------------------------------------------------------------------------------


def test_execute_in_place_writes_clean_outputs_and_is_idempotent(tmp_path):
    path = tmp_path / "lesson.ipynb"
    shutil.copy(DEMO, path)
    execute_in_place(path)
    first = path.read_bytes()
    nb = nbformat.reads(first.decode("utf-8"), as_version=4)
    assert "papermill" not in nb.metadata
    assert [c.id for c in nb.cells] == [c.id for c in nbformat.read(DEMO, as_version=4).cells]
    assert not any("injected-parameters" in c.metadata.get("tags", []) for c in nb.cells)
    assert nb.cells[1].metadata == {"tags": ["parameters"]}
    for cell in nb.cells:
        assert not {"papermill", "execution"} & set(cell.metadata)
        if cell.cell_type == "code":
            assert cell.execution_count is None
            assert all(o.get("execution_count") is None for o in cell.outputs)
    outputs = json.dumps([c.get("outputs", []) for c in nb.cells])
    assert "Customers: 12,000" in outputs and "Report for all as of 2025-12-28" in outputs
    execute_in_place(path)
    assert path.read_bytes() == first  # a second run changes nothing: clean commits


def test_execute_in_place_leaves_a_failing_notebook_untouched(tmp_path):
    path = tmp_path / "broken.ipynb"
    shutil.copy(FAILING, path)
    before = path.read_bytes()
    with pytest.raises(ReportError, match=r"failed to execute: ValueError: deliberate failure .*left unchanged"):
        execute_in_place(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.ipynb"]  # no temp files left
