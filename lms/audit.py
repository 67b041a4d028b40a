"""The tamper-evident audit trail: record an event, chain it, verify the chain.

As transparency logs do (Certificate Transparency, Trillian), writing and chaining are
separate steps, so no writer waits for another (docs/audit.md):

1. `record_event` inserts the event *pending*, in the caller's transaction: no sequence
   number, no hash, no lock on anything shared.
2. `sequence_pending` (the sequencer) gives pending events, oldest first, their sequence
   numbers and hashes in batches, each batch in one transaction holding the chain head's
   row lock. Each writer's commit wakes its process's sequencer thread, which chains the
   batch a moment later (`BackgroundSequencer`; with AUDIT_SEQUENCE_DELAY_SECONDS = 0 the
   writer runs it after its commit, skipped while another sequencer is at work);
   `manage.py sequence_audit` runs it too.
3. `verify_chain` checks the sequenced chain, and names events left pending longer than
   AUDIT_SEQUENCE_BOUND_SECONDS.

Each sequenced event's hash is SHA-256 over its own fields, its sequence number and the
previous event's hash.
"""

import atexit
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import DatabaseError, connections, transaction
from django.utils import timezone

from lms.db.rows import columns, fetch_models, insert
from lms.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
SEQUENCE_BATCH = 1000  # events chained per transaction

logger = logging.getLogger(__name__)


class Action:
    SIGN_IN = "auth.sign_in"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    ACCOUNT_LOCKED_OUT = "account.locked_out"
    MFA_ENROLLED = "auth.mfa_enrolled"
    MFA_VERIFIED = "auth.mfa_verified"
    MFA_FAILED = "auth.mfa_failed"
    PASSWORD_RESET_REQUESTED = "auth.password_reset_requested"  # noqa: S105 (a name)
    PASSWORD_RESET = "auth.password_reset"  # noqa: S105 (a name)
    TOKEN_ISSUED = "auth.token_issued"  # noqa: S105 (an action name)
    TOKEN_REVOKED = "auth.token_revoked"  # noqa: S105 (an action name)
    TOKEN_USED = "auth.token_used"  # noqa: S105 (an action name)
    ACCESS_REVOKED = "auth.access_revoked"
    LESSON_COMPLETED = "lesson.completed"
    ATTEMPT_STARTED = "attempt.started"
    ATTEMPT_SUBMITTED = "attempt.submitted"
    MODULE_COMPLETED = "module.completed"
    CURRICULUM_COMPLETED = "curriculum.completed"
    CERTIFICATE_ISSUED = "certificate.issued"
    CERTIFICATE_REVOKED = "certificate.revoked"
    ASSIGNMENT_CREATED = "assignment.created"
    ASSIGNMENT_CHANGED = "assignment.changed"
    ASSIGNMENT_DELETED = "assignment.deleted"
    ROSTER_IMPORTED = "roster.imported"
    REPORT_EXPORTED = "report.exported"
    EXPORT_DOWNLOADED = "report.downloaded"  # a prepared export's file (compliance.exporting)
    CONTENT_PUBLISHED = "content.published"
    CURRICULUM_IMPORTED = "curriculum.imported"
    CURRICULUM_EXPORTED = "curriculum.exported"
    RECORDS_IMPORTED = "records.imported"
    TRAINING_RECORDED = "training.recorded"
    TRAINING_SUBMITTED = "training.submitted"
    TRAINING_APPROVED = "training.approved"
    TRAINING_REJECTED = "training.rejected"
    TRAINING_REVERSED = "training.reversed"
    COMPLIANCE_WAIVER = "compliance.waiver_granted"
    COMPLIANCE_EXTENSION = "compliance.extension_granted"
    COMPLIANCE_RULE_SET = "compliance.rule_set_chosen"
    COMPLIANCE_RULE_SET_CHANGED = "compliance.rule_set_changed"
    COMPLIANCE_MAPPING = "compliance.mapping_changed"
    COMPLIANCE_PROFILE = "compliance.profile_changed"
    COMMUNITY_EVENT_CREATED = "community_event.created"
    COMMUNITY_EVENT_CHANGED = "community_event.changed"
    COMMUNITY_PHASE_OPENED = "community_event.phase_opened"
    COMMUNITY_PHASE_CLOSED = "community_event.phase_closed"
    COMMUNITY_CONSENTS_RECORDED = "community_event.consents_recorded"
    COMMUNITY_CODES_ISSUED = "community_event.codes_issued"
    COMMUNITY_COMMENT_MODERATED = "community_event.comment_moderated"
    PUBLIC_PAGE_SWITCHED = "public_page.switched"


