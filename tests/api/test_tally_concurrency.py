"""Concurrent completions in one unit keep the report's counts exact (PostgreSQL): the counts
move by atomic increments in key order, and each person's standing is refreshed under its row
lock, so nothing is lost or counted twice (courses.progress.tally).

Real threads with their own connections and committed transactions, in tests/api like
tests/api/test_concurrency.py (collected before tests/browser)."""

import pytest

from courses.models import ReportCount
from courses.progress import tally
from courses.progress.cycle import Status
from tests.api.test_concurrency import run_together
from tests.courses.test_tally import tallies
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    PersonFactory,
    UnitFactory,
    make_curriculum,
)
from tests.factories import make_home as make_home_page
from tests.helpers import pass_module

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PEOPLE = 12


def test_concurrent_completions_in_one_unit_keep_exact_counts():
    curriculum = make_curriculum(make_home_page(), modules=2, lessons=2)
    agency = AgencyFactory()
    unit = UnitFactory(agency=agency)
    AssignmentFactory(curriculum=curriculum.page, agency=agency)
    people = [PersonFactory(agency=agency, unit=unit) for _ in range(PEOPLE)]
    module = curriculum.modules[0]

    def read_and_pass(i: int) -> None:
        pass_module(people[i], module)  # reads the lessons, passes the quiz

    results = run_together(PEOPLE, read_and_pass)  # everyone in the unit at once

    assert [r for r in results if r is not None] == []
    counted = {
        (row.status, row.module_id): row.n
        for row in ReportCount.objects.filter(agency_id=agency.pk, unit_id=unit.pk).exclude(n=0)
    }
    assert counted == {
        (Status.IN_PROGRESS, 0): PEOPLE,
        (Status.IN_PROGRESS, module.page.pk): PEOPLE,
    }
    kept = tallies()
    tally.rebuild()
    assert tallies() == kept
