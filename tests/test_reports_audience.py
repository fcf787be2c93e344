"""Two audiences, one notebook: business rendering, the jobs file's audience, the index.

The notebooks executed here are small synthetic lessons written with nbformat into tmp
folders (a second or two each): a title cell with the business question, a teaching cell of
goals, the parameters, a scoped headline, an exercise (teaching), the summary (moved to the
top for business readers) and a decision table. The real lessons 02 and 03 gain their
``audience`` parameter on other branches, so the real ``reports/jobs.yml`` is checked for
structure here, never executed.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
import yaml

from crmlib.cli import main
from crmlib.exceptions import ParameterError, ReportError
from crmlib.reports import Job, load_jobs, run_batch, run_notebook
from crmlib.reports._page import for_audience
from crmlib.reports._parameters import _notebook_summary, _parse_notebook_file

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ["North", "East", "South", "Central", "West"]
TITLE = "09 · A synthetic lesson"
QUESTION = "Which region should the sales team visit first?"


def lesson(folder: Path, name: str = "lesson.ipynb", *, audience_param: bool = True) -> Path:
    """A small lesson with every kind of cell a business page treats differently."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    teaching, summary = {"tags": ["teaching"]}, {"tags": ["summary"]}
    params = 'region = "all"  # all or a region\n'
    if audience_param:
        params = 'audience = "student"  # student or business\n' + params
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    rules = {"region": {"choices": ["all", *REGIONS]}}
    if audience_param:
        rules["audience"] = {"choices": ["student", "business"]}
    nb.metadata["crmlib"] = {"parameters": rules}
    nb.cells = [
        md(f"# {TITLE}\n\n**Business question.** Which region should the sales team\nvisit *first*?"),
        md("**You will learn to** read a synthetic table.", metadata=teaching),
        code(params, metadata={"tags": ["parameters"]}),
        code("from IPython.display import Markdown, display\n"
             "from crmlib.reports import headline\n"
             "n = 120 if region == 'all' else 30\n"
             "headline('Customers in scope', n)"),
        md("## 7. Exercises", metadata=teaching),
        code("# NBVAL_CHECK_OUTPUT\nprint('TEACHING OUTPUT')\n"
             "headline('AUC of the teaching model', 0.91, teaching=True)", metadata=teaching),
        md("## Summary", metadata=summary),
        code("display(Markdown(f'SUMMARY for {region}, audience {audience}'))\n"
             "headline('Revenue in scope', 1234.5 if region == 'all' else 250.0)\n"
             "headline('Relative error vs truth', 0.02, teaching=True, fmt='.0%')"
             if audience_param else
             "display(Markdown(f'SUMMARY for {region}'))\nheadline('Revenue in scope', 1234.5)",
             metadata=summary),
        md("## 8. Decision: where to go first"),
        code("print('DECISION TABLE')"),
    ]
    path = folder / name
    nbformat.write(nb, path)
    return path


def visible(page: str) -> str:
    """The text of a page without styles and scripts."""
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", page)


# --------------------------------------------------------------------------------------
# for_audience: the cells each reader sees
# --------------------------------------------------------------------------------------


def test_business_cells_leave_out_teaching_and_put_the_summary_after_the_title(tmp_path):
    nb = nbformat.read(lesson(tmp_path), as_version=4)
    for cell in nb.cells:  # as if executed: every code cell but the parameters prints something
        if cell.cell_type == "code" and "parameters" not in cell.metadata.get("tags", []):
            cell.outputs = [nbformat.v4.new_output("stream", text="out")]
    business = for_audience(nb, "business").cells
    assert all("teaching" not in c.metadata.get("tags", []) for c in business)
    assert business[0].source.startswith(f"# {TITLE}")
    assert [c.metadata.get("tags") for c in business[1:3]] == [["summary"], ["summary"]]
    assert business[-2].source.startswith("## 8. Decision")  # the rest keeps its order
    assert "parameters" not in [t for c in business for t in c.metadata.get("tags", [])]
    assert len(business) == len(nb.cells) - 4  # 3 teaching cells, 1 code cell without output
    assert [c.source for c in for_audience(nb, "student").cells] == [c.source for c in nb.cells]
    assert len(nb.cells) == 10  # the notebook itself is not changed


# --------------------------------------------------------------------------------------
# one report
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """The synthetic lesson rendered for both audiences (region North)."""
    folder = tmp_path_factory.mktemp("audience")
    path = lesson(folder)
    business = run_notebook(path, {"region": "North"}, output_dir=folder / "out", audience="business")
    student = run_notebook(path, {"region": "North"}, output_dir=folder / "out")
    return business, student


