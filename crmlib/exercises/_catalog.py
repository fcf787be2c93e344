"""The student's and the instructor's views: the table of exercises, one exercise, the
quiz, and the worked solutions (shown only when asked for)."""

from __future__ import annotations

from typing import Any

from crmlib.exercises._bank import (
    all_exercises,
    get_exercise,
    lesson_exercises,
    lesson_quiz,
    normalize_lesson,
)
from crmlib.exercises._display import Quiz, Solution, SolutionSet
from crmlib.exercises._exercise import Exercise

__all__ = ["exercise", "exercises", "quiz", "show_solution", "solutions"]

def exercises(lesson: object = None) -> Any:
    """The table of exercises: id, lesson, title, kind, checkable and prompt.

    Parameters
    ----------
    lesson : str or int, optional
        ``"00"``, ``"02"`` or ``"03"``; default every lesson.

    Returns
    -------
    pandas.DataFrame
        Indexed by exercise id. ``kind`` is ``number``, ``items``, ``choice``, ``table`` or
        ``open``; open exercises are not checkable (they are for discussion).

    Examples
    --------
    >>> table = exercises("03")
    >>> table.loc["03.2", "kind"], bool(table.loc["03.2", "checkable"])
    ('number', True)
    >>> bool(table.loc["03.4", "checkable"])
    False
    """
    import pandas as pd

    chosen = all_exercises() if lesson is None else lesson_exercises(lesson)
    rows = [{"id": ex.id, "lesson": ex.lesson, "title": ex.title, "kind": ex.kind_name,
             "checkable": ex.checkable, "prompt": ex.prompt} for ex in chosen]
    return pd.DataFrame(rows).set_index("id")

def exercise(exercise_id: str) -> Exercise:
    """One exercise: its prompt (rendered in Jupyter), hints, settings and expected kind.

    >>> exercise("03.2")
    Exercise 03.2 (checkable): Total CLV with margin 0.5 and discount rate 0.2
    >>> exercise("03.2").expects
    'a number (the total CLV in ¥ (not k¥))'
    """
    return get_exercise(exercise_id, where="exercise")

def quiz(lesson: object) -> Quiz:
    """The three-question quiz of a lesson, with its choices (the answers stay hashed).

    >>> q = quiz("02")
    >>> len(q.questions), q.questions[0].letters()
    (3, ['a', 'b', 'c', 'd'])
    """
    name = normalize_lesson(lesson, where="quiz")
    return Quiz(name, lesson_quiz(name))

def show_solution(exercise_id: str) -> Solution:
    """The worked solution of one exercise: explanation and code (Markdown in Jupyter).

    >>> print(show_solution("02.3").code.splitlines()[0])
    import copy
    """
    ex = get_exercise(exercise_id, where="show_solution")
    return Solution(ex.id, ex.title, ex.solution, ex.code)

def solutions(lesson: object) -> SolutionSet:
    """Every worked solution of a lesson, for the instructor's ``solutions=True`` parameter.

    A lesson renders them only when asked::

        if solutions:
            display(crmlib.exercises.solutions("03"))

    >>> len(solutions("00")) == len(exercises("00"))
    True
    """
    name = normalize_lesson(lesson, where="solutions")
    return SolutionSet(name, tuple(show_solution(ex.id) for ex in lesson_exercises(name)))
