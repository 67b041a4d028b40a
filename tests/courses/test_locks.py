"""Row locks: a request takes each row lock once, in one order (training record, attempt, then
the audit chain head). PostgreSQL only: SQLite has no SELECT ... FOR UPDATE (Django drops it)."""

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


def _locks(queries) -> list[str]:
    """The table of each SELECT ... FOR UPDATE, in the order they ran."""
    return [
        TABLE.search(q["sql"]).group(1)
        for q in queries
        if q["sql"].startswith("SELECT") and "FOR UPDATE" in q["sql"]
    ]


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
    seq_before = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()

    with CaptureQueriesContext(connection) as queries:
        response = submit(attempt, answers)

    assert response.status_code in (200, 302)
    assert Certificate.objects.filter(person=learner).exists()
    locks = _locks(queries)
    counts = Counter(locks)
    assert counts["courses_trainingrecord"] == 1, locks
    assert counts["assessments_attempt"] == 1, locks
    # The chain head is locked by each event appended (lms.audit.record_event), always last.
    written = AuditEvent.objects.filter(seq__gt=seq_before)
    assert set(written.values_list("action", flat=True)) == {
        Action.ATTEMPT_SUBMITTED,
        Action.MODULE_COMPLETED,
        Action.CURRICULUM_COMPLETED,
        Action.CERTIFICATE_ISSUED,
    }
    assert counts["lms_auditchainhead"] == written.count()
    assert set(counts) == {"courses_trainingrecord", "assessments_attempt", "lms_auditchainhead"}
    first_locks = list(dict.fromkeys(locks))
    assert first_locks == ["courses_trainingrecord", "assessments_attempt", "lms_auditchainhead"]
