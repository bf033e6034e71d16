"""Bulk imports through the services: each kind is written by its app's own service (matters by
matter_register: numbers, clocks and audit events; petitioners by petitioner_upsert; the power list
by the powerlist services), a run is all or nothing, a dry run writes nothing, and permissions
are those of the counter and of the power-list administrator."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.petitions.models import Matter, MatterParticipant, Petitioner
from xinfang.petitions.states import CLOCK_NOTICE, CLOCK_TRIAGE, Channel
from xinfang.powerlist.models import MatterType, Power
from xinfang.transfer.models import ImportJob, ImportKind, ImportStatus
from xinfang.transfer.services import import_job_confirm, import_job_create, import_job_run
from xinfang.workcalendar.models import Clock

from .conftest import MATTER_HEADER, csv_bytes, matter_row, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(actor, kind, name, content, *, organisation=None, dry_run=False):  # type: ignore[no-untyped-def]
    job, created = import_job_create(
        actor=actor, kind=kind, organisation=organisation, name=name, content=content, dry_run=dry_run
    )
    assert created
    return import_job_run(job_id=job.pk)


def run_matters(imp, content, name="matters.csv", **kwargs):  # type: ignore[no-untyped-def]
    return run(imp.clerk, ImportKind.MATTERS, name, content, organisation=imp.mini.petition_bureau, **kwargs)


class MatterImportTests:
    @pytest.mark.parametrize(
        ("name", "encoding"),
        [("utf8.csv", "utf-8"), ("bom.csv", "utf-8-sig"), ("gbk.csv", "gbk"), ("gb18030.csv", "gb18030")],
    )
    def test_xf_reg_03_csv_in_every_encoding_registers_each_row_with_clocks_and_audit(self, imp, name, encoding):
        content = csv_bytes(MATTER_HEADER, [matter_row(1), matter_row(2)], encoding=encoding)
        job = run_matters(imp, content, name=name)
        assert job.status == ImportStatus.DONE, job.errors or job.problem
        assert job.counts == {"matters_created": 2}
        matters = list(Matter.objects.order_by("pk"))
        assert [m.request for m in matters] == ["请求支付拖欠的工资（1）。", "请求支付拖欠的工资（2）。"]
        assert matters[0].channel == Channel.VISIT and matters[0].oral_recorded_by == "王五"
        assert matters[0].registered_org == imp.mini.petition_bureau and matters[0].registered_by == imp.clerk
        assert matters[0].number.startswith(imp.mini.petition_bureau.code)
        # The row's received time is kept (local time), and the D1/D2 clocks start from it (XF-REG-03).
        received = matters[0].received_at.astimezone(datetime.timezone(datetime.timedelta(hours=8)))
        assert received.date() == datetime.date.today() - datetime.timedelta(days=1)
        assert (received.hour, received.minute) == (9, 30)
        clocks = set(Clock.objects.filter(object_id=str(matters[0].pk)).values_list("kind", flat=True))
        assert {CLOCK_TRIAGE, CLOCK_NOTICE} <= clocks
        assert Clock.objects.get(object_id=str(matters[0].pk), kind=CLOCK_TRIAGE).start_date == received.date()
        assert Petitioner.objects.get(name="张1").phone == "13800001111"  # normalised by intake
        assert AuditEvent.objects.filter(action="matter.register").count() == 2
        event = AuditEvent.objects.get(action="transfer.import")
        assert event.object_id == str(job.pk) and event.org_id == imp.mini.petition_bureau.pk
        assert event.summary["after"]["counts"] == {"matters_created": 2}
        assert event.summary["after"]["file"] == name and event.summary["after"]["dry_run"] is False

    def test_xlsx_with_real_dates_and_english_headers(self, imp):
        header = ["received_at", "channel", "request", "facts", "reasons", "petitioner_name", "petitioner_address"]
        when = timezone.localtime().replace(tzinfo=None, microsecond=0) - datetime.timedelta(days=2)
        rows = [[when, "letter", "请求维修道路。", "道路破损。", "影响出行。", "李四", "测试路2号"]]
        job = run_matters(imp, xlsx_bytes(header, rows), name="matters.xlsx")
        assert job.status == ImportStatus.DONE, job.errors or job.problem
        matter = Matter.objects.get()
        assert matter.channel == Channel.LETTER
        assert timezone.localtime(matter.received_at).replace(tzinfo=None) == when  # Excel's local time kept

    def test_one_bad_row_among_good_ones_writes_nothing_and_names_row_and_column(self, imp):
        rows = [matter_row(1), matter_row(2, 渠道="飞鸽传书"), matter_row(3, 事实=""), matter_row(4)]
        job = run_matters(imp, csv_bytes(MATTER_HEADER, rows))
        assert job.status == ImportStatus.FAILED
        assert Matter.objects.count() == 0 and Petitioner.objects.count() == 0
        assert not AuditEvent.objects.filter(action="matter.register").exists()
        assert job.error_count == 2
        assert [(e["row"], e["column"], e["letter"]) for e in job.errors] == [(3, "渠道", "B"), (4, "事实", "D")]
        assert "飞鸽传书" in job.errors[0]["message"] and "走访" in job.errors[0]["message"]
        assert "第十九条" in job.errors[1]["message"]
        # The attempt is on record, with its error count (the rows' events were rolled back).
        event = AuditEvent.objects.get(action="transfer.import")
        assert event.summary["after"]["status"] == ImportStatus.FAILED and event.summary["after"]["errors"] == 2

    def test_service_refusals_are_row_errors_too(self, imp):
        future = (datetime.date.today() + datetime.timedelta(days=3)).isoformat() + " 10:00"
        rows = [matter_row(1), matter_row(2, 收到时间=future)]
        job = run_matters(imp, csv_bytes(MATTER_HEADER, rows))
        assert job.status == ImportStatus.FAILED and Matter.objects.count() == 0
        assert [(e["row"], e["column"]) for e in job.errors] == [(3, "收到时间")]
        assert job.errors[0]["message"] == "收到时间不能晚于现在。"

    def test_xf_reg_01_oral_petitions_need_their_recorder_and_address_or_unclear(self, imp):
        rows = [matter_row(1, 记录人=""), matter_row(2, 住址="")]
        job = run_matters(imp, csv_bytes(MATTER_HEADER, rows))
        assert [(e["row"], e["column"]) for e in job.errors] == [(2, "记录人"), (3, "住址")]
        assert "XF-REG-01" in job.errors[0]["message"]

    def test_dry_run_does_everything_and_writes_nothing(self, imp):
        before = AuditEvent.objects.count()
        job = run_matters(imp, csv_bytes(MATTER_HEADER, [matter_row(1), matter_row(2)]), dry_run=True)
        assert job.status == ImportStatus.DONE and job.dry_run
        assert job.counts == {"matters_created": 2} and job.processed == job.total == 2
        assert Matter.objects.count() == 0 and Petitioner.objects.count() == 0 and Clock.objects.count() == 0
        # Only the job's own event: the dry run is on record.
        assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)[before:]) == ["transfer.import"]
        real, created = import_job_confirm(actor=imp.clerk, job=job)
        assert created and real.source_job == job and real.file.name == job.file.name
        assert import_job_confirm(actor=imp.clerk, job=job) == (real, False)  # a second click
        real = import_job_run(job_id=real.pk)
        assert real.status == ImportStatus.DONE and Matter.objects.count() == 2

    def test_the_same_file_twice_registers_once(self, imp):
        content = csv_bytes(MATTER_HEADER, [matter_row(1)])
        run_matters(imp, content)
        again = run_matters(imp, content)
        assert again.status == ImportStatus.DONE and again.counts == {"matters_existing": 1}
        assert Matter.objects.count() == 1

    def test_a_dry_run_with_errors_cannot_be_imported_for_real(self, imp):
        job = run_matters(imp, csv_bytes(MATTER_HEADER, [matter_row(1, 诉求="")]), dry_run=True)
        assert job.status == ImportStatus.FAILED
        with pytest.raises(ValidationError):
            import_job_confirm(actor=imp.clerk, job=job)

    def test_anonymous_report_and_place(self, imp):
        header = ["收到时间", "渠道", "诉求", "事实", "理由", "匿名检举控告", "发生地"]
        received = (datetime.date.today() - datetime.timedelta(days=1)).isoformat() + " 10:00"
        rows = [
            [received, "来信", "请求查处。", "某干部收受礼金。", "违反纪律。", "是", imp.mini.village_a1.code],
            [received, "来信", "请求查处。", "某干部收受礼金。", "违反纪律。", "是", imp.mini.housing_bureau.code],
        ]
        job = run_matters(imp, csv_bytes(header, rows))
        assert [(e["row"], e["column"]) for e in job.errors] == [(3, "发生地")]
        job = run_matters(imp, csv_bytes(header, rows[:1]))
        matter = Matter.objects.get()
        assert matter.is_anonymous and matter.nature == "report" and matter.place_org == imp.mini.village_a1


class PetitionerImportTests:
    HEADER = ["姓名或名称", "信访人类型", "证件号码", "联系电话", "住址"]

    def test_rows_create_then_update_by_normalised_id_number(self, imp):
        rows = [
            ["赵六", "个人", "440115 19900101 123x", "13600004444", "测试路3号"],
            ["某公司", "法人或其他组织", "", "", ""],
        ]
        job = run(
            imp.clerk,
            ImportKind.PETITIONERS,
            "p.csv",
            csv_bytes(self.HEADER, rows),
            organisation=imp.mini.petition_bureau,
        )
        assert job.status == ImportStatus.DONE and job.counts == {"petitioners_created": 2}
        zhao = Petitioner.objects.get(name="赵六")
        assert zhao.id_number == "44011519900101123X"
        created = AuditEvent.objects.filter(action="petitioner.create")
        assert created.count() == 2 and all("赵六" not in str(e.summary) for e in created)  # no personal data
        # A record nobody's matter shows yet: only blanks are filled (XF-CLS-03), the rest is kept.
        rows = [["赵六", "个人", "44011519900101123X", "13600005555", "新地址"]]
        job = run(
            imp.clerk,
            ImportKind.PETITIONERS,
            "p2.csv",
            csv_bytes(self.HEADER, rows),
            organisation=imp.mini.petition_bureau,
        )
        assert job.counts == {"petitioners_unchanged": 1}
        zhao.refresh_from_db()
        assert zhao.phone == "13600004444"

    def test_a_petitioner_the_clerk_sees_is_updated(self, imp):
        from xinfang.petitions.testing import register_walk_in

        matter = register_walk_in(imp.mini)
        petitioner = MatterParticipant.objects.get(matter=matter).petitioner
        rows = [["张三", "个人", petitioner.id_number, "13900009999", ""]]
        job = run(
            imp.clerk,
            ImportKind.PETITIONERS,
            "p.xlsx",
            xlsx_bytes(self.HEADER, rows),
            organisation=imp.mini.petition_bureau,
        )
        assert job.counts == {"petitioners_updated": 1}
        petitioner.refresh_from_db()
        assert petitioner.phone == "13900009999" and petitioner.address == "测试路1号"
        event = AuditEvent.objects.get(action="petitioner.update")
        assert event.summary["after"]["fields"] == ["phone"] and "13900009999" not in str(event.summary)

    def test_id_numbers_mangled_by_excel_are_refused(self, imp):
        rows: list[list[Any]] = [["赵六", "个人", 440115199001011234, "", ""], ["钱七", "个人", "4.40115E+17", "", ""]]
        job = run(
            imp.clerk,
            ImportKind.PETITIONERS,
            "p.xlsx",
            xlsx_bytes(self.HEADER, rows),
            organisation=imp.mini.petition_bureau,
        )
        assert job.status == ImportStatus.FAILED and Petitioner.objects.count() == 0
        assert [(e["row"], e["column"]) for e in job.errors] == [(2, "证件号码"), (3, "证件号码")]
        assert "科学计数法" in job.errors[0]["message"]


class PowerListImportTests:
    HEADER = [
        "事项类型编码",
        "事项类型名称",
        "关键词",
        "层级",
        "主管机构",
        "主管职能",
        "牵头",
        "法定依据",
        "生效日期",
        "失效日期",
    ]

    def test_matter_types_and_powers_through_the_services(self, imp):
        rows = [
            [
                "WAGE",
                "拖欠工资",
                "欠薪 工资",
                "区县级",
                imp.mini.housing_bureau.code,
                "",
                "是",
                "《条例》第十条",
                "2025-01-01",
                "",
            ],
            ["WAGE", "拖欠工资", "", "镇街级", "", "信访部门", "", "《条例》第十一条", "2025-01-01", ""],
            ["ROAD", "道路破损", "", "", "", "", "是", "", "", ""],  # the matter type only
        ]
        job = run(imp.admin, ImportKind.POWERLIST, "pl.csv", csv_bytes(self.HEADER, rows))
        assert job.status == ImportStatus.DONE, job.errors
        assert job.counts == {"matter_types_created": 2, "powers_created": 2}
        assert set(MatterType.objects.values_list("code", flat=True)) == {"WAGE", "ROAD"}
        assert Power.objects.filter(matter_type__code="WAGE", organisation=imp.mini.housing_bureau).exists()
        assert AuditEvent.objects.filter(action="powerlist.power.add").count() == 2
        assert AuditEvent.objects.filter(action="powerlist.matter_type.create").count() == 2
        again = run(imp.admin, ImportKind.POWERLIST, "pl.csv", csv_bytes(self.HEADER, rows))
        assert again.counts == {"powers_unchanged": 2} and Power.objects.count() == 2

    def test_overlaps_and_bad_organisations_are_row_errors(self, imp):
        imp.mini.grid_a1_1.refresh_from_db()
        rows = [
            ["WAGE", "拖欠工资", "", "区县级", imp.mini.housing_bureau.code, "", "是", "依据一", "2025-01-01", ""],
            ["WAGE", "拖欠工资", "", "区县级", imp.mini.housing_bureau.code, "", "是", "依据二", "2025-06-01", ""],
            ["WAGE", "拖欠工资", "", "区县级", "NO-SUCH-ORG", "", "是", "依据三", "2025-01-01", ""],
            ["WAGE", "拖欠工资", "", "镇街级", imp.mini.housing_bureau.code, "", "是", "依据四", "2025-01-01", ""],
            ["WAGE", "拖欠工资", "", "区县级", "", "", "是", "依据五", "2025-13-01", ""],
        ]
        job = run(imp.admin, ImportKind.POWERLIST, "pl.csv", csv_bytes(self.HEADER, rows))
        assert job.status == ImportStatus.FAILED
        assert MatterType.objects.count() == 0 and Power.objects.count() == 0
        found = [(e["row"], e["column"]) for e in job.errors]
        assert found == [(3, "生效日期"), (4, "主管机构"), (5, "主管机构"), (6, "生效日期")]
        assert "重叠" in job.errors[0]["message"]
        assert "NO-SUCH-ORG" in job.errors[1]["message"]
        assert "层级" in job.errors[2]["message"]

    def test_needs_powerlist_manage(self, imp):
        with pytest.raises(PermissionDenied):
            run(
                imp.clerk,
                ImportKind.POWERLIST,
                "pl.csv",
                csv_bytes(self.HEADER, [["X", "某类", "", "", "", "", "", "", "", ""]]),
            )


class PermissionTests:
    def test_refused_without_the_action_and_for_another_organisation(self, imp):
        content = csv_bytes(MATTER_HEADER, [matter_row(1)])
        for user in (imp.handler, imp.town_clerk):
            with pytest.raises(PermissionDenied):
                run(user, ImportKind.MATTERS, "m.csv", content, organisation=imp.mini.petition_bureau)
        with pytest.raises(PermissionDenied):
            run(
                imp.handler,
                ImportKind.PETITIONERS,
                "p.csv",
                csv_bytes(["姓名或名称"], [["某"]]),
                organisation=imp.mini.housing_bureau,
            )
        assert ImportJob.objects.count() == 0

    def test_a_permission_lost_before_the_run_fails_the_job(self, imp):
        from xinfang.accounts.services import membership_revoke

        job, _created = import_job_create(
            actor=imp.clerk,
            kind=ImportKind.MATTERS,
            organisation=imp.mini.petition_bureau,
            name="m.csv",
            content=csv_bytes(MATTER_HEADER, [matter_row(1)]),
        )
        membership = imp.clerk.memberships.get()
        membership_revoke(actor=imp.admin, membership=membership)
        job = import_job_run(job_id=job.pk)
        assert job.status == ImportStatus.FAILED and "权限" in job.problem and Matter.objects.count() == 0


class FileRefusalTests:
    def create(self, imp, name, content):  # type: ignore[no-untyped-def]
        with pytest.raises(ValidationError) as caught:
            import_job_create(
                actor=imp.clerk,
                kind=ImportKind.MATTERS,
                organisation=imp.mini.petition_bureau,
                name=name,
                content=content,
            )
        assert ImportJob.objects.count() == 0
        return caught.value.message_dict["file"][0]

    def test_wrong_type_by_name_and_by_content(self, imp):
        assert "CSV" in self.create(imp, "m.pdf", b"%PDF-1.4")
        assert ".xls" in self.create(imp, "m.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest")
        assert "Excel" in self.create(imp, "m.xlsx", b"just,some,text\n")
        assert "Excel" in self.create(imp, "m.csv", xlsx_bytes(MATTER_HEADER, [matter_row(1)]))
        assert "编码" in self.create(imp, "m.csv", b"\x00\x01\x02binary\xff\xfe\x00")

    def test_too_big_and_too_many_rows(self, imp, settings):
        settings.XINFANG_IMPORT_MAX_BYTES = 200
        assert "大小上限" in self.create(imp, "m.csv", csv_bytes(MATTER_HEADER, [matter_row(1), matter_row(2)]))
        settings.XINFANG_IMPORT_MAX_BYTES = 20 * 1024 * 1024
        settings.XINFANG_IMPORT_MAX_ROWS = 2
        rows = [matter_row(n) for n in range(3)]
        assert "2行" in self.create(imp, "m.csv", csv_bytes(MATTER_HEADER, rows))
        assert "2行" in self.create(imp, "m.xlsx", xlsx_bytes(MATTER_HEADER, rows))

    def test_headers_must_be_known_and_complete(self, imp):
        assert "收到时问" in self.create(imp, "m.csv", csv_bytes(["收到时问", *MATTER_HEADER[1:]], [matter_row(1)]))
        assert "收到时间" in self.create(imp, "m.csv", csv_bytes(MATTER_HEADER[1:], [matter_row(1)[1:]]))
        assert "没有数据行" in self.create(imp, "m.csv", csv_bytes(MATTER_HEADER, []))


class ProgressTests:
    def test_batches_report_progress(self, imp, settings):
        settings.XINFANG_IMPORT_BATCH = 2
        job, _created = import_job_create(
            actor=imp.clerk,
            kind=ImportKind.MATTERS,
            organisation=imp.mini.petition_bureau,
            name="m.csv",
            content=csv_bytes(MATTER_HEADER, [matter_row(n) for n in range(5)]),
            dry_run=True,
        )
        seen: list[tuple[int, int, int]] = []
        job = import_job_run(job_id=job.pk, on_progress=lambda *report: seen.append(report))
        assert seen == [(0, 5, 0), (2, 5, 0), (4, 5, 0), (5, 5, 0)]
        assert job.processed == 5
