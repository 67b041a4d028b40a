"""Rules that change quiz state: starting and submitting attempts.

Callers (the `courses` app) decide whether the learner may take the quiz at all; these
functions enforce the quiz's own rules: attempts left, cooldown, time limit, one open
attempt, one submission.
"""

import random
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection
from django.db.models.signals import post_save
from django.utils import timezone

from assessments.drawing import draw_questions, last_served
from assessments.grading import Grade, grade, normalise_answers
from assessments.models import Attempt, AttemptItem, AttemptPick, Quiz
from assessments.selectors import attempts_left, attempts_of, counts_toward_limit
from lms.db.rows import insert
from lms.errors import DomainError, ErrorCode
from lms.page_cache import remembered
from lms.sanitize import clean_html, clean_text

# Submissions arriving this long after the time limit still count (network latency).
TIME_LIMIT_GRACE = timedelta(seconds=30)


def question_pool(quiz: Quiz) -> list[dict]:
    """The quiz's questions with their choices, sanitised, in pool order: read and cleaned
    once per published revision in each worker (publishing also renews the content version
    it is kept under: lms.page_cache.remembered), not once per attempt. Treat as read-only."""

    def read() -> list[dict]:
        questions = quiz.questions.prefetch_related("choices").order_by("sort_order", "pk")
        return [
            {
                "id": question.pk,
                "kind": question.kind,
                "level": question.level,
                "lesson_id": question.lesson_id,
                "prompt": clean_html(question.prompt),
                "explanation": clean_html(question.explanation),
                "sort_order": question.sort_order,
                "choices": [
                    {
                        "id": c.pk,
                        "text": clean_text(c.text),
                        "correct": c.is_correct,
                        "feedback": clean_text(c.feedback),
                    }
                    for c in question.choices.all()
                ],
            }
            for question in questions
        ]

    return remembered(f"quiz-pool:{quiz.pk}:{quiz.live_revision_id}", read)


def quiz_snapshot(
    *,
    quiz: Quiz,
    rng: random.Random,
    served: Mapping[int, datetime] | None = None,
    pool: list[dict] | None = None,
) -> list[dict]:
    """Draw the questions for one attempt and freeze them, correct flags included.

    `served`: question id -> when this learner was last served it in this certification
    cycle; the draw prefers the others (assessments.drawing). `pool`: `question_pool(quiz)`,
    if the caller has it."""
    pool = question_pool(quiz) if pool is None else pool
    if quiz.questions_per_attempt and quiz.questions_per_attempt < len(pool):
        drawn = draw_questions(
            pool, quiz.questions_per_attempt, key=lambda q: q["id"], served=served or {}, rng=rng
        )
        if quiz.shuffle:
            rng.shuffle(drawn)
        else:
            drawn.sort(key=lambda q: (q["sort_order"] or 0, q["id"]))
    else:
        drawn = pool
        if quiz.shuffle:
            drawn = rng.sample(pool, len(pool))
    snapshot = []
    for question in drawn:
        choices = list(question["choices"])
        if quiz.shuffle and question["kind"] != "true_false":
            rng.shuffle(choices)
        snapshot.append(
            {
                **{k: v for k, v in question.items() if k != "sort_order"},
                "choices": [dict(c) for c in choices],
            }
        )
    return snapshot


def _item_values(attempt_id: int, graded: Grade) -> tuple[list[tuple], list[tuple]]:
    """(attempt, question, correct) for each question and (attempt, question, choice) for
    each choice picked: the AttemptItem and AttemptPick rows, as values."""
    items = [(attempt_id, r.question_id, r.correct) for r in graded.results]
    picks = [
        (attempt_id, r.question_id, choice) for r in graded.results for choice in sorted(r.chosen)
    ]
    return items, picks


def _graded(attempt: Attempt) -> Grade:
    answers = {int(q): frozenset(c) for q, c in (attempt.answers or {}).items()}
    return grade(attempt.questions, answers, attempt.pass_mark)


def item_rows(attempt: Attempt) -> tuple[list[AttemptItem], list[AttemptPick]]:
    """The AttemptItem and AttemptPick rows of a submitted attempt, from its snapshot and
    answers (graded again, purely)."""
    items, picks = _item_values(attempt.pk, _graded(attempt))
    return (
        [AttemptItem(attempt_id=a, question_id=q, correct=c) for a, q, c in items],
        [AttemptPick(attempt_id=a, question_id=q, choice_id=c) for a, q, c in picks],
    )


def _insert_sql(model, columns: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # noqa: S608 (names are ours)
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )


def record_items(attempt: Attempt, graded: Grade | None = None) -> None:
    """Write the attempt's item rows, with its grade (the caller's transaction): a statement
    for each table, written out (`graded`: the attempt's grade, if the caller has it)."""
    items, picks = _item_values(attempt.pk, graded or _graded(attempt))
    tables = ((AttemptItem, "correct", items), (AttemptPick, "choice_id", picks))
    with connection.cursor() as cursor:
        for model, last, rows in tables:
            if rows:
                cursor.executemany(_insert_sql(model, ("attempt_id", "question_id", last)), rows)


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
    record_items(attempt, result)
    return True


