"""Staff pages: coordinators and command staff run their own agency's events (another agency's
are 404, learners 403); coordinators moderate comments; command staff export and switch."""

import csv
import io

import pytest

from community.models import (
    CommentStatus,
    CommunityComment,
    CommunityEvent,
    ParticipantCode,
    TransparencyPage,
)
from lms.audit import Action
from lms.models import AuditEvent
from tests.community.conftest import respond

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_coordinator(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def as_command(client, command_a):
    client.force_login(command_a.user)
    return client


def test_a_coordinator_creates_an_event_through_the_form(as_coordinator, community_survey):
    response = as_coordinator.post(
        "/oversight/community/new/",
        {
            "kind": "listening_session",
            "title": "Listening session, east side",
            "date": "2026-09-10",
            "place": "Church hall",
            "survey": community_survey.pk,
            "status": "planned",
            "listed": "on",
        },
    )
    event = CommunityEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/oversight/community/{event.pk}/"
    assert AuditEvent.objects.filter(action=Action.COMMUNITY_EVENT_CREATED).count() == 1
    detail = as_coordinator.get(response["Location"]).content.decode()
    assert f"/e/{event.pk}/" in detail and '<svg role="img"' in detail  # link and QR code


def test_the_form_refuses_bad_input_and_creates_nothing(as_coordinator):
    response = as_coordinator.post("/oversight/community/new/", {"title": "", "date": "soon"})
    assert response.status_code == 400
    assert not CommunityEvent.objects.exists()


def test_another_agencys_event_is_not_found(client, make_event, agency_b, command_b):
    event = make_event()
    client.force_login(command_b.user)
    for url in (
        f"/oversight/community/{event.pk}/",
        f"/oversight/community/{event.pk}/handout/",
        f"/oversight/community/{event.pk}/results.csv",
    ):
        assert client.get(url).status_code == 404
    opening = {"phase": "pre", "action": "open"}
    assert client.post(f"/oversight/community/{event.pk}/phase/", opening).status_code == 404
    assert not CommunityEvent.objects.get().pre_open


def test_learners_may_not_run_events(client, learner, make_event):
    event = make_event()
    client.force_login(learner.user)
    assert client.get("/oversight/community/").status_code == 403
    assert client.get(f"/oversight/community/{event.pk}/").status_code == 403


def test_the_facilitator_opens_and_closes_a_phase(as_coordinator, make_event):
    event = make_event()
    url = f"/oversight/community/{event.pk}/phase/"
    as_coordinator.post(url, {"phase": "pre", "action": "open"})
    assert CommunityEvent.objects.get().pre_open
    as_coordinator.post(url, {"phase": "pre", "action": "close"})
    assert not CommunityEvent.objects.get().pre_open
    assert AuditEvent.objects.filter(action__startswith="community_event.phase").count() == 2


def test_code_cards_are_shown_once_and_only_hashes_are_kept(as_coordinator, make_event):
    event = make_event()
    page = as_coordinator.post(
        f"/oversight/community/{event.pk}/codes/", {"count": "12", "paper": "a4"}
    )
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert html.count('class="code-card"') == 12 and "print-sheet--a4" in html
    digests = set(ParticipantCode.objects.values_list("digest", flat=True))
    assert len(digests) == 12 and not any(d in html for d in digests)


def test_the_handout_is_printable_on_a4_or_letter_with_the_qr_code(as_coordinator, make_event):
    event = make_event()
    letter = as_coordinator.get(f"/oversight/community/{event.pk}/handout/").content.decode()
    a4 = as_coordinator.get(f"/oversight/community/{event.pk}/handout/?paper=a4").content.decode()
    assert "print-sheet--letter" in letter and "print-sheet--a4" in a4
    assert f"/e/{event.pk}/" in a4 and '<svg role="img"' in a4 and 'lang="es"' in a4


def test_only_command_staff_download_the_csv(
    as_coordinator, client, command_a, event, statement_ids
):
    respond(event, "pre", 5, statement_ids, (2, 3, 4))
    assert as_coordinator.get(f"/oversight/community/{event.pk}/results.csv").status_code == 403
    client.force_login(command_a.user)
    response = client.get(f"/oversight/community/{event.pk}/results.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 6  # three statements, two phases
    assert rows[0]["respondents"] == "5" and rows[0]["answered_2"] == "5"
    assert rows[1]["respondents"] == "suppressed"  # nobody answered after yet
    assert AuditEvent.objects.filter(action=Action.REPORT_EXPORTED).count() == 1


def test_coordinators_alone_read_and_publish_comments(as_coordinator, client, command_a, event):
    comment = CommunityComment.objects.create(
        event=event, phase="pre", text="Thanks for listening", submitted_at=event.created_at
    )
    page = as_coordinator.get(f"/oversight/community/{event.pk}/").content.decode()
    assert "Thanks for listening" in page
    as_coordinator.post(
        f"/oversight/community/{event.pk}/comments/{comment.pk}/", {"decision": "publish"}
    )
    assert CommunityComment.objects.get().status == CommentStatus.PUBLISHED
    public = client.get(f"/api/v1/public/events/{event.pk}/results/").json()
    assert public["comments"] == ["Thanks for listening"]

    client.force_login(command_a.user)
    command_page = client.get(f"/oversight/community/{event.pk}/").content.decode()
    assert "Thanks for listening" not in command_page
    refused = client.post(
        f"/oversight/community/{event.pk}/comments/{comment.pk}/", {"decision": "reject"}
    )
    assert refused.status_code == 403


def test_only_command_staff_switch_the_public_page(as_coordinator, client, command_a, agency_a):
    switch = as_coordinator.post("/oversight/community/public-page/", {"enabled": "on"})
    assert switch.status_code == 403
    client.force_login(command_a.user)
    client.post("/oversight/community/public-page/", {"enabled": "on"})
    assert TransparencyPage.objects.get(agency=agency_a).enabled


def test_list_and_event_pages_are_a_fixed_number_of_queries(
    as_command, make_event, statement_ids, django_assert_max_num_queries
):
    events = [make_event(status="open", pre_open=True, post_open=True) for _ in range(6)]
    for event in events:
        respond(event, "pre", 5, statement_ids)
    with django_assert_max_num_queries(12):
        assert as_command.get("/oversight/community/").status_code == 200
    with django_assert_max_num_queries(14):
        assert as_command.get(f"/oversight/community/{events[0].pk}/").status_code == 200
