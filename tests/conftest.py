"""Fixtures: a small curriculum built with factories, two agencies with a learner each.

The small curriculum: two modules, each with two lessons and a four-question quiz (single,
multiple select, true/false, scenario), pass mark 80, three attempts, all questions served.
Agency A has it assigned; agency B does not unless a test asks for `assignment_b`.
"""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from courses.models import Certificate
from lms import roles
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    PersonFactory,
    make_curriculum,
    make_home,
)
from tests.helpers import pass_module


@pytest.fixture
def home(db):
    return make_home()


@pytest.fixture
def curriculum(home):
    return make_curriculum(home, modules=2, lessons=2)


@pytest.fixture
def module(curriculum):
    return curriculum.modules[0]


@pytest.fixture
def agency_a(db):
    return AgencyFactory(name="Agency A Police Department", slug="agency-a")


@pytest.fixture
def agency_b(db):
    return AgencyFactory(name="Agency B Police Department", slug="agency-b")


@pytest.fixture
def assignment(curriculum, agency_a):
    return AssignmentFactory(curriculum=curriculum.page, agency=agency_a)


@pytest.fixture
def assignment_b(curriculum, agency_b):
    return AssignmentFactory(curriculum=curriculum.page, agency=agency_b)


@pytest.fixture
def learner(agency_a, assignment):
    """A learner of agency A, which has the curriculum assigned."""
    return PersonFactory(agency=agency_a, user__first_name="Dana", user__last_name="Reyes")


@pytest.fixture
def learner_a2(agency_a, assignment):
    """A second learner of agency A."""
    return PersonFactory(agency=agency_a)


@pytest.fixture
def learner_b(agency_b):
    """A learner of agency B; the curriculum is not assigned to B unless `assignment_b` is used."""
    return PersonFactory(agency=agency_b)


@pytest.fixture
def role_groups(db):
    return roles.ensure_roles()


@pytest.fixture
def make_command_staff(role_groups):
    def make(agency):
        person = PersonFactory(agency=agency, rank="Captain")
        person.user.groups.add(role_groups[roles.COMMAND_STAFF])
        return person

    return make


@pytest.fixture
def anon_api():
    return APIClient()


@pytest.fixture
def api_for(db):
    """An API client signed in with the user's token, as an agency system would be."""

    def make(user) -> APIClient:
        token, _ = Token.objects.get_or_create(user=user)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def learner_api(api_for, learner):
    return api_for(learner.user)


@pytest.fixture
def certificate(learner, curriculum):
    """The learner has passed every module and holds the curriculum's certificate."""
    for module in curriculum.modules:
        pass_module(learner, module)
    return Certificate.objects.get(person=learner, curriculum=curriculum.page)