def test_a_business_page_hides_code_and_teaching_cells_and_starts_with_the_summary(rendered):
    business, _ = rendered
    assert business.status == "ok", business.message
    assert business.audience == "business" and business.name == "lesson__audience-business__region-North"
    assert business.parameters == {"audience": "business", "region": "North"}
    page = business.html_path.read_text(encoding="utf-8")
    text = visible(page)
    for absent in ("TEACHING OUTPUT", "Exercises", "You will learn", "AUC of the teaching model",
                   "headline(", "NBVAL"):
        assert absent not in text, f"{absent!r} is on the business page"
    body = page[page.index("<body"):]
    assert 'class="jp-CodeMirrorEditor' not in body and 'class="jp-InputPrompt' not in body  # no code
    assert "SUMMARY for North, audience business" in text  # the parameter reached the notebook
    order = [text.index(s) for s in (TITLE, "SUMMARY for North", "Customers in scope", "DECISION TABLE")]
    assert order == sorted(order), "the summary is not right after the title"
    assert f"<title>{TITLE} — region North</title>" in page  # no 'audience' in the title
    # the notebook ran whole: the teaching cell's output is in the executed notebook
    assert "TEACHING OUTPUT" in business.ipynb_path.read_text(encoding="utf-8")
    # headlines of the cells the page shows; the teaching flag is kept
    assert business.headlines == {"Customers in scope": 30, "Revenue in scope": 250.0,
                                  "Relative error vs truth": 0.02}
    assert business.teaching_headlines == frozenset({"Relative error vs truth"})
    assert (business.title, business.question) == (TITLE, QUESTION)


def test_a_student_page_is_the_whole_lesson_in_its_order(rendered):
    _, student = rendered
    assert student.status == "ok" and student.audience == "student"
    assert student.parameters == {"region": "North"}
    page = student.html_path.read_text(encoding="utf-8")
    text = visible(page)
    assert "TEACHING OUTPUT" in text and "Exercises" in text and 'class="jp-CodeMirrorEditor' in page
    assert "SUMMARY for North, audience student" in text
    assert text.index("Exercises") < text.index("SUMMARY for North")  # not moved
    assert "AUC of the teaching model" in student.headlines
    assert student.teaching_headlines == frozenset({"AUC of the teaching model", "Relative error vs truth"})


def test_a_business_report_of_a_notebook_without_an_audience_parameter_is_refused(tmp_path):
    path = lesson(tmp_path, "plain.ipynb", audience_param=False)
    with pytest.raises(ParameterError) as caught:
        run_notebook(path, output_dir=tmp_path / "out", audience="business")
    message = str(caught.value)
    assert "plain.ipynb" in message and "no 'audience' parameter" in message
    assert 'audience = "student"' in message and "render it with audience 'student'" in message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())  # nothing ran


def test_the_audience_option_and_parameter_agree_or_are_refused(tmp_path):
    path = lesson(tmp_path)
    with pytest.raises(ParameterError, match=r"'audience' must be one of \['student', 'business'\].*Got 'manager'"):
        run_notebook(path, output_dir=tmp_path / "out", audience="manager")
    with pytest.raises(ParameterError, match="audience is given twice"):
        run_notebook(path, {"audience": "student"}, output_dir=tmp_path / "out", audience="business")


