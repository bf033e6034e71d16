"""audit_record: one linear chain whose hashes hold for the values as stored and read back, on both
databases (timestamps to the microsecond, jsonb's key order and number forms)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xinfang.audit.chain import GENESIS_HASH, canonical_bytes, event_digest
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record, event_values
from xinfang.core.actors import SYSTEM
from xinfang.core.middleware import RequestIdMiddleware
from xinfang.core.testing import make_user

from .conftest import append_events, verify_database

NOW = dt.datetime(2026, 1, 1, 8, 30, 0, 123456, tzinfo=dt.UTC)
TRICKY_SUMMARY: dict[Any, Any] = {
    "zeta": 1,
    "alpha": {"b": [3, 2, 1], "a": None, "长": "中文与繁體", "": True},
    "numbers": [1.0, 1e16, -0.0, 0.1, 1.5e-7, 2**70, -3, 1.7976931348623157e308, 5e-324],
    "when": dt.date(2026, 1, 31),
    "amount": Decimal("12.50"),
    "uid": uuid.UUID(int=7),
    "pair": (1, "two"),
    7: "int key",
    "quote": 'a "quoted" \\ back\nslash\ttab',
}


def stored(event: AuditEvent) -> AuditEvent:
    return AuditEvent.objects.get(pk=event.pk)


@pytest.mark.django_db
class AuditRecordTests:
    def test_events_form_one_linear_chain_from_genesis(self):
        events = append_events(4)
        assert events[0].prev_hash == GENESIS_HASH
        for previous, event in itertools.pairwise(events):
            assert event.prev_hash == previous.hash
        result = verify_database()
        assert result.broken is None and result.count == 4 and result.head_hash == events[-1].hash

    def test_hash_holds_for_the_values_read_back_from_the_database(self):
        event = audit_record(actor=None, action="test.tricky", object_type="tests.thing", summary=TRICKY_SUMMARY)
        again = stored(event)
        assert again.created_at == event.created_at  # microseconds survive
        assert again.created_at.microsecond == event.created_at.microsecond
        # jsonb may give numbers back in another form (1e16 as an int): the canonical bytes agree.
        assert canonical_bytes(event_values(again)) == canonical_bytes(event_values(event))
        assert event_digest(prev_hash=again.prev_hash, values=event_values(again)) == again.hash
        assert verify_database().broken is None

    def test_summary_is_normalised_through_json(self):
        event = stored(audit_record(actor=None, action="test.norm", object_type="t", summary=TRICKY_SUMMARY))
        assert event.summary["7"] == "int key"
        assert event.summary["pair"] == [1, "two"]
        assert event.summary["when"] == "2026-01-31"
        assert event.summary["amount"] == "12.50"
        assert event.summary["uid"] == str(uuid.UUID(int=7))

    def test_numbers_hash_by_value(self):
        def same(a, b) -> bool:
            return canonical_bytes([NOW, a]) == canonical_bytes([NOW, b])

        assert same(1, 1.0) and same(10**16, 1e16) and same(0, -0.0)
        assert same(int("17976931348623157" + "0" * 292), 1.7976931348623157e308)
        assert not same(0.1, 0.10000000000000002)
        assert not same(True, 1) and not same("1", 1) and not same(None, 0)
        assert same({"b": 1, "a": 2}, {"a": 2, "b": 1})
        with pytest.raises(ValueError):
            canonical_bytes([dt.datetime(2026, 1, 1), 1])  # naive timestamps are refused

    def test_bad_summaries_are_refused_before_anything_is_written(self):
        with pytest.raises(ValueError):
            audit_record(actor=None, action="t", object_type="t", summary={"x": float("nan")})
        with pytest.raises(TypeError):
            audit_record(actor=None, action="t", object_type="t", summary={"x": object()})
        with pytest.raises(TypeError):
            audit_record(actor=None, action="t", object_type="t", summary=["not", "a", "mapping"])  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            audit_record(actor=None, action="x" * 65, object_type="t")
        assert AuditEvent.objects.count() == 0

    def test_target_actor_and_org_are_taken_as_ids_and_labels(self, mini):
        user = make_user(username="auditor1")
        event = stored(audit_record(actor=user, action="test.target", target=mini.town_a, org_id=str(mini.town_a.pk)))  # type: ignore[arg-type]
        assert (event.object_type, event.object_id, event.object_label) == (
            "orgs.organisation",
            str(mini.town_a.pk),
            "甲镇",
        )
        assert (event.actor_id, event.actor_label, event.org_id) == (user.pk, "auditor1", mini.town_a.pk)
        system = stored(audit_record(actor=SYSTEM, action="test.system", object_type="t", object_id=5))  # type: ignore[arg-type]
        assert (system.actor_id, system.actor_label, system.object_id) == (None, "system", "5")
        assert verify_database().broken is None

    def test_request_id_is_recorded(self):
        def view(request):
            audit_record(actor=None, action="test.request", object_type="t")
            return HttpResponse()

        RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="req-0123456789"))
        assert AuditEvent.objects.get().request_id == "req-0123456789"

    def test_event_rolls_back_with_the_change_it_records(self):
        append_events(1)
        with pytest.raises(RuntimeError), transaction.atomic():
            append_events(1)
            raise RuntimeError("the service failed")
        assert AuditEvent.objects.count() == 1
        append_events(1)
        assert verify_database().count == 2

    def test_database_refuses_a_fork_of_the_chain(self):
        first, second = append_events(2)
        fork = AuditEvent(
            created_at=second.created_at, action="test.fork", object_type="t", prev_hash=first.hash, hash="f" * 64
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            fork.save(force_insert=True)

    json_values = st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=6),
                children,
                max_size=4,
            )
        ),
        max_leaves=12,
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(summary=st.dictionaries(st.text(max_size=6).filter(lambda k: "\x00" not in k), json_values, max_size=5))
    def test_any_json_summary_survives_the_round_trip(self, summary):
        event = audit_record(actor=None, action="test.property", object_type="t", summary=summary)
        again = stored(event)
        assert event_digest(prev_hash=again.prev_hash, values=event_values(again)) == event.hash
