"""Deadline arithmetic on an in-memory calendar (regulations.md §3: CNT-03, CNT-06, CNT-07)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings
from django.utils import translation

from xinfang.workcalendar.choices import DayKind, Unit
from xinfang.workcalendar.deadlines import (
    DeadlineRules,
    MemoryCalendar,
    add_months,
    compute_deadline,
    working_days_between,
)
from xinfang.workcalendar.holidays import chinesecalendar_year_days

D = datetime.date
DEFAULT = DeadlineRules()


def due(calendar: MemoryCalendar, start: datetime.date, period: int, unit: str = Unit.CALENDAR, **rules: bool):
    return compute_deadline(start=start, period=period, unit=unit, calendar=calendar, rules=DeadlineRules(**rules))


class CalendarDayPeriodTests:
    """CAL periods: CNT-03 / CNT-06(1)-(2)."""

    def test_cnt03_example_2026_09_16_plus_15_rolls_over_national_day(self, memory_calendar: MemoryCalendar) -> None:
        result = due(memory_calendar, D(2026, 9, 16), 15)
        assert result.nominal_end == D(2026, 10, 1)
        assert result.due_date == D(2026, 10, 8)
        assert [d.date for d in result.rolled_over] == [D(2026, 10, day) for day in range(1, 8)]
        assert not result.is_provisional

    def test_cnt03_start_day_excluded(self, memory_calendar: MemoryCalendar) -> None:
        assert due(memory_calendar, D(2026, 3, 2), 1).due_date == D(2026, 3, 3)
        assert due(memory_calendar, D(2026, 3, 2), 3).due_date == D(2026, 3, 5)

    def test_cnt06_start_day_included_by_local_rule(self, memory_calendar: MemoryCalendar) -> None:
        assert due(memory_calendar, D(2026, 3, 2), 1, exclude_start_day=False).due_date == D(2026, 3, 2)

    def test_cnt03_last_day_on_weekend_rolls_to_monday(self, memory_calendar: MemoryCalendar) -> None:
        result = due(memory_calendar, D(2026, 3, 2), 5)  # Saturday 7 March
        assert result.nominal_end == D(2026, 3, 7)
        assert result.due_date == D(2026, 3, 9)
        assert [d.kind for d in result.rolled_over] == [DayKind.WEEKEND, DayKind.WEEKEND]

    def test_cnt06_makeup_working_day_is_a_working_day(self, memory_calendar: MemoryCalendar) -> None:
        # Saturday 14 February 2026 is worked (春节调休): no rolling.
        result = due(memory_calendar, D(2026, 2, 13), 1)
        assert result.due_date == D(2026, 2, 14)
        assert result.rolled_over == ()

    def test_cnt03_roll_through_spring_festival(self, memory_calendar: MemoryCalendar) -> None:
        assert due(memory_calendar, D(2026, 2, 10), 5).due_date == D(2026, 2, 24)

    def test_cnt06_no_roll_by_local_rule(self, memory_calendar: MemoryCalendar) -> None:
        result = due(memory_calendar, D(2026, 9, 16), 15, roll_forward_to_working_day=False)
        assert result.due_date == D(2026, 10, 1)
        assert result.examined_from is None
        assert not result.is_provisional


class WorkingDayPeriodTests:
    """WD periods: CNT-06(3), 调休 counted."""

    def test_cnt06_wd_across_2026_spring_festival(self, memory_calendar: MemoryCalendar) -> None:
        # 14 Feb (Sat, 调休) counts; 15–23 Feb rest; then 24, 25, 26, 27 Feb.
        result = due(memory_calendar, D(2026, 2, 13), 5, Unit.WORKING)
        assert result.due_date == D(2026, 2, 27)
        assert [d.date for d in result.makeup_days] == [D(2026, 2, 14)]
        assert len(result.skipped) == 9

    def test_cnt06_wd_ten_days_with_two_makeup_saturdays(self, memory_calendar: MemoryCalendar) -> None:
        result = due(memory_calendar, D(2026, 2, 10), 10, Unit.WORKING)
        assert result.due_date == D(2026, 3, 2)
        assert [d.date for d in result.makeup_days] == [D(2026, 2, 14), D(2026, 2, 28)]

    def test_cnt06_wd_skips_weekend(self, memory_calendar: MemoryCalendar) -> None:
        assert due(memory_calendar, D(2026, 3, 6), 1, Unit.WORKING).due_date == D(2026, 3, 9)  # Fri -> Mon

    def test_cnt06_wd_five_day_objection_window(self, memory_calendar: MemoryCalendar) -> None:
        # D4 (条例 Art. 23(3)): 5 working days from receipt on Wednesday 30 September 2026:
        # 8, 9, 10 (Saturday, 调休), 12 and 13 October.
        result = due(memory_calendar, D(2026, 9, 30), 5, Unit.WORKING)
        assert result.due_date == D(2026, 10, 13)
        assert [d.date for d in result.makeup_days] == [D(2026, 10, 10)]

    def test_cnt06_wd_start_day_counts_by_local_rule(self, memory_calendar: MemoryCalendar) -> None:
        assert due(memory_calendar, D(2026, 3, 2), 1, Unit.WORKING, exclude_start_day=False).due_date == D(2026, 3, 2)

    def test_working_days_between(self, memory_calendar: MemoryCalendar) -> None:
        assert working_days_between(memory_calendar, D(2026, 2, 13), D(2026, 2, 27)) == 5
        assert working_days_between(memory_calendar, D(2026, 2, 27), D(2026, 2, 13)) == -5
        assert working_days_between(memory_calendar, D(2026, 3, 2), D(2026, 3, 2)) == 0


class MonthPeriodTests:
    """Month and year periods: CNT-03 (民法典 Art. 202)."""

    def test_cnt03_month_end_2026_01_31_plus_one_month(self, memory_calendar: MemoryCalendar) -> None:
        # 28 February 2026 is a Saturday, but a make-up working day: it stands.
        result = due(memory_calendar, D(2026, 1, 31), 1, Unit.MONTH)
        assert result.nominal_end == D(2026, 2, 28)
        assert result.due_date == D(2026, 2, 28)
        with translation.override("zh-hans"):
            assert "2026-02-28（星期六）是春节调休上班日，属于工作日" in result.explanation()[-1]

    def test_cnt03_month_end_in_leap_year(self, memory_calendar: MemoryCalendar) -> None:
        assert due(memory_calendar, D(2024, 1, 31), 1, Unit.MONTH).due_date == D(2024, 2, 29)

    def test_cnt03_corresponding_day_then_roll(self, memory_calendar: MemoryCalendar) -> None:
        # 6 months from 2026-04-04 -> 2026-10-04, inside National Day: rolls to 8 October.
        result = due(memory_calendar, D(2026, 4, 4), 6, Unit.MONTH)
        assert result.nominal_end == D(2026, 10, 4)
        assert result.due_date == D(2026, 10, 8)

    def test_cnt03_year_from_29_february(self, memory_calendar: MemoryCalendar) -> None:
        assert due(memory_calendar, D(2024, 2, 29), 1, Unit.YEAR).due_date == D(2025, 2, 28)

    def test_cnt03_month_end_rule_off_overflows(self, memory_calendar: MemoryCalendar) -> None:
        # 1 March 2026 (Sunday) -> Monday 2 March.
        result = due(memory_calendar, D(2026, 1, 31), 1, Unit.MONTH, month_end_rule=False)
        assert result.nominal_end == D(2026, 3, 1)
        assert result.due_date == D(2026, 3, 2)

    def test_add_months(self) -> None:
        assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
        assert add_months(D(2026, 1, 31), 3) == D(2026, 4, 30)
        assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
        assert add_months(D(2026, 12, 15), 12) == D(2027, 12, 15)
        assert add_months(D(2026, 1, 31), 1, month_end_rule=False) == D(2026, 3, 1)


class ProvisionalTests:
    """A result that examined a provisional day (or one outside the loaded calendar) is provisional."""

    def test_cal_into_provisional_year(self, memory_calendar: MemoryCalendar) -> None:
        result = due(memory_calendar, D(2026, 12, 20), 15)
        assert result.due_date == D(2027, 1, 4)  # 1 Jan (holiday), 2–3 Jan (weekend)
        assert result.is_provisional
        assert result.provisional_years == (2027,)

    def test_cal_inside_official_year_is_official(self, memory_calendar: MemoryCalendar) -> None:
        assert not due(memory_calendar, D(2026, 12, 1), 15).is_provisional

    def test_roll_from_official_into_provisional(self, memory_calendar: MemoryCalendar) -> None:
        # 2026-12-31 is a working day: nothing rolls, nothing provisional.
        assert not due(memory_calendar, D(2026, 12, 30), 1).is_provisional
        # Last day 2027-01-01 (provisional 元旦) rolls to Monday 4 January.
        result = due(memory_calendar, D(2026, 12, 31), 1)
        assert (result.due_date, result.is_provisional) == (D(2027, 1, 4), True)

    def test_wd_crossing_year_end(self, memory_calendar: MemoryCalendar) -> None:
        result = due(memory_calendar, D(2026, 12, 28), 5, Unit.WORKING)
        assert result.due_date == D(2027, 1, 5)
        assert result.is_provisional

    def test_outside_loaded_calendar_is_provisional(self) -> None:
        calendar = MemoryCalendar(chinesecalendar_year_days(2026))
        result = compute_deadline(start=D(2030, 3, 1), period=10, unit=Unit.CALENDAR, calendar=calendar)
        assert result.is_provisional
        assert result.provisional_years == (2030,)
        assert 2030 not in calendar.loaded_years

    def test_no_makeup_days_in_provisional_year(self, memory_calendar: MemoryCalendar) -> None:
        # Spring Festival 2027 (除夕 5 Feb, 初一 to 初三 6–8 Feb): no 调休 Saturday is worked.
        result = due(memory_calendar, D(2027, 2, 4), 2, Unit.WORKING)
        assert result.due_date == D(2027, 2, 10)
        assert result.makeup_days == ()


class SettingsTests:
    """CNT-06: the rules come from settings.XINFANG_DEADLINE_RULES at call time."""

    def test_settings_are_read_at_call_time(self, memory_calendar: MemoryCalendar) -> None:
        def due_date() -> datetime.date:
            # No `rules` argument: the settings decide.
            result = compute_deadline(start=D(2026, 9, 16), period=15, unit=Unit.CALENDAR, calendar=memory_calendar)
            return result.due_date

        assert due_date() == D(2026, 10, 8)
        with override_settings(
            XINFANG_DEADLINE_RULES={
                "exclude_start_day": True,
                "roll_forward_to_working_day": False,
                "month_end_rule": True,
            }
        ):
            assert due_date() == D(2026, 10, 1)
        assert due_date() == D(2026, 10, 8)

    def test_unknown_rule_is_refused(self, memory_calendar: MemoryCalendar) -> None:
        with (
            override_settings(XINFANG_DEADLINE_RULES={"exclude_start_dya": False}),
            pytest.raises(ImproperlyConfigured),
        ):
            compute_deadline(start=D(2026, 3, 2), period=1, unit=Unit.CALENDAR, calendar=memory_calendar)


class BadInputTests:
    @pytest.mark.parametrize(
        ("start", "period", "unit", "code"),
        [
            (D(2026, 3, 2), 0, Unit.CALENDAR, "period"),
            (D(2026, 3, 2), -3, Unit.WORKING, "period"),
            (D(2026, 3, 2), 3651, Unit.CALENDAR, "period"),
            (D(2026, 3, 2), 241, Unit.MONTH, "period"),
            (D(2026, 3, 2), 21, Unit.YEAR, "period"),
            (D(2026, 3, 2), True, Unit.CALENDAR, "period"),
            (D(2026, 3, 2), 5, "week", "unit"),
            (D(2003, 12, 31), 5, Unit.CALENDAR, "out_of_range"),
            (D(2099, 12, 30), 5, Unit.CALENDAR, "out_of_range"),
            (D(2099, 12, 24), 10, Unit.WORKING, "out_of_range"),
        ],
    )
    def test_bad_input_raises_validation_error(
        self, memory_calendar: MemoryCalendar, start: datetime.date, period: int, unit: str, code: str
    ) -> None:
        with pytest.raises(ValidationError) as info:
            compute_deadline(start=start, period=period, unit=unit, calendar=memory_calendar, rules=DEFAULT)
        assert info.value.code == code

    def test_error_messages_are_translated(self, memory_calendar: MemoryCalendar) -> None:
        for language, text in (("zh-hans", "期间必须大于零"), ("en", "The period must be greater than zero")):
            with translation.override(language), pytest.raises(ValidationError) as info:
                compute_deadline(start=D(2026, 3, 2), period=0, unit=Unit.CALENDAR, calendar=memory_calendar)
            assert text in info.value.messages[0]


class ExplanationTests:
    def test_explanation_names_the_rules_and_the_holiday(self, memory_calendar: MemoryCalendar) -> None:
        result = due(memory_calendar, D(2026, 9, 16), 15)
        with translation.override("zh-hans"):
            text = "\n".join(result.explanation())
        assert "民法典第二百零一条" in text
        assert "民法典第二百零三条" in text
        assert "国庆节" in text
        assert "2026-10-08" in text
        with translation.override("en"):
            text = "\n".join(result.explanation())
        assert "Civil Code" in text
        assert "National Day" in text

    def test_explanation_of_provisional_and_makeup(self, memory_calendar: MemoryCalendar) -> None:
        with translation.override("zh-hans"):
            wd = "\n".join(due(memory_calendar, D(2026, 2, 13), 5, Unit.WORKING).explanation())
            provisional = "\n".join(due(memory_calendar, D(2026, 12, 20), 15).explanation())
        assert "调休上班日" in wd
        assert "2027" in provisional
        assert "暂定" in provisional

    def test_days_left(self, memory_calendar: MemoryCalendar) -> None:
        result = due(memory_calendar, D(2026, 9, 16), 15)
        assert result.days_left(D(2026, 10, 1)) == 7
        assert result.days_left(D(2026, 10, 9)) == -1
