"""The finishing of a rendered report page: its title, its way back, nothing it cannot load.

nbconvert's HTML is written for a reader online at a notebook server: the ``<title>`` is the
file stem, the page loads require.js and MathJax from a CDN (which an offline reader's
browser reports as errors, and which no lesson needs unless it writes math), and the code
shows the ``# NBVAL_CHECK_OUTPUT`` markers that only the test runner reads.  The functions
here fix that: :func:`prepare_notebook` before the export, :func:`finish_html` after it.
"""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["AUDIENCES", "for_audience", "finish_html", "needs_math", "prepare_notebook", "report_title"]

#: The readers a report is rendered for: the lesson for a student, or the results for a business
#: reader (code hidden, cells tagged ``teaching`` left out, the ``summary`` cells first).
AUDIENCES = ("student", "business")

#: Comment lines that steer nbval and mean nothing to a reader.
_MARKER = re.compile(r"^[ \t]*#[ \t]*NBVAL_[A-Z_]+[ \t]*\n?", re.MULTILINE)
#: TeX in markdown or outputs: $...$, $$...$$, \(...\), \[...\], \begin{...}.
_MATH = re.compile(r"\$\$|\$[^$\s][^$\n]*\$|\\\(|\\\[|\\begin\{")
_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_INLINE_MARKUP = re.compile(r"[*_`]+|\[([^\]]*)\]\([^)]*\)")

_REQUIRE = re.compile(r"<script[^>]*src=\"[^\"]*require(?:\.min)?\.js\"[^>]*>\s*</script>\s*")
_MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.DOTALL
)
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)
_BODY_OPEN = re.compile(r"<body[^>]*>")

_NAV_CSS = (
    "nav.crmlib-nav{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;font-size:.9rem;"
    "padding:.5rem 1rem;border-bottom:1px solid #ddd;background:#fafafa}"
    "nav.crmlib-nav a{color:#1565c0;text-decoration:none}"
    "footer.crmlib-footer{margin:2rem 1rem 1rem;padding-top:.5rem;border-top:1px solid #ddd}"
)


def report_title(nb: Any, *, parameters: Mapping[str, Any] | None = None, fallback: str = "") -> str:
    """The page title: the notebook's first ``# heading``, then the non-default parameters.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_markdown_cell("# 02 · Customer *segmentation*\\nText")]
    >>> report_title(nb, parameters={"region": "North"})
    '02 · Customer segmentation — region North'
    """
    heading = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            found = _HEADING.search(cell.source)
            if found:
                heading = _INLINE_MARKUP.sub(lambda m: m.group(1) or "", found.group(1)).strip()
                break
    title = heading or fallback
    scope = ", ".join(f"{k} {v}" for k, v in (parameters or {}).items())
    return f"{title} — {scope}" if scope and title else (title or scope)


def prepare_notebook(nb: Any) -> Any:
    """A copy of an executed notebook ready to export: test markers removed from the code.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\\nx = 1")]
    >>> prepare_notebook(nb).cells[0].source
    'x = 1'
    """
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if cell.cell_type == "code" and "NBVAL_" in cell.source:
            cell.source = _MARKER.sub("", cell.source)
    return out


def _tags(cell: Any) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []) or [])


def for_audience(nb: Any, audience: str) -> Any:
    """The cells a reader of ``audience`` sees, in the order they see them (a copy).

    ``"student"``: every cell, as executed. ``"business"``: cells tagged ``teaching`` are left
    out, and so are code cells without outputs (with the code hidden they would show only an
    empty gap); the cells tagged ``summary`` are moved, in their order, right after the first
    (title) cell. The notebook itself is always executed whole; this only chooses what the
    page shows.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_markdown_cell("# Title"),
    ...             nbformat.v4.new_markdown_cell("Goals", metadata={"tags": ["teaching"]}),
    ...             nbformat.v4.new_code_cell("data = 1"),
    ...             nbformat.v4.new_code_cell("import pandas"),
    ...             nbformat.v4.new_markdown_cell("## Summary", metadata={"tags": ["summary"]})]
    >>> nb.cells[2].outputs = [nbformat.v4.new_output("stream", text="1")]
    >>> [c.source for c in for_audience(nb, "business").cells]
    ['# Title', '## Summary', 'data = 1']
    >>> len(for_audience(nb, "student").cells)
    5
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {list(AUDIENCES)}; got {audience!r}")
    out = copy.deepcopy(nb)
    if audience == "student":
        return out
    shown = [
        cell for cell in out.cells
        if "teaching" not in _tags(cell) and (cell.cell_type != "code" or cell.get("outputs"))
    ]
    if not shown:
        out.cells = []
        return out
    head, rest = shown[:1], shown[1:]
    summary = [cell for cell in rest if "summary" in _tags(cell)]
    out.cells = head + summary + [cell for cell in rest if "summary" not in _tags(cell)]
    return out


def needs_math(nb: Any) -> bool:
    """Whether a notebook shows TeX anywhere (markdown, or LaTeX/markdown outputs).

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_markdown_cell("Costs ¥12 and ¥15.")]
    >>> needs_math(nb)
    False
    >>> nb.cells.append(nbformat.v4.new_markdown_cell("The rate $\\\\lambda$ ..."))
    >>> needs_math(nb)
    True
    """
    for cell in nb.cells:
        if cell.cell_type == "markdown" and _MATH.search(cell.source):
            return True
        for output in cell.get("outputs", ()):
            data = output.get("data", {})
            if "text/latex" in data:
                return True
            if _MATH.search(str(data.get("text/markdown", ""))):
                return True
    return False


def finish_html(
    body: str, *, title: str, index_href: str | None = "index.html", math: bool = False,
    footer_html: str = "",
) -> str:
    """Finish an exported page: real ``<title>``, a link back to the index, no CDN scripts
    it does not need (require.js never; MathJax only with ``math=True``), and a footer.

    >>> page = ('<html><head><title>x</title><script src="https://cdn/require.min.js"></script>'
    ...         '</head><body class="jp-Notebook"><p>hi</p></body></html>')
    >>> out = finish_html(page, title="03 · Value <& retention>")
    >>> "<title>03 · Value &lt;&amp; retention&gt;</title>" in out, "require" in out
    (True, False)
    >>> 'href="index.html"' in out
    True
    """
    body = _TITLE.sub(lambda _: f"<title>{html.escape(title)}</title>", body, count=1)
    body = _REQUIRE.sub("", body)
    if not math:
        body = _MATHJAX.sub("", body)
    nav = ""
    if index_href is not None:
        nav = (f'<nav class="crmlib-nav"><a href="{html.escape(index_href, quote=True)}">'
               f"&larr; All reports</a></nav>")
    style = f"<style>{_NAV_CSS}</style>"
    body = body.replace("</head>", style + "</head>", 1)
    match = _BODY_OPEN.search(body)
    if match and nav:
        body = body[: match.end()] + nav + body[match.end():]
    if footer_html:
        footer = f'<footer class="crmlib-footer">{footer_html}</footer>'
        cut = body.rfind("</body>")
        body = body[:cut] + footer + body[cut:] if cut >= 0 else body + footer
    return body
