"""The year-notice file format and its strict validation (docs/calendar.md)."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from xinfang.workcalendar.notice import parse_notice

D = datetime.date
EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "2027.example.txt"

FESTIVALS = """\
holiday 2027-04-05 清明节
holiday 2027-05-01 2027-05-02 劳动节
holiday 2027-06-09 端午节
holiday 2027-09-15 中秋节
holiday 2027-10-01 2027-10-03 国庆节
"""


def notice(*lines: str, year: str = "year 2027", festivals: str = FESTIVALS) -> str:
    return "\n".join([year, *lines, festivals])


BASE = ("holiday 2027-01-01 元旦", "holiday 2027-02-05 2027-02-08 春节")


def errors_of(text: str) -> list[str]:
    with translation.override("zh-hans"), pytest.raises(ValidationError) as info:
        parse_notice(text)
    return info.value.messages


class GoodFileTests:
    def test_example_file_parses(self) -> None:
        parsed = parse_notice(EXAMPLE.read_text(encoding="utf-8"))
        assert parsed.year == 2027
        assert "示例" in parsed.source
        holidays = parsed.holiday_dates()
        assert holidays[D(2027, 2, 5)] == "春节"
        assert len(holidays) == 29
        assert parsed.makeup_dates()[D(2027, 2, 20)] == "春节"
        assert len(parsed.makeup_days) == 5

    def test_minimal_file_with_comments_bom_and_chinese_keywords(self) -> None:
        text = "\ufeff# 注释\n\n" + notice(
            "来源 国办发明电〔2026〕1号  # 行尾注释",
            "放假 2027-01-01 2027-01-03 元旦",
            "放假 2027-02-05 2027-02-11 春节",
            "上班 2027-02-20 春节调休",
            year="年度 2027",
        )
        parsed = parse_notice(text)
        assert parsed.source == "国办发明电〔2026〕1号"
        assert parsed.makeup_dates() == {D(2027, 2, 20): "春节"}
        assert parsed.first_date == D(2027, 1, 1)

    def test_aliases_and_joint_holiday(self) -> None:
        festivals = FESTIVALS.replace("holiday 2027-09-15 中秋节\n", "").replace(
            "holiday 2027-10-01 2027-10-03 国庆节", "holiday 2027-10-01 2027-10-08 国庆节、中秋节"
        )
        parsed = parse_notice(notice(*BASE, festivals=festivals.replace("清明节", "清明")))
        assert parsed.holiday_dates()[D(2027, 10, 8)] == "中秋节、国庆节"
        assert parsed.holiday_dates()[D(2027, 4, 5)] == "清明节"

    def test_new_year_may_start_in_previous_december(self) -> None:
        # As the 2024 notice did: 2023-12-30 to 2024-01-01.
        parsed = parse_notice(notice("holiday 2026-12-31 2027-01-02 元旦", BASE[1]))
        assert parsed.first_date == D(2026, 12, 31)

    def test_special_holiday_and_its_makeup_day(self) -> None:
        parsed = parse_notice(notice(*BASE, "special 2027-09-03 纪念日", "workday 2027-09-05 纪念日"))
        assert parsed.holiday_dates()[D(2027, 9, 3)] == "纪念日"
        assert parsed.makeup_dates()[D(2027, 9, 5)] == "纪念日"


class BadFileTests:
    """Every error is reported, with its line number."""

    @pytest.mark.parametrize(
        ("lines", "expected"),
        [
            (("foo 2027-01-01",), "第 4 行：无法识别“foo”"),
            (("holiday 2027-13-01 清明节",), "第 4 行：“2027-13-01”不是有效日期"),
            (("holiday 2027-03-01 2027-3-3 清明节",), "第 4 行：“2027-3-3”不是有效日期"),
            (("holiday 2028-01-01 元旦",), "第 4 行：日期 2028-01-01 不在 2027 年内"),
            (("holiday 2026-12-20 2026-12-21 元旦",), "日期 2026-12-20 不在 2027 年内"),
            (("holiday 2026-12-31 春节",), "日期 2026-12-31 不在 2027 年内"),
            (("holiday 2027-06-01 儿童节",), "第 4 行：未知的节日名称“儿童节”"),
            (("special 2027-06-01 " + "长" * 65,), "名称过长"),
            (("workday 2027-02-20 儿童节",), "未知的节日名称“儿童节”"),
            (("holiday 2027-03-03 2027-03-01 清明节",), "结束日期早于开始日期"),
            (("holiday 2027-03-01 2027-10-03 清明节",), "假期长达 217 天，超过 15 天"),
            (("holiday 2027-03-01",), "格式应为：holiday 开始日期 [结束日期] 名称"),
            (("workday 2027-02-20",), "格式应为：workday 日期 节日名称"),
            (("workday 2027-02-30 春节",), "“2027-02-30”不是有效日期"),
            (("workday 2027-02-22 春节",), "调休上班日 2027-02-22 是星期一，应为星期六或星期日"),
            (("holiday 2027-02-07 2027-02-09 春节",), "第 4 行：2027-02-07 已在第 3 行列为假日，日期重叠"),
            (("workday 2027-02-06 春节",), "2027-02-06 已在第 3 行列为假日，不能同时是调休上班日"),
            (("workday 2027-02-20 春节", "workday 2027-02-20 春节"), "第 5 行：2027-02-20 已在第 4 行列为调休上班日"),
            (("year 2027",), "第 4 行：年度已在第 1 行声明"),
            (("source a", "source b"), "第 5 行：来源只能写一行"),
        ],
    )
    def test_error(self, lines: tuple[str, ...], expected: str) -> None:
        # BASE is on lines 2 and 3; the lines under test start on line 4.
        messages = errors_of(notice(*BASE, *lines))
        assert any(expected in m for m in messages), messages

    def test_missing_year(self) -> None:
        assert errors_of("\n".join([*BASE, FESTIVALS])) == ["文件缺少年度行（例如：year 2027）。"]

    @pytest.mark.parametrize("year", ["year 27", "year 2003", "year 2100", "year two"])
    def test_bad_year(self, year: str) -> None:
        messages = errors_of(notice(*BASE, year=year))
        assert messages[0].startswith("第 1 行：")

    def test_missing_festivals(self) -> None:
        assert errors_of(notice("holiday 2027-01-01 元旦", festivals="")) == [
            "通知缺少以下节日的放假安排：春节、清明节、劳动节、端午节、中秋节、国庆节。"
        ]

    def test_every_error_is_listed_in_line_order(self) -> None:
        messages = errors_of(notice(*BASE, "holiday 2027-13-01 清明", "foo", "workday 2027-02-22 春节"))
        assert [m.split("：", 1)[0] for m in messages] == ["第 4 行", "第 5 行", "第 6 行"]

    def test_errors_are_translated(self) -> None:
        with translation.override("en"), pytest.raises(ValidationError) as info:
            parse_notice(notice(*BASE, "holiday 2028-01-01 元旦"))
        assert info.value.messages == ["Line 4: the date 2028-01-01 is not in 2027."]

    def test_empty_file(self) -> None:
        assert "文件缺少年度行（例如：year 2027）。" in errors_of("")
