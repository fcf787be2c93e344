"""The batch index page: one table row per report, with relative links.

The page has two parts: "For business readers" (the business reports, one table per lesson
with a row per scope, e.g. per region, under the lesson's title and business question), then
"Lessons" (the student reports, a row per report with its title and question). Each row
shows the status, parameters, headline numbers (those marked ``teaching=True`` only for
student reports), the message and links to the files that exist. The page is complete
without scripts; a small script only makes the column headers sort.
"""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path
from typing import TYPE_CHECKING

from crmlib.reports._run import _STATUSES, ReportResult, _display_path, status_line

if TYPE_CHECKING:  # pragma: no cover - typing only
    pass

_INDEX_NAME = "index.html"

_INDEX_CSS = """
body { font-family: __FONTS__; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.25rem; border-bottom: 2px solid #ddd; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 0.2rem; }
p.question { margin: 0 0 0.5rem; color: #333; font-style: italic; }
p.note { color: #555; margin: 0.25rem 0; }
span.name { color: #777; font-size: 0.8rem; }
p.summary { color: #555; margin-top: 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.45rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f4f4f4; position: sticky; top: 0; }
th[data-sort] { cursor: pointer; }
td.num { text-align: right; white-space: nowrap; }
td.message { white-space: pre-line; max-width: 36rem; }
.status { font-weight: 600; padding: 0.1rem 0.45rem; border-radius: 0.3rem; }
.status-ok { background: #e3f4e6; color: #1b5e20; }
.status-failed { background: #fde2e1; color: #a4141b; }
.status-invalid { background: #fff1cc; color: #7a5200; }
.status-interrupted { background: #e8e8f0; color: #3a3a5a; }
.status-privacy { background: #f3d6f5; color: #6a1070; }
tr.row-failed td, tr.row-invalid td, tr.row-interrupted td, tr.row-privacy td { background: #fffafa; }
ul.plain { list-style: none; margin: 0; padding: 0; }
code { font-size: 0.85rem; }
"""

# Progressive enhancement only: the table is complete and readable without scripts.
_INDEX_JS = """
document.querySelectorAll("th[data-sort]").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.from(body.rows);
    var asc = th.dataset.dir !== "asc";
    th.dataset.dir = asc ? "asc" : "desc";
    var key = function (row) { return row.cells[col].dataset.value || row.cells[col].textContent; };
    rows.sort(function (a, b) {
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def _link(target: Path, folder: Path) -> str:
    from urllib.parse import quote

    try:
        relative = os.path.relpath(Path(target).resolve(), folder.resolve())
    except ValueError:  # pragma: no cover - different drives on Windows
        relative = Path(target).name
    return quote(Path(relative).as_posix())


def _existing(path: Path | None) -> Path | None:
    """The path if the file is on disk now: the page never links a missing file."""
    return path if path is not None and Path(path).is_file() else None


def _shown_headlines(r: ReportResult) -> list[tuple[str, str]]:
    """(name, text) of the headlines the index shows: the business ones always, those marked
    ``teaching=True`` only for a student report."""
    return [
        (k, r.headlines_text.get(k, str(v)))
        for k, v in r.headlines.items()
        if r.audience != "business" or k not in r.teaching_headlines
    ]


def _scope(r: ReportResult) -> str:
    """What a business row is about, e.g. ``region North``; ``all data`` for the defaults."""
    shown = {k: v for k, v in r.parameters.items() if k != "audience"}
    return ", ".join(f"{k} {v}" for k, v in shown.items()) or "all data"


def _cells(r: ReportResult, folder: Path, first: str) -> str:
    """The cells of a row after the first: status, parameters, duration, headlines, message, files."""
    esc = html.escape
    html_path, ipynb_path = _existing(r.html_path), _existing(r.ipynb_path)
    files = []
    if html_path is not None:
        files.append(f'<a href="{esc(_link(html_path, folder))}">HTML</a>')
    if ipynb_path is not None:
        files.append(f'<a href="{esc(_link(ipynb_path, folder))}">ipynb</a>')
    params = (
        '<ul class="plain">'
        + "".join(f"<li><code>{esc(k)}</code> = {esc(repr(v))}</li>" for k, v in r.parameters.items())
        + "</ul>"
        if r.parameters
        else "<em>defaults</em>"
    )
    shown = _shown_headlines(r)
    heads = (
        '<ul class="plain">'
        + "".join(f"<li>{esc(k)}: <strong>{esc(text)}</strong></li>" for k, text in shown)
        + "</ul>"
        if shown
        else ""
    )
    duration = "" if r.status == "invalid" else f"{r.duration_s:.1f} s"
    message = "\n".join(part for part in (r.message, r.privacy_note) if part)
    return (
        f'<tr class="row-{esc(r.status)}" id="report-{esc(r.name)}">'
        f"<td>{first}</td>"
        f'<td data-value="{_STATUSES.index(r.status) if r.status in _STATUSES else 9}">'
        f'<span class="status status-{esc(r.status)}">{esc(r.status)}</span></td>'
        f"<td>{heads}</td>"
        f"<td>{params}</td>"
        f'<td class="num" data-value="{r.duration_s:.3f}">{duration}</td>'
        f'<td class="message">{esc(message)}</td>'
        f"<td>{' · '.join(files)}</td>"
        "</tr>"
    )


def _linked(text: str, r: ReportResult, folder: Path) -> str:
    esc = html.escape
    html_path = _existing(r.html_path)
    if html_path is None:
        return esc(text)
    return f'<a href="{esc(_link(html_path, folder))}">{esc(text)}</a>'


def _index_row(r: ReportResult, folder: Path) -> str:
    """A row of the lessons table: the title (linked), the question, the notebook, the rest."""
    esc = html.escape
    title = r.title or r.name
    first = (
        f"{_linked(title, r, folder)}<br><span class=\"name\">{esc(r.name)} · "
        f"<code>{esc(_display_path(r.notebook))}</code></span>"
    )
    if r.question:
        first += f'<p class="question">{esc(r.question)}</p>'
    return _cells(r, folder, first)


def _business_row(r: ReportResult, folder: Path) -> str:
    """A row of a lesson's business table: the scope (linked), then the rest."""
    esc = html.escape
    first = f"{_linked(_scope(r), r, folder)}<br><span class=\"name\">{esc(r.name)}</span>"
    return _cells(r, folder, first)


