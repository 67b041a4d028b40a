"""The OpenAPI schema at /api/v1/schema/."""

import pytest
import yaml

LEARNER_PATHS = [
    "/api/v1/auth/token/",
    "/api/v1/curricula/",
    "/api/v1/me/progress/",
    "/api/v1/me/certificates/",
    "/api/v1/lessons/{lesson_id}/complete/",
    "/api/v1/quizzes/{quiz_id}/attempts/",
    "/api/v1/attempts/{attempt_id}/submit/",
    "/api/v1/certificates/{code}/",
    "/api/v1/certificates/{code}/pdf/",
]


@pytest.fixture
def schema(anon_api, db):
    response = anon_api.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_public_and_lists_every_learner_path(schema):
    assert schema["openapi"].startswith("3.")
    assert set(LEARNER_PATHS) <= set(schema["paths"])


def test_schema_is_served_as_json_on_request(anon_api, db):
    response = anon_api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/curricula/" in response.json()["paths"]


@pytest.mark.parametrize(
    ("path", "method", "codes"),
    [
        ("/api/v1/curricula/", "get", {"200", "401"}),
        ("/api/v1/lessons/{lesson_id}/complete/", "post", {"200", "201", "401", "404"}),
        ("/api/v1/quizzes/{quiz_id}/attempts/", "post", {"200", "201", "401", "404", "409"}),
        ("/api/v1/attempts/{attempt_id}/submit/", "post", {"200", "400", "401", "404", "409"}),
        ("/api/v1/certificates/{code}/", "get", {"200", "404"}),
    ],
)
def test_schema_declares_the_contract_responses(schema, path, method, codes):
    assert codes <= set(schema["paths"][path][method]["responses"])


def test_schema_of_a_served_question_has_no_right_answer_field(schema):
    components = schema["components"]["schemas"]
    served = [name for name in components if "Served" in name]
    assert served
    for name in served:
        assert not any("correct" in p for p in components[name].get("properties", {}))
