"""The completion report's counts, kept up to date with the facts instead of counted per page.

`ReportStanding` holds, for each assigned person and curriculum, what the report counts of
them (status, modules completed in the current cycle, unit, personnel category, due date,
name to sort by); `ReportCount` holds their sums per agency × curriculum × unit × category ×
status (and per module); `ScoreCount` the submitted attempts per quiz and score. The
dashboard and the report page read these few hundred rows whatever the size of the agency.

One way in: `refresh(curriculum=…, person_ids=…)` recomputes the people's standings from the
facts with the report's own SQL rule (`cycle.completion_rows`), under a row lock on each
standing, and moves the counts by the difference, in the caller's transaction. The rules call
it where the facts change (progress services, assignments; people and accounts through
signals, as their writes come from many places); concurrent refreshes of one person wait for
each other on the standing's lock, and counts move by atomic increments (INSERT … ON CONFLICT
DO UPDATE SET n = n + delta) in key order, so concurrent completions in one unit keep exact
counts (tests/api/test_tally_concurrency.py; the rest in tests/courses/test_tally.py).

Time changes a status without any write (a certificate runs out, a due date passes): each
standing records when (`changes_at`), and `bring_up_to_date` refreshes those whose moment
has come before the counts are read (a GET that writes when there is something to bring up
to date; on SQLite it then queues with the writers). `manage.py rebuild_report_counts`
recomputes everything from the facts (after bulk writes that bypass the rules: seeding, SQL,
`import_records` calls it itself).

Not counted by the rules, so rebuilt by that command: facts written behind their back (bulk
SQL, fixtures' `.update()`), and a module published or unpublished (the live modules
counted per person change). Quiz scores are counted per agency, unit and category, for
every submitted attempt of the agency's people (the facts count only the assigned people's:
the same whenever the curriculum is assigned agency-wide); under a status filter the
dashboard reads scores from the facts.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import Attempt
from courses.models import (
    Assignment,
    CurriculumPage,
    ModuleCompletion,
    ReportCount,
    ReportStanding,
    ScoreCount,
)
from courses.progress.cycle import Status, completion_rows, cycle_number
from courses.progress.selectors import live_modules
from lms.models import Person

CHUNK = 2000
COUNT_KEY = ("agency_id", "curriculum_id", "unit_id", "category", "status", "module_id")
SCORE_KEY = ("agency_id", "quiz_id", "unit_id", "category", "score")
STANDING_FIELDS = [
    *("agency_id", "unit_id", "category", "status", "due_date", "sort_name", "modules"),
    "changes_at",
]


def sort_name(last_name: str, first_name: str) -> str:
    """Orders as the report's rows do (last name, then first name): a tab sorts first."""
    return f"{last_name}\t{first_name}"


def _changes_at(status: str, due_date, expires_at) -> datetime | None:
    """When the status changes by time alone (see courses.progress.cycle): a completed cycle
    ends when its certificate runs out; one not completed turns overdue the day after due."""
    if status == Status.COMPLETED:
        return expires_at
    if status == Status.OVERDUE or due_date is None:
        return None
    return timezone.make_aware(datetime.combine(due_date + timedelta(days=1), time.min))


def _contribution(standing) -> Counter:
    """The counts one standing adds: one person in its status, one per module done."""
    if not standing.status:
        return Counter()
    base = (
        standing.agency_id,
        standing.curriculum_id,
        standing.unit_id or 0,
        standing.category,
        standing.status,
    )
    return Counter([(*base, 0)] + [(*base, module) for module in standing.modules])


def _add(table: str, key: tuple[str, ...], deltas: Counter) -> None:
    """Move counters by `deltas` atomically, in key order (each row locked once, in order)."""
    rows = [(*k, n) for k, n in sorted(deltas.items()) if n]
    if not rows:
        return
    columns = ", ".join((*key, "n"))
    marks = ", ".join(["%s"] * (len(key) + 1))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608 (names are ours)
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET n = {table}.n + excluded.n"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def add_counts(deltas: Counter) -> None:
    _add(ReportCount._meta.db_table, COUNT_KEY, deltas)


def add_scores(deltas: Counter) -> None:
    _add(ScoreCount._meta.db_table, SCORE_KEY, deltas)


