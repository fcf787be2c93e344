"""The rendered reports, opened as a reader opens them: in a real (headless) browser.

A subset of `make reports` is rendered once into a temporary folder, from its own jobs file
built from ``reports/jobs.yml`` (to keep the runtime reasonable): the whole student set, the
business pages of one region (:data:`REGION`) for the lessons in :data:`BUSINESS_LESSONS`,
and one small synthetic business lesson written in the temporary folder (so that business
rendering is checked in a browser even before the real lessons have an ``audience``
parameter). Then ``index.html`` and every report are opened in headless Chromium:
every link resolves, each report has a real title, links back to the index and shows the
headline numbers the index lists for it, no page shows an error or warning output, and no
page raises a JavaScript error or fails to load a resource (a business reader may be
offline). Business pages also show their title, no code input and no element of a teaching
cell (no "Exercise" heading, no learning goals); the index lists each report's title and
business question.  Full-page screenshots are written to ``tests/_artifacts/browser/`` (git-ignored;
``CRMLIB_ARTIFACTS`` moves them).

Needs Chromium: ``apt-get install chromium`` (``.ci/run`` installs it when missing).  Without
it this test alone is skipped, with the reason.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
import pytest
import yaml

from _cdp import Browser, find_chromium

ROOT = Path(__file__).resolve().parents[1]
JOBS = ROOT / "reports" / "jobs.yml"
#: The lessons whose business pages (jobs named ``business_NN_{region}``) are rendered here.
#: Lessons 00, 02 and 03 gain their ``audience`` parameter on other branches; once they have
#: it, this is ``("00", "02", "03")``.
BUSINESS_LESSONS: tuple[str, ...] = ("00", "01", "02", "03", "04", "05", "06", "07", "08", "09")
#: The one region whose business pages are rendered.
REGION = "North"
#: Pages with formulas load MathJax from its CDN (nbconvert's template); on a machine without
#: internet (CI) that one request fails and the TeX shows as written. That failure, and only
#: that one, is not a page error.
_MATHJAX_CDN = re.compile(r"^network: .*ERR_(NAME_NOT_RESOLVED|INTERNET_DISCONNECTED|CONNECTION_REFUSED)"
                          r".* https://cdnjs\.cloudflare\.com/ajax/libs/mathjax/")


def _page_errors(browser: Browser) -> list[str]:
    """The browser's errors on the open page, but for an unreachable MathJax CDN."""
    return [e for e in browser.errors() if not _MATHJAX_CDN.match(e)]


ARTIFACTS = Path(os.environ.get("CRMLIB_ARTIFACTS", ROOT / "tests" / "_artifacts")) / "browser"

pytestmark = [
    pytest.mark.notebooks,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="headless Chromium not found (apt-get install chromium, or set CRMLIB_CHROMIUM); "
               ".ci/run installs it",
    ),
]

# Every element of a rendered notebook that shows a stream on stderr or an error traceback.
_ERROR_OUTPUTS = (
    "[data-mime-type='application/vnd.jupyter.stderr'], .jp-OutputArea-output.jp-mod-error, "
    ".output_error, .output_stderr"
)


def _synthetic_lesson(folder: Path) -> Path:
    """A business lesson: teaching cells (goals, an exercise), a summary, headlines."""
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["crmlib"] = {"parameters": {"audience": {"choices": ["student", "business"]},
                                            "region": {"choices": ["all", "North", "East", "South", "Central", "West"]}}}
    nb.cells = [
        md("# Synthetic business lesson\n\n**Business question.** Which region comes first?"),
        md("**You will learn to** read this page.", metadata={"tags": ["teaching"]}),
        code('audience = "student"  # student or business\nregion = "all"', metadata={"tags": ["parameters"]}),
        code("from crmlib.reports import headline\nheadline('Customers in scope', 30 if region != 'all' else 120)"),
        md("## Exercise 1\nCount the customers.", metadata={"tags": ["teaching"]}),
        code("answer = None\nprint('the exercise cell')", metadata={"tags": ["teaching"]}),
        md("## Summary", metadata={"tags": ["summary"]}),
        code("headline('Revenue in scope', 250.0)\nheadline('Error vs truth', 0.02, teaching=True)",
             metadata={"tags": ["summary"]}),
    ]
    path = folder / "synthetic_business.ipynb"
    nbformat.write(nb, path)
    return path


