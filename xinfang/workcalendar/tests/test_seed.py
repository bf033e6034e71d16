"""`calendar_seed`: chinesecalendar's years official, provisional years after them, idempotent."""

from __future__ import annotations

import datetime
import time
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.workcalendar.choices import CalendarStatus, DayKind, Unit
from xinfang.workcalendar.models import CalendarDay, CalendarYear, Clock
from xinfang.workcalendar.services import calendar_seed, clock_start

from .conftest import TODAY

pytestmark = pytest.mark.django_db
D = datetime.date


class SeededCalendarTests:
    def test_years_and_statuses(self) -> None:
        statuses = dict(CalendarYear.objects.values_list("year", "status"))
        assert [y for y, s in statuses.items() if s == CalendarStatus.OFFICIAL] == list(range(2004, 2027))
        assert [y for y, s in statuses.items() if s == CalendarStatus.PROVISIONAL] == [2027, 2028]

    def test_every_stored_day_agrees_with_chinesecalendar(self) -> None:
        rows = CalendarDay.objects.filter(year_id__lte=2026).values_list("date", "is_working_day")
        mismatches = [d for d, working in rows if working != chinese_calendar.is_workday(d)]
        assert mismatches == []
        assert len(rows) == sum(366 if y % 4 == 0 else 365 for y in range(2004, 2027))

    def test_makeup_days_are_stored(self) -> None:
        day = CalendarDay.objects.get(date=D(2026, 2, 28))
        assert (day.kind, day.is_working_day, day.holiday_name) == (DayKind.MAKEUP_WORKDAY, True, "春节")
        assert str(day).startswith("2026-02-28")


class SeedServiceTests:
    def test_second_run_changes_nothing(self) -> None:
        events = AuditEvent.objects.count()
        result = calendar_seed(actor=SYSTEM, today=TODAY)
        assert not result.changed_anything
        assert AuditEvent.objects.count() == events

    def test_seed_from_empty_is_fast_and_audited(self) -> None:
        CalendarDay.objects.all().delete()
        CalendarYear.objects.all().delete()
        began = time.perf_counter()
        result = calendar_seed(actor=SYSTEM, today=TODAY)
        assert time.perf_counter() - began < 5
        assert result.official_created == list(range(2004, 2027))
        assert result.provisional_created == [2027, 2028]
        assert CalendarDay.objects.count() == result.days_written == 9132
        event = AuditEvent.objects.filter(action="calendar.seed").get()
        assert event.summary["provisional_created"] == [2027, 2028]
        assert event.actor_label == "system"

    def test_provisional_years_follow_today(self) -> None:
        result = calendar_seed(actor=SYSTEM, today=D(2027, 6, 1))
        assert result.provisional_created == [2029]
        assert CalendarYear.objects.get(year=2029).status == CalendarStatus.PROVISIONAL

    def test_provisional_year_covered_by_chinesecalendar_becomes_official(self) -> None:
        # Pretend 2026 had not been published yet; a clock was computed on the provisional days.
        CalendarDay.objects.filter(year_id=2026).delete()
        CalendarYear.objects.filter(year=2026).update(status=CalendarStatus.PROVISIONAL)
        from xinfang.workcalendar.holidays import provisional_year_days
        from xinfang.workcalendar.services import _day_rows

        CalendarDay.objects.bulk_create(_day_rows(provisional_year_days(2026)))
        clock = clock_start(
            object_type="tests.thing",
            object_id="1",
            kind="k",
            start_date=D(2026, 2, 12),
            period=5,
            unit=Unit.WORKING,
            actor=SYSTEM,
        )
        assert clock.is_provisional
        assert clock.due_date == D(2026, 2, 25)  # 13, 20, 23, 24, 25: 除夕–初三 rest, no 调休
        result = calendar_seed(actor=SYSTEM, today=TODAY)
        assert result.official_upgraded == [2026]
        assert (result.clocks_recomputed, result.clocks_changed) == (1, 1)
        clock = Clock.objects.get(pk=clock.pk)
        # Officially: 13, 14 (Saturday, 调休), 24, 25, 26.
        assert (clock.due_date, clock.is_provisional) == (D(2026, 2, 26), False)
        assert AuditEvent.objects.filter(action="clock.recompute", object_id="1").count() == 1


def seed_command(*args: str) -> str:
    out = StringIO()
    with translation.override("zh-hans"):
        call_command("calendar_seed", *args, stdout=out)
    return out.getvalue()


class SeedCommandTests:
    def test_command_is_idempotent(self) -> None:
        # The real today decides how many provisional years there are (through 2028 in 2026).
        first = seed_command()
        assert "无需更改" in first or "暂定年度新增" in first
        assert "无需更改" in seed_command()

    def test_command_through_year(self) -> None:
        assert "暂定年度新增 3 个" in seed_command("--through-year", "2031")
        assert CalendarYear.objects.filter(year__gte=2029, status=CalendarStatus.PROVISIONAL).count() == 3

    def test_command_refuses_bad_year(self) -> None:
        with pytest.raises(CommandError, match="年份无效"):
            seed_command("--through-year", "1999")
