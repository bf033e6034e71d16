"""Cadres at the grassroots over the API (docs/api.md "Outreach"): the same services and permission
path as the staff pages (XF-CH-03; OUT-01..OUT-08 in docs/outreach.md). Reception days created and
published, bookings marked, visits recorded with their items and the items resolved or passed on as
a petition, a grid event or a mediation case (OUT-06), 包联 assignments and plans (OUT-07, OUT-08).
Another area gets 404; phones are masked; creates replay by Idempotency-Key; If-Match 412."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from xinfang.outreach.models import Assignment, OutreachVisit, ReceptionDay, VisitItem
from xinfang.outreach.services import ItemData, assignment_create, booking_create
from xinfang.outreach.states import BookingStatus, ItemOutcome
from xinfang.petitions.tests.api_support import token_client

from .conftest import World, today

DAYS = "/api/v1/outreach-reception-days/"
BOOKINGS = "/api/v1/outreach-bookings/"
VISITS = "/api/v1/outreach-visits/"
ITEMS = "/api/v1/outreach-visit-items/"
ASSIGNMENTS = "/api/v1/outreach-assignments/"
PLANS = "/api/v1/outreach-plans/"

pytestmark = pytest.mark.django_db


def url(base: str, pk: int, action: str = "") -> str:
    return f"{base}{pk}/{action + '/' if action else ''}"


def codes(response: Any) -> list[tuple[str | None, str]]:
    return [(e["attr"], e["code"]) for e in response.json()["errors"]]


def day_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": world.mini.town_a.pk,
        "leader_name": "王镇长",
        "leader_title": "甲镇镇长",
        "place": "甲镇综治中心一楼接待室",
        "date": (today() + datetime.timedelta(days=7)).isoformat(),
        "start_time": "09:00",
        "end_time": "11:30",
        "capacity": 3,
        "topic": "征地拆迁",
    }
    body.update(overrides)
    return body


def visit_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "organisation": world.mini.grid_a1_1.pk,
        "kind": "outreach",
        "date": today().isoformat(),
        "people_met": 12,
        "place_text": "甲一村文化室",
        "items": [
            {"description": "村道路灯损坏。", "raised_by": "张三", "raised_by_phone": "13800000001"},
            {"description": "垃圾清运不及时。", "resolution": "当场联系保洁公司。"},
        ],
    }
    body.update(overrides)
    return body


class OutreachReceptionDayApiTests:
    def test_create_publish_and_mark_a_booking(self, world: World) -> None:
        """XF-CH-03, OUT-01, OUT-05: a draft day published; a booking's phone masked; marking before
        the day is refused with its code."""
        leader = token_client(world.leader)
        created = leader.post(DAYS, day_body(world), format="json")
        assert created.status_code == 201, created.content
        day = created.json()
        assert day["is_published"] is False and day["taken"] == 0 and created["Location"].endswith(f"/{day['id']}/")
        published = leader.post(url(DAYS, day["id"], "publish"), {}, format="json")
        assert published.status_code == 200 and published.json()["is_published"] is True
        booked = booking_create(
            day=ReceptionDay.objects.get(pk=day["id"]), name="赵六", phone="13800001111", subject="宅基地纠纷"
        ).booking
        read = leader.get(BOOKINGS, {"reception_day": day["id"]})
        assert read.json()["results"][0]["phone_masked"] == "138****1111"
        assert "13800001111" not in read.content.decode()
        early = leader.post(url(BOOKINGS, booked.pk, "mark"), {"status": "attended"}, format="json")
        assert early.status_code == 400 and codes(early) == [(None, "early")]
        assert leader.get(url(DAYS, day["id"])).json()["taken"] == 1

    def test_a_past_day_is_not_published_and_bad_input_is_a_field_error(self, world: World) -> None:
        """OUT-01; field errors translated, nothing written."""
        leader = token_client(world.leader)
        response = leader.post(DAYS, day_body(world, capacity=0, end_time="08:00"), format="json")
        assert response.status_code == 400 and ("capacity", "min_value") in codes(response)
        response = leader.post(DAYS, day_body(world, end_time="08:00"), format="json")
        assert response.status_code == 400 and codes(response) == [("end_time", "invalid")]
        assert response.json()["errors"][0]["detail"] == "结束时间必须晚于开始时间。"
        english = token_client(world.leader, language="en").post(DAYS, day_body(world, end_time="08:00"))
        assert english.json()["errors"][0]["detail"] != "结束时间必须晚于开始时间。"
        assert not ReceptionDay.objects.exists()
        day = world.day(published=False)
        ReceptionDay.objects.filter(pk=day.pk).update(date=today() - datetime.timedelta(days=1))
        past = leader.post(url(DAYS, day.pk, "publish"), {"published": True}, format="json")
        assert past.status_code == 400 and codes(past) == [(None, "past")]

    def test_another_area_gets_404_and_a_clerk_403(self, world: World) -> None:
        day = world.day()
        outsider = token_client(world.outsider)
        assert outsider.get(url(DAYS, day.pk)).status_code == 404
        assert outsider.post(url(DAYS, day.pk, "publish"), {}, format="json").status_code == 404
        assert outsider.get(DAYS).json()["count"] == 0
        assert outsider.post(DAYS, day_body(world), format="json").status_code == 403
        clerk = token_client(world.clerk)
        assert clerk.post(DAYS, day_body(world), format="json").status_code == 403

    def test_create_replays_by_idempotency_key(self, world: World) -> None:
        leader = token_client(world.leader)
        first = leader.post(DAYS, day_body(world), format="json", HTTP_IDEMPOTENCY_KEY="day-1")
        again = leader.post(DAYS, day_body(world), format="json", HTTP_IDEMPOTENCY_KEY="day-1")
        assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
        assert ReceptionDay.objects.count() == 1

    def test_if_match_refuses_a_stale_booking_mark(self, world: World) -> None:
        """OUT-05: a mark may be corrected, but not over someone else's newer mark."""
        day = world.day()
        booking = booking_create(day=day, name="赵六", phone="13800001111", subject="宅基地纠纷").booking
        ReceptionDay.objects.filter(pk=day.pk).update(date=today())
        leader = token_client(world.leader)
        etag = leader.get(url(BOOKINGS, booking.pk))["ETag"]
        marked = leader.post(url(BOOKINGS, booking.pk, "mark"), {"status": "attended"}, HTTP_IF_MATCH=etag)
        assert marked.status_code == 200 and marked.json()["status"] == BookingStatus.ATTENDED
        stale = leader.post(url(BOOKINGS, booking.pk, "mark"), {"status": "no_show"}, HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        booking.refresh_from_db()
        assert booking.status == BookingStatus.ATTENDED

    def test_lists_cost_a_fixed_number_of_queries(self, world: World, django_assert_max_num_queries: Any) -> None:
        for n in range(5):
            day = world.day(days_ahead=n + 1)
            booking_create(day=day, name="赵六", phone=f"1380000111{n}", subject="宅基地纠纷")
        leader = token_client(world.leader)
        with django_assert_max_num_queries(10):
            assert leader.get(DAYS).json()["count"] == 5
        with django_assert_max_num_queries(10):
            assert leader.get(BOOKINGS).json()["count"] == 5


class OutreachVisitApiTests:
    def test_record_a_visit_and_add_an_item(self, world: World) -> None:
        """XF-CH-03, OUT-06: a resolution given makes the item resolved on the spot; phones masked."""
        leader = token_client(world.leader)
        created = leader.post(VISITS, visit_body(world), format="json")
        assert created.status_code == 201, created.content
        visit = created.json()
        assert visit["cadre"] == world.leader.pk and visit["village"] == world.mini.village_a1.pk
        assert [i["outcome"] for i in visit["items"]] == [ItemOutcome.OPEN, ItemOutcome.RESOLVED]
        assert visit["items"][0]["raised_by_phone_masked"] == "138****0001"
        assert "13800000001" not in created.content.decode()
        added = leader.post(url(VISITS, visit["id"], "items"), {"description": "希望增设公交站。"}, format="json")
        assert added.status_code == 200 and len(added.json()["items"]) == 3

    def test_bad_input_and_a_baolian_visit_without_assignment(self, world: World) -> None:
        """OUT-07: a 包联 visit needs the cadre's assignment covering the day."""
        leader = token_client(world.leader)
        future = (today() + datetime.timedelta(days=1)).isoformat()
        response = leader.post(VISITS, visit_body(world, date=future, people_met="3"), format="json")
        assert response.status_code == 400 and codes(response) == [("people_met", "invalid")]
        response = leader.post(VISITS, visit_body(world, date=future), format="json")
        assert response.status_code == 400 and codes(response) == [("date", "invalid")]
        response = leader.post(VISITS, visit_body(world, kind="baolian"), format="json")
        assert response.status_code == 400 and codes(response) == [("kind", "invalid")]
        assert "OUT-07" in response.json()["errors"][0]["detail"]
        assert not OutreachVisit.objects.exists()

    def test_items_are_resolved_or_passed_on_once(self, world: World, grid_ready: None) -> None:
        """OUT-06: resolved on the spot, or a grid event reported by the grid worker (who may open
        the visit without outreach.manage); an item ends once."""
        visit = world.visit(items=[ItemData("路灯损坏。", raised_by="张三"), ItemData("邻里噪音纠纷。")])
        first, second = VisitItem.objects.filter(visit=visit).order_by("id")
        leader, worker = token_client(world.leader), token_client(world.worker)
        resolved = leader.post(url(ITEMS, first.pk, "resolve"), {"resolution": "已报修。"}, format="json")
        assert resolved.status_code == 200 and resolved.json()["outcome"] == ItemOutcome.RESOLVED
        again = leader.post(url(ITEMS, first.pk, "resolve"), {"resolution": "再次"}, format="json")
        assert again.status_code == 400 and codes(again) == [(None, "decided")]
        assert worker.get(url(VISITS, visit.pk)).status_code == 200
        assert worker.post(url(ITEMS, second.pk, "resolve"), {"resolution": "x"}).status_code == 403
        event = worker.post(url(ITEMS, second.pk, "to-grid-event"), {}, format="json")
        assert event.status_code == 200, event.content
        assert event.json()["outcome"] == ItemOutcome.GRID_EVENT and event.json()["grid_event_number"]

    def test_an_item_becomes_a_petition_or_a_mediation_case(self, world: World, mediation_ready: None) -> None:
        """OUT-06 through matter_register (source outreach) and mediation_case_open (MED-01)."""
        visit = world.visit(items=[ItemData("工资拖欠。", raised_by="张三"), ItemData("宅基地纠纷。")])
        first, second = VisitItem.objects.filter(visit=visit).order_by("id")
        clerk, mediator = token_client(world.clerk), token_client(world.mediator)
        matter = clerk.post(url(ITEMS, first.pk, "to-petition"), {"organisation": world.mini.town_a_office.pk})
        assert matter.status_code == 200, matter.content
        assert matter.json()["outcome"] == ItemOutcome.PETITION and matter.json()["matter_number"]
        body = {"organisation": world.mini.town_a.pk, "applicant": "李四", "consent_recorded": "yes"}
        refused = mediator.post(url(ITEMS, second.pk, "to-mediation"), body, format="json")
        assert refused.status_code == 400 and codes(refused) == [("consent_recorded", "invalid")]
        body["consent_recorded"] = True
        case = mediator.post(url(ITEMS, second.pk, "to-mediation"), body, format="json")
        assert case.status_code == 200, case.content
        assert case.json()["outcome"] == ItemOutcome.MEDIATION and case.json()["mediation_case_number"]

    def test_another_area_gets_404(self, world: World) -> None:
        visit = world.visit()
        item = VisitItem.objects.get(visit=visit)
        outsider = token_client(world.outsider)
        assert outsider.get(url(VISITS, visit.pk)).status_code == 404
        assert outsider.get(url(ITEMS, item.pk)).status_code == 404
        assert outsider.post(url(ITEMS, item.pk, "resolve"), {"resolution": "x"}).status_code == 404
        assert outsider.post(url(VISITS, visit.pk, "items"), {"description": "x"}).status_code == 404
        assert outsider.get(VISITS).json()["count"] == 0 and outsider.get(ITEMS).json()["count"] == 0
        response = outsider.post(VISITS, visit_body(world), format="json")
        assert response.status_code == 403

    def test_create_replays_by_idempotency_key(self, world: World) -> None:
        leader = token_client(world.leader)
        first = leader.post(VISITS, visit_body(world), format="json", HTTP_IDEMPOTENCY_KEY="visit-1")
        again = leader.post(VISITS, visit_body(world), format="json", HTTP_IDEMPOTENCY_KEY="visit-1")
        assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
        assert OutreachVisit.objects.count() == 1

    def test_lists_cost_a_fixed_number_of_queries(self, world: World, django_assert_max_num_queries: Any) -> None:
        for _n in range(5):
            world.visit(items=[ItemData("路灯损坏。", raised_by="张三"), ItemData("噪音。")])
        leader = token_client(world.leader)
        with django_assert_max_num_queries(14):
            assert leader.get(VISITS).json()["count"] == 5
        with django_assert_max_num_queries(10):
            assert leader.get(ITEMS).json()["count"] == 10


class OutreachAssignmentApiTests:
    def test_assign_and_plan(self, world: World) -> None:
        """OUT-07 (villages, communities and grids; no overlap) and OUT-08 (dates within)."""
        leader = token_client(world.leader)
        start = today()
        body = {"cadre": world.village_head.pk, "organisation": world.mini.village_a1.pk, "start": start.isoformat()}
        created = leader.post(ASSIGNMENTS, body, format="json")
        assert created.status_code == 201, created.content
        plan = created.json()["plan"]
        overlap = leader.post(ASSIGNMENTS, body, format="json")
        assert overlap.status_code == 400 and codes(overlap) == [(None, "overlap")]
        town = leader.post(ASSIGNMENTS, {**body, "organisation": world.mini.town_a.pk}, format="json")
        assert town.status_code == 400 and codes(town) == [("organisation", "invalid")]
        etag = leader.get(url(PLANS, plan))["ETag"]
        dates = [(start + datetime.timedelta(days=n)).isoformat() for n in (3, 10)]
        set_plan = leader.post(url(PLANS, plan, "set"), {"visits_per_month": 2, "dates": dates}, HTTP_IF_MATCH=etag)
        assert set_plan.status_code == 200, set_plan.content
        assert set_plan.json()["visits_per_month"] == 2 and set_plan.json()["dates"] == dates
        stale = leader.post(url(PLANS, plan, "set"), {"visits_per_month": 4}, format="json", HTTP_IF_MATCH=etag)
        assert stale.status_code == 412
        before = (start - datetime.timedelta(days=1)).isoformat()
        outside = leader.post(url(PLANS, plan, "set"), {"dates": [before]}, format="json")
        assert outside.status_code == 400 and codes(outside) == [("dates", "invalid")]
        assert "OUT-08" in outside.json()["errors"][0]["detail"]

    def test_another_area_gets_404_and_creates_replay(self, world: World, django_assert_max_num_queries: Any) -> None:
        assignment = assignment_create(
            actor=world.leader, cadre=world.village_head, organisation=world.mini.village_a1, start=today()
        )
        outsider = token_client(world.outsider)
        assert outsider.get(url(ASSIGNMENTS, assignment.pk)).status_code == 404
        assert outsider.get(url(PLANS, assignment.plan.pk)).status_code == 404
        assert outsider.post(url(PLANS, assignment.plan.pk, "set"), {"visits_per_month": 1}).status_code == 404
        leader = token_client(world.leader)
        body = {"cadre": world.leader.pk, "organisation": world.mini.grid_a1_1.pk, "start": today().isoformat()}
        first = leader.post(ASSIGNMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="assign-1")
        again = leader.post(ASSIGNMENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="assign-1")
        assert first.status_code == again.status_code == 201 and again["Idempotent-Replayed"] == "true"
        assert Assignment.objects.count() == 2
        with django_assert_max_num_queries(10):
            assert leader.get(ASSIGNMENTS).json()["count"] == 2
        with django_assert_max_num_queries(10):
            assert leader.get(PLANS).json()["count"] == 2
