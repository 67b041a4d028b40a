"""The quiz engine's own rules: attempts left, cooldown, draw and shuffle, time limit, snapshot,
one submission."""

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Attempt, Choice, Question, QuestionKind
from assessments.services import (
    TIME_LIMIT_GRACE,
    attempt_start,
    attempt_submit,
    item_rows,
)
from lms.errors import DomainError, ErrorCode
from tests.factories import QuizFactory, UserFactory, add_question, make_quiz
from tests.helpers import correct_answers, wrong_answers

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory()


def start(quiz, user, seed=None):
    attempt, _ = attempt_start(quiz=quiz, user=user, rng=random.Random(seed))
    return attempt


def fail(quiz, user):
    attempt = start(quiz, user)
    return attempt_submit(attempt=attempt, answers=wrong_answers(attempt.questions))


def move_back(attempt, **delta):
    """Pretend the attempt happened earlier, as if the clock had moved on."""
    shift = timedelta(**delta)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=attempt.started_at - shift,
        expires_at=attempt.expires_at and attempt.expires_at - shift,
        submitted_at=attempt.submitted_at and attempt.submitted_at - shift,
    )
    attempt.refresh_from_db()
    return attempt


def test_first_start_creates_attempt_number_one_with_every_question():
    quiz = make_quiz()
    user = UserFactory()
    attempt, created = attempt_start(quiz=quiz, user=user)
    assert created is True
    assert attempt.number == 1
    assert attempt.pass_mark == 80
    assert attempt.submitted_at is None
    assert attempt.expires_at is None
    assert {q["id"] for q in attempt.questions} == set(quiz.questions.values_list("pk", flat=True))


def test_starting_again_returns_the_same_open_attempt(user):
    quiz = make_quiz()
    first, created_first = attempt_start(quiz=quiz, user=user)
    again, created_again = attempt_start(quiz=quiz, user=user)
    assert (created_first, created_again) == (True, False)
    assert again.pk == first.pk
    assert Attempt.objects.filter(quiz=quiz, user=user).count() == 1


def test_attempts_are_counted_per_learner(user):
    quiz = make_quiz(max_attempts=1)
    fail(quiz, user)
    other = UserFactory()
    attempt, created = attempt_start(quiz=quiz, user=other)
    assert created is True
    assert attempt.number == 1


def test_no_attempts_left_is_a_conflict_and_creates_nothing(user):
    quiz = make_quiz(max_attempts=2)
    fail(quiz, user)
    second = fail(quiz, user)
    assert second.number == 2
    with pytest.raises(DomainError) as error:
        attempt_start(quiz=quiz, user=user)
    assert error.value.code == ErrorCode.CONFLICT
    assert Attempt.objects.filter(quiz=quiz, user=user).count() == 2


def test_cooldown_after_a_failed_attempt_blocks_a_retry_until_it_ends(user):
    quiz = make_quiz(cooldown_minutes=30)
    failed = fail(quiz, user)
    with pytest.raises(DomainError) as error:
        attempt_start(quiz=quiz, user=user)
    assert error.value.code == ErrorCode.CONFLICT
    assert Attempt.objects.filter(quiz=quiz, user=user).count() == 1

    move_back(failed, minutes=31)
    attempt, created = attempt_start(quiz=quiz, user=user)
    assert created is True
    assert attempt.number == 2


def test_no_cooldown_after_a_passed_attempt(user):
    quiz = make_quiz(cooldown_minutes=30)
    attempt = start(quiz, user)
    passed = attempt_submit(attempt=attempt, answers=correct_answers(attempt.questions))
    assert passed.passed is True
    retry, created = attempt_start(quiz=quiz, user=user)
    assert created is True
    assert retry.number == 2


def test_quiz_without_questions_cannot_be_started(user):
    quiz = QuizFactory()
    with pytest.raises(DomainError) as error:
        attempt_start(quiz=quiz, user=user)
    assert error.value.code == ErrorCode.CONFLICT
    assert not Attempt.objects.exists()


# --- Draw and shuffle ------------------------------------------------------------------------


def pool_quiz(size: int, **kwargs):
    quiz = QuizFactory(**kwargs)
    for _ in range(size):
        add_question(quiz, QuestionKind.SINGLE, [True, False, False, False])
    return quiz


def test_draw_serves_questions_per_attempt_distinct_questions_from_the_pool(user):
    quiz = pool_quiz(6, questions_per_attempt=3)
    pool = set(quiz.questions.values_list("pk", flat=True))
    attempt = start(quiz, user, seed=1)
    served = [q["id"] for q in attempt.questions]
    assert len(served) == 3
    assert len(set(served)) == 3
    assert set(served) <= pool
    assert attempt.total == 3


