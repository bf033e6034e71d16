"""Reads of the calendar and the clocks, and the in-memory calendar every deadline uses.

The whole calendar (about 9,000 days) is loaded once per process into a `MemoryCalendar`, so a
deadline costs no query. The cache is dropped when a year is seeded or loaded (in this process,
at once and on commit), and other processes (web workers, the task worker) notice the change by
a one-row version check at most every `CACHE_RECHECK_SECONDS`.
"""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass, field

from django.db.models import Count, Max, QuerySet

from .choices import CalendarStatus, DayKind, Unit
from .deadlines import DeadlineResult, DeadlineRules, MemoryCalendar, compute_deadline
from .holidays import (
    FIRST_SUPPORTED_YEAR,
    LAST_SUPPORTED_YEAR,
    NAME_SEPARATOR,
    DayInfo,
    holiday_label,
    list_separator,
    make_day,
)
from .models import CalendarDay, CalendarYear, Clock

CACHE_RECHECK_SECONDS = 60.0
_ONE = datetime.timedelta(days=1)

_cache_lock = threading.Lock()
_cached: MemoryCalendar | None = None
_cached_token: Hashable = None
_checked_at = 0.0


def calendar_snapshot() -> MemoryCalendar:
    """A fresh in-memory copy of the stored calendar (one query), outside the shared cache.
    Services use it inside their transaction, where the cache may not see their writes yet."""
    rows = CalendarDay.objects.values_list("date", "kind", "holiday_name", "source").order_by()
    return MemoryCalendar(
        make_day(day, kind, name, provisional=source == CalendarStatus.PROVISIONAL)
        for day, kind, name, source in rows.iterator(chunk_size=5000)
    )


def _version_token() -> Hashable:
    agg = CalendarYear.objects.aggregate(years=Count("year"), last=Max("loaded_at"))
    return (agg["years"], agg["last"])


def calendar_lookup() -> MemoryCalendar:
    """The shared in-memory calendar. Queries only on first use, after `calendar_cache_clear()`,
    and for a version check at most every CACHE_RECHECK_SECONDS."""
    global _cached, _cached_token, _checked_at
    now = time.monotonic()
    calendar = _cached
    if calendar is not None and now - _checked_at < CACHE_RECHECK_SECONDS:
        return calendar
    with _cache_lock:
        token = _version_token()
        if _cached is None or token != _cached_token:
            _cached = calendar_snapshot()
            _cached_token = token
        _checked_at = now
        return _cached


def calendar_cache_clear() -> None:
    """Forget the in-memory calendar (after a year is seeded or loaded; tests call it too)."""
    global _cached, _cached_token, _checked_at
    with _cache_lock:
        _cached, _cached_token, _checked_at = None, None, 0.0


def deadline_compute(
    *, start: datetime.date, period: int, unit: str = Unit.CALENDAR, rules: DeadlineRules | None = None
) -> DeadlineResult:
    """The due date of a period on the stored calendar (see `deadlines.compute_deadline`).
    Raises a translated ValidationError on bad input."""
    return compute_deadline(start=start, period=period, unit=unit, calendar=calendar_lookup(), rules=rules)


def calendar_day(*, date: datetime.date) -> DayInfo:
    """What a day is (working or not, and why)."""
    return calendar_lookup().day(date)


def calendar_year_list() -> QuerySet[CalendarYear]:
    """The stored years, oldest first."""
    return CalendarYear.objects.order_by("year")


@dataclass(frozen=True)
class RestSpan:
    """Consecutive holiday days, for display."""

    first: datetime.date
    last: datetime.date
    label: str

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class LabelledDay:
    """A day and the holiday it belongs to, for display."""

    date: datetime.date
    label: str


@dataclass(frozen=True)
class YearOverview:
    """One year as the year page shows it."""

    year: int
    status: str
    stored: CalendarYear | None
    holiday_spans: list[RestSpan] = field(default_factory=list)
    makeup_days: list[LabelledDay] = field(default_factory=list)
    working_days: int = 0
    rest_days: int = 0

    @property
    def is_provisional(self) -> bool:
        return self.status == CalendarStatus.PROVISIONAL


def calendar_year_overview(*, year: int) -> YearOverview:
    """Holidays (as spans), make-up working days and counts of one year. A year not stored is
    shown as its provisional calendar. Raises ValueError outside 2004–2099."""
    if not FIRST_SUPPORTED_YEAR <= year <= LAST_SUPPORTED_YEAR:
        raise ValueError(year)
    calendar = calendar_lookup()
    stored = CalendarYear.objects.filter(year=year).first()
    day = datetime.date(year, 1, 1)
    days: list[DayInfo] = []
    while day.year == year:
        days.append(calendar.day(day))
        day += _ONE
    spans: list[RestSpan] = []
    run: list[DayInfo] = []
    for info in [*days, None]:
        if info is not None and info.kind == DayKind.HOLIDAY and (not run or info.date - run[-1].date == _ONE):
            run.append(info)
            continue
        if run:
            names: list[str] = []
            for d in run:
                for part in d.holiday_name.split(NAME_SEPARATOR):
                    if part and part not in names:
                        names.append(part)
            label = list_separator().join(holiday_label(n) for n in names)
            spans.append(RestSpan(first=run[0].date, last=run[-1].date, label=label))
        run = [info] if info is not None and info.kind == DayKind.HOLIDAY else []
    status = stored.status if stored else CalendarStatus.PROVISIONAL
    return YearOverview(
        year=year,
        status=status,
        stored=stored,
        holiday_spans=spans,
        makeup_days=[
            LabelledDay(date=d.date, label=holiday_label(d.holiday_name))
            for d in days
            if d.kind == DayKind.MAKEUP_WORKDAY
        ],
        working_days=sum(1 for d in days if d.is_working_day),
        rest_days=sum(1 for d in days if not d.is_working_day),
    )


def clock_get(*, object_type: str, object_id: str, kind: str) -> Clock | None:
    """The running clock of a kind on an object, or None."""
    return Clock.objects.filter(
        object_type=object_type, object_id=str(object_id), kind=kind, stopped_at__isnull=True
    ).first()


def clock_list_for_object(*, object_type: str, object_id: str, include_stopped: bool = False) -> QuerySet[Clock]:
    """An object's clocks, soonest due first (running only, unless `include_stopped`)."""
    qs = Clock.objects.filter(object_type=object_type, object_id=str(object_id))
    if not include_stopped:
        qs = qs.filter(stopped_at__isnull=True)
    return qs.order_by("due_date", "id")


def clock_list_due(*, on_or_before: datetime.date) -> QuerySet[Clock]:
    """Running clocks due on or before a date (for the deadlines sweep and supervision)."""
    return Clock.objects.filter(stopped_at__isnull=True, due_date__lte=on_or_before).order_by("due_date", "id")
