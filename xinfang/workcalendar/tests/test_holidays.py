"""The two calendars that need no notice: chinesecalendar's official years and the provisional
generator of the 放假办法 (regulations.md CNT-07)."""

from __future__ import annotations

import datetime

import chinese_calendar
import pytest
from django.utils import translation

from xinfang.workcalendar.choices import DayKind
from xinfang.workcalendar.holidays import (
    chinesecalendar_year_days,
    chinesecalendar_years,
    holiday_label,
    normalise_holiday_name,
    provisional_year_days,
    qingming_date,
    statutory_holidays,
)

D = datetime.date

# The Qingming solar term, from published almanacs.
KNOWN_QINGMING = {
    2004: D(2004, 4, 4), 2005: D(2005, 4, 5), 2006: D(2006, 4, 5), 2007: D(2007, 4, 5), 2008: D(2008, 4, 4),
    2009: D(2009, 4, 4), 2010: D(2010, 4, 5), 2011: D(2011, 4, 5), 2012: D(2012, 4, 4), 2013: D(2013, 4, 4),
    2014: D(2014, 4, 5), 2015: D(2015, 4, 5), 2016: D(2016, 4, 4), 2017: D(2017, 4, 4), 2018: D(2018, 4, 5),
    2019: D(2019, 4, 5), 2020: D(2020, 4, 4), 2021: D(2021, 4, 4), 2022: D(2022, 4, 5), 2023: D(2023, 4, 5),
    2024: D(2024, 4, 4), 2025: D(2025, 4, 4), 2026: D(2026, 4, 5),
}  # fmt: skip


class QingmingTests:
    """CNT-07: Qingming is a solar term, not a fixed date."""

    @pytest.mark.parametrize(("year", "expected"), sorted(KNOWN_QINGMING.items()))
    def test_cnt07_qingming_matches_known_dates(self, year: int, expected: datetime.date) -> None:
        assert qingming_date(year) == expected

    @pytest.mark.parametrize(("year", "expected"), [(2038, D(2038, 4, 5)), (2042, D(2042, 4, 4))])
    def test_cnt07_qingming_close_to_midnight(self, year: int, expected: datetime.date) -> None:
        # The term falls within 25 minutes of Beijing midnight in these years (astronomical check).
        assert qingming_date(year) == expected

    def test_cnt07_qingming_is_an_official_holiday_since_2008(self) -> None:
        for year in range(2008, 2027):
            assert qingming_date(year) in chinese_calendar.holidays, year


class StatutoryHolidayTests:
    """CNT-07: the 13 days of the 放假办法 (2024 revision, Art. 2)."""

    def test_cnt07_2026_statutory_days(self) -> None:
        assert statutory_holidays(2026) == {
            D(2026, 1, 1): "元旦",
            D(2026, 2, 16): "春节",  # 除夕
            D(2026, 2, 17): "春节",  # 初一
            D(2026, 2, 18): "春节",
            D(2026, 2, 19): "春节",
            D(2026, 4, 5): "清明节",
            D(2026, 5, 1): "劳动节",
            D(2026, 5, 2): "劳动节",
            D(2026, 6, 19): "端午节",
            D(2026, 9, 25): "中秋节",
            D(2026, 10, 1): "国庆节",
            D(2026, 10, 2): "国庆节",
            D(2026, 10, 3): "国庆节",
        }

    @pytest.mark.parametrize("year", [2025, 2026])
    def test_cnt07_provisional_holidays_are_real_holidays(self, year: int) -> None:
        official = {d.date for d in chinesecalendar_year_days(year) if d.kind == DayKind.HOLIDAY}
        assert set(statutory_holidays(year)) <= official

    def test_cnt07_older_years_share_the_festivals(self) -> None:
        # Before 2025 除夕 and 2 May were not always holidays; every other day was, since 2008.
        for year in range(2008, 2025):
            days = {d for d, _name in statutory_holidays(year).items()}
            days -= {d for d, name in statutory_holidays(year).items() if name == "春节"}
            days.discard(D(year, 5, 2))
            # Compared with rest days: chinesecalendar leaves out some weekend days of a holiday
            # (端午 2012-06-23), which rest all the same.
            assert all(not chinese_calendar.is_workday(d) for d in days), year

    def test_cnt07_mid_autumn_on_national_day_carries_both_names(self) -> None:
        # 2028: 中秋 (lunar 8/15) is 3 October.
        holidays = statutory_holidays(2028)
        assert holidays[D(2028, 10, 3)] == "中秋节、国庆节"
        assert len(holidays) == 12

    def test_cnt07_every_supported_year_has_thirteen_days_or_a_coincidence(self) -> None:
        for year in range(2027, 2100):
            holidays = statutory_holidays(year)
            assert len(holidays) == 13 or any("、" in n for n in holidays.values()), year


