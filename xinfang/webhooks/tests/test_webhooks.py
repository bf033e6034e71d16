"""Webhooks against a real HTTP receiver on 127.0.0.1: signatures, retries with backoff, giving up,
replay, nothing sent for a rolled-back change, per-organisation filtering, the SSRF guard, and the
matter status event emitted from the one place (`matter_transition`)."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.petitions.services.triage import matter_accept_here, matter_triage
from xinfang.petitions.states import LevelDecision, Nature
from xinfang.petitions.testing import register_walk_in
from xinfang.webhooks.events import HOTLINE_ORDER_STATUS_CHANGED, MATTER_REGISTERED, MATTER_STATUS_CHANGED
from xinfang.webhooks.models import DeliveryStatus, WebhookDelivery
from xinfang.webhooks.services import (
    delivery_body,
    endpoints_for,
    retry_delay,
    webhook_deliveries_sweep,
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_endpoint_update,
    webhook_event_emit,
)
from xinfang.webhooks.signing import signature_compute, signature_verify
from xinfang.webhooks.tasks import webhook_delivery_attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(mini):  # type: ignore[no-untyped-def]
    return make_user((Role.SYSTEM_ADMIN, mini.district))


def endpoint_for(admin, organisation, url, **extra):  # type: ignore[no-untyped-def]
    values = {"event_types": [MATTER_STATUS_CHANGED], **extra}
    return webhook_endpoint_create(actor=admin, organisation=organisation, url=url, **values)


def emit(organisation, capture, event_type=MATTER_STATUS_CHANGED, payload=None):  # type: ignore[no-untyped-def]
    """Emit one event in a committed transaction (on-commit callbacks run, as in production)."""
    with capture(execute=True), transaction.atomic():
        return webhook_event_emit(event_type=event_type, organisation=organisation, payload=payload or {"x": 1})


class SignatureTests:
    def test_delivery_is_signed_and_the_receiver_verifies_it(
        self, mini, admin, receiver, django_capture_on_commit_callbacks
    ):
        endpoint = endpoint_for(admin, mini.petition_bureau, receiver.url)
        [delivery] = emit(mini.petition_bureau, django_capture_on_commit_callbacks, payload={"matter_id": 7})
        assert len(receiver.requests) == 1
        request = receiver.requests[0]
        headers = {k.lower(): v for k, v in request.headers.items()}
        assert headers["x-xinfang-event"] == MATTER_STATUS_CHANGED
        assert headers["x-xinfang-delivery"] == str(delivery.uuid)
        assert headers["x-xinfang-signature"].startswith("sha256=")
        assert signature_verify(
            secret=endpoint.secret,
            timestamp=headers["x-xinfang-timestamp"],
            body=request.body,
            signature=headers["x-xinfang-signature"],
        )
        # A tampered body or another secret does not verify.
        assert not signature_verify(
            secret=endpoint.secret,
            timestamp=headers["x-xinfang-timestamp"],
            body=request.body + b" ",
            signature=headers["x-xinfang-signature"],
        )
        assert not signature_verify(
            secret="other",
            timestamp=headers["x-xinfang-timestamp"],
            body=request.body,
            signature=headers["x-xinfang-signature"],
        )
        envelope = request.json
        assert envelope["type"] == MATTER_STATUS_CHANGED
        assert envelope["id"] == str(delivery.event_id)
        assert envelope["organisation"] == mini.petition_bureau.code
        assert envelope["data"] == {"matter_id": 7}
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.SUCCEEDED, 1, 200)

    def test_signature_is_over_timestamp_dot_body_and_old_timestamps_are_refused(self):
        body = b'{"a":1}'
        sig = signature_compute(secret="s3cret", timestamp="1700000000", body=body)
        assert sig.startswith("sha256=") and len(sig) == 7 + 64
        assert signature_verify(secret="s3cret", timestamp="1700000000", body=body, signature=sig, now=1700000100)
        assert not signature_verify(secret="s3cret", timestamp="1700000000", body=body, signature=sig, now=1700001000)
        assert not signature_verify(secret="s3cret", timestamp="nope", body=body, signature=sig)


class RetryTests:
    def test_retry_after_500_then_success(self, mini, admin, receiver, django_capture_on_commit_callbacks, settings):
        settings.XINFANG_WEBHOOK_RETRY_BASE_SECONDS = 60
        endpoint_for(admin, mini.petition_bureau, receiver.url)
        receiver.answers = [500]
        [delivery] = emit(mini.petition_bureau, django_capture_on_commit_callbacks)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.attempts == 1 and delivery.last_status_code == 500
        assert delivery.last_response == "receiver error"
        wait = delivery.next_attempt_at - delivery.last_attempt_at
        assert datetime.timedelta(seconds=59) < wait <= datetime.timedelta(seconds=61)
        # Not due yet: the sweep leaves it.
        assert webhook_deliveries_sweep()["succeeded"] == 0
        assert len(receiver.requests) == 1
        counts = webhook_deliveries_sweep(now=delivery.next_attempt_at)
        assert counts["succeeded"] == 1
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (DeliveryStatus.SUCCEEDED, 2, None)
        first, second = receiver.requests
        assert first.body == second.body  # the same event, byte for byte
        assert first.headers["X-Xinfang-Delivery"] == second.headers["X-Xinfang-Delivery"]

    def test_backoff_doubles_and_is_capped(self, settings):
        settings.XINFANG_WEBHOOK_RETRY_BASE_SECONDS = 60
        settings.XINFANG_WEBHOOK_RETRY_MAX_SECONDS = 600
        assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5, 6)] == [60, 120, 240, 480, 600, 600]

    def test_given_up_after_max_attempts(self, mini, admin, receiver, django_capture_on_commit_callbacks, settings):
        settings.XINFANG_WEBHOOK_MAX_ATTEMPTS = 3
        endpoint_for(admin, mini.petition_bureau, receiver.url)
        receiver.answers = [500, 503, 502, 200]
        [delivery] = emit(mini.petition_bureau, django_capture_on_commit_callbacks)
        later = timezone.now()
        for _ in range(4):
            later += datetime.timedelta(days=1)
            webhook_deliveries_sweep(now=later)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.GIVEN_UP
        assert delivery.attempts == 3 and delivery.next_attempt_at is None
        assert len(receiver.requests) == 3  # nothing after giving up

    def test_unreachable_receiver_counts_as_a_failed_attempt(
        self, mini, admin, receiver, django_capture_on_commit_callbacks
    ):
        url = receiver.url
        endpoint_for(admin, mini.petition_bureau, url)
        receiver.stop()
        [delivery] = emit(mini.petition_bureau, django_capture_on_commit_callbacks)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.last_status_code is None and delivery.last_error

    def test_the_task_attempts_once_and_leaves_retries_to_the_sweep_without_deferral(
        self, mini, admin, receiver, django_capture_on_commit_callbacks
    ):
        """The immediate test backend cannot defer jobs: a failure is not retried at once in a loop."""
        endpoint_for(admin, mini.petition_bureau, receiver.url)
        receiver.answers = [500, 500]
        [delivery] = emit(mini.petition_bureau, django_capture_on_commit_callbacks)
        assert len(receiver.requests) == 1
        webhook_delivery_attempt.enqueue(delivery.pk)  # not due yet: nothing sent
        assert len(receiver.requests) == 1


class ReplayTests:
    def test_replay_sends_the_same_event_again_and_is_audited(
        self, mini, admin, receiver, django_capture_on_commit_callbacks
    ):
        endpoint_for(admin, mini.petition_bureau, receiver.url)
        [delivery] = emit(mini.petition_bureau, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            replay = webhook_delivery_replay(actor=admin, delivery=delivery)
        replay.refresh_from_db()
        assert replay.replay_of == delivery
        assert replay.event_id == delivery.event_id and replay.uuid != delivery.uuid
        assert replay.status == DeliveryStatus.SUCCEEDED
        assert len(receiver.requests) == 2
        assert receiver.requests[0].json["id"] == receiver.requests[1].json["id"]
        event = AuditEvent.objects.get(action="webhook.delivery_replay")
        assert event.summary["replay_of"] == delivery.pk

    def test_replay_is_refused_while_pending_and_without_the_right(self, mini, admin, receiver):
        endpoint_for(admin, mini.petition_bureau, receiver.url)
        [delivery] = webhook_event_emit(event_type=MATTER_STATUS_CHANGED, organisation=mini.petition_bureau, payload={})
        with pytest.raises(ValidationError):
            webhook_delivery_replay(actor=admin, delivery=delivery)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.GIVEN_UP)
        clerk = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        with pytest.raises(PermissionDenied):
            webhook_delivery_replay(actor=clerk, delivery=delivery)


class TransactionTests:
    def test_no_delivery_when_the_transaction_rolls_back(
        self, mini, admin, receiver, django_capture_on_commit_callbacks
    ):
        endpoint_for(admin, mini.petition_bureau, receiver.url)
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            pytest.raises(RuntimeError),
            transaction.atomic(),
        ):
            webhook_event_emit(event_type=MATTER_STATUS_CHANGED, organisation=mini.petition_bureau, payload={})
            raise RuntimeError("the change fails")
        assert callbacks == []
        assert WebhookDelivery.objects.count() == 0
        assert receiver.requests == []

    def test_the_delivery_is_written_in_the_callers_transaction_and_sent_after_commit(
        self, mini, admin, receiver, django_capture_on_commit_callbacks
    ):
        endpoint_for(admin, mini.petition_bureau, receiver.url)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            [delivery] = webhook_event_emit(
                event_type=MATTER_STATUS_CHANGED, organisation=mini.petition_bureau, payload={}
            )
        assert delivery.status == DeliveryStatus.PENDING and len(callbacks) == 1
        assert receiver.requests == []  # nothing leaves before the commit


class FilteringTests:
    def test_endpoints_of_the_organisation_and_of_ancestors_that_include_their_subtree(self, mini, admin, receiver):
        own = endpoint_for(admin, mini.town_a, receiver.url)
        district_tree = endpoint_for(admin, mini.district, receiver.url, include_subtree=True)
        district_own = endpoint_for(admin, mini.district, receiver.url)  # the district's own events only
        town_b_tree = endpoint_for(admin, mini.town_b, receiver.url, include_subtree=True)  # another branch
        inactive = endpoint_for(admin, mini.town_a, receiver.url)
        webhook_endpoint_update(actor=admin, endpoint=inactive, is_active=False)
        other_type = endpoint_for(admin, mini.town_a, receiver.url, event_types=[HOTLINE_ORDER_STATUS_CHANGED])
        assert endpoints_for(event_type=MATTER_STATUS_CHANGED, organisation=mini.town_a) == [own, district_tree]
        assert endpoints_for(event_type=MATTER_STATUS_CHANGED, organisation=mini.village_a1) == [district_tree]
        assert endpoints_for(event_type=HOTLINE_ORDER_STATUS_CHANGED, organisation=mini.town_a) == [other_type]
        deliveries = webhook_event_emit(event_type=MATTER_STATUS_CHANGED, organisation=mini.village_a1, payload={})
        assert [d.endpoint for d in deliveries] == [district_tree]
        assert endpoints_for(event_type=MATTER_STATUS_CHANGED, organisation=mini.district) == [
            district_tree,
            district_own,
        ]
        assert endpoints_for(event_type=MATTER_STATUS_CHANGED, organisation=mini.town_b) == [district_tree, town_b_tree]

    def test_unknown_event_types_are_refused(self, mini, admin, receiver):
        with pytest.raises(ValidationError) as raised:
            endpoint_for(admin, mini.town_a, receiver.url, event_types=["matter.deleted"])
        assert "event_types" in raised.value.message_dict
        with pytest.raises(ValueError):
            webhook_event_emit(event_type="matter.deleted", organisation=mini.town_a, payload={})


class SsrfGuardTests:
    @pytest.mark.parametrize(
        "url",
        [
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:8000/hook",
            "http://127.1.2.3/hook",
            "http://localhost/hook",
            "http://[::1]/hook",
            "http://0.0.0.0/hook",
            "ftp://example.org/hook",
            "file:///etc/passwd",
            "http://user:pw@example.org/hook",
        ],
    )
    def test_refused_urls(self, mini, admin, url, settings):
        settings.XINFANG_WEBHOOK_ALLOWED_NETWORKS = []
        with pytest.raises(ValidationError) as raised:
            endpoint_for(admin, mini.town_a, url)
        assert "url" in raised.value.message_dict

    def test_private_intranet_addresses_are_allowed_and_loopback_only_by_setting(self, mini, admin, settings):
        settings.XINFANG_WEBHOOK_ALLOWED_NETWORKS = []
        assert endpoint_for(admin, mini.town_a, "https://10.20.30.40/hook").pk
        settings.XINFANG_WEBHOOK_BLOCKED_NETWORKS = ["10.0.0.0/8"]
        with pytest.raises(ValidationError):
            endpoint_for(admin, mini.town_a, "https://10.20.30.41/hook")
        settings.XINFANG_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]
        assert endpoint_for(admin, mini.town_a, "http://127.0.0.1:9/hook").pk
        with pytest.raises(ValidationError):
            endpoint_for(admin, mini.town_a, "http://169.254.169.254/")

    def test_the_guard_is_applied_again_at_every_attempt(
        self, mini, admin, receiver, django_capture_on_commit_callbacks, settings
    ):
        endpoint_for(admin, mini.petition_bureau, receiver.url)
        settings.XINFANG_WEBHOOK_ALLOWED_NETWORKS = []  # the allow-list changed after the endpoint was saved
        [delivery] = emit(mini.petition_bureau, django_capture_on_commit_callbacks)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.last_error.startswith("refused")
        assert receiver.requests == []


class MatterStatusEventTests:
    def test_a_matter_transition_emits_matter_status_changed_without_personal_data(
        self, mini, admin, receiver, django_capture_on_commit_callbacks
    ):
        endpoint_for(admin, mini.district, receiver.url, include_subtree=True)
        matter = register_walk_in(mini)
        head = make_user((Role.BUREAU_HEAD, mini.petition_bureau))
        matter_triage(actor=head, matter=matter, level=LevelDecision.THIS_LEVEL, nature=Nature.GRIEVANCE)
        assert WebhookDelivery.objects.count() == 0  # triage changes no status
        with django_capture_on_commit_callbacks(execute=True):
            matter_accept_here(actor=head, matter=matter)
        [request] = receiver.requests
        data = request.json["data"]
        assert request.json["type"] == MATTER_STATUS_CHANGED
        assert data["matter_id"] == matter.pk and data["number"] == matter.number
        assert (data["old_status"], data["new_status"], data["action"]) == ("registered", "accepted", "matter.accept")
        assert data["organisation"] == mini.petition_bureau.code
        assert "public_ref" in data and data["occurred_at"]
        body = request.body.decode()
        for personal in ("张三", "13800001111", "440115199001011234", "测试路1号"):
            assert personal not in body

    def test_registering_a_matter_emits_matter_registered_once_without_personal_data(
        self, mini, admin, receiver, django_capture_on_commit_callbacks
    ):
        endpoint_for(admin, mini.district, receiver.url, include_subtree=True, event_types=[MATTER_REGISTERED])
        with django_capture_on_commit_callbacks(execute=True):
            matter = register_walk_in(mini)
        [request] = receiver.requests
        data = request.json["data"]
        assert request.json["type"] == MATTER_REGISTERED
        assert (data["matter_id"], data["number"], data["status"]) == (matter.pk, matter.number, "registered")
        assert data["organisation"] == matter.registered_org.code and data["channel"] == matter.channel
        body = request.body.decode()
        for personal in ("张三", "13800001111", "440115199001011234", "测试路1号"):
            assert personal not in body
        # Only subscribers of the type receive it: a status-change subscriber gets nothing here.
        assert WebhookDelivery.objects.filter(event_type=MATTER_STATUS_CHANGED).count() == 0

    def test_body_is_stable_json(self, mini, admin, receiver):
        endpoint_for(admin, mini.town_a, receiver.url)
        [delivery] = webhook_event_emit(
            event_type=MATTER_STATUS_CHANGED, organisation=mini.town_a, payload={"b": 2, "a": "甲"}
        )
        body = delivery_body(delivery)
        assert body == delivery_body(WebhookDelivery.objects.get(pk=delivery.pk))
        assert json.loads(body)["data"] == {"a": "甲", "b": 2}
        assert "甲".encode() in body  # UTF-8, not \\u escapes


class SweepCommandTests:
    def test_webhooks_sweep_sends_due_retries(self, mini, admin, receiver, django_capture_on_commit_callbacks):
        from io import StringIO

        from django.core.management import call_command

        endpoint_for(admin, mini.petition_bureau, receiver.url)
        receiver.answers = [500]
        [delivery] = emit(mini.petition_bureau, django_capture_on_commit_callbacks)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # its time has come
        out = StringIO()
        call_command("webhooks_sweep", stdout=out)
        assert "succeeded 1" in out.getvalue()
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SUCCEEDED and delivery.attempts == 2
