"""Probes for load balancers and monitoring: `/healthz`, `/readyz` and `/metrics`.

`ProbeMiddleware` answers them right after the request id is given, before the HTTPS redirect,
the host check, sessions, sign-in, MFA, the page caches and any rate limit: a load balancer or
Prometheus calls an app server directly, over plain HTTP, by its own address. None of the
answers depends on the host or the caller, and none carries anything secret (/metrics asks
for its token).

* `/healthz`: the process is up and answers; touches no database or cache. 200 "ok".
* `/readyz`: each part the site needs answers: the database (and its replica when reports
  read from one), every cache that is a
  service of its own (not the process's memory), every task queue kept in a database.
  200 with `{"status": "ok", "parts": {part: "ok"}}`; otherwise 503, the failing parts named
  in `failing` and marked "unreachable" (why is logged, not shown).
"""

import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from lms import metrics
from lms.replica import REPLICA

logger = logging.getLogger(__name__)

OK, UNREACHABLE = "ok", "unreachable"
PROBE_KEY = "readyz:probe"


def _database(alias: str) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache(alias: str) -> None:
    cache = caches[alias]
    cache.set(PROBE_KEY, 1, 10)
    cache.get(PROBE_KEY)


def _task_queue(alias: str) -> None:
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(backend_name=alias).values_list("id")[:1].exists()


def readiness_checks() -> dict:
    """Each part to check, by name: "database" (and "database.replica"),
    "cache.<alias>", "tasks.<alias>"."""
    checks = {}
    for alias in (DEFAULT_DB_ALIAS, *([REPLICA] if settings.REPLICA_READS else [])):
        name = "database" if alias == "default" else f"database.{alias}"
        checks[name] = (_database, alias)
    for alias in settings.CACHES:
        if not isinstance(caches[alias], LocMemCache | DummyCache):
            checks[f"cache.{alias}"] = (_cache, alias)
    for alias in settings.TASKS:
        if isinstance(task_backends[alias], DatabaseBackend):
            checks[f"tasks.{alias}"] = (_task_queue, alias)
    return checks


def readiness() -> dict[str, str]:
    """Each part's state, "ok" or "unreachable"."""
    states = {}
    for name, (check, alias) in readiness_checks().items():
        try:
            check(alias)
        except Exception:
            logger.warning("Readiness: %s is unreachable", name, exc_info=True)
            states[name] = UNREACHABLE
        else:
            states[name] = OK
    return states


def healthz(request) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def readyz(request) -> JsonResponse:
    parts = readiness()
    failing = sorted(name for name, state in parts.items() if state != OK)
    body = {"status": "failing" if failing else OK, "parts": parts}
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)


PROBES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics.metrics_view}


class ProbeMiddleware:
    """Answers the probes before the rest of the stack (placed after RequestIdMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is None:
            return self.get_response(request)
        if request.method in ("GET", "HEAD"):
            response = probe(request)
        else:
            response = HttpResponseNotAllowed(["GET", "HEAD"])
        response["Cache-Control"] = "no-store"
        return response
