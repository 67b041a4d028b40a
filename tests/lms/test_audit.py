"""The audit trail: the hash chain and its verification, the events the real flows write,
and the command-staff audit page (agency scope, filters, paging, constant query count)."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from assessments.models import Attempt
from courses.models import Certificate
from courses.progress import services
from lms import audit, roles
from lms.audit import Action, event_hash, record_event, verify_chain
from lms.errors import DomainError
from lms.models import AuditChainHead, AuditEvent, AuditEventQuerySet
from tests.factories import PASSWORD, PersonFactory, UserFactory
from tests.helpers import complete_lessons, correct_answers, pass_module, start_quiz, submit

AUDIT_URL = "/oversight/audit/"
# Session, user, profile, agency, permissions ×2, actions present, count, page.
QUERIES_PER_PAGE = 9


@pytest.fixture
def command_a(make_command_staff, agency_a, assignment):
    return make_command_staff(agency_a)


@pytest.fixture
def command_b(make_command_staff, agency_b):
    return make_command_staff(agency_b)


def event_for(person, action: str = Action.LESSON_COMPLETED, **kwargs) -> AuditEvent:
    """An event about `person`, in their agency, as the progress services write them."""
    kwargs.setdefault("actor", person.user)
    return record_event(action=action, agency_id=person.agency_id, person_id=person.pk, **kwargs)


def event_at(moment: datetime, person, **kwargs) -> AuditEvent:
    with mock.patch.object(audit.timezone, "now", return_value=moment):
        return event_for(person, **kwargs)


def chain(count: int) -> list[AuditEvent]:
    return [record_event(action=Action.SIGN_IN, data={"n": n}) for n in range(count)]


def breaks() -> list[tuple[int, str]]:
    return [(b.seq, b.reason) for b in verify_chain()]


def latest(action: str) -> AuditEvent:
    return AuditEvent.objects.filter(action=action).order_by("-seq").first()


def listed(response) -> list[int]:
    assert response.status_code == 200
    return [event.seq for event in response.context["page"]]


# The chain


@pytest.mark.django_db
def test_each_event_links_to_the_one_before_and_hashes_its_own_fields():
    first, second, third = chain(3)

    assert (second.seq, third.seq) == (first.seq + 1, first.seq + 2)
    assert (second.prev_hash, third.prev_hash) == (first.hash, second.hash)
    for event in (first, second, third):
        stored = AuditEvent.objects.get(pk=event.pk)
        assert stored.hash == event.hash == event_hash(stored)
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (third.seq, third.hash)


@pytest.mark.django_db
def test_an_intact_chain_verifies_clean():
    chain(5)

    assert breaks() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change", [{"action": Action.CERTIFICATE_REVOKED}, {"data": {"n": 99}}, {"person_id": 7}]
)
def test_editing_a_row_names_that_event(change):
    events = chain(4)
    edited = events[1]

    AuditEvent.objects.filter(pk=edited.pk).update(**change)

    assert breaks() == [(edited.seq, "was altered after it was written")]


@pytest.mark.django_db
def test_rehashing_an_edited_row_breaks_the_link_to_the_next():
    events = chain(4)
    edited = AuditEvent.objects.get(pk=events[1].pk)
    edited.data = {"n": 99}
    AuditEvent.objects.filter(pk=edited.pk).update(data=edited.data, hash=event_hash(edited))

    assert breaks() == [(events[2].seq, "does not link to the event before it")]


@pytest.mark.django_db
def test_deleting_a_middle_row_names_the_gap():
    events = chain(4)
    gone = events[2]

    AuditEvent.objects.filter(pk=gone.pk).delete()  # the queryset bypasses the model's guard

    assert not AuditEvent.objects.filter(pk=gone.pk).exists()
    assert breaks() == [
        (gone.seq, f"events {gone.seq}–{gone.seq} are missing"),
        (events[3].seq, "does not link to the event before it"),
    ]


@pytest.mark.django_db
def test_a_raw_sql_deletion_is_caught_too():
    events = chain(3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM lms_auditevent WHERE id = %s", [events[0].pk])

    assert breaks()[0] == (events[0].seq, f"events {events[0].seq}–{events[0].seq} are missing")


@pytest.mark.django_db
def test_deleting_the_last_row_is_caught_by_the_chain_head():
    events = chain(3)
    last = events[-1]

    AuditEvent.objects.filter(pk=last.pk).delete()

    assert breaks() == [(last.seq, f"events {last.seq}–{last.seq} are missing at the end")]


@pytest.mark.django_db
def test_rewriting_and_rehashing_the_last_row_is_caught_by_the_chain_head():
    last = chain(3)[-1]
    forged = AuditEvent.objects.get(pk=last.pk)
    forged.data = {"n": 99}
    AuditEvent.objects.filter(pk=last.pk).update(data=forged.data, hash=event_hash(forged))

    assert breaks() == [(last.seq, "does not match the chain head")]


@pytest.mark.django_db
def test_events_appended_while_verifying_are_not_reported_missing(monkeypatch):
    chain(3)
    scan = AuditEventQuerySet.iterator

    def scan_then_another_request_appends(self, *args, **kwargs):
        yield from scan(self, *args, **kwargs)
        record_event(action=Action.SIGN_IN)  # committed after the scan, before it finishes

    monkeypatch.setattr(AuditEventQuerySet, "iterator", scan_then_another_request_appends)

    assert breaks() == []


@pytest.mark.django_db
def test_verify_audit_command_passes_an_intact_chain(capsys):
    chain(3)

    call_command("verify_audit")

    assert "Audit chain intact" in capsys.readouterr().out


@pytest.mark.django_db
def test_verify_audit_command_fails_naming_the_first_broken_event():
    events = chain(3)
    AuditEvent.objects.filter(pk=events[1].pk).update(actor_username="someone-else")

    with pytest.raises(CommandError, match=f"#{events[1].seq}:"):
        call_command("verify_audit")


@pytest.mark.django_db
def test_saving_an_existing_event_or_deleting_one_is_refused():
    event = record_event(action=Action.SIGN_IN, data={"n": 1})
    event.data = {"n": 2}

    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).data == {"n": 1}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("2001:DB8:0:0::1", "2001:db8::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("", None),
        ("not-an-address", None),
    ],
)
def test_addresses_are_hashed_as_the_database_stores_them(given, stored):
    token = audit.current_ip.set(given)  # as the middleware sets REMOTE_ADDR
    try:
        event = record_event(action=Action.SIGN_IN)
    finally:
        audit.current_ip.reset(token)

    assert AuditEvent.objects.get(pk=event.pk).ip_address == stored
    assert breaks() == []


# Events written by the real flows


def test_signing_in_through_the_login_page_records_the_person_and_address(client, learner):
    response = client.post(
        "/accounts/login/", {"username": learner.user.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    event = latest(Action.SIGN_IN)
    assert (event.actor_id, event.actor_username) == (learner.user.pk, learner.user.username)
    assert (event.agency_id, event.person_id) == (learner.agency_id, learner.pk)
    assert event.ip_address == "127.0.0.1"
    assert breaks() == []


def test_a_failed_sign_in_records_the_attempted_username(client, learner):
    response = client.post(
        "/accounts/login/", {"username": learner.user.username, "password": "wrong-password"}
    )

    assert response.status_code == 200
    assert latest(Action.SIGN_IN) is None
    event = latest(Action.SIGN_IN_FAILED)
    assert (event.actor_id, event.actor_username) == (None, learner.user.username)
    assert (event.agency_id, event.person_id) == (learner.agency_id, learner.pk)
    assert event.ip_address == "127.0.0.1"


def test_a_failed_sign_in_as_nobody_belongs_to_no_agency(client, db):
    client.post("/accounts/login/", {"username": "no-such-user", "password": "whatever-1"})

    event = latest(Action.SIGN_IN_FAILED)
    assert (event.actor_username, event.agency_id, event.person_id) == ("no-such-user", None, None)


def test_progress_services_record_every_step_for_the_person(learner, curriculum):
    before = AuditEvent.objects.count()
    for module in curriculum.modules:
        pass_module(learner, module)

    events = AuditEvent.objects.order_by("seq")[before:]
    counts: dict[str, int] = {}
    for event in events:
        counts[event.action] = counts.get(event.action, 0) + 1
        assert (event.agency_id, event.person_id) == (learner.agency_id, learner.pk)
        assert event.actor_id == learner.user.pk
    assert counts == {
        Action.LESSON_COMPLETED: len(curriculum.lessons),
        Action.ATTEMPT_STARTED: len(curriculum.modules),
        Action.ATTEMPT_SUBMITTED: len(curriculum.modules),
        Action.MODULE_COMPLETED: len(curriculum.modules),
        Action.CURRICULUM_COMPLETED: 1,
        Action.CERTIFICATE_ISSUED: 1,
    }
    certificate = Certificate.objects.get(person=learner, curriculum=curriculum.page)
    issued = latest(Action.CERTIFICATE_ISSUED)
    assert (issued.object_type, issued.object_id) == ("courses.certificate", str(certificate.pk))
    assert issued.data["code"] == certificate.code
    submitted = latest(Action.ATTEMPT_SUBMITTED)
    assert (submitted.data["score"], submitted.data["passed"]) == (100, True)
    assert breaks() == []


def test_a_rejected_submission_writes_no_event(learner, module):
    complete_lessons(learner, module)
    attempt = start_quiz(learner, module)
    before = AuditEvent.objects.count()

    with pytest.raises(DomainError):
        submit(learner, module, attempt, {"not-a-question": [1]})

    assert AuditEvent.objects.count() == before
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is None


def test_a_failure_after_events_are_written_rolls_them_back_with_the_step(
    learner, curriculum, monkeypatch
):
    first, last = curriculum.modules
    pass_module(learner, first)
    complete_lessons(learner, last)
    attempt = start_quiz(learner, last)
    head_before = AuditChainHead.objects.get(pk=1)
    count_before = AuditEvent.objects.count()

    def broken_issue(**kwargs):
        raise RuntimeError("certificate store unavailable")

    monkeypatch.setattr(services, "certificate_issue", broken_issue)
    with pytest.raises(RuntimeError):  # submit → module → curriculum written, then issue fails
        submit(learner, last, attempt, correct_answers(attempt.questions))

    assert AuditEvent.objects.count() == count_before
    head = AuditChainHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (head_before.seq, head_before.hash)
    monkeypatch.undo()
    assert record_event(action=Action.SIGN_IN).seq == head_before.seq + 1
    assert breaks() == []


def test_publishing_a_page_records_who_published_what(curriculum, role_groups):
    editor = UserFactory()
    lesson = curriculum.lessons[0]
    lesson.title = "Procedural justice, revised"

    revision = lesson.save_revision(user=editor)
    revision.publish()

    event = latest(Action.CONTENT_PUBLISHED)
    assert (event.actor_id, event.actor_username) == (editor.pk, editor.username)
    assert (event.object_id, event.object_repr) == (str(lesson.pk), "Procedural justice, revised")
    assert event.data == {"revision": revision.pk, "url_path": lesson.url_path}


def test_exporting_the_completion_csv_records_the_export(api_for, command_a):
    response = api_for(command_a.user).get("/api/v1/reports/completion.csv")

    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = latest(Action.REPORT_EXPORTED)
    assert (event.actor_id, event.agency_id) == (command_a.user.pk, command_a.agency_id)
    assert event.data["format"] == "csv"


# The audit page


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

    assert listed(client.get(reverse("oversight-audit"))) == [event.seq, signed_in.seq]


def test_command_staff_see_their_agency_newest_first_and_nothing_of_another(
    client, command_a, learner, learner_b
):
    signed_in = sign_in(client, command_a)
    completed = event_for(learner, data={"cycle": 1, "passed": True})
    theirs = event_for(learner_b, data={"marker": "agency-b-only"}, ip_address="10.9.9.9")
    unowned = record_event(action=Action.CONTENT_PUBLISHED)
    failed = event_for(learner, Action.SIGN_IN_FAILED, actor=None, actor_username="dreyes")

    response = client.get(AUDIT_URL)

    assert listed(response) == [failed.seq, completed.seq, signed_in.seq]
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
    assert listed(by_action) == [other_in.seq, learner_in.seq, signed_in.seq]
    actor = learner.user.username.upper()  # "contains", ignoring case
    assert listed(client.get(AUDIT_URL, {"actor": actor})) == [learner_in.seq, completed.seq]
    assert listed(client.get(AUDIT_URL, {"person": learner_a2.pk})) == [other_in.seq]
    assert listed(
        client.get(AUDIT_URL, {"person": learner.pk, "action": Action.LESSON_COMPLETED})
    ) == [completed.seq]


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
    assert listed(in_range) == [end.seq, start.seq]
    assert listed(client.get(AUDIT_URL, {**person, "from": "2025-03-12"})) == [after.seq]
    assert listed(client.get(AUDIT_URL, {**person, "to": "2025-03-09"})) == [before.seq]
    assert listed(client.get(AUDIT_URL, {**person, "from": "2025-03-12", "to": "2025-03-10"})) == []


def test_an_invalid_date_is_reported_and_the_filter_ignored(client, command_a, learner):
    sign_in(client, command_a)
    event = event_for(learner)

    response = client.get(AUDIT_URL, {"person": learner.pk, "from": "2025-02-30", "to": "soon"})

    assert listed(response) == [event.seq]
    assert set(response.context["errors"]) == {"from", "to"}
    content = response.content.decode()
    assert "“2025-02-30” is not a date (YYYY-MM-DD); “From” was ignored." in content
    assert 'aria-invalid="true" aria-describedby="f-from-error"' in content


@pytest.mark.parametrize("params", [{"from": "0001-01-01"}, {"to": "9999-12-31"}])
def test_dates_at_the_ends_of_the_calendar_mean_no_bound(client, command_a, learner, params):
    sign_in(client, command_a)
    event = event_for(learner)

    assert listed(client.get(AUDIT_URL, {"person": learner.pk, **params})) == [event.seq]


def test_a_malformed_person_or_unknown_action_is_reported_and_ignored(client, command_a, learner):
    signed_in = sign_in(client, command_a)
    event = event_for(learner)

    response = client.get(AUDIT_URL, {"person": "12; drop", "action": "made.up"})

    assert listed(response) == [event.seq, signed_in.seq]
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
        assert event.seq not in listed(response)
        assert "a-only" not in response.content.decode()
    assert listed(client.get(AUDIT_URL, {"person": learner.pk})) == []


def test_audit_page_pages_fifty_at_a_time_keeping_the_filters(client, command_a, learner):
    sign_in(client, command_a)
    events = [event_for(learner, data={"n": n}) for n in range(55)]

    first = client.get(AUDIT_URL, {"person": learner.pk})
    second = client.get(AUDIT_URL, {"person": learner.pk, "page": 2})

    assert listed(first) == [e.seq for e in reversed(events[5:])]
    assert listed(second) == [e.seq for e in reversed(events[:5])]
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
