"""并单 and 退回重办 of 12345 orders: a repeated order merged into the open order it repeats (HOT-03),
and a reply the caller is dissatisfied with sent back for re-handling (HOT-04, 济南 Art. 27; the
number of times is configuration, Art. 25) — through the services, the staff page and the API."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from xinfang.audit.models import AuditEvent
from xinfang.hotline.services import (
    merge_candidates,
    order_accept,
    order_close,
    order_dispatch,
    order_merge,
    order_rehandle,
    order_reply,
)
from xinfang.hotline.states import CLOCK_DISPATCH, CLOCK_REPLY, Evaluation, OrderStatus

from .conftest import at, frozen
from .test_hotline_services import dispatched, running

pytestmark = pytest.mark.django_db


def replied(hotline, order=None):  # type: ignore[no-untyped-def]
    order = order_accept(actor=hotline.handler, order=dispatched(hotline, order))
    with frozen(at(2026, 10, 12, 15)):
        return order_reply(actor=hotline.handler, order=order, result="已安排修复。")


class MergeTests:
    def test_hot_03_a_repeat_is_merged_into_the_open_order_and_its_clocks_stop(self, hotline):
        first = dispatched(hotline)
        repeat = hotline.receive("GZ12345-0002")
        assert CLOCK_DISPATCH in running(repeat)
        assert [o.pk for o in merge_candidates(repeat)] == [first.pk]  # same caller phone first
        merged = order_merge(actor=hotline.clerk, order=repeat, into=first, reason="同一来电人同一诉求")
        assert merged.status == OrderStatus.MERGED and merged.merged_into == first and merged.closed_at
        assert running(merged) == {}
        assert AuditEvent.objects.filter(action="hotline_order.merge", object_id=str(repeat.pk)).exists()
        assert list(first.merged_orders.all()) == [merged]
        with pytest.raises(ValidationError):  # merged is final
            order_dispatch(actor=hotline.clerk, order=merged, to_org=hotline.mini.housing_bureau)

    @pytest.mark.parametrize("case", ["itself", "closed", "missing"])
    def test_only_into_another_open_order_of_the_same_organisation(self, hotline, case):
        repeat = hotline.receive("GZ12345-0002")
        if case == "itself":
            into = repeat.pk
        elif case == "closed":
            done = replied(hotline)
            into = order_close(actor=hotline.clerk, order=done, evaluation=Evaluation.SATISFIED).pk
        else:
            into = 2**63 - 1
        with pytest.raises(ValidationError) as exc:
            order_merge(actor=hotline.clerk, order=repeat, into=into, reason="重复")
        assert "into" in exc.value.message_dict
        repeat.refresh_from_db()
        assert repeat.status == OrderStatus.RECEIVED and CLOCK_DISPATCH in running(repeat)

    def test_only_the_dispatcher_merges_and_only_before_dispatch(self, hotline):
        first = hotline.receive()
        repeat = dispatched(hotline, hotline.receive("GZ12345-0002"))
        with pytest.raises(PermissionDenied):  # the unit it was sent to may return or object, not merge
            order_merge(actor=hotline.handler, order=repeat, into=first, reason="重复")
        with pytest.raises(ValidationError):
            order_merge(actor=hotline.clerk, order=repeat, into=first, reason="重复")
        with pytest.raises(ValidationError) as exc:
            order_merge(actor=hotline.clerk, order=hotline.receive("GZ12345-0003"), into=first, reason=" ")
        assert "reason" in exc.value.message_dict


class RehandleTests:
    def test_dissatisfied_reply_goes_back_to_the_unit_with_a_new_reply_clock(self, hotline):
        order = replied(hotline)
        with frozen(at(2026, 10, 13, 10)):
            back = order_rehandle(actor=hotline.clerk, order=order, reason="路面仍有积水", note="来电人不满意")
        assert back.status == OrderStatus.DISPATCHED and back.current_org == hotline.mini.housing_bureau
        assert back.evaluation == Evaluation.DISSATISFIED and back.rehandle_count == 1
        assert running(back) == {CLOCK_REPLY: datetime.date(2026, 10, 20)}  # 5 working days, no return window
        again = order_reply(
            actor=hotline.handler, order=order_accept(actor=hotline.handler, order=back), result="已再次修复"
        )
        closed = order_close(actor=hotline.clerk, order=again, evaluation=Evaluation.SATISFIED)
        assert closed.status == OrderStatus.CLOSED
        assert AuditEvent.objects.filter(action="hotline_order.rehandle", object_id=str(order.pk)).count() == 1

    def test_art_25_the_number_of_re_handlings_is_configuration(self, hotline, settings):
        back = order_rehandle(actor=hotline.clerk, order=replied(hotline), reason="不满意")
        again = order_reply(actor=hotline.handler, order=order_accept(actor=hotline.handler, order=back), result="复")
        with pytest.raises(ValidationError) as exc:
            order_rehandle(actor=hotline.clerk, order=again, reason="仍不满意")
        assert exc.value.code == "rehandled"
        settings.XINFANG_HOTLINE_MAX_REHANDLES = 2
        assert order_rehandle(actor=hotline.clerk, order=again, reason="仍不满意").rehandle_count == 2

    def test_an_order_the_dispatcher_answered_itself_goes_back_to_the_dispatcher(self, hotline):
        order = order_reply(actor=hotline.clerk, order=hotline.receive(), result="已电话解答。")
        back = order_rehandle(actor=hotline.clerk, order=order, reason="解答不清")
        assert back.status == OrderStatus.RECEIVED and back.current_org == hotline.mini.petition_bureau
        assert CLOCK_DISPATCH in running(back)

    def test_only_the_receiving_side_sends_back_and_only_a_reply(self, hotline):
        order = replied(hotline)
        with pytest.raises(PermissionDenied):
            order_rehandle(actor=hotline.handler, order=order, reason="x")
        with pytest.raises(ValidationError):  # dispatching a replied order is not a way round
            order_dispatch(actor=hotline.clerk, order=order, to_org=hotline.mini.housing_bureau)
        with pytest.raises(ValidationError):
            order_rehandle(actor=hotline.clerk, order=dispatched(hotline, hotline.receive("X-2")), reason="x")


class PageAndApiTests:
    def test_staff_page_offers_merge_and_rehandle_and_they_work(self, client, hotline):
        first = dispatched(hotline)
        repeat = hotline.receive("GZ12345-0002")
        client.force_login(hotline.clerk)
        page = client.get(reverse("hotline:detail", args=[repeat.pk])).content.decode()
        assert 'name="merge-into"' in page and first.external_id in page
        response = client.post(
            reverse("hotline:action", args=[repeat.pk, "merge"]), {"merge-into": first.pk, "merge-reason": "重复来电"}
        )
        assert response.status_code == 302
        repeat.refresh_from_db()
        assert repeat.status == OrderStatus.MERGED
        assert repeat.external_id in client.get(reverse("hotline:detail", args=[first.pk])).content.decode()
        done = replied(hotline, hotline.receive("GZ12345-0003"))
        assert 'name="rehandle-reason"' in client.get(reverse("hotline:detail", args=[done.pk])).content.decode()
        bad = client.post(reverse("hotline:action", args=[done.pk, "rehandle"]), {"rehandle-reason": ""})
        assert bad.status_code == 400
        ok = client.post(reverse("hotline:action", args=[done.pk, "rehandle"]), {"rehandle-reason": "仍积水"})
        assert ok.status_code == 302
        done.refresh_from_db()
        assert done.status == OrderStatus.DISPATCHED and done.rehandle_count == 1

    def test_api_merge_and_rehandle(self, client, hotline):
        first = dispatched(hotline)
        repeat = hotline.receive("GZ12345-0002")
        client.force_login(hotline.clerk)
        url = f"/api/v1/hotline-orders/{repeat.pk}/merge/"
        missing = client.post(url, {"into": 2**63 - 1, "reason": "重复"}, content_type="application/json")
        assert missing.status_code == 400 and missing.json()["errors"][0]["attr"] == "into"
        response = client.post(url, {"into": first.pk, "reason": "重复"}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "merged" and response.json()["merged_into"] == first.pk
        done = replied(hotline, hotline.receive("GZ12345-0003"))
        url = f"/api/v1/hotline-orders/{done.pk}/rehandle/"
        response = client.post(url, {"reason": "不满意"}, content_type="application/json")
        assert response.status_code == 200 and response.json()["rehandle_count"] == 1


def test_merge_and_rehandle_are_pushed_back_to_the_hotline(
    hotline, hotline_endpoint, receiver, django_capture_on_commit_callbacks
):
    first = dispatched(hotline)
    repeat = hotline.receive("GZ12345-0002")
    with django_capture_on_commit_callbacks(execute=True):
        order_merge(actor=hotline.clerk, order=repeat, into=first, reason="重复")
    answered = order_reply(actor=hotline.handler, order=order_accept(actor=hotline.handler, order=first), result="复")
    with django_capture_on_commit_callbacks(execute=True):
        order_rehandle(actor=hotline.clerk, order=answered, reason="不满意")
    events = [r.json["data"] for r in receiver.requests if r.json["data"]["action"] in ("merge", "rehandle")]
    merge, rehandle = events
    assert merge["merged_into"] == {"source_system": "gz12345", "external_id": first.external_id}
    assert merge["new_status"] == "merged" and merge["external_id"] == "GZ12345-0002"
    assert rehandle["rehandle_count"] == 1 and rehandle["new_status"] == "dispatched" and rehandle["due"]
