"""The hotline-orders API: a walk from receipt to closure as the 12345 platform and the units would
call it; create idempotent by Idempotency-Key and by external id (201 then 200); restricted reads
(404 for another organisation); per-field errors; If-Match; the audited caller view."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from xinfang.audit.models import AuditEvent
from xinfang.hotline.models import HotlineOrder
from xinfang.hotline.states import OrderStatus

from .conftest import at, frozen

pytestmark = pytest.mark.django_db

LIST = "/api/v1/hotline-orders/"


def token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def order_body(hotline, **overrides):  # type: ignore[no-untyped-def]
    body = {
        "organisation": hotline.mini.petition_bureau.pk,
        "source_system": "gz12345",
        "external_id": "GZ-API-1",
        "kind": "complaint",
        "content": "夜间施工噪音扰民。",
        "received_at": "2026-09-30T09:00:00+08:00",
        "caller_name": "王五",
        "caller_phone": "13700003333",
        "category": "环境保护",
    }
    body.update(overrides)
    return body


class CreateTests:
    def test_first_post_201_then_200_with_the_same_order(self, hotline):
        """HOT-01: receiving is idempotent by external id, and by Idempotency-Key."""
        api = token_client(hotline.clerk)
        first = api.post(LIST, order_body(hotline), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == 201, first.json()
        order = HotlineOrder.objects.get()
        assert first.json()["id"] == order.pk and first["Location"].endswith(f"/{order.pk}/")
        replay = api.post(LIST, order_body(hotline), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
        again = api.post(LIST, order_body(hotline), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
        assert again.status_code == 200 and again.json()["id"] == order.pk
        no_key = api.post(LIST, order_body(hotline), format="json")
        assert no_key.status_code == 200
        assert HotlineOrder.objects.count() == 1
        body = first.json()
        assert body["caller_name_masked"] == "王*" and body["caller_phone_masked"] == "137****3333"
        assert "王五" not in first.content.decode() and "13700003333" not in first.content.decode()
        assert body["clocks"][0]["kind"] == "hotline_dispatch"

    def test_changes_after_dispatch_are_reported_as_ignored(self, hotline):
        api = token_client(hotline.clerk)
        order_id = api.post(LIST, order_body(hotline), format="json").json()["id"]
        with frozen(at(2026, 9, 30, 10)):
            api.post(f"{LIST}{order_id}/dispatch/", {"to_org": hotline.mini.housing_bureau.pk}, format="json")
        answer = api.post(LIST, order_body(hotline, content="改了内容"), format="json")
        assert answer.status_code == 200 and answer["X-Xinfang-Ignored-Fields"] == "content"

    def test_errors_come_back_per_field(self, hotline):
        api = token_client(hotline.clerk)
        answer = api.post(LIST, order_body(hotline, kind="gossip", external_id="", received_at="soon"), format="json")
        assert answer.status_code == 400
        assert {e["attr"] for e in answer.json()["errors"]} == {"kind", "external_id", "received_at"}
        future = api.post(LIST, order_body(hotline, received_at="2099-01-01T00:00:00+08:00"), format="json")
        assert future.status_code == 400 and future.json()["errors"][0]["attr"] == "received_at"

    def test_a_user_who_may_not_register_there_gets_403(self, hotline):
        answer = token_client(hotline.handler).post(LIST, order_body(hotline), format="json")
        assert answer.status_code == 403
        assert not HotlineOrder.objects.exists()


class WalkTests:
    def test_api_walk_from_receipt_to_closure(self, hotline, django_assert_max_num_queries):
        """HOT-01's closed loop over the API: receive, dispatch, accept, extend, reply, close; the
        dispatcher and the handling unit each see the order, another organisation gets 404."""
        platform = token_client(hotline.clerk)
        unit = token_client(hotline.handler)
        head = token_client(hotline.unit_head)
        with frozen(at(2026, 9, 30, 9, 30)):
            order_id = platform.post(LIST, order_body(hotline), format="json").json()["id"]
            url = f"{LIST}{order_id}/"
            etag = platform.get(url)["ETag"]
            dispatched = platform.post(
                f"{url}dispatch/", {"to_org": hotline.mini.housing_bureau.pk}, format="json", HTTP_IF_MATCH=etag
            )
            assert dispatched.status_code == 200, dispatched.json()
            assert dispatched.json()["status"] == OrderStatus.DISPATCHED
            assert {c["kind"]: c["due_date"] for c in dispatched.json()["clocks"]} == {
                "hotline_return_window": "2026-10-09",
                "hotline_reply": "2026-10-13",
            }
        assert token_client(hotline.outsider).get(url).status_code == 404
        assert token_client(hotline.outsider).post(f"{url}accept/").status_code == 404
        before_accept = unit.get(url)["ETag"]
        assert unit.post(f"{url}accept/", HTTP_IF_MATCH=before_accept).json()["status"] == OrderStatus.ACCEPTED
        stale = unit.post(f"{url}reply/", {"result": "x"}, format="json", HTTP_IF_MATCH=before_accept)
        assert stale.status_code == 412  # changed since it was read
        refused = unit.post(f"{url}extend/", {"days": 5, "reason": "复杂"}, format="json")
        assert refused.status_code == 403
        too_long = head.post(f"{url}extend/", {"days": 11, "reason": "复杂"}, format="json")
        assert too_long.status_code == 400 and too_long.json()["errors"][0]["attr"] == "days"
        extended = head.post(f"{url}extend/", {"days": 10, "reason": "需协调施工单位"}, format="json")
        assert extended.json()["status"] == OrderStatus.EXTENDED and extended.json()["extension_days"] == 10
        assert unit.post(f"{url}reply/", {"result": ""}, format="json").status_code == 400
        replied = unit.post(f"{url}reply/", {"result": "已责令施工单位夜间停工。"}, format="json")
        assert replied.json()["status"] == OrderStatus.REPLIED
        bad = platform.post(f"{url}close/", {"evaluation": "thrilled"}, format="json")
        assert bad.status_code == 400
        closed = platform.post(f"{url}close/", {"evaluation": "satisfied", "note": "回访满意"}, format="json")
        assert closed.status_code == 200 and closed.json()["status"] == OrderStatus.CLOSED
        wrong_state = unit.post(f"{url}accept/")
        assert wrong_state.status_code == 400 and wrong_state.json()["type"] == "validation_error"
        with django_assert_max_num_queries(12):
            listed = platform.get(LIST).json()
        assert [row["id"] for row in listed["results"]] == [order_id]
        assert listed["results"][0]["evaluation"] == "satisfied"

    def test_list_queries_do_not_grow_with_orders(self, hotline, django_assert_max_num_queries):
        api = token_client(hotline.clerk)
        for n in range(12):
            api.post(LIST, order_body(hotline, external_id=f"Q-{n}"), format="json")
        with django_assert_max_num_queries(12):
            listed = api.get(LIST, {"status": "received"}).json()
        assert listed["count"] == 12 and all(row["clocks"] for row in listed["results"])

    def test_return_object_and_to_petition(self, hotline):
        platform = token_client(hotline.clerk)
        unit = token_client(hotline.handler)
        order_id = platform.post(LIST, order_body(hotline), format="json").json()["id"]
        url = f"{LIST}{order_id}/"
        platform.post(f"{url}dispatch/", {"to_org": hotline.mini.housing_bureau.pk}, format="json")
        returned = unit.post(f"{url}return/", {"reason": "应由镇政府处理"}, format="json")
        assert returned.status_code == 200 and returned.json()["status"] == OrderStatus.RETURNED
        assert unit.get(url).status_code == 404  # back with the dispatcher
        platform.post(f"{url}dispatch/", {"to_org": hotline.mini.housing_bureau.pk}, format="json")
        objected = unit.post(f"{url}object/", {"reason": "职责有争议"}, format="json")
        assert objected.json()["status"] == OrderStatus.OBJECTED
        converted = platform.post(f"{url}to-petition/", {}, format="json")
        assert converted.status_code == 200 and converted.json()["matter_number"]
        assert platform.post(f"{url}to-petition/", {}, format="json").status_code == 400

    def test_caller_details_on_request_and_audited(self, hotline):
        api = token_client(hotline.clerk)
        order_id = api.post(LIST, order_body(hotline), format="json").json()["id"]
        answer = api.post(f"{LIST}{order_id}/personal-data/")
        assert answer.json() == {"name": "王五", "phone": "13700003333"}
        assert answer["Cache-Control"] == "no-store"
        assert token_client(hotline.outsider).post(f"{LIST}{order_id}/personal-data/").status_code == 404
        assert AuditEvent.objects.filter(action="hotline_order.personal_data_view").count() == 1
