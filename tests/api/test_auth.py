"""Token sign-in, and 401 / 403 on the learner endpoints."""

import pytest
from rest_framework.authtoken.models import Token

from assessments.models import Attempt
from courses.models import LessonProgress
from tests.factories import PASSWORD, UserFactory

TOKEN_URL = "/api/v1/auth/token/"


def test_token_for_right_credentials(anon_api, learner):
    response = anon_api.post(
        TOKEN_URL, {"username": learner.user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert set(response.json()) == {"token", "expires_at"}
    assert response.json()["token"] == Token.objects.get(user=learner.user).key


def test_token_signs_the_caller_in(anon_api, learner):
    token = anon_api.post(
        TOKEN_URL, {"username": learner.user.username, "password": PASSWORD}, format="json"
    ).json()["token"]
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_api.get("/api/v1/me/progress/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"username": "{me}", "password": "wrong-password-123"}, id="wrong-password"),
        pytest.param({"username": "nobody", "password": PASSWORD}, id="unknown-user"),
        pytest.param({"username": "{me}", "password": ""}, id="empty-password"),
        pytest.param({"username": "{me}"}, id="no-password"),
        pytest.param({}, id="no-fields"),
    ],
)
def test_token_refused_for_wrong_credentials(anon_api, learner, body):
    body = {k: v.replace("{me}", learner.user.username) for k, v in body.items()}
    response = anon_api.post(TOKEN_URL, body, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()


@pytest.mark.parametrize("encoding", ["multipart", "urlencoded"])
def test_token_request_is_json_only_a_form_gets_415(anon_api, learner, encoding):
    body = {"username": learner.user.username, "password": PASSWORD}
    if encoding == "multipart":
        response = anon_api.post(TOKEN_URL, body, format="multipart")
    else:
        response = anon_api.post(
            TOKEN_URL,
            f"username={learner.user.username}&password={PASSWORD}",
            content_type="application/x-www-form-urlencoded",
        )
    assert response.status_code == 415
    assert set(response.json()) == {"detail"}
    assert not Token.objects.exists()


def test_token_refused_for_inactive_account(anon_api, learner):
    learner.user.is_active = False
    learner.user.save()
    response = anon_api.post(
        TOKEN_URL, {"username": learner.user.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400


def learner_requests(curriculum, attempt_id, code):
    lesson = curriculum.lessons[0].pk
    quiz = curriculum.modules[0].quiz.pk
    return [
        ("get", "/api/v1/curricula/"),
        ("get", "/api/v1/me/progress/"),
        ("get", "/api/v1/me/certificates/"),
        ("post", f"/api/v1/lessons/{lesson}/complete/"),
        ("post", f"/api/v1/quizzes/{quiz}/attempts/"),
        ("post", f"/api/v1/attempts/{attempt_id}/submit/"),
        ("get", f"/api/v1/certificates/{code}/pdf/"),
    ]


@pytest.mark.parametrize("credentials", [None, "Token not-a-real-token", "Bearer abc"])
def test_learner_endpoints_need_sign_in(anon_api, learner, curriculum, certificate, credentials):
    attempt = Attempt.objects.filter(user=learner.user).first()
    lesson_rows = LessonProgress.objects.count()
    attempt_rows = Attempt.objects.count()
    if credentials:
        anon_api.credentials(HTTP_AUTHORIZATION=credentials)
    for method, url in learner_requests(curriculum, attempt.pk, certificate.code):
        response = getattr(anon_api, method)(url, {"answers": {}}, format="json")
        assert response.status_code == 401, url
        assert "detail" in response.json()
    assert LessonProgress.objects.count() == lesson_rows
    assert Attempt.objects.count() == attempt_rows


def test_signed_in_account_without_a_training_profile_is_forbidden(api_for, curriculum):
    client = api_for(UserFactory())
    lesson = curriculum.lessons[0].pk
    quiz = curriculum.modules[0].quiz.pk
    assert client.get("/api/v1/me/progress/").status_code == 403
    assert client.get("/api/v1/me/certificates/").status_code == 403
    assert client.post(f"/api/v1/lessons/{lesson}/complete/").status_code == 403
    assert client.post(f"/api/v1/quizzes/{quiz}/attempts/").status_code == 403
    assert not LessonProgress.objects.exists()


def test_signed_in_account_without_a_training_profile_sees_no_curricula(api_for, curriculum):
    response = api_for(UserFactory()).get("/api/v1/curricula/")
    assert response.status_code == 200
    assert response.json() == []


def test_session_sign_in_also_works_for_the_api(client, learner):
    client.force_login(learner.user)
    assert client.get("/api/v1/me/progress/").status_code == 200
