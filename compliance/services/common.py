"""Shared by the services: limits, the audit call, reasons."""

from decimal import Decimal
from pathlib import Path

from lms.audit import record_event
from lms.errors import DomainError, ErrorCode
from lms.models import Person

RULESET_DIR = Path(__file__).resolve().parent.parent / "rulesets"
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


def audit(action: str, *, by, obj, person: Person | None, agency_id=None, data=None) -> None:
    record_event(
        action=action,
        actor=by,
        obj=obj,
        agency_id=person.agency_id if person is not None else agency_id,
        person_id=person.pk if person is not None else None,
        data=data,
    )


def clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID, "Give a reason.", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(ErrorCode.INVALID, "Keep the reason under 1,000 characters.", "reason")
    return reason
