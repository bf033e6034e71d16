"""Test support: the calendar every test database starts with (2004–2026 from chinesecalendar,
2027–2028 provisional), written once per test session with bulk inserts and no audit event, so
that tests counting audit events are not disturbed. Tests run in transactions that roll back to it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .choices import CalendarStatus
from .holidays import chinesecalendar_year_days, chinesecalendar_years, provisional_year_days

PROVISIONAL_YEARS = (2027, 2028)


def calendar_days() -> list[Any]:
    days = [d for year in chinesecalendar_years() for d in chinesecalendar_year_days(year)]
    return days + [d for year in PROVISIONAL_YEARS for d in provisional_year_days(year)]


def seed_test_calendar() -> None:
    """Store the test calendar unless a calendar is already there."""
    from .models import CalendarDay, CalendarYear
    from .services import _day_rows

    if CalendarYear.objects.exists():
        return
    now = timezone.now()
    years = [
        CalendarYear(year=y, status=CalendarStatus.OFFICIAL, source_note="chinesecalendar", loaded_at=now)
        for y in chinesecalendar_years()
    ] + [
        CalendarYear(year=y, status=CalendarStatus.PROVISIONAL, source_note="provisional", loaded_at=now)
        for y in PROVISIONAL_YEARS
    ]
    CalendarYear.objects.bulk_create(years)
    CalendarDay.objects.bulk_create(_day_rows(calendar_days()), batch_size=1000)
