"""Delivering the outbox to the learning record store (XAPI_LRS_* settings), by a task.

A delivery run leases the statements that are due (pending, their backoff over, not in
another run's hands), posts them in batches and records each answer:

- 2xx: delivered. A statement the LRS already holds (a re-post after a run was cut short
  between the LRS's answer and our write) answers 204 or 409 to its id: delivered too, so
  every statement is stored once.
- 400, 413, 422 (the LRS refuses the statement itself): rejected at once, the answer kept,
  never retried. A refused batch is retried one statement at a time (PUT by id) to find
  which ones.
- any other 4xx (credentials, address, rate limit: our configuration, not the statement):
  recorded and retried with backoff, up to `MAX_CLIENT_ERROR_ATTEMPTS`, then rejected.
- 5xx, timeout, connection refused: retried with backoff for as long as it takes (never
  lost), at most `MAX_DELAY` apart.

The run then queues the next one for when the earliest backoff ends, so retries need no
scheduler; `manage.py deliver_statements` queues one by hand (or from cron, as a safety net).
Rejected statements go back to pending with `manage.py deliver_statements --retry-rejected`.
"""

import base64
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from background.retry import retry_delay, retrying_task
from xapi.models import DeliveryStatus, OutboxStatement

logger = logging.getLogger(__name__)

XAPI_VERSION = "1.0.3"
BATCH_SIZE = 50
MAX_BATCHES_PER_RUN = 20
BACKOFF = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
MAX_CLIENT_ERROR_ATTEMPTS = 5
STATEMENT_ERRORS = {400, 413, 422}  # the LRS refuses the statement itself
TRANSPORT_ERROR = 0  # no HTTP answer: refused, reset, timed out


@dataclass(frozen=True)
class Answer:
    status: int  # TRANSPORT_ERROR when there was no answer
    body: str

    @property
    def stored(self) -> bool:
        return 200 <= self.status < 300 or self.status == 409

    @property
    def refused(self) -> bool:
        return self.status in STATEMENT_ERRORS


class LrsClient:
    """The two calls we make, over urllib: POST a batch, PUT one statement by id."""

    def __init__(self, endpoint: str, username: str, password: str, timeout: float):
        self.base = endpoint.rstrip("/") + "/statements"
        token = base64.b64encode(f"{username}:{password}".encode()).decode()
        self.headers = {
            "Authorization": f"Basic {token}",
            "Content-Type": "application/json",
            "X-Experience-API-Version": XAPI_VERSION,
        }
        self.timeout = timeout

    @classmethod
    def from_settings(cls) -> "LrsClient":
        return cls(
            settings.XAPI_LRS_ENDPOINT,
            settings.XAPI_LRS_USERNAME,
            settings.XAPI_LRS_PASSWORD,
            settings.XAPI_LRS_TIMEOUT,
        )

    def post(self, statements: list[dict]) -> Answer:
        return self._send("POST", self.base, statements)

    def put(self, statement: dict) -> Answer:
        url = f"{self.base}?{urlencode({'statementId': statement['id']})}"
        return self._send("PUT", url, statement)

    def _send(self, method: str, url: str, payload) -> Answer:
        request = urllib.request.Request(  # noqa: S310  (the configured LRS, http(s) only)
            url, data=json.dumps(payload).encode(), headers=self.headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return Answer(response.status, response.read(2000).decode(errors="replace"))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read(2000).decode(errors="replace"))
        except (OSError, urllib.error.URLError) as error:  # refused, reset, timeout, DNS
            return Answer(TRANSPORT_ERROR, str(error)[:2000])


@dataclass
class DeliveryReport:
    delivered: int = 0
    rejected: int = 0
    retrying: int = 0
    next_attempt_at: datetime | None = None
    failures: list[int] = field(default_factory=list)


def _due(now: datetime) -> Q:
    return (
        Q(status=DeliveryStatus.PENDING)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        & (Q(leased_until__isnull=True) | Q(leased_until__lte=now))
    )


def lease_length() -> timedelta:
    """How long a delivery run holds the statements it took (XAPI_DELIVERY_LEASE_SECONDS): a
    run cut short (its worker killed) lets them go this long after it took them."""
    return timedelta(seconds=settings.XAPI_DELIVERY_LEASE_SECONDS)


def _lease(now: datetime, limit: int) -> list[OutboxStatement]:
    """Take up to `limit` due statements for this run. The update re-checks that each is
    still due, so two runs never hold the same statement; a run that dies lets go when its
    lease ends."""
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(OutboxStatement.objects.filter(_due(now)).values_list("id", flat=True)[:limit])
        OutboxStatement.objects.filter(_due(now), id__in=ids).update(
            leased_by=token, leased_until=now + lease_length()
        )
    return list(OutboxStatement.objects.filter(leased_by=token, status=DeliveryStatus.PENDING))


