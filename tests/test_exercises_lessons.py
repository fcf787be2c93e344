"""The exercises of lessons 01, 04 to 09: each worked solution passes its check, a typical
wrong answer fails with a hint, the usual slips are named "close", and each quiz has exactly
one right letter per question.  (Lessons 00, 02 and 03 are covered by tests/test_exercises.py.)
"""

from __future__ import annotations

import pytest

import crmlib.exercises as ex
from crmlib.exercises._bank import lesson_exercises

#: The default tables each lesson's solutions read.
TABLES = {
    "01": ["market", "competitors", "orders", "order_lines", "products", "customers"],
    "04": ["products", "price_panel", "pricing_survey", "conjoint"],
    "05": ["campaigns", "customers", "orders", "store_weekly_sales"],
    "06": ["orders", "order_lines", "products", "journeys", "weekly_sales", "media_spend"],
    "07": ["survey", "customers", "orders"],
    "08": ["orders", "order_lines", "products"],
    "09": ["orders"],
}
CHECKABLE = [(lesson, e.id) for lesson in TABLES for e in lesson_exercises(lesson) if e.checkable]


@pytest.fixture(scope="module")
def data():
    import crmlib.datasets as ds

    return {lesson: ds.load_default(tables=tables) for lesson, tables in TABLES.items()}


@pytest.fixture(scope="module")
def solved(data):
    answers = {}
    for lesson in TABLES:
        for exercise in lesson_exercises(lesson):
            if exercise.checkable:
                namespace = {"data": data[lesson]}
                exec(compile(exercise.code, f"<solution {exercise.id}>", "exec"), namespace)
                answers[exercise.id] = namespace["answer"]
    return answers


@pytest.mark.parametrize("lesson", list(TABLES))
def test_lesson_has_four_exercises_two_checkable_and_a_quiz(lesson):
    table = ex.exercises(lesson)
    assert len(table) >= 4 and table["checkable"].sum() >= 2
    assert (~table["checkable"]).sum() >= 1
    assert len(ex.quiz(lesson).questions) == 3
    for e in lesson_exercises(lesson):
        if e.checkable:
            assert e.solver is not None and e.tolerance


@pytest.mark.parametrize(("lesson", "exercise_id"), CHECKABLE)
def test_worked_solution_passes_its_check(lesson, exercise_id, solved, data):
    assert ex.check(exercise_id, solved[exercise_id], data=data[lesson]).status == "right"


@pytest.mark.parametrize(("lesson", "exercise_id"), CHECKABLE)
def test_typical_wrong_answer_fails(lesson, exercise_id, solved, data):
    result = ex.check(exercise_id, solved[exercise_id] * 0.6, data=data[lesson])
    assert result.status == "wrong" and "Hint:" in str(result)


@pytest.mark.parametrize("lesson", list(TABLES))
def test_quiz_has_exactly_one_right_letter_per_question(lesson):
    for q in ex.quiz(lesson).questions:
        passing = [x for x in q.letters()
                   if ex.check_quiz(lesson, {q.key: x}).results[int(q.key[1:]) - 1].status == "right"]
        assert len(passing) == 1, (q.key, passing)


def _rounding_slips_are_close(ids, solved, data, digits=1):
    for exercise_id in ids:
        coarse = round(solved[exercise_id], digits)
        if abs(coarse - solved[exercise_id]) > 0.0006:  # a rounding slip, not the answer
            assert ex.check(exercise_id, coarse, data=data).status == "close", exercise_id


# --- lesson-specific slips -------------------------------------------------------------------


def test_lesson_01_slips_are_close(solved, data):
    # a rounding slip is named, not marked wrong
    _rounding_slips_are_close(["01.3"], solved, data["01"], digits=2)
    # a CAGR given in per cent
    assert ex.check("01.1", solved["01.1"] * 100, data=data["01"]).status != "right"


def test_lesson_04_slips_are_close(solved, data):
    _rounding_slips_are_close(["04.1", "04.2", "04.4"], solved, data["04"])
    assert ex.check("04.3", solved["04.3"] / 1000, data=data["04"]).status == "close"


def test_naive_elasticity_is_a_wrong_answer_to_the_markup_exercise(solved, data):
    import crmlib.pricing as pr

    naive = pr.naive_elasticity(data["04"].price_panel).elasticities.loc["apparel", "elasticity"]
    assert ex.check("04.2", round(pr.markup_price(naive, 1.0), 3), data=data["04"]).status != "right"
    # the sign slip: a positive elasticity difference is named
    assert ex.check("04.4", -solved["04.4"], data=data["04"]).status == "close"


def test_lesson_05_slips_are_close(solved, data):
    _rounding_slips_are_close(["05.1", "05.2", "05.4"], solved, data["05"])
    # a share instead of a percentage: the units slip is named
    assert ex.check("05.3", solved["05.3"] / 100, data=data["05"]).status == "close"


def test_the_purchasers_only_trap_is_an_open_exercise():
    assert not ex.exercise("05.5").checkable


def test_lesson_06_slips_are_close(solved, data):
    _rounding_slips_are_close(["06.1", "06.2", "06.3", "06.4"], solved, data["06"])
    # a share instead of a percentage: the units slip is named
    assert ex.check("06.1", solved["06.1"] / 100, data=data["06"]).status == "close"
    # the removal effect is not the share of credit
    import crmlib.channels as ch

    share = ch.markov_attribution(ch.journey_paths(data["06"].journeys)).table.loc["email", "share"]
    assert ex.check("06.2", round(float(share), 3), data=data["06"]).status == "wrong"


def test_the_budget_question_is_an_open_exercise():
    assert not ex.exercise("06.5").checkable


def test_lesson_09_slips_are_close(solved, data):
    _rounding_slips_are_close(["09.1", "09.2"], solved, data["09"])
    # a share instead of a percentage, and the probability of meeting instead of missing
    assert ex.check("09.2", solved["09.2"] / 100, data=data["09"]).status == "close"
    assert ex.check("09.3", 100 - solved["09.3"], data=data["09"]).status == "wrong"