def test_draws_vary_between_attempts(user):
    quiz = pool_quiz(6, questions_per_attempt=3, max_attempts=20)
    draws = set()
    for seed in range(10):
        attempt = start(quiz, user, seed=seed)
        draws.add(frozenset(q["id"] for q in attempt.questions))
        attempt_submit(attempt=attempt, answers={})
    assert len(draws) > 1


def test_without_shuffle_a_draw_keeps_the_authoring_order(user):
    quiz = pool_quiz(6, questions_per_attempt=4, shuffle=False)
    order = list(quiz.questions.order_by("sort_order").values_list("pk", flat=True))
    attempt = start(quiz, user, seed=3)
    served = [q["id"] for q in attempt.questions]
    assert len(served) == 4
    assert served == sorted(served, key=order.index)


def test_without_shuffle_every_question_and_choice_is_served_in_authoring_order(user):
    quiz = pool_quiz(4, shuffle=False)
    attempt = start(quiz, user, seed=5)
    questions = list(quiz.questions.order_by("sort_order"))
    assert [q["id"] for q in attempt.questions] == [q.pk for q in questions]
    for served, question in zip(attempt.questions, questions, strict=True):
        expected = list(question.choices.order_by("sort_order").values_list("pk", flat=True))
        assert [c["id"] for c in served["choices"]] == expected


def test_shuffle_reorders_questions_and_choices_but_not_true_false(user):
    quiz = pool_quiz(5, max_attempts=20)
    add_question(quiz, QuestionKind.TRUE_FALSE, [False, True], ["True", "False"])
    authoring = list(quiz.questions.order_by("sort_order").values_list("pk", flat=True))
    question_orders, choice_orders = set(), set()
    for seed in range(10):
        attempt = start(quiz, user, seed=seed)
        assert sorted(q["id"] for q in attempt.questions) == sorted(authoring)
        question_orders.add(tuple(q["id"] for q in attempt.questions))
        for q in attempt.questions:
            if q["kind"] == QuestionKind.TRUE_FALSE:
                assert [c["text"] for c in q["choices"]] == ["True", "False"]
            else:
                choice_orders.add(tuple(c["id"] for c in q["choices"]))
        attempt_submit(attempt=attempt, answers={})
    assert len(question_orders) > 1
    assert len(choice_orders) > 5


# --- Time limit ------------------------------------------------------------------------------


def test_time_limit_sets_expiry_on_start(user):
    quiz = make_quiz(time_limit_minutes=15)
    attempt = start(quiz, user)
    assert attempt.expires_at == attempt.started_at + timedelta(minutes=15)


def test_expired_attempt_is_closed_with_no_answers_by_the_next_start_and_counts_as_used(user):
    quiz = make_quiz(time_limit_minutes=15, max_attempts=2)
    expired = move_back(start(quiz, user), minutes=20)

    second, created = attempt_start(quiz=quiz, user=user)

    expired.refresh_from_db()
    assert expired.submitted_at is not None
    assert expired.answers == {}
    assert (expired.correct_count, expired.score, expired.passed) == (0, 0, False)
    assert created is True
    assert second.number == 2
    move_back(second, minutes=20)
    with pytest.raises(DomainError) as error:
        attempt_start(quiz=quiz, user=user)
    assert error.value.code == ErrorCode.CONFLICT


def test_open_attempt_within_its_time_limit_is_resumed_not_closed(user):
    quiz = make_quiz(time_limit_minutes=15)
    attempt = move_back(start(quiz, user), minutes=10)

    resumed, created = attempt_start(quiz=quiz, user=user)

    attempt.refresh_from_db()
    assert (resumed.pk, created) == (attempt.pk, False)
    assert attempt.submitted_at is None


def test_submit_after_the_time_limit_is_a_conflict_and_stores_nothing(user):
    quiz = make_quiz(time_limit_minutes=15)
    attempt = move_back(start(quiz, user), minutes=16)
    with pytest.raises(DomainError) as error:
        attempt_submit(attempt=attempt, answers=correct_answers(attempt.questions))
    assert error.value.code == ErrorCode.CONFLICT
    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert attempt.answers is None
    assert attempt.score is None