def _record(row: OutboxStatement, answer: Answer, now: datetime, report: DeliveryReport) -> None:
    row.attempts += 1
    row.last_status_code = answer.status or None
    row.leased_until = row.leased_by = None
    if answer.stored:
        row.status, row.finished_at, row.last_error = DeliveryStatus.DELIVERED, now, ""
        report.delivered += 1
    elif answer.refused or (
        400 <= answer.status < 500 and row.attempts >= MAX_CLIENT_ERROR_ATTEMPTS
    ):
        row.status, row.finished_at, row.last_error = DeliveryStatus.REJECTED, now, answer.body
        report.rejected += 1
        logger.error(
            "xAPI statement %s rejected by the LRS (%s): %s", row.id, answer.status, answer.body
        )
    else:
        row.last_error = answer.body or f"HTTP {answer.status}"
        row.next_attempt_at = now + retry_delay(row.attempts, backoff=BACKOFF, max_delay=MAX_DELAY)
        report.retrying += 1
        report.failures.append(answer.status)
    row.save(
        update_fields=[
            "attempts",
            "last_status_code",
            "leased_until",
            "leased_by",
            "status",
            "finished_at",
            "last_error",
            "next_attempt_at",
        ]
    )


def _deliver_batch(client: LrsClient, rows: list[OutboxStatement], now, report) -> None:
    answer = client.post([row.statement for row in rows])
    if 200 <= answer.status < 300:  # a 409 may leave others of the batch unstored
        OutboxStatement.objects.filter(id__in=[row.id for row in rows]).update(
            status=DeliveryStatus.DELIVERED,
            attempts=F("attempts") + 1,
            last_status_code=answer.status,
            last_error="",
            leased_by=None,
            leased_until=None,
            finished_at=now,
        )
        report.delivered += len(rows)
        return
    if (answer.refused or answer.status == 409) and len(rows) > 1:
        # The batch was refused: find the statements at fault, one at a time (and stop asking
        # if the LRS stops answering).
        answers = []
        for row in rows:
            last = answers[-1] if answers else None
            down = last is not None and (last.status == TRANSPORT_ERROR or last.status >= 500)
            answers.append(last if down else client.put(row.statement))
    else:
        answers = [answer] * len(rows)
    with transaction.atomic():
        for row, each in zip(rows, answers, strict=True):
            _record(row, each, now, report)


def deliver_due(*, now: datetime | None = None, client: LrsClient | None = None) -> DeliveryReport:
    """Deliver what is due now; returns what happened. Does nothing when xAPI is off."""
    report = DeliveryReport()
    if not settings.XAPI_LRS_ENDPOINT:
        return report
    now = now or timezone.now()
    client = client or LrsClient.from_settings()
    for _ in range(MAX_BATCHES_PER_RUN):
        rows = _lease(now, BATCH_SIZE)
        if not rows:
            break
        _deliver_batch(client, rows, now, report)
        if report.retrying:  # the LRS is not taking statements now: leave the rest due
            break
    waits = OutboxStatement.objects.filter(status=DeliveryStatus.PENDING).aggregate(
        backoff=Min("next_attempt_at"), lease=Min("leased_until")
    )
    report.next_attempt_at = min((t for t in waits.values() if t is not None), default=None)
    return report


@retrying_task(attempts=5)
def deliver_statements() -> dict:
    """The delivery task: deliver what is due, then queue the next run for what is left.

    A run that found nothing due but statements leased to another run queues one for when
    that lease ends: the other run may have died (its worker killed), and its task, run again
    by another worker, would otherwise find the statements still leased and stop there."""
    report = deliver_due()
    now = timezone.now()
    more_due = OutboxStatement.objects.filter(_due(now)).exists()
    if more_due and not report.retrying:
        deliver_statements.enqueue()
    elif report.delivered or report.rejected or report.retrying:
        follow_up = report.next_attempt_at
        if follow_up is not None:
            deliver_statements.using(run_after=max(follow_up, now)).enqueue()
    else:
        lease_ends = OutboxStatement.objects.filter(
            status=DeliveryStatus.PENDING, leased_until__gt=now
        ).aggregate(end=Min("leased_until"))["end"]
        if lease_ends is not None:
            deliver_statements.using(run_after=lease_ends).enqueue()
    return {
        "delivered": report.delivered,
        "rejected": report.rejected,
        "retrying": report.retrying,
    }


def retry_rejected(ids: Iterable[uuid.UUID] | None = None) -> int:
    """Put rejected statements back in the outbox (after fixing the LRS configuration)."""
    rows = OutboxStatement.objects.filter(status=DeliveryStatus.REJECTED)
    if ids is not None:
        rows = rows.filter(id__in=list(ids))
    return rows.update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=None, finished_at=None
    )
