"""Fixtures of the workcalendar tests.

The calendar (2004–2026 from chinesecalendar, 2027–2028 provisional) is written once per session,
straight into the test database with bulk inserts (about 9,000 rows, well under a second), and
kept: tests run in transactions that roll back to it. Tests of the pure arithmetic use the same
days in memory (`memory_calendar`) and never touch the database. No audit event is written for it, so other
apps' tests that count audit events are not disturbed."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

from xinfang.workcalendar.choices import CalendarStatus
from xinfang.workcalendar.deadlines import MemoryCalendar
from xinfang.workcalendar.holidays import chinesecalendar_year_days, chinesecalendar_years, provisional_year_days
from xinfang.workcalendar.selectors import calendar_cache_clear

TODAY = datetime.date(2026, 11, 27)  # the seed's "today": provisional years through 2028
PROVISIONAL_YEARS = (2027, 2028)


def calendar_days() -> list[Any]:
    days = [d for year in chinesecalendar_years() for d in chinesecalendar_year_days(year)]
    return days + [d for year in PROVISIONAL_YEARS for d in provisional_year_days(year)]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    # Overrides pytest-django's fixture for this folder: runs only once a test needs the database.
    from django.db import connection
    from django.utils import timezone

    from xinfang.workcalendar.models import CalendarDay, CalendarYear
    from xinfang.workcalendar.services import _day_rows

    name = str(connection.settings_dict["NAME"])
    if "memorydb" not in name and not name.rsplit("/", 1)[-1].startswith("test"):
        return  # no test database was set up (no test in this run is marked): never seed a real one
    with django_db_blocker.unblock():
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


@pytest.fixture(autouse=True)
def _fresh_calendar_cache_and_language() -> Iterator[None]:
    # The in-memory calendar must not outlive a test whose writes were rolled back. The language
    # too starts from the default: LocaleMiddleware leaves a request's language active afterwards.
    calendar_cache_clear()
    translation.deactivate()
    yield
    calendar_cache_clear()
    translation.deactivate()


@pytest.fixture(scope="session")
def memory_calendar() -> MemoryCalendar:
    """The same calendar held in memory, for tests of the pure arithmetic (no database)."""
    return MemoryCalendar(calendar_days())