def _table(first: str, rows: list[str]) -> str:
    esc = html.escape
    header = "".join(
        f'<th data-sort="{i}">{esc(h)}</th>'
        for i, h in enumerate([first, "Status", "Headlines", "Parameters", "Duration", "Message", "Files"])
    )
    return (
        f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
    )


def _business_section(results: list[ReportResult], folder: Path) -> str:
    """Per lesson (in the order of the batch): its title, question and a row per scope."""
    esc = html.escape
    lessons: dict[str, list[ReportResult]] = {}
    for r in results:
        lessons.setdefault(_display_path(r.notebook), []).append(r)
    parts = ['<section id="business">\n<h2>For business readers</h2>\n'
             '<p class="note">The results of each lesson for one scope (e.g. one region): '
             "no code, no teaching material.</p>\n"]
    for notebook, group in lessons.items():
        head = group[0]
        parts.append(f"<h3>{esc(head.title or notebook)}</h3>\n")
        if head.question:
            parts.append(f'<p class="question">{esc(head.question)}</p>\n')
        parts.append(_table("Scope", [_business_row(r, folder) for r in group]))
    parts.append("</section>\n")
    return "".join(parts)


def _lessons_section(results: list[ReportResult], folder: Path) -> str:
    rows = [_index_row(r, folder) for r in results]
    return (
        '<section id="lessons">\n<h2>Lessons</h2>\n'
        '<p class="note">The whole lessons, with code, checks and exercises, for students.</p>\n'
        + _table("Report", rows)
        + "</section>\n"
    )


def _index_html(
    results: tuple[ReportResult, ...], folder: Path, duration_s: float, *, pending: int = 0
) -> str:
    """The page; ``pending`` > 0 marks a batch still running (those reports are not listed yet)."""
    from crmlib.glossary import FONT_STACK

    esc = html.escape
    progress = (
        f" — batch in progress, {pending} more report{'s' if pending != 1 else ''} to come"
        f" — running for {duration_s:.1f} s — updated "
        if pending
        else f" — batch time {duration_s:.1f} s — generated "
    )
    summary = (
        status_line(results)
        + progress
        + dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    )
    business = [r for r in results if r.audience == "business"]
    lessons = [r for r in results if r.audience != "business"]
    sections = (_business_section(business, folder) if business else "") + (
        _lessons_section(lessons, folder) if lessons else ""
    )
    css = _INDEX_CSS.replace("__FONTS__", FONT_STACK)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Reports</title>\n<style>{css}</style>\n</head>\n<body>\n"
        f"<h1>Reports</h1>\n<p class=\"summary\">{esc(summary)}</p>\n"
        + sections
        + f"<script>{_INDEX_JS}</script>\n</body>\n</html>\n"
    )


def _write_index(
    results: tuple[ReportResult, ...], folder: Path, duration_s: float, *, pending: int = 0
) -> Path:
    """Write ``<folder>/index.html`` atomically (a temporary file, then a rename).

    A reader, or a batch killed in the middle of a write, never sees half a page.
    """
    target = folder / _INDEX_NAME
    temporary = folder / f".{_INDEX_NAME}.{os.getpid()}.tmp"
    temporary.write_text(_index_html(results, folder, duration_s, pending=pending), encoding="utf-8")
    os.replace(temporary, target)
    return target
