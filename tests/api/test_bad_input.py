"""Bad input through the API is a 400 or a 404, never a 500 (issue 13, item 8): ids too long
for the database, JSON nested deeper than the decoder recurses, addresses the API does not have.
The report filters' Unicode digits are in tests/oversight/test_report_filters.py."""

import pytest

from tests.helpers import complete_lessons

TOO_LONG = "9" * 25  # past a 64-bit integer: SQLite cannot bind it
LONGEST = "9" * 18  # the longest id an address takes


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/attempts/{TOO_LONG}/submit/",
        f"/api/v1/lessons/{TOO_LONG}/complete/",
        f"/api/v1/quizzes/{TOO_LONG}/attempts/",
    ],
)
def test_an_id_too_long_for_the_database_is_a_json_404(learner_api, url):
    response = learner_api.post(url, {}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/attempts/{LONGEST}/submit/",
        f"/api/v1/lessons/{LONGEST}/complete/",
        f"/api/v1/quizzes/{LONGEST}/attempts/",
    ],
)
def test_the_longest_id_an_address_takes_reaches_the_view_and_is_not_found(learner_api, url):
    response = learner_api.post(url, {}, format="json")

    assert response.status_code == 404


def test_json_nested_5000_deep_on_the_token_endpoint_is_a_400(anon_api):
    response = anon_api.post(
        "/api/v1/auth/token/", data=nested(5000), content_type="application/json"
    )

    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


def test_json_nested_5000_deep_on_attempt_submit_is_a_400(learner_api, learner, module):
    complete_lessons(learner, module)
    attempt = learner_api.post(f"/api/v1/quizzes/{module.quiz.pk}/attempts/").json()
    body = '{"answers": ' + nested(5000) + "}"

    response = learner_api.post(
        f"/api/v1/attempts/{attempt['id']}/submit/", data=body, content_type="application/json"
    )

    assert response.status_code == 400


def test_json_nested_a_little_is_still_parsed_and_refused_by_the_serializer(anon_api):
    response = anon_api.post(
        "/api/v1/auth/token/", data=nested(50), content_type="application/json"
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    "url", ["/api/v1/nothing-here/", "/api/v1/curricula/1/", "/api/v1/reports/", "/api/v1/x"]
)
def test_an_address_the_api_does_not_have_is_a_json_404(client, db, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_the_schema_documents_ids_as_integers_of_at_most_18_digits(anon_api):
    schema = anon_api.get("/api/v1/schema/?format=json").json()
    parameter = schema["paths"]["/api/v1/attempts/{attempt_id}/submit/"]["post"]["parameters"][0]

    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}
