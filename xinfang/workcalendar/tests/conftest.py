"""Fixtures of the workcalendar tests.

The calendar is seeded for every test database by the root conftest
(xinfang.workcalendar.testing.seed_test_calendar). Tests of the pure arithmetic use the same
days in memory (`memory_calendar`) and never touch the database. No audit event is written for it, so other
apps' tests that count audit events are not disturbed."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.utils import translation

from xinfang.workcalendar.deadlines import MemoryCalendar
from xinfang.workcalendar.selectors import calendar_cache_clear
from xinfang.workcalendar.testing import calendar_days

TODAY = datetime.date(2026, 11, 27)  # the seed's "today": provisional years through 2028


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
