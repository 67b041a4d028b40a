"""Reads of quiz attempts, and the attempt limit."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.http import Http404

from assessments.grading import Grade, grade
from assessments.models import Attempt, Quiz
from assessments.review import FULL, QuizStanding, review_level
from lms.db.rows import columns, fetch_models, fetch_values


@dataclass
class ReviewedChoice:
    id: int
    text: str
    chosen: bool
    correct: bool | None  # None in a limited review
    feedback: str | None  # None in a limited review


@dataclass
class ReviewedQuestion:
    """One question of a reviewed attempt. In a limited review (assessments.review) the
    fields that would give the answer away are None and `choices` lists no choice."""

    id: int
    kind: str
    prompt: str
    correct: bool
    lesson_id: int | None
    level: str | None
    explanation: str | None
    chosen: list[int] | None
    correct_choices: list[int] | None
    choices: list[ReviewedChoice]
    lesson: object = None  # the lesson page, where the caller looks it up


@dataclass
class AttemptReview:
    """A submitted attempt re-graded from its own snapshot, for every way a learner reads it
    (the result page, the API, their transcript and records download)."""

    id: int
    number: int
    quiz_title: str
    submitted_at: datetime
    score: int
    passed: bool
    correct_count: int
    total: int
    attempts_left: int
    review: str  # review.FULL or review.LIMITED
    questions: list[ReviewedQuestion]

    @property
    def full(self) -> bool:
        return self.review == FULL

    @property
    def wrong(self) -> list[ReviewedQuestion]:
        return [q for q in self.questions if not q.correct]


def attempt_review(attempt: Attempt, *, standing: QuizStanding, policy: str) -> AttemptReview:
    """The attempt as the learner may see it now: `review_level` decides full or limited, and
    a limited review carries nothing that marks a correct choice."""
    level = review_level(policy=policy, standing=standing)
    full = level == FULL
    answers = {int(q): frozenset(c) for q, c in (attempt.answers or {}).items()}
    graded: Grade = grade(attempt.questions, answers, attempt.pass_mark)
    questions = [
        ReviewedQuestion(
            id=q["id"],
            kind=q["kind"],
            prompt=q["prompt"],
            correct=r.correct,
            lesson_id=q.get("lesson_id"),
            level=q.get("level"),
            explanation=q["explanation"] if full else None,
            chosen=sorted(r.chosen) if full else None,
            correct_choices=sorted(r.correct_choices) if full else None,
            choices=[
                ReviewedChoice(
                    id=c["id"],
                    text=c["text"],
                    chosen=c["id"] in r.chosen,
                    correct=c["correct"],
                    feedback=c.get("feedback", ""),
                )
                for c in q["choices"]
            ]
            if full
            else [],
        )
        for q, r in zip(attempt.questions, graded.results, strict=True)
    ]
    return AttemptReview(
        id=attempt.pk,
        number=attempt.number,
        quiz_title=attempt.quiz.title,
        submitted_at=attempt.submitted_at,
        score=attempt.score,
        passed=attempt.passed,
        correct_count=attempt.correct_count,
        total=attempt.total,
        attempts_left=standing.attempts_left,
        review=level,
        questions=questions,
    )


def counts_toward_limit(started_at: datetime, *, since: datetime | None) -> bool:
    """Whether an attempt started at `started_at` counts against the quiz's limit. Those
    started before `since` do not (the caller's earlier certification cycle); None counts all."""
    return since is None or started_at >= since


def attempts_left(*, quiz: Quiz, started: Iterable[datetime], since: datetime | None) -> int:
    """The attempts a learner may still start: the quiz's limit less the attempts (given by
    their start times) that count toward it, never below zero. `attempt_start` refuses a new
    attempt when this is zero, and every page and response that shows a number uses it."""
    used = sum(1 for started_at in started if counts_toward_limit(started_at, since=since))
    return max(quiz.max_attempts - used, 0)


def quiz_attempts_left(*, quiz: Quiz, user, since: datetime | None) -> int:
    """`attempts_left` for the user's attempts at the quiz, read in one query."""
    return quiz_standing(quiz=quiz, user=user, since=since).attempts_left


_STANDING_FIELDS = [Attempt._meta.get_field(f) for f in ("started_at", "passed", "submitted_at")]
_STANDING_SQL = (  # written out (lms.db.rows): every submit and result asks it
    f"SELECT started_at, passed, submitted_at FROM {Attempt._meta.db_table} "  # noqa: S608
    "WHERE quiz_id = %s AND user_id = %s"
)


def attempt_of(user, attempt_id) -> Attempt:
    """The user's own attempt `attempt_id`; Http404 for another's or none (one statement,
    written out: every submit and result reads it)."""
    found = fetch_models(_ATTEMPT_SQL, [attempt_id, user.pk], Attempt)
    if not found:
        raise Http404("No such attempt.")
    return found[0][0]


_ATTEMPT_SQL = (
    f"SELECT {columns(Attempt, 'a')} FROM {Attempt._meta.db_table} a "  # noqa: S608
    "WHERE a.id = %s AND a.user_id = %s"
)


def attempts_of(user, quiz: Quiz) -> list[Attempt]:
    """The user's attempts at the quiz, in the order they were started (by number): one
    statement, written out (every start reads them)."""
    return [row[0] for row in fetch_models(_ATTEMPTS_SQL, [quiz.pk, user.pk], Attempt)]


_ATTEMPTS_SQL = (
    f"SELECT {columns(Attempt, 'a')} FROM {Attempt._meta.db_table} a "  # noqa: S608
    "WHERE a.quiz_id = %s AND a.user_id = %s ORDER BY a.number"
)


def quiz_standing(*, quiz: Quiz, user, since: datetime | None) -> QuizStanding:
    """Attempts left, whether an attempt of this cycle passed and whether one is open: what
    the review policy goes by. One query."""
    rows = fetch_values(_STANDING_SQL, [quiz.pk, user.pk], _STANDING_FIELDS)
    return QuizStanding(
        attempts_left=attempts_left(quiz=quiz, started=[r[0] for r in rows], since=since),
        passed=any(passed and counts_toward_limit(s, since=since) for s, passed, _ in rows),
        open_attempt=any(submitted is None for _, _, submitted in rows),
    )
