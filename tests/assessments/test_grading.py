"""The pure grading rules: no database, no clock."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessments.grading import grade, has_passed, normalise_answers, score_percent
from lms.errors import DomainError, ErrorCode


def question(qid: int, kind: str, choices: dict[int, bool]) -> dict:
    return {
        "id": qid,
        "kind": kind,
        "prompt": f"<p>Question {qid}</p>",
        "explanation": f"<p>Because {qid}.</p>",
        "choices": [
            {"id": cid, "text": f"Choice {cid}", "correct": ok} for cid, ok in choices.items()
        ],
    }


SNAPSHOT = [
    question(1, "single", {11: True, 12: False, 13: False}),
    question(2, "multiple", {21: True, 22: True, 23: False}),
    question(3, "true_false", {31: True, 32: False}),
    question(4, "scenario", {41: False, 42: True}),
]


def answers(raw: dict) -> dict[int, frozenset[int]]:
    return normalise_answers(SNAPSHOT, raw)


def test_all_right_answers_score_100_and_pass():
    result = grade(SNAPSHOT, answers({"1": [11], "2": [21, 22], "3": [31], "4": [42]}), 80)
    assert (result.correct_count, result.total, result.score, result.passed) == (4, 4, 100, True)
    assert all(r.correct for r in result.results)


def test_multiple_select_is_all_or_nothing():
    partial = grade(SNAPSHOT, answers({"2": [21]}), 80).results[1]
    too_many = grade(SNAPSHOT, answers({"2": [21, 22, 23]}), 80).results[1]
    exact = grade(SNAPSHOT, answers({"2": [22, 21]}), 80).results[1]
    assert (partial.correct, too_many.correct, exact.correct) == (False, False, True)
    assert exact.correct_choices == frozenset({21, 22})


def test_left_out_question_counts_as_wrong():
    result = grade(SNAPSHOT, answers({"1": [11], "2": [21, 22], "3": [31]}), 75)
    assert result.correct_count == 3
    assert result.total == 4
    assert result.score == 75
    assert result.passed is True
    assert result.results[3].correct is False
    assert result.results[3].chosen == frozenset()


def test_empty_choice_list_counts_as_wrong():
    result = grade(SNAPSHOT, answers({"1": []}), 80)
    assert result.results[0].correct is False


def test_no_answers_score_zero_and_fail():
    result = grade(SNAPSHOT, {}, 80)
    assert (result.correct_count, result.score, result.passed) == (0, 0, False)


def test_pass_mark_zero_is_passed_even_with_no_right_answers():
    assert grade(SNAPSHOT, {}, 0).passed is True


def test_results_follow_the_snapshot_order():
    result = grade(list(reversed(SNAPSHOT)), {}, 80)
    assert [r.question_id for r in result.results] == [4, 3, 2, 1]


def test_exact_pass_boundary_passes():
    assert has_passed(8, 10, 80) is True
    assert score_percent(8, 10) == 80


def test_just_below_pass_mark_fails():
    # 79/100 = 79 %, 63/80 = 78.75 %, 15/19 = 78.9 %: all below 80.
    assert has_passed(79, 100, 80) is False
    assert has_passed(63, 80, 80) is False
    assert has_passed(15, 19, 80) is False
    assert has_passed(16, 20, 80) is True


def test_pass_check_has_no_rounding_error():
    # 2/3 is 66.67 %: passes 66, fails 67, although the shown score is 66.
    assert score_percent(2, 3) == 66
    assert has_passed(2, 3, 66) is True
    assert has_passed(2, 3, 67) is False


def test_score_rounds_down():
    assert score_percent(1, 3) == 33
    assert score_percent(199, 200) == 99
    assert score_percent(0, 0) == 0
    assert has_passed(0, 0, 0) is False


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param([], id="list-instead-of-object"),
        pytest.param("1:11", id="string"),
        pytest.param(None, id="null"),
        pytest.param({"99": [11]}, id="unknown-question"),
        pytest.param({"abc": [11]}, id="non-numeric-question-id"),
        pytest.param({"1": [21]}, id="choice-of-another-question"),
        pytest.param({"1": [999]}, id="unknown-choice"),
        pytest.param({"1": ["11"]}, id="choice-id-as-string"),
        pytest.param({"1": [11.0]}, id="choice-id-as-float"),
        pytest.param({"1": [True]}, id="choice-id-as-bool"),
        pytest.param({"1": 11}, id="choice-not-in-a-list"),
        pytest.param({"1": None}, id="choice-null"),
        pytest.param({"2": [21, 21]}, id="duplicate-choice"),
        pytest.param({"1": [11, 12]}, id="two-choices-on-single"),
        pytest.param({"3": [31, 32]}, id="two-choices-on-true-false"),
        pytest.param({"4": [41, 42]}, id="two-choices-on-scenario"),
        pytest.param({"1": [11], "01": [12]}, id="same-question-under-two-keys"),
    ],
)
def test_bad_answers_are_rejected_as_invalid(raw):
    with pytest.raises(DomainError) as error:
        normalise_answers(SNAPSHOT, raw)
    assert error.value.code == ErrorCode.INVALID
    assert error.value.field == "answers"


def test_normalised_answers_map_question_ids_to_choice_sets():
    assert answers({"1": [11], "2": [22, 21]}) == {1: frozenset({11}), 2: frozenset({21, 22})}


# --- Property test -----------------------------------------------------------------------

KINDS = ["single", "multiple", "true_false", "scenario"]


@st.composite
def snapshots(draw):
    """A valid question snapshot: unique ids, each question with at least one right choice
    (exactly one for single-answer kinds)."""
    count = draw(st.integers(min_value=1, max_value=12))
    question_ids = draw(
        st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True)
    )
    next_choice = 1
    snapshot = []
    for qid in question_ids:
        kind = draw(st.sampled_from(KINDS))
        size = 2 if kind == "true_false" else draw(st.integers(2, 5))
        ids = list(range(next_choice, next_choice + size))
        next_choice += size
        if kind == "multiple":
            flags = draw(st.lists(st.booleans(), min_size=size, max_size=size).filter(any))
        else:
            right = draw(st.integers(0, size - 1))
            flags = [i == right for i in range(size)]
        snapshot.append(question(qid, kind, dict(zip(ids, flags, strict=True))))
    return snapshot


@st.composite
def snapshot_and_answers(draw):
    snapshot = draw(snapshots())
    raw = {}
    for q in snapshot:
        if not draw(st.booleans()):
            continue  # left out
        ids = [c["id"] for c in q["choices"]]
        if q["kind"] == "multiple":
            chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=len(ids)))
        else:
            chosen = draw(st.lists(st.sampled_from(ids), max_size=1))
        raw[str(q["id"])] = chosen
    pass_mark = draw(st.integers(0, 100))
    return snapshot, raw, pass_mark


@settings(max_examples=300, deadline=None)
@given(snapshot_and_answers())
def test_grade_counts_exactly_the_questions_answered_with_the_right_set(case):
    snapshot, raw, pass_mark = case
    result = grade(snapshot, normalise_answers(snapshot, raw), pass_mark)

    expected = {
        q["id"]: set(raw.get(str(q["id"]), [])) == {c["id"] for c in q["choices"] if c["correct"]}
        for q in snapshot
    }
    assert {r.question_id: r.correct for r in result.results} == expected
    assert result.correct_count == sum(expected.values())
    assert result.total == len(snapshot)
    ratio = Fraction(result.correct_count, result.total)
    assert result.score == int(ratio * 100)
    assert 0 <= result.score <= 100
    assert result.passed == (ratio >= Fraction(pass_mark, 100))
    assert result.score >= pass_mark if result.passed else ratio * 100 < pass_mark


@st.composite
def any_answer_set(draw):
    """Answers as a client might send them. Half the cases keep to the rules (right sets,
    permutations, any allowed subset, left out); the other half may also break them (other
    questions' choices, unknown ids, repeats, several choices where one is allowed, a question
    that was not served)."""
    snapshot = draw(snapshots())
    may_break_rules = draw(st.booleans())
    all_choices = [c["id"] for q in snapshot for c in q["choices"]]
    raw = {}
    for q in snapshot:
        own = [c["id"] for c in q["choices"]]
        right = [c["id"] for c in q["choices"] if c["correct"]]
        allowed = len(own) if q["kind"] == "multiple" else 1
        options = [
            st.none(),  # left out
            st.permutations(right),
            st.lists(st.sampled_from(own), unique=True, max_size=allowed),
        ]
        if may_break_rules:
            options += [
                st.lists(st.sampled_from(own), min_size=2, max_size=3),
                st.lists(st.sampled_from([*all_choices, 0, 99_999]), max_size=3),
            ]
        chosen = draw(st.one_of(options))
        if chosen is not None:
            raw[str(q["id"])] = list(chosen)
    if may_break_rules and draw(st.booleans()):
        raw[str(max(q["id"] for q in snapshot) + 1)] = []  # a question that was not served
    return snapshot, raw


@settings(max_examples=300, deadline=None, derandomize=True)
@given(any_answer_set())
def test_any_answer_set_is_either_graded_correctly_or_rejected_for_a_stated_reason(case):
    snapshot, raw = case
    served = {str(q["id"]): q for q in snapshot}

    def acceptable(key, chosen) -> bool:
        question = served.get(key)
        return (
            question is not None
            and len(set(chosen)) == len(chosen)
            and set(chosen) <= {c["id"] for c in question["choices"]}
            and (question["kind"] == "multiple" or len(chosen) <= 1)
        )

    if not all(acceptable(key, chosen) for key, chosen in raw.items()):
        with pytest.raises(DomainError) as error:
            normalise_answers(snapshot, raw)
        assert (error.value.code, error.value.field) == (ErrorCode.INVALID, "answers")
        return
    result = grade(snapshot, normalise_answers(snapshot, raw), 80)
    right = {
        q["id"]
        for q in snapshot
        if sorted(raw.get(str(q["id"])) or [])
        == sorted(c["id"] for c in q["choices"] if c["correct"])
    }
    assert {r.question_id for r in result.results if r.correct} == right
    assert result.score == 100 * len(right) // len(snapshot)
    assert result.passed == (100 * len(right) >= 80 * len(snapshot))
