"""Row locks: a request takes each row lock once, in one order (training record, attempt or
learner, then the audit chain head, however many events it appends). PostgreSQL only: SQLite
has no SELECT ... FOR UPDATE (Django drops it)."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Certificate
from lms.audit import Action, _head_lock_held
from lms.models import AuditEvent
from tests.helpers import complete_lessons, correct_answers, pass_module, start_quiz

pytestmark = pytest.mark.postgres

TABLE = re.compile(r'\bFROM "(\w+)"')


def _forget_the_held_chain_head() -> None:
    """In production each request is its own transaction; here the whole test runs in one,
    which has already appended events and so holds the audit chain head. Before a request is
    measured, forget that it does, as a new request's transaction would start."""
    connection.run_on_commit = [
        entry for entry in connection.run_on_commit if entry[1] is not _head_lock_held
    ]


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
    _forget_the_held_chain_head()

    with CaptureQueriesContext(connection) as queries:
        response = submit(attempt, answers)

    assert response.status_code in (200, 302)
    assert Certificate.objects.filter(person=learner).exists()
    locks = _locks(queries)
    counts = Counter(locks)
    assert counts["courses_trainingrecord"] == 1, locks
    assert counts["assessments_attempt"] == 1, locks
    written = AuditEvent.objects.filter(seq__gt=seq_before)
    assert set(written.values_list("action", flat=True)) == {
        Action.ATTEMPT_SUBMITTED,
        Action.MODULE_COMPLETED,
        Action.CURRICULUM_COMPLETED,
        Action.CERTIFICATE_ISSUED,
    }
    assert counts["lms_auditchainhead"] == 1
    assert set(counts) == {"courses_trainingrecord", "assessments_attempt", "lms_auditchainhead"}
    first_locks = list(dict.fromkeys(locks))
    assert first_locks == ["courses_trainingrecord", "assessments_attempt", "lms_auditchainhead"]


def test_a_quiz_start_locks_each_row_once_in_order(api_for, learner, curriculum):
    """Start closes a timed-out attempt under the same lock as it starts the next."""
    module = curriculum.modules[0]
    complete_lessons(learner, module)
    api = api_for(learner.user)
    _forget_the_held_chain_head()

    with CaptureQueriesContext(connection) as queries:
        response = api.post(f"/api/v1/quizzes/{module.page.quiz_id}/attempts/")

    assert response.status_code == 201
    locks = _locks(queries)
    assert locks == ["courses_trainingrecord", "auth_user", "lms_auditchainhead"]


def test_a_rolled_back_savepoint_releases_the_chain_head_and_the_next_event_locks_it_again(
    learner,
):
    """The lock is remembered only while it is held (lms.audit._head_lock_held)."""
    from django.db import transaction

    from lms.audit import record_event

    _forget_the_held_chain_head()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        try:
            with transaction.atomic():
                record_event(action=Action.LESSON_COMPLETED, person_id=learner.pk)
                raise RuntimeError("roll back to the savepoint")
        except RuntimeError:
            pass
        record_event(action=Action.LESSON_COMPLETED, person_id=learner.pk)
        record_event(action=Action.LESSON_COMPLETED, person_id=learner.pk)

    assert _locks(queries) == ["lms_auditchainhead", "lms_auditchainhead"]
