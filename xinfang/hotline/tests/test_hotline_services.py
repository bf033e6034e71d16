"""12345 work orders through the services: idempotent receipt, exclusions, the order's own clocks on
the working calendar, return window, extension, reply and closure, conversion to a petition,
permissions, the deadlines sweep, and the webhook events back to the hotline (signed, one per
status change) — rule ids HOT-01..HOT-05 of regulations.md §6."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.hotline.models import HotlineOrder
from xinfang.hotline.selectors import order_clocks, order_for_matter, order_list
from xinfang.hotline.services import (
    OBJECT_TYPE,
    OrderData,
    order_accept,
    order_caller_view,
    order_close,
    order_dispatch,
    order_extend,
    order_object,
    order_receive,
    order_reply,
    order_return,
    order_to_petition,
)
from xinfang.hotline.states import (
    CLOCK_DISPATCH,
    CLOCK_REPLY,
    CLOCK_RETURN_WINDOW,
    CLOCK_VISIT,
    Evaluation,
    Exclusion,
    OrderKind,
    OrderStatus,
)
from xinfang.petitions.states import Source
from xinfang.petitions.testing import register_walk_in
from xinfang.webhooks.models import DeliveryStatus, WebhookDelivery
from xinfang.webhooks.signing import signature_verify
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import clock_list_due
from xinfang.workcalendar.tasks import deadlines_sweep

from .conftest import at, frozen

pytestmark = pytest.mark.django_db


def running(order: HotlineOrder) -> dict[str, datetime.date]:
    return {
        c.kind: c.due_date
        for c in Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(order.pk), stopped_at__isnull=True)
    }


def dispatched(hotline, order=None, when=None):  # type: ignore[no-untyped-def]
    order = order or hotline.receive()
    with frozen(when or at(2026, 9, 30, 11)):
        return order_dispatch(actor=hotline.clerk, order=order, to_org=hotline.mini.housing_bureau)


class ReceiveTests:
    def test_hot_01_the_same_order_sent_twice_is_one_order(self, hotline):
        """HOT-01 受理: idempotent by (source system, external id)."""
        first = hotline.receive()
        again = order_receive(
            actor=hotline.clerk,
            organisation=hotline.mini.petition_bureau,
            data=OrderData(
                source_system="gz12345",
                external_id="GZ12345-0001",
                kind=OrderKind.COMPLAINT,
                content=first.content,
                received_at=first.received_at,
                caller_name="李四",
                caller_phone="13900002222",
                category="城乡建设",
            ),
        )
        assert again.created is False and again.order.pk == first.pk
        assert not again.updated_fields and not again.ignored_fields
        assert HotlineOrder.objects.count() == 1
        assert AuditEvent.objects.filter(action="hotline_order.receive").count() == 1
        # Another platform may use the same number for another order.
        other = hotline.receive(source_system="fs12345")
        assert other.pk != first.pk

    def test_hot_01_changes_are_taken_before_dispatch_and_ignored_after(self, hotline):
        order = hotline.receive()
        result = order_receive(
            actor=hotline.clerk,
            organisation=hotline.mini.petition_bureau,
            data=OrderData(
                source_system="gz12345",
                external_id=order.external_id,
                kind=OrderKind.HELP_REQUEST,
                content="更正：道路破损并有井盖缺失。",
                received_at=order.received_at,
                caller_name="李四",
                caller_phone="13900002222",
                category="城乡建设",
            ),
        )
        assert sorted(result.updated_fields) == ["content", "kind"]
        order.refresh_from_db()
        assert order.kind == OrderKind.HELP_REQUEST and "井盖" in order.content
        event = AuditEvent.objects.get(action="hotline_order.update")
        assert event.summary == {"fields": ["kind", "content"]}  # names only, no content
        dispatched(hotline, order)
        late = order_receive(
            actor=hotline.clerk,
            organisation=hotline.mini.petition_bureau,
            data=OrderData(
                source_system="gz12345",
                external_id=order.external_id,
                kind=OrderKind.HELP_REQUEST,
                content="再次更正。",
                received_at=order.received_at,
                caller_name="李四",
                caller_phone="13900002222",
                category="城乡建设",
            ),
        )
        assert late.ignored_fields == ["content"] and not late.updated_fields
        order.refresh_from_db()
        assert order.content != "再次更正。"

    def test_bad_input_is_refused_per_field(self, hotline):
        with pytest.raises(ValidationError) as raised:
            hotline.receive(external_id="", kind="gossip", content=" ", received_at=at(2099, 1, 1))
        assert {"external_id", "kind", "content", "received_at"} <= set(raised.value.message_dict)
        assert HotlineOrder.objects.count() == 0

    def test_hot_02_exclusions_are_flagged_not_dropped(self, hotline):
        """HOT-02: an order outside the hotline's scope is kept with its exclusion (to be explained),
        and an order whose number is already a petition's 12345 reference is flagged as in the
        petition channel."""
        order = hotline.receive(exclusion=Exclusion.STATUTORY_PROCEDURE, exclusion_note="劳动仲裁")
        assert order.exclusion == Exclusion.STATUTORY_PROCEDURE and order.status == OrderStatus.RECEIVED
        matter = register_walk_in(hotline.mini, source=Source.HOTLINE_12345, hotline_order_ref="GZ12345-0099")
        flagged = hotline.receive(external_id="GZ12345-0099")
        assert flagged.exclusion == Exclusion.PETITION_CHANNEL
        assert matter.number in flagged.exclusion_note
        # Answered where it is, with the reason and the lawful route: no dispatch needed.
        replied = order_reply(
            actor=hotline.clerk, order=order, result="属劳动争议，请向劳动人事争议仲裁委员会申请仲裁。"
        )
        assert replied.status == OrderStatus.REPLIED

    def test_only_a_receiving_organisation_in_scope(self, hotline):
        with pytest.raises(PermissionDenied):
            order_receive(
                actor=hotline.handler,
                organisation=hotline.mini.petition_bureau,
                data=OrderData(
                    source_system="gz12345",
                    external_id="X-1",
                    kind=OrderKind.CONSULTATION,
                    content="咨询",
                    received_at=at(2026, 9, 30),
                ),
            )


class ClockTests:
    def test_hot_04_clocks_count_working_days_across_national_day(self, hotline):
        """HOT-04 (山东省 2020): reply within 5 working days, misdirected orders returned within 2,
        dispatch within 1 (local choice): on the working calendar. Dispatched on Wednesday
        2026-09-30, before the 1-7 October holiday, with Saturday 10 October a make-up working day:
        WD1 = 10-08, WD2 = 10-09, WD3 = 10-10 (Sat, make-up), WD4 = 10-12, WD5 = 10-13."""
        with frozen(at(2026, 9, 30, 9, 30)):
            order = hotline.receive()
        assert running(order) == {CLOCK_DISPATCH: datetime.date(2026, 10, 8)}
        order = dispatched(hotline, order)
        assert running(order) == {
            CLOCK_RETURN_WINDOW: datetime.date(2026, 10, 9),
            CLOCK_REPLY: datetime.date(2026, 10, 13),
        }
        clocks = Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(order.pk))
        assert all(c.kind.startswith("hotline_") for c in clocks)
        assert all(c.unit == "working" for c in clocks)
        assert clocks.get(kind=CLOCK_REPLY).org_id == hotline.mini.housing_bureau.pk

    def test_hot_04_periods_are_configuration(self, hotline, settings):
        settings.XINFANG_HOTLINE_PERIODS = {**settings.XINFANG_HOTLINE_PERIODS, "hotline_reply": (3, "working")}
        settings.XINFANG_HOTLINE_REPLY_PERIODS_BY_KIND = {"consultation": (1, "working")}
        order = dispatched(hotline)
        assert running(order)[CLOCK_REPLY] == datetime.date(2026, 10, 10)
        consultation = dispatched(hotline, hotline.receive(external_id="C-1", kind=OrderKind.CONSULTATION))
        assert running(consultation)[CLOCK_REPLY] == datetime.date(2026, 10, 8)

    def test_hot_04_return_only_within_the_window(self, hotline):
        """HOT-04: a misdirected order is returned within 2 working days of dispatch (due 10-09);
        on 10-12 only an objection remains (HOT-03)."""
        order = dispatched(hotline)
        with frozen(at(2026, 10, 12, 9)), pytest.raises(ValidationError) as raised:
            order_return(actor=hotline.handler, order=order, reason="不属于本单位职责")
        assert "HOT-04" in raised.value.messages[0]
        with frozen(at(2026, 10, 9, 17)):
            returned = order_return(actor=hotline.handler, order=order, reason="道路养护属镇政府职责")
        assert returned.status == OrderStatus.RETURNED
        assert returned.current_org == hotline.mini.petition_bureau  # back to whoever dispatched it
        assert set(running(returned)) == {CLOCK_DISPATCH}  # to be dispatched again in 1 working day
        again = dispatched(hotline, returned, when=at(2026, 10, 12, 9))
        with frozen(at(2026, 10, 20, 9)):
            objected = order_object(actor=hotline.handler, order=again, reason="应由镇政府牵头")
        assert objected.status == OrderStatus.OBJECTED and objected.current_org == hotline.mini.petition_bureau

    def test_hot_04_one_extension_of_at_most_ten_working_days(self, hotline):
        order = dispatched(hotline)
        order = order_accept(actor=hotline.handler, order=order)
        with pytest.raises(PermissionDenied):  # the head approves
            order_extend(actor=hotline.handler, order=order, days=5, reason="需现场勘查")
        with pytest.raises(ValidationError):
            order_extend(actor=hotline.unit_head, order=order, days=11, reason="需现场勘查")
        with frozen(at(2026, 10, 9, 10)):
            extended = order_extend(actor=hotline.unit_head, order=order, days=10, reason="需协调施工单位")
        assert extended.status == OrderStatus.EXTENDED
        # 10-13 plus 10 working days (no holiday in between) = 10-27.
        assert running(extended)[CLOCK_REPLY] == datetime.date(2026, 10, 27)
        with pytest.raises(ValidationError):
            order_extend(actor=hotline.unit_head, order=extended, days=1, reason="再延")

    def test_reply_and_closure_run_the_return_visit_clock(self, hotline):
        order = order_accept(actor=hotline.handler, order=dispatched(hotline))
        with frozen(at(2026, 10, 12, 15)):
            replied = order_reply(actor=hotline.handler, order=order, result="已修复路面并疏通排水。")
        assert running(replied) == {CLOCK_VISIT: datetime.date(2026, 10, 15)}
        with pytest.raises(PermissionDenied):  # the return visit is the receiving side's
            order_close(actor=hotline.handler, order=replied, evaluation=Evaluation.SATISFIED)
        closed = order_close(actor=hotline.clerk, order=replied, evaluation=Evaluation.SATISFIED, note="来电人满意")
        assert closed.status == OrderStatus.CLOSED and running(closed) == {}
        assert closed.return_visit_at is not None
        with pytest.raises(ValidationError):
            order_reply(actor=hotline.handler, order=closed, result="again")

    def test_hotline_clocks_are_swept_by_the_deadlines_sweep(self, hotline):
        """The deadlines sweep recomputes every running provisional Clock row, hotline clocks included
        (2027 is provisional in the test calendar), and supervision's `clock_list_due` lists them."""
        with frozen(at(2026, 12, 31, 10)):
            order = hotline.receive(external_id="Y-1", received_at=at(2026, 12, 31, 9))
            order = order_dispatch(actor=hotline.clerk, order=order, to_org=hotline.mini.housing_bureau)
        clock = Clock.objects.get(object_type=OBJECT_TYPE, object_id=str(order.pk), kind=CLOCK_REPLY)
        assert clock.is_provisional
        correct = clock.due_date
        Clock.objects.filter(pk=clock.pk).update(due_date=correct - datetime.timedelta(days=3))  # stale
        counts = deadlines_sweep.call()
        assert counts["changed"] >= 1
        clock.refresh_from_db()
        assert clock.due_date == correct
        assert AuditEvent.objects.filter(
            action="clock.recompute", object_type=OBJECT_TYPE, object_id=str(order.pk)
        ).exists()
        assert clock in clock_list_due(on_or_before=correct)


