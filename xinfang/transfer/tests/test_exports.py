"""Exports of the staff lists to CSV and Excel (issue 6 item 4), through the real pages: the matter
inbox and search, 12345 orders, the audit log, the power list and the one-stop services inbox.

For each list: the file holds the page's filtered rows only and never another organisation's, its
headers are in the request's language, one audit event records the export, the number of queries
does not grow with the rows, and the XLSX parses back. Personal data stays masked as on the page
(PIPL; the audit rows hold none either). Cells that a spreadsheet would run as formulas are quoted;
above the cap the reader is asked to narrow the filter instead of getting a cut-short file."""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import MiniDistrict, make_user
from xinfang.hotline.models import HotlineOrder
from xinfang.hotline.services import OrderData, order_dispatch, order_receive
from xinfang.hotline.states import OrderKind
from xinfang.legalservices.models import ServiceKind, ServicePoint, ServiceRequest
from xinfang.legalservices.seed import seed_kinds
from xinfang.legalservices.services import public_request_submit, service_point_save
from xinfang.orgs.models import Function, Kind, Level, Organisation
from xinfang.orgs.services import organisation_create, organisation_update
from xinfang.petitions.models import Matter
from xinfang.petitions.services.intake import PetitionerData, matter_register
from xinfang.petitions.testing import walk_in_data
from xinfang.powerlist.models import MatterType
from xinfang.powerlist.services import matter_type_create, power_add
from xinfang.transfer.exports import AUDIT_ACTION, REDACTED, Column, export_response, guard_formula

pytestmark = pytest.mark.django_db

ID_NUMBER = "440115199001011234"
PHONE = "13800001111"


# --- Reading the downloads ------------------------------------------------------------------


def body(response: Any) -> bytes:
    # The test client closes the response once its content has been read (as a WSGI server does).
    return b"".join(response.streaming_content)


def csv_rows(response: Any) -> list[list[str]]:
    raw = body(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel opens the Chinese text correctly
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def xlsx_sheet(response: Any) -> Any:
    return load_workbook(io.BytesIO(body(response))).active


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def table(response: Any, fmt: str) -> list[list[str]]:
    """The file as rows of text cells, whichever the format."""
    assert response.status_code == 200, response.content.decode()[:500] if not response.streaming else ""
    if fmt == "csv":
        assert response["Content-Type"].startswith("text/csv")
        return csv_rows(response)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return [[as_text(v) for v in row] for row in xlsx_sheet(response).iter_rows(values_only=True)]


def flat(rows: list[list[str]]) -> str:
    return "\n".join("\t".join(row) for row in rows)


def export_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AUDIT_ACTION).order_by("id"))


# --- The five lists -------------------------------------------------------------------------


@dataclass
class Case:
    """One list page set up for an export: who exports, which filter, which values must and must
    not be in the file, and how to add more rows that the filter keeps (for the query count)."""

    name: str
    url: str
    user: User
    filters: dict[str, str]
    inside: list[str]  # in the file
    filtered_out: list[str]  # visible on the unfiltered page, but not in the filter
    other_org: list[str]  # another organisation's rows: never
    headers_zh: list[str]
    headers_en: list[str]
    list_key: str
    object_type: str
    add_rows: Callable[[int], None]
    count: int = 1  # rows the filter keeps
    key_column: int = 0  # the column holding the values above
    extra: dict[str, Any] = field(default_factory=dict)


def register(clerk: User, org: Organisation, **overrides: Any) -> Matter:
    return matter_register(actor=clerk, organisation=org, data=walk_in_data(**overrides))


