"""Webhook endpoints and deliveries over the API and in the admin (webhook.manage): the secret is
shown once (create, rotate) and never in reads or lists; other users see nothing."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.testing import make_user
from xinfang.webhooks.events import MATTER_STATUS_CHANGED
from xinfang.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from xinfang.webhooks.services import webhook_endpoint_create, webhook_event_emit

pytestmark = pytest.mark.django_db

ENDPOINTS = "/api/v1/webhook-endpoints/"
DELIVERIES = "/api/v1/webhook-deliveries/"


def token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def admin(mini):  # type: ignore[no-untyped-def]
    return make_user((Role.SYSTEM_ADMIN, mini.district))


class EndpointApiTests:
    def test_create_shows_the_secret_once_then_reads_never_do(self, mini, admin, receiver):
        api = token_client(admin)
        body = {
            "organisation": mini.petition_bureau.pk,
            "url": receiver.url,
            "event_types": [MATTER_STATUS_CHANGED],
            "description": "12345平台",
        }
        created = api.post(ENDPOINTS, body, format="json", HTTP_IDEMPOTENCY_KEY="ep-1")
        assert created.status_code == 201, created.json()
        secret = created.json()["secret"]
        endpoint = WebhookEndpoint.objects.get()
        assert secret == endpoint.secret and len(secret) >= 40
        assert created["Location"].endswith(f"/{endpoint.pk}/")
        listed = api.get(ENDPOINTS).json()
        assert listed["count"] == 1 and "secret" not in listed["results"][0]
        one = api.get(f"{ENDPOINTS}{endpoint.pk}/")
        assert "secret" not in one.json() and one["ETag"]
        assert secret not in one.content.decode() and secret not in api.get(ENDPOINTS).content.decode()
        # The same key again replays the first answer, without a second endpoint.
        again = api.post(ENDPOINTS, body, format="json", HTTP_IDEMPOTENCY_KEY="ep-1")
        assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
        assert WebhookEndpoint.objects.count() == 1
        event = AuditEvent.objects.get(action="webhook.endpoint_create")
        assert secret not in str(event.summary)

    def test_update_rotate_and_delete(self, mini, admin, receiver):
        api = token_client(admin)
        endpoint = webhook_endpoint_create(
            actor=admin, organisation=mini.town_a, url=receiver.url, event_types=[MATTER_STATUS_CHANGED]
        )
        etag = api.get(f"{ENDPOINTS}{endpoint.pk}/")["ETag"]
        changed = api.patch(f"{ENDPOINTS}{endpoint.pk}/", {"is_active": False}, format="json", HTTP_IF_MATCH=etag)
        assert changed.status_code == 200 and changed.json()["is_active"] is False
        stale = api.patch(f"{ENDPOINTS}{endpoint.pk}/", {"description": "x"}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        rotated = api.post(f"{ENDPOINTS}{endpoint.pk}/rotate-secret/")
        assert rotated.status_code == 200 and rotated.json()["secret"] != endpoint.secret
        endpoint.refresh_from_db()
        assert endpoint.secret == rotated.json()["secret"]
        assert api.delete(f"{ENDPOINTS}{endpoint.pk}/").status_code == 204
        assert not WebhookEndpoint.objects.exists()
        assert AuditEvent.objects.filter(action="webhook.endpoint_delete").count() == 1

    def test_bad_input_comes_back_per_field(self, mini, admin, settings):
        settings.XINFANG_WEBHOOK_ALLOWED_NETWORKS = []
        api = token_client(admin)
        answer = api.post(
            ENDPOINTS,
            {"organisation": mini.town_a.pk, "url": "http://169.254.169.254/", "event_types": [MATTER_STATUS_CHANGED]},
            format="json",
        )
        assert answer.status_code == 400
        assert {e["attr"] for e in answer.json()["errors"]} == {"url"}
        answer = api.post(
            ENDPOINTS, {"organisation": mini.town_a.pk, "url": "https://10.1.1.1/", "event_types": ["x"]}, format="json"
        )
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["attr"].startswith("event_types")

    def test_other_users_see_nothing_and_may_not_create(self, mini, admin, receiver):
        endpoint = webhook_endpoint_create(
            actor=admin, organisation=mini.town_a, url=receiver.url, event_types=[MATTER_STATUS_CHANGED]
        )
        head = token_client(make_user((Role.BUREAU_HEAD, mini.petition_bureau)))
        assert head.get(ENDPOINTS).json()["count"] == 0
        assert head.get(f"{ENDPOINTS}{endpoint.pk}/").status_code == 404
        answer = head.post(
            ENDPOINTS,
            {"organisation": mini.town_a.pk, "url": receiver.url, "event_types": [MATTER_STATUS_CHANGED]},
            format="json",
        )
        assert answer.status_code == 403
        assert head.get(DELIVERIES).json()["count"] == 0


class DeliveryApiTests:
    def test_list_filter_and_replay(self, mini, admin, receiver, django_capture_on_commit_callbacks):
        webhook_endpoint_create(
            actor=admin, organisation=mini.town_a, url=receiver.url, event_types=[MATTER_STATUS_CHANGED]
        )
        receiver.answers = [500]
        with django_capture_on_commit_callbacks(execute=True):
            [delivery] = webhook_event_emit(event_type=MATTER_STATUS_CHANGED, organisation=mini.town_a, payload={})
        api = token_client(admin)
        listed = api.get(DELIVERIES, {"status": "failed"}).json()
        assert [row["id"] for row in listed["results"]] == [delivery.pk]
        assert listed["results"][0]["last_status_code"] == 500
        with django_capture_on_commit_callbacks(execute=True):
            replayed = api.post(f"{DELIVERIES}{delivery.pk}/replay/", HTTP_IDEMPOTENCY_KEY="r-1")
        assert replayed.status_code == 201
        replay = WebhookDelivery.objects.get(pk=replayed.json()["id"])
        assert replay.replay_of_id == delivery.pk and replay.status == DeliveryStatus.SUCCEEDED
        assert len(receiver.requests) == 2

    def test_list_queries_do_not_grow_with_rows(self, mini, admin, receiver, django_assert_max_num_queries):
        webhook_endpoint_create(
            actor=admin, organisation=mini.town_a, url=receiver.url, event_types=[MATTER_STATUS_CHANGED]
        )
        for _ in range(15):
            webhook_event_emit(event_type=MATTER_STATUS_CHANGED, organisation=mini.town_a, payload={})
        api = token_client(admin)
        with django_assert_max_num_queries(8):
            assert api.get(DELIVERIES).json()["count"] == 15


class AdminTests:
    @pytest.fixture
    def admin(self, mini):  # type: ignore[no-untyped-def]
        return make_user((Role.SYSTEM_ADMIN, mini.district), is_staff=True)

    def test_admin_create_shows_the_secret_once_and_not_in_the_list(self, client, mini, admin, receiver):
        client.force_login(admin)
        answer = client.post(
            "/admin/webhooks/webhookendpoint/add/",
            {
                "organisation": mini.petition_bureau.pk,
                "url": receiver.url,
                "event_types": [MATTER_STATUS_CHANGED],
                "is_active": "on",
                "description": "12345",
            },
            follow=True,
        )
        assert answer.status_code == 200
        endpoint = WebhookEndpoint.objects.get()
        assert endpoint.secret in answer.content.decode()  # the message after the redirect
        listing = client.get("/admin/webhooks/webhookendpoint/").content.decode()
        assert endpoint.url in listing and endpoint.secret not in listing
        change = client.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").content.decode()
        assert endpoint.secret not in change
        assert AuditEvent.objects.filter(action="webhook.endpoint_create").count() == 1

    def test_admin_refuses_link_local_addresses(self, client, mini, admin, settings):
        settings.XINFANG_WEBHOOK_ALLOWED_NETWORKS = []
        client.force_login(admin)
        answer = client.post(
            "/admin/webhooks/webhookendpoint/add/",
            {
                "organisation": mini.district.pk,
                "url": "http://169.254.169.254/",
                "event_types": [MATTER_STATUS_CHANGED],
            },
        )
        assert answer.status_code == 200 and not WebhookEndpoint.objects.exists()

    def test_delivery_log_replay_action(self, client, mini, admin, receiver, django_capture_on_commit_callbacks):
        webhook_endpoint_create(
            actor=admin, organisation=mini.town_a, url=receiver.url, event_types=[MATTER_STATUS_CHANGED]
        )
        with django_capture_on_commit_callbacks(execute=True):
            [delivery] = webhook_event_emit(event_type=MATTER_STATUS_CHANGED, organisation=mini.town_a, payload={})
        client.force_login(admin)
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(
                "/admin/webhooks/webhookdelivery/",
                {"action": "replay", "_selected_action": [delivery.pk]},
                follow=True,
            )
        assert answer.status_code == 200
        assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 1
        assert len(receiver.requests) == 2

    def test_admin_pages_are_closed_to_other_roles(self, client, mini):
        client.force_login(make_user((Role.BUREAU_HEAD, mini.petition_bureau), is_staff=True))
        assert client.get("/admin/webhooks/webhookendpoint/").status_code == 403
        assert client.get("/admin/webhooks/webhookdelivery/").status_code == 403
