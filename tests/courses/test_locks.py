"""Row locks: a request takes each row lock once, in one order (training record, then attempt
or learner, then the report standing a completion refreshes); its audit events lock nothing
(they are inserted pending and chained after the commit, lms.audit). PostgreSQL only: SQLite
has no SELECT ... FOR UPDATE (Django drops it)."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Certificate
from lms.audit import Action
from lms.models import AuditEvent
from tests.helpers import complete_lessons, correct_answers, pass_module, start_quiz

pytestmark = pytest.mark.postgres

TABLE = re.compile(r'\bFROM "(\w+)"')
CLOSE = re.compile(r'^UPDATE "(assessments_attempt)" .*"submitted_at" IS NULL', re.S)


def _locks(queries) -> list[str]:
    """The table of each SELECT ... FOR UPDATE, and the attempt's conditional UPDATE that
    closes it (it locks the open attempt's row: assessments.services.attempt_submit), in
    the order they ran."""
    locks = []
    for q in queries:
        if q["sql"].startswith("SELECT") and "FOR UPDATE" in q["sql"]:
            locks.append(TABLE.search(q["sql"]).group(1))
        elif closing := CLOSE.match(q["sql"]):
            locks.append(closing.group(1))
    return locks


@pytest.fixture
def last_quiz(learner, curriculum):
    """The learner has passed the first module and opened the last module's quiz."""
    pass_module(learner, curriculum.modules[0])
    last = curriculum.modules[-1]
    complete_lessons(learner, last)
    attempt = start_quiz(learner, last)
    return attempt, correct_answers(attempt.questions)


def _submit_api(client, api_for, learner):
    api = api_for(learner.user)
    return lambda attempt, answers: api.post(
        f"/api/v1/attempts/{attempt.pk}/submit/", {"answers": answers}, format="json"
    )


def _submit_form(client, api_for, learner):
    client.force_login(learner.user)  # signing in appends an event: before the count
    return lambda attempt, answers: client.post(
        f"/training/attempts/{attempt.pk}/submit/",
        {f"q{question}": choices for question, choices in answers.items()},
    )


@pytest.mark.parametrize("submitter", [_submit_api, _submit_form], ids=["api", "form"])
def test_a_passing_submit_locks_each_row_once_in_order(
    client, api_for, learner, last_quiz, submitter
):
    """The submit that completes the module, the curriculum and issues the certificate."""
    attempt, answers = last_quiz
    submit = submitter(client, api_for, learner)
    id_before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

    with CaptureQueriesContext(connection) as queries:
        response = submit(attempt, answers)

    assert response.status_code in (200, 302)
    assert Certificate.objects.filter(person=learner).exists()
    locks = _locks(queries)
    counts = Counter(locks)
    assert counts["courses_trainingrecord"] == 1, locks
    assert counts["assessments_attempt"] == 1, locks
    written = AuditEvent.objects.filter(id__gt=id_before)
    assert set(written.values_list("action", flat=True)) == {
        Action.ATTEMPT_SUBMITTED,
        Action.MODULE_COMPLETED,
        Action.CURRICULUM_COMPLETED,
        Action.CERTIFICATE_ISSUED,
        Action.TRAINING_RECORDED,  # the module's hours in the compliance ledger
    }
    # Then the report's standing of the learner (courses.progress.tally), once, last.
    assert locks == ["courses_trainingrecord", "assessments_attempt", "courses_reportstanding"]


def test_a_quiz_start_locks_each_row_once_in_order(api_for, learner, curriculum):
    """Start closes a timed-out attempt under the same lock as it starts the next."""
    module = curriculum.modules[0]
    complete_lessons(learner, module)
    api = api_for(learner.user)

    with CaptureQueriesContext(connection) as queries:
        response = api.post(f"/api/v1/quizzes/{module.page.quiz_id}/attempts/")

    assert response.status_code == 201
    locks = _locks(queries)
    assert locks == ["courses_trainingrecord", "auth_user"]


def test_recording_events_locks_nothing_and_leaves_them_pending(learner):
    """Writers never wait for one another on the audit trail: no chain head lock."""
    from django.db import transaction

    from lms.audit import record_event

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        events = [
            record_event(action=Action.LESSON_COMPLETED, person_id=learner.pk) for _ in range(3)
        ]

    assert _locks(queries) == []
    assert [e.seq for e in AuditEvent.objects.filter(pk__in=[e.pk for e in events])] == [None] * 3