def matters_case(mini: MiniDistrict, *, search: bool = False) -> Case:
    """Town A's matters for a supervisor (matter.view, no personal_data.view); a matter received 10
    days ago is outside the date filter, town B's matter outside the reader's area."""
    clerk_a = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
    clerk_b = make_user((Role.RECEPTION_CLERK, mini.town_b_office))
    recent = register(clerk_a, mini.town_a_office, title="小区道路破损")
    old = register(
        clerk_a, mini.town_a_office, title="旧事项", received_at=timezone.now() - datetime.timedelta(days=10)
    )
    other = register(clerk_b, mini.town_b_office, title="乙街道事项")
    since = (timezone.localdate() - datetime.timedelta(days=2)).isoformat()

    def add_rows(n: int) -> None:
        for i in range(n):
            register(clerk_a, mini.town_a_office, title=f"追加事项{i}")

    return Case(
        name="search" if search else "matters",
        url=reverse("petitions:search" if search else "petitions:inbox"),
        user=make_user((Role.SUPERVISOR, mini.town_a)),
        filters={"tab": "all", "received_from": since},
        inside=[recent.number],
        filtered_out=[old.number],
        other_org=[other.number],
        headers_zh=["编号", "标题", "状态", "渠道", "收到时间", "发生地", "事项类型", "当前办理机关", "信访人"],
        headers_en=["Number", "Title", "Status", "Channel", "Time received", "Location", "Matter type"],
        list_key="petitions:search" if search else "petitions:inbox",
        object_type="petitions.matter",
        add_rows=add_rows,
        extra={"clerk": clerk_a},
    )


def receive(clerk: User, org: Organisation, external_id: str, **overrides: Any) -> HotlineOrder:
    values: dict[str, Any] = {
        "source_system": "gz12345",
        "external_id": external_id,
        "kind": OrderKind.COMPLAINT,
        "content": "小区门口道路破损，雨天积水严重，请求尽快修复。",
        "received_at": timezone.now() - datetime.timedelta(hours=2),
        "caller_name": "李四",
        "caller_phone": "139 0000 2222",
        "category": "城乡建设",
    }
    values.update(overrides)
    return order_receive(actor=clerk, organisation=org, data=OrderData(**values)).order


def hotline_case(mini: MiniDistrict) -> Case:
    """Town A's orders: one dispatched to village A1 (the filter), one still waiting; town B's order
    is not the reader's."""
    clerk_a = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
    clerk_b = make_user((Role.RECEPTION_CLERK, mini.town_b_office))
    dispatched = receive(clerk_a, mini.town_a_office, "A-DISPATCHED")
    order_dispatch(actor=clerk_a, order=dispatched, to_org=mini.village_a1)
    receive(clerk_a, mini.town_a_office, "A-WAITING")
    receive(clerk_b, mini.town_b_office, "B-OTHER")

    def add_rows(n: int) -> None:
        for i in range(n):
            order = receive(clerk_a, mini.town_a_office, f"A-MORE-{i}")
            order_dispatch(actor=clerk_a, order=order, to_org=mini.village_a1)

    return Case(
        name="hotline",
        url=reverse("hotline:list"),
        user=clerk_a,
        filters={"status": "dispatched"},
        inside=["A-DISPATCHED"],
        filtered_out=["A-WAITING"],
        other_org=["B-OTHER"],
        headers_zh=["工单编号", "来源系统", "受理时间", "诉求类型", "分类", "诉求内容", "不予受理情形", "来电人"],
        headers_en=["Order number", "Source system", "Time accepted", "Kind", "Category", "Request"],
        list_key="hotline:list",
        object_type="hotline.hotlineorder",
        add_rows=add_rows,
    )


