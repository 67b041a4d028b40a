"""A signed-in session ends after 30 minutes without a request, and is not written on every one."""

import pytest
from django.conf import settings

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
    """A saved session sends a new cookie (signed-cookie sessions) or writes a row (others)."""
    move_clock(monkeypatch, seconds=30)
    assert settings.SESSION_COOKIE_NAME not in signed_in.get(TRAINING_URL).cookies

    move_clock(monkeypatch, seconds=90)
    assert settings.SESSION_COOKIE_NAME in signed_in.get(TRAINING_URL).cookies


def test_idle_limit_holds_for_cookie_sessions_too(client, learner, settings, monkeypatch):
    """Signed cookies carry no server-side expiry the clock can pass: the middleware's own
    last-seen check ends the session."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    client.force_login(learner.user)
    assert client.get(TRAINING_URL).status_code == 200

    move_clock(monkeypatch, minutes=31)

    assert client.get(TRAINING_URL).status_code == 302
