"""Holiday names and the two sources of calendar days that need no notice file.

- Official years 2004–2026 come from the `chinesecalendar` package, make-up working days (调休)
  included.
- A year whose notice is not loaded yet is *provisional*: weekends plus the statutory holidays of
  《全国年节及纪念日放假办法》 (2024 revision, Art. 2; regulations.md CNT-07), with lunar dates
  computed by `lunardate` and Qingming by the solar-term formula. No 补假 and no 调休 are invented:
  only the State Council's notice decides those.

Everything here is pure (no database), so deadlines can be tested without one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

import chinese_calendar
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext
from lunardate import LunarDate

from .choices import WORKING_KINDS, DayKind

ONE_DAY = datetime.timedelta(days=1)

# lunardate covers lunar years 1900–2099; chinesecalendar's data starts in 2004 and the holiday
# rules before it differ, so deadlines are supported from 2004 to 2099.
FIRST_SUPPORTED_YEAR = 2004
LAST_SUPPORTED_YEAR = 2099
FIRST_SUPPORTED_DATE = datetime.date(FIRST_SUPPORTED_YEAR, 1, 1)
LAST_SUPPORTED_DATE = datetime.date(LAST_SUPPORTED_YEAR, 12, 31)


class DayInfo(NamedTuple):
    """One day as deadline arithmetic sees it."""

    date: datetime.date
    is_working_day: bool
    kind: str
    holiday_name: str = ""
    provisional: bool = False


def make_day(date: datetime.date, kind: str, holiday_name: str = "", *, provisional: bool = False) -> DayInfo:
    return DayInfo(date, kind in WORKING_KINDS, kind, holiday_name, provisional)


# --- Holiday names ---------------------------------------------------------------------------

# The seven festivals of the 放假办法 (Art. 2), in calendar order. Names are stored in this form.
STATUTORY_NAMES: tuple[str, ...] = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")

HOLIDAY_LABELS: Mapping[str, str | Promise] = {
    "元旦": _("元旦"),
    "春节": _("春节"),
    "清明节": _("清明节"),
    "劳动节": _("劳动节"),
    "端午节": _("端午节"),
    "中秋节": _("中秋节"),
    "国庆节": _("国庆节"),
}

# Short forms found in notices and in chinesecalendar, mapped to the stored form.
NAME_ALIASES: Mapping[str, str] = {
    "新年": "元旦",
    "清明": "清明节",
    "五一": "劳动节",
    "五一劳动节": "劳动节",
    "国际劳动节": "劳动节",
    "端午": "端午节",
    "中秋": "中秋节",
    "国庆": "国庆节",
}

NAME_SEPARATOR = "、"  # a joint holiday, e.g. 国庆节、中秋节 (2020, 2023, 2025)
_SPLIT_CHARS = ("、", ",", "，", "/", "+")


def normalise_holiday_name(raw: str) -> str | None:
    """The stored form of a festival name (aliases resolved, joint holidays in calendar order), or
    None when any part is not one of the seven festivals."""
    text = raw.strip()
    for char in _SPLIT_CHARS[1:]:
        text = text.replace(char, NAME_SEPARATOR)
    parts = [p.strip() for p in text.split(NAME_SEPARATOR) if p.strip()]
    if not parts:
        return None
    names = set()
    for part in parts:
        name = NAME_ALIASES.get(part, part)
        if name not in STATUTORY_NAMES:
            return None
        names.add(name)
    return NAME_SEPARATOR.join(n for n in STATUTORY_NAMES if n in names)


def holiday_label(name: str) -> str:
    """A stored holiday name in the current language (special names are shown as they are)."""
    if not name:
        return ""
    parts = name.split(NAME_SEPARATOR)
    if not all(p in HOLIDAY_LABELS for p in parts):
        return name
    return list_separator().join(str(HOLIDAY_LABELS[p]) for p in parts)


def list_separator() -> str:
    """The separator of short lists in the current language (、 in Chinese, ", " in English)."""
    return pgettext("list separator", "、")


# chinesecalendar's English enum values -> stored names.
_CHINESECALENDAR_NAMES: Mapping[str, str] = {
    chinese_calendar.Holiday.new_years_day.value: "元旦",
    chinese_calendar.Holiday.spring_festival.value: "春节",
    chinese_calendar.Holiday.tomb_sweeping_day.value: "清明节",
    chinese_calendar.Holiday.labour_day.value: "劳动节",
    chinese_calendar.Holiday.dragon_boat_festival.value: "端午节",
    chinese_calendar.Holiday.mid_autumn_festival.value: "中秋节",
    chinese_calendar.Holiday.national_day.value: "国庆节",
    chinese_calendar.Holiday.anti_fascist_70th_day.value: chinese_calendar.Holiday.anti_fascist_70th_day.chinese,
}


# --- Building a year -------------------------------------------------------------------------


def year_dates(year: int) -> Iterable[datetime.date]:
    day = datetime.date(year, 1, 1)
    while day.year == year:
        yield day
        day += ONE_DAY


def build_year(
    year: int,
    *,
    holidays: Mapping[datetime.date, str],
    makeup_workdays: Mapping[datetime.date, str],
    provisional: bool,
) -> list[DayInfo]:
    """Every day of `year`: weekends rest (工作时间规定 Art. 7), then the given holidays rest and
    the given make-up days are worked. Holidays that fall on a weekend keep the holiday's name."""
    days = []
    for day in year_dates(year):
        if day in makeup_workdays:
            days.append(make_day(day, DayKind.MAKEUP_WORKDAY, makeup_workdays[day], provisional=provisional))
        elif day in holidays:
            days.append(make_day(day, DayKind.HOLIDAY, holidays[day], provisional=provisional))
        elif day.weekday() >= 5:
            days.append(make_day(day, DayKind.WEEKEND, provisional=provisional))
        else:
            days.append(make_day(day, DayKind.WORKDAY, provisional=provisional))
    return days


