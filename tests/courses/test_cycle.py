"""The certification cycle rule (courses/progress/cycle.py): one table of cases, run through the
Python form (`cycle_standing`) and the SQL form (`completion_rows`), which must agree with each
other and with the table.

Each case builds one learner's facts through the progress services (the certificate's dates and
revocation written straight to its row), then judges them `at` days from now.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from courses.models import Certificate, TrainingRecord
from courses.progress import services
from courses.progress.cycle import Status, completion_rows, cycle_standing, governing_assignment
from courses.progress.selectors import assignments_for
from lms.models import Person
from tests.factories import AssignmentFactory, PersonFactory, UnitFactory
from tests.helpers import fail_quiz, pass_module


@dataclass
class World:
    """What a case's setup may touch: the learner, the curriculum and the agency assignment."""

    person: Person
    curriculum: object
    assignment: object
    today: object

    def day(self, days: int):
        return self.today + timedelta(days=days)

    def lesson(self):
        services.lesson_complete(person=self.person, lesson=self.curriculum.modules[0].lessons[0])

    def pass_one(self):
        pass_module(self.person, self.curriculum.modules[0])

    def pass_all(self):
        for module in self.curriculum.modules:
            pass_module(self.person, module)

    def certificate(self, **fields):
        """Rewrite the learner's latest certificate (its dates, a revocation)."""
        latest = Certificate.objects.filter(person=self.person).latest("issued_at")
        Certificate.objects.filter(pk=latest.pk).update(**fields)

    def expire(self, days_ago: int = 2):
        now = timezone.now()
        self.certificate(
            issued_at=now - timedelta(days=400), expires_at=now - timedelta(days=days_ago)
        )

    def revoke(self):
        self.certificate(revoked_at=timezone.now(), revoked_reason="Issued in error")

    def assign(self, days: int, *, to: str):
        """A further assignment of the curriculum, due `days` from today, to the learner's unit
        or the learner."""
        target = {"unit": self.person.unit} if to == "unit" else {"person": self.person}
        AssignmentFactory(curriculum=self.curriculum.page, due_date=self.day(days), **target)


def nothing(world: World) -> None:
    pass


@dataclass(frozen=True)
class Case:
    name: str
    setup: Callable[[World], None]
    status: str
    due: int  # days from today
    modules: int = 0
    agency_due: int = 30  # the agency assignment's due date, days from today
    at: int = 0  # judge this many days from now

    @property
    def overdue(self) -> bool:
        return self.status == Status.OVERDUE


def _expired_then_lesson(world):
    world.pass_all()
    world.expire(days_ago=2)
    world.lesson()  # the next cycle begins, due when the certificate ran out


def _recertification_in_progress(world):
    _expired_then_lesson(world)
    TrainingRecord.objects.filter(person=world.person).update(recertify_by=world.day(15))


def _recertified(world):
    _expired_then_lesson(world)
    world.pass_all()


def _revoked_then_lesson(world):
    world.pass_all()
    world.revoke()
    world.lesson()


