"""Reads of quiz attempts."""

from dataclasses import dataclass

from assessments.grading import Grade, grade
from assessments.models import Attempt


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


def attempts_used(*, quiz_id: int, user) -> int:
    return Attempt.objects.filter(quiz_id=quiz_id, user=user).count()
