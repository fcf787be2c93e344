"""The batch index page: one table row per report, with relative links."""

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
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
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
tr.row-failed td, tr.row-invalid td, tr.row-interrupted td { background: #fffafa; }
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


def _index_row(r: ReportResult, folder: Path) -> str:
    esc = html.escape
    html_path, ipynb_path = _existing(r.html_path), _existing(r.ipynb_path)
    files = []
    if html_path is not None:
        files.append(f'<a href="{esc(_link(html_path, folder))}">HTML</a>')
    if ipynb_path is not None:
        files.append(f'<a href="{esc(_link(ipynb_path, folder))}">ipynb</a>')
    title = (
        f'<a href="{esc(_link(html_path, folder))}">{esc(r.name)}</a>'
        if html_path is not None
        else esc(r.name)
    )
    params = (
        '<ul class="plain">'
        + "".join(f"<li><code>{esc(k)}</code> = {esc(repr(v))}</li>" for k, v in r.parameters.items())
        + "</ul>"
        if r.parameters
        else "<em>defaults</em>"
    )
    heads = (
        '<ul class="plain">'
        + "".join(
            f"<li>{esc(k)}: <strong>{esc(r.headlines_text.get(k, str(v)))}</strong></li>"
            for k, v in r.headlines.items()
        )
        + "</ul>"
        if r.headlines
        else ""
    )
    duration = "" if r.status == "invalid" else f"{r.duration_s:.1f} s"
    return (
        f'<tr class="row-{esc(r.status)}" id="report-{esc(r.name)}">'
        f"<td>{title}</td>"
        f'<td data-value="{_STATUSES.index(r.status) if r.status in _STATUSES else 9}">'
        f'<span class="status status-{esc(r.status)}">{esc(r.status)}</span></td>'
        f"<td><code>{esc(_display_path(r.notebook))}</code></td>"
        f"<td>{params}</td>"
        f'<td class="num" data-value="{r.duration_s:.3f}">{duration}</td>'
        f"<td>{heads}</td>"
        f'<td class="message">{esc(r.message)}</td>'
        f"<td>{' · '.join(files)}</td>"
        "</tr>"
    )


def _index_html(
    results: tuple[ReportResult, ...], folder: Path, duration_s: float, *, pending: int = 0
) -> str:
    """The page; ``pending`` > 0 marks a batch still running (those reports are not listed yet)."""
    esc = html.escape
    rows = [_index_row(r, folder) for r in results]
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
    header = "".join(
        f'<th data-sort="{i}">{esc(h)}</th>'
        for i, h in enumerate(
            ["Report", "Status", "Notebook", "Parameters", "Duration", "Headlines", "Message", "Files"]
        )
    )
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>Reports</title>\n<style>{_INDEX_CSS}</style>\n</head>\n<body>\n"
        f"<h1>Reports</h1>\n<p class=\"summary\">{esc(summary)}</p>\n"
        f"<table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n"
        + "\n".join(rows)
        + f"\n</tbody>\n</table>\n<script>{_INDEX_JS}</script>\n</body>\n</html>\n"
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
