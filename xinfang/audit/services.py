"""Writing to the audit log. Every write service calls `audit_record` inside its own transaction."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from xinfang.core.middleware import current_request_id

from .models import AuditEvent

GENESIS_HASH = "0" * 64
_PG_LOCK_KEY = 7_201_220  # pg_advisory_xact_lock key that serialises appends to the chain


def event_digest(*, prev_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and a canonical JSON of the row's content."""
    canonical = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """The content a hash covers, in a stable form."""
    return {
        "created_at": event.created_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_label": event.object_label,
        "org_id": event.org_id,
        "summary": event.summary,
        "request_id": event.request_id,
    }


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
    non-personal fields. Must run inside the caller's transaction so that the event and the change
    it records commit or roll back together."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_label = object_label or str(target)[:200]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
        # SQLite: transactions begin IMMEDIATE (settings), so the write lock is already held.
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            created_at=timezone.now(),
            actor_id=getattr(actor, "pk", None),
            actor_label=(getattr(actor, "get_username", lambda: "")() if actor is not None else "system")[:150],
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_label=object_label[:200],
            org_id=org_id,
            summary=summary or {},
            request_id=current_request_id(),
            prev_hash=last or GENESIS_HASH,
        )
        # Round-trip the timestamp through the database's precision before hashing.
        event.created_at = event.created_at.replace(microsecond=event.created_at.microsecond)
        event.hash = event_digest(prev_hash=event.prev_hash, fields=event_fields(event))
        event.save(force_insert=True)
    return event