def _lock_learner(user) -> None:
    """Lock the learner's account row for the transaction: `select_for_update()` on it, the
    statement written out (no FOR UPDATE where the database has none: SQLite, whose writers
    run one at a time anyway)."""
    quote = connection.ops.quote_name
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = (
        f"SELECT 1 FROM {quote(get_user_model()._meta.db_table)} "  # noqa: S608 (names are ours)
        f"WHERE {quote('id')} = %s{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])


def attempt_start(
    *, quiz: Quiz, user, since=None, rng: random.Random | None = None, pool=None
) -> tuple[Attempt, bool]:
    """Return the learner's open attempt, or start a new one. `created` tells which.

    A new attempt draws the questions this learner has not been served since `since` first,
    then those served longest ago (assessments.drawing), from `pool` (`question_pool(quiz)`,
    read here if not given).

    Raises DomainError(CONFLICT) when no attempts are left, a cooldown is running or the
    quiz was never published. The quiz row is the published version (drafts live in
    revisions); the attempt records which revision that was. Attempts started before `since`
    (an earlier certification cycle) do not count.
    The learner's row is locked, once, so concurrent starts are serialised; an open attempt
    past its time limit is closed under that lock (graded 0, it counts as used) before a new
    one is considered. Runs in the caller's transaction (the lock needs one), without a
    savepoint: a start that loses a race on the insert raises CONFLICT, and the caller's
    transaction, which cannot go on after the failed insert, is rolled back with it.
    """
    _lock_learner(user)
    now = timezone.now()
    attempts = attempts_of(user, quiz)
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
    questions = quiz_snapshot(quiz=quiz, rng=rng or random.SystemRandom(), served=served, pool=pool)
    if not questions:
        raise DomainError(ErrorCode.CONFLICT, "This quiz has no questions yet.")
    expires_at = (
        now + timedelta(minutes=quiz.time_limit_minutes) if quiz.time_limit_minutes else None
    )
    attempt = Attempt(
        quiz=quiz,
        user=user,
        number=len(attempts) + 1,
        questions=questions,
        pass_mark=quiz.pass_mark,
        quiz_revision_id=quiz.live_revision_id,
        started_at=now,
        expires_at=expires_at,
    )
    try:  # no savepoint: the transaction is rolled back with the CONFLICT
        insert(attempt)  # a save, written out (lms.db.rows)
    except IntegrityError:
        raise DomainError(
            ErrorCode.CONFLICT, "Another attempt was started at the same time."
        ) from None
    return attempt, True


SUBMIT_FIELDS = ("answers", "submitted_at", "correct_count", "score", "passed")


def attempt_submit(*, attempt: Attempt, answers) -> Attempt:
    """Grade and close an attempt, once. Bad answers raise INVALID and store nothing.

    Graded from the caller's copy (its questions, pass mark and time limit never change once
    it is started), then closed by one UPDATE that matches only an open attempt, in the
    caller's transaction: the row lock the UPDATE takes is held until it ends, so concurrent
    submits close it exactly once; the losers match nothing, get CONFLICT, and the first
    result stands.
    """
    if attempt.is_submitted:
        raise DomainError(ErrorCode.CONFLICT, "This attempt has already been submitted.")
    now = timezone.now()
    if attempt.expires_at and now > attempt.expires_at + TIME_LIMIT_GRACE:
        raise DomainError(ErrorCode.CONFLICT, "The time limit for this attempt has passed.")
    chosen = normalise_answers(attempt.questions, answers)
    result = grade(attempt.questions, chosen, attempt.pass_mark)
    closed = {
        "answers": {str(q): sorted(c) for q, c in chosen.items()},
        "submitted_at": now,
        "correct_count": result.correct_count,
        "score": result.score,
        "passed": result.passed,
    }
    if not _close(attempt.pk, closed):
        raise DomainError(ErrorCode.CONFLICT, "This attempt has already been submitted.")
    for name, value in closed.items():
        setattr(attempt, name, value)
    # What a save would have told its receivers (the report's score counts, the page cache).
    post_save.send(
        sender=Attempt,
        instance=attempt,
        created=False,
        update_fields=frozenset(SUBMIT_FIELDS),
        raw=False,
        using=Attempt.objects.db,
    )
    record_items(attempt, result)
    return attempt


def _close(attempt_id: int, closed: dict) -> bool:
    """UPDATE the attempt with `closed` if it is still open; whether it was. Written out (its
    shape never changes), each value prepared by its field as the ORM would."""
    quote, fields = connection.ops.quote_name, Attempt._meta
    sql = (
        f"UPDATE {quote(fields.db_table)} "  # noqa: S608 (names are ours)
        f"SET {', '.join(f'{quote(name)} = %s' for name in closed)} "
        f"WHERE {quote('id')} = %s AND {quote('submitted_at')} IS NULL"
    )
    values = [
        fields.get_field(name).get_db_prep_save(value, connection) for name, value in closed.items()
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, attempt_id])
        return cursor.rowcount == 1
