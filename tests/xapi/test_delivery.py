"""How delivery answers each kind of LRS failure, against a stub LRS on loopback that answers
what the test tells it (a real LRS is in test_lrs.py): 5xx and timeouts are retried with
backoff and never given up; a refused statement is rejected at once; other 4xx are retried a
few times, then rejected; a re-post that the LRS already holds counts as delivered."""

import json
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tests.tasks import run_tasks
from xapi import outbox
from xapi.delivery import (
    MAX_CLIENT_ERROR_ATTEMPTS,
    deliver_due,
    deliver_statements,
    retry_rejected,
)
from xapi.models import DeliveryStatus, OutboxStatement


class StubLrs(BaseHTTPRequestHandler):
    answers: list = []  # (status, body) per request, or "hang"; the last one repeats
    requests: list = []

    def _answer(self):
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"null")
        type(self).requests.append((self.command, self.path, body))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if answer == "hang":
            time.sleep(2)
            return
        status, text = answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(text.encode())

    do_POST = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def stub(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), StubLrs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    StubLrs.answers, StubLrs.requests = [(200, "[]")], []
    settings.XAPI_LRS_ENDPOINT = f"http://127.0.0.1:{server.server_port}/xAPI/"
    settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD = "user", "secret"
    settings.XAPI_LRS_TIMEOUT = 0.5
    yield StubLrs
    server.shutdown()
    server.server_close()


def write(n: int) -> list[OutboxStatement]:
    return outbox.write([{"verb": {"id": f"http://example.org/verb/{i}"}} for i in range(n)])


def states() -> list[tuple]:
    return sorted(OutboxStatement.objects.values_list("status", "attempts", "last_status_code"))


def test_statements_go_in_one_batch_with_the_xapi_headers(stub, db):
    rows = write(3)

    assert deliver_due().delivered == 3

    [(method, path, body)] = stub.requests
    assert (method, path) == ("POST", "/xAPI/statements")
    assert [s["id"] for s in body] == [str(r.id) for r in rows]
    assert states() == [("delivered", 1, 200)] * 3


@pytest.mark.parametrize("answer", [(500, "oops"), (503, "busy"), "hang"])
def test_server_errors_and_timeouts_are_retried_with_growing_backoff(stub, db, answer):
    stub.answers = [answer]
    write(2)
    now = timezone.now()

    report = deliver_due(now=now)
    assert (report.delivered, report.retrying) == (0, 2)
    row = OutboxStatement.objects.first()
    assert row.status == DeliveryStatus.PENDING
    assert row.next_attempt_at == now + timedelta(seconds=30)
    assert deliver_due(now=now + timedelta(seconds=29)).retrying == 0, "not before the backoff"

    for _ in range(12):  # never given up on
        row.refresh_from_db()
        deliver_due(now=row.next_attempt_at)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 13)
    assert row.next_attempt_at - now >= timedelta(hours=1)

    stub.answers = [(200, "[]")]
    assert deliver_due(now=row.next_attempt_at).delivered == 2


def test_a_refused_batch_is_tried_one_by_one_and_only_the_bad_statement_is_rejected(stub, db):
    bad, _good = write(2)
    stub.answers = [(400, "bad batch"), (422, "no actor"), (204, "")]

    report = deliver_due()

    assert [m for m, _, _ in stub.requests] == ["POST", "PUT", "PUT"]
    assert stub.requests[1][1] == f"/xAPI/statements?statementId={bad.id}"
    assert (report.delivered, report.rejected) == (1, 1)
    bad.refresh_from_db()
    assert (bad.status, bad.last_status_code, bad.last_error) == ("rejected", 422, "no actor")
    stub.requests.clear()
    deliver_due(now=timezone.now() + timedelta(days=1))
    assert stub.requests == [], "a rejected statement is not posted again"


def test_statements_the_lrs_already_holds_count_as_delivered(stub, db):
    write(2)
    stub.answers = [(409, "conflict"), (409, "exists"), (204, "")]

    assert deliver_due().delivered == 2
    assert states() == [("delivered", 1, 204), ("delivered", 1, 409)]


def test_other_client_errors_are_retried_a_few_times_then_rejected(stub, db):
    stub.answers = [(401, "bad credentials")]
    [row] = write(1)
    for _ in range(MAX_CLIENT_ERROR_ATTEMPTS):
        row.refresh_from_db()
        deliver_due(now=row.next_attempt_at or timezone.now())
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code) == (
        "rejected",
        MAX_CLIENT_ERROR_ATTEMPTS,
        401,
    )

    stub.answers = [(200, "[]")]
    assert retry_rejected() == 1
    assert deliver_due().delivered == 1


def test_a_failed_run_queues_the_next_for_the_end_of_the_backoff(stub, db):
    stub.answers = [(502, "down")]
    write(1)
    before = timezone.now()

    deliver_statements.enqueue()  # what the write queues once its transaction commits
    run_tasks()

    follow_up = DBTaskResult.objects.filter(
        task_path="xapi.delivery.deliver_statements", status="READY"
    ).get()
    wait = follow_up.run_after - before
    assert timedelta(seconds=29) <= wait <= timedelta(seconds=40)


def test_a_run_cut_short_is_finished_by_a_run_queued_for_the_end_of_its_lease(stub, db, settings):
    """A run that took statements and died (its worker killed) holds them until its lease
    ends; its task run again finds them leased, queues a run for the lease's end, and that
    run delivers them."""
    settings.XAPI_DELIVERY_LEASE_SECONDS = 60
    write(2)
    taken_at = timezone.now()
    OutboxStatement.objects.update(
        leased_by=uuid.uuid4(), leased_until=taken_at + timedelta(seconds=60)
    )

    deliver_statements.enqueue()  # the dead run's task, handed back to the queue
    assert run_tasks() == 1
    assert stub.requests == []  # still leased: nothing sent twice
    follow_up = DBTaskResult.objects.get(
        task_path="xapi.delivery.deliver_statements", status="READY"
    )
    assert follow_up.run_after == taken_at + timedelta(seconds=60)

    OutboxStatement.objects.update(leased_until=timezone.now())  # the lease ends
    assert run_tasks(now=follow_up.run_after) == 1
    assert states() == [(DeliveryStatus.DELIVERED, 1, 200)] * 2
    assert len(stub.requests) == 1