def test_the_cli_renders_for_business_and_refuses_in_one_line(tmp_path, capsys):
    path = lesson(tmp_path)
    code = main(["report", str(path), "-p", "region", "East", "--audience", "business",
                 "--output-dir", str(tmp_path / "out"), "--name", "east"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "1 report: 1 ok, 0 failed, 0 invalid" in out
    assert "SUMMARY for East, audience business" in (tmp_path / "out" / "east.html").read_text(encoding="utf-8")
    plain = lesson(tmp_path, "plain.ipynb", audience_param=False)
    code = main(["report", str(plain), "--audience", "business", "--output-dir", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 2 and "Traceback" not in err
    assert err.startswith("crmlib: error: plain.ipynb cannot be rendered for audience 'business'")
    assert len(err.strip().splitlines()) == 1
    code = main(["report", str(path), "--audience", "boss"])
    assert code == 2 and "invalid choice: 'boss'" in capsys.readouterr().err


# --------------------------------------------------------------------------------------
# the jobs file
# --------------------------------------------------------------------------------------


def test_the_jobs_file_takes_an_audience_at_the_top_and_per_job(tmp_path):
    path = lesson(tmp_path)
    jobs = tmp_path / "jobs.yml"
    jobs.write_text(
        f"audience: business\njobs:\n  - notebook: {path}\n    name: top\n"
        f"  - notebook: {path}\n    name: own\n    audience: student\n"
        f"  - notebook: {path}\n    grid: {{region: [North, West]}}\n    name: 'b_{{region}}'\n",
        encoding="utf-8",
    )
    assert [(j.name, j.audience) for j in load_jobs(jobs)] == [
        ("top", "business"), ("own", "student"), ("b_North", "business"), ("b_West", "business")]


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("audience: boss\njobs: [{notebook: NB}]\n",
         r"^Jobs file 'jobs.yml': key 'audience' must be one of \['student', 'business'\].*Got 'boss'"),
        ("jobs:\n  - notebook: NB\n    audience: Business\n",
         r"job 1 \(lesson.ipynb\): key 'audience' must be one of .*Got 'Business'. Write e.g. 'audience: business'"),
        ("jobs:\n  - notebook: NB\n    audiance: business\n", r"unknown key 'audiance'.*Did you mean 'audience'\?"),
    ],
)
def test_a_bad_audience_in_the_jobs_file_is_one_clear_error(tmp_path, text, pattern):
    path = lesson(tmp_path)
    jobs = tmp_path / "jobs.yml"
    jobs.write_text(text.replace("NB", str(path)), encoding="utf-8")
    with pytest.raises(ReportError, match=pattern):
        load_jobs(jobs)


def test_the_repository_jobs_file_has_the_student_set_and_a_business_set_per_region():
    raw = yaml.safe_load((ROOT / "reports" / "jobs.yml").read_text(encoding="utf-8"))
    jobs = load_jobs(ROOT / "reports" / "jobs.yml")  # parses; names unique; notebooks exist
    assert all((ROOT / j.notebook).is_file() if not j.notebook.is_absolute() else j.notebook.is_file()
               for j in jobs)
    names = [j.name for j in jobs]
    assert len(names) == len(set(names))
    student = [j for j in jobs if j.audience in (None, "student")]
    lessons = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(j.notebook.name for j in student if not j.parameters) == lessons
    business = {j.name: j for j in jobs if j.audience == "business"}
    expected = {f"business_{n}_{r}" for n in ("00", "01", "02", "03", "04", "05", "06", "07", "08", "09") for r in REGIONS}
    assert set(business) == expected
    for name, job in business.items():
        lesson_no, region = name.split("_")[1:]
        assert job.notebook.name.startswith(lesson_no) and job.parameters == {"region": region}
    assert raw.get("audience", "student") == "student"


# --------------------------------------------------------------------------------------
# a batch and its index
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audience-batch")
    path = lesson(folder)
    plain = lesson(folder, "plain.ipynb", audience_param=False)
    jobs = [Job(path, name="student_all")]
    jobs += [Job(path, {"region": r}, name=f"business_{r}", audience="business") for r in ("North", "West")]
    jobs.append(Job(plain, name="business_plain", audience="business"))
    return run_batch(jobs, workers=2, output_dir=folder / "out", progress=False)


def test_a_batch_renders_each_audience_and_marks_a_refused_business_job_invalid(batch):
    status = {r.name: (r.status, r.audience) for r in batch.results}
    assert status == {"student_all": ("ok", "student"), "business_North": ("ok", "business"),
                      "business_West": ("ok", "business"), "business_plain": ("invalid", "business")}
    plain = batch.results[3]
    assert "plain.ipynb cannot be rendered for audience 'business'" in plain.message
    assert not batch.ok
    west = next(r for r in batch.results if r.name == "business_West").html_path.read_text(encoding="utf-8")
    assert "TEACHING OUTPUT" not in west and "SUMMARY for West, audience business" in west
    assert 'href="index.html"' in west
    assert list(batch.to_frame()["audience"]) == ["student", "business", "business", "business"]


def test_the_index_groups_business_pages_by_lesson_with_titles_questions_and_business_headlines(batch):
    page = batch.index_path.read_text(encoding="utf-8")
    business, lessons = page.index('<section id="business">'), page.index('<section id="lessons">')
    assert business < lessons, "the business section comes first"
    part, rest = page[business:lessons], page[lessons:]
    assert "For business readers" in part and f"<h3>{TITLE}</h3>" in part
    assert f'<p class="question">{QUESTION}</p>' in part
    # a row per region, linked by its scope; headlines without the teaching ones
    assert part.count('<tr class="row-') == 3
    assert '<a href="business_North.html">audience business, region North</a>' not in part
    assert '<a href="business_North.html">region North</a>' in part
    row = re.search(r'<tr class="row-ok" id="report-business_North">.*?</tr>', part).group()
    assert "Revenue in scope: <strong>250.00</strong>" in row and "Customers in scope" in row
    assert "Relative error vs truth" not in row
    # the lessons section: title linked, the question, every headline (teaching ones too)
    row = re.search(r'<tr class="row-ok" id="report-student_all">.*?</tr>', rest).group()
    assert f'<a href="student_all.html">{TITLE}</a>' in row and QUESTION in row
    assert "Relative error vs truth: <strong>2%</strong>" in row
    assert "AUC of the teaching model" in row
    # readable without scripts, fonts that render Chinese
    assert "Noto Sans CJK" in page and "<table>" in page
    assert "1 invalid" in page


def test_each_notebook_is_read_once_per_batch_for_specs_title_and_question(tmp_path, monkeypatch):
    import crmlib.reports._parameters as parameters
    from crmlib.reports._batch import _plan_jobs

    path = lesson(tmp_path)
    reads = []
    original = parameters._read_notebook
    monkeypatch.setattr(parameters, "_read_notebook", lambda nb: reads.append(nb) or original(nb))
    _parse_notebook_file.cache_clear()
    jobs = [Job(path, {"region": r}, name=r, audience="business") for r in REGIONS]
    results, plans = _plan_jobs(jobs, tmp_path / "out", None, None)
    assert len(plans) == 5 and all(p.audience == "business" and p.no_code for p in plans)
    assert _notebook_summary(path) == (TITLE, QUESTION)
    assert len(reads) == 1
