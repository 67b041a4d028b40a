"""A worker killed mid-task leaves the task to run again: real worker processes on a file
database (worker_settings.py), one killed with SIGKILL, another finishing the task once."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from background.models import WorkerHeartbeat
from background.worker import beat, requeue_abandoned

REPO = Path(__file__).resolve().parents[2]
SETTINGS = "tests.background.worker_settings"


def manage(db: Path, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "WORKER_TEST_DB": str(db), "DJANGO_SETTINGS_MODULE": SETTINGS}
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kwargs,
    )


def run(db: Path, *args: str) -> str:
    process = manage(db, *args)
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0, out
    return out


def worker(db: Path, name: str) -> subprocess.Popen:
    return manage(
        db,
        "run_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval=0.1",
        f"--worker-id={name}",
    )


def wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def task_row(db: Path) -> tuple:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT status, worker_ids, return_value FROM django_tasks_database_dbtaskresult"
        ).fetchone()


def test_a_task_whose_worker_is_killed_runs_again_on_another_and_completes_once(tmp_path):
    db = tmp_path / "tasks.sqlite3"
    marker = tmp_path / "marker"
    run(db, "migrate", "--noinput", "-v0")
    run(
        db,
        "shell",
        "-c",
        "from tests.background.sample_tasks import slow_then_done; "
        f"slow_then_done.enqueue({str(marker)!r})",
    )

    first = worker(db, "first")
    try:
        wait_for(lambda: len(lines(Path(f"{marker}.started"))) == 1)
        assert task_row(db)[0] == "RUNNING"
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=10)

    second = worker(db, "second")
    try:
        wait_for(lambda: task_row(db)[0] == "SUCCESSFUL")
    finally:
        second.send_signal(signal.SIGTERM)  # a clean stop: it finishes what it holds
        out, _ = second.communicate(timeout=30)

    assert second.returncode == 0, out
    assert len(lines(Path(f"{marker}.started"))) == 2  # run twice…
    assert len(lines(Path(f"{marker}.done"))) == 1  # …completed once
    status, worker_ids, return_value = task_row(db)
    assert (status, worker_ids, return_value) == ("SUCCESSFUL", '["first", "second"]', '"done"')
    with sqlite3.connect(db) as connection:
        # the dead worker was forgotten once its task was handed back; the second left cleanly
        assert connection.execute("SELECT count(*) FROM background_workerheartbeat").fetchone() == (
            0,
        )


def _running_task(worker_id: str) -> DBTaskResult:
    from tests.background.sample_tasks import slow_then_done

    result = slow_then_done.enqueue("unused")
    row = DBTaskResult.objects.get(id=result.id)
    row.claim(worker_id)
    return row


def test_only_tasks_of_workers_with_a_stale_heartbeat_are_handed_back(db, settings):
    settings.TASKS_WORKER_STALE_SECONDS = 60
    now = timezone.now()
    beat("dead", now=now - timedelta(seconds=61))
    beat("alive", now=now - timedelta(seconds=59))
    dead_task, alive_task = _running_task("dead"), _running_task("alive")
    unknown_task = _running_task("db_worker-without-heartbeat")

    assert requeue_abandoned(now=now) == 1

    dead_task.refresh_from_db()
    assert (dead_task.status, dead_task.started_at) == (TaskResultStatus.READY, None)
    for row in (alive_task, unknown_task):
        row.refresh_from_db()
        assert row.status == TaskResultStatus.RUNNING
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"alive"}
    assert requeue_abandoned(now=now) == 0


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_worker_removes_its_heartbeat(tmp_path, signum):
    db = tmp_path / "tasks.sqlite3"
    run(db, "migrate", "--noinput", "-v0")
    process = worker(db, "leaving")

    def beating() -> bool:
        with sqlite3.connect(db) as connection:
            return connection.execute(
                "SELECT count(*) FROM background_workerheartbeat WHERE worker_id = 'leaving'"
            ).fetchone() == (1,)

    wait_for(beating)
    process.send_signal(signum)
    out, _ = process.communicate(timeout=30)

    assert process.returncode == 0, out
    assert not beating()
