"""The request a piece of work belongs to, carried from the request into the tasks it queues.

`request_id` is a context variable: `lms.request_log.RequestIdMiddleware` sets it for the
request, and `RequestTask.enqueue` stores it with the task's arguments (keyword `request_id`)
when one is set; `background.retry.retrying_task` sets it again while the task runs, so that
the task's log lines, and the tasks it queues (its retries), name the request that started it.
"""

import contextlib
import contextvars
from dataclasses import dataclass

from django_tasks.base import Task

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
KEYWORD = "request_id"


@contextlib.contextmanager
def bound_request_id(value: str | None):
    """Run the block under `value` as the current request id (None: no request)."""
    token = request_id.set(value)
    try:
        yield
    finally:
        request_id.reset(token)


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestTask(Task):
    """A task that takes the current request id along when it is queued."""

    def enqueue(self, *args, **kwargs):
        if (current := request_id.get()) is not None:
            kwargs.setdefault(KEYWORD, current)
        return Task.enqueue(self, *args, **kwargs)  # slots: no zero-argument super()
