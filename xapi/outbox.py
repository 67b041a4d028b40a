"""Writing statements: one insert in the caller's transaction, delivery after it commits.

`enabled()` is False unless XAPI_LRS_ENDPOINT is set; then nothing is written at all.
"""

import uuid

from django.conf import settings
from django.db import transaction

from lms import metrics
from xapi.delivery import deliver_statements
from xapi.models import DeliveryStatus, OutboxStatement


def enabled() -> bool:
    return bool(settings.XAPI_LRS_ENDPOINT)


def write(statements: list[dict]) -> list[OutboxStatement]:
    """Add the statements to the outbox, each with a new id, in the current transaction; once
    it commits, a delivery task is queued (one per transaction, however many writes)."""
    rows = [
        OutboxStatement(id=(sid := uuid.uuid4()), statement={"id": str(sid), **s})
        for s in statements
    ]
    OutboxStatement.objects.bulk_create(rows)
    _deliver_after_commit()
    return rows


def _deliver_after_commit() -> None:
    connection = transaction.get_connection()
    # Django keeps this transaction's callbacks on the connection (cleared on rollback): a
    # transaction that writes three statements queues one delivery, not three.
    if any(callback is _queue_delivery for _, callback, _ in connection.run_on_commit):
        return
    # robust: the fact is committed whatever happens here; a delivery that could not be
    # queued is made by the next one or by `manage.py deliver_statements`.
    transaction.on_commit(_queue_delivery, robust=True)


def _queue_delivery() -> None:
    deliver_statements.enqueue()


def backlog_gauges():
    """For /metrics (lms.metrics): statements waiting for the LRS, and the oldest one's age."""
    pending = OutboxStatement.objects.filter(status=DeliveryStatus.PENDING)
    return metrics.backlog_gauges(
        "xapi_outbox_pending", "xAPI statements not yet delivered", pending
    )
