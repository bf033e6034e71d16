"""Deadline arithmetic as pure functions (regulations.md §3, CNT-01..CNT-07).

Nothing here touches the database: every function takes a `CalendarLookup` (anything with a
`day(date) -> DayInfo` method), so the rules can be tested with an in-memory calendar. The
database-backed, cached calendar is `xinfang.workcalendar.selectors.calendar_lookup()`, and
`selectors.deadline_compute()` is the wrapper workflow apps call.

Rules (each can be switched in `settings.XINFANG_DEADLINE_RULES`, read at every call):

- CNT-03/CNT-06(1) `exclude_start_day`: the day of the triggering event is not counted; counting
  starts the next day (民法典 Art. 201).
- CNT-03/CNT-06(2) `roll_forward_to_working_day`: a calendar-day, month or year period whose last
  day is not a working day (weekend or holiday; a make-up working day *is* one) ends on the next
  working day (Art. 203).
- CNT-06(3): a working-day period counts working days after the start day, skipping weekends and
  holidays and counting make-up working days (调休).
- CNT-03 `month_end_rule`: a month or year period ends on the corresponding day of the last month;
  if that month has no such day, on its last day (Art. 202).

A result is *provisional* when any day it examined lies in a provisional year or outside the
loaded calendar: the official notice may still move it.
"""

from __future__ import annotations

import calendar as _calendar
import datetime
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import dateformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from .choices import DayKind, Unit
from .holidays import (
    FIRST_SUPPORTED_DATE,
    LAST_SUPPORTED_DATE,
    ONE_DAY,
    DayInfo,
    holiday_label,
    list_separator,
    provisional_year_days,
)

__all__ = [
    "MAX_PERIOD",
    "CalendarLookup",
    "CalendarRangeError",
    "DayInfo",
    "DeadlineResult",
    "DeadlineRules",
    "MemoryCalendar",
    "Unit",
    "add_months",
    "compute_deadline",
    "validate_request",
    "working_days_between",
]

# Longest period accepted per unit: anything longer is a typing error. Days are capped at 3650
# (ten years); months and years reach 20 years because statutes use them (行政复议法 Art. 21).
MAX_PERIOD: Mapping[str, int] = {
    Unit.CALENDAR: 3650,
    Unit.WORKING: 2500,
    Unit.MONTH: 240,
    Unit.YEAR: 20,
}


class CalendarRangeError(ValidationError):
    """A date outside the range the calendar supports (2004-01-01 to 2099-12-31)."""


def _range_error(day: datetime.date) -> CalendarRangeError:
    return CalendarRangeError(
        _("日期 %(date)s 超出日历支持的范围（%(first)s 至 %(last)s）。")
        % {"date": day.isoformat(), "first": FIRST_SUPPORTED_DATE.isoformat(), "last": LAST_SUPPORTED_DATE.isoformat()},
        code="out_of_range",
    )


class CalendarLookup(Protocol):
    """What the arithmetic needs from a calendar."""

    def day(self, date: datetime.date) -> DayInfo: ...


class MemoryCalendar:
    """A calendar held in memory: the given days (from the database, or built in a test), and for
    any other supported year the provisional days, generated on first use. Lookups cost no query.
    Thread-safe: generated years are added under a lock, and readers only read the dict."""

    def __init__(self, days: Iterable[DayInfo] = ()) -> None:
        self._days: dict[datetime.date, DayInfo] = {d.date: d for d in days}
        self._known_years = frozenset(d.year for d in self._days)
        self._lock = threading.Lock()

    @property
    def loaded_years(self) -> frozenset[int]:
        """Years for which days were given (not generated)."""
        return self._known_years

    def day(self, date: datetime.date) -> DayInfo:
        try:
            return self._days[date]
        except KeyError:
            pass
        if not FIRST_SUPPORTED_DATE <= date <= LAST_SUPPORTED_DATE:
            raise _range_error(date) from None
        with self._lock:
            if date not in self._days:
                # Outside the loaded calendar: the provisional year (weekends + statutory holidays).
                self._days.update((d.date, d) for d in provisional_year_days(date.year))
        return self._days[date]


