"""Bulk import of grid events (issue 7 §3; rules GRID-IMP-01 .. GRID-IMP-06 in docs/rules.md):
CSV and XLSX, all or nothing with row errors, dry run, one audit event, clocks of open events
from the working calendar, keyword suggestions, unique numbers, who may import, the command."""

from __future__ import annotations

import datetime
import io
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.grid.importing import AUDIT_ACTION, grid_events_import
from xinfang.grid.models import DisputeCategory, GridEvent
from xinfang.grid.states import CLOCK_DUE, CLOCK_OBJECT_TYPE, EventLevel, EventStatus
from xinfang.transfer.readers import FileProblem
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import deadline_compute

from .conftest import GridWorld

pytestmark = pytest.mark.django_db

HEADER = ["网格", "上报时间", "发生时间", "事发地点", "事件描述", "类别", "当事人", "状态", "处置结果", "办结时间"]


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    lines = [",".join(header)] + [",".join(f'"{cell}"' for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_rows(gw: GridWorld) -> list[list[str]]:
    m = gw.mini
    return [
        # by code, category by code, closed (blank status)
        [m.grid_a1_1.code, "2025-03-02 09:30", "2025-03-01 20:00", "甲一村3巷5号", "楼上漏水", "neighbour",
         "张三/申请人/138 0000 0001；李四/被申请人", "", "已调解", "2025-03-05 10:00"],
        # by name, category by name, open
        [m.grid_a1_2.name, "2025/03/03 08:00", "", "甲一村村口", "包工头拖欠工资三个月", "欠薪",
         "王五", "已上报", "", ""],
        # uncategorised, keywords of the environment category
        [m.grid_b1_1.code, "2025年03月04日 14:00", "", "乙一社区广场", "晚上广场舞噪音扰民", "",
         "", "已受理", "", ""],
    ]  # fmt: skip


def run_import(gw: GridWorld, content: bytes, name: str = "events.csv", **kwargs):
    return grid_events_import(actor=gw.admin, name=name, content=content, **kwargs)


class ImportTests:
    def test_grid_imp_01_a_clean_csv_is_imported_in_full(self, gw: GridWorld):
        result = run_import(gw, csv_bytes(good_rows(gw)))
        assert result.ok and result.created == 3 and result.rows == 3
        events = {e.place_text: e for e in GridEvent.objects.select_related("category", "suggested_category")}
        first = events["甲一村3巷5号"]
        assert first.category is not None and first.category.code == "neighbour" and first.status == EventStatus.CLOSED
        assert (first.level, first.current_org) == (EventLevel.VILLAGE, gw.mini.village_a1)
        assert first.parties == [
            {"name": "张三", "role": "applicant", "phone": "13800000001"},
            {"name": "李四", "role": "respondent", "phone": ""},
        ]
        assert timezone.localtime(first.reported_at).strftime("%Y-%m-%d %H:%M") == "2025-03-02 09:30"
        assert first.closed_at is not None and first.result == "已调解"
        assert first.import_batch == result.batch and first.reported_by is None
        assert getattr(events["甲一村村口"].category, "code", None) == "wage_arrears"
        assert events["甲一村村口"].grid == gw.mini.grid_a1_2
        assert events["乙一社区广场"].current_org == gw.mini.village_b1

    def test_grid_imp_01_xlsx_with_typed_cells(self, gw: GridWorld):
        m = gw.mini
        rows: list[list[object]] = [
            [m.grid_a1_1.code, datetime.datetime(2025, 5, 6, 9, 0), datetime.date(2025, 5, 5), "甲一村菜市场",
             "商家卖假货拒绝退款", "消费", "赵六 13900000000", "已办结", "", None],
        ]  # fmt: skip
        result = run_import(gw, xlsx_bytes(rows), name="events.xlsx")
        assert result.ok, result.errors
        event = GridEvent.objects.get()
        assert getattr(event.category, "code", None) == "consumer"
        assert timezone.localtime(event.occurred_at).date() == datetime.date(2025, 5, 5)
        assert event.parties == [{"name": "赵六", "role": "other", "phone": "13900000000"}]

    def test_grid_imp_01_gbk_csv_is_read(self, gw: GridWorld):
        result = run_import(gw, csv_bytes(good_rows(gw), encoding="gbk"))
        assert result.ok and result.encoding == "gb18030" and GridEvent.objects.count() == 3

    def test_grid_imp_01_a_bad_row_writes_nothing_and_every_error_is_listed(self, gw: GridWorld):
        rows = good_rows(gw)
        rows.append(["没有这个网格", "昨天", "", "", "描述", "不存在的类别", "张三/老板/x", "已转办", "", ""])
        result = run_import(gw, csv_bytes(rows))
        assert not result.ok and result.created == 0
        assert not GridEvent.objects.exists()
        assert not AuditEvent.objects.filter(action=AUDIT_ACTION).exists()
        found = {(p.row, p.column, p.letter) for p in result.errors}
        assert {(5, "网格", "A"), (5, "上报时间", "B"), (5, "事发地点", "D"), (5, "类别", "F")} <= found
        assert {(5, "当事人", "G"), (5, "状态", "H")} <= found
        messages = " ".join(p.message for p in result.errors)
        assert "找不到网格“没有这个网格”" in messages and "“昨天”不是有效的日期和时间" in messages
        assert "已转办" in messages and result.error_count == len(result.errors)

    def test_grid_imp_01_times_and_coordinates_are_checked(self, gw: GridWorld):
        m = gw.mini
        header = [*HEADER, "经度", "纬度"]
        future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
        rows = [
            [m.grid_a1_1.code, future, "", "甲", "邻居吵架", "", "", "", "", "", "", ""],
            [m.grid_a1_1.code, "2025-03-02 09:30", "2025-03-03 09:00", "甲", "邻居吵架", "", "", "已上报", "",
             "2025-03-04 09:00", "", ""],
            [m.grid_a1_1.code, "2025-03-02 09:30", "", "甲", "邻居吵架", "", "", "", "", "", "113.535", "22.705"],
            [m.grid_a1_1.code, "2025-03-02 09:30", "", "甲", "邻居吵架", "", "", "", "", "", "113.9", "22.705"],
            [m.grid_a1_1.code, "2025-03-02 09:30", "", "甲", "邻居吵架", "", "", "", "", "", "113.505", ""],
        ]  # fmt: skip
        result = run_import(gw, csv_bytes(rows, header))
        messages = {(p.row, p.message) for p in result.errors}
        assert (2, "上报时间不能晚于现在。") in messages
        assert (3, "发生时间不能晚于上报时间。") in messages
        assert (3, "未办结的事件不能填写办结时间。") in messages
        assert any(row == 4 and "乙一社区第1网格" in text for row, text in messages)
        assert (5, "该位置不在任何网格范围内，请核对经纬度或不填坐标。") in messages
        assert (6, "请同时填写经度和纬度，或都不填。") in messages
        assert not GridEvent.objects.exists()

    def test_grid_imp_01_file_problems_are_refused_whole(self, gw: GridWorld):
        with pytest.raises(FileProblem, match="缺少必填列"):
            run_import(gw, csv_bytes(good_rows(gw), header=["网格", "上报时间", "事发地点"]))
        with pytest.raises(FileProblem, match="只能导入"):
            run_import(gw, b"x", name="events.txt")
        with pytest.raises(FileProblem, match="只有表头"):
            run_import(gw, csv_bytes([]))

    def test_dry_run_checks_everything_and_writes_nothing(self, gw: GridWorld):
        result = run_import(gw, csv_bytes(good_rows(gw)), dry_run=True)
        assert result.ok and result.dry_run and result.created == 0 and result.suggested == 1
        assert not GridEvent.objects.exists() and not Clock.objects.filter(object_type=CLOCK_OBJECT_TYPE).exists()
        assert not AuditEvent.objects.filter(action=AUDIT_ACTION).exists()

    def test_grid_imp_02_one_audit_event_per_import_and_no_second_import(self, gw: GridWorld):
        before = AuditEvent.objects.count()
        content = csv_bytes(good_rows(gw))
        result = run_import(gw, content)
        assert AuditEvent.objects.count() == before + 1  # not one per row, not one per clock
        audit = AuditEvent.objects.get(action=AUDIT_ACTION)
        assert audit.object_id == result.sha256 and audit.org_id == gw.mini.district.pk
        assert audit.summary["batch"] == result.batch and audit.summary["created"] == 3
        assert audit.summary["by_status"] == {"accepted": 1, "closed": 1, "reported": 1}
        assert audit.summary["clocks_started"] == 2 and audit.summary["suggested"] == 1
        assert "张三" not in str(audit.summary) and "13800000001" not in str(audit.summary)
        with pytest.raises(FileProblem, match="不再重复导入"):
            run_import(gw, content)
        assert GridEvent.objects.count() == 3

    def test_grid_imp_03_open_events_get_their_due_clock_from_the_working_calendar(self, gw: GridWorld):
        run_import(gw, csv_bytes(good_rows(gw)))
        by_place = {e.place_text: e for e in GridEvent.objects.all()}
        clocks = {c.object_id: c for c in Clock.objects.filter(object_type=CLOCK_OBJECT_TYPE, kind=CLOCK_DUE)}
        assert str(by_place["甲一村3巷5号"].pk) not in clocks  # closed: a record, no clock
        wage = clocks[str(by_place["甲一村村口"].pk)]
        expected = deadline_compute(start=datetime.date(2025, 3, 3), period=3, unit="working")
        assert (wage.period, wage.unit, wage.due_date) == (3, "working", expected.due_date)  # wage arrears: 3 WD
        assert wage.org_id == gw.mini.village_a1.pk and wage.stopped_at is None
        noise = clocks[str(by_place["乙一社区广场"].pk)]
        assert noise.due_date == deadline_compute(start=datetime.date(2025, 3, 4), period=5, unit="working").due_date

    def test_grid_imp_04_uncategorised_rows_get_a_keyword_suggestion(self, gw: GridWorld):
        m = gw.mini
        rows = [
            [m.grid_b1_1.code, "2025-03-04 14:00", "", "乙一社区广场", "晚上广场舞噪音扰民", "", "", "", "", ""],
            [m.grid_b1_1.code, "2025-03-04 15:00", "", "乙一社区", "情况不明，待核实", "", "", "", "", ""],
        ]
        result = run_import(gw, csv_bytes(rows))
        assert (result.suggested, result.unclassified, result.categorised) == (1, 1, 0)
        noise = GridEvent.objects.get(place_text="乙一社区广场")
        assert noise.category is None  # a suggestion, not a decision
        assert noise.suggested_category == DisputeCategory.objects.get(code="environment_nuisance")
        assert noise.suggestion_score == 1.0 and "广场舞" in noise.suggestion_words
        assert GridEvent.objects.get(place_text="乙一社区").suggested_category is None

    def test_grid_imp_05_numbers_stay_unique_with_the_phone_form(self, gw: GridWorld):
        m = gw.mini
        year = timezone.localdate().year
        reported = gw.report()  # the phone form takes number 1 of this year
        when = f"{year}-01-01 08:00"
        rows = [[m.grid_a1_1.code, when, "", f"地点{i}", "邻居吵架", "", "", "", "", ""] for i in range(3)]
        run_import(gw, csv_bytes(rows))
        after = gw.report()
        numbers = list(GridEvent.objects.filter(grid=m.grid_a1_1).values_list("number", flat=True))
        assert len(numbers) == len(set(numbers)) == 5
        assert reported.number.endswith("-00001") and after.number.endswith("-00005")

    def test_grid_imp_06_only_org_managers_may_import(self, gw: GridWorld):
        content = csv_bytes(good_rows(gw))
        for user in (gw.worker, gw.bureau_head, gw.town_head):
            with pytest.raises(PermissionDenied):
                grid_events_import(actor=user, name="events.csv", content=content)
        assert not GridEvent.objects.exists()
        assert run_import(gw, content).created == 3


def command(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("grid_import", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


class CommandTests:
    def test_imports_with_a_progress_bar(self, gw: GridWorld, tmp_path):
        path = tmp_path / "events.csv"
        path.write_bytes(csv_bytes(good_rows(gw)))
        code, out, err = command("--file", str(path), "--actor", gw.admin.username)
        assert code == 0, err
        assert "created 3" in out and "3/3" in err
        assert GridEvent.objects.count() == 3

    def test_row_errors_exit_1_with_the_table(self, gw: GridWorld, tmp_path):
        path = tmp_path / "events.csv"
        path.write_bytes(csv_bytes([["X", "2025-03-02", "", "甲", "描述", "", "", "", "", ""]]))
        code, _out, err = command("--file", str(path), "--actor", gw.admin.username)
        assert code == 1 and "网格 (A)" in err and "找不到网格“X”" in err
        assert not GridEvent.objects.exists()

    def test_dry_run_and_bad_command_lines(self, gw: GridWorld, tmp_path):
        path = tmp_path / "events.csv"
        path.write_bytes(csv_bytes(good_rows(gw)))
        code, out, _err = command("--file", str(path), "--actor", gw.admin.username, "--dry-run")
        assert code == 0 and out.startswith("dry run") and not GridEvent.objects.exists()
        assert command("--file", str(tmp_path / "none.csv"), "--actor", gw.admin.username)[0] == 2
        assert command("--file", str(path), "--actor", "nobody")[0] == 2
        assert command("--file", str(path), "--actor", gw.worker.username)[0] == 2
