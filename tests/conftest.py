"""Fixtures: a small curriculum built with factories, two agencies with a learner each.

The small curriculum: two modules, each with two lessons and a four-question quiz (single,
multiple select, true/false, scenario), pass mark 80, three attempts, all questions served.
Agency A has it assigned; agency B does not unless a test asks for `assignment_b`.

Wagtail pages are slow to create, so this base data is built once per session, committed in
the test database; every test runs in a transaction that is rolled back, and the fixtures
hand each test fresh objects read from the database (never shared Python objects).
"""

import io
import logging.config
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache, caches
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from authoring.management.commands.seed_demo import Command as SeedDemo
from authoring.workflow import ensure_review_workflow
from courses.models import Assignment, Certificate, HomePage
from lms import roles
from lms.models import Agency
from lms.request_log import logging_config
from tests.factories import (
    AgencyFactory,
    AssignmentFactory,
    PersonFactory,
    load_curriculum_bundle,
    make_curriculum,
    make_home,
    make_survey,
)
from tests.helpers import pass_module


def pytest_configure(config):
    # WhiteNoise warns when collectstatic has not run; tests never serve static files.
    config.addinivalue_line("filterwarnings", "ignore:No directory at:UserWarning")


def pytest_collection_modifyitems(config, items):
    """Concurrency tests (marker `postgres`) need PostgreSQL's row locks: skip them elsewhere."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@dataclass(frozen=True)
class BaseData:
    home: int
    curriculum: int
    agency_a: int
    agency_b: int
    assignment: int


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Build the base data once, after the test database is created."""
    with django_db_blocker.unblock(), transaction.atomic():
        existing = Assignment.objects.filter(agency__slug="agency-a").first()
        if existing is None:
            home = make_home()
            curriculum = make_curriculum(home, modules=2, lessons=2).page
            agency_a = AgencyFactory(name="Agency A Police Department", slug="agency-a")
            agency_b = AgencyFactory(name="Agency B Police Department", slug="agency-b")
            existing = AssignmentFactory(curriculum=curriculum, agency=agency_a)
        else:  # a database kept with --reuse-db already has it
            home = existing.curriculum.get_parent()
            agency_b = Agency.objects.get(slug="agency-b")
    return BaseData(
        home=home.pk,
        curriculum=existing.curriculum_id,
        agency_a=existing.agency_id,
        agency_b=agency_b.pk,
        assignment=existing.pk,
    )


@pytest.fixture
def base(django_db_setup, db) -> BaseData:
    return django_db_setup


@pytest.fixture(autouse=True)
def _isolated_caches(settings):
    """Wagtail caches site root paths in Django's cache; a rolled-back test must not leave its
    own there. The index is not kept current on page saves (it only slows them): the tests that
    search (tests/courses/test_search.py, tests/test_html_validity.py) index the pages they
    search for themselves; the browser tests' demo is seeded (and so indexed) once per session,
    before this setting applies."""
    settings.WAGTAILSEARCH_BACKENDS = {
        "default": {"BACKEND": "wagtail.search.backends.database", "AUTO_UPDATE": False}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def home(base):
    return HomePage.objects.get(pk=base.home)


@pytest.fixture
def curriculum(base):
    return load_curriculum_bundle(base.curriculum)


@pytest.fixture
def module(curriculum):
    return curriculum.modules[0]


@pytest.fixture
def agency_a(base):
    return Agency.objects.get(pk=base.agency_a)


@pytest.fixture
def agency_b(base):
    return Agency.objects.get(pk=base.agency_b)


@pytest.fixture
def assignment(base):
    """The curriculum's assignment to agency A (part of the base data)."""
    return Assignment.objects.get(pk=base.assignment)


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
def review_workflow(home, role_groups):
    """Authoring as seed_demo sets it up: page permissions on the home page, and the
    Coordinator review workflow on the page tree, quizzes and surveys."""
    SeedDemo()._grant_page_permissions(role_groups, home)
    return ensure_review_workflow(home)


@pytest.fixture
def trainer(agency_a, role_groups):
    person = PersonFactory(agency=agency_a, rank="Sergeant", user__username="trainer")
    person.user.groups.add(role_groups[roles.TRAINER])
    return person.user


@pytest.fixture
def coordinator(agency_a, role_groups):
    person = PersonFactory(agency=agency_a, rank="Lieutenant", user__username="coordinator")
    person.user.groups.add(role_groups[roles.COORDINATOR])
    return person.user


@pytest.fixture
def make_command_staff(role_groups):
    def make(agency):
        person = PersonFactory(agency=agency, rank="Captain")
        person.user.groups.add(role_groups[roles.COMMAND_STAFF])
        return person

    return make


@pytest.fixture
def command_a(make_command_staff, agency_a, assignment):
    """Command staff of agency A, where the curriculum is assigned."""
    return make_command_staff(agency_a)


@pytest.fixture
def command_b(make_command_staff, agency_b, assignment_b):
    """Command staff of agency B, where the curriculum is assigned too."""
    return make_command_staff(agency_b)


@pytest.fixture
def survey(curriculum):
    """The curriculum's survey: three statements, the second with a comment box; offered
    before module 1 and after module 2 (the last of the test curriculum)."""
    survey = make_survey(items=3, comment_on=(1,))
    page = curriculum.page
    page.survey = survey
    page.pre_survey_before_module = 1
    page.post_survey_after_module = 2
    page.save()
    return survey


@pytest.fixture
def shared_cache_on(settings):
    """A real "shared" cache (a DummyCache in tests that do not need one): page cache
    versions and rate-limit counts live there."""
    settings.CACHES = {
        **settings.CACHES,
        "shared": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "shared-in-tests",
        },
    }
    caches["shared"].clear()
    yield
    caches["shared"].clear()


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
def signed_in(client, learner):
    """The test client, signed in as the learner."""
    client.force_login(learner.user)
    return client


@pytest.fixture
def learner_api(api_for, learner):
    return api_for(learner.user)


@pytest.fixture
def certificate(learner, curriculum):
    """The learner has passed every module and holds the curriculum's certificate."""
    for module in curriculum.modules:
        pass_module(learner, module)
    return Certificate.objects.get(person=learner, curriculum=curriculum.page)


@pytest.fixture
def production_log(monkeypatch):
    """The production LOGGING, its console writing to a buffer; Django's restored after."""
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    logging.config.dictConfig(logging_config(json_lines=True))
    yield stream
    logging.config.dictConfig(django_settings.LOGGING)


@pytest.fixture
def access_log(settings, production_log):
    """LOG_ACCESS on, and the production log in a buffer."""
    settings.LOG_ACCESS = True
    return production_log
