"""The audit sequencer: events are recorded pending (no lock, no place in the chain) and chained
in batches by `sequence_pending`, run after each writer's commit and by `sequence_audit`.
Nothing is chained twice or skipped, a crash before chaining loses nothing, and verify_audit
names events left pending longer than the bound. docs/audit.md describes the window."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from lms import audit
from lms.audit import Action, record_event, sequence_pending, verify_chain
from lms.models import AuditChainHead, AuditEvent


def chain_head() -> AuditChainHead:
    """The chain head after chaining whatever is pending (made if there is none yet)."""
    sequence_pending()
    return AuditChainHead.objects.get_or_create(pk=1)[0]


def chained_in_order() -> list[tuple[int, int]]:
    """(seq, id) of every chained event, by seq."""
    return list(
        AuditEvent.objects.filter(seq__isnull=False).order_by("seq").values_list("seq", "id")
    )


def record(count: int) -> list[AuditEvent]:
    return [record_event(action=Action.SIGN_IN, data={"n": n}) for n in range(count)]


@pytest.mark.django_db
def test_an_event_is_recorded_pending_and_chained_by_the_sequencer_in_the_order_recorded():
    head = chain_head()
    events = record(3)

    stored = AuditEvent.objects.filter(pk__in=[e.pk for e in events])
    assert [(e.seq, e.prev_hash, e.hash) for e in stored] == [(None, None, None)] * 3
    assert AuditChainHead.objects.get(pk=1).seq == head.seq  # recording never touches it

    assert sequence_pending() == 3

    assert chained_in_order()[-3:] == [
        (head.seq + 1, events[0].pk),
        (head.seq + 2, events[1].pk),
        (head.seq + 3, events[2].pk),
    ]
    first = AuditEvent.objects.get(pk=events[0].pk)
    assert first.prev_hash == head.hash
    assert AuditChainHead.objects.get(pk=1).seq == head.seq + 3
    assert list(verify_chain()) == []


@pytest.mark.django_db
def test_a_second_run_chains_nothing_and_changes_nothing():
    record(4)
    sequence_pending()
    before = chained_in_order()
    hashes = set(AuditEvent.objects.values_list("hash", flat=True))

    assert sequence_pending() == 0

    assert chained_in_order() == before
    assert set(AuditEvent.objects.values_list("hash", flat=True)) == hashes


@pytest.mark.django_db
def test_batches_chain_everything_once_without_gaps():
    start = chain_head().seq
    events = record(7)

    assert sequence_pending(batch_size=3) == 7

    assert chained_in_order()[-7:] == [(start + 1 + i, e.pk) for i, e in enumerate(events)]
    assert list(verify_chain()) == []


@pytest.mark.django_db
def test_the_sequencer_runs_once_after_the_writers_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        events = record(3)  # one transaction (the test's), three events
        assert {e.seq for e in AuditEvent.objects.filter(pk__in=[e.pk for e in events])} == {None}

    assert callbacks.count(audit._sequence_after_commit) == 1
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_crash_between_insert_and_chaining_loses_nothing(
    django_capture_on_commit_callbacks, monkeypatch
):
    """The writer's commit keeps the event; its sequencer fails (the process dies, the
    database refuses): the request is unharmed, the event waits, the next run chains it."""

    def database_gone(**kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(audit, "sequence_pending", database_gone)
    with django_capture_on_commit_callbacks(execute=True):
        event = record_event(action=Action.LESSON_COMPLETED, data={"kept": True})
    monkeypatch.undo()

    assert AuditEvent.objects.get(pk=event.pk).seq is None
    call_command("sequence_audit")
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.seq is not None and stored.data == {"kept": True}
    assert list(verify_chain()) == []


@pytest.mark.django_db
def test_a_sequencer_that_fails_mid_batch_chains_none_of_it(monkeypatch):
    head = chain_head()
    events = record(3)

    def fail(head):  # the events' places are stored, the head's is not
        raise DatabaseError("disk full")

    monkeypatch.setattr(audit, "_store_head", fail)
    with pytest.raises(DatabaseError):
        sequence_pending()
    monkeypatch.undo()

    assert AuditEvent.objects.filter(pk__in=[e.pk for e in events], seq=None).count() == 3
    assert (AuditChainHead.objects.get(pk=1).seq, AuditChainHead.objects.get(pk=1).hash) == (
        head.seq,
        head.hash,
    )
    assert sequence_pending() == 3
    assert list(verify_chain()) == []


@pytest.mark.django_db
def test_verify_names_an_event_pending_longer_than_the_bound(settings):
    settings.AUDIT_SEQUENCE_BOUND_SECONDS = 5
    event = record_event(action=Action.SIGN_IN)
    recorded = AuditEvent.objects.get(pk=event.pk).created_at

    assert list(verify_chain(now=recorded + timedelta(seconds=4))) == []
    late = list(verify_chain(now=recorded + timedelta(seconds=6)))
    assert [(b.seq, b.event_id) for b in late] == [(None, event.pk)]
    assert "longer than the bound of 5 s" in late[0].reason
    settings.AUDIT_SEQUENCE_BOUND_SECONDS = 30
    assert list(verify_chain(now=recorded + timedelta(seconds=6))) == []


@pytest.mark.django_db
def test_verify_audit_fails_on_a_late_event_and_passes_once_it_is_chained(settings, capsys):
    settings.AUDIT_SEQUENCE_BOUND_SECONDS = 5
    event = record_event(action=Action.SIGN_IN)
    AuditEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - timedelta(seconds=60)  # as if its sequencer never ran
    )

    with pytest.raises(CommandError, match=f"event id {event.pk} .*bound of 5 s"):
        call_command("verify_audit")

    call_command("sequence_audit")
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out


@pytest.mark.django_db
def test_verify_audit_counts_events_within_the_bound_as_waiting(capsys):
    record(2)

    call_command("verify_audit")

    assert "2 recorded in the last 5 s still to be chained" in capsys.readouterr().out


@pytest.mark.django_db
def test_tampering_after_chaining_is_still_detected():
    events = record(3)
    sequence_pending()
    AuditEvent.objects.filter(pk=events[1].pk).update(data={"n": 99})

    seq = AuditEvent.objects.get(pk=events[1].pk).seq
    assert [(b.seq, b.reason) for b in verify_chain()] == [
        (seq, "was altered after it was written")
    ]


@pytest.mark.django_db
def test_a_missing_chain_head_is_made_by_the_sequencer():
    AuditEvent.objects.all().delete()
    AuditChainHead.objects.all().delete()
    events = record(2)

    assert sequence_pending() == 2

    assert chained_in_order() == [(1, events[0].pk), (2, events[1].pk)]
    assert AuditEvent.objects.get(pk=events[0].pk).prev_hash == audit.GENESIS_HASH
    assert list(verify_chain()) == []


@pytest.mark.postgres  # on SQLite the writer sequences (lms.audit.sequence_delay)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_with_a_delay_a_commit_wakes_the_background_sequencer_which_chains_the_batch(settings):
    """The production setting: the writer's request does no sequencing of its own; the
    process's sequencer thread chains everything committed meanwhile, within the bound."""
    settings.AUDIT_SEQUENCE_DELAY_SECONDS = 0.05
    sequence_pending()
    with transaction.atomic():
        first = record_event(action=Action.SIGN_IN, data={"n": 1})
    with transaction.atomic():
        second = record_event(action=Action.SIGN_IN, data={"n": 2})

    ids = [first.pk, second.pk]
    deadline = time.monotonic() + settings.AUDIT_SEQUENCE_BOUND_SECONDS
    while AuditEvent.objects.filter(pk__in=ids, seq=None).exists():
        assert time.monotonic() < deadline, "still pending after the bound"
        time.sleep(0.02)

    assert [seq for seq, _ in chained_in_order()[-2:]] == sorted(
        AuditEvent.objects.filter(pk__in=ids).values_list("seq", flat=True)
    )
    first, second = AuditEvent.objects.filter(pk__in=ids).order_by("seq")
    assert second.prev_hash == first.hash
    assert [audit.event_hash(first), audit.event_hash(second)] == [first.hash, second.hash]


@pytest.mark.postgres
def test_with_a_delay_the_writer_only_wakes_the_thread(settings, monkeypatch):
    """No query in the request: the wake is all a commit costs."""
    settings.AUDIT_SEQUENCE_DELAY_SECONDS = 0.05
    woken = []
    monkeypatch.setattr(audit._background, "wake", lambda: woken.append(True))
    monkeypatch.setattr(audit, "sequence_pending", lambda **kwargs: pytest.fail("ran inline"))

    audit._sequence_after_commit()

    assert woken == [True]


@pytest.mark.django_db
def test_on_sqlite_the_writer_sequences_whatever_the_delay(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    """SQLite's writers take turns on one lock: a sequencer thread would starve the writes
    made outside a transaction, so the writer chains its own events after its commit."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's rule")
    settings.AUDIT_SEQUENCE_DELAY_SECONDS = 0.05
    monkeypatch.setattr(audit._background, "wake", lambda: pytest.fail("woke the thread"))

    with django_capture_on_commit_callbacks(execute=True):
        event = record_event(action=Action.SIGN_IN, data={"n": 1})

    assert AuditEvent.objects.get(pk=event.pk).seq is not None
