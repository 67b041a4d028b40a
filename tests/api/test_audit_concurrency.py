"""The audit sequencer under concurrent writers on PostgreSQL: every event chained exactly once,
with no gap, whoever runs the sequencer (each writer after its commit, `sequence_audit` beside
them); a writer finding another sequencer at work goes on without waiting.

Real threads with their own connections and committed transactions (`transaction=True`); in
tests/api, like tests/api/test_concurrency.py, so they run before tests/browser."""

import threading
import time

import pytest
from django.db import connections, transaction

from lms.audit import Action, record_event, sequence_pending, verify_chain
from lms.models import AuditChainHead, AuditEvent
from tests.api.test_concurrency import run_together


def chain_head() -> AuditChainHead:
    """The chain head after chaining whatever is pending (made if there is none yet)."""
    sequence_pending()
    return AuditChainHead.objects.get_or_create(pk=1)[0]


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WRITERS = 8
TRANSACTIONS = 20


def test_concurrent_writers_and_sequencers_chain_every_event_once_without_gaps():
    start = chain_head().seq
    done, lock = [0], threading.Lock()

    def writer(i: int) -> list[int]:
        ids = []
        try:
            for n in range(TRANSACTIONS):
                with transaction.atomic():  # its sequencer runs after this commit, not waiting
                    for _ in range(1 + (i + n) % 3):
                        ids.append(record_event(action=Action.SIGN_IN, data={"w": i, "n": n}).pk)
        finally:
            with lock:
                done[0] += 1
        return ids

    def sequencer() -> int:  # `sequence_audit`, run by a background job meanwhile
        chained = 0
        while True:
            last_round = done[0] == WRITERS
            chained += sequence_pending(batch_size=7)
            if last_round:
                return chained

    results = run_together(WRITERS + 2, lambda i: writer(i) if i < WRITERS else sequencer())

    assert not [r for r in results if isinstance(r, Exception)], results
    written = sorted(i for r in results[:WRITERS] for i in r)
    assert len(written) == sum(1 + (i + n) % 3 for i in range(WRITERS) for n in range(TRANSACTIONS))
    chained = list(
        AuditEvent.objects.filter(seq__gt=start).order_by("seq").values_list("seq", "id")
    )
    assert [seq for seq, _ in chained] == list(range(start + 1, start + 1 + len(written)))
    assert sorted(i for _, i in chained) == written  # each event once, none left out
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert list(verify_chain()) == []


def test_a_writer_does_not_wait_for_a_sequencer_at_work():
    record_event(action=Action.SIGN_IN)  # committed; its own sequencer chained it
    holding, release = threading.Event(), threading.Event()

    def busy_sequencer():
        try:
            with transaction.atomic():
                AuditChainHead.objects.select_for_update().get(pk=1)
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=busy_sequencer)
    thread.start()
    try:
        assert holding.wait(10)
        with transaction.atomic():
            event = record_event(action=Action.SIGN_IN)
        started = time.perf_counter()
        assert sequence_pending(wait=False) == 0  # gives up at once: the head is taken
        assert time.perf_counter() - started < 1
        assert AuditEvent.objects.get(pk=event.pk).seq is None
    finally:
        release.set()
        thread.join(10)

    assert sequence_pending() == 1
    assert AuditEvent.objects.get(pk=event.pk).seq is not None
    assert list(verify_chain()) == []
