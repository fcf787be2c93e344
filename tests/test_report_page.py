"""Rendered report pages: real title, a way back to the index, no markers, no needless CDN."""

from __future__ import annotations

import nbformat
import pytest
from nbconvert import HTMLExporter

from crmlib.reports._page import finish_html, needs_math, prepare_notebook, report_title


def _notebook(markdown: str = "# 07 · Customer satisfaction\nWhy it matters.") -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(markdown),
        nbformat.v4.new_code_cell("# NBVAL_CHECK_OUTPUT\nprint(1)\n  # NBVAL_IGNORE_OUTPUT\nx = 2",
                                  outputs=[nbformat.v4.new_output("stream", text="1\n")]),
    ]
    return nb


@pytest.fixture(scope="module")
def exported() -> str:
    nb = prepare_notebook(_notebook())
    return HTMLExporter(template_name="lab").from_notebook_node(nb)[0]


def test_page_gets_the_lesson_title_and_a_link_back(exported):
    page = finish_html(exported, title=report_title(_notebook(), parameters={"region": "West"}))
    assert "<title>07 · Customer satisfaction — region West</title>" in page
    assert '<a href="index.html">' in page
    assert page.index("<nav class=\"crmlib-nav\"") > page.index("<body")


def test_markers_are_gone_from_the_rendered_code(exported):
    assert "NBVAL" not in exported
    assert "print" in exported


def test_cdn_scripts_are_dropped_unless_the_page_shows_math(exported):
    page = finish_html(exported, title="t")
    assert "require.min.js" not in page and "mathjax" not in page.lower()
    kept = finish_html(exported, title="t", math=True)
    assert "mathjax" in kept.lower() and "require.min.js" not in kept


@pytest.mark.parametrize(("text", "math"), [
    ("Prices ¥12 and ¥15, 5$ off", False), ("$x$ is a rate", True), ("$$a = b$$", True),
    (r"\(\alpha\)", True), ("Costs $5 and $6 today", True),
])
def test_math_detection(text, math):
    assert needs_math(_notebook(text)) is math


def test_footer_goes_before_the_end_of_the_body(exported):
    page = finish_html(exported, title="t", footer_html="<p>Glossary</p>")
    assert page.index("Glossary") < page.rindex("</body>")
