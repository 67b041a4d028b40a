"""A failing task is retried with backoff, each attempt a row of the task table, and after
the last attempt stays there failed, with its arguments and traceback."""

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from background.retry import retry_delay, retrying_task
from tests.background import sample_tasks
from tests.tasks import run_tasks


@pytest.fixture(autouse=True)
def _fresh_calls():
    sample_tasks.CALLS.clear()


def rows():
    return list(
        DBTaskResult.objects.filter(task_path="tests.background.sample_tasks.flaky").order_by(
            "enqueued_at"
        )
    )


@pytest.mark.parametrize(
    ("attempt", "seconds"), [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (30, 3600)]
)
def test_the_delay_doubles_up_to_the_limit(attempt, seconds):
    delay = retry_delay(attempt, backoff=timedelta(seconds=30), max_delay=timedelta(hours=1))
    assert delay == timedelta(seconds=seconds)


def test_a_task_that_succeeds_runs_once(db):
    sample_tasks.flaky.enqueue(1)
    run_tasks()

    [row] = rows()
    assert (row.status, row.return_value) == ("SUCCESSFUL", 1)


def test_a_failed_attempt_is_recorded_and_run_again_after_the_backoff(db):
    sample_tasks.flaky.enqueue(2)
    run_tasks()

    first, second = rows()
    assert first.status == "FAILED"
    assert "ConnectionError: run 1 failed" in first.traceback
    assert second.status == "READY"
    assert second.args_kwargs == {"args": [2], "kwargs": {"retry_attempt": 2}}
    assert 9 <= (second.run_after - first.finished_at).total_seconds() <= 10.5
    assert run_tasks() == 0, "not before its time"

    run_tasks(now=second.run_after)
    second.refresh_from_db()
    assert (second.status, second.return_value) == ("SUCCESSFUL", 2)


def test_after_the_last_attempt_the_task_stays_failed_with_its_arguments(db):
    sample_tasks.flaky.enqueue(99)
    run_tasks()
    run_tasks(now=rows()[-1].run_after)
    run_tasks(now=rows()[-1].run_after)

    attempts = rows()
    assert [r.status for r in attempts] == ["FAILED", "FAILED", "FAILED"]
    assert [r.args_kwargs["kwargs"].get("retry_attempt", 1) for r in attempts] == [1, 2, 3]
    assert (attempts[2].run_after - attempts[1].finished_at) <= timedelta(seconds=15.5)
    assert "ConnectionError: run 3 failed" in attempts[2].traceback
    assert len(sample_tasks.CALLS) == 3


def test_at_least_one_attempt():
    with pytest.raises(ValueError, match="at least 1"):
        retrying_task(attempts=0)
