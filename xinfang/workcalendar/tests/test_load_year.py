"""`calendar_load_year FILE`: a notice makes its year official; clocks move with it; all or nothing."""

from __future__ import annotations

import datetime
import hashlib
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.workcalendar.choices import CalendarStatus, DayKind, Unit
from xinfang.workcalendar.models import CalendarDay, CalendarYear, Clock
from xinfang.workcalendar.selectors import deadline_compute
from xinfang.workcalendar.services import clock_start

from .test_notice import BASE, EXAMPLE, notice

pytestmark = pytest.mark.django_db
D = datetime.date


def write(tmp_path: Path, text: str, name: str = "notice.txt") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with translation.override("zh-hans"):
        call_command("calendar_load_year", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def snapshot_2027() -> list[tuple[object, ...]]:
    return list(CalendarDay.objects.filter(year_id=2027).order_by("date").values_list())


def start_clock(object_id: str, start_date: datetime.date, period: int, unit: str = Unit.CALENDAR) -> Clock:
    return clock_start(
        object_type="petitions.petition",
        object_id=object_id,
        kind="k",
        start_date=start_date,
        period=period,
        unit=unit,
        actor=SYSTEM,
    )


class LoadGoodFileTests:
    def test_example_file_makes_2027_official(self) -> None:
        out, _err = load(str(EXAMPLE))
        assert "2027 年已载入为正式日历" in out
        year = CalendarYear.objects.get(year=2027)
        assert year.status == CalendarStatus.OFFICIAL
        assert year.file_sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
        assert "示例" in year.source_note
        days = {d.date: d for d in CalendarDay.objects.filter(year_id=2027)}
        assert len(days) == 365
        assert all(d.source == CalendarStatus.OFFICIAL for d in days.values())
        assert days[D(2027, 2, 20)].kind == DayKind.MAKEUP_WORKDAY
        assert days[D(2027, 2, 20)].is_working_day
        assert days[D(2027, 2, 12)].kind == DayKind.HOLIDAY  # a Friday inside 春节
        assert days[D(2027, 10, 6)].holiday_name == "国庆节"
        event = AuditEvent.objects.get(action="calendar.year_load")
        assert event.object_id == "2027"
        assert event.summary["before"] == {"status": "provisional"}
        assert event.summary["after"] == {"status": "official"}
        assert (event.summary["holiday_days"], event.summary["makeup_days"]) == (29, 5)

    def test_provisional_clocks_are_recomputed_and_audited(self) -> None:
        # 2027-01-28 + 10 WD: provisionally 4 February; officially the same. 2027-02-01 + 5 WD:
        # provisionally 10 February (除夕–初三 5–8 Feb); officially 春节 runs 5–13 Feb: 16 February.
        same = start_clock("1", D(2027, 1, 28), 5, Unit.WORKING)
        moved = start_clock("2", D(2027, 2, 1), 5, Unit.WORKING)
        official = start_clock("3", D(2026, 3, 2), 15)
        assert same.is_provisional and moved.is_provisional and not official.is_provisional
        assert moved.due_date == D(2027, 2, 10)
        load(str(EXAMPLE))
        same.refresh_from_db()
        moved.refresh_from_db()
        assert (same.due_date, same.is_provisional) == (D(2027, 2, 4), False)
        assert (moved.due_date, moved.is_provisional) == (D(2027, 2, 16), False)
        events = AuditEvent.objects.filter(action="clock.recompute")
        assert [(e.object_id, e.summary["before"]["due_date"], e.summary["after"]["due_date"]) for e in events] == [
            ("2", "2027-02-10", "2027-02-16")
        ]
        summary = AuditEvent.objects.get(action="calendar.year_load").summary
        assert (summary["clocks_recomputed"], summary["clocks_changed"]) == (2, 1)
        assert Clock.objects.get(pk=official.pk).recomputed_at == official.recomputed_at

    def test_deadlines_use_the_loaded_year_at_once(self) -> None:
        before = deadline_compute(start=D(2027, 2, 1), period=5, unit=Unit.WORKING)
        assert (before.due_date, before.is_provisional) == (D(2027, 2, 10), True)
        load(str(EXAMPLE))
        after = deadline_compute(start=D(2027, 2, 1), period=5, unit=Unit.WORKING)
        assert (after.due_date, after.is_provisional) == (D(2027, 2, 16), False)

    def test_dry_run_writes_nothing(self) -> None:
        before = snapshot_2027()
        out, _err = load(str(EXAMPLE), "--dry-run")
        assert "文件有效" in out
        assert snapshot_2027() == before
        assert CalendarYear.objects.get(year=2027).status == CalendarStatus.PROVISIONAL

    def test_official_year_needs_replace(self, tmp_path: Path) -> None:
        load(str(EXAMPLE))
        with pytest.raises(CommandError, match="已是正式日历"):
            load(str(EXAMPLE))
        corrected = EXAMPLE.read_text(encoding="utf-8").replace(
            "holiday 2027-06-09 端午节", "holiday 2027-06-09 2027-06-11 端午节"
        )
        out, _err = load(write(tmp_path, corrected), "--replace")
        assert "变化 2 天" in out
        assert CalendarDay.objects.get(date=D(2027, 6, 10)).kind == DayKind.HOLIDAY
        assert AuditEvent.objects.filter(action="calendar.year_load").count() == 2

    def test_year_beyond_the_stored_calendar(self, tmp_path: Path) -> None:
        text = EXAMPLE.read_text(encoding="utf-8").replace("2027-", "2033-").replace("year 2027", "year 2033")
        # 2033's weekdays differ: keep only lines valid for any year.
        lines = [ln for ln in text.splitlines() if not ln.startswith("workday")]
        load(write(tmp_path, "\n".join(lines)))
        assert CalendarYear.objects.get(year=2033).status == CalendarStatus.OFFICIAL
        assert CalendarDay.objects.filter(year_id=2033).count() == 365

    def test_new_year_in_previous_december(self, tmp_path: Path) -> None:
        # Like the 2019 notice: 2018-12-30 to 2019-01-01 off, Saturday 2018-12-29 worked.
        text = notice("holiday 2026-12-31 2027-01-02 元旦", "workday 2026-12-26 元旦", BASE[1])
        load(write(tmp_path, text))
        day = CalendarDay.objects.get(date=D(2026, 12, 31))
        assert (day.kind, day.holiday_name, day.year_id) == (DayKind.HOLIDAY, "元旦", 2026)
        assert CalendarDay.objects.get(date=D(2026, 12, 26)).kind == DayKind.MAKEUP_WORKDAY
        assert CalendarYear.objects.get(year=2026).status == CalendarStatus.OFFICIAL


class LoadBadFileTests:
    """Bad files: every error reported, nothing written."""

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            (notice(*BASE, "holiday 2027-13-01 清明节"), "第 4 行：“2027-13-01”不是有效日期"),
            (notice(*BASE, "holiday 2028-05-01 劳动节"), "第 4 行：日期 2028-05-01 不在 2027 年内"),
            (notice(*BASE, "holiday 2027-02-07 2027-02-09 春节"), "第 4 行：2027-02-07 已在第 3 行列为假日，日期重叠"),
            (notice(*BASE, "holiday 2027-06-01 儿童节"), "第 4 行：未知的节日名称“儿童节”"),
            (notice(*BASE, "workday 2027-02-22 春节"), "应为星期六或星期日"),
            (notice("holiday 2027-01-01 元旦", festivals=""), "通知缺少以下节日的放假安排"),
            ("holiday 2027-01-01 元旦\n", "文件缺少年度行"),
        ],
    )
    def test_bad_file(self, tmp_path: Path, text: str, expected: str) -> None:
        before = snapshot_2027()
        events = AuditEvent.objects.count()
        err = StringIO()
        with translation.override("zh-hans"), pytest.raises(CommandError, match="未写入任何内容"):
            call_command("calendar_load_year", write(tmp_path, text), stderr=err)
        assert expected in err.getvalue()
        assert snapshot_2027() == before
        assert CalendarYear.objects.get(year=2027).status == CalendarStatus.PROVISIONAL
        assert AuditEvent.objects.count() == events

    def test_bad_file_lists_every_error_on_stderr(self, tmp_path: Path) -> None:
        err = StringIO()
        text = notice(*BASE, "holiday 2027-13-01 清明节", "foo", "holiday 2027-06-01 儿童节")
        with translation.override("zh-hans"), pytest.raises(CommandError, match="有 3 处错误"):
            call_command("calendar_load_year", write(tmp_path, text), stderr=err)
        assert [line.split("：")[0] for line in err.getvalue().splitlines()] == ["第 4 行", "第 5 行", "第 6 行"]

    def test_errors_in_english(self, tmp_path: Path) -> None:
        err = StringIO()
        with translation.override("en"), pytest.raises(CommandError, match="nothing was written"):
            call_command("calendar_load_year", write(tmp_path, notice(*BASE, "foo")), stderr=err)
        assert err.getvalue().startswith("Line 4:")

    def test_missing_and_undecodable_files(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match="无法读取文件"):
            load(str(tmp_path / "nope.txt"))
        path = tmp_path / "gbk.txt"
        path.write_bytes(notice(*BASE).encode("gbk"))
        with pytest.raises(CommandError, match="不是 UTF-8 编码"):
            load(str(path))

    def test_failure_after_writing_rolls_everything_back(self) -> None:
        # A clock that cannot be recomputed (its period now runs past 2099) fails the load after
        # the days were rewritten: the whole load must roll back.
        now = timezone.now()
        Clock.objects.create(
            object_type="tests.thing",
            object_id="broken",
            kind="k",
            start_date=D(2099, 1, 1),
            period=2500,
            unit=Unit.WORKING,
            due_date=D(2027, 3, 1),
            is_provisional=True,
            examined_from=D(2027, 1, 1),
            examined_to=D(2027, 3, 1),
            created_at=now,
            recomputed_at=now,
        )
        before = snapshot_2027()
        events = AuditEvent.objects.count()
        with pytest.raises(CommandError, match="超出日历支持的范围"):
            load(str(EXAMPLE))
        assert snapshot_2027() == before
        assert CalendarYear.objects.get(year=2027).status == CalendarStatus.PROVISIONAL
        assert AuditEvent.objects.count() == events