ACTION_LABELS = {  # how each action reads on the audit pages
    Action.SIGN_IN: "Signed in",
    Action.SIGN_IN_FAILED: "Failed sign-in",
    Action.ACCOUNT_LOCKED_OUT: "Sign-in locked out",
    Action.MFA_ENROLLED: "Authenticator app enrolled",
    Action.MFA_VERIFIED: "One-time code verified",
    Action.MFA_FAILED: "Wrong one-time code",
    Action.PASSWORD_RESET_REQUESTED: "Password reset requested",
    Action.PASSWORD_RESET: "Password reset",
    Action.TOKEN_ISSUED: "API token issued",
    Action.TOKEN_REVOKED: "API token signed out",
    Action.TOKEN_USED: "Staff data read with an API token",
    Action.ACCESS_REVOKED: "Sessions and API tokens ended",
    Action.LESSON_COMPLETED: "Lesson completed",
    Action.ATTEMPT_STARTED: "Quiz attempt started",
    Action.ATTEMPT_SUBMITTED: "Quiz attempt submitted",
    Action.MODULE_COMPLETED: "Module completed",
    Action.CURRICULUM_COMPLETED: "Curriculum completed",
    Action.CERTIFICATE_ISSUED: "Certificate issued",
    Action.CERTIFICATE_REVOKED: "Certificate revoked",
    Action.ASSIGNMENT_CREATED: "Assignment created",
    Action.ASSIGNMENT_CHANGED: "Assignment changed",
    Action.ASSIGNMENT_DELETED: "Assignment deleted",
    Action.ROSTER_IMPORTED: "Roster imported",
    Action.REPORT_EXPORTED: "Report exported",
    Action.CONTENT_PUBLISHED: "Content published",
    Action.CURRICULUM_IMPORTED: "Curriculum imported",
    Action.CURRICULUM_EXPORTED: "Curriculum exported",
    Action.RECORDS_IMPORTED: "Records imported",
    Action.TRAINING_RECORDED: "Training hours recorded",
    Action.TRAINING_SUBMITTED: "External training submitted",
    Action.TRAINING_APPROVED: "External training approved",
    Action.TRAINING_REJECTED: "External training rejected",
    Action.TRAINING_REVERSED: "Training entry reversed",
    Action.COMPLIANCE_WAIVER: "Compliance waiver granted",
    Action.COMPLIANCE_EXTENSION: "Compliance extension granted",
    Action.COMPLIANCE_RULE_SET: "Compliance rule set chosen",
    Action.COMPLIANCE_RULE_SET_CHANGED: "Compliance rule set edited",
    Action.COMPLIANCE_MAPPING: "Module categories changed",
    Action.COMPLIANCE_PROFILE: "Compliance dates changed",
    Action.COMMUNITY_EVENT_CREATED: "Community event created",
    Action.COMMUNITY_EVENT_CHANGED: "Community event changed",
    Action.COMMUNITY_PHASE_OPENED: "Community survey opened",
    Action.COMMUNITY_PHASE_CLOSED: "Community survey closed",
    Action.COMMUNITY_CONSENTS_RECORDED: "Parental consents recorded",
    Action.COMMUNITY_CODES_ISSUED: "One-time codes printed",
    Action.COMMUNITY_COMMENT_MODERATED: "Participant comment moderated",
    Action.PUBLIC_PAGE_SWITCHED: "Public page switched on or off",
}


