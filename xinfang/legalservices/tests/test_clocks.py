"""Time limits on the working calendar: legal aid decided within 7 days of receipt (D38,
《法律援助法》第四十三条), notarisation within 15 working days of acceptance (D41, 《公证法》第三十条);
kinds without a legal limit run no clock."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from xinfang.core.actors import SYSTEM
from xinfang.legalservices.models import ServiceKind
from xinfang.legalservices.services import (
    OBJECT_TYPE,
    public_request_submit,
    request_accept,
    request_complete,
    service_kind_save,
)
from xinfang.workcalendar.deadlines import compute_deadline
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import calendar_lookup

from .conftest import Points

pytestmark = pytest.mark.django_db


def request_at(points: Points, code: str, **extra):
    return public_request_submit(
        point=points.centre,
        kind=points.kinds[code],
        preferred_date=timezone.localdate(),
        time_slot="morning",
        name="何志强",
        phone="13800009002",
        description="测试申请",
        **extra,
    ).request


def running(request) -> list[Clock]:
    return list(Clock.objects.filter(object_type=OBJECT_TYPE, object_id=str(request.pk), stopped_at__isnull=True))


class LegalAidClockTests:
    def test_seven_days_from_receipt_roll_past_the_national_day_holiday(self, points: Points):
        """D38: received Sunday 28 Sep 2025 (a make-up working day); day 7 is 5 Oct, inside the
        National Day holiday (1-8 Oct), so the decision is due on the next working day, 9 Oct."""
        request = request_at(points, "legal_aid", received_on=datetime.date(2025, 9, 28))
        [clock] = running(request)
        assert clock.kind == "legal_aid_7calendar" and clock.period == 7 and clock.unit == "calendar"
        assert clock.start_date == datetime.date(2025, 9, 28)
        assert clock.due_date == datetime.date(2025, 10, 9)
        assert clock.org_id == points.justice_bureau.pk

    def test_seven_days_on_an_ordinary_week(self, points: Points):
        request = request_at(points, "legal_aid", received_on=datetime.date(2025, 3, 3))
        assert running(request)[0].due_date == datetime.date(2025, 3, 10)

    def test_default_start_is_today_and_the_decision_stops_it(self, points: Points):
        request = request_at(points, "legal_aid")
        [clock] = running(request)
        today = timezone.localdate()
        assert clock.start_date == today
        assert (
            clock.due_date
            == compute_deadline(start=today, period=7, unit="calendar", calendar=calendar_lookup()).due_date
        )
        request_accept(actor=SYSTEM, service_request=request)  # the decision to grant
        assert running(request) == []
        assert Clock.objects.get(pk=clock.pk).stop_reason == "accepted"


class NotarisationClockTests:
    def test_fifteen_working_days_from_acceptance(self, points: Points):
        request = request_at(points, "notarisation")
        assert running(request) == []  # nothing runs before acceptance
        request_accept(actor=SYSTEM, service_request=request)
        [clock] = running(request)
        today = timezone.localdate()
        assert clock.kind == "notarisation_15working" and clock.unit == "working"
        assert (
            clock.due_date
            == compute_deadline(start=today, period=15, unit="working", calendar=calendar_lookup()).due_date
        )
        assert (clock.due_date - today).days >= 20  # 15 working days are at least three weeks
        request_complete(actor=SYSTEM, service_request=request, outcome="公证书已出具，请到窗口领取。")
        assert running(request) == []


class NoLimitTests:
    def test_consultation_runs_no_clock(self, points: Points):
        request = request_at(points, "consultation")
        request_accept(actor=SYSTEM, service_request=request)
        assert running(request) == []

    def test_an_edited_limit_must_be_complete(self, points: Points):
        kind = ServiceKind.objects.get(code="consultation")
        kind.limit_period = 5
        with pytest.raises(Exception) as excinfo:
            service_kind_save(actor=SYSTEM, kind=kind, changed={"limit_period"})
        assert "同时填写" in str(excinfo.value)
