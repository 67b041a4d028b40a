"""The ledger: internal entries posted by module completions, external entries submitted,
decided, reversed."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compliance.evidence import check_evidence, display_name
from compliance.models import EntrySource, EntryStatus, TrainingEntry
from compliance.services.common import audit, clean_reason
from compliance.services.rule_sets import require_rule_set
from courses.models import ModuleCompletion
from lms.audit import Action
from lms.errors import DomainError, ErrorCode
from lms.models import Person


@transaction.atomic(savepoint=False)  # no DomainError: nothing to recover from
def internal_entry_post(*, completion: ModuleCompletion) -> TrainingEntry | None:
    """Post a module completion to the ledger, approved, with the module's credit hours; once
    (the entry is unique per completion). Its categories come from the agency's module
    mapping when the ledger is read. A module of no credit hours posts nothing."""
    module = completion.module
    if module.credit_hours is None or module.credit_hours <= 0:
        return None
    person = completion.person
    entry, created = TrainingEntry.objects.get_or_create(
        module_completion=completion,
        defaults={
            "person": person,
            "source": EntrySource.INTERNAL,
            "status": EntryStatus.APPROVED,
            "title": f"Module {module.number}: {module.title}"[:200],
            "provider": settings.WAGTAIL_SITE_NAME,
            "completed_on": timezone.localdate(completion.completed_at),
            "hours": module.credit_hours,
            "module": module,
            "decided_at": completion.completed_at,
        },
    )
    if created:
        audit(
            Action.TRAINING_RECORDED,
            by=person.user,
            obj=entry,
            person=person,
            data={"hours": entry.hours, "module": module.pk},
        )
    return entry


def internal_entries_sync() -> int:
    """Post every module completion that has no entry yet (completions written without the
    signal: `import_records`' bulk inserts). Returns how many were posted."""
    posted = 0
    missing = (
        ModuleCompletion.objects.filter(training_entry__isnull=True)
        .select_related("person__user", "module")
        .order_by("pk")
    )
    for completion in missing.iterator(chunk_size=500):
        with transaction.atomic():
            posted += internal_entry_post(completion=completion) is not None
    return posted


@transaction.atomic
def external_entry_submit(*, person: Person, data: dict, evidence=None, by) -> TrainingEntry:
    """An officer's external training, pending a coordinator's decision. `data` comes from
    `TrainingEntryInputSerializer` (shapes checked); here the rule set's part: its categories,
    and a certificate or letter when it asks for one without a state course number."""
    rule_set = require_rule_set(person)
    rules = rule_set.rules
    categories = list(dict.fromkeys(data.get("categories") or []))
    unknown = [c for c in categories if c not in rules.category_codes]
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            f"Not categories of {rule_set.name}: {', '.join(unknown)}.",
            field="categories",
        )
    evidence_type = check_evidence(evidence) if evidence is not None else ""
    course_number = (data.get("course_number") or "").strip()
    if rules.evidence_required_without_course_number and not course_number and not evidence:
        raise DomainError(
            ErrorCode.INVALID,
            f"{rule_set.name}: a course without a state course number counts only with a "
            "certificate or letter of completion. Attach it.",
            field="evidence",
        )
    entry = TrainingEntry(
        person=person,
        source=EntrySource.EXTERNAL,
        status=EntryStatus.PENDING,
        title=data["title"].strip(),
        description=(data.get("description") or "").strip(),
        provider=(data.get("provider") or "").strip(),
        course_number=course_number,
        started_on=data.get("started_on"),
        completed_on=data["completed_on"],
        hours=data["hours"],
        categories=categories,
        submitted_by=by,
    )
    if evidence is not None:
        entry.evidence_type = evidence_type
        entry.evidence_name = display_name(evidence.name)
        entry.evidence_size = evidence.size
        entry.evidence.save(evidence.name, evidence, save=False)
    try:
        entry.save()
        audit(
            Action.TRAINING_SUBMITTED,
            by=by,
            obj=entry,
            person=person,
            data={"hours": entry.hours, "categories": categories, "evidence": bool(evidence)},
        )
    except Exception:
        if entry.evidence:  # stored above: nothing may stay behind of a refused submission
            entry.evidence.storage.delete(entry.evidence.name)
        raise
    return entry


def _locked(entry: TrainingEntry) -> TrainingEntry:
    return TrainingEntry.objects.select_for_update().select_related("person").get(pk=entry.pk)


@transaction.atomic
def entry_approve(*, entry: TrainingEntry, by) -> TrainingEntry:
    """A coordinator approves a pending external entry; deciding twice is a conflict."""
    locked = _locked(entry)
    if locked.status != EntryStatus.PENDING:
        raise DomainError(ErrorCode.CONFLICT, f"This entry is already {locked.status}.")
    locked.status = EntryStatus.APPROVED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit(
        Action.TRAINING_APPROVED,
        by=by,
        obj=locked,
        person=locked.person,
        data={"hours": locked.hours, "categories": locked.categories},
    )
    return locked


@transaction.atomic
def entry_reject(*, entry: TrainingEntry, by, reason: str) -> TrainingEntry:
    """A coordinator rejects a pending external entry, saying why."""
    reason = clean_reason(reason)
    locked = _locked(entry)
    if locked.status != EntryStatus.PENDING:
        raise DomainError(ErrorCode.CONFLICT, f"This entry is already {locked.status}.")
    locked.status = EntryStatus.REJECTED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.decision_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit(
        Action.TRAINING_REJECTED, by=by, obj=locked, person=locked.person, data={"reason": reason}
    )
    return locked


@transaction.atomic
def entry_reverse(*, entry: TrainingEntry, by, reason: str) -> TrainingEntry:
    """Correct an approved entry: a new approved entry of the negative hours, dated as the
    original (so it leaves the same cycle). The original is never edited; reversing twice,
    or reversing a reversal, is a conflict."""
    reason = clean_reason(reason)
    locked = _locked(entry)
    if locked.status != EntryStatus.APPROVED or locked.reverses_id:
        raise DomainError(ErrorCode.CONFLICT, "Only an approved entry can be reversed.")
    if TrainingEntry.objects.filter(reverses=locked).exists():
        raise DomainError(ErrorCode.CONFLICT, "This entry is already reversed.")
    now = timezone.now()
    reversal = TrainingEntry.objects.create(
        person=locked.person,
        source=locked.source,
        status=EntryStatus.APPROVED,
        title=f"Reversal: {locked.title}"[:200],
        provider=locked.provider,
        course_number=locked.course_number,
        completed_on=locked.completed_on,
        hours=-locked.hours,
        categories=locked.categories,
        module=locked.module,
        reverses=locked,
        submitted_by=by,
        decided_by=by,
        decided_at=now,
        decision_reason=reason,
    )
    audit(
        Action.TRAINING_REVERSED,
        by=by,
        obj=reversal,
        person=locked.person,
        data={"reverses": locked.pk, "hours": reversal.hours, "reason": reason},
    )
    return reversal
