"""Production records its errors (issue 13, item 9): one JSON line per server error, with the
request's id, its path, status and exception type; the 500 page and the X-Request-ID header
show that id; a caller's well-formed X-Request-ID is kept."""

import json
import secrets

import pytest

from tests.lms.test_hardening import run_with_production_settings


@pytest.fixture
def broken_site(client, settings):
    settings.ROOT_URLCONF = "tests.lms.error_urls"
    client.raise_request_exception = False
    return client


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_view_that_raises_writes_exactly_one_json_line_with_the_request_id(
    broken_site, production_log
):
    response = broken_site.get("/broken/")

    assert response.status_code == 500
    [entry] = lines(production_log)
    assert entry["request_id"] == response["X-Request-ID"]
    assert entry["path"] == "/broken/"
    assert entry["method"] == "GET"
    assert entry["status"] == 500
    assert entry["exception"] == "RuntimeError"
    assert entry["level"] == "ERROR"
    assert "secret_column" in entry["traceback"]  # in the log, never in the page


def test_the_500_page_shows_the_request_id_and_keeps_a_well_formed_one_from_the_caller(
    broken_site, production_log
):
    response = broken_site.get("/broken/", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")

    assert response["X-Request-ID"] == "lb-7f3a9c2e-0001"
    assert "lb-7f3a9c2e-0001" in response.content.decode()
    assert "has been logged" in response.content.decode()
    assert [entry["request_id"] for entry in lines(production_log)] == ["lb-7f3a9c2e-0001"]


def test_an_api_error_is_logged_once_and_answers_json_with_the_id_in_its_header(
    broken_site, production_log
):
    response = broken_site.get("/api/v1/broken/")

    assert response.json() == {"detail": "A server error occurred."}
    [entry] = lines(production_log)
    assert entry["request_id"] == response["X-Request-ID"]
    assert entry["path"] == "/api/v1/broken/"


@pytest.mark.parametrize("sent", ["short", "has space in it", "x" * 200, "new\nline-forged-entry"])
def test_a_malformed_request_id_is_replaced_by_a_new_one(client, db, sent):
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID=sent)

    assert response["X-Request-ID"] != sent
    assert len(response["X-Request-ID"]) == 32


def test_pages_that_do_not_fail_are_not_logged(client, db, production_log):
    client.get("/accounts/login/")
    client.get("/no-such-page/")

    assert lines(production_log) == []


def test_production_logs_json_lines_and_mails_the_admins_it_is_given():
    code = (
        "from django.conf import settings; "
        "print(settings.ADMINS); "
        "print(settings.LOGGING['handlers']['console']['formatter'], "
        "settings.LOGGING['loggers']['django.request']['handlers'])"
    )
    result = run_with_production_settings(
        ["-c", f"import django; django.setup(); {code}"],
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL="postgres://commonground@127.0.0.1:5432/commonground",
        ADMINS="Duty Officer <duty@example.gov>, ops@example.gov",
    )

    assert result.stdout.splitlines() == [
        "[('Duty Officer', 'duty@example.gov'), ('', 'ops@example.gov')]",
        "json ['console', 'mail_admins']",
    ], result.stderr