def event_hash(event: AuditEvent) -> str:
    payload = {
        "seq": event.seq,
        "created_at": event.created_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "agency_id": event.agency_id,
        "person_id": event.person_id,
        "ip_address": event.ip_address,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# The address of the request being served, set by lms.middleware.AuditContextMiddleware.
current_ip: ContextVar[str | None] = ContextVar("audit_current_ip", default=None)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or behind NUM_PROXIES trusted proxies (nginx, a load
    balancer) the entry of X-Forwarded-For the outermost of them added. Entries before it are
    whatever the client sent and are never trusted. One answer for the audit trail, the
    sign-in lockout (AXES_CLIENT_IP_CALLABLE) and the rate limits (lms.throttles)."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR")
    proxies = getattr(settings, "NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-min(proxies, len(hops))] if hops else remote


def _stored_ip(address: str | None) -> str | None:
    """The address exactly as the database stores it, which is what the hash must cover.

    The field normalises IPv6 ("2001:DB8::1" → "2001:db8::1") and stores "" as NULL; a
    value that is not an address (PostgreSQL's inet would reject it) is left out.
    """
    if not address:
        return None
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return AuditEvent._meta.get_field("ip_address").get_prep_value(address)


def _sequence_after_commit() -> None:
    """Run once a writer's transaction has committed: chain what is waiting, never blocking
    (another sequencer at work means the batch is in hand) and never failing the request
    (what is not chained now stays pending and is chained by the next one). With
    AUDIT_SEQUENCE_DELAY_SECONDS above 0 the writer only wakes this process's sequencer
    thread, which chains everything the process's writers committed meanwhile in one batch."""
    if sequence_delay() > 0:
        _background.wake()
        return
    try:
        sequence_pending(wait=False)
    except DatabaseError:
        logger.warning("Audit sequencing failed; events stay pending", exc_info=True)


def sequence_delay() -> float:
    """Seconds a process's sequencer waits after a writer's commit to gather a batch; 0 runs
    the sequencer in the writer's request, after its commit.

    Always 0 on SQLite: its writers take turns on one file lock (lms/db/sqlite3), and a
    sequencer thread holding it batch after batch starves the writes made outside a
    transaction, which wait in SQLite's busy handler instead and give up with "database is
    locked" (seen while `make bench` seeded its database)."""
    if connections["default"].vendor == "sqlite":
        return 0.0
    return float(getattr(settings, "AUDIT_SEQUENCE_DELAY_SECONDS", 0))


class BackgroundSequencer:
    """One thread per process that chains pending events off the request path: a writer's
    commit wakes it (no I/O in the request); it waits `sequence_delay()` so that the writers
    of that moment form one batch, then runs `sequence_pending` in its own connection,
    waiting for the chain head if another process's sequencer holds it. Started on the
    first wake in each process (after a server forks its workers); a daemon, so it never
    holds the process up, and the process chains what is left as it exits. An event whose
    process is killed before the run stays pending until the next run of any process or
    `manage.py sequence_audit` (docs/audit.md, the window)."""

    def __init__(self):
        self._woken = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._start = threading.Lock()

    def wake(self) -> None:
        if not self._running():
            with self._start:
                if not self._running():
                    self._woken = threading.Event()
                    self._thread = threading.Thread(
                        target=self._run, name="audit-sequencer", daemon=True
                    )
                    self._pid = os.getpid()
                    self._thread.start()
                    atexit.unregister(self._flush)  # once per process
                    atexit.register(self._flush)
        self._woken.set()

    @staticmethod
    def _flush() -> None:
        """At the process's exit (a server's worker stopping, a management command ending):
        chain what its writers left pending rather than leave it for the next process."""
        try:
            sequence_pending(wait=True)
        except Exception:
            logger.warning("Audit sequencing at exit failed; events stay pending", exc_info=True)

    def _running(self) -> bool:
        return self._pid == os.getpid() and self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        woken = self._woken
        while True:
            woken.wait()
            time.sleep(sequence_delay())
            woken.clear()  # a commit from here on wakes the next run
            try:
                sequence_pending(wait=True)
            except Exception:  # the thread must outlive any failure: its events stay pending
                logger.warning("Audit sequencing failed; events stay pending", exc_info=True)
                connections.close_all()  # a fresh connection for the next run
                woken.set()  # and try again after the delay


_background = BackgroundSequencer()


def _sequence_after_this_transaction() -> None:
    """Register the sequencer once per transaction, however many events it records."""
    connection = transaction.get_connection()
    if not any(cb is _sequence_after_commit for _, cb, _ in connection.run_on_commit):
        transaction.on_commit(_sequence_after_commit)


@transaction.atomic(savepoint=False)  # nothing to recover from here: an error undoes the caller
def record_event(
    *,
    action: str,
    actor=None,
    obj=None,
    agency_id: int | None = None,
    person_id: int | None = None,
    ip_address: str | None = None,
    data: dict | None = None,
    actor_username: str = "",
) -> AuditEvent:
    """Record one event in the caller's transaction, pending: one INSERT, no lock. The
    sequencer chains it after the commit (`sequence_pending`)."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        created_at=timezone.now(),
        actor_id=actor.pk if authenticated else None,
        actor_username=actor.get_username() if authenticated else actor_username,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        agency_id=agency_id,
        person_id=person_id,
        ip_address=_stored_ip(ip_address or current_ip.get()),
        data=json.loads(json.dumps(data or {}, default=str)),
    )
    insert(event)  # written out (lms.db.rows): every write request records one
    _sequence_after_this_transaction()
    return event


def _locked_head(*, wait: bool) -> AuditChainHead | None:
    """The chain head, locked for this transaction; None if another sequencer holds it and
    `wait` is False (PostgreSQL: SKIP LOCKED; SQLite's writers already run one at a time)."""
    head = _select_head(wait=wait)
    if head is not None:
        return head
    if AuditChainHead.objects.filter(pk=1).exists():
        return None  # there, and locked by another sequencer
    AuditChainHead.objects.get_or_create(pk=1)  # a new trail (or import_records left none)
    return AuditChainHead.objects.select_for_update().get(pk=1)


# The sequencer's statements are written out: their shape never changes, and with the
# sequencer in the writer's request (SQLite) compiling them cost more than running them.


def _select_head(*, wait: bool) -> AuditChainHead | None:
    """`select_for_update(skip_locked=not wait).filter(pk=1).first()`, as Django words it for
    the database (no FOR UPDATE where there is none: SQLite)."""
    connection = transaction.get_connection()
    quote, features = connection.ops.quote_name, connection.features
    columns = ("id", "seq", "hash")
    lock = ""
    if features.has_select_for_update:
        lock = " FOR UPDATE" + (" SKIP LOCKED" if not wait else "")
    sql = (
        f"SELECT {', '.join(quote(c) for c in columns)} "  # noqa: S608 (names are ours)
        f"FROM {quote(AuditChainHead._meta.db_table)} WHERE {quote('id')} = %s{lock}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [1])
        row = cursor.fetchone()
    return None if row is None else AuditChainHead.from_db(connection.alias, columns, row)


def _pending_exist() -> bool:
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    sql = (
        f"SELECT 1 FROM {quote(AuditEvent._meta.db_table)} "  # noqa: S608 (names are ours)
        f"WHERE {quote('seq')} IS NULL LIMIT 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone() is not None


def _pending_batch(size: int) -> list[AuditEvent]:
    """`AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:size]`."""
    table = AuditEvent._meta.db_table
    sql = (
        f"SELECT {columns(AuditEvent, 'e')} FROM {table} e "  # noqa: S608 (names are ours)
        "WHERE e.seq IS NULL ORDER BY e.id LIMIT %s"
    )
    return [row[0] for row in fetch_models(sql, [size], AuditEvent)]


def _store_places(batch: list[AuditEvent]) -> None:
    """Each event's place (seq, prev_hash, hash): the UPDATE `bulk_update(batch, ...)` would
    make."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    place = ", ".join(f"{quote(c)} = %s" for c in ("seq", "prev_hash", "hash"))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(AuditEvent._meta.db_table)} SET {place} "  # noqa: S608
            f"WHERE {quote('id')} = %s",
            [(e.seq, e.prev_hash, e.hash, e.pk) for e in batch],
        )


def _store_head(head: AuditChainHead) -> None:
    """`head.save(update_fields=["seq", "hash"])`."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(AuditChainHead._meta.db_table)} "  # noqa: S608 (names are ours)
            f"SET {quote('seq')} = %s, {quote('hash')} = %s WHERE {quote('id')} = %s",
            [head.seq, head.hash, head.pk],
        )


def sequence_pending(*, batch_size: int = SEQUENCE_BATCH, wait: bool = True) -> int:
    """Give pending events their place in the chain, oldest first, one batch per
    transaction, until none are left; returns how many were chained.

    The chain head's row lock is the sequencer's alone: holding it, nobody else assigns
    numbers, so no event is chained twice and none is skipped (an event committed after a
    batch was read is pending for the next). `wait=False`: give up at once when another
    sequencer holds it (it, or the one after it, will chain what is waiting)."""
    total = 0
    while True:
        if not _pending_exist():
            return total
        with transaction.atomic():
            head = _locked_head(wait=wait)
            if head is None:
                return total
            batch = _pending_batch(batch_size)
            for event in batch:
                event.seq, event.prev_hash = head.seq + 1, head.hash
                event.hash = event_hash(event)
                head.seq, head.hash = event.seq, event.hash
            if batch:
                # The model refuses to save an existing event; the sequencer alone fills in
                # its place, once (the head's lock is held, and only pending rows change).
                _store_places(batch)
                _store_head(head)
        total += len(batch)
        if len(batch) < batch_size:
            return total


def append_moved_events(events: list[AuditEvent]) -> None:
    """Record again, pending, events that were taken out of the trail (`import_records`: the
    few written while an empty site's curriculum was set up), so that the sequencer chains
    them after the restored head. What each says is kept; its place (id, seq, prev_hash,
    hash) is new."""
    for event in events:
        event.pk = event.seq = event.prev_hash = event.hash = None
    AuditEvent.objects.bulk_create(events)
    if events:
        _sequence_after_this_transaction()


@dataclass
class ChainBreak:
    seq: int | None  # None: a pending event, named by `event_id`
    reason: str
    event_id: int | None = None

    def __str__(self) -> str:
        where = f"event #{self.seq}" if self.seq is not None else f"event id {self.event_id}"
        return f"{where} {self.reason}"


def sequence_bound() -> timedelta:
    """How long an event may stay pending (AUDIT_SEQUENCE_BOUND_SECONDS, default 5)."""
    return timedelta(seconds=getattr(settings, "AUDIT_SEQUENCE_BOUND_SECONDS", 5))


def verify_chain(
    batch_size: int = 2000, *, now=None, bound: timedelta | None = None
) -> Iterator[ChainBreak]:
    """Yield every place the trail does not hold (an intact trail yields nothing): breaks
    in the sequenced chain, in order, then each event still pending `bound` (default
    `sequence_bound()`) after it was recorded. `bound=timedelta.max` checks the chain only."""
    # The head is read first: events chained while the scan runs come after it, not missing.
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    hash_at_head = GENESIS_HASH if head_seq == 0 else None
    expected_prev, expected_seq = GENESIS_HASH, 1
    chained = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    for event in chained.iterator(chunk_size=batch_size):
        if event.seq != expected_seq:
            yield ChainBreak(expected_seq, f"events {expected_seq}–{event.seq - 1} are missing")
        if event.prev_hash != expected_prev:
            yield ChainBreak(event.seq, "does not link to the event before it")
        if event_hash(event) != event.hash:
            yield ChainBreak(event.seq, "was altered after it was written")
        if event.seq == head_seq:
            hash_at_head = event.hash
        expected_prev, expected_seq = event.hash, event.seq + 1
    if head_seq >= expected_seq:
        yield ChainBreak(expected_seq, f"events {expected_seq}–{head_seq} are missing at the end")
    elif head and hash_at_head is not None and hash_at_head != head.hash:
        yield ChainBreak(head_seq, "does not match the chain head")
    bound = sequence_bound() if bound is None else bound
    if bound == timedelta.max:
        return
    # Read after the scan: an event chained meanwhile is not reported pending.
    cutoff = (now or timezone.now()) - bound
    late = AuditEvent.objects.filter(seq__isnull=True, created_at__lt=cutoff)
    for event in late.order_by("id").only("id", "created_at", "action").iterator():
        yield ChainBreak(
            None,
            f"({event.action}, recorded {event.created_at.isoformat()}) is still not chained, "
            f"longer than the bound of {bound.total_seconds():g} s",
            event_id=event.pk,
        )