def test_submit_within_the_grace_period_after_the_limit_counts(user):
    quiz = make_quiz(time_limit_minutes=15)
    attempt = start(quiz, user)
    attempt = move_back(attempt, minutes=15, seconds=TIME_LIMIT_GRACE.seconds // 2)
    result = attempt_submit(attempt=attempt, answers=correct_answers(attempt.questions))
    assert result.passed is True


# --- Snapshot and submission -----------------------------------------------------------------


def test_editing_the_pool_after_start_does_not_change_what_is_graded(user):
    quiz = make_quiz()
    attempt = start(quiz, user)
    right = correct_answers(attempt.questions)

    # A trainer rewrites every question: new prompt, right and wrong choices swapped.
    for q in Question.objects.filter(quiz=quiz):
        q.prompt = "<p>Rewritten</p>"
        q.explanation = "<p>New explanation</p>"
        q.save()
        for choice in q.choices.all():
            Choice.objects.filter(pk=choice.pk).update(is_correct=not choice.is_correct)
    add_question(quiz, QuestionKind.SINGLE, [True, False])

    result = attempt_submit(attempt=attempt, answers=right)
    assert (result.correct_count, result.total, result.score, result.passed) == (4, 4, 100, True)
    assert all(q["prompt"] != "<p>Rewritten</p>" for q in result.questions)
    assert all(q["explanation"] != "<p>New explanation</p>" for q in result.questions)


def test_submit_grades_and_stores_the_answers(user):
    quiz = make_quiz()
    attempt = start(quiz, user)
    right = correct_answers(attempt.questions)
    left_out = str(attempt.questions[0]["id"])
    answers = {q: c for q, c in right.items() if q != left_out}

    result = attempt_submit(attempt=attempt, answers=answers)
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.submitted_at is not None
    assert stored.answers == answers
    assert (stored.correct_count, stored.score, stored.passed) == (3, 75, False)
    assert result.score == 75


def test_second_submit_is_rejected_and_keeps_first_score(user):
    quiz = make_quiz()
    attempt = start(quiz, user)
    first = attempt_submit(attempt=attempt, answers=wrong_answers(attempt.questions))
    with pytest.raises(DomainError) as error:
        attempt_submit(attempt=attempt, answers=correct_answers(attempt.questions))
    assert error.value.code == ErrorCode.CONFLICT
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.score, stored.passed, stored.submitted_at) == (0, False, first.submitted_at)
    assert stored.answers == first.answers


def test_invalid_answers_are_rejected_and_store_nothing(user):
    quiz = make_quiz()
    attempt = start(quiz, user)
    with pytest.raises(DomainError) as error:
        attempt_submit(attempt=attempt, answers={"999999": [1]})
    assert error.value.code == ErrorCode.INVALID
    attempt.refresh_from_db()
    assert (attempt.submitted_at, attempt.answers, attempt.score) == (None, None, None)
    # The attempt is still open and can be submitted properly.
    assert attempt_submit(attempt=attempt, answers=correct_answers(attempt.questions)).passed


def test_snapshot_keeps_right_answers_server_side_with_the_explanations(user):
    quiz = make_quiz()
    attempt = start(quiz, user)
    right = correct_answers(attempt.questions)
    for q in attempt.questions:
        assert q["explanation"]
        assert sorted(c["id"] for c in q["choices"] if c["correct"]) == right[str(q["id"])]


def test_open_attempt_expiry_is_not_reset_by_starting_again(user):
    quiz = make_quiz(time_limit_minutes=15)
    attempt = move_back(start(quiz, user), minutes=5)
    again, created = attempt_start(quiz=quiz, user=user)
    assert created is False
    assert again.expires_at == attempt.expires_at
    assert timezone.now() < again.expires_at


# --- Published version only ------------------------------------------------------------------


def test_attempt_records_the_live_revision_it_was_served_from(user):
    quiz = make_quiz()
    revision = quiz.save_revision()
    revision.publish()
    quiz.refresh_from_db()
    attempt = start(quiz, user)
    assert attempt.quiz_revision_id == revision.pk == quiz.live_revision_id


def test_a_quiz_never_published_cannot_be_started(user):
    quiz = make_quiz(live=False)
    with pytest.raises(DomainError) as error:
        attempt_start(quiz=quiz, user=user)
    assert error.value.code == ErrorCode.CONFLICT
    assert not Attempt.objects.exists()


def test_submit_stores_the_grade_and_the_item_rows_the_grade_gives(user):
    """The closing UPDATE and the item rows are written out by hand: what they store is what
    the model's fields and `item_rows` (the import's and bench's form) say."""
    quiz = make_quiz()
    attempt = start(quiz, user, seed=1)
    questions = attempt.questions
    answers = {**correct_answers(questions[:1]), **wrong_answers(questions[1:])}
    attempt_submit(attempt=attempt, answers=answers)
    stored = Attempt.objects.get(pk=attempt.pk)
    for name in ("answers", "submitted_at", "correct_count", "score", "passed"):
        assert getattr(stored, name) == getattr(attempt, name), name
    assert stored.correct_count == 1 and stored.passed is False
    items, picks = item_rows(stored)
    assert sorted(stored.items.values_list("question_id", "correct")) == sorted(
        (i.question_id, i.correct) for i in items
    )
    assert sorted(stored.picks.values_list("question_id", "choice_id")) == sorted(
        (p.question_id, p.choice_id) for p in picks
    )
    assert len(picks) >= len(questions)
