"""The working calendar over the API: days with their flags from the same calendar every deadline
uses, the deadline calculator answering exactly what the calendar's own arithmetic answers
(regulations.md §3: CNT-01, CNT-03, CNT-05, CNT-06, CNT-07), and a matter's clocks visible only to
those who may view the matter."""

from __future__ import annotations

import datetime

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from xinfang.accounts.roles import Role
from xinfang.core.testing import make_user
from xinfang.petitions.services.common import OBJECT_TYPE
from xinfang.petitions.testing import register_walk_in
from xinfang.workcalendar.choices import DayKind, Unit
from xinfang.workcalendar.deadlines import DeadlineRules
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import calendar_day, deadline_compute

pytestmark = pytest.mark.django_db

DAYS = "/api/v1/calendar-days/"
YEARS = "/api/v1/calendar-years/"
DEADLINES = "/api/v1/deadlines/"
CLOCKS = "/api/v1/clocks/"
D = datetime.date


def token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    _instance, token = AuthToken.objects.create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def api(mini) -> APIClient:  # type: ignore[no-untyped-def]
    return token_client(make_user((Role.GRID_WORKER, mini.grid_a1_1)))


class CalendarTests:
    def test_cnt07_a_month_with_its_holidays_and_make_up_days(self, api):
        """CNT-07: holidays and make-up working days are data (the 2026 notice, via chinesecalendar)."""
        days = api.get(DAYS, {"year": 2026, "month": 10}).json()
        assert len(days) == 31 and days[0]["date"] == "2026-10-01" and days[-1]["date"] == "2026-10-31"
        by_date = {d["date"]: d for d in days}
        assert by_date["2026-10-01"] == {
            "date": "2026-10-01",
            "is_working_day": False,
            "kind": DayKind.HOLIDAY,
            "holiday_name": "国庆节",
            "holiday_label": "国庆节",
            "provisional": False,
        }
        assert by_date["2026-10-10"]["kind"] == DayKind.MAKEUP_WORKDAY and by_date["2026-10-10"]["is_working_day"]
        for row in days:
            stored = calendar_day(date=D.fromisoformat(row["date"]))
            assert (row["is_working_day"], row["kind"]) == (stored.is_working_day, stored.kind)

    def test_a_whole_year_and_a_provisional_one(self, api):
        assert len(api.get(DAYS, {"year": 2028}).json()) == 366
        later = api.get(DAYS, {"year": 2040, "month": 1}).json()
        assert all(d["provisional"] for d in later) and later[0]["kind"] == DayKind.HOLIDAY  # 元旦
        years = {row["year"]: row for row in api.get(YEARS, {"page_size": 200}).json()["results"]}
        assert years[2026]["status"] == "official" and years[2028]["is_provisional"]

    def test_one_day_and_bad_days(self, api):
        day = api.get(f"{DAYS}2026-10-08/")
        assert day.status_code == 200 and day.json()["is_working_day"] and day.json()["kind"] == DayKind.WORKDAY
        assert api.get(f"{DAYS}2026-02-30/").status_code == 404
        assert api.get(f"{DAYS}1999-01-01/").status_code == 404
        bad = api.get(DAYS, {"year": 1990, "month": 13})
        assert bad.status_code == 400 and {e["attr"] for e in bad.json()["errors"]} == {"year", "month"}
        assert api.get(DAYS).status_code == 400

    def test_signed_in_callers_only(self, mini):
        assert APIClient().get(DAYS, {"year": 2026}).status_code == 401
        assert APIClient().post(DEADLINES, {"start": "2026-09-16", "period": 15}, format="json").status_code == 401


