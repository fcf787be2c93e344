"""The rendered reports, opened as a reader opens them: in a real (headless) browser.

`make reports` output is rendered once into a temporary folder (the jobs of
``reports/jobs.yml``), then ``index.html`` and every report are opened in headless Chromium:
every link resolves, each report has a real title, links back to the index and shows the
headline numbers the index lists for it, no page shows an error or warning output, and no
page raises a JavaScript error or fails to load a resource (a business reader may be
offline).  Full-page screenshots are written to ``tests/_artifacts/browser/`` (git-ignored;
``CRMLIB_ARTIFACTS`` moves them).

Needs Chromium: ``apt-get install chromium`` (``.ci/run`` installs it when missing).  Without
it this test alone is skipped, with the reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from _cdp import Browser, find_chromium

ROOT = Path(__file__).resolve().parents[1]
JOBS = ROOT / "reports" / "jobs.yml"
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


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    """The reports of reports/jobs.yml, rendered once into a fresh folder."""
    out = tmp_path_factory.mktemp("reports")
    done = subprocess.run(
        [sys.executable, "-m", "crmlib.cli", "report", "batch", str(JOBS), "--output-dir", str(out),
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
    """Per report row of the index: the report link and the headline values it shows."""
    return browser.evaluate("""
        Array.from(document.querySelectorAll('tbody tr')).map(tr => ({
            id: tr.id,
            status: (tr.querySelector('.status') || {}).textContent || '',
            report: (tr.querySelector('a[href$=".html"]') || {}).href || null,
            headlines: Array.from(tr.querySelectorAll('li strong')).map(s => s.textContent.trim()),
        }))
    """)


def test_index_and_every_report_open_cleanly_in_a_browser(rendered, browser):
    index = rendered / "index.html"
    browser.open(index.as_uri())
    assert browser.evaluate("document.title").strip(), "the index has no <title>"
    browser.screenshot(ARTIFACTS / "index.png")
    assert browser.errors() == [], "the index raised JavaScript or loading errors"

    links = browser.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    broken = [h for h in links if _local(h) is not None and not _local(h).exists()]
    assert not broken, f"index links to missing files: {broken}"

    rows = _index_rows(browser)
    reports = [r for r in rows if r["report"]]
    expected = len(list(rendered.glob("*.html"))) - 1  # every rendered page but the index
    assert len(reports) == expected > 0, f"the index lists {len(reports)} of {expected} reports"

    problems = []
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
        if browser.errors():
            problems.append(f"{page.name}: browser errors {browser.errors()[:3]}")
    assert not problems, "\n".join(problems)
