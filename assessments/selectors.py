"""Reads of quiz attempts, and the attempt limit."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from assessments.grading import Grade, grade
from assessments.models import Attempt, Quiz


@dataclass
class ReviewedQuestion:
    id: int
    kind: str
    prompt: str
    explanation: str
    correct: bool
    chosen: list[int]
    correct_choices: list[int]
    choices: list[dict]


@dataclass
class AttemptReview:
    """A submitted attempt re-graded from its own snapshot, for the result page and API."""

    id: int
    score: int
    passed: bool
    correct_count: int
    total: int
    attempts_left: int
    questions: list[ReviewedQuestion]


def attempt_review(attempt: Attempt, *, attempts_left: int) -> AttemptReview:
    answers = {int(q): frozenset(c) for q, c in (attempt.answers or {}).items()}
    graded: Grade = grade(attempt.questions, answers, attempt.pass_mark)
    questions = [
        ReviewedQuestion(
            id=q["id"],
            kind=q["kind"],
            prompt=q["prompt"],
            explanation=q["explanation"],
            correct=r.correct,
            chosen=sorted(r.chosen),
            correct_choices=sorted(r.correct_choices),
            choices=[
                {
                    "id": c["id"],
                    "text": c["text"],
                    "correct": c["correct"],
                    "chosen": c["id"] in r.chosen,
                }
                for c in q["choices"]
            ],
        )
        for q, r in zip(attempt.questions, graded.results, strict=True)
    ]
    return AttemptReview(
        id=attempt.pk,
        score=attempt.score,
        passed=attempt.passed,
        correct_count=attempt.correct_count,
        total=attempt.total,
        attempts_left=attempts_left,
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
    started = Attempt.objects.filter(quiz=quiz, user=user).values_list("started_at", flat=True)
    return attempts_left(quiz=quiz, started=started, since=since)
