"""Property tests of the arithmetic against chinesecalendar (official years 2004–2026), on the
calendar as stored in the database. Examples per test come from the hypothesis profile in the
project's conftest.py."""

from __future__ import annotations

import datetime
from typing import Any

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xinfang.workcalendar.choices import Unit
from xinfang.workcalendar.deadlines import DeadlineRules, MemoryCalendar, add_months, compute_deadline
from xinfang.workcalendar.selectors import calendar_snapshot

ONE = datetime.timedelta(days=1)
RULES = DeadlineRules()
# Late enough starts would end in 2027, which chinesecalendar cannot check.
# The database must be set up (pytest-django creates it only for tests that are marked).
pytestmark = pytest.mark.django_db

starts = st.dates(min_value=datetime.date(2004, 1, 1), max_value=datetime.date(2026, 10, 31))


@pytest.fixture(scope="module")
def stored_calendar(django_db_setup: Any, django_db_blocker: Any) -> MemoryCalendar:
    with django_db_blocker.unblock():
        return calendar_snapshot()


def is_workday(day: datetime.date) -> bool:
    return bool(chinese_calendar.is_workday(day))


class WorkingDayPropertyTests:
    """CNT-06(3)."""

    def test_cnt06_wd_due_is_the_nth_working_day(self, stored_calendar: MemoryCalendar) -> None:
        @given(start=starts, period=st.integers(min_value=1, max_value=30))
        def check(start: datetime.date, period: int) -> None:
            result = compute_deadline(
                start=start, period=period, unit=Unit.WORKING, calendar=stored_calendar, rules=RULES
            )
            assert is_workday(result.due_date)
            days = [start + ONE * i for i in range(1, (result.due_date - start).days + 1)]
            assert sum(1 for d in days if is_workday(d)) == period
            assert not result.is_provisional

        check()


class CalendarDayPropertyTests:
    """CNT-03, CNT-06(1)-(2)."""

    def test_cnt03_cal_due_is_first_working_day_from_nominal_end(self, stored_calendar: MemoryCalendar) -> None:
        @given(start=starts, period=st.integers(min_value=1, max_value=60))
        def check(start: datetime.date, period: int) -> None:
            result = compute_deadline(
                start=start, period=period, unit=Unit.CALENDAR, calendar=stored_calendar, rules=RULES
            )
            nominal = start + ONE * period
            assert result.due_date >= nominal
            assert is_workday(result.due_date)
            day = nominal
            while day < result.due_date:
                assert not is_workday(day)
                day += ONE

        check()

    def test_cnt03_month_due_is_first_working_day_from_corresponding_day(self, stored_calendar: MemoryCalendar) -> None:
        @given(start=st.dates(datetime.date(2004, 1, 1), datetime.date(2025, 10, 31)), months=st.integers(1, 12))
        def check(start: datetime.date, months: int) -> None:
            result = compute_deadline(
                start=start, period=months, unit=Unit.MONTH, calendar=stored_calendar, rules=RULES
            )
            nominal = add_months(start, months)
            assert nominal.day == start.day or nominal.month != (nominal + ONE).month  # Art. 202
            assert result.due_date >= nominal
            assert is_workday(result.due_date)
            assert all(not is_workday(nominal + ONE * i) for i in range((result.due_date - nominal).days))

        check()

    def test_cnt03_cal_never_earlier_than_wd(self, stored_calendar: MemoryCalendar) -> None:
        # N working days never end before N calendar days (rolled forward).
        @given(start=starts, period=st.integers(min_value=1, max_value=30))
        def check(start: datetime.date, period: int) -> None:
            cal = compute_deadline(
                start=start, period=period, unit=Unit.CALENDAR, calendar=stored_calendar, rules=RULES
            )
            wd = compute_deadline(start=start, period=period, unit=Unit.WORKING, calendar=stored_calendar, rules=RULES)
            # At most N working days lie in N days, and CAL ends on the first working day after them.
            assert wd.due_date >= cal.due_date

        check()