def _subset_jobs(folder: Path) -> Path:
    """The jobs file of this test: reports/jobs.yml's student set, the business pages of
    :data:`REGION` for :data:`BUSINESS_LESSONS`, and the synthetic business lesson."""
    spec = yaml.safe_load(JOBS.read_text(encoding="utf-8"))
    jobs = []
    for job in spec["jobs"]:
        entry = {"notebook": job} if isinstance(job, str) else dict(job)
        if entry.get("audience", spec.get("audience", "student")) != "business":
            jobs.append(entry)
            continue
        lesson = Path(entry["notebook"]).name[:2]
        if lesson in BUSINESS_LESSONS:
            entry["grid"] = {**entry.get("grid", {}), "region": [REGION]}
            jobs.append(entry)
    jobs.append({"notebook": str(_synthetic_lesson(folder)), "name": f"business_synthetic_{REGION}",
                 "parameters": {"region": REGION}, "audience": "business"})
    spec["jobs"] = jobs
    target = folder / "jobs.yml"
    target.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """The subset of reports/jobs.yml (see the module docstring), rendered once."""
    out = tmp_path_factory.mktemp("reports")
    jobs = _subset_jobs(tmp_path_factory.mktemp("jobs"))
    done = subprocess.run(
        [sys.executable, "-m", "crmlib.cli", "report", "batch", str(jobs), "--output-dir", str(out),
         "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    assert done.returncode == 0, f"the batch failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with Browser(find_chromium(), tmp_path_factory.mktemp("chromium-profile")) as b:
        yield b


def _local(href: str) -> Path | None:
    parsed = urlparse(href)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else None


def _index_rows(browser: Browser) -> list[dict]:
    """Per report row of the index: the report link, the headline values it shows, and the
    title and business question the index gives it (a business row's are those of its
    lesson's heading above the table; a lesson row's are in the row)."""
    return browser.evaluate("""
        Array.from(document.querySelectorAll('tbody tr')).map(tr => {
            const business = !!tr.closest('#business');
            let title = '', question = '';
            if (business) {
                let el = tr.closest('table').previousElementSibling;
                while (el && el.tagName !== 'H3') {
                    if (el.matches('p.question')) question = el.textContent.trim();
                    el = el.previousElementSibling;
                }
                title = el ? el.textContent.trim() : '';
            } else {
                title = ((tr.cells[0].querySelector('a') || tr.cells[0]).textContent || '').trim();
                question = (tr.querySelector('p.question') || {}).textContent || '';
            }
            return {
                id: tr.id,
                business: business,
                status: (tr.querySelector('.status') || {}).textContent || '',
                report: (tr.querySelector('a[href$=".html"]') || {}).href || null,
                headlines: Array.from(tr.querySelectorAll('li strong')).map(s => s.textContent.trim()),
                title: title,
                question: question.trim(),
            };
        })
    """)


def test_index_and_every_report_open_cleanly_in_a_browser(rendered, browser):
    index = rendered / "index.html"
    browser.open(index.as_uri())
    assert browser.evaluate("document.title").strip(), "the index has no <title>"
    browser.screenshot(ARTIFACTS / "index.png")
    assert _page_errors(browser) == [], "the index raised JavaScript or loading errors"

    links = browser.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    broken = [h for h in links if _local(h) is not None and not _local(h).exists()]
    assert not broken, f"index links to missing files: {broken}"

    rows = _index_rows(browser)
    reports = [r for r in rows if r["report"]]
    expected = len(list(rendered.glob("*.html"))) - 1  # every rendered page but the index
    assert len(reports) == expected > 0, f"the index lists {len(reports)} of {expected} reports"

    problems = []
    business_rows = [r for r in reports if r["business"]]
    assert len(business_rows) == 1 + len(BUSINESS_LESSONS), "business pages missing from the index"
    for row in rows:
        if not row["title"] or not row["question"]:
            problems.append(f"index row {row['id']}: no title ({row['title']!r}) or question ({row['question']!r})")
    for row in reports:
        page = _local(row["report"])
        browser.open(row["report"])
        browser.screenshot(ARTIFACTS / f"{page.stem}.png")
        title = browser.evaluate("document.title").strip()
        text = browser.evaluate("document.body.innerText")
        shown_errors = browser.evaluate(
            f"Array.from(document.querySelectorAll({_ERROR_OUTPUTS!r})).map(e => e.innerText.slice(0, 300))"
        )
        back = browser.evaluate(
            "Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"
            ".filter(h => h.endsWith('/index.html'))"
        )
        page_links = browser.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
        missing_targets = [h for h in page_links if _local(h) is not None and not _local(h).exists()]
        if not title or title == page.stem:
            problems.append(f"{page.name}: <title> is {title!r}, not the lesson's title")
        if not back:
            problems.append(f"{page.name}: no link back to index.html")
        if shown_errors:
            problems.append(f"{page.name}: shows error/warning output {shown_errors[:2]}")
        if missing_targets:
            problems.append(f"{page.name}: links to missing files {missing_targets}")
        absent = [h for h in row["headlines"] if h not in text]
        if absent:
            problems.append(f"{page.name}: headline numbers of the index not on the page: {absent}")
        if _page_errors(browser):
            problems.append(f"{page.name}: browser errors {_page_errors(browser)[:3]}")
        if row["business"]:
            problems += _business_page_problems(browser, page.name, row)
    assert not problems, "\n".join(problems)


def _business_page_problems(browser: Browser, name: str, row: dict) -> list[str]:
    """What a business page must not show, and what it must."""
    problems = []
    headings = browser.evaluate(
        "Array.from(document.querySelectorAll('h1, h2, h3, h4')).map(h => h.textContent.trim())"
    )
    if not any(h.startswith(row["title"]) for h in headings):
        problems.append(f"{name}: the lesson's title {row['title']!r} is not a heading of the page")
    teaching = [h for h in headings if re.search(r"\bExercises?\b|\bQuiz\b|learning goals", h, re.I)]
    if teaching:
        problems.append(f"{name}: teaching headings on a business page: {teaching}")
    code = browser.evaluate(
        "document.querySelectorAll('.jp-CodeMirrorEditor, .jp-InputPrompt, .input_area').length"
    )
    if code:
        problems.append(f"{name}: {code} code input element(s) on a business page")
    text = browser.evaluate("document.body.innerText")
    if "You will learn" in text:
        problems.append(f"{name}: the learning goals (a teaching cell) are on a business page")
    if not row["headlines"]:
        problems.append(f"{name}: the index shows no headline number for this business page")
    return problems
