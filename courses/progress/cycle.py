"""The certification cycle: which cycle a person is in, when they are due, and whether they are
completed, in progress, not started or overdue.

One rule in two forms, side by side, so a change to one is seen next to the other:

- the Python form judges one person's `TrainingRecord` and governing `Assignment` at a moment:
  `cycle_at` (the cycle as it stands, used by the progress services to begin the next one and
  by the attempt limit) and `cycle_standing` (status, due date, overdue; My training);
- the SQL form, `completion_rows`, annotates the same answers on every assigned person in one
  query (the oversight reports and the reminders); `cycle_number` is `cycle_at(...).number`
  for queries that reach records through a join (the dashboard's unit × module counts).

The rule:

1. A cycle ends when its certificate expires or is revoked. From that moment the person counts
   as in the next cycle, though nothing is written until their next activity begins it
   (`renew`): nothing done in it yet, no certificate, attempts counted afresh.
2. The governing assignment is the most specific one (person, then unit, then agency; the
   latest due date among equals). Its recertification interval sets the certificate's expiry.
3. Due date: a cycle that follows an expired certificate is due when that certificate ran out
   (`recertify_by`); otherwise, and after a revocation, the governing assignment's due date.
4. Status: completed while the cycle's certificate is valid; else overdue once the due date has
   passed; else in progress if started in this cycle; else not started. Overdue = not completed
   and past the due date.

tests/courses/test_cycle.py runs one table of cases through both forms.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    DateField,
    DateTimeField,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from courses.models import (
    Assignment,
    Certificate,
    CertificateStatus,
    CurriculumPage,
    TrainingRecord,
)
from lms.models import Person, Unit


class Status:
    COMPLETED = "completed"
    IN_PROGRESS = "in_progress"
    NOT_STARTED = "not_started"
    OVERDUE = "overdue"
    ALL = (COMPLETED, IN_PROGRESS, NOT_STARTED, OVERDUE)
    LABELS = {
        COMPLETED: "Completed",
        IN_PROGRESS: "In progress",
        NOT_STARTED: "Not started",
        OVERDUE: "Overdue",
    }


# --- Dates ------------------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """Same day-of-month `months` later, clamped to the month's last day (31 Jan + 1 → 28 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def certificate_expires_at(
    *, issued_at: datetime, assignment: Assignment | None
) -> datetime | None:
    """A certificate runs out the governing assignment's recertification interval after issue;
    without one it never does."""
    months = assignment.recertification_months if assignment else None
    return add_months(issued_at, months) if months else None


# --- Python form ------------------------------------------------------------------------------


def governing_assignment(
    assignments: Iterable[Assignment], *, curriculum_id: int
) -> Assignment | None:
    """The most specific of the assignments of a curriculum that reach one person (person, then
    unit, then agency), the latest due date among equals. SQL form: `_assigned_due`."""
    matching = [a for a in assignments if a.curriculum_id == curriculum_id]
    return max(matching, key=lambda a: (a.specificity, a.due_date), default=None)


@dataclass(frozen=True)
class Cycle:
    """A person's certification cycle in one curriculum as it stands at a moment."""

    number: int
    since: datetime | None  # attempts started before this belong to earlier cycles
    started_at: datetime | None  # first activity in this cycle
    modules_completed: int
    completed_at: datetime | None
    certificate: Certificate | None  # this cycle's, valid at the moment
    recertify_by: date | None  # when the previous cycle's certificate ran out
    renews: bool  # the record still holds the ended cycle; the next activity begins this one


FIRST_CYCLE = Cycle(
    number=1,
    since=None,
    started_at=None,
    modules_completed=0,
    completed_at=None,
    certificate=None,
    recertify_by=None,
    renews=False,
)


def cycle_at(record: TrainingRecord | None, now: datetime) -> Cycle:
    """The cycle the record's person is in at `now`: the record's own, or, once its certificate
    has expired or been revoked, the next one, begun at `now` with nothing done."""
    if record is None:
        return FIRST_CYCLE
    certificate = record.certificate  # no query without one
    status = certificate.status_at(now) if certificate else None
    if status in (None, CertificateStatus.VALID):
        return Cycle(
            number=record.cycle,
            since=record.cycle_started_at,
            started_at=record.started_at,
            modules_completed=record.modules_completed,
            completed_at=record.completed_at,
            certificate=certificate,
            recertify_by=record.recertify_by,
            renews=False,
        )
    expired = status == CertificateStatus.EXPIRED
    return Cycle(
        number=record.cycle + 1,
        since=now,
        started_at=None,
        modules_completed=0,
        completed_at=None,
        certificate=None,
        recertify_by=timezone.localdate(certificate.expires_at) if expired else None,
        renews=True,
    )


def renew(record: TrainingRecord, now: datetime) -> bool:
    """Begin the next cycle on the record (unsaved) if its certificate has run out at `now`;
    True if it did."""
    cycle = cycle_at(record, now)
    if not cycle.renews:
        return False
    record.cycle = cycle.number
    record.cycle_started_at = cycle.since
    record.started_at = cycle.started_at
    record.modules_completed = cycle.modules_completed
    record.completed_at = cycle.completed_at
    record.certificate = cycle.certificate
    record.recertify_by = cycle.recertify_by
    return True


