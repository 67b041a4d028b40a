"""Compliance reads, already scoped: an officer's ledger and standing, and an agency's
standings in a fixed number of queries whatever its size.

The standing itself is `compliance.cycles.evaluate` (pure); here the rows are read and handed
to it. Internal entries take their categories from the agency's module mapping when read
(`module_category_map`), so a coordinator's correction of the mapping applies to hours already
earned; external entries keep the categories they were submitted and approved with.
"""

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connections
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from compliance import cycles
from compliance.models import (
    AgencyRuleSet,
    ComplianceProfile,
    CycleAdjustment,
    EntrySource,
    EntryStatus,
    ModuleCategories,
    RuleSet,
    TrainingEntry,
)
from courses.models import ModulePage
from lms.models import Person, PersonnelCategory

# Who the mandates apply to: sworn officers and police leaders (not civilian staff or elected
# officials, who train here but hold no peace-officer certification).
COVERED = (PersonnelCategory.SWORN, PersonnelCategory.LEADER)


def rule_set_of(agency_id: int) -> RuleSet | None:
    choice = AgencyRuleSet.objects.select_related("rule_set").filter(agency_id=agency_id).first()
    return choice.rule_set if choice else None


def officer_dates(person: Person) -> cycles.OfficerDates:
    profile = ComplianceProfile.objects.filter(person=person).first()
    if profile is None:
        return cycles.OfficerDates()
    return cycles.OfficerDates(
        certified_on=profile.certified_on,
        licence_expires_on=profile.licence_expires_on,
        hired_on=profile.hired_on,
    )


def module_category_map(agency_id: int, rule_set: RuleSet) -> dict[int, tuple[str, ...]]:
    """Module id → category codes in this agency: its coordinators' mapping where they made
    one, else the rule set file's default by module number. Two queries."""
    defaults = rule_set.rules.module_categories
    mapping = {
        pk: defaults.get(number, ())
        for pk, number in ModulePage.objects.values_list("pk", "number")
    }
    for module_id, categories in ModuleCategories.objects.filter(
        agency_id=agency_id, rule_set=rule_set
    ).values_list("module_id", "categories"):
        mapping[module_id] = tuple(categories)
    return mapping


def category_codes(entry: TrainingEntry, mapping: dict[int, tuple[str, ...]]) -> list[str]:
    if entry.source == EntrySource.INTERNAL:
        return list(mapping.get(entry.module_id, ()))
    return list(entry.categories)


def ledger(person: Person, *, mapping: dict[int, tuple[str, ...]] | None = None):
    """The officer's entries, newest first, each with `category_codes` set. One query (and
    two for the mapping, when not given)."""
    if mapping is None:
        rule_set = rule_set_of(person.agency_id)
        mapping = module_category_map(person.agency_id, rule_set) if rule_set else {}
    entries = list(
        TrainingEntry.objects.filter(person=person).select_related("decided_by", "reverses")
    )
    reversed_ids = {e.reverses_id for e in entries if e.reverses_id}
    for entry in entries:
        entry.category_codes = category_codes(entry, mapping)
        entry.is_reversed = entry.pk in reversed_ids
    return entries


def _credit(completed_on, hours, status, codes: frozenset[str]) -> cycles.Credit:
    return cycles.Credit(
        completed_on=completed_on,
        hours=hours,
        categories=codes,
        approved=status == EntryStatus.APPROVED,
    )


def _adjustment(row: CycleAdjustment) -> cycles.Adjustment:
    return cycles.Adjustment(
        kind=row.kind, category=row.category, hours=row.hours, deadline=row.deadline
    )


@dataclass
class OfficerCompliance:
    rule_set: RuleSet | None
    standings: list[cycles.Standing] = field(default_factory=list)  # current cycle first
    needs_dates: bool = False  # the rule set needs a date the officer's profile lacks


