"""What the checker shows: the verdict of a check, a quiz and its result, worked solutions.

Each object prints as short text in a console and renders in Jupyter (HTML for verdicts and
quizzes, Markdown for solutions). None of them holds an expected value: a verdict knows only
its status, its message and the exercise's hints; a quiz knows its questions and choices.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CheckResult", "Quiz", "QuizQuestion", "QuizResult", "Solution", "SolutionSet"]

# Named colours (no digits, so an expected value can never hide in the styling).
_STYLE = {
    "right": ("seagreen", "honeydew", "RIGHT"),
    "close": ("darkorange", "oldlace", "CLOSE"),
    "wrong": ("firebrick", "mistyrose", "WRONG"),
    "unanswered": ("gray", "whitesmoke", "NO ANSWER YET"),
}


def _box(status: str, title: str, body: str) -> str:
    edge, fill, _ = _STYLE[status]
    return (f'<div style="border-left: .4em solid {edge}; background: {fill}; '
            f'padding: .3em .7em; margin: .2em 0">{title}{body}</div>')


@dataclass(frozen=True, repr=False)
class CheckResult:
    """The verdict on one answer: ``status`` is ``"right"``, ``"close"``, ``"wrong"`` or
    ``"unanswered"``; ``bool(result)`` is True only when it is right.

    Examples
    --------
    >>> r = CheckResult("03.2", "wrong", "wrong.", ("Did you set margin=0.5?",))
    >>> r
    Exercise 03.2: WRONG. Hint: Did you set margin=0.5?
    >>> bool(r), 'firebrick' in r._repr_html_()
    (False, True)
    """

    exercise_id: str
    status: str
    message: str
    hints: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.status == "right"

    @property
    def hint(self) -> str | None:
        """The hint shown with a wrong answer (the exercise's first hint)."""
        return self.hints[0] if self.hints and self.status in ("wrong", "unanswered") else None

    def summary(self) -> str:
        label = _STYLE[self.status][2]
        if self.status == "right":
            return f"Exercise {self.exercise_id}: {label}. Well done."
        if self.status == "close":
            return f"Exercise {self.exercise_id}: {label}: {self.message.removeprefix('close: ')}"
        if self.status == "unanswered":
            return f"Exercise {self.exercise_id}: {label}. {self.message}"
        text = f"Exercise {self.exercise_id}: {label}."
        detail = self.message.removeprefix("wrong").lstrip(".: ")
        if detail:
            text += f" {detail}"
        return text + (f" Hint: {self.hint}" if self.hint else "")

    def __repr__(self) -> str:
        return self.summary()

    __str__ = __repr__

    def _repr_html_(self) -> str:
        text = html.escape(self.summary())
        more = ""
        rest = self.hints[1:] if self.hint else self.hints
        if self.status != "right" and rest:
            items = "".join(f"<li>{html.escape(h)}</li>" for h in rest)
            more = f"<details><summary>more hints</summary><ul>{items}</ul></details>"
        return _box(self.status, f"<b>{text}</b>", more)


@dataclass(frozen=True, repr=False)
class QuizQuestion:
    """One multiple-choice question; the right letter is stored only as a salted digest."""

    key: str
    text: str
    choices: tuple[tuple[str, str], ...]
    salt: str
    digest: str
    hint: str = ""

    def letters(self) -> list[str]:
        return [letter for letter, _ in self.choices]

    def summary(self) -> str:
        lines = [f"{self.key}. {self.text}"]
        lines += [f"   {letter}) {choice}" for letter, choice in self.choices]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()


@dataclass(frozen=True, repr=False)
class Quiz:
    """The quiz of a lesson: its questions with their choices, and how to check them.

    Examples
    --------
    >>> q = QuizQuestion("q1", "Two plus two?", (("a", "3"), ("b", "4")), "s", "d")
    >>> print(Quiz("99", (q,)))
    Quiz of lesson 99 (check with crmlib.exercises.check_quiz('99', {'q1': ...}))
    q1. Two plus two?
       a) 3
       b) 4
    """

    lesson: str
    questions: tuple[QuizQuestion, ...]

    def summary(self) -> str:
        first = self.questions[0].key if self.questions else "q1"
        head = (f"Quiz of lesson {self.lesson} (check with crmlib.exercises.check_quiz"
                f"({self.lesson!r}, {{{first!r}: ...}}))")
        return "\n".join([head] + [q.summary() for q in self.questions])

    def __repr__(self) -> str:
        return self.summary()

    __str__ = __repr__

    def _repr_html_(self) -> str:
        parts = [f"<p><b>Quiz of lesson {html.escape(self.lesson)}</b> — answer with "
                 f"<code>crmlib.exercises.check_quiz({self.lesson!r}, {{'q1': 'a', …}})</code></p>"]
        for q in self.questions:
            items = "".join(f"<li><b>{html.escape(letter)})</b> {html.escape(text)}</li>"
                            for letter, text in q.choices)
            parts.append(f"<p>{html.escape(q.key)}. {html.escape(q.text)}</p>"
                         f'<ul style="list-style: none">{items}</ul>')
        return "".join(parts)


@dataclass(frozen=True, repr=False)
class QuizResult:
    """The verdict on a quiz: one :class:`CheckResult` per question, and the score.

    Examples
    --------
    >>> r = QuizResult("03", (CheckResult("03.q1", "right", "right."),
    ...                       CheckResult("03.q2", "unanswered", "No letter given.")))
    >>> r.score, r.total
    (1, 2)
    >>> print(r)
    Quiz 03: 1 of 2 right.
      q1: RIGHT
      q2: NO ANSWER YET. No letter given.
    """

    lesson: str
    results: tuple[CheckResult, ...]

    @property
    def score(self) -> int:
        return sum(bool(r) for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    def __bool__(self) -> bool:
        return self.score == self.total

    def _line(self, r: CheckResult) -> str:
        key = r.exercise_id.split(".", 1)[1]
        label = _STYLE[r.status][2]
        if r.status == "right":
            return f"{key}: {label}"
        if r.status == "unanswered":
            return f"{key}: {label}. {r.message}"
        return f"{key}: {label}" + (f". Hint: {r.hints[0]}" if r.hints else "")

    def summary(self) -> str:
        head = f"Quiz {self.lesson}: {self.score} of {self.total} right."
        return "\n".join([head] + [f"  {self._line(r)}" for r in self.results])

    def __repr__(self) -> str:
        return self.summary()

    __str__ = __repr__

    def _repr_html_(self) -> str:
        status = "right" if self else ("wrong" if self.score == 0 else "close")
        items = "".join(f"<li>{html.escape(self._line(r))}</li>" for r in self.results)
        title = html.escape(f"Quiz {self.lesson}: {self.score} of {self.total} right.")
        return _box(status, f"<b>{title}</b>", f"<ul>{items}</ul>")


@dataclass(frozen=True, repr=False)
class Solution:
    """The worked solution of one exercise (Markdown in Jupyter, text in a console)."""

    exercise_id: str
    title: str
    markdown: str
    code: str = ""

    def _repr_markdown_(self) -> str:
        text = f"**Solution {self.exercise_id} · {self.title}**\n\n{self.markdown.strip()}\n"
        if self.code:
            text += f"\n```python\n{self.code.strip()}\n```\n"
        return text

    def __repr__(self) -> str:
        text = f"Solution {self.exercise_id} · {self.title}\n\n{self.markdown.strip()}\n"
        if self.code:
            text += "\n" + self.code.strip() + "\n"
        return text

    __str__ = __repr__


@dataclass(frozen=True, repr=False)
class SolutionSet:
    """The worked solutions of a lesson, in order (for the instructor's ``solutions=True``)."""

    lesson: str
    solutions: Sequence[Solution]

    def _repr_markdown_(self) -> str:
        head = f"### Worked solutions, lesson {self.lesson}\n\n"
        return head + "\n---\n\n".join(s._repr_markdown_() for s in self.solutions)

    def __repr__(self) -> str:
        return f"Worked solutions, lesson {self.lesson}\n\n" + "\n".join(
            repr(s) for s in self.solutions)

    __str__ = __repr__

    def __len__(self) -> int:
        return len(self.solutions)

    def __iter__(self):
        return iter(self.solutions)
