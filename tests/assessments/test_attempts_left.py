"""Attempts left (assessments.selectors.attempts_left): one table of cases, run through the
formula, the database reader every page and response uses, and the start rule, which must
refuse a new attempt exactly when none is left.

`since` is where the caller's count begins (courses passes the start of the learner's current
certification cycle); attempts are given in minutes relative to it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from assessments.models import Attempt
from assessments.selectors import attempts_left, quiz_attempts_left
from assessments.services import attempt_start
from lms.errors import DomainError, ErrorCode
from tests.factories import UserFactory, make_quiz

pytestmark = pytest.mark.django_db

# (name, max attempts, attempts started at these minutes from `since`, count from since?, left)
CASES = [
    ("none taken", 3, [], True, 3),
    ("one taken", 3, [5], True, 2),
    ("all taken", 3, [5, 10, 15], True, 0),
    ("limit lowered below those taken: never negative", 2, [5, 10, 15], True, 0),
    ("earlier cycle's attempts do not count", 3, [-90, -60, -30], True, 3),
    ("only this cycle's count", 3, [-90, -60, 5], True, 2),
    ("an attempt started at the cycle's start counts", 3, [-60, 0], True, 2),
    ("without a cycle every attempt counts", 3, [-90, -60, 5], False, 0),
    ("a single attempt allowed and taken", 1, [5], True, 0),
]


@pytest.mark.parametrize(
    ("name", "max_attempts", "minutes", "use_since", "left"), CASES, ids=[c[0] for c in CASES]
)
def test_formula_reader_and_start_rule_agree(name, max_attempts, minutes, use_since, left):
    quiz = make_quiz(max_attempts=max_attempts, cooldown_minutes=0)
    user = UserFactory()
    start_of_cycle = timezone.now() - timedelta(hours=1)
    since = start_of_cycle if use_since else None
    started = [start_of_cycle + timedelta(minutes=m) for m in minutes]
    for number, started_at in enumerate(started, start=1):
        Attempt.objects.create(
            quiz=quiz,
            user=user,
            number=number,
            questions=[],
            pass_mark=quiz.pass_mark,
            started_at=started_at,
            submitted_at=started_at + timedelta(minutes=1),
            score=0,
            passed=False,
        )

    assert attempts_left(quiz=quiz, started=started, since=since) == left
    assert quiz_attempts_left(quiz=quiz, user=user, since=since) == left
    if left:
        attempt, created = attempt_start(quiz=quiz, user=user, since=since)
        assert created and attempt.number == len(started) + 1
    else:
        with pytest.raises(DomainError) as error:
            attempt_start(quiz=quiz, user=user, since=since)
        assert error.value.code == ErrorCode.CONFLICT
        assert Attempt.objects.filter(user=user).count() == len(started)
