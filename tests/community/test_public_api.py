"""API.md "Public community", from outside without signing in: the agency page, a survey, its
answers (and every refusal storing nothing), its results."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from community import codes as code_rules
from community.models import (
    CommunityComment,
    CommunityResponse,
    ParticipantCode,
    TransparencyPage,
)
from tests.community.conftest import answers, respond

pytestmark = pytest.mark.django_db


def post(client, event, body, **extra):
    return client.post(f"/api/v1/public/events/{event.pk}/responses/", body, format="json", **extra)


def test_an_agency_page_answers_with_the_contract_fields(anon_api, event, learner):
    response = anon_api.get(f"/api/v1/public/agencies/{event.agency.slug}/")
    assert response.status_code == 200
    body = response.json()
    assert {"name", "slug", "updated_at", "training", "events"} <= set(body)
    assert {"officers_assigned", "officers_certified", "modules"} <= set(body["training"])
    assert body["training"]["officers_assigned"] == 1  # the learner, a sworn officer
    assert {"number", "title", "percent_complete"} <= set(body["training"]["modules"][0])
    [listed] = body["events"]
    assert {"id", "kind", "title", "date", "status"} <= set(listed)
    assert listed == listed | {"id": event.pk, "kind": "forum", "status": "open"}
    assert "Dana" not in response.content.decode()  # no names


def test_every_public_path_answers_404_while_the_page_is_off(anon_api, make_event, agency_b):
    event = make_event(agency=agency_b, status="open", pre_open=True)
    TransparencyPage.objects.create(agency=agency_b, enabled=False)
    ids = [str(pk) for pk in event.survey.items.values_list("pk", flat=True)]
    base = f"/api/v1/public/events/{event.pk}"
    assert anon_api.get(f"/api/v1/public/agencies/{agency_b.slug}/").status_code == 404
    assert anon_api.get(f"{base}/survey/?phase=pre").status_code == 404
    assert anon_api.get(f"{base}/results/").status_code == 404
    assert post(anon_api, event, {"phase": "pre", "answers": answers(ids)}).status_code == 404
    assert anon_api.get("/api/v1/public/agencies/no-such-agency/").status_code == 404
    assert not CommunityResponse.objects.exists()


def test_the_survey_is_served_in_spanish_with_english_where_untranslated(
    anon_api, event, statement_ids
):
    response = anon_api.get(f"/api/v1/public/events/{event.pk}/survey/?phase=pre&lang=es")
    assert response.status_code == 200
    body = response.json()
    assert body["event"] == event.pk and body["phase"] == "pre" and body["open"] is True
    texts = [s["text"] for s in body["statements"]]
    assert [str(s["id"]) for s in body["statements"]] == statement_ids
    assert texts[0] == "Confío en la policía."
    assert texts[1].startswith("Statement")  # no translation: the English statement
    closed = anon_api.get(f"/api/v1/public/events/{event.pk}/survey/?phase=post").json()
    assert closed["open"] is False
    assert anon_api.get(f"/api/v1/public/events/{event.pk}/survey/?lang=fr").status_code == 400


def test_an_answer_is_stored_without_anything_that_identifies_the_respondent(event, statement_ids):
    client = APIClient(REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Phone/1.0")
    body = {"phase": "pre", "answers": answers(statement_ids, 1, 3, 5), "role": "resident"}
    response = post(client, event, body)
    assert response.status_code == 201
    [row] = CommunityResponse.objects.values()
    assert row["phase"] == "pre" and row["role"] == "resident"
    assert row["answers"] == answers(statement_ids, 1, 3, 5)
    stored = " ".join(str(value) for value in row.values())
    assert "203.0.113.9" not in stored and "Phone" not in stored
    assert {f.name for f in CommunityResponse._meta.get_fields()} == {
        "id",
        "event",
        "phase",
        "role",
        "answers",
        "submitted_at",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phase": "pre", "answers": {"999999": 3}}, "answers"),  # another survey's statement
        ({"phase": "pre", "answers": "all fours"}, "answers"),
        ({"phase": "pre"}, "answers"),
        ({"phase": "later", "answers": {}}, "phase"),
        ({"phase": "pre", "answers": "ok", "role": "mayor"}, "role"),
        ({"phase": "pre", "comment": "x" * 1001}, "comment"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(anon_api, event, body, field):
    response = post(anon_api, event, body)
    assert response.status_code == 400
    assert field in response.json()
    assert not CommunityResponse.objects.exists()


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, "4", True, None, "strongly"])
def test_a_value_outside_one_to_five_is_refused(anon_api, event, statement_ids, value):
    given = answers(statement_ids)
    given[statement_ids[1]] = value
    response = post(anon_api, event, {"phase": "pre", "answers": given})
    if value == "4":  # digits are accepted as the form sends them
        assert response.status_code == 201
        return
    assert response.status_code == 400
    assert "answers" in response.json()
    assert not CommunityResponse.objects.exists()


def test_a_statement_left_out_is_refused(anon_api, event, statement_ids):
    given = answers(statement_ids)
    del given[statement_ids[2]]
    assert post(anon_api, event, {"phase": "pre", "answers": given}).status_code == 400
    assert not CommunityResponse.objects.exists()


def test_a_closed_phase_is_a_409_and_stores_nothing(anon_api, event, statement_ids):
    body = {"phase": "post", "answers": answers(statement_ids), "comment": "Good evening"}
    response = post(anon_api, event, body)
    assert response.status_code == 409
    assert not CommunityResponse.objects.exists()
    assert not CommunityComment.objects.exists()


def test_the_same_browser_answers_each_phase_once(anon_api, event, statement_ids):
    body = {"phase": "pre", "answers": answers(statement_ids)}
    assert post(anon_api, event, body).status_code == 201
    assert post(anon_api, event, body).status_code == 409
    assert CommunityResponse.objects.count() == 1
    assert post(APIClient(), event, body).status_code == 201  # another phone


def test_a_code_answers_each_phase_once_and_reuse_is_refused(
    anon_api, event, statement_ids, coordinator
):
    from community.services import codes_issue, phase_set

    [code] = codes_issue(actor=coordinator, event=event, count=1)
    phase_set(actor=coordinator, event=event, phase="post", open=True)
    body = {"phase": "pre", "answers": answers(statement_ids)}

    assert post(APIClient(), event, body).status_code == 400  # the event now needs a code
    assert post(APIClient(), event, body | {"code": "ABCD-EFGH"}).status_code == 400
    typed = code.lower().replace("-", " ")  # as someone might type it
    assert post(APIClient(), event, body | {"code": typed}).status_code == 201
    reused = post(APIClient(), event, body | {"code": code})
    assert reused.status_code == 409
    assert CommunityResponse.objects.count() == 1
    assert post(APIClient(), event, body | {"phase": "post", "code": code}).status_code == 201
    assert post(APIClient(), event, body | {"phase": "post", "code": code}).status_code == 409
    assert CommunityResponse.objects.count() == 2
    stored = ParticipantCode.objects.get()
    assert stored.digest == code_rules.digest(code) and code not in stored.digest


def test_a_comment_is_kept_apart_and_pending(anon_api, event, statement_ids):
    body = {"phase": "pre", "answers": answers(statement_ids), "comment": "More foot patrols"}
    assert post(anon_api, event, body).status_code == 201
    comment = CommunityComment.objects.get()
    assert comment.status == "pending" and comment.text == "More foot patrols"
    results = anon_api.get(f"/api/v1/public/events/{event.pk}/results/").json()
    assert results["comments"] == []


def test_answers_are_rate_limited_per_address(rate_limit_on, settings, event, statement_ids):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**rates, "community_response": "2/hour"},
    }
    body = {"phase": "pre", "answers": answers(statement_ids)}
    one_address = {"REMOTE_ADDR": "198.51.100.7"}
    assert post(APIClient(), event, body, **one_address).status_code == 201
    assert post(APIClient(), event, body, **one_address).status_code == 201
    limited = post(APIClient(), event, body, **one_address)
    assert limited.status_code == 429 and limited["Retry-After"]
    assert CommunityResponse.objects.count() == 2
    assert post(APIClient(), event, body, REMOTE_ADDR="198.51.100.8").status_code == 201


def test_results_are_suppressed_below_the_minimum_group(anon_api, event, statement_ids, settings):
    settings.SURVEY_MIN_GROUP_SIZE = 5
    respond(event, "pre", 5, statement_ids, (2, 2, 4))
    respond(event, "post", 4, statement_ids, (4, 3, 2))
    body = anon_api.get(f"/api/v1/public/events/{event.pk}/results/").json()
    assert body["suppressed"] is True
    assert body["respondents"] == {"pre": 5, "post": None}
    first = body["statements"][0]
    assert first["pre"]["n"] == 5 and first["post"] is None and first["shift"] is None

    respond(event, "post", 1, statement_ids, (4, 3, 2))
    body = anon_api.get(f"/api/v1/public/events/{event.pk}/results/").json()
    assert body["suppressed"] is False
    shifts = [s["shift"] for s in body["statements"]]
    # The third statement is reverse-worded: 4 before and 2 after score 2 and 4, a rise.
    assert shifts == [2.0, 1.0, 2.0]
    assert body["statements"][2]["pre"]["distribution"] == [0, 0, 0, 5, 0]  # as answered


def test_the_public_api_needs_no_account_and_ignores_a_token(event, statement_ids):
    user = get_user_model().objects.create_user("someone", password="x" * 14)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(f"/api/v1/public/events/{event.pk}/results/").status_code == 200
    assert user.pk