def audit_case(mini: MiniDistrict) -> Case:
    """Town A's supervisor reads town A's audit events; filtered by action "org.create", an update
    of village A1 is out, and town B's events are not theirs."""
    organisation_update(actor=SYSTEM, organisation=mini.village_a1, name="甲一村（更名）")
    town_a_ids = list(Organisation.objects.filter(path__startswith=mini.town_a.path).values_list("pk", flat=True))

    def event_id(action: str, org: Organisation) -> str:
        return str(AuditEvent.objects.get(action=action, org_id=org.pk).pk)

    def add_rows(n: int) -> None:
        for i in range(n):
            organisation_create(
                actor=SYSTEM, name=f"甲镇追加村{i}", code=f"EXP-A-{i}", kind=Kind.VILLAGE, parent=mini.town_a
            )

    return Case(
        name="audit",
        url=reverse("audit:events"),
        user=make_user((Role.SUPERVISOR, mini.town_a)),
        filters={"action": "org.create"},
        inside=[event_id("org.create", mini.village_a1), event_id("org.create", mini.town_a_office)],
        filtered_out=[event_id("org.update", mini.village_a1)],
        other_org=[event_id("org.create", mini.town_b), event_id("org.create", mini.village_b1)],
        headers_zh=["时间", "编号", "操作", "操作人", "对象", "对象类型", "对象编号", "所属机构"],
        headers_en=["Time", "Number", "Action", "Actor", "Object", "Object type", "Object ID", "Organisation"],
        list_key="audit:events",
        object_type="audit.auditevent",
        add_rows=add_rows,
        key_column=1,
        count=AuditEvent.objects.filter(action="org.create", org_id__in=town_a_ids).count(),
    )


def powerlist_case(mini: MiniDistrict) -> Case:
    """The power list filtered by level (district): the township entry is out. The list is
    reference data every staff member reads whole (docs/permissions.md): no other organisation's
    rows to hide, but a reader without org.view gets nothing (see the permission test)."""
    wages = matter_type_create(actor=SYSTEM, code="WAGE-ARREARS", name="拖欠工资", name_en="Wage arrears")
    building = matter_type_create(actor=SYSTEM, code="ILLEGAL-BUILDING", name="违法建设")
    start = timezone.localdate() - datetime.timedelta(days=30)
    power_add(
        actor=SYSTEM,
        matter_type=wages,
        level=Level.DISTRICT,
        organisation=mini.housing_bureau,
        legal_basis="《劳动保障监察条例》第十一条",
        valid_from=start,
    )
    power_add(
        actor=SYSTEM,
        matter_type=building,
        level=Level.TOWNSHIP,
        organisation=mini.town_a_office,
        legal_basis="《城乡规划法》第六十四条",
        valid_from=start,
    )

    def add_rows(n: int) -> None:
        for i in range(n):
            kind = matter_type_create(actor=SYSTEM, code=f"WAGE-{i}", name=f"工资类{i}")
            power_add(
                actor=SYSTEM,
                matter_type=kind,
                level=Level.DISTRICT,
                organisation=mini.housing_bureau,
                legal_basis="《劳动保障监察条例》",
                valid_from=start,
            )

    return Case(
        name="powerlist",
        url=reverse("powerlist:list"),
        user=make_user((Role.HANDLING_OFFICER, mini.town_a_office)),
        filters={"level": str(Level.DISTRICT)},
        inside=["拖欠工资"],
        filtered_out=["违法建设"],
        other_org=[],
        headers_zh=["事项类型", "编码", "层级", "牵头", "主管机构", "法定依据", "生效日期", "失效日期"],
        headers_en=["Matter type", "Code", "Level", "Lead", "Competent organisation", "Legal basis"],
        list_key="powerlist:list",
        object_type="powerlist.power",
        add_rows=add_rows,
        extra={"wages": wages},
    )


def justice_office(name: str, code: str, parent: Organisation) -> Organisation:
    return organisation_create(
        actor=SYSTEM, name=name, code=code, kind=Kind.DEPARTMENT, parent=parent, function=Function.JUSTICE
    )


def make_point(org: Organisation, name: str, kinds: list[ServiceKind]) -> ServicePoint:
    point = ServicePoint(organisation=org, name=name, address="一楼", hours="周一至周五", phone="020-0000-9999")
    return service_point_save(actor=SYSTEM, point=point, kinds=kinds)


def submit(point: ServicePoint, kind: ServiceKind) -> ServiceRequest:
    return public_request_submit(
        point=point,
        kind=kind,
        preferred_date=timezone.localdate(),
        time_slot="afternoon",
        name="陈少芬",
        phone="13800009003",
        description="邻里纠纷",
    ).request