class DeadlineTests:
    def post(self, api: APIClient, **body: object) -> dict:
        response = api.post(DEADLINES, body, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    def test_cnt03_calendar_days_roll_over_national_day(self, api):
        """CNT-03 (民法典 Arts. 201, 203), CNT-06(1)-(2): 2026-09-16 + 15 days ends on 1 October, a
        holiday, and rolls to Thursday 8 October — the calendar service's own answer."""
        body = self.post(api, start="2026-09-16", period=15)
        expected = deadline_compute(start=D(2026, 9, 16), period=15, unit=Unit.CALENDAR)
        assert body["due_date"] == expected.due_date.isoformat() == "2026-10-08"
        assert body["nominal_end"] == "2026-10-01"
        assert [d["date"] for d in body["rolled_over"]] == [d.date.isoformat() for d in expected.rolled_over]
        assert body["explanation"] == expected.explanation()
        assert body["rules"] == {"exclude_start_day": True, "roll_forward_to_working_day": True, "month_end_rule": True}
        assert not body["is_provisional"]

    def test_cnt05_cnt06_working_days_skip_the_holiday_and_count_the_make_up_day(self, api):
        """CNT-05, CNT-06(3): 3 working days after 2026-09-30 skip 1–7 October and count Saturday
        10 October, a make-up working day."""
        body = self.post(api, start="2026-09-30", period=3, unit="working")
        expected = deadline_compute(start=D(2026, 9, 30), period=3, unit=Unit.WORKING)
        assert body["due_date"] == expected.due_date.isoformat() == "2026-10-10"
        assert len(body["skipped"]) == len(expected.skipped) == 7
        assert [d["date"] for d in body["makeup_days"]] == ["2026-10-10"]

    def test_cnt03_month_end_rule(self, api):
        """CNT-03 (Art. 202): 31 January + 1 month ends on 28 February (a make-up working day in 2026)."""
        body = self.post(api, start="2026-01-31", period=1, unit="month")
        expected = deadline_compute(start=D(2026, 1, 31), period=1, unit=Unit.MONTH)
        assert body["due_date"] == expected.due_date.isoformat()
        assert body["due_date"] == "2026-02-28"

    def test_a_moment_counts_from_its_local_day(self, api):
        """20:00 UTC on 16 September is 04:00 on 17 September in Asia/Shanghai: the start day."""
        body = self.post(api, start="2026-09-16T20:00:00Z", period=15)
        assert body["start"] == "2026-09-17"
        assert body["due_date"] == deadline_compute(start=D(2026, 9, 17), period=15).due_date.isoformat()

    def test_cnt06_rule_options_as_the_service_applies_them(self, api):
        """CNT-06(1)-(2) are settings; a caller may ask with other values, computed by the same service."""
        body = self.post(api, start="2026-09-16", period=15, rules={"roll_forward_to_working_day": False})
        rules = DeadlineRules(roll_forward_to_working_day=False)
        expected = deadline_compute(start=D(2026, 9, 16), period=15, rules=rules)
        assert body["due_date"] == expected.due_date.isoformat() == "2026-10-01"
        included = self.post(api, start="2026-03-02", period=1, rules={"exclude_start_day": False})
        assert included["due_date"] == "2026-03-02"

    def test_provisional_years_are_flagged(self, api):
        body = self.post(api, start="2028-12-20", period=15)
        assert body["is_provisional"] and body["provisional_years"] == [2029]

    def test_bad_input_per_field_and_from_the_service(self, api):
        bad = api.post(DEADLINES, {"start": "2026-02-30", "period": 0, "unit": "weeks"}, format="json")
        assert bad.status_code == 400
        assert {e["attr"] for e in bad.json()["errors"]} == {"start", "period", "unit"}
        too_long = api.post(DEADLINES, {"start": "2026-01-01", "period": 300, "unit": "month"}, format="json")
        assert too_long.status_code == 400 and "期间过长" in too_long.json()["errors"][0]["detail"]
        early = api.post(DEADLINES, {"start": "1990-01-01", "period": 5}, format="json")
        assert early.status_code == 400
        assert api.post(DEADLINES, {"start": 20260101, "period": 5}, format="json").status_code == 400


class ClockTests:
    def test_clocks_follow_the_matters_visibility(self, mini, django_assert_max_num_queries):
        matter = register_walk_in(mini)
        other = register_walk_in(mini, organisation=mini.town_b_office)
        clerk = token_client(make_user((Role.RECEPTION_CLERK, mini.petition_bureau)))
        expected = set(
            Clock.objects.filter(object_type=OBJECT_TYPE, object_id__in=[str(matter.pk), str(other.pk)]).values_list(
                "pk", flat=True
            )
        )
        assert expected
        with django_assert_max_num_queries(12):
            listed = clerk.get(CLOCKS, {"page_size": 100}).json()
        assert {row["id"] for row in listed["results"]} == expected  # the district bureau's area covers both
        town_a = token_client(make_user((Role.RECEPTION_CLERK, mini.town_a_office)))
        assert town_a.get(CLOCKS).json()["count"] == 0
        own = Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(matter.pk)).first()
        assert own is not None
        assert town_a.get(f"{CLOCKS}{own.pk}/").status_code == 404
        one = clerk.get(f"{CLOCKS}{own.pk}/")
        assert one.status_code == 200 and one["ETag"]
        assert one.json()["due_date"] == own.due_date.isoformat() and one.json()["is_running"]

    def test_filters(self, mini):
        matter = register_walk_in(mini)
        register_walk_in(mini)
        clerk = token_client(make_user((Role.RECEPTION_CLERK, mini.petition_bureau)))
        mine = clerk.get(CLOCKS, {"object_type": OBJECT_TYPE, "object_id": str(matter.pk)}).json()["results"]
        assert mine and {row["object_id"] for row in mine} == {str(matter.pk)}
        assert clerk.get(CLOCKS, {"running": "false"}).json()["count"] == 0
        assert clerk.get(CLOCKS, {"due_before": "2004-01-01"}).json()["count"] == 0
        assert clerk.get(CLOCKS, {"object_type": "legalservices.servicerequest"}).status_code == 400

    def test_no_matter_view_no_clocks(self, mini):
        register_walk_in(mini)
        admin = token_client(make_user((Role.SYSTEM_ADMIN, mini.district)))
        assert admin.get(CLOCKS).json()["count"] == 0
