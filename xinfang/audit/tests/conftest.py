"""Helpers for the audit tests: append events and read the chain back from the database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from xinfang.audit.chain import HASHED_FIELDS, ChainResult, verify_rows
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record


def append_events(count: int, **kwargs: Any) -> list[AuditEvent]:
    """`count` events by the system actor (kwargs override audit_record's arguments)."""
    events = []
    for i in range(count):
        params: dict[str, Any] = {
            "actor": None,
            "action": "test.event",
            "object_type": "tests.thing",
            "object_id": str(i),
            "object_label": f"事项{i}",
            "summary": {"after": {"n": i}},
        }
        params.update(kwargs)
        events.append(audit_record(**params))
    return events


def verify_database() -> ChainResult:
    """Walk the chain as stored, the way audit_verify does."""
    rows = AuditEvent.objects.order_by("id").values_list("id", "prev_hash", "hash", *HASHED_FIELDS)
    return verify_rows(iter(rows))


@pytest.fixture
def add_events() -> Callable[..., list[AuditEvent]]:
    return append_events
