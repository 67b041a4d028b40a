"""Wagtail documents are served only to people allowed to see a page that links them (issue 13,
item 10): a document of a curriculum's lesson to learners assigned that curriculum and to
authors; one linked from the home page to anyone; one linked from nowhere to authors only."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from wagtail.documents.models import Document

from tests.factories import LessonPageFactory

CONTENT = b"Use-of-force policy, section 4."


def make_document(title: str) -> Document:
    document = Document(title=title)
    document.file.save(f"{title.lower()}.txt", ContentFile(CONTENT), save=False)
    document.save()
    return document


def url(document: Document) -> str:
    return f"/documents/{document.pk}/{document.filename}"


@pytest.fixture
def lesson_document(module):
    document = make_document("Policy")
    LessonPageFactory(
        parent=module.page,
        body=[{"type": "document", "value": {"document": document.pk, "description": ""}}],
    )
    return document


@pytest.fixture
def author(db):
    return get_user_model().objects.create_superuser("author", "author@example.org", "x" * 20)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_learner_assigned_the_curriculum_gets_its_lesson_document(
    client, learner, lesson_document
):
    client.force_login(learner.user)

    response = client.get(url(lesson_document))

    assert response.status_code == 200
    assert body(response) == CONTENT


def test_a_learner_of_another_agency_gets_a_404(client, learner_b, lesson_document):
    client.force_login(learner_b.user)

    assert client.get(url(lesson_document)).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, lesson_document):
    response = client.get(url(lesson_document))

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_an_unlinked_document_is_for_authors_only(client, learner, author):
    document = make_document("Draft")
    client.force_login(learner.user)
    assert client.get(url(document)).status_code == 404

    client.force_login(author)
    assert client.get(url(document)).status_code == 200


def test_a_document_linked_from_the_home_page_is_public(client, home):
    document = make_document("Brochure")
    home.intro = f'<p><a linktype="document" id="{document.pk}">Brochure</a></p>'
    home.save()

    assert client.get(url(document)).status_code == 200


def test_the_media_address_of_a_document_is_not_served(client, settings, lesson_document):
    assert settings.WAGTAILDOCS_SERVE_METHOD == "serve_view"
    assert client.get(f"/media/{lesson_document.file.name}").status_code == 404
