"""The review policy: when a learner may see the correct choices, the explanations and each
choice's feedback. One rule, `review_level`; every way to read an attempt goes through it
(the result page, the API, the learner's transcript and their records download), via
`selectors.attempt_review`, which leaves out what a limited review may not show.

- *immediately*: full review after every attempt;
- *after passing or after the last attempt* (the default): full once the learner has passed
  the quiz in the current certification cycle, or has no attempts left in it, and no attempt
  is open (an open attempt must not be answerable from the review of an earlier one);
  limited before that;
- *never*: always limited.

A limited review shows the score, which questions were right or wrong and the lesson that
teaches each one: not the correct choices, not the explanations, not the feedback, and not
the learner's own choices (which, beside "correct", would mark the right one).
"""

from dataclasses import dataclass

from assessments.models import ReviewPolicy

FULL = "full"
LIMITED = "limited"


@dataclass(frozen=True)
class QuizStanding:
    """Where a learner stands in one quiz in the current certification cycle."""

    attempts_left: int
    passed: bool  # some attempt of this cycle passed
    open_attempt: bool  # an attempt is started and not yet submitted


def review_level(*, policy: str, standing: QuizStanding) -> str:
    """FULL or LIMITED: what the learner may see of their submitted attempts now."""
    if policy == ReviewPolicy.IMMEDIATELY:
        return FULL
    if policy == ReviewPolicy.NEVER or standing.open_attempt:
        return LIMITED
    return FULL if standing.passed or standing.attempts_left == 0 else LIMITED
