"""The reflection journal: written from the lesson page by a plain form post, read only by
its author (their lesson page, transcript print-out and PDF), never by command staff or
trainers; bad input answers 400 and writes nothing."""

import pytest
from django.urls import reverse

from courses.models import REFLECTION_MAX_LENGTH, LessonPage, ReflectionAnswer
from courses.reflections import reflection_prompts
from tests.factories import PersonFactory
from tests.helpers import client_signed_in_as

pytestmark = pytest.mark.django_db

TEXT = "I let the resident finish before I answered; the call calmed down."


@pytest.fixture
def lesson(module):
    return LessonPage.objects.get(pk=module.lessons[0].pk)


@pytest.fixture
def block_id(lesson):
    return next(iter(reflection_prompts(lesson)))


def post(client, lesson, **data):
    return client.post(reverse("reflection-save", args=[lesson.pk]), data)


def test_a_learner_saves_a_reflection_without_script_and_sees_it_on_the_lesson(
    signed_in, learner, lesson, block_id
):
    page = signed_in.get(lesson.url).content.decode()
    assert f'name="block_id" value="{block_id}"' in page  # the form is in the page itself

    response = post(signed_in, lesson, block_id=block_id, text=f"  {TEXT}  ")

    assert response.status_code == 302
    assert response["Location"] == f"{lesson.url}#reflection-{block_id}"
    saved = ReflectionAnswer.objects.get(person=learner, lesson=lesson, block_id=block_id)
    assert saved.text == TEXT
    assert saved.prompt == reflection_prompts(lesson)[block_id]
    assert TEXT in signed_in.get(lesson.url).content.decode()  # the cached page was renewed


def test_saving_again_replaces_the_answer_and_an_empty_one_removes_it(
    signed_in, learner, lesson, block_id
):
    post(signed_in, lesson, block_id=block_id, text="First thoughts.")
    post(signed_in, lesson, block_id=block_id, text=TEXT)
    assert ReflectionAnswer.objects.get(person=learner).text == TEXT
    post(signed_in, lesson, block_id=block_id, text="   ")
    assert not ReflectionAnswer.objects.filter(person=learner).exists()


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"block_id": "not-a-prompt", "text": TEXT}, "no such reflection prompt"),
        ({"text": TEXT}, "no such reflection prompt"),
        ({"text": "x" * (REFLECTION_MAX_LENGTH + 1)}, "under 5,000 characters"),
    ],
)
def test_bad_input_answers_400_naming_the_problem_and_writes_nothing(
    signed_in, learner, lesson, block_id, data, field_message
):
    if "block_id" not in data and "x" * 10 in data["text"]:
        data = {**data, "block_id": block_id}
    response = post(signed_in, lesson, **data)
    assert response.status_code == 400
    assert field_message in response.content.decode()
    assert not ReflectionAnswer.objects.exists()


def test_a_lesson_outside_the_learners_curricula_is_404(client, agency_b, lesson, block_id):
    outsider = PersonFactory(agency=agency_b)  # agency B has no assignment
    response = post(client_signed_in_as(outsider.user), lesson, block_id=block_id, text=TEXT)
    assert response.status_code == 404
    assert not ReflectionAnswer.objects.exists()


def test_only_the_author_reads_a_reflection(
    signed_in, learner, learner_a2, lesson, block_id, command_a, trainer, coordinator
):
    post(signed_in, lesson, block_id=block_id, text=TEXT)

    assert TEXT in signed_in.get(reverse("my-transcript")).content.decode()
    # Another learner of the same lesson, command staff and trainers see nothing of it.
    for user in (learner_a2.user, command_a.user, trainer, coordinator):
        client = client_signed_in_as(user)
        for url in (
            lesson.url,
            reverse("my-transcript"),
            reverse("my-records"),
            reverse("oversight-transcript", args=[learner.pk]),
            reverse("oversight-audit"),
            "/admin/reports/item-analysis/",
        ):
            response = client.get(url, follow=True)
            assert TEXT not in response.content.decode(), (user.username, url)
