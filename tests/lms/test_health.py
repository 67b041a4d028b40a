"""Probes (issue 19, item 4): /healthz says the process answers without touching the database;
/readyz says whether the database, the caches that are services and the task queue answer,
and names the part that does not."""

import socket

import pytest
from django.db import connection

from tests.lms.test_access_log import access_lines

REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache"}


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_answers_ok_without_the_database(client):
    """No `db` fixture: any query here would fail the test."""
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["X-Request-ID"]


def test_probes_answer_a_load_balancer_by_address_over_plain_http(client, db, settings):
    """Before the HTTPS redirect and the host check: a probe comes to the server's own
    address, not the site's name."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["training.example.gov"]

    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


def test_readyz_reports_each_part_ok(client, db, settings):
    settings.CACHES = {
        **settings.CACHES,
        "shared": {**REDIS, "LOCATION": "redis://127.0.0.1:6379/15"},
    }

    response = client.get("/readyz")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "status": "ok",
        "parts": {"database": "ok", "cache.shared": "ok", "tasks.background": "ok"},
    }


def test_readyz_fails_naming_the_cache_when_it_is_unreachable(client, db, settings):
    location = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {**settings.CACHES, "shared": {**REDIS, "LOCATION": location}}

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "failing",
        "parts": {"database": "ok", "cache.shared": "unreachable", "tasks.background": "ok"},
        "failing": ["cache.shared"],
    }
    assert location not in response.content.decode(), "why is logged, not shown"


@pytest.mark.postgres  # the SQLite test database is in memory: it cannot go away
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_fails_naming_the_database_when_it_is_unreachable_and_recovers(client):
    """The database's address is pointed at a closed port for one probe, then put back."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = closed_port()
    try:
        response = client.get("/readyz")
    finally:
        connection.close()
        connection.settings_dict.update(saved)

    assert response.status_code == 503
    assert response.json()["failing"] == ["database", "tasks.background"]
    assert client.get("/readyz").status_code == 200


def test_probes_are_not_logged_when_they_succeed_and_are_when_they_fail(
    client, db, settings, access_log
):
    client.get("/healthz")
    client.get("/readyz")
    location = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {**settings.CACHES, "shared": {**REDIS, "LOCATION": location}}
    client.get("/readyz")

    assert [(line["path"], line["status"]) for line in access_lines(access_log)] == [
        ("/readyz", 503)
    ]


def test_only_get_and_head_are_probes(client, db):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
