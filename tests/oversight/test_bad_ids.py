"""Ids too long for the database, in addresses and in posted forms, are a 404 or a form error,
never a 500 (issue 13, item 8: SQLite cannot bind an integer past 64 bits, OverflowError).
Addresses take 1 to 18 digits (lms/converters.py); forms check a chosen id before looking it
up (lms.forms.IdChoiceField)."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model

from courses.models import Assignment

TOO_LONG = "9" * 25


@pytest.mark.parametrize(
    "url",
    [
        f"/training/attempts/{TOO_LONG}/",
        f"/training/attempts/{TOO_LONG}/result/",
        f"/training/quizzes/{TOO_LONG}/start/",
        f"/training/lessons/{TOO_LONG}/complete/",
        f"/training/surveys/{TOO_LONG}/before/",
    ],
)
def test_learner_pages_with_an_id_too_long_are_not_found(signed_in, url):
    assert signed_in.get(url).status_code == 404
    assert signed_in.post(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        f"/oversight/people/{TOO_LONG}/",
        f"/oversight/assignments/{TOO_LONG}/edit/",
        f"/oversight/assignments/{TOO_LONG}/delete/",
        f"/admin/curricula/{TOO_LONG}/export/",
    ],
)
def test_staff_pages_with_an_id_too_long_are_not_found(client, coordinator, url):
    client.force_login(coordinator)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "query",
    [f"curriculum={TOO_LONG}", "curriculum=%C2%B2", f"person={TOO_LONG}", f"page={TOO_LONG}"],
)
@pytest.mark.parametrize("url", ["/oversight/surveys/", "/oversight/audit/"])
def test_oversight_filters_with_an_id_too_long_answer_without_error(client, command_a, url, query):
    client.force_login(command_a.user)
    assert client.get(f"{url}?{query}").status_code in (200, 302, 400, 404)


@pytest.mark.parametrize("field", ["curriculum", "unit", "person"])
@pytest.mark.parametrize("value", [TOO_LONG, "²", "-1", "1.5"])
def test_assignment_form_with_a_bad_id_shows_the_field_error(
    client, coordinator, curriculum, field, value
):
    client.force_login(coordinator)
    posted = {
        "curriculum": curriculum.page.pk,
        "target_kind": {"curriculum": "unit", "unit": "unit", "person": "person"}[field],
        "unit": "",
        "person": "",
        "due_date": date(date.today().year + 1, 3, 1).isoformat(),
        "recertification_months": "",
        field: value,
    }
    before = Assignment.objects.count()

    response = client.post("/oversight/assignments/new/", posted)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [f"Choose a {field} from the list."]
    assert Assignment.objects.count() == before


def test_curriculum_import_form_with_a_home_id_too_long_shows_the_field_error(client, db, home):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 20)
    client.force_login(admin)

    response = client.post("/admin/curricula/import/", {"home": TOO_LONG})

    assert response.status_code == 200
    assert "home" in response.context["form"].errors
