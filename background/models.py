"""What the worker keeps beside django-tasks-db's own table (`DBTaskResult`)."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """A running `run_worker` process, touched every few seconds while it lives.

    A task claimed by a worker whose heartbeat has gone stale (killed, machine lost) is
    handed back to the queue by the next live worker (`background.worker.requeue_abandoned`).
    A worker that stops cleanly deletes its row.
    """

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
