"""Adjustments of a running clock: an approved extension (clock_extend, XF-DL-02) and an excluded
period (clock_pause, a hearing during re-review, XF-REV-05), on calendar-day and working-day
clocks; both survive a recomputation after the calendar changes. Month and year clocks, stopped
clocks and overlapping pauses are refused, and a refusal writes nothing."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.errors import ServiceError
from xinfang.workcalendar.choices import DayKind, Unit
from xinfang.workcalendar.deadlines import compute_deadline
from xinfang.workcalendar.models import CalendarDay, Clock, ClockAdjustment
from xinfang.workcalendar.selectors import calendar_cache_clear, calendar_lookup
from xinfang.workcalendar.services import (
    clock_correct_start,
    clock_extend,
    clock_pause,
    clock_recompute,
    clock_recompute_range,
    clock_start,
    clock_stop,
)

pytestmark = pytest.mark.django_db
D = datetime.date
START = D(2026, 6, 1)  # a Monday


def start(unit: str = Unit.CALENDAR, period: int = 30, start_date: datetime.date = START, kind: str = "k") -> Clock:
    return clock_start(
        object_type="petitions.matter",
        object_id="42",
        kind=kind,
        start_date=start_date,
        period=period,
        unit=unit,
        actor=SYSTEM,
        org_id=7,
    )


def due(start_date: datetime.date, period: int, unit: str) -> datetime.date:
    return compute_deadline(start=start_date, period=period, unit=unit, calendar=calendar_lookup()).due_date


def is_working(day: datetime.date) -> bool:
    return calendar_lookup().day(day).is_working_day


def make_holiday(day: datetime.date) -> None:
    """The calendar changes: a working day becomes a holiday (as a corrected notice would do)."""
    assert CalendarDay.objects.filter(date=day).update(
        is_working_day=False, kind=DayKind.HOLIDAY, holiday_name="Test holiday"
    )
    calendar_cache_clear()


def written() -> tuple[int, int]:
    return ClockAdjustment.objects.count(), AuditEvent.objects.count()


@pytest.fixture(autouse=True)
def _fresh_calendar() -> Any:
    calendar_cache_clear()
    yield
    calendar_cache_clear()


class ClockExtendTests:
    @pytest.mark.parametrize(("unit", "period"), [(Unit.CALENDAR, 60), (Unit.WORKING, 10)])
    def test_xf_dl_02_extension_adds_days_of_the_clock_unit(self, unit, period):
        clock = start(unit, period)
        original = clock.due_date
        adjustment = clock_extend(clock=clock, days=5, actor=SYSTEM, reason="延期")
        clock.refresh_from_db()
        assert (adjustment.kind, adjustment.days, adjustment.clock) == ("extension", 5, clock)
        assert clock.period == period  # the period stays; the adjustment is folded in
        assert clock.due_date == due(START, period + 5, unit)
        event = AuditEvent.objects.get(action="clock.extension")
        assert event.summary["before"]["due_date"] == original.isoformat()
        assert event.summary["after"]["due_date"] == clock.due_date.isoformat()
        assert (event.object_type, event.object_id, event.org_id) == ("petitions.matter", "42", 7)

    @pytest.mark.parametrize("days", [0, -3, True, 2.5, "5"])
    def test_xf_dl_02_days_must_be_a_positive_integer(self, days):
        clock = start()
        before = written()
        with pytest.raises(ValidationError):
            clock_extend(clock=clock, days=days, actor=SYSTEM, reason="延期")
        assert written() == before


class ClockPauseTests:
    def test_xf_rev_05_calendar_pause_adds_its_days(self):
        clock = start(Unit.CALENDAR, 30)
        adjustment = clock_pause(
            clock=clock, start_date=D(2026, 6, 10), end_date=D(2026, 6, 12), actor=SYSTEM, reason="听证"
        )
        clock.refresh_from_db()
        assert (adjustment.kind, adjustment.days) == ("pause", 3)
        assert (adjustment.start_date, adjustment.end_date) == (D(2026, 6, 10), D(2026, 6, 12))
        assert clock.due_date == due(START, 33, Unit.CALENDAR)
        assert AuditEvent.objects.filter(action="clock.pause").count() == 1

    def test_xf_rev_05_working_day_pause_counts_working_days_only(self):
        # Friday 5 June to Monday 8 June: two working days.
        assert [is_working(D(2026, 6, d)) for d in (5, 6, 7, 8)] == [True, False, False, True]
        clock = start(Unit.WORKING, 10)
        adjustment = clock_pause(
            clock=clock, start_date=D(2026, 6, 5), end_date=D(2026, 6, 8), actor=SYSTEM, reason="x"
        )
        clock.refresh_from_db()
        assert adjustment.days == 2
        assert clock.due_date == due(START, 12, Unit.WORKING)

    def test_cnt_09_a_weekend_pause_leaves_a_working_day_clock(self):
        clock = start(Unit.WORKING, 10)
        before = clock.due_date
        adjustment = clock_pause(
            clock=clock, start_date=D(2026, 6, 6), end_date=D(2026, 6, 7), actor=SYSTEM, reason="x"
        )
        clock.refresh_from_db()
        assert adjustment.days == 0 and clock.due_date == before

    def test_cnt_09_extension_and_pauses_add_up(self):
        clock = start(Unit.CALENDAR, 30)
        clock_extend(clock=clock, days=10, actor=SYSTEM, reason="延期")
        clock_pause(clock=clock, start_date=D(2026, 6, 3), end_date=D(2026, 6, 4), actor=SYSTEM, reason="听证")
        clock_pause(clock=clock, start_date=D(2026, 6, 20), end_date=D(2026, 6, 20), actor=SYSTEM, reason="听证")
        clock.refresh_from_db()
        assert clock.due_date == due(START, 43, Unit.CALENDAR)

    @pytest.mark.parametrize(("first", "second"), [((10, 12), (12, 14)), ((10, 12), (8, 10)), ((10, 12), (11, 11))])
    def test_cnt_09_overlapping_pause_refused(self, first, second):
        clock = start()
        clock_pause(
            clock=clock, start_date=D(2026, 6, first[0]), end_date=D(2026, 6, first[1]), actor=SYSTEM, reason="a"
        )
        before = written()
        with pytest.raises(ValidationError) as exc:
            clock_pause(
                clock=clock, start_date=D(2026, 6, second[0]), end_date=D(2026, 6, second[1]), actor=SYSTEM, reason="b"
            )
        assert exc.value.code == "pause_overlap"
        assert written() == before

    def test_cnt_09_adjacent_pauses_allowed(self):
        clock = start()
        clock_pause(clock=clock, start_date=D(2026, 6, 10), end_date=D(2026, 6, 12), actor=SYSTEM, reason="a")
        clock_pause(clock=clock, start_date=D(2026, 6, 13), end_date=D(2026, 6, 14), actor=SYSTEM, reason="b")
        clock.refresh_from_db()
        assert clock.due_date == due(START, 35, Unit.CALENDAR)

    @pytest.mark.parametrize(
        ("start_date", "end_date"), [(D(2026, 6, 12), D(2026, 6, 10)), (D(2026, 5, 30), D(2026, 6, 2))]
    )
    def test_cnt_09_pause_dates_checked(self, start_date, end_date):
        clock = start()
        before = written()
        with pytest.raises(ValidationError) as exc:
            clock_pause(clock=clock, start_date=start_date, end_date=end_date, actor=SYSTEM, reason="x")
        assert exc.value.code == "pause_dates"
        assert written() == before


class RefusedAdjustmentTests:
    @pytest.mark.parametrize("unit", [Unit.MONTH, Unit.YEAR])
    def test_cnt_09_month_and_year_clocks_refused(self, unit):
        clock = start(unit, 2)
        before = written()
        with pytest.raises(ServiceError) as exc:
            clock_extend(clock=clock, days=5, actor=SYSTEM, reason="延期")
        assert exc.value.code == "clock_unit"
        with pytest.raises(ServiceError) as exc:
            clock_pause(clock=clock, start_date=D(2026, 6, 3), end_date=D(2026, 6, 4), actor=SYSTEM, reason="x")
        assert exc.value.code == "clock_unit"
        assert written() == before

    def test_cnt_09_stopped_clock_refused(self):
        clock = start()
        clock_stop(clock=clock, actor=SYSTEM, reason="已办结")
        before = written()
        with pytest.raises(ServiceError) as exc:
            clock_extend(clock=clock, days=5, actor=SYSTEM, reason="延期")
        assert exc.value.code == "clock_stopped"
        with pytest.raises(ServiceError) as exc:
            clock_pause(clock=clock, start_date=D(2026, 6, 3), end_date=D(2026, 6, 4), actor=SYSTEM, reason="x")
        assert exc.value.code == "clock_stopped"
        assert written() == before


class RecomputeWithAdjustmentsTests:
    def test_cnt_07_calendar_change_keeps_the_extension_and_the_pause(self):
        clock = start(Unit.WORKING, 10)
        clock_extend(clock=clock, days=5, actor=SYSTEM, reason="延期")
        clock_pause(clock=clock, start_date=D(2026, 6, 3), end_date=D(2026, 6, 4), actor=SYSTEM, reason="听证")
        clock.refresh_from_db()
        assert clock.due_date == due(START, 17, Unit.WORKING)
        changed_day = D(2026, 6, 10)
        assert is_working(changed_day)
        make_holiday(changed_day)
        recomputed, changed = clock_recompute_range(actor=SYSTEM, date_from=changed_day, date_to=changed_day)
        clock.refresh_from_db()
        assert (recomputed, changed) == (1, 1)
        assert clock.due_date == due(START, 17, Unit.WORKING)  # on the new calendar: one day later
        event = AuditEvent.objects.filter(action="clock.recompute").latest("id")
        assert event.summary["after"]["due_date"] == clock.due_date.isoformat()

    def test_cnt_07_holiday_inside_a_pause_leaves_the_due_date(self):
        # The pause excludes the working days inside it: a day that stops being one changes the
        # count on both sides, so the due date stays.
        clock = start(Unit.WORKING, 10)
        clock_pause(clock=clock, start_date=D(2026, 6, 3), end_date=D(2026, 6, 5), actor=SYSTEM, reason="听证")
        clock.refresh_from_db()
        before = clock.due_date
        make_holiday(D(2026, 6, 4))
        assert clock_recompute(clock=clock, actor=SYSTEM) is False
        assert clock.due_date == before

    def test_cnt_07_calendar_clock_due_day_becomes_a_holiday(self):
        clock = start(Unit.CALENDAR, 30)
        clock_extend(clock=clock, days=10, actor=SYSTEM, reason="延期")
        clock.refresh_from_db()
        old_due = clock.due_date
        make_holiday(old_due)
        clock_recompute_range(actor=SYSTEM, date_from=old_due, date_to=old_due)
        clock.refresh_from_db()
        assert clock.due_date > old_due
        assert clock.due_date == due(START, 40, Unit.CALENDAR)

    def test_cnt_08_corrected_start_keeps_the_adjustments(self):
        clock = start(Unit.CALENDAR, 30)
        clock_extend(clock=clock, days=10, actor=SYSTEM, reason="延期")
        clock_correct_start(clock=clock, start_date=D(2026, 6, 2), actor=SYSTEM, reason="受理日期更正")
        clock.refresh_from_db()
        assert clock.due_date == due(D(2026, 6, 2), 40, Unit.CALENDAR)