def legalservices_case(mini: MiniDistrict) -> Case:
    """Town A's service point: a legal-aid request (the filter) and a consultation; town B's point
    is not the reader's."""
    seed_kinds(ServiceKind)
    kinds = {k.code: k for k in ServiceKind.objects.all()}
    offered = [kinds["consultation"], kinds["legal_aid"]]
    justice_a = organisation_create(
        actor=SYSTEM,
        name="甲镇司法所",
        code="EXP-A-SFS",
        kind=Kind.DEPARTMENT,
        parent=mini.town_a,
        function=Function.JUSTICE,
    )
    justice_b = organisation_create(
        actor=SYSTEM,
        name="乙街道司法所",
        code="EXP-B-SFS",
        kind=Kind.DEPARTMENT,
        parent=mini.town_b,
        function=Function.JUSTICE,
    )
    point_a = make_point(justice_a, "甲镇公共法律服务工作站", offered)
    point_b = make_point(justice_b, "乙街道公共法律服务工作站", offered)
    aid = submit(point_a, kinds["legal_aid"])
    consultation = submit(point_a, kinds["consultation"])
    other = submit(point_b, kinds["legal_aid"])

    def add_rows(n: int) -> None:
        for _ in range(n):
            submit(point_a, kinds["legal_aid"])

    return Case(
        name="legalservices",
        url=reverse("legalservices:staff_inbox"),
        user=make_user((Role.RECEPTION_CLERK, mini.town_a_office)),
        filters={"kind": str(kinds["legal_aid"].pk)},
        inside=[aid.reference],
        filtered_out=[consultation.reference],
        other_org=[other.reference],
        headers_zh=["申请编号", "提交时间", "申请渠道", "服务项目", "服务点", "希望办理日期", "时段", "状态", "到期日"],
        headers_en=["Request number", "Time submitted", "Request channel", "Service", "Service point"],
        list_key="legalservices:staff_inbox",
        object_type="legalservices.servicerequest",
        add_rows=add_rows,
    )


BUILDERS: dict[str, Callable[[MiniDistrict], Case]] = {
    "matters": matters_case,
    "search": lambda mini: matters_case(mini, search=True),
    "hotline": hotline_case,
    "audit": audit_case,
    "powerlist": powerlist_case,
    "legalservices": legalservices_case,
}
LISTS = list(BUILDERS)
FORMATS = ["csv", "xlsx"]


@pytest.fixture(params=LISTS)
def case(request: Any, mini: MiniDistrict) -> Case:
    return BUILDERS[request.param](mini)


def keys(rows: list[list[str]], column: int) -> set[str]:
    return {row[column] for row in rows[1:]}


def rows_of(client: Any, case: Case) -> list[list[str]]:
    return table(download(client, case, "csv"), "csv")[1:]


def download(client: Any, case: Case, fmt: str, **extra: Any) -> Any:
    client.force_login(case.user)
    return client.get(case.url, {**case.filters, "export": fmt}, **extra)


# --- Every list -----------------------------------------------------------------------------


