"""Numbers in a lesson's prose come from code (../shared/LESSON.md, "Cells and tags").

A number typed into a markdown cell goes stale the moment the data, a parameter or the
generator changes ("3,000 customers", "36% too many").  Numbers that describe the data are
printed by code (an output, a headline, an f-string through ``display(Markdown(...))``).

This test reads every markdown cell of every lesson and fails on a number that is not one of:

- a year (1900-2099), an ordinal ("95th percentile"), a lesson's duration ("About 15 minutes"), an ISO date (a parameter's default or a documented data boundary), a
  lesson number (``00``-``09``), an exercise id (``03.2``) or a section number in a heading;
- a small whole number (at most 12: "four segments", "five levels", "12 months" are design
  words of the lesson, not measurements);
- in the References section (volumes, pages and editions of citations);
- inside ``code`` spans, fenced code, ``$math$`` or a link target;
- a design constant of :data:`COMMON` (a day window, weeks per year, a coin-toss AUC);
- listed below for that lesson with its source: published figures of a cited paper or
  book, and the fixed design constants of the generator that the lesson explains
  (documented in ``data/README.md``).

A new typed number therefore needs a deliberate entry here, with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

#: Design constants any lesson may type: they define a method or a window, not a measurement.
COMMON: dict[str, str] = {
    "52": "weeks per year (CLV discounting; the truth's 52-week expected-value horizon)",
    "90": "a day window of a feature or rule (set in code or as a parameter)",
    "180": "the activity rule's window in days (a parameter)",
    "365": "days per year, a day window of a feature or rule",
    "0.5": "the AUC of a coin toss; a probability cut-off",
    "10%": "a decile: the top tenth, a method constant",
    "95%": "the confidence level of an interval",
}

#: Per lesson: number as written -> why it may be typed (a source, never "the output says so").
ALLOWED: dict[str, dict[str, str]] = {
    "00": {
        "1,234.50": "an example of the amount format the loader parses",
        "100": "the benchmark's row counts (10 and 100 million), a design of benchmarks/bench_rfm.py",
    },
    "01": {
        "0.1": "the rounding of the default market sizes (data/README.md), and Cohen's (1988) "
               "small effect size for Cramér's V",
        "0.3": "Cohen's (1988) medium effect size for Cramér's V",
        "10,000": "the HHI scale, crmlib.market.hhi",
        "1,000": "HHI threshold of crmlib.market.HHI_THRESHOLDS (US merger guidelines, 1982-2010)",
        "1,800": "HHI threshold of crmlib.market.HHI_THRESHOLDS (US merger guidelines, 1982-2010)",
        "100": "parity of an index (price index, category index), a definition",
        "80%": "the peak-ratio default of crmlib.market.lifecycle_stages",
    },
    "02": {
        "0.7": "an exercise's suggested ABC threshold",
        "0.9": "an exercise's suggested ABC threshold",
    },
    "03": {
        "0.7": "an example probability in the explanation of calibration",
        "2,357": "CDNOW sample size, Fader, Hardie & Lee (2005)",
        "39": "the CDNOW calibration period of 39 weeks, Fader, Hardie & Lee (2005)",
    },
    "05": {
        "64,000": "the customers of Hillstrom's e-mail test (Hillstrom 2008; load_hillstrom)",
        "22": "the day eBay switched paid search off, 22 May 2012 (Blake, Nosko & Tadelis 2015)",
    },
}


_DURATION = re.compile(r"\b[Aa]bout \d+ minutes\b")  # a lesson's stated duration
_STRIP = [
    re.compile(r"```.*?```", re.S),  # fenced code
    re.compile(r"`[^`]*`"),  # inline code
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\$[^$\n]+\$"),  # inline math
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<[^>]+>"),  # HTML tags
    re.compile(r"https?://\S+"),  # bare URLs
    re.compile(r"^#+\s*\d+(\.\d+)*\.?", re.M),  # section numbers of headings
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),  # ISO dates
    _DURATION,
]
_REFERENCES = re.compile(r"^#+[^\n]*\bReferences\b.*$", re.M | re.I)  # citations: volumes, pages
_NUMBER = re.compile(r"(?<![\w.])[-−]?\d[\d,]*(?:\.\d+)?%?(?![\w])")


def _allowed_form(token: str) -> bool:
    plain = token.replace("−", "-").lstrip("-")
    if plain.endswith("%"):
        return False
    if re.fullmatch(r"(19|20)\d\d", plain):
        return True  # a year
    if re.fullmatch(r"0\d", plain):
        return True  # a lesson number
    if re.fullmatch(r"0\d\.\d{1,2}", plain):
        return True  # an exercise id
    if re.fullmatch(r"\d+", plain) and int(plain) <= 12:
        return True
    return False


def typed_numbers(text: str) -> list[str]:
    """The numbers in a markdown text that are not of an allowed form."""
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    found = []
    for match in _NUMBER.finditer(text):
        token = match.group(0).rstrip(",")
        if not _allowed_form(token):
            found.append(token)
    return found


def test_the_rule_catches_what_it_should():
    assert typed_numbers("With about 3,000 customers per segment") == ["3,000"]
    assert typed_numbers("over-predicts the largest group by 36%") == ["36%"]
    assert typed_numbers("a pooled dropout of 0.102 against 0.164") == ["0.102", "0.164"]
    assert typed_numbers("## 3. ABC grading, lesson 02, exercise 03.2, in 2024, k = 4") == []
    assert typed_numbers("the `as_of` default `2025-12-28`, $\\alpha = 4.4$, [x](a/0.5)") == []
    assert typed_numbers("as of 2025-12-28 the table") == []
    assert typed_numbers("About 15 minutes. From its 5th to its 95th percentile") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_data_dependent_number_is_typed_in_markdown(path):
    lesson = path.name[:2]
    allowed = {**COMMON, **ALLOWED.get(lesson, {})}
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    problems = []
    for index, cell in enumerate(cells):
        if cell["cell_type"] != "markdown":
            continue
        text = _REFERENCES.split("".join(cell["source"]))[0]
        for token in typed_numbers(text):
            if token not in allowed:
                line = next(ln for ln in text.splitlines() if token in ln)
                problems.append(f"cell {index}: {token!r} in {line.strip()[:100]!r}")
    assert not problems, (
        f"{path.name}: numbers typed into markdown; print them from code (an f-string through "
        "display(Markdown(...)), a headline or an output), or, for a published figure, add it "
        "to ALLOWED in tests/test_lesson_prose.py with its source:\n  " + "\n  ".join(problems)
    )
