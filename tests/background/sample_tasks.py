"""Tasks for the worker tests: they leave their traces in files beside the database."""

import os
import time
from datetime import timedelta
from pathlib import Path

from django_tasks import task

from background.context import request_id
from background.retry import retrying_task


@task(backend="background")
def slow_then_done(marker: str) -> str:
    """Notes each start; the first run then sleeps long enough to be killed, later ones
    finish at once. Notes each completion."""
    started = Path(f"{marker}.started")
    first = not started.exists()
    with started.open("a") as file:
        file.write(f"{os.getpid()}\n")
    if first:
        time.sleep(60)
    with Path(f"{marker}.done").open("a") as file:
        file.write(f"{os.getpid()}\n")
    return "done"


CALLS: list[int] = []


@retrying_task(attempts=3, backoff=timedelta(seconds=10), max_delay=timedelta(seconds=15))
def flaky(succeed_on: int) -> int:
    """Fails until its `succeed_on`-th run."""
    CALLS.append(1)
    if len(CALLS) < succeed_on:
        raise ConnectionError(f"run {len(CALLS)} failed")
    return len(CALLS)


@retrying_task(attempts=2, backoff=timedelta(seconds=10))
def report_request_id(fail: bool = False) -> str | None:
    """Returns the request id it runs under; with `fail`, logs under it and fails."""
    if fail:
        raise ConnectionError("the mail server is away")
    return request_id.get()
