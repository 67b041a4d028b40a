"""Prometheus metrics at `/metrics` (prometheus-client), for a scraper holding METRICS_TOKEN.

Two kinds, kept two ways:

* **Per request** (`commonground_request_duration_seconds`, a histogram by view name, method
  and status class), observed by `RequestMetricsMiddleware` in the process that served the
  request. Gunicorn runs several worker processes and a scrape reaches one of them, so with
  more than one worker set PROMETHEUS_MULTIPROC_DIR: each process then writes its counts to
  files there and a scrape adds up every process's (prometheus-client's multiprocess mode).
  Without it (development, one process) a process reports its own.
* **Of the site** (the task queue, the audit sequencer, the xAPI outbox), read from the
  database at scrape time by `DatabaseCollector`: facts of the shared database, the same
  whichever server and worker is scraped, so they need no sharing between processes (and
  multiprocess mode keeps no gauges of ours to go stale when a worker dies). Apps above
  `lms` add theirs with `register_gauges` (xapi does, in its AppConfig.ready).

Off (404) unless METRICS_TOKEN is set; then only `Authorization: Bearer <token>` is answered.
"""

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min, Q
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from lms.request_log import QUIET_PATHS, view_name

logger = logging.getLogger(__name__)

PREFIX = "commonground"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: from a cached page (~1 ms) to a slow report; the alert threshold (docs) is 1 s.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

if MULTIPROC_DIR := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Made if missing, e.g. a subdirectory of the service's RuntimeDirectory (new at each start).
    os.makedirs(MULTIPROC_DIR, mode=0o700, exist_ok=True)

REQUEST_SECONDS = Histogram(
    f"{PREFIX}_request_duration_seconds",
    "Time to answer a request, by view name, method and status class.",
    ["view", "method", "status"],
    buckets=BUCKETS,
    registry=None,  # added to each scrape's registry (scrape_registry)
)

GaugeSource = Callable[[], Iterable[GaugeMetricFamily]]
_gauge_sources: list[GaugeSource] = []


def register_gauges(source: GaugeSource) -> None:
    """Add a function whose gauges are read at each scrape (from the database)."""
    if source not in _gauge_sources:
        _gauge_sources.append(source)


def gauge(name: str, documentation: str, value: float, **labels: str) -> GaugeMetricFamily:
    family = GaugeMetricFamily(f"{PREFIX}_{name}", documentation, labels=list(labels))
    family.add_metric(list(labels.values()), value)
    return family


def age_seconds(oldest, now) -> float:
    return max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0


def task_queue_gauges() -> Iterable[GaugeMetricFamily]:
    """Per database task backend: tasks ready to run now, and how long the oldest has been
    ready (since it was queued, or since its `run_after` passed)."""
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult, get_date_max

    aliases = [a for a in settings.TASKS if isinstance(task_backends[a], DatabaseBackend)]
    now, never = timezone.now(), get_date_max()
    rows = {
        row["backend_name"]: row
        for row in DBTaskResult.objects.ready()
        .filter(backend_name__in=aliases)
        .order_by()
        .values("backend_name")
        .annotate(
            depth=Count("id"),
            queued=Min("enqueued_at", filter=Q(run_after=never)),
            due=Min("run_after", filter=~Q(run_after=never)),
        )
    }
    depth = GaugeMetricFamily(
        f"{PREFIX}_task_queue_depth", "Tasks ready to run, not yet claimed.", labels=["backend"]
    )
    age = GaugeMetricFamily(
        f"{PREFIX}_task_queue_oldest_ready_age_seconds",
        "How long the oldest ready task has waited for a worker (0: none waiting).",
        labels=["backend"],
    )
    for alias in aliases:
        row = rows.get(alias, {})
        oldest = min((t for t in (row.get("queued"), row.get("due")) if t), default=None)
        depth.add_metric([alias], row.get("depth", 0))
        age.add_metric([alias], age_seconds(oldest, now))
    return [depth, age]


def backlog_gauges(name: str, what: str, rows) -> list[GaugeMetricFamily]:
    """`<name>` (how many of `rows`) and `<name>_oldest_age_seconds` (since the oldest's
    `created_at`; 0 when there is none): one query."""
    backlog = rows.order_by().aggregate(count=Count("pk"), oldest=Min("created_at"))
    return [
        gauge(name, f"{what}.", backlog["count"]),
        gauge(
            f"{name}_oldest_age_seconds",
            f"Age of the oldest of the {what.lower()} (0: none).",
            age_seconds(backlog["oldest"], timezone.now()),
        ),
    ]


def audit_gauges() -> Iterable[GaugeMetricFamily]:
    """The sequencer's lag (docs/audit.md): events recorded but not yet chained. Alert well
    before AUDIT_SEQUENCE_BOUND_SECONDS, past which verify_audit fails."""
    from lms.models import AuditEvent

    pending = AuditEvent.objects.filter(seq__isnull=True)
    return backlog_gauges("audit_pending_events", "Audit events not yet chained", pending)


class DatabaseCollector:
    """Reads every registered gauge source at scrape time. A source that fails (the database
    is down) is left out, and `commonground_metrics_database_up` says 0."""

    def collect(self):
        up = 1
        for source in (task_queue_gauges, audit_gauges, *_gauge_sources):
            try:
                families = list(source())
            except DatabaseError:
                logger.warning("Metrics: %s failed", source.__name__, exc_info=True)
                up = 0
                continue
            yield from families
        yield gauge("metrics_database_up", "Whether the database gauges could be read.", up)


def scrape_registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # read now: tests set it after import
        MultiProcessCollector(registry)
    else:
        registry.register(REQUEST_SECONDS)
    registry.register(DatabaseCollector())
    return registry


def _authorized(request) -> bool:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode(), settings.METRICS_TOKEN.encode()
    )


def metrics_view(request) -> HttpResponse:
    if not settings.METRICS_TOKEN:
        return HttpResponse("Not found", status=404, content_type="text/plain")
    if not _authorized(request):
        response = HttpResponse("Unauthorized", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(scrape_registry()), content_type=CONTENT_TYPE_LATEST)


class RequestMetricsMiddleware:
    """Observes each request's duration (placed right after RequestIdMiddleware; the probes
    are not counted)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        if request.path_info not in QUIET_PATHS:
            try:
                REQUEST_SECONDS.labels(
                    view_name(request, response),
                    request.method if request.method in METHODS else "other",
                    f"{response.status_code // 100}xx",
                ).observe(time.perf_counter() - started)
            except OSError:  # PROMETHEUS_MULTIPROC_DIR missing or full: never fail a request
                logger.warning("Metrics: the request was not counted", exc_info=True)
        return response
