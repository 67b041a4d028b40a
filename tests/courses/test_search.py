"""Site search: signed-in learners find live lessons and modules of their own curricula only.

Tests turn off automatic search indexing (see conftest), so each test indexes the pages it
searches for explicitly, drafts and other curricula included: they are left out by the
search's scope, not by a missing index entry.
"""

import pytest
from django.urls import reverse
from wagtail.search.backends import get_search_backend

from courses import views
from tests.factories import (
    AssignmentFactory,
    LessonPageFactory,
    PersonFactory,
    make_curriculum,
)

WORD = "quillfeather"


def index(*pages) -> None:
    backend = get_search_backend()
    for page in pages:
        backend.add(page.specific)


def lesson_mentioning(module_page, word: str = WORD, **kwargs):
    return LessonPageFactory(
        parent=module_page,
        body=[{"type": "rich_text", "value": f"<p>Practise the {word} drill with a partner.</p>"}],
        **kwargs,
    )


def search(client, query: str, **params):
    return client.get(reverse("search"), {"q": query, **params})


def test_search_finds_a_live_lesson_by_a_word_in_its_body(signed_in, module):
    lesson = lesson_mentioning(module.page, title="Trust drills", summary="Build trust in drills.")
    index(lesson)

    response = search(signed_in, WORD)

    assert response.status_code == 200
    content = response.content.decode()
    assert lesson.url in content
    assert "Trust drills" in content
    assert "Build trust in drills." in content
    assert f"module {module.page.number}: {module.page.title}" in content


def test_search_finds_a_module_by_its_summary(signed_in, module):
    module.page.summary = f"Covers the {WORD} approach."
    module.page.save()
    index(module.page)

    content = search(signed_in, WORD).content.decode()

    assert module.page.url in content
    assert f"Covers the {WORD} approach." in content


def test_search_leaves_out_unpublished_lessons(signed_in, module):
    live = lesson_mentioning(module.page, title="Published drill")
    draft = lesson_mentioning(module.page, title="Draft drill", live=False)
    index(live, draft)

    content = search(signed_in, WORD).content.decode()

    assert "Published drill" in content
    assert "Draft drill" not in content
    assert draft.url not in content


def test_search_leaves_out_lessons_of_a_curriculum_not_assigned_to_the_learner(
    signed_in, home, module
):
    other = make_curriculum(home, modules=1, lessons=0, with_quiz=False)
    hidden = lesson_mentioning(other.modules[0].page, title="Another curriculum's drill")
    index(hidden, other.modules[0].page)

    response = search(signed_in, WORD)

    assert "Another curriculum&#x27;s drill" not in response.content.decode()
    assert hidden.url not in response.content.decode()
    assert "No lessons or modules match" in response.content.decode()


def test_a_learner_assigned_the_other_curriculum_finds_its_lessons(client, home, agency_b):
    other = make_curriculum(home, modules=1, lessons=0, with_quiz=False)
    AssignmentFactory(curriculum=other.page, agency=agency_b)
    lesson = lesson_mentioning(other.modules[0].page, title="Agency B drill")
    index(lesson)
    client.force_login(PersonFactory(agency=agency_b).user)

    assert "Agency B drill" in search(client, WORD).content.decode()


def test_a_learner_of_an_unassigned_agency_finds_nothing(client, learner_b, module):
    index(lesson_mentioning(module.page, title="Agency A drill"))
    client.force_login(learner_b.user)

    content = search(client, WORD).content.decode()

    assert "Agency A drill" not in content
    assert "No lessons or modules match" in content


def test_search_requires_sign_in(client, db):
    response = search(client, WORD)

    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_an_empty_query_asks_for_a_word(signed_in):
    response = search(signed_in, "   ")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Type a word or phrase" in content
    assert "No lessons or modules match" not in content


def test_a_query_without_matches_says_so(signed_in, module):
    index(lesson_mentioning(module.page))

    content = search(signed_in, "zzyzxnothing").content.decode()

    assert "No lessons or modules match “zzyzxnothing”" in content


def test_results_are_paginated(signed_in, module, monkeypatch):
    monkeypatch.setattr(views, "SEARCH_PAGE_SIZE", 2)
    index(*(lesson_mentioning(module.page, title=f"Drill {n}") for n in range(3)))

    first = search(signed_in, WORD).content.decode()
    second = search(signed_in, WORD, page=2).content.decode()

    assert "3 results" in first
    assert "Page 1 of 2" in first
    assert f"?q={WORD}&amp;page=2" in first
    assert sum(f"Drill {n}" in first for n in range(3)) == 2
    assert sum(f"Drill {n}" in second for n in range(3)) == 1


def test_the_page_size_is_twenty():
    assert views.SEARCH_PAGE_SIZE == 20


def test_the_results_page_reads_a_fixed_number_of_queries(
    signed_in, module, django_assert_max_num_queries
):
    index(*(lesson_mentioning(module.page, title=f"Drill {n}") for n in range(6)))

    with django_assert_max_num_queries(12):
        response = search(signed_in, WORD)

    assert response.content.decode().count('class="card search-result"') == 6


def test_the_header_offers_search_to_signed_in_users_only(client, signed_in, home):
    assert 'action="/search/"' in signed_in.get(reverse("my-training")).content.decode()
    signed_in.logout()
    assert 'action="/search/"' not in client.get(home.url).content.decode()


@pytest.mark.parametrize(
    "query",
    [f'"{WORD} drill"', f"{WORD}: drill", f"{WORD}-drill", f'{WORD} "', f"({WORD})* drill^"],
)
def test_query_syntax_characters_are_read_as_words(signed_in, module, query):
    index(lesson_mentioning(module.page, title="Trust drills"))

    response = search(signed_in, query)

    assert response.status_code == 200
    assert "Trust drills" in response.content.decode()


def test_every_word_of_the_query_must_match(signed_in, module):
    index(lesson_mentioning(module.page, title="Trust drills"))

    assert "Trust drills" in search(signed_in, f"{WORD} partner").content.decode()
    assert "Trust drills" not in search(signed_in, f"{WORD} helicopter").content.decode()
