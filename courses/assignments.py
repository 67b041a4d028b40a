"""The rules of assignments: a curriculum given to the actor's own agency, one unit or one person.

Assignments are changed only through these services. Each checks the target against the
actor's oversight (lms.scoping), so no request can assign, change or remove anything in
another agency, nor, for an actor limited to some units, outside those units (agency-wide
assignments included: they reach other units' people too), and writes its audit event in
the same transaction. The table allows one assignment per curriculum and target (three unique
constraints: agency, unit, person); creating takes a row lock on the actor's agency so that
concurrent creates queue and the duplicate check answers with a message rather than the
constraint's error.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.dateformat import format as format_date

from courses.models import Assignment, CurriculumPage
from courses.progress.cycle import add_months
from lms.audit import Action, record_event
from lms.errors import DomainError, ErrorCode
from lms.models import Agency, Person, Unit
from lms.scoping import oversees_whole_agency, oversight_agency_id, scope_units

MAX_MONTHS_AHEAD = 60
MIN_RECERTIFICATION_MONTHS = 1
MAX_RECERTIFICATION_MONTHS = 120


def latest_due_date(today: date | None = None) -> date:
    """The furthest due date allowed: five years from today."""
    return add_months(today or timezone.localdate(), MAX_MONTHS_AHEAD)


def validate_due_date(due_date: date | None) -> None:
    """A due date is required and at most five years ahead."""
    if due_date is None:
        raise DomainError(ErrorCode.INVALID, "Enter the due date.", field="due_date")
    latest = latest_due_date()
    if due_date > latest:
        raise DomainError(
            ErrorCode.INVALID,
            f"Choose a due date no later than {format_date(latest, 'M j, Y')} "
            "(five years from today).",
            field="due_date",
        )


def validate_recertification_months(months: int | None) -> None:
    """Empty (the certificate never expires) or a whole number of months from 1 to 120."""
    if months is None:
        return
    if (
        isinstance(months, bool)
        or not isinstance(months, int)
        or not MIN_RECERTIFICATION_MONTHS <= months <= MAX_RECERTIFICATION_MONTHS
    ):
        raise DomainError(
            ErrorCode.INVALID,
            f"Enter a whole number of months from {MIN_RECERTIFICATION_MONTHS} to "
            f"{MAX_RECERTIFICATION_MONTHS}, or leave it empty if certificates do not expire.",
            field="recertification_months",
        )


def target_label(assignment: Assignment) -> str:
    """Who the assignment reaches, as the oversight pages name it."""
    if assignment.person_id:
        person = assignment.person
        badge = f" ({person.badge_number})" if person.badge_number else ""
        return f"{person.display_name}{badge}"
    if assignment.unit_id:
        return assignment.unit.name
    return assignment.agency.name


def _target_data(assignment: Assignment) -> dict:
    kind = "person" if assignment.person_id else "unit" if assignment.unit_id else "agency"
    target_id = assignment.person_id or assignment.unit_id or assignment.agency_id
    return {"kind": kind, "id": target_id, "name": target_label(assignment)}


def _event_data(assignment: Assignment) -> dict:
    return {
        "curriculum": assignment.curriculum_id,
        "target": _target_data(assignment),
        "due_date": assignment.due_date,
        "recertification_months": assignment.recertification_months,
    }


def _audit(action: str, *, by, assignment: Assignment, agency_id: int, data: dict) -> None:
    record_event(
        action=action,
        actor=by,
        obj=assignment,
        agency_id=agency_id,
        person_id=assignment.person_id,
        data=data,
    )


def _own_agency_id(by) -> int:
    """The actor's oversight agency; someone without one can reach no target."""
    agency_id = oversight_agency_id(by)
    if agency_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "You have no agency to assign training in.")
    return agency_id


