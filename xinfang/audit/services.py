"""Writing to the audit log. Every write service calls `audit_record` inside its own transaction."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from xinfang.core.middleware import current_request_id

from .chain import GENESIS_HASH, HASHED_FIELDS, event_digest, normalise_summary
from .models import AuditEvent

__all__ = ["GENESIS_HASH", "audit_batch", "audit_record", "event_digest", "event_values"]

_PG_LOCK_KEY = 7_201_220  # pg_advisory_xact_lock key that serialises appends to the chain
_LAST_HASH_SQL = f"SELECT hash FROM {AuditEvent._meta.db_table} ORDER BY id DESC LIMIT 1"  # noqa: S608
_MAX_LENGTHS = {"action": 64, "object_type": 64, "object_id": 64}


@functools.cache
def _listeners() -> tuple[Callable[[Any], None], ...]:
    return tuple(import_string(path) for path in getattr(settings, "XINFANG_AUDIT_LISTENERS", ()))


def _forget_listeners(*, setting: str, **_: Any) -> None:
    if setting == "XINFANG_AUDIT_LISTENERS":
        _listeners.cache_clear()


setting_changed.connect(_forget_listeners)

# The events of an open `audit_batch` block of this thread (None outside one).
_batch = threading.local()


@contextlib.contextmanager
def audit_batch() -> Iterator[None]:
    """Collect the events recorded in the block and append them together when it ends, under one
    lock and with one insert, in the order they were recorded. For services that record several
    events in one transaction (a registration and its clocks): the serialising lock of the chain is
    then taken at the end, just before the commit, instead of at the first event. Use it inside the
    service's transaction; a nested block adds to the outer one. An exception leaves the block
    without writing (the transaction is rolled back anyway). Inside the block `audit_record`
    returns the event unsaved (no id yet)."""
    if getattr(_batch, "events", None) is not None:
        yield
        return
    _batch.events = []
    try:
        yield
        events: list[AuditEvent] = _batch.events
    finally:
        _batch.events = None
    if events:
        _append(events)


def _append(events: list[AuditEvent]) -> None:
    """Chain `events` after the last stored event and insert them (see `audit_record`)."""
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
            # Plain SQL (a separate statement, so PostgreSQL reads after taking the lock): this
            # runs on every write, and the ORM would spend longer compiling it than running it.
            cursor.execute(_LAST_HASH_SQL)
            last = cursor.fetchone()
        prev_hash = last[0] if last else GENESIS_HASH
        for event in events:
            event.prev_hash = prev_hash
            # Taken under the lock, so timestamps follow the chain's order. Both databases keep microseconds.
            event.created_at = timezone.now()
            event.hash = prev_hash = event_digest(prev_hash=event.prev_hash, values=event_values(event))
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events)
        # Derived records kept current by the write itself (rollups, notifications): each listener
        # runs in this transaction, so it commits or rolls back with the change and its event.
        # A listener marked `takes_batches` gets the whole batch at once (one refresh per object).
        for listener in _listeners():
            if getattr(listener, "takes_batches", False):
                listener(events)
            else:
                for event in events:
                    listener(event)


def event_values(event: AuditEvent) -> tuple[Any, ...]:
    """The values a hash covers, in HASHED_FIELDS order."""
    return tuple(getattr(event, name) for name in HASHED_FIELDS)


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_label: str = "",
    org_id: int | None = None,
    summary: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain. `actor` is a user or None (system); `target` a model
    instance (its type, id and label are taken from it). `summary` holds before/after values of
    non-personal fields (ids, codes, states; dates and decimals become strings).

    Call it inside the caller's transaction, as the service's last write: the event and the change
    it records commit or roll back together, and appends are serialised from here to the commit
    (PostgreSQL: a transaction-level advisory lock; SQLite: every transaction begins IMMEDIATE,
    i.e. holds the write lock already). If the insert fails the caller's transaction is marked for
    rollback (no savepoint): a change can never commit without its event.

    The callables named in `settings.XINFANG_AUDIT_LISTENERS` then receive the saved event, in the
    same transaction; they must be quick and filter on `event.action` themselves. A listener with
    the attribute `takes_batches = True` receives the list of events appended together instead."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_label = object_label or str(target)
    values = {"action": action, "object_type": object_type, "object_id": str(object_id)}
    for name, limit in _MAX_LENGTHS.items():
        if len(values[name]) > limit:
            raise ValueError(f"audit {name} longer than {limit} characters: {values[name][:80]!r}")
    event = AuditEvent(
        actor_id=int(actor.pk) if getattr(actor, "pk", None) is not None else None,
        actor_label=(getattr(actor, "get_username", lambda: str(actor))() if actor is not None else "system")[:150],
        action=action,
        object_type=object_type,
        object_id=values["object_id"],
        object_label=object_label[:200],
        org_id=int(org_id) if org_id is not None else None,
        # Stored and hashed exactly as the database will return it (see chain.py).
        summary=normalise_summary(summary),
        request_id=current_request_id(),
    )
    pending = getattr(_batch, "events", None)
    if pending is not None:
        pending.append(event)
    else:
        _append([event])
    return event