@dataclass(frozen=True)
class Standing:
    """Where a person stands in a curriculum at a moment: one row of the completion report."""

    cycle: Cycle
    status: str
    due_date: date | None
    overdue: bool
    completed_at: datetime | None

    @property
    def modules_completed(self) -> int:
        return self.cycle.modules_completed


def cycle_standing(
    *, record: TrainingRecord | None, assignment: Assignment | None, now: datetime
) -> Standing:
    """Status, due date and overdue of the person's record under the governing assignment at
    `now` (see the module docstring). SQL form: `completion_rows`."""
    cycle = cycle_at(record, now)
    completed = cycle.completed_at is not None and cycle.certificate is not None
    due_date = cycle.recertify_by or (assignment.due_date if assignment else None)
    overdue = not completed and due_date is not None and due_date < timezone.localdate(now)
    if completed:
        status = Status.COMPLETED
    elif overdue:
        status = Status.OVERDUE
    elif cycle.started_at is not None:
        status = Status.IN_PROGRESS
    else:
        status = Status.NOT_STARTED
    return Standing(
        cycle=cycle,
        status=status,
        due_date=due_date,
        overdue=overdue,
        completed_at=cycle.completed_at if completed else None,
    )


# --- SQL form ---------------------------------------------------------------------------------


def _due(assignments, **match) -> Subquery:
    return Subquery(
        assignments.filter(**match).order_by("-due_date").values("due_date")[:1],
        output_field=DateField(),
    )


def _assigned_due(curriculum: CurriculumPage) -> Coalesce:
    """The governing assignment's due date: person, then unit, then agency (as in
    `governing_assignment`)."""
    assignments = Assignment.objects.filter(curriculum=curriculum)
    return Coalesce(
        _due(assignments, person_id=OuterRef("pk")),
        _due(assignments, unit_id=OuterRef("unit_id")),
        _due(assignments, agency_id=OuterRef("agency_id")),
    )


def _ended(record: str, now: datetime) -> tuple[Q, Q]:
    """Whether the training record at lookup path `record` (ending in `__`) holds a cycle whose
    certificate has (expired, been revoked) at `now` (`Certificate.status_at`). Every condition
    is true or false, never NULL."""
    expired = (
        Q(**{f"{record}certificate__revoked_at__isnull": True})
        & Q(**{f"{record}certificate__expires_at__isnull": False})
        & Q(**{f"{record}certificate__expires_at__lte": now})
    )
    revoked = Q(**{f"{record}certificate__revoked_at__isnull": False})
    return expired, revoked


def cycle_number(record: str, now: datetime) -> Case:
    """`cycle_at(...).number` for the training record at lookup path `record`: its cycle, or the
    next once that has ended."""
    expired, revoked = _ended(record, now)
    return Case(
        When(expired | revoked, then=F(f"{record}cycle") + 1),
        default=F(f"{record}cycle"),
        output_field=IntegerField(),
    )


def completion_rows(
    *,
    people: QuerySet[Person],
    curriculum: CurriculumPage,
    unit: Unit | None = None,
    status: str | None = None,
    category: str | None = None,
    now=None,
) -> QuerySet[Person]:
    """One annotated row per person the curriculum is assigned to, in one query: `status`,
    `due_date`, `overdue`, `modules_completed`, `completed_at`, `certificate_code`.

    The SQL form of `cycle_at` and `cycle_standing`, step for step.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    rows = people.annotate(
        assigned_due=_assigned_due(curriculum),
        rec=FilteredRelation(
            "training_records", condition=Q(training_records__curriculum=curriculum)
        ),
    ).filter(assigned_due__isnull=False)

    # cycle_at: the record's cycle has ended (renews) once its certificate has expired or been
    # revoked.
    certificate = Q(rec__certificate__isnull=False)
    expired, revoked = _ended("rec__", now)
    renews = expired | revoked
    started = ~renews & Q(rec__started_at__isnull=False)
    # cycle_standing
    completed = ~renews & certificate & Q(rec__completed_at__isnull=False)

    rows = rows.annotate(
        recertify_by=Case(
            When(expired, then=TruncDate("rec__certificate__expires_at")),
            When(revoked, then=None),
            default=F("rec__recertify_by"),
            output_field=DateField(),
        ),
    ).annotate(
        due_date=Coalesce(F("recertify_by"), F("assigned_due"), output_field=DateField()),
    )
    overdue = ~completed & Q(due_date__lt=today)
    rows = rows.annotate(
        status=Case(
            When(completed, then=Value(Status.COMPLETED)),
            When(overdue, then=Value(Status.OVERDUE)),
            When(started, then=Value(Status.IN_PROGRESS)),
            default=Value(Status.NOT_STARTED),
            output_field=CharField(),
        ),
        overdue=Case(
            When(overdue, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        modules_completed=Case(
            When(renews, then=Value(0)),
            default=Coalesce(F("rec__modules_completed"), Value(0)),
            output_field=IntegerField(),
        ),
        completed_at=Case(
            When(completed, then=F("rec__completed_at")),
            default=None,
            output_field=DateTimeField(),
        ),
        certificate_code=F("rec__certificate__code"),
    )
    if unit is not None:
        rows = rows.filter(unit=unit)
    if category:
        rows = rows.filter(personnel_category=category)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("user", "unit").order_by("user__last_name", "user__first_name", "pk")
