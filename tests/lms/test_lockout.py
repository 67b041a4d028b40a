"""Sign-in lockout (django-axes): five failures per account or 25 per address, 30 minutes."""

from datetime import timedelta

import pytest
from rest_framework.authtoken.models import Token

from lms.audit import Action
from lms.models import AuditEvent
from tests.factories import PASSWORD, PersonFactory
from tests.helpers import move_clock

LOGIN_URL = "/accounts/login/"
TOKEN_URL = "/api/v1/auth/token/"
WRONG = "not-the-password-123"


def sign_in(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_four_failures_do_not_lock(client, learner):
    for _ in range(4):
        assert sign_in(client, learner.user.username, WRONG).status_code == 200

    response = sign_in(client, learner.user.username)

    assert response.status_code == 302
    assert signed_in(client)
    assert not AuditEvent.objects.filter(action=Action.ACCOUNT_LOCKED_OUT).exists()


def test_fifth_failure_locks_the_account_even_against_the_right_password(client, learner):
    for _ in range(4):
        sign_in(client, learner.user.username, WRONG)

    fifth = sign_in(client, learner.user.username, WRONG)
    right = sign_in(client, learner.user.username)

    for response in (fifth, right):
        assert response.status_code == 429
        assert "Sign-in locked" in response.content.decode()
        assert "30 minutes" in response.content.decode()
    assert not signed_in(client)


def test_lockout_is_in_the_audit_trail_of_the_agency(client, learner):
    for _ in range(5):
        sign_in(client, learner.user.username, WRONG, ip="192.0.2.7")

    event = AuditEvent.objects.get(action=Action.ACCOUNT_LOCKED_OUT)
    assert event.actor_username == learner.user.username
    assert (event.agency_id, event.person_id) == (learner.agency_id, learner.pk)
    assert event.ip_address == "192.0.2.7"
    assert event.data == {"failure_limit": 5}


def test_failures_from_many_addresses_lock_the_account(client, learner):
    for n in range(5):
        sign_in(client, learner.user.username, WRONG, ip=f"10.0.1.{n}")

    assert sign_in(client, learner.user.username, ip="10.0.1.99").status_code == 429
    assert not signed_in(client)


def test_a_few_failures_against_many_accounts_do_not_lock_a_shared_address(client, learner):
    """Officers of one station sign in from one address: five typos among them lock no one."""
    for n in range(24):
        sign_in(client, f"colleague-{n}", WRONG, ip="198.51.100.4")

    assert sign_in(client, learner.user.username, ip="198.51.100.4").status_code == 302


def test_failures_against_many_accounts_lock_the_address(client, learner, learner_a2, settings):
    for n in range(settings.AXES_IP_FAILURE_LIMIT):
        sign_in(client, f"guess-{n}", WRONG, ip="198.51.100.4")

    assert sign_in(client, learner.user.username, ip="198.51.100.4").status_code == 429
    assert not signed_in(client)
    assert sign_in(client, learner_a2.user.username, ip="198.51.100.5").status_code == 302


def test_lock_lifts_after_thirty_minutes(client, learner, monkeypatch):
    for _ in range(5):
        sign_in(client, learner.user.username, WRONG)

    move_clock(monkeypatch, minutes=29)
    assert sign_in(client, learner.user.username).status_code == 429
    move_clock(monkeypatch, minutes=31)
    assert sign_in(client, learner.user.username).status_code == 302
    assert signed_in(client)


def test_a_good_sign_in_does_not_wipe_guesses_at_another_account(client, learner, learner_a2):
    """An attacker holding one valid account cannot reset the count between guesses."""
    for _ in range(3):
        sign_in(client, learner.user.username, WRONG, ip="10.0.2.1")
    sign_in(client, learner_a2.user.username, ip="10.0.2.1")
    client.post("/accounts/logout/")
    for _ in range(2):
        sign_in(client, learner.user.username, WRONG, ip="10.0.2.2")

    assert sign_in(client, learner.user.username, ip="10.0.2.3").status_code == 429


def test_failures_older_than_the_cool_off_no_longer_count(client, learner, monkeypatch):
    for _ in range(4):
        sign_in(client, learner.user.username, WRONG)
    move_clock(monkeypatch, minutes=31)

    assert sign_in(client, learner.user.username, WRONG).status_code == 200
    assert sign_in(client, learner.user.username).status_code == 302


def test_token_endpoint_locks_out_with_429_json(anon_api, learner):
    body = {"username": learner.user.username, "password": WRONG}
    statuses = [anon_api.post(TOKEN_URL, body, format="json").status_code for _ in range(5)]
    right = anon_api.post(
        TOKEN_URL, {"username": learner.user.username, "password": PASSWORD}, format="json"
    )

    assert statuses == [400, 400, 400, 400, 429]
    assert right.status_code == 429
    assert "Too many failed sign-ins" in right.json()["detail"]
    assert not Token.objects.exists()
    assert AuditEvent.objects.filter(
        action=Action.ACCOUNT_LOCKED_OUT, actor_username=learner.user.username
    ).exists()


@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/"])
def test_wagtail_admin_sign_in_is_locked_too(client, path, agency_a):
    staff = PersonFactory(agency=agency_a, user__is_superuser=True, user__is_staff=True).user
    for _ in range(5):
        client.post(path, {"username": staff.username, "password": WRONG})

    response = client.post(path, {"username": staff.username, "password": PASSWORD})

    assert response.status_code == 429
    assert 29 * 60 < retry_after(response) <= 30 * 60
    assert not signed_in(client)


def retry_after(response) -> int:
    assert response.has_header("Retry-After"), "a lockout must say when to try again"
    return int(response["Retry-After"])


def test_locked_out_page_says_when_to_retry_in_retry_after(client, learner, monkeypatch):
    for _ in range(4):
        sign_in(client, learner.user.username, WRONG)
    fifth = sign_in(client, learner.user.username, WRONG)
    move_clock(monkeypatch, minutes=10)
    later = sign_in(client, learner.user.username)

    assert (fifth.status_code, later.status_code) == (429, 429)
    assert "Sign-in locked" in later.content.decode()
    assert 29 * 60 < retry_after(fifth) <= 30 * 60
    assert 19 * 60 < retry_after(later) <= 20 * 60


def test_locked_out_token_endpoint_says_when_to_retry_in_retry_after(
    anon_api, learner, monkeypatch
):
    body = {"username": learner.user.username, "password": WRONG}
    for _ in range(5):
        fifth = anon_api.post(TOKEN_URL, body, format="json")
    move_clock(monkeypatch, minutes=25)
    later = anon_api.post(
        TOKEN_URL, {"username": learner.user.username, "password": PASSWORD}, format="json"
    )

    assert (fifth.status_code, later.status_code) == (429, 429)
    assert set(later.json()) == {"detail"}
    assert 29 * 60 < retry_after(fifth) <= 30 * 60
    assert 4 * 60 < retry_after(later) <= 5 * 60


def test_retry_after_follows_the_cool_off_setting(client, learner, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=10)
    for _ in range(5):
        response = sign_in(client, learner.user.username, WRONG)

    assert response.status_code == 429
    assert 9 * 60 < retry_after(response) <= 10 * 60
    assert "10 minutes" in response.content.decode()


def test_address_lockout_says_when_the_address_may_retry(client, learner, settings):
    for n in range(settings.AXES_IP_FAILURE_LIMIT):
        sign_in(client, f"guess-{n}", WRONG, ip="198.51.100.9")

    response = sign_in(client, learner.user.username, ip="198.51.100.9")

    assert response.status_code == 429
    assert 29 * 60 < retry_after(response) <= 30 * 60
