"""API.md "Demo data", checked from outside as the acceptance checks will: seed_demo, then the
public API without signing in."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from community.models import CommunityEvent, CommunityResponse

pytestmark = pytest.mark.django_db


def test_the_demo_has_riversides_page_on_a_youth_dialogue_with_a_shift_and_an_open_forum():
    call_command("seed_demo", password="demo-password-for-tests", stdout=StringIO())
    api = APIClient()
    assert api.get("/api/v1/public/agencies/lakeside-pd/").status_code == 404
    lakeside_event = CommunityEvent.objects.get(agency__slug="lakeside-pd")
    assert api.get(f"/api/v1/public/events/{lakeside_event.pk}/survey/").status_code == 404

    riverside = api.get("/api/v1/public/agencies/riverside-pd/").json()
    assert riverside["training"]["officers_assigned"] > 0
    events = {e["kind"]: e for e in riverside["events"]}
    today = datetime.date.today().isoformat()
    youth, forum = events["youth_dialogue"], events["forum"]
    assert youth["date"] < today <= forum["date"]

    results = api.get(f"/api/v1/public/events/{youth['id']}/results/").json()
    assert results["suppressed"] is False
    assert all(s["shift"] is not None and s["shift"] > 0 for s in results["statements"])
    assert {group["role"] for group in results["by_role"]} == {"youth", "officer"}

    survey = api.get(f"/api/v1/public/events/{forum['id']}/survey/?phase=pre&lang=es").json()
    assert survey["open"] is True and survey["uses_codes"] is False
    first = survey["statements"][0]["text"]
    assert first == "Confío en el departamento de policía de mi comunidad."
    body = {
        "phase": "pre",
        "role": "resident",
        "answers": {str(s["id"]): 4 for s in survey["statements"]},
    }
    response = api.post(f"/api/v1/public/events/{forum['id']}/responses/", body, format="json")
    assert response.status_code == 201
    closed = api.post(
        f"/api/v1/public/events/{forum['id']}/responses/", body | {"phase": "post"}, format="json"
    )
    assert closed.status_code == 409

    counts = (CommunityEvent.objects.count(), CommunityResponse.objects.count())
    call_command("seed_community", stdout=StringIO())
    assert (CommunityEvent.objects.count(), CommunityResponse.objects.count()) == counts
