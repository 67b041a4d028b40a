"""Running queued tasks in a test, as a worker would, in the test's own transaction."""

from datetime import datetime

from django.db.models import Q
from django.test import TestCase
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult, get_date_max

# Runs queued on commit (transaction.on_commit) inside a test's transaction.
run_on_commit = TestCase.captureOnCommitCallbacks


WORKER_OPTIONS = {
    "queue_names": ["*"],
    "interval": 0,
    "batch": True,
    "backend_name": "default",
    "startup_delay": False,
    "max_tasks": None,
    "worker_id": "test-worker",
    "excluded_queue_names": [],
}


def ready_tasks(now: datetime | None = None):
    now = now or timezone.now()
    return DBTaskResult.objects.filter(status=TaskResultStatus.READY).filter(
        Q(run_after=get_date_max()) | Q(run_after__lte=now)
    )


def run_tasks(*, now: datetime | None = None, limit: int = 100) -> int:
    """Run the tasks ready at `now` (default: now), and those they queue, until none is
    left; returns how many ran. Failures are recorded on their rows, as a worker does."""
    worker = Worker(**WORKER_OPTIONS)
    ran = 0
    while ran < limit and (row := ready_tasks(now).order_by(*DBTaskResult._meta.ordering).first()):
        row.claim(worker.worker_id)
        worker.run_task(row)
        ran += 1
    return ran
