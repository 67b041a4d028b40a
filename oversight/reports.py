"""Oversight reads for command staff: completion by person, unit and module, scores.

Every function takes an already scoped queryset of people (`Person.objects.visible_to`)
or a viewer, so the agency boundary stays in lms.scoping. Each read is a fixed number
of queries, whatever the number of officers, modules or completions.
"""

from dataclasses import dataclass
from typing import NotRequired, TypedDict

from django.db.models import (
    Avg,
    Count,
    F,
    Min,
    QuerySet,
)
from django.utils import timezone

from assessments.models import Attempt
from courses.models import Assignment, CurriculumPage, ModuleCompletion, ModulePage
from courses.progress.cycle import Status, completion_rows, cycle_number
from courses.progress.selectors import live_modules
from lms.models import Person, Unit
from lms.scoping import scope_units


class ReportFilters(TypedDict):
    """The completion report's filters, as `ReportFilterSerializer` validates them: objects
    already within the viewer's scope, and values from `Status` and `PersonnelCategory`."""

    curriculum: CurriculumPage
    unit: NotRequired[Unit | None]
    status: NotRequired[str | None]
    category: NotRequired[str | None]


def curricula_for_oversight(user) -> QuerySet[CurriculumPage]:
    """Live curricula of the assignments the viewer may read: assigned anywhere in their
    agency, or, for a viewer limited to some units, to the agency, those units or their
    people."""
    assigned = Assignment.objects.visible_to(user).values("curriculum_id")
    return CurriculumPage.objects.live().filter(pk__in=assigned).order_by("path")


def units_for_oversight(user) -> QuerySet[Unit]:
    """The units the viewer oversees (their agency's, or the ones they are limited to)."""
    return scope_units(Unit.objects.all(), user)


@dataclass(frozen=True)
class ModuleScore:
    module: ModulePage
    attempts: int
    average: float | None
    lowest: int | None


@dataclass(frozen=True)
class UnitModuleCell:
    completed: int
    total: int

    @property
    def percent(self) -> int:
        return (100 * self.completed) // self.total if self.total else 0


@dataclass
class UnitRow:
    unit_id: int | None
    name: str
    people: int
    cells: list[UnitModuleCell]


@dataclass
class Dashboard:
    curriculum: CurriculumPage
    modules: list[ModulePage]
    status_counts: dict[str, int]
    units: list[UnitRow]
    scores: list[ModuleScore]

    @property
    def total(self) -> int:
        return sum(self.status_counts.values())

    @property
    def completed_percent(self) -> int:
        done = self.status_counts[Status.COMPLETED]
        return (100 * done) // self.total if self.total else 0


def dashboard(*, rows: QuerySet[Person], curriculum: CurriculumPage, now=None) -> Dashboard:
    """Status counts, completion by unit × module (in each person's current certification
    cycle, as the rows count them) and quiz scores for the filtered rows.

    Five queries: modules, status counts, people per unit, completions per unit and module,
    scores per quiz.
    """
    now = now or timezone.now()
    modules = list(live_modules(curriculum).defer_streamfields().order_by("number"))
    counts = {s: 0 for s in Status.ALL}
    for row in rows.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]

    people_ids = rows.order_by().values("pk")
    per_unit = list(rows.order_by().values("unit_id", "unit__name").annotate(n=Count("pk")))
    done = {
        (row["person__unit_id"], row["module_id"]): row["n"]
        for row in ModuleCompletion.objects.filter(
            person_id__in=people_ids,
            module__in=modules,
            person__training_records__curriculum=curriculum,
        )
        # Annotated, not filtered on directly: a filter would inner-join the certificate and
        # lose every record without one.
        .annotate(current_cycle=cycle_number("person__training_records__", now))
        .filter(cycle=F("current_cycle"))
        .values("person__unit_id", "module_id")
        .annotate(n=Count("pk"))
    }
    units = [
        UnitRow(
            unit_id=row["unit_id"],
            name=row["unit__name"] or "No unit",
            people=row["n"],
            cells=[
                UnitModuleCell(completed=done.get((row["unit_id"], m.pk), 0), total=row["n"])
                for m in modules
            ],
        )
        for row in sorted(per_unit, key=lambda r: r["unit__name"] or "")
    ]
    by_quiz = {
        row["quiz_id"]: row
        for row in Attempt.objects.filter(
            user__person__in=people_ids,
            quiz_id__in=[m.quiz_id for m in modules if m.quiz_id],
            submitted_at__isnull=False,
        )
        .values("quiz_id")
        .annotate(average=Avg("score"), lowest=Min("score"), n=Count("pk"))
    }
    scores = [
        ModuleScore(
            module=m,
            attempts=by_quiz.get(m.quiz_id, {}).get("n", 0),
            average=by_quiz.get(m.quiz_id, {}).get("average"),
            lowest=by_quiz.get(m.quiz_id, {}).get("lowest"),
        )
        for m in modules
    ]
    return Dashboard(
        curriculum=curriculum, modules=modules, status_counts=counts, units=units, scores=scores
    )


def completion_report(*, viewer, filters: ReportFilters) -> QuerySet[Person]:
    """The completion rows the viewer may see (their agency or units only), filtered."""
    return completion_rows(
        people=Person.objects.visible_to(viewer),
        curriculum=filters["curriculum"],
        unit=filters.get("unit"),
        status=filters.get("status"),
        category=filters.get("category"),
    )
