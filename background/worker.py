"""django-tasks-db's worker, plus what it lacks: a task whose worker died mid-run runs again.

The database backend marks a task RUNNING when a worker claims it and never looks at it again,
so a worker killed mid-task (kill -9, out of memory, a lost machine) would leave it RUNNING
forever. Here each worker keeps a heartbeat row (`WorkerHeartbeat`), touched every
`TASKS_HEARTBEAT_SECONDS` by a thread beside the task loop; on the same beat it hands back
to the queue (READY) every task still RUNNING under a worker whose heartbeat is older than
`TASKS_WORKER_STALE_SECONDS`, and deletes that worker's row. A worker that stops cleanly
(SIGINT / SIGTERM: it finishes the task in hand first) deletes its own row.

Only workers started by `manage.py run_worker` keep heartbeats, and only their tasks are ever
handed back; a worker that is alive but stalled longer than the stale limit would see its task
run twice, which tasks must tolerate anyway (background.retry).
"""

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from background.context import KEYWORD as REQUEST_ID
from background.context import bound_request_id
from background.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def heartbeat_seconds() -> float:
    return float(getattr(settings, "TASKS_HEARTBEAT_SECONDS", 10))


def stale_after() -> timedelta:
    return timedelta(seconds=float(getattr(settings, "TASKS_WORKER_STALE_SECONDS", 60)))


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    """Record that the worker is alive."""
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now)
    if not updated:
        WorkerHeartbeat.objects.create(
            worker_id=worker_id,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=now,
            seen_at=now,
        )


def requeue_abandoned(*, now: datetime | None = None) -> int:
    """Hand back to the queue the tasks left RUNNING by workers whose heartbeat is stale, and
    forget those workers. Returns how many tasks were handed back. Safe to run from several
    workers at once: each task goes back only while it is still RUNNING."""
    now = now or timezone.now()
    with transaction.atomic():
        dead = set(
            WorkerHeartbeat.objects.filter(seen_at__lt=now - stale_after()).values_list(
                "worker_id", flat=True
            )
        )
        if not dead:
            return 0
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
            "id", "worker_ids"
        )
        abandoned = [pk for pk, worker_ids in running if worker_ids and worker_ids[-1] in dead]
        requeued = DBTaskResult.objects.filter(
            id__in=abandoned, status=TaskResultStatus.RUNNING
        ).update(status=TaskResultStatus.READY, started_at=None)
        WorkerHeartbeat.objects.filter(worker_id__in=dead, seen_at__lt=now - stale_after()).delete()
    if requeued:
        logger.warning("Requeued %d task(s) of stopped worker(s) %s", requeued, sorted(dead))
    return requeued


class HeartbeatWorker(Worker):
    """The database worker with a heartbeat thread that also requeues abandoned tasks."""

    def run(self) -> None:
        beat(self.worker_id)
        requeue_abandoned()
        stop = threading.Event()
        thread = threading.Thread(
            target=self._keep_beating, args=(stop,), name="task-heartbeat", daemon=True
        )
        thread.start()
        try:
            super().run()
        finally:
            stop.set()  # the thread's last act is to remove the heartbeat (no beat after it)
            thread.join(timeout=heartbeat_seconds() + 5)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """Runs the task under the request id it carries (background.context), so that the
        worker's own lines about it (started, failed) name the request too."""
        kwargs = (db_task_result.args_kwargs or {}).get("kwargs") or {}
        with bound_request_id(kwargs.get(REQUEST_ID)):
            super().run_task(db_task_result)

    def _keep_beating(self, stop: threading.Event) -> None:
        try:
            while not stop.wait(heartbeat_seconds()):
                try:
                    beat(self.worker_id)
                    requeue_abandoned()
                except Exception:  # a locked or restarting database: try again next beat
                    logger.exception("Worker heartbeat failed")
            try:
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
            except Exception:  # it goes stale, and the next worker forgets it
                logger.exception("Removing the worker's heartbeat failed")
        finally:
            connections.close_all()
