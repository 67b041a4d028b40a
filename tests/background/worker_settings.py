"""Just enough of a project for a real worker process on a file database (test_worker.py):
the task tables, the heartbeat, a short stale limit. WORKER_TEST_DB names the file."""

import os

SECRET_KEY = "test-only-not-secret"
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "django_tasks", "django_tasks_db", "background"]
DATABASES = {
    "default": {
        "ENGINE": "lms.db.sqlite3",  # the project's SQLite, writers queued on a file lock
        "NAME": os.environ["WORKER_TEST_DB"],
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
TASKS = {"background": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
TASKS_HEARTBEAT_SECONDS = 0.3
TASKS_WORKER_STALE_SECONDS = 1.5
