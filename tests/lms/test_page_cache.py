"""The page cache (lms/page_cache.py): served without queries, never stale after a change,
never one user's page to another."""

import pytest
from django.conf import settings
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses import services
from tests.factories import PersonFactory
from tests.helpers import complete_lessons, pass_module


@pytest.fixture(autouse=True)
def shared_cache(settings):
    """The page cache on: a shared cache for the versions (DummyCache elsewhere in tests)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "page-cache-tests",
        },
    }
    from django.core.cache import caches

    caches["shared"].clear()
    caches["default"].clear()


def browser(user=None) -> Client:
    """A client as a browser is: with a CSRF cookie, and signed in when `user` is given."""
    client = Client()
    if user is not None:
        client.force_login(user)
        client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    return client


def get(client, url) -> tuple[int, str]:
    """(queries, page) of one GET."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries), response.content.decode()


def test_home_page_is_served_without_queries_until_a_page_is_published(
    home, curriculum, django_capture_on_commit_callbacks
):
    client = browser()
    rendered, page = get(client, "/")
    assert rendered > 0
    assert get(client, "/") == (0, page)

    with django_capture_on_commit_callbacks(execute=True):
        curriculum.page.title = "Community Policing, Second Edition"
        curriculum.page.save_revision().publish()
    queries, page = get(client, "/")
    assert queries > 0
    assert "Community Policing, Second Edition" in page


def test_signed_in_visitors_never_get_the_anonymous_home_page(home, learner):
    get(browser(), "/")
    get(browser(), "/")
    queries, page = get(browser(learner.user), "/")
    assert queries > 0
    assert reverse("my-training") in page


def test_verification_says_revoked_right_after_a_revocation(
    certificate, coordinator, django_capture_on_commit_callbacks
):
    client = browser()
    url = reverse("certificate-verify", args=[certificate.code])
    get(client, url)
    queries, page = get(client, url)
    assert queries == 0
    assert "Valid certificate" in page

    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(certificate=certificate, by=coordinator, reason="Shared.")
    assert "Revoked certificate" in get(client, url)[1]


def test_lesson_page_is_kept_per_user_and_renewed_by_their_progress(
    learner, learner_a2, module, django_capture_on_commit_callbacks
):
    lesson = module.lessons[0]
    client = browser(learner.user)
    for _ in range(2):  # the first marks the page cacheable, the second stores it
        get(client, lesson.url)
    queries, page = get(client, lesson.url)
    assert queries == 0  # the user comes from the worker's memory too
    assert "You completed this lesson" not in page

    with django_capture_on_commit_callbacks(execute=True):
        services.lesson_complete(person=learner, lesson=lesson)
    assert "You completed this lesson" in get(client, lesson.url)[1]

    other = browser(learner_a2.user)
    page = get(other, lesson.url)[1]
    assert "You completed this lesson" not in page
    assert "Mark complete" in page


def test_my_training_is_renewed_when_a_page_is_published(
    learner, curriculum, django_capture_on_commit_callbacks
):
    client = browser(learner.user)
    url = reverse("my-training")
    for _ in range(3):
        queries, _ = get(client, url)
    assert queries == 0
    with django_capture_on_commit_callbacks(execute=True):
        curriculum.page.title = "Renamed Curriculum"
        curriculum.page.save_revision().publish()
    assert "Renamed Curriculum" in get(client, url)[1]


def test_dashboard_is_renewed_when_someone_in_the_agency_progresses(
    make_command_staff, agency_a, assignment, curriculum, django_capture_on_commit_callbacks
):
    command = make_command_staff(agency_a)
    client = browser(command.user)
    for _ in range(4):  # marks the page, learns its agency, stores it, serves it
        queries, before = get(client, "/oversight/")
    assert queries == 0

    newcomer = PersonFactory(agency=agency_a, unit=command.unit)
    with django_capture_on_commit_callbacks(execute=True):
        newcomer.save()
        complete_lessons(newcomer, curriculum.modules[0])
        pass_module(newcomer, curriculum.modules[0])
    queries, after = get(client, "/oversight/")
    assert queries > 1
    assert after != before


def test_a_deactivated_account_is_signed_out_at_once(
    learner, module, django_capture_on_commit_callbacks
):
    client = browser(learner.user)
    for _ in range(3):
        get(client, module.lessons[0].url)
    with django_capture_on_commit_callbacks(execute=True):
        learner.user.is_active = False
        learner.user.save()
    response = client.get(module.lessons[0].url)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_password_change_ends_other_sessions_at_once(
    learner, module, django_capture_on_commit_callbacks
):
    client = browser(learner.user)
    for _ in range(3):
        get(client, module.lessons[0].url)
    with django_capture_on_commit_callbacks(execute=True):
        learner.user.set_password("a-brand-new-passphrase")
        learner.user.save()
    assert client.get(module.lessons[0].url).status_code == 302
