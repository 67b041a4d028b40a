"""Pages rendered, not served from the page cache (issue 18): a first view of a lesson, a
module and My training in a fixed, small number of queries (lms.routing's map, what is the same
for every learner kept per content version, progress in one query), and still right: a
published edit shows at once, protected pages stay protected, each learner sees their own."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import PageViewRestriction

from courses.blocks import learner_order
from courses.models import LessonPage
from courses.progress import services
from tests.factories import PersonFactory, add_module
from tests.helpers import pass_module

pytestmark = pytest.mark.usefixtures("cache_on")

MY_TRAINING = "/training/"
LESSON_QUERIES_MAX = 6


@pytest.fixture
def cache_on(shared_cache_on):
    """The page cache's versions and what workers keep under them, as in production."""
    for alias in ("default", "memo"):
        caches[alias].clear()


def browser(person) -> Client:
    client = Client()
    client.force_login(person.user)
    client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    return client


def first_view(client, url: str) -> tuple[int, str]:
    """(queries, page) of a GET the page cache cannot answer: the page is rendered."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(queries), response.content.decode()


def first_views(curriculum, agency_a) -> list[int]:
    """Queries of a new officer's first view of a lesson, a module and My training, after
    another officer has read the lesson (what is the same for everyone is built then) and this
    one has signed in and seen one page (what the worker keeps about them is loaded then)."""
    module = curriculum.modules[-1]
    lesson = module.lessons[-1]
    first_view(browser(PersonFactory(agency=agency_a)), lesson.url)
    officer = browser(PersonFactory(agency=agency_a))
    first_view(officer, MY_TRAINING)
    counts = [first_view(officer, url)[0] for url in (lesson.url, module.page.url)]
    officer.get(lesson.url + "?again")
    return [*counts, first_view(officer, MY_TRAINING + "?rendered")[0]]


def test_a_first_view_costs_few_queries_whatever_the_modules_lessons_and_officers(
    curriculum, learner, agency_a, django_capture_on_commit_callbacks
):
    small = first_views(curriculum, agency_a)
    assert small[0] <= LESSON_QUERIES_MAX

    with django_capture_on_commit_callbacks(execute=True):  # renews the content version
        for _ in range(3):
            add_module(curriculum, lessons=4)
        for module in curriculum.modules:
            pass_module(learner, module)
        PersonFactory.create_batch(5, agency=agency_a)
    assert first_views(curriculum, agency_a) == small
    lesson = curriculum.modules[-1].lessons[0]
    first_view(browser(PersonFactory(agency=agency_a)), lesson.url)  # kept for everyone
    client = browser(learner)  # a learner with progress in every module
    first_view(client, MY_TRAINING)
    assert first_view(client, lesson.url)[0] == small[0]


def test_a_published_edit_shows_on_the_next_render(
    curriculum, learner, django_capture_on_commit_callbacks
):
    lesson = curriculum.modules[0].lessons[0]
    client = browser(learner)
    assert "Lesson text." in first_view(client, lesson.url)[1]

    with django_capture_on_commit_callbacks(execute=True):
        lesson.title = "Listening first"
        lesson.body = [{"type": "rich_text", "value": "<p>Rewritten for the second edition.</p>"}]
        lesson.save_revision().publish()
    page = first_view(client, lesson.url + "?after")[1]
    assert "Listening first" in page
    assert "Rewritten for the second edition." in page
    assert "Lesson text." not in page


def test_an_unpublished_lesson_is_not_found_even_before_the_map_is_renewed(
    curriculum, learner, django_capture_on_commit_callbacks
):
    lesson = curriculum.modules[0].lessons[0]
    client = browser(learner)
    first_view(client, lesson.url)  # the map now holds the lesson
    LessonPage.objects.filter(pk=lesson.pk).update(live=False)  # no version renewed
    assert client.get(lesson.url + "?x").status_code == 404

    LessonPage.objects.filter(pk=lesson.pk).update(live=True)
    with django_capture_on_commit_callbacks(execute=True):
        LessonPage.objects.get(pk=lesson.pk).unpublish()
    assert client.get(lesson.url + "?y").status_code == 404


def test_a_kept_lesson_is_not_served_once_another_revision_is_live(curriculum, learner):
    lesson = curriculum.modules[0].lessons[0]
    client = browser(learner)
    assert "Lesson text." in first_view(client, lesson.url)[1]  # the worker keeps the page
    page = LessonPage.objects.get(pk=lesson.pk)
    page.body = [{"type": "rich_text", "value": "<p>Second edition.</p>"}]
    revision = page.save_revision()
    LessonPage.objects.filter(pk=lesson.pk).update(  # published with no version renewed
        body=page.body, live_revision=revision
    )
    text = first_view(client, lesson.url + "?x")[1]
    assert "Second edition." in text
    assert "Lesson text." not in text


def test_a_view_restriction_is_kept_on_a_page_the_map_held(
    curriculum, learner, django_capture_on_commit_callbacks
):
    module = curriculum.modules[0]
    lesson = module.lessons[0]
    client = browser(learner)
    first_view(client, lesson.url)
    with django_capture_on_commit_callbacks(execute=True):
        restriction = PageViewRestriction.objects.create(
            page=module.page, restriction_type=PageViewRestriction.GROUPS
        )
        restriction.groups.add(Group.objects.create(name="Instructors only"))
    for url in (lesson.url + "?x", module.page.url):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/_util/login/" in response["Location"] or "login" in response["Location"]


def test_a_learner_of_an_unassigned_agency_still_gets_not_found(curriculum, learner, learner_b):
    lesson = curriculum.modules[0].lessons[0]
    first_view(browser(learner), lesson.url)  # the map and the body kept by the worker
    assert browser(learner_b).get(lesson.url).status_code == 404
    assert Client().get(lesson.url).status_code == 302  # anonymous: to sign in


def test_each_learner_sees_their_own_progress(curriculum, learner, learner_a2):
    lesson = curriculum.modules[0].lessons[0]
    services.lesson_complete(person=learner, lesson=lesson)
    done = "You completed this lesson."
    assert done in first_view(browser(learner), lesson.url)[1]
    other = first_view(browser(learner_a2), lesson.url)[1]
    assert done not in other
    assert f'action="{reverse("lesson-complete", args=[lesson.pk])}"' in other


OPTIONS = ["Knock and wait", "Call for backup", "Speak from the porch", "Leave a card"]


def test_the_shared_body_keeps_scenario_order_and_reflections_per_learner(
    curriculum, agency_a, django_capture_on_commit_callbacks
):
    lesson = curriculum.modules[0].lessons[0]
    with django_capture_on_commit_callbacks(execute=True):
        lesson.body = [
            {"type": "rich_text", "value": "<p>Shared for everyone.</p>"},
            {
                "type": "scenario",
                "value": {
                    "title": "The porch",
                    "situation": "<p>A porch at night.</p>",
                    "options": [
                        {"choice": text, "outcome": f"After {text}.", "recommended": i == 0}
                        for i, text in enumerate(OPTIONS)
                    ],
                },
            },
            {"type": "reflection_prompt", "value": {"prompt": "What would you ask first?"}},
        ]
        lesson.save_revision().publish()
    lesson = LessonPage.objects.get(pk=lesson.pk)
    scenario_id, prompt_id = lesson.body[1].id, lesson.body[2].id
    orders = set()
    for n in range(6):
        person = PersonFactory(agency=agency_a)
        client = browser(person)
        client.post(
            reverse("reflection-save", args=[lesson.pk]),
            {"block_id": prompt_id, "text": f"Answer of officer {n}"},
        )
        page = first_view(client, lesson.url)[1]
        shown = re.findall(r"<summary>(.*?)</summary>", page)
        assert shown == learner_order(OPTIONS, learner=str(person.user.pk), block_id=scenario_id)
        assert "Shared for everyone." in page
        assert f"Answer of officer {n}</textarea>" in page
        assert page.count("Answer of officer") == 1
        orders.add(tuple(shown))
    assert len(orders) > 1
