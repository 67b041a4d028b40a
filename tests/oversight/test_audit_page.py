"""The command-staff audit page: agency scope, filters, paging, constant query count."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from lms import roles
from lms.audit import Action, record_event, sequence_pending
from lms.models import AuditEvent
from tests.factories import PersonFactory, UserFactory
from tests.helpers import event_at, event_for, latest

AUDIT_URL = "/oversight/audit/"
# Session (its row: the tests' shared cache keeps nothing), user, profile, agency, permissions ×2,
# actions present, count, page.
QUERIES_PER_PAGE = 10


def listed(response) -> list[int]:
    """The ids of the events on the page, in order (most are pending in these tests: the
    test's transaction never commits, so no writer's sequencer has run)."""
    assert response.status_code == 200
    return [event.pk for event in response.context["page"]]


def sign_in(client, person) -> AuditEvent:
    """Sign in as `person`; signing in is itself an event of their agency, returned."""
    client.force_login(person.user)
    return latest(Action.SIGN_IN)


def test_audit_page_sends_anonymous_visitors_to_sign_in(client, db):
    response = client.get(AUDIT_URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_audit_page_refuses_learners(client, learner):
    sign_in(client, learner)

    assert client.get(AUDIT_URL).status_code == 403


def test_audit_page_refuses_a_record_viewer_without_an_agency(client, role_groups):
    user = UserFactory()
    user.groups.add(role_groups[roles.COMMAND_STAFF])
    client.force_login(user)

    assert client.get(AUDIT_URL).status_code == 403


def test_audit_page_is_open_to_other_record_viewer_roles(client, role_groups, agency_a, learner):
    admin = PersonFactory(agency=agency_a)
    admin.user.groups.add(role_groups[roles.AGENCY_ADMIN])
    signed_in = sign_in(client, admin)
    event = event_for(learner)

    assert listed(client.get(reverse("oversight-audit"))) == [event.pk, signed_in.pk]


def test_command_staff_see_their_agency_newest_first_and_nothing_of_another(
    client, command_a, learner, learner_b
):
    signed_in = sign_in(client, command_a)
    completed = event_for(learner, data={"cycle": 1, "passed": True})
    theirs = event_for(learner_b, data={"marker": "agency-b-only"}, ip_address="10.9.9.9")
    unowned = record_event(action=Action.CONTENT_PUBLISHED)
    failed = event_for(learner, Action.SIGN_IN_FAILED, actor=None, actor_username="dreyes")

    response = client.get(AUDIT_URL)

    assert listed(response) == [failed.pk, completed.pk, signed_in.pk]
    assert {theirs.agency_id, unowned.agency_id} == {learner_b.agency_id, None}  # not listed
    content = response.content.decode()
    assert "<caption" in content
    assert "Failed sign-in" in content and "Lesson completed" in content
    assert "Signed in" in content and "dreyes" in content
    assert "cycle: 1; passed: yes" in content
    assert "agency-b-only" not in content and "10.9.9.9" not in content


def test_audit_page_filters_by_action_actor_and_person(client, command_a, learner, learner_a2):
    signed_in = sign_in(client, command_a)
    completed = event_for(learner)
    learner_in = event_for(learner, Action.SIGN_IN)
    other_in = event_for(learner_a2, Action.SIGN_IN)

    by_action = client.get(AUDIT_URL, {"action": Action.SIGN_IN})
    assert listed(by_action) == [other_in.pk, learner_in.pk, signed_in.pk]
    actor = learner.user.username.upper()  # "contains", ignoring case
    assert listed(client.get(AUDIT_URL, {"actor": actor})) == [learner_in.pk, completed.pk]
    assert listed(client.get(AUDIT_URL, {"person": learner_a2.pk})) == [other_in.pk]
    assert listed(
        client.get(AUDIT_URL, {"person": learner.pk, "action": Action.LESSON_COMPLETED})
    ) == [completed.pk]


def test_action_choices_are_the_actions_present_in_the_agency(client, command_a, learner):
    sign_in(client, command_a)
    event_for(learner, Action.CERTIFICATE_ISSUED)

    actions = dict(client.get(AUDIT_URL).context["actions"])

    assert actions == {Action.CERTIFICATE_ISSUED: "Certificate issued", Action.SIGN_IN: "Signed in"}


def test_audit_page_filters_by_date_range(client, command_a, learner):
    sign_in(client, command_a)
    day = datetime(2025, 3, 10, tzinfo=UTC)
    before = event_at(day - timedelta(microseconds=1), learner)
    start = event_at(day, learner)
    end = event_at(day + timedelta(days=2, microseconds=-1), learner)
    after = event_at(day + timedelta(days=2), learner)
    person = {"person": learner.pk}

    in_range = client.get(AUDIT_URL, {**person, "from": "2025-03-10", "to": "2025-03-11"})
    assert listed(in_range) == [end.pk, start.pk]
    assert listed(client.get(AUDIT_URL, {**person, "from": "2025-03-12"})) == [after.pk]
    assert listed(client.get(AUDIT_URL, {**person, "to": "2025-03-09"})) == [before.pk]
    assert listed(client.get(AUDIT_URL, {**person, "from": "2025-03-12", "to": "2025-03-10"})) == []


def test_an_invalid_date_is_reported_and_the_filter_ignored(client, command_a, learner):
    sign_in(client, command_a)
    event = event_for(learner)

    response = client.get(AUDIT_URL, {"person": learner.pk, "from": "2025-02-30", "to": "soon"})

    assert listed(response) == [event.pk]
    assert set(response.context["errors"]) == {"from", "to"}
    content = response.content.decode()
    assert "“2025-02-30” is not a date (YYYY-MM-DD); “From” was ignored." in content
    assert 'aria-invalid="true" aria-describedby="f-from-error"' in content


@pytest.mark.parametrize("params", [{"from": "0001-01-01"}, {"to": "9999-12-31"}])
def test_dates_at_the_ends_of_the_calendar_mean_no_bound(client, command_a, learner, params):
    sign_in(client, command_a)
    event = event_for(learner)

    assert listed(client.get(AUDIT_URL, {"person": learner.pk, **params})) == [event.pk]


def test_a_malformed_person_or_unknown_action_is_reported_and_ignored(client, command_a, learner):
    signed_in = sign_in(client, command_a)
    event = event_for(learner)

    response = client.get(AUDIT_URL, {"person": "12; drop", "action": "made.up"})

    assert listed(response) == [event.pk, signed_in.pk]
    assert set(response.context["errors"]) == {"person", "action"}


def test_no_filter_reaches_another_agencys_events(client, command_a, command_b, learner):
    event = event_for(learner, Action.SIGN_IN, ip_address="10.0.0.1", data={"marker": "a-only"})
    today = timezone.localdate().isoformat()
    sign_in(client, command_b)

    for params in (
        {"person": learner.pk},
        {"actor": learner.user.username},
        {"action": Action.SIGN_IN, "person": learner.pk},
        {"from": today, "to": today},
        {},
    ):
        response = client.get(AUDIT_URL, params)
        assert event.pk not in listed(response)
        assert "a-only" not in response.content.decode()
    assert listed(client.get(AUDIT_URL, {"person": learner.pk})) == []


def test_audit_page_pages_fifty_at_a_time_keeping_the_filters(client, command_a, learner):
    sign_in(client, command_a)
    events = [event_for(learner, data={"n": n}) for n in range(55)]

    first = client.get(AUDIT_URL, {"person": learner.pk})
    second = client.get(AUDIT_URL, {"person": learner.pk, "page": 2})

    assert listed(first) == [e.pk for e in reversed(events[5:])]
    assert listed(second) == [e.pk for e in reversed(events[:5])]
    assert f"person={learner.pk}&amp;page=2" in first.content.decode()


@pytest.mark.parametrize("count", [3, 120])
def test_audit_page_is_a_fixed_number_of_queries(
    client, command_a, learner, learner_a2, count, django_assert_max_num_queries
):
    sign_in(client, command_a)
    for n in range(count):
        person = learner if n % 2 else learner_a2
        event_for(person, Action.SIGN_IN if n % 3 else Action.LESSON_COMPLETED, data={"n": n})

    with django_assert_max_num_queries(QUERIES_PER_PAGE):
        response = client.get(AUDIT_URL, {"actor": "user", "from": "2000-01-01"})

    assert len(listed(response)) == min(count + 1, 50)


def test_pending_events_are_shown_as_pending_above_the_chained_ones(client, command_a, learner):
    sign_in(client, command_a)
    chained = [event_for(learner, data={"n": n}) for n in range(2)]
    sequence_pending()
    waiting = [event_for(learner, data={"n": n}) for n in range(2, 4)]

    response = client.get(AUDIT_URL, {"person": learner.pk})

    assert listed(response) == [e.pk for e in reversed(chained + waiting)]
    rows = response.content.decode().split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]
    assert [">pending</span>" in row for row in rows] == [True, True, False, False]
    numbers = sorted(
        AuditEvent.objects.filter(pk__in=[e.pk for e in chained]).values_list("seq", flat=True)
    )
    assert f'<th scope="row">{numbers[1]}</th>' in rows[2]
    assert f'<th scope="row">{numbers[0]}</th>' in rows[3]
