"""One access line per request (issue 19, item 4), with settings.LOG_ACCESS: method, path,
status, duration, view name, user id, request id; never a password, a token, a query string
or a body."""

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.factories import PASSWORD
from tests.lms.test_request_log import lines


def access_lines(stream) -> list[dict]:
    return [line for line in lines(stream) if line["logger"] == "lms.access"]


def test_a_signed_in_request_writes_one_line_with_its_user_view_and_id(
    signed_in, learner, access_log
):
    response = signed_in.get("/", HTTP_X_REQUEST_ID="edge-0123456789")

    [line] = access_lines(access_log)
    assert line["request_id"] == response["X-Request-ID"] == "edge-0123456789"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", response.status_code)
    assert line["view"] == "lms_serve"
    assert line["user_id"] == learner.user.pk
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] > 0
    assert line["level"] == "INFO"


def test_an_anonymous_request_has_no_user_and_an_unrouted_one_no_view(client, db, access_log):
    client.get("/accounts/login/")
    client.get("/static/no-such-file.css")

    login, static = access_lines(access_log)
    assert (login["view"], login["user_id"], login["status"]) == ("login", None, 200)
    assert (static["view"], static["user_id"], static["status"]) == ("static", None, 404)


def test_no_password_query_string_or_reset_token_reaches_the_log(client, learner, access_log):
    user = learner.user
    client.post(
        "/accounts/login/?next=/&api_key=sekrit-query-value",
        {"username": user.username, "password": PASSWORD},
    )
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    client.get(f"/accounts/password/reset/{uid}/{token}/")

    text = access_log.getvalue()
    assert PASSWORD not in text
    assert "sekrit-query-value" not in text and "api_key" not in text
    assert token not in text and uid not in text
    login, reset = access_lines(access_log)[:2]
    assert (login["path"], login["status"]) == ("/accounts/login/", 302)
    assert login["user_id"] == user.pk, "signed in by this request"
    assert reset["path"] == "/accounts/password/reset/<uidb64>/<token>/"
    assert reset["view"] == "password_reset_confirm"


def test_without_log_access_nothing_is_written(client, db, production_log):
    client.get("/accounts/login/")

    assert access_lines(production_log) == []
