"""audit_batch: the events of a block appended together at its end, chained in the order recorded,
with the listeners of XINFANG_AUDIT_LISTENERS called in the same transaction (ADR 0002)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_batch, audit_record

from .conftest import append_events, verify_database

pytestmark = pytest.mark.django_db

SEEN: list[tuple[str, int | None]] = []


def remember(event: AuditEvent) -> None:
    """A listener for the tests: what it received and whether the event was stored by then."""
    SEEN.append((event.action, event.pk))


BATCHES: list[list[str]] = []


def remember_batches(events: list[AuditEvent]) -> None:
    BATCHES.append([event.action for event in events])


remember_batches.takes_batches = True  # type: ignore[attr-defined]


def _record(action: str, n: int) -> AuditEvent:
    return audit_record(actor=None, action=action, object_type="tests.thing", object_id=str(n))


def test_a_batch_appends_its_events_in_order_at_the_end_and_the_chain_verifies():
    append_events(2)
    with transaction.atomic(), audit_batch():
        first = _record("test.first", 1)
        second = _record("test.second", 2)
        assert first.pk is None and second.pk is None  # nothing written inside the block
        assert AuditEvent.objects.count() == 2
    stored = list(AuditEvent.objects.order_by("id").values_list("action", "prev_hash", "hash"))
    assert [row[0] for row in stored[-2:]] == ["test.first", "test.second"]
    assert stored[-1][1] == stored[-2][2] and stored[-2][1] == stored[-3][2]  # linked in order
    result = verify_database()
    assert result.broken is None and result.count == 4


def test_a_batch_takes_the_chain_lock_and_reads_the_last_hash_once():
    append_events(1)
    with transaction.atomic(), CaptureQueriesContext(connection) as captured, audit_batch():
        for n in range(3):
            _record("test.many", n)
    last_hash_reads = [q for q in captured.captured_queries if "ORDER BY id DESC LIMIT 1" in q["sql"]]
    inserts = [q for q in captured.captured_queries if q["sql"].startswith('INSERT INTO "audit_auditevent"')]
    assert len(last_hash_reads) == 1
    assert len(inserts) == 1
    assert AuditEvent.objects.filter(action="test.many").count() == 3


def test_a_nested_batch_adds_to_the_outer_one():
    with transaction.atomic(), audit_batch():
        _record("test.outer", 1)
        with audit_batch():
            _record("test.inner", 2)
        assert AuditEvent.objects.count() == 0
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == ["test.outer", "test.inner"]


def test_an_exception_in_the_batch_writes_nothing():
    with pytest.raises(RuntimeError), transaction.atomic(), audit_batch():
        _record("test.lost", 1)
        raise RuntimeError("the service failed")
    assert AuditEvent.objects.count() == 0
    # The next batch starts empty.
    with transaction.atomic(), audit_batch():
        _record("test.next", 2)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.next"]


@override_settings(XINFANG_AUDIT_LISTENERS=["xinfang.audit.tests.test_batch.remember"])
def test_listeners_receive_every_event_once_stored_in_the_writers_transaction():
    SEEN.clear()
    _record("test.single", 1)
    with transaction.atomic(), audit_batch():
        _record("test.a", 2)
        _record("test.b", 3)
    assert [action for action, _pk in SEEN] == ["test.single", "test.a", "test.b"]
    assert all(pk is not None for _action, pk in SEEN)
    SEEN.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        _record("test.rolled_back", 4)
        raise RuntimeError
    assert [action for action, _pk in SEEN] == ["test.rolled_back"]  # called, then rolled back with the write
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()


def test_without_listeners_nothing_else_runs(settings: Any):
    settings.XINFANG_AUDIT_LISTENERS = []
    SEEN.clear()
    _record("test.quiet", 1)
    assert SEEN == []


@override_settings(XINFANG_AUDIT_LISTENERS=["xinfang.audit.tests.test_batch.remember_batches"])
def test_a_listener_that_takes_batches_gets_each_batch_once():
    BATCHES.clear()
    _record("test.single", 1)
    with transaction.atomic(), audit_batch():
        _record("test.a", 2)
        _record("test.b", 3)
    assert BATCHES == [["test.single"], ["test.a", "test.b"]]
