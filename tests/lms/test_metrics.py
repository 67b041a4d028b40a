"""/metrics (issue 19, item 4): off without METRICS_TOKEN, only for its bearer; request latency
by view, method and status class; the task queue, the audit sequencer and the xAPI outbox,
read from the database at each scrape."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from prometheus_client.parser import text_string_to_metric_families

from lms.audit import Action, record_event
from lms.models import AuditEvent
from tests.background import sample_tasks
from xapi.models import DeliveryStatus, OutboxStatement

REPO = Path(__file__).resolve().parents[2]
TOKEN = "scrape-token-for-tests"


@pytest.fixture
def scrape(client, settings):
    settings.METRICS_TOKEN = TOKEN

    def scrape() -> dict[tuple, float]:
        response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain")
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.content.decode())
            for sample in family.samples
        }

    return scrape


def test_metrics_are_off_without_a_token(client, db, settings):
    settings.METRICS_TOKEN = ""

    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong-token", f"Basic {TOKEN}", TOKEN])
def test_metrics_refuse_anyone_without_the_token(client, db, settings, header):
    settings.METRICS_TOKEN = TOKEN
    extra = {"HTTP_AUTHORIZATION": header} if header else {}

    response = client.get("/metrics", **extra)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"commonground" not in response.content


def total_requests(metrics: dict) -> float:
    return sum(v for (name, _), v in metrics.items() if name.endswith("_seconds_count"))


def test_each_request_is_counted_by_view_method_and_status_class(client, db, scrape):
    login = (
        "commonground_request_duration_seconds_count",
        (("method", "GET"), ("status", "2xx"), ("view", "login")),
    )
    missing = (
        "commonground_request_duration_seconds_count",
        (("method", "GET"), ("status", "4xx"), ("view", "lms_serve")),
    )
    before = scrape()

    client.get("/accounts/login/")
    client.get("/accounts/login/")
    client.get("/no-such-page/")
    after = scrape()

    assert after[login] - before.get(login, 0) == 2
    assert after[missing] - before.get(missing, 0) == 1
    fast = (
        "commonground_request_duration_seconds_bucket",
        (("le", "+Inf"), ("method", "GET"), ("status", "2xx"), ("view", "login")),
    )
    assert after[fast] == after[login]
    assert total_requests(after) - total_requests(before) == 3, "scrapes are not counted"


def test_the_task_queue_depth_and_the_oldest_ready_tasks_age(db, scrape):
    depth = ("commonground_task_queue_depth", (("backend", "background"),))
    age = ("commonground_task_queue_oldest_ready_age_seconds", (("backend", "background"),))
    assert (scrape()[depth], scrape()[age]) == (0, 0)

    sample_tasks.report_request_id.enqueue()
    sample_tasks.report_request_id.enqueue()
    later = sample_tasks.report_request_id.using(run_after=timezone.now() + timedelta(hours=1))
    later.enqueue()  # not ready yet: not counted
    first = DBTaskResult.objects.order_by("enqueued_at").first()
    DBTaskResult.objects.filter(pk=first.pk).update(
        enqueued_at=timezone.now() - timedelta(minutes=2)
    )
    metrics = scrape()

    assert metrics[depth] == 2
    assert 120 <= metrics[age] < 150


def test_the_audit_sequencer_lag(learner, scrape):
    pending = ("commonground_audit_pending_events", ())
    oldest = ("commonground_audit_pending_events_oldest_age_seconds", ())
    AuditEvent.objects.filter(seq__isnull=True).delete()  # left by the session's set-up, if any
    assert (scrape()[pending], scrape()[oldest]) == (0, 0)

    # In a test's transaction the after-commit sequencer never runs: the events stay pending.
    for _ in range(3):
        record_event(action=Action.LESSON_COMPLETED, person_id=learner.pk, actor=learner.user)
    AuditEvent.objects.filter(pk=AuditEvent.objects.order_by("id").first().pk).update(
        created_at=timezone.now() - timedelta(seconds=40)
    )
    metrics = scrape()

    assert metrics[pending] == 3
    assert 40 <= metrics[oldest] < 70


def test_the_xapi_outbox_backlog(db, scrape):
    backlog = ("commonground_xapi_outbox_pending", ())
    oldest = ("commonground_xapi_outbox_pending_oldest_age_seconds", ())
    OutboxStatement.objects.create(statement={}, status=DeliveryStatus.DELIVERED)
    waiting = OutboxStatement.objects.create(statement={})
    OutboxStatement.objects.create(statement={})
    OutboxStatement.objects.filter(pk=waiting.pk).update(
        created_at=timezone.now() - timedelta(minutes=10)
    )

    metrics = scrape()

    assert metrics[backlog] == 2
    assert 600 <= metrics[oldest] < 630
    assert metrics[("commonground_metrics_database_up", ())] == 1


WORKER = """
import sys
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
for _ in range(int(sys.argv[1])):
    client.get("/accounts/login/", HTTP_HOST="127.0.0.1")
"""


def test_with_a_multiprocess_directory_a_scrape_adds_up_every_workers_requests(
    db, scrape, tmp_path, monkeypatch
):
    """Gunicorn's workers are processes: two processes serve 2 and 3 requests and exit; a
    scrape from a third (this one) counts all 5, as any worker's scrape would."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "lms.settings.test",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    }
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(n)], cwd=REPO, env=env)  # noqa: S603
        for n in (2, 3)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    assert len(list(tmp_path.glob("histogram_*.db"))) == 2, "one file per process"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    metrics = scrape()

    served = [
        value
        for (name, labels), value in metrics.items()
        if name == "commonground_request_duration_seconds_count" and ("view", "login") in labels
    ]
    assert sum(served) == 5
