"""The page cache (lms/page_cache/): served without queries, never stale after a change,
never one user's page to another."""

import pytest
from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.progress import services
from lms.caches import VersionFileCache
from lms.page_cache import (
    CONTENT_VERSION,
    RequestVersionsMiddleware,
    _versions,
    content_changed,
    remembered,
)
from tests.factories import PersonFactory
from tests.helpers import complete_lessons, pass_module

pytestmark = pytest.mark.usefixtures("page_cache_on")


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


# --- What each worker keeps about accounts and content (lms.page_cache.remembered) ------------


def tables_read(queries) -> set[str]:
    """The tables named after FROM in the captured queries."""
    return {
        word.strip('"')
        for query in queries.captured_queries
        for word in query["sql"].split(" FROM ")[1:]
        for word in [word.split()[0]]
    }


def test_a_known_api_token_costs_no_query(learner_api):
    assert learner_api.get("/api/v1/curricula/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert learner_api.get("/api/v1/curricula/").status_code == 200
    assert not {"authtoken_token", "auth_user", "lms_person"} & tables_read(queries)


def test_a_deleted_token_is_refused_at_once(
    learner, learner_api, django_capture_on_commit_callbacks
):
    assert learner_api.get("/api/v1/curricula/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        learner.user.auth_token.delete()
    assert learner_api.get("/api/v1/curricula/").status_code == 401


def test_a_deactivated_accounts_token_is_refused_at_once(
    learner, learner_api, django_capture_on_commit_callbacks
):
    assert learner_api.get("/api/v1/curricula/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        learner.user.is_active = False
        learner.user.save()
    assert learner_api.get("/api/v1/curricula/").status_code == 401


def test_progress_does_not_renew_what_a_learner_may_see_but_a_move_does(
    learner, learner_api, module, agency_b, django_capture_on_commit_callbacks
):
    complete_lessons(learner, module)
    start_url = f"/api/v1/quizzes/{module.quiz.pk}/attempts/"
    with django_capture_on_commit_callbacks(execute=True):
        attempt = learner_api.post(start_url).json()
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = learner_api.post(
            f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": {}}, format="json"
        )
    assert response.status_code == 200
    assert "courses_assignment" not in tables_read(queries)  # the attempt kept it

    with django_capture_on_commit_callbacks(execute=True):
        learner.agency = agency_b  # which has no assignment
        learner.save()
    assert learner_api.post(start_url).status_code == 404


def test_an_assignment_removed_hides_its_quiz_at_once(
    learner, learner_api, module, assignment, django_capture_on_commit_callbacks
):
    complete_lessons(learner, module)
    start_url = f"/api/v1/quizzes/{module.quiz.pk}/attempts/"
    assert learner_api.get("/api/v1/curricula/").json()  # seen, and kept
    with django_capture_on_commit_callbacks(execute=True):
        assignment.delete()
    assert learner_api.get("/api/v1/curricula/").json() == []
    assert learner_api.post(start_url).status_code == 404


def test_nothing_is_kept_from_inside_a_transaction(db):
    loads = []

    def load():
        loads.append(1)
        return "value"

    with transaction.atomic():
        assert remembered("inside", load) == "value"
        assert remembered("inside", load) == "value"
    assert len(loads) == 2  # its own writes could still be rolled back
    remembered("outside", load)
    remembered("outside", load)
    assert len(loads) == 3


def test_kept_without_copy_is_one_object_until_the_content_changes(db):
    built = []

    def load():
        built.append(object())
        return built[-1]

    first = remembered("shared-thing", load, copy=False)
    assert remembered("shared-thing", load, copy=False) is first
    assert remembered("copied-thing", load) is not remembered("copied-thing", load)  # unpickled
    content_changed()
    assert remembered("shared-thing", load, copy=False) is not first
    assert len(built) == 3


def test_a_request_reads_each_version_once_and_sees_its_own_renewals(db, learner):
    reads = []
    shared = caches["shared"]
    original = shared.get_many

    def counted(keys, *args, **kwargs):
        reads.append(tuple(keys))
        return original(keys, *args, **kwargs)

    content_changed()  # the version exists (a first read adds it, then reads it again)
    shared.get_many = counted
    seen = []

    def view(request):
        seen.append(_versions(CONTENT_VERSION))
        seen.append(_versions(CONTENT_VERSION))
        content_changed()
        seen.append(_versions(CONTENT_VERSION))
        return HttpResponse()

    try:
        RequestVersionsMiddleware(view)(RequestFactory().get("/"))
    finally:
        del shared.get_many
    assert seen[0] == seen[1] != seen[2]
    assert reads == [(CONTENT_VERSION,)]
    assert _versions(CONTENT_VERSION) == seen[2]  # the renewal reached the shared cache


def test_version_file_cache_lists_its_directory_only_every_hundred_writes(tmp_path):
    cache = VersionFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 10}})
    for number in range(VersionFileCache.CULL_EVERY):
        cache.set(f"key-{number}", number)
    assert len(list(tmp_path.iterdir())) == VersionFileCache.CULL_EVERY  # over the maximum
    cache.set("one-more", 0)  # this write culls
    assert len(list(tmp_path.iterdir())) < VersionFileCache.CULL_EVERY
