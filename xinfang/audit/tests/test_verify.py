"""audit_verify: exit 0 with the count when the chain holds; non-zero naming the first broken event
(expected vs found) after a row is altered, deleted, or the chain re-linked."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from xinfang.audit.chain import event_digest
from xinfang.audit.maintenance import audit_maintenance
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import event_values

from .conftest import append_events

pytestmark = pytest.mark.django_db


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def broken(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        verify(*args)
    assert exc.value.returncode == 1
    return str(exc.value)


def rehash_from(event_id: int) -> None:
    """What a careful forger does after deleting a row: re-link and re-hash everything after it."""
    previous = AuditEvent.objects.filter(id__lt=event_id).order_by("-id").first()
    prev_hash = previous.hash if previous else "0" * 64
    for event in AuditEvent.objects.filter(id__gte=event_id).order_by("id"):
        event.prev_hash = prev_hash
        event.hash = event_digest(prev_hash=prev_hash, values=event_values(event))
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
        prev_hash = event.hash


class AuditVerifyTests:
    def test_empty_log_is_intact(self):
        assert "OK: 0 events" in verify()

    def test_intact_chain_prints_count_and_head(self):
        events = append_events(10)
        output = verify("--chunk-size", "3")  # several chunks
        assert "OK: 10 events" in output
        assert f"head id={events[-1].pk} hash={events[-1].hash}" in output

    def test_altered_row_is_named_with_expected_and_found_hash(self):
        events = append_events(5)
        with audit_maintenance():
            AuditEvent.objects.filter(pk=events[2].pk).update(summary={"after": {"n": 999}})
        message = broken("--chunk-size", "2")
        assert f"event id={events[2].pk}" in message and "altered" in message
        assert "expected hash " in message and f"found {events[2].hash}" in message
        assert "after 2 good event(s)" in message

    def test_altered_timestamp_is_detected(self):
        events = append_events(3)
        with audit_maintenance():
            AuditEvent.objects.filter(pk=events[1].pk).update(created_at=events[0].created_at)
        assert f"event id={events[1].pk}" in broken()

    def test_deleted_row_in_the_middle_breaks_the_next_link(self):
        events = append_events(5)
        with audit_maintenance():
            AuditEvent.objects.filter(pk=events[2].pk).delete()
        message = broken()
        assert f"event id={events[3].pk} does not link" in message
        assert f"expected prev_hash {events[1].hash}, found {events[2].hash}" in message

    def test_relinked_but_not_rehashed_row_is_detected(self):
        events = append_events(5)
        with audit_maintenance():
            AuditEvent.objects.filter(pk=events[2].pk).delete()
            AuditEvent.objects.filter(pk=events[3].pk).update(prev_hash=events[1].hash)
        message = broken()
        assert f"event id={events[3].pk}" in message and "altered" in message

    def test_fully_recomputed_chain_needs_an_anchor_to_be_caught(self):
        events = append_events(5)
        anchor = f"{events[4].pk}:{events[4].hash}"  # printed by an earlier run, kept outside the database
        assert "OK: 5 events" in verify("--anchor", anchor)
        with audit_maintenance():
            AuditEvent.objects.filter(pk=events[2].pk).delete()
            rehash_from(events[3].pk)
        assert "OK: 4 events" in verify()  # links alone cannot see it (see the ADR's threat model)
        message = broken("--anchor", anchor)
        assert f"event id={events[4].pk}" in message and "anchor" in message
        missing = broken("--anchor", f"{events[2].pk}:{events[2].hash}")
        assert f"event id={events[2].pk}" in missing and "no such event" in missing

    def test_bad_anchor_is_a_usage_error(self):
        with pytest.raises(CommandError, match="ID:HASH"):
            verify("--anchor", "12:abc")


@pytest.mark.django_db(transaction=True)
class AuditVerifyExitStatusTests:
    """Transactional: run_from_argv closes the database connections when it ends."""

    def test_exit_status_from_the_command_line(self, capsys):
        events = append_events(3)
        ManagementUtility(["manage.py", "audit_verify"]).execute()  # returns: exit status 0
        assert "OK: 3 events" in capsys.readouterr().out
        with audit_maintenance():
            AuditEvent.objects.filter(pk=events[0].pk).update(actor_label="someone else")
        with pytest.raises(SystemExit) as exc:
            ManagementUtility(["manage.py", "audit_verify"]).execute()
        assert exc.value.code == 1
        assert f"event id={events[0].pk}" in capsys.readouterr().err
