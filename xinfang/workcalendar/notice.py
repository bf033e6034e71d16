"""The year-notice file: a plain-text transcription of the State Council's yearly holiday notice
(国务院办公厅关于某年部分节假日安排的通知), loaded by `manage.py calendar_load_year FILE`.

Format (docs/calendar.md has the full description; data/2027.example.txt is an example):

    # comment; blank lines are ignored, and so is anything after a #
    year 2027                                  the year the notice is for (required, once)
    source 国办发明电〔2026〕N号                 where it comes from (optional, free text)
    holiday 2027-01-01 2027-01-03 元旦          days off, first and last day inclusive
    holiday 2027-04-05 清明节                   a single day off
    workday 2027-02-20 春节                     a make-up working day (调休上班); "春节调休" also works
    special 2015-09-03 2015-09-05 <name>        a one-off holiday not in the 放假办法 (any name)

Chinese keywords work too: 年度, 来源, 放假, 上班, 特别放假.

Validation is strict and reports every error with its line number: dates must lie in the year
(except that 元旦 may start in the last days of the previous December, as in the 2019 and 2024
notices), holiday names must be the seven festivals of the 放假办法, spans may not overlap,
make-up working days must fall on a Saturday or Sunday, and every festival must be present.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import dateformat
from django.utils.translation import gettext as _

from .holidays import (
    FIRST_SUPPORTED_DATE,
    LAST_SUPPORTED_YEAR,
    ONE_DAY,
    STATUTORY_NAMES,
    holiday_label,
    list_separator,
    normalise_holiday_name,
)

DIRECTIVES = {
    "year": "year",
    "年度": "year",
    "source": "source",
    "来源": "source",
    "holiday": "holiday",
    "放假": "holiday",
    "workday": "workday",
    "上班": "workday",
    "special": "special",
    "特别放假": "special",
}
MAX_HOLIDAY_SPAN = 15  # days; the longest real span was 10 (春节 2020): longer is a typing error
NEW_YEAR_LEAD_DAYS = 7  # 元旦 may begin this many days before 1 January
MAX_NAME_LENGTH = 64
MAX_FILE_CHARS = 100_000
_MAKEUP_SUFFIXES = ("调休上班", "调休", "补班", "上班")


@dataclass(frozen=True)
class HolidaySpan:
    """Consecutive days off given by one `holiday` or `special` line."""

    first: datetime.date
    last: datetime.date
    name: str
    line: int
    special: bool = False

    def dates(self) -> Iterator[datetime.date]:
        day = self.first
        while day <= self.last:
            yield day
            day += ONE_DAY


@dataclass(frozen=True)
class MakeupDay:
    """A weekend day that is worked (调休上班), given by one `workday` line."""

    date: datetime.date
    name: str
    line: int


@dataclass(frozen=True)
class YearNotice:
    """A validated notice."""

    year: int
    source: str
    holidays: tuple[HolidaySpan, ...]
    makeup_days: tuple[MakeupDay, ...]

    def holiday_dates(self) -> dict[datetime.date, str]:
        return {day: span.name for span in self.holidays for day in span.dates()}

    def makeup_dates(self) -> dict[datetime.date, str]:
        return {m.date: m.name for m in self.makeup_days}

    @property
    def first_date(self) -> datetime.date:
        """The earliest day the notice decides (1 January, or earlier for an early 元旦)."""
        dates = [datetime.date(self.year, 1, 1), *self.holiday_dates(), *self.makeup_dates()]
        return min(dates)

    @property
    def last_date(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)


def _line_error(line: int, message: str) -> tuple[int, str]:
    return line, _("第 %(line)s 行：%(message)s") % {"line": line, "message": message}


def _parse_date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _logical_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        content = raw.split("#", 1)[0].strip().lstrip("\ufeff")
        if content:
            yield number, content.split()


def parse_notice(text: str) -> YearNotice:
    """Parse and validate a notice file. Raises ValidationError listing every error found."""
    if len(text) > MAX_FILE_CHARS:
        raise ValidationError(_("文件过大，不像是放假通知。"), code="too_large")
    errors: list[tuple[int, str]] = []
    lines = list(_logical_lines(text))

    year: int | None = None
    year_line = 0
    source = ""
    for number, words in lines:
        directive = DIRECTIVES.get(words[0].lower())
        if directive == "year":
            if year_line:
                errors.append(_line_error(number, _("年度已在第 %(other)s 行声明。") % {"other": year_line}))
                continue
            year_line = number
            if len(words) != 2 or not words[1].isdigit() or len(words[1]) != 4:
                errors.append(_line_error(number, _("格式应为：year 年份（例如 year 2027）。")))
                continue
            year = int(words[1])
            if not FIRST_SUPPORTED_DATE.year <= year <= LAST_SUPPORTED_YEAR:
                errors.append(
                    _line_error(
                        number,
                        _("年度 %(year)s 超出支持的范围（%(first)s–%(last)s）。")
                        % {"year": year, "first": FIRST_SUPPORTED_DATE.year, "last": LAST_SUPPORTED_YEAR},
                    )
                )
                year = None
        elif directive == "source":
            if source:
                errors.append(_line_error(number, _("来源只能写一行。")))
            source = " ".join(words[1:])[:200]
    if not year_line:
        errors.append((0, _("文件缺少年度行（例如：year 2027）。")))

    spans: list[HolidaySpan] = []
    makeups: list[tuple[int, list[str]]] = []
    for number, words in lines:
        directive = DIRECTIVES.get(words[0].lower())
        if directive is None:
            errors.append(
                _line_error(
                    number,
                    _("无法识别“%(word)s”，每行应以 year、source、holiday、workday 或 special 开头。")
                    % {"word": words[0]},
                )
            )
        elif directive in ("holiday", "special"):
            span = _parse_span(number, words, special=directive == "special", year=year, errors=errors)
            if span is not None:
                spans.append(span)
        elif directive == "workday":
            makeups.append((number, words))

    special_names = {s.name for s in spans if s.special}
    makeup_days = [
        m
        for number, words in makeups
        if (m := _parse_makeup(number, words, year=year, special_names=special_names, errors=errors)) is not None
    ]
    _check_overlaps(spans, makeup_days, errors)
    if year is not None and not errors:
        present = {part for s in spans if not s.special for part in s.name.split("、")}
        missing = [n for n in STATUTORY_NAMES if n not in present]
        if missing:
            message = _("通知缺少以下节日的放假安排：%(names)s。") % {
                "names": list_separator().join(holiday_label(n) for n in missing)
            }
            errors.append((0, message))
    if errors:
        # File-level errors first, then by line.
        raise ValidationError([message for _line, message in sorted(errors, key=lambda e: e[0])], code="notice")
    assert year is not None
    return YearNotice(
        year=year,
        source=source,
        holidays=tuple(sorted(spans, key=lambda s: s.first)),
        makeup_days=tuple(sorted(makeup_days, key=lambda m: m.date)),
    )


def _check_in_year(number: int, day: datetime.date, name: str, year: int | None, errors: list[tuple[int, str]]) -> bool:
    if year is None:
        return True
    if day.year == year:
        return True
    # 元旦 may begin in the last days of the previous December (notices for 2019 and 2024).
    new_year = datetime.date(year, 1, 1)
    early_new_year = (
        name == "元旦"
        and new_year - datetime.timedelta(days=NEW_YEAR_LEAD_DAYS) <= day < new_year
        and day >= FIRST_SUPPORTED_DATE
    )
    if early_new_year:
        return True
    errors.append(
        _line_error(number, _("日期 %(date)s 不在 %(year)s 年内。") % {"date": day.isoformat(), "year": year})
    )
    return False


def _parse_span(
    number: int, words: list[str], *, special: bool, year: int | None, errors: list[tuple[int, str]]
) -> HolidaySpan | None:
    keyword = words[0]
    if len(words) not in (3, 4):
        errors.append(_line_error(number, _("格式应为：%(keyword)s 开始日期 [结束日期] 名称。") % {"keyword": keyword}))
        return None
    first = _parse_date(words[1])
    last = _parse_date(words[2]) if len(words) == 4 else first
    raw_name = words[-1]
    ok = True
    date_words = words[1:-1]  # one date, or first and last
    for text in date_words:
        if _parse_date(text) is None:
            errors.append(_line_error(number, _("“%(value)s”不是有效日期，应写作 YYYY-MM-DD。") % {"value": text}))
            ok = False
    if special:
        name: str | None = raw_name if len(raw_name) <= MAX_NAME_LENGTH else None
        if name is None:
            errors.append(_line_error(number, _("名称过长（最多 %(max)s 字）。") % {"max": MAX_NAME_LENGTH}))
            ok = False
    else:
        name = normalise_holiday_name(raw_name)
        if name is None:
            errors.append(
                _line_error(
                    number,
                    _("未知的节日名称“%(name)s”，应为：%(names)s。一次性的纪念日请用 special 行。")
                    % {"name": raw_name, "names": "、".join(STATUTORY_NAMES)},
                )
            )
            ok = False
    if not ok or first is None or last is None or name is None:
        return None
    if last < first:
        errors.append(_line_error(number, _("结束日期早于开始日期。")))
        return None
    length = (last - first).days + 1
    if length > MAX_HOLIDAY_SPAN:
        errors.append(
            _line_error(
                number,
                _("假期长达 %(days)s 天，超过 %(max)s 天，请检查日期。") % {"days": length, "max": MAX_HOLIDAY_SPAN},
            )
        )
        return None
    if not (_check_in_year(number, first, name, year, errors) and _check_in_year(number, last, name, year, errors)):
        return None
    return HolidaySpan(first=first, last=last, name=name, line=number, special=special)


def _parse_makeup(
    number: int, words: list[str], *, year: int | None, special_names: set[str], errors: list[tuple[int, str]]
) -> MakeupDay | None:
    if len(words) != 3:
        errors.append(_line_error(number, _("格式应为：workday 日期 节日名称。")))
        return None
    day = _parse_date(words[1])
    if day is None:
        errors.append(_line_error(number, _("“%(value)s”不是有效日期，应写作 YYYY-MM-DD。") % {"value": words[1]}))
        return None
    raw_name = words[2]
    for suffix in _MAKEUP_SUFFIXES:
        if raw_name.endswith(suffix) and len(raw_name) > len(suffix):
            raw_name = raw_name[: -len(suffix)]
            break
    name = raw_name if raw_name in special_names else normalise_holiday_name(raw_name)
    if name is None:
        errors.append(
            _line_error(
                number,
                _("未知的节日名称“%(name)s”，应为：%(names)s。一次性的纪念日请用 special 行。")
                % {"name": words[2], "names": "、".join(STATUTORY_NAMES)},
            )
        )
        return None
    if not _check_in_year(number, day, name, year, errors):
        return None
    if day.weekday() < 5:
        errors.append(
            _line_error(
                number,
                _("调休上班日 %(date)s 是%(weekday)s，应为星期六或星期日。")
                % {"date": day.isoformat(), "weekday": dateformat.format(day, "l")},
            )
        )
        return None
    return MakeupDay(date=day, name=name, line=number)


def _check_overlaps(spans: list[HolidaySpan], makeups: list[MakeupDay], errors: list[tuple[int, str]]) -> None:
    taken: dict[datetime.date, int] = {}
    for span in sorted(spans, key=lambda s: s.line):
        for day in span.dates():
            if day in taken:
                errors.append(
                    _line_error(
                        span.line,
                        _("%(date)s 已在第 %(other)s 行列为假日，日期重叠。")
                        % {"date": day.isoformat(), "other": taken[day]},
                    )
                )
                break
        for day in span.dates():
            taken.setdefault(day, span.line)
    worked: dict[datetime.date, int] = {}
    for makeup in sorted(makeups, key=lambda m: m.line):
        if makeup.date in taken:
            errors.append(
                _line_error(
                    makeup.line,
                    _("%(date)s 已在第 %(other)s 行列为假日，不能同时是调休上班日。")
                    % {"date": makeup.date.isoformat(), "other": taken[makeup.date]},
                )
            )
        elif makeup.date in worked:
            errors.append(
                _line_error(
                    makeup.line,
                    _("%(date)s 已在第 %(other)s 行列为调休上班日。")
                    % {"date": makeup.date.isoformat(), "other": worked[makeup.date]},
                )
            )
        else:
            worked[makeup.date] = makeup.line
