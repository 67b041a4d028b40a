"""The audit trail: the hash chain and its verification, and the events the real flows write.
Events are recorded pending and chained by the sequencer (tests/lms/test_audit_sequencer.py);
tests that read a hash chain what is pending first, as the writer's commit would.
The command-staff audit page is tested in tests/oversight/test_audit_page.py."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from assessments.models import Attempt
from courses.models import Certificate
from courses.progress import services
from lms import audit
from lms.audit import Action, event_hash, record_event, sequence_pending, verify_chain
from lms.errors import DomainError
from lms.models import AuditChainHead, AuditEvent, AuditEventQuerySet
from tests.factories import PASSWORD, UserFactory
from tests.helpers import (
    complete_lessons,
    correct_answers,
    latest,
    pass_module,
    start_quiz,
    submit,
)


def chain(count: int) -> list[AuditEvent]:
    """`count` events, recorded and then chained (as the writers' commits would)."""
    ids = [record_event(action=Action.SIGN_IN, data={"n": n}).pk for n in range(count)]
    sequence_pending()
    return list(AuditEvent.objects.filter(pk__in=ids).order_by("seq"))


def breaks() -> list[tuple[int, str]]:
    return [(b.seq, b.reason) for b in verify_chain()]


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
        record_event(action=Action.SIGN_IN)  # committed and chained after the scan
        sequence_pending()

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
    sequence_pending()
    event.refresh_from_db()
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
    sequence_pending()

    assert AuditEvent.objects.get(pk=event.pk).ip_address == stored
    assert breaks() == []


@pytest.mark.django_db
def test_a_recorded_event_is_stored_as_given_and_numbered():
    """record_event's INSERT is written out: every field reads back as the event says, the
    event knows its new id, and it is still refused a second save."""
    user = UserFactory()
    event = record_event(
        action=Action.SIGN_IN,
        actor=user,
        obj=user,
        agency_id=7,
        person_id=9,
        ip_address="2001:DB8:0:0::1",
        data={"when": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), "n": [1, 2], "s": "é"},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert event.pk is not None and not event._state.adding
    for field in AuditEvent._meta.concrete_fields:
        if field.name != "ip_address":
            assert getattr(stored, field.attname) == getattr(event, field.attname), field.name
    assert stored.ip_address == "2001:db8::1"
    assert stored.data == {"when": "2026-01-02 03:04:05+00:00", "n": [1, 2], "s": "é"}
    assert stored.pending
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    sequence_pending()
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
    sequence_pending()
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

    events = AuditEvent.objects.order_by("id")[before:]
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
        Action.TRAINING_RECORDED: len(curriculum.modules),  # its hours in the ledger (compliance)
        Action.CURRICULUM_COMPLETED: 1,
        Action.CERTIFICATE_ISSUED: 1,
    }
    certificate = Certificate.objects.get(person=learner, curriculum=curriculum.page)
    issued = latest(Action.CERTIFICATE_ISSUED)
    assert (issued.object_type, issued.object_id) == ("courses.certificate", str(certificate.pk))
    assert issued.data["code"] == certificate.code
    submitted = latest(Action.ATTEMPT_SUBMITTED)
    assert (submitted.data["score"], submitted.data["passed"]) == (100, True)
    sequence_pending()
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
    sequence_pending()
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
    event = record_event(action=Action.SIGN_IN)
    assert sequence_pending() == 1
    event.refresh_from_db()
    assert event.seq == head_before.seq + 1
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
