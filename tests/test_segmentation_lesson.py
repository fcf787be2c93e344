"""Lesson 02 as a report: it runs on the real Ta-Feng baskets, and its business cells (the
untagged ones) run on their own for one region, so leaving the teaching cells out breaks
nothing and every business number is the region's."""

from __future__ import annotations

import re

import nbformat
import papermill as pm
import pytest

import crmlib.datasets as ds
from conftest import ROOT
from crmlib.reports import run_notebook

LESSON = ROOT / "notebooks" / "02_customer_segmentation.ipynb"


def _ta_feng_available() -> bool:
    return hasattr(ds, "load_ta_feng") and (ROOT.parent / "shared" / "data" / "ta_feng" / "ta_feng.csv.zip").is_file()


def _outputs(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            parts.append(out.get("data", {}).get("text/markdown", ""))
            parts.append(out.get("data", {}).get("text/plain", ""))
    return "\n".join(parts)


@pytest.mark.slow
@pytest.mark.notebooks
def test_lesson_02_runs_on_ta_feng_and_says_what_it_skips(tmp_path):
    if not _ta_feng_available():
        pytest.skip("the Ta-Feng file ../shared/data/ta_feng/ta_feng.csv.zip is not here")
    result = run_notebook(LESSON, {"dataset": "ta_feng"}, output_dir=tmp_path, export_html=False)
    assert result.status == "ok", result.message
    assert result.headlines["Customers in scope"] > 30000
    assert "Expected margin, next 17 weeks" in result.headlines
    text = _outputs(nbformat.read(result.ipynb_path, as_version=4))
    for reason in ("Ta-Feng has no B2B leads", "Ta-Feng has no truth", "Skipped on Ta-Feng",
                   "too little to cluster"):
        assert reason in text


@pytest.mark.slow
@pytest.mark.notebooks
def test_the_business_cells_alone_run_for_one_region(tmp_path):
    nb = nbformat.read(LESSON, as_version=4)
    nb.cells = [c for c in nb.cells if "teaching" not in c.metadata.get("tags", [])]
    assert nb.cells[0].source.startswith("# 02") and "**Business question.**" in nb.cells[0].source
    assert any("summary" in c.metadata.get("tags", []) for c in nb.cells)
    assert any(c.cell_type == "markdown" and c.source.startswith("## ") and "Decision" in c.source
               for c in nb.cells)
    src = tmp_path / "business.ipynb"
    nbformat.write(nb, src)
    out = pm.execute_notebook(str(src), str(tmp_path / "out.ipynb"), parameters={"region": "North"},
                              progress_bar=False, cwd=str(LESSON.parent))
    text = _outputs(out)
    north = ds.load_default(tables=["customers"]).customers["region"].eq("North").sum()
    assert f"region North: {north:,} customers" in text
    assert not re.search(r"\bC\d{7}\b", text)  # customer keys never appear: the call list shows pseudonyms
