"""The completion report's tallies (courses.progress.tally): kept by the rules in the same
transaction as the facts, they always equal a recomputation from the facts, and the dashboard
read from them equals the dashboard counted from the facts. Time running out (certificate
expiry, a due date passing) is brought up to date before reading. Concurrent completions on
PostgreSQL: tests/api/test_tally_concurrency.py."""

import contextlib
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import ProtectedError
from django.utils import timezone

from courses.models import Assignment, Certificate, ReportCount, ReportStanding, ScoreCount
from courses.progress import services, tally
from courses.progress.cycle import Status, completion_rows
from lms.errors import DomainError
from lms.models import Person
from oversight.reports import dashboard, dashboard_from_facts, report_count, up_to_date
from tests.factories import AssignmentFactory, PersonFactory, UnitFactory
from tests.helpers import complete_lessons, fail_quiz, pass_module


def tallies() -> dict:
    """Everything the tallies hold, zero counters left out (a counter may rest at 0)."""
    return {
        "counts": sorted(
            ReportCount.objects.exclude(n=0).values_list(
                "agency_id", "curriculum_id", "unit_id", "category", "status", "module_id", "n"
            )
        ),
        "standings": sorted(
            (
                s.person_id,
                s.curriculum_id,
                s.agency_id,
                s.unit_id,
                s.category,
                s.status,
                s.due_date,
                s.sort_name,
                tuple(s.modules),
                s.changes_at,
            )
            for s in ReportStanding.objects.exclude(status="")
        ),
        "scores": sorted(
            ScoreCount.objects.exclude(n=0).values_list(
                "agency_id", "quiz_id", "unit_id", "category", "score", "n"
            )
        ),
    }


def assert_equal_to_a_rebuild(now=None):
    kept = tallies()
    tally.rebuild(now=now)
    assert kept == tallies()


