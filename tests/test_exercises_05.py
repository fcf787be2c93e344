"""Lesson 05's exercises: each worked solution passes its check, a typical wrong answer
fails, and the quiz has exactly one right letter per question."""

from __future__ import annotations

import pytest

import crmlib.exercises as ex
from crmlib.exercises._bank import lesson_exercises

CHECKABLE = [e.id for e in lesson_exercises("05") if e.checkable]


@pytest.fixture(scope="module")
def data():
    import crmlib.datasets as ds

    return ds.load_default(tables=["campaigns", "customers", "orders", "store_weekly_sales"])


@pytest.fixture(scope="module")
def solved(data):
    answers = {}
    for exercise in lesson_exercises("05"):
        if exercise.checkable:
            namespace = {"data": data}
            exec(compile(exercise.code, f"<solution {exercise.id}>", "exec"), namespace)
            answers[exercise.id] = namespace["answer"]
    return answers


def test_lesson_05_has_four_exercises_two_checkable_and_a_quiz():
    table = ex.exercises("05")
    assert len(table) >= 4 and table["checkable"].sum() >= 2
    assert (~table["checkable"]).sum() >= 1
    assert len(ex.quiz("05").questions) == 3
    for e in lesson_exercises("05"):
        if e.checkable:
            assert e.solver is not None and e.tolerance


@pytest.mark.parametrize("exercise_id", CHECKABLE)
def test_worked_solution_passes_its_check(exercise_id, solved, data):
    assert ex.check(exercise_id, solved[exercise_id], data=data).status == "right"


@pytest.mark.parametrize("exercise_id", CHECKABLE)
def test_typical_wrong_answer_fails(exercise_id, solved, data):
    result = ex.check(exercise_id, solved[exercise_id] * 0.6, data=data)
    assert result.status == "wrong" and "Hint:" in str(result)


def test_slips_are_close(solved, data):
    for exercise_id in ("05.1", "05.2", "05.4"):
        coarse = round(solved[exercise_id], 1)
        if abs(coarse - solved[exercise_id]) > 0.0006:  # a rounding slip, not the answer
            assert ex.check(exercise_id, coarse, data=data).status == "close", exercise_id
    # a share instead of a percentage: the units slip is named
    assert ex.check("05.3", solved["05.3"] / 100, data=data).status == "close"


def test_the_purchasers_only_trap_is_an_open_exercise():
    assert not ex.exercise("05.5").checkable


def test_quiz_has_exactly_one_right_letter_per_question():
    for q in ex.quiz("05").questions:
        passing = [x for x in q.letters()
                   if ex.check_quiz("05", {q.key: x}).results[int(q.key[1:]) - 1].status == "right"]
        assert len(passing) == 1, (q.key, passing)