def _check_target(
    *, by, agency_id: int, agency: Agency | None, unit: Unit | None, person: Person | None
) -> None:
    chosen = [target for target in (agency, unit, person) if target is not None]
    if len(chosen) != 1:
        raise DomainError(
            ErrorCode.INVALID,
            "Assign the curriculum to exactly one of: the agency, one unit or one person.",
            field="target",
        )
    if agency is not None and agency.pk != agency_id:
        raise DomainError(ErrorCode.NOT_FOUND, "No such agency.", field="agency")
    if agency is not None and not oversees_whole_agency(by):
        raise DomainError(
            ErrorCode.NOT_FOUND,
            "Your oversight is limited to some units: assign to one of them or to one person.",
            field="agency",
        )
    if unit is not None and not scope_units(Unit.objects.filter(pk=unit.pk), by).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "No such unit in your oversight.", field="unit")
    if person is not None and not Person.objects.visible_to(by).filter(pk=person.pk).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "No such person in your oversight.", field="person")


def _scoped_for_update(*, by, assignment: Assignment) -> Assignment:
    """The assignment locked, if the actor's oversight covers it; NOT_FOUND otherwise."""
    locked = (
        Assignment.objects.changeable_by(by)
        .select_for_update(of=("self",))
        .select_related("curriculum", "agency", "unit", "person__user")
        .filter(pk=assignment.pk)
        .first()
    )
    if locked is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No such assignment.")
    return locked


@transaction.atomic
def assignment_create(
    *,
    by,
    curriculum: CurriculumPage,
    agency: Agency | None = None,
    unit: Unit | None = None,
    person: Person | None = None,
    due_date: date | None,
    recertification_months: int | None = None,
) -> Assignment:
    """Assign a live curriculum to the actor's agency, one of its units or one of its people.

    The target must be in the actor's oversight (NOT_FOUND otherwise, as if it did not
    exist): their agency, or, for an actor limited to some units, one of those units or one of
    their people; one curriculum is assigned to one target once (CONFLICT).
    """
    agency_id = _own_agency_id(by)
    _check_target(by=by, agency_id=agency_id, agency=agency, unit=unit, person=person)
    if not curriculum.live:
        raise DomainError(ErrorCode.NOT_FOUND, "No such curriculum.", field="curriculum")
    validate_due_date(due_date)
    validate_recertification_months(recertification_months)

    Agency.objects.select_for_update().get(pk=agency_id)
    assignment = Assignment(
        curriculum=curriculum,
        agency=agency,
        unit=unit,
        person=person,
        due_date=due_date,
        recertification_months=recertification_months,
    )
    if Assignment.objects.filter(
        curriculum=curriculum, agency=agency, unit=unit, person=person
    ).exists():
        raise DomainError(
            ErrorCode.CONFLICT,
            f"{curriculum.title} is already assigned to {target_label(assignment)}; "
            "edit the existing assignment.",
        )
    assignment.save()
    _audit(
        Action.ASSIGNMENT_CREATED,
        by=by,
        assignment=assignment,
        agency_id=agency_id,
        data=_event_data(assignment),
    )
    return assignment


@transaction.atomic
def assignment_update(
    *, by, assignment: Assignment, due_date: date | None, recertification_months: int | None
) -> Assignment:
    """Change the due date and recertification interval; curriculum and target stay.

    The event records the values before and after. Saving the same values changes nothing
    and records nothing. Certificates already issued keep their expiry dates.
    """
    agency_id = _own_agency_id(by)
    locked = _scoped_for_update(by=by, assignment=assignment)
    validate_due_date(due_date)
    validate_recertification_months(recertification_months)

    before = {
        "due_date": locked.due_date,
        "recertification_months": locked.recertification_months,
    }
    after = {"due_date": due_date, "recertification_months": recertification_months}
    if before == after:
        return locked
    locked.due_date = due_date
    locked.recertification_months = recertification_months
    locked.save(update_fields=["due_date", "recertification_months"])
    _audit(
        Action.ASSIGNMENT_CHANGED,
        by=by,
        assignment=locked,
        agency_id=agency_id,
        data={**_event_data(locked), "before": before, "after": after},
    )
    return locked


@transaction.atomic
def assignment_delete(*, by, assignment: Assignment) -> None:
    """Remove an assignment. People it reached keep their completions and certificates, but
    no longer see the curriculum unless another assignment reaches them."""
    agency_id = _own_agency_id(by)
    locked = _scoped_for_update(by=by, assignment=assignment)
    _audit(
        Action.ASSIGNMENT_DELETED,
        by=by,
        assignment=locked,
        agency_id=agency_id,
        data=_event_data(locked),
    )
    locked.delete()
