"""The tamper-evident audit trail: append an event, verify the chain.

Each event's hash is SHA-256 over its own fields and the previous event's hash. The
chain head row is locked while appending, so concurrent writers chain in turn.
"""

import hashlib
import json
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import transaction
from django.utils import timezone

from lms.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64


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
    return request.META.get("REMOTE_ADDR") if request is not None else None


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


def _head_lock_held() -> None:
    """Marks, among the transaction's on-commit callbacks, that it holds the chain head's lock.

    Django drops a transaction's callbacks when it rolls back, and those registered inside a
    savepoint when that savepoint rolls back, which is exactly when PostgreSQL releases a row
    lock taken there; so the mark is present while, and only while, the lock is held. Nothing
    to do on commit: the lock ends with the transaction."""


def _locked_head() -> AuditChainHead:
    """The chain head, locked once per transaction however many events it appends (a passing
    submit appends up to four), and always the last row a request locks. Read afresh each time:
    a savepoint rolled back since the last event may have undone what was appended."""
    connection = transaction.get_connection()
    held = any(callback is _head_lock_held for _, callback, _ in connection.run_on_commit)
    heads = AuditChainHead.objects if held else AuditChainHead.objects.select_for_update()
    head, _ = heads.get_or_create(pk=1)  # (import_records replaces it in its transaction)
    if held:
        return head
    transaction.on_commit(_head_lock_held)
    return head


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
    """Append one event to the chain, in the caller's transaction."""
    head = _locked_head()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        seq=head.seq + 1,
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
        prev_hash=head.hash,
    )
    event.hash = event_hash(event)
    event.save()
    head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])
    return event


def append_moved_events(events: list[AuditEvent]) -> None:
    """Append events that were taken out of the chain (`import_records`: the few written while
    an empty site's curriculum was set up) after the current head. What each says is kept;
    only its place in the chain (id, seq, prev_hash, hash) is new."""
    if not events:
        return
    head = _locked_head()
    for event in events:
        event.pk, event.seq, event.prev_hash = None, head.seq + 1, head.hash
        event.hash = event_hash(event)
        event.save()
        head.seq, head.hash = event.seq, event.hash
    head.save(update_fields=["seq", "hash"])


@dataclass
class ChainBreak:
    seq: int
    reason: str


def verify_chain(batch_size: int = 2000) -> Iterator[ChainBreak]:
    """Yield every place the chain does not hold, in order (an intact chain yields nothing)."""
    # The head is read first: events appended while the scan runs come after it, not missing.
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    hash_at_head = GENESIS_HASH if head_seq == 0 else None
    expected_prev, expected_seq = GENESIS_HASH, 1
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
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
