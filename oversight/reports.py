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
    Sum,
)
from django.utils import timezone

from assessments.models import Attempt
from courses.models import (
    Assignment,
    CurriculumPage,
    ModuleCompletion,
    ModulePage,
    ReportCount,
    ReportStanding,
    ScoreCount,
)
from courses.progress import tally
from courses.progress.cycle import Status, completion_rows, cycle_number
from courses.progress.selectors import live_modules
from lms.models import Person, Unit
from lms.scoping import oversight_agency_id, scope_people, scope_units


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


def dashboard_from_facts(
    *, rows: QuerySet[Person], curriculum: CurriculumPage, now=None
) -> Dashboard:
    """Status counts, completion by unit × module (in each person's current certification
    cycle, as the rows count them) and quiz scores for the filtered rows, counted from the
    facts: five queries whose cost grows with the agency. The dashboard reads the tallies
    instead (`dashboard`); this is what they must equal (tests/courses/test_tally.py), and
    what scores a status filter (the tallies count attempts by unit and category only).
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


# --- From the tallies (courses.progress.tally): constant cost whatever the agency's size ----


def _scoped(queryset, *, viewer, filters: ReportFilters, status: bool = True):
    """Tally rows (counts or standings, which carry `agency_id` and `unit_id` as people do)
    within the viewer's reach (lms.scoping.scope_people) and the filters."""
    queryset = scope_people(queryset, viewer)
    if filters.get("unit") is not None:
        queryset = queryset.filter(unit_id=filters["unit"].pk)
    if filters.get("category"):
        queryset = queryset.filter(category=filters["category"])
    if status and filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    return queryset


def up_to_date(*, viewer, curriculum: CurriculumPage, now=None) -> None:
    """Bring the viewer's agency's standings whose status time has changed up to date."""
    agency_id = oversight_agency_id(viewer)
    if agency_id is not None:
        tally.bring_up_to_date(curriculum=curriculum, agency_id=agency_id, now=now)


def dashboard(*, viewer, filters: ReportFilters, now=None) -> Dashboard:
    """`dashboard_from_facts` for the viewer's completion report, read from the tallies: the
    same figures in a fixed number of small queries (modules, counts, unit names, scores),
    whatever the size of the agency. Call `up_to_date` first."""
    curriculum = filters["curriculum"]
    modules = list(live_modules(curriculum).defer_streamfields().order_by("number"))
    counts = {s: 0 for s in Status.ALL}
    people: dict[int, int] = {}
    done: dict[tuple[int, int], int] = {}
    for row in (
        _scoped(ReportCount.objects, viewer=viewer, filters=filters)
        .filter(curriculum_id=curriculum.pk)
        .values("unit_id", "status", "module_id")
        .annotate(total=Sum("n"))
    ):
        if row["module_id"] == 0:
            counts[row["status"]] = counts.get(row["status"], 0) + row["total"]
            people[row["unit_id"]] = people.get(row["unit_id"], 0) + row["total"]
        else:
            key = (row["unit_id"], row["module_id"])
            done[key] = done.get(key, 0) + row["total"]
    names = dict(Unit.objects.filter(pk__in=list(people)).values_list("pk", "name"))
    units = [
        UnitRow(
            unit_id=unit_id or None,
            name=names.get(unit_id) or "No unit",
            people=n,
            cells=[
                UnitModuleCell(completed=done.get((unit_id, m.pk), 0), total=n) for m in modules
            ],
        )
        for unit_id, n in sorted(people.items(), key=lambda item: names.get(item[0]) or "")
        if n
    ]
    if filters.get("status"):
        facts = dashboard_from_facts(
            rows=completion_report(viewer=viewer, filters=filters), curriculum=curriculum, now=now
        )
        scores = facts.scores
    else:
        scores = _scores(viewer=viewer, filters=filters, modules=modules)
    return Dashboard(
        curriculum=curriculum, modules=modules, status_counts=counts, units=units, scores=scores
    )


def _scores(*, viewer, filters: ReportFilters, modules: list[ModulePage]) -> list[ModuleScore]:
    """Attempts, average and lowest score per module's quiz, from the score tallies."""
    by_quiz: dict[int, dict[int, int]] = {}
    for quiz_id, score, n in (
        _scoped(ScoreCount.objects, viewer=viewer, filters=filters, status=False)
        .filter(quiz_id__in=[m.quiz_id for m in modules if m.quiz_id])
        .values("quiz_id", "score")
        .annotate(total=Sum("n"))
        .values_list("quiz_id", "score", "total")
    ):
        if n:
            histogram = by_quiz.setdefault(quiz_id, {})
            histogram[score] = histogram.get(score, 0) + n
    scores = []
    for m in modules:
        histogram = by_quiz.get(m.quiz_id, {})
        attempts = sum(histogram.values())
        scores.append(
            ModuleScore(
                module=m,
                attempts=attempts,
                average=sum(s * n for s, n in histogram.items()) / attempts if attempts else None,
                lowest=min(histogram) if histogram else None,
            )
        )
    return scores


class ReportPage:
    """The completion report's rows for a paginator, in name order, without counting or
    sorting the agency: the count comes from the tallies, a page is read along the standings'
    name index (sort name, person) and then annotated like every report row (one query for
    the page's people). Call `up_to_date` first."""

    def __init__(self, *, viewer, filters: ReportFilters, total: int, order_by_due=False):
        self.viewer, self.filters, self.total = viewer, filters, total
        standings = _scoped(ReportStanding.objects, viewer=viewer, filters=filters).filter(
            curriculum=filters["curriculum"]
        )
        order = (
            ("due_date", "sort_name", "person_id") if order_by_due else ("sort_name", "person_id")
        )
        self.standings = standings.order_by(*order)

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = list(self.standings.values_list("person_id", flat=True)[index])
        rows = {
            row.pk: row
            for row in completion_report(viewer=self.viewer, filters=self.filters).filter(
                pk__in=ids
            )
        }
        return [rows[pk] for pk in ids if pk in rows]


def report_count(*, viewer, filters: ReportFilters) -> int:
    """How many people the report lists with these filters, from the tallies (one query)."""
    return (
        _scoped(ReportCount.objects, viewer=viewer, filters=filters)
        .filter(curriculum_id=filters["curriculum"].pk, module_id=0)
        .aggregate(total=Sum("n"))["total"]
        or 0
    )
