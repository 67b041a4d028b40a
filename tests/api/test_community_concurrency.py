"""A room answering at once (PostgreSQL only, real threads released together, as in
tests/api/test_concurrency.py): one card's code spent by many phones at the same instant
answers once; phones without codes are all stored."""

import datetime
from collections import Counter

import pytest
from rest_framework.test import APIClient

from community import services
from community.models import CommunityEvent, CommunityResponse, ParticipantCode, TransparencyPage
from tests.api.test_concurrency import THREADS, run_together
from tests.factories import AgencyFactory, make_survey

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _event() -> tuple[CommunityEvent, dict[str, int]]:
    agency = AgencyFactory()
    TransparencyPage.objects.create(agency=agency, enabled=True)
    survey = make_survey(items=3)
    event = CommunityEvent.objects.create(
        agency=agency,
        title="Forum",
        date=datetime.date(2026, 5, 1),
        place="Hall",
        survey=survey,
        status="open",
        post_open=True,
    )
    return event, {str(pk): 4 for pk in survey.items.values_list("pk", flat=True)}


def _post(event, body):
    return (
        APIClient()
        .post(f"/api/v1/public/events/{event.pk}/responses/", body, format="json")
        .status_code
    )


def test_one_code_used_by_many_phones_at_once_answers_once():
    event, answers = _event()
    [code] = services.codes_issue(actor=None, event=event, count=1)
    body = {"phase": "post", "answers": answers, "code": code}
    results = run_together(THREADS, lambda i: _post(event, body))
    assert Counter(results) == {201: 1, 409: THREADS - 1}
    assert CommunityResponse.objects.count() == 1
    assert ParticipantCode.objects.get().post_used_at is not None


def test_a_room_without_codes_is_stored_in_full():
    event, answers = _event()
    results = run_together(THREADS, lambda i: _post(event, {"phase": "post", "answers": answers}))
    assert Counter(results) == {201: THREADS}
    assert CommunityResponse.objects.count() == THREADS