@dataclass(frozen=True)
class DeadlineRules:
    """The counting policy (regulations.md CNT-06: a setting, overridable per province)."""

    exclude_start_day: bool = True
    roll_forward_to_working_day: bool = True
    month_end_rule: bool = True

    @classmethod
    def from_settings(cls) -> DeadlineRules:
        """Read `settings.XINFANG_DEADLINE_RULES` now (never cached, so a change applies at once)."""
        raw: Mapping[str, Any] = getattr(settings, "XINFANG_DEADLINE_RULES", None) or {}
        known = set(cls.__dataclass_fields__)
        unknown = set(raw) - known
        if unknown:
            # A misspelt key would silently fall back to the default: refuse it.
            raise ImproperlyConfigured(f"XINFANG_DEADLINE_RULES: unknown key(s) {sorted(unknown)}")
        return cls(**{k: bool(v) for k, v in raw.items()})


@dataclass(frozen=True)
class DeadlineResult:
    """A computed due date, with what is needed to explain it and to know whether it may move."""

    start: datetime.date
    period: int
    unit: str
    due_date: datetime.date
    rules: DeadlineRules
    # CAL/month/year: the last day of the period before rolling forward (None for WD).
    nominal_end: datetime.date | None = None
    # CAL/month/year: the rest days passed over by rolling forward.
    rolled_over: tuple[DayInfo, ...] = ()
    # WD: the rest days not counted, and the make-up working days counted.
    skipped: tuple[DayInfo, ...] = ()
    makeup_days: tuple[DayInfo, ...] = ()
    # The days whose kind decided the result (None when no day's kind mattered).
    examined_from: datetime.date | None = None
    examined_to: datetime.date | None = None
    provisional_years: tuple[int, ...] = field(default=())
    # CAL/month/year with rolling: the due day as the calendar has it (None otherwise).
    due_day: DayInfo | None = None

    @property
    def is_provisional(self) -> bool:
        return bool(self.provisional_years)

    @property
    def examined_years(self) -> range:
        if self.examined_from is None or self.examined_to is None:
            return range(0)
        return range(self.examined_from.year, self.examined_to.year + 1)

    def days_left(self, today: datetime.date) -> int:
        """Calendar days from `today` to the due date (0: due today; negative: overdue)."""
        return (self.due_date - today).days

    def explanation(self) -> list[str]:
        """How the due date was reached, one translated sentence per step."""
        return _explain(self)


# --- Arithmetic ------------------------------------------------------------------------------


