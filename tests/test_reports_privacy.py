"""The runner's privacy scan: a report that shows personal data is not published.

Synthetic notebooks in tmp folders: a clean one, one that prints a real customer's e-mail
read from data/customers.csv (the address is not in the notebook's source, only in its
output), one that shows names in a table, and one whose data_dir has its own customer table.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crmlib.cli import main
from crmlib.privacy import PersonalDataScanner, format_findings, scan_report
from crmlib.reports import Job, run_batch, run_notebook
from crmlib.reports._batch import _plan_jobs

ROOT = Path(__file__).resolve().parents[1]
CUSTOMERS = ROOT / "data" / "customers.csv"


def notebook(path: Path, *code: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["crmlib"] = {"parameters": {"data_dir": {"kind": "path"}}}
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {path.stem}\n\n**Business question.** Is it clean?"),
                nbformat.v4.new_code_cell('data_dir = ""', metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in code]
    nbformat.write(nb, path)
    return path


def leaking(folder: Path, row: int = 4) -> Path:
    return notebook(folder / "leak.ipynb", "import pandas as pd\n"
                    f"customers = pd.read_csv({str(CUSTOMERS)!r})\n"
                    f"print('Call', customers['email'].iloc[{row}])")


def clean(folder: Path) -> Path:
    return notebook(folder / "clean.ipynb", "import pandas as pd\n"
                    f"print(len(pd.read_csv({str(CUSTOMERS)!r})), 'customers')")


@pytest.fixture(scope="module")
def customer():
    return pd.read_csv(CUSTOMERS, dtype=str).iloc[4]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("privacy")
    names = notebook(folder / "names.ipynb", "import pandas as pd\n"
                     f"pd.read_csv({str(CUSTOMERS)!r})[['customer_id', 'name']].head(3)")
    jobs = [Job(clean(folder), name="clean"), Job(leaking(folder), name="leak"), Job(names, name="names")]
    return run_batch(jobs, workers=2, output_dir=folder / "out", progress=False)


def test_a_batch_flags_exactly_the_reports_that_show_personal_data(batch, customer):
    status = {r.name: r.status for r in batch.results}
    assert status == {"clean": "ok", "leak": "privacy", "names": "privacy"}
    assert not batch.ok
    assert batch.summary().startswith("3 reports: 1 ok, 0 failed, 0 invalid, 2 privacy — ")
    out = batch.index_path.parent
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "clean.html", "clean.ipynb", "index.html"]  # nothing of the leaking reports is kept
    leak = next(r for r in batch.results if r.name == "leak")
    assert leak.html_path is None and leak.ipynb_path is None
    assert "email" in leak.message and "the executed notebook, cell 3" in leak.message
    assert "a customer's" in leak.message
    names = next(r for r in batch.results if r.name == "names")
    assert "name" in names.message


def test_the_index_shows_the_status_and_masked_findings_without_the_data(batch, customer):
    page = batch.index_path.read_text(encoding="utf-8")
    assert '<tr class="row-privacy" id="report-leak">' in page
    assert '<span class="status status-privacy">privacy</span>' in page
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert hrefs == ["clean.html", "clean.html", "clean.ipynb"]  # never a link to a leak
    assert customer["email"] not in page and customer["phone"] not in page
    # the masked findings reveal nothing: a scan of the index finds no customer's data
    scanner = PersonalDataScanner.from_customers(pd.read_csv(CUSTOMERS, dtype=str))
    assert scan_report(page, scanner) == []


def test_format_findings_does_not_repeat_what_it_found(customer):
    scanner = PersonalDataScanner.from_customers(pd.read_csv(CUSTOMERS, dtype=str))
    text = f"{customer['name']} <{customer['email']}> {customer['phone']}"
    findings = scanner.find(text)
    assert {f.kind for f in findings} == {"name", "email", "phone"}
    message = format_findings(findings)
    for value in (customer["name"], customer["email"], customer["phone"]):
        assert value not in message
    assert scanner.find(message) == []


def test_the_scanner_is_built_once_per_batch(tmp_path, monkeypatch):
    calls = []
    original = PersonalDataScanner.from_customers.__func__
    monkeypatch.setattr(PersonalDataScanner, "from_customers",
                        classmethod(lambda cls, c: calls.append(len(c)) or original(cls, c)))
    path = clean(tmp_path)
    _, plans = _plan_jobs([Job(path, name=f"r{i}") for i in range(4)], tmp_path / "out", None, None)
    assert len(calls) == 1 and calls[0] == len(pd.read_csv(CUSTOMERS))
    assert all(p.privacy is plans[0].privacy and p.privacy.scanner is not None for p in plans)


def test_the_data_dir_parameter_chooses_the_customer_table(tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    pd.DataFrame({"customer_id": ["X1"], "name": ["Qiu Wenjing"], "email": ["qw@shop.test"],
                  "phone": [""]}).to_csv(own / "customers.csv", index=False)
    path = notebook(tmp_path / "who.ipynb", "print('Top customer: Qiu Wenjing')")
    default = run_notebook(path, output_dir=tmp_path / "out", name="default")
    assert default.status == "ok"  # not a customer of the default data
    theirs = run_notebook(path, {"data_dir": str(own)}, output_dir=tmp_path / "out", name="theirs")
    assert theirs.status == "privacy" and "name 'Q** W******'" in theirs.message
    assert not (tmp_path / "out" / "theirs.html").exists()


def test_without_a_customer_table_the_scan_is_skipped_and_the_index_says_so(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    path = notebook(tmp_path / "nodata.ipynb", "print('hello')")
    batch = run_batch([Job(path, {"data_dir": str(empty)}, name="nodata")], workers=1,
                      output_dir=tmp_path / "out", progress=False)
    result = batch.results[0]
    assert result.status == "ok" and batch.ok
    assert result.privacy_note.startswith("Not scanned for personal data: no customer table at")
    assert "Not scanned for personal data" in batch.index_path.read_text(encoding="utf-8")


def test_a_single_report_that_leaks_fails_on_the_command_line(tmp_path, capsys, customer):
    path = notebook(tmp_path / "oops.ipynb", "import pandas as pd\n"
                    f"c = pd.read_csv({str(CUSTOMERS)!r})\nprint(c['phone'].iloc[4])\n"
                    "raise ValueError('and then it broke')")
    code = main(["report", str(path), "--output-dir", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    assert err.startswith("privacy: oops — Personal data found")
    assert "The run also failed: ValueError: and then it broke" in err
    assert customer["phone"] not in err + out
    assert "1 report: 0 ok, 0 failed, 0 invalid, 1 privacy" in out
    assert not any((tmp_path / "out").glob("oops.*"))