class PetitionTests:
    def test_hot_05_to_petition_links_both_ways_and_keeps_separate_clocks(self, hotline):
        """HOT-05: the order becomes a petition matter (source 12345, the order's number as its
        reference), linked both ways; the two keep their own clocks, as separate rows."""
        order = dispatched(hotline)
        matter = order_to_petition(actor=hotline.clerk, order=order)
        order.refresh_from_db()
        assert order.matter == matter and HotlineOrder.objects.get(matter=matter) == order
        assert matter.source == Source.HOTLINE_12345 and matter.hotline_order_ref == order.external_id
        assert order_for_matter(matter) == order
        assert order.exclusion == Exclusion.PETITION_CHANNEL
        assert order.status == OrderStatus.DISPATCHED  # the order still owes the hotline its answer
        order_rows = set(
            Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(order.pk)).values_list("pk", flat=True)
        )
        matter_rows = set(
            Clock.objects.filter(object_type="petitions.matter", object_id=str(matter.pk)).values_list("pk", flat=True)
        )
        assert order_rows and matter_rows and not order_rows & matter_rows
        assert not any(
            kind.startswith("hotline_")
            for kind in Clock.objects.filter(pk__in=matter_rows).values_list("kind", flat=True)
        )
        # The petition's clocks start from its own receipt, not the hotline's.
        assert matter.received_at > order.received_at
        assert [p.petitioner.name for p in matter.participants.select_related("petitioner")] == ["李四"]
        with pytest.raises(ValidationError):
            order_to_petition(actor=hotline.clerk, order=order)
        assert AuditEvent.objects.filter(action="hotline_order.to_petition", object_id=str(order.pk)).exists()

    def test_hot_05_a_nameless_order_becomes_a_petition_only_as_an_anonymous_report(self, hotline):
        nameless = hotline.receive(external_id="N-1", caller_name="")
        with pytest.raises(ValidationError) as raised:
            order_to_petition(actor=hotline.clerk, order=nameless)
        assert "caller_name" in raised.value.message_dict
        report = hotline.receive(external_id="N-2", caller_name="", kind=OrderKind.REPORT)
        matter = order_to_petition(actor=hotline.clerk, order=report)
        assert matter.is_anonymous