def add_months(start: datetime.date, months: int, *, month_end_rule: bool = True) -> datetime.date:
    """The corresponding day `months` later (民法典 Art. 202). If that month has no such day
    (31 January + 1 month), the month's last day with `month_end_rule`; otherwise the overflow
    runs into the next month (the first day after the month's end)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = _calendar.monthrange(year, month)[1]
    if start.day <= last:
        return datetime.date(year, month, start.day)
    if month_end_rule:
        return datetime.date(year, month, last)
    return datetime.date(year, month, last) + ONE_DAY


def validate_request(start: datetime.date, period: int, unit: str) -> Unit:
    """Refuse impossible requests with a translated ValidationError."""
    if unit not in Unit.values:
        raise ValidationError(
            _("未知的期间单位“%(unit)s”，应为：%(units)s。") % {"unit": unit, "units": ", ".join(Unit.values)},
            code="unit",
        )
    unit = Unit(unit)
    if isinstance(period, bool) or not isinstance(period, int):
        raise ValidationError(_("期间必须是整数。"), code="period")
    if period <= 0:
        raise ValidationError(_("期间必须大于零。"), code="period")
    if period > MAX_PERIOD[unit]:
        raise ValidationError(
            _("期间过长：按%(unit)s计算最多 %(max)s。") % {"unit": unit.label, "max": MAX_PERIOD[unit]},
            code="period",
        )
    if not isinstance(start, datetime.date) or isinstance(start, datetime.datetime):
        raise ValidationError(_("起算日必须是日期。"), code="start")
    if not FIRST_SUPPORTED_DATE <= start <= LAST_SUPPORTED_DATE:
        raise _range_error(start)
    return unit


def compute_deadline(
    *,
    start: datetime.date,
    period: int,
    unit: str,
    calendar: CalendarLookup,
    rules: DeadlineRules | None = None,
) -> DeadlineResult:
    """The due date of a period of `period` `unit`s triggered on `start`.

    `rules` defaults to the settings at call time. Raises ValidationError (translated) for a bad
    unit, a period <= 0 or too long, or a date outside the supported calendar."""
    unit = validate_request(start, period, unit)
    rules = rules if rules is not None else DeadlineRules.from_settings()
    if unit == Unit.WORKING:
        return _working_days(start, period, calendar, rules)
    if unit == Unit.CALENDAR:
        nominal = start + datetime.timedelta(days=period if rules.exclude_start_day else period - 1)
    else:
        months = period * 12 if unit == Unit.YEAR else period
        nominal = add_months(start, months, month_end_rule=rules.month_end_rule)
        if not rules.exclude_start_day:
            nominal -= ONE_DAY  # the start day counts, so the period ends a day earlier
    if nominal > LAST_SUPPORTED_DATE:
        raise _range_error(nominal)
    if not rules.roll_forward_to_working_day:
        # No day's kind matters: the result cannot move when a notice is loaded.
        return DeadlineResult(start=start, period=period, unit=unit, due_date=nominal, rules=rules, nominal_end=nominal)
    rolled: list[DayInfo] = []
    provisional: set[int] = set()
    day = calendar.day(nominal)
    while True:
        if day.provisional:
            provisional.add(day.date.year)
        if day.is_working_day:
            break
        rolled.append(day)
        day = calendar.day(day.date + ONE_DAY)
    return DeadlineResult(
        start=start,
        period=period,
        unit=unit,
        due_date=day.date,
        rules=rules,
        nominal_end=nominal,
        rolled_over=tuple(rolled),
        examined_from=nominal,
        examined_to=day.date,
        provisional_years=tuple(sorted(provisional)),
        due_day=day,
    )


def _working_days(start: datetime.date, period: int, calendar: CalendarLookup, rules: DeadlineRules) -> DeadlineResult:
    # CNT-06(3): the start day counts only when the rules include it (and it is a working day).
    day_date = start if rules.exclude_start_day else start - ONE_DAY
    first = day_date + ONE_DAY
    counted = 0
    skipped: list[DayInfo] = []
    makeup: list[DayInfo] = []
    provisional: set[int] = set()
    lookup = calendar.day
    while counted < period:
        day_date += ONE_DAY
        day = lookup(day_date)
        if day.provisional:
            provisional.add(day_date.year)
        if day.is_working_day:
            counted += 1
            if day.kind == DayKind.MAKEUP_WORKDAY:
                makeup.append(day)
        else:
            skipped.append(day)
    return DeadlineResult(
        start=start,
        period=period,
        unit=Unit.WORKING,
        due_date=day_date,
        rules=rules,
        skipped=tuple(skipped),
        makeup_days=tuple(makeup),
        examined_from=first,
        examined_to=day_date,
        provisional_years=tuple(sorted(provisional)),
    )


def working_days_between(calendar: CalendarLookup, after: datetime.date, until: datetime.date) -> int:
    """Number of working days in (after, until]; negative when `until` is before `after`."""
    if until < after:
        return -working_days_between(calendar, until, after)
    count = 0
    day = after
    while day < until:
        day += ONE_DAY
        if calendar.day(day).is_working_day:
            count += 1
    return count


# --- Explanation -----------------------------------------------------------------------------


def _fmt(day: datetime.date) -> str:
    # ISO date plus the weekday in the current language, e.g. 2026-10-08（星期四）.
    return _("%(date)s（%(weekday)s）") % {"date": day.isoformat(), "weekday": dateformat.format(day, "l")}


def _rest_reason(days: Iterable[DayInfo]) -> str:
    names: list[str] = []
    weekend = False
    for day in days:
        if day.kind == DayKind.HOLIDAY and day.holiday_name:
            label = holiday_label(day.holiday_name)
            if label not in names:
                names.append(label)
        elif day.kind == DayKind.WEEKEND:
            weekend = True
    parts = [_("%(name)s假期") % {"name": n} for n in names]
    if weekend:
        parts.append(pgettext("rest days", "周末"))
    return list_separator().join(parts)


def _explain(result: DeadlineResult) -> list[str]:
    rules = result.rules
    lines: list[str] = []
    unit = Unit(result.unit)
    if rules.exclude_start_day:
        lines.append(
            _("依照民法典第二百零一条，起算日 %(start)s不计入，从次日开始计算。") % {"start": _fmt(result.start)}
        )
    else:
        lines.append(_("按本地规则，起算日 %(start)s计入期间。") % {"start": _fmt(result.start)})
    if unit == Unit.WORKING:
        lines.append(
            ngettext(
                "按工作日计算 %(count)s 日：跳过周末和法定节假日，调休上班日计入。",
                "按工作日计算 %(count)s 日：跳过周末和法定节假日，调休上班日计入。",
                result.period,
            )
            % {"count": result.period}
        )
        if result.skipped:
            lines.append(
                ngettext(
                    "期间内不计算的休息日 %(count)s 天（%(reason)s）。",
                    "期间内不计算的休息日 %(count)s 天（%(reason)s）。",
                    len(result.skipped),
                )
                % {"count": len(result.skipped), "reason": _rest_reason(result.skipped)}
            )
        for day in result.makeup_days:
            lines.append(
                _("%(date)s为%(name)s调休上班日，计为工作日。")
                % {"date": _fmt(day.date), "name": holiday_label(day.holiday_name)}
            )
        lines.append(_("第 %(count)s 个工作日为 %(due)s。") % {"count": result.period, "due": _fmt(result.due_date)})
    else:
        assert result.nominal_end is not None
        if unit == Unit.CALENDAR:
            lines.append(
                ngettext(
                    "按自然日计算 %(count)s 日，期间最后一日为 %(end)s。",
                    "按自然日计算 %(count)s 日，期间最后一日为 %(end)s。",
                    result.period,
                )
                % {"count": result.period, "end": _fmt(result.nominal_end)}
            )
        else:
            months = result.period * 12 if unit == Unit.YEAR else result.period
            if rules.month_end_rule:
                rule = _(
                    "到期月份的对应日为最后一日；该月没有对应日的，以该月最后一日为期间最后一日（民法典第二百零二条）。"
                )
            else:
                rule = _("到期月份的对应日为最后一日；该月没有对应日的，顺延至次月第一日（按本地规则）。")
            lines.append(
                ngettext(
                    "按月计算 %(count)s 个月：%(rule)s期间最后一日为 %(end)s。",
                    "按月计算 %(count)s 个月：%(rule)s期间最后一日为 %(end)s。",
                    months,
                )
                % {"count": months, "rule": rule, "end": _fmt(result.nominal_end)}
            )
        if not rules.roll_forward_to_working_day:
            lines.append(_("按本地规则，期间最后一日为休息日的不顺延。"))
        elif result.rolled_over:
            first, last = result.rolled_over[0].date, result.rolled_over[-1].date
            span = (
                _fmt(first) if first == last else _("%(first)s至 %(last)s") % {"first": _fmt(first), "last": _fmt(last)}
            )
            lines.append(
                _("依照民法典第二百零三条，%(span)s为休息日（%(reason)s），期限顺延至其后第一个工作日 %(due)s。")
                % {"span": span, "reason": _rest_reason(result.rolled_over), "due": _fmt(result.due_date)}
            )
        elif result.due_day is not None and result.due_day.kind == DayKind.MAKEUP_WORKDAY:
            lines.append(
                _("期间最后一日 %(date)s是%(name)s调休上班日，属于工作日，无需顺延。")
                % {"date": _fmt(result.due_date), "name": holiday_label(result.due_day.holiday_name)}
            )
        else:
            lines.append(_("期间最后一日是工作日，无需顺延。"))
    if result.is_provisional:
        years = list_separator().join(str(y) for y in result.provisional_years)
        lines.append(
            _("%(years)s 年的放假安排尚未公布，按周末和法定节假日暂定计算；正式安排载入后将重新计算。")
            % {"years": years}
        )
    return lines
