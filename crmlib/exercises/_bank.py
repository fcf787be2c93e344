"""The registry of exercises and quizzes: look-up by id or lesson, with "did you mean".

Exercise ids are ``"<lesson>.<n>"`` (``"03.2"``); ``"3.2"`` is read as ``"03.2"``. Lessons
are two-digit strings (``"03"``); ``3`` and ``"3"`` are accepted.
"""

from __future__ import annotations

import difflib
import importlib
import re
from numbers import Integral

from crmlib.exceptions import ParameterError
from crmlib.exercises._display import QuizQuestion
from crmlib.exercises._exercise import Exercise

__all__ = ["LESSONS", "all_exercises", "get_exercise", "lesson_exercises", "lesson_quiz",
           "normalize_lesson"]



def _lesson_modules() -> dict:
    """``crmlib.exercises._lessonNN`` for every lesson that has one, in lesson order."""
    modules = {}
    for number in range(10):
        name = f"crmlib.exercises._lesson{number:02d}"
        try:
            modules[f"{number:02d}"] = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a module that exists but fails to import is a bug
                raise
    return modules


_MODULES = _lesson_modules()

#: The lessons that have exercises, in teaching order.
LESSONS: tuple[str, ...] = tuple(_MODULES)

_ID = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\s*$")


def normalize_lesson(lesson: object, *, where: str = "exercises") -> str:
    """The two-digit name of a lesson (``3`` → ``"03"``), or a ParameterError.

    >>> normalize_lesson(3), normalize_lesson("00")
    ('03', '00')
    """
    text = None
    if isinstance(lesson, Integral) and not isinstance(lesson, bool):
        text = f"{int(lesson):02d}"
    elif isinstance(lesson, str) and lesson.strip().isdigit():
        text = f"{int(lesson.strip()):02d}"
    if text not in _MODULES:
        raise ParameterError(
            f"The 'lesson' parameter of {where} must be one of {list(LESSONS)}. "
            f"Got {lesson!r} instead."
        )
    return text


def all_exercises() -> tuple[Exercise, ...]:
    """Every exercise, lesson by lesson."""
    return tuple(ex for module in _MODULES.values() for ex in module.EXERCISES)


def lesson_exercises(lesson: object) -> tuple[Exercise, ...]:
    """The exercises of one lesson, in order."""
    return _MODULES[normalize_lesson(lesson)].EXERCISES


def lesson_quiz(lesson: object) -> tuple[QuizQuestion, ...]:
    """The quiz questions of one lesson, in order."""
    return _MODULES[normalize_lesson(lesson, where="quiz")].QUIZ


def get_exercise(exercise_id: object, *, where: str = "check") -> Exercise:
    """The exercise with this id, or a ParameterError that lists the close matches.

    >>> get_exercise("3.2").id
    '03.2'
    >>> get_exercise("03.9")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The 'exercise_id' parameter of check must be the id of an exercise, e.g. '03.2'. Got '03.9'; lesson 03 has ['03.1', '03.2', '03.3', '03.4', '03.5', '03.6', '03.7'].
    """
    by_id = {ex.id: ex for ex in all_exercises()}
    text = exercise_id if isinstance(exercise_id, str) else None
    m = _ID.match(text) if text is not None else None
    key = f"{int(m.group(1)):02d}.{int(m.group(2))}" if m else None
    if key in by_id:
        return by_id[key]
    rule = (f"The 'exercise_id' parameter of {where} must be the id of an exercise, e.g. "
            f"'03.2'. Got {exercise_id!r}")
    if not isinstance(exercise_id, str):
        raise ParameterError(f"{rule} (a {type(exercise_id).__name__}); pass the id as text.")
    lesson = key.split(".")[0] if key else None
    if lesson in _MODULES:
        ids = [ex.id for ex in _MODULES[lesson].EXERCISES]
        raise ParameterError(f"{rule}; lesson {lesson} has {ids}.")
    close = difflib.get_close_matches(exercise_id.strip(), list(by_id), n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ParameterError(f"{rule}. Lessons with exercises: {list(LESSONS)}.{hint}")
