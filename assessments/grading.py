"""Pure grading rules: no database, no clock. Unit- and property-tested on their own.

A question is correct when the set of chosen choices equals the set of correct choices
(all or nothing, also for multiple select). A question left out counts as wrong.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lms.errors import DomainError, ErrorCode

SINGLE_ANSWER_KINDS = {"single", "true_false", "scenario"}


@dataclass(frozen=True)
class QuestionResult:
    question_id: int
    correct: bool
    chosen: frozenset[int]
    correct_choices: frozenset[int]


@dataclass(frozen=True)
class Grade:
    correct_count: int
    total: int
    score: int
    passed: bool
    results: tuple[QuestionResult, ...]


def score_percent(correct_count: int, total: int) -> int:
    """Whole percent, rounded down, so a shown score never overstates the result."""
    return (100 * correct_count) // total if total else 0


def has_passed(correct_count: int, total: int, pass_mark: int) -> bool:
    """Exact comparison, free of rounding: correct/total >= pass_mark/100."""
    return total > 0 and 100 * correct_count >= pass_mark * total


def normalise_answers(
    questions: Sequence[Mapping[str, Any]], raw: Any
) -> dict[int, frozenset[int]]:
    """Validate a submitted `{"<question id>": [<choice id>, ...]}` against the served questions.

    Raises DomainError(INVALID) naming the problem; returns question id -> chosen choice ids.
    """
    if not isinstance(raw, Mapping):
        raise DomainError(
            ErrorCode.INVALID, "Expected an object of question id to choice ids.", field="answers"
        )
    served = {q["id"]: q for q in questions}
    answers: dict[int, frozenset[int]] = {}
    for key, value in raw.items():
        try:
            question_id = int(key)
        except (TypeError, ValueError):
            raise DomainError(
                ErrorCode.INVALID, f"{key!r} is not a question id.", field="answers"
            ) from None
        question = served.get(question_id)
        if question_id in answers:
            raise DomainError(
                ErrorCode.INVALID, f"Question {question_id} is answered twice.", field="answers"
            )
        if question is None:
            raise DomainError(
                ErrorCode.INVALID, f"Question {key} is not part of this attempt.", field="answers"
            )
        if not isinstance(value, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) for c in value
        ):
            raise DomainError(
                ErrorCode.INVALID,
                f"Answer to question {key} must be a list of choice ids.",
                field="answers",
            )
        chosen = frozenset(value)
        if len(chosen) != len(value):
            raise DomainError(
                ErrorCode.INVALID, f"Answer to question {key} repeats a choice.", field="answers"
            )
        known = {c["id"] for c in question["choices"]}
        unknown = chosen - known
        if unknown:
            raise DomainError(
                ErrorCode.INVALID,
                f"Choice {min(unknown)} does not belong to question {key}.",
                field="answers",
            )
        if question["kind"] in SINGLE_ANSWER_KINDS and len(chosen) > 1:
            raise DomainError(
                ErrorCode.INVALID, f"Question {key} takes one answer.", field="answers"
            )
        answers[question_id] = chosen
    return answers


def grade(
    questions: Sequence[Mapping[str, Any]],
    answers: Mapping[int, frozenset[int]],
    pass_mark: int,
) -> Grade:
    """Grade normalised answers against a question snapshot."""
    results = []
    for question in questions:
        correct_choices = frozenset(c["id"] for c in question["choices"] if c["correct"])
        chosen = answers.get(question["id"], frozenset())
        results.append(
            QuestionResult(
                question_id=question["id"],
                correct=bool(chosen) and chosen == correct_choices,
                chosen=chosen,
                correct_choices=correct_choices,
            )
        )
    correct_count = sum(r.correct for r in results)
    total = len(results)
    return Grade(
        correct_count=correct_count,
        total=total,
        score=score_percent(correct_count, total),
        passed=has_passed(correct_count, total, pass_mark),
        results=tuple(results),
    )