def chinesecalendar_years() -> range:
    """The years chinesecalendar has official data for (2004–2026 in 1.11.0)."""
    years = [d.year for d in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


def chinesecalendar_version() -> str:
    return str(getattr(chinese_calendar, "__version__", "?"))


def chinesecalendar_year_days(year: int) -> list[DayInfo]:
    """The official days of `year` as chinesecalendar records them (holidays and 调休)."""
    holidays = {d: _CHINESECALENDAR_NAMES[v] for d, v in chinese_calendar.holidays.items() if d.year == year}
    makeup = {d: _CHINESECALENDAR_NAMES[v] for d, v in chinese_calendar.workdays.items() if d.year == year}
    return build_year(year, holidays=holidays, makeup_workdays=makeup, provisional=False)


# --- Provisional years -----------------------------------------------------------------------


def _check_supported(year: int) -> None:
    if not FIRST_SUPPORTED_YEAR <= year <= LAST_SUPPORTED_YEAR:
        raise ValueError(f"year {year} outside {FIRST_SUPPORTED_YEAR}-{LAST_SUPPORTED_YEAR}")


def qingming_date(year: int) -> datetime.date:
    """The day of the Qingming solar term (the sun at 15° ecliptic longitude), by the 寿星 formula
    chinesecalendar implements; checked against the known dates of 2004–2026 and, for 2004–2099,
    against an astronomical computation (docs/calendar.md)."""
    terms = chinese_calendar.get_solar_terms(datetime.date(year, 4, 1), datetime.date(year, 4, 30))
    return next(day for day, name in terms if name == "清明")


def lunar_to_solar(year: int, month: int, day: int) -> datetime.date:
    return LunarDate(year, month, day).to_solar_date()


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> dict[datetime.date, str]:
    """The 13 statutory holiday days of 《全国年节及纪念日放假办法》 (2024 revision, Art. 2):
    元旦 1 day; 春节 4 days (除夕 and 初一 to 初三); 清明 1; 劳动节 2 (1–2 May); 端午 1 (lunar 5/5);
    中秋 1 (lunar 8/15); 国庆 3 (1–3 October). When two fall on the same day (中秋 on 1–3 October)
    the day carries both names."""
    _check_supported(year)
    new_year = lunar_to_solar(year, 1, 1)
    named: list[tuple[datetime.date, str]] = [(datetime.date(year, 1, 1), "元旦")]
    named += [(new_year + offset * ONE_DAY, "春节") for offset in (-1, 0, 1, 2)]
    named.append((qingming_date(year), "清明节"))
    named += [(datetime.date(year, 5, 1), "劳动节"), (datetime.date(year, 5, 2), "劳动节")]
    named.append((lunar_to_solar(year, 5, 5), "端午节"))
    named.append((lunar_to_solar(year, 8, 15), "中秋节"))
    named += [(datetime.date(year, 10, day), "国庆节") for day in (1, 2, 3)]
    result: dict[datetime.date, str] = {}
    for day, name in named:
        joined = f"{result[day]}{NAME_SEPARATOR}{name}" if day in result else name
        result[day] = normalise_holiday_name(joined) or joined
    return result


def provisional_year_days(year: int) -> list[DayInfo]:
    """Every day of a provisional year: weekends and statutory holidays rest, nothing else."""
    return build_year(year, holidays=statutory_holidays(year), makeup_workdays={}, provisional=True)
