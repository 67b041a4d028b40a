"""Waivers and extensions of one officer's cycle, granted with a reason."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from compliance import cycles
from compliance.models import AdjustmentKind, CycleAdjustment, RuleSet
from compliance.selectors import officer_dates
from compliance.services.common import MAX_ENTRY_HOURS, audit, clean_reason
from compliance.services.rule_sets import require_rule_set
from lms.audit import Action
from lms.errors import DomainError, ErrorCode
from lms.models import Person


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
    reason = clean_reason(reason)
    rule_set = require_rule_set(person)
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
    audit(
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
    reason = clean_reason(reason)
    rule_set = require_rule_set(person)
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
    audit(
        Action.COMPLIANCE_EXTENSION,
        by=by,
        obj=adjustment,
        person=person,
        data={"deadline": deadline, "cycle_end": cycle.end, "reason": reason},
    )
    return adjustment