def officer_compliance(
    *, person: Person, as_of: date | None = None, cycles_back: int = 1
) -> OfficerCompliance:
    """The officer's standing in the current cycle and `cycles_back` before it."""
    as_of = as_of or timezone.localdate()
    rule_set = rule_set_of(person.agency_id)
    if rule_set is None:
        return OfficerCompliance(rule_set=None)
    rules = rule_set.rules
    dates = officer_dates(person)
    cycle = cycles.cycle_at(rules.cycle, as_of, dates)
    if cycle is None:
        return OfficerCompliance(rule_set=rule_set, needs_dates=True)
    wanted = [cycle]
    for _ in range(cycles_back):
        earlier = cycles.previous_cycle(rules.cycle, wanted[-1], dates)
        if earlier is None:
            break
        wanted.append(earlier)
    mapping = module_category_map(person.agency_id, rule_set)
    rows = TrainingEntry.objects.filter(
        person=person,
        status__in=[EntryStatus.APPROVED, EntryStatus.PENDING],
        completed_on__range=(wanted[-1].start, wanted[0].end),
    ).values_list("completed_on", "hours", "status", "source", "module_id", "categories")
    credits = [
        _credit(
            day,
            hours,
            status,
            frozenset(mapping.get(module_id, ()) if source == EntrySource.INTERNAL else cats),
        )
        for day, hours, status, source, module_id, cats in rows
    ]
    adjustments = list(CycleAdjustment.objects.filter(person=person, rule_set=rule_set))
    standings = [
        cycles.evaluate(
            rules,
            c,
            credits,
            as_of=as_of,
            dates=dates,
            adjustments=[_adjustment(a) for a in adjustments if a.cycle_start == c.start],
        )
        for c in wanted
    ]
    return OfficerCompliance(rule_set=rule_set, standings=standings)


# --- An agency at once ------------------------------------------------------------------------


@dataclass
class ReportRow:
    """One officer in the compliance report."""

    person_id: int
    name: str
    badge_number: str
    unit_id: int | None
    unit: str | None
    state_id: str
    status: str
    required_hours: Decimal
    earned_hours: Decimal
    pending_hours: Decimal
    deadline: date
    cycle_start: date
    cycle_end: date
    missing: list[str]  # names of the requirements not yet met

    @property
    def pk(self) -> int:
        return self.person_id


@dataclass
class ComplianceReport:
    rule_set: RuleSet | None
    rows: list[ReportRow]
    without_dates: int = 0  # covered officers whose cycle needs a date their profile lacks

    def counts(self) -> dict[str, int]:
        counted = Counter(row.status for row in self.rows)
        return {status: counted.get(status, 0) for status in cycles.Status.ALL}

    def by_unit(self) -> list[tuple[str, dict[str, int], int]]:
        units: dict[str, Counter] = {}
        for row in self.rows:
            units.setdefault(row.unit or "No unit", Counter())[row.status] += 1
        return [
            (name, {s: counted.get(s, 0) for s in cycles.Status.ALL}, sum(counted.values()))
            for name, counted in sorted(units.items())
        ]


def _missing(standing: cycles.Standing) -> list[str]:
    missing = [line.name for line in standing.categories if not line.met]
    missing += [line.name for line in standing.pools if not line.met]
    names = {line.code: line.name for line in standing.categories}
    missing += [
        f"{names.get(p.category, p.category)} ({p.start:%b %Y}–{p.end:%b %Y})"
        for p in standing.periods
        if not p.met
    ]
    if not standing.total.met:
        missing.insert(0, f"{standing.total.missing_hours.normalize():f} hours")
    return missing


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(CENTS)


CENTS = Decimal("0.01")


def _raw_rows(queryset: QuerySet) -> Iterator[tuple]:
    """The rows of a `values_list` queryset straight from the database cursor, in chunks (a
    server-side cursor on PostgreSQL), without Django's per-value converters: for the
    half-million entries of a large agency they cost more than the rule itself. SQLite hands
    back decimals as numbers (and dates as text where no converter is registered); the caller
    converts those."""
    connection = connections[queryset.db]
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(5000):
            yield from rows


