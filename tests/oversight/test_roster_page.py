"""The agency admin's roster upload page: the columns explained, a good file imported into
their own agency, every problem of a bad one shown and nothing written."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from lms import roles, roster
from lms.audit import Action
from lms.models import AuditEvent, Person
from tests.factories import PersonFactory
from tests.lms.test_roster import GOOD_ROWS, csv_file, table_counts

User = get_user_model()


@pytest.fixture
def agency_admin(agency_a, role_groups):
    person = PersonFactory(agency=agency_a)
    person.user.groups.add(role_groups[roles.AGENCY_ADMIN])
    return person


@pytest.fixture
def upload_url():
    return reverse("roster-upload")


def test_upload_page_explains_the_columns(client, agency_admin, upload_url):
    client.force_login(agency_admin.user)

    response = client.get(upload_url)

    assert response.status_code == 200
    for column in roster.COLUMNS:
        assert f"<code>{column}</code>" in response.content.decode()


def test_agency_admin_upload_creates_people_in_their_own_agency(
    client, agency_admin, agency_b, upload_url
):
    client.force_login(agency_admin.user)

    response = client.post(
        upload_url, {"file": csv_file(*GOOD_ROWS), "agency": agency_b.pk}, follow=True
    )

    assert response.redirect_chain == [(upload_url, 302)]
    assert "3 added, 0 updated, 0 unchanged; 2 units created" in response.content.decode()
    people = Person.objects.filter(badge_number__in=["1001", "1002", "1003"])
    assert set(people.values_list("agency_id", flat=True)) == {agency_admin.agency_id}
    assert people.count() == 3
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.actor_id) == (Action.ROSTER_IMPORTED, agency_admin.user_id)


def test_upload_with_bad_rows_shows_every_problem_and_writes_nothing(
    client, agency_admin, upload_url
):
    client.force_login(agency_admin.user)
    before = table_counts()

    response = client.post(
        upload_url,
        {
            "file": csv_file(
                GOOD_ROWS[0],
                "1002,Ben,,ben@example.org,Patrol,,sworn",
                "1001,Ann,Silva,ann@example.org,Patrol,,sworn",
            )
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert [(e.row, e.column) for e in response.context["errors"]] == [
        (3, "last_name"),
        (4, "badge_number"),
    ]
    assert "Same badge number as row 2." in html
    assert table_counts() == before


def test_upload_rejects_a_file_that_is_not_csv(client, agency_admin, upload_url):
    client.force_login(agency_admin.user)

    response = client.post(upload_url, {"file": csv_file(*GOOD_ROWS, name="roster.xlsx")})

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["Choose a .csv file."]
    assert not Person.objects.filter(badge_number="1001").exists()


def test_learner_may_not_open_the_upload_page(client, learner, upload_url):
    client.force_login(learner.user)

    assert client.get(upload_url).status_code == 403
    assert client.post(upload_url, {"file": csv_file(*GOOD_ROWS)}).status_code == 403
    assert not Person.objects.filter(badge_number="1001").exists()


def test_upload_page_sends_anonymous_visitors_to_sign_in(client, db, upload_url):
    response = client.get(upload_url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_upload_page_does_not_say_which_agency_holds_an_email(
    client, agency_admin, agency_b, upload_url
):
    PersonFactory(agency=agency_b, user__email="ana.silva@example.org")
    client.force_login(agency_admin.user)

    response = client.post(upload_url, {"file": csv_file(GOOD_ROWS[0])})

    html = response.content.decode()
    assert response.status_code == 200
    assert roster.EMAIL_UNAVAILABLE in html
    assert agency_b.name not in html and "another account" not in html
