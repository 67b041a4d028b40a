"""The rules that change the ledger and what it is measured against. Each is a keyword-only
function that validates, writes and records its audit event in one transaction; a refusal is
a DomainError (400 / 404 / 409) raised before anything is written.

Locks: a decision (approve, reject, reverse) locks the entry, then the audit chain head.
"""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compliance import cycles
from compliance.evidence import check_evidence, display_name
from compliance.models import (
    AdjustmentKind,
    AgencyRuleSet,
    ComplianceProfile,
    CycleAdjustment,
    EntrySource,
    EntryStatus,
    ModuleCategories,
    RuleSet,
    TrainingEntry,
)
from compliance.rules import RuleSetError, parse_definition
from compliance.selectors import officer_dates, rule_set_of
from courses.models import ModuleCompletion, ModulePage
from lms.audit import Action, record_event
from lms.errors import DomainError, ErrorCode
from lms.models import Agency, Person

RULESET_DIR = Path(__file__).resolve().parent / "rulesets"
DEFINITION_KEYS = [  # what of a rule-set file is the definition (the rest: identity, sources)
    "cycle",
    "total_hours",
    "categories",
    "pools",
    "recurring",
    "proration",
    "waivers",
    "extension_max_months",
    "evidence_required_without_course_number",
    "at_risk_days",
    "module_categories",
]
MAX_ENTRY_HOURS = Decimal("200")  # more in one entry is a typing error, not a course
MAX_REASON = 1000


def _audit(action: str, *, by, obj, person: Person | None, agency_id=None, data=None) -> None:
    record_event(
        action=action,
        actor=by,
        obj=obj,
        agency_id=person.agency_id if person is not None else agency_id,
        person_id=person.pk if person is not None else None,
        data=data,
    )


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, "Give a reason.", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(ErrorCode.INVALID, "Keep the reason under 1,000 characters.", "reason")
    return reason


# --- Rule sets --------------------------------------------------------------------------------