def compliance_report(
    *,
    people: QuerySet[Person],
    agency_id: int,
    as_of: date | None = None,
    unit_id: int | None = None,
    status: str | None = None,
) -> ComplianceReport:
    """Every covered officer of `people` (already scoped to the viewer) in their current
    cycle, filtered by unit and status. Six queries whatever the number of officers: the rule
    set, the module mapping (2), the officers with their profiles, their adjustments and their
    entries (one pass, in officer order)."""
    as_of = as_of or timezone.localdate()
    rule_set = rule_set_of(agency_id)
    if rule_set is None:
        return ComplianceReport(rule_set=None, rows=[])
    rules = rule_set.rules
    mapping = module_category_map(agency_id, rule_set)
    people = people.filter(agency_id=agency_id, personnel_category__in=COVERED)
    if unit_id is not None:
        people = people.filter(unit_id=unit_id)
    officers = list(
        people.order_by("pk").values_list(
            "pk",
            "user__first_name",
            "user__last_name",
            "user__username",
            "badge_number",
            "unit_id",
            "unit__name",
            "compliance_profile__state_id",
            "compliance_profile__certified_on",
            "compliance_profile__licence_expires_on",
            "compliance_profile__hired_on",
        )
    )
    plan = []
    without_dates = 0
    for row in officers:
        dates = cycles.OfficerDates(
            certified_on=row[8], licence_expires_on=row[9], hired_on=row[10]
        )
        cycle = cycles.cycle_at(rules.cycle, as_of, dates)
        if cycle is None:
            without_dates += 1
            continue
        plan.append((row, dates, cycle))
    if not plan:
        return ComplianceReport(rule_set=rule_set, rows=[], without_dates=without_dates)
    first = min(c.start for _, _, c in plan)
    last = max(c.end for _, _, c in plan)
    adjustments: dict[int, list[cycles.Adjustment]] = {}
    for adjustment in CycleAdjustment.objects.filter(
        person__in=people, rule_set=rule_set, cycle_end__gte=first
    ):
        adjustments.setdefault(adjustment.person_id, []).append(
            (adjustment.cycle_start, _adjustment(adjustment))
        )
    entries = _raw_rows(
        TrainingEntry.objects.filter(
            person__in=people,
            status__in=[EntryStatus.APPROVED, EntryStatus.PENDING],
            completed_on__range=(first, last),
        )
        .order_by("person_id")
        # The categories as their JSON text: parsed once per distinct value (`codes`), not
        # once per row.
        .annotate(categories_text=Cast("categories", TextField()))
        .values_list(
            "person_id",
            "completed_on",
            "hours",
            "status",
            "source",
            "module_id",
            "categories_text",
        )
    )
    codes_cache: dict[object, frozenset[str]] = {}

    def codes(source, module_id, text) -> frozenset[str]:
        key = module_id if source == EntrySource.INTERNAL else text
        found = codes_cache.get(key)
        if found is None:
            found = codes_cache[key] = frozenset(
                mapping.get(module_id, ()) if source == EntrySource.INTERNAL else json.loads(text)
            )
        return found

    pending_row = next(entries, None)
    rows = []
    for row, dates, cycle in plan:
        person_id = row[0]
        credits = []
        while pending_row is not None and pending_row[0] <= person_id:
            if pending_row[0] == person_id:
                _, day, hours, entry_status, source, module_id, cats = pending_row
                if hours.__class__ is not Decimal:  # SQLite: a number (see _raw_rows)
                    hours = _decimal(hours)
                if day.__class__ is str:
                    day = date.fromisoformat(day)
                credits.append(_credit(day, hours, entry_status, codes(source, module_id, cats)))
            pending_row = next(entries, None)
        standing = cycles.evaluate(
            rules,
            cycle,
            credits,
            as_of=as_of,
            dates=dates,
            adjustments=[a for start, a in adjustments.get(person_id, []) if start == cycle.start],
        )
        if status and standing.status != status:
            continue
        rows.append(
            ReportRow(
                person_id=person_id,
                name=f"{row[1]} {row[2]}".strip() or row[3],
                badge_number=row[4],
                unit_id=row[5],
                unit=row[6],
                state_id=row[7] or "",
                status=standing.status,
                required_hours=standing.required_hours,
                earned_hours=standing.earned_hours,
                pending_hours=standing.pending_hours,
                deadline=standing.deadline,
                cycle_start=cycle.start,
                cycle_end=cycle.end,
                missing=_missing(standing) if standing.status != cycles.Status.COMPLIANT else [],
            )
        )
    rows.sort(key=lambda r: (r.name.split(" ")[-1].lower(), r.name.lower(), r.person_id))
    return ComplianceReport(rule_set=rule_set, rows=rows, without_dates=without_dates)


def pending_entries(people: QuerySet[Person]) -> QuerySet[TrainingEntry]:
    """External entries awaiting a decision, oldest first, of the viewer's people."""
    return (
        TrainingEntry.objects.filter(person__in=people, status=EntryStatus.PENDING)
        .select_related("person__user", "person__unit")
        .order_by("created_at", "pk")
    )


def state_report_entries(*, people: QuerySet[Person], start: date, end: date) -> Iterator[tuple]:
    """Approved entries (reversals included, as negative hours) completed between `start` and
    `end` of the viewer's people, for the state-reporting CSV: one query, streamed."""
    return (
        TrainingEntry.objects.filter(
            person__in=people, status=EntryStatus.APPROVED, completed_on__range=(start, end)
        )
        .order_by("completed_on", "pk")
        .values_list(
            "pk",
            "person_id",
            "person__compliance_profile__state_id",
            "person__badge_number",
            "person__user__last_name",
            "person__user__first_name",
            "person__unit__name",
            "source",
            "title",
            "description",
            "started_on",
            "completed_on",
            "hours",
            "categories",
            "module_id",
            "provider",
            "course_number",
            "decided_at",
            "reverses_id",
        )
        .iterator(chunk_size=2000)
    )
