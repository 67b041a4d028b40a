"""xAPI statements against a real LRS (Ralph, tests/xapi/conftest.py): a learner's journey
arrives, validates and reads back; with the LRS down nothing is lost, and everything arrives
after it returns, each statement once."""

import json
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from ralph.models.xapi.base.statements import BaseXapiStatement

from tests.helpers import fail_quiz, move_clock, pass_module
from tests.tasks import run_on_commit, run_tasks
from xapi.delivery import deliver_due
from xapi.models import DeliveryStatus, OutboxStatement, XapiAccount

ADL = "http://adlnet.gov/expapi/verbs/"


def journey(learner, curriculum) -> None:
    """Fail module 1's quiz once, pass it, pass module 2: the curriculum is complete."""
    first, second = curriculum.modules
    for module in (first, second):  # published quizzes: attempts name their revision
        module.page.quiz.save_revision().publish()
        module.page.quiz.refresh_from_db()
    with run_on_commit(execute=True):
        fail_quiz(learner, first)
    with run_on_commit(execute=True):
        pass_module(learner, first)
    with run_on_commit(execute=True):
        pass_module(learner, second)


def agent_of(learner) -> str:
    name = XapiAccount.objects.get(person=learner).name
    return json.dumps({"account": {"homePage": settings.SITE_URL, "name": str(name)}})


def test_a_learners_journey_arrives_validates_and_reads_back_once(lrs, learner, curriculum):
    journey(learner, curriculum)
    run_tasks()

    outbox = list(OutboxStatement.objects.all())
    assert {row.status for row in outbox} == {DeliveryStatus.DELIVERED}
    stored = lrs.statements(agent=agent_of(learner))
    assert sorted(s["id"] for s in stored) == sorted(str(row.id) for row in outbox)
    assert any("revision" in s["context"] for s in stored)
    for statement in stored:
        BaseXapiStatement.model_validate(statement)  # xAPI 1.0.3 as Ralph's models read it
    verbs = [
        s["verb"]["id"].removeprefix(ADL) for s in sorted(stored, key=lambda s: s["timestamp"])
    ]
    # 2 modules × 2 lessons, module 1 failed then passed, module 2 passed, then completions.
    assert verbs.count("completed") == 4 + 2 + 1
    assert verbs.count("attempted") == 3
    assert (verbs.count("passed"), verbs.count("failed")) == (2, 1)
    course = [s for s in stored if s["object"]["id"].endswith(f"/curriculum/{curriculum.page.pk}")]
    assert len(course) == 1 and course[0]["verb"]["id"] == ADL + "completed"
    # One certification cycle: one registration, by which the LRS finds the whole journey.
    [registration] = {s["context"]["registration"] for s in stored}
    assert len(lrs.statements(registration=registration)) == len(stored)


def test_with_the_lrs_down_nothing_is_lost_and_all_arrives_once_when_it_returns(
    lrs, learner, curriculum, monkeypatch
):
    lrs.stop()
    journey(learner, curriculum)
    run_tasks()

    pending = list(OutboxStatement.objects.all())
    assert len(pending) == 13
    assert {row.status for row in pending} == {DeliveryStatus.PENDING}
    tried = [row for row in pending if row.attempts]
    assert tried and all(row.next_attempt_at > timezone.now() for row in tried)
    assert all("refused" in row.last_error.lower() for row in tried)

    lrs.start()
    move_clock(monkeypatch, minutes=1)  # past the first backoff (30 s)
    run_tasks()  # the follow-up delivery the failed run queued for then

    assert set(OutboxStatement.objects.values_list("status", flat=True)) == {"delivered"}
    stored = lrs.statements(agent=agent_of(learner))
    assert len(stored) == 13
    assert len({s["id"] for s in stored}) == 13


def test_a_statement_posted_again_is_stored_once(lrs, learner, curriculum):
    """A run cut short between the LRS's answer and our record of it posts again: the LRS
    answers for the known id, and the statement counts as delivered, stored once."""
    with run_on_commit(execute=True):
        pass_module(learner, curriculum.modules[0])
    run_tasks()
    OutboxStatement.objects.update(status=DeliveryStatus.PENDING, finished_at=None)

    report = deliver_due()

    assert report.delivered == OutboxStatement.objects.count() == 5
    assert len(lrs.statements(agent=agent_of(learner))) == 5


def test_a_statement_the_lrs_refuses_is_recorded_and_not_retried(lrs, learner, curriculum):
    with run_on_commit(execute=True):
        pass_module(learner, curriculum.modules[0])
    bad = OutboxStatement.objects.order_by("created_at").first()
    del bad.statement["actor"]  # a statement needs one
    bad.save()

    report = deliver_due()

    bad.refresh_from_db()
    assert (bad.status, bad.attempts) == (DeliveryStatus.REJECTED, 1)
    assert 400 <= bad.last_status_code < 500 and bad.last_error
    assert report.delivered == 4, "the good statements of the same batch were delivered"
    assert deliver_due(now=timezone.now() + timedelta(days=1)).rejected == 0
    bad.refresh_from_db()
    assert bad.attempts == 1