@transaction.atomic(savepoint=False)
def refresh(*, curriculum: CurriculumPage, person_ids: Iterable[int], now=None) -> None:
    """Recompute these people's standings in the curriculum from the facts and move the
    counts by the difference (nothing moves when nothing changed)."""
    ids = sorted(set(person_ids))
    now = now or timezone.now()
    module_ids = set(live_modules(curriculum).values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        _refresh(curriculum, ids[start : start + CHUNK], module_ids, now)


def _refresh(curriculum, ids: list[int], module_ids: set[int], now) -> None:
    # Each standing exists before it is locked (a new one counts nowhere), so concurrent
    # refreshes of a person take turns on its row instead of racing to insert it.
    ReportStanding.objects.bulk_create(
        [ReportStanding(person_id=i, curriculum=curriculum, agency_id=0) for i in ids],
        ignore_conflicts=True,
    )
    standings = {
        s.person_id: s
        for s in ReportStanding.objects.select_for_update()
        .filter(curriculum=curriculum, person_id__in=ids)
        .order_by("person_id")
    }
    # The facts, read after the lock: what a refresh that held it before us committed.
    rows = {
        row["pk"]: row
        for row in completion_rows(
            people=Person.objects.filter(pk__in=ids), curriculum=curriculum, now=now
        )
        .annotate(
            current_cycle=Coalesce(
                cycle_number("rec__", now), Value(1), output_field=IntegerField()
            ),
            expires_at=F("rec__certificate__expires_at"),
        )
        .order_by()
        .values(
            "pk",
            "agency_id",
            "unit_id",
            "personnel_category",
            "status",
            "due_date",
            "current_cycle",
            "expires_at",
            "user__last_name",
            "user__first_name",
        )
    }
    done: dict[int, list[int]] = {}
    for person_id, module_id, cycle in ModuleCompletion.objects.filter(
        person_id__in=list(rows), module_id__in=module_ids
    ).values_list("person_id", "module_id", "cycle"):
        if cycle == rows[person_id]["current_cycle"]:
            done.setdefault(person_id, []).append(module_id)

    deltas, changed, gone = Counter(), [], []
    for person_id, standing in standings.items():
        deltas.subtract(_contribution(standing))
        row = rows.get(person_id)
        if row is None:  # not (or no longer) assigned: counted nowhere
            gone.append(standing.pk)
            continue
        standing.agency_id = row["agency_id"]
        standing.unit_id = row["unit_id"]
        standing.category = row["personnel_category"]
        standing.status = row["status"]
        standing.due_date = row["due_date"]
        standing.sort_name = sort_name(row["user__last_name"], row["user__first_name"])
        standing.modules = sorted(done.get(person_id, []))
        standing.changes_at = _changes_at(row["status"], row["due_date"], row["expires_at"])
        deltas.update(_contribution(standing))
        changed.append(standing)
    ReportStanding.objects.filter(pk__in=gone).delete()
    ReportStanding.objects.bulk_update(
        changed,
        STANDING_FIELDS,
    )
    add_counts(deltas)


@transaction.atomic(savepoint=False)
def forget_person(person_id: int) -> None:
    """Uncount a person about to be deleted (their standings go with them)."""
    deltas = Counter()
    standings = ReportStanding.objects.select_for_update().filter(person_id=person_id)
    for standing in standings.order_by("curriculum_id"):
        deltas.subtract(_contribution(standing))
    standings.delete()
    add_counts(deltas)


def curricula_reaching(person_ids: Iterable[int]) -> set[int]:
    """Curricula assigned to these people (by agency, unit or person) or counting them."""
    people = Person.objects.filter(pk__in=list(person_ids))
    assigned = Assignment.objects.filter(
        Q(person__in=people)
        | Q(unit__in=people.values("unit_id"))
        | Q(agency__in=people.values("agency_id"))
    ).values_list("curriculum_id", flat=True)
    counted = ReportStanding.objects.filter(person__in=people).values_list(
        "curriculum_id", flat=True
    )
    return set(assigned) | set(counted)


@transaction.atomic(savepoint=False)
def refresh_people(person_ids: Iterable[int]) -> None:
    """Refresh these people in every curriculum that reaches them (a person was added, moved,
    renamed or re-categorised)."""
    ids = list(person_ids)
    for curriculum in CurriculumPage.objects.filter(pk__in=curricula_reaching(ids)):
        refresh(curriculum=curriculum, person_ids=ids)


def assignment_reach(assignment: Assignment) -> list[int]:
    """The people an assignment reaches (its person, its unit's or its agency's people)."""
    if assignment.person_id:
        return [assignment.person_id]
    if assignment.unit_id:
        people = Person.objects.filter(unit_id=assignment.unit_id)
    else:
        people = Person.objects.filter(agency_id=assignment.agency_id)
    return list(people.values_list("pk", flat=True))


def bring_up_to_date(*, curriculum: CurriculumPage, agency_id: int, now=None) -> None:
    """Refresh the agency's standings whose status time has changed since they were counted
    (one indexed look when there are none)."""
    now = now or timezone.now()
    due = list(
        ReportStanding.objects.filter(
            curriculum=curriculum, agency_id=agency_id, changes_at__lte=now
        ).values_list("person_id", flat=True)
    )
    if due:
        refresh(curriculum=curriculum, person_ids=due, now=now)


# --- Quiz scores --------------------------------------------------------------------------


def _score_deltas(user_ids: Iterable[int], person: dict | None, sign: int) -> Counter:
    """Every submitted attempt of these users, counted under `person`'s agency, unit and
    category (a dict of those), times `sign`."""
    if person is None:
        return Counter()
    deltas = Counter()
    for quiz_id, score, n in (
        Attempt.objects.filter(user_id__in=list(user_ids), submitted_at__isnull=False)
        .exclude(score=None)
        .values("quiz_id", "score")
        .annotate(n=Sum(Value(1)))
        .values_list("quiz_id", "score", "n")
    ):
        key = (person["agency_id"], quiz_id, person["unit_id"] or 0, person["category"], score)
        deltas[key] += sign * n
    return deltas


def attempt_scored(attempt: Attempt) -> None:
    """Count a submitted attempt under its learner's agency, unit and category: one
    statement, which reads the learner's placement as it counts (none: nothing counted)."""
    if attempt.score is None:
        return
    table, person = ScoreCount._meta.db_table, Person._meta.db_table
    columns = ", ".join((*SCORE_KEY, "n"))
    sql = (
        f"INSERT INTO {table} ({columns}) "  # noqa: S608 (names are ours)
        f"SELECT agency_id, %s, COALESCE(unit_id, 0), personnel_category, %s, 1 "
        f"FROM {person} WHERE user_id = %s "
        f"ON CONFLICT ({', '.join(SCORE_KEY)}) DO UPDATE SET n = {table}.n + excluded.n"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [attempt.quiz_id, attempt.score, attempt.user_id])


def person_moved(*, user_id: int, before: dict | None, after: dict | None) -> None:
    """Move a person's attempts' scores from where they were counted to where they are now
    (`before` / `after`: agency_id, unit_id, category; None when there is no person)."""
    if before == after:
        return
    deltas = _score_deltas([user_id], before, -1)
    deltas.update(_score_deltas([user_id], after, 1))
    add_scores(deltas)


# --- Rebuilding from the facts ------------------------------------------------------------


@transaction.atomic
def rebuild(*, now=None) -> dict[str, int]:
    """Recompute every standing and count from the facts (`rebuild_report_counts`)."""
    now = now or timezone.now()
    ReportCount.objects.all().delete()
    ReportStanding.objects.all().delete()
    ScoreCount.objects.all().delete()
    standings = 0
    for curriculum in CurriculumPage.objects.filter(
        pk__in=Assignment.objects.values("curriculum_id")
    ):
        assigned = completion_rows(
            people=Person.objects.all(), curriculum=curriculum, now=now
        ).values_list("pk", flat=True)
        ids = list(assigned.order_by())
        refresh(curriculum=curriculum, person_ids=ids, now=now)
        standings += len(ids)
    scores = Counter()
    for agency_id, unit_id, category, quiz_id, score, n in (
        Attempt.objects.filter(submitted_at__isnull=False, user__person__isnull=False)
        .exclude(score=None)
        .values(
            "user__person__agency_id",
            "user__person__unit_id",
            "user__person__personnel_category",
            "quiz_id",
            "score",
        )
        .annotate(n=Sum(Value(1)))
        .values_list(
            "user__person__agency_id",
            "user__person__unit_id",
            "user__person__personnel_category",
            "quiz_id",
            "score",
            "n",
        )
    ):
        scores[(agency_id, quiz_id, unit_id or 0, category, score)] += n
    add_scores(scores)
    return {"standings": standings, "score_rows": len(scores)}
