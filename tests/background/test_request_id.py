"""A task carries the id of the request that queued it (issue 19, item 4): stored with its
arguments, set while it runs (its log lines name it), kept by its retries."""

import json

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from background.context import bound_request_id
from background.worker import HeartbeatWorker
from tests.background import sample_tasks
from tests.factories import PersonFactory
from tests.tasks import WORKER_OPTIONS, run_tasks


def log_lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def rows():
    return list(DBTaskResult.objects.order_by("enqueued_at"))


def test_a_task_runs_under_the_request_id_it_was_queued_with(db):
    with bound_request_id("edge-0123456789"):
        sample_tasks.report_request_id.enqueue()
    sample_tasks.report_request_id.enqueue()  # outside any request

    assert run_tasks() == 2
    with_id, without = rows()
    assert with_id.args_kwargs["kwargs"] == {"request_id": "edge-0123456789"}
    assert with_id.return_value == "edge-0123456789"
    assert without.args_kwargs["kwargs"] == {}
    assert without.return_value is None


def test_a_failing_task_logs_under_the_request_id_and_its_retry_keeps_it(db, production_log):
    with bound_request_id("edge-0123456789"):
        sample_tasks.report_request_id.enqueue(fail=True)
    run_tasks()

    first, retry = rows()
    assert first.status == "FAILED"
    assert retry.args_kwargs["kwargs"] == {
        "fail": True,
        "retry_attempt": 2,
        "request_id": "edge-0123456789",
    }
    [warning] = [line for line in log_lines(production_log) if line["logger"] == "background.retry"]
    assert "retrying" in warning["message"]
    assert warning["request_id"] == "edge-0123456789"


def test_the_workers_own_lines_about_a_task_name_its_request(db, production_log):
    with bound_request_id("edge-0123456789"):
        sample_tasks.report_request_id.enqueue(fail=True)
    row = DBTaskResult.objects.get()
    worker = HeartbeatWorker(**WORKER_OPTIONS)
    row.claim(worker.worker_id)
    worker.run_task(row)

    [failed] = [line for line in log_lines(production_log) if line["logger"] == "django_tasks"]
    assert "state=FAILED" in failed["message"]
    assert failed["request_id"] == "edge-0123456789"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_task_queued_by_a_request_carries_its_id():
    """A committing test: the password reset queues its email task once the request's
    transaction commits, inside the request, as in production."""
    person = PersonFactory()

    response = Client().post(
        "/accounts/password/reset/",
        {"email": person.user.email},
        HTTP_X_REQUEST_ID="edge-0123456789",
    )

    assert response.status_code == 302
    [queued] = DBTaskResult.objects.filter(task_path="lms.password_reset.reset_emails_send")
    assert queued.args_kwargs["kwargs"]["request_id"] == response["X-Request-ID"]
    assert response["X-Request-ID"] == "edge-0123456789"