def read_rule_set_files(directory: Path = RULESET_DIR) -> list[dict]:
    """Every rule-set file, each checked; RuleSetError naming every problem of every file."""
    documents, problems = [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            parse_definition(data)
        except yaml.YAMLError as error:
            problems.append(f"{path.name}: not valid YAML ({error})")
            continue
        except RuleSetError as error:
            problems.extend(f"{path.name}: {problem}" for problem in error.problems)
            continue
        for key in ("code", "name", "authority", "sources"):
            if not data.get(key):
                problems.append(f"{path.name}: {key} is missing")
        if any(not isinstance(s, dict) or not s.get("title") for s in data.get("sources") or []):
            problems.append(f"{path.name}: each source needs a title")
        documents.append({**data, "source_file": path.name})
    if problems:
        raise RuleSetError(problems)
    return documents


@transaction.atomic
def rule_sets_load(*, directory: Path = RULESET_DIR) -> tuple[int, int]:
    """Create or update the state rule sets from their files (all checked first). Returns
    (created, updated)."""
    created = updated = 0
    for data in read_rule_set_files(directory):
        definition = {key: data[key] for key in DEFINITION_KEYS if key in data}
        definition = json.loads(json.dumps(definition, default=str))  # dates as ISO text
        _, was_created = RuleSet.objects.update_or_create(
            code=data["code"],
            agency=None,
            defaults={
                "name": data["name"],
                "jurisdiction": data.get("jurisdiction", ""),
                "authority": data["authority"],
                "definition": definition,
                "sources": data["sources"],
                "notes": data.get("notes", ""),
                "source_file": data["source_file"],
            },
        )
        created += was_created
        updated += not was_created
    return created, updated


@transaction.atomic
def agency_rule_set_choose(*, agency: Agency, rule_set: RuleSet, by=None) -> AgencyRuleSet:
    """The agency follows `rule_set` from now on (a state rule set or its own)."""
    if rule_set.agency_id not in (None, agency.pk):
        raise DomainError(ErrorCode.NOT_FOUND, "No such rule set.")
    choice, _ = AgencyRuleSet.objects.update_or_create(
        agency=agency, defaults={"rule_set": rule_set, "chosen_at": timezone.now()}
    )
    _audit(
        Action.COMPLIANCE_RULE_SET,
        by=by,
        obj=rule_set,
        person=None,
        agency_id=agency.pk,
        data={"code": rule_set.code},
    )
    return choice


def _require_rule_set(person: Person) -> RuleSet:
    rule_set = rule_set_of(person.agency_id)
    if rule_set is None:
        raise DomainError(ErrorCode.CONFLICT, "Your agency has not chosen a compliance rule set.")
    return rule_set


@transaction.atomic
def module_categories_set(
    *, agency: Agency, rule_set: RuleSet, module: ModulePage, categories: list[str], by
) -> ModuleCategories:
    """Which of the rule set's categories the module counts towards in this agency."""
    unknown = sorted(set(categories) - set(rule_set.rules.category_codes))
    if unknown:
        raise DomainError(
            ErrorCode.INVALID,
            f"Not categories of {rule_set.name}: {', '.join(unknown)}.",
            field="categories",
        )
    row, _ = ModuleCategories.objects.update_or_create(
        agency=agency, rule_set=rule_set, module=module, defaults={"categories": sorted(categories)}
    )
    _audit(
        Action.COMPLIANCE_MAPPING,
        by=by,
        obj=module,
        person=None,
        agency_id=agency.pk,
        data={"rule_set": rule_set.code, "categories": row.categories},
    )
    return row


@transaction.atomic
def profile_set(
    *,
    person: Person,
    by,
    state_id: str = "",
    certified_on: date | None = None,
    licence_expires_on: date | None = None,
    hired_on: date | None = None,
) -> ComplianceProfile:
    """The officer's compliance dates and state identifier."""
    if certified_on and certified_on > timezone.localdate():
        raise DomainError(ErrorCode.INVALID, "Not in the future.", field="certified_on")
    profile, _ = ComplianceProfile.objects.update_or_create(
        person=person,
        defaults={
            "state_id": state_id.strip()[:60],
            "certified_on": certified_on,
            "licence_expires_on": licence_expires_on,
            "hired_on": hired_on,
        },
    )
    _audit(
        Action.COMPLIANCE_PROFILE,
        by=by,
        obj=profile,
        person=person,
        data={
            "certified_on": certified_on,
            "licence_expires_on": licence_expires_on,
            "hired_on": hired_on,
        },
    )
    return profile


# --- The ledger -------------------------------------------------------------------------------


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
        _audit(
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
    rule_set = _require_rule_set(person)
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
        _audit(
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
    _audit(
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
    reason = _reason(reason)
    locked = _locked(entry)
    if locked.status != EntryStatus.PENDING:
        raise DomainError(ErrorCode.CONFLICT, f"This entry is already {locked.status}.")
    locked.status = EntryStatus.REJECTED
    locked.decided_by, locked.decided_at = by, timezone.now()
    locked.decision_reason = reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _audit(
        Action.TRAINING_REJECTED, by=by, obj=locked, person=locked.person, data={"reason": reason}
    )
    return locked


@transaction.atomic
def entry_reverse(*, entry: TrainingEntry, by, reason: str) -> TrainingEntry:
    """Correct an approved entry: a new approved entry of the negative hours, dated as the
    original (so it leaves the same cycle). The original is never edited; reversing twice,
    or reversing a reversal, is a conflict."""
    reason = _reason(reason)
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
    _audit(
        Action.TRAINING_REVERSED,
        by=by,
        obj=reversal,
        person=locked.person,
        data={"reverses": locked.pk, "hours": reversal.hours, "reason": reason},
    )
    return reversal


# --- Waivers and extensions -------------------------------------------------------------------


def _current_cycle(person: Person, rule_set: RuleSet, as_of: date) -> cycles.Cycle:
    cycle = cycles.cycle_at(rule_set.rules.cycle, as_of, officer_dates(person))
    if cycle is None:
        raise DomainError(
            ErrorCode.CONFLICT,
            "This officer's cycle needs a certification or licence date: enter it first.",
        )
    return cycle


@transaction.atomic
def waiver_grant(
    *,
    person: Person,
    by,
    reason: str,
    category: str = "",
    hours: Decimal | None = None,
    as_of: date | None = None,
) -> CycleAdjustment:
    """Waive hours (of one category, or of the total) in the officer's current cycle; no hours
    waives the requirement entirely. Only where the rule set allows waivers."""
    reason = _reason(reason)
    rule_set = _require_rule_set(person)
    rules = rule_set.rules
    if not rules.waivers:
        raise DomainError(ErrorCode.CONFLICT, f"{rule_set.name} allows no waivers.")
    pools = {p.code for p in rules.pools}
    if category and category not in rules.category_codes and category not in pools:
        raise DomainError(ErrorCode.INVALID, "Not a category of this rule set.", "category")
    if hours is not None and not Decimal(0) < hours <= MAX_ENTRY_HOURS:
        raise DomainError(ErrorCode.INVALID, "Between 0 and 200 hours.", field="hours")
    cycle = _current_cycle(person, rule_set, as_of or timezone.localdate())
    adjustment = CycleAdjustment.objects.create(
        person=person,
        rule_set=rule_set,
        cycle_start=cycle.start,
        cycle_end=cycle.end,
        kind=AdjustmentKind.WAIVER,
        category=category,
        hours=hours,
        reason=reason,
        granted_by=by,
    )
    _audit(
        Action.COMPLIANCE_WAIVER,
        by=by,
        obj=adjustment,
        person=person,
        data={"category": category, "hours": hours, "cycle_end": cycle.end, "reason": reason},
    )
    return adjustment


@transaction.atomic
def extension_grant(
    *, person: Person, by, reason: str, deadline: date, as_of: date | None = None
) -> CycleAdjustment:
    """Move the officer's current deadline to `deadline`, no further than the rule set's
    `extension_max_months` past the cycle's end."""
    reason = _reason(reason)
    rule_set = _require_rule_set(person)
    limit = rule_set.rules.extension_max_months
    if not limit:
        raise DomainError(ErrorCode.CONFLICT, f"{rule_set.name} allows no extensions.")
    cycle = _current_cycle(person, rule_set, as_of or timezone.localdate())
    latest = cycles.add_months(cycle.end, limit)
    if not cycle.end < deadline <= latest:
        raise DomainError(
            ErrorCode.INVALID,
            f"A date after {cycle.end:%b %-d, %Y} and no later than {latest:%b %-d, %Y}.",
            field="deadline",
        )
    adjustment = CycleAdjustment.objects.create(
        person=person,
        rule_set=rule_set,
        cycle_start=cycle.start,
        cycle_end=cycle.end,
        kind=AdjustmentKind.EXTENSION,
        deadline=deadline,
        reason=reason,
        granted_by=by,
    )
    _audit(
        Action.COMPLIANCE_EXTENSION,
        by=by,
        obj=adjustment,
        person=person,
        data={"deadline": deadline, "cycle_end": cycle.end, "reason": reason},
    )
    return adjustment