def figures(board) -> tuple:
    return (
        board.status_counts,
        [
            (u.unit_id, u.name, u.people, [(c.completed, c.total) for c in u.cells])
            for u in board.units
        ],
        [(s.module.pk, s.attempts, s.average, s.lowest) for s in board.scores],
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_tallies_equal_a_recomputation_after_random_operations(
    seed, curriculum, agency_a, learner, learner_a2, command_a, coordinator
):
    rng = random.Random(seed)
    units = [UnitFactory(agency=agency_a, name=f"Unit {seed}-{i}") for i in range(2)]
    people = [learner, learner_a2] + [PersonFactory(agency=agency_a) for _ in range(3)]

    def some_person():
        return Person.objects.get(pk=rng.choice(people).pk)

    def read_a_lesson():
        person, module = some_person(), rng.choice(curriculum.modules)
        services.lesson_complete(person=person, lesson=rng.choice(module.lessons))

    def pass_a_module():
        with contextlib.suppress(DomainError):  # passed already: nothing changes
            pass_module(some_person(), rng.choice(curriculum.modules))

    def fail_a_quiz():
        person, module = some_person(), rng.choice(curriculum.modules)
        with contextlib.suppress(DomainError):  # no attempts left, or passed: nothing changes
            fail_quiz(person, module)

    def move_to_a_unit():
        person = some_person()
        person.unit = rng.choice([*units, None])
        person.save()

    def change_category():
        person = some_person()
        person.personnel_category = rng.choice(["sworn", "civilian", "leader"])
        person.save()

    def rename():
        person = some_person()
        person.user.last_name = rng.choice(["Abbott", "Zamora", "Moss"])
        person.user.save()

    def assign_a_unit():
        AssignmentFactory(
            curriculum=curriculum.page,
            unit=rng.choice(units),
            due_date=timezone.localdate() + timedelta(days=rng.randint(-10, 10)),
            recertification_months=rng.choice([None, 12]),
        )

    def unassign_a_unit():
        assignment = Assignment.objects.filter(unit__in=units).first()
        if assignment:
            assignment.delete()

    def revoke():
        certificate = Certificate.objects.filter(person__agency=agency_a, revoked_at=None).first()
        if certificate:
            services.certificate_revoke(certificate=certificate, by=coordinator, reason="Error")

    def new_person():
        people.append(PersonFactory(agency=agency_a, unit=rng.choice([*units, None])))

    def delete_person():
        if len(people) > 3:
            with contextlib.suppress(ProtectedError):  # holds a certificate: kept
                people.pop(rng.randrange(2, len(people))).delete()

    operations = [read_a_lesson, pass_a_module, pass_a_module, fail_a_quiz, move_to_a_unit]
    operations += [change_category, rename, assign_a_unit, unassign_a_unit, revoke, new_person]
    operations += [delete_person]
    for _ in range(25):
        rng.choice(operations)()

    assert tallies()["standings"], "the operations counted somebody"
    for filters in ({}, {"unit": units[0]}, {"category": "sworn"}, {"status": Status.IN_PROGRESS}):
        filters = {"curriculum": curriculum.page, **filters}
        rows = completion_rows(
            people=Person.objects.visible_to(command_a.user),
            curriculum=curriculum.page,
            unit=filters.get("unit"),
            category=filters.get("category"),
            status=filters.get("status"),
        )
        from_tallies = dashboard(viewer=command_a.user, filters=filters)
        from_facts = dashboard_from_facts(rows=rows, curriculum=curriculum.page)
        assert figures(from_tallies) == figures(from_facts), filters
        assert report_count(viewer=command_a.user, filters=filters) == rows.count()
    assert_equal_to_a_rebuild()


def test_the_rebuild_command_restores_counts_written_behind_the_rules_back(
    curriculum, learner, capsys
):
    pass_module(learner, curriculum.modules[0])
    kept = tallies()
    ReportCount.objects.update(n=0)
    ReportStanding.objects.all().delete()

    call_command("rebuild_report_counts")

    assert tallies() == kept
    assert "Report tallies rebuilt" in capsys.readouterr().out


def test_a_certificate_running_out_is_counted_when_its_time_comes(
    curriculum, agency_a, learner, command_a
):
    AssignmentFactory(
        curriculum=curriculum.page,
        person=learner,
        due_date=timezone.localdate() + timedelta(days=5),
        recertification_months=12,
    )
    for module in curriculum.modules:
        pass_module(learner, module)
    standing = ReportStanding.objects.get(person=learner)
    assert standing.status == Status.COMPLETED
    expires_at = Certificate.objects.get(person=learner).expires_at
    assert standing.changes_at == expires_at
    later = expires_at + timedelta(days=3)
    filters = {"curriculum": curriculum.page}

    up_to_date(viewer=command_a.user, curriculum=curriculum.page, now=later)

    standing.refresh_from_db()
    assert (standing.status, standing.modules) == (Status.OVERDUE, [])
    row = completion_rows(people=Person.objects.all(), curriculum=curriculum.page, now=later)
    assert row.get(pk=learner.pk).status == Status.OVERDUE
    board = dashboard(viewer=command_a.user, filters=filters)
    assert board.status_counts[Status.COMPLETED] == 0
    assert_equal_to_a_rebuild(now=later)


def test_a_due_date_passing_turns_the_not_started_overdue(curriculum, learner, command_a):
    assignment = Assignment.objects.get(curriculum=curriculum.page, agency=learner.agency)
    standing = ReportStanding.objects.get(person=learner)
    assert standing.status == Status.NOT_STARTED
    later = timezone.now() + timedelta(days=(assignment.due_date - timezone.localdate()).days + 2)

    assert (
        dashboard(viewer=command_a.user, filters={"curriculum": curriculum.page}).status_counts[
            Status.OVERDUE
        ]
        == 0
    )
    up_to_date(viewer=command_a.user, curriculum=curriculum.page, now=later)

    assert ReportStanding.objects.get(person=learner).status == Status.OVERDUE
    assert_equal_to_a_rebuild(now=later)


def test_the_report_page_reads_a_fixed_number_of_queries_whatever_the_agency_size(
    client, curriculum, agency_a, command_a, django_assert_max_num_queries
):
    """Filtered (the page cache keeps only the unfiltered page), so each request renders."""
    client.force_login(command_a.user)
    client.get("/oversight/")
    queries = []
    for size in (3, 60):
        for _ in range(size):
            complete_lessons(PersonFactory(agency=agency_a), curriculum.modules[0])
        with django_assert_max_num_queries(25) as captured:
            response = client.get("/oversight/?category=sworn&page=2")
        assert response.status_code == 200
        queries.append(len(captured))
    assert queries[0] == queries[1]
