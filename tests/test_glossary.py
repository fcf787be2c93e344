"""crmlib.glossary: one table of terms, true to the lessons that name them."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nbformat
import pandas as pd
import pytest

from conftest import ROOT
from crmlib.exceptions import ParameterError
from crmlib.glossary import (
    FONT_STACK,
    LESSONS,
    TERMS,
    Term,
    glossary_html,
    glossary_markdown,
    terms,
)

NOTEBOOKS = {p.name[:2]: p for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))}


def _lesson_text(lesson: str) -> str:
    """The markdown and code of a lesson (not its outputs: a term must be taught, not printed)."""
    nb = nbformat.read(NOTEBOOKS[lesson], as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type in ("markdown", "code"))


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_term_appears_in_the_lessons_it_names(lesson):
    if lesson not in NOTEBOOKS:
        pytest.skip(f"lesson {lesson} is not written yet: its terms follow CURRICULUM.md")
    text = _lesson_text(lesson)
    absent = [t.term for t in TERMS if lesson in t.lessons and not t.appears_in(text)]
    assert not absent, f"{NOTEBOOKS[lesson].name} does not use {absent}: fix the glossary entry"


def test_the_business_terms_of_the_curriculum_are_all_there():
    curriculum = (ROOT.parent / "shared" / "CURRICULUM.md")
    if not curriculum.is_file():
        pytest.skip(f"{curriculum} is not beside the repository")
    table = curriculum.read_text(encoding="utf-8").split("| lesson |", 1)[1]
    chinese = {t.chinese for t in TERMS} | {t.simplified for t in TERMS}
    wanted = set()
    for bracket in re.findall(r"（([^）]+)）|\(([^)]*[\u4e00-\u9fff][^)]*)\)", table):
        for group in bracket:
            for part in re.split(r"[,，、]\s*", group):
                if re.search(r"[\u4e00-\u9fff]", part):
                    wanted.add(part.strip())
    # a curriculum entry such as 宏觀/行業/地域環境 is three glossary terms
    expanded = set()
    for w in wanted:
        if "/" in w:
            *heads, last = w.split("/")
            tail = last[-2:]
            expanded |= {h + tail for h in heads} | {last}
        else:
            expanded.add(w)
    glossary_text = " ".join(chinese)
    # ... and 品牌定位與核心優勢 may be two entries, 品牌定位 and 核心優勢
    missing = sorted(
        w for w in expanded
        if w not in glossary_text
        and not all(part in glossary_text for part in w.split("與"))
    )
    assert not missing, f"curriculum terms without a glossary entry: {missing}"


def test_terms_are_unique_and_complete():
    names = [t.term.casefold() for t in TERMS]
    assert len(names) == len(set(names)), "duplicate English terms"
    chinese = [t.chinese for t in TERMS if t.chinese]
    assert len(chinese) == len(set(chinese)), "two entries share a Chinese term"
    for t in TERMS:
        assert isinstance(t, Term) and t.term and t.definition.endswith("."), t
        assert t.lessons and set(t.lessons) <= set(LESSONS), t.term
        assert list(t.lessons) == sorted(set(t.lessons)), t.term
        assert not re.search(r"[.!?] [A-Z]", t.definition), f"{t.term}: one sentence only"
        assert not t.simplified or t.simplified != t.chinese, t.term


@pytest.mark.parametrize("term", ["AUC", "ARI", "silhouette", "BIC", "Gini", "CLV", "BG/NBD",
                                  "Gamma-Gamma", "P(alive)", "RFM", "ABC", "cohort", "retention",
                                  "churn", "uplift", "lift", "HHI", "CAGR", "elasticity", "NPS",
                                  "Cronbach", "support", "confidence"])
def test_the_method_terms_are_there(term):
    assert any(term.casefold() in " ".join(t.forms).casefold() for t in TERMS)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_has_a_few_terms(lesson):
    table = terms(lesson)
    assert len(table) >= 4
    assert table["lessons"].str.contains(lesson).all()


def test_terms_frame():
    table = terms()
    assert list(table.columns) == ["term", "chinese", "simplified", "definition", "lessons"]
    assert len(table) == len(TERMS)
    assert table["term"].str.casefold().is_monotonic_increasing
    row = table.set_index("term").loc["customer lifetime value (CLV)"]
    assert (row.chinese, row.simplified, row.lessons) == ("顧客終身價值", "顾客终身价值", "03")
    pd.testing.assert_frame_equal(terms(3), terms("03"))


def test_appears_in_variants():
    by = {t.term: t for t in TERMS}
    assert by["RFM (recency, frequency, monetary value)"].appears_in("seg.rfm_scores(tx)")
    assert by["Gamma-Gamma model"].appears_in("a gamma gamma fit")
    assert by["cohort"].appears_in("COHORTS")
    assert by["retention rate"].appears_in("看留存率")
    assert by["Cramér's V"].appears_in("Cramer's V of the table")
    assert not by["lift"].appears_in("shoplifting and liftoff")
    assert not by["area under the ROC curve (AUC)"].appears_in("AUCTION")


def test_markdown_is_a_table_with_escaped_cells():
    text = glossary_markdown("02")
    lines = text.splitlines()
    assert lines[0] == "| term | 中文 (简体) | meaning |" and lines[1] == "|---|---|---|"
    assert len(lines) == 2 + len(terms("02"))
    assert all(line.count(" | ") == 2 for line in lines[2:])  # no stray pipe inside a cell
    assert "| market segmentation | 市場細分 (市场细分) |" in text
    everything = glossary_markdown(None)
    assert everything.splitlines()[0].endswith("| lessons |")
    assert len(everything.splitlines()) == 2 + len(TERMS)


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.tags, self._open = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "td":
            self._open, self.cells = True, self.cells + [""]

    def handle_endtag(self, tag):
        if tag == "td":
            self._open = False

    def handle_data(self, data):
        if self._open:
            self.cells[-1] += data


def test_html_declares_cjk_fonts_and_escapes_everything():
    page = glossary_html("07", heading="Terms <& more>")
    for font in ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
                 "sans-serif"):
        assert font in FONT_STACK
    assert f'style="font-family: {html.escape(FONT_STACK, quote=True)};"' in page
    assert "<h2>Terms &lt;&amp; more&gt;</h2>" in page
    assert 'lang="zh-Hant"' in page and 'lang="zh-Hans"' in page
    parser = _Cells()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert tags <= {"section", "h2", "table", "caption", "thead", "tbody", "tr", "th", "td", "span"}
    assert "Cronbach's alpha" in parser.cells  # the apostrophe survives the round trip
    assert "Cronbach&#x27;s alpha" in page


def test_html_escapes_a_hostile_entry(monkeypatch):
    import crmlib.glossary as g

    hostile = Term("<script>alert(1)</script>", "<b>中</b>", "", "A & B < C.", ("05",))
    monkeypatch.setattr(g, "TERMS", g.TERMS + (hostile,))
    page = g.glossary_html("05")
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "A &amp; B &lt; C." in page
    assert "\\|" not in g.glossary_markdown("05")
    piped = Term("a | b", "", "", "x | y.", ("05",))
    monkeypatch.setattr(g, "TERMS", g.TERMS + (piped,))
    assert "| a \\| b | — | x \\| y. |" in g.glossary_markdown("05")


@pytest.mark.parametrize("bad", ["3", "10", 10, -1, True, 3.0, "lesson 03"])
def test_bad_lesson_is_refused(bad):
    with pytest.raises(ParameterError, match=r"The 'lesson' parameter of terms must be one of "
                                             r"\['00', '01'.*e\.g\. lesson='03'"):
        terms(bad)


def test_glossary_functions_need_a_lesson_argument_and_a_str_heading():
    with pytest.raises(TypeError):
        glossary_markdown()  # type: ignore[call-arg]
    with pytest.raises(ParameterError, match="'heading' parameter of glossary_html must be a str"):
        glossary_html("03", heading=3)
