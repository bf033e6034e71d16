"""Outbox delivery (at least once, idempotency key, retry with backoff) and the petitioners'
messages written by the audit listener in the writer's transaction."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.notify import services
from xinfang.notify.models import OutboxMessage
from xinfang.notify.services import clock_sweep, outbox_deliver, retry_delay
from xinfang.notify.states import Audience, OutboxStatus
from xinfang.notify.tasks import outbox_deliver_task
from xinfang.petitions.testing import register_walk_in

from . import senders_for_tests
from .conftest import TUE

pytestmark = pytest.mark.django_db

TEST_SENDERS = "xinfang.notify.tests.senders_for_tests"


@pytest.fixture(autouse=True)
def _fresh_senders():
    services._sender.cache_clear()
    senders_for_tests.SENT.clear()
    yield
    services._sender.cache_clear()


def staff_message(watch) -> OutboxMessage:  # type: ignore[no-untyped-def]
    watch.clock()
    clock_sweep(actor=SYSTEM, today=TUE)
    return OutboxMessage.objects.get(audience=Audience.STAFF)


class DeliveryTests:
    def test_console_sender_by_default(self, watch, caplog):
        message = staff_message(watch)
        with caplog.at_level("INFO", logger="xinfang.notify.outbox"):
            result = outbox_deliver(actor=SYSTEM)
        assert result.sent == 1
        message.refresh_from_db()
        assert message.status == OutboxStatus.SENT and message.attempts == 1 and message.sent_at
        assert message.key in caplog.text
        assert outbox_deliver(actor=SYSTEM).sent == 0  # sent once

    def test_email_sender_hands_over_the_idempotency_key(self, watch, settings):
        settings.XINFANG_NOTIFY_SENDERS = {"email": "xinfang.notify.senders.EmailSender"}
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        message = staff_message(watch)
        outbox_deliver(actor=SYSTEM)
        assert len(mail.outbox) == 1
        sent = mail.outbox[0]
        assert sent.to == ["head@example.org"] and sent.extra_headers["X-Idempotency-Key"] == message.key
        assert "即将到期" in sent.subject

    def test_failure_is_recorded_and_retried_with_backoff(self, watch, settings):
        settings.XINFANG_NOTIFY_SENDERS = {"email": f"{TEST_SENDERS}.DownGateway"}
        settings.XINFANG_NOTIFY = {"MAX_ATTEMPTS": 3, "RETRY_BASE_SECONDS": 60}
        message = staff_message(watch)
        now = timezone.now()
        assert outbox_deliver(actor=SYSTEM, now=now).retried == 1
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING and message.attempts == 1
        assert "gateway unreachable" in message.last_error
        assert message.next_attempt_at == now + datetime.timedelta(seconds=60)
        assert outbox_deliver(actor=SYSTEM, now=now).retried == 0  # not due yet
        later = now + datetime.timedelta(minutes=1)
        outbox_deliver(actor=SYSTEM, now=later)
        message.refresh_from_db()
        assert message.attempts == 2 and message.next_attempt_at == later + datetime.timedelta(seconds=120)
        assert outbox_deliver(actor=SYSTEM, now=later + datetime.timedelta(hours=1)).failed == 1
        message.refresh_from_db()
        assert message.status == OutboxStatus.FAILED and message.attempts == 3

    def test_recovered_gateway_gets_the_same_key(self, watch, settings):
        settings.XINFANG_NOTIFY_SENDERS = {"email": f"{TEST_SENDERS}.DownGateway"}
        message = staff_message(watch)
        outbox_deliver(actor=SYSTEM)
        settings.XINFANG_NOTIFY_SENDERS = {"email": f"{TEST_SENDERS}.RecordingGateway"}
        outbox_deliver(actor=SYSTEM, now=timezone.now() + datetime.timedelta(hours=1))
        sent = list(senders_for_tests.SENT)
        assert sent == [(message.key, "head@example.org")]

    def test_backoff_is_capped(self, settings):
        settings.XINFANG_NOTIFY = {"RETRY_BASE_SECONDS": 60, "RETRY_MAX_SECONDS": 600}
        assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [60, 120, 240, 480, 600]

    def test_command_and_task(self, watch, capsys):
        staff_message(watch)
        call_command("outbox_deliver")
        assert "sent 1" in capsys.readouterr().out
        assert outbox_deliver_task.enqueue().return_value == {"sent": 0, "retried": 0, "failed": 0}


class PetitionerTests:
    def petitioner_messages(self) -> list[OutboxMessage]:
        return list(OutboxMessage.objects.filter(audience=Audience.PETITIONER).order_by("id"))

    def test_registration_is_told_to_the_petitioner(self, mini):
        """XF-CH-05: the petitioner is told the matter is registered, with the public query reference
        and nothing else (no names, no content); one message per (event, person)."""
        matter = register_walk_in(mini)
        (message,) = self.petitioner_messages()
        assert message.address == "13800001111" and message.channel == "sms"
        assert (matter.public_ref or matter.number) in message.body and "张三" not in message.body
        assert message.key.startswith("audit:") and message.key.endswith(":sms")

    def test_group_representatives_each_get_one(self, mini):
        from xinfang.petitions.services.intake import PetitionerData
        from xinfang.petitions.states import ParticipantRole

        people = [
            PetitionerData(name="甲", phone="13800000011", role=ParticipantRole.REPRESENTATIVE),
            PetitionerData(name="乙", phone="13800000012", role=ParticipantRole.REPRESENTATIVE),
            PetitionerData(name="丙", phone="13800000013", role=ParticipantRole.PARTICIPANT),
        ]
        register_walk_in(mini, petitioners=people, group_size=3)
        assert sorted(m.address for m in self.petitioner_messages()) == ["13800000011", "13800000012"]

    def test_anonymous_matters_send_nothing(self, mini):
        register_walk_in(mini, is_anonymous=True, nature_hint="report", petitioners=[])
        assert self.petitioner_messages() == []

    def test_history_imported_late_sends_nothing(self, mini):
        register_walk_in(mini, received_at=timezone.now() - datetime.timedelta(days=400))
        assert self.petitioner_messages() == []

    def test_rolled_back_step_sends_nothing(self, mini):
        """The message is written in the writer's transaction: no step, no message."""
        with pytest.raises(RuntimeError), transaction.atomic():
            register_walk_in(mini)
            raise RuntimeError("the writer fails after the step")
        assert self.petitioner_messages() == []

    def test_never_to_the_person_reported(self, mini):
        """XF-CLS-03: a report on an official is never messaged to the official, even when the
        number entered for a petitioner is the official's."""
        from xinfang.accounts.roles import Role
        from xinfang.core.testing import make_user
        from xinfang.notify.listeners import petitioner_steps

        official = make_user((Role.UNIT_HEAD, mini.housing_bureau), phone="13800001111")
        matter = register_walk_in(mini, is_anonymous=False)
        OutboxMessage.objects.all().delete()
        matter.reported_users.add(official)
        from xinfang.audit.services import audit_record

        event = audit_record(actor=SYSTEM, action="matter.conclude", target=matter, org_id=matter.current_org_id)
        petitioner_steps(event)  # once more: still nothing (and no repeat)
        assert self.petitioner_messages() == []

    def test_a_known_step_is_told_once(self, mini):
        from xinfang.audit.services import audit_record
        from xinfang.notify.listeners import petitioner_steps

        matter = register_walk_in(mini)
        event = audit_record(actor=SYSTEM, action="matter.accept", target=matter, org_id=matter.current_org_id)
        petitioner_steps(event)  # delivered twice to the listener: one message
        messages = [m for m in self.petitioner_messages() if m.key.startswith(f"audit:{event.pk}:")]
        assert len(messages) == 1 and "已受理" in messages[0].body

    def test_other_actions_are_ignored(self, mini, django_assert_num_queries):
        from xinfang.notify.listeners import petitioner_steps

        class Event:
            action = "matter.attachment_add"
            object_type = "petitions.matter"

        with django_assert_num_queries(0):
            petitioner_steps(Event())