class ExportListTests:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_the_file_holds_the_filtered_rows_only_and_never_another_organisations(self, client, case, fmt):
        client.force_login(case.user)
        page = client.get(case.url, case.filters)
        assert page.status_code == 200
        rows = table(download(client, case, fmt), fmt)
        listed = keys(rows, case.key_column)
        assert set(case.inside) <= listed
        assert not listed & set(case.filtered_out), "a row outside the filter was exported"
        assert not listed & set(case.other_org), "another organisation's row was exported"
        everything = keys(table(client.get(case.url, {"export": fmt}), fmt), case.key_column)
        assert not everything & set(case.other_org)  # not even without a filter
        assert set(case.filtered_out) <= everything  # the page without the filter shows them: so does its export

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_headers_are_in_the_request_language(self, client, case, fmt):
        zh = table(download(client, case, fmt), fmt)[0]
        assert zh[: len(case.headers_zh)] == case.headers_zh
        en = table(download(client, case, fmt, HTTP_ACCEPT_LANGUAGE="en"), fmt)[0]
        assert en[: len(case.headers_en)] == case.headers_en

    def test_one_audit_event_per_export_with_the_list_filters_rows_and_format(self, client, case):
        for fmt in FORMATS:
            table(download(client, case, fmt), fmt)
        events = export_events()
        assert [e.summary["format"] for e in events] == FORMATS
        event = events[0]
        assert event.actor_id == case.user.pk
        assert event.object_type == case.object_type and event.object_label == case.list_key
        assert event.org_id == case.user.memberships.get().organisation_id  # the exporter's auditors see it
        assert event.summary["list"] == case.list_key
        assert event.summary["rows"] == case.count == len(rows_of(client, case))
        assert event.summary["filters"] == case.filters

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_the_number_of_queries_does_not_grow_with_the_rows(self, client, case, fmt):
        client.force_login(case.user)
        params = {**case.filters, "export": fmt}
        body(client.get(case.url, params))  # warm caches (content types, calendar) first

        def measure() -> tuple[int, int]:
            with CaptureQueriesContext(connection) as queries:
                rows = table(client.get(case.url, params), fmt)
            return len(queries.captured_queries), len(rows) - 1

        small, small_rows = measure()
        case.add_rows(27)
        large, large_rows = measure()
        assert large_rows == small_rows + 27 and large_rows >= 28
        assert large <= small, f"{case.name}: {small} queries for {small_rows} rows, {large} for {large_rows}"

    def test_xlsx_parses_back_bold_frozen_header(self, client, case):
        response = download(client, case, "xlsx")
        disposition = response["Content-Disposition"]
        sheet = xlsx_sheet(response)
        assert sheet.freeze_panes == "A2"
        header = next(sheet.iter_rows(min_row=1, max_row=1))
        assert all(cell.font.b for cell in header)
        assert disposition.startswith('attachment; filename="') and "filename*=UTF-8''" in disposition

    def test_the_page_offers_both_buttons_with_its_filter_only_when_rows_are_listed(self, client, case):
        client.force_login(case.user)
        html = client.get(case.url, case.filters).content.decode()
        assert "导出 CSV" in html and "导出 Excel" in html
        assert "export=csv" in html and "export=xlsx" in html
        first_filter = next(iter(case.filters))
        assert f"{first_filter}=" in html.split("export=csv")[0].rsplit("href=", 1)[-1]
        client.force_login(make_user())  # no memberships: no list at all
        assert client.get(case.url).status_code == 403
        assert client.get(case.url, {"export": "csv"}).status_code == 403
        assert not export_events()

    def test_an_unknown_format_is_a_400_with_a_message_and_nothing_is_recorded(self, client, case):
        client.force_login(case.user)
        response = client.get(case.url, {**case.filters, "export": "pdf"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "不支持的导出格式“pdf”" in html and "Content-Disposition" not in response
        assert not export_events()
        english = client.get(case.url, {"export": "pdf"}, HTTP_ACCEPT_LANGUAGE="en")
        assert english.status_code == 400

    def test_above_the_cap_the_reader_is_asked_to_narrow_the_filter(self, client, case, settings):
        settings.XINFANG_EXPORT_MAX_ROWS = case.count - 1
        response = download(client, case, "csv")
        assert response.status_code == 400 and not response.streaming
        html = response.content.decode()
        assert "超过了一次导出的上限" in html and "请缩小筛选范围后再导出" in html
        assert "export=" not in html.split("返回列表")[0].rsplit("href=", 1)[-1]  # back to the list, filter kept
        assert not export_events()
        settings.XINFANG_EXPORT_MAX_ROWS = case.count  # at the cap exactly: exported
        assert download(client, case, "csv").status_code == 200


# --- Matters: personal data, formulas, dates --------------------------------------------------


class MatterExportTests:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_personal_data_stays_masked_for_a_role_without_personal_data_view(self, client, mini, fmt):
        case = matters_case(mini)
        text = flat(table(download(client, case, fmt), fmt))
        assert "张*" in text
        assert "张三" not in text and ID_NUMBER not in text and PHONE not in text

    def test_masked_for_a_clerk_with_personal_data_view_too_as_on_the_page(self, client, mini):
        case = matters_case(mini)
        case.user = case.extra["clerk"]
        text = flat(table(download(client, case, "csv"), "csv"))
        assert "张*" in text and "张三" not in text

    def test_the_clock_columns(self, client, mini):
        case = matters_case(mini)
        sheet = xlsx_sheet(download(client, case, "xlsx"))
        header, row = (list(r) for r in sheet.iter_rows(min_row=1, max_row=2))
        assert [c.value for c in header[-2:]] == ["时限", "到期日"]
        assert "天" in row[-2].value or row[-2].value == "今日到期"  # the registration clock, as the badge says
        assert isinstance(row[-1].value, datetime.datetime) and row[-1].is_date  # its due date, a real date

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_formula_injection_guard(self, client, mini, fmt):
        case = matters_case(mini)
        register(
            case.extra["clerk"],
            mini.town_a_office,
            title='=HYPERLINK("http://evil.example","点击")',
            petitioners=[PetitionerData(name="@王五", phone="13800002222")],
        )
        rows = table(download(client, case, fmt), fmt)
        titles = [row[1] for row in rows[1:]]
        assert '\'=HYPERLINK("http://evil.example","点击")' in titles
        assert not any(title.startswith(("=", "+", "-", "@")) for title in titles)

    def test_xlsx_dates_are_real_excel_dates_in_local_time(self, client, mini):
        case = matters_case(mini)
        matter = Matter.objects.get(number=case.inside[0])
        sheet = xlsx_sheet(download(client, case, "xlsx"))
        header = [c.value for c in next(sheet.iter_rows(min_row=1, max_row=1))]
        cell = next(sheet.iter_rows(min_row=2, max_row=2))[header.index("收到时间")]
        assert isinstance(cell.value, datetime.datetime) and cell.is_date
        local = timezone.localtime(matter.received_at).replace(tzinfo=None)
        assert abs(cell.value - local) < datetime.timedelta(seconds=1)

    def test_csv_dates_in_local_time_and_the_file_name(self, client, mini):
        case = matters_case(mini)
        matter = Matter.objects.get(number=case.inside[0])
        response = download(client, case, "csv")
        disposition = response["Content-Disposition"]
        rows = csv_rows(response)
        assert rows[1][rows[0].index("收到时间")] == f"{timezone.localtime(matter.received_at):%Y-%m-%d %H:%M:%S}"
        today = f"{timezone.localdate():%Y%m%d}"
        assert f'filename="petitions-inbox_{today}.csv"' in disposition
        assert unquote(disposition.split("filename*=UTF-8''")[1]) == f"信访事项_{today}.csv"
        assert "no-store" in response["Cache-Control"]
        english = download(client, case, "csv", HTTP_ACCEPT_LANGUAGE="en")
        assert unquote(english["Content-Disposition"].split("filename*=UTF-8''")[1]) == f"Petition matters_{today}.csv"
        body(english)

    def test_personal_filter_values_are_not_written_to_the_audit_log(self, client, mini):
        case = matters_case(mini)
        client.force_login(case.extra["clerk"])
        response = client.get(case.url, {"tab": "all", "petitioner": "张三", "id_number": ID_NUMBER, "export": "csv"})
        assert len(csv_rows(response)) == 3  # both of town A's matters of 张三
        (event,) = export_events()
        assert event.summary["filters"] == {"tab": "all", "petitioner": REDACTED, "id_number": REDACTED}
        stored = json.dumps(event.summary, ensure_ascii=False) + event.object_label
        assert "张三" not in stored and ID_NUMBER not in stored

    def test_an_invalid_filter_is_a_400_not_an_empty_file(self, client, mini):
        case = matters_case(mini)
        client.force_login(case.user)
        response = client.get(case.url, {"received_from": "2026-13-45", "export": "xlsx"})
        assert response.status_code == 400
        assert "筛选条件有误，请修改后再导出。" in response.content.decode()
        assert not export_events()

    def test_the_inbox_tab_is_kept(self, client, mini):
        case = matters_case(mini)
        Matter.objects.filter(number=case.filtered_out[0]).update(
            registered_at=timezone.now() - datetime.timedelta(days=10)
        )
        client.force_login(case.user)
        page = client.get(case.url, {"tab": "new"})
        rows = csv_rows(client.get(case.url, {"tab": "new", "export": "csv"}))
        assert keys(rows, 0) == {row.matter.number for row in page.context["rows"]} == set(case.inside)


# --- 12345 orders: personal data, formulas ------------------------------------------------------


class HotlineExportTests:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_the_caller_stays_masked_for_a_role_without_personal_data_view(self, client, mini, fmt):
        case = hotline_case(mini)
        case.user = make_user((Role.SUPERVISOR, mini.town_a))
        text = flat(table(download(client, case, fmt), fmt))
        assert "A-DISPATCHED" in text and "李*" in text
        assert "李四" not in text and "13900002222" not in text and "139 0000 2222" not in text

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_formula_injection_guard(self, client, mini, fmt):
        case = hotline_case(mini)
        clerk = case.user
        order = receive(
            clerk, mini.town_a_office, "A-FORMULA", content="=1+2", category="+cmd|' /C calc'!A0", caller_name="-王"
        )
        order_dispatch(actor=clerk, order=order, to_org=mini.village_a1)
        rows = table(download(client, case, fmt), fmt)
        header = rows[0]
        (row,) = [r for r in rows if r[0] == "A-FORMULA"]
        assert row[header.index("诉求内容")] == "'=1+2"
        assert row[header.index("分类")] == "'+cmd|' /C calc'!A0"
        assert row[header.index("来电人")] == "'-*"

    def test_the_default_status_filter_is_the_pages(self, client, mini):
        """The page without parameters lists open orders; its export link (?export=csv) too."""
        case = hotline_case(mini)
        client.force_login(case.user)
        page = client.get(case.url)
        shown = {o.external_id for o in page.context["items"]}
        rows = csv_rows(client.get(case.url, {"export": "csv"}))
        assert keys(rows, 0) == shown == {"A-DISPATCHED", "A-WAITING"}


# --- The guard itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("普通文字", "普通文字"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_guard_formula(value, expected):
    assert guard_formula(value) == expected


def test_power_list_filter_on_a_past_day_and_in_english_names(client, mini):
    case = powerlist_case(mini)
    client.force_login(case.user)
    rows = csv_rows(
        client.get(case.url, {"matter_type": case.extra["wages"].pk, "export": "csv"}, HTTP_ACCEPT_LANGUAGE="en")
    )
    assert len(rows) == 2
    assert rows[1][0] == "Wage arrears" and rows[1][3] == "Lead"
    before = (timezone.localdate() - datetime.timedelta(days=60)).isoformat()
    assert len(csv_rows(client.get(case.url, {"on": before, "export": "csv"}))) == 1  # nothing in force then
    assert MatterType.objects.count() == 2


def test_rows_are_read_in_chunks_each_prepared_once(rf, mini):
    """A list longer than a chunk: every row once, in the queryset's order, each chunk's lookups
    made once for the whole chunk (`prepare`), the count and the audit event once."""
    clerk = make_user((Role.RECEPTION_CLERK, mini.town_a_office))
    for i in range(12):
        register(clerk, mini.town_a_office, title=f"分块{i}")
    request = rf.get("/matters/", {"export": "csv"})
    request.user = clerk
    matters = Matter.objects.restrict(clerk, "matter.view").order_by("pk")
    chunks: list[int] = []

    def prepare(chunk: list[Matter]) -> list[Matter]:
        chunks.append(len(chunk))
        return chunk

    response = export_response(
        request=request,
        rows=matters,
        columns=[Column("编号", lambda m: m.number), Column("标题", lambda m: m.title)],
        filename="分块",
        fmt="csv",
        prepare=prepare,
        chunk_size=5,
    )
    rows = csv_rows(response)
    assert chunks == [5, 5, 2]
    assert [row[0] for row in rows[1:]] == list(matters.values_list("number", flat=True))
    (event,) = export_events()
    assert event.summary == {"list": "/matters/", "format": "csv", "rows": 12, "filters": {}}