CASES = [
    Case("no record", nothing, Status.NOT_STARTED, due=30),
    Case("no record, due today", nothing, Status.NOT_STARTED, due=0, agency_due=0),
    Case("no record, due date passed", nothing, Status.OVERDUE, due=-1, agency_due=-1),
    Case("started", lambda w: w.lesson(), Status.IN_PROGRESS, due=30),
    Case("started, due date passed", lambda w: w.lesson(), Status.OVERDUE, due=-3, agency_due=-3),
    Case(
        "quiz failed",
        lambda w: fail_quiz(w.person, w.curriculum.modules[0]),
        Status.IN_PROGRESS,
        due=30,
    ),
    Case("one module passed", lambda w: w.pass_one(), Status.IN_PROGRESS, due=30, modules=1),
    Case("completed", lambda w: w.pass_all(), Status.COMPLETED, due=30, modules=2),
    Case(
        "completed, due date since passed",
        lambda w: w.pass_all(),
        Status.COMPLETED,
        due=-5,
        modules=2,
        agency_due=-5,
    ),
    Case(
        "completed without expiry, judged a year on",
        lambda w: w.pass_all(),
        Status.COMPLETED,
        due=30,
        modules=2,
        at=365,
    ),
    Case(
        "certificate valid until it expires",
        lambda w: (w.pass_all(), w.certificate(expires_at=timezone.now() + timedelta(days=10))),
        Status.COMPLETED,
        due=30,
        modules=2,
    ),
    Case(
        "certificate expired since, judged later",
        lambda w: (w.pass_all(), w.certificate(expires_at=timezone.now() + timedelta(days=10))),
        Status.OVERDUE,
        due=10,
        at=20,
    ),
    Case("certificate expired", lambda w: (w.pass_all(), w.expire(2)), Status.OVERDUE, due=-2),
    Case("expired, next cycle started", _expired_then_lesson, Status.OVERDUE, due=-2),
    Case("recertify_by set, in progress", _recertification_in_progress, Status.IN_PROGRESS, due=15),
    Case("recertified", _recertified, Status.COMPLETED, due=-2, modules=2),
    Case("revoked", lambda w: (w.pass_all(), w.revoke()), Status.NOT_STARTED, due=30),
    Case("revoked, next cycle started", _revoked_then_lesson, Status.IN_PROGRESS, due=30),
    Case(
        "revoked, due date passed",
        lambda w: (w.pass_all(), w.revoke()),
        Status.OVERDUE,
        due=-1,
        agency_due=-1,
    ),
    Case(
        "revoked after an expiry: due by the assignment again",
        lambda w: (_expired_then_lesson(w), w.pass_all(), w.revoke()),
        Status.NOT_STARTED,
        due=30,
    ),
    Case(
        "unit assignment beats the agency's",
        lambda w: w.assign(20, to="unit"),
        Status.NOT_STARTED,
        due=20,
    ),
    Case(
        "unit assignment past due beats the agency's",
        lambda w: w.assign(-4, to="unit"),
        Status.OVERDUE,
        due=-4,
    ),
    Case(
        "person assignment beats unit and agency",
        lambda w: (w.assign(20, to="unit"), w.assign(40, to="person")),
        Status.NOT_STARTED,
        due=40,
    ),
    Case(
        "another unit's assignment does not count",
        lambda w: AssignmentFactory(
            curriculum=w.curriculum.page,
            unit=UnitFactory(agency=w.person.agency),
            due_date=w.day(5),
        ),
        Status.NOT_STARTED,
        due=30,
    ),
    Case(
        "recertify_by beats a personal assignment",
        lambda w: (_recertification_in_progress(w), w.assign(50, to="person")),
        Status.IN_PROGRESS,
        due=15,
    ),
]


def python_form(person, curriculum, now):
    record = (
        TrainingRecord.objects.filter(person=person, curriculum=curriculum)
        .select_related("certificate")
        .first()
    )
    assignment = governing_assignment(assignments_for(person), curriculum_id=curriculum.pk)
    standing = cycle_standing(record=record, assignment=assignment, now=now)
    return {
        "status": standing.status,
        "due_date": standing.due_date,
        "overdue": standing.overdue,
        "modules_completed": standing.modules_completed,
        "completed_at": standing.completed_at,
    }


def sql_form(person, curriculum, now):
    row = completion_rows(
        people=Person.objects.filter(pk=person.pk), curriculum=curriculum, now=now
    ).get()
    return {
        "status": row.status,
        "due_date": row.due_date,
        "overdue": row.overdue,
        "modules_completed": row.modules_completed,
        "completed_at": row.completed_at,
    }


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_python_and_sql_forms_give_the_same_answers(case, agency_a, assignment, curriculum):
    today = timezone.localdate()
    assignment.due_date = today + timedelta(days=case.agency_due)
    assignment.save(update_fields=["due_date"])
    person = PersonFactory(agency=agency_a, unit=UnitFactory(agency=agency_a))
    world = World(person=person, curriculum=curriculum, assignment=assignment, today=today)
    case.setup(world)

    now = timezone.now() + timedelta(days=case.at)
    python = python_form(person, curriculum.page, now)
    sql = sql_form(person, curriculum.page, now)

    assert python == sql
    assert python["status"] == case.status
    assert python["due_date"] == today + timedelta(days=case.due)
    assert python["overdue"] is case.overdue
    assert python["modules_completed"] == case.modules
    assert (python["completed_at"] is not None) is (case.status == Status.COMPLETED)
