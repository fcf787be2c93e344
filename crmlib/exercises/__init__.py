"""Exercises with self-checks for the lessons (right, close or wrong, never the answer).

A lesson's exercise cell asks a question and checks the student's answer::

    import crmlib.exercises as ex
    ex.exercise("03.2")                          # the prompt (Markdown in Jupyter)
    answer = ...                                 # the student's number, list, name or Series
    ex.check("03.2", answer, data=data)          # RIGHT / CLOSE: check your units / WRONG + hint

Expected answers are not stored where a student can read them: numbers, sets and tables are
computed at check time from the lesson's data (``data=``, or the default data, loaded on first
use) by each exercise's solver, with a tolerance derived per exercise (stated in
``exercise(id).tolerance``); categorical answers that do not depend on the data (quiz letters,
a segment name of the documented grid) are salted hashes.

- :func:`check` — one answer; :func:`check_quiz` — a lesson's quiz letters;
- :func:`exercises` — the table of a lesson's exercises (id, title, kind, checkable, prompt);
  :func:`exercise` — one of them; :func:`quiz` — a lesson's three questions;
- :func:`show_solution` / :func:`solutions` — worked solutions, for the instructor's
  ``solutions=True`` lesson parameter.

Private modules, one subject each: ``_kinds`` (answer kinds and comparisons), ``_check`` (the
checker), ``_exercise`` (the exercise record), ``_lesson00``/``_lesson02``/``_lesson03`` (the
exercises, solvers and quizzes of each lesson), ``_bank`` (the registry), ``_catalog`` (tables
and solutions), ``_display`` (results). Importing this package loads no data and changes no
global state.
"""

from crmlib.exercises._bank import LESSONS
from crmlib.exercises._catalog import exercise, exercises, quiz, show_solution, solutions
from crmlib.exercises._check import check, check_quiz
from crmlib.exercises._display import CheckResult, Quiz, QuizResult, Solution, SolutionSet
from crmlib.exercises._exercise import Exercise

__all__ = [
    "LESSONS",
    "CheckResult",
    "Exercise",
    "Quiz",
    "QuizResult",
    "Solution",
    "SolutionSet",
    "check",
    "check_quiz",
    "exercise",
    "exercises",
    "quiz",
    "show_solution",
    "solutions",
]
