"""Rules that change quiz state: starting and submitting attempts.

Callers (the `courses` app) decide whether the learner may take the quiz at all; these
functions enforce the quiz's own rules: attempts left, cooldown, time limit, one open
attempt, one submission.
"""

import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.drawing import draw_questions, last_served
from assessments.grading import grade, normalise_answers
from assessments.models import Attempt, AttemptItem, AttemptPick, Quiz
from assessments.selectors import attempts_left, counts_toward_limit
from lms.errors import DomainError, ErrorCode
from lms.sanitize import clean_html, clean_text

# Submissions arriving this long after the time limit still count (network latency).
TIME_LIMIT_GRACE = timedelta(seconds=30)


def quiz_snapshot(
    *, quiz: Quiz, rng: random.Random, served: Mapping[int, datetime] | None = None
) -> list[dict]:
    """Draw the questions for one attempt and freeze them, correct flags included.

    `served`: question id -> when this learner was last served it in this certification
    cycle; the draw prefers the others (assessments.drawing)."""
    pool = list(quiz.questions.prefetch_related("choices").order_by("sort_order", "pk"))
    if quiz.questions_per_attempt and quiz.questions_per_attempt < len(pool):
        drawn = draw_questions(
            pool, quiz.questions_per_attempt, key=lambda q: q.pk, served=served or {}, rng=rng
        )
        if quiz.shuffle:
            rng.shuffle(drawn)
        else:
            drawn.sort(key=lambda q: (q.sort_order or 0, q.pk))
    else:
        drawn = pool
        if quiz.shuffle:
            drawn = rng.sample(pool, len(pool))
    snapshot = []
    for question in drawn:
        choices = list(question.choices.all())
        if quiz.shuffle and question.kind != "true_false":
            rng.shuffle(choices)
        snapshot.append(
            {
                "id": question.pk,
                "kind": question.kind,
                "level": question.level,
                "lesson_id": question.lesson_id,
                "prompt": clean_html(question.prompt),
                "explanation": clean_html(question.explanation),
                "choices": [
                    {
                        "id": c.pk,
                        "text": clean_text(c.text),
                        "correct": c.is_correct,
                        "feedback": clean_text(c.feedback),
                    }
                    for c in choices
                ],
            }
        )
    return snapshot


def item_rows(attempt: Attempt) -> tuple[list[AttemptItem], list[AttemptPick]]:
    """The AttemptItem and AttemptPick rows of a submitted attempt, from its snapshot and
    answers (graded again, purely)."""
    answers = {int(q): frozenset(c) for q, c in (attempt.answers or {}).items()}
    graded = grade(attempt.questions, answers, attempt.pass_mark)
    items = [
        AttemptItem(attempt_id=attempt.pk, question_id=r.question_id, correct=r.correct)
        for r in graded.results
    ]
    picks = [
        AttemptPick(attempt_id=attempt.pk, question_id=r.question_id, choice_id=choice)
        for r in graded.results
        for choice in sorted(r.chosen)
    ]
    return items, picks


def record_items(attempt: Attempt) -> None:
    """Write the attempt's item rows, with its grade (the caller's transaction)."""
    items, picks = item_rows(attempt)
    AttemptItem.objects.bulk_create(items)
    AttemptPick.objects.bulk_create(picks)


def _close_if_expired(attempt: Attempt, now) -> bool:
    """An attempt past its time limit is closed with the answers it has (none): graded 0.
    Returns whether it was closed."""
    if attempt.expires_at is None or now <= attempt.expires_at + TIME_LIMIT_GRACE:
        return False
    result = grade(attempt.questions, {}, attempt.pass_mark)
    attempt.answers = {}
    attempt.submitted_at = now
    attempt.correct_count, attempt.score, attempt.passed = (
        result.correct_count,
        result.score,
        result.passed,
    )
    attempt.save(update_fields=["answers", "submitted_at", "correct_count", "score", "passed"])
    record_items(attempt)
    return True