class PermissionTests:
    def test_another_organisation_sees_nothing_and_may_do_nothing(self, hotline):
        order = dispatched(hotline)
        assert list(order_list(user=hotline.outsider)) == []
        assert list(order_list(user=hotline.handler)) == [order]
        for call in (
            lambda: order_accept(actor=hotline.outsider, order=order),
            lambda: order_dispatch(actor=hotline.handler, order=order, to_org=hotline.mini.town_a),
        ):
            with pytest.raises(PermissionDenied):
                call()

    def test_dispatch_only_inside_the_district(self, hotline):
        order = hotline.receive()
        with pytest.raises(ValidationError):
            order_dispatch(actor=hotline.clerk, order=order, to_org=hotline.mini.city_petition_bureau)

    def test_caller_data_is_masked_and_each_full_view_audited(self, hotline):
        order = dispatched(hotline)
        data = order_caller_view(actor=hotline.handler, order=order)
        assert (data.name, data.phone) == ("李四", "13900002222")
        event = AuditEvent.objects.get(action="hotline_order.personal_data_view")
        assert "李四" not in str(event.summary) and "13900002222" not in event.object_label
        with pytest.raises(PermissionDenied):
            order_caller_view(actor=hotline.outsider, order=order)
        for event in AuditEvent.objects.filter(object_type=OBJECT_TYPE):
            assert "李四" not in str(event.summary) and "13900002222" not in str(event.summary)


