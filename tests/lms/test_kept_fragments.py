"""`{% kept %}` (lms/templatetags/kept.py): fragments the same for every learner, rendered once
per content version, and what must never be kept in them (a learner's name, their CSRF token,
their progress, a draft)."""

import re

import pytest
from django.conf import settings
from django.core.cache import caches
from django.middleware.csrf import _get_new_csrf_string
from django.template import engines
from django.test import Client, RequestFactory
from django.utils import translation

from courses.models import LessonPage
from courses.progress import services
from lms.page_cache import content_changed

pytestmark = pytest.mark.usefixtures("cache_on")


@pytest.fixture
def cache_on(shared_cache_on, db):
    """Versions in a real shared cache, as in production: fragments are kept between requests."""
    for alias in ("default", "memo"):
        caches[alias].clear()


def fragment(source: str):
    template = engines["django"].from_string("{% load kept %}" + source)
    return lambda request=None, **context: template.render(context, request)


def test_a_fragment_is_rendered_once_per_content_version():
    render = fragment('{% kept "greeting" %}{{ word }}{% endkept %}')
    assert render(word="first") == "first"
    assert render(word="second") == "first"  # kept: the same for everyone until content changes
    content_changed()
    assert render(word="second") == "second"


def test_the_listed_variables_and_the_language_choose_the_fragment():
    render = fragment('{% kept "row" number done %}{{ number }}{{ done }} {{ word }}{% endkept %}')
    assert render(number=1, done={3, 4}, word="a") == "1{3, 4} a"
    assert render(number=1, done={4, 3}, word="b") == "1{3, 4} a"  # the same set: kept
    assert render(number=1, done={3}, word="c") == "1{3} c"
    assert render(number=2, done={3}, word="d") == "2{3} d"
    with translation.override("es"):
        assert render(number=2, done={3}, word="e") == "2{3} e"


def test_a_preview_is_rendered_and_never_kept():
    render = fragment('{% kept "title" %}{{ title }}{% endkept %}')
    preview = RequestFactory().get("/")
    preview.is_preview = True
    assert render(preview, title="Draft title") == "Draft title"
    assert render(title="Live title") == "Live title"
    assert render(preview, title="Another draft") == "Another draft"


def test_a_fragment_needs_a_name():
    with pytest.raises(Exception, match="needs a fragment name"):
        fragment("{% kept %}x{% endkept %}")


def browser(person, **options) -> Client:
    client = Client(**options)
    client.force_login(person.user)
    client.cookies[settings.CSRF_COOKIE_NAME] = _get_new_csrf_string()
    return client


def test_each_learner_gets_their_own_name_and_token_in_the_kept_header(
    curriculum, learner, learner_a2
):
    lesson = curriculum.modules[0].lessons[0]
    first = browser(learner, enforce_csrf_checks=True)
    second = browser(learner_a2, enforce_csrf_checks=True)
    mine = first.get(lesson.url).content.decode()
    theirs = second.get(lesson.url + "?again").content.decode()
    assert learner.user.get_full_name() in mine
    assert learner.user.get_full_name() not in theirs
    assert learner_a2.user.get_full_name() in theirs

    sign_out = re.search(
        r'action="/accounts/logout/".*?name="csrfmiddlewaretoken" value="([^"]+)"', theirs, re.S
    )
    response = second.post("/accounts/logout/", {"csrfmiddlewaretoken": sign_out.group(1)})
    assert response.status_code == 302  # the token in the header is this browser's own
    assert "_auth_user_id" not in second.session


def test_the_header_follows_each_users_permissions(curriculum, learner, coordinator):
    learner_page = browser(learner).get("/training/").content.decode()
    client = Client()
    client.force_login(coordinator)
    coordinator_page = client.get("/training/?x").content.decode()
    assert 'href="/oversight/"' not in learner_page
    assert 'href="/oversight/"' in coordinator_page
    assert 'href="/oversight/"' not in browser(learner).get("/training/?y").content.decode()


def test_a_renamed_lesson_shows_in_the_kept_outline_and_pager_of_its_neighbours(
    curriculum, learner, django_capture_on_commit_callbacks
):
    first, second = curriculum.modules[0].lessons[:2]
    client = browser(learner)
    assert second.title in client.get(first.url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page = LessonPage.objects.get(pk=second.pk)
        page.title = "Listening before speaking"
        page.save_revision().publish()
    text = client.get(first.url + "?after").content.decode()
    outline = text[text.index('class="lesson-nav"') :]
    pager = text[text.index('class="pager"') :]
    assert "Listening before speaking" in outline
    assert "Listening before speaking" in pager


def test_the_outline_marks_each_learners_own_completed_lessons(curriculum, learner, learner_a2):
    first = curriculum.modules[0].lessons[0]
    services.lesson_complete(person=learner, lesson=first)
    done = "lesson-nav__done"
    assert done in browser(learner).get(first.url).content.decode()
    assert done not in browser(learner_a2).get(first.url + "?x").content.decode()
    assert done in browser(learner).get(first.url + "?y").content.decode()
