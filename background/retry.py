"""Retries with backoff for Django tasks, which the tasks API leaves to each backend (and the
database backend does not do): one decorator, `retrying_task`.

A task made with it is an ordinary `django_tasks` Task whose function takes one more keyword,
`retry_attempt` (1 for the first run). When the function raises, the wrapper enqueues the same
call again with `retry_attempt + 1`, `run_after` the backoff delay, and re-raises, so the
backend records this attempt as failed with its traceback: every attempt is a row of the task
table with its number in its arguments, the next one's `run_after` is the backoff. After the
last attempt the task stays failed in that table, arguments and traceback kept, and
`on_last_failure`, when given, is called with the error and the call's arguments (to record
the failure where people look for it, e.g. an export's status).

The task carries the id of the request that queued it (`background.context`): the wrapper
runs the function under that id, and a retry keeps it.

Tasks must be safe to run twice: an attempt can be cut short after part of its work (a
worker killed mid-task runs it again: `background.worker`), and a retry follows any error.
"""

import functools
import logging
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from background.context import RequestTask, bound_request_id

logger = logging.getLogger(__name__)

BACKEND = "background"  # the TASKS alias of the database queue the worker runs
DEFAULT_ATTEMPTS = 8
DEFAULT_BACKOFF = timedelta(seconds=30)
DEFAULT_MAX_DELAY = timedelta(hours=1)


def retry_delay(attempt: int, *, backoff: timedelta, max_delay: timedelta) -> timedelta:
    """The wait before attempt `attempt + 1`: `backoff` doubled per attempt, at most
    `max_delay` (30 s, 1 min, 2 min, 4 min, … 1 h)."""
    return min(backoff * 2 ** (attempt - 1), max_delay)


def retrying_task(
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff: timedelta = DEFAULT_BACKOFF,
    max_delay: timedelta = DEFAULT_MAX_DELAY,
    on_last_failure: Callable[..., None] | None = None,
    **task_options,
) -> Callable:
    """`@task(**task_options)`, carrying the request id, whose failures are retried up to
    `attempts` runs in all, on the `BACKEND` queue unless `backend` says otherwise; after the
    last, `on_last_failure(error, *args, **kwargs)`."""
    task_options.setdefault("backend", BACKEND)
    if attempts < 1:
        raise ValueError("attempts must be at least 1")

    def decorate(func: Callable):
        @functools.wraps(func)
        def run(*args, retry_attempt: int = 1, request_id: str | None = None, **kwargs):
            with bound_request_id(request_id):
                try:
                    return func(*args, **kwargs)
                except Exception as error:
                    name = f"{func.__module__}.{func.__qualname__}"
                    if retry_attempt >= attempts:
                        logger.exception(
                            "Task %s failed on its last attempt (%d of %d)",
                            name,
                            retry_attempt,
                            attempts,
                        )
                        if on_last_failure is not None:
                            on_last_failure(error, *args, **kwargs)
                        raise
                    delay = retry_delay(retry_attempt, backoff=backoff, max_delay=max_delay)
                    retried.using(run_after=timezone.now() + delay).enqueue(
                        *args, retry_attempt=retry_attempt + 1, **kwargs
                    )
                    logger.warning(
                        "Task %s failed (attempt %d of %d); retrying in %d s",
                        name,
                        retry_attempt,
                        attempts,
                        delay.total_seconds(),
                        exc_info=True,
                    )
                    raise

        retried = RequestTask(func=run, **task_options)  # what @task makes, with the request id
        return retried

    return decorate
