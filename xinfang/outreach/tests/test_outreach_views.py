"""The outreach pages. Public: the published reception days, booking (form token, honeypot, rate
limit; OUT-01..03 errors shown on the form), the one-time receipt, look-up and cancellation (OUT-04)
in the three languages. Staff: every page allowed with outreach.manage and refused without (403), a
row of another area is a 404, list pages in a fixed number of queries."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.outreach.abuse import BOOK_LIMIT, issue_form_token
from xinfang.outreach.models import Assignment, Booking, OutreachVisit, ReceptionDay, VisitItem
from xinfang.outreach.services import ItemData, assignment_create, booking_create
from xinfang.outreach.states import BookingStatus, ItemOutcome

from .conftest import World, today

pytestmark = pytest.mark.django_db
LANGUAGES = ["zh-hans", "zh-hant", "en"]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def client_in(language: str) -> Client:
    from django.conf import settings

    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def booking_post(client: Client, day: ReceptionDay, **overrides: str):  # type: ignore[no-untyped-def]
    data = {
        "form_token": issue_form_token(now=time.time() - 10),
        "name": "赵六",
        "phone": "13800001111",
        "preferred_time": "09:30",
        "subject": "宅基地确权争议，希望当面反映。",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return client.post(reverse("outreach:book", args=[day.pk]), data)


class PublicPageTests:
    @pytest.mark.parametrize("language", LANGUAGES)
    def test_days_booking_receipt_and_cancellation_in_each_language(self, world: World, language: str):
        day = world.day(capacity=2)
        hidden = world.day(published=False, days_ahead=9, leader_name="未公布领导")
        client = client_in(language)
        page = client.get(reverse("outreach:days"))
        html = page.content.decode()
        assert page.status_code == 200 and f'lang="{language}"' in html
        # Stored names in the reader's script (a zh-hant reader sees traditional characters).
        leader = "王鎮長" if language == "zh-hant" else "王镇长"
        assert leader in html and "未公布领导" not in html and html.count("<h1") == 1
        assert client.get(reverse("outreach:book", args=[hidden.pk])).status_code == 404
        form = client.get(reverse("outreach:book", args=[day.pk]))
        assert form.status_code == 200 and 'name="form_token"' in form.content.decode()
        answer = booking_post(client, day)
        assert answer.status_code == 302 and answer["Location"] == reverse("outreach:done")
        receipt = client.get(reverse("outreach:done")).content.decode()
        reference = re.search(r"JF-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt).group(0)  # type: ignore[union-attr]
        code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}(?=</strong>\s*</p>\s*</div>)", receipt).group(0)  # type: ignore[union-attr]
        assert client.get(reverse("outreach:done")).status_code == 302  # shown once
        booking = Booking.objects.get(reference=reference)
        assert booking.preferred_time == datetime.time(9, 30) and booking.language == language
        found = client.post(reverse("outreach:lookup"), {"reference": reference, "code": code})
        assert "赵六" not in found.content.decode()  # the look-up shows the booking, not the person
        assert found.context["booking"] == booking and found.context["can_cancel"]
        client.post(reverse("outreach:lookup"), {"reference": reference, "code": code, "action": "cancel"})
        assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CANCELLED

    def test_wrong_code_gets_one_answer(self, world: World):
        day = world.day()
        booked = booking_create(day=day, name="赵六", phone="13800001111", subject="事项")
        client = Client()
        for reference, code in ((booked.booking.reference, "AAAA-AAAA"), ("JF-AAAA-AAAA", booked.code)):
            page = client.post(reverse("outreach:lookup"), {"reference": reference, "code": code, "action": "cancel"})
            assert page.status_code == 200 and "booking" not in page.context
        assert Booking.objects.get().status == BookingStatus.BOOKED

    def test_out_02_and_out_03_errors_are_shown_on_the_form(self, world: World):
        day = world.day(capacity=1)
        client = Client()
        assert booking_post(client, day).status_code == 302
        again = booking_post(client, day)
        assert again.status_code == 400 and "OUT-0" in again.content.decode()
        assert Booking.objects.count() == 1

    def test_token_honeypot_and_rate_limit(self, world: World):
        day = world.day(capacity=50)
        client = Client()
        fast = booking_post(client, day, form_token=issue_form_token())
        assert fast.status_code == 400
        bot = booking_post(client, day, website="http://spam")
        assert bot.status_code == 400
        for n in range(BOOK_LIMIT[0] - 2):
            booking_post(client, day, phone=f"1390000{n:04d}")
        limited = booking_post(client, day, phone="13911112222")
        assert limited.status_code == 429 and limited["Retry-After"] == str(BOOK_LIMIT[1])
        assert Booking.objects.count() == BOOK_LIMIT[0] - 2

    def test_the_public_pages_fit_a_phone(self, world: World):
        """390 px: no fixed widths, long words break, tables only inside a scroll box."""
        world.day(place="甲镇综治中心" * 12)
        for name in ("outreach:days", "outreach:lookup"):
            html = Client().get(reverse(name)).content.decode()
            assert 'name="viewport" content="width=device-width' in html
            assert "<table" not in html and not re.search(r"width:\s*\d{3,}px", html)


class StaffPermissionTests:
    STAFF_PAGES = ["day_list", "day_new", "visit_list", "visit_new", "assignments", "figures"]

    def test_every_staff_page_allowed_with_outreach_manage(self, client, world: World):
        client.force_login(world.leader)
        for name in self.STAFF_PAGES:
            assert client.get(reverse(f"outreach:{name}")).status_code == 200, name

    def test_every_staff_page_refused_without_it(self, client, world: World):
        client.force_login(world.worker)
        for name in self.STAFF_PAGES:
            assert client.get(reverse(f"outreach:{name}")).status_code == 403, name
        client.logout()
        assert client.get(reverse("outreach:day_list")).status_code == 302  # to the login page

    def test_rows_of_another_area_are_404(self, client, world: World):
        day = world.day()
        booking = booking_create(day=day, name="赵六", phone="13800001111", subject="事项").booking
        visit = world.visit()
        assignment = assignment_create(
            actor=world.leader, cadre=world.leader, organisation=world.mini.village_a1, start=today()
        )
        client.force_login(world.outsider)
        assert client.get(reverse("outreach:day_detail", args=[day.pk])).status_code == 404
        assert client.post(reverse("outreach:day_publish", args=[day.pk])).status_code == 404
        assert (
            client.post(reverse("outreach:booking_mark", args=[booking.pk]), {"status": "attended"}).status_code == 404
        )
        assert client.get(reverse("outreach:visit_detail", args=[visit.pk])).status_code == 404
        item = visit.items.get()
        assert client.post(reverse("outreach:item_action", args=[item.pk, "resolve"]), {}).status_code == 404
        assert client.get(reverse("outreach:plan", args=[assignment.pk])).status_code == 404


class StaffPageTests:
    def test_day_list_in_a_fixed_number_of_queries(self, client, world: World, django_assert_max_num_queries):
        for n in range(6):
            day = world.day(days_ahead=n + 1)
            booking_create(day=day, name="赵六", phone="13800001111", subject="事项")
        client.force_login(world.leader)
        with django_assert_max_num_queries(12):
            page = client.get(reverse("outreach:day_list"))
        assert page.context["page"].paginator.count == 6 and page.context["nav"]["outreach"] is True

    def test_visit_list_in_a_fixed_number_of_queries(self, client, world: World, django_assert_max_num_queries):
        for _n in range(8):
            world.visit(items=[ItemData("甲"), ItemData("乙", resolution="好")])
        client.force_login(world.leader)
        with django_assert_max_num_queries(12):
            page = client.get(reverse("outreach:visit_list"))
        assert page.context["page"].paginator.count == 8
        assert [(v.raised, v.resolved) for v in page.context["visits"]] == [(2, 1)] * 8

    def test_assignment_list_in_a_fixed_number_of_queries(self, client, world: World, django_assert_max_num_queries):
        for n in range(5):
            assignment_create(
                actor=world.leader, cadre=world.leader, organisation=world.mini.village_a1,
                start=datetime.date(2020 + n, 1, 1), end=datetime.date(2020 + n, 12, 31),
            )  # fmt: skip
        client.force_login(world.leader)
        with django_assert_max_num_queries(14):
            page = client.get(reverse("outreach:assignments"))
        assert page.context["page"].paginator.count == 5

    def test_create_publish_and_mark_a_day_from_the_pages(self, client, world: World):
        client.force_login(world.leader)
        bad = client.post(reverse("outreach:day_new"), {"organisation": world.mini.town_a.pk})
        assert bad.status_code == 400 and ReceptionDay.objects.count() == 0
        answer = client.post(
            reverse("outreach:day_new"),
            {
                "organisation": world.mini.town_a.pk, "leader_name": "王镇长", "leader_title": "镇长",
                "place": "镇政府", "date": f"{today():%Y-%m-%d}", "start_time": "09:00", "end_time": "11:00",
                "capacity": 5, "topic": "",
            },
        )  # fmt: skip
        day = ReceptionDay.objects.get()
        assert answer.status_code == 302 and not day.is_published
        client.post(reverse("outreach:day_publish", args=[day.pk]))
        day.refresh_from_db()
        assert day.is_published
        booking = booking_create(day=day, name="赵六", phone="13800001111", subject="事项").booking
        page = client.get(reverse("outreach:day_detail", args=[day.pk]))
        assert "138****1111" in page.content.decode() and "13800001111" not in page.content.decode()
        client.post(reverse("outreach:booking_mark", args=[booking.pk]), {"status": "attended"})
        assert Booking.objects.get(pk=booking.pk).status == BookingStatus.ATTENDED

    def test_record_a_visit_from_the_phone_form_and_pass_an_item_on(self, client, world: World):
        client.force_login(world.leader)
        bad = client.post(reverse("outreach:visit_new"), {"kind": "outreach", "organisation": world.mini.grid_a1_1.pk,
                                                         "date": f"{today():%Y-%m-%d}", "people_met": 3,
                                                         "item1_raised_by": "张三"})  # fmt: skip
        assert bad.status_code == 400 and OutreachVisit.objects.count() == 0
        assert "item1_description" in bad.context["form"].errors
        answer = client.post(
            reverse("outreach:visit_new"),
            {
                "kind": "outreach", "organisation": world.mini.grid_a1_1.pk, "date": f"{today():%Y-%m-%d}",
                "people_met": 8, "item1_description": "路灯不亮", "item1_resolution": "已报修",
                "item2_description": "征地补偿", "item2_raised_by": "张三", "item2_phone": "13800000001",
            },
        )  # fmt: skip
        visit = OutreachVisit.objects.get()
        assert answer.status_code == 302 and visit.items.count() == 2
        detail = client.get(reverse("outreach:visit_detail", args=[visit.pk]))
        assert detail.status_code == 200
        item = visit.items.get(outcome=ItemOutcome.OPEN)
        resolve = client.post(
            reverse("outreach:item_action", args=[item.pk, "resolve"]),
            {f"resolve-{item.pk}-resolution": "当场解释政策"},
        )
        assert resolve.status_code == 302 and VisitItem.objects.get(pk=item.pk).outcome == ItemOutcome.RESOLVED

    def test_the_petition_clerk_registers_an_item_from_the_visit_page(self, client, world: World):
        visit = world.visit()
        item = visit.items.get()
        client.force_login(world.clerk)
        page = client.get(reverse("outreach:visit_detail", args=[visit.pk]))
        assert page.status_code == 200 and [a for a, _f in page.context["items"][0].action_forms] == ["to-petition"]
        answer = client.post(
            reverse("outreach:item_action", args=[item.pk, "to-petition"]),
            {f"petition-{item.pk}-organisation": world.mini.town_a_office.pk},
            follow=True,
        )
        item.refresh_from_db()
        assert item.matter is not None and item.matter.number in answer.content.decode()
        assert reverse("petitions:matter_detail", args=[item.matter.pk]) in answer.content.decode()

    def test_assignment_and_plan_from_the_pages(self, client, world: World):
        client.force_login(world.leader)
        answer = client.post(
            reverse("outreach:assignments"),
            {"cadre": world.village_head.username, "organisation": world.mini.grid_a1_2.pk, "start": "2026-01-01"},
        )
        assignment = Assignment.objects.get()
        assert answer.status_code == 302 and answer["Location"] == reverse("outreach:plan", args=[assignment.pk])
        bad = client.post(
            reverse("outreach:plan", args=[assignment.pk]), {"visits_per_month": 2, "dates": "2025-12-01 x"}
        )
        assert bad.status_code == 400
        ok = client.post(reverse("outreach:plan", args=[assignment.pk]), {"visits_per_month": 2, "dates": "2026-02-01"})
        assert ok.status_code == 302 and assignment.plan.dates.count() == 1  # type: ignore[attr-defined]

    def test_figures_page(self, client, world: World):
        world.visit(date=datetime.date(2026, 3, 10))
        client.force_login(world.leader)
        page = client.get(reverse("outreach:figures"), {"date_from": "2026-03-01", "date_to": "2026-03-31"})
        assert page.status_code == 200
        assert page.context["figures"].total.visits == 1 and "王镇长" in page.content.decode()


def test_a_grid_worker_without_outreach_manage_is_refused_the_visit_page(client, world: World):
    visit = world.visit(organisation=world.mini.village_a2)
    client.force_login(make_user((Role.GRID_WORKER, world.mini.grid_b1_1)))
    assert client.get(reverse("outreach:visit_detail", args=[visit.pk])).status_code == 404
