"""A signed-in session ends after 30 minutes without a request, and is not written on every one.
(The 12-hour absolute lifetime and revocation: tests/lms/test_sessions.py.)"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from lms.models import UserSession
from tests.helpers import move_clock

TRAINING_URL = "/training/"


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner.user)
    assert client.get(TRAINING_URL).status_code == 200
    return client


def test_session_ends_after_thirty_idle_minutes(signed_in, monkeypatch):
    move_clock(monkeypatch, minutes=31)

    response = signed_in.get(TRAINING_URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_twenty_nine_idle_minutes_keep_the_session(signed_in, monkeypatch):
    move_clock(monkeypatch, minutes=29)

    assert signed_in.get(TRAINING_URL).status_code == 200


def test_activity_keeps_the_session_alive_past_thirty_minutes(signed_in, monkeypatch):
    for minutes in (20, 40, 60, 80):
        move_clock(monkeypatch, minutes=minutes)
        assert signed_in.get(TRAINING_URL).status_code == 200, minutes


def test_session_is_written_at_most_once_a_minute(signed_in, monkeypatch):
    """A saved session writes its row (and cache entry) and sends the cookie again."""
    move_clock(monkeypatch, seconds=30)
    assert settings.SESSION_COOKIE_NAME not in signed_in.get(TRAINING_URL).cookies

    move_clock(monkeypatch, seconds=90)
    assert settings.SESSION_COOKIE_NAME in signed_in.get(TRAINING_URL).cookies


def test_the_session_lives_on_the_server_and_the_cookie_holds_only_its_key(signed_in, learner):
    key = signed_in.cookies[settings.SESSION_COOKIE_NAME].value

    stored = UserSession.objects.get(user=learner.user)

    assert stored.session_key == key
    assert SESSION_KEY in stored.get_decoded()


def test_an_idle_session_is_refused_even_before_its_row_expires(signed_in, monkeypatch, settings):
    """The server-side row expires with the idle limit too; the middleware's own last-seen
    check holds even if it did not (a longer SESSION_COOKIE_AGE for the row alone)."""
    UserSession.objects.update(expire_date=timezone.now() + timedelta(days=1))
    move_clock(monkeypatch, minutes=31)

    assert signed_in.get(TRAINING_URL).status_code == 302