def _lock_learner(user) -> None:
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def attempt_start(
    *, quiz: Quiz, user, since=None, rng: random.Random | None = None
) -> tuple[Attempt, bool]:
    """Return the learner's open attempt, or start a new one. `created` tells which.

    A new attempt draws the questions this learner has not been served since `since` first,
    then those served longest ago (assessments.drawing).

    Raises DomainError(CONFLICT) when no attempts are left, a cooldown is running or the
    quiz was never published. The quiz row is the published version (drafts live in
    revisions); the attempt records which revision that was. Attempts started before `since`
    (an earlier certification cycle) do not count.
    The learner's row is locked, once, so concurrent starts are serialised; an open attempt
    past its time limit is closed under that lock (graded 0, it counts as used) before a new
    one is considered.
    """
    _lock_learner(user)
    now = timezone.now()
    attempts = list(Attempt.objects.filter(quiz=quiz, user=user).order_by("number"))
    open_attempt = next((a for a in attempts if not a.is_submitted), None)
    if open_attempt and _close_if_expired(open_attempt, now):
        open_attempt = None
    if open_attempt:
        return open_attempt, False
    if not quiz.live:
        # Never published: the row holds a trainer's draft, which learners must not see.
        raise DomainError(ErrorCode.CONFLICT, "This quiz has not been published yet.")

    if attempts_left(quiz=quiz, started=[a.started_at for a in attempts], since=since) == 0:
        raise DomainError(ErrorCode.CONFLICT, "No attempts are left for this quiz.")
    last = attempts[-1] if attempts else None
    if last and not last.passed and quiz.cooldown_minutes:
        ready_at = last.submitted_at + timedelta(minutes=quiz.cooldown_minutes)
        if now < ready_at:
            raise DomainError(
                ErrorCode.CONFLICT,
                f"You can retry this quiz after {ready_at:%H:%M} UTC.",
            )
    served = last_served(
        (a.started_at, a.questions)
        for a in attempts
        if counts_toward_limit(a.started_at, since=since)
    )
    questions = quiz_snapshot(quiz=quiz, rng=rng or random.SystemRandom(), served=served)
    if not questions:
        raise DomainError(ErrorCode.CONFLICT, "This quiz has no questions yet.")
    expires_at = (
        now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    )
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                quiz=quiz,
                user=user,
                number=len(attempts) + 1,
                questions=questions,
                pass_mark=quiz.pass_mark,
                quiz_revision_id=quiz.live_revision_id,
                started_at=now,
                expires_at=expires_at,
            )
    except IntegrityError:
        raise DomainError(
            ErrorCode.CONFLICT, "Another attempt was started at the same time."
        ) from None
    return attempt, True


def attempt_submit(*, attempt: Attempt, answers) -> Attempt:
    """Grade and close an attempt, once. Bad answers raise INVALID and store nothing.

    Runs in the caller's transaction (select_for_update refuses to run outside one): the
    attempt row stays locked until it ends, so concurrent submits grade it exactly once;
    the losers get CONFLICT and the first result stands.
    """
    locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if locked.is_submitted:
        raise DomainError(ErrorCode.CONFLICT, "This attempt has already been submitted.")
    now = timezone.now()
    if locked.expires_at and now > locked.expires_at + TIME_LIMIT_GRACE:
        raise DomainError(ErrorCode.CONFLICT, "The time limit for this attempt has passed.")
    chosen = normalise_answers(locked.questions, answers)
    result = grade(locked.questions, chosen, locked.pass_mark)
    locked.answers = {str(q): sorted(c) for q, c in chosen.items()}
    locked.submitted_at = now
    locked.correct_count = result.correct_count
    locked.score = result.score
    locked.passed = result.passed
    locked.save(update_fields=["answers", "submitted_at", "correct_count", "score", "passed"])
    record_items(locked)
    return locked
