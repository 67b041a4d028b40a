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


ANONYMOUS = [
    ("/api/v1/auth/token/", "post"),
    ("/api/v1/certificates/{code}/", "get"),
    ("/api/v1/public/agencies/{slug}/", "get"),
    ("/api/v1/public/events/{event_id}/survey/", "get"),
    ("/api/v1/public/events/{event_id}/responses/", "post"),
    ("/api/v1/public/events/{event_id}/results/", "get"),
]


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_token_request_is_json_only(schema):
    body = schema["paths"]["/api/v1/auth/token/"]["post"]["requestBody"]
    assert set(body["content"]) == {"application/json"}
    assert body["required"] is True


def test_anonymous_operations_need_no_security_and_the_rest_need_a_token(schema):
    for path, method, operation in operations(schema):
        if (path, method) in ANONYMOUS:
            assert operation["security"] == [], path
        else:
            assert {"tokenAuth": []} in operation["security"], path
            assert {} not in operation["security"], path


def test_csv_and_pdf_responses_state_their_media_types(schema):
    csv = schema["paths"]["/api/v1/reports/completion.csv"]["get"]["responses"]["200"]
    pdf = schema["paths"]["/api/v1/certificates/{code}/pdf/"]["get"]["responses"]["200"]
    assert csv["content"] == {"text/csv": {"schema": {"type": "string"}}}
    assert pdf["content"] == {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}


def test_every_error_response_documents_its_json_body(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["detail"]
    assert components["FieldErrors"]["additionalProperties"] == {
        "type": "array",
        "items": {"type": "string"},
    }
    error, field_errors = "#/components/schemas/Error", "#/components/schemas/FieldErrors"
    assert [s["$ref"] for s in components["InvalidInput"]["oneOf"]] == [error, field_errors]
    for path, method, operation in operations(schema):
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                [(media_type, body)] = response["content"].items()
                assert media_type == "application/json", (path, method, code)
                expected = "InvalidInput" if code == "400" else "Error"
                assert body["schema"] == {"$ref": f"#/components/schemas/{expected}"}


def test_operation_ids_are_unique_python_identifiers(schema):
    ids = [operation["operationId"] for _, _, operation in operations(schema)]
    assert len(ids) == len(set(ids))
    assert all(operation_id.isidentifier() for operation_id in ids), ids


def test_report_filters_share_named_enums(schema):
    components = schema["components"]["schemas"]
    for path in ("/api/v1/reports/completion/", "/api/v1/reports/completion.csv"):
        parameters = {p["name"]: p for p in schema["paths"][path]["get"]["parameters"]}
        assert parameters["status"]["schema"] == {"$ref": "#/components/schemas/ReportStatus"}
        assert parameters["category"]["schema"] == {
            "$ref": "#/components/schemas/PersonnelCategory"
        }
    assert components["ReportStatus"]["enum"] == [
        "completed",
        "in_progress",
        "not_started",
        "overdue",
    ]