class ProvisionalYearTests:
    """A provisional year: weekends and statutory holidays rest; no 调休, no 补假."""

    def test_provisional_year_has_no_makeup_days_and_flags_every_day(self) -> None:
        days = provisional_year_days(2027)
        assert len(days) == 365
        assert all(d.provisional for d in days)
        assert not [d for d in days if d.kind == DayKind.MAKEUP_WORKDAY]

    def test_holiday_on_a_weekend_is_not_made_up(self) -> None:
        days = {d.date: d for d in provisional_year_days(2028)}
        assert days[D(2028, 1, 1)].kind == DayKind.HOLIDAY  # a Saturday
        assert days[D(2028, 1, 3)].is_working_day  # Monday: no invented 补假

    def test_weekends_rest_and_weekdays_work(self) -> None:
        for day in provisional_year_days(2027):
            if day.kind == DayKind.HOLIDAY:
                assert not day.is_working_day
            else:
                assert day.is_working_day == (day.date.weekday() < 5)


class ChineseCalendarImportTests:
    """Seeded days agree with chinesecalendar, make-up working days included."""

    def test_years_covered(self) -> None:
        assert chinesecalendar_years() == range(2004, 2027)

    def test_every_day_agrees_with_chinesecalendar(self) -> None:
        for year in chinesecalendar_years():
            for day in chinesecalendar_year_days(year):
                assert day.is_working_day == chinese_calendar.is_workday(day.date), day
                assert not day.provisional

    def test_makeup_days_are_named(self) -> None:
        days = {d.date: d for d in chinesecalendar_year_days(2026)}
        assert days[D(2026, 2, 14)].kind == DayKind.MAKEUP_WORKDAY
        assert days[D(2026, 2, 14)].holiday_name == "春节"
        assert days[D(2026, 10, 5)].holiday_name == "国庆节"
        assert days[D(2026, 10, 10)].kind == DayKind.MAKEUP_WORKDAY

    def test_special_holiday_of_2015(self) -> None:
        days = {d.date: d for d in chinesecalendar_year_days(2015)}
        assert days[D(2015, 9, 3)].kind == DayKind.HOLIDAY
        assert "70周年" in days[D(2015, 9, 3)].holiday_name


class HolidayNameTests:
    def test_aliases_and_joint_names(self) -> None:
        assert normalise_holiday_name("清明") == "清明节"
        assert normalise_holiday_name("五一") == "劳动节"
        assert normalise_holiday_name("中秋节、国庆节") == "中秋节、国庆节"
        assert normalise_holiday_name("国庆,中秋") == "中秋节、国庆节"
        assert normalise_holiday_name("儿童节") is None
        assert normalise_holiday_name("") is None

    def test_labels_are_translated(self) -> None:
        with translation.override("en"):
            assert holiday_label("春节") == "Spring Festival"
            assert holiday_label("中秋节、国庆节") == "Mid-Autumn Festival, National Day"
        with translation.override("zh-hans"):
            assert holiday_label("中秋节、国庆节") == "中秋节、国庆节"
        assert holiday_label("某纪念日") == "某纪念日"
