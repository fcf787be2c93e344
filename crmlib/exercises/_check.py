"""The checker: compare a student's answer with the expected one, computed at check time.

The expected answer never leaves :func:`check`: it is computed by the exercise's solver (on
the data passed as ``data=``, else on the default data, loaded on first use), compared, and
dropped. Categorical answers that do not depend on the data are compared as salted hashes.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from crmlib.exceptions import CrmlibError, DataError, ParameterError
from crmlib.exercises._bank import get_exercise, lesson_quiz, normalize_lesson
from crmlib.exercises._display import CheckResult, QuizResult
from crmlib.exercises._kinds import Choice, digest, normalize_text

__all__ = ["check", "check_quiz"]


@functools.lru_cache(maxsize=1)
def _default_data() -> Any:
    """The default teaching data, loaded on the first check that needs it."""
    from crmlib.datasets import load_default

    return load_default()


def _resolve_data(data: Any, where: str) -> Any:
    if data is None:
        return _default_data()
    from crmlib.datasets import DefaultData

    if not isinstance(data, DefaultData):
        raise ParameterError(
            f"The 'data' parameter of check({where!r}, ...) must be the teaching data of "
            f"crmlib.datasets.load_default() (a DefaultData), as the lesson loads it. Got a "
            f"{type(data).__name__} instead. Pass data=data, or leave it out to use the "
            f"default data."
        )
    return data


def _unanswered(exercise: Any) -> CheckResult:
    return CheckResult(exercise.id, "unanswered",
                       f"Set answer to {exercise.expects}, then check again.", exercise.hints)


def check(exercise_id: str, answer: Any, **context: Any) -> CheckResult:
    """Check an answer to a lesson exercise: right, close (with what to check) or wrong.

    The expected answer is computed now, from the lesson's data, and is never shown: not in
    the message, nor anywhere in the result.

    Parameters
    ----------
    exercise_id : str
        The exercise, e.g. ``"03.2"`` (see :func:`exercises`).
    answer : object
        Your answer: a number, a list of names, a name, or a Series, as the exercise says.
        ``None`` means "no answer yet" (the result says what is expected).
    **context
        ``data=`` the lesson's :class:`~crmlib.datasets.DefaultData` (default: the default
        data, loaded on first use); any setting of the exercise (``exercise(id).params``,
        e.g. ``as_of=``) to check against other settings than the lesson's defaults.

    Returns
    -------
    CheckResult
        ``status`` is ``"right"``, ``"close"``, ``"wrong"`` or ``"unanswered"``;
        ``bool(result)`` is True when right. Renders green, amber or red in Jupyter.

    Raises
    ------
    ParameterError
        Unknown exercise (with the ids of its lesson or close matches), an exercise that is
        not checkable, an answer of the wrong type (naming what is expected), an unknown
        setting in ``context``.

    Examples
    --------
    >>> check("02.6", "lost")
    Exercise 02.6: WRONG. Hint: FM is the mean of the F and M scores; the first rule whose R and FM ranges hold wins.
    >>> check("02.6", None).status
    'unanswered'
    >>> check("02.2", "about a fifth")
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The answer to exercise 02.2 must be a number (the share of customers as a fraction between 0 and 1). Got 'about a fifth' (a str) instead. Pass the number itself, e.g. 0.25 rather than '25%'.
    """
    exercise = get_exercise(exercise_id)
    if not exercise.checkable:
        raise ParameterError(
            f"Exercise {exercise.id} ({exercise.title}) is an open exercise: it has no single "
            f"answer to check. Discuss it; show_solution({exercise.id!r}) gives a worked answer."
        )
    data = context.pop("data", None)
    unknown = sorted(set(context) - set(exercise.params))
    if unknown:
        raise ParameterError(
            f"check({exercise.id!r}, ...) got unknown settings {unknown}. It accepts data= and "
            f"the exercise's settings {sorted(exercise.params)}."
        )
    if answer is None or answer is Ellipsis:
        return _unanswered(exercise)
    kind = exercise.kind
    given = kind.validate(answer, exercise.id)  # type: ignore[union-attr]
    if isinstance(kind, Choice) and kind.digest:
        verdict = kind.compare(given, None)
    else:
        source = _resolve_data(data, exercise.id)
        params = {**exercise.params, **context}
        try:
            expected = exercise.solver(source, **params)  # type: ignore[misc]
        except (CrmlibError, KeyError, AttributeError) as err:
            raise DataError(
                f"check({exercise.id!r}, ...): the expected answer could not be computed from "
                f"the data and settings given ({type(err).__name__}: {err}). Pass the lesson's "
                f"data unchanged (data=data) with the settings {sorted(exercise.params)}."
            ) from None
        verdict = kind.compare(given, expected)  # type: ignore[union-attr]
        del expected
    hints = () if verdict.status == "right" else exercise.hints
    return CheckResult(exercise.id, verdict.status, verdict.message, hints)


def _quiz_key(key: object, lesson: str, valid: list[str]) -> str:
    text = str(key).strip().casefold()
    text = text.removeprefix(f"{lesson}.")
    if text.isdigit():
        text = f"q{int(text)}"
    if text not in valid:
        raise ParameterError(
            f"check_quiz({lesson!r}, ...) got an answer for {key!r}, which is not a question "
            f"of the quiz. Questions: {valid}."
        )
    return text


def check_quiz(lesson: object, answers: Mapping[Any, Any]) -> QuizResult:
    """Check the letters chosen in a lesson's quiz; questions left out are "no answer yet".

    Parameters
    ----------
    lesson : str or int
        ``"00"``, ``"02"`` or ``"03"``.
    answers : mapping
        Question to letter, e.g. ``{"q1": "b", "q2": "a"}`` (``1`` or ``"1"`` also name q1;
        ``"B"`` and ``"b)"`` read as ``"b"``).

    Returns
    -------
    QuizResult
        One verdict per question and the score; never the right letters.

    Examples
    --------
    >>> result = check_quiz("03", {"q1": "a"})
    >>> result.score, [r.status for r in result.results]
    (0, ['wrong', 'unanswered', 'unanswered'])
    >>> check_quiz("03", {"q1": "z"})
    Traceback (most recent call last):
    ...
    crmlib.exceptions.ParameterError: The answer to question q1 of quiz 03 must be one of the letters ['a', 'b', 'c', 'd']. Got 'z' instead.
    """
    name = normalize_lesson(lesson, where="check_quiz")
    questions = lesson_quiz(name)
    if not isinstance(answers, Mapping):
        raise ParameterError(
            f"The 'answers' parameter of check_quiz must be a dict of question to letter, e.g. "
            f"{{'q1': 'b'}}. Got a {type(answers).__name__} instead."
        )
    valid = [q.key for q in questions]
    given = {_quiz_key(k, name, valid): a for k, a in answers.items()}
    results = []
    for q in questions:
        qid = f"{name}.{q.key}"
        raw = given.get(q.key)
        if raw is None:
            results.append(CheckResult(qid, "unanswered", "No letter given.", ()))
            continue
        letter = normalize_text(raw) if isinstance(raw, str) else ""
        texts = dict(q.choices)
        if letter not in texts:
            raise ParameterError(
                f"The answer to question {q.key} of quiz {name} must be one of the letters "
                f"{q.letters()}. Got {raw!r} instead."
            )
        ok = digest(q.salt, qid, f"{letter} {texts[letter]}") == q.digest
        results.append(CheckResult(qid, "right" if ok else "wrong", "right." if ok else "wrong.",
                                   () if ok else ((q.hint,) if q.hint else ())))
    return QuizResult(name, tuple(results))
