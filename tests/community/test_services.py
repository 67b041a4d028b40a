"""The rules of running an event: every change audited, phases, consents, codes, the switch."""

import datetime

import pytest

from community import services
from community.models import CommunityEvent, EventKind, ParticipantCode, TransparencyPage
from lms.audit import Action
from lms.errors import DomainError, ErrorCode
from lms.models import AuditEvent
from tests.community.conftest import respond

pytestmark = pytest.mark.django_db


def actions():
    """In the order written: events stay pending (no `seq`) until the sequencer runs."""
    return list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))


def test_every_change_to_an_event_is_an_audit_event(coordinator, agency_a, community_survey):
    event = services.event_create(
        actor=coordinator,
        agency=agency_a,
        kind=EventKind.YOUTH,
        title="Youth dialogue",
        date=datetime.date(2026, 4, 2),
        place="School",
        survey=community_survey,
    )
    services.event_change(actor=coordinator, event=event, place="Gym")
    services.event_change(actor=coordinator, event=event, place="Gym")  # no change: no event
    services.consents_record(actor=coordinator, event=event, count=14)
    services.phase_set(actor=coordinator, event=event, phase="pre", open=True)
    services.phase_set(actor=coordinator, event=event, phase="pre", open=False)
    services.codes_issue(actor=coordinator, event=event, count=3)
    assert actions() == [
        Action.COMMUNITY_EVENT_CREATED,
        Action.COMMUNITY_EVENT_CHANGED,
        Action.COMMUNITY_CONSENTS_RECORDED,
        Action.COMMUNITY_PHASE_OPENED,
        Action.COMMUNITY_PHASE_CLOSED,
        Action.COMMUNITY_CODES_ISSUED,
    ]
    changed = AuditEvent.objects.get(action=Action.COMMUNITY_EVENT_CHANGED)
    assert changed.data == {"place": ["School", "Gym"]}
    assert changed.agency_id == agency_a.pk and changed.actor_id == coordinator.pk


def test_a_youth_dialogue_opens_only_with_parental_consents_recorded(coordinator, make_event):
    event = make_event(kind=EventKind.YOUTH)
    with pytest.raises(DomainError) as refused:
        services.phase_set(actor=coordinator, event=event, phase="pre", open=True)
    assert refused.value.code == ErrorCode.CONFLICT
    services.consents_record(actor=coordinator, event=event, count=9)
    event = services.phase_set(actor=coordinator, event=event, phase="pre", open=True)
    assert event.pre_open and event.status == "open"


def test_only_youth_dialogues_count_consents_and_never_negative(coordinator, make_event):
    with pytest.raises(DomainError):
        services.consents_record(actor=coordinator, event=make_event(), count=3)
    with pytest.raises(DomainError):
        services.consents_record(
            actor=coordinator, event=make_event(kind=EventKind.YOUTH), count=-1
        )


def test_closing_an_event_closes_both_phases_and_it_cannot_reopen_a_phase(coordinator, make_event):
    event = make_event(status="open", pre_open=True, post_open=True)
    event = services.event_change(actor=coordinator, event=event, status="closed")
    assert (event.pre_open, event.post_open) == (False, False)
    with pytest.raises(DomainError) as refused:
        services.phase_set(actor=coordinator, event=event, phase="post", open=True)
    assert refused.value.code == ErrorCode.CONFLICT


def test_the_survey_cannot_change_once_answered(coordinator, event, statement_ids):
    from tests.factories import make_survey

    respond(event, "pre", 1, statement_ids)
    with pytest.raises(DomainError) as refused:
        services.event_change(actor=coordinator, event=event, survey=make_survey(items=3))
    assert refused.value.code == ErrorCode.CONFLICT
    assert CommunityEvent.objects.get().survey_id == event.survey_id


def test_codes_are_stored_only_as_keyed_hashes(coordinator, event):
    codes = services.codes_issue(actor=coordinator, event=event, count=25)
    assert len(set(codes)) == 25
    stored = set(ParticipantCode.objects.values_list("digest", flat=True))
    assert not stored & set(codes)
    assert len(stored) == 25 and all(len(d) == 64 for d in stored)
    assert CommunityEvent.objects.get().uses_codes
    with pytest.raises(DomainError):
        services.codes_issue(actor=coordinator, event=event, count=501)


def test_the_public_page_switch_is_audited_once_per_change(command_a, agency_a):
    services.public_page_switch(actor=command_a.user, agency=agency_a, enabled=True)
    services.public_page_switch(actor=command_a.user, agency=agency_a, enabled=True)
    services.public_page_switch(actor=command_a.user, agency=agency_a, enabled=False)
    assert actions() == [Action.PUBLIC_PAGE_SWITCHED] * 2
    assert not TransparencyPage.objects.get(agency=agency_a).enabled
