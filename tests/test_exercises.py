"""Tests of crmlib.exercises: every worked solution passes its own check, typical wrong
answers fail, slips are CLOSE, the expected value never leaks, quizzes are salted hashes.

The default data is loaded once for the module, and each exercise's solver runs once (its
result is memoised for the module), so the suite stays fast although ``check`` computes the
expected answer on every call.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import subprocess
import sys

import pandas as pd
import pytest

import crmlib.exercises as ex
from crmlib.exceptions import CrmlibError, DataError, ParameterError
from crmlib.exercises import _check
from crmlib.exercises._bank import all_exercises
from crmlib.exercises._kinds import Choice, Items, Number, Table, digest

EXERCISES = all_exercises()
CHECKABLE = [e.id for e in EXERCISES if e.checkable]
COMPUTED = [e.id for e in EXERCISES if e.solver is not None]
SLIPS = [e.id for e in EXERCISES if e.checkable and not isinstance(e.kind, Choice)]
OPEN_WITH_CODE = [e.id for e in EXERCISES if not e.checkable and e.code]


@pytest.fixture(scope="module")
def data():
    import crmlib.datasets as ds

    return ds.load_default()


@pytest.fixture(scope="module", autouse=True)
def _memoised_solvers():
    """Run each solver once per (exercise, settings) for the whole module."""
    original = _check.get_exercise
    cache = {}

    def memo(exercise):
        if exercise.solver is None:
            return exercise
        solver = exercise.solver

        @functools.wraps(solver)
        def cached(source, **params):
            key = (exercise.id, id(source), tuple(sorted(params.items())))
            if key not in cache:
                cache[key] = solver(source, **params)
            return cache[key]

        return dataclasses.replace(exercise, solver=cached)

    patched = {}

    def get_exercise(exercise_id, **kwargs):
        found = original(exercise_id, **kwargs)
        if found.id not in patched:
            patched[found.id] = memo(found)
        return patched[found.id]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_check, "get_exercise", get_exercise)
        yield cache


@pytest.fixture(scope="module")
def solved(data):
    """The answer of every worked solution, its code run once in a namespace with ``data``."""
    answers = {}
    for exercise in EXERCISES:
        if exercise.checkable:
            namespace = {"data": data}
            exec(compile(exercise.code, f"<solution {exercise.id}>", "exec"), namespace)
            answers[exercise.id] = namespace["answer"]
    return answers


def expected_of(exercise_id, data):
    exercise = _check.get_exercise(exercise_id)
    return exercise.solver(data, **exercise.params)


def texts_of(result):
    """Everything a student can see of a result: str, repr, HTML and every field."""
    fields = [str(getattr(result, f.name)) for f in dataclasses.fields(result)]
    return [str(result), repr(result), result._repr_html_(), *fields]


def secret_strings(value):
    """Renderings of an expected value that must never appear in what a student sees."""
    if isinstance(value, pd.Series):
        return [s for v in value.tolist() for s in secret_strings(v)]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value]
    if isinstance(value, str):
        return [value] if len(value) > 1 else []
    x = float(value)
    out = {f"{x:.{k}g}" for k in (3, 4, 5, 6)} | {f"{x:.2f}", f"{x:.3f}", f"{x:,.0f}"}
    if 0 < abs(x) < 1:
        out |= {f"{100 * x:.1f}", f"{x:.1%}", f"{x:.3f}".removeprefix("0")}
    if float(x).is_integer():
        out |= {str(int(x)), f"{int(x):,}"}
    return sorted(s for s in out if sum(c.isdigit() for c in s) >= 3)


def wrong_answer(exercise_id, answer):
    """A typical wrong answer of each kind (some exercises have a more telling one)."""
    kind = _check.get_exercise(exercise_id).kind
    if isinstance(kind, Number):
        value = float(answer) * 0.6
        return round(value) if kind.integer else value
    if isinstance(kind, Table):
        return pd.Series(answer) * 0.6
    if isinstance(kind, Items):
        others = [o for o in kind.options if o.casefold() not in {str(a).casefold() for a in answer}]
        return others[:1]
    if isinstance(kind, Choice):
        return next(o for o in kind.options if o.casefold() != str(answer).casefold())
    raise AssertionError(kind)


def _default_class_a_share(data):
    import crmlib.segmentation as seg

    buys = data.orders[(data.orders["status"] == "completed")
                       & (data.orders["order_date"] <= pd.Timestamp("2025-12-28"))]
    rfm = seg.rfm_table(buys, as_of="2025-12-28", amount_col="net_amount")
    return round(seg.abc_classes(rfm["monetary"]).classes.loc["A", "customer_share"], 3)


def close_answer(exercise_id, answer):
    """A slip that should be CLOSE: units for shares and ¥, rounding, a near count, a
    partial set; None where the kind has no slip to test."""
    exercise = _check.get_exercise(exercise_id)
    kind = exercise.kind
    if isinstance(kind, Number):
        if kind.integer:
            return answer + max(1, round(0.5 * kind.close_rel * answer)), "within"
        if not kind.units:
            return round(float(answer), kind.decimals - 2), "did you round"
        if float(answer) < 1:
            return float(answer) * 100, "check your units"
        return float(answer) / 1000, "check your units"
    if isinstance(kind, Table):
        series = pd.Series(answer)
        if series.abs().max() <= 1:
            return series * 100, "check your units"
        return series / 1000, "check your units"
    if isinstance(kind, Items) and len(answer) > 1:
        return list(answer)[1:], "items"
    return None, None


# --- the table of exercises ---------------------------------------------------------


@pytest.mark.parametrize("lesson", ["00", "02", "03"])
def test_each_lesson_has_four_exercises_two_checkable_and_a_three_question_quiz(lesson):
    table = ex.exercises(lesson)
    assert list(table.columns) == ["lesson", "title", "kind", "checkable", "prompt"]
    assert len(table) >= 4
    assert table["checkable"].sum() >= 2
    assert (~table["checkable"]).sum() >= 1, "an open exercise says it is not checkable"
    assert (table.loc[~table["checkable"], "kind"] == "open").all()
    assert len(ex.quiz(lesson).questions) == 3


def test_every_exercise_is_well_formed():
    ids = [e.id for e in EXERCISES]
    assert len(ids) == len(set(ids))
    for e in EXERCISES:
        assert e.title and e.prompt and e.hints and e.solution, e.id
        if e.checkable:
            assert e.tolerance, f"{e.id} states how its tolerance was derived"
            assert e.code.rstrip().splitlines()[-1].startswith("answer ="), e.id
            hashed = isinstance(e.kind, Choice) and e.kind.digest
            assert hashed or e.solver is not None, e.id


def test_table_shows_prompts_not_solutions():
    table = ex.exercises()
    shown = table.to_string() + table.to_html()
    for e in EXERCISES:
        if e.code:
            assert e.code.strip().splitlines()[-1] not in shown


# --- every worked solution passes; typical wrong answers fail; slips are close ----------


@pytest.mark.parametrize("exercise_id", CHECKABLE)
def test_worked_solution_passes_its_own_check(exercise_id, solved, data):
    result = ex.check(exercise_id, solved[exercise_id], data=data)
    assert result.status == "right", result
    assert bool(result)


@pytest.mark.parametrize("exercise_id", CHECKABLE)
def test_typical_wrong_answer_fails_with_a_hint(exercise_id, solved, data):
    result = ex.check(exercise_id, wrong_answer(exercise_id, solved[exercise_id]), data=data)
    assert result.status == "wrong", result
    assert not result
    assert result.hint and "Hint:" in str(result)


def test_lesson_defaults_instead_of_the_exercise_settings_are_wrong(data):
    assert ex.check("02.2", _default_class_a_share(data), data=data).status == "wrong"
    # the notebook's margin 0.3 gives 0.6 of the asked total
    total = expected_of("03.2", data)
    assert ex.check("03.2", round(total * 0.3 / 0.5), data=data).status == "wrong"


@pytest.mark.parametrize("exercise_id", SLIPS)
def test_slip_is_close(exercise_id, solved, data):
    answer, expected_phrase = close_answer(exercise_id, solved[exercise_id])
    result = ex.check(exercise_id, answer, data=data)
    assert result.status == "close", result
    assert expected_phrase in result.message
    assert "darkorange" in result._repr_html_()


def test_close_messages_name_what_to_check(solved, data):
    rounded = ex.check("00.1", round(solved["00.1"]), data=data)
    assert rounded.message == "close: did you round? Give the answer to 2 decimal places."
    units = ex.check("00.2", solved["00.2"] * 100, data=data)
    assert "check your units. The answer is the share as a fraction between 0 and 1" in units.message
    near = ex.check("03.6", solved["03.6"] + 50, data=data)
    assert near.message.startswith("within 10%: check which customers you counted")
    one_off = pd.Series(solved["00.4"]).copy()
    one_off.iloc[0] *= 1.5
    partly = ex.check("00.4", one_off, data=data)
    assert partly.status == "close" and "4 of 5 values are right" in partly.message


def test_settings_in_the_context_change_what_is_checked(data):
    # the 180-day rule of the lesson itself, checked through the exercise on 365 days
    last = data.orders[(data.orders["status"] == "completed")
                       & (data.orders["order_date"] <= pd.Timestamp("2025-12-28"))
                       ].groupby("customer_id")["order_date"].max()
    alive = data.truth_customers.set_index("customer_id").loc[last.index, "alive_at_end"]
    rule = last > pd.Timestamp("2025-12-28") - pd.Timedelta(days=180)
    share = round((rule == alive).mean(), 3)
    assert ex.check("00.2", share, data=data, days=180).status == "right"
    assert ex.check("00.2", share, data=data).status != "right"


@pytest.mark.parametrize("exercise_id", OPEN_WITH_CODE)
def test_open_exercise_code_runs(exercise_id, data, capsys):
    exec(compile(ex.exercise(exercise_id).code, f"<solution {exercise_id}>", "exec"),
         {"data": data})


# --- the expected value never leaks -------------------------------------------------


@pytest.mark.parametrize("exercise_id", COMPUTED)
def test_expected_value_never_appears_in_any_result(exercise_id, solved, data):
    secrets = secret_strings(expected_of(exercise_id, data))
    answer = solved[exercise_id]
    slip, _ = close_answer(exercise_id, answer)
    results = [ex.check(exercise_id, answer, data=data),
               ex.check(exercise_id, wrong_answer(exercise_id, answer), data=data),
               ex.check(exercise_id, None, data=data)]
    if slip is not None:
        results.append(ex.check(exercise_id, slip, data=data))
    exercise = ex.exercise(exercise_id)
    if isinstance(exercise.kind, (Choice, Items)):
        # names: the possible answers are public (listed in messages); the verdicts are not
        answered = [r for r in results if r.status != "unanswered"]
        shown = [r.message for r in answered] + [h for r in answered for h in r.hints]
    else:
        shown = [t for r in results for t in texts_of(r)]
        shown += [repr(exercise), exercise._repr_markdown_(), repr(ex.exercises())]
    for secret in secrets:
        for text in shown:
            assert secret not in text, (secret, text)


def test_results_hold_no_expected_value():
    fields = {f.name for f in dataclasses.fields(ex.CheckResult)}
    assert fields == {"exercise_id", "status", "message", "hints"}


def test_hashed_answer_is_not_written_in_its_exercise(solved):
    exercise = ex.exercise("02.6")
    assert exercise.solver is None and exercise.kind.digest
    answer = solved["02.6"]  # computed by the worked solution from the documented grid
    assert ex.check("02.6", answer).status == "right"
    # the possible names are public (listed as options); the text never says which is right
    public = [exercise.prompt, exercise.title, exercise.solution, exercise.tolerance, *exercise.hints]
    assert not any(answer in text for text in public)
    assert exercise.kind.digest != hashlib.sha256(answer.encode()).hexdigest()


# --- wrong types, unknown ids, open exercises, bad context ----------------------------


@pytest.mark.parametrize(("exercise_id", "answer", "phrase"), [
    ("02.2", "25%", "must be a number (the share of customers as a fraction between 0 and 1)"),
    ("02.2", True, "must be a number"),
    ("02.2", float("nan"), "must be a number"),
    ("00.5", 1.5, "must be a whole number (a count of rows)"),
    ("02.1", "champions", "must be a list of names"),
    ("02.1", ["champs"], "not among the possible ones"),
    ("00.3", 3.0, "must be one name (the sales channel, one of"),
    ("00.3", "phone", "which is not one of them"),
    ("00.4", [1.0, 2.0], "must be a pandas Series"),
    ("00.4", {"app": "high"}, "one number per label"),
])
def test_wrong_type_names_what_was_expected(exercise_id, answer, phrase):
    with pytest.raises(ParameterError) as err:
        ex.check(exercise_id, answer)
    assert phrase in str(err.value)
    assert err.value.__cause__ is None


def test_a_table_with_missing_labels_is_wrong(solved, data):
    result = ex.check("00.4", pd.Series(solved["00.4"]).iloc[:3], data=data)
    assert result.status == "wrong" and "2 missing" in result.message


@pytest.mark.parametrize(("exercise_id", "phrase"), [
    ("03.9", "lesson 03 has ['03.1', '03.2'"),
    ("O3.2", "Did you mean '03.2'"),
    ("42.1", f"Lessons with exercises: {list(ex.LESSONS)}"),
])
def test_unknown_exercise_lists_the_close_matches(exercise_id, phrase):
    with pytest.raises(ParameterError, match="must be the id of an exercise") as err:
        ex.check(exercise_id, 1.0)
    assert phrase in str(err.value)


def test_id_may_drop_the_leading_zero(solved, data):
    assert ex.check("3.5", solved["03.5"], data=data).exercise_id == "03.5"
    with pytest.raises(ParameterError, match="pass the id as text"):
        ex.check(3.5, 1.0)


def test_open_exercise_is_not_checkable():
    with pytest.raises(ParameterError, match="open exercise"):
        ex.check("02.3", 0.8)


def test_unknown_setting_and_wrong_data_are_refused(data):
    with pytest.raises(ParameterError, match=r"unknown settings \['margn'\].*'discount_rate'"):
        ex.check("03.2", 1.0, margn=0.5)
    with pytest.raises(ParameterError, match="must be the teaching data"):
        ex.check("00.1", 100.0, data=data.orders)


def test_data_the_solver_cannot_use_is_a_data_error(data):
    import crmlib.datasets as ds

    partial = ds.DefaultData(tables={"orders": data.orders}, truth=data.truth)
    with pytest.raises(DataError, match="could not be computed") as err:
        ex.check("00.1", 100.0, data=partial)
    assert isinstance(err.value, CrmlibError) and err.value.__cause__ is None


def test_no_answer_yet_says_what_is_expected():
    result = ex.check("03.1", None)
    assert result.status == "unanswered"
    assert "a number (the churn rate as a fraction between 0 and 1)" in str(result)
    assert "gray" in result._repr_html_()


def test_colours_follow_the_verdict(solved, data):
    assert "seagreen" in ex.check("02.6", solved["02.6"])._repr_html_()
    assert "firebrick" in ex.check("02.6", "lost")._repr_html_()


# --- quizzes --------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", ["00", "02", "03"])
def test_quiz_has_exactly_one_right_letter_per_question(lesson):
    questions = ex.quiz(lesson).questions
    right = {}
    for q in questions:
        passing = [letter for letter in q.letters()
                   if ex.check_quiz(lesson, {q.key: letter}).results[int(q.key[1:]) - 1].status == "right"]
        assert len(passing) == 1, (q.key, passing)
        right[q.key] = passing[0]
    result = ex.check_quiz(lesson, right)
    assert result.score == 3 and bool(result) and "3 of 3 right" in str(result)
    wrong = {k: next(x for x in "abcd" if x != v) for k, v in right.items()}
    result = ex.check_quiz(lesson, wrong)
    assert result.score == 0 and all(r.status == "wrong" for r in result.results)
    right_choices = [c for q in questions if len(c := dict(q.choices)[right[q.key]]) > 3]
    for text in texts_of(result):
        assert not any(choice in text for choice in right_choices)


def test_quiz_accepts_loose_spelling_and_reports_unanswered():
    result = ex.check_quiz(3, {1: "A)", "03.q2": " B "})
    assert [r.status for r in result.results][2] == "unanswered"
    assert result.total == 3


def test_quiz_hashes_are_salted_per_question():
    questions = [(lesson, q) for lesson in ex.LESSONS for q in ex.quiz(lesson).questions]
    salts = [q.salt for _, q in questions]
    assert len(set(salts)) == len(salts)
    digests = {q.digest for _, q in questions}
    assert len(digests) == len(questions)
    plain = {hashlib.sha256(x.encode()).hexdigest() for x in "abcd"}
    assert not digests & plain
    assert digest("s1", "00.q1", "a") != digest("s2", "00.q1", "a")
    assert digest("s1", "00.q1", "a") != digest("s1", "02.q1", "a")
    hashed = ex.exercise("02.6").kind
    assert hashed.salt not in salts


def test_quiz_errors_name_the_rule():
    with pytest.raises(ParameterError, match=r"not a question of the quiz. Questions: \['q1', 'q2', 'q3'\]"):
        ex.check_quiz("00", {"q4": "a"})
    with pytest.raises(ParameterError, match=r"one of the letters \['a', 'b', 'c', 'd'\]. Got 'e'"):
        ex.check_quiz("00", {"q1": "e"})
    with pytest.raises(ParameterError, match="must be a dict"):
        ex.check_quiz("00", ["a", "b", "c"])
    with pytest.raises(ParameterError, match=re.escape(f"must be one of {list(ex.LESSONS)}")):
        ex.quiz("42")


def test_quiz_renders_questions_and_choices_without_answers():
    q = ex.quiz("03")
    html = q._repr_html_()
    assert all(choice in html for question in q.questions for _, choice in question.choices)
    assert "check_quiz('03'" in str(q)


# --- solutions render only when asked ------------------------------------------------


def test_solutions_render_when_asked():
    one = ex.show_solution("03.2")
    md = one._repr_markdown_()
    assert "```python" in md and "customer_lifetime_value" in md
    every = ex.solutions("03")
    assert len(every) == len(ex.exercises("03"))
    assert every._repr_markdown_().count("**Solution 03.") == len(every)
    assert "Worked solutions, lesson 03" in repr(every)


def test_exercise_renders_its_prompt_and_how_to_check():
    md = ex.exercise("02.4")._repr_markdown_()
    assert "check('02.4', answer, data=data)" in md
    assert "adjusted_rand_score(true_segment" not in md  # the solution stays hidden
    assert "not checked" in ex.exercise("03.4")._repr_markdown_()


# --- the answer kinds ----------------------------------------------------------------


@pytest.mark.parametrize(("answer", "status", "phrase"), [
    (2.5, "right", "right"),
    (2.5049, "right", "right"),
    (250.0, "close", "units"),       # percent
    (2500.0, "close", "units"),      # ¥ vs k¥
    (17.5, "close", "units"),        # per week vs per day
    (130.0, "close", "units"),       # per year vs per week
    (2.5 / 365, "close", "units"),   # per day vs per year
    (-2.5, "close", "sign"),
    (2.63, "close", "within 10%"),
    (3.0, "close", "did you round"),  # 2.5 rounded to 0 decimals
    (3.5, "wrong", "wrong"),
])
def test_number_heuristics(answer, status, phrase):
    kind = Number("a rate", atol=0.005, decimals=2)
    verdict = kind.compare(answer, 2.5)
    assert verdict.status == status and phrase in verdict.message


def test_rounding_and_truncation_are_close():
    kind = Number("a share", atol=0.0005, decimals=3, close_rel=0.01)
    assert "did you round" in kind.compare(0.49, 0.4862).message
    assert "did you round" in kind.compare(0.4, 0.4462).message  # truncated to 1 decimal
    assert kind.compare(0.47, 0.4862).status == "wrong"


def test_import_loads_no_data_and_changes_no_global_state():
    code = (
        "import sys, warnings\n"
        "before = list(warnings.filters)\n"
        "import crmlib.exercises as ex\n"
        "from crmlib.exercises import _check\n"
        "assert warnings.filters == before\n"
        "assert 'crmlib.datasets' not in sys.modules\n"
        "assert _check._default_data.cache_info().currsize == 0\n"
        "ex.exercises('00'); ex.quiz('02'); ex.solutions('03')\n"
        "assert _check._default_data.cache_info().currsize == 0\n"
        "print('ok')\n"
    )
    import os
    from pathlib import Path

    # the subprocess imports this checkout's crmlib, not another installed copy
    root = str(Path(ex.__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False, env=env)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
