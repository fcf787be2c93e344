"""Every lesson notebook is well formed, runs through papermill without errors or warnings,
and is listed in the report batch.  (Checked outputs are compared by nbval: `make test` runs
pytest with --nbval-lax on notebooks/.)"""

from __future__ import annotations

import json

import nbformat
import papermill as pm
import pytest
import yaml

from conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in NOTEBOOKS]


def _load(path):
    return nbformat.read(path, as_version=4)


def test_there_are_lessons():
    assert NOTEBOOKS, "no notebooks/NN_topic.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_a_clean_lesson(path):
    nb = _load(path)
    cells = nb.cells
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "exactly one cell must be tagged 'parameters'"
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# "), "start with a title"
    assert "papermill" not in nb.metadata, "papermill metadata committed; run `make notebooks`"
    for cell in cells:
        if cell.cell_type != "code":
            continue
        assert cell.get("execution_count") is None, "execution counts committed; run `make notebooks`"
        assert "papermill" not in cell.metadata and "execution" not in cell.metadata
        assert "injected-parameters" not in cell.metadata.get("tags", [])
        assert not any(o.get("output_type") == "error" for o in cell.get("outputs", [])), "stored error"
    assert sum(bool(c.get("outputs")) for c in cells if c.cell_type == "code") >= 5, (
        "committed without outputs; run `make notebooks`"
    )
    text = "\n".join(c.source for c in cells)
    assert "TODO" not in text and "from crmlib import *" not in text
    assert "NBVAL_CHECK_OUTPUT" in text, "mark the headline numbers with # NBVAL_CHECK_OUTPUT"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_in_the_report_batch(path):
    jobs = yaml.safe_load((ROOT / "reports" / "jobs.yml").read_text())["jobs"]
    listed = {ROOT / (j if isinstance(j, str) else j["notebook"]) for j in jobs}
    assert path in listed, f"{path.name} is not in reports/jobs.yml, so `make reports` skips it"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_runs_with_papermill_without_warnings(path, tmp_path):
    out = tmp_path / path.name
    pm.execute_notebook(
        str(path), str(out), kernel_name="python3", cwd=str(path.parent), progress_bar=False
    )
    executed = json.loads(out.read_text())
    streams = [
        "".join(o.get("text", ""))
        for c in executed["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stderr"
    ]
    warned = [s for s in streams if "Warning" in s]
    assert not warned, f"the notebook printed warnings: {warned[:2]}"
