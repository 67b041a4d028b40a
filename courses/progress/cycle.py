"""The certification cycle's status rule: completed, in progress, not started or overdue, and the
due date it is measured against.

`completion_rows` is the SQL form, one annotated row per assigned person, used by the oversight
reports and the reminders.
"""

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

from courses.models import Assignment, CurriculumPage
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


def _due(assignments, **match) -> Subquery:
    return Subquery(
        assignments.filter(**match).order_by("-due_date").values("due_date")[:1],
        output_field=DateField(),
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
    """One annotated row per person the curriculum is assigned to, in one query.

    Status rules: completed = the cycle's certificate is valid; overdue = not completed and
    the due date has passed; in progress = started in this cycle; else not started. The due
    date is the most specific assignment's (person, unit, agency), or, for recertification,
    the date the last certificate ran out.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    assignments = Assignment.objects.filter(curriculum=curriculum)
    rows = people.annotate(
        assigned_due=Coalesce(
            _due(assignments, person_id=OuterRef("pk")),
            _due(assignments, unit_id=OuterRef("unit_id")),
            _due(assignments, agency_id=OuterRef("agency_id")),
        ),
        rec=FilteredRelation(
            "training_records", condition=Q(training_records__curriculum=curriculum)
        ),
    ).filter(assigned_due__isnull=False)

    has_certificate = Q(rec__certificate__isnull=False)
    certificate_valid = (
        has_certificate
        & Q(rec__certificate__revoked_at__isnull=True)
        & (Q(rec__certificate__expires_at__isnull=True) | Q(rec__certificate__expires_at__gt=now))
    )
    cycle_ended = has_certificate & ~certificate_valid
    expired = cycle_ended & Q(rec__certificate__revoked_at__isnull=True)
    completed = Q(rec__completed_at__isnull=False) & certificate_valid

    rows = rows.annotate(
        due_date=Case(
            When(expired, then=TruncDate("rec__certificate__expires_at")),
            When(cycle_ended, then=F("assigned_due")),
            When(rec__recertify_by__isnull=False, then=F("rec__recertify_by")),
            default=F("assigned_due"),
            output_field=DateField(),
        ),
    ).annotate(
        status=Case(
            When(completed, then=Value(Status.COMPLETED)),
            When(due_date__lt=today, then=Value(Status.OVERDUE)),
            When(cycle_ended, then=Value(Status.NOT_STARTED)),
            When(rec__started_at__isnull=False, then=Value(Status.IN_PROGRESS)),
            default=Value(Status.NOT_STARTED),
            output_field=CharField(),
        ),
        modules_completed=Case(
            When(cycle_ended, then=Value(0)),
            default=Coalesce(F("rec__modules_completed"), Value(0)),
            output_field=IntegerField(),
        ),
        completed_at=Case(
            When(completed, then=F("rec__completed_at")),
            default=None,
            output_field=DateTimeField(),
        ),
        certificate_code=F("rec__certificate__code"),
        overdue=Case(
            When(~completed & Q(due_date__lt=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )
    if unit is not None:
        rows = rows.filter(unit=unit)
    if category:
        rows = rows.filter(personnel_category=category)
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("user", "unit").order_by("user__last_name", "user__first_name", "pk")