class WebhookTests:
    def test_each_status_change_is_pushed_back_to_the_hotline_signed(
        self, hotline, hotline_endpoint, receiver, django_capture_on_commit_callbacks
    ):
        """The flow back to the hotline (HOT-01 closed loop): dispatch, acceptance, extension,
        result and closure each reach the hotline's endpoint as a signed event, in order."""
        with django_capture_on_commit_callbacks(execute=True):
            order = hotline.receive()
        assert receiver.requests == []  # receipt is not a status change
        steps = [
            lambda o: order_dispatch(actor=hotline.clerk, order=o, to_org=hotline.mini.housing_bureau),
            lambda o: order_accept(actor=hotline.handler, order=o),
            lambda o: order_extend(actor=hotline.unit_head, order=o, days=3, reason="需协调"),
            lambda o: order_reply(actor=hotline.handler, order=o, result="已修复。"),
            lambda o: order_close(actor=hotline.clerk, order=o, evaluation=Evaluation.BASICALLY_SATISFIED),
        ]
        for step in steps:
            with django_capture_on_commit_callbacks(execute=True):
                order = step(order)
        actions = [r.json["data"]["action"] for r in receiver.requests]
        assert actions == ["dispatch", "accept", "extend", "reply", "close"]
        for request in receiver.requests:
            assert request.headers["X-Xinfang-Event"] == "hotline_order.status_changed"
            assert signature_verify(
                secret=hotline_endpoint.secret,
                timestamp=request.headers["X-Xinfang-Timestamp"],
                body=request.body,
                signature=request.headers["X-Xinfang-Signature"],
            )
            data = request.json["data"]
            assert data["external_id"] == order.external_id and data["source_system"] == "gz12345"
            assert "李四" not in request.body.decode() and "13900002222" not in request.body.decode()
        first, _accept, extend, reply, close = (r.json["data"] for r in receiver.requests)
        assert first["dispatched_to"]["code"] == hotline.mini.housing_bureau.code and first["reply_due"]
        assert extend["days"] == 3 and reply["reply"] == "已修复。"
        assert close["evaluation"] == "basically_satisfied" and close["new_status"] == "closed"
        assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}

    def test_return_objection_and_conversion_are_pushed_too(
        self, hotline, hotline_endpoint, receiver, django_capture_on_commit_callbacks
    ):
        order = dispatched(hotline)
        with django_capture_on_commit_callbacks(execute=True), frozen(at(2026, 10, 8, 10)):
            order = order_return(actor=hotline.handler, order=order, reason="派错单位")
        order = dispatched(hotline, order, when=at(2026, 10, 8, 11))
        with django_capture_on_commit_callbacks(execute=True):
            order = order_object(actor=hotline.handler, order=order, reason="职责有争议")
        with django_capture_on_commit_callbacks(execute=True):
            order_to_petition(actor=hotline.clerk, order=order)
        sent = [(r.headers["X-Xinfang-Event"], r.json["data"].get("action")) for r in receiver.requests]
        assert sent == [
            ("hotline_order.status_changed", "return"),
            ("hotline_order.status_changed", "object"),
            ("hotline_order.to_petition", None),
        ]
        assert receiver.requests[0].json["data"]["reason"] == "派错单位"
        assert receiver.requests[2].json["data"]["matter_number"]

    def test_no_event_when_the_change_is_refused(
        self, hotline, hotline_endpoint, receiver, django_capture_on_commit_callbacks
    ):
        order = hotline.receive()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
            order_close(actor=hotline.clerk, order=order, evaluation=Evaluation.SATISFIED)  # not replied yet
        assert WebhookDelivery.objects.count() == 0 and receiver.requests == []


def test_order_clocks_for_a_page_in_one_query(hotline, django_assert_num_queries):
    orders = [dispatched(hotline, hotline.receive(external_id=f"P-{n}")) for n in range(5)]
    with django_assert_num_queries(1):
        clocks = order_clocks(orders)
    assert all({c.kind for c in clocks[o.pk]} == {CLOCK_REPLY, CLOCK_RETURN_WINDOW} for o in orders)
