"""Sessions live on the server: sign-out, a password change and a role change end them, and a
session ends 12 hours after sign-in however active. API tokens expire after 12 hours and are
revoked by their own sign-out, a password change and a role change; issuing them and using
them for staff data are audited."""

from datetime import datetime

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from lms import roles
from lms.audit import Action
from lms.models import AuditEvent
from tests.factories import PASSWORD, UserFactory
from tests.helpers import move_clock

TRAINING = "/training/"
PROGRESS = "/api/v1/me/progress/"
TOKEN_URL = "/api/v1/auth/token/"
REPORT_API = "/api/v1/reports/completion/"
REPORT_CSV = "/api/v1/reports/completion.csv"


def signed_in_client(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(TRAINING).status_code == 200
    return client


def copy_of(client: Client) -> Client:
    """Another browser holding a copy of the session cookie (stolen, or a second tab)."""
    copy = Client()
    copy.cookies[settings.SESSION_COOKIE_NAME] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return copy


def token_client(user) -> tuple[APIClient, dict]:
    api = APIClient()
    response = api.post(TOKEN_URL, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api, response.json()


def is_signed_in(client) -> bool:
    return client.get(TRAINING).status_code == 200


# --- Sessions ---------------------------------------------------------------------------------


def test_a_copied_cookie_stops_working_after_sign_out(learner):
    browser = signed_in_client(learner.user)
    stolen = copy_of(browser)
    assert is_signed_in(stolen)

    browser.post("/accounts/logout/")

    assert not is_signed_in(stolen)


def test_a_password_change_ends_every_session(learner):
    phone, desk = signed_in_client(learner.user), signed_in_client(learner.user)

    learner.user.set_password("a-brand-new-passphrase-42")
    learner.user.save()

    assert not is_signed_in(phone)
    assert not is_signed_in(desk)


def test_changing_ones_own_password_keeps_only_that_session(db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    here, elsewhere = signed_in_client(admin), signed_in_client(admin)
    new = "a-brand-new-passphrase-42"

    response = here.post(
        "/django-admin/password_change/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)


def test_a_role_change_ends_every_session(learner, role_groups):
    browser = signed_in_client(learner.user)

    learner.user.groups.add(role_groups[roles.COMMAND_STAFF])

    assert not is_signed_in(browser)


def test_a_role_removed_from_the_group_side_ends_the_members_sessions(command_a, role_groups):
    browser = signed_in_client(command_a.user)

    role_groups[roles.COMMAND_STAFF].user_set.remove(command_a.user)

    assert not is_signed_in(browser)


def test_saving_an_account_without_a_new_password_or_role_keeps_its_sessions(learner):
    browser = signed_in_client(learner.user)

    learner.user.first_name = "Renamed"
    learner.user.save()

    assert is_signed_in(browser)


def test_a_session_ends_twelve_hours_after_sign_in_however_active(learner, monkeypatch):
    browser = signed_in_client(learner.user)
    for minutes in range(20, 12 * 60, 20):
        move_clock(monkeypatch, minutes=minutes)
        assert is_signed_in(browser), minutes

    move_clock(monkeypatch, minutes=12 * 60 + 1)

    assert not is_signed_in(browser)


def test_the_absolute_lifetime_is_a_setting(learner, monkeypatch, settings):
    settings.SESSION_ABSOLUTE_HOURS = 1
    browser = signed_in_client(learner.user)
    move_clock(monkeypatch, minutes=20)
    assert is_signed_in(browser)

    move_clock(monkeypatch, minutes=61)

    assert not is_signed_in(browser)


# --- API tokens -------------------------------------------------------------------------------


def test_a_token_says_when_it_expires_and_is_refused_after(learner, monkeypatch):
    api, body = token_client(learner.user)
    expires_at = datetime.fromisoformat(body["expires_at"])
    hours = (expires_at - datetime.now(expires_at.tzinfo)).total_seconds() / 3600
    assert 11.9 < hours <= 12

    move_clock(monkeypatch, hours=11, minutes=59)
    assert api.get(PROGRESS).status_code == 200

    move_clock(monkeypatch, hours=12, minutes=1)
    response = api.get(PROGRESS)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_a_new_token_is_issued_once_the_old_one_expired(learner, monkeypatch):
    _, first = token_client(learner.user)
    move_clock(monkeypatch, hours=13)

    api, second = token_client(learner.user)

    assert second["token"] != first["token"]
    assert api.get(PROGRESS).status_code == 200


def test_token_lifetime_is_a_setting(learner, monkeypatch, settings):
    settings.API_TOKEN_HOURS = 1
    api, _ = token_client(learner.user)

    move_clock(monkeypatch, minutes=61)

    assert api.get(PROGRESS).status_code == 401


def test_signing_out_a_token_revokes_it(learner):
    api, _ = token_client(learner.user)

    response = api.delete(TOKEN_URL)

    assert response.status_code == 204
    assert api.get(PROGRESS).status_code == 401
    event = AuditEvent.objects.filter(action=Action.TOKEN_REVOKED).get()
    assert (event.actor_id, event.data) == (learner.user.pk, {"reason": "sign-out"})


def test_signing_out_needs_a_token(learner, anon_api):
    assert anon_api.delete(TOKEN_URL).status_code == 401
    anon_api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anon_api.delete(TOKEN_URL).status_code == 401


def test_a_password_change_revokes_tokens(learner):
    api, _ = token_client(learner.user)

    learner.user.set_password("a-brand-new-passphrase-42")
    learner.user.save()

    assert api.get(PROGRESS).status_code == 401
    event = AuditEvent.objects.filter(action=Action.ACCESS_REVOKED).get()
    assert event.data == {"reason": "password changed", "sessions": 0, "tokens": 1}


def test_a_role_change_revokes_tokens(learner, role_groups):
    api, _ = token_client(learner.user)

    learner.user.groups.add(role_groups[roles.TRAINER])

    assert api.get(PROGRESS).status_code == 401


def test_issuing_a_token_is_audited(learner):
    token_client(learner.user)

    event = AuditEvent.objects.filter(action=Action.TOKEN_ISSUED).get()
    assert event.actor_id == learner.user.pk
    assert event.person_id == learner.pk
    assert event.data["mfa"] is False


def test_staff_data_read_with_a_token_is_audited_learner_reads_are_not(
    learner, command_a, certificate
):
    learner_api, _ = token_client(learner.user)
    learner_api.get(PROGRESS)
    learner_api.get(f"/api/v1/certificates/{certificate.code}/pdf/")  # their own
    assert not AuditEvent.objects.filter(action=Action.TOKEN_USED).exists()

    staff_api, _ = token_client(command_a.user)
    for url in (REPORT_API, REPORT_CSV, f"/api/v1/certificates/{certificate.code}/pdf/"):
        assert staff_api.get(url).status_code == 200, url

    used = AuditEvent.objects.filter(action=Action.TOKEN_USED).order_by("id")
    assert [event.data["path"] for event in used] == [
        REPORT_API,
        REPORT_CSV,
        f"/api/v1/certificates/{certificate.code}/pdf/",
    ]
    assert {event.actor_id for event in used} == {command_a.user_id}
    assert {event.agency_id for event in used} == {command_a.agency_id}


@pytest.mark.parametrize("url", [REPORT_API, REPORT_CSV])
def test_a_refused_token_read_is_not_recorded_as_a_use(learner, url):
    api, _ = token_client(learner.user)

    assert api.get(url).status_code == 403

    assert not AuditEvent.objects.filter(action=Action.TOKEN_USED).exists()
